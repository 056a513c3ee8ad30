//! ICMPv6 errors: the rules of RFC 4443 §2.4 (e), and the error packet.

use core::net::{IpAddr, Ipv6Addr};

use super::{
    Context, Extension, Options, Refusal, check_link_layer, check_not_an_error, check_source,
    output, plan_body,
};
use crate::icmpv6::{self, EXTENSION_WORD, Message};
use crate::ip::{IpVersion, protocol};
use crate::ipv6;

/// The first informational ICMPv6 type: types below are errors (RFC 4443
/// §2.1).
const FIRST_INFORMATIONAL: u8 = 128;

/// The high-order two bits `10` of an option type: "discard the packet and
/// send a Parameter Problem code 2 even if the destination is multicast"
/// (RFC 8200 §4.2).
const OPTION_ACTION_ICMP_EVEN_MULTICAST: u8 = 0b10;

/// The ICMPv6 error to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv6Error {
    /// Destination Unreachable, type 1; may carry extensions.
    DestinationUnreachable {
        /// Why.
        code: icmpv6::DestinationUnreachable,
    },
    /// Packet Too Big, type 2; may be sent about a multicast packet.
    PacketTooBig {
        /// The MTU of the next-hop link.
        mtu: u32,
    },
    /// Time Exceeded, type 3; may carry extensions.
    TimeExceeded {
        /// Hop limit or reassembly.
        code: icmpv6::TimeExceeded,
    },
    /// Parameter Problem, type 4. Code 2 pointing at an option type whose
    /// high-order bits are `10` may be sent about a multicast packet.
    ParameterProblem {
        /// What the problem is.
        code: icmpv6::ParameterProblem,
        /// The offset of the offending octet in the packet.
        pointer: u32,
    },
}

impl Icmpv6Error {
    /// The message type of the error.
    pub const fn msg_type(&self) -> Message {
        match self {
            Self::DestinationUnreachable { .. } => Message::DestinationUnreachable,
            Self::PacketTooBig { .. } => Message::PacketTooBig,
            Self::TimeExceeded { .. } => Message::TimeExceeded,
            Self::ParameterProblem { .. } => Message::ParameterProblem,
        }
    }

    /// Whether the type may carry RFC 4884 extensions (types 1 and 3).
    pub const fn allows_extensions(&self) -> bool {
        matches!(
            self,
            Self::DestinationUnreachable { .. } | Self::TimeExceeded { .. }
        )
    }

    /// Whether RFC 4443 §2.4 (e.3) lets this error be sent about `packet`
    /// although it went to a multicast address (or arrived as a link-layer
    /// multicast or broadcast, (e.4) and (e.5)): a Packet Too Big, or a
    /// Parameter Problem code 2 whose pointer points at an option type with
    /// the high-order bits `10`.
    pub fn allowed_for_multicast(&self, packet: &[u8]) -> bool {
        match *self {
            Self::PacketTooBig { .. } => true,
            Self::ParameterProblem {
                code: icmpv6::ParameterProblem::UnrecognizedOption,
                pointer,
            } => usize::try_from(pointer)
                .ok()
                .and_then(|at| packet.get(at))
                .is_some_and(|option_type| option_type >> 6 == OPTION_ACTION_ICMP_EVEN_MULTICAST),
            _ => false,
        }
    }

    /// The message quoting `original`.
    const fn repr<'a>(self, original: &'a [u8], extension: Option<&'a [u8]>) -> icmpv6::Repr<'a> {
        match self {
            Self::DestinationUnreachable { code } => icmpv6::Repr::DestinationUnreachable {
                code,
                original,
                extension,
            },
            Self::PacketTooBig { mtu } => icmpv6::Repr::PacketTooBig { mtu, original },
            Self::TimeExceeded { code } => icmpv6::Repr::TimeExceeded {
                code,
                original,
                extension,
            },
            Self::ParameterProblem { code, pointer } => icmpv6::Repr::ParameterProblem {
                code,
                pointer,
                original,
            },
        }
    }
}

