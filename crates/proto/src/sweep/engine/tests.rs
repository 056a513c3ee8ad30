use super::*;
use crate::sweep::{Shard, TargetSpaceBuilder};
use icmpkit_wire::{icmpv4, icmpv6};
use std::collections::{BTreeMap, BTreeSet};

const KEY: [u8; 16] = *b"end to end sweep";

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

fn space() -> TargetSpace {
    let mut b = TargetSpaceBuilder::default();
    b.add_prefix(v4("192.0.2.0"), 24).unwrap();
    b.add_prefix(v4("198.51.100.0"), 25).unwrap();
    b.exclude_addr(v4("192.0.2.255"));
    b.add_prefix(v6("2001:db8::"), 120).unwrap();
    b.add_addr(v6("2001:db8:1::1"));
    b.build().unwrap()
}

fn config(retries: u8) -> SweepConfig {
    SweepConfig {
        rate: Rate::PerSecond(10_000),
        retries,
        payload_len: 24,
        key: KEY,
        seed: None,
        shard: Shard::WHOLE,
        cooldown: Duration::from_secs(2),
    }
}

/// The ident, seq and payload of an Echo Request `build_probe` wrote.
fn parse_echo(addr: IpAddr, packet: &[u8]) -> (u16, u16, Vec<u8>) {
    match addr {
        IpAddr::V4(_) => match icmpv4::Repr::parse_bytes(packet).unwrap() {
            icmpv4::Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => (ident, seq_no, data.to_vec()),
            other => panic!("{other:?}"),
        },
        IpAddr::V6(_) => {
            match icmpv6::Repr::parse(&icmpv6::Packet::new_checked(packet).unwrap()).unwrap() {
                icmpv6::Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                } => (ident, seq_no, data.to_vec()),
                other => panic!("{other:?}"),
            }
        }
    }
}

/// A reply in flight: (arrival, from, ident, seq, data).
type Reply = (Instant, IpAddr, u16, u16, Vec<u8>);

/// Runs a sweep against a simulated network: each target answers after
/// `delay`; `drop_first(addr)` loses a target's first probe; `twice(addr)`
/// answers twice. Returns the sweep, the verdicts and the end time.
fn run(
    retries: u8,
    delay: Duration,
    drop_first: impl Fn(IpAddr) -> bool,
    twice: impl Fn(IpAddr) -> bool,
) -> (Sweep, Vec<ReplyVerdict>, Vec<(IpAddr, u8)>, Instant) {
    let start = Instant::now();
    let mut sweep = Sweep::new(space(), config(retries), start).unwrap();
    let mut now = start;
    let mut in_flight: Vec<Reply> = Vec::new();
    let mut verdicts = Vec::new();
    let mut sent = Vec::new();
    let mut batch = Vec::new();
    let mut buf = [0u8; 64];
    for _ in 0..100_000 {
        batch.clear();
        sweep.next_probes(now, 32, &mut batch);
        for &(addr, attempt) in &batch {
            let len = sweep.build_probe(now, addr, attempt, &mut buf);
            assert_eq!(len, 32);
            sent.push((addr, attempt));
            if attempt == 0 && drop_first(addr) {
                continue;
            }
            let (ident, seq, data) = parse_echo(addr, &buf[..len]);
            let copies = if twice(addr) { 2 } else { 1 };
            for _ in 0..copies {
                in_flight.push((now + delay, addr, ident, seq, data.clone()));
            }
        }
        in_flight.sort_by_key(|r| r.0);
        let due = in_flight.partition_point(|r| r.0 <= now);
        for (_, from, ident, seq, data) in in_flight.drain(..due) {
            verdicts.push(sweep.on_reply(now, from, ident, seq, &data, Some(64)));
        }
        // Wake for the next probe or reply, at least 100 µs later.
        let wake = sweep.next_wakeup(now);
        let next = match (wake, in_flight.first().map(|r| r.0)) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap(),
        };
        now = next.max(now + Duration::from_micros(100));
    }
    assert!(in_flight.is_empty());
    (sweep, verdicts, sent, now)
}

