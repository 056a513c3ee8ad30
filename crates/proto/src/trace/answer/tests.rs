use super::*;

use std::net::Ipv4Addr;

use icmpkit_wire::checksum;
use icmpkit_wire::extension::{InterfaceInformation, ObjectRepr, RawObject, emit_structure};
use icmpkit_wire::ip::{AddressPair, protocol};

use crate::trace::testing::{ip_datagram, v4, v6};
use crate::trace::{Method, ProbeSpec, Prober, ProberConfig};

const ROUTER: u8 = 254;

fn dst_for(version: IpVersion) -> IpAddr {
    match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9)),
        IpVersion::V6 => v6(0x99),
    }
}

fn src_for(version: IpVersion) -> IpAddr {
    match version {
        IpVersion::V4 => v4(1),
        IpVersion::V6 => v6(1),
    }
}

/// A UDP Paris probe number 5 on flow 3, quoted with TTL 1 as a router
/// does (the whole datagram).
fn quoted_udp_probe(version: IpVersion) -> Vec<u8> {
    let prober = Prober::new(&ProberConfig {
        method: Method::Udp,
        src: src_for(version),
        dst: dst_for(version),
        paris: true,
        key: 0x4b1d,
        src_port_base: 33_000,
        dst_port: 33_434,
        transport_len: 32,
    })
    .unwrap();
    let mut probe = Vec::new();
    prober.build(
        ProbeSpec {
            number: 5,
            ttl: 1,
            flow: 3,
        },
        &mut probe,
    );
    ip_datagram(src_for(version), dst_for(version), protocol::UDP, 1, &probe)
}

/// What [`quoted_udp_probe`] reads back as.
fn expected_identity(version: IpVersion) -> ProbeIdentity {
    ProbeIdentity {
        src: src_for(version),
        dst: dst_for(version),
        protocol: protocol::UDP,
        ip_ident: (version == IpVersion::V4).then_some(0x1234),
        flow_label: (version == IpVersion::V6).then_some(0),
        hop_limit: 1,
        src_port: Some(33_003),
        dst_port: Some(33_434),
        tcp_seq: None,
        icmp_ident: None,
        icmp_seq: None,
        // Paris UDP: the checksum carries the number plus one.
        transport_checksum: Some(6),
    }
}

/// An ICMPv4 message with a valid checksum: type, code, the four bytes
/// after the checksum, then `body`.
fn icmpv4(msg_type: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type, code, 0, 0];
    out.extend_from_slice(&rest);
    out.extend_from_slice(body);
    let sum = checksum::checksum(&out);
    out[2..4].copy_from_slice(&sum.to_be_bytes());
    out
}

/// An ICMPv6 message from the router to the prober, checksum filled.
fn icmpv6(msg_type: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type, code, 0, 0];
    out.extend_from_slice(&rest);
    out.extend_from_slice(body);
    let pair = AddressPair::new(v6(u16::from(ROUTER)), src_for(IpVersion::V6)).unwrap();
    let sum = pair.sum(protocol::ICMPV6, &out).checksum();
    out[2..4].copy_from_slice(&sum.to_be_bytes());
    out
}

fn error(bytes: &[u8], version: IpVersion) -> (Outcome, ProbeIdentity, Option<&[u8]>) {
    match read_icmp(version, bytes) {
        Some(IcmpAnswer::Error {
            outcome,
            quoted,
            extension,
        }) => (outcome, quoted, extension),
        other => panic!("not an error: {other:?}"),
    }
}

fn unreachable(version: IpVersion, msg_type: u8, code: u8, mtu: Option<u32>) -> Outcome {
    Outcome::Unreachable {
        version,
        msg_type,
        code,
        mtu,
    }
}

#[test]
fn icmpv4_time_exceeded_is_a_hop_with_the_quoted_probe() {
    let quote = quoted_udp_probe(IpVersion::V4);
    let msg = icmpv4(11, 0, [0; 4], &quote);
    let (outcome, quoted, extension) = error(&msg, IpVersion::V4);
    assert_eq!(outcome, Outcome::Hop);
    assert_eq!(quoted, expected_identity(IpVersion::V4));
    assert_eq!(extension, None);
    // An RFC 792 quote (IP header and 8 bytes) reads the same.
    let short = icmpv4(11, 0, [0; 4], &quote[..28]);
    assert_eq!(
        error(&short, IpVersion::V4).1,
        expected_identity(IpVersion::V4)
    );
}

