//! How a host answers datagrams addressed to it, as Linux builds the
//! answers: Echo Reply, extended echo, Port Unreachable, SYN-ACK or RST.

use std::net::IpAddr;

use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::{checksum, tcp, udp};

use crate::errors::ErrorKind;
use crate::extended_echo::{self, Interface};
use crate::packet::{Header, Outer, icmp_protocol, ip_packet};
use crate::rng::mix;
use crate::topology::{Answers, TcpAnswer, UdpAnswer, Unreachable};

/// What a host sends back for `packet` (a whole IP packet addressed to it):
/// an Echo Reply, a Port Unreachable, a SYN-ACK or RST, or nothing. The
/// error, if it is one, is reported so the caller can rate-limit it.
pub(crate) enum HostAnswer {
    /// An Echo Reply or TCP segment.
    Reply(Vec<u8>),
    /// An ICMP error (Port Unreachable) to build, limit and send.
    Error(ErrorKind),
}

/// The answer of a node answering as `host` (with this interface table
/// for extended echo) to `packet`, addressed to it.
pub(crate) fn host_answer(
    host: &Answers,
    interfaces: &[Interface],
    header: &Header,
    packet: &[u8],
) -> Option<HostAnswer> {
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
    // A datagram whose checksum does not verify is dropped unanswered, as
    // Linux's icmp_rcv, udp_rcv and tcp_v4_rcv do.
    if !checksum_verifies(header, payload, &addrs) {
        return None;
    }
    match header.protocol {
        p if p == icmp_protocol(header.dst) => {
            if !host.echo {
                return None;
            }
            // Linux answers from its ICMP socket, which is set to
            // IP_PMTUDISC_DONT: Don't Fragment clear, so a reply that
            // does not fit is fragmented.
            let outer = Outer {
                dont_frag: false,
                ..outer
            };
            if matches!(payload.first(), Some(42 | 160)) {
                let reply = extended_echo::reply(
                    host.extended_echo,
                    interfaces,
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
            // Any code: Linux copies the request's header, code included.
            if payload.len() < 8 || payload[0] != request {
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
            UdpAnswer::PortUnreachable => {
                Some(HostAnswer::Error(ErrorKind::Unreachable(Unreachable::PORT)))
            }
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
pub(crate) fn addr_bits(addr: IpAddr) -> u64 {
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

/// Whether the ICMP, UDP or TCP checksum of `payload` verifies (the
/// pseudo-header's sum is the same in either direction, so the answer's
/// address pair serves); other protocols have none to check.
fn checksum_verifies(header: &Header, payload: &[u8], addrs: &AddressPair) -> bool {
    match header.protocol {
        protocol::ICMP if header.dst.is_ipv4() => checksum::is_valid(payload),
        protocol::ICMPV6 => addrs.sum(protocol::ICMPV6, payload).is_valid(),
        protocol::UDP => udp::Packet::new_checked(payload).is_ok_and(|u| u.verify_checksum(addrs)),
        protocol::TCP => tcp::Packet::new_checked(payload).is_ok_and(|t| t.verify_checksum(addrs)),
        _ => true,
    }
}
