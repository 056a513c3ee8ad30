//! Errors about packets never sent (RFC 5927's blind attacks): every IP
//! packet's flow is remembered as seen leaving its source, and an error
//! whose quote names a flow never seen is forged — but only when the
//! capture saw the same source send the same protocol to the same
//! destination: a capture that holds none of that traffic (it started
//! later, or was filtered to `icmp`, as captures for the guard often are)
//! proves nothing about what was sent. That is also what a blind attack
//! aims at: a real pair's connection, with guessed ports.
//!
//! A flow is the quoted packet's (source, destination, protocol) and its
//! ports (UDP, TCP) or its ICMP type and identifier: what every packet of
//! a connection, a ping or a traceroute probe shares, read by the same
//! lax parser for the packets sent ([`quote::parse`] of the whole packet)
//! and for the quotes, so both sides agree. Quotes that do not reach the
//! ports (a non-first fragment, 8 bytes missing) are not judged, nor
//! quoted tunnel packets: front ends hand the guard the innermost packet
//! of a tunnel, so the tunnel's own flow is never seen leaving.
//!
//! Every packet is remembered, so the tables are [`Recent`] tables, a
//! fingerprint per slot, not LRU maps: per flow 8 bytes, in a table of
//! [`Settings::flows`](super::Settings::flows) slots (256 KiB at the
//! default 32,768); per pair 16 bytes and its packet count, in one of
//! [`Settings::pairs`](super::Settings::pairs) (256 KiB at 16,384). A
//! run of packets of one flow, or of two alternating, touches neither
//! table after the first.

use core::net::IpAddr;

use icmpkit_wire::IpVersion;
use icmpkit_wire::quote::{self, Quote, QuotedTransport};

use super::type_name;
use crate::bounded::Recent;
use crate::detect::{Alerts, Detection, Evidence, Finding, Severity};
use crate::observe::Seen;

/// What the packets of one flow share, one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Flow {
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    /// UDP/TCP source port, or the ICMP type.
    a: u16,
    /// UDP/TCP destination port, or the ICMP identifier (bytes 4-5).
    b: u16,
    /// What `a` and `b` hold.
    kind: FlowKind,
}

/// How a flow's two numbers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FlowKind {
    Ports,
    Icmp,
    Other,
}

/// IP protocols the capture's tunnel walk follows (IPv4 and IPv6 in IP,
/// GRE, PIM Register, MPLS in IP), and its UDP tunnel ports (VXLAN,
/// Geneve, MPLS over UDP): see `icmpkit_capture::encap`.
const TUNNEL_PROTOCOLS: [u8; 5] = [4, 41, 47, 103, 137];
const TUNNEL_PORTS: [u16; 3] = [4789, 6081, 6635];

impl Flow {
    /// Its source, destination and protocol.
    fn pair(&self) -> Pair {
        (self.src, self.dst, self.protocol)
    }

    /// Whether the flow is a tunnel whose inner packets are what the
    /// guard sees.
    fn is_tunnel(&self) -> bool {
        TUNNEL_PROTOCOLS.contains(&self.protocol)
            || (self.protocol == 17
                && (TUNNEL_PORTS.contains(&self.a) || TUNNEL_PORTS.contains(&self.b)))
    }

    /// The flow of a (quoted or sent) packet, when its transport header
    /// was read.
    pub(super) fn of(quote: &Quote<'_>) -> Option<Self> {
        let (a, b, kind) = match quote.transport? {
            QuotedTransport::Udp {
                src_port, dst_port, ..
            }
            | QuotedTransport::Tcp {
                src_port, dst_port, ..
            } => (src_port, dst_port, FlowKind::Ports),
            QuotedTransport::Icmp {
                msg_type, ident, ..
            } => (u16::from(msg_type), ident, FlowKind::Icmp),
            QuotedTransport::Other { .. } => (0, 0, FlowKind::Other),
        };
        Some(Self {
            src: quote.ip.src(),
            dst: quote.ip.dst(),
            protocol: quote.ip.protocol(),
            a,
            b,
            kind,
        })
    }

    /// The flow in words ("UDP 192.0.2.10 port 40000 to 198.51.100.2 port 53").
    fn describe(&self) -> String {
        let (src, dst) = (self.src, self.dst);
        match self.kind {
            FlowKind::Ports => {
                let name = match self.protocol {
                    6 => "TCP",
                    17 => "UDP",
                    _ => "transport",
                };
                format!("{name} from {src} port {} to {dst} port {}", self.a, self.b)
            }
            FlowKind::Icmp => format!(
                "ICMP type {} (identifier {}) from {src} to {dst}",
                self.a, self.b
            ),
            FlowKind::Other => format!("protocol {} from {src} to {dst}", self.protocol),
        }
    }
}

/// A source, destination and protocol.
type Pair = (IpAddr, IpAddr, u8);

