//! Reverse lookups, for iputils' `64 bytes from name (address)`.

use std::net::IpAddr;

use crate::sys;

/// The host name the system resolver gives `addr` (hosts file first, then
/// DNS as `/etc/nsswitch.conf` says), or `None`. This may send a DNS query:
/// callers ask only when the user named the target by host name, as iputils
/// does, and never in `-n` mode.
pub fn reverse_lookup(addr: IpAddr) -> Option<String> {
    sys::name_of(addr)
}
