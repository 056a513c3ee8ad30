//! Multipath discovery: every interface of every hop and the links
//! between them, as text or as one JSON graph.

use std::io::Write;

use anyhow::Result;
use icmpkit_proto::trace::{Confidence, Mda, MdaConfig};
use serde_json::json;

use super::Plan;
use super::drive::drive;
use super::io::Probing;
use super::render::{self, Names};

/// Runs a multipath discovery.
pub fn run(plan: &Plan, mut probing: Probing, confidence: Confidence) -> Result<()> {
    let mut mda = Mda::new(MdaConfig {
        first_ttl: plan.first_ttl,
        max_ttl: plan.max_ttl,
        confidence,
        wait: plan.wait,
        ..MdaConfig::default()
    });
    drive(&mut probing, &mut mda, |_| Ok(()))?;
    let mut names = Names::new(plan.numeric);
    let hops = mda.hops();
    let links = mda.links();
    let mut out = std::io::stdout().lock();
    if plan.json {
        let graph = json!({
            "type": "mda",
            "destination": plan.dst.to_string(),
            "host": plan.host,
            "method": plan.method.to_string(),
            "confidence": confidence.percent(),
            "hops": hops.iter().map(|h| json!({
                "ttl": h.ttl,
                "flows": h.flows,
                "unanswered": h.unanswered,
                "interfaces": h.interfaces.iter().map(|i| json!({
                    "addr": i.addr.to_string(),
                    "name": names.name(i.addr),
                    "flows": i.flows,
                    "min_rtt_ms": render::ms_json(i.min_rtt),
                    "final": i.is_final,
                    "annotation": i.annotation,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "links": links.iter().map(|l| json!({
                "ttl": l.ttl,
                "from": l.from.map(|a| a.to_string()),
                "to": l.to.map(|a| a.to_string()),
            })).collect::<Vec<_>>(),
            "summary": {
                "probes_sent": mda.probes_sent(),
                "rounds": mda.rounds(),
                "budget_exhausted": mda.budget_exhausted(),
                "ignored": probing.ignored,
            },
        });
        writeln!(out, "{graph}")?;
        return Ok(());
    }
    writeln!(
        out,
        "mda to {} ({}), {}% confidence, {} probes, {} hops max",
        plan.host,
        plan.dst,
        confidence.percent(),
        plan.method,
        plan.max_ttl
    )?;
    for hop in &hops {
        let mut line = format!("{:2} ", hop.ttl);
        for i in &hop.interfaces {
            line.push(' ');
            line.push_str(&names.label(i.addr));
            if let Some(a) = &i.annotation {
                line.push(' ');
                line.push_str(a);
            }
        }
        if hop.interfaces.is_empty() || hop.unanswered > 0 {
            line.push_str(" *");
        }
        writeln!(out, "{line}")?;
    }
    let label = |a: Option<std::net::IpAddr>, names: &mut Names| {
        a.map_or_else(|| "*".to_owned(), |a| names.label(a))
    };
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
        writeln!(out, "links:")?;
        for l in &links {
            writeln!(
                out,
                "{:2}  {} -> {}",
                l.ttl,
                label(l.from, &mut names),
                label(l.to, &mut names)
            )?;
        }
    }
    writeln!(
        out,
        "{} probes in {} rounds",
        mda.probes_sent(),
        mda.rounds()
    )?;
    if mda.budget_exhausted() {
        writeln!(
            out,
            "the probe budget ran out: some nodes got fewer flows than the stopping rule asks"
        )?;
    }
    Ok(())
}
