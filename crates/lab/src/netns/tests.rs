use super::{Lab, MonitorPath, MonitorTarget, PA4, PB6};

/// Sent and received of iputils `ping -c COUNT` from the agent to `target`.
fn ping(lab: &Lab, target: &str, count: u32) -> (u64, u64) {
    let count = count.to_string();
    let out = lab.run_bounded(
        "agent",
        60,
        "ping",
        &["-c", &count, "-i", "0.002", "-W", "1", "-q", target],
    );
    let text = crate::text(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .unwrap_or_else(|| panic!("no summary: {text}"));
    let numbers: Vec<u64> = line
        .split([' ', ','])
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn the_monitoring_lab_loses_nothing_one_in_ten_and_everything_as_counted() {
    let test = "the_monitoring_lab_loses_nothing_one_in_ten_and_everything_as_counted";
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    assert_eq!(ping(&lab, MonitorTarget::Clean.v4(), 50), (50, 50));
    assert_eq!(ping(&lab, MonitorTarget::Clean.v6(), 50), (50, 50));
    let (sent, received) = ping(&lab, MonitorTarget::Lossy.v4(), 300);
    let (sent6, received6) = ping(&lab, MonitorTarget::Lossy.v6(), 300);
    let drops = lab.echo_drops(MonitorTarget::Lossy);
    assert_eq!(drops.seen, sent + sent6);
    assert_eq!(drops.dropped, sent + sent6 - received - received6);
    // One in ten at random: 600 draws land this far from 60 with a
    // probability below 1e-6.
    assert!((20..=110).contains(&drops.dropped), "{drops:?}");
    assert_eq!(ping(&lab, MonitorTarget::Dead.v4(), 5).1, 0);
    let dead = lab.echo_drops(MonitorTarget::Dead);
    assert_eq!((dead.seen, dead.dropped), (5, 5));
    assert_eq!(ping(&lab, MonitorTarget::Moving.v4(), 5), (5, 5));
}

/// The second hop of a traceroute from the agent to `target`.
fn second_hop(lab: &Lab, target: &str) -> String {
    let out = lab.run_bounded(
        "agent",
        30,
        "traceroute",
        &["-n", "-q", "1", "-w", "1", target],
    );
    let text = crate::text(&out.stdout);
    let hop = text
        .lines()
        .find(|l| l.trim_start().starts_with("2 "))
        .unwrap_or_else(|| panic!("no second hop: {text}"));
    hop.split_whitespace().nth(1).unwrap_or_default().to_owned()
}

#[test]
fn switching_the_path_moves_the_moving_target_from_pa_to_pb_and_back() {
    let test = "switching_the_path_moves_the_moving_target_from_pa_to_pb_and_back";
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    if !crate::require::program("traceroute") {
        return;
    }
    let moving = MonitorTarget::Moving;
    assert_eq!(second_hop(&lab, moving.v4()), PA4);
    lab.switch_path(MonitorPath::B);
    assert_eq!(second_hop(&lab, moving.v6()), PB6);
    assert_eq!(ping(&lab, moving.v4(), 5), (5, 5));
    lab.switch_path(MonitorPath::A);
    assert_eq!(second_hop(&lab, moving.v4()), PA4);
}
