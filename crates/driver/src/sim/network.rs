//! The simulated network: its builder, its state, and what happens when a
//! packet reaches a node.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use icmpkit_proto::machine::Channel;

use super::clock::EventQueue;
use super::link::Link;
use super::node::{self, ErrorKind, Header, HostAnswer, TokenBucket};
use super::rng::SplitMix64;
use super::topology::{Absent, Balance, Forwarding, Host, Route, Router, RouterId};

/// How ICMP errors about the local host's datagrams reach the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorDelivery {
    /// As datagrams on the ICMP channel, as a raw ICMP socket reads them
    /// (the default).
    #[default]
    Datagram,
    /// As [`Input::SocketError`](icmpkit_proto::machine::Input) on the
    /// channel of the datagram they are about, as a socket with
    /// `IP_RECVERR` queues them (a ping socket sees errors only so).
    Queued,
    /// Both: a raw ICMP socket reading every error and the sending socket
    /// queueing it.
    Both,
}

/// Whether the local host's IPv4 datagrams may be fragmented (IPv6 ones
/// never are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fragmentation {
    /// Don't Fragment on every IPv4 datagram, and a send longer than the
    /// first link's MTU refused with `EMSGSIZE` (Linux's
    /// `IP_PMTUDISC_PROBE`; the default).
    #[default]
    DontFragment,
    /// No Don't Fragment: a datagram longer than a link's MTU is
    /// fragmented (and, here, reassembled unseen), as traceroute's probes
    /// go without `-F`.
    Allowed,
}

/// What happened in the network so far, for tests to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Counters {
    /// Datagrams the local host sent (refused sends not counted).
    pub sent: u64,
    /// Sends refused locally (no route, no source address, too big).
    pub refused: u64,
    /// Deliveries to the machine (datagrams and queued errors).
    pub delivered: u64,
    /// Packets lost on a link, in either direction.
    pub lost: u64,
    /// ICMP errors a node's rate limit held back.
    pub rate_limited: u64,
}

/// Why a [`Builder`] could not build the network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The local host has no address.
    #[error("the local host has no address: add one with Builder::local")]
    NoLocalAddress,
    /// A route's prefix length is too long for its family.
    #[error("route {prefix}/{len}: the prefix length is longer than the address")]
    PrefixTooLong {
        /// The prefix's address.
        prefix: IpAddr,
        /// Its length.
        len: u8,
    },
    /// A route has a hop with no router.
    #[error("route {prefix}/{len}: hop {hop} has no router")]
    EmptyHop {
        /// The prefix's address.
        prefix: IpAddr,
        /// Its length.
        len: u8,
        /// The hop (1 is the first).
        hop: usize,
    },
}

/// Describes a simulated network: the local host (the sender), routers and
/// routes. See the [module documentation](super) for an example.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    local_v4: Option<Ipv4Addr>,
    local_v6: Option<Ipv6Addr>,
    routers: Vec<Router>,
    routes: Vec<Route>,
    seed: u64,
    errors: ErrorDelivery,
    fragmentation: Fragmentation,
    ping_socket: Option<u16>,
}

impl Builder {
    /// An empty network with seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the local host an address (its only one of that family: the
    /// source of its datagrams).
    #[must_use]
    pub fn local(mut self, addr: impl Into<IpAddr>) -> Self {
        match addr.into() {
            IpAddr::V4(a) => self.local_v4 = Some(a),
            IpAddr::V6(a) => self.local_v6 = Some(a),
        }
        self
    }

    /// Seeds the random source of loss, jitter and per-packet balancing
    /// (and salts the ECMP flow hash): the same seed, the same run.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How ICMP errors reach the machine.
    #[must_use]
    pub fn errors(mut self, errors: ErrorDelivery) -> Self {
        self.errors = errors;
        self
    }

