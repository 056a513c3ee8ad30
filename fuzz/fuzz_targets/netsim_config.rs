//! Any text as a netsim topology file: an error or a topology, never a
//! panic; a topology that loads also builds a network.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(topology) = icmpkit_netsim::config::parse(text) {
        let _ = icmpkit_netsim::Network::new(topology, 0);
    }
});
