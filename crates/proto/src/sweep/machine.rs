//! [`SweepMachine`]: a [`Sweep`] behind the [`Machine`] verb set, so the
//! one driver runs it over real sockets or a simulated network.
//!
//! - [`Machine::poll_transmit`] gives the next probe due at the `now` of
//!   that call (the token bucket paces them; each probe's stamp and the
//!   cooldown's start are that call's time), at most [`ROUND_PROBES`] per
//!   round of the driver so that replies are read between bursts even at
//!   [`Rate::Max`].
//! - [`Machine::handle_input`] reads Echo Replies and the ICMP errors that
//!   quote our probes from datagrams of the ICMP channel (a raw socket
//!   receives both). Queued socket errors are not read: on a raw socket the
//!   same error also arrives as a datagram, and a local error comes with its
//!   refused send.
//! - [`Machine::handle_overflow`]: answers the kernel dropped slow a
//!   `Rate::Max` sweep down ([`super::Backoff`]); the summary says so.
//! - [`Machine::handle_send_failure`]: a refused probe (`EACCES` at a
//!   broadcast address, `ENETUNREACH` or `EPERM` behind a prohibit or
//!   blackhole route) is counted per errno and reported; the sweep goes on.
//! - The run ends when every target (of its shard) answered, or after the
//!   cooldown that follows the last probe, or at once on [`Signal::Stop`],
//!   with a [`SweepEvent::Summary`]. An empty shard (more shards than
//!   targets) ends at once, answered: it had nothing to find.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::dissect::Message;
use icmpkit_wire::{icmpv4, icmpv6, quote};

use super::backoff::BackoffReport;
use super::engine::{ErrorVerdict, Progress, QuotedEcho, ReplyVerdict, Responder, Sweep};
use super::pacing::Rate;
use super::shard::Shard;
use super::validation::Validator;
use crate::machine::{
    Channel, Datagram, Input, Machine, Overflow, SendFailure, Signal, Transmit, Verdict, version_of,
};

/// The most probes [`SweepMachine`] gives in one round of the driver
/// (between two [`Machine::handle_timeout`] calls): the driver reads what
/// arrived at least this often, whatever the rate.
pub const ROUND_PROBES: usize = 1024;

/// How many tokens a paced sweep waits for before it wakes to send: a
/// millisecond of probes (at least one), so the driver wakes about a
/// thousand times a second at most and sends in batches.
fn wake_batch(rate: Rate) -> usize {
    match rate {
        Rate::PerSecond(r) => usize::try_from(r / 1000)
            .unwrap_or(ROUND_PROBES)
            .clamp(1, ROUND_PROBES),
        Rate::Max => ROUND_PROBES,
    }
}

/// A probe the transport refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusedProbe {
    /// The target.
    pub target: IpAddr,
    /// The attempt (0 for the first pass).
    pub attempt: u8,
    /// The OS error number (`EACCES`, `ENETUNREACH`, `EPERM`, ...).
    pub errno: i32,
}

/// The counters of a running or finished sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepCounts {
    /// The engine's counters; `sent` counts the probes the transport
    /// took (refused ones are not in it).
    pub progress: Progress,
    /// Probes the transport refused.
    pub refused: u64,
    /// Since the sweep's start.
    pub elapsed: Duration,
}

/// The end of a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    /// The counters at the end.
    pub counts: SweepCounts,
    /// The refused probes per errno, by errno.
    pub refused_by_errno: Vec<(i32, u64)>,
    /// From the start to the last probe: the sending time, without the
    /// cooldown.
    pub sending: Duration,
    /// Whether a [`Signal::Stop`] ended it early.
    pub stopped: bool,
    /// What a `Rate::Max` sweep slowed to when the kernel dropped
    /// answers; `None` when none was dropped.
    pub backoff: Option<BackoffReport>,
    /// The part of the order it walked ([`Shard::WHOLE`]: all of it).
    pub shard: Shard,
    /// The seed that picked the order, if one was given.
    pub seed: Option<u64>,
    /// Targets in the whole space, every shard's (`counts.progress.total`
    /// is this sweep's share).
    pub space_targets: u64,
}

