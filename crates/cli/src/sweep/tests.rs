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
