//! [`Mtr`]: rounds of probes to every TTL, for as long as the run lasts.
//!
//! Round `r` begins `r` intervals after the start and sends one probe to
//! each TTL from the first to the end of the path (the TTL at which the
//! destination or a final error last answered, else the maximum). Once
//! the end is known a round's probes leave back to back (one send, one
//! wait for the answers: half the CPU of spreading them); while it is
//! not, they are spread over the first half of the interval and a round
//! ends early when the destination answers below its next TTL, so a
//! host one hop away does not get 30 probes a round. Each router gets
//! one probe per round either way. Each hop thus gets one probe per interval, whatever `--flows`:
//! with several flows, round `r` uses flow `r % flows`, so every flow
//! comes round in turn without raising any hop's share of probes (a
//! router's error budget, Linux's 6 then 1 a second per source, is spent
//! by icmpkit as little as mtr with one flow).
//!
//! A burst check ([`Signal::Burst`], or at the end of the rounds with
//! [`MtrConfig::burst_at_end`]) sends [`BURST_PROBES`] probes to every
//! hop of the path, one every [`BURST_GAP`] per hop: a router limiting
//! its errors answers the tokens it holds (a rested Linux router: the
//! first 6) and then about none, where random loss answers most of them.
//! Its results are marked ([`ProbeResult::burst`]) and kept apart from
//! the rounds' figures.
//!
//! A probe is resolved once: by its first answer, or as lost when its
//! wait (`timeout`) ends. Probe numbers cycle below [`MAX_PROBES`]; a
//! number comes round again only after 65,533 probes, long after its
//! wait.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::machine::Signal;
use crate::mtr::ProbeResult;
use crate::trace::{Answer, MAX_PROBES, Outcome, ProbeSpec, Strategy};

/// Probes a burst check sends to each hop.
pub const BURST_PROBES: u16 = 20;
/// Between two probes of a burst check to one hop (50 a second).
pub const BURST_GAP: Duration = Duration::from_millis(20);

/// The settings of an [`Mtr`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtrConfig {
    /// The first TTL probed (mtr `-f`).
    pub first_ttl: u8,
    /// The highest TTL probed before the destination answers (`-m`).
    pub max_ttl: u8,
    /// Between the starts of two rounds (`-i`).
    pub interval: Duration,
    /// How long a probe is waited for before it counts as lost.
    pub timeout: Duration,
    /// Flows used in turn, one per round (1: one Paris flow).
    pub flows: u16,
    /// The flow of round 0.
    pub first_flow: u16,
    /// Rounds to send (`-c`); `None`: until stopped.
    pub rounds: Option<u64>,
    /// A burst check once the rounds are over and answered (`--burst`).
    pub burst_at_end: bool,
}

impl Default for MtrConfig {
    /// mtr's defaults: TTLs 1 to 30, one round a second; a probe is waited
    /// for 2 s (mtr's report waits about as long for the last round).
    fn default() -> Self {
        Self {
            first_ttl: 1,
            max_ttl: 30,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            flows: 1,
            first_flow: 0,
            rounds: None,
            burst_at_end: false,
        }
    }
}

/// What an [`Mtr`] reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MtrProgress {
    /// A probe was answered or given up.
    Probe(ProbeResult),
}

/// The end of an mtr run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtrSummary {
    /// Rounds begun.
    pub rounds: u64,
    /// Probes sent.
    pub sent: u64,
    /// Probes answered.
    pub answered: u64,
}

/// A probe in flight.
#[derive(Debug, Clone, Copy)]
struct Pending {
    round: u64,
    ttl: u8,
    flow: u16,
    sent_at: Instant,
    burst: Option<u32>,
}

/// A burst check being sent.
#[derive(Debug, Clone, Copy)]
struct Burst {
    /// Its number, from 1.
    id: u32,
    start: Instant,
    first_ttl: u8,
    last_ttl: u8,
    /// The next probe: its index in the burst and its TTL.
    index: u16,
    ttl: u8,
}

/// The continuous trace of `icmpkit mtr`.
#[derive(Debug, Clone)]
pub struct Mtr {
    config: MtrConfig,
    start: Option<Instant>,
    /// The round being sent and the next TTL of it.
    round: u64,
    next_ttl: u8,
    /// The TTL the path ends at, as the answers tell.
    end: Option<u8>,
    /// The TTLs of the round being sent (fixed when it begins).
    round_last_ttl: u8,
    next_number: u16,
    pending: HashMap<u16, Pending>,
    /// The probes' deadlines, in send order: (deadline, number, sent).
    /// Entries of resolved probes are dropped from the front as they
    /// come there, so a wait wakes only for a probe still pending.
    order: VecDeque<(Instant, u16, Instant)>,
    done_results: VecDeque<ProbeResult>,
    paused: bool,
    burst: Option<Burst>,
    bursts: u32,
    sent: u64,
    answered: u64,
    /// Who answered a probe as the destination does (an Echo Reply, a
    /// Port Unreachable), at most [`REACHED_BY`] of them: "reached" when
    /// one is the destination itself ([`Answer::reaches`]), not a node
    /// that answered for it.
    reached_by: Vec<IpAddr>,
}

