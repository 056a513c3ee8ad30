use icmpkit_lab::packets::{echo_v4, icmp, v4_between, v6_between};
use icmpkit_wire::dissect::dissect;

use super::*;
use crate::detect::Severity;
use crate::engine::{Config, Guard};
use crate::observe::{Captured, Direction, Echo, Timestamp, echo_of};

const CLIENT: [u8; 4] = [192, 0, 2, 10];
const SERVER: [u8; 4] = [203, 0, 113, 66];
const MS: Nanos = 1_000_000;

/// Feeds `packets` (time in nanoseconds, IP bytes) to a guard with
/// `settings` and returns the findings of the tunnel family.
fn run_with(settings: Settings, packets: &[(Nanos, Vec<u8>)]) -> Vec<Finding> {
    let mut config = Config::default();
    config.detectors.tunnel = settings;
    let (_, findings) = crate::engine::testing::run(&config, packets);
    findings
        .into_iter()
        .filter(|f| f.detection.info().family == crate::detect::Family::Tunnel)
        .collect()
}

fn run(packets: &[(Nanos, Vec<u8>)]) -> Vec<Finding> {
    run_with(Settings::default(), packets)
}

fn names(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
    findings
        .iter()
        .map(|f| (f.detection.name(), f.severity))
        .collect()
}

fn fact<'a>(f: &'a Finding, name: &str) -> &'a crate::detect::FactValue {
    &f.evidence
        .facts
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no fact {name} in {f:?}"))
        .value
}

/// Bytes no pattern explains (xorshift), `n` of them.
fn random(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[3]
        })
        .collect()
}

/// iputils ping's data: 16 bytes of send time, then the byte counting up
/// from 16 (`-s size` makes `size` bytes of it).
fn ping_data(size: usize, seq: u16) -> Vec<u8> {
    let mut d: Vec<u8> = (0..size).map(|i| i.to_le_bytes()[0]).collect();
    for (i, b) in d.iter_mut().take(16).enumerate() {
        *b = (usize::from(seq) * 31 + i * 7).to_le_bytes()[0];
    }
    d
}

/// `count` exchanges one `gap` apart: request data `req(seq)`, reply data
/// `rep(seq)` (none: no reply).
fn exchanges(
    count: u16,
    gap: Nanos,
    req: impl Fn(u16) -> Vec<u8>,
    rep: impl Fn(u16) -> Option<Vec<u8>>,
) -> Vec<(Nanos, Vec<u8>)> {
    let mut out = Vec::new();
    for seq in 0..count {
        let t = u64::from(seq) * gap;
        out.push((
            t,
            v4_between(CLIENT, SERVER, echo_v4(false, 77, seq, &req(seq))),
        ));
        if let Some(data) = rep(seq) {
            out.push((
                t + MS,
                v4_between(SERVER, CLIENT, echo_v4(true, 77, seq, &data)),
            ));
        }
    }
    out
}

// --- payloads ----------------------------------------------------------------

#[test]
fn tool_magics_are_recognised_at_offset_zero_only() {
    let mut ptunnel = vec![0xD5, 0x20, 0x08, 0x80];
    ptunnel.extend_from_slice(&[0; 24]);
    assert_eq!(signature(&ptunnel, false), Some(Signature::Ptunnel));
    let ng = [0xDE, 0xAD, 0xC0, 0xDE, 0x7F, 0, 0, 1];
    assert_eq!(signature(&ng, false), Some(Signature::PtunnelNg));
    assert_eq!(signature(b"hanc\x08", false), Some(Signature::HansClient));
    assert_eq!(
        signature(b"hans\x07abc", false),
        Some(Signature::HansServer)
    );
    // hans' type byte is 1 to 9; other text starting "hans" is not it.
    assert_eq!(signature(b"hanson", false), None);
    assert_eq!(signature(b"hans\x00", false), None);
    assert_eq!(signature(b"hanc", false), None);
    let mut later = vec![0; 4];
    later.extend_from_slice(&ng);
    assert_eq!(signature(&later, false), None);
    assert_eq!(signature(&[0xDE, 0xAD, 0xC0], false), None);
}

