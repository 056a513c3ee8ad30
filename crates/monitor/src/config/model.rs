//! The file as serde reads it: one struct per table, unknown keys refused,
//! values kept with their spans so that [`super::build`] can say where a
//! mistake is. Values whose mistakes need a message of their own
//! (durations, thresholds) have their own deserializers; everything else
//! is checked in `build`, where the table and key are known.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

/// A value and where it is in the text.
pub(super) type At<T> = Spanned<T>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    pub agent: Option<At<String>>,
    pub listen: Option<At<String>>,
    pub data_dir: Option<At<String>>,
    pub history: Option<At<HistorySpec>>,
    pub defaults: Option<At<GroupSpec>>,
    #[serde(default)]
    pub group: Vec<At<GroupSpec>>,
    #[serde(default)]
    pub target: Vec<At<TargetSpec>>,
    #[serde(default)]
    pub alert: Vec<At<AlertSpec>>,
    #[serde(default)]
    pub receiver: Vec<At<ReceiverSpec>>,
}

/// `[history]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistorySpec {
    pub raw: Option<At<DurationValue>>,
    pub levels: Option<At<Vec<At<LevelSpec>>>>,
}

/// One of `[history] levels`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LevelSpec {
    pub step: At<DurationValue>,
    pub keep: At<DurationValue>,
}

/// A `[[group]]`, and `[defaults]` (the same keys but `name`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupSpec {
    pub name: Option<At<String>>,
    pub step: Option<At<DurationValue>>,
    pub pings: Option<At<i64>>,
    pub interval: Option<At<DurationValue>>,
    pub size: Option<At<i64>>,
    pub tos: Option<At<i64>>,
    pub df: Option<At<bool>>,
    pub family: Option<At<FamilyName>>,
    pub timeout: Option<At<DurationValue>>,
    pub trace_every: Option<At<DurationValue>>,
    pub pmtu: Option<At<bool>>,
    pub labels: Option<At<BTreeMap<String, String>>>,
}

/// `family = "any" | "ipv4" | "ipv6"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum FamilyName {
    Any,
    Ipv4,
    Ipv6,
}

/// A `[[target]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetSpec {
    pub name: Option<At<String>>,
    pub host: At<String>,
    pub group: Option<At<String>>,
    pub labels: Option<At<BTreeMap<String, String>>>,
}

/// An `[[alert]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AlertSpec {
    pub name: At<String>,
    pub kind: At<KindName>,
    pub above: Option<At<Threshold>>,
    pub clear: Option<At<Threshold>>,
    pub percent: Option<At<Threshold>>,
    pub clear_percent: Option<At<Threshold>>,
    pub baseline_steps: Option<At<i64>>,
    pub for_steps: Option<At<i64>>,
    pub clear_steps: Option<At<i64>>,
    pub severity: Option<At<String>>,
    pub targets: Option<Vec<At<String>>>,
    pub groups: Option<Vec<At<String>>>,
    pub receivers: Option<Vec<At<String>>>,
    pub labels: Option<At<BTreeMap<String, String>>>,
    pub summary: Option<At<String>>,
}

/// An alert's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum KindName {
    Loss,
    Rtt,
    RttOverBaseline,
    Down,
    PathChanged,
    PmtuDropped,
}

impl KindName {
    /// As the file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loss => "loss",
            Self::Rtt => "rtt",
            Self::RttOverBaseline => "rtt_over_baseline",
            Self::Down => "down",
            Self::PathChanged => "path_changed",
            Self::PmtuDropped => "pmtu_dropped",
        }
    }
}

/// A `[[receiver]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReceiverSpec {
    pub name: At<String>,
    pub webhook: Option<At<String>>,
    pub alertmanager: Option<At<String>>,
    pub command: Option<At<Vec<String>>>,
    pub timeout: Option<At<DurationValue>>,
}

/// A duration as humantime reads it: `"300s"`, `"5m"`, `"1h 30m"`,
/// `"400d"`. A bare number is refused with the units to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DurationValue(pub Duration);

/// How to write a duration, for messages.
const DURATION_HINT: &str = "write a number with a unit, as \"300s\", \"5m\" or \"1h\"";

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration (\"300s\", \"5m\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationValue, E> {
                Err(E::custom(format!(
                    "{v} has no unit: write \"{v}s\", \"{v}ms\" or \"{v}m\""
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationValue, E> {
                Err(E::custom(format!("{v} has no unit: {DURATION_HINT}")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DurationValue, E> {
                humantime::parse_duration(s)
                    .map(DurationValue)
                    .map_err(|_| E::custom(format!("{s:?} is not a duration: {DURATION_HINT}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// An alert threshold as written: its meaning (a loss, an RTT, a
/// percentage) depends on the rule's kind, so it is read in `build`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Threshold {
    Text(String),
    Number(f64),
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Threshold;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a threshold: \"10%\", 0.1, \"150ms\" or 50")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Threshold, E> {
                Ok(Threshold::Number(v))
            }
            // TOML integers are far below 2^52 in any sensible threshold;
            // a huge one fails the range check with its (rounded) value.
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Threshold, E> {
                Ok(Threshold::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Threshold, E> {
                Ok(Threshold::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}
