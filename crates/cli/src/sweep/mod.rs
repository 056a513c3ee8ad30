//! `icmpkit sweep`: stateless, high-rate ICMP host discovery (zmap-class).
//!
//! The machine is `icmpkit_proto::sweep::SweepMachine` (target space,
//! keyed permutation, stateless validation, pacing, what a reply or an
//! error is); the transport is `icmpkit_driver::real` over one raw ICMP
//! socket per family, run by `icmpkit_driver::drive`. This module only
//! parses the arguments, builds both, and renders the events.

mod output;

use std::io::{self, IsTerminal};
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use icmpkit_driver::real::{FamilyPlan, IcmpPlan, RealTransport, SocketOptions, SocketPlan};
use icmpkit_driver::{Signals, Transport, drive};
use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_proto::machine::Channel;
use icmpkit_proto::sweep::{
    MAX_SWEEP_TARGETS, Rate, Shard, Sweep, SweepConfig, SweepCounts, SweepEvent, SweepMachine,
    SweepSummary, TargetSpace, TargetSpaceBuilder,
};
use icmpkit_wire::IpVersion;

use crate::args::AddrSpec;
use crate::exit::Exit;
use output::{Format, Writer};

/// Arguments of `icmpkit sweep`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit sweep 10.200.0.0/16\n  \
                        icmpkit sweep --rate 50000 --json 10.200.0.0/20\n  \
                        icmpkit sweep --all --csv -f targets.txt --exclude 10.200.1.0/24\n  \
                        icmpkit sweep --shard 0/3 --seed 7 --json 10.200.0.0/16 > shard-0.jsonl\n\n\
                        Exit status: 0 at least one host answered, 1 none did, 2 usage or \
                        system error, 130 stopped by Ctrl-C (after the summary).")]
#[allow(clippy::struct_excessive_bools)] // one per output switch
pub struct Args {
    /// Addresses, prefixes and host names to probe: at most 2^33 addresses
    /// in all (all of IPv4 fits; an IPv6 prefix must be /95 or longer).
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    family: crate::args::FamilyArgs,
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
    /// Threads that send, each on a socket of its own, while the main
    /// thread builds probes and reads replies (default: one per core, at
    /// most 4; 0: the main thread sends).
    #[arg(long, value_name = "N")]
    senders: Option<String>,
    /// Sweep only shard I of N (I from 0, as zmap's --shard/--shards); needs --seed.
    ///
    /// The N shards of one sweep (the same targets, excludes and --seed)
    /// are disjoint and between them probe every target once; their
    /// outputs concatenated are the whole sweep's.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Take the order of the targets from S (0 to 2^64-1, as zmap's --seed), not at random.
    ///
    /// The same targets and S give the same order. Replies are still
    /// checked with a secret of the run's own, so shards that run on one
    /// host at once never count each other's replies.
    #[arg(long, value_name = "S")]
    seed: Option<String>,
}

/// The most send threads [`Args::senders`] defaults to.
const MAX_DEFAULT_SENDERS: usize = 4;

/// The most send threads `--senders` takes.
const MAX_SENDERS: usize = 64;

/// How often the progress line on a terminal is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What the arguments ask for, checked.
struct Settings {
    space: TargetSpace,
    /// The interface the link-local targets' scope names (`fe80::%eth0/120`).
    link_scope: Option<u32>,
    config: SweepConfig,
    format: Format,
    all: bool,
    /// Send threads.
    senders: usize,
}

impl Settings {
    /// Reads and checks `args`; the per-run key is drawn here.
    fn from_args(args: &Args) -> Result<Self> {
        let (space, link_scope) = target_space(args)?;
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
        let senders = match args.senders.as_deref() {
            None => std::thread::available_parallelism()
                .map_or(1, std::num::NonZero::get)
                .min(MAX_DEFAULT_SENDERS),
            Some(text) => match text.parse::<usize>() {
                Ok(n @ 0..=MAX_SENDERS) => n,
                _ => {
                    bail!("--senders {text}: give a number of send threads from 0 to {MAX_SENDERS}")
                }
            },
        };
        let (seed, shard) = seed_and_shard(args)?;
        let format = if args.json {
            Format::Json
        } else if args.csv {
            Format::Csv
        } else {
            Format::Text
        };
        let config = SweepConfig {
            rate,
            retries,
            payload_len: 16,
            // Random per run even with --seed: shards on one host see each
            // other's replies, and only their own key keeps them apart.
            key: crate::input::random_bytes(),
            seed,
            shard,
            cooldown,
        };
        Ok(Self {
            space,
            link_scope,
            config,
            format,
            all: args.all,
            senders,
        })
    }

    /// The IP versions of the targets.
    fn families(&self) -> Vec<IpVersion> {
        [IpVersion::V4, IpVersion::V6]
            .into_iter()
            .filter(|v| {
                self.space
                    .ranges()
                    .any(|(first, _)| first.is_ipv4() == (*v == IpVersion::V4))
            })
            .collect()
    }
}

