//! `icmpkit decode` on the crafted captures of `tests/fixtures/ipv6-details`
//! (made by `lab/make-ipv6-detail-fixtures.py`): ICMPv6 checksums over the
//! final destination of routing headers (RFC 8200 §8.1), jumbograms
//! (RFC 2675) and IPv4 total length 0. Each frame's type, code and checksum
//! status is asserted as the RFCs have it, and compared with tshark.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS, Verdict};
use icmpkit_lab::{icmpkit, repo, require};
use serde_json::Value;

const GOOD: u8 = 1;
const BAD: u8 = 0;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/ipv6-details").join(name)
}

/// Our JSON objects for the packets of `file`, by frame.
fn decode(file: &Path) -> BTreeMap<u64, Value> {
    tshark::decode_json(icmpkit!(), file)
        .into_iter()
        .filter(|v| v["type"] == "packet")
        .map(|v| (v["frame"].as_u64().expect("frame"), v))
        .collect()
}

/// Our verdicts: the frames whose ICMP header was read.
fn ours(packets: &BTreeMap<u64, Value>) -> BTreeMap<u64, Verdict> {
    packets
        .iter()
        .filter(|(_, v)| !v["icmp_type"].is_null())
        .map(|(&frame, v)| (frame, tshark::verdict(v)))
        .collect()
}

/// tshark's verdicts for the frames it dissects as ICMP or ICMPv6.
fn tshark(file: &Path) -> BTreeMap<u64, Verdict> {
    tshark::fields(file, ICMP, &VERDICT_FIELDS)
        .iter()
        .map(|row| (row.frame(), row.verdict()))
        .collect()
}

/// Asserts our verdicts are `want`, and tshark's too, frame for frame.
fn check(name: &str, want: &[(u64, Verdict)]) {
    let file = fixture(name);
    let packets = decode(&file);
    let want: BTreeMap<u64, Verdict> = want.iter().copied().collect();
    assert_eq!(ours(&packets), want, "{name}");
    if !require::program("tshark") {
        return;
    }
    assert_eq!(tshark(&file), want, "{name}: tshark");
}

/// The summary's count of malformed packets.
fn malformed_count(file: &Path) -> u64 {
    let summary = tshark::decode_json(icmpkit!(), file)
        .into_iter()
        .find(|v| v["type"] == "summary")
        .expect("a summary");
    summary["malformed"].as_u64().expect("a count")
}

