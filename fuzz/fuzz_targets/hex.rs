//! Any bytes as hex dumps, every packet read and taken apart.
#![no_main]

use icmpkit_capture::hex::HexReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = HexReader::new(data);
    while let Ok(Some(ip)) = reader.next_packet(&mut || Ok(())) {
        let _ = icmpkit_wire::dissect::dissect(ip);
    }
});
