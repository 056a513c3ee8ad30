use icmpkit_lab::packets::{echo_v4, v4_between};

use super::*;

const ATTACKER: [u8; 4] = [198, 51, 100, 66];
const VICTIM: [u8; 4] = [192, 0, 2, 10];

fn run(packets: &[(Nanos, Vec<u8>)]) -> (Guard, Vec<Finding>) {
    super::testing::run(&Config::default(), packets)
}

#[test]
fn an_echo_flood_from_one_source_raises_one_finding_and_counts_repeats() {
    // 2,000 requests in 0.2 s: 10,000 per second.
    let packets: Vec<_> = (0..2000u16)
        .map(|seq| {
            let ip = v4_between(ATTACKER, VICTIM, echo_v4(false, 7, seq, &[0; 16]));
            (u64::from(seq) * 100_000, ip)
        })
        .collect();
    let (guard, findings) = run(&packets);
    let names: Vec<_> = findings.iter().map(|f| f.detection.name()).collect();
    assert_eq!(names, ["echo-flood-source"]);
    let f = &findings[0];
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.frame, 500);
    assert_eq!(f.evidence.packets, 500);
    assert_eq!(f.evidence.first_frame, 1);
    assert_eq!(f.src.to_string(), "198.51.100.66");
    let tally = guard
        .tallies()
        .find(|(d, _)| *d == Detection::EchoFloodSource)
        .unwrap()
        .1;
    assert_eq!((tally.raised, tally.repeats), (1, 1500));
}

#[test]
fn a_steady_ping_with_its_replies_raises_nothing() {
    let mut packets = Vec::new();
    for seq in 0..120u16 {
        let t = u64::from(seq) * SECOND;
        let data = [seq.to_be_bytes()[1]; 56];
        packets.push((
            t,
            v4_between(ATTACKER, VICTIM, echo_v4(false, 9, seq, &data)),
        ));
        packets.push((
            t + 300_000,
            v4_between(VICTIM, ATTACKER, echo_v4(true, 9, seq, &data)),
        ));
    }
    let (guard, findings) = run(&packets);
    assert_eq!(findings, []);
    let echo = &guard.traffic().echo;
    assert_eq!(
        (
            echo.requests_seen,
            echo.replies_matched,
            echo.replies_unmatched
        ),
        (120, 120, 0)
    );
}

#[test]
fn replies_nobody_asked_for_are_a_reflection() {
    let packets: Vec<_> = (0..60u16)
        .map(|seq| {
            let ip = v4_between(ATTACKER, VICTIM, echo_v4(true, 1, seq, &[1; 8]));
            (u64::from(seq) * 10_000_000, ip)
        })
        .collect();
    let (_, findings) = run(&packets);
    let names: Vec<_> = findings.iter().map(|f| f.detection.name()).collect();
    assert_eq!(names, ["unsolicited-echo-replies"]);
    assert_eq!(findings[0].dst.to_string(), "192.0.2.10");
    assert_eq!(findings[0].evidence.packets, 50);
}