#[test]
fn finds_every_target_once() {
    let twice = |a: IpAddr| matches!(a, IpAddr::V4(v) if v.octets()[3] % 10 == 0);
    let (sweep, verdicts, sent, end) = run(1, Duration::from_millis(5), |_| false, twice);
    let space = space();
    let total = 255 + 128 + 256 + 1;
    assert_eq!(space.len(), total);
    let p = sweep.progress();
    // Everyone answered the first pass: no retry went out, and the sweep
    // ended with the last reply, before any cooldown.
    assert_eq!(sent.len(), 640);
    assert!(sent.iter().all(|&(_, attempt)| attempt == 0));
    let distinct: BTreeSet<IpAddr> = sent.iter().map(|s| s.0).collect();
    assert_eq!(distinct.len(), 640);
    // x.x.x.0, 10, ..., 250 in 192.0.2.0/24 (26) and .0 .. .120 in the /25 (13).
    let doubled = 26 + 13;
    assert_eq!(
        p,
        Progress {
            sent: 640,
            total: 640,
            replies: 640 + doubled,
            unique: 640,
            errors: 0,
            duplicates: doubled,
            invalid: 0,
            pass: 0,
        }
    );
    let mut found = BTreeMap::new();
    for v in &verdicts {
        if let ReplyVerdict::New(Responder {
            index,
            addr,
            attempt,
            rtt,
            ttl,
        }) = *v
        {
            assert_eq!(space.addr_at(index), Some(addr));
            assert_eq!(
                (attempt, rtt, ttl),
                (0, Some(Duration::from_millis(5)), Some(64))
            );
            assert!(found.insert(index, addr).is_none());
        }
    }
    assert_eq!(found.len(), 640);
    assert!(sweep.is_done(end));
    // 640 probes at 10,000 per second take 64 ms.
    let took = end.duration_since(sweep.start);
    assert!(
        took >= Duration::from_millis(63) && took <= Duration::from_millis(70),
        "{took:?}"
    );
}

#[test]
fn retries_go_only_to_the_silent_and_done_waits_for_cooldown() {
    let lost = |a: IpAddr| match a {
        IpAddr::V4(v) => v.octets()[3] % 7 == 0,
        IpAddr::V6(v) => v.octets()[15] % 7 == 0,
    };
    let (sweep, verdicts, sent, _) = run(2, Duration::from_millis(5), lost, |_| false);
    // 192.0.2.0/24 less .255: 0..=252 step 7 -> 37; /25: 0..=126 -> 19;
    // 2001:db8::/120: 37; 2001:db8:1::1: no.
    let lost_count = 37 + 19 + 37;
    let retried: Vec<&(IpAddr, u8)> = sent.iter().filter(|s| s.1 > 0).collect();
    assert_eq!(retried.len(), lost_count, "{retried:?}");
    assert!(
        retried
            .iter()
            .all(|&&(addr, attempt)| attempt == 1 && lost(addr))
    );
    let p = sweep.progress();
    assert_eq!(
        (p.sent, p.unique, p.replies, p.pass),
        (640 + 93, 640, 640, 1)
    );
    let attempts_1 = verdicts
        .iter()
        .filter(|v| matches!(v, ReplyVerdict::New(Responder { attempt: 1, .. })))
        .count();
    assert_eq!(attempts_1, lost_count);
}

#[test]
fn silent_targets_end_after_the_cooldown() {
    let start = Instant::now();
    let mut b = TargetSpaceBuilder::default();
    b.add_prefix(v4("192.0.2.0"), 30).unwrap();
    let mut cfg = config(1);
    cfg.rate = Rate::PerSecond(4);
    let mut sweep = Sweep::new(b.build().unwrap(), cfg, start).unwrap();
    let mut out = Vec::new();
    // Two passes of 4 at 4 per second, the second a cooldown (2 s) after
    // the first's last probe: sends at 0, 0.25, 0.5, 0.75, then 2.75 .. 3.5 s.
    let ms = |m: u64| start + Duration::from_millis(m);
    for at in [0, 250, 500, 750, 2750, 3000, 3250, 3500] {
        assert_eq!(
            sweep.next_probes(ms(at), 10, &mut out),
            1,
            "send at {at} ms"
        );
        assert!(!sweep.is_done(ms(at)));
        assert_eq!(sweep.next_probes(ms(at + 1), 10, &mut out), 0);
        if at == 750 {
            assert_eq!(sweep.next_wakeup(ms(751)), Some(ms(2750)));
            assert_eq!(sweep.next_probes(ms(2749), 10, &mut out), 0);
        }
    }
    let attempts: Vec<u8> = out.iter().map(|p| p.1).collect();
    assert_eq!(attempts, [0, 0, 0, 0, 1, 1, 1, 1]);
    assert_eq!(out[..4].iter().collect::<BTreeSet<_>>().len(), 4);
    assert_eq!(
        out[..4].iter().map(|p| p.0).collect::<Vec<_>>(),
        out[4..].iter().map(|p| p.0).collect::<Vec<_>>(),
        "the retry pass keeps the order"
    );
    let last = ms(3500);
    let end = last + Duration::from_secs(2);
    assert_eq!(sweep.next_wakeup(last), Some(end));
    assert!(!sweep.is_done(end.checked_sub(Duration::from_nanos(1)).unwrap()));
    assert!(sweep.is_done(end));
    assert_eq!(sweep.progress().sent, 8);
}

