//! `icmpkit mtr`: a live path view that tells a router's rate limiting
//! from real loss. The rounds run in `icmpkit_proto::mtr::Mtr` (a trace
//! strategy in a `Tracer`, on trace's probes and sockets); this module
//! parses options, drives the machine and shows the `Path` its results
//! add up to: the live view (`tui`, on its own thread while the network
//! thread drives), mtr's report and CSV, typed JSON (`report`).

mod args;
mod columns;
mod report;
pub(crate) mod time;
mod tui;

use std::io::{self, IsTerminal};
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use icmpkit_driver::real::{ProbeSockets, RealTransport, SocketPlan, probe_sockets};
use icmpkit_driver::{Signals, Transport, drive};
use icmpkit_proto::machine::{Signal, version_of};
use icmpkit_proto::mtr::{Mtr, MtrConfig, MtrProgress, Path, PathEvent, ProbeResult};
use icmpkit_proto::trace::{
    MAX_FLOWS, Method, Prober, ProberConfig, Tracer, TracerEvent, ip_header_len,
};

pub use args::Args;
use columns::Column;

use crate::args::named::{self, integer, seconds, small};
use crate::exit::Exit;
use crate::json_lines::JsonLines;
use crate::names::Names;
use crate::trace::{ProbePorts, failure_error, probe_ports, source_for};

/// How the run is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// The live view.
    Live,
    /// mtr's report (`wide`: names not truncated).
    Report {
        /// `-w`.
        wide: bool,
        /// `-e`: each hop's extension lines.
        mpls: bool,
    },
    /// mtr's CSV.
    Csv,
    /// One typed JSON document.
    Json,
    /// One JSON line per probe, then the document's summary.
    JsonProbes,
}

/// The run, validated.
#[derive(Debug, Clone)]
struct Plan {
    output: Output,
    method: Method,
    host: String,
    dst: IpAddr,
    /// The interface a scoped link-local destination names.
    link_scope: Option<u32>,
    src: IpAddr,
    interface: Option<String>,
    tos: Option<u8>,
    numeric: bool,
    show_ips: bool,
    columns: Vec<Column>,
    config: MtrConfig,
    dst_port: u16,
    sport: u16,
    key: u16,
    /// Probe size, IP header included.
    packet_len: usize,
    /// ICMP probes on a ping socket: `key` is its identifier and routers'
    /// errors come from its error queue.
    ping_socket: bool,
}

/// mtr's report default: 10 rounds.
const REPORT_ROUNDS: u64 = 10;

impl Plan {
    fn from_args(a: &Args, terminal: bool) -> Result<Self> {
        let output = if a.report || a.report_wide {
            Output::Report {
                wide: a.report_wide,
                mpls: a.mpls,
            }
        } else if a.csv {
            Output::Csv
        } else if a.json {
            Output::Json
        } else if a.json_probes {
            Output::JsonProbes
        } else if terminal {
            Output::Live
        } else {
            // No terminal to draw on: mtr's report, as `mtr | cat` would
            // be useless.
            Output::Report {
                wide: false,
                mpls: a.mpls,
            }
        };
        let method = a.method();
        let first_ttl = small("-f", &a.first_ttl, 1, 255)?;
        let max_ttl = small("-m", &a.max_ttl, 1, 255)?;
        if first_ttl > max_ttl {
            bail!(
                "-f {first_ttl} is above -m {max_ttl}: the first TTL must not exceed the max TTL"
            );
        }
        let interval = seconds("-i", &a.interval)?;
        if interval < 0.001 {
            bail!(
                "-i {}: use at least 0.001 seconds between rounds",
                a.interval
            );
        }
        let timeout = seconds("--timeout", &a.timeout)?;
        if timeout <= 0.0 {
            bail!("--timeout {}: the wait must be above 0 seconds", a.timeout);
        }
        let rounds = match (&a.count, output) {
            (Some(c), _) => Some(integer("-c", c, 1, u64::from(u32::MAX))?),
            (None, Output::Live) => None,
            (None, _) => Some(REPORT_ROUNDS),
        };
        let flows = u16::try_from(integer("--flows", &a.flows, 1, u64::from(MAX_FLOWS))?)?;
        let columns = match &a.order {
            Some(order) => Column::parse_order(order).map_err(anyhow::Error::msg)?,
            None if output == Output::Live => columns::LIVE.to_vec(),
            None => columns::DEFAULT.to_vec(),
        };
        let ProbePorts {
            dst_port,
            sport,
            key,
        } = probe_ports(
            method,
            a.port.as_deref().map(|p| ("-P", p)),
            a.sport.as_deref().map(|p| ("-L", p)),
        )?;
        let (dst, scope_id) = crate::input::resolve_scoped(&a.host, a.family.version())?;
        let ip_header = ip_header_len(dst);
        let min_len = ip_header + method.min_len();
        // mtr's default: 64 bytes, IP header included.
        let packet_len = match &a.packet_len {
            Some(len) => usize::try_from(integer("-s", len, min_len as u64, 65_000)?)?,
            None => 64.max(min_len),
        };
        let src = source_for(
            "-a",
            a.source.as_deref(),
            dst,
            scope_id,
            a.interface.as_deref(),
        )?;
        let link_scope = crate::args::prefix::link_scope([(a.host.as_str(), dst, scope_id)])?;
        Ok(Self {
            output,
            method,
            host: a.host.clone(),
            dst,
            link_scope,
            src,
            interface: a.interface.clone(),
            tos: a.tos.as_deref().map(|t| named::tos("-Q", t)).transpose()?,
            numeric: a.numeric,
            show_ips: a.show_ips,
            columns,
            config: MtrConfig {
                first_ttl,
                max_ttl,
                interval: Duration::from_secs_f64(interval.min(3600.0)),
                timeout: Duration::from_secs_f64(timeout.min(3600.0)),
                flows,
                first_flow: 0,
                rounds,
                burst_at_end: a.burst && output != Output::Live,
            },
            dst_port,
            sport,
            key,
            packet_len,
            ping_socket: false,
        })
    }

