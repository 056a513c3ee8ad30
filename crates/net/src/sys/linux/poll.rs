//! Waiting for input: `ppoll(2)` on one or several descriptors.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use super::check;

/// What `poll(2)` saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollResult {
    /// `POLLIN`.
    pub readable: bool,
    /// `POLLERR`: the error queue holds something.
    pub error: bool,
}

/// `poll(2)` on one descriptor for input, waiting at most `timeout`.
pub fn poll_in(fd: RawFd, timeout: Duration) -> io::Result<PollResult> {
    Ok(poll_many(&[fd], timeout)?[0])
}

/// `poll(2)` on several descriptors for input, waiting at most `timeout`
/// for any of them; one result per descriptor, in order.
pub fn poll_many(fds: &[RawFd], timeout: Duration) -> io::Result<Vec<PollResult>> {
    let mut set = PollSet::new(fds.iter().copied());
    set.poll(timeout)?;
    Ok((0..set.len()).filter_map(|i| set.result(i)).collect())
}

/// Descriptors to `poll(2)` for input again and again: the `pollfd`
/// array is made once, so a wait allocates nothing.
#[derive(Debug, Clone)]
pub struct PollSet {
    pfds: Vec<libc::pollfd>,
}

impl PollSet {
    /// A set of `fds`, in order.
    pub fn new(fds: impl IntoIterator<Item = RawFd>) -> Self {
        Self {
            pfds: fds
                .into_iter()
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect(),
        }
    }

    /// How many descriptors the set has.
    pub fn len(&self) -> usize {
        self.pfds.len()
    }

    /// Waits at most `timeout` for input (or a queued error) on any
    /// descriptor, through signals; returns how many are ready.
    pub fn poll(&mut self, timeout: Duration) -> io::Result<usize> {
        let count = libc::nfds_t::try_from(self.pfds.len()).unwrap_or(libc::nfds_t::MAX);
        let deadline = std::time::Instant::now() + timeout;
        loop {
            // ppoll takes nanoseconds: a wait ends when it should, not at
            // the next whole millisecond.
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let spec = libc::timespec {
                tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(left.subsec_nanos()),
            };
            // SAFETY: `pfds` holds `count` valid pollfds, `spec` is a valid
            // timespec, and a null signal mask leaves the mask alone.
            match check(unsafe {
                libc::ppoll(
                    self.pfds.as_mut_ptr(),
                    count,
                    &raw const spec,
                    std::ptr::null(),
                )
            }) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return Ok(usize::try_from(other?).unwrap_or(0)),
            }
        }
    }

    /// What the last [`PollSet::poll`] saw on descriptor `i`.
    pub fn result(&self, i: usize) -> Option<PollResult> {
        let p = self.pfds.get(i)?;
        Some(PollResult {
            readable: p.revents & libc::POLLIN != 0,
            error: p.revents & libc::POLLERR != 0,
        })
    }
}
