//! ICMPv4 tests: per-message vectors (deconstruct, construct, parse, emit,
//! `check_len`), real captures, and property tests.

extern crate std;

use std::vec;
use std::vec::Vec;

use super::*;
use crate::error::Malformed;

mod messages;
mod props;
mod vectors;

/// Parses `bytes` to `repr`, emits `repr` onto a 0xa5 buffer to `bytes`,
/// and checks the checksum both ways.
fn assert_parse_emit(bytes: &[u8], repr: &Repr<'_>) {
    let packet = Packet::new_checked(bytes).unwrap();
    assert!(packet.verify_checksum(), "vector checksum");
    assert_eq!(&Repr::parse(&packet).unwrap(), repr, "parse");
    assert_eq!(repr.buffer_len(), bytes.len(), "buffer_len");
    let mut out = vec![0xa5u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut out[..]));
    assert_eq!(out, bytes, "emit");
}

/// Every prefix shorter than `min` fails `check_len` (and parse) with
/// `Truncated { what, needed, .. }` (the header below 8 bytes); no prefix
/// panics parse.
fn assert_truncations(bytes: &[u8], what: &'static str, min: usize) {
    for n in 0..bytes.len() {
        let prefix = &bytes[..n];
        let (what, needed) = if n < HEADER_LEN {
            ("ICMPv4 header", HEADER_LEN)
        } else {
            (what, min)
        };
        let expected = Malformed::Truncated {
            what,
            needed,
            available: n,
        };
        if n < min {
            assert_eq!(Packet::new_checked(prefix).unwrap_err(), expected);
            assert_eq!(Repr::parse_bytes(prefix).unwrap_err(), expected);
        } else {
            let _ = Repr::parse_bytes(prefix);
        }
    }
}

/// A 0xa5 buffer of `len` bytes after `set` and `fill_checksum`.
fn construct(len: usize, set: impl FnOnce(&mut Packet<&mut [u8]>)) -> Vec<u8> {
    let mut out = vec![0xa5u8; len];
    let mut packet = Packet::new_unchecked(&mut out[..]);
    set(&mut packet);
    packet.fill_checksum();
    out
}

#[test]
fn checksum_detects_a_flipped_bit() {
    let mut bytes = vectors::LINUX_ECHO_REPLY;
    assert!(Packet::new_checked(&bytes[..]).unwrap().verify_checksum());
    bytes[20] ^= 0x01;
    assert!(!Packet::new_checked(&bytes[..]).unwrap().verify_checksum());
}

#[test]
fn packet_getters_never_panic_after_check() {
    // Every type, every length from 0 to 40: check_len either refuses or
    // every getter works.
    let mut buf = [0x5au8; 40];
    for t in 0..=u8::MAX {
        buf[0] = t;
        for n in 0..=buf.len() {
            let Ok(p) = Packet::new_checked(&buf[..n]) else {
                continue;
            };
            let _ = (p.msg_type(), p.msg_code(), p.checksum(), p.rest_of_header());
            let _ = (
                p.echo_ident(),
                p.echo_seq_no(),
                p.next_hop_mtu(),
                p.gateway(),
            );
            let _ = (p.pointer(), p.length_attr(), p.photuris_pointer());
            let _ = (p.num_addrs(), p.addr_entry_size(), p.lifetime());
            let _ = p.router_entries().count();
            let _ = (p.extended_seq_no(), p.local(), p.state());
            let _ = (
                p.active(),
                p.ipv4(),
                p.ipv6(),
                p.data(),
                p.verify_checksum(),
            );
            if matches!(p.msg_type(), Message::Timestamp | Message::TimestampReply) {
                let _ = p.originate_timestamp() ^ p.receive_timestamp() ^ p.transmit_timestamp();
            }
            if matches!(
                p.msg_type(),
                Message::AddressMaskRequest | Message::AddressMaskReply
            ) {
                let _ = p.address_mask();
            }
        }
    }
}

/// Found by the icmpv4 fuzz target: a 140-byte quote whose bytes at offset
/// 128 resemble an extension header (version 2, zero checksum) but whose
/// object length is 0 must stay quote after emit and re-parse.
#[test]
fn quote_resembling_an_extension_stays_quote() {
    extern crate std;
    let mut bytes = std::vec::Vec::from(&[0x0b, 0x27, 0, 0, 0x23, 0x23, 0xdd, 0xdc][..]);
    bytes.extend_from_slice(&[0x11; 128]);
    bytes.extend_from_slice(&[0x23, 0x23, 0, 0, 0, 0, 8, 0, 0x49, 0, 0, 5]);
    let repr = Repr::parse(&Packet::new_checked(&bytes[..]).unwrap()).unwrap();
    let Repr::TimeExceeded {
        original,
        extension,
        ..
    } = repr
    else {
        panic!("{repr:?}");
    };
    assert_eq!((original.len(), extension), (140, None));
    let mut out = std::vec![0u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut out[..]));
    assert_eq!(out[5], 0, "no extension: no length attribute");
    assert_eq!(
        Repr::parse(&Packet::new_checked(&out[..]).unwrap()).unwrap(),
        repr
    );
}
