//! Building an ICMP error as a router (or host) must: the rules of
//! RFC 1122 §3.2.2, RFC 1812 §4.3.2 and RFC 4443 §2.4, sans-IO and without
//! allocation.
//!
//! [`build_v4`] and [`build_v6`] take the offending datagram as received
//! (trailing link-layer padding allowed), the error to report
//! ([`Icmpv4Error`], [`Icmpv6Error`]), the error's source address, what the
//! receiving node knows that the bytes do not ([`Context`]) and the outer
//! header's settings ([`Options`], with optional RFC 4884 extension objects),
//! and write the whole error packet (outer IPv4 or IPv6 header and ICMP
//! message, checksums filled) into a caller's buffer:
//!
//! ```text
//!  IPv4: | IPv4 header (20) | ICMPv4 header (8) | quote ... | RFC 4884 ext |  <= 576 bytes
//!  IPv6: | IPv6 header (40) | ICMPv6 header (8) | quote ... | RFC 4884 ext |  <= 1280 bytes
//! ```
//!
//! or say which rule forbids sending one ([`Refusal`]). [`may_send_error`]
//! asks the same question without building anything.
//!
//! # The rules checked
//!
//! No error is sent about (in this order):
//! - a Source Quench request: RFC 6633 deprecates generating it;
//! - a datagram whose IP header is unreadable (RFC 1812 §4.3.2.7 and
//!   §5.2.2): too short, wrong version, IHL below 5, total (payload) length
//!   below the header or past the received bytes, or (IPv4) a header
//!   checksum that does not verify;
//! - a non-initial fragment (IPv4 fragment offset, or the offset of the
//!   first IPv6 Fragment header, not zero);
//! - an ICMP error: ICMPv4 types 3, 4, 5, 11 and 12 (RFC 1122 §3.2.2), any
//!   ICMPv6 type below 128 (RFC 4443 §2.1, §2.4 (e.1)) and an ICMPv6
//!   Redirect (RFC 4443 §2.4 (e.2)). An ICMP datagram too short to hold its
//!   type byte is refused too, as it cannot be shown not to be an error
//!   (Linux does the same for ICMPv4). An IPv6 datagram whose extension
//!   header chain ends before the upper layer is not known to carry ICMPv6
//!   and may get an error (RFC 7112 asks for one);
//! - a datagram to an IPv4 limited broadcast (255.255.255.255), an IPv4 or
//!   IPv6 multicast address, or an address the node knows to be a
//!   broadcast ([`Context::destination_is_broadcast`]: only the router's
//!   configuration tells a directed broadcast from a unicast address);
//! - a datagram that arrived as a link-layer broadcast or multicast
//!   ([`Context::link_layer`]);
//!
//!   except that, for IPv6, RFC 4443 §2.4 (e.3)-(e.5) allow a Packet Too
//!   Big and a Parameter Problem code 2 whose pointer points at an option
//!   type with the high-order bits `10` for the last two rules;
//! - a datagram whose source is not a single host: IPv4 0.0.0.0/8 ("this
//!   network": RFC 1122 allows it only while a host learns its address,
//!   and an error cannot reach it), 127.0.0.0/8 unless the datagram was
//!   looped back inside this node ([`Context::looped_back`]), 224.0.0.0/4
//!   (multicast), 240.0.0.0/4 (class E, with 255.255.255.255); IPv6 `::`,
//!   `::1` unless looped back (RFC 4291 §2.5.3), `ff00::/8`; and any
//!   address the node knows is not a single host
//!   ([`Context::source_is_not_unique`]: an IPv4 directed broadcast, an
//!   IPv6 anycast address, RFC 4443 §2.4 (e.6)).
//!
//! Rate limiting (RFC 1812 §4.3.2.8, RFC 4443 §2.4 (f)) is the caller's: it
//! needs a clock.
//!
//! # What is built
//!
//! The quote is as much of the offending datagram, from its IP header on,
//! as fits in an error of at most [`MAX_ICMPV4_ERROR_LEN`] bytes
//! (RFC 1812 §4.3.2.3) or [`MAX_ICMPV6_ERROR_LEN`] bytes (RFC 4443 §2.4
//! (c)); the datagram's own total length bounds it, so link padding is
//! never quoted. With extension objects (allowed for ICMPv4 types 3, 11,
//! 12 and ICMPv6 types 1, 3) the quote is zero-padded to a whole number of
//! words and at least 128 bytes, the RFC 4884 length attribute is set, and
//! the quote is shortened so that the quote, the padding and the extension
//! structure (checksum computed) still fit the limit.
//!
//! The IPv4 header has no options, DF clear, protocol 1, the TTL and
//! identification of [`Options`], and a TOS of precedence 6 ("internetwork
//! control", RFC 1812 §4.3.2.5) with the offending datagram's RFC 1349 TOS
//! bits (`0x1c`). Linux keeps `tos & 0x1e`, which carries the offending
//! ECN bit `0x02` (ECT(0)) into the error; an ICMP error is not an
//! ECN-capable transport (RFC 3168 §5), so the ECN field is left zero
//! here, the one byte in which this module's error differs from Linux's.
//! The IPv6 header has traffic class 0, next header 58, and the hop limit
//! and flow label of [`Options`].

