use std::sync::{Arc, RwLock};

use super::*;
use crate::step::{StepBrief, StepSummary};

fn live() -> SharedLive {
    let mut target = TargetStatus {
        name: "gw".into(),
        host: "gw.example".into(),
        ip: Some("10.0.0.1".parse().unwrap()),
        group: "core".into(),
        sent: 10,
        last_step: Some(StepBrief::of(&StepSummary {
            start: 0,
            step: 60,
            sent: 10,
            rtts_us: vec![1000; 9],
            jitter_us: Some(0),
        })),
        up: Some(true),
        ..TargetStatus::default()
    };
    Arc::make_mut(&mut target.labels).insert("site".into(), "fra1".into());
    for _ in 0..9 {
        target.rtt.observe(1000);
    }
    Arc::new(RwLock::new(Live {
        agent: "a1".into(),
        targets: vec![target],
        ..Live::default()
    }))
}

#[test]
fn a_target_has_its_counters_histograms_and_step_gauges() {
    let text = encode(&registry(live())).unwrap();
    let labels =
        r#"{target="gw",host="gw.example",ip="10.0.0.1",group="core",agent="a1",site="fra1"}"#;
    for line in [
        format!("icmpkit_monitor_probes_sent_total{labels} 10"),
        format!("icmpkit_monitor_probes_received_total{labels} 9"),
        format!("smokeping_requests_total{labels} 10"),
        format!("icmpkit_monitor_step_loss_ratio{labels} 0.1"),
        format!("icmpkit_monitor_step_rtt_median_seconds{labels} 0.001"),
        format!("icmpkit_monitor_up{labels} 1.0"),
        format!("smokeping_response_duration_seconds_count{labels} 9"),
    ] {
        assert!(text.contains(&line), "{line} not in\n{text}");
    }
    // 1 ms is in the 1.6 ms bucket (50 µs × 2^5), not the 0.8 ms one.
    let bucket = |le: &str| {
        format!(
            r#"smokeping_response_duration_seconds_bucket{{le="{le}",target="gw",host="gw.example",ip="10.0.0.1",group="core",agent="a1",site="fra1"}}"#
        )
    };
    assert!(text.contains(&format!("{} 0", bucket("0.0008"))), "{text}");
    assert!(text.contains(&format!("{} 9", bucket("0.0016"))), "{text}");
    assert!(text.contains(&format!("{} 9", bucket("+Inf"))), "{text}");
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn label_values_from_the_configuration_are_escaped() {
    let shared = live();
    Arc::make_mut(&mut shared.write().unwrap().targets[0].labels)
        .insert("rack".into(), "r \"A\"\\1\nx".into());
    let text = encode(&registry(shared)).unwrap();
    assert!(text.contains(r#"rack="r \"A\"\\1\nx""#), "{text}");
}

#[test]
fn a_target_never_measured_has_no_step_gauges() {
    let shared = live();
    {
        let mut l = shared.write().unwrap();
        l.targets[0].last_step = None;
        l.targets[0].up = None;
    }
    let text = encode(&registry(shared)).unwrap();
    assert!(!text.contains("icmpkit_monitor_step_loss_ratio{"));
    assert!(!text.contains("icmpkit_monitor_up{"));
    assert!(text.contains("icmpkit_monitor_probes_sent_total{"));
}

#[test]
fn the_daemons_own_series_carry_the_agent_label() {
    let text = encode(&registry(live())).unwrap();
    for line in [
        r#"icmpkit_monitor_targets{agent="a1"} 1.0"#,
        r#"icmpkit_monitor_late_samples_total{agent="a1"} 0"#,
        r#"icmpkit_monitor_config_reloads_total{agent="a1",result="success"} 0"#,
        r#"icmpkit_monitor_config_reloads_total{agent="a1",result="failure"} 0"#,
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
}
