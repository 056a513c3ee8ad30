//! ICMPv4 errors: the rules of RFC 1122 §3.2.2 and RFC 1812 §4.3.2, and the
//! error packet.

use core::net::{IpAddr, Ipv4Addr};

use super::{
    Context, Extension, Options, Refusal, check_link_layer, check_not_an_error, check_source,
    output, plan_body,
};
use crate::icmpv4::{self, Message};
use crate::ip::{IpVersion, protocol};
use crate::ipv4;

/// RFC 4884 counts the ICMPv4 original datagram in 32-bit words.
const WORD: usize = 4;

/// IP precedence 6, "internetwork control" (RFC 1812 §4.3.2.5).
const PRECEDENCE_INTERNETWORK_CONTROL: u8 = 0xc0;

/// The RFC 1349 TOS bits of the old TOS octet, kept from the offending
/// datagram (below the precedence, above the ECN field).
const RFC1349_TOS_BITS: u8 = 0x1c;

/// The ICMPv4 types that are error messages, about which no error is sent
/// (RFC 1122 §3.2.2).
const ERROR_TYPES: [u8; 5] = [3, 4, 5, 11, 12];

/// The ICMPv4 error to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv4Error {
    /// Destination Unreachable, type 3; may carry extensions.
    DestinationUnreachable {
        /// Why.
        code: icmpv4::DestinationUnreachable,
        /// The next-hop MTU (RFC 1191), written for code 4
        /// (`FragmentationNeeded`) only; other codes send zero.
        next_hop_mtu: u16,
    },
    /// Source Quench, type 4: never generated ([`Refusal::SourceQuenchDeprecated`],
    /// RFC 6633). Present so that a caller porting old logic is told why.
    SourceQuench,
    /// Redirect, type 5.
    Redirect {
        /// What is redirected.
        code: icmpv4::Redirect,
        /// The better first hop.
        gateway: Ipv4Addr,
    },
    /// Time Exceeded, type 11; may carry extensions.
    TimeExceeded {
        /// Which time ran out.
        code: icmpv4::TimeExceeded,
    },
    /// Parameter Problem, type 12; may carry extensions.
    ParameterProblem {
        /// What the problem is.
        code: icmpv4::ParameterProblem,
        /// The offset of the offending octet in the datagram.
        pointer: u8,
    },
}

impl Icmpv4Error {
    /// The message type of the error.
    pub const fn msg_type(&self) -> Message {
        match self {
            Self::DestinationUnreachable { .. } => Message::DestinationUnreachable,
            Self::SourceQuench => Message::SourceQuench,
            Self::Redirect { .. } => Message::Redirect,
            Self::TimeExceeded { .. } => Message::TimeExceeded,
            Self::ParameterProblem { .. } => Message::ParameterProblem,
        }
    }

    /// Whether the type may carry RFC 4884 extensions (types 3, 11, 12).
    pub const fn allows_extensions(&self) -> bool {
        matches!(
            self,
            Self::DestinationUnreachable { .. }
                | Self::TimeExceeded { .. }
                | Self::ParameterProblem { .. }
        )
    }

    /// The message quoting `original`, or `None` for Source Quench.
    fn repr<'a>(self, original: &'a [u8], extension: Option<&'a [u8]>) -> Option<icmpv4::Repr<'a>> {
        use icmpv4::DestinationUnreachable::FragmentationNeeded;
        Some(match self {
            Self::DestinationUnreachable { code, next_hop_mtu } => {
                icmpv4::Repr::DestinationUnreachable {
                    code,
                    next_hop_mtu: if code == FragmentationNeeded {
                        next_hop_mtu
                    } else {
                        0
                    },
                    original,
                    extension,
                }
            }
            Self::SourceQuench => return None,
            Self::Redirect { code, gateway } => icmpv4::Repr::Redirect {
                code,
                gateway,
                original,
            },
            Self::TimeExceeded { code } => icmpv4::Repr::TimeExceeded {
                code,
                original,
                extension,
            },
            Self::ParameterProblem { code, pointer } => icmpv4::Repr::ParameterProblem {
                code,
                pointer,
                original,
                extension,
            },
        })
    }
}

