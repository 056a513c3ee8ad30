//! The network as described: nodes (routers, hosts, attachments), the
//! point-to-point links between them, and static routes. A topology file
//! ([`crate::config`]) or code builds one; [`crate::Network`] runs it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use icmpkit_wire::extension::MplsLabel;
use icmpkit_wire::{icmpv4, icmpv6};

use crate::extended_echo::{ExtendedEchoAnswers, Interface};
use crate::ratelimit::RateLimit;

/// A node of a [`Topology`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// Its index in the topology's node list.
    pub const fn index(self) -> usize {
        self.0
    }
}

/// A link of a [`Topology`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub(crate) usize);

impl LinkId {
    /// Its index in the topology's link list.
    pub const fn index(self) -> usize {
        self.0
    }
}

/// An address prefix (`203.0.113.0/24`, `2001:db8::/32`; a single address
/// is `/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// The prefix `addr/len`, its host bits cleared; `None` when `len` is
    /// longer than the family's address.
    pub fn new(addr: IpAddr, len: u8) -> Option<Self> {
        let max = Self::max_len_of(addr);
        if len > max {
            return None;
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & v4_mask(len)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & v6_mask(len)).into()),
        };
        Some(Self { addr, len })
    }

    /// The prefix holding `addr` alone.
    pub fn host(addr: IpAddr) -> Self {
        Self {
            addr,
            len: Self::max_len_of(addr),
        }
    }

    /// Its first address.
    pub const fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Its length in bits.
    pub const fn len(&self) -> u8 {
        self.len
    }

    /// Whether it is `/0`.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `addr` is inside.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(p), IpAddr::V4(a)) => u32::from(p) == u32::from(a) & v4_mask(self.len),
            (IpAddr::V6(p), IpAddr::V6(a)) => u128::from(p) == u128::from(a) & v6_mask(self.len),
            _ => false,
        }
    }

    const fn max_len_of(addr: IpAddr) -> u8 {
        match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }
}

fn v4_mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn v6_mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Why a prefix could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an address or prefix: write 203.0.113.0/24, 2001:db8::/32 or one address")]
pub struct BadPrefix(pub String);

impl FromStr for Prefix {
    type Err = BadPrefix;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadPrefix(s.to_owned());
        match s.split_once('/') {
            None => s.parse().map(Self::host).map_err(|_| bad()),
            Some((addr, len)) => {
                let addr: IpAddr = addr.parse().map_err(|_| bad())?;
                let len: u8 = len.parse().map_err(|_| bad())?;
                Self::new(addr, len).ok_or_else(bad)
            }
        }
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Forwarding {
    /// Forwards it (the TTL allowing).
    #[default]
    Forward,
    /// Rejects it with a Destination Unreachable of this code, as an
    /// `iptables -A FORWARD -j REJECT` rule does (a TTL that runs out here
    /// still gets a Time Exceeded: Linux checks the TTL, and the MTU,
    /// before the FORWARD chain; reject and blackhole *routes* come before
    /// the TTL).
    Reject(Unreachable),
    /// Drops it silently (a `DROP` rule, a black hole).
    Drop,
}

/// How a router with several equal next hops (ECMP) picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Balance {
    /// By a hash of the flow: source, destination, protocol and the UDP or
    /// TCP ports, or for ICMP the checksum and identifier (what Paris
    /// traceroute keeps constant); for IPv6 the flow label too.
    #[default]
    PerFlow,
    /// At random, per packet.
    PerPacket,
}

/// The RFC 4884 extension objects a router attaches to its Time Exceeded
/// and Destination Unreachable errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extensions {
    /// An RFC 4950 MPLS label stack, top first (on Time Exceeded only, as
    /// label switching routers send it).
    pub mpls: Vec<MplsLabel>,
    /// RFC 5837 interface information about the incoming interface: its
    /// ifIndex, the router's address, the interface name and MTU.
    pub interface_info: bool,
}

/// A router that rewrites the source port of UDP and TCP datagrams (and
/// the identifier of ICMP echo requests) it forwards towards `outside`, as
/// a port-translating NAT does, and translates the answers and the ICMP
/// errors quoting them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nat {
    /// The neighbour on the outside.
    pub outside: NodeId,
    /// The first port (or identifier) handed out; the next one follows.
    pub first_port: u16,
}

