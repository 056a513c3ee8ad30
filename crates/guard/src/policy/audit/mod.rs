//! What an existing ruleset does with every ICMP and ICMPv6 message, and
//! what that breaks or exposes.
//!
//! Both `nft -j list ruleset` JSON ([`audit_nft_json`]) and iptables-save
//! text ([`audit_iptables_save`]) are read into one small rule language
//! that keeps only what decides an ICMP message's fate; every message is
//! then run through the base chains netfilter would pass it through, as
//! netfilter does: chains at one hook in priority order (prerouting first
//! for input and forward, postrouting last for forward and output), a
//! drop anywhere final, an accept passing the packet on to the next base
//! chain.
//!
//! Each message is tried in the situations a [`Treatment`] tells apart,
//! with the conntrack state Linux gives it there: unsolicited (requests
//! `new`; errors, replies and unknown types `invalid`), related (errors
//! `related`, requests and replies `established`); neighbour discovery and
//! MLD are never tracked (`untracked` in both), and neither is extended
//! echo (RFC 8335: conntrack cannot pair it, so it is `invalid` in both). ICMPv6 is tried at hop
//! limit 255 and again at 64 (`below_hop_limit_255`), ICMPv4 at TTL 64.
//! Every ICMP type is tried, and every run of codes the ruleset tells apart.
//!
//! Where no chain sees a packet, netfilter accepts it, and the findings
//! say what that exposes (forward only for a role that forwards): an
//! empty ruleset is no clean one. A version the ruleset has no chain for
//! at all is judged only when nothing filters anything (one `ip` table or
//! an iptables-save alone leave the other version to something else),
//! with an info note when the text is the whole ruleset.
//!
//! Conditions on addresses, interfaces and the like ([`Condition`]) hold
//! for some packets and not for others. The fates of [`Audit::treatment`]
//! are those of a packet from and to nowhere in particular, for which
//! none holds (as [`Policy::treatment`](super::rules::Policy::treatment)
//! says what the generator decided when none of its conditions holds);
//! [`Audit::treatment_when`] answers for a packet that meets some. Where
//! a condition that holds changes a fate, the entry lists the other
//! treatment ([`Entry::conditional`]), the report shows the fate as
//! depending on it, and a finding about a drop or an accept says where it
//! does not hold: the audit cannot know which packets meet such a
//! condition, so it never claims a message dropped for all when it is
//! dropped only for some. Anything else the audit cannot follow makes the
//! fate [`Fate::Unknown`], naming the rule: it never guesses.

mod eval;
mod iptables_save;
mod ir;
mod names;
mod nft_json;
mod report;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

pub use ir::{About, Condition, RuleRef};
pub use report::{json_records, text};

use self::eval::{Packet, ct_state};
use self::ir::{Action, Cond, Ruleset};
use super::consequence::{self, Consequence, Severity};
use super::{Fate, Hook, IpVersion, Message, Role, Treatment};

/// Which text a ruleset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `nft -j list ruleset`.
    NftJson,
    /// `iptables-save` / `ip6tables-save` (or `*-restore` input).
    Iptables,
}

impl Format {
    /// What the text looks like: JSON when it starts with `{`, else
    /// iptables-save.
    pub fn detect(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::NftJson
        } else {
            Format::Iptables
        }
    }
}

/// Where in the input a parse error is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Position {
    /// A line (1-based) and column (1-based).
    Line {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// A place in the JSON document, like `nftables[3].chain.prio`.
    Json(String),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line { line, column } => write!(f, "line {line}, column {column}"),
            Position::Json(path) => write!(f, "at {path}"),
        }
    }
}

/// Text that is not a ruleset of the expected kind: where, and what was
/// expected there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{position}: expected {expected}, found {found}")]
pub struct ParseError {
    /// Where.
    pub position: Position,
    /// What should have been there.
    pub expected: String,
    /// What was there (shortened).
    pub found: String,
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}

impl ParseError {
    fn json(error: &serde_json::Error) -> ParseError {
        let text = error.to_string();
        let what = text.split(" at line ").next().unwrap_or(&text);
        ParseError {
            position: Position::Line {
                line: error.line(),
                column: error.column(),
            },
            expected: "JSON (the output of `nft -j list ruleset`)".to_owned(),
            found: what.to_owned(),
        }
    }

