//! Tools run in-process over an engine topology (`Network::from_topology`):
//! the chain of the issue (tun, r1 to r4, the destination; 5 ms links, the
//! last with MTU 1280), a rate-limiting hop, an ECMP diamond.

use icmpkit_netsim::ratelimit::{LinuxLimits, RateLimit};
use icmpkit_netsim::{NodeId, Topology};
use icmpkit_proto::ping::{Ping, PingConfig, PingEvent, PingOptions};
use icmpkit_proto::trace::{
    Method, ProbeState, Prober, ProberConfig, Trace, TraceConfig, Tracer, TracerEvent,
};

use super::*;

const DEST4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
const DEST6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0x10);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Router `i`: `10.0.i.1` and `fd00:i::1`.
fn router_addrs(i: u8) -> [IpAddr; 2] {
    [ip(&format!("10.0.{i}.1")), ip(&format!("fd00:{i}::1"))]
}

/// tun (`10.0.0.1`, `fd00::1`) — r1 — r2 — r3 — r4 — dst
/// (`203.0.113.10`, `2001:db8:10::10`), 5 ms per link, the last MTU 1280; router `i` as
/// `router(i)` makes it.
fn chain_with(router: impl Fn(u8) -> icmpkit_netsim::Router) -> Topology {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[LOCAL4.into(), LOCAL6.into()]);
    let mut prev = tun;
    for i in 1..=4 {
        let r = t.router(format!("r{i}"), &router_addrs(i), router(i));
        t.link(prev, r, icmpkit_netsim::Link::ms(5));
        prev = r;
    }
    let dst = t.host(
        "dst",
        &[DEST4.into(), DEST6.into()],
        icmpkit_netsim::Host::default(),
    );
    t.link(prev, dst, icmpkit_netsim::Link::ms(5).mtu(1280));
    t
}

fn chain() -> Network {
    Network::from_topology(chain_with(|_| icmpkit_netsim::Router::default()), "tun", 1).unwrap()
}

/// Pings `dst` `count` times over `net`; the replies' sources and RTTs.
fn ping_rtts(net: &mut Network, dst: IpAddr, count: u64) -> Vec<(IpAddr, Duration)> {
    let version = if dst.is_ipv6() {
        IpVersion::V6
    } else {
        IpVersion::V4
    };
    let mut config = PingConfig::new(version, 0x4242, 0x0123_4567_89ab_cdef);
    config.count = Some(count);
    let mut machine = Ping::new(config, dst, PingOptions::default(), net.start());
    let mut replies = Vec::new();
    drive(&mut machine, net, &Signals::none(), |_, event| {
        if let PingEvent::Reply(r) = event {
            replies.push((r.from, r.rtt));
        }
        Ok(())
    })
    .expect("the run");
    replies
}

/// Over the chain `make` builds, whose routers have `routers` (IPv4,
/// IPv6): a ping of the destination takes exactly 50 ms, and a trace
/// (ICMP, UDP, TCP; both families) sees r1 to r4, 10 ms further each, then
/// the destination.
fn assert_the_chain(make: impl Fn() -> Network, routers: &[[IpAddr; 2]; 4]) {
    for dst in [IpAddr::V4(DEST4), IpAddr::V6(DEST6)] {
        let mut net = make();
        assert_eq!(ping_rtts(&mut net, dst, 3), vec![(dst, ms(50)); 3], "{dst}");
        let family = usize::from(dst.is_ipv6());
        let mut want: Vec<(IpAddr, Duration)> = (1..=4u64)
            .zip(routers)
            .map(|(i, r)| (r[family], ms(10 * i)))
            .collect();
        want.push((dst, ms(50)));
        for method in [Method::Icmp, Method::Udp, Method::Tcp] {
            let mut net = make();
            assert_eq!(trace_hops(&mut net, method, dst), want, "{method:?} {dst}");
        }
    }
}

#[test]
fn a_ping_of_the_chain_takes_50_ms_and_a_trace_sees_each_router() {
    assert_the_chain(chain, &[1, 2, 3, 4].map(router_addrs));
}

/// The issue's `examples/netsim/chain.toml`, the local host at its `tun`.
fn chain_toml() -> Network {
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/netsim/chain.toml");
    let topology = icmpkit_netsim::config::load(file).unwrap();
    Network::from_topology(topology, "tun", 1).unwrap()
}

#[test]
fn the_chain_of_the_example_file_is_the_same_chain() {
    let routers = [1, 2, 3, 4].map(|i| {
        [
            ip(&format!("198.51.100.1{i}")),
            ip(&format!("2001:db8:{i}::1")),
        ]
    });
    assert_the_chain(chain_toml, &routers);
    let net = chain_toml();
    assert_eq!(
        (net.source_for(DEST4.into()), net.source_for(DEST6.into())),
        (Some(ip("198.51.100.1")), Some(ip("2001:db8:100::1")))
    );
}

#[test]
fn an_unknown_attachment_is_named() {
    let err = Network::from_topology(chain_with(|_| icmpkit_netsim::Router::default()), "eth0", 1)
        .unwrap_err();
    assert_eq!(err, BuildError::NoAttachment("eth0".into()));
    assert_eq!(
        err.to_string(),
        "the topology has no attachment named \"eth0\": name one of its attachments"
    );
}

