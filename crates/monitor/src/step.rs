//! Samples and steps, without I/O: every probe's outcome is a [`Sample`];
//! [`Steps`] gathers each target's samples into the step they were sent
//! in and hands out a [`StepSummary`] once no sample of it can still come.
//!
//! A step of length `L` starts at a multiple of `L` since the Unix epoch
//! (as smokeping's RRD steps do), so every agent and every restart agrees
//! on the boundaries. A step closes `timeout + CLOSE_GRACE` after its end:
//! a probe sent in its last instant has then either been answered or
//! timed out. A sample for a step already closed (a clock step back) is
//! counted in [`Steps::late`], never silently dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long after a step's end plus the probe timeout it stays open for
/// samples still on their way through the daemon.
pub const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// One probe's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// The target's index in the running configuration.
    pub target: usize,
    /// When the probe was sent, Unix milliseconds.
    pub sent_ms: i64,
    /// Its round-trip time in microseconds; `None` when it went unanswered.
    pub rtt_us: Option<u32>,
}

/// What one target's step measured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepSummary {
    /// The step's start, Unix seconds (a multiple of `step`).
    pub start: i64,
    /// The step's length in seconds.
    pub step: u32,
    /// Probes sent in the step.
    pub sent: u32,
    /// The answered probes' RTTs in microseconds, ascending.
    pub rtts_us: Vec<u32>,
    /// The mean absolute difference of successive RTTs (in the order the
    /// replies came), microseconds; `None` below two replies.
    pub jitter_us: Option<u32>,
}

impl StepSummary {
    /// Probes answered.
    pub fn received(&self) -> u32 {
        u32::try_from(self.rtts_us.len()).unwrap_or(u32::MAX)
    }

    /// Probes unanswered.
    pub fn lost(&self) -> u32 {
        self.sent.saturating_sub(self.received())
    }

    /// The fraction of probes lost, 0.0 to 1.0; `None` when none was sent.
    pub fn loss(&self) -> Option<f64> {
        (self.sent > 0).then(|| f64::from(self.lost()) / f64::from(self.sent))
    }

    /// The median RTT (the mean of the middle two for an even count, as
    /// smokeping computes it), microseconds.
    pub fn median_us(&self) -> Option<u32> {
        let n = self.rtts_us.len();
        if n == 0 {
            return None;
        }
        if n % 2 == 1 {
            Some(self.rtts_us[n / 2])
        } else {
            let (a, b) = (
                u64::from(self.rtts_us[n / 2 - 1]),
                u64::from(self.rtts_us[n / 2]),
            );
            u32::try_from(u64::midpoint(a, b)).ok()
        }
    }

    /// The RTT at quantile `q` (0.0 to 1.0, nearest rank), microseconds.
    pub fn quantile_us(&self, q: f64) -> Option<u32> {
        let n = self.rtts_us.len();
        if n == 0 {
            return None;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a rank within 0..n"
        )]
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n);
        Some(self.rtts_us[rank - 1])
    }

    /// The step's end, Unix seconds.
    pub fn end(&self) -> i64 {
        self.start + i64::from(self.step)
    }

    /// `self` and `other`, two parts of the same step (a daemon stopped
    /// and started again within it), as one: probes added, RTTs merged,
    /// jitter averaged by the pairs of replies each had.
    #[must_use]
    pub fn merged(&self, other: &StepSummary) -> StepSummary {
        let mut rtts_us = Vec::with_capacity(self.rtts_us.len() + other.rtts_us.len());
        rtts_us.extend_from_slice(&self.rtts_us);
        rtts_us.extend_from_slice(&other.rtts_us);
        rtts_us.sort_unstable();
        let pairs = |s: &StepSummary| s.rtts_us.len().saturating_sub(1) as u64;
        let jitter_us = match (self.jitter_us, other.jitter_us) {
            (Some(a), Some(b)) => {
                let (pa, pb) = (pairs(self), pairs(other));
                u32::try_from((u64::from(a) * pa + u64::from(b) * pb) / (pa + pb).max(1)).ok()
            }
            (a, b) => a.or(b),
        };
        StepSummary {
            start: self.start,
            step: self.step,
            sent: self.sent.saturating_add(other.sent),
            rtts_us,
            jitter_us,
        }
    }
}

/// What is kept of a target's last closed step for the live state: its
/// figures without its RTTs (those are in the history), so tens of
/// thousands of targets keep a few dozen bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepBrief {
    /// The step's start, Unix seconds.
    pub start: i64,
    /// The step's length in seconds.
    pub step: u32,
    /// Probes sent in the step.
    pub sent: u32,
    /// Probes answered.
    pub received: u32,
    /// The lowest, median (smokeping's) and highest RTT, microseconds:
    /// all three or none (48 bytes a brief, not 56).
    rtts_us: Option<[u32; 3]>,
    /// The mean difference of successive RTTs, microseconds.
    pub jitter_us: Option<u32>,
}

