//! Any bytes as a record of the monitor's history store (a raw step, a
//! consolidated point): an error or a value, never a panic; a value read
//! is written back to the same bytes' meaning.
#![no_main]

use icmpkit_monitor::history::codec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(step) = codec::decode_step(0, data) {
        let mut out = Vec::new();
        codec::encode_step(&step, &mut out);
        assert_eq!(codec::decode_step(0, &out).ok(), Some(step));
    }
    if let Ok(point) = codec::decode_point(data) {
        let mut out = Vec::new();
        codec::encode_point(&point, &mut out);
        assert_eq!(codec::decode_point(&out).ok(), Some(point));
    }
});
