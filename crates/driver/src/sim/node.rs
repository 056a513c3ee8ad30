//! What a node does with a packet: the IP header a datagram gets, a router's
//! errors (built by `icmpkit_wire::generate`, as a router must), a host's
//! answers as Linux builds them, the flow hash of ECMP, and Linux's ICMP
//! rate limit.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::extension::{MplsLabel, ObjectRepr};
use icmpkit_wire::generate::{self, Context, Icmpv4Error, Icmpv6Error, Options};
use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::{checksum, icmpv4, icmpv6, ipv4, ipv6, tcp};

use super::extended_echo;
use super::rng::mix;
use super::topology::{Host, TcpAnswer, UdpAnswer, Unreachable};

/// The fields of an IP header the simulation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) protocol: u8,
    pub(crate) hop_limit: u8,
    pub(crate) dont_frag: bool,
    pub(crate) flow_label: u32,
    pub(crate) transport_at: usize,
}

impl Header {
    /// Reads the header of a packet the simulation built (`None` for
    /// anything unreadable, which the simulation then drops).
    pub(crate) fn parse(packet: &[u8]) -> Option<Self> {
        match packet.first()? >> 4 {
            4 => {
                let view = ipv4::Packet::new_checked(packet).ok()?;
                Some(Self {
                    src: view.src_addr().into(),
                    dst: view.dst_addr().into(),
                    protocol: view.protocol(),
                    hop_limit: view.ttl(),
                    dont_frag: view.dont_frag(),
                    flow_label: 0,
                    transport_at: view.header_len(),
                })
            }
            6 => {
                let view = ipv6::Packet::new_checked(packet).ok()?;
                Some(Self {
                    src: view.src_addr().into(),
                    dst: view.dst_addr().into(),
                    protocol: view.next_header(),
                    hop_limit: view.hop_limit(),
                    // IPv6 routers never fragment.
                    dont_frag: true,
                    flow_label: view.flow_label(),
                    transport_at: ipv6::HEADER_LEN,
                })
            }
            _ => None,
        }
    }

    /// Whether this is an ICMP (v4 or v6) packet.
    pub(crate) fn is_icmp(&self) -> bool {
        self.protocol == icmp_protocol(self.dst)
    }
}

/// The ICMP protocol number of `addr`'s family.
pub(crate) fn icmp_protocol(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => protocol::ICMP,
        IpAddr::V6(_) => protocol::ICMPV6,
    }
}

/// The settings of an IP header the simulation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outer {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    pub(crate) protocol: u8,
    pub(crate) hop_limit: u8,
    pub(crate) ident: u16,
    pub(crate) dont_frag: bool,
}

/// Puts an IP header (no options, traffic class 0, flow label 0) before
/// `payload`; `None` when the addresses are of two families or the payload
/// does not fit one datagram.
pub(crate) fn ip_packet(outer: &Outer, payload: &[u8]) -> Option<Vec<u8>> {
    match (outer.src, outer.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let repr = ipv4::Repr {
                src_addr: src,
                dst_addr: dst,
                protocol: outer.protocol,
                payload_len: payload.len(),
                ttl: outer.hop_limit,
                dscp: 0,
                ecn: 0,
                ident: outer.ident,
                dont_frag: outer.dont_frag,
                more_frags: false,
                frag_offset: 0,
                options: &[],
            };
            if repr.buffer_len() > usize::from(u16::MAX) {
                return None;
            }
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv4::Packet::new_unchecked(&mut out[..]));
            out[ipv4::HEADER_LEN..].copy_from_slice(payload);
            Some(out)
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            if payload.len() > usize::from(u16::MAX) {
                return None;
            }
            let repr = ipv6::Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: outer.protocol,
                payload_len: payload.len(),
                hop_limit: outer.hop_limit,
                traffic_class: 0,
                flow_label: 0,
            };
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv6::Packet::new_unchecked(&mut out[..]));
            out[ipv6::HEADER_LEN..].copy_from_slice(payload);
            Some(out)
        }
        _ => None,
    }
}

/// Lowers the TTL / hop limit by one as a router forwarding the packet does
/// (the IPv4 header checksum refilled).
pub(crate) fn decrement_hop_limit(packet: &mut [u8]) {
    match packet.first().map(|b| b >> 4) {
        Some(4) if packet.len() >= ipv4::HEADER_LEN => {
            let mut view = ipv4::Packet::new_unchecked(packet);
            let ttl = view.ttl().saturating_sub(1);
            view.set_ttl(ttl);
            view.fill_checksum();
        }
        Some(6) if packet.len() >= ipv6::HEADER_LEN => {
            let mut view = ipv6::Packet::new_unchecked(packet);
            let hop_limit = view.hop_limit().saturating_sub(1);
            view.set_hop_limit(hop_limit);
        }
        _ => {}
    }
}

