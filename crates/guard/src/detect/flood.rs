//! Floods and reflection: echo floods per source and per destination,
//! echo replies nobody asked for, echo to broadcast addresses, smurf
//! amplification, and BlackNurse (Port Unreachable floods).
//!
//! Rates are counted over sliding windows of capture time
//! ([`Window`]) per address, in [`Bounded`] maps: a flood from random
//! sources forgets the least recently seen, it does not grow memory.

use core::net::IpAddr;

use icmpkit_wire::IpVersion;

use super::{Alerts, Detection, Detector, Evidence, Finding};
use crate::bounded::{Bounded, Distinct, Window, fingerprint};
use crate::observe::{EchoKind, EchoMatch, Nanos, SECOND, Seen, looks_broadcast};

/// Thresholds of the flood detections.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Echo requests per second from one source, or to one destination,
    /// that make a flood (over a one-second sliding window).
    pub echo_per_second: u32,
    /// Port Unreachable messages per second to one destination that make
    /// a BlackNurse flood.
    pub port_unreachable_per_second: u32,
    /// Echo replies matching no request, to one destination within ten
    /// seconds, that make a reflection (when at most a tenth of its
    /// replies matched).
    pub unsolicited_per_10s: u32,
    /// Replies per second converging on one destination from hosts it did
    /// not ask (answers to a broadcast, or unsolicited from three or more
    /// hosts) that make a smurf. An administrator's `ping -b` sends one
    /// request a second: a LAN of 30 answering hosts stays below.
    pub amplified_per_second: u32,
    /// Echo requests per second to a broadcast address in one source's name
    /// that make a smurf being launched (`ping -b` sends one a second).
    pub broadcast_per_second: u32,
    /// Addresses tracked per map.
    pub addresses: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            echo_per_second: 500,
            port_unreachable_per_second: 1_500,
            unsolicited_per_10s: 50,
            amplified_per_second: 40,
            broadcast_per_second: 10,
            addresses: 65_536,
        }
    }
}

/// Per-destination echo state.
#[derive(Debug, Clone)]
struct Target {
    requests: Window,
    /// Distinct sources since `epoch`, reset every second.
    sources: Distinct<16>,
    epoch: Nanos,
}

/// Per-destination reply state.
#[derive(Debug, Clone)]
struct Victim {
    unmatched: Window,
    matched: Window,
    amplified: Window,
    /// Distinct repliers of amplified replies since `epoch` (every second).
    repliers: Distinct<16>,
    epoch: Nanos,
    first_frame: u64,
}

/// The flood detector.
#[derive(Debug)]
pub struct Floods {
    settings: Settings,
    by_source: Bounded<IpAddr, (Window, u64)>,
    by_target: Bounded<IpAddr, Target>,
    victims: Bounded<IpAddr, Victim>,
    unreachable: Bounded<IpAddr, (Window, u64)>,
    broadcast_requests: Bounded<IpAddr, Window>,
    /// Unmatched replies by (destination, identifier, sequence): the
    /// fingerprint of the first replier, and whether another answered
    /// the same request too.
    answered: Bounded<(IpAddr, u16, u16), (u64, bool)>,
}

