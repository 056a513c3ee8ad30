//! The sockets of a trace as an `icmpkit_driver::Transport`, until the
//! driver's real transport takes over: each probe sent with its TTL, what
//! comes back handed over as datagrams, and a local `EMSGSIZE` as a
//! socket error before the refused send it explains.
//!
//! ICMP probes go out and come back on one raw ICMP socket. UDP and TCP
//! probes go out on a raw UDP or TCP socket (the kernel adds the IP
//! header) and their ICMP errors come back on a raw ICMP socket; a TCP
//! destination's SYN-ACK or RST comes back on the raw TCP socket.

use std::io;
use std::time::Instant;

use anyhow::Result;
use icmpkit_driver::{Delivery, Transport, TransportError};
use icmpkit_net::{Clocks, ErrorOrigin, IcmpSocket, PmtuMode, SocketChoice, wait_any};
use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, SendFailure, SocketError, Transmit,
};
use icmpkit_proto::trace::{Method, Prober};

/// The open sockets.
pub struct Sockets {
    method: Method,
    /// Sends every probe; for ICMP also receives.
    send: IcmpSocket,
    /// Receives ICMP errors when `send` is a UDP or TCP socket.
    icmp: Option<IcmpSocket>,
    buf: Vec<u8>,
    /// The TTL the sending socket has now.
    ttl: Option<u8>,
    /// `IP_RECVERR` is on for the sending socket.
    recv_errors: bool,
}

/// Socket settings beyond the prober's.
pub struct SocketOptions<'a> {
    /// `-i`.
    pub interface: Option<&'a str>,
    /// `-t`.
    pub tos: Option<u8>,
    /// Path MTU probing: Don't Fragment, ignoring the cached path MTU.
    pub pmtu_probe: bool,
    /// `-F`: Don't Fragment (otherwise probes may be fragmented, as
    /// traceroute's are).
    pub dont_fragment: bool,
}

fn io_error(operation: &'static str) -> impl FnOnce(io::Error) -> TransportError {
    move |source| TransportError::Io { operation, source }
}

impl Sockets {
    /// Opens the sockets for `prober`'s method and version.
    pub fn open(prober: &Prober, options: &SocketOptions<'_>) -> Result<Self> {
        let version = prober.version();
        let open_icmp = || IcmpSocket::open(version, SocketChoice::Raw);
        let transport = match prober.method() {
            Method::Icmp => None,
            Method::Udp => Some(icmpkit_net::Transport::Udp),
            Method::Tcp => Some(icmpkit_net::Transport::Tcp),
        };
        let (send, icmp) = match transport {
            None => (open_icmp()?, None),
            Some(t) => (
                IcmpSocket::open_raw_transport(version, t)?,
                Some(open_icmp()?),
            ),
        };
        for socket in std::iter::once(&send).chain(icmp.as_ref()) {
            if let Some(device) = options.interface {
                socket.bind_device(device)?;
            }
            socket.set_timestamps(true)?;
            socket.set_nonblocking(true)?;
            socket.set_recv_ttl(true)?;
        }
        send.bind_source(prober.src())?;
        if prober.method() == Method::Udp {
            // Never read (see `receive`): keep what queues there small.
            send.set_recv_buffer_size(1)?;
        }
        if let Some(tos) = options.tos {
            send.set_tos(tos)?;
        }
        let df = options.pmtu_probe || options.dont_fragment;
        send.set_pmtu_mode(if df { PmtuMode::Probe } else { PmtuMode::Dont })?;
        if df {
            // A probe too big for the outgoing link: its MTU, queued.
            send.set_recv_errors(true)?;
        }
        let receiver = icmp.as_ref().unwrap_or(&send);
        receiver.accept_only_replies_and_errors()?;
        Ok(Self {
            method: prober.method(),
            send,
            icmp,
            buf: vec![0; 65_536],
            ttl: None,
            recv_errors: df,
        })
    }

