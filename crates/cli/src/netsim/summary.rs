//! What `netsim up` prints: the line saying the device is ready, and at
//! the end what the network did, as text or one JSON object.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use icmpkit_net::tun::{Setup, TunDevice};
use serde_json::{Value, json};

use super::realtime::Run;

/// `netsim0 up: 10.0.0.1/32 fd00::1/128, 10 routes; Ctrl-C stops it`
/// (on stderr: a script waits for it before sending traffic).
pub fn ready_line(tun: &TunDevice, setup: &Setup) -> String {
    let addresses: Vec<String> = setup
        .addresses
        .iter()
        .map(|(a, len)| format!("{a}/{len}"))
        .collect();
    format!(
        "{} up: {}, {} routes; Ctrl-C stops it",
        tun.name(),
        addresses.join(" "),
        setup.routes.len()
    )
}

/// The end of a run, ready to print.
pub struct Summary<'a> {
    device: &'a str,
    seed: u64,
    run: &'a Run,
}

impl<'a> Summary<'a> {
    /// The summary of `run` on `device`, its randomness from `seed`.
    pub fn new(device: &'a str, seed: u64, run: &'a Run) -> Self {
        Self { device, seed, run }
    }

    /// The lateness percentiles p50, p99 (µs), `None` without packets.
    fn lateness(&self) -> Option<(u64, u64)> {
        let h = &self.run.lateness;
        Some((h.percentile(50)?, h.percentile(99)?))
    }

    /// Text, a line per kind of count.
    pub fn text(&self) -> String {
        let (run, stats) = (self.run, &self.run.stats);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "--- {} netsim statistics: {:.3} s, seed {} ---",
            self.device,
            run.elapsed.as_secs_f64(),
            self.seed
        );
        let _ = writeln!(
            s,
            "{} packets read, {} written ({} write errors)",
            run.read, run.written, run.write_errors
        );
        let _ = writeln!(
            s,
            "{} forwarded, {} answered, {} lost on links, {} fragments made, {} reassembled",
            stats.forwarded, stats.answered, stats.lost, stats.fragments_made, stats.reassembled
        );
        for (name, map) in [
            ("errors sent", &stats.errors),
            ("dropped", &stats.dropped),
            ("rate limited", &stats.rate_limited),
            ("refused", &stats.refused),
        ] {
            let _ = writeln!(s, "{name}: {}", counts_text(map));
        }
        match self.lateness() {
            Some((p50, p99)) => {
                let _ = writeln!(
                    s,
                    "lateness: p50 {p50} us, p99 {p99} us, max {} us ({} packets)",
                    run.lateness_max,
                    run.lateness.total()
                );
            }
            None => s.push_str("lateness: no packets left the network\n"),
        }
        s
    }

    /// One JSON object.
    pub fn json(&self) -> Value {
        let (run, stats) = (self.run, &self.run.stats);
        let lateness = self.lateness().map_or(Value::Null, |(p50, p99)| {
            json!({
                "p50_us": p50,
                "p99_us": p99,
                "max_us": run.lateness_max,
                "packets": run.lateness.total(),
            })
        });
        json!({
            "type": "netsim",
            "device": self.device,
            "seed": self.seed,
            "seconds": run.elapsed.as_secs_f64(),
            "read": run.read,
            "written": run.written,
            "write_errors": run.write_errors,
            "injected": stats.injected,
            "egress": stats.egress,
            "forwarded": stats.forwarded,
            "answered": stats.answered,
            "errors": stats.errors,
            "lost": stats.lost,
            "dropped": stats.dropped,
            "rate_limited": stats.rate_limited,
            "refused": stats.refused,
            "fragments_made": stats.fragments_made,
            "reassembled": stats.reassembled,
            "lateness": lateness,
        })
    }
}

/// `time-exceeded 8, unreachable 2`, or `none`.
fn counts_text(map: &BTreeMap<&'static str, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
