//! `icmpkit monitor` in the monitoring lab (`lab/monitor.sh`): the daemon
//! in the agent namespace watches the clean, lossy, dead and moving
//! targets with 2 s steps of 10 pings; what it reports — `/metrics`, the
//! history API, the alerts it posts to a webhook receiver, the target
//! page's graph — must be exactly what the lab's nftables counters saw.
//!
//! Determinism: the lossy target is made to drop every tenth echo request
//! it gets (`numgen inc mod 10 5` instead of the lab's `numgen random`), so
//! the probes it dropped are known by their rank: the daemon's n-th probe
//! to it (from 0) is dropped when n is 5 more than a multiple of 10, the
//! first D such (D: the counter's drops). The dead target drops its first D probes (D: its counter). Each
//! step's expected loss then follows from the steps' own sent counts, in
//! order, and from the counters; nothing from timing. The clean target
//! gets a counter of its own here. Waits are bounded polls.
//!
//! The history is read after the daemon stopped (SIGTERM: every step,
//! the partial last one too, is written) by a "reader": the daemon
//! started on the same `data_dir` with the same target names, whose hosts
//! do not resolve (no probe is sent, nothing is written), so the store is
//! read exactly as left. Every target answers again before the daemon
//! stops: a probe still waiting for its timeout when the probers stop
//! (SIGTERM, and a reload too) is counted nowhere, neither sent nor lost
//! (the multi-ping machine ends without reporting it), so the history of
//! a target losing probes at the stop falls short of the lab's count.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use icmpkit_lab::http::{HttpReceiver, Listen, Request};
use icmpkit_lab::icmpkit;
use icmpkit_lab::metrics::{Sample, parse_metrics, value};
use icmpkit_lab::netns::{AGENT4, Lab, MonitorPath, MonitorTarget};
use icmpkit_lab::server::{Scratch, Server, poll};
use serde_json::Value;

const STEP: i64 = 2;
const PINGS: u64 = 10;
const AGENT: &str = "lab-agent";
/// The longest any awaited change may take (a few steps and traces).
const WITHIN: Duration = Duration::from_mins(1);

const TARGETS: [MonitorTarget; 4] = MonitorTarget::ALL;

/// The lab, its counters, the webhook receiver and the daemon's files.
struct MonitorLab {
    lab: Lab,
    hook: HttpReceiver,
    data: Scratch,
    conf: Scratch,
}

fn monitor_lab(test: &str) -> Option<MonitorLab> {
    let lab = Lab::monitor(test)?;
    // Every tenth echo request to the lossy target dropped, from the sixth
    // (not the first: a partial first step of one probe would be down).
    lab.must(
        "targets",
        &["nft", "flush", "chain", "inet", "lab", "lossy"],
    );
    lab.must(
        "targets",
        &["nft", "add", "rule", "inet", "lab", "lossy", "counter"],
    );
    lab.must(
        "targets",
        &[
            "nft", "add", "rule", "inet", "lab", "lossy", "numgen", "inc", "mod", "10", "5",
            "counter", "drop",
        ],
    );
    // The clean target's echo requests counted.
    lab.must("targets", &["nft", "add", "table", "inet", "count"]);
    lab.must(
        "targets",
        &[
            "nft",
            "add",
            "chain",
            "inet",
            "count",
            "input",
            "{ type filter hook input priority -10 ; }",
        ],
    );
    lab.must(
        "targets",
        &[
            "nft",
            "add",
            "rule",
            "inet",
            "count",
            "input",
            "ip",
            "daddr",
            MonitorTarget::Clean.v4(),
            "icmp",
            "type",
            "echo-request",
            "counter",
        ],
    );
    // Names resolve to nothing in the agent (the reader's hosts): its
    // resolver is its own loopback, where nothing listens.
    lab.etc_file("agent", "resolv.conf", "nameserver 127.0.0.1\n");
    lab.etc_file("agent", "hosts", "127.0.0.1 localhost\n");
    let hook = HttpReceiver::start(&Listen::netns(lab.ns("agent")));
    Some(MonitorLab {
        lab,
        hook,
        data: Scratch::new("history"),
        conf: Scratch::new("monitor-conf"),
    })
}

