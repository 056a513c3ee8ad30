//! Network interfaces by name and index, and the IPv6 addresses that need
//! one to mean anything (RFC 4007 zones: `fe80::1%eth0`).

use std::net::Ipv6Addr;

use crate::sys;

/// The index of the interface named `name`; `None` when there is none.
pub fn interface_index(name: &str) -> Option<u32> {
    sys::interface_index(name)
}

/// The name of the interface with index `index`; `None` when there is
/// none.
pub fn interface_name(index: u32) -> Option<String> {
    sys::interface_name(index)
}

/// Whether `addr` names a node only together with an interface (its scope
/// is one link or one interface, RFC 4007): link-local unicast
/// (`fe80::/10`) and interface- or link-local multicast (`ff01::/16`,
/// `ff02::/16`, any flags). The kernel takes the `sin6_scope_id` of a
/// socket address only for these.
pub fn needs_scope(addr: &Ipv6Addr) -> bool {
    let first = addr.segments()[0];
    first & 0xffc0 == 0xfe80 || (first & 0xff00 == 0xff00 && matches!(first & 0x000f, 1 | 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_and_small_multicast_scopes_need_an_interface() {
        let needs = |a: &str| needs_scope(&a.parse().unwrap());
        assert!(needs("fe80::1") && needs("febf::1") && needs("ff02::1") && needs("ff12::2"));
        assert!(needs("ff01::1"));
        assert!(!needs("fec0::1") && !needs("2001:db8::1") && !needs("::1"));
        assert!(!needs("ff05::2") && !needs("::ffff:192.0.2.9"));
    }

    #[test]
    fn loopback_has_index_and_name_and_nonsense_has_neither() {
        let index = interface_index("lo").expect("lo exists");
        assert_eq!(interface_name(index).as_deref(), Some("lo"));
        assert_eq!(interface_index("no such interface"), None);
        assert_eq!(interface_index("bad\0name"), None);
        assert_eq!(interface_name(0), None);
        assert_eq!(interface_name(u32::MAX), None);
    }
}
