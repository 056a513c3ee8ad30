//! Lax parsing of the datagram quoted inside an ICMP error.
//!
//! An error quotes the start of the datagram that caused it: RFC 792
//! routers quote the IP header and 8 bytes (28 bytes for IPv4 without
//! options), RFC 1812 routers and Linux as much as fits in 576 bytes
//! (IPv4) or 1280 (ICMPv6). The quote is therefore usually cut short, and
//! its length fields describe the original datagram, not the quote. So
//! [`parse`] demands only the fixed IP header; everything after it is read
//! as far as it was quoted, and [`Quote::truncated`] says whether some of
//! the datagram is missing.
//!
//! ```text
//! | quoted IP header (20-60 / 40 bytes) | IPv6 ext. headers | transport header ... |
//! |<-------------- required ----------->|<------- read as far as quoted -------->|
//! ```
//!
//! A transport header is reported only when its first 8 bytes are quoted
//! (the part RFC 792 guarantees, holding the UDP header, the TCP ports and
//! sequence number, and the ICMP header with identifier and sequence
//! number); with fewer, [`Quote::transport`] is `None`. TCP fields beyond
//! the first 8 bytes are `Some` only when quoted.

use crate::error::{Malformed, Result, need};
use crate::field::{get_u16, get_u32};
use crate::ip::{AddressPair, IpVersion, protocol};
use crate::ipv6::{self, Fragment};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const WHAT_V4: &str = "quoted IPv4 header";
const WHAT_V6: &str = "quoted IPv6 header";

/// The quoted datagram's IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotedIp {
    /// An IPv4 header (quoted inside ICMPv4).
    V4 {
        /// Internet Header Length, in 32-bit words.
        ihl: u8,
        /// The type-of-service byte (DSCP and ECN).
        tos: u8,
        /// Total length of the original datagram.
        total_length: u16,
        /// Identification.
        ident: u16,
        /// Don't Fragment.
        dont_frag: bool,
        /// More Fragments.
        more_frags: bool,
        /// Fragment offset in bytes.
        frag_offset: u16,
        /// Time to live as the datagram arrived at the reporting node.
        ttl: u8,
        /// Protocol.
        protocol: u8,
        /// Header checksum (as quoted; it reflects any TTL change made by
        /// routers before the reporter, so it is not verified).
        checksum: u16,
        /// Source address.
        src: Ipv4Addr,
        /// Destination address.
        dst: Ipv4Addr,
    },
    /// An IPv6 header (quoted inside ICMPv6).
    V6 {
        /// Traffic class.
        traffic_class: u8,
        /// Flow label (20 bits).
        flow_label: u32,
        /// Payload length of the original datagram.
        payload_length: u16,
        /// Hop limit as the datagram arrived at the reporting node.
        hop_limit: u8,
        /// The upper-layer protocol after the extension headers; when the
        /// quote ends inside an extension header, that header's type.
        next_header: u8,
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
        /// The Fragment header, if one was quoted.
        fragment: Option<Fragment>,
    },
}

impl QuotedIp {
    /// The source and destination, which also tell the version.
    const fn addresses(&self) -> AddressPair {
        match *self {
            Self::V4 { src, dst, .. } => AddressPair::V4 { src, dst },
            Self::V6 { src, dst, .. } => AddressPair::V6 { src, dst },
        }
    }

    /// The IP version.
    pub const fn version(&self) -> IpVersion {
        self.addresses().version()
    }

    /// The source address.
    pub const fn src(&self) -> IpAddr {
        self.addresses().src()
    }

    /// The destination address.
    pub const fn dst(&self) -> IpAddr {
        self.addresses().dst()
    }

    /// The protocol (IPv4) or final next header (IPv6).
    pub const fn protocol(&self) -> u8 {
        match *self {
            Self::V4 { protocol, .. } => protocol,
            Self::V6 { next_header, .. } => next_header,
        }
    }

    /// The TTL (IPv4) or hop limit (IPv6).
    pub const fn hop_limit(&self) -> u8 {
        match *self {
            Self::V4 { ttl, .. } => ttl,
            Self::V6 { hop_limit, .. } => hop_limit,
        }
    }
}