    fn prober(&self) -> Result<Prober> {
        Ok(Prober::new(&ProberConfig {
            method: self.method,
            src: self.src,
            dst: self.dst,
            paris: true,
            key: self.key,
            src_port_base: self.sport,
            dst_port: self.dst_port,
            transport_len: self.packet_len - ip_header_len(self.dst),
        })?)
    }

    fn tracer(&self) -> Result<Tracer<Mtr>> {
        let tracer = Tracer::new(self.prober()?, Mtr::new(self.config));
        Ok(if self.ping_socket {
            tracer.with_queued_errors()
        } else {
            tracer
        })
    }

    fn sockets(&self, ping_socket: bool) -> SocketPlan {
        probe_sockets(&ProbeSockets {
            method: self.method,
            src: self.src,
            dst: self.dst,
            interface: self.interface.clone(),
            link_scope: self.link_scope,
            tos: self.tos,
            dont_fragment: false,
            unprivileged: ping_socket,
            udp_source_port: None,
        })
    }

    /// Opens raw sockets, or for ICMP probes without `CAP_NET_RAW` a ping
    /// socket (then `key` becomes its identifier).
    fn open(&mut self) -> Result<RealTransport> {
        let raw_error = match RealTransport::open(&self.sockets(false)) {
            Ok(transport) => return Ok(transport),
            Err(e) if self.method == Method::Icmp => e,
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context("UDP and TCP probes need raw sockets (CAP_NET_RAW)"));
            }
        };
        let transport = RealTransport::open(&self.sockets(true))
            .map_err(|e| anyhow::anyhow!("no raw socket ({raw_error}) and no ping socket ({e})"))?;
        self.key = transport
            .dgram_ident(version_of(self.dst))
            .context("the ping socket has no identifier")?;
        self.ping_socket = true;
        Ok(transport)
    }
}

/// The end of a run: the path and how the machine ended.
struct Ran {
    path: Path,
    exit: Exit,
}

/// Drives `plan`'s run over `transport` to its end, handing each probe
/// result to `on_probe` as it is resolved.
fn drive_plan<T: Transport + ?Sized>(
    plan: &Plan,
    transport: &mut T,
    signals: &Signals,
    mut on_probe: impl FnMut(ProbeResult) -> io::Result<()>,
) -> Result<Exit> {
    let mut tracer = plan.tracer()?;
    let mut failure = None;
    let verdict = drive(&mut tracer, transport, signals, |_, event| match event {
        TracerEvent::Progress(MtrProgress::Probe(result)) => on_probe(result),
        TracerEvent::Failed(f) => {
            failure = Some(f);
            Ok(())
        }
        TracerEvent::Finished(_) => Ok(()),
    })?;
    if let Some(f) = failure {
        return Err(failure_error(f));
    }
    Ok(Exit::from(verdict))
}

/// [`drive_plan`], the results added up in a [`Path`] (assessed at the
/// end); `on_probe` sees each result after it is added, with the events
/// it caused.
fn run_over<T: Transport + ?Sized>(
    plan: &Plan,
    transport: &mut T,
    signals: &Signals,
    mut on_probe: impl FnMut(&Path, &ProbeResult, &[PathEvent]) -> io::Result<()>,
) -> Result<Ran> {
    let mut path = Path::new(plan.dst, plan.config.first_ttl);
    let exit = drive_plan(plan, transport, signals, |result| {
        let events = path.record(&result);
        on_probe(&path, &result, &events)
    })?;
    path.assess();
    Ok(Ran { path, exit })
}

