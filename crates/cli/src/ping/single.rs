//! One target, iputils-style: describe the socket
//! ([`icmpkit_driver::real::SocketPlan`]), open it, build the sans-IO
//! machine ([`icmpkit_proto::ping::Ping`]), let the shared loop
//! ([`icmpkit_driver::drive`]) run it, and render its events with the
//! reporters (iputils' text or JSON lines).

use std::io;
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use icmpkit_driver::real::{IcmpFilter, RealTransport};
use icmpkit_driver::{Signals as DriverSignals, Transport, drive};
use icmpkit_net::{EMSGSIZE, PmtuMode, SocketKind};
use icmpkit_proto::machine::Verdict;
use icmpkit_proto::ping::{Ping, PingEvent, PingOptions};
use icmpkit_wire::IpVersion;

use super::ip_options::RouteMemory;
use super::report::{End, ErrorReport, Json, Reply, Reporter, Text, Unverified};
use super::sockets::socket_plan;
use super::targets::Target;
use super::{Plan, iputils, node_info};
use crate::args::AddrSpec;
use crate::exit::Exit;
use crate::names::Names;

/// The source address the header names with -I or -B (iputils prints
/// `from SRC IFACE:` for either): the address given, or the interface's
/// address towards the target (`bound`, the one -B binds, when known).
/// For a link-local target iputils names `::` with -I IFACE (its source
/// lookup leaves the family of a link-local first hop unset, so it learns
/// no address), and so does this, line for line.
fn header_source<'a>(
    plan: &'a Plan,
    target: &Target,
    bound: Option<IpAddr>,
) -> Result<Option<(IpAddr, &'a str)>> {
    let Some(given) = plan.interface.as_deref() else {
        return Ok(bound.map(|src| (src, "")));
    };
    Ok(Some(match given.parse::<IpAddr>() {
        Ok(addr) => (addr, ""),
        Err(_) if matches!(target.addr, IpAddr::V6(a) if icmpkit_net::needs_scope(&a)) => {
            (IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), given)
        }
        Err(_) => match bound {
            Some(src) => (src, given),
            None => (
                icmpkit_net::source_address_for(target.addr, target.scope_id, Some(given))
                    .with_context(|| format!("no source address on {given} for {}", target.addr))?,
                given,
            ),
        },
    }))
}

/// The device -I names, if it names one (not an address).
fn device(plan: &Plan) -> Option<&str> {
    plan.interface
        .as_deref()
        .filter(|given| given.parse::<IpAddr>().is_err())
}

/// What iputils learns by connecting a UDP socket to the target before it
/// pings (when no -I address fixes the source): the source address the
/// kernel picks, and whether the target is a broadcast address (the
/// connect is refused without `SO_BROADCAST`). Refused without -b, it
/// stops as iputils stops; with -b it warns as iputils warns.
fn probe_route(plan: &Plan, target: &Target) -> Result<Option<IpAddr>> {
    if plan
        .interface
        .as_deref()
        .is_some_and(|given| given.parse::<IpAddr>().is_ok())
    {
        return Ok(None);
    }
    match icmpkit_net::source_address_for(target.addr, target.scope_id, device(plan)) {
        Ok(source) => Ok(Some(source)),
        Err(e) if e.raw_os_error() == Some(icmpkit_net::EACCES) && target.addr.is_ipv4() => {
            if !plan.broadcast {
                bail!(
                    "Do you want to ping broadcast? Then -b. If not, check your local firewall rules"
                );
            }
            eprintln!("WARNING: pinging broadcast address");
            Ok(icmpkit_net::source_address_for_broadcast(target.addr, device(plan)).ok())
        }
        // iputils stops here ("connect: ..."); the send will say the same.
        Err(_) => Ok(None),
    }
}

/// iputils' rules for a broadcast (-b) or multicast target, for a user
/// (root may do anything): one probe a second at most, and no
/// fragmenting; path MTU discovery is on unless -M says otherwise.
fn multicast_rules(plan: &mut Plan, version: IpVersion, privileged: bool) -> Result<()> {
    let what = match version {
        IpVersion::V4 => "broadcast",
        IpVersion::V6 => "multicast",
    };
    if !privileged {
        let interval_ms = plan.interval.map_or(1000, |i| i.as_millis());
        if interval_ms < iputils::MIN_MULTICAST_USER_INTERVAL_MS {
            bail!(iputils::multicast_interval_refusal(
                what,
                interval_ms,
                plan.upstream
            ));
        }
        if plan.pmtu.is_some_and(|m| m != PmtuMode::Do) {
            bail!("{what} ping does not fragment");
        }
    }
    plan.pmtu.get_or_insert(PmtuMode::Do);
    Ok(())
}

