use icmpkit_lab::packets::{echo_v4, icmp, v4_between, v4_edited, v6_between};

use super::*;
use crate::detect::{Finding, Severity};
use crate::observe::{Direction, Timestamp};

const SCANNER: [u8; 4] = [203, 0, 113, 66];
const MONITOR: [u8; 4] = [192, 0, 2, 11];
const TARGET: [u8; 4] = [198, 51, 100, 2];

/// `[192, 0, 2, n]`.
fn lan(n: u8) -> [u8; 4] {
    [192, 0, 2, n]
}

/// Feeds `packets` (capture time in nanoseconds, IP packet) to `detector`
/// as the guard does (the IP packet hook, then the message), ends the
/// input, and returns the findings. Shared with the anomaly tests.
pub(crate) fn feed(detector: &mut dyn Detector, packets: &[(Nanos, Vec<u8>)]) -> Vec<Finding> {
    feed_from(detector, packets, Direction::Unknown)
}

/// The same with every packet going `direction`.
pub(crate) fn feed_from(
    detector: &mut dyn Detector,
    packets: &[(Nanos, Vec<u8>)],
    direction: Direction,
) -> Vec<Finding> {
    let mut alerts = Alerts::new(300 * SECOND);
    let base = 1_700_000_000 * SECOND;
    let mut latest = 0;
    for (i, (time, ip)) in packets.iter().enumerate() {
        let now = base + time;
        latest = now;
        let frame = i as u64 + 1;
        detector.packet(&IpPacket {
            frame,
            now,
            ip,
            direction,
        });
        let Some(d) = icmpkit_wire::dissect::dissect(ip) else {
            continue;
        };
        let seen = Seen {
            frame,
            time: Timestamp {
                seconds: now / SECOND,
                nanoseconds: u32::try_from(now % SECOND).unwrap(),
            },
            now,
            ip,
            d: &d,
            direction,
            link_broadcast: false,
            fragments: 0,
            reassembly: None,
            echo: None,
        };
        detector.message(&seen, &mut alerts);
    }
    detector.finish(latest, &mut alerts);
    std::iter::from_fn(|| alerts.poll()).collect()
}

fn names(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.detection.name()).collect()
}

fn recon() -> Recon {
    Recon::new(&Settings::default())
}

/// An echo request from `src` to `dst` with `data`, sent with `ttl`.
fn echo_ttl(src: [u8; 4], dst: [u8; 4], seq: u16, data: &[u8], ttl: u8) -> Vec<u8> {
    v4_edited(v4_between(src, dst, echo_v4(false, 7, seq, data)), |h| {
        h[8] = ttl;
    })
}

/// An echo request with 56 bytes of data, TTL 64 (ping's and fping's
/// default).
fn ping(src: [u8; 4], dst: [u8; 4], seq: u16) -> Vec<u8> {
    echo_ttl(src, dst, seq, &[0x42; 56], 64)
}

/// nmap -PP's timestamp request: all three timestamps 0.
fn zero_timestamp(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    v4_between(src, dst, icmp(13, 0, [0x12, 0x34, 0, 0], &[0; 12]))
}

/// nmap -PM's address mask request.
fn mask(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    v4_between(src, dst, icmp(17, 0, [0x56, 0x78, 0, 0], &[0; 4]))
}

