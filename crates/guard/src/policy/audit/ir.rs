//! The small rule language both parsers produce and the evaluator runs:
//! only what decides the fate of an ICMP or ICMPv6 message.

use std::fmt;

use super::super::{Rate, TableFamily};
use crate::policy::IpVersion;

/// Where a rule (or a chain's policy) is in the ruleset: what a finding
/// names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleRef {
    /// An nftables rule: `inet bad input handle 3`.
    Nft {
        /// `ip`, `ip6` or `inet`.
        family: String,
        /// The table's name.
        table: String,
        /// The chain's name.
        chain: String,
        /// The rule's handle.
        handle: u64,
    },
    /// A line of iptables-save text (1-based), with its table and chain.
    Line {
        /// The line number.
        line: usize,
        /// `filter`, `mangle`...
        table: String,
        /// The chain the rule is in.
        chain: String,
    },
    /// The policy of a base chain (what happens when no rule decides).
    Policy {
        /// The chain, as `inet bad input` or `filter INPUT`.
        chain: String,
    },
    /// No chain at the hook decides: netfilter lets the packet pass.
    NoChain,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleRef::Nft {
                family,
                table,
                chain,
                handle,
            } => write!(f, "table {family} {table} chain {chain} handle {handle}"),
            RuleRef::Line { line, table, chain } => {
                write!(f, "line {line} (table {table} chain {chain})")
            }
            RuleRef::Policy { chain } => write!(f, "policy of chain {chain}"),
            RuleRef::NoChain => f.write_str("no chain (netfilter accepts)"),
        }
    }
}

/// What an address or interface condition is about.
///
/// A new kind of condition is one variant here and the lines of the
/// parsers that recognise it; the evaluator treats every kind alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum About {
    /// The source address (`ip saddr`, `-s`).
    Source,
    /// The destination address (`ip daddr`, `-d`).
    Destination,
    /// The interface the packet arrived on (`iifname`, `-i`).
    ArrivingInterface,
    /// The interface the packet leaves by (`oifname`, `-o`).
    LeavingInterface,
    /// Anything else the packet's addresses or interfaces decide: address
    /// types, sets of addresses, packet types, routing lookups.
    Other,
}

/// A condition of a rule the audit cannot settle for a message (it holds
/// for some packets, not for others): what a fate may depend on.
///
/// By default the audit takes every such condition not to hold, as for a
/// packet from and to nowhere in particular (see
/// [`Audit::treatment`](super::Audit::treatment)); where one that holds
/// would change a fate, the entry says so
/// ([`Entry::conditional`](super::Entry::conditional)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Condition {
    /// What it is about.
    pub about: About,
    /// The condition as the ruleset says it: `-s fe80::/10`,
    /// `ip daddr 10.0.0.1`, `oifname "wan0"`.
    pub text: String,
}

impl About {
    /// The name in reports: `source`, `destination`, `arriving interface`,
    /// `leaving interface`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            About::Source => "source",
            About::Destination => "destination",
            About::ArrivingInterface => "arriving interface",
            About::LeavingInterface => "leaving interface",
            About::Other => "other",
        }
    }
}

