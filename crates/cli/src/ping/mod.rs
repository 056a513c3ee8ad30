//! `icmpkit ping`: iputils-class ping of one target, fping-class ping of
//! several, JSON lines, and RFC 8335 PROBE. The socket layer is
//! `icmpkit-net`, the session logic `icmpkit-proto`; this module turns
//! options into a plan and drives them.

pub(crate) mod args;
mod ip_options;
pub(crate) mod iputils;
pub(crate) mod multi;
mod node_info;
mod probe;
mod report;
mod single;
pub(crate) mod sockets;
pub(crate) mod targets;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_proto::ping::{ConfigError, PingConfig};
use icmpkit_wire::IpVersion;

pub use args::Args;
use targets::Target;

/// The run, validated: what every part of the loop needs to know.
#[allow(clippy::struct_excessive_bools)] // one per iputils flag
#[derive(Clone)]
pub struct Plan {
    /// Where to send.
    pub targets: Vec<Target>,
    /// -n, or implied by numeric targets.
    pub numeric: bool,
    /// Current upstream iputils' words (run as `ping`).
    upstream: bool,
    /// -O.
    pub report_outstanding: bool,
    /// -U: no kernel timestamps.
    pub user_latency: bool,
    /// -q.
    quiet: bool,
    /// -f.
    flood: bool,
    /// -D.
    timestamps: bool,
    /// -v.
    verbose: bool,
    /// --json.
    json: bool,
    /// The session options other than version and identifier.
    count: Option<u64>,
    interval: Option<Duration>,
    size: usize,
    linger: Option<Duration>,
    deadline: Option<Duration>,
    preload: u32,
    adaptive: bool,
    pattern: Vec<u8>,
    /// Socket options.
    ttl: Option<u8>,
    tos: Option<u8>,
    pmtu: Option<PmtuMode>,
    mark: Option<u32>,
    interface: Option<String>,
    socket: SocketChoice,
    /// Several targets: probes per second in all, and resends.
    rate: u32,
    retries: u32,
    /// The interface the link-local targets' scope names
    /// ([`targets::link_scope`]).
    link_scope: Option<u32>,
    /// -a: a bell with each reply.
    bell: bool,
    /// -e: the Echo identifier asked for (a ping socket binds it).
    ident: Option<u16>,
    /// -S: `SO_SNDBUF`.
    sndbuf: Option<usize>,
    /// -B: bind to the source address the kernel picks first.
    strict_source: bool,
    /// -L: no loopback of multicast probes.
    no_loop: bool,
    /// -F: the IPv6 flow label to ask for.
    flow_label: Option<u32>,
    /// -b: broadcast allowed.
    broadcast: bool,
    /// -p as given (iputils prints its `PATTERN:` line), even when empty.
    pattern_given: Option<Vec<u8>>,
    /// -R / -T: the IPv4 options every probe carries (`IP_OPTIONS`).
    ip_options: Vec<u8>,
    /// -N: the Node Information query asked for, if any.
    node_info: node_info::Request,
}

impl Plan {
    /// The interface link-local addresses are printed with: the one the
    /// targets' scope names, else the one -I binds to (iputils prints the
    /// interface a reply arrived on, which is that one); 0 when there is
    /// none.
    fn printed_link_scope(&self) -> u32 {
        self.link_scope
            .or_else(|| {
                let device = self.interface.as_deref()?;
                if device.parse::<std::net::IpAddr>().is_ok() {
                    return None;
                }
                icmpkit_net::interface_index(device)
            })
            .unwrap_or(0)
    }

    /// Warns, as iputils does, about each link-local target without a
    /// scope when the IPv6 socket is a ping socket and no -I binds it:
    /// the kernel refuses to send such a socket's probes there
    /// (`EINVAL`), where a raw socket lets its routes choose.
    fn warn_unscoped_link_local(&self, transport: &icmpkit_driver::real::RealTransport) {
        if self.interface.is_some()
            || self.link_scope.is_some()
            || transport.icmp_kind(IpVersion::V6) != Some(icmpkit_net::SocketKind::Dgram)
        {
            return;
        }
        for target in &self.targets {
            if let std::net::IpAddr::V6(a) = target.addr
                && target.scope_id == 0
                && icmpkit_net::needs_scope(&a)
            {
                eprintln!(
                    "{}: warning: {} is link-local: a ping socket cannot send to it \
                     without its interface: use {a}%INTERFACE (or -I INTERFACE)",
                    crate::program(),
                    target.name
                );
            }
        }
    }

