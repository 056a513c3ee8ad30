//! One group per message: deconstruct (getters on known bytes), construct
//! (setters on a 0xa5 buffer), parse, emit, and `check_len`.

use core::net::Ipv4Addr;

use super::vectors::*;
use super::*;

// ---- Echo Request / Echo Reply (Linux ping) ----

#[test]
fn echo_deconstruct() {
    let p = Packet::new_checked(&LINUX_ECHO_REQUEST[..]).unwrap();
    assert_eq!(p.msg_type(), Message::EchoRequest);
    assert_eq!(p.msg_code(), 0);
    assert_eq!(p.checksum(), 0xf57c);
    assert_eq!(p.echo_ident(), 0x228e);
    assert_eq!(p.echo_seq_no(), 1);
    assert_eq!(p.data().len(), 56);
    assert_eq!(p.data()[16..], (0x10..0x38).collect::<Vec<u8>>()[..]);
    let p = Packet::new_checked(&LINUX_ECHO_REPLY[..]).unwrap();
    assert_eq!(p.msg_type(), Message::EchoReply);
    assert_eq!(p.checksum(), 0xfd7c);
    assert_eq!(p.data(), &LINUX_ECHO_REQUEST[8..]);
}

#[test]
fn echo_construct() {
    for (t, v) in [
        (Message::EchoRequest, LINUX_ECHO_REQUEST),
        (Message::EchoReply, LINUX_ECHO_REPLY),
    ] {
        let out = construct(v.len(), |p| {
            p.set_msg_type(t);
            p.set_msg_code(0);
            p.set_echo_ident(0x228e);
            p.set_echo_seq_no(1);
            p.data_mut().copy_from_slice(&LINUX_ECHO_REQUEST[8..]);
        });
        assert_eq!(out, v);
    }
}

#[test]
fn echo_parse_emit_check_len() {
    let data = &LINUX_ECHO_REQUEST[8..];
    let (ident, seq_no) = (0x228e, 1);
    assert_parse_emit(
        &LINUX_ECHO_REQUEST,
        &Repr::EchoRequest {
            ident,
            seq_no,
            data,
        },
    );
    assert_parse_emit(
        &LINUX_ECHO_REPLY,
        &Repr::EchoReply {
            ident,
            seq_no,
            data,
        },
    );
    assert_truncations(&LINUX_ECHO_REPLY, "ICMPv4 header", 8);
}

#[test]
fn echo_with_unknown_code_is_kept_raw() {
    assert_parse_emit(
        &ECHO_WITH_CODE_1,
        &Repr::Unknown {
            msg_type: 8,
            code: 1,
            rest_of_header: [0, 1, 0, 2],
            data: b"xy",
        },
    );
}

// ---- Destination Unreachable (Linux port unreachable, frag needed) ----

fn linux_frag_needed() -> Vec<u8> {
    let mut v = LINUX_FRAG_NEEDED_HEAD.to_vec();
    v.resize(556, 0x42);
    v
}

#[test]
fn destination_unreachable_deconstruct() {
    let p = Packet::new_checked(&LINUX_PORT_UNREACHABLE[..]).unwrap();
    assert_eq!(p.msg_type(), Message::DestinationUnreachable);
    assert_eq!(
        DestinationUnreachable::from(p.msg_code()),
        DestinationUnreachable::PortUnreachable
    );
    assert_eq!(p.checksum(), 0xc5ee);
    assert_eq!((p.length_attr(), p.next_hop_mtu()), (0, 0));
    // The whole 56-byte datagram is quoted: IPv4 total length 0x38.
    assert_eq!(p.data().len(), 56);
    assert_eq!(p.data()[..4], [0x45, 0x00, 0x00, 0x38]);

    let v = linux_frag_needed();
    let p = Packet::new_checked(&v[..]).unwrap();
    assert_eq!(
        DestinationUnreachable::from(p.msg_code()),
        DestinationUnreachable::FragmentationNeeded
    );
    assert_eq!(p.next_hop_mtu(), 1280);
    assert_eq!(p.length_attr(), 0);
    assert!(p.verify_checksum());
    // The 1428-byte DF datagram, quoted up to the 576-byte limit.
    assert_eq!(p.data()[..4], [0x45, 0x00, 0x05, 0x94]);
    assert_eq!(p.data().len(), 548);
}

