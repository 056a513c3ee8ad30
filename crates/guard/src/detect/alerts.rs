//! Where detectors raise findings: one alert per detection and subject
//! within a hold time, the repeats counted, never queued; so a flood
//! raises one finding, not one per packet, and memory stays bounded.
//!
//! One detection raises at most [`RAISED_PER_MINUTE`] findings a minute:
//! forged sources or destinations, new with every packet, are counted as
//! repeats past that.
//!
//! A finding raised below its detection's usual severity (a weak first
//! sign) does not hold back a worse one: within the hold time a finding
//! more severe than the one raised is raised too (an escalation).

use core::net::IpAddr;
use std::collections::VecDeque;

use super::catalog::{Detection, Severity};
use super::finding::Finding;
use crate::bounded::{Bounded, Window};
use crate::observe::{Nanos, SECOND};

/// How many (detection, subject) pairs are remembered for suppression.
pub const SUBJECTS_REMEMBERED: usize = 16_384;

/// The most findings one detection raises in a minute of capture time;
/// past it, new subjects are counted as repeats: packets with forged,
/// ever-new addresses must not choose how much the guard writes.
pub const RAISED_PER_MINUTE: u32 = 20;

/// What was raised for one detection over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Findings raised (alerts written).
    pub raised: u64,
    /// Findings raised of each severity, in [`Severity::ALL`] order.
    pub by_severity: [u64; 4],
    /// Repeats within the hold time, counted but not raised again (and
    /// findings about new subjects past [`RAISED_PER_MINUTE`]).
    pub repeats: u64,
    /// The worst severity raised.
    pub worst: Option<Severity>,
}

/// The findings raised so far and the state that keeps repeats quiet.
#[derive(Debug)]
pub struct Alerts {
    hold: Nanos,
    /// When each (detection, subject) was last raised or repeated, and
    /// the severity raised.
    recent: Bounded<(Detection, IpAddr), (Nanos, Severity)>,
    queue: VecDeque<Finding>,
    tallies: Vec<Tally>,
    /// Findings raised per detection over the last minute.
    recently_raised: Vec<Window>,
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
            recently_raised: vec![Window::new(60 * SECOND); Detection::ALL.len()],
        }
    }

    /// Whether `detection` about `subject` was raised within the hold time
    /// before `now` (so a new finding would be a repeat).
    pub fn is_active(&self, detection: Detection, subject: IpAddr, now: Nanos) -> bool {
        self.active(detection, subject, now).is_some()
    }

    /// The severity raised about `subject` within the hold time, if any.
    fn active(&self, detection: Detection, subject: IpAddr, now: Nanos) -> Option<Severity> {
        self.recent
            .peek(&(detection, subject))
            .filter(|(last, _)| now.saturating_sub(*last) < self.hold)
            .map(|&(_, severity)| severity)
    }

    /// For a detector about to work out a finding: when one about
    /// `subject` is active at the detection's usual severity, counts a
    /// repeat, keeps it active, and returns `true` (the work can be
    /// skipped). A finding raised weaker than usual does not suppress: a
    /// worse one may still come.
    pub fn suppress(&mut self, detection: Detection, subject: IpAddr, now: Nanos) -> bool {
        let Some(raised) = self.active(detection, subject, now) else {
            return false;
        };
        if raised < detection.info().severity {
            return false;
        }
        self.recent.entry((detection, subject), || (now, raised)).0 = now;
        self.tallies[detection as usize].repeats += 1;
        true
    }

    /// Raises the finding `make` builds about `subject`, unless the same
    /// detection about the same subject is active: then it only counts a
    /// repeat (and `make` is not called), except when the one raised was
    /// weaker than the detection's usual severity: then `make` is called
    /// and a more severe finding is raised. Returns whether it was raised.
    pub fn raise(
        &mut self,
        detection: Detection,
        subject: IpAddr,
        now: Nanos,
        make: impl FnOnce() -> Finding,
    ) -> bool {
        let active = self.active(detection, subject, now);
        let many = self.recently_raised[detection as usize].count(now) >= RAISED_PER_MINUTE;
        let finding = match active {
            Some(raised) if raised >= detection.info().severity => None,
            Some(raised) => Some(make()).filter(|f| f.severity > raised),
            None if many => None,
            None => Some(make()),
        };
        let tally = &mut self.tallies[detection as usize];
        let Some(finding) = finding else {
            tally.repeats += 1;
            if let Some(raised) = active {
                *self.recent.entry((detection, subject), || (now, raised)) = (now, raised);
            }
            return false;
        };
        *self
            .recent
            .entry((detection, subject), || (now, finding.severity)) = (now, finding.severity);
        tally.raised += 1;
        tally.by_severity[finding.severity as usize] += 1;
        tally.worst = tally.worst.max(Some(finding.severity));
        self.recently_raised[detection as usize].add(now, 1);
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

#[cfg(test)]
mod tests;
