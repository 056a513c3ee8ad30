//! [`ProbeWindow`]: the probes a [`super::PingSession`] remembers, in
//! memory bounded by [`ProbeWindow::CAPACITY`] whatever the send rate or
//! the deadline.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What is remembered of one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Probe {
    /// Nanoseconds from the session's start to the send.
    sent_ns: u64,
    /// Replies to it so far.
    pub replies: u32,
}

impl Probe {
    /// When it was sent, on the clock of `start`.
    pub fn sent_at(&self, start: Instant) -> Instant {
        start + Duration::from_nanos(self.sent_ns)
    }

    /// When it was sent, in nanoseconds from the session's start.
    pub fn sent_ns(&self) -> u64 {
        self.sent_ns
    }
}

/// Nanoseconds from `start` to `at` (0 before it, `u64::MAX` past 584
/// years): the clock [`Probe`] keeps its send time on.
pub(super) fn nanos_since(start: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(start).as_nanos()).unwrap_or(u64::MAX)
}

/// The most recent probes, by number: numbers are consecutive (one per
/// send), so the window is a ring of the last [`ProbeWindow::CAPACITY`]
/// sends at most, 16 bytes each. A probe leaves when it is older than the
/// session's memory ([`ProbeWindow::forget_sent_before`]) or when the ring
/// is full (the oldest goes).
#[derive(Debug, Clone)]
pub(super) struct ProbeWindow {
    start: Instant,
    /// The number of `probes[0]`.
    first: u64,
    probes: VecDeque<Probe>,
}

impl ProbeWindow {
    /// Two cycles of the 16-bit sequence number: a reply that carries no
    /// probe number (sequence alone) can only mean the newest probe with
    /// its sequence, and one carrying its number still finds a probe sent
    /// a whole wrap before the newest. 2 MiB at most.
    pub const CAPACITY: usize = 2 << 16;

    /// An empty window for a session starting at `start`.
    pub fn new(start: Instant) -> Self {
        Self {
            start,
            first: 1,
            probes: VecDeque::new(),
        }
    }

    /// How many probes are remembered.
    pub fn len(&self) -> usize {
        self.probes.len()
    }

    /// Remembers probe `number`, sent at `sent_at`. Numbers come in order
    /// (the next after the newest); another number starts the window over.
    pub fn insert(&mut self, number: u64, sent_at: Instant) {
        if number != self.first + self.probes.len() as u64 {
            self.probes.clear();
            self.first = number;
        }
        if self.probes.len() == Self::CAPACITY {
            self.probes.pop_front();
            self.first += 1;
        }
        let sent_ns = nanos_since(self.start, sent_at);
        self.probes.push_back(Probe {
            sent_ns,
            replies: 0,
        });
    }

    /// Probe `number`, if remembered.
    pub fn get_mut(&mut self, number: u64) -> Option<&mut Probe> {
        let i = usize::try_from(number.checked_sub(self.first)?).ok()?;
        self.probes.get_mut(i)
    }

    /// Whether probe `number` is remembered.
    pub fn contains(&self, number: u64) -> bool {
        number
            .checked_sub(self.first)
            .and_then(|i| usize::try_from(i).ok())
            .is_some_and(|i| i < self.probes.len())
    }

    /// The number of the oldest probe remembered.
    pub fn oldest(&self) -> Option<u64> {
        (!self.probes.is_empty()).then_some(self.first)
    }

    /// When the oldest probe remembered was sent.
    pub fn oldest_sent_at(&self) -> Option<Instant> {
        self.probes.front().map(|p| p.sent_at(self.start))
    }

    /// Forgets every probe sent before `cutoff`.
    pub fn forget_sent_before(&mut self, cutoff: Instant) {
        while let Some(probe) = self.probes.front() {
            if probe.sent_at(self.start) >= cutoff {
                break;
            }
            self.probes.pop_front();
            self.first += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_keeps_the_newest_probes_up_to_its_capacity() {
        let t0 = Instant::now();
        let mut w = ProbeWindow::new(t0);
        let total = ProbeWindow::CAPACITY as u64 + 1000;
        for n in 1..=total {
            w.insert(n, t0 + Duration::from_micros(n));
        }
        assert_eq!(w.len(), ProbeWindow::CAPACITY);
        assert_eq!(w.oldest(), Some(1001));
        assert!(!w.contains(1000));
        assert!(w.contains(1001) && w.contains(total));
        assert!(!w.contains(total + 1));
        w.get_mut(total).unwrap().replies += 1;
        assert_eq!(w.get_mut(total).map(|p| p.replies), Some(1));
        assert_eq!(
            w.get_mut(1001).map(|p| p.sent_at(t0)),
            Some(t0 + Duration::from_micros(1001))
        );
        w.forget_sent_before(t0 + Duration::from_micros(total));
        assert_eq!((w.len(), w.oldest()), (1, Some(total)));
        w.forget_sent_before(t0 + Duration::from_secs(1));
        assert_eq!((w.len(), w.oldest()), (0, None));
        // The next number after the newest still follows on.
        w.insert(total + 1, t0);
        assert!(w.contains(total + 1));
    }
}
