//! `nft -j list ruleset` to the rule IR.
//!
//! Only tables of family `ip`, `ip6` and `inet` are read (the others never
//! see an IP packet at the hooks audited). An expression this reader does
//! not understand becomes an unknown condition or action of its rule, never
//! an error: errors are for text that is not such JSON at all.

use std::collections::HashMap;

use serde_json::Value;

use super::ir::{
    About, Action, BaseChain, ByteSet, Chain, Compare, Cond, Condition, NfHook, Rule, RuleRef,
    Ruleset, ct,
};
use super::{ParseError, names};
use crate::policy::{IpVersion, Rate, RateKey, RateUnit, TableFamily};

/// Reads `nft -j list ruleset` output.
pub(crate) fn parse(text: &str) -> Result<Ruleset, ParseError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ParseError::json(&e))?;
    let Some(items) = root.get("nftables").and_then(Value::as_array) else {
        return Err(ParseError::at(
            "the top level",
            "an object with an \"nftables\" array (the output of `nft -j list ruleset`)",
            &root,
        ));
    };
    let mut reader = Reader::default();
    reader.ruleset.whole = true;
    for (i, item) in items.iter().enumerate() {
        if let Some(chain) = item.get("chain") {
            reader.chain(i, chain)?;
        } else if let Some(set) = item.get("set").or_else(|| item.get("map")) {
            reader.set(set);
        }
    }
    for (i, item) in items.iter().enumerate() {
        if let Some(rule) = item.get("rule") {
            reader.rule(i, rule)?;
        }
    }
    Ok(reader.ruleset)
}

#[derive(Default)]
struct Reader {
    ruleset: Ruleset,
    /// (family, table, chain) -> chain index.
    chains: HashMap<(String, String, String), usize>,
    /// (family, table, set) -> its elements.
    sets: HashMap<(String, String, String), Value>,
}

fn family(name: &str) -> Option<TableFamily> {
    match name {
        "inet" => Some(TableFamily::Inet),
        "ip" => Some(TableFamily::Ip),
        "ip6" => Some(TableFamily::Ip6),
        _ => None,
    }
}

fn text_field<'a>(
    i: usize,
    object: &'a Value,
    kind: &str,
    key: &str,
) -> Result<&'a str, ParseError> {
    object.get(key).and_then(Value::as_str).ok_or_else(|| {
        ParseError::at(
            &format!("nftables[{i}].{kind}"),
            &format!("a string \"{key}\""),
            object.get(key).unwrap_or(&Value::Null),
        )
    })
}

impl Reader {
    fn chain(&mut self, i: usize, chain: &Value) -> Result<(), ParseError> {
        let fam = text_field(i, chain, "chain", "family")?;
        let table = text_field(i, chain, "chain", "table")?;
        let name = text_field(i, chain, "chain", "name")?;
        let Some(table_family) = family(fam) else {
            return Ok(());
        };
        let index = self.ruleset.chains.len();
        self.ruleset.chains.push(Chain {
            name: format!("{fam} {table} {name}"),
            rules: Vec::new(),
        });
        self.chains
            .insert((fam.to_owned(), table.to_owned(), name.to_owned()), index);
        let Some(hook) = chain.get("hook").and_then(Value::as_str) else {
            return Ok(());
        };
        let Some(hook) = NfHook::from_name(hook) else {
            return Ok(());
        };
        // A nat chain sees only the packet that creates a connection, and
        // ICMP errors never: not where ICMP is filtered.
        if chain.get("type").and_then(Value::as_str) == Some("nat") {
            return Ok(());
        }
        let priority = match chain.get("prio") {
            Some(Value::Number(n)) => n.as_i64().and_then(|p| i32::try_from(p).ok()),
            Some(Value::String(s)) => standard_priority(s),
            _ => None,
        };
        let Some(priority) = priority else {
            return Err(ParseError::at(
                &format!("nftables[{i}].chain.prio"),
                "an integer priority",
                chain.get("prio").unwrap_or(&Value::Null),
            ));
        };
        let policy_accept = chain.get("policy").and_then(Value::as_str) != Some("drop");
        self.ruleset.bases.push(BaseChain {
            chain: index,
            family: table_family,
            hook,
            priority,
            policy_accept,
        });
        Ok(())
    }

