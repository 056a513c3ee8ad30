//! Path MTU discovery along the path (`icmpkit trace --pmtu`), as
//! tracepath does it and one step further.
//!
//! One probe at a time, TTL by TTL, with Don't Fragment set and the size
//! of the path MTU known so far (first the outgoing interface's: a send
//! larger than that fails locally with the MTU, [`Pmtu::on_local_mtu`]).
//! A Fragmentation Needed or Packet Too Big lowers the size to the MTU it
//! names and the same TTL is probed again; a Time Exceeded moves to the
//! next TTL; the destination or an unreachable error ends the walk.
//!
//! A black hole (a link that drops big packets without telling): when the
//! big probe of a TTL gets no answer, a small probe is sent; if that one
//! is answered and one more big probe is lost (so it was not chance
//! loss), the MTU falls just before this hop, and a binary search over the
//! common MTUs between the small and the big size finds the largest size
//! that passes. If the small probe is lost too, the hop is silent (`*`)
//! and the walk goes on at the same size. A Packet Too Big that names no
//! usable MTU (0, from routers older than RFC 1191) starts the same
//! search.
//!
//! A silent hop costs two waits (a big probe, then the small one; at the
//! small size, two probes), each as long as the slowest answer so far
//! allows ([`Pmtu`]'s wait: ten times that round trip, at least 1 s, at
//! most the configured wait), where tracepath spends three waits of 1 s.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::IpVersion;

use crate::trace::{Answer, Outcome, ProbeSpec};

/// MTUs seen on real links (RFC 1191 §7 plateaus and today's tunnels),
/// largest first: the candidates of the black-hole search.
const COMMON_MTUS: [usize; 17] = [
    9000, 8166, 4464, 4352, 2002, 1500, 1492, 1480, 1472, 1460, 1454, 1400, 1380, 1280, 1006, 576,
    296,
];

/// The largest IPv4 packet (RFC 791's 16-bit total length): where an IPv4
/// walk starts, so that a link of a larger MTU (loopback's 65,536) lets
/// the first probe through and the path MTU is this.
pub const MAX_IPV4_PACKET: usize = 65_535;

/// The largest IPv6 packet without a jumbogram (the 40-byte header and a
/// 16-bit payload length): where an IPv6 walk starts, above any MTU but a
/// jumbo link's, so that the local error names the outgoing link's.
pub const MAX_IPV6_PACKET: usize = 40 + 65_535;

/// The settings of a [`Pmtu`] walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmtuConfig {
    /// The first TTL probed.
    pub first_ttl: u8,
    /// The last TTL probed.
    pub max_ttl: u8,
    /// The IP packet size to start with (the interface MTU, or larger:
    /// the local error corrects it).
    pub initial_size: usize,
    /// The small probe's size (IP packet) for the black-hole check; the
    /// least size the walk goes down to.
    pub small_size: usize,
    /// The longest wait for one probe (it is shorter while the answers
    /// come fast: see [`Pmtu`]).
    pub wait: Duration,
    /// Probes sent at one size and TTL before giving up on it; above the
    /// small size, the last of them is the small probe of the black-hole
    /// check.
    pub tries: u8,
    /// The flow every probe uses.
    pub flow: u16,
}

impl PmtuConfig {
    /// A walk to a destination of `version` as tracepath makes it: start
    /// at the largest packet the family has ([`MAX_IPV4_PACKET`],
    /// [`MAX_IPV6_PACKET`]: above any interface's MTU, whose local error
    /// names the real one, or the path MTU itself on loopback), go
    /// down no further than the family's minimum MTU (68 bytes for IPv4,
    /// RFC 791; 1280 for IPv6, RFC 8200) or `min_probe_len`, whichever is
    /// larger, wait at most 2 s for a probe, and give a silent hop two
    /// probes.
    pub fn for_version(
        version: IpVersion,
        first_ttl: u8,
        max_ttl: u8,
        min_probe_len: usize,
        wait: Duration,
        flow: u16,
    ) -> Self {
        let (family_minimum, largest) = match version {
            IpVersion::V4 => (68, MAX_IPV4_PACKET),
            IpVersion::V6 => (1280, MAX_IPV6_PACKET),
        };
        Self {
            first_ttl,
            max_ttl,
            initial_size: largest,
            small_size: family_minimum.max(min_probe_len),
            wait: wait.min(Duration::from_secs(2)),
            tries: 2,
            flow,
        }
    }
}

