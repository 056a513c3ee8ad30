//! The guard: captured packets in, findings and counts out.
//!
//! ```text
//! Captured ─► reassembly ─► every IP packet ─► Detector::packet
//!                               └─ ICMP ─► dissect ─► Traffic (counts, echo pairing)
//!                                                  └─► Seen ─► Detector::message ─► Alerts ─► Finding
//! ```
//!
//! Sans-IO: the front end reads files or interfaces and hands packets over
//! in capture order; time is the capture's.

use icmpkit_capture::reassembly::{self, Limits, Outcome, Reassembler};
use icmpkit_wire::dissect;

use crate::detect::{self, Alerts, Detection, Detectors, Finding, Severity, Tally};
use crate::observe::{Captured, IpPacket, Nanos, SECOND, Seen, nanos};
use crate::traffic::Traffic;

/// How the guard is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// A finding about the same subject is raised again only after this
    /// long without it (capture time); repeats in between are counted.
    pub hold: Nanos,
    /// The bounds on fragments held for reassembly.
    pub reassembly: Limits,
    /// The detectors' settings.
    pub detectors: detect::Settings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hold: 300 * SECOND,
            reassembly: Limits::default(),
            detectors: detect::Settings::default(),
        }
    }
}

/// How much state the guard holds now: each part is bounded (see
/// ARCHITECTURE.md, "guard").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// Echo requests awaiting replies.
    pub echo_requests: usize,
    /// Datagrams in reassembly.
    pub reassembling: usize,
    /// Bytes held for reassembly.
    pub reassembly_bytes: usize,
    /// Entries of per-address and per-flow state in the detectors.
    pub detector_entries: usize,
}

/// Classifies ICMP traffic and raises findings.
#[derive(Debug)]
pub struct Guard {
    reassembler: Reassembler,
    traffic: Traffic,
    detectors: Detectors,
    alerts: Alerts,
    latest: Nanos,
    finished: bool,
}

impl Guard {
    /// A guard with `config`.
    pub fn new(config: &Config) -> Self {
        Self {
            reassembler: Reassembler::with_limits(config.reassembly),
            traffic: Traffic::new(),
            detectors: Detectors::new(&config.detectors),
            alerts: Alerts::new(config.hold),
            latest: 0,
            finished: false,
        }
    }

    /// Takes one captured packet.
    pub fn observe(&mut self, captured: &Captured<'_>) {
        self.traffic.frames += 1;
        let now = nanos(captured.time);
        self.latest = self.latest.max(now);
        let (ip, fragments, problem) =
            match self
                .reassembler
                .push(captured.frame, Some(captured.time), captured.ip)
            {
                Outcome::Whole => (captured.ip, 0, None),
                Outcome::Held => return,
                Outcome::Complete(whole) => (whole.packet, whole.frames.len(), whole.problem),
            };
        self.detectors.packet(&IpPacket {
            frame: captured.frame,
            now,
            ip,
            direction: captured.direction,
        });
        let Some(d) = dissect::dissect(ip) else {
            return;
        };
        let echo = self.traffic.message(
            captured.frame,
            now,
            &d,
            captured.direction,
            captured.link_broadcast,
            ip.len(),
        );
        let seen = Seen {
            frame: captured.frame,
            time: captured.time,
            now,
            ip,
            d: &d,
            direction: captured.direction,
            link_broadcast: captured.link_broadcast,
            fragments,
            reassembly: problem,
            echo,
        };
        self.detectors.message(&seen, &mut self.alerts);
    }

    /// The next finding raised and not yet taken.
    pub fn poll_finding(&mut self) -> Option<Finding> {
        self.alerts.poll()
    }

    /// Ends the input: detectors raise what only the whole run shows
    /// (poll for them after). Called twice, does nothing the second time.
    pub fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.detectors.finish(self.latest, &mut self.alerts);
        }
    }

    /// What the traffic was made of.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// The same, for reading rates (which moves their windows).
    pub fn traffic_mut(&mut self) -> &mut Traffic {
        &mut self.traffic
    }

    /// What each detection raised, in catalog order.
    pub fn tallies(&self) -> impl Iterator<Item = (Detection, Tally)> + '_ {
        self.alerts.tallies()
    }

    /// The worst severity raised so far.
    pub fn worst(&self) -> Option<Severity> {
        self.alerts.worst()
    }

    /// What reassembly did.
    pub fn reassembly(&self) -> reassembly::Stats {
        self.reassembler.stats()
    }

    /// How much state is held now.
    pub fn held(&mut self) -> Held {
        Held {
            echo_requests: self.traffic.echo.held(),
            reassembling: self.reassembler.in_progress(),
            reassembly_bytes: self.reassembler.held_bytes(),
            detector_entries: self.detectors.held(),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
