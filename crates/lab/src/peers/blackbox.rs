//! `blackbox_exporter` (Debian package `prometheus-blackbox-exporter`)
//! started by a test with two ICMP modules, `icmp` (IPv4) and `icmp6`
//! (IPv6): one echo per probe, `probe_success`, `probe_duration_seconds`,
//! `probe_icmp_duration_seconds{phase="rtt"}`.

use std::time::Duration;

use crate::http::{Endpoint, Listen, urlencode};
use crate::metrics::{Sample, parse_metrics};
use crate::server::{Scratch, Server};

/// The program.
pub const PROGRAM: &str = "prometheus-blackbox-exporter";

/// The configuration: module `icmp` over IPv4, `icmp6` over IPv6, no
/// fallback to the other family.
pub const CONFIG: &str = "\
modules:
  icmp:
    prober: icmp
    timeout: 2s
    icmp:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  icmp6:
    prober: icmp
    timeout: 2s
    icmp:
      preferred_ip_protocol: ip6
      ip_protocol_fallback: false
";

/// A running `blackbox_exporter`; stopped when dropped.
pub struct BlackboxExporter {
    server: Server,
}

impl BlackboxExporter {
    /// Starts it on a free port of `listen` (in the namespace it probes
    /// from) with [`CONFIG`]; waits until `/-/healthy` answers. `None`
    /// (after printing why) when it is not installed.
    pub fn start(listen: &Listen) -> Option<BlackboxExporter> {
        if !crate::require::program(PROGRAM) {
            return None;
        }
        let scratch = Scratch::new("blackbox-exporter");
        let config = scratch.write("blackbox.yml", CONFIG);
        let endpoint = listen.free_endpoint();
        let args = vec![
            format!("--config.file={}", config.display()),
            format!("--web.listen-address={}", endpoint.addr),
        ];
        let server = Server::start(scratch, endpoint, PROGRAM, &args, "/-/healthy");
        Some(BlackboxExporter { server })
    }

    /// Where it listens.
    pub fn endpoint(&self) -> &Endpoint {
        self.server.endpoint()
    }

    /// The running server (stderr, scratch directory, pid).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// One probe of `target` over IPv4 (module `icmp`): its metrics.
    pub fn probe(&self, target: &str) -> Vec<Sample> {
        self.probe_module("icmp", target)
    }

    /// One probe of `target` with `module` (`icmp`, `icmp6`): its
    /// metrics (`/probe?module=M&target=T`).
    pub fn probe_module(&self, module: &str, target: &str) -> Vec<Sample> {
        let path = format!(
            "/probe?module={}&target={}",
            urlencode(module),
            urlencode(target)
        );
        let text = self.endpoint().get_ok(&path);
        parse_metrics(&text).unwrap_or_else(|e| panic!("blackbox_exporter {path}: {e}"))
    }

    /// The round-trip time of one successful probe of `target` with
    /// `module`; `None` when the probe failed.
    pub fn rtt(&self, module: &str, target: &str) -> Option<Duration> {
        let samples = self.probe_module(module, target);
        let success = crate::metrics::value(&samples, "probe_success", &[])?;
        if success < 1.0 {
            return None;
        }
        crate::metrics::value(&samples, "probe_icmp_duration_seconds", &[("phase", "rtt")])
            .map(Duration::from_secs_f64)
    }
}

#[cfg(test)]
mod tests;
