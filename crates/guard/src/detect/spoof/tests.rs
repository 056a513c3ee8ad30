use core::net::{IpAddr, Ipv6Addr};

use icmpkit_lab::packets::{echo_v4, icmp, inet_checksum, v4_between, v6_between};

use super::*;
use crate::engine::{Config, Guard};
use crate::observe::{Captured, Direction, Nanos, SECOND, Timestamp};

const VICTIM: [u8; 4] = [192, 0, 2, 10];
const ROUTER: [u8; 4] = [192, 0, 2, 30];
const SERVER: [u8; 4] = [198, 51, 100, 2];
const EDGE: [u8; 4] = [203, 0, 113, 9];

fn v6(text: &str) -> [u8; 16] {
    text.parse::<Ipv6Addr>().unwrap().octets()
}

/// Feeds `packets` (time in nanoseconds, IP packet) to a guard with
/// `settings` and returns it and the spoofing findings.
fn run_with(settings: Settings, packets: &[(Nanos, Vec<u8>)]) -> (Guard, Vec<Finding>) {
    let mut config = Config::default();
    config.detectors.spoof = settings;
    let mut guard = Guard::new(&config);
    for (i, (time, ip)) in packets.iter().enumerate() {
        guard.observe(&Captured {
            frame: i as u64 + 1,
            time: Timestamp {
                seconds: 1_700_000_000 + time / SECOND,
                nanoseconds: u32::try_from(time % SECOND).unwrap(),
            },
            ip,
            direction: Direction::Unknown,
            link_broadcast: false,
        });
    }
    guard.finish();
    // Only this family's: the other detectors have their own tests.
    let findings = std::iter::from_fn(|| guard.poll_finding())
        .filter(|f| f.detection.info().family == crate::detect::Family::Spoofing)
        .collect();
    (guard, findings)
}

fn run(packets: &[(Nanos, Vec<u8>)]) -> Vec<Finding> {
    run_with(Settings::default(), packets).1
}

/// The spoofing findings as (name, severity, confidence).
fn names(findings: &[Finding]) -> Vec<(&'static str, Severity, u8)> {
    findings
        .iter()
        .filter(|f| f.detection.info().family == crate::detect::Family::Spoofing)
        .map(|f| (f.detection.name(), f.severity, f.confidence))
        .collect()
}

/// One a millisecond from time 0.
fn spaced(packets: Vec<Vec<u8>>) -> Vec<(Nanos, Vec<u8>)> {
    packets
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i as u64 * 1_000_000, p))
        .collect()
}

