//! Tunnels and covert channels carried in echo messages.
//!
//! Every echo belongs to a session: (requester, peer, identifier), the
//! peer being the request's destination or the reply's source, kept in a
//! [`Bounded`] map. A session gathers independent signs that its echoes
//! carry data rather than test the path:
//!
//! | factor | rule |
//! |---|---|
//! | payload mismatch | a reply's data is not its request's (RFC 792, RFC 4443) |
//! | asymmetric sizes | one direction carries 4 times the other's bytes and 256 more (8 of each at least) |
//! | tool signature | ptunnel or ptunnel-ng magic, hans header, a whole IP packet at data offset 0 |
//! | high entropy | 3 sampled payloads random-looking in bytes and in byte differences |
//! | varying sizes | 3 or more data sizes in one direction (ping sends one) |
//! | volume | 1 MiB of data at 16 KiB/s or more over the session |
//!
//! Mismatch and asymmetry are one group (different replies make both),
//! signatures one; `echo-tunnel` (High) needs two groups, so a magic alone
//! never raises it. Alone, they raise `echo-payload-mismatch`,
//! `tunnel-signature` and `unusual-echo-payload`; a session pinging
//! steadily for ten minutes raises `long-echo-session` (Info), which is
//! never a factor: monitoring does it.
//!
//! State: at most [`Settings::sessions`] sessions (16,384 by default) of
//! about 300 bytes each, some 6 MB with the map's keys and links; the
//! least recently seen session is forgotten first. Per message the work is
//! one map look-up and a few comparisons; a payload's entropy is measured
//! (at most 256 bytes of it) for a session's first 16 payloads of 64 bytes
//! or more and then one in 16.

mod payload;
mod session;

pub use payload::{ENTROPY_MIN_DATA, Entropy, EntropyTable, Signature, signature};
use session::{Factors, Key, Mismatch, Session};

use super::{Alerts, Detection, Detector, Evidence, Finding, Severity};
use crate::bounded::Bounded;
use crate::observe::{EchoKind, Nanos, SECOND, Seen};

/// Thresholds of the tunnel detections.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Echo sessions tracked (least recently seen forgotten first).
    pub sessions: usize,
    /// The fraction of the most entropy a sample can have above which its
    /// bytes (and their differences) count as random.
    pub entropy_fraction: f64,
    /// Sampled payloads of high entropy that make the entropy factor.
    pub high_entropy_payloads: u32,
    /// Distinct data sizes in one direction that make the size factor.
    pub sizes: usize,
    /// Data bytes of a session that, at [`Settings::volume_per_second`] or
    /// more, make the volume factor.
    pub volume_bytes: u64,
    /// Data bytes per second over the session for the volume factor.
    pub volume_per_second: u64,
    /// Capture time a session must last to be a long echo session.
    pub long_session: Nanos,
    /// The longest pause between requests of a steady session.
    pub steady_gap: Nanos,
    /// Mismatching replies of one session that make the mismatch finding
    /// Medium (fewer: Low, raised by a later good reply or at the end).
    pub repeated_mismatches: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sessions: 16_384,
            entropy_fraction: 0.85,
            high_entropy_payloads: 3,
            sizes: 3,
            volume_bytes: 1 << 20,
            volume_per_second: 16 << 10,
            long_session: 600 * SECOND,
            steady_gap: 60 * SECOND,
            repeated_mismatches: 2,
        }
    }
}

/// A single mismatch is raised (Low) by a reply of its session this long
/// after it that is no mismatch, or at the end of the input.
const MISMATCH_SETTLE: Nanos = 10 * SECOND;

/// The tunnel detector.
#[derive(Debug)]
pub struct Tunnels {
    settings: Settings,
    sessions: Bounded<Key, Session>,
    entropy: EntropyTable,
}

impl Tunnels {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            settings: settings.clone(),
            sessions: Bounded::new(settings.sessions),
            entropy: EntropyTable::default(),
        }
    }
}

impl Detector for Tunnels {
    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let Some(echo) = seen.echo else {
            return;
        };
        let key = match echo.kind {
            EchoKind::Request => Key::new(seen.src(), seen.dst(), echo.ident),
            EchoKind::Reply => Key::new(seen.dst(), seen.src(), echo.ident),
        };
        let settings = &self.settings;
        let session = self.sessions.entry(key, || Session::new(seen));
        // A second mismatch clears the pending first one (raised Medium
        // below); otherwise a lone one is raised Low by a reply that comes
        // once it has settled (or at the end).
        let change = session.observe(seen, &echo, settings, &self.entropy);
        if echo.kind == EchoKind::Reply
            && let Some(pending) = session.settled_mismatch(seen.now, MISMATCH_SETTLE)
        {
            raise_single_mismatch(&key, &pending, seen.now, alerts);
        }

