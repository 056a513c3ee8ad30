//! [`Endpoint`]: one open socket of a [`super::SocketPlan`], with its send
//! queue (flushed with `sendmmsg(2)`) and receive slots (filled with
//! `recvmmsg(2)`).

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use icmpkit_net::{Clocks, ErrorOrigin, IcmpSocket, MAX_BATCH, RecvBatch, SendBatch, os_errno};
use icmpkit_proto::machine::{Channel, Datagram, ErrorSource, Input, SendFailure, SocketError};

use super::OpenError;
use super::plan::SocketOptions;
use super::queue::{Queued, SendQueue};
use crate::transport::{Delivery, TransportError};

/// The most datagrams one [`Endpoint::receive`] reads: a storm cannot
/// keep the driver from sending and keeping time.
const READS_PER_RECEIVE: usize = 256;

/// The most failed reads (pending socket errors) one
/// [`Endpoint::receive`] takes before it moves on.
const PENDING_ERRORS_PER_RECEIVE: usize = 64;

/// The most queued errors one drain of an error queue reads.
const QUEUED_ERRORS_PER_DRAIN: usize = 256;

/// The receive slots of one socket: how many datagrams one `recvmmsg(2)`
/// reads.
pub(super) const RECV_SLOTS: usize = 64;

/// The size of a receive slot: the largest IP datagram, so nothing is cut
/// (the pages of a slot are touched only as far as datagrams fill them).
pub(super) const RECV_SLOT_LEN: usize = 65_536;

/// How long one flush waits for room in a full send buffer before it
/// refuses what is left.
const ROOM_WAIT: Duration = Duration::from_millis(100);

/// The pause between two attempts on a full send buffer (a raw socket's
/// `ENOBUFS` cannot be waited for with `poll`).
const ROOM_PAUSE: Duration = Duration::from_micros(200);

/// The errno a datagram is refused with when the send buffer stayed full
/// for [`ROOM_WAIT`]: what iputils prints for it ("No buffer space
/// available").
const NO_ROOM_ERRNO: i32 = libc::ENOBUFS;

/// One open socket of the plan.
#[derive(Debug)]
pub(super) struct Endpoint {
    /// Shared with the receive thread of a [`super::ThreadedTransport`].
    pub socket: Arc<IcmpSocket>,
    pub channel: Channel,
    /// Waited on and read (every socket but a raw UDP sender).
    pub receives: bool,
    /// `IP_RECVERR` / `IPV6_RECVERR` is on.
    recv_errors: bool,
    /// [`SocketOptions::resend_after_router_error`].
    resend: bool,
    /// The TTL of a datagram that names none.
    pub default_ttl: u8,
    /// The TTL the socket has now.
    ttl: u8,
    /// What was sent since the last flush.
    pub queue: SendQueue,
    send: SendBatch,
    recv: RecvBatch,
    /// Held while the error queue is read, and by a flush from its first
    /// send to its last refusal, when another thread reads the socket
    /// too: a refusal then finds the error the kernel queued about it.
    errors_lock: Option<Arc<Mutex<()>>>,
}