/// What the walk learned about the MTU, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmtuEvent {
    /// The outgoing interface's MTU (a local `EMSGSIZE`).
    Local {
        /// The TTL being probed when the send was refused.
        ttl: u8,
        /// The MTU.
        mtu: usize,
        /// How long after the send the refusal was read (tracepath prints
        /// it for IPv6, whose refusals name the probe).
        after: Duration,
    },
    /// A router said the next link's MTU is smaller.
    TooBig {
        /// The TTL of the probe that was too big: the MTU falls after the
        /// router that answered, before this hop.
        ttl: u8,
        /// The router.
        from: IpAddr,
        /// The next-hop MTU it named.
        mtu: usize,
        /// The round trip of its answer (of the first, when the MTU was
        /// searched for because the one named was of no use).
        rtt: Duration,
    },
    /// Big probes vanished at a hop whose small probes passed.
    BlackHole {
        /// The hop whose big probes vanished.
        ttl: u8,
        /// The largest size found to pass.
        mtu: usize,
    },
}

/// One hop of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmtuStep {
    /// The TTL.
    pub ttl: u8,
    /// The answer (`None`: silent).
    pub answer: Option<Answer>,
    /// The probe size that got through to this hop.
    pub size: usize,
}

/// What a walk reports as it goes, in order: within one batch the MTU
/// changes come before the hops, as they are printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PmtuProgress {
    /// What was learned about the MTU.
    Mtu(PmtuEvent),
    /// A hop walked.
    Step(PmtuStep),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Probing at the path MTU known so far.
    Normal,
    /// Big probes were lost: is a small one answered?
    Small,
    /// The small one was: one more big probe tells loss from a black hole.
    Confirm,
    /// Black hole, or a Packet Too Big that named no usable MTU (from
    /// `named_by`, answered in that round trip): `lo` passes, `hi` does
    /// not.
    Search {
        lo: usize,
        hi: usize,
        candidate: usize,
        named_by: Option<(IpAddr, Duration)>,
    },
}

/// The least wait for one probe, whatever the round trips seen: what
/// tracepath waits for each.
const LEAST_WAIT: Duration = Duration::from_secs(1);

/// A probe is waited for this many times the slowest round trip seen
/// (traceroute's factor for an answer of a nearby hop).
const SLOWEST_FACTOR: u32 = 10;

/// The state machine of a path MTU walk. A probe is waited for ten times
/// the slowest round trip seen so far, at least 1 s (tracepath's wait)
/// and at most [`PmtuConfig::wait`].
#[derive(Debug, Clone)]
pub struct Pmtu {
    config: PmtuConfig,
    ttl: u8,
    size: usize,
    phase: Phase,
    tries: u8,
    next_number: u16,
    outstanding: Option<(u16, Instant)>,
    steps: Vec<PmtuStep>,
    events: Vec<PmtuEvent>,
    done: bool,
    sent: u64,
    /// Events and steps handed out by [`Pmtu::next_progress`].
    reported: (usize, usize),
    /// The slowest round trip of an answer so far.
    slowest: Duration,
    /// Probe a TTL once more after its answer when the outgoing link's
    /// MTU was learned while probing it ([`Pmtu::with_tracepath_restart`]).
    tracepath_restart: bool,
    /// The TTL to probe once more, under `tracepath_restart`.
    again: Option<u8>,
}

impl Pmtu {
    /// A walk with `config` (first TTL at most max TTL, validated by the
    /// caller).
    pub fn new(config: PmtuConfig) -> Self {
        Self {
            config,
            ttl: config.first_ttl,
            size: config.initial_size.max(config.small_size),
            phase: Phase::Normal,
            tries: 0,
            next_number: 0,
            outstanding: None,
            steps: Vec::new(),
            events: Vec::new(),
            done: false,
            sent: 0,
            reported: (0, 0),
            slowest: Duration::ZERO,
            tracepath_restart: false,
            again: None,
        }
    }

    /// Probes the TTL at which the outgoing link's MTU was learned once
    /// more after its answer, as tracepath does: it starts a TTL over when
    /// the MTU changed while probing it, and a local refusal is followed
    /// by the resend and its answer within the same try. Its first hop (or
    /// the destination, when that is the first hop) then shows twice, each
    /// time from an answer of its own.
    #[must_use]
    pub fn with_tracepath_restart(mut self) -> Self {
        self.tracepath_restart = true;
        self
    }

