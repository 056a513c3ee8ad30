//! What the daemon knows now, per target: the shared state that `/metrics`,
//! the web pages and `/api` read. The daemon's aggregation task is its one
//! writer.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use crate::path::PathRecord;
use crate::step::StepBrief;

/// The upper bounds of the RTT histogram, in seconds: `smokeping_prober`'s
/// buckets, 50 µs × 2^k for k in 0..20 (50 µs to 26.2 s).
pub fn rtt_buckets() -> impl Iterator<Item = f64> {
    (0..20).map(|k| 50e-6 * f64::from(1u32 << k))
}

/// A target's RTT histogram (every answered probe since the start), in
/// [`rtt_buckets`]. A target's RTTs mostly fall in a few neighbouring
/// buckets, so the counts are kept for a window of eight buckets in
/// 32 bits (40 bytes, not 168, for each of tens of thousands of targets),
/// moved when an RTT falls outside it and all counted still fit; an RTT
/// that does not fit (a spread wider than the window) or a count that
/// would overflow 32 bits widens them to every bucket in 64 bits, boxed.
#[derive(Debug, Clone, Default)]
pub struct RttHistogram {
    counts: Counts,
    /// The sum of every RTT, seconds.
    pub sum: f64,
}

/// How many neighbouring buckets a narrow histogram counts: a factor of
/// 2^8 between its fastest and slowest RTT.
const WINDOW: usize = 8;

/// The number of buckets: [`rtt_buckets`] and the one above the last bound.
const BUCKETS: usize = 21;

/// Per bucket (not cumulative); the last slot counts RTTs above the last
/// bound.
#[derive(Debug, Clone)]
enum Counts {
    /// Buckets `base .. base + WINDOW`; the others are zero.
    Window { base: u8, counts: [u32; WINDOW] },
    /// Every bucket.
    Wide(Box<[u64; BUCKETS]>),
}

impl Default for Counts {
    fn default() -> Self {
        Counts::Window {
            base: 0,
            counts: [0; WINDOW],
        }
    }
}

impl PartialEq for RttHistogram {
    /// The same counts and sum, however they are kept.
    fn eq(&self, other: &Self) -> bool {
        self.counts() == other.counts() && self.sum.to_bits() == other.sum.to_bits()
    }
}

impl RttHistogram {
    /// Counts one RTT of `rtt_us` microseconds.
    pub fn observe(&mut self, rtt_us: u32) {
        let mut bucket = BUCKETS - 1;
        let mut bound = 50u64;
        for k in 0..BUCKETS - 1 {
            if u64::from(rtt_us) <= bound {
                bucket = k;
                break;
            }
            bound *= 2;
        }
        self.add(bucket, 1);
        self.sum += f64::from(rtt_us) / 1e6;
    }

    /// Adds `n` to bucket `bucket` (0 to 20): in the window when it is
    /// there and fits, after moving the window when everything counted
    /// fits in it with `bucket`, and otherwise after widening.
    fn add(&mut self, bucket: usize, n: u64) {
        if let Counts::Window { base, counts } = &mut self.counts {
            let at = usize::from(*base);
            if !(at..at + WINDOW).contains(&bucket) {
                let mut used = counts.iter().enumerate().filter(|(_, c)| **c > 0);
                let lo = used
                    .clone()
                    .next()
                    .map_or(bucket, |(i, _)| (at + i).min(bucket));
                let hi = used
                    .next_back()
                    .map_or(bucket, |(i, _)| (at + i).max(bucket));
                if hi - lo < WINDOW {
                    let new_base = lo.min(BUCKETS - WINDOW);
                    let mut moved = [0; WINDOW];
                    for (i, c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                        moved[at + i - new_base] = *c;
                    }
                    *counts = moved;
                    *base = u8::try_from(new_base).unwrap_or(0);
                }
            }
            let at = usize::from(*base);
            if let Some(slot) = bucket.checked_sub(at).filter(|i| *i < WINDOW)
                && let Some(sum) = u32::try_from(n)
                    .ok()
                    .and_then(|n| counts[slot].checked_add(n))
            {
                counts[slot] = sum;
                return;
            }
            self.counts = Counts::Wide(Box::new(self.counts()));
        }
        if let Counts::Wide(c) = &mut self.counts {
            c[bucket] = c[bucket].saturating_add(n);
        }
    }

    /// The count of each bucket (not cumulative), the last above the last
    /// bound.
    pub fn counts(&self) -> [u64; BUCKETS] {
        match &self.counts {
            Counts::Window { base, counts } => {
                let mut all = [0; BUCKETS];
                let at = usize::from(*base);
                for (i, c) in counts.iter().enumerate() {
                    all[at + i] = u64::from(*c);
                }
                all
            }
            Counts::Wide(c) => **c,
        }
    }

