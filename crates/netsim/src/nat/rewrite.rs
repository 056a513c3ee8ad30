//! Where a NAT finds the port (or echo identifier) it translates in a
//! packet, and how it rewrites one 16-bit word with the checksums over it
//! updated incrementally (RFC 1624). The NAT keeps addresses, so the
//! pseudo-headers of UDP, TCP and ICMPv6 do not change.
//!
//! ```text
//! leaving:   UDP/TCP source port (checksum at 6 / 16), echo request identifier (checksum at 2),
//!            or in an ICMP error's quote: the quoted destination port or echo reply identifier
//! arriving:  UDP/TCP destination port, echo reply identifier,
//!            or in an ICMP error's quote: the quoted source port or echo request identifier
//! (an error's quoted checksum and its own checksum updated with the port)
//! ```

use std::net::IpAddr;

use icmpkit_wire::ip::{IpVersion, protocol};
use icmpkit_wire::quote::{self, QuotedTransport};
use icmpkit_wire::{checksum, icmpv4, icmpv6, ipv4, ipv6};

/// A checksum field over a translated word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sum {
    /// Where it is in the packet.
    at: usize,
    /// UDP's: 0 means none (and is then left alone), a computed 0 is sent
    /// as 0xffff.
    udp: bool,
}

/// A port or identifier a NAT translates, where it is and what covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Port {
    /// UDP, TCP, ICMP or ICMPv6.
    pub(super) protocol: u8,
    /// The inside host's address: the source of a datagram leaving, the
    /// destination of an answer, the quoted source in an error.
    pub(super) addr: IpAddr,
    /// The port or identifier.
    pub(super) value: u16,
    /// Where it is in the packet.
    at: usize,
    /// The checksum over it, when there is one.
    sum: Option<Sum>,
}

/// What a packet holds for the NAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Its own port: a source port or echo request identifier leaving, a
    /// destination port or echo reply identifier arriving.
    Direct(Port),
    /// An ICMP error's quoted port, and the error's own checksum: arriving,
    /// the source port or echo request identifier of a datagram that left;
    /// leaving, the destination port or echo reply identifier of one that
    /// came in.
    Quoted {
        /// The quoted port.
        port: Port,
        /// Where the error's checksum is.
        outer: usize,
    },
}

/// An IP packet's upper layer: protocol, addresses, where its header
/// starts and where the datagram ends. `None` for what cannot be read and
/// for a fragment other than the first, which holds no transport header.
struct Upper {
    protocol: u8,
    src: IpAddr,
    dst: IpAddr,
    at: usize,
    end: usize,
}

fn upper(packet: &[u8]) -> Option<Upper> {
    match packet.first()? >> 4 {
        4 => {
            let v = ipv4::Packet::new_checked(packet).ok()?;
            (v.frag_offset() == 0).then(|| Upper {
                protocol: v.protocol(),
                src: v.src_addr().into(),
                dst: v.dst_addr().into(),
                at: v.header_len(),
                end: usize::from(v.total_len()),
            })
        }
        6 => {
            let v = ipv6::Packet::new_checked(packet).ok()?;
            let up = v.upper_layer().ok()?;
            if up.fragment.is_some_and(|f| f.offset != 0) {
                return None;
            }
            Some(Upper {
                protocol: up.protocol,
                src: v.src_addr().into(),
                dst: v.dst_addr().into(),
                at: ipv6::HEADER_LEN + up.offset,
                end: ipv6::HEADER_LEN + usize::from(v.payload_len()),
            })
        }
        _ => None,
    }
}

/// Which port of a header a NAT looks at.
#[derive(Debug, Clone, Copy)]
struct Look {
    /// The source (0) or destination (2) port of UDP and TCP.
    port_offset: usize,
    /// The ICMPv4 and ICMPv6 types whose identifier is translated.
    icmp: (u8, u8),
    /// A quoted header, which may stop after 8 bytes (TCP's checksum is
    /// then not quoted); a whole TCP header has 20.
    quoted: bool,
}

/// Source ports and echo requests.
const SOURCE: Look = Look {
    port_offset: 0,
    icmp: (8, 128),
    quoted: false,
};
/// Destination ports and echo replies.
const DESTINATION: Look = Look {
    port_offset: 2,
    icmp: (0, 129),
    quoted: false,
};

impl Look {
    /// The same in a quote.
    const fn in_quote(self) -> Self {
        Self {
            quoted: true,
            ..self
        }
    }
}

