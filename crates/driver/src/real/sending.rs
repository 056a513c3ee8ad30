//! [`send_queue`]: the `sendmmsg(2)` loop that sends a [`SendQueue`],
//! shared by an [`super::endpoint::Endpoint`] and the send-only sockets
//! of its [`super::pool::SendPool`].

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_net::{IcmpSocket, SendBatch, os_errno};

use super::endpoint::Drained;
use super::queue::SendQueue;
use crate::transport::TransportError;

/// How long one flush waits for room in a full send buffer before it
/// refuses what is left.
const ROOM_WAIT: Duration = Duration::from_millis(100);

/// The pause between two attempts on a full send buffer (a raw socket's
/// `ENOBUFS` cannot be waited for with `poll`).
const ROOM_PAUSE: Duration = Duration::from_micros(200);

/// The errno a datagram is refused with when the send buffer stayed full
/// for [`ROOM_WAIT`]: what iputils prints for it ("No buffer space
/// available").
pub(super) const NO_ROOM_ERRNO: i32 = libc::ENOBUFS;

/// The errno of a failed send.
pub(super) fn errno_of(err: &std::io::Error) -> i32 {
    os_errno(err).unwrap_or(match err.kind() {
        std::io::ErrorKind::WouldBlock => libc::EAGAIN,
        std::io::ErrorKind::Interrupted => libc::EINTR,
        _ => libc::EINVAL,
    })
}

/// What a sender does about the datagrams the kernel refuses.
pub(super) trait Refusals {
    /// Reads what the kernel queued about a refused datagram (its error
    /// queue), handing it on; `Drained::default()` when the socket queues
    /// nothing.
    fn drain(&mut self) -> Result<Drained, TransportError>;

    /// Datagram `index` of the queue was refused with `errno`;
    /// `explained` when errors about it were handed on first.
    fn refuse(&mut self, index: usize, errno: i32, explained: bool);
}

/// Sends every datagram of `queue` on `socket` with as few `sendmmsg(2)`
/// calls as the kernel allows. A datagram the kernel refuses goes to
/// `refusals` (after what the kernel queued about it) and the rest go on;
/// a send buffer that stays full for [`ROOM_WAIT`] refuses what is left.
/// With `resend`, a datagram whose send failed only because a router's
/// error about an earlier one was pending goes again, once.
pub(super) fn send_queue(
    socket: &IcmpSocket,
    batch: &mut SendBatch,
    queue: &SendQueue,
    resend: bool,
    refusals: &mut dyn Refusals,
) -> Result<(), TransportError> {
    batch.reserve(queue.len());
    send_each(queue.len(), resend, refusals, |next| {
        let requested = (queue.len() - next).min(batch.capacity());
        socket
            .send_batch_iter(batch, queue.messages_from(next))
            .map(|sent| (sent, requested))
    })
}

/// [`send_queue`] of a queue of one, `datagram` to `dst`, without the
/// queue: one `sendto(2)` ([`IcmpSocket::send_one`]).
pub(super) fn send_one(
    socket: &IcmpSocket,
    datagram: &[u8],
    dst: IpAddr,
    resend: bool,
    refusals: &mut dyn Refusals,
) -> Result<(), TransportError> {
    send_each(1, resend, refusals, |_| {
        socket
            .send_one(datagram, dst)
            .map(|sent| (usize::from(sent), 1))
    })
}

/// The loop of [`send_queue`] over `len` datagrams: `send(next)` sends
/// from datagram `next` on and says how many went of how many it tried
/// (`Ok((0, _))` for a full send buffer).
fn send_each(
    len: usize,
    resend: bool,
    refusals: &mut dyn Refusals,
    mut send: impl FnMut(usize) -> std::io::Result<(usize, usize)>,
) -> Result<(), TransportError> {
    let mut next = 0;
    let mut room_deadline = None;
    // The datagram already sent again after a router's pending error.
    let mut resent = None;
    while next < len {
        match send(next) {
            Ok((0, _)) => {
                // A full send buffer (or a signal): wait a little.
                let deadline = *room_deadline.get_or_insert_with(|| Instant::now() + ROOM_WAIT);
                if Instant::now() < deadline {
                    std::thread::sleep(ROOM_PAUSE);
                    continue;
                }
                for i in next..len {
                    refusals.refuse(i, NO_ROOM_ERRNO, false);
                }
                break;
            }
            Ok((sent, requested)) => {
                next += sent;
                room_deadline = None;
                if sent < requested {
                    // The kernel refused datagram `next` and said nothing,
                    // but queued what it could say about it (a local
                    // EMSGSIZE with the MTU): then it is refused with that,
                    // and not sent again (which would queue the same error
                    // twice). Otherwise the next call, starting at it, says
                    // why.
                    if let Some(errno) = refusals.drain()?.local_errno {
                        refusals.refuse(next, errno, true);
                        next += 1;
                    }
                }
            }
            // The first datagram of this call was refused.
            Err(error) => {
                // What the kernel queued about it goes first.
                let drained = refusals.drain()?;
                // Only routers' errors, about earlier datagrams: the failed
                // send took the pending one; this datagram never left, so
                // it goes again.
                if resend
                    && drained.handed > 0
                    && drained.local_errno.is_none()
                    && resent != Some(next)
                {
                    resent = Some(next);
                    continue;
                }
                refusals.refuse(next, errno_of(&error), drained.handed > 0);
                next += 1;
            }
        }
    }
    Ok(())
}
