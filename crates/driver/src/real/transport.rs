//! [`RealTransport`]: the sockets of a [`SocketPlan`], open, as a
//! [`Transport`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use icmpkit_net::{IcmpSocket, SocketKind, Transport as RawProtocol, WaitSet, privilege};
use icmpkit_proto::machine::{Channel, SendFailure, Transmit};
use icmpkit_wire::IpVersion;

use super::OpenError;
use super::endpoint::{Endpoint, Waited};
use super::plan::{IcmpFilter, SocketPlan};
use crate::transport::{Delivery, Transport, TransportError};

/// The buffer queued errors are read into: the largest IP datagram.
const ERROR_BUFFER: usize = 65_536;

/// The open sockets of a run.
///
/// - [`Transport::send`] queues each datagram on its socket, and
///   [`Transport::flush`] sends each socket's queue with `sendmmsg(2)`:
///   one system call for up to [`icmpkit_net::MAX_BATCH`] datagrams. A
///   queue that fills is flushed at once; so is one whose TTL differs from
///   the next datagram's (the TTL is set on the socket before a flush,
///   only when it changes). A datagram the kernel refuses is delivered as
///   [`Delivery::Refused`] with its tag, after what the kernel queued
///   about it, and the others go.
/// - [`Transport::wait`] waits on every socket that receives (without
///   allocating), [`Transport::receive`] reads each with `recvmmsg(2)`,
///   then its queued errors. When one socket receives and input keeps
///   coming (a flood), the wait is the receive itself, as in iputils:
///   `recvmmsg(2)` on the socket made blocking, with a receive timeout
///   (`SO_RCVTIMEO`) that ends before the deadline (reckoned from the
///   driver's last [`Transport::now`] when the timeout is already set:
///   no clock read of its own); what it read is delivered by the next
///   receive.
#[derive(Debug)]
pub struct RealTransport {
    endpoints: Vec<Endpoint>,
    waiting: WaitSet,
    /// `waiting` holds what a [`Transport::wait`] saw since the last
    /// receive (otherwise, e.g. under the tokio driver, every error queue
    /// is read).
    waited: bool,
    /// Waiting in the receive, and what such a wait read.
    in_receive: InReceive,
    buf: Vec<u8>,
    /// Refusals of send-pool shares settled by a wait, delivered by the
    /// next receive.
    refused: Vec<SendFailure>,
    /// The last instant [`Transport::now`] gave, until the next wait.
    last_reading: Option<Instant>,
}

/// The shortest receive timeout worth waiting in the receive for; a
/// shorter wait is a `poll`.
const SHORTEST_IN_RECEIVE: Duration = Duration::from_millis(1);

/// The longest receive timeout set: the driver never waits longer than
/// [`crate::SIGNAL_CHECK`].
const LONGEST_IN_RECEIVE: Duration = Duration::from_millis(128);

/// Waiting for input in the receive itself, when one socket receives:
/// `recvmmsg(2)` on the socket made blocking, with `SO_RCVTIMEO`, the way
/// iputils' flood waits in `recvmsg` — one system call where `ppoll`
/// and a receive take two.
///
/// The kernel keeps a receive timeout in scheduler ticks and may end it up
/// to an eighth late past 63 ticks, and setting it costs two system calls
/// (set, and read back what was granted). So a timeout is set only while
/// input keeps coming (the last wait ended with some), to a power of two
/// of milliseconds below eight ninths of the wait asked for, and used for
/// every later wait it fits in (the wait returns early, which the
/// [`Transport`] allows); a wait it does not fit in, or one after a wait
/// that timed out, is a `poll` as before. A flood (a deadline 10 ms after
/// each probe) sets 8 ms once and waits in the receive from then on.
///
/// A read that finds one datagram costs the kernel a second, failing,
/// attempt when it asks for a batch. So while reads find one datagram at
/// a time, they ask for one, and every [`ONE_AT_A_TIME`]th asks for a
/// batch again, to notice a backlog.
#[derive(Debug, Default)]
struct InReceive {
    /// The receive timeout the kernel granted; the socket is blocking
    /// once it is set.
    granted: Option<Duration>,
    /// What `granted` asks of a wait reckoned from the driver's last
    /// reading ([`Leads`]), worked out once per grant.
    leads: Option<Leads>,
    /// Setting it failed: waits are `poll`s for the rest of the run.
    unusable: bool,
    /// A timeout asked for whose grant (rounded up to a tick) did not fit
    /// the wait: not asked for again (at HZ=250, 1 and 2 ms become 4).
    too_coarse: Option<Duration>,
    /// The last wait ended with input (or a pending error).
    busy: bool,
    /// What the last wait read, for the next [`Transport::receive`].
    held: Option<Waited>,
    /// Reads to make of one datagram before a batch again (0: a batch).
    single_reads: u8,
}

