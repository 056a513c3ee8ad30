//! `icmpkit guard` on the lab's recordings of real tools and crafted
//! attacks (`tests/fixtures/guard`, made by `lab/guard/record.sh`; what
//! each holds is in the README there): every attack raises its detection
//! at its severity, and nothing raises a high-severity finding it should
//! not: the false positives are counted per capture and must be zero.
//! As root (in CI), the captures are recorded afresh and checked the same
//! way, so the expectations hold for today's tools and kernel, not only
//! for the committed files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use icmpkit_lab::{guard, icmpkit, repo, text};

/// What guard must raise for a capture, and the worst it may raise
/// besides.
struct Expected {
    file: &'static str,
    /// Options given to guard before the file.
    args: &'static [&'static str],
    /// (detection, severity) pairs that must be among the alerts.
    raises: &'static [(&'static str, &'static str)],
    /// The worst severity a finding not in `raises` may have: `None`
    /// allows none at all.
    others_at_most: Option<&'static str>,
}

const fn attack(file: &'static str, raises: &'static [(&'static str, &'static str)]) -> Expected {
    attack_with(file, &[], raises)
}

const fn attack_with(
    file: &'static str,
    args: &'static [&'static str],
    raises: &'static [(&'static str, &'static str)],
) -> Expected {
    Expected {
        file,
        args,
        raises,
        others_at_most: Some("medium"),
    }
}

const fn benign(file: &'static str, at_most: Option<&'static str>) -> Expected {
    Expected {
        file,
        args: &[],
        raises: &[],
        others_at_most: at_most,
    }
}

/// Every capture of the README, with what guard must say about it.
const EXPECTED: &[Expected] = &[
    // Floods and reflection, fragments.
    attack("hping3-flood.pcap", &[("echo-flood-source", "high")]),
    attack("hping3-blacknurse.pcap", &[("blacknurse", "high")]),
    attack(
        "rand-source-flood.pcap",
        &[("echo-flood-destination", "high")],
    ),
    attack(
        "backscatter.pcap",
        &[("unsolicited-echo-replies", "medium")],
    ),
    attack(
        "smurf.pcap",
        &[("smurf", "high"), ("broadcast-echo", "low")],
    ),
    attack("ping-of-death.pcap", &[("ping-of-death", "high")]),
    attack(
        "overlapping-fragments.pcap",
        &[("fragment-overlap", "high")],
    ),
    // Tunnels and covert channels.
    attack(
        "ptunnel-ng.pcap",
        &[
            ("echo-tunnel", "high"),
            ("echo-payload-mismatch", "medium"),
            ("tunnel-signature", "low"),
        ],
    ),
    attack(
        "ptunnel.pcap",
        &[
            ("echo-tunnel", "high"),
            ("echo-payload-mismatch", "medium"),
            ("tunnel-signature", "low"),
        ],
    ),
    attack(
        "hans.pcap",
        &[
            ("echo-tunnel", "high"),
            ("echo-payload-mismatch", "medium"),
            ("tunnel-signature", "low"),
        ],
    ),
    attack(
        "icmptunnel.pcap",
        &[
            ("echo-tunnel", "high"),
            ("echo-payload-mismatch", "medium"),
            ("tunnel-signature", "low"),
        ],
    ),
    attack(
        "icmpsh.pcap",
        &[("echo-tunnel", "high"), ("echo-payload-mismatch", "medium")],
    ),
    attack(
        "entropy-session.pcap",
        &[("echo-tunnel", "high"), ("unusual-echo-payload", "low")],
    ),
    attack(
        "reply-mismatch.pcap",
        &[("echo-payload-mismatch", "medium")],
    ),
    // Reconnaissance.
    attack(
        "nmap-sweep.pcap",
        &[("host-sweep", "medium"), ("scanner-probe", "medium")],
    ),
    attack("nmap-sweep6.pcap", &[("host-sweep", "medium")]),
    attack("nmap-os.pcap", &[("scanner-probe", "medium")]),
    attack("timestamp-sweep.pcap", &[("host-sweep", "medium")]),
    attack("mask-sweep.pcap", &[("host-sweep", "medium")]),
    attack("probe-sweep.pcap", &[("host-sweep", "medium")]),
    attack("ttl-walk.pcap", &[("ttl-walk", "info")]),
    // Protocol anomalies, one finding per kind and source.
    attack(
        "anomalies.pcap",
        &[
            ("bad-checksum", "low"),
            ("truncated", "low"),
            ("unknown-type", "low"),
            ("unknown-code", "low"),
            ("version-mismatch", "medium"),
            ("mld-hop-limit", "medium"),
        ],
    ),
    // Spoofing and off-path attacks.
    attack(
        "redirect.pcap",
        &[("redirect", "medium"), ("redirect-off-link", "high")],
    ),
    attack("redirect6.pcap", &[("redirect", "medium")]),
    // Only h4's RAs are in it: the legitimate router must be named.
    attack_with(
        "rogue-ra.pcap",
        &["--router", "fe80::1"],
        &[("rogue-router-advertisement", "high")],
    ),
    attack(
        "ra-flood.pcap",
        &[
            ("router-advertisement-flood", "high"),
            ("rogue-router-advertisement", "medium"),
        ],
    ),
    attack("rdnss-even.pcap", &[("rdnss-even-length", "high")]),
    attack("source-quench.pcap", &[("source-quench", "medium")]),
    attack(
        "frag-needed-low.pcap",
        &[("small-mtu", "medium"), ("error-for-unsent", "medium")],
    ),
    attack(
        "ptb-low.pcap",
        &[("small-mtu", "medium"), ("error-for-unsent", "medium")],
    ),
    attack("quoted-ip-options.pcap", &[("quoted-ip-options", "high")]),
    // The victim's real traffic to these hosts first, then the forged
    // errors about flows it never opened.
    attack("errors-never-sent.pcap", &[("error-for-unsent", "medium")]),
    attack("ptb-no-flow.pcap", &[("error-for-unsent", "medium")]),
    // Benign look-alikes.
    benign("benign-ping.pcap", None),
    benign("benign-ping-fragmented.pcap", None),
    benign("benign-monitor.pcap", None),
    benign("benign-tracepath.pcap", None),
    benign("benign-ndp-ra.pcap", None),
    benign("benign-mld.pcap", None),
    benign("benign-traceroute-udp.pcap", Some("info")),
    benign("benign-traceroute-icmp.pcap", Some("info")),
    benign("benign-mtr.pcap", Some("info")),
    benign("benign-broadcast-ping.pcap", Some("low")),
];

