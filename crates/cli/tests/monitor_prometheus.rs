//! `icmpkit monitor` scaled out: two agents of the monitoring lab
//! (`agent` and `agent2`, each with its own `agent = "..."`), both
//! watching the clean, lossy and dead targets; a real Prometheus in the
//! router scrapes both with `examples/monitor/prometheus.yml` (its targets,
//! scrape interval and remote-write URL put to the lab's), and remote-writes
//! to `VictoriaMetrics`. Both agents' series are found in Prometheus and in
//! `VictoriaMetrics`, with values between two readings of the agent's own
//! `/metrics` (one before, one after), and the `PromQL` of a dashboard (loss
//! %, median RTT, smokeping-style quantiles) answers per agent.

#![allow(clippy::float_cmp)] // counters, whole numbers: compared exactly

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use icmpkit_lab::http::{Endpoint, Listen};
use icmpkit_lab::metrics::{parse_metrics, sum};
use icmpkit_lab::netns::{AGENT2_4, AGENT4, Lab, MonitorTarget};
use icmpkit_lab::peers::prometheus::{self, sample_value};
use icmpkit_lab::peers::victoria::VictoriaMetrics;
use icmpkit_lab::server::{Scratch, Server, poll};
use icmpkit_lab::{icmpkit, require};
use serde_json::Value;

const TARGETS: [MonitorTarget; 3] = [
    MonitorTarget::Clean,
    MonitorTarget::Lossy,
    MonitorTarget::Dead,
];

/// The longest any awaited thing may take (a scrape, a remote-write batch).
const WITHIN: Duration = Duration::from_mins(1);

/// A monitor configuration for agent `agent`: the three targets over
/// IPv4, 5 echo requests a second (step 2 s, 10 pings, timeout 500 ms).
fn monitor_config(agent: &str, data_dir: &std::path::Path) -> String {
    let mut toml = format!(
        "agent = {agent:?}\ndata_dir = {:?}\n\n[defaults]\nstep = \"2s\"\npings = 10\n\
         timeout = \"500ms\"\n",
        data_dir.display().to_string()
    );
    for target in TARGETS {
        let _ = write!(
            toml,
            "\n[[target]]\nname = {:?}\nhost = {:?}\n",
            target.name(),
            target.v4()
        );
    }
    toml
}

/// An `icmpkit monitor` agent in namespace `ns`, listening on `ip`.
struct Agent {
    name: &'static str,
    daemon: Server,
    _data: Scratch,
}

fn start_agent(ns: String, ip: &str, name: &'static str) -> Agent {
    let data = Scratch::new(&format!("history-{name}"));
    let scratch = Scratch::new(&format!("icmpkit-monitor-{name}"));
    let config = scratch.write("monitor.toml", &monitor_config(name, data.path()));
    let ip: IpAddr = ip.parse().expect("agent address");
    let endpoint = Listen::at(ns, ip).free_endpoint();
    let daemon = Server::monitor(scratch, endpoint, icmpkit!(), &config, "/metrics");
    Agent {
        name,
        daemon,
        _data: data,
    }
}

impl Agent {
    /// `name{target=...}` summed over the agent's own `/metrics` now.
    fn value(&self, name: &str, target: MonitorTarget) -> f64 {
        let text = self.daemon.endpoint().get_ok("/metrics");
        let samples = parse_metrics(&text).expect("the agent's /metrics");
        sum(&samples, name, &[("target", target.name())])
    }
}

/// `examples/monitor/prometheus.yml` with the lab's agents as its targets,
/// a scrape every second and `remote_write` as its URL; what it says
/// otherwise is kept as it is (no `honor_labels`: the agents' `agent`
/// label is theirs, Prometheus adds only `job` and `instance`).
fn example_prometheus_config(agents: &[&Endpoint], remote_write: &str) -> String {
    let example =
        std::fs::read_to_string(icmpkit_lab::repo().join("examples/monitor/prometheus.yml"))
            .expect("examples/monitor/prometheus.yml");
    let mut out = String::new();
    let mut targets_done = false;
    for line in example.lines() {
        let trimmed = line.trim();
        if trimmed == "scrape_interval: 15s" {
            out.push_str("  scrape_interval: 1s\n  scrape_timeout: 1s\n");
        } else if trimmed.starts_with("- agent-") && trimmed.ends_with(":9470") {
            if !targets_done {
                for agent in agents {
                    let _ = writeln!(out, "          - {}", agent.addr);
                }
                targets_done = true;
            }
        } else if trimmed.starts_with("- url: http://127.0.0.1:8428/api/v1/write") {
            let _ = write!(
                out,
                "  - url: {remote_write}\n    queue_config:\n      batch_send_deadline: 1s\n"
            );
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        targets_done && out.contains(remote_write) && out.contains("scrape_interval: 1s"),
        "examples/monitor/prometheus.yml changed shape; adapt this test:\n{example}"
    );
    out
}

/// Prometheus in the router with that configuration.
fn start_prometheus(lab: &Lab, config: &str) -> Option<Server> {
    if !require::program(prometheus::PROGRAM) {
        return None;
    }
    let scratch = Scratch::new("prometheus");
    let file = scratch.write("prometheus.yml", config);
    let endpoint = Listen::netns(lab.ns("router")).free_endpoint();
    let args = vec![
        format!("--config.file={}", file.display()),
        format!(
            "--storage.tsdb.path={}",
            scratch.path().join("data").display()
        ),
        format!("--web.listen-address={}", endpoint.addr),
        "--log.level=warn".to_owned(),
    ];
    Some(Server::start(
        scratch,
        endpoint,
        prometheus::PROGRAM,
        &args,
        "/-/ready",
    ))
}

/// The one series of `result` whose `agent` label is `agent`.
fn of_agent<'a>(result: &'a [Value], agent: &str) -> &'a Value {
    let found: Vec<&Value> = result
        .iter()
        .filter(|r| r["metric"]["agent"] == agent)
        .collect();
    assert_eq!(found.len(), 1, "one series of agent {agent}: {result:?}");
    found[0]
}

