//! The fields of an Echo message: a reply that came back, or our own
//! request as an ICMP error (or the error queue) quotes it.

use icmpkit_wire::IpVersion;
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
pub fn echo_fields(version: IpVersion, icmp: &[u8], kind: EchoKind) -> Option<(u16, u16, &[u8])> {
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