#[test]
fn destination_unreachable_construct() {
    let out = construct(LINUX_PORT_UNREACHABLE.len(), |p| {
        p.set_msg_type(Message::DestinationUnreachable);
        p.set_msg_code(DestinationUnreachable::PortUnreachable.into());
        p.set_rest_of_header([0; 4]);
        p.data_mut().copy_from_slice(&LINUX_PORT_UNREACHABLE[8..]);
    });
    assert_eq!(out, LINUX_PORT_UNREACHABLE);
    let v = linux_frag_needed();
    let out = construct(v.len(), |p| {
        p.set_msg_type(Message::DestinationUnreachable);
        p.set_msg_code(4);
        p.set_pointer(0);
        p.set_length_attr(0);
        p.set_next_hop_mtu(1280);
        p.data_mut().copy_from_slice(&v[8..]);
    });
    assert_eq!(out, v);
}

#[test]
fn destination_unreachable_parse_emit_check_len() {
    assert_parse_emit(
        &LINUX_PORT_UNREACHABLE,
        &Repr::DestinationUnreachable {
            code: DestinationUnreachable::PortUnreachable,
            next_hop_mtu: 0,
            original: &LINUX_PORT_UNREACHABLE[8..],
            extension: None,
        },
    );
    let v = linux_frag_needed();
    assert_parse_emit(
        &v,
        &Repr::DestinationUnreachable {
            code: DestinationUnreachable::FragmentationNeeded,
            next_hop_mtu: 1280,
            original: &v[8..],
            extension: None,
        },
    );
    assert_truncations(&LINUX_PORT_UNREACHABLE, "ICMPv4 header", 8);
}

#[test]
fn length_attribute_past_the_end_is_malformed() {
    // Port unreachable claiming a 64-byte original (16 words) of 56.
    let mut v = LINUX_PORT_UNREACHABLE;
    v[5] = 16;
    let e = Repr::parse_bytes(&v).unwrap_err();
    assert_eq!(
        e,
        Malformed::Overrun {
            what: "RFC 4884 original datagram",
            field: "length attribute",
            claimed: 64,
            available: 56
        }
    );
    for t in [11, 12] {
        v[0] = t;
        assert_eq!(Repr::parse_bytes(&v).unwrap_err(), e);
    }
}

#[test]
fn frag_needed_with_extension_keeps_mtu_and_length() {
    let repr = Repr::DestinationUnreachable {
        code: DestinationUnreachable::FragmentationNeeded,
        next_hop_mtu: 1280,
        original: &LINUX_PORT_UNREACHABLE[8..],
        extension: Some(&MPLS_EXTENSION),
    };
    let mut out = vec![0xa5u8; repr.buffer_len()];
    assert_eq!(out.len(), 8 + 128 + 12);
    repr.emit(&mut Packet::new_unchecked(&mut out[..]));
    assert_eq!(out[4..8], [0, 32, 0x05, 0x00]);
    let p = Packet::new_checked(&out[..]).unwrap();
    assert!(p.verify_checksum());
    match Repr::parse(&p).unwrap() {
        Repr::DestinationUnreachable {
            next_hop_mtu,
            original,
            extension,
            ..
        } => {
            assert_eq!(next_hop_mtu, 1280);
            assert_eq!(original.len(), 128);
            assert_eq!(original[..56], LINUX_PORT_UNREACHABLE[8..]);
            assert!(original[56..].iter().all(|b| *b == 0));
            assert_eq!(extension, Some(&MPLS_EXTENSION[..]));
        }
        other => panic!("{other:?}"),
    }
}

// ---- Source Quench ----

#[test]
fn source_quench() {
    let p = Packet::new_checked(&SOURCE_QUENCH[..]).unwrap();
    assert_eq!(p.msg_type(), Message::SourceQuench);
    assert_eq!((p.msg_code(), p.rest_of_header()), (0, [0; 4]));
    assert_eq!(p.data(), &LINUX_PORT_UNREACHABLE[8..36]);
    let out = construct(SOURCE_QUENCH.len(), |p| {
        p.set_msg_type(Message::SourceQuench);
        p.set_msg_code(0);
        p.set_rest_of_header([0; 4]);
        p.data_mut().copy_from_slice(&SOURCE_QUENCH[8..]);
    });
    assert_eq!(out, SOURCE_QUENCH);
    assert_parse_emit(
        &SOURCE_QUENCH,
        &Repr::SourceQuench {
            original: &SOURCE_QUENCH[8..],
        },
    );
    assert_truncations(&SOURCE_QUENCH, "ICMPv4 header", 8);
}

