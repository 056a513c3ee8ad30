use super::*;

#[allow(clippy::unnecessary_wraps)] // what `observe` takes
fn at(seconds: u64, nanoseconds: u32) -> Option<Timestamp> {
    Some(Timestamp {
        seconds,
        nanoseconds,
    })
}

/// The column for each of `times`, every one observed and shown.
fn column(format: TimeFormat, nanosecond: bool, times: &[Option<Timestamp>]) -> Vec<String> {
    let mut clock = Clock::new(format);
    clock.set_digits(if nanosecond { 9 } else { 6 });
    times
        .iter()
        .map(|&t| {
            clock.observe(t);
            let mut s = String::new();
            clock.write(&mut s, t);
            s
        })
        .collect()
}

#[test]
fn relative_time_as_tshark_prints_it() {
    // tshark -t r on tests/fixtures/kernel/echo.pcap: 0.000000, 0.000387.
    let times = [
        at(1_795_354_566, 653_106_000),
        at(1_795_354_566, 653_493_000),
    ];
    assert_eq!(
        column(TimeFormat::Relative, false, &times),
        ["  0.000000", "  0.000387"]
    );
    // Nanosecond captures: 9 digits (timestamp-nanosecond.pcap).
    let times = [at(10, 0), at(10, 60_804)];
    assert_eq!(
        column(TimeFormat::Relative, true, &times),
        ["0.000000000", "0.000060804"]
    );
    // Out of order: negative.
    let times = [at(10, 500_000_000), at(10, 0)];
    assert_eq!(
        column(TimeFormat::Relative, false, &times),
        ["  0.000000", " -0.500000"]
    );
}

#[test]
fn utc_and_epoch_as_tshark_prints_them() {
    let times = [at(1_795_354_566, 653_106_000)];
    assert_eq!(column(TimeFormat::Utc, false, &times), ["13:36:06.653106"]);
    assert_eq!(
        column(TimeFormat::UtcDate, false, &times),
        ["2026-11-22 13:36:06.653106"]
    );
    assert_eq!(
        column(TimeFormat::Epoch, false, &times),
        ["1795354566.653106"]
    );
}

#[test]
fn deltas_from_the_previous_frame_and_the_previous_shown() {
    let mut clock = Clock::new(TimeFormat::Delta);
    let mut s = String::new();
    clock.observe(at(1, 0));
    clock.observe(at(2, 0)); // not shown
    clock.observe(at(2, 250_000_000));
    clock.write(&mut s, at(2, 250_000_000));
    assert_eq!(s, "  0.250000");

    let mut clock = Clock::new(TimeFormat::DeltaDisplayed);
    clock.observe(at(1, 0));
    clock.write(&mut s, at(1, 0));
    assert_eq!(s, "  0.000000");
    clock.observe(at(2, 0)); // not shown
    clock.observe(at(3, 0));
    clock.write(&mut s, at(3, 0));
    assert_eq!(s, "  2.000000");
}

#[test]
fn no_time_no_column() {
    assert_eq!(column(TimeFormat::Relative, false, &[None]), [""]);
    assert_eq!(column(TimeFormat::None, false, &[at(1, 0)]), [""]);
}

#[test]
fn whole_seconds_have_no_fraction() {
    let mut clock = Clock::new(TimeFormat::Relative);
    clock.set_digits(0);
    let mut s = String::new();
    clock.observe(at(1, 0));
    clock.observe(at(3, 0));
    clock.write(&mut s, at(3, 0));
    assert_eq!(s, "         2");
    let mut clock = Clock::new(TimeFormat::Utc);
    clock.set_digits(0);
    clock.write(&mut s, at(1_795_354_566, 0));
    assert_eq!(s, "13:36:06");
}

#[test]
fn times_past_year_9999_show_as_its_last_second() {
    // A pcapng file with if_tsresol 0 holds whole seconds up to 2^64.
    for seconds in [u64::MAX, u64::MAX - 1, 1 << 63, 253_402_300_800] {
        let times = [at(seconds, 999_999_999)];
        assert_eq!(column(TimeFormat::Utc, false, &times), ["23:59:59.999999"]);
        assert_eq!(
            column(TimeFormat::UtcDate, true, &times),
            ["9999-12-31 23:59:59.999999999"]
        );
        // The local zone's offset is read for the last second shown.
        for format in [TimeFormat::Absolute, TimeFormat::AbsoluteDate] {
            assert!(!column(format, false, &times)[0].is_empty());
        }
    }
    // No format panics on any mix of extremes.
    let extremes =
        [0, 1, 1 << 63, (1 << 63) - 1, u64::MAX - 1, u64::MAX].map(|s| at(s, 999_999_999));
    for format in <TimeFormat as clap::ValueEnum>::value_variants() {
        for digits in [0, 6, 9] {
            let mut clock = Clock::new(*format);
            clock.set_digits(digits);
            let mut s = String::new();
            for &t in extremes.iter().chain(extremes.iter().rev()) {
                clock.observe(t);
                clock.write(&mut s, t);
            }
        }
    }
}

#[test]
fn the_column_is_written_into_the_string_given() {
    let mut clock = Clock::new(TimeFormat::UtcDate);
    let mut s = String::with_capacity(64);
    let before = s.as_ptr();
    clock.write(&mut s, at(1_795_354_566, 653_106_000));
    assert_eq!(s, "2026-11-22 13:36:06.653106");
    assert_eq!(s.as_ptr(), before, "no new string");
}