    fn at(path: &str, expected: &str, found: &serde_json::Value) -> ParseError {
        ParseError {
            position: Position::Json(path.to_owned()),
            expected: expected.to_owned(),
            found: shorten(&found.to_string()),
        }
    }

    fn line(line: usize, column: usize, expected: &str, found: &str) -> ParseError {
        ParseError {
            position: Position::Line { line, column },
            expected: expected.to_owned(),
            found: format!("`{}`", shorten(found)),
        }
    }
}

/// Whether dropping the messages of `span` at `hook` except where a
/// condition of `unless` holds is a recognised choice rather than a
/// fault: [`spared_on_the_link`], or echo requests let in only to some
/// addresses, of this machine or (in transit) behind it (every condition
/// a destination address, as `--ping-host` writes: which hosts answer
/// ping is a choice; dropping it by route or interface is not).
fn deliberate(hook: Hook, span: Span, unless: &BTreeSet<Condition>) -> bool {
    let echo_request = match span.version {
        IpVersion::V4 => span.msg_type == 8,
        IpVersion::V6 => span.msg_type == 128,
    };
    spared_on_the_link(span, unless)
        || (hook != Hook::Output
            && echo_request
            && !unless.is_empty()
            && unless
                .iter()
                .all(|c| c.about == About::Destination && !c.text.contains('!')))
}

/// Whether `unless` spares the messages of `span` exactly where they are
/// needed: they are link-local ICMPv6 messages (types 130 to 136, 141 to
/// 143, 148 to 153: MLD, neighbour and router discovery, inverse and
/// SEND discovery, multicast router discovery), which legitimately come
/// only from link-local sources (RFC 4890 §4.4.1), and every condition
/// of `unless` is a source within `fe80::/10`.
fn spared_on_the_link(span: Span, unless: &BTreeSet<Condition>) -> bool {
    span.version == IpVersion::V6
        && matches!(span.msg_type, 130..=136 | 141..=143 | 148..=153)
        && !unless.is_empty()
        && unless
            .iter()
            .all(|c| c.about == About::Source && link_local_prefix(&c.text))
}

/// Whether a source condition's text (`-s fe80::/10`, `ip6 saddr ==
/// fe80::/64`) names a prefix within `fe80::/10`: its last word, not negated.
fn link_local_prefix(text: &str) -> bool {
    if text.contains('!') {
        return false;
    }
    let Some(last) = text.split_whitespace().last() else {
        return false;
    };
    let (addr, len) = last.split_once('/').unwrap_or((last, "128"));
    let (Ok(addr), Ok(len)) = (addr.parse::<std::net::Ipv6Addr>(), len.parse::<u8>()) else {
        return false;
    };
    (10..=128).contains(&len) && addr.segments()[0] & 0xffc0 == 0xfe80
}

/// What the ruleset does with one run of codes of one type at one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The fates.
    pub treatment: Treatment,
    /// What decided the unsolicited fate.
    pub unsolicited_by: RuleRef,
    /// What decided the related fate.
    pub related_by: RuleRef,
    /// What decided the fate below hop limit 255, when it differs.
    pub below_by: Option<RuleRef>,
    /// Where address or interface conditions that hold change the
    /// treatment: the treatment packets meeting them get (the smallest
    /// sets of conditions found, at most [`MAX_ASSUMPTIONS`] tried).
    pub conditional: Vec<Alternative>,
    /// Every condition of [`Entry::conditional`]: what the fates depend
    /// on (empty: the same for every packet).
    pub depends: BTreeSet<Condition>,
}

/// The treatment of packets that meet some address or interface
/// conditions, where it differs from that of packets meeting none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The conditions that hold (all of them).
    pub when: Vec<Condition>,
    /// The fates then.
    pub treatment: Treatment,
    /// The rule that decides the first fate that differs.
    pub by: RuleRef,
}

/// How many sets of address and interface conditions are tried for one
/// message at one hook, beyond none: enough for any sane ruleset, and a
/// bound on the time an adversarial one takes.
pub const MAX_ASSUMPTIONS: usize = 32;

