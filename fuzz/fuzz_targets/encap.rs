//! Any bytes as an Ethernet frame and as an IP packet, walked through every
//! encapsulation to the innermost IP packet, which is then dissected.
#![no_main]

use icmpkit_capture::encap::{self, MAX_LAYERS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for unwrapped in [encap::from_ethernet(data), encap::from_ip(data)] {
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
