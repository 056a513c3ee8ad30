//! The engine with fragmentation, reassembly and a NAT: datagrams cut on
//! the way, put together at the host, ports translated and translated back.

use std::time::{Duration, Instant};

use icmpkit_wire::ipv4;

use super::tests::{chain, echo, run};
use super::*;
use crate::fragment::{Reassembled, Reassembly, fragment_v6};
use crate::nat::tests::{ports, transport, udp, valid};
use crate::topology::{Host, Link, Router};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// (offset, MF, total length, TTL) of each IPv4 fragment, its header
/// checksum checked, DF clear, all of one identification.
fn shape(packets: &[Egress]) -> Vec<(u16, bool, usize, u8)> {
    let ident = ipv4::Packet::new_checked(&packets[0].packet[..])
        .unwrap()
        .ident();
    packets
        .iter()
        .map(|e| {
            let v = ipv4::Packet::new_checked(&e.packet[..]).unwrap();
            assert!(v.verify_checksum());
            assert!(!v.dont_frag());
            assert_eq!(v.ident(), ident);
            (v.frag_offset(), v.more_frags(), e.packet.len(), v.ttl())
        })
        .collect()
}

/// Puts fragments together as the receiving host does.
fn reassemble(packets: &[Egress]) -> Vec<u8> {
    let mut r = Reassembly::default();
    let mut whole = None;
    for e in packets {
        if let Reassembled::Complete(p) = r.push(e.at, &e.packet) {
            whole = Some(p);
        }
    }
    whole.expect("complete")
}

#[test]
fn a_3000_byte_echo_goes_and_comes_back_in_fragments() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    // ping -s 2972 -M dont: 3000 bytes, cut to 1500 + 1500 + 40 as it
    // enters, again to 1276 + 244 (twice) + 40 before the last link.
    let request = echo("10.0.0.1", "203.0.113.10", 64, 2972, false);
    assert_eq!(request.len(), 3000);
    let out = run(&mut net, start, tun, request.clone());
    assert_eq!(net.stats().reassembled, 1);
    assert_eq!(net.stats().answered, 1);
    // The host answers 3000 bytes with DF clear: 1256 bytes of data per
    // fragment on its 1280-byte link, four hops back.
    assert_eq!(
        shape(&out),
        [
            (0, true, 1276, 60),
            (1256, true, 1276, 60),
            (2512, false, 488, 60)
        ]
    );
    assert_eq!(net.stats().fragments_made, 3 + 4 + 3);
    assert!(
        out.iter()
            .all(|e| e.at == start + Duration::from_millis(50))
    );
    let reply = reassemble(&out);
    let header = Header::parse(&reply).unwrap();
    assert_eq!(
        (header.src, header.dst),
        (ip("203.0.113.10"), ip("10.0.0.1"))
    );
    assert_eq!(reply[20], 0);
    // Identifier, sequence number and data come back as sent.
    assert_eq!(reply[24..], request[24..]);
    assert!(icmpkit_wire::checksum::is_valid(&reply[20..]));
}

#[test]
fn a_time_exceeded_goes_for_the_first_fragment_only() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let out = run(
        &mut net,
        start,
        tun,
        echo("10.0.0.1", "203.0.113.10", 1, 2972, false),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(net.stats().refused["non-initial-fragment"], 2);
    assert_eq!(net.stats().errors["time-exceeded"], 1);
    // It quotes the first fragment: offset 0, More Fragments set.
    let error = &out[0].packet;
    assert_eq!(error[20], 11);
    let quote = icmpkit_wire::quote::parse(&error[28..], icmpkit_wire::ip::IpVersion::V4).unwrap();
    let icmpkit_wire::quote::QuotedIp::V4 {
        frag_offset,
        more_frags,
        total_length,
        ..
    } = quote.ip
    else {
        panic!("an IPv4 quote");
    };
    assert_eq!((frag_offset, more_frags, total_length), (0, true, 1500));
}

#[test]
fn overlapping_fragments_are_dropped_and_counted() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let request = echo("10.0.0.1", "203.0.113.10", 64, 1172, false);
    let first = crate::fragment::fragment_v4(&request, 700);
    let other = crate::fragment::fragment_v4(&request, 500);
    // 0..680 held; 480..960 overlaps it: the datagram goes, and its
    // last fragment then starts a datagram never completed.
    assert!(run(&mut net, start, tun, first[0].clone()).is_empty());
    assert!(run(&mut net, start, tun, other[1].clone()).is_empty());
    assert!(run(&mut net, start, tun, first[1].clone()).is_empty());
    assert_eq!(net.stats().dropped["fragment-overlap"], 1);
    assert_eq!((net.stats().reassembled, net.stats().answered), (0, 0));
}

