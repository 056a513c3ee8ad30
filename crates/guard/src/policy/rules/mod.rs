//! The decisions: for a role, what happens to every ICMP and ICMPv6 message
//! at every hook, each with its reason and the RFC section behind it.
//!
//! [`decide`] writes them per hook and IP version in rule order (first
//! match wins), ending every list at the input and forward hooks with a
//! catch-all drop of the types no earlier decision took. The output hook
//! has decisions only with `--hide-topology`, and no catch-all: what this
//! machine sends is its own business. ICMPv4 follows RFC 1122, RFC 1812,
//! RFC 6918 (deprecated types), RFC 6633 (Source Quench) and RFC 8335
//! (extended echo) in [`v4`]; ICMPv6 follows RFC 4890 §4.3 (transit) and
//! §4.4 (local) with today's IANA registry in [`v6`].
//!
//! The roles differ only where they must:
//!
//! | | host | router | firewall |
//! |---|---|---|---|
//! | errors to itself | related only | always (stateless) | related only |
//! | echo replies to itself | established only | always (stateless) | established only |
//! | errors in transit | — | always (stateless) | related only |
//! | echo replies in transit | — | always (stateless) | established only |
//! | Frag Needed, Packet Too Big | always | always | always |
//! | echo requests to itself | limited per source | limited per source | limited per source |
//! | echo requests in transit | — | limited per source and destination | limited per source and destination |
//!
//! In transit the echo limit is kept per source and destination pair: a
//! machine inside that pings many hosts (fping, a monitoring box, mtr)
//! is held back toward none of them, while a flood from one source to one
//! target is still cut to the limit. There `--ping-host` restricts only
//! the echo requests arriving on the `--outside` interface: clients
//! inside keep their ping to the world.

mod v4;
mod v6;

#[cfg(test)]
pub(crate) mod tests;

use icmpkit_wire::meaning;

use super::{
    Fate, Hook, IpVersion, Message, Rate, RateKey, RateUnit, Role, TableFamily, Treatment,
};

/// What the user asked for (`icmpkit policy generate` options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The machine's role.
    pub role: Role,
    /// Which IP versions (table family).
    pub family: TableFamily,
    /// The limit on echo requests (per source by default; in transit a
    /// per-source limit is kept per source and destination instead).
    pub echo_rate: Rate,
    /// Addresses or prefixes (`ADDR` or `ADDR/LEN`, as text) that may be
    /// pinged; empty: any. In transit it restricts only the echo requests
    /// arriving on [`Options::outside`] (and, without one, every echo
    /// request in transit: the command line refuses that).
    pub ping_hosts: Vec<String>,
    /// `--outside IFACE` (routers and firewalls): the interface facing the
    /// untrusted side, the one `--ping-host` guards in transit.
    pub outside: Option<String>,
    /// Log what is dropped (with a rate-limited log rule).
    pub log_drops: bool,
    /// `--hide-topology OUTSIDE-IFACE` (routers and firewalls): limit the
    /// Time Exceeded and Unreachable messages sent out of that interface.
    pub hide_topology: Option<String>,
}

impl Options {
    /// The echo limit when none is asked for: 5 a second after a burst of
    /// 10, per source. Ping, mtr and smokeping send one a second (fping's
    /// and smokeping's bursts of up to 10 pass whole), while a flood from
    /// one source is cut to 5 packets a second: too little to reflect or
    /// to load the machine.
    pub const DEFAULT_ECHO_RATE: Rate = Rate {
        per_second: 5,
        unit: RateUnit::Second,
        burst: 10,
        key: RateKey::Source,
    };

    /// The defaults for `role`: both IP versions (`inet`), echo at
    /// [`Options::DEFAULT_ECHO_RATE`] to every address, no outside
    /// interface, no logging, no topology hiding.
    pub fn new(role: Role) -> Options {
        Options {
            role,
            family: TableFamily::Inet,
            echo_rate: Options::DEFAULT_ECHO_RATE,
            ping_hosts: Vec::new(),
            outside: None,
            log_drops: false,
            hide_topology: None,
        }
    }