/// Runs `icmpkit sweep`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let settings = Settings::from_args(args)?;
    let families = settings.families();
    let mut transport = RealTransport::open(&socket_plan(
        &families,
        settings.link_scope,
        settings.senders,
    ))
    .map_err(|e| {
        anyhow::anyhow!(
            "{e}\n(sweep needs raw sockets: ping sockets rewrite the identifiers that carry \
             the stateless validation)"
        )
    })?;
    let signals = Signals::install().context("installing signal handlers")?;
    // SIGINT, told apart from SIGTERM (both stop the sweep): Ctrl-C exits 130.
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone())
        .context("installing signal handlers")?;
    let progress = ProgressLine::new();
    let stdout = io::stdout();
    let out = io::BufWriter::new(stdout.lock());
    let (summary, exit, mut writer) =
        sweep_over(settings, &mut transport, &signals, out, &progress)?;
    let kernel_drops = families
        .iter()
        .filter_map(|&v| transport.socket(v, Channel::Icmp)?.kernel_drops().ok())
        .sum();
    writer.finish(&summary, Some(kernel_drops))?;
    eprintln!("{}", output::summary_line(&summary, Some(kernel_drops)));
    if interrupted.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(Exit::Interrupted.into());
    }
    Ok(exit.into())
}

/// Runs the sweep of `settings` over `transport` to its end, writing each
/// event to `out` as it comes (all but the summary, which is returned with
/// the exit and the writer, for the caller to add what the transport
/// knows).
fn sweep_over<T: Transport, W: io::Write>(
    settings: Settings,
    transport: &mut T,
    signals: &Signals,
    out: W,
    progress: &ProgressLine,
) -> Result<(SweepSummary, Exit, Writer<W>)> {
    let sweep = Sweep::new(settings.space, settings.config, transport.now())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut machine = SweepMachine::new(sweep);
    if progress.terminal {
        machine = machine.with_progress_every(PROGRESS_EVERY);
    }
    let mut writer = Writer::new(out, settings.format, settings.all)?;
    let mut summary = None;
    let verdict = drive(&mut machine, transport, signals, |_, event| {
        match event {
            SweepEvent::Found(host) => writer.found(&host)?,
            SweepEvent::Error(error) => writer.error(&error)?,
            SweepEvent::Refused(refused) => writer.refused(&refused)?,
            SweepEvent::Progress(counts) => progress.show(&counts),
            SweepEvent::Summary(end) => summary = Some(end),
        }
        Ok(())
    })?;
    progress.finish();
    let summary = summary.context("the sweep ended without a summary")?;
    Ok((summary, Exit::from(verdict), writer))
}

/// One raw ICMP socket per family (stateless validation sets its own
/// identifiers, which ping sockets rewrite), keeping replies and errors,
/// with kernel timestamps, the received TTL, room for bursts of replies
/// (`SO_RCVBUFFORCE` when root), and the kernel's drops reported as they
/// happen (a `--rate max` sweep slows down on them). Sends to a broadcast address are
/// refused (`EACCES`) and reported: a sweep is unicast. Link-local targets
/// go out through the interface of `link_scope`, when given. `senders`
/// send-only sockets per family, each on a thread, send the probes (the
/// kernel's work for a probe is paid by the thread that sends it).
fn socket_plan(families: &[IpVersion], link_scope: Option<u32>, senders: usize) -> SocketPlan {
    let options = SocketOptions {
        link_scope,
        timestamps: true,
        recv_ttl: true,
        recv_buffer: Some(32 << 20),
        send_buffer: Some(4 << 20),
        report_drops: true,
        // Don't Fragment: a small probe never needs fragmenting, and an
        // unfragmentable datagram of an unconnected socket gets IP ID 0,
        // sparing the kernel's shared ID counters (16 % of a sweep's
        // CPU with two send threads, contended between them).
        pmtu: Some(PmtuMode::Do),
        ..SocketOptions::default()
    };
    families.iter().fold(SocketPlan::new(), |plan, &version| {
        plan.with(
            version,
            FamilyPlan::icmp(IcmpPlan {
                senders,
                ..IcmpPlan::new(SocketChoice::Raw, options.clone())
            }),
        )
    })
}

