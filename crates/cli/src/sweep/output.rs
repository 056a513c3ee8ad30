//! What a sweep prints: like zmap, stdout carries one record per responding
//! address and nothing else (text: the address; `--csv`; `--json` lines);
//! with `--all` also the errors received and the probes the system refused
//! to send. The summary goes to stderr (and, with `--json`, a final
//! `summary` object to stdout); it names the shard and the seed, so the
//! outputs of a sharded sweep, concatenated, say what each part covered.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use icmpkit_proto::sweep::{ErrorVerdict, RefusedProbe, Responder, SweepSummary};
use serde_json::{Map, Value, json};

use crate::json_lines::JsonLines;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One address per line.
    Text,
    /// CSV: [`CSV_HEADER`], then one row per record, whatever the flags
    /// (a row's `type` says what it is; `--all` adds rows, not columns).
    Csv,
    /// JSON lines.
    Json,
}

/// The one CSV header: every row has every column, empty where the record
/// has no such value.
pub const CSV_HEADER: &str = "type,addr,rtt_ms,ttl,from,icmp_type,icmp_code,errno";

/// Where records go: plain lines or JSON lines.
enum Sink<W: Write> {
    Lines(W),
    Json(JsonLines<W>),
}

/// Writes records in one format.
pub struct Writer<W: Write> {
    sink: Sink<W>,
    format: Format,
    all: bool,
}

/// Milliseconds as a float rounded to the microsecond, for CSV and JSON.
fn ms(d: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)] // microseconds far below 2^52
    let micros = d.as_micros() as f64;
    micros / 1000.0
}

/// The symbolic name of an errno a send may fail with (Linux numbers).
pub fn errno_name(errno: i32) -> String {
    icmpkit_proto::errno::name(errno).map_or_else(|| format!("errno {errno}"), str::to_owned)
}