/// What the lab saw of one target's echo requests: all that came, and
/// those dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counted {
    seen: u64,
    dropped: u64,
}

impl MonitorLab {
    fn counted(&self, target: MonitorTarget) -> Option<Counted> {
        match target {
            MonitorTarget::Lossy | MonitorTarget::Dead => {
                let d = self.lab.echo_drops(target);
                Some(Counted {
                    seen: d.seen,
                    dropped: d.dropped,
                })
            }
            MonitorTarget::Clean => {
                let out = self.lab.exec(
                    "targets",
                    &["nft", "list", "chain", "inet", "count", "input"],
                );
                let text = icmpkit_lab::text(&out.stdout);
                let seen = text
                    .split_once("counter packets ")
                    .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
                    .unwrap_or_else(|| panic!("no clean counter: {text}"));
                Some(Counted { seen, dropped: 0 })
            }
            // Its traces' probes are echo requests too: not counted.
            MonitorTarget::Moving => None,
        }
    }

    /// The configuration: `hosts` gives each target's host.
    fn config(&self, hosts: impl Fn(MonitorTarget) -> String) -> String {
        let mut text = format!(
            r#"agent = "{AGENT}"
data_dir = {:?}

[defaults]
step = "{STEP}s"
pings = {PINGS}
timeout = "500ms"

[[group]]
name = "plain"

[[group]]
name = "traced"
trace_every = "4s"

[[alert]]
name = "HighLoss"
kind = "loss"
above = "5%"
# A step holds 9 to 11 probes (the send schedule drifts): 9 may miss the
# tenth, two steps in a row cannot.
clear_steps = 2
targets = ["clean", "lossy"]

[[alert]]
name = "Down"
kind = "down"

[[alert]]
name = "PathChanged"
kind = "path_changed"

[[receiver]]
name = "hook"
webhook = "{}"
"#,
            self.data.path().display().to_string(),
            self.hook.url("/hook"),
        );
        for t in TARGETS {
            let group = if t == MonitorTarget::Moving {
                "traced"
            } else {
                "plain"
            };
            let _ = write!(
                text,
                "\n[[target]]\nname = \"{}\"\nhost = \"{}\"\ngroup = \"{group}\"\n",
                t.name(),
                hosts(t)
            );
        }
        text
    }

    /// The daemon probing the lab's targets.
    fn start(&self) -> Server {
        let config = self
            .conf
            .write("monitor.toml", &self.config(|t| t.v4().to_owned()));
        self.start_with(&config, "icmpkit-monitor")
    }

    /// The daemon with the same targets by name, none of which resolves:
    /// it probes nothing and writes nothing, and serves the history.
    fn reader(&self) -> Server {
        let config = self.conf.write(
            "reader.toml",
            &self.config(|t| format!("{}.monitor.invalid", t.name())),
        );
        self.start_with(&config, "icmpkit-reader")
    }

    fn start_with(&self, config: &Path, what: &str) -> Server {
        let endpoint = Listen::at(self.lab.ns("agent"), AGENT4.parse().unwrap()).free_endpoint();
        Server::monitor(Scratch::new(what), endpoint, icmpkit!(), config, "/-/ready")
    }
}

/// One point of the history API.
#[derive(Clone, Debug, PartialEq)]
struct Point {
    start: i64,
    sent: u64,
    lost: u64,
    json: Value,
}

/// `target`'s raw steps, one point per step (`points` large enough for 3 h
/// of 2 s steps: with the default 800 the API answers with the 5-minute
/// level).
fn history(daemon: &Server, target: MonitorTarget) -> Vec<Point> {
    let path = format!(
        "/api/targets/{}/history?range=3h&points=5400",
        target.name()
    );
    let body: Value = serde_json::from_str(&daemon.endpoint().get_ok(&path)).unwrap();
    let points = body["points"].as_array().unwrap();
    if !points.is_empty() {
        assert_eq!(body["step"], STEP, "{path}: {body}");
    }
    points
        .iter()
        .map(|p| Point {
            start: p["start"].as_i64().unwrap(),
            sent: p["sent"].as_u64().unwrap(),
            lost: p["lost"].as_u64().unwrap(),
            json: p.clone(),
        })
        .collect()
}

