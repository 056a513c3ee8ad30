//! `ttl-walk`: the path from one source to one destination being traced.
//!
//! Two signs, per (source, destination) pair, within a tumbling window:
//!
//! - Time Exceeded in transit (ICMPv4 11/0, ICMPv6 3/0) from at least
//!   [`Settings::walk_routers`] distinct routers, all quoting packets from
//!   the source to the destination;
//! - packets of any protocol from the source to the destination whose TTLs
//!   (hop limits) take at least [`Settings::walk_ttls`] consecutive values
//!   no higher than [`Settings::walk_max_ttl`] (traceroute sends 1, 2, 3...;
//!   mtr cycles through them; a capture at the far end sees them arrive
//!   lowered by the same number of hops, still consecutive). Ordinary
//!   traffic leaves with 64, 128 or 255 and keeps one TTL per path; nmap's
//!   random TTLs (37 to 59) are rarely consecutive.
//!
//! The TTLs seen are a 32-bit set and the routers a [`Distinct`] of 4: 112
//! bytes per pair with its key, in a [`Bounded`] map of
//! [`Settings::pairs`] entries (about 1.8 MB at the default 16,384).
//! Probes are taken from the IP packet hook (so UDP traceroute counts too)
//! and the finding is raised by the next ICMP message about the pair (a
//! probe, a Time Exceeded, or the Destination Unreachable that ends a UDP
//! traceroute).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Settings;
use crate::bounded::{Bounded, Distinct, fingerprint};
use crate::detect::{Alerts, Detection, Evidence, Finding};
use crate::observe::{IpPacket, Nanos, Seen};

/// One pair's path-walk signs within its window.
#[derive(Debug, Clone, Default)]
struct Pair {
    epoch: Nanos,
    /// Bit `t` set: a packet with TTL `t` was seen.
    ttls: u32,
    routers: Distinct<4>,
    /// The first ICMP message about the pair (0: none yet).
    first_frame: u64,
    messages: u32,
}

impl Pair {
    /// The longest run of consecutive TTLs seen.
    fn run(&self) -> u32 {
        let mut bits = self.ttls;
        let mut run = 0;
        while bits != 0 {
            bits &= bits << 1;
            run += 1;
        }
        run
    }
}

/// The walk detector's state.
#[derive(Debug)]
pub struct Walks {
    window: Nanos,
    routers: usize,
    ttls: u32,
    max_ttl: u8,
    pairs: Bounded<(IpAddr, IpAddr), Pair>,
}

/// The TTL and addresses of an IP packet, read from its fixed header.
fn ttl_and_addresses(ip: &[u8]) -> Option<(u8, IpAddr, IpAddr)> {
    match ip.first()? >> 4 {
        4 if ip.len() >= 20 => {
            let src: [u8; 4] = ip[12..16].try_into().ok()?;
            let dst: [u8; 4] = ip[16..20].try_into().ok()?;
            Some((
                ip[8],
                Ipv4Addr::from(src).into(),
                Ipv4Addr::from(dst).into(),
            ))
        }
        6 if ip.len() >= 40 => {
            let src: [u8; 16] = ip[8..24].try_into().ok()?;
            let dst: [u8; 16] = ip[24..40].try_into().ok()?;
            Some((
                ip[7],
                Ipv6Addr::from(src).into(),
                Ipv6Addr::from(dst).into(),
            ))
        }
        _ => None,
    }
}

