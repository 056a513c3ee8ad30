//! Routing tables: each node's static routes, its own addresses, and (with
//! [`Routing::ShortestPath`]) the paths of fewest hops to every other
//! node, equal ones kept as ECMP next hops. Only routers forward, so a
//! path never crosses a host or an attachment.

use std::collections::VecDeque;
use std::net::IpAddr;

use crate::topology::{
    LinkId, NodeId, NodeKind, Prefix, RouteAction, Routing, Topology, Unreachable,
};

/// What a routing table says to do with a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// It is the node's own.
    Local,
    /// Send it over one of these links.
    Via(Vec<LinkId>),
    /// Reject it with a Destination Unreachable.
    Reject(Unreachable),
    /// Drop it.
    Blackhole,
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    prefix: Prefix,
    action: Action,
}

/// A node's routing table: the longest prefix wins; among equal ones, the
/// first entered (own addresses, then static routes, then computed paths).
#[derive(Debug, Clone, Default)]
pub(crate) struct Fib {
    entries: Vec<Entry>,
}

impl Fib {
    /// The action for `dst`, and the matched prefix's length.
    pub(crate) fn lookup(&self, dst: IpAddr) -> Option<(&Action, u8)> {
        let mut best: Option<&Entry> = None;
        for e in &self.entries {
            if e.prefix.contains(dst) && best.is_none_or(|b| e.prefix.len() > b.prefix.len()) {
                best = Some(e);
            }
        }
        best.map(|e| (&e.action, e.prefix.len()))
    }

    fn add(&mut self, prefix: Prefix, action: Action) {
        self.entries.push(Entry { prefix, action });
    }
}

/// The link joining `a` and `b` (the first, if several).
pub(crate) fn link_between(topology: &Topology, a: NodeId, b: NodeId) -> Option<LinkId> {
    topology
        .edges()
        .iter()
        .position(|e| e.ends == [a, b] || e.ends == [b, a])
        .map(LinkId)
}

/// Every node's table.
pub(crate) fn build(topology: &Topology) -> Vec<Fib> {
    let n = topology.nodes().len();
    let mut fibs = vec![Fib::default(); n];
    for (i, node) in topology.nodes().iter().enumerate() {
        for &addr in &node.addresses {
            fibs[i].add(Prefix::host(addr), Action::Local);
        }
        if let NodeKind::Host(h) = &node.kind {
            for &p in &h.any_ip {
                fibs[i].add(p, Action::Local);
            }
        }
    }
    for route in topology.routes() {
        let action = match &route.action {
            RouteAction::Via(via) => Action::Via(
                via.iter()
                    .filter_map(|&v| link_between(topology, route.at, v))
                    .collect(),
            ),
            RouteAction::Reject(code) => Action::Reject(*code),
            RouteAction::Blackhole => Action::Blackhole,
        };
        fibs[route.at.0].add(route.to, action);
    }
    if topology.routing() == Routing::ShortestPath {
        for d in 0..n {
            shortest_paths(topology, NodeId(d), &mut fibs);
        }
    }
    // An attachment with one link sends what it has no route for over it,
    // as a host's default route does.
    for a in topology.attachments() {
        let mut links = topology.links_of(a);
        if let (Some(only), None) = (links.next(), links.next()) {
            for all in ["0.0.0.0/0", "::/0"] {
                let prefix = all.parse().expect("a valid prefix");
                fibs[a.0].add(prefix, Action::Via(vec![only]));
            }
        }
    }
    fibs
}

/// Adds every node's next hops towards `dest`'s addresses.
fn shortest_paths(topology: &Topology, dest: NodeId, fibs: &mut [Fib]) {
    let nodes = topology.nodes();
    let forwards = |x: NodeId| matches!(nodes[x.0].kind, NodeKind::Router(_));
    let mut dist = vec![usize::MAX; nodes.len()];
    dist[dest.0] = 0;
    let mut queue = VecDeque::from([dest]);
    while let Some(x) = queue.pop_front() {
        if x != dest && !forwards(x) {
            continue;
        }
        for l in topology.links_of(x) {
            let y = topology.edges()[l.0].other(x);
            if dist[y.0] == usize::MAX {
                dist[y.0] = dist[x.0] + 1;
                queue.push_back(y);
            }
        }
    }
    let node = &nodes[dest.0];
    let mut prefixes: Vec<Prefix> = node.addresses.iter().map(|&a| Prefix::host(a)).collect();
    if let NodeKind::Host(h) = &node.kind {
        prefixes.extend(&h.any_ip);
    }
    for (i, fib) in fibs.iter_mut().enumerate() {
        if i == dest.0 || dist[i] == usize::MAX {
            continue;
        }
        let me = NodeId(i);
        let next: Vec<LinkId> = topology
            .links_of(me)
            .filter(|&l| {
                let m = topology.edges()[l.0].other(me);
                dist[m.0] + 1 == dist[i] && (m == dest || forwards(m))
            })
            .collect();
        if next.is_empty() {
            continue;
        }
        for &p in &prefixes {
            fib.add(p, Action::Via(next.clone()));
        }
    }
}
