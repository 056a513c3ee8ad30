//! Many targets at once (fping-class): [`Scheduler`] hands out send slots
//! at a global rate, keeps each target's probes, matches replies and
//! timeouts back to them, and keeps a [`Statistics`] per target.
//!
//! # Rules
//!
//! - Targets are addressed by index, `0..targets`. Each gets `count`
//!   rounds; a round is one probe, plus up to `retries` resends when it
//!   times out unanswered (fping's default mode is `count = 1` with
//!   retries; fping `-c` is `retries = 0`).
//! - Round 1 of every target is due at the start; round `k + 1` is due
//!   `period` after round `k`'s first send (rounds overlap when `timeout >
//!   period`). A resend is due the moment its predecessor times out.
//! - Across all targets, sends are spaced by `1 / rate`: slot `k` after an
//!   anchor is at `anchor + ceil(k * 1e9 / rate)` ns, so `rate` sends fall
//!   in every second exactly; a send later than its slot re-anchors at
//!   the send (no burst to catch up). Among due sends the earliest due goes
//!   first, ties by target index (fping's order).
//! - A probe times out `timeout` after its send unless answered; an
//!   answered probe is kept until then so duplicates are recognised. A
//!   reply after the timeout is not matched (fping discards it too).
//! - Nothing caps the number of probes in flight.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::{Duration, Instant};

use crate::stats::Statistics;

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

#[derive(Debug, Clone, Copy)]
struct Outstanding {
    sent_at: Instant,
    attempt: u32,
    replies: u32,
}

#[derive(Debug, Clone, Default)]
struct Target {
    sent: u64,
    probes: BTreeMap<u64, Outstanding>,
    stats: Statistics,
}

/// The multi-target state machine; see the module documentation.
#[derive(Debug, Clone)]
pub struct Scheduler {
    config: MultiConfig,
    targets: Vec<Target>,
    /// Pending sends: (due, target, rounds left after this one, attempt).
    pending: BinaryHeap<Reverse<(Instant, usize, u64, u32)>>,
    /// Timeouts: (when, target, number).
    timeouts: BinaryHeap<Reverse<(Instant, usize, u64)>>,
    anchor: Instant,
    slot: u64,
    /// Probes sent, neither answered nor timed out.
    awaiting: usize,
}

