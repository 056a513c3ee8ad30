//! Test helpers shared by the trace modules' tests: answers, addresses
//! and quoted IP headers as a router builds them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use icmpkit_wire::checksum;

use crate::trace::{Answer, Outcome, Rewrites};

/// An answer from `from` after `rtt_ms` milliseconds meaning `outcome`.
pub(crate) fn answer(from: IpAddr, rtt_ms: u64, outcome: Outcome) -> Answer {
    Answer {
        from,
        rtt: Duration::from_millis(rtt_ms),
        outcome,
        reply_ttl: None,
        quoted_ttl: None,
        rewrites: Rewrites::default(),
        extensions: Vec::new(),
    }
}

/// A Time Exceeded from `from`.
pub(crate) fn hop(from: IpAddr, rtt_ms: u64) -> Answer {
    answer(from, rtt_ms, Outcome::Hop)
}

/// The destination `from` answered.
pub(crate) fn reached(from: IpAddr, rtt_ms: u64) -> Answer {
    answer(from, rtt_ms, Outcome::Reached)
}

/// `192.0.2.n` (documentation addresses).
pub(crate) fn v4(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
}

/// `2001:db8::n` (documentation addresses).
pub(crate) fn v6(n: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n))
}

/// An IP datagram from `src` to `dst` carrying `payload` of `protocol`,
/// as a router quotes it when the TTL / hop limit `ttl` ran out there.
/// IPv4 gets identification 0x1234, DF and a valid header checksum.
pub(crate) fn ip_datagram(
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    ttl: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = u16::try_from(20 + payload.len()).expect("fits an IPv4 datagram");
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&[0x12, 0x34, 0x40, 0, ttl, protocol, 0, 0]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let sum = checksum::checksum(&out);
            out[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let len = u16::try_from(payload.len()).expect("fits an IPv6 payload");
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&[protocol, ttl]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
        }
        _ => panic!("mixed IP versions"),
    }
    out.extend_from_slice(payload);
    out
}
