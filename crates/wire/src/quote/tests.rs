extern crate std;

use super::*;
use proptest::prelude::*;
use std::string::ToString;
use std::vec::Vec;

/// A Linux traceroute UDP probe as sent with TTL 1: 192.0.2.10:45678 ->
/// 198.51.100.8:33434, id 0x8f2c, 32 bytes of data "@A...^_" (60 bytes).
/// Checksums computed independently (Python).
fn v4_probe() -> Vec<u8> {
    let mut d = Vec::from([
        0x45, 0x00, 0x00, 0x3c, 0x8f, 0x2c, 0x00, 0x00, 0x01, 0x11, 0x3e, 0x3f, 0xc0, 0x00, 0x02,
        0x0a, 0xc6, 0x33, 0x64, 0x08, // IPv4
        0xb2, 0x6e, 0x82, 0x9a, 0x00, 0x28, 0xe9, 0x49, // UDP
    ]);
    d.extend(0x40..0x60u8);
    d
}

const V4_SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const V4_DST: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 8);

const V4_IP: QuotedIp = QuotedIp::V4 {
    ihl: 5,
    tos: 0,
    total_length: 60,
    ident: 0x8f2c,
    dont_frag: false,
    more_frags: false,
    frag_offset: 0,
    ttl: 1,
    protocol: 17,
    checksum: 0x3e3f,
    src: V4_SRC,
    dst: V4_DST,
};

const PROBE_UDP: QuotedTransport = QuotedTransport::Udp {
    src_port: 45678,
    dst_port: 33434,
    length: 40,
    checksum: 0xe949,
};

#[test]
fn real_probe_every_truncation_v4() {
    let d = v4_probe();
    for len in 0..=d.len() {
        let got = parse(&d[..len], IpVersion::V4);
        if len < 20 {
            assert_eq!(
                got,
                Err(Malformed::Truncated {
                    what: "quoted IPv4 header",
                    needed: 20,
                    available: len
                })
            );
            continue;
        }
        let q = got.unwrap();
        assert_eq!(q.ip, V4_IP, "len {len}");
        assert_eq!(q.header, &d[..20]);
        assert_eq!(q.payload, &d[20..len]);
        assert_eq!(q.truncated, len < 60, "len {len}");
        let want = (len >= 28).then_some(PROBE_UDP);
        assert_eq!(q.transport, want, "len {len}");
    }
}

#[test]
fn rfc792_quote_of_28_bytes() {
    let d = v4_probe();
    let q = parse(&d[..28], IpVersion::V4).unwrap();
    assert!(q.truncated);
    assert_eq!(q.transport, Some(PROBE_UDP));
    assert_eq!(
        q.probe_identity(),
        ProbeIdentity {
            src: IpAddr::V4(V4_SRC),
            dst: IpAddr::V4(V4_DST),
            protocol: 17,
            ip_ident: Some(0x8f2c),
            flow_label: None,
            hop_limit: 1,
            src_port: Some(45678),
            dst_port: Some(33434),
            tcp_seq: None,
            icmp_ident: None,
            icmp_seq: None,
            transport_checksum: Some(0xe949),
        }
    );
}

#[test]
fn padding_after_the_datagram_is_dropped() {
    // RFC 4884 pads the original datagram to 128 bytes with zeros.
    let mut d = v4_probe();
    d.resize(128, 0);
    let q = parse(&d, IpVersion::V4).unwrap();
    assert!(!q.truncated);
    assert_eq!(q.payload.len(), 40);
}

#[test]
fn mangled_total_length_is_ignored() {
    let mut d = v4_probe();
    d[2..4].copy_from_slice(&8u16.to_be_bytes());
    let q = parse(&d, IpVersion::V4).unwrap();
    assert!(!q.truncated);
    assert_eq!(q.payload.len(), 40);
    assert_eq!(q.transport, Some(PROBE_UDP));
}

