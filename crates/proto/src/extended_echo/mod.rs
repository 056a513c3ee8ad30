//! RFC 8335 PROBE: asking a node about one of its interfaces with an
//! Extended Echo Request (ICMPv4 type 42, ICMPv6 type 160) and reading the
//! Extended Echo Reply (43 / 161). ("Probe" in icmpkit is any packet we
//! send; the RFC 8335 exchange is "extended echo".)
//!
//! - [`InterfaceQuery`]: the interface asked about, by name (c-type 1),
//!   ifIndex (c-type 2) or address (c-type 3) in the Interface
//!   Identification object (class 3) of an RFC 4884 extension structure.
//! - [`build_request`], [`parse_answer`], [`quoted_request`]: the bytes.
//! - [`ExtendedEcho`]: the exchange as a [`Machine`](crate::machine::Machine):
//!   `count` requests `interval` apart, each answered, refused by an ICMP
//!   error, or unanswered after `timeout`; typed [`ExtendedEchoEvent`]s.
//!
//! The L bit is always set: RFC 8335 §2 sets it when the probed interface
//! resides on the node that receives the request (the "proxy node"), and
//! clears it when the interface is merely directly connected to it (then
//! only identification by address is allowed). Linux answers only
//! requests with L set.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use icmpkit_wire::dissect::Message;
use icmpkit_wire::extension::{
    InterfaceAddress, InterfaceIdentification, ObjectRepr, emit_structure, structure_len,
};
use icmpkit_wire::icmpv4::{ExtendedEchoReply, ExtendedEchoState};
use icmpkit_wire::{IpVersion, icmpv4, icmpv6};

mod machine;

pub use machine::{ExtendedEcho, ExtendedEchoConfig, ExtendedEchoEvent, ExtendedEchoSummary};

/// The longest interface name a query carries.
pub const MAX_NAME_LEN: usize = 255;

/// The interface asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterfaceQuery {
    /// By name (c-type 1).
    Name(String),
    /// By ifIndex (c-type 2).
    Index(u32),
    /// By address (c-type 3).
    Address(IpAddr),
}

/// A command-line interface argument that names no interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing was given.
    Empty,
    /// A decimal number above `u32::MAX` (the text given).
    IndexTooLarge(String),
    /// A name longer than [`MAX_NAME_LEN`] bytes (its length).
    NameTooLong(usize),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(
                f,
                "--probe-interface: give an interface name, ifIndex or address"
            ),
            Self::IndexTooLarge(arg) => write!(
                f,
                "--probe-interface {arg}: an ifIndex is at most {}",
                u32::MAX
            ),
            Self::NameTooLong(len) => write!(
                f,
                "--probe-interface: an interface name of {len} bytes is too long"
            ),
        }
    }
}

impl std::error::Error for QueryError {}

impl InterfaceQuery {
    /// A decimal number is an ifIndex, an IP address an address, anything
    /// else a name.
    pub fn from_argument(arg: &str) -> Result<Self, QueryError> {
        if arg.is_empty() {
            return Err(QueryError::Empty);
        }
        if arg.bytes().all(|b| b.is_ascii_digit()) {
            return arg
                .parse()
                .map(Self::Index)
                .map_err(|_| QueryError::IndexTooLarge(arg.to_owned()));
        }
        if let Ok(addr) = arg.parse() {
            return Ok(Self::Address(addr));
        }
        if arg.len() > MAX_NAME_LEN {
            return Err(QueryError::NameTooLong(arg.len()));
        }
        Ok(Self::Name(arg.to_owned()))
    }

    /// "name", "index" or "address".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Name(_) => "name",
            Self::Index(_) => "index",
            Self::Address(_) => "address",
        }
    }

    /// The extension structure carrying this query's Interface
    /// Identification object (checksum filled).
    pub fn extension(&self) -> Vec<u8> {
        let id = match self {
            Self::Name(name) => InterfaceIdentification::Name(name.as_bytes()),
            Self::Index(index) => InterfaceIdentification::Index(*index),
            Self::Address(addr) => InterfaceIdentification::Address(InterfaceAddress::Ip(*addr)),
        };
        let objects = [ObjectRepr::InterfaceIdentification(id)];
        let mut out = vec![0; structure_len(&objects)];
        emit_structure(&objects, &mut out, true);
        out
    }
}

/// Writes the Extended Echo Request (type 42 or 160, L bit set) carrying
/// `extension` into `buf`. An ICMPv6 checksum is left for the kernel to
/// fill, as it does on every raw ICMPv6 socket.
pub fn build_request(version: IpVersion, ident: u16, seq: u8, extension: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    match version {
        IpVersion::V4 => {
            let repr = icmpv4::Repr::ExtendedEchoRequest {
                ident,
                seq_no: seq,
                local: true,
                request: extension,
            };
            buf.resize(repr.buffer_len(), 0);
            repr.emit(&mut icmpv4::Packet::new_unchecked(&mut buf[..]));
        }
        IpVersion::V6 => {
            let repr = icmpv6::Repr::ExtendedEchoRequest {
                ident,
                seq_no: seq,
                local: true,
                request: extension,
            };
            buf.resize(repr.buffer_len(), 0);
            repr.emit(
                &mut icmpv6::Packet::new_unchecked(&mut buf[..]),
                Ipv6Addr::UNSPECIFIED,
                Ipv6Addr::UNSPECIFIED,
            );
        }
    }
}

/// What an Extended Echo Reply says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedEchoAnswer {
    /// Identifier.
    pub ident: u16,
    /// 8-bit sequence number.
    pub seq: u8,
    /// The outcome of the query.
    pub code: ExtendedEchoReply,
    /// The neighbour state of an interface found in a table.
    pub state: ExtendedEchoState,
    /// The A bit: the interface is active.
    pub active: bool,
    /// The 4 bit: IPv4 runs on it.
    pub ipv4: bool,
    /// The 6 bit: IPv6 runs on it.
    pub ipv6: bool,
}

impl ExtendedEchoAnswer {
    /// Whether the answer says the interface exists (code No Error).
    pub fn exists(&self) -> bool {
        self.code == ExtendedEchoReply::NoError
    }
}

/// The Extended Echo Reply in `icmp`, if it is one. The two families
/// carry the same fields (and the same code and state types).
pub fn parse_answer(version: IpVersion, icmp: &[u8]) -> Option<ExtendedEchoAnswer> {
    match Message::parse(version, icmp).ok()? {
        Message::V4(icmpv4::Repr::ExtendedEchoReply {
            code,
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
        })
        | Message::V6(icmpv6::Repr::ExtendedEchoReply {
            code,
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
        }) => Some(ExtendedEchoAnswer {
            ident,
            seq: seq_no,
            code,
            state,
            active,
            ipv4,
            ipv6,
        }),
        _ => None,
    }
}

/// The identifier and sequence of our own Extended Echo Request quoted by
/// an error.
pub fn quoted_request(version: IpVersion, original: &[u8]) -> Option<(u16, u8)> {
    match Message::parse(version, original).ok()? {
        Message::V4(icmpv4::Repr::ExtendedEchoRequest { ident, seq_no, .. })
        | Message::V6(icmpv6::Repr::ExtendedEchoRequest { ident, seq_no, .. }) => {
            Some((ident, seq_no))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
