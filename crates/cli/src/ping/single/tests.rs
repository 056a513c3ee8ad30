//! One-target ping end to end over the simulated network: the machine,
//! the driver and the iputils renderer, on a virtual clock, without root.

use icmpkit_wire::IpVersion;
use std::net::{IpAddr, Ipv4Addr};

use icmpkit_driver::sim::{ErrorDelivery, Host, Link, Network, Route, Router};
use icmpkit_proto::ping::PingConfig;

use super::*;

const ANSWERS: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const LOSSY: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);
const SILENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 9);
const ROUTER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 254);

/// The local host 10.0.0.1 and a router 10.0.0.254 one millisecond away:
/// behind it 10.0.1.1 answers over another millisecond (a round trip of
/// 4 ms) and the rest of 10.0.1.0/24 is silent; 10.0.2.1 answers over a
/// link that loses 30% of the crossings. Errors come as a raw ICMP socket
/// with `IP_RECVERR` sees them: as datagrams and queued.
fn network() -> Network {
    network_with(ErrorDelivery::Both, None)
}

/// [`network`] with errors delivered as `errors` says, and the local host
/// sending over a ping socket bound to this identifier if one is given.
fn network_with(errors: ErrorDelivery, ping_socket: Option<u16>) -> Network {
    let mut net = Network::builder()
        .local(Ipv4Addr::new(10, 0, 0, 1))
        .errors(errors)
        .seed(3);
    if let Some(ident) = ping_socket {
        net = net.ping_socket(ident);
    }
    let router = net.router(Router::new(ROUTER));
    net.route(
        Route::to(Ipv4Addr::new(10, 0, 1, 0), 24)
            .hop(router, Link::ms(1))
            .last_link(Link::ms(1))
            .host(ANSWERS, Host::answering())
            .every_host(Host::silent()),
    );
    net.route(
        Route::to(Ipv4Addr::new(10, 0, 2, 0), 24)
            .hop(router, Link::ms(1))
            .last_link(Link::ms(1).loss(0.3))
            .every_host(Host::answering()),
    );
    net.build().expect("a valid network")
}

/// What a run printed and how it ended.
struct Run {
    stdout: String,
    verdict: Verdict,
    /// Virtual time from the start to the end of the run.
    elapsed: std::time::Duration,
}

/// Pings `target` over the simulated network with `-c count` and the
/// options in `options`, printing as iputils (numeric).
fn ping(target: Ipv4Addr, count: u64, options: PingOptions) -> Run {
    ping_over(network(), 0x4242, target, count, options)
}

/// Runs a ping of `target` (`-c count`, `options`; `timeouts` as
/// `--json` asks for them) over `net` with identifier `ident`, shown by
/// `reporter`.
fn simulate(
    net: &mut Network,
    ident: u16,
    target: Ipv4Addr,
    count: u64,
    options: PingOptions,
    timeouts: bool,
    reporter: &mut dyn Reporter,
) -> Verdict {
    let addr = IpAddr::V4(target);
    let target = Target {
        name: addr.to_string(),
        addr,
        scope_id: 0,
    };
    let mut config = PingConfig::new(IpVersion::V4, ident, 0x0123_4567_89ab_cdef);
    config.count = Some(count);
    let mut machine = Ping::new(config, addr, options, net.start());
    if timeouts {
        machine = machine.with_timeouts();
    }
    run_machine(&mut machine, net, &DriverSignals::none(), &target, reporter)
        .expect("the simulated run")
}

/// [`ping`] over `net`, the machine's identifier `ident`.
fn ping_over(
    mut net: Network,
    ident: u16,
    target: Ipv4Addr,
    count: u64,
    options: PingOptions,
) -> Run {
    let mut out = Vec::new();
    let mut reporter = Text {
        out: &mut out,
        quiet: false,
        flood: false,
        timestamps: false,
        verbose: false,
        names: Names::new(true),
        bell: false,
        multicast: false,
        any_sender: false,
        routes: RouteMemory::default(),
        ident_known: true,
    };
    let verdict = simulate(
        &mut net,
        ident,
        target,
        count,
        options,
        false,
        &mut reporter,
    );
    Run {
        stdout: String::from_utf8(out).unwrap(),
        verdict,
        elapsed: net.elapsed(),
    }
}

#[test]
fn replies_with_known_round_trips_print_as_iputils() {
    let run = ping(ANSWERS, 3, PingOptions::default());
    assert_eq!(
        run.stdout,
        "\
64 bytes from 10.0.1.1: icmp_seq=1 ttl=63 time=4.00 ms
64 bytes from 10.0.1.1: icmp_seq=2 ttl=63 time=4.00 ms
64 bytes from 10.0.1.1: icmp_seq=3 ttl=63 time=4.00 ms

--- 10.0.1.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2000ms
rtt min/avg/max/mdev = 4.000/4.000/4.000/0.000 ms
"
    );
    assert_eq!(run.verdict, Verdict::Answered);
    // The run ends with the third reply.
    assert_eq!(run.elapsed, std::time::Duration::from_millis(2004));
}

#[test]
fn a_lost_probe_shows_in_the_summary_only() {
    let run = ping(LOSSY, 6, PingOptions::default());
    assert_eq!(
        run.stdout,
        "\
64 bytes from 10.0.2.1: icmp_seq=2 ttl=63 time=4.00 ms
64 bytes from 10.0.2.1: icmp_seq=6 ttl=63 time=4.00 ms

--- 10.0.2.1 ping statistics ---
6 packets transmitted, 2 received, 66.6667% packet loss, time 5000ms
rtt min/avg/max/mdev = 4.000/4.000/4.000/0.000 ms
"
    );
    assert_eq!(run.verdict, Verdict::Answered);
}