#[test]
fn an_echo_sweep_is_raised_at_the_threshold_of_distinct_destinations() {
    // 23 distinct destinations (each twice): no sweep.
    let below: Vec<_> = (0..46u8)
        .map(|i| (u64::from(i) * 10_000_000, ping(SCANNER, lan(1 + i % 23), 1)))
        .collect();
    assert_eq!(feed(&mut recon(), &below), []);
    // The 24th raises it, once; later ones are repeats.
    let sweep: Vec<_> = (0..40u8)
        .map(|i| (u64::from(i) * 10_000_000, ping(SCANNER, lan(1 + i), 1)))
        .collect();
    let findings = feed(&mut recon(), &sweep);
    assert_eq!(names(&findings), ["host-sweep"]);
    let f = &findings[0];
    assert_eq!(
        (f.severity, f.confidence, f.frame),
        (Severity::Medium, 70, 24)
    );
    assert_eq!(f.src.to_string(), "203.0.113.66");
    assert_eq!(f.dst.to_string(), "192.0.2.24");
    assert_eq!(f.evidence.packets, 24);
    assert_eq!(f.evidence.first_frame, 1);
    let facts: Vec<_> = f
        .evidence
        .facts
        .iter()
        .map(|f| (f.name, f.value.to_string()))
        .collect();
    assert_eq!(
        facts,
        [
            ("destinations", "24".to_owned()),
            ("kinds", "echo".to_owned())
        ]
    );
    assert_eq!(
        f.explanation,
        "203.0.113.66 sent 24 echo requests to 24 distinct addresses in 0.2 s (the threshold \
         is 24 within 60 s), the latest to 192.0.2.24: a host sweep mapping which addresses \
         are alive."
    );
}

#[test]
fn timestamp_and_mask_sweeps_need_fewer_destinations() {
    let seven: Vec<_> = (0..7u8)
        .map(|i| (u64::from(i) * SECOND, zero_timestamp(SCANNER, lan(1 + i))))
        .collect();
    let findings = feed(&mut recon(), &seven);
    // Seven zero timestamps are nmap's -PP shape (Low, weak) but no sweep.
    assert_eq!(names(&findings), ["scanner-probe"]);
    let eight: Vec<_> = (0..8u8)
        .map(|i| (u64::from(i) * SECOND, mask(SCANNER, lan(1 + i))))
        .collect();
    let findings = feed(&mut recon(), &eight);
    // The mask shape waited 5 s for stronger evidence, then was raised Low.
    assert_eq!(names(&findings), ["scanner-probe", "host-sweep"]);
    assert_eq!(
        (findings[0].severity, findings[0].frame),
        (Severity::Low, 1)
    );
    let f = &findings[1];
    assert_eq!((f.frame, f.evidence.packets), (8, 8));
    assert!(
        f.explanation.starts_with(
            "203.0.113.66 sent 8 address-mask requests to 8 distinct addresses in 7.0 s (8 of \
             them timestamp or address-mask requests, which no ordinary tool sends: 8 such \
             destinations make a sweep)"
        ),
        "{}",
        f.explanation
    );
}

#[test]
fn a_sweep_slower_than_the_window_is_not_counted_as_one() {
    // 20 destinations, then 20 more 61 s later: never 24 in one window.
    let packets: Vec<_> = (0..40u8)
        .map(|i| {
            let t = u64::from(i / 20) * 61 * SECOND + u64::from(i % 20) * SECOND / 10;
            (t, ping(SCANNER, lan(1 + i), 1))
        })
        .collect();
    assert_eq!(feed(&mut recon(), &packets), []);
}

#[test]
fn a_monitor_pinging_ten_hosts_for_ten_minutes_raises_nothing() {
    let mut packets = Vec::new();
    for round in 0..600u16 {
        for host in 0..10u8 {
            let t = u64::from(round) * SECOND + u64::from(host) * 1_000_000;
            packets.push((t, ping(MONITOR, lan(100 + host), round)));
        }
    }
    assert_eq!(feed(&mut recon(), &packets), []);
}

#[test]
fn nmap_discovery_shapes_from_one_source_are_a_scanner() {
    let packets = [
        (0, echo_ttl(SCANNER, lan(10), 0, &[], 41)),
        (1_000_000, zero_timestamp(SCANNER, lan(10))),
        (2_000_000, mask(SCANNER, lan(10))),
    ];
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["scanner-probe"]);
    let f = &findings[0];
    assert_eq!(
        (f.severity, f.confidence, f.frame),
        (Severity::Medium, 85, 2)
    );
    assert_eq!(
        f.explanation,
        "203.0.113.66 sent probes shaped as nmap's (echo request with no data (-PE); timestamp \
         request with a zero originate timestamp (-PP)) to 1 address, the latest to \
         192.0.2.10: ordinary ping tools never send these."
    );
}

