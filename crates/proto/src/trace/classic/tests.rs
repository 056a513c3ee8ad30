use super::*;

use std::net::IpAddr;

use icmpkit_wire::IpVersion;

use crate::trace::Outcome;
use crate::trace::testing::{answer, hop, reached, v4};

const DST: u8 = 99;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(max_ttl: u8, probes_per_hop: u8, in_flight: usize) -> TraceConfig {
    TraceConfig {
        first_ttl: 1,
        max_ttl,
        probes_per_hop,
        in_flight,
        wait: Wait {
            max: Duration::from_secs(5),
            here: 3.0,
            near: 10.0,
        },
        send_interval: Duration::ZERO,
        hop_burst: 6,
        hop_interval: ms(20),
        flow: 7,
    }
}

/// Sends every probe that may go at `now`.
fn send_all(trace: &mut Trace, now: Instant) -> Vec<ProbeSpec> {
    std::iter::from_fn(|| trace.next_probe(now)).collect()
}

/// A reported hop: its TTL, who answered each probe (`None`: lost), and
/// the rate-limit flag.
type Reported = (u8, Vec<Option<IpAddr>>, bool);

/// Every hop [`Trace::next_hop`] reports now.
fn reported(trace: &mut Trace) -> Vec<Reported> {
    let mut out = Vec::new();
    while let Some(h) = trace.next_hop() {
        let probes = h
            .probes
            .iter()
            .map(|p| match p {
                ProbeState::Answered(a) => Some(a.from),
                ProbeState::Lost => None,
                other => panic!("a reported probe is {other:?}"),
            })
            .collect();
        out.push((h.ttl, probes, h.possibly_rate_limited));
    }
    out
}

/// The answer the simple path gives at `ttl` (routers `192.0.2.ttl`, the
/// destination at `dst_ttl`), `ttl` ms after sending.
fn path_answer(ttl: u8, dst_ttl: u8) -> Answer {
    if ttl >= dst_ttl {
        reached(v4(DST), u64::from(ttl))
    } else {
        hop(v4(ttl), u64::from(ttl))
    }
}

fn all(ttl: u8, n: usize) -> (u8, Vec<Option<IpAddr>>, bool) {
    (ttl, vec![Some(v4(ttl)); n], false)
}

#[test]
fn four_hops_all_answering() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(8, 3, 30));
    let probes = send_all(&mut trace, t0);
    assert_eq!(probes.len(), 24);
    for (i, p) in probes.iter().enumerate() {
        assert_eq!(usize::from(p.number), i);
        assert_eq!(usize::from(p.ttl), 1 + i / 3);
        assert_eq!(p.flow, 7);
    }
    assert_eq!(trace.next_hop(), None);
    for p in probes.iter().filter(|p| p.ttl <= 4) {
        assert!(trace.on_answer(p.number, path_answer(p.ttl, 4)));
    }
    assert!(!trace.is_done());
    let hops = reported(&mut trace);
    assert_eq!(
        hops,
        vec![
            all(1, 3),
            all(2, 3),
            all(3, 3),
            (4, vec![Some(v4(DST)); 3], false)
        ]
    );
    assert!(trace.is_done());
    assert_eq!(trace.final_ttl(), Some(4));
    assert_eq!(trace.next_wakeup(t0), None);
    // Probes past the destination were dropped; their answers are late.
    for index in 12..24 {
        assert_eq!(trace.probes[index], ProbeState::Dropped);
    }
    assert!(!trace.on_answer(15, path_answer(6, 4)));
    assert!(!trace.on_answer(500, path_answer(6, 4)));
    assert_eq!(
        trace.counters(),
        Counters {
            sent: 24,
            answered: 12,
            duplicates: 0,
            late: 1,
        }
    );
}

#[test]
fn out_of_order_and_duplicate_answers() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(4, 2, 16));
    let probes = send_all(&mut trace, t0);
    assert_eq!(probes.len(), 8);
    let answer_ttl = |trace: &mut Trace, ttl: u8| {
        for p in probes.iter().filter(|p| p.ttl == ttl) {
            assert!(trace.on_answer(p.number, path_answer(ttl, 4)));
        }
    };
    answer_ttl(&mut trace, 3);
    assert_eq!(trace.next_hop(), None, "hop 1 comes first");
    answer_ttl(&mut trace, 2);
    assert_eq!(trace.next_hop(), None, "hop 1 comes first");
    answer_ttl(&mut trace, 1);
    assert_eq!(reported(&mut trace), vec![all(1, 2), all(2, 2), all(3, 2)]);

    // A second answer to probe 2 (TTL 2) is counted, not taken.
    assert!(!trace.on_answer(2, hop(v4(42), 500)));
    assert_eq!(trace.counters().duplicates, 1);
    match &trace.probes[2] {
        ProbeState::Answered(a) => assert_eq!((a.from, a.rtt), (v4(2), ms(2))),
        other => panic!("{other:?}"),
    }
    answer_ttl(&mut trace, 4);
    assert_eq!(
        reported(&mut trace),
        vec![(4, vec![Some(v4(DST)); 2], false)]
    );
    assert!(trace.is_done());
    assert_eq!(
        trace.counters(),
        Counters {
            sent: 8,
            answered: 8,
            duplicates: 1,
            late: 0,
        }
    );
}

