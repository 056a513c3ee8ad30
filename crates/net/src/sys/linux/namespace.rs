//! Joining a network namespace.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use super::check;

/// `setns(fd, CLONE_NEWNET)`: moves the calling thread (only it) into the
/// network namespace `fd` refers to (`/run/netns/NAME`, `/proc/PID/ns/net`).
pub fn enter_network_namespace(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: setns(2) takes a descriptor, valid for the call because it is
    // borrowed, and a flag; it changes only the calling thread's namespace.
    check(unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) })?;
    Ok(())
}
