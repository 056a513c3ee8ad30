use std::collections::BTreeMap;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(rate: u32, count: u64) -> MultiConfig {
    MultiConfig {
        rate,
        count,
        period: ms(1000),
        timeout: ms(500),
        retries: 0,
        backoff_milli: 1000,
        anchored: false,
    }
}

/// Events with their time since the start.
type Timed<T> = Vec<(Duration, T)>;

/// Runs to the end; `answer(slot)` gives the RTT of a reply, if any.
/// Returns (send time, slot) and the timeouts seen.
fn run(
    s: &mut Scheduler,
    start: Instant,
    answer: impl Fn(&SendSlot) -> Option<Duration>,
) -> (Timed<SendSlot>, Timed<Timeout>) {
    let mut sends = Vec::new();
    let mut timeouts = Vec::new();
    let mut replies: BTreeMap<Instant, Vec<(usize, u64)>> = BTreeMap::new();
    loop {
        let next_reply = replies.keys().next().copied();
        let Some(now) = [s.next_wakeup(), next_reply].into_iter().flatten().min() else {
            break;
        };
        if let Some(list) = replies.remove(&now) {
            for (target, number) in list {
                s.on_reply(now, target, number);
            }
        }
        while let Some(t) = s.pop_timeout(now) {
            timeouts.push((now - start, t));
        }
        while let Some(slot) = s.pop_due(now) {
            if let Some(rtt) = answer(&slot) {
                replies
                    .entry(now + rtt)
                    .or_default()
                    .push((slot.target, slot.number));
            }
            sends.push((now - start, slot));
        }
    }
    (sends, timeouts)
}

#[test]
fn one_target_count_three() {
    let t0 = Instant::now();
    let mut s = Scheduler::new(config(100, 3), 1, t0);
    let (sends, timeouts) = run(&mut s, t0, |slot| {
        (slot.number != 2).then_some(Duration::from_micros(1500))
    });
    let at: Vec<_> = sends.iter().map(|(d, s)| (*d, s.number, s.seq)).collect();
    assert_eq!(at, [(ms(0), 1, 1), (ms(1000), 2, 2), (ms(2000), 3, 3)]);
    assert_eq!(
        timeouts,
        [(
            ms(1500),
            Timeout {
                target: 0,
                number: 2,
                will_retry: false,
                after_error: false,
                sent_at: t0 + ms(1000),
            }
        )]
    );
    let st = s.statistics(0);
    assert_eq!((st.transmitted, st.received), (3, 2));
    assert_eq!(st.rtt().unwrap().avg_us, 1500);
    assert!(s.is_finished());
}

#[test]
fn three_targets_spaced_by_the_rate_with_retries() {
    let t0 = Instant::now();
    let mut c = config(10, 2);
    c.retries = 1;
    let mut s = Scheduler::new(c, 3, t0);
    // Target 1 never answers; the others answer in 20 ms.
    let (sends, timeouts) = run(&mut s, t0, |slot| (slot.target != 1).then_some(ms(20)));
    let at: Vec<_> = sends
        .iter()
        .map(|(d, s)| (d.as_millis(), s.target, s.number, s.attempt))
        .collect();
    assert_eq!(
        at,
        [
            (0, 0, 1, 0),
            (100, 1, 1, 0),
            (200, 2, 1, 0),
            // Target 1's first probe times out at 600 ms: resent.
            (600, 1, 2, 1),
            (1000, 0, 2, 0),
            (1100, 1, 3, 0),
            (1200, 2, 2, 0),
            (1600, 1, 4, 1),
        ]
    );
    let will_retry: Vec<_> = timeouts
        .iter()
        .map(|(d, t)| (d.as_millis(), t.number, t.will_retry))
        .collect();
    assert_eq!(
        will_retry,
        [
            (600, 1, true),
            (1100, 2, false),
            (1600, 3, true),
            (2100, 4, false)
        ]
    );
    assert_eq!(s.statistics(1).transmitted, 4);
    assert_eq!(s.statistics(1).received, 0);
    assert_eq!((s.statistics(0).received, s.statistics(2).received), (2, 2));
}

/// Target 1's first round goes 300 ms late (a stall); when is its second
/// round due, with anchored rounds and with fping's?
fn second_round_after_a_stall(anchored: bool) -> Vec<(Duration, usize)> {
    let t0 = Instant::now();
    let config = MultiConfig {
        anchored,
        ..config(1000, 2)
    };
    let mut s = Scheduler::new(config, 2, t0);
    let mut sends = Vec::new();
    for at in [0, 300, 1000, 1001, 1300] {
        while let Some(slot) = s.pop_due(t0 + ms(at)) {
            sends.push((ms(at), slot.target));
        }
    }
    sends
}

