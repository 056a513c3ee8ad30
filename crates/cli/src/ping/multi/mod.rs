//! Several targets at once, fping-class: `icmpkit ping HOST1 HOST2 ...`,
//! `10.0.0.0/24`, `--file FILE`.
//!
//! - One socket per family in use ([`sockets::socket_plan`], ping's
//!   socket options), opened as a `RealTransport` and driven by
//!   `icmpkit_driver::drive`; the protocol (pacing, matching, timeouts,
//!   statistics) is [`icmpkit_proto::multi::MultiPing`], whose events this
//!   module renders.
//! - [`icmpkit_proto::multi::Scheduler`] paces every probe at a global
//!   `--rate` (probes per second, default 1000), `-c` probes per target
//!   (default 1), `-i` seconds between a target's probes (default 1, fping's
//!   `-p`), `-W` seconds a probe waits for its reply (default 1 in this mode,
//!   fping's `-t` is 500 ms), `--retries N` resends of an unanswered probe.
//! - One ICMP identifier per run (per socket for ping sockets, whose kernel
//!   picks it). The payload carries the run's nonce and a run-wide probe
//!   serial (`icmpkit_proto::payload`): a reply or quoted probe with another
//!   nonce is another process's; the serial names target and probe, so the
//!   16-bit sequence number (the target's probe number, low bits) is only a
//!   fallback for payloads too short to carry it or errors quoting 8 bytes.
//! - Text is fping's `-c` output: a line per reply and per timeout on
//!   stdout, ICMP errors on stderr, and the per-target summary on stderr;
//!   `-q` prints only the summary. `[N]` is fping's probe index, from 0.
//!   A reply from another address than its target's counts, as in fping,
//!   and its line ends in fping's ` [<- ADDR]` (on the line, where fping
//!   5.1 writes it to stderr). A reply without its probe's nonce is no
//!   answer: a warning on stderr (`Unverified Echo Reply from ...`), not
//!   counted.
//!   `--json` prints the Reporter's objects (`reply`, `unverified`,
//!   `error`, `timeout`, one `summary` per target); there `seq` is the
//!   ICMP sequence number (the probe index + 1).
//! - The run ends once every probe is answered or timed out (as fping),
//!   at `-w` seconds, or on SIGINT/SIGTERM, with the summaries; SIGQUIT
//!   prints the summaries so far on stderr and goes on (fping's SIGQUIT).
//! - Exit code 0 when every target answered at least once, 1 otherwise.

pub(crate) mod fping;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use icmpkit_driver::Signals;
use icmpkit_driver::real::RealTransport;
use icmpkit_proto::machine::version_of;
use icmpkit_proto::multi::{MultiConfig, MultiEvent, MultiPing, MultiPingConfig};
use icmpkit_wire::IpVersion;

use super::report::{End, ErrorReport, Json, Reply, Reporter, Unverified};
use super::sockets::socket_plan;
use super::targets::Target;
use super::{Plan, iputils, random_u64};
use fping::{error_line, reply_line, summary_line, timeout_line, unverified_line};

/// Probes per second when `--rate` is not given.
pub const DEFAULT_RATE: u32 = 1000;
/// How long a probe waits for its reply when `-W` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// Between a target's probes when `-i` is not given (fping's `-p`).
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(1);

/// Parses `--rate`: a whole number of probes per second above 0.
pub fn parse_rate(value: Option<&str>) -> Result<u32> {
    let Some(value) = value else {
        return Ok(DEFAULT_RATE);
    };
    match value.trim().parse::<u64>() {
        Ok(0) => bail!("--rate {value}: must be above 0 probes per second"),
        Ok(n) => u32::try_from(n)
            .map_err(|_| anyhow::anyhow!("--rate {value}: at most {} probes per second", u32::MAX)),
        Err(_) => bail!("--rate {value}: give probes per second as a whole number, e.g. 1000"),
    }
}

/// Parses `--retries`.
pub fn parse_retries(value: &str) -> Result<u32> {
    value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--retries {value}: give a whole number, 0 or more"))
}

/// Where results go.
enum Output<W: Write> {
    /// fping's text; `quiet` is -q.
    Text { out: W, quiet: bool, width: usize },
    /// JSON lines.
    Json(Json<W>),
}

/// Renders the events of a run.
struct Render<'a, W: Write, E: Write> {
    targets: &'a [Target],
    /// Where errors and summaries go (stderr).
    err: E,
    output: Output<W>,
    /// The summaries have begun.
    summing_up: bool,
}

/// Microseconds of a duration, saturating.
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[allow(clippy::cast_possible_truncation, reason = "the ICMP sequence number")]
const fn seq_of(number: u64) -> u16 {
    number as u16
}