/// The audit of one ruleset: a treatment for every message at every hook
/// the ruleset has chains for.
#[derive(Debug, Clone)]
pub struct Audit {
    ruleset: Ruleset,
    hooks: Vec<Hook>,
    /// Per version: the first code of each run of codes the ruleset treats
    /// alike (always starts with 0).
    runs: BTreeMap<IpVersion, Vec<u8>>,
    /// (hook, version, type) -> one entry per code run.
    entries: BTreeMap<(Hook, IpVersion, u8), Vec<Entry>>,
}

/// Audits `nft -j list ruleset` output.
pub fn audit_nft_json(text: &str) -> Result<Audit, ParseError> {
    Ok(Audit::of(nft_json::parse(text)?))
}

/// Audits iptables-save / ip6tables-save text.
pub fn audit_iptables_save(text: &str) -> Result<Audit, ParseError> {
    Ok(Audit::of(iptables_save::parse(text)?))
}

/// Audits a ruleset in `format`, or in the format it looks like. `nft
/// list ruleset` text (not JSON) is refused with a hint to ask for JSON.
pub fn audit(text: &str, format: Option<Format>) -> Result<Audit, ParseError> {
    if let Some(error) = nft_text(text) {
        return Err(error);
    }
    match format.unwrap_or_else(|| Format::detect(text)) {
        Format::NftJson => audit_nft_json(text),
        Format::Iptables => audit_iptables_save(text),
    }
}