    /// How long the next probe is waited for.
    pub fn probe_wait(&self) -> Duration {
        self.config
            .wait
            .min(LEAST_WAIT.max(self.slowest.saturating_mul(SLOWEST_FACTOR)))
    }

    /// The hops walked so far.
    pub fn steps(&self) -> &[PmtuStep] {
        &self.steps
    }

    /// What was learned about the MTU, in order.
    pub fn events(&self) -> &[PmtuEvent] {
        &self.events
    }

    /// The next MTU change or hop not yet handed out: all changes known
    /// first, then the hops.
    pub fn next_progress(&mut self) -> Option<PmtuProgress> {
        let (events, steps) = &mut self.reported;
        if let Some(event) = self.events.get(*events) {
            *events += 1;
            return Some(PmtuProgress::Mtu(*event));
        }
        let step = self.steps.get(*steps)?;
        *steps += 1;
        Some(PmtuProgress::Step(step.clone()))
    }

    /// The TTL before which the path MTU falls (the last router's Too Big
    /// or black hole); `None` when it is the outgoing link's.
    pub fn falls_before_ttl(&self) -> Option<u8> {
        self.events.iter().rev().find_map(|e| match e {
            PmtuEvent::TooBig { ttl, .. } | PmtuEvent::BlackHole { ttl, .. } => Some(*ttl),
            PmtuEvent::Local { .. } => None,
        })
    }

    /// Whether the last hop walked is `dst` answering the probe itself
    /// ([`Answer::reaches`]).
    pub fn reached(&self, dst: IpAddr) -> bool {
        self.steps
            .last()
            .and_then(|s| s.answer.as_ref())
            .is_some_and(|a| a.reaches(dst))
    }

    /// The path MTU found (so far).
    pub fn pmtu(&self) -> usize {
        self.size
    }

    /// Probes sent.
    pub fn probes_sent(&self) -> u64 {
        self.sent
    }

    /// Whether the walk is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The size the next probe has.
    fn probe_size(&self) -> usize {
        match self.phase {
            Phase::Normal | Phase::Confirm => self.size,
            Phase::Small => self.config.small_size,
            Phase::Search { candidate, .. } => candidate,
        }
    }

