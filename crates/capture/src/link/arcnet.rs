//! ARCNET frames with the Linux pseudo header (link type 129), laid out as
//! tcpdump's `arc_linux_header` and Wireshark's `dissect_arcnet_linux` read
//! them: source (1), destination (1), offset (2), protocol id (1); RFC 1201
//! protocols (all but the RFC 1051 ones and diagnostics) add a split flag (1)
//! and a sequence number (2). Linux hands over reassembled packets, so there
//! are no exception frames.

use super::{Carried, Expect};

const PROTOCOL_AT: usize = 4;
/// Header length of the RFC 1051 protocols.
const SHORT_LEN: usize = 5;
/// Header length of the RFC 1201 protocols (with split flag and sequence).
const LONG_LEN: usize = 8;

/// RFC 1201 IPv4.
const IPV4: u8 = 0xd4;
/// RFC 1051 (old-style) IPv4.
const IPV4_RFC1051: u8 = 0xf0;
/// IPv6 (BSD's `ARCTYPE_INET6`).
const IPV6: u8 = 0xc4;

/// ARCNET with the Linux pseudo header.
pub(super) fn linux(data: &[u8]) -> Option<Carried<'_>> {
    let (expect, len) = match *data.get(PROTOCOL_AT)? {
        IPV4 => (Expect::V4, LONG_LEN),
        IPV4_RFC1051 => (Expect::V4, SHORT_LEN),
        IPV6 => (Expect::V6, LONG_LEN),
        _ => return None,
    };
    Some(Carried::Ip(expect, data.get(len..)?))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{V4, v6};
    use super::super::{LinkType, network_layer};

    /// Source 0x01, destination 0x02, offset 0, then `rest` of the header.
    fn arcnet(rest: &[u8], payload: &[u8]) -> Vec<u8> {
        [&[0x01, 0x02, 0x00, 0x00][..], rest, payload].concat()
    }

    #[test]
    fn arcnet_linux() {
        let p6 = v6();
        let rfc1201 = arcnet(&[0xd4, 0x00, 0x00, 0x07], &V4);
        assert_eq!(
            network_layer(LinkType::ArcnetLinux, &rfc1201),
            Some(&V4[..])
        );
        let rfc1051 = arcnet(&[0xf0], &V4);
        assert_eq!(
            network_layer(LinkType::ArcnetLinux, &rfc1051),
            Some(&V4[..])
        );
        let ipv6 = arcnet(&[0xc4, 0x00, 0x00, 0x08], &p6);
        assert_eq!(network_layer(LinkType::ArcnetLinux, &ipv6), Some(&p6[..]));
    }

    #[test]
    fn arcnet_linux_skips_others_and_cut_headers() {
        // RFC 1201 ARP, IPX, IPv4 labelled IPv6.
        for rest in [&[0xd5, 0, 0, 0][..], &[0xfa, 0, 0, 0], &[0xc4, 0, 0, 0]] {
            assert_eq!(
                network_layer(LinkType::ArcnetLinux, &arcnet(rest, &V4)),
                None
            );
        }
        let frame = arcnet(&[0xd4, 0x00, 0x00, 0x07], &V4);
        for len in 0..=8 {
            assert_eq!(
                network_layer(LinkType::ArcnetLinux, &frame[..len]),
                None,
                "{len}"
            );
        }
    }
}
