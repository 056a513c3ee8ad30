//! `VictoriaMetrics` (Debian package `victoria-metrics`, single node) started
//! by a test: the far end of Prometheus's remote write
//! ([`VictoriaMetrics::remote_write_url`]), queried over the same API as
//! Prometheus. What it received shows in `/api/v1/series` only after a
//! flush ([`VictoriaMetrics::force_flush`], which the `wait_for_*` methods
//! do each round).

use std::time::Duration;

use serde_json::Value;

use crate::http::{Endpoint, Listen};
use crate::peers::prometheus;
use crate::server::{Scratch, Server, poll};

/// The program.
pub const PROGRAM: &str = "victoria-metrics";

/// A running `VictoriaMetrics`; stopped, its data removed, when dropped.
pub struct VictoriaMetrics {
    server: Server,
}

impl VictoriaMetrics {
    /// Starts it on a free port of `listen` (in the namespace of the
    /// Prometheus that writes to it) with its data in a scratch directory,
    /// queries seeing the newest samples (`-search.latencyOffset=0s`, no
    /// cache); waits until `/health` answers. `None` (after printing why)
    /// when it is not installed.
    pub fn start(listen: &Listen) -> Option<VictoriaMetrics> {
        if !crate::require::program(PROGRAM) {
            return None;
        }
        let scratch = Scratch::new("victoria-metrics");
        let endpoint = listen.free_endpoint();
        let args = vec![
            format!("-httpListenAddr={}", endpoint.addr),
            format!("-storageDataPath={}", scratch.path().join("data").display()),
            "-search.latencyOffset=0s".to_owned(),
            "-search.disableCache".to_owned(),
            "-loggerLevel=WARN".to_owned(),
        ];
        let server = Server::start(scratch, endpoint, PROGRAM, &args, "/health");
        Some(VictoriaMetrics { server })
    }

    /// Where its API is.
    pub fn endpoint(&self) -> &Endpoint {
        self.server.endpoint()
    }

    /// The running server (stderr, scratch directory, pid).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Prometheus's remote-write URL for it (`/api/v1/write`).
    pub fn remote_write_url(&self) -> String {
        self.endpoint().url("/api/v1/write")
    }

    /// Makes what it received so far searchable (`/internal/force_flush`).
    pub fn force_flush(&self) {
        self.endpoint().get_ok("/internal/force_flush");
    }

    /// `/api/v1/query`'s result for `promql` now.
    pub fn query(&self, promql: &str) -> Vec<Value> {
        prometheus::query(self.endpoint(), promql)
    }

    /// `/api/v1/series`' answer for `matcher`.
    pub fn series(&self, matcher: &str) -> Vec<Value> {
        prometheus::series(self.endpoint(), matcher)
    }

    /// The series of `matcher` once there is one, flushing before each
    /// look (`within` at most).
    pub fn wait_for_series(&self, matcher: &str, within: Duration) -> Vec<Value> {
        poll(within, &format!("VictoriaMetrics series {matcher}"), || {
            self.force_flush();
            Some(self.series(matcher)).filter(|r| !r.is_empty())
        })
    }

    /// The result of `promql` once it is not empty, flushing before each
    /// look (`within` at most).
    pub fn wait_for_query(&self, promql: &str, within: Duration) -> Vec<Value> {
        poll(within, &format!("VictoriaMetrics query {promql}"), || {
            self.force_flush();
            Some(self.query(promql)).filter(|r| !r.is_empty())
        })
    }
}