#[test]
fn icmpv4_destination_unreachable_codes() {
    let quote = quoted_udp_probe(IpVersion::V4);
    let v4_ = IpVersion::V4;
    let cases: [(u8, [u8; 4], Outcome, Option<&str>); 4] = [
        (3, [0; 4], Outcome::Reached, None),
        (1, [0; 4], unreachable(v4_, 3, 1, None), Some("!H")),
        (13, [0; 4], unreachable(v4_, 3, 13, None), Some("!X")),
        // Fragmentation Needed, next-hop MTU 1280 (0x0500).
        (
            4,
            [0, 0, 0x05, 0x00],
            unreachable(v4_, 3, 4, Some(1280)),
            Some("!F-1280"),
        ),
    ];
    for (code, rest, expected, annotation) in cases {
        let msg = icmpv4(3, code, rest, &quote);
        let (outcome, quoted, _) = error(&msg, v4_);
        assert_eq!(outcome, expected, "code {code}");
        assert_eq!(outcome.annotation().as_deref(), annotation, "code {code}");
        assert!(outcome.is_final(), "code {code}");
        assert_eq!(quoted, expected_identity(v4_), "code {code}");
    }
    // A Parameter Problem ends the trace too.
    let msg = icmpv4(12, 0, [20, 0, 0, 0], &quote);
    assert_eq!(error(&msg, v4_).0, unreachable(v4_, 12, 0, None));
}

#[test]
fn icmpv6_errors() {
    let v6_ = IpVersion::V6;
    let quote = quoted_udp_probe(v6_);
    let time_exceeded = icmpv6(3, 0, [0; 4], &quote);
    let (outcome, quoted, extension) = error(&time_exceeded, v6_);
    assert_eq!((outcome, extension), (Outcome::Hop, None));
    assert_eq!(quoted, expected_identity(v6_));

    let too_big = icmpv6(2, 0, 1280u32.to_be_bytes(), &quote);
    let outcome = error(&too_big, v6_).0;
    assert_eq!(outcome, unreachable(v6_, 2, 0, Some(1280)));
    assert_eq!(outcome.annotation().as_deref(), Some("!F-1280"));

    let prohibited = icmpv6(1, 1, [0; 4], &quote);
    let outcome = error(&prohibited, v6_).0;
    assert_eq!(outcome, unreachable(v6_, 1, 1, None));
    assert_eq!(outcome.annotation().as_deref(), Some("!X"));

    let port = icmpv6(1, 4, [0; 4], &quote);
    assert_eq!(error(&port, v6_).0, Outcome::Reached);

    let parameter = icmpv6(4, 1, 6u32.to_be_bytes(), &quote);
    let outcome = error(&parameter, v6_).0;
    assert_eq!(outcome, unreachable(v6_, 4, 1, None));
    assert_eq!(outcome.annotation().as_deref(), Some("!P"));
}

#[test]
fn echo_replies() {
    let reply = icmpv4(0, 0, [0x4b, 0x1d, 0, 7], b"@ABCDEFG");
    assert_eq!(
        read_icmp(IpVersion::V4, &reply),
        Some(IcmpAnswer::EchoReply {
            ident: 0x4b1d,
            seq: 7
        })
    );
    let reply = icmpv6(129, 0, [0x4b, 0x1d, 0x01, 0x00], b"@ABCDEFG");
    assert_eq!(
        read_icmp(IpVersion::V6, &reply),
        Some(IcmpAnswer::EchoReply {
            ident: 0x4b1d,
            seq: 256
        })
    );
}