/// Runs `icmpkit mtr`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let mut plan = Plan::from_args(args, io::stdout().is_terminal())?;
    // A probe the options cannot make fails before any socket opens.
    plan.prober()?;
    // Opening drops CAP_NET_RAW for good, before any thread starts.
    let mut transport = plan.open()?;
    let signals = Signals::install()?;
    let started = SystemTime::now();
    let header = report::Header {
        local_host: icmpkit_net::host_name(),
        target: plan.host.clone(),
        source: plan.src,
        started,
        utc_offset: icmpkit_net::utc_offset(started),
    };
    let exit = match plan.output {
        Output::Live => live(&plan, transport, &signals, &header)?,
        output => report_over(
            &plan,
            output,
            &mut transport,
            &signals,
            &header,
            io::stdout().lock(),
        )?,
    };
    Ok(exit.into())
}

/// Runs `plan` in the live view: the network thread drives the machine
/// and sends each result to the view (this thread), which owns the
/// terminal until `q` or the end of the rounds.
fn live<T: Transport + Send + 'static>(
    plan: &Plan,
    transport: T,
    signals: &Signals,
    header: &report::Header,
) -> Result<Exit> {
    let (tx, rx) = mpsc::channel();
    let network = {
        let (plan, signals) = (plan.clone(), signals.clone());
        thread::Builder::new()
            .name("mtr-network".into())
            .spawn(move || {
                let mut transport = transport;
                let result = drive_plan(&plan, &mut transport, &signals, |result| {
                    // The view gone (it failed) ends nothing here: the stop
                    // signal it raised does.
                    let _ = tx.send(tui::Update::Probe(result));
                    Ok(())
                });
                let _ = tx.send(tui::Update::Ended(
                    result.as_ref().err().map(|e| format!("{e:#}")),
                ));
                result
            })?
    };
    let session = tui::Session {
        target: plan.host.clone(),
        destination: plan.dst,
        local_host: header.local_host.clone(),
        started: header.started,
        utc_offset: header.utc_offset,
        columns: plan.columns.clone(),
        numeric: plan.numeric,
    };
    let path = Path::new(plan.dst, plan.config.first_ttl);
    let shown = tui::run(session, path, &rx, signals);
    // However the view ended, the network thread stops too.
    signals.raise(Signal::Stop);
    let ran = network
        .join()
        .map_err(|_| anyhow::anyhow!("the network thread panicked"))?;
    shown?;
    ran
}

/// [`run_over`], keeping the path's events.
fn collect<T: Transport + ?Sized>(
    plan: &Plan,
    transport: &mut T,
    signals: &Signals,
    events: &mut Vec<PathEvent>,
) -> Result<Ran> {
    run_over(plan, transport, signals, |_, _, new| {
        events.extend_from_slice(new);
        Ok(())
    })
}

/// Runs `plan` over `transport` to its end and prints it in `output` (not
/// the live view) to `out`: mtr's `Start:` line first for a report,
/// per-probe records as they come with `--json-probes`, the rest at the
/// end.
fn report_over<T: Transport + ?Sized>(
    plan: &Plan,
    output: Output,
    transport: &mut T,
    signals: &Signals,
    header: &report::Header,
    mut out: impl io::Write,
) -> Result<Exit> {
    let mut names = Names::new(plan.numeric);
    let mut name = |a: IpAddr| names.name(a);
    let layout = report::Layout {
        columns: &plan.columns,
        wide: matches!(output, Output::Report { wide: true, .. }),
        show_ips: plan.show_ips,
        mpls: matches!(output, Output::Report { mpls: true, .. }),
    };
    let mut events = Vec::new();
    let ran = match output {
        Output::JsonProbes => {
            let clocks = icmpkit_net::Clocks::read();
            let mut lines = JsonLines::new(&mut out);
            let ran = run_over(plan, transport, signals, |_, result, new| {
                events.extend_from_slice(new);
                lines.emit("probe", report::probe_json(result, &clocks))
            })?;
            lines.emit(
                "report",
                report::report_json(header, &ran.path, &events, &mut name),
            )?;
            return Ok(ran.exit);
        }
        Output::Report { .. } => {
            report::write_start(&mut out, header)?;
            out.flush()?;
            collect(plan, transport, signals, &mut events)?
        }
        _ => collect(plan, transport, signals, &mut events)?,
    };
    match output {
        Output::Report { .. } => {
            report::write_table(&mut out, header, &ran.path, &layout, &mut name)?;
        }
        Output::Csv => report::write_csv(&mut out, header, &ran.path, &layout, &mut name)?,
        Output::Json => JsonLines::new(&mut out).emit(
            "report",
            report::report_json(header, &ran.path, &events, &mut name),
        )?,
        Output::Live | Output::JsonProbes => {}
    }
    out.flush()?;
    Ok(ran.exit)
}

#[cfg(test)]
mod tests;
