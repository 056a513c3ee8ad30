use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::*;
use crate::alert::rule::Selector;
use crate::target::{Group, Probing, Target};

const STEP: u32 = 60;

fn rule(name: &str, condition: Condition) -> Rule {
    Rule {
        name: name.into(),
        condition,
        for_steps: 1,
        clear_steps: 1,
        severity: "warning".into(),
        selector: Selector::default(),
        receivers: Vec::new(),
        labels: BTreeMap::new(),
        summary: None,
    }
}

fn loss_rule(for_steps: u32, clear_steps: u32) -> Rule {
    Rule {
        for_steps,
        clear_steps,
        ..rule(
            "HighLoss",
            Condition::Loss {
                above: 0.10,
                clear: 0.05,
            },
        )
    }
}

/// Step number `n` with `sent` probes, `lost` of them lost, the others
/// answered in `rtt_us`.
fn step(n: i64, sent: u32, lost: u32, rtt_us: u32) -> StepSummary {
    StepSummary {
        start: n * i64::from(STEP),
        step: STEP,
        sent,
        rtts_us: vec![rtt_us; (sent - lost) as usize],
        jitter_us: None,
    }
}

/// Step `n` with `percent` % of 100 probes lost.
fn lossy(n: i64, percent: u32) -> StepSummary {
    step(n, 100, percent, 1000)
}

/// Steps 0, 1, … with these loss percents.
fn lossy_steps(percents: &[u32]) -> Vec<StepSummary> {
    (0..).zip(percents).map(|(n, &p)| lossy(n, p)).collect()
}

/// Step `n` of 10 probes all answered in `ms` milliseconds.
fn rtt(n: i64, ms: u32) -> StepSummary {
    step(n, 10, 0, ms * 1000)
}

/// Feeds `steps` to target "gw" of group "core"; the kinds of what came
/// out, with the step index each came at.
fn run(board: &mut Board, steps: &[StepSummary]) -> Vec<(usize, TransitionKind)> {
    steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            board
                .on_step("gw", "core", s)
                .into_iter()
                .map(move |t| (i, t.kind))
        })
        .collect()
}

use TransitionKind::{Fired, Resolved};

#[test]
fn loss_fires_after_for_steps_bad_steps_and_resolves_after_clear_steps_good_ones() {
    let mut board = Board::new(vec![loss_rule(3, 2)]);
    let steps = lossy_steps(&[0, 20, 20, 20, 20, 0, 0, 0]);
    assert_eq!(run(&mut board, &steps), [(3, Fired), (6, Resolved)]);
}

#[test]
fn an_alert_fires_once_and_resolves_once_per_episode() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    let steps = lossy_steps(&[50, 60, 70, 80, 0, 0, 0, 30, 0]);
    assert_eq!(
        run(&mut board, &steps),
        [(0, Fired), (4, Resolved), (7, Fired), (8, Resolved)]
    );
    // Two episodes, both remembered, newest first.
    let recent = board.recent();
    assert_eq!(recent.len(), 2);
    assert_eq!(recent[0].starts_at, 8 * 60);
    assert_eq!(recent[1].ends_at, Some(5 * 60));
    assert!(board.active().is_empty());
}

#[test]
fn a_good_step_breaks_a_run_of_bad_ones() {
    let mut board = Board::new(vec![loss_rule(3, 1)]);
    let steps = lossy_steps(&[20, 20, 0, 20, 20]);
    assert!(run(&mut board, &steps).is_empty());
}

#[test]
fn a_bad_step_breaks_a_run_of_good_ones() {
    let mut board = Board::new(vec![loss_rule(1, 3)]);
    let steps = lossy_steps(&[20, 0, 0, 20, 0, 0, 0]);
    assert_eq!(run(&mut board, &steps), [(0, Fired), (6, Resolved)]);
}

