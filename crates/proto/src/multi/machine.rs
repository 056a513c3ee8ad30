//! [`MultiPing`]: several-target ping (fping-class) as a [`Machine`],
//! wrapping the [`Scheduler`].
//!
//! # Matching
//!
//! - One ICMP identifier per family ([`MultiPingConfig::ident_v4`] and
//!   `ident_v6`: a ping socket's kernel picks its own, a raw socket takes
//!   the run's); a reply or quoted request with another is not ours.
//! - The payload carries the run's nonce and a run-wide serial
//!   ([`crate::payload`]): a reply or quoted probe with another nonce is
//!   another process's; the serial names target and probe. Serials are
//!   forgotten [`SERIAL_GRACE`] after their probe's timeout.
//! - A payload too short to carry the serial (`payload_len` under
//!   [`payload::ID_LEN`]) falls back on the address (the reply's source,
//!   the error's destination) and the 16-bit sequence number.
//! - A reply too short to carry the nonce and serial its probe carried is
//!   no answer (anyone who guesses the identifier and a sequence number
//!   can send it): when its source is a target with an unexpired probe of
//!   that sequence number, it is [`MultiEvent::Unverified`], counted only
//!   in [`MultiPing::unverified`]; otherwise it is ignored.
//! - A reply is matched by its serial wherever it comes from: one from
//!   another address than its target's counts, as in fping, and
//!   [`TargetReply::from`] says who sent it (fping's `[<- ADDR]`).
//! - An ICMP error about a probe is reported and counted; the probe stays
//!   outstanding and times out as usual (fping reports both).
//!
//! # End
//!
//! The run ends once every probe is answered or timed out (as fping), at
//! the deadline, or on [`Signal::Stop`]; then it reports one
//! [`MultiEvent::Summary`] per target, in target order.
//! [`Signal::Status`] reports [`MultiEvent::Status`] (fping's SIGQUIT
//! summary) and goes on; so does every [`MultiPingConfig::report_every`]
//! (fping `-Q`). Each status closes an interval: [`MultiPing::split`]
//! is then each target's tally over the interval just ended (fping's
//! splits), [`MultiPing::tally`] the whole run's. [`Signal::Pause`]
//! stops sending (the probes in flight are still answered or time out:
//! a daemon pauses, waits a timeout, then stops, so that every probe sent
//! has its outcome); [`Signal::Resume`] sends again.
//!
//! # Per-probe results
//!
//! With [`MultiPingConfig::keep_rtts`], each target's RTT per probe
//! number is kept ([`MultiPing::rtts`], fping `-C`): one slot per probe
//! sent, for runs of a bounded count. The verdict is [`Verdict::Answered`] when every
//! target answered at least once.
//!
//! # Lean runs
//!
//! [`MultiPing::lean`] keeps nothing per target but what matching and
//! pacing need (a daemon of tens of thousands of targets keeps its own
//! statistics from the events): no [`Tally`], [`Statistics`], split or
//! RTT list. [`MultiPing::totals`], [`MultiPing::unverified`], the
//! verdict and the events' targets, numbers, RTTs and times are as in a
//! full run; what a lean run does not keep it does not make up:
//! [`MultiPing::statistics`], [`MultiPing::tally`] and
//! [`MultiPing::split`] panic, [`MultiPing::rtts`] is empty, the `tally`
//! of [`MultiEvent::Reply`] and [`MultiEvent::Timeout`] is all zero
//! ([`Tally::default`]), and the run ends without
//! [`MultiEvent::Summary`]s.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::IpVersion;
use icmpkit_wire::echo;

use super::bits::Bits;
use super::{Clock, MultiConfig, Nanos, NumberLow, Scheduler, Tally, number_low};
use crate::machine::{
    Channel, Datagram, ErrorSource, Input, Machine, SendFailure, Signal, SocketError, Transmit,
    Verdict, version_of,
};
use crate::payload;
use crate::ping::{EchoKind, echo_fields};
use crate::stats::Statistics;

/// How long a paused run with nothing in flight sleeps between looks.
const PAUSED_WAKE: Duration = Duration::from_secs(1);

/// How long past a probe's timeout its serial is still recognised (a late
/// reply is then ignored as fping ignores it, rather than misread).
pub const SERIAL_GRACE: Duration = Duration::from_millis(100);

