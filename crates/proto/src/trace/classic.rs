//! The hop-by-hop trace of `icmpkit trace`: `probes_per_hop` probes at
//! every TTL from `first_ttl`, up to `in_flight` of them at once over all
//! TTLs, in TTL order as traceroute sends them, ending at the lowest TTL
//! that gave a final answer (the destination, or an unreachable error).
//!
//! Waiting follows traceroute's `-w MAX,HERE,NEAR`: a probe is given up
//! after HERE times the round trip of an answered probe of the same hop
//! if there is one, else NEAR times that of the next hop if there is one,
//! never after more than MAX; so a silent hop costs a few round trips, not
//! MAX, once its neighbours have answered.
//!
//! Per-hop pacing: at most `hop_burst` probes go to one TTL back to back,
//! then one per `hop_interval`, since routers limit the ICMP errors they
//! send (Linux: a burst of 6, then one a second per source).

use std::time::{Duration, Instant};

use crate::trace::{Answer, ProbeSpec};

/// traceroute's `-w MAX,HERE,NEAR`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// The longest wait for any probe.
    pub max: Duration,
    /// Give up after this many times the round trip of an answered probe
    /// of the same hop (0: off).
    pub here: f64,
    /// Give up after this many times the round trip of an answered probe
    /// of the next hop (0: off).
    pub near: f64,
}

impl Default for Wait {
    /// traceroute's default: `5.0,3,10`.
    fn default() -> Self {
        Self {
            max: Duration::from_secs(5),
            here: 3.0,
            near: 10.0,
        }
    }
}

/// The precision added to a round trip before scaling it (traceroute's
/// `DEF_WAIT_PREC`).
const WAIT_PRECISION: Duration = Duration::from_millis(1);

impl Wait {
    /// How long to wait for a probe, given the round trip of an answered
    /// probe of its hop (`here`) and of the next hop (`near`), if any.
    pub fn timeout(&self, here: Option<Duration>, near: Option<Duration>) -> Duration {
        // A factor too large for a Duration just means MAX.
        let scaled = |rtt: Duration, factor: f64| {
            Duration::try_from_secs_f64((rtt + WAIT_PRECISION).as_secs_f64() * factor)
                .map_or(self.max, |d| d.min(self.max))
        };
        match (here, near) {
            (Some(rtt), _) if self.here > 0.0 => scaled(rtt, self.here),
            (_, Some(rtt)) if self.near > 0.0 => scaled(rtt, self.near),
            _ => self.max,
        }
    }
}

/// The burst count of a hop after one more probe at `now`, its last send
/// at `last`: each `interval` since then gives one probe of the burst back
/// (a token bucket, as routers limit their ICMP errors), so after the
/// burst one probe goes per interval and a long rest gives the full burst.
pub(super) fn paced_burst(
    burst: u8,
    last: Option<Instant>,
    now: Instant,
    interval: Duration,
) -> u8 {
    let regained = match last {
        None => u8::MAX,
        Some(_) if interval.is_zero() => u8::MAX,
        Some(at) => {
            let intervals = now.duration_since(at).as_nanos() / interval.as_nanos();
            u8::try_from(intervals).unwrap_or(u8::MAX)
        }
    };
    burst.saturating_sub(regained).saturating_add(1)
}

/// The settings of a [`Trace`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceConfig {
    /// The first TTL probed (`-f`, 1).
    pub first_ttl: u8,
    /// The last TTL probed (`-m`, 30).
    pub max_ttl: u8,
    /// Probes per hop (`-q`, 3).
    pub probes_per_hop: u8,
    /// Probes in flight at once over all hops (`-N`, 16).
    pub in_flight: usize,
    /// How long to wait for answers (`-w`).
    pub wait: Wait,
    /// The least time between two probes (`-z`, 0).
    pub send_interval: Duration,
    /// Probes one hop may get back to back.
    pub hop_burst: u8,
    /// After the burst, the least time between two probes to one hop.
    pub hop_interval: Duration,
    /// The flow every probe uses (Paris).
    pub flow: u16,
}

impl Default for TraceConfig {
    fn default() -> Self {
        Self {
            first_ttl: 1,
            max_ttl: 30,
            probes_per_hop: 3,
            in_flight: 16,
            wait: Wait::default(),
            send_interval: Duration::ZERO,
            hop_burst: 6,
            hop_interval: Duration::from_millis(20),
            flow: 0,
        }
    }
}

