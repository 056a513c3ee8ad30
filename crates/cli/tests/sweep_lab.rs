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
        (
            &["2001:db8::/64"][..],
            "2001:db8::/64: an IPv6 /64 holds 2^64 addresses and one sweep takes at most 2^33: \
             give /95 or longer, or a list of addresses",
        ),
        (&["2001:db8::/48"][..], "give /95 or longer"),
        (
            &["-4", "2001:db8::/120"][..],
            "2001:db8::/120: an IPv6 address, but -4 was given",
        ),
        (&["10.0.0.300"][..], "10.0.0.300"),
        (&["10.0.0.0/33"][..], "10.0.0.0/33"),
        (
            &["--exclude", "10.0.0.0/24", "10.0.0.0/24"][..],
            "no address to sweep",
        ),
        (&["--rate", "0", "10.0.0.1"][..], "--rate"),
        (
            &["--shard", "0/3", "10.0.0.0/24"][..],
            "--shard needs --seed S so that every shard walks the same order",
        ),
        (
            &["--shard", "3/3", "--seed", "1", "10.0.0.0/24"][..],
            "--shard 3/3",
        ),
        (&["--seed", "x", "10.0.0.0/24"][..], "--seed x"),
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
    // Paced, and at full speed, where send threads take shares of each
    // batch and their refusals come back in order.
    for rate in ["5000", "max"] {
        refused_sends_are_listed_at(&chain, rate);
    }
}

/// The sweep of [`refused_sends_are_counted_and_the_sweep_goes_on`] at
/// `rate`.
fn refused_sends_are_listed_at(chain: &Lab, rate: &str) {
    let out = sweep(
        chain,
        &[
            "--all",
            "--json",
            "--rate",
            rate,
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

/// The sweep of the shard tests: merged and overlapping prefixes, an
/// exclude and a lone address; 1089 targets, of which the 256 of
/// 10.200.1.0/24 (blackholed by the router) stay silent.
const SHARDED: [&str; 6] = [
    "10.200.0.0/22",
    "10.200.0.128/25",
    "10.200.8.0/25",
    "10.200.9.7",
    "--exclude",
    "10.200.3.0/26",
];
const SHARDED_TARGETS: u64 = 1024 - 64 + 128 + 1;

/// A chain answering for 10.200.0.0/16 but 10.200.1.0/24.
fn partly_answering(test: &str) -> Option<Lab> {
    let chain = ranges(test)?;
    chain.must(
        "router",
        &["ip", "route", "add", "blackhole", "10.200.1.0/24"],
    );
    Some(chain)
}

/// The replies' addresses and the summary of a `--json` sweep.
fn replies_and_summary(out: &Output) -> (Vec<String>, serde_json::Value) {
    let mut replies = Vec::new();
    let mut summary = None;
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        match v["type"].as_str() {
            Some("reply") => replies.push(v["from"].as_str().unwrap().to_owned()),
            Some("summary") => summary = Some(v),
            other => panic!("unexpected {other:?}: {line}"),
        }
    }
    (replies, summary.expect("a summary object"))
}

/// `--json` and `extra` before the shard tests' targets.
fn sharded_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    ["--json", "--rate", "10000", "--cooldown", "0.5"]
        .iter()
        .chain(extra)
        .chain(&SHARDED)
        .copied()
        .collect()
}

/// Checks that `shards` (the outputs of shards 0/3, 1/3, 2/3 of
/// [`SHARDED`] with seed 2026) found, between them, each of `expected`
/// once and nothing else, and said which part each covered.
fn assert_shards_add_up(shards: &[Output], expected: &BTreeSet<String>) {
    let mut together = Vec::new();
    let (mut targets, mut sent) = (0, 0);
    for (index, out) in shards.iter().enumerate() {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let (replies, summary) = replies_and_summary(out);
        assert_eq!(summary["shard"], index, "{summary}");
        assert_eq!(summary["shards"], 3);
        assert_eq!(summary["seed"], 2026);
        assert_eq!(summary["space_targets"], SHARDED_TARGETS);
        assert_eq!(summary["unique"], replies.len(), "{summary}");
        assert!(
            text(&out.stderr).contains(&format!(
                "(shard {index}/3 of {SHARDED_TARGETS}, seed 2026)"
            )),
            "{}",
            text(&out.stderr)
        );
        targets += summary["targets"].as_u64().unwrap();
        sent += summary["sent"].as_u64().unwrap();
        together.extend(replies);
    }
    // Every target probed once, by one shard.
    assert_eq!((targets, sent), (SHARDED_TARGETS, SHARDED_TARGETS));
    let distinct: BTreeSet<String> = together.iter().cloned().collect();
    assert_eq!(distinct.len(), together.len(), "a host found by two shards");
    assert_eq!(&distinct, expected);
}

#[test]
fn three_shards_one_after_another_find_together_exactly_what_one_sweep_finds() {
    let test = "three_shards_one_after_another_find_together_exactly_what_one_sweep_finds";
    let Some(chain) = partly_answering(test) else {
        return;
    };
    let whole = sweep(&chain, &sharded_args(&[]));
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stderr));
    let (found, summary) = replies_and_summary(&whole);
    assert_eq!(summary["targets"], SHARDED_TARGETS);
    let found: BTreeSet<String> = found.into_iter().collect();
    assert_eq!(found.len(), 1089 - 256, "{}", text(&whole.stderr));
    assert!(!found.iter().any(|a| a.starts_with("10.200.1.")));
    let shards: Vec<Output> = ["0/3", "1/3", "2/3"]
        .iter()
        .map(|shard| sweep(&chain, &sharded_args(&["--shard", shard, "--seed", "2026"])))
        .collect();
    assert_shards_add_up(&shards, &found);
}