    /// Reads everything waiting on the sending socket (`from_send`) or
    /// the ICMP receiver.
    fn drain(
        &mut self,
        from_send: bool,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let channel = match (from_send, self.method) {
            (true, Method::Tcp) => Channel::Tcp,
            _ => Channel::Icmp,
        };
        let mut pending_errors = 0;
        loop {
            let socket = match (&self.icmp, from_send) {
                (Some(icmp), false) => icmp,
                _ => &self.send,
            };
            let received = match socket.try_recv(&mut self.buf) {
                Ok(Some(received)) => received,
                Ok(None) => return Ok(()),
                // With IP_RECVERR on, each ICMP error about a probe also
                // sets the sending socket's pending error, which a receive
                // returns before any packet: drop the queued errors (the
                // ICMP socket reads the messages) and go on.
                Err(_) if from_send && self.recv_errors && pending_errors < 64 => {
                    pending_errors += 1;
                    while self
                        .send
                        .recv_error(&mut self.buf)
                        .map_err(io_error("reading the error queue"))?
                        .is_some()
                    {}
                    continue;
                }
                Err(e) => return Err(io_error("receiving")(e)),
            };
            let clocks = Clocks::read();
            let kernel_at = clocks.kernel_instant(received.kernel_time);
            sink(Delivery::Input(Input::Datagram(Datagram {
                channel,
                from: received.from,
                hop_limit: received.ttl,
                read_at: clocks.now,
                kernel_at,
                bytes: received.icmp(&self.buf),
            })));
        }
    }
}

impl Transport for Sockets {
    fn now(&mut self) -> Instant {
        Instant::now()
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        if let Some(ttl) = transmit.hop_limit
            && self.ttl != Some(ttl)
        {
            self.send
                .set_ttl(ttl)
                .map_err(io_error("setting the TTL"))?;
            self.ttl = Some(ttl);
        }
        let Err(e) = self.send.send_to(bytes, transmit.dst) else {
            return Ok(());
        };
        let mut explained = false;
        let mut errno = e.raw_os_error().unwrap_or(0);
        if self.recv_errors {
            while let Some(err) = self
                .send
                .recv_error(&mut self.buf)
                .map_err(io_error("reading the error queue"))?
            {
                let local = err.origin == ErrorOrigin::Local;
                if local {
                    explained = true;
                    errno = err.errno;
                }
                sink(Delivery::Input(Input::SocketError(SocketError {
                    channel: match self.method {
                        Method::Icmp => Channel::Icmp,
                        Method::Udp => Channel::Udp,
                        Method::Tcp => Channel::Tcp,
                    },
                    source: if local {
                        ErrorSource::Local
                    } else {
                        ErrorSource::Icmp
                    },
                    errno: err.errno,
                    icmp_type: err.icmp_type,
                    icmp_code: err.icmp_code,
                    info: err.info,
                    offender: err.offender,
                    dst: err.dst,
                    read_at: Instant::now(),
                    original: &[],
                })));
            }
        }
        sink(Delivery::Refused(SendFailure {
            tag: transmit.tag,
            dst: transmit.dst,
            errno,
            explained,
        }));
        Ok(())
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        // A raw UDP socket only sends: what it receives is never read.
        let mut sockets = Vec::with_capacity(2);
        if self.method != Method::Udp {
            sockets.push(&self.send);
        }
        sockets.extend(self.icmp.as_ref());
        let ready = wait_any(&sockets, timeout).map_err(io_error("waiting"))?;
        if ready.iter().any(|r| r.error) {
            // Errors queued on the sending socket come on the raw ICMP
            // socket too; drop them.
            while self
                .send
                .recv_error(&mut self.buf)
                .map_err(io_error("reading the error queue"))?
                .is_some()
            {}
        }
        Ok(())
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        if self.method != Method::Udp {
            self.drain(true, sink)?;
        }
        if self.icmp.is_some() {
            self.drain(false, sink)?;
        }
        Ok(())
    }
}
