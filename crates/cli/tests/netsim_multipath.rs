//! scamper's tracelb (MDA) through `icmpkit netsim up` finds exactly the
//! diamond of `examples/netsim/diamond.toml`: r1 balancing per flow over
//! a, b and c, which join again at r5, then the destination; over IPv4
//! (UDP and ICMP probes) and IPv6.

use icmpkit_lab::netns::Lab;
use icmpkit_lab::netsim::{BOUND, Netsim, example};
use icmpkit_lab::{icmpkit, require, text};

#[test]
fn scamper_tracelb_finds_the_configured_diamond() {
    let test = "scamper_tracelb_finds_the_configured_diamond";
    if !require::program("scamper") {
        return;
    }
    let Some(lab) = Lab::host(test) else {
        return;
    };
    let netsim = Netsim::start(
        &lab,
        "host",
        icmpkit!(),
        &["--json", &example("diamond.toml")],
    );
    // A fixed UDP source port: scamper's default comes from its process
    // id, and netsim's flow hash (fixed per hop) then sends some runs'
    // flows down two of the three branches only, ending MDA early.
    let cases = [
        (
            "tracelb -s 40000",
            "203.0.113.10",
            [
                "tracelb from 198.51.100.1 to 203.0.113.10, 3 nodes, 2 links, 24 probes, 95%",
                "198.51.100.11 -> (198.51.100.21, 198.51.100.22, 198.51.100.23) -> 198.51.100.15",
                "198.51.100.15 -> 203.0.113.10",
            ],
        ),
        (
            "tracelb -P icmp-echo",
            "203.0.113.10",
            [
                "tracelb from 198.51.100.1 to 203.0.113.10, 3 nodes, 2 links, 24 probes, 95%",
                "198.51.100.11 -> (198.51.100.21, 198.51.100.22, 198.51.100.23) -> 198.51.100.15",
                "198.51.100.15 -> 203.0.113.10",
            ],
        ),
        (
            "tracelb -s 40000",
            "2001:db8:10::10",
            [
                "tracelb from 2001:db8:100::1 to 2001:db8:10::10, 3 nodes, 2 links, 24 probes, 95%",
                "2001:db8:1::1 -> (2001:db8:2::a, 2001:db8:2::b, 2001:db8:2::c) -> 2001:db8:5::1",
                "2001:db8:5::1 -> 2001:db8:10::10",
            ],
        ),
    ];
    for (command, dst, want) in cases {
        let out = lab.run_bounded(
            "host",
            BOUND,
            "scamper",
            &["-O", "text", "-c", command, "-i", dst],
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines, want, "scamper {command} {dst}:\n{stdout}");
    }
    let summary = netsim.interrupt();
    assert_eq!(summary["lost"], 0);
    assert_eq!(summary["write_errors"], 0);
    assert_eq!(summary["refused"], serde_json::json!({}));
    assert_eq!(summary["rate_limited"], serde_json::json!({}));
}
