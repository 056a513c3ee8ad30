use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::extension::{InterfaceRole, MplsLabel};

use super::*;
use crate::trace::testing::{answer, hop, reached, v4};
use crate::trace::{Answer, Extension, Outcome};

fn result(round: u64, ttl: u8, answer: Option<Answer>) -> ProbeResult {
    ProbeResult {
        round,
        ttl,
        flow: 0,
        sent_at: Instant::now(),
        answer,
        burst: None,
    }
}

fn addresses(hop: &Hop) -> Vec<(IpAddr, u64)> {
    hop.addresses.iter().map(|s| (s.address, s.count)).collect()
}

#[test]
fn results_add_up_per_hop_with_history() {
    let mut path = Path::new(v4(9), 1);
    assert!(path.record(&result(0, 1, Some(hop(v4(11), 2)))).is_empty());
    assert!(path.record(&result(0, 2, None)).is_empty());
    assert_eq!(
        path.record(&result(0, 3, Some(reached(v4(9), 6)))),
        vec![PathEvent::DestinationMoved {
            from: None,
            to: 3,
            round: 0
        }]
    );
    path.record(&result(1, 2, Some(hop(v4(12), 4))));
    let hops = path.hops();
    assert_eq!(hops.len(), 3);
    assert_eq!((hops[1].stats.sent(), hops[1].stats.received()), (2, 1));
    assert_eq!(
        hops[1].history.iter().copied().collect::<Vec<_>>(),
        vec![Slot::Lost, Slot::Answered(Duration::from_millis(4))]
    );
    assert_eq!(hops[1].latest_address(), Some(v4(12)));
    assert_eq!(path.rounds(), 2);
}

#[test]
fn a_second_address_at_a_hop_is_an_event_and_is_counted() {
    let mut path = Path::new(v4(9), 1);
    path.record(&result(0, 1, Some(hop(v4(11), 1))));
    path.record(&result(1, 1, Some(hop(v4(11), 1))));
    assert_eq!(
        path.record(&result(2, 1, Some(hop(v4(21), 1)))),
        vec![PathEvent::NewAddress {
            ttl: 1,
            address: v4(21),
            round: 2
        }]
    );
    assert_eq!(addresses(&path.hops()[0]), vec![(v4(11), 2), (v4(21), 1)]);
    assert_eq!(path.hops()[0].latest_address(), Some(v4(21)));
}

#[test]
fn probes_past_the_end_of_the_path_are_not_loss() {
    let mut path = Path::new(v4(9), 1);
    path.record(&result(0, 1, Some(hop(v4(11), 1))));
    path.record(&result(0, 2, Some(reached(v4(9), 2))));
    // Probes to TTL 3 sent before the end was known: the destination
    // answers them, or they are lost; neither is a hop 3.
    assert!(
        path.record(&result(0, 3, Some(reached(v4(9), 2))))
            .is_empty()
    );
    assert!(path.record(&result(0, 3, None)).is_empty());
    assert_eq!(path.hops().len(), 2);
    // The path gets shorter: the destination answers at TTL 1, a new
    // address there.
    assert_eq!(
        path.record(&result(1, 1, Some(reached(v4(9), 1)))),
        vec![
            PathEvent::NewAddress {
                ttl: 1,
                address: v4(9),
                round: 1
            },
            PathEvent::DestinationMoved {
                from: Some(2),
                to: 1,
                round: 1
            }
        ]
    );
    assert_eq!(path.hops().len(), 1);
    // And longer again: a router answers at the destination's TTL; the
    // move is told when the destination answers further on.
    assert!(path.record(&result(2, 1, Some(hop(v4(11), 1)))).is_empty());
    assert_eq!(path.destination_ttl(), None);
    assert_eq!(
        path.record(&result(2, 2, Some(reached(v4(9), 2)))),
        vec![PathEvent::DestinationMoved {
            from: Some(1),
            to: 2,
            round: 2
        }]
    );
    assert_eq!(path.destination_ttl(), Some(2));
    assert_eq!(path.hops().len(), 2);
}

