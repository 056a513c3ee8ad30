//! Messages that break the protocol's rules, each mapped to Suricata's
//! decoder event where it has one (see the [catalog](super::catalog)):
//!
//! | detection | rule |
//! |---|---|
//! | `bad-checksum` | the ICMP checksum of a whole message does not verify (not after a broken reassembly) |
//! | `truncated` | the message is shorter than its type needs (header, fields, quote) although the capture holds all of it |
//! | `malformed` | another format break: a field with a forbidden value, an option overrun... |
//! | `unknown-type` | an unassigned, reserved or experimental type ([`meaning::status`]) |
//! | `unknown-code` | a code its type does not define ([`meaning::code_info`]; types with only "No Code" define 0); not an echo reply to a request seen, whose code Linux copies |
//! | `version-mismatch` | ICMPv6 (protocol 58) in IPv4, ICMPv4 (next header 1, behind extension headers too) in IPv6 |
//! | `mld-hop-limit` | MLD query, report or done (130, 131, 132, 143) with a hop limit other than 1 |
//!
//! A message cut by the capture's snapshot length is not truncated (the
//! sender did nothing wrong). Each anomaly is raised once per source per
//! hold time; repeats are skipped before any work (`Alerts::is_active`).
//! The only state is a short queue of version mismatches seen by the IP
//! packet hook (which cannot raise), at most [`PENDING`] sources, raised by
//! the next ICMP message or at the end of the input.

mod mismatch;
mod registry;

use icmpkit_wire::dissect::ChecksumStatus;
use icmpkit_wire::meaning::{self, Status};
use icmpkit_wire::{IpVersion, Malformed};

use self::mismatch::Mismatch;
use self::registry::{Registry, private_experiment};
use super::{Alerts, Detection, Detector, Evidence, Finding};
use crate::observe::{Direction, EchoKind, IpPacket, Nanos, Seen};

/// Version mismatches held until the next message (distinct sources; more
/// are dropped, and counted).
pub const PENDING: usize = 16;

/// The settings of [`Anomalies`] (none yet: every rule is the protocol's).
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// The anomaly detector.
#[derive(Debug, Default)]
pub struct Anomalies {
    pending: Vec<Mismatch>,
    /// Mismatches dropped because the queue was full.
    dropped: u64,
}

impl Anomalies {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self {
            pending: Vec::with_capacity(PENDING),
            dropped: 0,
        }
    }

    /// Version mismatches dropped because too many sources sent them
    /// between two ICMP messages.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn flush(&mut self, alerts: &mut Alerts) {
        for m in self.pending.drain(..) {
            alerts.raise(Detection::VersionMismatch, m.src, m.now, || {
                mismatch::finding(&m)
            });
        }
    }
}

/// The family's name.
const fn family(version: IpVersion) -> &'static str {
    match version {
        IpVersion::V4 => "ICMPv4",
        IpVersion::V6 => "ICMPv6",
    }
}

impl Anomalies {
    fn checksum(seen: &Seen<'_>, alerts: &mut Alerts) {
        // After a broken reassembly (overlaps, past 65,535 bytes) the
        // checksum says nothing more: the fragment detections speak.
        if seen.d.checksum_status != ChecksumStatus::Invalid
            || seen.reassembly.is_some()
            || alerts.is_active(Detection::BadChecksum, seen.src(), seen.now)
        {
            return;
        }
        alerts.raise(Detection::BadChecksum, seen.src(), seen.now, || {
            let outgoing = seen.direction == Direction::Outgoing;
            let found = seen.d.checksum().unwrap_or(0);
            let caveat = if outgoing {
                " It was captured leaving this host, where checksum offload leaves the field \
                 for the network card to fill: capture on the wire to be sure."
            } else {
                " A receiver drops it."
            };
            Finding::about(
                seen,
                Detection::BadChecksum,
                if outgoing { 30 } else { 90 },
                Evidence::one(seen.frame).fact("checksum", format!("0x{found:04x}")),
                format!(
                    "The {} {} from {} to {} carries checksum 0x{found:04x}, which does not \
                     verify.{caveat}",
                    family(seen.version()),
                    meaning::summary(seen.version(), seen.msg_type(), seen.code()),
                    seen.src(),
                    seen.dst(),
                ),
            )
        });
    }

    fn problem(seen: &Seen<'_>, alerts: &mut Alerts) {
        // Cut by the capture (or a lost fragment): nothing the sender did.
        if seen.d.truncated {
            return;
        }
        // Cheap for a well-formed message (an error's quote is parsed
        // again, errors are few).
        let Some(reason) = seen.d.problem() else {
            return;
        };
        let src = seen.src();
        let detection = match reason {
            Malformed::Truncated { .. } | Malformed::Overrun { .. } => Detection::Truncated,
            _ => Detection::Malformed,
        };
        if alerts.is_active(detection, src, seen.now) {
            return;
        }
        alerts.raise(detection, src, seen.now, || {
            let what = if detection == Detection::Truncated {
                "is shorter than its type needs, although the capture holds the whole packet"
            } else {
                "breaks its format"
            };
            Finding::about(
                seen,
                detection,
                85,
                Evidence::one(seen.frame)
                    .fact("reason", reason.to_string())
                    .fact("length", seen.d.icmp.len()),
                format!(
                    "The {} {} from {} to {} ({} bytes of ICMP) {what}: {reason}.",
                    family(seen.version()),
                    meaning::summary(seen.version(), seen.msg_type(), seen.code()),
                    src,
                    seen.dst(),
                    seen.d.icmp.len(),
                ),
            )
        });
    }

