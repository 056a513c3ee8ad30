//! Test support for icmpkit: the one place integration tests, in any crate,
//! take shared helpers from (a dev-dependency only; never published).
//!
//! - [`netns`]: labs of network namespaces, built and removed by
//!   `lab/lib.sh` (the one lab builder, shared with the shell scripts and
//!   the benchmarks) behind a drop guard, [`netns::Lab`].
//! - `netsim` (feature `json`): `icmpkit netsim up` run in a lab, with
//!   tcpdump on its device and crafted packets written onto it.
//! - [`packets`]: valid IPv4/IPv6 + ICMP packets with correct checksums, so
//!   a test can break exactly one thing.
//! - [`peers`]: the reference tools (iputils `ping`, `fping`, `traceroute`,
//!   `tracepath`, `scamper`, `tshark`, `tcpdump`) run bounded in time, and
//!   what makes their output comparable with ours.
//! - [`bin`]: the `icmpkit` binary under test ([`icmpkit!`]).
//! - [`traceroute`]: traceroute-format hop lines read for comparison, and
//!   the hops of the traceroute lab.
//! - [`tshark`]: tshark's `-T fields` output by field name, and (feature
//!   `json`) `icmpkit decode --json`'s records, reduced to the same
//!   verdicts, for the tests that compare the decoder with tshark.
//! - `guard` (feature `json`): `icmpkit guard`'s recorded captures and
//!   its JSON alerts.
//! - [`require`]: the rule for tests that need root or a tool: skip with a
//!   printed message, except under `CI=true`, where they fail.
//! - [`metrics`]: Prometheus and `OpenMetrics` text read into samples.
//! - Feature `monitor`, for the tests of `icmpkit monitor`: `http` (where
//!   a server listens, a small HTTP client that reaches it inside a
//!   namespace, a receiver that records webhooks), `server` (programs
//!   started, awaited and stopped with drop guards) and the monitoring
//!   peers in `peers`: Prometheus, `VictoriaMetrics`, `smokeping_prober`,
//!   `blackbox_exporter` and headless Chromium; the monitoring lab is
//!   [`netns::Lab::monitor`].
//! - `echo` (feature `sockets`): echo messages with a random nonce and a
//!   bounded wait for the matching reply, for tests of `icmpkit-net`.
//!
//! Traffic rule: the helpers here send only to loopback or inside
//! namespaces the test's own lab made, at documentation addresses.
//!
//! Every helper panics when what it runs fails: that is how a test fails.
#![allow(clippy::missing_panics_doc)] // panicking is how a test helper fails the test

use std::path::PathBuf;

pub mod bin;
#[cfg(feature = "sockets")]
pub mod echo;
#[cfg(feature = "json")]
pub mod guard;
#[cfg(feature = "monitor")]
pub mod http;
pub mod metrics;
pub mod netns;
#[cfg(feature = "json")]
pub mod netsim;
pub mod packets;
pub mod peers;
pub mod require;
#[cfg(feature = "monitor")]
pub mod server;
pub mod traceroute;
pub mod tshark;

/// The workspace root (where `lab/`, `tests/fixtures/` and `Cargo.toml`
/// are).
pub fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `bytes` (a program's stdout or stderr) as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON-lines records a program printed (`--json`), one per line.
#[cfg(feature = "json")]
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    text(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}
