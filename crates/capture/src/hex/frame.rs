//! What a hex dump holds: an IP packet, or a whole frame (`tcpdump -xx`
//! prints the link-layer header before it).

use crate::link::{LinkType, network_layer};

/// The link layer a hex dump starts with: `None` when it is an IP packet
/// (an IPv4 or IPv6 header whose length fits the dump, the common case),
/// else the first of Ethernet (with VLAN tags), Linux SLL2 and Linux SLL
/// (`tcpdump -i any`) in which an IP packet of fitting length is found.
/// A dump that is neither is taken for an IP packet (and shown malformed).
pub fn link_type_of(dump: &[u8]) -> Option<LinkType> {
    if fits_as_ip(dump) {
        return None;
    }
    [LinkType::Ethernet, LinkType::LinuxSll2, LinkType::LinuxSll]
        .into_iter()
        .find(|&link| network_layer(link, dump).is_some_and(fits_as_ip))
}

/// Whether `data` starts with an IPv4 or IPv6 header whose stated length
/// fits in it (a capture may cut a packet short, never lengthen it... but
/// Ethernet pads: the stated length may be shorter).
fn fits_as_ip(data: &[u8]) -> bool {
    let be16 = |at: usize| {
        data.get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    match data.first().map(|b| b >> 4) {
        Some(4) => {
            let header = usize::from(data[0] & 0x0f) * 4;
            be16(2).is_some_and(|total| header >= 20 && total >= header && total <= data.len())
        }
        Some(6) => be16(4).is_some_and(|payload| payload + 40 <= data.len()),
        _ => false,
    }
}