/// Where one probe stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeState {
    /// Not sent yet.
    Unsent,
    /// Sent, waiting.
    Sent {
        /// When.
        at: Instant,
    },
    /// Answered.
    Answered(Answer),
    /// Given up on (printed `*`).
    Lost,
    /// Not needed: its TTL lies past the end of the path.
    Dropped,
}

/// A hop's probes, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The TTL.
    pub ttl: u8,
    /// Each probe's state ([`ProbeState::Answered`] or [`ProbeState::Lost`]
    /// once the hop is reported).
    pub probes: Vec<ProbeState>,
    /// Some probes were answered and some not while a later hop answered:
    /// the router likely limits its ICMP rate (rather than the path losing
    /// packets).
    pub possibly_rate_limited: bool,
}

/// Counters of what a trace received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Probes sent.
    pub sent: u64,
    /// Answers matched to a waiting probe.
    pub answered: u64,
    /// A second answer to one probe.
    pub duplicates: u64,
    /// Answers after their probe was given up on, or for a probe past the
    /// end of the path.
    pub late: u64,
}

/// The state machine of one classic trace.
#[derive(Debug, Clone)]
pub struct Trace {
    config: TraceConfig,
    probes: Vec<ProbeState>,
    /// One past the last probe still wanted (shrinks at a final answer).
    end: usize,
    next: usize,
    in_flight: usize,
    reported: usize,
    last_send: Option<Instant>,
    /// Per hop: (probes sent in the current burst, last send).
    hop_sends: Vec<(u8, Option<Instant>)>,
    counters: Counters,
    final_ttl: Option<u8>,
}

impl Trace {
    /// A trace with `config` (first TTL at most max TTL, both at least 1,
    /// at least one probe per hop and in flight: validated by the caller).
    pub fn new(config: TraceConfig) -> Self {
        let hops = usize::from(config.max_ttl.saturating_sub(config.first_ttl)) + 1;
        let q = usize::from(config.probes_per_hop.max(1));
        let total = (hops * q).min(super::MAX_PROBES);
        Self {
            config,
            probes: vec![ProbeState::Unsent; total],
            end: total,
            next: 0,
            in_flight: 0,
            reported: 0,
            last_send: None,
            hop_sends: vec![(0, None); hops],
            counters: Counters::default(),
            final_ttl: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// What was received so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    fn per_hop(&self) -> usize {
        usize::from(self.config.probes_per_hop.max(1))
    }

    fn ttl_of(&self, index: usize) -> u8 {
        let hop = u8::try_from(index / self.per_hop()).unwrap_or(u8::MAX);
        self.config.first_ttl.saturating_add(hop)
    }

    /// The next probe to send at `now`, marked as sent at `now`; `None`
    /// when nothing may be sent yet (see [`Trace::next_wakeup`]) or all
    /// are sent.
    pub fn next_probe(&mut self, now: Instant) -> Option<ProbeSpec> {
        if self.next >= self.end || self.in_flight >= self.config.in_flight.max(1) {
            return None;
        }
        if self.send_blocked_until(now).is_some() {
            return None;
        }
        let index = self.next;
        let hop = index / self.per_hop();
        let (burst, last) = &mut self.hop_sends[hop];
        *burst = paced_burst(*burst, *last, now, self.config.hop_interval);
        *last = Some(now);
        self.probes[index] = ProbeState::Sent { at: now };
        self.next += 1;
        self.in_flight += 1;
        self.last_send = Some(now);
        self.counters.sent += 1;
        Some(ProbeSpec {
            number: u16::try_from(index).unwrap_or(u16::MAX),
            ttl: self.ttl_of(index),
            flow: self.config.flow,
        })
    }

    /// When the next probe may go, if pacing holds it back at `now`.
    fn send_blocked_until(&self, now: Instant) -> Option<Instant> {
        let mut until = None;
        if let Some(last) = self.last_send {
            let at = last + self.config.send_interval;
            if at > now {
                until = Some(at);
            }
        }
        let (burst, last) = self.hop_sends[self.next / self.per_hop()];
        if let Some(last) = last
            && burst >= self.config.hop_burst.max(1)
        {
            let at = last + self.config.hop_interval;
            if at > now {
                until = until.max(Some(at));
            }
        }
        until
    }

    /// Records the answer to probe `number`. Returns whether it was taken
    /// (false for duplicates, late answers and unknown numbers).
    pub fn on_answer(&mut self, number: u16, answer: Answer) -> bool {
        let index = usize::from(number);
        let Some(state) = self.probes.get(index) else {
            return false;
        };
        match state {
            ProbeState::Sent { .. } if index < self.end => {}
            ProbeState::Answered(_) => {
                self.counters.duplicates += 1;
                return false;
            }
            _ => {
                self.counters.late += 1;
                return false;
            }
        }
        let is_final = answer.outcome.is_final();
        self.probes[index] = ProbeState::Answered(answer);
        self.in_flight -= 1;
        self.counters.answered += 1;
        if is_final {
            let ttl = self.ttl_of(index);
            self.final_ttl = Some(self.final_ttl.map_or(ttl, |t| t.min(ttl)));
            let hop_end = (index / self.per_hop() + 1) * self.per_hop();
            self.truncate(hop_end);
        }
        true
    }

    /// Drops every probe from `end` on: the path ends before them.
    fn truncate(&mut self, end: usize) {
        if end >= self.end {
            return;
        }
        for state in &mut self.probes[end..self.end] {
            if matches!(state, ProbeState::Sent { .. }) {
                self.in_flight -= 1;
            }
            *state = ProbeState::Dropped;
        }
        self.end = end;
        self.next = self.next.min(end);
    }

    /// How long probe `index` is waited for (traceroute's `get_timeout`).
    fn timeout(&self, index: usize) -> Duration {
        let q = self.per_hop();
        let hop_start = index / q * q;
        let first_rtt = |range: std::ops::Range<usize>| {
            self.probes.get(range)?.iter().find_map(|p| match p {
                ProbeState::Answered(a) => Some(a.rtt),
                _ => None,
            })
        };
        self.config.wait.timeout(
            first_rtt(hop_start..hop_start + q),
            first_rtt(hop_start + q..hop_start + 2 * q),
        )
    }

    /// Gives up on probes whose wait ended by `now`.
    pub fn expire(&mut self, now: Instant) {
        for index in 0..self.end.min(self.next) {
            if let ProbeState::Sent { at } = self.probes[index]
                && now.duration_since(at) >= self.timeout(index)
            {
                self.probes[index] = ProbeState::Lost;
                self.in_flight -= 1;
            }
        }
    }

    /// When to call [`Trace::expire`] or [`Trace::next_probe`] again;
    /// `None` once done.
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if self.is_done() {
            return None;
        }
        let mut wake = None;
        for index in 0..self.end.min(self.next) {
            if let ProbeState::Sent { at } = self.probes[index] {
                let due = at + self.timeout(index);
                wake = Some(wake.map_or(due, |w: Instant| w.min(due)));
            }
        }
        if self.next < self.end && self.in_flight < self.config.in_flight.max(1) {
            let send = self.send_blocked_until(now).unwrap_or(now);
            wake = Some(wake.map_or(send, |w: Instant| w.min(send)));
        }
        wake
    }

