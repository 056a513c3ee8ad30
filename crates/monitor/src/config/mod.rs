//! The configuration file (TOML), read and checked: what
//! `icmpkit monitor --config FILE` reads ([`load`]), and the start without
//! a file, `icmpkit monitor TARGET...` ([`quick`]).
//!
//! Every key has a default but a target's `host`, an alert's `name` and
//! `kind`, and a receiver's `name` and delivery. `examples/monitor/monitor.toml`
//! is a complete, commented file.
//!
//! ```toml
//! agent = "lab-a"                 # default: the host name
//! listen = "127.0.0.1:9470"       # the default
//! data_dir = "/var/lib/icmpkit-monitor"  # default: $STATE_DIRECTORY, else ./icmpkit-monitor-data
//!
//! [history]
//! raw = "3d"                      # raw steps kept
//! levels = [ { step = "5m", keep = "10d" }, { step = "1h", keep = "400d" } ]
//!
//! [defaults]                      # any group key but `name`; groups inherit
//! step = "60s"                    # whole seconds, at least 1
//! pings = 60                      # per step, spread evenly; or interval = "1s"
//! size = 56                       # 0 to 65507 (65527 with family = "ipv6")
//! tos = 0
//! df = false
//! family = "any"                  # any | ipv4 | ipv6
//! timeout = "1s"                  # at most the step
//! trace_every = "10m"             # absent: no traces
//! pmtu = false
//!
//! [[group]]
//! name = "core"
//! step = "300s"
//! pings = 20
//! labels = { site = "fra1" }
//!
//! [[target]]
//! name = "gw"                     # default: the host
//! host = "10.0.0.1"               # an address, a host name, or a prefix
//! group = "core"                  # default: "default"
//! labels = { role = "router" }
//!
//! [[alert]]
//! name = "HighLoss"
//! kind = "loss"       # loss | rtt | rtt_over_baseline | down | path_changed | pmtu_dropped
//! above = "10%"       # loss: "10%" or 0.1; rtt: "150ms"
//! clear = "5%"        # default: = above
//! for_steps = 3       # default 1
//! clear_steps = 2     # default 1
//! severity = "critical"           # default "warning"
//! targets = ["gw"]    # by name; an entry of a prefix stands for all its addresses
//! groups = ["core"]   # neither targets nor groups: every target
//! receivers = ["ops"] # default: every receiver
//! labels = { team = "net" }
//! summary = "Loss above 10 %"
//!
//! [[receiver]]
//! name = "ops"
//! webhook = "http://127.0.0.1:5001/hook"  # exactly one of webhook | alertmanager | command
//! timeout = "5s"                          # the default
//! ```
//!
//! An `rtt_over_baseline` rule takes `percent = 50` (and `clear_percent`,
//! default `percent`; `baseline_steps`, default
//! [`DEFAULT_BASELINE_STEPS`]) instead of `above`/`clear`.
//!
//! **Groups.** A group's keys are its own, else `[defaults]`', else
//! [`Probing::default`]'s; labels are merged (the group's win). `pings`
//! and `interval` are one choice, made by the nearer table. A target
//! without `group` is in the group `"default"`, probed as `[defaults]`
//! says (a `[[group]]` of that name may set it too).
//!
//! **Targets.** `host` is an address (`ip` set), a host name (`ip` left
//! `None`: the daemon resolves it, in the group's `family`) or a prefix.
//! A prefix expands to one target per address — for IPv4 up to /30 its
//! hosts, without the network and broadcast addresses, as `fping -g` does
//! — named `NAME/ADDRESS` when the entry has a `name` (`lan/10.0.0.5`),
//! else the address alone (`10.0.0.5`); its `host` stays the prefix. One
//! entry expands to at most [`MAX_PREFIX_ADDRESSES`] addresses, a file to
//! at most [`MAX_TARGETS`] targets. Names are unique after expansion.
//! Link-local IPv6 addresses (with or without `%interface`) are refused:
//! a target names no interface. A target's [`Target::labels`] are its
//! own; its group's apply under them.
//!
//! **Checks** beyond types: a step is whole seconds, at least 1; `pings`
//! is 1 or more (a probe a millisecond at most), an `interval` divides the
//! step; the `timeout` is at most the step (a step is summed up one
//! timeout after it ends, which must come before the next step ends);
//! label names are Prometheus's and not one the daemon sets (`agent`,
//! `target`, `host`, `ip`, `group`); each history level's step is a
//! multiple of the finer one's and it keeps longer; a rule's clear level
//! is at most its firing level; names of groups, targets, alerts and
//! receivers are unique, and a rule names only what exists.
//!
//! **Mistakes** are reported with the place, the table (`target "gw"`,
//! by name; `alert 2`, by position, when it has none) and key, what is
//! wrong and what to write instead:
//!
//! ```text
//! monitor.toml:19:8: target "gw", key `group`: no group named "cor": did you mean "core"?
//! ```

