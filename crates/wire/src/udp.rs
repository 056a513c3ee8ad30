//! The UDP header (RFC 768): a zero-copy [`Packet`] view, the checksum over
//! the IPv4 or IPv6 pseudo-header, and a [`Repr`] to parse and emit.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          Source Port          |       Destination Port        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Length (header + data)    |           Checksum            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                             Data ...                          |
//! ```
//!
//! The checksum covers the pseudo-header ([`AddressPair::pseudo_header`]),
//! the header and the data. A computed checksum of zero is sent as 0xffff;
//! a zero field means "no checksum", allowed over IPv4 only.

use crate::error::{Malformed, Result, need};
use crate::field::{set_u16, u16_at};
use crate::ip::{AddressPair, IpVersion, protocol};

/// Byte ranges of the UDP header fields.
mod field {
    use crate::field::Field;
    pub const SRC_PORT: Field = 0..2;
    pub const DST_PORT: Field = 2..4;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
}
use field as f;

/// The length of the UDP header.
pub const HEADER_LEN: usize = 8;

const WHAT: &str = "UDP header";

/// A read/write view of a UDP datagram in a byte buffer.
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

    /// Checks the header and the length field: fewer than 8 bytes gives
    /// [`Malformed::Truncated`], a length below 8 [`Malformed::Invalid`], a
    /// length past the end [`Malformed::Overrun`].
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        need(WHAT, buf, HEADER_LEN)?;
        let len = self.len();
        if usize::from(len) < HEADER_LEN {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "length",
                value: u32::from(len),
                rule: "is below the minimum of 8",
            });
        }
        if usize::from(len) > buf.len() {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "length",
                claimed: usize::from(len),
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

    /// The length field (header and data).
    #[allow(
        clippy::len_without_is_empty,
        reason = "a header field, not a container"
    )]
    pub fn len(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::LENGTH.start)
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        u16_at(self.buffer.as_ref(), f::CHECKSUM.start)
    }

    /// The data, up to the length field.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.len())]
    }

    /// Whether the checksum verifies for a datagram between `addrs`. A zero
    /// checksum field (none sent) is accepted over IPv4 and rejected over
    /// IPv6, where it is mandatory.
    pub fn verify_checksum(&self, addrs: &AddressPair) -> bool {
        if self.checksum() == 0 {
            return addrs.version() == IpVersion::V4;
        }
        let datagram = &self.buffer.as_ref()[..usize::from(self.len())];
        addrs.sum(protocol::UDP, datagram).is_valid()
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

    /// Sets the length field.
    pub fn set_len(&mut self, len: u16) {
        set_u16(self.buffer.as_mut(), f::LENGTH.start, len);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), f::CHECKSUM.start, value);
    }

    /// Computes and stores the checksum over the pseudo-header for `addrs`
    /// and the first `length` bytes (0 is sent as 0xffff).
    pub fn fill_checksum(&mut self, addrs: &AddressPair) {
        self.set_checksum(0);
        let datagram = &self.buffer.as_ref()[..usize::from(self.len())];
        let c = match addrs.sum(protocol::UDP, datagram).checksum() {
            0 => 0xffff,
            c => c,
        };
        self.set_checksum(c);
    }

    /// The data, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

/// A UDP datagram, parsed, and enough to emit one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The data.
    pub payload: &'a [u8],
}

