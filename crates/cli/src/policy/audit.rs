//! `icmpkit policy audit [FILE | --live]`: what a ruleset does with every
//! ICMP and ICMPv6 message, and what that breaks or exposes.
//!
//! Reads `nft -j list ruleset` JSON or iptables-save text (from a file,
//! stdin, or `nft` itself with `--live`), hands it to
//! `icmpkit_guard::policy::audit`, prints the tables and findings (or JSON
//! lines), and exits 1 when something is broken, exposed or could not be
//! evaluated, 0 when clean; unreadable input is an error (exit 2).

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use icmpkit_guard::policy::Role;
use icmpkit_guard::policy::audit::{self, Format};

use crate::exit::Exit;
use crate::json_lines::JsonLines;

/// Options of `icmpkit policy audit`.
#[derive(Debug, clap::Args)]
#[command(override_usage = "icmpkit policy audit [OPTIONS] <FILE | --live>")]
pub struct Args {
    /// The ruleset: `nft -j list ruleset` output or iptables-save text
    /// (`-` for stdin).
    #[arg(required_unless_present = "live", conflicts_with = "live")]
    file: Option<PathBuf>,
    /// Audit the ruleset loaded in this network namespace (runs `nft -j list ruleset`,
    /// or with `--format iptables` `iptables-save` and `ip6tables-save`).
    #[arg(long)]
    live: bool,
    /// What the file is (default: JSON when it starts with `{`, else iptables-save).
    #[arg(long, value_parser = parse_format, value_name = "nft-json|iptables")]
    format: Option<Format>,
    /// The machine's role; `host` leaves the forward hook out.
    #[arg(long, value_parser = parse_role, value_name = "host|router|firewall")]
    role: Option<Role>,
    /// JSON lines: a `treatment` per row, a `finding` each, a `summary`.
    #[arg(long)]
    json: bool,
}

fn parse_format(text: &str) -> Result<Format, String> {
    match text {
        "nft-json" | "nft" | "json" => Ok(Format::NftJson),
        "iptables" | "ip6tables" | "iptables-save" => Ok(Format::Iptables),
        _ => Err("expected nft-json or iptables".to_owned()),
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::ALL
        .into_iter()
        .find(|r| r.name() == text)
        .ok_or_else(|| "expected host, router or firewall".to_owned())
}

/// Runs `icmpkit policy audit`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (text, format) = if args.live {
        match args.format {
            Some(Format::Iptables) => {
                let mut text = live_tool("iptables-save", &[], "the iptables package")?;
                text.push_str(&live_tool("ip6tables-save", &[], "the iptables package")?);
                (text, Some(Format::Iptables))
            }
            _ => (
                live_tool("nft", &["-j", "list", "ruleset"], "the nftables package")?,
                Some(Format::NftJson),
            ),
        }
    } else {
        let path = args.file.as_deref().context("a ruleset file or --live")?;
        let text = if path.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .context("read the ruleset from stdin")?;
            text
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("read the ruleset {}", path.display()))?
        };
        (text, args.format)
    };
    let name = args.file.as_ref().map_or_else(
        || "the live ruleset".to_owned(),
        |p| p.display().to_string(),
    );
    let audit = audit::audit(&text, format).with_context(|| format!("{name} is not a ruleset"))?;
    let mut out = io::stdout().lock();
    if args.json {
        let mut lines = JsonLines::new(&mut out);
        for record in audit::json_records(&audit, args.role) {
            let kind = record
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("record")
                .to_owned();
            lines.emit(&kind, record)?;
        }
    } else {
        out.write_all(audit::text(&audit, args.role).as_bytes())?;
    }
    let exit = if audit.is_clean(args.role) {
        Exit::Success
    } else {
        Exit::Unanswered
    };
    Ok(exit.into())
}

/// What `program args` prints in this namespace (`nft -j list ruleset`,
/// `iptables-save`); `package` names what installs it.
fn live_tool(program: &str, args: &[&str], package: &str) -> anyhow::Result<String> {
    let shown = std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let output = match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            bail!(
                "{program} is not installed ({package}): --live needs it; or pass a file of `{shown}` output"
            )
        }
        Err(e) => return Err(e).with_context(|| format!("run {shown}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("Operation not permitted") || stderr.contains("Permission denied") {
            bail!(
                "{program} may not read the ruleset: it needs CAP_NET_ADMIN (run as root, or with that capability): {}",
                stderr.trim()
            );
        }
        bail!("{shown} failed: {}", stderr.trim());
    }
    String::from_utf8(output.stdout)
        .with_context(|| format!("{program} printed text that is not UTF-8"))
}
