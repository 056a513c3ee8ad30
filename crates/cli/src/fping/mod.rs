//! `icmpkit fping`: fping 5 for scripts, its options, output and exit
//! codes, over the several-target machine of `icmpkit_proto::multi`.
//!
//! - [`args`]: fping's options ([`Args`], also a top-level clap command
//!   named `fping`, for a link of that name) checked into [`args::Options`]
//!   with fping's defaults (timeout 500 ms, 3 retries, backoff 1.5,
//!   interval 10 ms, period 1000 ms; in count and loop modes the wait is
//!   the period up to 2 s and there are no retries).
//! - [`targets`]: the arguments, `-f FILE` or standard input, `-g`; names
//!   resolved once, those that fail warned about and counted.
//! - The machine is `MultiPing` with fping's schedule (`-i` as a rate,
//!   `-p`, `-t`, `-r`, `-B`), sockets as `ping`'s several-target mode
//!   opens them (`ping::multi::open`); [`render`] prints its events.
//! - Exit codes as fping 5 exits: 0 every target alive, 1 some
//!   unreachable, 2 a name not found, 4 a system call failed; a bad
//!   option exits 1, as fping 5.1 does (its manual says 3, its code
//!   exits 1). With `-x N`: 0 when at least N targets are alive, else 1.
//!   Messages start with `fping: `.

pub mod args;
mod render;
pub mod targets;
#[cfg(test)]
mod tests;

use std::io::{self, Write};
use std::process::ExitCode;

use icmpkit_driver::real::SocketOptions;
use icmpkit_proto::multi::{MultiConfig, MultiPing, MultiPingConfig};

pub use args::Args;
use args::{Mode, Options};
use render::Render;

use crate::ping::multi::open;
use crate::ping::sockets::icmp_plan;

/// Why a run could not go on, as fping tells it.
#[derive(Debug)]
pub enum Failure {
    /// A bad value: the message and where to read the usage, exit 1.
    Usage(String),
    /// A refusal in fping's own words (`specify only one of a, u`): the
    /// message alone, exit 1.
    Refused(String),
    /// A system call failed: the message, exit 4.
    System(String),
}

/// fping's exit code for a bad option (fping 5 exits 1, not the 3 its
/// manual gives).
pub const USAGE: u8 = 1;
/// fping's exit code for a failed system call.
pub const SYSTEM: u8 = 4;

/// An OS error's text without Rust's ` (os error N)`, as `strerror` has it.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Parses fping's command line (`argv[0]` first) and reports a bad one
/// as fping does: `fping: ...` and where to read the usage on stderr,
/// exit 1; `-h` prints the help, exit 0. For a link named `fping`, whose
/// options are not those of an `icmpkit` subcommand.
#[allow(dead_code, reason = "for the dispatch of a link named fping")]
pub fn parse<I, T>(argv: I) -> Result<Args, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::Parser;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    Args::try_parse_from(&argv).map_err(|e| {
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or("bad arguments");
        let name = argv
            .first()
            .map_or_else(|| "fping".into(), |a| a.to_string_lossy().into_owned());
        let last = argv.last().map(|a| a.to_string_lossy().into_owned());
        // getopt's words, as fping prints them, for a short option.
        match (
            e.kind(),
            e.get(ContextKind::InvalidArg),
            e.get(ContextKind::InvalidValue),
        ) {
            (ErrorKind::UnknownArgument, Some(ContextValue::String(flag)), _) => {
                match flag.strip_prefix("--") {
                    // fping's own option parser names a long one whole.
                    Some(long) => eprintln!("{name}: invalid option -- '{long}'"),
                    None => eprintln!("{name}: {}", crate::personality::invalid_option(flag)),
                }
            }
            (ErrorKind::InvalidValue, _, Some(ContextValue::String(v)))
                if v.is_empty() && last.as_deref().is_some_and(|l| !l.starts_with("--")) =>
            {
                let letter = last
                    .as_deref()
                    .and_then(|l| l.chars().last())
                    .unwrap_or('-');
                eprintln!("{name}: option requires an argument -- '{letter}'");
            }
            _ => eprintln!("{name}: {}", first.strip_prefix("error: ").unwrap_or(first)),
        }
        eprintln!("see 'fping -h' for usage information");
        ExitCode::from(USAGE)
    })
}

/// Runs `icmpkit fping` (or `fping` through a link of that name).
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match execute(args) {
        Ok(code) => Ok(code),
        Err(Outcome::Failed(Failure::Usage(message))) => {
            eprintln!("fping: {message}");
            eprintln!("see 'fping -h' for usage information");
            Ok(ExitCode::from(USAGE))
        }
        Err(Outcome::Failed(Failure::Refused(message))) => {
            eprintln!("fping: {message}");
            Ok(ExitCode::from(USAGE))
        }
        Err(Outcome::Failed(Failure::System(message))) => {
            eprintln!("fping: {message}");
            Ok(ExitCode::from(SYSTEM))
        }
        Err(Outcome::Output(e)) => Err(e.into()),
    }
}