/// Takes `lock` (a panic elsewhere while holding it left nothing half
/// done: it guards no data).
fn hold(lock: Option<&Mutex<()>>) -> Option<MutexGuard<'_, ()>> {
    lock.map(|l| l.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Sets `options` on `socket`, and makes it non-blocking.
fn configure(socket: &IcmpSocket, options: &SocketOptions) -> Result<(), OpenError> {
    if let Some(device) = options.device.as_deref() {
        socket
            .bind_device(device)
            .map_err(|error| OpenError::BindDevice {
                device: device.to_owned(),
                error,
            })?;
    }
    let setup = |result: io::Result<()>| result.map_err(OpenError::Setup);
    if let Some(source) = options.source {
        setup(socket.bind_source(source))?;
    }
    if let Some(tos) = options.tos {
        setup(socket.set_tos(tos))?;
    }
    if let Some(ttl) = options.ttl {
        setup(socket.set_ttl(ttl))?;
    }
    if let Some(mode) = options.pmtu {
        setup(socket.set_pmtu_mode(mode))?;
    }
    if let Some(mark) = options.mark {
        setup(socket.set_mark(mark))?;
    }
    if options.recv_errors {
        setup(socket.set_recv_errors(true))?;
    }
    if options.timestamps {
        setup(socket.set_timestamps(true))?;
    }
    if options.recv_ttl {
        setup(socket.set_recv_ttl(true))?;
    }
    if let Some(bytes) = options.recv_buffer {
        setup(socket.set_recv_buffer_size(bytes))?;
    }
    if let Some(bytes) = options.send_buffer {
        setup(socket.set_send_buffer_size(bytes))?;
    }
    if options.broadcast {
        setup(socket.set_broadcast(true))?;
    }
    setup(socket.set_nonblocking(true))
}

/// An error that says the socket itself is unusable (a bug, not the
/// network): everything else a receive can fail with is a pending socket
/// error the kernel reports once, which is no reason to end a run.
fn is_fatal(err: &io::Error) -> bool {
    matches!(
        os_errno(err),
        Some(libc::EBADF | libc::ENOTSOCK | libc::EFAULT | libc::EINVAL | libc::EOPNOTSUPP)
    )
}

/// The errno of a failed send.
fn errno_of(err: &io::Error) -> i32 {
    os_errno(err).unwrap_or(match err.kind() {
        io::ErrorKind::WouldBlock => libc::EAGAIN,
        io::ErrorKind::Interrupted => libc::EINTR,
        _ => libc::EINVAL,
    })
}

/// What [`Endpoint::wait_read`] read while it waited.
#[derive(Debug, Clone, Copy)]
pub(super) enum Waited {
    /// Nothing: the receive timeout passed, or a signal came.
    Nothing,
    /// `got` datagrams, in the receive slots, read just before `clocks`.
    Datagrams { got: usize, clocks: Clocks },
    /// The read reported (and cleared) a pending socket error.
    PendingError,
}

/// What one drain of an error queue handed over.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Drained {
    /// How many errors.
    pub handed: usize,
    /// The errno of the last local error (`EMSGSIZE` with the MTU).
    pub local_errno: Option<i32>,
}

/// The refusal of `queued`.
fn refusal(queued: &Queued, errno: i32, explained: bool) -> Delivery<'static> {
    Delivery::Refused(SendFailure {
        tag: queued.tag,
        dst: queued.dst,
        errno,
        explained,
    })
}

impl Endpoint {
    /// Opens and sets up one socket.
    pub fn open(
        mut socket: IcmpSocket,
        channel: Channel,
        options: &SocketOptions,
    ) -> Result<Self, OpenError> {
        if let Some(index) = options.link_scope {
            socket.set_link_scope(index);
        }
        configure(&socket, options)?;
        let receives = channel != Channel::Udp;
        if !receives {
            // Never read: keep what queues there (every UDP datagram the
            // host receives) small.
            socket.set_recv_buffer_size(1).map_err(OpenError::Setup)?;
        }
        let ttl = socket.ttl().map_err(OpenError::Setup)?;
        let recv = if receives {
            RecvBatch::new(RECV_SLOTS, RECV_SLOT_LEN)
        } else {
            RecvBatch::new(0, 0)
        };
        Ok(Self {
            socket: Arc::new(socket),
            channel,
            receives,
            recv_errors: options.recv_errors,
            resend: options.resend_after_router_error,
            default_ttl: ttl,
            ttl,
            queue: SendQueue::new(MAX_BATCH),
            // Grown to the queue's length at each flush: a one-shot tool
            // pays for the few messages it sends, a sweep for MAX_BATCH.
            send: SendBatch::with_capacity(0),
            recv,
            errors_lock: None,
        })
    }

    /// An endpoint that reads this one's socket on another thread: it
    /// gets the receive slots, this one keeps sending. From now on the
    /// two take turns on the error queue.
    pub fn split_reader(&mut self) -> Self {
        let lock = Arc::clone(
            self.errors_lock
                .get_or_insert_with(|| Arc::new(Mutex::new(()))),
        );
        Self {
            socket: Arc::clone(&self.socket),
            channel: self.channel,
            receives: self.receives,
            recv_errors: self.recv_errors,
            resend: self.resend,
            default_ttl: self.default_ttl,
            ttl: self.ttl,
            queue: SendQueue::new(1),
            send: SendBatch::with_capacity(0),
            recv: std::mem::replace(&mut self.recv, RecvBatch::new(0, 0)),
            errors_lock: Some(lock),
        }
    }

