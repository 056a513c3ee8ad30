//! How a node limits the ICMP errors it sends: as Linux does (a token
//! bucket per destination for the types of a mask, and one global bucket
//! whose cost per message is random, 0, 1 or 2, since the fix of
//! CVE-2020-25705), a plain token bucket, or not at all.
//!
//! Linux (`net/ipv4/icmp.c`, `net/ipv6/icmp.c`, `net/ipv4/inetpeer.c`):
//!
//! - a message is limited only if its type is in the mask
//!   (`icmp_ratemask`, default `0x1818`: Destination Unreachable, Source
//!   Quench, Time Exceeded, Parameter Problem), never Fragmentation
//!   Needed; for ICMPv6 every error but Packet Too Big
//!   (`icmpv6_ratemask`), never an informational message;
//! - the global bucket (`icmp_global_allow`): if credit is left, yes;
//!   else, at most once per 20 ms, it refills `icmp_msgs_per_sec` (1000)
//!   times the elapsed time (up to a second), capped at `icmp_msgs_burst`
//!   (50);
//! - the per-destination bucket (`inet_peer_xrlim_allow`): tokens in
//!   jiffies, `icmp_ratelimit` (1000 ms) per message, at most six
//!   messages' worth (`XRLIM_BURST_FACTOR`), a new destination starting
//!   full; for ICMPv6 the interval is shortened for destinations reached
//!   by a route shorter than /128 (`tmo >>= (128 - plen) >> 5`);
//! - a message both buckets let through takes a random 0, 1 or 2 credits
//!   from the global one (`icmp_global_consume`), which may go negative.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::rng::SplitMix64;

/// Linux's ICMP rate limit settings (its sysctls, per network namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinuxLimits {
    /// `icmp_ratelimit` (and `icmpv6 ratelimit`): the interval per message
    /// per destination.
    pub ratelimit: Duration,
    /// `icmp_ratemask`: bit `t` set limits ICMPv4 type `t`.
    pub ratemask: u32,
    /// `icmp_msgs_per_sec`: the global refill rate.
    pub msgs_per_sec: u32,
    /// `icmp_msgs_burst`: the global bucket's size.
    pub msgs_burst: u32,
}

impl Default for LinuxLimits {
    fn default() -> Self {
        Self {
            ratelimit: Duration::from_secs(1),
            ratemask: 0x1818,
            msgs_per_sec: 1000,
            msgs_burst: 50,
        }
    }
}

/// A plain token bucket over every error a node sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// How many errors may go at once (the bucket starts full).
    pub burst: u32,
    /// How many tokens come back per second.
    pub per_second: f64,
}

/// How a node limits its ICMP errors.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum RateLimit {
    /// Not at all.
    #[default]
    None,
    /// As Linux does.
    Linux(LinuxLimits),
    /// With one fixed token bucket.
    Bucket(Bucket),
}

/// Why an error was held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Held {
    /// The per-destination bucket was empty.
    PerDestination,
    /// The global bucket was empty.
    Global,
    /// The node's fixed bucket was empty.
    Bucket,
}

/// The message a limiter is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Message {
    /// Where it goes (the offending datagram's source).
    pub to: IpAddr,
    /// Its ICMP type (of the family of `to`).
    pub msg_type: u8,
    /// Its code.
    pub code: u8,
    /// For ICMPv6, the length of the route's prefix towards `to` (128 for
    /// a host route).
    pub route_len: u8,
}

/// The most destinations a node keeps a bucket for (Linux's inetpeer
/// cache is bounded too); beyond it, the oldest entries are forgotten.
const MAX_PEERS: usize = 65_536;

/// One node's limiter state.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    limit: RateLimit,
    /// Per destination: tokens (in nanoseconds) and when last updated.
    peers: HashMap<IpAddr, (Duration, Instant)>,
    /// Linux's global credit (may go negative) and last refill.
    credit: i64,
    stamp: Option<Instant>,
    /// The fixed bucket's tokens and last update.
    tokens: f64,
    last: Option<Instant>,
}

