//! `icmpkit ping` in bounded memory, in the lab chain of `lab/lib.sh`:
//! a flood that would have remembered every probe, and several targets
//! writing into a reader that stalls. Peak RSS is read by GNU time
//! (`/usr/bin/time -f %M`, the kernel's `ru_maxrss`).
//!
//! The bounds are structural, not timing: a session remembers at most
//! `icmpkit_proto::ping::PROBES_REMEMBERED` probes (16 bytes each, 2 MiB)
//! and statistics are running sums and a histogram of at most
//! `RttHistogram::MAX_BUCKETS` counters, so nothing grows with the number
//! of probes; before, 400,000 flood probes under `-w 600` were all kept
//! (about 30 MB, 90 MB after 5 s of flood on a fast host).

use std::io::Read;
use std::process::Output;

use icmpkit_lab::bin::with_subcommand;
use icmpkit_lab::netns::{Lab, SERVER4};
use icmpkit_lab::{icmpkit, require, text};

/// Peak RSS a run may reach, in KiB: the probe window (2 MiB), buffers,
/// and the binary, with room to spare; several times below what the same
/// runs took when memory grew with the probes. (The debug binary's pages
/// alone grew by over a MiB with netsim's TUN and netlink code: 21.2 MiB
/// were measured for the stalled reader then; jemalloc, the allocator since
/// the monitor's memory work, adds ~2.5 MiB of its own: 24.6 and 24.8 MiB.)
const BOUND_KIB: u64 = 28 * 1024;

/// Runs `icmpkit args` in the client namespace under GNU time; its output
/// and peak RSS in KiB (the last line of stderr).
fn with_peak_rss(lab: &Lab, args: &[&str]) -> (Output, u64) {
    let mut all = vec!["-f", "%M", icmpkit!()];
    all.extend(with_subcommand("ping", args));
    let out = lab.run_bounded("client", 120, "/usr/bin/time", &all);
    let peak = peak_of(&out.stderr);
    (out, peak)
}

/// The number GNU time printed last on `stderr`.
fn peak_of(stderr: &[u8]) -> u64 {
    let stderr = text(stderr);
    let last = stderr.lines().last().unwrap_or_default();
    last.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no peak RSS from GNU time in:\n{stderr}"))
}

#[test]
fn a_flood_of_400000_probes_under_a_long_deadline_stays_in_bounded_memory() {
    if !require::program("/usr/bin/time") {
        return;
    }
    let Some(lab) = Lab::chain(
        "a_flood_of_400000_probes_under_a_long_deadline_stays_in_bounded_memory",
        1500,
    ) else {
        return;
    };
    // -w 600 keeps probes for the whole deadline; -c ends the run after
    // 400,000 replies, however fast the host.
    let (out, peak) = with_peak_rss(&lab, &["-f", "-q", "-c", "400000", "-w", "600", SERVER4]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("400000 received"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(peak < BOUND_KIB, "peak RSS {peak} KiB after 400,000 probes");
}

#[test]
fn several_targets_into_a_stalled_reader_lose_nothing_and_stay_bounded() {
    if !require::program("/usr/bin/time") {
        return;
    }
    let Some(lab) = Lab::answering(
        "several_targets_into_a_stalled_reader_lose_nothing_and_stay_bounded",
        "10.200.0.0/20",
    ) else {
        return;
    };
    let ping = with_subcommand(
        "ping",
        &[
            "-c",
            "3",
            "-i",
            "0.2",
            "-W",
            "2",
            "--rate",
            "20000",
            "10.200.0.0/20",
        ],
    );
    let mut args = vec!["-f", "%M", icmpkit!()];
    args.extend(ping.iter().copied());
    let mut child = lab.spawn_bounded("client", 120, "/usr/bin/time", &args);
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let summaries = std::thread::spawn(move || {
        let mut all = Vec::new();
        stderr.read_to_end(&mut all).map(|_| all)
    });
    // The stall: after the first byte, nothing is read for five seconds,
    // long after the writer filled the pipe (12,282 lines of about 60
    // bytes; a pipe holds 64 KiB) and blocked with probes in flight, and
    // longer than their timeout (-W 2): their replies wait in the
    // kernel's receive buffer meanwhile, thousands of them. No reply may
    // be lost or turned into a timeout.
    let mut first = [0; 1];
    stdout.read_exact(&mut first).expect("a first line");
    std::thread::sleep(std::time::Duration::from_secs(5));
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).expect("the output");
    let summaries = summaries.join().expect("stderr reader").expect("stderr");
    let status = child.wait().expect("the run ends");
    let lines = text(&rest).lines().count();
    let summaries = text(&summaries);
    assert!(status.success(), "{summaries}");
    assert_eq!(lines, 4094 * 3, "{summaries}");
    assert!(!text(&rest).contains("timed out"));
    let answered = summaries
        .lines()
        .filter(|l| l.contains(" : xmt/rcv/%loss = 3/3/0%"))
        .count();
    assert_eq!(answered, 4094, "{summaries}");
    let peak = peak_of(summaries.as_bytes());
    assert!(peak < BOUND_KIB, "peak RSS {peak} KiB");
}
