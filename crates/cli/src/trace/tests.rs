//! Whole traces over the simulated network (`icmpkit_driver::sim`): no
//! root, no sockets, a virtual clock, so every line printed is exact.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;

use clap::Parser;
use icmpkit_driver::sim::{Balance, Host, Link, Network, Route, Router, TcpAnswer, Unreachable};

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const DEST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 9);

/// The plan of `icmpkit trace -n -s 10.0.0.1 --sport 33000 <options>`,
/// with a fixed probe key (the cli draws it and the source port at
/// random). The flows of these ports split over the diamond's branches:
/// MDA's 95% stopping rule misses a branch of two when its first six
/// flows hash onto one, as it may (with another port or destination the
/// counts below change, and a branch can be missed).
pub(super) fn plan(options: &str) -> Plan {
    plan_from("10.0.0.1", options)
}

/// [`plan`] from another source address.
fn plan_from(source: &str, options: &str) -> Plan {
    let words = ["trace", "-n", "-s", source, "--sport", "33000"];
    let cli = Cli::try_parse_from(words.into_iter().chain(options.split_whitespace()))
        .expect("valid options");
    let mut plan = Plan::from_args(&cli.args).expect("a valid plan");
    plan.key = 0x1234;
    plan
}

/// What a trace printed and how it ended.
struct Run {
    stdout: String,
    exit: Exit,
}

/// Runs `plan` over `net` to its end.
fn trace(plan: &Plan, mut net: Network) -> Run {
    assert_eq!(net.source_for(plan.dst), Some(plan.src));
    let mut out = Vec::new();
    let exit = trace_over(plan, &mut net, &Signals::none(), &mut out).expect("the simulated run");
    Run {
        stdout: String::from_utf8(out).expect("text"),
        exit,
    }
}

/// 10.0.0.1 -> 10.0.1.1 -> 10.0.2.1 -> 10.0.3.1 -> 192.0.2.0/24 over
/// links of 1, 2, 3 and 4 ms: the hops answer after 2, 6, 12 and 20 ms.
/// `last` is the third router; `host` answers for 192.0.2.9.
fn path(last: Router, host: Host) -> Network {
    let mut net = Network::builder().local(LOCAL).seed(1);
    let r1 = net.router(Router::new(Ipv4Addr::new(10, 0, 1, 1)));
    let r2 = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 1)));
    let r3 = net.router(last);
    net.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(2))
            .hop(r3, Link::ms(3))
            .last_link(Link::ms(4))
            .host(DEST, host),
    );
    net.build().expect("a valid network")
}

fn r3() -> Router {
    Router::new(Ipv4Addr::new(10, 0, 3, 1))
}

/// 10.0.1.1, then 10.0.2.1 or 10.0.2.2 by flow, then 10.0.3.1 before
/// 192.0.2.9, every link 1 ms.
fn diamond() -> Network {
    let mut net = Network::builder().local(LOCAL).seed(1);
    let r1 = net.router(Router::new(Ipv4Addr::new(10, 0, 1, 1)));
    let a = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 1)));
    let b = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 2)));
    let r3 = net.router(r3());
    net.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .ecmp(&[a, b], Balance::PerFlow, Link::ms(1))
            .hop(r3, Link::ms(1))
            .last_link(Link::ms(1))
            .host(DEST, Host::answering()),
    );
    net.build().expect("a valid network")
}

/// The path of `path` with a 1280-byte link between the second and the
/// third router.
fn narrow() -> Network {
    let mut net = Network::builder().local(LOCAL).seed(1);
    let r1 = net.router(Router::new(Ipv4Addr::new(10, 0, 1, 1)));
    let r2 = net.router(Router::new(Ipv4Addr::new(10, 0, 2, 1)));
    let r3 = net.router(r3());
    net.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(2))
            .hop(r3, Link::ms(3).mtu(1280))
            .last_link(Link::ms(4))
            .host(DEST, Host::answering()),
    );
    net.build().expect("a valid network")
}

const HEADER: &str = "traceroute to 192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets";

#[test]
fn classic_icmp_udp_and_tcp_print_each_hop_at_twice_its_links_delay_and_exit_0() {
    let host = Host::answering().tcp(TcpAnswer::SynAck);
    for method in ["-I", "-U", "-T"] {
        let run = trace(&plan(&format!("{method} 192.0.2.9")), path(r3(), host));
        assert_eq!(
            run.stdout,
            format!(
                "{HEADER}
 1  10.0.1.1  2.000 ms  2.000 ms  2.000 ms
 2  10.0.2.1  6.000 ms  6.000 ms  6.000 ms
 3  10.0.3.1  12.000 ms  12.000 ms  12.000 ms
 4  192.0.2.9  20.000 ms  20.000 ms  20.000 ms
"
            ),
            "{method}"
        );
        assert_eq!(run.exit, Exit::Success, "{method}");
    }
}

