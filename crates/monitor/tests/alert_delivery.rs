//! Alert delivery against real receivers: an HTTP server on loopback that
//! the test starts and stops (standing in for a webhook receiver and for
//! Alertmanager, which is not installed here), and a shell command.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use icmpkit_monitor::alert::rule::{Condition, Delivery, Receiver, Rule, Selector};
use icmpkit_monitor::alert::{
    Board, Deliverer, DeliveryHandle, DeliverySettings, Origin, Transition, TransitionKind,
};
use icmpkit_monitor::step::StepSummary;
use icmpkit_monitor::target::{Group, Probing, Target, Targets};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What the test receiver got: (path, body).
#[derive(Clone, Default)]
struct Recorder {
    posts: Arc<Mutex<Vec<(String, Value)>>>,
    /// Requests still to be answered with this status before accepting.
    refuse: Arc<AtomicUsize>,
    refuse_with: Arc<Mutex<Option<StatusCode>>>,
}

impl Recorder {
    fn posts(&self) -> Vec<(String, Value)> {
        self.posts.lock().unwrap().clone()
    }

    fn refuse(&self, count: usize, status: StatusCode) {
        *self.refuse_with.lock().unwrap() = Some(status);
        self.refuse.store(count, Ordering::SeqCst);
    }
}

async fn record(State(rec): State<Recorder>, uri: Uri, body: Bytes) -> StatusCode {
    let refusing = rec
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refusing {
        return rec
            .refuse_with
            .lock()
            .unwrap()
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    }
    let body = serde_json::from_slice(&body).expect("the body is JSON");
    rec.posts
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), body));
    StatusCode::OK
}

/// A receiver on loopback, stopped when dropped.
struct TestServer {
    addr: SocketAddr,
    recorder: Recorder,
    task: JoinHandle<()>,
}

