//! `icmpkit policy generate`: the ruleset for a role, as nftables or
//! iptables-restore text, on stdout or in a file.
//!
//! iptables has one table per IP version, so `--format iptables` with
//! `--family inet` (the default) gives two texts: with `-o FILE` they go
//! to `FILE.v4` (for `iptables-restore`) and `FILE.v6` (for
//! `ip6tables-restore`), the names iptables-persistent loads at boot from
//! `/etc/iptables/rules.v4` and `rules.v6`; on stdout they follow each
//! other, each under a banner line naming its command.

use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use icmpkit_guard::policy::rules::{Options, decide};
use icmpkit_guard::policy::{IpVersion, Rate, RateKey, RateUnit, Role, TableFamily, iptables, nft};

use crate::args::{AddrSpec, named};

/// Options of `icmpkit policy generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the machine does: host (traffic to and from itself), router
    /// (forwards, stateless: no connection tracking, errors always pass), firewall
    /// (forwards, stateful: errors in transit pass when they concern a
    /// tracked flow).
    #[arg(long, value_enum)]
    role: RoleArg,
    /// IP versions: inet (both, one table), ip (IPv4), ip6 (IPv6).
    #[arg(long, value_enum, default_value = "inet")]
    family: FamilyArg,
    /// Output: nft (`nft -f`) or iptables (`iptables-restore`, and
    /// `ip6tables-restore` for IPv6).
    #[arg(long, value_enum, default_value = "nft")]
    format: Format,
    /// Answer echo requests only to this address or prefix (repeat for
    /// more); others are dropped. Default: every address. A router or
    /// firewall needs --outside: only echo requests arriving there are
    /// restricted.
    #[arg(long = "ping-host", value_name = "ADDR[/LEN]")]
    ping_hosts: Vec<String>,
    /// Router or firewall: IFACE faces the untrusted side. --ping-host
    /// restricts only the echo requests arriving on it, so that clients
    /// inside can still ping out and ping this machine.
    #[arg(long, value_name = "IFACE")]
    outside: Option<String>,
    /// Echo requests accepted per source and second (IPv6 sources by /64;
    /// in transit per source and destination).
    #[arg(long, value_name = "N/s", default_value = "5/s")]
    echo_rate: String,
    /// Echo requests accepted at once from a source before --echo-rate
    /// applies.
    #[arg(long, value_name = "N", default_value = "10")]
    echo_burst: String,
    /// Log dropped ICMP (prefix "icmpkit drop: "), at most 10 messages a
    /// minute per rule.
    #[arg(long)]
    log_drops: bool,
    /// Router or firewall: drop the Time Exceeded and Unreachable messages
    /// leaving by IFACE (the outside), so that the network behind does not
    /// show in outside traceroutes. Fragmentation Needed and Packet Too
    /// Big still leave.
    #[arg(long, value_name = "IFACE")]
    hide_topology: Option<String>,
    /// Write to FILE instead of stdout (iptables with --family inet:
    /// FILE.v4 and FILE.v6).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Host,
    Router,
    Firewall,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FamilyArg {
    Inet,
    Ip,
    Ip6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Nft,
    Iptables,
}