/// The most distinct addresses [`Mtr`] remembers answering as the
/// destination does.
const REACHED_BY: usize = 8;

impl Mtr {
    /// A run of `config`; TTLs and flows are clamped to sensible ranges
    /// (first TTL at least 1 and at most the max, one flow at least).
    pub fn new(mut config: MtrConfig) -> Self {
        config.first_ttl = config.first_ttl.max(1);
        config.max_ttl = config.max_ttl.max(config.first_ttl);
        config.flows = config.flows.max(1);
        Self {
            config,
            start: None,
            round: 0,
            next_ttl: config.first_ttl,
            end: None,
            round_last_ttl: config.max_ttl,
            next_number: 0,
            pending: HashMap::new(),
            order: VecDeque::new(),
            done_results: VecDeque::new(),
            paused: false,
            burst: None,
            bursts: 0,
            sent: 0,
            answered: 0,
            reached_by: Vec::new(),
        }
    }

    /// Starts a burst check of every hop up to the end of the path (or
    /// the maximum TTL) at `now`; one already being sent goes on.
    pub fn start_burst(&mut self, now: Instant) {
        if self.burst.is_some() {
            return;
        }
        self.bursts += 1;
        self.burst = Some(Burst {
            id: self.bursts,
            start: now,
            first_ttl: self.config.first_ttl,
            last_ttl: self.end.unwrap_or(self.config.max_ttl),
            index: 0,
            ttl: self.config.first_ttl,
        });
    }

    /// When the next burst probe is due, if a burst is being sent.
    fn burst_due(&self) -> Option<Instant> {
        self.burst.map(|b| b.start + BURST_GAP * u32::from(b.index))
    }

    /// The next probe of the burst being sent, if due by `now`.
    fn next_burst_probe(&mut self, now: Instant) -> Option<(u8, u32)> {
        let due = self.burst_due()?;
        let burst = self.burst.as_mut()?;
        if now < due {
            return None;
        }
        let probe = (burst.ttl, burst.id);
        if burst.ttl < burst.last_ttl {
            burst.ttl += 1;
        } else {
            burst.ttl = burst.first_ttl;
            burst.index += 1;
            if burst.index == BURST_PROBES {
                self.burst = None;
            }
        }
        Some(probe)
    }

    /// Whether the rounds are over and what they sent is resolved, with
    /// the final burst check (if asked for) sent too.
    fn finished(&self) -> bool {
        self.rounds_over() && self.burst.is_none() && (!self.config.burst_at_end || self.bursts > 0)
    }

    /// The settings.
    pub fn config(&self) -> &MtrConfig {
        &self.config
    }

    /// The TTL the path ends at, as the answers tell so far.
    pub fn end_ttl(&self) -> Option<u8> {
        self.end
    }

    /// Stops sending (mtr's `p`) or goes on (`false`): the next round
    /// starts at once.
    pub fn set_paused(&mut self, paused: bool, now: Instant) {
        if self.paused && !paused {
            // Round `self.round` starts now; later ones follow on.
            let elapsed = self.config.interval * u32::try_from(self.round).unwrap_or(u32::MAX);
            self.start = now.checked_sub(elapsed).or(Some(now));
            self.next_ttl = self.config.first_ttl;
            self.round_last_ttl = self.end.unwrap_or(self.config.max_ttl);
        }
        self.paused = paused;
    }

    fn next_round(&mut self) {
        self.round += 1;
        self.next_ttl = self.config.first_ttl;
    }

    /// Records a probe to `ttl` on `flow` leaving at `now`; its spec.
    fn send(&mut self, now: Instant, ttl: u8, flow: u16, burst: Option<u32>) -> ProbeSpec {
        let number = self.next_number;
        self.next_number = (self.next_number + 1) % u16::try_from(MAX_PROBES).unwrap_or(u16::MAX);
        // A number still pending (a wait longer than 65,533 probes) is
        // given up before it is reused.
        if self.pending.contains_key(&number) {
            self.resolve(number, None);
        }
        self.pending.insert(
            number,
            Pending {
                round: self.round,
                ttl,
                flow,
                sent_at: now,
                burst,
            },
        );
        self.order
            .push_back((now + self.config.timeout, number, now));
        self.sent += 1;
        ProbeSpec { number, ttl, flow }
    }

    fn rounds_over(&self) -> bool {
        self.config.rounds.is_some_and(|n| self.round >= n)
    }

