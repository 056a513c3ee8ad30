//! Link headers that name their payload by Ethernet type: Ethernet (with
//! VLAN tags), Linux cooked captures v1 and v2, IP over InfiniBand.

use super::{Carried, Expect, be16};

use crate::ethertypes::{IPV4 as ETHERTYPE_IPV4, IPV6 as ETHERTYPE_IPV6, VLAN as ETHERTYPE_VLAN};
/// Most VLAN tags walked before giving up on an Ethernet frame.
pub(super) const MAX_VLAN_TAGS: usize = 8;

/// The IP version an Ethernet type stands for, if it stands for IP.
pub(super) fn by_ethertype(ethertype: u16) -> Option<Expect> {
    match ethertype {
        ETHERTYPE_IPV4 => Some(Expect::V4),
        ETHERTYPE_IPV6 => Some(Expect::V6),
        _ => None,
    }
}

/// A fixed-size header with the payload's Ethernet type at a fixed place.
struct Fixed {
    /// Bytes before the payload.
    len: usize,
    /// Where the 2-byte Ethernet type is.
    ethertype_at: usize,
}

impl Fixed {
    fn read(self, data: &[u8]) -> Option<Carried<'_>> {
        let ethertype = be16(data, self.ethertype_at)?;
        Some(Carried::Ethertype(ethertype, data.get(self.len..)?))
    }
}

/// Linux cooked v1: packet type, ARPHRD type, address length, 8 address
/// bytes, then the protocol.
const LINUX_SLL: Fixed = Fixed {
    len: 16,
    ethertype_at: 14,
};

/// Linux cooked v2: the protocol first, then reserved bytes, interface
/// index, ARPHRD type, packet type, address length and 8 address bytes.
const LINUX_SLL2: Fixed = Fixed {
    len: 20,
    ethertype_at: 0,
};

/// IP over InfiniBand as libpcap records it (tcpdump's `IPOIB_HDRLEN`,
/// Wireshark's `WTAP_ENCAP_IP_OVER_IB_PCAP`): a 40-byte pseudo header (the
/// global route header, or zeros and the 20-byte destination address), then
/// the 4-byte RFC 4391 header: Ethernet type and 2 reserved bytes.
const IPOIB: Fixed = Fixed {
    len: 44,
    ethertype_at: 40,
};

/// Ethernet II: destination, source, then the Ethernet type, which VLAN
/// tags (4 bytes each: tag protocol, tag control) may push further back.
/// (The tunnel walk reads Ethernet headers itself, to name the tags.)
pub(super) fn ethernet(data: &[u8]) -> Option<Carried<'_>> {
    let mut ethertype = be16(data, 12)?;
    let mut rest = data.get(14..)?;
    for _ in 0..MAX_VLAN_TAGS {
        if !ETHERTYPE_VLAN.contains(&ethertype) {
            break;
        }
        ethertype = be16(rest, 2)?;
        rest = rest.get(4..)?;
    }
    Some(Carried::Ethertype(ethertype, rest))
}

/// Linux cooked capture, version 1.
pub(super) fn linux_sll(data: &[u8]) -> Option<Carried<'_>> {
    LINUX_SLL.read(data)
}

/// Linux cooked capture, version 2.
pub(super) fn linux_sll2(data: &[u8]) -> Option<Carried<'_>> {
    LINUX_SLL2.read(data)
}

