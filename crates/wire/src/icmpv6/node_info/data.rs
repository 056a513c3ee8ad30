//! The Data field of Node Information messages (RFC 4620 §4, §6): DNS
//! names in wire format (a query's subject, a Node Name reply after its
//! TTL) and the TTL-and-address entries of Node Addresses and IPv4
//! Addresses replies.
//!
//! Names are read as the resolver's `dn_expand` reads them (iputils
//! prints them so): compression pointers are followed, relative to the
//! start of the Data field, at most [`MAX_POINTERS`] times, and a name is
//! at most 255 bytes. A name followed by an extra zero byte is a
//! single-label, not fully qualified name (RFC 4620 §6.3).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Malformed, Result};

const WHAT: &str = "Node Information name";

/// The most compression pointers one name may follow.
pub const MAX_POINTERS: usize = 16;

/// The longest name in wire format (RFC 1035 §2.3.4).
const MAX_NAME: usize = 255;

/// A DNS name inside a Data field: `data` and where the name starts.
/// [`fmt::Display`] writes it as `dn_expand` does (labels joined with
/// dots, special characters escaped with `\`, others as `\DDD`; the root
/// as `.`), without a final dot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeName<'a> {
    data: &'a [u8],
    start: usize,
}

/// One step of a name walk: a label, or the end.
enum Step<'a> {
    Label(&'a [u8]),
    End,
}

impl<'a> NodeName<'a> {
    /// Reads the name at `at` in `data`; returns it and how many bytes it
    /// takes at `at` (up to its zero byte or its first pointer).
    ///
    /// # Errors
    ///
    /// A name that runs past `data`, a label type other than a length or
    /// a pointer, too many pointers, or more than 255 bytes.
    pub fn read(data: &'a [u8], at: usize) -> Result<(Self, usize)> {
        let name = Self { data, start: at };
        let mut consumed = None;
        name.walk(|_| {}, &mut consumed)?;
        Ok((name, consumed.unwrap_or(0)))
    }

    /// Walks the labels, calling `label` for each; sets `consumed` to the
    /// bytes the name takes where it starts.
    fn walk(&self, mut label: impl FnMut(&'a [u8]), consumed: &mut Option<usize>) -> Result<()> {
        let mut at = self.start;
        let (mut pointers, mut length) = (0, 0);
        loop {
            match self.step(&mut at, &mut pointers, consumed)? {
                Step::Label(bytes) => {
                    length += bytes.len() + 1;
                    if length > MAX_NAME {
                        return Err(Malformed::Invalid {
                            what: WHAT,
                            field: "length",
                            value: u32::try_from(length).unwrap_or(u32::MAX),
                            rule: "is above the 255 bytes a name may take",
                        });
                    }
                    label(bytes);
                }
                Step::End => {
                    if consumed.is_none() {
                        *consumed = Some(at - self.start);
                    }
                    return Ok(());
                }
            }
        }
    }

    fn step(
        &self,
        at: &mut usize,
        pointers: &mut usize,
        consumed: &mut Option<usize>,
    ) -> Result<Step<'a>> {
        let Some(&len) = self.data.get(*at) else {
            return Err(Malformed::Truncated {
                what: WHAT,
                needed: *at + 1,
                available: self.data.len(),
            });
        };
        match len >> 6 {
            0 if len == 0 => {
                *at += 1;
                Ok(Step::End)
            }
            0 => {
                let start = *at + 1;
                let end = start + usize::from(len);
                let bytes = self.data.get(start..end).ok_or(Malformed::Overrun {
                    what: WHAT,
                    field: "label length",
                    claimed: usize::from(len),
                    available: self.data.len().saturating_sub(start),
                })?;
                *at = end;
                Ok(Step::Label(bytes))
            }
            3 => {
                let low = *self.data.get(*at + 1).ok_or(Malformed::Truncated {
                    what: WHAT,
                    needed: *at + 2,
                    available: self.data.len(),
                })?;
                if consumed.is_none() {
                    *consumed = Some(*at + 2 - self.start);
                }
                *pointers += 1;
                if *pointers > MAX_POINTERS {
                    return Err(Malformed::TooMany {
                        what: "compression pointers in a name",
                        limit: MAX_POINTERS,
                    });
                }
                *at = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                // Follow it as a label walk from there.
                self.step(at, pointers, consumed)
            }
            _ => Err(Malformed::Invalid {
                what: WHAT,
                field: "label type",
                value: u32::from(len >> 6),
                rule: "must be 0 (a length) or 3 (a pointer)",
            }),
        }
    }
}

