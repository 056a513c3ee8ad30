//! Many targets at once (fping-class): [`MultiPing`], the [`Machine`] of
//! several-target ping (Echo Requests built, replies and quoted errors
//! matched to their target and probe, typed [`MultiEvent`]s), over the
//! [`Scheduler`], which hands out send slots at a global rate, keeps each
//! target's probes, matches replies and timeouts back to them, and keeps a
//! [`Statistics`] per target; [`Tally`] is fping's per-target counters.
//!
//! [`Machine`]: crate::machine::Machine
//!
//! # Rules
//!
//! - Targets are addressed by index, `0..targets`. Each gets `count`
//!   rounds; a round is one probe, plus up to `retries` resends when it
//!   times out unanswered (fping's default mode is `count = 1` with
//!   retries; fping `-c` is `retries = 0`).
//! - Round 1 of every target is due at the start; round `k + 1` is due
//!   `period` after round `k`'s first send (rounds overlap when `timeout >
//!   period`). A resend goes the moment its predecessor times out, outside
//!   the pace (as fping sends it from its timeout handler), and the pace
//!   starts over at it: the next first probe waits `1 / rate`. Resends are
//!   spaced as the timeouts that cause them, which are spaced as the sends
//!   before them.
//! - Across all targets, sends are spaced by `1 / rate`: slot `k` after an
//!   anchor is at `anchor + ceil(k * 1e9 / rate)` ns, so `rate` sends fall
//!   in every second exactly. A caller woken late (a wait overslept by the
//!   kernel's timer slack, tens of microseconds, many slots at high rates)
//!   catches up: every slot that passed meanwhile goes at once, so the rate
//!   holds. A send more than [`MAX_CATCH_UP`] behind its slot (a stall)
//!   re-anchors at the send instead: no burst longer than that. Among due
//!   sends the earliest due goes first, ties by target index (fping's
//!   order).
//! - A round's first probe waits `timeout`; each resend waits
//!   `backoff_milli / 1000` times as long as the probe before it (fping
//!   `-B`: 500 ms, 750 ms, 1125 ms, ... at its default of 1.5).
//! - A probe times out its wait after its send unless answered; an
//!   answered probe is kept until then so duplicates are recognised. A
//!   reply after the timeout is not matched (fping discards it too).
//! - Nothing caps the number of probes in flight.
//!
//! # Memory
//!
//! A probe is kept until its timeout (and its serial [`SERIAL_GRACE`]
//! longer): at most `rate * (timeout + grace)` across all targets, however
//! many rounds. Statistics are constant per target ([`Statistics`]:
//! running sums and a bounded histogram), and events are handed to the
//! driver as they happen: a reader that stalls stalls the run (its output
//! blocks), it does not queue.
//!
//! A daemon of tens of thousands of targets that keeps its own statistics
//! runs lean ([`MultiPing::lean`], [`Scheduler::lean`]): no [`Tally`] or
//! [`Statistics`] per target, only the run's [`Totals`]. Either way the
//! scheduler keeps times as nanoseconds since the start and targets as
//! `u32` indices, and a target's oldest probe out inline, so that a
//! target with one probe out allocates nothing of its own.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::stats::Statistics;

mod bits;
mod machine;
mod outstanding;
mod tally;

use outstanding::{Outstanding, Probe};

pub use machine::{
    MultiEvent, MultiPing, MultiPingConfig, SERIAL_GRACE, TargetError, TargetReply,
    TargetUnverified, Totals,
};
pub use tally::Tally;

/// How far behind its slot a send may be and still keep the pace's
/// anchor (the slots missed meanwhile go at once); later, the pace starts
/// over at the send. At most `rate * MAX_CATCH_UP` probes leave back to
/// back.
pub const MAX_CATCH_UP: Duration = Duration::from_millis(2);

/// The options of a multi-target run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiConfig {
    /// Probes per second across all targets (fping `-i` is `1 / rate`).
    pub rate: u32,
    /// Rounds per target (fping `-c`).
    pub count: u64,
    /// Between a target's rounds (fping `-p`).
    pub period: Duration,
    /// How long a probe waits for its reply (fping `-t`).
    pub timeout: Duration,
    /// Resends of an unanswered round (fping `-r`).
    pub retries: u32,
    /// Each resend waits this many thousandths of its predecessor's wait
    /// (fping `-B`: 1500; 1000 keeps every wait at `timeout`).
    pub backoff_milli: u32,
    /// Round `k + 1` is due `period` after round `k` was *due*, not after
    /// it was sent, so lateness does not add up over rounds (a monitor's
    /// steady rate: exactly `step / period` probes a step); a round late
    /// by a whole period or more starts over from its send. fping (false)
    /// counts from the send.
    pub anchored: bool,
}