    fn set(&mut self, set: &Value) {
        let (Some(fam), Some(table), Some(name)) = (
            set.get("family").and_then(Value::as_str),
            set.get("table").and_then(Value::as_str),
            set.get("name").and_then(Value::as_str),
        ) else {
            return;
        };
        let elements = set.get("elem").cloned().unwrap_or(Value::Array(Vec::new()));
        self.sets.insert(
            (fam.to_owned(), table.to_owned(), name.to_owned()),
            elements,
        );
    }

    fn rule(&mut self, i: usize, rule: &Value) -> Result<(), ParseError> {
        let fam = text_field(i, rule, "rule", "family")?;
        let table = text_field(i, rule, "rule", "table")?;
        let chain = text_field(i, rule, "rule", "chain")?;
        if family(fam).is_none() {
            return Ok(());
        }
        let Some(&index) = self
            .chains
            .get(&(fam.to_owned(), table.to_owned(), chain.to_owned()))
        else {
            return Err(ParseError::at(
                &format!("nftables[{i}].rule.chain"),
                "the name of a chain listed before",
                rule.get("chain").unwrap_or(&Value::Null),
            ));
        };
        let handle = rule.get("handle").and_then(Value::as_u64).unwrap_or(0);
        let origin = RuleRef::Nft {
            family: fam.to_owned(),
            table: table.to_owned(),
            chain: chain.to_owned(),
            handle,
        };
        let empty = Vec::new();
        let exprs = rule.get("expr").and_then(Value::as_array).unwrap_or(&empty);
        let mut text = exprs.iter().map(render).collect::<Vec<_>>().join(" ");
        if let Some(comment) = rule.get("comment").and_then(Value::as_str) {
            text = format!("{text} comment \"{comment}\"");
        }
        let scope = Scope {
            family: fam,
            table,
            reader: self,
        };
        let rules = scope.statements(exprs, &origin, &text);
        self.ruleset.chains[index].rules.extend(rules);
        Ok(())
    }
}

/// What a rule's expressions are read against (its table's sets, chains).
struct Scope<'a> {
    family: &'a str,
    table: &'a str,
    reader: &'a Reader,
}

