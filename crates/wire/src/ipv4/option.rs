//! IPv4 options (RFC 791 §3.1, RFC 2113): an iterator over the option area.
//!
//! ```text
//! single-byte:  | type |                      (0 End of List, 1 No-Op)
//! others:       | type | length | data (length - 2 bytes) ... |
//! route (7 RR, 131 LSRR, 137 SSRR): | type | length | pointer | addresses |
//! timestamp (68): | 68 | length | pointer | overflow:4 flags:4 | data |
//! router alert (148): | 148 | 4 | value (16) |
//! ```

use crate::error::{Malformed, Result};
use core::net::Ipv4Addr;

pub mod linux;
mod request;

pub use request::{
    MAX_LEN, MAX_PRESPECIFIED, OptionArea, TimestampFlags, emit_record_route, emit_timestamp,
};

const WHAT: &str = "IPv4 option";

/// Option type numbers (the whole type byte, copy flag included).
pub mod kind {
    /// End of Option List.
    pub const END_OF_LIST: u8 = 0;
    /// No Operation.
    pub const NO_OPERATION: u8 = 1;
    /// Record Route.
    pub const RECORD_ROUTE: u8 = 7;
    /// Timestamp.
    pub const TIMESTAMP: u8 = 68;
    /// Loose Source and Record Route.
    pub const LOOSE_SOURCE_ROUTE: u8 = 131;
    /// Strict Source and Record Route.
    pub const STRICT_SOURCE_ROUTE: u8 = 137;
    /// Router Alert (RFC 2113).
    pub const ROUTER_ALERT: u8 = 148;
}

/// A run of IPv4 addresses in a route option. A trailing part shorter than
/// 4 bytes is not an address and is skipped by [`AddressList::iter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressList<'a>(pub &'a [u8]);

impl<'a> AddressList<'a> {
    /// The raw bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The addresses, in order.
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + 'a {
        self.0
            .chunks_exact(4)
            .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
    }
}

/// One IPv4 option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv4Option<'a> {
    /// End of Option List (type 0): the rest of the area is padding.
    EndOfList,
    /// No Operation (type 1), used to align the next option.
    NoOperation,
    /// Record Route (type 7).
    RecordRoute {
        /// Where the next address goes, 1-based from the option's type byte.
        pointer: u8,
        /// The route data (recorded addresses and empty slots).
        route: AddressList<'a>,
    },
    /// Loose Source and Record Route (type 131).
    LooseSourceRoute {
        /// Where the next address is, 1-based from the option's type byte.
        pointer: u8,
        /// The route data.
        route: AddressList<'a>,
    },
    /// Strict Source and Record Route (type 137).
    StrictSourceRoute {
        /// Where the next address is, 1-based from the option's type byte.
        pointer: u8,
        /// The route data.
        route: AddressList<'a>,
    },
    /// Internet Timestamp (type 68).
    Timestamp {
        /// Where the next entry goes, 1-based from the option's type byte.
        pointer: u8,
        /// How many hops could not record a timestamp (4 bits).
        overflow: u8,
        /// 0: timestamps only; 1: address and timestamp; 3: prespecified.
        flags: u8,
        /// The entries.
        data: &'a [u8],
    },
    /// Router Alert (type 148, RFC 2113).
    RouterAlert {
        /// The value (0: router shall examine the packet).
        value: u16,
    },
    /// Any other option, kept raw.
    Unknown {
        /// The type byte.
        kind: u8,
        /// The bytes after the type and length.
        data: &'a [u8],
    },
}

/// An iterator over an IPv4 option area. It yields `Err` once for an option
/// whose length is below its minimum or overruns the area, then stops; it
/// stops after End of Option List.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
}

impl<'a> Options<'a> {
    /// Iterates over `area`, the bytes between byte 20 and IHL × 4.
    pub const fn new(area: &'a [u8]) -> Self {
        Self { rest: area }
    }

    fn next_option(&mut self) -> Result<Ipv4Option<'a>> {
        let area = core::mem::take(&mut self.rest);
        let Some((&kind, after)) = area.split_first() else {
            return Err(Malformed::Truncated {
                what: WHAT,
                needed: 1,
                available: 0,
            });
        };
        match kind {
            kind::END_OF_LIST => return Ok(Ipv4Option::EndOfList),
            kind::NO_OPERATION => {
                self.rest = after;
                return Ok(Ipv4Option::NoOperation);
            }
            _ => {}
        }
        let Some(&len) = after.first() else {
            return Err(Malformed::Truncated {
                what: WHAT,
                needed: 2,
                available: 1,
            });
        };
        let (min, rule) = match kind {
            kind::RECORD_ROUTE | kind::LOOSE_SOURCE_ROUTE | kind::STRICT_SOURCE_ROUTE => {
                (3, "is below the minimum of 3 for a route option")
            }
            kind::TIMESTAMP => (4, "is below the minimum of 4 for a timestamp option"),
            kind::ROUTER_ALERT => (4, "is below the minimum of 4 for a router alert option"),
            _ => (2, "is below the minimum of 2"),
        };
        if len < min {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "length",
                value: u32::from(len),
                rule,
            });
        }
        let Some((whole, rest)) = area.split_at_checked(usize::from(len)) else {
            return Err(Malformed::Overrun {
                what: WHAT,
                field: "length",
                claimed: usize::from(len),
                available: area.len(),
            });
        };
        self.rest = rest;
        // `whole` holds at least `min` bytes, so these indexes are in range.
        let data = &whole[2..];
        Ok(match kind {
            kind::RECORD_ROUTE => Ipv4Option::RecordRoute {
                pointer: data[0],
                route: AddressList(&data[1..]),
            },
            kind::LOOSE_SOURCE_ROUTE => Ipv4Option::LooseSourceRoute {
                pointer: data[0],
                route: AddressList(&data[1..]),
            },
            kind::STRICT_SOURCE_ROUTE => Ipv4Option::StrictSourceRoute {
                pointer: data[0],
                route: AddressList(&data[1..]),
            },
            kind::TIMESTAMP => Ipv4Option::Timestamp {
                pointer: data[0],
                overflow: data[1] >> 4,
                flags: data[1] & 0x0f,
                data: &data[2..],
            },
            kind::ROUTER_ALERT if len == 4 => Ipv4Option::RouterAlert {
                value: u16::from_be_bytes([data[0], data[1]]),
            },
            _ => Ipv4Option::Unknown { kind, data },
        })
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<Ipv4Option<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        Some(self.next_option())
    }
}

#[cfg(test)]
mod tests;
