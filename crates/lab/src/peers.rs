//! The reference tools our output is compared with, run bounded in time so
//! that a test never hangs on one: iputils `ping`, `fping`, Butskoy
//! `traceroute`, `tracepath`, `scamper` (in a lab, through
//! [`Lab::run_bounded`](crate::netns::Lab::run_bounded)), `tshark` and
//! `tcpdump` (here, through [`run_bounded`]); [`require::program`](crate::require::program)
//! says whether one is installed. And what makes their output comparable
//! with ours ([`normalize_ping_times`]).

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

#[cfg(test)]
mod tests;
