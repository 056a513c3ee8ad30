extern crate std;

use std::vec::Vec;

use super::*;

#[test]
fn a_message_alone_parses_by_version() {
    let request = [8u8, 0, 0xf7, 0xfd, 0, 1, 0, 1];
    assert_eq!(
        Message::parse(IpVersion::V4, &request),
        Ok(Message::V4(icmpv4::Repr::EchoRequest {
            ident: 1,
            seq_no: 1,
            data: &[],
        }))
    );
    let reply = [129u8, 0, 0, 0, 0, 7, 0, 9, 1];
    assert_eq!(
        Message::parse(IpVersion::V6, &reply),
        Ok(Message::V6(icmpv6::Repr::EchoReply {
            ident: 7,
            seq_no: 9,
            data: &[1],
        }))
    );
    assert!(Message::parse(IpVersion::V4, &request[..3]).is_err());
    assert!(Message::parse(IpVersion::V6, &[1, 2, 3]).is_err());
}

// ------------------------------------------- IPv6 details, IPv4 length 0

const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2);
const HOP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
const FINAL: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 4, 0, 0, 0, 0, 1);

/// An echo request of `data_len` bytes whose checksum covers `sum_dst`.
fn echo_v6(sum_dst: Ipv6Addr, data_len: usize) -> Vec<u8> {
    let mut m = std::vec![128, 0, 0, 0, 0x17, 0x17, 0, 1];
    m.extend((0..=u8::MAX).cycle().take(data_len));
    icmpv6::Packet::new_unchecked(&mut m[..]).fill_checksum(SRC, sum_dst);
    m
}

/// An IPv6 packet to `dst`: `first` next header, the extension headers
/// `ext` (ending in next header 58) and the ICMPv6 message.
fn v6(first: u8, dst: Ipv6Addr, ext: &[u8], icmp: &[u8], payload_len: u16) -> Vec<u8> {
    let mut p = std::vec![0x60, 0, 0, 0];
    p.extend(payload_len.to_be_bytes());
    p.extend([first, 64]);
    p.extend(SRC.octets());
    p.extend(dst.octets());
    p.extend(ext);
    p.extend(icmp);
    p
}

fn routed(routing: &[u8], sum_dst: Ipv6Addr) -> Vec<u8> {
    let icmp = echo_v6(sum_dst, 8);
    let len = u16::try_from(routing.len() + icmp.len()).unwrap();
    v6(protocol::ROUTING, HOP, routing, &icmp, len)
}

/// A segment routing header, Segment List = [FINAL, HOP].
fn srh(left: u8) -> Vec<u8> {
    let mut h = std::vec![58, 4, 4, left, 1, 0, 0, 0];
    h.extend(FINAL.octets());
    h.extend(HOP.octets());
    h
}

fn rh0(left: u8) -> Vec<u8> {
    let mut h = std::vec![58, 4, 0, left, 0, 0, 0, 0];
    h.extend(HOP.octets());
    h.extend(FINAL.octets());
    h
}

#[test]
fn the_icmpv6_checksum_covers_the_final_destination() {
    for (routing, routing_type) in [(srh(1), 4), (rh0(2), 0)] {
        let p = routed(&routing, FINAL);
        let d = dissect(&p).unwrap();
        assert_eq!(d.checksum_status, ChecksumStatus::Valid, "{routing_type}");
        assert_eq!(d.dst, IpAddr::V6(HOP));
        assert_eq!(
            d.notes.final_destination,
            Some(FinalDestination {
                addr: FINAL,
                routing_type
            })
        );
        // Summed over the IPv6 destination instead: wrong.
        let p = routed(&routing, HOP);
        let d = dissect(&p).unwrap();
        assert_eq!(d.checksum_status, ChecksumStatus::Invalid, "{routing_type}");
    }
}

#[test]
fn with_no_segments_left_the_destination_is_final() {
    for routing in [srh(0), rh0(0)] {
        let p = routed(&routing, HOP);
        let d = dissect(&p).unwrap();
        assert_eq!(d.checksum_status, ChecksumStatus::Valid);
        assert!(d.notes.is_empty());
        assert_eq!(d.notes.iter().count(), 0);
    }
}

