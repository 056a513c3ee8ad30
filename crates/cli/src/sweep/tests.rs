//! The whole sweep path (arguments, machine, driver, rendering) over a
//! simulated network: no root, a virtual clock, exact output.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use clap::Parser;
use icmpkit_driver::sim::{Absent, Host, Link, Network, Route, Router, Unreachable, errno};

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

fn settings(args: &[&str]) -> Settings {
    let cli = Cli::try_parse_from(std::iter::once("sweep").chain(args.iter().copied())).unwrap();
    Settings::from_args(&cli.args).unwrap()
}

/// Local 10.0.0.1 behind the router 10.0.0.254 (1 ms away): in
/// 192.0.2.0/24 only .3, .7 and .200 answer (1 ms further), the rest is
/// silent; the router answers Host Unreachable for all of 198.51.100.0/24;
/// there is no route to anything else.
fn network() -> Network {
    let mut net = Network::builder().local(Ipv4Addr::new(10, 0, 0, 1)).seed(1);
    let router = net.router(Router::new(Ipv4Addr::new(10, 0, 0, 254)));
    let mut answering = Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
        .hop(router, Link::ms(1))
        .last_link(Link::ms(1))
        .absent(Absent::Silent);
    for host in [3, 7, 200] {
        answering = answering.host(Ipv4Addr::new(192, 0, 2, host), Host::answering());
    }
    net.route(answering);
    net.route(
        Route::to(Ipv4Addr::new(198, 51, 100, 0), 24)
            .hop(router, Link::ms(1))
            .last_link(Link::ms(1))
            .absent(Absent::Unreachable(Unreachable::HOST)),
    );
    net.build().unwrap()
}

/// Runs `icmpkit sweep ARGS` over [`network`]: stdout, the summary, the
/// exit, and the virtual time it took.
fn sweep(args: &[&str]) -> (String, SweepSummary, Exit, Duration) {
    let mut net = network();
    let mut out = Vec::new();
    let (summary, exit, mut writer) = sweep_over(
        settings(args),
        &mut net,
        &Signals::none(),
        &mut out,
        &ProgressLine::on(false),
    )
    .unwrap();
    writer.finish(&summary, None).unwrap();
    (
        String::from_utf8(out).unwrap(),
        summary,
        exit,
        net.elapsed(),
    )
}

#[test]
fn a_sweep_finds_exactly_the_answering_hosts_and_lists_errors_and_refusals() {
    let (out, summary, exit, took) = sweep(&[
        "--all",
        "--csv",
        "--cooldown",
        "0.5",
        "--rate",
        "1000",
        "192.0.2.0/24",
        "198.51.100.0/28",
        "203.0.113.5",
    ]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("type,addr,rtt_ms,ttl,from,icmp_type,icmp_code,errno")
    );
    let (mut found, mut unreachable, mut refused) = (Vec::new(), BTreeSet::new(), Vec::new());
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        match fields[0] {
            // Two links each way: 4 ms; TTL 64 less the router's 1.
            "reply" => {
                assert_eq!(fields[2..4], ["4", "63"], "{line}");
                found.push(fields[1].to_owned());
            }
            "error" => {
                assert_eq!(fields[4..7], ["10.0.0.254", "3", "1"], "{line}");
                unreachable.insert(fields[1].to_owned());
            }
            "refused" => refused.push((fields[1].to_owned(), fields[7].to_owned())),
            _ => panic!("{line}"),
        }
    }
    found.sort();
    assert_eq!(found, ["192.0.2.200", "192.0.2.3", "192.0.2.7"]);
    assert_eq!(
        unreachable,
        (0..16).map(|n| format!("198.51.100.{n}")).collect()
    );
    assert_eq!(
        refused,
        [("203.0.113.5".to_owned(), "ENETUNREACH".to_owned())]
    );
    let p = summary.counts.progress;
    assert_eq!(
        (p.total, p.sent, p.replies, p.unique, p.errors, p.invalid),
        (256 + 16 + 1, 256 + 16, 3, 3, 16, 0)
    );
    assert_eq!(summary.counts.refused, 1);
    assert_eq!(summary.refused_by_errno, [(errno::ENETUNREACH, 1)]);
    assert!(!summary.stopped);
    // 273 probes at 1000 per second: the last at 272 ms, then the cooldown.
    assert_eq!(summary.sending, Duration::from_millis(272));
    assert_eq!(took, Duration::from_millis(772));
    assert_eq!(exit, Exit::Success);
}

#[test]
fn a_sweep_that_finds_no_host_exits_unanswered() {
    let (out, summary, exit, _) = sweep(&[
        "--cooldown",
        "0.2",
        "198.51.100.0/30",
        "192.0.2.8/29",
        "203.0.113.0/30",
    ]);
    // Text: addresses only, and without --all nothing else.
    assert_eq!(out, "");
    let p = summary.counts.progress;
    assert_eq!((p.sent, p.unique, p.errors), (12, 0, 4));
    assert_eq!(summary.counts.refused, 4);
    assert_eq!(exit, Exit::Unanswered);
}

#[test]
fn json_lines_name_the_responder_from() {
    let (out, _, exit, _) = sweep(&["--json", "--cooldown", "0.1", "192.0.2.0/29"]);
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from: BTreeSet<&str> = records
        .iter()
        .filter(|r| r["type"] == "reply")
        .map(|r| r["from"].as_str().unwrap())
        .collect();
    assert_eq!(from, BTreeSet::from(["192.0.2.3", "192.0.2.7"]));
    let summary = records.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["unique"], 2);
    assert_eq!(summary["kernel_drops"], serde_json::Value::Null);
    assert_eq!(exit, Exit::Success);
}