/// An ICMP error a node sends about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Time Exceeded in transit.
    TimeExceeded,
    /// Destination Unreachable.
    Unreachable(Unreachable),
    /// Fragmentation Needed (ICMPv4) or Packet Too Big (ICMPv6).
    TooBig(u16),
}

impl ErrorKind {
    /// Whether Linux's rate limit spares it (the path MTU errors).
    pub(crate) fn exempt_from_rate_limit(self) -> bool {
        matches!(self, Self::TooBig(_))
    }
}

/// Builds the error `kind` about `offending` (a whole IP packet as the node
/// received it) from `from`, with this TTL and, on a Time Exceeded, these
/// MPLS labels. `None` when a rule of `generate` forbids it or `from` is of
/// the other family.
pub(crate) fn error_packet(
    offending: &[u8],
    kind: ErrorKind,
    from: IpAddr,
    hop_limit: u8,
    ident: u16,
    mpls: &[MplsLabel],
) -> Option<Vec<u8>> {
    let objects = [ObjectRepr::Mpls(mpls)];
    let extensions: &[ObjectRepr<'_>] = if mpls.is_empty() || kind != ErrorKind::TimeExceeded {
        &[]
    } else {
        &objects
    };
    let options = Options {
        hop_limit,
        ident,
        flow_label: 0,
        extensions,
    };
    let mut out = vec![0; generate::MAX_ICMPV6_ERROR_LEN];
    let len = match from {
        IpAddr::V4(source) => {
            let error = match kind {
                ErrorKind::TimeExceeded => Icmpv4Error::TimeExceeded {
                    code: icmpv4::TimeExceeded::TtlExceededInTransit,
                },
                ErrorKind::Unreachable(code) => Icmpv4Error::DestinationUnreachable {
                    code: code.v4,
                    next_hop_mtu: 0,
                },
                ErrorKind::TooBig(mtu) => Icmpv4Error::DestinationUnreachable {
                    code: icmpv4::DestinationUnreachable::FragmentationNeeded,
                    next_hop_mtu: mtu,
                },
            };
            generate::build_v4(
                offending,
                error,
                source,
                Context::default(),
                &options,
                &mut out,
            )
        }
        IpAddr::V6(source) => {
            let error = match kind {
                ErrorKind::TimeExceeded => Icmpv6Error::TimeExceeded {
                    code: icmpv6::TimeExceeded::HopLimitExceeded,
                },
                ErrorKind::Unreachable(code) => {
                    Icmpv6Error::DestinationUnreachable { code: code.v6 }
                }
                ErrorKind::TooBig(mtu) => Icmpv6Error::PacketTooBig {
                    mtu: u32::from(mtu),
                },
            };
            generate::build_v6(
                offending,
                error,
                source,
                Context::default(),
                &options,
                &mut out,
            )
        }
    }
    .ok()?;
    out.truncate(len);
    Some(out)
}

/// What a host sends back for `packet` (a whole IP packet addressed to it):
/// an Echo Reply, a Port Unreachable, a SYN-ACK or RST, or nothing. The
/// error, if it is one, is reported so the caller can rate-limit it.
pub(crate) enum HostAnswer {
    /// An Echo Reply or TCP segment.
    Reply(Vec<u8>),
    /// An ICMP error (Port Unreachable).
    Error(Vec<u8>),
}