    /// The next hop whose probes are all answered or given up on, in TTL
    /// order; each hop is returned once.
    pub fn next_hop(&mut self) -> Option<Hop> {
        let q = self.per_hop();
        let start = self.reported;
        if start >= self.end || start + q > self.probes.len() {
            return None;
        }
        let probes = &self.probes[start..start + q];
        if !probes
            .iter()
            .all(|p| matches!(p, ProbeState::Answered(_) | ProbeState::Lost))
        {
            return None;
        }
        self.reported += q;
        let answered = probes
            .iter()
            .filter(|p| matches!(p, ProbeState::Answered(_)))
            .count();
        let later_answered = self.probes[start + q..self.end]
            .iter()
            .any(|p| matches!(p, ProbeState::Answered(_)));
        Some(Hop {
            ttl: self.ttl_of(start),
            probes: probes.to_vec(),
            possibly_rate_limited: answered > 0 && answered < q && later_answered,
        })
    }

    /// Whether every hop up to the end of the path was returned by
    /// [`Trace::next_hop`].
    pub fn is_done(&self) -> bool {
        self.reported >= self.end
    }

    /// Hops returned by [`Trace::next_hop`] so far.
    pub fn hops_reported(&self) -> u32 {
        u32::try_from(self.reported / self.per_hop()).unwrap_or(u32::MAX)
    }

    /// Whether `dst` itself answered a probe (reply, Port Unreachable,
    /// SYN-ACK or RST: [`Answer::reaches`]) within the path; an error it
    /// sent about itself (a filter's `!X`) is no answer.
    pub fn reached(&self, dst: std::net::IpAddr) -> bool {
        self.probes[..self.end]
            .iter()
            .any(|p| matches!(p, ProbeState::Answered(a) if a.reaches(dst)))
    }

    /// The TTL of the final answer (destination or error) the trace ends
    /// at; `None` when it ran to the max TTL without one.
    pub fn final_ttl(&self) -> Option<u8> {
        self.final_ttl
    }
}

#[cfg(test)]
mod tests;