impl Limiter {
    /// A limiter with all buckets full.
    pub(crate) fn new(limit: RateLimit) -> Self {
        // The fixed bucket starts full. Linux's global credit starts at 0
        // with a stamp long past: the first message refills it to the
        // burst and stamps the time (a full bucket without a stamp would
        // refill at once when first emptied, passing twice the burst).
        let tokens = match limit {
            RateLimit::Bucket(b) => f64::from(b.burst),
            RateLimit::Linux(_) | RateLimit::None => 0.0,
        };
        let credit = 0;
        Self {
            limit,
            peers: HashMap::new(),
            credit,
            stamp: None,
            tokens,
            last: None,
        }
    }

    /// Whether `message` may go at `now`; `Err` says which bucket held it
    /// back. Takes the tokens it costs.
    pub(crate) fn allow(
        &mut self,
        now: Instant,
        message: Message,
        rng: &mut SplitMix64,
    ) -> Result<(), Held> {
        match self.limit {
            RateLimit::None => Ok(()),
            RateLimit::Bucket(b) => self.bucket(now, b),
            RateLimit::Linux(l) => self.linux(now, message, l, rng),
        }
    }

    fn bucket(&mut self, now: Instant, b: Bucket) -> Result<(), Held> {
        let elapsed = self.last.map_or(0.0, |last| {
            now.saturating_duration_since(last).as_secs_f64()
        });
        self.last = Some(now);
        self.tokens = (self.tokens + elapsed * b.per_second).min(f64::from(b.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Held::Bucket)
        }
    }

    fn linux(
        &mut self,
        now: Instant,
        m: Message,
        l: LinuxLimits,
        rng: &mut SplitMix64,
    ) -> Result<(), Held> {
        let limited = match m.to {
            IpAddr::V4(_) => {
                let frag_needed = m.msg_type == 3 && m.code == 4;
                m.msg_type < 32 && l.ratemask & (1 << m.msg_type) != 0 && !frag_needed
            }
            // Every error but Packet Too Big; never an informational one.
            IpAddr::V6(_) => m.msg_type < 128 && m.msg_type != 2,
        };
        if !limited {
            return Ok(());
        }
        if !self.global_allow(now, l) {
            return Err(Held::Global);
        }
        let mut interval = l.ratelimit;
        if m.to.is_ipv6() && m.route_len < 128 {
            interval /= 1 << ((128 - u32::from(m.route_len)) >> 5);
        }
        if !self.peer_allow(now, m.to, interval) {
            return Err(Held::PerDestination);
        }
        // icmp_global_consume: 0, 1 or 2 credits, one on average.
        let cost = i64::try_from(rng.up_to(2)).unwrap_or(1);
        self.credit -= cost;
        Ok(())
    }

    /// `icmp_global_allow`.
    fn global_allow(&mut self, now: Instant, l: LinuxLimits) -> bool {
        if self.credit > 0 {
            return true;
        }
        let delta = self.stamp.map_or(Duration::from_secs(1), |s| {
            now.saturating_duration_since(s).min(Duration::from_secs(1))
        });
        if delta < Duration::from_millis(20) {
            return false;
        }
        let ms = i64::try_from(delta.as_millis()).unwrap_or(1000);
        let incr = i64::from(l.msgs_per_sec) * ms / 1000;
        if incr == 0 {
            return false;
        }
        self.stamp = Some(now);
        self.credit = (self.credit + incr).min(i64::from(l.msgs_burst));
        true
    }

