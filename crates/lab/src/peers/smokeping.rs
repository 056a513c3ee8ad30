//! `smokeping_prober` (Debian package `prometheus-smokeping-prober`) started
//! by a test: pings its hosts at a steady interval and serves
//! `smokeping_requests_total` and `smokeping_response_duration_seconds` (a
//! histogram, buckets 50 µs × 2^k) per host, the names `icmpkit monitor`
//! offers too. It serves nothing until every host's pinger has started
//! (they start spread over one interval).
//!
//! Measured with 0.6.1 (Debian 12): `smokeping_requests_total` counts a
//! request as it is sent, so it runs one or two ahead of the replies at
//! 1 s intervals; below 1 s it misses replies (6 of 17 counted at 100 ms
//! with none lost on the wire). Compare at 1 s.

use std::fmt::Write as _;
use std::time::Duration;

use crate::http::{Endpoint, Listen};
use crate::metrics::{Sample, parse_metrics, sum};
use crate::server::{Scratch, Server};

/// The program.
pub const PROGRAM: &str = "prometheus-smokeping-prober";

/// A running `smokeping_prober`; stopped when dropped.
pub struct SmokepingProber {
    server: Server,
}

impl SmokepingProber {
    /// Starts it on a free port of `listen` (in the namespace it pings
    /// from), pinging each of `hosts` every `interval` with raw sockets
    /// (`protocol: icmp`, `--privileged`: the test runs as root); waits
    /// until `/metrics` answers. `None` (after printing why) when it is
    /// not installed.
    pub fn start(listen: &Listen, hosts: &[&str], interval: Duration) -> Option<SmokepingProber> {
        if !crate::require::program(PROGRAM) {
            return None;
        }
        let scratch = Scratch::new("smokeping-prober");
        let config = scratch.write("smokeping_prober.yml", &config(hosts, interval));
        let endpoint = listen.free_endpoint();
        let args = vec![
            format!("--config.file={}", config.display()),
            format!("--web.listen-address={}", endpoint.addr),
            "--privileged".to_owned(),
        ];
        let server = Server::start(scratch, endpoint, PROGRAM, &args, "/metrics");
        Some(SmokepingProber { server })
    }

    /// Where its `/metrics` is.
    pub fn endpoint(&self) -> &Endpoint {
        self.server.endpoint()
    }

    /// The running server (stderr, scratch directory, pid).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Its `/metrics` now.
    pub fn metrics(&self) -> Vec<Sample> {
        let text = self.endpoint().get_ok("/metrics");
        parse_metrics(&text).unwrap_or_else(|e| panic!("smokeping_prober /metrics: {e}"))
    }

    /// Echo requests sent to `host` so far (`smokeping_requests_total`).
    pub fn requests(&self, host: &str) -> f64 {
        sum(
            &self.metrics(),
            "smokeping_requests_total",
            &[("host", host)],
        )
    }

    /// Replies from `host` so far (`smokeping_response_duration_seconds_count`).
    pub fn responses(&self, host: &str) -> f64 {
        sum(
            &self.metrics(),
            "smokeping_response_duration_seconds_count",
            &[("host", host)],
        )
    }
}

/// Its configuration file: one target group of `hosts`, IPv4 or IPv6 as
/// each host is, raw ICMP.
pub fn config(hosts: &[&str], interval: Duration) -> String {
    let mut yml = String::from("targets:\n- hosts:\n");
    for host in hosts {
        let _ = writeln!(yml, "  - '{host}'");
    }
    let _ = write!(
        yml,
        "  interval: {}ms\n  network: ip\n  protocol: icmp\n  size: 56\n",
        interval.as_millis().max(1)
    );
    yml
}

#[cfg(test)]
mod tests;