/// IP over InfiniBand.
pub(super) fn ipoib(data: &[u8]) -> Option<Carried<'_>> {
    IPOIB.read(data)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{V4, v6};
    use super::super::{LinkType, network_layer};
    use super::MAX_VLAN_TAGS;

    fn eth(tags: &[[u8; 4]], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
        let mut types: Vec<u16> = tags
            .iter()
            .map(|t| u16::from_be_bytes([t[0], t[1]]))
            .collect();
        types.push(ethertype);
        f.extend_from_slice(&types[0].to_be_bytes());
        for (i, t) in tags.iter().enumerate() {
            f.extend_from_slice(&t[2..]);
            f.extend_from_slice(&types[i + 1].to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ethernet_ipv4_drops_padding() {
        let mut frame = eth(&[], 0x0800, &V4);
        frame.extend_from_slice(&[0; 18]); // padding up to 60 bytes
        assert_eq!(network_layer(LinkType::Ethernet, &frame), Some(&V4[..]));
    }

    #[test]
    fn ethernet_ipv6() {
        let p = v6();
        let frame = eth(&[], 0x86dd, &p);
        assert_eq!(network_layer(LinkType::Ethernet, &frame), Some(&p[..]));
    }

    #[test]
    fn ethernet_vlan_and_qinq() {
        let one = eth(&[[0x81, 0x00, 0x00, 0x64]], 0x0800, &V4);
        assert_eq!(network_layer(LinkType::Ethernet, &one), Some(&V4[..]));
        let two = eth(
            &[[0x88, 0xa8, 0x00, 0x0a], [0x81, 0x00, 0x00, 0x64]],
            0x86dd,
            &v6(),
        );
        assert_eq!(network_layer(LinkType::Ethernet, &two), Some(&v6()[..]));
        // A tag whose inner type is cut off.
        assert_eq!(network_layer(LinkType::Ethernet, &one[..16]), None);
        // Too many tags.
        let many = eth(&[[0x81, 0x00, 0, 1]; MAX_VLAN_TAGS + 1], 0x0800, &V4);
        assert_eq!(network_layer(LinkType::Ethernet, &many), None);
    }

    #[test]
    fn ethernet_rejects_other_protocols_and_wrong_versions() {
        let arp = eth(&[], 0x0806, &[0; 28]);
        assert_eq!(network_layer(LinkType::Ethernet, &arp), None);
        let mismatch = eth(&[], 0x86dd, &V4);
        assert_eq!(network_layer(LinkType::Ethernet, &mismatch), None);
        assert_eq!(network_layer(LinkType::Ethernet, &[0; 13]), None);
        assert_eq!(network_layer(LinkType::Ethernet, &arp[..14]), None);
    }

    #[test]
    fn linux_cooked_v1_and_v2() {
        let mut sll = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&V4);
        assert_eq!(network_layer(LinkType::LinuxSll, &sll), Some(&V4[..]));
        sll[14..16].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(network_layer(LinkType::LinuxSll, &sll), None);

        let mut sll2 = vec![
            0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0,
        ];
        sll2.extend_from_slice(&v6());
        assert_eq!(network_layer(LinkType::LinuxSll2, &sll2), Some(&v6()[..]));
        assert_eq!(network_layer(LinkType::LinuxSll2, &sll2[..19]), None);
        assert_eq!(network_layer(LinkType::LinuxSll, &sll2[..15]), None);
    }

    /// An IP over InfiniBand frame: the 40-byte pseudo header (zeros, then a destination
    /// queue pair number and GID), the Ethernet type and 2 reserved bytes.
    fn ipoib(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0; 20];
        f.extend_from_slice(&[0, 0, 0, 0x48]);
        f.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 2, 0xc9, 3, 0, 1, 2, 3]);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ip_over_infiniband() {
        let v4 = ipoib(0x0800, &V4);
        assert_eq!(network_layer(LinkType::Ipoib, &v4), Some(&V4[..]));
        let p6 = v6();
        assert_eq!(
            network_layer(LinkType::Ipoib, &ipoib(0x86dd, &p6)),
            Some(&p6[..])
        );
        // ARP, and IPv4 labelled IPv6.
        assert_eq!(
            network_layer(LinkType::Ipoib, &ipoib(0x0806, &[0; 28])),
            None
        );
        assert_eq!(network_layer(LinkType::Ipoib, &ipoib(0x86dd, &V4)), None);
        // Cut inside the pseudo header, inside the type, right after it.
        assert_eq!(network_layer(LinkType::Ipoib, &v4[..30]), None);
        assert_eq!(network_layer(LinkType::Ipoib, &v4[..41]), None);
        assert_eq!(network_layer(LinkType::Ipoib, &v4[..44]), None);
    }
}
