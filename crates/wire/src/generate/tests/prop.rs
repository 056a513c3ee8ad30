//! Property tests: building never panics on any bytes, and whatever is
//! built dissects with a valid checksum, fits the limit and quotes a prefix
//! of the offending datagram; building succeeds exactly when
//! [`may_send_error`] allows it (given extensions the type may carry).

use proptest::prelude::*;
use std::vec;

use super::*;
use crate::extension::{MplsLabel, ObjectRepr};

fn v4_error() -> impl Strategy<Value = Icmpv4Error> {
    prop_oneof![
        (any::<u8>(), any::<u16>()).prop_map(|(c, m)| Icmpv4Error::DestinationUnreachable {
            code: c.into(),
            next_hop_mtu: m
        }),
        Just(Icmpv4Error::SourceQuench),
        (any::<u8>(), any::<u32>()).prop_map(|(c, g)| Icmpv4Error::Redirect {
            code: c.into(),
            gateway: Ipv4Addr::from(g)
        }),
        any::<u8>().prop_map(|c| Icmpv4Error::TimeExceeded { code: c.into() }),
        (any::<u8>(), any::<u8>()).prop_map(|(c, p)| Icmpv4Error::ParameterProblem {
            code: c.into(),
            pointer: p
        }),
    ]
}

fn v6_error() -> impl Strategy<Value = Icmpv6Error> {
    prop_oneof![
        any::<u8>().prop_map(|c| Icmpv6Error::DestinationUnreachable { code: c.into() }),
        any::<u32>().prop_map(|mtu| Icmpv6Error::PacketTooBig { mtu }),
        any::<u8>().prop_map(|c| Icmpv6Error::TimeExceeded { code: c.into() }),
        (any::<u8>(), 0u32..200).prop_map(|(c, p)| Icmpv6Error::ParameterProblem {
            code: c.into(),
            pointer: p
        }),
    ]
}

/// Mostly the default context, so that many cases get built.
fn context() -> impl Strategy<Value = Context> {
    prop_oneof![3 => Just(Context::default()), 1 => any_context()]
}

fn any_context() -> impl Strategy<Value = Context> {
    (0u8..3, any::<[bool; 3]>()).prop_map(|(l, [b, s, lo])| Context {
        link_layer: match l {
            0 => LinkLayer::Unicast,
            1 => LinkLayer::Broadcast,
            _ => LinkLayer::Multicast,
        },
        destination_is_broadcast: b,
        source_is_not_unique: s,
        looped_back: lo,
    })
}

const LABELS: [MplsLabel; 3] = [MplsLabel {
    label: 17,
    tc: 1,
    bottom_of_stack: true,
    ttl: 1,
}; 3];
const OBJECTS: [[ObjectRepr<'static>; 1]; 3] = [
    [ObjectRepr::Mpls(&[])],
    [ObjectRepr::Mpls(&LABELS)],
    [ObjectRepr::Mpls(&LABELS)],
];

/// No extensions, or an MPLS object of 0 to 3 labels.
fn extensions() -> impl Strategy<Value = &'static [ObjectRepr<'static>]> {
    (0usize..5).prop_map(|n| match n {
        0 | 4 => &[][..],
        n => &OBJECTS[n - 1][..],
    })
}

fn options(ext: &'static [ObjectRepr<'static>]) -> Options<'static> {
    Options {
        extensions: ext,
        ..Options::default()
    }
}

/// Builds and, on success, checks the error; returns the result.
fn build_any(
    bytes: &[u8],
    reason: Reason,
    context: Context,
    ext: &'static [ObjectRepr<'static>],
) -> Result<usize, Refusal> {
    let mut out = vec![0xa5u8; 1400];
    let got = match reason {
        Reason::V4(e) => build_v4(bytes, e, ROUTER_V4, context, &options(ext), &mut out),
        Reason::V6(e) => build_v6(bytes, e, ROUTER_V6, context, &options(ext), &mut out),
    };
    if let Ok(n) = got {
        assert_sound(&out[..n], &bytes[..datagram_len(bytes, reason)]);
    }
    let allowed = may_send_error(bytes, reason, context);
    match got {
        Err(Refusal::ExtensionsNotAllowed { .. } | Refusal::ExtensionsTooLarge { .. }) => {
            assert_eq!(allowed, Ok(()));
        }
        Err(refusal) => assert_eq!(allowed, Err(refusal)),
        Ok(_) => assert_eq!(allowed, Ok(())),
    }
    got
}

