//! The running network, sans-IO: attachments inject packets at a time the
//! caller gives; [`Network::advance`] runs every event due and hands the
//! packets that leave to an attachment to the caller, each with the
//! instant it leaves. Randomness (loss, jitter, per-packet balancing, the
//! rate limit's cost) comes from a generator seeded by the caller.

mod fib;
mod paths;

use std::net::IpAddr;
use std::time::Instant;

use icmpkit_wire::extension::{InterfaceInformation, InterfaceRole};
use icmpkit_wire::generate::{Context, Refusal};

use crate::answer::{HostAnswer, host_answer};
use crate::errors::{Attach, ErrorKind, error_packet, refusal, refusal_rule};
use crate::extended_echo::Interface;
use crate::flow::flow_hash;
use crate::fragment::{Reassembled, Reassembly, fragment_v4, fragment_v6};
use crate::nat::NatTable;
use crate::packet::{self, Header};
use crate::queue::EventQueue;
use crate::ratelimit::{Held, Limiter, Message, RateLimit};
use crate::rng::SplitMix64;
use crate::stats::Stats;
use crate::topology::{
    Answers, Balance, Forwarding, LinkId, Node, NodeId, NodeKind, Topology, TopologyError,
};

use fib::{Action, Fib};
pub use paths::{Path, PathEnd};

/// The most packets a link holds in flight each way (as each end's queue
/// would); more are dropped (`dropped["link-queue-full"]`). Ten times
/// netem's default `limit`: a 200,000 packets/s flood fills it only over
/// delays of 50 ms and more.
pub const LINK_QUEUE_LIMIT: u32 = 10_000;

/// A packet leaving the network to an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    /// When it leaves.
    pub at: Instant,
    /// The attachment it goes to.
    pub attachment: NodeId,
    /// The IP packet.
    pub packet: Vec<u8>,
}

/// A packet arriving at a node over a link.
#[derive(Debug)]
struct Arrival {
    node: NodeId,
    link: LinkId,
    packet: Vec<u8>,
}

/// One node's running state.
#[derive(Debug)]
struct NodeState {
    fib: Fib,
    limiter: Limiter,
    nat: Option<NatTable>,
    reassembly: Reassembly,
    interfaces: Vec<Interface>,
    /// The ifIndex of each of its links (by link), for RFC 5837.
    ifindex: Vec<(LinkId, u32)>,
    ident: u16,
    /// The last identification of an IPv6 datagram it fragmented.
    ident_v6: u32,
}

/// A network running a [`Topology`].
#[derive(Debug)]
pub struct Network {
    topology: Topology,
    nodes: Vec<NodeState>,
    queue: EventQueue<Arrival>,
    /// Packets in flight per link and way (towards its second end, its
    /// first).
    in_flight: Vec<[u32; 2]>,
    rng: SplitMix64,
    seed: u64,
    stats: Stats,
}

impl Network {
    /// The network of `topology` (validated first), its randomness from
    /// `seed`.
    pub fn new(topology: Topology, seed: u64) -> Result<Self, TopologyError> {
        topology.validate()?;
        let fibs = fib::build(&topology);
        let nodes = fibs
            .into_iter()
            .enumerate()
            .map(|(i, fib)| node_state(&topology, NodeId(i), fib))
            .collect();
        Ok(Self {
            in_flight: vec![[0; 2]; topology.edges().len()],
            topology,
            nodes,
            queue: EventQueue::new(),
            rng: SplitMix64::new(seed),
            seed,
            stats: Stats::default(),
        })
    }

