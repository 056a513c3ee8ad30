//! Reconnaissance: sweeps, TTL walks and scanner probe shapes.
//!
//! - [`sweep`]: one source sending echo, timestamp, address-mask or PROBE
//!   requests to many distinct destinations within a window (`host-sweep`);
//! - [`walk`]: Time Exceeded messages from several routers about one
//!   source's packets to one destination, or probes with consecutive small
//!   TTLs (`ttl-walk`: traceroute, mtr, tracepath);
//! - [`scanner`]: nmap's ICMP probe shapes (`scanner-probe`).
//!
//! Every piece of state is per source or per (source, destination) pair in
//! a [`Bounded`](crate::bounded::Bounded) map (capacities in [`Settings`]),
//! with fixed-size sets inside: memory is bounded whatever the traffic
//! (at the defaults about 11 MB at most: 6.5 MB of sweeps, 2.9 MB of
//! scanner shapes, 1.8 MB of walks, plus the maps' own nodes).

pub mod scanner;
pub mod sweep;
pub mod walk;

use icmpkit_wire::IpVersion;

use super::{Alerts, Detector};
use crate::observe::{IpPacket, Nanos, SECOND, Seen};

/// Thresholds and bounds of the reconnaissance detections.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The window sweeps and walks are counted over (tumbling: the counts
    /// start again when a source's window is over).
    pub window: Nanos,
    /// Distinct destinations of echo or PROBE requests from one source
    /// within the window that make a sweep (at most
    /// [`sweep::MAX_DESTINATIONS`]).
    pub sweep_destinations: usize,
    /// Distinct destinations of timestamp or address-mask requests that
    /// make a sweep: these are rare enough that fewer suffice (at most
    /// [`sweep::MAX_RARE_DESTINATIONS`]).
    pub rare_sweep_destinations: usize,
    /// Distinct routers sending Time Exceeded about one source's packets
    /// to one destination that make a walk.
    pub walk_routers: usize,
    /// Consecutive TTLs (or hop limits) of one source's packets to one
    /// destination that make a walk.
    pub walk_ttls: u32,
    /// The highest TTL a walk's probe is counted with (traceroute's and
    /// mtr's default maximum is 30).
    pub walk_max_ttl: u8,
    /// How long a single weak scanner shape waits for stronger evidence
    /// from the same source before it is raised alone.
    pub scanner_grace: Nanos,
    /// Sources tracked by each per-source map.
    pub sources: usize,
    /// (source, destination) pairs tracked for walks.
    pub pairs: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            window: 60 * SECOND,
            sweep_destinations: 24,
            rare_sweep_destinations: 8,
            walk_routers: 3,
            walk_ttls: 3,
            walk_max_ttl: 30,
            scanner_grace: 5 * SECOND,
            sources: 16_384,
            pairs: 16_384,
        }
    }
}

/// The reconnaissance detector.
#[derive(Debug)]
pub struct Recon {
    sweeps: sweep::Sweeps,
    walks: walk::Walks,
    scanners: scanner::Scanners,
}

impl Recon {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            sweeps: sweep::Sweeps::new(settings),
            walks: walk::Walks::new(settings),
            scanners: scanner::Scanners::new(settings),
        }
    }
}

impl Detector for Recon {
    fn packet(&mut self, packet: &IpPacket<'_>) {
        self.walks.packet(packet);
    }

    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        use sweep::Kind;
        let kind = match (seen.version(), seen.msg_type()) {
            (IpVersion::V4, 8) | (IpVersion::V6, 128) => Kind::Echo,
            (IpVersion::V4, 13) => Kind::Timestamp,
            (IpVersion::V4, 17) => Kind::Mask,
            (IpVersion::V4, 42) | (IpVersion::V6, 160) => Kind::Probe,
            (IpVersion::V4, 11) | (IpVersion::V6, 3) => {
                if seen.code() == 0 {
                    self.walks.time_exceeded(seen, alerts);
                }
                return;
            }
            // The last hop of a walk answers with Destination Unreachable
            // (UDP traceroute's Port Unreachable).
            (IpVersion::V4, 3) | (IpVersion::V6, 1) => {
                self.walks.unreachable(seen, alerts);
                return;
            }
            _ => return,
        };
        self.sweeps.request(seen, kind, alerts);
        self.scanners.request(seen, kind, alerts);
        self.walks.probe(seen, alerts);
    }

    fn finish(&mut self, _now: Nanos, alerts: &mut Alerts) {
        self.scanners.finish(alerts);
    }

    fn held(&self) -> usize {
        self.sweeps.held() + self.walks.held() + self.scanners.held()
    }
}

#[cfg(test)]
pub(crate) mod tests;
