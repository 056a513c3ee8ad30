//! The simulated network, as a test describes it: the local host, routers,
//! and routes (a prefix reached over a chain of hops, some of them ECMP
//! groups) ending at hosts that answer as a Linux host does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_wire::extension::MplsLabel;
use icmpkit_wire::{icmpv4, icmpv6};

use super::extended_echo::{ExtendedEchoAnswers, Interface, LOOPBACK_ONLY};
use super::link::Link;

/// A router of a [`Builder`](super::Builder), named in routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouterId(pub(crate) usize);

/// A Destination Unreachable code, one per family (a `REJECT` rule or a
/// route names the reason; each family has its own number for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Unreachable {
    /// The ICMPv4 code.
    pub v4: icmpv4::DestinationUnreachable,
    /// The ICMPv6 code.
    pub v6: icmpv6::DestinationUnreachable,
}

impl Unreachable {
    /// No route to the network: ICMPv4 code 0, ICMPv6 code 0 (`!N`).
    pub const NET: Self = Self {
        v4: icmpv4::DestinationUnreachable::NetUnreachable,
        v6: icmpv6::DestinationUnreachable::NoRoute,
    };
    /// The host does not answer: ICMPv4 code 1, ICMPv6 code 3 (`!H`).
    pub const HOST: Self = Self {
        v4: icmpv4::DestinationUnreachable::HostUnreachable,
        v6: icmpv6::DestinationUnreachable::AddressUnreachable,
    };
    /// Protocol unreachable: ICMPv4 code 2 (IPv6 has none: a Parameter
    /// Problem is sent instead; code 4, port unreachable, stands in).
    pub const PROTOCOL: Self = Self {
        v4: icmpv4::DestinationUnreachable::ProtocolUnreachable,
        v6: icmpv6::DestinationUnreachable::PortUnreachable,
    };
    /// Port unreachable: ICMPv4 code 3, ICMPv6 code 4.
    pub const PORT: Self = Self {
        v4: icmpv4::DestinationUnreachable::PortUnreachable,
        v6: icmpv6::DestinationUnreachable::PortUnreachable,
    };
    /// Administratively prohibited (`iptables -j REJECT --reject-with
    /// icmp-admin-prohibited`): ICMPv4 code 13, ICMPv6 code 1 (`!X`).
    pub const PROHIBITED: Self = Self {
        v4: icmpv4::DestinationUnreachable::CommunicationAdministrativelyProhibited,
        v6: icmpv6::DestinationUnreachable::AdministrativelyProhibited,
    };
}

/// What a router does with a datagram it would forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forwarding {
    /// Forwards it (the TTL allowing).
    Forward,
    /// Rejects it with a Destination Unreachable of this code, as an
    /// `iptables -A FORWARD -j REJECT` rule does (a TTL that runs out here
    /// still gets a Time Exceeded: Linux checks the TTL first).
    Reject(Unreachable),
    /// Drops it silently (a `DROP` rule, a black hole).
    Drop,
}

/// A router: its addresses and how it behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Router {
    pub(crate) v4: Option<Ipv4Addr>,
    pub(crate) v6: Option<Ipv6Addr>,
    pub(crate) time_exceeded: bool,
    pub(crate) forwarding: Forwarding,
    pub(crate) rate_limited: bool,
    pub(crate) mpls: Vec<MplsLabel>,
    pub(crate) extended_echo: ExtendedEchoAnswers,
    pub(crate) interfaces: &'static [Interface],
}

impl Router {
    /// A router with one address (add the other family's with
    /// [`Router::addr`]) that forwards, sends Time Exceeded, and is not
    /// rate limited.
    pub fn new(addr: impl Into<IpAddr>) -> Self {
        Self {
            v4: None,
            v6: None,
            time_exceeded: true,
            forwarding: Forwarding::Forward,
            rate_limited: false,
            mpls: Vec::new(),
            extended_echo: ExtendedEchoAnswers::Off,
            interfaces: LOOPBACK_ONLY,
        }
        .addr(addr)
    }

    /// Gives the router an address (its only one of that family: errors
    /// come from it).
    #[must_use]
    pub fn addr(mut self, addr: impl Into<IpAddr>) -> Self {
        match addr.into() {
            IpAddr::V4(a) => self.v4 = Some(a),
            IpAddr::V6(a) => self.v6 = Some(a),
        }
        self
    }

    /// Sends no Time Exceeded (a `* * *` hop).
    #[must_use]
    pub fn silent(mut self) -> Self {
        self.time_exceeded = false;
        self
    }

    /// What it does with datagrams it would forward.
    #[must_use]
    pub fn forwarding(mut self, forwarding: Forwarding) -> Self {
        self.forwarding = forwarding;
        self
    }