        if let Some(sig) = change.signature {
            raise_signature(seen, session, sig, alerts);
        }
        if change.mismatch && session.mismatches >= settings.repeated_mismatches {
            session.pending = None;
            raise_mismatches(seen, &key, session, alerts);
        }
        if change.unusual {
            raise_unusual(seen, &key, session, settings, alerts);
        }
        let factors = session.factors(settings);
        if factors.groups() >= 2 && session.factors_raised == Factors::default() {
            session.factors_raised = factors;
            raise_tunnel(seen, &key, session, factors, alerts);
        }
        if change.long {
            raise_long(seen, &key, session, alerts);
        }
    }

    fn finish(&mut self, now: Nanos, alerts: &mut Alerts) {
        let mut pending = Vec::new();
        for (key, session) in self.sessions.iter() {
            if let Some(m) = session.pending {
                pending.push((*key, m));
            }
        }
        for (key, m) in pending {
            raise_single_mismatch(&key, &m, now, alerts);
            if let Some(s) = self.sessions.get_mut(&key) {
                s.pending = None;
            }
        }
    }

    fn held(&self) -> usize {
        self.sessions.len()
    }
}

/// "192.0.2.10 and 203.0.113.66 (identifier 4660)".
fn pair(key: &Key) -> String {
    format!(
        "{} and {} (echo identifier {})",
        key.requester, key.peer, key.ident
    )
}

fn raise_signature(seen: &Seen<'_>, session: &Session, sig: Signature, alerts: &mut Alerts) {
    alerts.raise(Detection::TunnelSignature, seen.src(), seen.now, || {
        let (what, len) = match seen.echo {
            Some(e) if e.kind == EchoKind::Request => ("echo request", e.data.len()),
            e => ("echo reply", e.map_or(0, |e| e.data.len())),
        };
        let explanation = if sig.is_pattern() {
            format!(
                "An {what} from {} to {} carries {} at the start of its data, the framing of {}. \
                 The bytes alone prove little; weigh them with the session's other findings.",
                seen.src(),
                seen.dst(),
                sig.mark(),
                sig.tool()
            )
        } else {
            format!(
                "An {what} from {} to {} with {len} bytes of data answers a request with {} bytes: \
                 an empty echo answered with data, or data answered with an empty echo, is how \
                 icmpsh's slave polls its master for commands and returns their output.",
                seen.src(),
                seen.dst(),
                session.last_request_size().unwrap_or(0),
            )
        };
        Finding::about(
            seen,
            Detection::TunnelSignature,
            sig.confidence(),
            Evidence::one(seen.frame)
                .fact("tool", sig.tool())
                .fact("mark", sig.mark())
                .fact("session_packets", session.packets()),
            explanation,
        )
        .with_severity(Severity::Low)
    });
}

fn raise_mismatches(seen: &Seen<'_>, key: &Key, session: &Session, alerts: &mut Alerts) {
    let count = session.mismatches;
    let first = session.first_mismatch_frame;
    alerts.raise(Detection::EchoPayloadMismatch, key.peer, seen.now, || {
        Finding::about(
            seen,
            Detection::EchoPayloadMismatch,
            85,
            Evidence::packets(count.into(), first)
                .over(seen.now.saturating_sub(session.first_mismatch_time))
                .fact("responder", key.peer)
                .fact("requester", key.requester)
                .fact("ident", key.ident)
                .fact("mismatching_replies", count)
                .fact("replies_compared", session.replies_compared),
            format!(
                "{} answered {count} of {}'s echo requests (of {} replies compared, identifier {}) \
                 with data other than the request's; RFC 792 and RFC 4443 require the same data, \
                 so something other than an ordinary echo responder is answering.",
                key.peer, key.requester, session.replies_compared, key.ident
            ),
        )
    });
}

/// One mismatching reply that no other followed: a Low finding, built from
/// what the session kept of it.
fn raise_single_mismatch(key: &Key, m: &Mismatch, now: Nanos, alerts: &mut Alerts) {
    alerts.raise(Detection::EchoPayloadMismatch, key.peer, now, || Finding {
        detection: Detection::EchoPayloadMismatch,
        severity: Severity::Low,
        confidence: 40,
        time: m.time,
        frame: m.frame,
        src: key.peer,
        dst: key.requester,
        version: m.version,
        msg_type: m.msg_type,
        code: m.code,
        evidence: Evidence::one(m.frame)
            .fact("responder", key.peer)
            .fact("requester", key.requester)
            .fact("ident", key.ident)
            .fact("mismatching_replies", 1u32)
            .fact("replies_compared", m.compared),
        explanation: format!(
            "One echo reply from {} to {} (identifier {}, sequence {}) did not return its request's \
             data, and no other of the {} replies compared in the session did so: a single \
             mismatch may be a middlebox or a fault, repeated ones are a tunnel.",
            key.peer, key.requester, key.ident, m.seq, m.compared
        ),
    });
}