impl Scope<'_> {
    /// The rules one nft rule stands for: one, or one per element of a
    /// verdict map.
    fn statements(&self, exprs: &[Value], origin: &RuleRef, text: &str) -> Vec<Rule> {
        let mut conds = Vec::new();
        for expr in exprs {
            let Some((key, body)) = expr.as_object().and_then(|o| o.iter().next()) else {
                conds.push(Cond::Unknown(render(expr)));
                continue;
            };
            let action = match key.as_str() {
                "match" => {
                    conds.push(self.matching(body));
                    continue;
                }
                "counter" | "log" => continue,
                "limit" => {
                    conds.push(limit(body, RateKey::Everyone, expr));
                    continue;
                }
                "meter" => {
                    conds.push(keyed(body.get("key"), body.get("stmt"), expr));
                    continue;
                }
                "set" => {
                    conds.push(keyed(body.get("elem"), body.get("stmt"), expr));
                    continue;
                }
                "mangle" => {
                    let target = body.get("key");
                    if target
                        .and_then(|k| k.get("meta").or_else(|| k.get("ct")))
                        .is_some()
                    {
                        continue;
                    }
                    Action::Unknown(render(expr))
                }
                "vmap" => return self.vmap(body, conds, origin, text, expr),
                _ => self
                    .verdict(key, body)
                    .unwrap_or_else(|| Action::Unknown(render(expr))),
            };
            return vec![Rule {
                origin: origin.clone(),
                text: text.to_owned(),
                conds,
                action,
            }];
        }
        vec![Rule {
            origin: origin.clone(),
            text: text.to_owned(),
            conds,
            action: Action::Continue,
        }]
    }

    fn verdict(&self, key: &str, body: &Value) -> Option<Action> {
        Some(match key {
            "accept" => Action::Accept,
            "drop" | "reject" => Action::Drop,
            "return" => Action::Return,
            "continue" => Action::Continue,
            "jump" | "goto" => {
                let target = body.get("target").and_then(Value::as_str)?;
                let index = *self.reader.chains.get(&(
                    self.family.to_owned(),
                    self.table.to_owned(),
                    target.to_owned(),
                ))?;
                if key == "jump" {
                    Action::Jump(index)
                } else {
                    Action::Goto(index)
                }
            }
            _ => return None,
        })
    }

    fn vmap(
        &self,
        body: &Value,
        conds: Vec<Cond>,
        origin: &RuleRef,
        text: &str,
        expr: &Value,
    ) -> Vec<Rule> {
        let unknown = |conds: Vec<Cond>| {
            vec![Rule {
                origin: origin.clone(),
                text: text.to_owned(),
                conds,
                action: Action::Unknown(render(expr)),
            }]
        };
        let Some(key) = body.get("key") else {
            return unknown(conds);
        };
        let data = body.get("data");
        let entries = match data.and_then(|d| d.get("set")).or(data) {
            Some(Value::Array(entries)) => entries.clone(),
            Some(Value::String(name)) if name.starts_with('@') => {
                match self.named(&name[1..]).and_then(Value::as_array) {
                    Some(entries) => entries.clone(),
                    None => return unknown(conds),
                }
            }
            _ => return unknown(conds),
        };
        let mut rules = Vec::new();
        for entry in &entries {
            let pair = entry.as_array().filter(|p| p.len() == 2);
            let Some(pair) = pair else {
                return unknown(conds);
            };
            let verdict = pair[1]
                .as_object()
                .and_then(|o| o.iter().next())
                .and_then(|(k, v)| self.verdict(k, v));
            let Some(action) = verdict else {
                return unknown(conds);
            };
            let mut these = conds.clone();
            these.push(self.compare(key, "==", &pair[0]));
            rules.push(Rule {
                origin: origin.clone(),
                text: text.to_owned(),
                conds: these,
                action,
            });
        }
        rules
    }

    fn named(&self, name: &str) -> Option<&Value> {
        self.reader.sets.get(&(
            self.family.to_owned(),
            self.table.to_owned(),
            name.to_owned(),
        ))
    }

    fn matching(&self, body: &Value) -> Cond {
        let (Some(left), Some(op), Some(right)) = (
            body.get("left"),
            body.get("op").and_then(Value::as_str),
            body.get("right"),
        ) else {
            return Cond::Unknown(render(body));
        };
        self.compare(left, op, right)
    }

    /// `left op right` as a condition.
    fn compare(&self, left: &Value, op: &str, right: &Value) -> Cond {
        let shown = || format!("{} {op} {}", render(left), render(right));
        let negated = match op {
            "==" | "in" => false,
            "!=" => true,
            _ => {
                return match hop_limit_version(left) {
                    Some(version) => self.hop_limit(version, op, right, &shown()),
                    None => Self::other(left, &shown()),
                };
            }
        };
        if let Some(later) = later_fragment(left, negated, right) {
            return later;
        }
        if let Some(payload) = left.get("payload") {
            let protocol = payload
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("");
            let field = payload.get("field").and_then(Value::as_str).unwrap_or("");
            let version = match protocol {
                "icmp" => Some(IpVersion::V4),
                "icmpv6" => Some(IpVersion::V6),
                _ => None,
            };
            if let Some(version) = version {
                let lookup: fn(IpVersion, &str) -> Option<u8> = match field {
                    "type" => names::msg_type,
                    "code" => names::code,
                    _ => return Cond::Unknown(shown()),
                };
                let Some(set) = self.values(right, &|s| lookup(version, s)) else {
                    return Cond::Unknown(shown());
                };
                return if field == "type" {
                    Cond::Type {
                        version,
                        set,
                        negated,
                    }
                } else {
                    Cond::Code {
                        version,
                        set,
                        negated,
                    }
                };
            }
            match (protocol, field) {
                ("ip", "protocol") => {
                    return self.protocol(right, negated, (true, false), &shown());
                }
                ("ip6", "nexthdr") => {
                    return self.protocol(right, negated, (false, true), &shown());
                }
                ("ip", "ttl") => return self.hop_limit(IpVersion::V4, op, right, &shown()),
                ("ip6", "hoplimit") => return self.hop_limit(IpVersion::V6, op, right, &shown()),
                ("tcp" | "udp" | "udplite" | "sctp" | "dccp" | "ah" | "esp" | "comp", _) => {
                    return Cond::Protocol {
                        v4: false,
                        v6: false,
                    };
                }
                _ => {}
            }
        }
        if let Some(meta) = left
            .get("meta")
            .and_then(|m| m.get("key"))
            .and_then(Value::as_str)
        {
            match meta {
                "l4proto" => return self.protocol(right, negated, (true, true), &shown()),
                "nfproto" | "protocol" => {
                    let Some(set) = self.values(right, &|s| match s {
                        "ipv4" | "ip" => Some(4),
                        "ipv6" | "ip6" => Some(6),
                        _ => Some(0),
                    }) else {
                        return Cond::Unknown(shown());
                    };
                    return Cond::Protocol {
                        v4: set.contains(4) != negated,
                        v6: set.contains(6) != negated,
                    };
                }
                _ => {}
            }
        }
        if left
            .get("ct")
            .and_then(|c| c.get("key"))
            .and_then(Value::as_str)
            == Some("state")
        {
            let mut states = 0u8;
            for name in strings(right) {
                match ct::state(&name) {
                    Some(bit) => states |= bit,
                    None => return Cond::Unknown(shown()),
                }
            }
            return Cond::CtState { states, negated };
        }
        Self::other(left, &shown())
    }

    /// A condition on something other than protocol, ICMP, conntrack
    /// state or hop limit: an address or interface condition the fate may
    /// depend on, or one the audit cannot evaluate.
    fn other(left: &Value, shown: &str) -> Cond {
        match about(left) {
            Some(about) => Cond::Depends(Condition::new(about, shown)),
            None => Cond::Unknown(shown.to_owned()),
        }
    }

    fn protocol(&self, right: &Value, negated: bool, scope: (bool, bool), shown: &str) -> Cond {
        let Some(set) = self.values(right, &|s| match s {
            "icmp" => Some(1),
            "ipv6-icmp" | "icmpv6" => Some(58),
            // Any other protocol: matches no ICMP packet.
            _ => Some(0),
        }) else {
            return Cond::Unknown(shown.to_owned());
        };
        Cond::Protocol {
            v4: scope.0 && (set.contains(1) != negated),
            v6: scope.1 && (set.contains(58) != negated),
        }
    }

    fn hop_limit(&self, version: IpVersion, op: &str, right: &Value, shown: &str) -> Cond {
        let op = match op {
            "==" => Compare::Eq,
            "!=" => Compare::Ne,
            "<" => Compare::Lt,
            ">" => Compare::Gt,
            "<=" => Compare::Le,
            ">=" => Compare::Ge,
            _ => return Cond::Unknown(shown.to_owned()),
        };
        let _ = self;
        right
            .as_u64()
            .and_then(|v| u8::try_from(v).ok())
            .map_or_else(
                || Cond::Unknown(shown.to_owned()),
                |value| Cond::HopLimit { version, op, value },
            )
    }

    /// The byte values `right` stands for: a value, a name, a range, an
    /// anonymous or named set (`@name`), a list.
    fn values(&self, right: &Value, lookup: &dyn Fn(&str) -> Option<u8>) -> Option<ByteSet> {
        let one = |v: &Value| -> Option<u8> {
            match v {
                Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
                Value::String(s) => lookup(s),
                _ => None,
            }
        };
        let mut set = ByteSet::default();
        match right {
            Value::String(name) if name.starts_with('@') => {
                return self.values(self.named(&name[1..])?, lookup);
            }
            Value::Array(items) => {
                for item in items {
                    set.union(self.values(item, lookup)?);
                }
            }
            Value::Object(object) => {
                if let Some(items) = object.get("set") {
                    return self.values(items, lookup);
                }
                if let Some(range) = object.get("range").and_then(Value::as_array) {
                    let (lo, hi) = (one(range.first()?)?, one(range.get(1)?)?);
                    return Some(ByteSet::range(lo, hi));
                }
                if let Some(elem) = object.get("elem") {
                    return self.values(elem.get("val")?, lookup);
                }
                return None;
            }
            _ => set.insert(one(right)?),
        }
        Some(set)
    }
}

