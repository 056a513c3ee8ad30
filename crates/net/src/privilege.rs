//! Giving up privileges once the sockets are open.
//!
//! A raw socket needs `CAP_NET_RAW` only to be opened: once it is, the
//! program can and should drop every capability, so that a bug later on
//! cannot use them.

use std::io;

use crate::sys;

/// `CAP_NET_RAW`'s bit number.
pub const CAP_NET_RAW: u32 = 13;

/// The highest capability number when the kernel does not say
/// (`CAP_CHECKPOINT_RESTORE`, Linux 5.9).
const FALLBACK_LAST_CAP: u32 = 40;

/// Whether the process runs as root (effective uid 0). iputils lifts its
/// user limits (2 ms interval, preload 3, flood) by this test, not by
/// capabilities, so a `setcap cap_net_raw` copy stays limited for users.
pub fn is_root() -> bool {
    sys::effective_uid() == 0
}

/// Whether the calling thread holds `CAP_NET_RAW` in its effective set.
pub fn has_raw_capability() -> io::Result<bool> {
    let [effective, _, _] = sys::capabilities()?;
    Ok(effective & (1 << CAP_NET_RAW) != 0)
}

/// Drops `CAP_NET_RAW` and every other capability: empties the effective,
/// permitted, inheritable and ambient sets and, where `CAP_SETPCAP` allows,
/// the bounding set, so not even a later `execve` of a set-uid-root or
/// file-capability program regains them. Returns whether anything was
/// held; when nothing was, it changes nothing and returns `Ok(false)`.
///
/// Open the sockets first: an open raw socket keeps working. Linux keeps
/// capabilities per thread, so call this on the main thread before
/// starting others (new threads copy the caller's sets); threads already
/// running keep theirs. A process running as uid 0 is still root for file
/// permissions: this is about capabilities only.
pub fn drop_raw_capability() -> io::Result<bool> {
    let sets = sys::capabilities()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read the capabilities: {e}")))?;
    if sets == [0; 3] {
        return Ok(false);
    }
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(FALLBACK_LAST_CAP);
    // The bounding set must go first: dropping it needs CAP_SETPCAP.
    sys::clear_ambient_and_bounding(last);
    sys::clear_capabilities()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot drop the capabilities: {e}")))?;
    Ok(true)
}
