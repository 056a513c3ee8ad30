//! The calling thread's scheduling, for a loop that must wake on time
//! (`icmpkit netsim up`): its timer slack and a real-time policy.

use std::io;
use std::time::Duration;

use crate::sys;

/// Sets the calling thread's timer slack (`PR_SET_TIMERSLACK`): how much
/// later than asked its timed waits may end (Linux's default is 50 µs; at
/// least 1 ns).
pub fn set_timer_slack(slack: Duration) -> io::Result<()> {
    sys::set_timer_slack(u64::try_from(slack.as_nanos()).unwrap_or(u64::MAX))
}

/// Runs the calling thread under `SCHED_FIFO` at `priority` (1 to 99): when
/// it wakes it runs at once, before every ordinary thread. Needs
/// `CAP_SYS_NICE`; the error then says so.
pub fn set_realtime(priority: u8) -> io::Result<()> {
    sys::set_fifo(priority).map_err(|e| {
        if e.kind() == io::ErrorKind::PermissionDenied {
            io::Error::new(
                e.kind(),
                format!(
                    "{e}: a real-time priority needs CAP_SYS_NICE (run as root, or setcap \
                     cap_sys_nice+ep)"
                ),
            )
        } else {
            e
        }
    })
}
