//! The kernel-side filter of a raw ICMP socket on the Echo identifier
//! ([`echo_ident_program`], attached by
//! [`crate::IcmpSocket::filter_echo_ident`]).
//!
//! A raw ICMP socket receives every ICMP message of its host: a storm of
//! other processes' replies, or of errors quoting other packets, would
//! otherwise be copied to user space only to be thrown away there. This
//! classic BPF program runs in the kernel before a datagram is queued and
//! keeps:
//!
//! - Echo Replies carrying our identifier;
//! - errors (ICMPv4 Destination Unreachable, Source Quench, Redirect,
//!   Time Exceeded, Parameter Problem; ICMPv6 Destination Unreachable,
//!   Packet Too Big, Time Exceeded, Parameter Problem) whose quoted
//!   datagram holds our identifier where an Echo Request carries it
//!   (after the quoted IP header: IPv4 with its own header length, IPv6
//!   with no extension headers, as our probes go). A quote too short to
//!   hold it is dropped: nothing could match it;
//! - every other type, for the socket's type filter and user space to
//!   judge.
//!
//! A ping socket needs none of this: the kernel already gives it only its
//! own replies and errors.
//!
//! The filter sees datagrams only, not the socket's error queue: with
//! `IP_RECVERR` on, a raw ICMP socket still gets an error-queue entry for
//! every ICMP error about any ICMP packet of its host (the kernel's
//! `raw_err`), unfiltered. Those entries are small and read in bounded
//! batches, but a storm of them still reaches user space.
//!
//! The program sees an ICMPv4 datagram from its IP header on (whose length
//! the `MSH` load reads), an ICMPv6 one from the ICMPv6 header on.

use icmpkit_wire::IpVersion;

use crate::sys::SockFilter;

pub(crate) mod capture;
#[cfg(test)]
mod interpret;

/// Load a word size: half word.
const H: u16 = 0x08;
/// Load a word size: byte.
const B: u16 = 0x10;
/// `ld`: load into A.
const LD: u16 = 0x00;
/// `ldx`: load into X.
const LDX: u16 = 0x01;
/// Arithmetic on A.
const ALU: u16 = 0x04;
/// Conditional jump.
const JMP: u16 = 0x05;
/// Return (the bytes to keep; 0 drops).
const RET: u16 = 0x06;
/// Register moves.
const MISC: u16 = 0x07;
/// Mode: the constant k.
const IMM: u16 = 0x00;
/// Mode: absolute offset (from the start of the datagram).
const ABS: u16 = 0x20;
/// Mode: offset from X.
const IND: u16 = 0x40;
/// Mode: `4 * (byte & 0xf)` (an IPv4 header length).
const MSH: u16 = 0xa0;
/// ALU: add; operand X.
const ADD_X: u16 = 0x08; // BPF_ADD (0) | BPF_X
/// ALU: and with k.
const AND: u16 = 0x50;
/// ALU: shift left by k.
const LSH: u16 = 0x60;
/// Jump if A == k.
const JEQ: u16 = 0x10;
/// Jump if A & k is not zero.
const JSET: u16 = 0x40;
/// MISC: X = A.
const TAX: u16 = 0x00;

/// Keep the whole datagram.
const KEEP: u32 = u32::MAX;
/// Drop it.
const DROP: u32 = 0;

/// ICMPv4 types that quote the datagram they are about.
const V4_ERRORS: [u8; 5] = [3, 4, 5, 11, 12];
/// ICMPv6 types that quote the datagram they are about.
const V6_ERRORS: [u8; 4] = [1, 2, 3, 4];

