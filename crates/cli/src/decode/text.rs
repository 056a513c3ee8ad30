//! The text renderer: one line per ICMP packet, in the spirit of tshark's
//! summary line (frame, time column, addresses, message), then a count of what was seen on stderr. A line shows at
//! most [`MAX_LINE_LABELS`] MPLS labels and counts the others. A packet
//! found inside tunnels ends with the path to it (`[via GRE key 5/VLAN 10;
//! outer 203.0.113.1 → 203.0.113.2]`).

use std::fmt::Write as _;
use std::io::{self, Write};

use icmpkit_capture::encap::Layer;
use icmpkit_wire::IpVersion;
use icmpkit_wire::dissect::{ChecksumStatus, Dissection};
use icmpkit_wire::extension::{ChecksumStatus as ExtensionChecksum, MplsLabel};
use icmpkit_wire::meaning;
use icmpkit_wire::quote::{Quote, QuotedTransport};
use serde_json::Value;

use super::{Counts, Packet, Renderer, fields, pairing};
use crate::text::MAX_LINE_LABELS;

#[cfg(test)]
mod tests;

/// Renders text lines.
#[derive(Debug, Default)]
pub struct Text {
    /// The line being written, reused from packet to packet.
    line: String,
}

impl Renderer for Text {
    fn packet(
        &mut self,
        out: &mut dyn Write,
        packet: &Packet<'_>,
        d: &Dissection<'_>,
    ) -> io::Result<()> {
        self.line.clear();
        write_line(&mut self.line, packet, d);
        write_link(&mut self.line, packet.link);
        write_fragments(&mut self.line, packet);
        write_via(&mut self.line, packet.encap);
        self.line.push('\n');
        out.write_all(self.line.as_bytes())
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        counts: &Counts,
        error: Option<&str>,
    ) -> io::Result<()> {
        // The lines first, then the count on stderr.
        out.flush()?;
        let mut s = format!(
            "{} ICMP packets in {} frames ({} malformed, {} with a bad checksum)",
            counts.icmp, counts.frames, counts.malformed, counts.bad_checksum
        );
        if !counts.tunnel_stops.is_empty() {
            let reasons: Vec<String> = counts
                .tunnel_stops
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect();
            let total: u64 = counts.tunnel_stops.values().sum();
            let _ = write!(
                s,
                "; {total} frames not followed to the end of their tunnels ({})",
                reasons.join(", ")
            );
        }
        let r = &counts.reassembly;
        if r.datagrams > 0 {
            let _ = write!(
                s,
                "; {} fragments reassembled into {} {}",
                r.fragments,
                r.datagrams,
                if r.datagrams == 1 {
                    "message"
                } else {
                    "messages"
                }
            );
        }
        if r.incomplete_datagrams > 0 {
            let _ = write!(
                s,
                "; {} {} of {} incomplete {} not shown",
                r.incomplete_fragments,
                if r.incomplete_fragments == 1 {
                    "fragment"
                } else {
                    "fragments"
                },
                r.incomplete_datagrams,
                if r.incomplete_datagrams == 1 {
                    "datagram"
                } else {
                    "datagrams"
                }
            );
        }
        if let Some(error) = error {
            let _ = write!(s, "; stopped early: {error}");
        }
        writeln!(io::stderr(), "{s}")
    }
}

