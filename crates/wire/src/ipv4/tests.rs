extern crate std;

use super::*;
use proptest::prelude::*;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

/// A real header (the Wikipedia "IPv4 header checksum" example: UDP,
/// 192.168.0.1 -> 192.168.0.199, DF, TTL 64), total length 115.
const HEADER: [u8; 20] = [
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
    0xc0, 0xa8, 0x00, 0xc7,
];

fn datagram() -> Vec<u8> {
    let mut d = HEADER.to_vec();
    d.extend((0..95u8).map(|i| i.wrapping_mul(3)));
    d
}

fn repr() -> Repr<'static> {
    Repr {
        src_addr: Ipv4Addr::new(192, 168, 0, 1),
        dst_addr: Ipv4Addr::new(192, 168, 0, 199),
        protocol: 17,
        payload_len: 95,
        ttl: 64,
        dscp: 0,
        ecn: 0,
        ident: 0,
        dont_frag: true,
        more_frags: false,
        frag_offset: 0,
        options: &[],
    }
}

#[test]
fn deconstruct() {
    let d = datagram();
    let p = Packet::new_checked(&d[..]).unwrap();
    assert_eq!(p.version(), 4);
    assert_eq!(p.ihl(), 5);
    assert_eq!(p.header_len(), 20);
    assert_eq!(p.dscp(), 0);
    assert_eq!(p.ecn(), 0);
    assert_eq!(p.total_len(), 115);
    assert_eq!(p.ident(), 0);
    assert!(p.dont_frag());
    assert!(!p.more_frags());
    assert!(!p.reserved_flag());
    assert_eq!(p.frag_offset(), 0);
    assert_eq!(p.ttl(), 64);
    assert_eq!(p.protocol(), 17);
    assert_eq!(p.checksum(), 0xb861);
    assert_eq!(p.src_addr(), Ipv4Addr::new(192, 168, 0, 1));
    assert_eq!(p.dst_addr(), Ipv4Addr::new(192, 168, 0, 199));
    assert!(p.verify_checksum());
    assert_eq!(p.options(), &[] as &[u8]);
    assert_eq!(p.payload(), &d[20..]);
}

#[test]
fn fragment_fields() {
    // MF set, offset 185 units = 1480 bytes, DSCP 46 (EF), ECN 1.
    let mut h = HEADER;
    h[1] = (46 << 2) | 1;
    h[6] = 0x20;
    h[7] = 185;
    h[2..4].copy_from_slice(&20u16.to_be_bytes());
    let p = Packet::new_checked(&h[..]).unwrap();
    assert!(p.more_frags());
    assert!(!p.dont_frag());
    assert_eq!(p.frag_offset(), 1480);
    assert_eq!(p.dscp(), 46);
    assert_eq!(p.ecn(), 1);
    assert!(!p.verify_checksum());
}

