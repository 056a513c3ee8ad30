//! The ICMP errors a node sends, built by `icmpkit_wire::generate` (which
//! refuses what RFC 1122, RFC 1812 and RFC 4443 forbid).

use std::net::IpAddr;

use icmpkit_wire::extension::{InterfaceInformation, MplsLabel, ObjectRepr};
use icmpkit_wire::generate::{self, Context, Icmpv4Error, Icmpv6Error, Options, Refusal};
use icmpkit_wire::{icmpv4, icmpv6};

use crate::topology::Unreachable;

/// An ICMP error a node sends about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Time Exceeded in transit.
    TimeExceeded,
    /// Destination Unreachable.
    Unreachable(Unreachable),
    /// Fragmentation Needed (ICMPv4) or Packet Too Big (ICMPv6).
    TooBig(u16),
}

/// What a router attaches to an error: an MPLS label stack (on Time
/// Exceeded) and RFC 5837 information about the incoming interface.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Attach<'a> {
    /// The label stack, top first.
    pub(crate) mpls: &'a [MplsLabel],
    /// The incoming interface.
    pub(crate) interface: Option<InterfaceInformation<'a>>,
}

/// Builds the error `kind` about `offending` (a whole IP packet as the node
/// received it) from `from`, with this TTL and identification and the
/// extension objects of `attach` its type may carry. `Err` names the rule
/// of `generate` that forbids it.
pub(crate) fn error_packet(
    offending: &[u8],
    kind: ErrorKind,
    from: IpAddr,
    hop_limit: u8,
    ident: u16,
    attach: Attach<'_>,
    context: Context,
) -> Result<Vec<u8>, Refusal> {
    let mut objects = Vec::with_capacity(2);
    if kind == ErrorKind::TimeExceeded && !attach.mpls.is_empty() {
        objects.push(ObjectRepr::Mpls(attach.mpls));
    }
    // Packet Too Big (ICMPv6 type 2) cannot carry extensions.
    let carries = !(from.is_ipv6() && matches!(kind, ErrorKind::TooBig(_)));
    if let Some(info) = attach.interface
        && carries
    {
        objects.push(ObjectRepr::InterfaceInformation(info));
    }
    let options = Options {
        hop_limit,
        ident,
        flow_label: 0,
        extensions: &objects,
    };
    let mut out = vec![0; generate::MAX_ICMPV6_ERROR_LEN];
    let len = match from {
        IpAddr::V4(source) => generate::build_v4(
            offending,
            v4_error(kind),
            source,
            context,
            &options,
            &mut out,
        ),
        IpAddr::V6(source) => generate::build_v6(
            offending,
            v6_error(kind),
            source,
            context,
            &options,
            &mut out,
        ),
    }?;
    out.truncate(len);
    Ok(out)
}

/// The ICMPv4 error of `kind`.
fn v4_error(kind: ErrorKind) -> Icmpv4Error {
    match kind {
        ErrorKind::TimeExceeded => Icmpv4Error::TimeExceeded {
            code: icmpv4::TimeExceeded::TtlExceededInTransit,
        },
        ErrorKind::Unreachable(code) => Icmpv4Error::DestinationUnreachable {
            code: code.v4,
            next_hop_mtu: 0,
        },
        ErrorKind::TooBig(mtu) => Icmpv4Error::DestinationUnreachable {
            code: icmpv4::DestinationUnreachable::FragmentationNeeded,
            next_hop_mtu: mtu,
        },
    }
}

/// The ICMPv6 error of `kind`.
fn v6_error(kind: ErrorKind) -> Icmpv6Error {
    match kind {
        ErrorKind::TimeExceeded => Icmpv6Error::TimeExceeded {
            code: icmpv6::TimeExceeded::HopLimitExceeded,
        },
        ErrorKind::Unreachable(code) => Icmpv6Error::DestinationUnreachable { code: code.v6 },
        ErrorKind::TooBig(mtu) => Icmpv6Error::PacketTooBig {
            mtu: u32::from(mtu),
        },
    }
}

/// The rule that forbids the error `kind` about `offending` (a datagram
/// of `v6`'s family), if one does, without building anything.
pub(crate) fn refusal(offending: &[u8], kind: ErrorKind, v6: bool) -> Option<Refusal> {
    let reason = if v6 {
        generate::Reason::V6(v6_error(kind))
    } else {
        generate::Reason::V4(v4_error(kind))
    };
    generate::may_send_error(offending, reason, Context::default()).err()
}

impl ErrorKind {
    /// The ICMP type and code of the error in `v6`'s family or ICMPv4.
    pub(crate) fn type_and_code(self, v6: bool) -> (u8, u8) {
        match (self, v6) {
            (Self::TimeExceeded, false) => (11, 0),
            (Self::TimeExceeded, true) => (3, 0),
            (Self::Unreachable(u), false) => (3, u8::from(u.v4)),
            (Self::Unreachable(u), true) => (1, u8::from(u.v6)),
            (Self::TooBig(_), false) => (3, 4),
            (Self::TooBig(_), true) => (2, 0),
        }
    }
}

/// A short stable name for the rule behind a refusal, for counters.
pub fn refusal_rule(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::ErrorAboutError { .. } => "error-about-error",
        Refusal::AboutRedirect => "about-redirect",
        Refusal::DestinationBroadcastOrMulticast { .. } => "to-broadcast-or-multicast",
        Refusal::LinkLayerBroadcast { .. } => "link-layer-broadcast",
        Refusal::NonInitialFragment { .. } => "non-initial-fragment",
        Refusal::SourceNotAUniqueHost { .. } => "source-not-a-host",
        Refusal::MalformedOffending(_) => "malformed",
        Refusal::BadHeaderChecksum { .. } => "bad-header-checksum",
        Refusal::SourceQuenchDeprecated => "source-quench",
        _ => "other",
    }
}