/// Runs `icmpkit policy generate`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let options = options(args)?;
    for warning in warnings(&options) {
        eprintln!("icmpkit: {warning}");
    }
    let policy = decide(&options);
    match args.format {
        Format::Nft => emit(args.output.as_deref(), &nft::render(&policy))?,
        Format::Iptables => {
            let texts = iptables::render(&policy);
            match (args.output.as_deref(), texts.as_slice()) {
                (output, [one]) => emit(output, &one.text)?,
                (Some(path), texts) => {
                    for text in texts {
                        let file = versioned(path, text.version);
                        write(&file, &text.text)?;
                        eprintln!("icmpkit: wrote {} (for {})", file.display(), text.command());
                    }
                }
                (None, texts) => print!("{}", joined(texts)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The options, checked; every error names the option and the fix.
fn options(args: &Args) -> Result<Options> {
    let role = match args.role {
        RoleArg::Host => Role::Host,
        RoleArg::Router => Role::Router,
        RoleArg::Firewall => Role::Firewall,
    };
    let family = match args.family {
        FamilyArg::Inet => TableFamily::Inet,
        FamilyArg::Ip => TableFamily::Ip,
        FamilyArg::Ip6 => TableFamily::Ip6,
    };
    let mut options = Options::new(role);
    options.family = family;
    options.echo_rate = Rate {
        per_second: echo_rate(&args.echo_rate)?,
        unit: RateUnit::Second,
        burst: u32::try_from(named::integer(
            "--echo-burst",
            &args.echo_burst,
            1,
            MAX_RATE,
        )?)?,
        key: RateKey::Source,
    };
    options.ping_hosts = args
        .ping_hosts
        .iter()
        .map(|spec| ping_host(spec, family))
        .collect::<Result<_>>()?;
    options.log_drops = args.log_drops;
    if let Some(iface) = &args.hide_topology {
        if role == Role::Host {
            bail!(
                "--hide-topology: a host forwards nothing, so there is no network behind it to hide; \
                 use it with --role router or --role firewall"
            );
        }
        options.hide_topology = Some(interface("--hide-topology", iface)?);
    }
    if let Some(iface) = &args.outside {
        if role == Role::Host {
            bail!(
                "--outside: a host forwards nothing, so it has no outside to tell from an inside; \
                 use it with --role router or --role firewall"
            );
        }
        options.outside = Some(interface("--outside", iface)?);
    }
    if role.forwards() && !options.ping_hosts.is_empty() && options.outside.is_none() {
        bail!(
            "--ping-host on a router or firewall needs --outside IFACE (the interface facing the \
             untrusted side), so that clients inside can still ping out"
        );
    }
    Ok(options)
}

/// The largest rate and burst accepted.
const MAX_RATE: u64 = 100_000;

/// `--echo-rate N/s` (also `N/sec`, `N/second`, or a bare `N`).
fn echo_rate(value: &str) -> Result<u32> {
    let number = ["/second", "/sec", "/s"]
        .iter()
        .find_map(|unit| value.trim().strip_suffix(unit))
        .unwrap_or(value);
    let fix = || {
        format!("--echo-rate {value}: use N/s with N from 1 to {MAX_RATE}, e.g. --echo-rate 5/s")
    };
    let n = number
        .trim()
        .parse::<u64>()
        .map_err(|_| anyhow::anyhow!(fix()))?;
    if !(1..=MAX_RATE).contains(&n) {
        bail!(fix());
    }
    Ok(u32::try_from(n)?)
}

/// One `--ping-host`: an address or prefix of a version the family
/// covers, without host bits set; given back in canonical form.
fn ping_host(spec: &str, family: TableFamily) -> Result<String> {
    let parsed: AddrSpec = spec
        .parse()
        .map_err(|e| anyhow::anyhow!("--ping-host {e}"))?;
    if parsed.scope.is_some() {
        bail!(
            "--ping-host {spec}: a firewall rule matches the address, not its scope; give {} alone",
            parsed.addr
        );
    }
    let version = match parsed.addr {
        IpAddr::V4(_) => IpVersion::V4,
        IpAddr::V6(_) => IpVersion::V6,
    };
    if !family.versions().contains(&version) {
        let (is, other) = match version {
            IpVersion::V4 => ("IPv4", "ip"),
            IpVersion::V6 => ("IPv6", "ip6"),
        };
        bail!(
            "--ping-host {spec}: an {is} address, but --family {} has no {is}; use --family inet or --family {other}",
            family.name()
        );
    }
    if let Some(len) = parsed.len {
        let network = network(parsed.addr, len);
        if network != parsed.addr {
            bail!(
                "--ping-host {spec}: host bits are set; use {network}/{len} (the prefix) or {} (the address)",
                parsed.addr
            );
        }
    }
    Ok(parsed.to_string())
}

/// The first address of the prefix `addr/len`.
fn network(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

/// `--hide-topology IFACE`, `--outside IFACE` (`option`): a Linux
/// interface name nft and iptables take literally.
fn interface(option: &str, name: &str) -> Result<String> {
    let bad = |c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | '\\' | '*' | '+');
    if name.is_empty() || name.len() > 15 || name.chars().any(bad) {
        bail!(
            "{option} {name:?}: not an interface name (1 to 15 characters, no '/', spaces, quotes or wildcards); \
             name the outside interface, e.g. {option} eth0"
        );
    }
    Ok(name.to_owned())
}

/// What the user should know about the options chosen.
fn warnings(options: &Options) -> Vec<String> {
    let mut warnings = Vec::new();
    if options.ping_hosts.is_empty() {
        if let Some(outside) = &options.outside {
            warnings.push(format!(
                "--outside {outside} does nothing without --ping-host: every echo request is limited, not restricted"
            ));
        }
        return warnings;
    }
    for &version in options.family.versions() {
        if options.ping_hosts_of(version).is_empty() {
            let name = match version {
                IpVersion::V4 => "IPv4",
                IpVersion::V6 => "IPv6",
            };
            let dropped = match &options.outside {
                Some(outside) => {
                    format!("every {name} echo request arriving on {outside} is dropped")
                }
                None => format!("every {name} echo request is dropped"),
            };
            warnings.push(format!("no {name} --ping-host given: {dropped}"));
        }
    }
    warnings
}

/// `FILE.v4` or `FILE.v6`.
fn versioned(path: &Path, version: IpVersion) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(match version {
        IpVersion::V4 => ".v4",
        IpVersion::V6 => ".v6",
    });
    PathBuf::from(name)
}

/// Both iptables texts on one stream, each under a banner naming its
/// command (the stream as a whole is for reading, not for a restore).
fn joined(texts: &[iptables::Restore]) -> String {
    let mut out = String::new();
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "# ======== {}: save this part on its own (or use -o FILE) ========",
            text.command()
        );
        out.push_str(&text.text);
    }
    out
}

/// `text` to `output`, or to stdout.
fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    if let Some(path) = output {
        return write(path, text);
    }
    print!("{text}");
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text)
        .with_context(|| format!("-o {}: cannot write the ruleset", path.display()))
}

#[cfg(test)]
mod tests;
