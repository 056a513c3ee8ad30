//! The router's side of ICMP: a network of routers, hosts and links that
//! forwards datagrams and generates ICMP errors as the RFCs require, sans
//! I/O.
//!
//! - [`Topology`] describes the network: [`Node`]s (routers, hosts, and
//!   attachments where the outside world plugs in), point-to-point links
//!   with delay, jitter, loss and MTU, static routes; [`config::load`]
//!   reads one from a TOML file (examples in `examples/netsim/`).
//! - [`Network`] runs it on the caller's clock: [`Network::inject`] takes
//!   a packet from an attachment, [`Network::advance`] runs what is due and
//!   hands over the packets leaving to attachments. Routers lower the TTL
//!   (and refill the IPv4 header checksum), check the MTU (Fragmentation
//!   Needed / Packet Too Big, or fragments when Don't Fragment is clear),
//!   balance over equal next hops per flow or per packet, translate ports
//!   (a NAT), and send errors built by `icmpkit_wire::generate`, which
//!   refuses what RFC 1122, RFC 1812 and RFC 4443 forbid; a rate limit
//!   ([`ratelimit`]) may hold them back. Hosts answer echo, extended echo
//!   (RFC 8335), UDP and TCP as Linux does.
//! - [`Stats`] counts what was forwarded, answered, lost, dropped, rate
//!   limited and refused, each with its reason.
//!
//! Two attachments use it: `icmpkit netsim up` (a TUN device) and the
//! driver's simulated transport (`icmpkit_driver::sim`, in-process).

mod answer;
pub mod config;
mod errors;
mod extended_echo;
mod flow;
mod fragment;
mod nat;
mod network;
pub mod packet;
mod queue;
pub mod ratelimit;
mod rng;
mod stats;
pub mod topology;

pub use errors::refusal_rule;
pub use extended_echo::{ExtendedEchoAnswers, Interface};
pub use fragment::fragment_v6;
pub use network::{Egress, LINK_QUEUE_LIMIT, Network, Path, PathEnd};
pub use stats::Stats;
pub use topology::{
    Answers, Balance, Edge, Extensions, Forwarding, Host, Link, LinkId, Nat, Node, NodeId,
    NodeKind, Prefix, RouteAction, Router, Routing, StaticRoute, TcpAnswer, Topology,
    TopologyError, UdpAnswer, Unreachable,
};
