//! The hop-by-hop trace, printed as traceroute prints it (or as JSON
//! lines), each hop as soon as it and the hops before it are complete.

use std::io;

use icmpkit_proto::trace::{Hop, ProbeState, TraceEnd, TraceSummary, TracerEvent};
use serde_json::json;

use super::Plan;
use super::labels::Labels;
use super::render::{self, Output};

/// What a classic trace prints: a header, each hop as soon as it and the
/// hops before it are complete, and with `--json` a summary.
pub struct ClassicRenderer<'a> {
    plan: &'a Plan,
    labels: Labels,
    out: Output<'a>,
    /// The hops the destination's answer came back over, once it came.
    back: Option<u8>,
}

impl<'a> ClassicRenderer<'a> {
    /// Prints the header (text only) to `out`.
    pub fn new(plan: &'a Plan, labels: Labels, out: Box<dyn io::Write + 'a>) -> io::Result<Self> {
        let mut out = Output::new(plan.json, out);
        out.text(|w| {
            writeln!(
                w,
                "traceroute to {} ({}), {} hops max, {} byte packets",
                plan.host,
                plan.shown_dst(),
                plan.max_ttl,
                plan.packet_len
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
    pub fn event(&mut self, event: TracerEvent<Hop, TraceSummary>) -> io::Result<()> {
        match event {
            TracerEvent::Progress(hop) => {
                let dst = self.plan.dst;
                self.back = self.back.or_else(|| {
                    hop.probes.iter().find_map(|p| match p {
                        ProbeState::Answered(a) if a.reaches(dst) => a.back(),
                        _ => None,
                    })
                });
                if self.plan.json {
                    let fields = hop_json(self.plan, &hop, &mut self.labels);
                    self.out.json("hop", fields)
                } else {
                    let text = hop_text(self.plan, &hop, &mut self.labels);
                    self.out.text(|w| write!(w, "{text}"))
                }
            }
            TracerEvent::Finished(end) => self.summary(&end),
            TracerEvent::Failed(_) => Ok(()),
        }
    }

    fn summary(&mut self, end: &TraceEnd<TraceSummary>) -> io::Result<()> {
        let plan = self.plan;
        let counters = end.summary.counters;
        self.out.json(
            "summary",
            json!({
                "target": plan.host,
                "address": plan.dst.to_string(),
                "method": plan.method.to_string(),
                "paris": plan.paris,
                "flow": plan.flow,
                "reached": end.reached,
                "back": self.back,
                "socket": plan.sockets_name(),
                "final_ttl": end.summary.final_ttl,
                "hops": end.summary.hops,
                "probes_sent": counters.sent,
                "answers": counters.answered,
                "duplicates": counters.duplicates,
                "late": counters.late,
                "ignored": end.ignored,
            }),
        )
    }
}

/// One hop as traceroute prints it: ` 3  addr  0.211 ms  addr2  0.3 ms *`,
/// with annotations after times and notes (extensions, rewrites, rate
/// limiting) on indented lines below.
fn hop_text(plan: &Plan, hop: &Hop, labels: &mut Labels) -> String {
    let mut line = format!("{:2} ", hop.ttl);
    // The address again when it changes, or (--back) its return hops do,
    // as traceroute prints it.
    let mut previous = None;
    for probe in &hop.probes {
        match probe {
            ProbeState::Answered(a) => {
                let this = (a.from, labels.back_of(a).and(a.reply_ttl));
                if previous != Some(this) {
                    line.push(' ');
                    line.push_str(&labels.answer(a, hop.ttl));
                    previous = Some(this);
                }
                line.push_str("  ");
                line.push_str(&render::ms(a.rtt));
                if let Some(note) = a.outcome.annotation() {
                    line.push(' ');
                    line.push_str(&note);
                }
            }
            _ => line.push_str(" *"),
        }
    }
    line.push('\n');
    let answers = hop.probes.iter().filter_map(|p| match p {
        ProbeState::Answered(a) => Some(a),
        _ => None,
    });
    let mut notes = render::notes(answers, plan.src);
    if hop.possibly_rate_limited {
        notes
            .push("[some probes unanswered while later hops answered: ICMP rate limiting?]".into());
    }
    for note in notes {
        line.push_str("     ");
        line.push_str(&note);
        line.push('\n');
    }
    line
}

fn hop_json(plan: &Plan, hop: &Hop, labels: &mut Labels) -> serde_json::Value {
    let probes: Vec<_> = hop
        .probes
        .iter()
        .map(|p| {
            let answer = match p {
                ProbeState::Answered(a) => Some(a),
                _ => None,
            };
            render::probe_json(answer, plan.dst, labels)
        })
        .collect();
    json!({
        "ttl": hop.ttl,
        "method": plan.method.to_string(),
        "flow": plan.paris.then_some(plan.flow),
        "probes": probes,
        "possibly_rate_limited": hop.possibly_rate_limited,
    })
}
