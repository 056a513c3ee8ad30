//! IPv4 options Linux refuses are reported malformed, with the pointer of
//! the Parameter Problem the kernel answers, in text and JSON
//! (`tests/fixtures/kernel/ipv4-options.pcap`, where the kernel's answers
//! are recorded beside each packet; `tshark_agreement.rs` checks every
//! pointer against them, also on a fresh recording).

use std::process::Command;

use icmpkit_lab::{icmpkit, repo, text};
use serde_json::{Value, json};

fn decode(args: &[&str]) -> (String, String) {
    let file = repo().join("tests/fixtures/kernel/ipv4-options.pcap");
    let out = Command::new(icmpkit!())
        .arg("decode")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_timestamp_option_of_length_2_is_malformed_with_the_kernels_pointer() {
    let (stdout, stderr) = decode(&[]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "    1   0.000000 192.0.2.2 → 198.51.100.2 ICMP Echo (ping) request id=2928 seq=1 [malformed, \
         IPv4 Timestamp option: length 2 is below 4 (Linux answers Parameter Problem, pointer 21)]"
    );
    assert!(lines[1].contains(" pointer=21 "), "{}", lines[1]);
    // The good Record Route of the last request is no problem.
    assert!(lines[32].ends_with(" seq=17"), "{}", lines[32]);
    assert_eq!(
        stderr,
        "34 ICMP packets in 34 frames (16 malformed, 0 with a bad checksum)\n"
    );

    let (stdout, _) = decode(&["--json"]);
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["notes"],
        json!(["malformed, IPv4 Timestamp option: length 2 is below 4 \
                (Linux answers Parameter Problem, pointer 21)"])
    );
    assert_eq!(first["malformed"], Value::Null);
    assert_eq!(first["checksum_valid"], true);
}
