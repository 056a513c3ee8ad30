//! `icmpkit policy verify` (SKELETON: the helper who owns this file fills it in).

use std::process::ExitCode;

/// Options of `icmpkit policy verify`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `icmpkit policy verify`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not built yet")
}
