//! What a router and a host refuse or correct as Linux does (found by
//! review): bad headers and checksums, padding, martians, the order of
//! routes and TTL, the source of an error about a datagram to the node
//! itself, extension headers, bounded links.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::checksum;

use super::tests::{chain, echo, run};
use super::*;
use crate::packet::{Outer, ip_packet};
use crate::topology::{Host, Link, Prefix, RouteAction, Router, Unreachable};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The (source, ICMP type, code) of each packet out.
fn answers(out: &[Egress]) -> Vec<(IpAddr, u8, u8)> {
    out.iter()
        .map(|e| {
            let h = Header::parse(&e.packet).unwrap();
            let m = &e.packet[h.transport_at..];
            (h.src, m[0], m[1])
        })
        .collect()
}

/// A UDP datagram to port 33434, checksum filled, behind `ext` (IPv6
/// extension header bytes whose first byte will be set to UDP).
fn udp(src: &str, dst: &str, ttl: u8, ext: &[u8]) -> Vec<u8> {
    let (s, d) = (ip(src), ip(dst));
    let mut seg = vec![0u8; 8 + 12];
    seg[0..2].copy_from_slice(&40000u16.to_be_bytes());
    seg[2..4].copy_from_slice(&33434u16.to_be_bytes());
    seg[4..6].copy_from_slice(&20u16.to_be_bytes());
    let pair = icmpkit_wire::ip::AddressPair::new(s, d).unwrap();
    let sum = pair.sum(17, &seg).checksum();
    seg[6..8].copy_from_slice(&sum.to_be_bytes());
    let (protocol, payload) = if ext.is_empty() {
        (17, seg)
    } else {
        let mut e = ext.to_vec();
        e[0] = 17;
        let first = 60; // Destination Options
        e.extend(seg);
        (first, e)
    };
    ip_packet(
        &Outer {
            src: s,
            dst: d,
            protocol,
            hop_limit: ttl,
            ident: 1,
            dont_frag: true,
        },
        &payload,
    )
    .unwrap()
}

#[test]
fn a_bad_ipv4_header_checksum_is_dropped_not_repaired() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let mut p = echo("10.0.0.1", "203.0.113.10", 64, 8, true);
    p[10] ^= 0xff;
    assert!(run(&mut net, Instant::now(), tun, p).is_empty());
    assert_eq!(net.stats().dropped["bad-header"], 1);
    assert_eq!(net.stats().forwarded, 0);
}

#[test]
fn bytes_past_the_datagram_are_not_part_of_it() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let mut p = echo("10.0.0.1", "203.0.113.10", 64, 8, true);
    p.extend([0xee; 1300]);
    let out = run(&mut net, Instant::now(), tun, p);
    // Answered over the 1280 link: no Fragmentation Needed for junk.
    assert_eq!(answers(&out), [(ip("203.0.113.10"), 0, 0)]);
    assert_eq!(out[0].packet.len(), 20 + 16);
}

#[test]
fn bad_transport_checksums_are_not_answered() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let mut p = echo("10.0.0.1", "203.0.113.10", 64, 8, true);
    p[26] ^= 1;
    assert!(run(&mut net, start, tun, p).is_empty());
    let mut p = echo("fd00::1", "2001:db8:10::10", 64, 8, true);
    p[46] ^= 1;
    assert!(run(&mut net, start, tun, p).is_empty());
    let mut p = udp("10.0.0.1", "203.0.113.10", 64, &[]);
    p[27] ^= 1;
    assert!(run(&mut net, start, tun, p).is_empty());
    assert_eq!(net.stats().dropped["unanswered"], 3);
    // An echo request with a code is answered with that code.
    let mut p = echo("10.0.0.1", "203.0.113.10", 64, 8, true);
    p[21] = 7;
    p[22..24].fill(0);
    let sum = checksum::checksum(&p[20..]);
    p[22..24].copy_from_slice(&sum.to_be_bytes());
    assert_eq!(
        answers(&run(&mut net, start, tun, p)),
        [(ip("203.0.113.10"), 0, 7)]
    );
}

#[test]
fn martian_sources_and_destinations_are_not_forwarded() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    for (src, dst) in [
        ("127.0.0.1", "203.0.113.10"),
        ("0.0.0.7", "203.0.113.10"),
        ("10.0.0.1", "127.0.0.1"),
        ("::1", "2001:db8:10::10"),
    ] {
        assert!(run(&mut net, start, tun, echo(src, dst, 64, 8, true)).is_empty());
    }
    assert_eq!(net.stats().dropped["martian"], 4);
    assert_eq!(net.stats().forwarded, 0);
    // Nor answered when sent to a node itself; nor the limited broadcast
    // forwarded.
    for (src, dst) in [
        ("127.0.0.1", "10.0.1.1"),
        ("224.0.0.5", "10.0.1.1"),
        ("10.0.0.1", "255.255.255.255"),
    ] {
        assert!(run(&mut net, start, tun, echo(src, dst, 64, 8, true)).is_empty());
    }
    assert_eq!(net.stats().dropped["martian"], 7);
    assert_eq!(net.stats().answered, 0);
}

