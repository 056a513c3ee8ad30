//! Link-layer types and how to find the IP packet inside a frame.
//!
//! One table ([`TABLE`]) maps each link type we know to its numbers, its name
//! and the view of its first header. A view reads one family of link headers
//! and says what the payload is and where it starts ([`Carried`]): an IP
//! packet of the versions the header allows, a payload named by Ethernet
//! type (which the tunnel walk follows through VLAN tags, MPLS, MACsec...),
//! or an MPLS label stack:
//!
//! - [`ethertype`]: headers naming the payload by Ethernet type (Ethernet with
//!   VLAN tags, Linux SLL and SLL2, IP over InfiniBand);
//! - [`family`]: headers naming it by address family (BSD and OpenBSD
//!   loopback, Solaris/illumos ipnet);
//! - [`serial`]: point-to-point serial links (PPP, PPP in HDLC-like framing,
//!   Cisco HDLC);
//! - [`arcnet`]: ARCNET with the Linux pseudo header.

use std::fmt;

pub use addressing::{LinkAddressing, link_addressing};

mod addressing;
mod arcnet;
mod ethertype;
mod family;
mod serial;

pub(crate) use serial::ppp;

#[cfg(test)]
mod tests;

/// The link-layer header type of a capture's frames (the `LINKTYPE_*` value
/// of the tcpdump.org registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// BSD loopback (0): a 4-byte address family in the capturing host's
    /// byte order, then the packet.
    Null,
    /// Ethernet II (1), possibly with 802.1Q / 802.1ad (`QinQ`) VLAN tags.
    Ethernet,
    /// PPP (9): the PPP protocol field, possibly behind the `0xff 0x03`
    /// address and control bytes of HDLC-like framing.
    Ppp,
    /// PPP in HDLC-like framing (50, `PPP_SERIAL`): `0xff 0x03` address and
    /// control (or none, when compressed away) then the PPP protocol field; or
    /// a Cisco HDLC frame, told apart by its first byte.
    PppHdlc,
    /// Raw IP (101; also 12 and 14, which some writers use for raw IP): the
    /// frame starts with an IPv4 or IPv6 header.
    RawIp,
    /// Cisco HDLC (104, `C_HDLC`): address `0x0f` or `0x8f`, control 0, then
    /// a 2-byte Ethernet type.
    CiscoHdlc,
    /// OpenBSD loopback (108): like [`LinkType::Null`] but always big-endian.
    Loop,
    /// Linux "cooked" capture, version 1 (113): a 16-byte pseudo header.
    LinuxSll,
    /// ARCNET with the Linux pseudo header (129): source, destination, a
    /// 2-byte offset and a protocol id, plus a split flag and sequence number
    /// for RFC 1201 protocols.
    ArcnetLinux,
    /// Solaris/illumos ipnet (226): a 24-byte header naming the address family.
    Ipnet,
    /// Raw IPv4 (228): the frame is an IPv4 packet.
    Ipv4,
    /// Raw IPv6 (229): the frame is an IPv6 packet.
    Ipv6,
    /// IP over InfiniBand (242): a 40-byte destination address or global
    /// route pseudo header, then the RFC 4391 header (Ethernet type and 2
    /// reserved bytes).
    Ipoib,
    /// Linux "cooked" capture, version 2 (276): a 20-byte pseudo header.
    LinuxSll2,
    /// Any other link type, kept by its number.
    Other(u32),
}

/// Which IP versions a link layer's framing allows at this point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
    /// Either version (raw IP).
    Either,
}

impl Expect {
    /// The one IP version allowed, if only one is.
    pub(crate) fn version(self) -> Option<u8> {
        match self {
            Self::V4 => Some(4),
            Self::V6 => Some(6),
            Self::Either => None,
        }
    }
}

