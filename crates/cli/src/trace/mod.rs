//! `icmpkit trace`: traceroute with ICMP, UDP or TCP probes on Paris flows
//! (`classic`), multipath discovery (`mda`) and path MTU walks (`pmtu`).
//! The strategies run in `icmpkit_proto::trace::Tracer`; this module
//! validates options, builds the machine, opens the sockets it needs
//! (a `SocketPlan` for `icmpkit_driver::real`), drives it with
//! `icmpkit_driver::drive` and prints its events (`classic`, `mda`,
//! `pmtu`, `render`).

mod args;
mod asn;
mod classic;
mod labels;
mod mda;
mod pmtu;
pub(crate) mod render;
mod tracepath;

use std::io;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use icmpkit_driver::real::{ProbeSockets, RealTransport, SocketPlan, probe_sockets};
use icmpkit_driver::{Signals, Transport, drive};
use icmpkit_net::SocketChoice;
use icmpkit_proto::errno;
use icmpkit_proto::machine::version_of;
use icmpkit_proto::trace::{
    Confidence, MAX_FLOWS, Mda, MdaConfig, Method, Pmtu, PmtuConfig, Prober, ProberConfig,
    Strategy, Trace, TraceConfig, TraceFailure, Tracer, TracerEvent, Wait, ip_header_len,
};
use icmpkit_proto::trace::{MAX_IPV4_PACKET, MAX_IPV6_PACKET};
use icmpkit_wire::IpVersion;

pub use args::Args;

use crate::exit::Exit;

/// Which strategy runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Hop by hop, traceroute's output.
    Classic,
    /// Every load-balanced path.
    Mda(Confidence),
    /// The path MTU, tracepath-style.
    Pmtu,
}

/// The run, validated.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // one per traceroute flag
pub struct Plan {
    mode: Mode,
    method: Method,
    host: String,
    dst: IpAddr,
    /// The interface index of `dst`'s scope (`fe80::1%eth0`); 0 for none.
    scope_id: u32,
    src: IpAddr,
    interface: Option<String>,
    tos: Option<u8>,
    numeric: bool,
    json: bool,
    paris: bool,
    flow: u16,
    first_ttl: u8,
    max_ttl: u8,
    queries: u8,
    in_flight: usize,
    wait: Wait,
    sendwait: Duration,
    dst_port: u16,
    sport: u16,
    key: u16,
    /// Probe size, IP header included.
    packet_len: usize,
    /// `-F`.
    dont_fragment: bool,
    /// `--back`.
    back: bool,
    /// `-A`: origin AS lookups.
    as_lookups: bool,
    /// The DNS server they ask (`--dns-server`); the system's without.
    dns_server: Option<std::net::SocketAddr>,
    /// The sockets asked for (`--socket`).
    socket: SocketChoice,
    /// `--format tracepath`: a path MTU walk in tracepath's lines.
    tracepath: Option<tracepath::Style>,
    /// The size a path MTU walk starts at, when given (`PACKETLEN`).
    first_size: Option<usize>,
    /// The sockets opened are the unprivileged ones: UDP probes on a UDP
    /// socket, ICMP probes on a ping socket (then `key` is its
    /// identifier), routers' errors from their error queue.
    unprivileged: bool,
}

