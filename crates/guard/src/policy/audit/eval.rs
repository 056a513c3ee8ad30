//! Runs a message through the rule IR as netfilter would.

use std::collections::BTreeSet;

use super::ir::{Action, Cond, Condition, NfHook, Rule, RuleRef, Ruleset, ct};
use crate::policy::{Fate, Hook, IpVersion, Message, Rate};

/// Enough forks at rate limits and steps for any sane ruleset; past them
/// the answer is unknown rather than slow.
const BUDGET: u32 = 20_000;
/// Deepest chain nesting followed (netfilter's own limit is 16 for jumps).
const MAX_DEPTH: usize = 32;

/// What one packet meets: its message, conntrack state and hop limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet {
    /// The message.
    pub(crate) message: Message,
    /// Its conntrack state ([`ct`] bit).
    pub(crate) ct: u8,
    /// Its hop limit (TTL for IPv4).
    pub(crate) hop_limit: u8,
}

/// The fate of a packet at a hook and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// What happens.
    pub(crate) fate: Fate,
    /// The rule (or policy) that decided it.
    pub(crate) by: RuleRef,
    /// Address and interface conditions met on the way and taken not to
    /// hold: one that held might change the answer.
    pub(crate) depends: BTreeSet<Condition>,
}

impl Outcome {
    fn new(fate: Fate, by: RuleRef) -> Outcome {
        Outcome {
            fate,
            by,
            depends: BTreeSet::new(),
        }
    }
}

/// The netfilter hooks a packet passes for one of our hooks, in order.
fn passes(hook: Hook) -> &'static [NfHook] {
    match hook {
        Hook::Input => &[NfHook::Prerouting, NfHook::Input],
        Hook::Forward => &[NfHook::Prerouting, NfHook::Forward, NfHook::Postrouting],
        Hook::Output => &[NfHook::Output, NfHook::Postrouting],
    }
}

/// Whether any base chain of the ruleset sees packets of `version` at
/// `hook`.
pub(crate) fn hook_present(ruleset: &Ruleset, hook: Hook, version: IpVersion) -> bool {
    ruleset
        .bases
        .iter()
        .any(|b| passes(hook).contains(&b.hook) && b.family.versions().contains(&version))
}

/// The fate of `packet` at `hook`: every base chain it passes, in order;
/// a drop anywhere is final, an accept passes it to the next. `holds`:
/// which address and interface conditions the packet meets (the others
/// are taken not to hold, and recorded in the outcome's `depends`).
pub(crate) fn evaluate(
    ruleset: &Ruleset,
    hook: Hook,
    packet: Packet,
    holds: &dyn Fn(&Condition) -> bool,
) -> Outcome {
    let mut bases: Vec<_> = ruleset
        .bases
        .iter()
        .filter(|b| b.family.versions().contains(&packet.message.version))
        .filter_map(|b| {
            let stage = passes(hook).iter().position(|&h| h == b.hook)?;
            Some((stage, b.priority, b))
        })
        .collect();
    bases.sort_by_key(|&(stage, priority, _)| (stage, priority));
    let mut result = Outcome::new(Fate::Accept, RuleRef::NoChain);
    let mut budget = BUDGET;
    for (_, _, base) in bases {
        let policy = RuleRef::Policy {
            chain: ruleset.chains[base.chain].name.clone(),
        };
        let machine = Machine {
            ruleset,
            packet,
            holds,
            policy_accept: base.policy_accept,
            policy,
        };
        let frames = vec![Frame {
            chain: base.chain,
            rule: 0,
            cond: 0,
        }];
        let next = machine.run(frames, &mut budget);
        result = then(result, next);
        if result.fate == Fate::Drop {
            break;
        }
    }
    result
}

/// `first` (one base chain's outcome) followed by `next` (a later one's).
fn then(first: Outcome, next: Outcome) -> Outcome {
    let mut depends = first.depends.clone();
    depends.extend(next.depends.iter().cloned());
    let mut out = match (&first.fate, &next.fate) {
        // A drop is final; an unknown stays unknown unless a drop follows;
        // a limit stays unless a tighter one follows.
        (Fate::Drop | Fate::Unknown(_), _) | (Fate::Limit(_), Fate::Accept) => first,
        (_, Fate::Drop | Fate::Unknown(_)) | (Fate::Accept, Fate::Limit(_)) => next,
        // Accepted by both: name a rule that accepts it, if any did.
        (Fate::Accept, Fate::Accept) => {
            if matches!(first.by, RuleRef::Nft { .. } | RuleRef::Line { .. })
                || matches!(next.by, RuleRef::NoChain)
            {
                first
            } else {
                next
            }
        }
        (Fate::Limit(a), Fate::Limit(b)) => {
            if tighter(*a, *b) == *a {
                first
            } else {
                next
            }
        }
    };
    out.depends = depends;
    out
}

