//! The Prometheus text exposition format and `OpenMetrics` text, read for
//! tests: every sample line as a [`Sample`] (name, labels, value), comments
//! and metadata (`# TYPE`, `# HELP`, `# EOF`) skipped, timestamps and
//! `OpenMetrics` exemplars dropped. Lenient: what it cannot read is an
//! error naming the line, never a panic.

use std::collections::BTreeMap;

/// One sample line: `name{label="value",...} value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The metric name as written (`smokeping_requests_total`,
    /// `..._bucket`).
    pub name: String,
    /// Its labels, unescaped.
    pub labels: BTreeMap<String, String>,
    /// Its value (`+Inf`, `-Inf` and `NaN` included).
    pub value: f64,
}

impl Sample {
    /// Whether it has every label of `labels` with that value.
    pub fn has(&self, labels: &[(&str, &str)]) -> bool {
        labels
            .iter()
            .all(|(k, v)| self.labels.get(*k).is_some_and(|have| have == v))
    }
}

/// Every sample of `text`; an error names the first line it cannot read.
pub fn parse_metrics(text: &str) -> Result<Vec<Sample>, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(line).ok_or_else(|| format!("not a sample line: {line:?}")))
        .collect()
}

/// The samples named `name` that have `labels`.
pub fn matching<'a>(
    samples: &'a [Sample],
    name: &'a str,
    labels: &'a [(&'a str, &'a str)],
) -> impl Iterator<Item = &'a Sample> + 'a {
    samples
        .iter()
        .filter(move |s| s.name == name && s.has(labels))
}

/// The value of the one sample named `name` with `labels`; `None` when
/// there is none, panics when there are several.
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = matching(samples, name, labels).collect();
    assert!(
        found.len() <= 1,
        "{name} {labels:?}: several samples: {found:?}"
    );
    found.first().map(|s| s.value)
}

/// The sum of the samples named `name` with `labels` (0 when none).
pub fn sum(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    matching(samples, name, labels).map(|s| s.value).sum()
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = parse_labels(after, &mut labels)?;
    }
    // Exemplar (OpenMetrics): "value # {labels} value [timestamp]".
    let rest = rest.split(" # ").next()?;
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `key="value",...}` into `labels`; what follows the `}`.
fn parse_labels<'a>(mut text: &'a str, labels: &mut BTreeMap<String, String>) -> Option<&'a str> {
    loop {
        text = text.trim_start_matches([' ', ',']);
        if let Some(rest) = text.strip_prefix('}') {
            return Some(rest);
        }
        let (key, rest) = text.split_once('=')?;
        let mut chars = rest.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.trim().to_owned(), value);
        text = &rest[1 + end + 1..];
    }
}

#[cfg(test)]
mod tests;
