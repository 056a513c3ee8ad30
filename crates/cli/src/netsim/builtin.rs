//! Topologies built in code, for tests and benchmarks that must not wait
//! for a file (`--builtin NAME`, hidden): `chain` is
//! `examples/netsim/chain.toml` (tun → r1 → r2 → r3 → r4 → `203.0.113.10`
//! and `2001:db8:10::10`, 5 ms links, the last with MTU 1280); `chain0` the
//! same with no delay; `one0`, tun → r1 → the destination with no delay,
//! the shape of the kernel's lab chain (`bench/netsim.sh` compares them).

use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Result, bail};
use icmpkit_netsim::{Host, Link, Router, Topology};

/// The built-in topology `name`.
pub fn topology(name: &str) -> Result<Topology> {
    match name {
        "chain" => Ok(chain(4, Duration::from_millis(5))),
        "chain0" => Ok(chain(4, Duration::ZERO)),
        "one0" => Ok(chain(1, Duration::ZERO)),
        _ => bail!("--builtin {name}: unknown; use chain, chain0 or one0"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("a literal address")
}

/// tun — r1 — ... — r`routers` — dst, `delay` per link, the last MTU
/// 1280.
fn chain(routers: u8, delay: Duration) -> Topology {
    let mut t = Topology::new();
    let tun = t.attachment("tun", &[ip("10.0.0.1"), ip("fd00::1")]);
    let mut prev = tun;
    for i in 1..=routers {
        let r = t.router(
            format!("r{i}"),
            &[ip(&format!("10.0.{i}.1")), ip(&format!("fd00:{i}::1"))],
            Router::default(),
        );
        t.link(prev, r, Link::new(delay));
        prev = r;
    }
    let dst = t.host(
        "dst",
        &[ip("203.0.113.10"), ip("2001:db8:10::10")],
        Host::default(),
    );
    t.link(prev, dst, Link::new(delay).mtu(1280));
    t
}
