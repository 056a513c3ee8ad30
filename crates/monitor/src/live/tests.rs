use super::*;

#[test]
fn rtts_fall_in_smokeping_probers_buckets() {
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
    assert!(matches!(h.counts, Counts::Narrow(_)));
    h.observe(400);
    assert!(matches!(h.counts, Counts::Wide(_)));
    h.observe(400);
    h.observe(10);
    let c = h.counts();
    assert_eq!((c[0], c[3]), (1, u64::from(u32::MAX) + 2));
    assert_eq!(h.count(), u64::from(u32::MAX) + 3);
}
