extern crate std;

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::string::ToString;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::extension::{InterfaceAddress, InterfaceRole, Layout, emit_body, split};

/// RFC 4950: one label stack entry, label 16, TC 0, S, TTL 1, as an LSR
/// sends it to traceroute. Checksum: !(2000 + 0008 + 0101 + 0001 + 0101).
const MPLS: [u8; 12] = [
    0x20, 0x00, 0xdd, 0xf4, // version 2, checksum
    0x00, 0x08, 0x01, 0x01, // length 8, class 1, c-type 1
    0x00, 0x01, 0x01, 0x01, // label 16, TC 0, S 1, TTL 1
];

const LABEL_16: MplsLabel = MplsLabel {
    label: 16,
    tc: 0,
    bottom_of_stack: true,
    ttl: 1,
};

/// RFC 5837: incoming interface with ifIndex 3, TEST-NET-1 host 1, name
/// "ge-0/0/0.0" and MTU 1500 (c-type 0x0f).
const GE: [u8; 36] = [
    0x20, 0x00, 0xe3, 0xcd, // version 2, checksum
    0x00, 0x20, 0x02, 0x0f, // length 32, class 2, c-type: role 0, all four
    0x00, 0x00, 0x00, 0x03, // ifIndex 3
    0x00, 0x01, 0x00, 0x00, // AFI 1 (IPv4), reserved
    0xc0, 0x00, 0x02, 0x01, // TEST-NET-1 host 1
    0x0c, b'g', b'e', b'-', // name length 12
    b'0', b'/', b'0', b'/', //
    b'0', b'.', b'0', 0x00, // NUL padding
    0x00, 0x00, 0x05, 0xdc, // MTU 1500
];

const GE_INFO: InterfaceInformation<'static> = InterfaceInformation {
    role: InterfaceRole::IncomingIpInterface,
    ifindex: Some(3),
    address: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
    name: Some(b"ge-0/0/0.0"),
    mtu: Some(1500),
};

/// RFC 8335 interface identification objects, each in its own structure.
const ID_NAME: [u8; 12] = [0x20, 0, 0x0f, 0x52, 0, 8, 3, 1, b'e', b't', b'h', b'0'];
const ID_INDEX: [u8; 12] = [0x20, 0, 0xdc, 0xf3, 0, 8, 3, 2, 0, 0, 0, 2];
const ID_V4: [u8; 16] = [0x20, 0, 0x16, 0xee, 0, 12, 3, 3, 0, 1, 4, 0, 192, 0, 2, 1];
const ID_V6: [u8; 28] = [
    0x20, 0, 0x9f, 0x28, 0, 24, 3, 3, 0, 2, 16, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0x01,
];

fn objects(bytes: &[u8]) -> Vec<Result<Object<'_>>> {
    ExtensionStructure::new_checked(bytes)
        .unwrap()
        .objects()
        .collect()
}

fn emitted(objects: &[ObjectRepr<'_>], compute_checksum: bool) -> Vec<u8> {
    let mut out = vec![0xa5u8; structure_len(objects) + 3];
    let n = emit_structure(objects, &mut out, compute_checksum);
    assert_eq!(n, structure_len(objects));
    assert_eq!(&out[n..], &[0xa5; 3], "wrote past its length");
    out.truncate(n);
    out
}

#[test]
fn rfc4950_mpls_deconstruct() {
    let s = ExtensionStructure::new_checked(&MPLS).unwrap();
    assert_eq!(s.version(), 2);
    assert_eq!(s.checksum(), 0xddf4);
    assert_eq!(s.checksum_status(), ChecksumStatus::Valid);
    let raw: Vec<_> = s.raw_objects().collect();
    assert_eq!(
        raw,
        [Ok(RawObject {
            class_num: 1,
            c_type: 1,
            data: &MPLS[8..]
        })]
    );
    let objs = objects(&MPLS);
    assert_eq!(objs.len(), 1);
    let Ok(Object::Mpls(stack)) = objs[0] else {
        panic!("{:?}", objs[0]);
    };
    assert_eq!(stack.labels().collect::<Vec<_>>(), [LABEL_16]);
    assert_eq!(objs[0].unwrap().class_num(), 1);
}

#[test]
fn rfc4950_mpls_emit() {
    assert_eq!(emitted(&[ObjectRepr::Mpls(&[LABEL_16])], true), MPLS);
}

#[test]
fn rfc5837_interface_information() {
    let s = ExtensionStructure::new_checked(&GE).unwrap();
    assert_eq!(s.checksum_status(), ChecksumStatus::Valid);
    assert_eq!(objects(&GE), [Ok(Object::InterfaceInformation(GE_INFO))]);
    assert_eq!(
        emitted(&[ObjectRepr::InterfaceInformation(GE_INFO)], true),
        GE
    );
}

#[test]
fn rfc8335_interface_identification() {
    let cases: [(&[u8], InterfaceIdentification<'_>); 4] = [
        (&ID_NAME, InterfaceIdentification::Name(b"eth0")),
        (&ID_INDEX, InterfaceIdentification::Index(2)),
        (
            &ID_V4,
            InterfaceIdentification::Address(InterfaceAddress::Ip(IpAddr::V4(Ipv4Addr::new(
                192, 0, 2, 1,
            )))),
        ),
        (
            &ID_V6,
            InterfaceIdentification::Address(InterfaceAddress::Ip(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 0, 0, 0, 0, 0, 1,
            )))),
        ),
    ];
    for (bytes, id) in cases {
        let s = ExtensionStructure::new_checked(bytes).unwrap();
        assert_eq!(s.checksum_status(), ChecksumStatus::Valid);
        assert_eq!(objects(bytes), [Ok(Object::InterfaceIdentification(id))]);
        assert_eq!(
            emitted(&[ObjectRepr::InterfaceIdentification(id)], true),
            bytes
        );
    }
}

