//! The audit as text (a table per hook, then the findings) and as JSON
//! records (one object per row and per finding, then a summary).

use std::fmt::Write as _;

use icmpkit_wire::meaning::{self, Status};
use serde_json::{Value, json};

use super::{Alternative, Audit, Finding, Kind, Span};
use crate::policy::consequence::Severity;
use crate::policy::{Fate, Hook, IpVersion, RateKey, RateUnit, Role, Treatment};

/// A fate in a table cell: `accept`, `drop`, `limit 5/s burst 10 per
/// source` (or `per source and destination`; `limit 10/minute burst 5`:
/// the unit as written), `unknown`.
fn fate_text(fate: &Fate) -> String {
    match fate {
        Fate::Accept => "accept".to_owned(),
        Fate::Drop => "drop".to_owned(),
        Fate::Limit(rate) => format!(
            "limit {}/{} burst {}{}",
            rate.per_second,
            match rate.unit {
                RateUnit::Second => "s",
                unit => unit.name(),
            },
            rate.burst,
            rate.key.suffix()
        ),
        Fate::Unknown(_) => "unknown".to_owned(),
    }
}

fn fate_json(fate: &Fate) -> Value {
    match fate {
        Fate::Accept => json!({"fate": "accept"}),
        Fate::Drop => json!({"fate": "drop"}),
        Fate::Limit(rate) => json!({
            "fate": "limit",
            "count": rate.per_second,
            "per": rate.unit.name(),
            "per_second": rate.sustained(),
            "burst": rate.burst,
            "per_source": rate.key.by_source(),
            "per_destination": rate.key == RateKey::SourceAndDestination,
        }),
        Fate::Unknown(rule) => json!({"fate": "unknown", "rule": rule}),
    }
}

fn family(version: IpVersion) -> &'static str {
    match version {
        IpVersion::V4 => "ICMPv4",
        IpVersion::V6 => "ICMPv6",
    }
}

/// One row of a hook's table: a run of types (unassigned ones merged) or
/// a run of codes of one type.
struct Row {
    types: (u8, u8),
    codes: Option<(u8, u8)>,
    name: String,
    unsolicited: Fate,
    related: Fate,
    below: Option<Fate>,
    /// Where address or interface conditions change the treatment.
    conditional: Vec<Alternative>,
}

/// A table cell: the fate when no address or interface condition holds,
/// then the others conditions give: `drop (or accept)`.
fn cell(fate: &Fate, others: Vec<&Fate>) -> String {
    let mut shown: Vec<String> = Vec::new();
    for other in others {
        let text = fate_text(other);
        if other != fate && !shown.contains(&text) {
            shown.push(text);
        }
    }
    if shown.is_empty() {
        fate_text(fate)
    } else {
        format!("{} (or {})", fate_text(fate), shown.join(", "))
    }
}