#[test]
fn an_ipv4_packet_needs_its_length_and_checksum_to_count() {
    let inner = v4_between([10, 0, 0, 1], [10, 0, 0, 2], echo_v4(false, 1, 1, b"hello"));
    assert_eq!(signature(&inner, false), Some(Signature::Ipv4Packet));
    // Cut by the snap length: the claimed length exceeds what was captured.
    assert_eq!(signature(&inner[..24], true), Some(Signature::Ipv4Packet));
    assert_eq!(signature(&inner[..24], false), None);
    // Padded: the length no longer matches.
    let mut padded = inner.clone();
    padded.push(0);
    assert_eq!(signature(&padded, false), None);
    // A broken header checksum.
    let mut bad = inner.clone();
    bad[10] ^= 0xff;
    assert_eq!(signature(&bad, false), None);
    // IHL below 5.
    let mut short = inner;
    short[0] = 0x44;
    assert_eq!(signature(&short, false), None);
}

#[test]
fn an_ipv6_packet_at_offset_zero_is_recognised_by_its_length() {
    let mut p = vec![0x60, 0, 0, 0, 0, 8, 17, 64];
    p.extend_from_slice(&[0; 32]);
    p.extend_from_slice(&[0; 8]);
    assert_eq!(signature(&p, false), Some(Signature::Ipv6Packet));
    p.push(0);
    assert_eq!(signature(&p, false), None);
}

#[test]
fn ping_patterns_are_not_high_entropy_and_random_bytes_are() {
    let table = EntropyTable::default();
    let high = |d: &[u8]| table.measure(d).unwrap().is_high(0.85);
    // iputils' counting pattern has every byte value once in 256 bytes
    // (the most byte entropy there is) but one difference.
    let counting = ping_data(3000, 9);
    let e = table.measure(&counting).unwrap();
    assert!(e.bytes > 7.99, "{e:?}");
    assert!(!high(&counting));
    assert!(!high(&ping_data(64, 1)));
    // ping -p with a 16-byte pattern, fping's zeros, text.
    let pattern: Vec<u8> = (0..1000)
        .map(|i| {
            [
                0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
            ][i % 16]
        })
        .collect();
    assert!(!high(&pattern));
    assert!(!high(&[0; 56 + 8]));
    assert!(!high(&b"Microsoft Windows [Version 10.0.19045.3570] (c) Microsoft Corporation. All rights reserved. C:\\Users\\victim>whoami"[..]));
    // Random bytes, from the shortest judged to the longest sampled.
    for n in [64, 100, 272, 1400] {
        for seed in 1..20 {
            assert!(high(&random(seed, n)), "{n} bytes, seed {seed}");
        }
    }
    assert_eq!(table.measure(&random(1, 63)), None);
}

// --- payload mismatch ----------------------------------------------------------

#[test]
fn one_mismatching_reply_is_low_and_raised_at_the_end() {
    let packets = exchanges(
        5,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| {
            Some(if seq == 2 {
                b"other".to_vec()
            } else {
                ping_data(56, seq)
            })
        },
    );
    let findings = run(&packets);
    assert_eq!(names(&findings), [("echo-payload-mismatch", Severity::Low)]);
    let f = &findings[0];
    assert_eq!(f.frame, 6);
    assert_eq!(f.confidence, 40);
    assert_eq!(f.src.to_string(), "203.0.113.66");
    assert_eq!(f.dst.to_string(), "192.0.2.10");
    assert_eq!(f.msg_type, 0);
    assert_eq!(fact(f, "replies_compared"), &3u32.into());
    assert!(f.explanation.contains("sequence 2"), "{}", f.explanation);
}

#[test]
fn a_single_mismatch_settles_after_ten_quiet_seconds_while_live() {
    // No finish(): the next message of the session, 10 s on, raises it.
    let packets = exchanges(
        12,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| {
            Some(if seq == 0 {
                vec![1; 56]
            } else {
                ping_data(56, seq)
            })
        },
    );
    let mut guard = Guard::new(&Config::default());
    let mut raised_at = None;
    for (i, (time, ip)) in packets.iter().enumerate() {
        guard.observe(&Captured {
            frame: i as u64 + 1,
            time: Timestamp {
                seconds: time / SECOND,
                nanoseconds: u32::try_from(time % SECOND).unwrap(),
            },
            ip,
            direction: Direction::Unknown,
            link_broadcast: false,
        });
        if let Some(f) = guard.poll_finding() {
            assert_eq!(f.detection, Detection::EchoPayloadMismatch);
            assert_eq!((f.frame, f.severity), (2, Severity::Low));
            raised_at = Some(*time);
        }
    }
    // The mismatch came at 1 ms; the reply at 10.001 s is the first 10 s on.
    assert_eq!(raised_at, Some(10 * SECOND + MS));
}

