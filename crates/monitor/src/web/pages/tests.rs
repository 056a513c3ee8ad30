use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::step::{StepBrief, StepSummary};

fn target(name: &str, group: &str, lost: u32) -> TargetStatus {
    TargetStatus {
        name: name.into(),
        host: name.into(),
        group: group.into(),
        up: Some(lost < 20),
        last_step: Some(StepBrief::of(&StepSummary {
            start: 1_000_000,
            step: 300,
            sent: 20,
            rtts_us: vec![10_000; 20 - lost as usize],
            jitter_us: None,
        })),
        ..TargetStatus::default()
    }
}

fn live() -> Live {
    Live {
        agent: "a".to_owned(),
        targets: vec![
            target("b", "core", 2),
            target("a", "edge", 0),
            target("c\"<", "core", 20),
        ],
        ..Live::default()
    }
}

fn order(html: &str) -> Vec<&str> {
    html.split("<tr data-target=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap_or_default())
        .collect()
}

#[test]
fn the_overview_sorts_by_the_column_asked_for() {
    let by = |sort, desc| {
        overview(
            &live(),
            &OverviewQuery {
                sort,
                desc,
                ..OverviewQuery::default()
            },
            &[],
        )
    };
    assert_eq!(
        order(&by(SortKey::Config, false)),
        ["b", "a", "c&quot;&lt;"]
    );
    assert_eq!(order(&by(SortKey::Name, false)), ["a", "b", "c&quot;&lt;"]);
    assert_eq!(order(&by(SortKey::Loss, true)), ["c&quot;&lt;", "b", "a"]);
    assert_eq!(
        order(&by(SortKey::Status, false)),
        ["c&quot;&lt;", "b", "a"]
    );
}

#[test]
fn the_overview_filters_by_group_and_name_and_keeps_the_filter_in_sort_links() {
    let q = OverviewQuery {
        group: Some("core".to_owned()),
        name: Some("C".to_owned()),
        ..OverviewQuery::default()
    };
    let html = overview(&live(), &q, &[]);
    assert_eq!(order(&html), ["c&quot;&lt;"]);
    assert!(html.contains("href=\"/?sort=loss&amp;group=core&amp;q=C\""));
    assert!(html.contains("value=\"C\""));
}

#[test]
fn a_path_change_names_the_hops_that_changed() {
    let ip = |d| Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, d)));
    let record = |hops: Vec<Option<IpAddr>>| PathRecord {
        at: 0,
        hops,
        reached: true,
        pmtu: None,
    };
    assert_eq!(
        path_diff(&record(vec![ip(1), ip(2)]), &record(vec![ip(1), ip(3)])),
        "hop 2: 10.0.0.2 → 10.0.0.3"
    );
    assert_eq!(
        path_diff(&record(vec![ip(1)]), &record(vec![ip(1), None])),
        "hop 2: – → *"
    );
}