#[test]
fn shards_running_at_once_on_one_host_never_count_each_others_replies() {
    let test = "shards_running_at_once_on_one_host_never_count_each_others_replies";
    let Some(chain) = partly_answering(test) else {
        return;
    };
    // What the chain answers: all but the blackholed /24.
    let expected: BTreeSet<String> = sweep(&chain, &sharded_args(&[]))
        .stdout
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "reply")
        .map(|v| v["from"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 1089 - 256);
    // Three raw sockets in one namespace: each sees every shard's replies.
    let running: Vec<_> = ["0/3", "1/3", "2/3"]
        .iter()
        .map(|shard| {
            let args = with_subcommand(
                "sweep",
                &sharded_args(&["--shard", shard, "--seed", "2026"]),
            );
            chain.spawn_bounded("client", 60, icmpkit!(), &args)
        })
        .collect();
    let shards: Vec<Output> = running
        .into_iter()
        .map(|child| child.wait_with_output().expect("a shard"))
        .collect();
    assert_shards_add_up(&shards, &expected);
    // They did see each other's replies, and counted them as not theirs.
    let invalid: u64 = shards
        .iter()
        .map(|out| replies_and_summary(out).1["invalid"].as_u64().unwrap())
        .sum();
    assert!(invalid > 0, "the shards did not overlap");
}

#[test]
fn host_names_are_resolved_as_ping_resolves_them() {
    let Some(chain) = ranges("host_names_are_resolved_as_ping_resolves_them") else {
        return;
    };
    // localhost from /etc/hosts, answered by the client's own loopback.
    let out = sweep(
        &chain,
        &["-4", "--cooldown", "0.2", "localhost", "10.200.0.1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        addresses(&out),
        BTreeSet::from(["127.0.0.1".to_owned(), "10.200.0.1".to_owned()])
    );
    // A name nothing resolves (the lab has no way out to a resolver).
    let out = sweep(&chain, &["no-such-host.invalid"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("icmpkit: no-such-host.invalid: "),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn exits_1_when_no_host_answers() {
    let Some(chain) = partly_answering("exits_1_when_no_host_answers") else {
        return;
    };
    let out = sweep(&chain, &["--cooldown", "0.3", "10.200.1.0/28"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("unique hosts 0"),
        "{}",
        text(&out.stderr)
    );
    // One answer among silent targets is a success.
    let out = sweep(
        &chain,
        &["--cooldown", "0.3", "10.200.1.0/28", "10.200.0.9"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "10.200.0.9\n");
}

#[test]
fn ctrl_c_prints_the_summary_and_exits_130() {
    let Some(chain) = ranges("ctrl_c_prints_the_summary_and_exits_130") else {
        return;
    };
    // 65,536 targets at 2,000 a second: half a minute, cut after 1.5 s.
    let out = chain.interrupt(
        "client",
        std::time::Duration::from_millis(1500),
        icmpkit!(),
        &["sweep", "--json", "--rate", "2000", "10.200.0.0/16"],
    );
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let (replies, summary) = replies_and_summary(&out);
    assert_eq!(summary["stopped"], true, "{summary}");
    let unique = summary["unique"].as_u64().unwrap();
    assert_eq!(unique, replies.len() as u64);
    assert!((1..=5000).contains(&unique), "{summary}");
    assert!(
        text(&out.stderr).contains(&format!("unique hosts {unique}")),
        "{}",
        text(&out.stderr)
    );
}