/// Appends the line for one packet (without its tunnels and newline) to `s`.
fn write_line(s: &mut String, packet: &Packet<'_>, d: &Dissection<'_>) {
    let family = match d.version {
        IpVersion::V4 => "ICMP",
        IpVersion::V6 => "ICMPv6",
    };
    let _ = write!(s, "{:>5} ", packet.frame);
    if !packet.time_column.is_empty() {
        s.push_str(packet.time_column);
        s.push(' ');
    }
    fields::push_addr(s, d.src);
    s.push_str(" → ");
    fields::push_addr(s, d.dst);
    let _ = write!(s, " {family} ");
    match (d.msg_type(), d.code()) {
        (Some(t), Some(c)) => {
            let _ = write!(s, "{}", meaning::summary(d.version, t, c));
        }
        (Some(t), None) => {
            let _ = write!(s, "type {t}");
        }
        _ => s.push_str("(no ICMP header)"),
    }
    if let Ok(message) = &d.message {
        for (name, value) in fields::message(message) {
            if name.ends_with("_len") || is_empty(&value) {
                continue;
            }
            let _ = write!(s, " {name}=");
            push_value(s, &value);
        }
    }
    match &d.quote() {
        Some(Ok(q)) => {
            s.push_str(" [");
            push_quote(s, q);
            s.push(']');
        }
        Some(Err(reason)) => {
            let _ = write!(s, " [quote malformed: {reason}]");
        }
        None => {}
    }
    match &d.extension() {
        Some(Ok(ext)) => {
            let ext = fields::extension(ext);
            let count = ext.label_count();
            if count > 0 {
                s.push_str(" [MPLS:");
                for l in ext.labels().take(MAX_LINE_LABELS) {
                    push_label(s, l);
                }
                if count > MAX_LINE_LABELS {
                    let _ = write!(s, " (+{} labels)", count - MAX_LINE_LABELS);
                }
                s.push(']');
            }
            for o in &ext.objects {
                if let fields::ExtensionObject::Described(o) = o {
                    s.push_str(" [");
                    push_value(s, o);
                    s.push(']');
                }
            }
            if let Some(reason) = &ext.malformed {
                let _ = write!(s, " [extension malformed: {reason}]");
            }
            if ext.checksum == ExtensionChecksum::Invalid {
                s.push_str(" [extension checksum bad]");
            }
        }
        Some(Err(reason)) => {
            let _ = write!(s, " [extension malformed: {reason}]");
        }
        None => {}
    }
    match d.checksum_status {
        ChecksumStatus::Invalid => {
            let _ = write!(
                s,
                " [bad checksum 0x{:04x}]",
                d.checksum().unwrap_or_default()
            );
        }
        ChecksumStatus::Unverified if d.truncated && d.message.is_ok() => {
            s.push_str(" [truncated]");
        }
        _ => {}
    }
    for note in d.notes.iter() {
        let _ = write!(s, " [{note}]");
    }
    if let Err(reason) = &d.message {
        let _ = write!(s, " [malformed: {reason}]");
    }
}

/// Appends tshark's ` (request in N)` to a reply, ` (reply in N)` to a
/// request whose reply is known and ` (no response found!)` to one a
/// second pass found unanswered.
fn write_link(s: &mut String, link: pairing::Link) {
    if let Some(request) = link.response_to {
        let _ = write!(s, " (request in {request})");
    }
    if let Some(reply) = link.response_in {
        let _ = write!(s, " (reply in {reply})");
    }
    if link.no_response {
        s.push_str(" (no response found!)");
    }
}

/// The most fragment frames a line lists; it counts the others.
const MAX_LINE_FRAGMENTS: usize = 16;

/// Appends how a reassembled datagram was made, e.g. ` [reassembled from 3
/// fragments: #1 #2 #3; 3028 bytes]`, and what is wrong with its fragments;
/// nothing for a packet that came whole.
fn write_fragments(s: &mut String, packet: &Packet<'_>) {
    if packet.fragments.is_empty() {
        return;
    }
    let _ = write!(
        s,
        " [reassembled from {} fragments:",
        packet.fragments.len()
    );
    for frame in packet.fragments.iter().take(MAX_LINE_FRAGMENTS) {
        let _ = write!(s, " #{frame}");
    }
    if packet.fragments.len() > MAX_LINE_FRAGMENTS {
        let _ = write!(s, " (+{})", packet.fragments.len() - MAX_LINE_FRAGMENTS);
    }
    let _ = write!(s, "; {} bytes]", packet.ip.len());
    if let Some(problem) = packet.reassembly {
        let _ = write!(s, " [malformed, {problem}]");
    }
}

