//! A bounded walk of the IPv6 extension-header chain (RFC 8200 §4).
//!
//! ```text
//! generic (Hop-by-Hop 0, Routing 43, Destination Options 60,
//!          Mobility 135, HIP 139, Shim6 140):
//!   | next header | hdr ext len | ... | (hdr ext len + 1) × 8 bytes
//! Authentication Header (51):
//!   | next header | payload len | ... | (payload len + 2) × 4 bytes
//! Fragment (44), always 8 bytes:
//!   | next header | reserved | fragment offset (13) | res (2) | M |
//!   | identification (32)                                         |
//! ```
//!
//! The walk stops at the first next-header value that is not one of these:
//! an upper layer (TCP, UDP, ICMPv6, ...), ESP (50), whose contents are
//! encrypted, or No Next Header (59). It also stops after a Fragment header
//! whose offset is not zero, for what follows is the middle of the
//! fragmented data, not a header.

use crate::error::{Malformed, Result};
use crate::field::{get_u16, get_u32};
use crate::ip::protocol as p;

/// The most extension headers a walk accepts before giving
/// [`Malformed::TooMany`].
pub const MAX_EXTENSION_HEADERS: usize = 16;

/// The contents of an IPv6 Fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fragment {
    /// The fragment offset in bytes (a multiple of 8).
    pub offset: u16,
    /// The M (more fragments) flag.
    pub more: bool,
    /// The identification.
    pub ident: u32,
}

/// Where the extension-header chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpperLayer {
    /// The protocol after the last extension header (see
    /// [`crate::ip::protocol`]); when `complete` is false, the extension
    /// header that ran past the end.
    pub protocol: u8,
    /// The offset of that protocol's header from the start of the walked
    /// bytes.
    pub offset: usize,
    /// The first Fragment header on the way, if any.
    pub fragment: Option<Fragment>,
    /// The offset of the first Routing header on the way, if any, from the
    /// start of the walked bytes (see [`super::RoutingHeader`]).
    pub routing: Option<usize>,
    /// How many extension headers were walked.
    pub extension_headers: usize,
    /// False when a lax walk ([`walk_extensions_lax`]) stopped at an
    /// extension header cut off by the end of the bytes.
    pub complete: bool,
}

/// Walks the extension headers in `bytes` (an IPv6 payload), starting with
/// the header type `next_header` (the fixed header's next header field).
///
/// Errors: more than [`MAX_EXTENSION_HEADERS`] headers gives
/// [`Malformed::TooMany`]; a header cut off before its length field gives
/// [`Malformed::Truncated`], and a length running past the end
/// [`Malformed::Overrun`].
pub fn walk_extensions(next_header: u8, bytes: &[u8]) -> Result<UpperLayer> {
    walk(next_header, bytes, true)
}

/// As [`walk_extensions`], for a quoted (possibly truncated) datagram: a
/// header cut off by the end of `bytes` ends the walk with `complete` false
/// instead of an error. Too many headers is still an error.
pub fn walk_extensions_lax(next_header: u8, bytes: &[u8]) -> Result<UpperLayer> {
    walk(next_header, bytes, false)
}

/// Whether `next_header` names an extension header the walk goes through
/// (rather than one that ends it: an upper layer, ESP, No Next Header).
pub const fn is_extension_header(next_header: u8) -> bool {
    extension_name(next_header).is_some()
}

/// The name of an extension header, or `None` for anything that ends the
/// walk.
const fn extension_name(next_header: u8) -> Option<&'static str> {
    Some(match next_header {
        p::HOP_BY_HOP => "IPv6 Hop-by-Hop Options header",
        p::ROUTING => "IPv6 Routing header",
        p::FRAGMENT => "IPv6 Fragment header",
        p::DESTINATION_OPTIONS => "IPv6 Destination Options header",
        p::AH => "IPv6 Authentication Header",
        p::MOBILITY => "IPv6 Mobility header",
        p::HIP => "HIP header",
        p::SHIM6 => "Shim6 header",
        _ => return None,
    })
}

fn walk(first: u8, bytes: &[u8], strict: bool) -> Result<UpperLayer> {
    let mut at = UpperLayer {
        protocol: first,
        offset: 0,
        fragment: None,
        routing: None,
        extension_headers: 0,
        complete: true,
    };
    while let Some(what) = extension_name(at.protocol) {
        if at.extension_headers == MAX_EXTENSION_HEADERS {
            return Err(Malformed::TooMany {
                what: "IPv6 extension headers",
                limit: MAX_EXTENSION_HEADERS,
            });
        }
        let rest = bytes.get(at.offset..).unwrap_or(&[]);
        let (len, field) = match (at.protocol, rest.get(1)) {
            (p::FRAGMENT, _) => (8, "fixed length"),
            (_, None) => {
                if strict {
                    return Err(Malformed::Truncated {
                        what,
                        needed: 2,
                        available: rest.len(),
                    });
                }
                at.complete = false;
                return Ok(at);
            }
            (p::AH, Some(&l)) => ((usize::from(l) + 2) * 4, "payload length"),
            (_, Some(&l)) => ((usize::from(l) + 1) * 8, "header extension length"),
        };
        let Some(header) = rest.get(..len) else {
            if strict {
                return Err(Malformed::Overrun {
                    what,
                    field,
                    claimed: len,
                    available: rest.len(),
                });
            }
            at.complete = false;
            return Ok(at);
        };
        let kind = at.protocol;
        if kind == p::ROUTING {
            at.routing.get_or_insert(at.offset);
        }
        at.protocol = header[0];
        at.offset += len;
        at.extension_headers += 1;
        if kind == p::FRAGMENT {
            let word = get_u16(header, 2).unwrap_or(0);
            let frag = Fragment {
                offset: word & 0xfff8,
                more: word & 1 != 0,
                ident: get_u32(header, 4).unwrap_or(0),
            };
            at.fragment.get_or_insert(frag);
            if frag.offset != 0 {
                break;
            }
        }
    }
    Ok(at)
}
