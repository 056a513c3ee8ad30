//! The history: every step of every target kept in an embedded store
//! (redb), raw for a while, then consolidated smokeping's way.
//!
//! # Layout
//!
//! One redb file, `DIR/history.redb`, with these tables:
//!
//! | table | key | value |
//! |---|---|---|
//! | `raw` | (bucket, target id, offset) | a whole [`StepSummary`], varint encoded (`codec.rs`) |
//! | `level_{step}s` | (bucket, target id, offset) | a consolidated point |
//! | `targets` | name | (id, last step length, last write) |
//! | `pending` | (level step, target id) | start of a point not yet consolidated |
//! | `paths` | (target id, at) | a [`PathRecord`] as JSON, stored when it changed |
//! | `meta` | name | number |
//!
//! A key's bucket is `start / B` and its offset `start % B` (B = 3 h for
//! raw steps, 256 points for a level): a target's steps of a time range
//! are a few contiguous key ranges, and the oldest bucket is at the front
//! of its table, so pruning takes entries off the front, a bounded number
//! per write. A 12-byte key, a ~70-byte step (60 RTTs).
//!
//! # Consolidation
//!
//! Each level point covers `level.step`; it holds sent, lost, the median of
//! the merged RTTs and [`SMOKE_QUANTILES`] quantiles of them (the smoke).
//! The finest level is merged from the raw steps (exactly: every RTT), a
//! coarser one from the finest level whose step divides its own (the smoke
//! values weighted by their point's replies), as an RRD cascades. A point
//! is consolidated when the source that ends it is written (a 60 s step
//! ending at 10:05 closes 10:00–10:05), or when a source of a later point
//! comes (a step was missing); a source for an already consolidated point
//! (a late step) consolidates it again. Only one point's sources are in
//! memory at a time. A step longer than a level's step lands in the point
//! of its start. A raw step written again (the daemon stopped in a step,
//! its partial step written, and started again within it) is merged with
//! the one stored: both runs' probes count.
//!
//! # Failures
//!
//! A write that fails (disk full, I/O error) leaves the store as of the
//! last successful write — readable — and returns the error; its steps are
//! kept in a bounded queue inside [`History`] ([`PENDING_MAX`] steps, the
//! oldest dropped beyond that and counted in [`History::dropped`]) and
//! written with the next call to [`History::write`] or [`History::flush`].
//! The caller logs the error and carries on. After an I/O error redb
//! refuses further use of the file; [`History`] reopens it (redb repairs
//! quickly: every commit saves its allocator state).

//!
//! # Disk
//!
//! Measured (`tests/history_size.rs`, 20 targets, 14 simulated days; redb
//! leaves end about half full, so a page byte is about two stored bytes):
//!
//! | per target | raw step | 5 min point | 1 h point | default retention, steady |
//! |---|---|---|---|---|
//! | 1 ping/s, 60 s steps | 162 B × 1440/day = 233 KB/day | 83 B × 288/day = 24 KB/day | 80 B × 24/day = 1.9 KB/day | 3 d + 10 d + 400 d ≈ 1.7 MB |
//! | 20 pings per 300 s | 70 B × 288/day = 20 KB/day | 84 B × 288/day = 24 KB/day | 81 B × 24/day = 1.9 KB/day | ≈ 1.1 MB |
//!
//! Pruning frees pages that later writes reuse, so the file stops growing
//! once retention is reached; redb grows the file by doubling, so it is up
//! to twice the pages in use. [`History::compact`] gives the free tail
//! back (33.7 MB → 19.6 MB for the first row's 20 targets at day 14); it
//! is not needed to bound the disk. [`History::usage`] reports both.
//!
//! # Use from the daemon
//!
//! Every call blocks on the disk (a write of 10,000 steps commits with an
//! fsync; at a 5-minute boundary it also consolidates 10,000 points):
//! call it from `tokio::task::spawn_blocking` or a thread of its own, with
//! the `History` in an `Arc`.

pub mod codec;
mod index;
mod merge;
pub mod retention;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, Table, TableDefinition,
    TableHandle,
};

use crate::path::PathRecord;
use crate::step::StepSummary;
use index::{TargetEntry, TargetIndex};
use merge::Merger;
pub use retention::{Level, Retention};

/// How many quantiles a consolidated point keeps for the smoke.
pub const SMOKE_QUANTILES: usize = 20;

/// How many steps a failed write keeps for the next try, at most.
pub const PENDING_MAX: usize = 100_000;

/// The store's file name inside the history directory.
pub const FILE_NAME: &str = "history.redb";

/// The cache redb keeps in memory (its default is 1 GiB). Small: a
/// minute's write of 10,000 steps touches about as many leaf pages (40
/// MB), more than any cache a daemon should hold, so they come from the
/// page cache either way; reads are a page's worth of web requests. At
/// 4 MiB it held 420 B per target of a 10,000-target daemon's RSS; at
/// 256 KiB a write of 10,000 steps takes 30-70 ms (280 ms with a 5-minute
/// consolidation; `tests/history_size.rs`), on a blocking thread once a
/// minute, as at 4 MiB within this machine's noise.
pub const CACHE_BYTES: usize = 256 << 10;

