//! A port-translating NAT on a router: the source port of UDP and TCP
//! datagrams (and the identifier of ICMP and ICMPv6 echo requests) leaving
//! towards the outside is rewritten; answers and ICMP errors quoting the
//! rewritten datagram are translated back.
//!
//! Ports are handed out in turn from [`Nat::first_port`] up to 65535 (then
//! from the first again, skipping those in use), each protocol counting on
//! its own, so tests can name them (Linux 6.x picks a random free port of
//! a masquerade's range instead). One port goes to each inside (address,
//! port): the mapping is endpoint-independent (RFC 4787 REQ-1, RFC 5508
//! for ICMP), so one inside socket keeps one outside port whatever it
//! talks to. Addresses are kept: only ports change, so the checksums are
//! updated for the one word (RFC 1624) and pseudo-headers are untouched.
//!
//! - Leaving (to [`Nat::outside`]): the source port or echo request
//!   identifier gets its mapping's port, a new mapping if none.
//! - Arriving from the outside: a destination port or echo reply
//!   identifier that is a mapping's, to that mapping's inside address,
//!   gets the inside port back; an ICMP error quoting a datagram that left
//!   gets the quoted port or identifier back, the quoted checksum and the
//!   error's checksum fixed (as Linux's conntrack does), so a traceroute
//!   through the NAT recognises its probes. The other way too: an error
//!   from the inside quoting a datagram that came in to a mapped port gets
//!   that port back in its quote.
//! - A mapping expires when unused for [`UDP_TIMEOUT`], [`ICMP_TIMEOUT`] or
//!   [`TCP_TIMEOUT`] (any translated packet refreshes it); at most
//!   [`MAX_MAPPINGS`] (or as many ports as there are from the first) are
//!   kept, the one unused longest giving way to a new one.
//! - Fragments after the first carry no transport header and pass as they
//!   are; the first is translated, which keeps the datagram's checksum
//!   right (Linux reassembles before its NAT and cuts again after).

mod rewrite;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::ip::protocol;

use crate::topology::Nat;
use rewrite::{Found, Port};

/// How long an unused UDP mapping lives (Linux's
/// `nf_conntrack_udp_timeout`).
pub(crate) const UDP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an unused ICMP echo mapping lives (Linux's
/// `nf_conntrack_icmp_timeout`).
pub(crate) const ICMP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an unused TCP mapping lives: Linux's
/// `nf_conntrack_tcp_timeout_syn_sent`, for TCP state is not followed.
pub(crate) const TCP_TIMEOUT: Duration = Duration::from_mins(2);
/// The most mappings a table keeps.
pub(crate) const MAX_MAPPINGS: usize = 4096;

/// An inside socket: protocol, address and port (or echo identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Inside {
    protocol: u8,
    addr: IpAddr,
    port: u16,
}

/// The outside port of a mapping and when it was last used.
#[derive(Debug, Clone, Copy)]
struct Mapping {
    port: u16,
    used: Instant,
}

/// The inside socket a port names.
fn inside_of(port: &Port) -> Inside {
    Inside {
        protocol: port.protocol,
        addr: port.addr,
        port: port.value,
    }
}

/// One router's translations.
#[derive(Debug, Clone)]
pub(crate) struct NatTable {
    config: Nat,
    by_inside: BTreeMap<Inside, Mapping>,
    /// (protocol, outside port) to the inside socket.
    by_outside: BTreeMap<(u8, u16), Inside>,
    /// The next port to try, by protocol.
    next: BTreeMap<u8, u16>,
}

impl NatTable {
    /// An empty table.
    pub(crate) fn new(config: Nat) -> Self {
        Self {
            config,
            by_inside: BTreeMap::new(),
            by_outside: BTreeMap::new(),
            next: BTreeMap::new(),
        }
    }

    /// The neighbour on the outside.
    pub(crate) fn outside(&self) -> crate::NodeId {
        self.config.outside
    }

    /// Translates a datagram leaving towards the outside at `now`
    /// (checksums updated): a source port or echo request identifier gets
    /// its mapping's port, mapped now if need be; an ICMP error quoting a
    /// datagram that came in translated gets the port it came in to back.
    /// Anything else passes as it is.
    pub(crate) fn outbound(&mut self, now: Instant, packet: &mut [u8]) {
        match rewrite::leaving(packet) {
            Some(Found::Direct(port)) => {
                let outside = self.map(now, inside_of(&port));
                rewrite::rewrite(packet, &port, outside);
            }
            Some(Found::Quoted { port, outer }) => {
                if let Some(outside) = self.mapped(now, &inside_of(&port)) {
                    let changed = rewrite::rewrite(packet, &port, outside);
                    rewrite::update_sum(packet, outer, &changed);
                }
            }
            None => {}
        }
    }