fn notes(v: &Value) -> Vec<&str> {
    v["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n.as_str().expect("a note"))
        .collect()
}

#[test]
fn routing_headers_checksum_the_final_destination() {
    // The frames lab/make-ipv6-detail-fixtures.py writes, in order.
    let want = [
        (1, (128, 0, GOOD)),  // type 0, 2 segments left
        (2, (128, 0, GOOD)),  // type 0, none left
        (3, (129, 0, GOOD)),  // type 2, home address
        (4, (128, 0, GOOD)),  // SRH, 2 left
        (5, (128, 0, GOOD)),  // SRH, none left
        (6, (1, 4, GOOD)),    // SRH, an error message
        (7, (128, 0, GOOD)),  // Hop-by-Hop, Destination Options, SRH
        (8, (128, 0, GOOD)),  // type 3 (RPL), compressed
        (9, (128, 0, GOOD)),  // unknown type 253: the IPv6 destination
        (10, (128, 0, BAD)),  // SRH summed over the IPv6 destination
        (11, (128, 0, BAD)),  // type 0 summed over the IPv6 destination
        (12, (128, 0, GOOD)), // malformed type 0 (odd length), read past
        (13, (128, 0, GOOD)), // malformed SRH (5 segments left of 3)
        (14, (128, 0, BAD)),  // the same summed over the IPv6 destination
    ];
    check("routing.pcap", &want);
    let packets = decode(&fixture("routing.pcap"));
    let final_dst = |frame: u64| notes(&packets[&frame]);
    assert_eq!(
        final_dst(1),
        ["checksum over the final destination 2001:db8:4::1 (routing header type 0)"]
    );
    assert_eq!(
        final_dst(3),
        ["checksum over the final destination 2001:db8:5::5 (routing header type 2)"]
    );
    assert_eq!(
        final_dst(8),
        ["checksum over the final destination 2001:db8:4::99 (routing header type 3)"]
    );
    for frame in [4, 6, 7, 10] {
        assert_eq!(
            final_dst(frame),
            ["checksum over the final destination 2001:db8:4::1 (routing header type 4)"],
            "frame {frame}"
        );
    }
    for frame in [2, 5, 9] {
        assert!(final_dst(frame).is_empty(), "frame {frame}");
    }
    // A malformed routing header is read past as tshark reads it, and
    // noted: the message is shown, the packet counted malformed.
    assert_eq!(
        final_dst(12),
        [
            "malformed, read past: IPv6 Routing header: header extension length 3 is odd",
            "checksum over the final destination 2001:db8:3::1 (routing header type 0)"
        ]
    );
    for frame in [13, 14] {
        assert_eq!(
            final_dst(frame),
            [
                "malformed, read past: IPv6 Routing header: segments left 5 \
                 exceeds the addresses listed",
                "checksum over the final destination 2001:db8:4::1 (routing header type 4)"
            ],
            "frame {frame}"
        );
    }
    assert_eq!(malformed_count(&fixture("routing.pcap")), 3);
    // The outer destination stays the IPv6 header's.
    assert_eq!(packets[&4]["dst"], "2001:db8:2::1");
    assert!(packets.values().all(|v| v["malformed"].is_null()));
}

#[test]
fn a_jumbogram_is_decoded_and_rfc_2675_errors_are_malformed() {
    // Frame 3 carries a Jumbo Payload option with a payload length other
    // than 0, an error by RFC 2675 §3; tshark notes it and dissects the
    // ICMPv6 inside by the payload length, and so do we.
    check("jumbo.pcap", &[(1, (128, 0, GOOD)), (3, (128, 0, GOOD))]);
    let packets = decode(&fixture("jumbo.pcap"));
    let jumbo = &packets[&1];
    assert_eq!(
        notes(jumbo),
        ["jumbogram: payload length 70016 from the Jumbo Payload option"]
    );
    assert_eq!(jumbo["data_len"], 70_000);
    assert_eq!(jumbo["truncated"], false);
    let malformed = |frame: u64| packets[&frame]["malformed"].as_str().expect("malformed");
    assert_eq!(
        malformed(2),
        "IPv6 Jumbo Payload option: jumbo payload length 23 is not above 65535 (RFC 2675)"
    );
    assert!(packets[&3]["malformed"].is_null());
    assert_eq!(
        notes(&packets[&3]),
        [
            "malformed, Jumbo Payload option ignored: IPv6 Jumbo Payload option: \
          IPv6 payload length 23 is not 0 (RFC 2675)"
        ]
    );
    assert_eq!(malformed_count(&fixture("jumbo.pcap")), 3);
    assert_eq!(
        malformed(4),
        "IPv6 header: payload length 0 comes with a Hop-by-Hop header \
         but no Jumbo Payload option (RFC 2675)"
    );
}

#[test]
fn ipv4_total_length_0_uses_the_captured_length_and_says_so() {
    check("ipv4-length0.pcap", &[(1, (8, 0, GOOD)), (2, (0, 0, GOOD))]);
    let packets = decode(&fixture("ipv4-length0.pcap"));
    let note = "IPv4 total length 0 (segmentation offload?): using the captured length, 92 bytes";
    assert_eq!(notes(&packets[&1]), [note]);
    assert!(notes(&packets[&2]).is_empty());
    let output = Command::new(icmpkit!())
        .arg("decode")
        .arg(fixture("ipv4-length0.pcap"))
        .output()
        .expect("run icmpkit");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let first = text.lines().next().expect("a line");
    assert!(first.ends_with(&format!(" [{note}]")), "{first}");
}

/// The script remakes the committed fixtures byte for byte.
#[test]
fn the_script_remakes_the_fixtures() {
    if !require::program("python3") {
        return;
    }
    let out =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ipv6-details-{}", std::process::id()));
    let status = Command::new("python3")
        .arg(repo().join("lab/make-ipv6-detail-fixtures.py"))
        .arg(&out)
        .status()
        .expect("run the fixture script");
    assert!(status.success());
    for name in ["routing.pcap", "jumbo.pcap", "ipv4-length0.pcap"] {
        let made = std::fs::read(out.join(name)).expect(name);
        let committed = std::fs::read(fixture(name)).expect(name);
        assert!(made == committed, "{name} differs from the script's");
        assert!(committed.len() < 200_000, "{name} is too big");
    }
    std::fs::remove_dir_all(&out).expect("remove the scratch copy");
}

/// The schema at the top of `decode/json.rs` has a `` - `key`: `` entry for
/// each list every packet object carries (`notes` among them).
#[test]
fn the_json_schema_documents_every_list() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/decode/json.rs"))
            .expect("read json.rs");
    let schema = source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .collect::<Vec<_>>()
        .join("\n");
    for packet in decode(&fixture("routing.pcap")).values() {
        let object = packet.as_object().expect("an object");
        for (key, _) in object.iter().filter(|(_, v)| v.is_array()) {
            assert!(
                schema.contains(&format!("- `{key}`:")),
                "`{key}` is not in the schema:\n{schema}"
            );
        }
    }
}
