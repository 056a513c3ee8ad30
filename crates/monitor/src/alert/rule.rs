//! The alert rules and receivers of a configuration, checked: what the
//! config reader produces and the evaluator judges.

use std::collections::BTreeMap;
use std::time::Duration;

/// What makes a step bad for a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The step's loss is above `above` (a fraction, 0.0 to 1.0); good again
    /// at or below `clear` (≤ `above`: the hysteresis band).
    Loss {
        /// Fires above this fraction.
        above: f64,
        /// Clears at or below this fraction.
        clear: f64,
    },
    /// The step's median RTT is above `above`; good again at or below `clear`.
    Rtt {
        /// Fires above this.
        above: Duration,
        /// Clears at or below this.
        clear: Duration,
    },
    /// The step's median RTT is more than `percent` % above the target's
    /// baseline (the median of its medians over the `baseline_steps` steps
    /// before); good again within `clear_percent` %.
    RttOverBaseline {
        /// Fires this many percent above the baseline.
        percent: f64,
        /// Clears within this many percent.
        clear_percent: f64,
        /// How many earlier steps make the baseline.
        baseline_steps: u32,
    },
    /// Every probe of the step was lost.
    Down,
    /// The target's path (its hop list) changed.
    PathChanged,
    /// The target's path MTU fell below what it was.
    PmtuDropped,
}

impl Condition {
    /// The condition's name as the configuration spells its `kind`
    /// (`loss`, `rtt`, `rtt_over_baseline`, `down`, `path_changed`,
    /// `pmtu_dropped`).
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::Loss { .. } => "loss",
            Condition::Rtt { .. } => "rtt",
            Condition::RttOverBaseline { .. } => "rtt_over_baseline",
            Condition::Down => "down",
            Condition::PathChanged => "path_changed",
            Condition::PmtuDropped => "pmtu_dropped",
        }
    }

    /// Whether the condition is judged on traces (path records) rather
    /// than on steps.
    pub fn is_path(&self) -> bool {
        matches!(self, Condition::PathChanged | Condition::PmtuDropped)
    }
}

/// Which targets a rule watches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    /// Target names; empty with `groups` empty means every target.
    pub targets: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
}

impl Selector {
    /// Whether the target `name` of group `group` is watched.
    pub fn matches(&self, name: &str, group: &str) -> bool {
        (self.targets.is_empty() && self.groups.is_empty())
            || self.targets.iter().any(|t| t == name)
            || self.groups.iter().any(|g| g == group)
    }
}

/// One alert rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The alert's name (Alertmanager's `alertname`).
    pub name: String,
    /// What makes a step bad.
    pub condition: Condition,
    /// Bad steps in a row before it fires (≥ 1).
    pub for_steps: u32,
    /// Good steps in a row before it resolves (≥ 1).
    pub clear_steps: u32,
    /// The `severity` label (`warning` by default).
    pub severity: String,
    /// Which targets it watches.
    pub selector: Selector,
    /// The receivers it is delivered to, by name (empty: every receiver).
    pub receivers: Vec<String>,
    /// Extra labels on the alert.
    pub labels: BTreeMap<String, String>,
    /// A text for people (Alertmanager's `summary` annotation).
    pub summary: Option<String>,
}

/// Where alerts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Alertmanager's API: `POST {url}/api/v2/alerts`.
    Alertmanager {
        /// Alertmanager's base URL, `http://host:9093`.
        url: String,
    },
    /// `POST` of the alert as JSON to this URL.
    Webhook {
        /// The URL.
        url: String,
    },
    /// Run this program with these arguments, the alert as JSON on its
    /// standard input.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
    },
}

/// A named receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// Its name, as rules refer to it.
    pub name: String,
    /// How alerts reach it.
    pub delivery: Delivery,
    /// How long one delivery may take.
    pub timeout: Duration,
}
