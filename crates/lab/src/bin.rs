//! The `icmpkit` binary under test.
//!
//! Cargo tells a package's own integration tests where its binaries are
//! only at compile time, and only in that package (`CARGO_BIN_EXE_<name>`,
//! `crates/cli`'s tests), so the path cannot be a function of this crate:
//! [`icmpkit!`](crate::icmpkit) expands to it in the test that names it.
//!
//! ```ignore
//! use icmpkit_lab::icmpkit;
//! let out = std::process::Command::new(icmpkit!()).arg("--version").output()?;
//! ```

/// The path of the `icmpkit` binary Cargo built for this test, as a
/// `&'static str`; only in the tests of the `icmpkit` package (`crates/cli`).
#[macro_export]
macro_rules! icmpkit {
    () => {
        env!("CARGO_BIN_EXE_icmpkit")
    };
}

/// `first` followed by `rest`: a subcommand and its arguments
/// (`with_subcommand("ping", &["-c", "1", host])`).
pub fn with_subcommand<'a>(first: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut all = Vec::with_capacity(rest.len() + 1);
    all.push(first);
    all.extend_from_slice(rest);
    all
}