/// Appends the tunnels a packet came through, e.g.
/// ` [via GRE key 5/ERSPAN-II session 100/VLAN 10; outer 203.0.113.1 → 203.0.113.2]`
/// (every outer IP level, outermost first), or nothing for a plain packet.
fn write_via(s: &mut String, path: &[Layer]) {
    if path.is_empty() {
        return;
    }
    let (ips, tunnels): (Vec<&Layer>, Vec<&Layer>) =
        path.iter().partition(|l| matches!(l, Layer::Ip { .. }));
    let tunnels: Vec<String> = tunnels.iter().map(ToString::to_string).collect();
    let _ = write!(s, " [via {}", tunnels.join("/"));
    for (i, l) in ips.iter().enumerate() {
        if let Layer::Ip { src, dst } = l {
            let _ = write!(s, "{}{src} → {dst}", if i == 0 { "; outer " } else { ", " });
        }
    }
    s.push(']');
}

/// Appends ` Lbl L TC T S B TTL N` for one label stack entry.
fn push_label(s: &mut String, l: MplsLabel) {
    let mut buf = [0; 10];
    let mut number = |s: &mut String, n: u32| {
        s.push_str(std::str::from_utf8(fields::decimal(n, &mut buf)).unwrap_or("?"));
    };
    s.push_str(" Lbl ");
    number(s, l.label);
    s.push_str(" TC ");
    number(s, u32::from(l.tc));
    s.push_str(if l.bottom_of_stack {
        " S 1 TTL "
    } else {
        " S 0 TTL "
    });
    number(s, u32::from(l.ttl));
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Appends a JSON value as compact text: strings bare (escaped: they may
/// come off the wire), objects as `k=v` lists.
fn push_value(s: &mut String, v: &Value) {
    match v {
        Value::Null => s.push('-'),
        Value::String(text) => s.push_str(&crate::escape::text(text)),
        Value::Array(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                push_value(s, item);
            }
            s.push(']');
        }
        Value::Object(map) => {
            for (i, (k, v)) in map.iter().filter(|(_, v)| !v.is_null()).enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                if k != "object" && k != "option" {
                    s.push_str(k);
                    s.push('=');
                }
                push_value(s, v);
            }
        }
        Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(s, "{n}");
        }
    }
}

/// Appends the quoted datagram in a few words: protocol, endpoints, TTL, ids.
fn push_quote(s: &mut String, q: &Quote<'_>) {
    let id = q.probe_identity();
    let _ = match q.transport {
        Some(QuotedTransport::Udp {
            src_port, dst_port, ..
        }) => {
            write!(
                s,
                "UDP {}:{src_port} → {}:{dst_port}",
                Bracketed(id.src),
                Bracketed(id.dst)
            )
        }
        Some(QuotedTransport::Tcp {
            src_port,
            dst_port,
            seq_number,
            ..
        }) => write!(
            s,
            "TCP {}:{src_port} → {}:{dst_port} seq={seq_number}",
            Bracketed(id.src),
            Bracketed(id.dst)
        ),
        Some(QuotedTransport::Icmp {
            version,
            msg_type,
            code,
            ident,
            seq_no,
            ..
        }) => write!(
            s,
            "{} {} → {} {} id={ident} seq={seq_no}",
            if version == IpVersion::V4 {
                "ICMP"
            } else {
                "ICMPv6"
            },
            id.src,
            id.dst,
            meaning::summary(version, msg_type, code)
        ),
        Some(QuotedTransport::Other { protocol }) => {
            write!(s, "proto {protocol} {} → {}", id.src, id.dst)
        }
        None => write!(s, "proto {} {} → {}", id.protocol, id.src, id.dst),
    };
    let _ = write!(s, " ttl={}", id.hop_limit);
    if let Some(ip_id) = id.ip_ident {
        let _ = write!(s, " ip_id=0x{ip_id:04x}");
    }
    if q.truncated {
        s.push_str(" (quote truncated)");
    }
}

/// An address as it stands before `:port`: IPv6 in brackets.
struct Bracketed(std::net::IpAddr);

impl std::fmt::Display for Bracketed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            std::net::IpAddr::V4(a) => write!(f, "{a}"),
            std::net::IpAddr::V6(a) => write!(f, "[{a}]"),
        }
    }
}