#[test]
fn a_value_inside_the_band_counts_neither_way_and_breaks_no_run() {
    // above 10 %, clear 5 %: 8 % is in the band.
    let mut board = Board::new(vec![loss_rule(2, 2)]);
    let steps = lossy_steps(&[20, 8, 20, 8, 8, 0, 8, 10, 0]);
    // 20, (8), 20: two bad in a row, fires at 2. While firing, 8 % does not
    // resolve it; 0, (8), (10 is not above 10), 0: two good, resolves at 8.
    assert_eq!(run(&mut board, &steps), [(2, Fired), (8, Resolved)]);
}

#[test]
fn the_band_keeps_a_firing_alert_firing() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    let steps = lossy_steps(&[20, 8, 8, 8, 8]);
    assert_eq!(run(&mut board, &steps), [(0, Fired)]);
    assert_eq!(board.active().len(), 1);
}

#[test]
fn a_step_with_nothing_sent_is_no_evidence() {
    let mut board = Board::new(vec![
        loss_rule(2, 2),
        rule("Down", Condition::Down),
        rule(
            "Slow",
            Condition::Rtt {
                above: Duration::from_millis(100),
                clear: Duration::from_millis(100),
            },
        ),
    ]);
    let empty = |n| step(n, 0, 0, 0);
    let steps = [lossy(0, 20), empty(1), lossy(2, 20), empty(3)];
    let out = run(&mut board, &steps);
    assert_eq!(out, [(2, Fired)]);
    // Nor does it resolve.
    let steps = [lossy(4, 0), empty(5), empty(6)];
    assert!(run(&mut board, &steps).is_empty());
    assert_eq!(run(&mut board, &[lossy(7, 0)]), [(0, Resolved)]);
}

#[test]
fn down_fires_when_every_probe_is_lost_and_resolves_on_an_answer() {
    let mut board = Board::new(vec![rule("Down", Condition::Down)]);
    let steps = [lossy(0, 99), lossy(1, 100), lossy(2, 100), lossy(3, 99)];
    assert_eq!(run(&mut board, &steps), [(1, Fired), (3, Resolved)]);
    let alert = &board.recent()[0];
    assert_eq!(alert.kind, "down");
    assert_eq!(alert.value, Some(1.0));
    assert_eq!((alert.starts_at, alert.ends_at), (2 * 60, Some(4 * 60)));
}

#[test]
fn rtt_fires_on_the_median_above_and_clears_at_or_below_clear() {
    let mut board = Board::new(vec![rule(
        "Slow",
        Condition::Rtt {
            above: Duration::from_millis(150),
            clear: Duration::from_millis(100),
        },
    )]);
    let steps = [rtt(0, 150), rtt(1, 151), rtt(2, 120), rtt(3, 100)];
    assert_eq!(run(&mut board, &steps), [(1, Fired), (3, Resolved)]);
    assert_eq!(board.recent()[0].value, Some(151.0));
}

#[test]
fn rtt_ignores_a_step_without_replies() {
    let mut board = Board::new(vec![rule(
        "Slow",
        Condition::Rtt {
            above: Duration::from_millis(150),
            clear: Duration::from_millis(150),
        },
    )]);
    let steps = [rtt(0, 200), lossy(1, 100), rtt(2, 10)];
    assert_eq!(run(&mut board, &steps), [(0, Fired), (2, Resolved)]);
}

fn baseline_rule(baseline_steps: u32) -> Rule {
    rule(
        "Slower",
        Condition::RttOverBaseline {
            percent: 50.0,
            clear_percent: 20.0,
            baseline_steps,
        },
    )
}

#[test]
fn rtt_over_baseline_waits_for_a_full_baseline() {
    let mut board = Board::new(vec![baseline_rule(3)]);
    // Only two medians before the third step: no baseline yet.
    let steps = [rtt(0, 10), rtt(1, 10), rtt(2, 100)];
    assert!(run(&mut board, &steps).is_empty());
}

