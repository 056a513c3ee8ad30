//! Tests for ICMPv6: real and hand-built vectors for every message, malformed
//! input, property round trips and a differential test against etherparse.

extern crate std;

use core::net::Ipv6Addr;
use std::vec;

use super::{Packet, Repr};
use crate::error::Malformed;

mod differential;
mod handmade;
mod linux;
mod malformed;
mod proptests;
mod vectors;

/// The Truncated error a buffer of `n` bytes gets from `check_len`, given a
/// message's fixed-length thresholds: each `(needed, what)` applies below
/// `needed`.
fn truncated_by(thresholds: &[(usize, &'static str)], n: usize) -> Option<Malformed> {
    thresholds
        .iter()
        .find(|(needed, _)| n < *needed)
        .map(|&(needed, what)| Malformed::Truncated {
            what,
            needed,
            available: n,
        })
}

/// Addresses the vectors share: documentation (RFC 3849), link-local, and
/// the all-nodes and all-routers groups.
const DOC_1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
/// `2001:db8::2`.
const DOC_2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
/// `fe80::1`.
const LINK_1: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
/// `fe80::2`.
const LINK_2: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
/// `ff02::1`, all nodes.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// `ff02::2`, all routers.
const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

/// The header threshold every message has.
const HEADER: (usize, &str) = (8, "ICMPv6 header");

/// Runs the four byte-level checks smoltcp does for a vector:
/// - parse: the bytes parse to `repr`, and the checksum verifies (and fails
///   once a byte is flipped or the source differs);
/// - emit: `repr` emitted on a 0xa5-filled buffer gives the bytes;
/// - construct: `construct` with the setters, then `fill_checksum`, on a
///   0xa5-filled buffer gives the bytes;
/// - `check_len`: every truncation fails as `thresholds` say (see
///   [`truncated_by`]), parsing it fails with the same error, and neither
///   panics.
fn check_vector(
    bytes: &[u8],
    addrs: (Ipv6Addr, Ipv6Addr),
    repr: &Repr<'_>,
    thresholds: &[(usize, &'static str)],
    construct: impl Fn(&mut Packet<&mut [u8]>),
) {
    check_vector_with(
        bytes,
        addrs,
        repr,
        |n| truncated_by(thresholds, n),
        construct,
    );
}

/// [`check_vector`] with the expected `check_len` result given per length.
fn check_vector_with(
    bytes: &[u8],
    (src, dst): (Ipv6Addr, Ipv6Addr),
    repr: &Repr<'_>,
    truncated: impl Fn(usize) -> Option<Malformed>,
    construct: impl Fn(&mut Packet<&mut [u8]>),
) {
    let packet = Packet::new_checked(bytes).unwrap();
    assert!(packet.verify_checksum(src, dst), "checksum of the vector");
    assert_eq!(Repr::parse(&packet).unwrap(), *repr, "parse");
    let mut flipped = bytes.to_vec();
    *flipped.last_mut().unwrap() ^= 0x01;
    assert!(!Packet::new_unchecked(&flipped[..]).verify_checksum(src, dst));
    let elsewhere = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x77);
    assert!(!packet.verify_checksum(elsewhere, dst));

    assert_eq!(repr.buffer_len(), bytes.len(), "buffer_len");
    let mut buf = vec![0xa5u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut buf[..]), src, dst);
    assert_eq!(buf, bytes, "emit");

    let mut buf = vec![0xa5u8; bytes.len()];
    let mut packet = Packet::new_unchecked(&mut buf[..]);
    construct(&mut packet);
    packet.fill_checksum(src, dst);
    assert_eq!(buf, bytes, "construct");

    for n in 0..bytes.len() {
        let cut = &bytes[..n];
        let parsed = Repr::parse(&Packet::new_unchecked(cut));
        match truncated(n) {
            Some(e) => {
                assert_eq!(Packet::new_checked(cut).unwrap_err(), e, "check_len at {n}");
                assert_eq!(parsed, Err(e), "parse at {n}");
            }
            None => assert!(Packet::new_checked(cut).is_ok(), "check_len at {n}"),
        }
    }
}
