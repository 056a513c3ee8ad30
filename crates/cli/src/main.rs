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
mod input;
mod json_lines;
mod mtr;
mod names;
mod ping;
mod policy;
mod sweep;
mod text;
mod trace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Firewall rules for ICMP that keep diagnostics and path-MTU discovery working.
    Policy(policy::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Ping(args) => ping::run(&args),
        Command::Fping(args) => fping::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Mtr(args) => mtr::run(&args),
        Command::Policy(args) => policy::run(&args),
    };
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
            eprintln!("icmpkit: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
