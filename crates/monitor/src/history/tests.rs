//! Tests of the history store: encoding, consolidation, queries, retention.

use std::time::Duration;

use super::codec::{self, StoredPoint};
use super::*;
use icmpkit_lab::server::Scratch;
use redb::ReadableTableMetadata;

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// A start far from the epoch, at a day boundary.
const T0: i64 = 1_750_000_000 / DAY * DAY;

fn step(start: i64, len: u32, sent: u32, rtts: &[u32]) -> StepSummary {
    let mut rtts_us = rtts.to_vec();
    rtts_us.sort_unstable();
    StepSummary {
        start,
        step: len,
        sent,
        rtts_us,
        jitter_us: (rtts.len() >= 2).then_some(7),
    }
}

fn batch(name: &str, s: StepSummary) -> Vec<(Arc<str>, StepSummary)> {
    vec![(name.into(), s)]
}

fn secs(s: i64) -> Duration {
    Duration::from_secs(u64::try_from(s).unwrap())
}

fn count(h: &History, table: &str) -> usize {
    let g = h.db.read().unwrap();
    let txn = g.as_ref().unwrap().begin_read().unwrap();
    let t = txn
        .open_table(TableDefinition::<Key, &[u8]>::new(table))
        .unwrap();
    t.len().unwrap().try_into().unwrap()
}

#[test]
fn a_step_encodes_and_decodes_to_itself() {
    let s = step(T0, 60, 60, &[1500, 1490, 20_000, 1501, 1_000_000]);
    let mut buf = Vec::new();
    codec::encode_step(&s, &mut buf);
    assert_eq!(codec::decode_step(T0, &buf), Ok(s));
    let lost = StepSummary {
        start: T0,
        step: 60,
        sent: 60,
        rtts_us: vec![],
        jitter_us: None,
    };
    buf.clear();
    codec::encode_step(&lost, &mut buf);
    assert_eq!(codec::decode_step(T0, &buf), Ok(lost));
}

#[test]
fn sixty_close_rtts_take_about_seventy_bytes() {
    let rtts: Vec<u32> = (0..60).map(|i| 1000 + i * 37 % 400).collect();
    let mut buf = Vec::new();
    codec::encode_step(&step(T0, 60, 60, &rtts), &mut buf);
    assert!(buf.len() <= 70, "{} bytes", buf.len());
}

#[test]
fn a_point_encodes_and_decodes_to_itself() {
    let p = StoredPoint {
        sent: 300,
        lost: 3,
        median_us: Some(1234),
        smoke_us: vec![1000, 1100, 1234, 99_999],
    };
    let mut buf = Vec::new();
    codec::encode_point(&p, &mut buf);
    assert_eq!(codec::decode_point(&buf), Ok(p));
}

#[test]
fn truncated_or_garbage_records_are_errors_not_panics() {
    let mut buf = Vec::new();
    codec::encode_step(&step(T0, 60, 60, &[1, 2, 300, 40_000]), &mut buf);
    for n in 0..buf.len() {
        assert!(codec::decode_step(T0, &buf[..n]).is_err());
    }
    for bytes in [&[0xff_u8; 12][..], &[1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f]] {
        assert!(codec::decode_step(T0, bytes).is_err());
        assert!(codec::decode_point(bytes).is_err());
    }
}

#[test]
fn a_written_step_reads_back_with_its_median_and_every_rtt_as_smoke() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), Retention::default()).unwrap();
    let s = step(T0, 60, 5, &[1000, 3000, 2000, 4000]);
    h.write(T0 + MIN, &batch("gw", s.clone())).unwrap();
    let series = h.range("gw", T0, T0 + MIN, 100).unwrap();
    assert_eq!(series.step, 60);
    assert_eq!(
        series.points,
        vec![Point {
            start: T0,
            sent: 5,
            lost: 1,
            median_us: s.median_us(),
            smoke_us: vec![1000, 2000, 3000, 4000],
        }]
    );
    assert_eq!(h.targets(), vec!["gw".to_owned()]);
    assert_eq!(
        h.range("nope", T0, T0 + MIN, 100).unwrap(),
        Series::default()
    );
}

