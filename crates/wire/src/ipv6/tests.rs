extern crate std;

use super::*;
use crate::ip::protocol;
use proptest::prelude::*;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

/// The IPv6 header of a UDP traceroute probe (hop limit 1, traffic class
/// 0xb8 = DSCP EF, flow label 0x12345), `2001:db8::1` -> `2001:db8::2`, with an
/// 8-byte UDP header and 8 bytes of data.
const HEADER: [u8; 40] = [
    0x6b, 0x81, 0x23, 0x45, 0x00, 0x10, 0x11, 0x01, // ver/tc/flow, len 16, UDP, hop 1
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // src
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // dst
];

fn datagram() -> Vec<u8> {
    let mut d = HEADER.to_vec();
    d.extend([0x82, 0x9a, 0x82, 0x9b, 0, 16, 0x12, 0x34]);
    d.extend(b"@ABCDEFG");
    d
}

fn repr() -> Repr {
    Repr {
        src_addr: "2001:db8::1".parse().unwrap(),
        dst_addr: "2001:db8::2".parse().unwrap(),
        next_header: 17,
        payload_len: 16,
        hop_limit: 1,
        traffic_class: 0xb8,
        flow_label: 0x12345,
    }
}

#[test]
fn deconstruct() {
    let d = datagram();
    let p = Packet::new_checked(&d[..]).unwrap();
    assert_eq!(p.version(), 6);
    assert_eq!(p.traffic_class(), 0xb8);
    assert_eq!(p.flow_label(), 0x12345);
    assert_eq!(p.payload_len(), 16);
    assert_eq!(p.next_header(), 17);
    assert_eq!(p.hop_limit(), 1);
    assert_eq!(p.src_addr(), repr().src_addr);
    assert_eq!(p.dst_addr(), repr().dst_addr);
    assert_eq!(p.payload(), &d[40..]);
    let up = p.upper_layer().unwrap();
    assert_eq!((up.protocol, up.offset, up.fragment), (17, 0, None));
}

#[test]
fn construct() {
    let mut buf = vec![0xa5u8; 56];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version(6);
    p.set_traffic_class(0xb8);
    p.set_flow_label(0x12345);
    p.set_payload_len(16);
    p.set_next_header(17);
    p.set_hop_limit(1);
    p.set_src_addr(repr().src_addr);
    p.set_dst_addr(repr().dst_addr);
    p.payload_mut().copy_from_slice(&datagram()[40..]);
    assert_eq!(buf, datagram());
}

#[test]
fn parse_and_emit() {
    let d = datagram();
    assert_eq!(
        Repr::parse(&Packet::new_checked(&d[..]).unwrap()).unwrap(),
        repr()
    );
    let mut buf = [0xa5u8; 56];
    repr().emit(&mut Packet::new_unchecked(&mut buf[..]));
    assert_eq!(&buf[..40], &HEADER);
    assert!(buf[40..].iter().all(|&b| b == 0xa5));
    let mut v4 = d.clone();
    v4[0] = 0x4b;
    assert_eq!(
        Repr::parse(&Packet::new_checked(&v4[..]).unwrap())
            .unwrap_err()
            .to_string(),
        "IPv6 header: version 4 is not 6"
    );
}

#[test]
fn check_len_every_truncation() {
    let d = datagram();
    for len in 0..d.len() {
        let want = if len < 40 {
            Malformed::Truncated {
                what: "IPv6 header",
                needed: 40,
                available: len,
            }
        } else {
            Malformed::Overrun {
                what: "IPv6 header",
                field: "payload length",
                claimed: 56,
                available: len,
            }
        };
        assert_eq!(
            Packet::new_checked(&d[..len]).unwrap_err(),
            want,
            "len {len}"
        );
        if len >= 40 {
            let p = Packet::new_checked_lax(&d[..len]).unwrap();
            assert_eq!(p.payload_lax(), &d[40..len]);
        }
    }
}

