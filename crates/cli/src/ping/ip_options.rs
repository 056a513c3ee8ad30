//! The IPv4 options of a reply as iputils ping prints them after the reply
//! line (`pr_options()` in iputils' `ping.c`): `RR:` with one address a
//! line, `(same route)` when the recorded route is the previous reply's,
//! `TS:` with milliseconds since midnight UTC (the first absolute, the
//! rest as differences), `NOP`, source routes, and `unknown option`.
//!
//! The bytes are walked with `icmpkit_wire::ipv4::Options`; the
//! arithmetic on pointers and lengths is iputils' own, so that a route or
//! a timestamp list is cut where iputils cuts it.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use icmpkit_wire::ipv4::option::TimestampFlags;
use icmpkit_wire::ipv4::{AddressList, Ipv4Option, Options};

/// iputils' `IPOPT_MINOFF`: the pointer of an empty route option.
const MIN_OFFSET: i32 = 4;

/// What iputils remembers between replies: the last route recorded, to
/// say `(same route)` instead of printing it again.
#[derive(Debug, Clone, Default)]
pub struct RouteMemory {
    /// The bytes iputils compares: from the route option's pointer on,
    /// as many as the route holds addresses.
    last: Vec<u8>,
}

/// The address `n` of `route` (iputils reads past a short option as
/// zeros would read: here they are zeros).
fn address(route: AddressList<'_>, n: usize) -> Ipv4Addr {
    let bytes = route.as_bytes();
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        *octet = bytes.get(n * 4 + i).copied().unwrap_or(0);
    }
    Ipv4Addr::from(octets)
}

/// `\t` and the address as iputils' `pr_addr` prints it (`0.0.0.0`
/// never looked up).
fn tab_address(out: &mut String, addr: Ipv4Addr, name: &mut dyn FnMut(Ipv4Addr) -> String) {
    if addr.is_unspecified() {
        out.push_str("\t0.0.0.0");
    } else {
        let _ = write!(out, "\t{}", name(addr));
    }
}

/// The text iputils appends to a reply line for `options` (the area
/// between byte 20 and the header's end): empty when there is nothing to
/// say. It starts with a newline or a tab, and the reply line's own
/// newline follows it. `name` prints an address (`name (addr)` or the
/// address); `flood` is `-f`, where iputils never says `(same route)`.
pub fn text(
    options: &[u8],
    memory: &mut RouteMemory,
    flood: bool,
    name: &mut dyn FnMut(Ipv4Addr) -> String,
) -> String {
    let mut out = String::new();
    for option in Options::new(options) {
        let Ok(option) = option else { break };
        match option {
            Ipv4Option::EndOfList => break,
            Ipv4Option::NoOperation => out.push_str("\nNOP"),
            Ipv4Option::LooseSourceRoute { pointer, route } => {
                source_route(&mut out, 'L', pointer, route, name);
            }
            Ipv4Option::StrictSourceRoute { pointer, route } => {
                source_route(&mut out, 'S', pointer, route, name);
            }
            Ipv4Option::RecordRoute { pointer, route } => {
                record_route(&mut out, pointer, route, memory, flood, name);
            }
            Ipv4Option::Timestamp {
                pointer,
                overflow,
                flags,
                data,
            } => timestamps(&mut out, pointer, overflow, flags, data, name),
            Ipv4Option::RouterAlert { .. } => {
                let _ = write!(
                    out,
                    "\nunknown option {:x}",
                    icmpkit_wire::ipv4::option::kind::ROUTER_ALERT
                );
            }
            Ipv4Option::Unknown { kind, .. } => {
                let _ = write!(out, "\nunknown option {kind:x}");
            }
        }
    }
    out
}

/// `\nLSRR: ` or `\nSSRR: ` and the addresses before the pointer, one a
/// line.
fn source_route(
    out: &mut String,
    letter: char,
    pointer: u8,
    route: AddressList<'_>,
    name: &mut dyn FnMut(Ipv4Addr) -> String,
) {
    let _ = write!(out, "\n{letter}SRR: ");
    let mut left = i32::from(pointer);
    let mut n = 0;
    while left > MIN_OFFSET {
        tab_address(out, address(route, n), name);
        out.push('\n');
        n += 1;
        left -= 4;
    }
}

/// `\nRR: ` and the recorded addresses, one a line; `\t(same route)`
/// when they are the last reply's.
fn record_route(
    out: &mut String,
    pointer: u8,
    route: AddressList<'_>,
    memory: &mut RouteMemory,
    flood: bool,
    name: &mut dyn FnMut(Ipv4Addr) -> String,
) {
    let len = i32::try_from(route.as_bytes().len() + 3).unwrap_or(i32::MAX);
    let recorded = i32::from(pointer).min(len) - MIN_OFFSET;
    let Ok(recorded) = usize::try_from(recorded) else {
        return;
    };
    if recorded == 0 {
        return;
    }
    // iputils compares the bytes from the pointer on.
    let mut compared = vec![pointer];
    compared.extend(route.as_bytes().iter().take(recorded - 1));
    compared.resize(recorded, 0);
    if compared == memory.last && !flood {
        out.push_str("\t(same route)");
        return;
    }
    memory.last = compared;
    out.push_str("\nRR: ");
    for n in 0..recorded.div_ceil(4) {
        tab_address(out, address(route, n), name);
        out.push('\n');
    }
}

/// `\nTS: ` and the timestamps (with addresses unless timestamps only),
/// each line's time absolute for the first, then the difference from the
/// previous; `Unrecorded hops: N` for the overflow count.
fn timestamps(
    out: &mut String,
    pointer: u8,
    overflow: u8,
    flags: u8,
    data: &[u8],
    name: &mut dyn FnMut(Ipv4Addr) -> String,
) {
    let len = i32::try_from(data.len() + 4).unwrap_or(i32::MAX);
    let mut left = i32::from(pointer).min(len) - 5;
    if left <= 0 {
        return;
    }
    out.push_str("\nTS: ");
    let with_addresses = flags != TimestampFlags::TimestampsOnly as u8;
    let entries = AddressList(data);
    let (mut standard, mut non_standard) = (0i64, 0i64);
    let mut word = 0;
    loop {
        if with_addresses {
            tab_address(out, address(entries, word), name);
            word += 1;
            left -= 4;
            if left <= 0 {
                break;
            }
        }
        let time = i64::from(u32::from_be_bytes(address(entries, word).octets()));
        word += 1;
        if time & 0x8000_0000 != 0 {
            let value = time & 0x7fff_ffff;
            if non_standard == 0 {
                let _ = write!(out, "\t{value} absolute not-standard");
            } else {
                let _ = write!(out, "\t{} not-standard", value - non_standard);
            }
            non_standard = value;
        } else {
            if standard == 0 {
                let _ = write!(out, "\t{time} absolute");
            } else {
                let _ = write!(out, "\t{}", time - standard);
            }
            standard = time;
        }
        left -= 4;
        out.push('\n');
        if left <= 0 {
            break;
        }
    }
    if overflow > 0 {
        let _ = writeln!(out, "Unrecorded hops: {overflow}");
    }
}

#[cfg(test)]
mod tests;
