//! The JSON renderer: one object per ICMP packet (`"type": "packet"`) and a
//! final `"type": "summary"` object. Numbers are numbers, addresses strings,
//! and a missing value is `null`.
//!
//! Every packet object also carries two lists, empty when there is nothing
//! to say:
//!
//! - `notes`: strings, each a sentence on how the IP layer was read
//!   otherwise than its header fields say: an IPv4 total length of 0
//!   replaced by the captured length, a jumbogram's length from its Jumbo
//!   Payload option, the final destination of a routing header over which
//!   the ICMPv6 checksum was verified, or a rule the IP layer breaks that
//!   was read past as tshark reads it (such a note starts `"malformed, "`;
//!   `malformed` stays `null`, for the message was read, but the summary
//!   counts the packet malformed), among them IPv4 options the Linux
//!   kernel refuses, with the pointer of the Parameter Problem it answers
//!   (`"malformed, IPv4 Timestamp option: length 2 is below 4 (Linux
//!   answers Parameter Problem, pointer 21)"`), and what is wrong with the
//!   fragments of a reassembled datagram (`"malformed, fragments overlap
//!   ..."`).
//! - `response_to`, `response_in`: for an echo or extended echo reply,
//!   the frame of its request; for a request, the frame of its first reply
//!   (known only with `--two-pass`, as tshark's `icmp.resp_in` with `-2`);
//!   else `null`. `no_response`: `true` for a request a second pass found
//!   no reply to (tshark's `icmp.no_resp`), else `false`.
//! - `fragments`: for a datagram reassembled from fragments (shown at the
//!   frame that completed it, `length` its whole length), the frame numbers
//!   of its fragments in the order they came, the last being `frame`.
//! - `mpls`: every label of the extension's MPLS label stack objects
//!   (RFC 4950), in order, each `{"label", "tc", "s", "ttl"}`.
//!
//! A packet found inside tunnels has `src`/`dst` of the innermost IP packet
//! and the path to it in two lists, both empty for a plain packet:
//!
//! - `encap`: the tunnel layers, outermost first, each `{"proto": ...}` with
//!   its fields: `gre` (`version`: 0, or 1 for PPTP's enhanced GRE;
//!   `protocol`, `checksum`, `key`, `sequence`, `call_id`: PPTP's; `null`
//!   when absent), `erspan` (`version`: the ERSPAN type 1, 2 or 3;
//!   `session`, `vlan`, `platform`: the type III platform id), `udp`
//!   (`src_port`, `dst_port`), `vxlan` (`vni`), `geneve` (`vni`,
//!   `protocol`, `options`: how many), `mpls` (`labels`, top first, at most 16;
//!   `omitted`: how many more a deeper stack has), `vlan`
//!   (`tpid`, `id`, `pcp`), `macsec` (`an`, `pn`, `sci`: 16 hex digits or
//!   `null`), `pim-register` (`null`: the Null-Register bit), `nhrp`
//!   (`op`: the operation type, 8 a Traffic Indication, 7 an Error
//!   Indication, whose packet in error follows as another `nhrp`;
//!   `protocol`: the fixed header's protocol type; `error`: an Error
//!   Indication's code, else `null`), `srh`
//!   (`segments_left`, `segments`), and IP in IP as `ipip`, `6in4`, `4in6`
//!   or `6in6`.
//! - `outer`: the IP headers that carried them, outermost first, each
//!   `{"version", "src", "dst"}`.
//!
//! The summary counts `frames`, `icmp`, `malformed` and `bad_checksum`
//! packets; `reassembly`: `{"datagrams", "fragments"}` reassembled (the
//! fragments, the shown last ones included, are counted in `frames` but
//! are not packets of their own) and `{"incomplete_datagrams",
//! "incomplete_fragments"}` never completed (not shown: timed out, given up
//! for the bounds, or cut off by the end of the capture); and in
//! `tunnel_stops` the frames whose tunnels could not be
//! followed to the end, by reason (`{"MACsec encrypted": 2}`); `error` is
//! the reason a damaged capture stopped the run, else `null`.

use std::io::{self, Write};

use icmpkit_capture::Timestamp;
use icmpkit_wire::dissect::{ChecksumStatus, Dissection};
use icmpkit_wire::extension::MplsLabel;
use icmpkit_wire::meaning;
use serde_json::{Value, json};

