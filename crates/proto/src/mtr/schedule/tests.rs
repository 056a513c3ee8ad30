use std::time::{Duration, Instant};

use super::*;
use crate::machine::Signal;
use crate::trace::testing::{hop, reached, v4};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(rounds: Option<u64>) -> MtrConfig {
    MtrConfig {
        first_ttl: 1,
        max_ttl: 4,
        interval: ms(1000),
        timeout: ms(2000),
        flows: 1,
        first_flow: 0,
        rounds,
        burst_at_end: false,
    }
}

/// Every probe due by `now`: (number, ttl, flow).
fn due(m: &mut Mtr, now: Instant) -> Vec<(u16, u8, u16)> {
    std::iter::from_fn(|| m.next_probe(now))
        .map(|(s, size)| {
            assert_eq!(size, None);
            (s.number, s.ttl, s.flow)
        })
        .collect()
}

/// The four probes of round 0 of [`config`], sent from `t0` to
/// `t0 + 375 ms`.
fn round0(m: &mut Mtr, t0: Instant) {
    assert_eq!(due(m, t0).len(), 1);
    assert_eq!(due(m, t0 + ms(375)).len(), 3);
}

fn results(m: &mut Mtr) -> Vec<(u64, u8, bool)> {
    std::iter::from_fn(|| m.next_progress())
        .map(|MtrProgress::Probe(r)| (r.round, r.ttl, r.answer.is_some()))
        .collect()
}

#[test]
fn while_the_end_is_unknown_a_round_spreads_its_ttls_over_half_the_interval() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    // Four TTLs over 500 ms: one every 125 ms.
    assert_eq!(due(&mut m, t0), vec![(0, 1, 0)]);
    assert_eq!(m.next_wakeup(t0), Some(t0 + ms(125)));
    assert_eq!(due(&mut m, t0 + ms(124)), vec![]);
    assert_eq!(
        due(&mut m, t0 + ms(375)),
        vec![(1, 2, 0), (2, 3, 0), (3, 4, 0)]
    );
    // The next round starts one interval after the first.
    assert_eq!(m.next_wakeup(t0 + ms(375)), Some(t0 + ms(1000)));
    assert_eq!(due(&mut m, t0 + ms(1000)), vec![(4, 1, 0)]);
}

#[test]
fn the_destination_ends_the_rounds_at_its_ttl() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    round0(&mut m, t0);
    m.on_answer(0, hop(v4(11), 1));
    m.on_answer(1, reached(v4(9), 2));
    // TTLs 3 and 4 reach the destination too: the end stays at 2.
    m.on_answer(2, reached(v4(9), 2));
    assert_eq!(m.end_ttl(), Some(2));
    assert_eq!(
        results(&mut m),
        vec![(0, 1, true), (0, 2, true), (0, 3, true)]
    );
    // Round 1 probes TTLs 1 and 2 only, back to back.
    assert_eq!(due(&mut m, t0 + ms(999)), vec![]);
    assert_eq!(due(&mut m, t0 + ms(1000)), vec![(4, 1, 0), (5, 2, 0)]);
    assert_eq!(due(&mut m, t0 + ms(1999)), vec![]);
    // A router answering at TTL 2: the path grew, probe to the max again.
    m.on_answer(5, hop(v4(12), 2));
    assert_eq!(m.end_ttl(), None);
    assert_eq!(due(&mut m, t0 + ms(2500)).len(), 4);
}

#[test]
fn reached_means_the_destination_itself_answered() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    round0(&mut m, t0);
    // A Port Unreachable from another node ends the path, but is not the
    // destination answering.
    m.on_answer(1, reached(v4(7), 2));
    assert_eq!(m.end_ttl(), Some(2));
    assert!(!m.reached(v4(9)));
    m.on_answer(2, reached(v4(9), 3));
    assert!(m.reached(v4(9)));
}

