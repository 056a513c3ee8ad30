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

/// A pcapng file of raw IP (link type 101) whose interface counts whole
/// seconds (`if_tsresol` 0), with `packets` at `times`.
fn whole_second_pcapng(packets: &[Vec<u8>], times: &[u64]) -> Vec<u8> {
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        body.resize(body.len().next_multiple_of(4), 0);
        let len = u32::try_from(12 + body.len()).unwrap().to_le_bytes();
        [&kind.to_le_bytes()[..], &len, &body, &len].concat()
    }
    let mut section = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    section.extend_from_slice(&[1, 0, 0, 0]);
    section.extend_from_slice(&(-1i64).to_le_bytes());
    let mut interface = vec![101, 0, 0, 0, 0xff, 0xff, 0, 0];
    // if_tsresol 0, then opt_endofopt.
    interface.extend_from_slice(&[9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut file = [block(0x0a0d_0d0a, &section), block(1, &interface)].concat();
    for (packet, &time) in packets.iter().zip(times) {
        let len = u32::try_from(packet.len()).unwrap().to_le_bytes();
        let high = u32::try_from(time >> 32).unwrap().to_le_bytes();
        let low = u32::try_from(time & 0xffff_ffff).unwrap().to_le_bytes();
        let body = [&[0u8; 4][..], &high, &low, &len, &len, packet].concat();
        file.extend_from_slice(&block(6, &body));
    }
    file
}

#[test]
fn times_near_two_to_the_64_seconds_show_as_the_last_second_of_9999() {
    use icmpkit_lab::packets::{icmp, v4};
    let packets = [
        v4(icmp(8, 0, [0, 1, 0, 1], b"abcdefgh")),
        v4(icmp(0, 0, [0, 1, 0, 1], b"abcdefgh")),
    ];
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("far-future.pcapng");
    std::fs::write(
        &file,
        whole_second_pcapng(&packets, &[u64::MAX, u64::MAX - 1]),
    )
    .unwrap();
    // tshark takes the seconds for signed and shows 1969-12-31 23:59:59
    // and 23:59:58; a pcapng timestamp is unsigned, so these are clamped.
    let last = "9999-12-31 23:59:59";
    for (format, first, second) in [
        ("a", &last[11..], &last[11..]),
        ("ad", last, last),
        ("u", &last[11..], &last[11..]),
        ("ud", last, last),
        ("r", "0", "-1"),
    ] {
        let out = Command::new(icmpkit!())
            .args(["decode", "-t", format])
            .arg(&file)
            .env("TZ", "UTC")
            .output()
            .unwrap();
        assert!(out.status.success(), "-t {format}: {}", text(&out.stderr));
        let tokens = first.split(' ').count();
        assert_eq!(
            columns(&text(&out.stdout), tokens),
            [format!("1 {first}"), format!("2 {second}")],
            "-t {format}"
        );
    }
}