impl MultiConfig {
    /// How long the probe of `attempt` (0 for a round's first) waits for
    /// its reply: `timeout`, multiplied by the backoff once per resend,
    /// truncated to the nanosecond at each step as fping does.
    pub fn wait_for(&self, attempt: u32) -> Duration {
        let mut ns = self.timeout.as_nanos();
        for _ in 0..attempt {
            ns = ns * u128::from(self.backoff_milli) / 1000;
        }
        Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }
}

/// A probe to send now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendSlot {
    /// Which target.
    pub target: usize,
    /// The target's probe number, from 1 (every send, resends included).
    pub number: u64,
    /// The Echo sequence number: the low 16 bits of `number`.
    pub seq: u16,
    /// 0 for a round's first probe, then 1, 2, ... for resends.
    pub attempt: u32,
}

/// A probe that went unanswered for `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    /// Which target.
    pub target: usize,
    /// Its probe number.
    pub number: u64,
    /// Whether a resend was scheduled for the round.
    pub will_retry: bool,
    /// Whether an ICMP error about the probe came before its timeout.
    pub after_error: bool,
    /// When the probe was sent.
    pub sent_at: Instant,
}

/// A reply matched to a target's probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiReply {
    /// The probe number.
    pub number: u64,
    /// From the send to the receive time.
    pub rtt: Duration,
    /// Not the first reply to this probe.
    pub duplicate: bool,
}

/// A time as nanoseconds since the run's start: 8 bytes in the heaps and
/// rings where an [`Instant`] takes 16 (584 years of run).
type Nanos = u64;

/// The run's clock: [`Nanos`] from and to [`Instant`]s.
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Instant,
}

