//! `icmpkit decode` follows tunnels to the innermost IP packet: for every
//! capture of `tests/fixtures/tunnels` (crafted by
//! `lab/craft-tunnel-fixtures.py`, recorded through the kernel's tunnels by
//! `lab/make-tunnel-fixtures.sh`) it finds the ICMP messages tshark finds
//! (frame, type, code, checksum status), with the same innermost and outer
//! addresses, and names the path expected for the capture. A recording
//! `kernel-NAME.pcap` is expected to have the path of `NAME.pcap` (or of
//! [`KERNEL_PATHS`]), and any recording a fuller kernel makes is compared
//! with tshark even when its name is new.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use icmpkit_lab::tshark::{self, ICMP, VERDICT_FIELDS};
use icmpkit_lab::{icmpkit, repo, require};
use serde_json::Value;

/// Each capture and the `proto` of each `encap` entry of its packets.
const PATHS: &[(&str, &[&str])] = &[
    ("erspan1", &["gre", "erspan"]),
    ("erspan2", &["gre", "erspan", "vlan"]),
    ("erspan3", &["gre", "erspan"]),
    ("geneve", &["udp", "geneve"]),
    ("gre", &["gre"]),
    ("gre-checksum", &["gre"]),
    ("gretap", &["gre"]),
    ("ip4in6", &["4in6"]),
    ("ip6erspan", &["gre", "erspan"]),
    ("ip6gre", &["gre"]),
    ("ip6ip6", &["6in6"]),
    ("ip6ip6-srh", &["srh", "6in6"]),
    ("ipip", &["ipip"]),
    ("ipip-raw", &["ipip"]),
    ("macsec", &["macsec"]),
    ("macsec-encrypted", &[]),
    ("mpls-deep", &["mpls"]),
    ("mpls-eth", &["mpls"]),
    ("mpls-gre", &["gre", "mpls"]),
    ("mpls-udp", &["udp", "mpls"]),
    ("nhrp-error-indication", &["gre", "nhrp", "nhrp"]),
    ("nhrp-traffic-indication", &["gre", "nhrp"]),
    ("pim-register", &["pim-register"]),
    ("ppp-mpls", &["mpls"]),
    ("pptp", &["gre"]),
    ("qinq", &["vlan", "vlan"]),
    ("sit", &["6in4"]),
    ("sll-mpls", &["mpls"]),
    ("sll2-vlan", &["vlan"]),
    ("vlan", &["vlan"]),
    ("vxlan", &["udp", "vxlan"]),
    ("vxlan-gre-vlan", &["vlan", "udp", "vxlan", "gre"]),
    ("vxlan-sport", &["udp", "vxlan"]),
    ("vxlan6", &["udp", "vxlan"]),
];

/// Kernel recordings whose path is not their crafted namesake's: the
/// kernel's ERSPAN II mirrors frames without the crafted inner VLAN tag.
const KERNEL_PATHS: &[(&str, &[&str])] = &[("kernel-erspan2", &["gre", "erspan"])];

/// Every capture in the fixtures directory, by name (no `.pcap`), sorted.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("tunnel fixtures")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The path expected for a capture: its own entry of [`PATHS`] or
/// [`KERNEL_PATHS`], or for a kernel recording its crafted namesake's;
/// `None` for a recording of a tunnel nothing is crafted for.
fn expected_path(name: &str) -> Option<&'static [&'static str]> {
    let find = |table: &[(&str, &'static [&'static str])], name: &str| {
        table.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    };
    find(KERNEL_PATHS, name)
        .or_else(|| find(PATHS, name))
        .or_else(|| find(PATHS, name.strip_prefix("kernel-")?))
}

/// Captures whose ICMP checksums tshark leaves unverified: it dissects the
/// packet an NHRP indication carries as a packet in error, and checks no
/// checksum there. Ours are checked, and good.
const UNVERIFIED_BY_TSHARK: &[&str] = &["nhrp-error-indication", "nhrp-traffic-indication"];

/// What both sides say of one ICMP message: type, code, checksum status (1
/// good, 0 bad, 2 unverified), then every IP level's (src, dst), outermost
/// first, the innermost last.
type Message = (u8, u8, u8, Vec<(String, String)>);

fn dir() -> PathBuf {
    repo().join("tests/fixtures/tunnels")
}

fn file(name: &str) -> PathBuf {
    dir().join(format!("{name}.pcap"))
}

fn decode_json(file: &Path) -> Vec<Value> {
    tshark::decode_json(icmpkit!(), file)
}

