use super::*;

fn tracked(step: u64) -> Tracked {
    Tracked {
        name: "a".into(),
        step: Duration::from_secs(step),
        timeout: Duration::from_secs(1),
        pings: 10,
    }
}

fn sample(sent_ms: i64, rtt_us: Option<u32>) -> Sample {
    Sample {
        target: 0,
        sent_ms,
        rtt_us,
    }
}

#[test]
fn samples_fall_in_the_step_they_were_sent_in() {
    let mut steps = Steps::new(&[tracked(60)], 0);
    steps.record(sample(59_999, Some(1000)));
    steps.record(sample(60_000, Some(3000)));
    steps.record(sample(61_000, None));
    // The first step closes at 60 s + 1 s timeout + 2 s grace.
    assert!(steps.close_due(62_999).is_empty());
    let closed = steps.close_due(63_000);
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].1.start, 0);
    assert_eq!(closed[0].1.sent, 1);
    let closed = steps.close_due(123_000);
    let s = &closed[0].1;
    assert_eq!((s.start, s.sent, s.received(), s.lost()), (60, 2, 1, 1));
    assert_eq!(s.loss(), Some(0.5));
}

#[test]
fn median_quantiles_and_jitter_are_smokepings() {
    let mut steps = Steps::new(&[tracked(10)], 0);
    for (ms, rtt) in [(0, 4000), (1000, 1000), (2000, 3000), (3000, 2000)] {
        steps.record(sample(ms, Some(rtt)));
    }
    let s = &steps.close_all()[0].1;
    assert_eq!(s.rtts_us, [1000, 2000, 3000, 4000]);
    assert_eq!(s.median_us(), Some(2500));
    assert_eq!(s.quantile_us(0.0), Some(1000));
    assert_eq!(s.quantile_us(0.5), Some(2000));
    assert_eq!(s.quantile_us(1.0), Some(4000));
    // |4000-1000| + |1000-3000| + |3000-2000| = 6000 over 3.
    assert_eq!(s.jitter_us, Some(2000));
}

#[test]
fn a_sample_for_a_closed_step_is_counted_late() {
    let mut steps = Steps::new(&[tracked(10)], 0);
    steps.record(sample(1000, Some(5)));
    assert_eq!(steps.close_due(20_000).len(), 1);
    steps.record(sample(2000, Some(5)));
    assert_eq!(steps.late(), 1);
    steps.record(Sample {
        target: 7,
        sent_ms: 0,
        rtt_us: None,
    });
    assert_eq!(steps.late(), 2);
}

#[test]
fn a_reload_keeps_the_open_steps_of_unchanged_targets() {
    let mut steps = Steps::new(&[tracked(10)], 0);
    steps.record(sample(1000, Some(5)));
    let b = Tracked {
        name: "b".into(),
        ..tracked(10)
    };
    assert!(
        steps
            .reconfigure(&[tracked(10)], &[b, tracked(10)], 5000)
            .is_empty()
    );
    let closed = steps.close_all();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].0, 1);
    assert_eq!(closed[0].1.sent, 1);
}

#[test]
fn a_reload_hands_back_the_open_steps_of_removed_or_changed_targets() {
    let mut steps = Steps::new(&[tracked(10)], 0);
    steps.record(sample(1000, Some(5)));
    steps.record(sample(2000, None));
    let dropped = steps.reconfigure(&[tracked(10)], &[tracked(20)], 3000);
    assert_eq!(dropped.len(), 1);
    assert_eq!(&*dropped[0].0, "a");
    assert_eq!(
        (
            dropped[0].1.start,
            dropped[0].1.sent,
            dropped[0].1.received()
        ),
        (0, 2, 1)
    );
    assert!(steps.close_all().is_empty());
}

#[test]
fn the_first_step_and_a_step_closed_early_are_partial() {
    let mut steps = Steps::new(&[tracked(10)], 5000);
    steps.record(sample(6000, Some(5)));
    steps.record(sample(12_000, Some(5)));
    steps.record(sample(21_000, Some(5)));
    let closed = steps.close_due(23_000);
    assert_eq!(closed.len(), 2);
    assert!(
        !steps.is_whole(0, &closed[0].1, 23_000),
        "began before the start"
    );
    assert!(steps.is_whole(0, &closed[1].1, 23_000));
    let rest = steps.close_all();
    assert!(
        !steps.is_whole(0, &rest[0].1, 25_000),
        "closed before its end"
    );
}

