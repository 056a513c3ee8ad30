//! The labs for Rust tests and benchmarks, built from `lab/lib.sh` by a
//! script (`up`) and removed by the same script (`down`) when the guard
//! drops, even when the test fails:
//!
//! - [`Chain::up`]: the standard chain (`lab_chain`, `lab/chain.sh`),
//!
//! ```text
//! client 192.0.2.2 / 2001:db8:1::2 --- router 192.0.2.254 | 198.51.100.1 --- server 198.51.100.2 / 2001:db8:2::2
//! ```
//!
//! - [`Chain::trace`]: the traceroute lab (`lab_trace`, `lab/trace.sh`),
//!   with equal-cost paths at r2 hashed on addresses, protocol and ports,
//!
//! ```text
//!                                 .-- r3a --.
//! client --- r1 --- r2 --(ECMP)--<           >-- r4 --- server
//!                                 '-- r3b --'
//! ```
//!
//!   Client and server have the chain's addresses. What each hop answers
//!   from in a trace from the client, as measured (Linux 6.18):
//!
//!   | hop | IPv4 | IPv6 |
//!   | --- | --- | --- |
//!   | 1 r1 | [`R1_4`] | [`R1_6`] |
//!   | 2 r2 | [`R2_4`] | [`R2_6`] |
//!   | 3 r3a or r3b, by the probe's ports | [`R3A_4`] or [`R3B_4`] | [`R3A_6`] or [`R3B_6`] |
//!   | 4 r4 | [`R4_4`] always | [`R4_6`] after r3a, [`R4_R3B_6`] after r3b |
//!   | 5 server | [`SERVER4`] | [`SERVER6`] |
//!
//!   An IPv4 router answers from its address toward the client (r4's route
//!   back goes through r3a), an IPv6 router from the address the probe came
//!   in on.
//!
//! Traffic goes only to these documentation addresses inside the lab's own
//! namespaces. Include with
//! `#[path = "../../../tests/support/lab.rs"] mod lab;`.

#![allow(dead_code)] // each test crate uses part of it

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Client, router, server addresses.
pub const CLIENT4: &str = "192.0.2.2";
/// The router's client-side address.
pub const ROUTER4: &str = "192.0.2.254";
/// The server.
pub const SERVER4: &str = "198.51.100.2";
/// The client over IPv6.
pub const CLIENT6: &str = "2001:db8:1::2";
/// The router's client-side IPv6 address.
pub const ROUTER6: &str = "2001:db8:1::1";
/// The server over IPv6.
pub const SERVER6: &str = "2001:db8:2::2";

/// Trace lab: r1, the first hop (the chain's router address).
pub const R1_4: &str = "192.0.2.254";
/// Trace lab: r1's address toward r2.
pub const R1_R2_4: &str = "203.0.113.1";
/// Trace lab: r2, the second hop.
pub const R2_4: &str = "203.0.113.2";
/// Trace lab: r3a, the third hop on one branch.
pub const R3A_4: &str = "203.0.113.6";
/// Trace lab: r3b, the third hop on the other branch.
pub const R3B_4: &str = "203.0.113.10";
/// Trace lab: r4, the fourth hop whichever branch the probe took.
pub const R4_4: &str = "203.0.113.14";
/// Trace lab: r4's address toward r3b (an IPv4 trace never shows it).
pub const R4_R3B_4: &str = "203.0.113.18";
/// Trace lab: r4's address toward the server.
pub const R4_SERVER4: &str = "198.51.100.1";
/// Trace lab: r1 over IPv6.
pub const R1_6: &str = "2001:db8:1::1";
/// Trace lab: r2 over IPv6.
pub const R2_6: &str = "2001:db8:12::2";
/// Trace lab: r3a over IPv6.
pub const R3A_6: &str = "2001:db8:23a::2";
/// Trace lab: r3b over IPv6.
pub const R3B_6: &str = "2001:db8:23b::2";
/// Trace lab: r4 over IPv6 for probes that came through r3a.
pub const R4_6: &str = "2001:db8:3a4::2";
/// Trace lab: r4 over IPv6 for probes that came through r3b.
pub const R4_R3B_6: &str = "2001:db8:3b4::2";
/// Trace lab: r4's IPv6 address toward the server.
pub const R4_SERVER6: &str = "2001:db8:2::1";

