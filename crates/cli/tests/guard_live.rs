//! `icmpkit guard -i IFACE` on a live interface of the lab's chain: the
//! server's guard names a flood the client sends and stays quiet on an
//! ordinary ping; `--listen` serves the counts to a scrape while it runs;
//! an unprivileged user is told which capability is missing.

use std::time::Duration;

use icmpkit_lab::bin::{RunnableCopy, with_subcommand};
use icmpkit_lab::netns::Lab;
use icmpkit_lab::{icmpkit, json_lines, text};

/// A scrape of `http://127.0.0.1:PORT/metrics` from inside `ns`, with
/// bash's /dev/tcp (no HTTP client needed).
fn scrape(lab: &Lab, ns: &str, port: u16) -> String {
    let script = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port} && \
         printf 'GET /metrics HTTP/1.0\\r\\nHost: lab\\r\\n\\r\\n' >&3 && timeout 5 cat <&3"
    );
    text(&lab.run_bounded(ns, 10, "bash", &["-c", &script]).stdout)
}

#[test]
fn a_live_guard_names_a_flood_and_serves_its_counts() {
    let Some(lab) = Lab::chain("a_live_guard_names_a_flood_and_serves_its_counts", 1500) else {
        return;
    };
    let guard = lab.spawn_bounded(
        "server",
        30,
        icmpkit!(),
        &with_subcommand(
            "guard",
            &[
                "-i",
                "s0",
                "--json",
                "--duration",
                "4",
                "--listen",
                "127.0.0.1:9464",
            ],
        ),
    );
    std::thread::sleep(Duration::from_millis(700));
    // An ordinary ping first: nothing to say about it.
    let ping = lab.run_bounded(
        "client",
        10,
        "ping",
        &["-c", "3", "-i", "0.2", "198.51.100.2"],
    );
    assert!(ping.status.success(), "{}", text(&ping.stderr));
    // Then a flood: 3,000 requests as fast as the replies come.
    let flood = lab.run_bounded(
        "client",
        10,
        "ping",
        &["-f", "-c", "3000", "-q", "198.51.100.2"],
    );
    assert!(flood.status.success(), "{}", text(&flood.stderr));
    std::thread::sleep(Duration::from_millis(400));
    let metrics = scrape(&lab, "server", 9464);
    let out = guard.wait_with_output().expect("guard ran");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let records = json_lines(&out.stdout);
    let alerts: Vec<_> = records.iter().filter(|r| r["type"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "{records:#?}");
    assert_eq!(alerts[0]["detection"], "echo-flood-source");
    assert_eq!(alerts[0]["severity"], "high");
    assert_eq!(alerts[0]["src"], "192.0.2.2");
    assert_eq!(alerts[0]["dst"], "198.51.100.2");
    let summary = records.last().expect("a summary");
    assert_eq!(summary["type"], "summary");
    // 3 + 3,000 requests in, as many replies out; nothing dropped.
    assert_eq!(summary["echo"]["requests"], 3003, "{summary:#}");
    assert_eq!(summary["echo"]["replies_matched"], 3003, "{summary:#}");
    // Requests came in, replies went out (a fresh namespace adds a stray
    // MLD report or router solicitation of its own now and then).
    let ipv4 = |t: u64| {
        summary["by_message"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["version"] == 4 && m["icmp_type"] == t)
            .map(|m| m["packets"].clone())
    };
    assert_eq!(ipv4(8), Some(3003.into()));
    assert_eq!(ipv4(0), Some(3003.into()));
    assert!(
        summary["directions"]["in"].as_u64() >= Some(3003),
        "{summary:#}"
    );
    assert!(
        summary["directions"]["out"].as_u64() >= Some(3003),
        "{summary:#}"
    );
    assert_eq!(summary["capture"]["drops"], 0);

    assert!(
        metrics.starts_with("HTTP/1.0 200 OK") || metrics.starts_with("HTTP/1.1 200 OK"),
        "{metrics}"
    );
    assert!(
        metrics.contains("application/openmetrics-text"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "icmpkit_guard_findings_total{detection=\"echo-flood-source\",family=\"flood\",severity=\"high\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "icmpkit_guard_messages_total{version=\"4\",icmp_type=\"8\",icmp_code=\"0\",message=\"Echo (ping) request\"} 3003"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("icmpkit_guard_capture_drops_total 0"),
        "{metrics}"
    );
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
}

#[test]
fn an_unprivileged_live_guard_names_the_capability() {
    let Some(lab) = Lab::host("an_unprivileged_live_guard_names_the_capability") else {
        return;
    };
    let program = RunnableCopy::new(icmpkit!(), "guard-unprivileged");
    let out = lab.run_unprivileged(
        "host",
        10,
        program.path().to_str().expect("a path"),
        &with_subcommand("guard", &["-i", "lo", "--duration", "1"]),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("CAP_NET_RAW"), "{err}");
    assert!(err.contains("setcap cap_net_raw+ep"), "{err}");
}

#[test]
fn a_missing_interface_is_named() {
    let Some(lab) = Lab::host("a_missing_interface_is_named") else {
        return;
    };
    let out = lab.run_bounded(
        "host",
        10,
        icmpkit!(),
        &with_subcommand("guard", &["-i", "nosuch0", "--duration", "1"]),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "icmpkit: cannot capture on \"nosuch0\": no such interface (`ip link` lists them)\n"
    );
}

#[test]
fn live_options_on_a_file_are_refused_with_the_fix() {
    let capture = icmpkit_lab::guard::fixture("benign-ping");
    for option in [
        &["--listen", "127.0.0.1:9464"][..],
        &["--duration", "5"],
        &["-c", "3"],
        &["--promiscuous"],
        &["--all-traffic"],
    ] {
        let out = std::process::Command::new(icmpkit!())
            .arg("guard")
            .args(option)
            .arg(&capture)
            .output()
            .expect("run icmpkit");
        assert_eq!(out.status.code(), Some(2), "{option:?}");
        let name = if option[0] == "-c" {
            "--count"
        } else {
            option[0]
        };
        assert_eq!(
            text(&out.stderr),
            format!(
                "icmpkit: {name} is for a live capture: give -i IFACE instead of a file, or \
                 leave {name} out\n"
            )
        );
    }
}
