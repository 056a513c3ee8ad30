//! IP packets as the network handles them: the header fields it reads,
//! headers it writes, the hop limit a router lowers (public for the
//! in-process attachment, `icmpkit_driver::sim`, which writes and reads
//! the local host's headers with them).

use std::net::IpAddr;

use icmpkit_wire::ip::protocol;
use icmpkit_wire::{ipv4, ipv6};

/// The fields of an IP header the simulation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Its source address.
    pub src: IpAddr,
    /// Its destination address.
    pub dst: IpAddr,
    /// The protocol (IPv4), or the upper layer behind the IPv6 extension
    /// headers (44, the Fragment header, for an IPv6 fragment).
    pub protocol: u8,
    /// The TTL or hop limit.
    pub hop_limit: u8,
    /// Whether it may not be fragmented (always for IPv6).
    pub dont_frag: bool,
    /// The IPv6 flow label (0 for IPv4).
    pub flow_label: u32,
    /// Where its upper layer's header starts.
    pub transport_at: usize,
}

impl Header {
    /// Reads the header of a packet the simulation built (`None` for
    /// anything unreadable, which the simulation then drops).
    pub fn parse(packet: &[u8]) -> Option<Self> {
        match packet.first()? >> 4 {
            4 => {
                let view = ipv4::Packet::new_checked(packet).ok()?;
                Some(Self {
                    src: view.src_addr().into(),
                    dst: view.dst_addr().into(),
                    protocol: view.protocol(),
                    hop_limit: view.ttl(),
                    dont_frag: view.dont_frag(),
                    flow_label: 0,
                    transport_at: view.header_len(),
                })
            }
            6 => {
                let view = ipv6::Packet::new_checked(packet).ok()?;
                // The upper layer behind any extension headers (Linux's
                // hosts answer through them); a fragment is read as its
                // Fragment header, which holds no ports.
                let first = view.next_header();
                let payload = packet.get(ipv6::HEADER_LEN..).unwrap_or(&[]);
                let (protocol, transport_at) = match ipv6::walk_extensions_lax(first, payload) {
                    Ok(upper) if upper.complete && upper.fragment.is_none() => {
                        (upper.protocol, ipv6::HEADER_LEN + upper.offset)
                    }
                    Ok(upper) if upper.fragment.is_some() => (protocol::FRAGMENT, ipv6::HEADER_LEN),
                    _ => (first, ipv6::HEADER_LEN),
                };
                Some(Self {
                    src: view.src_addr().into(),
                    dst: view.dst_addr().into(),
                    protocol,
                    hop_limit: view.hop_limit(),
                    // IPv6 routers never fragment.
                    dont_frag: true,
                    flow_label: view.flow_label(),
                    transport_at,
                })
            }
            _ => None,
        }
    }

    /// Whether this is an ICMP (v4 or v6) packet.
    pub fn is_icmp(&self) -> bool {
        self.protocol == icmp_protocol(self.dst)
    }
}

/// The ICMP protocol number of `addr`'s family.
pub fn icmp_protocol(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => protocol::ICMP,
        IpAddr::V6(_) => protocol::ICMPV6,
    }
}

/// The settings of an IP header the simulation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outer {
    /// The source address.
    pub src: IpAddr,
    /// The destination address.
    pub dst: IpAddr,
    /// The protocol (IPv4), or the upper layer behind the IPv6 extension
    /// headers (44, the Fragment header, for an IPv6 fragment).
    pub protocol: u8,
    /// The TTL or hop limit.
    pub hop_limit: u8,
    /// The IPv4 identification.
    pub ident: u16,
    /// Whether Don't Fragment is set (IPv4).
    pub dont_frag: bool,
}