#[test]
fn os_detection_echo_probes_are_a_scanner_alone() {
    // IE1: code 9, 120 zero bytes.
    let ie1 = v4_between(
        SCANNER,
        TARGET,
        icmp(8, 9, [0xab, 0xcd, 1, 0x27], &[0; 120]),
    );
    let findings = feed(&mut recon(), &[(0, ie1.clone())]);
    assert_eq!(names(&findings), ["scanner-probe"]);
    assert_eq!(
        (findings[0].severity, findings[0].confidence),
        (Severity::Medium, 80)
    );
    // IE2 (TOS 4) after it: both, but one finding (the first is active).
    let zeros150 = v4_between(
        SCANNER,
        TARGET,
        icmp(8, 0, [0xab, 0xce, 1, 0x28], &[0; 150]),
    );
    let ie2 = v4_edited(zeros150.clone(), |h| h[1] = 4);
    let findings = feed(&mut recon(), &[(0, ie1), (1000, ie2.clone())]);
    assert_eq!(names(&findings), ["scanner-probe"]);
    let findings = feed(&mut recon(), &[(0, ie2)]);
    assert!(
        findings[0]
            .explanation
            .contains("TOS 4 and 150 zero bytes (IE2)"),
        "{}",
        findings[0].explanation
    );
    // fping -b 150: 150 zero bytes with TOS 0, not nmap.
    assert_eq!(feed(&mut recon(), &[(0, zeros150)]), []);
}

#[test]
fn empty_echoes_to_two_hosts_are_weak_evidence_raised_low() {
    // One empty echo to one host is what each source of a spoofed-source
    // flood leaves: nothing to say about it.
    let findings = feed(&mut recon(), &[(0, echo_ttl(SCANNER, TARGET, 0, &[], 50))]);
    assert_eq!(names(&findings), Vec::<&str>::new());
    // A probe to a second host after the grace raises both then.
    let packets = [
        (0, echo_ttl(SCANNER, TARGET, 0, &[], 50)),
        (6 * SECOND, echo_ttl(SCANNER, lan(5), 0, &[], 50)),
    ];
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["scanner-probe"]);
    assert_eq!((findings[0].frame, findings[0].confidence), (1, 45));
}

#[test]
fn ordinary_pings_and_empty_echo_floods_are_not_scanners() {
    // ping, fping: 56 bytes; traceroute -I: 32; mtr: 36.
    let packets: Vec<_> = [56usize, 32, 36, 48]
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            (
                i as u64 * SECOND,
                echo_ttl(MONITOR, TARGET, 1, &vec![0; n], 64),
            )
        })
        .collect();
    assert_eq!(feed(&mut recon(), &packets), []);
    // hping3 --icmp (no data) at a flood rate, or ping -s 0: one target.
    let flood: Vec<_> = (0..1000u16)
        .map(|i| {
            (
                u64::from(i) * 1_000_000,
                echo_ttl(SCANNER, TARGET, i, &[], 64),
            )
        })
        .collect();
    assert_eq!(feed(&mut recon(), &flood), []);
    // A timestamp request that sets its originate timestamp (hping3).
    let ts = v4_between(
        MONITOR,
        TARGET,
        icmp(
            13,
            0,
            [0, 1, 0, 1],
            &[0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
    );
    assert_eq!(feed(&mut recon(), &[(0, ts)]), []);
}

#[test]
fn probes_with_consecutive_small_ttls_are_a_ttl_walk() {
    // traceroute -I: three probes per TTL, 1 to 3.
    let packets: Vec<_> = (0..9u8)
        .map(|i| {
            (
                u64::from(i) * 100_000_000,
                echo_ttl(MONITOR, TARGET, u16::from(i), &[0; 32], 1 + i / 3),
            )
        })
        .collect();
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["ttl-walk"]);
    let f = &findings[0];
    assert_eq!((f.severity, f.confidence, f.frame), (Severity::Info, 85, 7));
    assert_eq!(
        (f.src.to_string().as_str(), f.dst.to_string().as_str()),
        ("192.0.2.11", "198.51.100.2")
    );
    assert_eq!(
        f.explanation,
        "192.0.2.11 is tracing the path to 198.51.100.2: its packets carried TTLs from 1 to 3 \
         (3 consecutive). traceroute, mtr and tracepath do this."
    );
    // Two TTLs, or three that are not consecutive (nmap's random TTLs as
    // they arrive far away), or ordinary TTLs: nothing.
    for ttls in [[1, 2, 2], [3, 7, 12], [64, 63, 62]] {
        let packets: Vec<_> = ttls
            .iter()
            .enumerate()
            .map(|(i, &t)| (i as u64 * SECOND, echo_ttl(MONITOR, TARGET, 1, &[0; 32], t)))
            .collect();
        assert_eq!(feed(&mut recon(), &packets), [], "{ttls:?}");
    }
}

