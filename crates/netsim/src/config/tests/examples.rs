//! The files of `examples/netsim/`: each loads, and does what its header
//! says.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::super::load;
use crate::Network;
use crate::network::tests::{echo, run};
use crate::packet::Header;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/netsim")
}

#[test]
fn every_example_loads_and_runs() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(examples()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let topology = load(&path).unwrap_or_else(|e| panic!("{e}"));
            let seed = topology.seed().unwrap_or(1);
            Network::new(topology, seed).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "chain.toml",
            "diamond.toml",
            "extensions.toml",
            "lossy.toml",
            "nat.toml",
            "pmtu.toml",
            "ratelimit-global.toml",
            "ratelimited.toml",
            "reject.toml",
            "sweep.toml"
        ]
    );
}

#[test]
fn chain_toml_answers_in_50_ms_through_r1_to_r4() {
    let topology = load(examples().join("chain.toml")).unwrap();
    let tun = topology.find("tun").unwrap();
    let names = ["r1", "r2", "r3", "r4", "dst"];
    let hops: Vec<_> = names
        .iter()
        .map(|n| topology.get(topology.find(n).unwrap()).clone())
        .collect();
    let source = topology.get(tun).clone();
    let mut net = Network::new(topology, 1).unwrap();
    let start = Instant::now();
    for dst in [ip("203.0.113.10"), ip("2001:db8:10::10")] {
        let src = source.addr_like(dst).unwrap();
        for (ttl, hop) in (1..=5u8).zip(&hops) {
            let out = run(
                &mut net,
                start,
                tun,
                echo(&src.to_string(), &dst.to_string(), ttl, 56, true),
            );
            assert_eq!(out.len(), 1, "ttl {ttl}");
            let h = Header::parse(&out[0].packet).unwrap();
            assert_eq!(h.src, hop.addr_like(dst).unwrap(), "ttl {ttl}");
            assert_eq!(
                out[0].at - start,
                Duration::from_millis(10 * u64::from(ttl))
            );
        }
        // A full-size ping: the echo reply after 50 ms.
        let out = run(
            &mut net,
            start,
            tun,
            echo(&src.to_string(), &dst.to_string(), 64, 56, true),
        );
        let h = Header::parse(&out[0].packet).unwrap();
        assert_eq!((h.src, out[0].at - start), (dst, Duration::from_millis(50)));
        // Too big for the last link: r4 names its MTU, 1280.
        let out = run(
            &mut net,
            start,
            tun,
            echo(&src.to_string(), &dst.to_string(), 64, 1300, true),
        );
        let h = Header::parse(&out[0].packet).unwrap();
        assert_eq!(h.src, hops[3].addr_like(dst).unwrap());
        let icmp = &out[0].packet[h.transport_at..];
        let mtu = u32::from_be_bytes([icmp[4], icmp[5], icmp[6], icmp[7]]);
        if dst.is_ipv4() {
            assert_eq!((icmp[0], icmp[1], mtu & 0xffff), (3, 4, 1280));
        } else {
            assert_eq!((icmp[0], mtu), (2, 1280));
        }
    }
}

/// A network running `examples/netsim/NAME`, its attachment `tun`.
fn start(name: &str) -> (Network, crate::NodeId, Instant) {
    let topology = load(examples().join(name)).unwrap();
    let tun = topology.find("tun").unwrap();
    let seed = topology.seed().unwrap_or(1);
    (Network::new(topology, seed).unwrap(), tun, Instant::now())
}

/// What came back to a probe: who sent it, ICMP type and code.
fn answer(out: &[crate::Egress]) -> Option<(IpAddr, u8, u8)> {
    let e = out.first()?;
    let h = Header::parse(&e.packet).unwrap();
    let icmp = &e.packet[h.transport_at..];
    Some((h.src, icmp[0], icmp[1]))
}

