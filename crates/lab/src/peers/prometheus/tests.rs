#![allow(
    clippy::float_cmp,
    reason = "the values compared are counts, exact in f64"
)]

use std::net::SocketAddr;
use std::time::Duration;

use super::{Prometheus, Scrape, config, sample_value};
use crate::http::Listen;
use crate::netns::{AGENT2_4, AGENT4, Lab, MONITOR_ROUTER4, MonitorTarget};
use crate::peers::smokeping::SmokepingProber;
use crate::peers::victoria::VictoriaMetrics;

const WAIT: Duration = Duration::from_mins(1);

#[test]
fn the_generated_config_has_one_job_per_name_agent_labels_and_remote_write() {
    let a: SocketAddr = "192.0.2.2:9470".parse().unwrap();
    let b: SocketAddr = "192.0.2.66:9470".parse().unwrap();
    let yml = config(
        &[
            Scrape {
                job: "icmpkit",
                agent: Some("lab-a"),
                addr: a,
            },
            Scrape {
                job: "smokeping",
                agent: None,
                addr: a,
            },
            Scrape {
                job: "icmpkit",
                agent: Some("lab-b"),
                addr: b,
            },
        ],
        Duration::from_secs(1),
        Some("http://127.0.0.1:8428/api/v1/write"),
    );
    assert_eq!(
        yml,
        "global:\n  scrape_interval: 1000ms\n  scrape_timeout: 1000ms\n  evaluation_interval: 1000ms\n\
         scrape_configs:\n\
         \x20 - job_name: 'icmpkit'\n    honor_labels: true\n    static_configs:\n\
         \x20     - targets: ['192.0.2.2:9470']\n        labels: { agent: 'lab-a' }\n\
         \x20     - targets: ['192.0.2.66:9470']\n        labels: { agent: 'lab-b' }\n\
         \x20 - job_name: 'smokeping'\n    honor_labels: true\n    static_configs:\n\
         \x20     - targets: ['192.0.2.2:9470']\n\
         remote_write:\n  - url: 'http://127.0.0.1:8428/api/v1/write'\n    queue_config:\n      \
         batch_send_deadline: 1s\n      min_backoff: 100ms\n      max_backoff: 1s\n"
    );
}

/// The whole chain the monitor tests build on: two agents (`smokeping_prober`
/// standing in for the daemon) in two namespaces, Prometheus in the router
/// scraping both and remote-writing into `VictoriaMetrics` beside it.
#[test]
fn prometheus_scrapes_two_agents_and_victoria_metrics_gets_the_series() {
    let test = "prometheus_scrapes_two_agents_and_victoria_metrics_gets_the_series";
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    let clean = MonitorTarget::Clean.v4();
    let interval = Duration::from_secs(1);
    let Some(a) = SmokepingProber::start(
        &Listen::at(lab.ns("agent"), AGENT4.parse().unwrap()),
        &[clean],
        interval,
    ) else {
        return;
    };
    let Some(b) = SmokepingProber::start(
        &Listen::at(lab.ns("agent2"), AGENT2_4.parse().unwrap()),
        &[clean, MonitorTarget::Moving.v4()],
        interval,
    ) else {
        return;
    };
    let router = Listen::netns(lab.ns("router"));
    let Some(victoria) = VictoriaMetrics::start(&router) else {
        return;
    };
    let Some(prometheus) = Prometheus::start(
        &router,
        &[
            Scrape {
                job: "smokeping",
                agent: Some("lab-a"),
                addr: a.endpoint().addr,
            },
            Scrape {
                job: "smokeping",
                agent: Some("lab-b"),
                addr: b.endpoint().addr,
            },
        ],
        Duration::from_secs(1),
        Some(&victoria.remote_write_url()),
    ) else {
        return;
    };
    let up = prometheus.wait_for_query("sum(up{job=\"smokeping\"}) == 2", WAIT);
    assert_eq!(sample_value(&up[0]), 2.0);
    for agent in ["lab-a", "lab-b"] {
        let answered = prometheus.wait_for_query(
            &format!(
                "smokeping_response_duration_seconds_count{{agent=\"{agent}\",host=\"{clean}\"}} > 0"
            ),
            WAIT,
        );
        assert_eq!(answered.len(), 1, "{answered:?}");
    }
    let series = prometheus.series("smokeping_requests_total");
    assert_eq!(series.len(), 3, "{series:?}");
    let written = victoria.wait_for_series("smokeping_requests_total{agent=\"lab-b\"}", WAIT);
    assert_eq!(written.len(), 2, "{written:?}");
    let hosts: Vec<&str> = written.iter().filter_map(|s| s["host"].as_str()).collect();
    assert!(hosts.contains(&MonitorTarget::Moving.v4()), "{hosts:?}");
    // The router reaches the agents' listeners, not the other way round:
    // nothing in the agents' namespaces listens on the router's address.
    assert_ne!(a.endpoint().addr.ip().to_string(), MONITOR_ROUTER4);
}