/// A Time Exceeded from `router` quoting an ICMP echo from `src` to `dst`
/// that arrived with TTL 1.
fn time_exceeded(router: [u8; 4], src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let quoted = echo_ttl(src, dst, 1, &[], 1);
    v4_between(router, src, icmp(11, 0, [0; 4], &quoted[..28]))
}

#[test]
fn time_exceeded_from_three_routers_about_one_pair_is_a_ttl_walk() {
    let routers = [[203, 0, 113, 1], [203, 0, 113, 5], [192, 0, 2, 30]];
    let two: Vec<_> = routers[..2]
        .iter()
        .enumerate()
        .map(|(i, &r)| (i as u64 * SECOND, time_exceeded(r, MONITOR, TARGET)))
        .collect();
    assert_eq!(feed(&mut recon(), &two), []);
    let three: Vec<_> = routers
        .iter()
        .enumerate()
        .map(|(i, &r)| (i as u64 * SECOND, time_exceeded(r, MONITOR, TARGET)))
        .collect();
    let findings = feed(&mut recon(), &three);
    assert_eq!(names(&findings), ["ttl-walk"]);
    let f = &findings[0];
    assert_eq!(
        (f.src.to_string().as_str(), f.dst.to_string().as_str()),
        ("192.0.2.11", "198.51.100.2")
    );
    assert_eq!(
        (f.frame, f.evidence.first_frame, f.evidence.packets),
        (3, 1, 3)
    );
    assert!(
        f.explanation
            .contains("3 routers answered with Time Exceeded"),
        "{}",
        f.explanation
    );
}

#[test]
fn ipv6_probes_count_too() {
    let src = [
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
    ];
    let dst = [
        0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    ];
    let packets: Vec<_> = (1..=3u8)
        .map(|hop| {
            let message = icmp(128, 0, [0, 9, 0, hop], &[0; 24]);
            (u64::from(hop) * SECOND, v6_between(src, dst, hop, message))
        })
        .collect();
    assert_eq!(names(&feed(&mut recon(), &packets)), ["ttl-walk"]);
}

#[test]
fn state_stays_at_its_caps_under_a_flood_of_addresses() {
    let settings = Settings {
        sources: 64,
        pairs: 32,
        ..Settings::default()
    };
    let mut recon = Recon::new(&settings);
    // 5,000 sources, each sending an empty echo with TTL 1 and a mask
    // request to one destination.
    let packets: Vec<_> = (0..5000u32)
        .flat_map(|i| {
            let [_, _, a, b] = i.to_be_bytes();
            let src = [10, 1, a, b];
            [
                (u64::from(i) * 1000, echo_ttl(src, TARGET, 0, &[], 1)),
                (
                    u64::from(i) * 1000 + 1,
                    v4_between(src, TARGET, icmp(17, 0, [0; 4], &[0; 4])),
                ),
            ]
        })
        .collect();
    let _ = feed(&mut recon, &packets);
    assert_eq!(recon.held(), 64 + 32 + 64);
}

/// A UDP datagram from `src` to `dst` with `ttl` (traceroute's probe).
fn udp_probe(src: [u8; 4], dst: [u8; 4], ttl: u8, port: u16) -> Vec<u8> {
    let [p0, p1] = port.to_be_bytes();
    let udp = [0x82, 0x9a, p0, p1, 0, 8, 0, 0];
    v4_edited(
        icmpkit_lab::packets::ipv4_with_options(17, &[], &udp),
        |h| {
            h[8] = ttl;
            h[12..16].copy_from_slice(&src);
            h[16..20].copy_from_slice(&dst);
        },
    )
}

