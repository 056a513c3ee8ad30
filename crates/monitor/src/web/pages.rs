//! The HTML pages: the overview of every target and a target's page
//! (graphs, last step, path and its changes, alerts). Pure functions of
//! what they show; the handlers in [`super`] gather it.

use std::fmt::Write as _;

use super::graph::{LOSS_COLOURS, LossScale, ms, percent};
use super::html::{encode, escape, page, pill, target_href};
use super::query::{GraphRange, OverviewQuery, SortKey};
use super::utc;
use super::view::{PathView, Status, TargetRow, rows};
use crate::alert::{Alert as AlertView, AlertState};
use crate::live::{Live, TargetStatus};
use crate::path::PathRecord;

/// The overview's columns: title, sort key (`None`: not sortable), numeric.
const COLUMNS: [(&str, Option<SortKey>, bool); 10] = [
    ("Status", Some(SortKey::Status), false),
    ("Target", Some(SortKey::Name), false),
    ("Host", Some(SortKey::Host), false),
    ("Address", Some(SortKey::Ip), false),
    ("Group", Some(SortKey::Group), false),
    ("Loss", Some(SortKey::Loss), true),
    ("Median", Some(SortKey::Median), true),
    ("Last step", None, true),
    ("Total sent", Some(SortKey::Sent), true),
    ("Total received", Some(SortKey::Received), true),
];

/// The overview's query string for `sort`/`desc` with the filters kept.
fn overview_href(query: &OverviewQuery, sort: SortKey, desc: bool) -> String {
    let mut href = format!("/?sort={}", sort.name());
    if desc {
        href.push_str("&desc=1");
    }
    if let Some(g) = &query.group {
        let _ = write!(href, "&group={}", encode(g));
    }
    if let Some(q) = &query.name {
        let _ = write!(href, "&q={}", encode(q));
    }
    href
}

/// The last step's loss with its smokeping colour.
fn loss_cell(row: &TargetRow) -> String {
    match (row.step_sent, row.step_received, row.loss) {
        (Some(sent), Some(received), Some(loss)) => {
            let class = LossScale::new(sent).class(sent.saturating_sub(received));
            format!(
                "<span class=\"swatch\" style=\"background:{}\" data-loss-class=\"{class}\"></span>{:.1} %",
                LOSS_COLOURS[class],
                loss * 100.0
            )
        }
        _ => "–".to_owned(),
    }
}

/// The last step's answers: `17/20`.
fn step_cell(row: &TargetRow) -> String {
    match (row.step_sent, row.step_received) {
        (Some(sent), Some(received)) => format!("{received}/{sent}"),
        _ => "–".to_owned(),
    }
}

fn median_cell(row: &TargetRow) -> String {
    row.median_ms
        .map_or_else(|| "–".to_owned(), |m| format!("{m:.2} ms"))
}

/// The overview page.
pub fn overview(live: &Live, query: &OverviewQuery, alerts: &[AlertView]) -> String {
    let shown = rows(live, query);
    let mut b = String::new();
    let counts = |s: Status| live.targets.iter().filter(|t| Status::of(t) == s).count();
    let _ = write!(
        b,
        "<h1>Targets</h1><p class=\"muted\">{} targets: {} up, {} down, {} unknown, {} with a problem.</p>",
        live.targets.len(),
        counts(Status::Up),
        counts(Status::Down),
        counts(Status::Unknown),
        counts(Status::Problem)
    );

    // The filter form (GET: no script).
    let mut groups: Vec<&str> = Vec::new();
    for t in &live.targets {
        if !groups.contains(&&*t.group) {
            groups.push(&t.group);
        }
    }
    b.push_str("<form class=\"filter\" method=\"get\" action=\"/\"><label>Group <select name=\"group\"><option value=\"\">all</option>");
    for g in &groups {
        let selected = if query.group.as_deref() == Some(*g) {
            " selected"
        } else {
            ""
        };
        let _ = write!(b, "<option value=\"{0}\"{selected}>{0}</option>", escape(g));
    }
    let _ = write!(
        b,
        "</select></label><label>Name <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"part of a name\"></label>\
         <input type=\"hidden\" name=\"sort\" value=\"{}\">{}<button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>",
        escape(query.name.as_deref().unwrap_or("")),
        query.sort.name(),
        if query.desc {
            "<input type=\"hidden\" name=\"desc\" value=\"1\">"
        } else {
            ""
        }
    );

    b.push_str("<table class=\"targets\"><thead><tr>");
    for (title, key, numeric) in COLUMNS {
        let class = if numeric { " class=\"num\"" } else { "" };
        let Some(key) = key else {
            let _ = write!(b, "<th{class}>{title}</th>");
            continue;
        };
        let active = query.sort == key;
        let arrow = match (active, query.desc) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        let _ = write!(
            b,
            "<th{class}><a href=\"{}\">{title}{arrow}</a></th>",
            escape(&overview_href(query, key, active && !query.desc))
        );
    }
    b.push_str("</tr></thead><tbody>");
    for row in &shown {
        let title = row.problem.as_deref().unwrap_or("");
        let _ = write!(
            b,
            "<tr data-target=\"{n}\"><td title=\"{p}\">{pill}</td><td><a href=\"{href}\">{n}</a>{why}</td><td>{h}</td><td>{ip}</td>\
             <td>{g}</td><td class=\"num\">{loss}</td><td class=\"num\">{median}</td><td class=\"num\">{step}</td><td class=\"num\">{sent}</td><td class=\"num\">{recv}</td></tr>",
            n = escape(&row.name),
            p = escape(title),
            // The problem under the name, not only in a tooltip.
            why = if title.is_empty() {
                String::new()
            } else {
                format!("<div class=\"muted problem\">{}</div>", escape(title))
            },
            pill = pill(row.status.name(), row.status.name()),
            href = escape(&target_href(&row.name)),
            h = escape(&row.host),
            ip = escape(row.ip.as_deref().unwrap_or("–")),
            g = escape(&row.group),
            loss = loss_cell(row),
            median = median_cell(row),
            step = step_cell(row),
            sent = row.sent,
            recv = row.received,
        );
    }
    if shown.is_empty() {
        b.push_str("<tr><td colspan=\"10\" class=\"muted\">No target matches.</td></tr>");
    }
    b.push_str("</tbody></table>");

    let firing: Vec<&AlertView> = alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .collect();
    b.push_str("<h2>Alerts firing</h2>");
    if firing.is_empty() {
        b.push_str("<p class=\"muted\">None.</p>");
    } else {
        alert_table(&mut b, firing.into_iter());
    }
    let _ = write!(
        b,
        "<p class=\"muted\">JSON: <a href=\"/api/targets\">/api/targets</a>, <a href=\"/api/alerts\">/api/alerts</a>. Metrics: <a href=\"/metrics\">/metrics</a>. Times are UTC.</p>"
    );
    page("Targets", &live.agent, &b)
}

