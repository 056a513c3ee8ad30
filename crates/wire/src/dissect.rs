//! From the bytes of one IP packet to everything a reader of the ICMP
//! message inside wants: the outer addresses, the type and code, the checksum
//! status, the message's own fields, the quoted datagram of an error and its
//! RFC 4884 extensions.
//!
//! This is the decoder's core, kept free of I/O and allocation so that the
//! `decode` command, the fuzzers and later the security tools share it.
//! Nothing here fails as a whole: each layer that cannot be read carries its
//! own [`Malformed`] reason, so a caller can print what was understood and
//! why the rest was not.

use core::net::{IpAddr, Ipv6Addr};

use crate::error::{Malformed, Result};
use crate::extension::ExtensionStructure;
use crate::ip::{IpVersion, protocol};
use crate::quote::{self, Quote};
use crate::{icmpv4, icmpv6, ipv4, ipv6};

mod note;
pub use note::{FinalDestination, Note, Notes};

/// Whether an ICMP checksum verified. It is checked for every message
/// that holds a checksum field and was captured whole (not cut by the
/// capture's snapshot length nor a fragment), also one whose body is
/// malformed: the checksum covers bytes, not structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumStatus {
    /// It verified.
    Valid,
    /// It did not.
    Invalid,
    /// It could not be checked: the capture or a fragment holds only part
    /// of the message.
    Unverified,
}

/// The message parsed by its family's `Repr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// An ICMPv4 message.
    V4(icmpv4::Repr<'a>),
    /// An ICMPv6 message.
    V6(icmpv6::Repr<'a>),
}

impl<'a> Message<'a> {
    /// Parses an ICMP message alone (no IP header: what a raw IPv6 or a
    /// datagram socket delivers, or a quote) as `version`'s ICMP.
    pub fn parse(version: IpVersion, icmp: &'a [u8]) -> Result<Self> {
        match version {
            IpVersion::V4 => icmpv4::Repr::parse_bytes(icmp).map(Self::V4),
            IpVersion::V6 => icmpv6::Repr::parse(&icmpv6::Packet::new_checked(icmp)?).map(Self::V6),
        }
    }

    /// The quoted datagram of an error message, and its raw RFC 4884
    /// extension structure if any.
    pub fn error_body(&self) -> Option<(&'a [u8], Option<&'a [u8]>)> {
        use icmpv4::Repr as V4;
        use icmpv6::Repr as V6;
        match *self {
            Self::V4(
                V4::DestinationUnreachable {
                    original,
                    extension,
                    ..
                }
                | V4::TimeExceeded {
                    original,
                    extension,
                    ..
                }
                | V4::ParameterProblem {
                    original,
                    extension,
                    ..
                },
            )
            | Self::V6(
                V6::DestinationUnreachable {
                    original,
                    extension,
                    ..
                }
                | V6::TimeExceeded {
                    original,
                    extension,
                    ..
                },
            ) => Some((original, extension)),
            Self::V4(
                V4::SourceQuench { original }
                | V4::Redirect { original, .. }
                | V4::Photuris { original, .. },
            )
            | Self::V6(V6::PacketTooBig { original, .. } | V6::ParameterProblem { original, .. }) => {
                Some((original, None))
            }
            _ => None,
        }
    }

    /// The extension structure an RFC 8335 extended echo request carries.
    pub fn probe_request(&self) -> Option<&'a [u8]> {
        match *self {
            Self::V4(icmpv4::Repr::ExtendedEchoRequest { request, .. })
            | Self::V6(icmpv6::Repr::ExtendedEchoRequest { request, .. }) => Some(request),
            _ => None,
        }
    }
}

/// One ICMP or ICMPv6 packet taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dissection<'a> {
    /// The IP version of the outer header (and so the ICMP family).
    pub version: IpVersion,
    /// The outer source address.
    pub src: IpAddr,
    /// The outer destination address.
    pub dst: IpAddr,
    /// The outer TTL or hop limit.
    pub hop_limit: u8,
    /// The ICMP message bytes as captured (may be cut short).
    pub icmp: &'a [u8],
    /// Whether the capture or fragmentation holds less than the whole message.
    pub truncated: bool,
    /// Whether the checksum verified.
    pub checksum_status: ChecksumStatus,
    /// The parsed message, or why the outer header or the message could not
    /// be read.
    pub message: Result<Message<'a>>,
    /// What the IP layer was read as otherwise than its fields say, and
    /// the rules it breaks that were read past.
    pub notes: Notes,
}

impl<'a> Dissection<'a> {
    /// The type, if at least one byte of ICMP is present.
    pub fn msg_type(&self) -> Option<u8> {
        self.icmp.first().copied()
    }

    /// The code, if present.
    pub fn code(&self) -> Option<u8> {
        self.icmp.get(1).copied()
    }

    /// The checksum field, if present.
    pub fn checksum(&self) -> Option<u16> {
        crate::field::get_u16(self.icmp, 2)
    }

