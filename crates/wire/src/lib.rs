//! # icmpkit-wire
//!
//! The wire format of everything ICMP: zero-copy views (`Packet<T: AsRef<[u8]>>`
//! with checked construction) and owned/borrowed `Repr` types with `parse` and
//! `emit` for IPv4, IPv6, UDP, TCP and every ICMPv4 and ICMPv6 message;
//! checksums; RFC 4884 multipart extensions; lax parsing of the datagram
//! quoted inside an error; the rules for building an error as a router must;
//! and the plain-language meaning of every type and code.
//!
//! `no_std`, no dependencies, no `unsafe`, and no panic on any input bytes:
//! every parser returns [`Malformed`] with a reason a person can read.

#![no_std]
#![forbid(unsafe_code)]

pub mod checksum;
pub mod dissect;
pub mod error;
pub mod extension;
pub mod field;
pub mod generate;
mod icmp;
pub mod icmpv4;
pub mod icmpv6;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod meaning;
pub mod quote;
pub mod tcp;
pub mod udp;

pub use error::{Malformed, Result};
pub use icmp::echo;
pub use ip::IpVersion;
