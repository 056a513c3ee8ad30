//! IPv4 options checked as the Linux kernel checks a packet it receives
//! (`__ip_options_compile` in `net/ipv4/ip_options.c`), with the pointer of
//! the Parameter Problem (type 12, code 0) it answers a bad one with: the
//! offset, from the start of the IP header, of the offending byte.
//!
//! The rules, for an option starting at byte `o` of the header:
//!
//! | what | pointer |
//! |---|---|
//! | an option other than End of List and No Operation in the last byte of the area | `o` |
//! | a length below 2 or past the end of the area | `o` |
//! | a second Record Route, Timestamp, source route (LSRR or SSRR) or CIPSO option | `o` |
//! | Record Route, LSRR, SSRR: length below 3 | `o + 1` |
//! | Record Route, LSRR, SSRR: pointer below 4 | `o + 2` |
//! | Record Route: pointer within the option but no room for an address there | `o + 2` |
//! | Timestamp: length below 4 (a timestamp option of length 2 is malformed) | `o + 1` |
//! | Timestamp: pointer below 5 | `o + 2` |
//! | Timestamp: pointer within the option but no room for a timestamp (flag 0) or an address and a timestamp (flags 1 and 3) there | `o + 2` |
//! | Timestamp, full (pointer past the option), flags other than 3: overflow count already 15 | `o + 3` |
//! | Router Alert: length below 4 | `o + 1` |
//!
//! The checks stop at End of Option List. What the kernel does beyond this
//! walk is not modelled: the routing of source-routed packets (dropped
//! unless `accept_source_route`), and the checks of a CIPSO option's body,
//! which depend on the receiver's `NetLabel` configuration.

use super::{WHAT, kind};
use crate::error::Malformed;

/// The Commercial IP Security Option (RFC 1108 draft, CIPSO).
const CIPSO: u8 = 134;

/// An IPv4 option Linux refuses, and the Parameter Problem it answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Refusal {
    /// The Parameter Problem's pointer: the offending byte's offset from
    /// the start of the IP header.
    pub pointer: u8,
    /// What is wrong.
    pub reason: Malformed,
}

/// Checks the option area `area` (the header bytes from 20 to IHL × 4) as
/// Linux does; `Err` with the first refusal.
pub fn check(area: &[u8]) -> Result<(), Refusal> {
    let mut seen = Seen::default();
    let mut at = 0;
    while let Some(&option) = area.get(at) {
        match option {
            kind::END_OF_LIST => return Ok(()),
            kind::NO_OPERATION => {
                at += 1;
                continue;
            }
            _ => {}
        }
        let refuse = |offset: usize, reason: Malformed| Refusal {
            // The area is at most 40 bytes: the offset fits.
            pointer: u8::try_from(20 + at + offset).unwrap_or(u8::MAX),
            reason,
        };
        let rest = &area[at..];
        let Some(&len) = rest.get(1) else {
            return Err(refuse(
                0,
                Malformed::Truncated {
                    what: WHAT,
                    needed: 2,
                    available: 1,
                },
            ));
        };
        if len < 2 {
            return Err(refuse(0, invalid(WHAT, "length", len, "is below 2")));
        }
        let Some(bytes) = rest.get(..usize::from(len)) else {
            return Err(refuse(
                0,
                Malformed::Overrun {
                    what: WHAT,
                    field: "length",
                    claimed: usize::from(len),
                    available: rest.len(),
                },
            ));
        };
        if let Some((offset, reason)) = check_one(bytes, &mut seen) {
            return Err(refuse(offset, reason));
        }
        at += usize::from(len);
    }
    Ok(())
}

/// The options of which a packet may carry one: flags, not a state.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)]
struct Seen {
    route: bool,
    record_route: bool,
    timestamp: bool,
    cipso: bool,
}

fn invalid(what: &'static str, field: &'static str, value: u8, rule: &'static str) -> Malformed {
    Malformed::Invalid {
        what,
        field,
        value: u32::from(value),
        rule,
    }
}

/// Checks one option, `bytes` its whole (type, length at least 2, data);
/// returns the offending byte's offset in it and the reason.
fn check_one(bytes: &[u8], seen: &mut Seen) -> Option<(usize, Malformed)> {
    let len = bytes[1];
    let pointer = bytes.get(2).copied();
    let twice = |what| {
        Some((
            0,
            invalid(what, "type", bytes[0], "appears twice (one allowed)"),
        ))
    };
    match bytes[0] {
        kind::LOOSE_SOURCE_ROUTE | kind::STRICT_SOURCE_ROUTE => {
            const ROUTE: &str = "IPv4 source route option";
            match pointer {
                None => return Some((1, invalid(ROUTE, "length", len, "is below 3"))),
                Some(p) if p < 4 => return Some((2, invalid(ROUTE, "pointer", p, "is below 4"))),
                Some(_) => {}
            }
            if core::mem::replace(&mut seen.route, true) {
                return twice(ROUTE);
            }
        }
        kind::RECORD_ROUTE => {
            const RR: &str = "IPv4 Record Route option";
            if core::mem::replace(&mut seen.record_route, true) {
                return twice(RR);
            }
            let pointer = match pointer {
                None => return Some((1, invalid(RR, "length", len, "is below 3"))),
                Some(p) if p < 4 => return Some((2, invalid(RR, "pointer", p, "is below 4"))),
                Some(p) => p,
            };
            if pointer <= len && u16::from(pointer) + 3 > u16::from(len) {
                return Some((
                    2,
                    invalid(RR, "pointer", pointer, "leaves no room for an address"),
                ));
            }
        }
        kind::TIMESTAMP => {
            const TS: &str = "IPv4 Timestamp option";
            if core::mem::replace(&mut seen.timestamp, true) {
                return twice(TS);
            }
            if len < 4 {
                return Some((1, invalid(TS, "length", len, "is below 4")));
            }
            let (pointer, flags_byte) = (bytes[2], bytes[3]);
            if pointer < 5 {
                return Some((2, invalid(TS, "pointer", pointer, "is below 5")));
            }
            let flags = flags_byte & 0x0f;
            if pointer <= len {
                let needed: u16 = if matches!(flags, 1 | 3) { 7 } else { 3 };
                if u16::from(pointer) + needed > u16::from(len) {
                    let rule = if needed == 7 {
                        "leaves no room for an address and a timestamp"
                    } else {
                        "leaves no room for a timestamp"
                    };
                    return Some((2, invalid(TS, "pointer", pointer, rule)));
                }
            } else if flags != 3 && flags_byte >> 4 == 15 {
                return Some((
                    3,
                    invalid(
                        TS,
                        "overflow",
                        15,
                        "cannot count one more hop (the option is full)",
                    ),
                ));
            }
        }
        kind::ROUTER_ALERT if len < 4 => {
            return Some((
                1,
                invalid("IPv4 Router Alert option", "length", len, "is below 4"),
            ));
        }
        CIPSO if core::mem::replace(&mut seen.cipso, true) => {
            return twice("IPv4 CIPSO option");
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests;
