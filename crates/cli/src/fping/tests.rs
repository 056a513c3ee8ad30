//! `icmpkit fping`'s whole output over a simulated network (no root):
//! fping's lines, streams, waits and exit codes, exactly, RTTs included
//! (every round trip takes 4 ms there).

use std::net::{IpAddr, Ipv4Addr};

use clap::Parser;
use icmpkit_driver::Signals;
use icmpkit_driver::sim::{ErrorDelivery, Network};

use super::*;

const ANSWERS: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const ANSWERS2: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 2);
const SILENT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 9);
const PROHIBITED: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 5);

/// 10.0.1.1 and .2 answer in 4 ms, the rest of 10.0.1.0/24 is silent;
/// 10.0.2.0/24 is behind a firewall that rejects (admin prohibited).
fn network() -> Network {
    let mut net = Network::builder()
        .local(Ipv4Addr::new(10, 0, 0, 1))
        .errors(ErrorDelivery::Both)
        .seed(1);
    crate::ping::multi::testnet::ipv4_routes(&mut net, &[ANSWERS, ANSWERS2]);
    net.build().expect("a valid network")
}

/// What a run printed and its exit code.
#[derive(Debug)]
struct Run {
    stdout: String,
    stderr: String,
    code: ExitCode,
}

/// `fping ARGS` over the simulated network (targets are addresses;
/// `not_found` adds that many unresolvable names).
fn fping(line: &[&str], not_found: u64) -> Run {
    let args = Args::try_parse_from(std::iter::once("fping").chain(line.iter().copied()))
        .expect("clap parses");
    let options = args.options().expect("valid options");
    let specs = targets::specs(&args).expect("targets");
    let mut targets = targets::resolve(&specs, &options, |_| {});
    targets.not_found += not_found;
    let config = config(&options, &targets.list, 0x0123_4567_89ab_cdef, 0x4d2, 0x4d2);
    let mut net = network();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = session(
        &options,
        &targets,
        config,
        &mut net,
        &Signals::none(),
        (&mut out, &mut err),
    )
    .expect("the simulated run");
    Run {
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
        code,
    }
}

fn addr(a: Ipv4Addr) -> String {
    IpAddr::V4(a).to_string()
}

#[test]
fn the_default_mode_lists_alive_then_unreachable_targets() {
    let (a, s, p) = (addr(ANSWERS), addr(SILENT), addr(PROHIBITED));
    let run = fping(&[&a, &s, &p], 0);
    assert_eq!(
        run.stdout,
        "10.0.1.1 is alive\n10.0.1.9 is unreachable\n10.0.2.5 is unreachable\n"
    );
    // Four probes to the rejected target, each refused (fping reports
    // every error).
    let refused = "ICMP Unreachable (Communication Administratively Prohibited) from 10.0.0.253 \
                   for ICMP Echo sent to 10.0.2.5\n";
    assert_eq!(run.stderr, refused.repeat(4));
    assert_eq!(run.code, ExitCode::from(1));

    let run = fping(&["-a", "-e", &a, &s], 0);
    assert_eq!(run.stdout, "10.0.1.1 (4.00 ms)\n");
    let run = fping(&["-u", &a, &s], 0);
    assert_eq!(run.stdout, "10.0.1.9\n");
    let run = fping(&["-e", "-q", &a, &addr(ANSWERS2)], 1);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    assert_eq!(run.code, ExitCode::from(2), "a name not found wins");
    assert_eq!(fping(&[&a], 0).code, ExitCode::SUCCESS);
}