/// Runs `icmpkit ping` for the one target of `plan`.
pub fn run(plan: &Plan) -> Result<ExitCode> {
    let mut plan = plan.clone();
    let target = plan.targets[0].clone();
    let version = icmpkit_proto::machine::version_of(target.addr);
    let privileged = super::privileged();
    if let Some(pattern) = plan.pattern_given.as_ref()
        && !plan.quiet
        && !plan.json
    {
        println!("{}", super::args::pattern_line(pattern));
    }
    let source = probe_route(&plan, &target)?;
    let multicast = match target.addr {
        IpAddr::V4(a) => plan.broadcast || a.is_multicast(),
        IpAddr::V6(a) => a.is_multicast(),
    };
    if multicast {
        multicast_rules(&mut plan, version, privileged)?;
    }
    let bound = source.filter(|_| plan.strict_source);
    // -N asks on a raw socket, as iputils does (a ping socket sends only
    // Echo Requests).
    let query = plan.node_info.query(target.addr);
    if query.is_some() {
        plan.socket = icmpkit_net::SocketChoice::Raw;
    }
    let signals = DriverSignals::install().context("installing signal handlers")?;
    let nonce = super::random_u64();
    // A raw socket's identifier is ours (or -e's), and filters what it
    // receives.
    let raw_ident = plan.ident.unwrap_or_else(|| super::raw_ident(nonce));
    let mut sockets = socket_plan(&plan, &[version], None, Some(raw_ident));
    if let Some(icmp) = sockets
        .family_mut(version)
        .as_mut()
        .and_then(|f| f.icmp.as_mut())
    {
        if bound.is_some() {
            icmp.options.source = bound;
        }
        if let (IpAddr::V6(dst), Some(label)) = (target.addr, plan.flow_label) {
            icmp.options.flow_label = Some((dst, label));
        }
        icmp.options.ip_options.clone_from(&plan.ip_options);
        if query.is_some() {
            icmp.filter = IcmpFilter::Only(vec![icmpkit_wire::icmpv6::node_info::RESPONSE]);
            icmp.echo_ident = None;
        }
    }
    // Opens the socket and drops CAP_NET_RAW.
    let mut transport = RealTransport::open(&sockets)?;
    plan.warn_unscoped_link_local(&transport);
    let ident_known =
        plan.ident.is_some() || transport.icmp_kind(version) != Some(SocketKind::Dgram);
    let ident = match transport.icmp_kind(version) {
        Some(SocketKind::Dgram) => transport
            .dgram_ident(version)
            .context("the kernel assigned no identifier to the ping socket")?,
        _ => raw_ident,
    };
    // iputils refuses some options only after its header (`setup()`).
    let config = match plan.config(version, ident, nonce, privileged) {
        Err(e) if !e.after_header() => return Err(refusal(&plan, &e)),
        config => config,
    };
    let header = iputils::header(
        &target.name,
        target.addr,
        &target.shown(),
        plan.size,
        // iputils counts 40 bytes of options whatever it asked for.
        if plan.ip_options.is_empty() { 0 } else { 40 },
        header_source(&plan, &target, bound)?,
        transport.flow_label(version),
    );
    let header = if plan.upstream {
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
            bell: plan.bell,
            multicast,
            any_sender: iputils::any_sender(target.addr, multicast),
            routes: RouteMemory::default(),
            ident_known,
        })
    };
    reporter.start(&header)?;
    let mut config = config.map_err(|e| refusal(&plan, &e))?;
    if let Some(query) = query {
        config.payload_len = 0;
        config.node_info = Some(query);
    }
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
    let verdict = run_machine(
        &mut machine,
        &mut transport,
        &signals,
        &target,
        reporter.as_mut(),
    )?;
    Ok(Exit::from(verdict).into())
}

/// iputils' refusal of the options, in upstream's words when run as `ping`.
fn refusal(plan: &Plan, error: &icmpkit_proto::ping::ConfigError) -> anyhow::Error {
    if plan.upstream {
        anyhow::anyhow!(iputils::upstream_refusal(error))
    } else {
        anyhow::anyhow!("{error}")
    }
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

/// What a reply line shows of `reply`, untimed, whole and without IP
/// options (a Node Information answer's; an Echo Reply adds them).
fn reply_line<'a>(
    target: &'a Target,
    machine: &Ping,
    reply: &icmpkit_proto::ping::ReplyEvent,
) -> Reply<'a> {
    Reply {
        target: &target.name,
        from: reply.from,
        seq: reply.seq,
        ident: machine.config().ident,
        bytes: reply.bytes,
        ttl: reply.ttl,
        rtt_micros: None,
        duplicate: reply.duplicate,
        truncated: false,
        other_sender: reply.from != target.addr,
        ip_options: &[],
    }
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
            rtt_micros: reply
                .rtt_known
                .then(|| u64::try_from(reply.rtt.as_micros()).unwrap_or(u64::MAX)),
            truncated: reply.truncated,
            ip_options: reply.ip_options.as_bytes(),
            ..reply_line(target, machine, &reply)
        }),
        // Untimed, as iputils shows them.
        PingEvent::NodeInfo(answer) => {
            let (reply, message) = &*answer;
            reporter.node_info(
                &reply_line(target, machine, reply),
                &node_info::answer(message),
            )
        }
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
