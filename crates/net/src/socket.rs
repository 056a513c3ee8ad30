//! [`IcmpSocket`]: opening an ICMP socket and setting its options.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use icmpkit_wire::IpVersion;
use libc::c_int;

use crate::denied::OpenDenied;
use crate::error::{NetError, icmp_name};
use crate::sys;

/// The two kinds of ICMP socket Linux offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// `SOCK_RAW`: sends any ICMP message and sees every ICMP packet the
    /// host receives (a raw IPv4 socket gets the IP header too). Needs
    /// `CAP_NET_RAW`.
    Raw,
    /// `SOCK_DGRAM` with `IPPROTO_ICMP`/`IPPROTO_ICMPV6`, the "ping
    /// socket": sends echo requests only, whose identifier the kernel sets
    /// to the socket's own, and receives only the replies and errors for
    /// it. Allowed when the process's group is in
    /// `net.ipv4.ping_group_range`.
    Dgram,
}

impl fmt::Display for SocketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Raw => "raw",
            Self::Dgram => "datagram",
        })
    }
}

/// Which kind of socket [`IcmpSocket::open`] should open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SocketChoice {
    /// Raw if allowed, else datagram.
    #[default]
    Auto,
    /// Raw only.
    Raw,
    /// Datagram (ping socket) only.
    Dgram,
}

/// The path MTU discovery mode of a socket (`IP_MTU_DISCOVER`,
/// `IPV6_MTU_DISCOVER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PmtuMode {
    /// `IP_PMTUDISC_DO`: set Don't Fragment; a send larger than the known
    /// path MTU fails with `EMSGSIZE`.
    Do,
    /// `IP_PMTUDISC_WANT`: use the known path MTU, fragment locally above it.
    Want,
    /// `IP_PMTUDISC_DONT`: never set Don't Fragment.
    Dont,
    /// `IP_PMTUDISC_PROBE`: set Don't Fragment and ignore the known path
    /// MTU (for probing it).
    Probe,
}

/// ICMPv4 types a raw socket keeps with
/// [`IcmpSocket::accept_only_replies_and_errors`]: Echo Reply,
/// Destination Unreachable, Source Quench, Redirect, Time Exceeded,
/// Parameter Problem, Extended Echo Reply.
pub const V4_REPLIES_AND_ERRORS: &[u8] = &[0, 3, 4, 5, 11, 12, 43];
/// ICMPv6 types a raw socket keeps with
/// [`IcmpSocket::accept_only_replies_and_errors`]: Destination
/// Unreachable, Packet Too Big, Time Exceeded, Parameter Problem, Echo
/// Reply, Extended Echo Reply.
pub const V6_REPLIES_AND_ERRORS: &[u8] = &[1, 2, 3, 4, 129, 161];

/// An open ICMPv4 or ICMPv6 socket, raw or datagram.
///
/// Options are set through `&self` (they are kernel state), so one socket
/// can be shared between a sending and a receiving thread.
#[derive(Debug)]
pub struct IcmpSocket {
    fd: OwnedFd,
    version: IpVersion,
    kind: SocketKind,
    /// The IP protocol of a socket opened with
    /// [`IcmpSocket::open_raw_transport`] (raw) or [`IcmpSocket::open_udp`]
    /// (datagram); `None` for ICMP.
    transport: Option<Transport>,
    /// The interface index given as `sin6_scope_id` with every
    /// destination that needs one ([`IcmpSocket::set_link_scope`]).
    link_scope: u32,
    /// The IPv6 flow label the kernel granted
    /// ([`IcmpSocket::request_flow_label`]), sent as `sin6_flowinfo`.
    flow_label: u32,
}

/// A transport protocol a prober sends raw (see
/// [`IcmpSocket::open_raw_transport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP (protocol 17).
    Udp,
    /// TCP (protocol 6).
    Tcp,
}

impl Transport {
    /// The IP protocol number.
    pub const fn number(self) -> u8 {
        match self {
            Self::Udp => 17,
            Self::Tcp => 6,
        }
    }

    /// "UDP" or "TCP".
    pub const fn name(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        }
    }
}

