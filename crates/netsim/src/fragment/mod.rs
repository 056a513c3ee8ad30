//! IPv4 fragmentation by a router (Don't Fragment clear), IPv6
//! fragmentation by a source, and reassembly by a host.
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
//! An IPv6 source cuts its own datagram as Linux's `ip6_fragment` does
//! (RFC 8200 §4.5; routers never fragment IPv6): each fragment repeats the
//! unfragmentable part (the IPv6 header and the extension headers that
//! `ip6_find_1stfragopt` keeps there), then a Fragment header (the next
//! header the original had there, the offset, M on all but the last, one
//! identification), then a multiple of 8 bytes of the rest, as many as fit
//! the MTU (the last what is left).
//!
//! ```text
//! original:  | IPv6 | HbH, Routing | fragmentable part ......................... |
//! fragments: | IPv6 | HbH, Routing | Frag, M | 8n bytes | ... | IPv6 | HbH, Routing | Frag | rest |
//! ```
//!
//! [`Reassembly`] is the host's side.

mod read;
mod reassembly;

pub(crate) use reassembly::{Reassembled, Reassembly};

use icmpkit_wire::ip::protocol;
use icmpkit_wire::{ipv4, ipv6};

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

/// The length of an IPv6 Fragment header.
const FRAGMENT_HEADER_LEN: usize = 8;

/// The fragments of `packet`, an IPv6 datagram its source sends, that fit
/// `mtu`, identified by `ident`. A datagram that fits already comes back as
/// one atomic fragment (offset 0, M clear), as Linux sends after a Packet
/// Too Big below 1280; the caller cuts only what is too big. Empty when it
/// cannot be cut: not IPv6, malformed (a jumbogram among them), or the
/// unfragmentable part and a Fragment header leave no room for 8 bytes.
pub fn fragment_v6(packet: &[u8], mtu: u16, ident: u32) -> Vec<Vec<u8>> {
    if packet.first().map(|b| b >> 4) != Some(6) {
        return Vec::new();
    }
    let Ok(view) = ipv6::Packet::new_checked(packet) else {
        return Vec::new();
    };
    // Bytes past the payload length are not the datagram's.
    let packet = &packet[..ipv6::HEADER_LEN + usize::from(view.payload_len())];
    let Some((named_at, unfragmentable)) = first_fragmentable(packet) else {
        return Vec::new();
    };
    // Linux: the data space is the MTU less the unfragmentable part and
    // the Fragment header; every fragment but the last rounds it down to 8.
    let space = usize::from(mtu).saturating_sub(unfragmentable + FRAGMENT_HEADER_LEN);
    if space < 8 {
        return Vec::new();
    }
    let next_header = packet[named_at];
    let data = &packet[unfragmentable..];
    let mut fragments = Vec::new();
    let mut at = 0;
    loop {
        let left = data.len() - at;
        let len = if left > space { space & !7 } else { left };
        let more = at + len < data.len();
        // `at` is a multiple of 8 below the 16-bit payload length, so
        // the 13-bit offset field (in 8-byte units) holds it shifted.
        let Ok(offset) = u16::try_from(at) else {
            return Vec::new();
        };
        let mut fragment = Vec::with_capacity(unfragmentable + FRAGMENT_HEADER_LEN + len);
        fragment.extend_from_slice(&packet[..unfragmentable]);
        fragment[named_at] = protocol::FRAGMENT;
        fragment.extend_from_slice(&[next_header, 0]);
        fragment.extend_from_slice(&(offset | u16::from(more)).to_be_bytes());
        fragment.extend_from_slice(&ident.to_be_bytes());
        fragment.extend_from_slice(&data[at..at + len]);
        // No longer than the MTU, so it fits.
        let Ok(payload_len) = u16::try_from(fragment.len() - ipv6::HEADER_LEN) else {
            return Vec::new();
        };
        ipv6::Packet::new_unchecked(&mut fragment[..]).set_payload_len(payload_len);
        fragments.push(fragment);
        at += len;
        if !more {
            return fragments;
        }
    }
}

/// Where the fragmentable part of an IPv6 datagram starts, as Linux's
/// `ip6_find_1stfragopt` finds it: after Hop-by-Hop Options and Routing
/// headers, and Destination Options headers not after a Routing header
/// (Linux keeps those in the unfragmentable part even with no Routing
/// header to follow). Returns the offset of the next header field naming
/// the first fragmentable header and that header's offset; `None` when a
/// header runs past the end or the chain is too long.
fn first_fragmentable(packet: &[u8]) -> Option<(usize, usize)> {
    let (mut named_at, mut at, mut routing) = (6, ipv6::HEADER_LEN, false);
    for _ in 0..ipv6::MAX_EXTENSION_HEADERS {
        let kind = packet[named_at];
        match kind {
            protocol::HOP_BY_HOP => {}
            protocol::ROUTING => routing = true,
            protocol::DESTINATION_OPTIONS if !routing => {}
            _ => return Some((named_at, at)),
        }
        let len = extension_len(kind, packet.get(at..)?)?;
        if at + len > packet.len() {
            return None;
        }
        (named_at, at) = (at, at + len);
    }
    None
}

/// The length of the IPv6 extension header `kind` starting `header` (not
/// a Fragment header, whose length is fixed), by its length field; `None`
/// when that field is cut off.
fn extension_len(kind: u8, header: &[u8]) -> Option<usize> {
    let field = usize::from(*header.get(1)?);
    Some(if kind == protocol::AH {
        (field + 2) * 4
    } else {
        (field + 1) * 8
    })
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
