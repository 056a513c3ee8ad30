//! [`Pacer`]: a token bucket that holds a probe rate.

use std::time::{Duration, Instant};

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A probe rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// At most this many probes per second (at least 1).
    PerSecond(u64),
    /// As fast as the caller sends.
    Max,
}

/// A token bucket: tokens accrue at the rate, up to a burst; each probe
/// takes one. Arithmetic is exact (integers in probe-nanoseconds), so over
/// time the sends follow the rate to the nanosecond, whatever the batches.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// Probes per second; `None` for [`Rate::Max`].
    rate: Option<u64>,
    /// Tokens times 10^9.
    credit: u128,
    /// The most `credit` can hold.
    cap: u128,
    /// When `credit` was last brought up to date.
    last: Instant,
}

impl Pacer {
    /// A pacer for `rate`, starting at `start` with one token, and a burst
    /// of 10 ms of tokens (at least 1): a caller that sleeps longer than
    /// that loses the difference rather than sending a flood after it.
    ///
    /// # Panics
    ///
    /// If the rate is `PerSecond(0)`.
    pub fn new(rate: Rate, start: Instant) -> Self {
        let burst = match rate {
            Rate::PerSecond(r) => (r / 100).max(1),
            Rate::Max => 1,
        };
        Self::with_burst(rate, burst, start)
    }

    /// As [`new`](Self::new) with a burst of `burst` tokens (at least 1).
    ///
    /// # Panics
    ///
    /// If the rate is `PerSecond(0)`.
    pub fn with_burst(rate: Rate, burst: u64, start: Instant) -> Self {
        let rate = match rate {
            Rate::PerSecond(r) => {
                assert!(r > 0, "Pacer: a rate of 0 probes per second");
                Some(r)
            }
            Rate::Max => None,
        };
        Self {
            rate,
            credit: NANOS_PER_SEC,
            cap: u128::from(burst.max(1)) * NANOS_PER_SEC,
            last: start,
        }
    }

    /// Holds to `rate` from `now` on, with [`Pacer::new`]'s burst for it:
    /// the tokens earned until `now` at the old rate are kept (at most the
    /// new burst); from [`Rate::Max`], the bucket starts with one token.
    ///
    /// # Panics
    ///
    /// If the rate is `PerSecond(0)`.
    pub fn set_rate(&mut self, rate: Rate, now: Instant) {
        let was_limited = self.rate.is_some();
        self.refill(now);
        let fresh = Self::new(rate, now);
        self.rate = fresh.rate;
        self.cap = fresh.cap;
        self.credit = if was_limited {
            self.credit.min(self.cap)
        } else {
            fresh.credit
        };
        self.last = self.last.max(now);
    }

    fn refill(&mut self, now: Instant) {
        let Some(rate) = self.rate else { return };
        if now <= self.last {
            return;
        }
        let elapsed = now.duration_since(self.last).as_nanos();
        self.credit = (self.credit + elapsed * u128::from(rate)).min(self.cap);
        self.last = now;
    }

    /// How many probes may go at `now`, at most `max`; they are taken from
    /// the bucket.
    pub fn next_batch(&mut self, now: Instant, max: usize) -> usize {
        if self.rate.is_none() {
            return max;
        }
        self.refill(now);
        let tokens = usize::try_from(self.credit / NANOS_PER_SEC).unwrap_or(usize::MAX);
        let take = tokens.min(max);
        self.credit -= take as u128 * NANOS_PER_SEC;
        take
    }

    /// Gives back `count` probes taken by [`next_batch`](Self::next_batch)
    /// but not sent (the bucket may then hold more than its burst).
    pub fn refund(&mut self, count: usize) {
        if self.rate.is_some() {
            self.credit += count as u128 * NANOS_PER_SEC;
        }
    }

    /// When the next probe may go: `None` when one may go at `now`
    /// already (or always, for [`Rate::Max`]).
    pub fn next_due(&self, now: Instant) -> Option<Instant> {
        self.next_due_for(now, 1)
    }

    /// When `count` probes may go at once (`count` capped at the burst,
    /// at least 1): `None` when they may go at `now` already (or always,
    /// for [`Rate::Max`]).
    pub fn next_due_for(&self, now: Instant, count: usize) -> Option<Instant> {
        let rate = u128::from(self.rate?);
        let need = (count.max(1) as u128 * NANOS_PER_SEC).min(self.cap);
        let mut credit = self.credit;
        if now > self.last {
            credit += now.duration_since(self.last).as_nanos() * rate;
        }
        if credit >= need {
            return None;
        }
        let wait = (need - credit).div_ceil(rate);
        // wait <= cap / rate: the burst is at most a second of tokens
        // (`new`); a larger `with_burst` saturates at u64::MAX ns.
        let wait = u64::try_from(wait).unwrap_or(u64::MAX);
        Some(self.last.max(now) + Duration::from_nanos(wait))
    }
}

#[cfg(test)]
mod tests;