#[test]
fn a_step_written_again_after_a_restart_keeps_both_runs_probes() {
    // A daemon stopped in a step (its partial step written), started again
    // within the same step, writes that step again when it closes.
    let dir = Scratch::new("history");
    {
        let h = History::open(dir.path(), Retention::default()).unwrap();
        h.write(T0 + 10, &batch("gw", step(T0, 60, 4, &[1000, 3000, 2000])))
            .unwrap();
    }
    let h = History::open(dir.path(), Retention::default()).unwrap();
    h.write(T0 + MIN, &batch("gw", step(T0, 60, 3, &[4000, 5000])))
        .unwrap();
    let series = h.range("gw", T0, T0 + MIN, 100).unwrap();
    assert_eq!(
        series.points,
        vec![Point {
            start: T0,
            sent: 7,
            lost: 2,
            median_us: Some(3000),
            smoke_us: vec![1000, 2000, 3000, 4000, 5000],
        }]
    );
    let g = h.db.read().unwrap();
    let txn = g.as_ref().unwrap().begin_read().unwrap();
    let raw = txn.open_table(h.tiers[0].def()).unwrap();
    let stored = raw.get(h.key(0, 0, T0)).unwrap().unwrap();
    let merged = codec::decode_step(T0, stored.value()).unwrap();
    assert_eq!(merged.jitter_us, Some(7));
    assert_eq!(merged.rtts_us, vec![1000, 2000, 3000, 4000, 5000]);
}

#[test]
fn a_reopened_store_holds_the_same_data() {
    let dir = Scratch::new("history");
    let steps: Vec<_> = (0..30)
        .map(|i| {
            step(
                T0 + i * MIN,
                60,
                60,
                &[1000 + u32::try_from(i).unwrap(); 58],
            )
        })
        .collect();
    let before = {
        let h = History::open(dir.path(), Retention::default()).unwrap();
        for s in &steps {
            h.write(s.end(), &[("a".into(), s.clone()), ("b".into(), s.clone())])
                .unwrap();
        }
        (
            h.range("a", T0, T0 + HOUR, 1000).unwrap(),
            h.range("b", T0, T0 + 30 * DAY, 10).unwrap(),
        )
    };
    let h = History::open(dir.path(), Retention::default()).unwrap();
    assert_eq!(h.targets(), vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(h.range("a", T0, T0 + HOUR, 1000).unwrap(), before.0);
    assert_eq!(h.range("b", T0, T0 + 30 * DAY, 10).unwrap(), before.1);
    assert_eq!(before.0.points.len(), 30);
}

#[test]
fn a_second_monitor_on_the_same_directory_is_told_who_holds_it() {
    let dir = Scratch::new("history");
    let _first = History::open(dir.path(), Retention::default()).unwrap();
    let e = History::open(dir.path(), Retention::default()).unwrap_err();
    assert!(matches!(e, HistoryError::Locked { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "another icmpkit monitor uses {}: stop it, or give this one another data_dir",
            dir.path().display()
        )
    );
}

/// Retention with one 5-minute level, one 1-hour level, long keeps.
fn two_levels() -> Retention {
    Retention {
        raw: secs(3 * DAY),
        levels: vec![
            Level {
                step: secs(300),
                keep: secs(10 * DAY),
            },
            Level {
                step: secs(HOUR),
                keep: secs(400 * DAY),
            },
        ],
    }
}

/// Five 60 s steps of one 5-minute point: RTTs 1..=10 ms, one lost each.
fn five_steps(point: i64) -> Vec<StepSummary> {
    (0..5)
        .map(|i| {
            let base = 1000 * (u32::try_from(i).unwrap() * 2 + 1);
            step(point + i * MIN, 60, 3, &[base, base + 1000])
        })
        .collect()
}

#[test]
fn steps_consolidate_into_a_point_of_their_merged_distribution() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    for s in five_steps(T0) {
        h.write(s.end(), &batch("gw", s)).unwrap();
    }
    // Only the five steps' time: the finest source that fits 1 point is the
    // 5-minute level.
    let series = h.range("gw", T0, T0 + 300, 1).unwrap();
    assert_eq!(series.step, 300);
    let expected: Vec<u32> = (1..=10).map(|ms| ms * 1000).collect();
    assert_eq!(
        series.points,
        vec![Point {
            start: T0,
            sent: 15,
            lost: 5,
            median_us: Some(5500),
            smoke_us: expected,
        }]
    );
}

#[test]
fn an_hour_point_merges_its_five_minute_points() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    for p in 0..12 {
        for s in five_steps(T0 + p * 300) {
            h.write(s.end(), &batch("gw", s)).unwrap();
        }
    }
    assert_eq!(count(&h, "level_300s"), 12);
    assert_eq!(count(&h, "level_3600s"), 1);
    let series = h.range("gw", T0, T0 + HOUR, 1).unwrap();
    assert_eq!(series.step, 3600);
    let p = &series.points[0];
    assert_eq!((p.start, p.sent, p.lost), (T0, 180, 60));
    assert_eq!(p.median_us, Some(5500));
    assert_eq!(p.smoke_us.len(), SMOKE_QUANTILES);
    assert_eq!(p.smoke_us.first(), Some(&1000));
    assert_eq!(p.smoke_us.last(), Some(&10_000));
}