/// An IPv4 datagram with arbitrary addresses, protocol, TOS, fragment
/// fields and payload, a valid header checksum, and link padding.
fn v4_datagram() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<[u32; 2]>(),
        prop_oneof![Just(1u8), Just(6), Just(17), any::<u8>()],
        any::<u8>(),
        prop_oneof![Just(0u16), any::<u16>()],
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..1600),
        0usize..30,
    )
        .prop_map(|([src, dst], proto, tos, frag, more, payload, pad)| {
            let repr = ipv4::Repr {
                src_addr: src.into(),
                dst_addr: dst.into(),
                protocol: proto,
                payload_len: payload.len(),
                ttl: 1,
                dscp: tos >> 2,
                ecn: tos & 3,
                ident: 7,
                dont_frag: false,
                more_frags: more,
                frag_offset: frag,
                options: &[],
            };
            let mut b = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv4::Packet::new_unchecked(&mut b[..]));
            b[20..].copy_from_slice(&payload);
            b.resize(b.len() + pad, 0);
            b
        })
}

/// An IPv6 packet with arbitrary addresses, maybe a Fragment header, an
/// upper layer and payload, and link padding.
fn v6_datagram() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<[u128; 2]>(),
        any::<bool>(),
        prop_oneof![Just(0u16), any::<u16>()],
        prop_oneof![Just(58u8), Just(17), Just(6), any::<u8>()],
        proptest::collection::vec(any::<u8>(), 0..1500),
        0usize..30,
    )
        .prop_map(|([src, dst], frag, offset, proto, data, pad)| {
            let mut payload = Vec::new();
            if frag {
                payload.extend_from_slice(&[proto, 0]);
                payload.extend_from_slice(&(offset & 0xfff9).to_be_bytes());
                payload.extend_from_slice(&[1, 2, 3, 4]);
            }
            payload.extend_from_slice(&data);
            let repr = ipv6::Repr {
                src_addr: src.into(),
                dst_addr: dst.into(),
                next_header: if frag { 44 } else { proto },
                payload_len: payload.len(),
                hop_limit: 1,
                traffic_class: 0,
                flow_label: 0,
            };
            let mut b = vec![0; repr.buffer_len()];
            repr.emit(&mut ipv6::Packet::new_unchecked(&mut b[..]));
            b[40..].copy_from_slice(&payload);
            b.resize(b.len() + pad, 0);
            b
        })
}

/// The body length an error about a `total`-byte datagram has, computed
/// independently of the module: the whole quote if it fits, else `room`
/// bytes; with an extension structure, the quote cut to whole words of
/// what the structure leaves, padded to 128.
fn expected_body(total: usize, room: usize, ext: &[ObjectRepr<'_>], word: usize) -> usize {
    match ext {
        [] => total.min(room),
        [object] => {
            let structure = 4 + object.buffer_len();
            let quote = total.min((room - structure) / word * word);
            quote.div_ceil(word).max(128 / word) * word + structure
        }
        _ => unreachable!(),
    }
}

proptest! {
    #[test]
    fn any_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..1600),
        v4 in v4_error(),
        v6 in v6_error(),
        context in context(),
        ext in extensions(),
    ) {
        let _ = build_any(&bytes, Reason::V4(v4), context, ext);
        let _ = build_any(&bytes, Reason::V6(v6), context, ext);
    }

    #[test]
    fn v4_datagrams_build_sound_errors(
        datagram in v4_datagram(),
        error in v4_error(),
        context in context(),
        ext in extensions(),
    ) {
        if let Ok(n) = build_any(&datagram, Reason::V4(error), context, ext) {
            let total = usize::from(ipv4::Packet::new_unchecked(&datagram[..]).total_len());
            prop_assert_eq!(n, 28 + expected_body(total, 548, ext, 4));
        }
    }

    #[test]
    fn v6_datagrams_build_sound_errors(
        datagram in v6_datagram(),
        error in v6_error(),
        context in context(),
        ext in extensions(),
    ) {
        if let Ok(n) = build_any(&datagram, Reason::V6(error), context, ext) {
            let total = 40 + usize::from(ipv6::Packet::new_unchecked(&datagram[..]).payload_len());
            prop_assert_eq!(n, 48 + expected_body(total, 1232, ext, 8));
        }
    }
}
