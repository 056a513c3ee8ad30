//! `icmpkit sweep`: stateless, high-rate ICMP host discovery (zmap-class).
//!
//! The engine is `icmpkit_proto::sweep` (target space, keyed permutation,
//! stateless validation, pacing); the sockets are `icmpkit_net`'s raw ICMP
//! sockets with batched send and receive. This module only wires them:
//! send what the engine says is due, read what came back, print.

mod output;

use std::io::{self, IsTerminal};
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use icmpkit_net::{IcmpSocket, RecvBatch, SendBatch, SocketChoice};
use icmpkit_proto::sweep::{
    QuotedEcho, Rate, ReplyVerdict, Sweep, SweepConfig, SweepCounts, SweepSummary, TargetSpace,
    TargetSpaceBuilder, Validator,
};
use icmpkit_wire::dissect::Message;
use icmpkit_wire::{IpVersion, icmpv4, icmpv6, quote};

use crate::args::AddrSpec;
use output::{Format, Writer};

/// Arguments of `icmpkit sweep`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit sweep 10.200.0.0/16\n  \
                        icmpkit sweep --rate 50000 --json 10.200.0.0/20\n  \
                        icmpkit sweep --all --csv -f targets.txt --exclude 10.200.1.0/24")]
#[allow(clippy::struct_excessive_bools)] // one per output switch
pub struct Args {
    /// Addresses and prefixes to probe (IPv6 prefixes /64 or longer).
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Read more targets from FILE (one per line, # comments), `-` for stdin.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,
    /// Leave out a prefix or address, or every one listed in FILE; repeatable.
    #[arg(long, value_name = "FILE|CIDR")]
    exclude: Vec<String>,
    /// Probes per second, or `max` (default 10000).
    #[arg(long, value_name = "PPS|max", default_value = "10000")]
    rate: String,
    /// Further passes over the targets that have not answered.
    #[arg(long, value_name = "N", default_value = "0")]
    retries: String,
    /// Seconds to wait for late replies after the last probe.
    #[arg(long, value_name = "SECONDS", default_value = "1")]
    cooldown: String,
    /// Print JSON lines (one per responder, then a summary).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV with a header line.
    #[arg(long)]
    csv: bool,
    /// Also print the ICMP errors received (who sent them, type, code, target).
    #[arg(long)]
    all: bool,
    /// Allow sweeping all of IPv4 (0.0.0.0/0).
    #[arg(long)]
    force: bool,
}

/// Probes per send batch and replies per receive batch.
const BATCH: usize = 256;
/// Bytes per probe slot (ICMP header + the engine's 16-byte stamp).
const SLOT: usize = 64;

/// Runs `icmpkit sweep`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let space = target_space(args)?;
    let rate = match args.rate.as_str() {
        "max" => Rate::Max,
        text => match text.parse::<u64>() {
            Ok(0) => bail!("--rate 0: must be above 0 probes per second (or max)"),
            Ok(n) => Rate::PerSecond(n),
            Err(_) => bail!("--rate {text}: give probes per second, e.g. 10000, or max"),
        },
    };
    let retries: u8 = args.retries.parse().map_err(|_| {
        anyhow::anyhow!(
            "--retries {}: give a whole number from 0 to 255",
            args.retries
        )
    })?;
    let cooldown = match args.cooldown.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=3600.0).contains(&s) => Duration::from_secs_f64(s),
        _ => bail!(
            "--cooldown {}: give seconds from 0 to 3600, e.g. 1",
            args.cooldown
        ),
    };
    let format = if args.json {
        Format::Json
    } else if args.csv {
        Format::Csv
    } else {
        Format::Text
    };
    let families: Vec<IpVersion> = [IpVersion::V4, IpVersion::V6]
        .into_iter()
        .filter(|v| {
            space
                .ranges()
                .any(|(first, _)| first.is_ipv4() == (*v == IpVersion::V4))
        })
        .collect();
    let sockets = families
        .iter()
        .map(|v| open_socket(*v))
        .collect::<Result<Vec<_>>>()?;
    // Sockets are open: keep no capability longer than needed.
    icmpkit_net::privilege::drop_raw_capability().context("dropping CAP_NET_RAW")?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let config = SweepConfig {
        rate,
        retries,
        payload_len: 16,
        key: crate::input::random_bytes(),
        cooldown,
    };
    let start = Instant::now();
    let mut sweep = Sweep::new(space, config, start).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stdout = io::stdout();
    let mut writer = Writer::new(io::BufWriter::new(stdout.lock()), format, args.all)?;
    let progress = Progress::new();
    let mut engine = Engine {
        sockets,
        send: SendBatch::with_capacity(BATCH),
        recv: RecvBatch::new(BATCH, 2048),
        probes: Vec::with_capacity(BATCH),
        slots: vec![0u8; BATCH * SLOT],
    };
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        engine.send_due(&mut sweep, now)?;
        engine.receive(&mut sweep, &mut writer)?;
        let now = Instant::now();
        progress.update(&sweep, now.duration_since(start));
        let Some(wake) = sweep.next_wakeup(now) else {
            break;
        };
        let wait = wake
            .saturating_duration_since(now)
            .min(Duration::from_millis(5));
        if !wait.is_zero() {
            engine.sockets[0].0.wait(wait).context("poll")?;
        }
    }
    engine.receive(&mut sweep, &mut writer)?;
    progress.finish();
    let summary = SweepSummary {
        counts: SweepCounts {
            progress: sweep.progress(),
            refused: 0,
            elapsed: start.elapsed(),
        },
        refused_by_errno: Vec::new(),
        sending: sweep
            .last_probe_at()
            .map_or(Duration::ZERO, |at| at.duration_since(start)),
        stopped: stop.load(Ordering::Relaxed),
    };
    let kernel_drops = engine
        .sockets
        .iter()
        .filter_map(|(s, _)| s.kernel_drops().ok())
        .sum();
    writer.finish(&summary, Some(kernel_drops))?;
    eprintln!("{}", output::summary_line(&summary, Some(kernel_drops)));
    Ok(ExitCode::SUCCESS)
}

