//! `icmpkit guard` on the lab's captures (`tests/fixtures/guard`, recorded
//! by `lab/guard/record.sh`): the reconnaissance captures (nmap's sweeps
//! and OS detection, crafted timestamp, mask and PROBE sweeps, traceroute)
//! and the crafted anomalies raise their detections with the severity
//! expected; the benign look-alikes raise at most the Info path walk that
//! traceroute and mtr really are, and nothing of the anomaly family.

use icmpkit_lab::{guard, icmpkit};
use serde_json::Value;

/// The alerts `icmpkit guard --json` raises on the capture `name` from the
/// recon and anomaly families, in order.
fn alerts(name: &str) -> Vec<Value> {
    let all = guard::alerts(icmpkit!(), &guard::fixture(name), &[]);
    guard::of_family(all, "recon|anomaly")
}

/// (detection, severity) of each alert.
fn raised(alerts: &[Value]) -> Vec<(&str, &str)> {
    alerts
        .iter()
        .map(|v| {
            (
                v["detection"].as_str().unwrap(),
                v["severity"].as_str().unwrap(),
            )
        })
        .collect()
}

/// What each capture raises from the recon and anomaly families.
const EXPECTED: &[(&str, &[(&str, &str)])] = &[
    (
        "nmap-sweep",
        &[("host-sweep", "medium"), ("scanner-probe", "medium")],
    ),
    (
        "nmap-sweep6",
        &[("host-sweep", "medium"), ("scanner-probe", "low")],
    ),
    (
        "nmap-os",
        &[("scanner-probe", "medium"), ("unknown-code", "low")],
    ),
    ("timestamp-sweep", &[("host-sweep", "medium")]),
    (
        "mask-sweep",
        &[("host-sweep", "medium"), ("scanner-probe", "low")],
    ),
    ("probe-sweep", &[("host-sweep", "medium")]),
    ("ttl-walk", &[("ttl-walk", "info")]),
    (
        "anomalies",
        &[
            ("bad-checksum", "low"),
            ("bad-checksum", "low"),
            ("truncated", "low"),
            ("truncated", "low"),
            ("truncated", "low"),
            ("unknown-type", "low"),
            ("unknown-code", "low"),
            ("unknown-code", "low"),
            ("unknown-type", "low"),
            ("version-mismatch", "medium"),
            ("version-mismatch", "medium"),
            ("mld-hop-limit", "medium"),
        ],
    ),
    // Benign: traceroute and mtr are path walks (Info), nothing else.
    ("benign-traceroute-icmp", &[("ttl-walk", "info")]),
    (
        "benign-traceroute-udp",
        &[("ttl-walk", "info"), ("ttl-walk", "info")],
    ),
    ("benign-mtr", &[("ttl-walk", "info")]),
    ("benign-tracepath", &[]),
    ("benign-ping", &[]),
    ("benign-ping-fragmented", &[]),
    ("benign-monitor", &[]),
    ("benign-broadcast-ping", &[]),
    ("benign-ndp-ra", &[]),
    ("benign-mld", &[]),
    // Other families' attacks: nothing from these two (the RDNSS option
    // of even length also breaks the NDP option format).
    ("hping3-flood", &[]),
    ("hping3-blacknurse", &[]),
    ("smurf", &[]),
    ("ping-of-death", &[]),
    ("overlapping-fragments", &[]),
    ("ptunnel-ng", &[]),
    ("rdnss-even", &[("malformed", "low")]),
];

#[test]
fn each_capture_raises_what_it_shows() {
    for &(name, expected) in EXPECTED {
        let alerts = alerts(name);
        assert_eq!(raised(&alerts), expected, "{name}");
    }
}

/// The alert of `detection` on `name` (the first).
fn alert(name: &str, detection: &str) -> Value {
    alerts(name)
        .into_iter()
        .find(|v| v["detection"] == detection)
        .unwrap_or_else(|| panic!("{name}: no {detection}"))
}

#[test]
fn the_nmap_sweep_names_its_source_kinds_and_shapes() {
    let sweep = alert("nmap-sweep", "host-sweep");
    assert_eq!(sweep["src"], "203.0.113.66");
    assert_eq!(sweep["evidence"]["facts"]["destinations"], 24);
    let kinds = sweep["evidence"]["facts"]["kinds"].as_str().unwrap();
    assert!(kinds.starts_with("echo"), "{kinds}");
    let explanation = sweep["explanation"].as_str().unwrap();
    assert!(
        explanation.starts_with("203.0.113.66 sent ")
            && explanation.contains("to 24 distinct addresses"),
        "{explanation}"
    );
    let probe = alert("nmap-sweep", "scanner-probe");
    // nmap sends echo first, then timestamp and mask to the hosts that did
    // not answer: the finding is raised at the second shape.
    assert_eq!(probe["confidence"], 0.85);
    let shapes = probe["evidence"]["facts"]["shapes"].as_str().unwrap();
    assert!(
        shapes.starts_with("echo request with no data (-PE); "),
        "{shapes}"
    );
}

#[test]
fn nmap_os_detection_is_named_by_its_echo_probe() {
    let probe = alert("nmap-os", "scanner-probe");
    assert_eq!(
        (probe["src"].as_str(), probe["dst"].as_str()),
        (Some("203.0.113.66"), Some("192.0.2.10"))
    );
    assert_eq!(probe["icmp_code"], 9);
    assert!(
        probe["explanation"]
            .as_str()
            .unwrap()
            .contains("code 9 and 120 zero bytes (IE1)"),
        "{probe}"
    );
}

#[test]
fn traceroute_is_a_walk_from_the_tracer_to_its_target() {
    let walk = alert("ttl-walk", "ttl-walk");
    assert_eq!(
        (walk["src"].as_str(), walk["dst"].as_str()),
        (Some("203.0.113.66"), Some("192.0.2.10"))
    );
    assert_eq!(walk["evidence"]["facts"]["lowest_ttl"], 1);
    assert_eq!(walk["evidence"]["facts"]["consecutive_ttls"], 3);
}

#[test]
fn anomalies_carry_suricata_event_names() {
    let alerts = alerts("anomalies");
    let suricata = |detection: &str| -> Vec<String> {
        let v = alerts.iter().find(|v| v["detection"] == detection).unwrap();
        v["suricata"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(suricata("version-mismatch"), ["ipv4.icmpv6", "ipv6.icmpv4"]);
    assert_eq!(
        suricata("mld-hop-limit"),
        ["icmpv6.mld_message_with_invalid_hl"]
    );
    let mld = alerts
        .iter()
        .find(|v| v["detection"] == "mld-hop-limit")
        .unwrap();
    assert_eq!(mld["evidence"]["facts"]["hop_limit"], 64);
}
