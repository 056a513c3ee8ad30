//! The ICMPv6 refusal rules of RFC 4443 §2.4 (e), and extensions.

use std::string::ToString;
use std::vec;

use super::rules_v4::udp;
use super::*;
use crate::extension::{ExtensionStructure, MplsLabel, ObjectRepr};
use crate::ip::{IpVersion, protocol};

const HOST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 0x10);
const SERVER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 7);
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

fn v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, payload: &[u8]) -> Vec<u8> {
    let repr = ipv6::Repr {
        src_addr: src,
        dst_addr: dst,
        next_header,
        payload_len: payload.len(),
        hop_limit: 1,
        traffic_class: 0,
        flow_label: 0x12345,
    };
    let mut b = vec![0; repr.buffer_len()];
    repr.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
    b[40..].copy_from_slice(payload);
    b
}

fn udp_probe() -> Vec<u8> {
    v6(HOST, SERVER, protocol::UDP, &udp(45678, 33434, 32))
}

/// A Destination Options header holding one option of type `option_type`
/// (at byte 42 of the packet), followed by UDP.
fn with_option(dst: Ipv6Addr, option_type: u8) -> Vec<u8> {
    let mut payload = vec![protocol::UDP, 0, option_type, 4, 0, 0, 0, 0];
    payload.extend(udp(546, 547, 16));
    v6(HOST, dst, protocol::DESTINATION_OPTIONS, &payload)
}

const PTB: Icmpv6Error = Icmpv6Error::PacketTooBig { mtu: 1280 };
const UNRECOGNIZED_OPTION: Icmpv6Error = Icmpv6Error::ParameterProblem {
    code: icmpv6::ParameterProblem::UnrecognizedOption,
    pointer: 42,
};

#[test]
fn error_about_an_icmpv6_error_is_refused() {
    let offending = hex(LINUX_V6_PU);
    assert_refused(
        &offending,
        PORT_UNREACHABLE_V6,
        Context::default(),
        Refusal::ErrorAboutError {
            version: IpVersion::V6,
            msg_type: 1,
        },
        "the offending packet is itself an ICMPv6 error (type 1) (RFC 4443 §2.4 (e.1))",
    );
    // Every type below 128 is an error (RFC 4443 §2.1), named or not.
    for msg_type in [2u8, 4, 100, 127] {
        let offending = v6(
            HOST,
            SERVER,
            protocol::ICMPV6,
            &[msg_type, 0, 0, 0, 0, 0, 0, 0],
        );
        assert!(matches!(
            refusal(&offending, HOP_LIMIT_EXCEEDED, Context::default()),
            Refusal::ErrorAboutError { msg_type: t, .. } if t == msg_type
        ));
    }
    // Behind a Hop-by-Hop Options header too.
    let mut payload = vec![protocol::ICMPV6, 0, 1, 4, 0, 0, 0, 0];
    payload.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0]);
    let offending = v6(HOST, SERVER, protocol::HOP_BY_HOP, &payload);
    assert!(matches!(
        refusal(&offending, HOP_LIMIT_EXCEEDED, Context::default()),
        Refusal::ErrorAboutError { msg_type: 3, .. }
    ));
}

#[test]
fn redirect_is_refused_echo_and_ndp_are_not() {
    let mut redirect = vec![137u8, 0, 0, 0, 0, 0, 0, 0];
    redirect.extend_from_slice(&[0; 32]);
    let offending = v6(HOST, SERVER, protocol::ICMPV6, &redirect);
    assert_refused(
        &offending,
        HOP_LIMIT_EXCEEDED,
        Context::default(),
        Refusal::AboutRedirect,
        "the offending packet is an ICMPv6 Redirect (RFC 4443 §2.4 (e.2))",
    );
    let echo = [128u8, 0, 0, 0, 0x12, 0x34, 0, 9, 1, 2, 3, 4];
    let offending = v6(HOST, SERVER, protocol::ICMPV6, &echo);
    let got = allowed(&offending, HOP_LIMIT_EXCEEDED, Context::default());
    let id = quoted_probe_identity(&got);
    assert_eq!((id.icmp_ident, id.icmp_seq), (Some(0x1234), Some(9)));
    let offending = v6(HOST, SERVER, protocol::ICMPV6, &[135, 0, 0, 0, 0, 0, 0, 0]);
    allowed(&offending, HOP_LIMIT_EXCEEDED, Context::default());
    // No type byte: cannot be shown not to be an error.
    let offending = v6(HOST, SERVER, protocol::ICMPV6, &[]);
    assert!(matches!(
        refusal(&offending, HOP_LIMIT_EXCEEDED, Context::default()),
        Refusal::MalformedOffending(Malformed::Truncated {
            what: "ICMPv6 header",
            ..
        })
    ));
}