impl Plan {
    fn from_args(a: &Args) -> Result<Self> {
        let method = a.method();
        let first_ttl = args::small("-f", &a.first_ttl, 1, 255)?;
        let max_ttl = args::small("-m", &a.max_ttl, 1, 255)?;
        if first_ttl > max_ttl {
            bail!(
                "-f {first_ttl} is above -m {max_ttl}: the first TTL must not exceed the max TTL"
            );
        }
        let queries = args::small("-q", &a.queries, 1, 10)?;
        let in_flight = usize::try_from(args::integer("-N", &a.in_flight, 1, 1024)?)?;
        let wait = args::wait(&a.wait)?;
        let sendwait = args::sendwait(&a.sendwait)?;
        let tos = a.tos.as_deref().map(|t| args::tos("-t", t)).transpose()?;
        let flow = u16::try_from(args::integer(
            "--flow",
            &a.flow,
            0,
            u64::from(MAX_FLOWS - 1),
        )?)?;
        let confidence = args::confidence(&a.confidence)?;
        let ProbePorts {
            dst_port,
            sport,
            key,
        } = probe_ports(
            method,
            a.port.as_deref().map(|p| ("-p", p)),
            a.sport.as_deref().map(|p| ("--sport", p)),
        )?;
        // A name with IPv4 and IPv6 addresses is traced over IPv4, as
        // traceroute traces it (its man page: "traceroute will use IPv4").
        let (dst, scope_id) = crate::input::resolve_scoped_preferring(
            &a.host,
            a.family.version(),
            Some(IpVersion::V4),
        )?;
        let ip_header = ip_header_len(dst);
        // traceroute's 60 (IPv4) and 80 (IPv6) bytes: 40 after the IP header.
        let default_len = ip_header + 40;
        let min_len = ip_header + method.min_len();
        let tracepath = tracepath_style(a, dst)?;
        // A path MTU walk may start at the largest packet of the family.
        let max_len = match (a.pmtu, dst) {
            (true, IpAddr::V4(_)) => MAX_IPV4_PACKET,
            (true, IpAddr::V6(_)) => MAX_IPV6_PACKET,
            (false, _) => 65_000,
        };
        let packet_len = match &a.packet_len {
            Some(len) if tracepath.is_some() => tracepath::packet_len(len, dst, min_len, max_len)?,
            Some(len) => usize::try_from(args::integer(
                "packet length",
                len,
                min_len as u64,
                max_len as u64,
            )?)?,
            None => default_len,
        };
        let src = source_for(
            "-s",
            a.source.as_deref(),
            dst,
            scope_id,
            a.interface.as_deref(),
        )?;
        let mode = if a.mda {
            Mode::Mda(confidence)
        } else if a.pmtu {
            Mode::Pmtu
        } else {
            Mode::Classic
        };
        Ok(Self {
            mode,
            method,
            host: a.host.clone(),
            dst,
            scope_id,
            src,
            interface: a.interface.clone(),
            tos,
            numeric: a.numeric,
            json: a.json,
            paris: !a.no_paris,
            flow,
            first_ttl,
            max_ttl,
            queries,
            in_flight,
            wait,
            sendwait,
            dst_port,
            sport,
            key,
            packet_len,
            dont_fragment: a.dont_fragment,
            back: a.back,
            as_lookups: a.as_lookups,
            dns_server: match (a.as_lookups, a.dns_server.as_deref()) {
                (false, Some(_)) => bail!("--dns-server is for -A: add -A to look AS numbers up"),
                (_, server) => server.map(asn::dns_server).transpose()?,
            },
            socket: args::socket_choice(&a.socket)?,
            unprivileged: false,
            tracepath,
            first_size: a.packet_len.as_ref().map(|_| packet_len),
        })
    }

    /// The destination as traceroute prints it (`fe80::1%eth0`).
    fn shown_dst(&self) -> String {
        crate::args::scoped(self.dst, self.scope_id)
    }

    /// The interface a scoped link-local destination names, if any.
    fn link_scope(&self) -> Option<u32> {
        crate::args::prefix::link_scope([(self.host.as_str(), self.dst, self.scope_id)])
            .ok()
            .flatten()
    }

    /// Address labels as this plan asks: reverse names, link-local hops
    /// printed with the destination's interface (`fe80::1%eth0`, as
    /// traceroute does), origin AS numbers (`-A`), return hops (`--back`).
    fn labels(&self) -> Result<labels::Labels> {
        let names =
            crate::names::Names::new(self.numeric).with_link_scope(self.link_scope().unwrap_or(0));
        let asn = if self.as_lookups {
            Some(asn::AsNumbers::new(self.dns_server)?)
        } else {
            None
        };
        Ok(labels::Labels::new(names, asn, self.back))
    }

    /// The prober of this plan's probes. On an ordinary UDP socket
    /// (bound to one port) flows go in the destination port.
    fn prober(&self) -> Result<Prober> {
        let prober = Prober::new(&ProberConfig {
            method: self.method,
            src: self.src,
            dst: self.dst,
            // MDA varies the flow on purpose; classic probes do with --no-paris.
            paris: self.paris || matches!(self.mode, Mode::Mda(_)),
            key: self.key,
            src_port_base: self.sport,
            dst_port: self.dst_port,
            transport_len: self.packet_len - ip_header_len(self.dst),
        })?;
        Ok(if self.unprivileged && self.method == Method::Udp {
            prober.with_flows_in_dst_port()?
        } else {
            prober
        })
    }

