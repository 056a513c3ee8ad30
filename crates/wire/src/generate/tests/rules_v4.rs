//! The ICMPv4 refusal rules, each with a real-looking offending datagram,
//! and RFC 4884 extensions.

use std::string::ToString;
use std::vec;

use super::*;
use crate::extension::{ExtensionStructure, MplsLabel, Object, ObjectRepr, RawObject};
use crate::ip::{IpVersion, protocol};

const HOST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

pub(super) fn v4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let repr = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: proto,
        payload_len: payload.len(),
        ttl: 1,
        dscp: 0,
        ecn: 0,
        ident: 0x4242,
        dont_frag: true,
        more_frags: false,
        frag_offset: 0,
        options: &[],
    };
    let mut b = vec![0; repr.buffer_len()];
    repr.emit(&mut ipv4::Packet::new_unchecked(&mut b[..]));
    b[20..].copy_from_slice(payload);
    b
}

/// A UDP header and `data_len` bytes of data (checksum left arbitrary: the
/// rules do not read it).
pub(super) fn udp(src_port: u16, dst_port: u16, data_len: usize) -> Vec<u8> {
    let len = u16::try_from(8 + data_len).unwrap();
    let mut b = vec![0x5a; 8 + data_len];
    b[..8].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0xbe, 0xef]);
    b[..2].copy_from_slice(&src_port.to_be_bytes());
    b[2..4].copy_from_slice(&dst_port.to_be_bytes());
    b[4..6].copy_from_slice(&len.to_be_bytes());
    b
}

fn icmp(repr: &icmpv4::Repr<'_>) -> Vec<u8> {
    let mut b = vec![0; repr.buffer_len()];
    repr.emit(&mut icmpv4::Packet::new_unchecked(&mut b[..]));
    b
}

fn udp_probe() -> Vec<u8> {
    v4(HOST, SERVER, protocol::UDP, &udp(45678, 33434, 32))
}

#[test]
fn port_unreachable_about_port_unreachable_is_refused() {
    // The router's own Port Unreachable, as Linux sent it, coming back.
    let offending = hex(LINUX_V4_PU_TOSB8);
    assert_refused(
        &offending,
        PORT_UNREACHABLE,
        Context::default(),
        Refusal::ErrorAboutError {
            version: IpVersion::V4,
            msg_type: 3,
        },
        "the offending datagram is itself an ICMP error (type 3) (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)",
    );
    for msg_type in [3u8, 4, 5, 11, 12] {
        let mut body = vec![0u8; 36];
        body[0] = msg_type;
        let offending = v4(HOST, SERVER, protocol::ICMP, &body);
        assert_eq!(
            refusal(&offending, TTL_EXCEEDED, Context::default()),
            Refusal::ErrorAboutError {
                version: IpVersion::V4,
                msg_type
            }
        );
    }
}

#[test]
fn echo_and_other_informational_messages_get_errors() {
    let echo = icmp(&icmpv4::Repr::EchoRequest {
        ident: 0x1f2e,
        seq_no: 7,
        data: b"abcdefgh",
    });
    let offending = v4(HOST, SERVER, protocol::ICMP, &echo);
    let got = build4(&offending, TTL_EXCEEDED, &Options::default()).unwrap();
    assert_eq!(got.len(), 20 + 8 + 36);
    assert_sound(&got, &offending);
    let id = quoted_probe_identity(&got);
    assert_eq!((id.icmp_ident, id.icmp_seq), (Some(0x1f2e), Some(7)));
    // Timestamp, Router Solicitation, an unassigned type: not errors.
    for msg_type in [13u8, 10, 200, 0] {
        let offending = v4(
            HOST,
            SERVER,
            protocol::ICMP,
            &[msg_type, 0, 0, 0, 0, 0, 0, 0],
        );
        assert!(build4(&offending, TTL_EXCEEDED, &Options::default()).is_ok());
    }
    // An ICMP datagram without even a type byte cannot be shown not to be
    // an error.
    let offending = v4(HOST, SERVER, protocol::ICMP, &[]);
    assert_eq!(
        refusal(&offending, TTL_EXCEEDED, Context::default()),
        Refusal::MalformedOffending(Malformed::Truncated {
            what: "ICMPv4 header",
            needed: 1,
            available: 0
        })
    );
}

