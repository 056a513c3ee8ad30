//! The JSON that receivers are sent: Alertmanager's API v2 alerts and the
//! webhook object (Alertmanager's webhook-receiver shape, version 4). See
//! the [module documentation](super) for both shapes.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::board::{Alert, AlertState};

/// What Go (and so Alertmanager's webhook) writes for a time not set: the
/// `endsAt` of a firing alert in a webhook object.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Where the alerts come from and how they link back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The `agent` label.
    pub agent: String,
    /// The daemon's URL as people reach it (`http://host:9470`), for
    /// `generatorURL` (`{url}/target/{target}`) and the webhook's
    /// `externalURL`; `None` leaves them out (empty in the webhook).
    pub external_url: Option<String>,
}

/// One alert of `POST /api/v2/alerts` (Alertmanager's `postableAlert`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    /// The alert's identity: `alertname`, `target`, `host`, `group`,
    /// `severity`, `agent` and the alert's labels.
    pub labels: BTreeMap<String, String>,
    /// `summary` and `description`.
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339: when it resolved, or for a firing alert the time after
    /// which Alertmanager may consider it resolved unless it is sent
    /// again.
    pub ends_at: String,
    /// The target's page on the daemon.
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

/// One alert of a webhook object (Alertmanager's webhook `alerts[]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    /// `firing` or `resolved`.
    pub status: AlertState,
    /// As in [`PostableAlert::labels`].
    pub labels: BTreeMap<String, String>,
    /// As in [`PostableAlert::annotations`].
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339 when resolved; [`ZERO_TIME`] while firing.
    pub ends_at: String,
    /// The target's page on the daemon, or empty.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// Alertmanager's fingerprint of the labels (16 hex digits).
    pub fingerprint: String,
}

/// The object a webhook or a command receives (Alertmanager's webhook
/// payload, version 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage {
    /// Always `"4"`.
    pub version: &'static str,
    /// `{}:{agent="NAME"}`.
    pub group_key: String,
    /// Always 0.
    pub truncated_alerts: u32,
    /// `firing` when any alert of the message fires, else `resolved`.
    pub status: AlertState,
    /// The receiver's name.
    pub receiver: String,
    /// `{"agent": NAME}`.
    pub group_labels: BTreeMap<String, String>,
    /// The labels every alert of the message shares.
    pub common_labels: BTreeMap<String, String>,
    /// The annotations every alert of the message shares.
    pub common_annotations: BTreeMap<String, String>,
    /// The daemon's external URL, or empty.
    #[serde(rename = "externalURL")]
    pub external_url: String,
    /// The alerts, in the order they fired and resolved.
    pub alerts: Vec<WebhookAlert>,
}

/// RFC 3339 (seconds, UTC) of Unix seconds; times before 1970 are 1970.
pub fn rfc3339(unix: i64) -> String {
    let secs = u64::try_from(unix).unwrap_or(0);
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

/// Unix seconds of a system time (0 before 1970).
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An alert's labels as receivers see them: its labels, then `alertname`,
/// `target`, `host` (when known), `group`, `severity` and `agent` over
/// them. Labels with an empty value are left out (Alertmanager treats an
/// empty label as absent).
pub fn labels(alert: &Alert, origin: &Origin) -> BTreeMap<String, String> {
    let mut labels = alert.labels.clone();
    labels.insert("alertname".into(), alert.rule.clone());
    labels.insert("target".into(), alert.target.clone());
    if let Some(host) = &alert.host {
        labels.insert("host".into(), host.clone());
    }
    labels.insert("group".into(), alert.group.clone());
    labels.insert("severity".into(), alert.severity.clone());
    labels.insert("agent".into(), origin.agent.clone());
    labels.retain(|_, v| !v.is_empty());
    labels
}

/// `summary` and `description`.
pub fn annotations(alert: &Alert) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("summary".to_owned(), alert.summary.clone()),
        ("description".to_owned(), alert.description.clone()),
    ])
}

/// The target's page: `{external_url}/target/{target}` (the name
/// percent-encoded).
pub fn generator_url(alert: &Alert, origin: &Origin) -> Option<String> {
    origin.external_url.as_ref().map(|base| {
        format!(
            "{}/target/{}",
            base.trim_end_matches('/'),
            percent_encode(&alert.target)
        )
    })
}

/// Encodes every byte but RFC 3986's unreserved ones.
fn percent_encode(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The alert for Alertmanager. A firing alert's `endsAt` is `valid_until`
/// (Unix seconds); a resolved one's is when it resolved.
pub fn postable(alert: &Alert, origin: &Origin, valid_until: i64) -> PostableAlert {
    let ends_at = match alert.state {
        AlertState::Firing => valid_until.max(alert.starts_at),
        AlertState::Resolved => alert.ends_at.unwrap_or(valid_until),
    };
    PostableAlert {
        labels: labels(alert, origin),
        annotations: annotations(alert),
        starts_at: rfc3339(alert.starts_at),
        ends_at: rfc3339(ends_at),
        generator_url: generator_url(alert, origin),
    }
}

/// The webhook object for `alerts`, sent to the receiver `receiver`.
pub fn webhook(receiver: &str, alerts: &[Alert], origin: &Origin) -> WebhookMessage {
    let alerts: Vec<WebhookAlert> = alerts
        .iter()
        .map(|a| {
            let labels = labels(a, origin);
            WebhookAlert {
                status: a.state,
                fingerprint: fingerprint(&labels),
                labels,
                annotations: annotations(a),
                starts_at: rfc3339(a.starts_at),
                ends_at: a.ends_at.map_or_else(|| ZERO_TIME.to_owned(), rfc3339),
                generator_url: generator_url(a, origin).unwrap_or_default(),
            }
        })
        .collect();
    let status = if alerts.iter().any(|a| a.status == AlertState::Firing) {
        AlertState::Firing
    } else {
        AlertState::Resolved
    };
    WebhookMessage {
        version: "4",
        group_key: format!("{{}}:{{agent={:?}}}", origin.agent),
        truncated_alerts: 0,
        status,
        receiver: receiver.to_owned(),
        group_labels: BTreeMap::from([("agent".to_owned(), origin.agent.clone())]),
        common_labels: common(alerts.iter().map(|a| &a.labels)),
        common_annotations: common(alerts.iter().map(|a| &a.annotations)),
        external_url: origin.external_url.clone().unwrap_or_default(),
        alerts,
    }
}

/// The pairs every map has.
fn common<'a>(
    mut maps: impl Iterator<Item = &'a BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let Some(first) = maps.next() else {
        return BTreeMap::new();
    };
    let mut common = first.clone();
    for map in maps {
        common.retain(|k, v| map.get(k) == Some(v));
    }
    common
}

/// Alertmanager's fingerprint of a label set: FNV-1a 64 over the labels
/// sorted by name, each name and value followed by a 0xff byte, as 16 hex
/// digits.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[0xff]);
        add(value.as_bytes());
        add(&[0xff]);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