/// The answer of `host` to `packet`, addressed to it.
pub(crate) fn host_answer(host: Host, header: &Header, packet: &[u8]) -> Option<HostAnswer> {
    let payload = packet.get(header.transport_at..)?;
    let outer = Outer {
        src: header.dst,
        dst: header.src,
        protocol: header.protocol,
        hop_limit: host.initial_ttl,
        ident: 0,
        dont_frag: true,
    };
    let addrs = AddressPair::new(outer.src, outer.dst)?;
    match header.protocol {
        p if p == icmp_protocol(header.dst) => {
            if !host.echo {
                return None;
            }
            if matches!(payload.first(), Some(42 | 160)) {
                let reply = extended_echo::reply(
                    host.extended_echo,
                    host.interfaces,
                    payload,
                    header.src,
                    header.dst,
                )?;
                return ip_packet(&outer, &reply).map(HostAnswer::Reply);
            }
            let (request, reply) = match header.dst {
                IpAddr::V4(_) => (8, 0),
                IpAddr::V6(_) => (128, 129),
            };
            if payload.len() < 8 || payload[0] != request || payload[1] != 0 {
                return None;
            }
            // The kernel copies identifier, sequence number and data.
            let mut message = payload.to_vec();
            message[0] = reply;
            message[2..4].fill(0);
            let sum = match header.dst {
                IpAddr::V4(_) => checksum::checksum(&message),
                IpAddr::V6(_) => addrs.sum(protocol::ICMPV6, &message).checksum(),
            };
            message[2..4].copy_from_slice(&sum.to_be_bytes());
            ip_packet(&outer, &message).map(HostAnswer::Reply)
        }
        protocol::UDP => match host.udp {
            UdpAnswer::PortUnreachable => error_packet(
                packet,
                ErrorKind::Unreachable(Unreachable::PORT),
                header.dst,
                host.initial_ttl,
                0,
                &[],
            )
            .map(HostAnswer::Error),
            UdpAnswer::Silent => None,
        },
        protocol::TCP => {
            let syn = tcp::Packet::new_checked(payload).ok()?;
            if !syn.has_flags(tcp::flags::SYN) || syn.has_flags(tcp::flags::ACK) {
                return None;
            }
            let (seq_number, ack_number, flags, window_len, options): (u32, u32, u16, u16, &[u8]) =
                match host.tcp {
                    TcpAnswer::Silent => return None,
                    // A SYN-ACK acknowledges the SYN alone (data is not
                    // accepted before the handshake ends).
                    TcpAnswer::SynAck => (
                        isn(header, syn.src_port(), syn.dst_port()),
                        syn.seq_number().wrapping_add(1),
                        tcp::flags::SYN | tcp::flags::ACK,
                        64_240,
                        &[2, 4, 0x05, 0xb4],
                    ),
                    // Linux's reset to a SYN without ACK: sequence 0,
                    // acknowledging the SYN and its data.
                    TcpAnswer::Rst => {
                        let len = u32::try_from(syn.payload().len()).unwrap_or(0);
                        (
                            0,
                            syn.seq_number().wrapping_add(1).wrapping_add(len),
                            tcp::flags::RST | tcp::flags::ACK,
                            0,
                            &[],
                        )
                    }
                };
            let repr = tcp::Repr {
                src_port: syn.dst_port(),
                dst_port: syn.src_port(),
                seq_number,
                ack_number,
                flags,
                window_len,
                urgent_at: 0,
                options,
                payload: &[],
            };
            let mut segment = vec![0; repr.buffer_len()];
            repr.emit(&mut tcp::Packet::new_unchecked(&mut segment[..]), &addrs);
            ip_packet(&outer, &segment).map(HostAnswer::Reply)
        }
        _ => None,
    }
}

/// A deterministic initial sequence number for a SYN-ACK.
fn isn(header: &Header, src_port: u16, dst_port: u16) -> u32 {
    let key = addr_bits(header.src)
        ^ addr_bits(header.dst).rotate_left(17)
        ^ (u64::from(src_port) << 16 | u64::from(dst_port));
    // The low 32 bits of the mix.
    #[allow(clippy::cast_possible_truncation)]
    let isn = mix(key) as u32;
    isn
}

/// An address folded to 64 bits.
fn addr_bits(addr: IpAddr) -> u64 {
    match addr {
        IpAddr::V4(a) => u64::from(u32::from(a)),
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            // Both halves, folded.
            #[allow(clippy::cast_possible_truncation)]
            let folded = (bits >> 64) as u64 ^ bits as u64;
            folded
        }
    }
}

/// The hash an ECMP router computes over a packet's flow, salted per hop:
/// addresses, protocol (and IPv6 flow label), and the UDP/TCP ports or the
/// ICMP checksum and identifier.
pub(crate) fn flow_hash(header: &Header, packet: &[u8], salt: u64) -> u64 {
    let transport = packet.get(header.transport_at..).unwrap_or(&[]);
    let word = |range: std::ops::Range<usize>| {
        transport.get(range).map_or(0, |b| {
            b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
        })
    };
    let ports = if header.is_icmp() {
        // Checksum and identifier (bytes 2..6).
        word(2..6)
    } else if matches!(header.protocol, protocol::UDP | protocol::TCP) {
        word(0..4)
    } else {
        0
    };
    let mut h = mix(salt ^ addr_bits(header.src));
    h = mix(h ^ addr_bits(header.dst));
    h = mix(h ^ (u64::from(header.protocol) << 32 | u64::from(header.flow_label)));
    mix(h ^ ports)
}

/// How often Linux's `icmp_ratelimit` lets an error through.
const RATE_INTERVAL: Duration = Duration::from_secs(1);
/// How many errors Linux's limit lets through in a burst
/// (`XRLIM_BURST_FACTOR`).
const RATE_BURST: u32 = 6;

/// Linux's per-peer ICMP error limit (`inet_peer_xrlim_allow`): a bucket of
/// [`RATE_BURST`] intervals, refilled with elapsed time, starting full;
/// each error takes one interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TokenBucket {
    tokens: Duration,
    last: Option<Instant>,
}

impl TokenBucket {
    /// Whether an error may go at `now` (taking a token if so).
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        let full = RATE_INTERVAL * RATE_BURST;
        let elapsed = self
            .last
            .map_or(full, |last| now.saturating_duration_since(last));
        self.last = Some(now);
        self.tokens = (self.tokens + elapsed).min(full);
        if self.tokens >= RATE_INTERVAL {
            self.tokens -= RATE_INTERVAL;
            true
        } else {
            false
        }
    }
}
