//! The zero-copy view of an ICMPv6 message: [`Packet`].
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  rest of header: ident/seq, MTU, pointer, length attr, ...    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  message body (quote, echo data, target address, options ...) |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1) and the whole
//! message. The accessors for MLD, NDP and Node Information fields live
//! next to those messages (`mld`, `ndp`, `node_info`).

use core::net::Ipv6Addr;

use super::Message;
use crate::checksum;
use crate::error::{Malformed, Result, need};
use crate::field as f;
use crate::icmp;
use crate::ip::protocol;

/// Byte ranges of the ICMPv6 header and the message-specific fields.
pub(crate) mod field {
    use crate::field::Field;
    use crate::icmp::extended_echo;

    /// Packet Too Big: MTU.
    pub const MTU: Field = 4..8;
    /// Parameter Problem: pointer.
    pub const POINTER: Field = 4..8;
    /// Destination Unreachable and Time Exceeded: RFC 4884 length (64-bit words).
    pub const LENGTH: usize = 4;
    /// Extended echo: sequence number (8 bits).
    pub const EXT_SEQ_NO: usize = extended_echo::SEQ_NO;
    /// Extended echo: L bit (request) or State/A/4/6 (reply).
    pub const EXT_FLAGS: usize = extended_echo::FLAGS;
    /// The fixed header every message has.
    pub const HEADER_END: usize = crate::icmp::HEADER_LEN;
}

/// The fixed header every ICMPv6 message has.
pub const HEADER_LEN: usize = field::HEADER_END;

/// A read/write view of an ICMPv6 message in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

/// The least length a message of this type needs for its fixed fields, and
/// the `what` that names it in a [`Malformed::Truncated`].
fn fixed_len(msg_type: Message) -> (usize, &'static str) {
    use super::{mld, ndp, node_info};
    match msg_type {
        Message::MulticastListenerQuery => (mld::V1_LEN, "ICMPv6 Multicast Listener Query"),
        Message::MulticastListenerReport => (mld::V1_LEN, "ICMPv6 Multicast Listener Report"),
        Message::MulticastListenerDone => (mld::V1_LEN, "ICMPv6 Multicast Listener Done"),
        Message::RouterAdvertisement => (ndp::RA_FIXED_LEN, "ICMPv6 Router Advertisement"),
        Message::NeighborSolicitation => (ndp::NS_FIXED_LEN, "ICMPv6 Neighbor Solicitation"),
        Message::NeighborAdvertisement => (ndp::NA_FIXED_LEN, "ICMPv6 Neighbor Advertisement"),
        Message::Redirect => (ndp::REDIRECT_FIXED_LEN, "ICMPv6 Redirect"),
        Message::NodeInformationQuery | Message::NodeInformationResponse => {
            (node_info::FIXED_LEN, "ICMPv6 Node Information")
        }
        _ => (HEADER_LEN, "ICMPv6 header"),
    }
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that the buffer holds the 8-byte header and the fixed fields
    /// of its message type (24 bytes for a Neighbor Solicitation, ...), so
    /// that the getters for that type cannot panic. A Multicast Listener
    /// Query must be 24 bytes (MLD version 1) or at least 28 (MLDv2); 25 to
    /// 27 bytes are [`Malformed::Invalid`] (RFC 3810 §8.1).
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        need("ICMPv6 header", buf, HEADER_LEN)?;
        let msg_type = self.msg_type();
        let (needed, what) = fixed_len(msg_type);
        need(what, buf, needed)?;
        if msg_type == Message::MulticastListenerQuery {
            super::mld::check_query_len(buf.len())?;
        }
        Ok(())
    }

    /// Packet Too Big: the MTU of the next-hop link.
    pub fn mtu(&self) -> u32 {
        f::u32_at(self.buffer.as_ref(), field::MTU.start)
    }

    /// Parameter Problem: the offset of the error in the invoking packet.
    pub fn pointer(&self) -> u32 {
        f::u32_at(self.buffer.as_ref(), field::POINTER.start)
    }

    /// Destination Unreachable and Time Exceeded: the RFC 4884 length of
    /// the original datagram in 64-bit words (zero when not multipart).
    pub fn length_attr(&self) -> u8 {
        self.buffer.as_ref()[field::LENGTH]
    }

    /// Extended echo: the 8-bit sequence number.
    pub fn ext_echo_seq_no(&self) -> u8 {
        self.buffer.as_ref()[field::EXT_SEQ_NO]
    }

    /// Extended echo: byte 7 (the L bit of a request; State, A, 4 and 6 of
    /// a reply).
    pub fn ext_echo_flags(&self) -> u8 {
        self.buffer.as_ref()[field::EXT_FLAGS]
    }

    /// The bytes from `start` on, or an empty slice past the end.
    pub(crate) fn tail(&self, start: usize) -> &[u8] {
        self.buffer.as_ref().get(start..).unwrap_or(&[])
    }

    /// Whether the checksum verifies over the IPv6 pseudo-header for
    /// `src` and `dst` and the whole message.
    pub fn verify_checksum(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        let buf = self.buffer.as_ref();
        pseudo_header(src, dst, buf.len()).add_bytes(buf).is_valid()
    }
}

