//! Any bytes as an Ethernet frame, as an IP packet and as a frame of every
//! link type we know, walked through every encapsulation to the innermost
//! IP packet, which is then dissected.
#![no_main]

use icmpkit_capture::LinkType;
use icmpkit_capture::encap::{self, MAX_LAYERS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let walks = [encap::from_ethernet(data), encap::from_ip(data)]
        .into_iter()
        .chain(LinkType::known().map(|link_type| encap::innermost(link_type, data)));
    for unwrapped in walks {
        assert!(unwrapped.path.len() <= MAX_LAYERS + 1);
        if let Some(ip) = unwrapped.ip {
            let inside = data.as_ptr_range();
            assert!(ip.is_empty() || inside.contains(&ip.as_ptr()));
            let _ = icmpkit_wire::dissect::dissect(ip);
        }
        for layer in &unwrapped.path {
            let _ = layer.to_string();
        }
    }
});