#[test]
fn a_closed_tcp_port_answering_rst_is_the_destination_reached() {
    let run = trace(&plan("-T -q 1 192.0.2.9"), path(r3(), Host::answering()));
    assert!(
        run.stdout.ends_with("\n 4  192.0.2.9  20.000 ms\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn a_silent_router_prints_stars_and_the_trace_goes_on_to_the_destination() {
    let run = trace(
        &plan("-I 192.0.2.9"),
        path(r3().silent(), Host::answering()),
    );
    assert_eq!(
        run.stdout,
        format!(
            "{HEADER}
 1  10.0.1.1  2.000 ms  2.000 ms  2.000 ms
 2  10.0.2.1  6.000 ms  6.000 ms  6.000 ms
 3  * * *
 4  192.0.2.9  20.000 ms  20.000 ms  20.000 ms
"
        )
    );
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn a_rejecting_last_router_ends_the_trace_with_its_annotation_and_exit_1() {
    for (method, code, note) in [
        ("-I", Unreachable::PROHIBITED, "!X"),
        ("-U", Unreachable::HOST, "!H"),
        ("-T", Unreachable::NET, "!N"),
    ] {
        let run = trace(
            &plan(&format!("{method} 192.0.2.9")),
            path(r3().rejecting(code), Host::answering()),
        );
        assert_eq!(
            run.stdout,
            format!(
                "{HEADER}
 1  10.0.1.1  2.000 ms  2.000 ms  2.000 ms
 2  10.0.2.1  6.000 ms  6.000 ms  6.000 ms
 3  10.0.3.1  12.000 ms  12.000 ms  12.000 ms
 4  10.0.3.1  12.000 ms {note}  12.000 ms {note}  12.000 ms {note}
"
            ),
            "{method}"
        );
        assert_eq!(run.exit, Exit::Unanswered, "{method}");
        assert_eq!(ExitCode::from(run.exit), ExitCode::from(1));
    }
}

#[test]
fn a_destination_never_reached_stops_at_the_max_ttl_and_exits_1() {
    let run = trace(
        &plan("-I -q 1 -m 3 -w 1 192.0.2.9"),
        path(r3(), Host::silent()),
    );
    assert_eq!(
        run.stdout,
        "\
traceroute to 192.0.2.9 (192.0.2.9), 3 hops max, 60 byte packets
 1  10.0.1.1  2.000 ms
 2  10.0.2.1  6.000 ms
 3  10.0.3.1  12.000 ms
"
    );
    assert_eq!(run.exit, Exit::Unanswered);
}

#[test]
fn json_hops_carry_the_exact_round_trips_and_the_summary_says_reached() {
    let run = trace(
        &plan("-I -q 1 --json 192.0.2.9"),
        path(r3(), Host::answering()),
    );
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let hops: Vec<(u64, &str, f64)> = records
        .iter()
        .filter(|r| r["type"] == "hop")
        .map(|r| {
            let probe = &r["probes"][0];
            (
                r["ttl"].as_u64().unwrap(),
                probe["from"].as_str().unwrap(),
                probe["rtt_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hops,
        [
            (1, "10.0.1.1", 2.0),
            (2, "10.0.2.1", 6.0),
            (3, "10.0.3.1", 12.0),
            (4, "192.0.2.9", 20.0),
        ]
    );
    let summary = records.last().expect("a summary");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["target"], "192.0.2.9");
    assert_eq!(summary["address"], "192.0.2.9");
    assert_eq!(summary["reached"], true);
    assert_eq!(summary["hops"], 4);
    // -N 16: TTLs 1 to 16 at once, then one more per answer before the
    // destination's (hops 1 to 3).
    assert_eq!(summary["probes_sent"], 19);
    assert_eq!(run.exit, Exit::Success);
}

#[test]
fn mda_over_a_per_flow_diamond_finds_both_branches_and_their_links() {
    // The probe counts follow which flows the seeded, per-router salted
    // flow hash sends to which branch.
    for (method, name, probes, rounds) in [
        ("-U", "udp", 37, 5),
        ("-I", "icmp", 39, 5),
        ("-T", "tcp", 37, 5),
    ] {
        let run = trace(&plan(&format!("--mda {method} 192.0.2.9")), diamond());
        assert_eq!(
            run.stdout,
            format!(
                "\
mda to 192.0.2.9 (192.0.2.9), 95% confidence, {name} probes, 30 hops max
 1  10.0.1.1  2.000 ms
 2  10.0.2.1  4.000 ms 10.0.2.2  4.000 ms
 3  10.0.3.1  6.000 ms
 4  192.0.2.9  8.000 ms
links:
 1  10.0.1.1 -> 10.0.2.1
 1  10.0.1.1 -> 10.0.2.2
 2  10.0.2.1 -> 10.0.3.1
 2  10.0.2.2 -> 10.0.3.1
 3  10.0.3.1 -> 192.0.2.9
{probes} probes in {rounds} rounds
stopped at hop 4: the destination answered there
"
            ),
            "{method}"
        );
        assert_eq!(run.exit, Exit::Success, "{method}");
    }
}

#[test]
fn pmtu_prints_the_outgoing_mtu_then_the_1280_step_where_it_falls() {
    for (method, name) in [("-U", "udp"), ("-I", "icmp"), ("-T", "tcp")] {
        let run = trace(&plan(&format!("--pmtu {method} 192.0.2.9")), narrow());
        assert_eq!(
            run.stdout,
            format!(
                "\
pmtu to 192.0.2.9 (192.0.2.9), 30 hops max, {name} probes
     pmtu 1500: the outgoing interface's MTU
 1  10.0.1.1  2.000 ms  size 1500
 2  10.0.2.1  6.000 ms  size 1500
     pmtu 1280: 10.0.2.1 says the link after it is smaller (the MTU falls before hop 3)
 3  10.0.3.1  12.000 ms  size 1280
 4  192.0.2.9  20.000 ms  size 1280  reached
path MTU 1280 (set before hop 3), 4 hops, destination reached
"
            ),
            "{method}"
        );
        assert_eq!(run.exit, Exit::Success, "{method}");
    }
}

#[test]
fn pmtu_in_tracepath_s_lines_shows_its_first_hop_twice_and_the_router_that_named_1280() {
    let run = trace(&plan("--pmtu --format tracepath 192.0.2.9"), narrow());
    let line = |ttl: &str, host: &str, rest: &str| {
        format!("{ttl}:  {host}{}{rest}\n", " ".repeat(52 - host.len()))
    };
    let expected = [
        " 1?: [LOCALHOST]                      pmtu 1500\n".to_owned(),
        line(" 1", "10.0.1.1", "  2.000ms "),
        line(" 1", "10.0.1.1", "  2.000ms "),
        line(" 2", "10.0.2.1", "  6.000ms "),
        line(" 3", "10.0.2.1", "  6.000ms pmtu 1280"),
        line(" 3", "10.0.3.1", " 12.000ms "),
        line(" 4", "192.0.2.9", " 20.000ms reached"),
        "     Resume: pmtu 1280 hops 4 back 4 \n".to_owned(),
    ]
    .concat();
    assert_eq!(run.stdout, expected);
    assert_eq!(run.exit, Exit::Success);
    // With the last hop at the max TTL: tracepath's "Too many hops".
    let run = trace(&plan("--pmtu --format tracepath -m 2 192.0.2.9"), narrow());
    assert!(
        run.stdout
            .ends_with("     Too many hops: pmtu 1500\n     Resume: pmtu 1500 \n"),
        "{}",
        run.stdout
    );
    for refused in ["--json", "-m 2", "--both"] {
        let args = format!("--format tracepath {refused} 192.0.2.9");
        let words = ["trace"].into_iter().chain(args.split_whitespace());
        let cli = Cli::try_parse_from(words).unwrap();
        let error = Plan::from_args(&cli.args).unwrap_err().to_string();
        assert!(error.contains("--pmtu"), "{refused}: {error}");
    }
}

#[test]
fn classic_over_ipv6_prints_hop_limits_and_a_prohibited_router_as_x() {
    let mut net = Network::builder()
        .local(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
        .seed(1);
    let r1 = net.router(Router::new(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1)));
    let r2 = net.router(
        Router::new(Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1))
            .rejecting(Unreachable::PROHIBITED),
    );
    net.route(
        Route::to(Ipv6Addr::new(0x2001, 0xdb8, 9, 0, 0, 0, 0, 0), 64)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(2))
            .last_link(Link::ms(3))
            .every_host(Host::answering()),
    );
    let net = net.build().expect("a valid network");
    let run = trace(&plan_from("2001:db8::1", "-U -q 2 2001:db8:9::5"), net);
    assert_eq!(
        run.stdout,
        "\
traceroute to 2001:db8:9::5 (2001:db8:9::5), 30 hops max, 80 byte packets
 1  2001:db8:1::1  2.000 ms  2.000 ms
 2  2001:db8:2::1  6.000 ms  6.000 ms
 3  2001:db8:2::1  6.000 ms !X  6.000 ms !X
"
    );
    assert_eq!(run.exit, Exit::Unanswered);
}