/// What happened in a sweep, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepEvent {
    /// A host answered (its first valid reply).
    Found(Responder),
    /// An ICMP error about one of our probes (unreachable, prohibited,
    /// time exceeded).
    Error(ErrorVerdict),
    /// The transport refused a probe; the sweep goes on.
    Refused(RefusedProbe),
    /// Running counters: every progress interval (see
    /// [`SweepMachine::with_progress_every`]) and on [`Signal::Status`].
    Progress(SweepCounts),
    /// The end: always the last event.
    Summary(SweepSummary),
}

/// A [`Sweep`] that speaks [`Machine`].
#[derive(Debug, Clone)]
pub struct SweepMachine {
    sweep: Sweep,
    /// Probes the next `poll_transmit` calls take from (one at a time).
    probes: Vec<(IpAddr, u8)>,
    /// Probes given since the round began.
    round: usize,
    events: VecDeque<SweepEvent>,
    refused: BTreeMap<i32, u64>,
    refused_total: u64,
    progress_every: Option<Duration>,
    next_progress: Option<Instant>,
    stopped: bool,
    finished: bool,
}

impl SweepMachine {
    /// A machine running `sweep` (started at [`Sweep::started_at`]).
    pub fn new(sweep: Sweep) -> Self {
        Self {
            sweep,
            probes: Vec::with_capacity(1),
            round: 0,
            events: VecDeque::new(),
            refused: BTreeMap::new(),
            refused_total: 0,
            progress_every: None,
            next_progress: None,
            stopped: false,
            finished: false,
        }
    }

    /// Reports [`SweepEvent::Progress`] every `interval` (none by default).
    #[must_use]
    pub fn with_progress_every(mut self, interval: Duration) -> Self {
        self.progress_every = Some(interval);
        self.next_progress = Some(self.sweep.started_at() + interval);
        self
    }

    /// The engine.
    pub fn sweep(&self) -> &Sweep {
        &self.sweep
    }

    /// The counters at `now`.
    pub fn counts(&self, now: Instant) -> SweepCounts {
        let mut progress = self.sweep.progress();
        progress.sent = progress.sent.saturating_sub(self.refused_total);
        SweepCounts {
            progress,
            refused: self.refused_total,
            elapsed: now.saturating_duration_since(self.sweep.started_at()),
        }
    }

    fn finish(&mut self, now: Instant) {
        if self.finished {
            return;
        }
        self.finished = true;
        let start = self.sweep.started_at();
        self.events.push_back(SweepEvent::Summary(SweepSummary {
            counts: self.counts(now),
            refused_by_errno: self.refused.iter().map(|(&e, &n)| (e, n)).collect(),
            sending: self
                .sweep
                .last_probe_at()
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(start)),
            stopped: self.stopped,
            backoff: self.sweep.backoff(),
            shard: self.sweep.shard(),
            seed: self.sweep.config().seed,
            space_targets: self.sweep.space_len(),
        }));
    }

    /// An ICMP message from the ICMP channel: a reply or an error.
    fn on_datagram(&mut self, now: Instant, datagram: &Datagram<'_>) {
        let version = version_of(datagram.from);
        let Ok(message) = Message::parse(version, datagram.bytes) else {
            self.sweep.count_invalid();
            return;
        };
        let echo = match message {
            Message::V4(icmpv4::Repr::EchoReply {
                ident,
                seq_no,
                data,
            })
            | Message::V6(icmpv6::Repr::EchoReply {
                ident,
                seq_no,
                data,
            }) => Some((ident, seq_no, data)),
            _ => None,
        };
        let received = datagram.received_at();
        if let Some((ident, seq, data)) = echo {
            let verdict = self.sweep.on_reply(
                received,
                datagram.from,
                ident,
                seq,
                data,
                datagram.hop_limit,
            );
            if let ReplyVerdict::New(found) = verdict {
                self.events.push_back(SweepEvent::Found(found));
                if self.sweep.next_wakeup(now).is_none() {
                    self.finish(now);
                }
            }
            return;
        }
        // Anything else that is not an error (an Echo Request another
        // program sent, neighbour discovery) is not about the sweep.
        let Some((original, _)) = message.error_body() else {
            return;
        };
        let Ok(quoted) = quote::parse(original, version) else {
            self.sweep.count_invalid();
            return;
        };
        let Some(quote::QuotedTransport::Icmp { ident, seq_no, .. }) = quoted.transport else {
            // A UDP or TCP datagram of another program.
            return;
        };
        let echo = QuotedEcho {
            dst: quoted.ip.dst(),
            ident,
            seq: seq_no,
            // The payload after the quoted Echo header.
            data: quoted.payload.get(8..).unwrap_or_default(),
        };
        // The bytes parsed as an error: the type and code are the first two.
        let (Some(&icmp_type), Some(&code)) = (datagram.bytes.first(), datagram.bytes.get(1))
        else {
            return;
        };
        if let Some(error) = self
            .sweep
            .on_error(received, datagram.from, icmp_type, code, echo)
        {
            self.events.push_back(SweepEvent::Error(error));
        }
    }
}