impl Clock {
    /// `t` as nanoseconds since the start (0 before it).
    fn nanos(self, t: Instant) -> Nanos {
        u64::try_from(t.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The instant `ns` after the start.
    fn instant(self, ns: Nanos) -> Instant {
        self.start + Duration::from_nanos(ns)
    }
}

/// The low 32 bits of a probe number: enough to tell a target's probes
/// out apart (two 2^32 probes apart are never out together), in 4 bytes
/// where the heaps and rings of every probe in flight would take 8.
type NumberLow = u32;

/// The low 32 bits of probe `number`.
#[allow(clippy::cast_possible_truncation, reason = "the low 32 bits")]
fn number_low(number: u64) -> NumberLow {
    number as u32
}

/// What the scheduler keeps per target: 40 bytes, nothing allocated while
/// at most one probe is out.
#[derive(Debug, Clone, Default)]
struct Target {
    sent: u64,
    probes: Outstanding,
}

/// The multi-target state machine; see the module documentation.
#[derive(Debug, Clone)]
pub struct Scheduler {
    config: MultiConfig,
    clock: Clock,
    targets: Vec<Target>,
    /// Each target's statistics; empty when lean ([`Scheduler::lean`]).
    stats: Vec<Statistics>,
    lean: bool,
    /// Pending first probes of rounds: (due, target, rounds left after
    /// this one).
    pending: BinaryHeap<Reverse<(Nanos, u32, u64)>>,
    /// Pending resends: (due, target, attempt).
    resends: BinaryHeap<Reverse<(Nanos, u32, u32)>>,
    /// Timeouts: (when, target, number's low bits): 16 bytes a probe.
    timeouts: BinaryHeap<Reverse<(Nanos, u32, NumberLow)>>,
    anchor: Instant,
    slot: u64,
    /// Probes sent, neither answered nor timed out.
    awaiting: usize,
}

impl Scheduler {
    /// `targets` targets starting at `start`, each with its
    /// [`Statistics`].
    ///
    /// # Panics
    ///
    /// If `config.rate` is zero, or `targets` is 2^32 or more.
    pub fn new(config: MultiConfig, targets: usize, start: Instant) -> Self {
        let mut s = Self::lean(config, targets, start);
        s.stats = vec![Statistics::default(); targets];
        s.lean = false;
        s
    }

    /// `targets` targets starting at `start`, keeping no [`Statistics`]
    /// per target (a daemon that keeps its own): [`Self::statistics`]
    /// then panics. Everything else is as in [`Self::new`].
    ///
    /// # Panics
    ///
    /// If `config.rate` is zero, or `targets` is 2^32 or more.
    pub fn lean(config: MultiConfig, targets: usize, start: Instant) -> Self {
        assert!(config.rate > 0, "multi::Scheduler: rate must be above 0");
        let n = u32::try_from(targets).expect("multi::Scheduler: fewer than 2^32 targets");
        let pending = if config.count == 0 {
            BinaryHeap::new()
        } else {
            (0..n).map(|t| Reverse((0, t, config.count - 1))).collect()
        };
        Self {
            config,
            clock: Clock { start },
            targets: vec![Target::default(); targets],
            stats: Vec::new(),
            lean: true,
            pending,
            resends: BinaryHeap::new(),
            timeouts: BinaryHeap::new(),
            anchor: start,
            slot: 0,
            awaiting: 0,
        }
    }

    /// Whether the scheduler keeps no [`Statistics`] per target
    /// ([`Self::lean`]).
    pub fn is_lean(&self) -> bool {
        self.lean
    }

    /// Keeps no RTT histogram in any target's [`Statistics`] (see
    /// [`Statistics::without_histogram`]).
    pub fn without_rtt_histograms(&mut self) {
        for s in &mut self.stats {
            s.without_histogram();
        }
    }

    /// The global slot `k` after the anchor.
    fn slot_at(&self, k: u64) -> Instant {
        let ns = (u128::from(k) * 1_000_000_000).div_ceil(u128::from(self.config.rate));
        self.anchor + Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }

    /// When the next send is due (may be in the past); `None` when every
    /// round has been sent and no resend is pending.
    pub fn next_send_at(&self) -> Option<Instant> {
        let first = self
            .pending
            .peek()
            .map(|Reverse((due, ..))| self.clock.instant(*due).max(self.slot_at(self.slot)));
        let resend = self
            .resends
            .peek()
            .map(|Reverse((due, ..))| self.clock.instant(*due));
        [first, resend].into_iter().flatten().min()
    }

    /// The next probe to send at `now`, if one is due; the caller sends it
    /// at once and calls again until `None`.
    pub fn pop_due(&mut self, now: Instant) -> Option<SendSlot> {
        if self.next_send_at()? > now {
            return None;
        }
        let now_ns = self.clock.nanos(now);
        let (due, target, rounds_left, attempt) = match self.resends.peek() {
            Some(&Reverse((due, target, attempt))) if due <= now_ns => {
                self.resends.pop();
                self.anchor = now;
                self.slot = 1;
                (due, target, 0, attempt)
            }
            _ => {
                let Reverse((due, target, rounds_left)) = self.pending.pop()?;
                if now > self.slot_at(self.slot) + MAX_CATCH_UP {
                    self.anchor = now;
                    self.slot = 0;
                }
                self.slot += 1;
                (due, target, rounds_left, 0)
            }
        };
        let t = &mut self.targets[target as usize];
        t.sent += 1;
        let number = t.sent;
        if let Some(stats) = self.stats.get_mut(target as usize) {
            stats.transmitted += 1;
        }
        self.awaiting += 1;
        t.probes.insert(
            number,
            Probe {
                sent_at: now_ns,
                attempt,
                replies: 0,
                errored: false,
            },
        );
        let wait = u64::try_from(self.config.wait_for(attempt).as_nanos()).unwrap_or(u64::MAX);
        self.timeouts.push(Reverse((
            now_ns.saturating_add(wait),
            target,
            number_low(number),
        )));
        if attempt == 0 && rounds_left > 0 {
            let period = u64::try_from(self.config.period.as_nanos()).unwrap_or(u64::MAX);
            let from = if self.config.anchored && now_ns.saturating_sub(due) < period {
                due
            } else {
                now_ns
            };
            self.pending.push(Reverse((
                from.saturating_add(period),
                target,
                rounds_left - 1,
            )));
        }
        #[allow(clippy::cast_possible_truncation, reason = "seq is the low 16 bits")]
        let seq = number as u16;
        Some(SendSlot {
            target: target as usize,
            number,
            seq,
            attempt,
        })
    }

    /// The next probe that timed out by `now`, scheduling a resend when
    /// retries remain; call until `None`.
    pub fn pop_timeout(&mut self, now: Instant) -> Option<Timeout> {
        let now_ns = self.clock.nanos(now);
        while let Some(&Reverse((when, target, low))) = self.timeouts.peek() {
            if when > now_ns {
                return None;
            }
            self.timeouts.pop();
            let Some(number) = self.number_for_low(target as usize, low) else {
                continue;
            };
            let Some(probe) = self.targets[target as usize].probes.remove(number) else {
                continue;
            };
            if probe.replies > 0 {
                continue;
            }
            self.awaiting -= 1;
            let will_retry = probe.attempt < self.config.retries;
            if will_retry {
                self.resends
                    .push(Reverse((when, target, probe.attempt + 1)));
            }
            return Some(Timeout {
                target: target as usize,
                number,
                will_retry,
                after_error: probe.errored,
                sent_at: self.clock.instant(probe.sent_at),
            });
        }
        None
    }

    /// The number of the most recent unexpired probe of `target` whose
    /// sequence number is `seq`.
    pub fn number_for_seq(&self, target: usize, seq: u16) -> Option<u64> {
        let probes = &self.targets.get(target)?.probes;
        probes
            .numbers_newest_first()
            .find(|&n| n & 0xffff == u64::from(seq))
    }

    /// The number of `target`'s probe out whose low 32 bits are `low`.
    fn number_for_low(&self, target: usize, low: NumberLow) -> Option<u64> {
        let probes = &self.targets.get(target)?.probes;
        probes
            .numbers_newest_first()
            .find(|&n| number_low(n) == low)
    }

    /// A reply from `target` to probe `number`, received at `rx`; `None`
    /// when the probe is unknown or already timed out.
    pub fn on_reply(&mut self, rx: Instant, target: usize, number: u64) -> Option<MultiReply> {
        let t = self.targets.get_mut(target)?;
        let probe = t.probes.get_mut(number)?;
        let rtt = rx.saturating_duration_since(self.clock.instant(probe.sent_at));
        let duplicate = probe.replies > 0;
        probe.replies = probe.replies.saturating_add(1);
        if !duplicate {
            self.awaiting -= 1;
        }
        if let Some(stats) = self.stats.get_mut(target) {
            if duplicate {
                stats.duplicates += 1;
            } else {
                stats.received += 1;
            }
            stats.record_rtt(rtt);
        }
        Some(MultiReply {
            number,
            rtt,
            duplicate,
        })
    }

    /// An ICMP error (unreachable, time exceeded, ...) about probe `number`
    /// of `target`: counted in the target's `errors`. The probe stays
    /// outstanding and times out as usual (fping reports both). `false`
    /// when the probe is unknown or already timed out.
    pub fn on_error(&mut self, target: usize, number: u64) -> bool {
        let Some(t) = self.targets.get_mut(target) else {
            return false;
        };
        let Some(probe) = t.probes.get_mut(number) else {
            return false;
        };
        probe.errored = true;
        if let Some(stats) = self.stats.get_mut(target) {
            stats.errors += 1;
        }
        true
    }

    /// Probes sent and neither timed out nor past their timeout, over all
    /// targets (answered ones included until their timeout).
    pub fn in_flight(&self) -> usize {
        self.targets.iter().map(|t| t.probes.len()).sum()
    }

    /// When the next probe times out, if one is waiting.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.timeouts
            .peek()
            .map(|Reverse((when, ..))| self.clock.instant(*when))
    }

    /// The earliest of the next send and the next timeout.
    pub fn next_wakeup(&self) -> Option<Instant> {
        [self.next_send_at(), self.next_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether nothing remains to send or to wait for.
    pub fn is_finished(&self) -> bool {
        self.pending.is_empty() && self.resends.is_empty() && self.timeouts.is_empty()
    }

    /// Whether nothing remains to send and every probe sent was answered
    /// or timed out: a run can end here, as fping does, without waiting
    /// out the timeouts of answered probes (only late duplicates are missed).
    pub fn is_settled(&self) -> bool {
        self.pending.is_empty() && self.resends.is_empty() && self.awaiting == 0
    }

    /// The statistics of `target`.
    ///
    /// # Panics
    ///
    /// If `target` is out of range, or the scheduler is lean
    /// ([`Self::lean`]: it keeps none).
    pub fn statistics(&self, target: usize) -> &Statistics {
        assert!(
            !self.is_lean(),
            "multi::Scheduler::statistics: a lean scheduler keeps no statistics per target"
        );
        &self.stats[target]
    }
}

#[cfg(test)]
mod tests;