/// A raw key's bucket length, seconds.
const RAW_BUCKET: u32 = 3 * 3600;
/// A level key's bucket length, in points.
const LEVEL_BUCKET_POINTS: u32 = 256;
/// Entries deleted per table per write, at least (and at least twice the
/// batch, so pruning outpaces writing).
const PRUNE_MIN: usize = 1024;
/// Targets checked for expiry per write.
const EXPIRE_PER_WRITE: usize = 64;
/// How stale a target's stored last-write time may get before it is
/// refreshed (it only serves expiry, to the hour).
const LAST_WRITE_SLACK: i64 = 3600;

type Key = (u32, u32, u32);
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
/// Name → (id, last step length, last write).
const TARGETS: TableDefinition<&str, (u32, u32, i64)> = TableDefinition::new("targets");
const PENDING: TableDefinition<(u32, u32), i64> = TableDefinition::new("pending");
const PATHS: TableDefinition<(u32, i64), &[u8]> = TableDefinition::new("paths");
const LEVEL_PREFIX: &str = "level_";
const META_NEXT_ID: &str = "next_target_id";
const META_LAST_AT: &str = "last_write_at";

/// What went wrong with the history store. Every message names the file
/// or directory and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The directory could not be created or the file opened for lack of
    /// permission.
    #[error(
        "no permission to use the history at {path}: give the monitor's user write access to it, or set data_dir to a directory it owns"
    )]
    Permission {
        /// The directory or file.
        path: PathBuf,
    },
    /// The file system is full.
    #[error(
        "the disk holding the history {path} is full: free space there or shorten [history] retention; the steps not written are kept in memory and written with the next step"
    )]
    DiskFull {
        /// The store's file.
        path: PathBuf,
    },
    /// Another process has the file open.
    #[error("another icmpkit monitor uses {dir}: stop it, or give this one another data_dir")]
    Locked {
        /// The history directory.
        dir: PathBuf,
    },
    /// The directory could not be created.
    #[error("cannot create the history directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A record does not decode.
    #[error("the history {path} is damaged ({what}): move the file away to start a new history")]
    Damaged {
        /// The store's file.
        path: PathBuf,
        /// What was wrong.
        what: String,
    },
    /// The retention cannot be stored.
    #[error("history retention: {0}")]
    Retention(String),
    /// A step that cannot be stored.
    #[error("step of target {target:?} starting at {start}: {why}")]
    Step {
        /// The target's name.
        target: String,
        /// The step's start.
        start: i64,
        /// Why.
        why: &'static str,
    },
    /// Any other failure of the store.
    #[error("the history {path}: {source}")]
    Store {
        /// The store's file.
        path: PathBuf,
        /// What redb said.
        source: Box<redb::Error>,
    },
}

impl HistoryError {
    /// Whether this is an I/O failure after which redb must be reopened.
    fn needs_reopen(&self) -> bool {
        match self {
            Self::DiskFull { .. } | Self::Permission { .. } => true,
            Self::Store { source, .. } => {
                matches!(**source, redb::Error::Io(_) | redb::Error::PreviousIo)
            }
            _ => false,
        }
    }
}

/// A consolidated (or raw) point of a [`Series`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Point {
    /// The point's start, Unix seconds.
    pub start: i64,
    /// Probes sent.
    pub sent: u32,
    /// Probes lost.
    pub lost: u32,
    /// The median RTT, microseconds; `None` when all were lost.
    pub median_us: Option<u32>,
    /// Sorted RTT quantiles (`min(replies, SMOKE_QUANTILES)` of them, at
    /// ranks `(k + ½) / m`), microseconds; empty when all were lost.
    pub smoke_us: Vec<u32>,
}

/// The points of a target over a time range.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Series {
    /// The length of one point, seconds (raw points: the target's latest
    /// step length).
    pub step: u32,
    /// The points that exist, ascending by start; a missing point (no data)
    /// is absent, not zero.
    pub points: Vec<Point>,
}

/// The disk a store uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The file's length (redb grows it in steps, ahead of use).
    pub file_bytes: u64,
    /// Pages in use, bytes (what compaction would shrink the file to, about).
    pub allocated_bytes: u64,
    /// The step and point tables, raw first.
    pub tables: Vec<TableUsage>,
}

/// The disk one table uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableUsage {
    /// `raw` or `level_{step}s`.
    pub name: String,
    /// Steps or points stored.
    pub entries: u64,
    /// Bytes of keys and values.
    pub stored_bytes: u64,
    /// Bytes of the pages holding them.
    pub page_bytes: u64,
}

/// One table of steps or points.
#[derive(Debug, Clone)]
struct Tier {
    /// Table name.
    name: String,
    /// Point length in seconds; 0 for raw steps.
    step: u32,
    /// Key bucket length, seconds.
    bucket: u32,
    /// How long entries are kept, seconds (the configured keep, longer if
    /// a coarser level consolidates from this one).
    keep: i64,
    /// The tier a level consolidates from (0: raw).
    source: usize,
}

impl Tier {
    fn def(&self) -> TableDefinition<'_, Key, &'static [u8]> {
        TableDefinition::new(&self.name)
    }

    /// Whether a start fits this tier's keys.
    fn fits(&self, start: i64) -> bool {
        start >= 0 && u32::try_from(start.div_euclid(i64::from(self.bucket))).is_ok()
    }
}

fn key_start(bucket_len: u32, key: Key) -> i64 {
    i64::from(key.0) * i64::from(bucket_len) + i64::from(key.2)
}

