use icmpkit_lab::packets::{
    echo_v4, icmp, ipv4_with_options, ipv6_header, v4_between, v4_edited, v6_between,
};

use super::*;
use crate::detect::recon::tests::{feed, feed_from};
use crate::detect::{Finding, Severity};

const ATTACKER: [u8; 4] = [203, 0, 113, 66];
const VICTIM: [u8; 4] = [192, 0, 2, 10];
const ATTACKER6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0x66, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66,
];
const VICTIM6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];
const H4_LL: [u8; 16] = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14];
const MLD_ROUTERS: [u8; 16] = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16];

fn anomalies() -> Anomalies {
    Anomalies::new(&Settings::default())
}

fn run(packets: Vec<Vec<u8>>) -> Vec<Finding> {
    let timed: Vec<_> = packets
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i as u64 * 1_000_000, p))
        .collect();
    feed(&mut anomalies(), &timed)
}

fn names(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.detection.name()).collect()
}

fn echo(src: [u8; 4], seq: u16) -> Vec<u8> {
    v4_between(src, VICTIM, echo_v4(false, 1, seq, &[0x61; 56]))
}

/// `packet` with its ICMPv4 checksum (after a 20-byte header) changed.
fn bad_checksum(mut packet: Vec<u8>) -> Vec<u8> {
    packet[22] ^= 0xff;
    packet
}

#[test]
fn clean_echo_and_errors_raise_nothing() {
    let mut quoted = echo(VICTIM, 1);
    quoted.truncate(28);
    let packets = vec![
        echo(ATTACKER, 1),
        v4_between(VICTIM, ATTACKER, echo_v4(true, 1, 1, &[0x61; 56])),
        v4_between([203, 0, 113, 5], VICTIM, icmp(11, 0, [0; 4], &quoted)),
        v4_between([203, 0, 113, 5], VICTIM, icmp(3, 3, [0; 4], &quoted)),
        v6_between(ATTACKER6, VICTIM6, 64, icmp(128, 0, [0, 1, 0, 1], &[0; 56])),
    ];
    assert_eq!(run(packets), []);
}

#[test]
fn a_bad_checksum_is_raised_once_per_source_whatever_the_rate() {
    let packets: Vec<_> = (0..10_000)
        .map(|seq| bad_checksum(echo(ATTACKER, seq)))
        .collect();
    let findings = run(packets);
    assert_eq!(names(&findings), ["bad-checksum"]);
    let f = &findings[0];
    assert_eq!((f.severity, f.confidence, f.frame), (Severity::Low, 90, 1));
    assert!(
        f.explanation.starts_with(
            "The ICMPv4 Echo (ping) request from 203.0.113.66 to 192.0.2.10 carries checksum 0x"
        ),
        "{}",
        f.explanation
    );
    // Captured leaving this host: likely checksum offload.
    let findings = feed_from(
        &mut anomalies(),
        &[(0, bad_checksum(echo(VICTIM, 1)))],
        Direction::Outgoing,
    );
    assert_eq!(findings[0].confidence, 30);
    assert!(findings[0].explanation.contains("offload"));
}

#[test]
fn a_message_shorter_than_its_type_is_truncated_but_a_snaplen_cut_is_not() {
    // Three bytes of ICMP, the IP total length saying so.
    let short = ipv4_with_options(1, &[], &[8, 0, 0xf7]);
    let findings = run(vec![short]);
    assert_eq!(names(&findings), ["truncated"]);
    assert_eq!(findings[0].severity, Severity::Low);
    assert!(
        findings[0].explanation.contains("(3 bytes of ICMP)"),
        "{}",
        findings[0].explanation
    );
    // An error whose quote stops inside the quoted IP header.
    let mut quoted = echo(VICTIM, 1);
    quoted.truncate(12);
    let findings = run(vec![v4_between(
        ATTACKER,
        VICTIM,
        icmp(3, 3, [0; 4], &quoted),
    )]);
    assert_eq!(names(&findings), ["truncated"]);
    // The capture kept 30 of 84 bytes: cut by the snapshot length.
    let mut cut = echo(ATTACKER, 1);
    cut.truncate(30);
    assert_eq!(run(vec![cut]), []);
}