#[test]
fn unknown_objects_kept_raw() {
    // Class 3 c-type 9 and class 200 are not known; class 1 c-type 2 neither.
    let bytes = [
        0x20, 0, 0, 0, 0, 4, 3, 9, 0, 6, 200, 7, 0xaa, 0xbb, 0, 8, 1, 2, 1, 2, 3, 4,
    ];
    let objs = objects(&bytes);
    let unknown = |class_num, c_type, data| {
        Ok(Object::Unknown(RawObject {
            class_num,
            c_type,
            data,
        }))
    };
    assert_eq!(
        objs,
        [
            unknown(3, 9, &[][..]),
            unknown(200, 7, &[0xaa, 0xbb][..]),
            unknown(1, 2, &[1, 2, 3, 4][..])
        ]
    );
    let reprs: Vec<_> = objs
        .iter()
        .map(|o| match o {
            Ok(Object::Unknown(raw)) => ObjectRepr::Unknown(*raw),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(emitted(&reprs, false), bytes);
}

#[test]
fn header_errors() {
    for n in 0..4 {
        assert_eq!(
            ExtensionStructure::new_checked(&MPLS[..n]).unwrap_err(),
            Malformed::Truncated {
                what: "ICMP extension header",
                needed: 4,
                available: n
            }
        );
    }
    let mut v1 = MPLS;
    v1[0] = 0x10;
    let e = ExtensionStructure::new_checked(&v1).unwrap_err();
    assert_eq!(e.to_string(), "ICMP extension header: version 1 is not 2");
    // A bare header is a structure with no objects.
    let s = ExtensionStructure::new_checked(&MPLS[..4]).unwrap();
    assert_eq!(s.objects().count(), 0);
}

/// The objects of a structure whose first object is `object`, followed by
/// a well-formed MPLS object that must not be reached.
fn after_bad(object: &[u8]) -> Vec<Result<Object<'static>>> {
    let mut bytes = vec![0x20, 0, 0, 0];
    bytes.extend_from_slice(object);
    bytes.extend_from_slice(&MPLS[4..]);
    objects(bytes.leak())
}

#[test]
fn object_length_below_header() {
    for len in 0..4u8 {
        let objs = after_bad(&[0, len, 1, 1]);
        assert_eq!(
            objs,
            [Err(Malformed::Invalid {
                what: "ICMP extension object",
                field: "length",
                value: u32::from(len),
                rule: "is below the 4-byte object header",
            })]
        );
        assert_eq!(
            objs[0].unwrap_err().to_string(),
            std::format!("ICMP extension object: length {len} is below the 4-byte object header")
        );
    }
}

#[test]
fn object_length_overrun_and_short_tail() {
    // Length 16 with 4 + 8 bytes present.
    assert_eq!(
        objects(&[0x20, 0, 0, 0, 0, 16, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0]),
        [Err(Malformed::Overrun {
            what: "ICMP extension object",
            field: "length",
            claimed: 16,
            available: 12
        })]
    );
    // A good object, then 2 stray bytes.
    let mut bytes = MPLS.to_vec();
    bytes.extend_from_slice(&[0, 8]);
    let objs = objects(&bytes);
    assert_eq!(objs.len(), 2);
    assert!(objs[0].is_ok());
    assert_eq!(
        objs[1],
        Err(Malformed::Truncated {
            what: "ICMP extension object header",
            needed: 4,
            available: 2
        })
    );
}

#[test]
fn malformed_payload_stops_iteration() {
    // MPLS with a 6-byte payload.
    let objs = after_bad(&[0, 10, 1, 1, 0, 1, 1, 1, 0, 0]);
    assert_eq!(
        objs,
        [Err(Malformed::Invalid {
            what: "MPLS label stack object",
            field: "payload length",
            value: 6,
            rule: "is not a multiple of the 4-byte label stack entry"
        })]
    );
    // RFC 5837 name sub-objects of length 0, 5 and 68.
    for (len, rule) in [
        (
            0,
            "is not allowed: the length counts its own octet and is a multiple of 4",
        ),
        (5, "is not a multiple of 4"),
        (68, "exceeds the maximum of 64"),
    ] {
        let mut object = vec![0, 76, 2, 0x02, len];
        object.resize(76, b'a');
        let objs = after_bad(&object);
        assert_eq!(
            objs,
            [Err(Malformed::Invalid {
                what: "RFC 5837 interface name sub-object",
                field: "length",
                value: u32::from(len),
                rule
            })]
        );
    }
    // Raw iteration goes on past an object it cannot read.
    let mut bytes = vec![0x20, 0, 0, 0, 0, 10, 1, 1, 0, 1, 1, 1, 0, 0];
    bytes.extend_from_slice(&MPLS[4..]);
    let s = ExtensionStructure::new_checked(&bytes).unwrap();
    let raw: Vec<_> = s.raw_objects().collect();
    assert_eq!(raw.len(), 2);
    assert!(raw[0].unwrap().parse().is_err());
    assert_eq!(
        raw[1].unwrap().parse(),
        Ok(Object::Mpls(MplsLabelStack::parse(&MPLS[8..]).unwrap()))
    );
}

#[test]
fn checksum_status() {
    let labels = [LABEL_16];
    let objects = [ObjectRepr::Mpls(&labels)];
    let not_computed = emitted(&objects, false);
    assert_eq!(&not_computed[..4], &[0x20, 0, 0, 0]);
    let s = ExtensionStructure::new_checked(&not_computed).unwrap();
    assert_eq!(s.checksum_status(), ChecksumStatus::NotComputed);
    let mut bad = MPLS;
    bad[11] = 2; // TTL 2: the stored checksum no longer verifies
    let s = ExtensionStructure::new_checked(&bad).unwrap();
    assert_eq!(s.checksum_status(), ChecksumStatus::Invalid);
    assert_eq!(ChecksumStatus::Invalid.to_string(), "invalid");
    // Words 2000 + 0008 + d000 + 0ff7 + 0000 sum to ffff: the checksum
    // computes to 0 and is stored as ffff.
    let data = [0x0f, 0xf7, 0, 0];
    let objects = [ObjectRepr::Unknown(RawObject {
        class_num: 0xd0,
        c_type: 0,
        data: &data,
    })];
    let zero = emitted(&objects, true);
    assert_eq!(&zero[..4], &[0x20, 0, 0xff, 0xff]);
    let s = ExtensionStructure::new_checked(&zero).unwrap();
    assert_eq!(s.checksum_status(), ChecksumStatus::Valid);
}

#[test]
fn end_to_end_with_split() {
    // An ICMPv4 Time Exceeded body: the quoted IPv4 + UDP headers of a
    // traceroute probe, padded to 128 bytes, then MPLS and interface
    // information objects.
    let quote: [u8; 28] = [
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 192, 0, 2, 10, 198,
        51, 100, 7, 0x82, 0x9b, 0x82, 0x9c, 0x00, 0x28, 0x00, 0x00,
    ];
    let labels = [
        MplsLabel {
            label: 299_776,
            tc: 0,
            bottom_of_stack: false,
            ttl: 1,
        },
        LABEL_16,
    ];
    let reprs = [
        ObjectRepr::Mpls(&labels),
        ObjectRepr::InterfaceInformation(GE_INFO),
    ];
    let ext = emitted(&reprs, true);
    assert_eq!(ext.len(), 4 + 12 + 32);
    for word in [4, 8] {
        let mut body = [0xa5u8; 256];
        let (attr, n) = emit_body(&mut body, &quote, Some(&ext), word);
        assert_eq!(n, 128 + ext.len());
        assert_eq!(usize::from(attr) * word, 128);
        for (length_attr, layout) in [(attr, Layout::Rfc4884), (0, Layout::Compat128)] {
            let m = split(&body[..n], length_attr, word).unwrap();
            assert_eq!(m.layout, layout);
            assert_eq!(&m.original[..28], &quote);
            let s = ExtensionStructure::new_checked(m.extension.unwrap()).unwrap();
            assert_eq!(s.checksum_status(), ChecksumStatus::Valid);
            let objs: Vec<_> = s.objects().map(Result::unwrap).collect();
            assert_eq!(objs.len(), 2);
            assert!(objs.iter().zip(&reprs).all(|(o, r)| o == r));
            assert!(objs[0] != reprs[1]);
        }
    }
}

/// An object to emit, owning its data so proptest can generate it.
#[derive(Debug, Clone)]
enum Owned {
    Mpls(Vec<MplsLabel>),
    Info {
        role: InterfaceRole,
        ifindex: Option<u32>,
        address: Option<IpAddr>,
        name: Option<Vec<u8>>,
        mtu: Option<u32>,
    },
    IdName(Vec<u8>),
    IdIndex(u32),
    IdIp(IpAddr),
    IdOther(u16, Vec<u8>),
    Unknown(u8, u8, Vec<u8>),
}

impl Owned {
    fn repr(&self) -> ObjectRepr<'_> {
        match self {
            Self::Mpls(l) => ObjectRepr::Mpls(l),
            Self::Info {
                role,
                ifindex,
                address,
                name,
                mtu,
            } => ObjectRepr::InterfaceInformation(InterfaceInformation {
                role: *role,
                ifindex: *ifindex,
                address: *address,
                name: name.as_deref(),
                mtu: *mtu,
            }),
            Self::IdName(n) => {
                ObjectRepr::InterfaceIdentification(InterfaceIdentification::Name(n))
            }
            Self::IdIndex(i) => {
                ObjectRepr::InterfaceIdentification(InterfaceIdentification::Index(*i))
            }
            Self::IdIp(a) => ObjectRepr::InterfaceIdentification(InterfaceIdentification::Address(
                InterfaceAddress::Ip(*a),
            )),
            Self::IdOther(afi, address) => ObjectRepr::InterfaceIdentification(
                InterfaceIdentification::Address(InterfaceAddress::Unknown { afi: *afi, address }),
            ),
            Self::Unknown(class_num, c_type, data) => ObjectRepr::Unknown(RawObject {
                class_num: *class_num,
                c_type: *c_type,
                data,
            }),
        }
    }
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        any::<u128>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    ]
}