/// The rule of a wait in the receive on a timeout `granted` (it
/// [`fits`] a wait of `timeout`, and a busy socket's wait is not four
/// times as long) for a wait until `deadline` reckoned from the driver's
/// last reading, less [`READING_AGE`], as lengths past that reading: a
/// flood's wait is then two additions and two comparisons of instants,
/// without a subtraction of instants or a division of durations.
#[derive(Debug, Clone, Copy)]
pub(super) struct Leads {
    /// `deadline` at least this past the reading: the timeout fits.
    pub fits: Duration,
    /// `deadline` at least this past the reading: `granted` is under a
    /// quarter of the wait (`granted < timeout / 4`, in whole
    /// nanoseconds).
    pub quarter: Duration,
}

impl Leads {
    /// The leads of a grant of `granted`.
    pub(super) fn of(granted: Duration) -> Self {
        Self {
            fits: READING_AGE + granted + granted / 8,
            quarter: READING_AGE + granted * 4 + Duration::from_nanos(4),
        }
    }
}

/// Whether `deadline` lies `lead` or more past `reading`.
pub(super) fn reaches(reading: Instant, lead: Duration, deadline: Instant) -> bool {
    reading.checked_add(lead).is_some_and(|t| t <= deadline)
}

/// How many reads of one datagram follow a batch read that found one.
const ONE_AT_A_TIME: u8 = 16;

/// How old the driver's last reading of the clock (its
/// [`Transport::now`]) is taken to be at most when a wait begins: the
/// driver reads it, sends and reports events, then waits, all in a few
/// microseconds. A wait in the receive on the timeout already set is
/// reckoned from that reading, less this, without a clock read of its own
/// (one per flood probe); a longer stall between the two (a preemption) is
/// one the wait would suffer after its own reading just as well.
pub(super) const READING_AGE: Duration = Duration::from_millis(1);

/// Whether a receive timeout of `granted` ends (on the kernel's timer
/// wheel, at most an eighth late) before `timeout` has passed.
pub(super) fn fits(granted: Duration, timeout: Duration) -> bool {
    granted + granted / 8 <= timeout
}

/// The receive timeout to set for a wait of `timeout`: the largest power
/// of two of milliseconds that [`fits`], at most
/// [`LONGEST_IN_RECEIVE`]; `None` under [`SHORTEST_IN_RECEIVE`].
pub(super) fn receive_timeout_for(timeout: Duration) -> Option<Duration> {
    let mut chosen = None;
    let mut t = SHORTEST_IN_RECEIVE;
    while t <= LONGEST_IN_RECEIVE && fits(t, timeout) {
        chosen = Some(t);
        t *= 2;
    }
    chosen
}

/// `ICMP`, `UDP` or `TCP`.
fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Icmp => "ICMP",
        Channel::Udp => "UDP",
        Channel::Tcp => "TCP",
    }
}

/// The unspecified address of `version`.
pub(super) fn unspecified(version: IpVersion) -> IpAddr {
    match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpVersion::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// The endpoint `transmit` goes out on.
fn sending_endpoint<'a>(
    endpoints: &'a mut [Endpoint],
    transmit: &Transmit,
) -> Result<&'a mut Endpoint, TransportError> {
    let version = transmit.version();
    endpoints
        .iter_mut()
        .find(|e| e.channel == transmit.channel && e.socket.version() == version)
        .ok_or(TransportError::NoSocket {
            channel: channel_name(transmit.channel),
            version: version.number(),
        })
}

