//! `icmpkit ping --probe-interface NAME|INDEX|ADDRESS HOST`: RFC 8335
//! PROBE. Asks HOST about one of its own interfaces with an ICMPv4 Extended
//! Echo Request (type 42) or ICMPv6 one (type 160) and reports the Extended
//! Echo Reply (43 / 161) in plain words.
//!
//! - The interface is named by ifIndex when the argument is a decimal
//!   number (c-type 2), by address when it parses as an IPv4 or IPv6
//!   address (c-type 3, AFI 1 or 2), else by name (c-type 1), in the
//!   Interface Identification object (class 3) of an RFC 4884 extension
//!   structure.
//! - The L bit is SET: RFC 8335 §2 says it is set when the probed interface
//!   resides on the node that receives the request (the "proxy node"), and
//!   clear when the interface is merely directly connected to it (then only
//!   identification by address is allowed). Linux answers only requests
//!   with L set.
//! - Needs a raw socket (root or `CAP_NET_RAW`): Linux's ping (datagram)
//!   sockets send and receive Echo messages only.
//! - `-c COUNT` probes (default 1: one question, one answer), `-i` seconds
//!   apart (default 1), each waiting `-W` seconds (default 2) before it
//!   counts as unanswered; `-w` stops everything after that many seconds;
//!   `-4`/`-6`, `-I`, `-t`, `-Q`, `-m` as for ping.
//!
//! Text output, one line per probe (addresses are printed numerically):
//!
//! ```text
//! PROBE 198.51.100.2 interface s0: exists, active, IPv4, IPv6 seq=1 time=0.045 ms
//! PROBE 198.51.100.2 interface nosuch0: no such interface seq=1 time=0.040 ms
//! PROBE 198.51.100.2 interface s0: no answer seq=1
//! ```
//!
//! A reply's state is shown as `(state reachable)` when it is not 0;
//! errors about a probe (e.g. Destination Unreachable) read `... s0:
//! Destination Host Unreachable from 198.51.100.1 seq=1`. With more than one
//! probe a last line counts them. `--json` prints objects of `type`
//! `probe_reply`, `timeout`, `error` and `summary` instead.
//!
//! Exit status: 0 when an answer says the interface exists, 1 when none
//! does (no such interface, no answer, ...), 2 on errors.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use icmpkit_net::{IcmpSocket, SendTime, SocketChoice, SocketKind};
use icmpkit_proto::stats::format_ms;
use icmpkit_wire::dissect::Message;
use icmpkit_wire::extension::{
    InterfaceAddress, InterfaceIdentification, ObjectRepr, emit_structure, structure_len,
};
use icmpkit_wire::icmpv4::{ExtendedEchoReply, ExtendedEchoState};
use icmpkit_wire::{IpVersion, icmpv4, icmpv6, meaning};
use serde_json::{Value, json};

use super::Plan;
use super::iputils;
use super::targets::Target;

/// How long a probe waits for its answer unless `-W` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Probes sent unless `-c` says otherwise.
const DEFAULT_COUNT: u64 = 1;

/// The interface asked about, as the command line gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// By name (c-type 1).
    Name(String),
    /// By ifIndex (c-type 2).
    Index(u32),
    /// By address (c-type 3).
    Address(IpAddr),
}

impl Query {
    /// A decimal number is an ifIndex, an IP address an address, anything
    /// else a name.
    fn parse(arg: &str) -> Result<Self> {
        if arg.is_empty() {
            bail!("--probe-interface: give an interface name, ifIndex or address");
        }
        if arg.bytes().all(|b| b.is_ascii_digit()) {
            return arg.parse().map(Self::Index).map_err(|_| {
                anyhow::anyhow!(
                    "--probe-interface {arg}: an ifIndex is at most {}",
                    u32::MAX
                )
            });
        }
        if let Ok(addr) = arg.parse() {
            return Ok(Self::Address(addr));
        }
        if arg.len() > 255 {
            bail!(
                "--probe-interface: an interface name of {} bytes is too long",
                arg.len()
            );
        }
        Ok(Self::Name(arg.to_owned()))
    }

