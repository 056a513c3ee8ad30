//! Where detectors raise findings: one alert per detection and subject
//! within a hold time, the repeats counted, never queued; so a flood
//! raises one finding, not one per packet, and memory stays bounded.

use core::net::IpAddr;
use std::collections::VecDeque;

use super::catalog::{Detection, Severity};
use super::finding::Finding;
use crate::bounded::Bounded;
use crate::observe::Nanos;

/// How many (detection, subject) pairs are remembered for suppression.
pub const SUBJECTS_REMEMBERED: usize = 16_384;

/// What was raised for one detection over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Findings raised (alerts written).
    pub raised: u64,
    /// Repeats within the hold time, counted but not raised again.
    pub repeats: u64,
    /// The worst severity raised.
    pub worst: Option<Severity>,
}

/// The findings raised so far and the state that keeps repeats quiet.
#[derive(Debug)]
pub struct Alerts {
    hold: Nanos,
    /// When each (detection, subject) was last raised or repeated.
    recent: Bounded<(Detection, IpAddr), Nanos>,
    queue: VecDeque<Finding>,
    tallies: Vec<Tally>,
}

impl Alerts {
    /// Alerts that raise a (detection, subject) again only after `hold`
    /// nanoseconds of capture time without it.
    pub fn new(hold: Nanos) -> Self {
        Self {
            hold,
            recent: Bounded::new(SUBJECTS_REMEMBERED),
            queue: VecDeque::new(),
            tallies: vec![Tally::default(); Detection::ALL.len()],
        }
    }

    /// Whether `detection` about `subject` was raised within the hold time
    /// before `now` (so a new finding would be a repeat).
    pub fn is_active(&self, detection: Detection, subject: IpAddr, now: Nanos) -> bool {
        self.recent
            .peek(&(detection, subject))
            .is_some_and(|&last| now.saturating_sub(last) < self.hold)
    }

    /// Raises the finding `make` builds about `subject`, unless the same
    /// detection about the same subject is active: then it only counts a
    /// repeat (and `make` is not called). Returns whether it was raised.
    pub fn raise(
        &mut self,
        detection: Detection,
        subject: IpAddr,
        now: Nanos,
        make: impl FnOnce() -> Finding,
    ) -> bool {
        let active = self.is_active(detection, subject, now);
        *self.recent.entry((detection, subject), || now) = now;
        let tally = &mut self.tallies[detection as usize];
        if active {
            tally.repeats += 1;
            return false;
        }
        let finding = make();
        tally.raised += 1;
        tally.worst = tally.worst.max(Some(finding.severity));
        self.queue.push_back(finding);
        true
    }

    /// The next finding raised and not yet taken.
    pub fn poll(&mut self) -> Option<Finding> {
        self.queue.pop_front()
    }

    /// What each detection raised, in catalog order.
    pub fn tallies(&self) -> impl Iterator<Item = (Detection, Tally)> + '_ {
        Detection::ALL
            .iter()
            .zip(&self.tallies)
            .map(|(&d, &t)| (d, t))
    }

    /// The worst severity raised so far.
    pub fn worst(&self) -> Option<Severity> {
        self.tallies.iter().filter_map(|t| t.worst).max()
    }
}