/// What the left side of a comparison is about, when it is an address or
/// an interface (or something else a packet's addresses decide).
fn about(left: &Value) -> Option<About> {
    if let Some(payload) = left.get("payload") {
        if !matches!(
            payload.get("protocol").and_then(Value::as_str),
            Some("ip" | "ip6")
        ) {
            return None;
        }
        return match payload.get("field").and_then(Value::as_str)? {
            "saddr" => Some(About::Source),
            "daddr" => Some(About::Destination),
            _ => None,
        };
    }
    if let Some(key) = left
        .get("meta")
        .and_then(|m| m.get("key"))
        .and_then(Value::as_str)
    {
        return match key {
            "iif" | "iifname" | "iiftype" | "iifgroup" | "ibrname" | "sdif" | "sdifname" => {
                Some(About::ArrivingInterface)
            }
            "oif" | "oifname" | "oiftype" | "oifgroup" | "obrname" => Some(About::LeavingInterface),
            "pkttype" => Some(About::Other),
            _ => None,
        };
    }
    if left.get("fib").is_some() {
        return Some(About::Other);
    }
    let parts = left.get("concat")?.as_array()?;
    let abouts: Vec<About> = parts.iter().map(about).collect::<Option<_>>()?;
    match abouts.as_slice() {
        [one] => Some(*one),
        _ => Some(About::Other),
    }
}

