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
//!
//! [`RunnableCopy`] puts a program where an unprivileged user may run it
//! (`Lab::run_unprivileged`), without file capabilities.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

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

/// A program copied where any user may run it: a directory of its own,
/// mode 0755, in the temporary directory (the build's own path may go
/// through directories only their owner may enter). The copy has no file
/// capabilities (a copy of iputils `ping` runs without `cap_net_raw`, as
/// a user's ping would on a system that grants it none). Removed when
/// dropped.
#[derive(Debug)]
pub struct RunnableCopy {
    dir: PathBuf,
    name: String,
}

impl RunnableCopy {
    /// Copies `program` (a path) for `test` (a word, unique among the
    /// tests of one process).
    pub fn new(program: &str, test: &str) -> Self {
        let source = Path::new(program);
        let name = source.file_name().map_or_else(
            || "program".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let dir =
            std::env::temp_dir().join(format!("icmpkit-lab-{}-{test}-{name}", std::process::id()));
        // Left by an earlier run that had this process id and was killed.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(&dir)
            .unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let copy = Self { dir, name };
        // The copy keeps the program's mode (0755), not its capabilities.
        std::fs::copy(source, copy.path())
            .unwrap_or_else(|e| panic!("copy {program} to {}: {e}", copy.dir.display()));
        copy
    }

    /// Where the copy is.
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }
}

impl Drop for RunnableCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Links to a program under other names (`tracepath` → the binary under
/// test: one binary, many names), in a directory of their own in the
/// temporary directory; removed when dropped.
#[derive(Debug)]
pub struct Links {
    dir: PathBuf,
}

impl Links {
    /// Links `program` as each of `names`, for `test` (a word, unique
    /// among the tests of one process).
    pub fn new(program: &str, names: &[&str], test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("icmpkit-names-{}-{test}", std::process::id()));
        // Left by an earlier run that had this process id and was killed.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        for name in names {
            std::os::unix::fs::symlink(program, dir.join(name))
                .unwrap_or_else(|e| panic!("link {name} to {program}: {e}"));
        }
        Self { dir }
    }

    /// The link named `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs the link `name` with `args`, bounded by 20 s.
    pub fn run(&self, name: &str, args: &[&str]) -> std::process::Output {
        crate::peers::run_bounded(20, self.path(name), args)
    }
}

impl Drop for Links {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