/// The split of every target before the first status.
const NO_TALLY: Tally = Tally {
    sent: 0,
    received: 0,
    settled: 0,
    sum_ns: 0,
    min_ns: 0,
    max_ns: 0,
    first_sent: None,
    last_sent: None,
};

/// The options of a several-target ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPingConfig {
    /// Pacing, rounds, timeout and retries.
    pub schedule: MultiConfig,
    /// The targets' addresses, by index (the same address may repeat).
    pub targets: Vec<IpAddr>,
    /// Echo data bytes per probe (fping `-b`, ping `-s`).
    pub payload_len: usize,
    /// The fill pattern (empty: iputils' counting fill).
    pub pattern: Vec<u8>,
    /// The run's nonce, written in every payload.
    pub nonce: u64,
    /// The Echo identifier of IPv4 probes.
    pub ident_v4: u16,
    /// The Echo identifier of IPv6 probes.
    pub ident_v6: u16,
    /// The whole run stops this long after the start (`-w`).
    pub deadline: Option<Duration>,
    /// Keep every probe's RTT per target ([`MultiPing::rtts`], fping
    /// `-C`); memory grows with the probes sent, so only for a bounded
    /// count.
    pub keep_rtts: bool,
    /// Report a [`MultiEvent::Status`] this often (fping `-Q`).
    pub report_every: Option<Duration>,
}

/// A reply matched to a target's probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetReply {
    /// Which target.
    pub target: usize,
    /// The target's probe number, from 1 (fping's `[N]` is `number - 1`).
    pub number: u64,
    /// The Echo sequence number of the reply.
    pub seq: u16,
    /// The Echo identifier of the reply.
    pub ident: u16,
    /// The reply's source.
    pub from: IpAddr,
    /// ICMP bytes received.
    pub bytes: usize,
    /// The TTL / hop limit of the reply, when known.
    pub ttl: Option<u8>,
    /// From the send to the receive time.
    pub rtt: Duration,
    /// Not the first reply to this probe.
    pub duplicate: bool,
    /// The target's tally after this reply (all zero in a lean run,
    /// which keeps none: [`MultiPing::lean`]).
    pub tally: Tally,
}

/// A reply from a target with our identifier and the sequence number of
/// one of its probes, but without the nonce and serial that probe carried:
/// no answer, not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetUnverified {
    /// Which target (by the reply's source).
    pub target: usize,
    /// The probe it claims to answer: the target's most recent unexpired
    /// probe with that sequence number.
    pub number: u64,
    /// The Echo sequence number of the reply.
    pub seq: u16,
    /// The Echo identifier of the reply.
    pub ident: u16,
    /// The reply's source.
    pub from: IpAddr,
    /// ICMP bytes received.
    pub bytes: usize,
    /// The TTL / hop limit of the reply, when known.
    pub ttl: Option<u8>,
}

/// The whole run's counts over every target (fping `-s`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Echo Requests sent, resends included.
    pub sent: u64,
    /// Echo Replies matched to a probe, duplicates included.
    pub replies: u64,
    /// Probes that went unanswered for their wait.
    pub timeouts: u64,
    /// ICMP errors about our probes.
    pub errors: u64,
    /// The first replies to probes, over every target: their count, the
    /// smallest, largest and summed RTTs (`sent` and `settled` unused).
    pub rtt: Tally,
}

/// An ICMP error about one of a target's probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetError {
    /// Which target.
    pub target: usize,
    /// The probe number.
    pub number: u64,
    /// The node that sent the error (the target's address when unknown).
    pub from: IpAddr,
    /// The family of the error.
    pub version: IpVersion,
    /// ICMP type.
    pub icmp_type: u8,
    /// ICMP code.
    pub icmp_code: u8,
    /// The type-specific word (MTU, pointer).
    pub info: u32,
}

