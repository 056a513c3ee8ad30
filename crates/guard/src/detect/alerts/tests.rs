use icmpkit_lab::packets::{echo_v4, v4_between};
use icmpkit_wire::dissect::dissect;

use super::*;
use crate::detect::Evidence;
use crate::observe::SECOND;

/// A finding of `detection` at `severity` about one crafted echo.
fn finding(detection: Detection, severity: Severity) -> Finding {
    let ip = v4_between(
        [192, 0, 2, 10],
        [198, 51, 100, 2],
        echo_v4(false, 1, 1, &[]),
    );
    let d = dissect(&ip).unwrap();
    let seen = crate::engine::testing::seen(1, 0, &ip, &d);
    Finding::about(&seen, detection, 50, Evidence::one(1), String::new()).with_severity(severity)
}

const SUBJECT: IpAddr = IpAddr::V4(core::net::Ipv4Addr::new(192, 0, 2, 10));

#[test]
fn a_weak_finding_does_not_hold_back_a_worse_one() {
    let mut alerts = Alerts::new(300 * SECOND);
    let d = Detection::EchoPayloadMismatch; // usually medium
    assert!(alerts.raise(d, SUBJECT, 0, || finding(d, Severity::Low)));
    assert!(!alerts.suppress(d, SUBJECT, SECOND));
    assert!(!alerts.raise(d, SUBJECT, SECOND, || finding(d, Severity::Low)));
    assert!(alerts.raise(d, SUBJECT, 2 * SECOND, || finding(d, Severity::Medium)));
    // Now at its usual severity: repeats are counted, not raised.
    assert!(alerts.suppress(d, SUBJECT, 3 * SECOND));
    assert!(!alerts.raise(d, SUBJECT, 4 * SECOND, || unreachable!()));
    let tally = alerts.tallies().find(|(x, _)| *x == d).unwrap().1;
    assert_eq!(
        (tally.raised, tally.repeats, tally.worst),
        (2, 3, Some(Severity::Medium))
    );
}

#[test]
fn repeats_keep_a_finding_active_and_the_hold_ends_it() {
    let mut alerts = Alerts::new(10 * SECOND);
    let d = Detection::SourceQuench;
    assert!(alerts.raise(d, SUBJECT, 0, || finding(d, Severity::Medium)));
    // A repeat every 9 s keeps it active well past 10 s.
    for i in 1..=3 {
        assert!(alerts.suppress(d, SUBJECT, i * 9 * SECOND));
    }
    // 10 s without one, and it is raised again.
    assert!(alerts.raise(d, SUBJECT, 37 * SECOND, || finding(d, Severity::Medium)));
}
