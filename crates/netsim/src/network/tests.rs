//! The engine over small topologies: hops, errors, MTU, ECMP, limits.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::checksum;

use super::*;
use crate::packet::{Outer, ip_packet};
use crate::ratelimit::{Bucket, RateLimit};
use crate::topology::{Host, Link, Router};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// tun — r1 — r2 — r3 — r4 — dst, 5 ms per link, the last MTU 1280.
pub(crate) fn chain() -> (Topology, NodeId) {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("10.0.0.1"), ip("fd00::1")]);
    let mut prev = tun;
    for i in 1..=4 {
        let r = t.router(
            format!("r{i}"),
            &[ip(&format!("10.0.{i}.1")), ip(&format!("fd00:{i}::1"))],
            Router::default(),
        );
        t.link(prev, r, Link::ms(5));
        prev = r;
    }
    let dst = t.host(
        "dst",
        &[ip("203.0.113.10"), ip("2001:db8:10::10")],
        Host::default(),
    );
    t.link(prev, dst, Link::ms(5).mtu(1280));
    (t, tun)
}

pub(crate) fn echo(src: &str, dst: &str, ttl: u8, len: usize, df: bool) -> Vec<u8> {
    let (src, dst) = (ip(src), ip(dst));
    let mut msg = vec![0u8; 8 + len];
    msg[0] = if dst.is_ipv4() { 8 } else { 128 };
    msg[4..8].copy_from_slice(&[0x12, 0x34, 0, 1]);
    if dst.is_ipv4() {
        let sum = checksum::checksum(&msg);
        msg[2..4].copy_from_slice(&sum.to_be_bytes());
    } else {
        let pair = icmpkit_wire::ip::AddressPair::new(src, dst).unwrap();
        let sum = pair.sum(58, &msg).checksum();
        msg[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    let outer = Outer {
        src,
        dst,
        protocol: if dst.is_ipv4() { 1 } else { 58 },
        hop_limit: ttl,
        ident: 7,
        dont_frag: df,
    };
    ip_packet(&outer, &msg).unwrap()
}

pub(crate) fn run(net: &mut Network, start: Instant, from: NodeId, packet: Vec<u8>) -> Vec<Egress> {
    net.inject(start, from, packet);
    let mut out = Vec::new();
    net.advance(start + Duration::from_secs(10), &mut |e| out.push(e));
    out
}

#[test]
fn each_hop_answers_its_ttl_and_the_destination_echoes_after_50_ms() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    for (src, dst) in [("10.0.0.1", "203.0.113.10"), ("fd00::1", "2001:db8:10::10")] {
        for ttl in 1..=5u8 {
            let out = run(&mut net, start, tun, echo(src, dst, ttl, 56, true));
            assert_eq!(out.len(), 1, "ttl {ttl}");
            let h = Header::parse(&out[0].packet).unwrap();
            let rtt = out[0].at - start;
            assert_eq!(rtt, Duration::from_millis(10 * u64::from(ttl)), "ttl {ttl}");
            let icmp = &out[0].packet[h.transport_at..];
            if ttl < 5 {
                let v4 = if dst.contains(':') {
                    format!("fd00:{ttl}::1")
                } else {
                    format!("10.0.{ttl}.1")
                };
                assert_eq!(h.src, ip(&v4));
                assert_eq!(icmp[0], if h.src.is_ipv4() { 11 } else { 3 });
            } else {
                assert_eq!(h.src, ip(dst));
                assert_eq!(icmp[0], if h.src.is_ipv4() { 0 } else { 129 });
                // 64 minus four routers on the way back.
                assert_eq!(h.hop_limit, 60);
            }
        }
    }
    assert_eq!(net.stats().errors["time-exceeded"], 8);
    assert_eq!(net.stats().answered, 2);
}

#[test]
fn too_big_names_the_last_links_mtu() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let out = run(
        &mut net,
        start,
        tun,
        echo("10.0.0.1", "203.0.113.10", 64, 1400, true),
    );
    assert_eq!(out.len(), 1);
    let h = Header::parse(&out[0].packet).unwrap();
    let icmp = &out[0].packet[h.transport_at..];
    assert_eq!((icmp[0], icmp[1]), (3, 4));
    assert_eq!(u16::from_be_bytes([icmp[6], icmp[7]]), 1280);
    assert_eq!(h.src, ip("10.0.4.1"));
    let out = run(
        &mut net,
        start,
        tun,
        echo("fd00::1", "2001:db8:10::10", 64, 1400, true),
    );
    let h = Header::parse(&out[0].packet).unwrap();
    let icmp = &out[0].packet[h.transport_at..];
    assert_eq!(icmp[0], 2);
    assert_eq!(
        u32::from_be_bytes([icmp[4], icmp[5], icmp[6], icmp[7]]),
        1280
    );
}

