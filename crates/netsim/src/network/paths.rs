//! The paths the routing tables give a datagram, every ECMP branch apart:
//! what `icmpkit netsim check` shows before a topology is run.

use std::net::IpAddr;
use std::time::Duration;

use super::Network;
use super::fib::Action;
use crate::topology::{Forwarding, LinkId, NodeId, NodeKind, Unreachable};

/// How a path ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathEnd {
    /// At the node owning the address.
    Delivered,
    /// At a node that rejects it with a Destination Unreachable (a reject
    /// route, a rejecting router, or no route: net unreachable).
    Rejected(Unreachable),
    /// At a node that drops it silently (a blackhole route, a dropping
    /// router, a host that does not forward).
    Dropped,
    /// Back at a node it crossed before: a routing loop (the TTL runs out
    /// there).
    Loop,
}

/// One path through the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The nodes, the sender first.
    pub nodes: Vec<NodeId>,
    /// The links between them.
    pub links: Vec<LinkId>,
    /// How it ends.
    pub end: PathEnd,
}

impl Path {
    /// The one-way delay of its links (jitter aside).
    pub fn delay(&self, network: &Network) -> Duration {
        self.links
            .iter()
            .map(|l| network.topology().edges()[l.0].link.delay)
            .sum()
    }

    /// The smallest MTU of its links (`None` without links).
    pub fn mtu(&self, network: &Network) -> Option<u16> {
        self.links
            .iter()
            .map(|l| network.topology().edges()[l.0].link.mtu)
            .min()
    }
}

impl Network {
    /// Every path a datagram from `from` to `dst` may take by the routing
    /// tables (each ECMP choice a path of its own), at most `max` of them,
    /// in the order of the tables' next hops.
    pub fn paths(&self, from: NodeId, dst: IpAddr, max: usize) -> Vec<Path> {
        let mut paths = Vec::new();
        let mut walk = Path {
            nodes: vec![from],
            links: Vec::new(),
            end: PathEnd::Delivered,
        };
        self.walk(dst, &mut walk, max, &mut paths);
        paths
    }

