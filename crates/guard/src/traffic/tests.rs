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