// ---- Redirect ----

#[test]
fn redirect() {
    let gw = Ipv4Addr::new(192, 0, 2, 2);
    let p = Packet::new_checked(&REDIRECT[..]).unwrap();
    assert_eq!(p.msg_type(), Message::Redirect);
    assert_eq!(Redirect::from(p.msg_code()), Redirect::ForHost);
    assert_eq!(p.gateway(), gw);
    assert_eq!(p.data().len(), 28);
    let out = construct(REDIRECT.len(), |p| {
        p.set_msg_type(Message::Redirect);
        p.set_msg_code(Redirect::ForHost.into());
        p.set_gateway(gw);
        p.data_mut().copy_from_slice(&REDIRECT[8..]);
    });
    assert_eq!(out, REDIRECT);
    assert_parse_emit(
        &REDIRECT,
        &Repr::Redirect {
            code: Redirect::ForHost,
            gateway: gw,
            original: &REDIRECT[8..],
        },
    );
    assert_truncations(&REDIRECT, "ICMPv4 header", 8);
}

// ---- Router Advertisement / Solicitation ----

#[test]
fn router_advertisement_deconstruct() {
    let p = Packet::new_checked(&ROUTER_ADVERTISEMENT[..]).unwrap();
    assert_eq!(p.msg_type(), Message::RouterAdvertisement);
    assert_eq!(
        RouterAdvertisement::from(p.msg_code()),
        RouterAdvertisement::Normal
    );
    assert_eq!((p.num_addrs(), p.addr_entry_size()), (2, 2));
    assert_eq!(p.lifetime(), 1800);
    let entries: Vec<_> = p.router_entries().collect();
    assert_eq!(
        entries,
        [
            (Ipv4Addr::new(192, 0, 2, 1), 0),
            (Ipv4Addr::new(192, 0, 2, 9), i32::MIN)
        ]
    );
    // Entry size 3: the third word of each entry is skipped.
    let p = Packet::new_checked(&ROUTER_ADVERTISEMENT_WIDE[..]).unwrap();
    assert_eq!(
        RouterAdvertisement::from(p.msg_code()),
        RouterAdvertisement::DoesNotRouteCommonTraffic
    );
    assert_eq!(p.router_entries().len(), 1);
    assert_eq!(
        p.router_entries().collect::<Vec<_>>(),
        [(Ipv4Addr::new(10, 0, 0, 1), -5)]
    );
}

#[test]
fn router_advertisement_construct() {
    let out = construct(ROUTER_ADVERTISEMENT.len(), |p| {
        p.set_msg_type(Message::RouterAdvertisement);
        p.set_msg_code(0);
        p.set_num_addrs(2);
        p.set_addr_entry_size(2);
        p.set_lifetime(1800);
        let n = RouterEntries::write(
            p.data_mut(),
            [
                (Ipv4Addr::new(192, 0, 2, 1), 0),
                (Ipv4Addr::new(192, 0, 2, 9), i32::MIN),
            ],
        );
        assert_eq!(n, 16);
    });
    assert_eq!(out, ROUTER_ADVERTISEMENT);
}

#[test]
fn router_advertisement_parse_emit_check_len() {
    assert_parse_emit(
        &ROUTER_ADVERTISEMENT,
        &Repr::RouterAdvertisement {
            code: RouterAdvertisement::Normal,
            lifetime: 1800,
            entry_size: 2,
            entries: &ROUTER_ADVERTISEMENT[8..],
        },
    );
    assert_parse_emit(
        &ROUTER_ADVERTISEMENT_WIDE,
        &Repr::RouterAdvertisement {
            code: RouterAdvertisement::DoesNotRouteCommonTraffic,
            lifetime: 30,
            entry_size: 3,
            entries: &ROUTER_ADVERTISEMENT_WIDE[8..],
        },
    );
    assert_truncations(&ROUTER_ADVERTISEMENT, "ICMPv4 Router Advertisement", 24);
    assert_truncations(
        &ROUTER_ADVERTISEMENT_WIDE,
        "ICMPv4 Router Advertisement",
        20,
    );
}