fn ours(file: &Path) -> BTreeMap<u64, Message> {
    let mut map = BTreeMap::new();
    for v in decode_json(file) {
        if v["type"] == "summary" {
            assert_eq!(v["malformed"], 0, "{}: {v}", file.display());
            continue;
        }
        assert!(v["malformed"].is_null(), "{}: {v}", file.display());
        let (msg_type, code, status) = tshark::verdict(&v);
        let s = |v: &Value| v.as_str().expect("an address").to_owned();
        let mut levels: Vec<(String, String)> = v["outer"]
            .as_array()
            .expect("outer")
            .iter()
            .map(|o| (s(&o["src"]), s(&o["dst"])))
            .collect();
        levels.push((s(&v["src"]), s(&v["dst"])));
        map.insert(
            v["frame"].as_u64().expect("frame"),
            (msg_type, code, status, levels),
        );
    }
    map
}

/// tshark's view: the first ICMP message of each frame (a quoted one comes
/// after it), and the IP levels before it, in the order `frame.protocols`
/// lists `ip` and `ipv6`.
fn tshark(file: &Path) -> BTreeMap<u64, Message> {
    let mut fields = VERDICT_FIELDS.to_vec();
    fields.extend([
        "frame.protocols",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
    ]);
    let mut map = BTreeMap::new();
    for row in tshark::fields(file, ICMP, &fields) {
        let (msg_type, code, status) = row.verdict();
        let mut next = [0, 0]; // next occurrence of ip.*, ipv6.*
        let mut levels = Vec::new();
        for proto in row.first("frame.protocols").split(':') {
            let (family, ip) = match proto {
                "ip" => (0, "ip"),
                "ipv6" => (1, "ipv6"),
                "icmp" | "icmpv6" => break,
                _ => continue,
            };
            let i = next[family];
            next[family] += 1;
            let address = |end: &str| row.all(&format!("{ip}.{end}"))[i].clone();
            levels.push((address("src"), address("dst")));
        }
        map.insert(row.frame(), (msg_type, code, status, levels));
    }
    map
}

/// Every crafted capture is listed with its path (and every listed one is
/// there); kernel recordings may come and go with the kernel.
#[test]
fn every_fixture_has_an_expected_path() {
    let crafted: Vec<String> = fixtures()
        .into_iter()
        .filter(|n| !n.starts_with("kernel-"))
        .collect();
    let listed: Vec<&str> = PATHS.iter().map(|(n, _)| *n).collect();
    assert_eq!(crafted, listed);
    assert_eq!(expected_path("kernel-vxlan6"), Some(&["udp", "vxlan"][..]));
    assert_eq!(
        expected_path("kernel-erspan2"),
        Some(&["gre", "erspan"][..])
    );
    assert_eq!(expected_path("kernel-wireguard"), None);
}

/// The `proto`s of a packet's `encap` entries.
fn protos(v: &Value) -> Vec<&str> {
    v["encap"]
        .as_array()
        .expect("encap")
        .iter()
        .map(|l| l["proto"].as_str().expect("proto"))
        .collect()
}

#[test]
fn paths_are_named_per_encapsulation() {
    for (name, expected) in PATHS {
        let packets: Vec<Value> = decode_json(&file(name))
            .into_iter()
            .filter(|v| v["type"] == "packet")
            .collect();
        assert_eq!(packets.is_empty(), expected.is_empty(), "{name}");
        for v in packets {
            assert_eq!(&protos(&v), expected, "{name}: {v}");
        }
    }
}

/// A kernel recording's packets inside the tunnel have its path, and there
/// are some (the underlay may add plain ones: neighbour discovery, MLD).
#[test]
fn kernel_recordings_have_their_tunnel_path() {
    for name in fixtures().iter().filter(|n| n.starts_with("kernel-")) {
        let Some(expected) = expected_path(name) else {
            continue; // compared with tshark only
        };
        let tunnelled: Vec<Value> = decode_json(&file(name))
            .into_iter()
            .filter(|v| v["type"] == "packet" && !protos(v).is_empty())
            .collect();
        assert!(!tunnelled.is_empty(), "{name}: nothing inside the tunnel");
        for v in tunnelled {
            assert_eq!(protos(&v), expected, "{name}: {v}");
        }
    }
}