impl Walks {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            window: settings.window,
            routers: settings.walk_routers.clamp(1, 4),
            ttls: settings.walk_ttls.clamp(2, 31),
            max_ttl: settings.walk_max_ttl.min(31),
            pairs: Bounded::new(settings.pairs),
        }
    }

    fn pair(&mut self, key: (IpAddr, IpAddr), now: Nanos) -> &mut Pair {
        let window = self.window;
        let pair = self.pairs.entry(key, Pair::default);
        if pair.epoch == 0 || now.saturating_sub(pair.epoch) >= window {
            *pair = Pair {
                epoch: now.max(1),
                ..Pair::default()
            };
        }
        pair
    }

    /// Sees any IP packet: notes a small TTL.
    pub fn packet(&mut self, packet: &IpPacket<'_>) {
        // Most packets leave with 64 or more: one byte read and done.
        let ttl = match packet.ip.first().map(|b| b >> 4) {
            Some(4) => packet.ip.get(8),
            Some(6) => packet.ip.get(7),
            _ => None,
        };
        match ttl {
            Some(&t) if t != 0 && t <= self.max_ttl => {}
            _ => return,
        }
        let Some((ttl, src, dst)) = ttl_and_addresses(packet.ip) else {
            return;
        };
        self.pair((src, dst), packet.now).ttls |= 1 << ttl;
    }

    /// Sees an ICMP request (its TTL was noted by [`Walks::packet`]).
    pub fn probe(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let ttl = seen.d.hop_limit;
        if ttl == 0 || ttl > self.max_ttl {
            return;
        }
        self.check(seen, (seen.src(), seen.dst()), alerts);
    }

    /// Sees a Time Exceeded in transit: notes its router for the pair
    /// its quote names.
    pub fn time_exceeded(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let Some(Ok(quote)) = seen.d.quote() else {
            return;
        };
        let key = (quote.ip.src(), quote.ip.dst());
        let router = fingerprint(&seen.src());
        self.pair(key, seen.now).routers.insert(router);
        self.check(seen, key, alerts);
    }

    /// Sees a Destination Unreachable: a walk's last hop answers with
    /// one (UDP traceroute's probes reach a closed port), by then the
    /// probes' TTLs may make the walk. Creates no state.
    pub fn unreachable(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        // No walk under way (the usual case, and a BlackNurse flood's): the
        // quote is not even parsed.
        if self.pairs.is_empty() {
            return;
        }
        let Some(Ok(quote)) = seen.d.quote() else {
            return;
        };
        let key = (quote.ip.src(), quote.ip.dst());
        let known = self
            .pairs
            .peek(&key)
            .is_some_and(|p| seen.now.saturating_sub(p.epoch) < self.window && p.ttls != 0);
        if known {
            self.check(seen, key, alerts);
        }
    }

    fn check(&mut self, seen: &Seen<'_>, key: (IpAddr, IpAddr), alerts: &mut Alerts) {
        let now = seen.now;
        let (routers_needed, ttls_needed) = (self.routers, self.ttls);
        if alerts.is_active(Detection::TtlWalk, key.0, now) {
            return;
        }
        let pair = self.pair(key, now);
        pair.messages = pair.messages.saturating_add(1);
        if pair.first_frame == 0 {
            pair.first_frame = seen.frame;
        }
        let (run, routers) = (pair.run(), pair.routers.len());
        if run < ttls_needed && routers < routers_needed {
            return;
        }
        let pair = &*pair;
        alerts.raise(Detection::TtlWalk, key.0, now, || {
            let (lowest, highest) = if pair.ttls == 0 {
                (0, 0)
            } else {
                (pair.ttls.trailing_zeros(), pair.ttls.ilog2())
            };
            let mut signs = Vec::new();
            if routers > 0 {
                signs.push(format!(
                    "{routers} router{} answered with Time Exceeded",
                    if routers == 1 { "" } else { "s" }
                ));
            }
            if pair.ttls != 0 {
                signs.push(format!(
                    "its packets carried TTLs from {lowest} to {highest} ({run} consecutive)"
                ));
            }
            let mut evidence = Evidence::packets(pair.messages.into(), pair.first_frame)
                .over(now.saturating_sub(pair.epoch).max(1))
                .fact("routers", routers)
                .fact("consecutive_ttls", run);
            evidence.rate = None;
            if pair.ttls != 0 {
                evidence = evidence
                    .fact("lowest_ttl", lowest)
                    .fact("highest_ttl", highest);
            }
            let mut finding = Finding::about(
                seen,
                Detection::TtlWalk,
                if run >= ttls_needed && routers >= routers_needed {
                    95
                } else {
                    85
                },
                evidence,
                format!(
                    "{} is tracing the path to {}: {}. traceroute, mtr and tracepath do this.",
                    key.0,
                    key.1,
                    signs.join(" and ")
                ),
            );
            finding.src = key.0;
            finding.dst = key.1;
            finding
        });
    }

    /// Pairs held.
    pub fn held(&self) -> usize {
        self.pairs.len()
    }
}

/// The bytes of one entry (key and value).
#[cfg(test)]
pub(crate) const fn entry_size() -> usize {
    core::mem::size_of::<((IpAddr, IpAddr), Pair)>()
}
