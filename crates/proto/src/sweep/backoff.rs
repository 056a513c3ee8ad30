//! [`Backoff`]: what `--rate max` means. A sweep sends as fast as its
//! sender goes until the kernel drops answers for a full receive queue;
//! then it holds to half the rate it was sending at, and raises that by an
//! eighth every [`RAISE_EVERY`] without drops (additive increase is too
//! slow to find rates of hundreds of thousands a second; a multiplicative
//! one that halves on loss settles as TCP does): the fastest rate at which
//! answers are not lost.

use std::time::{Duration, Instant};

/// The slowest a sweep backs off to (probes per second).
pub const MIN_RATE: u64 = 1_000;

/// How long a rate is held without drops before it is raised.
pub const RAISE_EVERY: Duration = Duration::from_millis(100);

/// After a cut, how long drops are taken for the old rate's (answers
/// queued before the cut): no second cut before it has passed.
pub const HOLD: Duration = Duration::from_millis(50);

/// The span over which the send rate is measured.
const WINDOW: Duration = Duration::from_millis(50);

/// What a sweep's backing off came to, for its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffReport {
    /// Answers the kernel dropped (as reported during the sweep).
    pub dropped: u64,
    /// How many times the rate was cut.
    pub cuts: u32,
    /// The lowest rate held to (probes per second).
    pub lowest: u64,
    /// The rate held to at the end.
    pub last: u64,
}

/// The adaptive rate of a `--rate max` sweep.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// The rate held to; `None` until the first drops: unlimited.
    limit: Option<u64>,
    lowest: u64,
    dropped: u64,
    cuts: u32,
    hold_until: Option<Instant>,
    next_raise: Option<Instant>,
    window_start: Instant,
    window_sent: u64,
    /// The rate of the last full window.
    last_rate: Option<u64>,
}

/// Probes per second of `sent` over `elapsed` (at least a millisecond).
fn per_second(sent: u64, elapsed: Duration) -> u64 {
    let nanos = elapsed.as_nanos().max(1_000_000);
    u64::try_from(u128::from(sent) * 1_000_000_000 / nanos).unwrap_or(u64::MAX)
}

impl Backoff {
    /// Unlimited, from `start`.
    pub fn new(start: Instant) -> Self {
        Self {
            limit: None,
            lowest: u64::MAX,
            dropped: 0,
            cuts: 0,
            hold_until: None,
            next_raise: None,
            window_start: start,
            window_sent: 0,
            last_rate: None,
        }
    }

    /// `count` probes went at `now`.
    pub fn on_sent(&mut self, now: Instant, count: u64) {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= WINDOW {
            self.last_rate = Some(per_second(self.window_sent, elapsed));
            self.window_start = now;
            self.window_sent = 0;
        }
        self.window_sent += count;
    }

    /// The send rate now: the window's, or the last full one's while the
    /// window is young.
    fn send_rate(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.window_start);
        match self.last_rate {
            Some(rate) if elapsed < WINDOW / 4 => rate,
            _ => per_second(self.window_sent, elapsed),
        }
    }

    /// The kernel dropped `dropped` answers, learnt at `now`: the rate to
    /// hold to from now on, when it changes.
    pub fn on_drops(&mut self, now: Instant, dropped: u64) -> Option<u64> {
        self.dropped += dropped;
        if self.hold_until.is_some_and(|until| now < until) {
            return None;
        }
        let rate = self.send_rate(now);
        let current = self.limit.map_or(rate, |limit| limit.min(rate));
        let cut = (current / 2).max(MIN_RATE);
        self.limit = Some(cut);
        self.lowest = self.lowest.min(cut);
        self.cuts += 1;
        self.hold_until = Some(now + HOLD);
        self.next_raise = Some(now + RAISE_EVERY);
        Some(cut)
    }

    /// The rate to hold to from `now` on, when it is time to raise it.
    pub fn poll_raise(&mut self, now: Instant) -> Option<u64> {
        let limit = self.limit?;
        if self.next_raise.is_none_or(|at| now < at) {
            return None;
        }
        let raised = limit.saturating_add(limit / 8);
        self.limit = Some(raised);
        self.next_raise = Some(now + RAISE_EVERY);
        Some(raised)
    }

    /// `None` while no answer was dropped.
    pub fn report(&self) -> Option<BackoffReport> {
        (self.dropped > 0).then(|| BackoffReport {
            dropped: self.dropped,
            cuts: self.cuts,
            lowest: if self.cuts == 0 { 0 } else { self.lowest },
            last: self.limit.unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A backoff that sent at `rate` per second for 200 ms from `start`,
    /// a probe a millisecond's share at a time.
    fn sending_at(start: Instant, rate: u64) -> Backoff {
        let mut backoff = Backoff::new(start);
        for i in 0..200 {
            backoff.on_sent(start + ms(i), rate / 1000);
        }
        backoff
    }

    #[test]
    fn unlimited_until_the_first_drop_then_half_the_send_rate() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 400_000);
        assert_eq!(backoff.poll_raise(start + ms(199)), None);
        assert_eq!(backoff.report(), None);
        let cut = backoff.on_drops(start + ms(200), 30).expect("a cut");
        // 400,000/s measured over whole milliseconds: within 2 %.
        assert!((196_000..=204_000).contains(&cut), "{cut}");
        let report = backoff.report().expect("drops are reported");
        assert_eq!((report.dropped, report.cuts), (30, 1));
        assert_eq!((report.lowest, report.last), (cut, cut));
    }

    #[test]
    fn drops_within_the_hold_make_no_second_cut_but_are_counted() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 100_000);
        let cut = backoff.on_drops(start + ms(200), 5).unwrap();
        assert_eq!(backoff.on_drops(start + ms(200) + HOLD / 2, 7), None);
        let report = backoff.report().unwrap();
        assert_eq!((report.dropped, report.cuts, report.last), (12, 1, cut));
        // After the hold, drops cut again: half of what it holds to.
        let again = backoff.on_drops(start + ms(200) + HOLD, 1).unwrap();
        assert_eq!(again, cut / 2);
        assert_eq!(backoff.report().unwrap().lowest, cut / 2);
    }

    #[test]
    fn a_quiet_rate_is_raised_by_an_eighth_each_interval() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 80_000);
        let at = start + ms(200);
        let cut = backoff.on_drops(at, 1).unwrap();
        assert_eq!(backoff.poll_raise(at + RAISE_EVERY / 2), None);
        let raised = backoff.poll_raise(at + RAISE_EVERY).unwrap();
        assert_eq!(raised, cut + cut / 8);
        assert_eq!(backoff.poll_raise(at + RAISE_EVERY + ms(1)), None);
        assert_eq!(
            backoff.poll_raise(at + RAISE_EVERY * 2),
            Some(raised + raised / 8)
        );
        assert_eq!(backoff.report().unwrap().last, raised + raised / 8);
    }

    #[test]
    fn the_rate_never_falls_below_the_floor() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 1_500);
        let mut at = start + ms(200);
        for _ in 0..10 {
            if let Some(rate) = backoff.on_drops(at, 1) {
                assert!(rate >= MIN_RATE, "{rate}");
            }
            at += HOLD;
        }
        assert_eq!(backoff.report().unwrap().lowest, MIN_RATE);
    }
}
