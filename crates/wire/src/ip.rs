//! What IPv4 and IPv6 share: the version and the protocol numbers that a
//! prober and a decoder meet.

use crate::checksum::{self, Accumulator};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP version, and with it the ICMP flavour (ICMPv4 or ICMPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpVersion {
    /// IPv4 and ICMPv4.
    V4,
    /// IPv6 and ICMPv6.
    V6,
}

impl IpVersion {
    /// The number in the IP header's version field (4 or 6).
    pub const fn number(self) -> u8 {
        match self {
            Self::V4 => 4,
            Self::V6 => 6,
        }
    }

    /// The version for a version-field value, if it is 4 or 6.
    pub const fn from_number(n: u8) -> Option<Self> {
        match n {
            4 => Some(Self::V4),
            6 => Some(Self::V6),
            _ => None,
        }
    }
}

/// IANA protocol numbers (IPv4 protocol / IPv6 next header) used here.
pub mod protocol {
    /// IPv6 Hop-by-Hop Options header.
    pub const HOP_BY_HOP: u8 = 0;
    /// ICMP for IPv4.
    pub const ICMP: u8 = 1;
    /// IGMP.
    pub const IGMP: u8 = 2;
    /// IPv4 encapsulated (IP-in-IP).
    pub const IPV4: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulated.
    pub const IPV6: u8 = 41;
    /// IPv6 Routing header.
    pub const ROUTING: u8 = 43;
    /// IPv6 Fragment header.
    pub const FRAGMENT: u8 = 44;
    /// GRE.
    pub const GRE: u8 = 47;
    /// Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// No next header (IPv6).
    pub const NO_NEXT_HEADER: u8 = 59;
    /// IPv6 Destination Options header.
    pub const DESTINATION_OPTIONS: u8 = 60;
    /// SCTP.
    pub const SCTP: u8 = 132;
    /// UDP-Lite.
    pub const UDP_LITE: u8 = 136;
    /// IPv6 Mobility header.
    pub const MOBILITY: u8 = 135;
    /// Host Identity Protocol.
    pub const HIP: u8 = 139;
    /// Shim6 protocol.
    pub const SHIM6: u8 = 140;
}

/// The source and destination of a datagram, of one family: what the UDP,
/// TCP and ICMPv6 checksums cover through their pseudo-header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressPair {
    /// An IPv4 source and destination.
    V4 {
        /// Source address.
        src: Ipv4Addr,
        /// Destination address.
        dst: Ipv4Addr,
    },
    /// An IPv6 source and destination.
    V6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
    },
}

impl AddressPair {
    /// The pair of `src` and `dst`; `None` when their versions differ.
    pub const fn new(src: IpAddr, dst: IpAddr) -> Option<Self> {
        match (src, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => Some(Self::V4 { src, dst }),
            (IpAddr::V6(src), IpAddr::V6(dst)) => Some(Self::V6 { src, dst }),
            _ => None,
        }
    }

    /// The IP version of the pair.
    pub const fn version(&self) -> IpVersion {
        match self {
            Self::V4 { .. } => IpVersion::V4,
            Self::V6 { .. } => IpVersion::V6,
        }
    }

    /// The source address.
    pub const fn src(&self) -> IpAddr {
        match *self {
            Self::V4 { src, .. } => IpAddr::V4(src),
            Self::V6 { src, .. } => IpAddr::V6(src),
        }
    }

    /// The destination address.
    pub const fn dst(&self) -> IpAddr {
        match *self {
            Self::V4 { dst, .. } => IpAddr::V4(dst),
            Self::V6 { dst, .. } => IpAddr::V6(dst),
        }
    }

    /// The pseudo-header sum for an upper-layer `protocol` message of
    /// `length` bytes. For IPv4 the length field is 16 bits wide; a longer
    /// length (which no IPv4 datagram can carry) is summed modulo 2^16.
    pub fn pseudo_header(&self, protocol: u8, length: usize) -> Accumulator {
        match *self {
            Self::V4 { src, dst } => {
                let len = u16::try_from(length & 0xffff).unwrap_or(u16::MAX);
                checksum::pseudo_header_v4(src, dst, protocol, len)
            }
            Self::V6 { src, dst } => {
                let len = u32::try_from(length).unwrap_or(u32::MAX);
                checksum::pseudo_header_v6(src, dst, protocol, len)
            }
        }
    }

    /// The pseudo-header plus the whole upper-layer `message` (whose checksum
    /// field is either zero, for computing, or filled, for verifying).
    pub fn sum(&self, protocol: u8, message: &[u8]) -> Accumulator {
        self.pseudo_header(protocol, message.len())
            .add_bytes(message)
    }
}