#[test]
fn ipv6_fragments_are_put_together_and_answered() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let request = echo("fd00::1", "2001:db8:10::10", 64, 1152, true);
    assert_eq!(request.len(), 1200);
    let fragments = fragment_v6(&request, 600, 0x0102_0304);
    assert_eq!(fragments.len(), 3);
    let mut out = Vec::new();
    for f in fragments.into_iter().rev() {
        out.extend(run(&mut net, start, tun, f));
    }
    assert_eq!(net.stats().reassembled, 1);
    assert_eq!(out.len(), 1);
    let reply = &out[0].packet;
    assert_eq!(reply.len(), 1200);
    assert_eq!(reply[40], 129);
    assert_eq!(reply[44..], request[44..]);
}

/// (offset, M, length, identification, next header after the Fragment
/// header) of each IPv6 fragment: one Fragment header right after the
/// fixed header, whose payload length counts the rest.
fn shape_v6(packets: &[Egress]) -> Vec<(u16, bool, usize, u32, u8)> {
    packets
        .iter()
        .map(|e| {
            let v = icmpkit_wire::ipv6::Packet::new_checked(&e.packet[..]).unwrap();
            assert_eq!(usize::from(v.payload_len()) + 40, e.packet.len());
            assert_eq!(v.next_header(), 44);
            let walk = icmpkit_wire::ipv6::walk_extensions(44, v.payload()).unwrap();
            let f = walk.fragment.unwrap();
            assert_eq!(e.packet[41], 0, "reserved");
            (f.offset, f.more, e.packet.len(), f.ident, e.packet[40])
        })
        .collect()
}

#[test]
fn an_ipv6_echo_over_the_1280_link_comes_back_in_fragments() {
    // ping -6 -s 1300: 1348 bytes, which the sender cuts for the 1280
    // link (after a Packet Too Big); dst answers 1348 bytes and cuts
    // them itself, as Linux's ip6_fragment: 1232 bytes of data (a
    // multiple of 8) in the first, the 76 left in the second.
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let request = echo("fd00::1", "2001:db8:10::10", 64, 1300, true);
    assert_eq!(request.len(), 1348);
    let fragments = fragment_v6(&request, 1280, 0x0102_0304);
    let mut out = Vec::new();
    for f in fragments {
        out.extend(run(&mut net, start, tun, f));
    }
    assert_eq!((net.stats().reassembled, net.stats().answered), (1, 1));
    assert!(net.stats().dropped.is_empty(), "{:?}", net.stats().dropped);
    assert_eq!(net.stats().fragments_made, 2);
    // dst's first IPv6 identification.
    assert_eq!(
        shape_v6(&out),
        [(0, true, 1280, 1, 58), (1232, false, 124, 1, 58)]
    );
    for e in &out {
        let h = Header::parse(&e.packet).unwrap();
        assert_eq!(
            (h.src, h.dst, h.hop_limit),
            (ip("2001:db8:10::10"), ip("fd00::1"), 60)
        );
        assert_eq!(e.at, start + Duration::from_millis(50));
    }
    let reply = reassemble(&out);
    assert_eq!(reply.len(), 1348);
    assert_eq!((reply[6], reply[40], reply[41]), (58, 129, 0));
    assert!(valid(&reply));
    assert_eq!(reply[44..], request[44..]);
}

/// tun (10.0.0.1, 10.0.0.2, `fd00::1`, `fd00::2`) — gw (a NAT towards r2) — r2 — dst,
/// and r2 — far, an attachment outside that shows what leaves the NAT.
fn natted() -> (Network, NodeId, NodeId) {
    let mut t = Topology::new();
    let tun = t.attachment(
        "tun",
        &[ip("10.0.0.1"), ip("10.0.0.2"), ip("fd00::1"), ip("fd00::2")],
    );
    let gw = t.router("gw", &[ip("10.0.1.1"), ip("fd00:1::1")], Router::default());
    let r2 = t.router(
        "r2",
        &[ip("192.0.2.17"), ip("2001:db8:2::1")],
        Router::default(),
    );
    let dst = t.host(
        "dst",
        &[ip("203.0.113.10"), ip("2001:db8:10::10")],
        Host::default(),
    );
    let far = t.attachment("far", &[ip("198.51.100.1"), ip("2001:db8:99::1")]);
    t.link(tun, gw, Link::ms(1));
    t.link(gw, r2, Link::ms(1));
    t.link(r2, dst, Link::ms(1));
    t.link(r2, far, Link::ms(1));
    if let NodeKind::Router(r) = &mut t.get_mut(gw).kind {
        r.nat = Some(crate::topology::Nat {
            outside: r2,
            first_port: 61_000,
        });
    }
    (Network::new(t, 1).unwrap(), tun, far)
}

/// `p` with this TTL / hop limit (the IPv4 header checksum refilled).
fn with_ttl(mut p: Vec<u8>, ttl: u8) -> Vec<u8> {
    if p[0] >> 4 == 4 {
        let mut v = ipv4::Packet::new_unchecked(&mut p[..]);
        v.set_ttl(ttl);
        v.fill_checksum();
    } else {
        p[7] = ttl;
    }
    p
}

