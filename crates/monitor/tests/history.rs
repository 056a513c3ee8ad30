//! The history store against real failures: a writer killed with SIGKILL
//! in the middle of its writes, and a disk that fills up.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use icmpkit_lab::server::Scratch;
use icmpkit_monitor::history::{History, HistoryError, Retention};
use icmpkit_monitor::step::StepSummary;

const T0: i64 = 1_750_000_020 / 60 * 60;
const TARGETS: usize = 1000;
const CHILD_DIR: &str = "ICMPKIT_HISTORY_CHILD_DIR";
const CHILD_FROM: &str = "ICMPKIT_HISTORY_CHILD_FROM";

/// Batch `i`: one 60 s step per target, its RTTs derived from `i` and the
/// target, so a reader can check every step it finds.
fn batch(i: i64) -> Vec<(std::sync::Arc<str>, StepSummary)> {
    (0..TARGETS)
        .map(|t| (format!("t{t}").into(), expected(i, t)))
        .collect()
}

fn expected(i: i64, t: usize) -> StepSummary {
    let base = u32::try_from(1000 + i % 1000).unwrap() + u32::try_from(t).unwrap();
    let n = 40 + u32::try_from(i % 20).unwrap();
    StepSummary {
        start: T0 + i * 60,
        step: 60,
        sent: 60,
        rtts_us: (0..n).map(|k| base + k * 13).collect(),
        jitter_us: Some(u32::try_from(i % 97).unwrap()),
    }
}

/// The child's side of the SIGKILL test: writes batches from
/// `CHILD_FROM` on, printing each batch's number once it is committed.
/// Without the variables (an ordinary test run) it does nothing.
#[test]
fn history_child_writer() {
    let (Ok(dir), Ok(from)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_FROM)) else {
        return;
    };
    let h = History::open(Path::new(&dir), Retention::default()).unwrap();
    let from: i64 = from.parse().unwrap();
    for i in from.. {
        h.write(T0 + (i + 1) * 60, &batch(i)).unwrap();
        println!("committed {i}");
    }
}

/// How many batches the store holds, checking that each is whole: every
/// target has the same steps, each exactly as written.
fn check_store(dir: &Path) -> i64 {
    let h = History::open(dir, Retention::default()).unwrap();
    let mut count = None;
    for t in 0..TARGETS {
        let series = h
            .range(&format!("t{t}"), T0, T0 + 1_000_000, 1_000_000)
            .unwrap();
        let n = i64::try_from(series.points.len()).unwrap();
        assert_eq!(*count.get_or_insert(n), n, "target t{t} has {n} steps");
        for (i, p) in (0..).zip(&series.points) {
            let s = expected(i, t);
            assert_eq!(p.start, s.start);
            assert_eq!(
                (p.sent, p.lost, p.median_us),
                (s.sent, s.lost(), s.median_us())
            );
        }
    }
    count.unwrap_or(0)
}

#[test]
fn history_killed_mid_write_keeps_whole_batches_and_still_writes() {
    let dir = Scratch::new("sigkill");
    let mut stored = 0;
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "history_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_FROM, stored.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut last = None;
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("committed ") {
                let n: i64 = n.parse().unwrap();
                last = Some(n);
                // Kill after a few batches, at a different moment each round
                // (a write of 1000 steps is under way nearly all the time).
                if n >= stored + 3 + round {
                    break;
                }
            }
        }
        // Child::kill sends SIGKILL.
        child.kill().unwrap();
        child.wait().unwrap();
        let last = last.expect("the child committed batches");
        let found = check_store(dir.path());
        assert!(
            found > last,
            "batch {last} was committed, the store has {found}"
        );
        stored = found;
    }
    // And the store still writes.
    let h = History::open(dir.path(), Retention::default()).unwrap();
    h.write(T0 + (stored + 1) * 60, &batch(stored)).unwrap();
    drop(h);
    assert_eq!(check_store(dir.path()), stored + 1);
}

/// A small tmpfs mounted for the test, unmounted on drop.
struct Tmpfs(Scratch);

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = Scratch::new("tmpfs");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "mount -t tmpfs failed");
        Self(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn history_reports_a_full_disk_and_writes_the_steps_once_space_is_freed() {
    if !icmpkit_lab::require::root("history_reports_a_full_disk") {
        return;
    }
    let fs = Tmpfs::mount("2m");
    let ballast = fs.0.path().join("ballast");
    std::fs::write(&ballast, vec![0u8; 512 * 1024]).unwrap();
    let dir = fs.0.path().join("history");
    let h = History::open(&dir, Retention::default()).unwrap();
    let mut i = 0;
    let error = loop {
        match h.write(T0 + (i + 1) * 60, &batch(i)) {
            Ok(()) => i += 1,
            Err(e) => break e,
        }
        assert!(i < 10_000, "the disk never filled");
    };
    assert!(matches!(error, HistoryError::DiskFull { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("is full") && message.contains(&dir.display().to_string()),
        "{message}"
    );
    assert_eq!(h.pending(), TARGETS);
    // Still readable: every batch written before.
    let before = h.range("t0", T0, T0 + 1_000_000, 1_000_000).unwrap();
    assert_eq!(before.points.len(), usize::try_from(i).unwrap());
    // Space comes back: the failed batch and the next are written.
    std::fs::remove_file(&ballast).unwrap();
    h.write(T0 + (i + 2) * 60, &batch(i + 1)).unwrap();
    assert_eq!(h.pending(), 0);
    drop(h);
    assert_eq!(check_store(&dir), i + 2);
}
