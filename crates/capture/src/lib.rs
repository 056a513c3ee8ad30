//! # icmpkit-capture
//!
//! Reads pcap and pcapng capture files and hands out the IP packets they carry.
//!
//! [`CaptureReader`] streams frames from any [`std::io::Read`], one at a time,
//! reusing one buffer: classic pcap in either byte order with microsecond or
//! nanosecond timestamps, and pcapng with any number of sections (each in its
//! own byte order), interfaces (each with its link type and timestamp
//! resolution), Enhanced, Simple and obsolete Packet Blocks. Other blocks are
//! skipped. [`network_layer`] then finds the IPv4 or IPv6 packet inside a
//! frame of a known [`LinkType`] ([`LinkType::known`]: Ethernet with VLAN
//! tags, raw IP, Linux SLL and SLL2, BSD and OpenBSD loopback, PPP, PPP in
//! HDLC-like framing, Cisco HDLC, IP over InfiniBand, Solaris ipnet, ARCNET
//! with the Linux header), and [`encap::innermost`] (or
//! [`Frame::innermost`]) the innermost one, through tunnels, with the path.
//!
//! [`hex::HexReader`] reads hex dumps of IP packets (`tcpdump -x` output
//! among them) as a stream.
//!
//! [`reassembly::Reassembler`] puts fragmented ICMP datagrams back together,
//! as tshark does by default, in bounded memory.
//!
//! Nothing here panics on any input: every problem is a [`CaptureError`]
//! that names what failed and the value it found.

pub mod encap;
mod error;
mod ethertypes;
mod frame;
pub mod hex;
mod link;
mod reader;
pub mod reassembly;

#[cfg(test)]
mod tests;

pub use error::{CaptureError, Position};
pub use frame::{Frame, Timestamp};
pub use link::{LinkAddressing, LinkType, link_addressing, network_layer};
pub use reader::{CaptureFormat, CaptureReader, MAX_INTERFACES, MAX_RECORD_LEN};
