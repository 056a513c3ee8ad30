//! PROBE end to end over the simulated network (`icmpkit_driver::sim`):
//! the machine, the driver and the renderer, on a virtual clock, without
//! root; and the plain words of each answer.

use std::net::{Ipv4Addr, Ipv6Addr};

use clap::Parser;
use icmpkit_driver::sim::{ExtendedEchoAnswers, Host, Interface, Link, Network, Route, Router};

use super::super::Args;
use super::*;
use crate::exit::Exit;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

const ENABLED: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const DISABLED: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 2);

/// The interfaces of [`ENABLED`]: lo, eth0 (its address, and an IPv6
/// one), eth1 (down, IPv4 only).
const TABLE: &[Interface] = &[
    Interface::LOOPBACK,
    Interface::new("eth0", 2)
        .v4(&[ENABLED])
        .v6(&[Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)]),
    Interface::new("eth1", 3)
        .v4(&[Ipv4Addr::new(10, 9, 0, 1)])
        .down(),
];

/// The local host 10.0.0.1 and a router 10.0.0.254 one millisecond away;
/// behind it, over another millisecond (a round trip of 4 ms), 10.0.1.1
/// answers extended echo as Linux with `icmp_echo_enable_probe` on, and
/// 10.0.1.2 is a Linux host with it off (the default).
fn network() -> Network {
    let mut net = Network::builder().local(Ipv4Addr::new(10, 0, 0, 1)).seed(5);
    let router = net.router(Router::new(Ipv4Addr::new(10, 0, 0, 254)));
    net.route(
        Route::to(Ipv4Addr::new(10, 0, 1, 0), 24)
            .hop(router, Link::ms(1))
            .last_link(Link::ms(1))
            .host(
                ENABLED,
                Host::answering()
                    .extended_echo(ExtendedEchoAnswers::Linux)
                    .interfaces(TABLE),
            )
            .host(DISABLED, Host::answering().interfaces(TABLE)),
    );
    net.build().expect("a valid network")
}

/// What a run printed and how it ended.
struct Run {
    stdout: String,
    exit: Exit,
    /// Virtual time from the start to the end of the run.
    elapsed: std::time::Duration,
}

/// Runs `icmpkit ping --probe-interface INTERFACE <options>` over the
/// simulated network (the identifier fixed, the cli draws it at random).
fn probe(interface: &str, options: &str) -> Run {
    let words = ["ping", "--probe-interface", interface];
    let cli = Cli::try_parse_from(words.into_iter().chain(options.split_whitespace()))
        .expect("valid options");
    let plan = Plan::from_args(&cli.args).expect("a valid plan");
    let target = &plan.targets[0];
    let query = InterfaceQuery::from_argument(interface).expect("an interface");
    let mut net = network();
    let mut config = config(&plan, target, query);
    config.ident = 0x4242;
    let mut machine = ExtendedEcho::new(config, net.start());
    let mut out = Vec::new();
    let verdict = run_machine(
        &mut machine,
        &mut net,
        &Signals::none(),
        target,
        interface,
        plan.json,
        &mut out,
    )
    .expect("the simulated run");
    Run {
        stdout: String::from_utf8(out).unwrap(),
        exit: Exit::from(verdict),
        elapsed: net.elapsed(),
    }
}

#[test]
fn an_active_interface_found_by_name_exists_and_exits_0() {
    let run = probe("eth0", "10.0.1.1");
    assert_eq!(
        run.stdout,
        "PROBE 10.0.1.1 interface eth0: exists, active, IPv4, IPv6 seq=1 time=4.000 ms\n"
    );
    assert_eq!(run.exit, Exit::Success);
    // One probe: the run ends with its answer.
    assert_eq!(run.elapsed, std::time::Duration::from_millis(4));
}

