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

fn final_of(h: &[u8]) -> Result<Option<Ipv6Addr>> {
    RoutingHeader::new_checked(h)?.final_destination(DST)
}

fn invalid(field: &'static str, value: u32, rule: &'static str) -> Malformed {
    super::invalid(field, value, rule)
}

#[test]
fn type_0_ends_at_the_last_address() {
    let list = addresses(&[A, B]);
    assert_eq!(final_of(&header(0, 2, [0; 4], &list)), Ok(Some(B)));
    assert_eq!(final_of(&header(0, 1, [0; 4], &list)), Ok(Some(B)));
    // At the final destination the IPv6 destination is final.
    assert_eq!(final_of(&header(0, 0, [0; 4], &list)), Ok(None));
    assert_eq!(
        final_of(&header(0, 3, [0; 4], &list)),
        Err(invalid("segments left", 3, "exceeds the addresses listed"))
    );
    assert_eq!(
        final_of(&header(0, 1, [0; 4], &[])),
        Err(invalid("segments left", 1, "exceeds the addresses listed"))
    );
    let odd = header(0, 1, [0; 4], &[0; 8]);
    assert_eq!(
        final_of(&odd),
        Err(invalid("header extension length", 1, "is odd"))
    );
}

#[test]
fn type_2_ends_at_the_home_address() {
    let h = header(2, 1, [0; 4], &A.octets());
    assert_eq!(final_of(&h), Ok(Some(A)));
    assert_eq!(RoutingHeader::new_checked(&h).unwrap().routing_type(), 2);
    assert_eq!(final_of(&header(2, 0, [0; 4], &A.octets())), Ok(None));
    let long = header(2, 1, [0; 4], &addresses(&[A, B]));
    assert_eq!(
        final_of(&long),
        Err(invalid("header extension length", 4, "is not 2"))
    );
}

#[test]
fn type_4_ends_at_segment_list_0() {
    // Segment List[0] is the last segment (RFC 8754 §2).
    let list = addresses(&[B, A, C]);
    let srh = |left| header(4, left, [2, 0, 0, 0], &list);
    assert_eq!(final_of(&srh(2)), Ok(Some(B)));
    assert_eq!(final_of(&srh(3)), Ok(Some(B)));
    assert_eq!(final_of(&srh(0)), Ok(None));
    assert_eq!(
        final_of(&srh(4)),
        Err(invalid("segments left", 4, "exceeds the addresses listed"))
    );
    let short = header(4, 1, [3, 0, 0, 0], &list);
    assert_eq!(
        final_of(&short),
        Err(invalid(
            "last entry",
            3,
            "lists more segments than the header holds"
        ))
    );
}

#[test]
fn type_3_rebuilds_the_last_address_from_the_destination() {
    // CmprI 8, CmprE 8: two addresses of 8 bytes each.
    let mut data = Vec::new();
    data.extend(&A.octets()[8..]);
    data.extend(&C.octets()[8..]);
    let h = header(3, 2, [0x88, 0, 0, 0], &data);
    let want = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
    assert_eq!(final_of(&h), Ok(Some(want)));
    // CmprE 14: the last address keeps 2 bytes; three 4-byte others
    // (CmprI 12); 2 bytes pad. 8 + 12 + 2 + 2 = 24.
    let mut data = std::vec![1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
    data.extend([0xab, 0xcd, 0, 0]);
    let h = header(3, 4, [0xce, 0x20, 0, 0], &data);
    let want = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xabcd);
    assert_eq!(final_of(&h), Ok(Some(want)));
    assert_eq!(
        final_of(&header(3, 5, [0xce, 0x20, 0, 0], &data)),
        Err(invalid("segments left", 5, "exceeds the addresses listed"))
    );
    // Uncompressed: 16 bytes each.
    let h = header(3, 1, [0, 0, 0, 0], &addresses(&[A, B]));
    assert_eq!(final_of(&h), Ok(Some(B)));
    // A pad that leaves no room for the last address.
    assert_eq!(
        final_of(&header(3, 1, [0x00, 0xf0, 0, 0], &addresses(&[A]))),
        Err(invalid(
            "header extension length",
            2,
            "leaves no room for the last address"
        ))
    );
    // 8 bytes of others for addresses of 16 - 3 = 13 bytes.
    assert_eq!(
        final_of(&header(3, 1, [0x38, 0, 0, 0], &[0; 16])),
        Err(invalid(
            "header extension length",
            2,
            "does not fit a whole number of compressed addresses"
        ))
    );
}

#[test]
fn other_types_name_no_final_destination() {
    for routing_type in [1, 5, 253, 254, 255] {
        let h = header(routing_type, 1, [0; 4], &A.octets());
        assert_eq!(final_of(&h), Ok(None), "{routing_type}");
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
