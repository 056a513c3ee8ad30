//! Neighbor Discovery (RFC 4861): the five messages' fields and the options
//! that follow them (RFC 4861, RFC 4191, RFC 8106).
//!
//! ```text
//! Router Solicitation (133)          Router Advertisement (134)
//! | 133 | code | checksum |          | 134 | code |       checksum       |
//! |       reserved        |          | hop limit |M|O|H|Prf|P|R|R| lifetime |
//! | options ...                      |            reachable time          |
//!                                    |            retrans timer           |
//!                                    | options ...
//! Neighbor Solicitation (135)        Neighbor Advertisement (136)
//! | 135 | code | checksum |          | 136 | code | checksum |
//! |       reserved        |          |R|S|O|      reserved    |
//! |  target address (16)  |          |  target address (16)   |
//! | options ...                      | options ...
//! Redirect (137)
//! | 137 | code | checksum | reserved (4) | target (16) | destination (16) | options ...
//!
//! Option: | type (8) | length (8, units of 8 bytes, never 0) | data ... |
//! ```

use core::net::Ipv6Addr;

use super::packet::{addr_at, flag, invalid, set_addr};
use super::{Ipv6Addresses, Message, Packet};
use crate::error::{Malformed, Result};
use crate::field as f;

/// Byte offsets of the NDP message fields.
mod field {
    pub const CUR_HOP_LIMIT: usize = 4;
    pub const RA_FLAGS: usize = 5;
    pub const ROUTER_LIFETIME: usize = 6;
    pub const REACHABLE_TIME: usize = 8;
    pub const RETRANS_TIMER: usize = 12;
    pub const NA_FLAGS: usize = 4;
    pub const TARGET: usize = 8;
    pub const DESTINATION: usize = 24;
    pub const RS_OPTIONS: usize = 8;
}

/// Router Advertisement: the fixed part before the options.
pub const RA_FIXED_LEN: usize = 16;
/// Neighbor Solicitation: the fixed part before the options.
pub const NS_FIXED_LEN: usize = 24;
/// Neighbor Advertisement: the fixed part before the options.
pub const NA_FIXED_LEN: usize = 24;
/// Redirect: the fixed part before the options.
pub const REDIRECT_FIXED_LEN: usize = 40;

/// Router Advertisement flag M: addresses are available via DHCPv6.
pub const RA_MANAGED: u8 = 0x80;
/// Router Advertisement flag O: other configuration is available via DHCPv6.
pub const RA_OTHER: u8 = 0x40;
/// Router Advertisement flag H: the router is a Mobile IPv6 home agent (RFC 6275).
pub const RA_HOME_AGENT: u8 = 0x20;
/// Router Advertisement flag P: neighbor discovery proxy (RFC 4389).
pub const RA_PROXY: u8 = 0x04;
/// Neighbor Advertisement flag R: the sender is a router.
pub const NA_ROUTER: u8 = 0x80;
/// Neighbor Advertisement flag S: sent in response to a solicitation.
pub const NA_SOLICITED: u8 = 0x40;
/// Neighbor Advertisement flag O: override an existing cache entry.
pub const NA_OVERRIDE: u8 = 0x20;

/// A default router or route preference (RFC 4191 §2.1), two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preference {
    /// 00: medium (the default).
    Medium,
    /// 01: high.
    High,
    /// 10: reserved; receivers treat it as medium (RFC 4191).
    Reserved,
    /// 11: low.
    Low,
}

impl Preference {
    /// The preference in the low two bits of `bits`.
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0b00 => Self::Medium,
            0b01 => Self::High,
            0b10 => Self::Reserved,
            _ => Self::Low,
        }
    }

    /// The two-bit value.
    pub const fn bits(self) -> u8 {
        match self {
            Self::Medium => 0b00,
            Self::High => 0b01,
            Self::Reserved => 0b10,
            Self::Low => 0b11,
        }
    }
}

/// Where the options start in a message of this type, if it is NDP.
pub(crate) const fn options_offset(msg_type: Message) -> Option<usize> {
    match msg_type {
        Message::RouterSolicitation => Some(field::RS_OPTIONS),
        Message::RouterAdvertisement => Some(RA_FIXED_LEN),
        Message::NeighborSolicitation => Some(NS_FIXED_LEN),
        Message::NeighborAdvertisement => Some(NA_FIXED_LEN),
        Message::Redirect => Some(REDIRECT_FIXED_LEN),
        _ => None,
    }
}