/// Applies every rule; returns the offending fixed header, parsed.
pub(super) fn check(
    offending: &[u8],
    error: Icmpv6Error,
    context: Context,
) -> Result<ipv6::Repr, Refusal> {
    super::check_version(offending, IpVersion::V6)?;
    let ip = ipv6::Repr::parse(&ipv6::Packet::new_unchecked(offending))
        .map_err(Refusal::MalformedOffending)?;
    // parse() verified the payload length against the bytes.
    let packet = &offending[..ip.buffer_len()];
    let payload = &packet[ipv6::HEADER_LEN..];
    let upper =
        ipv6::walk_extensions_lax(ip.next_header, payload).map_err(Refusal::MalformedOffending)?;
    if let Some(fragment) = upper.fragment
        && fragment.offset != 0
    {
        return Err(Refusal::NonInitialFragment {
            version: IpVersion::V6,
            offset: fragment.offset,
        });
    }
    if upper.complete && upper.protocol == protocol::ICMPV6 {
        let msg_type = check_not_an_error(IpVersion::V6, payload.get(upper.offset), |msg_type| {
            msg_type < FIRST_INFORMATIONAL
        })?;
        if Message::from(msg_type) == Message::Redirect {
            return Err(Refusal::AboutRedirect);
        }
    }
    if !error.allowed_for_multicast(packet) {
        if ip.dst_addr.is_multicast() {
            return Err(Refusal::DestinationBroadcastOrMulticast {
                destination: IpAddr::V6(ip.dst_addr),
            });
        }
        check_link_layer(IpVersion::V6, context)?;
    }
    check_source(
        IpAddr::V6(ip.src_addr),
        not_a_single_node(ip.src_addr, context),
    )?;
    Ok(ip)
}

/// What an IPv6 source that does not name a single node is, or `None`.
fn not_a_single_node(src: Ipv6Addr, context: Context) -> Option<&'static str> {
    Some(if src.is_unspecified() {
        "the unspecified address"
    } else if src.is_loopback() && !context.looped_back {
        "the loopback address from outside this node"
    } else if src.is_multicast() {
        "a multicast address"
    } else if context.source_is_not_unique {
        "known to this node as an anycast address"
    } else {
        return None;
    })
}

/// Builds the ICMPv6 `error` about `offending` (an IPv6 packet as
/// received, link padding allowed) from `source`, the address of the
/// router's interface, into `out`, and returns the error's length: the
/// IPv6 header and the ICMPv6 message, at most
/// [`MAX_ICMPV6_ERROR_LEN`](super::MAX_ICMPV6_ERROR_LEN) bytes, checksum
/// filled. The module documentation lists the rules and the layout.
///
/// Refuses when a rule forbids the error, when extensions are given for a
/// Packet Too Big or Parameter Problem or do not fit, and when `out` is too
/// short.
pub fn build_v6(
    offending: &[u8],
    error: Icmpv6Error,
    source: Ipv6Addr,
    context: Context,
    options: &Options<'_>,
    out: &mut [u8],
) -> Result<usize, Refusal> {
    let ip = check(offending, error, context)?;
    let packet = &offending[..ip.buffer_len()];
    let (quote_len, ext) = plan_body(
        IpVersion::V6,
        error.msg_type().into(),
        error.allows_extensions(),
        packet.len(),
        options.extensions,
        EXTENSION_WORD,
    )?;
    let repr = error.repr(&packet[..quote_len], ext.as_ref().map(Extension::as_bytes));
    let icmp_len = repr.buffer_len();
    let (head, icmp) = output(out, ipv6::HEADER_LEN, icmp_len)?;
    let header = ipv6::Repr {
        src_addr: source,
        dst_addr: ip.src_addr,
        next_header: protocol::ICMPV6,
        payload_len: icmp_len,
        hop_limit: options.hop_limit,
        traffic_class: 0,
        flow_label: options.flow_label & 0x000f_ffff,
    };
    header.emit(&mut ipv6::Packet::new_unchecked(head));
    repr.emit(
        &mut icmpv6::Packet::new_unchecked(icmp),
        source,
        ip.src_addr,
    );
    Ok(ipv6::HEADER_LEN + icmp_len)
}
