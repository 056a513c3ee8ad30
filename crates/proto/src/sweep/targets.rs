//! [`TargetSpace`]: the addresses one sweep probes, kept as sorted disjoint
//! ranges (never one entry per address), with `index <-> address` mapping
//! by binary search.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The shortest IPv6 prefix a sweep accepts: a /64 already holds 2^64
/// addresses, as many as one sweep can number.
pub const MIN_V6_PREFIX: u8 = 64;

/// The most addresses one sweep enumerates (indices are `u64`).
pub const MAX_TARGETS: u128 = 1 << 64;

/// Why a target space cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// An IPv6 prefix shorter than [`MIN_V6_PREFIX`].
    V6PrefixTooShort {
        /// The prefix's address, as given.
        addr: Ipv6Addr,
        /// Its length.
        len: u8,
    },
    /// A prefix length above 32 (IPv4) or 128 (IPv6).
    PrefixLenTooLong {
        /// The prefix's address, as given.
        addr: IpAddr,
        /// Its length.
        len: u8,
    },
    /// The targets cover every IPv4 address (0.0.0.0/0) and
    /// [`TargetSpaceBuilder::allow_everything`] was not set.
    Everything,
    /// No address is left (nothing added, or the excludes remove all).
    Empty,
    /// More addresses than one sweep enumerates ([`MAX_TARGETS`]).
    TooMany {
        /// How many addresses the targets hold.
        size: u128,
    },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V6PrefixTooShort { addr, len } => write!(
                f,
                "{addr}/{len}: IPv6 prefixes shorter than /{MIN_V6_PREFIX} hold more than \
                 2^64 addresses; give /{MIN_V6_PREFIX} or longer or a list"
            ),
            Self::PrefixLenTooLong { addr, len } => {
                let max = if addr.is_ipv4() { 32 } else { 128 };
                write!(
                    f,
                    "{addr}/{len}: the prefix length is above {max}, the bits of an {} address",
                    if addr.is_ipv4() { "IPv4" } else { "IPv6" }
                )
            }
            Self::Everything => f.write_str(
                "the targets cover all of IPv4 (0.0.0.0/0); give --force to sweep every address",
            ),
            Self::Empty => f.write_str(
                "no address to sweep: the targets are empty once the excludes are removed",
            ),
            Self::TooMany { size } => write!(
                f,
                "the targets hold {size} addresses; one sweep enumerates at most 2^64"
            ),
        }
    }
}

impl std::error::Error for TargetError {}

/// IPv4 sorts before IPv6; within a family, by address value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    V4,
    V6,
}

/// An address as (family, value): a key that sorts and counts.
fn key(addr: IpAddr) -> (Family, u128) {
    match addr {
        IpAddr::V4(a) => (Family::V4, u128::from(a.to_bits())),
        IpAddr::V6(a) => (Family::V6, a.to_bits()),
    }
}

fn addr(family: Family, value: u128) -> IpAddr {
    match family {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "IPv4 values are below 2^32"
        )]
        Family::V4 => IpAddr::V4(Ipv4Addr::from_bits(value as u32)),
        Family::V6 => IpAddr::V6(Ipv6Addr::from_bits(value)),
    }
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Range {
    family: Family,
    first: u128,
    last: u128,
}

impl Range {
    fn prefix(addr: IpAddr, len: u8) -> Result<Self, TargetError> {
        let (family, value) = key(addr);
        let bits: u32 = if family == Family::V4 { 32 } else { 128 };
        if u32::from(len) > bits {
            return Err(TargetError::PrefixLenTooLong { addr, len });
        }
        let host_bits = bits - u32::from(len);
        let host_mask = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
        Ok(Self {
            family,
            first: value & !host_mask,
            last: value | host_mask,
        })
    }

    fn size(&self) -> u128 {
        // Never overflows for a /64 or longer; an exclude may be ::/0, whose
        // size is not needed.
        (self.last - self.first).saturating_add(1)
    }
}

/// Sorts and merges overlapping or touching ranges.
fn normalize(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.sort_unstable();
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(prev) if prev.family == r.family && r.first <= prev.last.saturating_add(1) => {
                prev.last = prev.last.max(r.last);
            }
            _ => out.push(r),
        }
    }
    out
}

/// `include` minus `exclude`, both normalized; the result is normalized.
fn subtract(include: &[Range], exclude: &[Range]) -> Vec<Range> {
    let mut out = Vec::with_capacity(include.len());
    for inc in include {
        let mut cursor = Some(inc.first);
        let start = exclude.partition_point(|e| (e.family, e.last) < (inc.family, inc.first));
        for ex in &exclude[start..] {
            let Some(from) = cursor else { break };
            if ex.family != inc.family || ex.first > inc.last {
                break;
            }
            if ex.first > from {
                out.push(Range {
                    first: from,
                    last: ex.first - 1,
                    ..*inc
                });
            }
            cursor = ex.last.checked_add(1).filter(|&next| next <= inc.last);
        }
        if let Some(from) = cursor {
            out.push(Range {
                first: from,
                ..*inc
            });
        }
    }
    out
}