use core::fmt;
use core::net::IpAddr;

use crate::error::Malformed;
use crate::extension::{self, ObjectRepr};
use crate::ip::IpVersion;

mod v4;
mod v6;

pub use v4::{Icmpv4Error, build_v4};
pub use v6::{Icmpv6Error, build_v6};

/// The longest ICMPv4 error a router sends (RFC 1812 §4.3.2.3): the
/// minimum datagram every host accepts. With a 20-byte IPv4 header and the
/// 8-byte ICMP header this leaves 548 bytes of quote.
pub const MAX_ICMPV4_ERROR_LEN: usize = 576;

/// The longest ICMPv6 error (RFC 4443 §2.4 (c)): the IPv6 minimum MTU. With
/// the 40-byte IPv6 header and the 8-byte ICMPv6 header this leaves 1232
/// bytes of quote.
pub const MAX_ICMPV6_ERROR_LEN: usize = 1280;

/// The TTL or hop limit of an error unless [`Options`] says otherwise.
pub const DEFAULT_HOP_LIMIT: u8 = 64;

/// The length of the ICMP header before the quote, in both families.
const ICMP_HEADER_LEN: usize = 8;

/// The largest extension structure that fits any error: an IPv6 error
/// with the 128-byte minimum original-datagram field.
const MAX_EXTENSION_LEN: usize =
    MAX_ICMPV6_ERROR_LEN - crate::ipv6::HEADER_LEN - ICMP_HEADER_LEN - 128;

/// The size limits of an error, per family: [`Limits::V4`] and
/// [`Limits::V6`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The longest error packet, IP header included.
    pub max_len: usize,
    /// The outer IP header's length.
    pub ip_header_len: usize,
}

impl Limits {
    /// ICMPv4: 576 bytes with a 20-byte header.
    pub const V4: Self = Self {
        max_len: MAX_ICMPV4_ERROR_LEN,
        ip_header_len: crate::ipv4::HEADER_LEN,
    };
    /// ICMPv6: 1280 bytes with a 40-byte header.
    pub const V6: Self = Self {
        max_len: MAX_ICMPV6_ERROR_LEN,
        ip_header_len: crate::ipv6::HEADER_LEN,
    };

    /// The most bytes of the offending datagram an error without
    /// extensions quotes: 548 for ICMPv4, 1232 for ICMPv6.
    pub const fn max_quote_len(&self) -> usize {
        self.max_len - self.ip_header_len - ICMP_HEADER_LEN
    }

    /// The limits of a family.
    pub const fn of(version: IpVersion) -> Self {
        match version {
            IpVersion::V4 => Self::V4,
            IpVersion::V6 => Self::V6,
        }
    }
}

/// How the offending datagram arrived at the link layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinkLayer {
    /// Sent to this node's link-layer address.
    #[default]
    Unicast,
    /// Sent to the link-layer broadcast address.
    Broadcast,
    /// Sent to a link-layer multicast address.
    Multicast,
}

/// What the node that received the offending datagram knows and the bytes
/// do not say. The default is a datagram received as link-layer unicast
/// from another node, with no address known to be special.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Context {
    /// How the datagram arrived at the link layer.
    pub link_layer: LinkLayer,
    /// The destination is a broadcast address only configuration reveals:
    /// an IPv4 directed (subnet) broadcast of an attached network.
    pub destination_is_broadcast: bool,
    /// The source is an address known not to be a single host: an IPv4
    /// directed broadcast, an IPv6 anycast address.
    pub source_is_not_unique: bool,
    /// The datagram was looped back inside this node, so a loopback source
    /// (127.0.0.0/8, `::1`) is a legitimate single host.
    pub looped_back: bool,
}