/// The IPv6 pseudo-header sum for an ICMPv6 message of `len` bytes.
fn pseudo_header(src: Ipv6Addr, dst: Ipv6Addr, len: usize) -> checksum::Accumulator {
    // An IPv6 payload (jumbograms aside) is far below 2^32 bytes.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    checksum::pseudo_header_v6(src, dst, protocol::ICMPV6, len)
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the Packet Too Big MTU.
    pub fn set_mtu(&mut self, value: u32) {
        f::set_u32(self.buffer.as_mut(), field::MTU.start, value);
    }

    /// Sets the Parameter Problem pointer.
    pub fn set_pointer(&mut self, value: u32) {
        f::set_u32(self.buffer.as_mut(), field::POINTER.start, value);
    }

    /// Sets the RFC 4884 length attribute and zeroes the rest of bytes 4..8
    /// (unused in Destination Unreachable and Time Exceeded).
    pub fn set_length_attr(&mut self, value: u8) {
        self.set_rest_of_header([value, 0, 0, 0]);
    }

    /// Sets the extended echo 8-bit sequence number.
    pub fn set_ext_echo_seq_no(&mut self, value: u8) {
        self.buffer.as_mut()[field::EXT_SEQ_NO] = value;
    }

    /// Sets extended echo byte 7.
    pub fn set_ext_echo_flags(&mut self, value: u8) {
        self.buffer.as_mut()[field::EXT_FLAGS] = value;
    }

    /// The bytes from `start` on, writable.
    pub(crate) fn tail_mut(&mut self, start: usize) -> &mut [u8] {
        &mut self.buffer.as_mut()[start..]
    }

    /// Computes and stores the checksum over the IPv6 pseudo-header for
    /// `src` and `dst` and the whole message.
    pub fn fill_checksum(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        self.set_checksum(0);
        let buf = self.buffer.as_ref();
        let sum = pseudo_header(src, dst, buf.len()).add_bytes(buf).checksum();
        self.set_checksum(sum);
    }
}

icmp::header_view!(Packet, Message);

/// Reads a 16-byte address at `at` of a buffer already length-checked.
pub(crate) fn addr_at(buf: &[u8], at: usize) -> Ipv6Addr {
    f::get_ipv6(buf, at).unwrap_or(Ipv6Addr::UNSPECIFIED)
}

/// Writes a 16-byte address at `at`.
pub(crate) fn set_addr(buf: &mut [u8], at: usize, addr: Ipv6Addr) {
    buf[at..at + 16].copy_from_slice(&addr.octets());
}

/// A [`Malformed::Invalid`] for an ICMPv6 message.
pub(crate) const fn invalid(
    what: &'static str,
    field: &'static str,
    value: u32,
    rule: &'static str,
) -> Malformed {
    Malformed::Invalid {
        what,
        field,
        value,
        rule,
    }
}

/// `bit` if `on`, else zero: for assembling flag bytes.
pub(crate) const fn flag(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}
