//! `icmpkit trace --pmtu`, `--back` and `--mda` in the traceroute lab of
//! `lab/lib.sh` (`lab_trace`), beside tracepath: the walk past a silent
//! hop finds what tracepath finds (the time each takes is printed, never
//! asserted), the return hop counts are tracepath's `back N`, and a
//! multipath discovery says why it stops, with round trip times. Every
//! lab is built and removed by the guard `icmpkit_lab::netns::Lab`.

use std::time::Instant;

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, R4_4, SERVER4, SERVER6};
use icmpkit_lab::peers::normalize_traceroute_times;
use icmpkit_lab::text;
use icmpkit_lab::traceroute::trace_lab_path;
use serde_json::Value;

/// The bound on every program run here, in seconds.
const BOUND: u32 = 60;

/// `program args` from the client: stdout, and the seconds it took.
fn timed(lab: &Lab, program: &str, args: &[&str]) -> (String, f64) {
    let started = Instant::now();
    let out = lab.run_bounded("client", BOUND, program, args);
    let took = started.elapsed().as_secs_f64();
    (text(&out.stdout), took)
}

/// `icmpkit trace ARGS` from the client: stdout and exit code.
fn trace(lab: &Lab, args: &[&str]) -> (String, Option<i32>) {
    let out = lab.run_bounded(
        "client",
        BOUND,
        icmpkit!(),
        &[&["trace"][..], args].concat(),
    );
    (text(&out.stdout), out.status.code())
}

/// tracepath's hop lines (`N:  ADDR  ...`, `N:  no reply`): per TTL, the
/// last address it printed (its `pmtu` line and its answer line may both
/// be there), `None` for no reply.
fn tracepath_hops(out: &str) -> Vec<(u8, Option<String>)> {
    let mut hops: Vec<(u8, Option<String>)> = Vec::new();
    for line in out.lines() {
        let Some((ttl, rest)) = line.trim_start().split_once(':') else {
            continue;
        };
        let (Ok(ttl), Some(word)) = (ttl.parse::<u8>(), rest.split_whitespace().next()) else {
            continue;
        };
        let addr = (word != "no").then(|| word.to_owned());
        match hops.last_mut() {
            Some(last) if last.0 == ttl => *last = (ttl, addr.or(last.1.take())),
            _ => hops.push((ttl, addr)),
        }
    }
    hops
}

/// A word of tracepath's `Resume:` line: the number after `word`.
fn resume(out: &str, word: &str) -> Option<u16> {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("Resume:"))?;
    let mut words = line.split_whitespace();
    words.find(|w| *w == word)?;
    words.next()?.parse().ok()
}

#[test]
fn past_a_silent_hop_the_walk_finds_what_tracepath_finds() {
    let Some(lab) = Lab::trace("trace pmtu silent hop", 1280) else {
        return;
    };
    // r2 sends no Time Exceeded: hop 2 is silent.
    lab.silence_hop("r2");
    for (dst, family) in [(SERVER4, "-4"), (SERVER6, "-6")] {
        lab.must("client", &["ip", family, "route", "flush", "cache"]);
        let (theirs, tracepath_took) = timed(&lab, "tracepath", &["-n", dst]);
        lab.must("client", &["ip", family, "route", "flush", "cache"]);
        let args = ["trace", "-n", "--pmtu", "--json", dst];
        let (ours, we_took) = timed(&lab, icmpkit!(), &args);
        // The timing goes to the report, not into an assertion.
        println!("{dst}: tracepath {tracepath_took:.2} s, icmpkit trace --pmtu {we_took:.2} s");
        let lines: Vec<Value> = ours
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let summary = lines.last().unwrap();
        assert_eq!(summary["pmtu"], 1280, "{ours}");
        assert_eq!(summary["reached"], true, "{ours}");
        assert_eq!(resume(&theirs, "pmtu"), Some(1280), "{theirs}");
        assert_eq!(resume(&theirs, "hops"), Some(5), "{theirs}");
        assert_eq!(summary["hops"], 5);
        // Hop by hop: the same silent hop, addresses of the lab's path.
        let hops: Vec<(u8, Option<String>)> = lines
            .iter()
            .filter(|l| l["type"] == "hop")
            .map(|l| {
                let ttl = u8::try_from(l["ttl"].as_u64().unwrap()).unwrap();
                (ttl, l["probe"]["from"].as_str().map(str::to_owned))
            })
            .collect();
        let theirs = tracepath_hops(&theirs);
        let path = trace_lab_path(dst == SERVER6);
        assert_eq!(hops.len(), 5, "{hops:?}");
        assert_eq!(theirs.len(), 5, "{theirs:?}");
        for (((ttl, ours), (their_ttl, theirs)), allowed) in hops.iter().zip(&theirs).zip(&path) {
            assert_eq!(ttl, their_ttl);
            assert_eq!(ours.is_none(), *ttl == 2, "hop {ttl}: {ours:?}");
            assert_eq!(
                theirs.is_none(),
                *ttl == 2,
                "hop {ttl}: tracepath {theirs:?}"
            );
            for addr in [ours, theirs].into_iter().flatten() {
                let addr = addr.parse().unwrap();
                assert!(allowed.contains(&addr), "hop {ttl}: {addr}");
            }
        }
    }
}

