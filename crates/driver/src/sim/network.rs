//! The simulated network: its builder and its state, the local host
//! attached to the engine (`icmpkit_netsim`) that runs the routers and
//! hosts.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use icmpkit_netsim::{NodeId, Prefix, Topology, TopologyError};
use icmpkit_proto::machine::Channel;

use super::compile::{self, Compiled};
use super::topology::{Route, Router, RouterId};

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

/// Whether the local host's datagrams may be fragmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fragmentation {
    /// Don't Fragment on every IPv4 datagram, and a send longer than the
    /// first link's MTU refused with `EMSGSIZE`, IPv6 too (Linux's
    /// `IP_PMTUDISC_PROBE` and `IPV6_PMTUDISC_PROBE`; the default).
    #[default]
    DontFragment,
    /// No Don't Fragment: an IPv4 datagram longer than a link's MTU is
    /// fragmented by the router before it (and, here, reassembled unseen),
    /// as traceroute's probes go without `-F`; an IPv6 datagram longer
    /// than the first link's MTU is fragmented by the local host, with a
    /// Fragment header (routers never fragment IPv6, RFC 8200 §4.5), as a
    /// Linux socket with `IPV6_PMTUDISC_WANT`, the default, does.
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
    /// The engine refused the topology.
    #[error(transparent)]
    Topology(#[from] TopologyError),
    /// The topology has no attachment of the name given.
    #[error("the topology has no attachment named {0:?}: name one of its attachments")]
    NoAttachment(String),
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
    options: Options,
}

/// How the local host's kernel sends and delivers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) errors: ErrorDelivery,
    pub(crate) fragmentation: Fragmentation,
    pub(crate) ping_socket: Option<u16>,
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
        self.options.errors = errors;
        self
    }

    /// Whether the local host's datagrams may be fragmented.
    #[must_use]
    pub fn fragmentation(mut self, fragmentation: Fragmentation) -> Self {
        self.options.fragmentation = fragmentation;
        self
    }

    /// Sends Echo Requests as a Linux ping socket (`SOCK_DGRAM`,
    /// `IPPROTO_ICMP`) bound to `ident` does: the identifier replaced by
    /// `ident` and the ICMPv4 checksum computed by the kernel. (Such a
    /// socket reads errors only from its queue: pair it with
    /// [`ErrorDelivery::Queued`].)
    #[must_use]
    pub fn ping_socket(mut self, ident: u16) -> Self {
        self.options.ping_socket = Some(ident);
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
        let locals: Vec<IpAddr> = self
            .local_v4
            .map(IpAddr::V4)
            .into_iter()
            .chain(self.local_v6.map(IpAddr::V6))
            .collect();
        if locals.is_empty() {
            return Err(BuildError::NoLocalAddress);
        }
        let Compiled {
            topology,
            local,
            reachable,
        } = compile::compile(&locals, &self.routers, &self.routes)?;
        let engine = icmpkit_netsim::Network::new(topology, self.seed)?;
        Ok(Network::new(engine, local, Some(reachable), self.options))
    }

    /// The network of `topology`, the local host plugged in at its
    /// attachment named `attachment` (whose addresses are the local
    /// host's), with this builder's seed and options (its local addresses,
    /// routers and routes are not used); its clock starts now.
    pub fn build_over(&self, topology: Topology, attachment: &str) -> Result<Network, BuildError> {
        let local = topology
            .attachments()
            .find(|&a| topology.get(a).name == attachment)
            .ok_or_else(|| BuildError::NoAttachment(attachment.to_owned()))?;
        let engine = icmpkit_netsim::Network::new(topology, self.seed)?;
        Ok(Network::new(engine, local, None, self.options))
    }
}

/// What arrived at the local host, waiting for the driver to receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arrival {
    pub(crate) at: Instant,
    pub(crate) packet: Vec<u8>,
}

/// A simulated network on a virtual clock; build it with a [`Builder`] (or
/// over any engine topology with [`Network::from_topology`]) and run a
/// machine over it with [`drive`](crate::drive) (it is a
/// [`Transport`](crate::Transport)).
#[derive(Debug)]
pub struct Network {
    pub(crate) start: Instant,
    pub(crate) now: Instant,
    pub(crate) local_v4: Option<Ipv4Addr>,
    pub(crate) local_v6: Option<Ipv6Addr>,
    pub(crate) engine: icmpkit_netsim::Network,
    pub(crate) attachment: NodeId,
    /// What the local host has routes to (`None`: what the engine's table
    /// of the attachment says).
    reachable: Option<Vec<Prefix>>,
    pub(crate) inbox: VecDeque<Arrival>,
    pub(crate) options: Options,
    ident: u16,
    pub(crate) counters: Counters,
}

impl Network {
    /// A builder.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The network of an engine topology, the local host plugged in at its
    /// attachment named `attachment` (its addresses are the local host's),
    /// its randomness from `seed` (a topology file's own seed, if any, is
    /// `topology.seed()` to pass); [`Builder::build_over`] takes the other
    /// options too.
    pub fn from_topology(
        topology: Topology,
        attachment: &str,
        seed: u64,
    ) -> Result<Self, BuildError> {
        Builder::new().seed(seed).build_over(topology, attachment)
    }

    fn new(
        engine: icmpkit_netsim::Network,
        attachment: NodeId,
        reachable: Option<Vec<Prefix>>,
        options: Options,
    ) -> Self {
        let node = engine.topology().get(attachment);
        let local_v4 = node.addresses.iter().find_map(|a| match a {
            IpAddr::V4(a) => Some(*a),
            IpAddr::V6(_) => None,
        });
        let local_v6 = node.addresses.iter().find_map(|a| match a {
            IpAddr::V6(a) => Some(*a),
            IpAddr::V4(_) => None,
        });
        let now = Instant::now();
        Self {
            start: now,
            now,
            local_v4,
            local_v6,
            engine,
            attachment,
            reachable,
            inbox: VecDeque::new(),
            options,
            ident: 0,
            counters: Counters::default(),
        }
    }

    /// What happened so far.
    pub fn counters(&self) -> Counters {
        let stats = self.engine.stats();
        Counters {
            lost: stats.lost,
            rate_limited: stats.rate_limited_total(),
            ..self.counters
        }
    }

    /// What the engine counted: forwarded, answered, dropped, refused, each
    /// with its reason.
    pub fn stats(&self) -> &icmpkit_netsim::Stats {
        self.engine.stats()
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

    /// The MTU of the local host's first link towards `dst` (`u16::MAX`
    /// for a route that rejects or drops); `None` without a route.
    pub(crate) fn route_to(&self, dst: IpAddr) -> Option<u16> {
        if let Some(known) = &self.reachable
            && !known.iter().any(|p| p.contains(dst))
        {
            return None;
        }
        let mtu = self.engine.first_hop(self.attachment, dst)?;
        Some(mtu.unwrap_or(u16::MAX))
    }

    /// Runs the engine up to `until`, what reaches the local host going to
    /// the inbox.
    pub(crate) fn advance(&mut self, until: Instant) {
        let me = self.attachment;
        let mut arrived = Vec::new();
        self.engine.advance(until, &mut |egress| {
            if egress.attachment == me {
                arrived.push(egress);
            }
        });
        for egress in arrived {
            if let Some(packet) = self.engine.reassemble(egress.at, me, egress.packet) {
                self.inbox.push_back(Arrival {
                    at: egress.at,
                    packet,
                });
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
