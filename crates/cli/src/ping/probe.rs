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
//! `probe_reply`, `timeout`, `error` and `summary` instead (JSON lines
//! with `type` and `timestamp` first).
//!
//! Exit status: 0 when an answer says the interface exists, 1 when none
//! does (no such interface, no answer, ...), 2 on errors.
//!
//! The exchange itself (requests, matching, timeouts, the summary) is
//! [`icmpkit_proto::extended_echo::ExtendedEcho`], driven by
//! `icmpkit_driver::drive` over a `RealTransport` ([`run`]) or any other
//! transport ([`run_machine`], which the tests drive over the simulated
//! network); this module plans the socket and renders the events.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use icmpkit_driver::real::RealTransport;
use icmpkit_driver::{Signals, Transport};
use icmpkit_net::{SocketChoice, SocketKind};
use icmpkit_proto::extended_echo::{
    ExtendedEcho, ExtendedEchoAnswer, ExtendedEchoConfig, ExtendedEchoEvent, InterfaceQuery,
};
use icmpkit_proto::machine::Verdict;
use icmpkit_proto::stats::format_ms;
use icmpkit_wire::icmpv4::{ExtendedEchoReply, ExtendedEchoState};
use icmpkit_wire::{IpVersion, meaning};
use serde_json::json;

use super::Plan;
use super::iputils;
use super::sockets::socket_plan;
use super::targets::Target;
use crate::json_lines::JsonLines;

/// How long a probe waits for its answer unless `-W` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Probes sent unless `-c` says otherwise.
const DEFAULT_COUNT: u64 = 1;

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
fn answer_text(version: IpVersion, answer: &ExtendedEchoAnswer) -> String {
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

/// Where a run's lines go: text or JSON records.
enum Output<W: Write> {
    Text(W),
    Json(JsonLines<W>),
}

/// Renders the events of a run: one line (or JSON record) each.
struct Render<'a, W: Write> {
    target: &'a Target,
    arg: &'a str,
    query: &'static str,
    version: IpVersion,
    out: Output<W>,
}

impl<W: Write> Render<'_, W> {
    /// Writes a text line (nothing in JSON mode, where every caller
    /// writes a record instead).
    fn line(&mut self, text: &str) -> io::Result<()> {
        match &mut self.out {
            Output::Text(out) => {
                writeln!(out, "{text}")?;
                out.flush()
            }
            Output::Json(_) => Ok(()),
        }
    }

    /// Renders `event`; a send that failed unexplained is returned as the
    /// error that ends the run.
    fn event(&mut self, event: ExtendedEchoEvent) -> io::Result<Option<anyhow::Error>> {
        let (name, addr, arg) = (&self.target.name, self.target.addr, self.arg);
        match event {
            ExtendedEchoEvent::Reply {
                seq,
                from,
                answer,
                rtt,
            } => {
                let micros = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
                if let Output::Json(json) = &mut self.out {
                    let code = u8::from(answer.code);
                    #[allow(clippy::cast_precision_loss)] // microseconds fit an f64
                    let rtt_ms = micros as f64 / 1000.0;
                    json.emit(
                        "probe_reply",
                        json!({
                            "target": name,
                            "address": addr.to_string(),
                            "interface": arg,
                            "query": self.query,
                            "seq": seq,
                            "from": from.to_string(),
                            "code": code,
                            "code_name": code_name(self.version, code),
                            "exists": answer.exists(),
                            "state": state_name(answer.state),
                            "active": answer.active,
                            "ipv4": answer.ipv4,
                            "ipv6": answer.ipv6,
                            "rtt_ms": rtt_ms,
                        }),
                    )?;
                } else {
                    let text = format!(
                        "PROBE {from} interface {arg}: {} seq={seq} time={} ms",
                        answer_text(self.version, &answer),
                        format_ms(micros)
                    );
                    self.line(&text)?;
                }
            }
            ExtendedEchoEvent::Error {
                seq,
                from,
                icmp_type,
                icmp_code,
                info,
            } => {
                let text = iputils::error_text(self.version, icmp_type, icmp_code, info);
                if let Output::Json(json) = &mut self.out {
                    json.emit(
                        "error",
                        json!({
                            "target": name,
                            "address": addr.to_string(),
                            "interface": arg,
                            "seq": seq,
                            "from": from.to_string(),
                            "icmp_type": icmp_type,
                            "icmp_code": icmp_code,
                            "message": text,
                        }),
                    )?;
                } else {
                    self.line(&format!(
                        "PROBE {addr} interface {arg}: {text} from {from} seq={seq}"
                    ))?;
                }
            }
            ExtendedEchoEvent::LocalError { errno } => {
                eprintln!("ping: local error: {}", io::Error::from_raw_os_error(errno));
            }
            ExtendedEchoEvent::Timeout { seq } => {
                if let Output::Json(json) = &mut self.out {
                    json.emit(
                        "timeout",
                        json!({
                            "target": name,
                            "address": addr.to_string(),
                            "interface": arg,
                            "seq": seq,
                        }),
                    )?;
                } else {
                    self.line(&format!(
                        "PROBE {addr} interface {arg}: no answer seq={seq}"
                    ))?;
                }
            }
            ExtendedEchoEvent::SendFailed { errno } => {
                let e = io::Error::from_raw_os_error(errno);
                return Ok(Some(anyhow::anyhow!("sendmsg: {e}")));
            }
            ExtendedEchoEvent::Summary(s) => {
                if let Output::Json(json) = &mut self.out {
                    json.emit(
                        "summary",
                        json!({
                            "target": name,
                            "address": addr.to_string(),
                            "interface": arg,
                            "transmitted": s.transmitted,
                            "answered": s.answered,
                            "exists": s.exists,
                        }),
                    )?;
                } else if s.transmitted > 1 {
                    self.line(&format!(
                        "--- {addr} interface {arg}: {} probes sent, {} answered ---",
                        s.transmitted, s.answered
                    ))?;
                }
            }
        }
        Ok(None)
    }
}

