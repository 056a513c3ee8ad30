//! Running code inside a named network namespace (`ip netns add NAME`,
//! `/run/netns/NAME`) from one process: [`run_in`] runs a closure on a
//! fresh thread that has joined the namespace and returns its result.
//!
//! A socket belongs to the namespace it was made in, wherever it is used
//! later: open sockets (ICMP, TCP, UDP) with [`run_in`] and use them from
//! any thread. Joining needs `CAP_SYS_ADMIN`.
//!
//! ```no_run
//! let listener = icmpkit_net::netns::run_in("lab-server", || {
//!     std::net::TcpListener::bind("[::]:5001")
//! })??;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::PathBuf;

use crate::sys;

/// Where `ip netns` keeps its named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// Why [`run_in`] could not run the closure in the namespace.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The namespace's file could not be opened (no such namespace?).
    #[error("cannot open network namespace {}: {error}", .path.display())]
    Open {
        /// `/run/netns/NAME`.
        path: PathBuf,
        /// What the kernel said (part of the message, so not also the
        /// error's `source`).
        error: io::Error,
    },
    /// `setns` refused (without `CAP_SYS_ADMIN`: "Operation not permitted").
    #[error("cannot enter network namespace {name}: {error}")]
    Enter {
        /// The namespace's name.
        name: String,
        /// What the kernel said.
        error: io::Error,
    },
    /// The thread could not be started.
    #[error("cannot start a thread for network namespace {name}: {error}")]
    Spawn {
        /// The namespace's name.
        name: String,
        /// What the kernel said.
        error: io::Error,
    },
}

/// Runs `f` on a new thread that has joined the network namespace `name`
/// (`/run/netns/NAME`), and returns what `f` returned. The calling thread
/// stays where it is. A panic in `f` is resumed on the calling thread.
pub fn run_in<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> Result<T, NetnsError> {
    let path = PathBuf::from(NETNS_DIR).join(name);
    let file = File::open(&path).map_err(|error| NetnsError::Open { path, error })?;
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name(format!("netns {name}"))
            .spawn_scoped(scope, || {
                sys::enter_network_namespace(file.as_fd())?;
                Ok(f())
            })
            .map_err(|error| NetnsError::Spawn {
                name: name.to_owned(),
                error,
            })?;
        match thread.join() {
            Ok(result) => result.map_err(|error| NetnsError::Enter {
                name: name.to_owned(),
                error,
            }),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests;
