//! The decoder agrees with tshark on type, code and checksum status for
//! every ICMP and ICMPv6 packet of the kernel capture corpus
//! (`tests/fixtures/kernel`, remade by `lab/capture-corpus.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kernel");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "kernel corpus missing from {}",
        dir.display()
    );
    files
}

/// (type, code, checksum status as tshark numbers it: 1 good, 0 bad, 2 unverified)
type Verdict = (u8, u8, u8);

fn tshark(file: &Path) -> Option<BTreeMap<u64, Verdict>> {
    let output = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "icmp or icmpv6",
            "-T",
            "fields",
            "-E",
            "occurrence=f",
            "-E",
            "separator=,",
        ])
        .args([
            "-e",
            "frame.number",
            "-e",
            "icmp.type",
            "-e",
            "icmp.code",
            "-e",
            "icmp.checksum.status",
        ])
        .args([
            "-e",
            "icmpv6.type",
            "-e",
            "icmpv6.code",
            "-e",
            "icmpv6.checksum.status",
        ])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "tshark failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tshark is required in CI: {e}"
            );
            return None;
        }
    };
    let mut map = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        let f: Vec<&str> = line.split(',').collect();
        let (t, c, s) = if f[1].is_empty() {
            (f[4], f[5], f[6])
        } else {
            (f[1], f[2], f[3])
        };
        map.insert(
            f[0].parse().expect("frame number"),
            (
                t.parse().expect("type"),
                c.parse().expect("code"),
                s.parse().unwrap_or(2),
            ),
        );
    }
    Some(map)
}

fn ours(file: &Path) -> BTreeMap<u64, Verdict> {
    let output = Command::new(env!("CARGO_BIN_EXE_icmpkit"))
        .args(["decode", "--json"])
        .arg(file)
        .output()
        .expect("run icmpkit");
    assert!(
        output.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut map = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        if v["type"] == "summary" {
            assert_eq!(v["malformed"], 0, "{}: {line}", file.display());
            continue;
        }
        assert_eq!(v["type"], "packet");
        assert!(v["malformed"].is_null(), "{}: {line}", file.display());
        let status = match v["checksum_valid"].as_bool() {
            Some(true) => 1,
            Some(false) => 0,
            None => 2,
        };
        let n = |k: &str| u8::try_from(v[k].as_u64().expect(k)).expect(k);
        map.insert(
            v["frame"].as_u64().expect("frame"),
            (n("icmp_type"), n("icmp_code"), status),
        );
    }
    map
}

#[test]
fn every_kernel_packet_agrees_with_tshark() {
    let mut compared = 0;
    for file in corpus() {
        let Some(theirs) = tshark(&file) else {
            eprintln!("skipped: tshark is not installed");
            return;
        };
        let ours = ours(&file);
        assert_eq!(ours, theirs, "{}", file.display());
        compared += ours.len();
    }
    assert!(compared > 100, "only {compared} packets compared");
}