/// When `text` is `nft list ruleset` output (its first line starts a
/// `table`, or is an nft command): the error that says so.
fn nft_text(text: &str) -> Option<ParseError> {
    let (number, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let nft = matches!(first, "table" | "flush" | "add" | "delete" | "destroy")
        && words.next().is_some_and(|w| {
            matches!(
                w,
                "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev" | "ruleset" | "table"
            )
        });
    nft.then(|| ParseError {
        position: Position::Line {
            line: number + 1,
            column: 1,
        },
        expected: "`nft -j list ruleset` output (JSON) or iptables-save text; this is nft text: give `nft -j list ruleset` output".to_owned(),
        found: format!("`{}`", shorten(line.trim())),
    })
}

impl Audit {
    fn of(ruleset: Ruleset) -> Audit {
        let hooks: Vec<Hook> = Hook::ALL
            .into_iter()
            .filter(|&h| {
                eval::hook_present(&ruleset, h, IpVersion::V4)
                    || eval::hook_present(&ruleset, h, IpVersion::V6)
            })
            .collect();
        let mut runs = BTreeMap::new();
        for version in [IpVersion::V4, IpVersion::V6] {
            // Every named code stands alone (what dropping it breaks may
            // differ: Fragmentation Needed is code 4 of type 3), and so does
            // every run of codes the ruleset tells apart.
            let mut starts = BTreeSet::from([0u8]);
            for info in icmpkit_wire::meaning::types(version) {
                for code in info.codes {
                    starts.insert(code.code);
                    starts.extend(code.code.checked_add(1));
                }
            }
            for chain in &ruleset.chains {
                for rule in &chain.rules {
                    for cond in &rule.conds {
                        if let Cond::Code {
                            version: v, set, ..
                        } = cond
                            && *v == version
                        {
                            starts.extend(set.boundaries());
                        }
                    }
                }
            }
            runs.insert(version, starts.into_iter().collect::<Vec<u8>>());
        }
        // Every hook and version, those without chains too (everything
        // passes there: what that exposes is a finding).
        let mut entries = BTreeMap::new();
        for hook in Hook::ALL {
            for version in [IpVersion::V4, IpVersion::V6] {
                for msg_type in 0..=255u8 {
                    let row = runs[&version]
                        .iter()
                        .map(|&code| {
                            let message = Message {
                                version,
                                msg_type,
                                code,
                            };
                            entry(&ruleset, hook, message)
                        })
                        .collect();
                    entries.insert((hook, version, msg_type), row);
                }
            }
        }
        Audit {
            ruleset,
            hooks,
            runs,
            entries,
        }
    }

    /// The IP versions the ruleset has base chains for at `hook` (the
    /// other passes untouched).
    pub fn versions(&self, hook: Hook) -> Vec<IpVersion> {
        [IpVersion::V4, IpVersion::V6]
            .into_iter()
            .filter(|&v| eval::hook_present(&self.ruleset, hook, v))
            .collect()
    }

    /// The hooks the ruleset has base chains for (the others let every
    /// packet pass untouched).
    pub fn hooks(&self) -> &[Hook] {
        &self.hooks
    }

    /// What the ruleset does with `message` at `hook` when no address or
    /// interface condition holds: a packet from and to nowhere in
    /// particular (everything passes at a hook without chains). Where a
    /// condition would change that, [`Audit::entry`] lists it.
    pub fn treatment(&self, hook: Hook, message: Message) -> Treatment {
        self.entry(hook, message)
            .map_or_else(|| Treatment::always(Fate::Accept), |e| e.treatment.clone())
    }

    /// What the ruleset does with `message` at `hook` for a packet that
    /// meets the address and interface conditions `holds` says it does
    /// (and no other).
    pub fn treatment_when(
        &self,
        hook: Hook,
        message: Message,
        holds: impl Fn(&Condition) -> bool,
    ) -> Treatment {
        if !self.hooks.contains(&hook) || !eval::hook_present(&self.ruleset, hook, message.version)
        {
            return Treatment::always(Fate::Accept);
        }
        decide(&self.ruleset, hook, message, &holds).treatment
    }

    /// The entry for `message` at `hook`, with what decided it; `None` at a
    /// hook without chains.
    pub fn entry(&self, hook: Hook, message: Message) -> Option<&Entry> {
        if !eval::hook_present(&self.ruleset, hook, message.version) {
            return None;
        }
        let row = self
            .entries
            .get(&(hook, message.version, message.msg_type))?;
        let run = self.run_of(message.version, message.code);
        row.get(run)
    }

    /// The index of the code run `code` falls in.
    fn run_of(&self, version: IpVersion, code: u8) -> usize {
        let starts = &self.runs[&version];
        starts.partition_point(|&s| s <= code).saturating_sub(1)
    }

    /// The code runs of a version: `(first, last)` codes.
    fn code_runs(&self, version: IpVersion) -> Vec<(u8, u8)> {
        let starts = &self.runs[&version];
        starts
            .iter()
            .enumerate()
            .map(|(i, &first)| {
                let last = starts.get(i + 1).map_or(255, |&next| next - 1);
                (first, last)
            })
            .collect()
    }

    /// Every finding: what the ruleset breaks, exposes, could not
    /// evaluate, and rules that never decide anything. `role`: the
    /// machine's, when known (a host has no forward hook to judge).
    pub fn findings(&self, role: Option<Role>) -> Vec<Finding> {
        let mut grouped: BTreeMap<Group, Finding> = BTreeMap::new();
        for hook in Hook::ALL {
            let present = self.hooks.contains(&hook);
            // A hook without chains passes everything: judged as such,
            // except forward where the role does not say it forwards.
            let forwards = role.map_or(present, Role::forwards);
            if hook == Hook::Forward && !forwards {
                continue;
            }
            for version in [IpVersion::V4, IpVersion::V6] {
                if !self.ruleset.covers(version) {
                    continue;
                }
                let all_dropped = self.all_dropped(hook, version);
                if let Some(unless) = &all_dropped {
                    let by = self.entries[&(hook, version, 0)][0].unsolicited_by.clone();
                    let text = match version {
                        IpVersion::V4 => {
                            "all ICMPv4 dropped: no Fragmentation Needed (TCP over IPv4 hangs on large transfers), no ping, no traceroute, no unreachable errors"
                        }
                        IpVersion::V6 => {
                            "all ICMPv6 dropped: no neighbour discovery (no IPv6 on the link), no Packet Too Big (TCP over IPv6 hangs on large transfers), no ping, no traceroute"
                        }
                    };
                    let severity = if version == IpVersion::V6 && hook != Hook::Forward {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    Self::add(
                        &mut grouped,
                        Kind::Breaks,
                        hook,
                        None,
                        Consequence { severity, text },
                        Some(by),
                        unless,
                    );
                }
                for ((_, _, msg_type), row) in self
                    .entries
                    .range((hook, version, 0)..=(hook, version, 255))
                {
                    for ((first, last), entry) in self.code_runs(version).into_iter().zip(row) {
                        let message = Message {
                            version,
                            msg_type: *msg_type,
                            code: first,
                        };
                        let span = Span {
                            version,
                            msg_type: *msg_type,
                            codes: (first, last),
                        };
                        for (fate, by) in [
                            (&entry.treatment.unsolicited, &entry.unsolicited_by),
                            (&entry.treatment.related, &entry.related_by),
                        ] {
                            if let Fate::Unknown(text) = fate {
                                let finding = Self::add(
                                    &mut grouped,
                                    Kind::Unknown,
                                    hook,
                                    Some(span),
                                    Consequence {
                                        severity: Severity::Medium,
                                        text: "could not be evaluated",
                                    },
                                    Some(by.clone()),
                                    &BTreeSet::new(),
                                );
                                finding.rule_text = Some(text.clone());
                            }
                        }
                        let judge = |t: &Treatment, accepted: bool| {
                            if accepted {
                                consequence::when_accepted(hook, role, message, t)
                            } else {
                                consequence::when_dropped(hook, role, message, t)
                            }
                        };
                        for (kind, accepted) in [(Kind::Breaks, false), (Kind::Exposes, true)] {
                            if kind == Kind::Breaks && all_dropped.is_some() {
                                continue;
                            }
                            let Some(c) = judge(&entry.treatment, accepted) else {
                                continue;
                            };
                            // Where a condition that holds spares the
                            // message this consequence, it holds only for
                            // the packets meeting none of those.
                            let unless: BTreeSet<Condition> = entry
                                .conditional
                                .iter()
                                .filter(|a| judge(&a.treatment, accepted) != Some(c))
                                .flat_map(|a| a.when.iter().cloned())
                                .collect();
                            let by = if accepted {
                                entry_by_for_accept(entry)
                            } else {
                                entry_by_for_drop(entry)
                            };
                            Self::add(&mut grouped, kind, hook, Some(span), c, Some(by), &unless);
                        }
                    }
                }
            }
        }
        let mut findings: Vec<Finding> = grouped.into_values().collect();
        for version in [IpVersion::V4, IpVersion::V6] {
            if self.ruleset.unfiltered(version) {
                findings.push(Finding {
                    kind: Kind::Exposes,
                    severity: Severity::Info,
                    hook: None,
                    messages: Vec::new(),
                    text: format!(
                        "nothing filters ICMPv{}: no chain sees it, every message is accepted",
                        version.number()
                    ),
                    rule: Some(RuleRef::NoChain),
                    rule_text: None,
                    depends: BTreeSet::new(),
                });
            }
        }
        for chain in &self.ruleset.assumed_policies {
            findings.push(Finding {
                kind: Kind::Unknown,
                severity: Severity::Info,
                hook: None,
                messages: Vec::new(),
                text: format!(
                    "the policy of chain {chain} is not in the file (iptables-restore --noflush keeps the loaded one): assumed ACCEPT"
                ),
                rule: Some(RuleRef::Policy {
                    chain: chain.clone(),
                }),
                rule_text: None,
                depends: BTreeSet::new(),
            });
        }
        findings.extend(self.dead_rules());
        for finding in &mut findings {
            if finding.rule_text.is_none() {
                finding.rule_text = finding.rule.as_ref().and_then(|r| self.rule_text(r));
            }
        }
        findings.sort_by(|a, b| (a.hook, b.severity, a.kind).cmp(&(b.hook, a.severity, b.kind)));
        findings
    }

    /// Adds `span` to the finding of `kind` at `hook` with this
    /// consequence, rule and `unless` (conditions under which it does not
    /// hold), making one if needed. The finding keeps the consequence's
    /// severity, `unless` only says where it does not hold (a Docker host
    /// that forwards ICMP only to and from its bridges still drops it for
    /// every other route), except where the sparing conditions are a
    /// choice the audit recognises, which is [`Severity::Info`]
    /// ([`deliberate`]): a link-local message (neighbour and router
    /// discovery, MLD...) accepted only from link-local sources, as RFC
    /// 4890 does, and echo requests let in only to some addresses, as
    /// `--ping-host` does.
    fn add<'a>(
        grouped: &'a mut BTreeMap<Group, Finding>,
        kind: Kind,
        hook: Hook,
        span: Option<Span>,
        consequence: Consequence,
        rule: Option<RuleRef>,
        unless: &BTreeSet<Condition>,
    ) -> &'a mut Finding {
        let severity = if kind == Kind::Breaks && span.is_some_and(|s| deliberate(hook, s, unless))
        {
            Severity::Info
        } else {
            consequence.severity
        };
        let key = (
            kind,
            hook,
            consequence.text.to_owned(),
            rule.clone(),
            unless.clone(),
        );
        let finding = grouped.entry(key).or_insert_with(|| Finding {
            kind,
            severity,
            hook: Some(hook),
            messages: Vec::new(),
            text: consequence.text.to_owned(),
            rule,
            rule_text: None,
            depends: unless.clone(),
        });
        finding.severity = finding.severity.max(severity);
        // A span already covered (the same run found again in another
        // situation, after it was merged with its neighbours) adds nothing.
        if let Some(span) = span
            && !finding.messages.iter().any(|m| m.covers(&span))
        {
            match finding.messages.last_mut() {
                // Adjacent runs of codes of one type read as one.
                Some(last)
                    if last.version == span.version
                        && last.msg_type == span.msg_type
                        && last.codes.1.checked_add(1) == Some(span.codes.0) =>
                {
                    last.codes.1 = span.codes.1;
                }
                _ => finding.messages.push(span),
            }
        }
        finding
    }

    /// Whether every message of `version` is dropped at `hook` in every
    /// situation when no address or interface condition holds: `None` if
    /// not, else the conditions under which some are not (empty: none).
    fn all_dropped(&self, hook: Hook, version: IpVersion) -> Option<BTreeSet<Condition>> {
        let dropped = |t: &Treatment| {
            t.unsolicited == Fate::Drop
                && t.related == Fate::Drop
                && t.below_hop_limit_255
                    .as_ref()
                    .is_none_or(|f| *f == Fate::Drop)
        };
        let mut unless = BTreeSet::new();
        for t in 0..=255u8 {
            for e in &self.entries[&(hook, version, t)] {
                if !dropped(&e.treatment) {
                    return None;
                }
                for a in e.conditional.iter().filter(|a| !dropped(&a.treatment)) {
                    unless.extend(a.when.iter().cloned());
                }
            }
        }
        Some(unless)
    }

    /// The text of the rule `by` names.
    fn rule_text(&self, by: &RuleRef) -> Option<String> {
        self.ruleset
            .chains
            .iter()
            .flat_map(|c| &c.rules)
            .find(|r| &r.origin == by)
            .map(|r| r.text.clone())
    }

    /// Rules that can never decide anything: for each of what the rule
    /// stands for (a verdict map stands for one rule per element), an
    /// earlier rule of the same chain, with no rate limit, matches
    /// everything it matches.
    fn dead_rules(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for chain in &self.ruleset.chains {
            let mut seen: BTreeSet<&RuleRef> = BTreeSet::new();
            let mut parts_of: BTreeMap<&RuleRef, Vec<(usize, &ir::Rule)>> = BTreeMap::new();
            for (k, rule) in chain.rules.iter().enumerate() {
                parts_of.entry(&rule.origin).or_default().push((k, rule));
            }
            for later in &chain.rules {
                // A rule no ICMP message can match is not this audit's
                // business, dead or alive.
                if !seen.insert(&later.origin) || !can_match_icmp(later) {
                    continue;
                }
                let parts = parts_of.remove(&later.origin).unwrap_or_default();
                let shadows: Vec<&ir::Rule> = parts
                    .iter()
                    .map_while(|&(k, part)| {
                        if !decides(&part.action) {
                            return None;
                        }
                        chain.rules[..k].iter().find(|earlier| {
                            earlier.conds.len() <= part.conds.len()
                                && decides(&earlier.action)
                                && earlier.origin != part.origin
                                && !earlier
                                    .conds
                                    .iter()
                                    .any(|c| matches!(c, Cond::Limit { .. } | Cond::Unknown(_)))
                                && earlier.conds.iter().all(|c| part.conds.contains(c))
                        })
                    })
                    .collect();
                if shadows.len() != parts.len() {
                    continue;
                }
                let Some(earlier) = shadows.first() else {
                    continue;
                };
                let same = parts.len() == 1 && earlier.conds.len() == later.conds.len();
                out.push(Finding {
                    kind: Kind::Dead,
                    severity: Severity::Low,
                    hook: None,
                    messages: Vec::new(),
                    text: format!(
                        "never decides anything: {}, earlier, {} (a copy-paste slip?)",
                        earlier.origin,
                        if same {
                            format!("has the same match (`{}`)", earlier.text)
                        } else {
                            format!("matches all this rule matches (`{}`)", earlier.text)
                        }
                    ),
                    rule: Some(later.origin.clone()),
                    rule_text: Some(later.text.clone()),
                    depends: BTreeSet::new(),
                });
            }
        }
        out
    }

    /// Whether a finding that fails the audit exists (anything above
    /// [`Severity::Info`]).
    pub fn is_clean(&self, role: Option<Role>) -> bool {
        self.findings(role)
            .iter()
            .all(|f| f.severity == Severity::Info)
    }
}