impl<W: Write, E: Write> Render<'_, W, E> {
    /// Renders `event`. `err` may be buffered: the summaries at the end of
    /// a run (one line per target) are written in large pieces, and
    /// anything else written there goes out at once, after them.
    fn event(&mut self, machine: &MultiPing, event: MultiEvent) -> io::Result<()> {
        if let MultiEvent::Summary { target, tally } = event {
            return self.summary(machine, target, &tally);
        }
        self.err.flush()?;
        self.other(machine, event)?;
        self.err.flush()
    }

    /// Renders every event but a summary.
    fn other(&mut self, machine: &MultiPing, event: MultiEvent) -> io::Result<()> {
        match event {
            MultiEvent::Reply(r) => {
                let target = &self.targets[r.target];
                let (name, other_sender) = (&target.name, r.from != target.addr);
                match &mut self.output {
                    Output::Text { out, quiet, width } => {
                        if !*quiet && !r.duplicate {
                            let rtt_ns = u64::try_from(r.rtt.as_nanos()).unwrap_or(u64::MAX);
                            let line = reply_line(
                                name,
                                *width,
                                r.number - 1,
                                r.bytes,
                                rtt_ns,
                                &r.tally,
                                other_sender.then_some(r.from),
                            );
                            writeln!(out, "{line}")?;
                        }
                    }
                    Output::Json(json) => json.reply(&Reply {
                        target: name,
                        from: r.from,
                        seq: r.seq,
                        ident: r.ident,
                        bytes: r.bytes,
                        ttl: r.ttl,
                        rtt_micros: Some(micros(r.rtt)),
                        duplicate: r.duplicate,
                        truncated: false,
                        other_sender,
                        ip_options: &[],
                    })?,
                }
            }
            MultiEvent::Unverified(u) => {
                let name = &self.targets[u.target].name;
                match &mut self.output {
                    Output::Text { out, quiet, .. } => {
                        if !*quiet {
                            out.flush()?;
                            writeln!(self.err, "{}", unverified_line(u.from, name, u.bytes))?;
                        }
                    }
                    Output::Json(json) => json.unverified(&Unverified {
                        target: name,
                        from: u.from,
                        seq: u.seq,
                        ident: u.ident,
                        bytes: u.bytes,
                        ttl: u.ttl,
                    })?,
                }
            }
            MultiEvent::Timeout {
                target,
                number,
                tally,
                after_error,
                ..
            } => {
                let name = &self.targets[target].name;
                match &mut self.output {
                    Output::Text { out, quiet, width } => {
                        if !*quiet {
                            writeln!(out, "{}", timeout_line(name, *width, number - 1, &tally))?;
                        }
                    }
                    // A probe has an error or a timeout, never both.
                    Output::Json(json) if !after_error => {
                        json.no_answer_yet(name, seq_of(number))?;
                    }
                    Output::Json(_) => {}
                }
            }
            MultiEvent::Error(e) => {
                let name = &self.targets[e.target].name;
                match &mut self.output {
                    Output::Text { out, quiet, .. } => {
                        if !*quiet {
                            out.flush()?;
                            let line = error_line(
                                e.version,
                                e.icmp_type,
                                e.icmp_code,
                                e.info,
                                e.from,
                                name,
                            );
                            writeln!(self.err, "{line}")?;
                        }
                    }
                    Output::Json(json) => json.error(&ErrorReport {
                        target: name,
                        from: e.from,
                        seq: seq_of(e.number),
                        version: e.version,
                        icmp_type: e.icmp_type,
                        icmp_code: e.icmp_code,
                        info: e.info,
                        counted: true,
                    })?,
                }
            }
            MultiEvent::LocalError {
                target,
                version,
                errno,
                info,
            } => {
                let name = target.map_or("?", |t| &self.targets[t].name);
                let error = iputils::local_send_error(version, errno, info, |e| {
                    format!("local error: {e}")
                });
                writeln!(self.err, "icmpkit: {name}: {error}")?;
            }
            MultiEvent::SendFailed { target, errno } => {
                let e = io::Error::from_raw_os_error(errno);
                let name = &self.targets[target].name;
                writeln!(self.err, "icmpkit: {name}: {e}")?;
            }
            MultiEvent::Status => {
                if let Output::Text { out, width, .. } = &mut self.output {
                    out.flush()?;
                    for (i, t) in self.targets.iter().enumerate() {
                        writeln!(
                            self.err,
                            "{}",
                            summary_line(&t.name, *width, machine.tally(i))
                        )?;
                    }
                }
            }
            MultiEvent::Summary { target, tally } => self.summary(machine, target, &tally)?,
        }
        Ok(())
    }

    /// One target's summary: fping's line on stderr (after a blank line
    /// unless -q), or a JSON `summary`.
    fn summary(
        &mut self,
        machine: &MultiPing,
        target: usize,
        tally: &fping::Tally,
    ) -> io::Result<()> {
        let first = !std::mem::replace(&mut self.summing_up, true);
        let t = &self.targets[target];
        match &mut self.output {
            Output::Text { out, quiet, width } => {
                out.flush()?;
                if first && !*quiet {
                    writeln!(self.err)?;
                }
                writeln!(self.err, "{}", summary_line(&t.name, *width, tally))
            }
            Output::Json(json) => json.end(&End {
                target: &t.name,
                addr: t.addr,
                stats: machine.statistics(target),
                time_ms: u64::try_from(tally.send_span().as_millis()).unwrap_or(u64::MAX),
                ipg_micros: None,
                unverified: machine.unverified(target),
            }),
        }
    }
}

