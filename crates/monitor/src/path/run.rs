//! One run: a target's trace (the classic trace of `icmpkit trace`, one
//! ICMP Echo probe per hop, every hop at once) and, when asked, its path
//! MTU walk (`icmpkit trace --pmtu`), on the project's machines
//! (`icmpkit_proto::trace`) over the asynchronous driver.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use icmpkit_driver::real::{OpenError, ProbeSockets, SocketPlan, probe_sockets};
use icmpkit_driver::tokio::{AsyncReal, drive_async};
use icmpkit_driver::{DriveError, Signals};
use icmpkit_proto::machine::version_of;
use icmpkit_proto::trace::{
    Hop, Method, Pmtu, PmtuConfig, ProbeState, Prober, ProberConfig, ProberError, Strategy, Trace,
    TraceConfig, TraceEnd, TraceFailure, Tracer, TracerEvent, Wait, ip_header_len,
};

use super::{PathRecord, SocketOpener};
use crate::target::Probing;

/// How a target is traced.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceOptions {
    /// The last TTL probed (traceroute's `-m`, 30).
    pub max_hops: u8,
    /// Probes per hop (1: a path change shows in one probe a hop, and a
    /// lost answer is a silent hop, never a change). The first answer of
    /// a hop names it.
    pub probes_per_hop: u8,
    /// How long a probe is waited for (1 s), every hop at once.
    pub wait: Duration,
    /// The TOS byte (IPv4) or traffic class (IPv6) of the probes.
    pub tos: u8,
    /// Also walk the path MTU ([`PathRecord::pmtu`]), up to the last hop
    /// the trace heard from.
    pub pmtu: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        Self {
            max_hops: 30,
            probes_per_hop: 1,
            wait: Duration::from_secs(1),
            tos: 0,
            pmtu: false,
        }
    }
}

impl TraceOptions {
    /// The options of a group's targets: its TOS, its `pmtu`, the rest
    /// the defaults.
    pub fn for_probing(probing: &Probing) -> Self {
        Self {
            tos: probing.tos,
            pmtu: probing.pmtu,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), PathError> {
        if self.max_hops == 0 {
            return Err(PathError::Options("max_hops must be at least 1".to_owned()));
        }
        if !(1..=10).contains(&self.probes_per_hop) {
            return Err(PathError::Options(format!(
                "probes_per_hop {} is out of range 1..=10",
                self.probes_per_hop
            )));
        }
        if self.wait.is_zero() {
            return Err(PathError::Options("wait must be above 0".to_owned()));
        }
        Ok(())
    }
}

/// Why a target could not be traced.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The options make no trace.
    #[error("trace options: {0}")]
    Options(String),
    /// The kernel has no route (no source address) to the target.
    #[error("no route to {target}: {error}")]
    NoRoute {
        /// The target.
        target: IpAddr,
        /// What the kernel said.
        error: std::io::Error,
    },
    /// Neither raw sockets nor the unprivileged ones could be opened: each
    /// message names its fix (`CAP_NET_RAW`, or ping sockets allowed to
    /// the daemon's group by `net.ipv4.ping_group_range`).
    #[error("cannot open trace sockets: {raw}; and {dgram}")]
    NoSockets {
        /// Why the raw sockets failed.
        raw: OpenError,
        /// Why the ping socket failed.
        dgram: OpenError,
    },
    /// The thread that opens sockets could not be started.
    #[error("starting a thread to open trace sockets: {0}")]
    Thread(std::io::Error),
    /// The socket opener's thread is gone.
    #[error("the trace socket opener has stopped")]
    OpenerGone,
    /// The ping socket has no identifier (not bound).
    #[error("the ping socket for {0} has no identifier")]
    NoIdentifier(IpAddr),
    /// The sockets could not be watched by the tokio reactor.
    #[error("registering trace sockets with the runtime: {0}")]
    Register(std::io::Error),
    /// No probe can be built for the target.
    #[error("trace probes to {target}: {error}")]
    Probe {
        /// The target.
        target: IpAddr,
        /// Why.
        error: ProberError,
    },
    /// The trace could not go on (a probe refused by the kernel).
    #[error("trace of {target}: {failure}")]
    Failed {
        /// The target.
        target: IpAddr,
        /// What failed.
        failure: TraceFailure,
    },
    /// The network failed under the driver.
    #[error("trace of {target}: {error}")]
    Drive {
        /// The target.
        target: IpAddr,
        /// What failed.
        error: DriveError,
    },
    /// The run ended without the machine's final event.
    #[error("trace of {0} ended without a result")]
    Unfinished(IpAddr),
}

/// Traces `target` as `options` say, opening sockets from the calling
/// thread ([`SocketOpener::here`]): raw ones when it holds `CAP_NET_RAW`,
/// else the unprivileged ones (a ping socket, routers' errors from its
/// error queue), as `icmpkit trace --socket auto` does.
///
/// # Errors
/// [`PathError`]: no route, no socket (with the fix), a probe the kernel
/// refused.
pub async fn trace(target: IpAddr, options: &TraceOptions) -> Result<PathRecord, PathError> {
    trace_with(&SocketOpener::here(), target, options).await
}