    /// The next probe and its IP packet size, marked sent at `now`; `None`
    /// while one is out or when done.
    pub fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, usize)> {
        if self.done || self.outstanding.is_some() {
            return None;
        }
        let number = self.next_number;
        self.next_number = self.next_number.wrapping_add(1) % 0xfff0;
        self.outstanding = Some((number, now));
        self.tries += 1;
        self.sent += 1;
        Some((
            ProbeSpec {
                number,
                ttl: self.ttl,
                flow: self.config.flow,
            },
            self.probe_size(),
        ))
    }

    /// The send of probe `number` failed locally: the outgoing interface's
    /// MTU is `mtu`. The walk goes on at that size.
    pub fn on_local_mtu(&mut self, number: u16, mtu: usize) {
        self.on_local_mtu_after(number, mtu, Duration::ZERO);
    }

    /// [`Pmtu::on_local_mtu`], the refusal read `after` the send.
    pub fn on_local_mtu_after(&mut self, number: u16, mtu: usize, after: Duration) {
        if self.outstanding.map(|(n, _)| n) != Some(number) {
            return;
        }
        self.outstanding = None;
        self.tries = 0;
        let mtu = mtu.max(self.config.small_size);
        self.events.push(PmtuEvent::Local {
            ttl: self.ttl,
            mtu,
            after,
        });
        if self.tracepath_restart {
            self.again = Some(self.ttl);
        }
        self.size = mtu;
        self.phase = Phase::Normal;
    }

    /// Records the answer to probe `number`; false when it is not the one
    /// awaited.
    pub fn on_answer(&mut self, number: u16, answer: Answer) -> bool {
        if self.outstanding.map(|(n, _)| n) != Some(number) {
            return false;
        }
        self.outstanding = None;
        self.tries = 0;
        self.slowest = self.slowest.max(answer.rtt);
        let too_big = match answer.outcome {
            Outcome::Unreachable { mtu: Some(mtu), .. } => usize::try_from(mtu).ok(),
            _ => None,
        };
        let small = self.config.small_size;
        match self.phase {
            Phase::Normal | Phase::Confirm => match too_big {
                Some(mtu) if mtu < self.size && mtu >= small => {
                    self.events.push(PmtuEvent::TooBig {
                        ttl: self.ttl,
                        from: answer.from,
                        mtu,
                        rtt: answer.rtt,
                    });
                    self.size = mtu;
                    self.phase = Phase::Normal;
                }
                // Too big, but the MTU named is no use (0 from an old
                // router, or not below the size): look for it.
                Some(_) if self.size > small => {
                    self.search_next(small, self.size, Some((answer.from, answer.rtt)));
                }
                _ => {
                    self.phase = Phase::Normal;
                    self.advance(Some(answer));
                }
            },
            // A small probe passes where big ones were lost: once more big.
            Phase::Small => self.phase = Phase::Confirm,
            // A Packet Too Big for the candidate: it does not pass either.
            Phase::Search {
                lo,
                candidate,
                named_by,
                ..
            } if too_big.is_some() => self.search_next(lo, candidate, named_by),
            Phase::Search {
                hi,
                candidate,
                named_by,
                ..
            } => self.search_next(candidate, hi, named_by),
        }
        true
    }

    /// Goes on with the search between `lo` (passes) and `hi` (does not),
    /// or ends it at `lo` when no common MTU lies between: a black hole, or
    /// the MTU a router's unusable Packet Too Big (`named_by`) meant.
    fn search_next(&mut self, lo: usize, hi: usize, named_by: Option<(IpAddr, Duration)>) {
        let between: Vec<usize> = COMMON_MTUS
            .iter()
            .copied()
            .filter(|&m| m > lo && m < hi)
            .collect();
        if between.is_empty() {
            let ttl = self.ttl;
            self.events.push(match named_by {
                Some((from, rtt)) => PmtuEvent::TooBig {
                    ttl,
                    from,
                    mtu: lo,
                    rtt,
                },
                None => PmtuEvent::BlackHole { ttl, mtu: lo },
            });
            self.size = lo;
            self.phase = Phase::Normal;
        } else {
            self.phase = Phase::Search {
                lo,
                hi,
                candidate: between[between.len() / 2],
                named_by,
            };
        }
    }

    /// Records this TTL's step and moves to the next TTL, or ends.
    fn advance(&mut self, answer: Option<Answer>) {
        let is_final = answer.as_ref().is_some_and(|a| a.outcome.is_final());
        let answered = answer.is_some();
        self.steps.push(PmtuStep {
            ttl: self.ttl,
            answer,
            size: self.size,
        });
        if self.again.take() == Some(self.ttl) && answered {
            return;
        }
        if is_final || self.ttl >= self.config.max_ttl {
            self.done = true;
        } else {
            self.ttl += 1;
        }
    }

    /// Gives up on the outstanding probe if its wait ended by `now`.
    pub fn expire(&mut self, now: Instant) {
        let Some((_, at)) = self.outstanding else {
            return;
        };
        if now.duration_since(at) < self.probe_wait() {
            return;
        }
        self.outstanding = None;
        let tries = self.config.tries.max(1);
        let tries = match self.phase {
            // Above the small size, the last try is the small probe.
            Phase::Normal if self.size > self.config.small_size => tries - 1,
            Phase::Small => 1,
            _ => tries,
        };
        if self.tries < tries {
            return;
        }
        self.tries = 0;
        match self.phase {
            Phase::Normal if self.size > self.config.small_size => self.phase = Phase::Small,
            Phase::Normal => self.advance(None),
            Phase::Small => {
                // Small probes are lost too: a silent hop, not a black hole.
                self.phase = Phase::Normal;
                self.advance(None);
            }
            // Big probes are lost again after a small one passed.
            Phase::Confirm => self.search_next(self.config.small_size, self.size, None),
            Phase::Search {
                lo,
                candidate,
                named_by,
                ..
            } => self.search_next(lo, candidate, named_by),
        }
    }

    /// When to call [`Pmtu::expire`] or [`Pmtu::next_probe`]; `None` once
    /// done.
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if self.done {
            return None;
        }
        Some(
            self.outstanding
                .map_or(now, |(_, at)| at + self.probe_wait()),
        )
    }
}

#[cfg(test)]
mod tests;