impl TestServer {
    async fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    fn on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let recorder = Recorder::default();
        let app = Router::new().fallback(record).with_state(recorder.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            recorder,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits (up to 20 s, polling) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

fn receiver(name: &str, delivery: Delivery) -> Receiver {
    Receiver {
        name: name.into(),
        delivery,
        timeout: Duration::from_secs(5),
    }
}

fn webhook(name: &str, url: String) -> Receiver {
    receiver(name, Delivery::Webhook { url })
}

fn alertmanager(name: &str, url: String) -> Receiver {
    receiver(name, Delivery::Alertmanager { url })
}

/// Settings for tests: quick retries, many attempts.
fn settings() -> DeliverySettings {
    DeliverySettings {
        origin: Origin {
            agent: "lab-a".into(),
            external_url: Some("http://monitor.test:9470".into()),
        },
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_attempts: 1000,
        ..DeliverySettings::new("lab-a")
    }
}

/// A board with a `down` rule (for `receivers`), watching target "gw"
/// (host 10.0.0.1) of group "core" (label site=fra1).
fn board(receivers: &[&str]) -> Board {
    let rule = Rule {
        name: "TargetDown".into(),
        condition: Condition::Down,
        for_steps: 1,
        clear_steps: 1,
        severity: "critical".into(),
        selector: Selector::default(),
        receivers: receivers.iter().map(|r| (*r).to_owned()).collect(),
        labels: BTreeMap::from([("team".into(), "net".into())]),
        summary: Some("gw is down".into()),
    };
    let mut board = Board::new(vec![rule]);
    let targets = Targets {
        groups: vec![Group {
            name: "core".into(),
            probing: Probing::default(),
            labels: BTreeMap::from([("site".into(), "fra1".into())]),
        }],
        targets: vec![Target {
            name: "gw".into(),
            host: "10.0.0.1".into(),
            ip: None,
            group: 0,
            labels: None,
        }],
    };
    board.set_targets(&targets, 0);
    board
}

/// 2025-12-05T08:00:00Z, a step start.
const T0: i64 = 1_764_921_600;

/// The step of 60 s starting at `T0 + 60 n`, 10 probes, `answered` of
/// them answered in 1 ms.
fn step(n: i64, answered: usize) -> StepSummary {
    StepSummary {
        start: T0 + 60 * n,
        step: 60,
        sent: 10,
        rtts_us: vec![1000; answered],
        jitter_us: None,
    }
}

/// The board's transition for step `n` (down when nothing was answered).
fn transition(board: &mut Board, n: i64, answered: usize, kind: TransitionKind) -> Transition {
    let mut out = board.on_step("gw", "core", &step(n, answered));
    assert_eq!(out.len(), 1);
    let t = out.remove(0);
    assert_eq!(t.kind, kind);
    t
}

fn fired(board: &mut Board) -> Transition {
    transition(board, 0, 0, TransitionKind::Fired)
}

fn resolved(board: &mut Board) -> Transition {
    transition(board, 1, 10, TransitionKind::Resolved)
}

async fn posts_reach(server: &TestServer, count: usize) -> Vec<(String, Value)> {
    until(&format!("{count} POST(s)"), || {
        server.recorder.posts().len() >= count
    })
    .await;
    server.recorder.posts()
}

async fn stop(delivery: DeliveryHandle) {
    delivery.shutdown(Duration::from_secs(10)).await;
}

fn expected_labels() -> Value {
    json!({
        "alertname": "TargetDown",
        "target": "gw",
        "host": "10.0.0.1",
        "group": "core",
        "severity": "critical",
        "agent": "lab-a",
        "site": "fra1",
        "team": "net",
    })
}

fn expected_annotations() -> Value {
    json!({
        "summary": "gw is down",
        "description": "every probe lost (10 sent, none answered)",
    })
}

#[tokio::test]
async fn a_webhook_gets_alertmanagers_webhook_object_for_firing_and_resolved() {
    let server = TestServer::start().await;
    let delivery = Deliverer::spawn_with(vec![webhook("ops", server.url("/hook"))], settings());
    let mut board = board(&[]);

    delivery.send(fired(&mut board));
    let posts = posts_reach(&server, 1).await;
    let labels = expected_labels();
    let fingerprint = posts[0].1["alerts"][0]["fingerprint"].clone();
    assert_eq!(posts[0].0, "/hook");
    assert_eq!(
        posts[0].1,
        json!({
            "version": "4",
            "groupKey": "{}:{agent=\"lab-a\"}",
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "ops",
            "groupLabels": {"agent": "lab-a"},
            "commonLabels": labels,
            "commonAnnotations": expected_annotations(),
            "externalURL": "http://monitor.test:9470",
            "alerts": [{
                "status": "firing",
                "labels": labels,
                "annotations": expected_annotations(),
                "startsAt": "2025-12-05T08:01:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://monitor.test:9470/target/gw",
                "fingerprint": fingerprint,
            }],
        })
    );
    assert_eq!(fingerprint.as_str().map(str::len), Some(16));

    delivery.send(resolved(&mut board));
    let posts = posts_reach(&server, 2).await;
    let message = &posts[1].1;
    assert_eq!(message["status"], "resolved");
    assert_eq!(message["alerts"][0]["status"], "resolved");
    assert_eq!(message["alerts"][0]["startsAt"], "2025-12-05T08:01:00Z");
    assert_eq!(message["alerts"][0]["endsAt"], "2025-12-05T08:02:00Z");
    assert_eq!(message["alerts"][0]["fingerprint"], fingerprint);
    stop(delivery).await;
    assert_eq!(server.recorder.posts().len(), 2);
}

#[tokio::test]
async fn alertmanager_gets_api_v2_alerts_and_firing_ones_again_until_resolved() {
    let server = TestServer::start().await;
    let settings = DeliverySettings {
        resend_every: Duration::from_millis(50),
        ..settings()
    };
    // A trailing slash on the base URL is no trouble.
    let delivery = Deliverer::spawn_with(vec![alertmanager("am", server.url("/"))], settings);
    let mut board = board(&[]);

    delivery.send(fired(&mut board));
    // The alert, then the same alert again and again.
    let posts = posts_reach(&server, 3).await;
    for (path, body) in &posts {
        assert_eq!(path, "/api/v2/alerts");
        let alerts = body.as_array().expect("an array");
        assert_eq!(alerts.len(), 1);
        let alert = &alerts[0];
        assert_eq!(alert["labels"], expected_labels());
        assert_eq!(alert["annotations"], expected_annotations());
        assert_eq!(alert["startsAt"], "2025-12-05T08:01:00Z");
        assert_eq!(alert["generatorURL"], "http://monitor.test:9470/target/gw");
        // Firing: valid for a while from now, so after it started.
        let ends = alert["endsAt"].as_str().unwrap();
        assert!(ends > "2025-12-05T08:01:00Z", "{ends}");
        assert!(ends.ends_with('Z') && ends.len() == 20, "{ends}");
    }

    delivery.send(resolved(&mut board));
    until("the resolution", || {
        server
            .recorder
            .posts()
            .iter()
            .any(|(_, b)| b[0]["endsAt"] == "2025-12-05T08:02:00Z")
    })
    .await;
    stop(delivery).await;
    // Nothing was sent again after the resolution.
    let posts = server.recorder.posts();
    let last = &posts.last().unwrap().1;
    assert_eq!(last.as_array().unwrap().len(), 1);
    assert_eq!(last[0]["endsAt"], "2025-12-05T08:02:00Z");
}

#[tokio::test]
async fn a_receiver_that_answers_503_gets_the_alert_on_a_retry() {
    let server = TestServer::start().await;
    server.recorder.refuse(2, StatusCode::SERVICE_UNAVAILABLE);
    let delivery = Deliverer::spawn_with(vec![webhook("ops", server.url("/"))], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    let posts = posts_reach(&server, 1).await;
    assert_eq!(posts[0].1["status"], "firing");
    until("the answer counted", || delivery.stats().delivered == 1).await;
    let stats = delivery.stats();
    assert_eq!((stats.delivered, stats.failed_attempts), (1, 2));
    stop(delivery).await;
}

#[tokio::test]
async fn a_receiver_that_is_down_then_up_gets_the_alert() {
    // A port nothing listens on, for now.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let url = format!("http://{addr}/api");
    let delivery = Deliverer::spawn_with(vec![alertmanager("am", url)], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("two refused connections", || {
        delivery.stats().failed_attempts >= 2
    })
    .await;
    assert_eq!(delivery.stats().delivered, 0);

    let server = TestServer::on(TcpListener::bind(addr).await.unwrap());
    let posts = posts_reach(&server, 1).await;
    assert_eq!(posts[0].0, "/api/api/v2/alerts");
    assert_eq!(posts[0].1[0]["labels"]["alertname"], "TargetDown");
    assert_eq!(delivery.stats().given_up, 0);
    stop(delivery).await;
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = TestServer::start().await;
    server.recorder.refuse(1, StatusCode::BAD_REQUEST);
    let delivery = Deliverer::spawn_with(vec![webhook("ops", server.url("/"))], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("giving up", || delivery.stats().given_up == 1).await;
    assert_eq!(delivery.stats().failed_attempts, 1);
    // The next message goes through: nothing is stuck.
    delivery.send(resolved(&mut board));
    let posts = posts_reach(&server, 1).await;
    assert_eq!(posts[0].1["status"], "resolved");
    stop(delivery).await;
}

#[tokio::test]
async fn a_command_gets_the_webhook_object_on_its_standard_input() {
    let file = std::env::temp_dir().join(format!("icmpkit-alert-{}.json", std::process::id()));
    let script = format!("cat > '{}'", file.display());
    let argv = vec!["sh".into(), "-c".into(), script];
    let delivery = Deliverer::spawn_with(
        vec![receiver("script", Delivery::Command { argv })],
        settings(),
    );
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("the command ran", || delivery.stats().delivered == 1).await;
    stop(delivery).await;
    let written = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let message: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(message["version"], "4");
    assert_eq!(message["receiver"], "script");
    assert_eq!(message["status"], "firing");
    assert_eq!(message["alerts"][0]["labels"], expected_labels());
}

#[tokio::test]
async fn a_failing_command_is_logged_and_not_run_again() {
    let argv = vec!["sh".into(), "-c".into(), "cat > /dev/null; exit 3".into()];
    let delivery = Deliverer::spawn_with(
        vec![receiver("script", Delivery::Command { argv })],
        settings(),
    );
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("giving up", || delivery.stats().given_up == 1).await;
    assert_eq!(delivery.stats().failed_attempts, 1);
    stop(delivery).await;
}

#[tokio::test]
async fn an_alert_goes_only_to_the_receivers_its_rule_names() {
    let named = TestServer::start().await;
    let other = TestServer::start().await;
    let receivers = vec![
        webhook("named", named.url("/")),
        webhook("other", other.url("/")),
    ];
    let delivery = Deliverer::spawn_with(receivers, settings());
    let mut board = board(&["named"]);
    delivery.send(fired(&mut board));
    posts_reach(&named, 1).await;
    stop(delivery).await;
    assert!(other.recorder.posts().is_empty());
}

#[tokio::test]
async fn a_new_alertmanager_is_told_of_the_alerts_already_firing() {
    let first = TestServer::start().await;
    let delivery = Deliverer::spawn_with(vec![webhook("ops", first.url("/"))], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    posts_reach(&first, 1).await;

    let added = TestServer::start().await;
    delivery.reconfigure(vec![
        webhook("ops", first.url("/")),
        alertmanager("am", added.url("")),
    ]);
    let posts = posts_reach(&added, 1).await;
    assert_eq!(posts[0].1[0]["labels"], expected_labels());
    stop(delivery).await;
    // The unchanged webhook was not sent the alert again.
    assert_eq!(first.recorder.posts().len(), 1);
}

#[tokio::test]
async fn shutdown_delivers_what_was_queued() {
    let server = TestServer::start().await;
    let delivery = Deliverer::spawn_with(vec![webhook("ops", server.url("/"))], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    delivery.send(resolved(&mut board));
    stop(delivery).await;
    let alerts: Vec<Value> = server
        .recorder
        .posts()
        .iter()
        .flat_map(|(_, b)| b["alerts"].as_array().unwrap().clone())
        .collect();
    let states: Vec<_> = alerts.iter().map(|a| a["status"].clone()).collect();
    assert_eq!(states, [json!("firing"), json!("resolved")]);
}

#[tokio::test]
async fn shutdown_gives_up_on_a_receiver_that_is_down() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", reserved.local_addr().unwrap());
    drop(reserved);
    let delivery = Deliverer::spawn_with(vec![webhook("ops", url)], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("a refused connection", || {
        delivery.stats().failed_attempts >= 1
    })
    .await;
    // Returns (no retry after shutdown began), well within the deadline.
    delivery.shutdown(Duration::from_mins(1)).await;
}

#[tokio::test]
async fn a_command_that_outlives_its_timeout_is_killed_and_not_run_again() {
    let argv = vec!["sh".into(), "-c".into(), "exec sleep 600".into()];
    let slow = Receiver {
        timeout: Duration::from_millis(100),
        ..receiver("script", Delivery::Command { argv })
    };
    let delivery = Deliverer::spawn_with(vec![slow], settings());
    let mut board = board(&[]);
    delivery.send(fired(&mut board));
    until("giving up", || delivery.stats().given_up == 1).await;
    assert_eq!(delivery.stats().failed_attempts, 1);
    stop(delivery).await;
}

#[tokio::test]
async fn a_full_queue_drops_transitions_instead_of_waiting() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", reserved.local_addr().unwrap());
    drop(reserved);
    let settings = DeliverySettings {
        queue: 1,
        ..settings()
    };
    let delivery = Deliverer::spawn_with(vec![webhook("ops", url)], settings);
    let mut board = board(&[]);
    for n in 0..10 {
        // Down, up, down, ...: a transition every step.
        let answered = if n % 2 == 0 { 0 } else { 10 };
        for t in board.on_step("gw", "core", &step(n, answered)) {
            delivery.send(t);
        }
    }
    until("a drop", || delivery.stats().dropped >= 1).await;
    stop(delivery).await;
}
