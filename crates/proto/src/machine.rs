//! The one verb set every machine speaks, after `quinn-proto`'s
//! `Connection`: single ping, several-target ping, RFC 8335 PROBE, sweep,
//! classic trace, MDA, path MTU and the continuous trace all implement
//! [`Machine`], and one driver (the `icmpkit-driver` crate) runs any of them
//! over real sockets or a simulated network.
//!
//! A machine never touches a socket or a clock: the driver tells it the
//! time, hands it what arrived, asks it what to send and when to wake, and
//! collects what happened as typed events.
//!
//! # Calling order
//!
//! The driver repeats these steps until [`Machine::poll_timeout`] returns
//! `None` (and every event has been taken):
//!
//! 1. [`Machine::handle_timeout`] with the current time, whether or not the
//!    deadline it asked for has come (a machine checks its own deadlines);
//! 2. [`Machine::poll_transmit`] until it returns `None`, sending each
//!    datagram at once; a send the transport refuses is reported with
//!    [`Machine::handle_send_failure`] after any error the kernel queued for
//!    it was handed over as [`Input::SocketError`]. After each
//!    `poll_transmit`, a driver may instead stop when
//!    [`Machine::may_transmit_before`] says nothing is due for a while,
//!    sparing a clock read (it asks before the send, so that the transport
//!    knows the datagram is the round's last);
//! 3. [`Machine::poll_event`] until it returns `None`;
//! 4. [`Machine::poll_timeout`]: `None` ends the run; otherwise the driver
//!    waits until that instant at most, for input or a signal;
//! 5. [`Machine::handle_input`] for everything that arrived (and
//!    [`Machine::handle_overflow`] where the kernel dropped some of it), then
//!    [`Machine::handle_signal`] for a signal that came, and back to 1.
//!
//! Every method takes `now` from the driver's clock (a simulated transport
//! has its own), so a machine runs the same way on real and made-up time.
//! Randomness (identifiers, nonces, flow seeds) is an input of each
//! machine's constructor, never drawn inside.

use std::net::IpAddr;
use std::time::Instant;

use icmpkit_wire::IpVersion;

/// The kind of socket a datagram leaves or arrives on. With the address
/// family of its peer, it names one socket of the driver's socket plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An ICMPv4 or ICMPv6 socket (raw or ping socket): Echo Requests out;
    /// replies and ICMP errors in.
    Icmp,
    /// A raw UDP socket: probes out (the kernel writes the IP header).
    Udp,
    /// A raw TCP socket: SYN probes out; SYN-ACK and RST in.
    Tcp,
}

/// A datagram a machine wants sent now: its bytes are in the buffer
/// [`Machine::poll_transmit`] filled (everything after the IP header: an
/// ICMP message, a UDP header and payload, a TCP header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// The socket kind to send on.
    pub channel: Channel,
    /// Where to.
    pub dst: IpAddr,
    /// The TTL / hop limit of this datagram; `None` keeps the socket's.
    pub hop_limit: Option<u8>,
    /// The machine's own tag for this datagram, given back in a
    /// [`SendFailure`] (a probe number, a target index).
    pub tag: u64,
}

impl Transmit {
    /// The IP version of this datagram.
    pub fn version(&self) -> IpVersion {
        version_of(self.dst)
    }
}

/// The IP version of an address.
pub fn version_of(addr: IpAddr) -> IpVersion {
    match addr {
        IpAddr::V4(_) => IpVersion::V4,
        IpAddr::V6(_) => IpVersion::V6,
    }
}

/// A send the transport refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFailure {
    /// The [`Transmit::tag`] of the refused datagram.
    pub tag: u64,
    /// Where it was going.
    pub dst: IpAddr,
    /// The OS error number (`EMSGSIZE`, `EACCES`, `ENETUNREACH`, ...).
    pub errno: i32,
    /// Whether the kernel queued an error explaining it, already handed
    /// over as [`Input::SocketError`] (iputils prints only unexplained
    /// send failures).
    pub explained: bool,
}

/// A datagram that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// The socket kind it arrived on.
    pub channel: Channel,
    /// Its source address.
    pub from: IpAddr,
    /// The TTL / hop limit it arrived with, when the socket reports it.
    pub hop_limit: Option<u8>,
    /// When the driver read it.
    pub read_at: Instant,
    /// When the kernel received it, when the socket reports timestamps.
    pub kernel_at: Option<Instant>,
    /// Everything after the IP header: the ICMP message or TCP segment.
    pub bytes: &'a [u8],
    /// The IPv4 header's options (record route, timestamps): from the
    /// header on a raw socket, from `IP_RETOPTS` on a ping socket; empty
    /// when there are none or the transport does not read them.
    pub ip_options: &'a [u8],
}

impl Datagram<'_> {
    /// The best receive time known: the kernel's, else the driver's.
    pub fn received_at(&self) -> Instant {
        self.kernel_at.unwrap_or(self.read_at)
    }
}

/// Where a [`SocketError`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The local stack (a send too big for the link's MTU, no route).
    Local,
    /// An ICMP or ICMPv6 error a node sent about one of our datagrams.
    Icmp,
}