    fn walk(&self, dst: IpAddr, path: &mut Path, max: usize, out: &mut Vec<Path>) {
        if out.len() >= max {
            return;
        }
        let here = *path.nodes.last().expect("a path starts at its sender");
        let node = self.topology.get(here);
        // The sender only sends; the others deliver, or forward if routers,
        // in the engine's order: the route, then the firewall.
        let first = path.nodes.len() == 1;
        let end = |end| Path {
            end,
            ..path.clone()
        };
        if !first && node.owns(dst) {
            return out.push(end(PathEnd::Delivered));
        }
        if path.nodes[..path.nodes.len() - 1].contains(&here) {
            return out.push(end(PathEnd::Loop));
        }
        let firewall = match &node.kind {
            NodeKind::Router(r) => r.forwarding,
            _ if first => Forwarding::Forward,
            _ => return out.push(end(PathEnd::Dropped)),
        };
        let next = match self.nodes[here.0].fib.lookup(dst) {
            Some((Action::Via(links), _)) => links.clone(),
            // The sender drops what it has no way for (a TUN device's
            // kernel would not have routed it in).
            _ if first => return out.push(end(PathEnd::Dropped)),
            Some((Action::Reject(code), _)) => return out.push(end(PathEnd::Rejected(*code))),
            Some((Action::Blackhole | Action::Local, _)) => {
                return out.push(end(PathEnd::Dropped));
            }
            None => return out.push(end(PathEnd::Rejected(Unreachable::NET))),
        };
        match firewall {
            Forwarding::Forward => {}
            Forwarding::Reject(code) => return out.push(end(PathEnd::Rejected(code))),
            Forwarding::Drop => return out.push(end(PathEnd::Dropped)),
        }
        for link in next {
            let to = self.topology.edges()[link.0].other(here);
            path.nodes.push(to);
            path.links.push(link);
            self.walk(dst, path, max, out);
            path.nodes.pop();
            path.links.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::tests::chain;
    use crate::topology::{Host, Link, Prefix, RouteAction, Router, Topology};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_chain_has_one_path_of_25_ms_and_1280_bytes() {
        let (t, tun) = chain();
        let net = Network::new(t, 0).unwrap();
        let paths = net.paths(tun, ip("2001:db8:10::10"), 16);
        assert_eq!(paths.len(), 1);
        let p = &paths[0];
        let names: Vec<&str> = p
            .nodes
            .iter()
            .map(|&n| net.topology().get(n).name.as_str())
            .collect();
        assert_eq!(names, ["tun", "r1", "r2", "r3", "r4", "dst"]);
        assert_eq!(p.end, PathEnd::Delivered);
        assert_eq!(p.delay(&net), Duration::from_millis(25));
        assert_eq!(p.mtu(&net), Some(1280));
    }

    #[test]
    fn a_diamond_has_a_path_per_branch_and_routes_can_end_otherwise() {
        let mut t = Topology::new();
        let tun = t.attachment("tun", &[ip("198.51.100.1")]);
        let r1 = t.router("r1", &[ip("198.51.100.11")], Router::default());
        let a = t.router("a", &[ip("198.51.100.21")], Router::default());
        let b = t.router("b", &[ip("198.51.100.22")], Router::default());
        let dst = t.host("dst", &[ip("203.0.113.10")], Host::default());
        t.link(tun, r1, Link::ms(1));
        t.link(r1, a, Link::ms(1));
        t.link(r1, b, Link::ms(2));
        t.link(a, dst, Link::ms(1));
        t.link(b, dst, Link::ms(1));
        let prohibited: Prefix = "203.0.113.64/26".parse().unwrap();
        t.route(r1, prohibited, RouteAction::Reject(Unreachable::PROHIBITED));
        let net = Network::new(t, 0).unwrap();
        let paths = net.paths(tun, ip("203.0.113.10"), 16);
        let delays: Vec<Duration> = paths.iter().map(|p| p.delay(&net)).collect();
        assert_eq!(delays, [Duration::from_millis(3), Duration::from_millis(4)]);
        assert!(paths.iter().all(|p| p.end == PathEnd::Delivered));
        let rejected = net.paths(tun, ip("203.0.113.70"), 16);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].end, PathEnd::Rejected(Unreachable::PROHIBITED));
        assert_eq!(rejected[0].nodes, [tun, r1]);
        let nowhere = net.paths(tun, ip("203.0.113.200"), 16);
        assert_eq!(nowhere[0].end, PathEnd::Rejected(Unreachable::NET));
        assert_eq!(net.paths(tun, ip("203.0.113.10"), 1).len(), 1);
    }

    #[test]
    fn routes_come_before_a_routers_firewall_as_in_the_engine() {
        let mut t = Topology::new();
        let tun = t.attachment("tun", &[ip("198.51.100.1")]);
        let fw = t.router(
            "fw",
            &[ip("198.51.100.11")],
            Router {
                forwarding: crate::topology::Forwarding::Reject(Unreachable::PROHIBITED),
                ..Router::default()
            },
        );
        let dst = t.host("dst", &[ip("203.0.113.10")], Host::default());
        t.link(tun, fw, Link::ms(1));
        t.link(fw, dst, Link::ms(1));
        t.route(
            fw,
            "203.0.113.30/32".parse().unwrap(),
            RouteAction::Blackhole,
        );
        let net = Network::new(t, 0).unwrap();
        let end = |d: &str| net.paths(tun, ip(d), 4)[0].end;
        assert_eq!(
            end("203.0.113.10"),
            PathEnd::Rejected(Unreachable::PROHIBITED)
        );
        assert_eq!(end("203.0.113.30"), PathEnd::Dropped);
        assert_eq!(end("203.0.113.99"), PathEnd::Rejected(Unreachable::NET));
        // The sender drops what it has no route for.
        assert_eq!(net.paths(dst, ip("198.18.0.1"), 4)[0].end, PathEnd::Dropped);
    }
}