#[test]
fn non_initial_fragment_is_refused_first_fragment_is_not() {
    let mut offending = udp_probe();
    let mut view = ipv4::Packet::new_unchecked(&mut offending[..]);
    view.set_more_frags(true);
    view.fill_checksum();
    let got = build4(&offending, TTL_EXCEEDED, &Options::default()).unwrap();
    assert_sound(&got, &offending);
    let mut view = ipv4::Packet::new_unchecked(&mut offending[..]);
    view.set_frag_offset(1480);
    view.fill_checksum();
    assert_refused(
        &offending,
        TTL_EXCEEDED,
        Context::default(),
        Refusal::NonInitialFragment {
            version: IpVersion::V4,
            offset: 1480,
        },
        "the offending datagram is a non-initial fragment (offset 1480) (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)",
    );
    // A non-initial fragment of an ICMP echo: its "type byte" is data.
    let offending = {
        let mut p = v4(HOST, SERVER, protocol::ICMP, &[3; 16]);
        let mut view = ipv4::Packet::new_unchecked(&mut p[..]);
        view.set_frag_offset(8);
        view.fill_checksum();
        p
    };
    assert!(matches!(
        refusal(&offending, TTL_EXCEEDED, Context::default()),
        Refusal::NonInitialFragment { offset: 8, .. }
    ));
}

#[test]
fn broadcast_and_multicast_destinations_are_refused() {
    for dst in [
        Ipv4Addr::new(224, 0, 0, 1),
        Ipv4Addr::BROADCAST,
        Ipv4Addr::new(239, 1, 2, 3),
    ] {
        let offending = v4(HOST, dst, protocol::UDP, &udp(5353, 5353, 20));
        let r = refusal(&offending, PORT_UNREACHABLE, Context::default());
        assert_eq!(
            r,
            Refusal::DestinationBroadcastOrMulticast {
                destination: IpAddr::V4(dst)
            }
        );
    }
    assert_eq!(
        Refusal::DestinationBroadcastOrMulticast {
            destination: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 1))
        }
        .to_string(),
        "the offending datagram was sent to the broadcast or multicast address 224.0.0.1 (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)"
    );
    // A directed broadcast only the router's configuration reveals.
    let offending = v4(
        HOST,
        Ipv4Addr::new(198, 51, 100, 255),
        protocol::UDP,
        &udp(1, 2, 0),
    );
    assert!(build4(&offending, PORT_UNREACHABLE, &Options::default()).is_ok());
    let context = Context {
        destination_is_broadcast: true,
        ..Context::default()
    };
    assert!(matches!(
        refusal(&offending, PORT_UNREACHABLE, context),
        Refusal::DestinationBroadcastOrMulticast { .. }
    ));
}

#[test]
fn link_layer_broadcast_and_multicast_are_refused() {
    assert_link_layer_refused(&udp_probe(), TTL_EXCEEDED);
    let r = refusal(
        &udp_probe(),
        TTL_EXCEEDED,
        Context {
            link_layer: LinkLayer::Broadcast,
            ..Context::default()
        },
    );
    assert_eq!(
        r.to_string(),
        "the offending datagram arrived as a link-layer broadcast (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)"
    );
}

#[test]
fn sources_that_are_not_a_single_host_are_refused() {
    let cases = [
        (Ipv4Addr::UNSPECIFIED, "in 0.0.0.0/8 (\"this network\")"),
        (Ipv4Addr::new(0, 1, 2, 3), "in 0.0.0.0/8 (\"this network\")"),
        (
            Ipv4Addr::LOCALHOST,
            "a loopback address from outside this node",
        ),
        (
            Ipv4Addr::new(127, 9, 9, 9),
            "a loopback address from outside this node",
        ),
        (Ipv4Addr::new(224, 0, 0, 5), "a multicast address"),
        (Ipv4Addr::BROADCAST, "the limited broadcast address"),
        (Ipv4Addr::new(240, 0, 0, 1), "a reserved (class E) address"),
    ];
    for (src, why) in cases {
        let offending = v4(src, SERVER, protocol::UDP, &udp(68, 67, 300));
        assert_eq!(
            refusal(&offending, PORT_UNREACHABLE, Context::default()),
            Refusal::SourceNotAUniqueHost {
                source: IpAddr::V4(src),
                why
            },
            "{src}"
        );
    }
    assert_eq!(
        Refusal::SourceNotAUniqueHost {
            source: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            why: cases[0].1
        }
        .to_string(),
        "the offending datagram's source 0.0.0.0 is in 0.0.0.0/8 (\"this network\"), not a single host (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)"
    );
    // Loopback is a single host when the datagram never left this node.
    let offending = v4(
        Ipv4Addr::LOCALHOST,
        Ipv4Addr::LOCALHOST,
        protocol::UDP,
        &udp(1, 9, 4),
    );
    let looped = Context {
        looped_back: true,
        ..Context::default()
    };
    let mut out = [0u8; 100];
    let n = build_v4(
        &offending,
        PORT_UNREACHABLE,
        Ipv4Addr::LOCALHOST,
        looped,
        &Options::default(),
        &mut out,
    )
    .unwrap();
    assert_sound(&out[..n], &offending);
    // A source the node knows to be a directed broadcast.
    let context = Context {
        source_is_not_unique: true,
        ..Context::default()
    };
    assert!(matches!(
        refusal(&udp_probe(), TTL_EXCEEDED, context),
        Refusal::SourceNotAUniqueHost { .. }
    ));
}

