//! `icmpkit guard`: classify the ICMP traffic of a capture or an interface
//! and detect its abuse, explaining every finding.
//!
//! The work is `icmpkit_guard::Guard`'s; this module reads the packets (a
//! pcap/pcapng file, standard input, or `-i IFACE` live through
//! `icmpkit_net::capture`, `CAP_NET_RAW` dropped once the socket is open),
//! hands them over in order, and writes what comes out: each finding as it
//! is raised, then a summary (text, or JSON lines with `--json`). Live, the
//! counts are also served at `/metrics` with `--listen` (`metrics`).

mod json;
mod live;
mod metrics;
mod text;

use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::Result;
use icmpkit_capture::{CaptureError, LinkType};
use icmpkit_guard::observe::{Captured, Direction, SECOND};
use icmpkit_guard::{Config, Finding, Guard, Severity};
use icmpkit_net::capture::CaptureStats;

use crate::args::prefix::{AddrSpec, AddrSpecError};
use crate::exit::Exit;

/// Arguments of `icmpkit guard`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  icmpkit guard capture.pcapng\n  \
                        icmpkit guard --json --fail-on high capture.pcap | jq .\n  \
                        tcpdump -w - icmp | icmpkit guard -")]
pub struct Args {
    /// Print one JSON object per finding (`alert`) and a final `summary`.
    #[arg(long)]
    json: bool,
    /// Exit with status 1 when a finding of this severity or worse was
    /// raised: info, low, medium or high.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Raise a finding about the same subject again only after this many
    /// seconds of capture time without it (repeats in between are counted).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    hold: u64,
    /// A legitimate IPv6 router of the link (its link-local address; repeat
    /// for each): router advertisements from any other are rogue. Without
    /// one, the first router seen advertising is taken as legitimate.
    #[arg(long = "router", value_name = "ADDR", value_parser = parse_router)]
    routers: Vec<IpAddr>,
    /// An on-link IPv4 prefix (repeatable), to judge whether a redirect's
    /// gateway is on the host's link; without one, the host's /24 is
    /// assumed.
    #[arg(long = "link", value_name = "PREFIX", value_parser = parse_link)]
    links: Vec<(IpAddr, u8)>,
    /// How many top sources and destinations the summary lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Capture live on this interface (`any`: every interface) instead of
    /// reading a file. Needs `CAP_NET_RAW`, dropped once the capture is open.
    #[arg(short = 'i', long, value_name = "IFACE", conflicts_with = "input")]
    interface: Option<String>,
    /// Live: put the interface in promiscuous mode, to see other hosts'
    /// traffic.
    #[arg(long, requires = "interface")]
    promiscuous: bool,
    /// Live: capture every packet, not only ICMP and fragments (lets the
    /// guard see the flows that errors quote; costs more).
    #[arg(long, requires = "interface")]
    all_traffic: bool,
    /// Live: serve Prometheus metrics at `http://ADDR/metrics`.
    #[arg(long, value_name = "ADDR", requires = "interface")]
    listen: Option<std::net::SocketAddr>,
    /// Live: stop after this many seconds (default: at Ctrl-C or SIGTERM).
    #[arg(long, value_name = "SECONDS", requires = "interface", value_parser = parse_duration)]
    duration: Option<std::time::Duration>,
    /// Live: stop after this many packets.
    #[arg(short = 'c', long, value_name = "N", requires = "interface")]
    count: Option<u64>,
    /// A pcap or pcapng file, or `-` for standard input.
    input: Option<String>,
}

/// An IPv6 router's address.
fn parse_router(s: &str) -> Result<IpAddr, String> {
    // A zone (`fe80::1%eth0`) says nothing an RA's source does not.
    let bare = s.split_once('%').map_or(s, |(addr, _)| addr);
    match bare.parse::<IpAddr>() {
        Ok(a @ IpAddr::V6(_)) => Ok(a),
        Ok(IpAddr::V4(_)) => Err(format!(
            "{s}: router advertisements are IPv6: give the router's link-local address, e.g. fe80::1"
        )),
        Err(_) => Err(format!("{s}: not an IPv6 address (e.g. fe80::1)")),
    }
}

/// `ADDR/LEN`, an on-link prefix.
fn parse_link(s: &str) -> Result<(IpAddr, u8), String> {
    let spec: AddrSpec = s.parse().map_err(|e: AddrSpecError| e.to_string())?;
    match (spec.addr, spec.len, spec.scope) {
        (IpAddr::V4(_), Some(len), None) if len > 0 => Ok((spec.addr, len)),
        (IpAddr::V6(_), _, _) => Err(format!(
            "{s}: --link takes an IPv4 prefix (an ICMPv6 redirect's rules need none), e.g. \
             192.0.2.0/24"
        )),
        (_, Some(0), None) => Err(format!(
            "{s}: a /0 link would hold every gateway: give the link's prefix, e.g. 192.0.2.0/24"
        )),
        _ => Err(format!(
            "{s}: give the link's prefix with its length, e.g. 192.0.2.0/24"
        )),
    }
}

/// Seconds (`60`, `0.5`) as a duration; also `netsim up --duration`.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let refused = || format!("'{s}' is not a number of seconds: use e.g. 60 or 0.5");
    let seconds: f64 = s.parse().map_err(|_| refused())?;
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(refused());
    }
    std::time::Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("'{s}' seconds is too long: give at most 10^9"))
        .and_then(|d| {
            if d.as_secs() > 1_000_000_000 {
                Err(format!("'{s}' seconds is too long: give at most 10^9"))
            } else {
                Ok(d)
            }
        })
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::from_name(s)
        .ok_or_else(|| format!("unknown severity '{s}': use info, low, medium or high"))
}