/// The flows and pairs seen.
#[derive(Debug)]
pub(super) struct Flows {
    /// The flows seen.
    known: Recent<()>,
    /// Packets seen of each source, destination and protocol.
    pairs: Recent<u64>,
    /// The two latest flows, with their packets after the first not yet
    /// counted in `pairs`: a run of packets of one flow (a flood, a
    /// transfer) or of two alternating (requests and their replies) touches
    /// neither map. (No other flow is inserted while they hit, so the
    /// maps' order does not miss their use.)
    recent: [Option<(Flow, u64)>; 2],
    /// The slot of `recent` the next new flow takes.
    next: usize,
    /// Whether errors quoting UDP and TCP are judged (every packet reaches
    /// the guard), or only those quoting ICMP.
    transport: bool,
}

impl Flows {
    /// Remembering at most `flows` flows and `pairs` pairs.
    pub(super) fn new(flows: usize, pairs: usize, transport: bool) -> Self {
        Self {
            transport,
            known: Recent::new(flows),
            pairs: Recent::new(pairs),
            recent: [None; 2],
            next: 0,
        }
    }

    /// Entries held.
    pub(super) fn held(&self) -> usize {
        self.known.len() + self.pairs.len()
    }

    /// The IP packet `ip` was seen: its source sent it, its flow exists.
    pub(super) fn sent(&mut self, ip: &[u8]) {
        let version = match ip.first().map(|b| b >> 4) {
            Some(4) => IpVersion::V4,
            Some(6) => IpVersion::V6,
            _ => return,
        };
        let Ok(packet) = quote::parse(ip, version) else {
            return;
        };
        let flow = Flow::of(&packet);
        if let Some(flow) = flow {
            for (recent, pending) in self.recent.iter_mut().flatten() {
                if *recent == flow {
                    *pending += 1;
                    return;
                }
            }
        }
        let pair = (packet.ip.src(), packet.ip.dst(), packet.ip.protocol());
        let count = self.pairs.entry(&pair);
        *count = count.saturating_add(1);
        if let Some(flow) = flow {
            self.known.entry(&flow);
            if let Some(old) = self.recent[self.next].take() {
                self.count(old);
            }
            self.recent[self.next] = Some((flow, 0));
            self.next ^= 1;
        }
    }

    /// Adds a recent flow's pending packets to its pair's count.
    fn count(&mut self, (flow, pending): (Flow, u64)) {
        if pending > 0
            && let Some(count) = self.pairs.get_mut(&flow.pair())
        {
            *count = count.saturating_add(pending);
        }
    }

    /// Counts every pending packet (the recent flows stay recent).
    fn flush(&mut self) {
        for i in 0..self.recent.len() {
            if let Some((flow, pending)) = self.recent[i] {
                self.count((flow, pending));
                self.recent[i] = Some((flow, 0));
            }
        }
    }

    /// The error `seen` (its quote in the message body).
    pub(super) fn error(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        if let Some(Ok(quote)) = seen.d.quote() {
            self.quoted(seen, &quote, alerts);
        }
    }

    /// The error `seen` quotes `quote`: raise when its flow was never
    /// seen though its source, destination and protocol were.
    pub(super) fn quoted(&mut self, seen: &Seen<'_>, quote: &Quote<'_>, alerts: &mut Alerts) {
        let Some(flow) = Flow::of(quote) else {
            return;
        };
        if !self.transport && flow.kind != FlowKind::Icmp {
            return;
        }
        self.flush();
        if flow.is_tunnel() || self.known.get(&flow).is_some() {
            return;
        }
        let Some(&packets) = self.pairs.get(&flow.pair()) else {
            return;
        };
        let forgot = self.known.forgotten() > 0;
        let capacity = self.known.capacity();
        alerts.raise(Detection::ErrorForUnsent, seen.dst(), seen.now, || {
            let caveat = if forgot {
                format!(
                    " (the guard remembers {capacity} flows and has forgotten older ones, so the \
                     flow may be an old one)"
                )
            } else {
                String::new()
            };
            let finding = Finding::about(
                seen,
                Detection::ErrorForUnsent,
                if forgot { 40 } else { 75 },
                Evidence::one(seen.frame)
                    .fact("quoted_src", flow.src)
                    .fact("quoted_dst", flow.dst)
                    .fact("quoted_protocol", flow.protocol)
                    .fact("packets_seen_of_pair", packets),
                format!(
                    "{} sent {} a {} about a packet ({}) that the capture never saw leave, \
                     though it saw {packets} {} of that protocol from {} to {}{caveat}: a \
                     message about a packet never sent is forged, to reset, slow or steer a \
                     connection (RFC 5927), unless the packet left by a path this capture \
                     does not see.",
                    seen.src(),
                    seen.dst(),
                    type_name(seen),
                    flow.describe(),
                    if packets == 1 { "packet" } else { "packets" },
                    flow.src,
                    flow.dst
                ),
            );
            // Once flows were forgotten, the flow's absence proves little.
            if forgot {
                finding.with_severity(Severity::Low)
            } else {
                finding
            }
        });
    }
}

/// The bytes of one slot of each table: flows, pairs.
#[cfg(test)]
pub(super) const fn entry_sizes() -> (usize, usize) {
    (
        core::mem::size_of::<(u64, ())>(),
        core::mem::size_of::<(u64, u64)>(),
    )
}