#[test]
fn a_routing_header_behind_others_counts() {
    let mut ext = std::vec![60, 0, 1, 4, 0, 0, 0, 0]; // Hop-by-Hop, PadN
    ext.extend([43, 0, 1, 4, 0, 0, 0, 0]); // Destination Options, PadN
    ext.extend(srh(1));
    let icmp = echo_v6(FINAL, 8);
    let len = u16::try_from(ext.len() + icmp.len()).unwrap();
    let p = v6(protocol::HOP_BY_HOP, HOP, &ext, &icmp, len);
    let d = dissect(&p).unwrap();
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert_eq!(d.notes.final_destination.map(|f| f.addr), Some(FINAL));
}

/// A routing header breaking its type's rules is noted and read past as
/// tshark reads it: the message is still parsed and its checksum checked.
#[test]
fn a_bad_routing_header_is_noted_and_read_past() {
    let segments_left = Malformed::Invalid {
        what: "IPv6 Routing header",
        field: "segments left",
        value: 3,
        rule: "exceeds the addresses listed",
    };
    // Type 0, segments left 3 of 2 addresses: the last one is final.
    for (routing, routing_type) in [(rh0(3), 0), (srh(3), 4)] {
        let p = routed(&routing, FINAL);
        let d = dissect(&p).unwrap();
        assert_eq!(d.msg_type(), Some(128));
        assert!(d.message.is_ok());
        assert_eq!(d.checksum_status, ChecksumStatus::Valid, "{routing_type}");
        assert_eq!(d.notes.routing_violation, Some(segments_left));
        assert_eq!(
            d.notes.final_destination,
            Some(FinalDestination {
                addr: FINAL,
                routing_type
            })
        );
        // The packet breaks RFC 8200 all the same.
        assert_eq!(d.problem(), Some(segments_left));
        let p = routed(&routing, HOP);
        let d = dissect(&p).unwrap();
        assert_eq!(d.checksum_status, ChecksumStatus::Invalid, "{routing_type}");
    }
    // Type 0 with an odd length: the addresses that fit whole, [HOP].
    let mut odd = rh0(2);
    odd[1] = 3;
    odd.truncate(32);
    let p = routed(&odd, HOP);
    let d = dissect(&p).unwrap();
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert_eq!(
        d.notes
            .iter()
            .map(|n| n.to_string_lossy())
            .collect::<Vec<_>>(),
        [
            "malformed, read past: IPv6 Routing header: header extension length 3 is odd",
            "checksum over the final destination 2001:db8:2::1 (routing header type 0)"
        ]
    );
}

/// A Hop-by-Hop header with a Jumbo Payload option of `len`.
fn jumbo_header(len: u32) -> Vec<u8> {
    let mut h = std::vec![58, 0, 0xc2, 4];
    h.extend(len.to_be_bytes());
    h
}

#[test]
fn a_jumbogram_is_decoded() {
    let icmp = echo_v6(FINAL, 70_000);
    let jumbo_len = u32::try_from(8 + icmp.len()).unwrap();
    let mut p = v6(
        protocol::HOP_BY_HOP,
        FINAL,
        &jumbo_header(jumbo_len),
        &icmp,
        0,
    );
    p.extend([0xee; 4]); // a link-layer trailer, not the message's
    let d = dissect(&p).unwrap();
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert_eq!(d.icmp.len(), 70_008);
    assert!(!d.truncated);
    assert_eq!(d.notes.jumbo_payload_len, Some(70_016));
    assert_eq!(
        d.notes.iter().collect::<Vec<_>>(),
        [Note::Jumbogram(70_016)]
    );
    // Cut short by the capture: unverified.
    let d = dissect(&p[..60_000]).unwrap();
    assert!(d.truncated);
    assert_eq!(d.checksum_status, ChecksumStatus::Unverified);
    // Cut inside the Hop-by-Hop header: its length cannot be told.
    let d = dissect(&p[..45]).unwrap();
    assert_eq!(
        d.message,
        Err(Malformed::Truncated {
            what: "IPv6 Hop-by-Hop Options header",
            needed: 8,
            available: 5,
        })
    );
}

