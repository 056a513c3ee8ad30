//! [`Tally`]: a target's counters as fping keeps them, in nanoseconds.

use std::time::{Duration, Instant};

/// A target's counters and RTTs in nanoseconds, as fping keeps them (its
/// reply, timeout and summary lines are computed from these).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Probes sent.
    pub sent: u64,
    /// Probes answered (duplicates aside).
    pub received: u64,
    /// Probes answered or timed out: fping 5's `xmt`, counted when a
    /// probe's fate is known, so a probe in flight is never lost.
    pub settled: u64,
    /// Sum of the RTTs of `received`.
    pub sum_ns: u128,
    /// Smallest RTT.
    pub min_ns: u64,
    /// Largest RTT.
    pub max_ns: u64,
    /// The first send.
    pub first_sent: Option<Instant>,
    /// The last send.
    pub last_sent: Option<Instant>,
}

impl Tally {
    /// A first reply to a probe, `rtt_ns` after its send.
    pub fn record(&mut self, rtt_ns: u64) {
        if self.received == 0 || rtt_ns < self.min_ns {
            self.min_ns = rtt_ns;
        }
        self.max_ns = self.max_ns.max(rtt_ns);
        self.sum_ns += u128::from(rtt_ns);
        self.received += 1;
        self.settled += 1;
    }

    /// A probe that went unanswered for its wait.
    pub fn timed_out(&mut self) {
        self.settled += 1;
    }

    /// fping's loss: the settled probes not answered, in whole percent
    /// (0 before any settled).
    pub fn loss_percent(&self) -> u64 {
        (self.settled.saturating_sub(self.received) * 100)
            .checked_div(self.settled)
            .unwrap_or(0)
    }

    /// A probe sent at `at`.
    pub fn sent_at(&mut self, at: Instant) {
        self.sent += 1;
        self.first_sent.get_or_insert(at);
        self.last_sent = Some(at);
    }

    /// The average RTT, when any reply came.
    pub fn avg_ns(&self) -> Option<u64> {
        (self.received > 0)
            .then(|| u64::try_from(self.sum_ns / u128::from(self.received)).unwrap_or(u64::MAX))
    }

    /// From the first send to the last (zero before two sends).
    pub fn send_span(&self) -> Duration {
        match (self.first_sent, self.last_sent) {
            (Some(a), Some(b)) => b.saturating_duration_since(a),
            _ => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_keeps_min_max_and_the_average_of_first_replies() {
        let t0 = Instant::now();
        let mut t = Tally::default();
        assert_eq!(t.avg_ns(), None);
        t.sent_at(t0);
        t.sent_at(t0 + Duration::from_millis(5));
        t.record(40_000);
        t.record(62_000);
        assert_eq!(
            (t.min_ns, t.max_ns, t.avg_ns()),
            (40_000, 62_000, Some(51_000))
        );
        assert_eq!(t.loss_percent(), 0);
        assert_eq!(t.send_span(), Duration::from_millis(5));
        t.sent_at(t0 + Duration::from_millis(9));
        assert_eq!(t.loss_percent(), 0, "a probe in flight is no loss");
        t.timed_out();
        assert_eq!((t.settled, t.loss_percent()), (3, 33));
    }
}