#[test]
fn two_parts_of_one_step_merge_into_one() {
    let a = StepSummary {
        start: 60,
        step: 60,
        sent: 3,
        rtts_us: vec![100, 300],
        jitter_us: Some(200),
    };
    let b = StepSummary {
        start: 60,
        step: 60,
        sent: 4,
        rtts_us: vec![200, 250, 400],
        jitter_us: Some(50),
    };
    let m = a.merged(&b);
    assert_eq!((m.sent, m.lost()), (7, 2));
    assert_eq!(m.rtts_us, [100, 200, 250, 300, 400]);
    // (200 × 1 pair + 50 × 2 pairs) / 3 pairs.
    assert_eq!(m.jitter_us, Some(100));
}

#[test]
fn rtts_of_every_size_come_back_sorted_with_their_jitter() {
    let mut steps = Steps::new(&[tracked(60)], 0);
    // One byte, two, three, four and five as varints, in arrival order.
    let rtts = [3_000_000, 90, 127, 128, 16_384, u32::MAX, 2_097_152];
    for (i, &rtt) in rtts.iter().enumerate() {
        steps.record(sample(1_000 * i64::try_from(i).unwrap(), Some(rtt)));
    }
    steps.record(sample(59_000, None));
    let closed = steps.close_all();
    let s = &closed[0].1;
    let mut sorted = rtts.to_vec();
    sorted.sort_unstable();
    assert_eq!(s.rtts_us, sorted);
    assert_eq!((s.sent, s.lost()), (8, 1));
    let diffs: u64 = rtts
        .windows(2)
        .map(|w| u64::from(w[0].abs_diff(w[1])))
        .sum();
    assert_eq!(s.jitter_us, Some(u32::try_from(diffs / 6).unwrap()));
    let brief = StepBrief::of(s);
    assert_eq!(
        (
            brief.received,
            brief.min_us(),
            brief.max_us(),
            brief.median_us()
        ),
        (7, Some(90), Some(u32::MAX), Some(16_384))
    );
}

#[test]
fn a_boundary_closes_in_batches_of_targets() {
    let targets: Vec<Tracked> = (0..5)
        .map(|i| Tracked {
            name: format!("t{i}").into(),
            ..tracked(10)
        })
        .collect();
    let mut steps = Steps::new(&targets, 0);
    for target in 0..5 {
        for at in [1_000, 11_000] {
            steps.record(Sample {
                target,
                sent_ms: at,
                rtt_us: Some(500),
            });
        }
    }
    // Both steps of every target are due: a batch takes both of a
    // target's, for two targets at most.
    let mut seen = Vec::new();
    loop {
        let closed = steps.close_due_of(30_000, 2);
        if closed.is_empty() {
            break;
        }
        assert!(closed.len() <= 4, "{closed:?}");
        seen.extend(closed.iter().map(|(i, s)| (*i, s.start)));
    }
    let want: Vec<(usize, i64)> = (0..5).flat_map(|i| [(i, 0), (i, 10)]).collect();
    assert_eq!(seen, want);
}

#[test]
fn a_sample_of_an_earlier_step_than_any_open_opens_it_first() {
    let mut steps = Steps::new(&[tracked(10)], 0);
    steps.record(sample(25_000, Some(3)));
    steps.record(sample(5_000, Some(1)));
    steps.record(sample(15_000, Some(2)));
    steps.record(sample(16_000, Some(2)));
    let closed: Vec<(i64, u32)> = steps
        .close_all()
        .iter()
        .map(|(_, s)| (s.start, s.sent))
        .collect();
    assert_eq!(closed, [(0, 1), (10, 2), (20, 1)]);
}

#[test]
fn steady_rtts_take_a_byte_each_and_come_back_exactly() {
    let mut open = Open::new(0, 60);
    let room = open.rtts.capacity();
    let rtts: Vec<u32> = (0..60u32).map(|i| 150 + (i * 37) % 61).collect();
    for &rtt in &rtts {
        open.answered(rtt);
    }
    // The first takes two bytes, each difference (under 64 µs) one.
    assert_eq!(open.rtts.len(), 61);
    assert_eq!(open.rtts.capacity(), room, "no growth");
    assert_eq!(open.rtts_us().collect::<Vec<_>>(), rtts);
    for d in [0, 1, -1, 63, -64, i32::MAX, i32::MIN] {
        assert_eq!(unzigzag(zigzag(d)), d);
    }
    assert_eq!((zigzag(-1), zigzag(1), zigzag(-64)), (1, 2, 127));
}

#[test]
fn a_track_stays_small() {
    // One per target, tens of thousands (see live's size test).
    assert!(
        std::mem::size_of::<Track>() <= 104,
        "{}",
        std::mem::size_of::<Track>()
    );
}