const SEVERITIES: [&str; 4] = ["info", "low", "medium", "high"];

fn rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or_else(|| panic!("unknown severity {severity}"))
}

/// The alerts guard raises on `path` given `args`: (detection, severity)
/// of each.
fn alerts(path: &Path, args: &[&str]) -> Vec<(String, String)> {
    guard::alerts(icmpkit!(), path, args)
        .iter()
        .map(|r| {
            (
                r["detection"].as_str().unwrap().to_owned(),
                r["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Checks every expected capture found in `dir`; returns the problems, one
/// line each (a missing detection, a false positive), and how many
/// captures were checked.
fn check(dir: &Path) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut checked = 0;
    for e in EXPECTED {
        let path = dir.join(e.file);
        if !path.exists() {
            problems.push(format!("{}: not recorded", e.file));
            continue;
        }
        checked += 1;
        let raised = alerts(&path, e.args);
        let set: BTreeSet<(String, String)> = raised.iter().cloned().collect();
        for (detection, severity) in e.raises {
            if !set.contains(&((*detection).to_owned(), (*severity).to_owned())) {
                problems.push(format!(
                    "{}: {detection} ({severity}) not raised; raised: {raised:?}",
                    e.file
                ));
            }
        }
        for (detection, severity) in &set {
            if e.raises
                .iter()
                .any(|(d, s)| d == detection && s == severity)
            {
                continue;
            }
            let allowed = e
                .others_at_most
                .is_some_and(|most| rank(severity) <= rank(most));
            if !allowed {
                problems.push(format!(
                    "{}: false positive {detection} ({severity})",
                    e.file
                ));
            }
        }
    }
    (problems, checked)
}

fn fixtures() -> PathBuf {
    guard::fixture("x")
        .parent()
        .expect("a directory")
        .to_owned()
}

#[test]
fn every_committed_capture_raises_what_it_should_and_no_false_high() {
    let (problems, checked) = check(&fixtures());
    assert_eq!(checked, EXPECTED.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_capture_of_the_readme_has_an_expectation() {
    let readme = std::fs::read_to_string(fixtures().join("README.md")).expect("README");
    let listed: BTreeSet<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|f| Path::new(f).extension().is_some_and(|e| e == "pcap"))
        .collect();
    let expected: BTreeSet<&str> = EXPECTED.iter().map(|e| e.file).collect();
    let missing: Vec<_> = listed.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "captures without expectations: {missing:?}"
    );
}

#[test]
fn freshly_recorded_captures_raise_the_same() {
    if !icmpkit_lab::require::root("freshly_recorded_captures_raise_the_same") {
        return;
    }
    for tool in [
        "tcpdump",
        "hping3",
        "nmap",
        "ptunnel-ng",
        "radvd",
        "editcap",
    ] {
        if !icmpkit_lab::require::program(tool) {
            return;
        }
    }
    let dir = std::env::temp_dir().join(format!("icmpkit-guard-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let script = repo().join("lab/guard/record.sh");
    let out = Command::new("timeout")
        .arg("600")
        .arg(&script)
        .arg(&dir)
        .output()
        .expect("run lab/guard/record.sh");
    let result = check(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "record.sh failed: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let (problems, checked) = result;
    assert_eq!(checked, EXPECTED.len(), "{}", problems.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
