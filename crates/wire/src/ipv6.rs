//! The IPv6 header (RFC 8200): a zero-copy [`Packet`] view, a [`Repr`] to
//! parse and emit, and a bounded walk of the extension-header chain
//! ([`walk_extensions`]), with the two extension headers that change what
//! the payload is: the Routing header's final destination
//! ([`RoutingHeader`]) and the jumbogram's length ([`jumbo_payload_len`]).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                  Source Address (16 bytes)                    +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +               Destination Address (16 bytes)                  +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Payload (Payload Length bytes: extension headers, then the  |
//! |   upper-layer message)                                        |
//! ```

use crate::error::{Malformed, Result, need};
use crate::field::{set_u16, set_u32, u16_at, u32_at};
use core::net::Ipv6Addr;

mod ext;
mod jumbo;
mod routing;
pub use ext::{
    Fragment, MAX_EXTENSION_HEADERS, UpperLayer, is_extension_header, walk_extensions,
    walk_extensions_lax,
};
pub use jumbo::{OPTION_JUMBO_PAYLOAD, PayloadLen, jumbo_payload_len};
pub use routing::{
    Route, RoutingHeader, TYPE_MOBILE_IPV6, TYPE_RPL, TYPE_SEGMENT_ROUTING, TYPE_SOURCE_ROUTE,
};

/// Byte ranges of the IPv6 header fields.
mod field {
    use crate::field::Field;
    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}
use field as f;

/// The length of the fixed header.
pub const HEADER_LEN: usize = 40;

const WHAT: &str = "IPv6 header";

/// A read/write view of an IPv6 datagram in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; getters may panic on short data.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Wraps a buffer after [`Packet::check_len_lax`]: for captures cut
    /// short by a snap length, where the payload may end early.
    pub fn new_checked_lax(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len_lax()?;
        Ok(p)
    }

    /// Checks that the fixed header and the payload its payload length
    /// claims are present: fewer than 40 bytes gives
    /// [`Malformed::Truncated`], a payload length past the end
    /// [`Malformed::Overrun`]. (A jumbogram's payload length 0 reads as an
    /// empty payload.)
    pub fn check_len(&self) -> Result<()> {
        self.check_len_lax()?;
        let claimed = HEADER_LEN + usize::from(self.payload_len());
        let available = self.buffer.as_ref().len();
        if claimed > available {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "payload length",
                claimed,
                available,
            });
        }
        Ok(())
    }

    /// Checks only that the 40-byte fixed header is present.
    pub fn check_len_lax(&self) -> Result<()> {
        need(WHAT, self.buffer.as_ref(), HEADER_LEN)
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn word0(&self) -> u32 {
        u32_at(self.buffer.as_ref(), f::VER_TC_FLOW.start)
    }

    /// The version field (6 for IPv6).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// The traffic class (DSCP in the upper 6 bits, ECN in the lower 2).
    pub fn traffic_class(&self) -> u8 {
        // Masked to 8 bits.
        #[allow(clippy::cast_possible_truncation)]
        {
            ((self.word0() >> 20) & 0xff) as u8
        }
    }

    /// The flow label (20 bits).
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0x000f_ffff
    }

    /// The payload length (everything after the fixed header).
    pub fn payload_len(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::LENGTH.start)
    }

    /// The next header: the first extension header or the upper layer.
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[f::NXT_HDR]
    }

    /// The hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[f::HOP_LIMIT]
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        addr_at(self.buffer.as_ref(), f::SRC_ADDR.start)
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr_at(self.buffer.as_ref(), f::DST_ADDR.start)
    }

    /// The payload: extension headers and upper-layer message. On a view
    /// made with [`Packet::new_checked_lax`] whose payload runs past the
    /// buffer this is empty; use [`Packet::payload_lax`] there.
    pub fn payload(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        self.buffer
            .as_ref()
            .get(HEADER_LEN..end)
            .unwrap_or_default()
    }

    /// The payload as far as the buffer holds it (after
    /// [`Packet::new_checked_lax`]).
    pub fn payload_lax(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = (HEADER_LEN + usize::from(self.payload_len())).min(buf.len());
        buf.get(HEADER_LEN..end).unwrap_or(&[])
    }

    /// Walks the extension headers of the payload to the upper layer; the
    /// offset in the result counts from the start of the payload.
    pub fn upper_layer(&self) -> Result<UpperLayer> {
        walk_extensions(self.next_header(), self.payload_lax())
    }
}

fn addr_at(buf: &[u8], at: usize) -> Ipv6Addr {
    let mut b = [0u8; 16];
    b.copy_from_slice(&buf[at..at + 16]);
    Ipv6Addr::from(b)
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_word0(&mut self, version: u8, traffic_class: u8, flow_label: u32) {
        let w = (u32::from(version) << 28)
            | (u32::from(traffic_class) << 20)
            | (flow_label & 0x000f_ffff);
        set_u32(self.buffer.as_mut(), f::VER_TC_FLOW.start, w);
    }

    /// Sets the version field.
    pub fn set_version(&mut self, version: u8) {
        self.set_word0(version, self.traffic_class(), self.flow_label());
    }

    /// Sets the traffic class.
    pub fn set_traffic_class(&mut self, traffic_class: u8) {
        self.set_word0(self.version(), traffic_class, self.flow_label());
    }

    /// Sets the flow label (the low 20 bits of `label`).
    pub fn set_flow_label(&mut self, label: u32) {
        self.set_word0(self.version(), self.traffic_class(), label);
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), f::LENGTH.start, len);
    }

    /// Sets the next header.
    pub fn set_next_header(&mut self, next_header: u8) {
        self.buffer.as_mut()[f::NXT_HDR] = next_header;
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, hop_limit: u8) {
        self.buffer.as_mut()[f::HOP_LIMIT] = hop_limit;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[f::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[f::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// The payload, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

/// The fields of an IPv6 fixed header, parsed, and enough to emit one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// The next header (first extension header or upper layer).
    pub next_header: u8,
    /// Payload length in bytes.
    pub payload_len: usize,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
}

impl Repr {
    /// Parses a checked header; the version must be 6.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Self> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "version",
                value: u32::from(packet.version()),
                rule: "is not 6",
            });
        }
        Ok(Self {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: usize::from(packet.payload_len()),
            hop_limit: packet.hop_limit(),
            traffic_class: packet.traffic_class(),
            flow_label: packet.flow_label(),
        })
    }

    /// The length of the fixed header (40).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The length of the whole datagram.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes the fixed header; the payload is left for the caller.
    ///
    /// # Panics
    /// If the payload length exceeds 65535 or the buffer is shorter than 40.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut Packet<&mut T>) {
        let len = u16::try_from(self.payload_len).expect("IPv6 payload exceeds 65535 bytes");
        packet.set_word0(6, self.traffic_class, self.flow_label);
        packet.set_payload_len(len);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
    }
}

#[cfg(test)]
mod tests;