#[test]
fn back_counts_the_return_hops_as_tracepath_and_traceroute_do() {
    let Some(lab) = Lab::trace("trace back", 1280) else {
        return;
    };
    // The server's own TTL first as Linux's (64), then 100 and 200: the
    // count is the reckoning of tracepath and traceroute from the usual
    // initial TTLs (64, 128, 255), right or wrong, and ours is the same.
    for (initial, back) in [(None, 5), (Some(100), 33), (Some(200), 60)] {
        if let Some(ttl) = initial {
            lab.sysctl("server", &format!("net.ipv4.ip_default_ttl={ttl}"));
            lab.sysctl("server", &format!("net.ipv6.conf.all.hop_limit={ttl}"));
            lab.sysctl("server", &format!("net.ipv6.conf.s0.hop_limit={ttl}"));
        }
        for dst in [SERVER4, SERVER6] {
            let (theirs, _) = timed(&lab, "tracepath", &["-n", dst]);
            assert_eq!(
                resume(&theirs, "back"),
                Some(back),
                "{initial:?} {dst}: {theirs}"
            );
            let (ours, code) = trace(&lab, &["-n", "--pmtu", "--back", dst]);
            assert_eq!(code, Some(0));
            let summary = ours.lines().last().unwrap();
            assert!(
                summary.ends_with(&format!(", 5 hops, back {back}, destination reached")),
                "{initial:?} {dst}: {summary}"
            );
            // Classic: traceroute --back's lines, word for word.
            let args = ["-n", "-q", "1", "--back", dst];
            let (ours, _) = trace(&lab, &args);
            let (theirs, _) = timed(&lab, "traceroute", &args);
            let route = |t: &str| {
                t.lines()
                    .skip(1)
                    .map(|l| normalize_traceroute_times(l.trim_end()))
                    .collect::<Vec<_>>()
            };
            // The fork's branch may differ: compare the lines outside it.
            let (ours, theirs) = (route(&ours), route(&theirs));
            assert_eq!(ours.len(), 5, "{ours:?}");
            for hop in [0, 1, 3, 4] {
                if dst == SERVER6 && hop == 3 {
                    continue; // r4 answers from the address of the branch.
                }
                assert_eq!(ours[hop], theirs[hop], "{initial:?} {dst}");
            }
            let last = if back == 5 {
                format!(" 5  {dst}  T ms")
            } else {
                format!(" 5  {dst} '-{back}'  T ms")
            };
            assert_eq!(ours[4], last);
            let (json, _) = trace(&lab, &["-n", "-q", "1", "--back", "--json", dst]);
            let lines: Vec<Value> = json
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines.last().unwrap()["back"], back, "{json}");
            // The routers' answers: hop N came back over N hops.
            for hop in lines.iter().filter(|l| l["type"] == "hop").take(4) {
                assert_eq!(hop["probes"][0]["back"], hop["ttl"], "{hop}");
            }
        }
    }
}

#[test]
fn mda_says_why_it_stops_and_shows_round_trip_times() {
    let Some(lab) = Lab::trace("trace mda stops", 1280) else {
        return;
    };
    let stop = |args: &[&str]| {
        let (json, _) = trace(&lab, &[&["-n", "--mda", "--json"][..], args].concat());
        let graph: Value = serde_json::from_str(json.trim()).expect("one record");
        let (text, code) = trace(&lab, &[&["-n", "--mda"][..], args].concat());
        (
            graph["stop"].clone(),
            graph,
            text.lines().last().unwrap_or_default().to_owned(),
            code,
        )
    };
    let (reason, graph, line, code) = stop(&[SERVER4]);
    assert_eq!(
        reason,
        serde_json::json!({"reason": "end", "ttl": 5, "silent": null})
    );
    assert_eq!(line, "stopped at hop 5: the destination answered there");
    assert_eq!(code, Some(0));
    for interface in graph["hops"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["interfaces"].as_array().unwrap())
    {
        let (min, avg, max) = (
            interface["min_rtt_ms"].as_f64().unwrap(),
            interface["avg_rtt_ms"].as_f64().unwrap(),
            interface["max_rtt_ms"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= avg && avg <= max, "{interface}");
    }
    // Each interface's least round trip on its hop line.
    let (text, _) = trace(&lab, &["-n", "--mda", SERVER4]);
    let hop4 = text.lines().find(|l| l.starts_with(" 4  ")).expect("hop 4");
    let words: Vec<&str> = hop4.split_whitespace().collect();
    assert_eq!((words[1], words[3]), (R4_4, "ms"), "{hop4}");
    assert!(words[2].parse::<f64>().is_ok(), "{hop4}");

    let (reason, _, line, code) = stop(&["-m", "3", SERVER4]);
    assert_eq!(
        reason,
        serde_json::json!({"reason": "max_ttl", "ttl": 3, "silent": null})
    );
    assert_eq!(line, "stopped at the max TTL, 3, before the destination");
    assert_eq!(code, Some(1));

    lab.reject("r4", "iptables", "FORWARD", "udp", "icmp-admin-prohibited");
    let (reason, _, line, code) = stop(&[SERVER4]);
    assert_eq!(
        reason,
        serde_json::json!({"reason": "end", "ttl": 5, "silent": null})
    );
    assert_eq!(
        line,
        "stopped at hop 5: every flow ends there (!X), the destination not reached"
    );
    assert_eq!(code, Some(1));
    lab.must("r4", &["iptables", "-F", "FORWARD"]);

    lab.must(
        "r4",
        &["iptables", "-A", "FORWARD", "-p", "udp", "-j", "DROP"],
    );
    let (reason, _, line, code) = stop(&["-w", "0.2", SERVER4]);
    assert_eq!(reason["reason"], "silence", "{reason}");
    let (last, silent) = (
        reason["ttl"].as_u64().unwrap(),
        reason["silent"].as_u64().unwrap(),
    );
    assert!(silent >= 5 && last == 4 + silent, "{reason}");
    assert_eq!(
        line,
        format!("stopped after hop {last}: {silent} hops in a row answered nothing")
    );
    assert_eq!(code, Some(1));
}
