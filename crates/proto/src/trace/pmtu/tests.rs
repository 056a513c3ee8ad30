use super::*;

use icmpkit_wire::IpVersion;

use crate::trace::testing::{answer, v4};

const DST: u8 = 99;
const WAIT: Duration = Duration::from_secs(1);

fn config(initial_size: usize) -> PmtuConfig {
    PmtuConfig {
        first_ttl: 1,
        max_ttl: 30,
        initial_size,
        small_size: 576,
        wait: WAIT,
        tries: 2,
        flow: 3,
    }
}

fn frag_needed(mtu: u32) -> Outcome {
    Outcome::Unreachable {
        version: IpVersion::V4,
        msg_type: 3,
        code: 4,
        mtu: Some(mtu),
    }
}

/// Who answers a probe of `size` bytes at `ttl`, and how (`None`: lost).
type Net = dyn Fn(u8, usize) -> Option<(IpAddr, Outcome)>;

/// What a walk did: the probes (ttl, size) in order.
struct Walk {
    pmtu: Pmtu,
    probes: Vec<(u8, usize)>,
}

/// Walks to the end: sends larger than `local_mtu` fail locally, lost
/// probes expire after the wait.
fn walk(config: PmtuConfig, local_mtu: usize, net: &Net) -> Walk {
    walk_from(Pmtu::new(config), local_mtu, net)
}

/// [`walk`] from `pmtu` as made.
fn walk_from(mut pmtu: Pmtu, local_mtu: usize, net: &Net) -> Walk {
    let mut now = Instant::now();
    let mut probes = Vec::new();
    for _ in 0..1000 {
        if pmtu.is_done() {
            assert_eq!(pmtu.next_wakeup(now), None);
            assert_eq!(pmtu.probes_sent(), probes.len() as u64);
            return Walk { pmtu, probes };
        }
        let Some((spec, size)) = pmtu.next_probe(now) else {
            panic!("not done, nothing out: a probe is due");
        };
        assert_eq!(spec.flow, 3);
        probes.push((spec.ttl, size));
        // One probe at a time.
        assert_eq!(pmtu.next_probe(now), None);
        if size > local_mtu {
            pmtu.on_local_mtu(spec.number, local_mtu);
            continue;
        }
        if let Some((from, outcome)) = net(spec.ttl, size) {
            assert!(pmtu.on_answer(spec.number, answer(from, 5, outcome)));
        } else {
            assert_eq!(pmtu.next_wakeup(now), Some(now + WAIT));
            pmtu.expire(now + Duration::from_millis(999));
            assert_eq!(pmtu.next_probe(now), None, "still waiting");
            now += WAIT;
            pmtu.expire(now);
        }
    }
    panic!("the walk did not end");
}

/// Routers `192.0.2.ttl` up to `dst_ttl - 1`, then the destination.
#[allow(clippy::unnecessary_wraps, reason = "what a simulated network returns")]
fn hop_or_dst(ttl: u8, dst_ttl: u8) -> Option<(IpAddr, Outcome)> {
    Some(if ttl >= dst_ttl {
        (v4(DST), Outcome::Reached)
    } else {
        (v4(ttl), Outcome::Hop)
    })
}

/// The steps as (ttl, who answered, size).
fn steps(pmtu: &Pmtu) -> Vec<(u8, Option<IpAddr>, usize)> {
    pmtu.steps()
        .iter()
        .map(|s| (s.ttl, s.answer.as_ref().map(|a| a.from), s.size))
        .collect()
}

#[test]
fn a_router_names_the_mtu() {
    // Hop 2's next link has an MTU of 1280.
    let net = |ttl: u8, size: usize| {
        if ttl >= 3 && size > 1280 {
            Some((v4(2), frag_needed(1280)))
        } else {
            hop_or_dst(ttl, 4)
        }
    };
    let w = walk(config(9000), 1500, &net);
    assert_eq!(
        w.pmtu.events(),
        [
            PmtuEvent::Local {
                ttl: 1,
                mtu: 1500,
                after: Duration::ZERO,
            },
            PmtuEvent::TooBig {
                ttl: 3,
                from: v4(2),
                mtu: 1280,
                rtt: Duration::from_millis(5),
            }
        ]
    );
    assert_eq!(
        steps(&w.pmtu),
        [
            (1, Some(v4(1)), 1500),
            (2, Some(v4(2)), 1500),
            (3, Some(v4(3)), 1280),
            (4, Some(v4(DST)), 1280),
        ]
    );
    assert_eq!(
        w.probes,
        [
            (1, 9000),
            (1, 1500),
            (2, 1500),
            (3, 1500),
            (3, 1280),
            (4, 1280)
        ]
    );
    assert_eq!(w.pmtu.pmtu(), 1280);
    assert!(w.pmtu.is_done());
}