    fn from_args(args: &Args) -> Result<Self> {
        let family = args.family.version();
        let mut specs = args.targets.clone();
        if let Some(file) = &args.file {
            specs.extend(crate::input::read_list(file).context("--file")?);
        }
        if specs.is_empty() {
            bail!("no targets: name at least one host (or --file FILE)");
        }
        // -R and -T ping one target; -T tsprespec names the hops to
        // timestamp before it (iputils reads them as its first arguments).
        let mut hops = Vec::new();
        if (args.record_route || args.timestamp.is_some()) && specs.len() > 1 {
            let target = specs.pop().unwrap_or_default();
            for hop in std::mem::replace(&mut specs, vec![target]) {
                match targets::expand(std::slice::from_ref(&hop), Some(IpVersion::V4))?.as_slice() {
                    [t] => match t.addr {
                        std::net::IpAddr::V4(a) => hops.push(a),
                        std::net::IpAddr::V6(_) => bail!("{hop}: not an IPv4 address"),
                    },
                    _ => bail!("{hop}: not one IPv4 address"),
                }
            }
        }
        let ip_options = args::ip_options(args.record_route, args.timestamp.as_deref(), &hops)?;
        let targets = targets::expand(&specs, family)?;
        if targets.is_empty() {
            bail!("the targets given expand to no address");
        }
        let link_scope = targets::link_scope(&targets)?;
        let mut socket = match args.socket.as_str() {
            "auto" => SocketChoice::Auto,
            "raw" => SocketChoice::Raw,
            "dgram" => SocketChoice::Dgram,
            other => bail!("--socket {other}: expected raw, dgram or auto"),
        };
        let ident = args
            .ident
            .as_deref()
            .map(|e| args::integer(e, 0, u64::from(u16::MAX)))
            .transpose()?
            .map(|e| u16::try_from(e).unwrap_or(0));
        if ident == Some(0) {
            // A ping socket cannot have identifier 0 (iputils: "ident 0
            // => forcing raw socket").
            if args.verbose {
                eprintln!("icmpkit: WARNING: ident 0 => forcing raw socket");
            }
            socket = SocketChoice::Raw;
        }
        let pmtu = match args.pmtudisc.as_deref() {
            None => None,
            Some("do") => Some(PmtuMode::Do),
            Some("want") => Some(PmtuMode::Want),
            Some("dont") => Some(PmtuMode::Dont),
            Some("probe") => Some(PmtuMode::Probe),
            Some(other) => bail!("invalid -M argument: {other}: use do, want, dont or probe"),
        };
        let max_size = if targets.iter().any(|t| t.addr.is_ipv6()) {
            65_527
        } else {
            65_507
        };
        Ok(Self {
            numeric: args.numeric,
            upstream: args.upstream,
            report_outstanding: args.report_outstanding,
            user_latency: args.user_latency,
            quiet: args.quiet,
            flood: args.flood,
            timestamps: args.timestamps,
            verbose: args.verbose,
            json: args.json,
            count: args
                .count
                .as_deref()
                .map(|c| args::integer(c, 1, i64::MAX as u64))
                .transpose()?,
            interval: args
                .interval
                .as_deref()
                .map(|i| args::seconds("-i", i))
                .transpose()?,
            size: args
                .size
                .as_deref()
                .map(|s| args::integer(s, 0, max_size))
                .transpose()?
                .map_or(56, |s| usize::try_from(s).unwrap_or(56)),
            linger: args
                .timeout
                .as_deref()
                .map(|w| args::seconds("-W", w))
                .transpose()?,
            deadline: args
                .deadline
                .as_deref()
                .map(|w| args::seconds("-w", w))
                .transpose()?,
            preload: args
                .preload
                .as_deref()
                .map(|l| args::integer(l, 1, 65_536))
                .transpose()?
                .map_or(1, |l| u32::try_from(l).unwrap_or(1)),
            adaptive: args.adaptive,
            pattern: args
                .pattern
                .as_deref()
                .map(args::pattern)
                .transpose()?
                .unwrap_or_default(),
            ttl: match args.ttl.as_deref().map(|t| args::integer(t, 0, 255)) {
                // iputils takes 0, which IPv4's IP_TTL then refuses; a hop
                // limit of 0 is refused here.
                Some(Ok(0)) if targets.iter().all(|t| t.addr.is_ipv4()) => {
                    bail!("cannot set unicast time-to-live: Invalid argument")
                }
                Some(Ok(0)) => return Err(args::out_of_range("0", 1, 255)),
                ttl => ttl.transpose()?.map(|t| u8::try_from(t).unwrap_or(64)),
            },
            tos: args.tos.as_deref().map(args::tos).transpose()?,
            pmtu,
            mark: args
                .mark
                .as_deref()
                .map(|m| args::integer(m, 0, u64::from(u32::MAX)))
                .transpose()?
                .map(|m| u32::try_from(m).unwrap_or(0)),
            interface: args.interface.clone(),
            socket,
            rate: multi::parse_rate(args.rate.as_deref())?,
            retries: multi::parse_retries(&args.retries)?,
            link_scope,
            bell: args.audible,
            ident,
            sndbuf: args
                .sndbuf
                .as_deref()
                .map(|b| args::integer(b, 1, i32::MAX.unsigned_abs().into()))
                .transpose()?
                .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
            strict_source: args.strict_source,
            no_loop: args.no_loop,
            flow_label: args
                .flow_label
                .as_deref()
                .map(args::flow_label)
                .transpose()?,
            broadcast: args.broadcast,
            pattern_given: args.pattern.as_deref().map(args::pattern).transpose()?,
            node_info: node_info::Request::parse(&args.node_info)?,
            ip_options: if targets.iter().all(|t| t.addr.is_ipv4()) {
                ip_options
            } else {
                Vec::new()
            },
            targets,
        })
    }

