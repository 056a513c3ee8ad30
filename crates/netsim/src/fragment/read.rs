//! How reassembly reads a packet: not a fragment, an IPv4 fragment, an
//! IPv6 Fragment header (found among the extension headers before it), an
//! IPv6 atomic fragment, or a fragment to drop.

use std::net::IpAddr;

use icmpkit_wire::ip::protocol;
use icmpkit_wire::{ipv4, ipv6};

/// The most bytes a reassembled datagram's length fields can describe.
const MAX_LEN: usize = 65_535;

/// What fragments of one datagram share (the family is the addresses').
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    /// The source.
    pub(super) src: IpAddr,
    /// The destination.
    pub(super) dst: IpAddr,
    /// The identification (16 bits in IPv4, 32 in IPv6).
    pub(super) ident: u32,
    /// The IPv4 protocol; 0 for IPv6, whose fragments may name different
    /// next headers (the first fragment's counts, RFC 8200 §4.5).
    pub(super) protocol: u8,
}

/// What goes before the reassembled data.
#[derive(Debug, Clone)]
pub(super) struct Head {
    /// The IPv4 header (options included), or the IPv6 header and the
    /// extension headers before the Fragment header.
    pub(super) bytes: Vec<u8>,
    /// IPv6: where the next header that named the Fragment header is, and
    /// what it must say instead.
    pub(super) next_header: Option<(usize, u8)>,
}

/// A fragment, read.
#[derive(Debug)]
pub(super) struct Fragment<'a> {
    /// Its datagram.
    pub(super) key: Key,
    /// Where its data goes in the datagram's, in bytes.
    pub(super) offset: usize,
    /// More Fragments.
    pub(super) more: bool,
    /// Its data (a non-last IPv4 fragment's cut to a multiple of 8).
    pub(super) data: &'a [u8],
    /// What goes before the data, should it be the first.
    pub(super) head: Head,
}

/// What a packet is to reassembly.
pub(super) enum Read<'a> {
    /// Not a fragment (or unreadable: the node's parser will drop it).
    Whole,
    /// A malformed fragment, dropped for this reason.
    Bad(&'static str),
    /// An IPv6 atomic fragment, its Fragment header removed.
    Atomic(Vec<u8>),
    /// A fragment.
    Fragment(Fragment<'a>),
}

/// Reads `packet`, an IP packet addressed to the node.
pub(super) fn read(packet: &[u8]) -> Read<'_> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => read_v4(packet),
        Some(6) => read_v6(packet),
        _ => Read::Whole,
    }
}

fn read_v4(packet: &[u8]) -> Read<'_> {
    let Ok(view) = ipv4::Packet::new_checked(packet) else {
        return Read::Whole;
    };
    let offset = usize::from(view.frag_offset());
    let more = view.more_frags();
    if offset == 0 && !more {
        return Read::Whole;
    }
    let header_len = view.header_len();
    let mut data = &packet[header_len..usize::from(view.total_len())];
    if more {
        // Linux trims a non-last fragment to a multiple of 8.
        data = &data[..data.len() & !7];
    }
    if offset + data.len() + header_len > MAX_LEN {
        return Read::Bad("fragment-oversize");
    }
    Read::Fragment(Fragment {
        key: Key {
            src: view.src_addr().into(),
            dst: view.dst_addr().into(),
            ident: u32::from(view.ident()),
            protocol: view.protocol(),
        },
        offset,
        more,
        data,
        head: Head {
            bytes: packet[..header_len].to_vec(),
            next_header: None,
        },
    })
}

fn read_v6(packet: &[u8]) -> Read<'_> {
    let Ok(view) = ipv6::Packet::new_checked(packet) else {
        return Read::Whole;
    };
    let payload = &packet[ipv6::HEADER_LEN..ipv6::HEADER_LEN + usize::from(view.payload_len())];
    let Some((named_at, at)) = fragment_header_at(view.next_header(), payload) else {
        return Read::Whole;
    };
    // The Fragment header and whatever it reaches, read by the walk (which
    // also refuses a first fragment whose headers are cut off).
    let Ok(walk) = ipv6::walk_extensions(protocol::FRAGMENT, &payload[at..]) else {
        return Read::Bad("fragment-malformed");
    };
    let Some(frag) = walk.fragment else {
        return Read::Bad("fragment-malformed");
    };
    let next_header = payload[at];
    let unfragmentable = ipv6::HEADER_LEN + at;
    let data = &payload[at + 8..];
    let offset = usize::from(frag.offset);
    if offset == 0 && !frag.more {
        let mut whole = Vec::with_capacity(packet.len() - 8);
        whole.extend_from_slice(&packet[..unfragmentable]);
        whole.extend_from_slice(data);
        whole[named_at] = next_header;
        let len = u16::try_from(whole.len() - ipv6::HEADER_LEN).expect("shorter than the packet");
        ipv6::Packet::new_unchecked(&mut whole[..]).set_payload_len(len);
        return Read::Atomic(whole);
    }
    if frag.more && !data.len().is_multiple_of(8) {
        return Read::Bad("fragment-not-a-multiple-of-8");
    }
    if offset + data.len() + at > MAX_LEN {
        return Read::Bad("fragment-oversize");
    }
    Read::Fragment(Fragment {
        key: Key {
            src: view.src_addr().into(),
            dst: view.dst_addr().into(),
            ident: frag.ident,
            protocol: 0,
        },
        offset,
        more: frag.more,
        data,
        head: Head {
            bytes: packet[..unfragmentable].to_vec(),
            next_header: Some((named_at, next_header)),
        },
    })
}

/// Where the Fragment header of an IPv6 payload is: the packet offset of
/// the next header field that names it, and its offset in `payload`.
/// `None` when the extension headers before the upper layer hold none, or
/// end early. (The walk of `icmpkit_wire` reports a Fragment header's
/// contents but not its place, which reassembly needs to remove it.)
fn fragment_header_at(first: u8, payload: &[u8]) -> Option<(usize, usize)> {
    let (mut next, mut named_at, mut at) = (first, 6, 0usize);
    for _ in 0..ipv6::MAX_EXTENSION_HEADERS {
        if next == protocol::FRAGMENT {
            return (payload.len() >= at + 8).then_some((named_at, at));
        }
        if !ipv6::is_extension_header(next) {
            return None;
        }
        let len = super::extension_len(next, payload.get(at..)?)?;
        next = *payload.get(at)?;
        named_at = ipv6::HEADER_LEN + at;
        at += len;
    }
    None
}