#[test]
fn anchored_rounds_keep_a_late_targets_next_round_on_time() {
    assert_eq!(
        second_round_after_a_stall(true),
        [(ms(0), 0), (ms(300), 1), (ms(1000), 0), (ms(1001), 1)]
    );
    assert_eq!(
        second_round_after_a_stall(false),
        [(ms(0), 0), (ms(300), 1), (ms(1000), 0), (ms(1300), 1)]
    );
}

#[test]
fn thousands_of_targets_at_a_global_rate() {
    let t0 = Instant::now();
    let mut c = config(1000, 2);
    c.timeout = ms(5000);
    let mut s = Scheduler::new(c, 4096, t0);
    let mut max_in_flight = 0;
    let mut sends = Vec::new();
    let mut timeouts = 0;
    while let Some(now) = s.next_wakeup() {
        while s.pop_timeout(now).is_some() {
            timeouts += 1;
        }
        while let Some(slot) = s.pop_due(now) {
            sends.push((now - t0, slot));
        }
        max_in_flight = max_in_flight.max(s.in_flight());
    }
    assert_eq!(sends.len(), 8192);
    assert_eq!(timeouts, 8192);
    assert!(max_in_flight >= 4096, "{max_in_flight} in flight");
    // Exactly 1000 sends in every whole second.
    let in_second = |k: u64| {
        sends
            .iter()
            .filter(|(d, _)| *d >= ms(1000 * k) && *d < ms(1000 * (k + 1)))
            .count()
    };
    assert_eq!(
        (in_second(0), in_second(1), in_second(7)),
        (1000, 1000, 1000)
    );
    for t in 0..4096 {
        assert_eq!(s.statistics(t).transmitted, 2);
    }
    // Earliest due goes first: target 0's second round (due at 1 s)
    // waits behind every first round (due at the start).
    let target0: Vec<_> = sends
        .iter()
        .filter(|(_, s)| s.target == 0)
        .map(|(d, _)| *d)
        .collect();
    assert_eq!(target0, [ms(0), ms(4096)]);
}

#[test]
fn settled_when_every_probe_is_answered_or_timed_out() {
    let t0 = Instant::now();
    let mut s = Scheduler::new(config(1000, 1), 2, t0);
    assert!(!s.is_settled());
    let a = s.pop_due(t0).unwrap();
    let b = s.pop_due(t0 + ms(1)).unwrap();
    s.on_reply(t0 + ms(2), a.target, a.number).unwrap();
    assert!(!s.is_settled());
    s.on_reply(t0 + ms(3), b.target, b.number).unwrap();
    assert!(s.is_settled());
    // A duplicate changes nothing; the run is not finished until the
    // timeouts pass.
    s.on_reply(t0 + ms(4), b.target, b.number).unwrap();
    assert!(s.is_settled() && !s.is_finished());
    // Count 2: the second round is still to send.
    let mut s = Scheduler::new(config(1000, 2), 1, t0);
    let a = s.pop_due(t0).unwrap();
    s.on_reply(t0 + ms(1), a.target, a.number).unwrap();
    assert!(!s.is_settled());
    let b = s.pop_due(t0 + ms(1000)).unwrap();
    assert!(!s.is_settled());
    assert_eq!(
        s.pop_timeout(t0 + ms(1500)).map(|t| t.number),
        Some(b.number)
    );
    assert!(s.is_settled());
}

#[test]
fn errors_count_for_outstanding_probes_only() {
    let t0 = Instant::now();
    let mut s = Scheduler::new(config(1000, 1), 2, t0);
    let a = s.pop_due(t0).unwrap();
    assert!(s.on_error(a.target, a.number));
    assert!(!s.on_error(a.target, a.number + 1));
    assert!(!s.on_error(7, 1));
    assert_eq!(s.statistics(0).errors, 1);
    // The probe still times out, unanswered (fping reports both), and
    // says it had an error.
    assert_eq!(
        s.pop_timeout(t0 + ms(500)),
        Some(Timeout {
            target: 0,
            number: 1,
            will_retry: false,
            after_error: true,
            sent_at: t0,
        })
    );
    assert!(!s.on_error(0, 1));
    assert_eq!(s.statistics(0).errors, 1);
    assert_eq!(s.statistics(1).errors, 0);
}

