//! The decoder's core: any bytes as an IP packet, every layer walked.
#![no_main]

use icmpkit_wire::dissect::dissect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(d) = dissect(data) else {
        return;
    };
    if let Some(Ok(quote)) = &d.quote() {
        let _ = quote.probe_identity();
    }
    if let Some(Ok(ext)) = &d.extension() {
        let _ = ext.checksum_status();
        for object in ext.objects() {
            if let Ok(icmpkit_wire::extension::Object::Mpls(stack)) = object {
                let _ = stack.labels().count();
            }
        }
    }
    if let Ok(message) = &d.message {
        let _ = message.error_body();
    }
    let _ =
        icmpkit_wire::meaning::summary(d.version, d.msg_type().unwrap_or(0), d.code().unwrap_or(0));
});