#[test]
fn non_initial_fragment_is_refused() {
    let fragment = |offset: u16, more: bool| {
        let mut payload = vec![protocol::UDP, 0];
        payload.extend_from_slice(&(offset | u16::from(more)).to_be_bytes());
        payload.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
        payload.extend(udp(45678, 33434, 40));
        v6(HOST, SERVER, protocol::FRAGMENT, &payload)
    };
    allowed(&fragment(0, true), HOP_LIMIT_EXCEEDED, Context::default());
    assert_refused(
        &fragment(1448, false),
        HOP_LIMIT_EXCEEDED,
        Context::default(),
        Refusal::NonInitialFragment {
            version: IpVersion::V6,
            offset: 1448,
        },
        "the offending datagram is a non-initial fragment (offset 1448) (RFC 4443 §2.4 (e), RFC 8200 §4.5)",
    );
}

#[test]
fn multicast_destination_refused_except_ptb_and_option_10() {
    let offending = v6(HOST, ALL_NODES, protocol::UDP, &udp(1, 2, 8));
    assert_refused(
        &offending,
        HOP_LIMIT_EXCEEDED,
        Context::default(),
        Refusal::DestinationBroadcastOrMulticast {
            destination: IpAddr::V6(ALL_NODES),
        },
        "the offending packet was sent to the multicast address ff02::1 (RFC 4443 §2.4 (e.3))",
    );
    let got = allowed(&offending, PTB, Context::default());
    assert_eq!(&got[40..48], &[2, 0, got[42], got[43], 0, 0, 5, 0]);
    // Option type 0x87: high bits 10, "send ICMP even if multicast".
    let got = allowed(
        &with_option(ALL_NODES, 0x87),
        UNRECOGNIZED_OPTION,
        Context::default(),
    );
    assert_eq!(&got[40..48], &[4, 2, got[42], got[43], 0, 0, 0, 42]);
    // High bits 11: only for unicast destinations.
    let offending = with_option(ALL_NODES, 0xc7);
    assert!(matches!(
        refusal(&offending, UNRECOGNIZED_OPTION, Context::default()),
        Refusal::DestinationBroadcastOrMulticast { .. }
    ));
    allowed(
        &with_option(SERVER, 0xc7),
        UNRECOGNIZED_OPTION,
        Context::default(),
    );
    // The exception is for code 2 only, and a pointer inside the packet.
    let erroneous = Icmpv6Error::ParameterProblem {
        code: icmpv6::ParameterProblem::ErroneousHeaderField,
        pointer: 42,
    };
    let beyond = Icmpv6Error::ParameterProblem {
        code: icmpv6::ParameterProblem::UnrecognizedOption,
        pointer: 4000,
    };
    for error in [erroneous, beyond, PORT_UNREACHABLE_V6] {
        assert!(matches!(
            refusal(&with_option(ALL_NODES, 0x87), error, Context::default()),
            Refusal::DestinationBroadcastOrMulticast { .. }
        ));
    }
}

#[test]
fn link_layer_multicast_and_broadcast_share_the_exceptions() {
    assert_link_layer_refused(&udp_probe(), HOP_LIMIT_EXCEEDED);
    for context in link_layer_broadcasts() {
        allowed(&udp_probe(), PTB, context);
        allowed(&with_option(SERVER, 0x87), UNRECOGNIZED_OPTION, context);
    }
    let r = Refusal::LinkLayerBroadcast {
        version: IpVersion::V6,
        link_layer: LinkLayer::Multicast,
    };
    assert_eq!(
        r.to_string(),
        "the offending datagram arrived as a link-layer multicast (RFC 4443 §2.4 (e.4))"
    );
}

