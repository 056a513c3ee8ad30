//! Tests of error building: shared helpers and the packets the Linux kernel
//! sent in a throwaway network namespace (a router forwarding between two
//! veth pairs, Linux 6.18), compared byte for byte.

extern crate std;

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::string::ToString;
use std::vec::Vec;

use super::*;
use crate::dissect::{ChecksumStatus, dissect};
use crate::quote;
use crate::{icmpv4, icmpv6, ipv4, ipv6};

mod prop;
mod rules_v4;
mod rules_v6;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The router's interface, as in the captures.
const ROUTER_V4: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const ROUTER_V6: Ipv6Addr = Ipv6Addr::new(0xfd77, 0, 0, 0, 0, 0, 0, 1);

/// 10.77.0.2:40000 -> 10.78.0.2:33434 UDP, TOS 0x17, id 0x1234, DF, TTL 1,
/// 32 bytes of data (60 bytes), as sent to the router.
const LINUX_V4_PROBE_TOS17: &str = "4517003c12344000011152c80a4d00020a4e00029c40829a0028db23000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The router's Time Exceeded about it: TOS 0xd6, id 0x986c, DF clear.
const LINUX_V4_TE_TOS17: &str = "45d60058986c00004001ccc60a4d00010a4d00020b0009d8000000004517003c12344000011152c80a4d00020a4e00029c40829a0028db23000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// 10.77.0.2:40000 -> 10.77.0.1:33436 UDP, TOS 0xb8, DF, TTL 64: to the
/// router itself, no listener.
const LINUX_V4_PROBE_TOSB8: &str = "45b8003c12364000401113270a4d00020a4d00019c40829c0028db23000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The router's Port Unreachable about it: TOS 0xd8, id 0x986e.
const LINUX_V4_PU_TOSB8: &str = "45d80058986e00004001ccc20a4d00010a4d0002030311d30000000045b8003c12364000401113270a4d00020a4d00019c40829c0028db23000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// TOS 0x03 (ECN CE), no DF, id 0x1237, to 10.78.0.2:33437 with TTL 1.
const LINUX_V4_PROBE_TOS03: &str = "4503003c12370000011192d90a4d00020a4e00029c40829d0028db20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// Linux's Time Exceeded about it: TOS 0xc2, id 0x986f.
const LINUX_V4_TE_TOS03: &str = "45c20058986f00004001ccd70a4d00010a4d00020b0009d8000000004503003c12370000011192d90a4d00020a4e00029c40829d0028db20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// The first 28 bytes of a 1500-byte UDP probe (TTL 1, id 0x1235, TOS 0,
/// no DF, to 10.78.0.2:33435) whose data bytes are `i & 0xff`.
const LINUX_V4_BIG_PROBE_HEAD: &str = "450005dc1235000001118d3e0a4d00020a4e00029c40829b05c83b81";
/// The first 28 bytes of Linux's 576-byte Time Exceeded about it; the
/// other 548 are the probe's first 548.
const LINUX_V4_BIG_TE_HEAD: &str = "45c00240986d00004001caf30a4d00010a4d00020b00084b00000000";

/// `[fd77::2]:40001` -> `[fd78::2]:33438` UDP, traffic class 0xb9, flow 0x921d7,
/// hop limit 1, 52 zero bytes of data.
const LINUX_V6_PROBE: &str = "6b9921d7003c1101fd770000000000000000000000000002fd7800000000000000000000000000029c41829e003cfb4100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
/// The router's Time Exceeded about it (flow label 0x0280b, hop limit 64).
const LINUX_V6_TE: &str = "6000280b006c3a40fd770000000000000000000000000001fd77000000000000000000000000000203004d66000000006b9921d7003c1101fd770000000000000000000000000002fd7800000000000000000000000000029c41829e003cfb4100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
/// `[fd77::2]:40001` -> `[fd77::1]:33440`, 12 bytes, to the router itself.
const LINUX_V6_PROBE_LOCAL: &str = "6b9e777c00141140fd770000000000000000000000000002fd7700000000000000000000000000019c4182a00014fb17000000000000000000000000";
/// The router's Port Unreachable about it (flow label 0x13ed9).
const LINUX_V6_PU: &str = "60013ed900443a40fd770000000000000000000000000001fd7700000000000000000000000000020104fa1a000000006b9e777c00141140fd770000000000000000000000000002fd7700000000000000000000000000019c4182a00014fb17000000000000000000000000";
/// The first 48 bytes of a 1500-byte UDP probe (1452 zero bytes of data).
const LINUX_V6_BIG_PROBE_HEAD: &str = "6b956ff905b41101fd770000000000000000000000000002fd7800000000000000000000000000029c41829f05b400ba";
/// The first 48 bytes of Linux's 1280-byte Time Exceeded about it.
const LINUX_V6_BIG_TE_HEAD: &str = "6000280b04d83a40fd770000000000000000000000000001fd7700000000000000000000000000020300ea7200000000";

