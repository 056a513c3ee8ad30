//! [`Endpoint`]: one open socket of a [`super::SocketPlan`], with its send
//! queue (flushed with `sendmmsg(2)`) and receive slots (filled with
//! `recvmmsg(2)`).

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use icmpkit_net::{Clocks, ErrorOrigin, IcmpSocket, MAX_BATCH, RecvBatch, SendBatch, os_errno};
use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, Overflow, SendFailure, SocketError, Transmit,
};

use super::OpenError;
use super::plan::SocketOptions;
use super::pool::SendPool;
use super::queue::{Queued, SendQueue};
use super::sending::{Refusals, errno_of, send_one, send_queue};
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
    /// Send threads taking shares of large flushes, when the plan asks
    /// for them.
    pool: Option<SendPool>,
    /// The kernel's drop count last reported (`SO_RXQ_OVFL`).
    drops: u32,
    /// The Echo identifier this raw socket keeps only (see
    /// [`Endpoint::keep_only_echo_ident`]).
    ident_filter: Option<IdentFilter>,
}

/// Keeping only the datagrams of one Echo identifier on a raw ICMP socket,
/// as iputils does: in user space until a stranger's datagram comes, and
/// from then on in the kernel too (`icmpkit_net::IcmpSocket::filter_echo_ident`).
/// A run that meets no stranger (a flood in a lab) pays no filter in the
/// kernel for each of its replies.
#[derive(Debug, Clone, Copy)]
struct IdentFilter {
    ident: u16,
    /// The kernel filter was attached (or attaching it failed: user
    /// space goes on filtering).
    in_kernel: bool,
}

