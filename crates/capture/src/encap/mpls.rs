//! MPLS label stacks (RFC 3032) and the IP packet under them.

use super::{Layer, Next, Step, Stop, be32};

/// Most labels read from one stack.
const MAX_LABELS: usize = 16;
/// The IPv4 and IPv6 explicit null labels.
const IPV4_EXPLICIT_NULL: u32 = 0;
const IPV6_EXPLICIT_NULL: u32 = 2;

/// A label stack down to its bottom-of-stack entry, then an IP packet: the
/// one an explicit null label names, or else the one its version nibble
/// says. Any other payload (a pseudowire, say) ends the walk.
pub(super) fn stack<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let mut labels = Vec::new();
    for i in 0..MAX_LABELS {
        let Some(entry) = be32(data, i * 4) else {
            return Err(Stop::Malformed("MPLS label stack truncated"));
        };
        labels.push(entry >> 12);
        if entry & 0x100 == 0 {
            continue;
        }
        let bottom = entry >> 12;
        path.push(Layer::Mpls { labels });
        let payload = data.get((i + 1) * 4..).unwrap_or_default();
        return Ok(match (bottom, payload.first().map(|b| b >> 4)) {
            (IPV4_EXPLICIT_NULL, _) => Next::Ip(payload, Some(4)),
            (IPV6_EXPLICIT_NULL, _) => Next::Ip(payload, Some(6)),
            (_, Some(v @ (4 | 6))) => Next::Ip(payload, Some(v)),
            _ => Next::End,
        });
    }
    Err(Stop::Malformed("MPLS label stack deeper than 16"))
}