/// What an alternative changes against `base`: `accept`, or
/// `unsolicited drop, related accept` when the situations differ.
fn change(alternative: &Alternative, base: &Treatment) -> String {
    let base_below = base
        .below_hop_limit_255
        .as_ref()
        .unwrap_or(&base.unsolicited);
    let alt = &alternative.treatment;
    let alt_below = alt.below_hop_limit_255.as_ref().unwrap_or(&alt.unsolicited);
    let changed: Vec<(&str, &Fate)> = [
        ("unsolicited", &alt.unsolicited, &base.unsolicited),
        ("related", &alt.related, &base.related),
        ("below hop limit 255", alt_below, base_below),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(name, a, _)| (name, a))
    .collect();
    let all_alike = changed.windows(2).all(|w| w[0].1 == w[1].1);
    if all_alike && let Some((_, fate)) = changed.first() {
        return fate_text(fate);
    }
    changed
        .iter()
        .map(|(name, fate)| format!("{name} {}", fate_text(fate)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Conditions joined: `-s fe80::/10 and -i eth0`.
fn conditions_text<'a>(conditions: impl IntoIterator<Item = &'a super::Condition>) -> String {
    conditions
        .into_iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn type_name(version: IpVersion, msg_type: u8) -> String {
    meaning::type_info(version, msg_type)
        .map_or_else(|| "Unassigned".to_owned(), |t| t.name.to_owned())
}

fn codes_name(version: IpVersion, msg_type: u8, (first, last): (u8, u8)) -> String {
    if first == last {
        meaning::code_info(version, msg_type, first)
            .map_or_else(|| format!("code {first}"), |c| c.short.to_owned())
    } else {
        format!("codes {first}-{last}")
    }
}

fn rows(audit: &Audit, hook: Hook, version: IpVersion) -> Vec<Row> {
    let runs = audit.code_runs(version);
    let mut rows: Vec<Row> = Vec::new();
    for msg_type in 0..=255u8 {
        let Some(entries) = audit.entries.get(&(hook, version, msg_type)) else {
            continue;
        };
        let same = entries
            .windows(2)
            .all(|w| w[0].treatment == w[1].treatment && w[0].conditional == w[1].conditional);
        if same {
            let t = &entries[0].treatment;
            let unassigned = meaning::status(version, msg_type) == Status::Unassigned;
            if let Some(last) = rows.last_mut()
                && unassigned
                && last.codes.is_none()
                && last.name == "Unassigned"
                && last.types.1.checked_add(1) == Some(msg_type)
                && last.unsolicited == t.unsolicited
                && last.related == t.related
                && last.below == t.below_hop_limit_255
                && last.conditional == entries[0].conditional
            {
                last.types.1 = msg_type;
                continue;
            }
            rows.push(Row {
                types: (msg_type, msg_type),
                codes: None,
                name: type_name(version, msg_type),
                unsolicited: t.unsolicited.clone(),
                related: t.related.clone(),
                below: t.below_hop_limit_255.clone(),
                conditional: entries[0].conditional.clone(),
            });
        } else {
            for (&codes, entry) in runs.iter().zip(entries) {
                rows.push(Row {
                    types: (msg_type, msg_type),
                    codes: Some(codes),
                    name: format!(
                        "{}: {}",
                        type_name(version, msg_type),
                        codes_name(version, msg_type, codes)
                    ),
                    unsolicited: entry.treatment.unsolicited.clone(),
                    related: entry.treatment.related.clone(),
                    below: entry.treatment.below_hop_limit_255.clone(),
                    conditional: entry.conditional.clone(),
                });
            }
        }
    }
    rows
}

fn row_label(row: &Row) -> String {
    let types = if row.types.0 == row.types.1 {
        row.types.0.to_string()
    } else {
        format!("{}-{}", row.types.0, row.types.1)
    };
    match row.codes {
        None => types,
        Some((a, b)) if a == b => format!("{types}/{a}"),
        Some((a, b)) => format!("{types}/{a}-{b}"),
    }
}

/// The messages of a finding, briefly: `ICMPv6 2 (Packet Too Big)`,
/// `ICMPv4 3/0-3 (codes 0-3)`, `ICMPv4 44-252`.
pub(crate) fn spans_text(spans: &[Span]) -> String {
    let whole = |s: &Span| s.codes == (0, 255);
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let span = spans[i];
        if !whole(&span) {
            let codes = if span.codes.0 == span.codes.1 {
                span.codes.0.to_string()
            } else {
                format!("{}-{}", span.codes.0, span.codes.1)
            };
            parts.push(format!(
                "{} {}/{} ({})",
                family(span.version),
                span.msg_type,
                codes,
                codes_name(span.version, span.msg_type, span.codes)
            ));
            i += 1;
            continue;
        }
        // Consecutive whole types read as a range.
        let mut last = span.msg_type;
        let mut j = i + 1;
        while let Some(next) = spans.get(j) {
            if next.version != span.version
                || !whole(next)
                || last.checked_add(1) != Some(next.msg_type)
            {
                break;
            }
            last = next.msg_type;
            j += 1;
        }
        parts.push(if last == span.msg_type {
            format!(
                "{} {} ({})",
                family(span.version),
                span.msg_type,
                type_name(span.version, span.msg_type)
            )
        } else {
            format!("{} {}-{}", family(span.version), span.msg_type, last)
        });
        i = j;
    }
    parts.join(", ")
}

fn finding_line(finding: &Finding) -> String {
    let mut line = format!("{} ({})", finding.kind.name(), finding.severity);
    if let Some(hook) = finding.hook {
        let _ = write!(line, " at {}", hook.name());
    }
    line.push_str(": ");
    match finding.kind {
        Kind::Breaks | Kind::Exposes if !finding.messages.is_empty() => {
            let verb = if finding.kind == Kind::Breaks {
                "dropped"
            } else {
                "accepted"
            };
            let _ = write!(
                line,
                "{} {verb}{} -> {}",
                spans_text(&finding.messages),
                except(finding),
                finding.text
            );
        }
        Kind::Breaks if !finding.depends.is_empty() => {
            let text =
                finding
                    .text
                    .replacen(" dropped", &format!(" dropped{}", except(finding)), 1);
            line.push_str(&text);
        }
        Kind::Unknown if finding.messages.is_empty() => line.push_str(&finding.text),
        Kind::Unknown => {
            let _ = write!(
                line,
                "rule could not be evaluated for {}",
                spans_text(&finding.messages)
            );
        }
        _ => line.push_str(&finding.text),
    }
    if let Some(rule) = &finding.rule {
        let _ = write!(line, "\n    rule: {rule}");
        if let Some(text) = &finding.rule_text {
            let _ = write!(line, ": {text}");
        }
    }
    line
}

/// ` (except where -s fe80::/10; -i lo)`: the conditions under which a
/// finding does not hold, or nothing.
fn except(finding: &Finding) -> String {
    if finding.depends.is_empty() {
        return String::new();
    }
    format!(
        " (except where {})",
        finding
            .depends
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// `text` cut to `width` characters (the last one an ellipsis) so that a
/// long registry name keeps the table's columns.
fn column(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// The audit as text: for each hook, a table of every type (codes apart
/// where the ruleset tells them apart), then the findings.
pub fn text(audit: &Audit, role: Option<Role>) -> String {
    let mut out = String::new();
    for &hook in audit.hooks() {
        if hook == Hook::Forward && role == Some(Role::Host) {
            continue;
        }
        let _ = writeln!(out, "hook {}", hook.name());
        for version in audit.versions(hook) {
            let rows = rows(audit, hook, version);
            let header = format!(
                "  {:<10} {:<52} {:<32} {:<32}{}",
                family(version),
                "",
                "unsolicited",
                "related",
                if version == IpVersion::V6 {
                    " below hop limit 255"
                } else {
                    ""
                }
            );
            let _ = writeln!(out, "{}", header.trim_end());
            // (conditions, change, rule) -> the rows it concerns.
            let mut notes: Vec<(String, String, String, Vec<String>)> = Vec::new();
            for row in rows {
                let alts = |pick: fn(&Treatment) -> Option<&Fate>| {
                    row.conditional
                        .iter()
                        .filter_map(|a| pick(&a.treatment))
                        .collect::<Vec<_>>()
                };
                let below = row.below.as_ref().map_or_else(String::new, |b| {
                    cell(b, alts(|t| t.below_hop_limit_255.as_ref()))
                });
                let line = format!(
                    "  {:<10} {:<52} {:<32} {:<32} {}",
                    row_label(&row),
                    column(&row.name, 52),
                    cell(&row.unsolicited, alts(|t| Some(&t.unsolicited))),
                    cell(&row.related, alts(|t| Some(&t.related))),
                    below
                );
                let _ = writeln!(out, "{}", line.trim_end());
                let base = Treatment {
                    unsolicited: row.unsolicited.clone(),
                    related: row.related.clone(),
                    below_hop_limit_255: row.below.clone(),
                };
                for alternative in &row.conditional {
                    let key = (
                        conditions_text(&alternative.when),
                        change(alternative, &base),
                        alternative.by.to_string(),
                    );
                    match notes
                        .iter_mut()
                        .find(|n| (&n.0, &n.1, &n.2) == (&key.0, &key.1, &key.2))
                    {
                        Some(note) => note.3.push(row_label(&row)),
                        None => notes.push((key.0, key.1, key.2, vec![row_label(&row)])),
                    }
                }
            }
            if !notes.is_empty() {
                let _ = writeln!(
                    out,
                    "  the fates above are for packets that meet no address or interface condition; where one holds:"
                );
                for (when, change, by, labels) in notes {
                    let _ = writeln!(
                        out,
                        "    {} {}: {change} if {when} ({by})",
                        family(version),
                        labels.join(", ")
                    );
                }
            }
        }
        out.push('\n');
    }
    let findings = audit.findings(role);
    if findings.is_empty() {
        out.push_str("findings: none\n");
    } else {
        out.push_str("findings:\n");
        for finding in &findings {
            let _ = writeln!(out, "  {}", finding_line(finding));
        }
    }
    let failing = findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .count();
    let _ = writeln!(
        out,
        "{}",
        if failing == 0 {
            "verdict: clean".to_owned()
        } else {
            format!("verdict: {failing} problem(s)")
        }
    );
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The audit as JSON records (each with its `type`): `treatment` rows,
/// `finding`s, then a `summary`.
pub fn json_records(audit: &Audit, role: Option<Role>) -> Vec<Value> {
    let mut records = Vec::new();
    for &hook in audit.hooks() {
        if hook == Hook::Forward && role == Some(Role::Host) {
            continue;
        }
        for version in audit.versions(hook) {
            for row in rows(audit, hook, version) {
                records.push(json!({
                    "type": "treatment",
                    "hook": hook.name(),
                    "version": version.number(),
                    "icmp_type": row.types.0,
                    "icmp_type_last": row.types.1,
                    "codes": row.codes.map(|(a, b)| json!([a, b])),
                    "name": row.name,
                    "unsolicited": fate_json(&row.unsolicited),
                    "related": fate_json(&row.related),
                    "below_hop_limit_255": row.below.as_ref().map(fate_json),
                    "conditional": row.conditional.iter().map(|a| json!({
                        "when": a.when.iter().map(|c| json!({
                            "about": c.about.name(),
                            "condition": c.text,
                        })).collect::<Vec<_>>(),
                        "unsolicited": fate_json(&a.treatment.unsolicited),
                        "related": fate_json(&a.treatment.related),
                        "below_hop_limit_255": a.treatment.below_hop_limit_255.as_ref().map(fate_json),
                        "rule": a.by.to_string(),
                    })).collect::<Vec<_>>(),
                }));
            }
        }
    }
    let findings = audit.findings(role);
    for finding in &findings {
        records.push(json!({
            "type": "finding",
            "kind": finding.kind.name(),
            "severity": finding.severity.name(),
            "hook": finding.hook.map(Hook::name),
            "messages": finding.messages.iter().map(|s| json!({
                "version": s.version.number(),
                "icmp_type": s.msg_type,
                "codes": [s.codes.0, s.codes.1],
            })).collect::<Vec<_>>(),
            "summary": finding_line(finding).lines().next().unwrap_or_default(),
            "consequence": finding.text,
            "rule": finding.rule.as_ref().map(ToString::to_string),
            "rule_text": finding.rule_text,
            "depends": finding.depends.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    }
    let count = |kind: Kind| {
        findings
            .iter()
            .filter(|f| f.kind == kind && f.severity > Severity::Info)
            .count()
    };
    records.push(json!({
        "type": "summary",
        "hooks": audit.hooks().iter().map(|h| h.name()).collect::<Vec<_>>(),
        "breaks": count(Kind::Breaks),
        "exposes": count(Kind::Exposes),
        "unknown": count(Kind::Unknown),
        "dead_rules": count(Kind::Dead),
        "clean": findings.iter().all(|f| f.severity == Severity::Info),
    }));
    records
}
