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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use icmpkit_netsim::Stats;
    use icmpkit_proto::stats::RttHistogram;

    use super::*;

    fn run() -> Run {
        let mut lateness = RttHistogram::default();
        for us in [1, 2, 3, 40] {
            lateness.record(us);
        }
        let mut stats = Stats {
            injected: 4,
            egress: 4,
            forwarded: 12,
            answered: 2,
            ..Stats::default()
        };
        stats.errors.insert("time-exceeded", 2);
        stats.dropped.insert("no-route", 1);
        Run {
            elapsed: Duration::from_millis(1500),
            read: 4,
            written: 4,
            write_errors: 0,
            lateness,
            lateness_max: 40,
            stats,
        }
    }

    #[test]
    fn text_has_a_line_per_kind_of_count() {
        let run = run();
        assert_eq!(
            Summary::new("netsim0", 7, &run).text(),
            "--- netsim0 netsim statistics: 1.500 s, seed 7 ---\n\
             4 packets read, 4 written (0 write errors)\n\
             12 forwarded, 2 answered, 0 lost on links, 0 fragments made, 0 reassembled\n\
             errors sent: time-exceeded 2\n\
             dropped: no-route 1\n\
             rate limited: none\n\
             refused: none\n\
             lateness: p50 2 us, p99 40 us, max 40 us (4 packets)\n"
        );
    }

    #[test]
    fn json_has_every_counter() {
        let run = run();
        let json = Summary::new("netsim0", 7, &run).json();
        assert_eq!(json["seed"], 7);
        assert_eq!(json["errors"], json!({"time-exceeded": 2}));
        assert_eq!(json["refused"], json!({}));
        assert_eq!(
            json["lateness"],
            json!({"p50_us": 2, "p99_us": 40, "max_us": 40, "packets": 4})
        );
    }
}
