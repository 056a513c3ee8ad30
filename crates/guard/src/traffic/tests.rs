use super::*;

#[test]
fn top_talkers_keep_the_heavy_hitters() {
    let mut t = TopTalkers::new(8);
    let a: core::net::IpAddr = "192.0.2.10".parse().unwrap();
    for i in 0..100u8 {
        t.count(a, 100);
        if i % 2 == 0 {
            t.count(core::net::IpAddr::from([198, 51, 100, i]), 100);
        }
    }
    let top = t.top(2);
    assert_eq!(top[0].addr, a);
    assert_eq!(top[0].packets, 100);
    assert_eq!(top[0].error, 0);
    // The other slots churn: their counts carry their error.
    assert!(top[1].packets - top[1].error <= 1);
}

#[test]
fn top_talkers_match_exact_counts_when_every_address_fits() {
    // With room for every address, Space-Saving is exact: the heap must
    // keep every count.
    let mut t = TopTalkers::new(64);
    let mut exact = std::collections::BTreeMap::new();
    let mut x = 7u32;
    for _ in 0..5000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let addr = core::net::IpAddr::from([192, 0, 2, ((x >> 16) % 50).to_be_bytes()[3]]);
        t.count(addr, 10);
        *exact.entry(addr).or_insert(0u64) += 1;
    }
    let top = t.top(64);
    assert_eq!(top.len(), exact.len());
    for talker in top {
        assert_eq!(talker.packets, exact[&talker.addr]);
        assert_eq!(talker.error, 0);
    }
}