/// RFC 2675 §3: a Jumbo Payload option in a packet whose payload length is
/// not 0 is an error; tshark notes it and takes the payload length, and so
/// does this: the message is shown, the packet malformed.
#[test]
fn a_jumbo_payload_option_with_a_payload_length_is_read_past() {
    let icmp = echo_v6(FINAL, 8);
    let len = u16::try_from(8 + icmp.len()).unwrap();
    let p = v6(
        protocol::HOP_BY_HOP,
        FINAL,
        &jumbo_header(70_016),
        &icmp,
        len,
    );
    let d = dissect(&p).unwrap();
    assert_eq!(d.msg_type(), Some(128));
    assert!(d.message.is_ok());
    assert!(!d.truncated);
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    let reason = Malformed::Invalid {
        what: "IPv6 Jumbo Payload option",
        field: "IPv6 payload length",
        value: u32::from(len),
        rule: "is not 0 (RFC 2675)",
    };
    assert_eq!(d.notes.jumbo_ignored, Some(reason));
    assert_eq!(d.notes.jumbo_payload_len, None);
    assert_eq!(
        d.notes
            .iter()
            .map(|n| n.to_string_lossy())
            .collect::<Vec<_>>(),
        [
            "malformed, Jumbo Payload option ignored: IPv6 Jumbo Payload option: \
          IPv6 payload length 24 is not 0 (RFC 2675)"
        ]
    );
    assert_eq!(d.problem(), Some(reason));
}

#[test]
fn jumbogram_errors_are_malformed() {
    let icmp = echo_v6(FINAL, 8);
    let small = v6(protocol::HOP_BY_HOP, FINAL, &jumbo_header(24), &icmp, 0);
    let d = dissect(&small).unwrap();
    assert_eq!(
        d.problem(),
        Some(Malformed::Invalid {
            what: "IPv6 Jumbo Payload option",
            field: "jumbo payload length",
            value: 24,
            rule: "is not above 65535 (RFC 2675)",
        })
    );
    // A Fragment header in a jumbogram.
    let mut ext = jumbo_header(70_000);
    ext[0] = protocol::FRAGMENT;
    ext.extend([58, 0, 0, 0, 0, 0, 0, 1]);
    let p = v6(protocol::HOP_BY_HOP, FINAL, &ext, &icmp, 0);
    let d = dissect(&p).unwrap();
    assert_eq!(d.message, Err(JUMBO_FRAGMENT));
    assert_eq!(
        JUMBO_FRAGMENT.to_string_lossy(),
        "IPv6 jumbogram: next header 44 (Fragment) is not allowed with a Jumbo Payload option (RFC 2675)"
    );
}

/// An IPv4 echo request with the given total length field.
fn v4(total_len: u16) -> [u8; 36] {
    let mut p = [0u8; 36];
    p[..12].copy_from_slice(&[0x45, 0, 0, 0, 0x42, 0x42, 0x40, 0, 64, 1, 0, 0]);
    p[2..4].copy_from_slice(&total_len.to_be_bytes());
    p[12..20].copy_from_slice(&[192, 0, 2, 2, 198, 51, 100, 2]);
    p[20..28].copy_from_slice(&[8, 0, 0, 0, 0x17, 0x17, 0, 1]);
    let sum = crate::checksum::checksum(&p[20..]);
    p[22..24].copy_from_slice(&sum.to_be_bytes());
    p
}

#[test]
fn ipv4_total_length_0_uses_the_captured_length() {
    let p = v4(0);
    let d = dissect(&p).unwrap();
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert_eq!(d.icmp.len(), 16);
    assert_eq!(d.notes.ipv4_length_from_capture, Some(36));
    assert_eq!(
        d.notes
            .iter()
            .map(|n| n.to_string_lossy())
            .collect::<Vec<_>>(),
        ["IPv4 total length 0 (segmentation offload?): using the captured length, 36 bytes"]
    );
    // Stated, it is used, and nothing is noted.
    let stated = v4(36);
    let d = dissect(&stated).unwrap();
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert!(d.notes.is_empty());
    // Any other length below the header is still malformed.
    let short = v4(12);
    let d = dissect(&short).unwrap();
    assert!(d.message.is_err());
    // As is a header cut short, whatever the total length.
    let d = dissect(&p[..18]);
    assert!(d.is_none_or(|d| d.message.is_err()));
}

#[test]
fn notes_read_as_sentences() {
    let note = Note::FinalDestination(FinalDestination {
        addr: FINAL,
        routing_type: 4,
    });
    assert_eq!(
        note.to_string_lossy(),
        "checksum over the final destination 2001:db8:4::1 (routing header type 4)"
    );
    assert_eq!(
        Note::Jumbogram(70_016).to_string_lossy(),
        "jumbogram: payload length 70016 from the Jumbo Payload option"
    );
}

/// `to_string` under `no_std`.
trait ToStringLossy {
    fn to_string_lossy(&self) -> std::string::String;
}

impl<T: core::fmt::Display> ToStringLossy for T {
    fn to_string_lossy(&self) -> std::string::String {
        std::format!("{self}")
    }
}