#[test]
fn sources_that_are_not_a_single_node_are_refused() {
    for (src, why) in [
        (Ipv6Addr::UNSPECIFIED, "the unspecified address"),
        (ALL_NODES, "a multicast address"),
        (
            Ipv6Addr::LOCALHOST,
            "the loopback address from outside this node",
        ),
    ] {
        let offending = v6(src, SERVER, protocol::UDP, &udp(1, 2, 8));
        // Not even a Packet Too Big: (e.6) has no exception.
        assert_eq!(
            refusal(&offending, PTB, Context::default()),
            Refusal::SourceNotAUniqueHost {
                source: IpAddr::V6(src),
                why
            }
        );
    }
    let offending = v6(Ipv6Addr::UNSPECIFIED, SERVER, protocol::UDP, &[]);
    assert_eq!(
        refusal(&offending, PTB, Context::default()).to_string(),
        "the offending datagram's source :: is the unspecified address, not a single host (RFC 4443 §2.4 (e.6))"
    );
    let looped = Context {
        looped_back: true,
        ..Context::default()
    };
    let offending = v6(
        Ipv6Addr::LOCALHOST,
        Ipv6Addr::LOCALHOST,
        protocol::UDP,
        &udp(1, 2, 8),
    );
    allowed(&offending, PORT_UNREACHABLE_V6, looped);
    let anycast = Context {
        source_is_not_unique: true,
        ..Context::default()
    };
    assert!(matches!(
        refusal(&udp_probe(), HOP_LIMIT_EXCEEDED, anycast),
        Refusal::SourceNotAUniqueHost {
            why: "known to this node as an anycast address",
            ..
        }
    ));
}

#[test]
fn unreadable_packets_are_refused_incomplete_chains_are_not() {
    let good = udp_probe();
    let malformed = |bytes: &[u8]| match refusal(bytes, HOP_LIMIT_EXCEEDED, Context::default()) {
        Refusal::MalformedOffending(m) => m,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        malformed(&good[..39]),
        Malformed::Truncated {
            needed: 40,
            available: 39,
            ..
        }
    ));
    assert!(matches!(
        malformed(&good[..good.len() - 1]),
        Malformed::Overrun { .. }
    ));
    assert!(matches!(
        malformed(&hex(LINUX_V4_PROBE_TOSB8)),
        Malformed::Invalid {
            field: "version",
            value: 4,
            ..
        }
    ));
    // 17 Destination Options headers: more than the walk accepts.
    let mut payload = Vec::new();
    for _ in 0..17 {
        payload.extend_from_slice(&[protocol::DESTINATION_OPTIONS, 0, 1, 4, 0, 0, 0, 0]);
    }
    let offending = v6(HOST, SERVER, protocol::DESTINATION_OPTIONS, &payload);
    assert!(matches!(malformed(&offending), Malformed::TooMany { .. }));
    // A header chain cut short (RFC 7112) may get a Parameter Problem.
    let offending = v6(HOST, SERVER, protocol::HOP_BY_HOP, &[protocol::ICMPV6]);
    let incomplete = Icmpv6Error::ParameterProblem {
        code: icmpv6::ParameterProblem::IncompleteHeaderChain,
        pointer: 40,
    };
    allowed(&offending, incomplete, Context::default());
}

#[test]
fn extensions_v6() {
    let labels = [MplsLabel {
        label: 1000,
        tc: 0,
        bottom_of_stack: true,
        ttl: 1,
    }];
    let objects = [ObjectRepr::Mpls(&labels)];
    let options = Options {
        extensions: &objects,
        ..Options::default()
    };
    let probe = udp_probe();
    let got = build6(&probe, HOP_LIMIT_EXCEEDED, &options).unwrap();
    assert_eq!(got.len(), 40 + 8 + 128 + 12);
    assert_eq!(got[44], 16, "length attribute: 128 bytes in 64-bit words");
    assert_eq!(assert_sound(&got, &probe), 80);
    let d = dissect(&got).unwrap();
    let ext = d.extension().unwrap().unwrap();
    assert_eq!(ext, ExtensionStructure::new_checked(&got[176..]).unwrap());
    assert_eq!(
        ext.checksum_status(),
        crate::extension::ChecksumStatus::Valid
    );
    let objs: Vec<_> = ext.objects().map(Result::unwrap).collect();
    assert!(objs.len() == 1 && objs[0] == objects[0]);

    let big = linux_big_v6_probe();
    let got = build6(&big, HOP_LIMIT_EXCEEDED, &options).unwrap();
    // 1232 - 12 = 1220, cut to 1216 (whole 64-bit words).
    assert_eq!(got.len(), 40 + 8 + 1216 + 12);
    assert_eq!(got[44], 152);
    assert_eq!(assert_sound(&got, &big), 1216);

    for error in [PTB, UNRECOGNIZED_OPTION] {
        assert_eq!(
            build6(&with_option(SERVER, 0x87), error, &options),
            Err(Refusal::ExtensionsNotAllowed {
                version: IpVersion::V6,
                msg_type: error.msg_type().into()
            })
        );
    }
}