    /// The `icmpkit policy generate` options that give these (every option
    /// spelt out, in one order), for the header of a generated ruleset:
    /// `--role host --family inet --echo-rate 5/s --echo-burst 10`.
    pub fn arguments(&self) -> String {
        let mut args = format!(
            "--role {} --family {} --echo-rate {}/s --echo-burst {}",
            self.role,
            self.family.name(),
            self.echo_rate.per_second,
            self.echo_rate.burst
        );
        for host in &self.ping_hosts {
            args.push_str(" --ping-host ");
            args.push_str(host);
        }
        if let Some(iface) = &self.outside {
            args.push_str(" --outside ");
            args.push_str(iface);
        }
        if self.log_drops {
            args.push_str(" --log-drops");
        }
        if let Some(iface) = &self.hide_topology {
            args.push_str(" --hide-topology ");
            args.push_str(iface);
        }
        args
    }

    /// The `--ping-host` entries of one IP version (an entry with a `:` is
    /// IPv6).
    pub fn ping_hosts_of(&self, version: IpVersion) -> Vec<String> {
        self.ping_hosts
            .iter()
            .filter(|h| h.contains(':') == (version == IpVersion::V6))
            .cloned()
            .collect()
    }
}

/// Which codes of a type a decision covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codes {
    /// Every code.
    All,
    /// Only these.
    Only(Vec<u8>),
}

impl Codes {
    /// Whether `code` is covered.
    pub fn covers(&self, code: u8) -> bool {
        match self {
            Codes::All => true,
            Codes::Only(codes) => codes.contains(&code),
        }
    }
}

/// A condition beyond the message itself that a decision needs (added to
/// the lead's skeleton: `--ping-host`, `--outside` and `--hide-topology`
/// decide by address and interface, which a [`Treatment`] cannot say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Only packets to these destinations (`ADDR` or `ADDR/LEN` of the
    /// decision's IP version): `--ping-host`.
    To(Vec<String>),
    /// Only packets leaving by this interface: `--hide-topology`.
    OutOf(String),
    /// Only packets arriving on this interface: `--outside`.
    ArrivingOn(String),
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
    /// Only when this holds too (`None`: always).
    pub condition: Option<Condition>,
    /// What happens.
    pub treatment: Treatment,
    /// Why, in one sentence (the rule's comment).
    pub why: String,
    /// The document behind it, e.g. `"RFC 4890 §4.3.1"`.
    pub cite: &'static str,
}

impl Decision {
    /// Whether the decision covers `message` at `hook` (its condition
    /// aside).
    pub fn covers(&self, hook: Hook, message: Message) -> bool {
        self.hook == hook
            && self.version == message.version
            && (self.types.is_empty() || self.types.contains(&message.msg_type))
            && self.codes.covers(message.code)
    }

    /// The conntrack state that marks this decision's messages as part
    /// of a tracked flow (its [`Treatment::related`] situation).
    pub fn tracked(&self) -> Tracked {
        let errors = self
            .types
            .iter()
            .filter(|&&t| meaning::is_error(self.version, t))
            .count();
        if self.types.is_empty() || (errors > 0 && errors < self.types.len()) {
            Tracked::Either
        } else if errors > 0 {
            Tracked::Related
        } else {
            Tracked::Established
        }
    }

    /// The rule's comment: `why (cite)`.
    pub fn comment(&self) -> String {
        format!("{} ({})", self.why, self.cite)
    }
}

/// How conntrack marks a message that belongs to a flow it tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracked {
    /// `related`: an error about a tracked connection.
    Related,
    /// `established`: a reply to a tracked request.
    Established,
    /// Either (a decision covering errors and others).
    Either,
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
    let mut decisions = Vec::new();
    for &version in options.family.versions() {
        for hook in hooks(options) {
            let mut list = List {
                hook,
                version,
                options,
                decisions: &mut decisions,
            };
            match version {
                IpVersion::V4 => v4::decide(&mut list),
                IpVersion::V6 => v6::decide(&mut list),
            }
        }
    }
    Policy {
        options: options.clone(),
        decisions,
    }
}

