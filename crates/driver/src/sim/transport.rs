//! The simulated network as a [`Transport`]: sending builds the IP header
//! as the local kernel would, waiting moves the virtual clock, receiving
//! hands over what reached the local host as its sockets would.

use std::net::IpAddr;
use std::time::Instant;

use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, SendFailure, SocketError, Transmit,
};
use icmpkit_wire::ip::protocol;
use icmpkit_wire::{IpVersion, quote};

use icmpkit_netsim::packet::{self, Header, Outer};

use super::network::{Arrival, ErrorDelivery, Fragmentation, Network, channel_of};
use crate::transport::{Delivery, Transport, TransportError};

/// Linux's errno values, as a real transport reports them.
pub use icmpkit_proto::errno;

/// The TTL / hop limit of a datagram whose transmit names none (Linux's
/// `ip_default_ttl`).
pub const DEFAULT_HOP_LIMIT: u8 = 64;

impl Network {
    /// Refuses a send, with `mtu` explaining an `EMSGSIZE` first.
    fn refuse(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        errno: i32,
        mtu: Option<u16>,
        sink: &mut dyn FnMut(Delivery<'_>),
    ) {
        self.counters.refused += 1;
        if let Some(mtu) = mtu {
            self.counters.delivered += 1;
            sink(Delivery::Input(Input::SocketError(SocketError {
                channel: transmit.channel,
                source: ErrorSource::Local,
                errno,
                icmp_type: 0,
                icmp_code: 0,
                info: u32::from(mtu),
                offender: None,
                dst: Some(transmit.dst),
                port: None,
                hop_limit: None,
                read_at: self.now,
                kernel_at: None,
                original: bytes,
            })));
        }
        sink(Delivery::Refused(SendFailure {
            tag: transmit.tag,
            dst: transmit.dst,
            errno,
            explained: mtu.is_some(),
        }));
    }

    /// Hands one arrival to `sink` as the local host's sockets would.
    fn hand_over(&mut self, arrival: &Arrival, sink: &mut dyn FnMut(Delivery<'_>)) {
        let Some(header) = Header::parse(&arrival.packet) else {
            return;
        };
        let Some(payload) = arrival.packet.get(header.transport_at..) else {
            return;
        };
        let datagram = |channel| {
            Delivery::Input(Input::Datagram(Datagram {
                channel,
                from: header.src,
                hop_limit: Some(header.hop_limit),
                read_at: arrival.at,
                kernel_at: Some(arrival.at),
                bytes: payload,
                ip_options: &[],
            }))
        };
        if !is_icmp_error(&header, payload) {
            if let Some(channel) = channel_of(header.protocol) {
                self.counters.delivered += 1;
                sink(datagram(channel));
            }
            return;
        }
        if self.options.errors != ErrorDelivery::Queued {
            self.counters.delivered += 1;
            sink(datagram(Channel::Icmp));
        }
        if self.options.errors != ErrorDelivery::Datagram
            && let Some(error) = queued_error(&header, payload, arrival.at)
        {
            self.counters.delivered += 1;
            sink(Delivery::Input(Input::SocketError(error)));
        }
    }
}

/// The IP version of an address.
fn version(addr: IpAddr) -> IpVersion {
    match addr {
        IpAddr::V4(_) => IpVersion::V4,
        IpAddr::V6(_) => IpVersion::V6,
    }
}

/// Whether `message` (after `header`) is an ICMP error.
fn is_icmp_error(header: &Header, message: &[u8]) -> bool {
    header.is_icmp()
        && message.first().is_some_and(|&t| match version(header.src) {
            IpVersion::V4 => matches!(t, 3 | 4 | 5 | 11 | 12),
            IpVersion::V6 => t < 128,
        })
}

/// What a socket with `IP_RECVERR` queues about the ICMP error `message`
/// (`None` when its quote is unreadable or of a protocol no channel has).
fn queued_error<'a>(header: &Header, message: &'a [u8], at: Instant) -> Option<SocketError<'a>> {
    let (&msg_type, rest) = message.split_first()?;
    let &code = rest.first()?;
    let version = version(header.src);
    let word = message
        .get(4..8)
        .map_or(0, |w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    let info = match (version, msg_type, code) {
        (IpVersion::V4, 3, 4) => word & 0xffff,
        (IpVersion::V4, 12, _) => word >> 24,
        (IpVersion::V6, 2 | 4, _) => word,
        _ => 0,
    };
    let errno = errno_of(version, msg_type, code);
    let quote = quote::parse(message.get(8..)?, version).ok()?;
    Some(SocketError {
        channel: channel_of(quote.ip.protocol())?,
        source: ErrorSource::Icmp,
        errno,
        icmp_type: msg_type,
        icmp_code: code,
        info,
        offender: Some(header.src),
        dst: Some(quote.ip.dst()),
        port: None,
        hop_limit: None,
        read_at: at,
        kernel_at: None,
        original: quote.payload,
    })
}

/// The errno Linux maps an ICMP error to (`icmp_err_convert`,
/// `icmpv6_err_convert`).
fn errno_of(version: IpVersion, msg_type: u8, code: u8) -> i32 {
    use errno::{
        EACCES, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EMSGSIZE, ENETUNREACH, ENONET, ENOPROTOOPT,
        EOPNOTSUPP, EPROTO,
    };
    match (version, msg_type) {
        (IpVersion::V4, 3) => match code {
            0 | 6 | 9 | 11 => ENETUNREACH,
            2 => ENOPROTOOPT,
            3 => ECONNREFUSED,
            4 => EMSGSIZE,
            5 => EOPNOTSUPP,
            7 => EHOSTDOWN,
            8 => ENONET,
            _ => EHOSTUNREACH,
        },
        (IpVersion::V4, 12) | (IpVersion::V6, 4) => EPROTO,
        (IpVersion::V6, 1) => match code {
            0 => ENETUNREACH,
            1 | 5 | 6 => EACCES,
            4 => ECONNREFUSED,
            _ => EHOSTUNREACH,
        },
        (IpVersion::V6, 2) => EMSGSIZE,
        _ => EHOSTUNREACH,
    }
}

impl Transport for Network {
    fn now(&mut self) -> Instant {
        self.now
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        let dst = transmit.dst;
        let (Some(src), Some(mtu)) = (self.source_for(dst), self.route_to(dst)) else {
            self.refuse(transmit, bytes, errno::ENETUNREACH, None, sink);
            return Ok(());
        };
        let v6 = dst.is_ipv6();
        let proto = match transmit.channel {
            Channel::Icmp => packet::icmp_protocol(dst),
            Channel::Udp => protocol::UDP,
            Channel::Tcp => protocol::TCP,
        };
        let mut payload = bytes.to_vec();
        if let Some(ident) = self.options.ping_socket
            && transmit.channel == Channel::Icmp
            && payload.len() >= 8
        {
            payload[4..6].copy_from_slice(&ident.to_be_bytes());
            if !v6 {
                payload[2..4].fill(0);
                let sum = icmpkit_wire::checksum::checksum(&payload);
                payload[2..4].copy_from_slice(&sum.to_be_bytes());
            }
        }
        if v6
            && transmit.channel == Channel::Icmp
            && payload.len() >= 4
            && let Some(addrs) = icmpkit_wire::ip::AddressPair::new(src, dst)
        {
            // The kernel computes every ICMPv6 checksum itself.
            payload[2..4].fill(0);
            let sum = addrs.sum(protocol::ICMPV6, &payload).checksum();
            payload[2..4].copy_from_slice(&sum.to_be_bytes());
        }
        let dont_frag = self.options.fragmentation == Fragmentation::DontFragment;
        let ident = self.next_ident();
        let outer = Outer {
            src,
            dst,
            protocol: proto,
            hop_limit: transmit.hop_limit.unwrap_or(DEFAULT_HOP_LIMIT),
            ident,
            dont_frag,
        };
        let Some(packet) = packet::ip_packet(&outer, &payload) else {
            self.refuse(transmit, bytes, errno::EMSGSIZE, Some(mtu), sink);
            return Ok(());
        };
        if dont_frag && packet.len() > usize::from(mtu) {
            self.refuse(transmit, bytes, errno::EMSGSIZE, Some(mtu), sink);
            return Ok(());
        }
        if v6 && packet.len() > usize::from(mtu) {
            // IPv6 routers never fragment: the kernel cuts its own datagram
            // to the first link's MTU (`ip6_fragment`, as a socket does
            // with `IPV6_PMTUDISC_WANT` or `DONT` and no `IPV6_DONTFRAG`).
            let fragments = icmpkit_netsim::fragment_v6(&packet, mtu, u32::from(ident));
            if fragments.is_empty() {
                self.refuse(transmit, bytes, errno::EMSGSIZE, Some(mtu), sink);
                return Ok(());
            }
            self.counters.sent += 1;
            for fragment in fragments {
                self.engine.inject(self.now, self.attachment, fragment);
            }
            return Ok(());
        }
        self.counters.sent += 1;
        self.engine.inject(self.now, self.attachment, packet);
        Ok(())
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        if !self.inbox.is_empty() {
            return Ok(());
        }
        while let Some(at) = self.engine.next_due().filter(|&at| at <= deadline) {
            self.now = self.now.max(at);
            // Everything due at this instant, arrivals at the local host
            // among them.
            self.advance(self.now);
            if !self.inbox.is_empty() {
                return Ok(());
            }
        }
        self.now = self.now.max(deadline);
        Ok(())
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        while let Some(arrival) = self.inbox.pop_front() {
            self.hand_over(&arrival, sink);
        }
        Ok(())
    }
}
