//! Multipath discovery (`icmpkit trace --mda`): every interface of every
//! load-balanced path, hop by hop, with the MDA stopping rule
//! ([`flows_needed`]), probed in rounds as Diamond-Miner does.
//!
//! A flow id fixes the fields routers hash, so the answers of flow `f` at
//! TTLs `t` and `t+1` give a link. For every node `v` at TTL `t-1`, at
//! least `n_k` flows that crossed `v` must be probed at `t` (k = next hops
//! of `v` seen so far) before a (k+1)-th next hop is ruled out. Each round
//! plans, per node: flows known to cross `v` but not yet probed at `t` are
//! probed there; when too few are known, new flows are probed at `t-1`
//! (as many as, spread like the flows so far, should cross `v`), to be
//! used at `t` in the next round. A hop with a single interface needs no
//! such control: every flow crosses it (MDA-Lite). All probes of a round
//! go out at once; the next round is planned when the last is answered or
//! given up on. It ends when no node needs more.
//!
//! The path's end is the lowest TTL where every flow got a final answer
//! (the destination or an unreachable error); before it is known, each
//! round looks `window` TTLs further with one flow each (flow 0, one
//! Paris path), so no more than a few probes go past the end, and a gap of
//! `gap_limit` TTLs without any answer ends the search.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::trace::{Answer, Confidence, MAX_FLOWS, MAX_PROBES, ProbeSpec, Wait, flows_needed};

/// The settings of an [`Mda`] run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdaConfig {
    /// The first TTL probed.
    pub first_ttl: u8,
    /// The last TTL probed.
    pub max_ttl: u8,
    /// The stopping rule's confidence.
    pub confidence: Confidence,
    /// How long to wait for answers (traceroute's MAX,HERE,NEAR).
    pub wait: Wait,
    /// Probes one hop may get back to back.
    pub hop_burst: u8,
    /// After the burst, the least time between two probes to one hop.
    pub hop_interval: Duration,
    /// TTLs added to the search per round until the end is found.
    pub window: u8,
    /// TTLs in a row without any answer that end the search.
    pub gap_limit: u8,
    /// The most probes the run may send.
    pub max_probes: usize,
}

