//! [`RealTransport`]: the sockets of a [`SocketPlan`], open, as a
//! [`Transport`].

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use icmpkit_net::{
    Clocks, ErrorOrigin, IcmpSocket, SocketKind, Transport as RawProtocol, os_errno, privilege,
    wait_any,
};
use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, SendFailure, SocketError, Transmit,
};
use icmpkit_wire::IpVersion;

use super::OpenError;
use super::plan::{IcmpFilter, SocketOptions, SocketPlan};
use crate::transport::{Delivery, Transport, TransportError};

/// The most datagrams one [`Transport::receive`] reads from one socket:
/// a storm cannot keep the driver from sending and keeping time.
const READS_PER_RECEIVE: usize = 256;

/// The most failed reads (pending socket errors) one
/// [`Transport::receive`] takes from one socket before it moves on.
const PENDING_ERRORS_PER_RECEIVE: usize = 64;

/// The most queued errors one drain of an error queue reads.
const QUEUED_ERRORS_PER_DRAIN: usize = 256;

/// The receive buffer: the largest IP datagram.
const RECV_BUFFER: usize = 65_536;

/// One open socket of the plan.
#[derive(Debug)]
struct Endpoint {
    socket: IcmpSocket,
    channel: Channel,
    /// Waited on and read (every socket but a raw UDP sender).
    receives: bool,
    /// `IP_RECVERR` / `IPV6_RECVERR` is on.
    recv_errors: bool,
    /// The TTL of a datagram that names none.
    default_ttl: u8,
    /// The TTL the socket has now.
    ttl: u8,
}

/// The open sockets of a run. Sending sets each datagram's TTL on its
/// socket (only when it changes); waiting waits on every socket that
/// receives; receiving reads every datagram and every queued error.
#[derive(Debug)]
pub struct RealTransport {
    endpoints: Vec<Endpoint>,
    buf: Vec<u8>,
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
fn unspecified(version: IpVersion) -> IpAddr {
    match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpVersion::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
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

impl Endpoint {
    /// Opens and sets up one socket.
    fn open(
        socket: IcmpSocket,
        channel: Channel,
        options: &SocketOptions,
    ) -> Result<Self, OpenError> {
        configure(&socket, options)?;
        let receives = channel != Channel::Udp;
        if !receives {
            // Never read: keep what queues there (every UDP datagram the
            // host receives) small.
            socket.set_recv_buffer_size(1).map_err(OpenError::Setup)?;
        }
        let ttl = socket.ttl().map_err(OpenError::Setup)?;
        Ok(Self {
            socket,
            channel,
            receives,
            recv_errors: options.recv_errors,
            default_ttl: ttl,
            ttl,
        })
    }

    /// Reads this socket's error queue, handing each error to `sink`
    /// (only local ones when `local_only`); returns how many it handed.
    fn drain_errors(
        &self,
        buf: &mut [u8],
        local_only: bool,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<usize, TransportError> {
        let mut handed = 0;
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
            handed += 1;
        }
        Ok(handed)
    }

    /// Reads what waits on this socket: datagrams, then queued errors.
    fn receive(
        &self,
        buf: &mut [u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let (mut reads, mut pending) = (0, 0);
        while reads < READS_PER_RECEIVE && pending < PENDING_ERRORS_PER_RECEIVE {
            match self.socket.try_recv(buf) {
                Ok(Some(received)) => {
                    reads += 1;
                    let clocks = Clocks::read();
                    sink(Delivery::Input(Input::Datagram(Datagram {
                        channel: self.channel,
                        from: received.from,
                        hop_limit: received.ttl,
                        read_at: clocks.now,
                        kernel_at: clocks.kernel_instant(received.kernel_time),
                        bytes: received.icmp(buf),
                    })));
                }
                Ok(None) => break,
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
        if self.recv_errors {
            self.drain_errors(buf, false, sink)?;
        }
        Ok(())
    }
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
                let endpoint = Endpoint::open(socket, Channel::Icmp, &icmp.options)?;
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
                    let socket = IcmpSocket::open_raw_transport(version, protocol)?;
                    endpoints.push(Endpoint::open(socket, channel, options)?);
                }
            }
        }
        if endpoints.is_empty() {
            return Err(OpenError::EmptyPlan);
        }
        privilege::drop_raw_capability().map_err(OpenError::DropCapability)?;
        Ok(Self {
            endpoints,
            buf: vec![0; RECV_BUFFER],
        })
    }

    fn endpoint(&self, version: IpVersion, channel: Channel) -> Option<&Endpoint> {
        self.endpoints
            .iter()
            .find(|e| e.channel == channel && e.socket.version() == version)
    }

    /// The socket of `version` and `channel`, if the plan has it (for
    /// what the transport does not do itself, e.g. reading its kernel
    /// drop count).
    pub fn socket(&self, version: IpVersion, channel: Channel) -> Option<&IcmpSocket> {
        self.endpoint(version, channel).map(|e| &e.socket)
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
        Instant::now()
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let version = transmit.version();
        let Some(endpoint) = self
            .endpoints
            .iter_mut()
            .find(|e| e.channel == transmit.channel && e.socket.version() == version)
        else {
            return Err(TransportError::NoSocket {
                channel: channel_name(transmit.channel),
                version: version.number(),
            });
        };
        let refuse = |errno, explained| {
            Delivery::Refused(SendFailure {
                tag: transmit.tag,
                dst: transmit.dst,
                errno,
                explained,
            })
        };
        // Probes of one hop go one after another: set the TTL on a change.
        let ttl = transmit.hop_limit.unwrap_or(endpoint.default_ttl);
        if endpoint.ttl != ttl {
            if let Err(e) = endpoint.socket.set_ttl(ttl) {
                sink(refuse(errno_of(&e), false));
                return Ok(());
            }
            endpoint.ttl = ttl;
        }
        let error = loop {
            match endpoint.socket.send_to(bytes, transmit.dst) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break e,
            }
        };
        // What the kernel queued about it (a local EMSGSIZE with the MTU)
        // goes first. A socket that is never read holds copies of the ICMP
        // errors the ICMP socket got: only its local errors explain.
        let explained = endpoint.recv_errors
            && endpoint.drain_errors(&mut self.buf, !endpoint.receives, sink)? > 0;
        sink(refuse(errno_of(&error), explained));
        Ok(())
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        let sockets: Vec<&IcmpSocket> = self
            .endpoints
            .iter()
            .filter(|e| e.receives)
            .map(|e| &e.socket)
            .collect();
        if sockets.is_empty() {
            std::thread::sleep(timeout);
            return Ok(());
        }
        wait_any(&sockets, timeout).map_err(|source| TransportError::Io {
            operation: "waiting for input",
            source,
        })?;
        Ok(())
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        for endpoint in self.endpoints.iter().filter(|e| e.receives) {
            endpoint.receive(&mut self.buf, sink)?;
        }
        Ok(())
    }
}
