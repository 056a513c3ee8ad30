//! `icmpkit sweep` in the lab: the server answers for whole ranges
//! (`ip route add local 10.200.0.0/16 dev lo`), the router routes them, and
//! parts are blackholed or rejected. The lab is the standard chain of
//! `lab/lib.sh`, removed by the guard `icmpkit_lab::netns::Lab`.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use icmpkit_lab::bin::with_subcommand;
use icmpkit_lab::netns::{self, Lab};
use icmpkit_lab::{icmpkit, text};

/// A chain whose server answers for 10.200.0.0/16.
fn ranges(test: &str) -> Option<Lab> {
    Lab::answering(test, "10.200.0.0/16")
}

fn sweep(chain: &Lab, args: &[&str]) -> Output {
    chain.run_bounded("client", 60, icmpkit!(), &with_subcommand("sweep", args))
}

fn addresses(out: &Output) -> BTreeSet<String> {
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn finds_exactly_the_answering_addresses() {
    let Some(chain) = ranges("finds_exactly_the_answering_addresses") else {
        return;
    };
    let out = sweep(
        &chain,
        &["--rate", "20000", "--cooldown", "0.5", "10.200.0.0/20"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let found = addresses(&out);
    assert_eq!(found.len(), 4096, "{}", text(&out.stderr));
    assert!(found.contains("10.200.0.0") && found.contains("10.200.15.255"));
    assert!(
        text(&out.stderr).contains("unique hosts 4096"),
        "{}",
        text(&out.stderr)
    );
    // Nothing else on stdout: one address per line.
    assert!(
        found
            .iter()
            .all(|a| a.parse::<std::net::Ipv4Addr>().is_ok())
    );
}

#[test]
fn blackholed_and_rejected_parts_are_told_apart() {
    let Some(chain) = ranges("blackholed_and_rejected_parts_are_told_apart") else {
        return;
    };
    chain.must(
        "router",
        &["ip", "route", "add", "blackhole", "10.200.1.0/24"],
    );
    chain.must(
        "router",
        &[
            "iptables",
            "-A",
            "FORWARD",
            "-d",
            "10.200.2.0/24",
            "-j",
            "REJECT",
            "--reject-with",
            "icmp-admin-prohibited",
        ],
    );
    chain.must(
        "router",
        &[
            "sysctl",
            "-qw",
            "net.ipv4.icmp_msgs_per_sec=100000",
            "net.ipv4.icmp_msgs_burst=100000",
        ],
    );
    let out = sweep(
        &chain,
        &[
            "--all",
            "--json",
            "--rate",
            "5000",
            "--cooldown",
            "0.5",
            "10.200.0.0/22",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut replies = BTreeSet::new();
    let mut errors = BTreeSet::new();
    let mut summary = None;
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        match v["type"].as_str() {
            Some("reply") => {
                replies.insert(v["from"].as_str().unwrap().to_owned());
                assert!(v["rtt_ms"].as_f64().is_some_and(|r| r >= 0.0));
                assert_eq!(v["ttl"], 63);
            }
            Some("error") => {
                assert_eq!(
                    (v["icmp_type"].as_u64(), v["icmp_code"].as_u64()),
                    (Some(3), Some(13))
                );
                assert_eq!(v["from"], netns::ROUTER4);
                errors.insert(v["target"].as_str().unwrap().to_owned());
            }
            Some("summary") => summary = Some(v),
            other => panic!("unexpected {other:?}: {line}"),
        }
    }
    // 10.200.0.0/24 and 10.200.3.0/24 answer; .1 is blackholed; .2 rejected.
    assert_eq!(replies.len(), 512);
    assert!(
        replies
            .iter()
            .all(|a| a.starts_with("10.200.0.") || a.starts_with("10.200.3."))
    );
    assert_eq!(errors.len(), 256);
    assert!(errors.iter().all(|a| a.starts_with("10.200.2.")));
    let summary = summary.expect("a summary object");
    assert_eq!(summary["targets"], 1024);
    assert_eq!(summary["unique"], 512);
    assert_eq!(summary["errors"], 256);
}

#[test]
fn overlapping_prefixes_are_probed_once_and_excludes_hold() {
    let Some(chain) = ranges("overlapping_prefixes_are_probed_once_and_excludes_hold") else {
        return;
    };
    let out = sweep(
        &chain,
        &[
            "--json",
            "--rate",
            "5000",
            "--cooldown",
            "0.3",
            "--exclude",
            "10.200.0.128/25",
            "10.200.0.0/24",
            "10.200.0.0/25",
            "10.200.0.7",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().last().unwrap()).unwrap();
    assert_eq!(summary["targets"], 128);
    assert_eq!(summary["sent"], 128);
    assert_eq!(summary["unique"], 128);
    assert_eq!(summary["duplicates"], 0);
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let run = |args: &[&str]| {
        Command::new(icmpkit!())
            .arg("sweep")
            .args(args)
            .output()
            .expect("run icmpkit sweep")
    };
    for (args, words) in [
        (&["0.0.0.0/0"][..], "--force"),
        (&["2001:db8::/48"][..], "/64"),
        (&["10.0.0.300"][..], "10.0.0.300"),
        (&["10.0.0.0/33"][..], "10.0.0.0/33"),
        (
            &["--exclude", "10.0.0.0/24", "10.0.0.0/24"][..],
            "no address to sweep",
        ),
        (&["--rate", "0", "10.0.0.1"][..], "--rate"),
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "sweep {args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(words),
            "sweep {args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "", "sweep {args:?}");
    }
}

#[test]
fn refused_sends_are_counted_and_the_sweep_goes_on() {
    let Some(chain) = ranges("refused_sends_are_counted_and_the_sweep_goes_on") else {
        return;
    };
    // On the client: a prohibit and a blackhole route; the link's own
    // broadcast address is in the sweep too.
    chain.must(
        "client",
        &["ip", "route", "add", "prohibit", "10.200.4.0/24"],
    );
    chain.must(
        "client",
        &["ip", "route", "add", "blackhole", "10.200.5.0/24"],
    );
    let out = sweep(
        &chain,
        &[
            "--all",
            "--json",
            "--rate",
            "5000",
            "--cooldown",
            "0.3",
            "10.200.0.0/24",
            "10.200.4.0/24",
            "10.200.5.0/24",
            "192.0.2.255",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut replies = BTreeSet::new();
    let mut refused = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    let mut summary = None;
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        match v["type"].as_str() {
            Some("reply") => {
                replies.insert(v["from"].as_str().unwrap().to_owned());
            }
            Some("refused") => {
                refused
                    .entry(v["errno"].as_str().unwrap().to_owned())
                    .or_default()
                    .insert(v["target"].as_str().unwrap().to_owned());
            }
            Some("summary") => summary = Some(v),
            other => panic!("unexpected {other:?}: {line}"),
        }
    }
    assert_eq!(replies.len(), 256, "{}", text(&out.stderr));
    assert!(replies.iter().all(|a| a.starts_with("10.200.0.")));
    // A prohibit route and a broadcast address refuse with EACCES, a
    // blackhole with EINVAL.
    let eacces = &refused["EACCES"];
    assert_eq!(eacces.len(), 257);
    assert!(eacces.contains("192.0.2.255"));
    assert!(
        eacces
            .iter()
            .all(|a| a.starts_with("10.200.4.") || a == "192.0.2.255")
    );
    let einval = &refused["EINVAL"];
    assert_eq!(einval.len(), 256);
    assert!(einval.iter().all(|a| a.starts_with("10.200.5.")));
    assert_eq!(refused.len(), 2);
    let summary = summary.expect("a summary object");
    assert_eq!(summary["targets"], 256 * 3 + 1);
    assert_eq!(summary["sent"], 256);
    assert_eq!(summary["refused"], 256 * 2 + 1);
    assert_eq!(summary["refused_by_errno"]["EACCES"], 257);
    assert_eq!(summary["refused_by_errno"]["EINVAL"], 256);
    assert!(
        text(&out.stderr).contains("refused 513"),
        "{}",
        text(&out.stderr)
    );
}
