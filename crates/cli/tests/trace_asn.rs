//! `icmpkit trace -A` in the traceroute lab of `lab/lib.sh` (`lab_trace`)
//! against a DNS server of the lab's own: dnsmasq in the client's
//! namespace, on its loopback, answering TXT records in the format of the
//! public IP-to-ASN services (Team Cymru's) for the lab's addresses and
//! nothing else (`--no-resolv`: it asks no one). The trace's resolver is
//! pointed at it with `--dns-server`, or by a resolv.conf of the
//! namespace's own (`Lab::etc_file`): no question leaves the lab. Every
//! lab is built and removed by the guard `icmpkit_lab::netns::Lab`.

use std::net::IpAddr;
use std::process::{Child, Command, Output};
use std::time::Duration;

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, R1_4, R1_6, R2_4, R2_6, R4_4, SERVER4, SERVER6};
use icmpkit_lab::{require, text};
use serde_json::Value;

/// dnsmasq answering for the lab in the client's namespace; stopped
/// (SIGTERM to its `timeout`, which passes it on) when dropped.
struct Dnsmasq(Child);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// The question for `addr`, written here independently of the code
/// under test: octets, or nibbles, reversed.
fn question(addr: &str) -> String {
    match addr.parse::<IpAddr>().unwrap() {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.origin.asn.cymru.com", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut nibbles: Vec<String> = a
                .octets()
                .iter()
                .flat_map(|byte| [byte >> 4, byte & 0xf])
                .map(|nibble| format!("{nibble:x}"))
                .collect();
            nibbles.reverse();
            format!("{}.origin6.asn.cymru.com", nibbles.join("."))
        }
    }
}

/// The records dnsmasq serves: r1, r2 (two origins), the server's /24
/// and a more specific /25, over IPv4 and IPv6; r3a, r3b and r4 have none.
fn records() -> Vec<String> {
    [
        (R1_4, "64500 | 192.0.2.0/24 | ZZ | test | 2024-01-01"),
        (
            R2_4,
            "64501 64502 | 203.0.113.0/24 | ZZ | test | 2024-01-02",
        ),
        (SERVER4, "64510 | 198.51.100.0/24 | ZZ | test | 2024-01-03"),
        (SERVER4, "64511 | 198.51.100.0/25 | ZZ | test | 2024-01-03"),
        (R1_6, "64600 | 2001:db8:1::/48 | ZZ | test | 2024-01-01"),
        (R2_6, "64601 | 2001:db8:12::/48 | ZZ | test | 2024-01-02"),
        (SERVER6, "64610 | 2001:db8:2::/48 | ZZ | test | 2024-01-03"),
    ]
    .iter()
    .map(|(addr, txt)| format!("--txt-record={},{txt}", question(addr)))
    .collect()
}

/// Starts dnsmasq on the client's loopback, port 53, and waits until it
/// listens.
fn dnsmasq(lab: &Lab) -> Dnsmasq {
    lab.must("client", &["ip", "link", "set", "lo", "up"]);
    let mut args = vec![
        "-k".to_owned(),
        "--conf-file=/dev/null".to_owned(),
        "--no-resolv".to_owned(),
        "--no-hosts".to_owned(),
        "--listen-address=127.0.0.1".to_owned(),
        "--bind-interfaces".to_owned(),
        "--local=/asn.cymru.com/".to_owned(),
        "--pid-file=".to_owned(),
        "--user=root".to_owned(),
    ];
    args.extend(records());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Dnsmasq(lab.spawn_bounded("client", 120, "dnsmasq", &args));
    for _ in 0..100 {
        let listening = text(&lab.exec("client", &["ss", "-lun"]).stdout);
        if listening.contains("127.0.0.1:53 ") {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("dnsmasq does not listen");
}

/// `icmpkit trace ARGS` from the client.
fn trace(lab: &Lab, args: &[&str]) -> Output {
    lab.run_bounded("client", 60, icmpkit!(), &[&["trace"][..], args].concat())
}

/// `icmpkit trace -n -q 1 -A --dns-server SERVER ARGS` from the client.
fn trace_asn(lab: &Lab, server: &str, args: &[&str]) -> Output {
    let asn = ["-n", "-q", "1", "-A", "--dns-server", server];
    trace(lab, &[&asn[..], args].concat())
}

/// The labels after each hop's address: `(ttl, address, AS label)`.
fn as_labels(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .skip(1)
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((
                words.next()?.to_owned(),
                words.next()?.to_owned(),
                words.next()?.to_owned(),
            ))
        })
        .collect()
}