    /// The number of RTTs counted.
    pub fn count(&self) -> u64 {
        match &self.counts {
            Counts::Window { counts, .. } => counts.iter().map(|c| u64::from(*c)).sum(),
            Counts::Wide(c) => c.iter().sum(),
        }
    }
}

/// One target now. Tens of thousands are kept: its names are shared with
/// the configuration and its group's other targets, its last step is
/// kept without its RTTs, its answers are counted once (in its RTT
/// histogram), and what few targets have (a path, a problem) is boxed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetStatus {
    /// Its unique name (the `target` label).
    pub name: Arc<str>,
    /// The host as configured (the `host` label).
    pub host: Arc<str>,
    /// The address probed; `None` while the name does not resolve.
    pub ip: Option<IpAddr>,
    /// Its group's name.
    pub group: Arc<str>,
    /// Its labels (group's and own; shared by the targets of a group that
    /// have none of their own).
    pub labels: Arc<BTreeMap<String, String>>,
    /// Probes per step, as configured (the scale of its loss colours).
    pub pings: u32,
    /// Probes sent since the daemon started.
    pub sent: u64,
    /// The RTT of every probe answered since the start (duplicates not
    /// counted): its count is [`TargetStatus::received`].
    pub rtt: RttHistogram,
    /// The last closed step (its RTTs are in the history).
    pub last_step: Option<StepBrief>,
    /// Up: the last closed step had an answer; `None` before the first.
    pub up: Option<bool>,
    /// Its path and problem, when it has either.
    pub rare: Option<Box<Rare>>,
}

/// What a target has only sometimes: a path (when traced) and a problem.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rare {
    /// The last path traced.
    pub path: Option<PathRecord>,
    /// How many times the path changed since the start.
    pub path_changes: u64,
    /// Why the target is not probed, when it is not (a name that does not
    /// resolve, a send refused).
    pub problem: Option<Box<str>>,
}

impl TargetStatus {
    /// Probes answered since the daemon started (duplicates not counted).
    pub fn received(&self) -> u64 {
        self.rtt.count()
    }

    /// The last path traced.
    pub fn path(&self) -> Option<&PathRecord> {
        self.rare.as_ref()?.path.as_ref()
    }

    /// How many times the path changed since the start.
    pub fn path_changes(&self) -> u64 {
        self.rare.as_ref().map_or(0, |r| r.path_changes)
    }

    /// Why the target is not probed, when it is not.
    pub fn problem(&self) -> Option<&str> {
        self.rare.as_ref()?.problem.as_deref()
    }

    /// Sets or clears the problem.
    pub fn set_problem(&mut self, problem: Option<Box<str>>) {
        match (&mut self.rare, problem) {
            (Some(rare), problem) => rare.problem = problem,
            (None, None) => return,
            (None, problem) => {
                self.rare = Some(Box::new(Rare {
                    problem,
                    ..Rare::default()
                }));
            }
        }
        self.shed_rare();
    }

    /// Takes `record` as the last path, counting a change from the one
    /// before ([`PathRecord::changed_from`]); returns the one before.
    pub fn set_path(&mut self, record: PathRecord) -> Option<PathRecord> {
        let rare = self.rare.get_or_insert_default();
        let earlier = rare.path.replace(record);
        if let (Some(e), Some(now)) = (&earlier, &rare.path)
            && now.changed_from(e)
        {
            rare.path_changes += 1;
        }
        earlier
    }

    /// Frees the box when it holds nothing.
    fn shed_rare(&mut self) {
        if self.rare.as_deref().is_some_and(|r| *r == Rare::default()) {
            self.rare = None;
        }
    }
}

/// Everything the daemon knows now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Live {
    /// The `agent` label.
    pub agent: String,
    /// Every target, in configuration order.
    pub targets: Vec<TargetStatus>,
    /// Samples that came for a step already closed.
    pub late_samples: u64,
    /// Probes in flight when their prober stopped (a reload, a restart of
    /// the probers, the end): sent, never answered nor timed out.
    pub probes_abandoned: u64,
    /// Datagrams the kernel dropped for a full receive queue (answers
    /// lost on this host, not on the network).
    pub kernel_drops: u64,
    /// Steps the history holds back after a failed write (written with
    /// the next one that succeeds).
    pub history_pending: u64,
    /// Steps the history dropped: its backlog was full.
    pub history_dropped: u64,
    /// Configuration reloads that succeeded and failed, and the last
    /// failure's message.
    pub reloads: (u64, u64, Option<String>),
}

impl Live {
    /// The daemon-wide counters of `self`, with no targets (what a reload
    /// carries over).
    #[must_use]
    pub fn clone_counters(&self) -> Self {
        Self {
            agent: self.agent.clone(),
            targets: Vec::new(),
            reloads: self.reloads.clone(),
            ..*self
        }
    }
}

/// The live state shared between the daemon's tasks.
pub type SharedLive = Arc<RwLock<Live>>;

#[cfg(test)]
mod tests;