/// An echo request from tun's address of `dst`'s family.
fn probe(
    net: &mut Network,
    tun: crate::NodeId,
    at: Instant,
    dst: &str,
    ttl: u8,
) -> Vec<crate::Egress> {
    let src = if dst.contains(':') {
        "2001:db8:100::1"
    } else {
        "198.51.100.1"
    };
    run(net, at, tun, echo(src, dst, ttl, 56, true))
}

#[test]
fn diamond_toml_splits_flows_over_three_routers_that_join() {
    let (mut net, tun, at) = start("diamond.toml");
    let mut hop2 = std::collections::BTreeSet::new();
    for id in 0..64u8 {
        // A flow per identifier (the checksum follows it).
        let mut p = echo("198.51.100.1", "203.0.113.10", 2, 8, true);
        p[24] = id;
        p[22..24].fill(0);
        let sum = icmpkit_wire::checksum::checksum(&p[20..]);
        p[22..24].copy_from_slice(&sum.to_be_bytes());
        let first = answer(&run(&mut net, at, tun, p.clone())).unwrap();
        let again = answer(&run(&mut net, at, tun, p)).unwrap();
        assert_eq!(first, again, "a flow keeps its path");
        hop2.insert(first.0);
    }
    let want: std::collections::BTreeSet<_> = ["198.51.100.21", "198.51.100.22", "198.51.100.23"]
        .into_iter()
        .map(ip)
        .collect();
    assert_eq!(hop2, want);
    let join = answer(&probe(&mut net, tun, at, "203.0.113.10", 3)).unwrap();
    assert_eq!(join, (ip("198.51.100.15"), 11, 0));
    let out = probe(&mut net, tun, at, "2001:db8:10::10", 64);
    assert_eq!(answer(&out).unwrap(), (ip("2001:db8:10::10"), 129, 0));
    assert_eq!(out[0].at - at, Duration::from_millis(8));
}

#[test]
fn reject_toml_has_a_silent_hop_rejects_and_a_black_hole() {
    let (mut net, tun, at) = start("reject.toml");
    let r1 = ip("198.51.100.11");
    let r3 = ip("198.51.100.13");
    let fw = ip("198.51.100.50");
    let mut hops = |dst: &str, ttl: u8| answer(&probe(&mut net, tun, at, dst, ttl));
    assert_eq!(hops("203.0.113.10", 1), Some((r1, 11, 0)));
    assert_eq!(hops("203.0.113.10", 2), None, "r2 is silent");
    assert_eq!(hops("203.0.113.10", 3), Some((r3, 11, 0)));
    assert_eq!(hops("203.0.113.10", 4), Some((ip("203.0.113.10"), 0, 0)));
    assert_eq!(hops("203.0.113.20", 4), Some((r3, 3, 1)));
    // Routes before the TTL, as Linux: an unreachable route answers a
    // datagram whose TTL ends there; a black hole never shows.
    assert_eq!(hops("203.0.113.20", 3), Some((r3, 3, 1)));
    assert_eq!(hops("203.0.113.30", 3), None);
    assert_eq!(hops("203.0.113.30", 4), None);
    assert_eq!(hops("203.0.113.40", 4), Some((r3, 3, 13)));
    assert_eq!(hops("203.0.113.50", 2), Some((fw, 11, 0)));
    assert_eq!(hops("203.0.113.50", 3), Some((fw, 3, 13)));
    let r3 = ip("2001:db8:3::1");
    assert_eq!(hops("2001:db8:10::20", 4), Some((r3, 1, 3)));
    assert_eq!(hops("2001:db8:10::30", 4), None);
    assert_eq!(hops("2001:db8:10::40", 4), Some((r3, 1, 1)));
    assert_eq!(
        hops("2001:db8:10::50", 3),
        Some((ip("2001:db8:50::1"), 1, 1))
    );
}

