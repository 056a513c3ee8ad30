//! The JSON-lines stream as a monitoring system reads it (the rules of
//! `crate::json_lines`' schema): a timestamp on every record, replies
//! included; a `timeout` for every unanswered probe of one target, the
//! last too, with or without `-O`; never an `error` and a `timeout` for one
//! sequence number; RTTs to the microsecond, written as that decimal; and
//! one CSV header for a sweep whatever its flags. On loopback where that
//! shows it, else in the lab chain (`icmpkit_lab::netns`); root needed
//! (raw sockets, namespaces): skipped without, failed under `CI=true`.

use std::process::Output;

use icmpkit_lab::netns::{Lab, SERVER4};
use icmpkit_lab::{icmpkit, peers, require, text};
use serde_json::Value;

/// The records of a `--json` run, each with its line as printed.
fn records(out: &Output) -> Vec<(String, Value)> {
    text(&out.stdout)
        .lines()
        .map(|line| {
            let value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            (line.to_owned(), value)
        })
        .collect()
}

/// The records' types and sequence numbers: `("reply", Some(1))`...
fn kinds(records: &[(String, Value)]) -> Vec<(String, Option<u64>)> {
    records
        .iter()
        .map(|(_, v)| (v["type"].as_str().unwrap().to_owned(), v["seq"].as_u64()))
        .collect()
}

fn kind(name: &str, seq: u64) -> (String, Option<u64>) {
    (name.to_owned(), Some(seq))
}

/// Every record has a timestamp, in order, within the run's time.
fn assert_timestamps(records: &[(String, Value)]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut last = 0.0;
    for (line, v) in records {
        let t = v["timestamp"]
            .as_f64()
            .unwrap_or_else(|| panic!("no timestamp: {line}"));
        assert!(t >= last && t <= now && t > now - 60.0, "{line}");
        last = t;
    }
}

/// Every `rtt_ms` as printed: a number with at most three decimals.
fn assert_microsecond_rtts(records: &[(String, Value)]) {
    for (line, v) in records {
        if v.get("rtt_ms").is_none_or(Value::is_null) {
            continue;
        }
        let printed = line
            .split("\"rtt_ms\":")
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .unwrap();
        let decimals = printed.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(
            printed.bytes().all(|b| b.is_ascii_digit() || b == b'.') && decimals <= 3,
            "rtt_ms {printed} in {line}"
        );
    }
}