impl Scheduler {
    /// `targets` targets starting at `start`.
    ///
    /// # Panics
    ///
    /// If `config.rate` is zero.
    pub fn new(config: MultiConfig, targets: usize, start: Instant) -> Self {
        assert!(config.rate > 0, "multi::Scheduler: rate must be above 0");
        let pending = if config.count == 0 {
            BinaryHeap::new()
        } else {
            (0..targets)
                .map(|t| Reverse((start, t, config.count - 1, 0)))
                .collect()
        };
        Self {
            config,
            targets: vec![Target::default(); targets],
            pending,
            timeouts: BinaryHeap::new(),
            anchor: start,
            slot: 0,
            awaiting: 0,
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
        let Reverse((due, ..)) = self.pending.peek()?;
        Some((*due).max(self.slot_at(self.slot)))
    }

    /// The next probe to send at `now`, if one is due; the caller sends it
    /// at once and calls again until `None`.
    pub fn pop_due(&mut self, now: Instant) -> Option<SendSlot> {
        if self.next_send_at()? > now {
            return None;
        }
        let Reverse((_, target, rounds_left, attempt)) = self.pending.pop()?;
        if now > self.slot_at(self.slot) {
            self.anchor = now;
            self.slot = 0;
        }
        self.slot += 1;
        let t = &mut self.targets[target];
        t.sent += 1;
        t.stats.transmitted += 1;
        let number = t.sent;
        self.awaiting += 1;
        t.probes.insert(
            number,
            Outstanding {
                sent_at: now,
                attempt,
                replies: 0,
            },
        );
        self.timeouts
            .push(Reverse((now + self.config.timeout, target, number)));
        if attempt == 0 && rounds_left > 0 {
            self.pending.push(Reverse((
                now + self.config.period,
                target,
                rounds_left - 1,
                0,
            )));
        }
        #[allow(clippy::cast_possible_truncation, reason = "seq is the low 16 bits")]
        let seq = number as u16;
        Some(SendSlot {
            target,
            number,
            seq,
            attempt,
        })
    }

    /// The next probe that timed out by `now`, scheduling a resend when
    /// retries remain; call until `None`.
    pub fn pop_timeout(&mut self, now: Instant) -> Option<Timeout> {
        while let Some(&Reverse((when, target, number))) = self.timeouts.peek() {
            if when > now {
                return None;
            }
            self.timeouts.pop();
            let Some(probe) = self.targets[target].probes.remove(&number) else {
                continue;
            };
            if probe.replies > 0 {
                continue;
            }
            self.awaiting -= 1;
            let will_retry = probe.attempt < self.config.retries;
            if will_retry {
                self.pending
                    .push(Reverse((when, target, 0, probe.attempt + 1)));
            }
            return Some(Timeout {
                target,
                number,
                will_retry,
            });
        }
        None
    }

    /// The number of the most recent unexpired probe of `target` whose
    /// sequence number is `seq`.
    pub fn number_for_seq(&self, target: usize, seq: u16) -> Option<u64> {
        let probes = &self.targets.get(target)?.probes;
        probes
            .keys()
            .rev()
            .find(|&&n| n & 0xffff == u64::from(seq))
            .copied()
    }

    /// A reply from `target` to probe `number`, received at `rx`; `None`
    /// when the probe is unknown or already timed out.
    pub fn on_reply(&mut self, rx: Instant, target: usize, number: u64) -> Option<MultiReply> {
        let t = self.targets.get_mut(target)?;
        let probe = t.probes.get_mut(&number)?;
        let rtt = rx.saturating_duration_since(probe.sent_at);
        let duplicate = probe.replies > 0;
        probe.replies += 1;
        if duplicate {
            t.stats.duplicates += 1;
        } else {
            t.stats.received += 1;
            self.awaiting -= 1;
        }
        t.stats.record_rtt(rtt);
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
        if !t.probes.contains_key(&number) {
            return false;
        }
        t.stats.errors += 1;
        true
    }

    /// Probes sent and neither timed out nor past their timeout, over all
    /// targets (answered ones included until their timeout).
    pub fn in_flight(&self) -> usize {
        self.targets.iter().map(|t| t.probes.len()).sum()
    }

    /// The earliest of the next send and the next timeout.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let timeout = self.timeouts.peek().map(|Reverse((when, ..))| *when);
        [self.next_send_at(), timeout].into_iter().flatten().min()
    }

    /// Whether nothing remains to send or to wait for.
    pub fn is_finished(&self) -> bool {
        self.pending.is_empty() && self.timeouts.is_empty()
    }

    /// Whether nothing remains to send and every probe sent was answered
    /// or timed out: a run can end here, as fping does, without waiting
    /// out the timeouts of answered probes (only late duplicates are missed).
    pub fn is_settled(&self) -> bool {
        self.pending.is_empty() && self.awaiting == 0
    }