fn alert_table<'a>(b: &mut String, alerts: impl Iterator<Item = &'a AlertView>) {
    b.push_str("<table class=\"alerts\"><thead><tr><th>State</th><th>Alert</th><th>Target</th><th>Severity</th><th>Since</th><th class=\"num\">Value</th><th>Summary</th></tr></thead><tbody>");
    for a in alerts {
        let state = match a.state {
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            pill(state, state),
            escape(&a.rule),
            escape(&target_href(&a.target)),
            escape(&a.target),
            escape(&a.severity),
            utc::minutes(a.ends_at.unwrap_or(a.starts_at)),
            a.value.map_or_else(String::new, |v| format!("{v:.3}")),
            escape(&a.summary),
        );
    }
    b.push_str("</tbody></table>");
}

/// One graph of a target page: its range and its SVG, or why it is missing.
pub struct GraphBlock {
    /// The range drawn.
    pub range: GraphRange,
    /// The SVG document, or the history's error.
    pub svg: Result<String, String>,
}

fn hop(h: Option<std::net::IpAddr>) -> String {
    h.map_or_else(|| "*".to_owned(), |ip| ip.to_string())
}

/// What changed from `before` to `after`: the hops that differ.
fn path_diff(before: &PathRecord, after: &PathRecord) -> String {
    let n = before.hops.len().max(after.hops.len());
    let mut parts = Vec::new();
    for ttl in 0..n {
        let (a, b) = (
            before.hops.get(ttl).copied().flatten(),
            after.hops.get(ttl).copied().flatten(),
        );
        let (had, has) = (
            before.hops.get(ttl).is_some(),
            after.hops.get(ttl).is_some(),
        );
        if had != has || matches!((a, b), (Some(a), Some(b)) if a != b) {
            let from = if had { hop(a) } else { "–".to_owned() };
            let to = if has { hop(b) } else { "–".to_owned() };
            parts.push(format!("hop {}: {from} → {to}", ttl + 1));
        }
    }
    if parts.is_empty() {
        "hop count".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The most path changes a target page lists.
const MAX_CHANGES: usize = 50;

/// A target's page.
pub fn target_page(
    agent: &str,
    t: &TargetStatus,
    chosen: Option<GraphRange>,
    graphs: &[GraphBlock],
    paths: &Result<Vec<PathView>, String>,
    alerts: &[AlertView],
) -> String {
    let row = TargetRow::of(t);
    let mut b = String::new();
    let _ = write!(
        b,
        "<p><a href=\"/\">← all targets</a></p><h1>{} {}</h1>",
        escape(&t.name),
        pill(row.status.name(), row.status.name())
    );
    b.push_str("<dl class=\"facts\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(b, "<dt>{k}</dt><dd>{v}</dd>");
    };
    fact("Host", escape(&t.host));
    fact(
        "Address",
        escape(
            &t.ip
                .map_or_else(|| "not resolved".to_owned(), |ip| ip.to_string()),
        ),
    );
    fact("Group", escape(&t.group));
    if !t.labels.is_empty() {
        let labels: Vec<String> = t
            .labels
            .iter()
            .map(|(k, v)| format!("<code>{}=\"{}\"</code>", escape(k), escape(v)))
            .collect();
        fact("Labels", labels.join(" "));
    }
    if let Some(p) = t.problem() {
        fact("Problem", format!("<b>{}</b>", escape(p)));
    }
    match &t.last_step {
        Some(s) => {
            let mut text = format!(
                "{} ({} s): {} sent, {} received, {} % lost",
                utc::minutes(s.start),
                s.step,
                s.sent,
                s.received,
                percent(s.lost(), s.sent)
            );
            if let (Some(m), Some(lo), Some(hi)) = (s.median_us(), s.min_us(), s.max_us()) {
                let _ = write!(
                    text,
                    "; median {} ms (min {}, max {}",
                    ms(m),
                    ms(lo),
                    ms(hi)
                );
                if let Some(j) = s.jitter_us {
                    let _ = write!(text, ", jitter {}", ms(j));
                }
                text.push(')');
            }
            fact("Last step", escape(&text));
        }
        None => fact("Last step", "none yet".to_owned()),
    }
    fact(
        "Since start",
        format!("{} sent, {} received", t.sent, t.received()),
    );
    b.push_str("</dl>");

    // Ranges and graphs.
    b.push_str("<h2>Latency</h2><p class=\"ranges\">");
    let href = target_href(&t.name);
    if chosen.is_none() {
        b.push_str("<b>all</b>");
    } else {
        let _ = write!(b, "<a href=\"{}\">all</a>", escape(&href));
    }
    for r in GraphRange::ALL {
        if chosen == Some(r) {
            let _ = write!(b, "<b>{}</b>", r.title());
        } else {
            let _ = write!(
                b,
                "<a href=\"{}?range={}\">{}</a>",
                escape(&href),
                r.name(),
                r.title()
            );
        }
    }
    b.push_str("</p>");
    for g in graphs {
        let _ = write!(b, "<div class=\"graph\" data-range=\"{}\">", g.range.name());
        match &g.svg {
            Ok(svg) => b.push_str(svg),
            Err(e) => {
                let _ = write!(
                    b,
                    "<div class=\"error\">{}: no history: {}</div>",
                    g.range.title(),
                    escape(e)
                );
            }
        }
        b.push_str("</div>");
    }

    // Path.
    b.push_str("<h2>Path</h2>");
    match t.path() {
        None => {
            b.push_str("<p class=\"muted\">Not traced yet (or tracing is off for this group).</p>");
        }
        Some(p) => {
            let _ = write!(
                b,
                "<p>Traced {}: {} hops, target {}{}; {} changes since the start.</p>",
                utc::seconds(p.at),
                p.hops.len(),
                if p.reached { "reached" } else { "not reached" },
                p.pmtu
                    .map_or_else(String::new, |m| format!(", path MTU {m}")),
                t.path_changes()
            );
            b.push_str("<table class=\"hops\"><thead><tr><th class=\"num\">TTL</th><th>Address</th></tr></thead><tbody>");
            for (i, h) in p.hops.iter().enumerate() {
                let _ = write!(
                    b,
                    "<tr><td class=\"num\">{}</td><td>{}</td></tr>",
                    i + 1,
                    hop(*h)
                );
            }
            b.push_str("</tbody></table>");
        }
    }
    b.push_str("<h2>Path changes (10 days)</h2>");
    match paths {
        Err(e) => {
            let _ = write!(
                b,
                "<div class=\"error\">No path history: {}</div>",
                escape(e)
            );
        }
        Ok(views) => {
            let changes: Vec<(&PathRecord, &PathView)> = views
                .windows(2)
                .filter(|w| w[1].changed)
                .map(|w| (&w[0].record, &w[1]))
                .collect();
            if changes.is_empty() {
                let _ = write!(
                    b,
                    "<p class=\"muted\">No change in {} traces.</p>",
                    views.len()
                );
            } else {
                b.push_str("<table class=\"changes\"><thead><tr><th>When</th><th class=\"num\">Hops</th><th>Reached</th><th>What changed</th></tr></thead><tbody>");
                for (before, after) in changes.iter().rev().take(MAX_CHANGES) {
                    let _ = write!(
                        b,
                        "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                        utc::minutes(after.record.at),
                        after.record.hops.len(),
                        if after.record.reached { "yes" } else { "no" },
                        escape(&path_diff(before, &after.record))
                    );
                }
                b.push_str("</tbody></table>");
            }
        }
    }

    b.push_str("<h2>Alerts</h2>");
    let mine: Vec<&AlertView> = alerts.iter().filter(|a| *a.target == *t.name).collect();
    if mine.is_empty() {
        b.push_str("<p class=\"muted\">None.</p>");
    } else {
        alert_table(&mut b, mine.into_iter());
    }
    let api = format!("/api/targets/{}", encode(&t.name));
    let _ = write!(
        b,
        "<p class=\"muted\">JSON: <a href=\"{0}\">status</a>, <a href=\"{0}/history?range=3h\">history</a>, <a href=\"{0}/paths\">paths</a>. Times are UTC.</p>",
        escape(&api)
    );
    page(&t.name, agent, &b)
}

#[cfg(test)]
mod tests;
