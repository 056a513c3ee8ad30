use super::*;

fn alert(state: AlertState) -> Alert {
    Alert {
        rule: "HighLoss".into(),
        kind: "loss",
        target: "gw/10.0.0.1".into(),
        host: Some("10.0.0.0/30".into()),
        group: "core".into(),
        severity: "critical".into(),
        labels: BTreeMap::from([
            ("site".into(), "fra1".into()),
            ("empty".into(), String::new()),
            // The fixed labels win over the alert's own.
            ("agent".into(), "spoofed".into()),
        ]),
        state,
        starts_at: 1_764_921_600,
        ends_at: (state == AlertState::Resolved).then_some(1_764_921_900),
        value: Some(0.25),
        summary: "Loss above 10 %".into(),
        description: "loss 25 %".into(),
        receivers: Vec::new(),
    }
}

fn origin(url: Option<&str>) -> Origin {
    Origin {
        agent: "lab-a".into(),
        external_url: url.map(Into::into),
    }
}

#[test]
fn times_are_rfc3339_utc_seconds() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_764_921_600), "2025-12-05T08:00:00Z");
    assert_eq!(rfc3339(-5), "1970-01-01T00:00:00Z");
}

#[test]
fn the_fingerprint_is_alertmanagers() {
    // The label signature of Prometheus's model (prometheus/common), which
    // Alertmanager uses: its test vectors.
    assert_eq!(fingerprint(&BTreeMap::new()), "cbf29ce484222325");
    let labels = BTreeMap::from([
        ("name".to_owned(), "garland, briggs".to_owned()),
        ("fear".to_owned(), "love is not enough".to_owned()),
    ]);
    assert_eq!(
        fingerprint(&labels),
        format!("{:016x}", 5_799_056_148_416_392_346_u64)
    );
}

#[test]
fn a_postable_alert_has_alertmanagers_fields() {
    let firing = postable(
        &alert(AlertState::Firing),
        &origin(Some("http://mon:9470/")),
        1_764_921_840,
    );
    assert_eq!(
        serde_json::to_value(&firing).unwrap(),
        serde_json::json!({
            "labels": {
                "alertname": "HighLoss",
                "target": "gw/10.0.0.1",
                "host": "10.0.0.0/30",
                "group": "core",
                "severity": "critical",
                "agent": "lab-a",
                "site": "fra1",
            },
            "annotations": {"summary": "Loss above 10 %", "description": "loss 25 %"},
            "startsAt": "2025-12-05T08:00:00Z",
            "endsAt": "2025-12-05T08:04:00Z",
            "generatorURL": "http://mon:9470/target/gw%2F10.0.0.1",
        })
    );
    let resolved = postable(&alert(AlertState::Resolved), &origin(None), 0);
    let json = serde_json::to_value(&resolved).unwrap();
    assert_eq!(json["endsAt"], "2025-12-05T08:05:00Z");
    assert!(json.get("generatorURL").is_none());
}

#[test]
fn a_webhook_message_is_alertmanagers_version_4() {
    let mut other = alert(AlertState::Resolved);
    other.target = "sw".into();
    other.host = None;
    let message = webhook("ops", &[alert(AlertState::Firing), other], &origin(None));
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["version"], "4");
    assert_eq!(json["groupKey"], "{}:{agent=\"lab-a\"}");
    assert_eq!(json["status"], "firing");
    assert_eq!(json["receiver"], "ops");
    assert_eq!(json["externalURL"], "");
    assert_eq!(json["truncatedAlerts"], 0);
    assert_eq!(json["groupLabels"], serde_json::json!({"agent": "lab-a"}));
    // Common: what both share (not target, not host).
    assert_eq!(
        json["commonLabels"],
        serde_json::json!({
            "agent": "lab-a", "alertname": "HighLoss", "group": "core",
            "severity": "critical", "site": "fra1",
        })
    );
    assert_eq!(json["alerts"][0]["status"], "firing");
    assert_eq!(json["alerts"][0]["endsAt"], ZERO_TIME);
    assert_eq!(json["alerts"][1]["status"], "resolved");
    assert_eq!(json["alerts"][1]["endsAt"], "2025-12-05T08:05:00Z");
    let labels = &message.alerts[0].labels;
    assert_eq!(json["alerts"][0]["fingerprint"], fingerprint(labels));
}

#[test]
fn a_message_of_resolved_alerts_only_is_resolved() {
    let message = webhook("ops", &[alert(AlertState::Resolved)], &origin(None));
    assert_eq!(message.status, AlertState::Resolved);
}