/// Traces `dst` with `method`; each hop's first answer: source and RTT.
fn trace_hops(net: &mut Network, method: Method, dst: IpAddr) -> Vec<(IpAddr, Duration)> {
    let prober = Prober::new(&ProberConfig {
        method,
        src: net.source_for(dst).unwrap(),
        dst,
        paris: true,
        key: 0x1234,
        src_port_base: 40000,
        dst_port: 33434,
        transport_len: 40,
    })
    .unwrap();
    let mut tracer = Tracer::new(prober, Trace::new(TraceConfig::default()));
    let mut hops = Vec::new();
    drive(&mut tracer, net, &Signals::none(), |_, event| {
        if let TracerEvent::Progress(hop) = event
            && let Some(ProbeState::Answered(a)) = hop.probes.first()
        {
            hops.push((a.from, a.rtt));
        }
        Ok(())
    })
    .expect("the run");
    hops
}

#[test]
fn the_last_links_mtu_is_what_r4_reports() {
    for (mut net, r4) in [(chain(), "10.0.4.1"), (chain_toml(), "198.51.100.14")] {
        let big = Probe {
            bytes: echo(false, 1, 1, 1300 - 28),
            ..ping(ms(0), DEST4, None, 1)
        };
        let seen = run(&mut net, vec![big], ms(100));
        let (at, _, from, _, bytes) = datagram(&seen[0]);
        assert_eq!((at, from), (ms(40), ip(r4)));
        assert_eq!((bytes[0], bytes[1]), (3, 4));
        assert_eq!(u16::from_be_bytes([bytes[6], bytes[7]]), 1280);
    }
}

#[test]
fn a_linux_rate_limit_on_r2_lets_six_of_ten_time_exceeded_through() {
    let topology = chain_with(|i| icmpkit_netsim::Router {
        rate_limit: if i == 2 {
            RateLimit::Linux(LinuxLimits::default())
        } else {
            RateLimit::None
        },
        ..icmpkit_netsim::Router::default()
    });
    let mut net = Network::from_topology(topology, "tun", 1).unwrap();
    let probes = (0..10).map(|i| ping(ms(0), DEST4, Some(2), i)).collect();
    let seen = run(&mut net, probes, ms(100));
    assert_eq!(seen.len(), 6, "{seen:#?}");
    assert!(seen.iter().all(|s| datagram(s).2 == router_addrs(2)[0]));
    assert_eq!(net.counters().rate_limited, 4);
    assert_eq!(net.stats().rate_limited.get("per-destination"), Some(&4));
}

/// tun — r1 — {a, b} — r3 — dst, shortest paths (r1 balances over a and
/// b per flow), 1 ms links.
fn diamond() -> (Network, [IpAddr; 2]) {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[LOCAL4.into()]);
    let router = |t: &mut Topology, i: u8| -> NodeId {
        t.router(
            format!("r{i}"),
            &[ip(&format!("10.0.{i}.1"))],
            icmpkit_netsim::Router::default(),
        )
    };
    let (r1, a, b, r3) = (
        router(&mut t, 1),
        router(&mut t, 2),
        router(&mut t, 5),
        router(&mut t, 3),
    );
    let dst = t.host("dst", &[DEST4.into()], icmpkit_netsim::Host::default());
    let link = icmpkit_netsim::Link::ms(1);
    for (x, y) in [(tun, r1), (r1, a), (r1, b), (a, r3), (b, r3), (r3, dst)] {
        t.link(x, y, link);
    }
    let net = Network::from_topology(t, "tun", 3).unwrap();
    (net, [ip("10.0.2.1"), ip("10.0.5.1")])
}

fn udp_to(at: Duration, ttl: u8, src_port: u16) -> Probe {
    udp(at, DEST4, ttl, src_port)
}

#[test]
fn ecmp_keeps_a_flow_on_one_branch_and_spreads_flows_over_both() {
    let (mut net, [a, b]) = diamond();
    let one_flow = (0..10).map(|i| udp_to(ms(i), 2, 40000)).collect();
    let from = senders(&run(&mut net, one_flow, ms(100)));
    assert_eq!(from.len(), 10);
    assert!(from.iter().all(|f| *f == from[0]), "{from:?}");
    assert!(from[0] == a || from[0] == b);

    let (mut net, _) = diamond();
    let flows = (0..32)
        .map(|i| udp_to(ms(u64::from(i)), 2, 40000 + i))
        .collect();
    let from = senders(&run(&mut net, flows, ms(100)));
    let via_a = from.iter().filter(|f| **f == a).count();
    let via_b = from.iter().filter(|f| **f == b).count();
    assert_eq!(via_a + via_b, 32);
    assert!(via_a >= 6 && via_b >= 6, "{via_a} via a, {via_b} via b");
}

#[test]
fn the_builders_delivery_options_apply_over_a_topology() {
    let topology = chain_with(|_| icmpkit_netsim::Router::default());
    let mut net = Builder::new()
        .seed(1)
        .errors(ErrorDelivery::Queued)
        .build_over(topology, "tun")
        .unwrap();
    let probe = ping(ms(0), DEST4, Some(1), 1);
    let seen = run(&mut net, vec![probe.clone()], ms(100));
    // A Time Exceeded in transit (type 11, code 0) from r1, queued.
    let want = Seen::Error {
        at: ms(10),
        channel: Channel::Icmp,
        source: ErrorSource::Icmp,
        errno: errno::EHOSTUNREACH,
        icmp_type: 11,
        icmp_code: 0,
        info: 0,
        offender: Some(router_addrs(1)[0]),
        original: probe.bytes,
    };
    assert_eq!(seen, vec![want]);
}