/// The hooks a ruleset for `options` has rules at.
fn hooks(options: &Options) -> Vec<Hook> {
    let mut hooks = vec![Hook::Input];
    if options.role.forwards() {
        hooks.push(Hook::Forward);
    }
    if options.hide_topology.is_some() && options.role.forwards() {
        hooks.push(Hook::Output);
    }
    hooks
}

impl Policy {
    /// What the policy does with `message` at `hook` (the first decision
    /// that covers it) when no [`Condition`] holds: a packet to an address
    /// no `--ping-host` lists, arriving on an interface other than
    /// `--outside`, leaving by an interface `--hide-topology` does not
    /// name. `None`: no decision, the chain's policy (accept).
    pub fn treatment(&self, hook: Hook, message: Message) -> Option<&Treatment> {
        self.treatment_when(hook, message, |_| false)
    }

    /// What the policy does with `message` at `hook` when `holds` says
    /// which [`Condition`]s the packet meets.
    pub fn treatment_when(
        &self,
        hook: Hook,
        message: Message,
        holds: impl Fn(&Condition) -> bool,
    ) -> Option<&Treatment> {
        self.decision_when(hook, message, holds)
            .map(|d| &d.treatment)
    }

    /// The decision that takes `message` at `hook` when `holds` says which
    /// [`Condition`]s the packet meets.
    pub fn decision_when(
        &self,
        hook: Hook,
        message: Message,
        holds: impl Fn(&Condition) -> bool,
    ) -> Option<&Decision> {
        self.decisions
            .iter()
            .find(|d| d.covers(hook, message) && d.condition.as_ref().is_none_or(&holds))
    }

    /// The decisions at `hook` for `version`, in rule order.
    pub fn at(&self, hook: Hook, version: IpVersion) -> impl Iterator<Item = &Decision> {
        self.decisions
            .iter()
            .filter(move |d| d.hook == hook && d.version == version)
    }

    /// The hooks with at least one decision, in [`Hook::ALL`] order.
    pub fn hooks(&self) -> Vec<Hook> {
        Hook::ALL
            .into_iter()
            .filter(|&h| self.decisions.iter().any(|d| d.hook == h))
            .collect()
    }
}

/// The decisions of one hook and version being written, in order.
struct List<'a> {
    hook: Hook,
    version: IpVersion,
    options: &'a Options,
    decisions: &'a mut Vec<Decision>,
}