impl IcmpSocket {
    /// Opens an ICMP socket of `version`. [`SocketChoice::Auto`] tries raw
    /// and then datagram; when both fail the error explains how to allow
    /// either ([`NetError::Denied`]).
    pub fn open(version: IpVersion, choice: SocketChoice) -> Result<Self, NetError> {
        let open = |kind| {
            Self::open_kind(version, kind).map_err(|error| NetError::Open {
                version,
                kind,
                error,
            })
        };
        match choice {
            SocketChoice::Raw => open(SocketKind::Raw),
            SocketChoice::Dgram => open(SocketKind::Dgram),
            SocketChoice::Auto => match Self::open_kind(version, SocketKind::Raw) {
                Ok(socket) => Ok(socket),
                Err(raw) => match Self::open_kind(version, SocketKind::Dgram) {
                    Ok(socket) => Ok(socket),
                    Err(dgram) => Err(NetError::Denied(Box::new(OpenDenied::new(
                        version, raw, dgram,
                    )))),
                },
            },
        }
    }

    fn open_kind(version: IpVersion, kind: SocketKind) -> io::Result<Self> {
        let (domain, protocol) = match version {
            IpVersion::V4 => (libc::AF_INET, libc::IPPROTO_ICMP),
            IpVersion::V6 => (libc::AF_INET6, libc::IPPROTO_ICMPV6),
        };
        let sock_type = match kind {
            SocketKind::Raw => libc::SOCK_RAW,
            SocketKind::Dgram => libc::SOCK_DGRAM,
        };
        let fd = sys::socket(domain, sock_type, protocol)?;
        Ok(Self {
            fd,
            version,
            kind,
            transport: None,
            link_scope: 0,
            flow_label: 0,
        })
    }

    /// Opens a raw socket of `transport` (UDP or TCP) for a prober that
    /// builds the transport header itself (ports, sequence number,
    /// checksum; the kernel builds the IP header, with the TTL, TOS and
    /// path MTU options of this type). Sending, options and receiving work
    /// as for a raw ICMP socket; what it receives is every packet of that
    /// protocol the host gets (a raw IPv4 socket with the IP header),
    /// which is how a TCP prober sees a SYN-ACK or RST. Needs
    /// `CAP_NET_RAW`.
    pub fn open_raw_transport(version: IpVersion, transport: Transport) -> Result<Self, NetError> {
        let domain = match version {
            IpVersion::V4 => libc::AF_INET,
            IpVersion::V6 => libc::AF_INET6,
        };
        let fd = sys::socket(domain, libc::SOCK_RAW, c_int::from(transport.number())).map_err(
            |error| NetError::OpenTransport {
                version,
                transport,
                error,
            },
        )?;
        Ok(Self {
            fd,
            version,
            kind: SocketKind::Raw,
            transport: Some(transport),
            link_scope: 0,
            flow_label: 0,
        })
    }

    /// Opens an ordinary UDP socket of `version` (`SOCK_DGRAM`,
    /// `IPPROTO_UDP`; no privilege needed) for a prober that builds whole
    /// UDP datagrams, as traceroute's unprivileged UDP probes go: what
    /// [`IcmpSocket::send_to`] and [`IcmpSocket::send_batch`] are given is
    /// a UDP header and payload, of which the payload is sent to the
    /// header's destination port, from the port the socket is bound to
    /// ([`IcmpSocket::bind_source_port`], which must be the header's
    /// source port), the kernel writing the header and its checksum (the
    /// same value, for the same bytes). ICMP errors about what it sent come
    /// only through the error queue ([`IcmpSocket::set_recv_errors`]),
    /// each with the datagram's payload ([`QueuedError::original`]) and
    /// destination port ([`QueuedError::port`]).
    ///
    /// [`QueuedError::original`]: crate::QueuedError::original
    /// [`QueuedError::port`]: crate::QueuedError::port
    pub fn open_udp(version: IpVersion) -> Result<Self, NetError> {
        let domain = match version {
            IpVersion::V4 => libc::AF_INET,
            IpVersion::V6 => libc::AF_INET6,
        };
        let fd = sys::socket(domain, libc::SOCK_DGRAM, libc::IPPROTO_UDP).map_err(|error| {
            NetError::OpenTransport {
                version,
                transport: Transport::Udp,
                error,
            }
        })?;
        Ok(Self {
            fd,
            version,
            kind: SocketKind::Dgram,
            transport: Some(Transport::Udp),
            link_scope: 0,
            flow_label: 0,
        })
    }

