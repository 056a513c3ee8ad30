//! The lab for Rust tests and benchmarks: the standard chain of
//! `lab/lib.sh` (`lab_chain`), built by `lab/chain.sh up` and removed by
//! `lab/chain.sh down` when the guard drops, even when the test fails.
//!
//! ```text
//! client 192.0.2.2 / 2001:db8:1::2 --- router 192.0.2.254 | 198.51.100.1 --- server 198.51.100.2 / 2001:db8:2::2
//! ```
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

/// A running chain; dropping it removes its namespaces.
pub struct Chain {
    prefix: String,
}

impl Chain {
    /// Builds a chain whose router-server link has `mtu`; `None` (after
    /// printing why) when labs are not available here.
    pub fn up(test: &str, mtu: u32) -> Option<Chain> {
        if !available(test) {
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("ik{}x{n}", std::process::id());
        let status = Command::new(repo().join("lab/chain.sh"))
            .args(["up", &prefix, &mtu.to_string()])
            .status()
            .expect("run lab/chain.sh");
        let chain = Chain { prefix };
        assert!(status.success(), "lab/chain.sh up failed");
        Some(chain)
    }

    /// The full name of namespace `name` (client, router, server).
    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
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
        let _ = Command::new(repo().join("lab/chain.sh"))
            .args(["down", &self.prefix])
            .status();
    }
}