/// Puts an IP header (no options, traffic class 0, flow label 0) before
/// `payload`; `None` when the addresses are of two families or the payload
/// does not fit one datagram.
pub fn ip_packet(outer: &Outer, payload: &[u8]) -> Option<Vec<u8>> {
    match (outer.src, outer.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let repr = ipv4::Repr {
                src_addr: src,
                dst_addr: dst,
                protocol: outer.protocol,
                payload_len: payload.len(),
                ttl: outer.hop_limit,
                dscp: 0,
                ecn: 0,
                ident: outer.ident,
                dont_frag: outer.dont_frag,
                more_frags: false,
                frag_offset: 0,
                options: &[],
            };
            if repr.buffer_len() > usize::from(u16::MAX) {
                return None;
            }
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv4::Packet::new_unchecked(&mut out[..]));
            out[ipv4::HEADER_LEN..].copy_from_slice(payload);
            Some(out)
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            if payload.len() > usize::from(u16::MAX) {
                return None;
            }
            let repr = ipv6::Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: outer.protocol,
                payload_len: payload.len(),
                hop_limit: outer.hop_limit,
                traffic_class: 0,
                flow_label: 0,
            };
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv6::Packet::new_unchecked(&mut out[..]));
            out[ipv6::HEADER_LEN..].copy_from_slice(payload);
            Some(out)
        }
        _ => None,
    }
}

/// Lowers the TTL / hop limit by one as a router forwarding the packet does
/// (the IPv4 header checksum refilled).
pub fn decrement_hop_limit(packet: &mut [u8]) {
    match packet.first().map(|b| b >> 4) {
        Some(4) if packet.len() >= ipv4::HEADER_LEN => {
            let mut view = ipv4::Packet::new_unchecked(packet);
            let ttl = view.ttl().saturating_sub(1);
            view.set_ttl(ttl);
            view.fill_checksum();
        }
        Some(6) if packet.len() >= ipv6::HEADER_LEN => {
            let mut view = ipv6::Packet::new_unchecked(packet);
            let hop_limit = view.hop_limit().saturating_sub(1);
            view.set_hop_limit(hop_limit);
        }
        _ => {}
    }
}

/// Clears Don't Fragment on an IPv4 packet (the header checksum
/// refilled); other packets are left alone.
pub fn clear_dont_frag(packet: &mut [u8]) {
    if packet.first().map(|b| b >> 4) == Some(4) && packet.len() >= ipv4::HEADER_LEN {
        let mut view = ipv4::Packet::new_unchecked(packet);
        view.set_dont_frag(false);
        view.fill_checksum();
    }
}

/// Checks what RFC 1812 5.2.2 asks of a received datagram: an IPv4 header
/// checksum that verifies (`false`: drop it silently); and cuts what
/// follows the datagram's length (link padding, junk) off.
pub fn verify_and_trim(packet: &mut Vec<u8>) -> bool {
    let len = match packet.first().map(|b| b >> 4) {
        Some(4) => match ipv4::Packet::new_checked(&packet[..]) {
            Ok(view) if view.verify_checksum() => usize::from(view.total_len()),
            _ => return false,
        },
        Some(6) => match ipv6::Packet::new_checked(&packet[..]) {
            // A payload length of 0 announces a jumbogram (RFC 2675), which
            // no link here (MTU at most 65,535) can carry.
            Ok(view) if view.payload_len() == 0 && view.next_header() == protocol::HOP_BY_HOP => {
                return false;
            }
            Ok(view) => ipv6::HEADER_LEN + usize::from(view.payload_len()),
            Err(_) => return false,
        },
        _ => return false,
    };
    packet.truncate(len);
    true
}

/// A source no node accepts (RFC 1812 5.3.7; Linux's `martian_source`):
/// IPv4 0.0.0.0/8, 127.0.0.0/8, multicast and the limited broadcast
/// (Linux accepts the rest of 240.0.0.0/4 since 2.6.25); IPv6 `::`,
/// `::1` and multicast.
pub fn is_martian_source(src: IpAddr) -> bool {
    match src {
        IpAddr::V4(a) => {
            let first = a.octets()[0];
            first == 0 || first == 127 || (224..240).contains(&first) || a.is_broadcast()
        }
        IpAddr::V6(a) => a.is_unspecified() || a.is_loopback() || a.is_multicast(),
    }
}

/// A destination no router forwards: IPv4 0.0.0.0/8 and 127.0.0.0/8
/// (Linux's `martian_destination`) and the limited broadcast (RFC 1812
/// 5.3.5.1); IPv6 `::` and `::1`.
pub fn is_martian_destination(dst: IpAddr) -> bool {
    match dst {
        IpAddr::V4(a) => matches!(a.octets()[0], 0 | 127) || a.is_broadcast(),
        IpAddr::V6(a) => a.is_unspecified() || a.is_loopback(),
    }
}