/// NDP field accessors. Each reads a field of one message type and may
/// panic on a buffer shorter than that type's fixed part, which
/// [`Packet::new_checked`] rules out for packets of that type.
impl<T: AsRef<[u8]>> Packet<T> {
    /// Router Advertisement: the hop limit hosts should use (0: unspecified).
    pub fn current_hop_limit(&self) -> u8 {
        self.as_bytes()[field::CUR_HOP_LIMIT]
    }

    /// Router Advertisement: the flags byte (M, O, H, Prf, P).
    pub fn router_flags(&self) -> u8 {
        self.as_bytes()[field::RA_FLAGS]
    }

    /// Router Advertisement: the router lifetime in seconds.
    pub fn router_lifetime(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::ROUTER_LIFETIME)
    }

    /// Router Advertisement: the reachable time in milliseconds.
    pub fn reachable_time(&self) -> u32 {
        f::u32_at(self.as_bytes(), field::REACHABLE_TIME)
    }

    /// Router Advertisement: the retransmission timer in milliseconds.
    pub fn retrans_timer(&self) -> u32 {
        f::u32_at(self.as_bytes(), field::RETRANS_TIMER)
    }

    /// Neighbor Advertisement: the flags byte (R, S, O).
    pub fn neighbor_flags(&self) -> u8 {
        self.as_bytes()[field::NA_FLAGS]
    }

    /// Neighbor Solicitation/Advertisement and Redirect: the target address.
    pub fn target_addr(&self) -> Ipv6Addr {
        addr_at(self.as_bytes(), field::TARGET)
    }

    /// Redirect: the destination address.
    pub fn destination_addr(&self) -> Ipv6Addr {
        addr_at(self.as_bytes(), field::DESTINATION)
    }

    /// The options of an NDP message (empty for other types).
    pub fn ndp_options(&self) -> &[u8] {
        options_offset(self.msg_type()).map_or(&[], |at| self.tail(at))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Router Advertisement: sets the current hop limit.
    pub fn set_current_hop_limit(&mut self, value: u8) {
        self.tail_mut(0)[field::CUR_HOP_LIMIT] = value;
    }

    /// Router Advertisement: sets the flags byte.
    pub fn set_router_flags(&mut self, value: u8) {
        self.tail_mut(0)[field::RA_FLAGS] = value;
    }

    /// Router Advertisement: sets the router lifetime.
    pub fn set_router_lifetime(&mut self, value: u16) {
        f::set_u16(self.tail_mut(0), field::ROUTER_LIFETIME, value);
    }

    /// Router Advertisement: sets the reachable time.
    pub fn set_reachable_time(&mut self, value: u32) {
        f::set_u32(self.tail_mut(0), field::REACHABLE_TIME, value);
    }

    /// Router Advertisement: sets the retransmission timer.
    pub fn set_retrans_timer(&mut self, value: u32) {
        f::set_u32(self.tail_mut(0), field::RETRANS_TIMER, value);
    }

    /// Neighbor Advertisement: sets the flags byte and clears the reserved bytes.
    pub fn set_neighbor_flags(&mut self, value: u8) {
        self.set_rest_of_header([value, 0, 0, 0]);
    }

    /// Sets the target address.
    pub fn set_target_addr(&mut self, value: Ipv6Addr) {
        set_addr(self.tail_mut(0), field::TARGET, value);
    }

    /// Redirect: sets the destination address.
    pub fn set_destination_addr(&mut self, value: Ipv6Addr) {
        set_addr(self.tail_mut(0), field::DESTINATION, value);
    }
}

/// The body of a Router Advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the wire format has these flags"
)]
pub struct RouterAdvertisement<'a> {
    /// The hop limit hosts should use (0: unspecified).
    pub hop_limit: u8,
    /// M: addresses are available via DHCPv6.
    pub managed: bool,
    /// O: other configuration is available via DHCPv6.
    pub other_config: bool,
    /// H: the router is a home agent (RFC 6275).
    pub home_agent: bool,
    /// The default router preference (RFC 4191).
    pub preference: Preference,
    /// P: the advertisement is proxied (RFC 4389).
    pub proxy: bool,
    /// Router lifetime in seconds (0: not a default router).
    pub router_lifetime: u16,
    /// Reachable time in milliseconds (0: unspecified).
    pub reachable_time: u32,
    /// Retransmission timer in milliseconds (0: unspecified).
    pub retrans_timer: u32,
    /// The options.
    pub options: NdpOptions<'a>,
}

