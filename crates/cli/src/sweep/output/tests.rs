use super::*;
use icmpkit_proto::sweep::{BackoffReport, Progress, Shard, SweepCounts};

fn summary() -> SweepSummary {
    SweepSummary {
        counts: SweepCounts {
            progress: Progress {
                total: 4,
                sent: 3,
                replies: 2,
                unique: 1,
                errors: 1,
                duplicates: 1,
                ..Progress::default()
            },
            refused: 1,
            elapsed: Duration::from_millis(2250),
        },
        refused_by_errno: vec![(13, 1)],
        sending: Duration::from_millis(250),
        stopped: false,
        backoff: None,
        shard: Shard::WHOLE,
        seed: None,
        space_targets: 4,
    }
}

fn written(format: Format, all: bool) -> String {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out, format, all).unwrap();
    let addr = "10.200.0.7".parse().unwrap();
    w.found(&Responder {
        index: 7,
        addr,
        attempt: 0,
        rtt: Some(Duration::from_micros(1500)),
        ttl: Some(63),
    })
    .unwrap();
    w.found(&Responder {
        index: 7,
        addr,
        attempt: 1,
        rtt: None,
        ttl: None,
    })
    .unwrap();
    w.error(&ErrorVerdict {
        index: 265,
        target: "10.200.1.9".parse().unwrap(),
        from: "192.0.2.254".parse().unwrap(),
        icmp_type: 3,
        code: 13,
        attempt: Some(0),
        rtt: None,
    })
    .unwrap();
    w.refused(&RefusedProbe {
        target: "10.200.0.255".parse().unwrap(),
        attempt: 0,
        errno: 13,
    })
    .unwrap();
    w.finish(&summary(), Some(0)).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn text_is_addresses_only() {
    assert_eq!(written(Format::Text, false), "10.200.0.7\n10.200.0.7\n");
    assert_eq!(
        written(Format::Text, true),
        "10.200.0.7\n10.200.0.7\n10.200.1.9 error type 3 code 13 from 192.0.2.254\n\
         10.200.0.255 refused: Permission denied (EACCES)\n"
    );
}

#[test]
fn csv_has_one_header_and_with_all_every_kind_of_row() {
    assert_eq!(
        written(Format::Csv, false),
        "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code,errno\nreply,10.200.0.7,1.5,63,,,,\n\
         reply,10.200.0.7,,,,,,\n"
    );
    assert_eq!(
        written(Format::Csv, true),
        "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code,errno\nreply,10.200.0.7,1.5,63,,,,\n\
         reply,10.200.0.7,,,,,,\nerror,10.200.1.9,,,192.0.2.254,3,13,\n\
         refused,10.200.0.255,,,,,,EACCES\n"
    );
}

#[test]
fn json_lines_use_the_shared_keys() {
    let json = written(Format::Json, true);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l["timestamp"].is_f64()));
    assert_eq!(lines[0]["type"], "reply");
    assert_eq!(lines[0]["from"], "10.200.0.7");
    assert_eq!(lines[0]["rtt_ms"], 1.5);
    assert_eq!(lines[0]["ttl"], 63);
    assert_eq!(lines[1]["rtt_ms"], serde_json::Value::Null);
    assert_eq!(lines[2]["type"], "error");
    assert_eq!(lines[2]["target"], "10.200.1.9");
    assert_eq!(lines[2]["from"], "192.0.2.254");
    assert_eq!(lines[3]["type"], "refused");
    assert_eq!(lines[3]["errno"], "EACCES");
    assert_eq!(lines[3]["message"], "Permission denied");
    let summary = &lines[4];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["sent"], 3);
    assert_eq!(summary["refused"], 1);
    assert_eq!(summary["refused_by_errno"]["EACCES"], 1);
    assert_eq!(summary["time_s"], 2.25);
    assert_eq!(summary["sending_s"], 0.25);
    assert_eq!(summary["backoff"], serde_json::Value::Null);
    // Not sharded: shard 0 of 1, the whole space, no seed.
    assert_eq!(
        (
            &summary["targets"],
            &summary["space_targets"],
            &summary["shard"],
            &summary["shards"],
            &summary["seed"]
        ),
        (
            &json!(4),
            &json!(4),
            &json!(0),
            &json!(1),
            &serde_json::Value::Null
        )
    );
}

#[test]
fn a_shard_names_its_part_and_seed_in_both_summaries() {
    let mut shard = summary();
    shard.shard = Shard::new(2, 3).unwrap();
    shard.seed = Some(18_446_744_073_709_551_615);
    shard.space_targets = 11;
    let line = summary_line(&shard, None);
    assert!(
        line.starts_with(
            "sweep: 4 targets (shard 2/3 of 11, seed 18446744073709551615), sent 3, replies 2,"
        ),
        "{line}"
    );
    let mut out = Vec::new();
    Writer::new(&mut out, Format::Json, false)
        .unwrap()
        .finish(&shard, None)
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (
            &json["targets"],
            &json["space_targets"],
            &json["shard"],
            &json["shards"]
        ),
        (&json!(4), &json!(11), &json!(2), &json!(3))
    );
    // A u64, exactly.
    assert_eq!(json["seed"].as_u64(), Some(u64::MAX));
    // The seed alone (no shard): the order is reproducible.
    shard.shard = Shard::WHOLE;
    shard.seed = Some(7);
    assert!(summary_line(&shard, None).starts_with("sweep: 4 targets (seed 7), sent 3,"));
}

#[test]
fn a_backoff_is_told_in_the_summary_line_and_the_json() {
    let mut slowed = summary();
    slowed.backoff = Some(BackoffReport {
        dropped: 120,
        cuts: 2,
        lowest: 90_000,
        last: 101_250,
    });
    assert_eq!(
        summary_line(&slowed, Some(120)),
        "sweep: 4 targets, sent 3, replies 2, unique hosts 1 (25.00%), errors 1, duplicates 1, \
         invalid 0, refused 1 (EACCES 1), kernel drops 120, time 2.250 s (12 probes/s)\n\
         sweep: the kernel dropped 120 replies for a full receive queue: --rate max slowed to \
         101250 probes/s (lowest 90000, 2 cuts); hosts whose replies were dropped are missing: \
         run again with --retries 1, or a lower --rate"
    );
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out, Format::Json, false).unwrap();
    w.finish(&slowed, Some(120)).unwrap();
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8(out).unwrap().trim()).unwrap();
    assert_eq!(
        line["backoff"],
        serde_json::json!({"dropped": 120, "cuts": 2, "lowest_rate": 90_000, "last_rate": 101_250})
    );
}

#[test]
fn summary_names_every_counter_and_the_rate_leaves_out_the_cooldown() {
    assert_eq!(
        summary_line(&summary(), Some(5)),
        "sweep: 4 targets, sent 3, replies 2, unique hosts 1 (25.00%), errors 1, duplicates 1, \
         invalid 0, refused 1 (EACCES 1), kernel drops 5, time 2.250 s (12 probes/s)"
    );
    let mut quiet = summary();
    quiet.counts.refused = 0;
    quiet.refused_by_errno.clear();
    quiet.stopped = true;
    assert_eq!(
        summary_line(&quiet, None),
        "sweep: 4 targets, sent 3, replies 2, unique hosts 1 (25.00%), errors 1, duplicates 1, \
         invalid 0, time 2.250 s (12 probes/s), stopped"
    );
}