    /// Translates a datagram that came from the outside at `now` back (an
    /// answer, or an ICMP error quoting a translated datagram).
    pub(crate) fn inbound(&mut self, now: Instant, packet: &mut [u8]) {
        match rewrite::arriving(packet) {
            Some(Found::Direct(port)) => {
                if let Some(inside) = self.find(now, &port) {
                    rewrite::rewrite(packet, &port, inside);
                }
            }
            Some(Found::Quoted { port, outer }) => {
                if let Some(inside) = self.find(now, &port) {
                    let changed = rewrite::rewrite(packet, &port, inside);
                    rewrite::update_sum(packet, outer, &changed);
                }
            }
            None => {}
        }
    }

    /// The outside port of `inside`'s live mapping, which is used now.
    fn mapped(&mut self, now: Instant, inside: &Inside) -> Option<u16> {
        let mapping = self.by_inside.get_mut(inside)?;
        if now.saturating_duration_since(mapping.used) >= timeout(inside.protocol) {
            self.forget(inside);
            return None;
        }
        mapping.used = now;
        Some(mapping.port)
    }

    /// The inside port of the live mapping `port` (an outside port to
    /// `port.addr`) names, which is used now.
    fn find(&mut self, now: Instant, port: &Port) -> Option<u16> {
        let inside = *self.by_outside.get(&(port.protocol, port.value))?;
        if inside.addr != port.addr {
            return None;
        }
        self.mapped(now, &inside)?;
        Some(inside.port)
    }

    /// The outside port of `inside`, mapped now if it was not.
    fn map(&mut self, now: Instant, inside: Inside) -> u16 {
        if let Some(port) = self.mapped(now, &inside) {
            return port;
        }
        self.expire(now);
        if self.by_inside.len() >= self.capacity() {
            self.evict();
        }
        let port = self.free_port(inside.protocol);
        self.by_inside.insert(inside, Mapping { port, used: now });
        self.by_outside.insert((inside.protocol, port), inside);
        port
    }

    /// The next port of `protocol` from its cursor that is not in use.
    /// One is free: there are fewer mappings than ports from the first.
    fn free_port(&mut self, protocol: u8) -> u16 {
        let first = first_port(&self.config);
        let next = self.next.entry(protocol).or_insert(first);
        loop {
            let port = *next;
            *next = if port == u16::MAX { first } else { port + 1 };
            if !self.by_outside.contains_key(&(protocol, port)) {
                return port;
            }
        }
    }

    /// How many mappings the table keeps.
    fn capacity(&self) -> usize {
        let ports = usize::from(u16::MAX - first_port(&self.config)) + 1;
        MAX_MAPPINGS.min(ports)
    }

    /// Forgets the mappings unused for their timeout.
    fn expire(&mut self, now: Instant) {
        let idle: Vec<Inside> = self
            .by_inside
            .iter()
            .filter(|(i, m)| now.saturating_duration_since(m.used) >= timeout(i.protocol))
            .map(|(i, _)| *i)
            .collect();
        for inside in idle {
            self.forget(&inside);
        }
    }

    /// Forgets the mapping unused longest.
    fn evict(&mut self) {
        let oldest = self
            .by_inside
            .iter()
            .min_by_key(|(_, m)| m.used)
            .map(|(i, _)| *i);
        if let Some(inside) = oldest {
            self.forget(&inside);
        }
    }

    fn forget(&mut self, inside: &Inside) {
        if let Some(m) = self.by_inside.remove(inside) {
            self.by_outside.remove(&(inside.protocol, m.port));
        }
    }

    /// How many mappings are live (or expired but not yet forgotten).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_inside.len()
    }
}

/// The first port handed out (port 0 is never).
fn first_port(config: &Nat) -> u16 {
    config.first_port.max(1)
}

/// How long an unused mapping of `protocol` lives.
fn timeout(protocol: u8) -> Duration {
    match protocol {
        protocol::TCP => TCP_TIMEOUT,
        protocol::UDP => UDP_TIMEOUT,
        _ => ICMP_TIMEOUT,
    }
}

#[cfg(test)]
pub(crate) mod tests;
