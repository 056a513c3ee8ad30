//! [`Tracer`]: one [`Machine`] for every trace strategy (the classic
//! [`Trace`], multipath discovery [`Mda`], the path MTU walk [`Pmtu`]).
//!
//! The tracer owns the [`Prober`], the send record of every probe (what it
//! carried and when it left) and the strategy. It builds the probe the
//! strategy asks for, matches what comes back (ICMP errors and Echo
//! Replies on the ICMP channel, SYN-ACK and RST on the TCP channel) to a
//! probe with [`Prober::identify`] and friends, times it, and hands the
//! [`Answer`] to the strategy. A send too big for the outgoing link (a
//! local `EMSGSIZE`, queued with the link's MTU) steps a path MTU walk
//! down; for the strategies whose probes have one size it ends the run
//! ([`TraceFailure::DoesNotFit`]).
//!
//! Events ([`TracerEvent`]) are what a renderer prints as it goes: the
//! strategy's progress (a classic trace's completed hops in order, a
//! walk's MTU changes and hops), then once [`TracerEvent::Finished`] with
//! the strategy's summary (for MDA: the whole graph), or
//! [`TracerEvent::Failed`].

use std::convert::Infallible;
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::machine::{
    Channel, ErrorSource, Input, Machine, SendFailure, Signal, SocketError, Transmit, Verdict,
};
use crate::ping::{EchoKind, echo_fields};
use crate::trace::{
    Answer, Counters, Hop, IcmpAnswer, Mda, MdaHop, MdaLink, MdaStop, Method, Outcome, Pmtu,
    PmtuProgress, ProbeSpec, Prober, Rewrites, Sent, Trace, read_extensions, read_icmp,
};

use crate::errno::EMSGSIZE;

/// The IP header the kernel puts before a probe to `dst` (no options):
/// what traceroute's packet length counts beyond the transport part.
pub fn ip_header_len(dst: IpAddr) -> usize {
    if dst.is_ipv4() { 20 } else { 40 }
}

/// A trace strategy as the [`Tracer`] runs it: which probe next, what an
/// answer or a lost probe means, what to report.
pub trait Strategy {
    /// What the strategy reports as it goes.
    type Progress;
    /// What it reports at the end.
    type Summary;

    /// The next probe to send at `now`, with its IP packet size when it
    /// has its own (path MTU probes); `None` when nothing is due.
    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)>;
    /// An answer matched to probe `number`.
    fn on_answer(&mut self, number: u16, answer: Answer);
    /// Probe `number` was too big for the outgoing link, whose MTU is
    /// `mtu`; false when the strategy cannot go on (its probes have one
    /// size).
    fn on_local_mtu(&mut self, number: u16, mtu: usize) -> bool;
    /// [`Strategy::on_local_mtu`], the refusal read `after` the send (by
    /// default the time is not kept).
    fn on_local_mtu_after(&mut self, number: u16, mtu: usize, after: Duration) -> bool {
        let _ = after;
        self.on_local_mtu(number, mtu)
    }
    /// The transport refused probe `number` (not for its size) with
    /// `errno`; false when that ends the run (the default), true when the
    /// strategy counts the probe lost and goes on.
    fn on_send_failure(&mut self, number: u16, errno: i32) -> bool {
        let _ = (number, errno);
        false
    }
    /// A signal other than [`Signal::Stop`] (which the tracer handles):
    /// a live view's pause, resume or burst check; ignored by default.
    fn on_signal(&mut self, signal: Signal, now: Instant) {
        let _ = (signal, now);
    }
    /// Gives up on probes whose wait ended by `now`.
    fn expire(&mut self, now: Instant);
    /// When to look again; `None` when done.
    fn next_wakeup(&self, now: Instant) -> Option<Instant>;
    /// Whether the strategy has nothing more to send or wait for.
    fn is_done(&self) -> bool;
    /// The next thing to report as it goes, oldest first.
    fn next_progress(&mut self) -> Option<Self::Progress>;
    /// What is known at the end (or at a stop).
    fn summary(&self) -> Self::Summary;
    /// Whether `dst` itself answered a probe ([`Answer::reaches`]): the
    /// one rule of "reached" for every strategy.
    fn reached(&self, dst: IpAddr) -> bool;
}

/// The end of a classic trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceSummary {
    /// What was sent and received.
    pub counters: Counters,
    /// The TTL of the final answer, if any ([`Trace::final_ttl`]).
    pub final_ttl: Option<u8>,
    /// Hops reported.
    pub hops: u32,
}

