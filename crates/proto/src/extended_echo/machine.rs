//! [`ExtendedEcho`]: the RFC 8335 PROBE exchange as a [`Machine`].
//!
//! # Rules
//!
//! - Request `k` (from 0) is due at `start + k * interval`, `count` in
//!   all; its 8-bit sequence number is `(k + 1) mod 256` (1, 2, ... 255,
//!   0, 1, ...).
//! - A request is answered by the first Extended Echo Reply with our
//!   identifier and its sequence number (the latest pending request with
//!   that sequence), or ended by an ICMP error quoting it; otherwise it
//!   times out `timeout` after its send.
//! - A send the transport refused is not counted; unless the kernel
//!   explained it with a queued error (already reported), the run ends at
//!   once with [`ExtendedEchoEvent::SendFailed`] and no summary.
//! - The run ends when every request was sent and ended, at the deadline
//!   (pending requests are then not reported), or on [`Signal::Stop`],
//!   with one [`ExtendedEchoEvent::Summary`].
//! - The verdict is [`Verdict::Answered`] when an answer said the
//!   interface exists.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::IpVersion;

use super::{ExtendedEchoAnswer, InterfaceQuery, build_request, parse_answer, quoted_request};
use crate::machine::{
    Channel, ErrorSource, Input, Machine, SendFailure, Signal, Transmit, Verdict, version_of,
};

/// The options of a PROBE run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedEchoConfig {
    /// The node asked.
    pub target: IpAddr,
    /// The interface asked about.
    pub query: InterfaceQuery,
    /// The Extended Echo identifier.
    pub ident: u16,
    /// Requests to send (`-c`).
    pub count: u64,
    /// Between requests (`-i`).
    pub interval: Duration,
    /// How long a request waits for its answer (`-W`).
    pub timeout: Duration,
    /// The whole run stops this long after the start (`-w`).
    pub deadline: Option<Duration>,
}

/// The end of a PROBE run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedEchoSummary {
    /// Requests sent.
    pub transmitted: u64,
    /// Requests answered by an Extended Echo Reply.
    pub answered: u64,
    /// Whether an answer said the interface exists.
    pub exists: bool,
}

/// What happened in a PROBE run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedEchoEvent {
    /// An Extended Echo Reply to a request.
    Reply {
        /// The request's sequence number.
        seq: u8,
        /// The reply's source.
        from: IpAddr,
        /// What it says.
        answer: ExtendedEchoAnswer,
        /// From the send to the receive time.
        rtt: Duration,
    },
    /// An ICMP error about a request (the request is over).
    Error {
        /// The request's sequence number.
        seq: u8,
        /// The node that sent it (the target when unknown).
        from: IpAddr,
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        icmp_code: u8,
        /// The type-specific word (MTU, pointer).
        info: u32,
    },
    /// A local error the kernel queued.
    LocalError {
        /// The errno.
        errno: i32,
    },
    /// A request went unanswered for the timeout.
    Timeout {
        /// Its sequence number.
        seq: u8,
    },
    /// The transport refused a request and no queued error explained it:
    /// the run is over (no summary follows).
    SendFailed {
        /// The OS error number.
        errno: i32,
    },
    /// The end.
    Summary(ExtendedEchoSummary),
}

/// One request sent.
#[derive(Debug, Clone, Copy)]
struct Sent {
    number: u64,
    seq: u8,
    at: Instant,
    done: bool,
}

/// The PROBE exchange; see the module documentation.
#[derive(Debug, Clone)]
pub struct ExtendedEcho {
    config: ExtendedEchoConfig,
    version: IpVersion,
    extension: Vec<u8>,
    deadline: Option<Instant>,
    next_send: Instant,
    /// Requests handed out so far.
    number: u64,
    sent: Vec<Sent>,
    answered: u64,
    exists: bool,
    events: VecDeque<ExtendedEchoEvent>,
    finished: bool,
    ignored: u64,
}