/// An error the kernel queued on a socket about a datagram we sent
/// (`IP_RECVERR` / `IPV6_RECVERR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketError<'a> {
    /// The socket kind it was queued on.
    pub channel: Channel,
    /// Local or from the network.
    pub source: ErrorSource,
    /// The errno the kernel mapped it to.
    pub errno: i32,
    /// The ICMP type (0 for local errors).
    pub icmp_type: u8,
    /// The ICMP code.
    pub icmp_code: u8,
    /// The type-specific word: the MTU of Frag Needed / Packet Too Big or
    /// of a local `EMSGSIZE`, the pointer of a Parameter Problem.
    pub info: u32,
    /// The node that sent the error, when known.
    pub offender: Option<IpAddr>,
    /// The destination of the datagram it is about, when known.
    pub dst: Option<IpAddr>,
    /// The destination port of the datagram it is about, when the socket
    /// is an ordinary UDP socket (whose `original` starts after the UDP
    /// header).
    pub port: Option<u16>,
    /// The TTL / hop limit the ICMP error arrived with, when the socket
    /// reports it.
    pub hop_limit: Option<u8>,
    /// When the driver read it.
    pub read_at: Instant,
    /// When the kernel received it, when the socket reports timestamps.
    pub kernel_at: Option<Instant>,
    /// The datagram it is about, from the transport header on (our ICMP
    /// message, UDP or TCP header; on an ordinary UDP socket the UDP
    /// payload alone), as the kernel kept it.
    pub original: &'a [u8],
}

impl SocketError<'_> {
    /// The best receive time known: the kernel's, else the driver's.
    pub fn received_at(&self) -> Instant {
        self.kernel_at.unwrap_or(self.read_at)
    }
}

/// The kernel dropped datagrams for one of the run's sockets because its
/// receive queue was full: answers the machine will never see, because
/// it was not read fast enough for what arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The socket's channel.
    pub channel: Channel,
    /// Datagrams dropped since the last report.
    pub dropped: u64,
    /// When the kernel queued the datagram that told of the drops (they
    /// happened before it), when the socket reports timestamps.
    pub queued_at: Option<Instant>,
}

/// What arrived for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// A datagram.
    Datagram(Datagram<'a>),
    /// A queued socket error.
    SocketError(SocketError<'a>),
}

/// A request from the person running the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT or SIGTERM: stop sending, report what is known, finish.
    Stop,
    /// SIGQUIT: report running statistics and go on.
    Status,
    /// Stop sending for now (a live view's pause key); machines without
    /// a notion of pausing ignore it.
    Pause,
    /// Send again after a [`Signal::Pause`].
    Resume,
    /// Check now whether hops limit their answers, with a short burst of
    /// probes (a live view's `b`); machines without one ignore it.
    Burst,
}

/// How a finished run went, for the exit code: 0 when
/// [`Verdict::Answered`], 1 when [`Verdict::Unanswered`] (2, usage or
/// system errors, never comes from a machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every target answered (ping), the destination was reached (trace),
    /// at least one host was found (sweep).
    Answered,
    /// Otherwise.
    Unanswered,
}

/// A sans-IO protocol machine; see the module docs for the calling order.
pub trait Machine {
    /// What happened, for renderers: a reply, a timeout, a hop, a summary.
    type Event;

    /// Writes the next datagram due at `now` into `buf` (cleared first by
    /// the machine) and says where it goes; `None` when nothing is due.
    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit>;

    /// Whether [`Machine::poll_transmit`] may give something at an instant
    /// before `at` (from the machine's state now, without further input).
    /// A driver that just sent a datagram asks it before reading its clock
    /// again for the next `poll_transmit`: `false` lets it stop sending for
    /// this round. The default, `true`, claims nothing.
    fn may_transmit_before(&self, at: Instant) -> bool {
        let _ = at;
        true
    }

    /// The transport refused a datagram [`Machine::poll_transmit`] gave.
    fn handle_send_failure(&mut self, now: Instant, failure: SendFailure);

    /// Something arrived: a datagram or a queued socket error. Input that
    /// is not ours or cannot be read is counted and ignored, never a panic.
    fn handle_input(&mut self, now: Instant, input: Input<'_>);

    /// Datagrams for the machine were dropped before they could be read
    /// (see [`Overflow`]), reported when the transport learns of it. A
    /// machine that can send more slowly does; by default it is ignored
    /// (the transport's own counters still say it happened).
    fn handle_overflow(&mut self, now: Instant, overflow: Overflow) {
        let _ = (now, overflow);
    }

    /// Time passed: give up on late probes, end when the end has come.
    fn handle_timeout(&mut self, now: Instant);

    /// The person running the tool asked to stop or for a status line.
    fn handle_signal(&mut self, now: Instant, signal: Signal);

    /// The next thing that happened, oldest first.
    fn poll_event(&mut self) -> Option<Self::Event>;

    /// When the driver must call back at the latest; `None` once the run
    /// is over (after the last event was queued).
    fn poll_timeout(&self, now: Instant) -> Option<Instant>;

    /// How the run went so far (final once `poll_timeout` is `None`).
    fn verdict(&self) -> Verdict;
}
