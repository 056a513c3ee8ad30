use super::*;

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

fn ranges(space: &TargetSpace) -> Vec<(String, String)> {
    space
        .ranges()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn overlaps_merge_and_each_address_counts_once() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v4("192.0.2.0"), 24).unwrap();
    b.add_prefix(v4("192.0.2.128"), 25).unwrap();
    b.add_addr(v4("192.0.2.7"));
    b.add_prefix(v4("192.0.3.0"), 24).unwrap(); // touches: merged
    b.add_addr(v4("10.0.0.1"));
    let space = b.build().unwrap();
    assert_eq!(space.len(), 513);
    assert_eq!(
        ranges(&space),
        [
            pair("10.0.0.1", "10.0.0.1"),
            pair("192.0.2.0", "192.0.3.255")
        ]
    );
    assert_eq!(space.index_of(v4("10.0.0.1")), Some(0));
    assert_eq!(space.index_of(v4("192.0.2.0")), Some(1));
    assert_eq!(space.index_of(v4("192.0.3.255")), Some(512));
    assert_eq!(space.index_of(v4("192.0.4.0")), None);
    assert_eq!(space.index_of(v4("10.0.0.2")), None);
    assert_eq!(space.index_of(v6("::a00:1")), None, "no family confusion");
    assert_eq!(space.addr_at(513), None);
}

#[test]
fn host_bits_are_ignored() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v4("198.51.100.77"), 30).unwrap();
    assert_eq!(
        ranges(&b.build().unwrap()),
        [pair("198.51.100.76", "198.51.100.79")]
    );
}

#[test]
fn excludes_are_removed_in_any_order() {
    let mut b = TargetSpace::builder();
    b.exclude_prefix(v4("192.0.2.64"), 26).unwrap();
    b.add_prefix(v4("192.0.2.0"), 24).unwrap();
    b.exclude_prefix(v4("192.0.2.0"), 31).unwrap();
    b.exclude_addr(v4("192.0.2.255"));
    b.exclude_prefix(v4("192.0.2.128"), 32).unwrap();
    let space = b.build().unwrap();
    assert_eq!(space.len(), 256 - 64 - 4);
    assert_eq!(
        ranges(&space),
        [
            pair("192.0.2.2", "192.0.2.63"),
            pair("192.0.2.129", "192.0.2.254")
        ]
    );
    assert_eq!(space.index_of(v4("192.0.2.64")), None);
    assert_eq!(space.index_of(v4("192.0.2.129")), Some(62));
}

#[test]
fn exclude_reaching_the_end_of_the_address_space() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v6("ffff:ffff:ffff:ffff::"), 64).unwrap();
    b.exclude_prefix(v6("ffff:ffff:ffff:ffff:8000::"), 65)
        .unwrap();
    b.exclude_prefix(v6("::"), 0).unwrap();
    assert_eq!(b.build(), Err(TargetError::Empty));

    let mut b = TargetSpace::builder();
    b.add_prefix(v6("ffff:ffff:ffff:ffff::"), 64).unwrap();
    b.exclude_prefix(v6("ffff:ffff:ffff:ffff:8000::"), 65)
        .unwrap();
    let space = b.build().unwrap();
    assert_eq!(space.len(), 1 << 63);
    let last = v6("ffff:ffff:ffff:ffff:7fff:ffff:ffff:ffff");
    assert_eq!(space.index_of(last), Some((1 << 63) - 1));
}

#[test]
fn index_round_trip_over_mixed_families() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v6("2001:db8:1::"), 120).unwrap();
    b.add_prefix(v4("203.0.113.0"), 28).unwrap();
    b.add_addr(v6("2001:db8::1"));
    b.add_prefix(v4("198.51.100.0"), 29).unwrap();
    b.exclude_addr(v4("198.51.100.3"));
    let space = b.build().unwrap();
    let n = u64::try_from(space.len()).unwrap();
    assert_eq!(n, 7 + 16 + 1 + 256);
    assert_eq!(space.addr_at(0), Some(v4("198.51.100.0")));
    assert_eq!(space.addr_at(7), Some(v4("203.0.113.0")));
    assert_eq!(space.addr_at(23), Some(v6("2001:db8::1")));
    assert_eq!(space.addr_at(24), Some(v6("2001:db8:1::")));
    for index in 0..n {
        let a = space.addr_at(index).unwrap();
        assert_eq!(space.index_of(a), Some(index), "{a}");
    }
}

#[test]
fn a_whole_slash_64_is_numbered() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v6("2001:db8::"), 64).unwrap();
    let space = b.build().unwrap();
    assert_eq!(space.len(), 1 << 64);
    let last = v6("2001:db8::ffff:ffff:ffff:ffff");
    assert_eq!(space.index_of(last), Some(u64::MAX));
    assert_eq!(space.addr_at(u64::MAX), Some(last));
}

#[test]
fn errors_and_their_text() {
    let mut b = TargetSpace::builder();
    let e = b.add_prefix(v6("2001:db8::"), 48).unwrap_err();
    assert_eq!(
        e.to_string(),
        "2001:db8::/48: IPv6 prefixes shorter than /64 hold more than 2^64 addresses; \
         give /64 or longer or a list"
    );
    let e = b.add_prefix(v4("192.0.2.0"), 33).unwrap_err();
    assert_eq!(
        e.to_string(),
        "192.0.2.0/33: the prefix length is above 32, the bits of an IPv4 address"
    );
    let e = b.exclude_prefix(v6("2001:db8::"), 129).unwrap_err();
    assert_eq!(
        e.to_string(),
        "2001:db8::/129: the prefix length is above 128, the bits of an IPv6 address"
    );

    assert_eq!(b.build(), Err(TargetError::Empty));
    assert_eq!(
        TargetError::Empty.to_string(),
        "no address to sweep: the targets are empty once the excludes are removed"
    );

    b.add_prefix(v4("0.0.0.0"), 0).unwrap();
    let e = b.build().unwrap_err();
    assert_eq!(e, TargetError::Everything);
    assert_eq!(
        e.to_string(),
        "the targets cover all of IPv4 (0.0.0.0/0); give --force to sweep every address"
    );
    b.allow_everything(true);
    b.exclude_prefix(v4("10.0.0.0"), 8).unwrap();
    let space = b.build().unwrap();
    assert_eq!(space.len(), (1 << 32) - (1 << 24));

    let mut b = TargetSpace::builder();
    b.add_prefix(v6("2001:db8::"), 64).unwrap();
    b.add_addr(v4("192.0.2.3"));
    let e = b.build().unwrap_err();
    assert_eq!(
        e,
        TargetError::TooMany {
            size: (1 << 64) + 1
        }
    );
    assert_eq!(
        e.to_string(),
        "the targets hold 18446744073709551617 addresses; one sweep enumerates at most 2^64"
    );
}

#[test]
fn two_halves_of_ipv4_are_everything_too() {
    let mut b = TargetSpace::builder();
    b.add_prefix(v4("0.0.0.0"), 1).unwrap();
    b.add_prefix(v4("128.0.0.0"), 1).unwrap();
    assert_eq!(b.build(), Err(TargetError::Everything));
}