    /// Whether this is an ordinary UDP socket ([`IcmpSocket::open_udp`]).
    pub fn is_udp_datagram(&self) -> bool {
        self.kind == SocketKind::Dgram && self.transport == Some(Transport::Udp)
    }

    /// The transport of a socket from [`IcmpSocket::open_raw_transport`]
    /// or [`IcmpSocket::open_udp`]; `None` for an ICMP socket.
    pub fn transport(&self) -> Option<Transport> {
        self.transport
    }

    /// The IP version.
    pub fn version(&self) -> IpVersion {
        self.version
    }

    /// Whether this is a raw or a datagram socket.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// "raw ICMPv4 socket" and the like, for messages.
    pub(crate) fn describe(&self) -> String {
        match self.transport {
            Some(t) if self.kind == SocketKind::Dgram => {
                format!("{} over IPv{} socket", t.name(), self.version.number())
            }
            Some(t) => format!("raw {} over IPv{} socket", t.name(), self.version.number()),
            None => format!("{} {} socket", self.kind, icmp_name(self.version)),
        }
    }

    /// Adds what was attempted to an error.
    pub(crate) fn context(&self, what: &str, err: &io::Error) -> io::Error {
        // Nothing to explain, and the hot path of a non-blocking loop: no
        // formatting, no allocation.
        if matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ) {
            return io::Error::from(err.kind());
        }
        crate::error::with_context(err, format!("{what} on the {}: {err}", self.describe()))
    }

    /// The IP-level option level and one of two names by version.
    fn ip_level(&self, v4: c_int, v6: c_int) -> (c_int, c_int) {
        match self.version {
            IpVersion::V4 => (libc::IPPROTO_IP, v4),
            IpVersion::V6 => (libc::IPPROTO_IPV6, v6),
        }
    }

    fn set_int(&self, (level, name): (c_int, c_int), value: c_int, what: &str) -> io::Result<()> {
        sys::set_option_int(self.as_raw_fd(), level, name, value)
            .map_err(|e| self.context(what, &e))
    }

    fn get_int(&self, (level, name): (c_int, c_int), what: &str) -> io::Result<c_int> {
        sys::get_option_int(self.as_raw_fd(), level, name).map_err(|e| self.context(what, &e))
    }

    fn set_flag(&self, option: (c_int, c_int), on: bool, what: &str) -> io::Result<()> {
        let verb = if on { "turn on" } else { "turn off" };
        self.set_int(option, c_int::from(on), &format!("cannot {verb} {what}"))
    }

    /// The name of the TTL option for this version.
    fn ttl_name(&self) -> &'static str {
        match self.version {
            IpVersion::V4 => "IP_TTL",
            IpVersion::V6 => "IPV6_UNICAST_HOPS",
        }
    }

    /// Sets the TTL (IPv4) or unicast hop limit (IPv6) of sent packets.
    pub fn set_ttl(&self, ttl: u8) -> io::Result<()> {
        let option = self.ip_level(libc::IP_TTL, libc::IPV6_UNICAST_HOPS);
        let what = format!("cannot set {} to {ttl}", self.ttl_name());
        self.set_int(option, c_int::from(ttl), &what)
    }

    /// The TTL or unicast hop limit sent packets get.
    pub fn ttl(&self) -> io::Result<u8> {
        let option = self.ip_level(libc::IP_TTL, libc::IPV6_UNICAST_HOPS);
        let what = format!("cannot read {}", self.ttl_name());
        let value = self.get_int(option, &what)?;
        u8::try_from(value).map_err(|_| out_of_range(&what, value))
    }

    /// Sets the TOS byte (IPv4) or traffic class (IPv6): DSCP and ECN.
    pub fn set_tos(&self, tos: u8) -> io::Result<()> {
        let option = self.ip_level(libc::IP_TOS, libc::IPV6_TCLASS);
        self.set_int(
            option,
            c_int::from(tos),
            &format!("cannot set the TOS/traffic class to {tos:#04x}"),
        )
    }

    /// The TOS byte or traffic class sent packets get.
    pub fn tos(&self) -> io::Result<u8> {
        let option = self.ip_level(libc::IP_TOS, libc::IPV6_TCLASS);
        let what = "cannot read the TOS/traffic class";
        let value = self.get_int(option, what)?;
        u8::try_from(value).map_err(|_| out_of_range(what, value))
    }

    /// Sets the path MTU discovery mode.
    pub fn set_pmtu_mode(&self, mode: PmtuMode) -> io::Result<()> {
        let value = match (self.version, mode) {
            (IpVersion::V4, PmtuMode::Do) => libc::IP_PMTUDISC_DO,
            (IpVersion::V4, PmtuMode::Want) => libc::IP_PMTUDISC_WANT,
            (IpVersion::V4, PmtuMode::Dont) => libc::IP_PMTUDISC_DONT,
            (IpVersion::V4, PmtuMode::Probe) => libc::IP_PMTUDISC_PROBE,
            (IpVersion::V6, PmtuMode::Do) => libc::IPV6_PMTUDISC_DO,
            (IpVersion::V6, PmtuMode::Want) => libc::IPV6_PMTUDISC_WANT,
            (IpVersion::V6, PmtuMode::Dont) => libc::IPV6_PMTUDISC_DONT,
            (IpVersion::V6, PmtuMode::Probe) => libc::IPV6_PMTUDISC_PROBE,
        };
        let option = self.ip_level(libc::IP_MTU_DISCOVER, libc::IPV6_MTU_DISCOVER);
        self.set_int(
            option,
            value,
            &format!("cannot set the path MTU discovery mode to {mode:?}"),
        )
    }

    /// Sends and receives only through the interface `name`
    /// (`SO_BINDTODEVICE`); an empty name removes the binding. A name no
    /// interface has is an error that says so.
    pub fn bind_device(&self, name: &str) -> io::Result<()> {
        if !name.is_empty() && sys::interface_index(name).is_none() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "cannot bind the {} to device {name:?}: there is no network interface named {name:?}",
                    self.describe()
                ),
            ));
        }
        sys::set_option_bytes(
            self.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_bytes(),
        )
        .map_err(|e| self.context(&format!("cannot bind to device {name:?}"), &e))
    }

    /// Sends to link-local IPv6 destinations (and link- or
    /// interface-local multicast, [`crate::needs_scope`]) through the
    /// interface with index `index`, as the scope id of `fe80::1%eth0`
    /// says (`sin6_scope_id`); 0 lets the kernel choose by its routes.
    /// Other destinations are sent as before.
    pub fn set_link_scope(&mut self, index: u32) {
        self.link_scope = index;
    }

    /// Binds the socket to `source` (the unspecified address when `None`)
    /// and, for a ping socket, to the Echo identifier `ident` (its local
    /// "port", which the kernel then writes into every Echo Request), as
    /// iputils' `-e` binds. A raw socket has no port: only `source` counts.
    pub fn bind_ident(&self, source: Option<IpAddr>, ident: u16) -> io::Result<()> {
        let addr = source.unwrap_or_else(|| self.unspecified());
        let mut sockaddr = self.socket_addr(addr)?;
        if self.kind == SocketKind::Dgram {
            sockaddr.set_port(ident);
        }
        sys::bind(self.as_raw_fd(), sockaddr).map_err(|e| {
            self.context(
                &format!("cannot bind to {addr} with identifier {ident}"),
                &e,
            )
        })
    }

    /// Turns the loopback of sent multicast datagrams off (`on` false) or
    /// on (`IP_MULTICAST_LOOP`, `IPV6_MULTICAST_LOOP`): iputils' `-L`.
    pub fn set_multicast_loop(&self, on: bool) -> io::Result<()> {
        let option = self.ip_level(libc::IP_MULTICAST_LOOP, libc::IPV6_MULTICAST_LOOP);
        self.set_flag(option, on, "IP_MULTICAST_LOOP/IPV6_MULTICAST_LOOP")
    }

    /// Sets the TTL (IPv4) or hop limit (IPv6) of sent multicast
    /// datagrams (`IP_MULTICAST_TTL`, `IPV6_MULTICAST_HOPS`; the kernel's
    /// default is 1), as iputils' `-t` sets it beside the unicast one.
    pub fn set_multicast_ttl(&self, ttl: u8) -> io::Result<()> {
        let option = self.ip_level(libc::IP_MULTICAST_TTL, libc::IPV6_MULTICAST_HOPS);
        self.set_int(
            option,
            c_int::from(ttl),
            &format!("cannot set the multicast TTL to {ttl}"),
        )
    }

    /// Asks the kernel's flow label manager for the IPv6 flow label
    /// `label` towards `dst` (`IPV6_FLOWLABEL_MGR`, get or create,
    /// exclusive), and sends every datagram with it (`IPV6_FLOWINFO_SEND`
    /// and `sin6_flowinfo`), as iputils' `-F` does. Label 0 lets the kernel
    /// choose one. Returns the label granted. IPv6 sockets only.
    pub fn request_flow_label(&mut self, dst: Ipv6Addr, label: u32) -> io::Result<u32> {
        if self.version != IpVersion::V6 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("flow labels are IPv6's: not on the {}", self.describe()),
            ));
        }
        // struct in6_flowlabel_req: flr_dst, flr_label (big endian),
        // flr_action, flr_share, flr_flags, flr_expires, flr_linger, pad.
        let mut request = [0u8; 32];
        request[..16].copy_from_slice(&dst.octets());
        request[16..20].copy_from_slice(&(label & 0xf_ffff).to_be_bytes());
        request[20] = sys::IPV6_FL_A_GET;
        request[21] = sys::IPV6_FL_S_EXCL;
        request[22..24].copy_from_slice(&sys::IPV6_FL_F_CREATE.to_ne_bytes());
        sys::set_option_bytes_mut(
            self.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_FLOWLABEL_MGR,
            &mut request,
        )
        .map_err(|e| {
            crate::error::with_context(&e, format!("can't set flowlabel: {}", plain(&e)))
        })?;
        let granted = u32::from_be_bytes([request[16], request[17], request[18], request[19]]);
        sys::set_option_int(
            self.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_FLOWINFO_SEND,
            1,
        )
        .map_err(|e| {
            crate::error::with_context(&e, format!("can't send flowinfo: {}", plain(&e)))
        })?;
        self.flow_label = granted & 0xf_ffff;
        Ok(self.flow_label)
    }

    /// The flow label [`IcmpSocket::request_flow_label`] got; 0 when none
    /// was asked for.
    pub fn flow_label(&self) -> u32 {
        self.flow_label
    }

    /// Sends every datagram with these IPv4 header options
    /// (`IP_OPTIONS`: record route, timestamps, padded by the kernel).
    /// IPv4 sockets only.
    pub fn set_ip_options(&self, options: &[u8]) -> io::Result<()> {
        if self.version != IpVersion::V4 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("IP options are IPv4's: not on the {}", self.describe()),
            ));
        }
        sys::set_option_bytes(
            self.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_OPTIONS,
            options,
        )
        .map_err(|e| self.context("cannot set IP_OPTIONS", &e))
    }

    /// Delivers the IPv4 options of each received datagram as the reply
    /// to it would carry them (`IP_RETOPTS`, read into
    /// [`crate::Received::ip_options`]): how a ping socket, which never
    /// sees the IP header, learns a reply's record route or timestamps.
    /// A raw IPv4 socket reads them from the header, so for it this asks
    /// the kernel nothing.
    pub fn set_recv_ip_options(&self, on: bool) -> io::Result<()> {
        if self.version == IpVersion::V4 && self.kind == SocketKind::Raw {
            return Ok(());
        }
        self.set_flag((libc::IPPROTO_IP, libc::IP_RETOPTS), on, "IP_RETOPTS")
    }

    /// Binds the socket to a local source address. For a datagram socket
    /// this also has the kernel choose its identifier now
    /// ([`IcmpSocket::dgram_ident`]).
    pub fn bind_source(&self, addr: IpAddr) -> io::Result<()> {
        let sockaddr = self.socket_addr(addr)?;
        sys::bind(self.as_raw_fd(), sockaddr)
            .map_err(|e| self.context(&format!("cannot bind to source address {addr}"), &e))
    }

    /// Binds the socket to local address `addr` and `port` (an ordinary
    /// UDP socket's source port, [`IcmpSocket::open_udp`]).
    pub fn bind_source_port(&self, addr: IpAddr, port: u16) -> io::Result<()> {
        let mut sockaddr = self.socket_addr(addr)?;
        sockaddr.set_port(port);
        sys::bind(self.as_raw_fd(), sockaddr).map_err(|e| {
            self.context(
                &format!("cannot bind to source address {addr} port {port}"),
                &e,
            )
        })
    }

    /// Sets the firewall mark of sent packets (`SO_MARK`, which needs
    /// `CAP_NET_ADMIN`).
    pub fn set_mark(&self, mark: u32) -> io::Result<()> {
        sys::set_option_bytes(
            self.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_MARK,
            &mark.to_ne_bytes(),
        )
        .map_err(|e| {
            self.context(
                &format!("cannot set SO_MARK to {mark} (it needs CAP_NET_ADMIN)"),
                &e,
            )
        })
    }

    /// Queues ICMP errors about sent packets, and local send errors, on
    /// the error queue for [`IcmpSocket::recv_error`] (`IP_RECVERR`,
    /// `IPV6_RECVERR`). A datagram socket learns of errors only this way.
    pub fn set_recv_errors(&self, on: bool) -> io::Result<()> {
        let option = self.ip_level(libc::IP_RECVERR, libc::IPV6_RECVERR);
        self.set_flag(option, on, "IP_RECVERR/IPV6_RECVERR")
    }

    /// Delivers the received TTL or hop limit with each packet
    /// (`IP_RECVTTL`, `IPV6_RECVHOPLIMIT`). A raw IPv4 socket reads it
    /// from the IP header of every packet anyway, so for it this asks the
    /// kernel nothing: a control message per packet would cost the kernel
    /// and the reader for nothing.
    pub fn set_recv_ttl(&self, on: bool) -> io::Result<()> {
        if self.version == IpVersion::V4 && self.kind == SocketKind::Raw {
            return Ok(());
        }
        let option = self.ip_level(libc::IP_RECVTTL, libc::IPV6_RECVHOPLIMIT);
        self.set_flag(option, on, "IP_RECVTTL/IPV6_RECVHOPLIMIT")
    }

    /// Delivers the destination address of each received packet
    /// (`IP_PKTINFO`, `IPV6_RECVPKTINFO`) into [`crate::Received::dst`].
    pub fn set_recv_dst(&self, on: bool) -> io::Result<()> {
        let option = self.ip_level(libc::IP_PKTINFO, libc::IPV6_RECVPKTINFO);
        self.set_flag(option, on, "IP_PKTINFO/IPV6_RECVPKTINFO")
    }

    /// Stamps each received packet with the kernel's receive time
    /// (`SO_TIMESTAMPNS`, the real-time clock, nanoseconds).
    pub fn set_timestamps(&self, on: bool) -> io::Result<()> {
        self.set_flag(
            (libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
            on,
            "SO_TIMESTAMPNS",
        )
    }

    /// Has the kernel tell, with each datagram received after a drop, how
    /// many it has dropped for this socket for a full receive queue
    /// (`SO_RXQ_OVFL`, read as [`crate::Received::drops`]): a reader
    /// learns of its losses as they happen, at no cost per datagram.
    pub fn set_report_drops(&self, on: bool) -> io::Result<()> {
        self.set_flag((libc::SOL_SOCKET, libc::SO_RXQ_OVFL), on, "SO_RXQ_OVFL")
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.set_flag((libc::SOL_SOCKET, libc::SO_BROADCAST), on, "SO_BROADCAST")
    }

    /// Makes sends and receives return `WouldBlock` instead of waiting.
    pub fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        sys::set_nonblocking(self.as_raw_fd(), on)
            .map_err(|e| self.context("cannot change O_NONBLOCK", &e))
    }

    /// Sets the receive timeout (`SO_RCVTIMEO`): how long a receive on a
    /// blocking socket waits ([`IcmpSocket::recv_batch_wait`],
    /// [`IcmpSocket::recv`]) before it fails with `WouldBlock`; zero waits
    /// for ever. Returns the timeout the kernel granted, which it keeps in
    /// scheduler ticks: `timeout` rounded up to a whole tick (1 to 10 ms,
    /// by the kernel's `HZ`). A wait may also end up to a tick early, and,
    /// past 63 ticks, up to an eighth of the timeout late (the kernel's
    /// timer wheel): ask for less than a deadline allows.
    pub fn set_recv_timeout(
        &self,
        timeout: std::time::Duration,
    ) -> io::Result<std::time::Duration> {
        sys::set_recv_timeout(self.as_raw_fd(), timeout).map_err(|e| {
            self.context(
                &format!("cannot set SO_RCVTIMEO to {} µs", timeout.as_micros()),
                &e,
            )
        })
    }

    /// Asks for a receive buffer of `bytes`: `SO_RCVBUFFORCE` when allowed
    /// (`CAP_NET_ADMIN`, so beyond `net.core.rmem_max`), else `SO_RCVBUF`
    /// (capped at `net.core.rmem_max`); the kernel doubles it either way.
    pub fn set_recv_buffer_size(&self, bytes: usize) -> io::Result<()> {
        self.set_buffer(libc::SO_RCVBUFFORCE, libc::SO_RCVBUF, bytes, "SO_RCVBUF")
    }

    /// The receive buffer size the kernel granted.
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        let what = "cannot read SO_RCVBUF";
        let value = self.get_int((libc::SOL_SOCKET, libc::SO_RCVBUF), what)?;
        usize::try_from(value).map_err(|_| out_of_range(what, value))
    }

    /// Asks for a send buffer of `bytes`: `SO_SNDBUFFORCE` when allowed
    /// (`CAP_NET_ADMIN`, so beyond `net.core.wmem_max`), else `SO_SNDBUF`
    /// (capped at `net.core.wmem_max`); the kernel doubles it either way.
    pub fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()> {
        self.set_buffer(libc::SO_SNDBUFFORCE, libc::SO_SNDBUF, bytes, "SO_SNDBUF")
    }

    /// Sets a buffer size with the `*FORCE` option (root: past the
    /// `rmem_max`/`wmem_max` cap), falling back on the plain option.
    fn set_buffer(&self, force: c_int, plain: c_int, bytes: usize, name: &str) -> io::Result<()> {
        let value = c_int::try_from(bytes).unwrap_or(c_int::MAX);
        match sys::set_option_int(self.as_raw_fd(), libc::SOL_SOCKET, force, value) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => self.set_int(
                (libc::SOL_SOCKET, plain),
                value,
                &format!("cannot set {name} to {bytes}"),
            ),
            Err(e) => Err(self.context(&format!("cannot set {name}FORCE to {bytes}"), &e)),
        }
    }

    /// The send buffer size the kernel granted.
    pub fn send_buffer_size(&self) -> io::Result<usize> {
        let what = "cannot read SO_SNDBUF";
        let value = self.get_int((libc::SOL_SOCKET, libc::SO_SNDBUF), what)?;
        usize::try_from(value).map_err(|_| out_of_range(what, value))
    }

    /// Keeps only the ICMP types in `accept` (`ICMP_FILTER` for raw
    /// ICMPv4, `ICMP6_FILTER` for raw ICMPv6); a datagram socket already
    /// gets only its own replies and errors, so for it this is an error.
    pub fn set_type_filter(&self, accept: &[u8]) -> io::Result<()> {
        if self.kind != SocketKind::Raw {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "cannot filter ICMP types on a {}: only raw sockets filter",
                    self.describe()
                ),
            ));
        }
        // Linux's filters are bitmaps of types to DROP.
        let (level, name, words) = match self.version {
            IpVersion::V4 => (libc::SOL_RAW, sys::ICMP_FILTER, 1),
            IpVersion::V6 => (libc::IPPROTO_ICMPV6, sys::ICMP6_FILTER, 8),
        };
        let mut drop_bits = vec![u32::MAX; words];
        for &t in accept {
            if let Some(word) = drop_bits.get_mut(usize::from(t / 32)) {
                *word &= !(1 << (t % 32));
            }
        }
        let bytes: Vec<u8> = drop_bits.iter().flat_map(|w| w.to_ne_bytes()).collect();
        sys::set_option_bytes(self.as_raw_fd(), level, name, &bytes).map_err(|e| {
            self.context(
                &format!("cannot set the ICMP type filter to {accept:?}"),
                &e,
            )
        })
    }

    /// Filters in the kernel on the Echo identifier (a classic BPF program,
    /// `SO_ATTACH_FILTER`): of Echo Replies and errors, only those about
    /// Echo Requests with identifier `ident` reach this socket, so a storm
    /// of other processes' ICMP datagrams never reaches user space (see
    /// `filter::echo_ident_program` for what passes; the error queue is
    /// not filtered). Raw sockets only: a
    /// ping socket is filtered by the kernel already, and this is then an
    /// error.
    pub fn filter_echo_ident(&self, ident: u16) -> io::Result<()> {
        if self.kind != SocketKind::Raw {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "cannot filter on the Echo identifier on a {}: only raw sockets filter",
                    self.describe()
                ),
            ));
        }
        let program = crate::filter::echo_ident_program(self.version, ident);
        sys::attach_filter(self.as_raw_fd(), &program).map_err(|e| {
            self.context(
                &format!("cannot attach the filter on Echo identifier {ident}"),
                &e,
            )
        })
    }

    /// [`IcmpSocket::set_type_filter`] with [`V4_REPLIES_AND_ERRORS`] or
    /// [`V6_REPLIES_AND_ERRORS`].
    pub fn accept_only_replies_and_errors(&self) -> io::Result<()> {
        self.set_type_filter(match self.version {
            IpVersion::V4 => V4_REPLIES_AND_ERRORS,
            IpVersion::V6 => V6_REPLIES_AND_ERRORS,
        })
    }

    /// The local address the socket is bound to, if any.
    pub fn local_addr(&self) -> io::Result<Option<SocketAddr>> {
        sys::local_addr(self.as_raw_fd())
            .map_err(|e| self.context("cannot read the local address", &e))
    }

    /// The identifier the kernel puts into this datagram socket's echo
    /// requests (its local "port"), known after the first send or
    /// [`IcmpSocket::bind_source`]; `None` for raw sockets and before.
    pub fn dgram_ident(&self) -> Option<u16> {
        if self.kind != SocketKind::Dgram {
            return None;
        }
        let port = self.local_addr().ok()??.port();
        (port != 0).then_some(port)
    }

    /// `addr` with port 0, checked against the socket's version.
    pub(crate) fn socket_addr(&self, addr: IpAddr) -> io::Result<SocketAddr> {
        match (self.version, addr) {
            (IpVersion::V6, IpAddr::V6(a)) if self.link_scope != 0 && crate::needs_scope(&a) => Ok(
                SocketAddr::V6(SocketAddrV6::new(a, 0, self.flow_label, self.link_scope)),
            ),
            (IpVersion::V6, IpAddr::V6(a)) if self.flow_label != 0 => {
                Ok(SocketAddr::V6(SocketAddrV6::new(a, 0, self.flow_label, 0)))
            }
            (IpVersion::V4, IpAddr::V4(_)) | (IpVersion::V6, IpAddr::V6(_)) => {
                Ok(SocketAddr::new(addr, 0))
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{addr} is not an address for this {}", self.describe()),
            )),
        }
    }

    /// Where `message` (as [`IcmpSocket::send_to`] takes it) goes to
    /// `dst`, and the bytes to hand the kernel: all of it, to port 0, but
    /// for an ordinary UDP socket, whose `message` is a UDP datagram, its
    /// payload to the header's destination port.
    pub(crate) fn outgoing<'m>(
        &self,
        message: &'m [u8],
        dst: IpAddr,
    ) -> io::Result<(&'m [u8], SocketAddr)> {
        let mut addr = self.socket_addr(dst)?;
        if !self.is_udp_datagram() {
            return Ok((message, addr));
        }
        let (Some(port), Some(payload)) = (message.get(2..4), message.get(8..)) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a UDP datagram of {} bytes has no whole header for the {}",
                    message.len(),
                    self.describe()
                ),
            ));
        };
        addr.set_port(u16::from_be_bytes([port[0], port[1]]));
        Ok((payload, addr))
    }

    /// The unspecified address of this socket's version.
    pub(crate) fn unspecified(&self) -> IpAddr {
        match self.version {
            IpVersion::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpVersion::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

/// What the kernel said, as `strerror` words it (without Rust's
/// `(os error N)`), for messages worded as iputils words them.
fn plain(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// A getsockopt value that does not fit its type.
fn out_of_range(what: &str, value: c_int) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{what}: the kernel said {value}, out of range"),
    )
}

impl AsRawFd for IcmpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for IcmpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