/// An IPv4 packet (IHL 5 + `options`) of `protocol` from `src` to `dst`
/// carrying `payload` (no checksums: quotes and flows do not need them).
fn ipv4(src: [u8; 4], dst: [u8; 4], protocol: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let header = 20 + options.len();
    let total = u16::try_from(header + payload.len()).unwrap();
    let mut p = vec![0x40 | u8::try_from(header / 4).unwrap(), 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0x12, 0x34, 0x40, 0, 64, protocol, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(options);
    let sum = inet_checksum(&[&p]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn udp(sport: u16, dport: u16) -> Vec<u8> {
    let mut u = sport.to_be_bytes().to_vec();
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&[0, 40, 0, 0]);
    u.extend_from_slice(&[0; 32]);
    u
}

/// A UDP packet from the victim to the server.
fn victim_udp(sport: u16, dport: u16) -> Vec<u8> {
    ipv4(VICTIM, SERVER, 17, &[], &udp(sport, dport))
}

/// The first 28 bytes of `packet` (header and 8 bytes), as RFC 792 quotes.
fn quote28(packet: &[u8]) -> Vec<u8> {
    packet[..28].to_vec()
}

/// An ICMPv4 error from `src` to the victim quoting `quoted`.
fn error_v4(src: [u8; 4], msg_type: u8, code: u8, rest: [u8; 4], quoted: &[u8]) -> Vec<u8> {
    v4_between(src, VICTIM, icmp(msg_type, code, rest, quoted))
}

// --- redirects -------------------------------------------------------------

fn redirect_v4(gateway: [u8; 4]) -> Vec<u8> {
    error_v4(ROUTER, 5, 1, gateway, &quote28(&victim_udp(40000, 33434)))
}

#[test]
fn an_ipv4_redirect_to_an_on_link_gateway_is_only_a_redirect() {
    let f = run(&spaced(vec![redirect_v4([192, 0, 2, 14])]));
    assert_eq!(names(&f), [("redirect", Severity::Medium, 90)]);
    assert!(
        f[0].explanation.contains("through 192.0.2.14"),
        "{}",
        f[0].explanation
    );
    assert!(
        f[0].explanation.contains("for 198.51.100.2"),
        "{}",
        f[0].explanation
    );
}

#[test]
fn an_ipv4_redirect_to_a_far_gateway_is_off_link_even_with_the_guessed_prefix() {
    let f = run(&spaced(vec![redirect_v4([203, 0, 113, 66])]));
    assert_eq!(
        names(&f),
        [
            ("redirect", Severity::Medium, 90),
            ("redirect-off-link", Severity::High, 75)
        ]
    );
    let e = &f[1].explanation;
    assert!(
        e.contains("203.0.113.66 is not on 192.0.2.10's /24 (assumed"),
        "{e}"
    );
}

#[test]
fn a_gateway_in_the_next_24_is_off_link_only_when_the_link_is_given() {
    // 192.0.3.1: outside the guessed /24, inside the /16: weak, Medium.
    let guessed = run(&spaced(vec![redirect_v4([192, 0, 3, 1])]));
    assert_eq!(
        names(&guessed)[1],
        ("redirect-off-link", Severity::Medium, 45)
    );
    // It is about the sender: it does not hold back a sure one after it.
    let both = run(&spaced(vec![
        redirect_v4([192, 0, 3, 1]),
        redirect_v4([203, 0, 113, 66]),
    ]));
    assert_eq!(
        names(&both)[1..],
        [
            ("redirect-off-link", Severity::Medium, 45),
            ("redirect-off-link", Severity::High, 75)
        ]
    );
    // With the link 192.0.2.0/27 given, 192.0.2.40 (same /24) is off-link.
    let settings = Settings {
        links: vec![("192.0.2.0".parse().unwrap(), 27)],
        ..Settings::default()
    };
    let (_, f) = run_with(
        settings.clone(),
        &spaced(vec![redirect_v4([192, 0, 2, 40])]),
    );
    assert_eq!(names(&f)[1], ("redirect-off-link", Severity::High, 90));
    assert!(
        f[1].explanation
            .contains("not on the link 192.0.2.0/27 given")
    );
    let (_, f) = run_with(settings, &spaced(vec![redirect_v4([192, 0, 2, 14])]));
    assert_eq!(names(&f).len(), 1);
    // Without it, 192.0.2.40 passes as on-link.
    assert_eq!(
        names(&run(&spaced(vec![redirect_v4([192, 0, 2, 40])]))).len(),
        1
    );
}

#[test]
fn an_ipv4_redirect_from_off_the_link_or_to_an_impossible_gateway_is_forged() {
    let from_afar = error_v4(EDGE, 5, 1, [192, 0, 2, 14], &quote28(&victim_udp(1, 2)));
    let f = run(&spaced(vec![from_afar]));
    assert_eq!(names(&f)[1], ("redirect-off-link", Severity::High, 75));
    assert!(
        f[1].explanation
            .contains("the router sending it 203.0.113.9")
    );
    let f = run(&spaced(vec![redirect_v4([0, 0, 0, 0])]));
    assert_eq!(names(&f)[1], ("redirect-off-link", Severity::High, 95));
}

fn redirect_v6(src: &str, hop_limit: u8, target: &str, destination: &str) -> Vec<u8> {
    let mut body = v6(target).to_vec();
    body.extend_from_slice(&v6(destination));
    v6_between(
        v6(src),
        v6("fe80::10"),
        hop_limit,
        icmp(137, 0, [0; 4], &body),
    )
}

#[test]
fn an_ipv6_redirect_that_keeps_rfc_4861_is_only_a_redirect() {
    let f = run(&spaced(vec![
        redirect_v6("fe80::1", 255, "fe80::14", "2001:db8:2::2"),
        redirect_v6("fe80::1", 255, "2001:db8:2::2", "2001:db8:2::2"),
    ]));
    assert_eq!(names(&f), [("redirect", Severity::Medium, 90)]);
}

#[test]
fn an_ipv6_redirect_that_breaks_rfc_4861_is_off_link() {
    for (packet, why) in [
        (
            redirect_v6("fe80::1", 255, "2001:db8:66::66", "2001:db8:2::2"),
            "target 2001:db8:66::66 is neither link-local nor the destination",
        ),
        (
            redirect_v6("fe80::1", 64, "fe80::14", "2001:db8:2::2"),
            "hop limit is 64, not 255",
        ),
        (
            redirect_v6("2001:db8:e::9", 255, "fe80::14", "2001:db8:2::2"),
            "source 2001:db8:e::9 is not link-local",
        ),
        (
            redirect_v6("fe80::1", 255, "fe80::14", "ff02::1"),
            "destination ff02::1 is multicast",
        ),
    ] {
        let f = run(&spaced(vec![packet]));
        assert_eq!(names(&f)[1], ("redirect-off-link", Severity::High, 90));
        assert!(f[1].explanation.contains(why), "{}", f[1].explanation);
    }
}

// --- router advertisements --------------------------------------------------

const PREFIX_2001_DB8_1: [u8; 32] = [
    3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn prefix_option(n: u16) -> Vec<u8> {
    let mut o = PREFIX_2001_DB8_1.to_vec();
    o[20..22].copy_from_slice(&n.to_be_bytes());
    o
}

fn ra(src: &str, hop_limit: u8, options: &[u8]) -> Vec<u8> {
    let mut body = vec![0; 8];
    body.extend_from_slice(options);
    v6_between(
        v6(src),
        v6("ff02::1"),
        hop_limit,
        icmp(134, 0, [64, 0, 0x07, 0x08], &body),
    )
}

#[test]
fn the_same_router_advertising_raises_nothing() {
    let packets: Vec<_> = (0..5)
        .map(|i| (i * 200 * SECOND, ra("fe80::1", 255, &PREFIX_2001_DB8_1)))
        .collect();
    assert_eq!(names(&run(&packets)), []);
}

#[test]
fn a_second_router_is_rogue_with_low_confidence_unless_routers_are_listed() {
    let packets = spaced(vec![
        ra("fe80::1", 255, &PREFIX_2001_DB8_1),
        ra("fe80::14", 255, &prefix_option(0xbad)),
    ]);
    let f = run(&packets);
    assert_eq!(
        names(&f),
        [("rogue-router-advertisement", Severity::Medium, 50)]
    );
    assert_eq!(f[0].src.to_string(), "fe80::14");
    assert!(
        f[0].explanation
            .contains("first router seen advertising was fe80::1")
    );
    let listed = Settings {
        routers: vec!["fe80::1".parse().unwrap()],
        ..Settings::default()
    };
    // Listed: even the first RA is judged.
    let (_, f) = run_with(listed, &packets[1..]);
    assert_eq!(
        names(&f),
        [("rogue-router-advertisement", Severity::High, 90)]
    );
    assert!(
        f[0].explanation
            .contains("not one of the routers listed (fe80::1)")
    );
}

#[test]
fn an_advertisement_with_a_low_hop_limit_or_a_global_source_is_always_rogue() {
    let f = run(&spaced(vec![ra("fe80::1", 64, &[])]));
    assert_eq!(
        names(&f),
        [("rogue-router-advertisement", Severity::High, 95)]
    );
    assert!(f[0].explanation.contains("with hop limit 64"));
    let f = run(&spaced(vec![
        ra("fe80::1", 255, &[]),
        ra("2001:db8:1::1", 255, &[]),
    ]));
    assert_eq!(
        names(&f),
        [("rogue-router-advertisement", Severity::High, 95)]
    );
    assert!(f[0].explanation.contains("a source that is not link-local"));
}

#[test]
fn twenty_advertisements_in_ten_seconds_from_two_routers_are_a_flood_nineteen_are_not() {
    // Two routers taking turns, one RA every half second.
    let burst = |n: u64| -> Vec<(Nanos, Vec<u8>)> {
        (0..n)
            .map(|i| {
                let router = if i % 2 == 0 { "fe80::1" } else { "fe80::2" };
                (i * SECOND / 2, ra(router, 255, &PREFIX_2001_DB8_1))
            })
            .collect()
    };
    let flood = |f: &[Finding]| -> Vec<_> {
        names(f)
            .into_iter()
            .filter(|n| n.0 == "router-advertisement-flood")
            .collect()
    };
    assert_eq!(flood(&run(&burst(19))), []);
    let f = run(&burst(20));
    assert_eq!(
        flood(&f),
        [("router-advertisement-flood", Severity::High, 90)]
    );
    let f: Vec<_> = f
        .into_iter()
        .filter(|f| f.detection == Detection::RouterAdvertisementFlood)
        .collect();
    assert_eq!(f[0].evidence.packets, 20);
    assert_eq!(f[0].evidence.first_frame, 1);
}

#[test]
fn one_router_advertising_one_prefix_often_is_no_flood() {
    // Answers to a crowd's solicitations: 100 in ten seconds.
    let packets: Vec<_> = (0..100u64)
        .map(|i| (i * SECOND / 10, ra("fe80::1", 255, &PREFIX_2001_DB8_1)))
        .collect();
    assert_eq!(names(&run(&packets)), []);
}

#[test]
fn sixteen_prefixes_in_a_minute_are_a_flood() {
    // One RA every 3 s (the fastest a router may), each with a new prefix.
    let packets: Vec<_> = (0..16u16)
        .map(|i| {
            (
                u64::from(i) * 3 * SECOND,
                ra("fe80::1", 255, &prefix_option(i)),
            )
        })
        .collect();
    assert_eq!(names(&run(&packets[..15])), []);
    let f = run(&packets);
    assert_eq!(
        names(&f),
        [("router-advertisement-flood", Severity::High, 90)]
    );
    assert!(
        f[0].explanation.contains("16 prefixes"),
        "{}",
        f[0].explanation
    );
}

#[test]
fn a_flood_from_random_routers_is_one_flood_and_few_rogues() {
    let packets = spaced(
        (0..300u16)
            .map(|i| ra(&format!("fe80::{:x}", i + 0x100), 255, &prefix_option(i)))
            .collect(),
    );
    let f = names(&run(&packets));
    let floods = f
        .iter()
        .filter(|n| n.0 == "router-advertisement-flood")
        .count();
    let rogues = f
        .iter()
        .filter(|n| n.0 == "rogue-router-advertisement")
        .count();
    assert_eq!((floods, rogues), (1, 2), "{f:?}");
}

const RDNSS_EVEN: [u8; 32] = [
    25, 4, 0, 0, 0, 0, 2, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
];

#[test]
fn an_rdnss_option_of_even_length_is_cve_2020_16898() {
    let f = run(&spaced(vec![ra("fe80::1", 255, &RDNSS_EVEN)]));
    assert_eq!(names(&f), [("rdnss-even-length", Severity::High, 95)]);
    assert!(f[0].explanation.contains("length 4 (32 bytes)"));
    // An odd length (3: one server) is fine.
    let mut good = RDNSS_EVEN[..24].to_vec();
    good[1] = 3;
    assert_eq!(names(&run(&spaced(vec![ra("fe80::1", 255, &good)]))), []);
    // Framing broken after it (an option overrunning the message): still seen.
    let mut broken = RDNSS_EVEN.to_vec();
    broken.extend_from_slice(&[3, 9, 0, 0]);
    let f = run(&spaced(vec![ra("fe80::1", 255, &broken)]));
    assert_eq!(names(&f), [("rdnss-even-length", Severity::High, 95)]);
    // An even length overrunning the message itself is seen too.
    let f = run(&spaced(vec![ra("fe80::1", 255, &RDNSS_EVEN[..20])]));
    assert_eq!(names(&f), [("rdnss-even-length", Severity::High, 95)]);
}

#[test]
fn the_raw_option_walk_stops_at_a_zero_length_and_at_the_end() {
    let walk = |bytes: &[u8]| -> Vec<(u8, u8, usize)> {
        ndp::RawOptions::new(bytes, 0)
            .map(|o| (o.kind, o.units, o.bytes.len()))
            .collect()
    };
    assert_eq!(
        walk(&[1, 1, 0, 0, 0, 0, 0, 0, 25, 0, 9, 9, 9]),
        [(1, 1, 8), (25, 0, 5)]
    );
    assert_eq!(walk(&[25, 2, 0, 0]), [(25, 2, 4)]);
    assert_eq!(walk(&[25]), []);
    assert_eq!(walk(&[]), []);
}

// --- source quench, small MTUs ------------------------------------------------

#[test]
fn any_source_quench_is_raised() {
    let q = quote28(&victim_udp(1, 2));
    let f = run(&spaced(vec![error_v4(EDGE, 4, 0, [0; 4], &q)]));
    assert_eq!(names(&f), [("source-quench", Severity::Medium, 90)]);
    assert_eq!(f[0].dst.to_string(), "192.0.2.10");
}

fn frag_needed(mtu: u16) -> Vec<u8> {
    let [a, b] = mtu.to_be_bytes();
    error_v4(EDGE, 3, 4, [0, 0, a, b], &quote28(&victim_udp(1, 2)))
}

#[test]
fn fragmentation_needed_below_576_is_a_small_mtu_and_zero_is_weak() {
    assert_eq!(names(&run(&spaced(vec![frag_needed(576)]))), []);
    assert_eq!(names(&run(&spaced(vec![frag_needed(1280)]))), []);
    assert_eq!(
        names(&run(&spaced(vec![frag_needed(575)]))),
        [("small-mtu", Severity::Medium, 80)]
    );
    assert_eq!(
        names(&run(&spaced(vec![frag_needed(68)]))),
        [("small-mtu", Severity::Medium, 80)]
    );
    let f = run(&spaced(vec![frag_needed(67)]));
    assert_eq!(names(&f), [("small-mtu", Severity::Medium, 95)]);
    assert!(f[0].explanation.contains("MTU is 67 bytes"));
    let f = run(&spaced(vec![frag_needed(0)]));
    assert_eq!(names(&f), [("small-mtu", Severity::Low, 30)]);
    // An MTU of 0 first does not hold back a forged one after it.
    let f = run(&spaced(vec![frag_needed(0), frag_needed(296)]));
    assert_eq!(
        names(&f),
        [
            ("small-mtu", Severity::Low, 30),
            ("small-mtu", Severity::Medium, 80)
        ]
    );
    // Another code of Destination Unreachable carries no MTU.
    let port = error_v4(EDGE, 3, 3, [0, 0, 0, 0], &quote28(&victim_udp(1, 2)));
    assert_eq!(names(&run(&spaced(vec![port]))), []);
}

fn packet_too_big(mtu: u32) -> Vec<u8> {
    let mut quoted = vec![0x60, 0, 0, 0, 0, 40, 17, 64];
    quoted.extend_from_slice(&v6("2001:db8:1::10"));
    quoted.extend_from_slice(&v6("2001:db8:2::2"));
    quoted.extend_from_slice(&udp(40000, 53));
    v6_between(
        v6("2001:db8:e::9"),
        v6("2001:db8:1::10"),
        64,
        icmp(2, 0, mtu.to_be_bytes(), &quoted),
    )
}

#[test]
fn packet_too_big_below_1280_is_a_small_mtu() {
    assert_eq!(names(&run(&spaced(vec![packet_too_big(1280)]))), []);
    let f = run(&spaced(vec![packet_too_big(1279)]));
    assert_eq!(names(&f), [("small-mtu", Severity::Medium, 90)]);
    assert_eq!(f[0].evidence.facts[0].value, 1279u32.into());
}

// --- errors for packets never sent ----------------------------------------------

#[test]
fn an_error_about_a_flow_never_seen_is_raised_only_when_its_pair_was_seen() {
    let unreachable = |sport, dport| {
        let [a, b, c, d] = SERVER;
        v4_between(
            [a, b, c, d],
            VICTIM,
            icmp(3, 3, [0; 4], &quote28(&victim_udp(sport, dport))),
        )
    };
    // The victim was never seen sending: nothing proven.
    assert_eq!(names(&run(&spaced(vec![unreachable(40000, 53)]))), []);
    // Nor when it was seen pinging the server (a capture filtered to
    // ICMP holds no UDP), nor sending UDP to another host.
    let ping = v4_between(VICTIM, SERVER, echo_v4(false, 1, 1, &[0; 8]));
    let elsewhere = ipv4(VICTIM, EDGE, 17, &[], &udp(40000, 53));
    let f = run(&spaced(vec![ping, elsewhere, unreachable(40000, 53)]));
    assert_eq!(names(&f), []);
    // It was seen sending another flow: this one is forged.
    let f = run(&spaced(vec![
        victim_udp(40000, 123),
        unreachable(40000, 53),
    ]));
    assert_eq!(names(&f), [("error-for-unsent", Severity::Medium, 75)]);
    let e = &f[0].explanation;
    assert!(
        e.contains("(UDP from 192.0.2.10 port 40000 to 198.51.100.2 port 53)")
            && e.contains("saw 1 packet of that protocol from 192.0.2.10 to 198.51.100.2"),
        "{e}"
    );
    // Runs of one flow are counted too.
    let f = run(&spaced(vec![
        victim_udp(40000, 123),
        victim_udp(40000, 123),
        victim_udp(40000, 123),
        unreachable(40000, 53),
    ]));
    assert!(
        f[0].explanation
            .contains("saw 3 packets of that protocol from 192.0.2.10 to 198.51.100.2")
    );
    // And runs of two alternating flows (a request and its answer).
    let answer = ipv4(SERVER, VICTIM, 17, &[], &udp(123, 40000));
    let mut packets = Vec::new();
    for _ in 0..4 {
        packets.push(victim_udp(40000, 123));
        packets.push(answer.clone());
    }
    packets.push(ipv4(VICTIM, EDGE, 17, &[], &udp(1, 2)));
    packets.push(unreachable(40000, 53));
    let f = run(&spaced(packets));
    assert!(f[0].explanation.contains("saw 4 packets of that protocol"));
    // It sent this very flow: a real error.
    let f = run(&spaced(vec![victim_udp(40000, 53), unreachable(40000, 53)]));
    assert_eq!(names(&f), []);
}

#[test]
fn time_exceeded_for_a_real_icmp_probe_is_not_forged() {
    // traceroute -I: echo requests with one identifier, TTL rising; the
    // routers quote them.
    let probe = |seq| v4_between(VICTIM, SERVER, echo_v4(false, 0x4242, seq, &[0; 32]));
    let exceeded = |seq| error_v4(ROUTER, 11, 0, [0; 4], &quote28(&probe(seq)));
    let f = run(&spaced(vec![probe(1), exceeded(1), probe(2), exceeded(2)]));
    assert_eq!(names(&f), []);
    // Another identifier was never sent.
    let other = v4_between(VICTIM, SERVER, echo_v4(false, 0x5151, 1, &[0; 32]));
    let f = run(&spaced(vec![
        probe(1),
        error_v4(ROUTER, 11, 0, [0; 4], &quote28(&other)),
    ]));
    assert_eq!(names(&f), [("error-for-unsent", Severity::Medium, 75)]);
}

#[test]
fn an_error_about_a_tunnel_packet_is_not_judged() {
    // The guard sees a tunnel's inner packets, never its outer flow.
    let gre = ipv4(VICTIM, SERVER, 47, &[], &[0; 16]);
    let vxlan = ipv4(VICTIM, SERVER, 17, &[], &udp(50000, 4789));
    for quoted in [gre, vxlan] {
        let ptb = error_v4(EDGE, 3, 4, [0, 0, 5, 0], &quoted[..28]);
        let f = run(&spaced(vec![victim_udp(1, 2), ptb]));
        assert_eq!(names(&f), []);
    }
}

#[test]
fn an_error_whose_quote_stops_before_the_ports_is_not_judged() {
    let short = victim_udp(40000, 53)[..24].to_vec();
    let f = run(&spaced(vec![
        victim_udp(1, 2),
        error_v4(EDGE, 11, 0, [0; 4], &short),
    ]));
    assert_eq!(names(&f), []);
}

#[test]
fn an_ipv6_redirect_quoting_a_flow_never_sent_is_raised() {
    let mut sent = vec![0x60, 0, 0, 0, 0, 40, 17, 64];
    sent.extend_from_slice(&v6("fe80::10"));
    sent.extend_from_slice(&v6("2001:db8:2::2"));
    sent.extend_from_slice(&udp(40000, 123));
    let mut forged_quote = sent.clone();
    forged_quote[42..44].copy_from_slice(&53u16.to_be_bytes());
    let redirect = |quoted: &[u8]| {
        let mut body = v6("fe80::14").to_vec();
        body.extend_from_slice(&v6("2001:db8:2::2"));
        body.extend_from_slice(&[4, 11, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(&quoted[..80]);
        v6_between(
            v6("fe80::1"),
            v6("fe80::10"),
            255,
            icmp(137, 0, [0; 4], &body),
        )
    };
    let f = run(&spaced(vec![sent.clone(), redirect(&sent)]));
    assert_eq!(names(&f), [("redirect", Severity::Medium, 90)]);
    let f = run(&spaced(vec![sent, redirect(&forged_quote)]));
    assert_eq!(
        names(&f),
        [
            ("redirect", Severity::Medium, 90),
            ("error-for-unsent", Severity::Medium, 75)
        ]
    );
}

// --- quoted IP options -----------------------------------------------------------

fn record_route() -> Vec<u8> {
    let mut o = vec![7, 39, 4];
    o.resize(39, 0);
    o.push(0);
    o
}

#[test]
fn a_quoted_header_with_options_is_cve_2022_23093_unless_it_is_a_record_route() {
    let probe = |options: &[u8]| {
        let echo = echo_v4(false, 0x6161, 1, &[0; 8]);
        ipv4(VICTIM, SERVER, 1, options, &echo)
    };
    let nops = {
        let mut o = vec![1; 39];
        o.push(0);
        o
    };
    let f = run(&spaced(vec![error_v4(
        EDGE,
        3,
        1,
        [0; 4],
        &probe(&nops)[..68],
    )]));
    assert_eq!(names(&f), [("quoted-ip-options", Severity::High, 90)]);
    assert!(
        f[0].explanation
            .contains("IPv4 header of 60 bytes (IHL 15)")
    );
    // The same options reported by a Parameter Problem pointing at them.
    let problem = error_v4(EDGE, 12, 0, [24, 0, 0, 0], &probe(&nops)[..68]);
    let f = run(&spaced(vec![problem]));
    assert_eq!(names(&f), [("quoted-ip-options", Severity::Medium, 60)]);
    assert!(f[0].explanation.contains("points at byte 24 among them"));
    let rr = probe(&record_route());
    let f = run(&spaced(vec![
        rr.clone(),
        error_v4(EDGE, 11, 0, [0; 4], &rr[..68]),
    ]));
    assert_eq!(names(&f), [("quoted-ip-options", Severity::Low, 40)]);
    assert!(f[0].explanation.contains("well-formed Record Route"));
    // A Record Route first does not hold back the attack after it.
    let f = run(&spaced(vec![
        rr.clone(),
        error_v4(EDGE, 11, 0, [0; 4], &rr[..68]),
        error_v4(EDGE, 3, 1, [0; 4], &probe(&nops)[..68]),
    ]));
    assert_eq!(
        names(&f),
        [
            ("quoted-ip-options", Severity::Low, 40),
            ("quoted-ip-options", Severity::High, 90)
        ]
    );
    // Cut inside the options: the quote itself is the overflow's shape.
    let f = run(&spaced(vec![error_v4(EDGE, 11, 0, [0; 4], &rr[..30])]));
    assert_eq!(names(&f), [("quoted-ip-options", Severity::High, 90)]);
    assert!(f[0].explanation.contains("the quote stops inside them"));
    // No options: nothing.
    let plain = probe(&[]);
    let f = run(&spaced(vec![
        plain.clone(),
        error_v4(EDGE, 11, 0, [0; 4], &plain[..28]),
    ]));
    assert_eq!(names(&f), []);
}

#[test]
fn ordinary_options_are_one_well_formed_record_route_or_timestamp() {
    assert_eq!(ordinary_options(&record_route()), Some("Record Route"));
    let mut ts = vec![68, 40, 5, 0];
    ts.resize(40, 0);
    assert_eq!(ordinary_options(&ts), Some("Timestamp"));
    assert_eq!(ordinary_options(&[1, 1, 1, 0]), None);
    assert_eq!(ordinary_options(&[7, 39, 4]), None); // runs past
    assert_eq!(ordinary_options(&[7, 7, 2, 0, 0, 0, 0, 0]), None); // bad pointer
    assert_eq!(ordinary_options(&[130, 11, 0, 0]), None); // security
    let mut two = record_route()[..39].to_vec();
    two.truncate(7);
    two[1] = 7;
    let doubled = [two.clone(), two, vec![0, 0]].concat();
    assert_eq!(ordinary_options(&doubled), None);
}

// --- bounds and malformed input --------------------------------------------------

#[test]
fn a_flood_of_new_pairs_and_flows_keeps_state_at_its_caps() {
    let settings = Settings {
        flows: 100,
        pairs: 50,
        ..Settings::default()
    };
    let packets: Vec<_> = (0..5_000u32)
        .map(|i| {
            let [_, _, a, b] = i.to_be_bytes();
            (
                u64::from(i) * 1_000,
                ipv4([10, 1, a, b], SERVER, 17, &[], &udp(1, 2)),
            )
        })
        .collect();
    let mut spoof = Spoofing::new(&settings);
    for (_, p) in &packets {
        spoof.packet(&IpPacket {
            frame: 1,
            now: 0,
            ip: p,
            direction: Direction::Unknown,
        });
    }
    // The tables' sizes, rounded up to powers of two.
    assert_eq!(spoof.held(), 128 + 64);
}

#[test]
fn the_entries_are_the_sizes_the_module_states() {
    assert_eq!(flows::entry_sizes(), (8, 16));
}

#[test]
fn truncated_and_broken_messages_never_panic() {
    let bases = [
        redirect_v4([203, 0, 113, 66]),
        redirect_v6("fe80::1", 255, "2001:db8::1", "2001:db8:2::2"),
        ra("fe80::1", 255, &RDNSS_EVEN),
        frag_needed(296),
        packet_too_big(600),
        error_v4(EDGE, 11, 0, [0; 4], &[0x4f, 0, 0]),
        error_v4(EDGE, 4, 0, [0; 4], &[]),
    ];
    let mut packets = Vec::new();
    for base in &bases {
        let header = if base[0] >> 4 == 4 { 20 } else { 40 };
        for len in header..=base.len() {
            let mut p = base[..len].to_vec();
            packets.push(p.clone());
            if len > header + 8 {
                p[len - 1] ^= 0xff;
                p[header + 9 % (len - header)] = 0;
                packets.push(p);
            }
        }
    }
    let f = run(&spaced(packets));
    assert!(!f.is_empty());
    // A finding's subject is always one of the packets' addresses.
    assert!(
        f.iter()
            .all(|f| !matches!(f.dst, IpAddr::V4(a) if a.is_unspecified()))
    );
}