fn admin_prohibited() -> Outcome {
    Outcome::Unreachable {
        version: IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    }
}

#[test]
fn an_unreachable_router_ends_the_trace() {
    let t0 = Instant::now();
    // Everything in flight: the unreachable drops the probes sent past it.
    let mut trace = Trace::new(config(6, 3, 30));
    let probes = send_all(&mut trace, t0);
    assert_eq!(probes.len(), 18);
    assert!(trace.on_answer(7, answer(v4(3), 3, admin_prohibited())));
    assert_eq!(trace.final_ttl(), Some(3));
    for index in 9..18 {
        assert_eq!(trace.probes[index], ProbeState::Dropped, "probe {index}");
    }
    for number in [0, 1, 2, 3, 4, 5] {
        let ttl = probes[number].ttl;
        assert!(trace.on_answer(probes[number].number, path_answer(ttl, 9)));
    }
    assert!(trace.on_answer(6, answer(v4(3), 3, admin_prohibited())));
    assert!(trace.on_answer(8, answer(v4(3), 3, admin_prohibited())));
    // The destination's answers to probes past it come late.
    assert!(!trace.on_answer(12, reached(v4(DST), 5)));
    assert!(!trace.on_answer(17, reached(v4(DST), 6)));
    let hops = reported(&mut trace);
    assert_eq!(hops.len(), 3);
    assert_eq!(hops[2], (3, vec![Some(v4(3)); 3], false));
    assert!(trace.is_done());
    assert_eq!(trace.counters().late, 2);
    assert_eq!(trace.counters().answered, 9);

    // With few in flight, nothing past the end is ever sent.
    let mut trace = Trace::new(config(6, 3, 9));
    assert_eq!(send_all(&mut trace, t0).len(), 9);
    assert!(trace.on_answer(6, answer(v4(3), 3, admin_prohibited())));
    assert_eq!(trace.next_probe(t0 + ms(10)), None);
    assert_eq!(trace.counters().sent, 9);
}

#[test]
fn the_destination_answering_a_lower_ttl_moves_the_end_down() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(8, 2, 12));
    let probes = send_all(&mut trace, t0);
    assert_eq!(probes.len(), 12, "TTLs 1 to 6");
    // The destination answers TTL 5's probe first: TTL 6 is dropped ...
    assert!(trace.on_answer(8, reached(v4(DST), 9)));
    assert_eq!(trace.final_ttl(), Some(5));
    assert_eq!(trace.end, 10);
    assert!(!trace.on_answer(11, reached(v4(DST), 9)));
    assert_eq!(trace.counters().late, 1);
    // ... then TTL 4's, later: it is 4 hops away.
    assert!(trace.on_answer(6, reached(v4(DST), 40)));
    assert_eq!(trace.final_ttl(), Some(4));
    assert_eq!(trace.end, 8);
    assert_eq!(trace.probes[8], ProbeState::Dropped);
    for p in &probes[..8] {
        if p.number != 6 {
            assert!(trace.on_answer(p.number, path_answer(p.ttl, 4)));
        }
    }
    let hops = reported(&mut trace);
    assert_eq!(hops.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(hops[3], (4, vec![Some(v4(DST)); 2], false));
    assert!(trace.is_done());
    assert_eq!(trace.next_probe(t0 + ms(50)), None);
}

#[test]
fn wait_timeouts() {
    let wait = config(1, 1, 1).wait;
    assert_eq!(wait.timeout(None, None), Duration::from_secs(5));
    // HERE × (10 ms + 1 ms), even with a near answer.
    assert_eq!(wait.timeout(Some(ms(10)), Some(ms(1))), ms(33));
    assert_eq!(wait.timeout(None, Some(ms(30))), ms(310));
    // Never past MAX.
    assert_eq!(
        wait.timeout(Some(Duration::from_secs(2)), None),
        Duration::from_secs(5)
    );
    let off = Wait {
        here: 0.0,
        near: 0.0,
        ..wait
    };
    assert_eq!(
        off.timeout(Some(ms(10)), Some(ms(10))),
        Duration::from_secs(5)
    );
    let near_only = Wait { here: 0.0, ..wait };
    assert_eq!(near_only.timeout(Some(ms(10)), Some(ms(4))), ms(50));
    // A factor no Duration can hold (`-w 5,1e300`) is MAX, not a panic.
    let huge = Wait {
        here: 1e300,
        ..wait
    };
    assert_eq!(huge.timeout(Some(ms(10)), None), Duration::from_secs(5));
}