/// Collects prefixes, addresses and excludes, then [`build`](Self::build)s
/// a [`TargetSpace`].
#[derive(Debug, Clone, Default)]
pub struct TargetSpaceBuilder {
    include: Vec<Range>,
    exclude: Vec<Range>,
    allow_everything: bool,
}

impl TargetSpaceBuilder {
    /// Adds the prefix `addr/len` (host bits of `addr` are ignored).
    /// IPv6 prefixes must be /64 or longer.
    pub fn add_prefix(&mut self, addr: IpAddr, len: u8) -> Result<&mut Self, TargetError> {
        let range = Range::prefix(addr, len)?;
        if let IpAddr::V6(a) = addr
            && len < MIN_V6_PREFIX
        {
            return Err(TargetError::V6PrefixTooShort { addr: a, len });
        }
        self.include.push(range);
        Ok(self)
    }

    /// Adds one address.
    pub fn add_addr(&mut self, addr: IpAddr) -> &mut Self {
        let (family, value) = key(addr);
        self.include.push(Range {
            family,
            first: value,
            last: value,
        });
        self
    }

    /// Removes the prefix `addr/len` (any length, IPv6 too) from the
    /// targets, whatever order the calls come in.
    pub fn exclude_prefix(&mut self, addr: IpAddr, len: u8) -> Result<&mut Self, TargetError> {
        self.exclude.push(Range::prefix(addr, len)?);
        Ok(self)
    }

    /// Removes one address from the targets.
    pub fn exclude_addr(&mut self, addr: IpAddr) -> &mut Self {
        let (family, value) = key(addr);
        self.exclude.push(Range {
            family,
            first: value,
            last: value,
        });
        self
    }

    /// Whether targets covering all of IPv4 (0.0.0.0/0) are accepted
    /// (the CLI's `--force`); refused by default.
    pub fn allow_everything(&mut self, allow: bool) -> &mut Self {
        self.allow_everything = allow;
        self
    }

    /// The target space: overlaps merged, excludes removed.
    pub fn build(&self) -> Result<TargetSpace, TargetError> {
        let include = normalize(self.include.clone());
        let everything = Range {
            family: Family::V4,
            first: 0,
            last: u128::from(u32::MAX),
        };
        if !self.allow_everything && include.contains(&everything) {
            return Err(TargetError::Everything);
        }
        let ranges = subtract(&include, &normalize(self.exclude.clone()));
        let size: u128 = ranges.iter().map(Range::size).sum();
        if size == 0 {
            return Err(TargetError::Empty);
        }
        if size > MAX_TARGETS {
            return Err(TargetError::TooMany { size });
        }
        let mut spans = Vec::with_capacity(ranges.len());
        let mut offset = 0u128;
        for range in ranges {
            #[allow(clippy::cast_possible_truncation, reason = "offset < size <= 2^64")]
            spans.push(Span {
                range,
                offset: offset as u64,
            });
            offset += range.size();
        }
        Ok(TargetSpace { spans, size })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    range: Range,
    /// The index of `range.first`.
    offset: u64,
}

/// The addresses of one sweep, numbered `0..len()`: IPv4 first, then IPv6,
/// each in address order. Held as sorted disjoint ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpace {
    spans: Vec<Span>,
    size: u128,
}

impl TargetSpace {
    /// A builder to add prefixes, addresses and excludes to.
    pub fn builder() -> TargetSpaceBuilder {
        TargetSpaceBuilder::default()
    }

    /// How many addresses (1 to 2^64).
    pub fn len(&self) -> u128 {
        self.size
    }

    /// Always false: an empty space is refused by the builder.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// How many disjoint ranges hold the addresses.
    pub fn range_count(&self) -> usize {
        self.spans.len()
    }

    /// The disjoint ranges, as (first, last) inclusive, in index order.
    pub fn ranges(&self) -> impl Iterator<Item = (IpAddr, IpAddr)> + '_ {
        self.spans.iter().map(|s| {
            (
                addr(s.range.family, s.range.first),
                addr(s.range.family, s.range.last),
            )
        })
    }

    /// The index of `target`, if it is in the space.
    pub fn index_of(&self, target: IpAddr) -> Option<u64> {
        let (family, value) = key(target);
        let at = self
            .spans
            .partition_point(|s| (s.range.family, s.range.last) < (family, value));
        let span = self.spans.get(at)?;
        if span.range.family != family || span.range.first > value {
            return None;
        }
        #[allow(
            clippy::cast_possible_truncation,
            reason = "within a span of the space"
        )]
        Some(span.offset + (value - span.range.first) as u64)
    }

    /// The address with number `index`, if `index < len()`.
    pub fn addr_at(&self, index: u64) -> Option<IpAddr> {
        if u128::from(index) >= self.size {
            return None;
        }
        let at = self
            .spans
            .partition_point(|s| s.offset <= index)
            .checked_sub(1)?;
        let span = &self.spans[at];
        Some(addr(
            span.range.family,
            span.range.first + u128::from(index - span.offset),
        ))
    }
}

#[cfg(test)]
mod tests;
