//! Property tests: `parse(emit(repr)) == repr` for every variant, with a
//! verifying checksum under a fixed source and destination, NDP options
//! round trips, and no panic on any bytes.

extern crate std;

use core::net::Ipv6Addr;
use std::vec;
use std::vec::Vec;

use proptest::collection::vec as pvec;
use proptest::prelude::*;

use super::super::mld::{self, Record, RecordType, V2Query, V2Report};
use super::super::ndp::{
    self, DomainNames, NdpOption, NdpOptions, Preference, RouterAdvertisement,
};
use super::super::{Ipv6Addresses, Packet, Repr};

const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x1, 0x2, 0x3, 0x4);
const DST: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x1);

/// The bytes `repr` emits.
fn emit(repr: &Repr<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut buf[..]), SRC, DST);
    buf
}

/// Emits `repr`, checks the checksum, and parses it back.
fn round_trip(repr: &Repr<'_>) {
    let buf = emit(repr);
    let packet = Packet::new_checked(&buf[..]).unwrap();
    assert!(packet.verify_checksum(SRC, DST));
    assert_eq!(Repr::parse(&packet).unwrap(), *repr);
}

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    pvec(any::<u8>(), 0..max)
}

/// An owned NDP option to borrow an [`NdpOption`] from.
#[derive(Debug, Clone)]
enum OwnedOption {
    Lla(bool, Vec<u8>),
    Prefix(u8, bool, bool, u32, u32, Ipv6Addr),
    Redirected(Vec<u8>),
    Mtu(u32),
    Rdnss(u32, Vec<u8>),
    Dnssl(u32, Vec<u8>),
    Route(u8, u8, u32, Ipv6Addr),
    Unknown(u8, Vec<u8>),
}

impl OwnedOption {
    fn borrow(&self) -> NdpOption<'_> {
        match self {
            Self::Lla(true, d) => NdpOption::SourceLinkLayerAddress(d),
            Self::Lla(false, d) => NdpOption::TargetLinkLayerAddress(d),
            Self::Prefix(len, l, a, v, p, prefix) => NdpOption::PrefixInformation {
                prefix_len: *len,
                on_link: *l,
                autonomous: *a,
                valid_lifetime: *v,
                preferred_lifetime: *p,
                prefix: *prefix,
            },
            Self::Redirected(d) => NdpOption::RedirectedHeader { data: d },
            Self::Mtu(m) => NdpOption::Mtu(*m),
            Self::Rdnss(t, s) => NdpOption::Rdnss {
                lifetime: *t,
                servers: Ipv6Addresses::new(s),
            },
            Self::Dnssl(t, d) => NdpOption::Dnssl {
                lifetime: *t,
                domains: DomainNames::new(d),
            },
            Self::Route(len, prf, t, prefix) => NdpOption::RouteInformation {
                prefix_len: *len,
                preference: Preference::from_bits(*prf),
                lifetime: *t,
                prefix: *prefix,
            },
            Self::Unknown(k, d) => NdpOption::Unknown { kind: *k, data: d },
        }
    }
}

/// `n` bytes, where `n + pad` is a multiple of 8: a body that emits without
/// padding, so it parses back to the same slice.
fn padded(pad: usize, max_units: usize) -> impl Strategy<Value = Vec<u8>> {
    (1..=max_units).prop_flat_map(move |u| pvec(any::<u8>(), u * 8 - pad))
}

fn option() -> impl Strategy<Value = OwnedOption> {
    prop_oneof![
        (any::<bool>(), padded(2, 3)).prop_map(|(s, d)| OwnedOption::Lla(s, d)),
        (
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            any::<u32>(),
            any::<u32>(),
            addr()
        )
            .prop_map(|(n, l, a, v, p, x)| OwnedOption::Prefix(n, l, a, v, p, x)),
        padded(8, 4).prop_map(|mut d| {
            d.truncate(d.len().saturating_sub(8));
            OwnedOption::Redirected(d)
        }),
        any::<u32>().prop_map(OwnedOption::Mtu),
        (any::<u32>(), 1..4usize).prop_flat_map(|(t, n)| {
            pvec(any::<u8>(), n * 32).prop_map(move |s| OwnedOption::Rdnss(t, s))
        }),
        (any::<u32>(), 1..3usize).prop_flat_map(|(t, u)| {
            pvec(any::<u8>(), u * 8).prop_map(move |d| OwnedOption::Dnssl(t, d))
        }),
        (0..=128u8, 0..4u8, any::<u32>(), addr()).prop_map(|(n, p, t, x)| {
            // Only the prefix bits count; the rest is zero on the wire.
            let bits = u128::from(x) & !(u128::MAX.checked_shr(u32::from(n)).unwrap_or(0));
            OwnedOption::Route(n, p, t, Ipv6Addr::from(bits))
        }),
        (prop_oneof![0..1u8, 6..24u8, 32..255u8], padded(2, 3))
            .prop_map(|(k, d)| OwnedOption::Unknown(k, d)),
    ]
}

