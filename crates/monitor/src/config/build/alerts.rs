//! Receivers and alert rules: deliveries, thresholds by kind, and the
//! names rules refer to.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Builder, DEFAULT_BASELINE_STEPS, DEFAULT_RECEIVER_TIMEOUT, Entries, section, unknown};
use crate::alert::rule::{Condition, Delivery, Receiver, Rule, Selector};
use crate::config::error::{ConfigError, join_or, near_miss};
use crate::config::model::{AlertSpec, At, KindName, ReceiverSpec, Threshold};
use crate::target::Targets;

impl Builder<'_> {
    pub(super) fn receivers(
        &self,
        specs: &[At<ReceiverSpec>],
    ) -> Result<Vec<Receiver>, ConfigError> {
        let mut receivers: Vec<Receiver> = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let r = spec.get_ref();
            let section = section("receiver", i, Some(r.name.get_ref()));
            let name = self.non_empty(&r.name, &section, "name", "write name = \"ops\"")?;
            if let Some(other) = receivers.iter().position(|o| o.name == name) {
                return Err(self.at(
                    &r.name,
                    &section,
                    "name",
                    format!(
                        "receiver {} is also named {name:?}: give each receiver its own name",
                        other + 1
                    ),
                ));
            }
            let given: Vec<&str> = [
                r.webhook.as_ref().map(|_| "webhook"),
                r.alertmanager.as_ref().map(|_| "alertmanager"),
                r.command.as_ref().map(|_| "command"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let delivery = match (&r.webhook, &r.alertmanager, &r.command) {
                (Some(url), None, None) => Delivery::Webhook {
                    url: self.url(&section, "webhook", url)?,
                },
                (None, Some(url), None) => Delivery::Alertmanager {
                    url: self
                        .url(&section, "alertmanager", url)?
                        .trim_end_matches('/')
                        .to_owned(),
                },
                (None, None, Some(argv)) => {
                    if argv.get_ref().first().is_none_or(String::is_empty) {
                        return Err(self.at(
                            argv,
                            &section,
                            "command",
                            "the command is empty: write the program and its arguments, as \
                             [\"/usr/bin/logger\", \"-t\", \"icmpkit\"]",
                        ));
                    }
                    Delivery::Command {
                        argv: argv.get_ref().clone(),
                    }
                }
                _ => {
                    let message = if given.is_empty() {
                        "a receiver says how alerts reach it: add one of webhook = \"http://...\", \
                         alertmanager = \"http://...\" or command = [...]"
                            .to_owned()
                    } else {
                        format!(
                            "a receiver has one way to deliver, not {}: keep one, and make another \
                             [[receiver]] for the other",
                            join_or(
                                &given.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>(),
                                "and"
                            )
                        )
                    };
                    return Err(self.table(spec, &section, message));
                }
            };
            let timeout = match &r.timeout {
                None => DEFAULT_RECEIVER_TIMEOUT,
                Some(t) if t.get_ref().0.is_zero() => {
                    return Err(self.at(
                        t,
                        &section,
                        "timeout",
                        "a timeout of 0 fails every delivery: give \"5s\"",
                    ));
                }
                Some(t) => t.get_ref().0,
            };
            receivers.push(Receiver {
                name,
                delivery,
                timeout,
            });
        }
        Ok(receivers)
    }

    /// An `http://` URL with a host.
    fn url(&self, section: &str, key: &str, url: &At<String>) -> Result<String, ConfigError> {
        let text = url.get_ref();
        if text
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            return Err(self.at(
                url,
                section,
                key,
                format!(
                    "{text:?}: https is not supported: the daemon carries no TLS library; give an \
                     http:// URL (a local relay or an Alertmanager on the same host)"
                ),
            ));
        }
        let parsed = text.parse::<hyper::Uri>();
        match parsed {
            Ok(uri) if uri.scheme_str() == Some("http") && uri.authority().is_some() => {
                Ok(text.clone())
            }
            _ => Err(self.at(
                url,
                section,
                key,
                format!("{text:?} is not an http:// URL: write \"http://127.0.0.1:9093\""),
            )),
        }
    }

    pub(super) fn alerts(
        &self,
        specs: &[At<AlertSpec>],
        targets: &Targets,
        entries: &Entries,
        receivers: &[Receiver],
    ) -> Result<Vec<Rule>, ConfigError> {
        let mut rules: Vec<Rule> = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let a = spec.get_ref();
            let section = section("alert", i, Some(a.name.get_ref()));
            let name = self.non_empty(&a.name, &section, "name", "write name = \"HighLoss\"")?;
            if let Some(other) = rules.iter().position(|o| o.name == name) {
                return Err(self.at(
                    &a.name,
                    &section,
                    "name",
                    format!(
                        "alert {} is also named {name:?}: give each alert its own name",
                        other + 1
                    ),
                ));
            }
            let condition = self.condition(spec, &section)?;
            let steps = |value: &Option<At<i64>>, key: &str| match value {
                None => Ok(1),
                Some(v) => u32::try_from(*v.get_ref())
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| {
                        self.at(
                            v,
                            &section,
                            key,
                            format!("{} is out of range: give 1 or more steps", v.get_ref()),
                        )
                    }),
            };
            let for_steps = steps(&a.for_steps, "for_steps")?;
            let clear_steps = steps(&a.clear_steps, "clear_steps")?;
            let severity = match &a.severity {
                Some(s) => {
                    self.non_empty(s, &section, "severity", "write severity = \"critical\"")?
                }
                None => "warning".to_owned(),
            };
            let mut selector = Selector::default();
            for t in a.targets.iter().flatten() {
                let wanted = t.get_ref();
                match entries.get(wanted) {
                    Some(range) => selector.targets.extend(
                        targets.targets[range.clone()]
                            .iter()
                            .map(|t| t.name.to_string()),
                    ),
                    None if targets.find(wanted).is_some() => selector.targets.push(wanted.clone()),
                    None => {
                        let known = entries.keys().map(String::as_str);
                        let hint = near_miss(wanted, known)
                            .map(|n| format!(" (did you mean {n:?}?)"))
                            .unwrap_or_default();
                        return Err(self.at(
                            t,
                            &section,
                            "targets",
                            format!(
                                "no target named {wanted:?}{hint}: a rule names a [[target]] by \
                                 its \
                                 `name` (its `host` when it has none)"
                            ),
                        ));
                    }
                }
            }
            for g in a.groups.iter().flatten() {
                let known: Vec<&str> = targets.groups.iter().map(|g| &*g.name).collect();
                if !known.contains(&g.get_ref().as_str()) {
                    return Err(self.at(
                        g,
                        &section,
                        "groups",
                        unknown("group", g.get_ref(), &known, "[[group]]"),
                    ));
                }
                selector.groups.push(g.get_ref().clone());
            }
            let mut to = Vec::new();
            for r in a.receivers.iter().flatten() {
                let known: Vec<&str> = receivers.iter().map(|r| r.name.as_str()).collect();
                if !known.contains(&r.get_ref().as_str()) {
                    return Err(self.at(
                        r,
                        &section,
                        "receivers",
                        unknown("receiver", r.get_ref(), &known, "[[receiver]]"),
                    ));
                }
                to.push(r.get_ref().clone());
            }
            let labels = match &a.labels {
                Some(labels) => self.check_labels(&section, labels)?,
                None => BTreeMap::new(),
            };
            rules.push(Rule {
                name,
                condition,
                for_steps,
                clear_steps,
                severity,
                selector,
                receivers: to,
                labels,
                summary: a.summary.as_ref().map(|s| s.get_ref().clone()),
            });
        }
        Ok(rules)
    }

    /// What makes a step bad for the rule `spec`.
    fn condition<'f>(
        &self,
        spec: &'f At<AlertSpec>,
        section: &str,
    ) -> Result<Condition, ConfigError> {
        let a = spec.get_ref();
        let kind = *a.kind.get_ref();
        let k = kind.as_str();
        let given = [
            ("above", a.above.as_ref()),
            ("clear", a.clear.as_ref()),
            ("percent", a.percent.as_ref()),
            ("clear_percent", a.clear_percent.as_ref()),
        ];
        let takes: &[&str] = match kind {
            KindName::Loss | KindName::Rtt => &["above", "clear"],
            KindName::RttOverBaseline => &["percent", "clear_percent", "baseline_steps"],
            KindName::Down | KindName::PathChanged | KindName::PmtuDropped => &[],
        };
        for (key, value) in given {
            if let Some(value) = value.filter(|_| !takes.contains(&key)) {
                return Err(self.at(value, section, key, not_taken(k, key, takes)));
            }
        }
        if let Some(b) = a
            .baseline_steps
            .as_ref()
            .filter(|_| kind != KindName::RttOverBaseline)
        {
            return Err(self.at(
                b,
                section,
                "baseline_steps",
                not_taken(k, "baseline_steps", takes),
            ));
        }
        let required = |value: Option<&'f At<Threshold>>, key: &str, example: &str| {
            value.ok_or_else(|| {
                self.table(
                    spec,
                    section,
                    format!("missing key `{key}`: a `{k}` rule needs one; add {key} = {example}"),
                )
            })
        };
        // A threshold and its clear level (default: the threshold), read
        // by `read`, the clear level at most the threshold.
        let pair = |above: &At<Threshold>,
                    clear: Option<&At<Threshold>>,
                    keys: (&str, &str),
                    read: &dyn Fn(&Threshold) -> Result<f64, String>|
         -> Result<(f64, f64), ConfigError> {
            let high = read(above.get_ref()).map_err(|m| self.at(above, section, keys.0, m))?;
            let Some(clear) = clear else {
                return Ok((high, high));
            };
            let low = read(clear.get_ref()).map_err(|m| self.at(clear, section, keys.1, m))?;
            if low > high {
                return Err(self.at(
                    clear,
                    section,
                    keys.1,
                    format!(
                        "`{}` is above `{}`: a rule clears at or below the level it fires above \
                         (the band between them keeps it from flapping); give at most the \
                         `{}` value",
                        keys.1, keys.0, keys.0
                    ),
                ));
            }
            Ok((high, low))
        };
        Ok(match kind {
            KindName::Loss => {
                let above = required(a.above.as_ref(), "above", "\"10%\"")?;
                let (above, clear) = pair(above, a.clear.as_ref(), ("above", "clear"), &read_loss)?;
                Condition::Loss { above, clear }
            }
            KindName::Rtt => {
                let above = required(a.above.as_ref(), "above", "\"150ms\"")?;
                let (above, clear) = pair(above, a.clear.as_ref(), ("above", "clear"), &read_rtt)?;
                Condition::Rtt {
                    above: Duration::from_secs_f64(above),
                    clear: Duration::from_secs_f64(clear),
                }
            }
            KindName::RttOverBaseline => {
                let percent = required(a.percent.as_ref(), "percent", "50")?;
                let (percent, clear_percent) = pair(
                    percent,
                    a.clear_percent.as_ref(),
                    ("percent", "clear_percent"),
                    &read_percent,
                )?;
                let baseline_steps = match &a.baseline_steps {
                    None => DEFAULT_BASELINE_STEPS,
                    Some(b) => u32::try_from(*b.get_ref())
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| {
                            self.at(
                                b,
                                section,
                                "baseline_steps",
                                format!("{} is out of range: give 1 or more steps", b.get_ref()),
                            )
                        })?,
                };
                Condition::RttOverBaseline {
                    percent,
                    clear_percent,
                    baseline_steps,
                }
            }
            KindName::Down => Condition::Down,
            KindName::PathChanged => Condition::PathChanged,
            KindName::PmtuDropped => Condition::PmtuDropped,
        })
    }
}