/// The stricter of two limits (by the sustained rate, then the burst).
fn tighter(a: Rate, b: Rate) -> Rate {
    // a/ua < b/ub, exactly: a * ub < b * ua.
    let sustained =
        |r: Rate, other: Rate| u64::from(r.per_second) * u64::from(other.unit.seconds());
    if (sustained(b, a), b.burst) < (sustained(a, b), a.burst) {
        b
    } else {
        a
    }
}

/// Two limits' buckets added up, in the coarser unit of the two (exact:
/// each unit's length divides the next's).
fn sum(a: Rate, b: Rate) -> Rate {
    let unit = a.unit.max(b.unit);
    let scaled = |r: Rate| {
        let factor = unit.seconds() / r.unit.seconds();
        r.per_second.saturating_mul(factor)
    };
    Rate {
        per_second: scaled(a).saturating_add(scaled(b)),
        unit,
        burst: a.burst.saturating_add(b.burst),
        key: a.key.min(b.key),
    }
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    chain: usize,
    rule: usize,
    cond: usize,
}

struct Machine<'a> {
    ruleset: &'a Ruleset,
    packet: Packet,
    holds: &'a dyn Fn(&Condition) -> bool,
    policy_accept: bool,
    policy: RuleRef,
}

/// What one condition says about the packet.
enum Test {
    Holds,
    Fails,
    Fork(Rate, bool),
    Depends(Condition),
    Unknown(String),
}

impl Machine<'_> {
    fn test(&self, cond: &Cond) -> Test {
        let m = self.packet.message;
        let holds = |b: bool| if b { Test::Holds } else { Test::Fails };
        match cond {
            Cond::Protocol { v4, v6 } => holds(match m.version {
                IpVersion::V4 => *v4,
                IpVersion::V6 => *v6,
            }),
            Cond::Type {
                version,
                set,
                negated,
            } => holds(*version == m.version && set.contains(m.msg_type) != *negated),
            Cond::Code {
                version,
                set,
                negated,
            } => holds(*version == m.version && set.contains(m.code) != *negated),
            Cond::CtState { states, negated } => holds((states & self.packet.ct != 0) != *negated),
            Cond::HopLimit { version, op, value } => {
                holds(*version == m.version && op.holds(self.packet.hop_limit, *value))
            }
            Cond::Limit { rate, over } => Test::Fork(*rate, *over),
            Cond::Depends(what) if (self.holds)(what) => Test::Holds,
            Cond::Depends(what) => Test::Depends(what.clone()),
            Cond::Unknown(what) => Test::Unknown(what.clone()),
        }
    }

    /// Whether a condition of `rule` that can be settled for this packet
    /// (protocol, type, code, conntrack state, hop limit) fails: the
    /// conditions are a conjunction, so the rule cannot match.
    fn rules_out(&self, rule: &Rule) -> bool {
        rule.conds.iter().any(|cond| {
            matches!(
                cond,
                Cond::Protocol { .. }
                    | Cond::Type { .. }
                    | Cond::Code { .. }
                    | Cond::CtState { .. }
                    | Cond::HopLimit { .. }
            ) && matches!(self.test(cond), Test::Fails)
        })
    }

    fn policy(&self) -> Outcome {
        let fate = if self.policy_accept {
            Fate::Accept
        } else {
            Fate::Drop
        };
        Outcome::new(fate, self.policy.clone())
    }

    /// Runs from the state `frames` (innermost last) to a verdict.
    fn run(&self, mut frames: Vec<Frame>, budget: &mut u32) -> Outcome {
        let mut depends = BTreeSet::new();
        let mut out = self.step(&mut frames, budget, &mut depends);
        out.depends.extend(depends);
        out
    }

    fn step(
        &self,
        frames: &mut Vec<Frame>,
        budget: &mut u32,
        depends: &mut BTreeSet<Condition>,
    ) -> Outcome {
        loop {
            if *budget == 0 {
                return Outcome::new(
                    Fate::Unknown("the ruleset is too large to follow every path".to_owned()),
                    self.policy.clone(),
                );
            }
            *budget -= 1;
            let Some(&frame) = frames.last() else {
                return self.policy();
            };
            let Some(rule) = self
                .ruleset
                .chains
                .get(frame.chain)
                .and_then(|c| c.rules.get(frame.rule))
            else {
                // End of a chain: back to the caller (or the policy).
                frames.pop();
                continue;
            };
            let top = frames.len() - 1;
            if frame.cond == 0 && self.rules_out(rule) {
                // A rule that cannot match this packet whatever its
                // addresses (`ip saddr A tcp dport P`) neither decides nor
                // makes the answer depend on anything.
                frames[top].rule += 1;
                continue;
            }
            if let Some(cond) = rule.conds.get(frame.cond) {
                match self.test(cond) {
                    Test::Holds => frames[top].cond += 1,
                    Test::Fails => {
                        frames[top].rule += 1;
                        frames[top].cond = 0;
                    }
                    Test::Depends(what) => {
                        depends.insert(what);
                        frames[top].rule += 1;
                        frames[top].cond = 0;
                    }
                    Test::Unknown(what) => {
                        return Outcome::new(
                            Fate::Unknown(format!("{} ({what})", rule.text)),
                            rule.origin.clone(),
                        );
                    }
                    Test::Fork(rate, over) => {
                        // Under the rate the limit matches (`over`: does
                        // not); the two paths go on from here.
                        let mut matched = frames.clone();
                        let top_matched = matched.len() - 1;
                        matched[top_matched].cond += 1;
                        let mut failed = frames.clone();
                        failed[top].rule += 1;
                        failed[top].cond = 0;
                        let (under, above) = if over {
                            (failed, matched)
                        } else {
                            (matched, failed)
                        };
                        let under = self.run(under, budget);
                        let above = self.run(above, budget);
                        return limited(under, above, rate, &rule.origin, &rule.text);
                    }
                }
                continue;
            }
            match &rule.action {
                Action::Accept => return Outcome::new(Fate::Accept, rule.origin.clone()),
                Action::Drop => return Outcome::new(Fate::Drop, rule.origin.clone()),
                Action::Continue => {
                    frames[top].rule += 1;
                    frames[top].cond = 0;
                }
                Action::Return => {
                    frames.pop();
                }
                Action::Jump(chain) | Action::Goto(chain) => {
                    if frames.len() >= MAX_DEPTH {
                        return Outcome::new(
                            Fate::Unknown(format!(
                                "{} (chains nested too deep: a loop?)",
                                rule.text
                            )),
                            rule.origin.clone(),
                        );
                    }
                    if matches!(rule.action, Action::Goto(_)) {
                        frames.pop();
                    } else {
                        frames[top].rule += 1;
                        frames[top].cond = 0;
                    }
                    frames.push(Frame {
                        chain: *chain,
                        rule: 0,
                        cond: 0,
                    });
                }
                Action::Unknown(what) => {
                    return Outcome::new(
                        Fate::Unknown(format!("{} ({what})", rule.text)),
                        rule.origin.clone(),
                    );
                }
            }
        }
    }
}