    /// Rejects every datagram it would forward with this code.
    #[must_use]
    pub fn rejecting(self, code: Unreachable) -> Self {
        self.forwarding(Forwarding::Reject(code))
    }

    /// Limits the ICMP errors it sends as Linux's `icmp_ratelimit` does: a
    /// token bucket of 6 errors refilled by one a second (Fragmentation
    /// Needed and Packet Too Big are exempt).
    #[must_use]
    pub fn rate_limited(mut self) -> Self {
        self.rate_limited = true;
        self
    }

    /// Attaches an RFC 4950 MPLS label stack (RFC 4884 extension) to the
    /// Time Exceeded it sends, top first.
    #[must_use]
    pub fn mpls(mut self, labels: &[MplsLabel]) -> Self {
        self.mpls = labels.to_vec();
        self
    }

    /// How it answers Extended Echo Requests to its own addresses (off by
    /// default, as Linux's `icmp_echo_enable_probe`).
    #[must_use]
    pub fn extended_echo(mut self, answers: ExtendedEchoAnswers) -> Self {
        self.extended_echo = answers;
        self
    }

    /// Its interface table, for extended echo to ask about (the loopback
    /// alone by default).
    #[must_use]
    pub fn interfaces(mut self, table: &'static [Interface]) -> Self {
        self.interfaces = table;
        self
    }

    /// How it answers as a host, for datagrams to its own address.
    pub(crate) fn as_host(&self) -> Host {
        let host = Host::answering()
            .extended_echo(self.extended_echo)
            .interfaces(self.interfaces);
        if self.rate_limited {
            host.rate_limited()
        } else {
            host
        }
    }

    /// Its address of `v`'s family.
    pub(crate) fn addr_like(&self, v: IpAddr) -> Option<IpAddr> {
        match v {
            IpAddr::V4(_) => self.v4.map(IpAddr::V4),
            IpAddr::V6(_) => self.v6.map(IpAddr::V6),
        }
    }

    /// Whether `addr` is one of its addresses.
    pub(crate) fn has(&self, addr: IpAddr) -> bool {
        self.addr_like(addr) == Some(addr)
    }
}

/// How a host answers a UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UdpAnswer {
    /// Port Unreachable (the port is closed).
    PortUnreachable,
    /// Nothing (the port is open, or a firewall drops it).
    Silent,
}

/// How a host answers a TCP SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpAnswer {
    /// SYN-ACK (the port is open).
    SynAck,
    /// RST-ACK (the port is closed).
    Rst,
    /// Nothing (a firewall drops it).
    Silent,
}

/// How a host (or a router, for datagrams to its own address) answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Host {
    pub(crate) echo: bool,
    pub(crate) udp: UdpAnswer,
    pub(crate) tcp: TcpAnswer,
    pub(crate) initial_ttl: u8,
    pub(crate) rate_limited: bool,
    pub(crate) extended_echo: ExtendedEchoAnswers,
    pub(crate) interfaces: &'static [Interface],
}

impl Default for Host {
    fn default() -> Self {
        Self::answering()
    }
}

impl Host {
    /// A Linux host: answers echo, Port Unreachable for UDP, RST for TCP,
    /// initial TTL 64, errors not rate limited, Extended Echo Requests
    /// dropped (Linux's default), the loopback its only interface.
    pub const fn answering() -> Self {
        Self {
            echo: true,
            udp: UdpAnswer::PortUnreachable,
            tcp: TcpAnswer::Rst,
            initial_ttl: 64,
            rate_limited: false,
            extended_echo: ExtendedEchoAnswers::Off,
            interfaces: LOOPBACK_ONLY,
        }
    }

    /// A host that answers nothing (a firewall dropping everything).
    pub const fn silent() -> Self {
        Self {
            echo: false,
            udp: UdpAnswer::Silent,
            tcp: TcpAnswer::Silent,
            initial_ttl: 64,
            rate_limited: false,
            extended_echo: ExtendedEchoAnswers::Off,
            interfaces: LOOPBACK_ONLY,
        }
    }

    /// Whether it answers Echo Requests.
    #[must_use]
    pub const fn echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    /// How it answers UDP.
    #[must_use]
    pub const fn udp(mut self, udp: UdpAnswer) -> Self {
        self.udp = udp;
        self
    }

    /// How it answers a TCP SYN.
    #[must_use]
    pub const fn tcp(mut self, tcp: TcpAnswer) -> Self {
        self.tcp = tcp;
        self
    }

    /// The TTL its packets start with (64 for Linux, 128 for Windows, 255
    /// for many routers).
    #[must_use]
    pub const fn initial_ttl(mut self, ttl: u8) -> Self {
        self.initial_ttl = ttl;
        self
    }