    fn type_and_code(seen: &Seen<'_>, alerts: &mut Alerts) {
        let Some(msg_type) = seen.d.msg_type() else {
            return;
        };
        let (version, src, now) = (seen.version(), seen.src(), seen.now);
        let registry = Registry::of(version);
        if registry.unknown[usize::from(msg_type)] {
            if alerts.is_active(Detection::UnknownType, src, now) {
                return;
            }
            alerts.raise(Detection::UnknownType, src, now, || {
                let info = meaning::type_info(version, msg_type);
                let status = meaning::status(version, msg_type);
                let (why, confidence) = match status {
                    Status::Unassigned => ("is not assigned to any message".to_owned(), 90),
                    Status::Reserved => {
                        ("is reserved and never defined as a message".to_owned(), 90)
                    }
                    _ if private_experiment(version, msg_type) => (
                        "is set aside for private experiments and must not be deployed".to_owned(),
                        85,
                    ),
                    _ => (
                        format!(
                            "belongs to an experimental protocol ({}) that is rarely deployed",
                            info.map_or("", |t| t.reference)
                        ),
                        50,
                    ),
                };
                Finding::about(
                    seen,
                    Detection::UnknownType,
                    confidence,
                    Evidence::one(seen.frame).fact("type", msg_type),
                    format!(
                        "{} sent {} type {msg_type} to {}: the type {why}.",
                        src,
                        family(version),
                        seen.dst(),
                    ),
                )
            });
            return;
        }
        let Some(code) = seen.d.code() else {
            return;
        };
        if registry.code_known(msg_type, code) {
            return;
        }
        let Some(info) = meaning::type_info(version, msg_type) else {
            return;
        };
        // Linux copies a request's code into its echo reply: a reply to a
        // request seen is the request's anomaly, already raised.
        let answered = seen
            .echo
            .is_some_and(|e| e.kind == EchoKind::Reply && e.matched.is_some());
        if answered || alerts.is_active(Detection::UnknownCode, src, now) {
            return;
        }
        alerts.raise(Detection::UnknownCode, src, now, || {
            let defined = if info.codes.is_empty() {
                "defines only code 0".to_owned()
            } else {
                let codes: Vec<_> = info.codes.iter().map(|c| c.code.to_string()).collect();
                format!("defines codes {}", codes.join(", "))
            };
            Finding::about(
                seen,
                Detection::UnknownCode,
                85,
                Evidence::one(seen.frame)
                    .fact("type", msg_type)
                    .fact("code", code),
                format!(
                    "{} sent {} {} (type {msg_type}) with code {code} to {}; the type {defined}.",
                    src,
                    family(version),
                    info.short,
                    seen.dst(),
                ),
            )
        });
    }

    fn mld(seen: &Seen<'_>, alerts: &mut Alerts) {
        let hop_limit = seen.d.hop_limit;
        if seen.version() != IpVersion::V6
            || !matches!(seen.msg_type(), 130 | 131 | 132 | 143)
            || hop_limit == 1
            || alerts.is_active(Detection::MldHopLimit, seen.src(), seen.now)
        {
            return;
        }
        alerts.raise(Detection::MldHopLimit, seen.src(), seen.now, || {
            Finding::about(
                seen,
                Detection::MldHopLimit,
                90,
                Evidence::one(seen.frame).fact("hop_limit", hop_limit),
                format!(
                    "{} sent an MLD {} to {} with hop limit {hop_limit}; MLD must have hop limit \
                     1 (RFC 2710, RFC 3810), so it came from off the link or was crafted.",
                    seen.src(),
                    meaning::summary(IpVersion::V6, seen.msg_type(), seen.code()),
                    seen.dst(),
                ),
            )
        });
    }
}

impl Detector for Anomalies {
    fn packet(&mut self, packet: &IpPacket<'_>) {
        // One byte compared for nearly every packet.
        let Some(m) = mismatch::mismatch(packet) else {
            return;
        };
        if self.pending.iter().any(|p| p.src == m.src) {
            return;
        }
        if self.pending.len() < PENDING {
            self.pending.push(m);
        } else {
            self.dropped += 1;
        }
    }

    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        if !self.pending.is_empty() {
            self.flush(alerts);
        }
        Self::checksum(seen, alerts);
        Self::problem(seen, alerts);
        Self::type_and_code(seen, alerts);
        Self::mld(seen, alerts);
    }

    fn finish(&mut self, _now: Nanos, alerts: &mut Alerts) {
        self.flush(alerts);
    }

    fn held(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests;
