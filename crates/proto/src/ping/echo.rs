//! The fields of an Echo message: a reply that came back, or our own
//! request as an ICMP error (or the error queue) quotes it.

use icmpkit_wire::IpVersion;
#[cfg(test)]
use icmpkit_wire::dissect::Message;
use icmpkit_wire::{icmpv4, icmpv6};

/// Which Echo message is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoKind {
    /// Echo Reply (type 0 / 129): what comes back.
    Reply,
    /// Echo Request (type 8 / 128): ours, as an error quotes it.
    Request,
}

/// The identifier, sequence number and data of `icmp` when it is an Echo
/// message of `kind` in `version`'s ICMP; `None` for anything else,
/// including bytes that do not parse.
///
/// Read from the 8-byte header directly (every reply of a flood comes
/// here): the same answer as [`icmpkit_wire::dissect::Message::parse`]
/// gives, which checks no more of an Echo than its length and, for
/// ICMPv4, a code of 0 (the tests compare the two).
pub fn echo_fields(version: IpVersion, icmp: &[u8], kind: EchoKind) -> Option<(u16, u16, &[u8])> {
    let wanted: u8 = match (version, kind) {
        (IpVersion::V4, EchoKind::Reply) => icmpv4::Message::EchoReply.into(),
        (IpVersion::V4, EchoKind::Request) => icmpv4::Message::EchoRequest.into(),
        (IpVersion::V6, EchoKind::Reply) => icmpv6::Message::EchoReply.into(),
        (IpVersion::V6, EchoKind::Request) => icmpv6::Message::EchoRequest.into(),
    };
    let (header, data) = icmp.split_first_chunk::<8>()?;
    // ICMPv4 reads an Echo with another code as another message; ICMPv6
    // takes any code.
    if header[0] != wanted || (version == IpVersion::V4 && header[1] != 0) {
        return None;
    }
    let ident = u16::from_be_bytes([header[4], header[5]]);
    let seq = u16::from_be_bytes([header[6], header[7]]);
    Some((ident, seq, data))
}

/// [`echo_fields`] through the parsed message: what it must agree with.
#[cfg(test)]
fn echo_fields_parsed(
    version: IpVersion,
    icmp: &[u8],
    kind: EchoKind,
) -> Option<(u16, u16, &[u8])> {
    use icmpv4::Repr as V4;
    use icmpv6::Repr as V6;
    match (Message::parse(version, icmp).ok()?, kind) {
        (
            Message::V4(V4::EchoReply {
                ident,
                seq_no,
                data,
            })
            | Message::V6(V6::EchoReply {
                ident,
                seq_no,
                data,
            }),
            EchoKind::Reply,
        )
        | (
            Message::V4(V4::EchoRequest {
                ident,
                seq_no,
                data,
            })
            | Message::V6(V6::EchoRequest {
                ident,
                seq_no,
                data,
            }),
            EchoKind::Request,
        ) => Some((ident, seq_no, data)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_fields_agree_with_the_parsed_message_for_every_type_code_and_length() {
        let mut bytes = [0u8; 12];
        for version in [IpVersion::V4, IpVersion::V6] {
            for kind in [EchoKind::Reply, EchoKind::Request] {
                for icmp_type in 0..=255u8 {
                    for code in [0, 1, 0x80, 255] {
                        for len in 0..=bytes.len() {
                            bytes[0] = icmp_type;
                            bytes[1] = code;
                            for (i, b) in bytes.iter_mut().enumerate().skip(2) {
                                *b = u8::try_from(i * 37 + len).unwrap_or(0);
                            }
                            let icmp = &bytes[..len];
                            assert_eq!(
                                echo_fields(version, icmp, kind),
                                echo_fields_parsed(version, icmp, kind),
                                "{version:?} {kind:?} {icmp:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn echo_fields_are_read_by_kind() {
        let request = [8u8, 0, 0xf7, 0xfd, 0, 1, 0, 1];
        assert_eq!(
            echo_fields(IpVersion::V4, &request, EchoKind::Request),
            Some((1, 1, &[][..]))
        );
        assert_eq!(echo_fields(IpVersion::V4, &request, EchoKind::Reply), None);
        let reply = [0u8, 0, 0xff, 0xfd, 0, 1, 0, 1];
        assert_eq!(
            echo_fields(IpVersion::V4, &reply, EchoKind::Reply),
            Some((1, 1, &[][..]))
        );
        assert_eq!(
            echo_fields(
                IpVersion::V6,
                &[129, 0, 0, 0, 0, 7, 0, 9, 1],
                EchoKind::Reply
            ),
            Some((7, 9, &[1][..]))
        );
        assert_eq!(
            echo_fields(IpVersion::V6, &[1, 2, 3], EchoKind::Reply),
            None
        );
    }
}
