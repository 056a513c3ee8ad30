//! The Ethernet type values both the link layers and the tunnels read.

/// IPv4.
pub(crate) const IPV4: u16 = 0x0800;
/// IPv6.
pub(crate) const IPV6: u16 = 0x86dd;
/// 802.1Q, 802.1ad and the older pre-standard `QinQ` tag protocol identifier.
pub(crate) const VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];
