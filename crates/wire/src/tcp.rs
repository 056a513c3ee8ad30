//! The TCP header (RFC 9293): a zero-copy [`Packet`] view, the checksum over
//! the IPv4 or IPv6 pseudo-header, and a [`Repr`] to parse and emit — as
//! much of TCP as a prober (SYN probes, TCP traceroute) and a decoder of
//! quoted segments need.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        Sequence Number                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Acknowledgment Number                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Data |Rsv|A|C|E|U|A|P|R|S|F|                                 |
//! | Offset|   |E|W|C|R|C|S|S|Y|I|            Window               |
//! |       |   | |R|E|G|K|H|T|N|N|                                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Checksum            |         Urgent Pointer        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Options (data offset × 4 - 20 bytes)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                             Data ...                          |
//! ```
//!
//! TCP has no length field: the segment is the whole buffer the view wraps,
//! and the checksum covers the pseudo-header and all of it.

use crate::error::{Malformed, Result, need};
use crate::field::{set_u16, set_u32, u16_at, u32_at};
use crate::ip::{AddressPair, protocol};

/// Byte ranges of the TCP header fields.
mod field {
    use crate::field::Field;
    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const SEQ_NUM: Field = 4..8;
    pub const ACK_NUM: Field = 8..12;
    pub const OFF_FLAGS: Field = 12..14;
    pub const WINDOW: Field = 14..16;
    pub const CHECKSUM: Field = 16..18;
    pub const URGENT: Field = 18..20;
}
use field as f;

/// The length of the header without options.
pub const HEADER_LEN: usize = 20;
/// The most option bytes a header can carry (data offset 15).
pub const MAX_OPTIONS_LEN: usize = 40;

const WHAT: &str = "TCP header";

/// The control bits, as they sit in the low 12 bits of bytes 12–13
/// (the three reserved bits are 0x0e00).
pub mod flags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field is significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field is significant.
    pub const URG: u16 = 0x020;
    /// ECN-Echo.
    pub const ECE: u16 = 0x040;
    /// Congestion Window Reduced.
    pub const CWR: u16 = 0x080;
    /// Accurate ECN (formerly NS, the ECN nonce sum).
    pub const AE: u16 = 0x100;
}

/// A read/write view of a TCP segment in a byte buffer.
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

    /// Checks the header: fewer than 20 bytes gives
    /// [`Malformed::Truncated`], a data offset below 5
    /// [`Malformed::Invalid`], one past the end [`Malformed::Overrun`].
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        need(WHAT, buf, HEADER_LEN)?;
        let off = self.data_offset();
        if off < 5 {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "data offset",
                value: u32::from(off),
                rule: "is below the minimum of 5",
            });
        }
        if self.header_len() > buf.len() {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "data offset",
                claimed: self.header_len(),
                available: buf.len(),
            });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The source port.
    pub fn src_port(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::SRC_PORT.start)
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::DST_PORT.start)
    }

    /// The sequence number.
    pub fn seq_number(&self) -> u32 {
        u32_at(self.buffer.as_ref(), f::SEQ_NUM.start)
    }

    /// The acknowledgment number.
    pub fn ack_number(&self) -> u32 {
        u32_at(self.buffer.as_ref(), f::ACK_NUM.start)
    }

    /// The data offset, in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.buffer.as_ref()[f::OFF_FLAGS.start] >> 4
    }

    /// The header length in bytes (data offset × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    /// The control bits and reserved bits (the low 12 bits of bytes 12–13;
    /// see [`flags`]).
    pub fn flags(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::OFF_FLAGS.start) & 0x0fff
    }

    /// Whether every bit of `mask` (see [`flags`]) is set.
    pub fn has_flags(&self, mask: u16) -> bool {
        self.flags() & mask == mask
    }

    /// The window.
    pub fn window_len(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::WINDOW.start)
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::CHECKSUM.start)
    }

    /// The urgent pointer.
    pub fn urgent_at(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::URGENT.start)
    }

    /// The raw option bytes, padding included.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// The data after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }

    /// Whether the checksum verifies for a segment between `addrs`.
    pub fn verify_checksum(&self, addrs: &AddressPair) -> bool {
        addrs.sum(protocol::TCP, self.buffer.as_ref()).is_valid()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), f::SRC_PORT.start, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        set_u16(self.buffer.as_mut(), f::DST_PORT.start, port);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: u32) {
        set_u32(self.buffer.as_mut(), f::SEQ_NUM.start, seq);
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, ack: u32) {
        set_u32(self.buffer.as_mut(), f::ACK_NUM.start, ack);
    }

    /// Sets the header length in bytes (stored as data offset = `len` / 4).
    pub fn set_header_len(&mut self, len: u8) {
        let b = &mut self.buffer.as_mut()[f::OFF_FLAGS.start];
        *b = (*b & 0x0f) | ((len / 4) << 4);
    }

    /// Sets the control and reserved bits (the low 12 bits of `value`).
    pub fn set_flags(&mut self, value: u16) {
        let buf = self.buffer.as_mut();
        let v = (u16_at(buf, f::OFF_FLAGS.start) & 0xf000) | (value & 0x0fff);
        set_u16(buf, f::OFF_FLAGS.start, v);
    }

    /// Sets the window.
    pub fn set_window_len(&mut self, window: u16) {
        set_u16(self.buffer.as_mut(), f::WINDOW.start, window);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), f::CHECKSUM.start, value);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_at(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), f::URGENT.start, value);
    }

    /// Computes and stores the checksum over the pseudo-header for `addrs`
    /// and the whole buffer.
    pub fn fill_checksum(&mut self, addrs: &AddressPair) {
        self.set_checksum(0);
        let c = addrs.sum(protocol::TCP, self.buffer.as_ref()).checksum();
        self.set_checksum(c);
    }

    /// The option bytes, mutable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// The data, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buffer.as_mut()[start..]
    }
}