/// Applies every rule; returns the offending header, parsed.
pub(super) fn check(
    offending: &[u8],
    error: Icmpv4Error,
    context: Context,
) -> Result<ipv4::Repr<'_>, Refusal> {
    if matches!(error, Icmpv4Error::SourceQuench) {
        return Err(Refusal::SourceQuenchDeprecated);
    }
    super::check_version(offending, IpVersion::V4)?;
    let view = ipv4::Packet::new_unchecked(offending);
    let ip = ipv4::Repr::parse(&view).map_err(Refusal::MalformedOffending)?;
    if !view.verify_checksum() {
        return Err(Refusal::BadHeaderChecksum {
            found: view.checksum(),
        });
    }
    if ip.frag_offset != 0 {
        return Err(Refusal::NonInitialFragment {
            version: IpVersion::V4,
            offset: ip.frag_offset,
        });
    }
    if ip.protocol == protocol::ICMP {
        check_not_an_error(IpVersion::V4, view.payload().first(), |msg_type| {
            ERROR_TYPES.contains(&msg_type)
        })?;
    }
    let dst = ip.dst_addr;
    if dst.is_broadcast() || dst.is_multicast() || context.destination_is_broadcast {
        return Err(Refusal::DestinationBroadcastOrMulticast {
            destination: IpAddr::V4(dst),
        });
    }
    check_link_layer(IpVersion::V4, context)?;
    check_source(
        IpAddr::V4(ip.src_addr),
        not_a_single_host(ip.src_addr, context),
    )?;
    Ok(ip)
}

/// What an IPv4 source that does not name a single host is, or `None`.
fn not_a_single_host(src: Ipv4Addr, context: Context) -> Option<&'static str> {
    let first = src.octets()[0];
    Some(if first == 0 {
        "in 0.0.0.0/8 (\"this network\")"
    } else if src.is_loopback() && !context.looped_back {
        "a loopback address from outside this node"
    } else if src.is_multicast() {
        "a multicast address"
    } else if src.is_broadcast() {
        "the limited broadcast address"
    } else if first >= 240 {
        "a reserved (class E) address"
    } else if context.source_is_not_unique {
        "known to this node as a broadcast or shared address"
    } else {
        return None;
    })
}

/// Builds the ICMPv4 `error` about `offending` (an IPv4 datagram as
/// received, link padding allowed) from `source`, the address of the
/// router's interface, into `out`, and returns the error's length: the
/// IPv4 header and the ICMPv4 message, at most
/// [`MAX_ICMPV4_ERROR_LEN`](super::MAX_ICMPV4_ERROR_LEN) bytes, checksums
/// filled. The module documentation lists the rules and the layout.
///
/// Refuses when a rule forbids the error, when extensions are given for a
/// Redirect or do not fit, and when `out` is too short.
pub fn build_v4(
    offending: &[u8],
    error: Icmpv4Error,
    source: Ipv4Addr,
    context: Context,
    options: &Options<'_>,
    out: &mut [u8],
) -> Result<usize, Refusal> {
    let ip = check(offending, error, context)?;
    // check() verified the total length against the bytes.
    let datagram = &offending[..ip.buffer_len()];
    let (quote_len, ext) = plan_body(
        IpVersion::V4,
        error.msg_type().into(),
        error.allows_extensions(),
        datagram.len(),
        options.extensions,
        WORD,
    )?;
    let repr = error
        .repr(
            &datagram[..quote_len],
            ext.as_ref().map(Extension::as_bytes),
        )
        .ok_or(Refusal::SourceQuenchDeprecated)?;
    let icmp_len = repr.buffer_len();
    let (head, icmp) = output(out, ipv4::HEADER_LEN, icmp_len)?;
    let offending_tos = (ip.dscp << 2) | ip.ecn;
    let tos = PRECEDENCE_INTERNETWORK_CONTROL | (offending_tos & RFC1349_TOS_BITS);
    let header = ipv4::Repr {
        src_addr: source,
        dst_addr: ip.src_addr,
        protocol: protocol::ICMP,
        payload_len: icmp_len,
        ttl: options.hop_limit,
        dscp: tos >> 2,
        ecn: 0,
        ident: options.ident,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options: &[],
    };
    header.emit(&mut ipv4::Packet::new_unchecked(head));
    repr.emit(&mut icmpv4::Packet::new_unchecked(icmp));
    Ok(ipv4::HEADER_LEN + icmp_len)
}