#[test]
fn sweep_toml_answers_for_half_the_range() {
    let (mut net, tun, at) = start("sweep.toml");
    let mut alive = 0;
    let mut unreachable = 0;
    for i in 0..=255 {
        let dst = format!("203.0.113.{i}");
        match answer(&probe(&mut net, tun, at, &dst, 64)) {
            Some((src, 0, 0)) if src == ip(&dst) => alive += 1,
            Some((src, 3, 1)) if src == ip("198.51.100.11") => unreachable += 1,
            other => panic!("{dst}: {other:?}"),
        }
    }
    assert_eq!((alive, unreachable), (128, 128));
    let v6 = answer(&probe(&mut net, tun, at, "2001:db8:10::ab", 64));
    assert_eq!(v6, Some((ip("2001:db8:10::ab"), 129, 0)));
}

#[test]
fn extensions_toml_quotes_labels_and_interfaces() {
    use icmpkit_wire::extension::Object;
    let (mut net, tun, at) = start("extensions.toml");
    let mut objects = |ttl: u8| -> Vec<String> {
        let out = probe(&mut net, tun, at, "203.0.113.10", ttl);
        let d = icmpkit_wire::dissect::dissect(&out[0].packet).unwrap();
        let Some(ext) = d.extension() else {
            return Vec::new();
        };
        ext.unwrap()
            .objects()
            .map(|o| match o.unwrap() {
                Object::Mpls(stack) => format!(
                    "mpls {:?}",
                    stack
                        .labels()
                        .map(|l| (l.label, l.tc, l.bottom_of_stack, l.ttl))
                        .collect::<Vec<_>>()
                ),
                other => format!("class {}", other.class_num()),
            })
            .collect()
    };
    assert_eq!(
        objects(1),
        ["mpls [(16005, 0, false, 1), (24001, 0, true, 1)]"]
    );
    assert_eq!(objects(2), ["mpls [(24001, 5, true, 1)]"]);
    assert_eq!(objects(3), ["class 2"]);
    assert!(objects(4).is_empty(), "the echo reply has none");
}

#[test]
fn ratelimited_toml_r3s_bucket_sends_ten_of_a_burst() {
    let (mut net, tun, at) = start("ratelimited.toml");
    let mut from_r3 = 0;
    for _ in 0..100 {
        net.inject(at, tun, echo("198.51.100.1", "203.0.113.10", 3, 8, true));
    }
    net.advance(at + Duration::from_secs(1), &mut |e| {
        let h = Header::parse(&e.packet).unwrap();
        assert_eq!(h.src, ip("198.51.100.13"));
        from_r3 += 1;
    });
    assert_eq!(from_r3, 10);
    assert_eq!(net.stats().rate_limited["bucket"], 90);
}

#[test]
fn lossy_toml_loses_about_three_percent_and_jitters() {
    let (mut net, tun, at) = start("lossy.toml");
    let mut rtts = Vec::new();
    let n = 2000u32;
    for i in 0..n {
        let t = at + Duration::from_millis(100 * u64::from(i));
        if let Some(e) = probe(&mut net, tun, t, "203.0.113.10", 64).first() {
            rtts.push(e.at - t);
        }
    }
    // Each way: 1% then 0.5%; a round trip is lost with 2.98%.
    let lost = n - u32::try_from(rtts.len()).unwrap();
    assert!((30..=90).contains(&lost), "{lost} of {n} lost");
    let (lo, hi) = (rtts.iter().min().unwrap(), rtts.iter().max().unwrap());
    assert!(*lo >= Duration::from_millis(52) && *hi <= Duration::from_millis(64));
    assert!(
        hi.saturating_sub(*lo) > Duration::from_millis(8),
        "{lo:?}..{hi:?}"
    );
}

#[test]
fn nat_toml_reaches_the_destination_through_the_nat() {
    let (mut net, tun, at) = start("nat.toml");
    for (dst, reply) in [("203.0.113.10", 0), ("2001:db8:10::10", 129)] {
        let got = answer(&probe(&mut net, tun, at, dst, 64));
        assert_eq!(got, Some((ip(dst), reply, 0)));
    }
}