/// Reads the agent's `name` for `target` (v1), waits until `query` (the
/// same series in the store) reaches at least v1, reads the agent again
/// (v2): the stored value must lie in [v1, v2].
fn bracketed(
    agent: &Agent,
    name: &str,
    target: MonitorTarget,
    store: &str,
    query: impl Fn(&str) -> Vec<Value>,
) -> (f64, f64, f64) {
    let promql = format!(
        "sum({name}{{agent=\"{}\",target=\"{}\"}})",
        agent.name,
        target.name()
    );
    let v1 = agent.value(name, target);
    let stored = poll(WITHIN, &format!("{store}: {promql} >= {v1}"), || {
        let result = query(&promql);
        let value = result.first().map(sample_value)?;
        (value >= v1).then_some(value)
    });
    let v2 = agent.value(name, target);
    assert!(
        v1 <= stored && stored <= v2,
        "{store}: {promql} = {stored}, the agent said {v1} then {v2}"
    );
    (v1, stored, v2)
}

#[test]
fn prometheus_scrapes_two_agents_and_remote_writes_their_series_to_victoriametrics() {
    let test = "monitor_prometheus";
    if !require::root(test) || !require::program(prometheus::PROGRAM) {
        return;
    }
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    let Some(victoria) = VictoriaMetrics::start(&Listen::netns(lab.ns("router"))) else {
        return;
    };
    let agents = [
        start_agent(lab.ns("agent"), AGENT4, "lab-a"),
        start_agent(lab.ns("agent2"), AGENT2_4, "lab-b"),
    ];
    let config = example_prometheus_config(
        &[agents[0].daemon.endpoint(), agents[1].daemon.endpoint()],
        &victoria.remote_write_url(),
    );
    let Some(prom) = start_prometheus(&lab, &config) else {
        return;
    };
    let api = prom.endpoint().clone();
    let promql = |q: &str| prometheus::query(&api, q);

    // Both agents are up and scraped under the example's job.
    let up = poll(WITHIN, "both agents scraped", || {
        let up = promql("up{job=\"icmpkit-monitor\"} == 1");
        (up.len() == 2).then_some(up)
    });
    eprintln!("up: {up:?}");

    // Every agent's every target has its series, with the agent's labels
    // and Prometheus's job and instance.
    for agent in &agents {
        let series = prometheus::series(
            &api,
            &format!(
                "icmpkit_monitor_probes_sent_total{{agent=\"{}\"}}",
                agent.name
            ),
        );
        let mut targets: Vec<String> = series
            .iter()
            .map(|s| {
                assert_eq!(s["job"], "icmpkit-monitor", "{s}");
                assert_eq!(
                    s["instance"],
                    agent.daemon.endpoint().addr.to_string(),
                    "{s}"
                );
                assert_eq!(s["group"], "default", "{s}");
                let target = s["target"].as_str().expect("target label").to_owned();
                let ip = TARGETS
                    .iter()
                    .find(|t| t.name() == target)
                    .map_or_else(|| panic!("unexpected target {target}"), |t| t.v4());
                assert_eq!(s["ip"], ip, "{s}");
                assert_eq!(s["host"], ip, "{s}");
                target
            })
            .collect();
        targets.sort();
        assert_eq!(targets, ["clean", "dead", "lossy"], "{}", agent.name);
    }
    let counted = promql("icmpkit_monitor_targets");
    for agent in &agents {
        assert_eq!(
            sample_value(of_agent(&counted, agent.name)),
            3.0,
            "{counted:?}"
        );
    }

    // Values: between two readings of the agent's own /metrics, in
    // Prometheus and (after remote write) in VictoriaMetrics, for
    // icmpkit's counters and smokeping_prober's names alike.
    let names = [
        "icmpkit_monitor_probes_sent_total",
        "icmpkit_monitor_probes_received_total",
        "smokeping_requests_total",
        "smokeping_response_duration_seconds_count",
    ];
    for agent in &agents {
        for target in TARGETS {
            for name in names {
                let (v1, p, v2) = bracketed(agent, name, target, "Prometheus", promql);
                let (w1, vm, w2) = bracketed(agent, name, target, "VictoriaMetrics", |q| {
                    victoria.force_flush();
                    victoria.query(q)
                });
                eprintln!(
                    "{} {} {name}: agent {v1}..{v2}, Prometheus {p}; agent {w1}..{w2}, \
                     VictoriaMetrics {vm}",
                    agent.name,
                    target.name()
                );
                if target == MonitorTarget::Dead
                    && !name.contains("sent")
                    && !name.contains("requests")
                {
                    assert_eq!(
                        v2, 0.0,
                        "{} {name}: replies from the dead target",
                        agent.name
                    );
                }
            }
        }
    }
    // The series VictoriaMetrics holds carry the same labels.
    for agent in &agents {
        let series = victoria.wait_for_series(
            &format!("smokeping_requests_total{{agent=\"{}\"}}", agent.name),
            WITHIN,
        );
        assert_eq!(series.len(), 3, "{series:?}");
        assert!(
            series.iter().all(|s| s["job"] == "icmpkit-monitor"),
            "{series:?}"
        );
    }

    // A dashboard's PromQL, once two scrapes make a rate: loss % (exactly
    // 0 clean, exactly 100 dead: a probe is counted sent when its reply or
    // its timeout is, so the two counters move together), the median RTT
    // from icmpkit's histogram and smokeping_prober's, per agent.
    let loss = "100 * (1 - sum by (agent, target) (rate(icmpkit_monitor_probes_received_total[5s])) \
                / sum by (agent, target) (rate(icmpkit_monitor_probes_sent_total[5s])))";
    let result = poll(WITHIN, "loss % of 6 series", || {
        Some(promql(loss)).filter(|r| r.len() == 6)
    });
    for agent in &agents {
        let of = |target: MonitorTarget| {
            let r: Vec<Value> = result
                .iter()
                .filter(|r| r["metric"]["target"] == target.name())
                .cloned()
                .collect();
            sample_value(of_agent(&r, agent.name))
        };
        eprintln!(
            "{}: loss % clean {}, lossy {}, dead {}",
            agent.name,
            of(MonitorTarget::Clean),
            of(MonitorTarget::Lossy),
            of(MonitorTarget::Dead)
        );
        assert_eq!(of(MonitorTarget::Clean), 0.0, "{result:?}");
        assert_eq!(of(MonitorTarget::Dead), 100.0, "{result:?}");
        let lossy = of(MonitorTarget::Lossy);
        assert!((0.0..=100.0).contains(&lossy), "{result:?}");
    }
    let received = promql(
        "sum by (agent, target) (rate(icmpkit_monitor_probes_received_total{target=\"clean\"}[5s]))",
    );
    for agent in &agents {
        let rate = sample_value(of_agent(&received, agent.name));
        assert!(rate > 0.0, "{}: clean answers at {rate}/s", agent.name);
    }
    for histogram in ["smokeping_response_duration_seconds_bucket"] {
        let median = format!(
            "histogram_quantile(0.5, sum by (le, agent, target) (rate({histogram}{{target=\"clean\"}}[5s])))"
        );
        let result = promql(&median);
        for agent in &agents {
            let rtt = sample_value(of_agent(&result, agent.name));
            eprintln!("{}: {histogram} median clean {rtt} s", agent.name);
            assert!(rtt.is_finite() && rtt > 0.0, "{median}: {result:?}");
        }
        // The dead target answers nothing: no quantile (NaN).
        let dead = promql(&median.replace("clean", "dead"));
        assert!(
            dead.iter().all(|r| sample_value(r).is_nan()),
            "{median} dead: {dead:?}"
        );
    }
    // Smokeping-style bands: several quantiles at once, as its dashboards draw them.
    let bands = promql(
        "histogram_quantile(0.95, sum by (le, agent) (rate(smokeping_response_duration_seconds_bucket{target=\"lossy\"}[5s])))",
    );
    assert_eq!(bands.len(), 2, "{bands:?}");
    drop(prom);
    for agent in &agents {
        let log = agent.daemon.stderr();
        assert!(
            !log.contains(" warn ") && !log.contains(" error "),
            "{} complained:\n{log}",
            agent.name
        );
    }
}
