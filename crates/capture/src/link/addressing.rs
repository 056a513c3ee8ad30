//! Who a frame was addressed to, as its link-layer header says: the
//! broadcast and multicast bits of an Ethernet destination, and the packet
//! type Linux's cooked headers (SLL, SLL2) record, which also says which
//! way the frame went.

use super::LinkType;

/// What a frame's link layer says about its addressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkAddressing {
    /// To this host (SLL: `PACKET_HOST`).
    Host,
    /// To the link's broadcast address.
    Broadcast,
    /// To a link-layer multicast group.
    Multicast,
    /// To another host, seen in promiscuous mode (`PACKET_OTHERHOST`).
    OtherHost,
    /// Sent by this host (`PACKET_OUTGOING`).
    Outgoing,
}

impl LinkAddressing {
    /// Whether the frame went to a broadcast or multicast address.
    pub fn is_group(self) -> bool {
        matches!(self, Self::Broadcast | Self::Multicast)
    }
}

/// What the link-layer header of a frame of `link_type` says about its
/// addressing, when it says anything: Ethernet only tells group
/// destinations apart (not this host from another), Linux SLL and SLL2
/// tell every case; other link types, and headers cut short, tell nothing.
pub fn link_addressing(link_type: LinkType, data: &[u8]) -> Option<LinkAddressing> {
    match link_type {
        LinkType::Ethernet => {
            let dst = data.get(..6)?;
            if dst == [0xff; 6] {
                Some(LinkAddressing::Broadcast)
            } else if dst[0] & 1 == 1 {
                Some(LinkAddressing::Multicast)
            } else {
                None
            }
        }
        // SLL: the packet type is the first field; SLL2: at offset 10.
        LinkType::LinuxSll => packet_type(super::be16(data, 0)?),
        LinkType::LinuxSll2 => packet_type(u16::from(*data.get(10)?)),
        _ => None,
    }
}

/// Linux's `sll_pkttype` values (`linux/if_packet.h`).
fn packet_type(value: u16) -> Option<LinkAddressing> {
    Some(match value {
        0 => LinkAddressing::Host,
        1 => LinkAddressing::Broadcast,
        2 => LinkAddressing::Multicast,
        3 => LinkAddressing::OtherHost,
        4 => LinkAddressing::Outgoing,
        _ => return None,
    })
}