#[test]
fn rtt_over_baseline_compares_with_the_median_of_earlier_medians() {
    let mut board = Board::new(vec![baseline_rule(3)]);
    // Baseline of (10, 12, 100) is 12: 17 ms is 41 % over, 19 ms 58 %.
    let steps = [rtt(0, 10), rtt(1, 12), rtt(2, 100), rtt(3, 17)];
    assert!(run(&mut board, &steps).is_empty());
    // Now (12, 100, 17): 17; 26 ms is 52 % over.
    let out = run(&mut board, &[rtt(4, 26)]);
    assert_eq!(out, [(0, Fired)]);
    let value = board.active()[0].value.unwrap();
    assert!((value - 52.94).abs() < 0.01, "{value}");
    // (100, 17, 26): 26; 30 ms is 15 % over: at most 20 %, resolved.
    assert_eq!(run(&mut board, &[rtt(5, 30)]), [(0, Resolved)]);
}

#[test]
fn rtt_over_baseline_keeps_a_bounded_window() {
    let mut board = Board::new(vec![baseline_rule(4)]);
    for n in 0..100 {
        board.on_step("gw", "core", &rtt(n, 10));
    }
    let state = &board.states[&("Slower".to_owned(), "gw".to_owned())];
    assert_eq!(state.medians.len(), 4);
}

#[test]
fn a_lasting_shift_becomes_the_new_baseline() {
    let mut board = Board::new(vec![baseline_rule(3)]);
    let steps: Vec<_> = (0..)
        .zip([10, 10, 10, 30, 30, 30, 30])
        .map(|(n, ms)| rtt(n, ms))
        .collect();
    // Baselines: 10 at 3 (fires), 10 at 4, 30 at 5 (resolves).
    assert_eq!(run(&mut board, &steps), [(3, Fired), (5, Resolved)]);
}

fn trace(at: i64, hops: &[u8], pmtu: Option<u16>) -> PathRecord {
    PathRecord {
        at,
        hops: hops
            .iter()
            .map(|&h| (h != 0).then(|| IpAddr::V4(Ipv4Addr::new(10, 0, 0, h))))
            .collect(),
        reached: true,
        pmtu,
    }
}

/// Feeds `traces` in order; kinds with the index each came at.
fn run_paths(board: &mut Board, traces: &[PathRecord]) -> Vec<(usize, TransitionKind)> {
    let mut out = Vec::new();
    for (i, now) in traces.iter().enumerate() {
        let earlier = i.checked_sub(1).map(|j| &traces[j]);
        for t in board.on_path("gw", "core", earlier, now) {
            out.push((i, t.kind));
        }
    }
    out
}

#[test]
fn path_changed_fires_on_the_change_and_resolves_once_the_path_holds() {
    let mut board = Board::new(vec![Rule {
        clear_steps: 2,
        for_steps: 5,
        ..rule("PathChanged", Condition::PathChanged)
    }]);
    let traces = [
        trace(0, &[1, 2, 3], None),
        trace(600, &[1, 2, 3], None),
        trace(1200, &[1, 4, 3], None),
        // A silent hop is no change.
        trace(1800, &[0, 4, 3], None),
        trace(2400, &[1, 5, 3], None),
        trace(3000, &[1, 5, 3], None),
        trace(3600, &[1, 5, 3], None),
    ];
    // Fires at the change (for_steps does not apply); the second change
    // keeps it firing; two unchanged traces after it resolve it.
    assert_eq!(run_paths(&mut board, &traces), [(2, Fired), (6, Resolved)]);
    let alert = &board.recent()[0];
    assert_eq!((alert.starts_at, alert.ends_at), (1200, Some(3600)));
    assert!(
        alert.description.contains("hop 2: 10.0.0.5 (was 10.0.0.4)"),
        "{}",
        alert.description
    );
}

#[test]
fn the_first_trace_is_no_change() {
    let mut board = Board::new(vec![rule("PathChanged", Condition::PathChanged)]);
    assert!(
        board
            .on_path("gw", "core", None, &trace(0, &[1], None))
            .is_empty()
    );
}

