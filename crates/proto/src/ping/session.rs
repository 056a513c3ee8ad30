//! [`PingSession`]: when to send, which probe a reply or error belongs to,
//! and when to stop, as iputils `ping` decides (`pinger()`,
//! `schedule_exit()`, `main_loop()`, `gather_statistics()` and `finish()`
//! in iputils' `ping_common.c`).
//!
//! # Sending (iputils' token bucket)
//!
//! Probe 1 goes at `start` with `interval * (preload - 1)` tokens in hand,
//! so `preload` probes leave back to back. Afterwards a probe may go when
//! `elapsed since the last send + tokens >= interval`, the tokens being
//! capped at `interval * preload`; sending spends one `interval`. With a
//! zero interval (flood without `-i`), a probe waits only while `preload`
//! probes are in flight, and then at most [`FLOOD_UNANSWERED_INTERVAL`]
//! after the last send. With `-A` the interval becomes the RTT's EWMA
//! rounded to whole milliseconds (`(ewma_us + 500) / 1000`), never below
//! [`PingConfig::adaptive_floor`], recomputed on every timed reply.
//! Sequence numbers are the low 16 bits of the probe number, which starts
//! at 1 (iputils' first `icmp_seq` is 1; after 65535 comes 0).
//!
//! # Termination (`is_finished`), in iputils' terms
//!
//! 1. `-w`: at `start + deadline`, whatever happens (iputils' SIGALRM).
//! 2. `-c N`: as soon as `received + errors >= N`.
//! 3. `-w` and any counted ICMP error: at once.
//! 4. `-c N` without `-w`: no probe after the Nth; the run ends at the Nth
//!    send plus a wait fixed at that moment: `max(2 * max RTT, interval)`
//!    if any reply has come, else `-W` linger (iputils' `schedule_exit`).
//! 5. `-c N` with `-w`: probes keep going past N (iputils' `pinger` stops
//!    at N only without a deadline) until rule 1, 2 or 3.
//! 6. Neither: never (the CLI stops on SIGINT).
//!
//! Duplicates do not count towards `-c`. The exit status is iputils':
//! 1 when nothing was received, or with `-w` when fewer than `-c` replies
//! came; else 0 ([`PingSession::exit_code`]).
//!
//! # Matching
//!
//! A reply with another identifier, or whose data carries another nonce,
//! is [`ReplyOutcome::NotOurs`] (another ping on the host). A reply
//! carrying our nonce names its probe by its 64-bit number. A reply too
//! short to carry the nonce its probe carried is no answer: anyone who
//! guesses an identifier and a sequence number can send it (an off-path
//! sender needs only 65536 tries per sequence number), so it is
//! [`ReplyOutcome::Unverified`], reported and never counted, and the real
//! reply, if it comes, still counts. Only probes that carried no nonce (a
//! payload under 16 bytes) are matched by sequence number alone: to the
//! most recent remembered probe with that sequence. Probes are remembered
//! for `max(2 * linger, deadline)` after their send, and never more than
//! the last [`PROBES_REMEMBERED`] (two cycles of the sequence number, 16
//! bytes each): memory is bounded whatever the rate and the deadline
//! (`-f -w 3600` included), and a reply later than the linger still maps
//! (flagged `late`) while remembered.
//!
//! # ICMPv6 checksum
//!
//! [`PingSession::build_echo`] emits ICMPv6 with a checksum computed over
//! unspecified (`::`) addresses: Linux always recomputes the ICMPv6
//! checksum of raw and datagram ICMPv6 sockets (it subtracts whatever the
//! field holds), so the value on the wire is right.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::echo;
use icmpkit_wire::ipv4::option::OptionArea;

use super::{ErrorKind, FLOOD_UNANSWERED_INTERVAL, PingConfig};
use crate::payload::{self, ID_LEN, WrongByte};
use crate::stats::Statistics;

/// A probe [`PingSession::build_echo`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentProbe {
    /// The Echo sequence number (low 16 bits of `number`).
    pub seq: u16,
    /// The probe number, from 1.
    pub number: u64,
    /// Bytes written: the ICMP message length.
    pub len: usize,
}

