//! The layers of an encapsulation path and why a walk stops.

use std::fmt;
use std::net::IpAddr;

/// One layer a walk went through on its way to the innermost IP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// An IP header that carried a tunnel.
    Ip {
        /// Its source address.
        src: IpAddr,
        /// Its destination address.
        dst: IpAddr,
    },
    /// An IP packet carried directly in an IP packet (protocol 4 or 41).
    IpInIp {
        /// The carrying packet's IP version (4 or 6).
        outer: u8,
        /// The carried packet's IP version (4 or 6).
        inner: u8,
    },
    /// An IPv6 segment routing header (routing type 4, RFC 8754).
    SegmentRouting {
        /// Segments left.
        segments_left: u8,
        /// Entries in the segment list.
        segments: u8,
    },
    /// A GRE header (RFC 2784, RFC 2890), or PPTP's enhanced GRE (RFC 2637).
    Gre {
        /// The version: 0, or 1 for PPTP's enhanced GRE.
        version: u8,
        /// The protocol type of its payload (an ethertype; 0x880b, PPP,
        /// in PPTP).
        protocol: u16,
        /// The checksum, when present.
        checksum: Option<u16>,
        /// The key, when present.
        key: Option<u32>,
        /// The sequence number, when present.
        sequence: Option<u32>,
        /// The call id of enhanced GRE (version 1), which has it in place
        /// of the key.
        call_id: Option<u16>,
    },
    /// An ERSPAN header in GRE.
    Erspan {
        /// The ERSPAN type: 1 (no header), 2 or 3 (the header's version
        /// field, 1 or 2, plus one).
        version: u8,
        /// The session id (types II and III).
        session: Option<u16>,
        /// The original frame's VLAN (types II and III).
        vlan: Option<u16>,
        /// The platform id of a type III platform-specific sub-header.
        platform: Option<u8>,
    },
    /// A UDP header whose source or destination port is a tunnel's.
    Udp {
        /// The source port.
        src_port: u16,
        /// The destination port.
        dst_port: u16,
    },
    /// A VXLAN header (RFC 7348).
    Vxlan {
        /// The VXLAN network identifier.
        vni: u32,
    },
    /// A Geneve header (RFC 8926).
    Geneve {
        /// The virtual network identifier.
        vni: u32,
        /// The payload's protocol type (an ethertype).
        protocol: u16,
        /// How many options the header carries.
        options: u8,
    },
    /// An MPLS label stack.
    Mpls {
        /// The labels, top of stack first: the first 16 of a deeper stack.
        labels: Vec<u32>,
        /// How many labels of a deeper stack are not in `labels`.
        omitted: u32,
    },
    /// An 802.1Q or 802.1ad VLAN tag.
    Vlan {
        /// The tag protocol identifier (0x8100, 0x88a8 or 0x9100).
        tpid: u16,
        /// The VLAN id.
        id: u16,
        /// The priority code point.
        pcp: u8,
    },
    /// A MACsec `SecTAG` (IEEE 802.1AE) of an integrity-only frame.
    Macsec {
        /// The association number.
        an: u8,
        /// The packet number.
        pn: u32,
        /// The secure channel identifier, when the tag carries one.
        sci: Option<u64>,
    },
    /// A PIM Register message (RFC 7761 §4.9).
    PimRegister {
        /// The Null-Register bit.
        null: bool,
    },
    /// An NHRP packet (RFC 2332) that carries another: a Traffic
    /// Indication (the IP packet that caused it) or an Error Indication
    /// (the NHRP packet in error).
    Nhrp {
        /// The operation type: 7 Error Indication, 8 Traffic Indication
        /// (Cisco's), 1 to 6 the requests and replies, which carry nothing.
        op_type: u8,
        /// The protocol type of the fixed header: an ethertype, or an NLPID
        /// when below 0x100.
        protocol: u16,
        /// An Error Indication's error code.
        error: Option<u16>,
    },
}

impl Layer {
    /// The layer's protocol as a short lowercase name (`"gre"`, `"vxlan"`,
    /// `"ipip"`, ...), as the JSON output names it.
    pub fn proto(&self) -> &'static str {
        match self {
            Self::Ip { src, .. } => {
                if src.is_ipv4() {
                    "ipv4"
                } else {
                    "ipv6"
                }
            }
            Self::IpInIp { outer, inner } => match (outer, inner) {
                (4, 4) => "ipip",
                (4, _) => "6in4",
                (_, 4) => "4in6",
                _ => "6in6",
            },
            Self::SegmentRouting { .. } => "srh",
            Self::Gre { .. } => "gre",
            Self::Erspan { .. } => "erspan",
            Self::Udp { .. } => "udp",
            Self::Vxlan { .. } => "vxlan",
            Self::Geneve { .. } => "geneve",
            Self::Mpls { .. } => "mpls",
            Self::Vlan { .. } => "vlan",
            Self::Macsec { .. } => "macsec",
            Self::PimRegister { .. } => "pim-register",
            Self::Nhrp { .. } => "nhrp",
        }
    }
}

