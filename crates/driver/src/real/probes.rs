//! The sockets of trace probes, as every tracing front end opens them
//! (`icmpkit trace`, `icmpkit mtr`, the monitor's periodic traces).

use std::net::IpAddr;

use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_proto::machine::version_of;
use icmpkit_proto::trace::Method;

use super::{FamilyPlan, IcmpPlan, SocketOptions, SocketPlan};

/// Where and how trace probes go: what [`probe_sockets`] needs.
#[derive(Debug, Clone)]
pub struct ProbeSockets {
    /// The probe method.
    pub method: Method,
    /// The source address.
    pub src: IpAddr,
    /// The destination.
    pub dst: IpAddr,
    /// The interface to send through.
    pub interface: Option<String>,
    /// The interface a link-local destination is reached through (its
    /// scope), when it names one.
    pub link_scope: Option<u32>,
    /// The TOS or traffic class.
    pub tos: Option<u8>,
    /// Don't Fragment (a too-big probe's MTU is queued), else probes
    /// fragment.
    pub dont_fragment: bool,
    /// The unprivileged sockets (no `CAP_NET_RAW`), routers' errors read
    /// from their error queue: ICMP probes on a ping socket, UDP probes on
    /// an ordinary UDP socket bound to `udp_source_port`; else raw
    /// sockets. (TCP probes have raw sockets whatever this says.)
    pub unprivileged: bool,
    /// The source port of UDP probes on an ordinary UDP socket: every
    /// probe comes from it (one flow).
    pub udp_source_port: Option<u16>,
}

/// The sockets of trace probes (`icmpkit trace`, `icmpkit mtr`). ICMP
/// probes go out and come back on one raw ICMP socket. UDP and TCP probes
/// go out on a raw UDP or TCP socket (the kernel adds the IP header) and
/// their ICMP errors come back on a raw ICMP socket; a TCP destination's
/// SYN-ACK or RST comes back on the raw TCP socket. Unprivileged, ICMP
/// probes go out on a ping socket and UDP probes on an ordinary UDP
/// socket (the kernel adds the UDP header), and the errors about them
/// come to that socket's error queue, as traceroute's and tracepath's do.
pub fn probe_sockets(p: &ProbeSockets) -> SocketPlan {
    let receiving = SocketOptions {
        device: p.interface.clone(),
        link_scope: p.link_scope,
        timestamps: true,
        recv_ttl: true,
        ..SocketOptions::default()
    };
    let sending = SocketOptions {
        tos: p.tos,
        pmtu: Some(if p.dont_fragment {
            PmtuMode::Probe
        } else {
            PmtuMode::Dont
        }),
        source: Some(p.src),
        // A probe too big for the outgoing link: its MTU, queued.
        recv_errors: p.dont_fragment,
        // A router's error pending on the socket fails the next send: the
        // probe goes again rather than count as lost.
        resend_after_router_error: true,
        ..receiving.clone()
    };
    let family = match p.method {
        Method::Icmp if p.unprivileged => FamilyPlan::icmp(IcmpPlan::new(
            SocketChoice::Dgram,
            SocketOptions {
                recv_errors: true,
                ..sending
            },
        )),
        Method::Icmp => FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, sending)),
        Method::Udp if p.unprivileged => FamilyPlan {
            udp: Some(SocketOptions {
                recv_errors: true,
                source_port: p.udp_source_port,
                ..sending
            }),
            udp_datagram: true,
            ..FamilyPlan::default()
        },
        Method::Udp => FamilyPlan {
            icmp: Some(IcmpPlan::new(SocketChoice::Raw, receiving)),
            udp: Some(sending),
            ..FamilyPlan::default()
        },
        Method::Tcp => FamilyPlan {
            icmp: Some(IcmpPlan::new(SocketChoice::Raw, receiving)),
            tcp: Some(sending),
            ..FamilyPlan::default()
        },
    };
    SocketPlan::new().with(version_of(p.dst), family)
}