/// Takes `lock` (a panic elsewhere while holding it left nothing half
/// done: it guards no data).
fn hold(lock: Option<&Mutex<()>>) -> Option<MutexGuard<'_, ()>> {
    lock.map(|l| l.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Sets `options` on `socket`, and makes it non-blocking.
pub(super) fn configure(socket: &IcmpSocket, options: &SocketOptions) -> Result<(), OpenError> {
    if let Some(device) = options.device.as_deref() {
        socket
            .bind_device(device)
            .map_err(|error| OpenError::BindDevice {
                device: device.to_owned(),
                error,
            })?;
    }
    let setup = |result: io::Result<()>| result.map_err(OpenError::Setup);
    match (options.source, options.ident, options.source_port) {
        // A ping socket bound to an identifier (-e); UDP probe sockets,
        // the only ones with a source port, never have one.
        (source, Some(ident), _) if socket.kind() == icmpkit_net::SocketKind::Dgram => {
            setup(socket.bind_ident(source, ident))?;
        }
        (source, _, Some(port)) => {
            let addr = source.unwrap_or_else(|| super::transport::unspecified(socket.version()));
            setup(socket.bind_source_port(addr, port))?;
        }
        (Some(source), _, None) => setup(socket.bind_source(source))?,
        (None, _, None) => {}
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
    if options.report_drops {
        setup(socket.set_report_drops(true))?;
    }
    if let Some(ttl) = options.multicast_ttl {
        setup(socket.set_multicast_ttl(ttl))?;
    }
    if options.no_multicast_loop {
        setup(socket.set_multicast_loop(false))?;
    }
    if !options.ip_options.is_empty() {
        setup(socket.set_ip_options(&options.ip_options))?;
        setup(socket.set_recv_ip_options(true))?;
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

/// An endpoint's answer to refusals: its error queue read first, then
/// the refusal delivered.
struct EndpointRefusals<'a> {
    endpoint: &'a Endpoint,
    /// The destination and tag of the one datagram sent without the queue
    /// ([`Endpoint::send_alone`]); `None`: the refused are in the queue.
    lone: Option<(std::net::IpAddr, u64)>,
    buf: &'a mut [u8],
    sink: &'a mut dyn FnMut(Delivery<'_>),
}

impl Refusals for EndpointRefusals<'_> {
    fn drain(&mut self) -> Result<Drained, TransportError> {
        self.endpoint.drain_after_refusal(self.buf, self.sink)
    }

    fn refuse(&mut self, index: usize, errno: i32, explained: bool) {
        match self.lone {
            Some((dst, tag)) => (self.sink)(Delivery::Refused(SendFailure {
                tag,
                dst,
                errno,
                explained,
            })),
            None => {
                if let Some(queued) = self.endpoint.queue.get(index) {
                    (self.sink)(refusal(queued, errno, explained));
                }
            }
        }
    }
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
        if let Some((dst, label)) = options.flow_label {
            socket
                .request_flow_label(dst, label)
                .map_err(OpenError::Setup)?;
        }
        configure(&socket, options)?;
        // A raw UDP sender is never read; an ordinary UDP socket gets its
        // errors on its error queue.
        let receives = channel != Channel::Udp || socket.is_udp_datagram();
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
            pool: None,
            drops: 0,
            ident_filter: None,
        })
    }

    /// Hands over, of the Echo Replies and errors this raw ICMP socket
    /// reads, only those about Echo Requests with identifier `ident`
    /// (`icmpkit_net::echo_ident_keeps`): checked in user space, and in the
    /// kernel once a datagram of another identifier came (see
    /// [`IdentFilter`]).
    pub fn keep_only_echo_ident(&mut self, ident: u16) {
        self.ident_filter = Some(IdentFilter {
            ident,
            in_kernel: false,
        });
    }

    /// Adds `count` send-only raw sockets of this one's version and
    /// `options`, each with a thread, that take shares of large flushes
    /// (see [`SendPool`]). Needs `CAP_NET_RAW`.
    pub fn add_senders(&mut self, count: usize, options: &SocketOptions) -> Result<(), OpenError> {
        if count > 0 {
            self.pool = Some(SendPool::open(self.socket.version(), count, options)?);
        }
        Ok(())
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
            pool: None,
            drops: self.drops,
            ident_filter: self.ident_filter,
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
            let clocks = Clocks::read_reusing_offset();
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
                port: queued.port,
                hop_limit: queued.ttl,
                read_at: clocks.now,
                kernel_at: clocks.kernel_instant(queued.kernel_time),
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

    /// Queues `datagram`, sent as `transmit` says, flushing first when
    /// its TTL differs from the queue's, and after when the queue is full.
    pub fn enqueue(
        &mut self,
        transmit: &Transmit,
        datagram: &[u8],
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let ttl = transmit.hop_limit.unwrap_or(self.default_ttl);
        if self.queue.ttl().is_some_and(|queued| queued != ttl) {
            self.flush(buf, sink)?;
        }
        self.queue.push(datagram, transmit.dst, transmit.tag, ttl);
        if self.queue.is_full() {
            self.flush(buf, sink)?;
        }
        Ok(())
    }

    /// Sends `datagram` at once, with `sendto(2)`, when nothing is queued,
    /// no [`SendPool`] shares the sending and the socket has its TTL;
    /// otherwise queues it ([`Endpoint::enqueue`]) for the next
    /// [`Endpoint::flush`]. A refusal is delivered as by a flush (what the
    /// kernel queued about it first): the same results as a queue of one,
    /// without the queue.
    pub fn send_alone(
        &mut self,
        transmit: &Transmit,
        datagram: &[u8],
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let ttl = transmit.hop_limit.unwrap_or(self.default_ttl);
        if !self.queue.is_empty() || self.pool.is_some() || ttl != self.ttl {
            return self.enqueue(transmit, datagram, buf, sink);
        }
        let _turn = hold(self.errors_lock.as_deref());
        send_one(
            &self.socket,
            datagram,
            transmit.dst,
            self.resend,
            &mut EndpointRefusals {
                endpoint: self,
                lone: Some((transmit.dst, transmit.tag)),
                buf,
                sink,
            },
        )
    }

    /// Sends what is queued with as few `sendmmsg(2)` calls as the kernel
    /// allows ([`send_queue`]), after setting the queue's TTL on the socket
    /// (only when it changes). A large queue is shared with the endpoint's
    /// [`SendPool`], whose shares may still be going out when this returns
    /// (see [`Endpoint::settle`]). A datagram the kernel refuses is
    /// delivered as [`Delivery::Refused`], after what the kernel queued
    /// about it, and the rest go on.
    pub fn flush(
        &mut self,
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let Some(ttl) = self.queue.ttl() else {
            // Nothing new: the shares of the last flush may go on while
            // the driver builds the next batch.
            return Ok(());
        };
        // The shares of the last flush first: their refusals come before
        // this one's, and their queues take this one's shares.
        self.settle(sink)?;
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
        if let Some(pool) = &mut self.pool {
            pool.hand_out(&mut self.queue)?;
        }
        let mut batch = std::mem::replace(&mut self.send, SendBatch::with_capacity(0));
        let sent = send_queue(
            &self.socket,
            &mut batch,
            &self.queue,
            self.resend,
            &mut EndpointRefusals {
                endpoint: self,
                lone: None,
                buf,
                sink,
            },
        );
        self.send = batch;
        sent?;
        self.queue.clear();
        Ok(())
    }

    /// Whether the [`SendPool`] holds shares not settled yet.
    pub fn has_shares_out(&self) -> bool {
        self.pool.as_ref().is_some_and(SendPool::has_shares_out)
    }

    /// Waits for the shares the last flush handed to the [`SendPool`]
    /// (they are sent while the driver goes on), delivering their
    /// refusals: called before the next flush, and by the transport
    /// before it sleeps.
    pub fn settle(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        match &mut self.pool {
            Some(pool) => pool.collect(sink),
            None => Ok(()),
        }
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
    /// were read, to `sink`; before the first one that tells of new
    /// drops (`SO_RXQ_OVFL`), a [`Delivery::Overflow`].
    fn deliver(&mut self, clocks: &Clocks, sink: &mut dyn FnMut(Delivery<'_>)) {
        let version = self.socket.version();
        for (received, bytes) in self.recv.iter() {
            if let Some(filter) = &mut self.ident_filter {
                let datagram = bytes.get(..received.len).unwrap_or(bytes);
                if !icmpkit_net::echo_ident_keeps(version, datagram, filter.ident) {
                    if !filter.in_kernel {
                        // A stranger: from now on the kernel drops theirs
                        // (what queued already is dropped here). Should
                        // the kernel refuse, user space goes on alone.
                        filter.in_kernel = true;
                        let _ = self.socket.filter_echo_ident(filter.ident);
                    }
                    continue;
                }
            }
            let kernel_at = clocks.kernel_instant(received.kernel_time);
            if let Some(drops) = received.drops
                && drops != self.drops
            {
                // The count wraps at 2^32.
                let dropped = drops.wrapping_sub(self.drops);
                self.drops = drops;
                sink(Delivery::Overflow(Overflow {
                    channel: self.channel,
                    dropped: u64::from(dropped),
                    queued_at: kernel_at,
                }));
            }
            sink(Delivery::Input(Input::Datagram(Datagram {
                channel: self.channel,
                from: received.from,
                hop_limit: received.ttl,
                read_at: clocks.now,
                kernel_at,
                bytes: received.icmp(bytes),
                ip_options: received.ip_options.as_bytes(),
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
