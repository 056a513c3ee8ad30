//! The routers' ICMP rate limits, proved through `icmpkit netsim up`'s TUN
//! device: bursts of probes crafted onto the device
//! (`lab/netsim/craft.py`), the errors that come back recorded by tcpdump
//! and read by tshark, and the netsim's `rate_limited` counters.
//!
//! - `examples/netsim/ratelimited.toml`: r3's fixed bucket (burst 10,
//!   1/s) answers exactly the first 10 of 100 probes, then one per second
//!   of pause; r1's Linux limit answers 6 per destination (IPv4 and IPv6
//!   alike), then one per second.
//! - `examples/netsim/ratelimit-global.toml`: Linux's global bucket,
//!   whose cost per error is random since CVE-2020-25705, answers a
//!   different number of probes in each burst from 100 sources (LTP's
//!   `cve-2020-25705` test: a count that is the same every time is the
//!   side channel).
//! - `examples/netsim/pmtu.toml`: Linux's limit never holds back
//!   Fragmentation Needed nor Packet Too Big (path MTU discovery).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use icmpkit_lab::netns::Lab;
use icmpkit_lab::netsim::{Capture, Netsim, craft, example};
use icmpkit_lab::{icmpkit, require, tshark};

const TUN_V4: &str = "198.51.100.1";
const TUN_V6: &str = "2001:db8:100::1";
const DST_V4: &str = "203.0.113.10";
const DST_V6: &str = "2001:db8:10::10";

/// A lab with one namespace, or `None` when a program is missing.
fn lab(test: &str) -> Option<Lab> {
    for program in ["tcpdump", "python3", "tshark"] {
        if !require::program(program) {
            return None;
        }
    }
    Lab::host(test)
}

/// One line per probe: `echo SRC DST TTL ID SEQ` for each of `seqs`.
fn echoes(src: &str, dst: &str, ttl: u8, seqs: std::ops::RangeInclusive<u16>) -> String {
    let mut specs = String::new();
    for seq in seqs {
        let _ = writeln!(specs, "echo {src} {dst} {ttl} {ttl} {seq}");
    }
    specs
}

