//! [`Labels`]: how a trace shows the addresses of its answers: names or
//! numbers (`-n`), the origin AS after each (`-A`, as traceroute prints
//! it: `[AS13335]`), and the hops an answer came back over when they are
//! not the hops it went (`--back`, as traceroute prints it: `'-5'`; the
//! count is tracepath's `back N`).

use std::fmt::Write as _;
use std::net::IpAddr;

use icmpkit_proto::trace::Answer;
use icmpkit_proto::trace::asn::{Lookup, as_label};
use serde_json::{Value, json};

use super::asn::AsNumbers;
use crate::names::Names;

/// The address labels of one run.
#[derive(Debug)]
pub struct Labels {
    names: Names,
    asn: Option<AsNumbers>,
    back: bool,
}

impl Labels {
    /// Labels from `names`, with AS lookups through `asn` when given, and
    /// return hop counts when `back`.
    pub fn new(names: Names, asn: Option<AsNumbers>, back: bool) -> Self {
        Self { names, asn, back }
    }

    /// An address as hop lines show it: `name (addr)` or `addr`, then its
    /// origin AS under `-A`.
    pub fn address(&mut self, addr: IpAddr) -> String {
        let mut label = self.names.label(addr);
        if let Some(asn) = &mut self.asn {
            label.push(' ');
            label.push_str(&as_label(asn.origin(addr)));
        }
        label
    }

    /// An answer to a probe of TTL `ttl`: its address
    /// ([`Labels::address`]), then under `--back` the hops it came back
    /// over when they are not `ttl` and its TTL is known (`'-5'`, as
    /// traceroute's `--back` prints them).
    pub fn answer(&mut self, a: &Answer, ttl: u8) -> String {
        let mut label = self.address(a.from);
        if let Some(hops) = self.back_of(a).filter(|&hops| hops != ttl) {
            let _ = write!(label, " '-{hops}'");
        }
        label
    }

    /// The hops `a` came back over, under `--back`.
    pub fn back_of(&self, a: &Answer) -> Option<u8> {
        a.back().filter(|_| self.back)
    }

    /// The reverse name of `addr` (`None` with `-n`, or none found).
    pub fn name(&mut self, addr: IpAddr) -> Option<String> {
        self.names.name(addr)
    }

    /// JSON `asn`: `null` without `-A` or when the lookup failed, else
    /// the origin AS numbers of `addr` (empty when the service knows
    /// none).
    pub fn asn_json(&mut self, addr: IpAddr) -> Value {
        match &mut self.asn {
            Some(asn) => match asn.origin(addr) {
                Lookup::Known(o) => json!(o.asns),
                Lookup::Unknown => json!([]),
                Lookup::Failed => Value::Null,
            },
            None => Value::Null,
        }
    }
}