#[test]
fn a_second_mismatch_long_after_the_first_is_still_medium() {
    // Mismatches at 0 s and 30 s, the second the first message of the
    // session in between that could settle the first.
    let mut packets = exchanges(1, SECOND, |_| vec![1; 56], |_| Some(vec![2; 56]));
    packets.extend(exchanges(31, SECOND, |_| vec![1; 56], |_| Some(vec![2; 56])).split_off(60));
    let findings = run(&packets);
    assert_eq!(
        names(&findings),
        [("echo-payload-mismatch", Severity::Medium)]
    );
    assert_eq!(findings[0].evidence.first_frame, 2);
}

#[test]
fn repeated_mismatches_are_medium() {
    let packets = exchanges(
        6,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| {
            Some(if seq % 2 == 1 {
                vec![seq.to_le_bytes()[0]; 56]
            } else {
                ping_data(56, seq)
            })
        },
    );
    let findings = run(&packets);
    assert_eq!(
        names(&findings),
        [("echo-payload-mismatch", Severity::Medium)]
    );
    let f = &findings[0];
    assert_eq!(
        (f.frame, f.evidence.first_frame, f.evidence.packets),
        (8, 4, 2)
    );
    assert_eq!(fact(f, "replies_compared"), &4u32.into());
}

#[test]
fn replies_cut_by_the_snap_length_are_not_compared() {
    // The request whole, the reply captured to 60 bytes of IP.
    let mut packets = exchanges(4, SECOND, |seq| ping_data(200, seq), |_| None);
    for seq in 0..4u16 {
        let reply = v4_between(SERVER, CLIENT, echo_v4(true, 77, seq, &ping_data(200, seq)));
        packets.push((u64::from(seq) * SECOND + MS, reply[..60].to_vec()));
    }
    packets.sort_by_key(|p| p.0);
    assert_eq!(names(&run(&packets)), []);
    // And a session whose requests were cut is not compared either.
    let mut packets = Vec::new();
    for seq in 0..4u16 {
        let t = u64::from(seq) * SECOND;
        let req = v4_between(
            CLIENT,
            SERVER,
            echo_v4(false, 77, seq, &ping_data(200, seq)),
        );
        packets.push((t, req[..100].to_vec()));
        let rep = v4_between(SERVER, CLIENT, echo_v4(true, 77, seq, &ping_data(200, seq)));
        packets.push((t + MS, rep));
    }
    assert_eq!(names(&run(&packets)), []);
}

// --- signatures and tunnels -----------------------------------------------------

#[test]
fn a_magic_alone_is_low_and_never_a_tunnel() {
    // ptunnel-ng's magic in fixed-size, low-entropy requests answered
    // with the same data.
    let data = |_| {
        let mut d = vec![0xDE, 0xAD, 0xC0, 0xDE];
        d.extend_from_slice(&[0; 60]);
        d
    };
    let findings = run(&exchanges(30, SECOND, data, |seq| Some(data(seq))));
    assert_eq!(names(&findings), [("tunnel-signature", Severity::Low)]);
    let f = &findings[0];
    assert_eq!((f.frame, f.confidence), (1, 70));
    assert_eq!(fact(f, "tool"), &"ptunnel-ng".into());
}

#[test]
fn random_payloads_of_varying_size_are_a_tunnel() {
    let data = |seq: u16| random(u64::from(seq) + 1, 64 + usize::from(seq) * 37);
    let findings = run(&exchanges(10, 100 * MS, data, |seq| Some(data(seq))));
    assert_eq!(
        names(&findings),
        [
            ("unusual-echo-payload", Severity::Low),
            ("echo-tunnel", Severity::High)
        ]
    );
    // Sizes vary at the third request (frame 5); entropy at the third
    // random payload (frame 3): both hold at frame 5.
    let unusual = &findings[0];
    assert_eq!(unusual.frame, 3);
    let tunnel = &findings[1];
    assert_eq!(tunnel.frame, 5);
    assert_eq!(tunnel.confidence, 75);
    assert_eq!(
        fact(tunnel, "factors"),
        &"high-entropy,varying-sizes".into()
    );
    assert_eq!(tunnel.src.to_string(), "192.0.2.10");
    assert!(
        tunnel.explanation.contains("2 independent signs"),
        "{}",
        tunnel.explanation
    );
}