    /// "name", "index" or "address", for JSON.
    fn kind(&self) -> &'static str {
        match self {
            Self::Name(_) => "name",
            Self::Index(_) => "index",
            Self::Address(_) => "address",
        }
    }

    /// The extension structure carrying this query's Interface
    /// Identification object (checksum filled).
    fn extension(&self) -> Vec<u8> {
        let id = match self {
            Self::Name(name) => InterfaceIdentification::Name(name.as_bytes()),
            Self::Index(index) => InterfaceIdentification::Index(*index),
            Self::Address(addr) => InterfaceIdentification::Address(InterfaceAddress::Ip(*addr)),
        };
        let objects = [ObjectRepr::InterfaceIdentification(id)];
        let mut out = vec![0; structure_len(&objects)];
        emit_structure(&objects, &mut out, true);
        out
    }
}

/// The Extended Echo Request (type 42 or 160, L bit set) for `extension`.
/// An ICMPv6 checksum is left for the kernel to fill, as it does on every
/// raw ICMPv6 socket.
fn build_request(version: IpVersion, ident: u16, seq: u8, extension: &[u8]) -> Vec<u8> {
    match version {
        IpVersion::V4 => {
            let repr = icmpv4::Repr::ExtendedEchoRequest {
                ident,
                seq_no: seq,
                local: true,
                request: extension,
            };
            let mut buf = vec![0; repr.buffer_len()];
            repr.emit(&mut icmpv4::Packet::new_unchecked(&mut buf[..]));
            buf
        }
        IpVersion::V6 => {
            let repr = icmpv6::Repr::ExtendedEchoRequest {
                ident,
                seq_no: seq,
                local: true,
                request: extension,
            };
            let mut buf = vec![0; repr.buffer_len()];
            repr.emit(
                &mut icmpv6::Packet::new_unchecked(&mut buf[..]),
                Ipv6Addr::UNSPECIFIED,
                Ipv6Addr::UNSPECIFIED,
            );
            buf
        }
    }
}

/// What an Extended Echo Reply says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    ident: u16,
    seq: u8,
    code: ExtendedEchoReply,
    state: ExtendedEchoState,
    active: bool,
    ipv4: bool,
    ipv6: bool,
}

/// The Extended Echo Reply in `icmp`, if it is one. The two families
/// carry the same fields (and the same code and state types).
fn parse_answer(version: IpVersion, icmp: &[u8]) -> Option<Answer> {
    match Message::parse(version, icmp).ok()? {
        Message::V4(icmpv4::Repr::ExtendedEchoReply {
            code,
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
        })
        | Message::V6(icmpv6::Repr::ExtendedEchoReply {
            code,
            ident,
            seq_no,
            state,
            active,
            ipv4,
            ipv6,
        }) => Some(Answer {
            ident,
            seq: seq_no,
            code,
            state,
            active,
            ipv4,
            ipv6,
        }),
        _ => None,
    }
}

/// The identifier and sequence of our own Extended Echo Request quoted by
/// an error from the error queue.
fn quoted_request(version: IpVersion, original: &[u8]) -> Option<(u16, u8)> {
    match Message::parse(version, original).ok()? {
        Message::V4(icmpv4::Repr::ExtendedEchoRequest { ident, seq_no, .. })
        | Message::V6(icmpv6::Repr::ExtendedEchoRequest { ident, seq_no, .. }) => {
            Some((ident, seq_no))
        }
        _ => None,
    }
}