    /// Whether the local host's IPv4 datagrams may be fragmented.
    #[must_use]
    pub fn fragmentation(mut self, fragmentation: Fragmentation) -> Self {
        self.fragmentation = fragmentation;
        self
    }

    /// Sends Echo Requests as a Linux ping socket (`SOCK_DGRAM`,
    /// `IPPROTO_ICMP`) bound to `ident` does: the identifier replaced by
    /// `ident` and the ICMPv4 checksum computed by the kernel. (Such a
    /// socket reads errors only from its queue: pair it with
    /// [`ErrorDelivery::Queued`].)
    #[must_use]
    pub fn ping_socket(mut self, ident: u16) -> Self {
        self.ping_socket = Some(ident);
        self
    }

    /// Adds a router, to be named in routes.
    pub fn router(&mut self, router: Router) -> RouterId {
        self.routers.push(router);
        RouterId(self.routers.len() - 1)
    }

    /// Adds a route. A datagram goes by the route whose hops hold a router
    /// with its destination address, else by the longest prefix holding
    /// it, else nowhere (the send is refused with `ENETUNREACH`).
    pub fn route(&mut self, route: Route) -> &mut Self {
        self.routes.push(route);
        self
    }

    /// The network, its clock starting now.
    pub fn build(&self) -> Result<Network, BuildError> {
        if self.local_v4.is_none() && self.local_v6.is_none() {
            return Err(BuildError::NoLocalAddress);
        }
        for route in &self.routes {
            let (prefix, len) = (route.prefix.addr, route.prefix.len);
            if len > route.prefix.max_len() {
                return Err(BuildError::PrefixTooLong { prefix, len });
            }
            if let Some(i) = route.hops.iter().position(|h| h.routers.is_empty()) {
                return Err(BuildError::EmptyHop {
                    prefix,
                    len,
                    hop: i + 1,
                });
            }
        }
        let now = Instant::now();
        Ok(Network {
            start: now,
            now,
            local_v4: self.local_v4,
            local_v6: self.local_v6,
            buckets: vec![TokenBucket::default(); self.routers.len()],
            routers: self.routers.clone(),
            routes: self.routes.clone(),
            host_buckets: HashMap::new(),
            rng: SplitMix64::new(self.seed),
            seed: self.seed,
            queue: EventQueue::new(),
            inbox: VecDeque::new(),
            errors: self.errors,
            fragmentation: self.fragmentation,
            ping_socket: self.ping_socket,
            ident: 0,
            counters: Counters::default(),
        })
    }
}

/// Something in flight.
#[derive(Debug)]
pub(crate) enum Event {
    /// A packet going away from the local host arrives at `position` of
    /// route `route` (1 is the first hop; one past the hops is the hosts).
    Outbound {
        route: usize,
        position: usize,
        packet: Vec<u8>,
    },
    /// A packet arrives at the local host.
    Inbound { packet: Vec<u8> },
}

/// What arrived at the local host, waiting for the driver to receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arrival {
    pub(crate) at: Instant,
    pub(crate) packet: Vec<u8>,
}

/// A simulated network on a virtual clock; build it with a [`Builder`] and
/// run a machine over it with [`drive`](crate::drive) (it is a
/// [`Transport`](crate::Transport)).
#[derive(Debug)]
pub struct Network {
    pub(crate) start: Instant,
    pub(crate) now: Instant,
    pub(crate) local_v4: Option<Ipv4Addr>,
    pub(crate) local_v6: Option<Ipv6Addr>,
    routers: Vec<Router>,
    buckets: Vec<TokenBucket>,
    routes: Vec<Route>,
    host_buckets: HashMap<IpAddr, TokenBucket>,
    rng: SplitMix64,
    seed: u64,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) inbox: VecDeque<Arrival>,
    pub(crate) errors: ErrorDelivery,
    pub(crate) fragmentation: Fragmentation,
    pub(crate) ping_socket: Option<u16>,
    ident: u16,
    pub(crate) counters: Counters,
}