#[test]
fn v4_with_options_and_fragments() {
    // IHL 6 with a Router Alert option, then UDP.
    let mut d = v4_probe();
    d[0] = 0x46;
    d.splice(20..20, [0x94, 4, 0, 0]);
    d[2..4].copy_from_slice(&64u16.to_be_bytes());
    let q = parse(&d[..32], IpVersion::V4).unwrap();
    assert_eq!(q.header.len(), 24);
    assert_eq!(q.transport, Some(PROBE_UDP));
    // A non-first fragment has no transport header.
    d[6..8].copy_from_slice(&0x00b9u16.to_be_bytes());
    let q = parse(&d, IpVersion::V4).unwrap();
    assert!(matches!(
        q.ip,
        QuotedIp::V4 {
            frag_offset: 1480,
            ..
        }
    ));
    assert_eq!(q.transport, None);
}

#[test]
fn tcp_and_icmp_quotes_v4() {
    let mut d = v4_probe()[..20].to_vec();
    d[9] = 6;
    let syn = [
        0xd4, 0x31, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x53, 0xd9, 0x00, 0x00,
    ];
    d.extend(syn);
    for len in 28..=40 {
        let q = parse(&d[..len], IpVersion::V4).unwrap();
        let Some(QuotedTransport::Tcp {
            src_port,
            dst_port,
            seq_number,
            ack_number,
            offset_flags,
            window_len,
            checksum,
        }) = q.transport
        else {
            panic!("{q:?}")
        };
        assert_eq!((src_port, dst_port, seq_number), (54321, 80, 0x0102_0304));
        assert_eq!(ack_number, (len >= 32).then_some(0));
        assert_eq!(offset_flags, (len >= 34).then_some(0xa002));
        assert_eq!(window_len, (len >= 36).then_some(64240));
        assert_eq!(checksum, (len >= 38).then_some(0x53d9));
        let id = q.probe_identity();
        assert_eq!(id.tcp_seq, Some(0x0102_0304));
        assert_eq!(id.transport_checksum, checksum);
    }
    // An echo request quoted by a router: ping id 0x1c2b, seq 7.
    d.truncate(20);
    d[9] = 1;
    d.extend([8, 0, 0xab, 0xcd, 0x1c, 0x2b, 0x00, 0x07]);
    let q = parse(&d, IpVersion::V4).unwrap();
    assert_eq!(
        q.transport,
        Some(QuotedTransport::Icmp {
            version: IpVersion::V4,
            msg_type: 8,
            code: 0,
            checksum: 0xabcd,
            ident: 0x1c2b,
            seq_no: 7
        })
    );
    let id = q.probe_identity();
    assert_eq!(
        (id.icmp_ident, id.icmp_seq, id.src_port),
        (Some(0x1c2b), Some(7), None)
    );
    // Unknown protocol: Other, even with nothing after the header.
    d.truncate(20);
    d[9] = 47;
    let q = parse(&d, IpVersion::V4).unwrap();
    assert_eq!(q.transport, Some(QuotedTransport::Other { protocol: 47 }));
}

#[test]
fn malformed_v4() {
    let d = v4_probe();
    let mut bad = d.clone();
    bad[0] = 0x44;
    assert_eq!(
        parse(&bad, IpVersion::V4).unwrap_err().to_string(),
        "quoted IPv4 header: IHL 4 is below the minimum of 5"
    );
    bad[0] = 0x4f;
    assert_eq!(
        parse(&bad[..20], IpVersion::V4).unwrap_err(),
        Malformed::Overrun {
            what: "quoted IPv4 header",
            field: "IHL",
            claimed: 60,
            available: 20
        }
    );
    assert_eq!(
        parse(&bad[..20], IpVersion::V4).unwrap_err().to_string(),
        "quoted IPv4 header: IHL claims 60 bytes but only 20 are present"
    );
    assert_eq!(
        parse(&d[..19], IpVersion::V4).unwrap_err().to_string(),
        "quoted IPv4 header truncated: needs 20 bytes, only 19 present"
    );
    assert_eq!(
        parse(&v6_probe(), IpVersion::V4).unwrap_err().to_string(),
        "quoted IPv4 header: version 6 is not 4: an IPv6 header quoted inside ICMPv4"
    );
    assert_eq!(
        parse(&d, IpVersion::V6).unwrap_err().to_string(),
        "quoted IPv6 header: version 4 is not 6: an IPv4 header quoted inside ICMPv6"
    );
    bad[0] = 0x55;
    assert_eq!(
        parse(&bad, IpVersion::V4).unwrap_err().to_string(),
        "quoted IPv4 header: version 5 is not 4"
    );
    // The version check needs only the first byte.
    assert!(matches!(
        parse(&[0x60], IpVersion::V4),
        Err(Malformed::Invalid {
            field: "version",
            value: 6,
            ..
        })
    ));
}