#[test]
fn a_step_as_long_as_a_level_point_is_copied() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    let rtts: Vec<u32> = (1..=20).map(|i| i * 100).collect();
    let s = step(T0, 300, 20, &rtts);
    h.write(s.end(), &batch("gw", s.clone())).unwrap();
    let raw = h.range("gw", T0, T0 + 300, 10).unwrap();
    let level = {
        let guard = h.db.read().unwrap();
        let txn = guard.as_ref().unwrap().begin_read().unwrap();
        let table = txn.open_table(h.tiers[1].def()).unwrap();
        let (_, value) = table.first().unwrap().unwrap();
        codec::decode_point(value.value()).unwrap()
    };
    assert_eq!(level.smoke_us, rtts);
    assert_eq!(level.median_us, s.median_us());
    assert_eq!(raw.points[0].smoke_us, rtts);
}

#[test]
fn a_point_missing_its_last_step_is_consolidated_when_the_next_point_begins() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    let mut steps = five_steps(T0);
    steps.pop();
    for s in steps {
        h.write(s.end(), &batch("gw", s)).unwrap();
    }
    assert_eq!(count(&h, "level_300s"), 0);
    let next = step(T0 + 300, 60, 1, &[500]);
    h.write(next.end(), &batch("gw", next)).unwrap();
    assert_eq!(count(&h, "level_300s"), 1);
    let series = h.range("gw", T0, T0 + 300, 1).unwrap();
    assert_eq!((series.points[0].sent, series.points[0].lost), (12, 4));
}

#[test]
fn a_late_step_consolidates_its_point_again() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    let mut steps = five_steps(T0);
    let late = steps.remove(1);
    for s in steps {
        h.write(s.end(), &batch("gw", s)).unwrap();
    }
    assert_eq!(h.range("gw", T0, T0 + 300, 1).unwrap().points[0].sent, 12);
    h.write(T0 + 301, &batch("gw", late)).unwrap();
    assert_eq!(h.range("gw", T0, T0 + 300, 1).unwrap().points[0].sent, 15);
}

#[test]
fn a_range_too_long_for_its_points_is_merged_on_the_fly() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    for i in 0..60 {
        let s = step(T0 + i * MIN, 60, 2, &[1000 + u32::try_from(i).unwrap()]);
        h.write(s.end(), &batch("gw", s)).unwrap();
    }
    // Raw gives 60 points; 30 at most: the 5-minute level (12) fits.
    let s = h.range("gw", T0, T0 + HOUR, 30).unwrap();
    assert_eq!((s.step, s.points.len()), (300, 12));
    // 100 fit raw.
    assert_eq!(h.range("gw", T0, T0 + HOUR, 100).unwrap().points.len(), 60);
    // Within raw retention only raw and levels cover; 1 point: the hour.
    let s = h.range("gw", T0, T0 + HOUR, 1).unwrap();
    assert_eq!((s.step, s.points.len(), s.points[0].sent), (3600, 1, 120));
    // No level at all: raw merged by 6.
    let dir2 = Scratch::new("history");
    let raw_only = History::open(
        dir2.path(),
        Retention {
            raw: secs(DAY),
            levels: vec![],
        },
    )
    .unwrap();
    for i in 0..60 {
        let s = step(T0 + i * MIN, 60, 2, &[1000]);
        raw_only.write(s.end(), &batch("gw", s)).unwrap();
    }
    let s = raw_only.range("gw", T0, T0 + HOUR, 10).unwrap();
    assert_eq!((s.step, s.points.len()), (360, 10));
    assert!(s.points.iter().all(|p| p.sent == 12 && p.lost == 6));
}

#[test]
fn a_range_older_than_raw_retention_comes_from_a_level() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), two_levels()).unwrap();
    for s in five_steps(T0) {
        h.write(s.end(), &batch("gw", s)).unwrap();
    }
    let later = step(T0 + 5 * DAY, 60, 1, &[1]);
    h.write(later.end(), &batch("gw", later)).unwrap();
    let s = h.range("gw", T0, T0 + 300, 1000).unwrap();
    assert_eq!(s.step, 300);
    assert_eq!(s.points.len(), 1);
}

#[test]
fn old_entries_are_pruned_and_disk_stays_bounded() {
    let dir = Scratch::new("history");
    let retention = Retention {
        raw: secs(6 * HOUR),
        levels: vec![Level {
            step: secs(HOUR),
            keep: secs(DAY),
        }],
    };
    let h = History::open(dir.path(), retention).unwrap();
    // An hour of steps per write, for three days.
    for hour in 0..72 {
        let steps: Vec<_> = (0..60)
            .map(|i| {
                (
                    std::sync::Arc::<str>::from("gw"),
                    step(T0 + hour * HOUR + i * MIN, 60, 1, &[1000]),
                )
            })
            .collect();
        h.write(T0 + (hour + 1) * HOUR, &steps).unwrap();
    }
    // Raw: 6 h plus at most one 3-hour bucket; level: 1 day plus at most
    // one 256-hour bucket.
    let raw = count(&h, "raw");
    assert!((360..=540).contains(&raw), "{raw} raw steps");
    let level = count(&h, "level_3600s");
    assert!((24..72).contains(&level), "{level} points");
}