impl List<'_> {
    /// Adds a decision for every code of `types`.
    fn add(&mut self, types: &[u8], treatment: Treatment, why: &str, cite: &'static str) {
        self.add_codes(types, Codes::All, treatment, why, cite);
    }

    /// Adds a decision for some codes of `types`.
    fn add_codes(
        &mut self,
        types: &[u8],
        codes: Codes,
        treatment: Treatment,
        why: &str,
        cite: &'static str,
    ) {
        self.add_when(None, types, codes, treatment, why, cite);
    }

    /// Adds a decision under a condition.
    fn add_when(
        &mut self,
        condition: Option<Condition>,
        types: &[u8],
        codes: Codes,
        treatment: Treatment,
        why: &str,
        cite: &'static str,
    ) {
        self.decisions.push(Decision {
            hook: self.hook,
            version: self.version,
            types: types.to_vec(),
            codes,
            condition,
            treatment,
            why: why.to_owned(),
            cite,
        });
    }

    /// The role.
    fn role(&self) -> Role {
        self.options.role
    }

    /// Whether the list is the forward hook's.
    fn transit(&self) -> bool {
        self.hook == Hook::Forward
    }

    /// The limit on echo requests here: `--echo-rate`, kept per source and
    /// destination in transit where it is per source (the destination is
    /// not this machine, and one source may rightly ping many).
    fn echo_rate(&self) -> Rate {
        let rate = self.options.echo_rate;
        if self.transit() && rate.key == RateKey::Source {
            Rate {
                key: RateKey::SourceAndDestination,
                ..rate
            }
        } else {
            rate
        }
    }

    /// Echo-like requests (`types`: echo or extended echo request), limited
    /// by [`List::echo_rate`]; the reason is `lead` (what they are for,
    /// with its separator) and what the limit does to a flood. With
    /// `--ping-host`, only those to its addresses; in transit with
    /// `--outside`, that restriction holds for the requests arriving on the
    /// outside only, and the rest (inside to out, between inside
    /// interfaces) pass limited.
    fn echo_requests(&mut self, types: &[u8], lead: &str, cite: &'static str) {
        let rate = self.echo_rate();
        let flood = match rate.key {
            RateKey::Everyone => "a flood is cut to the limit",
            RateKey::Source => "a flood from one source is cut to the limit",
            RateKey::SourceAndDestination => "one source flooding one target is cut to the limit",
        };
        let why = format!("{lead}{flood}");
        let limit = Treatment::always(Fate::Limit(rate));
        if self.options.ping_hosts.is_empty() {
            self.add(types, limit, &why, cite);
            return;
        }
        let hosts = self.options.ping_hosts_of(self.version);
        if !hosts.is_empty() {
            self.add_when(
                Some(Condition::To(hosts)),
                types,
                Codes::All,
                limit.clone(),
                &format!("to --ping-host addresses: {why}"),
                cite,
            );
        }
        // With --outside, only what arrives from outside is held to the
        // list: inside clients still ping out and ping this machine (their
        // gateway).
        match self.options.outside.clone() {
            Some(outside) => {
                self.add_when(
                    Some(Condition::ArrivingOn(outside)),
                    types,
                    Codes::All,
                    Treatment::always(Fate::Drop),
                    "echo requests from outside to addresses --ping-host does not list",
                    cite,
                );
                self.add(types, limit, &format!("not from --outside: {why}"), cite);
            }
            None => self.add(
                types,
                Treatment::always(Fate::Drop),
                "echo requests to addresses --ping-host does not list",
                cite,
            ),
        }
    }

    /// `--hide-topology`: the Unreachable (`unreachable`) and Time Exceeded
    /// (`time_exceeded`) messages leaving by the outside interface are
    /// dropped (their path-MTU codes were taken before).
    fn hide_topology(&mut self, unreachable: u8, time_exceeded: u8) {
        let Some(iface) = self.options.hide_topology.clone() else {
            return;
        };
        let why = match self.hook {
            Hook::Output => {
                "hide this router: outside traceroutes see * here, and connections inward fail by timeout"
            }
            _ => {
                "hide the network behind: outside traceroutes see * past here, connections inward fail by timeout"
            }
        };
        self.add_when(
            Some(Condition::OutOf(iface)),
            &[unreachable, time_exceeded],
            Codes::All,
            Treatment::always(Fate::Drop),
            why,
            "RFC 1812 §5.2.7",
        );
    }
}

/// Why a router takes every error addressed to itself: it keeps no
/// connection tracking, because one `ct` rule makes the kernel track every
/// forwarded flow too (a busy router's conntrack table fills and drops).
const STATELESS_ERRORS: &str =
    "errors to this router pass: no conntrack, which would track every forwarded flow";

/// Why a router takes every echo reply addressed to itself.
const STATELESS_REPLIES: &str =
    "echo replies to this router pass: no conntrack, which would track every forwarded flow";

/// Accepted only when it belongs to a flow this machine tracks: errors
/// (conntrack `related`) and echo replies (`established`).
fn related_only() -> Treatment {
    Treatment {
        unsolicited: Fate::Drop,
        related: Fate::Accept,
        below_hop_limit_255: None,
    }
}

/// Accepted at hop limit 255 only (RFC 4861 §6.1, §7.1: proof it was sent
/// on the link).
fn on_link_only() -> Treatment {
    Treatment {
        unsolicited: Fate::Accept,
        related: Fate::Accept,
        below_hop_limit_255: Some(Fate::Drop),
    }
}

/// The same fate in every situation.
fn always(fate: Fate) -> Treatment {
    Treatment::always(fate)
}
