//! `icmpkit policy generate` (SKELETON: the helper who owns this file fills it in).

use std::process::ExitCode;

/// Options of `icmpkit policy generate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `icmpkit policy generate`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not built yet")
}
