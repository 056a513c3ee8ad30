//! The Internet checksum (RFC 1071): one's-complement sum of 16-bit words.
//!
//! ICMPv4 sums the ICMP message alone; ICMPv6, UDP and TCP add a
//! pseudo-header of the addresses, the upper-layer length and the protocol
//! ([`pseudo_header_v4`], [`pseudo_header_v6`]). An odd trailing byte is
//! summed as the high byte of a word whose low byte is zero.
//! [`update`] adjusts a checksum after one 16-bit word changes (RFC 1624),
//! which is how a prober keeps an ICMP checksum constant (Paris traceroute).
//!
//! ```text
//! sum = Σ 16-bit big-endian words (carries folded back in)
//! checksum = !sum            verify: sum over data incl. checksum == 0xffff
//! ```

use core::net::{Ipv4Addr, Ipv6Addr};

/// A running one's-complement sum. Feed it bytes and words, then call
/// [`Accumulator::checksum`] for the value to store, or
/// [`Accumulator::is_valid`] to verify data that already holds a checksum.
///
/// Each call to [`Accumulator::add_bytes`] must start on an even byte offset
/// of the summed data (only the last chunk may have odd length).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accumulator(u64);

impl Accumulator {
    /// An empty sum.
    pub const fn new() -> Self {
        Self(0)
    }

    /// Adds `data`, treating an odd last byte as padded with a zero byte.
    #[must_use]
    pub fn add_bytes(self, data: &[u8]) -> Self {
        Self(self.0 + sum_bytes(data))
    }

    /// Adds one 16-bit word.
    #[must_use]
    pub const fn add_u16(self, word: u16) -> Self {
        Self(self.0 + word as u64)
    }

    /// Adds a 32-bit value as two 16-bit words.
    #[must_use]
    pub const fn add_u32(self, value: u32) -> Self {
        Self(self.0 + (value >> 16) as u64 + (value & 0xffff) as u64)
    }

    /// The folded 16-bit one's-complement sum (not yet complemented).
    pub const fn folded(self) -> u16 {
        fold(self.0)
    }

    /// The checksum to store: the complement of the folded sum.
    pub const fn checksum(self) -> u16 {
        !fold(self.0)
    }

    /// Whether data that includes its checksum field sums to all ones.
    pub const fn is_valid(self) -> bool {
        fold(self.0) == 0xffff
    }
}

/// Folds a wide one's-complement sum to 16 bits.
pub const fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // The loop leaves at most 0xffff.
    #[allow(clippy::cast_possible_truncation)]
    {
        sum as u16
    }
}

/// The unfolded sum of `data` as big-endian 16-bit words, odd byte padded.
fn sum_bytes(data: &[u8]) -> u64 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        // Two 32-bit halves: each fits, and 2^32 additions cannot overflow u64.
        acc += u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        acc += u64::from(u32::from_be_bytes([c[4], c[5], c[6], c[7]]));
    }
    let mut rest = chunks.remainder().chunks_exact(2);
    for w in &mut rest {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = rest.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// The Internet checksum of `data` (the value to store in a zeroed field).
pub fn checksum(data: &[u8]) -> u16 {
    Accumulator::new().add_bytes(data).checksum()
}

/// Whether `data`, which contains its own checksum field, verifies.
pub fn is_valid(data: &[u8]) -> bool {
    Accumulator::new().add_bytes(data).is_valid()
}

/// The IPv4 pseudo-header used by UDP and TCP: addresses, protocol, length.
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> Accumulator {
    Accumulator::new()
        .add_u32(src.to_bits())
        .add_u32(dst.to_bits())
        .add_u16(u16::from(protocol))
        .add_u16(length)
}

/// The IPv6 pseudo-header (RFC 8200 §8.1) used by ICMPv6, UDP and TCP.
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, length: u32) -> Accumulator {
    Accumulator::new()
        .add_bytes(&src.octets())
        .add_bytes(&dst.octets())
        .add_u32(length)
        .add_u16(u16::from(next_header))
}

/// The new checksum after one 16-bit word of the summed data changes from
/// `old_word` to `new_word` (RFC 1624 eqn. 3: `HC' = ~(~HC + ~m + m')`).
pub const fn update(old_checksum: u16, old_word: u16, new_word: u16) -> u16 {
    let sum = (!old_checksum) as u64 + (!old_word) as u64 + new_word as u64;
    !fold(sum)
}