fn linux_big_v4_probe() -> Vec<u8> {
    let mut p = hex(LINUX_V4_BIG_PROBE_HEAD);
    p.extend((0..1472).map(|i: u32| i.to_be_bytes()[3]));
    p
}

fn linux_big_v6_probe() -> Vec<u8> {
    let mut p = hex(LINUX_V6_BIG_PROBE_HEAD);
    p.resize(1500, 0);
    p
}

const TTL_EXCEEDED: Icmpv4Error = Icmpv4Error::TimeExceeded {
    code: icmpv4::TimeExceeded::TtlExceededInTransit,
};
const PORT_UNREACHABLE: Icmpv4Error = Icmpv4Error::DestinationUnreachable {
    code: icmpv4::DestinationUnreachable::PortUnreachable,
    next_hop_mtu: 0,
};
const HOP_LIMIT_EXCEEDED: Icmpv6Error = Icmpv6Error::TimeExceeded {
    code: icmpv6::TimeExceeded::HopLimitExceeded,
};
const PORT_UNREACHABLE_V6: Icmpv6Error = Icmpv6Error::DestinationUnreachable {
    code: icmpv6::DestinationUnreachable::PortUnreachable,
};

fn v4_options(ident: u16) -> Options<'static> {
    Options {
        ident,
        ..Options::default()
    }
}

fn v6_options(flow_label: u32) -> Options<'static> {
    Options {
        flow_label,
        ..Options::default()
    }
}

/// Builds `error` about `offending` from the router's interface into a
/// 0xa5-filled buffer and returns exactly the error.
fn build(
    offending: &[u8],
    error: Reason,
    context: Context,
    options: &Options<'_>,
) -> Result<Vec<u8>, Refusal> {
    let mut out = [0xa5u8; 2000];
    let n = match error {
        Reason::V4(e) => build_v4(offending, e, ROUTER_V4, context, options, &mut out),
        Reason::V6(e) => build_v6(offending, e, ROUTER_V6, context, options, &mut out),
    }?;
    Ok(out[..n].to_vec())
}

/// [`build`] for an ICMPv4 error in the default context.
fn build4(offending: &[u8], error: Icmpv4Error, options: &Options<'_>) -> Result<Vec<u8>, Refusal> {
    build(offending, error.into(), Context::default(), options)
}

/// [`build`] for an ICMPv6 error in the default context.
fn build6(offending: &[u8], error: Icmpv6Error, options: &Options<'_>) -> Result<Vec<u8>, Refusal> {
    build(offending, error.into(), Context::default(), options)
}

/// The offending datagram's own length (its length field, without link
/// padding), of the family of `error`.
fn datagram_len(offending: &[u8], error: Reason) -> usize {
    match error {
        Reason::V4(_) => usize::from(ipv4::Packet::new_unchecked(offending).total_len()),
        Reason::V6(_) => {
            ipv6::HEADER_LEN + usize::from(ipv6::Packet::new_unchecked(offending).payload_len())
        }
    }
}

/// Why `error` about `offending` is refused in `context` (with default
/// options); [`may_send_error`] must say the same.
fn refusal(offending: &[u8], error: impl Into<Reason>, context: Context) -> Refusal {
    let error = error.into();
    let got = build(offending, error, context, &Options::default()).unwrap_err();
    assert_eq!(may_send_error(offending, error, context), Err(got));
    got
}

/// Asserts that `error` about `offending` is refused in `context` as
/// `expected` (by both [`refusal`] checks), the refusal reading `text`.
fn assert_refused(
    offending: &[u8],
    error: impl Into<Reason>,
    context: Context,
    expected: Refusal,
    text: &str,
) {
    let r = refusal(offending, error, context);
    assert_eq!(r, expected);
    assert_eq!(r.to_string(), text);
}