#[test]
fn router_advertisement_rejects_bad_counts() {
    let mut v = ROUTER_ADVERTISEMENT;
    v[5] = 1;
    assert_eq!(
        Packet::new_checked(&v[..]).unwrap_err(),
        Malformed::Invalid {
            what: "ICMPv4 Router Advertisement",
            field: "address entry size",
            value: 1,
            rule: "is below the minimum of 2 words"
        }
    );
    let mut v = ROUTER_ADVERTISEMENT;
    v[4] = 0;
    assert_eq!(
        Repr::parse_bytes(&v).unwrap_err(),
        Malformed::Invalid {
            what: "ICMPv4 Router Advertisement",
            field: "number of addresses",
            value: 0,
            rule: "is below the minimum of 1"
        }
    );
    // Entries past the announced count are not part of the Repr.
    let mut long = ROUTER_ADVERTISEMENT.to_vec();
    long.extend_from_slice(&[1, 2, 3, 4]);
    match Repr::parse_bytes(&long).unwrap() {
        Repr::RouterAdvertisement { entries, .. } => assert_eq!(entries.len(), 16),
        other => panic!("{other:?}"),
    }
    assert_eq!(RouterEntries::new(&long[8..], 0).count(), 0);
}

#[test]
fn router_solicitation() {
    let p = Packet::new_checked(&ROUTER_SOLICITATION[..]).unwrap();
    assert_eq!(p.msg_type(), Message::RouterSolicitation);
    assert_eq!((p.msg_code(), p.checksum()), (0, 0xf5ff));
    let out = construct(8, |p| {
        p.set_msg_type(Message::RouterSolicitation);
        p.set_msg_code(0);
        p.set_rest_of_header([0; 4]);
    });
    assert_eq!(out, ROUTER_SOLICITATION);
    assert_parse_emit(&ROUTER_SOLICITATION, &Repr::RouterSolicitation);
    assert_truncations(&ROUTER_SOLICITATION, "ICMPv4 header", 8);
}

// ---- Time Exceeded (Linux router, Juniper-style MPLS) ----

#[test]
fn time_exceeded_deconstruct() {
    let p = Packet::new_checked(&LINUX_TIME_EXCEEDED[..]).unwrap();
    assert_eq!(p.msg_type(), Message::TimeExceeded);
    assert_eq!(
        TimeExceeded::from(p.msg_code()),
        TimeExceeded::TtlExceededInTransit
    );
    assert_eq!(p.checksum(), 0x30e0);
    assert_eq!(p.length_attr(), 0);
    // The quoted probe: TTL 1, UDP to port 33435.
    assert_eq!(p.data().len(), 60);
    assert_eq!((p.data()[8], p.data()[22], p.data()[23]), (1, 0x82, 0x9b));
    let p = Packet::new_checked(&TIME_EXCEEDED_MPLS_RFC4884[..]).unwrap();
    assert_eq!(p.length_attr(), 32);
    let p = Packet::new_checked(&TIME_EXCEEDED_MPLS_COMPAT[..]).unwrap();
    assert_eq!(p.length_attr(), 0);
}

#[test]
fn time_exceeded_construct() {
    let out = construct(LINUX_TIME_EXCEEDED.len(), |p| {
        p.set_msg_type(Message::TimeExceeded);
        p.set_msg_code(TimeExceeded::TtlExceededInTransit.into());
        p.set_rest_of_header([0; 4]);
        p.data_mut().copy_from_slice(&LINUX_TIME_EXCEEDED[8..]);
    });
    assert_eq!(out, LINUX_TIME_EXCEEDED);
    let out = construct(TIME_EXCEEDED_MPLS_RFC4884.len(), |p| {
        p.set_msg_type(Message::TimeExceeded);
        p.set_msg_code(0);
        p.set_rest_of_header([0; 4]);
        p.set_length_attr(32);
        p.data_mut()
            .copy_from_slice(&TIME_EXCEEDED_MPLS_RFC4884[8..]);
    });
    assert_eq!(out, TIME_EXCEEDED_MPLS_RFC4884);
}