/// The start of the quoted datagram's transport header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotedTransport {
    /// A UDP header (all 8 bytes).
    Udp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Length field.
        length: u16,
        /// Checksum field.
        checksum: u16,
    },
    /// A TCP header: ports and sequence number always, the rest when quoted.
    Tcp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Sequence number.
        seq_number: u32,
        /// Acknowledgment number (bytes 8–11), if quoted.
        ack_number: Option<u32>,
        /// Data offset and control bits (bytes 12–13), if quoted.
        offset_flags: Option<u16>,
        /// Window (bytes 14–15), if quoted.
        window_len: Option<u16>,
        /// Checksum (bytes 16–17), if quoted.
        checksum: Option<u16>,
    },
    /// An ICMPv4 or ICMPv6 header. Bytes 4–7 are read as identifier and
    /// sequence number, which they are for echo messages.
    Icmp {
        /// ICMPv4 (protocol 1) or ICMPv6 (next header 58).
        version: IpVersion,
        /// Message type.
        msg_type: u8,
        /// Code.
        code: u8,
        /// Checksum.
        checksum: u16,
        /// Identifier (bytes 4–5).
        ident: u16,
        /// Sequence number (bytes 6–7).
        seq_no: u16,
    },
    /// Any other protocol, not interpreted.
    Other {
        /// The protocol number.
        protocol: u8,
    },
}

/// A datagram quoted inside an ICMP error, read as far as it was quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quote<'a> {
    /// The IP header.
    pub ip: QuotedIp,
    /// The raw IP header as quoted: IPv4 with options, or the IPv6 fixed
    /// header with the extension headers walked.
    pub header: &'a [u8],
    /// The transport header's start, when at least 8 bytes of it were
    /// quoted (or, for [`QuotedTransport::Other`], whenever the upper layer
    /// was reached); `None` too for a non-first fragment, whose payload
    /// does not start with a transport header.
    pub transport: Option<QuotedTransport>,
    /// The quoted bytes from the upper-layer header on (for an IPv6 quote
    /// cut off inside an extension header, from that header on), ending at
    /// the datagram's claimed length when it is shorter than the quote
    /// (which drops RFC 4884 zero padding).
    pub payload: &'a [u8],
    /// Whether the quote ends before the datagram's claimed length, or
    /// inside the IPv6 extension headers.
    pub truncated: bool,
}

/// What a prober needs to recognise its own probe in an error's quote.
/// Fields the quote lacks (or that the protocol lacks) are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeIdentity {
    /// Source address of the probe.
    pub src: IpAddr,
    /// Destination address of the probe.
    pub dst: IpAddr,
    /// Upper-layer protocol.
    pub protocol: u8,
    /// IPv4 identification.
    pub ip_ident: Option<u16>,
    /// IPv6 flow label.
    pub flow_label: Option<u32>,
    /// TTL or hop limit as the probe reached the reporter.
    pub hop_limit: u8,
    /// UDP or TCP source port.
    pub src_port: Option<u16>,
    /// UDP or TCP destination port.
    pub dst_port: Option<u16>,
    /// TCP sequence number.
    pub tcp_seq: Option<u32>,
    /// ICMP identifier.
    pub icmp_ident: Option<u16>,
    /// ICMP sequence number.
    pub icmp_seq: Option<u16>,
    /// The transport checksum (UDP, ICMP; TCP when quoted), which Paris
    /// traceroute uses to tell probes apart.
    pub transport_checksum: Option<u16>,
}