#[test]
fn construct() {
    let mut buf = vec![0xa5u8; 115];
    let mut p = Packet::new_unchecked(&mut buf[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_dscp(0);
    p.set_ecn(0);
    p.set_total_len(115);
    p.set_ident(0);
    p.clear_flags();
    p.set_dont_frag(true);
    p.set_more_frags(false);
    p.set_frag_offset(0);
    p.set_ttl(64);
    p.set_protocol(17);
    p.set_src_addr(Ipv4Addr::new(192, 168, 0, 1));
    p.set_dst_addr(Ipv4Addr::new(192, 168, 0, 199));
    p.fill_checksum();
    p.payload_mut().copy_from_slice(&datagram()[20..]);
    assert_eq!(buf, datagram());
}

#[test]
fn parse() {
    let d = datagram();
    let p = Packet::new_checked(&d[..]).unwrap();
    assert_eq!(Repr::parse(&p).unwrap(), repr());
}

#[test]
fn emit() {
    let r = repr();
    assert_eq!(r.buffer_len(), 115);
    let mut buf = vec![0xa5u8; r.buffer_len()];
    r.emit(&mut Packet::new_unchecked(&mut buf[..]));
    assert_eq!(&buf[..20], &HEADER);
    assert!(buf[20..].iter().all(|&b| b == 0xa5));
}

#[test]
fn emit_pads_options() {
    // A 3-byte Router Alert prefix (not a full option) is padded to 4 with zeros.
    let opts = [0x94, 0x04, 0x00];
    let r = Repr {
        options: &opts,
        payload_len: 0,
        ..repr()
    };
    assert_eq!(r.header_len(), 24);
    let mut buf = [0xa5u8; 24];
    r.emit(&mut Packet::new_unchecked(&mut buf[..]));
    assert_eq!(buf[0], 0x46);
    assert_eq!(&buf[20..24], &[0x94, 0x04, 0x00, 0x00]);
    let p = Packet::new_checked(&buf[..]).unwrap();
    assert!(p.verify_checksum());
    assert_eq!(
        p.option_iter().collect::<Vec<_>>(),
        vec![Ok(Ipv4Option::RouterAlert { value: 0 })]
    );
}

#[test]
fn wrong_version_is_rejected_by_parse() {
    let mut d = datagram();
    d[0] = 0x65;
    let p = Packet::new_checked(&d[..]).unwrap();
    assert_eq!(
        Repr::parse(&p).unwrap_err().to_string(),
        "IPv4 header: version 6 is not 4"
    );
}

#[test]
fn check_len_every_truncation() {
    let d = datagram();
    for len in 0..d.len() {
        let err = Packet::new_checked(&d[..len]).unwrap_err();
        let want = if len < 20 {
            Malformed::Truncated {
                what: "IPv4 header",
                needed: 20,
                available: len,
            }
        } else {
            Malformed::Overrun {
                what: "IPv4 header",
                field: "total length",
                claimed: 115,
                available: len,
            }
        };
        assert_eq!(err, want, "len {len}");
        if len >= 20 {
            let p = Packet::new_checked_lax(&d[..len]).unwrap();
            assert_eq!(p.payload_lax(), &d[20..len]);
        }
    }
}

#[test]
fn check_len_header_rules() {
    let mut h = HEADER;
    h[2..4].copy_from_slice(&20u16.to_be_bytes());
    for ihl in 0..5u8 {
        h[0] = 0x40 | ihl;
        assert_eq!(
            Packet::new_checked(&h[..]).unwrap_err().to_string(),
            std::format!("IPv4 header: IHL {ihl} is below the minimum of 5")
        );
    }
    h[0] = 0x4f;
    assert_eq!(
        Packet::new_checked(&h[..]).unwrap_err().to_string(),
        "IPv4 header: IHL claims 60 bytes but only 20 are present"
    );
    h[0] = 0x45;
    h[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(
        Packet::new_checked(&h[..]).unwrap_err().to_string(),
        "IPv4 header: total length 19 is below the header length (IHL × 4)"
    );
    assert!(Packet::new_checked_lax(&h[..]).is_err());
}

/// IHL 15 with the maximum 40 option bytes: a Record Route with 9 slots
/// (39 bytes) and End of Option List, as `ping -R` sends.
fn record_route_header() -> Vec<u8> {
    let mut h = vec![
        0x4f, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10, 0,
        0, 2,
    ];
    h.extend([7, 39, 8]);
    h.extend([10, 0, 0, 1]);
    h.extend([0; 32]);
    h.push(0);
    let c = checksum::checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h
}

#[test]
fn forty_bytes_of_options() {
    let h = record_route_header();
    let p = Packet::new_checked(&h[..]).unwrap();
    assert_eq!(p.header_len(), 60);
    assert!(p.verify_checksum());
    assert_eq!(p.payload(), &[] as &[u8]);
    let r = Repr::parse(&p).unwrap();
    assert_eq!(r.options.len(), 40);
    let opts: Vec<_> = p.option_iter().collect();
    assert_eq!(opts.len(), 2);
    let Ok(Ipv4Option::RecordRoute { pointer, route }) = opts[0] else {
        panic!("{opts:?}")
    };
    assert_eq!(pointer, 8);
    let addrs: Vec<_> = route.iter().collect();
    assert_eq!(addrs.len(), 9);
    assert_eq!(addrs[0], Ipv4Addr::new(10, 0, 0, 1));
    assert_eq!(addrs[1], Ipv4Addr::UNSPECIFIED);
    assert_eq!(opts[1], Ok(Ipv4Option::EndOfList));
    let mut buf = vec![0xa5u8; 60];
    r.emit(&mut Packet::new_unchecked(&mut buf[..]));
    assert_eq!(buf, h);
}

#[test]
fn options_vectors() {
    let area = [
        1, // NOP
        131, 7, 4, 192, 0, 2, 1, // LSRR
        137, 3, 4, // SSRR, no addresses
        68, 12, 5, 0x11, 0, 0, 0, 1, 0, 0, 0, 2, // timestamp, overflow 1, flag 1
        148, 4, 0, 0, // router alert
        30, 3, 9, // unknown
        0, 1, 2, // EOL then ignored bytes
    ];
    let got: Vec<_> = Options::new(&area).collect();
    assert_eq!(
        got,
        vec![
            Ok(Ipv4Option::NoOperation),
            Ok(Ipv4Option::LooseSourceRoute {
                pointer: 4,
                route: AddressList(&[192, 0, 2, 1])
            }),
            Ok(Ipv4Option::StrictSourceRoute {
                pointer: 4,
                route: AddressList(&[])
            }),
            Ok(Ipv4Option::Timestamp {
                pointer: 5,
                overflow: 1,
                flags: 1,
                data: &[0, 0, 0, 1, 0, 0, 0, 2]
            }),
            Ok(Ipv4Option::RouterAlert { value: 0 }),
            Ok(Ipv4Option::Unknown {
                kind: 30,
                data: &[9]
            }),
            Ok(Ipv4Option::EndOfList),
        ]
    );
}

#[test]
fn options_malformed() {
    let cases: [(&[u8], &str); 6] = [
        (&[30, 1], "IPv4 option: length 1 is below the minimum of 2"),
        (&[30, 0], "IPv4 option: length 0 is below the minimum of 2"),
        (
            &[7, 2, 0],
            "IPv4 option: length 2 is below the minimum of 3 for a route option",
        ),
        (
            &[68, 3, 0],
            "IPv4 option: length 3 is below the minimum of 4 for a timestamp option",
        ),
        (
            &[1, 7, 39, 4, 0],
            "IPv4 option: length claims 39 bytes but only 4 are present",
        ),
        (
            &[1, 30],
            "IPv4 option truncated: needs 2 bytes, only 1 present",
        ),
    ];
    for (area, msg) in cases {
        let got: Vec<_> = Options::new(area).collect();
        let last = got.last().unwrap();
        assert_eq!(last.unwrap_err().to_string(), msg, "{area:?}");
        assert!(got[..got.len() - 1].iter().all(Result::is_ok));
    }
}

#[test]
fn options_never_panic() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let area = [a, b, 4, 1, 2, 3];
            for len in 0..=area.len() {
                for o in Options::new(&area[..len]) {
                    let _ = o;
                }
            }
        }
    }
}

