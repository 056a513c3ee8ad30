//! [`SocketPlan`]: which sockets a run needs and how each is set up,
//! written by a front end and opened by [`super::RealTransport::open`].

use std::net::IpAddr;

use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_wire::IpVersion;

/// The sockets of one run: per IP version, what [`FamilyPlan`] says; a
/// version without a plan gets no socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketPlan {
    /// The IPv4 sockets.
    pub v4: Option<FamilyPlan>,
    /// The IPv6 sockets.
    pub v6: Option<FamilyPlan>,
}

impl SocketPlan {
    /// A plan with no sockets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// This plan with `family` as the sockets of `version`.
    #[must_use]
    pub fn with(mut self, version: IpVersion, family: FamilyPlan) -> Self {
        *self.family_mut(version) = Some(family);
        self
    }

    /// The sockets of `version`, if any.
    pub fn family(&self, version: IpVersion) -> Option<&FamilyPlan> {
        match version {
            IpVersion::V4 => self.v4.as_ref(),
            IpVersion::V6 => self.v6.as_ref(),
        }
    }

    /// The sockets of `version`, to change.
    pub fn family_mut(&mut self, version: IpVersion) -> &mut Option<FamilyPlan> {
        match version {
            IpVersion::V4 => &mut self.v4,
            IpVersion::V6 => &mut self.v6,
        }
    }
}

/// The sockets of one IP version. Each becomes the socket of one
/// [`icmpkit_proto::machine::Channel`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FamilyPlan {
    /// The ICMP socket (channel `Icmp`): Echo Requests out; replies and
    /// ICMP errors in (also those about UDP and TCP probes).
    pub icmp: Option<IcmpPlan>,
    /// A raw UDP sender (channel `Udp`, needs `CAP_NET_RAW`). It is never
    /// read: what it would receive (every UDP datagram of the host) is not
    /// ours to see, and the ICMP errors about its probes come to the ICMP
    /// socket. Its receive buffer is made as small as the kernel allows
    /// (whatever [`SocketOptions::recv_buffer`] says), and its error queue
    /// is read only after a refused send, for the local errors explaining
    /// it.
    pub udp: Option<SocketOptions>,
    /// The `udp` socket is an ordinary UDP socket instead
    /// (`icmpkit_net::IcmpSocket::open_udp`, no privilege needed): bound
    /// to [`SocketOptions::source_port`], it sends the payload of each
    /// datagram it is given to the header's destination port, and, unlike
    /// the raw sender, it is waited on and read: the ICMP errors about
    /// its datagrams come only to its error queue (turn
    /// [`SocketOptions::recv_errors`] on), as traceroute's and tracepath's
    /// unprivileged probes get them.
    pub udp_datagram: bool,
    /// A raw TCP socket (channel `Tcp`, needs `CAP_NET_RAW`): SYN probes
    /// out; every TCP segment the host receives in, among them the SYN-ACK
    /// or RST of a probed destination.
    pub tcp: Option<SocketOptions>,
}

impl FamilyPlan {
    /// An ICMP socket alone (ping, sweep, ICMP trace).
    pub fn icmp(icmp: IcmpPlan) -> Self {
        Self {
            icmp: Some(icmp),
            udp: None,
            udp_datagram: false,
            tcp: None,
        }
    }
}

/// How the ICMP socket of a version is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcmpPlan {
    /// Raw, ping socket, or raw when allowed and a ping socket otherwise
    /// (`icmpkit_net::IcmpSocket::open`).
    pub choice: SocketChoice,
    /// Which ICMP types a raw socket keeps; ignored for a ping socket,
    /// which gets only its own replies and errors anyway.
    pub filter: IcmpFilter,
    /// The Echo identifier a raw socket filters on: only Echo Replies
    /// with it, and errors quoting an Echo Request with it, are handed
    /// over among those types; `None` keeps every one (trace, sweep). As
    /// in iputils, the filter is checked in user space until a datagram of
    /// another identifier comes, and from then on in the kernel too
    /// (`icmpkit_net::IcmpSocket::filter_echo_ident`), so that a run
    /// alone on its host pays no filter for each reply, and a storm of
    /// strangers' datagrams stops reaching user space after its first.
    /// Ignored for a ping socket, which the kernel filters anyway.
    pub echo_ident: Option<u16>,
    /// Send threads: 0, the driver's thread sends on this socket; more,
    /// that many send-only raw sockets of the same options, each on a
    /// thread of its own, take equal shares of every large flush while
    /// the driver's thread goes on building probes and reading answers
    /// (the kernel's work for a probe is paid by the thread that sends
    /// it, and one raw socket sends on one core at most). For high-rate
    /// senders (a sweep) on a host with cores to spare. Ignored for a
    /// ping socket.
    pub senders: usize,
    /// Its options.
    pub options: SocketOptions,
}

impl IcmpPlan {
    /// A socket of `choice` with `options`, keeping only replies and
    /// errors ([`IcmpFilter::RepliesAndErrors`]), whatever their
    /// identifier.
    pub fn new(choice: SocketChoice, options: SocketOptions) -> Self {
        Self {
            choice,
            filter: IcmpFilter::RepliesAndErrors,
            echo_ident: None,
            senders: 0,
            options,
        }
    }
}

