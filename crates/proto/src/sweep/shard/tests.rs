use super::*;

/// The positions of an order of `len` that `shard` walks, by
/// `first`/`next_after` (as the sweep walks them).
fn walked(shard: Shard, len: u64) -> Vec<u64> {
    let mut positions = Vec::new();
    let mut at = shard.first(len);
    while let Some(p) = at {
        positions.push(p);
        at = shard.next_after(p, len);
    }
    positions
}

#[test]
fn shards_split_every_order_into_disjoint_parts_that_cover_it() {
    for len in [1u64, 2, 3, 5, 7, 10, 64, 97, 1000] {
        for count in [1u64, 2, 3, 7, 16, len, len + 1, len + 5] {
            let mut owner = vec![None; usize::try_from(len).unwrap()];
            let mut total = 0;
            for index in 0..count {
                let shard = Shard::new(index, count).unwrap();
                let positions = walked(shard, len);
                assert_eq!(
                    positions.len() as u64,
                    shard.len_of(len),
                    "{shard} of {len}"
                );
                total += shard.len_of(len);
                for p in positions {
                    assert!(shard.holds(p));
                    let slot = &mut owner[usize::try_from(p).unwrap()];
                    assert_eq!(*slot, None, "{len}: position {p} in two shards");
                    *slot = Some(index);
                }
            }
            assert_eq!(total, len, "{count} shards of {len}");
            assert!(owner.iter().all(Option::is_some), "{count} shards of {len}");
        }
    }
}

#[test]
fn shards_are_as_even_as_can_be() {
    // 10 in 3: 4, 3, 3 (zmap's split too).
    let sizes: Vec<u64> = (0..3)
        .map(|i| Shard::new(i, 3).unwrap().len_of(10))
        .collect();
    assert_eq!(sizes, [4, 3, 3]);
    // More shards than positions: the last ones are empty.
    let shard = Shard::new(5, 7).unwrap();
    assert_eq!((shard.len_of(3), shard.first(3)), (0, None));
    assert_eq!(Shard::WHOLE.len_of(u64::MAX), u64::MAX);
}

#[test]
fn a_step_past_the_largest_position_ends_the_walk() {
    let shard = Shard::new(u64::MAX - 1, u64::MAX).unwrap();
    assert_eq!(shard.first(u64::MAX), Some(u64::MAX - 1));
    assert_eq!(shard.next_after(u64::MAX - 1, u64::MAX), None);
    assert_eq!(shard.len_of(u64::MAX), 1);
}

#[test]
fn shards_read_and_write_as_i_of_n() {
    let shard: Shard = "2/7".parse().unwrap();
    assert_eq!((shard.index(), shard.count()), (2, 7));
    assert_eq!(shard.to_string(), "2/7");
    assert!(!shard.is_whole());
    assert_eq!("0/1".parse::<Shard>(), Ok(Shard::WHOLE));
    assert!(Shard::default().is_whole());
    assert_eq!(
        "18446744073709551614/18446744073709551615"
            .parse::<Shard>()
            .map(Shard::index),
        Ok(u64::MAX - 1)
    );
}

#[test]
fn bad_shards_say_what_is_wrong() {
    assert_eq!(
        "3/3".parse::<Shard>(),
        Err(ShardError::IndexTooLarge { index: 3, count: 3 })
    );
    assert_eq!("0/0".parse::<Shard>(), Err(ShardError::NoShards));
    for text in [
        "",
        "1",
        "1/",
        "/3",
        "a/3",
        "1/b",
        "-1/3",
        "+1/3",
        " 1/3",
        "1/3/4",
        "1.0/3",
        "1/99999999999999999999",
    ] {
        assert_eq!(
            text.parse::<Shard>(),
            Err(ShardError::Malformed {
                text: text.to_owned()
            }),
            "{text:?}"
        );
    }
    assert_eq!(
        ShardError::IndexTooLarge { index: 3, count: 3 }.to_string(),
        "shard 3 is not one of 3: the index is from 0 to 2 (numbered from 0, as zmap's)"
    );
    assert!(
        ShardError::Malformed { text: "x".into() }
            .to_string()
            .contains("e.g. 0/3")
    );
}
