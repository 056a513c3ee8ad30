//! Sending and receiving on an [`IcmpSocket`]: [`IcmpSocket::send_to`],
//! [`IcmpSocket::recv`], [`IcmpSocket::recv_error`] and
//! [`IcmpSocket::wait`].

use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

use icmpkit_wire::{IpVersion, ipv4};

use crate::socket::{IcmpSocket, SocketKind};
use crate::sys;

/// When a message was handed to the kernel: taken just before `sendto`,
/// on both clocks. Compare [`SendTime::wall`] with
/// [`Received::kernel_time`] (both real-time) and [`SendTime::instant`]
/// with an [`Instant`] taken after receiving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTime {
    /// The real-time clock.
    pub wall: SystemTime,
    /// The monotonic clock.
    pub instant: Instant,
}

/// One packet read by [`IcmpSocket::recv`]; the bytes are in the caller's
/// buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes in the buffer.
    pub len: usize,
    /// Where the ICMP message starts: after the IP header for a raw IPv4
    /// socket, 0 otherwise (raw IPv6 and datagram sockets get the ICMP
    /// message alone).
    pub icmp_offset: usize,
    /// The sender.
    pub from: IpAddr,
    /// The received TTL or hop limit: from the IP header for raw IPv4,
    /// otherwise from the control message [`IcmpSocket::set_recv_ttl`]
    /// turns on.
    pub ttl: Option<u8>,
    /// The kernel's receive time, when [`IcmpSocket::set_timestamps`] is on.
    pub kernel_time: Option<SystemTime>,
    /// The destination address: from the IP header for raw IPv4, otherwise
    /// when [`IcmpSocket::set_recv_dst`] is on.
    pub dst: Option<IpAddr>,
    /// The packet was longer than the buffer and was cut.
    pub truncated: bool,
    /// How many datagrams the kernel had dropped for this socket (a full
    /// receive queue) when it queued this one: with
    /// [`IcmpSocket::set_report_drops`] on, the kernel says so from the
    /// first drop on (`None` before it, or with reporting off).
    pub drops: Option<u32>,
    /// The IPv4 header options: from the header for a raw IPv4 socket,
    /// from `IP_RETOPTS` for a ping socket that asked for them
    /// ([`IcmpSocket::set_recv_ip_options`]); empty otherwise.
    pub ip_options: IpOptions,
}

/// The IPv4 options of a received datagram (at most 40 bytes), kept by
/// value so that [`Received`] stays `Copy`.
pub type IpOptions = icmpkit_wire::ipv4::option::OptionArea;

impl Received {
    /// The ICMP message within `buf` (the buffer given to `recv`).
    pub fn icmp<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.icmp_offset..self.len).unwrap_or(&[])
    }
}

/// Who reported a queued error (`ee_origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorOrigin {
    /// The local stack (`SO_EE_ORIGIN_LOCAL`), e.g. `EMSGSIZE` with the
    /// path MTU in [`QueuedError::info`].
    Local,
    /// An ICMPv4 error (`SO_EE_ORIGIN_ICMP`).
    Icmp,
    /// An ICMPv6 error (`SO_EE_ORIGIN_ICMP6`).
    Icmp6,
    /// Another origin (timestamping, zero-copy), kept as its number.
    Other(u8),
}

impl From<u8> for ErrorOrigin {
    fn from(value: u8) -> Self {
        match value {
            libc::SO_EE_ORIGIN_LOCAL => Self::Local,
            libc::SO_EE_ORIGIN_ICMP => Self::Icmp,
            libc::SO_EE_ORIGIN_ICMP6 => Self::Icmp6,
            other => Self::Other(other),
        }
    }
}

