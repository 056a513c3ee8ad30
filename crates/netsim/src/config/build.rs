//! From the file as read ([`super::model`]) to a [`Topology`], each
//! mistake located at the table and key it is about.

use std::net::IpAddr;
use std::ops::Range;

use icmpkit_wire::extension::MplsLabel;
use toml::Spanned;

use super::convert::answers;
use super::error::{ConfigError, Source};
use super::model::{Addr, AttachmentSpec, File, HostSpec, LinkSpec, RouteSpec, RouterSpec};
use crate::ratelimit::RateLimit;
use crate::topology::{
    BadPrefix, ETHERNET_MTU, Extensions, Host, Link, Nat, NodeId, NodeKind, RouteAction, Router,
    Topology, TopologyError,
};

/// The spans of one node, for messages.
struct NodeSpans {
    name: Range<usize>,
    addresses: Vec<(IpAddr, Range<usize>)>,
    nat: Option<Range<usize>>,
}

/// The spans of one link.
struct LinkSpans {
    between: Range<usize>,
    loss: Option<Range<usize>>,
    mtu: Option<Range<usize>>,
}

/// The spans of one route.
struct RouteSpans {
    table: Range<usize>,
    via: Vec<Range<usize>>,
}

/// What is being built: the topology and where each part came from.
struct Builder<'a> {
    source: Source<'a>,
    topology: Topology,
    nodes: Vec<NodeSpans>,
    links: Vec<LinkSpans>,
    routes: Vec<RouteSpans>,
}

