//! Fragmentation as Linux cuts, reassembly as Linux puts together.

use std::time::{Duration, Instant};

use icmpkit_wire::ip::protocol;
use icmpkit_wire::{ipv4, ipv6};

use super::reassembly::{MAX_BYTES, MAX_DATAGRAMS, TIMEOUT_V4};
use super::*;
use crate::rng::SplitMix64;

/// An IPv4 datagram of `total` bytes (UDP, DF clear, ident 0x4242) with
/// these options, its payload counting bytes.
pub(crate) fn datagram_v4(total: usize, options: &[u8]) -> Vec<u8> {
    let header_len = ipv4::HEADER_LEN + options.len();
    let repr = ipv4::Repr {
        src_addr: [10, 0, 0, 1].into(),
        dst_addr: [203, 0, 113, 10].into(),
        protocol: protocol::UDP,
        payload_len: total - header_len,
        ttl: 60,
        dscp: 0,
        ecn: 0,
        ident: 0x4242,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options,
    };
    let mut out = vec![0; repr.buffer_len()];
    repr.emit(&mut ipv4::Packet::new_unchecked(&mut out[..]));
    for (i, b) in out[header_len..].iter_mut().enumerate() {
        // The low byte of a counter.
        #[allow(clippy::cast_possible_truncation)]
        let byte = i as u8;
        *b = byte;
    }
    out
}

/// An IPv6 datagram of `total` bytes (UDP), its payload counting bytes.
pub(crate) fn datagram_v6(total: usize) -> Vec<u8> {
    let repr = ipv6::Repr {
        src_addr: "fd00::1".parse().unwrap(),
        dst_addr: "2001:db8:10::10".parse().unwrap(),
        next_header: protocol::UDP,
        payload_len: total - ipv6::HEADER_LEN,
        hop_limit: 60,
        traffic_class: 0,
        flow_label: 0,
    };
    let mut out = vec![0; repr.buffer_len()];
    repr.emit(&mut ipv6::Packet::new_unchecked(&mut out[..]));
    for (i, b) in out[ipv6::HEADER_LEN..].iter_mut().enumerate() {
        #[allow(clippy::cast_possible_truncation)]
        let byte = i as u8;
        *b = byte;
    }
    out
}

/// (offset, MF, total length) of each IPv4 fragment, their checksums
/// checked.
fn shape(fragments: &[Vec<u8>]) -> Vec<(u16, bool, usize)> {
    fragments
        .iter()
        .map(|f| {
            let v = ipv4::Packet::new_checked(&f[..]).unwrap();
            assert!(v.verify_checksum());
            assert_eq!(usize::from(v.total_len()), f.len());
            (v.frag_offset(), v.more_frags(), f.len())
        })
        .collect()
}

fn push_all(r: &mut Reassembly, now: Instant, fragments: &[Vec<u8>]) -> Vec<Reassembled> {
    fragments.iter().map(|f| r.push(now, f)).collect()
}

#[test]
fn a_3000_byte_datagram_is_cut_as_linux_cuts_it() {
    // ping -s 2972 over a 1500-byte MTU: 1500 + 1500 + 40 on the wire.
    let packet = datagram_v4(3000, &[]);
    let fragments = fragment_v4(&packet, 1500);
    assert_eq!(
        shape(&fragments),
        [(0, true, 1500), (1480, true, 1500), (2960, false, 40)]
    );
    let mut data = Vec::new();
    for f in &fragments {
        let v = ipv4::Packet::new_checked(&f[..]).unwrap();
        assert_eq!((v.ident(), v.ttl(), v.dont_frag()), (0x4242, 60, false));
        data.extend_from_slice(v.payload());
    }
    assert_eq!(data, packet[20..]);
    // Cut again for 1280: 1256 bytes of data space, rounded to 8.
    let again: Vec<Vec<u8>> = fragments
        .iter()
        .flat_map(|f| {
            if f.len() > 1280 {
                fragment_v4(f, 1280)
            } else {
                vec![f.clone()]
            }
        })
        .collect();
    assert_eq!(
        shape(&again),
        [
            (0, true, 1276),
            (1256, true, 244),
            (1480, true, 1276),
            (2736, true, 244),
            (2960, false, 40)
        ]
    );
}

#[test]
fn a_fragment_with_room_for_less_than_8_bytes_cannot_be_cut() {
    let packet = datagram_v4(100, &[1; 40]);
    assert!(fragment_v4(&packet, 67).is_empty());
    assert_eq!(shape(&fragment_v4(&packet, 68)).len(), 5);
    assert!(fragment_v4(&datagram_v6(100), 68).is_empty());
    assert!(fragment_v4(&packet[..50], 68).is_empty());
    assert!(fragment_v4(&[], 68).is_empty());
}

