//! One test per message: deconstruct (getters on known bytes), then
//! [`check_vector`] for parse, emit, construct and `check_len`.

extern crate std;

use core::net::Ipv6Addr;
use std::vec;
use std::vec::Vec;

use super::super::mld::{self, RecordType, V2Query, V2Report};
use super::super::ndp::{NdpOption, NdpOptions, Preference, RouterAdvertisement, emit_options};
use super::super::{
    DestinationUnreachable, ExtendedEchoReply, ExtendedEchoState, Ipv6Addresses, Message,
    NodeInformationQuery, NodeInformationResponse, Packet, ParameterProblem, Repr, TimeExceeded,
    node_info,
};
use super::{HEADER, check_vector, check_vector_with, handmade as h, linux as l, truncated_by};
use crate::error::Malformed;

const fn ip(s: [u16; 8]) -> Ipv6Addr {
    Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
}

#[test]
fn echo_reply() {
    let p = Packet::new_checked(&l::ECHO_REPLY[..]).unwrap();
    assert_eq!(p.msg_type(), Message::EchoReply);
    assert_eq!(p.msg_code(), 0);
    assert_eq!(p.checksum(), 0x9fb8);
    assert_eq!(p.echo_ident(), 0x2586);
    assert_eq!(p.echo_seq_no(), 1);
    assert_eq!(p.data(), &l::ECHO_REPLY[8..]);
    let repr = Repr::EchoReply {
        ident: 0x2586,
        seq_no: 1,
        data: &l::ECHO_REPLY[8..],
    };
    check_vector(
        &l::ECHO_REPLY,
        (l::ECHO_REPLY_SRC, l::ECHO_REPLY_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::EchoReply);
            p.set_msg_code(0);
            p.set_echo_ident(0x2586);
            p.set_echo_seq_no(1);
            p.data_mut().copy_from_slice(&l::ECHO_REPLY[8..]);
        },
    );
}

#[test]
fn port_unreachable() {
    let p = Packet::new_checked(&l::PORT_UNREACHABLE[..]).unwrap();
    assert_eq!(p.msg_type(), Message::DestinationUnreachable);
    assert_eq!(
        DestinationUnreachable::from(p.msg_code()),
        DestinationUnreachable::PortUnreachable
    );
    assert_eq!(p.checksum(), 0xbe1f);
    assert_eq!(p.length_attr(), 0);
    // The quote: an IPv6 header (next header UDP) and the whole datagram.
    assert_eq!(p.data().len(), 61);
    assert_eq!(p.data()[0] >> 4, 6);
    assert_eq!(p.data()[6], 17);
    assert!(p.data().ends_with(b"icmpkit-probe"));
    let repr = Repr::DestinationUnreachable {
        code: DestinationUnreachable::PortUnreachable,
        original: &l::PORT_UNREACHABLE[8..],
        extension: None,
    };
    check_vector(
        &l::PORT_UNREACHABLE,
        (l::PORT_UNREACHABLE_SRC, l::PORT_UNREACHABLE_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::DestinationUnreachable);
            p.set_msg_code(DestinationUnreachable::PortUnreachable.into());
            p.set_length_attr(0);
            p.data_mut().copy_from_slice(&l::PORT_UNREACHABLE[8..]);
        },
    );
}

#[test]
fn packet_too_big() {
    let bytes = &l::PACKET_TOO_BIG[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::PacketTooBig);
    assert_eq!(p.checksum(), 0x31f1);
    assert_eq!(p.mtu(), 1280);
    // The router quoted as much of the 1400-byte probe as fits in 1280.
    assert_eq!(bytes.len(), 1280 - 40);
    assert_eq!(p.data().len(), 1232);
    assert_eq!(&p.data()[4..6], &1360u16.to_be_bytes());
    let repr = Repr::PacketTooBig {
        mtu: 1280,
        original: &bytes[8..],
    };
    check_vector(
        bytes,
        (l::PACKET_TOO_BIG_SRC, l::PACKET_TOO_BIG_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::PacketTooBig);
            p.set_msg_code(0);
            p.set_mtu(1280);
            p.data_mut().copy_from_slice(&bytes[8..]);
        },
    );
}

