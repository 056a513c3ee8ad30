//! The hop-by-hop trace, printed as traceroute prints it (or as JSON
//! lines), each hop as soon as it and the hops before it are complete.

use std::io::Write;

use anyhow::Result;
use icmpkit_proto::trace::{Hop, ProbeState, Trace, TraceConfig};
use serde_json::json;

use super::Plan;
use super::drive::drive;
use super::io::Probing;
use super::render::{self, Names};

/// Runs a classic trace.
pub fn run(plan: &Plan, mut probing: Probing) -> Result<()> {
    let mut trace = Trace::new(TraceConfig {
        first_ttl: plan.first_ttl,
        max_ttl: plan.max_ttl,
        probes_per_hop: plan.queries,
        in_flight: plan.in_flight,
        wait: plan.wait,
        send_interval: plan.sendwait,
        flow: plan.flow,
        ..TraceConfig::default()
    });
    let mut names = Names::new(plan.numeric);
    let mut out = std::io::stdout().lock();
    if !plan.json {
        writeln!(
            out,
            "traceroute to {} ({}), {} hops max, {} byte packets",
            plan.host, plan.dst, plan.max_ttl, plan.packet_len
        )?;
        out.flush()?;
    }
    let mut hops = 0u32;
    drive(&mut probing, &mut trace, |trace| {
        while let Some(hop) = trace.next_hop() {
            hops += 1;
            if plan.json {
                writeln!(out, "{}", hop_json(plan, &hop, &mut names))?;
            } else {
                write!(out, "{}", hop_text(plan, &hop, &mut names))?;
            }
            out.flush()?;
        }
        Ok(())
    })?;
    if plan.json {
        let counters = trace.counters();
        let summary = json!({
            "type": "summary",
            "destination": plan.dst.to_string(),
            "host": plan.host,
            "method": plan.method.to_string(),
            "paris": plan.paris,
            "flow": plan.flow,
            "reached": trace.final_ttl().is_some(),
            "final_ttl": trace.final_ttl(),
            "hops": hops,
            "probes_sent": counters.sent,
            "answers": counters.answered,
            "duplicates": counters.duplicates,
            "late": counters.late,
            "ignored": probing.ignored,
        });
        writeln!(out, "{summary}")?;
    }
    Ok(())
}

/// One hop as traceroute prints it: ` 3  addr  0.211 ms  addr2  0.3 ms *`,
/// with annotations after times and notes (extensions, rewrites, rate
/// limiting) on indented lines below.
fn hop_text(plan: &Plan, hop: &Hop, names: &mut Names) -> String {
    let mut line = format!("{:2} ", hop.ttl);
    let mut previous = None;
    for probe in &hop.probes {
        match probe {
            ProbeState::Answered(a) => {
                if previous != Some(a.from) {
                    line.push(' ');
                    line.push_str(&names.label(a.from));
                    previous = Some(a.from);
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

fn hop_json(plan: &Plan, hop: &Hop, names: &mut Names) -> serde_json::Value {
    let probes: Vec<_> = hop
        .probes
        .iter()
        .map(|p| {
            let answer = match p {
                ProbeState::Answered(a) => Some(a),
                _ => None,
            };
            render::probe_json(answer, names)
        })
        .collect();
    json!({
        "type": "hop",
        "ttl": hop.ttl,
        "method": plan.method.to_string(),
        "flow": plan.paris.then_some(plan.flow),
        "probes": probes,
        "possibly_rate_limited": hop.possibly_rate_limited,
    })
}
