//! Link-layer types and how to find the IP packet inside a frame.

use std::fmt;

/// The link-layer header type of a capture's frames (the `LINKTYPE_*` value
/// of the tcpdump.org registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// BSD loopback (0): a 4-byte address family in the capturing host's
    /// byte order, then the packet.
    Null,
    /// Ethernet II (1), possibly with 802.1Q / 802.1ad (`QinQ`) VLAN tags.
    Ethernet,
    /// Raw IP (101; also 12 and 14, which some writers use for raw IP): the
    /// frame starts with an IPv4 or IPv6 header.
    RawIp,
    /// OpenBSD loopback (108): like [`LinkType::Null`] but always big-endian.
    Loop,
    /// Linux "cooked" capture, version 1 (113): a 16-byte pseudo header.
    LinuxSll,
    /// Raw IPv4 (228): the frame is an IPv4 packet.
    Ipv4,
    /// Raw IPv6 (229): the frame is an IPv6 packet.
    Ipv6,
    /// Linux "cooked" capture, version 2 (276): a 20-byte pseudo header.
    LinuxSll2,
    /// Any other link type, kept by its number.
    Other(u32),
}

impl LinkType {
    /// The link type a capture file's number stands for.
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Null,
            1 => Self::Ethernet,
            12 | 14 | 101 => Self::RawIp,
            108 => Self::Loop,
            113 => Self::LinuxSll,
            228 => Self::Ipv4,
            229 => Self::Ipv6,
            276 => Self::LinuxSll2,
            other => Self::Other(other),
        }
    }

    /// The `LINKTYPE_*` number of this link type (101 for every raw IP form).
    pub fn code(self) -> u32 {
        match self {
            Self::Null => 0,
            Self::Ethernet => 1,
            Self::RawIp => 101,
            Self::Loop => 108,
            Self::LinuxSll => 113,
            Self::Ipv4 => 228,
            Self::Ipv6 => 229,
            Self::LinuxSll2 => 276,
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Null => "BSD loopback",
            Self::Ethernet => "Ethernet",
            Self::RawIp => "raw IP",
            Self::Loop => "OpenBSD loopback",
            Self::LinuxSll => "Linux cooked (SLL)",
            Self::Ipv4 => "raw IPv4",
            Self::Ipv6 => "raw IPv6",
            Self::LinuxSll2 => "Linux cooked v2 (SLL2)",
            Self::Other(_) => "link type",
        };
        write!(f, "{name} ({})", self.code())
    }
}

/// Which IP versions a link layer's framing allows at this point.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    V4,
    V6,
    Either,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// 802.1Q, 802.1ad and the older pre-standard `QinQ` tag protocol identifier.
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];
/// Most VLAN tags walked before giving up on an Ethernet frame.
const MAX_VLAN_TAGS: usize = 8;

