//! The simulated IPv4 network the tests of both multi-target pingers
//! (`ping` with several targets, `fping`) run over.

use std::net::Ipv4Addr;

use icmpkit_driver::sim::{Builder, Host, Link, Route, Router, Unreachable};

/// Adds to `net` a router to 10.0.1.0/24, where the hosts `answering`
/// answer (every round trip 4 ms) and the rest is silent, and a firewall
/// that rejects 10.0.2.0/24 (admin prohibited).
pub(crate) fn ipv4_routes(net: &mut Builder, answering: &[Ipv4Addr]) {
    let router = net.router(Router::new(Ipv4Addr::new(10, 0, 0, 254)));
    let firewall =
        net.router(Router::new(Ipv4Addr::new(10, 0, 0, 253)).rejecting(Unreachable::PROHIBITED));
    let mut answers = Route::to(Ipv4Addr::new(10, 0, 1, 0), 24)
        .hop(router, Link::ms(1))
        .last_link(Link::ms(1));
    for &host in answering {
        answers = answers.host(host, Host::answering());
    }
    net.route(answers);
    net.route(
        Route::to(Ipv4Addr::new(10, 0, 2, 0), 24)
            .hop(firewall, Link::ms(1))
            .last_link(Link::ms(1))
            .every_host(Host::answering()),
    );
}