/// The graph a multipath discovery found.
#[derive(Debug, Clone, PartialEq)]
pub struct MdaGraph {
    /// The hops up to the end of the path, with their interfaces.
    pub hops: Vec<MdaHop>,
    /// The links between consecutive hops.
    pub links: Vec<MdaLink>,
    /// Probes sent.
    pub probes_sent: usize,
    /// Rounds planned.
    pub rounds: u32,
    /// Whether the probe budget ran out.
    pub budget_exhausted: bool,
    /// Why the discovery stopped where it did.
    pub stop: MdaStop,
}

/// The end of a path MTU walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmtuSummary {
    /// The path MTU found.
    pub pmtu: usize,
    /// The TTL before which it falls (`None`: the outgoing link's).
    pub falls_before_ttl: Option<u8>,
    /// Hops walked.
    pub hops: usize,
    /// Probes sent.
    pub probes_sent: u64,
}

impl Strategy for Trace {
    type Progress = Hop;
    type Summary = TraceSummary;

    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
        Trace::next_probe(self, now).map(|s| (s, None))
    }
    fn on_answer(&mut self, number: u16, answer: Answer) {
        Trace::on_answer(self, number, answer);
    }
    fn on_local_mtu(&mut self, _: u16, _: usize) -> bool {
        false
    }
    fn expire(&mut self, now: Instant) {
        Trace::expire(self, now);
    }
    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        Trace::next_wakeup(self, now)
    }
    fn is_done(&self) -> bool {
        Trace::is_done(self)
    }
    fn next_progress(&mut self) -> Option<Hop> {
        self.next_hop()
    }
    fn summary(&self) -> TraceSummary {
        TraceSummary {
            counters: self.counters(),
            final_ttl: self.final_ttl(),
            hops: self.hops_reported(),
        }
    }
    fn reached(&self, dst: IpAddr) -> bool {
        Trace::reached(self, dst)
    }
}

impl Strategy for Mda {
    type Progress = Infallible;
    type Summary = MdaGraph;

    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
        Mda::next_probe(self, now).map(|s| (s, None))
    }
    fn on_answer(&mut self, number: u16, answer: Answer) {
        Mda::on_answer(self, number, answer);
    }
    fn on_local_mtu(&mut self, _: u16, _: usize) -> bool {
        false
    }
    fn expire(&mut self, now: Instant) {
        Mda::expire(self, now);
    }
    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        Mda::next_wakeup(self, now)
    }
    fn is_done(&self) -> bool {
        Mda::is_done(self)
    }
    fn next_progress(&mut self) -> Option<Infallible> {
        None
    }
    fn summary(&self) -> MdaGraph {
        MdaGraph {
            hops: self.hops(),
            links: self.links(),
            probes_sent: self.probes_sent(),
            rounds: self.rounds(),
            budget_exhausted: self.budget_exhausted(),
            stop: self.stop(),
        }
    }
    fn reached(&self, dst: IpAddr) -> bool {
        Mda::reached(self, dst)
    }
}

impl Strategy for Pmtu {
    type Progress = PmtuProgress;
    type Summary = PmtuSummary;

    fn next_probe(&mut self, now: Instant) -> Option<(ProbeSpec, Option<usize>)> {
        Pmtu::next_probe(self, now).map(|(s, size)| (s, Some(size)))
    }
    fn on_answer(&mut self, number: u16, answer: Answer) {
        Pmtu::on_answer(self, number, answer);
    }
    fn on_local_mtu(&mut self, number: u16, mtu: usize) -> bool {
        Pmtu::on_local_mtu(self, number, mtu);
        true
    }
    fn on_local_mtu_after(&mut self, number: u16, mtu: usize, after: Duration) -> bool {
        Pmtu::on_local_mtu_after(self, number, mtu, after);
        true
    }
    fn expire(&mut self, now: Instant) {
        Pmtu::expire(self, now);
    }
    fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        Pmtu::next_wakeup(self, now)
    }
    fn is_done(&self) -> bool {
        Pmtu::is_done(self)
    }
    fn next_progress(&mut self) -> Option<PmtuProgress> {
        Pmtu::next_progress(self)
    }
    fn summary(&self) -> PmtuSummary {
        PmtuSummary {
            pmtu: self.pmtu(),
            falls_before_ttl: self.falls_before_ttl(),
            hops: self.steps().len(),
            probes_sent: self.probes_sent(),
        }
    }
    fn reached(&self, dst: IpAddr) -> bool {
        Pmtu::reached(self, dst)
    }
}