#[test]
fn erspan_vxlan_and_geneve_keep_their_ids() {
    let first = |name: &str| decode_json(&file(name)).swap_remove(0);
    let v = first("erspan2");
    assert_eq!(
        v["encap"],
        serde_json::json!([
            {"proto": "gre", "version": 0, "protocol": 0x88be, "checksum": null, "key": null,
             "sequence": 0, "call_id": null},
            {"proto": "erspan", "version": 2, "session": 100, "vlan": 0, "platform": null},
            {"proto": "vlan", "tpid": 0x8100, "id": 10, "pcp": 0},
        ])
    );
    assert_eq!(
        v["outer"],
        serde_json::json!([{"version": 4, "src": "203.0.113.1", "dst": "203.0.113.2"}])
    );
    assert_eq!(first("erspan3")["encap"][1]["platform"], 3);
    assert_eq!(first("vxlan")["encap"][1]["vni"], 42);
    assert_eq!(first("geneve")["encap"][1]["options"], 2);
    assert_eq!(
        first("mpls-udp")["encap"][1]["labels"],
        serde_json::json!([100, 200])
    );
    let deep = first("mpls-deep");
    let labels: Vec<u32> = (100..116).collect();
    assert_eq!(deep["encap"][0]["labels"], serde_json::json!(labels));
    assert_eq!(deep["encap"][0]["omitted"], 4);
    assert_eq!(first("gre")["encap"][0]["key"], 5);
    assert_eq!(
        first("pptp")["encap"][0],
        serde_json::json!({"proto": "gre", "version": 1, "protocol": 0x880b, "checksum": null,
                           "key": null, "sequence": 0, "call_id": 7})
    );
    assert!(first("gre-checksum")["encap"][0]["checksum"].is_u64());
}

#[test]
fn nhrp_indications_keep_their_type_and_error() {
    let v = decode_json(&file("nhrp-error-indication")).swap_remove(0);
    assert_eq!(
        v["encap"],
        serde_json::json!([
            {"proto": "gre", "version": 0, "protocol": 0x2001, "checksum": null, "key": null,
             "sequence": null, "call_id": null},
            {"proto": "nhrp", "op": 7, "protocol": 0x0800, "error": 6},
            {"proto": "nhrp", "op": 8, "protocol": 0x0800, "error": null},
        ])
    );
    let output = Command::new(icmpkit!())
        .arg("decode")
        .arg(file("nhrp-error-indication"))
        .output()
        .expect("run icmpkit");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        text.lines().next(),
        Some(
            "    1   0.000000 10.1.0.1 → 10.2.0.1 ICMP Echo (ping) request id=4660 seq=1 \
             [via GRE/NHRP error indication code 6/NHRP traffic indication; \
             outer 203.0.113.1 → 203.0.113.2]"
        )
    );
}

#[test]
fn text_lines_end_with_the_path() {
    let output = Command::new(icmpkit!())
        .arg("decode")
        .arg(file("vxlan-gre-vlan"))
        .output()
        .expect("run icmpkit");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        text.lines().next(),
        Some(
            "    1   0.000000 10.1.0.1 → 10.2.0.1 ICMP Echo (ping) request id=4660 seq=1 \
             [via VLAN 30/UDP 4789/VXLAN 7/GRE key 1; \
             outer 203.0.113.1 → 203.0.113.2, 198.51.100.1 → 198.51.100.2]"
        )
    );
}

#[test]
fn tunnels_agree_with_tshark() {
    if !require::program("tshark") {
        return;
    }
    let mut compared = 0;
    for name in fixtures() {
        let name = name.as_str();
        let file = file(name);
        let theirs = tshark(&file);
        let mut ours = ours(&file);
        if UNVERIFIED_BY_TSHARK.contains(&name) {
            for (_, _, status, _) in ours.values_mut() {
                assert_eq!(*status, 1, "{name}: a checksum we found bad");
                *status = 2;
            }
        }
        assert_eq!(ours, theirs, "{name}");
        compared += theirs.len();
    }
    assert!(compared >= 60, "only {compared} messages compared");
}

/// Hex dumps of IP packets are followed through tunnels too: an IP-in-IP
/// packet from `ipip-raw.pcap` (raw IP link type, so its frames are IP
/// packets) given as hex.
#[test]
fn hex_input_follows_tunnels() {
    let pcap = std::fs::read(file("ipip-raw")).expect("ipip-raw.pcap");
    // The first record: a 24-byte file header, a 16-byte record header.
    let len = u32::from_le_bytes(pcap[32..36].try_into().unwrap()) as usize;
    let packet = &pcap[40..40 + len];
    let hex = packet.iter().fold(String::new(), |mut s, b| {
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
        s
    });
    let mut child = Command::new(icmpkit!())
        .args(["decode", "--hex", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run icmpkit");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), hex.as_bytes()).unwrap();
    let output = child.wait_with_output().expect("icmpkit ends");
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        "    1 10.1.0.1 → 10.2.0.1 ICMP Echo (ping) request id=4660 seq=1 \
         [via IPIP; outer 203.0.113.1 → 203.0.113.2]\n"
    );
}
