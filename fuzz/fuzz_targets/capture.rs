//! A pcap/pcapng file of any bytes, every frame taken apart; and the same
//! bytes as one frame of every link type we know.
#![no_main]

use icmpkit_capture::{CaptureReader, LinkType, network_layer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for link_type in LinkType::known() {
        if let Some(ip) = network_layer(link_type, data) {
            let _ = icmpkit_wire::dissect::dissect(ip);
        }
    }
    let Ok(mut reader) = CaptureReader::new(data) else {
        return;
    };
    while let Some(frame) = reader.next_frame() {
        let Ok(frame) = frame else {
            break;
        };
        if let Some(ip) = frame.network_layer() {
            let _ = icmpkit_wire::dissect::dissect(ip);
        }
    }
});
