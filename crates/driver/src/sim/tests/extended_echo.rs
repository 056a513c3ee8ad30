//! Extended echo (RFC 8335 PROBE) answered by simulated hosts and routers
//! as Linux's `icmp_build_probe` answers it.

use icmpkit_proto::extended_echo::{ExtendedEchoAnswer, InterfaceQuery, parse_answer};
use icmpkit_wire::extension::{ObjectRepr, RawObject, emit_structure, structure_len};
use icmpkit_wire::icmpv4::{ExtendedEchoReply, ExtendedEchoState};
use icmpkit_wire::{icmpv4, icmpv6};

use super::*;

const HOST4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);
const HOST6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7);
const SHARED: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);

/// lo; eth0 (up, both families); eth1 (down, IPv4 only); wg0 (up, no
/// address); two tunnels holding the same address.
const TABLE: &[Interface] = &[
    Interface::LOOPBACK,
    Interface::new("eth0", 2).v4(&[HOST4]).v6(&[HOST6]),
    Interface::new("eth1", 3)
        .v4(&[Ipv4Addr::new(10, 9, 0, 1)])
        .down(),
    Interface::new("wg0", 4),
    Interface::new("tun0", 5).v4(&[SHARED]),
    Interface::new("tun1", 6).v4(&[SHARED]),
];

/// r1 (1 ms) then the hosts (2 ms): `host` at HOST4 and HOST6; r1
/// answers extended echo as Linux on its own addresses, with [`TABLE`].
fn network(host: Host) -> Network {
    let mut b = Network::builder().local(LOCAL4).local(LOCAL6);
    let r1 = b.router(
        Router::new(R1)
            .addr("fd00:1::1".parse::<Ipv6Addr>().unwrap())
            .extended_echo(ExtendedEchoAnswers::Linux)
            .interfaces(TABLE),
    );
    b.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .last_link(Link::ms(2))
            .host(HOST4, host),
    );
    b.route(
        Route::to(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 64)
            .hop(r1, Link::ms(1))
            .last_link(Link::ms(2))
            .host(HOST6, host),
    );
    b.build().unwrap()
}

fn linux() -> Host {
    Host::answering()
        .extended_echo(ExtendedEchoAnswers::Linux)
        .interfaces(TABLE)
}

fn rfc() -> Host {
    linux().extended_echo(ExtendedEchoAnswers::Rfc8335)
}

/// An extension structure holding one object.
fn structure(object: ObjectRepr<'_>) -> Vec<u8> {
    let objects = [object];
    let mut out = vec![0; structure_len(&objects)];
    emit_structure(&objects, &mut out, true);
    out
}

/// An object of class 3 with this c-type and payload, as it comes.
fn raw(c_type: u8, data: &[u8]) -> Vec<u8> {
    structure(ObjectRepr::Unknown(RawObject {
        class_num: 3,
        c_type,
        data,
    }))
}

/// An Extended Echo Request (identifier 0x4242, sequence 7) to `dst`
/// carrying `extension`, with the L bit as given.
fn request(dst: impl Into<IpAddr>, local: bool, extension: &[u8]) -> Probe {
    let dst = dst.into();
    let bytes = if dst.is_ipv6() {
        let repr = icmpv6::Repr::ExtendedEchoRequest {
            ident: 0x4242,
            seq_no: 7,
            local,
            request: extension,
        };
        let mut out = vec![0; repr.buffer_len()];
        repr.emit(
            &mut icmpv6::Packet::new_unchecked(&mut out[..]),
            Ipv6Addr::UNSPECIFIED,
            Ipv6Addr::UNSPECIFIED,
        );
        out
    } else {
        let repr = icmpv4::Repr::ExtendedEchoRequest {
            ident: 0x4242,
            seq_no: 7,
            local,
            request: extension,
        };
        let mut out = vec![0; repr.buffer_len()];
        repr.emit(&mut icmpv4::Packet::new_unchecked(&mut out[..]));
        out
    };
    Probe {
        at: Duration::ZERO,
        channel: Channel::Icmp,
        dst,
        hop_limit: None,
        bytes,
    }
}

fn query(dst: impl Into<IpAddr>, query: &InterfaceQuery) -> Probe {
    request(dst, true, &query.extension())
}

fn name(name: &str) -> InterfaceQuery {
    InterfaceQuery::Name(name.to_owned())
}