/// The outcome of a rate limit: `under` for packets within `rate`,
/// `above` for the rest.
fn limited(under: Outcome, above: Outcome, rate: Rate, origin: &RuleRef, text: &str) -> Outcome {
    let mut depends = under.depends.clone();
    depends.extend(above.depends.iter().cloned());
    let mut out = match (&under.fate, &above.fate) {
        (Fate::Unknown(_), _) => under,
        (_, Fate::Unknown(_)) => above,
        (a, b) if a == b => under,
        (Fate::Accept, Fate::Drop) => Outcome::new(Fate::Limit(rate), origin.clone()),
        (Fate::Limit(inner), Fate::Drop) => {
            let inner = *inner;
            Outcome::new(Fate::Limit(tighter(rate, inner)), origin.clone())
        }
        // Under the rate accepted, above it limited again: the two buckets
        // add up, kept by the coarser key.
        (Fate::Accept, Fate::Limit(more)) => {
            let more = *more;
            Outcome::new(Fate::Limit(sum(rate, more)), origin.clone())
        }
        _ => Outcome::new(
            Fate::Unknown(format!(
                "{text} (a rate limit whose packets above the rate fare better than those under it)"
            )),
            origin.clone(),
        ),
    };
    out.depends = depends;
    out
}

/// The conntrack state a message has in the situation: `related` (a
/// message of a tracked flow) or not (unsolicited), as Linux conntrack
/// assigns it.
///
/// Only the request/reply pairs `nf_conntrack_proto_icmp.c` and
/// `nf_conntrack_proto_icmpv6.c` can invert are tracked: echo, timestamp,
/// information and address mask (ICMPv4), echo and node information
/// (ICMPv6). Anything else that is no error, extended echo (RFC 8335:
/// ICMPv4 42/43, ICMPv6 160/161) included, has no conntrack entry: it is
/// `invalid` whatever went before, so `ct state established,related`
/// never matches it.
pub(crate) fn ct_state(message: Message, related: bool) -> u8 {
    let Message {
        version, msg_type, ..
    } = message;
    let error = icmpkit_wire::meaning::is_error(version, msg_type);
    // Neighbour discovery and MLD are never tracked.
    let untracked = version == IpVersion::V6 && matches!(msg_type, 130..=136 | 143);
    // The requests conntrack starts a flow with.
    let request = match version {
        IpVersion::V4 => matches!(msg_type, 8 | 13 | 15 | 17),
        IpVersion::V6 => matches!(msg_type, 128 | 139),
    };
    // Replies to those requests.
    let reply = match version {
        IpVersion::V4 => matches!(msg_type, 0 | 14 | 16 | 18),
        IpVersion::V6 => matches!(msg_type, 129 | 140),
    };
    if untracked {
        ct::UNTRACKED
    } else if error {
        if related { ct::RELATED } else { ct::INVALID }
    } else if request {
        if related { ct::ESTABLISHED } else { ct::NEW }
    } else if reply && related {
        ct::ESTABLISHED
    } else {
        ct::INVALID
    }
}
