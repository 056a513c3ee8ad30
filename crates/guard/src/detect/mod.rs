//! The detections: each family of abuse is a [`Detector`] that sees every
//! IP packet and every ICMP message and raises [`Finding`]s through
//! [`Alerts`].
//!
//! | module | detections |
//! |---|---|
//! | [`flood`] | echo floods per source and per destination, unsolicited replies, broadcast echo, smurf, BlackNurse |
//! | [`fragment`] | ping of death, overlapping fragments |
//! | [`tunnel`] | reply data not the request's, tunnels in echo, tool magics, unusual payloads, long sessions |
//! | [`recon`] | sweeps, TTL walks, scanner probe shapes |
//! | [`spoof`] | redirects, rogue RAs, source quench, tiny MTUs, errors about packets never sent, CVE shapes |
//! | [`anomaly`] | checksums, truncation, unknown types and codes, version mismatch, MLD hop limit |
//!
//! [`catalog`] names them all; every detector's state is bounded (see each
//! module's `Settings` and [`crate::bounded`]).

pub mod alerts;
pub mod anomaly;
pub mod catalog;
pub mod finding;
pub mod flood;
pub mod fragment;
pub mod recon;
pub mod spoof;
pub mod tunnel;

pub use alerts::{Alerts, Tally};
pub use catalog::{Detection, DetectionInfo, Family, Severity};
pub use finding::{Evidence, Fact, FactValue, Finding};

use crate::observe::{IpPacket, Nanos, Seen};

/// One family of detections.
///
/// The guard calls [`Detector::packet`] for every IP packet (after
/// reassembly; ICMP or not), then, for an ICMP message,
/// [`Detector::message`]; [`Detector::finish`] once at the end of the input.
pub trait Detector {
    /// Sees any IP packet (for detectors that keep track of flows).
    fn packet(&mut self, _packet: &IpPacket<'_>) {}
    /// Sees one ICMP message and raises what it finds.
    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts);
    /// The input ended at `now`: raise what only the whole run shows.
    fn finish(&mut self, _now: Nanos, _alerts: &mut Alerts) {}
    /// How many entries of per-address or per-flow state it holds now.
    fn held(&self) -> usize {
        0
    }
}

/// The settings of every detector.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Floods and reflection.
    pub flood: flood::Settings,
    /// Ping of death and overlaps.
    pub fragment: fragment::Settings,
    /// Tunnels and covert channels.
    pub tunnel: tunnel::Settings,
    /// Reconnaissance.
    pub recon: recon::Settings,
    /// Spoofing and off-path attacks.
    pub spoof: spoof::Settings,
    /// Protocol anomalies.
    pub anomaly: anomaly::Settings,
}

/// Every detector, run in catalog order.
#[derive(Debug)]
pub struct Detectors {
    flood: flood::Floods,
    fragment: fragment::Fragments,
    tunnel: tunnel::Tunnels,
    recon: recon::Recon,
    spoof: spoof::Spoofing,
    anomaly: anomaly::Anomalies,
}

impl Detectors {
    /// Every detector with its settings.
    pub fn new(settings: &Settings) -> Self {
        Self {
            flood: flood::Floods::new(&settings.flood),
            fragment: fragment::Fragments::new(&settings.fragment),
            tunnel: tunnel::Tunnels::new(&settings.tunnel),
            recon: recon::Recon::new(&settings.recon),
            spoof: spoof::Spoofing::new(&settings.spoof),
            anomaly: anomaly::Anomalies::new(&settings.anomaly),
        }
    }

    fn each(&mut self) -> [&mut dyn Detector; 6] {
        [
            &mut self.flood,
            &mut self.fragment,
            &mut self.tunnel,
            &mut self.recon,
            &mut self.spoof,
            &mut self.anomaly,
        ]
    }

    /// Shows every detector an IP packet.
    pub fn packet(&mut self, packet: &IpPacket<'_>) {
        for d in self.each() {
            d.packet(packet);
        }
    }

    /// Shows every detector an ICMP message.
    pub fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        for d in self.each() {
            d.message(seen, alerts);
        }
    }

    /// Ends the input for every detector.
    pub fn finish(&mut self, now: Nanos, alerts: &mut Alerts) {
        for d in self.each() {
            d.finish(now, alerts);
        }
    }

    /// Entries of state held by all detectors.
    pub fn held(&mut self) -> usize {
        self.each().iter().map(|d| d.held()).sum()
    }
}