    /// For an error message: the quoted datagram, laxly parsed. (Parsed on
    /// each call: the dissection stays small for callers that never look.)
    pub fn quote(&self) -> Option<Result<Quote<'a>>> {
        let (original, _) = self.message.as_ref().ok()?.error_body()?;
        Some(quote::parse(original, self.version))
    }

    /// The RFC 4884 extension structure of an error, or the one an RFC 8335
    /// extended echo request carries.
    pub fn extension(&self) -> Option<Result<ExtensionStructure<'a>>> {
        let message = self.message.as_ref().ok()?;
        let bytes = match message.error_body() {
            Some((_, extension)) => extension,
            None => message.probe_request(),
        }?;
        Some(ExtensionStructure::new_checked(bytes))
    }

    /// The first thing found malformed at any layer: the outer header
    /// (including a rule it breaks that was read past, see [`Notes`]) or
    /// the message, the quote, the extension structure or one of its
    /// objects, or an NDP option. `None` when everything read cleanly.
    pub fn problem(&self) -> Option<Malformed> {
        let option = self.notes.ipv4_option_refused.map(|r| r.reason);
        if let Some(reason) = option
            .or(self.notes.jumbo_ignored)
            .or(self.notes.routing_violation)
        {
            return Some(reason);
        }
        let message = match &self.message {
            Ok(message) => message,
            Err(reason) => return Some(*reason),
        };
        if let Some(Err(reason)) = self.quote() {
            return Some(reason);
        }
        match self.extension() {
            Some(Err(reason)) => return Some(reason),
            Some(Ok(ext)) => {
                if let Some(Err(reason)) = ext.objects().find(core::result::Result::is_err) {
                    return Some(reason);
                }
            }
            None => {}
        }
        if let Message::V6(repr) = message
            && let Some(options) = ndp_options(repr)
            && let Some(Err(reason)) = options.into_iter().find(core::result::Result::is_err)
        {
            return Some(reason);
        }
        None
    }
}

/// The NDP options an ICMPv6 message carries.
fn ndp_options<'a>(repr: &icmpv6::Repr<'a>) -> Option<icmpv6::ndp::NdpOptions<'a>> {
    use icmpv6::Repr as R;
    match *repr {
        R::RouterSolicitation { options }
        | R::NeighborSolicitation { options, .. }
        | R::NeighborAdvertisement { options, .. }
        | R::Redirect { options, .. } => Some(options),
        R::RouterAdvertisement(ra) => Some(ra.options),
        _ => None,
    }
}

/// Takes apart one IP packet. Returns `None` when it does not carry an ICMP
/// header (another protocol, a non-initial fragment, or too few bytes to
/// tell); a packet that claims to carry ICMP but cannot be read is returned
/// with the reason in [`Dissection::message`].
pub fn dissect(packet: &[u8]) -> Option<Dissection<'_>> {
    match packet.first()? >> 4 {
        4 => dissect_v4(packet),
        6 => dissect_v6(packet),
        _ => None,
    }
}

fn dissect_v4(packet: &[u8]) -> Option<Dissection<'_>> {
    if *packet.get(9)? != protocol::ICMP {
        return None;
    }
    let src = IpAddr::V4(crate::field::get_ipv4(packet, 12)?);
    let dst = IpAddr::V4(crate::field::get_ipv4(packet, 16)?);
    let outer = Outer {
        version: IpVersion::V4,
        src,
        dst,
        hop_limit: packet[8],
    };
    let view = ipv4::Packet::new_unchecked(packet);
    // Total length 0: a capture taken with segmentation offload; tshark
    // then takes the captured length, and so does this, saying so.
    let length_from_capture = crate::field::get_u16(packet, 2) == Some(0);
    let checked = if length_from_capture {
        view.check_header_len()
    } else {
        view.check_len_lax()
    };
    if let Err(reason) = checked {
        return Some(malformed(outer, reason));
    }
    if view.frag_offset() != 0 {
        return None;
    }
    let header_len = view.header_len();
    let mut notes = Notes::default();
    if header_len > ipv4::HEADER_LEN {
        let area = packet.get(ipv4::HEADER_LEN..header_len).unwrap_or_default();
        notes.ipv4_option_refused = ipv4::option::linux::check(area).err();
    }
    let total_len = if length_from_capture {
        notes.ipv4_length_from_capture = Some(packet.len());
        packet.len()
    } else {
        usize::from(view.total_len())
    };
    let icmp = packet
        .get(header_len..total_len.min(packet.len()))
        .unwrap_or_default();
    let truncated = view.more_frags() || icmp.len() < total_len.saturating_sub(header_len);
    // The checksum covers bytes, not structure: checked whatever the body.
    let checksum_status = verdict(truncated || icmp.len() < CHECKSUM_END, || {
        icmpv4::Packet::new_unchecked(icmp).verify_checksum()
    });
    let message = icmpv4::Repr::parse_bytes(icmp).map(Message::V4);
    let mut d = assemble(outer, icmp, truncated, checksum_status, message);
    d.notes = notes;
    Some(d)
}

