//! Node Information data: names and addresses as iputils reads them.

extern crate std;

use std::string::ToString;
use std::vec::Vec;

use core::net::Ipv6Addr;

use super::*;
use crate::icmpv6::Repr;

#[test]
fn names_encode_lower_cased_with_the_single_label_zero() {
    let mut out = [0u8; 32];
    let n = encode_name("Host.Example", true, &mut out).unwrap();
    assert_eq!(&out[..n], b"\x04host\x07example\x00");
    let n = encode_name("host", false, &mut out).unwrap();
    assert_eq!(&out[..n], b"\x04host\x00\x00");
    let n = encode_name("host.", true, &mut out).unwrap();
    assert_eq!(&out[..n], b"\x04host\x00");
    assert!(encode_name("a..b", true, &mut out).is_err());
    assert!(encode_name(&"x".repeat(64), true, &mut out).is_err());
    assert!(encode_name("host.example", true, &mut [0u8; 5]).is_err());
}

#[test]
fn a_name_reply_lists_its_names_and_which_are_fully_qualified() {
    // TTL, then "host.example" (FQDN), then "host" (single label: two zeros),
    // then a pointer to the first name.
    let mut data = Vec::from(&[0, 0, 0, 30][..]);
    data.extend(b"\x04host\x07example\x00");
    data.extend(b"\x04host\x00\x00");
    data.extend([0xc0, 4]);
    let replies = NameReplies::new(&data).unwrap();
    assert_eq!(replies.ttl(), 30);
    let names: Vec<_> = replies
        .map(|r| r.map(|(name, fqdn)| (name.to_string(), fqdn)))
        .collect();
    assert_eq!(
        names,
        [
            Ok(("host.example".to_string(), true)),
            Ok(("host".to_string(), false)),
            Ok(("host.example".to_string(), true)),
        ]
    );
    assert!(NameReplies::new(&[0, 0, 0]).is_none());
}

#[test]
fn odd_characters_print_as_dn_expand_prints_them() {
    let data = b"\x00\x00\x00\x00\x05a.b \x01\x00";
    let (name, consumed) = NodeName::read(data, 4).unwrap();
    assert_eq!(consumed, 7);
    assert_eq!(name.to_string(), "a\\.b\\032\\001");
    let (root, consumed) = NodeName::read(b"\x00", 0).unwrap();
    assert_eq!((root.to_string().as_str(), consumed), (".", 1));
}

#[test]
fn broken_names_are_errors_not_panics() {
    // Runs past the end, a loop of pointers, a reserved label type.
    assert!(NodeName::read(b"\x05ab", 0).is_err());
    assert!(NodeName::read(b"\xc0\x00", 0).is_err());
    assert!(NodeName::read(b"\x80", 0).is_err());
    assert!(NodeName::read(b"\xc0", 0).is_err());
    let long: Vec<u8> = (0..5)
        .flat_map(|_| [63u8].into_iter().chain([b'a'; 63]))
        .collect();
    assert!(NodeName::read(&long, 0).is_err());
    let mut replies = NameReplies::new(b"\x00\x00\x00\x00\x03ab").unwrap();
    assert!(replies.next().unwrap().is_err());
    assert!(replies.next().is_none());
}

#[test]
fn address_replies_are_ttl_and_address_pairs() {
    let mut data = Vec::from(&[0, 0, 0, 10, 192, 0, 2, 11][..]);
    data.extend([0, 0, 0, 20, 198, 51, 100, 2, 0, 0]);
    let entries: Vec<_> = AddressReplies::new(&data, false).collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0], Ok((10, "192.0.2.11".parse().unwrap())));
    assert_eq!(entries[1], Ok((20, "198.51.100.2".parse().unwrap())));
    assert!(entries[2].is_err());
    let mut v6 = Vec::from(&[0, 0, 0, 1][..]);
    v6.extend("2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
    assert_eq!(
        AddressReplies::new(&v6, true).collect::<Vec<_>>(),
        [Ok((1, "2001:db8::1".parse().unwrap()))]
    );
}

#[test]
fn a_query_round_trips_through_repr() {
    let mut subject = [0u8; 32];
    let n = encode_name("host", false, &mut subject).unwrap();
    let repr = Repr::NodeInformationQuery {
        code: SUBJECT_NAME.into(),
        qtype: QTYPE_NODE_NAME,
        flags: 0,
        nonce: [0, 1, 2, 3, 4, 5, 6, 7],
        data: &subject[..n],
    };
    let mut buf = [0u8; 64];
    let len = repr.buffer_len();
    assert_eq!(len, FIXED_LEN + n);
    repr.emit(
        &mut Packet::new_unchecked(&mut buf[..len]),
        Ipv6Addr::LOCALHOST,
        Ipv6Addr::LOCALHOST,
    );
    assert_eq!(buf[..8], [139, 1, buf[2], buf[3], 0, 2, 0, 0]);
    let parsed = Packet::new_checked(&buf[..len]).unwrap();
    assert_eq!(Repr::parse(&parsed), Ok(repr));
}