/// Parses the datagram quoted inside an ICMP error of version `expected`
/// (ICMPv4 quotes IPv4, ICMPv6 quotes IPv6).
///
/// Errors, all for the IP header alone: a version other than `expected`
/// ([`Malformed::Invalid`], naming an IPv6 header inside ICMPv4 or the
/// reverse); fewer than 20 (IPv4) or 40 (IPv6) bytes
/// ([`Malformed::Truncated`]); an IHL below 5 ([`Malformed::Invalid`]);
/// options running past the quote ([`Malformed::Overrun`]); more than
/// [`ipv6::MAX_EXTENSION_HEADERS`] extension headers
/// ([`Malformed::TooMany`]).
pub fn parse(bytes: &[u8], expected: IpVersion) -> Result<Quote<'_>> {
    let what = match expected {
        IpVersion::V4 => WHAT_V4,
        IpVersion::V6 => WHAT_V6,
    };
    if let Some(&b) = bytes.first() {
        let version = b >> 4;
        if version != expected.number() {
            return Err(Malformed::Invalid {
                what,
                field: "version",
                value: u32::from(version),
                rule: match (expected, version) {
                    (IpVersion::V4, 6) => "is not 4: an IPv6 header quoted inside ICMPv4",
                    (IpVersion::V6, 4) => "is not 6: an IPv4 header quoted inside ICMPv6",
                    (IpVersion::V4, _) => "is not 4",
                    (IpVersion::V6, _) => "is not 6",
                },
            });
        }
    }
    match expected {
        IpVersion::V4 => parse_v4(bytes),
        IpVersion::V6 => parse_v6(bytes),
    }
}

/// The quoted IP payload: up to the claimed `end` when the quote holds it,
/// otherwise all that was quoted; and whether that cut the datagram short.
/// A claimed end before `start` (a mangled length field) is ignored.
fn payload_region(bytes: &[u8], start: usize, end: usize) -> (&[u8], bool) {
    let rest = bytes.get(start..).unwrap_or(&[]);
    if end < start {
        return (rest, false);
    }
    match rest.get(..end - start) {
        Some(p) => (p, false),
        None => (rest, true),
    }
}

fn parse_v4(bytes: &[u8]) -> Result<Quote<'_>> {
    need(WHAT_V4, bytes, crate::ipv4::HEADER_LEN)?;
    let ihl = bytes[0] & 0x0f;
    if ihl < 5 {
        return Err(Malformed::Invalid {
            what: WHAT_V4,
            field: "IHL",
            value: u32::from(ihl),
            rule: "is below the minimum of 5",
        });
    }
    let header_len = usize::from(ihl) * 4;
    let Some(header) = bytes.get(..header_len) else {
        return Err(Malformed::Overrun {
            what: WHAT_V4,
            field: "IHL",
            claimed: header_len,
            available: bytes.len(),
        });
    };
    let word = |at| get_u16(header, at).unwrap_or(0);
    let addr = |at| Ipv4Addr::from(get_u32(header, at).unwrap_or(0));
    let total_length = word(2);
    let flags = word(6);
    let frag_offset = (flags & 0x1fff) << 3;
    let ip = QuotedIp::V4 {
        ihl,
        tos: header[1],
        total_length,
        ident: word(4),
        dont_frag: flags & 0x4000 != 0,
        more_frags: flags & 0x2000 != 0,
        frag_offset,
        ttl: header[8],
        protocol: header[9],
        checksum: word(10),
        src: addr(12),
        dst: addr(16),
    };
    let (payload, truncated) = payload_region(bytes, header_len, usize::from(total_length));
    Ok(Quote {
        ip,
        header,
        transport: (frag_offset == 0)
            .then(|| transport(header[9], payload))
            .flatten(),
        payload,
        truncated,
    })
}

