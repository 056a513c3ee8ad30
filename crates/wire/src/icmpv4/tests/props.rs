//! Property tests: `parse(emit(repr)) == repr` over every `Repr` variant,
//! no panic on any bytes, and agreement with etherparse's ICMPv4 parser.

use core::net::Ipv4Addr;

use etherparse::icmpv4::{DestUnreachableHeader, ParameterProblemHeader};
use etherparse::{Icmpv4Slice, Icmpv4Type};
use proptest::collection::vec as pvec;
use proptest::prelude::*;
use std::format;

use super::*;

/// Random bytes that live for the rest of the test run, so that generated
/// `Repr`s can borrow them.
fn bytes(len: impl Into<proptest::collection::SizeRange>) -> impl Strategy<Value = &'static [u8]> {
    pvec(any::<u8>(), len).prop_map(|v| &*v.leak())
}

/// An error body that parses back unchanged: without extension, a quote
/// too short for the 128-byte compatibility layout; with one, a quote
/// already padded as RFC 4884 requires.
fn multipart() -> impl Strategy<Value = (&'static [u8], Option<&'static [u8]>)> {
    prop_oneof![
        bytes(0..132).prop_map(|o| (o, None)),
        (
            (0usize..=223).prop_flat_map(|k| bytes(128 + 4 * k)),
            bytes(1..40)
        )
            .prop_map(|(o, e)| (o, Some(e))),
    ]
}

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn repr() -> impl Strategy<Value = Repr<'static>> {
    let id = (any::<u16>(), any::<u16>());
    let stamps = (any::<u16>(), any::<u16>(), any::<[u32; 3]>());
    prop_oneof![
        (id, bytes(0..64), any::<bool>()).prop_map(|((ident, seq_no), data, reply)| {
            if reply {
                Repr::EchoReply {
                    ident,
                    seq_no,
                    data,
                }
            } else {
                Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                }
            }
        }),
        (any::<u8>(), any::<u16>(), multipart()).prop_map(
            |(c, next_hop_mtu, (original, extension))| {
                Repr::DestinationUnreachable {
                    code: c.into(),
                    next_hop_mtu,
                    original,
                    extension,
                }
            }
        ),
        bytes(0..64).prop_map(|original| Repr::SourceQuench { original }),
        (any::<u8>(), addr(), bytes(0..64)).prop_map(|(c, gateway, original)| Repr::Redirect {
            code: c.into(),
            gateway,
            original,
        }),
        (any::<u8>(), any::<u16>(), 2u8..=4, 1usize..=6)
            .prop_flat_map(|(c, lifetime, size, n)| {
                (Just((c, lifetime, size)), bytes(n * usize::from(size) * 4))
            })
            .prop_map(
                |((c, lifetime, entry_size), entries)| Repr::RouterAdvertisement {
                    code: c.into(),
                    lifetime,
                    entry_size,
                    entries,
                }
            ),
        Just(Repr::RouterSolicitation),
        (any::<u8>(), multipart()).prop_map(|(c, (original, extension))| Repr::TimeExceeded {
            code: c.into(),
            original,
            extension,
        }),
        (any::<u8>(), any::<u8>(), multipart()).prop_map(|(c, pointer, (original, extension))| {
            Repr::ParameterProblem {
                code: c.into(),
                pointer,
                original,
                extension,
            }
        }),
        (stamps, any::<bool>()).prop_map(
            |((ident, seq_no, [originate, receive, transmit]), reply)| {
                if reply {
                    Repr::TimestampReply {
                        ident,
                        seq_no,
                        originate,
                        receive,
                        transmit,
                    }
                } else {
                    Repr::Timestamp {
                        ident,
                        seq_no,
                        originate,
                        receive,
                        transmit,
                    }
                }
            }
        ),
        (id, any::<bool>()).prop_map(|((ident, seq_no), reply)| {
            if reply {
                Repr::InformationReply { ident, seq_no }
            } else {
                Repr::InformationRequest { ident, seq_no }
            }
        }),
        (id, addr(), any::<bool>()).prop_map(|((ident, seq_no), mask, reply)| {
            if reply {
                Repr::AddressMaskReply {
                    ident,
                    seq_no,
                    mask,
                }
            } else {
                Repr::AddressMaskRequest {
                    ident,
                    seq_no,
                    mask,
                }
            }
        }),
        (any::<u8>(), any::<u16>(), bytes(0..64)).prop_map(|(c, pointer, original)| {
            Repr::Photuris {
                code: c.into(),
                pointer,
                original,
            }
        }),
        (any::<u16>(), any::<u8>(), any::<bool>(), bytes(0..40)).prop_map(
            |(ident, seq_no, local, request)| Repr::ExtendedEchoRequest {
                ident,
                seq_no,
                local,
                request,
            }
        ),
        (
            any::<u8>(),
            any::<u16>(),
            any::<u8>(),
            0u8..8,
            any::<[bool; 3]>()
        )
            .prop_map(|(c, ident, seq_no, s, [active, ipv4, ipv6])| {
                Repr::ExtendedEchoReply {
                    code: c.into(),
                    ident,
                    seq_no,
                    state: s.into(),
                    active,
                    ipv4,
                    ipv6,
                }
            }),
        (unknown_type_and_code(), any::<[u8; 4]>(), bytes(0..40)).prop_map(
            |((msg_type, code), rest_of_header, data)| Repr::Unknown {
                msg_type,
                code,
                rest_of_header,
                data,
            }
        ),
    ]
}

