//! The NAT's translations, checked against packets built untranslated.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::generate::Context;
use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::{checksum, ipv4, tcp, udp};

use super::*;
use crate::errors::{Attach, ErrorKind, error_packet};
use crate::packet::{Outer, ip_packet};
use crate::topology::{NodeId, Unreachable};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn table(first_port: u16) -> NatTable {
    NatTable::new(Nat {
        outside: NodeId(1),
        first_port,
    })
}

fn packet(src: &str, dst: &str, protocol: u8, message: &[u8]) -> Vec<u8> {
    let outer = Outer {
        src: ip(src),
        dst: ip(dst),
        protocol,
        hop_limit: 64,
        ident: 99,
        dont_frag: false,
    };
    ip_packet(&outer, message).unwrap()
}

/// A UDP datagram (TTL 64, DF clear) with 10 bytes of data.
pub(crate) fn udp(src: &str, sport: u16, dst: &str, dport: u16) -> Vec<u8> {
    let repr = udp::Repr {
        src_port: sport,
        dst_port: dport,
        payload: b"probe data",
    };
    let addrs = AddressPair::new(ip(src), ip(dst)).unwrap();
    let mut m = vec![0; repr.buffer_len()];
    repr.emit(&mut udp::Packet::new_unchecked(&mut m[..]), &addrs);
    packet(src, dst, protocol::UDP, &m)
}

fn tcp(src: &str, sport: u16, dst: &str, dport: u16, flags: u16) -> Vec<u8> {
    let repr = tcp::Repr {
        src_port: sport,
        dst_port: dport,
        seq_number: 0x0102_0304,
        ack_number: 0,
        flags,
        window_len: 64_240,
        urgent_at: 0,
        options: &[2, 4, 5, 0xb4],
        payload: &[],
    };
    let addrs = AddressPair::new(ip(src), ip(dst)).unwrap();
    let mut m = vec![0; 24];
    repr.emit(&mut tcp::Packet::new_unchecked(&mut m[..]), &addrs);
    packet(src, dst, protocol::TCP, &m)
}

fn echo(src: &str, dst: &str, msg_type: u8, ident: u16) -> Vec<u8> {
    let mut m = vec![msg_type, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4];
    m[4..6].copy_from_slice(&ident.to_be_bytes());
    let (src_a, dst_a) = (ip(src), ip(dst));
    let proto = if src_a.is_ipv4() {
        protocol::ICMP
    } else {
        protocol::ICMPV6
    };
    let sum = match AddressPair::new(src_a, dst_a).unwrap() {
        AddressPair::V4 { .. } => checksum::checksum(&m),
        pair @ AddressPair::V6 { .. } => pair.sum(proto, &m).checksum(),
    };
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    packet(src, dst, proto, &m)
}

/// The error `kind` that `from` sends about `offending`.
fn error(offending: &[u8], kind: ErrorKind, from: &str) -> Vec<u8> {
    error_packet(
        offending,
        kind,
        ip(from),
        64,
        5,
        Attach::default(),
        Context::default(),
    )
    .unwrap()
}

/// The transport message of an IP packet without options.
pub(crate) fn transport(p: &[u8]) -> &[u8] {
    if p[0] >> 4 == 4 {
        let v = ipv4::Packet::new_checked(p).unwrap();
        &p[v.header_len()..usize::from(v.total_len())]
    } else {
        &p[40..]
    }
}

/// The first two words of `p`'s transport header (ports).
pub(crate) fn ports(p: &[u8]) -> (u16, u16) {
    let t = transport(p);
    (
        u16::from_be_bytes([t[0], t[1]]),
        u16::from_be_bytes([t[2], t[3]]),
    )
}

/// Whether the transport checksum of `p` verifies.
pub(crate) fn valid(p: &[u8]) -> bool {
    let (src, dst) = if p[0] >> 4 == 4 {
        let v = ipv4::Packet::new_checked(p).unwrap();
        (IpAddr::from(v.src_addr()), IpAddr::from(v.dst_addr()))
    } else {
        let src: [u8; 16] = p[8..24].try_into().unwrap();
        let dst: [u8; 16] = p[24..40].try_into().unwrap();
        (IpAddr::from(src), IpAddr::from(dst))
    };
    let pair = AddressPair::new(src, dst).unwrap();
    let proto = if p[0] >> 4 == 4 { p[9] } else { p[6] };
    let t = transport(p);
    match proto {
        protocol::ICMP => checksum::is_valid(t),
        _ => pair.sum(proto, t).is_valid(),
    }
}