#[test]
fn a_black_hole_is_found_by_search() {
    // Hop 2 drops packets over 1400 bytes without a word.
    let net = |ttl: u8, size: usize| {
        if ttl >= 3 && size > 1400 {
            None
        } else {
            hop_or_dst(ttl, 4)
        }
    };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(
        w.pmtu.events(),
        [PmtuEvent::BlackHole { ttl: 3, mtu: 1400 }]
    );
    assert_eq!(
        steps(&w.pmtu),
        [
            (1, Some(v4(1)), 1500),
            (2, Some(v4(2)), 1500),
            (3, Some(v4(3)), 1400),
            (4, Some(v4(DST)), 1400),
        ]
    );
    // One try at 1500, the small probe, two more at 1500 (not chance
    // loss), then the common MTUs between.
    assert_eq!(
        w.probes,
        [
            (1, 1500),
            (2, 1500),
            (3, 1500),
            (3, 576),
            (3, 1500),
            (3, 1500),
            (3, 1454),
            (3, 1454),
            (3, 1280),
            (3, 1380),
            (3, 1400),
            (3, 1400),
            (4, 1400),
        ]
    );
    assert_eq!(w.pmtu.pmtu(), 1400);
}

#[test]
fn a_too_big_after_a_black_hole_lowers_the_mtu_again() {
    // A black hole for sizes over 1400, and past hop 3 a router that
    // names 1280 for anything bigger.
    let net = |ttl: u8, size: usize| match (ttl, size) {
        (3.., 1401..) => None,
        (4.., 1281..) => Some((v4(3), frag_needed(1280))),
        _ => hop_or_dst(ttl, 5),
    };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(
        w.pmtu.events(),
        [
            PmtuEvent::BlackHole { ttl: 3, mtu: 1400 },
            PmtuEvent::TooBig {
                ttl: 4,
                from: v4(3),
                mtu: 1280,
                rtt: Duration::from_millis(5),
            }
        ]
    );
    assert_eq!(w.pmtu.pmtu(), 1280);
    assert_eq!(steps(&w.pmtu).last(), Some(&(5, Some(v4(DST)), 1280)));
}

#[test]
fn a_too_big_during_the_search_bounds_it() {
    // Over 1454 bytes vanish past hop 2; 1401 to 1454 get a Fragmentation
    // Needed naming 1400.
    let net = |ttl: u8, size: usize| match (ttl, size) {
        (3.., 1455..) => None,
        (3.., 1401..) => Some((v4(2), frag_needed(1400))),
        _ => hop_or_dst(ttl, 4),
    };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(
        w.pmtu.events(),
        [PmtuEvent::BlackHole { ttl: 3, mtu: 1400 }]
    );
    assert_eq!(
        &w.probes[2..],
        [
            (3, 1500),
            (3, 576),
            (3, 1500),
            (3, 1500),
            (3, 1454),
            (3, 1280),
            (3, 1380),
            (3, 1400),
            (3, 1400),
            (4, 1400)
        ]
    );
    assert_eq!(w.pmtu.pmtu(), 1400);
}

#[test]
fn a_silent_hop_is_a_star_and_the_walk_goes_on() {
    let net = |ttl: u8, _size: usize| if ttl == 2 { None } else { hop_or_dst(ttl, 4) };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(w.pmtu.events(), []);
    assert_eq!(
        steps(&w.pmtu),
        [
            (1, Some(v4(1)), 1500),
            (2, None, 1500),
            (3, Some(v4(3)), 1500),
            (4, Some(v4(DST)), 1500),
        ]
    );
    assert_eq!(w.pmtu.steps()[1].answer, None);
    // One big try, then the small one: two waits.
    assert_eq!(&w.probes[1..4], [(2, 1500), (2, 576), (3, 1500)]);
    assert_eq!(w.pmtu.pmtu(), 1500);
}