#[test]
fn unknown_types_and_codes_are_named() {
    let findings = run(vec![v4_between(
        ATTACKER,
        VICTIM,
        icmp(99, 0, [0; 4], &[0; 8]),
    )]);
    assert_eq!(names(&findings), ["unknown-type"]);
    assert_eq!(
        findings[0].explanation,
        "203.0.113.66 sent ICMPv4 type 99 to 192.0.2.10: the type is not assigned to any message."
    );
    let findings = run(vec![v4_between(
        ATTACKER,
        VICTIM,
        icmp(253, 0, [0; 4], &[]),
    )]);
    assert_eq!(
        (findings[0].detection, findings[0].confidence),
        (Detection::UnknownType, 85)
    );
    let findings = run(vec![v6_between(
        ATTACKER6,
        VICTIM6,
        64,
        icmp(250, 0, [0; 4], &[]),
    )]);
    assert_eq!(names(&findings), ["unknown-type"]);

    // nmap's IE1: echo with code 9.
    let findings = run(vec![v4_between(
        ATTACKER,
        VICTIM,
        icmp(8, 9, [0; 4], &[0; 120]),
    )]);
    assert_eq!(names(&findings), ["unknown-code"]);
    assert_eq!(
        findings[0].explanation,
        "203.0.113.66 sent ICMPv4 Echo (ping) request (type 8) with code 9 to 192.0.2.10; the \
         type defines only code 0."
    );
    let mut quoted = echo(VICTIM, 1);
    quoted.truncate(28);
    let findings = run(vec![v4_between(
        ATTACKER,
        VICTIM,
        icmp(3, 99, [0; 4], &quoted),
    )]);
    assert_eq!(names(&findings), ["unknown-code"]);
    assert!(
        findings[0].explanation.contains("defines codes 0, 1, 2"),
        "{}",
        findings[0].explanation
    );
    // Defined codes of types with codes: nothing.
    let known = vec![
        v4_between(ATTACKER, VICTIM, icmp(3, 13, [0; 4], &quoted)),
        v4_between(ATTACKER, VICTIM, icmp(11, 1, [0; 4], &quoted)),
    ];
    assert_eq!(run(known), []);
}

#[test]
fn icmp_of_the_other_family_is_a_version_mismatch() {
    // ICMPv6 echo in IPv4 (protocol 58), then a clean message.
    let v6_in_v4 = ipv4_with_options(58, &[], &[128, 0, 0, 0, 0xba, 0xd2, 0, 1]);
    let findings = run(vec![echo(ATTACKER, 1), v6_in_v4, echo(ATTACKER, 2)]);
    assert_eq!(names(&findings), ["version-mismatch"]);
    let f = &findings[0];
    assert_eq!(
        (f.severity, f.frame, f.msg_type),
        (Severity::Medium, 2, 128)
    );
    assert_eq!(f.version, IpVersion::V6);
    assert_eq!(
        f.explanation,
        "192.0.2.254 sent an IPv4 packet to 198.51.100.2 with protocol 58 (ICMPv6): ICMPv6 \
         carried in IPv4, which no stack sends (type 128, code 0 inside). It is crafted to slip \
         past filters that match one family's protocol number."
    );
    // ICMPv4 in IPv6 (next header 1), the last packet: raised at the end.
    let body = echo_v4(false, 0xbad3, 1, &[0; 8]);
    let mut v4_in_v6 = ipv6_header(1, body.len());
    v4_in_v6.extend_from_slice(&body);
    let findings = run(vec![v4_in_v6]);
    assert_eq!(names(&findings), ["version-mismatch"]);
    assert_eq!((findings[0].frame, findings[0].version), (1, IpVersion::V4));
    assert!(findings[0].explanation.contains("next header 1 (ICMPv4)"));
    // Behind a Hop-by-Hop Options header (next header 1, PadN).
    let mut behind = ipv6_header(0, 8 + body.len());
    behind.extend_from_slice(&[1, 0, 1, 4, 0, 0, 0, 0]);
    behind.extend_from_slice(&body);
    let findings = run(vec![behind]);
    assert_eq!(names(&findings), ["version-mismatch"]);
    assert_eq!(findings[0].msg_type, 8);
    // A Hop-by-Hop header before ICMPv6: nothing.
    let mut fine = ipv6_header(0, 8 + 8);
    fine.extend_from_slice(&[58, 0, 1, 4, 0, 0, 0, 0]);
    fine.extend_from_slice(&icmp(128, 0, [0; 4], &[]));
    assert_eq!(
        run(vec![fine])
            .iter()
            .filter(|f| f.detection == Detection::VersionMismatch)
            .count(),
        0
    );
}

