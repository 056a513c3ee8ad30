//! IPv4/IPv6/UDP/TCP views, IPv4 options, the IPv6 extension-header walk,
//! and lax parsing of quoted datagrams of both families.
#![no_main]

use icmpkit_wire::{IpVersion, ipv4, ipv6, quote, tcp, udp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = ipv4::Packet::new_checked(data) {
        let _ = p.verify_checksum();
        for option in p.option_iter() {
            let _ = option;
        }
        let _ = ipv4::Repr::parse(&p);
    }
    if let Ok(p) = ipv6::Packet::new_checked_lax(data) {
        let _ = p.upper_layer();
        let _ = ipv6::walk_extensions_lax(p.next_header(), p.payload_lax());
        let _ = ipv6::Repr::parse(&p);
    }
    if let Some((&next, rest)) = data.split_first() {
        let _ = ipv6::walk_extensions(next, rest);
    }
    let _ = udp::Packet::new_checked(data);
    let _ = tcp::Packet::new_checked(data);
    for version in [IpVersion::V4, IpVersion::V6] {
        if let Ok(q) = quote::parse(data, version) {
            let _ = q.probe_identity();
        }
    }
});