/// What happened in a several-target run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiEvent {
    /// A reply (duplicates included).
    Reply(TargetReply),
    /// A reply without its probe's nonce: no answer, not counted.
    Unverified(TargetUnverified),
    /// A probe went unanswered for the timeout.
    Timeout {
        /// Which target.
        target: usize,
        /// The probe number.
        number: u64,
        /// Whether a resend was scheduled for the round.
        will_retry: bool,
        /// Whether an ICMP error about the probe came first (fping prints
        /// both; JSON lines write only the error).
        after_error: bool,
        /// When the probe was sent (the timeout is noticed when the caller
        /// wakes, later than the send plus the wait by its lateness).
        sent_at: Instant,
        /// The target's tally (all zero in a lean run, which keeps
        /// none: [`MultiPing::lean`]).
        tally: Tally,
    },
    /// An ICMP error about a probe.
    Error(TargetError),
    /// A local error the kernel queued (message too long for the path
    /// MTU, ...).
    LocalError {
        /// The target it is about, when its address is known.
        target: Option<usize>,
        /// The family of the socket.
        version: IpVersion,
        /// The errno (`EMSGSIZE` with the MTU in `info`).
        errno: i32,
        /// The MTU of an `EMSGSIZE`.
        info: u32,
    },
    /// A send to the target failed; reported once per target (the probe
    /// counts as sent and times out, as in fping).
    SendFailed {
        /// Which target.
        target: usize,
        /// The OS error number.
        errno: i32,
    },
    /// [`Signal::Status`], or a [`MultiPingConfig::report_every`]
    /// interval ended: the running statistics were asked for (read them
    /// with [`MultiPing::tally`], and the interval's with
    /// [`MultiPing::split`]).
    Status,
    /// The end: one per target, in target order (none in a lean run:
    /// [`MultiPing::lean`]).
    Summary {
        /// Which target.
        target: usize,
        /// Its tally (its [`Statistics`] from [`MultiPing::statistics`]).
        tally: Tally,
    },
}

/// Several-target ping; see the module documentation.
#[derive(Debug, Clone)]
pub struct MultiPing {
    config: MultiPingConfig,
    sched: Scheduler,
    clock: Clock,
    deadline: Option<Instant>,
    /// Target indices sorted by address, the first target of an address
    /// only: looked up by binary search (4 bytes a target, where a hash
    /// map took 50). Only replies and errors too short to carry a serial,
    /// and local errors, are matched by address.
    by_addr: Vec<u32>,
    /// (send time, target, number's low bits) of each probe not yet
    /// expired, in send order, 16 bytes each: the run-wide serials are
    /// consecutive, so the probe of serial `s` is at `s - first_serial`
    /// (no hashing per reply), and expiring the oldest is popping the
    /// front. The number is found among the target's probes out (a probe
    /// no longer out is answered by no reply).
    sent: VecDeque<(Nanos, u32, NumberLow)>,
    /// The serial of the last probe sent (the first is 1).
    next_serial: u64,
    /// The whole run's counts, kept as they happen (lean or not).
    totals: Totals,
    /// Whether each target answered at least once (the verdict).
    answered: Bits,
    /// [`MultiPing::lean`]: no tally, split or RTT list per target.
    lean: bool,
    /// Each target's tally; empty in a lean run.
    tallies: Vec<Tally>,
    /// Each target's tally since the last status; empty before the first
    /// status (the interval so far is then the whole run: `tallies`), so
    /// a run never asked for one (a daemon's) keeps one tally per target.
    splits: Vec<Tally>,
    /// Each target's tally over the interval the last status closed;
    /// empty before the first status.
    last_splits: Vec<Tally>,
    /// The RTT of each probe per target, by number - 1 (`keep_rtts`).
    rtts: Vec<Vec<Option<Duration>>>,
    /// When the next periodic status is due.
    next_report: Option<Instant>,
    /// Unverified replies per target; empty until the first (they are
    /// rare: a run never sent one keeps nothing for them).
    unverified: Vec<u64>,
    /// Targets whose send failed (reported once each).
    send_failed: Bits,
    data: Vec<u8>,
    events: VecDeque<MultiEvent>,
    finished: bool,
    /// The next target whose summary [`Machine::poll_event`] hands out
    /// once `events` is empty (summaries are made as they are taken: tens
    /// of thousands of targets queue none).
    next_summary: usize,
    ignored: u64,
    /// Datagrams the kernel dropped for a full receive queue.
    kernel_drops: u64,
    /// [`Signal::Pause`]: no probe is sent; answers and timeouts go on.
    paused: bool,
}

impl MultiPing {
    /// A run of `config` starting at `start`.
    ///
    /// # Panics
    ///
    /// If `config.schedule.rate` is zero.
    pub fn new(config: MultiPingConfig, start: Instant) -> Self {
        Self::build(config, start, false)
    }

