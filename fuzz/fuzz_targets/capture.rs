//! A pcap/pcapng file of any bytes, every frame taken apart.
#![no_main]

use icmpkit_capture::CaptureReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