#[test]
fn the_walk_stops_at_the_max_ttl_and_at_unreachables() {
    let mut cfg = config(1500);
    cfg.max_ttl = 3;
    let w = walk(cfg, 1500, &|ttl, _| hop_or_dst(ttl, 10));
    assert_eq!(steps(&w.pmtu).len(), 3);
    assert!(w.pmtu.is_done());

    let prohibited = Outcome::Unreachable {
        version: IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    };
    let w = walk(config(1500), 1500, &move |ttl, _| {
        if ttl == 2 {
            Some((v4(2), prohibited))
        } else {
            hop_or_dst(ttl, 10)
        }
    });
    assert_eq!(
        steps(&w.pmtu),
        [(1, Some(v4(1)), 1500), (2, Some(v4(2)), 1500)]
    );
}

#[test]
fn answers_to_other_probes_are_ignored() {
    let t0 = Instant::now();
    let mut pmtu = Pmtu::new(config(1500));
    let (spec, size) = pmtu.next_probe(t0).unwrap();
    assert_eq!((spec.number, spec.ttl, size), (0, 1, 1500));
    assert!(!pmtu.on_answer(1, answer(v4(1), 1, Outcome::Hop)));
    pmtu.on_local_mtu(1, 1280);
    assert_eq!(pmtu.events(), []);
    assert!(pmtu.on_answer(0, answer(v4(1), 1, Outcome::Hop)));
    // A late second answer is not awaited either.
    assert!(!pmtu.on_answer(0, answer(v4(1), 1, Outcome::Hop)));
    assert_eq!(pmtu.next_wakeup(t0), Some(t0));
    let (spec, _) = pmtu.next_probe(t0).unwrap();
    assert_eq!((spec.number, spec.ttl), (1, 2));
}

#[test]
fn lost_big_probes_are_no_black_hole_when_the_next_big_one_passes() {
    // Hop 3's first two answers to big probes are lost (rate limiting,
    // loss), one before the small probe and one after; the small probe
    // and the next big one pass.
    let lost = std::cell::Cell::new(0);
    let net = move |ttl: u8, size: usize| {
        if ttl == 3 && size > 1000 && lost.get() < 2 {
            lost.set(lost.get() + 1);
            return None;
        }
        hop_or_dst(ttl, 4)
    };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(w.pmtu.events(), []);
    assert_eq!(w.pmtu.pmtu(), 1500);
    assert_eq!(
        &w.probes[2..],
        [(3, 1500), (3, 576), (3, 1500), (3, 1500), (4, 1500)]
    );
}

#[test]
fn a_too_big_naming_no_mtu_is_searched() {
    // A router older than RFC 1191 names MTU 0 for anything over 1400.
    let net = |ttl: u8, size: usize| match (ttl, size) {
        (3.., 1401..) => Some((v4(2), frag_needed(0))),
        _ => hop_or_dst(ttl, 4),
    };
    let w = walk(config(1500), 1500, &net);
    assert_eq!(
        w.pmtu.events(),
        [PmtuEvent::TooBig {
            ttl: 3,
            from: v4(2),
            mtu: 1400,
            rtt: Duration::from_millis(5),
        }]
    );
    assert_eq!(w.pmtu.pmtu(), 1400);
    assert_eq!(steps(&w.pmtu).last(), Some(&(4, Some(v4(DST)), 1400)));
}

#[test]
fn a_filter_answering_for_the_destination_is_not_reaching_it() {
    let prohibited = Outcome::Unreachable {
        version: IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    };
    for (outcome, reached) in [(prohibited, false), (Outcome::Reached, true)] {
        let net = move |ttl: u8, _size: usize| {
            Some(if ttl >= 3 {
                (v4(DST), outcome)
            } else {
                (v4(ttl), Outcome::Hop)
            })
        };
        let w = walk(config(1500), 1500, &net);
        assert!(w.pmtu.is_done());
        assert_eq!(w.pmtu.reached(v4(DST)), reached, "{outcome:?}");
    }
}

