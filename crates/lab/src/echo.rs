//! Echo messages for tests of `icmpkit-net` (feature `sockets`): a random
//! nonce, an identifier unlikely to be another process's, requests of
//! either family, and a bounded wait for the matching reply. Sent only to
//! loopback or inside a [`Lab`](crate::netns::Lab).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use icmpkit_net::{IcmpSocket, IpVersion, Received};
use icmpkit_wire::echo;
use icmpkit_wire::{icmpv4, icmpv6};

/// The longest any test waits for one packet.
pub const WAIT: Duration = Duration::from_secs(2);

/// Random bytes (std's hasher keys come from the OS's random source).
pub fn nonce() -> [u8; 16] {
    let mut out = [0; 16];
    for chunk in out.chunks_mut(8) {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0x0069_636d_706b_6974);
        chunk.copy_from_slice(&h.finish().to_ne_bytes());
    }
    out
}

/// An identifier unlikely to be another process's.
pub fn ident() -> u16 {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish().to_ne_bytes()[0..2]
        .iter()
        .fold(0, |acc, &b| (acc << 8) | u16::from(b))
}

/// An echo request of `version`; for ICMPv6 the checksum is left to the
/// kernel (it always computes it for ICMPv6 sockets).
pub fn echo_request(version: IpVersion, ident: u16, seq_no: u16, data: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    write_echo_request(version, ident, seq_no, data, &mut buf);
    buf
}

/// [`echo_request`] written into `buf` (cleared first), for a machine's
/// `poll_transmit` buffer or a loop that reuses one.
pub fn write_echo_request(
    version: IpVersion,
    ident: u16,
    seq_no: u16,
    data: &[u8],
    buf: &mut Vec<u8>,
) {
    buf.clear();
    buf.resize(echo::request_len(data.len()), 0);
    echo::write_request(version, ident, seq_no, data, buf);
}

/// An echo message's (is it a reply, identifier, sequence, data).
pub fn echo_fields(version: IpVersion, icmp: &[u8]) -> Option<(bool, u16, u16, Vec<u8>)> {
    match version {
        IpVersion::V4 => match icmpv4::Repr::parse_bytes(icmp).ok()? {
            icmpv4::Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => Some((false, ident, seq_no, data.to_vec())),
            icmpv4::Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => Some((true, ident, seq_no, data.to_vec())),
            _ => None,
        },
        IpVersion::V6 => match icmpv6::Repr::parse(&icmpv6::Packet::new_unchecked(icmp)).ok()? {
            icmpv6::Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => Some((false, ident, seq_no, data.to_vec())),
            icmpv6::Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => Some((true, ident, seq_no, data.to_vec())),
            _ => None,
        },
    }
}

/// What [`await_reply`] saw on the way.
pub struct Seen {
    /// The matching reply's metadata.
    pub reply: Received,
    /// The ICMP type of every packet received before it, in order.
    pub types_before: Vec<u8>,
    /// Whether our own request (same identifier, sequence and nonce) was
    /// among them.
    pub own_request: bool,
}

/// Receives until the echo reply with `ident`, `seq_no` and `data` arrives,
/// for at most [`WAIT`] and 500 packets; panics otherwise.
pub fn await_reply(sock: &IcmpSocket, ident: u16, seq_no: u16, data: &[u8]) -> Seen {
    let version = sock.version();
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0; 2048];
    let mut types_before = Vec::new();
    let mut own_request = false;
    for _ in 0..500 {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero() && sock.wait_readable(left).unwrap(),
            "no echo reply within {WAIT:?}; saw types {types_before:?}"
        );
        let got = sock.recv(&mut buf).unwrap();
        let icmp = got.icmp(&buf);
        let Some(&msg_type) = icmp.first() else {
            continue;
        };
        match echo_fields(version, icmp) {
            Some((true, i, s, d)) if i == ident && s == seq_no && d == data => {
                return Seen {
                    reply: got,
                    types_before,
                    own_request,
                };
            }
            Some((false, i, s, d)) if i == ident && s == seq_no && d == data => {
                own_request = true;
            }
            _ => {}
        }
        types_before.push(msg_type);
    }
    panic!("no matching echo reply among 500 packets");
}