/// A TCP segment, parsed, and enough to emit one. Options are kept raw;
/// on emit they are zero-padded (End of Option List) to a multiple of 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgment number.
    pub ack_number: u32,
    /// Control and reserved bits (12 bits, see [`flags`]).
    pub flags: u16,
    /// Window.
    pub window_len: u16,
    /// Urgent pointer.
    pub urgent_at: u16,
    /// Raw option bytes (at most 40).
    pub options: &'a [u8],
    /// The data.
    pub payload: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Parses a checked segment. The checksum is not verified here (it
    /// needs the addresses: [`Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Self> {
        packet.check_len()?;
        let buf: &'a [u8] = packet.buffer.as_ref();
        let (header, payload) = buf.split_at(packet.header_len());
        Ok(Self {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
            urgent_at: packet.urgent_at(),
            options: &header[HEADER_LEN..],
            payload,
        })
    }

    /// The header length: 20 plus the options padded to a multiple of 4.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len().next_multiple_of(4)
    }

    /// The length of the segment (header and data).
    pub const fn buffer_len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    /// Writes the segment into a buffer of exactly [`Repr::buffer_len`]
    /// bytes and fills the checksum for `addrs`.
    ///
    /// # Panics
    /// If the options exceed 40 bytes or the buffer has the wrong length.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Packet<&mut T>,
        addrs: &AddressPair,
    ) {
        assert!(
            self.options.len() <= MAX_OPTIONS_LEN,
            "TCP options exceed 40 bytes"
        );
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_seq_number(self.seq_number);
        packet.set_ack_number(self.ack_number);
        // At most 60, checked above.
        #[allow(clippy::cast_possible_truncation)]
        packet.set_header_len(self.header_len() as u8);
        packet.set_flags(self.flags);
        packet.set_window_len(self.window_len);
        packet.set_urgent_at(self.urgent_at);
        let (opts, pad) = packet.options_mut().split_at_mut(self.options.len());
        opts.copy_from_slice(self.options);
        pad.fill(0);
        packet.payload_mut().copy_from_slice(self.payload);
        packet.fill_checksum(addrs);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use proptest::prelude::*;
    use std::string::ToString;
    use std::vec;

    const V4: AddressPair = AddressPair::V4 {
        src: Ipv4Addr::new(192, 0, 2, 10),
        dst: Ipv4Addr::new(198, 51, 100, 8),
    };

    /// A Linux-style SYN, 54321 -> 80, seq 0x01020304, window 64240, with
    /// MSS 1460, SACK permitted, timestamps and window scale 7 (40-byte
    /// header); checksum 0x53d9 computed independently (Python).
    const SYN: [u8; 40] = [
        0xd4, 0x31, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x53, 0xd9, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x12,
        0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    ];

    fn repr() -> Repr<'static> {
        Repr {
            src_port: 54321,
            dst_port: 80,
            seq_number: 0x0102_0304,
            ack_number: 0,
            flags: flags::SYN,
            window_len: 64240,
            urgent_at: 0,
            options: &SYN[20..],
            payload: &[],
        }
    }

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&SYN[..]).unwrap();
        assert_eq!(p.src_port(), 54321);
        assert_eq!(p.dst_port(), 80);
        assert_eq!(p.seq_number(), 0x0102_0304);
        assert_eq!(p.ack_number(), 0);
        assert_eq!(p.data_offset(), 10);
        assert_eq!(p.header_len(), 40);
        assert_eq!(p.flags(), flags::SYN);
        assert!(p.has_flags(flags::SYN));
        assert!(!p.has_flags(flags::SYN | flags::ACK));
        assert_eq!(p.window_len(), 64240);
        assert_eq!(p.checksum(), 0x53d9);
        assert_eq!(p.urgent_at(), 0);
        assert_eq!(p.options(), &SYN[20..]);
        assert_eq!(p.payload(), &[] as &[u8]);
        assert!(p.verify_checksum(&V4));
    }

    #[test]
    fn construct() {
        let mut buf = [0xa5u8; 40];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_src_port(54321);
        p.set_dst_port(80);
        p.set_seq_number(0x0102_0304);
        p.set_ack_number(0);
        p.set_header_len(40);
        p.set_flags(flags::SYN);
        p.set_window_len(64240);
        p.set_urgent_at(0);
        p.options_mut().copy_from_slice(&SYN[20..]);
        p.fill_checksum(&V4);
        assert_eq!(buf, SYN);
    }

    #[test]
    fn parse_and_emit() {
        assert_eq!(
            Repr::parse(&Packet::new_checked(&SYN[..]).unwrap()).unwrap(),
            repr()
        );
        let mut buf = [0xa5u8; 40];
        repr().emit(&mut Packet::new_unchecked(&mut buf[..]), &V4);
        assert_eq!(buf, SYN);
    }

    #[test]
    fn emit_pads_options() {
        let r = Repr {
            options: &[2, 4, 5, 0xb4, 1, 1],
            payload: b"xy",
            ..repr()
        };
        let mut buf = vec![0xa5u8; r.buffer_len()];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]), &V4);
        assert_eq!(buf[12] >> 4, 7);
        assert_eq!(&buf[20..30], &[2, 4, 5, 0xb4, 1, 1, 0, 0, b'x', b'y']);
        assert!(Packet::new_checked(&buf[..]).unwrap().verify_checksum(&V4));
    }

    #[test]
    fn check_len() {
        for len in 0..SYN.len() {
            let want = if len < 20 {
                Malformed::Truncated {
                    what: "TCP header",
                    needed: 20,
                    available: len,
                }
            } else {
                Malformed::Overrun {
                    what: "TCP header",
                    field: "data offset",
                    claimed: 40,
                    available: len,
                }
            };
            assert_eq!(Packet::new_checked(&SYN[..len]).unwrap_err(), want);
        }
        let mut h = SYN;
        h[12] = 0x40;
        assert_eq!(
            Packet::new_checked(&h[..]).unwrap_err().to_string(),
            "TCP header: data offset 4 is below the minimum of 5"
        );
    }

    proptest! {
        #[test]
        fn round_trip(sp in any::<u16>(), dp in any::<u16>(), seq in any::<u32>(), ack in any::<u32>(),
                      fl in 0..0x1000u16, win in any::<u16>(), urg in any::<u16>(), words in 0..=10usize,
                      payload in proptest::collection::vec(any::<u8>(), 0..64),
                      s in any::<[u8; 16]>(), d in any::<[u8; 16]>()) {
            let opts: [u8; 40] = core::array::from_fn(|i| u8::try_from(i * 7 % 256).unwrap());
            let addrs = AddressPair::V6 { src: Ipv6Addr::from(s), dst: Ipv6Addr::from(d) };
            let r = Repr {
                src_port: sp, dst_port: dp, seq_number: seq, ack_number: ack, flags: fl,
                window_len: win, urgent_at: urg, options: &opts[..words * 4], payload: &payload,
            };
            let mut buf = vec![0u8; r.buffer_len()];
            r.emit(&mut Packet::new_unchecked(&mut buf[..]), &addrs);
            let p = Packet::new_checked(&buf[..]).unwrap();
            prop_assert!(p.verify_checksum(&addrs));
            prop_assert_eq!(Repr::parse(&p).unwrap(), r);
            let e = etherparse::TcpHeaderSlice::from_slice(&buf).unwrap();
            prop_assert_eq!(
                e.calc_checksum_ipv6_raw(s, d, &payload).unwrap(),
                p.checksum()
            );
        }

        #[test]
        fn agrees_with_etherparse(bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
            let ours = Packet::new_checked(&bytes[..]);
            let theirs = etherparse::TcpHeaderSlice::from_slice(&bytes);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok());
            if let (Ok(p), Ok(e)) = (ours, theirs) {
                prop_assert_eq!(p.src_port(), e.source_port());
                prop_assert_eq!(p.dst_port(), e.destination_port());
                prop_assert_eq!(p.seq_number(), e.sequence_number());
                prop_assert_eq!(p.ack_number(), e.acknowledgment_number());
                prop_assert_eq!(p.data_offset(), e.data_offset());
                prop_assert_eq!(p.has_flags(flags::FIN), e.fin());
                prop_assert_eq!(p.has_flags(flags::SYN), e.syn());
                prop_assert_eq!(p.has_flags(flags::RST), e.rst());
                prop_assert_eq!(p.has_flags(flags::PSH), e.psh());
                prop_assert_eq!(p.has_flags(flags::ACK), e.ack());
                prop_assert_eq!(p.has_flags(flags::URG), e.urg());
                prop_assert_eq!(p.has_flags(flags::ECE), e.ece());
                prop_assert_eq!(p.has_flags(flags::CWR), e.cwr());
                prop_assert_eq!(p.has_flags(flags::AE), e.ns());
                prop_assert_eq!(p.window_len(), e.window_size());
                prop_assert_eq!(p.checksum(), e.checksum());
                prop_assert_eq!(p.urgent_at(), e.urgent_pointer());
                prop_assert_eq!(p.options(), e.options());
                let r = Repr::parse(&p).unwrap();
                prop_assert_eq!(r.payload.len() + p.header_len(), bytes.len());
            }
        }
    }
}
