//! Headless Chromium (Debian package `chromium`), bounded in time, for the
//! tests of a web UI: a screenshot of a page ([`Chromium::screenshot`]) to
//! keep as an artifact and look at, and the DOM after scripts ran
//! ([`Chromium::dump_dom`]) to check what was drawn (SVG attributes).
//!
//! It runs with `--no-sandbox` (as root the sandbox refuses to start),
//! a profile of its own per run, and every background connection off
//! (updates, sync, safe browsing): run it inside a lab namespace
//! ([`Chromium::find`] with one) and it cannot reach anything else.

use std::path::Path;
use std::process::Output;

use crate::server::Scratch;

/// The program.
pub const PROGRAM: &str = "chromium";

/// The bound on one run, in seconds.
pub const BOUND: u32 = 60;

/// How long scripts may run before the page is taken, in virtual
/// milliseconds (`--virtual-time-budget`).
pub const SCRIPT_BUDGET_MS: u32 = 5000;

/// Where tests keep what they want looked at (screenshots):
/// `$ICMPKIT_ARTIFACTS` when set, else `target/lab-artifacts` in the
/// workspace; made when missing.
pub fn artifacts_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("ICMPKIT_ARTIFACTS").map_or_else(
        || crate::repo().join("target/lab-artifacts"),
        std::path::PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// Chromium, run in a namespace (or here).
#[derive(Clone, Debug)]
pub struct Chromium {
    ns: Option<String>,
}

impl Chromium {
    /// Chromium run inside namespace `ns` (full name), or here when
    /// `None`; `None` (after printing why) when it is not installed.
    pub fn find(ns: Option<&str>) -> Option<Chromium> {
        crate::require::program(PROGRAM).then(|| Chromium {
            ns: ns.map(str::to_owned),
        })
    }

    /// Saves a PNG of `url`, `width` × `height` CSS pixels, to `path`.
    pub fn screenshot(&self, url: &str, path: &Path, width: u32, height: u32) {
        let out = self.run(&[
            format!("--screenshot={}", path.display()),
            format!("--window-size={width},{height}"),
            url.to_owned(),
        ]);
        assert!(
            out.status.success() && path.is_file(),
            "chromium --screenshot {url} ({}): {}",
            out.status,
            crate::text(&out.stderr)
        );
    }

    /// The DOM of `url` once loaded and its scripts ran, as HTML.
    pub fn dump_dom(&self, url: &str) -> String {
        let out = self.run(&["--dump-dom".to_owned(), url.to_owned()]);
        assert!(
            out.status.success(),
            "chromium --dump-dom {url} ({}): {}",
            out.status,
            crate::text(&out.stderr)
        );
        crate::text(&out.stdout)
    }

    /// `chromium --headless ... args` with a profile of its own.
    fn run(&self, args: &[String]) -> Output {
        let profile = Scratch::new("chromium");
        let mut command = crate::server::bounded(self.ns.as_deref(), BOUND, PROGRAM);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-breakpad",
                "--disable-domain-reliability",
                "--metrics-recording-only",
                "--safebrowsing-disable-auto-update",
                "--no-proxy-server",
            ])
            .arg(format!("--virtual-time-budget={SCRIPT_BUDGET_MS}"))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {PROGRAM}: {e}"))
    }
}

#[cfg(test)]
mod tests;