impl StepBrief {
    /// The brief of `s`.
    pub fn of(s: &StepSummary) -> Self {
        Self {
            start: s.start,
            step: s.step,
            sent: s.sent,
            received: s.received(),
            rtts_us: match (s.rtts_us.first(), s.median_us(), s.rtts_us.last()) {
                (Some(&min), Some(median), Some(&max)) => Some([min, median, max]),
                _ => None,
            },
            jitter_us: s.jitter_us,
        }
    }

    /// The median RTT (smokeping's), microseconds.
    pub fn median_us(&self) -> Option<u32> {
        self.rtts_us.map(|r| r[1])
    }

    /// The lowest RTT, microseconds.
    pub fn min_us(&self) -> Option<u32> {
        self.rtts_us.map(|r| r[0])
    }

    /// The highest RTT, microseconds.
    pub fn max_us(&self) -> Option<u32> {
        self.rtts_us.map(|r| r[2])
    }

    /// Probes unanswered.
    pub fn lost(&self) -> u32 {
        self.sent.saturating_sub(self.received)
    }

    /// The fraction of probes lost, 0.0 to 1.0; `None` when none was sent.
    pub fn loss(&self) -> Option<f64> {
        (self.sent > 0).then(|| f64::from(self.lost()) / f64::from(self.sent))
    }
}

/// A step being filled: its RTTs in the order the replies came, the first
/// as a LEB128 varint, each later one as the varint of its zigzagged
/// difference from the one before (1 byte while successive RTTs differ by
/// less than 64 µs, 2 below 8 ms: tens of thousands of targets each hold
/// one or two open steps), the jitter summed as they come.
#[derive(Debug, Clone, Default)]
struct Open {
    start: i64,
    sent: u32,
    received: u32,
    /// The last reply's RTT, microseconds.
    last_us: u32,
    /// The sum of the absolute differences of successive RTTs.
    jitter_sum_us: u64,
    rtts: Vec<u8>,
}

/// Room an open step reserves beyond a byte per probe: for its first RTT's
/// extra bytes and a few larger differences, before it grows.
const RTT_ROOM: usize = 4;

/// `d` with its sign in the lowest bit (0, -1, 1, -2, ... → 0, 1, 2, 3, ...).
#[allow(clippy::cast_sign_loss, reason = "zigzag encoding")]
fn zigzag(d: i32) -> u32 {
    ((d << 1) ^ (d >> 31)) as u32
}

/// The inverse of [`zigzag`].
#[allow(clippy::cast_possible_wrap, reason = "zigzag decoding")]
fn unzigzag(z: u32) -> i32 {
    (z >> 1) as i32 ^ -((z & 1) as i32)
}

impl Open {
    /// A step starting at `start`, with room for `pings` one-byte RTTs
    /// and a little more (larger differences grow it).
    fn new(start: i64, pings: u32) -> Self {
        Self {
            start,
            rtts: Vec::with_capacity(usize::try_from(pings).unwrap_or(0) + RTT_ROOM),
            ..Self::default()
        }
    }

    fn answered(&mut self, rtt_us: u32) {
        let coded = if self.received > 0 {
            self.jitter_sum_us += u64::from(self.last_us.abs_diff(rtt_us));
            // The difference modulo 2^32: exact for any two RTTs.
            #[allow(clippy::cast_possible_wrap, reason = "modulo 2^32")]
            zigzag(rtt_us.wrapping_sub(self.last_us) as i32)
        } else {
            rtt_us
        };
        self.received += 1;
        self.last_us = rtt_us;
        crate::history::codec::put(&mut self.rtts, coded);
    }

    /// The RTTs, in the order they came.
    fn rtts_us(&self) -> impl Iterator<Item = u32> + '_ {
        let mut codes = crate::history::codec::varints(&self.rtts);
        let first = codes.next();
        first
            .into_iter()
            .chain(codes.scan(first.unwrap_or(0), |last, z| {
                #[allow(clippy::cast_sign_loss, reason = "modulo 2^32")]
                let rtt = last.wrapping_add(unzigzag(z) as u32);
                *last = rtt;
                Some(rtt)
            }))
    }

    fn close(self, step: u32) -> StepSummary {
        let jitter_us = (self.received >= 2).then(|| {
            u32::try_from(self.jitter_sum_us / u64::from(self.received - 1)).unwrap_or(u32::MAX)
        });
        let mut rtts_us: Vec<u32> = self.rtts_us().collect();
        rtts_us.sort_unstable();
        StepSummary {
            start: self.start,
            step,
            sent: self.sent,
            rtts_us,
            jitter_us,
        }
    }
}