    /// A lean run of `config` starting at `start`: no [`Tally`],
    /// [`Statistics`], split or RTT list per target (`keep_rtts` is
    /// ignored), only the run's [`Totals`]; see the module documentation
    /// for what its queries and events then say. A daemon's: about 100
    /// bytes a target with a probe out.
    ///
    /// # Panics
    ///
    /// If `config.schedule.rate` is zero, or there are 2^32 targets or
    /// more.
    pub fn lean(config: MultiPingConfig, start: Instant) -> Self {
        Self::build(config, start, true)
    }

    fn build(config: MultiPingConfig, start: Instant, lean: bool) -> Self {
        let n = config.targets.len();
        let mut by_addr: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
        // Stable: of the targets of one address, the first comes first.
        by_addr.sort_by_key(|&i| config.targets[i as usize]);
        by_addr.dedup_by_key(|i| config.targets[*i as usize]);
        by_addr.shrink_to_fit();
        Self {
            sched: if lean {
                Scheduler::lean(config.schedule, n, start)
            } else {
                Scheduler::new(config.schedule, n, start)
            },
            clock: Clock { start },
            deadline: config.deadline.map(|d| start + d),
            by_addr,
            sent: VecDeque::new(),
            next_serial: 0,
            totals: Totals::default(),
            answered: Bits::new(n),
            lean,
            tallies: if lean {
                Vec::new()
            } else {
                vec![Tally::default(); n]
            },
            splits: Vec::new(),
            last_splits: Vec::new(),
            rtts: vec![Vec::new(); if config.keep_rtts && !lean { n } else { 0 }],
            next_report: config
                .report_every
                .filter(|d| !d.is_zero())
                .map(|d| start + d),
            unverified: Vec::new(),
            send_failed: Bits::new(n),
            // The fill, the same in every probe: only the identification
            // is written per probe.
            data: {
                let mut data = vec![0; config.payload_len];
                payload::write(&mut data, config.nonce, 0, &config.pattern);
                data
            },
            events: VecDeque::new(),
            finished: false,
            next_summary: 0,
            ignored: 0,
            kernel_drops: 0,
            paused: false,
            config,
        }
    }

    /// `self` keeping no RTT histogram per target: its
    /// [`Statistics::percentiles`] are then `None` (a daemon of tens of
    /// thousands of targets that keeps its own is better off
    /// [`Self::lean`]). Nothing to do in a lean run.
    #[must_use]
    pub fn without_rtt_histograms(mut self) -> Self {
        self.sched.without_rtt_histograms();
        self
    }

    /// The configuration.
    pub fn config(&self) -> &MultiPingConfig {
        &self.config
    }

    /// Whether the run keeps nothing per target ([`Self::lean`]).
    pub fn is_lean(&self) -> bool {
        self.lean
    }

    /// Panics in a lean run, which keeps no `what` per target.
    fn assert_full(&self, what: &str) {
        assert!(
            !self.lean,
            "MultiPing::{what}: a lean run (MultiPing::lean) keeps no {what} per target"
        );
    }

    /// The statistics of `target` (iputils' counters, for JSON).
    ///
    /// # Panics
    ///
    /// If `target` is out of range, or the run is lean ([`Self::lean`]:
    /// it keeps none).
    pub fn statistics(&self, target: usize) -> &Statistics {
        self.assert_full("statistics");
        self.sched.statistics(target)
    }

    /// The fping tally of `target`.
    ///
    /// # Panics
    ///
    /// If `target` is out of range, or the run is lean ([`Self::lean`]:
    /// it keeps none).
    pub fn tally(&self, target: usize) -> &Tally {
        self.assert_full("tally");
        &self.tallies[target]
    }

    /// The tally of `target` over the interval the last
    /// [`MultiEvent::Status`] closed (fping's split); all zero before one.
    ///
    /// # Panics
    ///
    /// If `target` is out of range, or the run is lean ([`Self::lean`]:
    /// it keeps none).
    pub fn split(&self, target: usize) -> &Tally {
        self.assert_full("split");
        assert!(target < self.tallies.len(), "target {target} out of range");
        self.last_splits.get(target).unwrap_or(&NO_TALLY)
    }