/// The sockets of a several-target run, open, and what its machine needs
/// from them.
pub(crate) struct Opened {
    /// One ICMP socket per family in use.
    pub transport: RealTransport,
    /// SIGINT/SIGTERM and SIGQUIT.
    pub signals: Signals,
    /// The run's nonce.
    pub nonce: u64,
    /// The Echo identifier of IPv4 probes.
    pub ident_v4: u16,
    /// The Echo identifier of IPv6 probes.
    pub ident_v6: u16,
}

/// Opens the sockets `plan(versions, raw_ident)` describes for the
/// families of `addrs` (a raw socket sends with, and filters on,
/// `raw_ident`; a ping socket's kernel picks its own identifier), then
/// installs the signal handlers: what `ping` and `fping` share.
pub(crate) fn open(
    addrs: &[std::net::IpAddr],
    plan: impl FnOnce(&[IpVersion], u16) -> icmpkit_driver::real::SocketPlan,
) -> Result<Opened> {
    let versions: Vec<IpVersion> = [IpVersion::V4, IpVersion::V6]
        .into_iter()
        .filter(|&v| addrs.iter().any(|&a| version_of(a) == v))
        .collect();
    let nonce = random_u64();
    let raw_ident = super::raw_ident(nonce);
    let transport = RealTransport::open(&plan(&versions, raw_ident))?;
    let signals = Signals::install().context("installing signal handlers")?;
    let ident = |v| transport.dgram_ident(v).unwrap_or(raw_ident);
    Ok(Opened {
        nonce,
        ident_v4: ident(IpVersion::V4),
        ident_v6: ident(IpVersion::V6),
        transport,
        signals,
    })
}

/// Runs every target of `plan`; exits 0 when every target answered at
/// least once, else 1.
pub fn run(plan: &Plan) -> Result<ExitCode> {
    let mut opened = open(
        &plan.targets.iter().map(|t| t.addr).collect::<Vec<_>>(),
        |versions, raw_ident| socket_plan(plan, versions, Some(4 << 20), Some(raw_ident)),
    )?;
    plan.warn_unscoped_link_local(&opened.transport);
    let config = MultiPingConfig {
        schedule: MultiConfig {
            rate: plan.rate,
            count: plan.count.unwrap_or(1),
            period: plan.interval.unwrap_or(DEFAULT_PERIOD),
            timeout: plan.linger.unwrap_or(DEFAULT_TIMEOUT),
            retries: plan.retries,
            backoff_milli: 1000,
            anchored: false,
        },
        targets: plan.targets.iter().map(|t| t.addr).collect(),
        payload_len: plan.size,
        pattern: plan.pattern.clone(),
        nonce: opened.nonce,
        ident_v4: opened.ident_v4,
        ident_v6: opened.ident_v6,
        deadline: plan.deadline,
        keep_rtts: false,
        report_every: None,
    };
    let mut machine = MultiPing::new(config, Instant::now());
    let width = plan.targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let out = io::stdout().lock();
    let output = if plan.json {
        Output::Json(Json { out })
    } else {
        Output::Text {
            out,
            quiet: plan.quiet,
            width,
        }
    };
    let mut render = Render {
        targets: &plan.targets,
        err: io::BufWriter::new(io::stderr()),
        output,
        summing_up: false,
    };
    let verdict = icmpkit_driver::drive(
        &mut machine,
        &mut opened.transport,
        &opened.signals,
        |m, event| render.event(m, event),
    )?;
    render.err.flush()?;
    Ok(crate::exit::Exit::from(verdict).into())
}

#[cfg(test)]
pub(crate) mod testnet;
#[cfg(test)]
mod tests;