impl RealTransport {
    /// Opens every socket of `plan`, sets its options, makes it
    /// non-blocking, and then drops `CAP_NET_RAW` (and every other
    /// capability) for good: open sockets keep working. A ping socket is
    /// bound, so its identifier is known ([`RealTransport::dgram_ident`]).
    pub fn open(plan: &SocketPlan) -> Result<Self, OpenError> {
        let mut endpoints = Vec::new();
        for version in [IpVersion::V4, IpVersion::V6] {
            let Some(family) = plan.family(version) else {
                continue;
            };
            if let Some(icmp) = &family.icmp {
                let socket = IcmpSocket::open(version, icmp.choice)?;
                if socket.kind() == SocketKind::Raw {
                    // First, so that little else queues meanwhile.
                    match &icmp.filter {
                        IcmpFilter::All => Ok(()),
                        IcmpFilter::RepliesAndErrors => socket.accept_only_replies_and_errors(),
                        IcmpFilter::Only(types) => socket.set_type_filter(types),
                    }
                    .map_err(OpenError::Setup)?;
                }
                let mut endpoint = Endpoint::open(socket, Channel::Icmp, &icmp.options)?;
                if endpoint.socket.kind() == SocketKind::Raw {
                    if let Some(ident) = icmp.echo_ident {
                        endpoint.keep_only_echo_ident(ident);
                    }
                    endpoint.add_senders(icmp.senders, &icmp.options)?;
                }
                if endpoint.socket.dgram_ident().is_none()
                    && endpoint.socket.kind() == SocketKind::Dgram
                {
                    // A ping socket gets its identifier when bound.
                    endpoint
                        .socket
                        .bind_source(unspecified(version))
                        .map_err(OpenError::Setup)?;
                }
                endpoints.push(endpoint);
            }
            for (options, protocol, channel) in [
                (&family.udp, RawProtocol::Udp, Channel::Udp),
                (&family.tcp, RawProtocol::Tcp, Channel::Tcp),
            ] {
                if let Some(options) = options {
                    let socket = if channel == Channel::Udp && family.udp_datagram {
                        IcmpSocket::open_udp(version)?
                    } else {
                        IcmpSocket::open_raw_transport(version, protocol)?
                    };
                    endpoints.push(Endpoint::open(socket, channel, options)?);
                }
            }
        }
        if endpoints.is_empty() {
            return Err(OpenError::EmptyPlan);
        }
        privilege::drop_raw_capability().map_err(OpenError::DropCapability)?;
        let waiting = WaitSet::new(endpoints.iter().filter(|e| e.receives).map(|e| &*e.socket));
        Ok(Self {
            endpoints,
            waiting,
            waited: false,
            in_receive: InReceive::default(),
            buf: vec![0; ERROR_BUFFER],
            refused: Vec::new(),
            last_reading: None,
        })
    }

    /// Hands the reading of every receiving socket to endpoints for
    /// another thread ([`super::ThreadedTransport`]), with the waiting on
    /// them; this transport keeps sending (and must not wait or receive).
    pub(super) fn split_readers(&mut self) -> (Vec<Endpoint>, WaitSet) {
        let readers: Vec<Endpoint> = self
            .endpoints
            .iter_mut()
            .filter(|e| e.receives)
            .map(Endpoint::split_reader)
            .collect();
        let waiting = WaitSet::new(readers.iter().map(|e| &*e.socket));
        self.waiting = WaitSet::new([]);
        (readers, waiting)
    }

    /// Waits at most `timeout` in the receive of the one receiving socket
    /// (see [`InReceive`]), keeping what it read; `false` when this wait
    /// is better a `poll`.
    fn wait_in_receive(&mut self, timeout: Duration) -> Result<bool, TransportError> {
        let state = &mut self.in_receive;
        if self.waiting.len() != 1 || state.unusable {
            return Ok(false);
        }
        let Some(endpoint) = self.endpoints.iter_mut().find(|e| e.receives) else {
            return Ok(false);
        };
        let usable = state
            .granted
            .is_some_and(|t| fits(t, timeout) && !(state.busy && t < timeout / 4));
        if !usable {
            // A shorter or much longer wait than the timeout set: worth
            // setting another only while input keeps coming.
            let wanted = receive_timeout_for(timeout);
            let (true, Some(wanted)) = (state.busy, wanted) else {
                return Ok(false);
            };
            if state.too_coarse.is_some_and(|t| wanted <= t) {
                return Ok(false);
            }
            let socket = &endpoint.socket;
            let set = match state.granted {
                Some(_) => socket.set_recv_timeout(wanted),
                None => socket
                    .set_recv_timeout(wanted)
                    .and_then(|granted| socket.set_nonblocking(false).map(|()| granted)),
            };
            let Ok(granted) = set else {
                // The socket stays as it was: non-blocking if this failed
                // before it was made blocking (the order above), and the
                // timeout granted before otherwise.
                state.unusable = true;
                return Ok(false);
            };
            state.granted = Some(granted);
            state.leads = Some(Leads::of(granted));
            if !fits(granted, timeout) {
                state.too_coarse = Some(wanted);
                return Ok(false);
            }
        }
        self.read_in_receive()?;
        Ok(true)
    }

