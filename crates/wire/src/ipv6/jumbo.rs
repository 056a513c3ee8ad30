//! Jumbograms (RFC 2675): an IPv6 packet whose payload length field is 0
//! and whose real length, above 65535, is in a Jumbo Payload option of the
//! Hop-by-Hop Options header.
//!
//! ```text
//! Hop-by-Hop Options header: | next header | hdr ext len | options ... |
//! Jumbo Payload option:      | 0xC2 | 4 | jumbo payload length (32)    |
//! ```
//!
//! The jumbo payload length counts everything after the fixed header, the
//! Hop-by-Hop header included. RFC 2675 §3 names the errors a receiver
//! answers with a Parameter Problem: a Jumbo Payload option with a payload
//! length other than 0 or a jumbo payload length up to 65535, a payload
//! length of 0 behind a Hop-by-Hop header without one, and a Fragment
//! header in a jumbogram; here each is a [`Malformed`] reason. The first,
//! as tshark reads it, leaves the payload length field in force
//! ([`PayloadLen::OptionIgnored`]).

use crate::error::{Malformed, Result};
use crate::field::get_u32;
use crate::ip::protocol;

/// The Jumbo Payload option's type.
pub const OPTION_JUMBO_PAYLOAD: u8 = 0xc2;
/// The Pad1 option's type: one byte, no length.
const OPTION_PAD1: u8 = 0;

const WHAT: &str = "IPv6 Jumbo Payload option";

/// Where an IPv6 packet's payload length comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadLen {
    /// The fixed header's payload length field: no Jumbo Payload option.
    Field,
    /// A jumbogram's Jumbo Payload option, with this length.
    Jumbo(u32),
    /// The payload length field, not 0, though a Jumbo Payload option is
    /// present: an RFC 2675 error (the reason), the option ignored.
    OptionIgnored(Malformed),
}

/// Where the payload length of a packet comes from: the Jumbo Payload
/// option when `payload` (what follows the fixed header, whose
/// `next_header` and `payload_len` fields are given) starts with a
/// Hop-by-Hop header carrying one, otherwise the payload length field.
///
/// A Hop-by-Hop header cut short by the capture is read as far as it goes.
/// Errors: [`Malformed::Truncated`] when it is cut before a Jumbo Payload
/// option was found and the payload length is 0 (so the packet's length
/// cannot be told); [`Malformed::Invalid`] for the RFC 2675 errors above
/// but the Fragment header (which a caller finds walking the chain) and
/// the one [`PayloadLen::OptionIgnored`] reports.
pub fn jumbo_payload_len(next_header: u8, payload_len: u16, payload: &[u8]) -> Result<PayloadLen> {
    if next_header != protocol::HOP_BY_HOP {
        return Ok(PayloadLen::Field);
    }
    match (find_option(payload)?, payload_len) {
        (Search::Cut { needed }, 0) => Err(Malformed::Truncated {
            what: "IPv6 Hop-by-Hop Options header",
            needed,
            available: payload.len(),
        }),
        (Search::Cut { .. } | Search::Absent, 1..) => Ok(PayloadLen::Field),
        (Search::Absent, 0) => Err(Malformed::Invalid {
            what: "IPv6 header",
            field: "payload length",
            value: 0,
            rule: "comes with a Hop-by-Hop header but no Jumbo Payload option (RFC 2675)",
        }),
        (Search::Found(_), len @ 1..) => Ok(PayloadLen::OptionIgnored(Malformed::Invalid {
            what: WHAT,
            field: "IPv6 payload length",
            value: u32::from(len),
            rule: "is not 0 (RFC 2675)",
        })),
        (Search::Found(len), 0) if u16::try_from(len).is_ok() => Err(Malformed::Invalid {
            what: WHAT,
            field: "jumbo payload length",
            value: len,
            rule: "is not above 65535 (RFC 2675)",
        }),
        (Search::Found(len), 0) => Ok(PayloadLen::Jumbo(len)),
    }
}

/// What a search of a Hop-by-Hop header for the Jumbo Payload option
/// found.
enum Search {
    /// The option, with this jumbo payload length.
    Found(u32),
    /// No option in the whole header.
    Absent,
    /// No option before the end of the bytes, which cut the header short of
    /// the `needed` bytes it claims.
    Cut { needed: usize },
}

/// Searches the Hop-by-Hop header at the start of `header` for the Jumbo
/// Payload option.
fn find_option(header: &[u8]) -> Result<Search> {
    let Some(&ext_len) = header.get(1) else {
        return Ok(Search::Cut { needed: 2 });
    };
    let needed = (usize::from(ext_len) + 1) * 8;
    let header = &header[..needed.min(header.len())];
    let not_found = if header.len() < needed {
        Search::Cut { needed }
    } else {
        Search::Absent
    };
    let mut at = 2;
    while at < header.len() {
        let kind = header[at];
        if kind == OPTION_PAD1 {
            at += 1;
            continue;
        }
        let Some(&len) = header.get(at + 1) else {
            break;
        };
        if kind == OPTION_JUMBO_PAYLOAD {
            if len != 4 {
                return Err(Malformed::Invalid {
                    what: WHAT,
                    field: "option length",
                    value: u32::from(len),
                    rule: "is not 4",
                });
            }
            return Ok(get_u32(header, at + 2).map_or(not_found, Search::Found));
        }
        at += 2 + usize::from(len);
    }
    Ok(not_found)
}

#[cfg(test)]
mod tests;
