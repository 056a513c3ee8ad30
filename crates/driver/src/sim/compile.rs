//! The route model compiled into the engine's graph: the local host an
//! attachment, a node per router, host nodes per route, a link per hop,
//! and static routes both ways.
//!
//! Along a route, each hop's nodes route the prefix and the addresses of
//! the routers further on to the next hop (all of its routers: ECMP by the
//! hop's balance; only the owner for a router's own address), and the
//! local addresses back to the hop before (its first router: an ECMP
//! group's links are alike, so the way back takes as long whichever it
//! is). The last hop routes the named hosts to their nodes, the rest of
//! the prefix to the `every_host` node, else rejects it (`absent`) or
//! drops it.

use std::collections::HashSet;
use std::net::IpAddr;

use icmpkit_netsim::{Link, NodeId, Prefix, RouteAction, Routing, Topology};

use super::network::BuildError;
use super::topology::{Absent, Host, Route, Router};

/// The name of the local host's attachment.
pub(crate) const LOCAL: &str = "local";

/// A topology built from a route model.
pub(crate) struct Compiled {
    /// The graph.
    pub(crate) topology: Topology,
    /// The local host.
    pub(crate) local: NodeId,
    /// What the local host has a route to: the routes' prefixes and their
    /// routers' addresses.
    pub(crate) reachable: Vec<Prefix>,
}

/// Compiles the local addresses, routers and routes.
pub(crate) fn compile(
    locals: &[IpAddr],
    routers: &[Router],
    routes: &[Route],
) -> Result<Compiled, BuildError> {
    let mut t = Topology::new();
    t.set_routing(Routing::Static);
    let local = t.attachment(LOCAL, locals);
    // Each router's balance is that of the hop after it (the first route
    // naming it decides).
    let mut balance = vec![None; routers.len()];
    for route in routes {
        for pair in route.hops.windows(2) {
            for r in &pair[0].routers {
                balance[r.0].get_or_insert(pair[1].balance);
            }
        }
    }
    let nodes: Vec<NodeId> = routers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let b = balance[i].unwrap_or_default();
            t.router(format!("r{i}"), &r.addresses(), r.to_netsim(b))
        })
        .collect();
    let mut used: HashSet<IpAddr> = locals.iter().copied().collect();
    used.extend(routers.iter().flat_map(Router::addresses));
    let mut reachable = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        let (addr, len) = route.prefix;
        let prefix =
            Prefix::new(addr, len).ok_or(BuildError::PrefixTooLong { prefix: addr, len })?;
        if let Some(hop) = route.hops.iter().position(|h| h.routers.is_empty()) {
            return Err(BuildError::EmptyHop {
                prefix: addr,
                len,
                hop: hop + 1,
            });
        }
        reachable.push(prefix);
        let mut stages = vec![vec![local]];
        stages.extend(
            route
                .hops
                .iter()
                .map(|h| h.routers.iter().map(|r| nodes[r.0]).collect()),
        );
        for (p, hop) in route.hops.iter().enumerate() {
            for &from in &stages[p] {
                for &to in &stages[p + 1] {
                    link_once(&mut t, from, to, hop.link);
                }
            }
        }
        // Outwards: the prefix and the routers further on.
        for p in 0..route.hops.len() {
            let later: Vec<IpAddr> = stages[p + 2..]
                .iter()
                .flatten()
                .flat_map(|&n| t.get(n).addresses.clone())
                .collect();
            reachable.extend(later.iter().map(|&a| Prefix::host(a)));
            for &at in &stages[p] {
                route_via(&mut t, at, prefix, &stages[p + 1]);
                for &a in &later {
                    route_via(&mut t, at, Prefix::host(a), &stages[p + 1]);
                }
                for &owner in &stages[p + 1] {
                    for a in t.get(owner).addresses.clone() {
                        route_via(&mut t, at, Prefix::host(a), &[owner]);
                    }
                }
            }
            let next = stages[p + 1].iter().flat_map(|&n| &t.get(n).addresses);
            reachable.extend(next.map(|&a| Prefix::host(a)));
        }
        let last = stages.last().cloned().unwrap_or_default();
        let mut hosts = Vec::new();
        for (j, &(addr, host)) in route.hosts.iter().enumerate() {
            let node = add_host(&mut t, format!("route{i}-host{j}"), &[addr], host, vec![]);
            used.insert(addr);
            for &at in &last {
                route_via(&mut t, at, Prefix::host(addr), &[node]);
            }
            hosts.push(node);
        }
        let every = route.every_host.and_then(|host| {
            let addr = free_address(prefix, &used)?;
            used.insert(addr);
            Some(add_host(
                &mut t,
                format!("route{i}-every"),
                &[addr],
                host,
                vec![prefix],
            ))
        });
        let rest = match (every, route.absent) {
            (Some(node), _) => RouteAction::Via(vec![node]),
            (None, Absent::Unreachable(code)) if !route.hops.is_empty() => {
                RouteAction::Reject(code)
            }
            (None, _) => RouteAction::Blackhole,
        };
        for &at in &last {
            if let RouteAction::Via(via) = &rest {
                link_once(&mut t, at, via[0], route.last_link);
            }
            for &h in &hosts {
                link_once(&mut t, at, h, route.last_link);
            }
            t.route(at, prefix, rest.clone());
        }
        hosts.extend(every);
        // Inwards: the local addresses, back the way they came.
        let mut back: Vec<(NodeId, NodeId)> = Vec::new();
        for p in 1..stages.len() {
            back.extend(stages[p].iter().map(|&n| (n, stages[p - 1][0])));
        }
        back.extend(hosts.iter().map(|&h| (h, last[0])));
        for (at, via) in back {
            for &a in locals {
                route_via(&mut t, at, Prefix::host(a), &[via]);
            }
        }
    }
    Ok(Compiled {
        topology: t,
        local,
        reachable,
    })
}

/// Joins `a` and `b` unless a link already does (the first one stays).
fn link_once(t: &mut Topology, a: NodeId, b: NodeId, link: Link) {
    let joined = t
        .edges()
        .iter()
        .any(|e| e.ends == [a, b] || e.ends == [b, a]);
    if !joined {
        t.link(a, b, link);
    }
}

/// Routes `to` at `at` over `via`.
fn route_via(t: &mut Topology, at: NodeId, to: Prefix, via: &[NodeId]) {
    t.route(at, to, RouteAction::Via(via.to_vec()));
}

/// Adds a host node.
fn add_host(
    t: &mut Topology,
    name: String,
    addresses: &[IpAddr],
    host: Host,
    any_ip: Vec<Prefix>,
) -> NodeId {
    t.host(name, addresses, host.to_netsim(any_ip))
}

/// An address of `prefix` no node has yet (the node of `every_host` needs
/// one of its own), among its first few; `None` when they are all taken.
fn free_address(prefix: Prefix, used: &HashSet<IpAddr>) -> Option<IpAddr> {
    (0..16u8)
        .map(|k| match prefix.addr() {
            IpAddr::V4(a) => IpAddr::V4(u32::from(a).wrapping_add(u32::from(k)).into()),
            IpAddr::V6(a) => IpAddr::V6(u128::from(a).wrapping_add(u128::from(k)).into()),
        })
        .find(|a| prefix.contains(*a) && !used.contains(a))
}
