//! The text output of `icmpkit guard`: each finding as a paragraph when it
//! is raised, then the summary tables.

use std::io::{self, Write};

use icmpkit_guard::detect::FactValue;
use icmpkit_guard::observe::Direction;
use icmpkit_guard::traffic::Talker;
use icmpkit_guard::{Finding, Guard};
use icmpkit_wire::IpVersion;
use icmpkit_wire::meaning;

use super::{End, Renderer};
use crate::escape;
use crate::mtr::time::{rfc3339, shown_time};

/// The text renderer.
pub struct Text;

/// `ICMPv4` or `ICMPv6`.
pub(super) fn family(version: IpVersion) -> &'static str {
    match version {
        IpVersion::V4 => "ICMPv4",
        IpVersion::V6 => "ICMPv6",
    }
}

/// A capture time as RFC 3339 in UTC.
pub(super) fn when(seconds: u64) -> String {
    rfc3339(shown_time(i64::try_from(seconds).unwrap_or(i64::MAX)), 0)
}

impl Renderer for Text {
    fn finding(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        let info = f.detection.info();
        writeln!(out, "[{}] {}: {}", f.severity, info.name, info.title)?;
        writeln!(
            out,
            "  frame {} at {}: {} -> {}, {} {}",
            f.frame,
            when(f.time.seconds),
            f.src,
            f.dst,
            family(f.version),
            meaning::summary(f.version, f.msg_type, f.code)
        )?;
        writeln!(out, "  {}", escape::text(&f.explanation))?;
        let e = &f.evidence;
        write!(out, "  evidence: {} packet{}", e.packets, plural(e.packets))?;
        if e.first_frame != f.frame {
            write!(out, " from frame {}", e.first_frame)?;
        }
        if let Some(window) = e.window {
            write!(out, " within {window:.1} s")?;
        }
        if let Some(rate) = e.rate {
            write!(out, " ({rate:.0}/s)")?;
        }
        for fact in &e.facts {
            match &fact.value {
                FactValue::Text(t) => write!(out, ", {} {}", fact.name, escape::text(t))?,
                value => write!(out, ", {} {value}", fact.name)?,
            }
        }
        writeln!(out, "; confidence {}%", f.confidence)?;
        if !info.suricata.is_empty() {
            writeln!(out, "  Suricata: {}", info.suricata.join(", "))?;
        }
        writeln!(out, "  what to do: {}", info.advice)?;
        writeln!(out)
    }

    fn summary(&mut self, out: &mut dyn Write, guard: &mut Guard, end: &End<'_>) -> io::Result<()> {
        let held = guard.held();
        let reassembly = guard.reassembly();
        let t = guard.traffic();
        writeln!(
            out,
            "{} frames, {} ICMP messages ({} bytes) over {:.3} s; {} malformed, {} with a bad checksum",
            t.frames,
            t.messages,
            t.bytes,
            t.duration(),
            t.malformed,
            t.bad_checksum
        )?;
        if reassembly.datagrams + reassembly.incomplete_datagrams > 0 {
            writeln!(
                out,
                "fragments: {} datagrams reassembled from {} fragments, {} incomplete ({} fragments)",
                reassembly.datagrams,
                reassembly.fragments,
                reassembly.incomplete_datagrams,
                reassembly.incomplete_fragments
            )?;
        }
        let directions: Vec<String> = Direction::ALL
            .iter()
            .zip(t.by_direction)
            .filter(|(_, n)| *n > 0)
            .map(|(d, n)| format!("{} {n}", d.name()))
            .collect();
        if !directions.is_empty() {
            writeln!(out, "directions: {}", directions.join(", "))?;
        }
        let echo = &t.echo;
        writeln!(
            out,
            "echo: {} requests, {} replies matched, {} replies without a request seen",
            echo.requests_seen, echo.replies_matched, echo.replies_unmatched
        )?;

        writeln!(out, "\nBy type and code:")?;
        writeln!(
            out,
            "  {:<7} {:>4} {:>4} {:>10} {:>12} {:>8}  message",
            "family", "type", "code", "packets", "bytes", "peak/s"
        )?;
        for (key, stats) in t.by_message() {
            writeln!(
                out,
                "  {:<7} {:>4} {:>4} {:>10} {:>12} {:>8}  {}",
                family(key.version),
                key.msg_type,
                key.code,
                stats.packets,
                stats.bytes,
                stats.peak_per_second,
                meaning::summary(key.version, key.msg_type, key.code)
            )?;
        }
        talkers(out, "Top sources", &t.sources.top(end.top))?;
        talkers(out, "Top destinations", &t.destinations.top(end.top))?;

        writeln!(out, "\nFindings:")?;
        let mut any = false;
        for (detection, tally) in guard.tallies() {
            if tally.raised == 0 {
                continue;
            }
            any = true;
            writeln!(
                out,
                "  {:<7} {:<28} {:>6} raised {:>10} repeats  {}",
                tally.worst.map_or("", |s| s.name()),
                detection.name(),
                tally.raised,
                tally.repeats,
                detection.info().title
            )?;
        }
        if !any {
            writeln!(out, "  none")?;
        }
        writeln!(
            out,
            "\nstate held at the end (bounded): {} echo requests, {} datagrams ({} bytes) in \
             reassembly, {} detector entries",
            held.echo_requests, held.reassembling, held.reassembly_bytes, held.detector_entries
        )?;
        if let Some(c) = end.capture {
            writeln!(
                out,
                "capture: {} packets passed the kernel's filter, {} dropped by the kernel",
                c.packets, c.drops
            )?;
        }
        if let Some(error) = end.error {
            writeln!(out, "capture ends early: {error}")?;
        }
        Ok(())
    }
}

fn talkers(out: &mut dyn Write, title: &str, top: &[Talker]) -> io::Result<()> {
    if top.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title}:")?;
    for t in top {
        // Space-Saving may count an address that replaced another high.
        let approx = if t.error > 0 { "~" } else { "" };
        writeln!(
            out,
            "  {:<39} {:>10} packets {:>12} bytes",
            t.addr.to_string(),
            format!("{approx}{}", t.packets),
            t.bytes
        )?;
    }
    Ok(())
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
