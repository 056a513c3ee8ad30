//! Every way an ICMPv6 message can be malformed, each with its exact reason.

extern crate std;

use std::string::ToString;
use std::vec::Vec;

use super::super::mld::Records;
use super::super::ndp::{DomainNames, NdpOption, NdpOptions};
use super::super::{Packet, Repr};
use super::{handmade as h, linux as l};
use crate::error::Malformed;

/// A Neighbor Solicitation for `fd00::3` followed by `options`.
fn ns_with(options: &[u8]) -> Vec<u8> {
    let mut m = l::NEIGHBOR_SOLICITATION[..24].to_vec();
    m.extend_from_slice(options);
    m
}

fn parse(bytes: &[u8]) -> Result<Repr<'_>, Malformed> {
    Repr::parse(&Packet::new_unchecked(bytes))
}

fn invalid(what: &'static str, field: &'static str, value: u32, rule: &'static str) -> Malformed {
    Malformed::Invalid {
        what,
        field,
        value,
        rule,
    }
}

/// The content error of a lone option whose framing is sound.
fn option_error(option: &[u8]) -> Malformed {
    let options = NdpOptions::new(option).unwrap();
    let mut it = options.iter();
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(it.next(), None);
    e
}

#[test]
fn option_of_length_zero_discards_the_packet() {
    let m = ns_with(&[1, 0, 0, 0, 0, 0, 0, 0]);
    let e = parse(&m).unwrap_err();
    assert_eq!(
        e,
        invalid(
            "NDP option",
            "length",
            0,
            "is not allowed: the packet must be discarded (RFC 4861 §4.6)"
        )
    );
    assert!(e.to_string().starts_with("NDP option: length 0 "));
    // The same after a good option; and the unchecked iterator yields it once.
    let m = ns_with(&[1, 1, 2, 0xfc, 0, 0, 0, 1, 5, 0, 0, 0]);
    assert_eq!(parse(&m).unwrap_err(), e);
    let mut it = NdpOptions::new_unchecked(&m[24..]).iter();
    assert!(matches!(
        it.next(),
        Some(Ok(NdpOption::SourceLinkLayerAddress(_)))
    ));
    assert_eq!(it.next(), Some(Err(e)));
    assert_eq!(it.next(), None);
}

#[test]
fn option_overrunning_or_cut() {
    let m = ns_with(&[1, 2, 2, 0xfc, 0, 0, 0, 1]);
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Overrun {
            what: "NDP option",
            field: "length",
            claimed: 16,
            available: 8
        }
    );
    let m = ns_with(&[1, 1, 2, 0xfc, 0, 0, 0, 1, 5]);
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Truncated {
            what: "NDP option",
            needed: 2,
            available: 1
        }
    );
    // Router Advertisement, Redirect, Router Solicitation and Neighbor
    // Advertisement check their options the same way.
    for (bytes, at) in [
        (&l::ROUTER_ADVERTISEMENT[..], 16),
        (&h::REDIRECT[..], 40),
        (&l::ROUTER_SOLICITATION[..], 8),
        (&l::NEIGHBOR_ADVERTISEMENT[..], 24),
    ] {
        let mut m = bytes.to_vec();
        m[at + 1] = 0;
        assert!(matches!(
            parse(&m),
            Err(Malformed::Invalid { value: 0, .. })
        ));
        m[at + 1] = 255;
        assert!(matches!(
            parse(&m),
            Err(Malformed::Overrun { claimed: 2040, .. })
        ));
    }
}

#[test]
fn rdnss_of_even_or_short_length() {
    let rule = "is not odd and at least 3 as an RDNSS option needs (RFC 8106 §5.1)";
    let mut opt = [0u8; 32];
    opt[0] = 25;
    opt[1] = 4;
    assert_eq!(option_error(&opt), invalid("NDP option", "length", 4, rule));
    opt[1] = 2;
    assert_eq!(
        option_error(&opt[..16]),
        invalid("NDP option", "length", 2, rule)
    );
    opt[1] = 1;
    assert_eq!(
        option_error(&opt[..8]),
        invalid("NDP option", "length", 1, rule)
    );
    // A bad RDNSS option does not hide the options after it, nor does it
    // make the message malformed (RFC 8106 has the option ignored).
    let mut m = ns_with(&opt[..8]);
    m.extend_from_slice(&[5, 1, 0, 0, 0, 0, 5, 0xdc]);
    let Repr::NeighborSolicitation { options, .. } = parse(&m).unwrap() else {
        unreachable!()
    };
    let items: Vec<_> = options.iter().collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_err());
    assert_eq!(items[1], Ok(NdpOption::Mtu(1500)));
}