    /// When round `round` begins.
    fn round_start(&self, start: Instant, round: u64) -> Instant {
        let nanos = self.config.interval.as_nanos() * u128::from(round);
        start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// When the probe to `ttl` of the current round is due.
    fn due(&self, start: Instant) -> Instant {
        if self.end.is_some() {
            return self.round_start(start, self.round);
        }
        let count = u32::from(self.round_last_ttl - self.config.first_ttl) + 1;
        let gap = self.config.interval / 2 / count;
        let index = u32::from(self.next_ttl - self.config.first_ttl);
        self.round_start(start, self.round) + gap * index
    }

    /// Whether a deadline entry is of a probe still pending (not of one
    /// resolved, whose number may since be another probe's).
    fn live(&self, number: u16, sent_at: Instant) -> bool {
        self.pending
            .get(&number)
            .is_some_and(|p| p.sent_at == sent_at)
    }

    fn resolve(&mut self, number: u16, answer: Option<Answer>) {
        let Some(p) = self.pending.remove(&number) else {
            return;
        };
        while let Some(&(_, n, at)) = self.order.front() {
            if self.live(n, at) {
                break;
            }
            self.order.pop_front();
        }
        if let Some(a) = &answer {
            self.answered += 1;
            self.learn(p.ttl, a);
        }
        self.done_results.push_back(ProbeResult {
            round: p.round,
            ttl: p.ttl,
            flow: p.flow,
            sent_at: p.sent_at,
            answer,
            burst: p.burst,
        });
    }

    /// Moves the end of the path as answers tell.
    fn learn(&mut self, ttl: u8, answer: &Answer) {
        if answer.outcome.is_final() {
            if answer.outcome == Outcome::Reached
                && self.reached_by.len() < REACHED_BY
                && !self.reached_by.contains(&answer.from)
            {
                self.reached_by.push(answer.from);
            }
            if self.end.is_none_or(|end| ttl < end) {
                self.end = Some(ttl);
            }
        } else if self.end == Some(ttl) {
            // A router answers where the destination did: the path grew.
            self.end = None;
        }
    }
}

impl Strategy for Mtr {
    type Progress = MtrProgress;
    type Summary = MtrSummary;

    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
        if self.paused {
            return None;
        }
        if self.config.burst_at_end
            && self.bursts == 0
            && self.rounds_over()
            && self.pending.is_empty()
        {
            self.start_burst(now);
        }
        if let Some((ttl, id)) = self.next_burst_probe(now) {
            let flow = self.config.first_flow;
            return Some((self.send(now, ttl, flow, Some(id)), None));
        }
        if self.rounds_over() {
            return None;
        }
        let start = *self.start.get_or_insert(now);
        if self.next_ttl == self.config.first_ttl {
            self.round_last_ttl = self.end.unwrap_or(self.config.max_ttl);
        } else if self.end.is_some_and(|end| self.next_ttl > end) {
            // The destination answered below this TTL since the round
            // began: the round is over.
            self.next_round();
            if self.rounds_over() {
                return None;
            }
            self.round_last_ttl = self.end.unwrap_or(self.config.max_ttl);
        }
        if now < self.due(start) {
            return None;
        }
        let flow_offset = u16::try_from(self.round % u64::from(self.config.flows)).unwrap_or(0);
        let spec = self.send(
            now,
            self.next_ttl,
            self.config.first_flow.wrapping_add(flow_offset),
            None,
        );
        if self.next_ttl >= self.round_last_ttl {
            self.next_round();
        } else {
            self.next_ttl += 1;
        }
        Some((spec, None))
    }

    fn on_answer(&mut self, number: u16, answer: Answer) {
        self.resolve(number, Some(answer));
    }

    fn on_local_mtu(&mut self, _: u16, _: usize) -> bool {
        false
    }

    fn on_send_failure(&mut self, number: u16, _errno: i32) -> bool {
        // The probe never left: it counts as unanswered, and the run goes
        // on (a route may come back).
        self.resolve(number, None);
        true
    }

    fn on_signal(&mut self, signal: Signal, now: Instant) {
        match signal {
            Signal::Pause => self.set_paused(true, now),
            Signal::Resume => self.set_paused(false, now),
            Signal::Burst => self.start_burst(now),
            Signal::Stop | Signal::Status => {}
        }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(deadline, number, sent_at)) = self.order.front() {
            if deadline > now {
                break;
            }
            self.order.pop_front();
            if self.live(number, sent_at) {
                self.resolve(number, None);
            }
        }
    }

    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if self.is_done() {
            return None;
        }
        let expiry = self.order.front().map(|&(deadline, ..)| deadline);
        let send = match self.start {
            _ if self.paused => None,
            _ if self.burst.is_some() => self.burst_due(),
            _ if self.rounds_over() => {
                (self.config.burst_at_end && self.bursts == 0 && self.pending.is_empty())
                    .then_some(now)
            }
            None => Some(now),
            Some(start) => Some(self.due(start)),
        };
        match (expiry, send) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b).or(Some(now + self.config.interval)),
        }
    }

    fn is_done(&self) -> bool {
        self.finished() && self.pending.is_empty() && self.done_results.is_empty()
    }

    fn next_progress(&mut self) -> Option<MtrProgress> {
        self.done_results.pop_front().map(MtrProgress::Probe)
    }

    fn summary(&self) -> MtrSummary {
        MtrSummary {
            rounds: self.round,
            sent: self.sent,
            answered: self.answered,
        }
    }

    fn reached(&self, dst: IpAddr) -> bool {
        self.reached_by.contains(&dst)
    }
}

#[cfg(test)]
mod tests;