    /// The topology it runs.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// What happened so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// When the next event is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.queue.next_at()
    }

    /// Whether `from` has a route to `dst`, and the MTU of the first link
    /// if so (`None` for no route; `Some(None)` for a route that rejects
    /// or drops).
    pub fn first_hop(&self, from: NodeId, dst: IpAddr) -> Option<Option<u16>> {
        match self.nodes[from.0].fib.lookup(dst)? {
            (Action::Via(links), _) => Some(
                links
                    .iter()
                    .map(|l| self.topology.edges()[l.0].link.mtu)
                    .min(),
            ),
            (Action::Local, _) => None,
            _ => Some(None),
        }
    }

    /// A packet from attachment `from` enters the network at `now`.
    pub fn inject(&mut self, now: Instant, from: NodeId, packet: Vec<u8>) {
        self.stats.injected += 1;
        self.send_from(now, from, packet);
    }

    /// A packet `attachment` received at `now`, reassembled as its host's
    /// kernel would: the whole datagram when this completes one, `None`
    /// while fragments are missing (an in-process host reads datagrams,
    /// not fragments).
    pub fn reassemble(
        &mut self,
        now: Instant,
        attachment: NodeId,
        packet: Vec<u8>,
    ) -> Option<Vec<u8>> {
        match self.nodes[attachment.0].reassembly.push(now, &packet) {
            Reassembled::Whole => Some(packet),
            Reassembled::Held => None,
            Reassembled::Dropped(why) => {
                Stats::bump(&mut self.stats.dropped, why);
                None
            }
            Reassembled::Complete(whole) => {
                self.stats.reassembled += 1;
                Some(whole)
            }
        }
    }

    /// Runs every event due at or before `until`, in time order; packets
    /// leaving to attachments go to `out`.
    pub fn advance(&mut self, until: Instant, out: &mut dyn FnMut(Egress)) {
        while let Some((at, arrival)) = self.queue.pop_due(until) {
            let ends = self.topology.edges()[arrival.link.0].ends;
            self.in_flight[arrival.link.0][usize::from(arrival.node == ends[0])] -= 1;
            self.arrive(at, arrival, out);
        }
    }

    /// Sends `packet`, which `node` originates (an injection, an answer,
    /// an error), by its routing table.
    fn send_from(&mut self, now: Instant, node: NodeId, packet: Vec<u8>) {
        let Some(header) = Header::parse(&packet) else {
            Stats::bump(&mut self.stats.dropped, "malformed");
            return;
        };
        match self.nodes[node.0].fib.lookup(header.dst) {
            Some((Action::Via(links), _)) => {
                let links = links.clone();
                let link = self.choose(node, &links, &header, &packet);
                self.transmit(now, node, link, packet, &header);
            }
            Some((Action::Local, _)) => Stats::bump(&mut self.stats.dropped, "to-itself"),
            _ => Stats::bump(&mut self.stats.dropped, "no-route"),
        }
    }

    /// Puts `packet` on `link` from `node`: cut to the MTU if it may be
    /// (a datagram that may not was refused before), lost or delayed.
    fn transmit(
        &mut self,
        now: Instant,
        node: NodeId,
        link: LinkId,
        mut packet: Vec<u8>,
        header: &Header,
    ) {
        let edge = &self.topology.edges()[link.0];
        let mtu = edge.link.mtu;
        if packet.len() > usize::from(mtu) {
            let own = self.fragments_own(node, header);
            let fragments = if header.src.is_ipv6() {
                // Only a source cuts IPv6 (RFC 8200 §4.5); a forwarded
                // datagram this big got a Packet Too Big before.
                if !own {
                    Stats::bump(&mut self.stats.dropped, "too-big");
                    return;
                }
                let ident = self.next_ident_v6(node);
                fragment_v6(&packet, mtu, ident)
            } else {
                if header.dont_frag && own {
                    packet::clear_dont_frag(&mut packet);
                } else if header.dont_frag {
                    Stats::bump(&mut self.stats.dropped, "too-big");
                    return;
                }
                fragment_v4(&packet, mtu)
            };
            if fragments.is_empty() {
                Stats::bump(&mut self.stats.dropped, "too-big");
                return;
            }
            self.stats.fragments_made += fragments.len() as u64;
            for f in fragments {
                self.cross(now, node, link, f);
            }
            return;
        }
        self.cross(now, node, link, packet);
    }

    /// Whether `node` cuts its own datagram of `header` to its link's MTU:
    /// a router or host does so, an IPv4 one though Don't Fragment is set
    /// (Linux's `ip_append_data` sets DF only on a datagram that fits), an
    /// IPv6 one with a Fragment header (`ip6_fragment`); an attachment's
    /// datagrams (its own stack cut them) and forwarded ones are left as
    /// they are.
    fn fragments_own(&self, node: NodeId, header: &Header) -> bool {
        let n = self.topology.get(node);
        n.kind != NodeKind::Attachment && n.owns(header.src)
    }

    /// One packet crossing `link` away from `node`.
    fn cross(&mut self, now: Instant, node: NodeId, link: LinkId, packet: Vec<u8>) {
        let edge = &self.topology.edges()[link.0];
        let l = edge.link;
        let to = edge.other(node);
        if l.loss > 0.0 && self.rng.chance(l.loss) {
            self.stats.lost += 1;
            return;
        }
        let jitter_ns = u64::try_from(l.jitter.as_nanos()).unwrap_or(u64::MAX);
        let extra = if jitter_ns == 0 {
            0
        } else {
            self.rng.up_to(jitter_ns)
        };
        let Some(at) = now.checked_add(l.delay + std::time::Duration::from_nanos(extra)) else {
            Stats::bump(&mut self.stats.dropped, "delay-overflow");
            return;
        };
        // A link holds a bounded number of packets in flight, as a
        // queueing discipline does (netem's limit, a txqueuelen): a flood
        // over a long delay cannot take the memory.
        let way = usize::from(to == edge.ends[0]);
        if self.in_flight[link.0][way] >= LINK_QUEUE_LIMIT {
            Stats::bump(&mut self.stats.dropped, "link-queue-full");
            return;
        }
        self.in_flight[link.0][way] += 1;
        self.queue.push(
            at,
            Arrival {
                node: to,
                link,
                packet,
            },
        );
    }

    /// Which of `links` a packet goes over, by `node`'s balance.
    fn choose(&mut self, node: NodeId, links: &[LinkId], header: &Header, packet: &[u8]) -> LinkId {
        if links.len() == 1 {
            return links[0];
        }
        let balance = match &self.topology.get(node).kind {
            NodeKind::Router(r) => r.balance,
            _ => Balance::PerFlow,
        };
        let n = links.len() as u64;
        let choice = match balance {
            Balance::PerFlow => flow_hash(header, packet, self.seed ^ node.0 as u64) % n,
            Balance::PerPacket => self.rng.up_to(n - 1),
        };
        // choice < n, a link count.
        #[allow(clippy::cast_possible_truncation)]
        let link = links[choice as usize];
        link
    }

    /// A packet arrives at a node.
    fn arrive(&mut self, now: Instant, arrival: Arrival, out: &mut dyn FnMut(Egress)) {
        let Arrival {
            node,
            link,
            mut packet,
        } = arrival;
        if self.topology.get(node).kind == NodeKind::Attachment {
            self.stats.egress += 1;
            out(Egress {
                at: now,
                attachment: node,
                packet,
            });
            return;
        }
        if let Some(nat) = &mut self.nodes[node.0].nat
            && self.topology.edges()[link.0].other(node) == nat.outside()
        {
            nat.inbound(now, &mut packet);
        }
        // RFC 1812 5.2.2: a header that does not verify is dropped; bytes
        // past the datagram's length (link padding) are not part of it.
        if !packet::verify_and_trim(&mut packet) {
            Stats::bump(&mut self.stats.dropped, "bad-header");
            return;
        }
        let Some(header) = Header::parse(&packet) else {
            Stats::bump(&mut self.stats.dropped, "malformed");
            return;
        };
        // RFC 1812 5.3.7: martian sources and destinations are neither
        // delivered nor forwarded (Linux's ip_route_input_slow checks them
        // before anything else: martian_source, martian_destination).
        if packet::is_martian_source(header.src) || packet::is_martian_destination(header.dst) {
            Stats::bump(&mut self.stats.dropped, "martian");
            // Were its TTL to end here, a rule that forbids answering it
            // (a source that is not a host, a broadcast destination) is
            // counted too; nothing is sent.
            if header.hop_limit <= 1
                && let Some(refusal) =
                    refusal(&packet, ErrorKind::TimeExceeded, header.src.is_ipv6())
            {
                self.refused(&refusal);
            }
            return;
        }
        if self.topology.get(node).owns(header.dst) {
            self.local(now, node, link, packet);
            return;
        }
        let NodeKind::Router(router) = &self.topology.get(node).kind else {
            Stats::bump(&mut self.stats.dropped, "not-addressed-here");
            return;
        };
        let forwarding = router.forwarding;
        // The route comes first, as in Linux's ip_route_input: a reject or
        // unreachable route answers Destination Unreachable whatever the
        // TTL, a blackhole drops; only a datagram to forward has its TTL,
        // MTU (ip_forward) and then the firewall (FORWARD hook) checked.
        let next = match self.nodes[node.0].fib.lookup(header.dst) {
            Some((Action::Via(links), _)) => links.clone(),
            Some((Action::Reject(code), _)) => {
                let kind = ErrorKind::Unreachable(*code);
                self.error(now, node, link, kind, &packet);
                return;
            }
            Some((Action::Blackhole, _)) => {
                Stats::bump(&mut self.stats.dropped, "blackhole");
                return;
            }
            Some((Action::Local, _)) => unreachable!("owned addresses are handled above"),
            None => {
                let kind = ErrorKind::Unreachable(crate::topology::Unreachable::NET);
                self.error(now, node, link, kind, &packet);
                return;
            }
        };
        if header.hop_limit <= 1 {
            self.error(now, node, link, ErrorKind::TimeExceeded, &packet);
            return;
        }
        let out_link = self.choose(node, &next, &header, &packet);
        let mtu = self.topology.edges()[out_link.0].link.mtu;
        if packet.len() > usize::from(mtu) && header.dont_frag {
            self.error(now, node, link, ErrorKind::TooBig(mtu), &packet);
            return;
        }
        match forwarding {
            Forwarding::Forward => {}
            Forwarding::Drop => {
                Stats::bump(&mut self.stats.dropped, "filtered");
                return;
            }
            Forwarding::Reject(code) => {
                self.error(now, node, link, ErrorKind::Unreachable(code), &packet);
                return;
            }
        }
        packet::decrement_hop_limit(&mut packet);
        if let Some(nat) = &mut self.nodes[node.0].nat
            && self.topology.edges()[out_link.0].other(node) == nat.outside()
        {
            nat.outbound(now, &mut packet);
        }
        self.stats.forwarded += 1;
        self.transmit(now, node, out_link, packet, &header);
    }

    /// A datagram addressed to `node` (over `link`): reassembled if a
    /// fragment, then answered.
    fn local(&mut self, now: Instant, node: NodeId, link: LinkId, packet: Vec<u8>) {
        let packet = match self.nodes[node.0].reassembly.push(now, &packet) {
            Reassembled::Whole => packet,
            Reassembled::Held => return,
            Reassembled::Dropped(why) => {
                Stats::bump(&mut self.stats.dropped, why);
                return;
            }
            Reassembled::Complete(whole) => {
                self.stats.reassembled += 1;
                whole
            }
        };
        let Some(header) = Header::parse(&packet) else {
            Stats::bump(&mut self.stats.dropped, "malformed");
            return;
        };
        let answers = answers_of(self.topology.get(node));
        let answer = host_answer(answers, &self.nodes[node.0].interfaces, &header, &packet);
        match answer {
            None => Stats::bump(&mut self.stats.dropped, "unanswered"),
            Some(HostAnswer::Reply(reply)) => {
                self.stats.answered += 1;
                self.send_from(now, node, reply);
            }
            Some(HostAnswer::Error(kind)) => self.error(now, node, link, kind, &packet),
        }
    }

    /// `node` sends the error `kind` about `offending`, which came in over
    /// `link`: unless it sends none, a rule forbids it or its rate limit
    /// holds it back.
    fn error(
        &mut self,
        now: Instant,
        node: NodeId,
        link: LinkId,
        kind: ErrorKind,
        offending: &[u8],
    ) {
        let n = self.topology.get(node);
        let (sends, attach_mpls, interface_info, hop_limit) = match &n.kind {
            NodeKind::Router(r) => (
                r.errors,
                r.extensions.mpls.clone(),
                r.extensions.interface_info,
                r.answers.initial_ttl,
            ),
            NodeKind::Host(h) => (true, Vec::new(), false, h.answers.initial_ttl),
            NodeKind::Attachment => (false, Vec::new(), false, 64),
        };
        if !sends {
            Stats::bump(&mut self.stats.dropped, "silent");
            return;
        }
        let Some(header) = Header::parse(offending) else {
            Stats::bump(&mut self.stats.dropped, "malformed");
            return;
        };
        // About a datagram to the node itself, the error comes from the
        // address it was sent to (Linux's icmp_send: saddr = daddr when
        // local; icmp6_send likewise), else from the node's address.
        let own = n.owns(header.dst) && header.dst.is_ipv4() == header.src.is_ipv4();
        let from = if own {
            Some(header.dst)
        } else {
            n.addr_like(header.src)
        };
        let Some(from) = from else {
            Stats::bump(&mut self.stats.dropped, "no-source-address");
            return;
        };
        // The rules first: a forbidden error costs no token. The IPv4
        // identification is taken only by an error that goes.
        let ident = self.nodes[node.0].ident.wrapping_add(1);
        let state = &self.nodes[node.0];
        let ifindex = state
            .ifindex
            .iter()
            .find(|(l, _)| *l == link)
            .map_or(0, |(_, i)| *i);
        // Named as in the node's derived interface table (`ethN`, ifIndex
        // N + 2), only when the router attaches it.
        let name = interface_info.then(|| format!("eth{}", ifindex.saturating_sub(2)));
        let interface = name.as_deref().map(|name| InterfaceInformation {
            role: InterfaceRole::IncomingIpInterface,
            ifindex: Some(ifindex),
            address: Some(from),
            name: Some(name.as_bytes()),
            mtu: Some(u32::from(self.topology.edges()[link.0].link.mtu)),
        });
        let attach = Attach {
            mpls: &attach_mpls,
            interface,
        };
        let built = error_packet(
            offending,
            kind,
            from,
            hop_limit,
            ident,
            attach,
            Context::default(),
        );
        let error = match built {
            Ok(e) => e,
            Err(refusal) => {
                self.refused(&refusal);
                return;
            }
        };
        let v6 = from.is_ipv6();
        let (msg_type, code) = kind.type_and_code(v6);
        let route_len = self.nodes[node.0]
            .fib
            .lookup(header.src)
            .map_or(128, |(_, len)| len);
        let message = Message {
            to: header.src,
            msg_type,
            code,
            route_len,
        };
        if let Err(held) = self.nodes[node.0]
            .limiter
            .allow(now, message, &mut self.rng)
        {
            let key = match held {
                Held::PerDestination => "per-destination",
                Held::Global => "global",
                Held::Bucket => "bucket",
            };
            Stats::bump(&mut self.stats.rate_limited, key);
            return;
        }
        let kind_name = match kind {
            ErrorKind::TimeExceeded => "time-exceeded",
            ErrorKind::Unreachable(_) => "unreachable",
            ErrorKind::TooBig(_) => "too-big",
        };
        Stats::bump(&mut self.stats.errors, kind_name);
        self.nodes[node.0].ident = ident;
        self.send_from(now, node, error);
    }

    fn refused(&mut self, refusal: &Refusal) {
        Stats::bump(&mut self.stats.refused, refusal_rule(refusal));
    }

    /// The next identification of an IPv6 datagram `node` fragments (a
    /// counter per node; Linux's `ipv6_select_ident` hashes one per
    /// destination).
    fn next_ident_v6(&mut self, node: NodeId) -> u32 {
        let state = &mut self.nodes[node.0];
        state.ident_v6 = state.ident_v6.wrapping_add(1);
        state.ident_v6
    }
}

