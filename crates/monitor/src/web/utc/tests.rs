use super::*;

#[test]
fn the_epoch_and_a_leap_day_are_dated_right() {
    assert_eq!(minutes(0), "1970-01-01 00:00");
    assert_eq!(seconds(951_782_400 + 3_661), "2000-02-29 01:01:01 UTC");
    assert_eq!(minutes(-60), "1969-12-31 23:59");
}

#[test]
fn a_month_start_is_the_inverse_of_the_date() {
    for (y, m) in [(1970, 1), (2000, 3), (2024, 2), (2026, 12)] {
        let c = Civil::of(Civil::month_start(y, m));
        assert_eq!((c.year, c.month, c.day, c.hour), (y, m, 1, 0));
    }
}