    /// [`RealTransport::wait_in_receive`] of a wait until `deadline`
    /// reckoned from the driver's last reading (less [`READING_AGE`]),
    /// only when the receive timeout already set is the one for it: no
    /// option is set; `false` otherwise.
    fn wait_in_receive_as_set(
        &mut self,
        reading: Instant,
        deadline: Instant,
    ) -> Result<bool, TransportError> {
        let state = &self.in_receive;
        let usable = state.leads.is_some_and(|leads| {
            reaches(reading, leads.fits, deadline)
                && !(state.busy && reaches(reading, leads.quarter, deadline))
        });
        if self.waiting.len() != 1 || state.unusable || !usable {
            return Ok(false);
        }
        self.read_in_receive()?;
        Ok(true)
    }

    /// The read of a wait in the receive, on the timeout set: what it
    /// read is held for the next [`Transport::receive`].
    fn read_in_receive(&mut self) -> Result<(), TransportError> {
        let state = &mut self.in_receive;
        let Some(endpoint) = self.endpoints.iter_mut().find(|e| e.receives) else {
            return Ok(());
        };
        let single = state.single_reads > 0;
        let waited = endpoint.wait_read(if single { 1 } else { usize::MAX })?;
        state.busy = !matches!(waited, Waited::Nothing);
        if let Waited::Datagrams { got, .. } = waited {
            state.single_reads = match (single, got) {
                (true, _) => state.single_reads - 1,
                (false, 1) => ONE_AT_A_TIME,
                (false, _) => 0,
            };
        }
        state.held = Some(waited);
        Ok(())
    }

    fn endpoint(&self, version: IpVersion, channel: Channel) -> Option<&Endpoint> {
        self.endpoints
            .iter()
            .find(|e| e.channel == channel && e.socket.version() == version)
    }

    /// Delivers the refusals [`Transport::settle`] kept.
    pub(super) fn deliver_settled(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) {
        for failure in self.refused.drain(..) {
            sink(Delivery::Refused(failure));
        }
    }

    /// The socket of `version` and `channel`, if the plan has it (for
    /// what the transport does not do itself, e.g. reading its kernel
    /// drop count). It may have been made blocking (a wait in the
    /// receive): read or send on it only with calls that never wait
    /// (`MSG_DONTWAIT`, as the transport's own).
    pub fn socket(&self, version: IpVersion, channel: Channel) -> Option<&IcmpSocket> {
        self.endpoint(version, channel).map(|e| &*e.socket)
    }

    /// Whether the ICMP socket of `version` is raw or a ping socket.
    pub fn icmp_kind(&self, version: IpVersion) -> Option<SocketKind> {
        self.socket(version, Channel::Icmp).map(IcmpSocket::kind)
    }

    /// The identifier the kernel puts into the Echo Requests of the ping
    /// socket of `version`; `None` when that ICMP socket is raw (the
    /// machine chooses its own) or there is none.
    pub fn dgram_ident(&self, version: IpVersion) -> Option<u16> {
        self.socket(version, Channel::Icmp)?.dgram_ident()
    }

    /// The IPv6 flow label the kernel granted the ICMP socket of
    /// `version` (`SocketOptions::flow_label`); `None` when none was asked
    /// for or there is no such socket.
    pub fn flow_label(&self, version: IpVersion) -> Option<u32> {
        let socket = self.socket(version, Channel::Icmp)?;
        (socket.flow_label() != 0).then(|| socket.flow_label())
    }