#[test]
fn a_target_not_written_for_the_longest_retention_expires() {
    let dir = Scratch::new("history");
    let retention = Retention {
        raw: secs(HOUR),
        levels: vec![],
    };
    let h = History::open(dir.path(), retention).unwrap();
    h.write(T0 + MIN, &batch("old", step(T0, 60, 1, &[1])))
        .unwrap();
    h.write(T0 + MIN, &batch("new", step(T0, 60, 1, &[1])))
        .unwrap();
    h.write(
        T0 + 3 * HOUR,
        &batch("new", step(T0 + 2 * HOUR, 60, 1, &[1])),
    )
    .unwrap();
    assert_eq!(h.targets(), vec!["new".to_owned()]);
}

#[test]
fn a_forgotten_target_starts_a_new_history() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), Retention::default()).unwrap();
    h.write(T0 + MIN, &batch("gw", step(T0, 60, 1, &[1])))
        .unwrap();
    assert!(h.forget("gw").unwrap());
    assert!(!h.forget("gw").unwrap());
    assert!(h.targets().is_empty());
    h.write(T0 + 2 * MIN, &batch("gw", step(T0 + MIN, 60, 1, &[1])))
        .unwrap();
    let s = h.range("gw", T0, T0 + 2 * MIN, 100).unwrap();
    assert_eq!(s.points.len(), 1);
}

fn trace(at: i64, hops: &[Option<&str>]) -> PathRecord {
    PathRecord {
        at,
        hops: hops.iter().map(|h| h.map(|a| a.parse().unwrap())).collect(),
        reached: true,
        pmtu: None,
    }
}

#[test]
fn a_path_is_stored_only_when_it_changes() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), Retention::default()).unwrap();
    h.write(T0, &batch("gw", step(T0 - 60, 60, 1, &[1])))
        .unwrap();
    let a = trace(T0, &[Some("10.0.0.1"), Some("10.0.1.1")]);
    let a_silent = trace(T0 + 600, &[None, Some("10.0.1.1")]);
    let b = trace(T0 + 1200, &[Some("10.0.0.2"), Some("10.0.1.1")]);
    assert!(h.write_path("gw", &a).unwrap());
    assert!(!h.write_path("gw", &a_silent).unwrap());
    assert!(h.write_path("gw", &b).unwrap());
    assert_eq!(
        h.paths("gw", T0, T0 + 2000).unwrap(),
        vec![a.clone(), b.clone()]
    );
    // The path in force at `from` comes first.
    assert_eq!(h.paths("gw", T0 + 700, T0 + 800).unwrap(), vec![a]);
    assert_eq!(h.paths("gw", T0 + 1300, T0 + 2000).unwrap(), vec![b]);
    // A target traced before its first step is added.
    let first = trace(T0, &[Some("10.0.0.1")]);
    assert!(h.write_path("new", &first).unwrap());
    assert_eq!(h.paths("new", T0, T0 + 1).unwrap(), vec![first]);
    assert_eq!(h.targets(), vec!["gw".to_owned(), "new".to_owned()]);
}

#[test]
fn a_bad_step_is_refused_with_its_target_and_start() {
    let dir = Scratch::new("history");
    let h = History::open(dir.path(), Retention::default()).unwrap();
    let e = h
        .write(T0, &batch("gw", step(-60, 60, 1, &[1])))
        .unwrap_err();
    assert!(e.to_string().contains("\"gw\" starting at -60"), "{e}");
    assert_eq!(h.pending(), 0);
}

#[test]
fn a_history_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<History>();
}

#[test]
fn a_level_removed_from_the_retention_is_dropped_on_open() {
    let dir = Scratch::new("history");
    {
        let h = History::open(dir.path(), two_levels()).unwrap();
        for s in five_steps(T0) {
            h.write(s.end(), &batch("gw", s)).unwrap();
        }
    }
    let mut one_level = two_levels();
    one_level.levels.remove(0);
    let h = History::open(dir.path(), one_level).unwrap();
    let guard = h.db.read().unwrap();
    let txn = guard.as_ref().unwrap().begin_read().unwrap();
    let names: Vec<String> = txn
        .list_tables()
        .unwrap()
        .map(|t| t.name().to_owned())
        .collect();
    assert!(!names.iter().any(|n| n == "level_300s"), "{names:?}");
    assert!(names.iter().any(|n| n == "level_3600s"), "{names:?}");
}
