//! One target, iputils-style: describe the socket
//! ([`icmpkit_driver::real::SocketPlan`]), open it, build the sans-IO
//! machine ([`icmpkit_proto::ping::Ping`]), let the shared loop
//! ([`icmpkit_driver::drive`]) run it, and render its events with the
//! reporters (iputils' text or JSON lines).

use std::io;
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use icmpkit_driver::real::RealTransport;
use icmpkit_driver::{Signals as DriverSignals, Transport, drive};
use icmpkit_net::{EMSGSIZE, SocketKind};
use icmpkit_proto::machine::Verdict;
use icmpkit_proto::ping::{Ping, PingEvent, PingOptions};

use super::report::{End, ErrorReport, Json, Reply, Reporter, Text, Unverified};
use super::sockets::socket_plan;
use super::targets::Target;
use super::{Plan, iputils};
use crate::args::AddrSpec;
use crate::exit::Exit;
use crate::names::Names;

/// The source address the header names with -I: the address given, or
/// the interface's address towards the target. For a link-local target
/// iputils names `::` (its source lookup leaves the family of a
/// link-local first hop unset, so it learns no address), and so does
/// this, line for line.
fn header_source<'a>(plan: &'a Plan, target: &Target) -> Result<Option<(IpAddr, &'a str)>> {
    let Some(given) = plan.interface.as_deref() else {
        return Ok(None);
    };
    Ok(Some(match given.parse::<IpAddr>() {
        Ok(addr) => (addr, ""),
        Err(_) if matches!(target.addr, IpAddr::V6(a) if icmpkit_net::needs_scope(&a)) => {
            (IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), given)
        }
        Err(_) => (
            icmpkit_net::source_address_for(target.addr, target.scope_id, Some(given))
                .with_context(|| format!("no source address on {given} for {}", target.addr))?,
            given,
        ),
    }))
}

/// Runs `icmpkit ping` for the one target of `plan`.
pub fn run(plan: &Plan) -> Result<ExitCode> {
    let target = &plan.targets[0];
    let version = icmpkit_proto::machine::version_of(target.addr);
    let privileged = super::privileged();
    let signals = DriverSignals::install().context("installing signal handlers")?;
    let nonce = super::random_u64();
    // A raw socket's identifier is ours, and filters what it receives.
    let raw_ident = super::raw_ident(nonce);
    // Opens the socket and drops CAP_NET_RAW.
    let mut transport = RealTransport::open(&socket_plan(plan, &[version], None, Some(raw_ident)))?;
    plan.warn_unscoped_link_local(&transport);
    let ident = match transport.icmp_kind(version) {
        Some(SocketKind::Dgram) => transport
            .dgram_ident(version)
            .context("the kernel assigned no identifier to the ping socket")?,
        _ => raw_ident,
    };
    let config = plan.config(version, ident, nonce, privileged)?;
    let options = PingOptions {
        // JSON names every unanswered probe (`timeout`), -O or not.
        report_outstanding: plan.report_outstanding && !plan.json,
        user_latency: plan.user_latency,
        hop_limit: plan.ttl,
    };
    let mut machine = Ping::new(config, target.addr, options, transport.now());
    if plan.json {
        machine = machine.with_timeouts();
    }
    let header = iputils::header(
        &target.name,
        target.addr,
        &target.shown(),
        plan.size,
        0,
        header_source(plan, target)?,
    );
    let header = if plan.upstream_header {
        iputils::upstream_header(&header, &target.name)
    } else {
        header
    };
    let stdout = io::stdout();
    let mut reporter: Box<dyn Reporter> = if plan.json {
        Box::new(Json { out: stdout.lock() })
    } else {
        Box::new(Text {
            out: stdout.lock(),
            quiet: plan.quiet,
            flood: plan.flood,
            timestamps: plan.timestamps,
            verbose: plan.verbose,
            names: Names::new(plan.numeric || target.name.parse::<AddrSpec>().is_ok())
                .with_link_scope(plan.printed_link_scope()),
        })
    };
    reporter.start(&header)?;
    let verdict = run_machine(
        &mut machine,
        &mut transport,
        &signals,
        target,
        reporter.as_mut(),
    )?;
    Ok(Exit::from(verdict).into())
}

/// Drives `machine` over `transport` to its end, rendering every event
/// on `reporter`; the verdict is iputils' exit status.
pub fn run_machine<T: Transport + ?Sized>(
    machine: &mut Ping,
    transport: &mut T,
    signals: &DriverSignals,
    target: &Target,
    reporter: &mut dyn Reporter,
) -> Result<Verdict> {
    let verdict = drive(machine, transport, signals, |machine, event| {
        render(reporter, target, machine, event)
    })?;
    Ok(verdict)
}

/// Shows one event of a run on `reporter`.
fn render(
    reporter: &mut dyn Reporter,
    target: &Target,
    machine: &Ping,
    event: PingEvent,
) -> io::Result<()> {
    let version = machine.config().version;
    match event {
        PingEvent::Sent(_) => reporter.sent(),
        PingEvent::NoAnswerYet { seq } | PingEvent::Timeout { seq } => {
            reporter.no_answer_yet(&target.name, seq)
        }
        PingEvent::Reply(reply) => reporter.reply(&Reply {
            target: &target.name,
            from: reply.from,
            seq: reply.seq,
            ident: machine.config().ident,
            bytes: reply.bytes,
            ttl: reply.ttl,
            rtt_micros: reply
                .rtt_known
                .then(|| u64::try_from(reply.rtt.as_micros()).unwrap_or(u64::MAX)),
            duplicate: reply.duplicate,
            truncated: reply.truncated,
            other_sender: reply.from != target.addr,
        }),
        PingEvent::Unverified(u) => reporter.unverified(&Unverified {
            target: &target.name,
            from: u.from,
            seq: u.seq,
            ident: machine.config().ident,
            bytes: u.bytes,
            ttl: u.ttl,
        }),
        PingEvent::Error(error) => reporter.error(&ErrorReport {
            target: &target.name,
            from: error.from,
            seq: error.seq,
            version,
            icmp_type: error.icmp_type,
            icmp_code: error.icmp_code,
            info: error.info,
            counted: error.counted,
        }),
        PingEvent::LocalError { errno, info } if errno == EMSGSIZE => {
            reporter.local_error(&target.name, version, info)
        }
        PingEvent::LocalError { errno, .. } => {
            eprintln!("ping: local error: {}", io::Error::from_raw_os_error(errno));
            Ok(())
        }
        PingEvent::SendFailed { errno, .. } => {
            eprintln!("ping: sendmsg: {}", io::Error::from_raw_os_error(errno));
            Ok(())
        }
        PingEvent::Status(statistics) => reporter.status(&statistics),
        PingEvent::End(summary) => reporter.end(&End {
            target: &target.name,
            addr: target.addr,
            stats: &summary.statistics,
            time_ms: summary.time_ms,
            ipg_micros: summary.ipg_us,
            unverified: summary.unverified,
        }),
    }
}

#[cfg(test)]
mod tests;
