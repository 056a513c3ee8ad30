//! UDP tunnels, by port: VXLAN (4789), Geneve (6081) and MPLS-over-UDP
//! (6635, RFC 7510).

use super::ethernet;
use super::{Layer, Next, Step, Stop, be16, be32};

const VXLAN: u16 = 4789;
const GENEVE: u16 = 6081;
const MPLS: u16 = 6635;
const UDP_HEADER_LEN: usize = 8;

/// The tunnel port of a datagram between `src_port` and `dst_port`, if
/// either is one: as tshark picks a UDP port, the lower first, so a
/// datagram from port 4789 is VXLAN too.
pub(super) fn tunnel_port(src_port: u16, dst_port: u16) -> Option<u16> {
    let is_tunnel = |port: &u16| matches!(port, &(VXLAN | GENEVE | MPLS));
    let (low, high) = (src_port.min(dst_port), src_port.max(dst_port));
    [low, high].into_iter().find(is_tunnel)
}

/// Whether the UDP datagram `data` is from or to a tunnel's port.
pub(super) fn is_tunnel(data: &[u8]) -> bool {
    matches!((be16(data, 0), be16(data, 2)), (Some(src), Some(dst)) if tunnel_port(src, dst).is_some())
}

/// A UDP datagram from or to a tunnel port, and the tunnel header after it.
pub(super) fn tunnel<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let (Some(src_port), Some(dst_port), Some(payload)) =
        (be16(data, 0), be16(data, 2), data.get(UDP_HEADER_LEN..))
    else {
        return Err(Stop::Malformed("UDP header truncated"));
    };
    path.push(Layer::Udp { src_port, dst_port });
    match tunnel_port(src_port, dst_port) {
        Some(VXLAN) => vxlan(payload, path),
        Some(GENEVE) => geneve(payload, path),
        Some(_) => Ok(Next::Mpls(payload)),
        None => Ok(Next::End),
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
    ethernet::ethertype(protocol, payload, path)
}
