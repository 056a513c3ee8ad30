//! IPv4 and IPv6 headers: just what following a tunnel needs (version,
//! length, addresses, the protocol of the payload past IPv6 extension
//! headers), and PIM Register, which IP carries directly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Layer, Next, Step, Stop, be16, gre, udp};

const PROTO_HOP_BY_HOP: u8 = 0;
const PROTO_IPV4: u8 = 4;
const PROTO_UDP: u8 = 17;
const PROTO_IPV6: u8 = 41;
const PROTO_ROUTING: u8 = 43;
const PROTO_FRAGMENT: u8 = 44;
const PROTO_GRE: u8 = 47;
const PROTO_AH: u8 = 51;
const PROTO_DEST_OPTS: u8 = 60;
const PROTO_PIM: u8 = 103;
const PROTO_MPLS_IN_IP: u8 = 137;
/// Most IPv6 extension headers walked before the payload.
const MAX_EXTENSION_HEADERS: usize = 8;

/// The IP packet at the start of `data`, cut to the length its header states
/// when the capture holds that much (a length of 0 — a jumbogram, or IPv4
/// from a TSO capture — keeps everything). Fails when the version is not 4
/// or 6, or not the one the framing announced.
pub(super) fn packet(data: &[u8], expect: Option<u8>) -> Result<&[u8], Stop> {
    let version = data.first().map(|b| b >> 4);
    if !matches!(version, Some(4 | 6)) || expect.is_some_and(|e| Some(e) != version) {
        return Err(Stop::Malformed("not the IP version its framing announced"));
    }
    let stated = if version == Some(4) {
        be16(data, 2).map(usize::from).filter(|&n| n >= 20)
    } else {
        be16(data, 4)
            .filter(|&n| n != 0)
            .map(|n| usize::from(n) + 40)
    };
    Ok(match stated {
        Some(len) if len <= data.len() => &data[..len],
        _ => data,
    })
}

/// An IP header's addresses, the protocol of its payload and the payload.
struct Header<'a> {
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    payload: &'a [u8],
    /// The segment routing header passed on the way, if any.
    srh: Option<Layer>,
}

fn addr<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at + N)?.try_into().ok()
}

/// The header of a whole (unfragmented) packet, or `None` when there is
/// nothing to follow: a fragment, a truncated header (the dissector reports
/// it), too many extension headers.
fn header(packet: &[u8]) -> Option<Header<'_>> {
    if packet.first()? >> 4 == 4 {
        let ihl = usize::from(packet[0] & 0x0f) * 4;
        let fragment = be16(packet, 6)?;
        if ihl < 20 || fragment & 0x3fff != 0 {
            return None;
        }
        return Some(Header {
            src: Ipv4Addr::from(addr::<4>(packet, 12)?).into(),
            dst: Ipv4Addr::from(addr::<4>(packet, 16)?).into(),
            protocol: *packet.get(9)?,
            payload: packet.get(ihl..)?,
            srh: None,
        });
    }
    let mut protocol = *packet.get(6)?;
    let mut at = 40;
    let mut srh = None;
    for _ in 0..MAX_EXTENSION_HEADERS {
        let len = match protocol {
            PROTO_HOP_BY_HOP | PROTO_DEST_OPTS | PROTO_ROUTING => {
                (usize::from(*packet.get(at + 1)?) + 1) * 8
            }
            PROTO_AH => (usize::from(*packet.get(at + 1)?) + 2) * 4,
            PROTO_FRAGMENT => {
                if be16(packet, at + 2)? & 0xfff9 != 0 {
                    return None; // a fragment: offset or more-fragments set
                }
                8
            }
            _ => break,
        };
        if protocol == PROTO_ROUTING && *packet.get(at + 2)? == 4 {
            srh = Some(Layer::SegmentRouting {
                segments_left: *packet.get(at + 3)?,
                segments: packet.get(at + 4)?.wrapping_add(1),
            });
        }
        protocol = *packet.get(at)?;
        at += len;
    }
    Some(Header {
        src: Ipv6Addr::from(addr::<16>(packet, 8)?).into(),
        dst: Ipv6Addr::from(addr::<16>(packet, 24)?).into(),
        protocol,
        payload: packet.get(at..)?,
        srh,
    })
}

/// Follows the payload of the IP packet `packet` when it is a tunnel,
/// adding the IP header (and what it carried) to `path`.
pub(super) fn payload<'a>(packet: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    if !may_carry_tunnel(packet) {
        return Ok(Next::End);
    }
    let Some(h) = header(packet) else {
        return Ok(Next::End);
    };
    if !is_tunnel(h.protocol) {
        return Ok(Next::End);
    }
    if h.protocol == PROTO_UDP && !udp::is_tunnel(h.payload) {
        return Ok(Next::End);
    }
    let outer = if h.src.is_ipv4() { 4 } else { 6 };
    path.push(Layer::Ip {
        src: h.src,
        dst: h.dst,
    });
    path.extend(h.srh);
    match h.protocol {
        PROTO_IPV4 | PROTO_IPV6 => {
            let inner = if h.protocol == PROTO_IPV4 { 4 } else { 6 };
            path.push(Layer::IpInIp { outer, inner });
            Ok(Next::Ip(h.payload, Some(inner)))
        }
        PROTO_GRE => gre::header(h.payload, path),
        PROTO_UDP => udp::tunnel(h.payload, path),
        PROTO_PIM => pim_register(h.payload, path),
        _ => Ok(Next::Mpls(h.payload)),
    }
}

/// Whether the IP packet `packet` may carry a tunnel: false, before any
/// address is read, when the protocol right after the fixed header is
/// neither a tunnel nor an IPv6 extension header (ICMP, say).
pub(super) fn may_carry_tunnel(packet: &[u8]) -> bool {
    let next = match packet.first().map(|b| b >> 4) {
        Some(4) => packet.get(9),
        Some(6) => packet.get(6),
        _ => None,
    };
    next.is_none_or(|&p| is_tunnel(p) || is_extension_header(p))
}

/// Whether an IP payload of `protocol` may be a tunnel the walk follows.
fn is_tunnel(protocol: u8) -> bool {
    matches!(
        protocol,
        PROTO_IPV4 | PROTO_IPV6 | PROTO_GRE | PROTO_UDP | PROTO_PIM | PROTO_MPLS_IN_IP
    )
}

/// Whether `protocol` is an IPv6 extension header the walk steps over.
fn is_extension_header(protocol: u8) -> bool {
    matches!(
        protocol,
        PROTO_HOP_BY_HOP | PROTO_DEST_OPTS | PROTO_ROUTING | PROTO_AH | PROTO_FRAGMENT
    )
}

/// A PIM message: a Register (version 2, type 1) carries an IP packet after
/// its 4-byte header and 4 bytes of flags; other messages end the walk.
fn pim_register<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    if data.first() != Some(&0x21) {
        return Ok(Next::End);
    }
    let (Some(&flags), Some(inner)) = (data.get(4), data.get(8..)) else {
        return Err(Stop::Malformed("PIM Register truncated"));
    };
    path.push(Layer::PimRegister {
        null: flags & 0x40 != 0,
    });
    Ok(Next::Ip(inner, None))
}