/// What a link header view finds after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carried<'a> {
    /// An IP packet of the versions the framing allows.
    Ip(Expect, &'a [u8]),
    /// A payload the header names by Ethernet type.
    Ethertype(u16, &'a [u8]),
    /// An MPLS label stack (PPP's MPLS protocols).
    Mpls(&'a [u8]),
}

impl<'a> Carried<'a> {
    /// The IP packet carried directly (for an Ethernet type, the IPv4 or
    /// IPv6 one), cut as [`network_layer`] cuts it.
    pub(crate) fn ip_packet(self) -> Option<&'a [u8]> {
        match self {
            Self::Ip(expect, data) => ip_packet(data, expect),
            Self::Ethertype(ethertype, data) => {
                ip_packet(data, ethertype::by_ethertype(ethertype)?)
            }
            Self::Mpls(_) => None,
        }
    }
}

/// One link type's row of [`TABLE`].
struct Row {
    link_type: LinkType,
    /// The `LINKTYPE_*` number of this link type.
    code: u32,
    /// Other numbers some writers use for it.
    aliases: &'static [u32],
    name: &'static str,
    /// The view of the frame's first header.
    first_header: fn(&[u8]) -> Option<Carried<'_>>,
}

/// Every link type we can find IP packets in, commonest first.
const TABLE: [Row; 14] = [
    Row {
        link_type: LinkType::Ethernet,
        code: 1,
        aliases: &[],
        name: "Ethernet",
        first_header: ethertype::ethernet,
    },
    Row {
        link_type: LinkType::LinuxSll2,
        code: 276,
        aliases: &[],
        name: "Linux cooked v2 (SLL2)",
        first_header: ethertype::linux_sll2,
    },
    Row {
        link_type: LinkType::LinuxSll,
        code: 113,
        aliases: &[],
        name: "Linux cooked (SLL)",
        first_header: ethertype::linux_sll,
    },
    Row {
        link_type: LinkType::RawIp,
        code: 101,
        aliases: &[12, 14],
        name: "raw IP",
        first_header: |data| Some(Carried::Ip(Expect::Either, data)),
    },
    Row {
        link_type: LinkType::Ipv4,
        code: 228,
        aliases: &[],
        name: "raw IPv4",
        first_header: |data| Some(Carried::Ip(Expect::V4, data)),
    },
    Row {
        link_type: LinkType::Ipv6,
        code: 229,
        aliases: &[],
        name: "raw IPv6",
        first_header: |data| Some(Carried::Ip(Expect::V6, data)),
    },
    Row {
        link_type: LinkType::Null,
        code: 0,
        aliases: &[],
        name: "BSD loopback",
        first_header: family::null,
    },
    Row {
        link_type: LinkType::Loop,
        code: 108,
        aliases: &[],
        name: "OpenBSD loopback",
        first_header: family::loop_,
    },
    Row {
        link_type: LinkType::Ppp,
        code: 9,
        aliases: &[],
        name: "PPP",
        first_header: serial::ppp_or_cisco,
    },
    Row {
        link_type: LinkType::PppHdlc,
        code: 50,
        aliases: &[],
        name: "PPP in HDLC-like framing",
        first_header: serial::ppp_or_cisco,
    },
    Row {
        link_type: LinkType::CiscoHdlc,
        code: 104,
        aliases: &[],
        name: "Cisco HDLC",
        first_header: serial::cisco_hdlc,
    },
    Row {
        link_type: LinkType::Ipoib,
        code: 242,
        aliases: &[],
        name: "IP over InfiniBand",
        first_header: ethertype::ipoib,
    },
    Row {
        link_type: LinkType::Ipnet,
        code: 226,
        aliases: &[],
        name: "Solaris ipnet",
        first_header: family::ipnet,
    },
    Row {
        link_type: LinkType::ArcnetLinux,
        code: 129,
        aliases: &[],
        name: "ARCNET (Linux)",
        first_header: arcnet::linux,
    },
];

impl LinkType {
    /// The link type a capture file's number stands for.
    pub fn from_code(code: u32) -> Self {
        TABLE
            .iter()
            .find(|row| row.code == code || row.aliases.contains(&code))
            .map_or(Self::Other(code), |row| row.link_type)
    }

    /// The `LINKTYPE_*` number of this link type (101 for every raw IP form).
    pub fn code(self) -> u32 {
        match self {
            Self::Other(code) => code,
            known => known.row().map_or(0, |row| row.code),
        }
    }

    /// Every link type whose frames [`network_layer`] can look into.
    pub fn known() -> impl Iterator<Item = LinkType> {
        TABLE.iter().map(|row| row.link_type)
    }

    fn row(self) -> Option<&'static Row> {
        TABLE.iter().find(|row| row.link_type == self)
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.row().map_or("link type", |row| row.name);
        write!(f, "{name} ({})", self.code())
    }
}

/// The big-endian 16-bit number at `at`, if `data` holds it.
fn be16(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
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
    carried(link_type, data)?.ip_packet()
}

/// What the first header of a frame of `link_type` carries, or `None` for
/// an unknown link type, a payload no view names, or a cut header.
pub(crate) fn carried(link_type: LinkType, data: &[u8]) -> Option<Carried<'_>> {
    (link_type.row()?.first_header)(data)
}