impl Condition {
    /// A condition about `about`, as `text` says it.
    pub fn new(about: About, text: impl Into<String>) -> Condition {
        Condition {
            about,
            text: text.into(),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A set of byte values (ICMP types, codes): one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    /// One value.
    pub(crate) fn one(value: u8) -> ByteSet {
        let mut set = ByteSet::default();
        set.insert(value);
        set
    }

    /// `lo..=hi` (empty when `lo > hi`).
    pub(crate) fn range(lo: u8, hi: u8) -> ByteSet {
        let mut set = ByteSet::default();
        for v in lo..=hi {
            set.insert(v);
        }
        set
    }

    /// Adds `value`.
    pub(crate) fn insert(&mut self, value: u8) {
        self.0[usize::from(value >> 6)] |= 1 << (value & 63);
    }

    /// Adds every value of `other`.
    pub(crate) fn union(&mut self, other: ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    /// Whether `value` is in the set.
    pub(crate) fn contains(self, value: u8) -> bool {
        self.0[usize::from(value >> 6)] & (1 << (value & 63)) != 0
    }

    /// The values where membership changes, walking up from 0: the
    /// starts of the runs of values this set treats alike.
    pub(crate) fn boundaries(self) -> impl Iterator<Item = u8> {
        (1..=255u8).filter(move |&v| self.contains(v) != self.contains(v - 1))
    }
}

/// Conntrack states (`ct state`, `--state`, `--ctstate`) as bits.
pub(crate) mod ct {
    /// `invalid`: no conntrack entry.
    pub(crate) const INVALID: u8 = 1;
    /// `established`.
    pub(crate) const ESTABLISHED: u8 = 2;
    /// `related`.
    pub(crate) const RELATED: u8 = 4;
    /// `new`.
    pub(crate) const NEW: u8 = 8;
    /// `untracked`.
    pub(crate) const UNTRACKED: u8 = 16;

    /// The bit of a state name (either case), if it is one.
    pub(crate) fn state(name: &str) -> Option<u8> {
        Some(match name.to_ascii_lowercase().as_str() {
            "invalid" => INVALID,
            "established" => ESTABLISHED,
            "related" => RELATED,
            "new" => NEW,
            "untracked" => UNTRACKED,
            _ => return None,
        })
    }
}

/// How a hop-limit (or TTL) condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Compare {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Compare {
    /// Whether `value OP against` holds.
    pub(crate) fn holds(self, value: u8, against: u8) -> bool {
        match self {
            Compare::Eq => value == against,
            Compare::Ne => value != against,
            Compare::Lt => value < against,
            Compare::Gt => value > against,
            Compare::Le => value <= against,
            Compare::Ge => value >= against,
        }
    }
}

/// One condition of a rule, as it bears on an ICMP or ICMPv6 message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Cond {
    /// The packet is ICMPv4 (`v4`) or ICMPv6 (`v6`): protocol matches
    /// (`meta l4proto`, `ip protocol`, `-p`); a protocol that is neither
    /// matches no ICMP packet (both false).
    Protocol {
        /// Matches ICMPv4 packets.
        v4: bool,
        /// Matches ICMPv6 packets.
        v6: bool,
    },
    /// The ICMP type is (or, `negated`, is not) in `set`; only packets of
    /// `version` ever match.
    Type {
        /// ICMPv4 or ICMPv6.
        version: IpVersion,
        /// The types.
        set: ByteSet,
        /// `!=`.
        negated: bool,
    },
    /// The ICMP code, as [`Cond::Type`].
    Code {
        /// ICMPv4 or ICMPv6.
        version: IpVersion,
        /// The codes.
        set: ByteSet,
        /// `!=`.
        negated: bool,
    },
    /// The conntrack state is (or is not) one of `states` ([`ct`] bits).
    CtState {
        /// The states.
        states: u8,
        /// Negated.
        negated: bool,
    },
    /// The hop limit (IPv6) or TTL (IPv4) compares so with `value`; only
    /// packets of `version` match.
    HopLimit {
        /// Which header.
        version: IpVersion,
        /// How it compares.
        op: Compare,
        /// The value.
        value: u8,
    },
    /// A rate limit: matches while under `rate` (or, `over`, above it).
    Limit {
        /// The rate.
        rate: Rate,
        /// `limit rate over`, `--hashlimit-above`.
        over: bool,
    },
    /// A condition on addresses, interfaces or the like, which the audit
    /// cannot settle for a message: it holds for some packets and not for
    /// others, so the fate may depend on it.
    Depends(Condition),
    /// A condition the audit cannot evaluate.
    Unknown(String),
}

/// What a rule does once its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    /// Accept (in this base chain).
    Accept,
    /// Drop or reject.
    Drop,
    /// Nothing that decides (counter, log, comment): the next rule.
    Continue,
    /// Back to the calling chain.
    Return,
    /// Into another chain (index in [`Ruleset::chains`]), then back.
    Jump(usize),
    /// Into another chain, not back.
    Goto(usize),
    /// A statement the audit cannot evaluate (as text).
    Unknown(String),
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Where it is.
    pub(crate) origin: RuleRef,
    /// The rule as the ruleset says it (iptables line, or an nft rendering).
    pub(crate) text: String,
    /// Its conditions, in order; all must hold.
    pub(crate) conds: Vec<Cond>,
    /// What it does then.
    pub(crate) action: Action,
}

/// A chain: its rules in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chain {
    /// `inet bad input`, `filter INPUT`.
    pub(crate) name: String,
    /// The rules.
    pub(crate) rules: Vec<Rule>,
}

/// Where netfilter runs a base chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NfHook {
    /// Before routing (input and forward both pass it).
    Prerouting,
    /// Addressed to this machine.
    Input,
    /// Forwarded.
    Forward,
    /// Sent by this machine.
    Output,
    /// After routing (forward and output both pass it).
    Postrouting,
}

impl NfHook {
    /// From the nftables / iptables name.
    pub(crate) fn from_name(name: &str) -> Option<NfHook> {
        Some(match name.to_ascii_lowercase().as_str() {
            "prerouting" => NfHook::Prerouting,
            "input" => NfHook::Input,
            "forward" => NfHook::Forward,
            "output" => NfHook::Output,
            "postrouting" => NfHook::Postrouting,
            _ => return None,
        })
    }
}

/// A base chain: where netfilter enters the ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseChain {
    /// The chain (index in [`Ruleset::chains`]).
    pub(crate) chain: usize,
    /// The table's family.
    pub(crate) family: TableFamily,
    /// Its hook.
    pub(crate) hook: NfHook,
    /// Its priority (lower runs first).
    pub(crate) priority: i32,
    /// What happens when no rule decides: accept (`true`) or drop.
    pub(crate) policy_accept: bool,
}

/// A whole ruleset, as the evaluator sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ruleset {
    /// Every chain.
    pub(crate) chains: Vec<Chain>,
    /// The base chains.
    pub(crate) bases: Vec<BaseChain>,
    /// The text is the whole ruleset (`nft list ruleset`), not one IP
    /// version's part of it (iptables-save leaves IPv6 to ip6tables-save).
    pub(crate) whole: bool,
    /// Base chains whose policy the text does not give (`iptables-restore
    /// --noflush` input that only adds rules), taken as `ACCEPT`: as
    /// `filter INPUT`.
    pub(crate) assumed_policies: Vec<String>,
}

impl Ruleset {
    /// Whether the audit judges what happens to packets of `version`: it
    /// does when a base chain somewhere sees them, or when nothing filters
    /// anything (an empty ruleset). A ruleset for one version only (an
    /// `ip` table, iptables-save without ip6tables-save) is taken to
    /// leave the other to something else.
    pub(crate) fn covers(&self, version: IpVersion) -> bool {
        self.bases.is_empty()
            || self
                .bases
                .iter()
                .any(|b| b.family.versions().contains(&version))
    }

    /// Whether the text says nothing filters packets of `version`: a whole
    /// ruleset without a base chain that sees them (iptables-save text
    /// says it only when empty).
    pub(crate) fn unfiltered(&self, version: IpVersion) -> bool {
        (self.whole || self.bases.is_empty())
            && !self
                .bases
                .iter()
                .any(|b| b.family.versions().contains(&version))
    }
}