/// The RFC 8335 name of a neighbour state, lower case; `None` for 0 (not
/// reported).
fn state_name(state: ExtendedEchoState) -> Option<String> {
    Some(match state {
        ExtendedEchoState::Reserved => return None,
        ExtendedEchoState::Incomplete => "incomplete".into(),
        ExtendedEchoState::Reachable => "reachable".into(),
        ExtendedEchoState::Stale => "stale".into(),
        ExtendedEchoState::Delay => "delay".into(),
        ExtendedEchoState::Probe => "probe".into(),
        ExtendedEchoState::Failed => "failed".into(),
        ExtendedEchoState::Unknown(n) => format!("state {n}"),
    })
}

/// The registry name of a reply code ("No Such Interface"), from
/// `icmpkit_wire::meaning`.
fn code_name(version: IpVersion, code: u8) -> Option<&'static str> {
    let reply_type = match version {
        IpVersion::V4 => 43,
        IpVersion::V6 => 161,
    };
    meaning::code_info(version, reply_type, code).map(|c| c.name)
}

/// The answer in plain words: `exists, active, IPv4, IPv6 (state
/// reachable)`, `no such interface`, ...
fn answer_text(version: IpVersion, answer: &Answer) -> String {
    let code = u8::from(answer.code);
    if answer.code != ExtendedEchoReply::NoError {
        return code_name(version, code).map_or_else(
            || format!("unknown answer (code {code})"),
            str::to_lowercase,
        );
    }
    let mut words = vec!["exists", if answer.active { "active" } else { "inactive" }];
    if answer.ipv4 {
        words.push("IPv4");
    }
    if answer.ipv6 {
        words.push("IPv6");
    }
    if !answer.ipv4 && !answer.ipv6 {
        words.push("no IP");
    }
    let text = words.join(", ");
    match state_name(answer.state) {
        Some(state) => format!("{text} (state {state})"),
        None => text,
    }
}

/// One probe sent.
struct Sent {
    seq: u8,
    at: SendTime,
    deadline: Instant,
    done: bool,
}

/// The run: socket, query, what was sent, and where lines go.
struct Probe<'a, W: Write> {
    target: &'a Target,
    arg: &'a str,
    query: Query,
    socket: &'a IcmpSocket,
    version: IpVersion,
    ident: u16,
    json: bool,
    out: W,
    sent: Vec<Sent>,
    answered: u64,
    exists: bool,
}