    /// `inet_peer_xrlim_allow`.
    fn peer_allow(&mut self, now: Instant, to: IpAddr, interval: Duration) -> bool {
        let full = interval * 6;
        if self.peers.len() >= MAX_PEERS && !self.peers.contains_key(&to) {
            let oldest = self
                .peers
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(a, _)| *a);
            if let Some(a) = oldest {
                self.peers.remove(&a);
            }
        }
        let (tokens, last) = self.peers.entry(to).or_insert((full, now));
        let mut token = *tokens + now.saturating_duration_since(*last);
        *last = now;
        token = token.min(full);
        let allowed = token >= interval;
        if allowed {
            token -= interval;
        }
        *tokens = token;
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str, msg_type: u8, code: u8) -> Message {
        Message {
            to: to.parse().unwrap(),
            msg_type,
            code,
            route_len: 128,
        }
    }

    #[test]
    fn linux_lets_six_through_per_destination_then_one_a_second() {
        let start = Instant::now();
        let mut rng = SplitMix64::new(1);
        let mut l = Limiter::new(RateLimit::Linux(LinuxLimits::default()));
        let te = message("198.51.100.7", 11, 0);
        let burst = (0..100)
            .filter(|_| l.allow(start, te, &mut rng).is_ok())
            .count();
        assert_eq!(burst, 6);
        assert_eq!(l.allow(start, te, &mut rng), Err(Held::PerDestination));
        let later = start + Duration::from_secs(1);
        assert!(l.allow(later, te, &mut rng).is_ok());
        assert!(l.allow(later, te, &mut rng).is_err());
        // Another destination has its own bucket.
        assert!(
            l.allow(later, message("198.51.100.8", 11, 0), &mut rng)
                .is_ok()
        );
        // Fragmentation Needed and Echo Reply are never limited.
        for _ in 0..100 {
            assert!(
                l.allow(later, message("198.51.100.7", 3, 4), &mut rng)
                    .is_ok()
            );
            assert!(
                l.allow(later, message("198.51.100.7", 0, 0), &mut rng)
                    .is_ok()
            );
        }
    }

    #[test]
    fn linux_v6_spares_packet_too_big_and_widens_for_short_routes() {
        let start = Instant::now();
        let mut rng = SplitMix64::new(1);
        let mut l = Limiter::new(RateLimit::Linux(LinuxLimits::default()));
        for _ in 0..100 {
            assert!(
                l.allow(start, message("2001:db8::1", 2, 0), &mut rng)
                    .is_ok()
            );
        }
        let mut wide = message("2001:db8::2", 3, 0);
        wide.route_len = 64;
        assert_eq!(
            (0..100)
                .filter(|_| l.allow(start, wide, &mut rng).is_ok())
                .count(),
            6
        );
        // A /64 route: a quarter of the interval.
        assert!(
            l.allow(start + Duration::from_millis(250), wide, &mut rng)
                .is_ok()
        );
    }

    #[test]
    fn linux_global_bucket_costs_vary() {
        // 1,000 destinations at once: the global bucket of 50 runs dry
        // after a random number of messages (0 to 2 credits each).
        let counts: Vec<usize> = (0..8)
            .map(|seed| {
                let start = Instant::now();
                let mut rng = SplitMix64::new(seed);
                let mut l = Limiter::new(RateLimit::Linux(LinuxLimits::default()));
                (0..1000u32)
                    .filter(|i| {
                        let to = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000u32 + i));
                        l.allow(
                            start,
                            Message {
                                to,
                                msg_type: 3,
                                code: 1,
                                route_len: 32,
                            },
                            &mut rng,
                        )
                        .is_ok()
                    })
                    .count()
            })
            .collect();
        assert!(counts.iter().all(|&c| (30..=75).contains(&c)), "{counts:?}");
        assert!(counts.iter().any(|&c| c != counts[0]), "{counts:?}");
    }

    #[test]
    fn bucket_refills_at_its_rate() {
        let start = Instant::now();
        let mut rng = SplitMix64::new(0);
        let mut l = Limiter::new(RateLimit::Bucket(Bucket {
            burst: 10,
            per_second: 100.0,
        }));
        let m = message("198.51.100.1", 11, 0);
        assert_eq!(
            (0..100)
                .filter(|_| l.allow(start, m, &mut rng).is_ok())
                .count(),
            10
        );
        let later = start + Duration::from_millis(50);
        assert_eq!(
            (0..100)
                .filter(|_| l.allow(later, m, &mut rng).is_ok())
                .count(),
            5
        );
    }
}