impl RouterAdvertisement<'_> {
    /// The flags byte as sent.
    pub fn flags(&self) -> u8 {
        flag(self.managed, RA_MANAGED)
            | flag(self.other_config, RA_OTHER)
            | flag(self.home_agent, RA_HOME_AGENT)
            | (self.preference.bits() << 3)
            | flag(self.proxy, RA_PROXY)
    }
}

/// The options of an NDP message, as raw bytes. [`NdpOptions::new`] checks
/// the framing (every length non-zero, none overrunning), as RFC 4861 §4.6
/// requires; the contents of each option are checked as it is iterated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NdpOptions<'a> {
    bytes: &'a [u8],
}

impl<'a> NdpOptions<'a> {
    /// Checks the framing of `bytes` and wraps them.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (_, len) = frame(rest)?;
            rest = &rest[len..];
        }
        Ok(Self { bytes })
    }

    /// Wraps `bytes` without checking; iteration reports bad framing.
    pub const fn new_unchecked(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The options in order. A framing error is yielded once and ends the
    /// iteration; a content error (e.g. an RDNSS option of even length) is
    /// yielded in place of that option and iteration goes on.
    pub const fn iter(&self) -> NdpOptionIter<'a> {
        NdpOptionIter { rest: self.bytes }
    }
}

impl<'a> IntoIterator for NdpOptions<'a> {
    type Item = Result<NdpOption<'a>>;
    type IntoIter = NdpOptionIter<'a>;

    fn into_iter(self) -> NdpOptionIter<'a> {
        self.iter()
    }
}

/// An iterator over NDP options.
#[derive(Debug, Clone)]
pub struct NdpOptionIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for NdpOptionIter<'a> {
    type Item = Result<NdpOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match frame(self.rest) {
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
            Ok((kind, len)) => {
                let (option, rest) = self.rest.split_at(len);
                self.rest = rest;
                Some(NdpOption::parse_body(kind, option))
            }
        }
    }
}

const WHAT: &str = "NDP option";

/// Reads an option's type and byte length, checking that the length is
/// non-zero and within `rest`.
fn frame(rest: &[u8]) -> Result<(u8, usize)> {
    let [kind, units, ..] = *rest else {
        return Err(Malformed::Truncated {
            what: WHAT,
            needed: 2,
            available: rest.len(),
        });
    };
    if units == 0 {
        return Err(invalid(
            WHAT,
            "length",
            0,
            "is not allowed: the packet must be discarded (RFC 4861 §4.6)",
        ));
    }
    let len = usize::from(units) * 8;
    if len > rest.len() {
        return Err(Malformed::Overrun {
            what: WHAT,
            field: "length",
            claimed: len,
            available: rest.len(),
        });
    }
    Ok((kind, len))
}

/// NDP option type numbers.
pub mod kind {
    /// Source Link-Layer Address (RFC 4861).
    pub const SOURCE_LINK_LAYER_ADDRESS: u8 = 1;
    /// Target Link-Layer Address (RFC 4861).
    pub const TARGET_LINK_LAYER_ADDRESS: u8 = 2;
    /// Prefix Information (RFC 4861).
    pub const PREFIX_INFORMATION: u8 = 3;
    /// Redirected Header (RFC 4861).
    pub const REDIRECTED_HEADER: u8 = 4;
    /// MTU (RFC 4861).
    pub const MTU: u8 = 5;
    /// Route Information (RFC 4191).
    pub const ROUTE_INFORMATION: u8 = 24;
    /// Recursive DNS Server (RFC 8106).
    pub const RDNSS: u8 = 25;
    /// DNS Search List (RFC 8106).
    pub const DNSSL: u8 = 31;
}

/// Prefix Information flag L: the prefix is on-link.
pub const PREFIX_ON_LINK: u8 = 0x80;
/// Prefix Information flag A: usable for stateless address autoconfiguration.
pub const PREFIX_AUTONOMOUS: u8 = 0x40;

