//! The time column of the text output, in tshark's formats (`-t`): the
//! capture time of each shown message relative to the first frame (the
//! default, as tshark's), as a time of day or date in the local zone or in
//! UTC, as seconds since the epoch, or since the previous frame (captured
//! or shown). To the resolution of the capture's timestamps (microseconds,
//! nanoseconds: [`icmpkit_capture::Frame::time_digits`]), as tshark prints
//! them. Hex dumps have no times: no column.

use std::fmt::Write as _;

use icmpkit_capture::Timestamp;

use crate::mtr::time::{shown_time, write_date_and_time};

/// How the time column shows a capture time (tshark's `-t` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TimeFormat {
    /// Seconds since the first frame of the capture.
    #[default]
    #[value(name = "r")]
    Relative,
    /// Local time of day.
    #[value(name = "a")]
    Absolute,
    /// Local date and time of day.
    #[value(name = "ad")]
    AbsoluteDate,
    /// UTC time of day.
    #[value(name = "u")]
    Utc,
    /// UTC date and time of day.
    #[value(name = "ud")]
    UtcDate,
    /// Seconds since 1970-01-01 00:00:00 UTC.
    #[value(name = "e")]
    Epoch,
    /// Seconds since the previous frame captured.
    #[value(name = "d")]
    Delta,
    /// Seconds since the previous message shown.
    #[value(name = "dd")]
    DeltaDisplayed,
    /// No time column.
    #[value(name = "none")]
    None,
}

/// The times a run has seen, to write the column from.
#[derive(Debug, Default)]
pub struct Clock {
    format: TimeFormat,
    /// Digits after the decimal point: 6, or 9 for a nanosecond capture.
    digits: usize,
    first: Option<Timestamp>,
    /// The frame before the latest, and the latest.
    before: Option<Timestamp>,
    latest: Option<Timestamp>,
    shown: Option<Timestamp>,
    /// The local zone's offset, and the quarter hour it was read for.
    offset: Option<(u64, i32)>,
}

/// Nanoseconds since the epoch.
fn nanos(t: Timestamp) -> i128 {
    i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanoseconds)
}

impl Clock {
    /// A clock writing `format`.
    pub fn new(format: TimeFormat) -> Self {
        Self {
            format,
            digits: 6,
            ..Self::default()
        }
    }

    /// Shows times to `digits` decimal digits of a second (at most 9):
    /// the frame's resolution, as tshark shows it.
    pub fn set_digits(&mut self, digits: u8) {
        self.digits = usize::from(digits.min(9));
    }

    /// Notes the time of a frame read, shown or not.
    pub fn observe(&mut self, time: Option<Timestamp>) {
        if self.first.is_none() {
            self.first = time;
        }
        self.before = self.latest;
        self.latest = time;
    }

    /// Writes the column for a message shown at `time` (the frame last
    /// observed) into `s`, cleared first; nothing without a time or with
    /// [`TimeFormat::None`].
    pub fn write(&mut self, s: &mut String, time: Option<Timestamp>) {
        s.clear();
        let Some(t) = time else { return };
        let since = |from: Option<Timestamp>| nanos(t) - from.map_or(nanos(t), nanos);
        match self.format {
            TimeFormat::None => {}
            TimeFormat::Relative => self.seconds(s, since(self.first), 10),
            TimeFormat::Delta => self.seconds(s, since(self.before), 10),
            TimeFormat::DeltaDisplayed => self.seconds(s, since(self.shown), 10),
            TimeFormat::Epoch => self.seconds(s, nanos(t), 0),
            TimeFormat::Absolute | TimeFormat::AbsoluteDate => {
                let offset = self.local_offset(t);
                self.civil(s, t, offset);
            }
            TimeFormat::Utc | TimeFormat::UtcDate => self.civil(s, t, 0),
        }
        self.shown = time;
    }

    /// `[-]S.FFFFFF`, right-aligned in `width`.
    fn seconds(&self, s: &mut String, nanos: i128, width: usize) {
        let sign = if nanos < 0 { "-" } else { "" };
        let n = nanos.unsigned_abs();
        let (whole, fraction) = (n / 1_000_000_000, n % 1_000_000_000);
        let fraction = fraction / 10u128.pow(9 - u32::try_from(self.digits).unwrap_or(9));
        let text_len = sign.len() + digits_of(whole) + usize::from(self.digits > 0) + self.digits;
        for _ in text_len..width {
            s.push(' ');
        }
        let _ = write!(s, "{sign}{whole}");
        self.fraction(s, fraction);
    }

    /// `HH:MM:SS.FFFFFF`, after `YYYY-MM-DD ` for the date formats; times
    /// past 9999-12-31 23:59:59 shown as that.
    fn civil(&self, s: &mut String, t: Timestamp, offset: i32) {
        let with_date = matches!(self.format, TimeFormat::AbsoluteDate | TimeFormat::UtcDate);
        write_date_and_time(s, whole_seconds(t), offset, with_date);
        let fraction = t.nanoseconds / 10u32.pow(9 - u32::try_from(self.digits).unwrap_or(9));
        self.fraction(s, u128::from(fraction));
    }

    /// `.FFFFFF`, to the digits shown; nothing for whole seconds.
    fn fraction(&self, s: &mut String, fraction: u128) {
        if self.digits > 0 {
            let _ = write!(s, ".{fraction:0width$}", width = self.digits);
        }
    }

    /// The local zone's offset from UTC at `t`, read again every quarter
    /// hour of capture time (zones change on quarter hours at the finest).
    fn local_offset(&mut self, t: Timestamp) -> i32 {
        let quarter = t.seconds / 900;
        match self.offset {
            Some((q, offset)) if q == quarter => offset,
            _ => {
                let offset = icmpkit_net::utc_offset(shown_time(whole_seconds(t)));
                self.offset = Some((quarter, offset));
                offset
            }
        }
    }
}

/// `t`'s whole seconds since the epoch, saturated (a pcapng file can hold
/// times up to 2^64 seconds).
fn whole_seconds(t: Timestamp) -> i64 {
    i64::try_from(t.seconds).unwrap_or(i64::MAX)
}

/// How many decimal digits `n` has.
fn digits_of(mut n: u128) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

#[cfg(test)]
mod tests;
