//! Prometheus (Debian package `prometheus`) started by a test with a
//! generated `prometheus.yml`, scraping the targets it is given, optionally
//! remote-writing; and the HTTP query API it shares with `VictoriaMetrics`
//! ([`query`], [`series`]).
//!
//! ```ignore
//! let prometheus = Prometheus::start(
//!     &Listen::netns(lab.ns("router")),
//!     &[Scrape { job: "icmpkit", agent: Some("lab-a"), addr: agent_a }],
//!     Duration::from_secs(1),
//!     Some(&victoria.remote_write_url()),
//! )?;
//! let up = prometheus.wait_for_query("up{job=\"icmpkit\"} == 1", Duration::from_secs(30));
//! ```

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

use crate::http::{Endpoint, Listen, urlencode};
use crate::server::{Scratch, Server, poll};

/// The program.
pub const PROGRAM: &str = "prometheus";

/// One scrape target of [`Prometheus::start`].
#[derive(Clone, Copy, Debug)]
pub struct Scrape<'a> {
    /// Its job (`job` label).
    pub job: &'a str,
    /// The `agent` label Prometheus gives its series, if any. Scrapes
    /// honour the target's own labels (`honor_labels: true`), so a
    /// target that sets `agent` itself keeps its value.
    pub agent: Option<&'a str>,
    /// Where its `/metrics` is, seen from Prometheus's namespace.
    pub addr: SocketAddr,
}

/// A running Prometheus; stopped, its data removed, when dropped.
pub struct Prometheus {
    server: Server,
}

impl Prometheus {
    /// Starts Prometheus on a free port of `listen`, scraping `targets`
    /// every `interval` (also its evaluation interval), remote-writing to
    /// `remote_write` when given (a batch at least every second); waits
    /// until it is ready (`/-/ready`). `None` (after printing why) when
    /// Prometheus is not installed.
    pub fn start(
        listen: &Listen,
        targets: &[Scrape],
        interval: Duration,
        remote_write: Option<&str>,
    ) -> Option<Prometheus> {
        if !crate::require::program(PROGRAM) {
            return None;
        }
        let scratch = Scratch::new("prometheus");
        let config = scratch.write("prometheus.yml", &config(targets, interval, remote_write));
        let endpoint = listen.free_endpoint();
        let args = vec![
            format!("--config.file={}", config.display()),
            format!(
                "--storage.tsdb.path={}",
                scratch.path().join("data").display()
            ),
            format!("--web.listen-address={}", endpoint.addr),
            "--web.enable-lifecycle".to_owned(),
            "--log.level=warn".to_owned(),
        ];
        let server = Server::start(scratch, endpoint, PROGRAM, &args, "/-/ready");
        Some(Prometheus { server })
    }

    /// Where its API is.
    pub fn endpoint(&self) -> &Endpoint {
        self.server.endpoint()
    }

    /// The running server (stderr, scratch directory, pid).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `/api/v1/query`'s result for `promql` now.
    pub fn query(&self, promql: &str) -> Vec<Value> {
        query(self.endpoint(), promql)
    }

    /// `/api/v1/series`' answer for `matcher` (`{job="icmpkit"}`).
    pub fn series(&self, matcher: &str) -> Vec<Value> {
        series(self.endpoint(), matcher)
    }

    /// The result of `promql` once it is not empty (`within` at most).
    pub fn wait_for_query(&self, promql: &str, within: Duration) -> Vec<Value> {
        poll(within, &format!("Prometheus query {promql}"), || {
            Some(self.query(promql)).filter(|r| !r.is_empty())
        })
    }

    /// The series of `matcher` once there is one (`within` at most).
    pub fn wait_for_series(&self, matcher: &str, within: Duration) -> Vec<Value> {
        poll(within, &format!("Prometheus series {matcher}"), || {
            Some(self.series(matcher)).filter(|r| !r.is_empty())
        })
    }
}

/// The `prometheus.yml` of [`Prometheus::start`]: one scrape config per
/// job, one static config per target.
pub fn config(targets: &[Scrape], interval: Duration, remote_write: Option<&str>) -> String {
    let seconds = format!("{}ms", interval.as_millis().max(1));
    let mut yml = format!(
        "global:\n  scrape_interval: {seconds}\n  scrape_timeout: {seconds}\n  \
         evaluation_interval: {seconds}\nscrape_configs:\n"
    );
    let mut jobs: Vec<&str> = targets.iter().map(|t| t.job).collect();
    jobs.dedup();
    jobs.sort_unstable();
    jobs.dedup();
    for job in jobs {
        let _ = write!(
            yml,
            "  - job_name: '{job}'\n    honor_labels: true\n    static_configs:\n"
        );
        for target in targets.iter().filter(|t| t.job == job) {
            let _ = writeln!(yml, "      - targets: ['{}']", target.addr);
            if let Some(agent) = target.agent {
                let _ = writeln!(yml, "        labels: {{ agent: '{agent}' }}");
            }
        }
    }
    if let Some(url) = remote_write {
        let _ = write!(
            yml,
            "remote_write:\n  - url: '{url}'\n    queue_config:\n      batch_send_deadline: 1s\n      \
             min_backoff: 100ms\n      max_backoff: 1s\n"
        );
    }
    yml
}

/// The Prometheus HTTP API's `data` for `path` (`/api/v1/query?...`),
/// which must answer `"status": "success"`.
fn api(api: &Endpoint, path: &str) -> Value {
    let response = api.get(path);
    let body = response.json();
    assert!(
        response.status == 200 && body["status"] == "success",
        "{}: {} {body}",
        api.url(path),
        response.status
    );
    body["data"].clone()
}

/// `/api/v1/query` (Prometheus, `VictoriaMetrics`): the result of `promql`
/// now, one value per series (`{"metric": {...}, "value": [time, "v"]}`).
pub fn query(endpoint: &Endpoint, promql: &str) -> Vec<Value> {
    let data = api(
        endpoint,
        &format!("/api/v1/query?query={}", urlencode(promql)),
    );
    data["result"].as_array().cloned().unwrap_or_default()
}

/// `/api/v1/series` (Prometheus, `VictoriaMetrics`): the label sets of the
/// series `matcher` selects.
pub fn series(endpoint: &Endpoint, matcher: &str) -> Vec<Value> {
    let data = api(
        endpoint,
        &format!("/api/v1/series?match%5B%5D={}", urlencode(matcher)),
    );
    data.as_array().cloned().unwrap_or_default()
}

/// The value of one element of a [`query`] result as a number.
pub fn sample_value(result: &Value) -> f64 {
    result["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no value in {result}"))
}

#[cfg(test)]
mod tests;
