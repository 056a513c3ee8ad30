//! A simulated in-process network implementing [`Transport`](crate::Transport),
//! so a whole tool runs in a test without root, deterministically, on a
//! virtual clock.
//!
//! - [`Builder`] describes the network: the local host's addresses,
//!   [`Router`]s, and [`Route`]s (a prefix reached over a chain of hops,
//!   some of them ECMP groups, each over a [`Link`] with delay, jitter,
//!   loss and MTU) ending at [`Host`]s that answer as Linux does.
//! - [`Network`] is the running network and the transport. Its clock
//!   starts at an `Instant` taken when it is built and moves only when the
//!   driver waits: to the next arrival at the local host or the deadline,
//!   whichever is earlier. Nothing sleeps. Loss, jitter and per-packet
//!   balancing come from a generator seeded by [`Builder::seed`].
//! - What the local host sends gets an IP header as its kernel would write
//!   it (its address of the family, the transmit's TTL or 64, Don't
//!   Fragment per [`Fragmentation`], the ICMPv6 checksum). Routers forward
//!   it hop by hop, lowering the TTL, and send errors built by
//!   `icmpkit_wire::generate` (Time Exceeded, Destination Unreachable,
//!   Fragmentation Needed / Packet Too Big), optionally rate limited as
//!   Linux does and with RFC 4950 MPLS labels. Hosts answer Echo Requests
//!   with Echo Replies, UDP with Port Unreachable, TCP SYN with SYN-ACK or
//!   RST, and, when told to (Linux's `icmp_echo_enable_probe`), RFC 8335
//!   Extended Echo Requests about their [`Interface`]s
//!   ([`ExtendedEchoAnswers`]); their packets start at their initial TTL
//!   and lose one per router on the way back. Errors reach the machine as
//!   datagrams on the ICMP channel or as queued socket errors
//!   ([`ErrorDelivery`]).
//! - [`Counters`] say what happened: sent, refused, delivered, lost, rate
//!   limited ([`Network::stats`]: the engine's counts, with reasons).
//!
//! The routers and hosts run on the one forwarding engine,
//! `icmpkit_netsim`: [`Builder::build`] compiles the routes into its
//! topology (the local host an attachment, a node per router and host, a
//! link per hop, static routes both ways), and [`Network::from_topology`]
//! runs any topology of it (a topology file's, say) with the local host at
//! one of its attachments. A route's links are the same both ways; an
//! answer from hop `k` comes back over links like those it went over (an
//! ECMP hop's first router on the way back), so its round trip is twice
//! the sum of their delays (plus jitter).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use icmpkit_driver::sim::{Balance, Host, Link, Network, Route, Router};
//!
//! let mut net = Network::builder().local(Ipv4Addr::new(10, 0, 0, 1)).seed(7);
//! let r1 = net.router(Router::new(Ipv4Addr::new(10, 0, 1, 1)));
//! let a = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 1)));
//! let b = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 2)).silent());
//! net.route(
//!     Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
//!         .hop(r1, Link::ms(1))
//!         .ecmp(&[a, b], Balance::PerFlow, Link::ms(2).loss(0.01))
//!         .last_link(Link::ms(1).mtu(1400))
//!         .every_host(Host::answering()),
//! );
//! let network = net.build().unwrap();
//! // icmpkit_driver::drive(&mut machine, &mut network, &Signals::none(), ...)
//! # let _ = network;
//! ```

mod compile;
mod network;
mod topology;
mod transport;

pub use icmpkit_netsim::topology::ETHERNET_MTU;
pub use icmpkit_netsim::{
    Balance, ExtendedEchoAnswers, Forwarding, Interface, Link, TcpAnswer, UdpAnswer, Unreachable,
};
pub use network::{BuildError, Builder, Counters, ErrorDelivery, Fragmentation, Network};
pub use topology::{Absent, Host, Route, Router, RouterId};
pub use transport::{DEFAULT_HOP_LIMIT, errno};

#[cfg(test)]
mod tests;
