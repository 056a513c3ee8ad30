//! The Interface Identification object (RFC 8335): class-num 3.
//!
//! An Extended Echo Request (PROBE) names the interface it asks about in
//! one of three ways, chosen by the c-type:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |            Length             | Class-Num = 3 |    C-Type     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! c-type 1, by name:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //     interface name, NUL-padded to a multiple of 4 bytes     //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! c-type 2, by index:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                            ifIndex                            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! c-type 3, by address:
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   AFI (1 IPv4, 2 IPv6)        |  Address Len  |   Reserved    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //          address, zero-padded to a multiple of 4 bytes      //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Other c-types are kept as [`super::Object::Unknown`].

use core::net::IpAddr;

use crate::error::{Malformed, Result, need};
use crate::extension::interface_info::trim_nul_padding;
use crate::field;

/// The class-num of the Interface Identification object.
pub const CLASS_NUM: u8 = 3;

/// The c-types of the Interface Identification object.
pub mod c_type {
    /// Identifies the interface by name.
    pub const BY_NAME: u8 = 1;
    /// Identifies the interface by ifIndex.
    pub const BY_INDEX: u8 = 2;
    /// Identifies the interface by one of its addresses.
    pub const BY_ADDRESS: u8 = 3;
}

/// The IANA address family numbers RFC 8335 uses.
pub mod afi {
    /// IPv4.
    pub const IPV4: u16 = 1;
    /// IPv6.
    pub const IPV6: u16 = 2;
}

const WHAT: &str = "RFC 8335 interface identification object";

/// The largest payload an object can carry (its length field is 16 bits),
/// rounded down to a multiple of 4.
const MAX_PAYLOAD: usize = (u16::MAX as usize - 4) & !3;

/// How an Extended Echo Request identifies the probed interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceIdentification<'a> {
    /// By name (c-type 1), without NUL padding. When emitting, a name
    /// longer than the 16-bit object length allows is cut.
    Name(&'a [u8]),
    /// By ifIndex (c-type 2).
    Index(u32),
    /// By address (c-type 3).
    Address(InterfaceAddress<'a>),
}

/// The address of an Interface Identification object by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceAddress<'a> {
    /// An IPv4 (AFI 1) or IPv6 (AFI 2) address.
    Ip(IpAddr),
    /// An address of another family, kept raw. When emitting, at most 255
    /// bytes (what the address length octet can count) are written; an
    /// `Unknown` with AFI 1 or 2 and the right length reads back as `Ip`.
    Unknown {
        /// The address family number.
        afi: u16,
        /// The address bytes (as many as the address length says).
        address: &'a [u8],
    },
}

impl<'a> InterfaceIdentification<'a> {
    /// Reads the payload `data` of an object with c-type 1, 2 or 3;
    /// `None` for another c-type.
    pub fn parse(c_type: u8, data: &'a [u8]) -> Option<Result<Self>> {
        Some(match c_type {
            c_type::BY_NAME => Ok(Self::Name(trim_nul_padding(data))),
            c_type::BY_INDEX => parse_index(data),
            c_type::BY_ADDRESS => parse_address(data).map(Self::Address),
            _ => return None,
        })
    }

    /// The c-type this object is written with.
    pub const fn c_type(&self) -> u8 {
        match self {
            Self::Name(_) => c_type::BY_NAME,
            Self::Index(_) => c_type::BY_INDEX,
            Self::Address(_) => c_type::BY_ADDRESS,
        }
    }

    /// The length of the emitted payload (without the object header).
    pub fn payload_len(&self) -> usize {
        match self {
            Self::Name(name) => name.len().next_multiple_of(4).min(MAX_PAYLOAD),
            Self::Index(_) => 4,
            Self::Address(a) => 4 + a.bytes().len().next_multiple_of(4),
        }
    }

