//! [`Path`]: what the probe results of an mtr run add up to, hop by hop.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::extension::MplsLabel;

use crate::mtr::ProbeResult;
use crate::mtr::loss::{HopVerdict, Observation};
use crate::mtr::stats::HopStats;
use crate::trace::Extension;

/// Rounds kept per hop for the strip of a live view and the loss fit.
pub const HISTORY: usize = 256;

/// The distinct MPLS label stacks, and the distinct RFC 5837 interface
/// objects, kept per hop (the oldest go first).
pub const EXTENSIONS_KEPT: usize = 8;

/// One round of a hop, as the strip shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Answered after this long.
    Answered(Duration),
    /// Not answered.
    Lost,
}

/// An address seen at a hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The address that answered.
    pub address: IpAddr,
    /// How many answers came from it.
    pub count: u64,
    /// The round of its latest answer.
    pub last_round: u64,
}

/// The latest burst check of a hop ([`crate::mtr::Mtr::start_burst`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurstCheck {
    /// The burst's number.
    pub id: u32,
    /// Its probes resolved so far, in the order they left: answered or
    /// not.
    probes: Vec<(Instant, bool)>,
}

impl BurstCheck {
    /// Probes resolved.
    pub fn sent(&self) -> usize {
        self.probes.len()
    }

    /// Probes answered.
    pub fn answered(&self) -> usize {
        self.probes.iter().filter(|p| p.1).count()
    }

    /// Probes answered before the first unanswered one, in send order.
    pub fn leading(&self) -> usize {
        self.probes.iter().take_while(|p| p.1).count()
    }

    fn record(&mut self, sent_at: Instant, answered: bool) {
        let at = self.probes.partition_point(|p| p.0 <= sent_at);
        self.probes.insert(at, (sent_at, answered));
    }

    /// What the burst says, in a plain line, beside `rounds_share`, the
    /// share of the rounds' probes the hop answered (0 to 1). A limiter
    /// answers the tokens it holds, in a row, then about none: a rested
    /// one its burst, one the rounds keep spent far fewer than the rounds
    /// get (answers a second are capped, not probes lost one by one).
    /// Loss answers the burst about as the rounds, spread out.
    #[allow(clippy::cast_precision_loss, reason = "a burst has 20 probes")]
    pub fn line(&self, rounds_share: f64) -> String {
        let (sent, answered, leading) = (self.sent(), self.answered(), self.leading());
        let head = format!("burst check: {answered} of {sent} back-to-back probes answered");
        let share = if sent == 0 {
            0.0
        } else {
            answered as f64 / sent as f64
        };
        if answered == sent {
            format!("{head}: no limit at {} a second", per_second())
        } else if leading >= 2 && leading + 1 >= answered {
            format!("{head}, the first {leading} in a row: a token bucket of about {leading}")
        } else if share < rounds_share / 2.0 {
            format!(
                "{head}, far fewer than the rounds' {:.0}%: a rate limit, its tokens spent",
                rounds_share * 100.0
            )
        } else {
            format!(
                "{head}, spread out (the rounds got {:.0}%): loss or a busy router, not a rate \
                 limit",
                rounds_share * 100.0
            )
        }
    }
}

/// The probes per second of a burst check to one hop.
fn per_second() -> u128 {
    1000 / crate::mtr::BURST_GAP.as_millis().max(1)
}

/// One TTL of the path.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// Its TTL.
    pub ttl: u8,
    /// All its probes.
    pub stats: HopStats,
    /// Its probes per flow.
    pub flows: BTreeMap<u16, HopStats>,
    /// Every address that answered, first seen first.
    pub addresses: Vec<Seen>,
    /// The MPLS label stacks its answers carried, distinct, newest last
    /// (at most [`EXTENSIONS_KEPT`]).
    pub mpls: Vec<Vec<MplsLabel>>,
    /// The RFC 5837 interface information objects its answers carried
    /// (each an [`Extension::Interface`]), distinct, newest last (at most
    /// [`EXTENSIONS_KEPT`]).
    pub interfaces: Vec<Extension>,
    /// The latest final error's annotation (`!H`, `!X`, ...), if any.
    pub annotation: Option<String>,
    /// Its latest rounds, newest last (at most [`HISTORY`]).
    pub history: VecDeque<Slot>,
    /// Its latest probes for the loss fit, oldest first.
    pub observations: VecDeque<Observation>,
    /// What its loss means, as of the last [`Path::assess`].
    pub verdict: HopVerdict,
    /// The loss that persists past it, percent, as of the last assess.
    pub real_loss: Option<f64>,
    /// Its latest burst check, if one was made.
    pub burst: Option<BurstCheck>,
}

