//! Encapsulations followed to the innermost IP packet.
//!
//! [`innermost`] starts at a frame's link layer (or [`from_ip`] at an IP
//! packet) and follows every tunnel it knows: IP-in-IP (4in4, 6in4, 4in6,
//! 6in6, also behind IPv6 extension headers and a segment routing header),
//! GRE (with checksum, key, sequence and source routes) and what GRE
//! carries (ERSPAN I, II and III, transparent Ethernet bridging, MPLS,
//! NHRP's Traffic and Error Indications, to the packet they carry, and in
//! PPTP's enhanced GRE a PPP frame), UDP
//! tunnels (VXLAN on 4789, Geneve on 6081, MPLS-over-UDP on 6635), MPLS in
//! IP, PIM Register, and in Ethernet frames 802.1Q/802.1ad tags, MPLS and
//! integrity-only MACsec. It stops at the first IP packet whose payload is
//! not a tunnel (an ICMP message, say), and returns that packet with the
//! [`Layer`]s it went through.
//!
//! The walk is bounded ([`MAX_LAYERS`]); a truncated or inconsistent tunnel
//! header, too many layers or an encrypted MACsec frame end it with a
//! [`Stop`] reason, and the packet returned is then the last IP packet
//! reached. A frame that enters no tunnel (VLAN tags are framing, not
//! tunnels) and is cut short or mislabelled has no IP packet and no reason,
//! as [`network_layer`] would say. Nothing here panics on any input.

mod ethernet;
mod gre;
mod ip;
mod layer;
mod mpls;
mod nhrp;
mod udp;

#[cfg(test)]
mod tests;

pub use layer::{Layer, Stop};

use crate::ethertypes;
use crate::link::{self, Carried, LinkType, network_layer};

/// Most layers a walk goes through before it stops with [`Stop::TooDeep`].
pub const MAX_LAYERS: usize = 16;

/// Most steps of a walk (a step may add no layer, e.g. from an Ethernet
/// header to its ethertype).
const MAX_STEPS: usize = 4 * MAX_LAYERS;

/// Where a walk found the innermost IP packet, and how.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unwrapped<'a> {
    /// The innermost IP packet reached, cut to the length its header states
    /// when the capture holds that much; `None` when the frame carries no IP
    /// packet that could be found.
    pub ip: Option<&'a [u8]>,
    /// The layers between the link layer and `ip`, outermost first: empty
    /// for a plain IP packet.
    pub path: Vec<Layer>,
    /// Why the walk ended before a packet whose payload is not a tunnel, if
    /// it did.
    pub stop: Option<Stop>,
}

/// What a step of the walk found next.
enum Next<'a> {
    /// An IP packet; the version its framing announced, if any.
    Ip(&'a [u8], Option<u8>),
    /// An Ethernet frame (header included).
    Ethernet(&'a [u8]),
    /// A payload of the given ethertype.
    Ethertype(u16, &'a [u8]),
    /// An MPLS label stack.
    Mpls(&'a [u8]),
    /// An NHRP packet.
    Nhrp(&'a [u8]),
    /// Nothing more to follow.
    End,
}

/// One step: the next thing found, or why the walk stops.
type Step<'a> = Result<Next<'a>, Stop>;

/// The innermost IP packet a frame of `link_type` carries, and the path to
/// it. Ethernet frames are walked from their header (so VLAN tags, MPLS and
/// MACsec are followed); other link types from what their header names:
/// an IP packet, an Ethernet type (Linux cooked captures, Cisco HDLC, IP
/// over InfiniBand: VLAN, MPLS, MACsec or IP) or an MPLS label stack (PPP).
pub fn innermost(link_type: LinkType, data: &[u8]) -> Unwrapped<'_> {
    // The common case, as cheap as it was before tunnels were followed: an
    // untagged frame whose IP packet carries no tunnel.
    if link_type == LinkType::Ethernet {
        if be16(data, 12).is_some_and(|t| t == ethertypes::IPV4 || t == ethertypes::IPV6)
            && let Some(packet) = network_layer(link_type, data)
            && !ip::may_carry_tunnel(packet)
        {
            return plain(packet);
        }
        return from_ethernet(data);
    }
    let Some(carried) = link::carried(link_type, data) else {
        return Unwrapped::default();
    };
    if let Some(packet) = carried.ip_packet()
        && !ip::may_carry_tunnel(packet)
    {
        return plain(packet);
    }
    walk(start(carried))
}

/// Where a walk goes into what a link header (or PPP in PPTP) carries.
fn start(carried: Carried<'_>) -> Next<'_> {
    match carried {
        Carried::Ip(expect, data) => Next::Ip(data, expect.version()),
        Carried::Ethertype(ethertype, data) => Next::Ethertype(ethertype, data),
        Carried::Mpls(data) => Next::Mpls(data),
    }
}

/// A plain IP packet: no layers, no stop.
fn plain(packet: &[u8]) -> Unwrapped<'_> {
    Unwrapped {
        ip: Some(packet),
        ..Unwrapped::default()
    }
}

/// The innermost IP packet inside the IPv4 or IPv6 packet `data`.
pub fn from_ip(data: &[u8]) -> Unwrapped<'_> {
    walk(Next::Ip(data, None))
}

/// The innermost IP packet inside the Ethernet frame `data`.
pub fn from_ethernet(data: &[u8]) -> Unwrapped<'_> {
    walk(Next::Ethernet(data))
}

fn walk(mut next: Next<'_>) -> Unwrapped<'_> {
    let mut out = Unwrapped::default();
    // The path's length when `out.ip` was reached.
    let mut kept = 0;
    let mut steps = 0;
    loop {
        steps += 1;
        if out.path.len() > MAX_LAYERS || steps > MAX_STEPS {
            out.stop = Some(Stop::TooDeep);
            break;
        }
        // Whether a failure of this step is the framing's (a frame that
        // is not the IP packet it announced), not a tunnel's.
        let framing = matches!(next, Next::Ip(..) | Next::Ethernet(_))
            || matches!(next, Next::Ethertype(t, _) if ethernet::is_framing(t));
        let step = match next {
            Next::Ip(data, expect) => match ip::packet(data, expect) {
                Ok(packet) => {
                    out.ip = Some(packet);
                    kept = out.path.len();
                    ip::payload(packet, &mut out.path)
                }
                Err(stop) => Err(stop),
            },
            Next::Ethernet(data) => ethernet::frame(data),
            Next::Ethertype(ethertype, data) => ethernet::ethertype(ethertype, data, &mut out.path),
            Next::Mpls(data) => mpls::stack(data, &mut out.path),
            Next::Nhrp(data) => nhrp::packet(data, &mut out.path),
            Next::End => break,
        };
        match step {
            Ok(n) => next = n,
            Err(stop) => {
                // A plain frame that is cut short or mislabelled is just not
                // an IP packet; only a walk that entered a tunnel stopped.
                if !framing || out.path.iter().any(|l| !matches!(l, Layer::Vlan { .. })) {
                    out.stop = Some(stop);
                }
                break;
            }
        }
    }
    out.path.truncate(kept);
    out
}

/// The big-endian 16-bit value at `at`.
fn be16(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// The big-endian 32-bit value at `at`.
fn be32(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}
