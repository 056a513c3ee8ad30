//! Expected numbers worked out by hand from mtr's `net_process_ping`
//! (microseconds, C `int` truncation), for the RTTs 10, 12, 11, 15.5,
//! 9.001 and 9 ms.

#![allow(
    clippy::float_cmp,
    reason = "every figure is exact: an integer of microseconds over 1000.0"
)]

use std::time::Duration;

use super::{Figure, HopStats};

const ALL: [Figure; 10] = Figure::ALL;

fn answered(us: &[u64]) -> HopStats {
    let mut stats = HopStats::default();
    for &us in us {
        stats.record(Some(Duration::from_micros(us)));
    }
    stats
}

fn figures(stats: &HopStats) -> Vec<Option<f64>> {
    ALL.iter().map(|&f| stats.figure(f)).collect()
}

#[test]
fn no_figure_before_the_first_answer() {
    let mut stats = HopStats::default();
    assert_eq!(figures(&stats), vec![None; 10]);
    stats.record(None);
    stats.record(None);
    assert_eq!(figures(&stats), vec![None; 10]);
    assert_eq!((stats.sent(), stats.received(), stats.dropped()), (2, 0, 2));
}

#[test]
fn the_first_answer_sets_rtts_and_zeroes_the_jitter() {
    // Jitter against mtr's initial last (0) would be 10 ms; the first
    // answer resets it, and StDev needs two answers.
    let stats = answered(&[10_000]);
    assert_eq!(
        figures(&stats),
        [10.0, 10.0, 10.0, 10.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0].map(Some)
    );
}

#[test]
fn four_answers_follow_mtrs_running_sums() {
    // n=2: avg 10000 + 2000/2 = 11000; ssd 2000*1000 = 2e6; jitter 2000,
    //      javg 0 + 2000/2 = 1000; jinta 0 + 2000 - (8>>4) = 2000;
    //      gmean 10000^(1/2) * 12000^(1/2) = 10954.45 -> 10954.
    // n=3: avg 11000 + 0/3; ssd += 0; jitter 1000, javg 1000 + 0/3;
    //      jinta 2000 + 1000 - (2008>>4 = 125) = 2875;
    //      gmean 10954^(2/3) * 11000^(1/3) = 10969.3 -> 10969.
    // n=4: avg 11000 + 4500/4 = 12125; ssd += 4500*3375 -> 17187500;
    //      jitter 4500, javg 1000 + 3500/4 (875) = 1875;
    //      jinta 2875 + 4500 - (2883>>4 = 180) = 7195;
    //      gmean 10969^(3/4) * 15500^(1/4) = 11959.8 -> 11959;
    //      stdev sqrt(17187500 / 3) = 2393.6 -> 2393.
    let stats = answered(&[10_000, 12_000, 11_000, 15_500]);
    assert_eq!(
        figures(&stats),
        [
            15.5, 12.125, 10.0, 15.5, 2.393, 11.959, 4.5, 1.875, 4.5, 7.195
        ]
        .map(Some)
    );
}

#[test]
fn integer_steps_truncate_toward_zero() {
    // n=5, rtt 9001: avg 12125 + (-3124/5 = -624.8) = 11500.2 -> 11500;
    //      ssd += -3124 * -2499 -> 24994376, stdev sqrt(/4) 2499.7 -> 2499;
    //      jitter 6499, javg 1875 + 4624/5 (924) = 2799;
    //      jinta 7195 + 6499 - (7203>>4 = 450) = 13244;
    //      gmean 11959^(4/5) * 9001^(1/5) = 11298.
    // n=6, rtt 9000: avg 11500 + (-2500/6 = -416.7) = 11083.3 -> 11083;
    //      ssd += -2500 * -2083 -> 30201876, stdev sqrt(/5) 2457.7 -> 2457;
    //      jitter 1, javg 2799 + (-2798/6 = -466, not floor's -467) = 2333;
    //      jinta 13244 + 1 - (13252>>4 = 828) = 12417;
    //      gmean 11298^(5/6) * 9000^(1/6) = 10877.
    let mut stats = answered(&[10_000, 12_000, 11_000, 15_500, 9_001]);
    assert_eq!(
        figures(&stats),
        [
            9.001, 11.5, 9.001, 15.5, 2.499, 11.298, 6.499, 2.799, 6.499, 13.244
        ]
        .map(Some)
    );
    stats.record(Some(Duration::from_millis(9)));
    assert_eq!(
        figures(&stats),
        [
            9.0, 11.083, 9.0, 15.5, 2.457, 10.877, 0.001, 2.333, 6.499, 12.417
        ]
        .map(Some)
    );
}

#[test]
fn lost_probes_count_only_towards_loss() {
    let mut with_losses = HopStats::default();
    for rtt in [Some(10_000), None, Some(12_000), None, None, Some(11_000)] {
        with_losses.record(rtt.map(Duration::from_micros));
    }
    let without = answered(&[10_000, 12_000, 11_000]);
    assert_eq!(figures(&with_losses), figures(&without));
    assert_eq!(
        (
            with_losses.sent(),
            with_losses.received(),
            with_losses.dropped()
        ),
        (6, 3, 3)
    );
    assert_eq!(with_losses.loss_percent(), 50.0);
}

#[test]
fn rtts_count_in_whole_microseconds() {
    // mtr-packet reports whole microseconds; the fraction is dropped.
    let mut stats = HopStats::default();
    stats.record(Some(Duration::from_nanos(10_000_999)));
    assert_eq!(stats.figure(Figure::Last), Some(10.0));
}

#[test]
fn an_absurd_rtt_is_held_at_mtrs_int_range() {
    let mut stats = HopStats::default();
    stats.record(Some(Duration::MAX));
    stats.record(Some(Duration::MAX));
    assert_eq!(stats.figure(Figure::Worst), Some(2_147_483.647));
    assert_eq!(stats.figure(Figure::Avg), Some(2_147_483.647));
    assert_eq!(stats.figure(Figure::StDev), Some(0.0));
}

fn loss(received: u64, sent: u64) -> f64 {
    let mut stats = HopStats::default();
    for i in 0..sent {
        stats.record((i < received).then_some(Duration::from_millis(1)));
    }
    stats.loss_percent()
}

#[test]
fn loss_is_mtrs_thousandths_truncated() {
    assert_eq!(loss(0, 0), 0.0);
    assert_eq!(loss(5, 5), 0.0);
    assert_eq!(loss(0, 5), 100.0);
    // 1000 * (100 - 33.33..) = 66666.67 -> 66666.
    assert_eq!(loss(1, 3), 66.666);
    assert_eq!(loss(2, 3), 33.333);
    assert_eq!(loss(1, 7), 85.714);
    assert_eq!(loss(13, 19), 31.578);
    // 100 - 99.9 is 0.0999999.. in doubles, so mtr shows 0.099%.
    assert_eq!(loss(999, 1000), 0.099);
}