/// A count as a metric's value.
#[allow(clippy::cast_precision_loss, reason = "counts of a few hundred")]
fn float(n: u64) -> f64 {
    n as f64
}

fn metrics(daemon: &Server) -> Vec<Sample> {
    parse_metrics(&daemon.endpoint().get_ok("/metrics")).unwrap()
}

fn metric(samples: &[Sample], name: &str, target: MonitorTarget) -> Option<f64> {
    value(samples, name, &[("target", target.name())])
}

/// The loss of each point, given that the target dropped the probes whose
/// rank (from 0, in the order sent, over the whole history) is in
/// `dropped`.
fn expected_lost(points: &[Point], dropped: impl Fn(u64) -> bool) -> Vec<u64> {
    let mut rank = 0;
    points
        .iter()
        .map(|p| {
            let lost = (rank..rank + p.sent).filter(|&n| dropped(n)).count() as u64;
            rank += p.sent;
            lost
        })
        .collect()
}

/// Checks the whole history of every target against the lab's counters
/// (`counted`, read when no probe was on its way).
fn check_history(
    reader: &Server,
    counted: &BTreeMap<&str, Counted>,
) -> BTreeMap<&'static str, Vec<Point>> {
    let mut all = BTreeMap::new();
    for t in TARGETS {
        let points = history(reader, t);
        assert!(points.len() >= 4, "{}: {points:#?}", t.name());
        for p in &points {
            assert_eq!(p.start % STEP, 0, "{}: {p:?}", t.name());
            assert!(p.sent > 0, "{}: a point without probes: {p:?}", t.name());
        }
        assert!(
            points.windows(2).all(|w| w[0].start < w[1].start),
            "{}: one point per step, in order",
            t.name()
        );
        let lost: Vec<u64> = points.iter().map(|p| p.lost).collect();
        let sent: u64 = points.iter().map(|p| p.sent).sum();
        let expected = match t {
            MonitorTarget::Clean | MonitorTarget::Moving => vec![0; points.len()],
            MonitorTarget::Lossy => {
                let d = counted["lossy"].dropped;
                expected_lost(&points, |n| n % 10 == 5 && n / 10 < d)
            }
            MonitorTarget::Dead => {
                let d = counted["dead"].dropped;
                expected_lost(&points, |n| n < d)
            }
        };
        assert_eq!(lost, expected, "{}: lost per step: {points:#?}", t.name());
        if let Some(c) = counted.get(t.name()) {
            assert_eq!(
                sent,
                c.seen,
                "{}: every probe the lab saw: {:?}",
                t.name(),
                points
                    .iter()
                    .map(|p| (p.start, p.sent, p.lost))
                    .collect::<Vec<_>>()
            );
            assert_eq!(lost.iter().sum::<u64>(), c.dropped, "{}", t.name());
        }
        all.insert(t.name(), points);
    }
    all
}

/// Every alert of every webhook message, as (status, alertname, target),
/// after checking each message's shape (Alertmanager webhook, version 4).
fn webhook_alerts(requests: &[Request]) -> Vec<(String, String, String)> {
    let mut alerts = Vec::new();
    for r in requests {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
        let m = r.json();
        assert_eq!(m["version"], "4", "{m}");
        assert_eq!(m["receiver"], "hook", "{m}");
        assert_eq!(m["groupLabels"]["agent"], AGENT, "{m}");
        let list = m["alerts"].as_array().unwrap();
        let any_firing = list.iter().any(|a| a["status"] == "firing");
        assert_eq!(
            m["status"],
            if any_firing { "firing" } else { "resolved" },
            "{m}"
        );
        for a in list {
            let status = a["status"].as_str().unwrap().to_owned();
            let labels = &a["labels"];
            let target = labels["target"].as_str().unwrap().to_owned();
            let host = TARGETS
                .iter()
                .find(|t| t.name() == target)
                .map(|t| t.v4())
                .unwrap();
            assert_eq!(labels["agent"], AGENT, "{a}");
            assert_eq!(labels["host"], host, "{a}");
            assert_eq!(labels["severity"], "warning", "{a}");
            let group = if target == "moving" {
                "traced"
            } else {
                "plain"
            };
            assert_eq!(labels["group"], group, "{a}");
            match status.as_str() {
                "firing" => assert_eq!(a["endsAt"], "0001-01-01T00:00:00Z", "{a}"),
                "resolved" => assert_ne!(a["endsAt"], "0001-01-01T00:00:00Z", "{a}"),
                other => panic!("status {other}: {a}"),
            }
            alerts.push((
                status,
                labels["alertname"].as_str().unwrap().to_owned(),
                target,
            ));
        }
    }
    alerts
}