const V6_SRC: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_DST: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x88,
];

/// A traceroute6 UDP probe, hop limit 1, flow label 0x9a3f1:
/// `2001:db8::1`:45678 -> `2001:db8:2::8888`:33434, 32 bytes of data.
fn v6_probe() -> Vec<u8> {
    let mut d = Vec::from([0x60, 0x09, 0xa3, 0xf1, 0x00, 0x28, 0x11, 0x01]);
    d.extend(V6_SRC);
    d.extend(V6_DST);
    d.extend([0xb2, 0x6e, 0x82, 0x9a, 0x00, 0x28, 0xf1, 0x92]);
    d.extend(0x40..0x60u8);
    d
}

fn v6_ip(next_header: u8, payload_length: u16, fragment: Option<Fragment>) -> QuotedIp {
    QuotedIp::V6 {
        traffic_class: 0,
        flow_label: 0x9a3f1,
        payload_length,
        hop_limit: 1,
        next_header,
        src: Ipv6Addr::from(V6_SRC),
        dst: Ipv6Addr::from(V6_DST),
        fragment,
    }
}

#[test]
fn real_probe_every_truncation_v6() {
    let d = v6_probe();
    let udp = QuotedTransport::Udp {
        src_port: 45678,
        dst_port: 33434,
        length: 40,
        checksum: 0xf192,
    };
    for len in 0..=d.len() {
        let got = parse(&d[..len], IpVersion::V6);
        if len < 40 {
            assert_eq!(
                got,
                Err(Malformed::Truncated {
                    what: "quoted IPv6 header",
                    needed: 40,
                    available: len
                })
            );
            continue;
        }
        let q = got.unwrap();
        assert_eq!(q.ip, v6_ip(17, 40, None));
        assert_eq!(q.header, &d[..40]);
        assert_eq!(q.payload, &d[40..len]);
        assert_eq!(q.truncated, len < 80);
        assert_eq!(q.transport, (len >= 48).then_some(udp), "len {len}");
    }
    let id = parse(&d, IpVersion::V6).unwrap().probe_identity();
    assert_eq!(id.flow_label, Some(0x9a3f1));
    assert_eq!(id.ip_ident, None);
    assert_eq!(id.hop_limit, 1);
    assert_eq!((id.src_port, id.dst_port), (Some(45678), Some(33434)));
    assert_eq!(id.transport_checksum, Some(0xf192));
    assert_eq!(id.dst, "2001:db8:2::8888".parse::<IpAddr>().unwrap());
}

#[test]
fn v6_payload_length_zero_claims_nothing_only_before_hop_by_hop() {
    // An empty datagram padded to 128 bytes (RFC 4884): the padding is no
    // UDP header.
    let mut d = v6_probe();
    d[4..6].copy_from_slice(&0u16.to_be_bytes());
    d.truncate(40);
    d.resize(128, 0);
    let q = parse(&d, IpVersion::V6).unwrap();
    assert_eq!(
        (q.payload, q.transport, q.truncated),
        (&[][..], None, false)
    );
    assert_eq!(q.probe_identity().src_port, None);
    // A jumbogram (Hop-by-Hop header first) claims nothing: the quote is
    // read to its end.
    let mut jumbo = v6_probe();
    jumbo[4..6].copy_from_slice(&0u16.to_be_bytes());
    jumbo[6] = 0;
    // Hop-by-Hop -> UDP, Jumbo Payload option (type 0xC2, length 4).
    jumbo.splice(40..40, [17, 0, 0xc2, 4, 0, 0, 0, 0x30]);
    let q = parse(&jumbo, IpVersion::V6).unwrap();
    assert_eq!(q.ip.protocol(), 17);
    assert_eq!(q.payload, &jumbo[48..]);
    assert_eq!(q.probe_identity().src_port, Some(45678));
}