#[test]
fn without_the_destination_the_path_shows_up_to_the_last_answering_hop() {
    let mut path = Path::new(v4(9), 2);
    path.record(&result(0, 2, Some(hop(v4(12), 1))));
    path.record(&result(0, 3, Some(hop(v4(13), 1))));
    path.record(&result(0, 4, None));
    path.record(&result(0, 5, None));
    let ttls: Vec<u8> = path.hops().iter().map(|h| h.ttl).collect();
    assert_eq!(ttls, vec![2, 3]);
    // TTLs below the first are not the path's.
    assert!(path.record(&result(0, 1, Some(hop(v4(11), 1)))).is_empty());
    assert_eq!(path.hops()[0].ttl, 2);
}

#[test]
fn mpls_stacks_and_final_errors_are_kept_per_hop() {
    let label = |l| MplsLabel {
        label: l,
        tc: 0,
        bottom_of_stack: true,
        ttl: 1,
    };
    let with = |l| Answer {
        extensions: vec![Extension::Mpls(vec![label(l)])],
        ..hop(v4(11), 1)
    };
    let mut path = Path::new(v4(9), 1);
    path.record(&result(0, 1, Some(with(100))));
    path.record(&result(1, 1, Some(with(200))));
    path.record(&result(2, 1, Some(with(100))));
    assert_eq!(
        path.hops()[0].mpls,
        vec![vec![label(200)], vec![label(100)]]
    );
    let unreachable = Outcome::Unreachable {
        version: icmpkit_wire::IpVersion::V4,
        msg_type: 3,
        code: 13,
        mtu: None,
    };
    path.record(&result(0, 2, Some(answer(v4(12), 2, unreachable))));
    assert_eq!(path.destination_ttl(), Some(2));
    assert_eq!(path.hops()[1].annotation.as_deref(), Some("!X"));
}

fn interface(role: InterfaceRole, ifindex: u32) -> Extension {
    Extension::Interface {
        role,
        ifindex: Some(ifindex),
        address: Some(IpAddr::from([198, 51, 100, 7])),
        name: Some(format!("eth{ifindex}")),
        mtu: Some(1500),
    }
}

#[test]
fn interface_objects_are_kept_per_hop_distinct_and_newest_last() {
    let incoming = interface(InterfaceRole::IncomingIpInterface, 2);
    let outgoing = interface(InterfaceRole::OutgoingIpInterface, 3);
    let with = |extensions: Vec<Extension>| Answer {
        extensions,
        ..hop(v4(11), 1)
    };
    let mut path = Path::new(v4(9), 1);
    path.record(&result(
        0,
        1,
        Some(with(vec![incoming.clone(), outgoing.clone()])),
    ));
    assert_eq!(
        path.hops()[0].interfaces,
        vec![incoming.clone(), outgoing.clone()]
    );
    // Seen again, the incoming interface is the newest; other objects
    // (an MPLS stack, an unknown class, a malformed one) are not kept
    // with the interfaces.
    let label = MplsLabel {
        label: 16,
        tc: 0,
        bottom_of_stack: true,
        ttl: 1,
    };
    path.record(&result(
        1,
        1,
        Some(with(vec![
            Extension::Mpls(vec![label]),
            incoming.clone(),
            Extension::Other {
                class: 3,
                c_type: 1,
            },
            Extension::Malformed("short".into()),
        ])),
    ));
    let newest = vec![outgoing, incoming];
    assert_eq!(path.hops()[0].interfaces, newest);
    assert_eq!(path.hops()[0].mpls, vec![vec![label]]);
    // A lost probe and an answer without extensions change nothing.
    path.record(&result(2, 1, None));
    path.record(&result(3, 1, Some(hop(v4(11), 1))));
    assert_eq!(path.hops()[0].interfaces, newest);
}

