//! `version-mismatch`: ICMPv6 (protocol 58) carried in IPv4, ICMPv4 (next
//! header 1) in IPv6, seen by the IP packet hook, where [`dissect`]
//! (which returns nothing for them) cannot show them.
//!
//! [`dissect`]: icmpkit_wire::dissect::dissect

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_capture::Timestamp;
use icmpkit_wire::{IpVersion, ipv6};

use crate::detect::{Detection, Evidence, Finding};
use crate::observe::{IpPacket, Nanos, SECOND};

/// A version mismatch seen by the packet hook.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mismatch {
    frame: u64,
    pub(super) now: Nanos,
    pub(super) src: IpAddr,
    dst: IpAddr,
    /// The outer version.
    outer: IpVersion,
    msg_type: u8,
    code: u8,
}

/// The mismatch `packet` is, if its IPv4 protocol field or its IPv6 next
/// header (after the extension headers, walked only when there are some)
/// names the other family's ICMP.
pub(super) fn mismatch(packet: &IpPacket<'_>) -> Option<Mismatch> {
    let ip = packet.ip;
    let (outer, src, dst, body) = match ip.first()? >> 4 {
        4 if ip.len() >= 20 && ip[9] == 58 => {
            let header = usize::from(ip[0] & 0x0f) * 4;
            let src: [u8; 4] = ip[12..16].try_into().ok()?;
            let dst: [u8; 4] = ip[16..20].try_into().ok()?;
            (
                IpVersion::V4,
                Ipv4Addr::from(src).into(),
                Ipv4Addr::from(dst).into(),
                ip.get(header..).unwrap_or_default(),
            )
        }
        6 if ip.len() >= 40 && (ip[6] == 1 || ipv6::is_extension_header(ip[6])) => {
            // Behind extension headers too (walked only when there are some).
            let offset = if ip[6] == 1 {
                0
            } else {
                match ipv6::walk_extensions_lax(ip[6], &ip[40..]) {
                    Ok(upper) if upper.protocol == 1 && upper.complete => upper.offset,
                    _ => return None,
                }
            };
            let src: [u8; 16] = ip[8..24].try_into().ok()?;
            let dst: [u8; 16] = ip[24..40].try_into().ok()?;
            (
                IpVersion::V6,
                Ipv6Addr::from(src).into(),
                Ipv6Addr::from(dst).into(),
                ip.get(40 + offset..).unwrap_or_default(),
            )
        }
        _ => return None,
    };
    Some(Mismatch {
        frame: packet.frame,
        now: packet.now,
        src,
        dst,
        outer,
        msg_type: body.first().copied().unwrap_or(0),
        code: body.get(1).copied().unwrap_or(0),
    })
}

/// The finding of `m`, built by hand (no message was dissected).
pub(super) fn finding(m: &Mismatch) -> Finding {
    let (inner, outer, field) = match m.outer {
        IpVersion::V4 => (IpVersion::V6, "IPv4", "protocol 58 (ICMPv6)"),
        IpVersion::V6 => (IpVersion::V4, "IPv6", "next header 1 (ICMPv4)"),
    };
    Finding {
        detection: Detection::VersionMismatch,
        severity: Detection::VersionMismatch.info().severity,
        confidence: 95,
        time: Timestamp {
            seconds: m.now / SECOND,
            nanoseconds: u32::try_from(m.now % SECOND).unwrap_or(0),
        },
        frame: m.frame,
        src: m.src,
        dst: m.dst,
        version: inner,
        msg_type: m.msg_type,
        code: m.code,
        evidence: Evidence::one(m.frame)
            .fact("outer", outer)
            .fact("field", field),
        explanation: format!(
            "{} sent an {outer} packet to {} with {field}: {} carried in {outer}, which no stack \
             sends (type {}, code {} inside). It is crafted to slip past filters that match one \
             family's protocol number.",
            m.src,
            m.dst,
            match inner {
                IpVersion::V4 => "ICMPv4",
                IpVersion::V6 => "ICMPv6",
            },
            m.msg_type,
            m.code,
        ),
    }
}
