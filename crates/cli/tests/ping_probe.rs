//! `icmpkit ping --probe-interface` (RFC 8335 PROBE) against Linux in the
//! lab: the client asks the server (`net.ipv4.icmp_echo_enable_probe=1`)
//! about its interfaces by name, ifIndex and address, over IPv4 and IPv6,
//! checks the exact lines (times aside), the JSON fields and the exit
//! codes, the silence of a server with PROBE off, and, with tcpdump and
//! tshark, that the request on the wire is a well-formed Extended Echo
//! Request.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use icmpkit_lab::bin::with_subcommand;
use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, SERVER4, SERVER6};
use serde_json::Value;

/// Runs `icmpkit ping ARGS` in the client namespace.
fn probe(chain: &Lab, args: &[&str]) -> Output {
    chain.run_bounded("client", 20, icmpkit!(), &with_subcommand("ping", args))
}

/// Stdout with every `time=X` made `time=T`.
fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            line.split(' ')
                .map(|w| if w.starts_with("time=") { "time=T" } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Asserts the run printed `expected` and exited with `code`.
fn expect(chain: &Lab, args: &[&str], expected: &[&str], code: i32) {
    let out = probe(chain, args);
    assert_eq!(
        lines(&out),
        expected,
        "{args:?}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "{args:?}");
}

/// The JSON objects a run printed.
fn json(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// The ifIndex of `dev` in namespace `name`, from `ip -o link show`.
fn if_index(chain: &Lab, name: &str, dev: &str) -> String {
    let out = Command::new("ip")
        .args(["-n", &chain.ns(name), "-o", "link", "show", dev])
        .output()
        .expect("run ip link");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let index = text.split(':').next().unwrap_or("").trim().to_owned();
    assert!(
        !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()),
        "{text}"
    );
    index
}

#[test]
fn probe_interfaces_of_a_linux_server() {
    let Some(chain) = Lab::chain("probe_interfaces_of_a_linux_server", 1280) else {
        return;
    };
    chain.must(
        "server",
        &["sysctl", "-qw", "net.ipv4.icmp_echo_enable_probe=1"],
    );
    let exists = "exists, active, IPv4, IPv6 seq=1 time=T ms";

    // By name, ifIndex and address; over IPv4 and IPv6.
    for (iface, line) in [
        ("s0", exists),
        ("lo", exists),
        (SERVER4, exists),
        (SERVER6, exists),
        ("nosuch0", "no such interface seq=1 time=T ms"),
        ("4000", "no such interface seq=1 time=T ms"),
        ("203.0.113.9", "no such interface seq=1 time=T ms"),
    ] {
        let code = i32::from(line != exists);
        for target in [SERVER4, SERVER6] {
            expect(
                &chain,
                &["--probe-interface", iface, target],
                &[&format!("PROBE {target} interface {iface}: {line}")],
                code,
            );
        }
    }
    let index = if_index(&chain, "server", "s0");
    expect(
        &chain,
        &["--probe-interface", &index, SERVER4],
        &[&format!("PROBE {SERVER4} interface {index}: {exists}")],
        0,
    );

    // -c, -i and the closing count.
    expect(
        &chain,
        &["-c", "3", "-i", "0.1", "--probe-interface", "s0", SERVER4],
        &[
            &format!("PROBE {SERVER4} interface s0: exists, active, IPv4, IPv6 seq=1 time=T ms"),
            &format!("PROBE {SERVER4} interface s0: exists, active, IPv4, IPv6 seq=2 time=T ms"),
            &format!("PROBE {SERVER4} interface s0: exists, active, IPv4, IPv6 seq=3 time=T ms"),
            &format!("--- {SERVER4} interface s0: 3 probes sent, 3 answered ---"),
        ],
        0,
    );

    // JSON: a reply that finds the interface, one that does not, and the
    // summary.
    let out = probe(
        &chain,
        &["-6", "--json", "--probe-interface", "s0", SERVER6],
    );
    assert_eq!(out.status.code(), Some(0));
    let objects = json(&out);
    assert_eq!(objects.len(), 2, "{objects:?}");
    let reply = &objects[0];
    assert_eq!(reply["type"], "probe_reply");
    assert_eq!(reply["target"], SERVER6);
    assert_eq!(reply["from"], SERVER6);
    assert_eq!(reply["interface"], "s0");
    assert_eq!(reply["query"], "name");
    assert_eq!(reply["seq"], 1);
    assert_eq!(reply["code"], 0);
    assert_eq!(reply["code_name"], "No Error");
    assert_eq!(reply["exists"], true);
    assert_eq!(reply["state"], Value::Null);
    assert_eq!(reply["active"], true);
    assert_eq!(reply["ipv4"], true);
    assert_eq!(reply["ipv6"], true);
    let rtt = reply["rtt_ms"].as_f64().expect("rtt_ms is a number");
    assert!(rtt > 0.0 && rtt < 1000.0, "{rtt}");
    assert_eq!(objects[1]["type"], "summary");
    assert_eq!(objects[1]["transmitted"], 1);
    assert_eq!(objects[1]["answered"], 1);
    assert_eq!(objects[1]["exists"], true);

    let out = probe(&chain, &["--json", "--probe-interface", "nosuch0", SERVER4]);
    assert_eq!(out.status.code(), Some(1));
    let objects = json(&out);
    assert_eq!(objects[0]["type"], "probe_reply");
    assert_eq!(objects[0]["code"], 2);
    assert_eq!(objects[0]["code_name"], "No Such Interface");
    assert_eq!(objects[0]["exists"], false);
    assert_eq!(objects[0]["active"], false);
    assert_eq!(objects[1]["exists"], false);

    // Datagram sockets cannot carry PROBE: an error naming CAP_NET_RAW.
    let out = probe(
        &chain,
        &["--socket", "dgram", "--probe-interface", "s0", SERVER4],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CAP_NET_RAW"));

    // An error about the probe (the router has no route): reported, exit 1.
    // (A Linux router sends none over IPv4: it treats type 42 as an ICMP
    // error and errors never answer errors.)
    expect(
        &chain,
        &["-W", "1", "--probe-interface", "s0", "2001:db8:9::1"],
        &[
            "PROBE 2001:db8:9::1 interface s0: Destination unreachable: No route from 2001:db8:1::1 seq=1",
        ],
        1,
    );
    let out = probe(
        &chain,
        &[
            "--json",
            "-W",
            "1",
            "--probe-interface",
            "s0",
            "2001:db8:9::1",
        ],
    );
    let objects = json(&out);
    assert_eq!(objects[0]["type"], "error");
    assert_eq!(objects[0]["from"], "2001:db8:1::1");
    assert_eq!(objects[0]["icmp_type"], 1);
    assert_eq!(objects[0]["icmp_code"], 0);
    assert_eq!(objects[0]["seq"], 1);

    wire_check(&chain);

    // PROBE off: the server stays silent, over IPv4 and IPv6.
    chain.must(
        "server",
        &["sysctl", "-qw", "net.ipv4.icmp_echo_enable_probe=0"],
    );
    for target in [SERVER4, SERVER6] {
        expect(
            &chain,
            &["-W", "0.5", "--probe-interface", "s0", target],
            &[&format!("PROBE {target} interface s0: no answer seq=1")],
            1,
        );
    }
    let out = probe(
        &chain,
        &["--json", "-W", "0.3", "--probe-interface", "s0", SERVER4],
    );
    assert_eq!(out.status.code(), Some(1));
    let objects = json(&out);
    assert_eq!(objects[0]["type"], "timeout");
    assert_eq!(objects[0]["seq"], 1);
    assert_eq!(objects[1]["type"], "summary");
    assert_eq!(objects[1]["answered"], 0);
}

/// Captures one exchange on the server's side and has tshark read it: the
/// request must be an Extended Echo Request with the L bit set, correct
/// checksums and the interface identification object, and the server must
/// have answered it.
fn wire_check(chain: &Lab) {
    let pcap = std::env::temp_dir().join(format!("{}-probe.pcap", chain.ns("server")));
    let pcap_arg = pcap.to_string_lossy().into_owned();
    let mut tcpdump = Command::new("ip")
        .args(["netns", "exec", &chain.ns("server"), "timeout", "10"])
        .args(["tcpdump", "-Z", "root", "-U", "-c", "2", "-i", "s0", "-w"])
        .arg(&pcap_arg)
        .arg("icmp")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run tcpdump");
    std::thread::sleep(Duration::from_millis(1500));
    let out = probe(chain, &["--probe-interface", "s0", SERVER4]);
    assert_eq!(out.status.code(), Some(0));
    let status = tcpdump.wait().expect("wait for tcpdump");
    assert!(status.success(), "tcpdump: {status}");
    let summary = Command::new("tshark")
        .args(["-r", &pcap_arg])
        .output()
        .expect("run tshark");
    let verbose = Command::new("tshark")
        .args(["-r", &pcap_arg, "-V"])
        .output()
        .expect("run tshark -V");
    let _ = std::fs::remove_file(&pcap);
    let summary = String::from_utf8_lossy(&summary.stdout);
    let verbose = String::from_utf8_lossy(&verbose.stdout);
    assert!(
        summary.contains("Extended Echo request (No error)"),
        "{summary}"
    );
    assert!(
        summary.contains("Extended Echo reply  (No error)"),
        "{summary}"
    );
    for needle in [
        "Type: 42 (Extended Echo request)",
        ".... ...1 = Local bit: Set",
        "Class: Interface Identification Object (3)",
        "C-Type: 1 (Identifies Interface By Name)",
        "Name: s0",
    ] {
        assert!(verbose.contains(needle), "{needle} missing from\n{verbose}");
    }
    let checksums = verbose.matches("[Checksum Status: Good]").count();
    // The request's ICMP and extension checksums and the reply's.
    assert_eq!(checksums, 3, "{verbose}");
    assert!(!verbose.contains("Bad"), "{verbose}");
}