/// Whether some ICMP or ICMPv6 message can match `rule` (no protocol
/// condition of it excludes both).
fn can_match_icmp(rule: &ir::Rule) -> bool {
    !rule.conds.iter().any(|c| {
        matches!(
            c,
            Cond::Protocol {
                v4: false,
                v6: false
            }
        )
    })
}

fn decides(action: &Action) -> bool {
    matches!(action, Action::Accept | Action::Drop)
}

/// The rule behind a drop finding: the related decision when that one
/// drops, else the unsolicited one.
fn entry_by_for_drop(entry: &Entry) -> RuleRef {
    if entry.treatment.related == Fate::Drop {
        entry.related_by.clone()
    } else {
        entry.unsolicited_by.clone()
    }
}

/// The rule behind an accept finding.
fn entry_by_for_accept(entry: &Entry) -> RuleRef {
    match (&entry.treatment.below_hop_limit_255, &entry.below_by) {
        (Some(Fate::Accept | Fate::Limit(_)), Some(by)) => by.clone(),
        _ if matches!(entry.treatment.unsolicited, Fate::Accept | Fate::Limit(_)) => {
            entry.unsolicited_by.clone()
        }
        _ => entry.related_by.clone(),
    }
}

/// One message at one hook in every situation, for packets that meet the
/// conditions `holds` says they do.
struct Decided {
    treatment: Treatment,
    unsolicited_by: RuleRef,
    related_by: RuleRef,
    below_by: Option<RuleRef>,
    /// Conditions met on the way and taken not to hold.
    depends: BTreeSet<Condition>,
}

