//! `policy audit`: both ruleset parsers (nft JSON, iptables-save) on any
//! text, then the evaluation, findings and report of whatever parses.
#![no_main]

use icmpkit_guard::policy::audit::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in [Format::NftJson, Format::Iptables] {
        if let Ok(audit) = audit::audit(&text, Some(format)) {
            let _ = audit.findings(None);
            let _ = audit::text(&audit, None);
        }
    }
});