/// Opens the raw socket PROBE needs, or explains why it cannot.
fn open_raw(plan: &Plan, version: IpVersion) -> Result<RealTransport> {
    const WHY: &str = "--probe-interface needs a raw ICMP socket (run as root or grant \
                       CAP_NET_RAW, e.g. setcap cap_net_raw+ep icmpkit): ping (datagram) \
                       sockets carry only Echo messages, not Extended Echo";
    if plan.socket == SocketChoice::Dgram {
        bail!("{WHY}");
    }
    let transport = RealTransport::open(&socket_plan(plan, &[version], None, None)).context(WHY)?;
    if transport.icmp_kind(version) != Some(SocketKind::Raw) {
        bail!("{WHY}; only a datagram socket could be opened");
    }
    Ok(transport)
}

/// Runs PROBE mode; returns 0 when an answer says the interface exists,
/// else 1.
pub fn run(plan: &Plan, arg: &str) -> Result<ExitCode> {
    let query = InterfaceQuery::from_argument(arg)?;
    if plan.targets.len() > 1 {
        bail!(
            "--probe-interface asks one host at a time; {} targets given",
            plan.targets.len()
        );
    }
    let target = &plan.targets[0];
    let version = icmpkit_proto::machine::version_of(target.addr);
    let mut transport = open_raw(plan, version)?;
    let signals = Signals::install().context("installing signal handlers")?;
    let mut machine = ExtendedEcho::new(config(plan, target, query), Instant::now());
    let verdict = run_machine(
        &mut machine,
        &mut transport,
        &signals,
        target,
        arg,
        plan.json,
        io::stdout(),
    )?;
    Ok(crate::exit::Exit::from(verdict).into())
}

/// The exchange `plan` asks for about `query` on `target`, with a random
/// identifier.
fn config(plan: &Plan, target: &Target, query: InterfaceQuery) -> ExtendedEchoConfig {
    ExtendedEchoConfig {
        target: target.addr,
        query,
        ident: u16::try_from(super::random_u64() >> 48).unwrap_or(0),
        count: plan.count.unwrap_or(DEFAULT_COUNT),
        interval: plan.interval.unwrap_or(Duration::from_secs(1)),
        timeout: plan.linger.unwrap_or(DEFAULT_TIMEOUT),
        deadline: plan.deadline,
    }
}

/// Drives `machine` (asking `target` about the interface the user named
/// `arg`) over `transport` to its end, rendering every event on `out` as
/// text lines or, with `json`, JSON records. The verdict: Answered when an
/// answer says the interface exists. A send that fails unexplained ends
/// the run with its error.
pub fn run_machine<T: Transport + ?Sized, W: Write>(
    machine: &mut ExtendedEcho,
    transport: &mut T,
    signals: &Signals,
    target: &Target,
    arg: &str,
    json: bool,
    out: W,
) -> Result<Verdict> {
    let mut render = Render {
        target,
        arg,
        query: machine.config().query.kind(),
        version: icmpkit_proto::machine::version_of(target.addr),
        out: if json {
            Output::Json(JsonLines::new(out))
        } else {
            Output::Text(out)
        },
    };
    let mut failure = None;
    let verdict = icmpkit_driver::drive(machine, transport, signals, |_, event| {
        if let Some(error) = render.event(event)? {
            failure = Some(error);
            return Err(io::Error::other("the send failed"));
        }
        Ok(())
    });
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(verdict?)
}

#[cfg(test)]
mod tests;