/// A loss threshold: `"10%"` or `0.1`, at least 0 and below 1.
fn read_loss(value: &Threshold) -> Result<f64, String> {
    let fraction = match value {
        Threshold::Number(n) => Some(*n),
        Threshold::Text(t) => t
            .trim()
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<f64>().ok())
            .map(|p| p / 100.0),
    };
    match fraction {
        Some(f) if (0.0..1.0).contains(&f) => Ok(f),
        Some(_) => Err(format!(
            "loss {} is out of range: give a fraction from 0 to below 1 (0.1) or a percentage \
             below 100 (\"10%\"); for every probe lost use kind = \"down\"",
            show_threshold(value)
        )),
        None => Err(format!(
            "{} is not a loss: write a percentage (\"10%\") or a fraction (0.1)",
            show_threshold(value)
        )),
    }
}

/// An RTT threshold, in seconds: a duration, more than 0.
fn read_rtt(value: &Threshold) -> Result<f64, String> {
    match value {
        Threshold::Number(n) => Err(format!("{n} has no unit: write \"{n}ms\"")),
        Threshold::Text(t) => match humantime::parse_duration(t) {
            Ok(d) if !d.is_zero() => Ok(d.as_secs_f64()),
            Ok(_) => Err("an RTT of 0 is always exceeded: give \"150ms\"".to_owned()),
            Err(_) => Err(format!("{t:?} is not a duration: write \"150ms\"")),
        },
    }
}

/// A percentage over the baseline: `50` or `"50%"`, more than 0.
fn read_percent(value: &Threshold) -> Result<f64, String> {
    let percent = match value {
        Threshold::Number(n) => Some(*n),
        Threshold::Text(t) => t
            .trim()
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<f64>().ok()),
    };
    match percent {
        Some(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err(format!(
            "{} is not a percentage: write a number of percent above the baseline, as 50",
            show_threshold(value)
        )),
    }
}

fn show_threshold(value: &Threshold) -> String {
    match value {
        Threshold::Number(n) => n.to_string(),
        Threshold::Text(t) => format!("{t:?}"),
    }
}

/// Why a rule of kind `kind` refuses `key`, and what it takes.
fn not_taken(kind: &str, key: &str, takes: &[&str]) -> String {
    if takes.is_empty() {
        format!("a `{kind}` rule takes no threshold: remove `{key}`")
    } else {
        let list: Vec<String> = takes.iter().map(|k| format!("`{k}`")).collect();
        format!(
            "a `{kind}` rule takes {}, not `{key}`",
            join_or(&list, "and")
        )
    }
}