#[test]
fn time_exceeded() {
    let p = Packet::new_checked(&l::TIME_EXCEEDED[..]).unwrap();
    assert_eq!(p.msg_type(), Message::TimeExceeded);
    assert_eq!(
        TimeExceeded::from(p.msg_code()),
        TimeExceeded::HopLimitExceeded
    );
    assert_eq!(p.length_attr(), 0);
    assert_eq!(p.data().len(), 72);
    let repr = Repr::TimeExceeded {
        code: TimeExceeded::HopLimitExceeded,
        original: &l::TIME_EXCEEDED[8..],
        extension: None,
    };
    check_vector(
        &l::TIME_EXCEEDED,
        (l::TIME_EXCEEDED_SRC, l::TIME_EXCEEDED_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::TimeExceeded);
            p.set_msg_code(0);
            p.set_length_attr(0);
            p.data_mut().copy_from_slice(&l::TIME_EXCEEDED[8..]);
        },
    );
}

#[test]
fn time_exceeded_with_rfc4884_extension() {
    let bytes = &h::TIME_EXCEEDED_EXTENDED[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.length_attr(), 16);
    assert_eq!(bytes.len(), 8 + 128 + 12);
    let repr = Repr::TimeExceeded {
        code: TimeExceeded::HopLimitExceeded,
        original: &bytes[8..136],
        extension: Some(&bytes[136..]),
    };
    check_vector(
        bytes,
        (h::TIME_EXCEEDED_EXTENDED_SRC, h::TIME_EXCEEDED_EXTENDED_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::TimeExceeded);
            p.set_msg_code(0);
            p.set_length_attr(16);
            p.data_mut().copy_from_slice(&bytes[8..]);
        },
    );
    // Emitting just the 56-byte quote pads it to 128 bytes again.
    let short = Repr::TimeExceeded {
        code: TimeExceeded::HopLimitExceeded,
        original: &bytes[8..64],
        extension: Some(&bytes[136..]),
    };
    let mut buf = [0xa5u8; 148];
    short.emit(
        &mut Packet::new_unchecked(&mut buf[..]),
        h::TIME_EXCEEDED_EXTENDED_SRC,
        h::TIME_EXCEEDED_EXTENDED_DST,
    );
    assert_eq!(&buf[..], bytes);
}

#[test]
fn parameter_problem() {
    let bytes = &h::PARAMETER_PROBLEM[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::ParameterProblem);
    assert_eq!(
        ParameterProblem::from(p.msg_code()),
        ParameterProblem::UnrecognizedNextHeader
    );
    assert_eq!(p.pointer(), 40);
    let repr = Repr::ParameterProblem {
        code: ParameterProblem::UnrecognizedNextHeader,
        pointer: 40,
        original: &bytes[8..],
    };
    check_vector(
        bytes,
        (h::PARAMETER_PROBLEM_SRC, h::PARAMETER_PROBLEM_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::ParameterProblem);
            p.set_msg_code(1);
            p.set_pointer(40);
            p.data_mut().copy_from_slice(&bytes[8..]);
        },
    );
}

#[test]
fn neighbor_solicitation() {
    let bytes = &l::NEIGHBOR_SOLICITATION[..];
    let target = ip([0xfd00, 0, 0, 0, 0, 0, 0, 3]);
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::NeighborSolicitation);
    assert_eq!(p.checksum(), 0x7c98);
    assert_eq!(p.target_addr(), target);
    assert_eq!(p.ndp_options(), &[1, 1, 0x02, 0xfc, 0, 0, 0, 1]);
    let options = NdpOptions::new(&bytes[24..]).unwrap();
    let mut it = options.iter();
    assert_eq!(
        it.next(),
        Some(Ok(NdpOption::SourceLinkLayerAddress(&[
            0x02, 0xfc, 0, 0, 0, 1
        ])))
    );
    assert_eq!(it.next(), None);
    let repr = Repr::NeighborSolicitation { target, options };
    check_vector(
        bytes,
        (l::NEIGHBOR_SOLICITATION_SRC, l::NEIGHBOR_SOLICITATION_DST),
        &repr,
        &[HEADER, (24, "ICMPv6 Neighbor Solicitation")],
        |p| {
            p.set_msg_type(Message::NeighborSolicitation);
            p.set_msg_code(0);
            p.set_rest_of_header([0; 4]);
            p.set_target_addr(target);
            let n = NdpOption::SourceLinkLayerAddress(&[0x02, 0xfc, 0, 0, 0, 1])
                .emit(&mut p.data_mut()[16..]);
            assert_eq!(n, 8);
        },
    );
}