#[test]
fn mismatching_replies_carrying_ip_packets_are_a_tunnel() {
    let up = |seq: u16| {
        v4_between(
            [10, 9, 0, 2],
            [10, 9, 0, 1],
            echo_v4(false, 5, seq, b"ls -la\n"),
        )
    };
    let down = |seq: u16| {
        Some(v4_between(
            [10, 9, 0, 1],
            [10, 9, 0, 2],
            echo_v4(true, 5, seq, b"total 0\n"),
        ))
    };
    let findings = run(&exchanges(4, 50 * MS, up, down));
    assert_eq!(
        names(&findings),
        [
            ("tunnel-signature", Severity::Low),
            ("echo-tunnel", Severity::High),
            ("echo-payload-mismatch", Severity::Medium),
        ]
    );
    assert_eq!(
        fact(&findings[1], "factors"),
        &"payload-mismatch,tool-signature".into()
    );
    assert_eq!(findings[1].frame, 2);
}

#[test]
fn mismatch_and_asymmetry_are_one_factor() {
    // Small requests answered by big, fixed-size, low-entropy replies:
    // mismatch and asymmetry both hold, but they are one group.
    let findings = run(&exchanges(
        20,
        SECOND,
        |_| vec![0; 8],
        |_| Some(vec![b'a'; 1000]),
    ));
    assert_eq!(
        names(&findings),
        [("echo-payload-mismatch", Severity::Medium)]
    );
}

#[test]
fn mismatch_and_asymmetry_are_told_as_one_sign() {
    // Ten fixed-size exchanges (mismatch and asymmetry hold), then the
    // request size varies: two groups, three factors.
    let req = |seq: u16| vec![0; if seq < 10 { 8 } else { usize::from(seq) }];
    let findings = run(&exchanges(13, SECOND, req, |_| Some(vec![b'a'; 1000])));
    let tunnel = findings
        .iter()
        .find(|f| f.detection == Detection::EchoTunnel)
        .unwrap();
    assert_eq!(tunnel.frame, 23);
    assert_eq!(
        fact(tunnel, "factors"),
        &"payload-mismatch,asymmetric-sizes,varying-sizes".into()
    );
    assert!(
        tunnel.explanation.contains(
            "2 independent signs hold over 23 messages in 11.0 s: 11 of 11 replies compared did \
             not return their request's data, and requests carried 101 bytes of data and replies \
             11000"
        ),
        "{}",
        tunnel.explanation
    );
}

#[test]
fn volume_with_a_second_sign_is_a_tunnel() {
    // 1,400-byte requests of text answered with the same data, 40 per
    // second for 20 s (56 KB/s, 2.2 MB), sizes varying a little.
    let data = |seq: u16| vec![b'x'; 1400 - usize::from(seq % 4)];
    let findings = run(&exchanges(800, 25 * MS, data, |seq| Some(data(seq))));
    let tunnel: Vec<_> = findings
        .iter()
        .filter(|f| f.detection == Detection::EchoTunnel)
        .collect();
    assert_eq!(tunnel.len(), 1);
    assert_eq!(fact(tunnel[0], "factors"), &"varying-sizes,volume".into());
    // The same volume in one size is only volume: no tunnel.
    let findings = run(&exchanges(
        800,
        25 * MS,
        |_| vec![b'x'; 1400],
        |_| Some(vec![b'x'; 1400]),
    ));
    assert_eq!(names(&findings), []);
}

// --- benign look-alikes ----------------------------------------------------------

#[test]
fn ping_default_and_large_and_patterned_raise_nothing() {
    for size in [56, 3000] {
        let packets = exchanges(
            120,
            SECOND,
            |seq| ping_data(size, seq),
            |seq| Some(ping_data(size, seq)),
        );
        assert_eq!(names(&run(&packets)), [], "ping -s {size}");
    }
    let pattern = |_| (0..56).map(|i| [0xff, 0x00][i % 2]).collect::<Vec<u8>>();
    let packets = exchanges(60, SECOND, pattern, |seq| Some(pattern(seq)));
    assert_eq!(names(&run(&packets)), []);
}