impl fmt::Display for NodeName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut result = Ok(());
        let walked = self.walk(
            |label| {
                if !first {
                    result = result.and(f.write_str("."));
                }
                first = false;
                for &c in label {
                    result = result.and(match c {
                        b'.' | b';' | b'\\' | b'(' | b')' | b'"' | b'@' | b'$' => {
                            write!(f, "\\{}", char::from(c))
                        }
                        0x21..=0x7e => write!(f, "{}", char::from(c)),
                        _ => write!(f, "\\{c:03}"),
                    });
                }
            },
            &mut None,
        );
        if first && walked.is_ok() {
            return f.write_str(".");
        }
        result
    }
}

/// The names of a Node Name reply's Data field (after its 4-byte TTL),
/// each with whether it is fully qualified. Yields `Err` once for a name
/// that does not read, then stops.
#[derive(Debug, Clone)]
pub struct NameReplies<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> NameReplies<'a> {
    /// The names of `data`, the whole Data field (TTL included: pointers
    /// count from its start). `None` when it is shorter than the TTL.
    pub fn new(data: &'a [u8]) -> Option<Self> {
        (data.len() >= 4).then_some(Self { data, at: 4 })
    }

    /// The TTL the names come with (seconds).
    pub fn ttl(&self) -> u32 {
        u32::from_be_bytes([self.data[0], self.data[1], self.data[2], self.data[3]])
    }
}

impl<'a> Iterator for NameReplies<'a> {
    type Item = Result<(NodeName<'a>, bool)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.data.len() {
            return None;
        }
        match NodeName::read(self.data, self.at) {
            Ok((name, consumed)) => {
                let end = self.at + consumed;
                let fqdn = self.data.get(end) != Some(&0);
                self.at = end + usize::from(!fqdn);
                Some(Ok((name, fqdn)))
            }
            Err(e) => {
                self.at = self.data.len();
                Some(Err(e))
            }
        }
    }
}

/// The (TTL, address) entries of a Node Addresses (IPv6) or IPv4
/// Addresses reply's Data field. Yields `Err` once for a short last
/// entry, then stops.
#[derive(Debug, Clone)]
pub struct AddressReplies<'a> {
    data: &'a [u8],
    ipv6: bool,
}

impl<'a> AddressReplies<'a> {
    /// The entries of `data`: IPv6 addresses when `ipv6`, else IPv4.
    pub fn new(data: &'a [u8], ipv6: bool) -> Self {
        Self { data, ipv6 }
    }
}

impl Iterator for AddressReplies<'_> {
    type Item = Result<(u32, IpAddr)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        let len = if self.ipv6 { 20 } else { 8 };
        let Some((entry, rest)) = self.data.split_at_checked(len) else {
            let available = self.data.len();
            self.data = &[];
            return Some(Err(Malformed::Truncated {
                what: "Node Information address entry",
                needed: len,
                available,
            }));
        };
        self.data = rest;
        let ttl = u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let addr = if self.ipv6 {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&entry[4..]);
            IpAddr::V6(Ipv6Addr::from(octets))
        } else {
            IpAddr::V4(Ipv4Addr::new(entry[4], entry[5], entry[6], entry[7]))
        };
        Some(Ok((ttl, addr)))
    }
}

/// Writes `name` in DNS wire format into `out`, lower-cased (as iputils
/// sends a subject name), with an extra zero byte when it is not
/// `fully_qualified` (RFC 4620 §6.3). A final dot is allowed. Returns the
/// length written.
///
/// # Errors
///
/// An empty label, a label over 63 bytes, a name over 255 bytes, or
/// `out` too short.
pub fn encode_name(name: &str, fully_qualified: bool, out: &mut [u8]) -> Result<usize> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    let mut at = 0;
    let mut put = |byte: u8, at: &mut usize| -> Result<()> {
        let available = out.len();
        *out.get_mut(*at).ok_or(Malformed::Truncated {
            what: WHAT,
            needed: *at + 1,
            available,
        })? = byte;
        *at += 1;
        Ok(())
    };
    if !trimmed.is_empty() {
        for label in trimmed.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Err(Malformed::Invalid {
                    what: WHAT,
                    field: "label length",
                    value: u32::try_from(label.len()).unwrap_or(u32::MAX),
                    rule: "must be 1 to 63 bytes",
                });
            }
            put(u8::try_from(label.len()).unwrap_or(63), &mut at)?;
            for byte in label.bytes() {
                put(byte.to_ascii_lowercase(), &mut at)?;
            }
        }
    }
    put(0, &mut at)?;
    if at > MAX_NAME {
        return Err(Malformed::Invalid {
            what: WHAT,
            field: "length",
            value: u32::try_from(at).unwrap_or(u32::MAX),
            rule: "is above the 255 bytes a name may take",
        });
    }
    if !fully_qualified {
        put(0, &mut at)?;
    }
    Ok(at)
}