    /// The sockets of this plan ([`probe_sockets`]), raw or the
    /// unprivileged ones.
    fn sockets(&self, unprivileged: bool) -> SocketPlan {
        // Don't Fragment, sent whatever path MTU the kernel learned (the
        // routers say where it is too big), or no DF at all, as
        // traceroute's probes fragment.
        let df = self.mode == Mode::Pmtu || self.dont_fragment;
        probe_sockets(&ProbeSockets {
            method: self.method,
            src: self.src,
            dst: self.dst,
            interface: self.interface.clone(),
            link_scope: self.link_scope(),
            tos: self.tos,
            dont_fragment: df,
            unprivileged,
            // Every probe of an ordinary UDP socket comes from flow 0's
            // port: flows and classic probes vary the destination port.
            udp_source_port: Some(self.sport),
        })
    }

    /// Why this plan cannot run on unprivileged sockets, if it cannot.
    fn needs_raw(&self) -> Option<&'static str> {
        match self.method {
            Method::Tcp => Some("TCP probes need raw sockets (CAP_NET_RAW)"),
            _ => None,
        }
    }

    /// Opens the sockets `--socket` asks for: raw, the unprivileged ones,
    /// or raw when allowed and else the unprivileged ones (as `icmpkit
    /// ping --socket auto` does). On a ping socket `key` becomes its
    /// identifier.
    fn open(&mut self) -> Result<RealTransport> {
        let raw_error = match self.socket {
            SocketChoice::Dgram => None,
            choice => match RealTransport::open(&self.sockets(false)) {
                Ok(transport) => return Ok(transport),
                Err(e) if choice == SocketChoice::Raw => return Err(e.into()),
                Err(e) => Some(e),
            },
        };
        if let Some(why) = self.needs_raw() {
            return Err(match raw_error {
                Some(e) => anyhow::Error::new(e).context(why),
                None => anyhow::anyhow!("--socket dgram: {why}"),
            });
        }
        let transport = RealTransport::open(&self.sockets(true)).map_err(|e| match raw_error {
            Some(raw) => anyhow::anyhow!("no raw socket ({raw}) and no unprivileged one ({e})"),
            None => e.into(),
        })?;
        if self.method == Method::Icmp {
            self.key = transport
                .dgram_ident(version_of(self.dst))
                .context("the ping socket has no identifier")?;
        }
        self.unprivileged = true;
        Ok(transport)
    }

    /// The line that says which sockets run (on stderr).
    fn sockets_line(&self) -> String {
        let sockets = match (self.unprivileged, self.method) {
            (false, _) => "raw sockets",
            (true, Method::Udp) => "a UDP socket, errors from its error queue (IP_RECVERR)",
            (true, _) => "a ping socket, errors from its error queue (IP_RECVERR)",
        };
        format!("trace: {} probes on {sockets}", self.method)
    }

    /// What `--json` summaries call the sockets: `raw`, `udp` or `ping`.
    fn sockets_name(&self) -> &'static str {
        match (self.unprivileged, self.method) {
            (false, _) => "raw",
            (true, Method::Udp) => "udp",
            (true, _) => "ping",
        }
    }

    fn classic(&self) -> Trace {
        Trace::new(TraceConfig {
            first_ttl: self.first_ttl,
            max_ttl: self.max_ttl,
            probes_per_hop: self.queries,
            in_flight: self.in_flight,
            wait: self.wait,
            send_interval: self.sendwait,
            flow: self.flow,
            ..TraceConfig::default()
        })
    }

    fn mda(&self, confidence: Confidence) -> Mda {
        Mda::new(MdaConfig {
            first_ttl: self.first_ttl,
            max_ttl: self.max_ttl,
            confidence,
            wait: self.wait,
            ..MdaConfig::default()
        })
    }

    fn pmtu(&self) -> Pmtu {
        let mut config = PmtuConfig::for_version(
            version_of(self.dst),
            self.first_ttl,
            self.max_ttl,
            ip_header_len(self.dst) + self.method.min_len(),
            self.wait.max,
            self.flow,
        );
        if let Some(size) = self.first_size {
            config.initial_size = size;
            // tracepath walks from the size it is given, even below the
            // family's minimum MTU (`-l 1000` to an IPv6 host).
            if self.tracepath.is_some() {
                config.small_size = config.small_size.min(size);
            }
        }
        let pmtu = Pmtu::new(config);
        // tracepath's lines come from tracepath's walk.
        if self.tracepath.is_some() {
            pmtu.with_tracepath_restart()
        } else {
            pmtu
        }
    }
}