/// The error `Settings::from_args` gives for `args`.
fn settings_error(args: &[&str]) -> String {
    let cli = Cli::try_parse_from(std::iter::once("sweep").chain(args.iter().copied())).unwrap();
    match Settings::from_args(&cli.args) {
        Ok(_) => panic!("sweep {args:?} was taken"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn shard_and_seed_reach_the_sweep() {
    let s = settings(&["--shard", "1/3", "--seed", "7", "192.0.2.0/24"]);
    assert_eq!(s.config.shard, Shard::new(1, 3).unwrap());
    assert_eq!(s.config.seed, Some(7));
    // The seed alone fixes the order; no shard is the whole space.
    let s = settings(&["--seed", "18446744073709551615", "192.0.2.0/24"]);
    assert_eq!(
        (s.config.shard, s.config.seed),
        (Shard::WHOLE, Some(u64::MAX))
    );
    let s = settings(&["192.0.2.0/24"]);
    assert_eq!((s.config.shard, s.config.seed), (Shard::WHOLE, None));
    // The validation key stays the run's own, seed or not.
    let again = settings(&["--shard", "1/3", "--seed", "7", "192.0.2.0/24"]);
    assert_ne!(
        again.config.key,
        settings(&["--shard", "1/3", "--seed", "7", "192.0.2.0/24"])
            .config
            .key
    );
}

#[test]
fn bad_shards_and_seeds_name_the_option_and_the_fix() {
    for (args, words) in [
        (
            &["--shard", "1/3", "192.0.2.0/24"][..],
            &["--shard needs --seed S so that every shard walks the same order"][..],
        ),
        (
            &["--shard", "3/3", "--seed", "1", "192.0.2.0/24"],
            &["--shard 3/3", "from 0 to 2", "numbered from 0"],
        ),
        (
            &["--shard", "0/0", "--seed", "1", "192.0.2.0/24"],
            &["--shard 0/0", "at least 1"],
        ),
        (
            &["--shard", "1", "--seed", "1", "192.0.2.0/24"],
            &["--shard 1", "I/N", "0/3"],
        ),
        (
            &["--shard=-1/3", "--seed", "1", "192.0.2.0/24"],
            &["--shard -1/3", "I/N"],
        ),
        (
            &["--seed", "x", "192.0.2.0/24"],
            &["--seed x", "whole number"],
        ),
        (
            &["--seed=-1", "192.0.2.0/24"],
            &["--seed -1", "18446744073709551615"],
        ),
        (
            &["--seed", "18446744073709551616", "192.0.2.0/24"],
            &["--seed 18446744073709551616"],
        ),
    ] {
        let error = settings_error(args);
        for word in words {
            assert!(error.contains(word), "sweep {args:?}: {error}");
        }
    }
}

#[test]
fn three_shards_find_together_exactly_what_one_sweep_finds() {
    let targets = [
        "192.0.2.0/24",
        "198.51.100.0/28",
        "192.0.2.128/25",
        "203.0.113.5",
    ];
    let common = ["--all", "--json", "--cooldown", "0.2", "--rate", "2000"];
    let records = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    // (type, address) of every record but the summary.
    let kinds = |records: &[serde_json::Value]| -> Vec<(String, String)> {
        records
            .iter()
            .filter(|r| r["type"] != "summary")
            .map(|r| {
                let addr = if r["type"] == "reply" {
                    &r["from"]
                } else {
                    &r["target"]
                };
                (
                    r["type"].as_str().unwrap().to_owned(),
                    addr.as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let args: Vec<&str> = common.iter().chain(&targets).copied().collect();
    let (whole, _, _, _) = sweep(&args);
    let whole = kinds(&records(&whole));
    // Three hosts, sixteen unreachable, one refused.
    assert_eq!(whole.len(), 3 + 16 + 1);
    let mut together = Vec::new();
    let mut targets_total = 0;
    for shard in ["0/3", "1/3", "2/3"] {
        let args: Vec<&str> = ["--shard", shard, "--seed", "99"]
            .iter()
            .chain(&common)
            .chain(&targets)
            .copied()
            .collect();
        let (out, summary, _, _) = sweep(&args);
        let records = records(&out);
        let end = records.last().unwrap();
        assert_eq!(end["shards"], 3);
        assert_eq!(end["space_targets"], 256 + 16 + 1);
        assert_eq!(end["seed"], 99);
        assert_eq!(summary.shard.to_string(), shard);
        targets_total += summary.counts.progress.total;
        together.extend(kinds(&records));
    }
    assert_eq!(targets_total, 256 + 16 + 1);
    let distinct: BTreeSet<_> = together.iter().cloned().collect();
    assert_eq!(distinct.len(), together.len(), "a record in two shards");
    assert_eq!(distinct, whole.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn send_threads_default_to_the_cores_and_a_bad_count_names_the_option() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    assert_eq!(
        settings(&["192.0.2.0/24"]).senders,
        cores.min(MAX_DEFAULT_SENDERS)
    );
    assert_eq!(settings(&["--senders", "0", "192.0.2.0/24"]).senders, 0);
    assert_eq!(settings(&["--senders", "8", "192.0.2.0/24"]).senders, 8);
    for bad in ["65", "-1", "x"] {
        let option = format!("--senders={bad}");
        let error = settings_error(&[&option, "192.0.2.0/24"]);
        assert!(
            error.contains(&format!("--senders {bad}")) && error.contains("from 0 to 64"),
            "{error}"
        );
    }
}