#[test]
fn reject_and_blackhole_routes_come_before_the_ttl() {
    let (mut t, tun) = chain();
    let r1 = t.find("r1").unwrap();
    t.route(
        r1,
        "203.0.113.20/32".parse::<Prefix>().unwrap(),
        RouteAction::Reject(Unreachable::HOST),
    );
    t.route(
        r1,
        "203.0.113.30/32".parse::<Prefix>().unwrap(),
        RouteAction::Blackhole,
    );
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let r1 = ip("10.0.1.1");
    let to = |net: &mut Network, dst: &str| {
        answers(&run(net, start, tun, echo("10.0.0.1", dst, 1, 8, true)))
    };
    assert_eq!(to(&mut net, "203.0.113.20"), [(r1, 3, 1)]);
    assert_eq!(to(&mut net, "203.0.113.30"), []);
    // No route at all: net unreachable, whatever the TTL.
    assert_eq!(to(&mut net, "198.18.0.1"), [(r1, 3, 0)]);
    assert_eq!(to(&mut net, "203.0.113.10"), [(r1, 11, 0)]);
}

#[test]
fn an_error_about_a_datagram_to_the_node_comes_from_the_address_it_was_sent_to() {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("10.0.0.1")]);
    let r1 = t.router("r1", &[ip("10.0.1.1")], Router::default());
    let host = Host {
        any_ip: vec!["203.0.113.0/24".parse().unwrap()],
        ..Host::default()
    };
    let dst = t.host("dst", &[ip("203.0.113.10")], host);
    t.link(tun, r1, Link::ms(1));
    t.link(r1, dst, Link::ms(1));
    let mut net = Network::new(t, 1).unwrap();
    let out = run(
        &mut net,
        Instant::now(),
        tun,
        udp("10.0.0.1", "203.0.113.77", 64, &[]),
    );
    assert_eq!(answers(&out), [(ip("203.0.113.77"), 3, 3)]);
}

#[test]
fn a_host_answers_through_ipv6_extension_headers() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    // Destination Options: next header, length 0, a PadN of 4 bytes.
    let ext = [0u8, 0, 1, 4, 0, 0, 0, 0];
    let p = udp("fd00::1", "2001:db8:10::10", 64, &ext);
    let out = run(&mut net, Instant::now(), tun, p);
    assert_eq!(answers(&out), [(ip("2001:db8:10::10"), 1, 4)]);
}

#[test]
fn refused_and_limited_errors_take_no_identification() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let ident = |out: &[Egress]| u16::from_be_bytes([out[0].packet[4], out[0].packet[5]]);
    let first = run(
        &mut net,
        start,
        tun,
        echo("10.0.0.1", "203.0.113.10", 1, 8, true),
    );
    // Three refused (an error about an error).
    for _ in 0..3 {
        let mut te = echo("10.0.0.1", "203.0.113.10", 1, 36, true);
        te[20] = 11;
        assert!(run(&mut net, start, tun, te).is_empty());
    }
    let next = run(
        &mut net,
        start,
        tun,
        echo("10.0.0.1", "203.0.113.10", 1, 8, true),
    );
    assert_eq!(ident(&next), ident(&first).wrapping_add(1));
    // Held back by a rate limit: no identification taken either.
    let (mut t, tun) = chain();
    let r1 = t.find("r1").unwrap();
    if let NodeKind::Router(r) = &mut t.get_mut(r1).kind {
        r.rate_limit = crate::ratelimit::RateLimit::Bucket(crate::ratelimit::Bucket {
            burst: 1,
            per_second: 1.0,
        });
    }
    let mut net = Network::new(t, 1).unwrap();
    let probe = || echo("10.0.0.1", "203.0.113.10", 1, 8, true);
    let first = run(&mut net, start, tun, probe());
    for _ in 0..3 {
        assert!(run(&mut net, start, tun, probe()).is_empty());
    }
    let next = run(&mut net, start + Duration::from_secs(1), tun, probe());
    assert_eq!(ident(&next), ident(&first).wrapping_add(1));
}

#[test]
fn a_link_holds_a_bounded_number_of_packets() {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("10.0.0.1")]);
    let dst = t.host("dst", &[ip("203.0.113.10")], Host::default());
    t.link(tun, dst, Link::new(Duration::from_secs(5)));
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let p = echo("10.0.0.1", "203.0.113.10", 64, 8, true);
    let n = LINK_QUEUE_LIMIT + 500;
    for _ in 0..n {
        net.inject(start, tun, p.clone());
    }
    assert_eq!(net.stats().dropped["link-queue-full"], 500);
    let mut back = 0u32;
    net.advance(start + Duration::from_secs(20), &mut |_| back += 1);
    // Every request held arrives and is answered.
    assert_eq!(back, LINK_QUEUE_LIMIT);
}

#[test]
fn each_way_of_a_link_has_its_own_room() {
    let mut t = Topology::new();
    let a = t.attachment("a", &[ip("198.51.100.1")]);
    let b = t.attachment("b", &[ip("198.51.100.2")]);
    t.link(a, b, Link::new(Duration::from_secs(5)));
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let ab = echo("198.51.100.1", "198.51.100.2", 64, 8, true);
    let ba = echo("198.51.100.2", "198.51.100.1", 64, 8, true);
    for _ in 0..LINK_QUEUE_LIMIT + 500 {
        net.inject(start, a, ab.clone());
    }
    for _ in 0..10 {
        net.inject(start, b, ba.clone());
    }
    assert_eq!(net.stats().dropped["link-queue-full"], 500);
    let (mut to_a, mut to_b) = (0u32, 0u32);
    net.advance(start + Duration::from_secs(6), &mut |e| {
        if e.attachment == a {
            to_a += 1;
        } else {
            to_b += 1;
        }
    });
    assert_eq!((to_a, to_b), (10, LINK_QUEUE_LIMIT));
}