/// The error about `offending` in `context` (with default options), which
/// [`may_send_error`] must allow and which must be sound.
fn allowed(offending: &[u8], error: impl Into<Reason>, context: Context) -> Vec<u8> {
    let error = error.into();
    let got = build(offending, error, context, &Options::default()).unwrap();
    assert_eq!(may_send_error(offending, error, context), Ok(()));
    assert_sound(&got, &offending[..datagram_len(offending, error)]);
    got
}

/// The contexts of a datagram that arrived as a link-layer broadcast or
/// multicast.
fn link_layer_broadcasts() -> [Context; 2] {
    [LinkLayer::Broadcast, LinkLayer::Multicast].map(|link_layer| Context {
        link_layer,
        ..Context::default()
    })
}

/// Asserts that `error` about `offending` is refused as a link-layer
/// broadcast in each of [`link_layer_broadcasts`].
fn assert_link_layer_refused(offending: &[u8], error: impl Into<Reason>) {
    let error = error.into();
    let version = match error {
        Reason::V4(_) => IpVersion::V4,
        Reason::V6(_) => IpVersion::V6,
    };
    for context in link_layer_broadcasts() {
        assert_eq!(
            refusal(offending, error, context),
            Refusal::LinkLayerBroadcast {
                version,
                link_layer: context.link_layer
            }
        );
    }
}

/// The checks every built error passes: it dissects with a valid checksum
/// (and, for IPv4, a valid header checksum), fits the limit, goes back to
/// the offending source, and quotes a prefix of `datagram` (the offending
/// datagram without padding) whose probe identity is the prefix's, and the
/// datagram's once the upper-layer header is quoted.
/// Returns the quote's length.
fn assert_sound(error: &[u8], datagram: &[u8]) -> usize {
    let d = dissect(error).expect("an ICMP packet");
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert!(!d.truncated);
    let version = d.version;
    let limit = Limits::of(version);
    assert!(error.len() <= limit.max_len, "{} bytes", error.len());
    let offending_src = match version {
        crate::ip::IpVersion::V4 => {
            assert!(ipv4::Packet::new_checked(error).unwrap().verify_checksum());
            IpAddr::V4(ipv4::Packet::new_unchecked(datagram).src_addr())
        }
        crate::ip::IpVersion::V6 => IpAddr::V6(ipv6::Packet::new_unchecked(datagram).src_addr()),
    };
    assert_eq!(d.dst, offending_src);
    let (original, extension) = d.message.unwrap().error_body().unwrap();
    let quoted = if extension.is_some() {
        assert!(original.len() >= 128);
        let q = original.len().min(datagram.len());
        assert!(original[q..].iter().all(|b| *b == 0), "zero padding");
        q
    } else {
        original.len()
    };
    assert!(quoted <= limit.max_quote_len());
    assert_eq!(&original[..quoted], &datagram[..quoted]);
    assert!(quoted == datagram.len() || error.len() + 8 > limit.max_len);
    // The error's quote (padding and all) says what the quoted prefix of
    // the datagram says; that is what the whole datagram says unless the
    // quote ends before the upper-layer header (long extension headers).
    let quote = d.quote().unwrap().unwrap().probe_identity();
    let prefix = quote::parse(&datagram[..quoted], version).unwrap();
    assert_eq!(quote, prefix.probe_identity());
    if prefix.transport.is_some() {
        let whole = quote::parse(datagram, version).unwrap();
        assert_eq!(quote, whole.probe_identity());
    }
    quoted
}

/// The probe identity of the datagram a built error quotes.
fn quoted_probe_identity(error: &[u8]) -> quote::ProbeIdentity {
    dissect(error)
        .unwrap()
        .quote()
        .unwrap()
        .unwrap()
        .probe_identity()
}

#[test]
fn linux_port_unreachable_v4_byte_for_byte() {
    let probe = hex(LINUX_V4_PROBE_TOSB8);
    let got = build4(&probe, PORT_UNREACHABLE, &v4_options(0x986e)).unwrap();
    assert_eq!(got, hex(LINUX_V4_PU_TOSB8));
    assert_eq!(assert_sound(&got, &probe), 60);
}

#[test]
fn linux_time_exceeded_1500_gives_576_byte_for_byte() {
    let probe = linux_big_v4_probe();
    let got = build4(&probe, TTL_EXCEEDED, &v4_options(0x986d)).unwrap();
    assert_eq!(got.len(), 576);
    let mut linux = hex(LINUX_V4_BIG_TE_HEAD);
    linux.extend_from_slice(&probe[..548]);
    assert_eq!(got, linux);
    assert_eq!(assert_sound(&got, &probe), 548);
}