impl fmt::Display for Layer {
    /// The layer in a few words: `GRE key 5`, `GRE v1 call 7` (PPTP),
    /// `ERSPAN-II session 100`,
    /// `VLAN 10`, `IPv4 203.0.113.1 → 203.0.113.2`, `NHRP traffic indication`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip { src, dst } => {
                let v = if src.is_ipv4() { 4 } else { 6 };
                write!(f, "IPv{v} {src} → {dst}")
            }
            Self::IpInIp { outer, inner } => match (outer, inner) {
                (4, 4) => f.write_str("IPIP"),
                _ => write!(f, "{inner}in{outer}"),
            },
            Self::SegmentRouting { segments_left, .. } => {
                write!(f, "SRH segments left {segments_left}")
            }
            Self::Gre {
                version,
                key,
                sequence,
                checksum,
                call_id,
                ..
            } => {
                f.write_str("GRE")?;
                if *version != 0 {
                    write!(f, " v{version}")?;
                }
                if let Some(call_id) = call_id {
                    write!(f, " call {call_id}")?;
                }
                if let Some(key) = key {
                    write!(f, " key {key}")?;
                }
                if let Some(sequence) = sequence {
                    write!(f, " seq {sequence}")?;
                }
                if checksum.is_some() {
                    f.write_str(" csum")?;
                }
                Ok(())
            }
            Self::Erspan {
                version,
                session,
                platform,
                ..
            } => {
                let roman = match version {
                    1 => "I",
                    2 => "II",
                    _ => "III",
                };
                write!(f, "ERSPAN-{roman}")?;
                if let Some(session) = session {
                    write!(f, " session {session}")?;
                }
                if let Some(platform) = platform {
                    write!(f, " platform {platform}")?;
                }
                Ok(())
            }
            Self::Udp { src_port, dst_port } => {
                let port = super::udp::tunnel_port(*src_port, *dst_port).unwrap_or(*dst_port);
                write!(f, "UDP {port}")
            }
            Self::Vxlan { vni } => write!(f, "VXLAN {vni}"),
            Self::Geneve { vni, options, .. } => {
                write!(f, "Geneve {vni}")?;
                if *options > 0 {
                    write!(f, " options {options}")?;
                }
                Ok(())
            }
            Self::Mpls { labels, omitted } => {
                f.write_str("MPLS")?;
                for (i, label) in labels.iter().enumerate() {
                    let sep = if i == 0 { ' ' } else { ',' };
                    write!(f, "{sep}{label}")?;
                }
                if *omitted > 0 {
                    write!(f, " +{omitted} more")?;
                }
                Ok(())
            }
            Self::Vlan { tpid, id, .. } => {
                let name = if *tpid == 0x8100 { "VLAN" } else { "S-VLAN" };
                write!(f, "{name} {id}")
            }
            Self::Macsec { .. } => f.write_str("MACsec"),
            Self::PimRegister { null } => f.write_str(if *null {
                "PIM Null-Register"
            } else {
                "PIM Register"
            }),
            Self::Nhrp { op_type, error, .. } => {
                let name = match op_type {
                    1 => "resolution request",
                    2 => "resolution reply",
                    3 => "registration request",
                    4 => "registration reply",
                    5 => "purge request",
                    6 => "purge reply",
                    7 => "error indication",
                    8 => "traffic indication",
                    _ => return write!(f, "NHRP type {op_type}"),
                };
                write!(f, "NHRP {name}")?;
                if let Some(error) = error {
                    write!(f, " code {error}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a walk ended before reaching a packet whose payload is not a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A header was cut short or contradicts its framing; the text names it.
    Malformed(&'static str),
    /// More than [`MAX_LAYERS`](super::MAX_LAYERS) layers, or a loop.
    TooDeep,
    /// A MACsec frame whose payload is encrypted.
    Encrypted,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(what) => f.write_str(what),
            Self::TooDeep => write!(f, "more than {} encapsulation layers", super::MAX_LAYERS),
            Self::Encrypted => f.write_str("MACsec encrypted"),
        }
    }
}
