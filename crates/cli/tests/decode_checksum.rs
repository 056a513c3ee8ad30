//! The ICMP checksum is checked for every message captured whole, also one
//! whose body is malformed (too short for its type, a truncated quote): the
//! checksum covers bytes, not structure. Crafted packets, compared with
//! tshark wherever tshark gives a checksum status.

use std::path::PathBuf;
use std::process::Command;

use icmpkit_lab::packets::{icmp, pcap, v4, v6};
use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS};
use icmpkit_lab::{icmpkit, require, text};
use serde_json::Value;

/// Each crafted packet and the checksum status expected (tshark's numbers:
/// 1 good, 0 bad, 2 unverified), and whether tshark, too, gives one.
fn crafted() -> Vec<(&'static str, Vec<u8>, u8, bool)> {
    let echo = |len: usize| icmp(8, 0, [0, 1, 0, 1], &[])[..len].to_vec();
    // A checksum that does not verify (v4() fills a good one).
    let mut bad_timestamp = v4(icmp(13, 0, [0, 1, 0, 1], &[0; 4]));
    let at = bad_timestamp.len() - 1;
    bad_timestamp[at] ^= 1;
    vec![
        // Below 4 bytes there is no checksum field.
        ("ICMPv4 of 3 bytes", v4(echo(3)), 2, false),
        // tshark gives up on ICMPv4 below 6 bytes altogether.
        ("ICMPv4 echo of 4 bytes", v4(echo(4)), 1, false),
        ("ICMPv4 echo of 6 bytes", v4(echo(6)), 1, true),
        ("ICMPv4 echo of 7 bytes", v4(echo(7)), 1, true),
        (
            "ICMPv6 echo of 4 bytes",
            v6(icmp(128, 0, [0, 1, 0, 1], &[])[..4].to_vec()),
            1,
            true,
        ),
        (
            "ICMPv6 echo of 6 bytes",
            v6(icmp(128, 0, [0, 1, 0, 1], &[])[..6].to_vec()),
            1,
            true,
        ),
        (
            "Timestamp of 12 bytes (20 needed)",
            v4(icmp(13, 0, [0, 1, 0, 1], &[0; 4])),
            1,
            true,
        ),
        (
            "Timestamp of 12 bytes, bad checksum",
            bad_timestamp,
            0,
            true,
        ),
        (
            "MLD query of 26 bytes (24 or 28 and more)",
            v6(icmp(130, 0, [0; 4], &[0; 18])),
            1,
            true,
        ),
        (
            "Port Unreachable quoting 2 bytes",
            v4(icmp(3, 3, [0; 4], &[0x45, 0])),
            1,
            true,
        ),
    ]
}

fn temp_pcap(name: &str, packets: &[(&'static str, Vec<u8>, u8, bool)]) -> PathBuf {
    let records: Vec<(&[u8], u32)> = packets
        .iter()
        .map(|(_, p, _, _)| (p.as_slice(), u32::try_from(p.len()).unwrap()))
        .collect();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("decode_checksum");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pcap(&records)).unwrap();
    path
}

#[test]
fn a_malformed_body_still_gets_its_checksum_status_as_tshark_gives_it() {
    let packets = crafted();
    let file = temp_pcap("malformed-bodies.pcap", &packets);
    let output = Command::new(icmpkit!())
        .args(["decode", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let ours: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["type"] == "packet")
        .collect();
    assert_eq!(ours.len(), packets.len());
    for ((what, _, status, _), v) in packets.iter().zip(&ours) {
        let (_, _, ours) = tshark::verdict(v);
        assert_eq!(ours, *status, "{what}: {v}");
    }
    // Only the one broken on purpose is bad.
    let bad_checksums = ours.iter().filter(|v| v["checksum_valid"] == false).count();
    assert_eq!(bad_checksums, 1);

    if !require::program("tshark") {
        return;
    }
    let theirs = tshark::fields(&file, ICMP, &VERDICT_FIELDS);
    let mut compared = 0;
    for row in &theirs {
        let frame = usize::try_from(row.frame()).unwrap();
        let (what, _, status, tshark_checks) = &packets[frame - 1];
        if !tshark_checks {
            continue;
        }
        assert_eq!(row.verdict().2, *status, "{what}");
        compared += 1;
    }
    assert_eq!(
        compared,
        packets.iter().filter(|p| p.3).count(),
        "tshark showed no status for some packets it should"
    );
}
