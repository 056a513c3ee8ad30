//! `icmpkit guard` on the lab's captures (`tests/fixtures/guard`, recorded
//! by `lab/guard/record.sh`): each tunnel capture raises exactly the tunnel
//! findings expected (`echo-tunnel` High for every real or tool-shaped
//! tunnel), and no benign look-alike (ping, large ping, traceroute,
//! tracepath, mtr, monitoring, broadcast ping) raises any tunnel finding.

use std::path::PathBuf;
use std::process::Command;

use icmpkit_lab::icmpkit;
use serde_json::Value;

/// One expected finding: detection, severity, the finding's source.
type Expected = (&'static str, &'static str, &'static str);

/// Each tunnel capture and its tunnel findings: (detection, severity,
/// the finding's source), in any order (a regenerated recording of a real
/// tool may interleave them differently).
const TUNNELS: &[(&str, &[Expected])] = &[
    (
        "ptunnel-ng",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("unusual-echo-payload", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "ptunnel",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("unusual-echo-payload", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "hans",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
            ("unusual-echo-payload", "low", "192.0.2.10"),
        ],
    ),
    (
        "icmptunnel",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "icmpsh",
        &[
            ("tunnel-signature", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
            ("unusual-echo-payload", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "192.0.2.10"),
        ],
    ),
    (
        "entropy-session",
        &[
            ("unusual-echo-payload", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "192.0.2.10"),
        ],
    ),
    (
        "reply-mismatch",
        &[("echo-payload-mismatch", "medium", "198.51.100.2")],
    ),
];

/// Benign look-alikes: no tunnel finding at all.
const BENIGN: &[&str] = &[
    "benign-ping",
    "benign-ping-fragmented",
    "benign-traceroute-icmp",
    "benign-traceroute-udp",
    "benign-tracepath",
    "benign-mtr",
    "benign-monitor",
    "benign-broadcast-ping",
    "smurf",
];

const FAMILY: &str = "tunnel";

/// Where the capture `name` is: `tests/fixtures/guard` at the top, or
/// beside this test (where `lab/guard/record.sh` was first pointed).
fn fixture(name: &str) -> PathBuf {
    let file = format!("{name}.pcap");
    let top = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/guard"
    ))
    .join(&file);
    if top.exists() {
        return top;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/guard")).join(file)
}

/// The alerts of the tunnel family `icmpkit guard --json` prints for
/// `name`, or `None` when the capture is not there.
fn tunnel_alerts(name: &str) -> Option<Vec<Value>> {
    let path = fixture(name);
    if !path.exists() {
        return None;
    }
    let out = Command::new(icmpkit!())
        .args(["guard", "--json"])
        .arg(&path)
        .output()
        .expect("run icmpkit");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|v| v["type"] == "alert" && v["family"] == FAMILY)
        .collect();
    Some(alerts)
}

/// Fixtures are recorded by the lab, not committed by every branch: a
/// missing one fails under CI, and is reported and skipped otherwise.
fn missing(name: &str) {
    let msg = format!("{name}.pcap missing: run lab/guard/record.sh tests/fixtures/guard");
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    eprintln!("skipped: {msg}");
}

#[test]
fn each_tunnel_capture_raises_its_tunnel_findings() {
    for (name, expected) in TUNNELS {
        let Some(alerts) = tunnel_alerts(name) else {
            missing(name);
            continue;
        };
        let mut got: Vec<(String, String, String)> = alerts
            .iter()
            .map(|a| {
                (
                    a["detection"].as_str().unwrap().to_owned(),
                    a["severity"].as_str().unwrap().to_owned(),
                    a["src"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut want: Vec<(String, String, String)> = expected
            .iter()
            .map(|(d, s, a)| ((*d).to_owned(), (*s).to_owned(), (*a).to_owned()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn every_echo_tunnel_names_at_least_two_factors_and_explains_them() {
    for (name, _) in TUNNELS {
        let Some(alerts) = tunnel_alerts(name) else {
            missing(name);
            continue;
        };
        for a in alerts.iter().filter(|a| a["detection"] == "echo-tunnel") {
            let factors = a["evidence"]["facts"]["factors"].as_str().unwrap();
            assert!(factors.split(',').count() >= 2, "{name}: {factors}");
            let explanation = a["explanation"].as_str().unwrap();
            assert!(
                explanation.contains("independent signs")
                    && explanation.contains(a["evidence"]["facts"]["requester"].as_str().unwrap()),
                "{name}: {explanation}"
            );
        }
    }
}

#[test]
fn the_ptunnel_ng_capture_carries_its_magic_at_data_offset_zero() {
    let Some(alerts) = tunnel_alerts("ptunnel-ng") else {
        return missing("ptunnel-ng");
    };
    let sig = alerts
        .iter()
        .find(|a| a["detection"] == "tunnel-signature")
        .expect("a signature");
    assert_eq!(sig["frame"], 1);
    assert_eq!(sig["evidence"]["facts"]["tool"], "ptunnel-ng");
    assert_eq!(sig["evidence"]["facts"]["mark"], "the magic 0xDEADC0DE");
    let tunnel = alerts
        .iter()
        .find(|a| a["detection"] == "echo-tunnel")
        .expect("a tunnel");
    assert_eq!(
        tunnel["evidence"]["facts"]["factors"],
        "payload-mismatch,tool-signature"
    );
}

#[test]
fn benign_look_alikes_raise_no_tunnel_finding() {
    for name in BENIGN {
        let Some(alerts) = tunnel_alerts(name) else {
            missing(name);
            continue;
        };
        assert_eq!(alerts, Vec::<Value>::new(), "{name}");
    }
}