/// The left side of a hop-limit / TTL comparison.
fn hop_limit_version(left: &Value) -> Option<IpVersion> {
    let payload = left.get("payload")?;
    match (
        payload.get("protocol").and_then(Value::as_str)?,
        payload.get("field").and_then(Value::as_str)?,
    ) {
        ("ip", "ttl") => Some(IpVersion::V4),
        ("ip6", "hoplimit") => Some(IpVersion::V6),
        _ => None,
    }
}

/// The strings of a value, list or set (`ct state` values).
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(o) => o.get("set").map(strings).unwrap_or_default(),
        other => vec![other.to_string()],
    }
}

/// nft's named priorities of the filter type (ip, ip6, inet).
fn standard_priority(name: &str) -> Option<i32> {
    let (base, offset) = match name.split_once(['+', '-']) {
        Some((b, o)) => {
            let o: i32 = o.trim().parse().ok()?;
            (b.trim(), if name.contains('-') { -o } else { o })
        }
        None => (name.trim(), 0),
    };
    let base = match base {
        "raw" => -300,
        "mangle" => -150,
        "dstnat" => -100,
        "filter" => 0,
        "security" => 50,
        "srcnat" => 100,
        _ => return None,
    };
    Some(base + offset)
}

/// A `limit` statement as a condition.
fn limit(body: &Value, key: RateKey, expr: &Value) -> Cond {
    let unknown = || Cond::Unknown(render(expr));
    if body
        .get("rate_unit")
        .and_then(Value::as_str)
        .is_some_and(|u| u != "packets")
    {
        return unknown();
    }
    let Some(rate) = body.get("rate").and_then(Value::as_u64) else {
        return unknown();
    };
    let per = body.get("per").and_then(Value::as_str).unwrap_or("second");
    let Some(unit) = RateUnit::ALL.into_iter().find(|u| u.name() == per) else {
        return unknown();
    };
    let burst = body.get("burst").and_then(Value::as_u64).unwrap_or(5);
    Cond::Limit {
        rate: Rate {
            per_second: u32::try_from(rate).unwrap_or(u32::MAX),
            unit,
            burst: u32::try_from(burst).unwrap_or(u32::MAX),
            key,
        },
        over: body.get("inv").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// A meter or a dynamic set update: a limit per source when keyed by
/// the source address (per source and destination when by both, as in
/// `ip saddr . ip daddr`) and holding a limit; nothing that decides
/// without a limit.
fn keyed(key: Option<&Value>, stmt: Option<&Value>, expr: &Value) -> Cond {
    let stmts: Vec<&Value> = match stmt {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let Some(limit_body) = stmts.iter().find_map(|s| s.get("limit")) else {
        if stmts.iter().all(|s| s.get("counter").is_some()) {
            // Only records the source: decides nothing.
            return Cond::Protocol { v4: true, v6: true };
        }
        return Cond::Unknown(render(expr));
    };
    let key = key.map(render).unwrap_or_default();
    let rate_key = match (key.contains("saddr"), key.contains("daddr")) {
        (true, true) => RateKey::SourceAndDestination,
        (true, false) => RateKey::Source,
        (false, _) => return Cond::Unknown(render(expr)),
    };
    limit(limit_body, rate_key, expr)
}

/// An nft-like rendering of an expression, for reports.
pub(crate) fn render(expr: &Value) -> String {
    match expr {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => format!(
            "{{ {} }}",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(object) => {
            let Some((key, body)) = object.iter().next().filter(|_| object.len() == 1) else {
                return expr.to_string();
            };
            match key.as_str() {
                "match" => {
                    let op = body.get("op").and_then(Value::as_str).unwrap_or("?");
                    let left = body.get("left").map(render).unwrap_or_default();
                    let right = body.get("right").map(render).unwrap_or_default();
                    if op == "==" || op == "in" {
                        format!("{left} {right}")
                    } else {
                        format!("{left} {op} {right}")
                    }
                }
                "payload" => format!(
                    "{} {}",
                    body.get("protocol").map(render).unwrap_or_default(),
                    body.get("field").map(render).unwrap_or_default()
                ),
                "meta" | "ct" => {
                    format!("{key} {}", body.get("key").map(render).unwrap_or_default())
                }
                "set" if body.is_array() => render(body),
                "range" => match body.as_array().map(Vec::as_slice) {
                    Some([a, b]) => format!("{}-{}", render(a), render(b)),
                    _ => body.to_string(),
                },
                "prefix" => format!(
                    "{}/{}",
                    body.get("addr").map(render).unwrap_or_default(),
                    body.get("len").map(render).unwrap_or_default()
                ),
                "accept" | "drop" | "return" | "continue" | "counter" => key.clone(),
                "reject" => "reject".to_owned(),
                "jump" | "goto" => format!(
                    "{key} {}",
                    body.get("target").map(render).unwrap_or_default()
                ),
                "limit" => {
                    let over = if body.get("inv").and_then(Value::as_bool) == Some(true) {
                        "over "
                    } else {
                        ""
                    };
                    format!(
                        "limit rate {over}{}/{} burst {}",
                        body.get("rate").map(render).unwrap_or_default(),
                        body.get("per").map(render).unwrap_or_default(),
                        body.get("burst").map_or_else(|| "5".to_owned(), render)
                    )
                }
                "log" => "log".to_owned(),
                _ => expr.to_string(),
            }
        }
    }
}

/// A fragment-offset condition: `ip frag-off & 0x1fff != 0` or `frag
/// frag-off != 0` hold only for a fragment after the first, which has no
/// ICMP header, so for no message the audit judges (a rule with one never
/// decides one); `ip frag-off & 0x1fff == 0` holds for every ICMPv4 message.
fn later_fragment(left: &Value, negated: bool, right: &Value) -> Option<Cond> {
    if right.as_u64() != Some(0) {
        return None;
    }
    let offset =
        if let Some([payload, mask]) = left.get("&").and_then(Value::as_array).map(Vec::as_slice) {
            let field = payload.get("payload")?;
            (field.get("protocol")?.as_str()? == "ip"
                && field.get("field")?.as_str()? == "frag-off"
                && mask.as_u64()? == 0x1fff)
                .then_some(IpVersion::V4)?
        } else {
            let field = left.get("exthdr")?;
            (field.get("name")?.as_str()? == "frag" && field.get("field")?.as_str()? == "frag-off")
                .then_some(IpVersion::V6)?
        };
    match (offset, negated) {
        (_, true) => Some(Cond::Protocol {
            v4: false,
            v6: false,
        }),
        (IpVersion::V4, false) => Some(Cond::Protocol {
            v4: true,
            v6: false,
        }),
        (IpVersion::V6, false) => None,
    }
}