#[test]
fn invalid_replies_and_errors() {
    let start = Instant::now();
    let mut sweep = Sweep::new(space(), config(0), start).unwrap();
    let mut out = Vec::new();
    sweep.next_probes(start, 1, &mut out);
    let (target, _) = out[0];
    let mut buf = [0u8; 64];
    let len = sweep.build_probe(start, target, 0, &mut buf);
    let (ident, seq, data) = parse_echo(target, &buf[..len]);
    let now = start + Duration::from_millis(30);

    // From another address of the space, from outside it, altered.
    let other = if target == v4("192.0.2.3") {
        v4("192.0.2.2")
    } else {
        v4("192.0.2.3")
    };
    assert_eq!(
        sweep.on_reply(now, other, ident, seq, &data, None),
        ReplyVerdict::Invalid
    );
    assert_eq!(
        sweep.on_reply(now, v4("203.0.113.9"), ident, seq, &data, None),
        ReplyVerdict::Invalid
    );
    let mut bad = data.clone();
    bad[9] ^= 4;
    assert_eq!(
        sweep.on_reply(now, target, ident, seq, &bad, None),
        ReplyVerdict::Invalid
    );

    // An error from a router quoting the probe, then one quoting a forgery.
    let router = v4("192.0.2.254");
    let quoted = QuotedEcho {
        dst: target,
        ident,
        seq,
        data: &data,
    };
    let index = sweep.space().index_of(target).unwrap();
    assert_eq!(
        sweep.on_error(now, router, 3, 1, quoted),
        Some(ErrorVerdict {
            index,
            target,
            from: router,
            icmp_type: 3,
            code: 1,
            attempt: Some(0),
            rtt: Some(Duration::from_millis(30)),
        })
    );
    let forged = QuotedEcho {
        data: &bad,
        ..quoted
    };
    assert_eq!(sweep.on_error(now, router, 3, 1, forged), None);
    let short = QuotedEcho {
        data: &[],
        ..quoted
    };
    assert_eq!(
        sweep
            .on_error(now, router, 11, 0, short)
            .map(|e| (e.attempt, e.rtt)),
        Some((None, None))
    );
    assert!(!sweep.has_answered(index), "an error is not an answer");

    // The real reply, then a replay of it.
    assert!(matches!(
        sweep.on_reply(now, target, ident, seq, &data, None),
        ReplyVerdict::New(Responder { rtt: Some(_), .. })
    ));
    assert_eq!(
        sweep.on_reply(now, target, ident, seq, &data, None),
        ReplyVerdict::Duplicate {
            index,
            addr: target
        }
    );
    let p = sweep.progress();
    assert_eq!(
        (
            p.sent,
            p.replies,
            p.unique,
            p.errors,
            p.duplicates,
            p.invalid
        ),
        (1, 2, 1, 2, 1, 4)
    );

    // Another run's key: every one of its replies is invalid here.
    let mut cfg = config(0);
    cfg.key[0] ^= 1;
    let mut other_run = Sweep::new(space(), cfg, start).unwrap();
    assert_eq!(
        other_run.on_reply(now, target, ident, seq, &data, None),
        ReplyVerdict::Invalid
    );
}