/// A reply matched to one of our probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools, reason = "iputils' per-reply markers")]
pub struct ReplyEvent {
    /// The sequence number.
    pub seq: u16,
    /// The probe number.
    pub number: u64,
    /// Who answered.
    pub from: IpAddr,
    /// From our send to the kernel's receive timestamp (or `now`).
    pub rtt: Duration,
    /// Whether iputils would show the time: the payload carries the 16
    /// identification bytes (`-s` >= 16 and the reply not truncated). Only
    /// such replies enter the RTT statistics.
    pub rtt_known: bool,
    /// TTL or hop limit of the reply, when the socket reported it.
    pub ttl: Option<u8>,
    /// ICMP message length (8 + data), the `N bytes from` of iputils.
    pub bytes: usize,
    /// Not the first reply to this probe (iputils' `(DUP!)`).
    pub duplicate: bool,
    /// Came after the `-W` linger since the probe's send.
    pub late: bool,
    /// Shorter than the payload sent (iputils' `(truncated)`).
    pub truncated: bool,
    /// The first fill byte that differs from what was sent.
    pub wrong_byte: Option<WrongByte>,
    /// The IPv4 options the reply came with (record route, timestamps;
    /// set by [`super::Ping`] from the datagram), empty otherwise.
    pub ip_options: OptionArea,
}

/// An Echo Reply with our identifier and the sequence number of a
/// remembered probe, but too short to carry the nonce that probe carried:
/// not an answer (anyone can forge it), reported and never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnverifiedReply {
    /// The sequence number.
    pub seq: u16,
    /// The probe it claims to answer: the most recent with that sequence.
    pub number: u64,
    /// Who sent it (or claims to).
    pub from: IpAddr,
    /// TTL or hop limit of the reply, when the socket reported it.
    pub ttl: Option<u8>,
    /// ICMP message length (8 + data).
    pub bytes: usize,
}

/// What [`PingSession::on_echo_reply`] made of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// One of ours.
    Reply(ReplyEvent),
    /// Our identifier and sequence number without the nonce the probe
    /// carried: no answer; nothing was counted.
    Unverified(UnverifiedReply),
    /// Another identifier or another nonce: another ping process.
    NotOurs,
    /// Ours by identifier and nonce, but no remembered probe has that
    /// number or sequence (forgotten, never sent, or inconsistent).
    Unknown,
}

/// An ICMP error (or Redirect / Source Quench) quoting one of our probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorEvent {
    /// The quoted sequence number.
    pub seq: u16,
    /// The probe number.
    pub number: u64,
    /// Who sent the error.
    pub from: IpAddr,
    /// What it says.
    pub kind: ErrorKind,
    /// The ICMP type, as it came.
    pub icmp_type: u8,
    /// The ICMP code, as it came.
    pub icmp_code: u8,
    /// The type-specific word, as in [`ErrorKind::classify`].
    pub info: u32,
    /// Whether it counts among the run's errors and answers its probe:
    /// every error read from the error queue; advice read as a datagram
    /// ([`ErrorKind::is_advice`], raw sockets) is only reported, as
    /// iputils reports it (`From X: icmp_seq=N Redirect ...`).
    pub counted: bool,
}

mod window;

use window::ProbeWindow;

/// The most probes a session remembers (the newest sends): a bound on its
/// memory that no rate, count or deadline lifts.
pub const PROBES_REMEMBERED: usize = ProbeWindow::CAPACITY;

/// How a reply or a quote names a probe.
enum Lookup {
    /// By nonce and number (`true`) or by sequence alone (`false`).
    Ours(u64, bool),
    NotOurs,
    Unknown,
}

/// The state of one ping run; see the module documentation for the rules.
#[derive(Debug, Clone)]
pub struct PingSession {
    config: PingConfig,
    start: Instant,
    probes: ProbeWindow,
    stats: Statistics,
    interval: Duration,
    last_send: Option<Instant>,
    tokens: Duration,
    acked: u64,
    exit_at: Option<Instant>,
    /// The payload of the last probe: its fill is every probe's.
    scratch: Vec<u8>,
    /// `-w` as an instant (asked for several times per probe).
    deadline: Option<Instant>,
    /// How long sent probes are remembered: `max(2 * linger, deadline)`.
    memory: Duration,
    /// When the oldest remembered probe outlives `memory` (nothing to
    /// forget before): [`PingSession::prune`], twice per probe, is then a
    /// comparison. `None` when nothing is remembered, or never will be.
    forget_after: Option<Instant>,
}