/// What comes back to each request, read by the tool's own parser.
fn answers(host: Host, probes: Vec<Probe>) -> Vec<ExtendedEchoAnswer> {
    let mut net = network(host);
    run(&mut net, probes, ms(50))
        .iter()
        .map(|seen| {
            let (_, _, from, _, bytes) = datagram(seen);
            let version = if from.is_ipv6() {
                IpVersion::V6
            } else {
                IpVersion::V4
            };
            parse_answer(version, bytes).expect("an extended echo reply")
        })
        .collect()
}

fn answer(host: Host, probe: Probe) -> ExtendedEchoAnswer {
    let mut all = answers(host, vec![probe]);
    assert_eq!(all.len(), 1, "one answer: {all:?}");
    all.remove(0)
}

/// The code and the A, 4 and 6 bits of an answer.
fn bits(a: &ExtendedEchoAnswer) -> (ExtendedEchoReply, bool, bool, bool) {
    assert_eq!((a.ident, a.seq), (0x4242, 7));
    assert_eq!(a.state, ExtendedEchoState::Reserved);
    (a.code, a.active, a.ipv4, a.ipv6)
}

const FOUND_BOTH: (ExtendedEchoReply, bool, bool, bool) =
    (ExtendedEchoReply::NoError, true, true, true);
const NOT_FOUND: (ExtendedEchoReply, bool, bool, bool) =
    (ExtendedEchoReply::NoSuchInterface, false, false, false);
const MALFORMED: (ExtendedEchoReply, bool, bool, bool) =
    (ExtendedEchoReply::MalformedQuery, false, false, false);

#[test]
fn a_host_drops_extended_echo_unless_told_to_answer_it_as_linux_does() {
    for host in [Host::answering().interfaces(TABLE), linux().echo(false)] {
        assert_eq!(answers(host, vec![query(HOST4, &name("eth0"))]), []);
        assert_eq!(answers(host, vec![query(HOST6, &name("eth0"))]), []);
    }
}

#[test]
fn an_interface_found_by_name_index_or_address_gets_no_error_and_its_bits() {
    for q in [
        name("eth0"),
        InterfaceQuery::Index(2),
        InterfaceQuery::Address(HOST4.into()),
        InterfaceQuery::Address(HOST6.into()),
    ] {
        assert_eq!(
            bits(&answer(linux(), query(HOST4, &q))),
            FOUND_BOTH,
            "{q:?}"
        );
        assert_eq!(
            bits(&answer(linux(), query(HOST6, &q))),
            FOUND_BOTH,
            "{q:?}"
        );
    }
    let lo = answer(
        linux(),
        query(HOST4, &InterfaceQuery::Address("::1".parse().unwrap())),
    );
    assert_eq!(bits(&lo), FOUND_BOTH);
    let down = answer(linux(), query(HOST4, &name("eth1")));
    assert_eq!(
        bits(&down),
        (ExtendedEchoReply::NoError, false, true, false)
    );
    let bare = answer(linux(), query(HOST6, &InterfaceQuery::Index(4)));
    assert_eq!(
        bits(&bare),
        (ExtendedEchoReply::NoError, true, false, false)
    );
}

