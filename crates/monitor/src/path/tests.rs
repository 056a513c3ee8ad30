use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use icmpkit_proto::trace::{Answer, Hop, Outcome, ProbeState, Rewrites};
use tokio::sync::{mpsc, watch};

use super::run::{hop_addresses, key_for};
use super::schedule::{Schedule, spread};
use super::{PathError, PathRecord, PathTarget, TraceOptions, Tracer, path_targets};
use crate::target::{Group, Probing, Target, Targets};

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

/// A record of `hops` (0: silent; n: 192.0.2.n).
fn record(hops: &[u8], reached: bool) -> PathRecord {
    PathRecord {
        at: 0,
        hops: hops.iter().map(|&h| (h != 0).then(|| ip(h))).collect(),
        reached,
        pmtu: None,
    }
}

#[test]
fn the_same_hops_are_the_same_path() {
    assert!(!record(&[1, 2, 9], true).changed_from(&record(&[1, 2, 9], true)));
}

#[test]
fn another_router_at_one_ttl_is_a_change() {
    assert!(record(&[1, 3, 9], true).changed_from(&record(&[1, 2, 9], true)));
}

#[test]
fn a_silent_hop_matches_any_router_either_way() {
    let full = record(&[1, 2, 9], true);
    let silent = record(&[1, 0, 9], true);
    assert!(!silent.changed_from(&full));
    assert!(!full.changed_from(&silent));
}

#[test]
fn a_target_one_hop_nearer_is_a_change() {
    assert!(record(&[1, 9], true).changed_from(&record(&[1, 2, 9], true)));
}

#[test]
fn a_new_router_before_the_target_is_a_change_whichever_record_is_first() {
    let before = record(&[1, 2, 9], true);
    let after = record(&[1, 2, 3, 9], true);
    assert!(after.changed_from(&before));
    assert!(before.changed_from(&after));
}

#[test]
fn a_router_past_where_the_target_answered_is_a_change_across_a_silent_hop() {
    // The target at TTL 2 before; now TTL 2 is silent and a router answers
    // at TTL 3: the target moved.
    assert!(record(&[1, 0, 3, 9], true).changed_from(&record(&[1, 9], true)));
}

#[test]
fn the_target_after_silent_hops_is_no_change_as_they_may_be_its_lost_answers() {
    assert!(!record(&[1, 2, 0, 9], true).changed_from(&record(&[1, 2, 9], true)));
    assert!(!record(&[1, 2, 9], true).changed_from(&record(&[1, 2, 0, 9], true)));
}

#[test]
fn a_trace_that_stopped_short_of_the_target_is_no_change() {
    let reached = record(&[1, 2, 9], true);
    let short = record(&[1, 2], false);
    assert!(!short.changed_from(&reached));
    assert!(!reached.changed_from(&short));
}

#[test]
fn a_trace_where_nothing_answered_is_no_change() {
    assert!(!record(&[], false).changed_from(&record(&[1, 2, 9], true)));
    assert!(!record(&[1, 2, 9], true).changed_from(&record(&[], false)));
}

#[test]
fn a_different_router_within_two_unreached_traces_is_still_a_change() {
    assert!(record(&[1, 3], false).changed_from(&record(&[1, 2, 5], false)));
}

#[test]
fn the_hop_count_is_known_only_when_the_target_answered() {
    assert_eq!(record(&[1, 0, 9], true).hop_count(), Some(3));
    assert_eq!(record(&[1, 2], false).hop_count(), None);
}

fn answered(from: IpAddr) -> ProbeState {
    ProbeState::Answered(Answer {
        from,
        rtt: Duration::from_millis(1),
        outcome: Outcome::Hop,
        reply_ttl: None,
        quoted_ttl: None,
        rewrites: Rewrites::default(),
        extensions: Vec::new(),
    })
}

fn hop(ttl: u8, probes: Vec<ProbeState>) -> Hop {
    Hop {
        ttl,
        probes,
        possibly_rate_limited: false,
    }
}

#[test]
fn a_hop_is_named_by_its_first_answer_and_trailing_silence_is_dropped() {
    let hops = [
        hop(1, vec![ProbeState::Lost, answered(ip(1)), answered(ip(7))]),
        hop(2, vec![ProbeState::Lost, ProbeState::Lost]),
        hop(3, vec![answered(ip(3))]),
        hop(4, vec![ProbeState::Lost]),
        hop(5, vec![ProbeState::Lost]),
    ];
    assert_eq!(hop_addresses(&hops), [Some(ip(1)), None, Some(ip(3))]);
}

#[test]
fn hops_are_placed_by_their_ttl() {
    let hops = [hop(2, vec![answered(ip(2))]), hop(0, vec![answered(ip(9))])];
    assert_eq!(hop_addresses(&hops), [None, Some(ip(2))]);
}

#[test]
fn a_target_keeps_its_raw_socket_key_and_it_is_never_zero() {
    assert_eq!(key_for(ip(1)), key_for(ip(1)));
    assert_ne!(key_for(ip(1)), key_for(ip(2)));
    for last in 0..=255 {
        assert_ne!(key_for(ip(last)), 0);
    }
}

#[test]
fn starts_are_spread_evenly_over_the_period() {
    let every = Duration::from_mins(10);
    let starts: Vec<_> = (0..4).map(|rank| spread(rank, 4, every)).collect();
    assert_eq!(starts, [0, 150, 300, 450].map(Duration::from_secs).to_vec());
    assert_eq!(spread(0, 0, every), Duration::ZERO);
}

