//! Batched sending and receiving for high rates (`icmpkit sweep`):
//! [`IcmpSocket::send_batch`] with `sendmmsg(2)` and
//! [`IcmpSocket::recv_batch`] with `recvmmsg(2)`, one system call for up
//! to [`MAX_BATCH`] packets.
//!
//! The arrays the calls need live in a [`SendBatch`] or [`RecvBatch`] made
//! once and reused, so a call allocates nothing.
//!
//! Neither call waits, whether the socket is blocking or not, nor reports
//! "would block": on a full send buffer [`IcmpSocket::send_batch`] returns
//! `Ok(0)`, and [`IcmpSocket::recv_batch`] returns `Ok(0)` when nothing is
//! queued. A signal interrupting either call also gives `Ok(0)`. Wait
//! (`poll` for `POLLOUT`, or [`IcmpSocket::wait`] for replies) and call
//! again — or, to wait for replies in the receive itself, as iputils'
//! flood does, make the socket blocking, give it a receive timeout
//! ([`IcmpSocket::set_recv_timeout`]) and call
//! [`IcmpSocket::recv_batch_wait`]: one system call where a wait and a
//! receive take two.

use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

use crate::socket::IcmpSocket;
use crate::sys;
use crate::transfer::Received;

/// The most messages one batched call handles: Linux's `UIO_MAXIOV`
/// (1024). The kernel shortens longer vectors, so batches are capped at it.
pub const MAX_BATCH: usize = sys::UIO_MAXIOV;

/// Reusable scratch for [`IcmpSocket::send_batch`]: the `mmsghdr`,
/// `iovec` and socket address arrays for up to [`SendBatch::capacity`]
/// messages.
pub struct SendBatch {
    scratch: sys::SendScratch,
}

impl SendBatch {
    /// Room for `n` messages per call, capped at [`MAX_BATCH`].
    pub fn with_capacity(n: usize) -> Self {
        Self {
            scratch: sys::SendScratch::with_capacity(n),
        }
    }

    /// How many messages one call can send.
    pub fn capacity(&self) -> usize {
        self.scratch.capacity()
    }

    /// Grows the room to `n` messages per call (at most [`MAX_BATCH`]);
    /// never shrinks. A batch that starts small and grows with the load
    /// costs a one-shot tool nothing at start-up.
    pub fn reserve(&mut self, n: usize) {
        self.scratch.reserve(n);
    }
}

impl std::fmt::Debug for SendBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendBatch")
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

/// Reusable slots for [`IcmpSocket::recv_batch`]: per slot a packet
/// buffer, a peer address and a control-message buffer, and after a call
/// what each received packet was ([`RecvBatch::get`], [`RecvBatch::iter`]).
pub struct RecvBatch {
    scratch: sys::RecvScratch,
    received: Vec<Received>,
}

impl RecvBatch {
    /// `slots` slots (capped at [`MAX_BATCH`]) of `slot_len` bytes each; a
    /// longer packet is cut and marked [`Received::truncated`].
    pub fn new(slots: usize, slot_len: usize) -> Self {
        let scratch = sys::RecvScratch::new(slots, slot_len);
        let received = Vec::with_capacity(scratch.slots());
        Self { scratch, received }
    }

    /// How many packets one call can receive.
    pub fn slots(&self) -> usize {
        self.scratch.slots()
    }

    /// The buffer size of each slot.
    pub fn slot_len(&self) -> usize {
        self.scratch.slot_len()
    }

    /// How many packets the last [`IcmpSocket::recv_batch`] received.
    pub fn len(&self) -> usize {
        self.received.len()
    }

    /// Whether the last [`IcmpSocket::recv_batch`] received nothing.
    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    /// Packet `i` of the last call: what [`IcmpSocket::recv`] would have
    /// said of it, and its bytes (the buffer `recv` would have filled, so
    /// [`Received::icmp`] applies).
    pub fn get(&self, i: usize) -> Option<(Received, &[u8])> {
        let received = *self.received.get(i)?;
        let bytes = self.scratch.bytes(i, received.len)?;
        Some((received, bytes))
    }

    /// Every packet of the last call, in order; see [`RecvBatch::get`].
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Received, &[u8])> + '_ {
        self.received.iter().enumerate().map(|(i, &received)| {
            let bytes = self.scratch.bytes(i, received.len).unwrap_or(&[]);
            (received, bytes)
        })
    }
}

impl std::fmt::Debug for RecvBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvBatch")
            .field("slots", &self.slots())
            .field("slot_len", &self.slot_len())
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