use super::fields::{self, Fields};
use super::{Counts, Packet, Renderer};
use crate::escape;

#[cfg(test)]
mod tests;

/// Renders JSON lines.
#[derive(Debug, Default)]
pub struct Json {
    /// The line being written, reused from packet to packet.
    line: Vec<u8>,
}

impl Renderer for Json {
    fn packet(
        &mut self,
        out: &mut dyn Write,
        packet: &Packet<'_>,
        d: &Dissection<'_>,
    ) -> io::Result<()> {
        self.line.clear();
        write_packet(&mut self.line, packet, d)?;
        self.line.push(b'\n');
        out.write_all(&self.line)
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        counts: &Counts,
        error: Option<&str>,
    ) -> io::Result<()> {
        let summary = json!({
            "type": "summary",
            "frames": counts.frames,
            "icmp": counts.icmp,
            "malformed": counts.malformed,
            "bad_checksum": counts.bad_checksum,
            "reassembly": {
                "datagrams": counts.reassembly.datagrams,
                "fragments": counts.reassembly.fragments,
                "incomplete_datagrams": counts.reassembly.incomplete_datagrams,
                "incomplete_fragments": counts.reassembly.incomplete_fragments,
            },
            "tunnel_stops": counts.tunnel_stops,
            "error": error,
        });
        escape::write_json(&mut *out, &summary)?;
        out.write_all(b"\n")
    }
}

/// A capture time as seconds since the epoch.
#[allow(clippy::cast_precision_loss)] // exact to the microsecond until the year 2255
fn seconds(t: Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanoseconds) / 1e9
}

/// The members of the object for one packet, in order, but for `quote`,
/// `extension` and `mpls` (see [`write_icmp`]). A list, not a `Map`: the
/// names are fixed and distinct, and hashing them for every packet cost
/// more than writing the packet.
fn object(packet: &Packet<'_>, d: &Dissection<'_>) -> Fields {
    let mut m = Fields::with_capacity(32);
    let mut put = |k: &'static str, v: Value| {
        debug_assert!(m.iter().all(|(name, _)| *name != k), "{k} twice");
        m.push((k, v));
    };
    put("type", "packet".into());
    put("frame", packet.frame.into());
    put(
        "time",
        packet.time.map_or(Value::Null, |t| json!(seconds(t))),
    );
    put("version", d.version.number().into());
    put("src", fields::addr(d.src));
    put("dst", fields::addr(d.dst));
    put("ttl", d.hop_limit.into());
    put("length", packet.ip.len().into());
    put("icmp_type", d.msg_type().into());
    put("icmp_code", d.code().into());
    let type_info = d.msg_type().and_then(|t| meaning::type_info(d.version, t));
    let code_info = d
        .msg_type()
        .zip(d.code())
        .and_then(|(t, c)| meaning::code_info(d.version, t, c));
    put("type_name", type_info.map(|i| i.short).into());
    put("code_name", code_info.map(|i| i.short).into());
    put("checksum", d.checksum().into());
    put(
        "checksum_valid",
        match d.checksum_status {
            ChecksumStatus::Valid => true.into(),
            ChecksumStatus::Invalid => false.into(),
            ChecksumStatus::Unverified => Value::Null,
        },
    );
    put("truncated", d.truncated.into());
    put(
        "malformed",
        match &d.message {
            Ok(_) => Value::Null,
            Err(reason) => reason.to_string().into(),
        },
    );
    let reassembly = packet
        .reassembly
        .map(|problem| format!("malformed, {problem}").into());
    put(
        "notes",
        Value::Array(
            d.notes
                .iter()
                .map(|n| n.to_string().into())
                .chain(reassembly)
                .collect(),
        ),
    );
    put(
        "fragments",
        Value::Array(packet.fragments.iter().map(|&f| f.into()).collect()),
    );
    put("response_to", packet.link.response_to.into());
    put("response_in", packet.link.response_in.into());
    put("no_response", packet.link.no_response.into());
    if let Ok(message) = &d.message {
        for (name, value) in fields::message(message) {
            put(name, value);
        }
    }
    m
}

