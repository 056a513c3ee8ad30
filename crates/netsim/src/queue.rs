//! The virtual clock's event queue: what happens next in the simulated
//! network, in time order (ties in the order they were scheduled, so a run
//! is deterministic).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

/// An item due at an instant.
#[derive(Debug)]
struct Scheduled<T> {
    at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Scheduled<T> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl<T> Eq for Scheduled<T> {}

impl<T> PartialOrd for Scheduled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Scheduled<T> {
    // Reversed: the heap's greatest is the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Items ordered by the instant they are due, then by scheduling order.
#[derive(Debug)]
pub(crate) struct EventQueue<T> {
    heap: BinaryHeap<Scheduled<T>>,
    next_seq: u64,
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedules `item` at `at`.
    pub(crate) fn push(&mut self, at: Instant, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Scheduled { at, seq, item });
    }

    /// When the earliest item is due.
    pub(crate) fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|s| s.at)
    }

    /// Takes the earliest item if it is due at or before `deadline`.
    pub(crate) fn pop_due(&mut self, deadline: Instant) -> Option<(Instant, T)> {
        if self.next_at()? > deadline {
            return None;
        }
        self.heap.pop().map(|s| (s.at, s.item))
    }
}