/// How a run ended early.
#[derive(Debug)]
enum Outcome {
    Failed(Failure),
    /// Writing the output failed (a closed pipe is left to `main`).
    Output(io::Error),
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Self::Failed(f)
    }
}

impl From<io::Error> for Outcome {
    fn from(e: io::Error) -> Self {
        Self::Output(e)
    }
}

fn execute(args: &Args) -> Result<ExitCode, Outcome> {
    if args.version {
        println!("fping: Version {} (icmpkit)", env!("CARGO_PKG_VERSION"));
        return Ok(ExitCode::SUCCESS);
    }
    let options = args.options()?;
    let specs = targets::specs(args)?;
    let targets = targets::resolve(&specs, &options, |why| {
        if !options.quiet {
            eprintln!("{why}");
        }
    });
    if targets.list.is_empty() {
        return Ok(ExitCode::from(if targets.not_found > 0 { 2 } else { 1 }));
    }
    let socket_options = SocketOptions {
        tos: options.tos,
        ttl: options.ttl,
        pmtu: options.pmtu,
        device: options.device.clone(),
        source: options.source,
        timestamps: true,
        recv_buffer: Some(4 << 20),
        ..SocketOptions::receiving()
    };
    let mut opened = open(
        &targets.list.iter().map(|t| t.addr).collect::<Vec<_>>(),
        |versions, raw_ident| icmp_plan(options.socket, &socket_options, versions, Some(raw_ident)),
    )
    .map_err(|e| Failure::System(format!("{e:#}")))?;
    let config = config(
        &options,
        &targets.list,
        opened.nonce,
        opened.ident_v4,
        opened.ident_v6,
    );
    let output = (io::stdout().lock(), io::BufWriter::new(io::stderr()));
    let (transport, signals) = (&mut opened.transport, &opened.signals);
    session(&options, &targets, config, transport, signals, output)
}

/// Runs the machine of `config` over `transport`, rendering to
/// `(stdout, stderr)`, then prints what follows the run; the exit code.
fn session<T: icmpkit_driver::Transport + ?Sized>(
    options: &Options,
    targets: &targets::Targets,
    config: MultiPingConfig,
    transport: &mut T,
    signals: &icmpkit_driver::Signals,
    (out, err): (impl Write, impl Write),
) -> Result<ExitCode, Outcome> {
    let started = transport.now();
    let mut machine = MultiPing::new(config, started);
    let mut render = Render {
        options,
        targets: &targets.list,
        out,
        err,
        width: targets.list.iter().map(|t| t.name.len()).max().unwrap_or(0),
        summing_up: false,
        icmpv6_errors: 0,
    };
    let drove = icmpkit_driver::drive(&mut machine, transport, signals, |m, event| {
        let result = render.event(m, event);
        render.err.flush().and(result)
    });
    if let Err(e) = drove {
        return match e {
            icmpkit_driver::DriveError::Output(e) => Err(e.into()),
            other @ icmpkit_driver::DriveError::Transport(_) => {
                Err(Failure::System(other.to_string()).into())
            }
        };
    }
    let alive = (0..targets.list.len())
        .filter(|&t| machine.tally(t).received > 0)
        .count() as u64;
    if options.stats {
        let elapsed = transport.now().saturating_duration_since(started);
        render.stats(&machine, targets.not_found, alive, elapsed)?;
    }
    if let Some(required) = options.min_reachable {
        let enough = alive >= required;
        writeln!(
            render.out,
            "{} hosts reachable (required: {required}, reachable: {alive})",
            if enough { "Enough" } else { "Not enough" }
        )?;
        render.out.flush()?;
        return Ok(ExitCode::from(u8::from(!enough)));
    }
    render.out.flush()?;
    Ok(if targets.not_found > 0 {
        ExitCode::from(2)
    } else if alive < targets.list.len() as u64 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `len` random bytes (at least one).
fn random_fill(len: usize) -> Vec<u8> {
    let mut fill = Vec::with_capacity(len.max(1) + 16);
    while fill.len() < len.max(1) {
        fill.extend_from_slice(&crate::input::random_bytes::<16>());
    }
    fill.truncate(len.max(1));
    fill
}

/// The machine's configuration for `options` and `targets`.
fn config(
    options: &Options,
    targets: &[targets::Target],
    nonce: u64,
    ident_v4: u16,
    ident_v6: u16,
) -> MultiPingConfig {
    MultiPingConfig {
        schedule: MultiConfig {
            rate: options.rate(),
            count: options.count(),
            period: options.period,
            timeout: options.timeout,
            retries: options.retries,
            backoff_milli: options.backoff_milli,
            anchored: false,
        },
        targets: targets.iter().map(|t| t.addr).collect(),
        payload_len: options.size,
        // fping sends zeros, or with -R random bytes (here drawn once per
        // run: the whole payload but our identification).
        pattern: if options.random_data {
            random_fill(options.size)
        } else {
            vec![0]
        },
        nonce,
        ident_v4,
        ident_v6,
        deadline: None,
        keep_rtts: matches!(
            options.mode,
            Mode::Count {
                per_probe_rtts: true,
                ..
            }
        ),
        report_every: options.report_every,
    }
}