#[test]
fn unanswered_probes_are_lost_when_their_wait_ends() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(Some(1)));
    round0(&mut m, t0);
    m.on_answer(3, reached(v4(9), 5));
    assert_eq!(results(&mut m), vec![(0, 4, true)]);
    assert!(!m.is_done());
    // The first probe left at t0, the others at t0 + 375 ms.
    assert_eq!(m.next_wakeup(t0 + ms(500)), Some(t0 + ms(2000)));
    m.expire(t0 + ms(2000));
    assert_eq!(results(&mut m), vec![(0, 1, false)]);
    assert_eq!(m.next_wakeup(t0 + ms(2000)), Some(t0 + ms(2375)));
    m.expire(t0 + ms(2375));
    assert_eq!(results(&mut m), vec![(0, 2, false), (0, 3, false)]);
    assert!(m.is_done());
    assert_eq!(m.next_wakeup(t0 + ms(2375)), None);
    // A late answer to a resolved probe counts for nothing.
    m.on_answer(0, hop(v4(11), 3000));
    assert_eq!(results(&mut m), vec![]);
    assert_eq!(
        m.summary(),
        MtrSummary {
            rounds: 1,
            sent: 4,
            answered: 1
        }
    );
}

#[test]
fn flows_take_turns_one_per_round() {
    let t0 = Instant::now();
    let mut m = Mtr::new(MtrConfig {
        flows: 3,
        first_flow: 10,
        max_ttl: 1,
        ..config(None)
    });
    let flows: Vec<u16> = (0..5)
        .flat_map(|r| due(&mut m, t0 + ms(1000 * r)))
        .map(|p| p.2)
        .collect();
    assert_eq!(flows, vec![10, 11, 12, 10, 11]);
}

#[test]
fn a_pause_stops_sending_and_a_resume_starts_a_round_at_once() {
    let t0 = Instant::now();
    let mut m = Mtr::new(MtrConfig {
        max_ttl: 1,
        ..config(None)
    });
    assert_eq!(due(&mut m, t0).len(), 1);
    m.on_signal(Signal::Pause, t0 + ms(10));
    assert_eq!(due(&mut m, t0 + ms(5000)), vec![]);
    // Only the wait of the probe in flight wakes the machine.
    assert_eq!(m.next_wakeup(t0 + ms(10)), Some(t0 + ms(2000)));
    m.on_signal(Signal::Resume, t0 + ms(5000));
    assert_eq!(due(&mut m, t0 + ms(5000)), vec![(1, 1, 0)]);
    assert_eq!(due(&mut m, t0 + ms(5999)), vec![]);
    assert_eq!(due(&mut m, t0 + ms(6000)), vec![(2, 1, 0)]);
}

#[test]
fn a_refused_probe_is_lost_and_the_run_goes_on() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    assert_eq!(due(&mut m, t0).len(), 1);
    assert!(m.on_send_failure(0, crate::errno::ENETUNREACH));
    assert_eq!(results(&mut m), vec![(0, 1, false)]);
    assert_eq!(due(&mut m, t0 + ms(125)).len(), 1);
}

#[test]
fn probe_numbers_cycle_below_the_prober_limit() {
    let t0 = Instant::now();
    let mut m = Mtr::new(MtrConfig {
        max_ttl: 1,
        interval: ms(1),
        timeout: ms(1),
        ..config(None)
    });
    let mut last = None;
    for i in 0..(MAX_PROBES as u64 + 2) {
        let now = t0 + ms(i);
        m.expire(now);
        let probes = due(&mut m, now);
        assert_eq!(probes.len(), 1);
        last = Some(probes[0].0);
        while m.next_progress().is_some() {}
    }
    // 65,535 probes: numbers 0..65533, then 0 and 1 again.
    assert_eq!(last, Some(1));
}