/// One NDP option.
///
/// ```text
/// Link-layer address (1, 2): | type | len | address (+ padding) ...
/// Prefix Information (3):    | 3 | 4 | prefix len |L|A|reserved|
///                            | valid lifetime (32) | preferred lifetime (32) |
///                            | reserved (32) | prefix (128) |
/// Redirected Header (4):     | 4 | len | reserved (48) | IP header + data ...
/// MTU (5):                   | 5 | 1 | reserved (16) | MTU (32) |
/// Route Information (24):    | 24 | 1..3 | prefix len |Res|Prf|Res| lifetime (32) | prefix (0, 64 or 128 bits)
/// RDNSS (25):                | 25 | 1+2n | reserved (16) | lifetime (32) | n addresses |
/// DNSSL (31):                | 31 | len | reserved (16) | lifetime (32) | domain names, zero padded |
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdpOption<'a> {
    /// The sender's link-layer address (with any padding to 8 bytes).
    SourceLinkLayerAddress(&'a [u8]),
    /// The target's link-layer address (with any padding to 8 bytes).
    TargetLinkLayerAddress(&'a [u8]),
    /// A prefix for on-link determination and autoconfiguration.
    PrefixInformation {
        /// The number of leading bits of `prefix` that count.
        prefix_len: u8,
        /// L: the prefix is on-link.
        on_link: bool,
        /// A: usable for autoconfiguration.
        autonomous: bool,
        /// Valid lifetime in seconds (`u32::MAX`: infinity).
        valid_lifetime: u32,
        /// Preferred lifetime in seconds (`u32::MAX`: infinity).
        preferred_lifetime: u32,
        /// The prefix.
        prefix: Ipv6Addr,
    },
    /// The start of the redirected packet (IP header and data).
    RedirectedHeader {
        /// The redirected packet's bytes, as many as fit.
        data: &'a [u8],
    },
    /// The link MTU.
    Mtu(u32),
    /// Recursive DNS servers (RFC 8106).
    Rdnss {
        /// How long the servers may be used, in seconds.
        lifetime: u32,
        /// The servers.
        servers: Ipv6Addresses<'a>,
    },
    /// DNS search list (RFC 8106).
    Dnssl {
        /// How long the domains may be used, in seconds.
        lifetime: u32,
        /// The domain names in RFC 1035 wire form, with the zero padding.
        domains: DomainNames<'a>,
    },
    /// A more-specific route (RFC 4191).
    RouteInformation {
        /// The number of leading bits of `prefix` that count (0..=128).
        prefix_len: u8,
        /// The route's preference.
        preference: Preference,
        /// Route lifetime in seconds (`u32::MAX`: infinity).
        lifetime: u32,
        /// The prefix: the 0, 8 or 16 bytes present, zero-filled.
        prefix: Ipv6Addr,
    },
    /// An option this crate does not decode.
    Unknown {
        /// The option type.
        kind: u8,
        /// The bytes after type and length.
        data: &'a [u8],
    },
}

/// Checks that an option of `kind` has `len` bytes among those allowed.
fn check_units(field_rule: &'static str, units: usize, ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(invalid(
            WHAT,
            "length",
            u32::try_from(units).unwrap_or(u32::MAX),
            field_rule,
        ))
    }
}

impl<'a> NdpOption<'a> {
    /// Parses one whole option (type, length and body) whose framing is
    /// already checked.
    fn parse_body(kind_value: u8, option: &'a [u8]) -> Result<Self> {
        let units = option.len() / 8;
        let data = &option[2..];
        // After the 2-byte type/length, most options have 2 reserved bytes
        // and a 32-bit value.
        let u32_at = |at| f::get_u32(option, at).unwrap_or(0);
        Ok(match kind_value {
            kind::SOURCE_LINK_LAYER_ADDRESS => Self::SourceLinkLayerAddress(data),
            kind::TARGET_LINK_LAYER_ADDRESS => Self::TargetLinkLayerAddress(data),
            kind::PREFIX_INFORMATION => {
                check_units(
                    "is not 4 as a Prefix Information option needs",
                    units,
                    units == 4,
                )?;
                Self::PrefixInformation {
                    prefix_len: option[2],
                    on_link: option[3] & PREFIX_ON_LINK != 0,
                    autonomous: option[3] & PREFIX_AUTONOMOUS != 0,
                    valid_lifetime: u32_at(4),
                    preferred_lifetime: u32_at(8),
                    prefix: addr_at(option, 16),
                }
            }
            kind::REDIRECTED_HEADER => Self::RedirectedHeader { data: &option[8..] },
            kind::MTU => {
                check_units("is not 1 as an MTU option needs", units, units == 1)?;
                Self::Mtu(u32_at(4))
            }
            kind::ROUTE_INFORMATION => {
                check_units(
                    "is outside 1..=3 for a Route Information option",
                    units,
                    (1..=3).contains(&units),
                )?;
                let prefix_len = option[2];
                if prefix_len > 128 {
                    return Err(invalid(
                        "NDP Route Information option",
                        "prefix length",
                        u32::from(prefix_len),
                        "exceeds 128",
                    ));
                }
                let least = if prefix_len == 0 {
                    1
                } else if prefix_len <= 64 {
                    2
                } else {
                    3
                };
                check_units(
                    "is too short for the prefix length (RFC 4191 §2.3)",
                    units,
                    units >= least,
                )?;
                let mut prefix = [0u8; 16];
                let present = &option[8..];
                prefix[..present.len()].copy_from_slice(present);
                Self::RouteInformation {
                    prefix_len,
                    preference: Preference::from_bits(option[3] >> 3),
                    lifetime: u32_at(4),
                    prefix: Ipv6Addr::from(prefix),
                }
            }
            kind::RDNSS => {
                check_units(
                    "is not odd and at least 3 as an RDNSS option needs (RFC 8106 §5.1)",
                    units,
                    units >= 3 && units % 2 == 1,
                )?;
                Self::Rdnss {
                    lifetime: u32_at(4),
                    servers: Ipv6Addresses::new(&option[8..]),
                }
            }
            kind::DNSSL => {
                check_units(
                    "is below the minimum of 2 for a DNSSL option (RFC 8106 §5.2)",
                    units,
                    units >= 2,
                )?;
                Self::Dnssl {
                    lifetime: u32_at(4),
                    domains: DomainNames::new(&option[8..]),
                }
            }
            other => Self::Unknown { kind: other, data },
        })
    }

