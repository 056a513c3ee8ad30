//! IPv4 fragmentation by a router (Don't Fragment clear) and reassembly by
//! a host.
//!
//! A router cuts a datagram as Linux's `ip_do_fragment` does: every
//! fragment but the last carries a multiple of 8 bytes, as many as fit the
//! MTU after the header; all keep the original's identification, TTL, DF
//! and header length; offsets count from the original's own offset (a
//! fragment may be cut again), and More Fragments is set on all but the
//! last, which keeps the original's. Options whose copy flag is clear go
//! into the first fragment only: the later ones carry No-Operation bytes
//! in their place (Linux's `ip_options_fragment`), so every header keeps
//! the original's length.
//!
//! ```text
//! original:  | header | payload ........................................ |
//! fragments: | header | 8n bytes, MF | | header' | 8n bytes, MF | | header' | rest, MF = original's |
//!                                         header': uncopied options -> NOP
//! ```
//!
//! [`Reassembly`] is the host's side.

mod read;
mod reassembly;

pub(crate) use reassembly::{Reassembled, Reassembly};

use icmpkit_wire::ipv4;

/// The copy flag of an IPv4 option type: copied into every fragment.
const COPIED: u8 = 0x80;

/// The fragments of `packet` (an IPv4 datagram, or fragment, with DF
/// clear) that fit `mtu`; empty when it cannot be cut (not IPv4, malformed,
/// the header leaves no room for 8 bytes of payload, or an offset would
/// pass the 13-bit field).
pub(crate) fn fragment_v4(packet: &[u8], mtu: u16) -> Vec<Vec<u8>> {
    if packet.first().map(|b| b >> 4) != Some(4) {
        return Vec::new();
    }
    let Ok(view) = ipv4::Packet::new_checked(packet) else {
        return Vec::new();
    };
    let header_len = view.header_len();
    let payload = view.payload();
    // Linux: the data space is the MTU less the header; every fragment
    // but the last rounds it down to 8 bytes.
    let space = usize::from(mtu).saturating_sub(header_len);
    if space < 8 {
        return Vec::new();
    }
    let base = usize::from(view.frag_offset());
    let (dont_frag, last_more) = (view.dont_frag(), view.more_frags());
    let first_header = &packet[..header_len];
    // Only a datagram's first fragment holds uncopied options.
    let later_header = if base == 0 {
        without_uncopied_options(first_header)
    } else {
        first_header.to_vec()
    };
    let mut fragments = Vec::new();
    let mut at = 0;
    while at < payload.len() {
        let left = payload.len() - at;
        let len = if left > space { space & !7 } else { left };
        let offset = base + at;
        // A multiple of 8 (the base is one, and so is every cut), so
        // any that fits 16 bits fits the 13-bit field in 8-byte units.
        let Ok(offset_field) = u16::try_from(offset) else {
            return Vec::new();
        };
        let header = if at == 0 { first_header } else { &later_header };
        let mut fragment = Vec::with_capacity(header_len + len);
        fragment.extend_from_slice(header);
        fragment.extend_from_slice(&payload[at..at + len]);
        let total = u16::try_from(fragment.len()).expect("no longer than the original");
        let mut view = ipv4::Packet::new_unchecked(&mut fragment[..]);
        view.set_total_len(total);
        view.clear_flags();
        view.set_dont_frag(dont_frag);
        view.set_more_frags(at + len < payload.len() || last_more);
        view.set_frag_offset(offset_field);
        view.fill_checksum();
        fragments.push(fragment);
        at += len;
    }
    fragments
}

/// `header` (an IPv4 header with options) with every option whose copy
/// flag is clear overwritten by No-Operation bytes, as Linux's
/// `ip_options_fragment` leaves the header of the fragments after the
/// first. The walk stops, as Linux's does, at End of Option List or at an
/// option whose length is below 2 or past the area. (The option iterator
/// of `icmpkit_wire` yields options, not their places, and judges lengths
/// by each type's own minimum, so the walk is written out here.)
fn without_uncopied_options(header: &[u8]) -> Vec<u8> {
    let mut header = header.to_vec();
    let options = &mut header[ipv4::HEADER_LEN..];
    let mut at = 0;
    while at < options.len() {
        match options[at] {
            ipv4::option::kind::END_OF_LIST => break,
            ipv4::option::kind::NO_OPERATION => at += 1,
            kind => {
                let len = options.get(at + 1).map_or(0, |&l| usize::from(l));
                if len < 2 || at + len > options.len() {
                    break;
                }
                if kind & COPIED == 0 {
                    options[at..at + len].fill(ipv4::option::kind::NO_OPERATION);
                }
                at += len;
            }
        }
    }
    header
}

#[cfg(test)]
pub(crate) mod tests;
