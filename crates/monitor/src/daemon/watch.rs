//! Reloading when the configuration file changes: its modification time,
//! length and inode are looked at every [`WATCH_EVERY`] (an editor that
//! writes a new file and renames it over the old one is seen as well as
//! one that writes in place; a stat every few seconds costs nothing).

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::ReloadRequest;

/// How often the file is looked at.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

fn stamp(path: &PathBuf) -> Option<(i64, i64, u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.mtime(), m.mtime_nsec(), m.len(), m.ino()))
}

/// Watches `path`, asking for a reload on `reload` when it changes.
pub fn spawn(path: PathBuf, reload: mpsc::Sender<ReloadRequest>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = stamp(&path);
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            let now = stamp(&path);
            if now.is_some() && now != last {
                last = now;
                let (tx, rx) = oneshot::channel();
                if reload.send(tx).await.is_err() {
                    return;
                }
                let _ = rx.await;
            }
        }
    })
}