/// A name that survives NUL stripping: no trailing NUL.
fn name(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..=max).prop_map(|mut n| {
        while n.last() == Some(&0) {
            n.pop();
        }
        n
    })
}

fn owned() -> impl Strategy<Value = Owned> {
    let label = (0u32..1 << 20, 0u8..8, any::<bool>(), any::<u8>()).prop_map(
        |(label, tc, bottom_of_stack, ttl)| MplsLabel {
            label,
            tc,
            bottom_of_stack,
            ttl,
        },
    );
    let role = (0u8..4).prop_map(|r| InterfaceRole::from_c_type(r << 6));
    prop_oneof![
        proptest::collection::vec(label, 0..6).prop_map(Owned::Mpls),
        (
            role,
            proptest::option::of(any::<u32>()),
            proptest::option::of(ip()),
            proptest::option::of(name(63)),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(role, ifindex, address, name, mtu)| Owned::Info {
                role,
                ifindex,
                address,
                name,
                mtu
            }),
        name(40).prop_map(Owned::IdName),
        any::<u32>().prop_map(Owned::IdIndex),
        ip().prop_map(Owned::IdIp),
        (3u16.., proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(afi, a)| Owned::IdOther(afi, a)),
        (
            prop_oneof![Just(0u8), 4u8..],
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(c, t, d)| Owned::Unknown(c, t, d)),
        (4u8.., proptest::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(t, d)| Owned::Unknown(3, t, d)),
    ]
}