/// How a node answers datagrams addressed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// Whether it answers Echo Requests (and extended echo, when enabled).
    pub echo: bool,
    /// How it answers UDP.
    pub udp: UdpAnswer,
    /// How it answers a TCP SYN.
    pub tcp: TcpAnswer,
    /// The TTL its packets start with (64 for Linux, 128 for Windows, 255
    /// for many routers).
    pub initial_ttl: u8,
    /// How it answers RFC 8335 extended echo requests.
    pub extended_echo: ExtendedEchoAnswers,
    /// Its interface table for extended echo; `None` derives one from its
    /// links (`lo` and one `ethN` per link, its addresses on each).
    pub interfaces: Option<Vec<Interface>>,
}

impl Default for Answers {
    fn default() -> Self {
        Self::linux()
    }
}

impl Answers {
    /// A Linux host: answers echo, Port Unreachable for UDP, RST for TCP,
    /// initial TTL 64, extended echo off.
    pub const fn linux() -> Self {
        Self {
            echo: true,
            udp: UdpAnswer::PortUnreachable,
            tcp: TcpAnswer::Rst,
            initial_ttl: 64,
            extended_echo: ExtendedEchoAnswers::Off,
            interfaces: None,
        }
    }

    /// A node that answers nothing (a firewall dropping everything).
    pub const fn silent() -> Self {
        Self {
            echo: false,
            udp: UdpAnswer::Silent,
            tcp: TcpAnswer::Silent,
            initial_ttl: 64,
            extended_echo: ExtendedEchoAnswers::Off,
            interfaces: None,
        }
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

/// A router: forwards datagrams, sends ICMP errors, answers for its own
/// addresses as a host.
#[derive(Debug, Clone, PartialEq)]
pub struct Router {
    /// Whether it sends ICMP errors at all (`false`: a `* * *` hop that
    /// still forwards).
    pub errors: bool,
    /// What it does with datagrams it would forward.
    pub forwarding: Forwarding,
    /// How it limits the errors it sends.
    pub rate_limit: RateLimit,
    /// The extension objects on its errors.
    pub extensions: Extensions,
    /// How it picks among equal next hops.
    pub balance: Balance,
    /// A port-translating NAT towards one neighbour.
    pub nat: Option<Nat>,
    /// How it answers datagrams to its own addresses (255 initial TTL is
    /// common for routers; Linux uses 64).
    pub answers: Answers,
}

impl Default for Router {
    fn default() -> Self {
        Self {
            errors: true,
            forwarding: Forwarding::Forward,
            rate_limit: RateLimit::None,
            extensions: Extensions::default(),
            balance: Balance::PerFlow,
            nat: None,
            answers: Answers::linux(),
        }
    }
}

/// A host: answers datagrams to its addresses, forwards nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// How it answers.
    pub answers: Answers,
    /// How it limits its errors (Port Unreachable).
    pub rate_limit: RateLimit,
    /// Every address of these prefixes is its own too (Linux's `AnyIP`, `ip
    /// route add local PREFIX dev lo`: a whole range answering, for
    /// sweeps).
    pub any_ip: Vec<Prefix>,
}

impl Default for Host {
    fn default() -> Self {
        Self {
            answers: Answers::linux(),
            rate_limit: RateLimit::None,
            any_ip: Vec::new(),
        }
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A router.
    Router(Router),
    /// A host.
    Host(Host),
    /// Where the world outside plugs in: a TUN device or the in-process
    /// local host. Datagrams it injects enter the network over its links;
    /// datagrams reaching it leave the network to it.
    Attachment,
}

/// A node: a name, its addresses (the first of each family is the source
/// of what it sends), what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its name, unique in the topology.
    pub name: String,
    /// Its addresses.
    pub addresses: Vec<IpAddr>,
    /// What it is.
    pub kind: NodeKind,
}

impl Node {
    /// Its address of `like`'s family, the source of what it sends there.
    pub fn addr_like(&self, like: IpAddr) -> Option<IpAddr> {
        self.addresses
            .iter()
            .copied()
            .find(|a| a.is_ipv4() == like.is_ipv4())
    }