/// A target's open steps, oldest first: the oldest kept inline (in
/// steady state the only one), the others (around a boundary, for
/// `timeout + CLOSE_GRACE`) in a boxed slice, exactly as long as they
/// are many (16 bytes, not a vector's 24), freed once they close.
#[derive(Debug, Clone, Default)]
struct OpenSteps {
    oldest: Option<Open>,
    newer: Box<[Open]>,
}

/// Changes `newer` open steps as a vector (a step opens or closes about
/// once a step: the reallocation is rare).
fn change<R>(newer: &mut Box<[Open]>, f: impl FnOnce(&mut Vec<Open>) -> R) -> R {
    let mut vec = std::mem::take(newer).into_vec();
    let result = f(&mut vec);
    *newer = vec.into_boxed_slice();
    result
}

impl OpenSteps {
    /// The open step that starts at `start`, opened (with room for
    /// `pings` RTTs) when there is none.
    fn at(&mut self, start: i64, pings: u32) -> &mut Open {
        match self.oldest.as_ref().map(|o| o.start) {
            None => return self.oldest.insert(Open::new(start, pings)),
            Some(oldest) if start < oldest => {
                // A sample of an earlier step than any open (sent before
                // a reload's restart): it becomes the oldest.
                if let Some(later) = self.oldest.take() {
                    change(&mut self.newer, |newer| newer.insert(0, later));
                }
                return self.oldest.insert(Open::new(start, pings));
            }
            Some(oldest) if start == oldest => {
                if let Some(o) = self.oldest.as_mut() {
                    return o;
                }
            }
            Some(_) => {}
        }
        let i = match self.newer.binary_search_by_key(&start, |o| o.start) {
            Ok(i) => i,
            Err(i) => {
                change(&mut self.newer, |newer| {
                    newer.insert(i, Open::new(start, pings));
                });
                i
            }
        };
        &mut self.newer[i]
    }

    fn oldest(&self) -> Option<&Open> {
        self.oldest.as_ref()
    }

    /// Takes the oldest out; the next becomes the oldest.
    fn pop_oldest(&mut self) -> Option<Open> {
        let oldest = self.oldest.take()?;
        if !self.newer.is_empty() {
            self.oldest = Some(change(&mut self.newer, |newer| newer.remove(0)));
        }
        Some(oldest)
    }

    fn into_vec(self) -> Vec<Open> {
        self.oldest
            .into_iter()
            .chain(self.newer.into_vec())
            .collect()
    }
}

/// One target's open steps.
#[derive(Debug, Clone)]
struct Track {
    step: u32,
    /// Probes per step as configured (the room reserved for its RTTs).
    pings: u32,
    /// Step end + timeout + grace, in milliseconds after the end.
    hold_ms: i64,
    /// Open steps, oldest first (at most two in steady state).
    open: OpenSteps,
    /// The start of the newest step closed, so later samples for it are
    /// known late.
    closed_until: i64,
    /// When this target's recording began, Unix milliseconds.
    since_ms: i64,
}

/// The aggregator: samples in, closed steps out.
#[derive(Debug, Clone, Default)]
pub struct Steps {
    tracks: Vec<Track>,
    late: u64,
}

/// A target as [`Steps`] sees it: its name (what survives a reload), its
/// step and its probe timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The target's name (shared with the configuration).
    pub name: Arc<str>,
    /// Its step length.
    pub step: Duration,
    /// Its probes' timeout.
    pub timeout: Duration,
    /// Its probes per step (room for their RTTs is reserved once per
    /// step; more still fit).
    pub pings: u32,
}

impl Steps {
    /// An aggregator for `targets`, by index, recording from `now_ms`
    /// (Unix milliseconds).
    pub fn new(targets: &[Tracked], now_ms: i64) -> Self {
        let mut steps = Self::default();
        steps.reconfigure(&[], targets, now_ms);
        steps
    }

