//! `icmpkit guard` on the lab's captures (`tests/fixtures/guard`, recorded
//! by `lab/guard/record.sh`): each tunnel capture raises exactly the tunnel
//! findings expected (`echo-tunnel` High for every real or tool-shaped
//! tunnel), and no benign look-alike (ping, large ping, traceroute,
//! tracepath, mtr, monitoring, broadcast ping) raises any tunnel finding.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use icmpkit_lab::netns::{Lab, SERVER4, SERVER6};
use icmpkit_lab::packets::{echo_v4, pcap, v4_between};
use icmpkit_lab::require;
use icmpkit_lab::{guard, icmpkit};
use serde_json::Value;

/// One expected finding: detection, severity, the finding's source.
type Expected = (&'static str, &'static str, &'static str);

/// Each tunnel capture and its tunnel findings: (detection, severity,
/// the finding's source), in any order (a regenerated recording of a real
/// tool may interleave them differently).
const TUNNELS: &[(&str, &[Expected])] = &[
    (
        "ptunnel-ng",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("unusual-echo-payload", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "ptunnel",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("unusual-echo-payload", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "hans",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
            ("unusual-echo-payload", "low", "192.0.2.10"),
        ],
    ),
    (
        "icmptunnel",
        &[
            ("tunnel-signature", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
        ],
    ),
    (
        "icmpsh",
        &[
            ("tunnel-signature", "low", "203.0.113.66"),
            ("echo-payload-mismatch", "medium", "203.0.113.66"),
            ("unusual-echo-payload", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "192.0.2.10"),
        ],
    ),
    (
        "entropy-session",
        &[
            ("unusual-echo-payload", "low", "192.0.2.10"),
            ("echo-tunnel", "high", "192.0.2.10"),
        ],
    ),
    (
        "reply-mismatch",
        &[("echo-payload-mismatch", "medium", "198.51.100.2")],
    ),
];

/// Benign look-alikes: no tunnel finding at all.
const BENIGN: &[&str] = &[
    "benign-ping",
    "benign-ping-fragmented",
    "benign-traceroute-icmp",
    "benign-traceroute-udp",
    "benign-tracepath",
    "benign-mtr",
    "benign-monitor",
    "benign-broadcast-ping",
    "smurf",
];

const FAMILY: &str = "tunnel";

/// The alerts of the tunnel family `icmpkit guard --json` prints for
/// `name`.
fn tunnel_alerts(name: &str) -> Vec<Value> {
    guard::of_family(
        guard::alerts(icmpkit!(), &guard::fixture(name), &[]),
        FAMILY,
    )
}

#[test]
fn each_tunnel_capture_raises_its_tunnel_findings() {
    for (name, expected) in TUNNELS {
        let alerts = tunnel_alerts(name);
        let mut got: Vec<(String, String, String)> = alerts
            .iter()
            .map(|a| {
                (
                    a["detection"].as_str().unwrap().to_owned(),
                    a["severity"].as_str().unwrap().to_owned(),
                    a["src"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut want: Vec<(String, String, String)> = expected
            .iter()
            .map(|(d, s, a)| ((*d).to_owned(), (*s).to_owned(), (*a).to_owned()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn every_echo_tunnel_names_at_least_two_factors_and_explains_them() {
    for (name, _) in TUNNELS {
        let alerts = tunnel_alerts(name);
        for a in alerts.iter().filter(|a| a["detection"] == "echo-tunnel") {
            let factors = a["evidence"]["facts"]["factors"].as_str().unwrap();
            assert!(factors.split(',').count() >= 2, "{name}: {factors}");
            let explanation = a["explanation"].as_str().unwrap();
            assert!(
                explanation.contains("independent signs")
                    && explanation.contains(a["evidence"]["facts"]["requester"].as_str().unwrap()),
                "{name}: {explanation}"
            );
        }
    }
}

#[test]
fn the_ptunnel_ng_capture_carries_its_magic_at_data_offset_zero() {
    let alerts = tunnel_alerts("ptunnel-ng");
    let sig = alerts
        .iter()
        .find(|a| a["detection"] == "tunnel-signature")
        .expect("a signature");
    assert_eq!(sig["frame"], 1);
    assert_eq!(sig["evidence"]["facts"]["tool"], "ptunnel-ng");
    assert_eq!(sig["evidence"]["facts"]["mark"], "the magic 0xDEADC0DE");
    let tunnel = alerts
        .iter()
        .find(|a| a["detection"] == "echo-tunnel")
        .expect("a tunnel");
    assert_eq!(
        tunnel["evidence"]["facts"]["factors"],
        "payload-mismatch,tool-signature"
    );
}

#[test]
fn benign_look_alikes_raise_no_tunnel_finding() {
    for name in BENIGN {
        let alerts = tunnel_alerts(name);
        assert_eq!(alerts, Vec::<Value>::new(), "{name}");
    }
}

/// A capture written for one test, removed when dropped.
struct Written(PathBuf);

impl Written {
    /// `records` (included bytes, original length), one a second, as a
    /// pcap named for `test`.
    fn new(test: &str, records: &[(Vec<u8>, usize)]) -> Self {
        let records: Vec<(&[u8], u32)> = records
            .iter()
            .map(|(b, len)| (b.as_slice(), u32::try_from(*len).unwrap()))
            .collect();
        let path = std::env::temp_dir().join(format!(
            "icmpkit-guard-tunnel-{}-{test}.pcap",
            std::process::id()
        ));
        std::fs::write(&path, pcap(&records)).expect("write the capture");
        Self(path)
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// iputils ping's data: 16 bytes of time, then bytes counting from 16.
fn ping_data(size: usize, seq: u16) -> Vec<u8> {
    let mut d: Vec<u8> = (0..size).map(|i| i.to_le_bytes()[0]).collect();
    d[..2].copy_from_slice(&seq.to_be_bytes());
    d
}

/// Runs `icmpkit guard --json --fail-on high` on `path`: its exit code and
/// its tunnel alerts.
fn guard_fail_on_high(path: &Path) -> (Option<i32>, Vec<Value>) {
    let out = Command::new(icmpkit!())
        .args(["guard", "--json", "--fail-on", "high"])
        .arg(path)
        .output()
        .expect("run icmpkit");
    let alerts = icmpkit_lab::json_lines(&out.stdout)
        .into_iter()
        .filter(|v| v["type"] == "alert")
        .collect();
    (out.status.code(), guard::of_family(alerts, FAMILY))
}

const HOST: [u8; 4] = [192, 0, 2, 11];
const TARGET: [u8; 4] = [198, 51, 100, 2];

#[test]
fn a_ten_minute_steady_ping_is_a_long_session_and_nothing_more() {
    // A request every 2 s and its reply 1 s later (the helper writes one
    // record a second), for 700 s.
    let mut records = Vec::new();
    for seq in 0..350u16 {
        let data = ping_data(56, seq);
        let req = v4_between(HOST, TARGET, echo_v4(false, 0x5151, seq, &data));
        let rep = v4_between(TARGET, HOST, echo_v4(true, 0x5151, seq, &data));
        records.push((req.clone(), req.len()));
        records.push((rep.clone(), rep.len()));
    }
    let file = Written::new("long", &records);
    let (code, alerts) = guard_fail_on_high(&file.0);
    assert_eq!(code, Some(0));
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a["detection"], "long-echo-session");
    assert_eq!(a["severity"], "info");
    assert_eq!(a["frame"], 601);
    assert_eq!(a["src"], "192.0.2.11");
    let facts = &a["evidence"]["facts"];
    assert_eq!(facts["duration_s"], 600.0);
    assert_eq!(facts["requests"], 301);
    assert_eq!(facts["longest_gap_s"], 2.0);
    assert_eq!(a["evidence"]["rate_pps"], 0.5);
    assert!(
        a["explanation"].as_str().unwrap().starts_with(
            "192.0.2.11 has sent echo requests to 198.51.100.2 steadily for 10.0 minutes"
        ),
        "{}",
        a["explanation"]
    );
}

#[test]
fn data_cut_by_the_snap_length_is_not_called_a_mismatch() {
    // ping -s 200 captured with a snap length of 64: the replies' data is
    // cut (and so is the requests', in the second half).
    let mut records = Vec::new();
    for seq in 0..20u16 {
        let data = ping_data(200, seq);
        let req = v4_between(HOST, TARGET, echo_v4(false, 9, seq, &data));
        let rep = v4_between(TARGET, HOST, echo_v4(true, 9, seq, &data));
        let req_kept = if seq < 10 { req.len() } else { 64 };
        records.push((req[..req_kept].to_vec(), req.len()));
        records.push((rep[..64].to_vec(), rep.len()));
    }
    let file = Written::new("snaplen", &records);
    let (code, alerts) = guard_fail_on_high(&file.0);
    assert_eq!(code, Some(0));
    assert_eq!(alerts, Vec::<Value>::new());
}

#[test]
fn a_tunnel_capture_fails_a_script_that_fails_on_high() {
    let path = guard::fixture("icmptunnel");
    let (code, alerts) = guard_fail_on_high(&path);
    assert_eq!(code, Some(1));
    assert!(alerts.iter().any(|a| a["detection"] == "echo-tunnel"));
}

#[test]
fn real_iputils_pings_raise_no_tunnel_finding() {
    // Every ping shape an admin uses, captured on the server's link:
    // default, large (fragmented over the 1280-byte link), patterned,
    // patterned and sized, IPv6.
    if !require::program("tcpdump") {
        return;
    }
    let Some(chain) = Lab::chain("real_iputils_pings_raise_no_tunnel_finding", 1280) else {
        return;
    };
    let pcap = std::env::temp_dir().join(format!("{}-tunnel.pcap", chain.ns("server")));
    let pcap_arg = pcap.to_string_lossy().into_owned();
    // `ip netns exec` execs tcpdump: the child's id is tcpdump's own.
    let mut tcpdump = Command::new("ip")
        .args([
            "netns",
            "exec",
            &chain.ns("server"),
            "tcpdump",
            "-Z",
            "root",
        ])
        .args([
            "-U",
            "-c",
            "1000",
            "-i",
            "s0",
            "-w",
            &pcap_arg,
            "icmp or icmp6 or ip[6:2] & 0x1fff != 0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run tcpdump");
    std::thread::sleep(Duration::from_millis(1500));
    let runs: &[&[&str]] = &[
        &[SERVER4],
        &["-s", "3000", SERVER4],
        &["-p", "ff00", SERVER4],
        &[
            "-s",
            "400",
            "-p",
            "0123456789abcdeffedcba9876543210",
            SERVER4,
        ],
        &["-s", "1200", SERVER4],
        &["-6", SERVER6],
        &["-6", "-s", "600", "-p", "a5", SERVER6],
    ];
    for args in runs {
        let mut all = vec!["-n", "-q", "-c", "4", "-i", "0.2"];
        all.extend_from_slice(args);
        let out = chain.run_bounded("client", 10, "ping", &all);
        assert!(out.status.success(), "ping {all:?}: {out:?}");
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = tcpdump.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let status = tcpdump.wait().expect("wait for tcpdump");
    assert!(status.success(), "tcpdump: {status}");
    let (code, alerts) = guard_fail_on_high(&pcap);
    let summary = Command::new(icmpkit!())
        .args(["guard"])
        .arg(&pcap)
        .output()
        .expect("run icmpkit");
    let _ = std::fs::remove_file(&pcap);
    let summary = String::from_utf8_lossy(&summary.stdout);
    // 7 runs of 4 requests, each answered.
    assert!(
        summary.contains("echo: 28 requests, 28 replies matched, 0 replies without a request seen"),
        "{summary}"
    );
    assert_eq!(alerts, Vec::<Value>::new());
    assert_eq!(code, Some(0));
}