/// The error in `out` (one packet): its type, code and source, and the
/// quote's identity; both checksums checked.
fn error_of(out: &[Egress]) -> (u8, u8, IpAddr, icmpkit_wire::quote::ProbeIdentity) {
    assert_eq!(out.len(), 1);
    let p = &out[0].packet;
    assert!(valid(p));
    let h = Header::parse(p).unwrap();
    let icmp = &p[h.transport_at..];
    let version = if h.src.is_ipv4() {
        icmpkit_wire::ip::IpVersion::V4
    } else {
        icmpkit_wire::ip::IpVersion::V6
    };
    let quote = icmpkit_wire::quote::parse(&icmp[8..], version).unwrap();
    (icmp[0], icmp[1], h.src, quote.probe_identity())
}

/// The transport checksum of `p` (UDP or ICMP).
fn transport_sum(p: &[u8]) -> u16 {
    let at = if Header::parse(p).unwrap().protocol == 17 {
        6
    } else {
        2
    };
    let t = transport(p);
    u16::from_be_bytes([t[at], t[at + 1]])
}

#[test]
fn a_port_unreachable_through_the_nat_quotes_the_original_port() {
    let (mut net, tun, far) = natted();
    let start = Instant::now();
    // UDP ports are handed out in turn over both families.
    for (src, dst, other, mapped) in [
        ("10.0.0.1", "203.0.113.10", "198.51.100.1", 61_000),
        ("fd00::1", "2001:db8:10::10", "2001:db8:99::1", 61_001),
    ] {
        let probe = udp(src, 40_000, dst, 33_434);
        let (msg_type, code, from, quoted) = error_of(&run(&mut net, start, tun, probe.clone()));
        let unreachable = if src.contains(':') { (1, 4) } else { (3, 3) };
        assert_eq!(
            (msg_type, code, from),
            (unreachable.0, unreachable.1, ip(dst))
        );
        assert_eq!(quoted.src_port, Some(40_000));
        assert_eq!(quoted.dst_port, Some(33_434));
        assert_eq!(quoted.transport_checksum, Some(transport_sum(&probe)));
        // It left the NAT from another port: the same socket towards
        // `far` shows the mapping.
        let seen = run(&mut net, start, tun, udp(src, 40_000, other, 53));
        assert_eq!(seen[0].attachment, far);
        assert_eq!(ports(&seen[0].packet), (mapped, 53));
        assert!(valid(&seen[0].packet));
    }
}

#[test]
fn a_time_exceeded_from_beyond_the_nat_is_translated_back() {
    let (mut net, tun, _) = natted();
    let start = Instant::now();
    // UDP (traceroute), ICMP echo (traceroute -I), over both families.
    let probes = [
        udp("10.0.0.1", 40_001, "203.0.113.10", 33_435),
        udp("fd00::1", 40_001, "2001:db8:10::10", 33_435),
        echo("10.0.0.1", "203.0.113.10", 64, 32, false),
        echo("fd00::1", "2001:db8:10::10", 64, 32, false),
    ];
    for probe in probes {
        for (ttl, hop) in [(1, "gw"), (2, "r2")] {
            let probe = with_ttl(probe.clone(), ttl);
            let (msg_type, _, from, quoted) = error_of(&run(&mut net, start, tun, probe.clone()));
            let v4 = from.is_ipv4();
            assert_eq!(msg_type, if v4 { 11 } else { 3 });
            let want = match (hop, v4) {
                ("gw", true) => "10.0.1.1",
                ("gw", false) => "fd00:1::1",
                (_, true) => "192.0.2.17",
                (_, false) => "2001:db8:2::1",
            };
            assert_eq!(from, ip(want));
            if quoted.protocol == 17 {
                assert_eq!(quoted.src_port, Some(40_001), "{want}");
            } else {
                assert_eq!(quoted.icmp_ident, Some(0x1234), "{want}");
            }
            assert_eq!(quoted.transport_checksum, Some(transport_sum(&probe)));
        }
    }
}

#[test]
fn two_inside_hosts_with_one_port_get_two_outside_ports() {
    let (mut net, tun, far) = natted();
    let start = Instant::now();
    let mut seen = Vec::new();
    for src in ["10.0.0.1", "10.0.0.2"] {
        let out = run(&mut net, start, tun, udp(src, 5000, "198.51.100.1", 53));
        assert_eq!(out[0].attachment, far);
        let h = Header::parse(&out[0].packet).unwrap();
        seen.push((h.src, ports(&out[0].packet)));
    }
    assert_eq!(
        seen,
        [
            (ip("10.0.0.1"), (61_000, 53)),
            (ip("10.0.0.2"), (61_001, 53))
        ]
    );
    // Answers from outside to each port reach each host at port 5000.
    for (host, port) in [("10.0.0.1", 61_000), ("10.0.0.2", 61_001)] {
        let answer = udp("198.51.100.1", 53, host, port);
        let out = run(&mut net, start, far, answer);
        assert_eq!(out[0].attachment, tun);
        let h = Header::parse(&out[0].packet).unwrap();
        assert_eq!(h.dst, ip(host));
        assert_eq!(ports(&out[0].packet), (53, 5000));
        assert!(valid(&out[0].packet));
    }
}
