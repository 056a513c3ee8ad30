//! The evaluator: rules judged on closed steps and traces, without I/O.
//!
//! [`Board`] keeps, per rule and target, the runs of bad and good
//! evidence, the firing alert if any, and (for `rtt_over_baseline`) the
//! recent step medians. Every call is given the time it judges (a step's
//! end, a trace's end, the reload's `now`): the board reads no clock.
//! See the [module documentation](super) for the exact semantics.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::rule::{Condition, Rule};
use crate::path::PathRecord;
use crate::step::StepSummary;
use crate::target::Targets;

/// How many resolved alerts [`Board::recent`] keeps, newest first.
pub const RECENT_RESOLVED: usize = 500;

/// The longest baseline kept, in steps, whatever a rule asks for (a year
/// of 5-minute steps): the bound on a rule's memory per target.
pub const MAX_BASELINE_STEPS: u32 = 105_120;

/// Whether an alert is firing or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition holds (Alertmanager's `firing`).
    Firing,
    /// It held and no longer does (Alertmanager's `resolved`).
    Resolved,
}

/// One alert: a rule firing (or having fired) for a target. This is what
/// `/api/alerts` shows and what receivers are sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The rule's name (Alertmanager's `alertname`).
    pub rule: String,
    /// The rule's condition kind: `loss`, `rtt`, `rtt_over_baseline`,
    /// `down`, `path_changed` or `pmtu_dropped`.
    pub kind: &'static str,
    /// The target's name.
    pub target: String,
    /// The target's host as configured, when the board knows it (see
    /// [`Board::set_targets`]).
    pub host: Option<String>,
    /// The target's group.
    pub group: String,
    /// The rule's severity.
    pub severity: String,
    /// The target's labels (its group's and its own) overlaid with the
    /// rule's labels, as they were when the alert fired: an alert keeps
    /// its labels (its identity in Alertmanager) until it resolves.
    pub labels: BTreeMap<String, String>,
    /// Firing or resolved.
    pub state: AlertState,
    /// When it fired, Unix seconds: the end of the step (or trace) that
    /// made it fire.
    pub starts_at: i64,
    /// When it resolved, Unix seconds; `None` while firing.
    pub ends_at: Option<i64>,
    /// The last bad value seen: `loss` and `down`, the fraction lost (0 to 1);
    /// `rtt`, the median in milliseconds; `rtt_over_baseline`, the percent
    /// above the baseline; `pmtu_dropped`, the new path MTU in bytes;
    /// `path_changed`, none.
    pub value: Option<f64>,
    /// A line for people: the rule's `summary`, or one made from the rule.
    pub summary: String,
    /// What was measured, for people (the last bad value and the
    /// thresholds).
    pub description: String,
    /// The receivers it goes to, by name (empty: every receiver).
    #[serde(skip)]
    pub receivers: Vec<String>,
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransitionKind {
    /// It started firing.
    Fired,
    /// It stopped firing.
    Resolved,
}

/// An alert that fired or resolved: what the evaluator hands to delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    /// The alert as it is now (state firing for [`TransitionKind::Fired`],
    /// resolved with its `ends_at` for [`TransitionKind::Resolved`]).
    pub alert: Alert,
    /// Fired or resolved.
    pub kind: TransitionKind,
}

/// The alerts of `/api/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertsView {
    /// Every firing alert, by rule then target.
    pub active: Vec<Alert>,
    /// Resolved alerts, newest first, at most [`RECENT_RESOLVED`].
    pub recent: Vec<Alert>,
}

/// What one step or trace says for one rule.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Beyond the firing threshold.
    Bad { value: Option<f64>, detail: String },
    /// At or within the clearing threshold.
    Good,
    /// Between the two thresholds, or nothing to judge: counts neither way.
    Neutral,
}

/// What the board knows of a target besides its name.
#[derive(Debug, Clone, PartialEq, Default)]
struct TargetInfo {
    host: Option<String>,
    group: String,
    labels: BTreeMap<String, String>,
}

