//! The engine with fragmentation, reassembly and a NAT: datagrams cut on
//! the way, put together at the host, ports translated and translated back.

use std::time::{Duration, Instant};

use icmpkit_wire::ipv4;

use super::tests::{chain, echo, run};
use super::*;
use crate::fragment::tests::fragment_v6;
use crate::fragment::{Reassembled, Reassembly};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// (offset, MF, total length, TTL) of each IPv4 fragment, its header
/// checksum checked, DF clear, all of one identification.
fn shape(packets: &[Egress]) -> Vec<(u16, bool, usize, u8)> {
    let ident = ipv4::Packet::new_checked(&packets[0].packet[..])
        .unwrap()
        .ident();
    packets
        .iter()
        .map(|e| {
            let v = ipv4::Packet::new_checked(&e.packet[..]).unwrap();
            assert!(v.verify_checksum());
            assert!(!v.dont_frag());
            assert_eq!(v.ident(), ident);
            (v.frag_offset(), v.more_frags(), e.packet.len(), v.ttl())
        })
        .collect()
}

/// Puts fragments together as the receiving host does.
fn reassemble(packets: &[Egress]) -> Vec<u8> {
    let mut r = Reassembly::default();
    let mut whole = None;
    for e in packets {
        if let Reassembled::Complete(p) = r.push(e.at, &e.packet) {
            whole = Some(p);
        }
    }
    whole.expect("complete")
}

#[test]
fn a_3000_byte_echo_goes_and_comes_back_in_fragments() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    // ping -s 2972 -M dont: 3000 bytes, cut to 1500 + 1500 + 40 as it
    // enters, again to 1276 + 244 (twice) + 40 before the last link.
    let request = echo("10.0.0.1", "203.0.113.10", 64, 2972, false);
    assert_eq!(request.len(), 3000);
    let out = run(&mut net, start, tun, request.clone());
    assert_eq!(net.stats().reassembled, 1);
    assert_eq!(net.stats().answered, 1);
    // The host answers 3000 bytes with DF clear: 1256 bytes of data per
    // fragment on its 1280-byte link, four hops back.
    assert_eq!(
        shape(&out),
        [
            (0, true, 1276, 60),
            (1256, true, 1276, 60),
            (2512, false, 488, 60)
        ]
    );
    assert_eq!(net.stats().fragments_made, 3 + 4 + 3);
    assert!(
        out.iter()
            .all(|e| e.at == start + Duration::from_millis(50))
    );
    let reply = reassemble(&out);
    let header = Header::parse(&reply).unwrap();
    assert_eq!(
        (header.src, header.dst),
        (ip("203.0.113.10"), ip("10.0.0.1"))
    );
    assert_eq!(reply[20], 0);
    // Identifier, sequence number and data come back as sent.
    assert_eq!(reply[24..], request[24..]);
    assert!(icmpkit_wire::checksum::is_valid(&reply[20..]));
}

#[test]
fn a_time_exceeded_goes_for_the_first_fragment_only() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let out = run(
        &mut net,
        start,
        tun,
        echo("10.0.0.1", "203.0.113.10", 1, 2972, false),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(net.stats().refused["non-initial-fragment"], 2);
    assert_eq!(net.stats().errors["time-exceeded"], 1);
    // It quotes the first fragment: offset 0, More Fragments set.
    let error = &out[0].packet;
    assert_eq!(error[20], 11);
    let quote = icmpkit_wire::quote::parse(&error[28..], icmpkit_wire::ip::IpVersion::V4).unwrap();
    let icmpkit_wire::quote::QuotedIp::V4 {
        frag_offset,
        more_frags,
        total_length,
        ..
    } = quote.ip
    else {
        panic!("an IPv4 quote");
    };
    assert_eq!((frag_offset, more_frags, total_length), (0, true, 1500));
}

#[test]
fn ipv6_fragments_are_put_together_and_answered() {
    let (t, tun) = chain();
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    let request = echo("fd00::1", "2001:db8:10::10", 64, 1152, true);
    assert_eq!(request.len(), 1200);
    let fragments = fragment_v6(&request, 600, 0x0102_0304);
    assert_eq!(fragments.len(), 3);
    let mut out = Vec::new();
    for f in fragments.into_iter().rev() {
        out.extend(run(&mut net, start, tun, f));
    }
    assert_eq!(net.stats().reassembled, 1);
    assert_eq!(out.len(), 1);
    let reply = &out[0].packet;
    assert_eq!(reply.len(), 1200);
    assert_eq!(reply[40], 129);
    assert_eq!(reply[44..], request[44..]);
}