/// An unassigned type with any code, or a type whose only code is 0 (and
/// whose fixed part is the 8-byte header) with another code.
fn unknown_type_and_code() -> impl Strategy<Value = (u8, u8)> {
    prop_oneof![
        (any::<u8>(), any::<u8>()).prop_filter("unassigned type", |(t, _)| matches!(
            Message::from(*t),
            Message::Unknown(_)
        )),
        (
            prop::sample::select(&[0u8, 4, 8, 10, 15, 16, 42][..]),
            1u8..=255
        ),
    ]
}

proptest! {
    #[test]
    fn round_trip(repr in repr()) {
        let mut buf = vec![0xa5u8; repr.buffer_len()];
        repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
        let packet = Packet::new_checked(&buf[..]).unwrap();
        prop_assert!(packet.verify_checksum());
        prop_assert_eq!(packet.msg_type(), repr.msg_type());
        prop_assert_eq!(packet.msg_code(), repr.code());
        prop_assert_eq!(Repr::parse(&packet).unwrap(), repr);
    }

    #[test]
    fn any_bytes_parse_without_panic(bytes in pvec(any::<u8>(), 0..300)) {
        if let Ok(repr) = Repr::parse_bytes(&bytes) {
            // What parses re-emits to a message that parses the same.
            let mut buf = vec![0u8; repr.buffer_len()];
            repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
            prop_assert_eq!(Repr::parse_bytes(&buf).unwrap(), repr);
        }
    }

    #[test]
    fn agrees_with_etherparse(
        t in prop::sample::select(&[0u8, 3, 5, 8, 11, 12, 13, 14][..]),
        code in prop_oneof![0u8..20, any::<u8>()],
        rest in any::<[u8; 4]>(),
        data in prop_oneof![pvec(any::<u8>(), 12), pvec(any::<u8>(), 0..40)],
    ) {
        let mut bytes = vec![t, code, 0, 0];
        bytes.extend_from_slice(&rest);
        bytes.extend_from_slice(&data);
        let theirs = Icmpv4Slice::from_slice(&bytes);
        let ours = match Packet::new_checked(&bytes[..]) {
            Ok(p) => p,
            Err(e) => {
                // Only timestamps have a longer fixed part; etherparse
                // requires it only for code 0.
                prop_assert_eq!(e, Malformed::Truncated {
                    what: "ICMPv4 Timestamp", needed: 20, available: bytes.len()
                });
                prop_assert!(code != 0 || theirs.is_err());
                return Ok(());
            }
        };
        let Ok(theirs) = theirs else {
            // etherparse insists on exactly 20 bytes for a timestamp.
            prop_assert!(matches!(t, 13 | 14) && code == 0 && bytes.len() > 20);
            return Ok(());
        };
        agree(&theirs.icmp_type(), &ours, theirs.payload())?;
    }
}

