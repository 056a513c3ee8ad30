//! The rule for tests that need more than `cargo test` as any user gives:
//! root (network namespaces, raw sockets), a peer tool, user namespaces.
//! When it is missing, the test prints `skipped: <why>` and passes; under
//! `CI=true` (CI runs as root with every tool installed) it fails instead,
//! so that nothing is skipped unseen where it must run.
//!
//! ```ignore
//! if !icmpkit_lab::require::root("replies_match_iputils") {
//!     return;
//! }
//! ```

/// Whether this process runs under CI (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The rule itself: fails the test under CI, otherwise prints
/// `skipped: {why}` (the test then returns).
pub fn skip(why: &str) {
    assert!(!in_ci(), "{why}, and under CI=true this test must run");
    eprintln!("skipped: {why}");
}

/// Whether the effective user is root (read from `/proc/self/status`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Whether `test` may run as root here; [`skip`]s it when not.
pub fn root(test: &str) -> bool {
    let root = is_root();
    if !root {
        skip(&format!(
            "{test} needs root (network namespaces, raw sockets)"
        ));
    }
    root
}

/// Whether `program` is installed (an executable file of that name on
/// `PATH`, or the path itself); [`skip`]s the test when not. Nothing is run
/// (`ptunnel-ng --version`, for one, starts a proxy that never ends).
pub fn program(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if program.contains('/') {
        executable(std::path::Path::new(program))
    } else {
        std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| executable(&dir.join(program)))
        })
    };
    if !found {
        skip(&format!("{program} is not installed"));
    }
    found
}

#[cfg(test)]
mod tests;
