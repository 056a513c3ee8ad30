//! Any bytes as a run of packets (each a time step byte, a 2-byte length,
//! then the packet, its TTL and addresses as given) injected into a small
//! network with every feature on: a NAT, ECMP, small MTUs (fragments and
//! Too Big), rate limits, extensions, reject and blackhole routes, AnyIP
//! hosts. No panic; every packet leaving the network is a whole IP packet.
#![no_main]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_netsim::ratelimit::{LinuxLimits, RateLimit};
use icmpkit_netsim::{
    Extensions, Host, Link, Nat, Network, Prefix, RouteAction, Router, Topology, Unreachable,
};
use libfuzzer_sys::fuzz_target;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn network() -> (Network, icmpkit_netsim::NodeId) {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("198.51.100.1"), ip("2001:db8::1")]);
    let r1 = t.router("r1", &[ip("198.51.100.2"), ip("2001:db8::2")], Router::default());
    let r2 = t.router(
        "r2",
        &[ip("198.51.100.3"), ip("2001:db8::3")],
        Router {
            rate_limit: RateLimit::Linux(LinuxLimits::default()),
            extensions: Extensions {
                mpls: vec![],
                interface_info: true,
            },
            ..Router::default()
        },
    );
    let a = t.router("a", &[ip("198.51.100.4"), ip("2001:db8::4")], Router::default());
    let b = t.router("b", &[ip("198.51.100.5")], Router::default());
    let dst = t.host(
        "dst",
        &[ip("203.0.113.10"), ip("2001:db8:10::10")],
        Host {
            any_ip: vec![Prefix::new(ip("203.0.113.0"), 28).unwrap()],
            ..Host::default()
        },
    );
    t.link(tun, r1, Link::ms(1));
    t.link(r1, r2, Link::ms(1).mtu(1280));
    t.link(r2, a, Link::ms(1).loss(0.1));
    t.link(r2, b, Link::ms(2).jitter(Duration::from_micros(500)));
    t.link(a, dst, Link::ms(1).mtu(1280));
    t.link(b, dst, Link::ms(1).mtu(600));
    if let icmpkit_netsim::NodeKind::Router(r) = &mut t.get_mut(r1).kind {
        r.nat = Some(Nat {
            outside: r2,
            first_port: 40_000,
        });
    }
    t.route(r2, "203.0.113.64/26".parse().unwrap(), RouteAction::Reject(Unreachable::PROHIBITED));
    t.route(r2, "203.0.113.128/26".parse().unwrap(), RouteAction::Blackhole);
    (Network::new(t, 7).unwrap(), tun)
}

fuzz_target!(|data: &[u8]| {
    let (mut net, tun) = network();
    let start = Instant::now();
    let mut now = start;
    let mut rest = data;
    let mut check = |e: icmpkit_netsim::Egress| {
        assert!(matches!(e.packet.first().map(|b| b >> 4), Some(4 | 6)));
    };
    while let [step, hi, lo, after @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(after.len());
        let (packet, next) = after.split_at(len);
        rest = next;
        now += Duration::from_micros(u64::from(*step) << 8);
        net.inject(now, tun, packet.to_vec());
        net.advance(now, &mut check);
    }
    net.advance(now + Duration::from_secs(60), &mut check);
});