    /// The local address the socket of `version` and `channel` is bound to
    /// (the unspecified address for a ping socket bound to none); `None`
    /// when it is not bound or there is no such socket.
    pub fn local_addr(&self, version: IpVersion, channel: Channel) -> Option<IpAddr> {
        let addr = self.socket(version, channel)?.local_addr().ok()??;
        Some(addr.ip())
    }
}

impl Transport for RealTransport {
    fn now(&mut self) -> Instant {
        // Datagrams a wait read and holds for the next receive were read
        // at this instant (an instant ago): the time to deliver them at,
        // without another clock read per flood reply.
        let now = match self.in_receive.held {
            Some(Waited::Datagrams { clocks, .. }) => clocks.now,
            _ => Instant::now(),
        };
        self.last_reading = Some(now);
        now
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        sending_endpoint(&mut self.endpoints, transmit)?.enqueue(
            transmit,
            bytes,
            &mut self.buf,
            sink,
        )
    }

    /// Sent at once (`sendto(2)`) when nothing is queued on its socket
    /// ([`Endpoint::send_alone`]); queued as by [`Transport::send`]
    /// otherwise.
    fn send_last(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        sending_endpoint(&mut self.endpoints, transmit)?.send_alone(
            transmit,
            bytes,
            &mut self.buf,
            sink,
        )
    }

    fn flush(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        // An empty queue has nothing to flush (`Endpoint::flush` returns
        // at once): no call for it, as after a flood's lone send.
        for endpoint in self.endpoints.iter_mut().filter(|e| !e.queue.is_empty()) {
            endpoint.flush(&mut self.buf, sink)?;
        }
        Ok(())
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        if let Some(read) = self.last_reading.take()
            && !self.waiting.is_empty()
            && !self.endpoints.iter().any(Endpoint::has_shares_out)
        {
            if self.in_receive.held.is_some() {
                self.waited = true;
                return Ok(());
            }
            // In the receive on the timeout set, reckoned from the
            // driver's last reading (see READING_AGE).
            if self.wait_in_receive_as_set(read, deadline)? {
                self.waited = true;
                return Ok(());
            }
        }
        let mut now = Instant::now();
        if deadline > now && self.endpoints.iter().any(Endpoint::has_shares_out) {
            // About to sleep: every datagram of the last flush goes first,
            // so that the sending time is known and its refusals are
            // delivered before the machine judges the quiet.
            self.settle()?;
            now = Instant::now();
        }
        let timeout = deadline.saturating_duration_since(now);
        if self.waiting.is_empty() {
            std::thread::sleep(timeout);
            return Ok(());
        }
        if self.in_receive.held.is_some() || self.wait_in_receive(timeout)? {
            self.waited = true;
            return Ok(());
        }
        let ready = self
            .waiting
            .wait(timeout)
            .map_err(|source| TransportError::Io {
                operation: "waiting for input",
                source,
            })?;
        self.in_receive.busy = ready > 0;
        self.waited = true;
        Ok(())
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        self.deliver_settled(sink);
        let waited = std::mem::take(&mut self.waited);
        let held = self.in_receive.held.take();
        // The wait set holds the receiving endpoints in this order.
        for (i, endpoint) in self.endpoints.iter_mut().filter(|e| e.receives).enumerate() {
            if held.is_some() {
                // The one receiving socket, read by the wait: a queued
                // ICMP error ended that read as a pending error.
                endpoint.receive(&mut self.buf, false, held, sink)?;
                continue;
            }
            let flagged = !waited || self.waiting.readiness(i).is_none_or(|r| r.error);
            endpoint.receive(&mut self.buf, flagged, None, sink)?;
        }
        Ok(())
    }

    /// Waits until every datagram handed to a send pool is sent or
    /// refused, keeping the refusals for the next [`Transport::receive`].
    fn settle(&mut self) -> Result<(), TransportError> {
        let refused = &mut self.refused;
        for endpoint in &mut self.endpoints {
            endpoint.settle(&mut |d| {
                if let Delivery::Refused(failure) = d {
                    refused.push(failure);
                }
            })?;
        }
        Ok(())
    }
}