#[test]
fn forbidden_errors_are_refused_and_counted() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    // An error about an error: a Time Exceeded whose TTL runs out.
    let mut te = echo("10.0.0.1", "203.0.113.10", 1, 36, true);
    te[20] = 11;
    assert!(run(&mut net, start, tun, te).is_empty());
    // To multicast.
    assert!(
        run(
            &mut net,
            start,
            tun,
            echo("10.0.0.1", "224.0.0.9", 1, 8, true)
        )
        .is_empty()
    );
    // From 0.0.0.0.
    assert!(
        run(
            &mut net,
            start,
            tun,
            echo("0.0.0.0", "203.0.113.10", 1, 8, true)
        )
        .is_empty()
    );
    let refused = &net.stats().refused;
    assert_eq!(refused["error-about-error"], 1);
    assert_eq!(refused["to-broadcast-or-multicast"], 1);
    assert_eq!(refused["source-not-a-host"], 1);
    assert_eq!(net.stats().errors_sent(), 0);
}

#[test]
fn a_fixed_bucket_sends_its_burst_then_its_rate() {
    let (mut t, tun) = chain();
    let r1 = t.find("r1").unwrap();
    if let NodeKind::Router(r) = &mut t.get_mut(r1).kind {
        r.rate_limit = RateLimit::Bucket(Bucket {
            burst: 10,
            per_second: 100.0,
        });
    }
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let mut got = 0;
    for i in 0..100u64 {
        // A burst of 50 at once, then 50 over half a second.
        let at = if i < 50 {
            start
        } else {
            start + Duration::from_millis(10 * (i - 49))
        };
        net.inject(at, tun, echo("10.0.0.1", "203.0.113.10", 1, 8, true));
        net.advance(at, &mut |_| {});
        net.advance(at + Duration::from_millis(20), &mut |_| got += 1);
    }
    assert_eq!(got, 10 + 50);
    assert_eq!(net.stats().rate_limited["bucket"], 40);
}

#[test]
fn ecmp_per_flow_keeps_a_flow_and_spreads_flows() {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("10.0.0.1")]);
    let r1 = t.router("r1", &[ip("10.0.1.1")], Router::default());
    let a = t.router("a", &[ip("10.0.2.1")], Router::default());
    let b = t.router("b", &[ip("10.0.2.2")], Router::default());
    let r3 = t.router("r3", &[ip("10.0.3.1")], Router::default());
    let dst = t.host("dst", &[ip("203.0.113.10")], Host::default());
    t.link(tun, r1, Link::ms(1));
    t.link(r1, a, Link::ms(1));
    t.link(r1, b, Link::ms(1));
    t.link(a, r3, Link::ms(1));
    t.link(b, r3, Link::ms(1));
    t.link(r3, dst, Link::ms(1));
    let mut net = Network::new(t, 3).unwrap();
    let start = Instant::now();
    let mut seen = std::collections::BTreeSet::new();
    for id in 0..32u8 {
        let mut p = echo("10.0.0.1", "203.0.113.10", 2, 8, true);
        p[24] = id;
        let sum_at = 22;
        p[sum_at..sum_at + 2].fill(0);
        let sum = checksum::checksum(&p[20..]);
        p[sum_at..sum_at + 2].copy_from_slice(&sum.to_be_bytes());
        let first = run(&mut net, start, tun, p.clone());
        let again = run(&mut net, start, tun, p);
        let from = |o: &[Egress]| Header::parse(&o[0].packet).unwrap().src;
        assert_eq!(from(&first), from(&again));
        seen.insert(from(&first));
    }
    assert_eq!(seen.len(), 2);
}