/// Which lab to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// client - router - server (`lab/chain.sh`); namespaces client,
    /// router, server.
    Chain,
    /// client - r1 - r2 - (r3a | r3b) - r4 - server (`lab/trace.sh`);
    /// namespaces client, r1, r2, r3a, r3b, r4, server.
    Trace,
}

impl Topology {
    fn script(self) -> PathBuf {
        repo().join(match self {
            Topology::Chain => "lab/chain.sh",
            Topology::Trace => "lab/trace.sh",
        })
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether this process may build labs; prints the skip (or fails under
/// `CI=true`, where tests run as root) when it may not.
pub fn available(test: &str) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if !root {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: CI runs as root, the lab test must run"
        );
        eprintln!("skipped: {test} needs root (network namespaces)");
    }
    root
}

/// A running lab (either [`Topology`]); dropping it removes its namespaces.
pub struct Chain {
    prefix: String,
    topology: Topology,
}

impl Chain {
    /// Builds a chain whose router-server link has `mtu`; `None` (after
    /// printing why) when labs are not available here.
    pub fn up(test: &str, mtu: u32) -> Option<Chain> {
        Chain::build(test, Topology::Chain, mtu)
    }

    /// Builds the traceroute lab whose r4-server link has `mtu`; `None`
    /// (after printing why) when labs are not available here.
    pub fn trace(test: &str, mtu: u32) -> Option<Chain> {
        Chain::build(test, Topology::Trace, mtu)
    }

    /// Builds `topology` whose link to the server has `mtu`; `None` (after
    /// printing why) when labs are not available here.
    pub fn build(test: &str, topology: Topology, mtu: u32) -> Option<Chain> {
        if !available(test) {
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("ik{}x{n}", std::process::id());
        let script = topology.script();
        let status = Command::new(&script)
            .args(["up", &prefix, &mtu.to_string()])
            .status()
            .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
        let chain = Chain { prefix, topology };
        assert!(status.success(), "{} up failed", script.display());
        Some(chain)
    }

    /// Which lab this is.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The full name of namespace `name` (client, router, server; or
    /// client, r1, r2, r3a, r3b, r4, server).
    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// The standard chain (MTU 1280) whose server answers for every address
    /// of `prefix` (`ip route add local PREFIX dev lo`, routed there by the
    /// router): many targets from one namespace.
    pub fn answering(test: &str, prefix: &str) -> Option<Chain> {
        let chain = Chain::up(test, 1280)?;
        chain.must(
            "server",
            &["ip", "route", "add", "local", prefix, "dev", "lo"],
        );
        chain.must("router", &["ip", "route", "add", prefix, "via", SERVER4]);
        Some(chain)
    }

    /// Runs `program args` inside namespace `name`, killed after `seconds`
    /// (`timeout`), so a test never hangs on it.
    pub fn run_bounded(&self, name: &str, seconds: u32, program: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns(name),
                "timeout",
                &seconds.to_string(),
                program,
            ])
            .args(args)
            .output()
            .expect("run in the lab")
    }

    /// Runs `args` inside namespace `name`.
    pub fn exec(&self, name: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns(name)])
            .args(args)
            .output()
            .expect("run ip netns exec")
    }

    /// Runs `args` inside `name` and asserts it succeeded.
    pub fn must(&self, name: &str, args: &[&str]) {
        let out = self.exec(name, args);
        assert!(
            out.status.success(),
            "{args:?} in {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = Command::new(self.topology.script())
            .args(["down", &self.prefix])
            .status();
    }
}