#[test]
fn a_round_ends_when_the_destination_answers_below_its_next_ttl() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    assert_eq!(due(&mut m, t0), vec![(0, 1, 0)]);
    assert_eq!(due(&mut m, t0 + ms(125)), vec![(1, 2, 0)]);
    m.on_answer(1, reached(v4(9), 1));
    // TTLs 3 and 4 of round 0 are not sent: round 1 comes next, its two
    // TTLs back to back.
    assert_eq!(due(&mut m, t0 + ms(999)), vec![]);
    assert_eq!(m.next_wakeup(t0 + ms(999)), Some(t0 + ms(1000)));
    assert_eq!(due(&mut m, t0 + ms(1000)), vec![(2, 1, 0), (3, 2, 0)]);
    assert_eq!(m.summary().sent, 4);
}

/// Every probe due by `now` with its burst: (ttl, burst).
fn due_bursts(m: &mut Mtr, now: Instant) -> Vec<(u8, Option<u32>)> {
    let mut out = Vec::new();
    while let Some((s, _)) = m.next_probe(now) {
        out.push((s.ttl, m.pending.get(&s.number).and_then(|p| p.burst)));
    }
    out
}

#[test]
fn a_burst_check_sends_each_hop_twenty_probes_at_fifty_a_second() {
    let t0 = Instant::now();
    let mut m = Mtr::new(config(None));
    round0(&mut m, t0);
    m.on_answer(2, reached(v4(9), 1));
    assert_eq!(m.end_ttl(), Some(3));
    m.on_signal(Signal::Burst, t0 + ms(400));
    // Burst probes go first, to TTLs 1 to 3 at once, every 20 ms.
    assert_eq!(
        due_bursts(&mut m, t0 + ms(400)),
        vec![(1, Some(1)), (2, Some(1)), (3, Some(1))]
    );
    assert_eq!(m.next_wakeup(t0 + ms(400)), Some(t0 + ms(420)));
    let mut sent = 3;
    for i in 1..20 {
        sent += due_bursts(&mut m, t0 + ms(400 + 20 * i)).len();
    }
    assert_eq!(sent, 60);
    // The rounds go on: round 1 at t0 + 1 s.
    assert_eq!(
        due_bursts(&mut m, t0 + ms(1000)),
        vec![(1, None), (2, None), (3, None)]
    );
    // The results carry the burst's number.
    m.expire(t0 + ms(5000));
    let bursts = std::iter::from_fn(|| m.next_progress())
        .filter(|MtrProgress::Probe(r)| r.burst == Some(1))
        .count();
    assert_eq!(bursts, 60);
}

#[test]
fn with_burst_at_end_the_run_ends_after_a_burst_check() {
    let t0 = Instant::now();
    let mut m = Mtr::new(MtrConfig {
        max_ttl: 1,
        burst_at_end: true,
        ..config(Some(1))
    });
    assert_eq!(due_bursts(&mut m, t0), vec![(1, None)]);
    // The burst waits for the round's answer.
    assert_eq!(due_bursts(&mut m, t0 + ms(10)), vec![]);
    m.on_answer(0, reached(v4(9), 1));
    while m.next_progress().is_some() {}
    assert!(!m.is_done());
    assert_eq!(m.next_wakeup(t0 + ms(10)), Some(t0 + ms(10)));
    let mut burst = 0;
    for i in 0..20 {
        burst += due_bursts(&mut m, t0 + ms(10 + 20 * i)).len();
    }
    assert_eq!(burst, 20);
    m.expire(t0 + ms(5000));
    while m.next_progress().is_some() {}
    assert!(m.is_done());
}

#[test]
fn an_answered_probes_deadline_wakes_nobody() {
    let t0 = Instant::now();
    let mut m = Mtr::new(MtrConfig {
        max_ttl: 1,
        interval: ms(5000),
        ..config(None)
    });
    assert_eq!(due(&mut m, t0), vec![(0, 1, 0)]);
    assert_eq!(m.next_wakeup(t0), Some(t0 + ms(2000)));
    m.on_answer(0, reached(v4(9), 1));
    // Next: round 1, not the answered probe's deadline at 2 s.
    assert_eq!(m.next_wakeup(t0 + ms(1)), Some(t0 + ms(5000)));
}