#[test]
fn the_reply_comes_from_the_host_with_a_valid_checksum_after_the_round_trip() {
    let mut net = network(linux());
    let seen = run(&mut net, vec![query(HOST6, &name("eth0"))], ms(50));
    let (at, channel, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!(
        (at, channel, from, hop_limit),
        (ms(6), Channel::Icmp, IpAddr::V6(HOST6), Some(63))
    );
    assert_eq!((bytes[0], bytes.len()), (161, 8));
    let addrs = AddressPair::new(HOST6.into(), LOCAL6.into()).unwrap();
    assert!(addrs.sum(protocol::ICMPV6, bytes).is_valid());
    let seen = run(&mut net, vec![query(HOST4, &name("eth0"))], ms(50));
    let (_, _, _, _, bytes) = datagram(&seen[0]);
    assert_eq!(bytes[0], 43);
    assert!(checksum::is_valid(bytes));
}

#[test]
fn an_interface_no_one_has_gets_no_such_interface() {
    for q in [
        name("eth9"),
        InterfaceQuery::Index(99),
        InterfaceQuery::Address(Ipv4Addr::new(203, 0, 113, 1).into()),
        InterfaceQuery::Address("2001:db8::99".parse().unwrap()),
    ] {
        assert_eq!(bits(&answer(linux(), query(HOST4, &q))), NOT_FOUND, "{q:?}");
    }
}

#[test]
fn a_query_linux_cannot_read_gets_malformed_query() {
    let cases: [(&str, Vec<u8>); 8] = [
        ("a 16-byte name", raw(1, b"sixteen-bytes-if")),
        ("a 2-word ifIndex", raw(2, &[0, 0, 0, 2, 0, 0, 0, 0])),
        ("an empty object", raw(2, &[])),
        ("c-type 4", raw(4, &[0, 0, 0, 2])),
        (
            "AFI 6 (a MAC address)",
            raw(3, &[0, 6, 6, 0, 2, 0, 0, 0, 0, 1, 0, 0]),
        ),
        ("AFI 1 with 16 bytes", raw(3, &[0, 1, 16, 0, 0, 0, 0, 0])),
        ("nothing", Vec::new()),
        ("a version-1 header", {
            let mut s = raw(2, &[0, 0, 0, 2]);
            s[0] = 0x10;
            s
        }),
    ];
    for (what, extension) in cases {
        let a = answer(linux(), request(HOST4, true, &extension));
        assert_eq!(bits(&a), MALFORMED, "{what}");
    }
    let header_only = structure(ObjectRepr::Mpls(&[]))[..4].to_vec();
    let a = answer(linux(), request(HOST4, true, &header_only));
    assert_eq!(bits(&a), MALFORMED);
    // A 15-byte name still fits Linux's buffer (and names nothing here).
    let a = answer(linux(), request(HOST4, true, &raw(1, b"fifteen-bytes-i")));
    assert_eq!(bits(&a), NOT_FOUND);
}

#[test]
fn linux_ignores_the_class_num_and_answers_several_holders_with_the_first() {
    let other_class = structure(ObjectRepr::Unknown(RawObject {
        class_num: 9,
        c_type: 2,
        data: &[0, 0, 0, 2],
    }));
    let a = answer(linux(), request(HOST4, true, &other_class));
    assert_eq!(bits(&a), FOUND_BOTH);
    let shared = query(HOST4, &InterfaceQuery::Address(SHARED.into()));
    let a = answer(linux(), shared);
    assert_eq!(bits(&a), (ExtendedEchoReply::NoError, true, true, false));
}

#[test]
fn an_rfc_8335_node_says_multiple_interfaces_where_linux_picks_one() {
    let shared = query(HOST4, &InterfaceQuery::Address(SHARED.into()));
    assert_eq!(
        bits(&answer(rfc(), shared)),
        (
            ExtendedEchoReply::MultipleInterfacesSatisfyQuery,
            false,
            false,
            false
        )
    );
    assert_eq!(
        bits(&answer(rfc(), query(HOST4, &name("eth0")))),
        FOUND_BOTH
    );
}

#[test]
fn a_request_with_the_l_bit_clear_is_dropped_by_linux_and_not_in_an_rfc_nodes_table() {
    let neighbour = InterfaceQuery::Address(Ipv4Addr::new(192, 0, 2, 8).into()).extension();
    assert_eq!(
        answers(linux(), vec![request(HOST4, false, &neighbour)]),
        []
    );
    let a = answer(rfc(), request(HOST4, false, &neighbour));
    assert_eq!(
        bits(&a),
        (ExtendedEchoReply::NoSuchTableEntry, false, false, false)
    );
    let by_name = name("eth0").extension();
    assert_eq!(
        bits(&answer(rfc(), request(HOST4, false, &by_name))),
        MALFORMED
    );
}

#[test]
fn a_router_answers_extended_echo_on_its_own_addresses() {
    let a = answers(Host::answering(), vec![query(R1, &name("eth0"))]);
    assert_eq!(a.iter().map(bits).collect::<Vec<_>>(), [FOUND_BOTH]);
    let v6: Ipv6Addr = "fd00:1::1".parse().unwrap();
    let a = answers(
        Host::answering(),
        vec![query(v6, &InterfaceQuery::Index(1))],
    );
    assert_eq!(a.iter().map(bits).collect::<Vec<_>>(), [FOUND_BOTH]);
}