impl PingSession {
    /// A run of `config` starting at `start` (iputils' `start_time`; the
    /// first probe is due then). Validate the config first.
    pub fn new(config: PingConfig, start: Instant) -> Self {
        Self {
            interval: config.interval,
            start,
            probes: ProbeWindow::new(start),
            stats: Statistics::default(),
            last_send: None,
            tokens: Duration::ZERO,
            acked: 0,
            exit_at: None,
            scratch: Vec::new(),
            deadline: config.effective_deadline().map(|d| start + d),
            memory: (config.linger * 2).max(config.deadline.unwrap_or_default()),
            forget_after: None,
            config,
        }
    }

    /// The options.
    pub fn config(&self) -> &PingConfig {
        &self.config
    }

    /// The statistics so far.
    pub fn statistics(&self) -> &Statistics {
        &self.stats
    }

    /// The interval in force (changes with `-A`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How many probes are remembered for matching (never above
    /// [`PROBES_REMEMBERED`]).
    pub fn remembered_probes(&self) -> usize {
        self.probes.len()
    }

    /// Probes sent after the newest answered or errored one (iputils'
    /// `in_flight()`).
    pub fn in_flight(&self) -> u64 {
        self.stats.transmitted - self.acked
    }

    fn deadline_at(&self) -> Option<Instant> {
        self.deadline
    }

    /// `-c` reached, or `-w` with an error: the exits that need no clock.
    fn stopped_by_counts(&self) -> bool {
        self.config
            .count
            .is_some_and(|c| self.stats.received + self.stats.errors >= c)
            || (self.deadline_at().is_some() && self.stats.errors > 0)
    }

    /// No more probes: `-c` sent and no `-w`.
    fn sending_done(&self) -> bool {
        self.deadline_at().is_none()
            && self
                .config
                .count
                .is_some_and(|c| self.stats.transmitted >= c)
    }

    /// When the next probe is due; it may be in the past (send now).
    /// `None` when no probe will be sent any more.
    pub fn next_transmit_at(&self) -> Option<Instant> {
        if self.sending_done() || self.stopped_by_counts() {
            return None;
        }
        let at = match self.last_send {
            None => self.start,
            Some(last) if self.interval.is_zero() => {
                if self.in_flight() >= u64::from(self.config.preload) {
                    last + FLOOD_UNANSWERED_INTERVAL
                } else {
                    last
                }
            }
            Some(last) => last + self.interval.saturating_sub(self.tokens),
        };
        match self.deadline_at() {
            Some(deadline) if at >= deadline => None,
            _ => Some(at),
        }
    }

    /// Whether a probe is due at `now`.
    pub fn poll_transmit(&self, now: Instant) -> bool {
        !self.is_finished(now) && self.next_transmit_at().is_some_and(|at| at <= now)
    }

    /// If a probe is due at `now`, records it as sent at `now` and writes
    /// the whole ICMP Echo Request (ICMPv4 or ICMPv6 by the config) into
    /// the start of `buf`; `None` when none is due.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than [`PingConfig::echo_len`].
    pub fn build_echo(&mut self, now: Instant, buf: &mut [u8]) -> Option<SentProbe> {
        if !self.poll_transmit(now) {
            return None;
        }
        Some(self.build_due_echo(now, buf))
    }