fn tiers(r: &Retention) -> Result<Vec<Tier>, HistoryError> {
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let mut levels: Vec<(u32, i64)> = Vec::new();
    for l in &r.levels {
        let step = u32::try_from(l.step.as_secs())
            .ok()
            .filter(|&s| s > 0 && s <= u32::MAX / LEVEL_BUCKET_POINTS)
            .ok_or_else(|| {
                HistoryError::Retention(format!(
                    "level step {:?} must be between 1 s and {} s",
                    l.step,
                    u32::MAX / LEVEL_BUCKET_POINTS
                ))
            })?;
        levels.push((step, secs(l.keep)));
    }
    levels.sort_unstable();
    levels.dedup_by_key(|l| l.0);
    let mut tiers = vec![Tier {
        name: "raw".into(),
        step: 0,
        bucket: RAW_BUCKET,
        keep: secs(r.raw),
        source: 0,
    }];
    for (i, &(step, keep)) in levels.iter().enumerate() {
        let source = (0..i)
            .rev()
            .find(|&j| step % levels[j].0 == 0)
            .map_or(0, |j| j + 1);
        tiers.push(Tier {
            name: format!("{LEVEL_PREFIX}{step}s"),
            step,
            bucket: step * LEVEL_BUCKET_POINTS,
            keep,
            source,
        });
        // A source outlives the points it fills.
        let src = &mut tiers[source];
        src.keep = src.keep.max(2 * i64::from(step));
    }
    Ok(tiers)
}

/// What writes share, behind one lock (writes are serialised).
#[derive(Debug, Default)]
struct WriteState {
    targets: TargetIndex,
    next_id: u32,
    /// Steps of failed writes, oldest first.
    pending: VecDeque<(Arc<str>, StepSummary)>,
    dropped: u64,
    /// Where expiry of targets resumes.
    expire_cursor: String,
}

/// The history store. Cheap to share (`Arc<History>`): reads run in
/// parallel with each other and with a write.
#[derive(Debug)]
pub struct History {
    retention: Retention,
    dir: PathBuf,
    path: PathBuf,
    tiers: Vec<Tier>,
    db: RwLock<Option<Database>>,
    write: Mutex<WriteState>,
    last_at: Mutex<Option<i64>>,
}

/// The open tables of a write transaction.
struct WriteTables<'t> {
    tiers: Vec<Table<'t, Key, &'static [u8]>>,
    pending: Table<'t, (u32, u32), i64>,
}

impl History {
    /// Opens (or creates) the history in `dir`, creating the directory.
    /// Levels no longer in `retention` are dropped.
    pub fn open(dir: &Path, retention: Retention) -> Result<History, HistoryError> {
        let tiers = tiers(&retention)?;
        std::fs::create_dir_all(dir).map_err(|source| {
            if source.kind() == io::ErrorKind::PermissionDenied {
                HistoryError::Permission { path: dir.into() }
            } else {
                HistoryError::CreateDir {
                    path: dir.into(),
                    source,
                }
            }
        })?;
        let history = History {
            retention,
            dir: dir.into(),
            path: dir.join(FILE_NAME),
            tiers,
            db: RwLock::new(None),
            write: Mutex::new(WriteState::default()),
            last_at: Mutex::new(None),
        };
        let db = history.open_db()?;
        history.init(&db)?;
        *history.db.write().unwrap_or_else(PoisonError::into_inner) = Some(db);
        Ok(history)
    }