/// Why a trace could not go on (the binary exits with 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFailure {
    /// Probes of one size (`-F`, Don't Fragment) are larger than the
    /// outgoing link's MTU.
    DoesNotFit {
        /// That MTU.
        mtu: usize,
    },
    /// The transport refused a probe for another reason.
    Send {
        /// The probe's TTL, when known.
        ttl: Option<u8>,
        /// The OS error number.
        errno: i32,
    },
}

impl fmt::Display for TraceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::DoesNotFit { mtu } => write!(
                f,
                "the probes do not fit the outgoing link's MTU of {mtu} bytes with Don't \
                 Fragment set (-F): give a packet length of at most {mtu}"
            ),
            Self::Send { ttl: Some(ttl), .. } => write!(f, "cannot send probe with TTL {ttl}"),
            Self::Send { ttl: None, .. } => f.write_str("cannot send probe"),
        }
    }
}

impl std::error::Error for TraceFailure {}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEnd<S> {
    /// The strategy's summary.
    pub summary: S,
    /// Whether the destination itself answered a probe ([`Answer::reaches`]):
    /// not a filter's `!X` from it.
    pub reached: bool,
    /// Packets that could not be read or matched to a probe.
    pub ignored: u64,
    /// Whether the run was stopped (SIGINT, SIGTERM) before its end.
    pub stopped: bool,
}

/// What a [`Tracer`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TracerEvent<P, S> {
    /// The strategy's progress.
    Progress(P),
    /// The run is over; nothing follows.
    Finished(TraceEnd<S>),
    /// The run cannot go on; nothing follows.
    Failed(TraceFailure),
}

/// A probe's send record.
#[derive(Debug, Clone, Copy)]
struct Record {
    sent: Sent,
    at: Instant,
    ttl: u8,
}

/// The machine of `icmpkit trace`: a [`Prober`], the send records and a
/// [`Strategy`].
#[derive(Debug, Clone)]
pub struct Tracer<S> {
    prober: Prober,
    strategy: S,
    records: Vec<Option<Record>>,
    /// The MTU of the last local `EMSGSIZE` and when it was read, until
    /// the send failure it explains.
    local_mtu: Option<(usize, Instant)>,
    ignored: u64,
    failure: Option<TraceFailure>,
    stopped: bool,
    finished: bool,
    /// Routers' errors come from the socket's error queue (a ping socket,
    /// an ordinary UDP socket).
    queued_errors: bool,
    /// The `(source port, length)` of the UDP probes sent, when errors
    /// come from an ordinary UDP socket's queue: what finds a Paris
    /// probe's number again there ([`Prober::identify_udp_payload`]).
    udp_shapes: Vec<(u16, u16)>,
}

/// The most UDP probe shapes a [`Tracer`] keeps (a path MTU walk sends a
/// few dozen sizes; the oldest go first).
const UDP_SHAPES: usize = 64;

impl<S: Strategy> Tracer<S> {
    /// A run of `strategy` with the probes of `prober`.
    pub fn new(prober: Prober, strategy: S) -> Self {
        Self {
            prober,
            strategy,
            records: Vec::new(),
            local_mtu: None,
            ignored: 0,
            failure: None,
            stopped: false,
            finished: false,
            queued_errors: false,
            udp_shapes: Vec::new(),
        }
    }

    /// Reads routers' errors from the socket's error queue
    /// ([`Input::SocketError`]), as the unprivileged sockets get them, with
    /// `IP_RECVERR` on: ICMP probes sent on a ping socket (`SOCK_DGRAM`,
    /// no `CAP_NET_RAW`; the prober's key must then be the socket's
    /// identifier), UDP probes on an ordinary UDP socket (bound to the
    /// prober's source port). Neither gets ICMP errors as datagrams, and
    /// the error queue keeps no quoted IP header and no extensions. (On a
    /// raw socket errors come as datagrams; queued copies are ignored.)
    #[must_use]
    pub fn with_queued_errors(mut self) -> Self {
        self.queued_errors = true;
        self
    }

    /// The prober.
    pub fn prober(&self) -> &Prober {
        &self.prober
    }

    /// The strategy.
    pub fn strategy(&self) -> &S {
        &self.strategy
    }

    /// Packets that could not be read or matched to a probe so far.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// The channel probes go out on.
    pub fn send_channel(&self) -> Channel {
        match self.prober.method() {
            Method::Icmp => Channel::Icmp,
            Method::Udp => Channel::Udp,
            Method::Tcp => Channel::Tcp,
        }
    }

