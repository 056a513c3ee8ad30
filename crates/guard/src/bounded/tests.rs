use super::*;

#[test]
fn a_full_map_forgets_the_least_recently_used_entry() {
    let mut map = Bounded::new(2);
    *map.entry(1, || 10) += 1;
    *map.entry(2, || 20) += 1;
    *map.entry(1, || 0) += 1; // 1 is now the most recent
    map.entry(3, || 30);
    assert_eq!(map.len(), 2);
    assert_eq!(map.peek(&1), Some(&12));
    assert_eq!(map.peek(&2), None);
    assert_eq!(map.evicted(), 1);
}

#[test]
fn a_window_counts_only_events_within_its_span() {
    let second = 1_000_000_000;
    let mut w = Window::new(second);
    for i in 0..10 {
        w.add(i * second / 10, 1);
    }
    assert_eq!(w.count(second - 1), 10);
    // Half a second later, the first half has left the window (to a slice).
    assert_eq!(w.count(second + second / 2), 3);
    assert_eq!(w.count(10 * second), 0);
}

#[test]
fn a_distinct_set_saturates_at_its_size() {
    let mut s = Distinct::<4>::default();
    assert!(s.insert(1));
    assert!(!s.insert(1));
    for v in 2..10 {
        s.insert(v);
    }
    assert_eq!(s.len(), 4);
    assert!(s.is_full());
}

#[test]
fn fingerprints_are_stable() {
    assert_eq!(fingerprint(&b"abc"[..]), fingerprint(&b"abc"[..]));
    assert_ne!(fingerprint(&b"abc"[..]), fingerprint(&b"abd"[..]));
}

#[test]
fn a_clock_stepped_back_starts_the_window_over() {
    let second = 1_000_000_000;
    let mut w = Window::new(second);
    let late = 3_600 * second;
    for i in 0..5 {
        w.add(late + i * second / 5, 1);
    }
    // An hour back: these five are not piled onto the earlier ones.
    for i in 0..5 {
        assert_eq!(w.add(i * second / 5, 1), u32::try_from(i).unwrap() + 1);
    }
    // A step back within the span is only reordering: counted.
    assert_eq!(w.add(second / 2, 1), 6);
}

#[test]
fn a_recent_table_remembers_until_a_newer_value_takes_the_slot() {
    let mut t = Recent::<u64>::new(1000);
    assert_eq!(t.capacity(), 1024);
    *t.entry(&"a") += 2;
    *t.entry(&"a") += 1;
    assert_eq!(t.get(&"a"), Some(&3));
    assert_eq!(t.get(&"b"), None);
    // Far more values than slots: the table stays its size, values are
    // forgotten, none is invented.
    for i in 0..100_000u32 {
        *t.entry(&i) += 1;
    }
    assert_eq!(t.len(), 1024);
    assert!(t.forgotten() >= 100_000 - 1024);
    let held = (0..100_000u32).filter(|i| t.get(i) == Some(&1)).count();
    assert!(held <= 1024);
    assert_eq!(
        (100_000u32..200_000).filter(|i| t.get(i).is_some()).count(),
        0
    );
}

#[test]
fn a_recent_table_keeps_a_few_values_whatever_their_slots() {
    // Two ways: three values can collide, two never push each other out;
    // over many tables (seeds), a handful of values are always all kept.
    for _ in 0..2_000 {
        let mut t = Recent::<u8>::new(2);
        *t.entry(&"request") = 1;
        *t.entry(&"reply") = 2;
        assert_eq!((t.get(&"request"), t.get(&"reply")), (Some(&1), Some(&2)));
    }
}