/// The probe with a Destination Options header and a first Fragment header
/// (id 0x01020304, M set) before the UDP header.
fn v6_probe_with_extensions() -> Vec<u8> {
    let mut d = v6_probe();
    d[6] = 60;
    d[4..6].copy_from_slice(&56u16.to_be_bytes());
    d.splice(
        40..40,
        [
            44, 0, 1, 4, 0, 0, 0, 0, // Destination Options -> Fragment
            17, 0, 0, 1, 1, 2, 3, 4, // Fragment -> UDP
        ],
    );
    d
}

#[test]
fn extension_headers_every_truncation() {
    let d = v6_probe_with_extensions();
    let frag = Fragment {
        offset: 0,
        more: true,
        ident: 0x0102_0304,
    };
    for len in 40..=d.len() {
        let q = parse(&d[..len], IpVersion::V6).unwrap();
        let (nh, start, fragment) = match len {
            40..48 => (60, 40, None),
            48..56 => (44, 48, None),
            _ => (17, 56, Some(frag)),
        };
        assert_eq!(q.ip, v6_ip(nh, 56, fragment), "len {len}");
        assert_eq!(q.header, &d[..start]);
        assert_eq!(q.payload, &d[start..len]);
        assert_eq!(q.truncated, len < d.len());
        assert_eq!(q.transport.is_some(), len >= 64, "len {len}");
    }
    // A non-first fragment: no transport header.
    let mut d = d;
    d[50..52].copy_from_slice(&0x05c8u16.to_be_bytes());
    let q = parse(&d, IpVersion::V6).unwrap();
    assert_eq!(q.transport, None);
    assert_eq!(q.ip.protocol(), 17);
}

#[test]
fn icmpv6_echo_quote() {
    let mut d = v6_probe()[..40].to_vec();
    d[4..6].copy_from_slice(&16u16.to_be_bytes());
    d[6] = 58;
    d.extend([128, 0, 0x6a, 0xef, 0x1c, 0x2b, 0, 1]);
    d.extend(b"abcdefgh");
    let q = parse(&d, IpVersion::V6).unwrap();
    assert!(!q.truncated);
    assert_eq!(
        q.transport,
        Some(QuotedTransport::Icmp {
            version: IpVersion::V6,
            msg_type: 128,
            code: 0,
            checksum: 0x6aef,
            ident: 0x1c2b,
            seq_no: 1
        })
    );
}

#[test]
fn hundred_extension_headers_quoted() {
    let mut d = v6_probe()[..40].to_vec();
    d[6] = 60;
    d[4..6].copy_from_slice(&800u16.to_be_bytes());
    for i in 0..100 {
        d.extend([if i == 99 { 17 } else { 60 }, 0, 1, 4, 0, 0, 0, 0]);
    }
    assert_eq!(
        parse(&d, IpVersion::V6).unwrap_err().to_string(),
        "more than 16 IPv6 extension headers: refusing to walk further"
    );
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120), v6 in any::<bool>()) {
        let version = if v6 { IpVersion::V6 } else { IpVersion::V4 };
        let mut bytes = bytes;
        if let Some(b) = bytes.first_mut() {
            *b = (version.number() << 4) | (*b & 0x0f);
        }
        if let Ok(q) = parse(&bytes, version) {
            let _ = q.probe_identity();
            prop_assert!(q.payload.len() + q.header.len() <= bytes.len());
        }
    }
}

#[test]
fn quote_from_an_rfc4884_body() {
    // Time Exceeded body from an MPLS router: the probe padded to 128 bytes
    // (length attribute 32 words), then an extension header and an MPLS
    // label stack object (label 16005, TTL 1).
    let mut body = v4_probe();
    body.resize(128, 0);
    let mut ext = Vec::from([0x20, 0, 0, 0, 0, 8, 1, 1, 0x03, 0xe8, 0x51, 0x01]);
    let c = crate::checksum::checksum(&ext);
    ext[2..4].copy_from_slice(&c.to_be_bytes());
    body.extend(&ext);
    let parts = crate::extension::split(&body, 32, 4).unwrap();
    assert_eq!(parts.extension, Some(&ext[..]));
    let q = parse(parts.original, IpVersion::V4).unwrap();
    assert!(!q.truncated);
    assert_eq!(q.payload, &v4_probe()[20..]);
    assert_eq!(q.transport, Some(PROBE_UDP));
}