#[test]
fn a_hop_keeps_only_its_newest_extensions() {
    let extra = u32::try_from(EXTENSIONS_KEPT).unwrap() + 2;
    let mut path = Path::new(v4(9), 1);
    for i in 0..extra {
        let label = MplsLabel {
            label: 100 + i,
            tc: 0,
            bottom_of_stack: true,
            ttl: 1,
        };
        let answer = Answer {
            extensions: vec![
                Extension::Mpls(vec![label]),
                interface(InterfaceRole::IncomingIpInterface, i),
            ],
            ..hop(v4(11), 1)
        };
        path.record(&result(u64::from(i), 1, Some(answer)));
    }
    let kept = &path.hops()[0];
    let labels: Vec<u32> = kept.mpls.iter().map(|stack| stack[0].label).collect();
    assert_eq!(labels, (2..extra).map(|i| 100 + i).collect::<Vec<_>>());
    let ifindexes: Vec<u32> = kept
        .interfaces
        .iter()
        .filter_map(|e| match e {
            Extension::Interface { ifindex, .. } => *ifindex,
            _ => None,
        })
        .collect();
    assert_eq!(ifindexes, (2..extra).collect::<Vec<_>>());
}

#[test]
fn a_reset_forgets_the_results_but_not_the_end_of_the_path() {
    let mut path = Path::new(v4(9), 1);
    path.record(&result(0, 1, Some(reached(v4(9), 1))));
    path.reset();
    assert!(path.hops().is_empty());
    assert_eq!(path.rounds(), 0);
    assert_eq!(path.destination_ttl(), Some(1));
    path.record(&result(5, 1, Some(reached(v4(9), 1))));
    assert_eq!(path.hops()[0].stats.sent(), 1);
}

#[test]
fn a_burst_check_is_kept_apart_from_the_rounds() {
    let t0 = Instant::now();
    let mut path = Path::new(v4(9), 1);
    path.record(&result(0, 1, Some(reached(v4(9), 1))));
    // A limiter's burst: the first 6 of 20 answered, results in any order.
    for i in (0..20u64).rev() {
        let answer = (i < 6).then(|| reached(v4(9), 1));
        let events = path.record(&ProbeResult {
            sent_at: t0 + Duration::from_millis(20 * i),
            burst: Some(1),
            ..result(0, 1, answer)
        });
        assert!(events.is_empty());
    }
    let hop = &path.hops()[0];
    assert_eq!((hop.stats.sent(), hop.history.len()), (1, 1));
    let check = hop.burst.as_ref().expect("a burst check");
    assert_eq!(
        (check.sent(), check.answered(), check.leading()),
        (20, 6, 6)
    );
    assert_eq!(
        check.line(1.0),
        "burst check: 6 of 20 back-to-back probes answered, the first 6 in a row: a token \
         bucket of about 6"
    );
    // A second burst replaces the first; random loss reads as such.
    for i in 0..20u64 {
        path.record(&ProbeResult {
            sent_at: t0 + Duration::from_millis(20 * i),
            burst: Some(2),
            ..result(1, 1, (i % 3 != 0).then(|| reached(v4(9), 1)))
        });
    }
    let check = path.hops()[0].burst.as_ref().expect("a burst check");
    assert_eq!((check.id, check.answered(), check.leading()), (2, 13, 0));
    // Spread out, and more than half the rounds' share: not a limit.
    assert_eq!(
        path.hops()[0].burst_line().as_deref(),
        Some(
            "burst check: 13 of 20 back-to-back probes answered, spread out (the rounds got \
             100%): loss or a busy router, not a rate limit"
        )
    );
}

#[test]
fn a_burst_at_a_limiter_the_rounds_keep_spent_gets_far_fewer_answers() {
    // The lab's r2 at 5 rounds a second answers a quarter of them; a
    // burst gets one answer, from the token that came back meanwhile.
    let t0 = Instant::now();
    let mut check = BurstCheck {
        id: 1,
        probes: Vec::new(),
    };
    for i in 0..20u64 {
        check.record(t0 + Duration::from_millis(20 * i), i == 9);
    }
    assert_eq!(
        check.line(0.25),
        "burst check: 1 of 20 back-to-back probes answered, far fewer than the rounds' 25%: \
         a rate limit, its tokens spent"
    );
}