/// Hop-by-Hop (8 bytes: `PadN`, Router Alert), Routing (24 bytes, segments
/// left 0), Fragment (offset 0, M, id 0xdeadbeef), Destination Options (8),
/// AH (payload length 4: 24 bytes), then a UDP header at offset 72.
fn chain() -> Vec<u8> {
    let mut c = Vec::new();
    c.extend([43, 0, 5, 2, 0, 0, 1, 0]); // HBH -> Routing, PadN + RA
    c.extend([44, 2, 0, 0, 0, 0, 0, 0]); // Routing -> Fragment, 24 bytes
    c.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    c.extend([60, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef]); // Fragment -> DstOpt
    c.extend([51, 0, 1, 4, 0, 0, 0, 0]); // DstOpt -> AH
    c.extend([17, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7]); // AH -> UDP, (4+2)*4 = 24
    c.extend([0; 12]);
    c.extend([0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0]);
    c
}

#[test]
fn walks_every_extension_kind() {
    let c = chain();
    let up = walk_extensions(protocol::HOP_BY_HOP, &c).unwrap();
    assert_eq!(
        up,
        UpperLayer {
            protocol: 17,
            offset: 72,
            fragment: Some(Fragment {
                offset: 0,
                more: true,
                ident: 0xdead_beef
            }),
            routing: Some(8),
            extension_headers: 5,
            complete: true,
        }
    );
    for nh in [protocol::MOBILITY, protocol::HIP, protocol::SHIM6] {
        let h = [59, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let up = walk_extensions(nh, &h).unwrap();
        assert_eq!((up.protocol, up.offset), (59, 16), "{nh}");
    }
}

#[test]
fn stops_at_esp_no_next_and_later_fragments() {
    for nh in [protocol::ESP, protocol::NO_NEXT_HEADER, 6, 58] {
        let up = walk_extensions(nh, &[]).unwrap();
        assert_eq!((up.protocol, up.offset, up.extension_headers), (nh, 0, 0));
    }
    // A non-first fragment: what follows is data, not a Hop-by-Hop header.
    let h = [0, 0, 0x05, 0xc8, 0, 0, 0, 1, 0xff];
    let up = walk_extensions(protocol::FRAGMENT, &h).unwrap();
    assert_eq!(up.protocol, 0);
    assert_eq!(up.offset, 8);
    assert_eq!(
        up.fragment,
        Some(Fragment {
            offset: 1480,
            more: false,
            ident: 1
        })
    );
}

fn dest_opts_chain(n: usize) -> Vec<u8> {
    let mut c = Vec::new();
    for i in 0..n {
        let next = if i + 1 == n {
            17
        } else {
            protocol::DESTINATION_OPTIONS
        };
        c.extend([next, 0, 1, 4, 0, 0, 0, 0]);
    }
    c
}

#[test]
fn chain_limit() {
    let c = dest_opts_chain(MAX_EXTENSION_HEADERS);
    let up = walk_extensions(protocol::DESTINATION_OPTIONS, &c).unwrap();
    assert_eq!((up.protocol, up.offset), (17, 128));
    let too_many = Malformed::TooMany {
        what: "IPv6 extension headers",
        limit: 16,
    };
    for n in [MAX_EXTENSION_HEADERS + 1, 100] {
        let c = dest_opts_chain(n);
        assert_eq!(
            walk_extensions(protocol::DESTINATION_OPTIONS, &c),
            Err(too_many)
        );
        assert_eq!(
            walk_extensions_lax(protocol::DESTINATION_OPTIONS, &c),
            Err(too_many)
        );
    }
    assert_eq!(
        too_many.to_string(),
        "more than 16 IPv6 extension headers: refusing to walk further"
    );
}

#[test]
fn hundred_headers_inside_a_packet() {
    let chain = dest_opts_chain(100);
    let mut d = HEADER.to_vec();
    d[4..6].copy_from_slice(&u16::try_from(chain.len()).unwrap().to_be_bytes());
    d[6] = protocol::DESTINATION_OPTIONS;
    d.extend(chain);
    let p = Packet::new_checked(&d[..]).unwrap();
    assert!(matches!(
        p.upper_layer(),
        Err(Malformed::TooMany { limit: 16, .. })
    ));
}

#[test]
fn overrun_and_truncation() {
    let c = chain();
    for len in 0..72 {
        let err = walk_extensions(protocol::HOP_BY_HOP, &c[..len]).unwrap_err();
        let (start, nh, hlen): (usize, u8, usize) = match len {
            0..8 => (0, 0, 8),
            8..32 => (8, 43, 24),
            32..40 => (32, 44, 8),
            40..48 => (40, 60, 8),
            _ => (48, 51, 24),
        };
        let what = match nh {
            0 => "IPv6 Hop-by-Hop Options header",
            43 => "IPv6 Routing header",
            44 => "IPv6 Fragment header",
            60 => "IPv6 Destination Options header",
            _ => "IPv6 Authentication Header",
        };
        let available = len - start;
        let want = if available < 2 && nh != 44 {
            Malformed::Truncated {
                what,
                needed: 2,
                available,
            }
        } else {
            Malformed::Overrun {
                what,
                field: match nh {
                    44 => "fixed length",
                    51 => "payload length",
                    _ => "header extension length",
                },
                claimed: hlen,
                available,
            }
        };
        assert_eq!(err, want, "len {len}");
        let lax = walk_extensions_lax(protocol::HOP_BY_HOP, &c[..len]).unwrap();
        assert!(!lax.complete);
        assert_eq!((lax.protocol, lax.offset), (nh, start), "len {len}");
    }
    assert_eq!(
        walk_extensions(protocol::ROUTING, &[17, 200, 0, 0])
            .unwrap_err()
            .to_string(),
        "IPv6 Routing header: header extension length claims 1608 bytes but only 4 are present"
    );
}

proptest! {
    #[test]
    fn round_trip(s in any::<[u8; 16]>(), d in any::<[u8; 16]>(), nh in any::<u8>(),
                  len in 0..3000usize, hop in any::<u8>(), tc in any::<u8>(), fl in 0..0x10_0000u32) {
        let r = Repr {
            src_addr: Ipv6Addr::from(s),
            dst_addr: Ipv6Addr::from(d),
            next_header: nh,
            payload_len: len,
            hop_limit: hop,
            traffic_class: tc,
            flow_label: fl,
        };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]));
        prop_assert_eq!(Repr::parse(&Packet::new_checked(&buf[..]).unwrap()).unwrap(), r);
    }

    #[test]
    fn agrees_with_etherparse(mut bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Some(b) = bytes.first_mut() {
            *b = 0x60 | (*b & 0x0f);
        }
        let ours = Packet::new_checked_lax(&bytes[..]);
        let theirs = etherparse::Ipv6HeaderSlice::from_slice(&bytes);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok());
        if let (Ok(p), Ok(e)) = (ours, theirs) {
            prop_assert_eq!(p.version(), e.version());
            prop_assert_eq!(p.traffic_class(), e.traffic_class());
            prop_assert_eq!(p.flow_label(), e.flow_label().value());
            prop_assert_eq!(p.payload_len(), e.payload_length());
            prop_assert_eq!(p.next_header(), e.next_header().0);
            prop_assert_eq!(p.hop_limit(), e.hop_limit());
            prop_assert_eq!(p.src_addr(), e.source_addr());
            prop_assert_eq!(p.dst_addr(), e.destination_addr());
        }
    }

    #[test]
    fn walk_never_panics(nh in any::<u8>(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let strict = walk_extensions(nh, &bytes);
        let lax = walk_extensions_lax(nh, &bytes);
        if let Ok(up) = strict {
            prop_assert!(up.offset <= bytes.len());
            prop_assert_eq!(lax, Ok(up));
        }
    }
}
