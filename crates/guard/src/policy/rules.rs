//! The decisions: for a role, what happens to every ICMP and ICMPv6 message
//! at every hook, each with its reason and the RFC section behind it.
//!
//! SKELETON (lead): the types are the contract; the helper who owns this
//! file fills in `decide` and may add to the types.

use super::{Hook, IpVersion, Message, Rate, Role, TableFamily, Treatment};

/// What the user asked for (`icmpkit policy generate` options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The machine's role.
    pub role: Role,
    /// Which IP versions (table family).
    pub family: TableFamily,
    /// The limit on echo requests (per source by default).
    pub echo_rate: Rate,
    /// Addresses or prefixes (`ADDR` or `ADDR/LEN`, as text) that may be
    /// pinged; empty: any.
    pub ping_hosts: Vec<String>,
    /// Log what is dropped (with a rate-limited log rule).
    pub log_drops: bool,
    /// `--hide-topology OUTSIDE-IFACE` (routers and firewalls): limit the
    /// Time Exceeded and Unreachable messages sent out of that interface.
    pub hide_topology: Option<String>,
}

/// Which codes of a type a decision covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codes {
    /// Every code.
    All,
    /// Only these.
    Only(Vec<u8>),
}

/// One decision: one rule in the generated ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Where it applies.
    pub hook: Hook,
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The types it covers; empty: every type no earlier decision took.
    pub types: Vec<u8>,
    /// The codes of those types it covers.
    pub codes: Codes,
    /// What happens.
    pub treatment: Treatment,
    /// Why, in one sentence (the rule's comment).
    pub why: String,
    /// The document behind it, e.g. `"RFC 4890 §4.3.1"`.
    pub cite: &'static str,
}

/// Every decision for one set of options, in rule order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// What was asked for.
    pub options: Options,
    /// The decisions, first match wins, per hook and version.
    pub decisions: Vec<Decision>,
}

/// The decisions for `options`.
pub fn decide(options: &Options) -> Policy {
    let _ = options;
    todo!("helper A")
}

impl Policy {
    /// What the policy does with `message` at `hook` (the first decision
    /// that covers it).
    pub fn treatment(&self, hook: Hook, message: Message) -> Option<&Treatment> {
        let _ = (hook, message);
        todo!("helper A")
    }
}
