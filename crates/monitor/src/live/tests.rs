use super::*;

#[test]
fn rtts_fall_in_smokeping_probers_buckets() {
    // A spread of every bucket: kept wide.
    let mut h = RttHistogram::default();
    for us in [0, 50, 51, 100, 26_214_400, 26_214_401, u32::MAX] {
        h.observe(us);
    }
    let c = h.counts();
    assert_eq!((c[0], c[1], c[19], c[20]), (2, 2, 1, 2));
    assert_eq!(h.count(), 7);
}

#[test]
fn a_count_past_32_bits_widens_and_keeps_counting() {
    let mut h = RttHistogram::default();
    h.add(3, u64::from(u32::MAX));
    assert!(matches!(h.counts, Counts::Window { .. }));
    h.observe(400);
    assert!(matches!(h.counts, Counts::Wide(_)));
    h.observe(400);
    h.observe(10);
    let c = h.counts();
    assert_eq!((c[0], c[3]), (1, u64::from(u32::MAX) + 2));
    assert_eq!(h.count(), u64::from(u32::MAX) + 3);
}

fn path(at: i64, last: [u8; 4]) -> PathRecord {
    PathRecord {
        at,
        hops: vec![Some(IpAddr::from([10, 0, 0, 1])), Some(IpAddr::from(last))],
        reached: true,
        pmtu: None,
    }
}

#[test]
fn a_problem_and_a_path_live_in_a_box_freed_when_empty() {
    let mut t = TargetStatus::default();
    assert_eq!((t.problem(), t.path(), t.path_changes()), (None, None, 0));
    t.set_problem(Some("no address".into()));
    assert_eq!(t.problem(), Some("no address"));
    t.set_problem(None);
    assert!(t.rare.is_none(), "an empty box is freed");
    assert!(t.set_path(path(1, [10, 0, 0, 2])).is_none());
    assert_eq!(t.path_changes(), 0, "a first path is no change");
    let earlier = t.set_path(path(2, [10, 0, 0, 2]));
    assert_eq!(earlier.map(|p| p.at), Some(1));
    assert_eq!(t.path_changes(), 0, "the same hops");
    t.set_path(path(3, [10, 0, 0, 3]));
    assert_eq!((t.path().map(|p| p.at), t.path_changes()), (Some(3), 1));
    t.set_problem(Some("refused".into()));
    t.set_problem(None);
    assert_eq!(t.path_changes(), 1, "the path stays when the problem goes");
}

#[test]
fn received_is_the_count_of_rtts() {
    let mut t = TargetStatus::default();
    t.rtt.observe(100);
    t.rtt.observe(200);
    assert_eq!(t.received(), 2);
}

#[test]
fn a_narrow_spread_keeps_a_window_that_moves_and_a_wide_one_widens() {
    let mut h = RttHistogram::default();
    // 10 ms (bucket 8), then 1 ms (5) and 40 ms (10): one window, moved.
    for us in [10_000, 1_000, 40_000, 10_000] {
        h.observe(us);
    }
    assert!(matches!(h.counts, Counts::Window { base: 5, .. }));
    let c = h.counts();
    assert_eq!((c[5], c[8], c[10], h.count()), (1, 2, 1, 4));
    // 6 s (bucket 17) with 1 ms counted: 13 buckets apart, widened.
    h.observe(6_000_000);
    assert!(matches!(h.counts, Counts::Wide(_)));
    let c = h.counts();
    assert_eq!((c[5], c[8], c[10], c[17], h.count()), (1, 2, 1, 1, 5));
    // The slowest buckets: the window stops at the last.
    let mut slow = RttHistogram::default();
    slow.observe(u32::MAX);
    slow.observe(26_214_400);
    assert!(matches!(slow.counts, Counts::Window { base: 13, .. }));
    assert_eq!((slow.counts()[19], slow.counts()[20]), (1, 1));
    // Equal counts compare equal however they are kept.
    let mut a = RttHistogram::default();
    let mut b = RttHistogram::default();
    a.observe(100);
    b.observe(100);
    b.counts = Counts::Wide(Box::new(b.counts()));
    assert_eq!(a, b);
}

#[test]
fn a_target_s_live_status_stays_small() {
    // Tens of thousands are kept: the aim is 1 KiB of RSS per target in
    // all (BENCHMARKS.md, "icmpkit monitor").
    assert_eq!(std::mem::size_of::<RttHistogram>(), 48);
    assert_eq!(std::mem::size_of::<Option<StepBrief>>(), 48);
    assert!(
        std::mem::size_of::<TargetStatus>() <= 192,
        "{}",
        std::mem::size_of::<TargetStatus>()
    );
}