/// `--format` and `--both` read: tracepath's style, or `None` for
/// icmpkit's own lines.
fn tracepath_style(a: &Args, dst: IpAddr) -> Result<Option<tracepath::Style>> {
    let tracepath = match a.format.as_deref() {
        None | Some("icmpkit") => false,
        Some("tracepath") => true,
        Some(other) => bail!("--format {other}: expected tracepath or icmpkit"),
    };
    if !tracepath {
        if a.both {
            bail!("--both is tracepath's -b: add --format tracepath");
        }
        return Ok(None);
    }
    if !a.pmtu {
        bail!("--format tracepath prints a path MTU walk: add --pmtu");
    }
    if a.json {
        bail!("--format tracepath is text: drop --json (or --format)");
    }
    Ok(Some(tracepath::Style {
        numeric: a.numeric,
        both: a.both,
        v6: dst.is_ipv6(),
    }))
}

/// The ports and key of trace probes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProbePorts {
    /// The destination port (UDP, TCP).
    pub dst_port: u16,
    /// The source port of flow 0 (UDP, TCP).
    pub sport: u16,
    /// The per-run key (ICMP identifier, high half of TCP sequences).
    pub key: u16,
}

/// The ports of `method`'s probes: `port` and `sport` as given (each
/// with its option's name), else traceroute's destination port (TCP 80,
/// else 33434) and a random source port in the ephemeral range with room
/// for every flow; the key at random.
pub(crate) fn probe_ports(
    method: Method,
    port: Option<(&str, &str)>,
    sport: Option<(&str, &str)>,
) -> Result<ProbePorts> {
    let dst_port = match (port, method) {
        (Some((option, p)), _) => args::port(option, p)?,
        (None, Method::Tcp) => 80,
        (None, _) => 33_434,
    };
    let random = crate::input::random_bytes::<4>();
    let sport = match sport {
        Some((option, p)) => u16::try_from(args::integer(
            option,
            p,
            1,
            u64::from(u16::MAX - MAX_FLOWS),
        )?)?,
        None => 33_000 + u16::from_be_bytes([random[0], random[1]]) % 28_000,
    };
    Ok(ProbePorts {
        dst_port,
        sport,
        key: u16::from_be_bytes([random[2], random[3]]).max(1),
    })
}

/// The probes' source address: `-s`/`-a` as given (of the destination's
/// family), or the one the kernel picks for `dst` (through `interface`).
pub(crate) fn source_for(
    option: &str,
    source: Option<&str>,
    dst: IpAddr,
    scope_id: u32,
    interface: Option<&str>,
) -> Result<IpAddr> {
    let Some(s) = source else {
        return icmpkit_net::source_address_for(dst, scope_id, interface).map_err(|e| {
            let shown = crate::args::scoped(dst, scope_id);
            let why = match e.raw_os_error().and_then(local_route) {
                Some(route) => format!("{shown} is behind {route} on this host"),
                None => format!("no route to {shown}"),
            };
            anyhow::Error::new(e).context(why)
        });
    };
    let src: IpAddr = s
        .parse()
        .map_err(|_| anyhow::anyhow!("{option} {s}: not an IP address"))?;
    if src.is_ipv4() != dst.is_ipv4() {
        bail!(
            "{option} {s}: an IPv{} source for an IPv{} destination",
            if src.is_ipv4() { 4 } else { 6 },
            version_of(dst).number()
        );
    }
    Ok(src)
}