#[test]
fn a_long_steady_session_is_info_only() {
    // One ping a second for 11 minutes: raised at 600 s.
    let packets = exchanges(
        660,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| Some(ping_data(56, seq)),
    );
    let findings = run(&packets);
    assert_eq!(names(&findings), [("long-echo-session", Severity::Info)]);
    let f = &findings[0];
    assert_eq!(f.frame, 1201);
    assert_eq!(f.evidence.packets, 601);
    assert_eq!(fact(f, "duration_s"), &600.0.into());
    assert_eq!(fact(f, "longest_gap_s"), &1.0.into());
    // Just under ten minutes: nothing.
    let packets = exchanges(
        600,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| Some(ping_data(56, seq)),
    );
    assert_eq!(names(&run(&packets)), []);
    // Long, but with a two-minute pause: not steady.
    let mut packets = exchanges(
        700,
        SECOND,
        |seq| ping_data(56, seq),
        |seq| Some(ping_data(56, seq)),
    );
    packets.retain(|(t, _)| !(100 * SECOND..220 * SECOND).contains(t));
    assert_eq!(names(&run(&packets)), []);
}

#[test]
fn replies_to_a_broadcast_ping_raise_nothing() {
    // ping -b: every host of the subnet answers with the request's data.
    let mut packets = Vec::new();
    for seq in 0..60u16 {
        let t = u64::from(seq) * SECOND;
        let data = ping_data(56, seq);
        packets.push((
            t,
            v4_between(CLIENT, [192, 0, 2, 255], echo_v4(false, 3, seq, &data)),
        ));
        for host in [1, 20, 30] {
            let reply = echo_v4(true, 3, seq, &data);
            packets.push((
                t + u64::from(host) * MS,
                v4_between([192, 0, 2, host], CLIENT, reply),
            ));
        }
    }
    assert_eq!(names(&run(&packets)), []);
}

#[test]
fn icmpv6_echo_is_judged_the_same() {
    let a = [
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let b = [
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66,
    ];
    let mut packets = Vec::new();
    for seq in 0..3u16 {
        let t = u64::from(seq) * SECOND;
        let [s0, s1] = seq.to_be_bytes();
        let req = icmp(128, 0, [0, 9, s0, s1], &ping_data(56, seq));
        packets.push((t, v6_between(a, b, 64, req)));
        let rep = icmp(129, 0, [0, 9, s0, s1], b"not the request's data");
        packets.push((t + MS, v6_between(b, a, 64, rep)));
    }
    let findings = run(&packets);
    assert_eq!(
        names(&findings),
        [("echo-payload-mismatch", Severity::Medium)]
    );
    assert_eq!(findings[0].src.to_string(), "2001:db8::66");
}

// --- bounds ----------------------------------------------------------------------

#[test]
fn a_flood_of_distinct_requesters_keeps_sessions_at_the_cap() {
    let settings = Settings {
        sessions: 500,
        ..Settings::default()
    };
    let mut tunnels = Tunnels::new(&settings);
    let mut alerts = Alerts::new(300 * SECOND);
    for i in 0..5_000u32 {
        let [_, a, b, c] = i.to_be_bytes();
        let ip = v4_between(
            [10, a, b, c],
            SERVER,
            echo_v4(false, 1, 1, &random(u64::from(i), 64)),
        );
        let d = dissect(&ip).unwrap();
        let (kind, ident, seq) = echo_of(&d).unwrap();
        let seen = Seen {
            frame: u64::from(i) + 1,
            time: Timestamp::default(),
            now: u64::from(i) * MS,
            ip: &ip,
            d: &d,
            direction: Direction::Unknown,
            link_broadcast: false,
            fragments: 0,
            reassembly: None,
            echo: Some(Echo {
                kind,
                ident,
                seq,
                data: &d.icmp[8..],
                matched: None,
            }),
        };
        tunnels.message(&seen, &mut alerts);
        assert!(tunnels.held() <= 500);
    }
    assert_eq!(tunnels.held(), 500);
    assert_eq!(tunnels.sessions.evicted(), 4_500);
    assert!(alerts.poll().is_none());
}

#[test]
fn a_session_stays_small() {
    // The module documentation states the bound: 16,384 sessions of at
    // most 320 bytes (and their keys and the map's links).
    let size = size_of::<session::Session>();
    assert!(size <= 320, "{size}");
}