/// The ICMP type filter of a raw ICMP socket (`ICMP_FILTER`,
/// `ICMP6_FILTER`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IcmpFilter {
    /// No filter: every ICMP message the host receives, our own Echo
    /// Requests to loopback and other hosts' traffic among them.
    All,
    /// Replies and errors only
    /// (`icmpkit_net::IcmpSocket::accept_only_replies_and_errors`).
    #[default]
    RepliesAndErrors,
    /// These ICMP types only.
    Only(Vec<u8>),
}

/// The options of one socket. Every field left at its default leaves the
/// kernel's setting alone.
// Each bool is one independent kernel switch, as the socket has them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketOptions {
    /// The TOS byte (IPv4) or traffic class (IPv6).
    pub tos: Option<u8>,
    /// The TTL / hop limit of a datagram whose
    /// [`icmpkit_proto::machine::Transmit::hop_limit`] is `None`; `None`
    /// keeps the kernel's default.
    pub ttl: Option<u8>,
    /// Path MTU discovery and Don't Fragment.
    pub pmtu: Option<PmtuMode>,
    /// The firewall mark (`SO_MARK`, needs `CAP_NET_ADMIN`).
    pub mark: Option<u32>,
    /// Send and receive only through this interface (`SO_BINDTODEVICE`).
    pub device: Option<String>,
    /// Bind to this local address (the source of what is sent).
    pub source: Option<IpAddr>,
    /// Bind to this local port too (an ordinary UDP socket's source
    /// port, [`FamilyPlan::udp_datagram`]); `None` leaves it to the
    /// kernel.
    pub source_port: Option<u16>,
    /// The interface (index) through which link-local IPv6 destinations
    /// are reached, and a link-local `source` is bound: the scope id of
    /// `fe80::1%eth0` (`icmpkit_net::IcmpSocket::set_link_scope`). `None`
    /// lets the kernel choose by its routes.
    pub link_scope: Option<u32>,
    /// Queue errors about sent datagrams (`IP_RECVERR`, `IPV6_RECVERR`):
    /// ICMP errors and local ones (a send too big for the link). They are
    /// handed to the machine as `Input::SocketError`. A raw ICMP socket
    /// also receives every ICMP error as a datagram, so with this on, a
    /// machine on a raw socket sees each error twice.
    pub recv_errors: bool,
    /// Send a datagram again, once, when its send failed only because a
    /// router's error about an earlier datagram was pending on the
    /// socket (with `recv_errors`, the kernel fails the next send with
    /// it, and that datagram never leaves). Tools that count a probe per
    /// send (trace, mtr) want it; iputils ping reports such a send as
    /// failed, and icmpkit ping does too (off).
    pub resend_after_router_error: bool,
    /// Kernel receive timestamps (`SO_TIMESTAMPNS`), given as
    /// `Datagram::kernel_at`.
    pub timestamps: bool,
    /// The TTL / hop limit of received datagrams (`IP_RECVTTL`,
    /// `IPV6_RECVHOPLIMIT`; a raw IPv4 socket reads it from the IP header
    /// anyway), given as `Datagram::hop_limit`.
    pub recv_ttl: bool,
    /// The receive buffer to ask for, in bytes.
    pub recv_buffer: Option<usize>,
    /// Report datagrams the kernel drops for a full receive queue
    /// (`SO_RXQ_OVFL`) as `Delivery::Overflow`, as they happen.
    pub report_drops: bool,
    /// The send buffer to ask for, in bytes.
    pub send_buffer: Option<usize>,
    /// Allow sending to broadcast addresses (`SO_BROADCAST`).
    pub broadcast: bool,
    /// The TTL / hop limit of sent multicast datagrams
    /// (`IP_MULTICAST_TTL`/`IPV6_MULTICAST_HOPS`); `None` keeps the
    /// kernel's 1.
    pub multicast_ttl: Option<u8>,
    /// Do not loop sent multicast datagrams back to this host
    /// (`IP_MULTICAST_LOOP`/`IPV6_MULTICAST_LOOP` off; iputils' `-L`).
    pub no_multicast_loop: bool,
    /// The Echo identifier a ping socket binds as its port (iputils'
    /// `-e`), with `source` when given; ignored by raw sockets.
    pub ident: Option<u16>,
    /// The IPv6 flow label to ask the kernel's flow label manager for,
    /// towards the destination given (iputils' `-F`; 0: the kernel
    /// chooses); read back with `RealTransport::flow_label`.
    pub flow_label: Option<(std::net::Ipv6Addr, u32)>,
    /// IPv4 header options for every datagram (`IP_OPTIONS`: record
    /// route, timestamps), and the options of what comes back delivered
    /// as `Datagram::ip_options` (a ping socket asks `IP_RETOPTS`).
    pub ip_options: Vec<u8>,
}

impl SocketOptions {
    /// The options every receiving socket of a tool wants: the error
    /// queue, kernel timestamps and the received TTL on, all else the
    /// kernel's.
    pub fn receiving() -> Self {
        Self {
            recv_errors: true,
            timestamps: true,
            recv_ttl: true,
            ..Self::default()
        }
    }
}