    /// Writes the payload into `out`, which holds at least
    /// [`InterfaceIdentification::payload_len`] bytes.
    pub fn emit_payload(&self, out: &mut [u8]) {
        let len = self.payload_len();
        let out = &mut out[..len];
        match self {
            Self::Name(name) => {
                let n = name.len().min(len);
                out[..n].copy_from_slice(&name[..n]);
                out[n..].fill(0);
            }
            Self::Index(index) => field::set_u32(out, 0, *index),
            Self::Address(a) => {
                let bytes = a.bytes();
                field::set_u16(out, 0, a.afi());
                // bytes() yields at most 255 bytes.
                out[2] = u8::try_from(bytes.len()).unwrap_or(u8::MAX);
                out[3] = 0;
                out[4..4 + bytes.len()].copy_from_slice(bytes.as_slice());
                out[4 + bytes.len()..].fill(0);
            }
        }
    }
}

impl InterfaceAddress<'_> {
    /// The address family number.
    pub const fn afi(&self) -> u16 {
        match self {
            Self::Ip(IpAddr::V4(_)) => afi::IPV4,
            Self::Ip(IpAddr::V6(_)) => afi::IPV6,
            Self::Unknown { afi, .. } => *afi,
        }
    }

    /// The address bytes as emitted.
    fn bytes(&self) -> AddressBytes<'_> {
        match self {
            Self::Ip(IpAddr::V4(a)) => AddressBytes::V4(a.octets()),
            Self::Ip(IpAddr::V6(a)) => AddressBytes::V6(a.octets()),
            Self::Unknown { address, .. } => {
                AddressBytes::Raw(&address[..address.len().min(usize::from(u8::MAX))])
            }
        }
    }
}

/// An address's bytes without allocating.
enum AddressBytes<'a> {
    V4([u8; 4]),
    V6([u8; 16]),
    Raw(&'a [u8]),
}

impl AddressBytes<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Self::V4(b) => b,
            Self::V6(b) => b,
            Self::Raw(b) => b,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }
}

fn payload_len_error(data: &[u8], rule: &'static str) -> Malformed {
    Malformed::Invalid {
        what: WHAT,
        field: "payload length",
        value: u32::try_from(data.len()).unwrap_or(u32::MAX),
        rule,
    }
}

fn parse_index(data: &[u8]) -> Result<InterfaceIdentification<'_>> {
    need(WHAT, data, 4)?;
    if data.len() != 4 {
        return Err(payload_len_error(
            data,
            "is not 4, the length of an ifIndex",
        ));
    }
    Ok(InterfaceIdentification::Index(field::u32_at(data, 0)))
}

