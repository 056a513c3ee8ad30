//! ICMPv6: the checked view, `Repr::parse`, the NDP option and MLD record
//! iterators, and emit of what parsed.
#![no_main]

use std::net::Ipv6Addr;

use icmpkit_wire::icmpv6::{Packet, Repr};
use libfuzzer_sys::fuzz_target;

const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = Packet::new_checked(data) else {
        return;
    };
    let _ = packet.verify_checksum(SRC, DST);
    let Ok(repr) = Repr::parse(&packet) else {
        return;
    };
    match &repr {
        Repr::RouterSolicitation { options }
        | Repr::NeighborSolicitation { options, .. }
        | Repr::NeighborAdvertisement { options, .. }
        | Repr::Redirect { options, .. } => {
            for option in options {
                let _ = option;
            }
        }
        Repr::RouterAdvertisement(ra) => {
            for option in ra.options {
                if let Ok(icmpkit_wire::icmpv6::ndp::NdpOption::Dnssl { domains, .. }) = option {
                    for name in domains {
                        if let Ok(name) = name {
                            let _ = name.labels().count();
                        }
                    }
                }
            }
        }
        Repr::MldV2Report(report) => {
            for record in report.records.iter() {
                let _ = record.sources.iter().count();
            }
        }
        Repr::MldV2Query(query) => {
            let _ = query.sources.iter().count();
        }
        _ => {}
    }
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut out[..]), SRC, DST);
    let again = Packet::new_checked(&out[..]).expect("emitted bytes are a valid view");
    assert!(again.verify_checksum(SRC, DST));
    let reparsed = Repr::parse(&again).expect("emitted bytes parse");
    if reparsed != repr {
        // ICMP's one ambiguity: an error without a length attribute whose
        // quote, past byte 128, holds a well-formed extension structure
        // reads as the pre-RFC 4884 layout. Anything else is a bug.
        let layout = icmpkit_wire::extension::split(&out[8..], 0, 8).map(|m| m.layout);
        assert_eq!(
            layout,
            Ok(icmpkit_wire::extension::Layout::Compat128),
            "{repr:?} != {reparsed:?}"
        );
    }
});