#[test]
fn time_exceeded_parse_emit_check_len() {
    assert_parse_emit(
        &LINUX_TIME_EXCEEDED,
        &Repr::TimeExceeded {
            code: TimeExceeded::TtlExceededInTransit,
            original: &LINUX_TIME_EXCEEDED[8..],
            extension: None,
        },
    );
    let mpls = Repr::TimeExceeded {
        code: TimeExceeded::TtlExceededInTransit,
        original: &TIME_EXCEEDED_MPLS_RFC4884[8..136],
        extension: Some(&MPLS_EXTENSION),
    };
    assert_parse_emit(&TIME_EXCEEDED_MPLS_RFC4884, &mpls);
    // The 128-byte compatibility layout parses to the same message; emit
    // writes the RFC 4884 layout.
    assert_eq!(Repr::parse_bytes(&TIME_EXCEEDED_MPLS_COMPAT).unwrap(), mpls);
    assert_truncations(&LINUX_TIME_EXCEEDED, "ICMPv4 header", 8);
}

#[test]
fn mpls_label_stack_entry_is_readable() {
    // RFC 4950: class 1, C-Type 1, label 24016, TC 0, S 1, TTL 1.
    let Repr::TimeExceeded {
        extension: Some(ext),
        ..
    } = Repr::parse_bytes(&TIME_EXCEEDED_MPLS_COMPAT).unwrap()
    else {
        panic!("no extension");
    };
    assert!(crate::checksum::is_valid(ext));
    assert_eq!(ext[4..8], [0, 8, 1, 1]);
    let entry = u32::from_be_bytes([ext[8], ext[9], ext[10], ext[11]]);
    assert_eq!(
        (
            entry >> 12,
            (entry >> 9) & 7,
            (entry >> 8) & 1,
            entry & 0xff
        ),
        (24016, 0, 1, 1)
    );
}

// ---- Parameter Problem ----

#[test]
fn parameter_problem() {
    let p = Packet::new_checked(&PARAMETER_PROBLEM[..]).unwrap();
    assert_eq!(p.msg_type(), Message::ParameterProblem);
    assert_eq!(
        ParameterProblem::from(p.msg_code()),
        ParameterProblem::PointerIndicatesError
    );
    assert_eq!((p.pointer(), p.length_attr()), (20, 0));
    let out = construct(PARAMETER_PROBLEM.len(), |p| {
        p.set_msg_type(Message::ParameterProblem);
        p.set_msg_code(0);
        p.set_rest_of_header([0; 4]);
        p.set_pointer(20);
        p.data_mut().copy_from_slice(&PARAMETER_PROBLEM[8..]);
    });
    assert_eq!(out, PARAMETER_PROBLEM);
    assert_parse_emit(
        &PARAMETER_PROBLEM,
        &Repr::ParameterProblem {
            code: ParameterProblem::PointerIndicatesError,
            pointer: 20,
            original: &PARAMETER_PROBLEM[8..],
            extension: None,
        },
    );
    assert_truncations(&PARAMETER_PROBLEM, "ICMPv4 header", 8);
}

// ---- Timestamp / Timestamp Reply ----

#[test]
fn timestamp_deconstruct() {
    let p = Packet::new_checked(&LINUX_TIMESTAMP_REPLY[..]).unwrap();
    assert_eq!(p.msg_type(), Message::TimestampReply);
    assert_eq!((p.echo_ident(), p.echo_seq_no()), (0x1234, 1));
    assert_eq!(p.originate_timestamp(), 0x0370_5a3b);
    assert_eq!(p.receive_timestamp(), 0x02e3_2cc3);
    assert_eq!(p.transmit_timestamp(), 0x02e3_2cc3);
    let p = Packet::new_checked(&TIMESTAMP[..]).unwrap();
    assert_eq!(p.msg_type(), Message::Timestamp);
    assert_eq!((p.receive_timestamp(), p.transmit_timestamp()), (0, 0));
}

#[test]
fn timestamp_construct() {
    let out = construct(20, |p| {
        p.set_msg_type(Message::TimestampReply);
        p.set_msg_code(0);
        p.set_echo_ident(0x1234);
        p.set_echo_seq_no(1);
        p.set_originate_timestamp(0x0370_5a3b);
        p.set_receive_timestamp(0x02e3_2cc3);
        p.set_transmit_timestamp(0x02e3_2cc3);
    });
    assert_eq!(out, LINUX_TIMESTAMP_REPLY);
}

