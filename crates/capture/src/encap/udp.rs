//! UDP tunnels, by destination port: VXLAN (4789), Geneve (6081) and
//! MPLS-over-UDP (6635, RFC 7510).

use super::ethernet::{self, ETHERTYPE_BRIDGED};
use super::{Layer, Next, Step, Stop, be16, be32};

const VXLAN: u16 = 4789;
const GENEVE: u16 = 6081;
const MPLS: u16 = 6635;
const UDP_HEADER_LEN: usize = 8;

/// Whether the UDP datagram `data` goes to a tunnel's port.
pub(super) fn is_tunnel(data: &[u8]) -> bool {
    matches!(be16(data, 2), Some(VXLAN | GENEVE | MPLS))
}

/// A UDP datagram to a tunnel port, and the tunnel header after it.
pub(super) fn tunnel<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let (Some(src_port), Some(dst_port), Some(payload)) =
        (be16(data, 0), be16(data, 2), data.get(UDP_HEADER_LEN..))
    else {
        return Err(Stop::Malformed("UDP header truncated"));
    };
    path.push(Layer::Udp { src_port, dst_port });
    match dst_port {
        VXLAN => vxlan(payload, path),
        GENEVE => geneve(payload, path),
        _ => Ok(Next::Mpls(payload)),
    }
}

/// VXLAN: 8 bytes (flags, VNI), then an Ethernet frame.
fn vxlan<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let (Some(word), Some(frame)) = (be32(data, 4), data.get(8..)) else {
        return Err(Stop::Malformed("VXLAN header truncated"));
    };
    path.push(Layer::Vxlan { vni: word >> 8 });
    Ok(Next::Ethernet(frame))
}

/// Geneve: 8 bytes (version, options length, protocol type, VNI), the
/// options, then the payload of that protocol type. The payload starts
/// where the fixed header's options length says, whatever the options
/// claim (tshark reads it there too): options are only counted, as many as
/// start inside the options.
fn geneve<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    const TRUNCATED: Stop = Stop::Malformed("Geneve header truncated");
    let (Some(&first), Some(protocol), Some(word)) = (data.first(), be16(data, 2), be32(data, 4))
    else {
        return Err(TRUNCATED);
    };
    if first >> 6 != 0 {
        return Ok(Next::End); // an unknown version
    }
    let end = 8 + usize::from(first & 0x3f) * 4;
    let (Some(options), Some(payload)) = (data.get(8..end), data.get(end..)) else {
        return Err(TRUNCATED);
    };
    let mut count: u8 = 0;
    let mut at = 0;
    while at < options.len() {
        let len = options.get(at + 3).map_or(0, |b| b & 0x1f);
        at += 4 + usize::from(len) * 4;
        count = count.saturating_add(1);
    }
    path.push(Layer::Geneve {
        vni: word >> 8,
        protocol,
        options: count,
    });
    match protocol {
        ETHERTYPE_BRIDGED => Ok(Next::Ethernet(payload)),
        other => ethernet::ethertype(other, payload, path),
    }
}