impl<W: Write> Probe<'_, W> {
    fn emit_json(&mut self, value: &Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)?;
        self.out.flush()?;
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()?;
        Ok(())
    }

    /// The pending probe with sequence `seq`, latest first.
    fn pending(&mut self, seq: u8) -> Option<usize> {
        self.sent.iter().rposition(|s| s.seq == seq && !s.done)
    }

    fn send(&mut self, number: u64, timeout: Duration) -> Result<()> {
        // The 8-bit sequence counts 1, 2, ... 255, 0, 1, ...
        let seq = u8::try_from((number + 1) % 256).unwrap_or(0);
        let request = build_request(self.version, self.ident, seq, &self.query.extension());
        match self.socket.send_to(&request, self.target.addr) {
            Ok(at) => self.sent.push(Sent {
                seq,
                at,
                deadline: at.instant + timeout,
                done: false,
            }),
            // An unsent probe is an error of its own; a refused send may
            // also leave its reason in the error queue.
            Err(e) => {
                if self.drain_errors()? == 0 {
                    bail!("sendmsg: {e}");
                }
            }
        }
        Ok(())
    }

    fn receive(&mut self, buf: &mut [u8]) -> Result<()> {
        loop {
            let received = match self.socket.try_recv(buf) {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err(e) => {
                    if self.drain_errors()? == 0 {
                        return Err(e).context("recvmsg");
                    }
                    continue;
                }
            };
            let Some(answer) = parse_answer(self.version, received.icmp(buf)) else {
                continue;
            };
            if answer.ident != self.ident {
                continue;
            }
            let Some(i) = self.pending(answer.seq) else {
                continue;
            };
            self.sent[i].done = true;
            let sent_at = self.sent[i].at;
            let rtt = received
                .kernel_time
                .and_then(|k| k.duration_since(sent_at.wall).ok())
                .unwrap_or_else(|| sent_at.instant.elapsed());
            self.answered += 1;
            if answer.code == ExtendedEchoReply::NoError {
                self.exists = true;
            }
            self.report_answer(received.from, &answer, rtt)?;
        }
    }

    fn report_answer(&mut self, from: IpAddr, answer: &Answer, rtt: Duration) -> Result<()> {
        let micros = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        if self.json {
            let code = u8::from(answer.code);
            #[allow(clippy::cast_precision_loss)] // microseconds fit an f64
            let rtt_ms = micros as f64 / 1000.0;
            let value = json!({
                "type": "probe_reply",
                "target": self.target.name,
                "interface": self.arg,
                "query": self.query.kind(),
                "seq": answer.seq,
                "from": from.to_string(),
                "code": code,
                "code_name": code_name(self.version, code),
                "exists": answer.code == ExtendedEchoReply::NoError,
                "state": state_name(answer.state),
                "active": answer.active,
                "ipv4": answer.ipv4,
                "ipv6": answer.ipv6,
                "rtt_ms": rtt_ms,
            });
            self.emit_json(&value)
        } else {
            let text = format!(
                "PROBE {from} interface {}: {} seq={} time={} ms",
                self.arg,
                answer_text(self.version, answer),
                answer.seq,
                format_ms(micros)
            );
            self.line(&text)
        }
    }

    /// Reads the error queue: errors about our probes are reported and
    /// end those probes. Returns how many entries were read.
    fn drain_errors(&mut self) -> Result<usize> {
        let mut buf = vec![0u8; 2048];
        let mut seen = 0;
        while let Some(queued) = self
            .socket
            .recv_error(&mut buf)
            .context("reading the error queue")?
        {
            seen += 1;
            let from = queued.offender.unwrap_or(self.target.addr);
            if queued.origin == icmpkit_net::ErrorOrigin::Local {
                eprintln!("ping: local error: {}", queued.os_error());
                continue;
            }
            let Some((ident, seq)) = quoted_request(self.version, queued.original(&buf)) else {
                continue;
            };
            if ident != self.ident {
                continue;
            }
            let Some(i) = self.pending(seq) else {
                continue;
            };
            self.sent[i].done = true;
            let text = iputils::error_text(
                self.version,
                queued.icmp_type,
                queued.icmp_code,
                queued.info,
            );
            if self.json {
                let value = json!({
                    "type": "error",
                    "target": self.target.name,
                    "interface": self.arg,
                    "seq": seq,
                    "from": from.to_string(),
                    "icmp_type": queued.icmp_type,
                    "icmp_code": queued.icmp_code,
                    "text": text,
                });
                self.emit_json(&value)?;
            } else {
                let line = format!(
                    "PROBE {} interface {}: {text} from {from} seq={seq}",
                    self.target.addr, self.arg
                );
                self.line(&line)?;
            }
        }
        Ok(seen)
    }

    /// Reports every probe whose time is up.
    fn expire(&mut self, now: Instant) -> Result<()> {
        let mut expired = Vec::new();
        for sent in &mut self.sent {
            if !sent.done && sent.deadline <= now {
                sent.done = true;
                expired.push(sent.seq);
            }
        }
        for seq in expired {
            if self.json {
                let value = json!({
                    "type": "timeout",
                    "target": self.target.name,
                    "interface": self.arg,
                    "seq": seq,
                });
                self.emit_json(&value)?;
            } else {
                let line = format!(
                    "PROBE {} interface {}: no answer seq={seq}",
                    self.target.addr, self.arg
                );
                self.line(&line)?;
            }
        }
        Ok(())
    }

    fn summary(&mut self) -> Result<()> {
        let sent = self.sent.len();
        if self.json {
            let value = json!({
                "type": "summary",
                "target": self.target.name,
                "addr": self.target.addr.to_string(),
                "interface": self.arg,
                "transmitted": sent,
                "answered": self.answered,
                "exists": self.exists,
            });
            self.emit_json(&value)
        } else if sent > 1 {
            let line = format!(
                "--- {} interface {}: {sent} probes sent, {} answered ---",
                self.target.addr, self.arg, self.answered
            );
            self.line(&line)
        } else {
            Ok(())
        }
    }
}

