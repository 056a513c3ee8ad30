//! `icmpkit policy verify RULESET`: builds the trace lab of `lab/lib.sh`
//! in throwaway namespaces, loads the ruleset on the machine its role
//! protects (the client for a host, r1 for a router or firewall), and
//! proves with real traffic that diagnostics and path-MTU discovery work
//! and the abused types are dropped. The checks and their judgement are
//! `icmpkit_guard::policy::verify`'s; this module runs the probes
//! ([`probe`]) and prints a table (or JSON lines) as checks finish.
//!
//! IPv4 and IPv6 run side by side, each version's checks in order (the
//! flood last: it empties the echo limit of its source). Exit status: 0
//! every check passed (or was skipped for a missing tool), 1 one failed,
//! 2 the ruleset could not be read or loaded, or no root.
//!
//! Only the IP versions the rulesets filter are checked (a `table ip`
//! leaves IPv6 alone, and says so). JSON lines: `check` records and a
//! `summary`, as `crate::json_lines` documents them.

mod lab;
mod probe;

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context as _, bail};
use icmpkit_guard::policy::verify::{
    Check, Observation, Outcome, Probe, RulesetFormat, Target, Verdict, checks_for, judge,
};
use icmpkit_guard::policy::{IpVersion, Role};
use serde_json::json;

use crate::json_lines::JsonLines;
use lab::{Addresses, Lab, protected_machine};
use probe::{FLOOD_COUNT, FLOOD_INTERVAL, PING_COUNT, PING_INTERVAL, TraceTool};

/// Options of `icmpkit policy verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Needs root: it builds network namespaces (CAP_SYS_ADMIN, CAP_NET_ADMIN) and \
opens raw sockets (CAP_NET_RAW). Traffic stays inside the namespaces it makes \
(documentation addresses), which are removed at the end, on Ctrl-C too. \
Uses ip (iproute2), bash and python3 to build them, nft or iptables-restore \
to load the ruleset, and traceroute and tracepath when installed.

Examples:
  sudo icmpkit policy verify ruleset.nft
  sudo icmpkit policy verify --role router --json router.nft
  sudo icmpkit policy verify rules.v4 rules.v6      (iptables-restore, ip6tables-restore)")]
pub struct Args {
    /// The ruleset: nftables (`nft -f`) or iptables-restore/ip6tables-restore text;
    /// several files are loaded in order (e.g. one for iptables, one for ip6tables).
    #[arg(value_name = "RULESET", required = true)]
    rulesets: Vec<PathBuf>,
    /// The machine it protects [default: router when it has a forward hook, else host].
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// How to load them [default: told from each file's text].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

/// `--role`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Host,
    Router,
    Firewall,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Host => Role::Host,
            RoleArg::Router => Role::Router,
            RoleArg::Firewall => Role::Firewall,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// nftables, loaded with `nft -f`.
    Nft,
    /// iptables-restore text (IPv4).
    Iptables,
    /// ip6tables-restore text (IPv6).
    Ip6tables,
}

impl From<FormatArg> for RulesetFormat {
    fn from(format: FormatArg) -> RulesetFormat {
        match format {
            FormatArg::Nft => RulesetFormat::Nft,
            FormatArg::Iptables => RulesetFormat::Iptables,
            FormatArg::Ip6tables => RulesetFormat::Ip6tables,
        }
    }
}

