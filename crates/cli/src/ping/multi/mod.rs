//! Several targets at once, fping-class: `icmpkit ping HOST1 HOST2 ...`,
//! `10.0.0.0/24`, `--file FILE`.
//!
//! - One socket per family in use, set up as for one target
//!   ([`Plan::open_socket`]); a receiving thread per socket reads replies and
//!   the error queue and hands parsed events to the sending loop.
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
//!   `--json` prints the Reporter's objects (`reply`, `error`, `timeout`,
//!   one `summary` per target); there `seq` is the ICMP sequence number
//!   (the probe index + 1).
//! - The run ends once every probe is answered or timed out (as fping),
//!   at `-w` seconds, or on SIGINT/SIGTERM, with the summaries.
//! - Exit code 0 when every target answered at least once, 1 otherwise.

mod fping;
mod receive;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use icmpkit_net::IcmpSocket;
use icmpkit_proto::multi::{MultiConfig, Scheduler, SendSlot};
use icmpkit_proto::payload;
use icmpkit_wire::{IpVersion, icmpv4, icmpv6};

use super::report::{End, ErrorReport, Json, Reply, Reporter};
use super::single::{Signals, ident_for};
use super::{Plan, random_u64};
use fping::{Tally, error_line, reply_line, summary_line, timeout_line};
use receive::{Event, receive};

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

/// One family's socket and identifier.
struct Family {
    socket: IcmpSocket,
    ident: u16,
}

/// The state of a run besides the scheduler.
struct Run<'a, W: Write> {
    plan: &'a Plan,
    nonce: u64,
    families: &'a [Option<Family>; 2],
    /// Target index by address (the first target of that address).
    by_addr: HashMap<IpAddr, usize>,
    /// Run-wide serial -> (target, number), for probes not yet expired.
    serials: HashMap<u64, (usize, u64)>,
    /// (send time, serial) in send order, to expire `serials`.
    sent_order: VecDeque<(Instant, u64)>,
    next_serial: u64,
    tallies: Vec<Tally>,
    output: Output<W>,
    echo: Vec<u8>,
    scratch: Vec<u8>,
    /// A send failure already reported for the target.
    send_failed: Vec<bool>,
}

const fn slot_of(version: IpVersion) -> usize {
    match version {
        IpVersion::V4 => 0,
        IpVersion::V6 => 1,
    }
}