#[test]
fn neighbor_advertisement() {
    let bytes = &l::NEIGHBOR_ADVERTISEMENT[..];
    let target = ip([0x2001, 0xdb8, 1, 0, 0xf0d9, 0xefff, 0xfeaf, 0x23c3]);
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::NeighborAdvertisement);
    assert_eq!(p.neighbor_flags(), 0x60);
    assert_eq!(p.target_addr(), target);
    let tlla = [0xf2, 0xd9, 0xef, 0xaf, 0x23, 0xc3];
    let repr = Repr::NeighborAdvertisement {
        router: false,
        solicited: true,
        override_entry: true,
        target,
        options: NdpOptions::new(&bytes[24..]).unwrap(),
    };
    assert_eq!(
        NdpOptions::new(&bytes[24..]).unwrap().iter().next(),
        Some(Ok(NdpOption::TargetLinkLayerAddress(&tlla)))
    );
    check_vector(
        bytes,
        (l::NEIGHBOR_ADVERTISEMENT_SRC, l::NEIGHBOR_ADVERTISEMENT_DST),
        &repr,
        &[HEADER, (24, "ICMPv6 Neighbor Advertisement")],
        |p| {
            p.set_msg_type(Message::NeighborAdvertisement);
            p.set_msg_code(0);
            p.set_neighbor_flags(0x60);
            p.set_target_addr(target);
            NdpOption::TargetLinkLayerAddress(&tlla).emit(&mut p.data_mut()[16..]);
        },
    );
}

#[test]
fn router_solicitation() {
    let bytes = &l::ROUTER_SOLICITATION[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::RouterSolicitation);
    assert_eq!(p.checksum(), 0x7294);
    assert_eq!(p.ndp_options(), &bytes[8..]);
    let slla = [0xf2, 0xd9, 0xef, 0xaf, 0x23, 0xc3];
    let repr = Repr::RouterSolicitation {
        options: NdpOptions::new(&bytes[8..]).unwrap(),
    };
    check_vector(
        bytes,
        (l::ROUTER_SOLICITATION_SRC, l::ROUTER_SOLICITATION_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::RouterSolicitation);
            p.set_msg_code(0);
            p.set_rest_of_header([0; 4]);
            NdpOption::SourceLinkLayerAddress(&slla).emit(p.data_mut());
        },
    );
}

/// The options of the radvd Router Advertisement, as parsed.
fn radvd_options(bytes: &[u8]) -> [NdpOption<'_>; 6] {
    [
        NdpOption::PrefixInformation {
            prefix_len: 64,
            on_link: true,
            autonomous: true,
            valid_lifetime: 86400,
            preferred_lifetime: 14400,
            prefix: ip([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0]),
        },
        NdpOption::RouteInformation {
            prefix_len: 48,
            preference: Preference::Low,
            lifetime: 12,
            prefix: ip([0x2001, 0xdb8, 0xf00, 0, 0, 0, 0, 0]),
        },
        NdpOption::Rdnss {
            lifetime: 600,
            servers: Ipv6Addresses::new(&bytes[16 + 32 + 24 + 8..16 + 32 + 24 + 40]),
        },
        NdpOption::Dnssl {
            lifetime: 4,
            domains: super::super::ndp::DomainNames::new(&bytes[16 + 96 + 8..16 + 96 + 40]),
        },
        NdpOption::Mtu(1500),
        NdpOption::SourceLinkLayerAddress(&bytes[162..168]),
    ]
}