#[test]
fn mld_with_a_hop_limit_other_than_one_is_raised() {
    let report = || icmp(143, 0, [0; 4], &[]);
    assert_eq!(run(vec![v6_between(H4_LL, MLD_ROUTERS, 1, report())]), []);
    let findings = run(vec![v6_between(H4_LL, MLD_ROUTERS, 64, report())]);
    assert_eq!(names(&findings), ["mld-hop-limit"]);
    let f = &findings[0];
    assert_eq!((f.severity, f.confidence), (Severity::Medium, 90));
    assert!(
        f.explanation.contains("with hop limit 64"),
        "{}",
        f.explanation
    );
    assert_eq!(f.evidence.facts[0].value.to_string(), "64");
}

#[test]
fn pending_mismatches_are_bounded() {
    let mut a = anomalies();
    for i in 0..100u8 {
        let p = v4_edited(ipv4_with_options(58, &[], &[128, 0, 0, 0]), |h| h[12] = i);
        a.packet(&IpPacket {
            frame: u64::from(i) + 1,
            now: 1,
            ip: &p,
            direction: Direction::Unknown,
        });
    }
    assert_eq!((a.held(), a.dropped()), (PENDING, 100 - PENDING as u64));
}

#[test]
fn the_reply_to_an_echo_with_a_bad_code_is_not_raised_again() {
    use crate::engine::{Config, Guard};
    use crate::observe::{Captured, Timestamp};
    // Linux answers nmap's IE1 (code 9) with a reply of code 9.
    let packets = [
        v4_between(
            ATTACKER,
            VICTIM,
            icmp(8, 9, [0xab, 0xcd, 1, 0x27], &[0; 120]),
        ),
        v4_between(
            VICTIM,
            ATTACKER,
            icmp(0, 9, [0xab, 0xcd, 1, 0x27], &[0; 120]),
        ),
    ];
    let mut guard = Guard::new(&Config::default());
    for (i, ip) in packets.iter().enumerate() {
        guard.observe(&Captured {
            frame: i as u64 + 1,
            time: Timestamp {
                seconds: 1_700_000_000,
                nanoseconds: u32::try_from(i).unwrap() * 1000,
            },
            ip,
            direction: Direction::Unknown,
            link_broadcast: false,
        });
    }
    guard.finish();
    let findings: Vec<_> = std::iter::from_fn(|| guard.poll_finding())
        .filter(|f| f.detection.info().family == crate::detect::Family::Anomaly)
        .collect();
    assert_eq!(names(&findings), ["unknown-code"]);
    assert_eq!(findings[0].src.to_string(), "203.0.113.66");
}

#[test]
fn the_registry_bits_agree_with_meaning() {
    for version in [IpVersion::V4, IpVersion::V6] {
        let registry = Registry::of(version);
        for msg_type in 0..=255u8 {
            let info = meaning::type_info(version, msg_type);
            assert_eq!(
                registry.unknown[usize::from(msg_type)],
                !matches!(
                    meaning::status(version, msg_type),
                    Status::Current | Status::Deprecated
                ),
                "{version:?} {msg_type}"
            );
            for code in 0..=255u8 {
                let defined = info.is_some_and(|t| {
                    if t.codes.is_empty() {
                        code == 0
                    } else {
                        t.code(code).is_some()
                    }
                });
                assert_eq!(
                    registry.code_known(msg_type, code),
                    defined,
                    "{version:?} {msg_type}/{code}"
                );
            }
        }
    }
}

#[test]
fn random_messages_never_panic_and_stay_bounded() {
    use crate::detect::recon::{Recon, Settings as ReconSettings};
    // A fixed xorshift: random types, codes, lengths and bytes behind
    // valid IPv4 and IPv6 headers (and random headers' TTL and protocol).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut packets = Vec::new();
    for i in 0..5000u64 {
        let random = next();
        let len = usize::try_from(random % 64).unwrap();
        let body: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        let [family, host, net, ttl, odd, ..] = random.to_le_bytes();
        let mismatched = odd % 7 == 0;
        let packet = if family & 1 == 0 {
            v4_edited(v4_between([10, 0, net, host], VICTIM, body), |h| {
                h[8] = ttl % 40;
                if mismatched {
                    h[9] = 58;
                }
            })
        } else {
            let mut src = ATTACKER6;
            src[15] = host;
            let mut ip = v6_between(src, VICTIM6, ttl % 40, body);
            if mismatched {
                ip[6] = [0, 1, 43, 60][usize::from(net % 4)];
            }
            ip
        };
        packets.push((i * 1_000_000, packet));
    }
    let _ = feed(&mut anomalies(), &packets);
    let settings = ReconSettings {
        sources: 32,
        pairs: 32,
        ..ReconSettings::default()
    };
    let mut recon = Recon::new(&settings);
    let _ = feed(&mut recon, &packets);
    assert!(recon.held() <= 32 * 3);
}