fn be16(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

fn by_ethertype(ethertype: u16) -> Option<Expect> {
    match ethertype {
        ETHERTYPE_IPV4 => Some(Expect::V4),
        ETHERTYPE_IPV6 => Some(Expect::V6),
        _ => None,
    }
}

/// Address family values a BSD loopback header uses for IPv4 and IPv6
/// (IPv6 differs per system: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30).
fn by_address_family(family: u32) -> Option<Expect> {
    match family {
        2 => Some(Expect::V4),
        10 | 24 | 28 | 30 => Some(Expect::V6),
        _ => None,
    }
}

fn ethernet(data: &[u8]) -> Option<(Expect, &[u8])> {
    let mut ethertype = be16(data, 12)?;
    let mut rest = data.get(14..)?;
    for _ in 0..MAX_VLAN_TAGS {
        if !ETHERTYPE_VLAN.contains(&ethertype) {
            break;
        }
        ethertype = be16(rest, 2)?;
        rest = rest.get(4..)?;
    }
    Some((by_ethertype(ethertype)?, rest))
}

fn null_loopback(data: &[u8], big_endian_only: bool) -> Option<(Expect, &[u8])> {
    let header: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let big = u32::from_be_bytes(header);
    let family = if big_endian_only || big < 0x1_0000 {
        big
    } else {
        u32::from_le_bytes(header)
    };
    Some((by_address_family(family)?, data.get(4..)?))
}

/// The IP packet at the start of `data`, cut to the length its header states
/// (which drops Ethernet padding and trailers) when that length fits.
fn ip_packet(data: &[u8], expect: Expect) -> Option<&[u8]> {
    let version = data.first()? >> 4;
    let stated = match (version, expect) {
        (4, Expect::V4 | Expect::Either) => be16(data, 2).map(usize::from).filter(|&n| n >= 20),
        (6, Expect::V6 | Expect::Either) => be16(data, 4)
            .filter(|&n| n != 0) // 0 means a jumbogram: keep everything
            .map(|n| usize::from(n) + 40),
        _ => return None,
    };
    Some(match stated {
        Some(len) if len <= data.len() => &data[..len],
        _ => data,
    })
}

/// The IPv4 or IPv6 packet a frame of `link_type` carries, or `None` when the
/// frame carries something else (ARP, another protocol, an unknown link type)
/// or is too short to tell.
///
/// The packet is cut to the length its IP header states when the capture holds
/// that much, so Ethernet padding and trailers are dropped; a packet cut short
/// by the capture's snap length is returned as far as it was captured.
pub fn network_layer(link_type: LinkType, data: &[u8]) -> Option<&[u8]> {
    let (expect, packet) = match link_type {
        LinkType::Ethernet => ethernet(data)?,
        LinkType::RawIp => (Expect::Either, data),
        LinkType::Ipv4 => (Expect::V4, data),
        LinkType::Ipv6 => (Expect::V6, data),
        LinkType::Null => null_loopback(data, false)?,
        LinkType::Loop => null_loopback(data, true)?,
        LinkType::LinuxSll => (by_ethertype(be16(data, 14)?)?, data.get(16..)?),
        LinkType::LinuxSll2 => (by_ethertype(be16(data, 0)?)?, data.get(20..)?),
        LinkType::Other(_) => return None,
    };
    ip_packet(packet, expect)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 28-byte IPv4 packet (20-byte header + 8-byte ICMP echo request).
    const V4: [u8; 28] = [
        0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10, 0,
        0, 2, 8, 0, 0xf7, 0xff, 0, 0, 0, 0,
    ];

    /// A 48-byte IPv6 packet (40-byte header + 8-byte ICMPv6 echo request).
    fn v6() -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0, 0, 8, 58, 64];
        p.extend_from_slice(&[0xfd; 16]);
        p.extend_from_slice(&[0xfe; 16]);
        p.extend_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]);
        p
    }

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
    fn link_type_codes_round_trip() {
        for code in [0, 1, 101, 108, 113, 228, 229, 276, 147] {
            assert_eq!(LinkType::from_code(code).code(), code);
        }
        assert_eq!(LinkType::from_code(12), LinkType::RawIp);
        assert_eq!(LinkType::from_code(14), LinkType::RawIp);
        assert_eq!(LinkType::from_code(147), LinkType::Other(147));
        assert_eq!(
            LinkType::LinuxSll2.to_string(),
            "Linux cooked v2 (SLL2) (276)"
        );
        assert_eq!(LinkType::Other(147).to_string(), "link type (147)");
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
    fn raw_ip_forms() {
        assert_eq!(network_layer(LinkType::RawIp, &V4), Some(&V4[..]));
        assert_eq!(network_layer(LinkType::RawIp, &v6()), Some(&v6()[..]));
        assert_eq!(network_layer(LinkType::Ipv4, &V4), Some(&V4[..]));
        assert_eq!(network_layer(LinkType::Ipv4, &v6()), None);
        assert_eq!(network_layer(LinkType::Ipv6, &v6()), Some(&v6()[..]));
        assert_eq!(network_layer(LinkType::Ipv6, &V4), None);
        assert_eq!(network_layer(LinkType::RawIp, &[0x50; 20]), None);
        assert_eq!(network_layer(LinkType::RawIp, &[]), None);
    }

    #[test]
    fn truncated_or_lying_lengths_keep_what_was_captured() {
        // Header says 28 but only 24 were captured: keep the 24.
        assert_eq!(network_layer(LinkType::RawIp, &V4[..24]), Some(&V4[..24]));
        // Only the version byte.
        assert_eq!(network_layer(LinkType::RawIp, &V4[..1]), Some(&V4[..1]));
        // Total length below the header size: not trusted, keep everything.
        let mut bad = V4;
        bad[3] = 4;
        assert_eq!(network_layer(LinkType::RawIp, &bad), Some(&bad[..]));
        // IPv6 jumbogram (payload length 0): keep everything.
        let mut jumbo = v6();
        jumbo[5] = 0;
        assert_eq!(network_layer(LinkType::RawIp, &jumbo), Some(&jumbo[..]));
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

    #[test]
    fn null_loopback_either_byte_order() {
        let mut le = vec![2, 0, 0, 0];
        le.extend_from_slice(&V4);
        assert_eq!(network_layer(LinkType::Null, &le), Some(&V4[..]));
        let mut be = vec![0, 0, 0, 30];
        be.extend_from_slice(&v6());
        assert_eq!(network_layer(LinkType::Null, &be), Some(&v6()[..]));
        let mut le6 = vec![24, 0, 0, 0];
        le6.extend_from_slice(&v6());
        assert_eq!(network_layer(LinkType::Null, &le6), Some(&v6()[..]));
        // OpenBSD loop is big-endian only: a little-endian 2 is not AF_INET.
        assert_eq!(network_layer(LinkType::Loop, &le), None);
        let mut lo = vec![0, 0, 0, 2];
        lo.extend_from_slice(&V4);
        assert_eq!(network_layer(LinkType::Loop, &lo), Some(&V4[..]));
        assert_eq!(network_layer(LinkType::Null, &[2, 0, 0]), None);
        assert_eq!(network_layer(LinkType::Null, &[7, 0, 0, 0, 0x45]), None);
    }

    #[test]
    fn other_link_types_carry_nothing_we_know() {
        assert_eq!(network_layer(LinkType::Other(147), &V4), None);
    }
}