    /// The option type.
    pub const fn kind(&self) -> u8 {
        match self {
            Self::SourceLinkLayerAddress(_) => kind::SOURCE_LINK_LAYER_ADDRESS,
            Self::TargetLinkLayerAddress(_) => kind::TARGET_LINK_LAYER_ADDRESS,
            Self::PrefixInformation { .. } => kind::PREFIX_INFORMATION,
            Self::RedirectedHeader { .. } => kind::REDIRECTED_HEADER,
            Self::Mtu(_) => kind::MTU,
            Self::Rdnss { .. } => kind::RDNSS,
            Self::Dnssl { .. } => kind::DNSSL,
            Self::RouteInformation { .. } => kind::ROUTE_INFORMATION,
            Self::Unknown { kind, .. } => *kind,
        }
    }

    /// The bytes after the 2-byte type and length that [`NdpOption::emit`]
    /// writes before padding, and for Route Information the prefix bytes.
    fn body_len(&self) -> usize {
        match self {
            Self::SourceLinkLayerAddress(d)
            | Self::TargetLinkLayerAddress(d)
            | Self::Unknown { data: d, .. } => d.len(),
            Self::PrefixInformation { .. } => 30,
            Self::RedirectedHeader { data } => 6 + data.len(),
            Self::Mtu(_) => 6,
            Self::Rdnss { servers, .. } => 6 + servers.as_bytes().len(),
            Self::Dnssl { domains, .. } => 6 + domains.as_bytes().len(),
            Self::RouteInformation {
                prefix_len, prefix, ..
            } => 6 + route_prefix_bytes(*prefix_len, *prefix),
        }
    }

    /// The bytes [`NdpOption::emit`] writes: type, length, body, and zero
    /// padding to a multiple of 8 (at most 2040; longer bodies are cut).
    pub fn buffer_len(&self) -> usize {
        (2 + self.body_len()).next_multiple_of(8).min(255 * 8)
    }

    /// Writes the option into the start of `out`, which must hold
    /// [`NdpOption::buffer_len`] bytes, and returns the bytes written.
    pub fn emit(&self, out: &mut [u8]) -> usize {
        let len = self.buffer_len();
        let out = &mut out[..len];
        out.fill(0);
        out[0] = self.kind();
        // len <= 2040, so len / 8 fits in a byte.
        out[1] = u8::try_from(len / 8).unwrap_or(u8::MAX);
        let copy = |out: &mut [u8], at: usize, src: &[u8]| {
            let n = src.len().min(out.len().saturating_sub(at));
            out[at..at + n].copy_from_slice(&src[..n]);
        };
        match *self {
            Self::SourceLinkLayerAddress(d)
            | Self::TargetLinkLayerAddress(d)
            | Self::Unknown { data: d, .. } => copy(out, 2, d),
            Self::PrefixInformation {
                prefix_len,
                on_link,
                autonomous,
                valid_lifetime,
                preferred_lifetime,
                prefix,
            } => {
                out[2] = prefix_len;
                out[3] = flag(on_link, PREFIX_ON_LINK) | flag(autonomous, PREFIX_AUTONOMOUS);
                f::set_u32(out, 4, valid_lifetime);
                f::set_u32(out, 8, preferred_lifetime);
                set_addr(out, 16, prefix);
            }
            Self::RedirectedHeader { data } => copy(out, 8, data),
            Self::Mtu(mtu) => f::set_u32(out, 4, mtu),
            Self::Rdnss { lifetime, servers } => {
                f::set_u32(out, 4, lifetime);
                copy(out, 8, servers.as_bytes());
            }
            Self::Dnssl { lifetime, domains } => {
                f::set_u32(out, 4, lifetime);
                copy(out, 8, domains.as_bytes());
            }
            Self::RouteInformation {
                prefix_len,
                preference,
                lifetime,
                prefix,
            } => {
                out[2] = prefix_len;
                out[3] = preference.bits() << 3;
                f::set_u32(out, 4, lifetime);
                let n = route_prefix_bytes(prefix_len, prefix);
                out[8..8 + n].copy_from_slice(&prefix.octets()[..n]);
            }
        }
        len
    }
}

