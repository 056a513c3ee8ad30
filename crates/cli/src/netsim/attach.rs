//! Where the TUN device plugs into a topology: which attachment it is,
//! the addresses it gets and the prefixes routed into it.

use std::collections::BTreeSet;
use std::net::IpAddr;

use anyhow::{Result, bail};
use icmpkit_net::tun::Setup;
use icmpkit_netsim::{NodeId, NodeKind, Topology};

/// The attachment named `name`, or the topology's only one.
pub fn choose(topology: &Topology, name: Option<&str>) -> Result<NodeId> {
    let attachments: Vec<NodeId> = topology.attachments().collect();
    let names = || {
        attachments
            .iter()
            .map(|&a| topology.get(a).name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(name) => match topology.find(name) {
            Some(id) if attachments.contains(&id) => Ok(id),
            Some(_) => bail!(
                "--attachment {name}: that node is not an attachment; the attachments are: {}",
                names()
            ),
            None => bail!(
                "--attachment {name}: no node of that name; the attachments are: {}",
                names()
            ),
        },
        None => match attachments.as_slice() {
            [one] => Ok(*one),
            [] => bail!(
                "the topology has no attachment: add a node of kind attachment, linked to a \
                 router, where the TUN device plugs in"
            ),
            _ => bail!(
                "the topology has several attachments ({}): choose one with --attachment NAME",
                names()
            ),
        },
    }
}

/// The device's setup: the attachment's addresses (/32, /128), a route
/// to every address of every other node, to hosts' `AnyIP` prefixes and
/// to the prefixes of static routes (never a default route, `/0`, which
/// would take the host's own traffic), and the MTU of the attachment's
/// links (the smallest), as a host's interface has its link's.
pub fn setup(topology: &Topology, attachment: NodeId) -> Setup {
    let own = &topology.get(attachment).addresses;
    let full = |a: IpAddr| if a.is_ipv4() { 32 } else { 128 };
    let addresses = own.iter().map(|&a| (a, full(a))).collect();
    let mut routes = BTreeSet::new();
    for (i, node) in topology.nodes().iter().enumerate() {
        if i == attachment.index() {
            continue;
        }
        routes.extend(node.addresses.iter().map(|&a| (a, full(a))));
        if let NodeKind::Host(host) = &node.kind {
            routes.extend(host.any_ip.iter().map(|p| (p.addr(), p.len())));
        }
    }
    routes.extend(topology.routes().iter().map(|r| (r.to.addr(), r.to.len())));
    routes.retain(|&(addr, len)| len > 0 && !own.contains(&addr));
    let mtu = topology
        .links_of(attachment)
        .map(|l| u32::from(topology.edges()[l.index()].link.mtu))
        .min();
    Setup {
        addresses,
        routes: routes.into_iter().collect(),
        mtu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `examples/netsim/chain.toml`.
    fn chain() -> Topology {
        icmpkit_netsim::config::parse(include_str!("../../../../examples/netsim/chain.toml"))
            .unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_chain_routes_every_other_address_into_the_device() {
        let topology = chain();
        let tun = choose(&topology, None).unwrap();
        let setup = setup(&topology, tun);
        assert_eq!(
            setup.addresses,
            [(ip("198.51.100.1"), 32), (ip("2001:db8:100::1"), 128)]
        );
        assert_eq!(setup.routes.len(), 10);
        assert_eq!(setup.mtu, Some(1500));
        assert!(setup.routes.contains(&(ip("203.0.113.10"), 32)));
        assert!(setup.routes.contains(&(ip("2001:db8:10::10"), 128)));
        assert!(setup.routes.contains(&(ip("198.51.100.14"), 32)));
        assert!(!setup.routes.iter().any(|&(a, _)| a == ip("198.51.100.1")));
    }

    #[test]
    fn attachments_are_chosen_by_name_or_alone() {
        let topology = chain();
        assert!(choose(&topology, Some("tun")).is_ok());
        let e = choose(&topology, Some("r1")).unwrap_err().to_string();
        assert_eq!(
            e,
            "--attachment r1: that node is not an attachment; the attachments are: tun"
        );
        let e = choose(&topology, Some("nope")).unwrap_err().to_string();
        assert!(e.contains("no node of that name"), "{e}");
    }
}
