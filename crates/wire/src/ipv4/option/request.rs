//! The options a pinger asks routers to fill in (iputils' `-R` and `-T`),
//! as `IP_OPTIONS` takes them, and [`OptionArea`], a received option area
//! kept by value.
//!
//! ```text
//! record route:  | NOP | 7 | 39 | 4 | 9 empty slots of 4 bytes |     = 40
//! tsonly:        | 68 | 40 | 5 | 0 | 9 timestamps |                 = 40
//! tsandaddr:     | 68 | 36 | 5 | 1 | 4 (address, timestamp) pairs | = 36
//! tsprespec:     | 68 | 4 + 8n | 5 | 3 | n (address, 0) pairs |     ≤ 36
//! ```

use core::net::Ipv4Addr;

use super::kind;
use crate::error::{Malformed, Result};

/// The most option bytes an IPv4 header holds (IHL 15).
pub const MAX_LEN: usize = 40;

/// The most addresses a prespecified timestamp option names (4 + 8 × 4
/// = 36 bytes; iputils takes 4).
pub const MAX_PRESPECIFIED: usize = 4;

/// The flags (low 4 bits) of a timestamp option: what each hop records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampFlags {
    /// 0: timestamps only (`tsonly`).
    TimestampsOnly = 0,
    /// 1: each hop's address and timestamp (`tsandaddr`).
    AddressAndTimestamp = 1,
    /// 3: timestamps of the prespecified addresses only (`tsprespec`).
    Prespecified = 3,
}

/// Writes iputils' record route request into `out`: a No-Op, then Record
/// Route of length 39 with its pointer at 4 and nine empty slots, 40
/// bytes. Returns the length written.
///
/// # Errors
///
/// [`Malformed::Truncated`] when `out` is shorter than 40 bytes.
pub fn emit_record_route(out: &mut [u8]) -> Result<usize> {
    let area = room(out, MAX_LEN)?;
    area.fill(0);
    area[0] = kind::NO_OPERATION;
    area[1] = kind::RECORD_ROUTE;
    area[2] = 39;
    area[3] = 4;
    Ok(MAX_LEN)
}

/// Writes a timestamp request of `flags` into `out`, as iputils builds
/// it: pointer 5; 40 bytes for timestamps only, 36 for address and
/// timestamp, `4 + 8 × n` for the `prespecified` addresses (each followed
/// by an empty timestamp). Returns the length written.
///
/// # Errors
///
/// [`Malformed::Truncated`] when `out` is too short;
/// [`Malformed::TooMany`] for more than [`MAX_PRESPECIFIED`] addresses;
/// [`Malformed::Invalid`] for addresses with other flags than
/// [`TimestampFlags::Prespecified`]. Prespecified with none is the bare
/// 4-byte option (pointer past its end: full at once), as iputils sends
/// `-T tsprespec` without addresses and the kernel accepts it.
pub fn emit_timestamp(
    flags: TimestampFlags,
    prespecified: &[Ipv4Addr],
    out: &mut [u8],
) -> Result<usize> {
    let len = match flags {
        TimestampFlags::TimestampsOnly => 40,
        TimestampFlags::AddressAndTimestamp => 36,
        TimestampFlags::Prespecified => {
            if prespecified.len() > MAX_PRESPECIFIED {
                return Err(Malformed::TooMany {
                    what: "prespecified timestamp addresses",
                    limit: MAX_PRESPECIFIED,
                });
            }
            4 + 8 * prespecified.len()
        }
    };
    if flags != TimestampFlags::Prespecified && !prespecified.is_empty() {
        return Err(Malformed::Invalid {
            what: "IPv4 timestamp option",
            field: "prespecified addresses",
            value: u32::try_from(prespecified.len()).unwrap_or(u32::MAX),
            rule: "are given only with flags 3 (prespecified)",
        });
    }
    let area = room(out, len)?;
    area.fill(0);
    area[0] = kind::TIMESTAMP;
    area[1] = u8::try_from(len).unwrap_or(40);
    area[2] = 5;
    area[3] = flags as u8;
    for (slot, addr) in area[4..].chunks_exact_mut(8).zip(prespecified) {
        slot[..4].copy_from_slice(&addr.octets());
    }
    Ok(len)
}

/// The first `len` bytes of `out`, or why there are not enough.
fn room(out: &mut [u8], len: usize) -> Result<&mut [u8]> {
    let available = out.len();
    out.get_mut(..len).ok_or(Malformed::Truncated {
        what: "IPv4 option area",
        needed: len,
        available,
    })
}

/// An IPv4 option area kept by value: at most [`MAX_LEN`] bytes, so that
/// what carries it (a received datagram, a reply event) stays `Copy` and
/// allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionArea {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl Default for OptionArea {
    fn default() -> Self {
        Self {
            bytes: [0; MAX_LEN],
            len: 0,
        }
    }
}

impl OptionArea {
    /// The first [`MAX_LEN`] bytes of `area` (a header holds no more).
    pub fn new(area: &[u8]) -> Self {
        let mut bytes = [0; MAX_LEN];
        let len = area.len().min(MAX_LEN);
        bytes[..len].copy_from_slice(&area[..len]);
        Self {
            bytes,
            len: u8::try_from(len).unwrap_or(u8::MAX),
        }
    }

    /// The option bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An iterator over the options.
    pub fn options(&self) -> super::Options<'_> {
        super::Options::new(self.as_bytes())
    }
}