#[test]
fn uncopied_options_become_no_ops_after_the_first_fragment() {
    // Record Route (7, not copied), then Loose Source Route (131, copied),
    // then End of List.
    let mut options = vec![7, 7, 4, 0, 0, 0, 0];
    options.extend_from_slice(&[131, 7, 4, 192, 0, 2, 1]);
    options.extend_from_slice(&[0, 0]);
    let packet = datagram_v4(200, &options);
    let fragments = fragment_v4(&packet, 100);
    assert_eq!(
        shape(&fragments),
        [(0, true, 100), (64, true, 100), (128, false, 72)]
    );
    assert_eq!(fragments[0][20..36], packet[20..36]);
    let mut later = vec![1; 7];
    later.extend_from_slice(&options[7..]);
    for f in &fragments[1..] {
        assert_eq!(f[20..36], later[..]);
    }
    // A fragment cut again keeps its options as they are.
    let cut_again = fragment_v4(&fragments[1], 60);
    assert_eq!(
        shape(&cut_again),
        [(64, true, 60), (88, true, 60), (112, true, 52)]
    );
    assert_eq!(cut_again[0][20..36], later[..]);
}

#[test]
fn fragments_come_together_in_any_order() {
    let packet = datagram_v4(3000, &[]);
    let fragments = fragment_v4(&packet, 1280);
    let now = Instant::now();
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1]] {
        let mut r = Reassembly::default();
        let got = push_all(&mut r, now, &order.map(|i| fragments[i].clone()));
        assert_eq!(got[..2], [Reassembled::Held, Reassembled::Held]);
        assert_eq!(got[2], Reassembled::Complete(packet.clone()));
        assert_eq!(r.in_progress(), 0);
    }
    // Not a fragment.
    let mut r = Reassembly::default();
    assert_eq!(r.push(now, &packet), Reassembled::Whole);
}

#[test]
fn the_reassembled_header_is_the_first_fragments_with_flags_cleared() {
    let mut options = vec![7, 7, 4, 0, 0, 0, 0];
    options.push(0);
    let packet = datagram_v4(200, &options);
    let fragments = fragment_v4(&packet, 100);
    let mut r = Reassembly::default();
    let got = push_all(&mut r, Instant::now(), &fragments);
    assert_eq!(got[2], Reassembled::Complete(packet));
}

#[test]
fn a_duplicate_is_dropped_alone_and_an_overlap_drops_the_datagram() {
    let packet = datagram_v4(3000, &[]);
    let fragments = fragment_v4(&packet, 1280);
    let now = Instant::now();
    let mut r = Reassembly::default();
    assert_eq!(r.push(now, &fragments[0]), Reassembled::Held);
    assert_eq!(r.push(now, &fragments[1]), Reassembled::Held);
    // Both again, and the second cut smaller: inside what is held.
    assert_eq!(
        r.push(now, &fragments[0]),
        Reassembled::Dropped("fragment-duplicate")
    );
    let inner = fragment_v4(&fragments[1], 200);
    assert_eq!(
        r.push(now, &inner[1]),
        Reassembled::Dropped("fragment-duplicate")
    );
    assert_eq!(r.push(now, &fragments[2]), Reassembled::Complete(packet));

    // Overlapping the end of what is held (0..1256) and the gap after it:
    // the datagram goes.
    let other = datagram_v4(3000, &[]);
    let cut = fragment_v4(&other, 1000);
    assert_eq!(shape(&cut)[1], (976, true, 996));
    assert_eq!(r.push(now, &fragments[0]), Reassembled::Held);
    assert_eq!(
        r.push(now, &cut[1]),
        Reassembled::Dropped("fragment-overlap")
    );
    assert_eq!(r.in_progress(), 0);
}