#[test]
fn pmtu_dropped_fires_when_the_mtu_falls_and_resolves_when_it_holds() {
    let mut board = Board::new(vec![rule("PmtuDropped", Condition::PmtuDropped)]);
    let traces = [
        trace(0, &[1], Some(1500)),
        trace(600, &[1], Some(1500)),
        // A trace without a walk is no evidence, and the drop is still seen
        // against the last MTU known.
        trace(1200, &[1], None),
        trace(1800, &[1], Some(1400)),
        trace(2400, &[1], Some(1400)),
        trace(3000, &[1], Some(1500)),
    ];
    assert_eq!(run_paths(&mut board, &traces), [(3, Fired), (4, Resolved)]);
    assert_eq!(board.recent()[0].value, Some(1400.0));
}

#[test]
fn step_rules_ignore_traces_and_path_rules_ignore_steps() {
    let mut board = Board::new(vec![
        loss_rule(1, 1),
        rule("PathChanged", Condition::PathChanged),
    ]);
    let out = board.on_path(
        "gw",
        "core",
        Some(&trace(0, &[1], None)),
        &trace(1, &[2], None),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alert.rule, "PathChanged");
    let out = board.on_step("gw", "core", &lossy(0, 100));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alert.rule, "HighLoss");
}

#[test]
fn a_rule_watches_only_the_targets_its_selector_names() {
    let mut watched = loss_rule(1, 1);
    watched.selector = Selector {
        targets: vec!["gw".into()],
        groups: vec!["edge".into()],
    };
    let mut board = Board::new(vec![watched]);
    assert_eq!(board.on_step("gw", "core", &lossy(0, 50)).len(), 1);
    assert_eq!(board.on_step("sw", "edge", &lossy(0, 50)).len(), 1);
    assert!(board.on_step("db", "core", &lossy(0, 50)).is_empty());
}

#[test]
fn reconfigure_keeps_the_state_of_rules_that_remain() {
    let mut board = Board::new(vec![loss_rule(3, 1), rule("Down", Condition::Down)]);
    run(&mut board, &[lossy(0, 100), lossy(1, 100)]);
    assert_eq!(board.active().len(), 1); // Down
    // Same names, new thresholds: HighLoss has two bad steps counted, Down
    // keeps firing.
    let mut changed = loss_rule(3, 1);
    changed.condition = Condition::Loss {
        above: 0.5,
        clear: 0.5,
    };
    let out = board.reconfigure(vec![changed, rule("Down", Condition::Down)], 150);
    assert!(out.is_empty());
    assert_eq!(run(&mut board, &[lossy(2, 100)]), [(0, Fired)]);
    assert_eq!(board.active().len(), 2);
}

#[test]
fn reconfigure_resolves_the_alerts_of_rules_gone_or_changed_in_kind() {
    let mut board = Board::new(vec![loss_rule(1, 1), rule("Down", Condition::Down)]);
    run(&mut board, &[lossy(0, 100)]);
    assert_eq!(board.active().len(), 2);
    // Down is gone; HighLoss now means something else.
    let other = rule(
        "HighLoss",
        Condition::Rtt {
            above: Duration::from_secs(1),
            clear: Duration::from_secs(1),
        },
    );
    let out = board.reconfigure(vec![other], 1000);
    assert_eq!(out.len(), 2);
    assert!(
        out.iter()
            .all(|t| t.kind == Resolved && t.alert.ends_at == Some(1000))
    );
    assert!(board.active().is_empty());
}

#[test]
fn reconfigure_resolves_alerts_a_narrowed_selector_no_longer_watches() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    run(&mut board, &[lossy(0, 100)]);
    let mut narrowed = loss_rule(1, 1);
    narrowed.selector.targets = vec!["other".into()];
    let out = board.reconfigure(vec![narrowed], 500);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, Resolved);
}

