//! The capture program run on made-up packets by the test interpreter.

use super::*;
use crate::filter::interpret::run;

const SNAP: u32 = 65535;

/// An IPv4 header (20 bytes) of `protocol` with flags and fragment offset
/// `frag`, before 8 bytes of payload.
fn v4(protocol: u8, frag: u16) -> Vec<u8> {
    let mut p = vec![0; 28];
    p[0] = 0x45;
    p[6..8].copy_from_slice(&frag.to_be_bytes());
    p[9] = protocol;
    p
}

/// An IPv6 header whose next header is `next`, before 8 bytes.
fn v6(next: u8) -> Vec<u8> {
    let mut p = vec![0; 48];
    p[0] = 0x60;
    p[6] = next;
    p
}

#[test]
fn keeps_icmp_and_fragments_of_ipv4() {
    let p = program(Keep::Icmp, SNAP);
    let ip = |packet: &[u8]| run(&p, packet, ETH_P_IP);
    assert_eq!(ip(&v4(1, 0)), SNAP);
    assert_eq!(ip(&v4(1, 0x4000)), SNAP, "DF set");
    for protocol in [6, 17, 58, 47] {
        assert_eq!(ip(&v4(protocol, 0)), 0, "protocol {protocol}");
        assert_eq!(ip(&v4(protocol, 0x4000)), 0, "protocol {protocol} DF");
        // First fragment (MF), middle, last (offset only).
        for frag in [0x2000, 0x2001, 0x0001, 0x1fff, 0x6000] {
            assert_eq!(ip(&v4(protocol, frag)), SNAP, "{protocol} {frag:#x}");
        }
    }
    // A header cut before its protocol or fragment field: dropped.
    assert_eq!(ip(&v4(1, 0)[..9]), 0);
    assert_eq!(ip(&v4(17, 0x2000)[..7]), 0);
}

#[test]
fn keeps_icmpv6_and_the_extension_headers_that_may_lead_to_it() {
    let p = program(Keep::Icmp, SNAP);
    for next in [58, 44, 0, 60, 43] {
        assert_eq!(run(&p, &v6(next), ETH_P_IPV6), SNAP, "next header {next}");
    }
    for next in [6, 17, 1, 59, 50, 51] {
        assert_eq!(run(&p, &v6(next), ETH_P_IPV6), 0, "next header {next}");
    }
    assert_eq!(run(&p, &v6(58)[..6], ETH_P_IPV6), 0);
}

#[test]
fn the_ethertype_decides_not_the_version_nibble() {
    let p = program(Keep::Icmp, SNAP);
    // ARP, and IPv4 bytes under another ethertype.
    for protocol in [0x0806, 0x88cc, 0x8100, 0] {
        assert_eq!(run(&p, &v4(1, 0), protocol), 0, "{protocol:#x}");
    }
    // An IPv6 ethertype reads the IPv6 next header (byte 6), not byte 9.
    assert_eq!(
        run(&p, &v4(1, 0), ETH_P_IPV6),
        SNAP,
        "byte 6 is 0: Hop-by-Hop"
    );
    // IPv6 bytes under the IPv4 ethertype: protocol (byte 9) 0, no
    // fragment bits (bytes 6 and 7: next header 0, hop limit 0).
    assert_eq!(run(&p, &v6(0), ETH_P_IP), 0);
}

#[test]
fn the_snap_length_is_what_is_kept() {
    for keep in [Keep::Icmp, Keep::All] {
        assert_eq!(run(&program(keep, 96), &v4(1, 0), ETH_P_IP), 96);
    }
    let all = program(Keep::All, SNAP);
    assert_eq!(run(&all, &v4(17, 0), ETH_P_IP), SNAP);
    assert_eq!(run(&all, &[], 0x0806), SNAP);
}

#[test]
fn every_jump_lands_inside_the_program_and_it_ends_in_returns() {
    let p = program(Keep::Icmp, SNAP);
    for (i, insn) in p.iter().enumerate() {
        if insn.code & 0x07 == JMP {
            assert!(i + 1 + usize::from(insn.jt.max(insn.jf)) < p.len(), "{i}");
        }
    }
    assert_eq!(p[p.len() - 2], op(RET, SNAP));
    assert_eq!(p[p.len() - 1], op(RET, 0));
}
