//! Unix seconds as UTC calendar dates, for labels (no time-zone database:
//! the pages speak UTC, as the stored data does).

/// A moment in UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    /// The UTC date and time of `t` Unix seconds (Howard Hinnant's
    /// `civil_from_days`).
    pub fn of(t: i64) -> Self {
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let small = |v: i64| u32::try_from(v).unwrap_or(0);
        Self {
            year,
            month: small(month),
            day: small(day),
            hour: small(secs / 3600),
            minute: small(secs % 3600 / 60),
            second: small(secs % 60),
        }
    }

    /// Unix seconds of 00:00 UTC on the first of `month` (1–12) of `year`.
    pub fn month_start(year: i64, month: u32) -> i64 {
        let (y, m) = if month <= 2 {
            (year - 1, i64::from(month) + 9)
        } else {
            (year, i64::from(month) - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let doy = (153 * m + 2) / 5;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400
    }
}

/// `2026-12-05 07:20` (UTC).
pub(crate) fn minutes(t: i64) -> String {
    let c = Civil::of(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// `2026-12-05 07:20:31 UTC`.
pub(crate) fn seconds(t: i64) -> String {
    let c = Civil::of(t);
    format!("{}:{:02} UTC", minutes(t), c.second)
}

#[cfg(test)]
mod tests;