/// Writes members as a JSON object. Their names are Rust identifiers,
/// which need no escaping.
fn write_object(line: &mut Vec<u8>, members: &Fields) -> io::Result<()> {
    line.push(b'{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        line.push(b'"');
        line.extend_from_slice(name.as_bytes());
        line.extend_from_slice(b"\":");
        escape::write_json(&mut *line, value)?;
    }
    line.push(b'}');
    Ok(())
}

/// Writes the object for one packet: [`object`], then `extension` and
/// `mpls`, whose label stacks are written straight from the packet's bytes
/// (a hostile extension holds thousands of labels; a `Value` for each
/// would cost more than the rest of the packet), then `encap` and `outer`.
fn write_packet(line: &mut Vec<u8>, packet: &Packet<'_>, d: &Dissection<'_>) -> io::Result<()> {
    write_icmp(line, packet, d)?;
    // Continue the object before its closing brace.
    line.pop();
    if packet.encap.is_empty() {
        line.extend_from_slice(b",\"encap\":[],\"outer\":[]}");
        return Ok(());
    }
    line.extend_from_slice(b",\"encap\":");
    escape::write_json(&mut *line, &fields::encap(packet.encap))?;
    line.extend_from_slice(b",\"outer\":");
    escape::write_json(&mut *line, &fields::outer(packet.encap))?;
    line.push(b'}');
    Ok(())
}

/// Writes [`object`], `quote`, `extension` and `mpls`.
fn write_icmp(line: &mut Vec<u8>, packet: &Packet<'_>, d: &Dissection<'_>) -> io::Result<()> {
    write_object(line, &object(packet, d))?;
    // `object` always has members: continue it before its closing brace.
    line.pop();
    line.extend_from_slice(b",\"quote\":");
    match &d.quote() {
        None => line.extend_from_slice(b"null"),
        Some(Ok(q)) => write_object(line, &fields::quote(q))?,
        Some(Err(reason)) => {
            escape::write_json(&mut *line, &json!({"malformed": reason.to_string()}))?;
        }
    }
    line.extend_from_slice(b",\"extension\":");
    match &d.extension() {
        None => line.extend_from_slice(b"null,\"mpls\":[]}"),
        Some(Err(reason)) => {
            escape::write_json(&mut *line, &json!({"malformed": reason.to_string()}))?;
            line.extend_from_slice(b",\"mpls\":[]}");
        }
        Some(Ok(ext)) => {
            let ext = fields::extension(ext);
            write!(line, "{{\"checksum\":\"{}\",\"objects\":[", ext.checksum)?;
            // Where each stack's labels went, to write them again under
            // `mpls` by copying.
            let mut stacks = Vec::new();
            for (i, o) in ext.objects.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                match o {
                    fields::ExtensionObject::Mpls(stack) => {
                        line.extend_from_slice(b"{\"object\":\"mpls\",\"labels\":[");
                        let start = line.len();
                        write_labels(line, stack.labels());
                        stacks.push(start..line.len());
                        line.extend_from_slice(b"]}");
                    }
                    fields::ExtensionObject::Described(o) => escape::write_json(&mut *line, o)?,
                }
            }
            line.extend_from_slice(b"],\"malformed\":");
            escape::write_json(&mut *line, &ext.malformed.into())?;
            line.extend_from_slice(b"},\"mpls\":[");
            for (i, stack) in stacks.into_iter().filter(|r| !r.is_empty()).enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                line.extend_from_within(stack);
            }
            line.extend_from_slice(b"]}");
        }
    }
    Ok(())
}

/// Writes label stack entries as `{label, tc, s, ttl}` objects separated by
/// commas (the inside of a JSON array).
fn write_labels(line: &mut Vec<u8>, labels: impl Iterator<Item = MplsLabel>) {
    let mut buf = [0; 10];
    for (i, l) in labels.enumerate() {
        line.extend_from_slice(if i == 0 {
            b"{\"label\":"
        } else {
            b",{\"label\":"
        });
        line.extend_from_slice(fields::decimal(l.label, &mut buf));
        line.extend_from_slice(b",\"tc\":");
        line.extend_from_slice(fields::decimal(u32::from(l.tc), &mut buf));
        line.extend_from_slice(if l.bottom_of_stack {
            b",\"s\":1,\"ttl\":"
        } else {
            b",\"s\":0,\"ttl\":"
        });
        line.extend_from_slice(fields::decimal(u32::from(l.ttl), &mut buf));
        line.push(b'}');
    }
}