impl Network {
    /// A builder.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// What happened so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The instant the clock started at (what `now()` returned first).
    pub fn start(&self) -> Instant {
        self.start
    }

    /// How much virtual time has passed.
    pub fn elapsed(&self) -> std::time::Duration {
        self.now - self.start
    }

    /// The source address the local host's datagrams to `dst` carry (its
    /// address of that family), as a prober computing checksums needs it.
    pub fn source_for(&self, dst: IpAddr) -> Option<IpAddr> {
        match dst {
            IpAddr::V4(_) => self.local_v4.map(IpAddr::V4),
            IpAddr::V6(_) => self.local_v6.map(IpAddr::V6),
        }
    }

    /// The next IPv4 identification.
    pub(crate) fn next_ident(&mut self) -> u16 {
        self.ident = self.ident.wrapping_add(1);
        self.ident
    }

    /// The route to `dst`: the one through a router owning `dst`, else the
    /// longest prefix.
    pub(crate) fn route_to(&self, dst: IpAddr) -> Option<usize> {
        let owned = self.routes.iter().position(|route| {
            route
                .hops
                .iter()
                .flat_map(|h| &h.routers)
                .any(|&RouterId(r)| self.routers[r].has(dst))
        });
        owned.or_else(|| {
            self.routes
                .iter()
                .enumerate()
                .filter(|(_, r)| r.prefix.contains(dst))
                .max_by_key(|(i, r)| (r.prefix.len, std::cmp::Reverse(*i)))
                .map(|(i, _)| i)
        })
    }

    /// The link from the local host on route `route`.
    pub(crate) fn first_link(&self, route: usize) -> Link {
        self.routes[route].link_into(1)
    }

    /// Sends `packet` over the link into `position` of `route`, from now.
    pub(crate) fn transmit(&mut self, route: usize, position: usize, packet: Vec<u8>) {
        let link = self.routes[route].link_into(position);
        match link.cross(&mut self.rng) {
            None => self.counters.lost += 1,
            Some(delay) => self.queue.push(
                self.now + delay,
                Event::Outbound {
                    route,
                    position,
                    packet,
                },
            ),
        }
    }

    /// Sends `packet` from `position` of `route` back to the local host,
    /// each router on the way lowering its TTL.
    fn send_back(&mut self, route: usize, position: usize, mut packet: Vec<u8>) {
        let mut at = self.now;
        for pos in (1..=position).rev() {
            let link = self.routes[route].link_into(pos);
            let Some(delay) = link.cross(&mut self.rng) else {
                self.counters.lost += 1;
                return;
            };
            at += delay;
            if pos > 1 {
                node::decrement_hop_limit(&mut packet);
            }
        }
        self.queue.push(at, Event::Inbound { packet });
    }

    /// Handles one event due now.
    pub(crate) fn process(&mut self, event: Event) {
        match event {
            Event::Inbound { packet } => self.inbox.push_back(Arrival {
                at: self.now,
                packet,
            }),
            Event::Outbound {
                route,
                position,
                packet,
            } => self.arrive(route, position, packet),
        }
    }