/// One rule's state for one target.
#[derive(Debug, Clone, PartialEq)]
struct State {
    /// The group the target was in when the state began.
    group: String,
    /// The rule's condition kind the state was made for.
    kind: &'static str,
    /// Bad verdicts in a row while not firing.
    bad_run: u32,
    /// Good verdicts in a row while firing.
    good_run: u32,
    /// The alert while it fires.
    firing: Option<Alert>,
    /// `rtt_over_baseline`: the last step medians, oldest first, µs.
    medians: VecDeque<u32>,
    /// `pmtu_dropped`: the last path MTU seen.
    last_pmtu: Option<u16>,
}

impl State {
    fn new(group: &str, kind: &'static str) -> Self {
        Self {
            group: group.to_owned(),
            kind,
            bad_run: 0,
            good_run: 0,
            firing: None,
            medians: VecDeque::new(),
            last_pmtu: None,
        }
    }
}

/// The alert evaluator: rules in, [`Transition`]s out.
#[derive(Debug, Clone, Default)]
pub struct Board {
    rules: Vec<Rule>,
    targets: BTreeMap<String, TargetInfo>,
    /// By (rule name, target name).
    states: BTreeMap<(String, String), State>,
    /// Resolved alerts, newest first.
    recent: VecDeque<Alert>,
}

impl Board {
    /// A board judging `rules`, with no state.
    pub fn new(rules: Vec<Rule>) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    /// Takes a new rule list (a reload). The state of a (rule, target)
    /// pair is kept when a rule of the same name and the same condition
    /// kind still watches the target (thresholds, `for_steps` and
    /// `clear_steps` may change: the runs so far count under the new
    /// ones). Every other state is dropped; an alert that was firing in
    /// it resolves at `now` (Unix seconds), and those resolutions are
    /// returned for delivery.
    pub fn reconfigure(&mut self, rules: Vec<Rule>, now: i64) -> Vec<Transition> {
        self.rules = rules;
        let rules = &self.rules;
        drop_states(
            &mut self.states,
            &mut self.recent,
            now,
            |(rule_name, target), state| {
                rules.iter().any(|r| {
                    r.name == *rule_name
                        && r.condition.kind() == state.kind
                        && r.selector.matches(target, &state.group)
                })
            },
        )
    }