    /// The RTT of each settled probe of `target` in probe order, `None`
    /// for one unanswered (fping `-C`'s `-`): as many as the target's
    /// settled probes. Empty without [`MultiPingConfig::keep_rtts`] or
    /// for a target out of range.
    pub fn rtts(&self, target: usize) -> &[Option<Duration>] {
        let Some(all) = self.rtts.get(target) else {
            return &[];
        };
        let settled = usize::try_from(self.tallies[target].settled).unwrap_or(usize::MAX);
        &all[..settled.min(all.len())]
    }

    /// The whole run's counts over every target (fping `-s`), lean or
    /// not.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Closes the interval: the splits so far become [`Self::split`]
    /// (none in a lean run).
    fn close_interval(&mut self) {
        if self.lean {
            self.events.push_back(MultiEvent::Status);
            return;
        }
        let fresh = vec![Tally::default(); self.tallies.len()];
        self.last_splits = if self.splits.is_empty() {
            // The first interval: the whole run so far.
            self.splits = fresh;
            self.tallies.clone()
        } else {
            std::mem::replace(&mut self.splits, fresh)
        };
        self.events.push_back(MultiEvent::Status);
    }

    /// Replies from `target` without their probe's nonce
    /// ([`MultiEvent::Unverified`]), in none of its statistics; 0 for a
    /// target out of range. Kept in lean runs too.
    pub fn unverified(&self, target: usize) -> u64 {
        self.unverified.get(target).copied().unwrap_or(0)
    }

    /// Datagrams the kernel dropped for a full receive queue (reported by
    /// a socket asked to: `SO_RXQ_OVFL`); answers among them count as lost.
    pub fn kernel_drops(&self) -> u64 {
        self.kernel_drops
    }

