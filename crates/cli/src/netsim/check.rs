//! `icmpkit netsim check TOPOLOGY`: reads and validates a topology and
//! shows, from the attachment, the path to every address of every node
//! (each ECMP branch on a line of its own) with its one-way delay and
//! MTU, or how it ends short of it; then the same for the first address
//! of every static route's prefix. No device, no privilege.

use std::fmt::Write as _;
use std::net::IpAddr;

use icmpkit_netsim::{Network, NodeId, NodeKind, Path, PathEnd, Routing, Unreachable};

/// The most paths shown per address (a wide fabric multiplies them).
const MAX_PATHS: usize = 16;

/// The report of `check` for `network` seen from `from`, headed by
/// `file`.
pub fn report(file: &str, network: &Network, from: NodeId) -> String {
    let topology = network.topology();
    let routing = match topology.routing() {
        Routing::ShortestPath => "shortest-path",
        Routing::Static => "static",
    };
    let mut out = format!(
        "{file}: {} nodes, {} links, {} static routes, {routing} routing\n",
        topology.nodes().len(),
        topology.edges().len(),
        topology.routes().len(),
    );
    let me = topology.get(from);
    let own: Vec<String> = me.addresses.iter().map(ToString::to_string).collect();
    let _ = writeln!(out, "from {} ({}):", me.name, own.join(", "));
    let mut rows = Vec::new();
    for (i, node) in topology.nodes().iter().enumerate() {
        if i == from.index() {
            continue;
        }
        let mut targets: Vec<(String, IpAddr)> =
            node.addresses.iter().map(|&a| (a.to_string(), a)).collect();
        if let NodeKind::Host(h) = &node.kind {
            targets.extend(h.any_ip.iter().map(|p| (p.to_string(), p.addr())));
        }
        for (shown, addr) in targets {
            let paths = network.paths(from, addr, MAX_PATHS);
            for path in &paths {
                rows.push([node.name.clone(), shown.clone(), describe(network, path)]);
            }
            if paths.len() == MAX_PATHS {
                rows.push([
                    node.name.clone(),
                    shown,
                    format!("(first {MAX_PATHS} paths)"),
                ]);
            }
        }
    }
    // The prefixes of static routes, as the first address of each.
    let mut seen = Vec::new();
    for route in topology.routes() {
        if seen.contains(&route.to) || route.to.is_empty() {
            continue;
        }
        seen.push(route.to);
        for path in network.paths(from, route.to.addr(), MAX_PATHS) {
            rows.push([
                "(route)".to_owned(),
                route.to.to_string(),
                describe(network, &path),
            ]);
        }
    }
    let width = |k: usize| rows.iter().map(|r| r[k].len()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    for [name, addr, path] in rows {
        let _ = writeln!(out, "  {name:<w0$}  {addr:<w1$}  {path}");
    }
    out
}

/// A path's nodes, then its delay and MTU, or how it ends.
fn describe(network: &Network, path: &Path) -> String {
    let topology = network.topology();
    let names: Vec<&str> = path
        .nodes
        .iter()
        .map(|&n| topology.get(n).name.as_str())
        .collect();
    let route = names.join(" > ");
    let last = names.last().copied().unwrap_or("");
    match path.end {
        PathEnd::Delivered => {
            let delay = path.delay(network);
            let mtu = path
                .mtu(network)
                .map_or_else(String::new, |m| format!(", mtu {m}"));
            let hops = match path.links.len() {
                1 => "1 hop".to_owned(),
                n => format!("{n} hops"),
            };
            format!("{route}  ({hops}, {delay:?} one way{mtu})")
        }
        PathEnd::Rejected(code) => format!("{route}  (rejected by {last}: {})", reason(code)),
        PathEnd::Dropped => format!("{route}  (dropped by {last})"),
        PathEnd::Loop => format!("{route}  (a routing loop)"),
    }
}

/// A rejection's reason, as traceroute marks it.
fn reason(code: Unreachable) -> &'static str {
    match code {
        Unreachable::NET => "net unreachable, !N",
        Unreachable::HOST => "host unreachable, !H",
        Unreachable::PROHIBITED => "administratively prohibited, !X",
        Unreachable::PORT => "port unreachable",
        Unreachable::PROTOCOL => "protocol unreachable, !P",
        _ => "unreachable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: &str) -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/netsim/").to_owned() + file;
        let topology = icmpkit_netsim::config::load(&path).unwrap();
        let tun = topology.find("tun").unwrap();
        let network = Network::new(topology, 0).unwrap();
        report(file, &network, tun)
    }

    #[test]
    fn the_chain_shows_one_path_per_address() {
        let out = check("chain.toml");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn the_diamond_shows_each_branch_and_reject_ends_are_named() {
        insta::assert_snapshot!(check("diamond.toml"));
        insta::assert_snapshot!(check("reject.toml"));
    }
}
