//! What the pages and the API show of a target, computed once from
//! [`TargetStatus`]: its row in the overview and its detail.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use super::query::{OverviewQuery, SortKey};
use crate::live::{Live, TargetStatus};
use crate::path::PathRecord;
use crate::step::StepBrief;

/// A target's state in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It is not probed (see `problem`).
    Problem,
    /// Its last step had no answer.
    Down,
    /// No step closed yet.
    Unknown,
    /// Its last step had an answer.
    Up,
}

impl Status {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Problem => "problem",
            Self::Down => "down",
            Self::Unknown => "unknown",
            Self::Up => "up",
        }
    }

    /// The status of `t`.
    pub fn of(t: &TargetStatus) -> Self {
        match (t.problem(), t.up) {
            (Some(_), _) => Self::Problem,
            (None, Some(true)) => Self::Up,
            (None, Some(false)) => Self::Down,
            (None, None) => Self::Unknown,
        }
    }
}

/// Microseconds as milliseconds.
pub(crate) fn us_to_ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

/// One target in the overview and in `/api/targets`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    /// Its name.
    pub name: String,
    /// The host as configured.
    pub host: String,
    /// The address probed, `null` while unresolved.
    pub ip: Option<String>,
    /// Its group.
    pub group: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// up, down, unknown or problem.
    pub status: Status,
    /// Why it is not probed.
    pub problem: Option<String>,
    /// The last step's start, Unix seconds.
    pub step_start: Option<i64>,
    /// Probes sent in the last step.
    pub step_sent: Option<u32>,
    /// Probes answered in the last step.
    pub step_received: Option<u32>,
    /// The last step's loss, a fraction from 0 to 1.
    pub loss: Option<f64>,
    /// The last step's median RTT, milliseconds.
    pub median_ms: Option<f64>,
    /// Probes sent since the daemon started.
    pub sent: u64,
    /// Probes answered since the daemon started.
    pub received: u64,
}

impl TargetRow {
    /// The row of `t`.
    pub fn of(t: &TargetStatus) -> Self {
        let step = t.last_step.as_ref();
        Self {
            name: t.name.to_string(),
            host: t.host.to_string(),
            ip: t.ip.map(|ip| ip.to_string()),
            group: t.group.to_string(),
            labels: (*t.labels).clone(),
            status: Status::of(t),
            problem: t.problem().map(str::to_owned),
            step_start: step.map(|s| s.start),
            step_sent: step.map(|s| s.sent),
            step_received: step.map(|s| s.received),
            loss: step.and_then(StepBrief::loss),
            median_ms: step.and_then(StepBrief::median_us).map(us_to_ms),
            sent: t.sent,
            received: t.received(),
        }
    }
}

fn by_float(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (a, b) => b.is_none().cmp(&a.is_none()),
    }
}

/// The rows of `live` that `query` keeps, in its order. Missing values
/// (no step yet) sort last either way; ties keep configuration order.
pub fn rows(live: &Live, query: &OverviewQuery) -> Vec<TargetRow> {
    let needle = query.name.as_deref().map(str::to_lowercase);
    let mut rows: Vec<TargetRow> = live
        .targets
        .iter()
        .filter(|t| query.group.as_ref().is_none_or(|g| **g == *t.group))
        .filter(|t| {
            needle
                .as_ref()
                .is_none_or(|n| t.name.to_lowercase().contains(n.as_str()))
        })
        .map(TargetRow::of)
        .collect();
    let missing_last = |a: &TargetRow, b: &TargetRow| -> Option<Ordering> {
        let (ka, kb) = match query.sort {
            SortKey::Loss => (a.loss.is_none(), b.loss.is_none()),
            SortKey::Median => (a.median_ms.is_none(), b.median_ms.is_none()),
            SortKey::Ip => (a.ip.is_none(), b.ip.is_none()),
            _ => (false, false),
        };
        (ka != kb).then(|| ka.cmp(&kb))
    };
    rows.sort_by(|a, b| {
        if let Some(o) = missing_last(a, b) {
            return o;
        }
        let o = match query.sort {
            SortKey::Config => Ordering::Equal,
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Host => a.host.cmp(&b.host),
            SortKey::Ip => a.ip.cmp(&b.ip),
            SortKey::Group => a.group.cmp(&b.group),
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Loss => by_float(a.loss, b.loss),
            SortKey::Median => by_float(a.median_ms, b.median_ms),
            SortKey::Sent => a.sent.cmp(&b.sent),
            SortKey::Received => a.received.cmp(&b.received),
        };
        if query.desc { o.reverse() } else { o }
    });
    if query.desc && query.sort == SortKey::Config {
        rows.reverse();
    }
    rows
}

/// One step as the API shows it (its RTTs, as smoke quantiles, are in
/// `/api/targets/{name}/history`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    /// Its start, Unix seconds.
    pub start: i64,
    /// Its length, seconds.
    pub step: u32,
    /// Probes sent.
    pub sent: u32,
    /// Probes answered.
    pub received: u32,
    /// Probes lost.
    pub lost: u32,
    /// The fraction lost, 0 to 1.
    pub loss: Option<f64>,
    /// The median RTT, milliseconds.
    pub median_ms: Option<f64>,
    /// The lowest RTT, milliseconds.
    pub min_ms: Option<f64>,
    /// The highest RTT, milliseconds.
    pub max_ms: Option<f64>,
    /// The mean difference of successive RTTs, milliseconds.
    pub jitter_ms: Option<f64>,
}

impl StepView {
    /// The view of `s`.
    pub fn of(s: &StepBrief) -> Self {
        Self {
            start: s.start,
            step: s.step,
            sent: s.sent,
            received: s.received,
            lost: s.lost(),
            loss: s.loss(),
            median_ms: s.median_us().map(us_to_ms),
            min_ms: s.min_us().map(us_to_ms),
            max_ms: s.max_us().map(us_to_ms),
            jitter_ms: s.jitter_us.map(us_to_ms),
        }
    }
}

/// One target in `/api/targets/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetDetail {
    /// What the overview shows.
    #[serde(flatten)]
    pub row: TargetRow,
    /// The last closed step.
    pub last_step: Option<StepView>,
    /// The last path traced.
    pub path: Option<PathRecord>,
    /// How many times the path changed since the start.
    pub path_changes: u64,
}

impl TargetDetail {
    /// The detail of `t`.
    pub fn of(t: &TargetStatus) -> Self {
        Self {
            row: TargetRow::of(t),
            last_step: t.last_step.as_ref().map(StepView::of),
            path: t.path().cloned(),
            path_changes: t.path_changes(),
        }
    }
}

/// A trace in `/api/targets/{name}/paths`, marked when it differs from
/// the one before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathView {
    /// The trace.
    #[serde(flatten)]
    pub record: PathRecord,
    /// Whether its hop list differs from the trace before it.
    pub changed: bool,
}

/// `records` (oldest first) with their changes marked (the first is not a
/// change: nothing came before it in the span).
pub fn path_views(records: Vec<PathRecord>) -> Vec<PathView> {
    let mut views: Vec<PathView> = Vec::with_capacity(records.len());
    for record in records {
        let changed = views
            .last()
            .is_some_and(|before| record.changed_from(&before.record));
        views.push(PathView { record, changed });
    }
    views
}