/// The system's words for an errno ("Permission denied").
fn errno_text(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    // "Permission denied (os error 13)": the words alone.
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

impl<W: Write> Writer<W> {
    /// A writer; the CSV header is written at once.
    pub fn new(mut out: W, format: Format, all: bool) -> io::Result<Self> {
        if format == Format::Csv {
            writeln!(out, "{CSV_HEADER}")?;
        }
        let sink = match format {
            Format::Json => Sink::Json(JsonLines::batched(out)),
            Format::Text | Format::Csv => Sink::Lines(out),
        };
        Ok(Self { sink, format, all })
    }

    /// A host that answered.
    pub fn found(&mut self, host: &Responder) -> io::Result<()> {
        let rtt = host.rtt.map(ms);
        match (&mut self.sink, self.format) {
            (Sink::Json(lines), _) => lines.emit(
                "reply",
                json!({"from": host.addr.to_string(), "rtt_ms": rtt, "ttl": host.ttl}),
            ),
            (Sink::Lines(out), Format::Csv) => writeln!(
                out,
                "reply,{},{},{},,,,",
                host.addr,
                opt(rtt),
                opt(host.ttl)
            ),
            (Sink::Lines(out), ..) => writeln!(out, "{}", host.addr),
        }
    }

    /// An ICMP error about a probe: written only with `--all`.
    pub fn error(&mut self, error: &ErrorVerdict) -> io::Result<()> {
        if !self.all {
            return Ok(());
        }
        match (&mut self.sink, self.format) {
            (Sink::Json(lines), _) => lines.emit(
                "error",
                json!({
                    "target": error.target.to_string(), "from": error.from.to_string(),
                    "icmp_type": error.icmp_type, "icmp_code": error.code,
                }),
            ),
            (Sink::Lines(out), Format::Csv) => writeln!(
                out,
                "error,{},,,{},{},{},",
                error.target, error.from, error.icmp_type, error.code
            ),
            (Sink::Lines(out), _) => writeln!(
                out,
                "{} error type {} code {} from {}",
                error.target, error.icmp_type, error.code, error.from
            ),
        }
    }

    /// A probe the system refused to send: written only with `--all`.
    pub fn refused(&mut self, refused: &RefusedProbe) -> io::Result<()> {
        if !self.all {
            return Ok(());
        }
        let name = errno_name(refused.errno);
        match (&mut self.sink, self.format) {
            (Sink::Json(lines), _) => lines.emit(
                "refused",
                json!({
                    "target": refused.target.to_string(), "errno": name,
                    "message": errno_text(refused.errno),
                }),
            ),
            (Sink::Lines(out), Format::Csv) => {
                writeln!(out, "refused,{},,,,,,{name}", refused.target)
            }
            (Sink::Lines(out), _) => writeln!(
                out,
                "{} refused: {} ({name})",
                refused.target,
                errno_text(refused.errno)
            ),
        }
    }

    /// The end: a `summary` object for JSON; nothing for text and CSV.
    pub fn finish(&mut self, summary: &SweepSummary, kernel_drops: Option<u64>) -> io::Result<()> {
        match &mut self.sink {
            Sink::Json(lines) => {
                let c = &summary.counts;
                let p = &c.progress;
                let by_errno: Map<String, Value> = summary
                    .refused_by_errno
                    .iter()
                    .map(|&(errno, n)| (errno_name(errno), Value::from(n)))
                    .collect();
                lines.emit(
                    "summary",
                    json!({
                        "targets": p.total,
                        "space_targets": summary.space_targets,
                        "shard": summary.shard.index(),
                        "shards": summary.shard.count(),
                        "seed": summary.seed,
                        "sent": p.sent,
                        "replies": p.replies,
                        "unique": p.unique,
                        "errors": p.errors,
                        "duplicates": p.duplicates,
                        "invalid": p.invalid,
                        "refused": c.refused,
                        "refused_by_errno": by_errno,
                        "kernel_drops": kernel_drops,
                        "stopped": summary.stopped,
                        "sending_s": summary.sending.as_secs_f64(),
                        "time_s": c.elapsed.as_secs_f64(),
                        "backoff": summary.backoff.map(|b| json!({
                            "dropped": b.dropped,
                            "cuts": b.cuts,
                            "lowest_rate": b.lowest,
                            "last_rate": b.last,
                        })),
                    }),
                )?;
                lines.flush()
            }
            Sink::Lines(out) => out.flush(),
        }
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The stderr summary line; the probe rate is over the sending time (the
/// cooldown left out).
pub fn summary_line(summary: &SweepSummary, kernel_drops: Option<u64>) -> String {
    let c = &summary.counts;
    let p = &c.progress;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rate = if summary.sending.is_zero() {
        0.0
    } else {
        p.sent as f64 / summary.sending.as_secs_f64()
    };
    #[allow(clippy::cast_precision_loss)]
    let hit_rate = if p.total == 0 {
        0.0
    } else {
        p.unique as f64 * 100.0 / p.total as f64
    };
    // Which part of which order: "(shard 1/3 of 1024, seed 7)".
    let mut part = Vec::new();
    if !summary.shard.is_whole() {
        part.push(format!(
            "shard {} of {}",
            summary.shard, summary.space_targets
        ));
    }
    if let Some(seed) = summary.seed {
        part.push(format!("seed {seed}"));
    }
    let part = if part.is_empty() {
        String::new()
    } else {
        format!(" ({})", part.join(", "))
    };
    let mut line = format!(
        "sweep: {} targets{part}, sent {}, replies {}, unique hosts {} ({hit_rate:.2}%), \
         errors {}, duplicates {}, invalid {}",
        p.total, p.sent, p.replies, p.unique, p.errors, p.duplicates, p.invalid,
    );
    if c.refused > 0 {
        let by_errno: Vec<String> = summary
            .refused_by_errno
            .iter()
            .map(|&(errno, n)| format!("{} {n}", errno_name(errno)))
            .collect();
        let _ = write!(line, ", refused {} ({})", c.refused, by_errno.join(", "));
    }
    if let Some(drops) = kernel_drops {
        let _ = write!(line, ", kernel drops {drops}");
    }
    let _ = write!(
        line,
        ", time {:.3} s ({rate:.0} probes/s)",
        c.elapsed.as_secs_f64()
    );
    if summary.stopped {
        line += ", stopped";
    }
    if let Some(b) = summary.backoff {
        let _ = write!(
            line,
            "\nsweep: the kernel dropped {} replies for a full receive queue",
            b.dropped
        );
        if b.cuts > 0 {
            let _ = write!(
                line,
                ": --rate max slowed to {} probes/s (lowest {}, {} cuts)",
                b.last, b.lowest, b.cuts
            );
        }
        if p.unique < p.total {
            line += "; hosts whose replies were dropped are missing: run again with \
                     --retries 1, or a lower --rate";
        }
    }
    line
}

#[cfg(test)]
mod tests;