impl<W: Write> Run<'_, W> {
    /// Builds and sends the probe of `slot`.
    fn send(&mut self, slot: SendSlot, now: Instant) -> Result<()> {
        let target = &self.plan.targets[slot.target];
        let version = if target.addr.is_ipv4() {
            IpVersion::V4
        } else {
            IpVersion::V6
        };
        let Some(family) = &self.families[slot_of(version)] else {
            bail!("no socket for {}", target.addr);
        };
        self.next_serial += 1;
        let serial = self.next_serial;
        self.serials.insert(serial, (slot.target, slot.number));
        self.sent_order.push_back((now, serial));
        payload::write(&mut self.scratch, self.nonce, serial, &self.plan.pattern);
        let len = 8 + self.scratch.len();
        let (ident, data, out) = (family.ident, &self.scratch[..], &mut self.echo[..len]);
        match version {
            IpVersion::V4 => icmpv4::Repr::EchoRequest {
                ident,
                seq_no: slot.seq,
                data,
            }
            .emit(&mut icmpv4::Packet::new_unchecked(out)),
            IpVersion::V6 => icmpv6::Repr::EchoRequest {
                ident,
                seq_no: slot.seq,
                data,
            }
            .emit(
                &mut icmpv6::Packet::new_unchecked(out),
                Ipv6Addr::UNSPECIFIED,
                Ipv6Addr::UNSPECIFIED,
            ),
        }
        self.tallies[slot.target].sent_at(now);
        if let Err(e) = family.socket.send_to(&self.echo[..len], target.addr) {
            // The probe counts as sent and will time out, as in fping.
            if !self.send_failed[slot.target] {
                self.send_failed[slot.target] = true;
                eprintln!("icmpkit: {}: {e}", target.name);
            }
        }
        Ok(())
    }

    /// The (target, number) a reply or quoted probe is about.
    fn resolve(
        &self,
        sched: &Scheduler,
        version: IpVersion,
        addr: Option<IpAddr>,
        ident: u16,
        seq: u16,
        id: Option<(u64, u64)>,
    ) -> Option<(usize, u64)> {
        if self.families[slot_of(version)].as_ref()?.ident != ident {
            return None;
        }
        if let Some((nonce, serial)) = id.filter(|_| self.plan.size >= payload::ID_LEN) {
            return (nonce == self.nonce).then(|| self.serials.get(&serial).copied())?;
        }
        // Too short to carry the serial: the address and the sequence.
        let target = *self.by_addr.get(&addr?)?;
        Some((target, sched.number_for_seq(target, seq)?))
    }

    fn on_event(&mut self, sched: &mut Scheduler, event: Event) -> Result<()> {
        match event {
            Event::Reply {
                version,
                from,
                ident,
                seq,
                id,
                bytes,
                ttl,
                at,
            } => {
                let Some((target, number)) =
                    self.resolve(sched, version, Some(from), ident, seq, id)
                else {
                    return Ok(());
                };
                let Some(reply) = sched.on_reply(at, target, number) else {
                    return Ok(());
                };
                let rtt_ns = u64::try_from(reply.rtt.as_nanos()).unwrap_or(u64::MAX);
                if !reply.duplicate {
                    self.tallies[target].record(rtt_ns);
                }
                let name = &self.plan.targets[target].name;
                match &mut self.output {
                    Output::Text { out, quiet, width } => {
                        if !*quiet && !reply.duplicate {
                            let line = reply_line(
                                name,
                                *width,
                                number - 1,
                                bytes,
                                rtt_ns,
                                &self.tallies[target],
                            );
                            writeln!(out, "{line}")?;
                        }
                    }
                    Output::Json(json) => json.reply(&Reply {
                        target: name,
                        from,
                        seq,
                        ident,
                        bytes,
                        ttl,
                        rtt_micros: Some(u64::try_from(reply.rtt.as_micros()).unwrap_or(u64::MAX)),
                        duplicate: reply.duplicate,
                        truncated: false,
                    })?,
                }
            }
            Event::Error {
                version,
                from,
                dst,
                icmp_type,
                icmp_code,
                info,
                ident,
                seq,
                id,
            } => {
                let Some((target, number)) = self.resolve(sched, version, dst, ident, seq, id)
                else {
                    return Ok(());
                };
                if !sched.on_error(target, number) {
                    return Ok(());
                }
                let t = &self.plan.targets[target];
                let from = from.unwrap_or(t.addr);
                match &mut self.output {
                    Output::Text { out, quiet, .. } => {
                        if !*quiet {
                            out.flush()?;
                            eprintln!(
                                "{}",
                                error_line(version, icmp_type, icmp_code, info, from, &t.name)
                            );
                        }
                    }
                    Output::Json(json) => json.error(&ErrorReport {
                        target: &t.name,
                        from,
                        #[allow(
                            clippy::cast_possible_truncation,
                            reason = "the ICMP sequence number"
                        )]
                        seq: number as u16,
                        version,
                        icmp_type,
                        icmp_code,
                        info,
                    })?,
                }
            }
            Event::Local { dst, error } => {
                let name = dst
                    .and_then(|a| self.by_addr.get(&a))
                    .map_or_else(|| "?".to_owned(), |&t| self.plan.targets[t].name.clone());
                eprintln!("icmpkit: {name}: {error}");
            }
            Event::Failed(error) => bail!("{error}"),
        }
        Ok(())
    }

    fn on_timeout(&mut self, target: usize, number: u64) -> Result<()> {
        let name = &self.plan.targets[target].name;
        match &mut self.output {
            Output::Text { out, quiet, width } => {
                if !*quiet {
                    writeln!(
                        out,
                        "{}",
                        timeout_line(name, *width, number - 1, &self.tallies[target])
                    )?;
                }
            }
            #[allow(clippy::cast_possible_truncation, reason = "the ICMP sequence number")]
            Output::Json(json) => json.no_answer_yet(name, number as u16)?,
        }
        Ok(())
    }

    /// Forgets serials of probes past their timeout.
    fn expire(&mut self, now: Instant, keep: Duration) {
        while let Some(&(at, serial)) = self.sent_order.front() {
            if now.saturating_duration_since(at) <= keep {
                break;
            }
            self.sent_order.pop_front();
            self.serials.remove(&serial);
        }
    }

    /// The summaries, in target order.
    fn finish(&mut self, sched: &Scheduler) -> Result<()> {
        match &mut self.output {
            Output::Text { out, quiet, width } => {
                out.flush()?;
                let stderr = io::stderr();
                let mut err = stderr.lock();
                if !*quiet {
                    writeln!(err)?;
                }
                for (t, tally) in self.plan.targets.iter().zip(&self.tallies) {
                    writeln!(err, "{}", summary_line(&t.name, *width, tally))?;
                }
            }
            Output::Json(json) => {
                for (i, (t, tally)) in self.plan.targets.iter().zip(&self.tallies).enumerate() {
                    let time_ms = match (tally.first_sent, tally.last_sent) {
                        (Some(a), Some(b)) => {
                            u64::try_from(b.duration_since(a).as_millis()).unwrap_or(u64::MAX)
                        }
                        _ => 0,
                    };
                    json.end(&End {
                        target: &t.name,
                        addr: t.addr,
                        stats: sched.statistics(i),
                        time_ms,
                        ipg_micros: None,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// Runs every target of `plan`; returns the exit code (0 when every target
/// answered at least once, else 1).
pub fn run(plan: &Plan, signals: &Signals) -> Result<u8> {
    let (rate, retries) = (plan.rate, plan.retries);
    let config = MultiConfig {
        rate,
        count: plan.count.unwrap_or(1),
        period: plan.interval.unwrap_or(DEFAULT_PERIOD),
        timeout: plan.linger.unwrap_or(DEFAULT_TIMEOUT),
        retries,
    };
    let nonce = random_u64();
    let mut families: [Option<Family>; 2] = [None, None];
    for version in [IpVersion::V4, IpVersion::V6] {
        if plan
            .targets
            .iter()
            .any(|t| t.addr.is_ipv4() == (version == IpVersion::V4))
        {
            let socket = plan.open_socket(version)?;
            // Many replies can arrive between two reads: room for them.
            let _ = socket.set_recv_buffer_size(4 << 20);
            let ident = ident_for(&socket, u16::try_from(nonce >> 48).unwrap_or(0))?;
            families[slot_of(version)] = Some(Family { socket, ident });
        }
    }
    icmpkit_net::privilege::drop_raw_capability().context("dropping CAP_NET_RAW")?;
    let width = plan.targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    let stdout = io::stdout();
    let out = io::BufWriter::new(stdout.lock());
    let output = if plan.json {
        Output::Json(Json { out })
    } else {
        Output::Text {
            out,
            quiet: plan.quiet,
            width,
        }
    };
    let mut by_addr = HashMap::new();
    for (i, t) in plan.targets.iter().enumerate() {
        by_addr.entry(t.addr).or_insert(i);
    }
    let mut run = Run {
        plan,
        nonce,
        families: &families,
        by_addr,
        serials: HashMap::new(),
        sent_order: VecDeque::new(),
        next_serial: 0,
        tallies: vec![Tally::default(); plan.targets.len()],
        output,
        echo: vec![0u8; 8 + plan.size],
        scratch: vec![0u8; plan.size],
        send_failed: vec![false; plan.targets.len()],
    };
    let start = Instant::now();
    let mut sched = Scheduler::new(config, plan.targets.len(), start);
    let done = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    let kernel_times = !plan.user_latency;
    let result = std::thread::scope(|scope| {
        for family in families.iter().flatten() {
            let (tx, done) = (tx.clone(), &done);
            let socket = &family.socket;
            scope.spawn(move || receive(socket, kernel_times, &tx, done));
        }
        let result = drive(&mut run, &mut sched, &rx, signals, start);
        done.store(true, Ordering::Relaxed);
        result
    });
    result?;
    run.finish(&sched)?;
    let all = (0..plan.targets.len()).all(|t| sched.statistics(t).received > 0);
    Ok(u8::from(!all))
}

/// The loop: timeouts, sends, then wait for events until the next wakeup.
fn drive<W: Write>(
    run: &mut Run<'_, W>,
    sched: &mut Scheduler,
    rx: &mpsc::Receiver<Event>,
    signals: &Signals,
    start: Instant,
) -> Result<()> {
    let keep = sched_timeout(run) + Duration::from_millis(100);
    let deadline = run.plan.deadline.map(|d| start + d);
    loop {
        if signals.stop.load(Ordering::Relaxed) || sched.is_settled() {
            return Ok(());
        }
        let mut now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(());
        }
        while let Some(t) = sched.pop_timeout(now) {
            run.on_timeout(t.target, t.number)?;
        }
        // Send what is due, re-reading the clock so a slow send does not
        // hold back the next slot.
        while let Some(slot) = sched.pop_due(now) {
            run.send(slot, now)?;
            now = Instant::now();
        }
        run.expire(now, keep);
        // Flush text between bursts, not per line.
        if let Output::Text { out, .. } = &mut run.output {
            out.flush()?;
        }
        let wake = sched.next_wakeup().unwrap_or(now);
        let wait = wake
            .saturating_duration_since(now)
            .min(Duration::from_millis(200));
        match rx.recv_timeout(wait) {
            Ok(event) => run.on_event(sched, event)?,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the receiving threads stopped"),
        }
        while let Ok(event) = rx.try_recv() {
            run.on_event(sched, event)?;
        }
    }
}

fn sched_timeout<W: Write>(run: &Run<'_, W>) -> Duration {
    run.plan.linger.unwrap_or(DEFAULT_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_validated() {
        assert_eq!(parse_rate(None).unwrap(), 1000);
        assert_eq!(parse_rate(Some("50000")).unwrap(), 50_000);
        assert_eq!(
            parse_rate(Some("0")).unwrap_err().to_string(),
            "--rate 0: must be above 0 probes per second"
        );
        assert!(
            parse_rate(Some("-3"))
                .unwrap_err()
                .to_string()
                .starts_with("--rate -3:")
        );
        assert!(
            parse_rate(Some("fast"))
                .unwrap_err()
                .to_string()
                .starts_with("--rate fast:")
        );
        assert!(parse_retries("x").is_err());
        assert_eq!(parse_retries("2").unwrap(), 2);
    }
}
