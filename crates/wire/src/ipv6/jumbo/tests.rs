extern crate std;

use std::vec::Vec;

use super::*;

/// A Hop-by-Hop header (to ICMPv6) holding `options`, padded with Pad1.
fn hop_by_hop(options: &[u8]) -> Vec<u8> {
    let mut h = std::vec![58, 0];
    h.extend(options);
    h.resize(h.len().div_ceil(8) * 8, 0);
    h[1] = u8::try_from(h.len() / 8 - 1).unwrap();
    h
}

fn jumbo(len: u32) -> [u8; 6] {
    let l = len.to_be_bytes();
    [OPTION_JUMBO_PAYLOAD, 4, l[0], l[1], l[2], l[3]]
}

const HBH: u8 = protocol::HOP_BY_HOP;

#[test]
fn the_option_gives_the_length() {
    assert_eq!(
        jumbo_payload_len(HBH, 0, &hop_by_hop(&jumbo(70_016))),
        Ok(PayloadLen::Jumbo(70_016))
    );
    // After Pad1 and PadN.
    let mut options = std::vec![0, 1, 2, 0, 0];
    options.extend(jumbo(65_536));
    assert_eq!(
        jumbo_payload_len(HBH, 0, &hop_by_hop(&options)),
        Ok(PayloadLen::Jumbo(65_536))
    );
}

#[test]
fn other_packets_have_none() {
    assert_eq!(jumbo_payload_len(58, 0, &[]), Ok(PayloadLen::Field));
    assert_eq!(
        jumbo_payload_len(58, 8, &hop_by_hop(&jumbo(70_000))),
        Ok(PayloadLen::Field)
    );
    // A Hop-by-Hop header without the option, payload length set.
    let router_alert = hop_by_hop(&[5, 2, 0, 0]);
    assert_eq!(
        jumbo_payload_len(HBH, 8, &router_alert),
        Ok(PayloadLen::Field)
    );
}

#[test]
fn rfc_2675_errors_are_reported() {
    let invalid = |what, field, value, rule| Malformed::Invalid {
        what,
        field,
        value,
        rule,
    };
    assert_eq!(
        jumbo_payload_len(HBH, 0, &hop_by_hop(&jumbo(65_535))),
        Err(invalid(
            WHAT,
            "jumbo payload length",
            65_535,
            "is not above 65535 (RFC 2675)"
        ))
    );
    // The option ignored, as tshark ignores it.
    assert_eq!(
        jumbo_payload_len(HBH, 16, &hop_by_hop(&jumbo(70_000))),
        Ok(PayloadLen::OptionIgnored(invalid(
            WHAT,
            "IPv6 payload length",
            16,
            "is not 0 (RFC 2675)"
        )))
    );
    assert_eq!(
        jumbo_payload_len(HBH, 0, &hop_by_hop(&[1, 4, 0, 0, 0, 0])),
        Err(invalid(
            "IPv6 header",
            "payload length",
            0,
            "comes with a Hop-by-Hop header but no Jumbo Payload option (RFC 2675)"
        ))
    );
    assert_eq!(
        jumbo_payload_len(HBH, 0, &hop_by_hop(&[OPTION_JUMBO_PAYLOAD, 2, 0, 0])),
        Err(invalid(WHAT, "option length", 2, "is not 4"))
    );
}

/// A Hop-by-Hop header cut short by the capture, in a packet whose payload
/// length is 0, is reported cut short, not as lacking the option.
#[test]
fn a_cut_header_is_truncated() {
    let h = hop_by_hop(&jumbo(70_000));
    let cut = |needed, available| {
        Err(Malformed::Truncated {
            what: "IPv6 Hop-by-Hop Options header",
            needed,
            available,
        })
    };
    for len in 0..h.len() {
        let needed = if len < 2 { 2 } else { 8 };
        assert_eq!(
            jumbo_payload_len(HBH, 0, &h[..len]),
            cut(needed, len),
            "{len}"
        );
        // With a payload length it is no jumbogram: the field holds.
        assert_eq!(
            jumbo_payload_len(HBH, 40, &h[..len]),
            Ok(PayloadLen::Field),
            "{len}"
        );
    }
    // An option found before the cut is read.
    let mut options = jumbo(70_000).to_vec();
    options.extend([1, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
    let long = hop_by_hop(&options);
    assert_eq!(long.len(), 24);
    assert_eq!(
        jumbo_payload_len(HBH, 0, &long[..10]),
        Ok(PayloadLen::Jumbo(70_000))
    );
    // Cut after PadN, before the option would have been: still cut short.
    let mut options = std::vec![1, 8, 0, 0, 0, 0, 0, 0, 0, 0];
    options.extend(jumbo(70_000));
    let late = hop_by_hop(&options);
    assert_eq!(jumbo_payload_len(HBH, 0, &late[..12]), cut(24, 12));
    assert_eq!(
        jumbo_payload_len(HBH, 0, &late),
        Ok(PayloadLen::Jumbo(70_000))
    );
}