#[test]
fn messages_that_say_nothing_of_the_path() {
    let quote = quoted_udp_probe(IpVersion::V4);
    // Echo Request, Source Quench, Redirect.
    for (msg_type, code) in [(8, 0), (4, 0), (5, 1)] {
        let msg = icmpv4(msg_type, code, [0; 4], &quote);
        assert_eq!(read_icmp(IpVersion::V4, &msg), None, "type {msg_type}");
    }
    // ICMPv6 Echo Request.
    let msg = icmpv6(128, 0, [0; 4], b"abcd");
    assert_eq!(read_icmp(IpVersion::V6, &msg), None);
    // An IPv6 quote inside ICMPv4, and the reverse.
    let v6_quote = quoted_udp_probe(IpVersion::V6);
    assert_eq!(
        read_icmp(IpVersion::V4, &icmpv4(11, 0, [0; 4], &v6_quote)),
        None
    );
    assert_eq!(
        read_icmp(IpVersion::V6, &icmpv6(3, 0, [0; 4], &quote)),
        None
    );
}

/// label 24001, TC 0, S 1, TTL 1.
const LABEL: MplsLabel = MplsLabel {
    label: 24_001,
    tc: 0,
    bottom_of_stack: true,
    ttl: 1,
};

fn interface() -> InterfaceInformation<'static> {
    InterfaceInformation {
        role: InterfaceRole::IncomingIpInterface,
        ifindex: Some(7),
        address: Some(v4(ROUTER)),
        name: Some(b"ge-0/0/1"),
        mtu: Some(1500),
    }
}

