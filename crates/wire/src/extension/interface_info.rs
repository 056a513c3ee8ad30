//! The Interface Information object (RFC 5837): class-num 2.
//!
//! A router names the interface a packet arrived on (or would have left by,
//! or the next hop) so that traceroute can show more than an address.
//! The c-type is a bit field saying which role the interface plays and
//! which sub-objects follow, always in this order:
//!
//! ```text
//!  c-type bit   0   1   2   3   4       5       6      7
//!             +-------+-------+-------+-------+------+-----+
//!             | role  | rsvd  |ifIndex|IPAddr | name | MTU |
//!             +-------+-------+-------+-------+------+-----+
//!  role: 0 incoming IP interface, 1 sub-IP component of the incoming
//!        IP interface, 2 outgoing IP interface, 3 IP next hop
//!
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            Length             | Class-Num = 2 |    C-Type     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    ifIndex (if the bit is set)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   AFI (1 IPv4, 2 IPv6)        |           Reserved            |  IP address
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  sub-object
//! |                  address (4 or 16 bytes)                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |    Length     |  interface name (UTF-8), NUL-padded so that   |  name
//! +-+-+-+-+-+-+-+-+  Length (counting itself) is a multiple of 4, |  sub-object
//! |  at most 64                                                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      MTU (if the bit is set)                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The two reserved c-type bits and the reserved field of the address
//! sub-object are ignored on receipt and written as zero.

use core::net::IpAddr;

use crate::error::{Malformed, Result, need};
use crate::field;

/// The class-num of the Interface Information object.
pub const CLASS_NUM: u8 = 2;

/// The longest interface name the name sub-object can carry.
pub const MAX_NAME_LEN: usize = 63;

/// The c-type bits announcing each sub-object.
mod flag {
    pub const IFINDEX: u8 = 0x08;
    pub const IPADDR: u8 = 0x04;
    pub const NAME: u8 = 0x02;
    pub const MTU: u8 = 0x01;
}

/// The address family numbers of the IP address sub-object.
mod afi {
    pub const IPV4: u16 = 1;
    pub const IPV6: u16 = 2;
}

/// Which interface an Interface Information object describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceRole {
    /// The IP interface on which the offending datagram arrived.
    IncomingIpInterface,
    /// The sub-IP component (e.g. an Ethernet member of a bundle) of the
    /// incoming IP interface.
    SubIpComponent,
    /// The IP interface by which the datagram would have been forwarded.
    OutgoingIpInterface,
    /// The IP next hop to which the datagram would have been forwarded.
    IpNextHop,
}

impl InterfaceRole {
    /// The role in the top two bits of `c_type`.
    pub const fn from_c_type(c_type: u8) -> Self {
        match c_type >> 6 {
            0 => Self::IncomingIpInterface,
            1 => Self::SubIpComponent,
            2 => Self::OutgoingIpInterface,
            _ => Self::IpNextHop,
        }
    }

    /// The role's 2-bit value (0 to 3).
    pub const fn value(self) -> u8 {
        match self {
            Self::IncomingIpInterface => 0,
            Self::SubIpComponent => 1,
            Self::OutgoingIpInterface => 2,
            Self::IpNextHop => 3,
        }
    }
}

/// An Interface Information object: the role and whichever of the four
/// sub-objects are present. Parsing yields it and emitting takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterfaceInformation<'a> {
    /// Which interface is described.
    pub role: InterfaceRole,
    /// The interface's 32-bit ifIndex.
    pub ifindex: Option<u32>,
    /// An IP address of the interface.
    pub address: Option<IpAddr>,
    /// The interface name without its NUL padding (RFC 5837 asks for
    /// UTF-8, see [`InterfaceInformation::name_str`]). When emitting, a
    /// name longer than [`MAX_NAME_LEN`] bytes is cut to that length.
    pub name: Option<&'a [u8]>,
    /// The interface's MTU.
    pub mtu: Option<u32>,
}