#[test]
fn the_wait_follows_the_slowest_answer_from_1_s_to_the_configured_most() {
    let t0 = Instant::now();
    let mut cfg = config(1500);
    cfg.wait = Duration::from_secs(2);
    let mut pmtu = Pmtu::new(cfg);
    // Nothing seen yet: tracepath's 1 s.
    assert_eq!(pmtu.probe_wait(), Duration::from_secs(1));
    let (spec, _) = pmtu.next_probe(t0).unwrap();
    assert_eq!(pmtu.next_wakeup(t0), Some(t0 + Duration::from_secs(1)));
    // Fast answers keep it at 1 s; a slow one makes it ten times that.
    assert!(pmtu.on_answer(spec.number, answer(v4(1), 30, Outcome::Hop)));
    assert_eq!(pmtu.probe_wait(), Duration::from_secs(1));
    let (spec, _) = pmtu.next_probe(t0).unwrap();
    assert!(pmtu.on_answer(spec.number, answer(v4(2), 150, Outcome::Hop)));
    assert_eq!(pmtu.probe_wait(), Duration::from_millis(1500));
    let (spec, _) = pmtu.next_probe(t0).unwrap();
    assert!(pmtu.on_answer(spec.number, answer(v4(3), 900, Outcome::Hop)));
    assert_eq!(pmtu.probe_wait(), Duration::from_secs(2));
    // A shorter configured wait is the most.
    cfg.wait = Duration::from_millis(300);
    assert_eq!(Pmtu::new(cfg).probe_wait(), Duration::from_millis(300));
}

#[test]
fn walks_start_at_the_largest_packet_of_the_family() {
    let v4 = PmtuConfig::for_version(IpVersion::V4, 1, 30, 30, WAIT, 0);
    let v6 = PmtuConfig::for_version(IpVersion::V6, 1, 30, 50, WAIT, 0);
    assert_eq!((v4.initial_size, v6.initial_size), (65_535, 65_575));
    assert_eq!((v4.small_size, v6.small_size), (68, 1280));
    // Loopback's MTU (65,536) lets the largest IPv4 packet through: the
    // path MTU is that packet's size, as tracepath says.
    let w = walk(PmtuConfig { flow: 3, ..v4 }, 65_536, &|ttl, _| {
        hop_or_dst(ttl, 1)
    });
    assert_eq!((w.pmtu.pmtu(), w.pmtu.events()), (65_535, &[][..]));
    let w = walk(PmtuConfig { flow: 3, ..v6 }, 65_536, &|ttl, _| {
        hop_or_dst(ttl, 1)
    });
    assert_eq!(w.pmtu.pmtu(), 65_536);
    assert_eq!(
        w.pmtu.events(),
        [PmtuEvent::Local {
            ttl: 1,
            mtu: 65_536,
            after: Duration::ZERO,
        }]
    );
}

#[test]
fn a_tracepath_restart_probes_the_ttl_of_a_local_refusal_again() {
    let w = walk_from(
        Pmtu::new(config(9000)).with_tracepath_restart(),
        1500,
        &|ttl, _| hop_or_dst(ttl, 3),
    );
    assert_eq!(
        w.probes,
        [(1, 9000), (1, 1500), (1, 1500), (2, 1500), (3, 1500)]
    );
    assert_eq!(
        steps(&w.pmtu),
        [
            (1, Some(v4(1)), 1500),
            (1, Some(v4(1)), 1500),
            (2, Some(v4(2)), 1500),
            (3, Some(v4(DST)), 1500),
        ]
    );
    // The destination as the first hop: reached twice, then the end.
    let w = walk_from(
        Pmtu::new(config(9000)).with_tracepath_restart(),
        1500,
        &|ttl, _| hop_or_dst(ttl, 1),
    );
    assert_eq!(
        steps(&w.pmtu),
        [(1, Some(v4(DST)), 1500), (1, Some(v4(DST)), 1500)]
    );
    // A router's Too Big starts no TTL over; without a local refusal
    // nothing is probed twice.
    let net = |ttl: u8, size: usize| {
        if ttl >= 2 && size > 1280 {
            Some((v4(1), frag_needed(1280)))
        } else {
            hop_or_dst(ttl, 3)
        }
    };
    let w = walk_from(Pmtu::new(config(1500)).with_tracepath_restart(), 1500, &net);
    assert_eq!(
        steps(&w.pmtu),
        [
            (1, Some(v4(1)), 1500),
            (2, Some(v4(2)), 1280),
            (3, Some(v4(DST)), 1280)
        ]
    );
}
