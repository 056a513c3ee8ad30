//! Path MTU walk: each hop with the size that reached it, and where the
//! MTU falls, as text or JSON lines.

use std::io;
use std::net::IpAddr;

use icmpkit_proto::trace::{PmtuEvent, PmtuProgress, PmtuStep, PmtuSummary, TraceEnd, TracerEvent};
use serde_json::json;

use super::Plan;
use super::labels::Labels;
use super::render::{self, Output};

/// What a path MTU walk prints: a header, each MTU change and hop as it
/// comes, and the summary.
pub struct PmtuRenderer<'a> {
    plan: &'a Plan,
    labels: Labels,
    out: Output<'a>,
    /// The hops the destination's answer came back over, once it came.
    back: Option<u8>,
}

impl<'a> PmtuRenderer<'a> {
    /// Prints the header (text only) to `out`.
    pub fn new(plan: &'a Plan, labels: Labels, out: Box<dyn io::Write + 'a>) -> io::Result<Self> {
        let mut out = Output::new(plan.json, out);
        out.text(|w| {
            writeln!(
                w,
                "pmtu to {} ({}), {} hops max, {} probes",
                plan.host,
                plan.shown_dst(),
                plan.max_ttl,
                plan.method
            )
        })?;
        Ok(Self {
            plan,
            labels,
            out,
            back: None,
        })
    }

    /// Prints one event.
    pub fn event(&mut self, event: TracerEvent<PmtuProgress, PmtuSummary>) -> io::Result<()> {
        if let TracerEvent::Progress(PmtuProgress::Step(step)) = &event
            && let Some(a) = step.answer.as_ref().filter(|a| a.reaches(self.plan.dst))
        {
            self.back = self.back.or_else(|| a.back());
        }
        let labels = &mut self.labels;
        match event {
            TracerEvent::Progress(PmtuProgress::Mtu(event)) if self.plan.json => {
                self.out.json("pmtu", event_json(&event))
            }
            TracerEvent::Progress(PmtuProgress::Mtu(event)) => {
                let line = event_text(&event, labels);
                self.out.text(|w| writeln!(w, "{line}"))
            }
            TracerEvent::Progress(PmtuProgress::Step(step)) if self.plan.json => {
                let fields = step_json(&step, self.plan.dst, labels);
                self.out.json("hop", fields)
            }
            TracerEvent::Progress(PmtuProgress::Step(step)) => {
                let line = step_text(&step, self.plan.dst, labels);
                self.out.text(|w| writeln!(w, "{line}"))
            }
            TracerEvent::Finished(end) => self.summary(&end),
            TracerEvent::Failed(_) => Ok(()),
        }
    }

    fn summary(&mut self, end: &TraceEnd<PmtuSummary>) -> io::Result<()> {
        let summary = &end.summary;
        let falls = summary.falls_before_ttl;
        if self.plan.json {
            return self.out.json(
                "summary",
                json!({
                    "target": self.plan.host,
                    "address": self.plan.dst.to_string(),
                    "pmtu": summary.pmtu,
                    "falls_before_ttl": falls,
                    "reached": end.reached,
                    "back": self.back,
                    "socket": self.plan.sockets_name(),
                    "hops": summary.hops,
                    "probes_sent": summary.probes_sent,
                }),
            );
        }
        let place = falls.map_or_else(
            || "at the first link".to_owned(),
            |t| format!("before hop {t}"),
        );
        let back = match self.back {
            Some(hops) if self.plan.back => format!(", back {hops}"),
            _ => String::new(),
        };
        self.out.text(|w| {
            writeln!(
                w,
                "path MTU {} (set {place}), {} hops{back}, {}",
                summary.pmtu,
                summary.hops,
                if end.reached {
                    "destination reached"
                } else {
                    "destination not reached"
                }
            )
        })
    }
}

fn step_text(step: &PmtuStep, dst: IpAddr, labels: &mut Labels) -> String {
    match &step.answer {
        Some(a) => {
            let mut line = format!(
                "{:2}  {}  {}  size {}",
                step.ttl,
                labels.answer(a, step.ttl),
                render::ms(a.rtt),
                step.size
            );
            if a.reaches(dst) {
                line.push_str("  reached");
            } else if let Some(note) = a.outcome.annotation() {
                line.push(' ');
                line.push_str(&note);
            }
            line
        }
        None => format!("{:2}  *", step.ttl),
    }
}

fn event_text(event: &PmtuEvent, labels: &mut Labels) -> String {
    match *event {
        PmtuEvent::Local { mtu, .. } => format!("     pmtu {mtu}: the outgoing interface's MTU"),
        PmtuEvent::TooBig { ttl, from, mtu, .. } => format!(
            "     pmtu {mtu}: {} says the link after it is smaller (the MTU falls before hop {ttl})",
            labels.address(from)
        ),
        PmtuEvent::BlackHole { ttl, mtu } => format!(
            "     pmtu {mtu}: hop {ttl} silently drops larger packets (black hole); {mtu} bytes pass"
        ),
    }
}

fn step_json(step: &PmtuStep, dst: IpAddr, labels: &mut Labels) -> serde_json::Value {
    json!({
        "ttl": step.ttl,
        "size": step.size,
        "probe": render::probe_json(step.answer.as_ref(), dst, labels),
    })
}

fn event_json(event: &PmtuEvent) -> serde_json::Value {
    match *event {
        PmtuEvent::Local { mtu, .. } => json!({"cause": "local", "mtu": mtu}),
        PmtuEvent::TooBig { ttl, from, mtu, .. } => json!({
            "cause": "too_big", "mtu": mtu, "ttl": ttl, "from": from.to_string(),
        }),
        PmtuEvent::BlackHole { ttl, mtu } => json!({
            "cause": "black_hole", "mtu": mtu, "ttl": ttl,
        }),
    }
}