/// Checks that our view and parse say what etherparse says.
fn agree(theirs: &Icmpv4Type, p: &Packet<&[u8]>, payload: &[u8]) -> Result<(), TestCaseError> {
    let repr = Repr::parse_bytes(p.as_bytes());
    match theirs {
        Icmpv4Type::EchoRequest(h) | Icmpv4Type::EchoReply(h) => {
            let (ident, seq_no, data) = (h.id, h.seq, payload);
            let want = if matches!(theirs, Icmpv4Type::EchoReply(_)) {
                Repr::EchoReply {
                    ident,
                    seq_no,
                    data,
                }
            } else {
                Repr::EchoRequest {
                    ident,
                    seq_no,
                    data,
                }
            };
            prop_assert_eq!(repr.unwrap(), want);
        }
        Icmpv4Type::DestinationUnreachable(h) => {
            prop_assert_eq!(p.msg_type(), Message::DestinationUnreachable);
            prop_assert_eq!(p.msg_code(), h.code_u8());
            if let Some(Repr::DestinationUnreachable {
                code, next_hop_mtu, ..
            }) = check_error_body(repr, p)?
            {
                prop_assert_eq!(u8::from(code), h.code_u8());
                if let DestUnreachableHeader::FragmentationNeeded { next_hop_mtu: mtu } = h {
                    prop_assert_eq!(next_hop_mtu, *mtu);
                }
            }
        }
        Icmpv4Type::Redirect(h) => {
            let want = Repr::Redirect {
                code: h.code.code_u8().into(),
                gateway: Ipv4Addr::from(h.gateway_internet_address),
                original: payload,
            };
            prop_assert_eq!(repr.unwrap(), want);
        }
        Icmpv4Type::TimeExceeded(c) => {
            prop_assert_eq!(p.msg_type(), Message::TimeExceeded);
            prop_assert_eq!(p.msg_code(), c.code_u8());
            if let Some(repr) = check_error_body(repr, p)? {
                prop_assert_eq!(repr.code(), c.code_u8());
            }
        }
        Icmpv4Type::ParameterProblem(h) => {
            prop_assert_eq!(p.msg_type(), Message::ParameterProblem);
            let (code, pointer) = match h {
                ParameterProblemHeader::PointerIndicatesError(ptr) => (0, Some(*ptr)),
                ParameterProblemHeader::MissingRequiredOption => (1, None),
                ParameterProblemHeader::BadLength => (2, None),
            };
            prop_assert_eq!(p.msg_code(), code);
            if let Some(Repr::ParameterProblem {
                code: c,
                pointer: ours,
                ..
            }) = check_error_body(repr, p)?
            {
                prop_assert_eq!(u8::from(c), code);
                if let Some(ptr) = pointer {
                    prop_assert_eq!(ours, ptr);
                }
            }
        }
        Icmpv4Type::TimestampRequest(m) | Icmpv4Type::TimestampReply(m) => {
            let (ident, seq_no) = (m.id, m.seq);
            let (originate, receive, transmit) = (
                m.originate_timestamp,
                m.receive_timestamp,
                m.transmit_timestamp,
            );
            let want = if matches!(theirs, Icmpv4Type::TimestampReply(_)) {
                Repr::TimestampReply {
                    ident,
                    seq_no,
                    originate,
                    receive,
                    transmit,
                }
            } else {
                Repr::Timestamp {
                    ident,
                    seq_no,
                    originate,
                    receive,
                    transmit,
                }
            };
            prop_assert_eq!(repr.unwrap(), want);
        }
        Icmpv4Type::Unknown {
            type_u8,
            code_u8,
            bytes5to8,
        } => {
            prop_assert_eq!((u8::from(p.msg_type()), p.msg_code()), (*type_u8, *code_u8));
            prop_assert_eq!(p.rest_of_header(), *bytes5to8);
            // Where etherparse gives up on a code, we keep it in the code
            // enum of a known type, or as Unknown for code-0-only types.
            match repr {
                Ok(Repr::Unknown {
                    msg_type,
                    code,
                    rest_of_header,
                    ..
                }) => {
                    prop_assert_eq!(
                        (msg_type, code, rest_of_header),
                        (*type_u8, *code_u8, *bytes5to8)
                    );
                }
                Ok(Repr::DestinationUnreachable { code, .. }) => {
                    prop_assert_eq!(code, DestinationUnreachable::Unknown(*code_u8));
                }
                Ok(Repr::Redirect { code, .. }) => {
                    prop_assert_eq!(code, Redirect::Unknown(*code_u8));
                }
                Ok(Repr::TimeExceeded { code, .. }) => {
                    prop_assert_eq!(code, TimeExceeded::Unknown(*code_u8));
                }
                Ok(Repr::ParameterProblem { code, .. }) => {
                    prop_assert_eq!(code, ParameterProblem::Unknown(*code_u8));
                }
                Ok(other) => prop_assert!(false, "etherparse Unknown, ours {:?}", other),
                Err(e) => check_only_rfc4884_fails(e, p)?,
            }
        }
    }
    Ok(())
}

/// An error parses to a quote and extension that together are the body
/// (returning the parse), or fails only on an RFC 4884 length attribute
/// past the end (returning `None`).
fn check_error_body<'a>(
    repr: crate::Result<Repr<'a>>,
    p: &Packet<&[u8]>,
) -> Result<Option<Repr<'a>>, TestCaseError> {
    let (original, extension) = match repr {
        Ok(
            Repr::DestinationUnreachable {
                original,
                extension,
                ..
            }
            | Repr::TimeExceeded {
                original,
                extension,
                ..
            }
            | Repr::ParameterProblem {
                original,
                extension,
                ..
            },
        ) => (original, extension),
        Ok(other) => return Err(TestCaseError::fail(format!("not an error: {other:?}"))),
        Err(e) => return check_only_rfc4884_fails(e, p).map(|()| None),
    };
    prop_assert_eq!(
        original.len() + extension.map_or(0, <[u8]>::len),
        p.data().len()
    );
    prop_assert_eq!(original, &p.data()[..original.len()]);
    Ok(repr.ok())
}

fn check_only_rfc4884_fails(e: Malformed, p: &Packet<&[u8]>) -> Result<(), TestCaseError> {
    // The only way an error body fails is the RFC 4884 split refusing it.
    let split = crate::extension::split(p.data(), p.length_attr(), 4);
    prop_assert_eq!(Err(e), split.map(|_| ()));
    Ok(())
}