/// Linux keeps the ECN bit 0x02 of the offending TOS; this module clears
/// the ECN field. Everything else, TOS 0xc0 | 0x14 and DF clear included,
/// is the same.
#[test]
fn linux_time_exceeded_v4_differs_only_in_ecn() {
    for (probe, linux, ours_tos) in [
        (LINUX_V4_PROBE_TOS17, LINUX_V4_TE_TOS17, 0xd4),
        (LINUX_V4_PROBE_TOS03, LINUX_V4_TE_TOS03, 0xc0),
    ] {
        let probe = hex(probe);
        let mut linux = hex(linux);
        let ident = u16::from_be_bytes([linux[4], linux[5]]);
        let got = build4(&probe, TTL_EXCEEDED, &v4_options(ident)).unwrap();
        assert_eq!(linux[1] & 0xfc, ours_tos);
        assert_eq!(linux[1] & 0x03, 0x02);
        assert_eq!(got[1], ours_tos);
        assert_eq!(u16::from_be_bytes([got[6], got[7]]), 0, "DF clear");
        let mut view = ipv4::Packet::new_unchecked(&mut linux[..]);
        view.set_ecn(0);
        view.fill_checksum();
        assert_eq!(got, linux);
        assert_sound(&got, &probe);
    }
}

#[test]
fn linux_v6_errors_byte_for_byte() {
    let probe = hex(LINUX_V6_PROBE);
    let got = build6(&probe, HOP_LIMIT_EXCEEDED, &v6_options(0x0280b)).unwrap();
    assert_eq!(got, hex(LINUX_V6_TE));
    assert_eq!(assert_sound(&got, &probe), 100);

    let probe = hex(LINUX_V6_PROBE_LOCAL);
    let got = build6(&probe, PORT_UNREACHABLE_V6, &v6_options(0x13ed9)).unwrap();
    assert_eq!(got, hex(LINUX_V6_PU));
    assert_eq!(assert_sound(&got, &probe), 60);
}

#[test]
fn linux_v6_time_exceeded_1500_gives_1280_byte_for_byte() {
    let probe = linux_big_v6_probe();
    let got = build6(&probe, HOP_LIMIT_EXCEEDED, &v6_options(0x0280b)).unwrap();
    assert_eq!(got.len(), 1280);
    let mut linux = hex(LINUX_V6_BIG_TE_HEAD);
    linux.extend_from_slice(&probe[..1232]);
    assert_eq!(got, linux);
    assert_eq!(assert_sound(&got, &probe), 1232);
}

#[test]
fn trailing_padding_is_not_quoted() {
    let probe = hex(LINUX_V4_PROBE_TOSB8);
    let mut padded = probe.clone();
    padded.extend_from_slice(&[0xee; 18]);
    assert_eq!(
        build4(&padded, PORT_UNREACHABLE, &v4_options(0x986e)).unwrap(),
        hex(LINUX_V4_PU_TOSB8)
    );
    let probe = hex(LINUX_V6_PROBE_LOCAL);
    let mut padded = probe.clone();
    padded.extend_from_slice(&[0xee; 6]);
    assert_eq!(
        build6(&padded, PORT_UNREACHABLE_V6, &v6_options(0x13ed9)).unwrap(),
        hex(LINUX_V6_PU)
    );
}

#[test]
fn limits() {
    assert_eq!(Limits::V4.max_quote_len(), 548);
    assert_eq!(Limits::V6.max_quote_len(), 1232);
    assert_eq!(Limits::of(crate::ip::IpVersion::V6), Limits::V6);
    assert_eq!(MAX_EXTENSION_LEN, 1104);
    assert_eq!(Options::default().hop_limit, 64);
}

#[test]
fn output_too_small_names_the_length() {
    let probe = hex(LINUX_V4_PROBE_TOSB8);
    let mut out = [0u8; 87];
    let got = build_v4(
        &probe,
        PORT_UNREACHABLE,
        ROUTER_V4,
        Context::default(),
        &Options::default(),
        &mut out,
    );
    assert_eq!(got, Err(Refusal::OutputTooSmall { needed: 88 }));
    let probe = hex(LINUX_V6_PROBE);
    let got = build_v6(
        &probe,
        HOP_LIMIT_EXCEEDED,
        ROUTER_V6,
        Context::default(),
        &Options::default(),
        &mut [0u8; 100],
    );
    assert_eq!(got, Err(Refusal::OutputTooSmall { needed: 148 }));
}