#[test]
fn config_errors() {
    let start = Instant::now();
    let mut cfg = config(0);
    cfg.rate = Rate::PerSecond(0);
    let e = Sweep::new(space(), cfg, start).unwrap_err();
    assert_eq!(e.to_string(), "a rate of 0 probes per second sends nothing");
    let mut cfg = config(0);
    cfg.payload_len = 65_508;
    let e = Sweep::new(space(), cfg, start).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a payload of 65508 bytes is above the maximum of 65507"
    );
    let mut b = TargetSpaceBuilder::default();
    b.add_prefix(v6("2001:db8::"), 64).unwrap();
    let e = Sweep::new(b.build().unwrap(), config(0), start).unwrap_err();
    assert_eq!(
        e.to_string(),
        "18446744073709551616 targets: one sweep takes at most 8589934592 (2^33), \
         the addresses a 1 GiB duplicate bitmap covers"
    );
}

/// `n` addresses from 10.0.0.0 up, as single addresses (merged into one
/// range by the builder).
fn numbered_space(n: u32) -> TargetSpace {
    let mut b = TargetSpaceBuilder::default();
    for i in 0..n {
        b.add_addr(IpAddr::V4((0x0a00_0000 + i).into()));
    }
    b.build().unwrap()
}

fn shard_config(shard: Shard, retries: u8, key: [u8; 16]) -> SweepConfig {
    SweepConfig {
        rate: Rate::PerSecond(1_000_000),
        retries,
        payload_len: 16,
        key,
        seed: Some(0x5eed),
        shard,
        cooldown: Duration::from_millis(10),
    }
}

/// Runs `config` over `space` where nobody answers; every probe given, in
/// order, and the sweep at its end.
fn silent_run(space: &TargetSpace, config: SweepConfig) -> (Vec<(IpAddr, u8)>, Sweep) {
    let start = Instant::now();
    let mut sweep = Sweep::new(space.clone(), config, start).unwrap();
    let (mut now, mut sent) = (start, Vec::new());
    for _ in 0..1_000_000 {
        sweep.next_probes(now, 256, &mut sent);
        match sweep.next_wakeup(now) {
            None => return (sent, sweep),
            Some(at) => now = at.max(now + Duration::from_micros(1)),
        }
    }
    panic!("the sweep did not end");
}

#[test]
fn shards_are_disjoint_and_cover_the_space_exactly_in_every_pass() {
    let spaces = [
        numbered_space(1),
        numbered_space(2),
        numbered_space(10),
        numbered_space(97),
        // Merged ranges: overlapping prefixes, an exclude, IPv4 and IPv6.
        space(),
    ];
    for space in &spaces {
        let len = u64::try_from(space.len()).unwrap();
        let everything: BTreeSet<IpAddr> = (0..len).map(|i| space.addr_at(i).unwrap()).collect();
        // One sweep with the seed: the order every shard follows.
        let (whole, _) = silent_run(space, shard_config(Shard::WHOLE, 0, KEY));
        assert_eq!(whole.len() as u64, len);
        for count in [1, 2, 3, 7, len, len + 1, len + 4] {
            let mut covered = BTreeSet::new();
            let mut total = 0;
            for index in 0..count {
                let shard = Shard::new(index, count).unwrap();
                // Each shard its own per-run key: the seed alone picks the order.
                let key = [u8::try_from(index % 256).unwrap(); 16];
                let (sent, sweep) = silent_run(space, shard_config(shard, 2, key));
                let p = sweep.progress();
                assert_eq!(p.total, shard.len_of(len), "{shard} of {len}");
                assert_eq!(sweep.space_len(), len);
                assert_eq!(p.sent, 3 * p.total, "{shard} of {len}");
                total += p.total;
                // Every pass walks the same targets, in the shard's share of
                // the seeded order.
                let mine: Vec<IpAddr> = whole
                    .iter()
                    .skip(usize::try_from(index).unwrap_or(usize::MAX))
                    .step_by(usize::try_from(count).unwrap())
                    .map(|&(addr, _)| addr)
                    .collect();
                for attempt in 0..3 {
                    let pass: Vec<IpAddr> = sent
                        .iter()
                        .filter(|s| s.1 == attempt)
                        .map(|s| s.0)
                        .collect();
                    assert_eq!(pass, mine, "{shard} of {len}, pass {attempt}");
                }
                for addr in &mine {
                    assert!(covered.insert(*addr), "{addr} in two shards of {count}");
                    assert!(sweep.holds(space.index_of(*addr).unwrap()));
                }
            }
            assert_eq!(total, len, "{count} shards of {len}");
            assert_eq!(covered, everything, "{count} shards of {len}");
        }
    }
}

