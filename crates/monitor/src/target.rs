//! What is monitored and how: [`Target`]s in [`Group`]s, each group with
//! its [`Probing`].

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Which address family a host name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Family {
    /// The first address the resolver gives (IPv6 or IPv4).
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

/// How a group's targets are probed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probing {
    /// The length of a step: the unit of loss, median and smoke (smokeping's
    /// 300 s). Steps start at multiples of it since the Unix epoch.
    pub step: Duration,
    /// Echo Requests per target per step, spread evenly over it
    /// (smokeping's 20; 60 with a 60 s step is one a second).
    pub pings: u32,
    /// Echo data bytes (ping `-s`, default 56).
    pub size: usize,
    /// The IP TOS / traffic class byte.
    pub tos: u8,
    /// Set Don't Fragment (IPv4) / never fragment (IPv6).
    pub df: bool,
    /// Which family a host name resolves to.
    pub family: Family,
    /// How long a probe waits for its reply before it counts as lost.
    pub timeout: Duration,
    /// Trace each target this often (`None`: never).
    pub trace_every: Option<Duration>,
    /// Also walk the path MTU when tracing.
    pub pmtu: bool,
}

impl Probing {
    /// The time between two probes of one target: `step / pings`.
    pub fn interval(&self) -> Duration {
        self.step / self.pings.max(1)
    }
}

impl Default for Probing {
    /// `smokeping_prober`'s quick start: one ping a second, a 60 s step.
    fn default() -> Self {
        Self {
            step: Duration::from_mins(1),
            pings: 60,
            size: 56,
            tos: 0,
            df: false,
            family: Family::Any,
            timeout: Duration::from_secs(1),
            trace_every: None,
            pmtu: false,
        }
    }
}

/// A named set of targets probed alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's name (a label value).
    pub name: Arc<str>,
    /// How its targets are probed.
    pub probing: Probing,
    /// Labels every target of the group carries.
    pub labels: BTreeMap<String, String>,
}

/// One monitored address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Unique name (the `target` label, the key of its history). For an
    /// address of a CIDR entry, the entry's name and the address. Shared
    /// with the live state, the steps and the history's writes.
    pub name: Arc<str>,
    /// What the configuration said: a name, an address or a CIDR (the
    /// `host` label).
    pub host: Arc<str>,
    /// The address probed (the `ip` label); `None` while the host name
    /// does not resolve.
    pub ip: Option<IpAddr>,
    /// Index of its group in [`Targets::groups`].
    pub group: usize,
    /// Its own labels, over the group's (the target's win); `None` when it
    /// has none. The addresses of one CIDR entry share them.
    pub labels: Option<Arc<BTreeMap<String, String>>>,
}

/// Every target and group of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Targets {
    /// The groups, by index.
    pub groups: Vec<Group>,
    /// The targets, by index; names are unique.
    pub targets: Vec<Target>,
}

impl Targets {
    /// The group of `target`.
    pub fn group_of(&self, target: &Target) -> &Group {
        &self.groups[target.group]
    }

    /// A target by name.
    pub fn find(&self, name: &str) -> Option<(usize, &Target)> {
        self.targets
            .iter()
            .enumerate()
            .find(|(_, t)| *t.name == *name)
    }
}