/// Opens the raw socket PROBE needs, or explains why it cannot.
fn open_raw(plan: &Plan, version: IpVersion) -> Result<IcmpSocket> {
    const WHY: &str = "--probe-interface needs a raw ICMP socket (run as root or grant \
                       CAP_NET_RAW, e.g. setcap cap_net_raw+ep icmpkit): ping (datagram) \
                       sockets carry only Echo messages, not Extended Echo";
    if plan.socket == SocketChoice::Dgram {
        bail!("{WHY}");
    }
    let socket = plan.open_socket(version).context(WHY)?;
    if socket.kind() != SocketKind::Raw {
        bail!("{WHY}; only a datagram socket could be opened");
    }
    Ok(socket)
}

/// Runs PROBE mode; returns 0 when an answer says the interface exists,
/// else 1.
pub fn run(plan: &Plan, arg: &str) -> Result<ExitCode> {
    let query = Query::parse(arg)?;
    if plan.targets.len() > 1 {
        bail!(
            "--probe-interface asks one host at a time; {} targets given",
            plan.targets.len()
        );
    }
    let target = &plan.targets[0];
    let version = if target.addr.is_ipv4() {
        IpVersion::V4
    } else {
        IpVersion::V6
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let socket = open_raw(plan, version)?;
    icmpkit_net::privilege::drop_raw_capability().context("dropping CAP_NET_RAW")?;
    let ident = u16::try_from(super::random_u64() >> 48).unwrap_or(0);
    let count = plan.count.unwrap_or(DEFAULT_COUNT);
    let interval = plan.interval.unwrap_or(Duration::from_secs(1));
    let timeout = plan.linger.unwrap_or(DEFAULT_TIMEOUT);
    let started = Instant::now();
    let mut probe = Probe {
        target,
        arg,
        query,
        socket: &socket,
        version,
        ident,
        json: plan.json,
        out: io::stdout().lock(),
        sent: Vec::new(),
        answered: 0,
        exists: false,
    };
    let mut buf = vec![0u8; 65_536 + 128];
    let mut number = 0u64;
    let mut next_send = started;
    loop {
        let now = Instant::now();
        if stop.load(Ordering::Relaxed) || plan.deadline.is_some_and(|d| now >= started + d) {
            break;
        }
        if number < count && now >= next_send {
            probe.send(number, timeout)?;
            number += 1;
            next_send += interval;
        }
        probe.expire(Instant::now())?;
        let pending = probe
            .sent
            .iter()
            .filter(|s| !s.done)
            .map(|s| s.deadline)
            .min();
        let wake = match (number < count, pending) {
            (false, None) => break,
            (true, None) => next_send,
            (false, Some(p)) => p,
            (true, Some(p)) => p.min(next_send),
        };
        let wait = wake
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(200));
        let ready = socket.wait(wait).context("poll")?;
        if ready.readable {
            probe.receive(&mut buf)?;
        }
        if ready.error {
            probe.drain_errors()?;
        }
    }
    probe.summary()?;
    Ok(ExitCode::from(u8::from(!probe.exists)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_by_number_address_or_name() {
        assert_eq!(Query::parse("7").unwrap(), Query::Index(7));
        assert_eq!(
            Query::parse("198.51.100.2").unwrap(),
            Query::Address("198.51.100.2".parse().unwrap())
        );
        assert_eq!(
            Query::parse("2001:db8::1").unwrap(),
            Query::Address("2001:db8::1".parse().unwrap())
        );
        assert_eq!(Query::parse("eth0").unwrap(), Query::Name("eth0".into()));
        assert!(Query::parse("").is_err());
        assert!(Query::parse("99999999999").is_err());
    }

    #[test]
    fn request_bytes_by_name() {
        let ext = Query::Name("eth0".into()).extension();
        let bytes = build_request(IpVersion::V4, 0x1234, 1, &ext);
        // Header: type 42, code 0, checksum, ident, seq 1, L set.
        assert_eq!(&bytes[..2], &[42, 0]);
        assert_eq!(&bytes[4..8], &[0x12, 0x34, 1, 1]);
        // Extension: version 2, checksum; object length 8, class 3, c-type 1.
        assert_eq!(bytes[8], 0x20);
        assert_eq!(&bytes[12..20], &[0, 8, 3, 1, b'e', b't', b'h', b'0']);
        assert!(icmpkit_wire::checksum::is_valid(&bytes));
        assert!(icmpkit_wire::checksum::is_valid(&bytes[8..]));
    }

    #[test]
    fn request_bytes_by_index_and_address() {
        let ext = Query::Index(3).extension();
        assert_eq!(&ext[4..], &[0, 8, 3, 2, 0, 0, 0, 3]);
        let ext = Query::Address("198.51.100.2".parse().unwrap()).extension();
        assert_eq!(&ext[4..], &[0, 12, 3, 3, 0, 1, 4, 0, 198, 51, 100, 2]);
        let v6 = build_request(IpVersion::V6, 1, 2, &ext);
        assert_eq!(&v6[..2], &[160, 0]);
        assert_eq!(&v6[4..8], &[0, 1, 2, 1]);
    }

    #[test]
    fn answers_in_plain_words() {
        let mut answer = Answer {
            ident: 1,
            seq: 1,
            code: ExtendedEchoReply::NoError,
            state: ExtendedEchoState::Reserved,
            active: true,
            ipv4: true,
            ipv6: true,
        };
        assert_eq!(
            answer_text(IpVersion::V4, &answer),
            "exists, active, IPv4, IPv6"
        );
        answer.state = ExtendedEchoState::Reachable;
        answer.active = false;
        answer.ipv6 = false;
        assert_eq!(
            answer_text(IpVersion::V6, &answer),
            "exists, inactive, IPv4 (state reachable)"
        );
        for (code, text) in [
            (1, "malformed query"),
            (2, "no such interface"),
            (3, "no such table entry"),
            (4, "multiple interfaces satisfy query"),
            (9, "unknown answer (code 9)"),
        ] {
            answer.code = ExtendedEchoReply::from(code);
            assert_eq!(answer_text(IpVersion::V4, &answer), text);
            assert_eq!(answer_text(IpVersion::V6, &answer), text);
        }
    }

    #[test]
    fn replies_parse_with_their_flags() {
        // Type 43, code 0, ident 0x1234, seq 5, state 2 (reachable), A, 4.
        let mut v4 = [43, 0, 0, 0, 0x12, 0x34, 5, 0b0100_0110];
        let sum = icmpkit_wire::checksum::checksum(&v4);
        v4[2..4].copy_from_slice(&sum.to_be_bytes());
        let answer = parse_answer(IpVersion::V4, &v4).unwrap();
        assert_eq!(
            answer,
            Answer {
                ident: 0x1234,
                seq: 5,
                code: ExtendedEchoReply::NoError,
                state: ExtendedEchoState::Reachable,
                active: true,
                ipv4: true,
                ipv6: false,
            }
        );
        let v6 = [161, 2, 0, 0, 0, 7, 9, 0];
        let answer = parse_answer(IpVersion::V6, &v6).unwrap();
        assert_eq!(answer.code, ExtendedEchoReply::NoSuchInterface);
        assert_eq!((answer.ident, answer.seq), (7, 9));
        assert_eq!(parse_answer(IpVersion::V4, &[0, 0, 0, 0, 0, 1, 0, 1]), None);
    }
}