#[test]
fn router_advertisement() {
    let bytes = &l::ROUTER_ADVERTISEMENT[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::RouterAdvertisement);
    assert_eq!(p.checksum(), 0xeea2);
    assert_eq!(p.current_hop_limit(), 64);
    assert_eq!(p.router_flags(), 0x48);
    assert_eq!(p.router_lifetime(), 12);
    assert_eq!(p.reachable_time(), 0);
    assert_eq!(p.retrans_timer(), 0);
    let options = NdpOptions::new(p.ndp_options()).unwrap();
    let expected = radvd_options(bytes);
    let parsed: Vec<_> = options.iter().map(Result::unwrap).collect();
    assert_eq!(parsed, expected);
    // The details a caller walks to.
    let NdpOption::Rdnss { servers, .. } = parsed[2] else {
        unreachable!()
    };
    let servers: Vec<_> = servers.iter().collect();
    assert_eq!(
        servers,
        [
            ip([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x53]),
            ip([0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x54])
        ]
    );
    let NdpOption::Dnssl { domains, .. } = parsed[3] else {
        unreachable!()
    };
    let names: Vec<Vec<&[u8]>> = domains
        .iter()
        .map(|n| n.unwrap().labels().collect())
        .collect();
    assert_eq!(
        names,
        [
            vec![&b"example"[..], &b"com"[..]],
            vec![&b"lab"[..], &b"example"[..]]
        ]
    );
    assert_eq!(p.ndp_options().len(), 152);
    let mut route = [0u8; 16];
    assert_eq!(expected[1].emit(&mut route), 16);
    assert_eq!(
        route,
        [
            24, 2, 48, 0x18, 0, 0, 0, 12, 0x20, 1, 0x0d, 0xb8, 0x0f, 0, 0, 0
        ]
    );
    let repr = Repr::RouterAdvertisement(RouterAdvertisement {
        hop_limit: 64,
        managed: false,
        other_config: true,
        home_agent: false,
        preference: Preference::High,
        proxy: false,
        router_lifetime: 12,
        reachable_time: 0,
        retrans_timer: 0,
        options,
    });
    check_vector(
        bytes,
        (l::ROUTER_ADVERTISEMENT_SRC, l::ROUTER_ADVERTISEMENT_DST),
        &repr,
        &[HEADER, (16, "ICMPv6 Router Advertisement")],
        |p| {
            p.set_msg_type(Message::RouterAdvertisement);
            p.set_msg_code(0);
            p.set_current_hop_limit(64);
            p.set_router_flags(0x48);
            p.set_router_lifetime(12);
            p.set_reachable_time(0);
            p.set_retrans_timer(0);
            // radvd sends the /48 route with all 16 prefix bytes; the
            // emitter writes the 8 a /48 needs, so copy that option.
            let out = &mut p.data_mut()[8..];
            let n = emit_options(&expected[..1], out);
            out[n..n + 24].copy_from_slice(&bytes[48..72]);
            let n = n + 24 + emit_options(&expected[2..], &mut out[n + 24..]);
            assert_eq!(n, 152);
        },
    );
}

#[test]
fn redirect() {
    let bytes = &h::REDIRECT[..];
    let target = ip([0xfe80, 0, 0, 0, 0, 0, 0, 0x1234]);
    let destination = ip([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x99]);
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::Redirect);
    assert_eq!(p.target_addr(), target);
    assert_eq!(p.destination_addr(), destination);
    let options = NdpOptions::new(&bytes[40..]).unwrap();
    let parsed: Vec<_> = options.iter().map(Result::unwrap).collect();
    let tlla = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
    assert_eq!(
        parsed,
        [
            NdpOption::TargetLinkLayerAddress(&tlla),
            NdpOption::RedirectedHeader { data: &bytes[56..] }
        ]
    );
    let repr = Repr::Redirect {
        target,
        destination,
        options,
    };
    check_vector(
        bytes,
        (h::REDIRECT_SRC, h::REDIRECT_DST),
        &repr,
        &[HEADER, (40, "ICMPv6 Redirect")],
        |p| {
            p.set_msg_type(Message::Redirect);
            p.set_msg_code(0);
            p.set_rest_of_header([0; 4]);
            p.set_target_addr(target);
            p.set_destination_addr(destination);
            emit_options(&parsed, &mut p.data_mut()[32..]);
        },
    );
}

