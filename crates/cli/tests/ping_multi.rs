//! `icmpkit ping` with several targets (fping-class) in the lab chain of
//! `lab/lib.sh`. The server answers a whole range (`ip route add local
//! 10.200.0.0/20 dev lo`), the router routes it there; parts of the range
//! are blackholed or rejected on the router. Results are compared with
//! `fping` in the same lab.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use icmpkit_lab::bin::with_subcommand;
use icmpkit_lab::netns::{self, Lab, SERVER4, SERVER6};
use icmpkit_lab::{icmpkit, text};

/// The chain with 10.200.0.0/20 answered by the server; `None` when labs
/// are not available (the skip is printed).
fn range_lab(test: &str) -> Option<Lab> {
    Lab::answering(test, "10.200.0.0/20")
}

/// Blackholes 10.200.1.0/24 and rejects 10.200.2.5 (admin prohibited) on
/// the router.
fn add_losses(chain: &Lab) {
    chain.must(
        "router",
        &["ip", "route", "add", "blackhole", "10.200.1.0/24"],
    );
    chain.must(
        "router",
        &[
            "iptables",
            "-I",
            "FORWARD",
            "-d",
            "10.200.2.5",
            "-j",
            "REJECT",
            "--reject-with",
            "icmp-admin-prohibited",
        ],
    );
}

/// Runs `program args` in the client namespace, bounded by 60 s.
fn in_client(chain: &Lab, program: &str, args: &[&str]) -> Output {
    chain.run_bounded("client", 60, program, args)
}

fn ours(chain: &Lab, args: &[&str]) -> Output {
    let all = with_subcommand("ping", args);
    in_client(chain, icmpkit!(), &all)
}

/// fping's (and our) `-c` summaries: target -> (sent, received).
fn summaries(stderr: &[u8]) -> BTreeMap<String, (u64, u64)> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once(" : xmt/rcv/%loss = ")?;
            let mut counts = rest.split(['/', '%', ',']);
            let sent = counts.next()?.parse().ok()?;
            let received = counts.next()?.parse().ok()?;
            Some((name.trim().to_owned(), (sent, received)))
        })
        .collect()
}