impl Default for MdaConfig {
    fn default() -> Self {
        Self {
            first_ttl: 1,
            max_ttl: 30,
            confidence: Confidence::P95,
            wait: Wait::default(),
            hop_burst: 16,
            hop_interval: Duration::from_millis(1),
            window: 4,
            gap_limit: 5,
            max_probes: 20_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Queued,
    Sent { at: Instant },
    Answered(Answer),
    Lost,
}

/// What one flow got at one TTL.
#[derive(Debug, Clone, Copy)]
enum Seen<'a> {
    Answer(&'a Answer),
    Lost,
}

impl<'a> Seen<'a> {
    fn answer(self) -> Option<&'a Answer> {
        match self {
            Self::Answer(a) => Some(a),
            Self::Lost => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Probe {
    ttl: u8,
    flow: u16,
    state: State,
}

/// One interface seen at a hop.
#[derive(Debug, Clone, PartialEq)]
pub struct MdaInterface {
    /// Its address.
    pub addr: IpAddr,
    /// How many flows it answered.
    pub flows: usize,
    /// Whether its answers end the path (destination, unreachable).
    pub is_final: bool,
    /// The least round-trip time of its answers.
    pub min_rtt: Duration,
    /// The mean round-trip time of its answers.
    pub avg_rtt: Duration,
    /// The greatest round-trip time of its answers.
    pub max_rtt: Duration,
    /// A traceroute annotation (`!H`, ...) of its answers, if any.
    pub annotation: Option<String>,
}

/// The interfaces of one TTL.
#[derive(Debug, Clone, PartialEq)]
pub struct MdaHop {
    /// The TTL.
    pub ttl: u8,
    /// The interfaces, by address.
    pub interfaces: Vec<MdaInterface>,
    /// Flows probed at this TTL.
    pub flows: usize,
    /// Flows that got no answer.
    pub unanswered: usize,
}

/// A link between consecutive hops, seen on at least one flow; `None`
/// stands for a hop that did not answer that flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MdaLink {
    /// The TTL of `from` (`to` is at `ttl + 1`).
    pub ttl: u8,
    /// The near side.
    pub from: Option<IpAddr>,
    /// The far side.
    pub to: Option<IpAddr>,
}

/// Why a multipath discovery stopped where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdaStop {
    /// Every flow probed at `ttl` got a final answer there (the
    /// destination's, or an error that ends the path), and the stopping
    /// rule held everywhere before it.
    End {
        /// The TTL of the path's end.
        ttl: u8,
    },
    /// `silent` TTLs in a row, up to `last_ttl`, got no answer at all
    /// (the configured gap limit): the search goes no further.
    Silence {
        /// The last TTL probed.
        last_ttl: u8,
        /// How many TTLs in a row were silent.
        silent: u8,
    },
    /// The max TTL was probed without finding the end.
    MaxTtl {
        /// The max TTL.
        ttl: u8,
    },
    /// The probe budget or the flow ids ran out while a node still wanted
    /// more probes, before any other reason.
    Budget,
    /// The discovery has not ended (a stop before it did).
    Unfinished,
}

/// The state machine of a multipath discovery.
#[derive(Debug, Clone)]
pub struct Mda {
    config: MdaConfig,
    probes: Vec<Probe>,
    /// `[ttl - first]`: flow -> probe number.
    grid: Vec<BTreeMap<u16, usize>>,
    /// The next flow id never used (0 explores the path).
    next_flow: u16,
    queue: VecDeque<usize>,
    outstanding: usize,
    rounds: u32,
    done: bool,
    hop_sends: Vec<(u8, Option<Instant>)>,
    duplicates: u64,
    late: u64,
    exhausted: bool,
}

impl Mda {
    /// A run with `config` (first TTL at most max TTL, validated by the
    /// caller). The first round is planned at once.
    pub fn new(config: MdaConfig) -> Self {
        let hops = usize::from(config.max_ttl.saturating_sub(config.first_ttl)) + 1;
        let mut mda = Self {
            config,
            probes: Vec::new(),
            grid: vec![BTreeMap::new(); hops],
            next_flow: 1,
            queue: VecDeque::new(),
            outstanding: 0,
            rounds: 0,
            done: false,
            hop_sends: vec![(0, None); hops],
            duplicates: 0,
            late: 0,
            exhausted: false,
        };
        mda.plan_round();
        mda
    }

    /// Rounds planned so far.
    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Probes sent so far.
    pub fn probes_sent(&self) -> usize {
        self.probes.len() - self.queue.len()
    }

    /// Second answers to one probe, and answers after their probe was
    /// given up on.
    pub fn duplicates_and_late(&self) -> (u64, u64) {
        (self.duplicates, self.late)
    }

    fn index(&self, ttl: u8) -> usize {
        usize::from(ttl - self.config.first_ttl)
    }

    fn ttl(&self, index: usize) -> u8 {
        self.config
            .first_ttl
            .saturating_add(u8::try_from(index).unwrap_or(u8::MAX))
    }

    /// What `flow` got at hop index `h`; `None` when not probed or still
    /// waiting.
    fn answer(&self, h: usize, flow: u16) -> Option<Seen<'_>> {
        let &number = self.grid.get(h)?.get(&flow)?;
        match &self.probes[number].state {
            State::Answered(a) => Some(Seen::Answer(a)),
            State::Lost => Some(Seen::Lost),
            _ => None,
        }
    }

    /// The lowest hop index where every probed flow got a final answer.
    fn end_index(&self) -> Option<usize> {
        (0..self.grid.len()).find(|&h| {
            !self.grid[h].is_empty()
                && self.grid[h].keys().all(
                    |&f| matches!(self.answer(h, f), Some(Seen::Answer(a)) if a.outcome.is_final()),
                )
        })
    }

    /// The highest hop index that may be probed this round.
    fn horizon(&self) -> usize {
        let last = self.grid.len() - 1;
        if let Some(end) = self.end_index() {
            return end;
        }
        let Some(probed) = self.grid.iter().rposition(|g| !g.is_empty()) else {
            return last.min(usize::from(self.config.window.max(1)) - 1);
        };
        // A long run of silent TTLs ends the search.
        if self.silent_run().is_some() {
            return probed;
        }
        last.min(probed + usize::from(self.config.window.max(1)))
    }

    /// The TTLs in a row up to the last one probed that got no answer at
    /// all, when there are at least the gap limit of them.
    fn silent_run(&self) -> Option<usize> {
        let probed = self.grid.iter().rposition(|g| !g.is_empty())?;
        let answered = |h: usize| {
            self.grid[h]
                .keys()
                .any(|&f| matches!(self.answer(h, f), Some(Seen::Answer(_))))
        };
        let gap = (0..=probed).rev().take_while(|&h| !answered(h)).count();
        (gap >= usize::from(self.config.gap_limit.max(1))).then_some(gap)
    }

    /// Why the discovery stopped ([`MdaStop::Unfinished`] while it runs).
    pub fn stop(&self) -> MdaStop {
        if !self.done {
            return MdaStop::Unfinished;
        }
        if let Some(end) = self.end_index() {
            return MdaStop::End { ttl: self.ttl(end) };
        }
        let probed = self.grid.iter().rposition(|g| !g.is_empty());
        if let (Some(silent), Some(probed)) = (self.silent_run(), probed) {
            return MdaStop::Silence {
                last_ttl: self.ttl(probed),
                silent: u8::try_from(silent).unwrap_or(u8::MAX),
            };
        }
        if probed == Some(self.grid.len() - 1) {
            return MdaStop::MaxTtl {
                ttl: self.config.max_ttl,
            };
        }
        MdaStop::Budget
    }

    /// The one interface of hop index `h`, when every flow probed there
    /// got a non-final answer from it: flows not probed there are taken to
    /// cross it too (MDA-Lite), so it needs no more probes for the links
    /// of the next hop.
    fn single(&self, h: usize) -> Option<IpAddr> {
        let mut only = None;
        for &f in self.grid.get(h)?.keys() {
            match self.answer(h, f) {
                Some(Seen::Answer(a))
                    if !a.outcome.is_final() && only.is_none_or(|o| o == a.from) =>
                {
                    only = Some(a.from);
                }
                // Not resolved yet (queued this round).
                None => {}
                Some(_) => return None,
            }
        }
        only
    }

    /// Queues probe `flow` at hop index `h` (once).
    fn queue_probe(&mut self, h: usize, flow: u16) -> bool {
        if self.grid[h].contains_key(&flow) {
            return false;
        }
        if self.probes.len() >= self.config.max_probes.min(MAX_PROBES) {
            self.exhausted = true;
            return false;
        }
        let number = self.probes.len();
        self.probes.push(Probe {
            ttl: self.ttl(h),
            flow,
            state: State::Queued,
        });
        self.grid[h].insert(flow, number);
        self.queue.push_back(number);
        true
    }

    /// A flow id never used before.
    fn new_flow(&mut self) -> Option<u16> {
        let flow = self.next_flow;
        if flow >= MAX_FLOWS {
            self.exhausted = true;
            return None;
        }
        self.next_flow += 1;
        Some(flow)
    }

    /// Whether the run ran out of probes (`max_probes`) or flows
    /// ([`MAX_FLOWS`]) while a node still wanted more: the stopping rule
    /// may not hold everywhere.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Queues `count` new flows at hop index `h`; how many were queued.
    fn queue_new(&mut self, h: usize, count: usize) -> usize {
        let mut queued = 0;
        while queued < count {
            let Some(flow) = self.new_flow() else { break };
            if !self.queue_probe(h, flow) {
                break;
            }
            queued += 1;
        }
        queued
    }

    /// The distinct interfaces that answered `flows` at hop index `h`.
    fn responders(&self, h: usize, flows: impl Iterator<Item = u16>) -> BTreeSet<IpAddr> {
        flows
            .filter_map(|f| self.answer(h, f).and_then(Seen::answer).map(|a| a.from))
            .collect()
    }

    /// Plans what hop index `h` needs by the stopping rule, given hop
    /// `h - 1`; queues the probes and returns how many.
    fn plan_hop(&mut self, h: usize) -> usize {
        let confidence = self.config.confidence;
        let here: Vec<u16> = self.grid[h].keys().copied().collect();
        let prior_single = h > 0 && self.single(h - 1).is_some();
        let prior_known = h > 0
            && self.grid[h - 1]
                .keys()
                .any(|&f| matches!(self.answer(h - 1, f), Some(Seen::Answer(a)) if !a.outcome.is_final()));
        if h == 0 || prior_single || !prior_known {
            // Every flow comes through one place (the source, a single
            // interface, or a hop that never answers): n_k flows here,
            // those of the hop before first, so flows line up across TTLs.
            let k = self.responders(h, here.iter().copied()).len();
            let missing = flows_needed(k, confidence).saturating_sub(here.len());
            let reuse: Vec<u16> = match h.checked_sub(1) {
                Some(before) => self.grid[before]
                    .keys()
                    .copied()
                    .filter(|f| !self.grid[h].contains_key(f))
                    .take(missing)
                    .collect(),
                None => Vec::new(),
            };
            let mut queued = 0;
            for f in &reuse {
                queued += usize::from(self.queue_probe(h, *f));
            }
            return queued + self.queue_new(h, missing - reuse.len());
        }
        if (0..h).any(|j| self.grid[j].keys().any(|&f| self.answer(j, f).is_none())) {
            // Flows are on their way to a hop before: what crosses h-1
            // may change, so plan h when they are in.
            return 0;
        }
        // Node control: per interface at h-1, its flows and next hops.
        let mut nodes: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
        let mut answered_before = 0usize;
        for &f in self.grid[h - 1].keys() {
            if let Some(Seen::Answer(a)) = self.answer(h - 1, f) {
                answered_before += 1;
                if !a.outcome.is_final() {
                    nodes.entry(a.from).or_default().push(f);
                }
            }
        }
        let mut queued = 0;
        for flows in nodes.values() {
            let probed: Vec<u16> = flows
                .iter()
                .copied()
                .filter(|f| self.grid[h].contains_key(f))
                .collect();
            let k = self.responders(h, probed.iter().copied()).len();
            let need = flows_needed(k, confidence).saturating_sub(probed.len());
            if need == 0 {
                continue;
            }
            let unused: Vec<u16> = flows
                .iter()
                .copied()
                .filter(|f| !self.grid[h].contains_key(f))
                .take(need)
                .collect();
            for &f in &unused {
                queued += usize::from(self.queue_probe(h, f));
            }
            let shortfall = need - unused.len();
            if shortfall > 0 {
                // New flows at h-1: about flows.len()/answered_before of
                // them cross this node. Small samples estimate that share
                // badly, so ask for at most twice the shortfall per round.
                let more = (shortfall * answered_before)
                    .div_ceil(flows.len())
                    .min(2 * shortfall);
                queued += self.queue_new(h - 1, more);
            }
        }
        queued
    }

    /// Plans the next round: queues the probes every TTL still needs.
    fn plan_round(&mut self) {
        let horizon = self.horizon();
        let explored = self.grid.iter().rposition(|g| !g.is_empty());
        let mut added = 0;
        for h in 0..=horizon {
            if explored.is_some_and(|e| h <= e) {
                added += self.plan_hop(h);
            } else {
                // A TTL not probed yet: one flow, the same at every TTL.
                added += usize::from(self.queue_probe(h, 0));
            }
        }
        if added == 0 {
            self.done = true;
        } else {
            self.rounds += 1;
        }
    }

    /// When the probe at the head of the queue may go, if pacing holds it.
    fn blocked_until(&self, now: Instant) -> Option<Instant> {
        let &number = self.queue.front()?;
        let (burst, last) = self.hop_sends[self.index(self.probes[number].ttl)];
        let last = last?;
        let at = last + self.config.hop_interval;
        (burst >= self.config.hop_burst.max(1) && at > now).then_some(at)
    }

    /// The next probe to send at `now` (marked sent at `now`).
    pub fn next_probe(&mut self, now: Instant) -> Option<ProbeSpec> {
        if self.done || self.blocked_until(now).is_some() {
            return None;
        }
        let number = self.queue.pop_front()?;
        let probe = &mut self.probes[number];
        probe.state = State::Sent { at: now };
        let (ttl, flow) = (probe.ttl, probe.flow);
        let h = self.index(ttl);
        let (burst, last) = &mut self.hop_sends[h];
        *burst = super::classic::paced_burst(*burst, *last, now, self.config.hop_interval);
        *last = Some(now);
        self.outstanding += 1;
        Some(ProbeSpec {
            number: u16::try_from(number).unwrap_or(u16::MAX),
            ttl,
            flow,
        })
    }

    /// Records the answer to probe `number`; false for duplicates, late
    /// answers and unknown numbers.
    pub fn on_answer(&mut self, number: u16, answer: Answer) -> bool {
        let Some(probe) = self.probes.get_mut(usize::from(number)) else {
            return false;
        };
        match probe.state {
            State::Sent { .. } => {}
            State::Answered(_) => {
                self.duplicates += 1;
                return false;
            }
            _ => {
                self.late += 1;
                return false;
            }
        }
        probe.state = State::Answered(answer);
        self.outstanding -= 1;
        self.maybe_next_round();
        true
    }

    fn maybe_next_round(&mut self) {
        if self.outstanding == 0 && self.queue.is_empty() && !self.done {
            self.plan_round();
        }
    }

    /// The round trip of the first answered flow at hop index `h`.
    fn first_rtt(&self, h: usize) -> Option<Duration> {
        let numbers = self.grid.get(h)?;
        numbers.values().find_map(|&n| match &self.probes[n].state {
            State::Answered(a) => Some(a.rtt),
            _ => None,
        })
    }

    fn timeout(&self, ttl: u8) -> Duration {
        let h = self.index(ttl);
        self.config
            .wait
            .timeout(self.first_rtt(h), self.first_rtt(h + 1))
    }

    /// Gives up on probes whose wait ended by `now`.
    pub fn expire(&mut self, now: Instant) {
        for i in 0..self.probes.len() {
            if let State::Sent { at } = self.probes[i].state
                && now.duration_since(at) >= self.timeout(self.probes[i].ttl)
            {
                self.probes[i].state = State::Lost;
                self.outstanding -= 1;
            }
        }
        self.maybe_next_round();
    }

    /// When to call [`Mda::expire`] or [`Mda::next_probe`] again; `None`
    /// once done.
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if self.done {
            return None;
        }
        if !self.queue.is_empty() {
            return Some(self.blocked_until(now).unwrap_or(now));
        }
        self.probes
            .iter()
            .filter_map(|p| match p.state {
                State::Sent { at } => Some(at + self.timeout(p.ttl)),
                _ => None,
            })
            .min()
    }

