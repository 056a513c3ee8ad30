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
/// still in flight at the cut): drops that happened before the cut plus
/// this make no second cut.
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
    /// Drops that happened before this are the old rate's.
    hold_until: Option<Instant>,
    next_raise: Option<Instant>,
    window_start: Instant,
    window_sent: u64,
    /// When the latest probe went.
    last_sent: Option<Instant>,
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
            last_sent: None,
            last_rate: None,
        }
    }

    /// `count` probes went at `now`.
    pub fn on_sent(&mut self, now: Instant, count: u64) {
        if now.saturating_duration_since(self.window_start) >= WINDOW {
            // Over the window's sending only: a pause is no sending time.
            self.last_rate = Some(self.send_rate());
            self.window_start = now;
            self.window_sent = 0;
        }
        self.window_sent += count;
        self.last_sent = Some(now);
    }

    /// The rate the latest probes went at: the window's up to its last
    /// send, or the last full window's while the current one is young.
    /// Time without sends (a cooldown) is not sending time.
    fn send_rate(&self) -> u64 {
        let until = self.last_sent.unwrap_or(self.window_start);
        let elapsed = until.saturating_duration_since(self.window_start);
        match self.last_rate {
            Some(rate) if elapsed < WINDOW / 4 => rate,
            _ => per_second(self.window_sent, elapsed),
        }
    }

    /// The kernel dropped `dropped` answers, learnt at `now`, the last of
    /// them before `happened` (the time the datagram that told of them
    /// was queued, else `now`): the rate to hold to from now on, when it
    /// changes. Drops from before the last cut (and [`HOLD`]) are the old
    /// rate's, and drops while nothing is being sent (a cooldown) say
    /// nothing of the rate: both are counted and cut nothing. Any drop
    /// puts off the next raise.
    pub fn on_drops(
        &mut self,
        now: Instant,
        happened: Option<Instant>,
        dropped: u64,
    ) -> Option<u64> {
        self.dropped += dropped;
        if self.limit.is_some() {
            self.next_raise = Some(now + RAISE_EVERY);
        }
        let happened = happened.unwrap_or(now);
        let sending = self
            .last_sent
            .is_some_and(|at| now.saturating_duration_since(at) < WINDOW);
        if !sending || self.hold_until.is_some_and(|until| happened < until) {
            return None;
        }
        let rate = self.send_rate();
        let current = self.limit.map_or(rate, |limit| limit.min(rate));
        let cut = (current / 2).max(MIN_RATE);
        self.limit = Some(cut);
        self.lowest = self.lowest.min(cut);
        self.cuts += 1;
        self.hold_until = Some(now + HOLD);
        self.next_raise = Some(now + RAISE_EVERY);
        Some(cut)
    }

    /// The rate held to; `None` while unlimited.
    pub fn limit(&self) -> Option<u64> {
        self.limit
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

    /// Sends at `rate` per second from `from` to `to` (milliseconds after
    /// `start`), a millisecond's share at a time.
    fn send(backoff: &mut Backoff, start: Instant, rate: u64, from: u64, to: u64) {
        for i in from..to {
            backoff.on_sent(start + ms(i), rate / 1000);
        }
    }

    /// A backoff that sent at `rate` per second for 200 ms from `start`.
    fn sending_at(start: Instant, rate: u64) -> Backoff {
        let mut backoff = Backoff::new(start);
        send(&mut backoff, start, rate, 0, 200);
        backoff
    }

    #[test]
    fn unlimited_until_the_first_drop_then_half_the_send_rate() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 400_000);
        assert_eq!(backoff.poll_raise(start + ms(199)), None);
        assert_eq!((backoff.report(), backoff.limit()), (None, None));
        let cut = backoff.on_drops(start + ms(200), None, 30).expect("a cut");
        // 400,000/s measured from the window's first send to its last
        // (a millisecond apart here): within 5 %.
        assert!((190_000..=210_000).contains(&cut), "{cut}");
        let report = backoff.report().expect("drops are reported");
        assert_eq!((report.dropped, report.cuts), (30, 1));
        assert_eq!((report.lowest, report.last), (cut, cut));
    }

    #[test]
    fn drops_that_happened_before_the_cut_and_its_hold_cut_nothing_more() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 100_000);
        let cut = backoff.on_drops(start + ms(200), None, 5).unwrap();
        send(&mut backoff, start, cut, 200, 400);
        // Learnt long after the cut, but they happened within its hold:
        // answers of the old rate still queued.
        let late = start + ms(200) + HOLD / 2;
        assert_eq!(backoff.on_drops(start + ms(399), Some(late), 7), None);
        let report = backoff.report().unwrap();
        assert_eq!((report.dropped, report.cuts, report.last), (12, 1, cut));
        // Drops that happened after the hold cut again: half the rate
        // it holds to (and sends at).
        let again = backoff
            .on_drops(start + ms(399), Some(start + ms(390)), 1)
            .unwrap();
        assert!(again.abs_diff(cut / 2) <= cut / 50, "{again} after {cut}");
        assert_eq!(backoff.report().unwrap().lowest, again);
    }

    #[test]
    fn drops_learnt_while_nothing_is_sent_are_counted_and_cut_nothing() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 300_000);
        // The cooldown: the last probe went at 199 ms.
        assert_eq!(backoff.on_drops(start + ms(700), None, 40), None);
        assert_eq!(backoff.limit(), None);
        let report = backoff.report().unwrap();
        assert_eq!((report.dropped, report.cuts), (40, 0));
        // Sending again (the next pass), drops cut from the rate it sends
        // at, not one diluted by the pause.
        send(&mut backoff, start, 300_000, 1_000, 1_030);
        let cut = backoff.on_drops(start + ms(1_030), None, 1).unwrap();
        assert!((142_000..=158_000).contains(&cut), "{cut}");
    }

    #[test]
    fn a_quiet_rate_is_raised_by_an_eighth_each_interval() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 80_000);
        let at = start + ms(200);
        let cut = backoff.on_drops(at, None, 1).unwrap();
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
    fn any_drop_puts_off_the_next_raise() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 80_000);
        let at = start + ms(200);
        let cut = backoff.on_drops(at, None, 1).unwrap();
        // Within the hold: no cut, but no raise a full interval after it.
        assert_eq!(backoff.on_drops(at + ms(60), Some(at + ms(10)), 1), None);
        assert_eq!(backoff.poll_raise(at + RAISE_EVERY), None);
        assert_eq!(
            backoff.poll_raise(at + ms(60) + RAISE_EVERY),
            Some(cut + cut / 8)
        );
    }

    #[test]
    fn the_rate_never_falls_below_the_floor() {
        let start = Instant::now();
        let mut backoff = sending_at(start, 1_500);
        let mut at = 200;
        for _ in 0..10 {
            send(&mut backoff, start, 1_500, at, at + 50);
            at += 50;
            if let Some(rate) = backoff.on_drops(start + ms(at), None, 1) {
                assert!(rate >= MIN_RATE, "{rate}");
            }
        }
        assert_eq!(backoff.report().unwrap().lowest, MIN_RATE);
    }
}