#[test]
fn duplicates_and_seq_lookup() {
    let t0 = Instant::now();
    let mut s = Scheduler::new(config(1000, 1), 2, t0);
    let a = s.pop_due(t0).unwrap();
    assert_eq!(s.pop_due(t0), None);
    let b = s.pop_due(t0 + ms(1)).unwrap();
    assert_eq!((a.target, b.target), (0, 1));
    assert_eq!(s.number_for_seq(1, 1), Some(1));
    assert_eq!(s.number_for_seq(1, 2), None);
    let r = s.on_reply(t0 + ms(3), 1, 1).unwrap();
    assert_eq!((r.rtt, r.duplicate), (ms(2), false));
    assert!(s.on_reply(t0 + ms(4), 1, 1).unwrap().duplicate);
    assert_eq!(s.statistics(1).duplicates, 1);
    // After the timeout a reply no longer maps.
    assert_eq!(s.pop_timeout(t0 + ms(500)).map(|t| t.target), Some(0));
    assert_eq!(s.pop_timeout(t0 + ms(501)), None);
    assert_eq!(s.on_reply(t0 + ms(600), 0, 1), None);
    assert!(s.is_finished());
}

#[test]
fn a_caller_woken_late_catches_up_and_keeps_the_rate() {
    // 50,000 probes/s, each wait oversleeping by 100 µs (a kernel's timer
    // slack and a busy host): the slots that passed go at once.
    let t0 = Instant::now();
    let rate = 50_000;
    let mut c = config(rate, 1);
    c.timeout = ms(100);
    let targets = 100_000;
    let mut s = Scheduler::new(c, targets, t0);
    let late = Duration::from_micros(100);
    let mut sends = Vec::new();
    while let Some(wake) = s.next_wakeup() {
        let now = wake + late;
        while s.pop_timeout(now).is_some() {}
        while s.pop_due(now).is_some() {
            sends.push(now - t0);
        }
    }
    assert_eq!(sends.len(), targets);
    // Never ahead of the pace: send i leaves at or after slot i.
    for (i, at) in sends.iter().enumerate() {
        let slot = Duration::from_nanos((i as u64 * 1_000_000_000).div_ceil(u64::from(rate)));
        assert!(*at >= slot, "send {i} at {at:?}, before its slot {slot:?}");
        assert!(
            *at <= slot + late,
            "send {i} at {at:?}, behind slot {slot:?}"
        );
    }
    // A stall longer than MAX_CATCH_UP starts the pace over (no burst).
    let mut s = Scheduler::new(c, 1000, t0);
    let stalled = t0 + ms(50);
    let burst = std::iter::from_fn(|| s.pop_due(stalled)).count();
    assert_eq!(burst, 1);
}

#[test]
fn each_resend_waits_the_backoff_times_longer_as_fping_b_does() {
    let t0 = Instant::now();
    let mut c = config(100, 1);
    c.retries = 3;
    c.backoff_milli = 1500;
    assert_eq!(
        (0..4).map(|a| c.wait_for(a)).collect::<Vec<_>>(),
        [ms(500), ms(750), ms(1125), Duration::from_micros(1_687_500)]
    );
    let mut s = Scheduler::new(c, 1, t0);
    let (sends, timeouts) = run(&mut s, t0, |_| None);
    let at: Vec<_> = sends.iter().map(|(d, s)| (*d, s.attempt)).collect();
    assert_eq!(at, [(ms(0), 0), (ms(500), 1), (ms(1250), 2), (ms(2375), 3)]);
    // fping's unreachable target: four sends, the last given up at 4.06 s.
    assert_eq!(timeouts.last().unwrap().0, Duration::from_micros(4_062_500));
    // Without a backoff every wait is the timeout.
    c.backoff_milli = 1000;
    assert_eq!(c.wait_for(3), ms(500));
}

#[test]
fn a_loop_never_runs_out_of_rounds() {
    let t0 = Instant::now();
    let mut s = Scheduler::new(config(1000, u64::MAX), 1, t0);
    for k in 0..50u64 {
        let now = t0 + ms(1000 * k);
        let slot = s.pop_due(now).expect("a round every period");
        assert_eq!(slot.number, k + 1);
        s.on_reply(now + ms(1), 0, slot.number);
        assert!(s.pop_timeout(now + ms(500)).is_none());
    }
    assert!(!s.is_settled());
}

#[test]
fn a_resend_goes_at_its_timeout_outside_the_pace_which_starts_over_at_it() {
    let t0 = Instant::now();
    let mut c = config(10, 1);
    c.retries = 1;
    c.timeout = ms(150);
    let mut s = Scheduler::new(c, 4, t0);
    let (sends, _) = run(&mut s, t0, |slot| (slot.target != 0).then_some(ms(5)));
    let at: Vec<_> = sends
        .iter()
        .map(|(d, s)| (d.as_millis(), s.target, s.attempt))
        .collect();
    // fping: target 0's resend leaves at 150 ms, between two slots, and
    // the next first probe waits a whole interval after it.
    assert_eq!(
        at,
        [
            (0, 0, 0),
            (100, 1, 0),
            (150, 0, 1),
            (250, 2, 0),
            (350, 3, 0)
        ]
    );
}
