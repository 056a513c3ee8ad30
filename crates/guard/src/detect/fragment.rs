//! Fragment attacks on ICMP: the ping of death (fragments that reassemble
//! past the 65,535 bytes an IP length field can say) and fragments that
//! overlap with different bytes (teardrop and inspection evasion).
//! Reassembly itself is [`icmpkit_capture::reassembly`]'s, bounded there.

use icmpkit_capture::reassembly::Problem;

use super::{Alerts, Detection, Detector, Evidence, Finding};
use crate::observe::Seen;

/// The settings of [`Fragments`] (none yet: every such datagram is raised).
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// Judges each reassembled datagram's fragments; keeps no state.
#[derive(Debug, Default)]
pub struct Fragments {}

impl Fragments {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self::default()
    }
}

impl Detector for Fragments {
    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let Some(problem) = seen.reassembly else {
            return;
        };
        let fragments = seen.fragments as u64;
        let (detection, confidence, explanation, evidence) = match problem {
            Problem::TooLong { len } => (
                Detection::PingOfDeath,
                95,
                format!(
                    "{} fragments from {} to {} reassemble to {len} bytes of payload, past the \
                     65,535 an IP datagram can hold: a ping of death.",
                    fragments,
                    seen.src(),
                    seen.dst()
                ),
                Evidence::packets(fragments, seen.frame).fact("payload_bytes", len),
            ),
            Problem::OverlapConflict { offset } => (
                Detection::FragmentOverlap,
                90,
                format!(
                    "Fragments of one ICMP datagram from {} to {} overlap at payload offset \
                     {offset} with different bytes: a receiver keeps either, so what a monitor \
                     sees may not be what the host gets.",
                    seen.src(),
                    seen.dst()
                ),
                Evidence::packets(fragments, seen.frame).fact("offset", offset),
            ),
            Problem::EndsDiffer { first, other } => (
                Detection::FragmentOverlap,
                70,
                format!(
                    "Two last fragments of one ICMP datagram from {} to {} end it at different \
                     lengths ({first} and {other} bytes).",
                    seen.src(),
                    seen.dst()
                ),
                Evidence::packets(fragments, seen.frame)
                    .fact("first_end", first)
                    .fact("other_end", other),
            ),
            Problem::PastEnd { end, reach } => (
                Detection::FragmentOverlap,
                70,
                format!(
                    "A fragment of an ICMP datagram from {} to {} reaches byte {reach}, past the \
                     end at {end} its last fragment gave.",
                    seen.src(),
                    seen.dst()
                ),
                Evidence::packets(fragments, seen.frame)
                    .fact("end", end)
                    .fact("reach", reach),
            ),
            _ => return,
        };
        alerts.raise(detection, seen.src(), seen.now, || {
            Finding::about(seen, detection, confidence, evidence, explanation)
        });
    }
}