impl Machine for SweepMachine {
    type Event = SweepEvent;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.finished || self.stopped || self.round >= ROUND_PROBES {
            return None;
        }
        // Each call walks at most a bounded run of answered targets
        // (`next_probes`' skip budget); go on while a probe is still due.
        for _ in 0..ROUND_PROBES {
            self.probes.clear();
            if self.sweep.next_probes(now, 1, &mut self.probes) == 1 {
                let (dst, attempt) = self.probes[0];
                buf.clear();
                buf.resize(Validator::echo_len(self.sweep.config().payload_len), 0);
                self.sweep.build_probe(now, dst, attempt, buf);
                self.round += 1;
                return Some(Transmit {
                    channel: Channel::Icmp,
                    dst,
                    hop_limit: None,
                    tag: u64::from(attempt),
                });
            }
            if self.sweep.next_wakeup(now) != Some(now) {
                return None;
            }
        }
        None
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        if self.finished {
            // After the summary (the driver settles a transport's sends
            // before a stop, so none should come): nothing to add to it.
            return;
        }
        self.refused_total += 1;
        *self.refused.entry(failure.errno).or_default() += 1;
        self.events.push_back(SweepEvent::Refused(RefusedProbe {
            target: failure.dst,
            attempt: u8::try_from(failure.tag).unwrap_or(u8::MAX),
            errno: failure.errno,
        }));
    }

    fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        if self.finished {
            return;
        }
        match input {
            Input::Datagram(d) if d.channel == Channel::Icmp => self.on_datagram(now, &d),
            // Not a channel a sweep sends on; queued errors: see the
            // module docs.
            Input::Datagram(_) | Input::SocketError(_) => {}
        }
    }

    fn handle_overflow(&mut self, now: Instant, overflow: Overflow) {
        if overflow.channel == Channel::Icmp {
            self.sweep
                .on_overflow(now, overflow.queued_at, overflow.dropped);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.round = 0;
        if self.finished {
            return;
        }
        if let (Some(every), Some(at)) = (self.progress_every, self.next_progress)
            && now >= at
        {
            self.events
                .push_back(SweepEvent::Progress(self.counts(now)));
            // The next one an interval from now: no burst after a stall.
            self.next_progress = Some(now + every);
        }
        if self.sweep.next_wakeup(now).is_none() {
            self.finish(now);
        }
    }

    fn handle_signal(&mut self, now: Instant, signal: Signal) {
        if self.finished {
            return;
        }
        match signal {
            Signal::Stop => {
                self.stopped = true;
                self.finish(now);
            }
            Signal::Status => self
                .events
                .push_back(SweepEvent::Progress(self.counts(now))),
            Signal::Pause | Signal::Resume | Signal::Burst => {}
        }
    }

    fn poll_event(&mut self) -> Option<SweepEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if self.finished {
            return None;
        }
        let due = if self.round >= ROUND_PROBES {
            // A full round: read what arrived, then go on at once.
            Some(now)
        } else {
            // The rate may have changed (a backoff): batches follow it.
            self.sweep
                .next_wakeup_for(now, wake_batch(self.sweep.rate()))
        };
        // Done: call back at once to queue the summary.
        let due = due.unwrap_or(now);
        Some(self.next_progress.map_or(due, |at| at.min(due)))
    }

    fn verdict(&self) -> Verdict {
        let progress = self.sweep.progress();
        // An empty shard (more shards than targets) had nothing to find:
        // it did its part.
        if progress.unique > 0 || progress.total == 0 {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

#[cfg(test)]
mod tests;