impl<'a> InterfaceInformation<'a> {
    /// Reads the object payload `data` whose c-type is `c_type`.
    ///
    /// Fails when a sub-object the c-type announces is missing or
    /// malformed, or when bytes remain after the last one.
    pub fn parse(c_type: u8, data: &'a [u8]) -> Result<Self> {
        let mut rest = data;
        let ifindex = if c_type & flag::IFINDEX != 0 {
            Some(take_u32(&mut rest, "RFC 5837 ifIndex sub-object")?)
        } else {
            None
        };
        let address = if c_type & flag::IPADDR != 0 {
            Some(take_address(&mut rest)?)
        } else {
            None
        };
        let name = if c_type & flag::NAME != 0 {
            Some(take_name(&mut rest)?)
        } else {
            None
        };
        let mtu = if c_type & flag::MTU != 0 {
            Some(take_u32(&mut rest, "RFC 5837 MTU sub-object")?)
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(Malformed::Invalid {
                what: "RFC 5837 interface information object",
                field: "payload length",
                value: u32::try_from(data.len()).unwrap_or(u32::MAX),
                rule: "leaves bytes after the sub-objects its c-type announces",
            });
        }
        Ok(Self {
            role: InterfaceRole::from_c_type(c_type),
            ifindex,
            address,
            name,
            mtu,
        })
    }

    /// The name as text, when present and valid UTF-8.
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name?).ok()
    }

    /// The c-type this object is written with (reserved bits zero).
    pub const fn c_type(&self) -> u8 {
        let mut c = self.role.value() << 6;
        if self.ifindex.is_some() {
            c |= flag::IFINDEX;
        }
        if self.address.is_some() {
            c |= flag::IPADDR;
        }
        if self.name.is_some() {
            c |= flag::NAME;
        }
        if self.mtu.is_some() {
            c |= flag::MTU;
        }
        c
    }

    /// The length of the emitted payload (without the object header).
    pub fn payload_len(&self) -> usize {
        let address = match self.address {
            None => 0,
            Some(IpAddr::V4(_)) => 8,
            Some(IpAddr::V6(_)) => 20,
        };
        4 * usize::from(self.ifindex.is_some())
            + address
            + self.name.map_or(0, name_sub_object_len)
            + 4 * usize::from(self.mtu.is_some())
    }

    /// Writes the payload into `out`, which holds at least
    /// [`InterfaceInformation::payload_len`] bytes.
    pub fn emit_payload(&self, out: &mut [u8]) {
        let mut at = 0;
        if let Some(ifindex) = self.ifindex {
            field::set_u32(out, at, ifindex);
            at += 4;
        }
        match self.address {
            None => {}
            Some(IpAddr::V4(a)) => {
                field::set_u16(out, at, afi::IPV4);
                field::set_u16(out, at + 2, 0);
                out[at + 4..at + 8].copy_from_slice(&a.octets());
                at += 8;
            }
            Some(IpAddr::V6(a)) => {
                field::set_u16(out, at, afi::IPV6);
                field::set_u16(out, at + 2, 0);
                out[at + 4..at + 20].copy_from_slice(&a.octets());
                at += 20;
            }
        }
        if let Some(name) = self.name {
            let len = name_sub_object_len(name);
            let name = &name[..name.len().min(MAX_NAME_LEN)];
            // len <= 64 by construction.
            out[at] = u8::try_from(len).unwrap_or(64);
            out[at + 1..=at + name.len()].copy_from_slice(name);
            out[at + 1 + name.len()..at + len].fill(0);
            at += len;
        }
        if let Some(mtu) = self.mtu {
            field::set_u32(out, at, mtu);
        }
    }
}

/// The length of the name sub-object carrying `name` (cut to 63 bytes):
/// the length octet and the name, rounded up to a multiple of 4.
fn name_sub_object_len(name: &[u8]) -> usize {
    (name.len().min(MAX_NAME_LEN) + 1).next_multiple_of(4)
}

/// Takes a 4-byte sub-object from the front of `rest`.
fn take_u32(rest: &mut &[u8], what: &'static str) -> Result<u32> {
    let (head, tail) = rest.split_at_checked(4).ok_or(Malformed::Truncated {
        what,
        needed: 4,
        available: rest.len(),
    })?;
    *rest = tail;
    Ok(field::u32_at(head, 0))
}