#[test]
fn ends_that_disagree_drop_the_datagram() {
    let fragments = fragment_v4(&datagram_v4(3000, &[]), 1280);
    let short = fragment_v4(&datagram_v4(2000, &[]), 1280);
    let now = Instant::now();
    let mut r = Reassembly::default();
    // The last fragment of a 2000-byte datagram says the data ends at
    // 1980; then a fragment holding 1256..2512 runs past it.
    assert_eq!(r.push(now, &short[1]), Reassembled::Held);
    assert_eq!(
        r.push(now, &fragments[1]),
        Reassembled::Dropped("fragment-past-end")
    );
    assert_eq!(r.in_progress(), 0);
    // Data up to 2512 is held; a last fragment ending at 1980 contradicts.
    assert_eq!(r.push(now, &fragments[1]), Reassembled::Held);
    assert_eq!(
        r.push(now, &short[1]),
        Reassembled::Dropped("fragment-inconsistent-end")
    );
    // An empty fragment (MF set, under 8 bytes once trimmed) also does.
    assert_eq!(r.push(now, &fragments[1]), Reassembled::Held);
    let mut empty = fragments[1][..27].to_vec();
    let mut v = ipv4::Packet::new_unchecked(&mut empty[..]);
    v.set_total_len(27);
    v.fill_checksum();
    assert_eq!(r.push(now, &empty), Reassembled::Dropped("fragment-empty"));
    assert_eq!(r.in_progress(), 0);
}

#[test]
fn a_datagram_is_given_up_after_30_seconds() {
    let packet = datagram_v4(3000, &[]);
    let fragments = fragment_v4(&packet, 1280);
    let start = Instant::now();
    let mut r = Reassembly::default();
    assert_eq!(r.push(start, &fragments[0]), Reassembled::Held);
    let late = start + TIMEOUT_V4.saturating_sub(Duration::from_millis(1));
    assert_eq!(r.push(late, &fragments[1]), Reassembled::Held);
    // 30 s after the first fragment: all of it is gone.
    assert_eq!(r.push(start + TIMEOUT_V4, &fragments[2]), Reassembled::Held);
    assert_eq!(r.in_progress(), 1);
    assert_eq!(r.push(start + TIMEOUT_V4, &fragments[0]), Reassembled::Held);
    assert_eq!(
        r.push(start + TIMEOUT_V4, &fragments[1]),
        Reassembled::Complete(packet)
    );
}

/// The `i`th fragment (8 bytes at offset 16 × `i`, MF) of datagram `ident`.
fn tiny(ident: u16, i: u16) -> Vec<u8> {
    let mut f = datagram_v4(28, &[]);
    let mut v = ipv4::Packet::new_unchecked(&mut f[..]);
    v.set_ident(ident);
    v.set_more_frags(true);
    v.set_frag_offset(16 * i);
    v.fill_checksum();
    f
}

#[test]
fn the_oldest_datagram_is_given_up_beyond_the_bounds() {
    let start = Instant::now();
    let mut r = Reassembly::default();
    let count = u16::try_from(MAX_DATAGRAMS).unwrap();
    for ident in 0..=count {
        let at = start + Duration::from_millis(u64::from(ident));
        assert_eq!(r.push(at, &tiny(ident, 1)), Reassembled::Held);
    }
    assert_eq!(r.in_progress(), MAX_DATAGRAMS);
    // Datagram 0 went first: its fragment starts it anew, which gives up 1.
    let at = start + Duration::from_secs(1);
    assert_eq!(r.push(at, &tiny(0, 2)), Reassembled::Held);
    assert!(r.datagrams_hold(&tiny(0, 1)) && !r.datagrams_hold(&tiny(1, 1)));

    // Bytes: 4000 fragments of 8 bytes cost 72 each, so 15 datagrams of
    // them pass 4 MiB and 14 stay.
    let mut r = Reassembly::default();
    for ident in 0..15u16 {
        let at = start + Duration::from_millis(u64::from(ident));
        for i in 0..4000 {
            assert_eq!(r.push(at, &tiny(ident, i)), Reassembled::Held);
        }
        assert!(r.held_bytes() <= MAX_BYTES);
    }
    assert_eq!(r.in_progress(), MAX_BYTES / (4000 * 72));
    assert!(!r.datagrams_hold(&tiny(0, 0)));
}

#[test]
fn ipv6_fragments_lose_their_fragment_header() {
    let packet = datagram_v6(3000);
    let fragments = fragment_v6(&packet, 1280, 7);
    assert_eq!(
        fragments.iter().map(Vec::len).collect::<Vec<_>>(),
        [1280, 1280, 544]
    );
    let now = Instant::now();
    let mut r = Reassembly::default();
    let got = push_all(&mut r, now, &[2, 0, 1].map(|i| fragments[i].clone()));
    assert_eq!(got[2], Reassembled::Complete(packet.clone()));
    // An overlap drops the datagram (RFC 5722).
    let other = fragment_v6(&packet, 1000, 7);
    assert_eq!(r.push(now, &fragments[0]), Reassembled::Held);
    assert_eq!(
        r.push(now, &other[1]),
        Reassembled::Dropped("fragment-overlap")
    );
    // A non-last fragment that is no multiple of 8.
    let mut odd = fragments[1].clone();
    odd.pop();
    ipv6::Packet::new_unchecked(&mut odd[..]).set_payload_len(1239);
    assert_eq!(
        r.push(now, &odd),
        Reassembled::Dropped("fragment-not-a-multiple-of-8")
    );
}

