use super::BlackboxExporter;
use crate::http::Listen;
use crate::metrics::value;
use crate::netns::{Lab, MonitorTarget};

#[test]
fn blackbox_exporter_probes_succeed_for_the_clean_target_and_fail_for_the_dead() {
    let test = "blackbox_exporter_probes_succeed_for_the_clean_target_and_fail_for_the_dead";
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    let Some(blackbox) = BlackboxExporter::start(&Listen::netns(lab.ns("agent"))) else {
        return;
    };
    let clean = blackbox.probe(MonitorTarget::Clean.v4());
    assert_eq!(value(&clean, "probe_success", &[]), Some(1.0), "{clean:?}");
    assert!(blackbox.rtt("icmp6", MonitorTarget::Moving.v6()).is_some());
    let dead = blackbox.probe(MonitorTarget::Dead.v4());
    assert_eq!(value(&dead, "probe_success", &[]), Some(0.0), "{dead:?}");
}