mod build;
mod error;
mod host;
mod locate;
mod model;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use build::{DEFAULT_BASELINE_STEPS, DEFAULT_RECEIVER_TIMEOUT};
pub use error::{ConfigError, Location};
pub use host::{MAX_PREFIX_ADDRESSES, MAX_TARGETS};

use crate::alert::rule::{Receiver, Rule};
use crate::history::retention::Retention;
use crate::target::{Group, Probing, Target, Targets};
use error::Source;
use host::{Host, prefix_addresses};

/// Where the HTTP server listens unless told: `127.0.0.1:9470`.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9470);

/// The group of a target that names none.
pub const DEFAULT_GROUP: &str = "default";

/// A checked configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The `agent` label of every series (default: the host name).
    pub agent: String,
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Where the history lives (a directory).
    pub data_dir: PathBuf,
    /// How long history is kept.
    pub retention: Retention,
    /// What is monitored.
    pub targets: Targets,
    /// Alert rules.
    pub alerts: Vec<Rule>,
    /// Where alerts go.
    pub receivers: Vec<Receiver>,
}

/// Reads a configuration file; errors name it.
pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text, &path.display().to_string())
}

/// Reads a configuration from TOML text; errors call it `origin` (a file
/// name, or `<stdin>`).
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let source = Source { text, origin };
    let file: model::File = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
    build::build(source, &file)
}

/// The configuration of `icmpkit monitor TARGET...`: each target (an
/// address, a host name or a prefix, named as in a file without `name`)
/// pinged once a second ([`Probing::default`]) in the group `"default"`;
/// no alerts; every other setting its default.
pub fn quick(targets: &[String], listen: Option<SocketAddr>) -> Result<Config, ConfigError> {
    let mut list = Vec::with_capacity(targets.len());
    let mut names = HashSet::with_capacity(targets.len());
    for host in targets {
        let bad = |message: String| ConfigError::Target {
            target: host.clone(),
            message,
        };
        let mut add = |name: String, ip: Option<IpAddr>| {
            if list.len() >= MAX_TARGETS {
                return Err(bad(format!(
                    "more than {MAX_TARGETS} targets in all, the most one daemon monitors"
                )));
            }
            if !names.insert(name.clone()) {
                return Err(bad(format!("{name} is given twice: give each target once")));
            }
            let name: Arc<str> = name.into();
            let host = if *host == *name {
                Arc::clone(&name)
            } else {
                host.as_str().into()
            };
            list.push(Target {
                name,
                host,
                ip,
                group: 0,
                labels: None,
            });
            Ok(())
        };
        match Host::parse(host).map_err(bad)? {
            Host::Address(ip) => add(host.clone(), Some(ip))?,
            Host::Name => add(host.clone(), None)?,
            Host::Prefix(network, len) => {
                for ip in prefix_addresses(network, len) {
                    add(ip.to_string(), Some(ip))?;
                }
            }
        }
    }
    Ok(Config {
        agent: default_agent(),
        listen: listen.unwrap_or(DEFAULT_LISTEN),
        data_dir: default_data_dir(),
        retention: Retention::default(),
        targets: Targets {
            groups: vec![Group {
                name: DEFAULT_GROUP.into(),
                probing: Probing::default(),
                labels: BTreeMap::new(),
            }],
            targets: list,
        },
        alerts: Vec::new(),
        receivers: Vec::new(),
    })
}

/// The `agent` unless told: this machine's host name (the kernel's, else
/// `uname -n`'s), else `"localhost"`.
pub fn default_agent() -> String {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let from_uname = || {
        std::process::Command::new("uname")
            .arg("-n")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
    };
    from_kernel
        .or_else(from_uname)
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The `data_dir` unless told: systemd's `$STATE_DIRECTORY` (its first
/// directory), else `./icmpkit-monitor-data`.
pub fn default_data_dir() -> PathBuf {
    data_dir_from(std::env::var_os("STATE_DIRECTORY"))
}

/// [`default_data_dir`] given `$STATE_DIRECTORY`'s value.
fn data_dir_from(state_directory: Option<std::ffi::OsString>) -> PathBuf {
    let first = state_directory.and_then(|dirs| {
        let dirs = dirs.to_string_lossy().into_owned();
        dirs.split(':')
            .next()
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    });
    first.unwrap_or_else(|| PathBuf::from("./icmpkit-monitor-data"))
}