#[test]
fn timestamp_parse_emit_check_len() {
    assert_parse_emit(
        &TIMESTAMP,
        &Repr::Timestamp {
            ident: 0x1234,
            seq_no: 1,
            originate: 0x0370_5a3b,
            receive: 0,
            transmit: 0,
        },
    );
    assert_parse_emit(
        &LINUX_TIMESTAMP_REPLY,
        &Repr::TimestampReply {
            ident: 0x1234,
            seq_no: 1,
            originate: 0x0370_5a3b,
            receive: 0x02e3_2cc3,
            transmit: 0x02e3_2cc3,
        },
    );
    assert_truncations(&TIMESTAMP, "ICMPv4 Timestamp", 20);
    assert_truncations(&LINUX_TIMESTAMP_REPLY, "ICMPv4 Timestamp", 20);
}

// ---- Information Request / Reply ----

#[test]
fn information() {
    for (t, v) in [
        (Message::InformationRequest, INFORMATION_REQUEST),
        (Message::InformationReply, INFORMATION_REPLY),
    ] {
        let p = Packet::new_checked(&v[..]).unwrap();
        assert_eq!(p.msg_type(), t);
        assert_eq!((p.echo_ident(), p.echo_seq_no()), (0x1234, 7));
        let out = construct(8, |p| {
            p.set_msg_type(t);
            p.set_msg_code(0);
            p.set_echo_ident(0x1234);
            p.set_echo_seq_no(7);
        });
        assert_eq!(out, v);
        assert_truncations(&v, "ICMPv4 header", 8);
    }
    let (ident, seq_no) = (0x1234, 7);
    assert_parse_emit(
        &INFORMATION_REQUEST,
        &Repr::InformationRequest { ident, seq_no },
    );
    assert_parse_emit(
        &INFORMATION_REPLY,
        &Repr::InformationReply { ident, seq_no },
    );
}

// ---- Address Mask Request / Reply ----

#[test]
fn address_mask() {
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    for (t, v, m) in [
        (
            Message::AddressMaskRequest,
            ADDRESS_MASK_REQUEST,
            Ipv4Addr::UNSPECIFIED,
        ),
        (Message::AddressMaskReply, ADDRESS_MASK_REPLY, mask),
    ] {
        let p = Packet::new_checked(&v[..]).unwrap();
        assert_eq!(p.msg_type(), t);
        assert_eq!((p.echo_ident(), p.echo_seq_no()), (0xabcd, 1));
        assert_eq!(p.address_mask(), m);
        let out = construct(12, |p| {
            p.set_msg_type(t);
            p.set_msg_code(0);
            p.set_echo_ident(0xabcd);
            p.set_echo_seq_no(1);
            p.set_address_mask(m);
        });
        assert_eq!(out, v);
        assert_truncations(&v, "ICMPv4 Address Mask", 12);
    }
    let (ident, seq_no) = (0xabcd, 1);
    assert_parse_emit(
        &ADDRESS_MASK_REQUEST,
        &Repr::AddressMaskRequest {
            ident,
            seq_no,
            mask: Ipv4Addr::UNSPECIFIED,
        },
    );
    assert_parse_emit(
        &ADDRESS_MASK_REPLY,
        &Repr::AddressMaskReply {
            ident,
            seq_no,
            mask,
        },
    );
}

// ---- Photuris ----

#[test]
fn photuris() {
    let p = Packet::new_checked(&PHOTURIS[..]).unwrap();
    assert_eq!(p.msg_type(), Message::Photuris);
    assert_eq!(Photuris::from(p.msg_code()), Photuris::AuthenticationFailed);
    assert_eq!(p.photuris_pointer(), 20);
    let out = construct(PHOTURIS.len(), |p| {
        p.set_msg_type(Message::Photuris);
        p.set_msg_code(Photuris::AuthenticationFailed.into());
        p.set_rest_of_header([0; 4]);
        p.set_photuris_pointer(20);
        p.data_mut().copy_from_slice(&PHOTURIS[8..]);
    });
    assert_eq!(out, PHOTURIS);
    assert_parse_emit(
        &PHOTURIS,
        &Repr::Photuris {
            code: Photuris::AuthenticationFailed,
            pointer: 20,
            original: &PHOTURIS[8..],
        },
    );
    assert_truncations(&PHOTURIS, "ICMPv4 header", 8);
}

// ---- Extended Echo Request / Reply (RFC 8335) ----

