//! `--json` and `--json-probes`: typed records, written through
//! [`crate::json_lines::JsonLines`] (which puts `type` and `timestamp`
//! first). Their schema is in `crate::json_lines`, section `mtr`.

use std::net::IpAddr;
use std::time::{Instant, SystemTime};

use icmpkit_net::Clocks;
use icmpkit_proto::mtr::loss::HopVerdict;
use icmpkit_proto::mtr::{Figure, Hop, HopStats, Path, PathEvent, ProbeResult};
use icmpkit_proto::trace::Outcome;
use serde_json::{Map, Value, json};

use super::Header;
use crate::json_lines::unix_seconds;
use crate::mtr::time::rfc3339;
use crate::trace::render::{extension_json, mpls_json, ms_json};

/// The version of the `report` record's layout, raised when a key changes
/// meaning or goes away (new keys do not raise it).
pub const SCHEMA: u32 = 1;

/// The figures of a hop, by their JSON keys.
const FIGURES: [(&str, Figure); 10] = [
    ("last_ms", Figure::Last),
    ("avg_ms", Figure::Avg),
    ("best_ms", Figure::Best),
    ("worst_ms", Figure::Worst),
    ("stdev_ms", Figure::StDev),
    ("gmean_ms", Figure::Gmean),
    ("jitter_ms", Figure::Jitter),
    ("javg_ms", Figure::Javg),
    ("jmax_ms", Figure::Jmax),
    ("jint_ms", Figure::Jint),
];

/// The fields of the `report` record: the whole path and the `events`
/// of the run, oldest first (what [`Path::record`] returned; emit it as
/// `lines.emit("report", report_json(..))`).
pub fn report_json(
    header: &Header,
    path: &Path,
    events: &[PathEvent],
    name: &mut dyn FnMut(IpAddr) -> Option<String>,
) -> Value {
    let hops: Vec<Value> = path.hops().iter().map(|h| hop_json(h, name)).collect();
    let events: Vec<Value> = events.iter().map(event_json).collect();
    json!({
        "schema": SCHEMA,
        "target": header.target,
        "address": path.destination().to_string(),
        "source": header.source.to_string(),
        "local_host": header.local_host,
        "started": rfc3339(header.started, header.utc_offset),
        "rounds": path.rounds(),
        "destination_ttl": path.destination_ttl(),
        "hops": hops,
        "events": events,
    })
}

fn event_json(event: &PathEvent) -> Value {
    match event {
        PathEvent::NewAddress {
            ttl,
            address,
            round,
        } => json!({
            "kind": "new_address",
            "ttl": ttl,
            "address": address.to_string(),
            "round": round,
        }),
        PathEvent::DestinationMoved { from, to, round } => json!({
            "kind": "destination_moved",
            "from": from,
            "to": to,
            "round": round,
        }),
    }
}

/// The counts of `s` into `fields`: `sent`, `received`, `loss_percent`.
fn counts_json(s: &HopStats, fields: &mut Map<String, Value>) {
    fields.insert("sent".into(), s.sent().into());
    fields.insert("received".into(), s.received().into());
    let loss = (s.sent() > 0).then(|| s.loss_percent());
    fields.insert("loss_percent".into(), loss.into());
}

/// The figures of `s` into `fields`: `last_ms` to `jint_ms`.
fn figures_json(s: &HopStats, fields: &mut Map<String, Value>) {
    for (key, figure) in FIGURES {
        fields.insert(key.into(), s.figure(figure).into());
    }
}

fn hop_json(hop: &Hop, name: &mut dyn FnMut(IpAddr) -> Option<String>) -> Value {
    let s = &hop.stats;
    let mut fields = Map::new();
    fields.insert("ttl".into(), hop.ttl.into());
    let addresses: Vec<Value> = hop
        .addresses
        .iter()
        .map(|seen| {
            json!({
                "address": seen.address.to_string(),
                "name": name(seen.address),
                "count": seen.count,
            })
        })
        .collect();
    fields.insert("addresses".into(), addresses.into());
    counts_json(s, &mut fields);
    fields.insert("real_loss_percent".into(), hop.real_loss.into());
    figures_json(s, &mut fields);
    let flows: Vec<Value> = hop
        .flows
        .iter()
        .map(|(&flow, stats)| {
            let mut fields = Map::new();
            fields.insert("flow".into(), flow.into());
            counts_json(stats, &mut fields);
            figures_json(stats, &mut fields);
            Value::Object(fields)
        })
        .collect();
    fields.insert("flows".into(), flows.into());
    let mpls: Vec<Value> = hop.mpls.iter().map(|stack| mpls_json(stack)).collect();
    fields.insert("mpls".into(), mpls.into());
    let interfaces: Vec<Value> = hop.interfaces.iter().map(extension_json).collect();
    fields.insert("interfaces".into(), interfaces.into());
    fields.insert("verdict".into(), verdict_json(&hop.verdict));
    fields.insert("annotation".into(), hop.annotation.clone().into());
    fields.insert(
        "burst".into(),
        hop.burst.as_ref().map_or(Value::Null, |b| {
            json!({
                "sent": b.sent(),
                "answered": b.answered(),
                "leading": b.leading(),
                "line": hop.burst_line(),
            })
        }),
    );
    Value::Object(fields)
}

/// A hop's verdict; `null` while there is none ([`HopVerdict::Unknown`]).
fn verdict_json(verdict: &HopVerdict) -> Value {
    let (kind, bucket) = match verdict {
        HopVerdict::Unknown => return Value::Null,
        HopVerdict::Clean => ("clean", None),
        HopVerdict::Silent => ("silent", None),
        HopVerdict::RateLimited { bucket, .. } => ("rate_limited", Some(bucket)),
        HopVerdict::Deprioritized { .. } => ("deprioritized", None),
        HopVerdict::ForwardLoss { .. } => ("forward_loss", None),
    };
    json!({
        "kind": kind,
        "line": verdict.line(),
        "burst": bucket.map(|b| b.burst),
        "per_second": bucket.map(|b| b.per_second),
    })
}

/// The wall time of `at`, by the pair of clock reads `clocks`.
fn wall_time(at: Instant, clocks: &Clocks) -> SystemTime {
    let now_wall = clocks.wall();
    let wall = if at >= clocks.now {
        now_wall.checked_add(at - clocks.now)
    } else {
        now_wall.checked_sub(clocks.now - at)
    };
    wall.unwrap_or(now_wall)
}

/// The fields of a `probe` record: one resolved probe (emit it as
/// `lines.emit("probe", probe_json(..))`). `clocks`, read once at the
/// start, turns its send time into wall time.
pub fn probe_json(result: &ProbeResult, clocks: &Clocks) -> Value {
    let answer = result.answer.as_ref();
    json!({
        "round": result.round,
        "ttl": result.ttl,
        "flow": result.flow,
        "sent_at": unix_seconds(wall_time(result.sent_at, clocks)),
        "rtt_ms": answer.map(|a| ms_json(a.rtt)),
        "from": answer.map(|a| a.from.to_string()),
        "outcome": answer.map(|a| match a.outcome {
            Outcome::Hop => "hop",
            Outcome::Reached => "reached",
            Outcome::Unreachable { .. } => "unreachable",
        }),
        "annotation": answer.and_then(|a| a.outcome.annotation()),
    })
}
