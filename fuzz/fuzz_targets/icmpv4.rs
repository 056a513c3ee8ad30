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
    assert_eq!(Repr::parse(&again).expect("emitted bytes parse"), repr);
});
