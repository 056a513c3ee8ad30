//! Reverse lookups, once per address: the one cache every subcommand's
//! output uses to print `name (address)`.

use std::collections::HashMap;
use std::net::IpAddr;

/// Reverse lookups, once per address, unless numeric output was asked for
/// (`-n`). A lookup that finds nothing is remembered too.
#[derive(Debug, Default)]
pub struct Names {
    numeric: bool,
    cache: HashMap<IpAddr, Option<String>>,
}

impl Names {
    /// Lookups on unless `numeric`.
    pub fn new(numeric: bool) -> Self {
        Self {
            numeric,
            cache: HashMap::new(),
        }
    }

    /// The name of `addr`, if looked up and found.
    pub fn name(&mut self, addr: IpAddr) -> Option<String> {
        if self.numeric {
            return None;
        }
        self.cache
            .entry(addr)
            .or_insert_with(|| icmpkit_net::reverse_lookup(addr))
            .clone()
    }

    /// traceroute's form: `addr` when numeric, else `name (addr)` (the
    /// address again when it has no name).
    pub fn label(&mut self, addr: IpAddr) -> String {
        if self.numeric {
            return addr.to_string();
        }
        let name = self.name(addr).unwrap_or_else(|| addr.to_string());
        format!("{name} ({addr})")
    }

    /// iputils ping's form: `name (addr)` when a name is found, else the
    /// address alone.
    pub fn sender(&mut self, addr: IpAddr) -> String {
        match self.name(addr) {
            Some(name) => format!("{name} ({addr})"),
            None => addr.to_string(),
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
