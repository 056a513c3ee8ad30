//! Firewall policy for ICMP: what to accept, limit and drop, and why.
//!
//! One vocabulary serves all three jobs:
//!
//! - [`rules`] decides, for a [`Role`], what happens to every ICMP and
//!   ICMPv6 message at every [`Hook`] (a [`Treatment`]), each decision with
//!   its reason and the RFC section behind it; [`nft`] and [`iptables`]
//!   write those decisions as a ruleset.
//! - [`audit`] reads a ruleset (`nft -j list ruleset`, `iptables-save`)
//!   and finds the [`Treatment`] it gives each message, then what that
//!   breaks or exposes ([`consequence`]).
//! - [`verify`] lists the checks made with real traffic through a
//!   ruleset, and judges what was observed.
//!
//! An audit of a generated ruleset finds exactly the treatments the
//! decisions asked for: the tests hold the two sides to each other.

pub mod audit;
pub mod consequence;
pub mod iptables;
pub mod nft;
pub mod rules;
pub mod verify;

use std::fmt;

pub use icmpkit_wire::IpVersion;

/// What the machine a ruleset protects does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// An end host: only traffic to and from itself (input, output).
    Host,
    /// A router: forwards statelessly (errors in transit are passed
    /// whatever flow they belong to: routes may be asymmetric), and
    /// protects itself as a host does.
    Router,
    /// A stateful firewall: forwards, and passes errors in transit only
    /// when they relate to a flow it tracks.
    Firewall,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Host, Role::Router, Role::Firewall];

    /// The name on the command line: `host`, `router`, `firewall`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Router => "router",
            Role::Firewall => "firewall",
        }
    }

    /// Whether this role forwards (has a forward hook).
    pub fn forwards(self) -> bool {
        self != Role::Host
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which IP versions a ruleset covers (nftables' table families).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFamily {
    /// IPv4 and IPv6 in one table (`inet`).
    Inet,
    /// IPv4 only (`ip`).
    Ip,
    /// IPv6 only (`ip6`).
    Ip6,
}

impl TableFamily {
    /// Every family.
    pub const ALL: [TableFamily; 3] = [TableFamily::Inet, TableFamily::Ip, TableFamily::Ip6];

    /// The nftables name: `inet`, `ip`, `ip6`.
    pub fn name(self) -> &'static str {
        match self {
            TableFamily::Inet => "inet",
            TableFamily::Ip => "ip",
            TableFamily::Ip6 => "ip6",
        }
    }

    /// The IP versions it covers, IPv4 first.
    pub fn versions(self) -> &'static [IpVersion] {
        match self {
            TableFamily::Inet => &[IpVersion::V4, IpVersion::V6],
            TableFamily::Ip => &[IpVersion::V4],
            TableFamily::Ip6 => &[IpVersion::V6],
        }
    }
}

/// Where in the machine a packet meets the ruleset (netfilter's hooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    /// Addressed to this machine.
    Input,
    /// Passing through it (routers and firewalls).
    Forward,
    /// Sent by this machine (its own errors and replies included).
    Output,
}

impl Hook {
    /// Every hook.
    pub const ALL: [Hook; 3] = [Hook::Input, Hook::Forward, Hook::Output];

    /// The netfilter name: `input`, `forward`, `output`.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
        }
    }
}

/// One ICMP or ICMPv6 message kind: version, type and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Message {
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The type number.
    pub msg_type: u8,
    /// The code.
    pub code: u8,
}

/// A rate limit: so many messages per second (or per [`Rate::unit`])
/// after a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Messages per [`Rate::unit`] (a second unless the ruleset says
    /// `/minute`, `/hour`, `/day`), sustained.
    pub per_second: u32,
    /// What `per_second` counts over: [`RateUnit::Second`] unless a
    /// ruleset says otherwise (`limit rate 10/minute`, `--limit 10/min`).
    pub unit: RateUnit,
    /// Messages let through at once before the rate applies.
    pub burst: u32,
    /// What gets a bucket of its own.
    pub key: RateKey,
}

/// What a [`Rate`] keeps one bucket for, coarsest first. IPv6 sources are
/// bucketed by /64 (the smallest block one subscriber gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RateKey {
    /// One bucket for everyone (nft `limit`, iptables `-m limit`).
    Everyone,
    /// One bucket per source address (an nft meter or dynamic set keyed
    /// by `ip saddr`, `hashlimit --hashlimit-mode srcip`).
    Source,
    /// One bucket per source and destination pair (keyed by `ip saddr .
    /// ip daddr`, `--hashlimit-mode srcip,dstip`): a source sending to
    /// many destinations is held back toward none of them, while a flood
    /// from one source to one destination is still cut to the rate.
    SourceAndDestination,
}

impl RateKey {
    /// How a report says it: `""`, `" per source"`, `" per source and
    /// destination"` (to follow a rate).
    pub fn suffix(self) -> &'static str {
        match self {
            RateKey::Everyone => "",
            RateKey::Source => " per source",
            RateKey::SourceAndDestination => " per source and destination",
        }
    }

    /// Whether each source address has buckets of its own.
    pub fn by_source(self) -> bool {
        self != RateKey::Everyone
    }
}

/// The time a [`Rate`] counts messages over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RateUnit {
    /// Per second.
    #[default]
    Second,
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week (nftables only).
    Week,
}

impl RateUnit {
    /// Every unit, shortest first.
    pub const ALL: [RateUnit; 5] = [
        RateUnit::Second,
        RateUnit::Minute,
        RateUnit::Hour,
        RateUnit::Day,
        RateUnit::Week,
    ];

    /// nftables' name: `second`, `minute`, `hour`, `day`, `week`.
    pub fn name(self) -> &'static str {
        match self {
            RateUnit::Second => "second",
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
            RateUnit::Week => "week",
        }
    }

    /// Its length in seconds.
    pub fn seconds(self) -> u32 {
        match self {
            RateUnit::Second => 1,
            RateUnit::Minute => 60,
            RateUnit::Hour => 3600,
            RateUnit::Day => 86_400,
            RateUnit::Week => 604_800,
        }
    }
}

impl Rate {
    /// Messages per second, sustained (a fraction for slower units).
    pub fn sustained(self) -> f64 {
        f64::from(self.per_second) / f64::from(self.unit.seconds())
    }
}

/// What happens to one message in one situation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Let through.
    Accept,
    /// Let through up to a rate; the rest dropped.
    Limit(Rate),
    /// Dropped (or rejected).
    Drop,
    /// Decided by a rule the audit cannot evaluate (the rule, as text).
    Unknown(String),
}

/// What a ruleset does with one message at one hook, in the situations a
/// firewall tells apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Treatment {
    /// A message on its own: no flow this machine tracks (conntrack
    /// `new`, or `invalid` for an error quoting nothing known).
    pub unsolicited: Fate,
    /// A message that belongs to a tracked flow: an echo reply to a request
    /// that went out (`established`), an error about a connection
    /// (`related`).
    pub related: Fate,
    /// For IPv6 neighbour discovery and other link-local types: the fate at
    /// a hop limit below 255 (`unsolicited` and `related` are at 255).
    /// `None` where the hop limit makes no difference.
    pub below_hop_limit_255: Option<Fate>,
}

impl Treatment {
    /// The same fate in every situation.
    pub fn always(fate: Fate) -> Treatment {
        Treatment {
            unsolicited: fate.clone(),
            related: fate,
            below_hop_limit_255: None,
        }
    }
}
