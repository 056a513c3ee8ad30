//! The IPv6 Routing header (RFC 8200 §4.4) as far as a checksum needs it:
//! the final destination, which the upper-layer pseudo-header covers
//! (RFC 8200 §8.1) while segments are left to visit.
//!
//! ```text
//! | next header | hdr ext len | routing type | segments left |
//! | type-specific data ((hdr ext len + 1) × 8 - 4 bytes)       |
//!
//! type 0 (RFC 2460, deprecated by RFC 5095): 4 reserved bytes, then
//!   hdr ext len / 2 addresses; the last one is final.
//! type 2 (Mobile IPv6, RFC 6275): 4 reserved bytes, the home address
//!   (final); hdr ext len 2.
//! type 3 (RPL source route, RFC 6554):
//!   | CmprI | CmprE | Pad | reserved (20 bits) |
//!   n - 1 addresses of 16 - CmprI bytes, the last of 16 - CmprE bytes,
//!   Pad bytes; the elided leading bytes are the IPv6 destination's.
//! type 4 (segment routing header, RFC 8754):
//!   | last entry | flags | tag (16) |, then Segment List[0..=last entry],
//!   16 bytes each; Segment List[0] is final.
//! ```

use core::net::Ipv6Addr;

use crate::error::{Malformed, Result, need};

/// Routing type 0, the deprecated source route (RFC 5095).
pub const TYPE_SOURCE_ROUTE: u8 = 0;
/// Routing type 2, Mobile IPv6's home address (RFC 6275).
pub const TYPE_MOBILE_IPV6: u8 = 2;
/// Routing type 3, RPL's compressed source route (RFC 6554).
pub const TYPE_RPL: u8 = 3;
/// Routing type 4, the segment routing header (RFC 8754).
pub const TYPE_SEGMENT_ROUTING: u8 = 4;

const WHAT: &str = "IPv6 Routing header";
/// Where the addresses (or segments) start.
const DATA: usize = 8;
const ADDR: usize = 16;

/// A read-only view of one routing header, as long as its header extension
/// length says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingHeader<'a> {
    bytes: &'a [u8],
}

impl<'a> RoutingHeader<'a> {
    /// Wraps the routing header at the start of `bytes`: at least 8 bytes
    /// and all that its header extension length claims, or
    /// [`Malformed::Truncated`] / [`Malformed::Overrun`].
    pub fn new_checked(bytes: &'a [u8]) -> Result<Self> {
        need(WHAT, bytes, DATA)?;
        let len = (usize::from(bytes[1]) + 1) * 8;
        let bytes = bytes.get(..len).ok_or(Malformed::Overrun {
            what: WHAT,
            field: "header extension length",
            claimed: len,
            available: bytes.len(),
        })?;
        Ok(Self { bytes })
    }

    /// The routing type.
    pub fn routing_type(&self) -> u8 {
        self.bytes[2]
    }

    /// How many listed nodes are still to be visited.
    pub fn segments_left(&self) -> u8 {
        self.bytes[3]
    }

    /// The destination the packet is finally bound for, and the first rule
    /// of its routing type the header breaks, if any.
    ///
    /// The destination is `None` when it is the IPv6 destination `dst`: no
    /// segments are left, or the routing type names no final destination
    /// (any type but 0, 2, 3 and 4; such a packet is discarded on the way).
    ///
    /// A header breaking its type's rules ([`Malformed::Invalid`]: segments
    /// left exceeding the listed addresses, or a header length that fits no
    /// whole list) is read as far as it goes, as tshark reads it: the last
    /// whole address of a type 0 list, the first address of a type 2
    /// header, Segment List\[0\] of a segment routing header, the last
    /// address of an RPL route; none (the IPv6 destination) when there is
    /// no such address.
    pub fn final_destination(&self, dst: Ipv6Addr) -> Route {
        let left = usize::from(self.segments_left());
        if left == 0 {
            return Route::default();
        }
        let data = &self.bytes[DATA..];
        let whole = data.len() / ADDR;
        let first = (whole > 0).then(|| address(data, 0));
        let ext_len = u32::from(self.bytes[1]);
        let (addresses, addr, broken) = match self.routing_type() {
            TYPE_SOURCE_ROUTE => (
                whole,
                whole.checked_sub(1).map(|i| address(data, i * ADDR)),
                (ext_len % 2 != 0).then(|| invalid("header extension length", ext_len, "is odd")),
            ),
            TYPE_MOBILE_IPV6 => (
                1,
                first,
                (ext_len != 2).then(|| invalid("header extension length", ext_len, "is not 2")),
            ),
            TYPE_RPL => return rpl_final(self.bytes, left, dst),
            TYPE_SEGMENT_ROUTING => {
                let entries = usize::from(self.bytes[4]) + 1;
                let broken = (entries > whole).then(|| {
                    invalid(
                        "last entry",
                        u32::from(self.bytes[4]),
                        "lists more segments than the header holds",
                    )
                });
                (entries, first, broken)
            }
            _ => return Route::default(),
        };
        let too_far = (left > addresses).then(|| {
            invalid(
                "segments left",
                u32::from(self.segments_left()),
                "exceeds the addresses listed",
            )
        });
        Route {
            final_destination: addr,
            broken: broken.or(too_far),
        }
    }
}

/// What a routing header says of the final destination
/// ([`RoutingHeader::final_destination`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Route {
    /// The final destination, when it is not the IPv6 destination.
    pub final_destination: Option<Ipv6Addr>,
    /// The first rule of its routing type the header breaks; the final
    /// destination is then read as far as the header goes.
    pub broken: Option<Malformed>,
}

/// The last address of an RPL source route (RFC 6554 §3), its first `CmprE`
/// bytes taken from `dst`, read as [`RoutingHeader::final_destination`]
/// says.
fn rpl_final(bytes: &[u8], left: usize, dst: Ipv6Addr) -> Route {
    let cmpr_i = usize::from(bytes[4] >> 4);
    let cmpr_e = usize::from(bytes[4] & 0x0f);
    let pad = usize::from(bytes[5] >> 4);
    let (each, last_len) = (ADDR - cmpr_i, ADDR - cmpr_e);
    let room = bytes.len() - DATA;
    let ext_len = u32::from(bytes[1]);
    let Some(others) = room.checked_sub(pad + last_len) else {
        return Route {
            final_destination: None,
            broken: Some(invalid(
                "header extension length",
                ext_len,
                "leaves no room for the last address",
            )),
        };
    };
    let broken = if others % each != 0 {
        Some(invalid(
            "header extension length",
            ext_len,
            "does not fit a whole number of compressed addresses",
        ))
    } else if left > others / each + 1 {
        Some(invalid(
            "segments left",
            u32::from(bytes[3]),
            "exceeds the addresses listed",
        ))
    } else {
        None
    };
    let mut octets = dst.octets();
    let start = DATA + others;
    octets[cmpr_e..].copy_from_slice(&bytes[start..start + last_len]);
    Route {
        final_destination: Some(Ipv6Addr::from(octets)),
        broken,
    }
}

fn address(data: &[u8], at: usize) -> Ipv6Addr {
    let mut octets = [0; ADDR];
    octets.copy_from_slice(&data[at..at + ADDR]);
    Ipv6Addr::from(octets)
}

const fn invalid(field: &'static str, value: u32, rule: &'static str) -> Malformed {
    Malformed::Invalid {
        what: WHAT,
        field,
        value,
        rule,
    }
}

#[cfg(test)]
mod tests;