/// Where the port (or identifier) and checksum of a `protocol` header from
/// `at` to `end` are; `None` when it is too short to hold them or is not
/// translated.
fn port_at(
    bytes: &[u8],
    protocol: u8,
    at: usize,
    end: usize,
    look: Look,
) -> Option<(usize, Option<Sum>)> {
    let len = end.checked_sub(at)?;
    let word_at = |o: usize| at + o;
    let Look {
        port_offset,
        icmp,
        quoted,
    } = look;
    match protocol {
        protocol::UDP if len >= 8 => Some((
            word_at(port_offset),
            Some(Sum {
                at: word_at(6),
                udp: true,
            }),
        )),
        protocol::TCP if len >= if quoted { 8 } else { 20 } => {
            let sum = (len >= 18).then_some(Sum {
                at: word_at(16),
                udp: false,
            });
            Some((word_at(port_offset), sum))
        }
        protocol::ICMP | protocol::ICMPV6 if len >= 8 => {
            let wanted = if protocol == protocol::ICMP {
                icmp.0
            } else {
                icmp.1
            };
            (bytes[at] == wanted && bytes[at + 1] == 0).then_some((
                word_at(4),
                Some(Sum {
                    at: word_at(2),
                    udp: false,
                }),
            ))
        }
        _ => None,
    }
}

/// What a datagram leaving holds: its source port (UDP, TCP) or echo
/// request identifier; or, in an ICMP error, the quoted destination port or
/// echo reply identifier.
pub(super) fn leaving(packet: &[u8]) -> Option<Found> {
    find(packet, SOURCE, DESTINATION)
}

/// What an arriving datagram holds: its destination port or echo reply
/// identifier; or, in an ICMP error, the quoted source port or echo
/// request identifier.
pub(super) fn arriving(packet: &[u8]) -> Option<Found> {
    find(packet, DESTINATION, SOURCE)
}

/// The port `direct` looks at in `packet`, or the one `quoted` looks at in
/// the datagram an ICMP error quotes. A port's address is the inside
/// host's: the source of a port looked at as a source, the destination of
/// one looked at as a destination.
fn find(packet: &[u8], direct: Look, quoted: Look) -> Option<Found> {
    let up = upper(packet)?;
    let inside = |src, dst| if direct.port_offset == 0 { src } else { dst };
    if let Some((at, sum)) = port_at(packet, up.protocol, up.at, up.end, direct) {
        return Some(Found::Direct(Port {
            protocol: up.protocol,
            addr: inside(up.src, up.dst),
            value: word(packet, at),
            at,
            sum,
        }));
    }
    let version = match up.protocol {
        protocol::ICMP if is_v4_error(*packet.get(up.at)?) => IpVersion::V4,
        protocol::ICMPV6 if is_v6_error(*packet.get(up.at)?) => IpVersion::V6,
        _ => return None,
    };
    let start = up.at + 8;
    let q = quote::parse(packet.get(start..up.end)?, version).ok()?;
    let transport_at = start + q.header.len();
    let transport_end = transport_at + q.payload.len();
    let protocol = match q.transport? {
        QuotedTransport::Udp { .. } => protocol::UDP,
        QuotedTransport::Tcp { .. } => protocol::TCP,
        QuotedTransport::Icmp { .. } => q.ip.protocol(),
        QuotedTransport::Other { .. } => return None,
    };
    let look = quoted.in_quote();
    let (at, sum) = port_at(packet, protocol, transport_at, transport_end, look)?;
    // The quoted datagram went the other way: its inside end is the
    // error's, seen from the other side.
    let addr = if look.port_offset == 0 {
        q.ip.src()
    } else {
        q.ip.dst()
    };
    Some(Found::Quoted {
        port: Port {
            protocol,
            addr,
            value: word(packet, at),
            at,
            sum,
        },
        outer: up.at + 2,
    })
}

/// Whether an ICMPv4 type is an error that quotes a datagram.
fn is_v4_error(msg_type: u8) -> bool {
    use icmpv4::Message as M;
    matches!(
        M::from(msg_type),
        M::DestinationUnreachable
            | M::SourceQuench
            | M::Redirect
            | M::TimeExceeded
            | M::ParameterProblem
    )
}

/// Whether an ICMPv6 type is an error that quotes a datagram.
fn is_v6_error(msg_type: u8) -> bool {
    icmpv6::Message::from(msg_type).is_error()
}

/// Writes `value` into `port`'s place, its checksum updated; returns the
/// words changed (old, new), for a checksum that covers them too.
pub(super) fn rewrite(packet: &mut [u8], port: &Port, value: u16) -> Vec<(u16, u16)> {
    let mut changed = vec![(port.value, value)];
    set_word(packet, port.at, value);
    if let Some(sum) = port.sum {
        let old = word(packet, sum.at);
        if !(sum.udp && old == 0) {
            let mut new = checksum::update(old, port.value, value);
            if sum.udp && new == 0 {
                new = 0xffff;
            }
            set_word(packet, sum.at, new);
            changed.push((old, new));
        }
    }
    changed
}

/// Updates the checksum at `at` for words that changed under it.
pub(super) fn update_sum(packet: &mut [u8], at: usize, changed: &[(u16, u16)]) {
    let sum = changed.iter().fold(word(packet, at), |sum, &(old, new)| {
        checksum::update(sum, old, new)
    });
    set_word(packet, at, sum);
}

fn word(packet: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([packet[at], packet[at + 1]])
}

fn set_word(packet: &mut [u8], at: usize, value: u16) {
    packet[at..at + 2].copy_from_slice(&value.to_be_bytes());
}
