//! Differential test against etherparse's ICMPv6 parser on the messages it
//! knows: echo, Destination Unreachable, Packet Too Big, Time Exceeded and
//! Parameter Problem.

extern crate std;

use core::net::Ipv6Addr;
use std::vec::Vec;

use etherparse::{Icmpv6Slice, Icmpv6Type};
use proptest::collection::vec as pvec;
use proptest::prelude::*;

use super::super::{Message, Packet, Repr};
use super::linux as l;
use crate::error::Malformed;

const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

/// Checks that etherparse and this crate read `bytes` alike.
fn agree(bytes: &[u8], src: Ipv6Addr, dst: Ipv6Addr) {
    let theirs = Icmpv6Slice::from_slice(bytes);
    let ours = Packet::new_checked(bytes);
    assert_eq!(theirs.is_ok(), ours.is_ok(), "length check");
    let (Ok(theirs), Ok(ours)) = (theirs, ours) else {
        return;
    };
    assert_eq!(
        theirs.is_checksum_valid(src.octets(), dst.octets()),
        ours.verify_checksum(src, dst),
        "checksum"
    );
    assert_eq!(theirs.type_u8(), u8::from(ours.msg_type()));
    assert_eq!(theirs.code_u8(), ours.msg_code());
    assert_eq!(theirs.checksum(), ours.checksum());
    assert_eq!(theirs.bytes5to8(), ours.rest_of_header());
    let repr = Repr::parse(&ours);
    // One deliberate difference: etherparse ignores the RFC 4884 length
    // attribute, which this crate rejects when it points past the end, or
    // delimits fewer than 128 bytes while an extension follows (RFC 4884
    // §4.1).
    if matches!(
        ours.msg_type(),
        Message::DestinationUnreachable | Message::TimeExceeded
    ) && ours.length_attr() != 0
    {
        let (claimed, available) = (usize::from(ours.length_attr()) * 8, theirs.payload().len());
        if claimed > available {
            assert!(matches!(repr, Err(Malformed::Overrun { .. })));
            return;
        }
        if claimed < available && claimed < 128 {
            assert!(matches!(repr, Err(Malformed::Invalid { .. })));
            return;
        }
    }
    match theirs.icmp_type() {
        Icmpv6Type::DestinationUnreachable(code) => match repr.unwrap() {
            Repr::DestinationUnreachable {
                code: c, original, ..
            } => {
                assert_eq!(u8::from(c), code.code_u8());
                assert!(theirs.payload().starts_with(original));
            }
            other => panic!("etherparse: unreachable, ours: {other:?}"),
        },
        Icmpv6Type::PacketTooBig { mtu } => {
            assert_eq!(
                repr.unwrap(),
                Repr::PacketTooBig {
                    mtu,
                    original: theirs.payload()
                }
            );
        }
        Icmpv6Type::TimeExceeded(code) => match repr.unwrap() {
            Repr::TimeExceeded {
                code: c, original, ..
            } => {
                assert_eq!(u8::from(c), code.code_u8());
                assert!(theirs.payload().starts_with(original));
            }
            other => panic!("etherparse: time exceeded, ours: {other:?}"),
        },
        Icmpv6Type::ParameterProblem(h) => assert_eq!(
            repr.unwrap(),
            Repr::ParameterProblem {
                code: h.code.code_u8().into(),
                pointer: h.pointer,
                original: theirs.payload()
            }
        ),
        Icmpv6Type::EchoRequest(h) => assert_eq!(
            repr.unwrap(),
            Repr::EchoRequest {
                ident: h.id,
                seq_no: h.seq,
                data: theirs.payload()
            }
        ),
        Icmpv6Type::EchoReply(h) => assert_eq!(
            repr.unwrap(),
            Repr::EchoReply {
                ident: h.id,
                seq_no: h.seq,
                data: theirs.payload()
            }
        ),
        // etherparse leaves codes it does not know (e.g. Destination
        // Unreachable 7 and 8, echo with a non-zero code) as Unknown; this
        // crate still reads the message, and keeps the code.
        Icmpv6Type::Unknown {
            type_u8, code_u8, ..
        } => {
            if let Ok(r) = repr {
                assert_eq!(u8::from(r.msg_type()), type_u8);
                if type_u8 < 128 && type_u8 != 2 {
                    assert_eq!(r.code(), code_u8);
                }
            }
        }
    }
}

#[test]
fn linux_vectors_agree() {
    agree(&l::ECHO_REPLY, l::ECHO_REPLY_SRC, l::ECHO_REPLY_DST);
    agree(
        &l::PORT_UNREACHABLE,
        l::PORT_UNREACHABLE_SRC,
        l::PORT_UNREACHABLE_DST,
    );
    agree(
        &l::PACKET_TOO_BIG[..],
        l::PACKET_TOO_BIG_SRC,
        l::PACKET_TOO_BIG_DST,
    );
    agree(
        &l::TIME_EXCEEDED,
        l::TIME_EXCEEDED_SRC,
        l::TIME_EXCEEDED_DST,
    );
    // Sanity: etherparse too sees the Linux checksums as valid.
    let ptb = Icmpv6Slice::from_slice(&l::PACKET_TOO_BIG[..]).unwrap();
    assert!(ptb.is_checksum_valid(
        l::PACKET_TOO_BIG_SRC.octets(),
        l::PACKET_TOO_BIG_DST.octets()
    ));
    assert_eq!(ptb.icmp_type(), Icmpv6Type::PacketTooBig { mtu: 1280 });
}

proptest! {
    #[test]
    fn random_messages_agree(
        msg_type in prop::sample::select(std::vec![1u8, 2, 3, 4, 128, 129]),
        code in prop_oneof![0..12u8, any::<u8>()],
        rest in any::<[u8; 4]>(),
        length_attr_zero in any::<bool>(),
        payload in pvec(any::<u8>(), 0..300),
        fill in any::<bool>(),
        cut in 0..12usize,
    ) {
        let mut m: Vec<u8> = std::vec![msg_type, code, 0, 0];
        m.extend_from_slice(&rest);
        if length_attr_zero {
            m[4] = 0;
        }
        m.extend_from_slice(&payload);
        if fill {
            Packet::new_unchecked(&mut m[..]).fill_checksum(SRC, DST);
        }
        agree(&m, SRC, DST);
        // And a truncation of the header.
        agree(&m[..cut.min(m.len())], SRC, DST);
    }
}