    /// The retention it was opened with.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl Into<redb::Error>) -> HistoryError {
        let e: redb::Error = e.into();
        match &e {
            redb::Error::DatabaseAlreadyOpen => HistoryError::Locked {
                dir: self.dir.clone(),
            },
            redb::Error::Io(io) if is_disk_full(io) => HistoryError::DiskFull {
                path: self.path.clone(),
            },
            redb::Error::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => {
                HistoryError::Permission {
                    path: self.path.clone(),
                }
            }
            redb::Error::Corrupted(what) => HistoryError::Damaged {
                path: self.path.clone(),
                what: what.clone(),
            },
            _ => HistoryError::Store {
                path: self.path.clone(),
                source: Box::new(e),
            },
        }
    }

    fn damaged(&self, m: codec::Malformed) -> HistoryError {
        HistoryError::Damaged {
            path: self.path.clone(),
            what: m.what.into(),
        }
    }

    fn open_db(&self) -> Result<Database, HistoryError> {
        Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&self.path)
            .map_err(|e| self.err(e))
    }

    /// Creates the tables, drops levels no longer configured, loads the
    /// targets.
    fn init(&self, db: &Database) -> Result<(), HistoryError> {
        let txn = db.begin_write().map_err(|e| self.err(e))?;
        {
            let stale: Vec<String> = txn
                .list_tables()
                .map_err(|e| self.err(e))?
                .map(|h| h.name().to_owned())
                .filter(|n| n.starts_with(LEVEL_PREFIX) && !self.tiers.iter().any(|t| &t.name == n))
                .collect();
            for name in stale {
                txn.delete_table(TableDefinition::<Key, &[u8]>::new(&name))
                    .map_err(|e| self.err(e))?;
            }
            for t in &self.tiers {
                txn.open_table(t.def()).map_err(|e| self.err(e))?;
            }
            txn.open_table(PENDING)
                .map_err(|e| self.err(e))?
                .retain(|(step, _), _| self.tiers[1..].iter().any(|t| t.step == step))
                .map_err(|e| self.err(e))?;
            txn.open_table(PATHS).map_err(|e| self.err(e))?;
            let meta = txn.open_table(META).map_err(|e| self.err(e))?;
            let targets = txn.open_table(TARGETS).map_err(|e| self.err(e))?;
            let mut w = self.lock_write();
            let mut rows = Vec::new();
            for row in targets.iter().map_err(|e| self.err(e))? {
                let (k, v) = row.map_err(|e| self.err(e))?;
                let (id, step, last_at) = v.value();
                rows.push((k.value().into(), TargetEntry { id, step, last_at }));
            }
            w.targets = TargetIndex::from_rows(rows);
            let next = |k| -> Result<Option<i64>, HistoryError> {
                Ok(meta.get(k).map_err(|e| self.err(e))?.map(|v| v.value()))
            };
            let max_id = w.targets.values().map(|t| t.id + 1).max().unwrap_or(0);
            w.next_id = u32::try_from(next(META_NEXT_ID)?.unwrap_or(0))
                .unwrap_or(0)
                .max(max_id);
            *self.last_at.lock().unwrap_or_else(PoisonError::into_inner) = next(META_LAST_AT)?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    fn lock_write(&self) -> MutexGuard<'_, WriteState> {
        self.write.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database, reopened if an I/O error closed it.
    fn db(&self) -> Result<RwLockReadGuard<'_, Option<Database>>, HistoryError> {
        {
            let g = self.db.read().unwrap_or_else(PoisonError::into_inner);
            if g.is_some() {
                return Ok(g);
            }
        }
        {
            let mut g = self.db.write().unwrap_or_else(PoisonError::into_inner);
            if g.is_none() {
                *g = Some(self.open_db()?);
            }
        }
        Ok(self.db.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Drops the database after an I/O error: redb refuses every further
    /// call on it; the next call reopens (and repairs) the file.
    fn after_error(&self, e: &HistoryError) {
        if e.needs_reopen() {
            *self.db.write().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }

    /// Writes a batch of closed steps in one transaction, consolidates the
    /// level points they complete, and prunes a bounded number of expired
    /// entries. `at` is now (Unix seconds): retention counts from it.
    ///
    /// On failure nothing of the batch is stored; the steps are kept and
    /// written (before the new ones) by the next `write` or [`flush`]
    /// (see [`PENDING_MAX`]).
    ///
    /// [`flush`]: History::flush
    pub fn write(&self, at: i64, steps: &[(Arc<str>, StepSummary)]) -> Result<(), HistoryError> {
        let mut w = self.lock_write();
        for (name, s) in steps {
            if s.step == 0 || s.start < 0 || !self.tiers.iter().all(|t| t.fits(s.end())) {
                return Err(HistoryError::Step {
                    target: name.to_string(),
                    start: s.start,
                    why: "a step needs a length and a start from 1970 to year 138,000",
                });
            }
        }
        let result = self.write_locked(&mut w, at, steps);
        if let Err(e) = &result {
            self.after_error(e);
            // Only a failure of the disk passes; another (a damaged record)
            // would fail every later write that carried these steps.
            if !e.needs_reopen() {
                return result;
            }
            w.pending.extend(steps.iter().cloned());
            while w.pending.len() > PENDING_MAX {
                w.pending.pop_front();
                w.dropped += 1;
            }
        }
        result
    }

    /// Writes the steps kept from failed writes, if any, and prunes.
    pub fn flush(&self, at: i64) -> Result<(), HistoryError> {
        self.write(at, &[])
    }

    /// Steps kept from failed writes, waiting for the next write.
    pub fn pending(&self) -> usize {
        self.lock_write().pending.len()
    }

    /// Steps dropped because more than [`PENDING_MAX`] were waiting.
    pub fn dropped(&self) -> u64 {
        self.lock_write().dropped
    }

    fn write_locked(
        &self,
        w: &mut WriteState,
        at: i64,
        steps: &[(Arc<str>, StepSummary)],
    ) -> Result<(), HistoryError> {
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
        let mut txn = db.begin_write().map_err(|e| self.err(e))?;
        txn.set_quick_repair(true);
        // Targets added or changed by this transaction (removed: last_at MIN).
        let mut targets: HashMap<Arc<str>, TargetEntry> = HashMap::new();
        let mut next_id = w.next_id;
        let pending: Vec<(Arc<str>, StepSummary)> = w.pending.iter().cloned().collect();
        let batch = pending.len() + steps.len();
        {
            let mut tables = WriteTables {
                tiers: self
                    .tiers
                    .iter()
                    .map(|t| txn.open_table(t.def()))
                    .collect::<Result<_, _>>()
                    .map_err(|e| self.err(e))?,
                pending: txn.open_table(PENDING).map_err(|e| self.err(e))?,
            };
            let mut target_table = txn.open_table(TARGETS).map_err(|e| self.err(e))?;
            let mut buf = Vec::with_capacity(256);
            for (name, s) in pending.iter().chain(steps) {
                w.targets.share(name);
                let entry = if let Some(&e) = targets.get(name).or_else(|| w.targets.get(name)) {
                    e
                } else {
                    let e = TargetEntry {
                        id: next_id,
                        step: 0,
                        last_at: i64::MIN,
                    };
                    next_id = next_id.checked_add(1).ok_or_else(|| {
                        HistoryError::Retention("more than 4 billion targets".into())
                    })?;
                    e
                };
                let mut updated = entry;
                updated.step = s.step;
                if entry.step != s.step || at.saturating_sub(entry.last_at) >= LAST_WRITE_SLACK {
                    updated.last_at = at;
                    target_table
                        .insert(&**name, (updated.id, updated.step, updated.last_at))
                        .map_err(|e| self.err(e))?;
                    targets.insert(name.clone(), updated);
                }
                let key = self.key(0, entry.id, s.start);
                // The same step written before (the daemon stopped and
                // started again within it): the two parts are one step.
                let earlier = tables.tiers[0]
                    .get(key)
                    .map_err(|e| self.err(e))?
                    .and_then(|old| codec::decode_step(s.start, old.value()).ok())
                    .filter(|old| old.step == s.step);
                let merged = earlier.map(|old| old.merged(s));
                let s = merged.as_ref().unwrap_or(s);
                buf.clear();
                codec::encode_step(s, &mut buf);
                tables.tiers[0]
                    .insert(key, buf.as_slice())
                    .map_err(|e| self.err(e))?;
                self.feed(&mut tables, 0, entry.id, s.start, s.end())?;
            }
            let budget = PRUNE_MIN.max(2 * batch);
            for (i, t) in self.tiers.iter().enumerate() {
                self.prune(&mut tables.tiers[i], t, at, budget)?;
            }
            drop(tables);
            drop(target_table);
            self.expire(&txn, w, &mut targets, at)?;
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            meta.insert(META_NEXT_ID, i64::from(next_id))
                .map_err(|e| self.err(e))?;
            meta.insert(META_LAST_AT, at).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))?;
        w.targets.apply(targets);
        w.next_id = next_id;
        w.pending.clear();
        *self.last_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(at);
        Ok(())
    }

    fn key(&self, tier: usize, id: u32, start: i64) -> Key {
        let t = &self.tiers[tier];
        let b = i64::from(t.bucket);
        // Callers checked the start (steps) or derived it from one (points).
        let bucket = u32::try_from(start.div_euclid(b)).unwrap_or(u32::MAX);
        let offset = u32::try_from(start.rem_euclid(b)).unwrap_or(0);
        (bucket, id, offset)
    }

    /// A source of the levels above `tier` was written: `[start, end)` of
    /// target `id`. Consolidates the points it completes.
    fn feed(
        &self,
        tables: &mut WriteTables<'_>,
        tier: usize,
        id: u32,
        start: i64,
        end: i64,
    ) -> Result<(), HistoryError> {
        for (l, level) in self.tiers.iter().enumerate().skip(1) {
            if level.source != tier {
                continue;
            }
            let len = i64::from(level.step);
            let p = start.div_euclid(len) * len;
            let pkey = (level.step, id);
            let pending = tables
                .pending
                .get(pkey)
                .map_err(|e| self.err(e))?
                .map(|v| v.value());
            let mut now_pending = pending;
            if let Some(q) = pending
                && q < p
            {
                self.consolidate(tables, l, id, q)?;
                now_pending = None;
            }
            // A late source for a point already consolidated (no pending
            // mark, but the point is there) consolidates it again.
            let redo = now_pending.is_some_and(|q| p < q)
                || (now_pending.is_none()
                    && tables.tiers[l]
                        .get(self.key(l, id, p))
                        .map_err(|e| self.err(e))?
                        .is_some());
            if end >= p + len || redo {
                self.consolidate(tables, l, id, p)?;
                if now_pending == Some(p) {
                    now_pending = None;
                }
            } else if now_pending.is_none() {
                now_pending = Some(p);
            }
            if now_pending != pending {
                match now_pending {
                    Some(q) => tables.pending.insert(pkey, q).map(|_| ()),
                    None => tables.pending.remove(pkey).map(|_| ()),
                }
                .map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }

    /// Computes level `l`'s point at `p` of target `id` from its source
    /// and stores it; then feeds the levels above.
    fn consolidate(
        &self,
        tables: &mut WriteTables<'_>,
        l: usize,
        id: u32,
        p: i64,
    ) -> Result<(), HistoryError> {
        let level = &self.tiers[l];
        let end = p + i64::from(level.step);
        let source = level.source;
        let mut merger = Merger::default();
        self.scan(&tables.tiers[source], source, id, p, end, |start, bytes| {
            if source == 0 {
                merger.add_step(&codec::decode_step(start, bytes)?);
            } else {
                merger.add_point(&codec::decode_point(bytes)?);
            }
            Ok(())
        })?;
        if merger.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(64);
        codec::encode_point(&merger.finish(), &mut buf);
        let key = self.key(l, id, p);
        tables.tiers[l]
            .insert(key, buf.as_slice())
            .map_err(|e| self.err(e))?;
        self.feed(tables, l, id, p, end)
    }

    /// Calls `f` with every entry of target `id` in tier `tier` starting
    /// in `[from, to)`, in order.
    fn scan(
        &self,
        table: &impl ReadableTable<Key, &'static [u8]>,
        tier: usize,
        id: u32,
        from: i64,
        to: i64,
        mut f: impl FnMut(i64, &[u8]) -> Result<(), codec::Malformed>,
    ) -> Result<(), HistoryError> {
        let t = &self.tiers[tier];
        if to <= from {
            return Ok(());
        }
        let (b0, _, _) = self.key(tier, id, from.max(0));
        let (b1, _, _) = self.key(tier, id, (to - 1).max(0));
        for b in b0..=b1 {
            let lo = if b == b0 {
                self.key(tier, id, from.max(0))
            } else {
                (b, id, 0)
            };
            let hi = if b == b1 {
                self.key(tier, id, (to - 1).max(0))
            } else {
                (b, id, u32::MAX)
            };
            for row in table.range(lo..=hi).map_err(|e| self.err(e))? {
                let (k, v) = row.map_err(|e| self.err(e))?;
                f(key_start(t.bucket, k.value()), v.value()).map_err(|m| self.damaged(m))?;
            }
        }
        Ok(())
    }

    /// Deletes up to `budget` entries of whole buckets older than `keep`.
    fn prune(
        &self,
        table: &mut Table<'_, Key, &'static [u8]>,
        t: &Tier,
        at: i64,
        budget: usize,
    ) -> Result<(), HistoryError> {
        let cutoff = at.saturating_sub(t.keep);
        let Ok(cutoff_bucket) = u32::try_from(cutoff.div_euclid(i64::from(t.bucket))) else {
            return Ok(());
        };
        let mut keys = Vec::new();
        for row in table
            .range(..(cutoff_bucket, 0, 0))
            .map_err(|e| self.err(e))?
            .take(budget)
        {
            keys.push(row.map_err(|e| self.err(e))?.0.value());
        }
        for k in keys {
            table.remove(k).map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

impl History {
    /// Removes up to [`EXPIRE_PER_WRITE`] targets not written for longer
    /// than the longest retention (their data is gone by then), with their
    /// paths.
    fn expire(
        &self,
        txn: &redb::WriteTransaction,
        w: &mut WriteState,
        changes: &mut HashMap<Arc<str>, TargetEntry>,
        at: i64,
    ) -> Result<(), HistoryError> {
        let longest = self.tiers.iter().map(|t| t.keep).max().unwrap_or(0);
        let table = txn.open_table(TARGETS).map_err(|e| self.err(e))?;
        let mut expired = Vec::new();
        let mut last = None;
        for row in table
            .range(w.expire_cursor.as_str()..)
            .map_err(|e| self.err(e))?
            .take(EXPIRE_PER_WRITE)
        {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let (id, step, last_at) = v.value();
            let name = k.value().to_owned();
            if last_at < at.saturating_sub(longest) {
                expired.push((name.clone(), TargetEntry { id, step, last_at }));
            }
            last = Some(name);
        }
        w.expire_cursor = match last {
            // Resume after the last one seen ("\0" sorts right after it).
            Some(name) => name + "\0",
            None => String::new(),
        };
        drop(table);
        for (name, e) in expired {
            self.remove_target(txn, &name, e.id)?;
            changes.insert(
                name.into(),
                TargetEntry {
                    last_at: i64::MIN,
                    ..e
                },
            );
        }
        Ok(())
    }

    /// Deletes a target's name, paths and pending marks; its steps and
    /// points, unreachable without the name, expire with their buckets.
    fn remove_target(
        &self,
        txn: &redb::WriteTransaction,
        name: &str,
        id: u32,
    ) -> Result<(), HistoryError> {
        txn.open_table(TARGETS)
            .map_err(|e| self.err(e))?
            .remove(name)
            .map_err(|e| self.err(e))?;
        txn.open_table(PATHS)
            .map_err(|e| self.err(e))?
            .retain_in((id, i64::MIN)..=(id, i64::MAX), |_, _| false)
            .map_err(|e| self.err(e))?;
        let mut pending = txn.open_table(PENDING).map_err(|e| self.err(e))?;
        for t in &self.tiers[1..] {
            pending.remove((t.step, id)).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Forgets a target: its name and paths now, its steps and points as
    /// they expire (a target of the same name later starts a new history).
    /// A target merely removed from the configuration needs no call: its
    /// history stays until retention ends. Returns whether it was known.
    pub fn forget(&self, target: &str) -> Result<bool, HistoryError> {
        let mut w = self.lock_write();
        let Some(entry) = w.targets.get(target).copied() else {
            return Ok(false);
        };
        let result = (|| {
            let guard = self.db()?;
            let db = guard
                .as_ref()
                .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
            let mut txn = db.begin_write().map_err(|e| self.err(e))?;
            txn.set_quick_repair(true);
            self.remove_target(&txn, target, entry.id)?;
            txn.commit().map_err(|e| self.err(e))
        })();
        match result {
            Ok(()) => {
                w.targets.remove(target);
                w.pending.retain(|(name, _)| **name != *target);
                Ok(true)
            }
            Err(e) => {
                self.after_error(&e);
                Err(e)
            }
        }
    }

    /// The names of the targets with history, sorted.
    pub fn targets(&self) -> Vec<String> {
        self.lock_write()
            .targets
            .keys()
            .map(ToString::to_string)
            .collect()
    }

    /// Stores a trace of `target` (a target not yet known is added) when
    /// its path differs from the last one
    /// stored (another hop, [`PathRecord::changed_from`]; or a change of
    /// `reached` or `pmtu`). Returns whether it was stored. So [`paths`]
    /// holds the changes: each record is the path from its `at` until the
    /// next one's. Records older than the longest retention are deleted
    /// here, except the newest.
    ///
    /// [`paths`]: History::paths
    pub fn write_path(&self, target: &str, record: &PathRecord) -> Result<bool, HistoryError> {
        let mut w = self.lock_write();
        let known = w.targets.get(target).copied();
        let entry = known.unwrap_or(TargetEntry {
            id: w.next_id,
            step: 0,
            last_at: record.at,
        });
        let result = (|| {
            let guard = self.db()?;
            let db = guard
                .as_ref()
                .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
            let mut txn = db.begin_write().map_err(|e| self.err(e))?;
            txn.set_quick_repair(true);
            if known.is_none() {
                txn.open_table(TARGETS)
                    .map_err(|e| self.err(e))?
                    .insert(target, (entry.id, entry.step, entry.last_at))
                    .map_err(|e| self.err(e))?;
                txn.open_table(META)
                    .map_err(|e| self.err(e))?
                    .insert(META_NEXT_ID, i64::from(entry.id) + 1)
                    .map_err(|e| self.err(e))?;
            }
            let stored = {
                let mut table = txn.open_table(PATHS).map_err(|e| self.err(e))?;
                let last = table
                    .range((entry.id, i64::MIN)..=(entry.id, i64::MAX))
                    .map_err(|e| self.err(e))?
                    .next_back()
                    .transpose()
                    .map_err(|e| self.err(e))?
                    .map(|(_, v)| serde_json::from_slice::<PathRecord>(v.value()))
                    .transpose()
                    .map_err(|e| HistoryError::Damaged {
                        path: self.path.clone(),
                        what: format!("path record: {e}"),
                    })?;
                let differs = last.as_ref().is_none_or(|l| {
                    record.changed_from(l) || record.reached != l.reached || record.pmtu != l.pmtu
                });
                if differs {
                    let json = serde_json::to_vec(record).map_err(|e| HistoryError::Damaged {
                        path: self.path.clone(),
                        what: format!("path record: {e}"),
                    })?;
                    table
                        .insert((entry.id, record.at), json.as_slice())
                        .map_err(|e| self.err(e))?;
                }
                let longest = self.tiers.iter().map(|t| t.keep).max().unwrap_or(0);
                let cutoff = record.at.saturating_sub(longest);
                let newest = table
                    .range((entry.id, i64::MIN)..=(entry.id, i64::MAX))
                    .map_err(|e| self.err(e))?
                    .next_back()
                    .transpose()
                    .map_err(|e| self.err(e))?
                    .map_or(i64::MIN, |(k, _)| k.value().1);
                let end = cutoff.min(newest);
                table
                    .retain_in((entry.id, i64::MIN)..(entry.id, end), |_, _| false)
                    .map_err(|e| self.err(e))?;
                differs
            };
            txn.commit().map_err(|e| self.err(e))?;
            Ok(stored)
        })();
        match result {
            Ok(stored) => {
                if known.is_none() {
                    w.targets.insert(target.into(), entry);
                    w.next_id = entry.id + 1;
                }
                Ok(stored)
            }
            Err(e) => {
                self.after_error(&e);
                Err(e)
            }
        }
    }

    /// The paths of `target` in force from `from` to `to`: the record in
    /// force at `from` (the last one before it) and every change up to `to`.
    pub fn paths(&self, target: &str, from: i64, to: i64) -> Result<Vec<PathRecord>, HistoryError> {
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
        let txn = db.begin_read().map_err(|e| self.err(e))?;
        let Some(id) = Self::target_id(&txn, target).map_err(|e| self.err(e))? else {
            return Ok(Vec::new());
        };
        let table = txn.open_table(PATHS).map_err(|e| self.err(e))?;
        let before = table
            .range((id, i64::MIN)..(id, from))
            .map_err(|e| self.err(e))?
            .next_back();
        let mut out = Vec::new();
        for row in before.into_iter().chain(
            table
                .range((id, from)..=(id, to))
                .map_err(|e| self.err(e))?,
        ) {
            let (_, v) = row.map_err(|e| self.err(e))?;
            out.push(
                serde_json::from_slice(v.value()).map_err(|e| HistoryError::Damaged {
                    path: self.path.clone(),
                    what: format!("path record: {e}"),
                })?,
            );
        }
        Ok(out)
    }

    fn target_id(txn: &redb::ReadTransaction, target: &str) -> Result<Option<u32>, redb::Error> {
        let table = txn.open_table(TARGETS)?;
        Ok(table.get(target)?.map(|v| v.value().0))
    }

    /// The points of `target` that start before `to` and end after `from`
    /// (Unix seconds), at most `max_points` (at least one).
    ///
    /// The source is the finest tier (raw steps, then the levels) whose
    /// retention reaches back to `from` (counted from the last write) and
    /// which yields at most `max_points` over the range; when even the
    /// coarsest covering tier yields more, its points are merged on the fly
    /// into points of a multiple of its step. When no tier reaches `from`,
    /// the one kept longest is used.
    ///
    /// The newest level point is consolidated when its last source is
    /// written: a coarse series ends up to one point before now.
    pub fn range(
        &self,
        target: &str,
        from: i64,
        to: i64,
        max_points: usize,
    ) -> Result<Series, HistoryError> {
        let max_points = i64::try_from(max_points.max(1)).unwrap_or(i64::MAX);
        let now =
            (*self.last_at.lock().unwrap_or_else(PoisonError::into_inner)).unwrap_or_else(unix_now);
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
        let txn = db.begin_read().map_err(|e| self.err(e))?;
        let targets = txn.open_table(TARGETS).map_err(|e| self.err(e))?;
        let Some((id, raw_step, _)) = targets
            .get(target)
            .map_err(|e| self.err(e))?
            .map(|v| v.value())
        else {
            return Ok(Series::default());
        };
        let step_of = |i: usize| {
            i64::from(if i == 0 {
                raw_step.max(1)
            } else {
                self.tiers[i].step
            })
        };
        let span = (to - from).max(1);
        let covering: Vec<usize> = (0..self.tiers.len())
            .filter(|&i| from >= now.saturating_sub(self.tiers[i].keep))
            .collect();
        let (tier, factor) = if covering.is_empty() {
            let longest = (0..self.tiers.len())
                .max_by_key(|&i| (self.tiers[i].keep, step_of(i)))
                .unwrap_or(0);
            (longest, 1)
        } else {
            let fits = covering
                .iter()
                .copied()
                .filter(|&i| ceil_div(span, step_of(i)) <= max_points)
                .min_by_key(|&i| step_of(i));
            if let Some(i) = fits {
                (i, 1)
            } else {
                let i = covering
                    .iter()
                    .copied()
                    .max_by_key(|&i| step_of(i))
                    .unwrap_or(0);
                (i, ceil_div(ceil_div(span, step_of(i)), max_points))
            }
        };
        let step = step_of(tier);
        let out_step = step * factor;
        let table = txn
            .open_table(self.tiers[tier].def())
            .map_err(|e| self.err(e))?;
        let mut points = Vec::new();
        let mut current: Option<(i64, Merger)> = None;
        // Entries starting before `from` but overlapping it count.
        let scan_from = (from - step + 1).div_euclid(out_step) * out_step;
        self.scan(
            &table,
            tier,
            id,
            scan_from,
            to.saturating_add(1),
            |start, bytes| {
                let bin = start.div_euclid(out_step) * out_step;
                if current.as_ref().is_none_or(|(b, _)| *b != bin) {
                    if let Some((b, m)) = current.take() {
                        points.push(point(b, m));
                    }
                    current = Some((bin, Merger::default()));
                }
                if let Some((_, m)) = current.as_mut() {
                    if tier == 0 {
                        m.add_step(&codec::decode_step(start, bytes)?);
                    } else {
                        m.add_point(&codec::decode_point(bytes)?);
                    }
                }
                Ok(())
            },
        )?;
        if let Some((b, m)) = current {
            points.push(point(b, m));
        }
        Ok(Series {
            step: u32::try_from(out_step).unwrap_or(u32::MAX),
            points,
        })
    }

    /// How much disk the store uses, for the bench and `/metrics`. Takes
    /// (and abandons) a write transaction: call it rarely.
    pub fn usage(&self) -> Result<Usage, HistoryError> {
        let file_bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let guard = self.db()?;
        let db = guard
            .as_ref()
            .ok_or_else(|| self.err(redb::Error::DatabaseClosed))?;
        let (allocated_pages, page_size) = {
            let _w = self.lock_write();
            let txn = db.begin_write().map_err(|e| self.err(e))?;
            let stats = txn.stats().map_err(|e| self.err(e))?;
            (stats.allocated_pages(), stats.page_size() as u64)
        };
        let txn = db.begin_read().map_err(|e| self.err(e))?;
        let mut tables = Vec::new();
        for t in &self.tiers {
            let table = txn.open_table(t.def()).map_err(|e| self.err(e))?;
            let stats = table.stats().map_err(|e| self.err(e))?;
            tables.push(TableUsage {
                name: t.name.clone(),
                entries: table.len().map_err(|e| self.err(e))?,
                stored_bytes: stats.stored_bytes(),
                page_bytes: (stats.leaf_pages() + stats.branch_pages()) * page_size,
            });
        }
        Ok(Usage {
            file_bytes,
            allocated_bytes: allocated_pages * page_size,
            tables,
        })
    }

    /// Compacts the file (redb gives freed pages back to the file system
    /// only so). Waits for reads in progress and blocks others meanwhile;
    /// worth it after retention was shortened. Returns whether it shrank.
    pub fn compact(&self) -> Result<bool, HistoryError> {
        let _w = self.lock_write();
        let mut g = self.db.write().unwrap_or_else(PoisonError::into_inner);
        match g.as_mut() {
            Some(db) => db.compact().map_err(|e| self.err(e)),
            None => Ok(false),
        }
    }
}

fn point(start: i64, m: Merger) -> Point {
    let p = m.finish();
    Point {
        start,
        sent: p.sent,
        lost: p.lost,
        median_us: p.median_us,
        smoke_us: p.smoke_us,
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn is_disk_full(e: &io::Error) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    e.kind() == io::ErrorKind::StorageFull
        || e.kind() == io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(ENOSPC | EDQUOT))
}

/// `a / b` rounded up, for positive `b`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0)
}