#[test]
fn a_silent_target_waits_the_linger_and_exits_1() {
    let run = ping(SILENT, 2, PingOptions::default());
    assert_eq!(
        run.stdout,
        "\n--- 10.0.1.9 ping statistics ---\n\
2 packets transmitted, 0 received, 100% packet loss, time 1000ms\n\n"
    );
    assert_eq!(run.verdict, Verdict::Unanswered);
    // The second probe at 1 s, then iputils' 10 s linger.
    assert_eq!(run.elapsed, std::time::Duration::from_secs(11));
}

#[test]
fn ttl_1_gets_time_exceeded_from_the_router() {
    let options = PingOptions {
        hop_limit: Some(1),
        ..PingOptions::default()
    };
    let run = ping(ANSWERS, 2, options);
    assert_eq!(
        run.stdout,
        "\
From 10.0.0.254 icmp_seq=1 Time to live exceeded
From 10.0.0.254 icmp_seq=2 Time to live exceeded

--- 10.0.1.1 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms

"
    );
    assert_eq!(run.verdict, Verdict::Unanswered);
}

/// The identifier the simulated kernel binds the ping socket to (what
/// `RealTransport::dgram_ident` reads on a real one, and the cli gives the
/// machine).
const SOCKET_IDENT: u16 = 0x0777;

#[test]
fn over_a_ping_socket_replies_print_as_over_a_raw_one() {
    let raw = ping(ANSWERS, 2, PingOptions::default());
    let dgram = ping_over(
        network_with(ErrorDelivery::Queued, Some(SOCKET_IDENT)),
        SOCKET_IDENT,
        ANSWERS,
        2,
        PingOptions::default(),
    );
    assert_eq!(
        dgram.stdout,
        "\
64 bytes from 10.0.1.1: icmp_seq=1 ttl=63 time=4.00 ms
64 bytes from 10.0.1.1: icmp_seq=2 ttl=63 time=4.00 ms

--- 10.0.1.1 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 1000ms
rtt min/avg/max/mdev = 4.000/4.000/4.000/0.000 ms
"
    );
    assert_eq!(dgram.stdout, raw.stdout);
    assert_eq!(dgram.verdict, Verdict::Answered);
}

#[test]
fn over_a_ping_socket_time_exceeded_comes_from_the_error_queue() {
    let options = PingOptions {
        hop_limit: Some(1),
        ..PingOptions::default()
    };
    let run = ping_over(
        network_with(ErrorDelivery::Queued, Some(SOCKET_IDENT)),
        SOCKET_IDENT,
        ANSWERS,
        2,
        options,
    );
    assert_eq!(
        run.stdout,
        "\
From 10.0.0.254 icmp_seq=1 Time to live exceeded
From 10.0.0.254 icmp_seq=2 Time to live exceeded

--- 10.0.1.1 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms

"
    );
    assert_eq!(run.verdict, Verdict::Unanswered);
}

#[test]
fn over_a_ping_socket_the_kernels_identifier_replaces_the_machines() {
    // A machine that kept its own identifier would see its replies come
    // back with the socket's and take them for another ping's: a ping
    // socket's identifier must be the one the machine is built with.
    let run = ping_over(
        network_with(ErrorDelivery::Queued, Some(SOCKET_IDENT)),
        0x4242,
        ANSWERS,
        1,
        PingOptions::default(),
    );
    assert_eq!(
        run.stdout,
        "\n--- 10.0.1.1 ping statistics ---\n\
1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n"
    );
    assert_eq!(run.verdict, Verdict::Unanswered);
}

/// Pings `target` as [`ping`] does, rendering JSON lines as `--json`
/// does (with timeouts); the records, parsed.
fn ping_json(target: Ipv4Addr, count: u64, options: PingOptions) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut reporter = Json { out: &mut out };
    simulate(
        &mut network(),
        0x4242,
        target,
        count,
        options,
        true,
        &mut reporter,
    );
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The `seq` of every record of `kind`.
fn seqs(records: &[serde_json::Value], kind: &str) -> Vec<u64> {
    records
        .iter()
        .filter(|r| r["type"] == kind)
        .map(|r| r["seq"].as_u64().unwrap())
        .collect()
}

#[test]
fn json_names_every_probe_once_reply_or_timeout_the_last_too() {
    let records = ping_json(LOSSY, 20, PingOptions::default());
    let replies = seqs(&records, "reply");
    let timeouts = seqs(&records, "timeout");
    assert!(!timeouts.is_empty() && !replies.is_empty(), "{records:?}");
    let mut all: Vec<u64> = replies.iter().chain(&timeouts).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (1..=20).collect::<Vec<_>>(), "{records:?}");
    let summary = records.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["received"].as_u64(), Some(replies.len() as u64));
    for r in &records {
        assert!(r["timestamp"].as_f64().is_some_and(|t| t > 1.6e9), "{r}");
    }
}

#[test]
fn json_times_out_a_silent_targets_probes_the_last_at_the_end() {
    let records = ping_json(SILENT, 3, PingOptions::default());
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["timeout", "timeout", "timeout", "summary"]);
    assert_eq!(seqs(&records, "timeout"), [1, 2, 3]);
}

#[test]
fn json_never_has_an_error_and_a_timeout_for_one_probe() {
    let options = PingOptions {
        hop_limit: Some(1),
        report_outstanding: true,
        ..PingOptions::default()
    };
    let records = ping_json(ANSWERS, 3, options);
    assert_eq!(seqs(&records, "error"), [1, 2, 3]);
    assert_eq!(seqs(&records, "timeout"), Vec::<u64>::new());
}