/// The outer header's settings and the extension objects of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options<'a> {
    /// The TTL (IPv4) or hop limit (IPv6); [`DEFAULT_HOP_LIMIT`] by
    /// default.
    pub hop_limit: u8,
    /// The IPv4 identification (unused for IPv6).
    pub ident: u16,
    /// The IPv6 flow label (20 bits; unused for IPv4).
    pub flow_label: u32,
    /// RFC 4884 extension objects to attach (RFC 4950 MPLS label stack,
    /// RFC 5837 interface information, ...). Only ICMPv4 types 3, 11, 12
    /// and ICMPv6 types 1, 3 may carry them.
    pub extensions: &'a [ObjectRepr<'a>],
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            hop_limit: DEFAULT_HOP_LIMIT,
            ident: 0,
            flow_label: 0,
            extensions: &[],
        }
    }
}

/// The error to report, of either family, for [`may_send_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// An ICMPv4 error about an IPv4 datagram.
    V4(Icmpv4Error),
    /// An ICMPv6 error about an IPv6 packet.
    V6(Icmpv6Error),
}

impl From<Icmpv4Error> for Reason {
    fn from(error: Icmpv4Error) -> Self {
        Self::V4(error)
    }
}

impl From<Icmpv6Error> for Reason {
    fn from(error: Icmpv6Error) -> Self {
        Self::V6(error)
    }
}

