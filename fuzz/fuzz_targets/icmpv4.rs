//! ICMPv4: the checked view, `Repr::parse`, and emit of what parsed.
#![no_main]

use icmpkit_wire::icmpv4::{Packet, Repr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::new_checked(data) else {
        return;
    };
    let _ = packet.verify_checksum();
    let Ok(repr) = Repr::parse(&packet) else {
        return;
    };
    // Whatever parses must emit into exactly its own length and parse back.
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut out[..]));
    let again = Packet::new_checked(&out[..]).expect("emitted bytes are a valid view");
    assert!(again.verify_checksum());
    let reparsed = Repr::parse(&again).expect("emitted bytes parse");
    if reparsed != repr {
        // ICMP's one ambiguity: an error without a length attribute whose
        // quote, past byte 128, holds a well-formed extension structure
        // reads as the pre-RFC 4884 layout. Anything else is a bug.
        let layout = icmpkit_wire::extension::split(&out[8..], 0, 4).map(|m| m.layout);
        assert_eq!(
            layout,
            Ok(icmpkit_wire::extension::Layout::Compat128),
            "{repr:?} != {reparsed:?}"
        );
    }
});