    /// Takes a new target list (a reload) at `now_ms`: a target whose name
    /// and step are unchanged keeps its open steps; the others start
    /// afresh. The open steps of targets not kept are closed early and
    /// returned with their targets' names (partial steps: kept in the
    /// history, judged by no alert). `before` is the list tracked until
    /// now (given to [`Steps::new`] or the last reconfiguration): a track
    /// keeps no name of its own (16 bytes of each of tens of thousands).
    pub fn reconfigure(
        &mut self,
        before: &[Tracked],
        targets: &[Tracked],
        now_ms: i64,
    ) -> Vec<(Arc<str>, StepSummary)> {
        debug_assert_eq!(
            before.len(),
            self.tracks.len(),
            "the list tracked until now"
        );
        let mut old: HashMap<Arc<str>, Track> = std::mem::take(&mut self.tracks)
            .into_iter()
            .zip(before)
            .map(|(track, t)| (Arc::clone(&t.name), track))
            .collect();
        self.tracks = targets
            .iter()
            .map(|t| {
                let step = u32::try_from(t.step.as_secs().max(1)).unwrap_or(u32::MAX);
                let hold_ms =
                    i64::try_from((t.timeout + CLOSE_GRACE).as_millis()).unwrap_or(i64::MAX);
                match old.remove_entry(&t.name) {
                    Some((_, mut track)) if track.step == step => {
                        track.hold_ms = hold_ms;
                        track.pings = t.pings;
                        track
                    }
                    other => {
                        if let Some((name, track)) = other {
                            old.insert(name, track);
                        }
                        Track {
                            step,
                            pings: t.pings,
                            hold_ms,
                            open: OpenSteps::default(),
                            closed_until: i64::MIN,
                            since_ms: now_ms,
                        }
                    }
                }
            })
            .collect();
        let mut dropped: Vec<(Arc<str>, StepSummary)> = old
            .into_iter()
            .flat_map(|(name, track)| {
                let step = track.step;
                track
                    .open
                    .into_vec()
                    .into_iter()
                    .map(move |open| (name.clone(), open.close(step)))
            })
            .collect();
        dropped.sort_by(|a, b| (&*a.0, a.1.start).cmp(&(&*b.0, b.1.start)));
        dropped
    }

    /// Whether `step`, closed for the target at `index`, covers its whole
    /// length: it started after the target's recording did (the first step
    /// after a start or a change is partial) and ended before it was closed
    /// (a step closed by [`Steps::close_all`] before its end is partial).
    /// Partial steps go to the history; alert rules judge whole ones only.
    pub fn is_whole(&self, index: usize, step: &StepSummary, closed_at_ms: i64) -> bool {
        self.tracks.get(index).is_some_and(|track| {
            step.start * 1000 >= track.since_ms && step.end() * 1000 <= closed_at_ms
        })
    }

    /// Counts `sample` in its step; false when it came late (counted in
    /// [`Steps::late`] instead).
    pub fn record(&mut self, sample: Sample) -> bool {
        let Some(track) = self.tracks.get_mut(sample.target) else {
            self.late += 1;
            return false;
        };
        let step = i64::from(track.step);
        let start = sample.sent_ms.div_euclid(1000).div_euclid(step) * step;
        if start <= track.closed_until {
            self.late += 1;
            return false;
        }
        let open = track.open.at(start, track.pings);
        open.sent += 1;
        if let Some(rtt) = sample.rtt_us {
            open.answered(rtt);
        }
        true
    }

    /// Every step that can no longer receive a sample at `now_ms` (Unix
    /// milliseconds), with its target's index, oldest first per target.
    pub fn close_due(&mut self, now_ms: i64) -> Vec<(usize, StepSummary)> {
        self.close_due_of(now_ms, usize::MAX)
    }

    /// [`Steps::close_due`] for the first `targets` targets (in index
    /// order) that have a step due: called until it returns none, it
    /// closes a step boundary's tens of thousands of steps in batches,
    /// each written and freed before the next is made.
    pub fn close_due_of(&mut self, now_ms: i64, targets: usize) -> Vec<(usize, StepSummary)> {
        let mut closed = Vec::new();
        let mut taken = 0;
        for (index, track) in self.tracks.iter_mut().enumerate() {
            if taken == targets {
                break;
            }
            let before = closed.len();
            let step = i64::from(track.step);
            while track
                .open
                .oldest()
                .is_some_and(|open| (open.start + step) * 1000 + track.hold_ms <= now_ms)
            {
                let Some(open) = track.open.pop_oldest() else {
                    break;
                };
                track.closed_until = open.start;
                closed.push((index, open.close(track.step)));
            }
            if closed.len() > before {
                taken += 1;
            }
        }
        closed
    }

    /// Closes every open step now, whatever its time (shutdown: what was
    /// measured is kept, partial).
    pub fn close_all(&mut self) -> Vec<(usize, StepSummary)> {
        self.close_due(i64::MAX / 2)
    }

    /// Samples that came for a step already closed or a target no longer
    /// configured.
    pub fn late(&self) -> u64 {
        self.late
    }
}

#[cfg(test)]
mod tests;
