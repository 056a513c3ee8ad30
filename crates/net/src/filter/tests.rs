//! The programs run on made-up datagrams by a classic BPF interpreter of
//! the instructions they use (`super::interpret`: the kernel's rules, a
//! load past the end drops the datagram).

use super::*;

const IDENT: u16 = 0x4d2e;

/// Runs the program of `version` for [`IDENT`] over `packet`: the bytes
/// kept (0: dropped); [`echo_ident_keeps`] must say the same.
fn run(version: IpVersion, packet: &[u8]) -> u32 {
    let kept = super::interpret::run(&echo_ident_program(version, IDENT), packet, 0);
    assert_eq!(
        echo_ident_keeps(version, packet, IDENT),
        kept != DROP,
        "user space and kernel differ on {packet:?}"
    );
    kept
}

/// An ICMP message: type, code, checksum 0, then the rest.
fn icmp(kind: u8, rest: &[u8]) -> Vec<u8> {
    let mut m = vec![kind, 0, 0, 0];
    m.extend_from_slice(rest);
    m
}

/// An Echo message of `kind` with `ident`, seq 1 and 16 bytes of data.
fn echo(kind: u8, ident: u16) -> Vec<u8> {
    let mut rest = ident.to_be_bytes().to_vec();
    rest.extend_from_slice(&[0, 1]);
    rest.extend_from_slice(&[0xa5; 16]);
    icmp(kind, &rest)
}

/// An IPv4 header of `ihl` words (options zero) before `payload`.
fn ipv4(ihl: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0; usize::from(ihl) * 4];
    p[0] = 0x40 | ihl;
    p[9] = 1;
    p.extend_from_slice(payload);
    p
}

/// An ICMPv4 error of `kind` quoting `quoted`.
fn error_v4(kind: u8, quoted: &[u8]) -> Vec<u8> {
    let mut rest = vec![0; 4];
    rest.extend_from_slice(quoted);
    icmp(kind, &rest)
}

#[test]
fn v4_keeps_our_replies_and_errors_about_our_requests_only() {
    let p = IpVersion::V4;
    for ihl in [5, 6, 15] {
        assert_eq!(run(p, &ipv4(ihl, &echo(0, IDENT))), KEEP, "ihl {ihl}");
        assert_eq!(run(p, &ipv4(ihl, &echo(0, IDENT ^ 1))), DROP, "ihl {ihl}");
    }
    for kind in V4_ERRORS {
        for inner_ihl in [5, 7] {
            let ours = ipv4(inner_ihl, &echo(8, IDENT));
            let theirs = ipv4(inner_ihl, &echo(8, 0x0001));
            for outer_ihl in [5, 6] {
                let kept = |q: &[u8]| run(p, &ipv4(outer_ihl, &error_v4(kind, q)));
                assert_eq!(kept(&ours), KEEP, "type {kind} ihl {outer_ihl}/{inner_ihl}");
                assert_eq!(kept(&theirs), DROP, "type {kind}");
                // Quoting only the IP header: nothing to match.
                assert_eq!(kept(&ours[..usize::from(inner_ihl) * 4 + 4]), DROP);
                // Exactly the 8 bytes RFC 792 asks for: enough.
                assert_eq!(kept(&ours[..usize::from(inner_ihl) * 4 + 8]), KEEP);
            }
        }
    }
    // Other types pass, for the type filter and user space to judge.
    for kind in [8, 13, 14, 43] {
        assert_eq!(run(p, &ipv4(5, &echo(kind, 0x0001))), KEEP, "type {kind}");
    }
    // Truncated datagrams are dropped, not misread.
    assert_eq!(run(p, &[]), DROP);
    assert_eq!(run(p, &ipv4(5, &[0, 0, 0])), DROP);
}

#[test]
fn v6_keeps_our_replies_and_errors_about_our_requests_only() {
    let p = IpVersion::V6;
    assert_eq!(run(p, &echo(129, IDENT)), KEEP);
    assert_eq!(run(p, &echo(129, IDENT.swap_bytes())), DROP);
    let quote = |ident| {
        let mut q = vec![0x60; 40];
        q[6] = 58;
        q.extend_from_slice(&echo(128, ident));
        q
    };
    for kind in V6_ERRORS {
        let with = |q: &[u8]| {
            let mut rest = vec![0; 4];
            rest.extend_from_slice(q);
            run(p, &icmp(kind, &rest))
        };
        assert_eq!(with(&quote(IDENT)), KEEP, "type {kind}");
        assert_eq!(with(&quote(7)), DROP, "type {kind}");
        assert_eq!(with(&quote(IDENT)[..44]), DROP, "type {kind}");
    }
    for kind in [128, 133, 134, 161] {
        assert_eq!(run(p, &echo(kind, 1)), KEEP, "type {kind}");
    }
}

#[test]
fn every_jump_lands_inside_the_program_and_it_ends_in_a_return() {
    for version in [IpVersion::V4, IpVersion::V6] {
        let p = echo_ident_program(version, IDENT);
        for (i, insn) in p.iter().enumerate() {
            if insn.code & 0x07 == JMP {
                assert!(i + 1 + usize::from(insn.jt.max(insn.jf)) < p.len(), "{i}");
            }
        }
        assert_eq!(p.last().map(|i| i.code), Some(RET));
    }
}