/// Writes findings and the summary in one of the output formats.
trait Renderer {
    /// Writes one finding as it is raised.
    fn finding(&mut self, out: &mut dyn Write, finding: &Finding) -> io::Result<()>;
    /// Writes the summary at the end.
    fn summary(&mut self, out: &mut dyn Write, guard: &mut Guard, end: &End<'_>) -> io::Result<()>;
}

/// How a run ended, for the summary.
#[derive(Debug, Clone, Copy)]
struct End<'a> {
    /// How many top talkers to list.
    top: usize,
    /// Why the input ended early (a damaged capture).
    error: Option<&'a str>,
    /// Live: what the kernel captured and dropped.
    capture: Option<CaptureStats>,
}

/// Refuses the live options on a file: clap's `requires` does not hold
/// when the file (which conflicts with `-i`) is given.
fn check_live_options(args: &Args) -> Result<()> {
    if args.interface.is_some() {
        return Ok(());
    }
    let given = [
        (args.listen.is_some(), "--listen"),
        (args.duration.is_some(), "--duration"),
        (args.count.is_some(), "--count"),
        (args.promiscuous, "--promiscuous"),
        (args.all_traffic, "--all-traffic"),
    ];
    if let Some((_, name)) = given.iter().find(|(set, _)| *set) {
        anyhow::bail!(
            "{name} is for a live capture: give -i IFACE instead of a file, or leave {name} out"
        );
    }
    Ok(())
}

/// Runs `icmpkit guard`.
pub fn run(args: &Args) -> Result<ExitCode> {
    check_live_options(args)?;
    let mut config = Config {
        hold: args.hold.saturating_mul(SECOND),
        ..Config::default()
    };
    config.detectors.spoof.routers.clone_from(&args.routers);
    config.detectors.spoof.links.clone_from(&args.links);
    // Live with the kernel's ICMP filter, a pair's ordinary packets never
    // reach the guard (only its fragments): what the capture shows cannot
    // prove a UDP or TCP packet was not sent.
    config.detectors.spoof.transport_flows = args.interface.is_none() || args.all_traffic;
    let mut guard = Guard::new(&config);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut renderer: Box<dyn Renderer> = if args.json {
        Box::new(json::Json)
    } else {
        Box::new(text::Text)
    };
    let (error, capture) = if let Some(interface) = &args.interface {
        let stats = live::run(args, interface, &mut guard, &mut *renderer, &mut out)?;
        (None, Some(stats))
    } else {
        let name = args.input.as_deref().unwrap_or("-");
        (read_file(name, &mut guard, &mut *renderer, &mut out)?, None)
    };
    guard.finish();
    drain(&mut guard, &mut *renderer, &mut out)?;
    let reason = error.as_ref().map(ToString::to_string);
    let end = End {
        top: args.top,
        error: reason.as_deref(),
        capture,
    };
    renderer.summary(&mut out, &mut guard, &end)?;
    out.flush()?;
    if let Some(error) = error {
        let name = args.input.as_deref().unwrap_or("-");
        return Err(anyhow::Error::new(error).context(format!("{name}: capture is damaged")));
    }
    let failed = args
        .fail_on
        .is_some_and(|threshold| guard.worst().is_some_and(|worst| worst >= threshold));
    Ok(if failed { Exit::Flagged } else { Exit::Success }.into())
}

/// Reads a capture file (or standard input, `-`) into the guard.
fn read_file(
    name: &str,
    guard: &mut Guard,
    renderer: &mut dyn Renderer,
    out: &mut dyn Write,
) -> Result<Option<CaptureError>> {
    if name == "-" && io::stdin().is_terminal() {
        eprintln!("icmpkit guard: reading a capture from standard input (Ctrl-D to end)");
    }
    read_capture(crate::input::open(name)?, name, guard, renderer, out)
}

/// Writes every finding raised and not yet written.
fn drain(guard: &mut Guard, renderer: &mut dyn Renderer, out: &mut dyn Write) -> io::Result<()> {
    while let Some(finding) = guard.poll_finding() {
        renderer.finding(out, &finding)?;
    }
    Ok(())
}

/// Hands every frame of a pcap/pcapng stream to the guard. Returns the
/// capture error that stopped it early, after every frame before it.
fn read_capture(
    input: Box<dyn Read>,
    name: &str,
    guard: &mut Guard,
    renderer: &mut dyn Renderer,
    out: &mut dyn Write,
) -> Result<Option<CaptureError>> {
    let mut reader = crate::input::capture_reader(input, name, "")?;
    while let Some(frame) = reader.next_frame() {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return Ok(Some(e)),
        };
        let Some(ip) = frame.innermost().ip else {
            continue;
        };
        let cooked = matches!(frame.link_type, LinkType::LinuxSll | LinkType::LinuxSll2);
        let (direction, link_broadcast) = Direction::from_link(frame.addressing(), cooked);
        guard.observe(&Captured {
            frame: frame.number,
            time: frame.timestamp,
            ip,
            direction,
            link_broadcast,
        });
        drain(guard, renderer, out)?;
    }
    Ok(None)
}