#[test]
fn a_whole_slash_24_answers() {
    let Some(chain) = range_lab("a_whole_slash_24_answers") else {
        return;
    };
    let out = ours(&chain, &["-c", "1", "10.200.0.0/24"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let replies: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(", 64 bytes, "))
        .collect();
    assert_eq!(replies.len(), 254, "{stdout}");
    assert_eq!(stdout.lines().count(), 254, "only reply lines: {stdout}");
    // fping pads names to the longest: 10.200.0.1 and 10.200.0.254.
    assert!(
        stdout.contains("10.200.0.1   : [0], 64 bytes, "),
        "{stdout}"
    );
    assert!(
        stdout.lines().all(|l| l.ends_with("avg, 0% loss)")),
        "{stdout}"
    );
    let sums = summaries(&out.stderr);
    assert_eq!(sums.len(), 254);
    assert!(sums.values().all(|&c| c == (1, 1)), "{sums:?}");
}

#[test]
fn losses_errors_and_exit_code_agree_with_fping() {
    let Some(chain) = range_lab("losses_errors_and_exit_code_agree_with_fping") else {
        return;
    };
    add_losses(&chain);
    let targets = [
        "10.200.0.1",
        "10.200.0.77",
        "10.200.1.1",
        "10.200.1.200",
        "10.200.2.5",
        "10.200.2.6",
    ];
    let mut args = vec!["-c", "2", "-i", "0.2", "-W", "0.5"];
    args.extend_from_slice(&targets);
    let out = ours(&chain, &args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let sums = summaries(&out.stderr);
    let expect: BTreeMap<String, (u64, u64)> = [
        ("10.200.0.1", (2, 2)),
        ("10.200.0.77", (2, 2)),
        ("10.200.1.1", (2, 0)),
        ("10.200.1.200", (2, 0)),
        ("10.200.2.5", (2, 0)),
        ("10.200.2.6", (2, 2)),
    ]
    .into_iter()
    .map(|(n, c)| (n.to_owned(), c))
    .collect();
    assert_eq!(sums, expect, "{stderr}");
    assert!(
        stderr.contains("10.200.1.1   : xmt/rcv/%loss = 2/0/100%\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("10.200.0.1   : xmt/rcv/%loss = 2/2/0%, min/avg/max = "),
        "{stderr}"
    );
    let prohibited = "ICMP Unreachable (Communication Administratively Prohibited) from 192.0.2.254 \
                      for ICMP Echo sent to 10.200.2.5";
    assert_eq!(stderr.matches(prohibited).count(), 2, "{stderr}");
    assert_eq!(
        stdout.matches("timed out (NaN avg, 100% loss)").count(),
        6,
        "{stdout}"
    );
    assert!(
        stdout.contains("10.200.2.5   : [1], timed out (NaN avg, 100% loss)"),
        "{stdout}"
    );

    // fping in the same lab: the same counts per target, the same exit code.
    let mut fargs = vec!["-c", "2", "-q", "-p", "200"];
    fargs.extend_from_slice(&targets);
    let fping = in_client(&chain, "fping", &fargs);
    assert_eq!(summaries(&fping.stderr), expect, "{}", text(&fping.stderr));
    assert_eq!(fping.status.code(), out.status.code());

    // -q: the summaries only.
    let mut qargs = vec!["-q"];
    qargs.extend_from_slice(&args);
    let quiet = ours(&chain, &qargs);
    assert!(quiet.stdout.is_empty(), "{}", text(&quiet.stdout));
    assert_eq!(
        text(&quiet.stderr).lines().count(),
        6,
        "{}",
        text(&quiet.stderr)
    );
    assert_eq!(summaries(&quiet.stderr), expect);
}

#[test]
fn json_objects_are_typed_per_target() {
    let Some(chain) = range_lab("json_objects_are_typed_per_target") else {
        return;
    };
    add_losses(&chain);
    let out = ours(
        &chain,
        &[
            "--json",
            "-c",
            "1",
            "-W",
            "0.5",
            "10.200.0.9",
            "10.200.1.9",
            "10.200.2.5",
            SERVER6,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let kind = v["type"].as_str().expect("type").to_owned();
        let target = v["target"].as_str().expect("target").to_owned();
        match kind.as_str() {
            "reply" => {
                assert_eq!(v["seq"], 1);
                assert_eq!(v["bytes"], 64);
                assert!(v["rtt_ms"].as_f64().is_some_and(|r| r > 0.0), "{v}");
                assert!(v["ttl"].as_u64().is_some(), "{v}");
                assert_eq!(v["from"].as_str(), Some(target.as_str()));
            }
            "error" => {
                assert_eq!(
                    (v["icmp_type"].as_u64(), v["icmp_code"].as_u64()),
                    (Some(3), Some(13))
                );
                assert_eq!(v["from"], netns::ROUTER4);
                assert_eq!(v["seq"], 1);
            }
            "timeout" => assert_eq!(v["seq"], 1),
            "summary" => {
                assert_eq!(v["transmitted"], 1);
                let received = u64::from(target == "10.200.0.9" || target == SERVER6);
                assert_eq!(v["received"], received, "{v}");
            }
            other => panic!("unexpected type {other}: {v}"),
        }
        seen.entry(target).or_default().push(kind);
    }
    let kinds = |t: &str| seen.get(t).cloned().unwrap_or_default();
    assert_eq!(kinds("10.200.0.9"), ["reply", "summary"]);
    assert_eq!(kinds(SERVER6), ["reply", "summary"]);
    assert_eq!(kinds("10.200.1.9"), ["timeout", "summary"]);
    // An error ends its probe: no timeout after it (fping's text says both).
    assert_eq!(kinds("10.200.2.5"), ["error", "summary"]);
    // The summaries come last, in target order.
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    let last: Vec<&str> = lines[lines.len() - 4..]
        .iter()
        .map(|l| {
            l.split("\"target\":\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
        })
        .collect();
    assert_eq!(last, ["10.200.0.9", "10.200.1.9", "10.200.2.5", SERVER6]);
}

#[test]
fn ipv4_and_ipv6_in_one_run() {
    let Some(chain) = Lab::chain("ipv4_and_ipv6_in_one_run", 1280) else {
        return;
    };
    let out = ours(&chain, &["-c", "3", "-i", "0.1", SERVER4, SERVER6]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    for i in 0..3 {
        assert!(
            stdout.contains(&format!("198.51.100.2  : [{i}], 64 bytes, ")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("2001:db8:2::2 : [{i}], 64 bytes, ")),
            "{stdout}"
        );
    }
    let sums = summaries(&out.stderr);
    assert_eq!(sums.get(SERVER4), Some(&(3, 3)));
    assert_eq!(sums.get(SERVER6), Some(&(3, 3)));
    let fping = in_client(
        &chain,
        "fping",
        &["-c", "3", "-q", "-p", "100", SERVER4, SERVER6],
    );
    assert_eq!(summaries(&fping.stderr), sums);
}

#[test]
fn four_thousand_targets_all_found_like_fping() {
    let Some(chain) = range_lab("four_thousand_targets_all_found_like_fping") else {
        return;
    };
    let out = ours(
        &chain,
        &["-q", "-c", "1", "--rate", "20000", "10.200.0.0/20"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sums = summaries(&out.stderr);
    // A /20 less its network and broadcast addresses, as fping -g.
    assert_eq!(sums.len(), 4094);
    assert!(sums.values().all(|&c| c == (1, 1)));
    let fping = in_client(
        &chain,
        "fping",
        &["-q", "-c", "1", "-i", "1", "-g", "10.200.0.0/20"],
    );
    assert_eq!(summaries(&fping.stderr), sums);
}

#[test]
fn rate_must_be_above_zero() {
    // Fails before any socket is opened: no traffic, no root needed.
    let out = Command::new(icmpkit!())
        .args(["ping", "--rate", "0", "127.0.0.1", "::1"])
        .output()
        .expect("run icmpkit");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "icmpkit: --rate 0: must be above 0 probes per second\n"
    );
}
