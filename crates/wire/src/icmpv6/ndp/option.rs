//! NDP options (RFC 4861 §4.6, RFC 4191 §2.3, RFC 8106 §5): the framing
//! every option shares, the options this crate decodes, and their emitter.

use core::net::Ipv6Addr;

use super::Preference;
use crate::error::{Malformed, Result};
use crate::field as f;
use crate::icmpv6::Ipv6Addresses;
use crate::icmpv6::packet::{addr_at, flag, invalid, set_addr};

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