fn alert(status: &str, rule: &str, target: &str) -> (String, String, String) {
    (status.to_owned(), rule.to_owned(), target.to_owned())
}

/// Waits until the webhook got `expected` (in any order); then it must
/// have got exactly those.
fn await_alerts(
    lab: &MonitorLab,
    expected: &[(String, String, String)],
) -> Vec<(String, String, String)> {
    let mut want = expected.to_vec();
    want.sort();
    let got = poll(WITHIN, &format!("webhook alerts {want:?}"), || {
        let mut got = webhook_alerts(&lab.hook.requests());
        got.sort();
        want.iter().all(|w| got.contains(w)).then_some(got)
    });
    assert_eq!(got, want, "the webhook got exactly these alerts");
    got
}

#[test]
fn monitor_reports_exactly_what_the_lab_did_and_keeps_it_across_restarts() {
    let test = "monitor_reports_exactly_what_the_lab_did";
    let Some(lab) = monitor_lab(test) else {
        return;
    };
    let daemon = lab.start();

    // Steps closed, the loss and down alerts fired, the first trace in.
    poll(WITHIN, "4 steps of every target in the history", || {
        TARGETS
            .iter()
            .all(|&t| history(&daemon, t).len() >= 4)
            .then_some(())
    });
    await_alerts(
        &lab,
        &[
            alert("firing", "HighLoss", "lossy"),
            alert("firing", "Down", "dead"),
        ],
    );
    let samples = poll(WITHIN, "the moving target's first trace", || {
        let s = metrics(&daemon);
        metric(&s, "icmpkit_monitor_path_hops", MonitorTarget::Moving).map(|_| s)
    });
    // router, pa, the target.
    assert_eq!(
        metric(&samples, "icmpkit_monitor_path_hops", MonitorTarget::Moving),
        Some(3.0)
    );
    assert_eq!(
        metric(
            &samples,
            "icmpkit_monitor_path_changes_total",
            MonitorTarget::Moving
        ),
        Some(0.0)
    );

    // The last step's figures: the metrics and the history's last point
    // speak of the same step (read until no step closed in between).
    let (samples, steps) = poll(WITHIN, "a scrape between two equal histories", || {
        let before: Vec<_> = TARGETS.iter().map(|&t| history(&daemon, t)).collect();
        let samples = metrics(&daemon);
        let after: Vec<_> = TARGETS.iter().map(|&t| history(&daemon, t)).collect();
        (before == after).then_some((samples, after))
    });
    let last: Vec<Point> = steps.iter().map(|h| h.last().unwrap().clone()).collect();
    for (t, p) in TARGETS.iter().zip(&last) {
        let loss = metric(&samples, "icmpkit_monitor_step_loss_ratio", *t);
        assert_eq!(loss, Some(float(p.lost) / float(p.sent)), "{t:?}: {p:?}");
        let up = metric(&samples, "icmpkit_monitor_up", *t);
        assert_eq!(up, Some(if p.lost == p.sent { 0.0 } else { 1.0 }), "{t:?}");
    }
    let by_target = |t: MonitorTarget| &last[TARGETS.iter().position(|&x| x == t).unwrap()];
    // No loss, every tenth probe (a step of 10 probes loses one; the
    // probes of a step vary by one, as their times do), all.
    let (clean, lossy, dead) = (
        by_target(MonitorTarget::Clean),
        by_target(MonitorTarget::Lossy),
        by_target(MonitorTarget::Dead),
    );
    assert_eq!(clean.lost, 0, "{clean:?}");
    assert_eq!(by_target(MonitorTarget::Moving).lost, 0);
    let lossy_steps = &steps[TARGETS
        .iter()
        .position(|&t| t == MonitorTarget::Lossy)
        .unwrap()];
    let expected = expected_lost(lossy_steps, |n| n % 10 == 5);
    assert_eq!(Some(&lossy.lost), expected.last(), "{lossy_steps:?}");
    assert_eq!(dead.lost, dead.sent, "{dead:?}");
    assert_eq!(
        metric(&samples, "icmpkit_monitor_up", MonitorTarget::Dead),
        Some(0.0)
    );

    // The lossy target's graph of its steps so far: each step's median
    // mark says its loss; those of 1 lost in 10 in smokeping's colour of
    // it (class 1 of 10 pings). (Over `range=3h` 2 s steps are more than
    // the graph's 860 points: it shows the 5-minute level, empty until a
    // 5-minute point is complete.)
    let steps = history(&daemon, MonitorTarget::Lossy);
    let page = daemon.endpoint().get_ok(&format!(
        "/target/lossy/graph.svg?from={}&to={}",
        steps[0].start,
        steps.last().unwrap().start + STEP
    ));
    let marks: Vec<&str> = page
        .split("<rect class=\"median\"")
        .skip(1)
        .map(|r| r.split("/>").next().unwrap())
        .collect();
    assert!(
        !marks.is_empty(),
        "no median marks on the lossy page: {page}"
    );
    let tenth: Vec<&&str> = marks
        .iter()
        .filter(|m| m.contains("data-loss=\"10\"") && m.contains("data-loss-class=\"1\""))
        .collect();
    assert!(
        !tenth.is_empty(),
        "no mark of 10 % loss, class 1: {marks:#?}"
    );
    for p in &steps {
        let mark = marks
            .iter()
            .find(|m| m.contains(&format!("data-start=\"{}\"", p.start)))
            .unwrap_or_else(|| panic!("no mark of {p:?}: {marks:#?}"));
        let percent = format!("{:.1}", float(p.lost) * 100.0 / float(p.sent));
        let percent = percent.strip_suffix(".0").unwrap_or(&percent);
        assert!(
            mark.contains(&format!("data-loss=\"{percent}\"")),
            "{p:?}: {mark}"
        );
    }

    // The path changes: counted, alerted once, resolved once it is stable.
    lab.lab.switch_path(MonitorPath::B);
    poll(WITHIN, "the path change counted", || {
        let s = metrics(&daemon);
        (metric(
            &s,
            "icmpkit_monitor_path_changes_total",
            MonitorTarget::Moving,
        ) >= Some(1.0))
        .then_some(s)
    });
    // The dead and lossy targets answer again: both alerts resolve.
    lab.lab.stop_dropping(MonitorTarget::Dead);
    lab.lab.stop_dropping(MonitorTarget::Lossy);
    let expected = [
        alert("firing", "HighLoss", "lossy"),
        alert("resolved", "HighLoss", "lossy"),
        alert("firing", "Down", "dead"),
        alert("resolved", "Down", "dead"),
        alert("firing", "PathChanged", "moving"),
        alert("resolved", "PathChanged", "moving"),
    ];
    await_alerts(&lab, &expected);
    let samples = metrics(&daemon);
    assert_eq!(
        metric(
            &samples,
            "icmpkit_monitor_path_changes_total",
            MonitorTarget::Moving
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(&samples, "icmpkit_monitor_path_hops", MonitorTarget::Moving),
        Some(3.0)
    );
    // /api/alerts agrees: the three, resolved (a flat list of the active
    // and recently resolved alerts).
    let board: Value = serde_json::from_str(&daemon.endpoint().get_ok("/api/alerts")).unwrap();
    let mut recent: Vec<(String, String, String)> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["state"].as_str().unwrap().to_owned(),
                a["rule"].as_str().unwrap().to_owned(),
                a["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    recent.sort();
    assert_eq!(
        recent,
        vec![
            alert("resolved", "Down", "dead"),
            alert("resolved", "HighLoss", "lossy"),
            alert("resolved", "PathChanged", "moving"),
        ],
        "{board}"
    );

    // Every probe counted: once all answer (no probe waits for its
    // timeout), the counters agree exactly with the lab's.
    poll(WITHIN, "the metrics equal to the lab's counters", || {
        let s = metrics(&daemon);
        let agree = [
            MonitorTarget::Clean,
            MonitorTarget::Lossy,
            MonitorTarget::Dead,
        ]
        .iter()
        .all(|&t| {
            let c = lab.counted(t).unwrap();
            metric(&s, "icmpkit_monitor_probes_sent_total", t) == Some(float(c.seen))
                && metric(&s, "icmpkit_monitor_probes_received_total", t)
                    == Some(float(c.seen - c.dropped))
                && metric(&s, "smokeping_requests_total", t) == Some(float(c.seen))
        });
        agree.then_some(())
    });
    let s = metrics(&daemon);
    assert_eq!(
        value(&s, "icmpkit_monitor_late_samples_total", &[]),
        Some(0.0)
    );

    // SIGTERM: every step written, the partial last one too.
    drop(daemon);
    let counted: BTreeMap<&str, Counted> = TARGETS
        .iter()
        .filter_map(|&t| Some((t.name(), lab.counted(t)?)))
        .collect();
    let first = {
        let reader = lab.reader();
        check_history(&reader, &counted)
    };
    assert_eq!(
        webhook_alerts(&lab.hook.requests()).len(),
        expected.len(),
        "nothing more at the stop"
    );

    // Started again on the same history: the points are still there, and
    // the new steps join them.
    let daemon = lab.start();
    poll(WITHIN, "3 more steps of every target", || {
        TARGETS
            .iter()
            .all(|&t| history(&daemon, t).len() >= first[t.name()].len() + 3)
            .then_some(())
    });
    drop(daemon);
    let counted: BTreeMap<&str, Counted> = TARGETS
        .iter()
        .filter_map(|&t| Some((t.name(), lab.counted(t)?)))
        .collect();
    let reader = lab.reader();
    let second = check_history(&reader, &counted);
    for t in TARGETS {
        let (old, new) = (&first[t.name()], &second[t.name()]);
        let n = old.len();
        assert_eq!(
            new[..n - 1],
            old[..n - 1],
            "{}: the points before the restart",
            t.name()
        );
        // The step the first run stopped in: the second run may have
        // started in it too, and added its probes.
        let (o, m) = (&old[n - 1], &new[n - 1]);
        assert_eq!(o.start, m.start, "{}", t.name());
        assert!(
            m.sent >= o.sent && m.lost >= o.lost,
            "{}: {o:?} then {m:?}",
            t.name()
        );
    }
}

#[test]
fn monitor_history_survives_kill_9() {
    let Some(lab) = monitor_lab("monitor_history_survives_kill_9") else {
        return;
    };
    let daemon = lab.start();
    poll(WITHIN, "3 steps of every target", || {
        TARGETS
            .iter()
            .all(|&t| history(&daemon, t).len() >= 3)
            .then_some(())
    });
    let written: Vec<Vec<Point>> = TARGETS.iter().map(|&t| history(&daemon, t)).collect();
    assert!(daemon.signal("-KILL"));
    drop(daemon);
    // The store opens, and holds every step written before (perhaps one
    // more, closed between the read and the kill).
    let daemon = lab.start();
    for (t, old) in TARGETS.iter().zip(&written) {
        let now = history(&daemon, *t);
        assert_eq!(now[..old.len()], old[..], "{t:?}");
    }
    // ... and takes new ones.
    poll(WITHIN, "2 more steps of every target", || {
        TARGETS
            .iter()
            .zip(&written)
            .all(|(&t, old)| history(&daemon, t).len() >= old.len() + 2)
            .then_some(())
    });
    let samples = metrics(&daemon);
    assert_eq!(
        metric(&samples, "icmpkit_monitor_up", MonitorTarget::Clean),
        Some(1.0)
    );
}