fn decide(
    ruleset: &Ruleset,
    hook: Hook,
    message: Message,
    holds: &dyn Fn(&Condition) -> bool,
) -> Decided {
    let (high, low) = match message.version {
        IpVersion::V4 => (64, 64),
        IpVersion::V6 => (255, 64),
    };
    let run = |related: bool, hop_limit: u8| {
        eval::evaluate(
            ruleset,
            hook,
            Packet {
                message,
                ct: ct_state(message, related),
                hop_limit,
            },
            holds,
        )
    };
    let unsolicited = run(false, high);
    let related = run(true, high);
    let mut depends = unsolicited.depends.clone();
    depends.extend(related.depends.iter().cloned());
    let (mut below, mut below_by) = (None, None);
    if high != low {
        let u = run(false, low);
        let r = run(true, low);
        depends.extend(u.depends.iter().cloned());
        depends.extend(r.depends.iter().cloned());
        if u.fate != unsolicited.fate {
            below = Some(u.fate);
            below_by = Some(u.by);
        } else if r.fate != related.fate {
            below = Some(r.fate);
            below_by = Some(r.by);
        }
    }
    Decided {
        treatment: Treatment {
            unsolicited: unsolicited.fate,
            related: related.fate,
            below_hop_limit_255: below,
        },
        unsolicited_by: unsolicited.by,
        related_by: related.by,
        below_by,
        depends,
    }
}