/// Why no ICMP error may (or can) be sent about a datagram. `Display` names
/// the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The offending datagram is itself an ICMP error (ICMPv4 type 3, 4, 5,
    /// 11 or 12; ICMPv6 type below 128).
    ErrorAboutError {
        /// The family.
        version: IpVersion,
        /// The offending message's type.
        msg_type: u8,
    },
    /// The offending packet is an ICMPv6 Redirect (RFC 4443 §2.4 (e.2)).
    AboutRedirect,
    /// The offending datagram was sent to a broadcast or multicast address.
    DestinationBroadcastOrMulticast {
        /// Its destination.
        destination: IpAddr,
    },
    /// The offending datagram arrived as a link-layer broadcast or
    /// multicast.
    LinkLayerBroadcast {
        /// The family.
        version: IpVersion,
        /// How it arrived.
        link_layer: LinkLayer,
    },
    /// The offending datagram is a fragment other than the first.
    NonInitialFragment {
        /// The family.
        version: IpVersion,
        /// Its fragment offset in bytes.
        offset: u16,
    },
    /// The offending datagram's source does not name a single host.
    SourceNotAUniqueHost {
        /// Its source.
        source: IpAddr,
        /// What the source is, completing "the source ... is ...".
        why: &'static str,
    },
    /// The offending bytes are not a readable IP datagram (or ICMP header).
    MalformedOffending(Malformed),
    /// The offending IPv4 header's checksum does not verify.
    BadHeaderChecksum {
        /// The checksum field found.
        found: u16,
    },
    /// Source Quench is never generated (RFC 6633).
    SourceQuenchDeprecated,
    /// Extension objects were given for an error type that cannot carry
    /// them.
    ExtensionsNotAllowed {
        /// The family.
        version: IpVersion,
        /// The error's type.
        msg_type: u8,
    },
    /// The extension objects leave no room for the 128-byte original
    /// datagram field within the size limit.
    ExtensionsTooLarge {
        /// The length the error would need.
        needed: usize,
        /// The limit.
        limit: usize,
    },
    /// The output buffer is too short for the error.
    OutputTooSmall {
        /// The error's length.
        needed: usize,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v4 = |version: &IpVersion| matches!(version, IpVersion::V4);
        match self {
            Self::ErrorAboutError { version, msg_type } if v4(version) => write!(
                f,
                "the offending datagram is itself an ICMP error (type {msg_type}) (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)"
            ),
            Self::ErrorAboutError { msg_type, .. } => write!(
                f,
                "the offending packet is itself an ICMPv6 error (type {msg_type}) (RFC 4443 §2.4 (e.1))"
            ),
            Self::AboutRedirect => {
                f.write_str("the offending packet is an ICMPv6 Redirect (RFC 4443 §2.4 (e.2))")
            }
            Self::DestinationBroadcastOrMulticast { destination } => match destination {
                IpAddr::V4(_) => write!(
                    f,
                    "the offending datagram was sent to the broadcast or multicast address {destination} (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7)"
                ),
                IpAddr::V6(_) => write!(
                    f,
                    "the offending packet was sent to the multicast address {destination} (RFC 4443 §2.4 (e.3))"
                ),
            },
            Self::LinkLayerBroadcast {
                version,
                link_layer,
            } => {
                let how = match link_layer {
                    LinkLayer::Multicast => "multicast",
                    _ => "broadcast",
                };
                let rfc = if v4(version) {
                    "RFC 1122 §3.2.2, RFC 1812 §4.3.2.7"
                } else if matches!(link_layer, LinkLayer::Multicast) {
                    "RFC 4443 §2.4 (e.4)"
                } else {
                    "RFC 4443 §2.4 (e.5)"
                };
                write!(
                    f,
                    "the offending datagram arrived as a link-layer {how} ({rfc})"
                )
            }
            Self::NonInitialFragment { version, offset } => {
                let rfc = if v4(version) {
                    "RFC 1122 §3.2.2, RFC 1812 §4.3.2.7"
                } else {
                    "RFC 4443 §2.4 (e), RFC 8200 §4.5"
                };
                write!(
                    f,
                    "the offending datagram is a non-initial fragment (offset {offset}) ({rfc})"
                )
            }
            Self::SourceNotAUniqueHost { source, why } => {
                let rfc = match source {
                    IpAddr::V4(_) => "RFC 1122 §3.2.2, RFC 1812 §4.3.2.7",
                    IpAddr::V6(_) => "RFC 4443 §2.4 (e.6)",
                };
                write!(
                    f,
                    "the offending datagram's source {source} is {why}, not a single host ({rfc})"
                )
            }
            Self::MalformedOffending(reason) => write!(
                f,
                "the offending datagram is not a readable IP datagram: {reason} (RFC 1812 §4.3.2.7)"
            ),
            Self::BadHeaderChecksum { found } => write!(
                f,
                "the offending datagram's IPv4 header checksum {found:#06x} does not verify (RFC 1812 §5.2.2, §4.3.2.7)"
            ),
            Self::SourceQuenchDeprecated => {
                f.write_str("Source Quench is deprecated and must not be generated (RFC 6633 §3)")
            }
            Self::ExtensionsNotAllowed { version, msg_type } => write!(
                f,
                "{} type {msg_type} cannot carry RFC 4884 extension objects (RFC 4884 §4)",
                if v4(version) { "ICMPv4" } else { "ICMPv6" }
            ),
            Self::ExtensionsTooLarge { needed, limit } => write!(
                f,
                "the extension objects need a {needed}-byte error, over the {limit}-byte limit (RFC 4884 §4.1)"
            ),
            Self::OutputTooSmall { needed } => {
                write!(
                    f,
                    "the output buffer is shorter than the {needed}-byte error"
                )
            }
        }
    }
}

impl core::error::Error for Refusal {}

/// Whether an error `reason` may be sent about `offending` (an IPv4 or
/// IPv6 datagram as received), given what the receiving node knows
/// (`context`): every rule [`build_v4`] or [`build_v6`] checks before
/// building, for a prober or a guard that builds nothing.
///
/// The reason matters: Source Quench is never sent, and for IPv6 a Packet
/// Too Big (and a Parameter Problem about a certain option) may be sent
/// about a multicast packet. A reason of the other family than the bytes
/// gives [`Refusal::MalformedOffending`] for the version.
pub fn may_send_error(offending: &[u8], reason: Reason, context: Context) -> Result<(), Refusal> {
    match reason {
        Reason::V4(error) => v4::check(offending, error, context).map(|_| ()),
        Reason::V6(error) => v6::check(offending, error, context).map(|_| ()),
    }
}

/// The extension structure of an error, written into a scratch buffer.
struct Extension {
    bytes: [u8; MAX_EXTENSION_LEN],
    len: usize,
}

