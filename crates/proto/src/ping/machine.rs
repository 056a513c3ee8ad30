//! [`Ping`]: one-target ping as a [`Machine`], the whole of iputils'
//! `main_loop()` around a [`PingSession`]: which probe goes when (and -O's
//! "no answer yet" before it), what a reply or a queued error is, when the
//! run ends, and what it ends with.
//!
//! # What the machine decides
//!
//! - Sending: [`Machine::poll_transmit`] writes each probe the session has
//!   due, as [`PingEvent::Sent`]; a send the transport refuses takes its
//!   `Sent` back, and when no queued error explains the refusal, reports
//!   [`PingEvent::SendFailed`] (iputils' `ping: sendmsg: ...`).
//! - -O ([`PingOptions::report_outstanding`]): before a probe goes, when
//!   the previous one got neither a reply nor an error,
//!   [`PingEvent::NoAnswerYet`] names it.
//! - Replies: an Echo Reply on the ICMP channel, timed by the kernel's
//!   receive time unless -U ([`PingOptions::user_latency`]) asks for the
//!   time the driver read it. One without the nonce its probe carried is
//!   [`PingEvent::Unverified`], counted only in
//!   [`PingSummary::unverified`].
//! - Errors: a local error (the kernel refused a probe: `EMSGSIZE` past a
//!   known path MTU) is [`PingEvent::LocalError`]; an ICMP error quoting
//!   one of our probes is [`PingEvent::Error`]. Both count as iputils'
//!   errors.
//! - The end: when the session says the run is over (`-c`, `-w`, the wait
//!   after the last probe) or on [`Signal::Stop`], [`PingEvent::End`] with
//!   the statistics, and nothing is read any more (a duplicate of the last
//!   reply still queued is not counted, as in iputils).
//! - [`Signal::Status`]: [`PingEvent::Status`] with the running statistics
//!   (iputils' SIGQUIT line).
//! - Timeouts ([`Ping::with_timeouts`], for JSON lines): every probe that
//!   gets neither a reply nor an error within `-W` of its send, or by the
//!   end of the run, is named once by [`PingEvent::Timeout`] (the last
//!   probe too). A reply later than that still comes ([`ReplyEvent::late`]);
//!   an error later than that is counted but not reported, so no probe has
//!   both a timeout and an error.
//!
//! The verdict is iputils' exit status ([`PingSession::exit_code`]).

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::Instant;

use icmpkit_wire::IpVersion;

use super::echo::{EchoKind, echo_fields};
use super::waits::Waits;
use super::{
    ErrorEvent, PingConfig, PingSession, ReplyEvent, ReplyOutcome, SentProbe, UnverifiedReply,
};
use crate::machine::{
    Channel, ErrorSource, Input, Machine, SendFailure, Signal, Transmit, Verdict,
};
use crate::stats::Statistics;

/// What the tool asks of a run besides the session's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingOptions {
    /// -O: report a probe that got no answer before the next one goes.
    pub report_outstanding: bool,
    /// -U: time replies by when the driver read them, not by the kernel's
    /// receive timestamp.
    pub user_latency: bool,
    /// -t: the TTL / hop limit of every probe; `None` keeps the socket's.
    pub hop_limit: Option<u8>,
}

/// How a run ended, for the summary and the exit status.
#[derive(Debug, Clone, PartialEq)]
pub struct PingSummary {
    /// The counters and RTTs.
    pub statistics: Statistics,
    /// iputils' `time N ms`: from the start to the last send, rounded.
    pub time_ms: u64,
    /// iputils' `ipg` in microseconds, when it shows it.
    pub ipg_us: Option<u64>,
    /// Replies without the nonce their probe carried
    /// ([`PingEvent::Unverified`]), in none of the statistics.
    pub unverified: u64,
    /// The exit status (iputils' rule).
    pub verdict: Verdict,
}

