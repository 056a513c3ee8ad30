//! The sockets of a trace: sending each probe with its TTL, and reading
//! what comes back into answers matched to probe numbers.
//!
//! ICMP probes go out and come back on one raw ICMP socket. UDP and TCP
//! probes go out on a raw UDP or TCP socket (the kernel adds the IP
//! header) and their ICMP errors come back on a raw ICMP socket; a TCP
//! destination's SYN-ACK or RST comes back on the raw TCP socket.

use std::net::IpAddr;
use std::time::Instant;

use anyhow::{Context, Result};
use icmpkit_net::{Clocks, ErrorOrigin, IcmpSocket, PmtuMode, SocketChoice, Transport, wait_any};
use icmpkit_proto::trace::{
    Answer, IcmpAnswer, Method, Outcome, ProbeSpec, Prober, Rewrites, Sent, read_extensions,
    read_icmp,
};

/// A probe's send record.
#[derive(Debug, Clone, Copy)]
struct Record {
    sent: Sent,
    at: Instant,
}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendResult {
    /// It left.
    Sent,
    /// It was larger than the outgoing link's MTU (path MTU probing).
    TooBig {
        /// That MTU.
        mtu: usize,
    },
}

/// The open sockets and what was sent on them.
pub struct Probing {
    prober: Prober,
    /// Sends every probe; for ICMP also receives.
    send: IcmpSocket,
    /// Receives ICMP errors when `send` is a UDP or TCP socket.
    icmp: Option<IcmpSocket>,
    records: Vec<Option<Record>>,
    packet: Vec<u8>,
    buf: Vec<u8>,
    /// The TTL the sending socket has now.
    ttl: Option<u8>,
    /// `IP_RECVERR` is on for the sending socket.
    recv_errors: bool,
    /// Packets that could not be read or matched to a probe.
    pub ignored: u64,
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

impl Probing {
    /// Opens the sockets for `prober`'s method and version.
    pub fn open(prober: Prober, options: &SocketOptions<'_>) -> Result<Self> {
        let version = prober.version();
        let open_icmp = || IcmpSocket::open(version, SocketChoice::Raw);
        let transport = match prober.method() {
            Method::Icmp => None,
            Method::Udp => Some(Transport::Udp),
            Method::Tcp => Some(Transport::Tcp),
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
        // Don't Fragment, sent whatever path MTU the kernel learned (the
        // routers say where it is too big), or no DF at all.
        let df = options.pmtu_probe || options.dont_fragment;
        send.set_pmtu_mode(if df { PmtuMode::Probe } else { PmtuMode::Dont })?;
        if df {
            // A probe too big for the outgoing link: its MTU, queued.
            send.set_recv_errors(true)?;
        }
        let receiver = icmp.as_ref().unwrap_or(&send);
        receiver.accept_only_replies_and_errors()?;
        Ok(Self {
            prober,
            send,
            icmp,
            records: Vec::new(),
            packet: Vec::with_capacity(1500),
            buf: vec![0; 65_536],
            ttl: None,
            recv_errors: df,
            ignored: 0,
        })
    }

    /// The IP header length the kernel adds (no options).
    pub fn ip_header_len(&self) -> usize {
        super::ip_header_len(self.prober.dst())
    }

    /// Sends `spec` (of `ip_len` bytes in all, or the prober's length).
    pub fn send(&mut self, spec: ProbeSpec, ip_len: Option<usize>) -> Result<SendResult> {
        // Probes of one hop go one after another: set the TTL on a change.
        if self.ttl != Some(spec.ttl) {
            self.send.set_ttl(spec.ttl)?;
            self.ttl = Some(spec.ttl);
        }
        let sent = match ip_len {
            Some(len) => {
                let len = len.saturating_sub(self.ip_header_len());
                self.prober.build_len(spec, len, &mut self.packet)
            }
            None => self.prober.build(spec, &mut self.packet),
        };
        let at = Instant::now();
        if let Err(e) = self.send.send_to(&self.packet, self.prober.dst()) {
            // Too big for the outgoing link: the error queue says its MTU.
            if let Some(mtu) = self.local_mtu()? {
                return Ok(SendResult::TooBig { mtu });
            }
            return Err(e).with_context(|| format!("cannot send probe with TTL {}", spec.ttl));
        }
        let index = usize::from(spec.number);
        if self.records.len() <= index {
            self.records.resize(index + 1, None);
        }
        self.records[index] = Some(Record { sent, at });
        Ok(SendResult::Sent)
    }

    /// The MTU a local `EMSGSIZE` named, from the error queue (on with
    /// path MTU probing).
    fn local_mtu(&mut self) -> Result<Option<usize>> {
        while let Some(err) = self.send.recv_error(&mut self.buf)? {
            // Routers' Frag Needed / Packet Too Big queue as EMSGSIZE too;
            // only the local stack's says the send itself was too big.
            if err.origin == ErrorOrigin::Local
                && err.errno == icmpkit_net::EMSGSIZE
                && err.info > 0
            {
                return Ok(Some(usize::try_from(err.info)?));
            }
        }
        Ok(None)
    }

    /// Waits until `until` at most for something to read, then reads all
    /// that is there, handing each answer matched to a probe to `on`.
    pub fn receive(&mut self, until: Instant, mut on: impl FnMut(u16, Answer)) -> Result<()> {
        let timeout = until.saturating_duration_since(Instant::now());
        // A raw UDP socket only sends: what it receives (every UDP packet
        // of the host) is never read.
        let send_answers = self.prober.method() != Method::Udp;
        let mut sockets = Vec::with_capacity(2);
        if send_answers {
            sockets.push(&self.send);
        }
        sockets.extend(self.icmp.as_ref());
        let ready = wait_any(&sockets, timeout)?;
        if ready.iter().any(|r| r.error) {
            // Errors queued on the sending socket (IP_RECVERR, path MTU
            // probing) come on the raw ICMP socket too; drop them.
            while self.send.recv_error(&mut self.buf)?.is_some() {}
        }
        if !ready.iter().any(|r| r.readable) {
            return Ok(());
        }
        if send_answers {
            self.drain(true, &mut on)?;
        }
        if self.icmp.is_some() {
            self.drain(false, &mut on)?;
        }
        Ok(())
    }

    /// Reads everything waiting on the sending socket (`from_send`: ICMP
    /// replies and errors, or TCP replies) or the ICMP receiver.
    fn drain(&mut self, from_send: bool, on: &mut impl FnMut(u16, Answer)) -> Result<()> {
        let tcp = from_send && self.prober.method() == Method::Tcp;
        let mut pending_errors = 0;
        loop {
            let socket = match (&self.icmp, from_send) {
                (Some(icmp), false) => icmp,
                _ => &self.send,
            };
            let received = match socket.try_recv(&mut self.buf) {
                Ok(Some(received)) => received,
                Ok(None) => return Ok(()),
                // With IP_RECVERR on (Don't Fragment), each ICMP error about
                // a probe also sets the sending socket's pending error,
                // which a receive returns (and clears) before any packet:
                // drop the queued errors and go on reading. Only errors that
                // keep coming are a failure.
                Err(e) if from_send && self.recv_errors && pending_errors < 64 => {
                    pending_errors += 1;
                    while self.send.recv_error(&mut self.buf)?.is_some() {}
                    drop(e);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let clocks = Clocks::read();
            let at = clocks
                .kernel_instant(received.kernel_time)
                .unwrap_or(clocks.now);
            let bytes = received.icmp(&self.buf).to_vec();
            let matched = if tcp {
                self.tcp_answer(&bytes, received.from, received.ttl, at)
            } else {
                self.icmp_answer(&bytes, received.from, received.ttl, at)
            };
            match matched {
                Some((number, answer)) => on(number, answer),
                None => self.ignored += 1,
            }
        }
    }

    fn rtt(&self, number: u16, at: Instant) -> Option<std::time::Duration> {
        let record = self.records.get(usize::from(number))?.as_ref()?;
        Some(at.saturating_duration_since(record.at))
    }

    fn tcp_answer(
        &self,
        segment: &[u8],
        from: IpAddr,
        ttl: Option<u8>,
        at: Instant,
    ) -> Option<(u16, Answer)> {
        if from != self.prober.dst() {
            return None;
        }
        let number = self.prober.identify_tcp_reply(segment, |n| {
            self.records.get(usize::from(n))?.as_ref().map(|r| r.sent)
        })?;
        let answer = Answer {
            from,
            rtt: self.rtt(number, at)?,
            outcome: Outcome::Reached,
            reply_ttl: ttl,
            quoted_ttl: None,
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        };
        Some((number, answer))
    }

    fn icmp_answer(
        &self,
        icmp: &[u8],
        from: IpAddr,
        ttl: Option<u8>,
        at: Instant,
    ) -> Option<(u16, Answer)> {
        let (number, outcome, quoted_ttl, rewrites, extensions) =
            match read_icmp(self.prober.version(), icmp)? {
                IcmpAnswer::EchoReply { ident, seq } => {
                    let number = self.prober.identify_echo_reply(from, ident, seq)?;
                    (
                        number,
                        Outcome::Reached,
                        None,
                        Rewrites::default(),
                        Vec::new(),
                    )
                }
                IcmpAnswer::Error {
                    outcome,
                    quoted,
                    extension,
                } => {
                    let found = self.prober.identify(&quoted, |n| {
                        self.records.get(usize::from(n))?.as_ref().map(|r| r.sent)
                    })?;
                    (
                        found.number,
                        outcome,
                        Some(quoted.hop_limit),
                        found.rewrites,
                        extension.map(read_extensions).unwrap_or_default(),
                    )
                }
            };
        let answer = Answer {
            from,
            rtt: self.rtt(number, at)?,
            outcome,
            reply_ttl: ttl,
            quoted_ttl,
            rewrites,
            extensions,
        };
        Some((number, answer))
    }
}