    /// Reads this socket's error queue, handing each error to `sink`
    /// (only local ones when `local_only`).
    pub fn drain_errors(
        &self,
        buf: &mut [u8],
        local_only: bool,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<Drained, TransportError> {
        let mut drained = Drained::default();
        for _ in 0..QUEUED_ERRORS_PER_DRAIN {
            let queued = match self.socket.recv_error(buf) {
                Ok(Some(queued)) => queued,
                Ok(None) => break,
                Err(source) if is_fatal(&source) => {
                    return Err(TransportError::Io {
                        operation: "reading the error queue",
                        source,
                    });
                }
                // A message without its extended error: taken, go on.
                Err(_) => continue,
            };
            let source = match queued.origin {
                ErrorOrigin::Local => ErrorSource::Local,
                ErrorOrigin::Icmp | ErrorOrigin::Icmp6 => ErrorSource::Icmp,
                ErrorOrigin::Other(_) => continue,
            };
            if local_only && source != ErrorSource::Local {
                continue;
            }
            sink(Delivery::Input(Input::SocketError(SocketError {
                channel: self.channel,
                source,
                errno: queued.errno,
                icmp_type: queued.icmp_type,
                icmp_code: queued.icmp_code,
                info: queued.info,
                offender: queued.offender,
                dst: queued.dst,
                read_at: Instant::now(),
                original: queued.original(buf),
            })));
            drained.handed += 1;
            if source == ErrorSource::Local {
                drained.local_errno = Some(queued.errno);
            }
        }
        Ok(drained)
    }

    /// [`Endpoint::drain_errors`] after a refused send, when the error
    /// queue is on: nothing otherwise.
    fn drain_after_refusal(
        &self,
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<Drained, TransportError> {
        if !self.recv_errors {
            return Ok(Drained::default());
        }
        // A socket that is never read holds copies of the ICMP errors the
        // ICMP socket got: only its local errors explain.
        self.drain_errors(buf, !self.receives, sink)
    }

    /// Queues `datagram`, flushing first when its TTL differs from the
    /// queue's, and after when the queue is full.
    pub fn enqueue(
        &mut self,
        datagram: &[u8],
        dst: std::net::IpAddr,
        tag: u64,
        hop_limit: Option<u8>,
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let ttl = hop_limit.unwrap_or(self.default_ttl);
        if self.queue.ttl().is_some_and(|queued| queued != ttl) {
            self.flush(buf, sink)?;
        }
        self.queue.push(datagram, dst, tag, ttl);
        if self.queue.is_full() {
            self.flush(buf, sink)?;
        }
        Ok(())
    }

    /// Sends what is queued with as few `sendmmsg(2)` calls as the kernel
    /// allows, after setting the queue's TTL on the socket (only when it
    /// changes). A datagram the kernel refuses is delivered as
    /// [`Delivery::Refused`], after what the kernel queued about it, and
    /// the rest go on; a send buffer that stays full for [`ROOM_WAIT`]
    /// refuses what is left.
    pub fn flush(
        &mut self,
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let Some(ttl) = self.queue.ttl() else {
            return Ok(());
        };
        let lock = self.errors_lock.clone();
        let _turn = hold(lock.as_deref());
        if self.ttl != ttl {
            if let Err(e) = self.socket.set_ttl(ttl) {
                let errno = errno_of(&e);
                for i in 0..self.queue.len() {
                    if let Some(queued) = self.queue.get(i) {
                        sink(refusal(queued, errno, false));
                    }
                }
                self.queue.clear();
                return Ok(());
            }
            self.ttl = ttl;
        }
        self.send.reserve(self.queue.len());
        let mut next = 0;
        let mut room_deadline = None;
        // The datagram already sent again after a router's pending error.
        let mut resent = None;
        while next < self.queue.len() {
            match self
                .socket
                .send_batch_iter(&mut self.send, self.queue.messages_from(next))
            {
                Ok(0) => {
                    // A full send buffer (or a signal): wait a little.
                    let deadline = *room_deadline.get_or_insert_with(|| Instant::now() + ROOM_WAIT);
                    if Instant::now() < deadline {
                        std::thread::sleep(ROOM_PAUSE);
                        continue;
                    }
                    for i in next..self.queue.len() {
                        if let Some(queued) = self.queue.get(i) {
                            sink(refusal(queued, NO_ROOM_ERRNO, false));
                        }
                    }
                    break;
                }
                Ok(sent) => {
                    let requested = (self.queue.len() - next).min(self.send.capacity());
                    next += sent;
                    room_deadline = None;
                    if sent < requested {
                        // The kernel refused datagram `next` and said
                        // nothing, but queued what it could say about it
                        // (a local EMSGSIZE with the MTU): then it is
                        // refused with that, and not sent again (which
                        // would queue the same error twice). Otherwise the
                        // next call, starting at it, says why.
                        let drained = self.drain_after_refusal(buf, sink)?;
                        if let Some(errno) = drained.local_errno {
                            if let Some(queued) = self.queue.get(next) {
                                sink(refusal(queued, errno, true));
                            }
                            next += 1;
                        }
                    }
                }
                // The first datagram of this call was refused.
                Err(error) => {
                    // What the kernel queued about it goes first.
                    let drained = self.drain_after_refusal(buf, sink)?;
                    // Only routers' errors, about earlier datagrams: the
                    // failed send took the pending one; this datagram
                    // never left, so it goes again.
                    if self.resend
                        && drained.handed > 0
                        && drained.local_errno.is_none()
                        && resent != Some(next)
                    {
                        resent = Some(next);
                        continue;
                    }
                    if let Some(queued) = self.queue.get(next) {
                        sink(refusal(queued, errno_of(&error), drained.handed > 0));
                    }
                    next += 1;
                }
            }
        }
        self.queue.clear();
        Ok(())
    }

    /// Waits in the receive itself ([`IcmpSocket::recv_batch_wait`]: at
    /// most the socket's receive timeout, on a blocking socket) for at most
    /// `most` datagrams, and keeps what it read in the receive slots for
    /// [`Endpoint::receive`], which must come next.
    pub fn wait_read(&mut self, most: usize) -> Result<Waited, TransportError> {
        match self.socket.recv_batch_wait(&mut self.recv, most) {
            Ok(0) => Ok(Waited::Nothing),
            Ok(got) => Ok(Waited::Datagrams {
                got,
                clocks: Clocks::read_reusing_offset(),
            }),
            Err(source) if is_fatal(&source) => Err(TransportError::Io {
                operation: "receiving",
                source,
            }),
            Err(_) => Ok(Waited::PendingError),
        }
    }

    /// Hands the datagrams of the last read, made just before `clocks`
    /// were read, to `sink`.
    fn deliver(&self, clocks: &Clocks, sink: &mut dyn FnMut(Delivery<'_>)) {
        for (received, bytes) in self.recv.iter() {
            sink(Delivery::Input(Input::Datagram(Datagram {
                channel: self.channel,
                from: received.from,
                hop_limit: received.ttl,
                read_at: clocks.now,
                kernel_at: clocks.kernel_instant(received.kernel_time),
                bytes: received.icmp(bytes),
            })));
        }
    }

    /// Reads what waits on this socket, a batch of datagrams per
    /// `recvmmsg(2)`, then its queued errors when `errors_flagged` (the
    /// last wait saw the socket's error flag, or nobody knows) or a read
    /// reported a pending error: a flood would otherwise pay one failing
    /// `MSG_ERRQUEUE` read per reply. An error queued after the wait is
    /// flagged by the next one.
    ///
    /// `waited` is what [`Endpoint::wait_read`] read, if the wait was
    /// one: its datagrams go first, and the socket is read again only when
    /// they filled every slot (a read that found nothing, or fewer
    /// datagrams than slots, left the socket empty an instant ago; one
    /// that asked for fewer leaves the rest to the next wait, which
    /// returns at once).
    pub fn receive(
        &mut self,
        buf: &mut [u8],
        errors_flagged: bool,
        waited: Option<Waited>,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let (mut reads, mut pending) = (0, 0);
        let mut more = true;
        match waited {
            None => {}
            Some(Waited::Nothing) => more = false,
            Some(Waited::PendingError) => pending += 1,
            Some(Waited::Datagrams { got, clocks }) => {
                reads += got;
                self.deliver(&clocks, sink);
                more = got >= self.recv.slots();
            }
        }
        while more && reads < READS_PER_RECEIVE && pending < PENDING_ERRORS_PER_RECEIVE {
            match self.socket.recv_batch(&mut self.recv) {
                Ok(0) => break,
                Ok(got) => {
                    reads += got;
                    self.deliver(&Clocks::read_reusing_offset(), sink);
                    if got < self.recv.slots() {
                        // The socket is empty now.
                        break;
                    }
                }
                Err(source) if is_fatal(&source) => {
                    return Err(TransportError::Io {
                        operation: "receiving",
                        source,
                    });
                }
                // A pending socket error (an ICMP error about one of our
                // datagrams), which this read reported and cleared. What
                // the kernel could queue about it is read below; one it
                // could not queue (a full receive buffer) is no event and
                // no failure: iputils survives it too.
                Err(_) => pending += 1,
            }
        }
        if self.recv_errors && (errors_flagged || pending > 0) {
            let _turn = hold(self.errors_lock.as_deref());
            self.drain_errors(buf, false, sink)?;
        }
        Ok(())
    }
}