/// Takes the IP address sub-object from the front of `rest`.
fn take_address(rest: &mut &[u8]) -> Result<IpAddr> {
    const WHAT: &str = "RFC 5837 IP address sub-object";
    need(WHAT, rest, 4)?;
    let family = field::u16_at(rest, 0);
    let (len, address) = match family {
        afi::IPV4 => (8, field::get_ipv4(rest, 4).map(IpAddr::V4)),
        afi::IPV6 => (20, field::get_ipv6(rest, 4).map(IpAddr::V6)),
        _ => {
            return Err(Malformed::Invalid {
                what: WHAT,
                field: "AFI",
                value: u32::from(family),
                rule: "is neither 1 (IPv4) nor 2 (IPv6)",
            });
        }
    };
    let address = address.ok_or(Malformed::Truncated {
        what: WHAT,
        needed: len,
        available: rest.len(),
    })?;
    *rest = &rest[len..];
    Ok(address)
}

/// Takes the interface name sub-object from the front of `rest`.
fn take_name<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8]> {
    const WHAT: &str = "RFC 5837 interface name sub-object";
    need(WHAT, rest, 1)?;
    let len = rest[0];
    let invalid = |rule| Malformed::Invalid {
        what: WHAT,
        field: "length",
        value: u32::from(len),
        rule,
    };
    if len == 0 {
        return Err(invalid(
            "is not allowed: the length counts its own octet and is a multiple of 4",
        ));
    }
    if !len.is_multiple_of(4) {
        return Err(invalid("is not a multiple of 4"));
    }
    if usize::from(len) > MAX_NAME_LEN + 1 {
        return Err(invalid("exceeds the maximum of 64"));
    }
    let (sub, tail) = rest
        .split_at_checked(usize::from(len))
        .ok_or(Malformed::Overrun {
            what: WHAT,
            field: "length",
            claimed: usize::from(len),
            available: rest.len(),
        })?;
    *rest = tail;
    Ok(trim_nul_padding(&sub[1..]))
}