    /// Whether the discovery is complete.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether `dst` itself answered a probe at some hop
    /// ([`Answer::reaches`]).
    pub fn reached(&self, dst: IpAddr) -> bool {
        self.probes
            .iter()
            .any(|p| matches!(&p.state, State::Answered(a) if a.reaches(dst)))
    }

    /// The hops up to the end of the path, with their interfaces.
    pub fn hops(&self) -> Vec<MdaHop> {
        let last = self
            .end_index()
            .unwrap_or_else(|| self.grid.iter().rposition(|g| !g.is_empty()).unwrap_or(0));
        (0..=last.min(self.grid.len() - 1))
            .map(|h| {
                let mut interfaces: BTreeMap<IpAddr, MdaInterface> = BTreeMap::new();
                let mut unanswered = 0;
                for &f in self.grid[h].keys() {
                    match self.answer(h, f) {
                        Some(Seen::Answer(a)) => {
                            let entry = interfaces.entry(a.from).or_insert_with(|| MdaInterface {
                                addr: a.from,
                                flows: 0,
                                is_final: a.outcome.is_final(),
                                min_rtt: a.rtt,
                                avg_rtt: Duration::ZERO,
                                max_rtt: a.rtt,
                                annotation: a.outcome.annotation(),
                            });
                            // The sum until all are in; the mean below.
                            entry.avg_rtt += a.rtt;
                            entry.flows += 1;
                            entry.min_rtt = entry.min_rtt.min(a.rtt);
                            entry.max_rtt = entry.max_rtt.max(a.rtt);
                        }
                        _ => unanswered += 1,
                    }
                }
                for i in interfaces.values_mut() {
                    i.avg_rtt /= u32::try_from(i.flows).unwrap_or(u32::MAX);
                }
                MdaHop {
                    ttl: self.ttl(h),
                    interfaces: interfaces.into_values().collect(),
                    flows: self.grid[h].len(),
                    unanswered,
                }
            })
            .collect()
    }

    /// The links between consecutive hops, each once, in TTL order.
    pub fn links(&self) -> Vec<MdaLink> {
        let hops = self.hops().len();
        let mut links = BTreeSet::new();
        for h in 0..hops.saturating_sub(1) {
            for &f in self.grid[h + 1].keys() {
                let Some(far) = self.answer(h + 1, f) else {
                    continue;
                };
                let from = match self.answer(h, f) {
                    Some(Seen::Answer(a)) if a.outcome.is_final() => continue,
                    Some(Seen::Answer(a)) => Some(a.from),
                    Some(Seen::Lost) => None,
                    None => match self.single(h) {
                        Some(only) => Some(only),
                        None => continue,
                    },
                };
                links.insert(MdaLink {
                    ttl: self.ttl(h),
                    from,
                    to: far.answer().map(|a| a.from),
                });
            }
        }
        links.into_iter().collect()
    }
}

#[cfg(test)]
mod tests;
