//! The time column of `icmpkit decode` is tshark's, in each of its `-t`
//! formats, on kernel captures (microsecond and nanosecond pcap and
//! pcapng, held fragments that are frames but not messages).

use std::process::Command;

use icmpkit_lab::peers::bounded;
use icmpkit_lab::{icmpkit, repo, require, text};

/// Each shown message's frame number and time column: the tokens before
/// the source address (two for the date formats).
fn columns(output: &str, tokens: usize) -> Vec<String> {
    output
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().take(1 + tokens).collect();
            fields.join(" ")
        })
        .collect()
}

#[test]
fn every_time_format_prints_as_tsharks() {
    if !require::program("tshark") {
        return;
    }
    let dir = repo().join("tests/fixtures/kernel");
    // A nanosecond pcapng (if_tsresol 9), as tshark writes one.
    let pcapng = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("nanosecond.pcapng");
    let made = bounded(60, "tshark")
        .arg("-r")
        .arg(dir.join("timestamp-nanosecond.pcap"))
        .args(["-F", "pcapng", "-w"])
        .arg(&pcapng)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let mut compared = 0;
    for file in [
        dir.join("echo.pcap"),
        dir.join("reject-v6.pcapng"),
        dir.join("timestamp-nanosecond.pcap"),
        pcapng,
        dir.join("fragmented.pcap"),
    ] {
        let name = file.display();
        for format in ["r", "a", "ad", "u", "ud", "e", "d", "dd"] {
            let tokens = if matches!(format, "ad" | "ud") { 2 } else { 1 };
            let ours = Command::new(icmpkit!())
                .args(["decode", "-t", format])
                .arg(&file)
                .output()
                .unwrap();
            assert!(ours.status.success(), "{}", text(&ours.stderr));
            let theirs = bounded(60, "tshark")
                .args(["-n", "-t", format, "-Y", "icmp or icmpv6", "-r"])
                .arg(&file)
                .output()
                .unwrap();
            assert!(theirs.status.success(), "{}", text(&theirs.stderr));
            let ours = columns(&text(&ours.stdout), tokens);
            assert_eq!(
                ours,
                columns(&text(&theirs.stdout), tokens),
                "{name} -t {format}"
            );
            compared += ours.len();
        }
    }
    assert!(compared > 100, "only {compared} lines compared");
}

#[test]
fn the_time_column_can_be_left_out() {
    let file = repo().join("tests/fixtures/kernel/echo.pcap");
    let out = Command::new(icmpkit!())
        .args(["decode", "-t", "none"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).starts_with("    1 192.0.2.2 → 198.51.100.2 ICMP Echo (ping) request"),
        "{}",
        text(&out.stdout)
    );
}