/// Something a live view reports as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathEvent {
    /// A new address answered at a hop (not the first answer there: an
    /// ECMP branch or a route change).
    NewAddress {
        /// The hop.
        ttl: u8,
        /// The address.
        address: IpAddr,
        /// The round.
        round: u64,
    },
    /// The destination (or a final error) answers at another TTL than
    /// before: the path got shorter, or longer (told once the destination
    /// answers further on).
    DestinationMoved {
        /// Before (`None`: the first answer).
        from: Option<u8>,
        /// Now.
        to: u8,
        /// The round.
        round: u64,
    },
}

/// The hops of one mtr run.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    dst: IpAddr,
    first_ttl: u8,
    hops: Vec<Hop>,
    destination_ttl: Option<u8>,
    /// Where the destination answered before a router answered there
    /// instead (the path grew), until it answers again.
    left_at: Option<u8>,
    rounds: u64,
}

impl Hop {
    /// A hop at `ttl` with nothing recorded.
    pub fn new(ttl: u8) -> Self {
        Self {
            ttl,
            stats: HopStats::default(),
            flows: BTreeMap::new(),
            addresses: Vec::new(),
            mpls: Vec::new(),
            interfaces: Vec::new(),
            annotation: None,
            history: VecDeque::new(),
            observations: VecDeque::new(),
            verdict: HopVerdict::Unknown,
            real_loss: None,
            burst: None,
        }
    }

    /// Its latest burst check's line ([`BurstCheck::line`]), if it has
    /// one, beside the share of the rounds' probes it answered.
    #[allow(
        clippy::cast_precision_loss,
        reason = "probe counts are far below 2^52"
    )]
    pub fn burst_line(&self) -> Option<String> {
        let sent = self.stats.sent();
        let share = if sent == 0 {
            1.0
        } else {
            self.stats.received() as f64 / sent as f64
        };
        self.burst.as_ref().map(|b| b.line(share))
    }

    /// The address that answered most recently, if any.
    pub fn latest_address(&self) -> Option<IpAddr> {
        self.addresses
            .iter()
            .max_by_key(|s| s.last_round)
            .map(|s| s.address)
    }

    fn record(&mut self, result: &ProbeResult) -> Option<IpAddr> {
        let rtt = result.answer.as_ref().map(|a| a.rtt);
        self.stats.record(rtt);
        self.flows.entry(result.flow).or_default().record(rtt);
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history
            .push_back(rtt.map_or(Slot::Lost, Slot::Answered));
        if self.observations.len() == HISTORY {
            self.observations.pop_front();
        }
        self.observations.push_back(Observation {
            sent_at: result.sent_at,
            answered: rtt.is_some(),
        });
        let answer = result.answer.as_ref()?;
        self.annotation = answer.outcome.annotation();
        for extension in &answer.extensions {
            match extension {
                Extension::Mpls(stack) => keep_newest(&mut self.mpls, stack),
                Extension::Interface { .. } => keep_newest(&mut self.interfaces, extension),
                Extension::Other { .. } | Extension::Malformed(_) => {}
            }
        }
        if let Some(seen) = self.addresses.iter_mut().find(|s| s.address == answer.from) {
            seen.count += 1;
            seen.last_round = seen.last_round.max(result.round);
            return None;
        }
        let first = self.addresses.is_empty();
        self.addresses.push(Seen {
            address: answer.from,
            count: 1,
            last_round: result.round,
        });
        (!first).then_some(answer.from)
    }
}

/// Puts `item` last in `list`: moved there if `list` has it, else added,
/// the oldest dropped beyond [`EXTENSIONS_KEPT`].
fn keep_newest<T: PartialEq + Clone>(list: &mut Vec<T>, item: &T) {
    if let Some(i) = list.iter().position(|kept| kept == item) {
        let kept = list.remove(i);
        list.push(kept);
    } else {
        if list.len() == EXTENSIONS_KEPT {
            list.remove(0);
        }
        list.push(item.clone());
    }
}

impl Path {
    /// An empty path to `dst` whose first hop is `first_ttl`.
    pub fn new(dst: IpAddr, first_ttl: u8) -> Self {
        Self {
            dst,
            first_ttl: first_ttl.max(1),
            hops: Vec::new(),
            destination_ttl: None,
            left_at: None,
            rounds: 0,
        }
    }