/// What happened in a ping run, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub enum PingEvent {
    /// A probe went out (flood mode draws a dot).
    Sent(SentProbe),
    /// -O: the probe with this sequence number got no answer before the
    /// next one was sent.
    NoAnswerYet {
        /// Its sequence number.
        seq: u16,
    },
    /// With [`Ping::with_timeouts`]: the probe with this sequence number
    /// got neither a reply nor an error within `-W` of its send, or by the
    /// end of the run.
    Timeout {
        /// Its sequence number.
        seq: u16,
    },
    /// An Echo Reply to one of our probes (possibly a duplicate).
    Reply(ReplyEvent),
    /// A Node Information response to one of our `-N` queries (counted as
    /// a reply, untimed), and the whole ICMPv6 message, for printing.
    /// Boxed, as the other rare large events: every event is as large as
    /// the largest, and two go by per probe (`Sent`, `Reply`).
    NodeInfo(Box<(ReplyEvent, Vec<u8>)>),
    /// An Echo Reply with our identifier and a probe's sequence number but
    /// not the nonce that probe carried: no answer, not counted.
    Unverified(UnverifiedReply),
    /// An ICMP error quoting one of our probes.
    Error(ErrorEvent),
    /// The local stack refused a probe (iputils' `local error: ...`). With
    /// `EMSGSIZE`, `info` is the MTU it knows.
    LocalError {
        /// The errno the kernel gave.
        errno: i32,
        /// The kernel's info word: the MTU for `EMSGSIZE`.
        info: u32,
    },
    /// A send failed and nothing the kernel queued explains it (iputils'
    /// `ping: sendmsg: <strerror>`).
    SendFailed {
        /// The probe that was not sent.
        seq: u16,
        /// The OS error number.
        errno: i32,
    },
    /// Running statistics, asked for with [`Signal::Status`].
    Status(Box<Statistics>),
    /// The run is over; always the last event.
    End(Box<PingSummary>),
}

/// One-target ping; see the module documentation.
#[derive(Debug, Clone)]
pub struct Ping {
    session: PingSession,
    target: IpAddr,
    options: PingOptions,
    events: VecDeque<PingEvent>,
    /// The last probe sent (number, seq), for -O.
    last_sent: Option<(u64, u16)>,
    /// Whether the last probe got a reply or an error.
    answered_last: bool,
    ended: bool,
    ignored: u64,
    unverified: u64,
    /// The probes waiting for an answer, with [`Ping::with_timeouts`].
    waits: Option<Waits>,
}

impl Ping {
    /// A run of `config` (validated) to `target`, starting at `start` (the
    /// first probe is due then), with `options`.
    pub fn new(config: PingConfig, target: IpAddr, options: PingOptions, start: Instant) -> Self {
        Self {
            session: PingSession::new(config, start),
            target,
            options,
            events: VecDeque::new(),
            last_sent: None,
            answered_last: true,
            ended: false,
            ignored: 0,
            unverified: 0,
            waits: None,
        }
    }

    /// Reports [`PingEvent::Timeout`] for every probe that gets no answer
    /// (see the module documentation).
    #[must_use]
    pub fn with_timeouts(mut self) -> Self {
        self.waits = Some(Waits::new(self.config().linger));
        self
    }

    /// Reports the probes whose wait is over at `now` as timed out.
    fn expire_waits(&mut self, now: Instant) {
        if let Some(waits) = &mut self.waits {
            let mut seqs = Vec::new();
            waits.expire(now, &mut seqs);
            self.events
                .extend(seqs.into_iter().map(|seq| PingEvent::Timeout { seq }));
        }
    }

    /// An error about probe `number` arrived: reported unless the probe
    /// already timed out (it is counted either way).
    fn push_error(&mut self, event: ErrorEvent) {
        if let Some(waits) = &mut self.waits {
            if waits.has_timed_out(event.number) {
                return;
            }
            waits.answered(event.number);
        }
        self.events.push_back(PingEvent::Error(event));
    }

    /// The session underneath (options, statistics, interval).
    pub fn session(&self) -> &PingSession {
        &self.session
    }

    /// The options.
    pub fn config(&self) -> &PingConfig {
        self.session.config()
    }

    /// Where the probes go.
    pub fn target(&self) -> IpAddr {
        self.target
    }