    /// Tells the board the targets of the running configuration: their
    /// hosts and labels go on alerts that fire from now on. The state of
    /// a target that is gone, or whose group changed, is dropped; an
    /// alert firing for it resolves at `now`, returned for delivery.
    /// Only the targets some rule of the board watches are kept (after a
    /// reload, call it after [`Board::reconfigure`]).
    pub fn set_targets(&mut self, targets: &Targets, now: i64) -> Vec<Transition> {
        let rules = &self.rules;
        self.targets = targets
            .targets
            .iter()
            .filter(|t| {
                // Only what an alert can be about: a target no rule
                // watches (every target, without rules) costs nothing.
                let group = targets.groups.get(t.group).map_or("", |g| &*g.name);
                rules.iter().any(|r| r.selector.matches(&t.name, group))
            })
            .map(|t| {
                let group = targets.groups.get(t.group);
                let mut labels = group.map(|g| g.labels.clone()).unwrap_or_default();
                labels.extend(
                    t.labels
                        .iter()
                        .flat_map(|l| l.iter())
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                let info = TargetInfo {
                    host: Some(t.host.to_string()),
                    group: group.map(|g| g.name.to_string()).unwrap_or_default(),
                    labels,
                };
                (t.name.to_string(), info)
            })
            .collect();
        let known = &self.targets;
        drop_states(
            &mut self.states,
            &mut self.recent,
            now,
            |(_, target), state| known.get(target).is_some_and(|t| t.group == state.group),
        )
    }

    /// Judges a closed step of `target` (of `group`) by every step rule
    /// that watches it; returns what fired and resolved.
    pub fn on_step(&mut self, target: &str, group: &str, step: &StepSummary) -> Vec<Transition> {
        let at = step.end();
        self.judge(target, group, at, false, |condition, state| {
            judge_step(condition, state, step)
        })
    }

    /// Judges a new trace `now` of `target` (of `group`), `earlier` being
    /// the one before it (`None` for the first), by every path rule that
    /// watches it; returns what fired and resolved.
    pub fn on_path(
        &mut self,
        target: &str,
        group: &str,
        earlier: Option<&PathRecord>,
        now: &PathRecord,
    ) -> Vec<Transition> {
        self.judge(target, group, now.at, true, |condition, state| {
            judge_path(condition, state, earlier, now)
        })
    }

    /// Every firing alert, by rule then target.
    pub fn active(&self) -> Vec<Alert> {
        self.states
            .values()
            .filter_map(|s| s.firing.clone())
            .collect()
    }

    /// Resolved alerts, newest first (at most [`RECENT_RESOLVED`]).
    pub fn recent(&self) -> Vec<Alert> {
        self.recent.iter().cloned().collect()
    }

    /// Both lists, as `/api/alerts` serves them.
    pub fn view(&self) -> AlertsView {
        AlertsView {
            active: self.active(),
            recent: self.recent(),
        }
    }

    /// Runs every rule of the right family that watches the target.
    fn judge(
        &mut self,
        target: &str,
        group: &str,
        at: i64,
        path: bool,
        mut verdict: impl FnMut(&Condition, &mut State) -> Verdict,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        for rule in &self.rules {
            if rule.condition.is_path() != path || !rule.selector.matches(target, group) {
                continue;
            }
            let key = (rule.name.clone(), target.to_owned());
            let kind = rule.condition.kind();
            let state = self
                .states
                .entry(key)
                .or_insert_with(|| State::new(group, kind));
            if state.group != group || state.kind != kind {
                // The target moved group without `set_targets`, or two
                // rules share a name: start afresh, ending what fired.
                if let Some(t) = resolve(state, at, &mut self.recent) {
                    out.push(t);
                }
                *state = State::new(group, kind);
            }
            let v = verdict(&rule.condition, state);
            let info = self.targets.get(target);
            if let Some(t) = apply(rule, target, group, info, state, v, at, &mut self.recent) {
                out.push(t);
            }
        }
        out
    }
}

/// Drops every state `keep` refuses, resolving its firing alert at `now`.
fn drop_states(
    states: &mut BTreeMap<(String, String), State>,
    recent: &mut VecDeque<Alert>,
    now: i64,
    keep: impl Fn(&(String, String), &State) -> bool,
) -> Vec<Transition> {
    let mut out = Vec::new();
    states.retain(|key, state| {
        if keep(key, state) {
            return true;
        }
        if let Some(t) = resolve(state, now, recent) {
            out.push(t);
        }
        false
    });
    out
}

/// Counts a verdict into a state; fires or resolves.
#[allow(clippy::too_many_arguments, reason = "one private step of judge")]
fn apply(
    rule: &Rule,
    target: &str,
    group: &str,
    info: Option<&TargetInfo>,
    state: &mut State,
    verdict: Verdict,
    at: i64,
    recent: &mut VecDeque<Alert>,
) -> Option<Transition> {
    match verdict {
        Verdict::Neutral => None,
        Verdict::Bad { value, detail } => {
            state.good_run = 0;
            if let Some(alert) = &mut state.firing {
                alert.value = value;
                alert.description = detail;
                return None;
            }
            state.bad_run = state.bad_run.saturating_add(1);
            // Path events fire on the event: for_steps does not apply.
            let needed = if rule.condition.is_path() {
                1
            } else {
                rule.for_steps.max(1)
            };
            if state.bad_run < needed {
                return None;
            }
            state.bad_run = 0;
            let alert = fire(rule, target, group, info, value, detail, at);
            state.firing = Some(alert.clone());
            Some(Transition {
                alert,
                kind: TransitionKind::Fired,
            })
        }
        Verdict::Good => {
            state.bad_run = 0;
            state.firing.as_ref()?;
            state.good_run = state.good_run.saturating_add(1);
            if state.good_run < rule.clear_steps.max(1) {
                return None;
            }
            resolve(state, at, recent)
        }
    }
}

/// A new firing alert.
fn fire(
    rule: &Rule,
    target: &str,
    group: &str,
    info: Option<&TargetInfo>,
    value: Option<f64>,
    description: String,
    at: i64,
) -> Alert {
    let mut labels = info.map(|i| i.labels.clone()).unwrap_or_default();
    labels.extend(rule.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let summary = rule.summary.clone().unwrap_or_else(|| {
        format!(
            "{target}: {} ({})",
            default_summary(&rule.condition),
            rule.name
        )
    });
    Alert {
        rule: rule.name.clone(),
        kind: rule.condition.kind(),
        target: target.to_owned(),
        host: info.and_then(|i| i.host.clone()),
        group: group.to_owned(),
        severity: rule.severity.clone(),
        labels,
        state: AlertState::Firing,
        starts_at: at,
        ends_at: None,
        value,
        summary,
        description,
        receivers: rule.receivers.clone(),
    }
}

/// Ends the state's firing alert at `at`, keeping it among the recent.
fn resolve(state: &mut State, at: i64, recent: &mut VecDeque<Alert>) -> Option<Transition> {
    let mut alert = state.firing.take()?;
    state.good_run = 0;
    state.bad_run = 0;
    alert.state = AlertState::Resolved;
    alert.ends_at = Some(at.max(alert.starts_at));
    recent.push_front(alert.clone());
    recent.truncate(RECENT_RESOLVED);
    Some(Transition {
        alert,
        kind: TransitionKind::Resolved,
    })
}

fn default_summary(condition: &Condition) -> String {
    match condition {
        Condition::Loss { above, .. } => format!("loss above {}", percent(*above)),
        Condition::Rtt { above, .. } => format!("median RTT above {}", ms(*above)),
        Condition::RttOverBaseline { percent: p, .. } => {
            format!("median RTT more than {p} % over its baseline")
        }
        Condition::Down => "down: every probe lost".to_owned(),
        Condition::PathChanged => "path changed".to_owned(),
        Condition::PmtuDropped => "path MTU dropped".to_owned(),
    }
}

fn percent(fraction: f64) -> String {
    format!("{} %", round2(fraction * 100.0))
}

fn ms(d: std::time::Duration) -> String {
    format!("{} ms", round2(d.as_secs_f64() * 1e3))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn us_to_ms(us: u32) -> f64 {
    f64::from(us) / 1e3
}

/// Good, bad or neither for `value` against `above` and `clear`.
fn band(value: f64, above: f64, clear: f64, detail: impl FnOnce() -> String) -> Verdict {
    if value > above {
        Verdict::Bad {
            value: Some(value),
            detail: detail(),
        }
    } else if value <= clear {
        Verdict::Good
    } else {
        Verdict::Neutral
    }
}

fn judge_step(condition: &Condition, state: &mut State, step: &StepSummary) -> Verdict {
    match condition {
        Condition::Loss { above, clear } => match step.loss() {
            None => Verdict::Neutral,
            Some(loss) => band(loss, *above, *clear, || {
                format!(
                    "loss {} ({} of {} probes lost); fires above {}, clears at or below {}",
                    percent(loss),
                    step.lost(),
                    step.sent,
                    percent(*above),
                    percent(*clear)
                )
            }),
        },
        Condition::Rtt { above, clear } => match step.median_us() {
            None => Verdict::Neutral,
            Some(median) => {
                let value = us_to_ms(median);
                let (above_ms, clear_ms) = (above.as_secs_f64() * 1e3, clear.as_secs_f64() * 1e3);
                band(value, above_ms, clear_ms, || {
                    format!(
                        "median RTT {} ms; fires above {}, clears at or below {}",
                        round2(value),
                        ms(*above),
                        ms(*clear)
                    )
                })
            }
        },
        Condition::RttOverBaseline {
            percent: above,
            clear_percent,
            baseline_steps,
        } => {
            let Some(median) = step.median_us() else {
                return Verdict::Neutral;
            };
            let window = baseline_steps.clamp(&1, &MAX_BASELINE_STEPS);
            let window = usize::try_from(*window).unwrap_or(usize::MAX);
            let verdict = if state.medians.len() >= window {
                let baseline = median_of(&state.medians);
                let over = (f64::from(median) - baseline) / baseline.max(1.0) * 100.0;
                band(over, *above, *clear_percent, || {
                    format!(
                        "median RTT {} ms is {} % over its baseline of {} ms (the median of {} steps); fires above {} %, clears at or below {} %",
                        round2(us_to_ms(median)),
                        round2(over),
                        round2(baseline / 1e3),
                        window,
                        above,
                        clear_percent
                    )
                })
            } else {
                Verdict::Neutral
            };
            state.medians.push_back(median);
            while state.medians.len() > window {
                state.medians.pop_front();
            }
            verdict
        }
        Condition::Down => {
            if step.sent == 0 {
                Verdict::Neutral
            } else if step.received() == 0 {
                Verdict::Bad {
                    value: Some(1.0),
                    detail: format!("every probe lost ({} sent, none answered)", step.sent),
                }
            } else {
                Verdict::Good
            }
        }
        Condition::PathChanged | Condition::PmtuDropped => Verdict::Neutral,
    }
}

/// The median of step medians (µs), as smokeping computes a median.
fn median_of(values: &VecDeque<u32>) -> f64 {
    let mut sorted: Vec<u32> = values.iter().copied().collect();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        f64::from(sorted[n / 2])
    } else {
        f64::midpoint(f64::from(sorted[n / 2 - 1]), f64::from(sorted[n / 2]))
    }
}

fn judge_path(
    condition: &Condition,
    state: &mut State,
    earlier: Option<&PathRecord>,
    now: &PathRecord,
) -> Verdict {
    match condition {
        Condition::PathChanged => match earlier {
            None => Verdict::Neutral,
            Some(earlier) if now.changed_from(earlier) => Verdict::Bad {
                value: None,
                detail: describe_change(earlier, now),
            },
            Some(_) => Verdict::Good,
        },
        Condition::PmtuDropped => {
            let reference = state.last_pmtu.or(earlier.and_then(|e| e.pmtu));
            let Some(pmtu) = now.pmtu else {
                return Verdict::Neutral;
            };
            state.last_pmtu = Some(pmtu);
            match reference {
                None => Verdict::Neutral,
                Some(before) if pmtu < before => Verdict::Bad {
                    value: Some(f64::from(pmtu)),
                    detail: format!("path MTU dropped from {before} to {pmtu} bytes"),
                },
                Some(_) => Verdict::Good,
            }
        }
        _ => Verdict::Neutral,
    }
}

fn describe_change(earlier: &PathRecord, now: &PathRecord) -> String {
    let show = |hop: Option<&Option<std::net::IpAddr>>| match hop {
        Some(Some(addr)) => addr.to_string(),
        Some(None) => "*".to_owned(),
        None => "none".to_owned(),
    };
    let first = (0..earlier.hops.len().max(now.hops.len())).find(|&i| {
        match (earlier.hops.get(i), now.hops.get(i)) {
            (Some(Some(a)), Some(Some(b))) => a != b,
            (Some(_), Some(_)) => false,
            _ => true,
        }
    });
    let lengths = format!("{} hops, was {}", now.hops.len(), earlier.hops.len());
    match first {
        Some(i) => format!(
            "path changed at hop {}: {} (was {}); {lengths}",
            i + 1,
            show(now.hops.get(i)),
            show(earlier.hops.get(i))
        ),
        None => format!("path changed; {lengths}"),
    }
}

#[cfg(test)]
mod tests;