#[test]
fn extended_echo_request() {
    let p = Packet::new_checked(&EXTENDED_ECHO_REQUEST[..]).unwrap();
    assert_eq!(p.msg_type(), Message::ExtendedEchoRequest);
    assert_eq!((p.echo_ident(), p.extended_seq_no()), (0x1f2e, 5));
    assert!(p.local());
    // Extension header, then the interface identification object (class
    // 3, C-Type 1: by name) naming "eth0".
    assert_eq!(p.data()[4..8], [0, 8, 3, 1]);
    assert_eq!(&p.data()[8..], b"eth0");
    let out = construct(EXTENDED_ECHO_REQUEST.len(), |p| {
        p.set_msg_type(Message::ExtendedEchoRequest);
        p.set_msg_code(0);
        p.set_echo_ident(0x1f2e);
        p.set_extended_seq_no(5);
        p.set_request_flags(true);
        p.data_mut().copy_from_slice(&EXTENDED_ECHO_REQUEST[8..]);
    });
    assert_eq!(out, EXTENDED_ECHO_REQUEST);
    assert_parse_emit(
        &EXTENDED_ECHO_REQUEST,
        &Repr::ExtendedEchoRequest {
            ident: 0x1f2e,
            seq_no: 5,
            local: true,
            request: &EXTENDED_ECHO_REQUEST[8..],
        },
    );
    assert_truncations(&EXTENDED_ECHO_REQUEST, "ICMPv4 header", 8);
}

#[test]
fn extended_echo_reply() {
    let p = Packet::new_checked(&EXTENDED_ECHO_REPLY[..]).unwrap();
    assert_eq!(p.msg_type(), Message::ExtendedEchoReply);
    assert_eq!(
        ExtendedEchoReply::from(p.msg_code()),
        ExtendedEchoReply::NoError
    );
    assert_eq!((p.echo_ident(), p.extended_seq_no()), (0x1f2e, 5));
    assert_eq!(p.state(), ExtendedEchoState::Reachable);
    assert_eq!((p.active(), p.ipv4(), p.ipv6()), (true, true, false));
    let out = construct(8, |p| {
        p.set_msg_type(Message::ExtendedEchoReply);
        p.set_msg_code(0);
        p.set_echo_ident(0x1f2e);
        p.set_extended_seq_no(5);
        p.set_reply_flags(ExtendedEchoState::Reachable, true, true, false);
    });
    assert_eq!(out, EXTENDED_ECHO_REPLY);
    assert_parse_emit(
        &EXTENDED_ECHO_REPLY,
        &Repr::ExtendedEchoReply {
            code: ExtendedEchoReply::NoError,
            ident: 0x1f2e,
            seq_no: 5,
            state: ExtendedEchoState::Reachable,
            active: true,
            ipv4: true,
            ipv6: false,
        },
    );
    assert_truncations(&EXTENDED_ECHO_REPLY, "ICMPv4 header", 8);
}

// ---- Unknown ----

#[test]
fn unknown_type_is_kept() {
    let p = Packet::new_checked(&UNKNOWN_TYPE_6[..]).unwrap();
    assert_eq!(p.msg_type(), Message::Unknown(6));
    assert_eq!(p.rest_of_header(), [1, 2, 3, 4]);
    let out = construct(UNKNOWN_TYPE_6.len(), |p| {
        p.set_msg_type(Message::Unknown(6));
        p.set_msg_code(0);
        p.set_rest_of_header([1, 2, 3, 4]);
        p.data_mut().copy_from_slice(&[0xaa, 0xbb]);
    });
    assert_eq!(out, UNKNOWN_TYPE_6);
    assert_parse_emit(
        &UNKNOWN_TYPE_6,
        &Repr::Unknown {
            msg_type: 6,
            code: 0,
            rest_of_header: [1, 2, 3, 4],
            data: &[0xaa, 0xbb],
        },
    );
    assert_truncations(&UNKNOWN_TYPE_6, "ICMPv4 header", 8);
}

#[test]
fn unknown_codes_of_coded_types_are_kept() {
    let mut v = REDIRECT;
    v[1] = 9;
    v[2..4].copy_from_slice(&[0, 0]);
    let c = crate::checksum::checksum(&v);
    v[2..4].copy_from_slice(&c.to_be_bytes());
    let repr = Repr::parse_bytes(&v).unwrap();
    assert_eq!(
        repr,
        Repr::Redirect {
            code: Redirect::Unknown(9),
            gateway: Ipv4Addr::new(192, 0, 2, 2),
            original: &REDIRECT[8..],
        }
    );
    assert_parse_emit(&v, &repr);
}