/// Checks an MLD version 1 vector.
fn mld_v1(bytes: &[u8], addrs: (Ipv6Addr, Ipv6Addr), msg: Message, what: &'static str) {
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), msg);
    let (delay, group) = (p.max_response(), p.multicast_addr());
    let repr = match msg {
        Message::MulticastListenerQuery => Repr::MldQuery {
            max_response_delay: delay,
            multicast_address: group,
        },
        Message::MulticastListenerReport => Repr::MldReport {
            max_response_delay: delay,
            multicast_address: group,
        },
        _ => Repr::MldDone {
            max_response_delay: delay,
            multicast_address: group,
        },
    };
    check_vector(bytes, addrs, &repr, &[HEADER, (24, what)], |p| {
        p.set_msg_type(msg);
        p.set_msg_code(0);
        p.set_max_response(delay);
        p.set_multicast_addr(group);
    });
}

#[test]
fn mld_v1_messages() {
    let p = Packet::new_checked(&h::MLD_QUERY[..]).unwrap();
    assert_eq!(p.max_response(), 10000);
    assert_eq!(p.multicast_addr(), Ipv6Addr::UNSPECIFIED);
    mld_v1(
        &h::MLD_QUERY,
        (h::MLD_QUERY_SRC, h::MLD_QUERY_DST),
        Message::MulticastListenerQuery,
        "ICMPv6 Multicast Listener Query",
    );
    let group = ip([0xff02, 0, 0, 0, 0, 0, 1, 3]);
    let p = Packet::new_checked(&h::MLD_REPORT[..]).unwrap();
    assert_eq!((p.max_response(), p.multicast_addr()), (0, group));
    mld_v1(
        &h::MLD_REPORT,
        (h::MLD_REPORT_SRC, h::MLD_REPORT_DST),
        Message::MulticastListenerReport,
        "ICMPv6 Multicast Listener Report",
    );
    let p = Packet::new_checked(&h::MLD_DONE[..]).unwrap();
    assert_eq!((p.max_response(), p.multicast_addr()), (0, group));
    mld_v1(
        &h::MLD_DONE,
        (h::MLD_DONE_SRC, h::MLD_DONE_DST),
        Message::MulticastListenerDone,
        "ICMPv6 Multicast Listener Done",
    );
}

#[test]
fn mld_v2_query() {
    let bytes = &h::MLD_V2_QUERY[..];
    let group = ip([0xff05, 0, 0, 0, 0, 0, 1, 3]);
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::MulticastListenerQuery);
    assert_eq!(p.max_response(), 10000);
    assert_eq!(p.multicast_addr(), group);
    assert_eq!(p.s_qrv(), 0x0a);
    assert_eq!(p.qqic(), 125);
    assert_eq!(p.num_sources(), 2);
    let sources = Ipv6Addresses::new(&bytes[28..]);
    assert_eq!(
        sources.iter().collect::<Vec<_>>(),
        [
            ip([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10]),
            ip([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x11])
        ]
    );
    let repr = Repr::MldV2Query(V2Query {
        max_response_code: 10000,
        multicast_address: group,
        suppress_router_processing: true,
        robustness: 2,
        qqic: 125,
        sources,
    });
    // 24 bytes are a whole MLD version 1 Query; 25..=27 are neither.
    let truncated = |n| match n {
        24 => None,
        25..28 => Some(Malformed::Invalid {
            what: "ICMPv6 Multicast Listener Query",
            field: "length",
            value: u32::try_from(n).unwrap(),
            rule: "is neither 24 (MLDv1) nor at least 28 (MLDv2) (RFC 3810 §8.1)",
        }),
        _ => truncated_by(&[HEADER, (24, "ICMPv6 Multicast Listener Query")], n),
    };
    check_vector_with(
        bytes,
        (h::MLD_V2_QUERY_SRC, h::MLD_V2_QUERY_DST),
        &repr,
        truncated,
        |p| {
            p.set_msg_type(Message::MulticastListenerQuery);
            p.set_msg_code(0);
            p.set_max_response(10000);
            p.set_multicast_addr(group);
            p.set_s_qrv(0x0a);
            p.set_qqic(125);
            p.set_num_sources(2);
            p.data_mut()[20..].copy_from_slice(&bytes[28..]);
        },
    );
    // A partial trailing source is not emitted.
    let odd = Repr::MldV2Query(V2Query {
        sources: Ipv6Addresses::new(&bytes[28..48]),
        ..match repr {
            Repr::MldV2Query(q) => q,
            _ => unreachable!(),
        }
    });
    assert_eq!(odd.buffer_len(), 44);
    let mut buf = [0xa5u8; 44];
    odd.emit(
        &mut Packet::new_unchecked(&mut buf[..]),
        h::MLD_V2_QUERY_SRC,
        h::MLD_V2_QUERY_DST,
    );
    assert_eq!(&buf[26..28], &[0, 1]);
    assert_eq!(&buf[28..], &bytes[28..44]);
    assert_eq!(mld::max_response_delay_ms(10000), 10000);
    // 0x8000 | exp 1 | mant 0: (0x1000) << 4.
    assert_eq!(mld::max_response_delay_ms(0x9000), 0x1000 << 4);
    assert_eq!(mld::max_response_delay_ms(0xffff), 0x1fff << 10);
}