/// An error read from the socket's error queue by
/// [`IcmpSocket::recv_error`] (needs [`IcmpSocket::set_recv_errors`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedError {
    /// Who reported it.
    pub origin: ErrorOrigin,
    /// The errno the kernel maps it to (`EHOSTUNREACH`, `EMSGSIZE`, ...).
    pub errno: i32,
    /// The ICMP type of the error message (0 for local errors).
    pub icmp_type: u8,
    /// The ICMP code.
    pub icmp_code: u8,
    /// The next-hop MTU of a Fragmentation Needed or Packet Too Big, or
    /// the MTU of a local `EMSGSIZE`; else what the kernel put there.
    pub info: u32,
    /// The router or host that sent the error (`SO_EE_OFFENDER`).
    pub offender: Option<IpAddr>,
    /// Where the packet the error is about was going.
    pub dst: Option<IpAddr>,
    /// The destination port of the datagram the error is about, on an
    /// ordinary UDP socket ([`IcmpSocket::open_udp`]); `None` elsewhere.
    pub port: Option<u16>,
    /// The TTL or hop limit of the ICMP error as it arrived, when
    /// [`IcmpSocket::set_recv_ttl`] is on (the kernel gives it for
    /// errors from the network, not for local ones).
    pub ttl: Option<u8>,
    /// The length of the returned original message in the buffer.
    pub len: usize,
    /// The kernel's receive time of the error, with timestamps on.
    pub kernel_time: Option<SystemTime>,
}

impl QueuedError {
    /// The ICMP message we sent, as returned with the error (no IP header,
    /// for every socket kind; an ordinary UDP socket returns the
    /// datagram's payload, without the UDP header), within `buf` (the
    /// buffer given to `recv_error`).
    pub fn original<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(..self.len).unwrap_or(&[])
    }

    /// The errno as an [`io::Error`].
    pub fn os_error(&self) -> io::Error {
        io::Error::from_raw_os_error(self.errno)
    }
}

/// What [`IcmpSocket::wait`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness {
    /// A packet can be read with [`IcmpSocket::recv`].
    pub readable: bool,
    /// The error queue holds an error for [`IcmpSocket::recv_error`].
    pub error: bool,
}

impl IcmpSocket {
    /// Sends `icmp_message` (the ICMP message, no IP header, for every
    /// kind) to `dst`, returning when it was sent. A raw IPv4 socket sends
    /// the checksum as given, so fill it; the kernel computes it for ICMPv6
    /// and for datagram sockets, and a datagram socket also replaces the
    /// identifier with its own ([`IcmpSocket::dgram_ident`]) and sends
    /// only echo requests.
    ///
    /// An ordinary UDP socket ([`IcmpSocket::open_udp`]) takes a UDP
    /// datagram and sends its payload to the header's destination port.
    pub fn send_to(&self, icmp_message: &[u8], dst: IpAddr) -> io::Result<SendTime> {
        let (icmp_message, addr) = self.outgoing(icmp_message, dst)?;
        let at = SendTime {
            wall: SystemTime::now(),
            instant: Instant::now(),
        };
        let sent = sys::send_to(self.as_raw_fd(), icmp_message, addr, 0)
            .map_err(|e| self.context(&format!("cannot send to {dst}"), &e))?;
        if sent != icmp_message.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {sent} of {} bytes to {dst}", icmp_message.len()),
            ));
        }
        Ok(at)
    }

    /// Receives one packet into `buf`, waiting unless non-blocking.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        let msg = sys::recv_msg(self.as_raw_fd(), buf, 0)
            .map_err(|e| self.context("cannot receive", &e))?;
        Ok(self.received(&msg, buf))
    }

    /// What a received datagram `msg`, whose bytes start `buf`, tells:
    /// the one reading of [`IcmpSocket::recv`] and
    /// [`IcmpSocket::recv_batch`].
    pub(crate) fn received(&self, msg: &sys::Message, buf: &[u8]) -> Received {
        let from = msg.from.map_or_else(|| self.unspecified(), |a| a.ip());
        let mut received = Received {
            len: msg.len,
            icmp_offset: 0,
            from,
            ttl: msg.ancillary.ttl,
            kernel_time: msg.ancillary.timestamp,
            dst: msg.ancillary.dst,
            truncated: msg.truncated,
            drops: msg.ancillary.drops,
            ip_options: msg.ancillary.ip_options,
        };
        if self.version() == IpVersion::V4 && self.kind() == SocketKind::Raw {
            let bytes = buf.get(..msg.len).unwrap_or(&[]);
            match ipv4::Packet::new_checked_lax(bytes) {
                Ok(ip) => {
                    received.icmp_offset = ip.header_len();
                    received.ip_options =
                        IpOptions::new(bytes.get(20..ip.header_len()).unwrap_or(&[]));
                    received.ttl = Some(ip.ttl());
                    received.dst = Some(IpAddr::V4(ip.dst_addr()));
                }
                // The kernel always delivers a whole header; if not, there
                // is no ICMP message to point at.
                Err(_) => received.icmp_offset = msg.len,
            }
        }
        received
    }

    /// [`IcmpSocket::recv`] on a non-blocking socket: `Ok(None)` when
    /// nothing is waiting (or a signal interrupted the call), so a read
    /// loop ends without matching on error kinds.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        match self.recv(buf) {
            Ok(received) => Ok(Some(received)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Reads one error from the error queue into `buf` without waiting;
    /// `None` when the queue is empty.
    pub fn recv_error(&self, buf: &mut [u8]) -> io::Result<Option<QueuedError>> {
        let flags = libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT;
        let msg = match sys::recv_msg(self.as_raw_fd(), buf, flags) {
            Ok(msg) => msg,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(self.context("cannot read the error queue", &e)),
        };
        let Some(ee) = msg.ancillary.error else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the error queue of the {} gave no extended error",
                    self.describe()
                ),
            ));
        };
        Ok(Some(QueuedError {
            origin: ErrorOrigin::from(ee.origin),
            errno: i32::try_from(ee.errno).unwrap_or(i32::MAX),
            icmp_type: ee.icmp_type,
            icmp_code: ee.icmp_code,
            info: ee.info,
            offender: ee.offender,
            dst: msg.from.map(|a| a.ip()),
            port: msg
                .from
                .map(|a| a.port())
                .filter(|_| self.is_udp_datagram()),
            ttl: msg.ancillary.ttl,
            len: msg.len,
            kernel_time: msg.ancillary.timestamp,
        }))
    }

    /// Waits at most `timeout` for a packet or a queued error.
    pub fn wait(&self, timeout: Duration) -> io::Result<Readiness> {
        let seen =
            sys::poll_in(self.as_raw_fd(), timeout).map_err(|e| self.context("cannot poll", &e))?;
        Ok(Readiness {
            readable: seen.readable,
            error: seen.error,
        })
    }

    /// Waits at most `timeout`; true when a packet or a queued error
    /// (`POLLERR`) is there to read.
    pub fn wait_readable(&self, timeout: Duration) -> io::Result<bool> {
        let ready = self.wait(timeout)?;
        Ok(ready.readable || ready.error)
    }
}

