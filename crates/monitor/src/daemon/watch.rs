//! Reloading when the configuration file changes: its modification time,
//! length and inode are looked at every [`WATCH_EVERY`] (an editor that
//! writes a new file and renames it over the old one is seen as well as
//! one that writes in place; a stat every few seconds costs nothing).
//!
//! A change is taken in once it has settled: the file looked the same at
//! two looks in a row. A file written in place is first truncated, then
//! written: seen between the two, it is empty — a valid configuration of
//! no targets, which would drop every target and its counters until the
//! next look.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::ReloadRequest;

/// How often the file is looked at.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// What a look at the file sees: modification time (seconds,
/// nanoseconds), length, inode; `None` when it is missing.
type Stamp = Option<(i64, i64, u64, u64)>;

fn stamp(path: &PathBuf) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.mtime(), m.mtime_nsec(), m.len(), m.ino()))
}

/// The watcher's memory: the file as last loaded, and as last seen.
#[derive(Debug)]
struct Looks {
    loaded: Stamp,
    seen: Stamp,
}

impl Looks {
    fn new(now: Stamp) -> Self {
        Self {
            loaded: now,
            seen: now,
        }
    }

    /// Takes in a look; whether to reload now: the file is there, not
    /// as loaded, and as it was at the look before.
    fn look(&mut self, now: Stamp) -> bool {
        let settled = now == self.seen;
        self.seen = now;
        if now.is_some() && now != self.loaded && settled {
            self.loaded = now;
            return true;
        }
        false
    }
}

/// Watches `path`, asking for a reload on `reload` when it changes.
pub fn spawn(path: PathBuf, reload: mpsc::Sender<ReloadRequest>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut looks = Looks::new(stamp(&path));
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            if looks.look(stamp(&path)) {
                let (tx, rx) = oneshot::channel();
                if reload.send(tx).await.is_err() {
                    return;
                }
                let _ = rx.await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Looks;

    const A: super::Stamp = Some((100, 0, 300, 7));
    const EMPTY: super::Stamp = Some((101, 0, 0, 7));
    const B: super::Stamp = Some((101, 5, 420, 7));
    const RENAMED: super::Stamp = Some((102, 0, 420, 8));

    #[test]
    fn a_file_caught_empty_mid_write_is_not_loaded_the_written_one_is() {
        let mut looks = Looks::new(A);
        assert!(!looks.look(EMPTY), "truncated, not yet written");
        assert!(!looks.look(B), "written since the last look: not settled");
        assert!(looks.look(B), "settled");
        assert!(!looks.look(B), "loaded already");
    }

    #[test]
    fn a_change_is_loaded_once_at_the_second_look_that_sees_it() {
        let mut looks = Looks::new(A);
        assert!(!looks.look(A));
        assert!(!looks.look(RENAMED));
        assert!(looks.look(RENAMED));
        assert!(!looks.look(RENAMED));
    }

    #[test]
    fn a_missing_file_is_never_loaded_and_its_return_as_it_was_is_no_change() {
        let mut looks = Looks::new(A);
        assert!(!looks.look(None));
        assert!(!looks.look(None));
        assert!(!looks.look(A));
        assert!(!looks.look(A));
    }

    #[test]
    fn a_file_changing_at_every_look_waits_until_it_stops() {
        let mut looks = Looks::new(A);
        assert!(!looks.look(EMPTY));
        assert!(!looks.look(B));
        assert!(!looks.look(RENAMED));
        assert!(looks.look(RENAMED));
    }
}
