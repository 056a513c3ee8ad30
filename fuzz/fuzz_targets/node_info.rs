//! Node Information (RFC 4620): a response parsed by `Repr::parse`, its
//! Data field read as names (following compression pointers) and as
//! address entries, the names printed; a subject name encoded. Nothing
//! may panic or loop.
#![no_main]

use std::fmt::Write as _;

use icmpkit_wire::icmpv6::node_info::{AddressReplies, NameReplies, NodeName, encode_name};
use icmpkit_wire::icmpv6::{Packet, Repr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut text = String::new();
    if let Ok(packet) = Packet::new_checked(data)
        && let Ok(Repr::NodeInformationResponse { data: body, .. }
        | Repr::NodeInformationQuery { data: body, .. }) = Repr::parse(&packet)
    {
        if let Some(names) = NameReplies::new(body) {
            for name in names.take(300) {
                if let Ok((name, _)) = name {
                    let _ = write!(text, "{name}");
                }
            }
        }
        for ipv6 in [false, true] {
            for entry in AddressReplies::new(body, ipv6) {
                let _ = entry;
            }
        }
    }
    // Any offset of the raw bytes as a name.
    for at in 0..data.len().min(64) {
        if let Ok((name, consumed)) = NodeName::read(data, at) {
            assert!(consumed <= data.len() - at);
            let _ = write!(text, "{name}");
        }
    }
    if let Ok(name) = std::str::from_utf8(data) {
        let mut out = [0u8; 300];
        if let Ok(n) = encode_name(name, data.len() % 2 == 0, &mut out) {
            assert!(n <= out.len());
        }
    }
});