#[test]
fn mld_v2_report() {
    let bytes = &l::MLD_V2_REPORT[..];
    let group = ip([0xff05, 0, 0, 0, 0, 0, 1, 3]);
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::MulticastListenerReportV2);
    assert_eq!(p.checksum(), 0x6cb7);
    assert_eq!(p.num_records(), 1);
    let records = mld::Records::new(&bytes[8..], 1).unwrap();
    let record = mld::Record {
        record_type: RecordType::ChangeToExclude,
        multicast_address: group,
        sources: Ipv6Addresses::new(&[]),
        aux_data: &[],
    };
    assert_eq!(records.iter().collect::<Vec<_>>(), [record]);
    let repr = Repr::MldV2Report(V2Report { records });
    check_vector(
        bytes,
        (l::MLD_V2_REPORT_SRC, l::MLD_V2_REPORT_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::MulticastListenerReportV2);
            p.set_msg_code(0);
            p.set_num_records(1);
            assert_eq!(mld::emit_records(&[record], p.data_mut()), 20);
        },
    );
}

#[test]
fn node_information() {
    let nonce = [1, 2, 3, 4, 5, 6, 7, 8];
    let bytes = &h::NODE_INFORMATION_QUERY[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::NodeInformationQuery);
    assert_eq!(p.ni_qtype(), node_info::QTYPE_NODE_NAME);
    assert_eq!(p.ni_flags(), 0);
    assert_eq!(p.ni_nonce(), nonce);
    let repr = Repr::NodeInformationQuery {
        code: NodeInformationQuery::SubjectIpv6,
        qtype: 2,
        flags: 0,
        nonce,
        data: &bytes[16..],
    };
    let what = "ICMPv6 Node Information";
    check_vector(
        bytes,
        (h::NODE_INFORMATION_QUERY_SRC, h::NODE_INFORMATION_QUERY_DST),
        &repr,
        &[HEADER, (16, what)],
        |p| {
            p.set_msg_type(Message::NodeInformationQuery);
            p.set_msg_code(0);
            p.set_ni_qtype(2);
            p.set_ni_flags(0);
            p.set_ni_nonce(nonce);
            p.data_mut()[8..].copy_from_slice(&h::NODE_INFORMATION_QUERY_DST.octets());
        },
    );
    let bytes = &h::NODE_INFORMATION_RESPONSE[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::NodeInformationResponse);
    assert_eq!(&p.data()[8..], b"\0\0\0\0\x04host\x07example\0\0");
    let repr = Repr::NodeInformationResponse {
        code: NodeInformationResponse::Success,
        qtype: 2,
        flags: 0,
        nonce,
        data: &bytes[16..],
    };
    check_vector(
        bytes,
        (
            h::NODE_INFORMATION_RESPONSE_SRC,
            h::NODE_INFORMATION_RESPONSE_DST,
        ),
        &repr,
        &[HEADER, (16, what)],
        |p| {
            p.set_msg_type(Message::NodeInformationResponse);
            p.set_msg_code(0);
            p.set_ni_qtype(2);
            p.set_ni_flags(0);
            p.set_ni_nonce(nonce);
            p.data_mut()[8..].copy_from_slice(&bytes[16..]);
        },
    );
}