/// Evaluates one message at one hook in every situation: for packets that
/// meet no address or interface condition, then for those that meet some
/// (breadth first, so the smallest sets of conditions that change the
/// treatment are found first).
fn entry(ruleset: &Ruleset, hook: Hook, message: Message) -> Entry {
    let none = decide(ruleset, hook, message, &|_| false);
    let mut conditional: Vec<Alternative> = Vec::new();
    let mut tried: BTreeSet<BTreeSet<Condition>> = BTreeSet::new();
    let mut queue: VecDeque<BTreeSet<Condition>> = none
        .depends
        .iter()
        .map(|c| BTreeSet::from([c.clone()]))
        .collect();
    while let Some(assumed) = queue.pop_front() {
        if tried.len() >= MAX_ASSUMPTIONS {
            break;
        }
        if !tried.insert(assumed.clone()) {
            continue;
        }
        let then = decide(ruleset, hook, message, &|c| assumed.contains(c));
        for c in &then.depends {
            let mut more = assumed.clone();
            more.insert(c.clone());
            queue.push_back(more);
        }
        let known = conditional
            .iter()
            .any(|a| a.treatment == then.treatment && a.when.iter().all(|c| assumed.contains(c)));
        if then.treatment == none.treatment || known {
            continue;
        }
        let t = &then.treatment;
        let by = if t.unsolicited != none.treatment.unsolicited {
            then.unsolicited_by
        } else if t.related != none.treatment.related {
            then.related_by
        } else {
            then.below_by.unwrap_or(then.unsolicited_by)
        };
        conditional.push(Alternative {
            when: assumed.into_iter().collect(),
            treatment: then.treatment,
            by,
        });
    }
    let depends = conditional
        .iter()
        .flat_map(|a| a.when.iter().cloned())
        .collect();
    Entry {
        treatment: none.treatment,
        unsolicited_by: none.unsolicited_by,
        related_by: none.related_by,
        below_by: none.below_by,
        conditional,
        depends,
    }
}

