//! The IPv4 header (RFC 791): a zero-copy [`Packet`] view, the header
//! checksum, a [`Repr`] to parse and emit, and an iterator over options.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |   DSCP    |ECN|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |0|D|M|     Fragment Offset     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            Options (0-40 bytes, IHL × 4 - 20)                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Payload (Total Length - IHL × 4)              |
//! ```

use crate::checksum;
use crate::error::{Malformed, Result, need};
use crate::field::{set_u16, set_u32, u16_at, u32_at};
use core::net::Ipv4Addr;

pub mod option;
pub use option::{AddressList, Ipv4Option, Options};

/// Byte ranges of the IPv4 header fields.
mod field {
    use crate::field::Field;
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}
use field as f;

/// The length of the header without options.
pub const HEADER_LEN: usize = 20;
/// The most option bytes a header can carry (IHL 15).
pub const MAX_OPTIONS_LEN: usize = 40;

const WHAT: &str = "IPv4 header";
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

/// A read/write view of an IPv4 datagram in a byte buffer.
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

    /// Checks that the header and the payload its total length claims are
    /// all present, so that every getter is safe to call:
    /// - fewer than 20 bytes: [`Malformed::Truncated`];
    /// - IHL below 5: [`Malformed::Invalid`];
    /// - IHL × 4 past the end: [`Malformed::Overrun`];
    /// - total length below IHL × 4: [`Malformed::Invalid`];
    /// - total length past the end: [`Malformed::Overrun`].
    pub fn check_len(&self) -> Result<()> {
        self.check_len_lax()?;
        let available = self.buffer.as_ref().len();
        let total = usize::from(self.total_len());
        if total > available {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "total length",
                claimed: total,
                available,
            });
        }
        Ok(())
    }

    /// As [`Packet::check_len`], but accepts a total length past the end
    /// of the buffer (use [`Packet::payload_lax`] then).
    pub fn check_len_lax(&self) -> Result<()> {
        self.check_header_len()?;
        if usize::from(self.total_len()) < self.header_len() {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "total length",
                value: u32::from(self.total_len()),
                rule: "is below the header length (IHL × 4)",
            });
        }
        Ok(())
    }

    /// Checks the header alone (at least 20 bytes, IHL at least 5, IHL × 4
    /// bytes present), whatever its total length says: for a capture taken
    /// with segmentation offload, whose total length may be 0.
    pub fn check_header_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        need(WHAT, buf, HEADER_LEN)?;
        let ihl = self.ihl();
        if ihl < 5 {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "IHL",
                value: u32::from(ihl),
                rule: "is below the minimum of 5",
            });
        }
        let header_len = self.header_len();
        if header_len > buf.len() {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "IHL",
                claimed: header_len,
                available: buf.len(),
            });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field (4 for IPv4).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[f::VER_IHL] >> 4
    }

    /// The Internet Header Length field, in 32-bit words.
    pub fn ihl(&self) -> u8 {
        self.buffer.as_ref()[f::VER_IHL] & 0x0f
    }

    /// The header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// The Differentiated Services Code Point (6 bits).
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[f::DSCP_ECN] >> 2
    }

    /// The Explicit Congestion Notification bits (2 bits).
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[f::DSCP_ECN] & 0x03
    }

    /// The total length of the datagram, header included.
    pub fn total_len(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::LENGTH.start)
    }

    /// The identification field.
    pub fn ident(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::IDENT.start)
    }

    /// The Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        u16_at(self.buffer.as_ref(), f::FLG_OFF.start) & FLAG_DF != 0
    }

    /// The More Fragments flag.
    pub fn more_frags(&self) -> bool {
        u16_at(self.buffer.as_ref(), f::FLG_OFF.start) & FLAG_MF != 0
    }

    /// The reserved (evil) flag bit, which must be zero.
    pub fn reserved_flag(&self) -> bool {
        u16_at(self.buffer.as_ref(), f::FLG_OFF.start) & 0x8000 != 0
    }

    /// The fragment offset in bytes (the field counts 8-byte units).
    pub fn frag_offset(&self) -> u16 {
        (u16_at(self.buffer.as_ref(), f::FLG_OFF.start) & OFFSET_MASK) << 3
    }

    /// The time to live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[f::TTL]
    }

    /// The protocol of the payload (see [`crate::ip::protocol`]).
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[f::PROTOCOL]
    }

    /// The header checksum field.
    pub fn checksum(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::CHECKSUM.start)
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32_at(self.buffer.as_ref(), f::SRC_ADDR.start))
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32_at(self.buffer.as_ref(), f::DST_ADDR.start))
    }

    /// Whether the header checksum verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::is_valid(&self.buffer.as_ref()[..self.header_len()])
    }

    /// The raw option bytes (between byte 20 and IHL × 4), padding included.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// An iterator over the options.
    pub fn option_iter(&self) -> Options<'_> {
        Options::new(self.options())
    }

    /// The payload, from IHL × 4 to the total length.
    pub fn payload(&self) -> &[u8] {
        let range = self.header_len()..usize::from(self.total_len());
        self.buffer.as_ref().get(range).unwrap_or_default()
    }

    /// The payload as far as the buffer holds it: for a datagram cut short
    /// by a capture's snap length (after [`Packet::new_checked_lax`]).
    pub fn payload_lax(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = usize::from(self.total_len()).min(buf.len());
        buf.get(self.header_len()..end).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version field.
    pub fn set_version(&mut self, version: u8) {
        let b = &mut self.buffer.as_mut()[f::VER_IHL];
        *b = (*b & 0x0f) | (version << 4);
    }

    /// Sets the header length in bytes (stored as IHL = `len` / 4).
    pub fn set_header_len(&mut self, len: u8) {
        let b = &mut self.buffer.as_mut()[f::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) & 0x0f);
    }

    /// Sets the DSCP (6 bits).
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = &mut self.buffer.as_mut()[f::DSCP_ECN];
        *b = (*b & 0x03) | (dscp << 2);
    }

    /// Sets the ECN bits (2 bits).
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = &mut self.buffer.as_mut()[f::DSCP_ECN];
        *b = (*b & 0xfc) | (ecn & 0x03);
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), f::LENGTH.start, len);
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, ident: u16) {
        set_u16(self.buffer.as_mut(), f::IDENT.start, ident);
    }

    fn set_flag_bits(&mut self, mask: u16, on: bool) {
        let buf = self.buffer.as_mut();
        let v = u16_at(buf, f::FLG_OFF.start);
        let v = if on { v | mask } else { v & !mask };
        set_u16(buf, f::FLG_OFF.start, v);
    }

    /// Clears all flags and the fragment offset.
    pub fn clear_flags(&mut self) {
        set_u16(self.buffer.as_mut(), f::FLG_OFF.start, 0);
    }

    /// Sets the Don't Fragment flag.
    pub fn set_dont_frag(&mut self, on: bool) {
        self.set_flag_bits(FLAG_DF, on);
    }

    /// Sets the More Fragments flag.
    pub fn set_more_frags(&mut self, on: bool) {
        self.set_flag_bits(FLAG_MF, on);
    }

    /// Sets the fragment offset in bytes (rounded down to 8-byte units).
    pub fn set_frag_offset(&mut self, offset: u16) {
        let buf = self.buffer.as_mut();
        let v = (u16_at(buf, f::FLG_OFF.start) & !OFFSET_MASK) | ((offset >> 3) & OFFSET_MASK);
        set_u16(buf, f::FLG_OFF.start, v);
    }

    /// Sets the time to live.
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[f::TTL] = ttl;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, protocol: u8) {
        self.buffer.as_mut()[f::PROTOCOL] = protocol;
    }

    /// Sets the header checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), f::CHECKSUM.start, value);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Addr) {
        set_u32(self.buffer.as_mut(), f::SRC_ADDR.start, addr.to_bits());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Addr) {
        set_u32(self.buffer.as_mut(), f::DST_ADDR.start, addr.to_bits());
    }

    /// Computes and stores the header checksum over IHL × 4 bytes.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let len = self.header_len();
        let c = checksum::checksum(&self.buffer.as_ref()[..len]);
        self.set_checksum(c);
    }

    /// The option bytes, mutable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let len = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..len]
    }

    /// The payload, mutable (from IHL × 4 to the total length).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len(), usize::from(self.total_len()));
        &mut self.buffer.as_mut()[start..end]
    }
}

