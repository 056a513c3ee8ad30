//! `icmpkit guard`'s recorded captures (`tests/fixtures/guard`, made by
//! `lab/guard/record.sh`) and its JSON alerts, for the tests of every
//! detection family.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The committed capture `name` (with or without `.pcap`).
pub fn fixture(name: &str) -> PathBuf {
    let file = if Path::new(name).extension().is_some_and(|e| e == "pcap") {
        name.to_owned()
    } else {
        format!("{name}.pcap")
    };
    crate::repo().join("tests/fixtures/guard").join(file)
}

/// The `alert` records `program guard --json ARGS CAPTURE` prints, in
/// order; the run must succeed and end with a `summary`.
pub fn alerts(program: &str, capture: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(program)
        .arg("guard")
        .arg("--json")
        .args(args)
        .arg(capture)
        .output()
        .expect("run icmpkit guard");
    assert!(
        out.status.success(),
        "{}: {}",
        capture.display(),
        crate::text(&out.stderr)
    );
    let records = crate::json_lines(&out.stdout);
    assert_eq!(
        records.last().map(|r| r["type"].clone()),
        Some("summary".into()),
        "{}",
        capture.display()
    );
    records
        .into_iter()
        .filter(|r| r["type"] == "alert")
        .collect()
}

/// The alerts of `family` (`flood`, `tunnel`, `recon`, `spoofing`,
/// `anomaly`; several with `|`: `recon|anomaly`).
pub fn of_family(alerts: Vec<Value>, family: &str) -> Vec<Value> {
    alerts
        .into_iter()
        .filter(|a| family.split('|').any(|f| a["family"] == f))
        .collect()
}