/// What groups findings: kind, hook, consequence, rule, and the
/// conditions under which it does not hold.
type Group = (Kind, Hook, String, Option<RuleRef>, BTreeSet<Condition>);

/// What kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A drop that breaks something.
    Breaks,
    /// An accept that exposes something.
    Exposes,
    /// A rule the audit could not evaluate.
    Unknown,
    /// A rule that never decides anything.
    Dead,
}

impl Kind {
    /// The word in reports: `breaks`, `exposes`, `unknown`, `dead rule`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Breaks => "breaks",
            Kind::Exposes => "exposes",
            Kind::Unknown => "unknown",
            Kind::Dead => "dead rule",
        }
    }
}

/// A run of codes of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The type.
    pub msg_type: u8,
    /// The first and last code.
    pub codes: (u8, u8),
}

impl Span {
    /// Whether every code of `other` is in this span.
    pub fn covers(&self, other: &Span) -> bool {
        self.version == other.version
            && self.msg_type == other.msg_type
            && self.codes.0 <= other.codes.0
            && other.codes.1 <= self.codes.1
    }
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Breaks, exposes, unknown, dead rule.
    pub kind: Kind,
    /// How much it matters.
    pub severity: Severity,
    /// Where (`None` for a dead rule).
    pub hook: Option<Hook>,
    /// The messages concerned (empty for a dead rule or an all-of-ICMP
    /// finding).
    pub messages: Vec<Span>,
    /// What it breaks or exposes, or why the rule is dead.
    pub text: String,
    /// The rule (or policy) responsible.
    pub rule: Option<RuleRef>,
    /// That rule's text (or, for an unknown, what could not be evaluated).
    pub rule_text: Option<String>,
    /// Address or interface conditions under which the finding does not
    /// hold (the message is not dropped, or not accepted, for packets that
    /// meet them); empty: it holds for every packet.
    pub depends: BTreeSet<Condition>,
}