impl ExtendedEcho {
    /// A run of `config` starting at `start`.
    pub fn new(config: ExtendedEchoConfig, start: Instant) -> Self {
        Self {
            version: version_of(config.target),
            extension: config.query.extension(),
            deadline: config.deadline.map(|d| start + d),
            next_send: start,
            number: 0,
            sent: Vec::new(),
            answered: 0,
            exists: false,
            events: VecDeque::new(),
            finished: false,
            ignored: 0,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ExtendedEchoConfig {
        &self.config
    }

    /// Inputs that were not ours or could not be read.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// The latest pending request with sequence `seq`.
    fn pending(&mut self, seq: u8) -> Option<&mut Sent> {
        self.sent.iter_mut().rev().find(|s| s.seq == seq && !s.done)
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.events
            .push_back(ExtendedEchoEvent::Summary(ExtendedEchoSummary {
                transmitted: self.sent.len() as u64,
                answered: self.answered,
                exists: self.exists,
            }));
    }

    /// Ends the run once every request was sent and ended.
    fn finish_if_done(&mut self) {
        if self.number >= self.config.count && self.sent.iter().all(|s| s.done) {
            self.finish();
        }
    }

    fn on_input(&mut self, input: &Input<'_>) -> Option<()> {
        match input {
            Input::Datagram(d) => {
                if d.channel != Channel::Icmp || version_of(d.from) != self.version {
                    return None;
                }
                let answer = parse_answer(self.version, d.bytes)?;
                if answer.ident != self.config.ident {
                    return None;
                }
                let sent = self.pending(answer.seq)?;
                sent.done = true;
                let rtt = d.received_at().saturating_duration_since(sent.at);
                self.answered += 1;
                self.exists |= answer.exists();
                self.events.push_back(ExtendedEchoEvent::Reply {
                    seq: answer.seq,
                    from: d.from,
                    answer,
                    rtt,
                });
            }
            Input::SocketError(e) => {
                if e.source == ErrorSource::Local {
                    self.events
                        .push_back(ExtendedEchoEvent::LocalError { errno: e.errno });
                    return Some(());
                }
                let (ident, seq) = quoted_request(self.version, e.original)?;
                if ident != self.config.ident {
                    return None;
                }
                self.pending(seq)?.done = true;
                self.events.push_back(ExtendedEchoEvent::Error {
                    seq,
                    from: e.offender.unwrap_or(self.config.target),
                    icmp_type: e.icmp_type,
                    icmp_code: e.icmp_code,
                    info: e.info,
                });
            }
        }
        Some(())
    }
}

impl Machine for ExtendedEcho {
    type Event = ExtendedEchoEvent;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.finished || self.number >= self.config.count || now < self.next_send {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, reason = "the sequence wraps at 256")]
        let seq = (self.number.wrapping_add(1) % 256) as u8;
        build_request(self.version, self.config.ident, seq, &self.extension, buf);
        self.sent.push(Sent {
            number: self.number,
            seq,
            at: now,
            done: false,
        });
        let tag = self.number;
        self.number += 1;
        self.next_send += self.config.interval;
        Some(Transmit {
            channel: Channel::Icmp,
            dst: self.config.target,
            hop_limit: None,
            tag,
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        if self.finished {
            return;
        }
        self.sent.retain(|s| s.number != failure.tag);
        if failure.explained {
            self.finish_if_done();
        } else {
            self.finished = true;
            self.events.push_back(ExtendedEchoEvent::SendFailed {
                errno: failure.errno,
            });
        }
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        if self.finished {
            return;
        }
        if self.on_input(&input).is_none() {
            self.ignored += 1;
        }
        self.finish_if_done();
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.finished {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            self.finish();
            return;
        }
        let timeout = self.config.timeout;
        for sent in &mut self.sent {
            if !sent.done && sent.at + timeout <= now {
                sent.done = true;
                self.events
                    .push_back(ExtendedEchoEvent::Timeout { seq: sent.seq });
            }
        }
        self.finish_if_done();
    }

    fn handle_signal(&mut self, _now: Instant, signal: Signal) {
        if signal == Signal::Stop {
            self.finish();
        }
    }

    fn poll_event(&mut self) -> Option<ExtendedEchoEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        if self.finished {
            return None;
        }
        let send = (self.number < self.config.count).then_some(self.next_send);
        let pending = self
            .sent
            .iter()
            .filter(|s| !s.done)
            .map(|s| s.at + self.config.timeout)
            .min();
        [send, pending, self.deadline]
            .into_iter()
            .flatten()
            .min()
            .or(Some(now))
    }

    fn verdict(&self) -> Verdict {
        if self.exists {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}
