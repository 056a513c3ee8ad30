//! How many bytes the history takes per target per day: fills a store with
//! simulated days of steps and reports the file's size. A measurement, not
//! a check, so it runs only when asked:
//!
//! ```text
//! cargo test -p icmpkit-monitor --test history_size -- --ignored --nocapture
//! ```
//!
//! `HISTORY_SIZE_TARGETS` (default 20) and `HISTORY_SIZE_DAYS` (default 14)
//! change the scale.

use std::path::{Path, PathBuf};

use icmpkit_monitor::history::{History, Retention};
use icmpkit_monitor::step::StepSummary;

const DAY: i64 = 86_400;
const T0: i64 = 1_750_000_000 / DAY * DAY;

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        u32::try_from(self.0 >> 32).unwrap()
    }
}

/// A step of `pings` probes to a target about `base` µs away: a jitter of
/// up to 2 ms, one reply in 50 delayed by up to 50 ms, 1 % lost.
fn step(rng: &mut Rng, start: i64, len: u32, pings: u32, base: u32) -> StepSummary {
    let mut rtts_us = Vec::new();
    for _ in 0..pings {
        if rng.next().is_multiple_of(100) {
            continue;
        }
        let spike = if rng.next().is_multiple_of(50) {
            rng.next() % 50_000
        } else {
            0
        };
        rtts_us.push(base + rng.next() % 2000 + spike);
    }
    rtts_us.sort_unstable();
    StepSummary {
        start,
        step: len,
        sent: pings,
        jitter_us: Some(rng.next() % 1000),
        rtts_us,
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// Fills a store with `days` of `targets` targets probed `pings` times per
/// `len`-second step (one write per simulated hour, to keep the run short), and prints the file size after each day.
fn measure(name: &str, len: u32, pings: u32) {
    let targets = env("HISTORY_SIZE_TARGETS", 20);
    let days = env("HISTORY_SIZE_DAYS", 14);
    let dir = TempDir(std::env::temp_dir().join(format!(
        "icmpkit-history-size-{name}-{}",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&dir.0);
    let h = History::open(&dir.0, Retention::default()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let steps_per_hour = 3600 / i64::from(len);
    let mut last = 0;
    println!("{name}: {targets} targets, {pings} pings per {len} s, default retention");
    for day in 0..days {
        for hour in 0..24 {
            let mut batch = Vec::new();
            for k in 0..steps_per_hour {
                let start = T0 + day * DAY + hour * 3600 + k * i64::from(len);
                for t in 0..targets {
                    let base = 1000 + u32::try_from(t).unwrap() * 300;
                    batch.push((
                        std::sync::Arc::<str>::from(format!("target-{t}")),
                        step(&mut rng, start, len, pings, base),
                    ));
                }
            }
            h.write(T0 + day * DAY + (hour + 1) * 3600, &batch).unwrap();
        }
        let usage = h.usage().unwrap();
        let now = i64::try_from(usage.allocated_bytes).unwrap();
        println!(
            "  day {:>3}: file {:>10} B, pages in use {:>10} B = {:>8} B per target (+{:>7} this day)",
            day + 1,
            usage.file_bytes,
            now,
            now / targets,
            (now - last) / targets
        );
        last = now;
    }
    for t in h.usage().unwrap().tables {
        let n = t.entries.max(1);
        println!(
            "  {:<12} {:>8} entries, {:>4} B stored and {:>4} B of pages each",
            t.name,
            t.entries,
            t.stored_bytes / n,
            t.page_bytes / n,
        );
    }
    let before = size(h.path());
    let shrank = h.compact().unwrap();
    let after = size(h.path());
    println!(
        "  compacted ({shrank}): {before} -> {after} bytes, {} per target",
        after / targets.unsigned_abs()
    );
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn history_bytes_per_target_per_day_at_one_ping_per_second() {
    measure("1ps", 60, 60);
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn history_bytes_per_target_per_day_at_smokeping_twenty_per_300s() {
    measure("smokeping", 300, 20);
}

/// How long one write of 10,000 targets' steps (60 RTTs each) takes, over
/// 15 simulated minutes (three 5-minute points consolidated). Printed, not
/// checked.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn history_write_time_of_ten_thousand_steps() {
    let dir = TempDir(
        std::env::temp_dir().join(format!("icmpkit-history-write-time-{}", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&dir.0);
    let h = History::open(&dir.0, Retention::default()).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let names: Vec<std::sync::Arc<str>> =
        (0..10_000).map(|t| format!("target-{t}").into()).collect();
    for minute in 0..15 {
        let start = T0 + minute * 60;
        let batch: Vec<_> = names
            .iter()
            .map(|n| (n.clone(), step(&mut rng, start, 60, 60, 5000)))
            .collect();
        let began = std::time::Instant::now();
        h.write(start + 60, &batch).unwrap();
        let took = began.elapsed();
        let usage = h.usage().unwrap();
        println!(
            "  minute {minute:>2}: {:>6} ms, file {} B, pages in use {} B",
            took.as_millis(),
            usage.file_bytes,
            usage.allocated_bytes
        );
    }
}