fn targets(groups: &[(&str, &[(&str, &str)])], list: &[(&str, &str, usize)]) -> Targets {
    Targets {
        groups: groups
            .iter()
            .map(|(name, labels)| Group {
                name: (*name).into(),
                probing: Probing::default(),
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            })
            .collect(),
        targets: list
            .iter()
            .map(|(name, host, group)| Target {
                name: (*name).into(),
                host: (*host).into(),
                ip: None,
                group: *group,
                labels: Some(std::sync::Arc::new(BTreeMap::from([(
                    "role".into(),
                    "router".into(),
                )]))),
            })
            .collect(),
    }
}

#[test]
fn set_targets_puts_hosts_and_labels_on_alerts() {
    let mut rule = loss_rule(1, 1);
    rule.labels = BTreeMap::from([("team".into(), "net".into()), ("site".into(), "x".into())]);
    let mut board = Board::new(vec![rule]);
    board.set_targets(
        &targets(&[("core", &[("site", "fra1")])], &[("gw", "10.0.0.1", 0)]),
        0,
    );
    let out = board.on_step("gw", "core", &lossy(0, 50));
    let alert = &out[0].alert;
    assert_eq!(alert.host.as_deref(), Some("10.0.0.1"));
    // The rule's labels win over the target's.
    let labels: Vec<_> = alert
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(labels, [("role", "router"), ("site", "x"), ("team", "net")]);
}

#[test]
fn set_targets_resolves_the_alerts_of_targets_gone_or_moved() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    let two = targets(
        &[("core", &[]), ("edge", &[])],
        &[("gw", "a", 0), ("sw", "b", 0)],
    );
    board.set_targets(&two, 0);
    board.on_step("gw", "core", &lossy(0, 50));
    board.on_step("sw", "core", &lossy(0, 50));
    assert_eq!(board.active().len(), 2);
    // gw stays; sw moves to edge.
    let moved = targets(
        &[("core", &[]), ("edge", &[])],
        &[("gw", "a", 0), ("sw", "b", 1)],
    );
    let out = board.set_targets(&moved, 700);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alert.target, "sw");
    assert_eq!(out[0].kind, Resolved);
    // gw is gone.
    let out = board.set_targets(&targets(&[("core", &[])], &[]), 800);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alert.target, "gw");
    assert!(board.active().is_empty());
}

#[test]
fn recent_keeps_a_bounded_number_of_resolved_alerts() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    for n in 0..i64::try_from(RECENT_RESOLVED + 20).unwrap() {
        board.on_step("gw", "core", &lossy(2 * n, 50));
        board.on_step("gw", "core", &lossy(2 * n + 1, 0));
    }
    let recent = board.recent();
    assert_eq!(recent.len(), RECENT_RESOLVED);
    assert!(recent[0].starts_at > recent[1].starts_at);
}

#[test]
fn the_view_serializes_as_api_alerts_shows_it() {
    let mut r = loss_rule(1, 1);
    r.summary = Some("Loss above 10 %".into());
    r.receivers = vec!["ops".into()];
    let mut board = Board::new(vec![r]);
    board.on_step("gw", "core", &step(0, 20, 5, 1000));
    let json = serde_json::to_value(board.view()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "active": [{
                "rule": "HighLoss",
                "kind": "loss",
                "target": "gw",
                "host": null,
                "group": "core",
                "severity": "warning",
                "labels": {},
                "state": "firing",
                "starts_at": 60,
                "ends_at": null,
                "value": 0.25,
                "summary": "Loss above 10 %",
                "description": "loss 25 % (5 of 20 probes lost); fires above 10 %, clears at or below 5 %",
            }],
            "recent": [],
        })
    );
}

#[test]
fn a_rule_without_summary_gets_one() {
    let mut board = Board::new(vec![loss_rule(1, 1)]);
    let out = board.on_step("gw", "core", &lossy(0, 50));
    assert_eq!(out[0].alert.summary, "gw: loss above 10 % (HighLoss)");
}