    fn record(&self, number: u16) -> Option<&Record> {
        self.records.get(usize::from(number))?.as_ref()
    }

    fn sent(&self, number: u16) -> Option<Sent> {
        self.record(number).map(|r| r.sent)
    }

    fn answer(&self, number: u16, at: Instant, answer: Answer) -> Option<(u16, Answer)> {
        let record = self.record(number)?;
        let rtt = at.saturating_duration_since(record.at);
        Some((number, Answer { rtt, ..answer }))
    }

    /// A TCP segment from the destination: the SYN-ACK or RST of a probe.
    fn tcp_answer(
        &self,
        segment: &[u8],
        from: IpAddr,
        ttl: Option<u8>,
        at: Instant,
    ) -> Option<(u16, Answer)> {
        if from != self.prober.dst() {
            return None;
        }
        let number = self.prober.identify_tcp_reply(segment, |n| self.sent(n))?;
        let answer = Answer {
            from,
            rtt: std::time::Duration::ZERO,
            outcome: Outcome::Reached,
            reply_ttl: ttl,
            quoted_ttl: None,
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        };
        self.answer(number, at, answer)
    }

    /// An ICMP message: an Echo Reply from the destination or an error
    /// quoting a probe.
    fn icmp_answer(
        &self,
        icmp: &[u8],
        from: IpAddr,
        ttl: Option<u8>,
        at: Instant,
    ) -> Option<(u16, Answer)> {
        let (number, outcome, quoted_ttl, rewrites, extensions) =
            match read_icmp(self.prober.version(), icmp)? {
                IcmpAnswer::EchoReply { ident, seq } => (
                    self.prober.identify_echo_reply(from, ident, seq)?,
                    Outcome::Reached,
                    None,
                    Rewrites::default(),
                    Vec::new(),
                ),
                IcmpAnswer::Error {
                    outcome,
                    quoted,
                    extension,
                } => {
                    let found = self.prober.identify(&quoted, |n| self.sent(n))?;
                    (
                        found.number,
                        outcome,
                        Some(quoted.hop_limit),
                        found.rewrites,
                        extension.map(read_extensions).unwrap_or_default(),
                    )
                }
            };
        let answer = Answer {
            from,
            rtt: std::time::Duration::ZERO,
            outcome,
            reply_ttl: ttl,
            quoted_ttl,
            rewrites,
            extensions,
        };
        self.answer(number, at, answer)
    }

    /// A router's error queued about one of our probes: on a ping socket
    /// about an Echo Request (`original`, as sent), on an ordinary UDP
    /// socket about a datagram (its destination port and payload). No
    /// quote of the IP header, no extensions.
    fn queued_answer(&self, e: &SocketError<'_>) -> Option<(u16, Answer)> {
        if e.source != ErrorSource::Icmp {
            return None;
        }
        let number = match (self.prober.method(), e.channel) {
            (Method::Icmp, Channel::Icmp) => {
                let (ident, seq, _) =
                    echo_fields(self.prober.version(), e.original, EchoKind::Request)?;
                (ident == self.prober.key()).then_some(seq)?
            }
            (Method::Udp, Channel::Udp) => {
                if e.dst != Some(self.prober.dst()) {
                    return None;
                }
                self.prober
                    .identify_udp_payload(e.port?, e.original, &self.udp_shapes, |n| self.sent(n))?
            }
            _ => return None,
        };
        let mtu = (e.info > 0).then_some(e.info);
        let outcome = Outcome::of_error(self.prober.version(), e.icmp_type, e.icmp_code, mtu)?;
        let answer = Answer {
            from: e.offender?,
            rtt: std::time::Duration::ZERO,
            outcome,
            reply_ttl: e.hop_limit,
            quoted_ttl: None,
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        };
        self.answer(number, e.received_at(), answer)
    }

    fn over(&self) -> bool {
        self.finished || self.failure.is_some()
    }
}

