//! The reference tools our output is compared with, run bounded in time so
//! that a test never hangs on one: iputils `ping`, `fping`, Butskoy
//! `traceroute`, `tracepath`, `scamper` (in a lab, through
//! [`Lab::run_bounded`](crate::netns::Lab::run_bounded)), `tshark` and
//! `tcpdump` (here, through [`run_bounded`]); [`require::program`](crate::require::program)
//! says whether one is installed. And what makes their output comparable
//! with ours ([`normalize_ping_times`]).
//!
//! With feature `monitor`, the peers of `icmpkit monitor`, each a server
//! started by the test and stopped when dropped: [`prometheus`],
//! [`victoria`] (`VictoriaMetrics`), [`smokeping`] (`smokeping_prober`),
//! [`blackbox`] (`blackbox_exporter`); and [`chromium`], headless, for
//! screenshots and DOM dumps of a web UI.

#[cfg(feature = "monitor")]
pub mod blackbox;
#[cfg(feature = "monitor")]
pub mod chromium;
#[cfg(feature = "monitor")]
pub mod prometheus;
#[cfg(feature = "monitor")]
pub mod smokeping;
#[cfg(feature = "monitor")]
pub mod victoria;

use std::ffi::OsStr;
use std::process::{Command, Output};

/// `timeout SECONDS program`: a command killed after `seconds`, to which
/// the caller adds the program's arguments.
pub fn bounded(seconds: u32, program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new("timeout");
    command.arg(seconds.to_string()).arg(program);
    command
}

/// Runs `program args` here (not in a lab), killed after `seconds`.
pub fn run_bounded(seconds: u32, program: impl AsRef<OsStr>, args: &[&str]) -> Output {
    let program = program.as_ref();
    bounded(seconds, program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

/// iputils `ping` text (or ours) with what varies between runs made fixed:
/// `time=0.052` becomes `time=T`, the `time 1001ms` of the summary
/// `time Tms`, and the `rtt min/avg/max/mdev` line `rtt
/// min/avg/max/mdev = T ms`.
pub fn normalize_ping_times(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            if line.starts_with("rtt min/avg/max/mdev = ") {
                return "rtt min/avg/max/mdev = T ms".to_owned();
            }
            let words: Vec<&str> = line.split(' ').collect();
            let mut out = Vec::with_capacity(words.len());
            for (i, word) in words.iter().enumerate() {
                if word.starts_with("time=") {
                    out.push("time=T");
                } else if i > 0 && words[i - 1] == "time" && word.ends_with("ms") {
                    out.push("Tms");
                } else {
                    out.push(word);
                }
            }
            out.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Traceroute-format text (Butskoy traceroute's, or ours) with every
/// round trip time (`0.123 ms`) made `T ms`.
pub fn normalize_traceroute_times(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let timed = words.get(i + 1).is_some_and(|n| n.starts_with("ms"));
        out.push(if timed && w.parse::<f64>().is_ok() {
            "T"
        } else {
            w
        });
    }
    out.join(" ")
}

/// tracepath text (or ours) with each round trip made fixed: the
/// `%3ld.%03ldms` field (`  0.048ms`, `123.456ms`) becomes `  T.TTTms`,
/// so that columns still count.
pub fn normalize_tracepath_times(output: &str) -> String {
    output
        .lines()
        .map(|line| match tracepath_rtt(line) {
            Some((start, end)) => format!("{}  T.TTTms{}", &line[..start], &line[end..]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where the first `%3ld.%03ldms` of a tracepath line is, its padding
/// included.
fn tracepath_rtt(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    line.match_indices("ms").find_map(|(at, _)| {
        let dot = at.checked_sub(4)?;
        if bytes[dot] != b'.' || !digits(dot + 1..at) {
            return None;
        }
        let whole = bytes[..dot]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let padding = 3usize.saturating_sub(whole);
        let start = (dot - whole).checked_sub(padding)?;
        (whole > 0 && bytes[start..dot - whole].iter().all(|&b| b == b' '))
            .then_some((start, at + 2))
    })
}

#[cfg(test)]
mod tests;