#[test]
fn extended_echo() {
    let bytes = &h::EXTENDED_ECHO_REQUEST[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::ExtendedEchoRequest);
    assert_eq!(p.echo_ident(), 0x1234);
    assert_eq!(p.ext_echo_seq_no(), 7);
    assert_eq!(p.ext_echo_flags(), 1);
    // An extension header and one interface-identification object by index.
    assert_eq!(p.data().len(), 12);
    assert_eq!(&p.data()[4..], &[0, 8, 3, 2, 0, 0, 0, 2]);
    let repr = Repr::ExtendedEchoRequest {
        ident: 0x1234,
        seq_no: 7,
        local: true,
        request: &bytes[8..],
    };
    check_vector(
        bytes,
        (h::EXTENDED_ECHO_REQUEST_SRC, h::EXTENDED_ECHO_REQUEST_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::ExtendedEchoRequest);
            p.set_msg_code(0);
            p.set_echo_ident(0x1234);
            p.set_ext_echo_seq_no(7);
            p.set_ext_echo_flags(1);
            p.data_mut().copy_from_slice(&bytes[8..]);
        },
    );
    let bytes = &h::EXTENDED_ECHO_REPLY[..];
    let p = Packet::new_checked(bytes).unwrap();
    assert_eq!(p.msg_type(), Message::ExtendedEchoReply);
    assert_eq!(p.ext_echo_flags(), 0x45);
    let repr = Repr::ExtendedEchoReply {
        code: ExtendedEchoReply::NoError,
        ident: 0x1234,
        seq_no: 7,
        state: ExtendedEchoState::Reachable,
        active: true,
        ipv4: false,
        ipv6: true,
    };
    check_vector(
        bytes,
        (h::EXTENDED_ECHO_REPLY_SRC, h::EXTENDED_ECHO_REPLY_DST),
        &repr,
        &[HEADER],
        |p| {
            p.set_msg_type(Message::ExtendedEchoReply);
            p.set_msg_code(0);
            p.set_echo_ident(0x1234);
            p.set_ext_echo_seq_no(7);
            p.set_ext_echo_flags(0x45);
        },
    );
}

#[test]
fn raw_kept_messages() {
    let cases: [(&[u8], (Ipv6Addr, Ipv6Addr), Repr<'_>); 3] = [
        (
            &h::ROUTER_RENUMBERING,
            (h::ROUTER_RENUMBERING_SRC, h::ROUTER_RENUMBERING_DST),
            Repr::RouterRenumbering {
                code: 0,
                sequence_number: 1,
                data: &h::ROUTER_RENUMBERING[8..],
            },
        ),
        (
            &h::PRIVATE_EXPERIMENTATION,
            (
                h::PRIVATE_EXPERIMENTATION_SRC,
                h::PRIVATE_EXPERIMENTATION_DST,
            ),
            Repr::PrivateExperimentation {
                msg_type: 200,
                code: 3,
                rest_of_header: [0xde, 0xad, 0xbe, 0xef],
                data: b"xyz",
            },
        ),
        (
            &h::UNKNOWN,
            (h::UNKNOWN_SRC, h::UNKNOWN_DST),
            Repr::Unknown {
                msg_type: 141,
                code: 0,
                rest_of_header: [0; 4],
                data: &h::UNKNOWN[8..],
            },
        ),
    ];
    for (bytes, addrs, repr) in cases {
        let p = Packet::new_checked(bytes).unwrap();
        assert_eq!(p.msg_type(), repr.msg_type());
        assert_eq!(p.msg_code(), repr.code());
        check_vector(bytes, addrs, &repr, &[HEADER], |p| {
            p.set_msg_type(Message::from(bytes[0]));
            p.set_msg_code(bytes[1]);
            p.set_rest_of_header([bytes[4], bytes[5], bytes[6], bytes[7]]);
            p.data_mut().copy_from_slice(&bytes[8..]);
        });
    }
    assert_eq!(
        Packet::new_checked(&h::UNKNOWN[..]).unwrap().msg_type(),
        Message::Unknown(141)
    );
}