impl<S: Strategy> Machine for Tracer<S> {
    type Event = TracerEvent<S::Progress, S::Summary>;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.over() || self.stopped {
            return None;
        }
        let (spec, ip_len) = self.strategy.next_probe(now)?;
        let dst = self.prober.dst();
        let sent = match ip_len {
            Some(len) => {
                let len = len.saturating_sub(ip_header_len(dst));
                self.prober.build_len(spec, len, buf)
            }
            None => self.prober.build(spec, buf),
        };
        let index = usize::from(spec.number);
        if self.records.len() <= index {
            self.records.resize(index + 1, None);
        }
        self.records[index] = Some(Record {
            sent,
            at: now,
            ttl: spec.ttl,
        });
        if self.queued_errors && self.prober.method() == Method::Udp {
            let shape = (sent.src_port, sent.len);
            if !self.udp_shapes.contains(&shape) {
                if self.udp_shapes.len() == UDP_SHAPES {
                    self.udp_shapes.remove(0);
                }
                self.udp_shapes.push(shape);
            }
        }
        Some(Transmit {
            channel: self.send_channel(),
            dst,
            hop_limit: Some(spec.ttl),
            tag: u64::from(spec.number),
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        let local_mtu = self.local_mtu.take();
        if self.over() {
            return;
        }
        let number = u16::try_from(failure.tag).ok();
        // The probe never left: no answer can be matched to it.
        let record = number.and_then(|n| self.records.get_mut(usize::from(n))?.take());
        // The local stack's EMSGSIZE queued just before explains it.
        let local_mtu = local_mtu.filter(|_| failure.errno == EMSGSIZE && failure.explained);
        if let (Some((mtu, read_at)), Some(number)) = (local_mtu, number) {
            let after = record.map_or(Duration::ZERO, |r| read_at.saturating_duration_since(r.at));
            if !self.strategy.on_local_mtu_after(number, mtu, after) {
                self.failure = Some(TraceFailure::DoesNotFit { mtu });
            }
            return;
        }
        if let Some(number) = number.filter(|_| record.is_some())
            && self.strategy.on_send_failure(number, failure.errno)
        {
            return;
        }
        self.failure = Some(TraceFailure::Send {
            ttl: record.map(|r| r.ttl),
            errno: failure.errno,
        });
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        if self.over() {
            return;
        }
        match input {
            Input::Datagram(d) => {
                let matched = match (d.channel, self.prober.method()) {
                    (Channel::Icmp, _) => {
                        self.icmp_answer(d.bytes, d.from, d.hop_limit, d.received_at())
                    }
                    (Channel::Tcp, Method::Tcp) => {
                        self.tcp_answer(d.bytes, d.from, d.hop_limit, d.received_at())
                    }
                    // A raw UDP socket only sends: what it gets is never ours.
                    _ => return,
                };
                match matched {
                    Some((number, answer)) => self.strategy.on_answer(number, answer),
                    None => self.ignored += 1,
                }
            }
            // The local stack's "too big for the outgoing link", with its
            // MTU: it explains the send failure that follows. Routers'
            // errors queued on the sending socket also reach the ICMP
            // channel, where they are read: drop them here.
            Input::SocketError(e) => {
                if e.source == ErrorSource::Local && e.errno == EMSGSIZE && e.info > 0 {
                    self.local_mtu = usize::try_from(e.info)
                        .ok()
                        .map(|mtu| (mtu, e.received_at()));
                } else if self.queued_errors {
                    match self.queued_answer(&e) {
                        Some((number, answer)) => self.strategy.on_answer(number, answer),
                        None => self.ignored += 1,
                    }
                }
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if !self.over() {
            self.strategy.expire(now);
        }
    }

    fn handle_signal(&mut self, now: Instant, signal: Signal) {
        match signal {
            Signal::Stop => self.stopped = true,
            other => self.strategy.on_signal(other, now),
        }
    }

    fn poll_event(&mut self) -> Option<Self::Event> {
        if self.finished {
            return None;
        }
        if let Some(failure) = self.failure {
            self.finished = true;
            return Some(TracerEvent::Failed(failure));
        }
        if let Some(progress) = self.strategy.next_progress() {
            return Some(TracerEvent::Progress(progress));
        }
        if !self.strategy.is_done() && !self.stopped {
            return None;
        }
        self.finished = true;
        Some(TracerEvent::Finished(TraceEnd {
            summary: self.strategy.summary(),
            reached: self.strategy.reached(self.prober.dst()),
            ignored: self.ignored,
            stopped: self.stopped && !self.strategy.is_done(),
        }))
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if self.finished {
            return None;
        }
        if self.failure.is_some() || self.stopped || self.strategy.is_done() {
            return Some(now);
        }
        Some(self.strategy.next_wakeup(now).unwrap_or(now))
    }

    fn verdict(&self) -> Verdict {
        if self.strategy.reached(self.prober.dst()) {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

#[cfg(test)]
mod tests;