    /// The statistics of `target`.
    ///
    /// # Panics
    ///
    /// If `target` is out of range.
    pub fn statistics(&self, target: usize) -> &Statistics {
        &self.targets[target].stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn config(rate: u32, count: u64) -> MultiConfig {
        MultiConfig {
            rate,
            count,
            period: ms(1000),
            timeout: ms(500),
            retries: 0,
        }
    }

    /// Events with their time since the start.
    type Timed<T> = Vec<(Duration, T)>;

    /// Runs to the end; `answer(slot)` gives the RTT of a reply, if any.
    /// Returns (send time, slot) and the timeouts seen.
    fn run(
        s: &mut Scheduler,
        start: Instant,
        answer: impl Fn(&SendSlot) -> Option<Duration>,
    ) -> (Timed<SendSlot>, Timed<Timeout>) {
        let mut sends = Vec::new();
        let mut timeouts = Vec::new();
        let mut replies: BTreeMap<Instant, Vec<(usize, u64)>> = BTreeMap::new();
        loop {
            let next_reply = replies.keys().next().copied();
            let Some(now) = [s.next_wakeup(), next_reply].into_iter().flatten().min() else {
                break;
            };
            if let Some(list) = replies.remove(&now) {
                for (target, number) in list {
                    s.on_reply(now, target, number);
                }
            }
            while let Some(t) = s.pop_timeout(now) {
                timeouts.push((now - start, t));
            }
            while let Some(slot) = s.pop_due(now) {
                if let Some(rtt) = answer(&slot) {
                    replies
                        .entry(now + rtt)
                        .or_default()
                        .push((slot.target, slot.number));
                }
                sends.push((now - start, slot));
            }
        }
        (sends, timeouts)
    }

    #[test]
    fn one_target_count_three() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(config(100, 3), 1, t0);
        let (sends, timeouts) = run(&mut s, t0, |slot| {
            (slot.number != 2).then_some(Duration::from_micros(1500))
        });
        let at: Vec<_> = sends.iter().map(|(d, s)| (*d, s.number, s.seq)).collect();
        assert_eq!(at, [(ms(0), 1, 1), (ms(1000), 2, 2), (ms(2000), 3, 3)]);
        assert_eq!(
            timeouts,
            [(
                ms(1500),
                Timeout {
                    target: 0,
                    number: 2,
                    will_retry: false
                }
            )]
        );
        let st = s.statistics(0);
        assert_eq!((st.transmitted, st.received), (3, 2));
        assert_eq!(st.rtt().unwrap().avg_us, 1500);
        assert!(s.is_finished());
    }

    #[test]
    fn three_targets_spaced_by_the_rate_with_retries() {
        let t0 = Instant::now();
        let mut c = config(10, 2);
        c.retries = 1;
        let mut s = Scheduler::new(c, 3, t0);
        // Target 1 never answers; the others answer in 20 ms.
        let (sends, timeouts) = run(&mut s, t0, |slot| (slot.target != 1).then_some(ms(20)));
        let at: Vec<_> = sends
            .iter()
            .map(|(d, s)| (d.as_millis(), s.target, s.number, s.attempt))
            .collect();
        assert_eq!(
            at,
            [
                (0, 0, 1, 0),
                (100, 1, 1, 0),
                (200, 2, 1, 0),
                // Target 1's first probe times out at 600 ms: resent.
                (600, 1, 2, 1),
                (1000, 0, 2, 0),
                (1100, 1, 3, 0),
                (1200, 2, 2, 0),
                (1600, 1, 4, 1),
            ]
        );
        let will_retry: Vec<_> = timeouts
            .iter()
            .map(|(d, t)| (d.as_millis(), t.number, t.will_retry))
            .collect();
        assert_eq!(
            will_retry,
            [
                (600, 1, true),
                (1100, 2, false),
                (1600, 3, true),
                (2100, 4, false)
            ]
        );
        assert_eq!(s.statistics(1).transmitted, 4);
        assert_eq!(s.statistics(1).received, 0);
        assert_eq!((s.statistics(0).received, s.statistics(2).received), (2, 2));
    }