/// The targets of `args`: positional, `--file`, minus `--exclude`; and
/// the one interface their scopes name.
fn target_space(args: &Args) -> Result<(TargetSpace, Option<u32>)> {
    let mut specs = args.targets.clone();
    if let Some(file) = &args.file {
        specs.extend(crate::input::read_list(file)?);
    }
    if specs.is_empty() {
        bail!("no targets: give addresses or prefixes (or -f FILE)");
    }
    let mut builder: TargetSpaceBuilder = TargetSpace::builder();
    builder.allow_everything(args.force);
    let family = args.family.version();
    let mut scopes = Vec::new();
    for spec in &specs {
        if AddrSpec::is_prefix(spec) {
            let parsed: AddrSpec = spec.parse()?;
            crate::input::check_family(spec, parsed.addr, family)?;
            scopes.push((spec.as_str(), parsed.addr, parsed.scope_id()?));
            let len = parsed.len.unwrap_or(0);
            check_v6_prefix(spec, parsed.addr, len)?;
            builder
                .add_prefix(parsed.addr, len)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        } else {
            // An address, `ADDR%SCOPE`, or a host name resolved as ping
            // resolves it (-4/-6 choose the family).
            let (addr, scope_id) = crate::input::resolve_scoped(spec, family)?;
            scopes.push((spec.as_str(), addr, scope_id));
            builder.add_addr(addr);
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
    let link_scope = crate::args::prefix::link_scope(scopes)?;
    let space = builder.build().map_err(|e| anyhow::anyhow!("{e}"))?;
    if space.len() > u128::from(MAX_SWEEP_TARGETS) {
        bail!(
            "the targets hold {} addresses; one sweep takes at most 2^33 ({MAX_SWEEP_TARGETS}): \
             split them into several sweeps",
            space.len()
        );
    }
    Ok((space, link_scope))
}

/// The longest IPv6 prefix a sweep takes whole: one of 2^33 addresses.
#[allow(
    clippy::cast_possible_truncation,
    reason = "trailing_zeros of a u64 is at most 64"
)]
const SHORTEST_V6_PREFIX: u8 = 128 - MAX_SWEEP_TARGETS.trailing_zeros() as u8;

/// Refuses an IPv6 prefix with more addresses than one sweep takes.
fn check_v6_prefix(spec: &str, addr: IpAddr, len: u8) -> Result<()> {
    if addr.is_ipv6() && len < SHORTEST_V6_PREFIX {
        bail!(
            "{spec}: an IPv6 /{len} holds 2^{} addresses and one sweep takes at most 2^33: \
             give /{SHORTEST_V6_PREFIX} or longer, or a list of addresses",
            128 - u32::from(len)
        );
    }
    Ok(())
}

/// `ADDR` or `ADDR/LEN`, by the shared parser.
fn parse_spec(spec: &str) -> Result<(IpAddr, Option<u8>)> {
    let parsed: AddrSpec = spec.parse()?;
    Ok((parsed.addr, parsed.len))
}

/// `--seed` and `--shard`, checked: a shard needs the seed that makes every
/// shard walk the same order.
fn seed_and_shard(args: &Args) -> Result<(Option<u64>, Shard)> {
    let seed = match &args.seed {
        None => None,
        // Digits only: no sign, no spaces.
        Some(text) => Some(
            text.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| text.parse::<u64>().ok())
                .flatten()
                .with_context(|| {
                    format!("--seed {text}: give a whole number from 0 to {}", u64::MAX)
                })?,
        ),
    };
    let Some(text) = &args.shard else {
        return Ok((seed, Shard::WHOLE));
    };
    let shard: Shard = text
        .parse()
        .map_err(|e| anyhow::anyhow!("--shard {text}: {e}"))?;
    if seed.is_none() {
        bail!(
            "--shard needs --seed S so that every shard walks the same order \
             (give every shard of the sweep the same S, e.g. --seed 1)"
        );
    }
    Ok((seed, shard))
}

/// The progress line on stderr: on a terminal, redrawn in place once the
/// sweep runs longer than about two seconds; elsewhere only on a status
/// request (SIGQUIT), one line each.
struct ProgressLine {
    terminal: bool,
    drawn: std::cell::Cell<bool>,
}

impl ProgressLine {
    fn new() -> Self {
        Self::on(io::stderr().is_terminal())
    }

    /// A line for a terminal or not.
    fn on(terminal: bool) -> Self {
        Self {
            terminal,
            drawn: std::cell::Cell::new(false),
        }
    }

    fn show(&self, counts: &SweepCounts) {
        let p = &counts.progress;
        #[allow(clippy::cast_precision_loss)] // display only
        let (hit, rate) = (
            if p.total == 0 {
                0.0
            } else {
                p.unique as f64 * 100.0 / p.total as f64
            },
            p.sent as f64 / counts.elapsed.as_secs_f64().max(1e-9),
        );
        #[allow(clippy::cast_precision_loss)] // display only
        let eta = if rate > 0.0 {
            format!("{:.0}s", p.total.saturating_sub(p.sent) as f64 / rate)
        } else {
            "-".to_owned()
        };
        let line = format!(
            "sent {} / {}, received {}, hits {hit:.2}%, refused {}, {rate:.0} probes/s ETA {eta}",
            p.sent, p.total, p.unique, counts.refused
        );
        if !self.terminal {
            eprintln!("{line}");
        } else if counts.elapsed >= Duration::from_secs(2) {
            // Carriage return and erase-line: the line is redrawn in place.
            eprint!("\r\x1b[K{line}");
            self.drawn.set(true);
        }
    }

    fn finish(&self) {
        if self.drawn.get() {
            eprint!("\r\x1b[K");
        }
    }
}

#[cfg(test)]
mod tests;