#[test]
fn ports_are_handed_out_in_turn_and_kept_per_inside_socket() {
    let mut nat = table(61_000);
    let now = Instant::now();
    let mut a = udp("10.0.0.1", 40_000, "203.0.113.10", 33_434);
    nat.outbound(now, &mut a);
    assert_eq!(ports(&a), (61_000, 33_434));
    assert!(valid(&a));
    // The same socket to another port and host: the same mapping.
    let mut again = udp("10.0.0.1", 40_000, "198.51.100.7", 53);
    nat.outbound(now, &mut again);
    assert_eq!(ports(&again).0, 61_000);
    // Another host with the same port, and another protocol.
    let mut b = udp("10.0.0.2", 40_000, "203.0.113.10", 33_434);
    nat.outbound(now, &mut b);
    assert_eq!(ports(&b).0, 61_001);
    let mut t = tcp("10.0.0.1", 40_000, "203.0.113.10", 80, tcp::flags::SYN);
    nat.outbound(now, &mut t);
    assert_eq!(ports(&t).0, 61_000);
    assert!(valid(&t));
    assert_eq!(nat.len(), 3);
}

#[test]
fn answers_get_the_inside_port_back() {
    let mut nat = table(61_000);
    let now = Instant::now();
    let mut syn = tcp("10.0.0.1", 40_000, "203.0.113.10", 80, tcp::flags::SYN);
    nat.outbound(now, &mut syn);
    let flags = tcp::flags::SYN | tcp::flags::ACK;
    let mut syn_ack = tcp("203.0.113.10", 80, "10.0.0.1", 61_000, flags);
    nat.inbound(now, &mut syn_ack);
    assert_eq!(syn_ack, tcp("203.0.113.10", 80, "10.0.0.1", 40_000, flags));
    // To another inside address, or a port never handed out: untouched.
    for p in [
        tcp("203.0.113.10", 80, "10.0.0.2", 61_000, flags),
        tcp("203.0.113.10", 80, "10.0.0.1", 61_001, flags),
        udp("203.0.113.10", 80, "10.0.0.1", 61_000),
    ] {
        let mut q = p.clone();
        nat.inbound(now, &mut q);
        assert_eq!(q, p);
    }
}

#[test]
fn echo_identifiers_are_translated_both_ways() {
    let mut nat = table(2000);
    let now = Instant::now();
    for (inside, outside) in [("10.0.0.1", "203.0.113.10"), ("fd00::1", "2001:db8::10")] {
        let (request, reply) = if inside.contains(':') {
            (128, 129)
        } else {
            (8, 0)
        };
        let mut out = echo(inside, outside, request, 0x1234);
        nat.outbound(now, &mut out);
        assert_eq!(out, echo(inside, outside, request, 2000));
        let mut back = echo(outside, inside, reply, 2000);
        nat.inbound(now, &mut back);
        assert_eq!(back, echo(outside, inside, reply, 0x1234));
    }
}

#[test]
fn errors_quoting_a_translated_datagram_are_translated_back() {
    let now = Instant::now();
    let port_unreachable = ErrorKind::Unreachable(Unreachable::PORT);
    let cases = [
        (
            udp("10.0.0.1", 40_000, "203.0.113.10", 33_434),
            port_unreachable,
            "203.0.113.10",
        ),
        (
            udp("fd00::1", 40_000, "2001:db8::10", 33_434),
            port_unreachable,
            "2001:db8::10",
        ),
        (
            tcp("10.0.0.1", 40_000, "203.0.113.10", 80, tcp::flags::SYN),
            ErrorKind::TimeExceeded,
            "192.0.2.17",
        ),
        (
            echo("10.0.0.1", "203.0.113.10", 8, 0x1234),
            ErrorKind::TimeExceeded,
            "192.0.2.17",
        ),
        (
            echo("fd00::1", "2001:db8::10", 128, 0x1234),
            ErrorKind::TimeExceeded,
            "2001:db8::1",
        ),
    ];
    for (probe, kind, from) in cases {
        let mut nat = table(61_000);
        let mut sent = probe.clone();
        nat.outbound(now, &mut sent);
        assert_ne!(sent, probe);
        let mut got = error(&sent, kind, from);
        nat.inbound(now, &mut got);
        // As if the probe had crossed no NAT: quote, quoted checksum and
        // the error's checksum.
        assert_eq!(got, error(&probe, kind, from), "{kind:?} from {from}");
        assert!(valid(&got));
    }
}