    /// Inputs that were not ours or could not be read.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    fn ident(&self, version: IpVersion) -> u16 {
        match version {
            IpVersion::V4 => self.config.ident_v4,
            IpVersion::V6 => self.config.ident_v6,
        }
    }

    /// Ends the run: the summaries follow the events queued so far.
    fn finish(&mut self) {
        self.finished = true;
    }

    /// Ends the run when nothing remains to send or to wait for.
    fn finish_if_settled(&mut self) {
        if self.sched.is_settled() {
            self.finish();
        }
    }

    /// The (target, number) a reply or quoted probe is about.
    fn resolve(
        &self,
        version: IpVersion,
        addr: Option<IpAddr>,
        ident: u16,
        seq: u16,
        data: &[u8],
    ) -> Option<(usize, u64)> {
        if self.ident(version) != ident {
            return None;
        }
        if self.config.payload_len >= payload::ID_LEN {
            let (nonce, serial) = payload::identify(data)?;
            if nonce != self.config.nonce {
                return None;
            }
            let (target, low) = self.probe_of(serial)?;
            return Some((target, self.sched.number_for_low(target, low)?));
        }
        // Too short to carry the serial: the address and the sequence.
        let target = self.target_of(addr?)?;
        Some((target, self.sched.number_for_seq(target, seq)?))
    }

    fn on_datagram(&mut self, d: &Datagram<'_>) -> Option<()> {
        if d.channel != Channel::Icmp {
            return None;
        }
        let version = version_of(d.from);
        let (ident, seq, data) = echo_fields(version, d.bytes, EchoKind::Reply)?;
        if self.config.payload_len >= payload::ID_LEN && data.len() < payload::ID_LEN {
            return self.on_unverified(d, ident, seq);
        }
        let (target, number) = self.resolve(version, Some(d.from), ident, seq, data)?;
        let reply = self.sched.on_reply(d.received_at(), target, number)?;
        self.totals.replies += 1;
        if !reply.duplicate {
            let rtt_ns = u64::try_from(reply.rtt.as_nanos()).unwrap_or(u64::MAX);
            let rtt = &mut self.totals.rtt;
            if rtt.received == 0 || rtt_ns < rtt.min_ns {
                rtt.min_ns = rtt_ns;
            }
            rtt.max_ns = rtt.max_ns.max(rtt_ns);
            rtt.sum_ns += u128::from(rtt_ns);
            rtt.received += 1;
            self.answered.set(target);
            if let Some(tally) = self.tallies.get_mut(target) {
                tally.record(rtt_ns);
            }
            if let Some(split) = self.splits.get_mut(target) {
                split.record(rtt_ns);
            }
            if let Some(slot) = self
                .rtts
                .get_mut(target)
                .and_then(|r| r.get_mut(usize::try_from(number - 1).ok()?))
            {
                *slot = Some(reply.rtt);
            }
        }
        self.events.push_back(MultiEvent::Reply(TargetReply {
            target,
            number,
            seq,
            ident,
            from: d.from,
            bytes: d.bytes.len(),
            ttl: d.hop_limit,
            rtt: reply.rtt,
            duplicate: reply.duplicate,
            tally: self.tally_or_zero(target),
        }));
        Some(())
    }

    /// A reply too short for the nonce its probe carried: reported when it
    /// names a target's unexpired probe by identifier, source and
    /// sequence number.
    fn on_unverified(&mut self, d: &Datagram<'_>, ident: u16, seq: u16) -> Option<()> {
        if self.ident(version_of(d.from)) != ident {
            return None;
        }
        let target = self.target_of(d.from)?;
        let number = self.sched.number_for_seq(target, seq)?;
        if self.unverified.is_empty() {
            self.unverified = vec![0; self.config.targets.len()];
        }
        self.unverified[target] += 1;
        self.events
            .push_back(MultiEvent::Unverified(TargetUnverified {
                target,
                number,
                seq,
                ident,
                from: d.from,
                bytes: d.bytes.len(),
                ttl: d.hop_limit,
            }));
        Some(())
    }

    fn on_socket_error(&mut self, e: &SocketError<'_>) -> Option<()> {
        let version = error_version(e)?;
        if e.source == ErrorSource::Local {
            self.events.push_back(MultiEvent::LocalError {
                target: e.dst.and_then(|a| self.target_of(a)),
                version,
                errno: e.errno,
                info: e.info,
            });
            return Some(());
        }
        let (ident, seq, data) = echo_fields(version, e.original, EchoKind::Request)?;
        let (target, number) = self.resolve(version, e.dst, ident, seq, data)?;
        if !self.sched.on_error(target, number) {
            return None;
        }
        self.totals.errors += 1;
        self.events.push_back(MultiEvent::Error(TargetError {
            target,
            number,
            from: e.offender.unwrap_or(self.config.targets[target]),
            version,
            icmp_type: e.icmp_type,
            icmp_code: e.icmp_code,
            info: e.info,
        }));
        Some(())
    }

    /// The target and the number's low bits of the probe with run-wide
    /// `serial`, if it has not expired.
    fn probe_of(&self, serial: u64) -> Option<(usize, NumberLow)> {
        let first = self.next_serial + 1 - self.sent.len() as u64;
        let i = usize::try_from(serial.checked_sub(first)?).ok()?;
        self.sent
            .get(i)
            .map(|&(_, target, number)| (target as usize, number))
    }

    /// The first target of address `addr`.
    fn target_of(&self, addr: IpAddr) -> Option<usize> {
        let targets = &self.config.targets;
        let i = self
            .by_addr
            .binary_search_by(|&t| targets[t as usize].cmp(&addr))
            .ok()?;
        Some(self.by_addr[i] as usize)
    }

    /// The tally of `target`, all zero in a lean run.
    fn tally_or_zero(&self, target: usize) -> Tally {
        self.tallies.get(target).copied().unwrap_or_default()
    }

    /// Forgets serials of probes past their timeout and the grace.
    fn expire(&mut self, now: Instant) {
        let schedule = &self.config.schedule;
        let keep = schedule.wait_for(schedule.retries) + SERIAL_GRACE;
        let keep = u64::try_from(keep.as_nanos()).unwrap_or(u64::MAX);
        let now = self.clock.nanos(now);
        while let Some(&(at, ..)) = self.sent.front() {
            if now.saturating_sub(at) <= keep {
                break;
            }
            self.sent.pop_front();
        }
    }
}

/// The family a socket error is about: its destination's or sender's, else
/// the type of the quoted Echo Request.
fn error_version(e: &SocketError<'_>) -> Option<IpVersion> {
    if let Some(addr) = e.dst.or(e.offender) {
        return Some(version_of(addr));
    }
    match e.original.first() {
        Some(8) => Some(IpVersion::V4),
        Some(128) => Some(IpVersion::V6),
        _ => None,
    }
}