/// One node of the file, before it is added. (Each kind's table has its
/// own `name` and `addresses`: serde's `flatten` would lose the spans and
/// the list of valid keys.)
#[derive(Clone, Copy)]
enum Kind<'f> {
    Attachment(&'f AttachmentSpec),
    Router(&'f RouterSpec),
    Host(&'f HostSpec),
}

impl Kind<'_> {
    fn name(&self) -> &Spanned<String> {
        match self {
            Self::Attachment(a) => &a.name,
            Self::Router(r) => &r.name,
            Self::Host(h) => &h.name,
        }
    }

    fn addresses(&self) -> &[Spanned<String>] {
        match self {
            Self::Attachment(a) => &a.addresses,
            Self::Router(r) => &r.addresses,
            Self::Host(h) => &h.addresses,
        }
    }
}

/// Builds the topology `file` describes (`source` its text).
pub(super) fn build(source: Source<'_>, file: &File) -> Result<Topology, ConfigError> {
    let mut b = Builder {
        source,
        topology: Topology::new(),
        nodes: Vec::new(),
        links: Vec::new(),
        routes: Vec::new(),
    };
    // Nodes in the order the file gives them, whatever their kind.
    let mut nodes: Vec<(usize, Kind<'_>)> = Vec::new();
    nodes.extend(
        file.attachment
            .iter()
            .map(|a| (a.span().start, Kind::Attachment(a.get_ref()))),
    );
    nodes.extend(
        file.router
            .iter()
            .map(|r| (r.span().start, Kind::Router(r.get_ref()))),
    );
    nodes.extend(
        file.host
            .iter()
            .map(|h| (h.span().start, Kind::Host(h.get_ref()))),
    );
    nodes.sort_by_key(|&(start, _)| start);
    let mut ids = Vec::with_capacity(nodes.len());
    for &(_, kind) in &nodes {
        ids.push(b.node(kind)?);
    }
    // Names, addresses: checked before anything refers to a node by name.
    b.validate()?;
    for (&(_, kind), &id) in nodes.iter().zip(&ids) {
        if let Kind::Router(r) = kind {
            b.nat(id, r)?;
        }
    }
    for link in &file.link {
        b.link(link)?;
    }
    for route in &file.route {
        b.route(route)?;
    }
    if let Some(routing) = file.routing {
        b.topology.set_routing(routing.into());
    }
    b.topology.set_seed(file.seed);
    b.validate()?;
    Ok(b.topology)
}

impl Builder<'_> {
    /// An error at `span` about `key` (`""`: about the whole table).
    fn error(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        self.source.error(span, Some(key), message)
    }

    /// The node named by `name`, or an error listing the names.
    fn find(&self, name: &Spanned<String>, key: &str) -> Result<NodeId, ConfigError> {
        self.topology.find(name.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = self
                .topology
                .nodes()
                .iter()
                .map(|n| n.name.as_str())
                .collect();
            self.error(
                &name.span(),
                key,
                format!(
                    "no node named {:?}; nodes are: {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            )
        })
    }

    fn node(&mut self, kind: Kind<'_>) -> Result<NodeId, ConfigError> {
        let mut addresses = Vec::new();
        for a in kind.addresses() {
            let addr = Addr::parse(a.get_ref())
                .map_err(|message| self.error(&a.span(), "addresses", message))?;
            if addresses.iter().any(|&(seen, _)| seen == addr) {
                return Err(self.error(
                    &a.span(),
                    "addresses",
                    format!("{addr} is listed twice: list each address once"),
                ));
            }
            addresses.push((addr, a.span()));
        }
        let node = match kind {
            Kind::Attachment(_) => NodeKind::Attachment,
            Kind::Router(r) => NodeKind::Router(self.router(r)?),
            Kind::Host(h) => NodeKind::Host(self.host(h)?),
        };
        let list: Vec<IpAddr> = addresses.iter().map(|(a, _)| *a).collect();
        let id = self
            .topology
            .node(kind.name().get_ref().clone(), &list, node);
        self.nodes.push(NodeSpans {
            name: kind.name().span(),
            addresses,
            nat: None,
        });
        Ok(id)
    }

    fn host(&self, h: &HostSpec) -> Result<Host, ConfigError> {
        let mut any_ip = Vec::new();
        for p in &h.any_ip {
            any_ip.push(
                p.get_ref()
                    .parse()
                    .map_err(|e: BadPrefix| self.error(&p.span(), "any_ip", e.to_string()))?,
            );
        }
        Ok(Host {
            answers: answers(h.answers.as_ref()),
            rate_limit: h.rate_limit.map_or(RateLimit::None, Into::into),
            any_ip,
        })
    }

    fn router(&self, r: &RouterSpec) -> Result<Router, ConfigError> {
        let default = Router::default();
        let mut mpls = Vec::with_capacity(r.mpls.len());
        for (i, entry) in r.mpls.iter().enumerate() {
            let spec = entry.get_ref();
            if *spec.label.get_ref() > 0xf_ffff {
                return Err(self.error(
                    &spec.label.span(),
                    "mpls.label",
                    format!(
                        "MPLS label {} does not fit in 20 bits: give 0 to 1048575",
                        spec.label.get_ref()
                    ),
                ));
            }
            if spec.tc > 7 {
                return Err(self.error(
                    &entry.span(),
                    "mpls.tc",
                    format!(
                        "traffic class {} does not fit in 3 bits: give 0 to 7",
                        spec.tc
                    ),
                ));
            }
            mpls.push(MplsLabel {
                label: *spec.label.get_ref(),
                tc: spec.tc,
                bottom_of_stack: spec.s.unwrap_or(i + 1 == r.mpls.len()),
                ttl: spec.ttl,
            });
        }
        Ok(Router {
            errors: r.errors.unwrap_or(default.errors),
            forwarding: r.forwarding.map_or(default.forwarding, Into::into),
            rate_limit: r.rate_limit.map_or(default.rate_limit, Into::into),
            extensions: Extensions {
                mpls,
                interface_info: r.interface_info.unwrap_or(false),
            },
            balance: r.ecmp.map_or(default.balance, Into::into),
            // Set by `nat` once every node has been added.
            nat: None,
            answers: answers(r.answers.as_ref()),
        })
    }

    /// Resolves the NAT of router `r`, node `id`.
    fn nat(&mut self, id: NodeId, r: &RouterSpec) -> Result<(), ConfigError> {
        let Some(nat) = &r.nat else {
            return Ok(());
        };
        let spec = nat.get_ref();
        let outside = self.find(&spec.outside, "nat.outside")?;
        self.nodes[id.index()].nat = Some(spec.outside.span());
        if let NodeKind::Router(router) = &mut self.topology.get_mut(id).kind {
            router.nat = Some(Nat {
                outside,
                first_port: spec.first_port,
            });
        }
        Ok(())
    }

    fn link(&mut self, spec: &Spanned<LinkSpec>) -> Result<(), ConfigError> {
        let l = spec.get_ref();
        let between = l.between.get_ref();
        let [a, b] = between.as_slice() else {
            return Err(self.error(
                &l.between.span(),
                "between",
                format!(
                    "a link joins two nodes, not {}: write between = [\"r1\", \"r2\"]",
                    between.len()
                ),
            ));
        };
        let a = self.find(a, "between")?;
        let b = self.find(b, "between")?;
        let link = Link {
            delay: l.delay.0,
            jitter: l.jitter.0,
            loss: l.loss.as_ref().map_or(0.0, |loss| loss.get_ref().0),
            mtu: l.mtu.as_ref().map_or(ETHERNET_MTU, |mtu| mtu.get_ref().0),
        };
        self.topology.link(a, b, link);
        self.links.push(LinkSpans {
            between: l.between.span(),
            loss: l.loss.as_ref().map(Spanned::span),
            mtu: l.mtu.as_ref().map(Spanned::span),
        });
        Ok(())
    }

    fn route(&mut self, spec: &Spanned<RouteSpec>) -> Result<(), ConfigError> {
        let r = spec.get_ref();
        let at = self.find(&r.at, "at")?;
        let (action, via) = match (&r.via, r.reject, r.blackhole) {
            (Some(via), None, None | Some(false)) => {
                let mut ids = Vec::new();
                for name in via.get_ref() {
                    ids.push(self.find(name, "via")?);
                }
                let spans = if via.get_ref().is_empty() {
                    vec![via.span()]
                } else {
                    via.get_ref().iter().map(Spanned::span).collect()
                };
                (RouteAction::Via(ids), spans)
            }
            (None, Some(code), None | Some(false)) => {
                (RouteAction::Reject(code.into()), Vec::new())
            }
            (None, None, Some(true)) => (RouteAction::Blackhole, Vec::new()),
            _ => {
                return Err(self.error(
                    &spec.span(),
                    "",
                    "a route does one thing: give one of via = [\"r2\"], reject = \"host-unreachable\" or blackhole = true",
                ));
            }
        };
        self.topology.route(at, r.to.0, action);
        self.routes.push(RouteSpans {
            table: spec.span(),
            via,
        });
        Ok(())
    }

    /// `Topology::validate`, its error located where the file says it.
    fn validate(&self) -> Result<(), ConfigError> {
        let Err(error) = self.topology.validate() else {
            return Ok(());
        };
        let t = &self.topology;
        let named = |name: &str| -> Vec<usize> {
            t.nodes()
                .iter()
                .enumerate()
                .filter(|(_, n)| n.name == name)
                .map(|(i, _)| i)
                .collect()
        };
        let top = 0..0;
        let (span, key) = match &error {
            TopologyError::DuplicateName(name) => (
                named(name).get(1).map(|&i| self.nodes[i].name.clone()),
                "name",
            ),
            TopologyError::NoAddress(name) => (
                named(name).first().map(|&i| self.nodes[i].name.clone()),
                "addresses",
            ),
            TopologyError::DuplicateAddress { addr, second, .. } => (
                named(second).into_iter().find_map(|i| {
                    self.nodes[i]
                        .addresses
                        .iter()
                        .find(|(a, _)| a == addr)
                        .map(|(_, s)| s.clone())
                }),
                "addresses",
            ),
            TopologyError::SelfLink(_) => (
                t.edges()
                    .iter()
                    .position(|e| e.ends[0] == e.ends[1])
                    .map(|i| self.links[i].between.clone()),
                "between",
            ),
            TopologyError::MtuTooSmall { .. } => (
                t.edges().iter().position(|e| e.link.mtu < 68).map(|i| {
                    self.links[i]
                        .mtu
                        .clone()
                        .unwrap_or(self.links[i].between.clone())
                }),
                "mtu",
            ),
            TopologyError::BadLoss { .. } => (
                t.edges()
                    .iter()
                    .position(|e| !(0.0..=1.0).contains(&e.link.loss))
                    .map(|i| {
                        self.links[i]
                            .loss
                            .clone()
                            .unwrap_or(self.links[i].between.clone())
                    }),
                "loss",
            ),
            TopologyError::NotANeighbour { at, to, via } => {
                (self.route_span(at, *to, Some(via)), "via")
            }
            TopologyError::EmptyVia { at, to } => (self.route_span(at, *to, None), "via"),
            TopologyError::NatNotANeighbour { router, .. } => (
                named(router)
                    .into_iter()
                    .find_map(|i| self.nodes[i].nat.clone()),
                "nat.outside",
            ),
        };
        Err(self
            .source
            .error(&span.unwrap_or(top), Some(key), error.to_string()))
    }

    /// The span of the route at `at` to `to` (of its `via` entry naming
    /// `via`, when given).
    fn route_span(&self, at: &str, to: crate::Prefix, via: Option<&str>) -> Option<Range<usize>> {
        let t = &self.topology;
        t.routes().iter().enumerate().find_map(|(i, r)| {
            if t.get(r.at).name != at || r.to != to {
                return None;
            }
            let RouteAction::Via(hops) = &r.action else {
                return None;
            };
            let spans = &self.routes[i];
            match via {
                None => spans.via.first().cloned().or(Some(spans.table.clone())),
                Some(via) => hops
                    .iter()
                    .position(|&h| t.get(h).name == via)
                    .map(|j| spans.via[j].clone()),
            }
        })
    }
}
