//! `icmpkit decode`: one line (or JSON object) per ICMP packet of a capture.

mod hex;

use std::process::ExitCode;

use anyhow::Result;

/// Arguments of `icmpkit decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per ICMP packet instead of text.
    #[arg(long)]
    json: bool,
    /// Read hex dumps of IP packets (one per paragraph) instead of a capture.
    #[arg(long)]
    hex: bool,
    /// A pcap or pcapng file, or `-` for standard input.
    #[arg(default_value = "-")]
    input: String,
}

/// Runs `icmpkit decode`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let _ = (args.json, args.hex, &args.input, hex::parse_packets);
    Ok(ExitCode::SUCCESS)
}