    /// Inputs that were not ours or could not be read, ignored.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(waits) = &mut self.waits {
            let mut seqs = Vec::new();
            waits.end(&mut seqs);
            self.events
                .extend(seqs.into_iter().map(|seq| PingEvent::Timeout { seq }));
        }
        self.events.push_back(PingEvent::End(Box::new(PingSummary {
            statistics: self.session.statistics().clone(),
            time_ms: u64::try_from(self.session.summary_time_ms()).unwrap_or(u64::MAX),
            ipg_us: self.session.ipg_us(),
            unverified: self.unverified,
            verdict: self.verdict(),
        })));
    }

    /// Whether input arriving at `at` is still read.
    fn reading(&self, at: Instant) -> bool {
        !self.ended && !self.session.is_finished(at)
    }

    fn note_answer(&mut self, number: u64) {
        if self.last_sent.is_some_and(|(n, _)| n == number) {
            self.answered_last = true;
        }
    }

    /// A Node Information response to one of our queries (`-N`): whether
    /// `d` was one (of any run).
    fn on_node_info(&mut self, at: Instant, d: &crate::machine::Datagram<'_>) -> bool {
        use icmpkit_wire::icmpv6::{Packet, Repr};
        if self.config().node_info.is_none() || d.channel != Channel::Icmp {
            return false;
        }
        let Some(Repr::NodeInformationResponse { nonce, .. }) = Packet::new_checked(d.bytes)
            .ok()
            .and_then(|p| Repr::parse(&p).ok())
        else {
            return false;
        };
        match self
            .session
            .on_node_info_response(at, d.from, nonce, d.hop_limit)
        {
            ReplyOutcome::Reply(mut event) => {
                self.note_answer(event.number);
                event.bytes = d.bytes.len();
                self.events
                    .push_back(PingEvent::NodeInfo(Box::new((event, d.bytes.to_vec()))));
            }
            _ => self.ignored += 1,
        }
        true
    }

    fn on_datagram(&mut self, at: Instant, d: &crate::machine::Datagram<'_>) {
        if self.on_node_info(at, d) {
            return;
        }
        let version = self.config().version;
        let fields = (d.channel == Channel::Icmp)
            .then(|| echo_fields(version, d.bytes, EchoKind::Reply))
            .flatten();
        let Some((ident, seq, data)) = fields else {
            if !self.on_advice(at, d) {
                self.ignored += 1;
            }
            return;
        };
        let kernel = if self.options.user_latency {
            None
        } else {
            d.kernel_at
        };
        match self
            .session
            .on_echo_reply(at, d.from, ident, seq, data, d.hop_limit, kernel)
        {
            ReplyOutcome::Reply(mut event) => {
                self.note_answer(event.number);
                event.ip_options = icmpkit_wire::ipv4::option::OptionArea::new(d.ip_options);
                if let Some(waits) = &mut self.waits {
                    waits.answered(event.number);
                }
                self.events.push_back(PingEvent::Reply(event));
            }
            ReplyOutcome::Unverified(event) => {
                self.unverified += 1;
                self.events.push_back(PingEvent::Unverified(event));
            }
            ReplyOutcome::NotOurs | ReplyOutcome::Unknown => self.ignored += 1,
        }
    }

    /// A Redirect or Source Quench read as a datagram (a raw socket gets
    /// advice only so: Linux queues none of it on the error queue):
    /// reported when it quotes one of our probes to the target, never
    /// counted, as iputils' `ping4_parse_reply` does. Whether it was.
    fn on_advice(&mut self, at: Instant, d: &crate::machine::Datagram<'_>) -> bool {
        let Some((icmp_type, code, info, original)) = advice_of(d) else {
            return false;
        };
        let Ok(quote) = icmpkit_wire::quote::parse(original, IpVersion::V4) else {
            return false;
        };
        if quote.ip.dst() != self.target {
            return false;
        }
        let Some((ident, seq, data)) = echo_fields(IpVersion::V4, quote.payload, EchoKind::Request)
        else {
            return false;
        };
        let event = self
            .session
            .on_error(at, d.from, icmp_type, code, info, ident, seq, data, false);
        event.is_some_and(|event| {
            self.push_error(event);
            true
        })
    }

    fn on_socket_error(&mut self, at: Instant, e: &crate::machine::SocketError<'_>) {
        if e.channel != Channel::Icmp {
            self.ignored += 1;
            return;
        }
        match e.source {
            ErrorSource::Local => {
                self.session.on_local_error();
                self.events.push_back(PingEvent::LocalError {
                    errno: e.errno,
                    info: e.info,
                });
            }
            ErrorSource::Icmp => {
                let version = self.config().version;
                let Some((ident, seq, data)) = echo_fields(version, e.original, EchoKind::Request)
                else {
                    self.ignored += 1;
                    return;
                };
                let from = e.offender.unwrap_or(self.target);
                let event = self.session.on_error(
                    at,
                    from,
                    e.icmp_type,
                    e.icmp_code,
                    e.info,
                    ident,
                    seq,
                    data,
                    true,
                );
                match event {
                    Some(event) => {
                        self.note_answer(event.number);
                        self.push_error(event);
                    }
                    None => self.ignored += 1,
                }
            }
        }
    }
}

