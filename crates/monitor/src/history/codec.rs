//! The stored bytes of a raw step and of a consolidated point.
//!
//! Both are LEB128 varints; RTT lists are sorted, so they are stored as the
//! first value and then the gaps between neighbours (a gap of less than
//! 128 µs takes one byte).
//!
//! ```text
//! raw step: step  sent  jitter+1|0  n  rtt[0]  rtt[1]-rtt[0] ... rtt[n-1]-rtt[n-2]
//! point:    sent  lost  median+1|0  m  smoke[0]  smoke[1]-smoke[0] ...
//! ```
//!
//! A step of 60 RTTs between 1 and 20 ms is about 70 bytes; a point with
//! 20 smoke quantiles about 30.

use crate::step::StepSummary;

/// Bytes that do not decode: the store is damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed record ({what})")]
pub struct Malformed {
    /// What was wrong.
    pub what: &'static str,
}

/// A consolidated point as stored (its start is in the key).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredPoint {
    /// Probes sent.
    pub sent: u32,
    /// Probes lost.
    pub lost: u32,
    /// The median RTT, microseconds.
    pub median_us: Option<u32>,
    /// Sorted RTT quantiles, microseconds.
    pub smoke_us: Vec<u32>,
}

/// Appends `v` to `out` as a LEB128 varint (1 byte below 128, 5 at most).
pub(crate) fn put(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        #[allow(clippy::cast_possible_truncation, reason = "the low seven bits")]
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    #[allow(clippy::cast_possible_truncation, reason = "below 0x80")]
    out.push(v as u8);
}

/// The varints of `bytes` written by [`put`], in order; stops at the
/// first malformed one.
pub(crate) fn varints(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut reader = Reader { bytes };
    std::iter::from_fn(move || {
        if reader.bytes.is_empty() {
            None
        } else {
            reader.get().ok()
        }
    })
}

/// A reader of varints over a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn get(&mut self) -> Result<u32, Malformed> {
        let mut v: u32 = 0;
        for shift in (0..35).step_by(7) {
            let (&b, rest) = self.bytes.split_first().ok_or(Malformed {
                what: "truncated varint",
            })?;
            self.bytes = rest;
            let part = u32::from(b & 0x7f);
            if shift == 28 && part > 0x0f {
                return Err(Malformed {
                    what: "varint above u32",
                });
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Malformed {
            what: "varint too long",
        })
    }

    fn option(&mut self) -> Result<Option<u32>, Malformed> {
        Ok(self.get()?.checked_sub(1))
    }

    fn sorted(&mut self) -> Result<Vec<u32>, Malformed> {
        let n = self.get()? as usize;
        // Every value takes at least one byte: a count above what is left
        // is damage, not a reason to allocate.
        if n > self.bytes.len() {
            return Err(Malformed {
                what: "count beyond the record",
            });
        }
        let mut values = Vec::with_capacity(n);
        let mut last = 0u32;
        for i in 0..n {
            let v = self.get()?;
            last = if i == 0 {
                v
            } else {
                last.checked_add(v).ok_or(Malformed {
                    what: "RTT above u32",
                })?
            };
            values.push(last);
        }
        Ok(values)
    }

    fn end(&self) -> Result<(), Malformed> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(Malformed {
                what: "trailing bytes",
            })
        }
    }
}

fn put_option(out: &mut Vec<u8>, v: Option<u32>) {
    put(out, v.map_or(0, |v| v.saturating_add(1)));
}

/// Writes sorted `values` (the caller sorts).
fn put_sorted(out: &mut Vec<u8>, values: &[u32]) {
    put(out, u32::try_from(values.len()).unwrap_or(u32::MAX));
    let mut last = 0;
    for (i, &v) in values.iter().enumerate() {
        put(out, if i == 0 { v } else { v - last });
        last = v;
    }
}

/// Encodes a step (its start is in the key). RTTs are sorted here if the
/// caller's were not.
pub fn encode_step(s: &StepSummary, out: &mut Vec<u8>) {
    put(out, s.step);
    put(out, s.sent);
    put_option(out, s.jitter_us);
    if s.rtts_us.is_sorted() {
        put_sorted(out, &s.rtts_us);
    } else {
        let mut rtts = s.rtts_us.clone();
        rtts.sort_unstable();
        put_sorted(out, &rtts);
    }
}

/// Decodes a step stored at `start`.
pub fn decode_step(start: i64, bytes: &[u8]) -> Result<StepSummary, Malformed> {
    let mut r = Reader { bytes };
    let step = r.get()?;
    let sent = r.get()?;
    let jitter_us = r.option()?;
    let rtts_us = r.sorted()?;
    r.end()?;
    Ok(StepSummary {
        start,
        step,
        sent,
        rtts_us,
        jitter_us,
    })
}

/// Encodes a point (smoke sorted by the caller).
pub fn encode_point(p: &StoredPoint, out: &mut Vec<u8>) {
    put(out, p.sent);
    put(out, p.lost);
    put_option(out, p.median_us);
    put_sorted(out, &p.smoke_us);
}

/// Decodes a point.
pub fn decode_point(bytes: &[u8]) -> Result<StoredPoint, Malformed> {
    let mut r = Reader { bytes };
    let sent = r.get()?;
    let lost = r.get()?;
    let median_us = r.option()?;
    let smoke_us = r.sorted()?;
    r.end()?;
    Ok(StoredPoint {
        sent,
        lost,
        median_us,
        smoke_us,
    })
}
