//! MPLS label stacks (RFC 3032) and the IP packet under them.

use super::{Layer, Next, Step, Stop};

/// Most labels kept from one stack (the rest are counted).
pub(super) const MAX_LABELS: usize = 16;
/// The IPv4 and IPv6 explicit null labels.
const IPV4_EXPLICIT_NULL: u32 = 0;
const IPV6_EXPLICIT_NULL: u32 = 2;

/// A label stack down to its bottom-of-stack entry, however deep (tshark
/// reads them all; the data bounds it), then an IP packet: the one an
/// explicit null label names, or else the one its version nibble says. Any
/// other payload (a pseudowire, say) ends the walk. The layer keeps the
/// first [`MAX_LABELS`] labels and counts the others.
pub(super) fn stack<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let mut labels = Vec::new();
    let mut omitted: u32 = 0;
    for (i, entry) in data.chunks_exact(4).enumerate() {
        let entry = u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let label = entry >> 12;
        if labels.len() < MAX_LABELS {
            labels.push(label);
        } else {
            omitted = omitted.saturating_add(1);
        }
        if entry & 0x100 == 0 {
            continue;
        }
        path.push(Layer::Mpls { labels, omitted });
        let payload = data.get((i + 1) * 4..).unwrap_or_default();
        return Ok(match (label, payload.first().map(|b| b >> 4)) {
            (IPV4_EXPLICIT_NULL, _) => Next::Ip(payload, Some(4)),
            (IPV6_EXPLICIT_NULL, _) => Next::Ip(payload, Some(6)),
            (_, Some(v @ (4 | 6))) => Next::Ip(payload, Some(v)),
            _ => Next::End,
        });
    }
    Err(Stop::Malformed("MPLS label stack truncated"))
}