#[test]
fn an_interface_found_by_index_answers_every_probe_then_counts_them() {
    let run = probe("2", "-c 3 10.0.1.1");
    assert_eq!(
        run.stdout,
        "\
PROBE 10.0.1.1 interface 2: exists, active, IPv4, IPv6 seq=1 time=4.000 ms
PROBE 10.0.1.1 interface 2: exists, active, IPv4, IPv6 seq=2 time=4.000 ms
PROBE 10.0.1.1 interface 2: exists, active, IPv4, IPv6 seq=3 time=4.000 ms
--- 10.0.1.1 interface 2: 3 probes sent, 3 answered ---
"
    );
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn an_interface_that_is_down_exists_but_is_inactive() {
    let run = probe("10.9.0.1", "10.0.1.1");
    assert_eq!(
        run.stdout,
        "PROBE 10.0.1.1 interface 10.9.0.1: exists, inactive, IPv4 seq=1 time=4.000 ms\n"
    );
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn an_interface_that_does_not_exist_is_answered_and_exits_1() {
    let run = probe("eth9", "-c 2 10.0.1.1");
    assert_eq!(
        run.stdout,
        "\
PROBE 10.0.1.1 interface eth9: no such interface seq=1 time=4.000 ms
PROBE 10.0.1.1 interface eth9: no such interface seq=2 time=4.000 ms
--- 10.0.1.1 interface eth9: 2 probes sent, 2 answered ---
"
    );
    assert_eq!(run.exit, Exit::Unanswered);
}

#[test]
fn a_host_with_probe_disabled_times_out_and_exits_1() {
    let run = probe("eth0", "-c 2 -W 1 10.0.1.2");
    assert_eq!(
        run.stdout,
        "\
PROBE 10.0.1.2 interface eth0: no answer seq=1
PROBE 10.0.1.2 interface eth0: no answer seq=2
--- 10.0.1.2 interface eth0: 2 probes sent, 0 answered ---
"
    );
    assert_eq!(run.exit, Exit::Unanswered);
    // The second probe at 1 s, unanswered 1 s later.
    assert_eq!(run.elapsed, std::time::Duration::from_secs(2));
}

#[test]
fn json_records_say_what_each_answer_says() {
    let run = probe("eth0", "--json -c 2 10.0.1.1");
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["probe_reply", "probe_reply", "summary"]);
    let reply = &records[0];
    for (key, value) in [
        ("target", serde_json::json!("10.0.1.1")),
        ("address", serde_json::json!("10.0.1.1")),
        ("interface", serde_json::json!("eth0")),
        ("query", serde_json::json!("name")),
        ("seq", serde_json::json!(1)),
        ("from", serde_json::json!("10.0.1.1")),
        ("code", serde_json::json!(0)),
        ("code_name", serde_json::json!("No Error")),
        ("exists", serde_json::json!(true)),
        ("state", serde_json::Value::Null),
        ("active", serde_json::json!(true)),
        ("ipv4", serde_json::json!(true)),
        ("ipv6", serde_json::json!(true)),
        ("rtt_ms", serde_json::json!(4.0)),
    ] {
        assert_eq!(reply[key], value, "{key}");
    }
    assert_eq!(records[1]["seq"], 2);
    let summary = &records[2];
    assert_eq!(
        (
            &summary["transmitted"],
            &summary["answered"],
            &summary["exists"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(2),
            &serde_json::json!(true)
        )
    );
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn answers_in_plain_words() {
    let mut answer = ExtendedEchoAnswer {
        ident: 1,
        seq: 1,
        code: ExtendedEchoReply::NoError,
        state: ExtendedEchoState::Reserved,
        active: true,
        ipv4: true,
        ipv6: true,
    };
    assert_eq!(
        answer_text(IpVersion::V4, &answer),
        "exists, active, IPv4, IPv6"
    );
    answer.state = ExtendedEchoState::Reachable;
    answer.active = false;
    answer.ipv6 = false;
    assert_eq!(
        answer_text(IpVersion::V6, &answer),
        "exists, inactive, IPv4 (state reachable)"
    );
    for (code, text) in [
        (1, "malformed query"),
        (2, "no such interface"),
        (3, "no such table entry"),
        (4, "multiple interfaces satisfy query"),
        (9, "unknown answer (code 9)"),
    ] {
        answer.code = ExtendedEchoReply::from(code);
        assert_eq!(answer_text(IpVersion::V4, &answer), text);
        assert_eq!(answer_text(IpVersion::V6, &answer), text);
    }
}