    /// Whether `addr` is its own (an `AnyIP` prefix included).
    pub fn owns(&self, addr: IpAddr) -> bool {
        self.addresses.contains(&addr)
            || matches!(&self.kind, NodeKind::Host(h) if h.any_ip.iter().any(|p| p.contains(addr)))
    }
}

/// A point-to-point link: one-way delay, jitter, loss and MTU, the same in
/// both directions (drawn independently per packet).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The one-way delay every packet has.
    pub delay: Duration,
    /// At most this much is added to the delay, uniformly drawn per packet
    /// (in whole nanoseconds).
    pub jitter: Duration,
    /// The probability (0 to 1) that a packet is lost, per crossing.
    pub loss: f64,
    /// The largest IP packet the link carries, header included.
    pub mtu: u16,
}

/// The MTU of an Ethernet link, the default.
pub const ETHERNET_MTU: u16 = 1500;

impl Default for Link {
    fn default() -> Self {
        Self::new(Duration::ZERO)
    }
}

impl Link {
    /// A link with this one-way delay, no jitter, no loss and an Ethernet
    /// MTU.
    pub const fn new(delay: Duration) -> Self {
        Self {
            delay,
            jitter: Duration::ZERO,
            loss: 0.0,
            mtu: ETHERNET_MTU,
        }
    }

    /// A link with a one-way delay of `ms` milliseconds.
    pub const fn ms(ms: u64) -> Self {
        Self::new(Duration::from_millis(ms))
    }

    /// Adds up to `jitter` to each crossing's delay.
    #[must_use]
    pub const fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Loses each crossing with probability `loss` (0 to 1).
    #[must_use]
    pub const fn loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Sets the MTU.
    #[must_use]
    pub const fn mtu(mut self, mtu: u16) -> Self {
        self.mtu = mtu;
        self
    }
}

/// A link between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Its two ends.
    pub ends: [NodeId; 2],
    /// Its properties.
    pub link: Link,
}

impl Edge {
    /// The end that is not `node` (`node` itself for a loop).
    pub fn other(&self, node: NodeId) -> NodeId {
        if self.ends[0] == node {
            self.ends[1]
        } else {
            self.ends[0]
        }
    }
}

/// What a static route does with the datagrams it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAction {
    /// Sends them to one of these neighbours (several: ECMP by the
    /// router's [`Balance`]).
    Via(Vec<NodeId>),
    /// Rejects them with a Destination Unreachable (`ip route add
    /// unreachable` / `prohibit`).
    Reject(Unreachable),
    /// Drops them silently (`ip route add blackhole`).
    Blackhole,
}

/// A static route of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticRoute {
    /// The node whose table holds it.
    pub at: NodeId,
    /// The destinations it matches.
    pub to: Prefix,
    /// What it does.
    pub action: RouteAction,
}

/// How the routing tables are filled besides the static routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Routing {
    /// Every node reaches every other node's addresses and `AnyIP` prefixes
    /// by the paths of fewest hops (all of them: equal paths are ECMP);
    /// static routes are added, the longest prefix winning.
    #[default]
    ShortestPath,
    /// Only the static routes (and each node's own addresses).
    Static,
}