/// How many prefix bytes a Route Information option carries: 0, 8 or 16,
/// enough for the prefix length and for every non-zero byte of `prefix`.
fn route_prefix_bytes(prefix_len: u8, prefix: Ipv6Addr) -> usize {
    let o = prefix.octets();
    if prefix_len > 64 || o[8..].iter().any(|b| *b != 0) {
        16
    } else if prefix_len > 0 || o[..8].iter().any(|b| *b != 0) {
        8
    } else {
        0
    }
}

/// Writes `options` back to back into `out` and returns the bytes written.
/// `out` must hold the sum of their [`NdpOption::buffer_len`].
pub fn emit_options(options: &[NdpOption<'_>], out: &mut [u8]) -> usize {
    options
        .iter()
        .fold(0, |at, option| at + option.emit(&mut out[at..]))
}

/// The domain names of a DNSSL option in RFC 1035 wire form (length-prefixed
/// labels, each name ended by a zero byte), followed by zero padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DomainNames<'a> {
    bytes: &'a [u8],
}

impl<'a> DomainNames<'a> {
    /// Wraps the raw domain-name field.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The raw field, padding included.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The names in order; each is the wire form of one name (its labels and
    /// the closing zero byte). Iteration ends at the padding (a name that
    /// starts with a zero byte) or after the first error.
    pub const fn iter(&self) -> DomainNameIter<'a> {
        DomainNameIter { rest: self.bytes }
    }
}

/// An iterator over the names of a DNSSL option.
#[derive(Debug, Clone)]
pub struct DomainNameIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for DomainNameIter<'a> {
    type Item = Result<DomainName<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.first().is_none_or(|b| *b == 0) {
            return None;
        }
        let mut at = 0;
        loop {
            let Some(&label) = self.rest.get(at) else {
                let available = self.rest.len();
                self.rest = &[];
                return Some(Err(Malformed::Truncated {
                    what: "DNSSL domain name",
                    needed: at + 1,
                    available,
                }));
            };
            if label == 0 {
                let (name, rest) = self.rest.split_at(at + 1);
                self.rest = rest;
                return Some(Ok(DomainName { bytes: name }));
            }
            if label > 63 {
                self.rest = &[];
                return Some(Err(invalid(
                    "DNSSL domain name",
                    "label length",
                    u32::from(label),
                    "exceeds 63 (RFC 1035 §2.3.4)",
                )));
            }
            at += 1 + usize::from(label);
        }
    }
}

/// One domain name in RFC 1035 wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DomainName<'a> {
    bytes: &'a [u8],
}

impl<'a> DomainName<'a> {
    /// The wire form: labels and the closing zero byte.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The labels in order (e.g. `b"example"`, `b"com"`).
    pub fn labels(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.bytes;
        core::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let label = tail.get(..usize::from(len)).filter(|l| !l.is_empty())?;
            rest = &tail[label.len()..];
            Some(label)
        })
    }
}

impl<'a> IntoIterator for &NdpOptions<'a> {
    type Item = Result<NdpOption<'a>>;
    type IntoIter = NdpOptionIter<'a>;

    fn into_iter(self) -> NdpOptionIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for DomainNames<'a> {
    type Item = Result<DomainName<'a>>;
    type IntoIter = DomainNameIter<'a>;

    fn into_iter(self) -> DomainNameIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &DomainNames<'a> {
    type Item = Result<DomainName<'a>>;
    type IntoIter = DomainNameIter<'a>;

    fn into_iter(self) -> DomainNameIter<'a> {
        self.iter()
    }
}
