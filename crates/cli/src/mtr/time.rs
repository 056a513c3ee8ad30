//! Wall times as the report prints them: mtr's `Start:` (`strftime`'s
//! `%Y-%m-%dT%H:%M:%S%z` of local time) and RFC 3339 for JSON; and the
//! date and time of `decode`'s time column.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// A wall time in one time zone, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// Seconds east of UTC.
    offset: i32,
}

/// The earliest and latest seconds since the epoch shown (years 1 to
/// 9999), after the zone's offset; times outside are shown as these.
const SHOWN: (i64, i64) = (-62_135_596_800, 253_402_300_799);

/// Whole seconds since the Unix epoch (negative before it), rounded
/// down.
pub(crate) fn unix_seconds(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let before = e.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            // 0.5 s before the epoch is in the second that starts at -1.
            -whole - i64::from(before.subsec_nanos() > 0)
        }
    }
}

impl Civil {
    /// `at` shifted `offset` seconds east of UTC (at most a day either
    /// way).
    fn new(at: SystemTime, offset: i32) -> Self {
        Self::at_seconds(unix_seconds(at), offset)
    }

    /// `seconds` since the epoch, shifted `offset` seconds east of UTC (at
    /// most a day either way).
    fn at_seconds(seconds: i64, offset: i32) -> Self {
        let offset = offset.clamp(-86_399, 86_399);
        let local = seconds
            .saturating_add(i64::from(offset))
            .clamp(SHOWN.0, SHOWN.1);
        let (days, of_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (year, month, day) = date_of(days);
        // of_day < 86400: each part fits.
        let part = |v: i64| u8::try_from(v).unwrap_or(0);
        Self {
            year,
            month,
            day,
            hour: part(of_day / 3600),
            minute: part(of_day / 60 % 60),
            second: part(of_day % 60),
            offset,
        }
    }

    fn date_time(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// The offset's sign, hours and minutes.
    fn zone(&self) -> (char, u32, u32) {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let minutes = self.offset.unsigned_abs() / 60;
        (sign, minutes / 60, minutes % 60)
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01. Counts in eras
/// of 400 years (146 097 days each) of years that start on 1 March, so
/// the leap day is each year's last; then back to January-based months.
fn date_of(days: i64) -> (i64, u8, u8) {
    // Days since 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March: lengths 31 30 31 30 31 31 30 31 30 31 31 29/28,
    // which (153 * m + 2) / 5 counts.
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (
        year,
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

/// mtr's `Start:` time: `2026-12-04T14:04:44+0000`.
pub(crate) fn mtr_time(at: SystemTime, utc_offset: i32) -> String {
    let civil = Civil::new(at, utc_offset);
    let (sign, hours, minutes) = civil.zone();
    format!("{}{sign}{hours:02}{minutes:02}", civil.date_time())
}

/// Appends the time of day `unix_seconds` since the epoch, to the second,
/// `utc_offset` seconds east of UTC, after its date if `with_date`:
/// `2026-12-04 14:04:44` (what `decode`'s tshark-like time column shows
/// before the fraction). Times past 9999-12-31 23:59:59 or before year 1
/// are shown as those ends.
pub(crate) fn write_date_and_time(
    s: &mut String,
    unix_seconds: i64,
    utc_offset: i32,
    with_date: bool,
) {
    let c = Civil::at_seconds(unix_seconds, utc_offset);
    if with_date {
        let _ = write!(s, "{:04}-{:02}-{:02} ", c.year, c.month, c.day);
    }
    let _ = write!(s, "{:02}:{:02}:{:02}", c.hour, c.minute, c.second);
}

/// The system time `unix_seconds` since the epoch, brought within the
/// years shown (1 to 9999), so it can be made and handed to the C library.
pub(crate) fn shown_time(unix_seconds: i64) -> SystemTime {
    let seconds = unix_seconds.clamp(SHOWN.0, SHOWN.1);
    let span = std::time::Duration::from_secs(seconds.unsigned_abs());
    let at = if seconds < 0 {
        UNIX_EPOCH.checked_sub(span)
    } else {
        UNIX_EPOCH.checked_add(span)
    };
    at.unwrap_or(UNIX_EPOCH)
}

/// RFC 3339, to the second, in the local zone: `2026-12-04T14:04:44+00:00`.
pub(crate) fn rfc3339(at: SystemTime, utc_offset: i32) -> String {
    let civil = Civil::new(at, utc_offset);
    let (sign, hours, minutes) = civil.zone();
    format!("{}{sign}{hours:02}:{minutes:02}", civil.date_time())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: i64) -> SystemTime {
        if seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        }
    }

    #[test]
    fn start_times_are_strftimes_iso_form() {
        // Checked with `date -d @1796393106 +%FT%T%z` in each zone.
        assert_eq!(mtr_time(at(1_796_393_106), 0), "2026-12-04T14:05:06+0000");
        assert_eq!(
            mtr_time(at(1_796_393_106), 19_800),
            "2026-12-04T19:35:06+0530"
        );
        assert_eq!(mtr_time(at(0), -12_600), "1969-12-31T20:30:00-0330");
    }

    #[test]
    fn rfc3339_has_a_colon_in_the_offset() {
        assert_eq!(
            rfc3339(at(1_796_393_106), 19_800),
            "2026-12-04T19:35:06+05:30"
        );
        assert_eq!(rfc3339(at(0), 0), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn leap_days_and_ends_of_centuries() {
        assert_eq!(rfc3339(at(951_868_799), 0), "2000-02-29T23:59:59+00:00");
        assert_eq!(rfc3339(at(951_868_800), 0), "2000-03-01T00:00:00+00:00");
        assert_eq!(rfc3339(at(4_107_542_400), 0), "2100-03-01T00:00:00+00:00");
        assert_eq!(rfc3339(at(4_107_542_399), 0), "2100-02-28T23:59:59+00:00");
    }

    #[test]
    fn times_before_the_epoch_round_down_and_extremes_are_clamped() {
        let half_before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(unix_seconds(half_before), -1);
        assert_eq!(rfc3339(half_before, 0), "1969-12-31T23:59:59+00:00");
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        assert_eq!(rfc3339(far, 0), "9999-12-31T23:59:59+00:00");
        assert_eq!(rfc3339(at(0), i32::MIN), "1969-12-31T00:00:01-23:59");
        // The offset cannot carry the date past the ends either.
        assert_eq!(rfc3339(far, 19_800), "9999-12-31T23:59:59+05:30");
        let mut s = String::new();
        write_date_and_time(&mut s, i64::MAX, 86_399, true);
        assert_eq!(s, "9999-12-31 23:59:59");
        s.clear();
        write_date_and_time(&mut s, i64::MIN, -86_399, false);
        assert_eq!(s, "00:00:00");
        assert_eq!(unix_seconds(shown_time(i64::MAX)), SHOWN.1);
        assert_eq!(unix_seconds(shown_time(i64::MIN)), SHOWN.0);
    }
}