impl Extension {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Lays out the body of an error of family `version` and type `msg_type`:
/// returns the quote length and the extension structure (if any objects
/// were given), or why the objects cannot be carried (the type does not
/// allow them: `allows_extensions` is false) or cannot fit.
///
/// `datagram_len` is the offending datagram's own length (its length
/// field, not the received bytes); `word` the RFC 4884 word size.
fn plan_body(
    version: IpVersion,
    msg_type: u8,
    allows_extensions: bool,
    datagram_len: usize,
    objects: &[ObjectRepr<'_>],
    word: usize,
) -> Result<(usize, Option<Extension>), Refusal> {
    let limits = Limits::of(version);
    let room = limits.max_quote_len();
    if objects.is_empty() {
        return Ok((datagram_len.min(room), None));
    }
    if !allows_extensions {
        return Err(Refusal::ExtensionsNotAllowed { version, msg_type });
    }
    let ext_len = extension::structure_len(objects);
    let needed = limits.max_len - room + extension::COMPAT_ORIGINAL_LEN + ext_len;
    if needed > limits.max_len {
        return Err(Refusal::ExtensionsTooLarge {
            needed,
            limit: limits.max_len,
        });
    }
    // ext_len <= room - 128 <= MAX_EXTENSION_LEN, checked just above.
    let mut ext = Extension {
        bytes: [0; MAX_EXTENSION_LEN],
        len: ext_len,
    };
    extension::emit_structure(objects, &mut ext.bytes, true);
    // The quote is padded up to whole words: cut it to whole words of the
    // room left so that the padding never overflows the limit.
    let quote_room = (room - ext_len) / word * word;
    Ok((datagram_len.min(quote_room), Some(ext)))
}

/// Checks the version nibble first, so that a datagram of the other
/// family is named as such rather than as a bad length.
fn check_version(offending: &[u8], expected: IpVersion) -> Result<(), Refusal> {
    let (what, rule) = match expected {
        IpVersion::V4 => ("IPv4 header", "is not 4"),
        IpVersion::V6 => ("IPv6 header", "is not 6"),
    };
    match offending.first().map(|b| b >> 4) {
        Some(version) if version != expected.number() => {
            Err(Refusal::MalformedOffending(Malformed::Invalid {
                what,
                field: "version",
                value: u32::from(version),
                rule,
            }))
        }
        _ => Ok(()),
    }
}

/// Refuses an offending ICMP message whose type byte (`msg_type`, `None`
/// when the message is empty) is missing or names an error (`is_error`):
/// no error is sent about an error (RFC 1122 §3.2.2, RFC 4443 §2.4 (e.1)).
/// Returns the type otherwise.
fn check_not_an_error(
    version: IpVersion,
    msg_type: Option<&u8>,
    is_error: impl Fn(u8) -> bool,
) -> Result<u8, Refusal> {
    match msg_type {
        None => Err(Refusal::MalformedOffending(Malformed::Truncated {
            what: match version {
                IpVersion::V4 => "ICMPv4 header",
                IpVersion::V6 => "ICMPv6 header",
            },
            needed: 1,
            available: 0,
        })),
        Some(&msg_type) if is_error(msg_type) => {
            Err(Refusal::ErrorAboutError { version, msg_type })
        }
        Some(&msg_type) => Ok(msg_type),
    }
}

/// Refuses a datagram that arrived as a link-layer broadcast or multicast.
fn check_link_layer(version: IpVersion, context: Context) -> Result<(), Refusal> {
    if context.link_layer == LinkLayer::Unicast {
        Ok(())
    } else {
        Err(Refusal::LinkLayerBroadcast {
            version,
            link_layer: context.link_layer,
        })
    }
}

/// Refuses a datagram whose `source` is not a single host, `why` saying
/// what it is instead.
fn check_source(source: IpAddr, why: Option<&'static str>) -> Result<(), Refusal> {
    match why {
        Some(why) => Err(Refusal::SourceNotAUniqueHost { source, why }),
        None => Ok(()),
    }
}

/// Checks that `out` holds an error of `header_len` + `icmp_len` bytes and
/// returns exactly those, split into the IP header and the ICMP message.
fn output(
    out: &mut [u8],
    header_len: usize,
    icmp_len: usize,
) -> Result<(&mut [u8], &mut [u8]), Refusal> {
    let needed = header_len + icmp_len;
    out.get_mut(..needed)
        .ok_or(Refusal::OutputTooSmall { needed })
        .map(|out| out.split_at_mut(header_len))
}

#[cfg(test)]
mod tests;