    /// [`PingSession::build_echo`] once [`PingSession::poll_transmit`]
    /// said a probe is due at `now`.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than [`PingConfig::echo_len`].
    pub fn build_due_echo(&mut self, now: Instant, buf: &mut [u8]) -> SentProbe {
        let len = self.config.echo_len();
        assert!(
            buf.len() >= len,
            "build_echo: buffer of {} bytes, need {len}",
            buf.len()
        );
        self.account_send(now);
        let number = self.stats.transmitted;
        #[allow(clippy::cast_possible_truncation, reason = "seq is the low 16 bits")]
        let seq = number as u16;
        if let Some(query) = &self.config.node_info {
            query.write(self.config.nonce, seq, &mut buf[..len]);
            return SentProbe { seq, number, len };
        }
        if self.scratch.len() == self.config.payload_len {
            // The fill of the last probe is there still.
            payload::write_identification(&mut self.scratch, self.config.nonce, number);
        } else {
            self.scratch.resize(self.config.payload_len, 0);
            payload::write(
                &mut self.scratch,
                self.config.nonce,
                number,
                &self.config.pattern,
            );
        }
        let (ident, data, out) = (self.config.ident, &self.scratch[..], &mut buf[..len]);
        echo::write_request(self.config.version, ident, seq, data, out);
        SentProbe { seq, number, len }
    }

    /// iputils' token bucket and `schedule_exit`, for a send at `now`.
    fn account_send(&mut self, now: Instant) {
        self.tokens = match self.last_send {
            None => self.interval * self.config.preload.saturating_sub(1),
            // No interval, no tokens (what the arithmetic below gives).
            Some(_) if self.interval.is_zero() => Duration::ZERO,
            Some(last) => {
                let cap = self.interval * self.config.preload;
                (now.saturating_duration_since(last) + self.tokens)
                    .min(cap)
                    .saturating_sub(self.interval)
            }
        };
        self.last_send = Some(now);
        self.stats.transmitted += 1;
        self.probes.insert(self.stats.transmitted, now);
        if self.forget_after.is_none() {
            // The first remembered probe (other inserts only forget older
            // ones, and the mark may come early, never late).
            self.forget_after = self.first_forgotten_after();
        }
        if self.sending_done() && self.exit_at.is_none() {
            let wait = if self.stats.received > 0 {
                (self.stats.max_rtt() * 2).max(self.interval)
            } else {
                self.config.linger
            };
            self.exit_at = Some(now + wait);
        }
        self.prune(now);
    }

    /// Forgets probes sent more than `max(2 * linger, deadline)` ago: a
    /// comparison, inlined, unless one is that old.
    #[inline]
    fn prune(&mut self, now: Instant) {
        if self.forget_after.is_some_and(|t| now > t) {
            self.forget_sent_before(now);
        }
    }

    /// [`PingSession::prune`] when the oldest probe is to go (out of
    /// line: a flood shorter than the memory never comes here).
    #[inline(never)]
    fn forget_sent_before(&mut self, now: Instant) {
        if let Some(cutoff) = now.checked_sub(self.memory) {
            self.probes.forget_sent_before(cutoff);
        }
        self.forget_after = self.first_forgotten_after();
    }

    /// When the oldest remembered probe is to be forgotten: after its
    /// send plus `memory` (a probe sent before `now - memory` goes).
    fn first_forgotten_after(&self) -> Option<Instant> {
        self.probes.oldest_sent_at()?.checked_add(self.memory)
    }

    fn locate(&self, seq: u16, data: &[u8]) -> Lookup {
        if self.config.payload_len >= ID_LEN
            && let Some((nonce, number)) = payload::identify(data)
        {
            if nonce != self.config.nonce {
                return Lookup::NotOurs;
            }
            #[allow(clippy::cast_possible_truncation, reason = "seq is the low 16 bits")]
            let consistent = number as u16 == seq;
            return if consistent && self.probes.contains(number) {
                Lookup::Ours(number, true)
            } else {
                Lookup::Unknown
            };
        }
        // The most recent probe whose number ends in `seq`, then one wrap
        // older, as long as such probes are remembered.
        let last = self.stats.transmitted;
        #[allow(clippy::cast_possible_truncation, reason = "seq is the low 16 bits")]
        let back = u64::from((last as u16).wrapping_sub(seq));
        let oldest = self.probes.oldest().unwrap_or(u64::MAX);
        let mut candidate = last.checked_sub(back);
        while let Some(n) = candidate.filter(|&n| n >= oldest.max(1)) {
            if self.probes.contains(n) {
                return Lookup::Ours(n, false);
            }
            candidate = n.checked_sub(1 << 16);
        }
        Lookup::Unknown
    }