    #[test]
    fn thousands_of_targets_at_a_global_rate() {
        let t0 = Instant::now();
        let mut c = config(1000, 2);
        c.timeout = ms(5000);
        let mut s = Scheduler::new(c, 4096, t0);
        let mut max_in_flight = 0;
        let mut sends = Vec::new();
        let mut timeouts = 0;
        while let Some(now) = s.next_wakeup() {
            while s.pop_timeout(now).is_some() {
                timeouts += 1;
            }
            while let Some(slot) = s.pop_due(now) {
                sends.push((now - t0, slot));
            }
            max_in_flight = max_in_flight.max(s.in_flight());
        }
        assert_eq!(sends.len(), 8192);
        assert_eq!(timeouts, 8192);
        assert!(max_in_flight >= 4096, "{max_in_flight} in flight");
        // Exactly 1000 sends in every whole second.
        let in_second = |k: u64| {
            sends
                .iter()
                .filter(|(d, _)| *d >= ms(1000 * k) && *d < ms(1000 * (k + 1)))
                .count()
        };
        assert_eq!(
            (in_second(0), in_second(1), in_second(7)),
            (1000, 1000, 1000)
        );
        for t in 0..4096 {
            assert_eq!(s.statistics(t).transmitted, 2);
        }
        // Earliest due goes first: target 0's second round (due at 1 s)
        // waits behind every first round (due at the start).
        let target0: Vec<_> = sends
            .iter()
            .filter(|(_, s)| s.target == 0)
            .map(|(d, _)| *d)
            .collect();
        assert_eq!(target0, [ms(0), ms(4096)]);
    }

    #[test]
    fn settled_when_every_probe_is_answered_or_timed_out() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(config(1000, 1), 2, t0);
        assert!(!s.is_settled());
        let a = s.pop_due(t0).unwrap();
        let b = s.pop_due(t0 + ms(1)).unwrap();
        s.on_reply(t0 + ms(2), a.target, a.number).unwrap();
        assert!(!s.is_settled());
        s.on_reply(t0 + ms(3), b.target, b.number).unwrap();
        assert!(s.is_settled());
        // A duplicate changes nothing; the run is not finished until the
        // timeouts pass.
        s.on_reply(t0 + ms(4), b.target, b.number).unwrap();
        assert!(s.is_settled() && !s.is_finished());
        // Count 2: the second round is still to send.
        let mut s = Scheduler::new(config(1000, 2), 1, t0);
        let a = s.pop_due(t0).unwrap();
        s.on_reply(t0 + ms(1), a.target, a.number).unwrap();
        assert!(!s.is_settled());
        let b = s.pop_due(t0 + ms(1000)).unwrap();
        assert!(!s.is_settled());
        assert_eq!(
            s.pop_timeout(t0 + ms(1500)).map(|t| t.number),
            Some(b.number)
        );
        assert!(s.is_settled());
    }

    #[test]
    fn errors_count_for_outstanding_probes_only() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(config(1000, 1), 2, t0);
        let a = s.pop_due(t0).unwrap();
        assert!(s.on_error(a.target, a.number));
        assert!(!s.on_error(a.target, a.number + 1));
        assert!(!s.on_error(7, 1));
        assert_eq!(s.statistics(0).errors, 1);
        // The probe still times out, unanswered.
        assert_eq!(
            s.pop_timeout(t0 + ms(500)),
            Some(Timeout {
                target: 0,
                number: 1,
                will_retry: false
            })
        );
        assert!(!s.on_error(0, 1));
        assert_eq!(s.statistics(0).errors, 1);
        assert_eq!(s.statistics(1).errors, 0);
    }

    #[test]
    fn duplicates_and_seq_lookup() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(config(1000, 1), 2, t0);
        let a = s.pop_due(t0).unwrap();
        assert_eq!(s.pop_due(t0), None);
        let b = s.pop_due(t0 + ms(1)).unwrap();
        assert_eq!((a.target, b.target), (0, 1));
        assert_eq!(s.number_for_seq(1, 1), Some(1));
        assert_eq!(s.number_for_seq(1, 2), None);
        let r = s.on_reply(t0 + ms(3), 1, 1).unwrap();
        assert_eq!((r.rtt, r.duplicate), (ms(2), false));
        assert!(s.on_reply(t0 + ms(4), 1, 1).unwrap().duplicate);
        assert_eq!(s.statistics(1).duplicates, 1);
        // After the timeout a reply no longer maps.
        assert_eq!(s.pop_timeout(t0 + ms(500)).map(|t| t.target), Some(0));
        assert_eq!(s.pop_timeout(t0 + ms(501)), None);
        assert_eq!(s.on_reply(t0 + ms(600), 0, 1), None);
        assert!(s.is_finished());
    }
}
