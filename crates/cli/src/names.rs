//! Reverse lookups, once per address: the one cache every subcommand's
//! output uses to print `name (address)`.

use std::collections::HashMap;
use std::net::IpAddr;

/// The most addresses looked up in one run; past them, addresses print
/// numerically. Senders can be forged at any rate: neither the lookups
/// (each one can block) nor the cache may grow with them.
const MAX_LOOKUPS: usize = 4096;

/// Reverse lookups, once per address, unless numeric output was asked for
/// (`-n`), and at most [`MAX_LOOKUPS`] of them. A lookup that finds nothing
/// is remembered too. Names are escaped as every string from the network
/// is (`crate::escape`).
#[derive(Debug, Default)]
pub struct Names {
    numeric: bool,
    cache: HashMap<IpAddr, Option<String>>,
    /// The interface link-local addresses are printed with (`%eth0`).
    link_scope: u32,
}

impl Names {
    /// Lookups on unless `numeric`.
    pub fn new(numeric: bool) -> Self {
        Self {
            numeric,
            cache: HashMap::new(),
            link_scope: 0,
        }
    }

    /// These names, printing link-local addresses with the interface of
    /// index `scope` (`fe80::1%eth0`, as iputils prints what arrived on
    /// it); 0 prints them bare.
    #[must_use]
    pub fn with_link_scope(mut self, scope: u32) -> Self {
        self.link_scope = scope;
        self
    }

    /// `addr` as printed: with its interface when it is link-local.
    fn shown(&self, addr: IpAddr) -> String {
        match addr {
            IpAddr::V6(a) if icmpkit_net::needs_scope(&a) => {
                crate::args::scoped(addr, self.link_scope)
            }
            _ => addr.to_string(),
        }
    }

    /// The name of `addr`, if looked up and found.
    pub fn name(&mut self, addr: IpAddr) -> Option<String> {
        if self.numeric {
            return None;
        }
        if let Some(known) = self.cache.get(&addr) {
            return known.clone();
        }
        if self.cache.len() >= MAX_LOOKUPS {
            return None;
        }
        let name =
            icmpkit_net::reverse_lookup(addr).map(|name| crate::escape::text(&name).into_owned());
        self.cache.insert(addr, name.clone());
        name
    }

    /// `addr` as printed, never looked up: for senders that are forged by
    /// definition (a reply without its probe's nonce).
    pub fn numeric(&self, addr: IpAddr) -> String {
        self.shown(addr)
    }

    /// traceroute's form: `addr` when numeric, else `name (addr)` (the
    /// address again when it has no name).
    pub fn label(&mut self, addr: IpAddr) -> String {
        let shown = self.shown(addr);
        if self.numeric {
            return shown;
        }
        let name = self.name(addr).unwrap_or_else(|| shown.clone());
        format!("{name} ({shown})")
    }

    /// iputils ping's form: `name (addr)` when a name is found, else the
    /// address alone.
    pub fn sender(&mut self, addr: IpAddr) -> String {
        match self.name(addr) {
            Some(name) => format!("{name} ({})", self.shown(addr)),
            None => self.shown(addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_names_print_the_address_alone_and_look_nothing_up() {
        let mut names = Names::new(true);
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(names.name(addr), None);
        assert_eq!(names.label(addr), "192.0.2.7");
        assert_eq!(names.sender(addr), "192.0.2.7");
        assert!(names.cache.is_empty());
    }

    #[test]
    fn a_looked_up_address_is_remembered() {
        let mut names = Names::new(false);
        let addr: IpAddr = "127.0.0.1".parse().unwrap();
        let first = names.name(addr);
        assert_eq!(names.cache.len(), 1);
        assert_eq!(names.name(addr), first);
        assert_eq!(names.cache.len(), 1);
    }
}
