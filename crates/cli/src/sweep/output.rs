//! What a sweep prints: like zmap, stdout carries one record per responding
//! address and nothing else (text: the address; `--csv`; `--json` lines);
//! with `--all` also the errors received. The summary goes to stderr (and,
//! with `--json`, a final `summary` object to stdout).

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::Duration;

use serde_json::json;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One address per line.
    Text,
    /// CSV with a header line.
    Csv,
    /// JSON lines.
    Json,
}

/// A host that answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The address that answered.
    pub addr: IpAddr,
    /// Round-trip time, when measurable.
    pub rtt: Option<Duration>,
    /// TTL or hop limit of the reply.
    pub ttl: Option<u8>,
}

/// An ICMP error about one of our probes (`--all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss {
    /// The probed address.
    pub target: IpAddr,
    /// Who sent the error.
    pub from: IpAddr,
    /// Its type.
    pub icmp_type: u8,
    /// Its code.
    pub icmp_code: u8,
}

/// The counters of a finished sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Probes sent.
    pub sent: u64,
    /// Valid replies (duplicates included).
    pub replies: u64,
    /// Distinct hosts that answered.
    pub unique: u64,
    /// ICMP errors about our probes.
    pub errors: u64,
    /// Second and later replies from a host.
    pub duplicates: u64,
    /// Replies that failed validation (not ours, forged, corrupted).
    pub invalid: u64,
    /// Packets the kernel dropped for our sockets.
    pub kernel_drops: u64,
    /// Targets in the sweep.
    pub targets: u64,
}

/// Writes records in one format.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    all: bool,
}