#[test]
fn errors_from_the_inside_quote_the_port_a_datagram_came_in_to() {
    let now = Instant::now();
    let port_unreachable = ErrorKind::Unreachable(Unreachable::PORT);
    for (inside, outside) in [("10.0.0.1", "203.0.113.10"), ("fd00::1", "2001:db8::10")] {
        let mut nat = table(61_000);
        nat.outbound(now, &mut udp(inside, 40_000, outside, 53));
        // An answer comes in to 61000, is translated to 40000, and the
        // inside host refuses it: its error leaves quoting 61000 again.
        let arrived = udp(outside, 53, inside, 61_000);
        let mut translated = arrived.clone();
        nat.inbound(now, &mut translated);
        assert_eq!(ports(&translated), (53, 40_000));
        let mut got = error(&translated, port_unreachable, inside);
        nat.outbound(now, &mut got);
        assert_eq!(got, error(&arrived, port_unreachable, inside), "{inside}");
        // About a datagram to a port never mapped: left alone.
        let unmapped = udp(outside, 53, inside, 40_001);
        let mut got = error(&unmapped, port_unreachable, inside);
        nat.outbound(now, &mut got);
        assert_eq!(got, error(&unmapped, port_unreachable, inside));
    }
}

#[test]
fn a_udp_checksum_of_zero_stays_zero() {
    let mut nat = table(61_000);
    let mut p = udp("10.0.0.1", 40_000, "203.0.113.10", 53);
    p[26..28].fill(0);
    nat.outbound(Instant::now(), &mut p);
    assert_eq!(ports(&p).0, 61_000);
    assert_eq!(p[26..28], [0, 0]);
}

#[test]
fn mappings_expire_and_the_oldest_gives_way() {
    let mut nat = table(u16::MAX - 2);
    let start = Instant::now();
    let mut p = udp("10.0.0.1", 1, "203.0.113.10", 53);
    nat.outbound(start, &mut p);
    assert_eq!(ports(&p).0, 65_533);
    // Used again at 29 s, it lives until 59 s.
    let mut p = udp("10.0.0.1", 1, "203.0.113.10", 53);
    nat.outbound(start + Duration::from_secs(29), &mut p);
    assert_eq!(ports(&p).0, 65_533);
    let answer = udp("203.0.113.10", 53, "10.0.0.1", 65_533);
    let mut late = answer.clone();
    nat.inbound(start + Duration::from_secs(59), &mut late);
    assert_eq!(late, answer);
    // Three ports from 65533: a fourth socket takes the port of the one
    // unused longest.
    let at = start + Duration::from_mins(1);
    for (i, want) in [(2u16, 65_534u16), (3, 65_535), (4, 65_533), (5, 65_534)] {
        let mut p = udp("10.0.0.1", i, "203.0.113.10", 53);
        nat.outbound(at + Duration::from_millis(u64::from(i)), &mut p);
        assert_eq!(ports(&p).0, want, "socket {i}");
    }
    assert_eq!(nat.len(), 3);
}

#[test]
fn fragments_after_the_first_pass_as_they_are() {
    let mut nat = table(61_000);
    let whole = udp("10.0.0.1", 40_000, "203.0.113.10", 53);
    let mut later = whole.clone();
    let mut v = ipv4::Packet::new_unchecked(&mut later[..]);
    v.set_frag_offset(8);
    v.fill_checksum();
    let before = later.clone();
    nat.outbound(Instant::now(), &mut later);
    assert_eq!(later, before);
    assert_eq!(nat.len(), 0);
}

#[test]
fn anything_else_passes_and_nothing_panics() {
    let mut nat = table(61_000);
    let now = Instant::now();
    let seeds = [
        udp("10.0.0.1", 40_000, "203.0.113.10", 53),
        tcp("fd00::1", 40_000, "2001:db8::10", 80, tcp::flags::SYN),
        error(
            &echo("10.0.0.1", "203.0.113.10", 8, 1),
            ErrorKind::TimeExceeded,
            "192.0.2.17",
        ),
    ];
    for seed in &seeds {
        for cut in 0..seed.len() {
            let mut p = seed[..cut].to_vec();
            nat.outbound(now, &mut p);
            let mut p = seed[..cut].to_vec();
            nat.inbound(now, &mut p);
        }
    }
}