#[test]
fn loopback_replies_have_timestamps_and_microsecond_rtts() {
    if !require::root("loopback_replies_have_timestamps_and_microsecond_rtts") {
        return;
    }
    let out = peers::run_bounded(
        20,
        icmpkit!(),
        &["ping", "--json", "-c", "5", "-i", "0.05", "127.0.0.1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records = records(&out);
    let expected: Vec<_> = (1..=5)
        .map(|seq| kind("reply", seq))
        .chain([("summary".to_owned(), None)])
        .collect();
    assert_eq!(kinds(&records), expected);
    assert_timestamps(&records);
    assert_microsecond_rtts(&records);
}

#[test]
fn the_last_probe_unanswered_gets_its_timeout_with_or_without_o() {
    let Some(chain) = Lab::chain("the_last_probe_unanswered_gets_its_timeout", 1280) else {
        return;
    };
    for o in [false, true] {
        // The server drops every third Echo Request it gets: the last of
        // each run of three.
        chain.must("server", &["iptables", "-F", "INPUT"]);
        chain.must(
            "server",
            &[
                "iptables",
                "-A",
                "INPUT",
                "-p",
                "icmp",
                "--icmp-type",
                "echo-request",
                "-m",
                "statistic",
                "--mode",
                "nth",
                "--every",
                "3",
                "--packet",
                "2",
                "-j",
                "DROP",
            ],
        );
        let mut args = vec!["ping", "--json", "-c", "3", "-i", "0.3", "-W", "2"];
        if o {
            args.push("-O");
        }
        args.push(SERVER4);
        let out = chain.run_bounded("client", 20, icmpkit!(), &args);
        // iputils: exit 0 when anything came back.
        assert_eq!(out.status.code(), Some(0), "-O {o}: {}", text(&out.stderr));
        let records = records(&out);
        assert_eq!(
            kinds(&records),
            [
                kind("reply", 1),
                kind("reply", 2),
                kind("timeout", 3),
                ("summary".to_owned(), None)
            ],
            "-O {o}: {}",
            text(&out.stdout)
        );
        assert_eq!(records[2].1["target"], SERVER4);
        assert_eq!(records[3].1["received"], 2);
        assert_timestamps(&records);
        assert_microsecond_rtts(&records);
    }
}

#[test]
fn a_probe_has_an_error_or_a_timeout_never_both() {
    let Some(chain) = Lab::chain("a_probe_has_an_error_or_a_timeout_never_both", 1280) else {
        return;
    };
    // No host has this address: the router's neighbour lookup fails and
    // it answers Host Unreachable about 3 s after each probe, long after
    // the next probe went (where -O says "no answer yet").
    let out = chain.run_bounded(
        "client",
        30,
        icmpkit!(),
        &[
            "ping",
            "--json",
            "-O",
            "-c",
            "3",
            "-i",
            "0.5",
            "-W",
            "8",
            "198.51.100.99",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let records = records(&out);
    let errors: Vec<u64> = records
        .iter()
        .filter(|(_, v)| v["type"] == "error")
        .map(|(_, v)| v["seq"].as_u64().unwrap())
        .collect();
    let timeouts: Vec<u64> = records
        .iter()
        .filter(|(_, v)| v["type"] == "timeout")
        .map(|(_, v)| v["seq"].as_u64().unwrap())
        .collect();
    assert!(!errors.is_empty(), "{}", text(&out.stdout));
    assert!(
        errors.iter().all(|seq| !timeouts.contains(seq)),
        "errors {errors:?}, timeouts {timeouts:?}"
    );
    let mut all: Vec<u64> = errors.iter().chain(&timeouts).copied().collect();
    all.sort_unstable();
    assert_eq!(all, [1, 2, 3], "{}", text(&out.stdout));
    for (line, v) in &records {
        if v["type"] == "error" {
            assert_eq!(v["message"], "Destination Host Unreachable", "{line}");
        }
    }
    assert_timestamps(&records);
}

#[test]
fn a_sweep_writes_one_csv_header_whatever_the_flags() {
    if !require::root("a_sweep_writes_one_csv_header_whatever_the_flags") {
        return;
    }
    let mut outputs = Vec::new();
    for extra in [&[][..], &["--all"][..]] {
        let mut args = vec!["sweep", "--csv", "--cooldown", "0.2"];
        args.extend(extra);
        args.extend(["127.0.0.1", "127.0.0.2"]);
        let out = peers::run_bounded(20, icmpkit!(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let mut lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.remove(0),
            "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code,errno"
        );
        lines.sort_unstable();
        assert_eq!(lines.len(), 2, "{stdout}");
        for (line, addr) in lines.iter().zip(["127.0.0.1", "127.0.0.2"]) {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 8, "{line}");
            assert_eq!(
                (fields[0], fields[1], fields[3]),
                ("reply", addr, "64"),
                "{line}"
            );
            let decimals = fields[2].split_once('.').map_or(0, |(_, d)| d.len());
            assert!(decimals <= 3, "{line}");
        }
        outputs.push(lines.len());
    }
    assert_eq!(outputs, [2, 2]);
}

#[test]
fn sweep_json_records_all_have_timestamps() {
    if !require::root("sweep_json_records_all_have_timestamps") {
        return;
    }
    let out = peers::run_bounded(
        20,
        icmpkit!(),
        &[
            "sweep",
            "--json",
            "--cooldown",
            "0.2",
            "127.0.0.1",
            "127.0.0.2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records = records(&out);
    assert_eq!(records.len(), 3);
    assert_timestamps(&records);
    assert_microsecond_rtts(&records);
}