#[test]
fn silent_hops_are_given_up_after_here_and_near() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(5, 3, 30));
    let probes = send_all(&mut trace, t0);
    assert_eq!(probes.len(), 15);
    // Hop 1 answers one probe in 10 ms; hop 2 is silent; hop 3 answers in
    // 30 ms, hop 4 is the destination (40 ms).
    assert!(trace.on_answer(0, hop(v4(1), 10)));
    for number in 6..9 {
        assert!(trace.on_answer(number, hop(v4(3), 30)));
    }
    for number in 9..12 {
        assert!(trace.on_answer(number, reached(v4(DST), 40)));
    }
    let now = t0 + ms(40);
    // Hop 1's other probes: HERE = 3 × 11 ms.
    assert_eq!(trace.next_wakeup(now), Some(t0 + ms(33)));
    trace.expire(t0 + ms(32));
    assert!(matches!(trace.probes[1], ProbeState::Sent { .. }));
    trace.expire(now);
    assert_eq!(trace.probes[1], ProbeState::Lost);
    assert_eq!(trace.probes[2], ProbeState::Lost);
    // Hop 1 is reported: some lost while later hops answered.
    assert_eq!(
        reported(&mut trace),
        vec![(1, vec![Some(v4(1)), None, None], true)]
    );
    // Hop 2: NEAR = 10 × (30 ms + 1 ms), not MAX.
    assert_eq!(trace.next_wakeup(now), Some(t0 + ms(310)));
    trace.expire(t0 + ms(309));
    assert_eq!(reported(&mut trace), vec![]);
    trace.expire(t0 + ms(310));
    assert_eq!(
        reported(&mut trace),
        vec![
            (2, vec![None; 3], false),
            all(3, 3),
            (4, vec![Some(v4(DST)); 3], false)
        ]
    );
    assert!(trace.is_done());
    assert_eq!(trace.next_wakeup(t0 + ms(310)), None);
}

#[test]
fn a_hop_with_no_neighbour_answering_waits_max() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(2, 1, 4));
    assert_eq!(send_all(&mut trace, t0).len(), 2);
    assert_eq!(trace.next_wakeup(t0), Some(t0 + Duration::from_secs(5)));
    trace.expire(t0 + ms(4999));
    assert_eq!(trace.next_hop(), None);
    trace.expire(t0 + Duration::from_secs(5));
    let hops = reported(&mut trace);
    // All lost, or lost with nothing after: no rate limit suspected.
    assert_eq!(hops, vec![(1, vec![None], false), (2, vec![None], false)]);
    assert!(trace.is_done());
    assert_eq!(trace.final_ttl(), None);
}

#[test]
fn rate_limit_is_not_suspected_without_a_later_answer() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(3, 2, 30));
    send_all(&mut trace, t0);
    // Hop 1 all lost, hop 2 half answered, hop 3 answered.
    assert!(trace.on_answer(2, hop(v4(2), 2)));
    assert!(trace.on_answer(4, reached(v4(DST), 3)));
    assert!(trace.on_answer(5, reached(v4(DST), 3)));
    trace.expire(t0 + Duration::from_secs(5));
    assert_eq!(
        reported(&mut trace),
        vec![
            (1, vec![None, None], false),
            (2, vec![Some(v4(2)), None], true),
            (3, vec![Some(v4(DST)); 2], false),
        ]
    );
    // The last hop half answered: nothing later, no suspicion.
    let mut trace = Trace::new(config(2, 2, 30));
    send_all(&mut trace, t0);
    assert!(trace.on_answer(0, hop(v4(1), 2)));
    assert!(trace.on_answer(1, hop(v4(1), 2)));
    assert!(trace.on_answer(2, hop(v4(2), 2)));
    trace.expire(t0 + Duration::from_secs(5));
    assert_eq!(
        reported(&mut trace),
        vec![all(1, 2), (2, vec![Some(v4(2)), None], false)]
    );
}

