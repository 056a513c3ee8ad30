//! `icmpkit policy`: firewall rules for ICMP that keep diagnostics and
//! path-MTU discovery working — generate them, audit an existing ruleset,
//! verify one with real traffic in throwaway namespaces. The decisions are
//! `icmpkit_guard::policy`'s; this module reads options and files, runs
//! `nft`, and prints.

mod audit;
mod generate;
mod verify;

use std::process::ExitCode;

use clap::Subcommand;

/// `icmpkit policy` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a ruleset for a host, router or firewall (nftables or iptables-restore).
    Generate(generate::Args),
    /// Tell what an existing ruleset does with every ICMP type, and what that breaks or exposes.
    Audit(audit::Args),
    /// Load a ruleset in throwaway namespaces and check it with real traffic.
    Verify(verify::Args),
}

/// Runs `icmpkit policy ...`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Generate(args) => generate::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Verify(args) => verify::run(args),
    }
}