fn lab(test: &str) -> Option<Lab> {
    if !require::program("dnsmasq") {
        return None;
    }
    Lab::trace(test, 1280)
}

#[test]
fn as_numbers_come_from_the_lab_dns_server_as_traceroute_prints_them() {
    let Some(lab) = lab("trace asn") else {
        return;
    };
    let _server = dnsmasq(&lab);
    // Through --dns-server, then through the namespace's resolv.conf.
    for server in [Some("127.0.0.1"), Some("127.0.0.1:53"), None] {
        let mut args = vec!["-n", "-q", "1", "-A"];
        if let Some(s) = server {
            args.extend(["--dns-server", s]);
        } else {
            lab.etc_file("client", "resolv.conf", "nameserver 127.0.0.1\n");
        }
        let v4 = trace(&lab, &[&args[..], &[SERVER4]].concat());
        assert_eq!(v4.status.code(), Some(0), "{}", text(&v4.stderr));
        let labels = as_labels(&text(&v4.stdout));
        let shown: Vec<(&str, &str)> = labels
            .iter()
            .map(|(ttl, _, label)| (ttl.as_str(), label.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("1", "[AS64500]"),
                ("2", "[AS64501/AS64502]"),
                ("3", "[*]"),
                ("4", "[*]"),
                ("5", "[AS64511]"),
            ],
            "{server:?}: {}",
            text(&v4.stdout)
        );
        assert_eq!(labels[3].1, R4_4);
        let v6 = trace(&lab, &[&args[..], &[SERVER6]].concat());
        let labels: Vec<String> = as_labels(&text(&v6.stdout))
            .into_iter()
            .map(|l| l.2)
            .collect();
        assert_eq!(
            labels,
            ["[AS64600]", "[AS64601]", "[*]", "[*]", "[AS64610]"],
            "{server:?}: {}",
            text(&v6.stdout)
        );
    }
    // JSON: the numbers, an empty list for none.
    let out = trace_asn(&lab, "127.0.0.1", &["--json", SERVER4]);
    let asns: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["type"] == "hop")
        .map(|h| h["probes"][0]["asn"].clone())
        .collect();
    assert_eq!(
        asns,
        [
            serde_json::json!([64500]),
            serde_json::json!([64501, 64502]),
            serde_json::json!([]),
            serde_json::json!([]),
            serde_json::json!([64511]),
        ]
    );
    // Without -A there is no lookup: null.
    let out = trace(&lab, &["-n", "-q", "1", "--json", SERVER4]);
    let first: Value = serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["probes"][0]["asn"], Value::Null);
    // The path MTU walk and MDA label their addresses the same way.
    let out = trace(
        &lab,
        &["-n", "-A", "--dns-server", "127.0.0.1", "--pmtu", SERVER4],
    );
    assert!(
        text(&out.stdout).contains(" 1  192.0.2.254 [AS64500]  "),
        "{}",
        text(&out.stdout)
    );
    let out = trace(
        &lab,
        &["-n", "-A", "--dns-server", "127.0.0.1", "--mda", SERVER4],
    );
    assert!(
        text(&out.stdout).contains(" 2  203.0.113.2 [AS64501/AS64502]  "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_dns_server_that_does_not_answer_is_asked_once() {
    let Some(lab) = lab("trace asn silent") else {
        return;
    };
    // Nothing listens on port 5399: every label is traceroute's [!!] for
    // a failed lookup, and one warning.
    let out = trace_asn(&lab, "127.0.0.1:5399", &[SERVER4]);
    assert_eq!(out.status.code(), Some(0));
    let labels: Vec<String> = as_labels(&text(&out.stdout))
        .into_iter()
        .map(|l| l.2)
        .collect();
    assert_eq!(labels, ["[!!]"; 5]);
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr
            .matches("icmpkit: -A: no more AS lookups: asking for ")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("asking for 254.2.0.192.origin.asn.cymru.com.: "),
        "{stderr}"
    );
    // Options that make no sense say so.
    let out = trace(&lab, &["-n", "--dns-server", "127.0.0.1", SERVER4]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "icmpkit: --dns-server is for -A: add -A to look AS numbers up\n"
    );
    let out = trace(&lab, &["-n", "-A", "--dns-server", "dns.example", SERVER4]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("icmpkit: --dns-server dns.example: not an address"),
        "{}",
        text(&out.stderr)
    );
}
