//! What every trace mode prints the same way: addresses with or without
//! names, extension objects, rewrites, and their JSON.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::Duration;

use icmpkit_proto::trace::{Answer, Extension, Rewrites};
use icmpkit_wire::extension::{InterfaceRole, MplsLabel};
use serde_json::{Value, json};

use super::labels::Labels;
use crate::json_lines::JsonLines;
#[cfg(test)]
use crate::names::Names;
use crate::text::MAX_LINE_LABELS;

/// Where a trace prints (stdout, or a buffer in tests): traceroute-style
/// text, or JSON lines with `--json`; each write is flushed at once.
pub enum Output<'w> {
    /// Text.
    Text(Box<dyn Write + 'w>),
    /// JSON lines.
    Json(JsonLines<Box<dyn Write + 'w>>),
}

impl<'w> Output<'w> {
    /// JSON lines to `out` when `json`, else text.
    pub fn new(json: bool, out: Box<dyn Write + 'w>) -> Self {
        if json {
            Self::Json(JsonLines::new(out))
        } else {
            Self::Text(out)
        }
    }

    /// Writes text (nothing with `--json`).
    pub fn text(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        match self {
            Self::Text(out) => {
                f(out)?;
                out.flush()
            }
            Self::Json(_) => Ok(()),
        }
    }

    /// Writes a JSON-lines record of `record_type` (nothing without
    /// `--json`).
    pub fn json(&mut self, record_type: &str, fields: Value) -> io::Result<()> {
        match self {
            Self::Json(lines) => lines.emit(record_type, fields),
            Self::Text(_) => Ok(()),
        }
    }
}

/// Milliseconds as traceroute prints them.
pub fn ms(rtt: Duration) -> String {
    format!("{:.3} ms", rtt.as_secs_f64() * 1000.0)
}

/// Milliseconds for JSON: a float rounded to the microsecond.
pub fn ms_json(rtt: Duration) -> f64 {
    (rtt.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn role_name(role: InterfaceRole) -> &'static str {
    match role {
        InterfaceRole::IncomingIpInterface => "Incoming interface",
        InterfaceRole::SubIpComponent => "Sub-IP component",
        InterfaceRole::OutgoingIpInterface => "Outgoing interface",
        InterfaceRole::IpNextHop => "Next hop",
    }
}

/// The lines printed under a hop for one extension object.
pub fn extension_lines(extension: &Extension) -> Vec<String> {
    match extension {
        Extension::Mpls(labels) => {
            // A hostile router can stack thousands of labels: the lines
            // stop where decode's do, and count the rest (`--json` lists
            // them all).
            let mut lines: Vec<String> = labels
                .iter()
                .take(MAX_LINE_LABELS)
                .map(|l| {
                    format!(
                        "[MPLS: Lbl {} TC {} S {} TTL {}]",
                        l.label,
                        l.tc,
                        u8::from(l.bottom_of_stack),
                        l.ttl
                    )
                })
                .collect();
            if labels.len() > MAX_LINE_LABELS {
                lines.push(format!(
                    "[MPLS: +{} labels]",
                    labels.len() - MAX_LINE_LABELS
                ));
            }
            lines
        }
        Extension::Interface {
            role,
            ifindex,
            address,
            name,
            mtu,
        } => {
            let mut parts = Vec::new();
            if let Some(i) = ifindex {
                parts.push(format!("index {i}"));
            }
            if let Some(a) = address {
                parts.push(a.to_string());
            }
            if let Some(n) = name {
                parts.push(format!("name {}", crate::escape::quoted(n)));
            }
            if let Some(m) = mtu {
                parts.push(format!("MTU {m}"));
            }
            vec![format!("[{}: {}]", role_name(*role), parts.join(", "))]
        }
        Extension::Other { class, c_type } => {
            vec![format!("[extension object class {class} c-type {c_type}]")]
        }
        Extension::Malformed(why) => vec![format!("[malformed extension: {why}]")],
    }
}

/// The line under a hop telling what a middlebox rewrote, if anything.
pub fn rewrite_line(rewrites: &Rewrites, sent_from: IpAddr) -> Option<String> {
    if !rewrites.any() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(a) = rewrites.src_addr {
        parts.push(format!("source {sent_from} -> {a}"));
    }
    if let Some(p) = rewrites.src_port {
        parts.push(format!("source port/identifier -> {p}"));
    }
    if let Some(c) = rewrites.checksum {
        parts.push(format!("checksum -> {c:#06x}"));
    }
    Some(format!(
        "[NAT: the quoted probe was rewritten: {}]",
        parts.join(", ")
    ))
}

/// An MPLS label stack as JSON: `[{"label", "tc", "s", "ttl"}, ...]`.
pub fn mpls_json(labels: &[MplsLabel]) -> Value {
    labels
        .iter()
        .map(|l| json!({"label": l.label, "tc": l.tc, "s": l.bottom_of_stack, "ttl": l.ttl}))
        .collect()
}

/// An extension object as JSON.
pub fn extension_json(extension: &Extension) -> Value {
    match extension {
        Extension::Mpls(labels) => json!({"type": "mpls", "labels": mpls_json(labels)}),
        Extension::Interface {
            role,
            ifindex,
            address,
            name,
            mtu,
        } => json!({
            "type": "interface",
            "role": role_name(*role),
            "ifindex": ifindex,
            "address": address.map(|a| a.to_string()),
            "name": name,
            "mtu": mtu,
        }),
        Extension::Other { class, c_type } => json!({
            "type": "other", "class": class, "c_type": c_type,
        }),
        Extension::Malformed(why) => json!({"type": "malformed", "reason": why}),
    }
}

/// One probe's answer as JSON, to `dst`: every key there whether it was
/// answered or not (`None`: no answer, every value null). `reached`: this
/// answer is the destination answering ([`Answer::reaches`]), the rule of
/// every summary's `reached`.
pub fn probe_json(answer: Option<&Answer>, dst: IpAddr, labels: &mut Labels) -> Value {
    let Some(a) = answer else {
        return json!({
            "from": null, "name": null, "rtt_ms": null, "annotation": null,
            "asn": null, "final": null, "reached": null, "reply_ttl": null, "back": null,
            "quoted_ttl": null,
            "rewritten": null, "extensions": null,
        });
    };
    let rewrites = &a.rewrites;
    json!({
        "from": a.from.to_string(),
        "name": labels.name(a.from),
        "asn": labels.asn_json(a.from),
        "rtt_ms": ms_json(a.rtt),
        "annotation": a.outcome.annotation(),
        "final": a.outcome.is_final(),
        "reached": a.reaches(dst),
        "reply_ttl": a.reply_ttl,
        "back": a.back(),
        "quoted_ttl": a.quoted_ttl,
        "rewritten": rewrites.any().then(|| json!({
            "src_addr": rewrites.src_addr.map(|s| s.to_string()),
            "src_port": rewrites.src_port,
            "checksum": rewrites.checksum,
        })),
        "extensions": a.extensions.iter().map(extension_json).collect::<Vec<_>>(),
    })
}

/// The lines under a hop for its answers: each distinct extension line and
/// rewrite once, in the order first seen.
pub fn notes<'a>(answers: impl Iterator<Item = &'a Answer>, sent_from: IpAddr) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for a in answers {
        let extra = a.extensions.iter().flat_map(extension_lines);
        for line in extra.chain(rewrite_line(&a.rewrites, sent_from)) {
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use icmpkit_wire::extension::MplsLabel;

    #[test]
    fn extensions_read_as_the_issue_shows_them() {
        let mpls = Extension::Mpls(vec![MplsLabel {
            label: 24001,
            tc: 0,
            bottom_of_stack: true,
            ttl: 1,
        }]);
        assert_eq!(extension_lines(&mpls), ["[MPLS: Lbl 24001 TC 0 S 1 TTL 1]"]);
        let iface = Extension::Interface {
            role: InterfaceRole::IncomingIpInterface,
            ifindex: Some(2),
            address: Some("203.0.113.6".parse().unwrap()),
            name: Some("eth1".into()),
            mtu: Some(1500),
        };
        assert_eq!(
            extension_lines(&iface),
            ["[Incoming interface: index 2, 203.0.113.6, name \"eth1\", MTU 1500]"]
        );
    }

    #[test]
    fn a_stack_of_thousands_of_labels_shows_sixteen_and_counts_the_rest() {
        let label = MplsLabel {
            label: 16,
            tc: 0,
            bottom_of_stack: false,
            ttl: 1,
        };
        let lines = extension_lines(&Extension::Mpls(vec![label; 5000]));
        assert_eq!(lines.len(), MAX_LINE_LABELS + 1);
        assert_eq!(lines[0], "[MPLS: Lbl 16 TC 0 S 0 TTL 1]");
        assert_eq!(lines[MAX_LINE_LABELS], "[MPLS: +4984 labels]");
    }

    #[test]
    fn a_hostile_interface_name_is_escaped_in_text_and_kept_in_json() {
        let name = "\u{1b}]0;owned\u{7}\u{1b}[2J\n\"x\u{202e}";
        let iface = Extension::Interface {
            role: InterfaceRole::IncomingIpInterface,
            ifindex: None,
            address: None,
            name: Some(name.into()),
            mtu: None,
        };
        assert_eq!(
            extension_lines(&iface),
            ["[Incoming interface: name \"\\x1b]0;owned\\x07\\x1b[2J\\x0a\\\"x\\u{202e}\"]"]
        );
        assert_eq!(extension_json(&iface)["name"], name);
    }

    #[test]
    fn numeric_labels_and_milliseconds() {
        let mut names = Names::new(true);
        assert_eq!(names.label("192.0.2.254".parse().unwrap()), "192.0.2.254");
        assert_eq!(ms(Duration::from_micros(211)), "0.211 ms");
        assert!((ms_json(Duration::from_nanos(1_234_567)) - 1.235).abs() < 1e-9);
    }
}