#[test]
fn a_udp_traceroute_ends_its_walk_with_port_unreachable() {
    // Two routers answer TTLs 1 and 2; the TTL 3 probe reaches the target,
    // which answers Port Unreachable.
    let routers = [[192, 0, 2, 30], [203, 0, 113, 5]];
    let mut packets = Vec::new();
    for ttl in 1..=3u8 {
        let t = u64::from(ttl) * SECOND;
        let probe = udp_probe(MONITOR, SCANNER, ttl, 33433 + u16::from(ttl));
        packets.push((t, probe.clone()));
        let mut quoted = v4_edited(probe, |h| h[8] = 1);
        quoted.truncate(28);
        let (from, msg_type, code) = match ttl {
            3 => (SCANNER, 3, 3),
            _ => (routers[usize::from(ttl) - 1], 11, 0),
        };
        packets.push((
            t + 1000,
            v4_between(from, MONITOR, icmp(msg_type, code, [0; 4], &quoted)),
        ));
    }
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["ttl-walk"]);
    let f = &findings[0];
    assert_eq!((f.frame, f.msg_type), (6, 3));
    assert_eq!(
        (f.src.to_string().as_str(), f.dst.to_string().as_str()),
        ("192.0.2.11", "203.0.113.66")
    );
    assert_eq!(
        f.explanation,
        "192.0.2.11 is tracing the path to 203.0.113.66: 2 routers answered with Time Exceeded \
         and its packets carried TTLs from 1 to 3 (3 consecutive). traceroute, mtr and \
         tracepath do this."
    );
    // The Port Unreachable alone, about a pair never seen: nothing, no state.
    let mut recon = recon();
    let mut quoted = udp_probe(MONITOR, SCANNER, 1, 33434);
    quoted.truncate(28);
    let lone = v4_between(SCANNER, MONITOR, icmp(3, 3, [0; 4], &quoted));
    assert_eq!(feed(&mut recon, &[(0, lone)]), []);
    assert_eq!(recon.held(), 0);
}

#[test]
fn empty_echoes_to_many_hosts_are_weak_evidence_however_many() {
    // nmap -6 -sn -PE: one empty echo per host, twice for those silent.
    let packets: Vec<_> = (0..40u8)
        .map(|i| {
            (
                u64::from(i) * 1_000_000,
                echo_ttl(SCANNER, lan(1 + i % 20), 0, &[], 50),
            )
        })
        .collect();
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["scanner-probe"]);
    assert_eq!(
        (findings[0].severity, findings[0].confidence),
        (Severity::Low, 45)
    );
    assert!(
        findings[0].explanation.starts_with(
            "203.0.113.66 sent 40 probes shaped as nmap's echo request with no data (-PE) to at \
             least 8 addresses: "
        ),
        "{}",
        findings[0].explanation
    );
}

#[test]
fn entries_are_as_small_as_documented() {
    // Key and value, without the LRU's own node (two pointers and a slot).
    assert!(sweep::entry_size() <= 400, "{}", sweep::entry_size());
    assert!(walk::entry_size() <= 112, "{}", walk::entry_size());
    assert!(scanner::entry_size() <= 176, "{}", scanner::entry_size());
}

#[test]
fn shapes_far_apart_are_not_put_together() {
    // A zero timestamp, then an empty echo two minutes later: the
    // timestamp is raised Low alone when its window is over; the lone echo
    // says nothing.
    let packets = [
        (0, zero_timestamp(SCANNER, TARGET)),
        (120 * SECOND, echo_ttl(SCANNER, TARGET, 0, &[], 50)),
    ];
    let findings = feed(&mut recon(), &packets);
    assert_eq!(names(&findings), ["scanner-probe"]);
    assert_eq!(
        (findings[0].severity, findings[0].frame),
        (Severity::Low, 1)
    );
    assert!(
        findings[0].explanation.contains("(-PP)"),
        "{}",
        findings[0].explanation
    );
    assert!(
        !findings[0].explanation.contains("(-PE)"),
        "{}",
        findings[0].explanation
    );
}