/// Milliseconds as a float for CSV and JSON.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl<W: Write> Writer<W> {
    /// A writer; the CSV header is written at once.
    pub fn new(mut out: W, format: Format, all: bool) -> io::Result<Self> {
        if format == Format::Csv {
            if all {
                writeln!(out, "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code")?;
            } else {
                writeln!(out, "addr,rtt_ms,ttl")?;
            }
        }
        Ok(Self { out, format, all })
    }

    /// A responding host.
    pub fn hit(&mut self, hit: &Hit) -> io::Result<()> {
        let rtt = hit.rtt.map(ms);
        match (self.format, self.all) {
            (Format::Text, _) => writeln!(self.out, "{}", hit.addr),
            (Format::Csv, false) => {
                writeln!(self.out, "{},{},{}", hit.addr, opt(rtt), opt(hit.ttl))
            }
            (Format::Csv, true) => writeln!(
                self.out,
                "reply,{},{},{},,,",
                hit.addr,
                opt(rtt),
                opt(hit.ttl)
            ),
            (Format::Json, _) => {
                serde_json::to_writer(
                    &mut self.out,
                    &json!({
                        "type": "reply", "addr": hit.addr.to_string(), "rtt_ms": rtt, "ttl": hit.ttl,
                    }),
                )?;
                writeln!(self.out)
            }
        }
    }

    /// An error about a probe: written only with `--all`.
    pub fn miss(&mut self, miss: &Miss) -> io::Result<()> {
        if !self.all {
            return Ok(());
        }
        match self.format {
            Format::Text => writeln!(
                self.out,
                "{} error type {} code {} from {}",
                miss.target, miss.icmp_type, miss.icmp_code, miss.from
            ),
            Format::Csv => writeln!(
                self.out,
                "error,{},,,{},{},{}",
                miss.target, miss.from, miss.icmp_type, miss.icmp_code
            ),
            Format::Json => {
                serde_json::to_writer(
                    &mut self.out,
                    &json!({
                        "type": "error", "target": miss.target.to_string(), "from": miss.from.to_string(),
                        "icmp_type": miss.icmp_type, "icmp_code": miss.icmp_code,
                    }),
                )?;
                writeln!(self.out)
            }
        }
    }

    /// The end: a `summary` object for JSON; nothing for text and CSV.
    pub fn finish(&mut self, totals: &Totals, elapsed: Duration) -> io::Result<()> {
        if self.format == Format::Json {
            serde_json::to_writer(
                &mut self.out,
                &json!({
                    "type": "summary",
                    "targets": totals.targets,
                    "sent": totals.sent,
                    "replies": totals.replies,
                    "unique": totals.unique,
                    "errors": totals.errors,
                    "duplicates": totals.duplicates,
                    "invalid": totals.invalid,
                    "kernel_drops": totals.kernel_drops,
                    "time_s": elapsed.as_secs_f64(),
                }),
            )?;
            writeln!(self.out)?;
        }
        self.out.flush()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The stderr summary line.
pub fn summary_line(t: &Totals, elapsed: Duration) -> String {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rate = if elapsed.is_zero() {
        0.0
    } else {
        t.sent as f64 / elapsed.as_secs_f64()
    };
    #[allow(clippy::cast_precision_loss)]
    let hit_rate = if t.targets == 0 {
        0.0
    } else {
        t.unique as f64 * 100.0 / t.targets as f64
    };
    format!(
        "sweep: {} targets, sent {}, replies {}, unique hosts {} ({hit_rate:.2}%), errors {}, \
         duplicates {}, invalid {}, kernel drops {}, time {:.3} s ({rate:.0} probes/s)",
        t.targets,
        t.sent,
        t.replies,
        t.unique,
        t.errors,
        t.duplicates,
        t.invalid,
        t.kernel_drops,
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(format: Format, all: bool) -> String {
        let mut w = Writer::new(Vec::new(), format, all).unwrap();
        let addr = "10.200.0.7".parse().unwrap();
        w.hit(&Hit {
            addr,
            rtt: Some(Duration::from_micros(1500)),
            ttl: Some(63),
        })
        .unwrap();
        w.hit(&Hit {
            addr,
            rtt: None,
            ttl: None,
        })
        .unwrap();
        w.miss(&Miss {
            target: "10.200.1.9".parse().unwrap(),
            from: "192.0.2.254".parse().unwrap(),
            icmp_type: 3,
            icmp_code: 13,
        })
        .unwrap();
        w.finish(
            &Totals {
                targets: 2,
                sent: 2,
                replies: 1,
                unique: 1,
                errors: 1,
                ..Totals::default()
            },
            Duration::from_millis(250),
        )
        .unwrap();
        String::from_utf8(w.out).unwrap()
    }

    #[test]
    fn text_is_addresses_only() {
        assert_eq!(written(Format::Text, false), "10.200.0.7\n10.200.0.7\n");
        assert_eq!(
            written(Format::Text, true),
            "10.200.0.7\n10.200.0.7\n10.200.1.9 error type 3 code 13 from 192.0.2.254\n"
        );
    }

    #[test]
    fn csv_and_json() {
        assert_eq!(
            written(Format::Csv, false),
            "addr,rtt_ms,ttl\n10.200.0.7,1.5,63\n10.200.0.7,,\n"
        );
        assert_eq!(
            written(Format::Csv, true),
            "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code\nreply,10.200.0.7,1.5,63,,,\nreply,10.200.0.7,,,,,\nerror,10.200.1.9,,,192.0.2.254,3,13\n"
        );
        let json = written(Format::Json, true);
        let lines: Vec<serde_json::Value> = json
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["rtt_ms"], 1.5);
        assert_eq!(lines[1]["rtt_ms"], serde_json::Value::Null);
        assert_eq!(lines[2]["type"], "error");
        assert_eq!(lines[3]["type"], "summary");
        assert_eq!(lines[3]["time_s"], 0.25);
    }

    #[test]
    fn summary_names_every_counter() {
        let t = Totals {
            targets: 4,
            sent: 4,
            replies: 3,
            unique: 3,
            ..Totals::default()
        };
        assert_eq!(
            summary_line(&t, Duration::from_secs(2)),
            "sweep: 4 targets, sent 4, replies 3, unique hosts 3 (75.00%), errors 0, duplicates 0, \
             invalid 0, kernel drops 0, time 2.000 s (2 probes/s)"
        );
    }
}
