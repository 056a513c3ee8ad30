use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_driver::sim::{ErrorDelivery, Host, Link, Network, Route};
use icmpkit_proto::machine::Verdict;

use super::*;

const ANSWERS: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const SILENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 9);
const PROHIBITED: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 5);
const ANSWERS6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1);

/// The local host with a router to 10.0.1.0/24 (10.0.1.1 answers, the
/// rest is silent), a firewall rejecting 10.0.2.0/24 (admin prohibited),
/// and `2001:db8:1::/64` next door; every round trip is 4 ms.
fn network(errors: ErrorDelivery, ping_socket: Option<u16>) -> Network {
    let mut net = Network::builder()
        .local(Ipv4Addr::new(10, 0, 0, 1))
        .local(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
        .errors(errors)
        .seed(1);
    if let Some(ident) = ping_socket {
        net = net.ping_socket(ident);
    }
    super::testnet::ipv4_routes(&mut net, &[ANSWERS]);
    net.route(
        Route::to(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0), 64)
            .last_link(Link::ms(2))
            .every_host(Host::answering()),
    );
    net.build().expect("a valid network")
}

fn targets(addrs: &[IpAddr]) -> Vec<Target> {
    addrs
        .iter()
        .map(|&addr| Target {
            name: addr.to_string(),
            addr,
            scope_id: 0,
        })
        .collect()
}

/// What a run printed and how it ended.
struct Run {
    stdout: String,
    stderr: String,
    verdict: Verdict,
}

/// Runs several-target ping of `addrs` over `net` (`-c count`, `-i 1`,
/// `-W 0.5`, `--rate 1000`) and renders it as fping text (or JSON).
fn run_sim(mut net: Network, addrs: &[IpAddr], count: u64, quiet: bool, json: bool) -> Run {
    let targets = targets(addrs);
    let ident = 0x4d2;
    let config = MultiPingConfig {
        schedule: MultiConfig {
            rate: 1000,
            count,
            period: Duration::from_secs(1),
            timeout: Duration::from_millis(500),
            retries: 0,
            backoff_milli: 1000,
            anchored: false,
        },
        targets: addrs.to_vec(),
        payload_len: 56,
        pattern: Vec::new(),
        nonce: 0x0123_4567_89ab_cdef,
        ident_v4: ident,
        ident_v6: ident,
        deadline: None,
        keep_rtts: false,
        report_every: None,
    };
    let mut machine = MultiPing::new(config, net.start());
    let width = targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let output = if json {
        Output::Json(Json { out: &mut out })
    } else {
        Output::Text {
            out: &mut out,
            quiet,
            width,
        }
    };
    let mut render = Render {
        targets: &targets,
        err: &mut err,
        output,
        summing_up: false,
    };
    let verdict = icmpkit_driver::drive(&mut machine, &mut net, &Signals::none(), |m, event| {
        render.event(m, event)
    })
    .expect("the simulated run");
    Run {
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
        verdict,
    }
}

#[test]
fn fping_lines_for_an_answer_a_silence_a_rejection_and_ipv6() {
    let addrs = [
        ANSWERS.into(),
        SILENT.into(),
        PROHIBITED.into(),
        ANSWERS6.into(),
    ];
    let run = run_sim(network(ErrorDelivery::Both, None), &addrs, 2, false, false);
    assert_eq!(
        run.stdout,
        "\
10.0.1.1      : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
2001:db8:1::1 : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
10.0.1.9      : [0], timed out (NaN avg, 100% loss)
10.0.2.5      : [0], timed out (NaN avg, 100% loss)
10.0.1.1      : [1], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
2001:db8:1::1 : [1], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
10.0.1.9      : [1], timed out (NaN avg, 100% loss)
10.0.2.5      : [1], timed out (NaN avg, 100% loss)
"
    );
    assert_eq!(
        run.stderr,
        "\
ICMP Unreachable (Communication Administratively Prohibited) from 10.0.0.253 for ICMP Echo sent to 10.0.2.5
ICMP Unreachable (Communication Administratively Prohibited) from 10.0.0.253 for ICMP Echo sent to 10.0.2.5

10.0.1.1      : xmt/rcv/%loss = 2/2/0%, min/avg/max = 4.00/4.00/4.00
10.0.1.9      : xmt/rcv/%loss = 2/0/100%
10.0.2.5      : xmt/rcv/%loss = 2/0/100%
2001:db8:1::1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = 4.00/4.00/4.00
"
    );
    assert_eq!(run.verdict, Verdict::Unanswered);
    assert_eq!(
        ExitCode::from(crate::exit::Exit::from(run.verdict)),
        ExitCode::from(1)
    );
}

