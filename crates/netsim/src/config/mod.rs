//! Topology files (TOML): what `icmpkit netsim up FILE` reads.
//!
//! A file lists nodes (`[[attachment]]`, `[[router]]`, `[[host]]`), the
//! `[[link]]`s between them and static `[[route]]`s; every key but a
//! node's `name` and a link's `between` (and a route's `at`, `to` and
//! action) has a default. `examples/netsim/` has one file per feature and
//! a README with the same reference.
//!
//! ```toml
//! routing = "shortest-path"   # or "static": the [[route]]s alone
//! seed = 7                    # randomness (loss, jitter, ECMP per packet)
//!
//! [[attachment]]              # where the TUN device (or the test) plugs in
//! name = "tun"
//! addresses = ["198.51.100.1", "2001:db8:100::1"]
//!
//! [[router]]
//! name = "r1"
//! addresses = ["198.51.100.11", "2001:db8:1::1"]
//! errors = true               # false: a silent (* * *) hop that forwards
//! forwarding = "forward"      # "drop" | { reject = "prohibited" }
//! # "none" | "linux" | { linux = { ratelimit = "1s", ratemask = 0x1818,
//! # msgs_per_sec = 1000, msgs_burst = 50 } } | { burst = 10, per_second = 1 }
//! rate_limit = "linux"
//! ecmp = "per-flow"           # or "per-packet"
//! mpls = [{ label = 16005, tc = 0, ttl = 1 }]   # RFC 4950 on Time Exceeded
//! interface_info = true       # RFC 5837 on its errors
//! nat = { outside = "r2", first_port = 40000 }
//! answers = { initial_ttl = 255 }
//!
//! [[router]]
//! name = "r2"
//! addresses = ["198.51.100.12", "2001:db8:2::1"]
//!
//! [[host]]
//! name = "dst"
//! addresses = ["203.0.113.10", "2001:db8:10::10"]
//! any_ip = ["203.0.113.0/24"] # every address of these prefixes answers
//! rate_limit = "none"
//! answers = { echo = true, udp = "port-unreachable", tcp = "rst", initial_ttl = 64, extended_echo = "off" }
//!
//! [[link]]
//! between = ["tun", "r1"]
//! delay = "5ms"               # one way; humantime: "250us", "1s 5ms"
//! jitter = "0ms"              # up to this much more, per packet
//! loss = 0                    # a probability (0.01) or "1%"
//! mtu = 1500                  # 68 to 65535
//!
//! [[link]]
//! between = ["r1", "r2"]
//!
//! [[link]]
//! between = ["r2", "dst"]
//!
//! [[route]]
//! at = "r1"
//! to = "203.0.113.0/24"
//! via = ["r2"]                # or reject = "host-unreachable", or blackhole = true
//! ```
//!
//! Reject codes (`forwarding = { reject = ... }`, a route's `reject`):
//! `"net-unreachable"`, `"host-unreachable"`, `"protocol-unreachable"`,
//! `"port-unreachable"`, `"prohibited"`. An `answers` table also takes
//! `interfaces = [{ name = "eth0", index = 2, addresses = [...], up = true
//! }]`, the table extended echo asks about (by default `lo` and one
//! `ethN` per link). MPLS entries take `label` (20 bits), `tc` (or `exp`,
//! 3 bits, default 0), `s` (bottom of stack, default: on the last entry)
//! and `ttl` (default 1). A NAT's `first_port` defaults to 40000.
//!
//! Every mistake is reported with the file, line and column, the table
//! (`link 3`: the third `[[link]]`) and key, and what to write instead:
//!
//! ```text
//! mine.toml:19:18: link 3, between: no node named "r9"; nodes are: tun, r1, r2
//! ```

mod build;
mod convert;
mod error;
mod locate;
mod model;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use error::{ConfigError, Location};

use crate::topology::Topology;
use error::Source;

/// Reads a topology from TOML text (validated: [`Topology::validate`]'s
/// mistakes are located in the text too).
pub fn parse(text: &str) -> Result<Topology, ConfigError> {
    read(Source { text, file: None })
}

/// Reads a topology file; errors name it.
pub fn load(path: impl AsRef<Path>) -> Result<Topology, ConfigError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read(Source {
        text: &text,
        file: Some(path),
    })
}

fn read(source: Source<'_>) -> Result<Topology, ConfigError> {
    // Syntax first: its errors have no table or key to name.
    source
        .text
        .parse::<toml::Table>()
        .map_err(|e| source.syntax_error(&e))?;
    let file: model::File = toml::from_str(source.text).map_err(|e| source.serde_error(&e))?;
    build::build(source, &file)
}
