//! Any bytes as hex dumps, every packet read and taken apart.
#![no_main]

use icmpkit_capture::hex::HexReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = HexReader::new(data);
    while let Ok(Some(ip)) = reader.next_packet(&mut || Ok(())) {
        // As `decode --hex` reads a dump: a whole frame, or an IP packet.
        let unwrapped = match icmpkit_capture::hex::link_type_of(ip) {
            Some(link) => icmpkit_capture::encap::innermost(link, ip),
            None => icmpkit_capture::encap::from_ip(ip),
        };
        let _ = icmpkit_wire::dissect::dissect(unwrapped.ip.unwrap_or(ip));
    }
});
