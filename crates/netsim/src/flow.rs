//! The flow hash of an ECMP router.

use icmpkit_wire::ip::protocol;

use crate::answer::addr_bits;
use crate::packet::Header;
use crate::rng::mix;

/// The hash an ECMP router computes over a packet's flow, salted per hop:
/// addresses, protocol (and IPv6 flow label), and the UDP/TCP ports or the
/// ICMP checksum and identifier. An IPv4 fragment hashes without ports
/// (only the first holds them), as Linux does, so that every fragment of a
/// datagram takes one path; an IPv6 fragment's protocol is the Fragment
/// header, which has none either.
pub(crate) fn flow_hash(header: &Header, packet: &[u8], salt: u64) -> u64 {
    let fragment = header.src.is_ipv4()
        && packet
            .get(6..8)
            .is_some_and(|f| u16::from_be_bytes([f[0], f[1]]) & 0x3fff != 0);
    let transport = packet.get(header.transport_at..).unwrap_or(&[]);
    let word = |range: std::ops::Range<usize>| {
        transport.get(range).map_or(0, |b| {
            b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
        })
    };
    let ports = if fragment {
        0
    } else if header.is_icmp() {
        // Checksum and identifier (bytes 2..6).
        word(2..6)
    } else if matches!(header.protocol, protocol::UDP | protocol::TCP) {
        word(0..4)
    } else {
        0
    };
    let mut h = mix(salt ^ addr_bits(header.src));
    h = mix(h ^ addr_bits(header.dst));
    h = mix(h ^ (u64::from(header.protocol) << 32 | u64::from(header.flow_label)));
    mix(h ^ ports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::tests::echo;

    #[test]
    fn fragments_of_a_datagram_hash_alike_whatever_their_bytes() {
        let mut first = echo("198.51.100.1", "203.0.113.10", 64, 64, false);
        // More fragments, offset 0; then a later fragment, offset 64.
        first[6] = 0x20;
        let mut later = first.clone();
        later[6..8].copy_from_slice(&8u16.to_be_bytes());
        later[20..].fill(0xab);
        let h = |p: &[u8]| flow_hash(&Header::parse(p).unwrap(), p, 9);
        assert_eq!(h(&first), h(&later));
        // Whole datagrams of two identifiers differ.
        let a = echo("198.51.100.1", "203.0.113.10", 64, 64, false);
        let mut b = a.clone();
        b[24] ^= 1;
        assert_ne!(h(&a), h(&b));
    }
}