impl Machine for Ping {
    type Event = PingEvent;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.ended || !self.session.poll_transmit(now) {
            return None;
        }
        buf.clear();
        buf.resize(self.config().echo_len(), 0);
        let probe = self.session.build_due_echo(now, buf);
        if self.options.report_outstanding
            && !self.answered_last
            && let Some((_, seq)) = self.last_sent
        {
            self.events.push_back(PingEvent::NoAnswerYet { seq });
        }
        self.last_sent = Some((probe.number, probe.seq));
        self.answered_last = false;
        self.events.push_back(PingEvent::Sent(probe));
        if let Some(seq) = self
            .waits
            .as_mut()
            .and_then(|w| w.sent(probe.number, probe.seq, now))
        {
            self.events.push_back(PingEvent::Timeout { seq });
        }
        Some(Transmit {
            channel: Channel::Icmp,
            dst: self.target,
            hop_limit: self.options.hop_limit,
            tag: probe.number,
        })
    }

    fn may_transmit_before(&self, at: Instant) -> bool {
        // The next probe of the session (iputils' pinger); none after the
        // end.
        !self.ended && self.session.next_transmit_at().is_some_and(|t| t < at)
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        let sent = self
            .events
            .iter()
            .position(|e| matches!(e, PingEvent::Sent(p) if p.number == failure.tag));
        let Some(PingEvent::Sent(probe)) = sent.and_then(|i| self.events.remove(i)) else {
            return;
        };
        // Never sent: it waits for no answer.
        if let Some(waits) = &mut self.waits {
            waits.answered(probe.number);
        }
        if !failure.explained {
            self.events.push_back(PingEvent::SendFailed {
                seq: probe.seq,
                errno: failure.errno,
            });
        }
    }

    fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        match input {
            Input::Datagram(d) => {
                let at = d.read_at.max(now);
                if self.reading(at) {
                    self.on_datagram(d.read_at, &d);
                }
            }
            Input::SocketError(e) => {
                let at = e.read_at.max(now);
                if self.reading(at) {
                    self.on_socket_error(e.read_at, &e);
                }
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if !self.ended {
            self.expire_waits(now);
        }
        if self.session.is_finished(now) {
            self.end();
        }
    }

    fn handle_signal(&mut self, _now: Instant, signal: Signal) {
        match signal {
            Signal::Stop => self.end(),
            Signal::Status if !self.ended => self.events.push_back(PingEvent::Status(Box::new(
                self.session.statistics().clone(),
            ))),
            Signal::Status | Signal::Pause | Signal::Resume | Signal::Burst => {}
        }
    }

    fn poll_event(&mut self) -> Option<PingEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if self.ended {
            return None;
        }
        // Finished but not yet ended: call back at once to end.
        let session = self.session.next_wakeup(now).unwrap_or(now);
        let wait = self.waits.as_ref().and_then(Waits::next_deadline);
        Some(wait.map_or(session, |w| w.min(session)))
    }

    fn verdict(&self) -> Verdict {
        if self.session.exit_code() == 0 {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

/// The type, code, `info` word (the gateway of a Redirect) and quoted
/// datagram of an ICMPv4 Redirect or Source Quench on the ICMP channel.
fn advice_of<'a>(d: &crate::machine::Datagram<'a>) -> Option<(u8, u8, u32, &'a [u8])> {
    use icmpkit_wire::icmpv4::Repr;
    if d.channel != Channel::Icmp || !d.from.is_ipv4() {
        return None;
    }
    let icmp_type = *d.bytes.first()?;
    let code = *d.bytes.get(1)?;
    match Repr::parse_bytes(d.bytes).ok()? {
        Repr::Redirect {
            gateway, original, ..
        } => Some((icmp_type, code, u32::from(gateway), original)),
        Repr::SourceQuench { original } => Some((icmp_type, code, 0, original)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