impl Floods {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        let n = settings.addresses;
        Self {
            settings: settings.clone(),
            by_source: Bounded::new(n),
            by_target: Bounded::new(n),
            victims: Bounded::new(n),
            unreachable: Bounded::new(n),
            broadcast_requests: Bounded::new(n / 16),
            answered: Bounded::new(n),
        }
    }

    fn request(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let now = seen.now;
        let limit = self.settings.echo_per_second;
        let (count, first) = count_second(&mut self.by_source, seen.src(), seen);
        if count >= limit {
            alerts.raise(Detection::EchoFloodSource, seen.src(), now, || {
                Finding::about(
                    seen,
                    Detection::EchoFloodSource,
                    90,
                    Evidence::packets(count.into(), first).over(SECOND),
                    format!(
                        "{} sent {count} echo requests within one second (the flood threshold is \
                         {limit} per second), the latest to {}.",
                        seen.src(),
                        seen.dst()
                    ),
                )
            });
        }

        let target = self.by_target.entry(seen.dst(), || Target {
            requests: Window::new(SECOND),
            sources: Distinct::default(),
            epoch: now,
        });
        if now.saturating_sub(target.epoch) >= SECOND || now < target.epoch {
            target.sources.clear();
            target.epoch = now;
        }
        target.sources.insert(fingerprint(&seen.src()));
        let count = target.requests.add(now, 1);
        let sources = target.sources.len();
        if count >= limit && sources >= 2 {
            alerts.raise(Detection::EchoFloodDestination, seen.dst(), now, || {
                let more = if target.sources.is_full() {
                    "at least "
                } else {
                    ""
                };
                Finding::about(
                    seen,
                    Detection::EchoFloodDestination,
                    85,
                    Evidence::packets(count.into(), seen.frame)
                        .over(SECOND)
                        .fact("sources", sources),
                    format!(
                        "{} received {count} echo requests within one second from {more}{sources} \
                         sources (the flood threshold is {limit} per second): a distributed or \
                         spoofed-source flood.",
                        seen.dst()
                    ),
                )
            });
        }

        let broadcast = seen.link_broadcast || looks_broadcast(seen.dst());
        if broadcast {
            self.broadcast(seen, alerts);
        }
    }

    fn broadcast(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let now = seen.now;
        let exact = seen.link_broadcast || matches!(seen.dst(), IpAddr::V4(a) if a.is_broadcast());
        alerts.raise(Detection::BroadcastEcho, seen.src(), now, || {
            let how = if seen.link_broadcast {
                "to the link's broadcast address"
            } else if exact {
                "to the limited broadcast address"
            } else {
                "to an address ending in .255, a subnet's broadcast address unless the prefix is \
                 longer than /24"
            };
            Finding::about(
                seen,
                Detection::BroadcastEcho,
                if exact { 95 } else { 50 },
                Evidence::one(seen.frame),
                format!(
                    "{} sent an echo request {how} ({}): every host that answers broadcast pings \
                     replies to it.",
                    seen.src(),
                    seen.dst()
                ),
            )
        });
        // Broadcast requests at a flood rate, sent in one host's name: the
        // smurf being launched (the source is the victim). Only requests a
        // router forwarded count (a TTL no host starts with): a host's own
        // `ping -b` leaves with its initial TTL.
        if is_initial_ttl(seen.d.hop_limit) {
            return;
        }
        let per_second = self.settings.broadcast_per_second;
        let window = self
            .broadcast_requests
            .entry(seen.src(), || Window::new(SECOND));
        let count = window.add(now, 1);
        if count >= per_second {
            alerts.raise(Detection::Smurf, seen.src(), now, || {
                Finding::about(
                    seen,
                    Detection::Smurf,
                    80,
                    Evidence::packets(count.into(), seen.frame).over(SECOND),
                    format!(
                        "{count} echo requests within one second went to the broadcast address {} \
                         in the name of {}: every host there answers {}, which receives the \
                         amplified replies.",
                        seen.dst(),
                        seen.src(),
                        seen.src()
                    ),
                )
            });
        }
    }

    fn reply(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let Some(echo) = seen.echo else {
            return;
        };
        let now = seen.now;
        let settings = &self.settings;
        let victim = self.victims.entry(seen.dst(), || Victim {
            unmatched: Window::new(10 * SECOND),
            matched: Window::new(10 * SECOND),
            amplified: Window::new(SECOND),
            repliers: Distinct::default(),
            epoch: now,
            first_frame: seen.frame,
        });
        if now.saturating_sub(victim.epoch) >= SECOND || now < victim.epoch {
            victim.repliers.clear();
            victim.epoch = now;
        }
        let amplified = if let Some(m) = echo.matched {
            victim.matched.add(now, 1);
            // Another host answering a broadcast request that the
            // requester cannot have sent itself: an administrator's `ping
            // -b` is answered by many hosts too, but leaves its own subnet
            // with an initial TTL.
            !m.from_target && m.request_broadcast && routed_from_own_subnet(seen.dst(), &m)
        } else {
            let unmatched = victim.unmatched.add(now, 1);
            if unmatched == 1 {
                victim.first_frame = seen.frame;
            }
            let matched = victim.matched.count(now);
            if unmatched >= settings.unsolicited_per_10s && matched <= unmatched / 10 {
                let first = victim.first_frame;
                alerts.raise(Detection::UnsolicitedEchoReplies, seen.dst(), now, || {
                    Finding::about(
                        seen,
                        Detection::UnsolicitedEchoReplies,
                        75,
                        Evidence::packets(unmatched.into(), first)
                            .over(10 * SECOND)
                            .fact("matched", matched),
                        format!(
                            "{} received {unmatched} echo replies within ten seconds to \
                             requests it was not seen sending ({matched} matched one), the \
                             latest from {}: replies to requests sent in its name.",
                            seen.dst(),
                            seen.src()
                        ),
                    )
                });
            }
            // One request (never seen) answered by several hosts: what a
            // smurf's victim receives. A monitor's replies seen without
            // its requests each answer a request of their own.
            let replier = fingerprint(&seen.src());
            let (first, several) = self
                .answered
                .entry((seen.dst(), echo.ident, echo.seq), || (replier, false));
            *several |= *first != replier;
            *several
        };
        if !amplified {
            return;
        }
        victim.repliers.insert(fingerprint(&seen.src()));
        let count = victim.amplified.add(now, 1);
        if count >= settings.amplified_per_second {
            let repliers = victim.repliers.len();
            let more = if victim.repliers.is_full() {
                "at least "
            } else {
                ""
            };
            alerts.raise(Detection::Smurf, seen.dst(), now, || {
                Finding::about(
                    seen,
                    Detection::Smurf,
                    85,
                    Evidence::packets(count.into(), seen.frame)
                        .over(SECOND)
                        .fact("repliers", repliers),
                    format!(
                        "{} received {count} echo replies within one second from {more}{repliers} \
                         hosts answering requests it cannot have sent (to a broadcast address, \
                         or each answered by several hosts), the latest from {}: smurf \
                         amplification.",
                        seen.dst(),
                        seen.src()
                    ),
                )
            });
        }
    }

    fn port_unreachable(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let now = seen.now;
        let limit = self.settings.port_unreachable_per_second;
        let (count, first) = count_second(&mut self.unreachable, seen.dst(), seen);
        if count >= limit {
            alerts.raise(Detection::BlackNurse, seen.dst(), now, || {
                Finding::about(
                    seen,
                    Detection::BlackNurse,
                    85,
                    Evidence::packets(count.into(), first).over(SECOND),
                    format!(
                        "{} received {count} Port Unreachable messages (type 3 code 3) within one \
                         second (threshold {limit}), the latest from {}: a BlackNurse flood \
                         exhausts firewalls that process each one.",
                        seen.dst(),
                        seen.src()
                    ),
                )
            });
        }
    }
}

