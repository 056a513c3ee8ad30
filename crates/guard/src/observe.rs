//! What the guard is given and what its detectors see.
//!
//! A front end hands the [`Guard`](crate::Guard) one [`Captured`] packet
//! at a time, from a file or a live interface; the guard reassembles
//! fragments, takes the ICMP message apart, pairs echoes, and shows each
//! detector a [`Seen`] message (and every IP packet, ICMP or not, as an
//! [`IpPacket`], for the detectors that keep track of flows).

use core::net::IpAddr;

use icmpkit_capture::LinkAddressing;
pub use icmpkit_capture::Timestamp;
use icmpkit_capture::reassembly::Problem;
use icmpkit_wire::IpVersion;
use icmpkit_wire::dissect::Dissection;

/// Capture time in nanoseconds since the Unix epoch.
pub type Nanos = u64;

/// Nanoseconds in a second.
pub const SECOND: Nanos = 1_000_000_000;

/// A timestamp in nanoseconds since the epoch (saturating far in the future).
pub fn nanos(time: Timestamp) -> Nanos {
    time.seconds
        .saturating_mul(SECOND)
        .saturating_add(u64::from(time.nanoseconds))
}

/// Which way a packet went, as the capture saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Not known (a capture file without direction).
    #[default]
    Unknown,
    /// Sent to this host.
    Incoming,
    /// Sent by this host.
    Outgoing,
    /// Between other hosts (seen in promiscuous mode, or forwarded).
    Transit,
}

impl Direction {
    /// Every direction.
    pub const ALL: [Self; 4] = [Self::Unknown, Self::Incoming, Self::Outgoing, Self::Transit];

    /// The direction a link layer's addressing tells, and whether the
    /// frame went to a broadcast or multicast address.
    pub fn from_link(addressing: Option<LinkAddressing>, cooked: bool) -> (Self, bool) {
        match addressing {
            None => (Self::Unknown, false),
            Some(LinkAddressing::Host) => (Self::Incoming, false),
            // Ethernet tells group destinations, not whose host got them.
            Some(a @ (LinkAddressing::Broadcast | LinkAddressing::Multicast)) => (
                if cooked {
                    Self::Incoming
                } else {
                    Self::Unknown
                },
                a.is_group(),
            ),
            Some(LinkAddressing::OtherHost) => (Self::Transit, false),
            Some(LinkAddressing::Outgoing) => (Self::Outgoing, false),
        }
    }

    /// The lowercase name used in output.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Incoming => "in",
            Self::Outgoing => "out",
            Self::Transit => "transit",
        }
    }
}

/// One captured IP packet, as a front end hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Captured<'a> {
    /// The frame number (1-based, as tshark numbers frames).
    pub frame: u64,
    /// When it was captured.
    pub time: Timestamp,
    /// The IP packet, from its IPv4 or IPv6 header on.
    pub ip: &'a [u8],
    /// Which way it went.
    pub direction: Direction,
    /// Whether its link-layer destination was a broadcast or multicast
    /// address.
    pub link_broadcast: bool,
}

/// Any IP packet after reassembly, ICMP or not: what flow-keeping
/// detectors see.
#[derive(Debug, Clone, Copy)]
pub struct IpPacket<'a> {
    /// The frame that completed it.
    pub frame: u64,
    /// Capture time.
    pub now: Nanos,
    /// The packet.
    pub ip: &'a [u8],
    /// Which way it went.
    pub direction: Direction,
}

/// An echo request or reply, read from its bytes whatever its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo<'a> {
    /// Request or reply.
    pub kind: EchoKind,
    /// The identifier.
    pub ident: u16,
    /// The sequence number.
    pub seq: u16,
    /// The data after the 8-byte header, as captured.
    pub data: &'a [u8],
    /// For a reply: what the guard knows of its request.
    pub matched: Option<EchoMatch>,
}

/// Which half of an echo exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EchoKind {
    /// Echo Request (ICMPv4 8, ICMPv6 128).
    Request,
    /// Echo Reply (ICMPv4 0, ICMPv6 129).
    Reply,
}

/// A reply's request, found by the requester's address, the identifier
/// and the sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoMatch {
    /// The frame of the request.
    pub request_frame: u64,
    /// How long after the request the reply came.
    pub delay: Nanos,
    /// Whether the reply's data is the request's (RFC 792, RFC 4443).
    pub same_data: bool,
    /// Whether the reply came from the address the request was sent to
    /// (not, say, a host answering a broadcast).
    pub from_target: bool,
    /// Replies to this request so far, this one included.
    pub replies: u32,
    /// Whether the request went to a broadcast address (or a link-layer
    /// broadcast).
    pub request_broadcast: bool,
    /// The address the request went to.
    pub request_target: IpAddr,
    /// The TTL or hop limit the request was captured with.
    pub request_ttl: u8,
}

/// One ICMP or ICMPv6 message, as every detector sees it.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// The frame that completed it.
    pub frame: u64,
    /// Capture time.
    pub time: Timestamp,
    /// The same, in nanoseconds.
    pub now: Nanos,
    /// The IP packet (reassembled when it came in fragments).
    pub ip: &'a [u8],
    /// The message taken apart.
    pub d: &'a Dissection<'a>,
    /// Which way it went.
    pub direction: Direction,
    /// Whether its link-layer destination was broadcast or multicast.
    pub link_broadcast: bool,
    /// How many fragments it came in (0: it came whole).
    pub fragments: usize,
    /// What was wrong with its fragments.
    pub reassembly: Option<Problem>,
    /// Its echo fields, when it is an echo request or reply.
    pub echo: Option<Echo<'a>>,
}

impl Seen<'_> {
    /// ICMPv4 or ICMPv6.
    pub fn version(&self) -> IpVersion {
        self.d.version
    }

    /// The outer source address.
    pub fn src(&self) -> IpAddr {
        self.d.src
    }

    /// The outer destination address.
    pub fn dst(&self) -> IpAddr {
        self.d.dst
    }

    /// The type (0 when not even one byte of ICMP was captured).
    pub fn msg_type(&self) -> u8 {
        self.d.msg_type().unwrap_or(0)
    }

    /// The code (0 when not captured).
    pub fn code(&self) -> u8 {
        self.d.code().unwrap_or(0)
    }
}

/// The echo fields of a message, read from its bytes whatever its code
/// (nmap sends echo with code 9) and whatever its checksum.
pub fn echo_of(d: &Dissection<'_>) -> Option<(EchoKind, u16, u16)> {
    let kind = match (d.version, d.msg_type()?) {
        (IpVersion::V4, 8) | (IpVersion::V6, 128) => EchoKind::Request,
        (IpVersion::V4, 0) | (IpVersion::V6, 129) => EchoKind::Reply,
        _ => return None,
    };
    let ident = u16::from_be_bytes([*d.icmp.get(4)?, *d.icmp.get(5)?]);
    let seq = u16::from_be_bytes([*d.icmp.get(6)?, *d.icmp.get(7)?]);
    Some((kind, ident, seq))
}

/// Whether `addr` is a broadcast address as far as the packet alone can
/// tell: IPv4 limited broadcast, or a last octet of 255 (the directed
/// broadcast of a /24 or shorter prefix); IPv6 has none (its multicast is
/// `IpAddr::is_multicast`).
pub fn looks_broadcast(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_broadcast() || a.octets()[3] == 255,
        IpAddr::V6(_) => false,
    }
}