fn dissect_v6(packet: &[u8]) -> Option<Dissection<'_>> {
    let view = ipv6::Packet::new_checked_lax(packet).ok()?;
    let (src6, dst6) = (view.src_addr(), view.dst_addr());
    let outer = Outer {
        version: IpVersion::V6,
        src: IpAddr::V6(src6),
        dst: IpAddr::V6(dst6),
        hop_limit: view.hop_limit(),
    };
    let mut notes = Notes::default();
    let after_header = packet.get(ipv6::HEADER_LEN..).unwrap_or_default();
    let jumbo = ipv6::jumbo_payload_len(view.next_header(), view.payload_len(), after_header);
    let payload_len = match jumbo {
        Ok(ipv6::PayloadLen::Field) => usize::from(view.payload_len()),
        Ok(ipv6::PayloadLen::Jumbo(len)) => {
            notes.jumbo_payload_len = Some(len);
            usize::try_from(len).unwrap_or(usize::MAX)
        }
        Ok(ipv6::PayloadLen::OptionIgnored(reason)) => {
            notes.jumbo_ignored = Some(reason);
            usize::from(view.payload_len())
        }
        Err(reason) => return Some(malformed(outer, reason)),
    };
    let payload = &after_header[..payload_len.min(after_header.len())];
    // Most ICMPv6 follows the fixed header directly: skip the walk then.
    let (offset, more_fragments) = if view.next_header() == protocol::ICMPV6 {
        (0, false)
    } else {
        match ipv6::walk_extensions_lax(view.next_header(), payload) {
            Ok(upper) if upper.protocol == protocol::ICMPV6 => {
                if notes.jumbo_payload_len.is_some() && upper.fragment.is_some() {
                    return Some(malformed(outer, JUMBO_FRAGMENT));
                }
                if let Some(at) = upper.routing {
                    match ipv6::RoutingHeader::new_checked(&payload[at..]) {
                        Ok(routing) => note_route(&mut notes, routing, dst6),
                        Err(reason) => return Some(malformed(outer, reason)),
                    }
                }
                match upper.fragment {
                    Some(f) if f.offset != 0 => return None,
                    fragment => (upper.offset, fragment.is_some_and(|f| f.more)),
                }
            }
            Ok(_) => return None,
            Err(reason) => return Some(malformed(outer, reason)),
        }
    };
    let icmp = payload.get(offset..).unwrap_or_default();
    let truncated = more_fragments || icmp.len() < payload_len.saturating_sub(offset);
    // The checksum covers the final destination (RFC 8200 §8.1).
    let pseudo_dst = notes.final_destination.map_or(dst6, |d| d.addr);
    let checksum_status = verdict(truncated || icmp.len() < CHECKSUM_END, || {
        icmpv6::Packet::new_unchecked(icmp).verify_checksum(src6, pseudo_dst)
    });
    let message = Message::parse(IpVersion::V6, icmp);
    let mut d = assemble(outer, icmp, truncated, checksum_status, message);
    d.notes = notes;
    Some(d)
}

/// RFC 2675 §3: a jumbogram cannot be fragmented.
const JUMBO_FRAGMENT: Malformed = Malformed::Invalid {
    what: "IPv6 jumbogram",
    field: "next header",
    value: protocol::FRAGMENT as u32,
    rule: "(Fragment) is not allowed with a Jumbo Payload option (RFC 2675)",
};

/// Notes the final destination `routing` names when it differs from the
/// IPv6 destination `dst`, and the rule it breaks if any.
fn note_route(notes: &mut Notes, routing: ipv6::RoutingHeader<'_>, dst: Ipv6Addr) {
    let route = routing.final_destination(dst);
    notes.final_destination = route.final_destination.map(|addr| FinalDestination {
        addr,
        routing_type: routing.routing_type(),
    });
    notes.routing_violation = route.broken;
}

/// Where the checksum field ends: a message shorter has none to check.
const CHECKSUM_END: usize = 4;

/// The checksum verdict: unverifiable on a partial message.
fn verdict(truncated: bool, verify: impl FnOnce() -> bool) -> ChecksumStatus {
    if truncated {
        ChecksumStatus::Unverified
    } else if verify() {
        ChecksumStatus::Valid
    } else {
        ChecksumStatus::Invalid
    }
}

/// The outer header's fields a dissection reports.
#[derive(Clone, Copy)]
struct Outer {
    version: IpVersion,
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
}

/// Builds the dissection.
fn assemble<'a>(
    outer: Outer,
    icmp: &'a [u8],
    truncated: bool,
    checksum_status: ChecksumStatus,
    message: Result<Message<'a>>,
) -> Dissection<'a> {
    Dissection {
        version: outer.version,
        src: outer.src,
        dst: outer.dst,
        hop_limit: outer.hop_limit,
        icmp,
        truncated,
        checksum_status,
        message,
        notes: Notes::default(),
    }
}

/// The dissection of a packet whose IP layer is malformed.
fn malformed(outer: Outer, reason: Malformed) -> Dissection<'static> {
    assemble(outer, &[], true, ChecksumStatus::Unverified, Err(reason))
}

#[cfg(test)]
mod tests;