/// "Nothing moved" rather than an error.
fn nothing_moved(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// "No room in the send buffer now": `EAGAIN` (datagram sockets, when
/// non-blocking) or `ENOBUFS` (what raw sockets report, blocking or not).
fn no_room(err: &io::Error) -> bool {
    nothing_moved(err) || err.raw_os_error() == Some(libc::ENOBUFS)
}

impl IcmpSocket {
    /// Sends the first messages of `messages` (each an ICMP message and its
    /// destination, as for [`IcmpSocket::send_to`]), at most
    /// [`SendBatch::capacity`], with one `sendmmsg(2)`; returns how many
    /// the kernel took. Send the rest with another call.
    ///
    /// - An empty `messages` returns `Ok(0)` without a system call.
    /// - A full send buffer returns `Ok(0)`: `EAGAIN` from a datagram
    ///   socket, and `ENOBUFS`, which raw sockets report instead. The call
    ///   never waits for room (`MSG_DONTWAIT`), even on a blocking socket
    ///   (one made blocking to wait in [`IcmpSocket::recv_batch_wait`]).
    ///   A signal also gives `Ok(0)`.
    /// - A lone message goes with `sendto(2)`, cheaper for the kernel than
    ///   a `sendmmsg(2)` of one, with the same results.
    /// - A message the kernel refuses after others went ends the call
    ///   early: the count says how many went, and the next call, starting
    ///   at the refused message, reports its error.
    /// - A destination of the wrong IP version is an `InvalidInput` error
    ///   before anything is sent.
    ///
    /// Take the send time ([`crate::SendTime`]) before the call: the
    /// messages leave within it.
    pub fn send_batch(
        &self,
        batch: &mut SendBatch,
        messages: &[(&[u8], IpAddr)],
    ) -> io::Result<usize> {
        self.send_batch_iter(batch, messages.iter().copied())
    }

    /// [`IcmpSocket::send_batch`] of the messages `messages` yields (at
    /// most [`SendBatch::capacity`] are taken from it), for a caller that
    /// keeps its messages in its own layout (a queue of datagrams in one
    /// buffer) and would otherwise build a slice for every call. The same
    /// results, the same `Ok(0)` on a full send buffer.
    pub fn send_batch_iter<'a>(
        &self,
        batch: &mut SendBatch,
        messages: impl IntoIterator<Item = (&'a [u8], IpAddr)>,
    ) -> io::Result<usize> {
        let mut first = None;
        let items = messages.into_iter().map(|(buf, dst)| {
            first.get_or_insert(dst);
            self.outgoing(buf, dst)
        });
        match sys::send_mmsg(self.as_raw_fd(), &mut batch.scratch, items) {
            Ok(sent) => Ok(sent),
            Err(e) if no_room(&e) => Ok(0),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput && e.raw_os_error().is_none() => {
                Err(e)
            }
            Err(e) => {
                let what = match first {
                    Some(dst) => format!("cannot send a batch (first to {dst})"),
                    None => "cannot send a batch".to_owned(),
                };
                Err(self.context(&what, &e))
            }
        }
    }

    /// [`IcmpSocket::send_batch`] of one message, without a
    /// [`SendBatch`]: one `sendto(2)` with `MSG_DONTWAIT`. `Ok(true)` when
    /// it went, `Ok(false)` when `send_batch` would give `Ok(0)` (a full
    /// send buffer, or a signal); the same errors otherwise.
    pub fn send_one(&self, message: &[u8], dst: IpAddr) -> io::Result<bool> {
        let (buf, addr) = self.outgoing(message, dst)?;
        match sys::send_to(self.as_raw_fd(), buf, addr, libc::MSG_DONTWAIT) {
            Ok(_) => Ok(true),
            Err(e) if no_room(&e) => Ok(false),
            Err(e) => Err(self.context(&format!("cannot send to {dst}"), &e)),
        }
    }

    /// Receives up to [`RecvBatch::slots`] queued packets with one
    /// `recvmmsg(2)` (`MSG_DONTWAIT`: it never waits) and returns how many;
    /// read them with [`RecvBatch::get`] or [`RecvBatch::iter`]. Each
    /// carries what [`IcmpSocket::recv`] gives (the same reading of the
    /// same control messages). `Ok(0)` when nothing is queued (or a signal
    /// interrupted the call) or the batch has no slots.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        self.recv_batch_with(batch, libc::MSG_DONTWAIT, usize::MAX)
    }

    /// [`IcmpSocket::recv_batch`] of at most `most` packets (and the
    /// batch's slots) that waits for the first one (`recvmmsg(2)` with
    /// `MSG_WAITFORONE`): on a blocking socket
    /// ([`IcmpSocket::set_nonblocking`] off) it waits at most the receive
    /// timeout ([`IcmpSocket::set_recv_timeout`]), then takes what else is
    /// queued without waiting. A reader that expects one packet at a time
    /// asks for one: taking a packet costs the kernel about as much as
    /// finding there is no second. `Ok(0)` when the timeout passed first or a
    /// signal interrupted the wait (with a receive timeout set, Linux
    /// interrupts the call even for a handler installed with
    /// `SA_RESTART`). A pending socket error ends the wait as an error,
    /// as it does [`IcmpSocket::recv_batch`]; an error queued with none
    /// pending (`IP_RECVERR` queues ICMP errors with one, local send
    /// errors without) does not. On a non-blocking socket this is
    /// [`IcmpSocket::recv_batch`].
    pub fn recv_batch_wait(&self, batch: &mut RecvBatch, most: usize) -> io::Result<usize> {
        self.recv_batch_with(batch, libc::MSG_WAITFORONE, most)
    }

    /// `recvmmsg(2)` with `flags` of at most `most` packets into `batch`.
    fn recv_batch_with(
        &self,
        batch: &mut RecvBatch,
        flags: libc::c_int,
        most: usize,
    ) -> io::Result<usize> {
        let RecvBatch { scratch, received } = batch;
        received.clear();
        let result = sys::recv_mmsg(self.as_raw_fd(), scratch, flags, most, |msg, buf| {
            received.push(self.received(msg, buf));
        });
        match result {
            Ok(n) => Ok(n),
            Err(e) if nothing_moved(&e) => Ok(0),
            Err(e) => Err(self.context("cannot receive a batch", &e)),
        }
    }
}