fn parse_v6(bytes: &[u8]) -> Result<Quote<'_>> {
    need(WHAT_V6, bytes, ipv6::HEADER_LEN)?;
    let word0 = get_u32(bytes, 0).unwrap_or(0);
    let addr = |at| crate::field::get_ipv6(bytes, at).unwrap_or(Ipv6Addr::UNSPECIFIED);
    let payload_length = get_u16(bytes, 4).unwrap_or(0);
    // A payload length of 0 claims nothing when a Hop-by-Hop header
    // follows, which may carry a Jumbo Payload option (RFC 2675 sets the
    // field to 0 in every jumbogram); otherwise the payload is empty, and
    // whatever follows the header (RFC 4884 zero padding) is not quoted
    // datagram.
    let end = match payload_length {
        0 if bytes[6] == protocol::HOP_BY_HOP => bytes.len(),
        n => ipv6::HEADER_LEN + usize::from(n),
    };
    let (ip_payload, cut) = payload_region(bytes, ipv6::HEADER_LEN, end);
    let up = ipv6::walk_extensions_lax(bytes[6], ip_payload)?;
    let upper = ip_payload.get(up.offset..).unwrap_or(&[]);
    let first_fragment = up.fragment.is_none_or(|f| f.offset == 0);
    Ok(Quote {
        ip: QuotedIp::V6 {
            traffic_class: ((word0 >> 20) & 0xff).to_be_bytes()[3],
            flow_label: word0 & 0x000f_ffff,
            payload_length,
            hop_limit: bytes[7],
            next_header: up.protocol,
            src: addr(8),
            dst: addr(24),
            fragment: up.fragment,
        },
        header: bytes.get(..ipv6::HEADER_LEN + up.offset).unwrap_or(bytes),
        transport: (up.complete && first_fragment)
            .then(|| transport(up.protocol, upper))
            .flatten(),
        payload: upper,
        truncated: cut || !up.complete,
    })
}

/// Reads the start of a transport header of `protocol` from `bytes`.
fn transport(protocol: u8, bytes: &[u8]) -> Option<QuotedTransport> {
    let icmp_version = match protocol {
        protocol::ICMP => Some(IpVersion::V4),
        protocol::ICMPV6 => Some(IpVersion::V6),
        protocol::UDP | protocol::TCP => None,
        _ => return Some(QuotedTransport::Other { protocol }),
    };
    let head: &[u8; 8] = bytes.get(..8)?.try_into().ok()?;
    let w = |at: usize| u16::from_be_bytes([head[at], head[at + 1]]);
    Some(match (protocol, icmp_version) {
        (_, Some(version)) => QuotedTransport::Icmp {
            version,
            msg_type: head[0],
            code: head[1],
            checksum: w(2),
            ident: w(4),
            seq_no: w(6),
        },
        (protocol::UDP, _) => QuotedTransport::Udp {
            src_port: w(0),
            dst_port: w(2),
            length: w(4),
            checksum: w(6),
        },
        _ => QuotedTransport::Tcp {
            src_port: w(0),
            dst_port: w(2),
            seq_number: u32::from_be_bytes([head[4], head[5], head[6], head[7]]),
            ack_number: get_u32(bytes, 8),
            offset_flags: get_u16(bytes, 12),
            window_len: get_u16(bytes, 14),
            checksum: get_u16(bytes, 16),
        },
    })
}

impl Quote<'_> {
    /// What a prober matches against the probes it sent.
    pub fn probe_identity(&self) -> ProbeIdentity {
        let (ip_ident, flow_label) = match self.ip {
            QuotedIp::V4 { ident, .. } => (Some(ident), None),
            QuotedIp::V6 { flow_label, .. } => (None, Some(flow_label)),
        };
        let mut id = ProbeIdentity {
            src: self.ip.src(),
            dst: self.ip.dst(),
            protocol: self.ip.protocol(),
            ip_ident,
            flow_label,
            hop_limit: self.ip.hop_limit(),
            src_port: None,
            dst_port: None,
            tcp_seq: None,
            icmp_ident: None,
            icmp_seq: None,
            transport_checksum: None,
        };
        match self.transport {
            Some(QuotedTransport::Udp {
                src_port,
                dst_port,
                checksum,
                ..
            }) => {
                id.src_port = Some(src_port);
                id.dst_port = Some(dst_port);
                id.transport_checksum = Some(checksum);
            }
            Some(QuotedTransport::Tcp {
                src_port,
                dst_port,
                seq_number,
                checksum,
                ..
            }) => {
                id.src_port = Some(src_port);
                id.dst_port = Some(dst_port);
                id.tcp_seq = Some(seq_number);
                id.transport_checksum = checksum;
            }
            Some(QuotedTransport::Icmp {
                checksum,
                ident,
                seq_no,
                ..
            }) => {
                id.icmp_ident = Some(ident);
                id.icmp_seq = Some(seq_no);
                id.transport_checksum = Some(checksum);
            }
            Some(QuotedTransport::Other { .. }) | None => {}
        }
        id
    }
}

#[cfg(test)]
mod tests;
