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

use core::net::IpAddr;

use crate::error::{Malformed, Result};
use crate::extension::ExtensionStructure;
use crate::ip::{IpVersion, protocol};
use crate::quote::{self, Quote};
use crate::{icmpv4, icmpv6, ipv4, ipv6};

/// Whether an ICMP checksum verified.
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
    fn probe_request(&self) -> Option<&'a [u8]> {
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
    /// The type, if at least one byte of ICMP is present.
    pub msg_type: Option<u8>,
    /// The code, if present.
    pub code: Option<u8>,
    /// The checksum field, if present.
    pub checksum: Option<u16>,
    /// Whether the checksum verified.
    pub checksum_status: ChecksumStatus,
    /// The parsed message, or why the outer header or the message could not
    /// be read.
    pub message: Result<Message<'a>>,
    /// For an error message: the quoted datagram, laxly parsed.
    pub quote: Option<Result<Quote<'a>>>,
    /// The RFC 4884 extension structure (of an error or an RFC 8335 request).
    pub extension: Option<Result<ExtensionStructure<'a>>>,
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
    let view = match ipv4::Packet::new_checked_lax(packet) {
        Ok(view) => view,
        Err(reason) => return Some(unreadable(IpVersion::V4, src, dst, packet[8], reason)),
    };
    if view.frag_offset() != 0 {
        return None;
    }
    let header_len = view.header_len();
    let end = usize::from(view.total_len()).min(packet.len());
    let icmp = packet.get(header_len..end).unwrap_or_default();
    let claimed = usize::from(view.total_len()).saturating_sub(view.header_len());
    let truncated = view.more_frags() || icmp.len() < claimed;
    let mut d = base(IpVersion::V4, src, dst, view.ttl(), icmp, truncated);
    d.message = icmpv4::Packet::new_checked(icmp)
        .and_then(|p| {
            if !truncated {
                d.checksum_status = status(p.verify_checksum());
            }
            icmpv4::Repr::parse(&p)
        })
        .map(Message::V4);
    Some(finish(d))
}

fn dissect_v6(packet: &[u8]) -> Option<Dissection<'_>> {
    let view = ipv6::Packet::new_checked_lax(packet).ok()?;
    let (src6, dst6) = (view.src_addr(), view.dst_addr());
    let (src, dst) = (IpAddr::V6(src6), IpAddr::V6(dst6));
    let end = (ipv6::HEADER_LEN + usize::from(view.payload_len())).min(packet.len());
    let payload = packet.get(ipv6::HEADER_LEN..end).unwrap_or_default();
    let upper = match ipv6::walk_extensions_lax(view.next_header(), payload) {
        Ok(upper) => upper,
        Err(reason) => {
            return Some(unreadable(
                IpVersion::V6,
                src,
                dst,
                view.hop_limit(),
                reason,
            ));
        }
    };
    if upper.protocol != protocol::ICMPV6 || upper.fragment.is_some_and(|f| f.offset != 0) {
        return None;
    }
    let icmp = payload.get(upper.offset..).unwrap_or_default();
    let claimed = usize::from(view.payload_len()).saturating_sub(upper.offset);
    let truncated = upper.fragment.is_some_and(|f| f.more) || icmp.len() < claimed;
    let mut d = base(IpVersion::V6, src, dst, view.hop_limit(), icmp, truncated);
    d.message = icmpv6::Packet::new_checked(icmp)
        .and_then(|p| {
            if !truncated {
                d.checksum_status = status(p.verify_checksum(src6, dst6));
            }
            icmpv6::Repr::parse(&p)
        })
        .map(Message::V6);
    Some(finish(d))
}

const fn status(valid: bool) -> ChecksumStatus {
    if valid {
        ChecksumStatus::Valid
    } else {
        ChecksumStatus::Invalid
    }
}

/// The fields every dissection has, before the message is parsed.
fn base(
    version: IpVersion,
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
    icmp: &[u8],
    truncated: bool,
) -> Dissection<'_> {
    Dissection {
        version,
        src,
        dst,
        hop_limit,
        icmp,
        truncated,
        msg_type: icmp.first().copied(),
        code: icmp.get(1).copied(),
        checksum: crate::field::get_u16(icmp, 2),
        checksum_status: ChecksumStatus::Unverified,
        message: Err(Malformed::Truncated {
            what: "ICMP header",
            needed: 8,
            available: icmp.len(),
        }),
        quote: None,
        extension: None,
    }
}

/// A packet whose outer header says ICMP but cannot be read.
fn unreadable(
    version: IpVersion,
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
    reason: Malformed,
) -> Dissection<'static> {
    let mut d = base(version, src, dst, hop_limit, &[], true);
    d.message = Err(reason);
    d
}

/// Adds the quote and extensions of a parsed message.
fn finish(mut d: Dissection<'_>) -> Dissection<'_> {
    if let Ok(message) = d.message {
        if let Some((original, extension)) = message.error_body() {
            d.quote = Some(quote::parse(original, d.version));
            d.extension = extension.map(ExtensionStructure::new_checked);
        } else if let Some(request) = message.probe_request() {
            d.extension = Some(ExtensionStructure::new_checked(request));
        }
    }
    d
}