proptest! {
    #[test]
    fn round_trip(list in proptest::collection::vec(owned(), 0..6), compute in any::<bool>()) {
        let reprs: Vec<_> = list.iter().map(Owned::repr).collect();
        let bytes = emitted(&reprs, compute);
        let s = ExtensionStructure::new_checked(&bytes).unwrap();
        let status = if compute { ChecksumStatus::Valid } else { ChecksumStatus::NotComputed };
        prop_assert_eq!(s.checksum_status(), status);
        let objs: Vec<_> = s.objects().collect::<Result<_>>().unwrap();
        prop_assert_eq!(objs.len(), reprs.len());
        for (o, r) in objs.iter().zip(&reprs) {
            prop_assert!(o == r, "{:?} != {:?}", o, r);
        }
    }

    #[test]
    fn any_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..80)) {
        let mut bytes = vec![0x20, 0, 0, 0];
        bytes.extend_from_slice(&tail);
        if let Ok(s) = ExtensionStructure::new_checked(&bytes) {
            let _ = s.checksum_status();
            let mut errors = 0;
            let mut count = 0;
            for o in s.objects() {
                count += 1;
                if o.is_err() { errors += 1; }
            }
            prop_assert!(errors <= 1);
            prop_assert!(count <= bytes.len() / 4);
            for raw in s.raw_objects().flatten() {
                let _ = raw.parse();
            }
        }
    }
}
