//! `icmpkit decode` finds every ICMP message behind every link type of
//! `tests/fixtures/links` (PPP, PPP in HDLC-like framing, Cisco HDLC, ARCNET
//! with the Linux header, Solaris ipnet, IP over InfiniBand; remade by
//! `lab/make-link-fixtures.py`) and agrees with tshark on each: frame, type,
//! code, checksum status and addresses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS};
use icmpkit_lab::{icmpkit, repo, require};

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
    let mut fields = VERDICT_FIELDS.to_vec();
    fields.extend(["ip.src", "ip.dst", "ipv6.src", "ipv6.dst"]);
    let mut map = BTreeMap::new();
    for row in tshark::fields(file, ICMP, &fields) {
        let (t, c, s) = row.verdict();
        let ip = if row.first("icmp.type").is_empty() {
            "ipv6"
        } else {
            "ip"
        };
        let address = |end: &str| row.first(&format!("{ip}.{end}")).to_owned();
        map.insert(row.frame(), (t, c, s, address("src"), address("dst")));
    }
    map
}

/// Our messages by frame, from `icmpkit decode --json`; checks the summary
/// counts every frame and nothing malformed.
fn ours(file: &Path) -> BTreeMap<u64, Message> {
    let mut map = BTreeMap::new();
    let mut summaries = 0;
    for v in tshark::decode_json(icmpkit!(), file) {
        if v["type"] == "summary" {
            assert_eq!(v["malformed"], 0, "{}: {v}", file.display());
            assert_eq!(v["icmp"], v["frames"], "{}: {v}", file.display());
            summaries += 1;
            continue;
        }
        assert!(v["malformed"].is_null(), "{}: {v}", file.display());
        let (t, c, status) = tshark::verdict(&v);
        let s = |k: &str| v[k].as_str().expect(k).to_owned();
        map.insert(
            v["frame"].as_u64().expect("frame"),
            (t, c, status, s("src"), s("dst")),
        );
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
    let (c, s) = ("192.0.2.2", "198.51.100.2");
    let (c6, s6) = ("2001:db8:1::2", "2001:db8:2::2");
    let expected: Vec<Message> = [
        (8, 0, 1, v4(c, s)),
        (0, 0, 1, v4(s, c)),
        (128, 0, 1, v4(c6, s6)),
        (129, 0, 1, v4(s6, c6)),
        (3, 3, 1, v4(s, c)),
        (1, 4, 1, v4(s6, c6)),
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