/// Runs `icmpkit policy verify`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut rulesets = Vec::new();
    let mut versions = Vec::new();
    for path in &args.rulesets {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let format = args
            .format
            .map_or_else(|| RulesetFormat::detect(&text), RulesetFormat::from);
        rulesets.push((path.as_path(), format, format.infer_role(&text)));
        for version in format.versions(&text) {
            if !versions.contains(&version) {
                versions.push(version);
            }
        }
    }
    versions.sort_unstable();
    if versions.is_empty() {
        bail!(
            "{} filter neither IPv4 nor IPv6 (no ip, ip6 or inet table): nothing to verify",
            args.rulesets
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let role = args.role.map_or_else(
        || {
            if rulesets.iter().any(|&(_, _, role)| role.forwards()) {
                Role::Router
            } else {
                Role::Host
            }
        },
        Role::from,
    );
    let names = args
        .rulesets
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    if !icmpkit_net::privilege::is_root() {
        bail!(
            "policy verify needs root: it builds network namespaces (CAP_SYS_ADMIN, \
             CAP_NET_ADMIN) and opens raw sockets (CAP_NET_RAW); run it with sudo"
        );
    }
    let exe = std::env::current_exe().context("cannot find this program to run its trace")?;
    let machine = protected_machine(role);
    let lab = Lab::up()?;
    for &(path, format, _) in &rulesets {
        lab.load(machine, path, format)?;
    }
    let report = Mutex::new(Report::new(args.json));
    report_start(&report, &names, role, machine, &lab, &versions);
    std::thread::scope(|scope| {
        for &version in &versions {
            let (lab, exe, report) = (&lab, &exe, &report);
            scope.spawn(move || run_version(lab, role, version, exe, report));
        }
    });
    drop(lab);
    let report = report
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    report.finish(&names, role, machine, &versions)?;
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the checks of one IP version in order, reporting each as it
/// finishes; the abused messages go out together.
fn run_version(lab: &Lab, role: Role, version: IpVersion, exe: &Path, report: &Mutex<Report>) {
    let addrs = Addresses::of(version);
    let machine = protected_machine(role);
    let machine_addr = if role.forwards() {
        addrs.r1_outside
    } else {
        addrs.client
    };
    let checks = checks_for(role, version);
    let abused: Vec<Check> = checks
        .iter()
        .filter(|c| matches!(c.probe, Probe::Abused { .. }))
        .copied()
        .collect();
    let mut abused_done = false;
    for check in &checks {
        let observation = match check.probe {
            Probe::PingOut => probe::echoes(
                lab,
                "client",
                version,
                addrs.server,
                PING_COUNT,
                PING_INTERVAL,
            ),
            Probe::PingIn => probe::echoes(
                lab,
                "server",
                version,
                addrs.client,
                PING_COUNT,
                PING_INTERVAL,
            ),
            Probe::LargePing { target } => {
                let dst = match target {
                    Target::Machine => machine_addr,
                    Target::Transit => addrs.client,
                };
                probe::large_echoes(lab, "server", version, dst)
            }
            Probe::Flood => probe::echoes(
                lab,
                "server",
                version,
                machine_addr,
                FLOOD_COUNT,
                FLOOD_INTERVAL,
            ),
            Probe::Traceroute => probe::trace(lab, version, TraceTool::Traceroute),
            Probe::IcmpkitTrace => probe::trace(lab, version, TraceTool::Icmpkit(exe)),
            Probe::Transfer => probe::transfer(lab, version),
            Probe::Tracepath => probe::tracepath(lab, version),
            Probe::Abused { .. } => {
                if !abused_done {
                    abused_done = true;
                    let seen = probe::abused(lab, version, machine, machine_addr, &abused);
                    for (check, observation) in abused.iter().zip(&seen) {
                        record(report, check, observation);
                    }
                }
                continue;
            }
        };
        record(report, check, &observation);
    }
}

fn record(report: &Mutex<Report>, check: &Check, observation: &Observation) {
    let outcome = judge(check, observation);
    let mut report = report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // A closed output is no reason to stop the checks (the exit status
    // still tells).
    let _ = report.check(check, &outcome);
}

fn report_start(
    report: &Mutex<Report>,
    ruleset: &str,
    role: Role,
    machine: &str,
    lab: &Lab,
    versions: &[IpVersion],
) {
    let report = report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !report.json {
        println!(
            "policy verify: {ruleset} as a {role}, loaded on {machine} ({}); traffic from outside comes from the server",
            lab.ns(machine),
        );
        for version in [IpVersion::V4, IpVersion::V6] {
            if !versions.contains(&version) {
                println!(
                    "IPv{} is not filtered by {ruleset}: not checked",
                    version.number()
                );
            }
        }
        println!("{:<32} {:<6} reason", "check", "result");
    }
}

/// The table or JSON lines, and the counts.
struct Report {
    json: bool,
    lines: JsonLines<io::Stdout>,
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl Report {
    fn new(json: bool) -> Report {
        Report {
            json,
            lines: JsonLines::new(io::stdout()),
            passed: 0,
            failed: 0,
            skipped: 0,
        }
    }

    fn check(&mut self, check: &Check, outcome: &Outcome) -> io::Result<()> {
        match outcome.verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Skip => self.skipped += 1,
        }
        if self.json {
            self.lines.emit(
                "check",
                json!({
                    "name": check.name(),
                    "version": check.version.number(),
                    "result": outcome.verdict.name(),
                    "reason": outcome.reason,
                    "proves": check.proves(),
                    "on_failure": check.on_failure(),
                }),
            )?;
            self.lines.flush()
        } else {
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "{:<32} {:<6} {}",
                check.name(),
                outcome.verdict.label(),
                outcome.reason
            )?;
            out.flush()
        }
    }

    fn finish(
        &self,
        ruleset: &str,
        role: Role,
        machine: &str,
        versions: &[IpVersion],
    ) -> anyhow::Result<()> {
        if self.json {
            let mut lines = JsonLines::new(io::stdout());
            lines.emit(
                "summary",
                json!({
                    "ruleset": ruleset,
                    "role": role.name(),
                    "machine": machine,
                    "versions": versions.iter().map(|v| v.number()).collect::<Vec<_>>(),
                    "passed": self.passed,
                    "failed": self.failed,
                    "skipped": self.skipped,
                }),
            )?;
            lines.flush()?;
        } else {
            let verdict = if self.failed == 0 {
                "the ruleset keeps diagnostics and path-MTU discovery working and drops the abused types"
            } else {
                "the ruleset FAILS"
            };
            println!(
                "{} passed, {} failed, {} skipped: {verdict}",
                self.passed, self.failed, self.skipped
            );
        }
        Ok(())
    }
}
