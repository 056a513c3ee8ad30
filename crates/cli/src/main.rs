//! `icmpkit`: the command-line front end. Each subcommand is a module that
//! turns parsed arguments into work done by the libraries; this file only
//! dispatches and maps errors to exit codes (0 success, 1 "not everything
//! answered" where a command has that notion, 2 usage or system error).

mod args;
mod decode;
mod escape;
mod exit;
mod explain;
mod fping;
mod guard;
mod input;
mod json_lines;
mod monitor;
mod mtr;
mod names;
mod netsim;
mod packaging;
mod personality;
mod ping;
mod policy;
mod sweep;
mod text;
mod trace;

use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{CommandFactory, Parser, Subcommand};

/// jemalloc, not glibc's malloc: a monitor of 10,000 targets keeps ~1.3
/// KB of RSS per target with glibc (its per-chunk headers, and freed
/// pages its arenas keep between `malloc_trim`s) and ~1 KB with jemalloc,
/// whose size classes carry no header and which gives freed pages back
/// by itself (BENCHMARKS.md, "icmpkit monitor").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Everything ICMP: decode captures, explain messages, ping, sweep, trace, mtr, firewall policy.
#[derive(Debug, Parser)]
#[command(name = "icmpkit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode the ICMP and ICMPv6 packets of a pcap/pcapng capture or of hex dumps.
    Decode(decode::Args),
    /// Explain an ICMP type and code (or a name such as frag-needed) in plain language.
    Explain(explain::Args),
    /// Ping one or more hosts, iputils-style (and fping-style for several).
    Ping(Box<ping::Args>),
    /// Ping many hosts as fping does: its options, output and exit codes.
    Fping(Box<fping::Args>),
    /// Discover the hosts of whole prefixes at high rate (stateless, zmap-class).
    Sweep(sweep::Args),
    /// Trace the path to a host: traceroute, multipath discovery, path MTU.
    Trace(Box<trace::Args>),
    /// Watch the path to a host live (mtr), telling rate limiting from loss.
    Mtr(Box<mtr::Args>),
    /// Monitor many targets continuously: metrics, history, graphs and alerts.
    Monitor(monitor::Args),
    /// Classify the ICMP traffic of a capture and detect its abuse, explaining every finding.
    Guard(guard::Args),
    /// Firewall rules for ICMP that keep diagnostics and path-MTU discovery working.
    Policy(policy::Args),
    /// Emulate a network of routers and hosts behind a TUN device (delay, loss, MTU, ICMP errors).
    Netsim(netsim::Args),
    /// Print a shell completion script (for packages).
    #[command(hide = true)]
    Completions(packaging::CompletionsArgs),
    /// Write the manual pages into a directory (for packages).
    #[command(hide = true)]
    Manpages(packaging::ManpagesArgs),
}

fn main() -> ExitCode {
    // Run as `ping`, `traceroute`, ...: that tool (`personality`).
    let mut argv = std::env::args_os();
    if let Some(argv0) = argv.next() {
        // fping has a parser of its own (its refusals exit 1, as fping's).
        if personality::base_name(&argv0) == Some("fping") {
            let name = PROGRAM.get_or_init(|| argv0.to_string_lossy().into_owned());
            return match fping::parse(std::iter::once(argv0.clone()).chain(argv)) {
                Ok(args) => finish(name, fping::run(&args)),
                Err(code) => code,
            };
        }
        if let Some(tool) = personality::Tool::from_program(&argv0) {
            let name = PROGRAM.get_or_init(|| argv0.to_string_lossy().into_owned());
            return personality::run(tool, name, argv);
        }
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Ping(args) => ping::run(&args),
        Command::Fping(args) => fping::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Mtr(args) => mtr::run(&args),
        Command::Monitor(args) => monitor::run(&args),
        Command::Guard(args) => guard::run(&args),
        Command::Policy(args) => policy::run(&args),
        Command::Netsim(args) => netsim::run(&args),
        Command::Completions(args) => packaging::completions(&args, Cli::command()),
        Command::Manpages(args) => packaging::manpages(&args, Cli::command()),
    };
    finish("icmpkit", result)
}

/// The name run as, when it is a tool's (`personality`): messages start
/// with it.
static PROGRAM: OnceLock<String> = OnceLock::new();

/// The name messages start with: `icmpkit`, or the tool's name as run
/// (`ping: warning: ...`).
fn program() -> &'static str {
    PROGRAM.get().map_or("icmpkit", String::as_str)
}

/// The exit code of a command's `result`; an error is printed as
/// `PROGRAM: error` (a closed pipe is no error).
fn finish(program: &str, result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            // A closed pipe (`icmpkit decode big.pcap | head`) is not an error.
            if error
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("{program}: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
