//! Which probes of a run still wait for an answer, and when each stops
//! waiting: what makes a [`super::PingEvent::Timeout`] for every probe that
//! gets neither a reply nor an error.
//!
//! A probe waits `-W` (the linger) after its send, or until the run ends,
//! whichever comes first. Probes are sent in order and all wait as long,
//! so the waiting ones are kept in a queue sorted both by number and by
//! deadline; the numbers of the last [`Waits::CAPACITY`] probes that timed
//! out are kept too, so that an error about one of them, coming later, is
//! known for a late one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The probes waiting for an answer; see the module documentation.
#[derive(Debug, Clone)]
pub(super) struct Waits {
    wait: Duration,
    /// (probe number, sequence number, deadline), oldest first.
    waiting: VecDeque<(u64, u16, Instant)>,
    /// Numbers of probes that timed out, ascending; at most `CAPACITY`.
    timed_out: VecDeque<u64>,
}

impl Waits {
    /// The most probes waiting, and timed-out probes remembered: as many
    /// as the session remembers for matching (a reply to an older one is
    /// no longer matched).
    pub(super) const CAPACITY: usize = super::PROBES_REMEMBERED;

    /// Probes wait `wait` after their send.
    pub(super) fn new(wait: Duration) -> Self {
        Self {
            wait,
            waiting: VecDeque::new(),
            timed_out: VecDeque::new(),
        }
    }

    /// Probe `number` (`seq`) went at `at`. Returns the sequence number of
    /// the oldest waiting probe if there is no room for this one: it times
    /// out now.
    pub(super) fn sent(&mut self, number: u64, seq: u16, at: Instant) -> Option<u16> {
        let evicted = (self.waiting.len() >= Self::CAPACITY)
            .then(|| self.waiting.pop_front())
            .flatten()
            .map(|(n, s, _)| {
                self.note_timed_out(n);
                s
            });
        self.waiting.push_back((number, seq, at + self.wait));
        evicted
    }

    /// Probe `number` got an answer: it waits no more.
    pub(super) fn answered(&mut self, number: u64) {
        if let Ok(i) = self.waiting.binary_search_by_key(&number, |&(n, _, _)| n) {
            self.waiting.remove(i);
        }
    }

    /// Whether probe `number` has timed out (and is still remembered).
    pub(super) fn has_timed_out(&self, number: u64) -> bool {
        self.timed_out.binary_search(&number).is_ok()
    }

    /// The sequence numbers of the probes whose wait is over at `now`, in
    /// send order.
    pub(super) fn expire(&mut self, now: Instant, out: &mut impl Extend<u16>) {
        while let Some(&(number, seq, deadline)) = self.waiting.front() {
            if deadline > now {
                break;
            }
            self.waiting.pop_front();
            self.note_timed_out(number);
            out.extend([seq]);
        }
    }

    /// Every probe still waiting, which the end of the run times out.
    pub(super) fn end(&mut self, out: &mut impl Extend<u16>) {
        while let Some((number, seq, _)) = self.waiting.pop_front() {
            self.note_timed_out(number);
            out.extend([seq]);
        }
    }

    /// When the oldest waiting probe's wait ends.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.waiting.front().map(|&(_, _, deadline)| deadline)
    }

    fn note_timed_out(&mut self, number: u64) {
        if self.timed_out.len() >= Self::CAPACITY {
            self.timed_out.pop_front();
        }
        self.timed_out.push_back(number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_time_out_in_order_unless_answered() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut waits = Waits::new(2 * s);
        for n in 1..=4u16 {
            assert_eq!(waits.sent(u64::from(n), n, t0 + s * u32::from(n)), None);
        }
        waits.answered(2);
        assert_eq!(waits.next_deadline(), Some(t0 + 3 * s));
        let mut out = Vec::new();
        waits.expire(t0 + 5 * s, &mut out);
        assert_eq!(out, [1, 3]);
        assert!(waits.has_timed_out(1) && waits.has_timed_out(3));
        assert!(!waits.has_timed_out(2) && !waits.has_timed_out(4));
        waits.end(&mut out);
        assert_eq!(out, [1, 3, 4]);
        assert_eq!(waits.next_deadline(), None);
    }

    #[test]
    fn waiting_probes_are_bounded() {
        let t0 = Instant::now();
        let mut waits = Waits::new(Duration::from_secs(10));
        let cap = u64::try_from(Waits::CAPACITY).unwrap();
        for n in 1..=cap {
            #[allow(clippy::cast_possible_truncation)]
            let seq = n as u16;
            assert_eq!(waits.sent(n, seq, t0), None);
        }
        assert_eq!(waits.sent(cap + 1, 0, t0), Some(1));
        assert!(waits.has_timed_out(1));
    }
}
