//! The kernel-side filter of a packet capture ([`program`], attached by
//! [`crate::capture::PacketCapture::open`]).
//!
//! A capture for `icmpkit guard` wants ICMP and what ICMP can hide in;
//! everything else on a busy interface (TCP, UDP, ARP) would be copied into
//! the ring only to be thrown away. This classic BPF program runs in the
//! kernel before a packet is copied and keeps:
//!
//! - IPv4 with protocol 1 (ICMP);
//! - IPv4 fragments of any protocol (More Fragments set or a fragment
//!   offset other than zero): only the first fragment says ICMP, and the
//!   guard reassembles them (ping of death, overlaps);
//! - IPv6 whose first next header is 58 (ICMPv6), 44 (Fragment),
//!   0 (Hop-by-Hop Options, as MLD carries), 60 (Destination Options) or
//!   43 (Routing): ICMPv6 behind extension headers, for user space to walk.
//!
//! Every packet kept is cut to the snap length (the program's return
//! value). With [`crate::capture::CaptureFilter::All`] the program only
//! does that.
//!
//! The socket is cooked (`SOCK_DGRAM`): a packet starts at its network
//! header whichever the link, and the ethertype comes from the kernel's
//! ancillary load (`SKF_AD_OFF + SKF_AD_PROTOCOL`). A load past the end of
//! a packet drops it, so a truncated header is never kept by misreading.

use super::{ABS, B, H, JEQ, JMP, JSET, LD, RET, op};
use crate::sys::SockFilter;

/// The ethertype of IPv4.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// The ethertype of IPv6.
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;

/// The ancillary load of the packet's ethertype (`SKF_AD_OFF +
/// SKF_AD_PROTOCOL`: `-0x1000` as the kernel's unsigned offset).
const AD_PROTOCOL: u32 = 0xffff_f000;

/// IPv4 protocol number of ICMP.
const IPPROTO_ICMP: u32 = 1;
/// IPv4 flags and fragment offset: More Fragments and the offset bits.
const FRAGMENT_BITS: u32 = 0x3fff;
/// IPv6 next headers kept: ICMPv6, Fragment, Hop-by-Hop, Destination
/// Options, Routing.
const V6_NEXT_HEADERS: [u32; 5] = [58, 44, 0, 60, 43];

/// What the capture keeps: see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// ICMP, ICMPv6, and fragments and extension headers that may hold them.
    Icmp,
    /// Every packet.
    All,
}

/// A conditional jump at `at` on `code` with `k` to the instructions at
/// `yes` and `no` (absolute indices after it).
fn jump(code: u16, k: u32, at: usize, yes: usize, no: usize) -> SockFilter {
    let offset = |to: usize| u8::try_from(to - at - 1).unwrap_or(u8::MAX);
    SockFilter {
        code: JMP | code,
        jt: offset(yes),
        jf: offset(no),
        k,
    }
}

/// The program that keeps what `keep` says, cut to `snap_len` bytes.
pub(crate) fn program(keep: Keep, snap_len: u32) -> Vec<SockFilter> {
    if keep == Keep::All {
        return vec![op(RET, snap_len)];
    }
    // 0..6 IPv4, 6 the IPv6 test, 7.. the IPv6 next headers, then the
    // keep and drop returns.
    let v6 = 6;
    let keep_at = 8 + V6_NEXT_HEADERS.len();
    let drop_at = keep_at + 1;
    let mut p = Vec::with_capacity(drop_at + 1);
    p.push(op(LD | H | ABS, AD_PROTOCOL));
    p.push(jump(JEQ, u32::from(ETH_P_IP), 1, 2, v6));
    p.push(op(LD | B | ABS, 9)); // protocol
    p.push(jump(JEQ, IPPROTO_ICMP, 3, keep_at, 4));
    p.push(op(LD | H | ABS, 6)); // flags and fragment offset
    p.push(jump(JSET, FRAGMENT_BITS, 5, keep_at, drop_at));
    p.push(jump(JEQ, u32::from(ETH_P_IPV6), v6, v6 + 1, drop_at));
    p.push(op(LD | B | ABS, 6)); // the first next header
    for (i, &next) in V6_NEXT_HEADERS.iter().enumerate() {
        let at = p.len();
        let no = if i + 1 == V6_NEXT_HEADERS.len() {
            drop_at
        } else {
            at + 1
        };
        p.push(jump(JEQ, next, at, keep_at, no));
    }
    p.push(op(RET, snap_len));
    p.push(op(RET, 0));
    p
}

#[cfg(test)]
mod tests;