    /// iputils' `acknowledge()`: the newest acknowledged probe and the
    /// pipe size.
    fn acknowledge(&mut self, number: u64) {
        let behind = self.stats.transmitted - number;
        if behind <= 0x7fff {
            self.stats.pipesize = self.stats.pipesize.max(behind + 1);
        }
        self.acked = self.acked.max(number);
    }

    /// An Echo Reply arrived at `now` from `from`, with its identifier,
    /// sequence number and data, the TTL/hop limit if known, and the
    /// kernel's receive time (`SO_TIMESTAMP`) if known, which is then used
    /// for the RTT instead of `now` (unless it lies before the send).
    #[allow(clippy::too_many_arguments, reason = "one value per reply field")]
    pub fn on_echo_reply(
        &mut self,
        now: Instant,
        from: IpAddr,
        ident: u16,
        seq: u16,
        data: &[u8],
        ttl: Option<u8>,
        kernel_rx: Option<Instant>,
    ) -> ReplyOutcome {
        if ident != self.config.ident {
            return ReplyOutcome::NotOurs;
        }
        self.prune(now);
        if self.config.payload_len >= ID_LEN && data.len() < ID_LEN {
            let Lookup::Ours(number, _) = self.locate(seq, data) else {
                return ReplyOutcome::Unknown;
            };
            return ReplyOutcome::Unverified(UnverifiedReply {
                seq,
                number,
                from,
                ttl,
                bytes: 8 + data.len(),
            });
        }
        let (number, rtt_known) = match self.locate(seq, data) {
            Lookup::Ours(number, identified) => (number, identified),
            Lookup::NotOurs => return ReplyOutcome::NotOurs,
            Lookup::Unknown => return ReplyOutcome::Unknown,
        };
        let Some(probe) = self.probes.get_mut(number) else {
            return ReplyOutcome::Unknown;
        };
        // A kernel timestamp from before the send cannot be this reply's
        // (the clocks were mapped badly): fall back on the arrival time,
        // as iputils falls back when "time of day goes back".
        // On the probe's clock (nanoseconds from the start): one
        // subtraction of instants instead of an add and a subtraction.
        let sent_ns = probe.sent_ns();
        let received_ns = kernel_rx
            .map(|rx| window::nanos_since(self.start, rx))
            .filter(|&rx| rx > sent_ns)
            .unwrap_or_else(|| window::nanos_since(self.start, now));
        let rtt = Duration::from_nanos(received_ns.saturating_sub(sent_ns));
        let duplicate = probe.replies > 0;
        probe.replies += 1;
        if duplicate {
            self.stats.duplicates += 1;
        } else {
            self.stats.received += 1;
        }
        self.acknowledge(number);
        if rtt_known {
            self.stats.record_rtt(rtt);
            if self.config.adaptive {
                self.update_interval();
            }
        }
        ReplyOutcome::Reply(ReplyEvent {
            seq,
            number,
            from,
            rtt,
            rtt_known,
            ttl,
            bytes: 8 + data.len(),
            duplicate,
            late: rtt > self.config.linger,
            truncated: data.len() < self.config.payload_len,
            wrong_byte: self.wrong_byte(data),
            ip_options: OptionArea::default(),
        })
    }

    /// A Node Information response arrived (`-N`): `nonce` names the
    /// query it answers when it is this run's. Counted as a reply to that
    /// query, untimed (as iputils counts it); [`ReplyOutcome::NotOurs`]
    /// for a nonce of no query of this run.
    pub fn on_node_info_response(
        &mut self,
        now: Instant,
        from: IpAddr,
        nonce: [u8; 8],
        ttl: Option<u8>,
    ) -> ReplyOutcome {
        let Some(seq) = super::node_info::seq_of(self.config.nonce, nonce) else {
            return ReplyOutcome::NotOurs;
        };
        self.on_echo_reply(now, from, self.config.ident, seq, &[], ttl, None)
    }

    /// [`payload::first_wrong_byte`] of an echoed payload. The fill after
    /// the identification is the same in every probe, so the payload last
    /// sent (in `scratch`) holds it: an intact reply, the usual one, is
    /// found so with one comparison of slices instead of a byte at a time.
    fn wrong_byte(&self, data: &[u8]) -> Option<WrongByte> {
        let end = self.config.payload_len.min(data.len());
        if end > ID_LEN && data.get(ID_LEN..end) == self.scratch.get(ID_LEN..end) {
            return None;
        }
        payload::first_wrong_byte(data, self.config.payload_len, &self.config.pattern)
    }

