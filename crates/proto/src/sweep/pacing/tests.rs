use super::*;

/// Drives a pacer for `seconds` of simulated time as a send loop does:
/// take a batch of at most `batch`, then sleep until the next probe is
/// due, but never less than `tick` (a timer's granularity). Returns the
/// sends as (nanoseconds since start, count).
fn drive(rate: Rate, batch: usize, tick: Duration, seconds: u64) -> Vec<(u64, usize)> {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut pacer = Pacer::new(rate, start);
    let mut now = start;
    let mut sends = Vec::new();
    while now < end {
        let n = pacer.next_batch(now, batch);
        if n > 0 {
            let at = u64::try_from(now.duration_since(start).as_nanos()).unwrap();
            sends.push((at, n));
        }
        let due = pacer.next_due(now).unwrap_or(now);
        now = due.max(now + tick);
    }
    sends
}

/// The fewest and most sends in a one-second window, over windows starting
/// every `step` that end within `seconds`.
fn window_extremes(sends: &[(u64, usize)], seconds: u64, step: Duration) -> (usize, usize) {
    let step = u64::try_from(step.as_nanos()).unwrap();
    let (mut low, mut high) = (usize::MAX, 0);
    let mut from = 0u64;
    while from + 1_000_000_000 <= seconds * 1_000_000_000 {
        let to = from + 1_000_000_000;
        let count: usize = sends
            .iter()
            .filter(|(at, _)| (from..to).contains(at))
            .map(|(_, n)| n)
            .sum();
        low = low.min(count);
        high = high.max(count);
        from += step;
    }
    (low, high)
}

fn assert_within_5_percent(rate: u64, batch: usize, tick: Duration) {
    let seconds = 3;
    let sends = drive(Rate::PerSecond(rate), batch, tick, seconds);
    let (low, high) = window_extremes(&sends, seconds, Duration::from_millis(50));
    let r = usize::try_from(rate).unwrap();
    // ±5%, and for 1 to 10 pps, at most one probe of rounding.
    let slack = (r / 20).max(1);
    assert!(
        low + slack >= r && high <= r + slack,
        "rate {rate}: windows hold {low}..={high}"
    );
    let total: usize = sends.iter().map(|(_, n)| n).sum();
    assert!(total <= r * 3 + 1, "rate {rate}: {total} in 3 s");
}

#[test]
fn holds_the_rate_from_1_to_10_million() {
    let tick = Duration::from_micros(100);
    assert_within_5_percent(1, 64, tick);
    assert_within_5_percent(10, 64, tick);
    assert_within_5_percent(1000, 64, tick);
    assert_within_5_percent(100_000, 64, tick);
    assert_within_5_percent(10_000_000, 4096, tick);
}

#[test]
fn holds_the_rate_with_a_coarse_timer() {
    // A 1 ms timer: batches of about rate/1000.
    let tick = Duration::from_millis(1);
    assert_within_5_percent(1000, 1024, tick);
    assert_within_5_percent(100_000, 1024, tick);
    assert_within_5_percent(10_000_000, 65_536, tick);
}

#[test]
fn exact_schedule_at_10_pps() {
    let sends = drive(Rate::PerSecond(10), 64, Duration::from_micros(1), 1);
    let expected: Vec<(u64, usize)> = (0..10).map(|i| (i * 100_000_000, 1)).collect();
    assert_eq!(sends, expected);
}

#[test]
fn burst_is_capped_after_a_long_sleep() {
    let start = Instant::now();
    let mut pacer = Pacer::new(Rate::PerSecond(1000), start);
    assert_eq!(pacer.next_batch(start, 100), 1);
    assert_eq!(pacer.next_batch(start, 100), 0);
    let later = start + Duration::from_mins(1);
    assert_eq!(pacer.next_batch(later, 100), 10, "10 ms of tokens");
    assert_eq!(
        pacer.next_due(later),
        Some(later + Duration::from_millis(1))
    );
    pacer.refund(3);
    assert_eq!(pacer.next_due(later), None);
    assert_eq!(pacer.next_batch(later, 2), 2);
    assert_eq!(pacer.next_batch(later, 2), 1);
}

#[test]
fn max_rate_never_holds_back() {
    let start = Instant::now();
    let mut pacer = Pacer::new(Rate::Max, start);
    assert_eq!(pacer.next_batch(start, 5000), 5000);
    assert_eq!(pacer.next_due(start), None);
}

#[test]
fn next_due_rounds_up_to_the_nanosecond() {
    let start = Instant::now();
    let mut pacer = Pacer::new(Rate::PerSecond(3), start);
    assert_eq!(pacer.next_batch(start, 10), 1);
    let due = pacer.next_due(start).unwrap();
    assert_eq!(due, start + Duration::from_nanos(333_333_334));
    assert_eq!(
        pacer.next_batch(due.checked_sub(Duration::from_nanos(1)).unwrap(), 10),
        0
    );
    assert_eq!(pacer.next_batch(due, 10), 1);
}

#[test]
#[should_panic(expected = "a rate of 0 probes per second")]
fn zero_rate_is_refused() {
    let _ = Pacer::new(Rate::PerSecond(0), Instant::now());
}