#[test]
fn the_seed_alone_picks_the_order() {
    let space = space();
    let order = |key, seed| {
        let config = SweepConfig {
            seed,
            ..shard_config(Shard::WHOLE, 0, key)
        };
        silent_run(&space, config).0
    };
    let seeded = order(KEY, Some(7));
    assert_eq!(seeded, order(*b"some other key!!", Some(7)));
    assert_ne!(seeded, order(KEY, Some(8)));
    // Without a seed the per-run key picks it.
    assert_ne!(order(KEY, None), order(*b"some other key!!", None));
    assert_eq!(order(KEY, None), order(KEY, None));
}

/// The reply `target` would send to `sweep`'s probe.
fn reply_to(sweep: &Sweep, now: Instant, target: IpAddr) -> (u16, u16, Vec<u8>) {
    let mut buf = [0u8; 64];
    let len = sweep.build_probe(now, target, 0, &mut buf);
    parse_echo(target, &buf[..len])
}

#[test]
fn a_shard_counts_only_its_own_targets_and_ends_when_they_all_answered() {
    let space = space();
    let start = Instant::now();
    let config = |shard, key| SweepConfig {
        cooldown: Duration::from_secs(5),
        ..shard_config(shard, 1, key)
    };
    let mut mine =
        Sweep::new(space.clone(), config(Shard::new(1, 3).unwrap(), KEY), start).unwrap();
    // Shard 0 runs on the same host at the same time, with a key of its own.
    let other = Sweep::new(
        space.clone(),
        config(Shard::new(0, 3).unwrap(), *b"shard zero's key"),
        start,
    )
    .unwrap();
    let mut sent = Vec::new();
    let mut now = start;
    while sent.len() < usize::try_from(mine.progress().total).unwrap() {
        mine.next_probes(now, 64, &mut sent);
        now += Duration::from_millis(1);
    }
    // Replies to shard 0's probes reach shard 1's socket too: not its own.
    let theirs = (0..640)
        .map(|i| space.addr_at(i).unwrap())
        .find(|a| other.holds(space.index_of(*a).unwrap()))
        .unwrap();
    let (ident, seq, data) = reply_to(&other, now, theirs);
    assert_eq!(
        mine.on_reply(now, theirs, ident, seq, &data, None),
        ReplyVerdict::Invalid
    );
    // Even a reply that validates with this shard's key (a forged one)
    // counts only for a target of the shard.
    let (ident, seq, data) = reply_to(&mine, now, theirs);
    assert_eq!(
        mine.on_reply(now, theirs, ident, seq, &data, None),
        ReplyVerdict::Invalid
    );
    assert_eq!(mine.progress().invalid, 2);
    for &(target, _) in &sent {
        assert!(mine.next_wakeup(now).is_some());
        let (ident, seq, data) = reply_to(&mine, now, target);
        assert!(matches!(
            mine.on_reply(now, target, ident, seq, &data, None),
            ReplyVerdict::New(_)
        ));
    }
    // Every target of the shard answered: done at once, no retry pass and
    // no cooldown, though two thirds of the space never answered.
    // Positions 1, 4, ..., 637 of 640.
    let p = mine.progress();
    assert_eq!((p.unique, p.total, p.sent), (213, 213, 213));
    assert_eq!(mine.next_wakeup(now), None);
}

#[test]
fn a_shard_with_no_target_is_done_at_once() {
    let start = Instant::now();
    let mut sweep = Sweep::new(
        numbered_space(3),
        shard_config(Shard::new(5, 7).unwrap(), 2, KEY),
        start,
    )
    .unwrap();
    let mut sent = Vec::new();
    assert_eq!(sweep.next_probes(start, 64, &mut sent), 0);
    assert_eq!(sweep.progress().total, 0);
    assert_eq!(sweep.next_wakeup(start), None);
}