#[test]
fn an_ipv6_fragment_header_after_destination_options_is_found_and_removed() {
    let packet = datagram_v6(600);
    let mut fragments = fragment_v6(&packet, 400, 9);
    // Destination options (8 bytes of padding) before the Fragment header.
    for f in &mut fragments {
        f[6] = protocol::DESTINATION_OPTIONS;
        let options = [protocol::FRAGMENT, 0, 1, 4, 0, 0, 0, 0];
        f.splice(40..40, options);
        let len = u16::try_from(f.len() - 40).unwrap();
        ipv6::Packet::new_unchecked(&mut f[..]).set_payload_len(len);
    }
    let mut expected = packet.clone();
    expected[6] = protocol::DESTINATION_OPTIONS;
    expected.splice(40..40, [protocol::UDP, 0, 1, 4, 0, 0, 0, 0]);
    ipv6::Packet::new_unchecked(&mut expected[..]).set_payload_len(568);
    let mut r = Reassembly::default();
    let got = push_all(&mut r, Instant::now(), &fragments);
    assert_eq!(got.last(), Some(&Reassembled::Complete(expected)));
}

#[test]
fn an_atomic_fragment_is_returned_unfragmented() {
    let packet = datagram_v6(200);
    let mut atomic = fragment_v6(&packet, 1280, 3);
    assert_eq!(atomic.len(), 1);
    let mut r = Reassembly::default();
    assert_eq!(
        r.push(Instant::now(), &atomic.remove(0)),
        Reassembled::Complete(packet)
    );
    assert_eq!(r.in_progress(), 0);
}

#[test]
fn hostile_fragments_never_panic_and_stay_bounded() {
    let mut rng = SplitMix64::new(13);
    let mut seeds = fragment_v4(&datagram_v4(3000, &[7, 3, 4, 0]), 600);
    seeds.extend(fragment_v6(&datagram_v6(3000), 700, 5));
    let start = Instant::now();
    let mut r = Reassembly::default();
    for round in 0..20_000u64 {
        let mut f = seeds[usize::try_from(rng.up_to(seeds.len() as u64 - 1)).unwrap()].clone();
        for _ in 0..=rng.up_to(3) {
            let at = usize::try_from(rng.up_to(63)).unwrap();
            if let Some(b) = f.get_mut(at) {
                *b = rng.next_u64().to_be_bytes()[0];
            }
        }
        f.truncate(usize::try_from(rng.up_to(f.len() as u64)).unwrap());
        let _ = r.push(start + Duration::from_millis(round), &f);
        assert!(r.in_progress() <= MAX_DATAGRAMS);
        assert!(r.held_bytes() <= MAX_BYTES);
    }
}

/// `datagram_v6(total)` with 8-byte extension headers of these kinds
/// (`PadN` inside, next header fields filled) before its UDP payload, which
/// keeps its length.
fn with_extensions(total: usize, kinds: &[u8]) -> Vec<u8> {
    let mut packet = datagram_v6(total);
    let mut headers = Vec::new();
    for (i, _) in kinds.iter().enumerate() {
        let next = kinds.get(i + 1).copied().unwrap_or(protocol::UDP);
        headers.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    }
    if let Some(&first) = kinds.first() {
        packet[6] = first;
    }
    packet.splice(40..40, headers);
    let len = u16::try_from(packet.len() - 40).unwrap();
    ipv6::Packet::new_unchecked(&mut packet[..]).set_payload_len(len);
    packet
}

/// (offset, M, length) of each IPv6 fragment, whose Fragment header is at
/// `at`, named by the next header field at `named_at`, naming `next`, all
/// of identification `ident`; the bytes before it as the original's.
fn shape_v6(
    original: &[u8],
    fragments: &[Vec<u8>],
    (named_at, at, next, ident): (usize, usize, u8, u32),
) -> Vec<(u16, bool, usize)> {
    fragments
        .iter()
        .map(|f| {
            let v = ipv6::Packet::new_checked(&f[..]).unwrap();
            assert_eq!(usize::from(v.payload_len()) + 40, f.len());
            let mut head = original[..at].to_vec();
            head[4..6].copy_from_slice(&f[4..6]);
            head[named_at] = protocol::FRAGMENT;
            assert_eq!(f[..at], head[..]);
            assert_eq!((f[at], f[at + 1]), (next, 0));
            let word = u16::from_be_bytes([f[at + 2], f[at + 3]]);
            assert_eq!(word & 6, 0, "reserved bits");
            let got = u32::from_be_bytes(f[at + 4..at + 8].try_into().unwrap());
            assert_eq!(got, ident);
            (word & !7, word & 1 == 1, f.len())
        })
        .collect()
}