fn parse_address(data: &[u8]) -> Result<InterfaceAddress<'_>> {
    need(WHAT, data, 4)?;
    let family = field::u16_at(data, 0);
    let len = data[2];
    let wrong_len = |rule| Malformed::Invalid {
        what: WHAT,
        field: "address length",
        value: u32::from(len),
        rule,
    };
    match family {
        afi::IPV4 if len != 4 => {
            return Err(wrong_len("is not 4, the length of an IPv4 address (AFI 1)"));
        }
        afi::IPV6 if len != 16 => {
            return Err(wrong_len(
                "is not 16, the length of an IPv6 address (AFI 2)",
            ));
        }
        _ => {}
    }
    let rest = &data[4..];
    let address = rest.get(..usize::from(len)).ok_or(Malformed::Overrun {
        what: WHAT,
        field: "address length",
        claimed: usize::from(len),
        available: rest.len(),
    })?;
    if rest.len() > usize::from(len).next_multiple_of(4) {
        return Err(payload_len_error(
            data,
            "leaves bytes after the address and its padding",
        ));
    }
    let ip = match family {
        afi::IPV4 => field::get_ipv4(address, 0).map(IpAddr::V4),
        afi::IPV6 => field::get_ipv6(address, 0).map(IpAddr::V6),
        _ => None,
    };
    Ok(ip.map_or(
        InterfaceAddress::Unknown {
            afi: family,
            address,
        },
        InterfaceAddress::Ip,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn parse(c_type: u8, data: &[u8]) -> Result<InterfaceIdentification<'_>> {
        InterfaceIdentification::parse(c_type, data).unwrap()
    }

    fn emit(id: &InterfaceIdentification<'_>) -> ([u8; 32], usize) {
        let mut out = [0xa5u8; 32];
        let n = id.payload_len();
        id.emit_payload(&mut out);
        (out, n)
    }

    #[test]
    fn by_name() {
        let payload = *b"eth0";
        assert_eq!(
            parse(1, &payload).unwrap(),
            InterfaceIdentification::Name(b"eth0")
        );
        assert_eq!(
            parse(1, b"eth10\0\0\0").unwrap(),
            InterfaceIdentification::Name(b"eth10")
        );
        let (out, n) = emit(&InterfaceIdentification::Name(b"eth0"));
        assert_eq!(&out[..n], b"eth0");
        assert_eq!(out[n], 0xa5);
        let (out, n) = emit(&InterfaceIdentification::Name(b"eth10"));
        assert_eq!(&out[..n], b"eth10\0\0\0");
    }

    #[test]
    fn by_index() {
        assert_eq!(
            parse(2, &[0, 0, 0, 2]).unwrap(),
            InterfaceIdentification::Index(2)
        );
        let (out, n) = emit(&InterfaceIdentification::Index(0x0102_0304));
        assert_eq!(&out[..n], &[1, 2, 3, 4]);
        assert_eq!(
            parse(2, &[0, 0, 2]).unwrap_err(),
            Malformed::Truncated {
                what: WHAT,
                needed: 4,
                available: 3
            }
        );
        assert_eq!(
            parse(2, &[0; 8]).unwrap_err(),
            Malformed::Invalid {
                what: WHAT,
                field: "payload length",
                value: 8,
                rule: "is not 4, the length of an ifIndex"
            }
        );
    }

    #[test]
    fn by_ipv4_and_ipv6_address() {
        let v4 = [0, 1, 4, 0, 192, 0, 2, 1];
        let id = InterfaceIdentification::Address(InterfaceAddress::Ip(IpAddr::V4(Ipv4Addr::new(
            192, 0, 2, 1,
        ))));
        assert_eq!(parse(3, &v4).unwrap(), id);
        let (out, n) = emit(&id);
        assert_eq!(&out[..n], &v4);

        let v6 = [
            0, 2, 16, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        ];
        let id = InterfaceIdentification::Address(InterfaceAddress::Ip(IpAddr::V6(Ipv6Addr::new(
            0x2001, 0xdb8, 0, 0, 0, 0, 0, 1,
        ))));
        assert_eq!(parse(3, &v6).unwrap(), id);
        let (out, n) = emit(&id);
        assert_eq!(&out[..n], &v6);
    }

    #[test]
    fn address_length_must_match_family() {
        assert_eq!(
            parse(3, &[0, 1, 16, 0, 0, 0, 0, 0]).unwrap_err(),
            Malformed::Invalid {
                what: WHAT,
                field: "address length",
                value: 16,
                rule: "is not 4, the length of an IPv4 address (AFI 1)"
            }
        );
        assert_eq!(
            parse(3, &[0, 2, 4, 0, 0, 0, 0, 0]).unwrap_err(),
            Malformed::Invalid {
                what: WHAT,
                field: "address length",
                value: 4,
                rule: "is not 16, the length of an IPv6 address (AFI 2)"
            }
        );
        assert_eq!(
            parse(3, &[0, 2, 16, 0, 0, 0, 0, 0]).unwrap_err(),
            Malformed::Overrun {
                what: WHAT,
                field: "address length",
                claimed: 16,
                available: 4
            }
        );
        assert_eq!(
            parse(3, &[0, 1, 4, 0, 1, 2, 3, 4, 0, 0, 0, 0]).unwrap_err(),
            Malformed::Invalid {
                what: WHAT,
                field: "payload length",
                value: 12,
                rule: "leaves bytes after the address and its padding"
            }
        );
        for n in 0..8 {
            assert!(parse(3, &[0, 1, 4, 0, 192, 0, 2, 1][..n]).is_err());
        }
    }

    #[test]
    fn unknown_family_kept_raw() {
        // AFI 6 (802, a MAC address), 6 bytes padded to 8.
        let mac = [0, 6, 6, 0, 0x02, 0, 0, 0, 0, 0x01, 0, 0];
        let id = InterfaceIdentification::Address(InterfaceAddress::Unknown {
            afi: 6,
            address: &[0x02, 0, 0, 0, 0, 0x01],
        });
        assert_eq!(parse(3, &mac).unwrap(), id);
        let (out, n) = emit(&id);
        assert_eq!(&out[..n], &mac);
        assert!(InterfaceIdentification::parse(4, &mac).is_none());
    }
}