fn target(name: &str, every: u64) -> PathTarget {
    PathTarget {
        name: name.to_owned(),
        ip: ip(9),
        every: Duration::from_secs(every),
        options: TraceOptions::default(),
    }
}

#[test]
fn a_schedule_spreads_each_period_by_name_and_keeps_turns_across_a_reload() {
    let mut schedule = Schedule::default();
    let t0 = Instant::now();
    schedule.reconfigure(
        vec![target("b", 100), target("a", 100), target("c", 60)],
        t0,
    );
    // "a" and "c" are first in their periods; "b" half a period later.
    assert!(schedule.take_due(t0).is_some());
    assert!(schedule.take_due(t0).is_some());
    assert!(schedule.take_due(t0).is_none());
    assert_eq!(schedule.next_due(), Some(t0 + Duration::from_secs(50)));
    let b = schedule.take_due(t0 + Duration::from_secs(50)).unwrap();
    assert_eq!(b.name, "b");
    // A reload that adds "d" keeps the others' turns.
    let later = t0 + Duration::from_secs(51);
    schedule.reconfigure(
        vec![
            target("b", 100),
            target("a", 100),
            target("c", 60),
            target("d", 100),
        ],
        later,
    );
    for name in ["a", "b", "c"] {
        schedule.finished(name);
    }
    // "c" is next (t0 + 60), then "a" (t0 + 100), then "d" at its share
    // of the period from the reload (2/3 of 100 s).
    for (name, at) in [("c", 60), ("a", 100)] {
        let at = t0 + Duration::from_secs(at);
        assert_eq!(schedule.next_due(), Some(at));
        assert_eq!(schedule.take_due(at).expect("due").name, name);
    }
    let d_due = later + spread(2, 3, Duration::from_secs(100));
    assert_eq!(schedule.next_due(), Some(d_due));
}

#[test]
fn a_target_being_traced_is_not_started_again_and_a_late_one_does_not_catch_up() {
    let mut schedule = Schedule::default();
    let t0 = Instant::now();
    schedule.reconfigure(vec![target("a", 10)], t0);
    assert!(schedule.take_due(t0).is_some());
    assert!(schedule.take_due(t0 + Duration::from_secs(100)).is_none());
    schedule.finished("a");
    let late = t0 + Duration::from_secs(100);
    assert!(schedule.take_due(late).is_some());
    // Next turn a period from now, not the nine missed ones at once.
    assert_eq!(schedule.next_due(), None);
    schedule.finished("a");
    assert_eq!(schedule.next_due(), Some(late + Duration::from_secs(10)));
}

#[test]
fn an_error_is_worth_logging_once_until_it_changes() {
    let mut schedule = Schedule::default();
    schedule.reconfigure(vec![target("a", 10)], Instant::now());
    assert!(schedule.note_error("a", Some("x".to_owned())));
    assert!(!schedule.note_error("a", Some("x".to_owned())));
    assert!(schedule.note_error("a", Some("y".to_owned())));
    assert!(!schedule.note_error("a", None));
    assert!(schedule.note_error("a", Some("y".to_owned())));
}

#[test]
fn only_targets_with_an_address_in_a_traced_group_are_traced() {
    let traced = Probing {
        trace_every: Some(Duration::from_mins(10)),
        pmtu: true,
        tos: 8,
        ..Probing::default()
    };
    let targets = Targets {
        groups: vec![
            Group {
                name: "traced".into(),
                probing: traced,
                labels: BTreeMap::default(),
            },
            Group {
                name: "pinged".into(),
                probing: Probing::default(),
                labels: BTreeMap::default(),
            },
        ],
        targets: vec![
            Target {
                name: "gw".into(),
                host: "192.0.2.62".into(),
                ip: Some(ip(1)),
                group: 0,
                labels: None,
            },
            Target {
                name: "unresolved".into(),
                host: "nowhere.example".into(),
                ip: None,
                group: 0,
                labels: None,
            },
            Target {
                name: "pinged".into(),
                host: "192.0.2.2".into(),
                ip: Some(ip(2)),
                group: 1,
                labels: None,
            },
        ],
    };
    assert_eq!(
        path_targets(&targets),
        [PathTarget {
            name: "gw".into(),
            ip: ip(1),
            every: Duration::from_mins(10),
            options: TraceOptions {
                tos: 8,
                pmtu: true,
                ..TraceOptions::default()
            },
        }]
    );
}

#[test]
fn the_tracer_runs_at_most_its_concurrency_and_stops_when_told() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (now2, most2) = (Arc::clone(&now), Arc::clone(&most));
        let fake = move |t: PathTarget| {
            let (now, most) = (Arc::clone(&now2), Arc::clone(&most2));
            async move {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, PathError>(PathRecord {
                    at: 0,
                    hops: vec![Some(t.ip)],
                    reached: true,
                    pmtu: None,
                })
            }
        };
        let targets: Vec<_> = (0..12)
            .map(|i| PathTarget {
                every: Duration::from_millis(20),
                ..target(&format!("t{i:02}"), 0)
            })
            .collect();
        let (records, mut received) = mpsc::channel(4);
        let (stop, stopped) = watch::channel(false);
        let tracer = Tracer::spawn_with(targets, 3, fake, records, stopped);
        let mut seen = std::collections::BTreeSet::new();
        while seen.len() < 12 {
            let (name, record) = received.recv().await.expect("records keep coming");
            assert_eq!(record.hops, [Some(ip(9))]);
            seen.insert(name);
        }
        stop.send(true).expect("the tracer listens");
        tracer.finished().await;
        assert!(most.load(Ordering::SeqCst) <= 3, "{most:?}");
    });
}
