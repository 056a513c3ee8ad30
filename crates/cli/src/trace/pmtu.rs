//! Path MTU walk: each hop with the size that reached it, and where the
//! MTU falls, as text or JSON lines.

use std::io::Write;

use anyhow::Result;
use icmpkit_proto::trace::{Pmtu, PmtuConfig, PmtuEvent, PmtuStep};
use serde_json::json;

use super::Plan;
use super::drive::drive;
use super::io::Probing;
use super::render::{self, Names};

/// Runs a path MTU walk.
pub fn run(plan: &Plan, mut probing: Probing) -> Result<()> {
    let small = if plan.dst.is_ipv4() { 68 } else { 1280 };
    let mut walk = Pmtu::new(PmtuConfig {
        first_ttl: plan.first_ttl,
        max_ttl: plan.max_ttl,
        // Larger than any interface: the local error names the real MTU.
        initial_size: 65_000,
        small_size: small.max(probing.ip_header_len() + plan.method.min_len()),
        wait: plan.wait.max.min(std::time::Duration::from_secs(2)),
        tries: 2,
        flow: plan.flow,
    });
    let mut names = Names::new(plan.numeric);
    let mut out = std::io::stdout().lock();
    if !plan.json {
        writeln!(
            out,
            "pmtu to {} ({}), {} hops max, {} probes",
            plan.host, plan.dst, plan.max_ttl, plan.method
        )?;
    }
    let (mut steps_shown, mut events_shown) = (0, 0);
    drive(&mut probing, &mut walk, |walk| {
        for event in &walk.events()[events_shown..] {
            if plan.json {
                writeln!(out, "{}", event_json(event))?;
            } else {
                writeln!(out, "{}", event_text(event, &mut names))?;
            }
        }
        events_shown = walk.events().len();
        for step in &walk.steps()[steps_shown..] {
            if plan.json {
                writeln!(out, "{}", step_json(step, &mut names))?;
            } else {
                writeln!(out, "{}", step_text(step, &mut names))?;
            }
        }
        steps_shown = walk.steps().len();
        out.flush()?;
        Ok(())
    })?;
    let reached = walk
        .steps()
        .last()
        .and_then(|s| s.answer.as_ref())
        .is_some_and(|a| a.outcome.is_final() && a.from == plan.dst);
    let falls = walk.events().iter().rev().find_map(|e| match e {
        PmtuEvent::TooBig { ttl, .. } | PmtuEvent::BlackHole { ttl, .. } => Some(*ttl),
        PmtuEvent::Local { .. } => None,
    });
    if plan.json {
        let summary = json!({
            "type": "summary",
            "destination": plan.dst.to_string(),
            "pmtu": walk.pmtu(),
            "falls_before_ttl": falls,
            "reached": reached,
            "hops": walk.steps().len(),
            "probes_sent": walk.probes_sent(),
        });
        writeln!(out, "{summary}")?;
    } else {
        let place = falls.map_or_else(
            || "at the first link".to_owned(),
            |t| format!("before hop {t}"),
        );
        writeln!(
            out,
            "path MTU {} (set {place}), {} hops, {}",
            walk.pmtu(),
            walk.steps().len(),
            if reached {
                "destination reached"
            } else {
                "destination not reached"
            }
        )?;
    }
    Ok(())
}

fn step_text(step: &PmtuStep, names: &mut Names) -> String {
    match &step.answer {
        Some(a) => {
            let mut line = format!(
                "{:2}  {}  {}  size {}",
                step.ttl,
                names.label(a.from),
                render::ms(a.rtt),
                step.size
            );
            if a.outcome.is_final() && a.outcome.annotation().is_none() {
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

fn event_text(event: &PmtuEvent, names: &mut Names) -> String {
    match *event {
        PmtuEvent::Local { mtu } => format!("     pmtu {mtu}: the outgoing interface's MTU"),
        PmtuEvent::TooBig { ttl, from, mtu } => format!(
            "     pmtu {mtu}: {} says the link after it is smaller (the MTU falls before hop {ttl})",
            names.label(from)
        ),
        PmtuEvent::BlackHole { ttl, mtu } => format!(
            "     pmtu {mtu}: hop {ttl} silently drops larger packets (black hole); {mtu} bytes pass"
        ),
    }
}

fn step_json(step: &PmtuStep, names: &mut Names) -> serde_json::Value {
    json!({
        "type": "hop",
        "ttl": step.ttl,
        "size": step.size,
        "probe": render::probe_json(step.answer.as_ref(), names),
    })
}

fn event_json(event: &PmtuEvent) -> serde_json::Value {
    match *event {
        PmtuEvent::Local { mtu } => json!({"type": "pmtu", "cause": "local", "mtu": mtu}),
        PmtuEvent::TooBig { ttl, from, mtu } => json!({
            "type": "pmtu", "cause": "too_big", "mtu": mtu, "ttl": ttl, "from": from.to_string(),
        }),
        PmtuEvent::BlackHole { ttl, mtu } => json!({
            "type": "pmtu", "cause": "black_hole", "mtu": mtu, "ttl": ttl,
        }),
    }
}