    /// Rate-limits its errors (Port Unreachable) like Linux's
    /// `icmp_ratelimit`.
    #[must_use]
    pub const fn rate_limited(mut self) -> Self {
        self.rate_limited = true;
        self
    }

    /// How it answers RFC 8335 Extended Echo Requests (only while it
    /// answers Echo too, as Linux's `icmp_echo_ignore_all` drops both).
    #[must_use]
    pub const fn extended_echo(mut self, answers: ExtendedEchoAnswers) -> Self {
        self.extended_echo = answers;
        self
    }

    /// Its interface table, for extended echo to ask about (the loopback
    /// alone by default).
    #[must_use]
    pub const fn interfaces(mut self, table: &'static [Interface]) -> Self {
        self.interfaces = table;
        self
    }
}

/// How a hop with several routers (ECMP) picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Balance {
    /// By a hash of the flow: source, destination, protocol and the UDP or
    /// TCP ports, or for ICMP the checksum and identifier (what Paris
    /// traceroute keeps constant); for IPv6 the flow label too.
    PerFlow,
    /// At random, per packet.
    PerPacket,
}

/// What happens to a datagram for an address of a route's prefix that no
/// host has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Absent {
    /// Nothing comes back.
    Silent,
    /// The last router answers Destination Unreachable with this code
    /// (nothing when the route has no router).
    Unreachable(Unreachable),
}

/// One hop of a route: a router, or several (an ECMP group), reached over
/// a link from the hop before.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hop {
    pub(crate) routers: Vec<RouterId>,
    pub(crate) balance: Balance,
    pub(crate) link: Link,
}

/// An address prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Prefix {
    pub(crate) addr: IpAddr,
    pub(crate) len: u8,
}

impl Prefix {
    /// Whether `addr` is inside.
    pub(crate) fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(p), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(p) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(p), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(p) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// The longest valid length for the family.
    pub(crate) fn max_len(&self) -> u8 {
        match self.addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }
}

/// A route: the datagrams to a prefix go over these hops, in order, then
/// over the last link to the hosts of the prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub(crate) prefix: Prefix,
    pub(crate) hops: Vec<Hop>,
    pub(crate) last_link: Link,
    pub(crate) hosts: Vec<(IpAddr, Host)>,
    pub(crate) every_host: Option<Host>,
    pub(crate) absent: Absent,
}

impl Route {
    /// A route to `addr/len` (a single host is `/32` or `/128`), with no
    /// hop yet, a zero-delay last link, no hosts, and silence for absent
    /// addresses.
    pub fn to(addr: impl Into<IpAddr>, len: u8) -> Self {
        Self {
            prefix: Prefix {
                addr: addr.into(),
                len,
            },
            hops: Vec::new(),
            last_link: Link::default(),
            hosts: Vec::new(),
            every_host: None,
            absent: Absent::Silent,
        }
    }

    /// Appends a hop of one router, reached over `link`.
    #[must_use]
    pub fn hop(self, router: RouterId, link: Link) -> Self {
        self.ecmp(&[router], Balance::PerFlow, link)
    }

    /// Appends an ECMP hop: the previous hop picks one of `routers` by
    /// `balance`; each is reached over a link like `link`.
    #[must_use]
    pub fn ecmp(mut self, routers: &[RouterId], balance: Balance, link: Link) -> Self {
        self.hops.push(Hop {
            routers: routers.to_vec(),
            balance,
            link,
        });
        self
    }

    /// The link from the last hop (or the sender, without hops) to the
    /// hosts.
    #[must_use]
    pub fn last_link(mut self, link: Link) -> Self {
        self.last_link = link;
        self
    }

    /// A host of the prefix at `addr`.
    #[must_use]
    pub fn host(mut self, addr: impl Into<IpAddr>, host: Host) -> Self {
        self.hosts.push((addr.into(), host));
        self
    }

    /// Every address of the prefix not named by [`Route::host`] is a host
    /// answering like `host` (a whole range answering, for sweeps).
    #[must_use]
    pub fn every_host(mut self, host: Host) -> Self {
        self.every_host = Some(host);
        self
    }

    /// What happens to datagrams for addresses of the prefix no host has.
    #[must_use]
    pub fn absent(mut self, absent: Absent) -> Self {
        self.absent = absent;
        self
    }

    /// The host at `addr`, if any.
    pub(crate) fn host_at(&self, addr: IpAddr) -> Option<Host> {
        self.hosts
            .iter()
            .find(|(a, _)| *a == addr)
            .map(|(_, h)| *h)
            .or(self.every_host)
    }

    /// The link into position `position` (1 is the first hop; one past the
    /// hops is the hosts).
    pub(crate) fn link_into(&self, position: usize) -> Link {
        position
            .checked_sub(1)
            .and_then(|i| self.hops.get(i))
            .map_or(self.last_link, |h| h.link)
    }
}
