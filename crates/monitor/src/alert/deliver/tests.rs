use std::collections::BTreeMap;

use super::*;

fn alert(target: &str, state: AlertState) -> Alert {
    Alert {
        rule: "Down".into(),
        kind: "down",
        target: target.into(),
        host: None,
        group: "core".into(),
        severity: "warning".into(),
        labels: BTreeMap::new(),
        state,
        starts_at: 60,
        ends_at: (state == AlertState::Resolved).then_some(120),
        value: Some(1.0),
        summary: String::new(),
        description: String::new(),
        receivers: Vec::new(),
    }
}

fn notify(target: &str, state: AlertState) -> Job {
    let kind = match state {
        AlertState::Firing => TransitionKind::Fired,
        AlertState::Resolved => TransitionKind::Resolved,
    };
    Job::Notify(Box::new(Transition {
        alert: alert(target, state),
        kind,
    }))
}

fn states(alerts: &[Alert]) -> Vec<(&str, AlertState)> {
    alerts
        .iter()
        .map(|a| (a.target.as_str(), a.state))
        .collect()
}

#[test]
fn alertmanager_is_sent_each_alert_once_in_its_latest_state() {
    let batch = [
        Job::Resend(vec![
            alert("a", AlertState::Firing),
            alert("b", AlertState::Firing),
        ]),
        notify("a", AlertState::Resolved),
        notify("c", AlertState::Firing),
    ];
    assert_eq!(
        states(&alerts_of(&batch, true)),
        [
            ("a", AlertState::Resolved),
            ("b", AlertState::Firing),
            ("c", AlertState::Firing)
        ]
    );
}

#[test]
fn a_webhook_is_sent_every_transition_and_no_resend() {
    let batch = [
        Job::Resend(vec![alert("b", AlertState::Firing)]),
        notify("a", AlertState::Firing),
        notify("a", AlertState::Resolved),
    ];
    assert_eq!(
        states(&alerts_of(&batch, false)),
        [("a", AlertState::Firing), ("a", AlertState::Resolved)]
    );
}

#[test]
fn network_trouble_and_server_errors_are_retried_client_errors_not() {
    let status = |status| DeliveryError::Status {
        url: "http://x/".into(),
        status,
    };
    assert!(status(503).is_transient());
    assert!(status(429).is_transient());
    assert!(!status(400).is_transient());
    let request = DeliveryError::Request {
        url: "http://x/".into(),
        reason: "connection refused".into(),
    };
    assert!(request.is_transient());
    let command = DeliveryError::Timeout {
        what: "command \"x\"".into(),
        timeout: Duration::from_secs(1),
    };
    assert!(!command.is_transient());
}
