//! The JSON renderer: one object per ICMP packet (`"type": "packet"`) and a
//! final `"type": "summary"` object. Numbers are numbers, addresses strings,
//! and a missing value is `null`.

use std::io::{self, Write};

use icmpkit_capture::Timestamp;
use icmpkit_wire::dissect::{ChecksumStatus, Dissection};
use icmpkit_wire::meaning;
use serde_json::{Map, Value, json};

use super::{Counts, Packet, Renderer, fields};
use crate::escape;

/// Renders JSON lines.
#[derive(Debug, Default)]
pub struct Json;

impl Renderer for Json {
    fn packet(
        &mut self,
        out: &mut dyn Write,
        packet: &Packet<'_>,
        d: &Dissection<'_>,
    ) -> io::Result<()> {
        escape::write_json(&mut *out, &object(packet, d))?;
        out.write_all(b"\n")
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

/// The object for one packet.
pub fn object(packet: &Packet<'_>, d: &Dissection<'_>) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
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
    if let Ok(message) = &d.message {
        for (name, value) in fields::message(message) {
            put(name, value);
        }
    }
    put(
        "quote",
        match &d.quote() {
            None => Value::Null,
            Some(Ok(q)) => fields::quote(q),
            Some(Err(reason)) => json!({"malformed": reason.to_string()}),
        },
    );
    let (extension, mpls) = match &d.extension() {
        None => (Value::Null, Vec::new()),
        Some(Ok(ext)) => {
            let ext = fields::extension(ext);
            (
                ext.structure,
                ext.mpls.iter().copied().map(fields::mpls_label).collect(),
            )
        }
        Some(Err(reason)) => (json!({"malformed": reason.to_string()}), Vec::new()),
    };
    put("extension", extension);
    put("mpls", mpls.into());
    m.into()
}
