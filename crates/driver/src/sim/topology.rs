//! The simulated network, as a test describes it: the local host, routers,
//! and routes (a prefix reached over a chain of hops, some of them ECMP
//! groups) ending at hosts that answer as a Linux host does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_netsim::ratelimit::{LinuxLimits, RateLimit};
use icmpkit_netsim::{
    Answers, Balance, ExtendedEchoAnswers, Extensions, Forwarding, Interface, Link, TcpAnswer,
    UdpAnswer, Unreachable,
};
use icmpkit_wire::extension::MplsLabel;

/// The table of a node that names none: the loopback alone.
const LOOPBACK_ONLY: &[Interface] = &[Interface::LOOPBACK];

/// Linux's per-destination ICMP error limit (`icmp_ratelimit`: six at
/// once, then one a second), with a global bucket too large to matter: a
/// simulated router's limit is its per-destination one.
fn linux_per_destination() -> RateLimit {
    RateLimit::Linux(LinuxLimits {
        msgs_per_sec: u32::MAX,
        msgs_burst: u32::MAX,
        ..LinuxLimits::default()
    })
}

/// A router of a [`Builder`](super::Builder), named in routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouterId(pub(crate) usize);

/// A router: its addresses and how it behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Router {
    pub(crate) v4: Option<Ipv4Addr>,
    pub(crate) v6: Option<Ipv6Addr>,
    pub(crate) errors: bool,
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
            errors: true,
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

    /// Sends no ICMP errors (a `* * *` hop; nor Destination Unreachable or
    /// Fragmentation Needed, as the engine's silent router).
    #[must_use]
    pub fn silent(mut self) -> Self {
        self.errors = false;
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

    /// Limits the ICMP errors it sends as Linux's `icmp_ratelimit` does:
    /// per destination, a token bucket of 6 errors refilled by one a
    /// second (Fragmentation Needed and Packet Too Big are exempt).
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

    /// Its addresses.
    pub(crate) fn addresses(&self) -> Vec<IpAddr> {
        let v4 = self.v4.map(IpAddr::V4);
        v4.into_iter().chain(self.v6.map(IpAddr::V6)).collect()
    }

    /// The engine's router.
    pub(crate) fn to_netsim(&self, balance: Balance) -> icmpkit_netsim::Router {
        icmpkit_netsim::Router {
            errors: self.errors,
            forwarding: self.forwarding,
            rate_limit: if self.rate_limited {
                linux_per_destination()
            } else {
                RateLimit::None
            },
            extensions: Extensions {
                mpls: self.mpls.clone(),
                interface_info: false,
            },
            balance,
            nat: None,
            answers: Host::answering()
                .extended_echo(self.extended_echo)
                .interfaces(self.interfaces)
                .answers(),
        }
    }
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

    /// How the engine's node answers.
    pub(crate) fn answers(&self) -> Answers {
        Answers {
            echo: self.echo,
            udp: self.udp,
            tcp: self.tcp,
            initial_ttl: self.initial_ttl,
            extended_echo: self.extended_echo,
            interfaces: Some(self.interfaces.to_vec()),
        }
    }

    /// The engine's host, owning every address of `any_ip` too.
    pub(crate) fn to_netsim(self, any_ip: Vec<icmpkit_netsim::Prefix>) -> icmpkit_netsim::Host {
        icmpkit_netsim::Host {
            answers: self.answers(),
            rate_limit: if self.rate_limited {
                linux_per_destination()
            } else {
                RateLimit::None
            },
            any_ip,
        }
    }
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

/// A route: the datagrams to a prefix go over these hops, in order, then
/// over the last link to the hosts of the prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub(crate) prefix: (IpAddr, u8),
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
            prefix: (addr.into(), len),
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
}
