//! RFC 4884: splitting an error body and reading the extension objects.
#![no_main]

use icmpkit_wire::extension::{self, ExtensionStructure, Object};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&length_attr, body)) = data.split_first() else {
        return;
    };
    for word in [4, 8] {
        let Ok(parts) = extension::split(body, length_attr, word) else {
            continue;
        };
        let Some(ext) = parts.extension else {
            continue;
        };
        let Ok(structure) = ExtensionStructure::new_checked(ext) else {
            continue;
        };
        let _ = structure.checksum_status();
        for object in structure.objects() {
            match object {
                Ok(Object::Mpls(stack)) => {
                    let _ = stack.labels().count();
                }
                Ok(Object::InterfaceInformation(info)) => {
                    let _ = info.name_str();
                }
                _ => {}
            }
        }
        for raw in structure.raw_objects().flatten() {
            let _ = raw.parse();
        }
    }
});