#[test]
fn an_ipv6_datagram_is_cut_as_linux_cuts_it() {
    // ping -6 -s 1300 over 1280: 1348 bytes, 1232 of data in the first
    // fragment, 76 in the last.
    let packet = datagram_v6(1348);
    let fragments = fragment_v6(&packet, 1280, 0xdead_beef);
    assert_eq!(
        shape_v6(&packet, &fragments, (6, 40, protocol::UDP, 0xdead_beef)),
        [(0, true, 1280), (1232, false, 124)]
    );
    // 1500: 1448 bytes of data space.
    let packet = datagram_v6(3000);
    assert_eq!(
        shape_v6(
            &packet,
            &fragment_v6(&packet, 1500, 1),
            (6, 40, protocol::UDP, 1)
        ),
        [(0, true, 1496), (1448, true, 1496), (2896, false, 112)]
    );
    // Bytes past the payload length are not cut along.
    let mut long = datagram_v6(1348);
    long.extend_from_slice(&[0xff; 20]);
    assert_eq!(fragment_v6(&long, 1280, 0xdead_beef), fragments);
}

#[test]
fn the_fragment_header_goes_where_linux_puts_it() {
    use protocol::{DESTINATION_OPTIONS as DEST, HOP_BY_HOP as HBH, ROUTING};
    // (extension headers, where the Fragment header goes, the next header
    // field naming it): after Hop-by-Hop and Routing headers, and after
    // Destination Options not after a Routing header (Linux's
    // ip6_find_1stfragopt keeps even a lone one there).
    let cases: [(&[u8], usize, usize, u8); 6] = [
        (&[], 40, 6, protocol::UDP),
        (&[HBH], 48, 40, protocol::UDP),
        (&[DEST], 48, 40, protocol::UDP),
        (&[HBH, ROUTING, DEST], 56, 48, DEST),
        (&[DEST, ROUTING, DEST], 56, 48, DEST),
        (&[HBH, protocol::AH], 48, 40, protocol::AH),
    ];
    for (kinds, at, named_at, next) in cases {
        let packet = with_extensions(600, kinds);
        let fragments = fragment_v6(&packet, 300, 9);
        // The data space is 300 less the unfragmentable part and the
        // Fragment header, rounded down to 8.
        let space = (300 - at - 8) & !7;
        let data = packet.len() - at;
        let shape = shape_v6(&packet, &fragments, (named_at, at, next, 9));
        assert_eq!(shape[0], (0, true, at + 8 + space), "{kinds:?}");
        let (offset, more, len) = *shape.last().unwrap();
        assert_eq!(
            (usize::from(offset), more, len),
            (
                data - (data - 1) % space - 1,
                false,
                at + 8 + (data - 1) % space + 1
            ),
            "{kinds:?}"
        );
        let mut r = Reassembly::default();
        let got = push_all(&mut r, Instant::now(), &fragments);
        assert_eq!(
            got.last(),
            Some(&Reassembled::Complete(packet)),
            "{kinds:?}"
        );
    }
}

#[test]
fn an_ipv6_datagram_that_cannot_be_cut_gives_no_fragments() {
    let packet = datagram_v6(100);
    // 40 + 8 + 8: the least room for data.
    assert!(fragment_v6(&packet, 55, 1).is_empty());
    assert_eq!(fragment_v6(&packet, 56, 1).len(), 8);
    let routed = with_extensions(100, &[protocol::ROUTING]);
    assert!(fragment_v6(&routed, 63, 1).is_empty());
    assert_eq!(fragment_v6(&routed, 64, 1).len(), 8);
    // Not IPv6, cut short, a header running past the end.
    assert!(fragment_v6(&datagram_v4(100, &[]), 1280, 1).is_empty());
    assert!(fragment_v6(&packet[..60], 1280, 1).is_empty());
    assert!(fragment_v6(&[], 1280, 1).is_empty());
    let mut overrun = with_extensions(100, &[protocol::HOP_BY_HOP]);
    overrun[41] = 20;
    assert!(fragment_v6(&overrun, 56, 1).is_empty());
}