/// Why a topology is not a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// Two nodes share a name.
    #[error("two nodes are named {0:?}: give each node its own name")]
    DuplicateName(String),
    /// Two nodes share an address.
    #[error(
        "nodes {first:?} and {second:?} both have address {addr}: an address belongs to one node"
    )]
    DuplicateAddress {
        /// The address.
        addr: IpAddr,
        /// One node.
        first: String,
        /// The other.
        second: String,
    },
    /// A link joins a node to itself.
    #[error("a link joins {0:?} to itself: a link has two different ends")]
    SelfLink(String),
    /// A link's MTU is below the minimum of IPv4 (68).
    #[error("the link between {a:?} and {b:?} has MTU {mtu}: IPv4 needs at least 68 (IPv6 1280)")]
    MtuTooSmall {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// The MTU.
        mtu: u16,
    },
    /// A link's loss is not a probability.
    #[error("the link between {a:?} and {b:?} has loss {loss}: give a probability from 0 to 1")]
    BadLoss {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// The loss.
        loss: String,
    },
    /// A route goes via a node that is not a neighbour.
    #[error(
        "node {at:?} routes {to} via {via:?}, which no link joins to it: link them or route via a neighbour"
    )]
    NotANeighbour {
        /// The node with the route.
        at: String,
        /// The route's prefix.
        to: Prefix,
        /// The named next hop.
        via: String,
    },
    /// A route has no next hop.
    #[error("node {at:?} routes {to} via no neighbour: name at least one")]
    EmptyVia {
        /// The node with the route.
        at: String,
        /// The route's prefix.
        to: Prefix,
    },
    /// A NAT's outside is not a neighbour.
    #[error("router {router:?} translates towards {outside:?}, which no link joins to it")]
    NatNotANeighbour {
        /// The router.
        router: String,
        /// The named outside.
        outside: String,
    },
    /// A node has no address at all.
    #[error("node {0:?} has no address: give it an IPv4 or IPv6 address (or both)")]
    NoAddress(String),
}

/// A network description: nodes, links, static routes and the routing
/// mode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Topology {
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<Edge>,
    pub(crate) routes: Vec<StaticRoute>,
    pub(crate) routing: Routing,
    pub(crate) seed: Option<u64>,
}

impl Topology {
    /// An empty topology with shortest-path routing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how the routing tables are filled.
    pub fn set_routing(&mut self, routing: Routing) -> &mut Self {
        self.routing = routing;
        self
    }

    /// Sets the seed a topology file asks for (`None`: the caller picks).
    pub fn set_seed(&mut self, seed: Option<u64>) -> &mut Self {
        self.seed = seed;
        self
    }

    /// The seed a topology file asks for, to give [`crate::Network::new`].
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Adds a node.
    pub fn node(
        &mut self,
        name: impl Into<String>,
        addresses: &[IpAddr],
        kind: NodeKind,
    ) -> NodeId {
        self.nodes.push(Node {
            name: name.into(),
            addresses: addresses.to_vec(),
            kind,
        });
        NodeId(self.nodes.len() - 1)
    }

    /// Adds a router.
    pub fn router(
        &mut self,
        name: impl Into<String>,
        addresses: &[IpAddr],
        router: Router,
    ) -> NodeId {
        self.node(name, addresses, NodeKind::Router(router))
    }

    /// Adds a host.
    pub fn host(&mut self, name: impl Into<String>, addresses: &[IpAddr], host: Host) -> NodeId {
        self.node(name, addresses, NodeKind::Host(host))
    }

    /// Adds an attachment (a TUN device, the in-process local host) with
    /// the addresses the outside world sends from.
    pub fn attachment(&mut self, name: impl Into<String>, addresses: &[IpAddr]) -> NodeId {
        self.node(name, addresses, NodeKind::Attachment)
    }

    /// Joins `a` and `b` with a link.
    pub fn link(&mut self, a: NodeId, b: NodeId, link: Link) -> LinkId {
        self.edges.push(Edge { ends: [a, b], link });
        LinkId(self.edges.len() - 1)
    }

    /// Adds a static route to `at`'s table.
    pub fn route(&mut self, at: NodeId, to: Prefix, action: RouteAction) -> &mut Self {
        self.routes.push(StaticRoute { at, to, action });
        self
    }

    /// The nodes, by [`NodeId`] index.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The links, by [`LinkId`] index.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The static routes.
    pub fn routes(&self) -> &[StaticRoute] {
        &self.routes
    }

    /// How the routing tables are filled.
    pub fn routing(&self) -> Routing {
        self.routing
    }