impl Machine for MultiPing {
    type Event = MultiEvent;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.finished || self.paused {
            return None;
        }
        let slot = self.sched.pop_due(now)?;
        let dst = self.config.targets[slot.target];
        let version = version_of(dst);
        self.next_serial += 1;
        let serial = self.next_serial;
        self.totals.sent += 1;
        #[allow(clippy::cast_possible_truncation, reason = "fewer than 2^32 targets")]
        let target = slot.target as u32;
        self.sent
            .push_back((self.clock.nanos(now), target, number_low(slot.number)));
        payload::write_identification(&mut self.data, self.config.nonce, serial);
        buf.clear();
        buf.resize(echo::request_len(self.data.len()), 0);
        echo::write_request(version, self.ident(version), slot.seq, &self.data, buf);
        if let Some(tally) = self.tallies.get_mut(slot.target) {
            tally.sent_at(now);
        }
        if let Some(split) = self.splits.get_mut(slot.target) {
            split.sent_at(now);
        }
        if let Some(rtts) = self.rtts.get_mut(slot.target) {
            rtts.push(None);
        }
        Some(Transmit {
            channel: Channel::Icmp,
            dst,
            hop_limit: None,
            tag: serial,
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        // An explained refusal was reported with the error that explains it.
        if failure.explained {
            return;
        }
        let Some((target, _)) = self.probe_of(failure.tag) else {
            return;
        };
        if !self.send_failed.set(target) {
            self.events.push_back(MultiEvent::SendFailed {
                target,
                errno: failure.errno,
            });
        }
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        if self.finished {
            return;
        }
        let handled = match input {
            Input::Datagram(d) => self.on_datagram(&d),
            Input::SocketError(e) => self.on_socket_error(&e),
        };
        if handled.is_none() {
            self.ignored += 1;
        }
        self.finish_if_settled();
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.finished {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            self.finish();
            return;
        }
        while let Some(t) = self.sched.pop_timeout(now) {
            self.totals.timeouts += 1;
            if let Some(tally) = self.tallies.get_mut(t.target) {
                tally.timed_out();
            }
            if let Some(split) = self.splits.get_mut(t.target) {
                split.timed_out();
            }
            self.events.push_back(MultiEvent::Timeout {
                target: t.target,
                number: t.number,
                will_retry: t.will_retry,
                after_error: t.after_error,
                sent_at: t.sent_at,
                tally: self.tally_or_zero(t.target),
            });
        }
        self.expire(now);
        if let (Some(due), Some(every)) = (self.next_report, self.config.report_every)
            && now >= due
        {
            let mut next = due;
            while next <= now {
                next += every;
            }
            self.next_report = Some(next);
            self.close_interval();
        }
        self.finish_if_settled();
    }

    fn handle_overflow(&mut self, _now: Instant, overflow: crate::machine::Overflow) {
        self.kernel_drops += overflow.dropped;
    }

    fn handle_signal(&mut self, _now: Instant, signal: Signal) {
        match signal {
            Signal::Stop => self.finish(),
            Signal::Status if !self.finished => self.close_interval(),
            Signal::Pause => self.paused = true,
            Signal::Resume => self.paused = false,
            Signal::Status | Signal::Burst => {}
        }
    }

    fn poll_event(&mut self) -> Option<MultiEvent> {
        if let Some(event) = self.events.pop_front() {
            return Some(event);
        }
        let target = self.next_summary;
        let tally = *self.tallies.get(target).filter(|_| self.finished)?;
        self.next_summary += 1;
        Some(MultiEvent::Summary { target, tally })
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if self.finished {
            return None;
        }
        let wake = if self.paused {
            // Only the probes in flight: their answers or timeouts.
            self.sched.next_timeout().unwrap_or(now + PAUSED_WAKE)
        } else {
            self.sched.next_wakeup().unwrap_or(now)
        };
        let wake = self.next_report.map_or(wake, |r| wake.min(r));
        Some(self.deadline.map_or(wake, |d| wake.min(d)))
    }

    fn verdict(&self) -> Verdict {
        let all = (0..self.config.targets.len()).all(|t| self.answered.get(t));
        if all {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

#[cfg(test)]
mod tests;