#[test]
fn wrong_fixed_lengths() {
    let mut prefix = [0u8; 40];
    prefix[0] = 3;
    prefix[1] = 3;
    assert_eq!(
        option_error(&prefix[..24]),
        invalid(
            "NDP option",
            "length",
            3,
            "is not 4 as a Prefix Information option needs"
        )
    );
    prefix[1] = 5;
    assert_eq!(
        option_error(&prefix),
        invalid(
            "NDP option",
            "length",
            5,
            "is not 4 as a Prefix Information option needs"
        )
    );
    let mtu = [5u8, 2, 0, 0, 0, 0, 5, 0xdc, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        option_error(&mtu),
        invalid("NDP option", "length", 2, "is not 1 as an MTU option needs")
    );
    let dnssl = [31u8, 1, 0, 0, 0, 0, 0, 1];
    assert_eq!(
        option_error(&dnssl),
        invalid(
            "NDP option",
            "length",
            1,
            "is below the minimum of 2 for a DNSSL option (RFC 8106 §5.2)"
        )
    );
}

#[test]
fn route_information_lengths() {
    let mut opt = [0u8; 32];
    opt[0] = 24;
    opt[1] = 4;
    assert_eq!(
        option_error(&opt),
        invalid(
            "NDP option",
            "length",
            4,
            "is outside 1..=3 for a Route Information option"
        )
    );
    opt[1] = 3;
    opt[2] = 129;
    assert_eq!(
        option_error(&opt[..24]),
        invalid(
            "NDP Route Information option",
            "prefix length",
            129,
            "exceeds 128"
        )
    );
    let short = "is too short for the prefix length (RFC 4191 §2.3)";
    opt[1] = 2;
    opt[2] = 65;
    assert_eq!(
        option_error(&opt[..16]),
        invalid("NDP option", "length", 2, short)
    );
    opt[1] = 1;
    opt[2] = 1;
    assert_eq!(
        option_error(&opt[..8]),
        invalid("NDP option", "length", 1, short)
    );
    // A default route in one unit is fine.
    opt[2] = 0;
    assert!(
        NdpOptions::new(&opt[..8])
            .unwrap()
            .iter()
            .all(|o| o.is_ok())
    );
}

#[test]
fn dnssl_names() {
    let too_long = [64u8, b'a'];
    assert_eq!(
        DomainNames::new(&too_long).iter().next(),
        Some(Err(invalid(
            "DNSSL domain name",
            "label length",
            64,
            "exceeds 63 (RFC 1035 §2.3.4)"
        )))
    );
    let cut = [7u8, b'e', b'x', b'a'];
    let mut it = DomainNames::new(&cut).iter();
    assert_eq!(
        it.next(),
        Some(Err(Malformed::Truncated {
            what: "DNSSL domain name",
            needed: 9,
            available: 4
        }))
    );
    assert_eq!(it.next(), None);
    // Unterminated name: the label fits but no closing zero follows.
    let open = [3u8, b'c', b'o', b'm'];
    assert!(DomainNames::new(&open).iter().next().unwrap().is_err());
    assert_eq!(DomainNames::new(&[0, 0, 0]).iter().next(), None);
}

#[test]
fn mld_query_lengths() {
    for len in 25..28 {
        let m = &h::MLD_V2_QUERY[..len];
        assert_eq!(
            parse(m).unwrap_err(),
            invalid(
                "ICMPv6 Multicast Listener Query",
                "length",
                u32::try_from(len).unwrap(),
                "is neither 24 (MLDv1) nor at least 28 (MLDv2) (RFC 3810 §8.1)"
            )
        );
    }
    assert_eq!(
        parse(&h::MLD_V2_QUERY[..20]).unwrap_err(),
        Malformed::Truncated {
            what: "ICMPv6 Multicast Listener Query",
            needed: 24,
            available: 20
        }
    );
    let mut m = h::MLD_V2_QUERY.to_vec();
    m[27] = 3;
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Overrun {
            what: "ICMPv6 MLDv2 Query",
            field: "number of sources",
            claimed: 48,
            available: 32
        }
    );
}

#[test]
fn mld_v2_report_records() {
    let mut m = l::MLD_V2_REPORT.to_vec();
    m[7] = 2;
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Truncated {
            what: "MLDv2 multicast address record",
            needed: 20,
            available: 0
        }
    );
    let mut m = l::MLD_V2_REPORT.to_vec();
    m[11] = 1;
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Overrun {
            what: "MLDv2 multicast address record",
            field: "number of sources",
            claimed: 16,
            available: 0
        }
    );
    let mut m = l::MLD_V2_REPORT.to_vec();
    m[9] = 1;
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Overrun {
            what: "MLDv2 multicast address record",
            field: "aux data len",
            claimed: 4,
            available: 0
        }
    );
    assert!(Records::new(&l::MLD_V2_REPORT[8..27], 1).is_err());
    m[9] = 0;
    m.truncate(7);
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Truncated {
            what: "ICMPv6 header",
            needed: 8,
            available: 7
        }
    );
}

#[test]
fn rfc4884_length_past_the_end() {
    let mut m = l::PORT_UNREACHABLE.to_vec();
    m[4] = 8;
    assert_eq!(
        parse(&m).unwrap_err(),
        Malformed::Overrun {
            what: "RFC 4884 original datagram",
            field: "length attribute",
            claimed: 64,
            available: 61
        }
    );
    let mut m = l::TIME_EXCEEDED.to_vec();
    m[4] = 10;
    assert!(matches!(
        parse(&m),
        Err(Malformed::Overrun { claimed: 80, .. })
    ));
}
