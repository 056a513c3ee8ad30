//! Multipath discovery: every interface of every hop and the links
//! between them, as text or as one JSON graph, printed when the discovery
//! ends.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;

use icmpkit_proto::trace::{Confidence, MdaGraph, MdaStop, TraceEnd, TracerEvent};
use serde_json::json;

use super::Plan;
use super::labels::Labels;
use super::render::{self, Output};

/// What a multipath discovery prints: the graph at the end.
pub struct MdaRenderer<'a> {
    plan: &'a Plan,
    confidence: Confidence,
    labels: Labels,
    out: Output<'a>,
}

impl<'a> MdaRenderer<'a> {
    /// A renderer for `plan`'s discovery at `confidence`.
    pub fn new(
        plan: &'a Plan,
        confidence: Confidence,
        labels: Labels,
        out: Box<dyn io::Write + 'a>,
    ) -> Self {
        Self {
            plan,
            confidence,
            labels,
            out: Output::new(plan.json, out),
        }
    }

    /// Prints one event.
    pub fn event(&mut self, event: TracerEvent<Infallible, MdaGraph>) -> io::Result<()> {
        match event {
            TracerEvent::Progress(never) => match never {},
            TracerEvent::Finished(end) if self.plan.json => self.json(&end),
            TracerEvent::Finished(end) => {
                let text = self.text(&end);
                self.out.text(|w| w.write_all(text.as_bytes()))
            }
            TracerEvent::Failed(_) => Ok(()),
        }
    }

    fn json(&mut self, end: &TraceEnd<MdaGraph>) -> io::Result<()> {
        let (plan, graph, labels) = (self.plan, &end.summary, &mut self.labels);
        let record = json!({
            "target": plan.host,
            "address": plan.dst.to_string(),
            "method": plan.method.to_string(),
            "confidence": self.confidence.percent(),
            "reached": end.reached,
            "socket": plan.sockets_name(),
            "hops": graph.hops.iter().map(|h| json!({
                "ttl": h.ttl,
                "flows": h.flows,
                "unanswered": h.unanswered,
                "interfaces": h.interfaces.iter().map(|i| json!({
                    "from": i.addr.to_string(),
                    "name": labels.name(i.addr),
                    "asn": labels.asn_json(i.addr),
                    "flows": i.flows,
                    "min_rtt_ms": render::ms_json(i.min_rtt),
                    "avg_rtt_ms": render::ms_json(i.avg_rtt),
                    "max_rtt_ms": render::ms_json(i.max_rtt),
                    "final": i.is_final,
                    "annotation": i.annotation,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "links": graph.links.iter().map(|l| json!({
                "ttl": l.ttl,
                "from": l.from.map(|a| a.to_string()),
                "to": l.to.map(|a| a.to_string()),
            })).collect::<Vec<_>>(),
            "summary": {
                "probes_sent": graph.probes_sent,
                "rounds": graph.rounds,
                "budget_exhausted": graph.budget_exhausted,
                "ignored": end.ignored,
            },
            "stop": stop_json(graph.stop),
        });
        self.out.json("mda", record)
    }

    fn text(&mut self, end: &TraceEnd<MdaGraph>) -> String {
        let graph = &end.summary;
        let (plan, labels) = (self.plan, &mut self.labels);
        let mut out = format!(
            "mda to {} ({}), {}% confidence, {} probes, {} hops max\n",
            plan.host,
            plan.dst,
            self.confidence.percent(),
            plan.method,
            plan.max_ttl
        );
        for hop in &graph.hops {
            let mut line = format!("{:2} ", hop.ttl);
            for i in &hop.interfaces {
                line.push(' ');
                line.push_str(&labels.address(i.addr));
                line.push_str("  ");
                line.push_str(&render::ms(i.min_rtt));
                if let Some(a) = &i.annotation {
                    line.push(' ');
                    line.push_str(a);
                }
            }
            if hop.interfaces.is_empty() || hop.unanswered > 0 {
                line.push_str(" *");
            }
            out.push_str(&line);
            out.push('\n');
        }
        let label = |a: Option<IpAddr>, labels: &mut Labels| {
            a.map_or_else(|| "*".to_owned(), |a| labels.address(a))
        };
        let links = &graph.links;
        if links.iter().any(|l| {
            links
                .iter()
                .filter(|m| m.ttl == l.ttl && m.from == l.from)
                .count()
                > 1
                || links
                    .iter()
                    .filter(|m| m.ttl == l.ttl && m.to == l.to)
                    .count()
                    > 1
        }) {
            out.push_str("links:\n");
            for l in links {
                let (from, to) = (label(l.from, labels), label(l.to, labels));
                let _ = writeln!(out, "{:2}  {from} -> {to}", l.ttl);
            }
        }
        let _ = writeln!(
            out,
            "{} probes in {} rounds",
            graph.probes_sent, graph.rounds
        );
        if graph.budget_exhausted {
            out.push_str(
                "the probe budget ran out: some nodes got fewer flows than the stopping rule asks\n",
            );
        }
        out.push_str(&stop_text(end));
        out.push('\n');
        out
    }
}

/// Why the discovery stopped, in words.
fn stop_text(end: &TraceEnd<MdaGraph>) -> String {
    let graph = &end.summary;
    match graph.stop {
        MdaStop::End { ttl } if end.reached => {
            format!("stopped at hop {ttl}: the destination answered there")
        }
        MdaStop::End { ttl } => {
            let why: Vec<&str> = graph
                .hops
                .iter()
                .filter(|h| h.ttl == ttl)
                .flat_map(|h| &h.interfaces)
                .filter_map(|i| i.annotation.as_deref())
                .collect();
            let why = if why.is_empty() {
                "a final answer".to_owned()
            } else {
                why.join(" ")
            };
            format!(
                "stopped at hop {ttl}: every flow ends there ({why}), the destination not reached"
            )
        }
        MdaStop::Silence { last_ttl, silent } => {
            format!("stopped after hop {last_ttl}: {silent} hops in a row answered nothing")
        }
        MdaStop::MaxTtl { ttl } => {
            format!("stopped at the max TTL, {ttl}, before the destination")
        }
        MdaStop::Budget => "stopped: the probe budget ran out".to_owned(),
        MdaStop::Unfinished => "stopped before the end (interrupted)".to_owned(),
    }
}

/// Why the discovery stopped, for `--json`: `reason` (`end`, `silence`,
/// `max_ttl`, `budget`, `interrupted`), `ttl`, `silent`.
fn stop_json(stop: MdaStop) -> serde_json::Value {
    let (reason, ttl, silent) = match stop {
        MdaStop::End { ttl } => ("end", Some(ttl), None),
        MdaStop::Silence { last_ttl, silent } => ("silence", Some(last_ttl), Some(silent)),
        MdaStop::MaxTtl { ttl } => ("max_ttl", Some(ttl), None),
        MdaStop::Budget => ("budget", None, None),
        MdaStop::Unfinished => ("interrupted", None, None),
    };
    json!({"reason": reason, "ttl": ttl, "silent": silent})
}