    /// The destination.
    pub fn destination(&self) -> IpAddr {
        self.dst
    }

    /// The TTL at which the destination (or a final error) answers now.
    pub fn destination_ttl(&self) -> Option<u8> {
        self.destination_ttl
    }

    /// Rounds begun so far (the highest round seen plus one).
    pub fn rounds(&self) -> u64 {
        self.rounds
    }

    /// The hops shown: from the first TTL up to the end of the path (the
    /// destination's TTL when reached, else the last hop that answered,
    /// else every hop probed).
    pub fn hops(&self) -> &[Hop] {
        let end = match self.destination_ttl {
            Some(ttl) => usize::from(ttl - self.first_ttl) + 1,
            None => self
                .hops
                .iter()
                .rposition(|h| !h.addresses.is_empty())
                .map_or(self.hops.len(), |i| i + 1),
        };
        &self.hops[..end.min(self.hops.len())]
    }

    /// Forgets every result (mtr's `r`), keeping the destination's TTL.
    pub fn reset(&mut self) {
        self.hops.clear();
        self.rounds = 0;
    }

    /// Adds one resolved probe; the events it causes.
    pub fn record(&mut self, result: &ProbeResult) -> Vec<PathEvent> {
        let mut events = Vec::new();
        if result.ttl < self.first_ttl {
            return events;
        }
        // Probes past the end of the path are not loss: the destination
        // answers them at its own TTL, or they were sent before the path
        // got shorter.
        let final_answer = result.answer.as_ref().is_some_and(|a| a.outcome.is_final());
        if let Some(end) = self.destination_ttl
            && result.ttl > end
            && (final_answer || result.answer.is_none())
        {
            return events;
        }
        let index = usize::from(result.ttl - self.first_ttl);
        while self.hops.len() <= index {
            let ttl = self.first_ttl + u8::try_from(self.hops.len()).unwrap_or(u8::MAX);
            self.hops.push(Hop::new(ttl));
        }
        if let Some(id) = result.burst {
            // A burst check's probe: kept apart from the rounds' figures.
            let hop = &mut self.hops[index];
            let check = match &mut hop.burst {
                Some(check) if check.id == id => check,
                other => other.insert(BurstCheck {
                    id,
                    probes: Vec::new(),
                }),
            };
            check.record(result.sent_at, result.answer.is_some());
            return events;
        }
        self.rounds = self.rounds.max(result.round + 1);
        if let Some(address) = self.hops[index].record(result) {
            events.push(PathEvent::NewAddress {
                ttl: result.ttl,
                address,
                round: result.round,
            });
        }
        match (final_answer, self.destination_ttl) {
            (true, Some(end)) if result.ttl < end => {}
            (true, None) => {}
            // A router answers where the destination did: the path grew.
            // Where it ends now is told when the destination answers.
            (false, Some(end)) if result.ttl == end && result.answer.is_some() => {
                self.left_at = Some(end);
                self.destination_ttl = None;
                return events;
            }
            _ => return events,
        }
        let from = self.destination_ttl.or(self.left_at.take());
        if from != Some(result.ttl) {
            events.push(PathEvent::DestinationMoved {
                from,
                to: result.ttl,
                round: result.round,
            });
        }
        self.destination_ttl = Some(result.ttl);
        self.hops
            .truncate(usize::from(result.ttl - self.first_ttl) + 1);
        events
    }

    /// Works out every shown hop's verdict and real loss
    /// ([`crate::mtr::loss::assess`]).
    pub fn assess(&mut self) {
        let shown = self.hops().len();
        for hop in &mut self.hops {
            hop.observations.make_contiguous();
        }
        let verdicts = {
            let inputs: Vec<_> = self.hops[..shown]
                .iter()
                .map(|h| crate::mtr::loss::HopLoss {
                    sent: h.stats.sent(),
                    received: h.stats.received(),
                    observations: h.observations.as_slices().0,
                })
                .collect();
            crate::mtr::loss::assess(&inputs)
        };
        let losses: Vec<Option<f64>> = self.hops[..shown]
            .iter()
            .map(|h| (h.stats.received() > 0).then(|| h.stats.loss_percent()))
            .collect();
        let real = crate::mtr::loss::persistent_loss(&losses);
        for ((hop, verdict), real) in self.hops.iter_mut().zip(verdicts).zip(real) {
            hop.verdict = verdict;
            hop.real_loss = real;
        }
    }
}

#[cfg(test)]
mod tests;