#[test]
fn source_quench_is_never_generated() {
    assert_refused(
        &udp_probe(),
        Icmpv4Error::SourceQuench,
        Context::default(),
        Refusal::SourceQuenchDeprecated,
        "Source Quench is deprecated and must not be generated (RFC 6633 §3)",
    );
    // Even about garbage: the reason is refused before the bytes are read.
    assert_eq!(
        refusal(&[], Icmpv4Error::SourceQuench, Context::default()),
        Refusal::SourceQuenchDeprecated
    );
}

#[test]
fn unreadable_offending_datagrams_are_refused() {
    let good = udp_probe();
    let malformed = |bytes: &[u8]| match refusal(bytes, TTL_EXCEEDED, Context::default()) {
        Refusal::MalformedOffending(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        malformed(&good[..19]),
        Malformed::Truncated {
            what: "IPv4 header",
            needed: 20,
            available: 19
        }
    );
    assert!(matches!(
        malformed(&good[..59]),
        Malformed::Overrun {
            field: "total length",
            claimed: 60,
            available: 59,
            ..
        }
    ));
    let mut bad = good.clone();
    bad[0] = 0x44;
    assert!(matches!(
        malformed(&bad),
        Malformed::Invalid {
            field: "IHL",
            value: 4,
            ..
        }
    ));
    // An IPv6 packet given for an ICMPv4 error.
    let v6 = hex(LINUX_V6_PROBE);
    assert!(matches!(
        malformed(&v6),
        Malformed::Invalid {
            field: "version",
            value: 6,
            ..
        }
    ));
    let mut bad = good.clone();
    bad[8] = 2; // TTL changed, checksum not updated
    let r = refusal(&bad, TTL_EXCEEDED, Context::default());
    assert_eq!(
        r,
        Refusal::BadHeaderChecksum {
            found: u16::from_be_bytes([good[10], good[11]])
        }
    );
    assert!(
        r.to_string()
            .contains("does not verify (RFC 1812 §5.2.2, §4.3.2.7)")
    );
}

#[test]
fn redirect_and_parameter_problem_and_frag_needed_fields() {
    let probe = udp_probe();
    let gateway = Ipv4Addr::new(192, 0, 2, 1);
    let got = build4(
        &probe,
        Icmpv4Error::Redirect {
            code: icmpv4::Redirect::ForHost,
            gateway,
        },
        &Options::default(),
    )
    .unwrap();
    assert_sound(&got, &probe);
    assert_eq!(&got[20..28], &[5, 1, got[22], got[23], 192, 0, 2, 1]);
    let got = build4(
        &probe,
        Icmpv4Error::ParameterProblem {
            code: icmpv4::ParameterProblem::PointerIndicatesError,
            pointer: 9,
        },
        &Options::default(),
    )
    .unwrap();
    assert_eq!(&got[20..22], &[12, 0]);
    assert_eq!(&got[24..28], &[9, 0, 0, 0]);
    let frag_needed = |code| Icmpv4Error::DestinationUnreachable {
        code,
        next_hop_mtu: 1400,
    };
    let got = build4(
        &probe,
        frag_needed(icmpv4::DestinationUnreachable::FragmentationNeeded),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(&got[20..22], &[3, 4]);
    assert_eq!(&got[24..28], &[0, 0, 0x05, 0x78]);
    let got = build4(
        &probe,
        frag_needed(icmpv4::DestinationUnreachable::HostUnreachable),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(&got[24..28], &[0, 0, 0, 0], "MTU only for code 4");
    // TTL and identification as given; outer header as RFC 1812 wants.
    let options = Options {
        hop_limit: 255,
        ident: 0xabcd,
        ..Options::default()
    };
    let got = build4(&probe, TTL_EXCEEDED, &options).unwrap();
    let view = ipv4::Packet::new_checked(&got[..]).unwrap();
    assert_eq!(
        (view.ttl(), view.ident(), view.dont_frag()),
        (255, 0xabcd, false)
    );
    assert_eq!((view.dscp() << 2 | view.ecn(), view.protocol()), (0xc0, 1));
    assert_eq!((view.src_addr(), view.dst_addr()), (ROUTER_V4, HOST));
}

const LABELS: [MplsLabel; 2] = [
    MplsLabel {
        label: 16_004,
        tc: 0,
        bottom_of_stack: false,
        ttl: 1,
    },
    MplsLabel {
        label: 24_001,
        tc: 5,
        bottom_of_stack: true,
        ttl: 1,
    },
];

#[test]
fn mpls_extension_on_a_short_datagram_pads_to_128() {
    let probe = udp_probe();
    let objects = [ObjectRepr::Mpls(&LABELS)];
    let options = Options {
        extensions: &objects,
        ..Options::default()
    };
    let got = build4(&probe, TTL_EXCEEDED, &options).unwrap();
    // 20 + 8 + 128 + header 4 + object 4 + 2 labels.
    assert_eq!(got.len(), 20 + 8 + 128 + 4 + 4 + 8);
    assert_eq!(got[20 + 5], 32, "length attribute: 128 bytes in words");
    assert_eq!(assert_sound(&got, &probe), 60);
    let icmp = icmpv4::Packet::new_checked(&got[20..]).unwrap();
    let Ok(icmpv4::Repr::TimeExceeded {
        original,
        extension: Some(ext),
        ..
    }) = icmpv4::Repr::parse(&icmp)
    else {
        panic!("not an extended Time Exceeded");
    };
    assert_eq!(original.len(), 128);
    assert_eq!(&original[..60], &probe[..]);
    assert!(original[60..].iter().all(|b| *b == 0));
    let ext = ExtensionStructure::new_checked(ext).unwrap();
    assert_eq!(
        ext.checksum_status(),
        crate::extension::ChecksumStatus::Valid
    );
    let found: Vec<_> = ext.objects().map(Result::unwrap).collect();
    assert_eq!(found.len(), 1);
    assert!(found[0] == objects[0]);
    assert!(matches!(found[0], Object::Mpls(_)));
    let d = dissect(&got).unwrap();
    assert!(d.extension().unwrap().is_ok());
}

#[test]
fn extension_shortens_the_quote_to_stay_within_576() {
    let probe = linux_big_v4_probe();
    let objects = [ObjectRepr::Mpls(&LABELS)];
    let options = Options {
        extensions: &objects,
        ..Options::default()
    };
    let got = build4(&probe, TTL_EXCEEDED, &options).unwrap();
    // 548 - 16 bytes of extension = 532 bytes of quote, a whole number of
    // words.
    assert_eq!(got.len(), 576);
    assert_eq!(got[25], 133);
    assert_eq!(assert_sound(&got, &probe), 532);
    // An odd-length datagram is padded to a word.
    let odd = v4(HOST, SERVER, protocol::UDP, &udp(1, 2, 123));
    assert_eq!(odd.len(), 151);
    let got = build4(&odd, TTL_EXCEEDED, &options).unwrap();
    assert_eq!(got[25], 38);
    assert_eq!(got.len(), 20 + 8 + 152 + 16);
    assert_eq!(assert_sound(&got, &odd), 151);
}

#[test]
fn extensions_only_where_allowed_and_when_they_fit() {
    let objects = [ObjectRepr::Mpls(&LABELS)];
    let options = Options {
        extensions: &objects,
        ..Options::default()
    };
    let redirect = Icmpv4Error::Redirect {
        code: icmpv4::Redirect::ForNetwork,
        gateway: ROUTER_V4,
    };
    let r = build4(&udp_probe(), redirect, &options).unwrap_err();
    assert_eq!(
        r,
        Refusal::ExtensionsNotAllowed {
            version: IpVersion::V4,
            msg_type: 5
        }
    );
    assert_eq!(
        r.to_string(),
        "ICMPv4 type 5 cannot carry RFC 4884 extension objects (RFC 4884 §4)"
    );
    let data = [0u8; 413];
    let big = [ObjectRepr::Unknown(RawObject {
        class_num: 200,
        c_type: 1,
        data: &data,
    })];
    let options = Options {
        extensions: &big,
        ..Options::default()
    };
    let r = build4(&udp_probe(), PORT_UNREACHABLE, &options).unwrap_err();
    assert_eq!(
        r,
        Refusal::ExtensionsTooLarge {
            needed: 577,
            limit: 576
        }
    );
    // One byte less fits exactly.
    let big = [ObjectRepr::Unknown(RawObject {
        class_num: 200,
        c_type: 1,
        data: &data[..412],
    })];
    let options = Options {
        extensions: &big,
        ..Options::default()
    };
    let got = build4(&linux_big_v4_probe(), PORT_UNREACHABLE, &options).unwrap();
    assert_eq!(got.len(), 576);
    assert_eq!(assert_sound(&got, &linux_big_v4_probe()), 128);
}