fn raise_unusual(
    seen: &Seen<'_>,
    key: &Key,
    session: &Session,
    settings: &Settings,
    alerts: &mut Alerts,
) {
    alerts.raise(Detection::UnusualEchoPayload, seen.src(), seen.now, || {
        let mut evidence = Evidence::packets(session.packets(), session.first_frame)
            .over(seen.now.saturating_sub(session.first))
            .fact("ident", key.ident);
        let mut reasons = Vec::new();
        if session.high_entropy >= settings.high_entropy_payloads {
            evidence = evidence
                .fact("high_entropy_payloads", session.high_entropy)
                .fact("entropy_bits_per_byte", session.max_entropy);
            reasons.push(format!(
                "{} of {} sampled payloads look random ({:.2} bits per byte at most; ping's \
                 patterns repeat or count)",
                session.high_entropy, session.sampled, session.max_entropy
            ));
        }
        if session.sizes_vary(settings) {
            evidence = evidence
                .fact("request_sizes", session.request_sizes.len())
                .fact("reply_sizes", session.reply_sizes.len())
                .fact("min_size", session.min_size)
                .fact("max_size", session.max_size);
            reasons.push(format!(
                "the data size varies ({}; ping sends one size)",
                session.sizes_text()
            ));
        }
        Finding::about(
            seen,
            Detection::UnusualEchoPayload,
            if reasons.len() > 1 { 70 } else { 55 },
            evidence,
            format!(
                "Echo messages of {} do not look like ping: {}.",
                pair(key),
                reasons.join("; and ")
            ),
        )
    });
}

fn raise_tunnel(
    seen: &Seen<'_>,
    key: &Key,
    session: &Session,
    factors: Factors,
    alerts: &mut Alerts,
) {
    alerts.raise(Detection::EchoTunnel, key.requester, seen.now, || {
        let groups = factors.groups();
        let confidence = match groups {
            2 => 75,
            3 => 90,
            _ => 97,
        };
        let duration = seen.now.saturating_sub(session.first);
        let evidence = Evidence::packets(session.packets(), session.first_frame)
            .over(duration)
            .fact("factors", factors.names().join(","))
            .fact("requester", key.requester)
            .fact("responder", key.peer)
            .fact("ident", key.ident)
            .fact("requests", session.requests)
            .fact("replies", session.replies)
            .fact("data_bytes", session.request_bytes + session.reply_bytes);
        let reasons = session.describe(factors);
        Finding::about(
            seen,
            Detection::EchoTunnel,
            confidence,
            evidence,
            format!(
                "The echo session of {} looks like a tunnel, not ping: {groups} independent signs \
                 hold over {} messages in {:.1} s: {}.",
                pair(key),
                session.packets(),
                duration as f64 / 1e9,
                reasons.join("; ")
            ),
        )
    });
}

fn raise_long(seen: &Seen<'_>, key: &Key, session: &Session, alerts: &mut Alerts) {
    alerts.raise(Detection::LongEchoSession, key.requester, seen.now, || {
        let duration = session.last_request.saturating_sub(session.first_request);
        let minutes = duration as f64 / 60e9;
        let rate = f64::from(session.requests) / (duration as f64 / 1e9).max(1.0);
        Finding::about(
            seen,
            Detection::LongEchoSession,
            80,
            Evidence::packets(session.requests.into(), session.first_frame)
                .over(duration)
                .fact("duration_s", duration as f64 / 1e9)
                .fact("requests", session.requests)
                .fact("longest_gap_s", session.max_gap as f64 / 1e9)
                .fact("responder", key.peer),
            format!(
                "{} has sent echo requests to {} steadily for {minutes:.1} minutes ({} requests, \
                 {rate:.2} per second, never more than {:.0} s apart; identifier {}). Monitoring \
                 does this; if {} is not a monitor, look at the volume and payloads.",
                key.requester,
                key.peer,
                session.requests,
                session.max_gap as f64 / 1e9,
                key.ident,
                key.requester
            ),
        )
    });
}

#[cfg(test)]
mod tests;