/// Emits owned options into one buffer.
fn emit_all(options: &[OwnedOption]) -> Vec<u8> {
    let borrowed: Vec<NdpOption<'_>> = options.iter().map(OwnedOption::borrow).collect();
    let mut out = vec![0u8; borrowed.iter().map(NdpOption::buffer_len).sum()];
    assert_eq!(ndp::emit_options(&borrowed, &mut out), out.len());
    out
}

proptest! {
    #[test]
    fn ndp_options_round_trip(options in pvec(option(), 0..5)) {
        let bytes = emit_all(&options);
        let parsed: Vec<_> = NdpOptions::new(&bytes).unwrap().iter().collect();
        let expected: Vec<_> = options.iter().map(|o| Ok(o.borrow())).collect();
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn error_messages_round_trip(
        kind in 0..4u8,
        code in any::<u8>(),
        value in any::<u32>(),
        mut original in bytes(300),
        extension in proptest::option::of(pvec(any::<u8>(), 1..40)),
    ) {
        let extended = extension.is_some() && kind % 2 == 0;
        if extended {
            original.resize(original.len().next_multiple_of(8).max(128), 0);
        } else if original.len() > 128 {
            // Keep a plain quote from looking like a pre-RFC 4884 extension.
            original[128] = 0;
        }
        let extension = extension.as_deref().filter(|_| extended);
        let repr = match kind {
            0 => Repr::DestinationUnreachable { code: code.into(), original: &original, extension },
            1 => Repr::PacketTooBig { mtu: value, original: &original },
            2 => Repr::TimeExceeded { code: code.into(), original: &original, extension },
            _ => Repr::ParameterProblem { code: code.into(), pointer: value, original: &original },
        };
        round_trip(&repr);
    }

    #[test]
    fn informational_messages_round_trip(
        kind in 0..9u8,
        code in any::<u8>(),
        a in any::<u16>(),
        b in any::<u16>(),
        small in any::<u8>(),
        flags in any::<[bool; 4]>(),
        rest in any::<[u8; 4]>(),
        nonce in any::<[u8; 8]>(),
        data in bytes(100),
        private in prop::sample::select(vec![100u8, 101, 200, 201]),
        unknown in prop_oneof![5..100u8, 102..128u8, 141..143u8, 144..160u8, 162..200u8, 202..=255u8],
    ) {
        let repr = match kind {
            0 => Repr::EchoRequest { ident: a, seq_no: b, data: &data },
            1 => Repr::EchoReply { ident: a, seq_no: b, data: &data },
            2 => Repr::RouterRenumbering { code, sequence_number: u32::from(a) << 16 | u32::from(b), data: &data },
            3 => Repr::NodeInformationQuery { code: code.into(), qtype: a, flags: b, nonce, data: &data },
            4 => Repr::NodeInformationResponse { code: code.into(), qtype: a, flags: b, nonce, data: &data },
            5 => Repr::ExtendedEchoRequest { ident: a, seq_no: small, local: flags[0], request: &data },
            6 => Repr::ExtendedEchoReply {
                code: code.into(), ident: a, seq_no: small, state: (small & 7).into(),
                active: flags[1], ipv4: flags[2], ipv6: flags[3],
            },
            7 => Repr::PrivateExperimentation { msg_type: private, code, rest_of_header: rest, data: &data },
            _ => Repr::Unknown { msg_type: unknown, code, rest_of_header: rest, data: &data },
        };
        round_trip(&repr);
    }

    #[test]
    fn mld_round_trip(
        kind in 0..5u8,
        delay in any::<u16>(),
        group in addr(),
        s in any::<bool>(),
        qrv in 0..8u8,
        qqic in any::<u8>(),
        sources in pvec(any::<[u8; 16]>(), 0..4),
        records in pvec((any::<u8>(), addr(), pvec(any::<[u8; 16]>(), 0..3), 0..3usize), 0..4),
    ) {
        let sources = sources.concat();
        let owned: Vec<(RecordType, Ipv6Addr, Vec<u8>, Vec<u8>)> = records
            .into_iter()
            .map(|(t, a, s, aux)| (t.into(), a, s.concat(), vec![0x5a; aux * 4]))
            .collect();
        let records: Vec<Record<'_>> = owned
            .iter()
            .map(|(t, a, s, aux)| Record {
                record_type: *t,
                multicast_address: *a,
                sources: Ipv6Addresses::new(s),
                aux_data: aux,
            })
            .collect();
        let mut record_bytes = vec![0u8; records.iter().map(Record::buffer_len).sum()];
        mld::emit_records(&records, &mut record_bytes);
        let count = u16::try_from(records.len()).unwrap();
        let repr = match kind {
            0 => Repr::MldQuery { max_response_delay: delay, multicast_address: group },
            1 => Repr::MldReport { max_response_delay: delay, multicast_address: group },
            2 => Repr::MldDone { max_response_delay: delay, multicast_address: group },
            3 => Repr::MldV2Query(V2Query {
                max_response_code: delay,
                multicast_address: group,
                suppress_router_processing: s,
                robustness: qrv,
                qqic,
                sources: Ipv6Addresses::new(&sources),
            }),
            _ => Repr::MldV2Report(V2Report {
                records: mld::Records::new(&record_bytes, count).unwrap(),
            }),
        };
        round_trip(&repr);
        if let Repr::MldV2Report(r) = repr {
            prop_assert_eq!(r.records.iter().collect::<Vec<_>>(), records);
        }
    }

    #[test]
    fn ndp_round_trip(
        kind in 0..5u8,
        options in pvec(option(), 0..4),
        target in addr(),
        destination in addr(),
        flags in any::<[bool; 5]>(),
        hop_limit in any::<u8>(),
        prf in 0..4u8,
        lifetime in any::<u16>(),
        reachable in any::<u32>(),
        retrans in any::<u32>(),
    ) {
        let bytes = emit_all(&options);
        let options = NdpOptions::new(&bytes).unwrap();
        let repr = match kind {
            0 => Repr::RouterSolicitation { options },
            1 => Repr::RouterAdvertisement(RouterAdvertisement {
                hop_limit,
                managed: flags[0],
                other_config: flags[1],
                home_agent: flags[2],
                preference: Preference::from_bits(prf),
                proxy: flags[3],
                router_lifetime: lifetime,
                reachable_time: reachable,
                retrans_timer: retrans,
                options,
            }),
            2 => Repr::NeighborSolicitation { target, options },
            3 => Repr::NeighborAdvertisement {
                router: flags[0],
                solicited: flags[1],
                override_entry: flags[2],
                target,
                options,
            },
            _ => Repr::Redirect { target, destination, options },
        };
        round_trip(&repr);
    }

    /// Any bytes under any type: parsing, and walking everything a parse
    /// yields, never panics; a parse that succeeds emits a message that
    /// parses and emits to the same bytes again (emitting normalizes, e.g. it
    /// pads an RFC 4884 quote to 128 bytes, so the first emit may differ).
    #[test]
    fn any_bytes_never_panic(
        msg_type in prop::sample::select(vec![
            1u8, 2, 3, 4, 100, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138,
            139, 140, 143, 160, 161, 200, 0, 255,
        ]),
        mut body in bytes(200),
    ) {
        body.insert(0, msg_type);
        let packet = Packet::new_unchecked(&body[..]);
        if let Ok(repr) = Repr::parse(&packet) {
            walk(&repr);
            let once = emit(&repr);
            let again = Repr::parse(&Packet::new_checked(&once[..]).unwrap()).unwrap();
            prop_assert_eq!(emit(&again), once);
        }
        if let Ok(p) = Packet::new_checked(&body[..]) {
            let _ = (p.ndp_options(), p.rest_of_header(), p.data());
        }
        for o in NdpOptions::new_unchecked(&body).iter().flatten() {
            walk_option(&o);
        }
        for name in DomainNames::new(&body).iter().flatten() {
            let _ = name.labels().count();
        }
    }
}

fn walk_option(o: &NdpOption<'_>) {
    match o {
        NdpOption::Rdnss { servers, .. } => {
            let _ = servers.iter().count();
        }
        NdpOption::Dnssl { domains, .. } => {
            for name in domains.iter().flatten() {
                let _ = name.labels().count();
            }
        }
        _ => {}
    }
}

fn walk(repr: &Repr<'_>) {
    let options = match repr {
        Repr::RouterSolicitation { options }
        | Repr::NeighborSolicitation { options, .. }
        | Repr::NeighborAdvertisement { options, .. }
        | Repr::Redirect { options, .. } => *options,
        Repr::RouterAdvertisement(ra) => ra.options,
        Repr::MldV2Query(q) => {
            assert_eq!(q.sources.iter().count(), q.sources.len());
            return;
        }
        Repr::MldV2Report(r) => {
            assert_eq!(r.records.iter().count(), usize::from(r.records.count()));
            return;
        }
        _ => return,
    };
    for o in options.iter().flatten() {
        walk_option(&o);
    }
}