/// The 16-bit word to place in a data field so that the checksum of the data
/// comes out as `wanted`. `sum` covers the data with both the checksum field
/// and the chosen word set to zero. Paris traceroute uses this to keep the
/// ICMP checksum, which ECMP routers hash, constant across probes.
pub const fn word_for_checksum(sum: Accumulator, wanted: u16) -> u16 {
    // A valid message sums to 0xffff: sum + wanted + word == 0xffff.
    !sum.add_u16(wanted).folded()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example words: 0001 f203 f4f5 f6f7 -> sum ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Accumulator::new().add_bytes(&data).folded(), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0xab]), !0xab00);
        assert_eq!(checksum(&[0x12, 0x34, 0xab]), !(0x1234u16 + 0xab00));
    }

    #[test]
    fn every_length_and_split_agrees_with_reference() {
        let data: [u8; 41] =
            core::array::from_fn(|i| u8::try_from(i).unwrap().wrapping_mul(37).wrapping_add(11));
        for len in 0..=data.len() {
            let d = &data[..len];
            let mut r: u32 = 0;
            for (i, b) in d.iter().enumerate() {
                r += if i % 2 == 0 {
                    u32::from(*b) << 8
                } else {
                    u32::from(*b)
                };
            }
            let want = !fold(u64::from(r));
            assert_eq!(checksum(d), want, "len {len}");
            for split in (0..=len).step_by(2) {
                let a = Accumulator::new()
                    .add_bytes(&d[..split])
                    .add_bytes(&d[split..]);
                assert_eq!(a.checksum(), want);
            }
        }
    }

    #[test]
    fn valid_after_filling() {
        let mut msg = [8u8, 0, 0, 0, 0x12, 0x34, 0, 1, b'a', b'b', b'c'];
        let c = checksum(&msg);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(is_valid(&msg));
        msg[9] ^= 1;
        assert!(!is_valid(&msg));
    }

    #[test]
    fn incremental_update_matches_recompute() {
        let mut msg = [8u8, 0, 0, 0, 0x12, 0x34, 0, 1, 9, 9, 7, 7];
        let c = checksum(&msg);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        for new in [0u16, 1, 0xffff, 0x8000, 0x1234, 0xfffe] {
            let old = u16::from_be_bytes([msg[6], msg[7]]);
            let old_c = u16::from_be_bytes([msg[2], msg[3]]);
            msg[6..8].copy_from_slice(&new.to_be_bytes());
            let upd = update(old_c, old, new);
            msg[2..4].copy_from_slice(&upd.to_be_bytes());
            assert!(is_valid(&msg), "after setting {new:#x}");
        }
    }

    #[test]
    fn word_for_checksum_hits_target() {
        let base = [8u8, 0, 0, 0, 0x12, 0x34, 0, 7, 0, 0];
        for wanted in [0x0001u16, 0x1234, 0xfffe, 0x8000, 0xabcd] {
            let mut msg = base;
            let w = word_for_checksum(Accumulator::new().add_bytes(&msg), wanted);
            msg[2..4].copy_from_slice(&wanted.to_be_bytes());
            msg[8..10].copy_from_slice(&w.to_be_bytes());
            assert!(is_valid(&msg), "wanted {wanted:#x}");
        }
    }

    #[test]
    fn pseudo_headers() {
        // UDP over IPv4 example: checksum over pseudo header plus datagram verifies.
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let dst = Ipv4Addr::new(10, 0, 0, 2);
        let mut udp = [0x82u8, 0x9a, 0x82, 0x9b, 0, 10, 0, 0, b'h', b'i'];
        let c = pseudo_header_v4(src, dst, 17, 10)
            .add_bytes(&udp)
            .checksum();
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        assert!(
            pseudo_header_v4(src, dst, 17, 10)
                .add_bytes(&udp)
                .is_valid()
        );
        let s6 = Ipv6Addr::LOCALHOST;
        let mut icmp = [128u8, 0, 0, 0, 0, 1, 0, 1];
        let c = pseudo_header_v6(s6, s6, 58, 8).add_bytes(&icmp).checksum();
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(pseudo_header_v6(s6, s6, 58, 8).add_bytes(&icmp).is_valid());
    }
}