#[test]
fn the_in_flight_window_limits_sends() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(10, 3, 4));
    let first = send_all(&mut trace, t0);
    assert_eq!(
        first.iter().map(|p| (p.number, p.ttl)).collect::<Vec<_>>(),
        [(0, 1), (1, 1), (2, 1), (3, 2)]
    );
    // Full: the next wakeup is the first timeout.
    assert_eq!(trace.next_wakeup(t0), Some(t0 + Duration::from_secs(5)));
    assert!(trace.on_answer(1, hop(v4(1), 5)));
    let now = t0 + ms(5);
    assert_eq!(trace.next_wakeup(now), Some(now));
    let more = send_all(&mut trace, now);
    assert_eq!(
        more.iter().map(|p| p.number).collect::<Vec<_>>(),
        [4],
        "one answer frees one slot"
    );
    // Losing probes frees slots too (HERE: 3 × 6 ms for hop 1).
    trace.expire(t0 + ms(18));
    assert_eq!(send_all(&mut trace, t0 + ms(18)).len(), 2);
    assert_eq!(trace.counters().sent, 7);
}

#[test]
fn the_send_interval_spaces_all_probes() {
    let t0 = Instant::now();
    let mut cfg = config(3, 3, 30);
    cfg.send_interval = ms(50);
    let mut trace = Trace::new(cfg);
    assert_eq!(send_all(&mut trace, t0).len(), 1);
    assert_eq!(trace.next_wakeup(t0 + ms(1)), Some(t0 + ms(50)));
    assert_eq!(trace.next_probe(t0 + ms(49)), None);
    assert_eq!(trace.next_probe(t0 + ms(50)).map(|p| p.number), Some(1));
}

#[test]
fn per_hop_pacing_holds_the_third_probe() {
    let t0 = Instant::now();
    let mut cfg = config(2, 4, 30);
    cfg.hop_burst = 2;
    cfg.hop_interval = ms(20);
    let mut trace = Trace::new(cfg);
    let burst = send_all(&mut trace, t0);
    assert_eq!(burst.iter().map(|p| p.number).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(trace.next_probe(t0 + ms(19)), None);
    assert_eq!(trace.next_wakeup(t0 + ms(5)), Some(t0 + ms(20)));
    assert_eq!(trace.next_probe(t0 + ms(20)).map(|p| p.number), Some(2));
    // After the burst, one per interval: the 4th waits another 20 ms.
    assert_eq!(trace.next_probe(t0 + ms(20)), None);
    assert_eq!(trace.next_wakeup(t0 + ms(20)), Some(t0 + ms(40)));
    assert_eq!(trace.next_probe(t0 + ms(40)).map(|p| p.number), Some(3));
    // Hop 2 has its own burst.
    let next = send_all(&mut trace, t0 + ms(40));
    assert_eq!(
        next.iter().map(|p| (p.number, p.ttl)).collect::<Vec<_>>(),
        [(4, 2), (5, 2)]
    );
    // A long rest gives a full burst back.
    let mut trace = Trace::new(cfg);
    assert_eq!(send_all(&mut trace, t0).len(), 2);
    let numbers = |probes: Vec<ProbeSpec>| probes.iter().map(|p| p.number).collect::<Vec<_>>();
    // Two intervals of rest: two probes back to back (then hop 2's).
    assert_eq!(numbers(send_all(&mut trace, t0 + ms(40))), [2, 3, 4, 5]);
    let mut cfg = config(1, 6, 30);
    cfg.hop_burst = 3;
    let mut trace = Trace::new(cfg);
    assert_eq!(numbers(send_all(&mut trace, t0)), [0, 1, 2]);
    // One interval: one probe; a fraction of one: none.
    assert_eq!(numbers(send_all(&mut trace, t0 + ms(25))), [3]);
    assert_eq!(numbers(send_all(&mut trace, t0 + ms(44))), []);
    assert_eq!(numbers(send_all(&mut trace, t0 + ms(45))), [4]);
}

#[test]
fn a_filter_answering_for_the_destination_is_not_reaching_it() {
    let t0 = Instant::now();
    let mut trace = Trace::new(config(6, 1, 30));
    send_all(&mut trace, t0);
    assert!(trace.on_answer(0, hop(v4(1), 1)));
    // The destination's own firewall rejects the probe: !X from it.
    assert!(trace.on_answer(1, answer(v4(DST), 2, admin_prohibited())));
    assert_eq!(trace.final_ttl(), Some(2));
    assert!(!trace.reached(v4(DST)));
    // Its Port Unreachable, Echo Reply or RST is.
    let mut trace = Trace::new(config(6, 1, 30));
    send_all(&mut trace, t0);
    assert!(trace.on_answer(1, reached(v4(DST), 2)));
    assert!(trace.reached(v4(DST)));
    // A Port Unreachable from another node is not.
    let mut trace = Trace::new(config(6, 1, 30));
    send_all(&mut trace, t0);
    assert!(trace.on_answer(1, reached(v4(7), 2)));
    assert_eq!(trace.final_ttl(), Some(2));
    assert!(!trace.reached(v4(DST)));
}