    /// The session configuration for `version` and `ident`.
    fn config(
        &self,
        version: IpVersion,
        ident: u16,
        nonce: u64,
        privileged: bool,
    ) -> Result<PingConfig, ConfigError> {
        let mut config = PingConfig::new(version, ident, nonce);
        config.payload_len = self.size;
        config.pattern.clone_from(&self.pattern);
        config.count = self.count;
        config.flood = self.flood;
        config.interval = match (self.interval, self.flood) {
            (Some(i), _) => i,
            (None, true) => Duration::ZERO,
            (None, false) => config.interval,
        };
        if let Some(linger) = self.linger {
            config.linger = linger;
        }
        config.deadline = self.deadline;
        config.preload = self.preload;
        config.adaptive = self.adaptive;
        config.adaptive_floor = if privileged {
            Duration::ZERO
        } else {
            icmpkit_proto::ping::MIN_USER_INTERVAL
        };
        config.validate(privileged)?;
        Ok(config)
    }
}

/// 64 random bits for the per-run nonce and the raw identifier.
pub(crate) fn random_u64() -> u64 {
    u64::from_ne_bytes(crate::input::random_bytes())
}

/// The Echo identifier a raw socket sends with, and filters what it
/// receives on: the nonce's top 16 bits (a ping socket's kernel picks its
/// own).
fn raw_ident(nonce: u64) -> u16 {
    u16::try_from(nonce >> 48).unwrap_or(0)
}

/// Whether this process may use root-only ping options (short intervals,
/// big preloads, flood without an interval): root, as iputils decides it
/// (by user id, not by `CAP_NET_RAW`).
fn privileged() -> bool {
    icmpkit_net::privilege::is_root()
}

/// Runs `icmpkit ping`.
pub fn run(args: &Args) -> Result<ExitCode> {
    if args.node_info.iter().any(|v| v == "help") {
        print!("{}", node_info::HELP);
        return Ok(ExitCode::SUCCESS);
    }
    let plan = Plan::from_args(args)?;
    if let Some(interface) = args.probe_interface.as_deref() {
        return probe::run(&plan, interface);
    }
    if plan.targets.len() > 1 {
        return multi::run(&plan);
    }
    single::run(&plan)
}