/// Counts `seen` for `key` in its one-second window; returns the count
/// over the window and the frame of its first event.
fn count_second(
    map: &mut Bounded<IpAddr, (Window, u64)>,
    key: IpAddr,
    seen: &Seen<'_>,
) -> (u32, u64) {
    let (window, first) = map.entry(key, || (Window::new(SECOND), seen.frame));
    let count = window.add(seen.now, 1);
    if count == 1 {
        *first = seen.frame;
    }
    (count, *first)
}

/// Whether the broadcast request a reply matched came into the
/// requester's own subnet routed: the requester and the broadcast address
/// share their /24 (IPv4), yet the request's TTL is not one a host starts
/// with (32, 64, 128, 255), so a router forwarded it, from outside, in the
/// requester's name. (IPv6 has no broadcast.)
fn routed_from_own_subnet(requester: IpAddr, m: &EchoMatch) -> bool {
    match (requester, m.request_target) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            a.octets()[..3] == b.octets()[..3] && !is_initial_ttl(m.request_ttl)
        }
        _ => false,
    }
}

/// Whether `ttl` is one hosts start with (so the packet was not routed).
fn is_initial_ttl(ttl: u8) -> bool {
    matches!(ttl, 32 | 64 | 128 | 255)
}

impl Detector for Floods {
    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        match seen.echo.map(|e| e.kind) {
            Some(EchoKind::Request) => self.request(seen, alerts),
            Some(EchoKind::Reply) => self.reply(seen, alerts),
            None if seen.version() == IpVersion::V4 && seen.msg_type() == 3 && seen.code() == 3 => {
                self.port_unreachable(seen, alerts);
            }
            None => {}
        }
    }

    fn held(&self) -> usize {
        self.by_source.len()
            + self.by_target.len()
            + self.victims.len()
            + self.unreachable.len()
            + self.broadcast_requests.len()
            + self.answered.len()
    }
}