    /// iputils' `update_interval()` for `-A`.
    fn update_interval(&mut self) {
        let ewma8 = self.stats.ewma8_us();
        let estimate_us = if ewma8 == 0 {
            u64::try_from(self.interval.as_micros()).unwrap_or(u64::MAX)
        } else {
            ewma8 / 8
        };
        self.interval =
            Duration::from_millis((estimate_us + 500) / 1000).max(self.config.adaptive_floor);
    }

    /// An ICMP error arrived at `now` from `from`: its type and code,
    /// `info` as in [`ErrorKind::classify`], and from the quoted Echo
    /// Request its identifier, sequence number and as much data as was
    /// quoted. Returns the event when it quotes one of our probes; a
    /// `counted` error (see [`ErrorEvent::counted`]) acknowledges the
    /// probe and adds to `errors`.
    #[allow(clippy::too_many_arguments, reason = "one value per error field")]
    pub fn on_error(
        &mut self,
        now: Instant,
        from: IpAddr,
        icmp_type: u8,
        code: u8,
        info: u32,
        quoted_ident: u16,
        quoted_seq: u16,
        quoted_data: &[u8],
        counted: bool,
    ) -> Option<ErrorEvent> {
        let kind = ErrorKind::classify(self.config.version, icmp_type, code, info)?;
        if quoted_ident != self.config.ident {
            return None;
        }
        self.prune(now);
        let Lookup::Ours(number, _) = self.locate(quoted_seq, quoted_data) else {
            return None;
        };
        if counted {
            self.stats.errors += 1;
            self.acknowledge(number);
        }
        Some(ErrorEvent {
            seq: quoted_seq,
            number,
            from,
            kind,
            icmp_type,
            icmp_code: code,
            info,
            counted,
        })
    }

    /// The kernel refused a probe locally (`EMSGSIZE`: longer than the
    /// path MTU it has learned): iputils counts it among the errors, so it
    /// ends a `-w` run and counts toward `-c`.
    pub fn on_local_error(&mut self) {
        self.stats.errors += 1;
    }

    /// Whether the run is over at `now` (rules in the module docs).
    pub fn is_finished(&self, now: Instant) -> bool {
        self.deadline_at().is_some_and(|d| now >= d)
            || self.stopped_by_counts()
            || self.exit_at.is_some_and(|t| now >= t)
    }

    /// The earliest of the next send, the deadline and the end of the
    /// wait after the last probe; `None` once finished. May be in the past.
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        if self.is_finished(now) {
            return None;
        }
        let earliest = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        earliest(
            earliest(self.next_transmit_at(), self.deadline_at()),
            self.exit_at,
        )
    }

    /// iputils' exit status: 1 if nothing was received, or with `-w` if
    /// fewer than `-c` replies came; else 0.
    pub fn exit_code(&self) -> i32 {
        let short = self.deadline_at().is_some()
            && self.config.count.is_some_and(|c| self.stats.received < c);
        i32::from(self.stats.received == 0 || short)
    }

    /// The `time N ms` of iputils' summary: from the start to the last
    /// send, rounded to the nearest millisecond.
    pub fn summary_time_ms(&self) -> u128 {
        let elapsed = self
            .last_send
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(self.start));
        (elapsed.as_micros() + 500) / 1000
    }

    /// iputils' `ipg` (mean gap between sends, microseconds), printed with
    /// the EWMA when something was received, more than one probe went, and
    /// the interval is zero or `-f` or `-A` is on.
    pub fn ipg_us(&self) -> Option<u64> {
        let shown = self.stats.received > 0
            && self.stats.transmitted > 1
            && (self.interval.is_zero() || self.config.flood || self.config.adaptive);
        let elapsed = self.last_send?.saturating_duration_since(self.start);
        shown.then(|| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX) / (self.stats.transmitted - 1)
        })
    }
}

#[cfg(test)]
mod tests;