fn arb_repr(options: &[u8]) -> impl Strategy<Value = Repr<'_>> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u8>(),
        0..2000usize,
        any::<u8>(),
        0..64u8,
        0..4u8,
        any::<u16>(),
        any::<(bool, bool)>(),
        0..8192u16,
        0..=10usize,
    )
        .prop_map(
            move |(s, d, protocol, payload_len, ttl, dscp, ecn, ident, (df, mf), off, words)| {
                Repr {
                    src_addr: Ipv4Addr::from(s),
                    dst_addr: Ipv4Addr::from(d),
                    protocol,
                    payload_len,
                    ttl,
                    dscp,
                    ecn,
                    ident,
                    dont_frag: df,
                    more_frags: mf,
                    frag_offset: off * 8,
                    options: &options[..words * 4],
                }
            },
        )
}

static OPTION_BYTES: [u8; 40] = [
    1, 1, 7, 11, 4, 1, 2, 3, 4, 0, 0, 0, 0, 0, 148, 4, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
    9, 9, 9, 9, 9, 9, 9, 9, 9,
];

proptest! {
    #[test]
    fn round_trip(r in arb_repr(&OPTION_BYTES)) {
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]));
        let p = Packet::new_checked(&buf[..]).unwrap();
        prop_assert!(p.verify_checksum());
        prop_assert_eq!(Repr::parse(&p).unwrap(), r);
    }

    #[test]
    fn agrees_with_etherparse(mut bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Some(b) = bytes.first_mut() {
            *b = 0x40 | (*b & 0x0f);
        }
        let ours = Packet::new_checked_lax(&bytes[..]);
        let theirs = etherparse::Ipv4HeaderSlice::from_slice(&bytes);
        match (ours, theirs) {
            (Ok(p), Ok(e)) => {
                prop_assert_eq!(p.version(), 4);
                prop_assert_eq!(p.ihl(), e.ihl());
                prop_assert_eq!(p.dscp(), e.dcp().value());
                prop_assert_eq!(p.ecn(), e.ecn().value());
                prop_assert_eq!(p.total_len(), e.total_len());
                prop_assert_eq!(p.ident(), e.identification());
                prop_assert_eq!(p.dont_frag(), e.dont_fragment());
                prop_assert_eq!(p.more_frags(), e.more_fragments());
                prop_assert_eq!(p.frag_offset(), e.fragments_offset().value() * 8);
                prop_assert_eq!(p.ttl(), e.ttl());
                prop_assert_eq!(p.protocol(), e.protocol().0);
                prop_assert_eq!(p.checksum(), e.header_checksum());
                prop_assert_eq!(p.src_addr(), e.source_addr());
                prop_assert_eq!(p.dst_addr(), e.destination_addr());
                prop_assert_eq!(p.options(), e.options());
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Err(e)) => prop_assert!(false, "etherparse rejected: {e:?}"),
            // etherparse's header slice leaves the total length to
            // `payload_len`, which refuses one below the header's length as
            // we do.
            (Err(ours), Ok(e)) => prop_assert!(e.payload_len().is_err(), "we rejected: {ours}"),
        }
    }

    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(p) = Packet::new_checked(&bytes[..]) {
            let _ = Repr::parse(&p);
            let _ = p.payload();
            let _ = p.verify_checksum();
            for o in p.option_iter() { let _ = o; }
        }
        if let Ok(p) = Packet::new_checked_lax(&bytes[..]) {
            let _ = p.payload_lax();
        }
    }
}