const fn op(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jeq(k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter {
        code: JMP | JEQ,
        jt,
        jf,
        k,
    }
}

/// A jump offset (the program is a few dozen instructions long).
fn offset(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// Appends: compare the half word A holds with `ident`; keep or drop.
fn keep_if_ident(program: &mut Vec<SockFilter>, ident: u16) {
    program.push(jeq(u32::from(ident), 0, 1));
    program.push(op(RET, KEEP));
    program.push(op(RET, DROP));
}

/// The program that keeps, of what a raw ICMP socket of `version`
/// receives, our Echo Replies and errors about our Echo Requests (Echo
/// identifier `ident`), and every other type; see the module docs.
pub fn echo_ident_program(version: IpVersion, ident: u16) -> Vec<SockFilter> {
    let (reply, errors): (u8, &[u8]) = match version {
        IpVersion::V4 => (0, &V4_ERRORS),
        IpVersion::V6 => (129, &V6_ERRORS),
    };
    let mut p = Vec::with_capacity(24);
    // X: where the ICMP header starts.
    match version {
        IpVersion::V4 => p.push(op(LDX | B | MSH, 0)),
        IpVersion::V6 => p.push(op(LDX | IMM, 0)),
    }
    p.push(op(LD | B | IND, 0)); // A = type
    // Then: the reply check at 2, the error checks at 3.., the "other
    // type" return at 3 + E, the reply branch at 4 + E (four
    // instructions), the error branch at 8 + E. A jump at i by o lands at
    // i + 1 + o.
    let e = errors.len();
    p.push(jeq(u32::from(reply), offset(e + 4 - 3), 0));
    for (j, &t) in errors.iter().enumerate() {
        p.push(jeq(u32::from(t), offset(e + 8 - (4 + j)), 0));
    }
    p.push(op(RET, KEEP)); // another type: not ours to judge here
    // Echo Reply: its identifier, 4 bytes into the ICMP header.
    p.push(op(LD | H | IND, 4));
    keep_if_ident(&mut p, ident);
    // An error: the quoted datagram starts 8 bytes into the ICMP header.
    match version {
        IpVersion::V4 => {
            p.push(op(LD | B | IND, 8)); // the quoted version and IHL
            p.push(op(ALU | AND, 0x0f));
            p.push(op(ALU | LSH, 2));
            p.push(op(ALU | ADD_X, 0)); // + where the ICMP header starts
            p.push(op(MISC | TAX, 0));
            // X + 8: the quoted ICMP header; its identifier 4 further.
            p.push(op(LD | H | IND, 8 + 4));
        }
        // X is 0: the quoted IPv6 header is 40 bytes.
        IpVersion::V6 => p.push(op(LD | H | IND, 8 + 40 + 4)),
    }
    keep_if_ident(&mut p, ident);
    p
}

/// What [`echo_ident_program`] decides about `datagram` (from the IPv4
/// header on, or the ICMPv6 header), in user space: whether it keeps it.
/// A socket that attaches the program only once it has seen a stranger's
/// datagram (as iputils does) applies this to what it read before.
pub fn echo_ident_keeps(version: IpVersion, datagram: &[u8], ident: u16) -> bool {
    let (reply, errors): (u8, &[u8]) = match version {
        IpVersion::V4 => (0, &V4_ERRORS),
        IpVersion::V6 => (129, &V6_ERRORS),
    };
    // Where the ICMP header starts: the program's X.
    let start = match version {
        IpVersion::V4 => match datagram.first() {
            Some(&b) => usize::from(b & 0x0f) * 4,
            None => return false,
        },
        IpVersion::V6 => 0,
    };
    let half = |at: usize| {
        datagram
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let Some(&kind) = datagram.get(start) else {
        return false;
    };
    if kind == reply {
        return half(start + 4) == Some(ident);
    }
    if !errors.contains(&kind) {
        return true;
    }
    // The quoted Echo Request's identifier.
    let quoted = match version {
        IpVersion::V4 => match datagram.get(start + 8) {
            Some(&b) => start + usize::from(b & 0x0f) * 4 + 8 + 4,
            None => return false,
        },
        IpVersion::V6 => start + 8 + 40 + 4,
    };
    half(quoted) == Some(ident)
}

#[cfg(test)]
mod tests;