    /// A packet reaches `position` of `route`.
    fn arrive(&mut self, route: usize, position: usize, mut packet: Vec<u8>) {
        let Some(header) = Header::parse(&packet) else {
            return;
        };
        let hops = self.routes[route].hops.len();
        if position > hops {
            if let Some(host) = self.routes[route].host_at(header.dst) {
                self.answer(route, position, host, None, &header, &packet);
            }
            return;
        }
        let r = self.pick(route, position, &header, &packet);
        let router = &self.routers[r];
        let Some(from) = router.addr_like(header.dst) else {
            // A router without an address of the family drops the packet.
            return;
        };
        if from == header.dst {
            let host = router.as_host();
            self.answer(route, position, host, Some(r), &header, &packet);
            return;
        }
        if header.hop_limit <= 1 {
            if router.time_exceeded {
                self.router_error(route, position, r, ErrorKind::TimeExceeded, &packet);
            }
            return;
        }
        match router.forwarding {
            Forwarding::Forward => {}
            Forwarding::Drop => return,
            Forwarding::Reject(code) => {
                self.router_error(route, position, r, ErrorKind::Unreachable(code), &packet);
                return;
            }
        }
        let the_route = &self.routes[route];
        if position == hops
            && the_route.host_at(header.dst).is_none()
            && let Absent::Unreachable(code) = the_route.absent
        {
            self.router_error(route, position, r, ErrorKind::Unreachable(code), &packet);
            return;
        }
        let mtu = the_route.link_into(position + 1).mtu;
        if packet.len() > usize::from(mtu) && header.dont_frag {
            self.router_error(route, position, r, ErrorKind::TooBig(mtu), &packet);
            return;
        }
        node::decrement_hop_limit(&mut packet);
        self.transmit(route, position + 1, packet);
    }

    /// Which router of the hop at `position` takes the packet: one owning
    /// its destination, else by the hop's balance.
    fn pick(&mut self, route: usize, position: usize, header: &Header, packet: &[u8]) -> usize {
        let hop = &self.routes[route].hops[position - 1];
        if let Some(&RouterId(r)) = hop
            .routers
            .iter()
            .find(|&&RouterId(r)| self.routers[r].has(header.dst))
        {
            return r;
        }
        let n = hop.routers.len() as u64;
        let choice = match hop.balance {
            Balance::PerFlow => node::flow_hash(header, packet, self.seed ^ position as u64) % n,
            Balance::PerPacket => self.rng.up_to(n - 1),
        };
        // choice < n, a router count.
        #[allow(clippy::cast_possible_truncation)]
        let RouterId(r) = hop.routers[choice as usize];
        r
    }

    /// Router `r` at `position` sends the error `kind` about `packet`, its
    /// rate limit allowing.
    fn router_error(
        &mut self,
        route: usize,
        position: usize,
        r: usize,
        kind: ErrorKind,
        packet: &[u8],
    ) {
        let router = &self.routers[r];
        if router.rate_limited && !kind.exempt_from_rate_limit() && !self.buckets[r].allow(self.now)
        {
            self.counters.rate_limited += 1;
            return;
        }
        let Some(header) = Header::parse(packet) else {
            return;
        };
        let Some(from) = router.addr_like(header.dst) else {
            return;
        };
        let mpls = router.mpls.clone();
        let ident = self.next_ident();
        if let Some(error) = node::error_packet(packet, kind, from, 64, ident, &mpls) {
            self.send_back(route, position, error);
        }
    }

    /// A host (or router `router`, answering for its own address) at
    /// `position` answers `packet`.
    fn answer(
        &mut self,
        route: usize,
        position: usize,
        host: Host,
        router: Option<usize>,
        header: &Header,
        packet: &[u8],
    ) {
        match node::host_answer(host, header, packet) {
            None => {}
            Some(HostAnswer::Reply(reply)) => self.send_back(route, position, reply),
            Some(HostAnswer::Error(error)) => {
                if host.rate_limited {
                    let now = self.now;
                    let bucket = match router {
                        Some(r) => &mut self.buckets[r],
                        None => self.host_buckets.entry(header.dst).or_default(),
                    };
                    if !bucket.allow(now) {
                        self.counters.rate_limited += 1;
                        return;
                    }
                }
                self.send_back(route, position, error);
            }
        }
    }
}

/// The channel a datagram of `protocol` goes on.
pub(crate) fn channel_of(protocol: u8) -> Option<Channel> {
    use icmpkit_wire::ip::protocol as p;
    match protocol {
        p::ICMP | p::ICMPV6 => Some(Channel::Icmp),
        p::UDP => Some(Channel::Udp),
        p::TCP => Some(Channel::Tcp),
        _ => None,
    }
}