/// The fields of an IPv4 header, parsed, and enough to emit one.
///
/// Options are kept as their raw bytes (see [`Options`] to read them); on
/// emit they are zero-padded (with End of Option List) to a multiple of 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr<'a> {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: u8,
    /// Payload length in bytes (total length - header length).
    pub payload_len: usize,
    /// Time to live.
    pub ttl: u8,
    /// Differentiated Services Code Point (6 bits).
    pub dscp: u8,
    /// Explicit Congestion Notification (2 bits).
    pub ecn: u8,
    /// Identification.
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// More Fragments.
    pub more_frags: bool,
    /// Fragment offset in bytes (a multiple of 8).
    pub frag_offset: u16,
    /// Raw option bytes (at most 40).
    pub options: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Parses a checked header. The version must be 4; the header checksum
    /// is NOT verified here (a decoder reports it:
    /// [`Packet::verify_checksum`]), and options are not interpreted.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Self> {
        packet.check_len()?;
        if packet.version() != 4 {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "version",
                value: u32::from(packet.version()),
                rule: "is not 4",
            });
        }
        let buf: &'a [u8] = packet.buffer.as_ref();
        Ok(Self {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: usize::from(packet.total_len()) - packet.header_len(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
            ecn: packet.ecn(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
            options: &buf[HEADER_LEN..packet.header_len()],
        })
    }

    /// The header length: 20 plus the options padded to a multiple of 4.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len().next_multiple_of(4)
    }

    /// The length of the whole datagram (header and payload).
    pub const fn buffer_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// Writes the header (options padded with zeros) and fills the header
    /// checksum. The payload is left for the caller
    /// ([`Packet::payload_mut`]).
    ///
    /// # Panics
    /// If the options exceed 40 bytes, the datagram exceeds 65535 bytes, or
    /// the buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(&self, packet: &mut Packet<&mut T>) {
        assert!(
            self.options.len() <= MAX_OPTIONS_LEN,
            "IPv4 options exceed 40 bytes"
        );
        let header_len = self.header_len();
        let total = u16::try_from(self.buffer_len()).expect("IPv4 datagram exceeds 65535 bytes");
        packet.set_version(4);
        // At most 60, checked above.
        #[allow(clippy::cast_possible_truncation)]
        packet.set_header_len(header_len as u8);
        packet.set_dscp(self.dscp);
        packet.set_ecn(self.ecn);
        packet.set_total_len(total);
        packet.set_ident(self.ident);
        packet.clear_flags();
        packet.set_dont_frag(self.dont_frag);
        packet.set_more_frags(self.more_frags);
        packet.set_frag_offset(self.frag_offset);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        let opts = packet.options_mut();
        let (data, pad) = opts.split_at_mut(self.options.len());
        data.copy_from_slice(self.options);
        pad.fill(0);
        packet.fill_checksum();
    }
}

#[cfg(test)]
mod tests;
