//! The link type table and the IP packet cut; each header family's own
//! tests are beside its view.

use super::*;

/// A 28-byte IPv4 packet (20-byte header + 8-byte ICMP echo request).
pub(super) const V4: [u8; 28] = [
    0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0,
    2, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
];

/// A 48-byte IPv6 packet (40-byte header + 8-byte ICMPv6 echo request).
pub(super) fn v6() -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0, 0, 8, 58, 64];
    p.extend_from_slice(&[0xfd; 16]);
    p.extend_from_slice(&[0xfe; 16]);
    p.extend_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]);
    p
}

#[test]
fn link_type_codes_round_trip() {
    let codes = [
        0, 1, 9, 50, 101, 104, 108, 113, 129, 226, 228, 229, 242, 276,
    ];
    for code in codes {
        assert_eq!(LinkType::from_code(code).code(), code);
        assert!(
            !matches!(LinkType::from_code(code), LinkType::Other(_)),
            "{code}"
        );
    }
    assert_eq!(LinkType::from_code(147).code(), 147);
    assert_eq!(LinkType::from_code(12), LinkType::RawIp);
    assert_eq!(LinkType::from_code(14), LinkType::RawIp);
    assert_eq!(LinkType::from_code(147), LinkType::Other(147));
    let known: Vec<u32> = LinkType::known().map(LinkType::code).collect();
    let mut sorted = known.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, codes);
}

#[test]
fn link_type_names() {
    let names = [
        (LinkType::LinuxSll2, "Linux cooked v2 (SLL2) (276)"),
        (LinkType::Ppp, "PPP (9)"),
        (LinkType::PppHdlc, "PPP in HDLC-like framing (50)"),
        (LinkType::CiscoHdlc, "Cisco HDLC (104)"),
        (LinkType::ArcnetLinux, "ARCNET (Linux) (129)"),
        (LinkType::Ipnet, "Solaris ipnet (226)"),
        (LinkType::Ipoib, "IP over InfiniBand (242)"),
        (LinkType::Other(147), "link type (147)"),
    ];
    for (link, name) in names {
        assert_eq!(link.to_string(), name);
    }
}

#[test]
fn raw_ip_forms() {
    assert_eq!(network_layer(LinkType::RawIp, &V4), Some(&V4[..]));
    assert_eq!(network_layer(LinkType::RawIp, &v6()), Some(&v6()[..]));
    assert_eq!(network_layer(LinkType::Ipv4, &V4), Some(&V4[..]));
    assert_eq!(network_layer(LinkType::Ipv4, &v6()), None);
    assert_eq!(network_layer(LinkType::Ipv6, &v6()), Some(&v6()[..]));
    assert_eq!(network_layer(LinkType::Ipv6, &V4), None);
    assert_eq!(network_layer(LinkType::RawIp, &[0x50; 20]), None);
    assert_eq!(network_layer(LinkType::RawIp, &[]), None);
}

#[test]
fn truncated_or_lying_lengths_keep_what_was_captured() {
    // Header says 28 but only 24 were captured: keep the 24.
    assert_eq!(network_layer(LinkType::RawIp, &V4[..24]), Some(&V4[..24]));
    // Only the version byte.
    assert_eq!(network_layer(LinkType::RawIp, &V4[..1]), Some(&V4[..1]));
    // Total length below the header size: not trusted, keep everything.
    let mut bad = V4;
    bad[3] = 4;
    assert_eq!(network_layer(LinkType::RawIp, &bad), Some(&bad[..]));
    // IPv6 jumbogram (payload length 0): keep everything.
    let mut jumbo = v6();
    jumbo[5] = 0;
    assert_eq!(network_layer(LinkType::RawIp, &jumbo), Some(&jumbo[..]));
}

#[test]
fn other_link_types_carry_nothing_we_know() {
    assert_eq!(network_layer(LinkType::Other(147), &V4), None);
}

/// No view panics or reads past its frame on any short prefix of any bytes.
#[test]
fn every_view_survives_every_short_frame() {
    let patterns: [&[u8]; 4] = [&[0; 64], &[0xff; 64], &[0x0f, 0, 0x08, 0, 0x45], &V4];
    for link in LinkType::known() {
        for pattern in patterns {
            for len in 0..=pattern.len() {
                let frame = &pattern[..len];
                if let Some(ip) = network_layer(link, frame) {
                    let start = ip.as_ptr() as usize - frame.as_ptr() as usize;
                    assert!(start + ip.len() <= frame.len(), "{link}");
                }
            }
        }
    }
}