/// A Time Exceeded with an RFC 4884 extension structure.
fn time_exceeded_with_extensions(objects: &[ObjectRepr<'_>]) -> Vec<u8> {
    let mut structure = vec![0; 512];
    let len = emit_structure(objects, &mut structure, true);
    structure.truncate(len);
    let quote = quoted_udp_probe(IpVersion::V4);
    let repr = icmpv4::Repr::TimeExceeded {
        code: icmpv4::TimeExceeded::from(0),
        original: &quote,
        extension: Some(&structure),
    };
    let mut msg = vec![0xa5; repr.buffer_len()];
    repr.emit(&mut icmpv4::Packet::new_unchecked(&mut msg[..]));
    msg
}

#[test]
fn mpls_and_interface_extensions() {
    let labels = [LABEL];
    let msg = time_exceeded_with_extensions(&[
        ObjectRepr::Mpls(&labels),
        ObjectRepr::InterfaceInformation(interface()),
    ]);
    // The MPLS entry as it sits on the wire: 24001 << 12 | S | TTL 1.
    let entry = [0x05, 0xdc, 0x11, 0x01];
    assert!(msg.windows(4).any(|w| w == entry));
    let (outcome, quoted, extension) = error(&msg, IpVersion::V4);
    assert_eq!(outcome, Outcome::Hop);
    // RFC 4884 pads the quote to 128 bytes: the identity is unchanged.
    assert_eq!(quoted, expected_identity(IpVersion::V4));
    let extensions = read_extensions(extension.expect("an extension structure"));
    assert_eq!(
        extensions,
        vec![
            Extension::Mpls(vec![LABEL]),
            Extension::Interface {
                role: InterfaceRole::IncomingIpInterface,
                ifindex: Some(7),
                address: Some(v4(ROUTER)),
                name: Some("ge-0/0/1".to_owned()),
                mtu: Some(1500),
            },
        ]
    );
}

#[test]
fn other_and_malformed_extension_objects() {
    let raw = RawObject {
        class_num: 200,
        c_type: 9,
        data: &[1, 2, 3, 4],
    };
    let msg = time_exceeded_with_extensions(&[ObjectRepr::Unknown(raw)]);
    let (_, _, extension) = error(&msg, IpVersion::V4);
    assert_eq!(
        read_extensions(extension.unwrap()),
        vec![Extension::Other {
            class: 200,
            c_type: 9
        }]
    );

    // A structure whose only object claims more bytes than there are.
    let mut bytes = vec![0x20, 0, 0, 0, 0, 12, 1, 1, 0x05, 0xdc, 0x11, 0x01];
    let sum = checksum::checksum(&bytes);
    bytes[2..4].copy_from_slice(&sum.to_be_bytes());
    let read = read_extensions(&bytes);
    assert_eq!(read.len(), 1);
    assert!(matches!(&read[0], Extension::Malformed(why) if !why.is_empty()));

    // Too short for a header, or not version 2.
    for bad in [&[][..], &[0x20, 0][..], &[0x10, 0, 0, 0][..]] {
        let read = read_extensions(bad);
        assert_eq!(read.len(), 1, "{bad:?}");
        assert!(matches!(&read[0], Extension::Malformed(_)), "{bad:?}");
    }
}

#[test]
fn an_error_whose_rfc_4884_length_runs_past_the_end_still_answers_its_probe() {
    // Time Exceeded (v4, length in 32-bit words at byte 5) and Destination
    // Unreachable (v6, 64-bit words at byte 4) claiming 255 words of quote.
    let v4_msg = icmpv4(11, 0, [0, 255, 0, 0], &quoted_udp_probe(IpVersion::V4));
    let v6_msg = icmpv6(1, 4, [255, 0, 0, 0], &quoted_udp_probe(IpVersion::V6));
    for (version, msg, outcome) in [
        (IpVersion::V4, v4_msg, Outcome::Hop),
        (IpVersion::V6, v6_msg, Outcome::Reached),
    ] {
        assert!(Message::parse(version, &msg).is_err(), "{version:?}");
        let (read, quoted, extension) = error(&msg, version);
        assert_eq!(read, outcome, "{version:?}");
        assert_eq!(quoted, expected_identity(version), "{version:?}");
        assert_eq!(extension, None, "{version:?}");
    }
    // A length under 128 bytes with bytes after it: the same.
    let labels = [LABEL];
    let mut msg = time_exceeded_with_extensions(&[ObjectRepr::Mpls(&labels)]);
    msg[5] = 1;
    msg[2..4].fill(0);
    let sum = checksum::checksum(&msg);
    msg[2..4].copy_from_slice(&sum.to_be_bytes());
    let (read, quoted, extension) = error(&msg, IpVersion::V4);
    assert_eq!(
        (read, quoted, extension),
        (Outcome::Hop, expected_identity(IpVersion::V4), None)
    );
    // Types without a length attribute are not read this way.
    let echo = icmpv4(0, 0, [0, 255, 0, 0], &[]);
    assert_eq!(read_icmp(IpVersion::V4, &echo[..6]), None);
}

#[test]
fn truncated_and_garbage_never_panic() {
    let labels = [LABEL];
    let messages = [
        (
            IpVersion::V4,
            icmpv4(11, 0, [0; 4], &quoted_udp_probe(IpVersion::V4)),
        ),
        (
            IpVersion::V4,
            time_exceeded_with_extensions(&[ObjectRepr::Mpls(&labels)]),
        ),
        (
            IpVersion::V6,
            icmpv6(3, 0, [0; 4], &quoted_udp_probe(IpVersion::V6)),
        ),
        (
            IpVersion::V6,
            icmpv6(2, 0, [0, 0, 5, 0], &quoted_udp_probe(IpVersion::V6)),
        ),
    ];
    for (version, msg) in &messages {
        assert!(read_icmp(*version, msg).is_some());
        let ip_header = if *version == IpVersion::V4 { 20 } else { 40 };
        for cut in 0..msg.len() {
            let read = read_icmp(*version, &msg[..cut]);
            // Without the quoted IP header there is nothing to match.
            if cut < 8 + ip_header {
                assert_eq!(read, None, "{version:?} cut at {cut}");
            }
            if let Some(IcmpAnswer::Error {
                extension: Some(ext),
                ..
            }) = read
            {
                let _ = read_extensions(ext);
            }
        }
    }
    // A deterministic stream of garbage, with the type bytes forced to
    // errors sometimes.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_be_bytes()[0]
    };
    for round in 0..2000 {
        let len = usize::from(next()) % 200;
        let mut bytes: Vec<u8> = (0..len).map(|_| next()).collect();
        if round % 2 == 0 && len > 8 {
            bytes[0] = [3, 11, 12, 1, 2, 3][round % 6];
        }
        if round % 4 == 0 && len > 8 {
            bytes[8] = 0x45;
        }
        for version in [IpVersion::V4, IpVersion::V6] {
            if let Some(IcmpAnswer::Error {
                extension: Some(ext),
                ..
            }) = read_icmp(version, &bytes)
            {
                let _ = read_extensions(ext);
            }
        }
        let _ = read_extensions(&bytes);
    }
}