#[test]
fn stats_count_resends_timeouts_and_the_backed_off_waits() {
    let (a, s) = (addr(ANSWERS), addr(SILENT));
    let run = fping(&["-s", &a, &s], 0);
    // 1 + 3 resends to the silent target, given up after
    // 500 + 750 + 1125 + 1687.5 ms (and the 10 ms before its first send).
    assert_eq!(
        run.stderr,
        "\n       2 targets\n       1 alive\n       1 unreachable\n       0 unknown addresses\n\
         \n       4 timeouts (waiting for response)\n       5 ICMP Echos sent\n       \
         1 ICMP Echo Replies received\n       0 other ICMP received\n\
         \n 4.00 ms (min round trip time)\n 4.00 ms (avg round trip time)\n \
         4.00 ms (max round trip time)\n        4.072 sec (elapsed real time)\n\n"
    );
    let run = fping(&["-s", "-B", "1", "-r", "1", "-t", "100", &s], 0);
    assert!(
        run.stderr.contains("       2 ICMP Echos sent\n")
            && run
                .stderr
                .contains("        0.200 sec (elapsed real time)\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn count_and_vcount_print_fpings_lines_and_summaries() {
    let (a, s) = (addr(ANSWERS), addr(SILENT));
    let run = fping(&["-c", "2", "-p", "100", &a, &s], 0);
    assert_eq!(
        run.stdout,
        "\
10.0.1.1 : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
10.0.1.1 : [1], 64 bytes, 4.00 ms (4.00 avg, 0% loss)
10.0.1.9 : [0], timed out (NaN avg, 100% loss)
10.0.1.9 : [1], timed out (NaN avg, 100% loss)
"
    );
    assert_eq!(
        run.stderr,
        "\n10.0.1.1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = 4.00/4.00/4.00\n\
         10.0.1.9 : xmt/rcv/%loss = 2/0/100%\n"
    );
    let run = fping(&["-C", "3", "-q", "-p", "100", &a, &s], 0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "10.0.1.1 : 4.00 4.00 4.00\n10.0.1.9 : - - -\n");
    assert_eq!(run.code, ExitCode::from(1));
    let run = fping(&["-c", "2", "-q", "-o", "-p", "100", &s], 0);
    assert_eq!(
        run.stderr,
        "10.0.1.9 : xmt/rcv/%loss = 2/0/100%, outage(ms) = 200\n"
    );
    let run = fping(&["-D", "-c", "1", &a], 0);
    let (stamp, line) = run.stdout.split_once("] ").expect("a stamp");
    assert!(stamp.starts_with('[') && stamp[1..].split_once('.').unwrap().1.len() == 5);
    assert_eq!(
        line,
        "10.0.1.1 : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)\n"
    );
}

#[test]
fn reachable_counts_decide_the_exit_with_x() {
    let (a, a2, s) = (addr(ANSWERS), addr(ANSWERS2), addr(SILENT));
    let run = fping(&["-x", "2", &a, &a2, &s], 0);
    assert_eq!(
        run.stdout,
        "Enough hosts reachable (required: 2, reachable: 2)\n"
    );
    assert_eq!(run.code, ExitCode::SUCCESS);
    let run = fping(&["-x", "3", &a, &a2, &s], 0);
    assert_eq!(
        run.stdout,
        "Not enough hosts reachable (required: 3, reachable: 2)\n"
    );
    assert_eq!(run.code, ExitCode::from(1));
}

/// The stdout and stderr of rendering `events` (replies of the first of
/// `targets`) with `options`.
fn rendered(line: &[&str], events: &[icmpkit_proto::multi::TargetReply]) -> (String, String) {
    use icmpkit_proto::multi::MultiEvent;
    let args = Args::try_parse_from(std::iter::once("fping").chain(line.iter().copied()))
        .expect("clap parses");
    let options = args.options().expect("valid options");
    let targets = targets::resolve(&targets::specs(&args).unwrap(), &options, |_| {});
    let config = config(&options, &targets.list, 1, 2, 3);
    let machine = MultiPing::new(config, std::time::Instant::now());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut render = render::Render {
        options: &options,
        targets: &targets.list,
        out: &mut out,
        err: &mut err,
        width: 8,
        summing_up: false,
        icmpv6_errors: 0,
    };
    for &reply in events {
        render.event(&machine, MultiEvent::Reply(reply)).unwrap();
    }
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn duplicates_and_other_senders_go_where_fping_writes_them() {
    use icmpkit_proto::multi::{Tally, TargetReply};
    let mut tally = Tally::default();
    tally.record(4_000_000);
    let first = TargetReply {
        target: 0,
        number: 1,
        seq: 1,
        ident: 2,
        from: IpAddr::V4(ANSWERS),
        bytes: 64,
        ttl: Some(64),
        rtt: std::time::Duration::from_millis(4),
        duplicate: false,
        tally,
    };
    let duplicate = TargetReply {
        duplicate: true,
        rtt: std::time::Duration::from_millis(6),
        ..first
    };
    let a = addr(ANSWERS);
    // The default mode: a duplicate on stderr.
    let (out, err) = rendered(&[&a], &[first, duplicate]);
    assert_eq!(out, "10.0.1.1 is alive\n");
    assert_eq!(err, "10.0.1.1 : duplicate for [0], 64 bytes, 6.00 ms\n");
    // Count mode: duplicates are not shown.
    let (out, err) = rendered(&["-c", "1", &a], &[first, duplicate]);
    assert_eq!(
        out,
        "10.0.1.1 : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)\n"
    );
    assert_eq!(err, "");
    // Another sender: its address on stderr, before the newline of the
    // stdout line (fping 5's streams).
    let other = TargetReply {
        from: IpAddr::V4(ANSWERS2),
        ..first
    };
    let (out, err) = rendered(&["-e", &a], &[other]);
    assert_eq!(
        (out.as_str(), err.as_str()),
        ("10.0.1.1 is alive (4.00 ms)\n", " [<- 10.0.1.2]")
    );
    let (out, err) = rendered(&["-c", "1", &a], &[other]);
    assert_eq!(
        (out.as_str(), err.as_str()),
        (
            "10.0.1.1 : [0], 64 bytes, 4.00 ms (4.00 avg, 0% loss)\n",
            " [<- 10.0.1.2]"
        )
    );
}
