extern crate std;

use core::net::Ipv6Addr;
use std::vec::Vec;

use super::*;

const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
const A: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 3, 0, 0, 0, 0, 1);
const B: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 4, 0, 0, 0, 0, 1);
const C: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 5, 0, 0, 0, 0, 1);

/// A routing header: type, segments left, the 4 type-specific bytes, then
/// `data`, its length set from the whole.
fn header(routing_type: u8, left: u8, fixed: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut h = std::vec![58, 0, routing_type, left];
    h.extend(fixed);
    h.extend(data);
    assert_eq!(h.len() % 8, 0);
    h[1] = u8::try_from(h.len() / 8 - 1).unwrap();
    h
}

fn addresses(list: &[Ipv6Addr]) -> Vec<u8> {
    list.iter().flat_map(Ipv6Addr::octets).collect()
}

fn final_of(h: &[u8]) -> Route {
    RoutingHeader::new_checked(h)
        .unwrap()
        .final_destination(DST)
}

/// A route to `addr` (`None`: the IPv6 destination) breaking no rule.
fn to(addr: Option<Ipv6Addr>) -> Route {
    Route {
        final_destination: addr,
        broken: None,
    }
}

/// A route read past the rule it breaks.
fn broken(addr: Option<Ipv6Addr>, reason: Malformed) -> Route {
    Route {
        final_destination: addr,
        broken: Some(reason),
    }
}

fn invalid(field: &'static str, value: u32, rule: &'static str) -> Malformed {
    super::invalid(field, value, rule)
}

#[test]
fn type_0_ends_at_the_last_address() {
    let list = addresses(&[A, B]);
    assert_eq!(final_of(&header(0, 2, [0; 4], &list)), to(Some(B)));
    assert_eq!(final_of(&header(0, 1, [0; 4], &list)), to(Some(B)));
    // At the final destination the IPv6 destination is final.
    assert_eq!(final_of(&header(0, 0, [0; 4], &list)), to(None));
}

/// Broken rules are reported with the destination tshark reads: the last
/// whole address listed, none when there is none.
#[test]
fn a_broken_type_0_header_ends_at_its_last_whole_address() {
    let exceeds = |left| invalid("segments left", left, "exceeds the addresses listed");
    let list = addresses(&[A, B]);
    assert_eq!(
        final_of(&header(0, 3, [0; 4], &list)),
        broken(Some(B), exceeds(3))
    );
    assert_eq!(
        final_of(&header(0, 1, [0; 4], &[])),
        broken(None, exceeds(1))
    );
    let odd = invalid("header extension length", 1, "is odd");
    assert_eq!(final_of(&header(0, 1, [0; 4], &[0; 8])), broken(None, odd));
    // Header extension length 3: A, then half an address.
    let mut half = A.octets().to_vec();
    half.extend(&B.octets()[..8]);
    let odd = invalid("header extension length", 3, "is odd");
    assert_eq!(final_of(&header(0, 1, [0; 4], &half)), broken(Some(A), odd));
    // The length is reported before the segments left.
    assert_eq!(final_of(&header(0, 2, [0; 4], &half)), broken(Some(A), odd));
}

#[test]
fn type_2_ends_at_the_home_address() {
    let h = header(2, 1, [0; 4], &A.octets());
    assert_eq!(final_of(&h), to(Some(A)));
    assert_eq!(RoutingHeader::new_checked(&h).unwrap().routing_type(), 2);
    assert_eq!(final_of(&header(2, 0, [0; 4], &A.octets())), to(None));
    let long = header(2, 1, [0; 4], &addresses(&[A, B]));
    assert_eq!(
        final_of(&long),
        broken(Some(A), invalid("header extension length", 4, "is not 2"))
    );
    assert_eq!(
        final_of(&header(2, 1, [0; 4], &[0; 8])),
        broken(None, invalid("header extension length", 1, "is not 2"))
    );
}

#[test]
fn type_4_ends_at_segment_list_0() {
    // Segment List[0] is the last segment (RFC 8754 §2).
    let list = addresses(&[B, A, C]);
    let srh = |left| header(4, left, [2, 0, 0, 0], &list);
    assert_eq!(final_of(&srh(2)), to(Some(B)));
    assert_eq!(final_of(&srh(3)), to(Some(B)));
    assert_eq!(final_of(&srh(0)), to(None));
    assert_eq!(
        final_of(&srh(4)),
        broken(
            Some(B),
            invalid("segments left", 4, "exceeds the addresses listed")
        )
    );
    let short = header(4, 1, [3, 0, 0, 0], &list);
    let more = invalid("last entry", 3, "lists more segments than the header holds");
    assert_eq!(final_of(&short), broken(Some(B), more));
    let empty = header(4, 1, [0, 0, 0, 0], &[]);
    let more = invalid("last entry", 0, "lists more segments than the header holds");
    assert_eq!(final_of(&empty), broken(None, more));
}

#[test]
fn type_3_rebuilds_the_last_address_from_the_destination() {
    // CmprI 8, CmprE 8: two addresses of 8 bytes each.
    let mut data = Vec::new();
    data.extend(&A.octets()[8..]);
    data.extend(&C.octets()[8..]);
    let h = header(3, 2, [0x88, 0, 0, 0], &data);
    let want = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
    assert_eq!(final_of(&h), to(Some(want)));
    // CmprE 14: the last address keeps 2 bytes; three 4-byte others
    // (CmprI 12); 2 bytes pad. 8 + 12 + 2 + 2 = 24.
    let mut data = std::vec![1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
    data.extend([0xab, 0xcd, 0, 0]);
    let h = header(3, 4, [0xce, 0x20, 0, 0], &data);
    let want = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xabcd);
    assert_eq!(final_of(&h), to(Some(want)));
    assert_eq!(
        final_of(&header(3, 5, [0xce, 0x20, 0, 0], &data)),
        broken(
            Some(want),
            invalid("segments left", 5, "exceeds the addresses listed")
        )
    );
    // Uncompressed: 16 bytes each.
    let h = header(3, 1, [0, 0, 0, 0], &addresses(&[A, B]));
    assert_eq!(final_of(&h), to(Some(B)));
    // A pad that leaves no room for the last address.
    assert_eq!(
        final_of(&header(3, 1, [0x00, 0xf0, 0, 0], &addresses(&[A]))),
        broken(
            None,
            invalid(
                "header extension length",
                2,
                "leaves no room for the last address"
            )
        )
    );
    // 8 bytes of others for addresses of 16 - 3 = 13 bytes; the last
    // address, 8 bytes of zeros, is read all the same.
    assert_eq!(
        final_of(&header(3, 1, [0x38, 0, 0, 0], &[0; 16])),
        broken(
            Some(Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0)),
            invalid(
                "header extension length",
                2,
                "does not fit a whole number of compressed addresses"
            )
        )
    );
}

#[test]
fn other_types_name_no_final_destination() {
    for routing_type in [1, 5, 253, 254, 255] {
        let h = header(routing_type, 1, [0; 4], &A.octets());
        assert_eq!(final_of(&h), to(None), "{routing_type}");
    }
}

#[test]
fn a_short_header_is_malformed() {
    assert_eq!(
        RoutingHeader::new_checked(&[58, 0, 4]),
        Err(Malformed::Truncated {
            what: WHAT,
            needed: 8,
            available: 3
        })
    );
    let h = header(0, 1, [0; 4], &A.octets());
    assert_eq!(
        RoutingHeader::new_checked(&h[..20]),
        Err(Malformed::Overrun {
            what: WHAT,
            field: "header extension length",
            claimed: 24,
            available: 20
        })
    );
}