#[test]
fn annotations_for_every_code() {
    let v4_ = IpVersion::V4;
    let v6_ = IpVersion::V6;
    let note = |version, msg_type, code, mtu| {
        unreachable(version, msg_type, code, mtu)
            .annotation()
            .unwrap()
    };
    let v4_codes = [
        "!N", "!H", "!P", "!<3>", "!F-1400", "!S", "!N", "!H", "!N", "!X", "!X", "!N", "!H", "!X",
        "!V", "!C", "!<16>",
    ];
    for (code, expected) in (0u8..).zip(v4_codes) {
        assert_eq!(note(v4_, 3, code, Some(1400)), expected, "ICMPv4 3/{code}");
    }
    assert_eq!(note(v4_, 3, 4, None), "!F-0");
    assert_eq!(note(v4_, 12, 0, None), "!<0>");
    assert_eq!(note(v4_, 12, 2, None), "!<2>");

    let v6_codes = ["!N", "!X", "!S", "!H", "!<4>", "!X", "!X", "!<7>"];
    for (code, expected) in (0u8..).zip(v6_codes) {
        assert_eq!(note(v6_, 1, code, None), expected, "ICMPv6 1/{code}");
    }
    assert_eq!(note(v6_, 2, 0, Some(1280)), "!F-1280");
    assert_eq!(note(v6_, 4, 1, None), "!P");
    assert_eq!(note(v6_, 4, 0, None), "!<0>");
    // ICMPv4 codes do not leak into ICMPv6 and back.
    assert_eq!(note(v6_, 3, 14, None), "!<14>");
    assert_eq!(note(v4_, 1, 1, None), "!<1>");

    assert_eq!(Outcome::Hop.annotation(), None);
    assert_eq!(Outcome::Reached.annotation(), None);
    assert!(!Outcome::Hop.is_final());
    assert!(Outcome::Reached.is_final());
}

#[test]
fn return_hops_are_reckoned_as_tracepath_reckons_them() {
    // A neighbour's packet: one hop, whatever its initial TTL.
    assert_eq!(return_hops(64), 1);
    assert_eq!(return_hops(128), 1);
    assert_eq!(return_hops(255), 1);
    // Four routers on the way back from a Linux host (64).
    assert_eq!(return_hops(60), 5);
    // From 128 (Windows) and 255 (many routers).
    assert_eq!(return_hops(120), 9);
    assert_eq!(return_hops(250), 6);
    assert_eq!(return_hops(129), 127);
    assert_eq!(return_hops(1), 64);
    assert_eq!(return_hops(0), 65);
}

#[test]
fn linux_errnos_of_answers() {
    use crate::errno::{
        EACCES, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EMSGSIZE, ENETUNREACH, ENOPROTOOPT, EPROTO,
    };
    let of = |version, msg_type, code| {
        Outcome::of_error(version, msg_type, code, None)
            .unwrap()
            .linux_errno()
    };
    let (v4, v6) = (IpVersion::V4, IpVersion::V6);
    assert_eq!(of(v4, 11, 0), EHOSTUNREACH);
    assert_eq!(of(v6, 3, 0), EHOSTUNREACH);
    assert_eq!(of(v4, 3, 3), ECONNREFUSED);
    assert_eq!(of(v6, 1, 4), ECONNREFUSED);
    assert_eq!(of(v4, 3, 4), EMSGSIZE);
    assert_eq!(of(v6, 2, 0), EMSGSIZE);
    assert_eq!(of(v4, 3, 0), ENETUNREACH);
    assert_eq!(of(v4, 3, 1), EHOSTUNREACH);
    assert_eq!(of(v4, 3, 2), ENOPROTOOPT);
    assert_eq!(of(v4, 3, 7), EHOSTDOWN);
    // ICMPv4's administratively prohibited is a host unreachable to the
    // socket; ICMPv6's is a permission error.
    assert_eq!(of(v4, 3, 13), EHOSTUNREACH);
    assert_eq!(of(v6, 1, 1), EACCES);
    assert_eq!(of(v6, 1, 3), EHOSTUNREACH);
    assert_eq!(of(v6, 1, 9), EPROTO);
    assert_eq!(of(v4, 12, 0), EPROTO);
    assert_eq!(of(v6, 4, 0), EPROTO);
    assert_eq!(Outcome::Hop.linux_errno(), EHOSTUNREACH);
    assert_eq!(Outcome::Reached.linux_errno(), ECONNREFUSED);
}