impl<'a> Repr<'a> {
    /// Parses a checked datagram. The checksum is not verified here (it
    /// needs the addresses: [`Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<Self> {
        packet.check_len()?;
        let buf: &'a [u8] = packet.buffer.as_ref();
        Ok(Self {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload: &buf[HEADER_LEN..usize::from(packet.len())],
        })
    }

    /// The length of the datagram (header and data).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Writes the datagram and fills the checksum for `addrs`.
    ///
    /// # Panics
    /// If the datagram exceeds 65535 bytes or the buffer is too short.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Packet<&mut T>,
        addrs: &AddressPair,
    ) {
        let len = u16::try_from(self.buffer_len()).expect("UDP datagram exceeds 65535 bytes");
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(len);
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
    use std::vec::Vec;

    const V4: AddressPair = AddressPair::V4 {
        src: Ipv4Addr::new(192, 0, 2, 10),
        dst: Ipv4Addr::new(198, 51, 100, 8),
    };

    fn v6() -> AddressPair {
        AddressPair::V6 {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
        }
    }

    /// A Linux traceroute probe: port 45678 -> 33434, 32 bytes of data
    /// "@ABC...^_", checksum computed independently (Python) for
    /// 192.0.2.10 -> 198.51.100.8.
    fn probe() -> Vec<u8> {
        let mut d = vec![0xb2, 0x6e, 0x82, 0x9a, 0x00, 0x28, 0xe9, 0x49];
        d.extend(0x40..0x60u8);
        d
    }

    #[test]
    fn deconstruct() {
        let d = probe();
        let p = Packet::new_checked(&d[..]).unwrap();
        assert_eq!(p.src_port(), 45678);
        assert_eq!(p.dst_port(), 33434);
        assert_eq!(p.len(), 40);
        assert_eq!(p.checksum(), 0xe949);
        assert_eq!(p.payload(), &d[8..]);
        assert!(p.verify_checksum(&V4));
        assert!(!p.verify_checksum(&v6()));
    }

    #[test]
    fn construct() {
        let mut buf = vec![0xa5u8; 40];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_src_port(45678);
        p.set_dst_port(33434);
        p.set_len(40);
        p.payload_mut().copy_from_slice(&probe()[8..]);
        p.fill_checksum(&V4);
        assert_eq!(buf, probe());
    }

    #[test]
    fn parse_and_emit() {
        let d = probe();
        let r = Repr::parse(&Packet::new_checked(&d[..]).unwrap()).unwrap();
        assert_eq!(
            r,
            Repr {
                src_port: 45678,
                dst_port: 33434,
                payload: &d[8..]
            }
        );
        let mut buf = vec![0xa5u8; r.buffer_len()];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]), &V4);
        assert_eq!(buf, d);
        // The same datagram over IPv6 (checksum from Python: 0x7a1b).
        r.emit(&mut Packet::new_unchecked(&mut buf[..]), &v6());
        assert_eq!(&buf[6..8], &[0x7a, 0x1b]);
        assert!(
            Packet::new_checked(&buf[..])
                .unwrap()
                .verify_checksum(&v6())
        );
    }

    #[test]
    fn zero_checksum() {
        let mut d = probe();
        d[6] = 0;
        d[7] = 0;
        let p = Packet::new_checked(&d[..]).unwrap();
        assert!(p.verify_checksum(&V4));
        assert!(!p.verify_checksum(&v6()));
        // A datagram whose checksum computes to 0 carries 0xffff.
        let mut z = [0u8; 8];
        let mut p = Packet::new_unchecked(&mut z[..]);
        p.set_len(8);
        let pair = AddressPair::V4 {
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
        };
        // Pseudo-header 17 + 8 and length 8: choose a port to make the sum 0xffff.
        p.set_src_port(0xffff - 17 - 8 - 8);
        p.fill_checksum(&pair);
        assert_eq!(p.checksum(), 0xffff);
        assert!(p.verify_checksum(&pair));
    }

    #[test]
    fn check_len() {
        let d = probe();
        for len in 0..d.len() {
            let want = if len < 8 {
                Malformed::Truncated {
                    what: "UDP header",
                    needed: 8,
                    available: len,
                }
            } else {
                Malformed::Overrun {
                    what: "UDP header",
                    field: "length",
                    claimed: 40,
                    available: len,
                }
            };
            assert_eq!(Packet::new_checked(&d[..len]).unwrap_err(), want);
        }
        let short = [0, 1, 0, 2, 0, 7, 0, 0];
        assert_eq!(
            Packet::new_checked(&short[..]).unwrap_err().to_string(),
            "UDP header: length 7 is below the minimum of 8"
        );
    }

    proptest! {
        #[test]
        fn round_trip(sp in any::<u16>(), dp in any::<u16>(),
                      payload in proptest::collection::vec(any::<u8>(), 0..100),
                      s in any::<[u8; 16]>(), d in any::<[u8; 16]>(), v6 in any::<bool>()) {
            let addrs = if v6 {
                AddressPair::V6 { src: Ipv6Addr::from(s), dst: Ipv6Addr::from(d) }
            } else {
                AddressPair::V4 {
                    src: Ipv4Addr::new(s[0], s[1], s[2], s[3]),
                    dst: Ipv4Addr::new(d[0], d[1], d[2], d[3]),
                }
            };
            let r = Repr { src_port: sp, dst_port: dp, payload: &payload };
            let mut buf = vec![0u8; r.buffer_len()];
            r.emit(&mut Packet::new_unchecked(&mut buf[..]), &addrs);
            let p = Packet::new_checked(&buf[..]).unwrap();
            prop_assert!(p.verify_checksum(&addrs));
            prop_assert_eq!(Repr::parse(&p).unwrap(), r);
            // etherparse computes the same checksum.
            let e = etherparse::UdpHeaderSlice::from_slice(&buf).unwrap().to_header();
            let theirs = match addrs {
                AddressPair::V4 { src, dst } => e.calc_checksum_ipv4_raw(src.octets(), dst.octets(), &payload).unwrap(),
                AddressPair::V6 { src, dst } => e.calc_checksum_ipv6_raw(src.octets(), dst.octets(), &payload).unwrap(),
            };
            prop_assert_eq!(p.checksum(), theirs);
        }

        #[test]
        fn agrees_with_etherparse(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let e = etherparse::UdpHeaderSlice::from_slice(&bytes);
            let p = Packet::new_unchecked(&bytes[..]);
            prop_assert_eq!(e.is_ok(), bytes.len() >= 8);
            if let Ok(e) = e {
                prop_assert_eq!(p.src_port(), e.source_port());
                prop_assert_eq!(p.dst_port(), e.destination_port());
                prop_assert_eq!(p.len(), e.length());
                prop_assert_eq!(p.checksum(), e.checksum());
            }
            if let Ok(p) = Packet::new_checked(&bytes[..]) {
                let _ = Repr::parse(&p).unwrap();
                let _ = p.verify_checksum(&V4);
            }
        }
    }
}