/// Waits at most `timeout` until any of `sockets` has a packet or a
/// queued error; one [`Readiness`] per socket, in order.
pub fn wait_any(sockets: &[&IcmpSocket], timeout: Duration) -> io::Result<Vec<Readiness>> {
    let fds: Vec<_> = sockets.iter().map(|s| s.as_raw_fd()).collect();
    let seen = sys::poll_many(&fds, timeout)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot poll: {e}")))?;
    Ok(seen
        .into_iter()
        .map(|p| Readiness {
            readable: p.readable,
            error: p.error,
        })
        .collect())
}

/// Sockets waited on together, again and again ([`WaitSet::wait`]), the
/// way a transport waits on every socket of a run: the `poll(2)` array is
/// made once, so a wait allocates nothing (unlike [`wait_any`]).
///
/// The set holds the sockets' descriptors, not the sockets: keep them
/// open while the set is used (a closed descriptor is reported as never
/// ready).
#[derive(Debug, Clone)]
pub struct WaitSet {
    set: sys::PollSet,
}

impl WaitSet {
    /// A set of `sockets`, in order.
    pub fn new<'a>(sockets: impl IntoIterator<Item = &'a IcmpSocket>) -> Self {
        Self {
            set: sys::PollSet::new(sockets.into_iter().map(AsRawFd::as_raw_fd)),
        }
    }

    /// How many sockets the set has.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set has no socket.
    pub fn is_empty(&self) -> bool {
        self.set.len() == 0
    }

    /// Waits at most `timeout` until any socket has a packet or a queued
    /// error; returns how many have (0 when the time ran out). A signal
    /// does not end the wait early.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<usize> {
        self.set
            .poll(timeout)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot poll: {e}")))
    }

    /// What the last [`WaitSet::wait`] saw on socket `i`.
    pub fn readiness(&self, i: usize) -> Option<Readiness> {
        let seen = self.set.result(i)?;
        Some(Readiness {
            readable: seen.readable,
            error: seen.error,
        })
    }
}