#[test]
fn fixed_and_linux_limits_answer_their_burst_then_their_rate() {
    let test = "fixed_and_linux_limits_answer_their_burst_then_their_rate";
    let Some(lab) = lab(test) else {
        return;
    };
    let netsim = Netsim::start(
        &lab,
        "host",
        icmpkit!(),
        &["--json", &example("ratelimited.toml")],
    );
    let capture = Capture::start(&lab, "host", "netsim0", test);
    // 100 probes in a burst each: TTL 1 expires at r1 (Linux), TTL 3 at r3
    // (the bucket); then after 2.5 s ten more to r1, after 3.5 s ten more
    // to r3.
    let specs = [
        echoes(TUN_V4, DST_V4, 1, 1..=100),
        echoes(TUN_V6, DST_V6, 1, 1..=100),
        echoes(TUN_V4, DST_V4, 3, 1..=100),
        "sleep 2.5\n".into(),
        echoes(TUN_V4, DST_V4, 1, 1001..=1010),
        echoes(TUN_V6, DST_V6, 1, 1001..=1010),
        "sleep 1.0\n".into(),
        echoes(TUN_V4, DST_V4, 3, 1001..=1010),
    ]
    .concat();
    assert_eq!(craft(&lab, "host", "netsim0", &specs), 330);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");

    // The quoted probes' sequence numbers of the Time Exceeded each
    // router sent, read by tshark.
    let rows = tshark::fields(
        &file,
        "icmp.type == 11 or icmpv6.type == 3",
        &[
            &tshark::VERDICT_FIELDS[..],
            &[
                "ip.src",
                "ipv6.src",
                "icmp.seq",
                "icmpv6.echo.sequence_number",
            ],
        ]
        .concat(),
    );
    let _ = std::fs::remove_file(&file);
    let mut answered: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for row in &rows {
        let (msg_type, _, checksum) = row.verdict();
        assert!(matches!(msg_type, 11 | 3) && checksum == 1, "{row:?}");
        let from = [row.first("ip.src"), row.first("ipv6.src")].concat();
        let seq = [
            row.first("icmp.seq"),
            row.first("icmpv6.echo.sequence_number"),
        ]
        .concat();
        answered
            .entry(from)
            .or_default()
            .push(seq.parse().unwrap_or_else(|_| panic!("{row:?}")));
    }
    let want: BTreeMap<String, Vec<u16>> = [
        // r1, Linux: 6 per destination, then 1 per second of pause.
        ("198.51.100.11", vec![1, 2, 3, 4, 5, 6, 1001, 1002]),
        ("2001:db8:1::1", vec![1, 2, 3, 4, 5, 6, 1001, 1002]),
        // r3, the bucket: its 10, then 1 per second of pause.
        (
            "198.51.100.13",
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1001, 1002, 1003],
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(answered, want);

    assert_eq!(summary["errors"], serde_json::json!({"time-exceeded": 29}));
    assert_eq!(
        summary["rate_limited"],
        serde_json::json!({"bucket": 97, "per-destination": 204}),
        "{summary}"
    );
    assert_eq!(summary["refused"], serde_json::json!({}));
}

/// The bursts of the global-bucket test, and the sources in each.
const BURSTS: u16 = 5;
const SOURCES: u16 = 100;

#[test]
fn linux_global_bucket_answers_a_different_count_each_burst() {
    let test = "linux_global_bucket_answers_a_different_count_each_burst";
    let Some(lab) = lab(test) else {
        return;
    };
    let netsim = Netsim::start(
        &lab,
        "host",
        icmpkit!(),
        &["--json", &example("ratelimit-global.toml")],
    );
    let capture = Capture::start(&lab, "host", "netsim0", test);
    // Five bursts, 1.2 s apart (the global bucket full again, each
    // source's own bucket never empty): 100 UDP probes from 100 sources
    // to 100 AnyIP addresses of lan, the burst's number in the port.
    let mut specs = String::new();
    for burst in 0..BURSTS {
        if burst > 0 {
            specs.push_str("sleep 1.2\n");
        }
        for i in 0..SOURCES {
            let _ = writeln!(
                specs,
                "udp 198.51.100.{} 203.0.113.{} 64 40000 {}",
                128 + i,
                1 + i,
                33434 + burst
            );
        }
    }
    let probes = usize::from(BURSTS * SOURCES);
    assert_eq!(craft(&lab, "host", "netsim0", &specs), probes);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");

    // Port Unreachables per burst, by the quoted destination port.
    let rows = tshark::fields(
        &file,
        "icmp.type == 3",
        &[&tshark::VERDICT_FIELDS[..], &["udp.dstport"]].concat(),
    );
    let _ = std::fs::remove_file(&file);
    let mut per_burst = vec![0u64; usize::from(BURSTS)];
    for row in &rows {
        assert_eq!(row.verdict(), (3, 3, 1), "{row:?}");
        let port: u16 = row.first("udp.dstport").parse().unwrap();
        per_burst[usize::from(port - 33434)] += 1;
    }
    eprintln!("answered per burst: {per_burst:?}");
    // Each burst meets the global bucket (50, 0 to 2 a message): some
    // answered, many held; never the same count in every burst (the
    // first included: the bucket starts as Linux's, refilled once).
    // (A burst that takes longer than 20 ms gets a refill in its middle:
    // more answered, never all.)
    for &n in &per_burst {
        assert!((20..100).contains(&n), "{per_burst:?}");
    }
    assert!(
        per_burst.windows(2).any(|w| w[0] != w[1]),
        "the same count every burst: {per_burst:?}"
    );
    let answered: u64 = per_burst.iter().sum();
    assert_eq!(
        summary["errors"],
        serde_json::json!({ "unreachable": answered })
    );
    // Only the global bucket held any back.
    assert_eq!(
        summary["rate_limited"],
        serde_json::json!({ "global": probes as u64 - answered }),
        "{summary}"
    );
}

#[test]
fn linux_limits_never_hold_back_path_mtu_discovery() {
    let test = "linux_limits_never_hold_back_path_mtu_discovery";
    let Some(lab) = lab(test) else {
        return;
    };
    let netsim = Netsim::start(&lab, "host", icmpkit!(), &["--json", &example("pmtu.toml")]);
    let capture = Capture::start(&lab, "host", "netsim0", test);
    // 20 each, in a burst, to r2 behind r1's 1280 link: too big (DF),
    // too big (IPv6), and TTL 1.
    let mut specs = String::new();
    for i in 0..20 {
        let _ = writeln!(
            specs,
            "udp {TUN_V4} 198.51.100.12 64 40000 {i} size=1400 df"
        );
        let _ = writeln!(specs, "udp {TUN_V6} 2001:db8:2::1 64 40000 {i} size=1400");
        let _ = writeln!(specs, "udp {TUN_V4} 198.51.100.12 1 40000 {i}");
    }
    assert_eq!(craft(&lab, "host", "netsim0", &specs), 60);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");
    let rows = tshark::fields(&file, "icmp or icmpv6", &tshark::VERDICT_FIELDS);
    let _ = std::fs::remove_file(&file);
    let mut counts: BTreeMap<tshark::Verdict, usize> = BTreeMap::new();
    for row in &rows {
        *counts.entry(row.verdict()).or_default() += 1;
    }
    // Every Fragmentation Needed and Packet Too Big; Linux's 6 Time
    // Exceeded to one destination.
    let want: BTreeMap<tshark::Verdict, usize> =
        [((2, 0, 1), 20), ((3, 4, 1), 20), ((11, 0, 1), 6)].into();
    assert_eq!(counts, want);
    assert_eq!(
        summary["errors"],
        serde_json::json!({"time-exceeded": 6, "too-big": 40})
    );
    assert_eq!(
        summary["rate_limited"],
        serde_json::json!({"per-destination": 14})
    );
}