    /// The node of a name.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.name == name).map(NodeId)
    }

    /// A node.
    pub fn get(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    /// A node, to change.
    pub fn get_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.0]
    }

    /// The attachments, in the order they were added.
    pub fn attachments(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Attachment)
            .map(|(i, _)| NodeId(i))
    }

    /// The links of `node`, in the order they were added.
    pub fn links_of(&self, node: NodeId) -> impl Iterator<Item = LinkId> + '_ {
        self.edges
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.ends.contains(&node))
            .map(|(i, _)| LinkId(i))
    }

    /// Checks what the network needs to run.
    pub fn validate(&self) -> Result<(), TopologyError> {
        let mut names = HashSet::new();
        let mut owners: HashMap<IpAddr, &str> = HashMap::new();
        for node in &self.nodes {
            if !names.insert(node.name.as_str()) {
                return Err(TopologyError::DuplicateName(node.name.clone()));
            }
            if node.addresses.is_empty() {
                return Err(TopologyError::NoAddress(node.name.clone()));
            }
            for &addr in &node.addresses {
                if let Some(first) = owners.insert(addr, &node.name) {
                    return Err(TopologyError::DuplicateAddress {
                        addr,
                        first: first.to_owned(),
                        second: node.name.clone(),
                    });
                }
            }
        }
        let name = |id: NodeId| self.nodes[id.0].name.clone();
        for edge in &self.edges {
            let [a, b] = edge.ends;
            if a == b {
                return Err(TopologyError::SelfLink(name(a)));
            }
            let carries_v6 = [a, b]
                .iter()
                .all(|n| self.nodes[n.0].addresses.iter().any(IpAddr::is_ipv6));
            if edge.link.mtu < 68 || (carries_v6 && edge.link.mtu < 1280) {
                return Err(TopologyError::MtuTooSmall {
                    a: name(a),
                    b: name(b),
                    mtu: edge.link.mtu,
                });
            }
            if !(0.0..=1.0).contains(&edge.link.loss) {
                return Err(TopologyError::BadLoss {
                    a: name(a),
                    b: name(b),
                    loss: edge.link.loss.to_string(),
                });
            }
        }
        let neighbours = |a: NodeId, b: NodeId| {
            self.edges
                .iter()
                .any(|e| e.ends == [a, b] || e.ends == [b, a])
        };
        for route in &self.routes {
            if let RouteAction::Via(via) = &route.action {
                if via.is_empty() {
                    return Err(TopologyError::EmptyVia {
                        at: name(route.at),
                        to: route.to,
                    });
                }
                if let Some(&v) = via.iter().find(|&&v| !neighbours(route.at, v)) {
                    return Err(TopologyError::NotANeighbour {
                        at: name(route.at),
                        to: route.to,
                        via: name(v),
                    });
                }
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if let NodeKind::Router(Router { nat: Some(nat), .. }) = &node.kind
                && !neighbours(NodeId(i), nat.outside)
            {
                return Err(TopologyError::NatNotANeighbour {
                    router: node.name.clone(),
                    outside: name(nat.outside),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_and_contain() {
        let p: Prefix = "203.0.113.77/24".parse().unwrap();
        assert_eq!(p.to_string(), "203.0.113.0/24");
        assert!(p.contains("203.0.113.9".parse().unwrap()));
        assert!(!p.contains("203.0.114.9".parse().unwrap()));
        assert!(!p.contains("2001:db8::1".parse().unwrap()));
        let one: Prefix = "2001:db8::1".parse().unwrap();
        assert_eq!(one.len(), 128);
        assert!("10.0.0.0/33".parse::<Prefix>().is_err());
        assert!("any".parse::<Prefix>().is_err());
        let all: Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("198.51.100.1".parse().unwrap()));
    }

    #[test]
    fn a_link_between_ipv6_nodes_carries_1280_bytes_at_least() {
        let mut t = Topology::new();
        let a = t.attachment("tun", &["2001:db8::1".parse().unwrap()]);
        let r = t.router("r1", &["2001:db8::2".parse().unwrap()], Router::default());
        t.link(a, r, Link::ms(1).mtu(1000));
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "the link between \"tun\" and \"r1\" has MTU 1000: IPv4 needs at least 68 (IPv6 1280)"
        );
        let mut t = Topology::new();
        let a = t.attachment("tun", &["198.51.100.1".parse().unwrap()]);
        let r = t.router("r1", &["198.51.100.2".parse().unwrap()], Router::default());
        t.link(a, r, Link::ms(1).mtu(1000));
        assert!(t.validate().is_ok());
    }
}
