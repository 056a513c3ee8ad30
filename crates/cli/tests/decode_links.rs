//! `icmpkit decode` finds every ICMP message behind every link type of
//! `tests/fixtures/links` (PPP, PPP in HDLC-like framing, Cisco HDLC, ARCNET
//! with the Linux header, Solaris ipnet, IP over InfiniBand; remade by
//! `lab/make-link-fixtures.py`) and agrees with tshark on each: frame, type,
//! code, checksum status and addresses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use icmpkit_lab::peers::run_bounded;
use icmpkit_lab::{icmpkit, repo, require, text};
use serde_json::Value;

/// One ICMP message: type, code, checksum status as tshark numbers it (1
/// good, 0 bad, 2 unverified), source and destination address.
type Message = (u8, u8, u8, String, String);

/// The link types `lab/make-link-fixtures.py` writes, by file.
const FIXTURES: [(&str, u32); 6] = [
    ("arcnet-linux.pcap", 129),
    ("cisco-hdlc.pcap", 104),
    ("ipnet.pcap", 226),
    ("ipoib.pcap", 242),
    ("ppp-hdlc.pcap", 50),
    ("ppp.pcap", 9),
];

fn fixtures() -> Vec<PathBuf> {
    let dir = repo().join("tests/fixtures/links");
    FIXTURES.iter().map(|(name, _)| dir.join(name)).collect()
}

/// tshark's messages by frame (the outer message of an error, not the one
/// it quotes).
fn tshark(file: &Path) -> BTreeMap<u64, Message> {
    let file = file.to_str().expect("UTF-8 path");
    let mut args = vec!["-n", "-r", file, "-Y", "icmp or icmpv6", "-T", "fields"];
    args.extend(["-E", "occurrence=f", "-E", "separator=,"]);
    for field in [
        "frame.number",
        "icmp.type",
        "icmp.code",
        "icmp.checksum.status",
        "icmpv6.type",
        "icmpv6.code",
        "icmpv6.checksum.status",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
    ] {
        args.extend(["-e", field]);
    }
    let output = run_bounded(60, "tshark", &args);
    assert!(
        output.status.success(),
        "tshark failed on {file}: {}",
        text(&output.stderr)
    );
    let mut map = BTreeMap::new();
    for line in text(&output.stdout).lines() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 11, "{file}: {line}");
        let (t, c, s, src, dst) = if f[1].is_empty() {
            (f[4], f[5], f[6], f[9], f[10])
        } else {
            (f[1], f[2], f[3], f[7], f[8])
        };
        let message = (
            t.parse().expect("type"),
            c.parse().expect("code"),
            s.parse().unwrap_or(2),
            src.to_owned(),
            dst.to_owned(),
        );
        map.insert(f[0].parse().expect("frame number"), message);
    }
    map
}

/// Our messages by frame, from `icmpkit decode --json`; checks the summary
/// counts every frame and nothing malformed.
fn ours(file: &Path) -> BTreeMap<u64, Message> {
    let output = Command::new(icmpkit!())
        .args(["decode", "--json"])
        .arg(file)
        .output()
        .expect("run icmpkit");
    assert!(
        output.status.success(),
        "{}: {}",
        file.display(),
        text(&output.stderr)
    );
    let mut map = BTreeMap::new();
    let mut summaries = 0;
    for line in text(&output.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        if v["type"] == "summary" {
            assert_eq!(v["malformed"], 0, "{}: {line}", file.display());
            assert_eq!(v["icmp"], v["frames"], "{}: {line}", file.display());
            summaries += 1;
            continue;
        }
        assert!(v["malformed"].is_null(), "{}: {line}", file.display());
        let status = match v["checksum_valid"].as_bool() {
            Some(true) => 1,
            Some(false) => 0,
            None => 2,
        };
        let n = |k: &str| u8::try_from(v[k].as_u64().expect(k)).expect(k);
        let s = |k: &str| v[k].as_str().expect(k).to_owned();
        let message = (n("icmp_type"), n("icmp_code"), status, s("src"), s("dst"));
        map.insert(v["frame"].as_u64().expect("frame"), message);
    }
    assert_eq!(summaries, 1, "{}", file.display());
    map
}

/// The fixtures are what the script says: one pcap per link type, in the
/// link type it names.
#[test]
fn every_fixture_has_its_link_type() {
    for ((name, link_type), file) in FIXTURES.iter().zip(fixtures()) {
        let bytes = std::fs::read(&file).expect("fixture (remake: lab/make-link-fixtures.py)");
        let header: [u8; 4] = bytes[20..24].try_into().expect("pcap header");
        assert_eq!(u32::from_le_bytes(header), *link_type, "{name}");
    }
}

/// Without tshark too: the eight messages the script wraps, in its order.
#[test]
fn every_link_type_yields_the_wrapped_messages() {
    let v4 = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let (c, s, r) = ("192.0.2.2", "198.51.100.2", "192.0.2.1");
    let (c6, s6, r6) = ("2001:db8:1::2", "2001:db8:2::2", "2001:db8:1::1");
    let expected: Vec<Message> = [
        (8, 0, 1, v4(c, s)),
        (0, 0, 1, v4(s, c)),
        (128, 0, 1, v4(c6, s6)),
        (129, 0, 1, v4(s6, c6)),
        (3, 3, 1, v4(r, c)),
        (1, 4, 1, v4(r6, c6)),
        (8, 0, 0, v4(c, s)),
        (128, 0, 0, v4(c6, s6)),
    ]
    .into_iter()
    .map(|(t, code, status, (src, dst))| (t, code, status, src, dst))
    .collect();
    for file in fixtures() {
        let got: Vec<Message> = ours(&file).into_values().collect();
        assert_eq!(got, expected, "{}", file.display());
    }
}

#[test]
fn every_link_type_agrees_with_tshark() {
    if !require::program("tshark") {
        return;
    }
    for file in fixtures() {
        let theirs = tshark(&file);
        assert!(
            !theirs.is_empty(),
            "tshark found no ICMP in {}",
            file.display()
        );
        assert_eq!(ours(&file), theirs, "{}", file.display());
    }
}
