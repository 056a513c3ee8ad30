//! The calling thread's scheduling: its timer slack (`PR_SET_TIMERSLACK`)
//! and a real-time policy (`SCHED_FIFO`), which a real-time loop sets so
//! its waits end on time.

use std::io;

use libc::c_ulong;

use super::check;

/// `prctl(PR_SET_TIMERSLACK, nanoseconds)` for the calling thread: how
/// much later than asked the kernel may end its timed waits (50 µs by
/// default; 0 would mean the default, so at least 1).
pub fn set_timer_slack(nanoseconds: u64) -> io::Result<()> {
    let slack = c_ulong::try_from(nanoseconds.max(1)).unwrap_or(c_ulong::MAX);
    // SAFETY: PR_SET_TIMERSLACK takes one unsigned long by value.
    check(unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, slack, 0, 0, 0) })?;
    Ok(())
}

/// `sched_setscheduler(0, SCHED_FIFO, priority)`: the calling thread runs
/// before every ordinary one when it wakes. Needs `CAP_SYS_NICE` (or an
/// `RLIMIT_RTPRIO`); `EPERM` otherwise.
pub fn set_fifo(priority: u8) -> io::Result<()> {
    let param = libc::sched_param {
        sched_priority: libc::c_int::from(priority),
    };
    // SAFETY: `param` is a valid sched_param that outlives the call; pid 0
    // is the calling thread.
    check(unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &raw const param) })?;
    Ok(())
}