#[test]
fn every_target_answering_exits_0_and_quiet_prints_the_summaries_only() {
    let addrs = [ANSWERS.into(), ANSWERS6.into()];
    let run = run_sim(network(ErrorDelivery::Both, None), &addrs, 3, true, false);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "\
10.0.1.1      : xmt/rcv/%loss = 3/3/0%, min/avg/max = 4.00/4.00/4.00
2001:db8:1::1 : xmt/rcv/%loss = 3/3/0%, min/avg/max = 4.00/4.00/4.00
"
    );
    assert_eq!(run.verdict, Verdict::Answered);
}

#[test]
fn a_ping_socket_with_queued_errors_gives_the_same_lines() {
    let addrs = [ANSWERS.into(), PROHIBITED.into()];
    let raw = run_sim(network(ErrorDelivery::Both, None), &addrs, 1, false, false);
    let dgram = run_sim(
        network(ErrorDelivery::Queued, Some(0x4d2)),
        &addrs,
        1,
        false,
        false,
    );
    assert_eq!(raw.stdout, dgram.stdout);
    assert_eq!(raw.stderr, dgram.stderr);
    assert!(dgram.stderr.contains("for ICMP Echo sent to 10.0.2.5\n"));
}

#[test]
fn json_records_per_target_end_with_the_summaries_in_target_order() {
    let addrs = [PROHIBITED.into(), ANSWERS.into(), SILENT.into()];
    let run = run_sim(network(ErrorDelivery::Both, None), &addrs, 1, false, true);
    assert_eq!(run.stderr, "");
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["target"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("error", "10.0.2.5"),
            ("reply", "10.0.1.1"),
            // The rejected probe has its error and no timeout: one record
            // ends each probe (fping's text says both).
            ("timeout", "10.0.1.9"),
            ("summary", "10.0.2.5"),
            ("summary", "10.0.1.1"),
            ("summary", "10.0.1.9"),
        ]
    );
    assert_eq!(records[0]["from"], "10.0.0.253");
    assert_eq!(
        (
            records[0]["icmp_type"].as_u64(),
            records[0]["icmp_code"].as_u64()
        ),
        (Some(3), Some(13))
    );
    assert_eq!(records[1]["rtt_ms"], 4.0);
    assert_eq!(records[1]["seq"], 1);
    assert_eq!(records[4]["received"], 1);
    assert_eq!(records[3]["errors"], 1);
    assert_eq!(run.verdict, Verdict::Unanswered);
}

#[test]
fn rate_is_validated() {
    assert_eq!(parse_rate(None).unwrap(), 1000);
    assert_eq!(parse_rate(Some("50000")).unwrap(), 50_000);
    assert_eq!(
        parse_rate(Some("0")).unwrap_err().to_string(),
        "--rate 0: must be above 0 probes per second"
    );
    assert!(
        parse_rate(Some("-3"))
            .unwrap_err()
            .to_string()
            .starts_with("--rate -3:")
    );
    assert!(
        parse_rate(Some("fast"))
            .unwrap_err()
            .to_string()
            .starts_with("--rate fast:")
    );
    assert!(parse_retries("x").is_err());
    assert_eq!(parse_retries("2").unwrap(), 2);
}
