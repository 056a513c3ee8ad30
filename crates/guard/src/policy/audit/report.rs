//! The audit as text (a table per hook, then the findings) and as JSON
//! records (one object per row and per finding, then a summary).

use std::fmt::Write as _;

use icmpkit_wire::meaning::{self, Status};
use serde_json::{Value, json};

use super::{Audit, Finding, Kind, Span};
use crate::policy::consequence::Severity;
use crate::policy::{Fate, Hook, IpVersion, RateKey, Role};

/// A fate in a table cell: `accept`, `drop`, `limit 5/s burst 10 per
/// source` (or `per source and destination`), `unknown`.
fn fate_text(fate: &Fate) -> String {
    match fate {
        Fate::Accept => "accept".to_owned(),
        Fate::Drop => "drop".to_owned(),
        Fate::Limit(rate) => format!(
            "limit {}/s burst {}{}",
            rate.per_second,
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
            "per_second": rate.per_second,
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
        let same = entries.windows(2).all(|w| w[0].treatment == w[1].treatment);
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
                "{} {verb} -> {}",
                spans_text(&finding.messages),
                finding.text
            );
        }
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
    if !finding.depends.is_empty() {
        let _ = write!(
            line,
            "\n    depends on conditions taken not to match: {}",
            finding
                .depends
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    line
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
            for row in rows {
                let below = row.below.as_ref().map(fate_text).unwrap_or_default();
                let line = format!(
                    "  {:<10} {:<52} {:<32} {:<32} {}",
                    row_label(&row),
                    column(&row.name, 52),
                    fate_text(&row.unsolicited),
                    fate_text(&row.related),
                    below
                );
                let _ = writeln!(out, "{}", line.trim_end());
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
            "depends": finding.depends.iter().collect::<Vec<_>>(),
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