/// The sockets and reusable buffers of a running sweep.
struct Engine {
    sockets: Vec<(IcmpSocket, IpVersion)>,
    send: SendBatch,
    recv: RecvBatch,
    probes: Vec<(IpAddr, u8)>,
    slots: Vec<u8>,
}

impl Engine {
    /// Sends every probe the engine says is due, in batches per family.
    fn send_due(&mut self, sweep: &mut Sweep, now: Instant) -> Result<()> {
        loop {
            self.probes.clear();
            if sweep.next_probes(now, BATCH, &mut self.probes) == 0 {
                return Ok(());
            }
            for (i, (addr, attempt)) in self.probes.iter().enumerate() {
                sweep.build_probe(
                    now,
                    *addr,
                    *attempt,
                    &mut self.slots[i * SLOT..(i + 1) * SLOT],
                );
            }
            let len = Validator::echo_len(sweep.config().payload_len);
            for (socket, version) in &self.sockets {
                let messages: Vec<(&[u8], IpAddr)> = self
                    .probes
                    .iter()
                    .enumerate()
                    .filter(|(_, (addr, _))| addr.is_ipv4() == (*version == IpVersion::V4))
                    .map(|(i, (addr, _))| (&self.slots[i * SLOT..i * SLOT + len], *addr))
                    .collect();
                let mut sent = 0;
                let deadline = Instant::now() + Duration::from_secs(1);
                while sent < messages.len() {
                    let n = socket
                        .send_batch(&mut self.send, &messages[sent..])
                        .with_context(|| format!("sending probes on the {version:?} socket"))?;
                    sent += n;
                    if n == 0 {
                        // The send buffer is full: give the kernel a moment.
                        if Instant::now() > deadline {
                            bail!(
                                "the kernel accepted no probe for a second: the send queue is stuck"
                            );
                        }
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
            }
        }
    }

    /// Reads everything waiting on every socket.
    fn receive<W: io::Write>(&mut self, sweep: &mut Sweep, writer: &mut Writer<W>) -> Result<()> {
        for (socket, version) in &self.sockets {
            while socket
                .recv_batch(&mut self.recv)
                .context("reading replies")?
                > 0
            {
                let now = Instant::now();
                for (received, bytes) in self.recv.iter() {
                    let icmp = received.icmp(bytes);
                    handle(
                        sweep,
                        writer,
                        *version,
                        now,
                        received.from,
                        received.ttl,
                        icmp,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// One ICMP message read off a socket: a reply or an error about a probe.
fn handle<W: io::Write>(
    sweep: &mut Sweep,
    writer: &mut Writer<W>,
    version: IpVersion,
    now: Instant,
    from: IpAddr,
    ttl: Option<u8>,
    icmp: &[u8],
) -> Result<()> {
    let message = match version {
        IpVersion::V4 => icmpv4::Repr::parse_bytes(icmp).map(Message::V4),
        IpVersion::V6 => icmpv6::Packet::new_checked(icmp)
            .and_then(|p| icmpv6::Repr::parse(&p))
            .map(Message::V6),
    };
    let Ok(message) = message else {
        return Ok(());
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
    if let Some((ident, seq, data)) = echo {
        if let ReplyVerdict::New(host) = sweep.on_reply(now, from, ident, seq, data, ttl) {
            writer.found(&host)?;
        }
        return Ok(());
    }
    let Some((original, _)) = message.error_body() else {
        return Ok(());
    };
    let Ok(quoted) = quote::parse(original, version) else {
        return Ok(());
    };
    let Some(quote::QuotedTransport::Icmp { ident, seq_no, .. }) = quoted.transport else {
        return Ok(());
    };
    let data = quoted.payload.get(8..).unwrap_or_default();
    let (icmp_type, code) = (icmp[0], icmp[1]);
    let echo = QuotedEcho {
        dst: quoted.ip.dst(),
        ident,
        seq: seq_no,
        data,
    };
    if let Some(error) = sweep.on_error(now, from, icmp_type, code, echo) {
        writer.error(&error)?;
    }
    Ok(())
}

/// Opens the raw socket of `version` (stateless validation sets its own
/// identifiers, which ping sockets rewrite).
fn open_socket(version: IpVersion) -> Result<(IcmpSocket, IpVersion)> {
    let socket = IcmpSocket::open(version, SocketChoice::Raw).map_err(|e| {
        anyhow::anyhow!(
            "{e}\n(sweep needs raw sockets: ping sockets rewrite the identifiers that carry \
             the stateless validation)"
        )
    })?;
    socket.accept_only_replies_and_errors()?;
    socket.set_nonblocking(true)?;
    socket.set_recv_ttl(true)?;
    socket.set_timestamps(true)?;
    // Room for bursts of replies; SO_RCVBUFFORCE when root.
    socket.set_recv_buffer_size(32 << 20)?;
    socket.set_send_buffer_size(4 << 20)?;
    Ok((socket, version))
}

/// The targets of `args`: positional, `--file`, minus `--exclude`.
fn target_space(args: &Args) -> Result<TargetSpace> {
    let mut specs = args.targets.clone();
    if let Some(file) = &args.file {
        specs.extend(crate::input::read_list(file)?);
    }
    if specs.is_empty() {
        bail!("no targets: give addresses or prefixes (or -f FILE)");
    }
    let mut builder: TargetSpaceBuilder = TargetSpace::builder();
    builder.allow_everything(args.force);
    for spec in &specs {
        match parse_spec(spec)? {
            (addr, None) => {
                builder.add_addr(addr);
            }
            (addr, Some(len)) => {
                builder
                    .add_prefix(addr, len)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
    }
    for exclude in &args.exclude {
        let excludes = if parse_spec(exclude).is_ok() {
            vec![exclude.clone()]
        } else {
            crate::input::read_list(exclude).with_context(|| {
                format!("--exclude {exclude}: not an address, prefix or readable file")
            })?
        };
        for spec in &excludes {
            match parse_spec(spec)? {
                (addr, None) => {
                    builder.exclude_addr(addr);
                }
                (addr, Some(len)) => {
                    builder
                        .exclude_prefix(addr, len)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
        }
    }
    builder.build().map_err(|e| anyhow::anyhow!("{e}"))
}

/// `ADDR` or `ADDR/LEN`, by the shared parser.
fn parse_spec(spec: &str) -> Result<(IpAddr, Option<u8>)> {
    let parsed: AddrSpec = spec.parse()?;
    Ok((parsed.addr, parsed.len))
}

/// The progress line on stderr: shown when stderr is a terminal and the
/// sweep runs longer than about two seconds, redrawn at most ten times a
/// second.
struct Progress {
    terminal: bool,
    last_draw: std::cell::Cell<Option<Duration>>,
}

impl Progress {
    fn new() -> Self {
        Self {
            terminal: io::stderr().is_terminal(),
            last_draw: std::cell::Cell::new(None),
        }
    }

    fn update(&self, sweep: &Sweep, elapsed: Duration) {
        if !self.terminal || elapsed < Duration::from_secs(2) {
            return;
        }
        if self
            .last_draw
            .get()
            .is_some_and(|at| elapsed.saturating_sub(at) < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw.set(Some(elapsed));
        let p = sweep.progress();
        #[allow(clippy::cast_precision_loss)] // display only
        let (hit, rate) = (
            if p.sent == 0 {
                0.0
            } else {
                p.unique as f64 * 100.0 / p.total as f64
            },
            p.sent as f64 / elapsed.as_secs_f64(),
        );
        #[allow(clippy::cast_precision_loss)] // display only
        let eta = if rate > 0.0 {
            format!("{:.0}s", p.total.saturating_sub(p.sent) as f64 / rate)
        } else {
            "-".to_owned()
        };
        // Carriage return and erase-line: the line is redrawn in place.
        eprint!(
            "\r\x1b[Ksent {} / {}, received {}, hits {hit:.2}%, {rate:.0} probes/s ETA {eta}",
            p.sent, p.total, p.unique
        );
    }

    fn finish(&self) {
        if self.terminal && self.last_draw.get().is_some() {
            eprint!("\r\x1b[K");
        }
    }
}