/// [`trace`], the sockets opened by `opener`.
///
/// # Errors
/// As [`trace`].
pub async fn trace_with(
    opener: &SocketOpener,
    target: IpAddr,
    options: &TraceOptions,
) -> Result<PathRecord, PathError> {
    options.check()?;
    let src = icmpkit_net::source_address_for(target, 0, None)
        .map_err(|error| PathError::NoRoute { target, error })?;
    let run = Run {
        opener,
        target,
        src,
        options,
    };
    let config = TraceConfig {
        first_ttl: 1,
        max_ttl: options.max_hops,
        probes_per_hop: options.probes_per_hop,
        // Every hop at once, as mtr and scamper probe.
        in_flight: usize::from(options.max_hops) * usize::from(options.probes_per_hop),
        // A flat wait: no answer is given up on early.
        wait: Wait {
            max: options.wait,
            here: 0.0,
            near: 0.0,
        },
        ..TraceConfig::default()
    };
    let (hops, end) = run.strategy(Trace::new(config), false).await?;
    let hops = hop_addresses(&hops);
    let pmtu = match (options.pmtu, u8::try_from(hops.len())) {
        (true, Ok(last)) if last > 0 => {
            let walk = PmtuConfig::for_version(
                version_of(target),
                1,
                last,
                ip_header_len(target) + Method::Icmp.min_len(),
                options.wait,
                0,
            );
            let (_, walked) = run.strategy(Pmtu::new(walk), true).await?;
            Some(u16::try_from(walked.summary.pmtu).unwrap_or(u16::MAX))
        }
        _ => None,
    };
    Ok(PathRecord {
        at: unix_now(),
        hops,
        reached: end.reached,
        pmtu,
    })
}

/// What one trace of a target shares between its machines.
struct Run<'a> {
    opener: &'a SocketOpener,
    target: IpAddr,
    src: IpAddr,
    options: &'a TraceOptions,
}

impl Run<'_> {
    /// The sockets of ICMP probes, raw or unprivileged (`probe_sockets`,
    /// as `icmpkit trace` opens them). A raw socket keeps, in the kernel,
    /// only Echo Replies and errors about Echo Requests with the target's
    /// key ([`key_for`]): the daemon's own pings and other traces stay out
    /// (the price: a NAT that rewrites the identifier and leaves quoted
    /// probes as it made them hides the hops past it).
    fn sockets(&self, dont_fragment: bool, unprivileged: bool) -> SocketPlan {
        let mut plan = probe_sockets(&ProbeSockets {
            method: Method::Icmp,
            src: self.src,
            dst: self.target,
            interface: None,
            link_scope: None,
            tos: (self.options.tos != 0).then_some(self.options.tos),
            dont_fragment,
            unprivileged,
            udp_source_port: None,
        });
        if !unprivileged
            && let Some(family) = plan.family_mut(version_of(self.target))
            && let Some(icmp) = &mut family.icmp
        {
            icmp.echo_ident = Some(key_for(self.target));
        }
        plan
    }

    /// Runs `strategy` on sockets of its own (with Don't Fragment for a
    /// path MTU walk), to its end: its progress in order and its end.
    async fn strategy<S: Strategy>(
        &self,
        strategy: S,
        dont_fragment: bool,
    ) -> Result<(Vec<S::Progress>, TraceEnd<S::Summary>), PathError> {
        let target = self.target;
        let opened = self
            .opener
            .open(
                self.sockets(dont_fragment, false),
                self.sockets(dont_fragment, true),
            )
            .await?;
        // On a ping socket the kernel's identifier is the key; on raw
        // sockets one of the target's own, the same every time, so that
        // every trace of it is the same flow.
        let key = if opened.unprivileged {
            opened
                .transport
                .dgram_ident(version_of(target))
                .ok_or(PathError::NoIdentifier(target))?
        } else {
            key_for(target)
        };
        let prober = Prober::new(&ProberConfig {
            method: Method::Icmp,
            src: self.src,
            dst: target,
            paris: true,
            key,
            // Ports are not used by ICMP probes.
            src_port_base: 1,
            dst_port: 0,
            // traceroute's 60-byte probe (80 over IPv6).
            transport_len: 40,
        })
        .map_err(|error| PathError::Probe { target, error })?;
        let mut tracer = Tracer::new(prober, strategy);
        if opened.unprivileged {
            tracer = tracer.with_queued_errors();
        }
        let mut transport = AsyncReal::new(opened.transport).map_err(PathError::Register)?;
        let mut progress = Vec::new();
        let mut end = None;
        let mut failure = None;
        drive_async(&mut tracer, &mut transport, &Signals::none(), |_, event| {
            match event {
                TracerEvent::Progress(p) => progress.push(p),
                TracerEvent::Finished(e) => end = Some(e),
                TracerEvent::Failed(f) => failure = Some(f),
            }
            Ok(())
        })
        .await
        .map_err(|error| PathError::Drive { target, error })?;
        if let Some(failure) = failure {
            return Err(PathError::Failed { target, failure });
        }
        let end = end.ok_or(PathError::Unfinished(target))?;
        Ok((progress, end))
    }
}

/// The address that answered each hop first (`None`: silent), by TTL from
/// 1, without the silent hops past the last that answered.
pub(super) fn hop_addresses(hops: &[Hop]) -> Vec<Option<IpAddr>> {
    let mut addresses: Vec<Option<IpAddr>> = Vec::new();
    for hop in hops {
        let Some(index) = usize::from(hop.ttl).checked_sub(1) else {
            continue;
        };
        if addresses.len() <= index {
            addresses.resize(index + 1, None);
        }
        addresses[index] = hop.probes.iter().find_map(|p| match p {
            ProbeState::Answered(answer) => Some(answer.from),
            _ => None,
        });
    }
    while addresses.last() == Some(&None) {
        addresses.pop();
    }
    addresses
}

/// The Echo identifier of raw-socket traces of `target`: a hash of its
/// address (FNV-1a), never 0.
pub(super) fn key_for(target: IpAddr) -> u16 {
    let octets: Vec<u8> = match target {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let hash = octets.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let folded = (hash >> 16) ^ (hash & 0xffff);
    u16::try_from(folded).unwrap_or(1).max(1)
}

/// Now, Unix seconds.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