/// `bytes` without trailing NUL padding.
pub(crate) fn trim_nul_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    /// Role incoming, ifIndex 3, IPv4 c0 00 02 01 (TEST-NET-1 host 1), name "ge-0/0/0.0", MTU
    /// 1500: c-type `0b00_00_1111`.
    const GE_PAYLOAD: [u8; 32] = [
        0x00, 0x00, 0x00, 0x03, // ifIndex 3
        0x00, 0x01, 0x00, 0x00, // AFI 1, reserved
        0xc0, 0x00, 0x02, 0x01, // TEST-NET-1 host 1
        0x0c, b'g', b'e', b'-', // length 12 (1 + 10 + 1 NUL)
        b'0', b'/', b'0', b'/', //
        b'0', b'.', b'0', 0x00, //
        0x00, 0x00, 0x05, 0xdc, // MTU 1500
        0, 0, 0, 0, // (not part of the payload)
    ];

    fn ge() -> InterfaceInformation<'static> {
        InterfaceInformation {
            role: InterfaceRole::IncomingIpInterface,
            ifindex: Some(3),
            address: Some(v4(192, 0, 2, 1)),
            name: Some(b"ge-0/0/0.0"),
            mtu: Some(1500),
        }
    }

    #[test]
    fn parse_full_object() {
        let info = InterfaceInformation::parse(0x0f, &GE_PAYLOAD[..28]).unwrap();
        assert_eq!(info, ge());
        assert_eq!(info.name_str(), Some("ge-0/0/0.0"));
        // Reserved c-type bits are ignored.
        assert_eq!(
            InterfaceInformation::parse(0x3f, &GE_PAYLOAD[..28]).unwrap(),
            ge()
        );
    }

    #[test]
    fn emit_full_object() {
        let info = ge();
        assert_eq!(info.c_type(), 0x0f);
        assert_eq!(info.payload_len(), 28);
        let mut out = [0xa5u8; 28];
        info.emit_payload(&mut out);
        assert_eq!(out, GE_PAYLOAD[..28]);
    }

    #[test]
    fn roles_and_ipv6() {
        let payload = [
            0x00, 0x02, 0x00, 0x00, // AFI 2
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        ];
        let info = InterfaceInformation::parse(0x84, &payload).unwrap();
        assert_eq!(info.role, InterfaceRole::OutgoingIpInterface);
        assert_eq!(
            info.address,
            Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)))
        );
        assert_eq!((info.ifindex, info.name, info.mtu), (None, None, None));
        for c in 0..=3u8 {
            assert_eq!(InterfaceRole::from_c_type(c << 6).value(), c);
        }
        assert_eq!(
            InterfaceRole::from_c_type(0x40),
            InterfaceRole::SubIpComponent
        );
        assert_eq!(InterfaceRole::from_c_type(0xc0), InterfaceRole::IpNextHop);
    }

    fn name_error(len: u8) -> Malformed {
        let mut payload = [0x41u8; 80];
        payload[0] = len;
        InterfaceInformation::parse(0x02, &payload).unwrap_err()
    }

    #[test]
    fn bad_name_lengths() {
        let e = |value, rule| Malformed::Invalid {
            what: "RFC 5837 interface name sub-object",
            field: "length",
            value,
            rule,
        };
        assert_eq!(
            name_error(0),
            e(
                0,
                "is not allowed: the length counts its own octet and is a multiple of 4"
            )
        );
        assert_eq!(name_error(5), e(5, "is not a multiple of 4"));
        assert_eq!(name_error(68), e(68, "exceeds the maximum of 64"));
        // 64 is the largest allowed: a 63-byte name.
        let mut payload = [0x41u8; 64];
        payload[0] = 64;
        let info = InterfaceInformation::parse(0x02, &payload).unwrap();
        assert_eq!(info.name, Some(&[0x41u8; 63][..]));
        assert_eq!(
            InterfaceInformation::parse(0x02, &payload[..20]).unwrap_err(),
            Malformed::Overrun {
                what: "RFC 5837 interface name sub-object",
                field: "length",
                claimed: 64,
                available: 20
            }
        );
    }

    #[test]
    fn missing_and_leftover_sub_objects() {
        // Every truncation of the full payload fails, with no panic.
        for n in 0..28 {
            assert!(
                InterfaceInformation::parse(0x0f, &GE_PAYLOAD[..n]).is_err(),
                "{n}"
            );
        }
        assert_eq!(
            InterfaceInformation::parse(0x0f, &GE_PAYLOAD[..26]).unwrap_err(),
            Malformed::Truncated {
                what: "RFC 5837 MTU sub-object",
                needed: 4,
                available: 2
            }
        );
        assert_eq!(
            InterfaceInformation::parse(0x0f, &GE_PAYLOAD[..10]).unwrap_err(),
            Malformed::Truncated {
                what: "RFC 5837 IP address sub-object",
                needed: 8,
                available: 6
            }
        );
        assert_eq!(
            InterfaceInformation::parse(0x0f, &GE_PAYLOAD).unwrap_err(),
            Malformed::Invalid {
                what: "RFC 5837 interface information object",
                field: "payload length",
                value: 32,
                rule: "leaves bytes after the sub-objects its c-type announces"
            }
        );
        assert_eq!(
            InterfaceInformation::parse(0x04, &[0, 3, 0, 0, 1, 2, 3, 4]).unwrap_err(),
            Malformed::Invalid {
                what: "RFC 5837 IP address sub-object",
                field: "AFI",
                value: 3,
                rule: "is neither 1 (IPv4) nor 2 (IPv6)"
            }
        );
    }

    #[test]
    fn long_names_are_cut_and_padding_is_zero() {
        let long = [b'x'; 70];
        let info = InterfaceInformation {
            role: InterfaceRole::IpNextHop,
            ifindex: None,
            address: None,
            name: Some(&long),
            mtu: None,
        };
        assert_eq!(info.payload_len(), 64);
        let mut out = [0xa5u8; 64];
        info.emit_payload(&mut out);
        assert_eq!(out[0], 64);
        let back = InterfaceInformation::parse(info.c_type(), &out).unwrap();
        assert_eq!(back.name, Some(&long[..63]));
        let short = InterfaceInformation {
            name: Some(b"eth0"),
            ..info
        };
        let mut out = [0xa5u8; 8];
        short.emit_payload(&mut out);
        assert_eq!(out, [8, b'e', b't', b'h', b'0', 0, 0, 0]);
    }
}