/// How a node answers datagrams to its own addresses.
fn answers_of(node: &Node) -> &Answers {
    static NONE: Answers = Answers::silent();
    match &node.kind {
        NodeKind::Router(r) => &r.answers,
        NodeKind::Host(h) => &h.answers,
        NodeKind::Attachment => &NONE,
    }
}

/// A node's initial running state.
fn node_state(topology: &Topology, id: NodeId, fib: Fib) -> NodeState {
    let node = topology.get(id);
    let (limit, nat) = match &node.kind {
        NodeKind::Router(r) => (r.rate_limit, r.nat.clone().map(NatTable::new)),
        NodeKind::Host(h) => (h.rate_limit, None),
        NodeKind::Attachment => (RateLimit::None, None),
    };
    let ifindex: Vec<(LinkId, u32)> = topology.links_of(id).zip(2u32..).collect();
    let interfaces = answers_of(node).interfaces.clone().unwrap_or_else(|| {
        let v4 = node
            .addresses
            .iter()
            .filter_map(|a| match a {
                IpAddr::V4(a) => Some(*a),
                IpAddr::V6(_) => None,
            })
            .collect();
        let v6 = node
            .addresses
            .iter()
            .filter_map(|a| match a {
                IpAddr::V6(a) => Some(*a),
                IpAddr::V4(_) => None,
            })
            .collect();
        let mut table = vec![Interface::LOOPBACK];
        let mut first = Some((v4, v6));
        for &(_, index) in &ifindex {
            let (v4, v6) = first.take().unwrap_or_default();
            table.push(Interface::owned(format!("eth{}", index - 2), index, v4, v6));
        }
        table
    });
    NodeState {
        fib,
        limiter: Limiter::new(limit),
        nat,
        reassembly: Reassembly::default(),
        interfaces,
        ifindex,
        ident: 0,
        ident_v6: 0,
    }
}

#[cfg(test)]
mod fragnat_tests;
#[cfg(test)]
mod rules_tests;
#[cfg(test)]
pub(crate) mod tests;
