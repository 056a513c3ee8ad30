//! The JSON-lines output of `icmpkit guard --json` (schema in
//! `json_lines`): an `alert` per finding, then a `summary`.

use std::io::{self, Write};

use icmpkit_guard::detect::FactValue;
use icmpkit_guard::observe::Direction;
use icmpkit_guard::traffic::Talker;
use icmpkit_guard::{Finding, Guard, Severity};
use icmpkit_wire::meaning;
use serde_json::{Map, Value, json};

use super::{End, Renderer};
use crate::json_lines::JsonLines;

/// The JSON-lines renderer.
pub struct Json;

fn version_number(v: icmpkit_wire::IpVersion) -> u8 {
    match v {
        icmpkit_wire::IpVersion::V4 => 4,
        icmpkit_wire::IpVersion::V6 => 6,
    }
}

/// Seconds since the epoch as a number with nanoseconds as far as a float
/// keeps them.
#[allow(clippy::cast_precision_loss)]
fn seconds(s: u64, ns: u32) -> f64 {
    s as f64 + f64::from(ns) / 1e9
}

fn fact_value(v: &FactValue) -> Value {
    match v {
        FactValue::Count(n) => json!(n),
        FactValue::Number(x) => json!((x * 1000.0).round() / 1000.0),
        FactValue::Address(a) => json!(a.to_string()),
        FactValue::Text(t) => json!(t),
    }
}

impl Renderer for Json {
    fn finding(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        let info = f.detection.info();
        let e = &f.evidence;
        let facts: Map<String, Value> = e
            .facts
            .iter()
            .map(|fact| (fact.name.to_owned(), fact_value(&fact.value)))
            .collect();
        let record = json!({
            "timestamp": seconds(f.time.seconds, f.time.nanoseconds),
            "frame": f.frame,
            "src": f.src.to_string(),
            "dst": f.dst.to_string(),
            "version": version_number(f.version),
            "icmp_type": f.msg_type,
            "icmp_code": f.code,
            "message": meaning::summary(f.version, f.msg_type, f.code).to_string(),
            "detection": info.name,
            "family": info.family.name(),
            "severity": f.severity.name(),
            "confidence": f64::from(f.confidence) / 100.0,
            "evidence": {
                "packets": e.packets,
                "first_frame": e.first_frame,
                "window_s": e.window,
                "rate_pps": e.rate.map(|r| (r * 10.0).round() / 10.0),
                "facts": facts,
            },
            "explanation": f.explanation,
            "advice": info.advice,
            "suricata": info.suricata,
        });
        JsonLines::batched(out).emit("alert", record)
    }

    fn summary(&mut self, out: &mut dyn Write, guard: &mut Guard, end: &End<'_>) -> io::Result<()> {
        let held = guard.held();
        let r = guard.reassembly();
        let findings: Vec<Value> = guard
            .tallies()
            .filter(|(_, t)| t.raised > 0)
            .map(|(d, t)| {
                json!({
                    "detection": d.name(),
                    "severity": t.worst.map(Severity::name),
                    "raised": t.raised,
                    "repeats": t.repeats,
                })
            })
            .collect();
        let worst = guard.worst().map(Severity::name);
        let t = guard.traffic();
        let by_message: Vec<Value> = t
            .by_message()
            .map(|(k, s)| {
                json!({
                    "version": version_number(k.version),
                    "icmp_type": k.msg_type,
                    "icmp_code": k.code,
                    "message": meaning::summary(k.version, k.msg_type, k.code).to_string(),
                    "packets": s.packets,
                    "bytes": s.bytes,
                    "peak_per_second": s.peak_per_second,
                })
            })
            .collect();
        let directions: Map<String, Value> = Direction::ALL
            .iter()
            .zip(t.by_direction)
            .map(|(d, n)| (d.name().to_owned(), json!(n)))
            .collect();
        let talkers = |list: Vec<Talker>| -> Vec<Value> {
            list.iter()
                .map(|t| {
                    json!({
                        "address": t.addr.to_string(),
                        "packets": t.packets,
                        "bytes": t.bytes,
                        "error": t.error,
                    })
                })
                .collect()
        };
        let record = json!({
            "frames": t.frames,
            "messages": t.messages,
            "bytes": t.bytes,
            "duration_s": t.duration(),
            "malformed": t.malformed,
            "bad_checksum": t.bad_checksum,
            "directions": directions,
            "echo": {
                "requests": t.echo.requests_seen,
                "replies_matched": t.echo.replies_matched,
                "replies_unmatched": t.echo.replies_unmatched,
            },
            "reassembly": {
                "datagrams": r.datagrams,
                "fragments": r.fragments,
                "incomplete_datagrams": r.incomplete_datagrams,
                "incomplete_fragments": r.incomplete_fragments,
            },
            "by_message": by_message,
            "top_sources": talkers(t.sources.top(end.top)),
            "top_destinations": talkers(t.destinations.top(end.top)),
            "findings": findings,
            "worst": worst,
            "held": {
                "echo_requests": held.echo_requests,
                "reassembling": held.reassembling,
                "reassembly_bytes": held.reassembly_bytes,
                "detector_entries": held.detector_entries,
            },
            "capture": end.capture.map(|c| json!({"packets": c.packets, "drops": c.drops})),
            "error": end.error,
        });
        JsonLines::batched(out).emit("summary", record)
    }
}
