//! Link headers that name their payload by address family: BSD and OpenBSD
//! loopback, Solaris/illumos ipnet.

use super::{Carried, Expect};

/// Address family values a BSD loopback header uses for IPv4 and IPv6
/// (IPv6 differs per system: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30).
fn by_bsd_family(family: u32) -> Option<Expect> {
    match family {
        2 => Some(Expect::V4),
        10 | 24 | 28 | 30 => Some(Expect::V6),
        _ => None,
    }
}

/// A 4-byte loopback header: the address family as a 32-bit number.
fn loopback(data: &[u8], big_endian_only: bool) -> Option<Carried<'_>> {
    let header: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let big = u32::from_be_bytes(header);
    let family = if big_endian_only || big < 0x1_0000 {
        big
    } else {
        u32::from_le_bytes(header)
    };
    Some(Carried::Ip(by_bsd_family(family)?, data.get(4..)?))
}

/// BSD loopback: the family in the capturing host's byte order (a family
/// fits in 16 bits, so the order shows).
pub(super) fn null(data: &[u8]) -> Option<Carried<'_>> {
    loopback(data, false)
}

/// OpenBSD loopback: the family always big-endian.
pub(super) fn loop_(data: &[u8]) -> Option<Carried<'_>> {
    loopback(data, true)
}

/// Solaris/illumos ipnet header, all big-endian: version (1), address
/// family (1), hook type (2), packet length (4), interface index (4), group
/// interface index (4), source zone (4), destination zone (4).
struct Ipnet;

impl Ipnet {
    const LEN: usize = 24;
    const FAMILY_AT: usize = 1;
    /// Solaris `AF_INET` and `AF_INET6`.
    const AF_INET: u8 = 2;
    const AF_INET6: u8 = 26;
}

/// Solaris/illumos ipnet: the packet follows the 24-byte header.
pub(super) fn ipnet(data: &[u8]) -> Option<Carried<'_>> {
    let expect = match *data.get(Ipnet::FAMILY_AT)? {
        Ipnet::AF_INET => Expect::V4,
        Ipnet::AF_INET6 => Expect::V6,
        _ => return None,
    };
    Some(Carried::Ip(expect, data.get(Ipnet::LEN..)?))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{V4, v6};
    use super::super::{LinkType, network_layer};

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

    /// An ipnet frame: version 1, `family`, outbound, the length, interface
    /// 2, no group interface, zones 0 and 0.
    fn ipnet(family: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![1, family, 0, 1];
        f.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 2]);
        f.extend_from_slice(&[0; 12]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn solaris_ipnet() {
        let v4 = ipnet(2, &V4);
        assert_eq!(network_layer(LinkType::Ipnet, &v4), Some(&V4[..]));
        let p6 = v6();
        assert_eq!(
            network_layer(LinkType::Ipnet, &ipnet(26, &p6)),
            Some(&p6[..])
        );
        // Linux's AF_INET6 (10) is not Solaris's, and the family must match.
        assert_eq!(network_layer(LinkType::Ipnet, &ipnet(10, &p6)), None);
        assert_eq!(network_layer(LinkType::Ipnet, &ipnet(26, &V4)), None);
        // Cut before the family, inside the header, right after it.
        assert_eq!(network_layer(LinkType::Ipnet, &v4[..1]), None);
        assert_eq!(network_layer(LinkType::Ipnet, &v4[..23]), None);
        assert_eq!(network_layer(LinkType::Ipnet, &v4[..24]), None);
    }
}