/// The kind of local route that refuses a destination with `errno` (to
/// `connect(2)` or a send), as the kernel says it: a prohibit route
/// (`EACCES`), a blackhole route (`EINVAL`), an unreachable route
/// (`EHOSTUNREACH`). traceroute prints the bare error (`connect:
/// Permission denied`); this names the route.
pub(crate) fn local_route(errno: i32) -> Option<&'static str> {
    match errno {
        errno::EACCES => Some("a prohibit route"),
        errno::EINVAL => Some("a blackhole route"),
        errno::EHOSTUNREACH => Some("an unreachable route"),
        _ => None,
    }
}

/// What prints a strategy's events.
type Renderer<'a, S> = Box<
    dyn FnMut(TracerEvent<<S as Strategy>::Progress, <S as Strategy>::Summary>) -> io::Result<()>
        + 'a,
>;

/// Runs `strategy` with `prober` over `transport` to its end, handing
/// every event to `render`; a failure of the run is an error (exit 2).
fn execute<S: Strategy, T: Transport>(
    plan: &Plan,
    strategy: S,
    transport: &mut T,
    signals: &Signals,
    mut render: Renderer<'_, S>,
) -> Result<Exit> {
    let mut tracer = Tracer::new(plan.prober()?, strategy);
    if plan.unprivileged {
        tracer = tracer.with_queued_errors();
    }
    let mut failure = None;
    let verdict = drive(&mut tracer, transport, signals, |_, event| {
        if let TracerEvent::Failed(f) = event {
            failure = Some(f);
        }
        render(event)
    })?;
    match failure {
        Some(f) => Err(failure_error(f)),
        None => Ok(Exit::from(verdict)),
    }
}

/// A failed run as the error the binary prints (exit 2): the OS error
/// under what could not be done.
pub(crate) fn failure_error(failure: TraceFailure) -> anyhow::Error {
    match failure {
        TraceFailure::Send { errno, .. } if errno != 0 => {
            anyhow::Error::new(io::Error::from_raw_os_error(errno)).context(failure)
        }
        f => f.into(),
    }
}

/// Runs the trace of `plan` over `transport` (its sockets open), printing
/// to `out` as it goes: the header first, then the mode's events.
fn trace_over<'a, T: Transport>(
    plan: &'a Plan,
    transport: &mut T,
    signals: &Signals,
    out: impl io::Write + 'a,
) -> Result<Exit> {
    let out: Box<dyn io::Write + 'a> = Box::new(out);
    match plan.mode {
        Mode::Classic => {
            let mut r = classic::ClassicRenderer::new(plan, plan.labels()?, out)?;
            let render = Box::new(move |e| r.event(e));
            execute(plan, plan.classic(), transport, signals, render)
        }
        Mode::Mda(confidence) => {
            let mut r = mda::MdaRenderer::new(plan, confidence, plan.labels()?, out);
            let render = Box::new(move |e| r.event(e));
            execute(plan, plan.mda(confidence), transport, signals, render)
        }
        Mode::Pmtu if let Some(style) = plan.tracepath => {
            let mut r = tracepath::TracepathRenderer::new(plan, style, crate::program(), out);
            let exit = execute(
                plan,
                plan.pmtu(),
                transport,
                signals,
                Box::new(|e| r.event(e)),
            )?;
            // Ctrl-C kills tracepath: its shell reports 130.
            Ok(if r.interrupted() {
                Exit::Interrupted
            } else {
                exit
            })
        }
        Mode::Pmtu => {
            let mut r = pmtu::PmtuRenderer::new(plan, plan.labels()?, out)?;
            let render = Box::new(move |e| r.event(e));
            execute(plan, plan.pmtu(), transport, signals, render)
        }
    }
}

/// Runs `icmpkit trace`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let mut plan = Plan::from_args(args)?;
    // A probe the options cannot make fails before any socket opens.
    plan.prober()?;
    // Opening drops CAP_NET_RAW for good.
    let mut transport = plan.open()?;
    // tracepath and traceroute say nothing of their sockets.
    if plan.tracepath.is_none() && !args.no_sockets_line {
        eprintln!("{}", plan.sockets_line());
    }
    let signals = Signals::install()?;
    let exit = trace_over(&plan, &mut transport, &signals, io::stdout().lock())?;
    Ok(exit.into())
}

#[cfg(test)]
mod tests;
