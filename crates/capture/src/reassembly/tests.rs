use super::*;

const SRC4: [u8; 4] = [192, 0, 2, 2];
const DST4: [u8; 4] = [198, 51, 100, 2];

/// An IPv4 ICMP echo request of `data` bytes of data, ident `ident`, DF clear.
fn datagram_v4(ident: u16, data: usize) -> Vec<u8> {
    let total = 20 + 8 + data;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&u16::try_from(total).unwrap().to_be_bytes());
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&[0, 0, 64, 1, 0, 0]);
    p.extend_from_slice(&SRC4);
    p.extend_from_slice(&DST4);
    let sum = ipv4_header_checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
    #[allow(clippy::cast_possible_truncation)]
    p.extend((0..data).map(|i| i as u8));
    p
}

/// The fragment of IPv4 `datagram` with payload bytes `from..to`.
fn fragment_of_v4(datagram: &[u8], from: usize, to: usize, more: bool) -> Vec<u8> {
    let mut f = datagram[..20].to_vec();
    f.extend_from_slice(&datagram[20 + from..20 + to]);
    let total = u16::try_from(f.len()).unwrap();
    f[2..4].copy_from_slice(&total.to_be_bytes());
    let field = u16::try_from(from / 8).unwrap() | if more { 0x2000 } else { 0 };
    f[6..8].copy_from_slice(&field.to_be_bytes());
    f[10..12].copy_from_slice(&[0, 0]);
    let sum = ipv4_header_checksum(&f[..20]);
    f[10..12].copy_from_slice(&sum.to_be_bytes());
    f
}

/// An IPv6 ICMPv6 echo request of `data` bytes of data.
fn datagram_v6(data: usize) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&u16::try_from(8 + data).unwrap().to_be_bytes());
    p.extend_from_slice(&[58, 64]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    p.extend_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]);
    #[allow(clippy::cast_possible_truncation)]
    p.extend((0..data).map(|i| (i * 7) as u8));
    p
}

/// The fragment of IPv6 `datagram` with payload bytes `from..to` (the
/// fragmentable part: all its payload), after a Destination Options header
/// when `dest_opts`.
fn fragment_of_v6(datagram: &[u8], from: usize, to: usize, more: bool, dest_opts: bool) -> Vec<u8> {
    let mut f = datagram[..40].to_vec();
    if dest_opts {
        f[6] = 60;
        f.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]);
    } else {
        f[6] = 44;
    }
    let field = u16::try_from(from).unwrap() | u16::from(more);
    f.extend_from_slice(&[datagram[6], 0]);
    f.extend_from_slice(&field.to_be_bytes());
    f.extend_from_slice(&0x1234_5678_u32.to_be_bytes());
    f.extend_from_slice(&datagram[40 + from..40 + to]);
    let payload = u16::try_from(f.len() - 40).unwrap();
    f[4..6].copy_from_slice(&payload.to_be_bytes());
    f
}

#[allow(clippy::unnecessary_wraps)] // what `push` takes
fn at(seconds: u64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds,
        nanoseconds: 0,
    })
}

/// A completed datagram: at which frame, the packet, its frames, its problem.
type Done = (u64, Vec<u8>, Vec<u64>, Option<Problem>);

/// Pushes each packet as frames 1, 2, ...; returns the completed datagram
/// (packet, frames, problem) and at which frame, asserting that nothing
/// completed before.
fn push_all(r: &mut Reassembler, packets: &[Vec<u8>]) -> Option<Done> {
    let mut done = None;
    for (i, p) in packets.iter().enumerate() {
        let frame = i as u64 + 1;
        match r.push(frame, at(frame), p) {
            Outcome::Complete(d) => {
                assert!(done.is_none(), "completed twice");
                done = Some((frame, d.packet.to_vec(), d.frames.to_vec(), d.problem));
            }
            Outcome::Held => {}
            Outcome::Whole => panic!("frame {frame} taken as whole"),
        }
    }
    done
}

#[test]
fn a_packet_that_is_no_fragment_is_whole() {
    let mut r = Reassembler::new();
    assert_eq!(r.push(1, at(1), &datagram_v4(1, 100)), Outcome::Whole);
    assert_eq!(r.push(2, at(1), &datagram_v6(100)), Outcome::Whole);
    assert_eq!(r.push(3, at(1), &[]), Outcome::Whole);
    assert_eq!(r.push(4, at(1), &[0x45]), Outcome::Whole);
    assert_eq!(r.in_progress(), 0);
}

#[test]
fn three_ipv4_fragments_make_the_datagram_at_the_last() {
    let d = datagram_v4(7, 3000);
    let frags = [
        fragment_of_v4(&d, 0, 1480, true),
        fragment_of_v4(&d, 1480, 2960, true),
        fragment_of_v4(&d, 2960, 3008, false),
    ];
    let mut r = Reassembler::new();
    let (frame, packet, frames, problem) = push_all(&mut r, &frags).expect("complete");
    assert_eq!((frame, frames, problem), (3, vec![1, 2, 3], None));
    assert_eq!(packet, d);
    assert_eq!(r.in_progress(), 0);
    assert_eq!(r.held_bytes(), 0);
    assert_eq!(
        r.finish(),
        Stats {
            datagrams: 1,
            fragments: 3,
            ..Stats::default()
        }
    );
}

#[test]
fn fragments_out_of_order_complete_at_the_one_that_fills_the_last_gap() {
    let d = datagram_v4(7, 3000);
    let frags = [
        fragment_of_v4(&d, 2960, 3008, false),
        fragment_of_v4(&d, 0, 1480, true),
        fragment_of_v4(&d, 1480, 2960, true),
    ];
    let (frame, packet, frames, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!((frame, frames, problem), (3, vec![1, 2, 3], None));
    assert_eq!(packet, d);
}

#[test]
fn ipv6_fragments_lose_their_fragment_header() {
    let d = datagram_v6(3000);
    for dest_opts in [false, true] {
        let frags = [
            fragment_of_v6(&d, 0, 1232, true, dest_opts),
            fragment_of_v6(&d, 1232, 2464, true, dest_opts),
            fragment_of_v6(&d, 2464, 3008, false, dest_opts),
        ];
        let (frame, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
        assert_eq!((frame, problem), (3, None));
        if dest_opts {
            let mut want = d[..40].to_vec();
            want[6] = 60;
            want.extend_from_slice(&[58, 0, 1, 4, 0, 0, 0, 0]);
            want.extend_from_slice(&d[40..]);
            let payload = u16::try_from(want.len() - 40).unwrap();
            want[4..6].copy_from_slice(&payload.to_be_bytes());
            assert_eq!(packet, want);
        } else {
            assert_eq!(packet, d);
        }
    }
}

/// IPv6 `datagram` with a Destination Options header of `len` bytes
/// (`PadN`) before its payload, whose next header is `upper`.
fn behind_options(datagram: &[u8], len: usize, upper: u8) -> Vec<u8> {
    let mut d = datagram[..40].to_vec();
    d[6] = 60;
    d.extend_from_slice(&[upper, u8::try_from(len / 8 - 1).unwrap(), 1]);
    d.push(u8::try_from(len - 4).unwrap());
    d.resize(40 + len, 0);
    d.extend_from_slice(&datagram[40..]);
    let payload = u16::try_from(d.len() - 40).unwrap();
    d[4..6].copy_from_slice(&payload.to_be_bytes());
    d
}

#[test]
fn icmpv6_behind_options_after_the_fragment_header_is_reassembled() {
    // Fragment -> Destination Options -> ICMPv6, the last fragment first;
    // and options longer than the first fragment.
    for (options, first) in [(8, 1232), (16, 8)] {
        let d = behind_options(&datagram_v6(3000), options, 58);
        let end = d.len() - 40;
        let frags = [
            fragment_of_v6(&d, first, end, false, false),
            fragment_of_v6(&d, 0, first, true, false),
        ];
        let mut r = Reassembler::new();
        let (frame, packet, _, problem) = push_all(&mut r, &frags).unwrap();
        assert_eq!((frame, problem), (2, None));
        assert_eq!(packet, d);
        assert_eq!((r.stats().datagrams, r.stats().fragments), (1, 2));
    }
}

#[test]
fn a_datagram_behind_options_that_is_not_icmpv6_is_dropped_uncounted() {
    let udp = behind_options(&datagram_v6(300), 8, 17);
    let mut r = Reassembler::new();
    // Completed: the last fragment is whole (not ICMP to the dissector).
    assert_eq!(
        r.push(1, None, &fragment_of_v6(&udp, 200, 316, false, false)),
        Outcome::Held
    );
    assert_eq!(
        r.push(2, None, &fragment_of_v6(&udp, 0, 200, true, false)),
        Outcome::Whole
    );
    // Options longer than the first fragment: told when complete.
    let long = behind_options(&datagram_v6(300), 16, 17);
    assert_eq!(
        r.push(3, None, &fragment_of_v6(&long, 0, 8, true, false)),
        Outcome::Held
    );
    assert_eq!(
        r.push(4, None, &fragment_of_v6(&long, 8, 324, false, false)),
        Outcome::Whole
    );
    // Never completed: given up at the end.
    assert_eq!(
        r.push(5, None, &fragment_of_v6(&udp, 0, 200, true, false)),
        Outcome::Held
    );
    assert_eq!(r.in_progress(), 1);
    assert_eq!(r.finish(), Stats::default());
    assert_eq!(r.held_bytes(), 0);
}

#[test]
fn an_atomic_fragment_and_other_protocols_are_whole() {
    let d = datagram_v6(100);
    assert_eq!(
        Reassembler::new().push(1, None, &fragment_of_v6(&d, 0, 108, false, false)),
        Outcome::Whole
    );
    let mut udp = fragment_of_v4(&datagram_v4(1, 100), 0, 80, true);
    udp[9] = 17;
    assert_eq!(Reassembler::new().push(1, None, &udp), Outcome::Whole);
    let mut udp6 = fragment_of_v6(&d, 0, 80, true, false);
    udp6[40] = 17;
    assert_eq!(Reassembler::new().push(1, None, &udp6), Outcome::Whole);
}

#[test]
fn a_fragment_cut_short_by_the_capture_is_whole() {
    let d = datagram_v4(1, 3000);
    let mut first = fragment_of_v4(&d, 0, 1480, true);
    first.truncate(100);
    assert_eq!(Reassembler::new().push(1, None, &first), Outcome::Whole);
}

#[test]
fn an_overlap_with_the_same_bytes_is_no_problem() {
    let d = datagram_v4(7, 300);
    let frags = [
        fragment_of_v4(&d, 0, 160, true),
        fragment_of_v4(&d, 80, 240, true),
        fragment_of_v4(&d, 0, 160, true),
        fragment_of_v4(&d, 240, 308, false),
    ];
    let (frame, packet, frames, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!((frame, frames, problem), (4, vec![1, 2, 3, 4], None));
    assert_eq!(packet, d);
}

#[test]
fn an_overlap_with_other_bytes_keeps_the_lowest_and_says_where() {
    let d = datagram_v4(7, 300);
    let mut second = fragment_of_v4(&d, 80, 240, true);
    second[20 + 20] ^= 0xff; // payload offset 100, covered by the first
    let frags = [
        fragment_of_v4(&d, 0, 160, true),
        second,
        fragment_of_v4(&d, 240, 308, false),
    ];
    let (_, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!(problem, Some(Problem::OverlapConflict { offset: 80 }));
    assert_eq!(packet, d);
    assert_eq!(
        problem.unwrap().to_string(),
        "fragments overlap with different bytes at payload offset 80 (the lowest fragment's are kept)"
    );
}

/// `datagram`'s payload bytes `from..to` with every bit flipped.
fn flipped(datagram: &[u8], header: usize, from: usize, to: usize) -> Vec<u8> {
    let mut d = datagram.to_vec();
    for b in &mut d[header + from..header + to] {
        *b ^= 0xff;
    }
    d
}

#[test]
fn where_fragments_overlap_the_lower_offset_wins_even_when_it_comes_later() {
    // As tshark: fragments copied in offset order, each past the last.
    let d = datagram_v4(7, 24);
    let other = flipped(&d, 20, 8, 16);
    let frags = [
        fragment_of_v4(&d, 8, 24, true),
        fragment_of_v4(&other, 0, 16, true),
        fragment_of_v4(&d, 24, 32, false),
    ];
    let (_, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!(problem, Some(Problem::OverlapConflict { offset: 8 }));
    let mut expected = other[..36].to_vec();
    expected.extend_from_slice(&d[36..]);
    assert_eq!(packet, expected);

    // At the same offset the first received is kept; a lower one that
    // covers part of a piece splits it; the highest bytes stay.
    let d = datagram_v4(8, 56);
    let a = flipped(&d, 20, 0, 64);
    let b = flipped(&d, 20, 16, 32);
    let frags = [
        fragment_of_v4(&d, 24, 56, true),  // 24..56: d's
        fragment_of_v4(&a, 24, 48, true),  // same offset: d's kept
        fragment_of_v4(&b, 16, 32, true),  // 16..32: b's
        fragment_of_v4(&d, 0, 24, true),   // 0..24: d's, over b's 16..24
        fragment_of_v4(&a, 56, 64, false), // 56..64: a's
    ];
    let (frame, packet, frames, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!((frame, frames), (5, vec![1, 2, 3, 4, 5]));
    assert_eq!(problem, Some(Problem::OverlapConflict { offset: 24 }));
    let mut expected = d[..20 + 24].to_vec();
    expected.extend_from_slice(&b[20 + 24..20 + 32]);
    expected.extend_from_slice(&d[20 + 32..20 + 56]);
    expected.extend_from_slice(&a[20 + 56..]);
    assert_eq!(packet, expected);
}

#[test]
fn last_fragments_that_disagree_are_reported() {
    let d = datagram_v4(7, 300);
    let frags = [
        fragment_of_v4(&d, 160, 308, false),
        fragment_of_v4(&d, 160, 300, false),
        fragment_of_v4(&d, 0, 160, true),
    ];
    let (frame, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!(frame, 3);
    assert_eq!(
        problem,
        Some(Problem::EndsDiffer {
            first: 308,
            other: 300
        })
    );
    assert_eq!(packet, d);
}

#[test]
fn bytes_past_the_end_are_dropped_and_reported() {
    let d = datagram_v4(7, 300);
    let frags = [
        fragment_of_v4(&d, 0, 240, true),
        fragment_of_v4(&d, 160, 200, false),
    ];
    let (frame, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!(frame, 2);
    assert_eq!(
        problem,
        Some(Problem::PastEnd {
            end: 200,
            reach: 240
        })
    );
    assert_eq!(packet.len(), 220);
    assert_eq!(packet[20..], d[20..220]);
}

#[test]
fn a_datagram_longer_than_a_length_field_is_cut_and_reported() {
    // 45 fragments of 1480 bytes, then 1000 bytes at offset 65,528.
    let d = datagram_v4(7, 1480);
    let mut frags: Vec<Vec<u8>> = (0..45_u16)
        .map(|i| {
            let mut f = fragment_of_v4(&d, 0, 1480, true);
            f[6..8].copy_from_slice(&(0x2000 | (i * 185)).to_be_bytes());
            f
        })
        .collect();
    let mut last = fragment_of_v4(&d, 0, 1000, false);
    last[6..8].copy_from_slice(&0x1fff_u16.to_be_bytes()); // offset 65,528
    frags.push(last);
    let (frame, packet, _, problem) = push_all(&mut Reassembler::new(), &frags).unwrap();
    assert_eq!(frame, 46);
    assert_eq!(problem, Some(Problem::TooLong { len: 45 * 1480 }));
    assert_eq!(packet.len(), 65_535);
    assert_eq!(u16::from_be_bytes([packet[2], packet[3]]), 65_535);
}

#[test]
fn a_datagram_older_than_the_timeout_is_given_up() {
    let d = datagram_v4(7, 300);
    let mut r = Reassembler::new();
    assert_eq!(
        r.push(1, at(0), &fragment_of_v4(&d, 0, 160, true)),
        Outcome::Held
    );
    assert_eq!(
        r.push(2, at(61), &fragment_of_v4(&d, 160, 308, false)),
        Outcome::Held
    );
    let stats = r.finish();
    assert_eq!(
        (
            stats.datagrams,
            stats.incomplete_datagrams,
            stats.incomplete_fragments
        ),
        (0, 2, 2)
    );
    // Within the timeout it completes; without timestamps nothing expires.
    let mut r = Reassembler::new();
    assert_eq!(
        r.push(1, at(0), &fragment_of_v4(&d, 0, 160, true)),
        Outcome::Held
    );
    assert!(matches!(
        r.push(2, at(60), &fragment_of_v4(&d, 160, 308, false)),
        Outcome::Complete(_)
    ));
    let mut r = Reassembler::new();
    assert_eq!(
        r.push(1, None, &fragment_of_v4(&d, 0, 160, true)),
        Outcome::Held
    );
    assert!(matches!(
        r.push(2, None, &fragment_of_v4(&d, 160, 308, false)),
        Outcome::Complete(_)
    ));
}

#[test]
fn the_oldest_datagrams_go_when_a_cap_is_reached() {
    let limits = Limits {
        max_datagrams: 2,
        max_bytes: 1 << 20,
        timeout: None,
    };
    let mut r = Reassembler::with_limits(limits);
    let ds: Vec<Vec<u8>> = (1..=3).map(|i| datagram_v4(i, 300)).collect();
    for (i, d) in ds.iter().enumerate() {
        assert_eq!(
            r.push(i as u64 + 1, None, &fragment_of_v4(d, 0, 160, true)),
            Outcome::Held
        );
    }
    assert_eq!(r.in_progress(), 2);
    // The first is gone, the third still completes.
    assert_eq!(
        r.push(4, None, &fragment_of_v4(&ds[0], 160, 308, false)),
        Outcome::Held
    );
    assert_eq!(r.in_progress(), 2); // the second went for the first's new start
    assert!(matches!(
        r.push(5, None, &fragment_of_v4(&ds[2], 160, 308, false)),
        Outcome::Complete(_)
    ));
    let stats = r.finish();
    assert_eq!((stats.datagrams, stats.fragments), (1, 2));
    assert_eq!(
        (stats.incomplete_datagrams, stats.incomplete_fragments),
        (3, 3)
    );

    let limits = Limits {
        max_datagrams: 100,
        max_bytes: 1000,
        timeout: None,
    };
    let mut r = Reassembler::with_limits(limits);
    let d = datagram_v4(1, 3000);
    assert_eq!(
        r.push(1, None, &fragment_of_v4(&d, 0, 1480, true)),
        Outcome::Held
    );
    assert_eq!((r.in_progress(), r.held_bytes()), (0, 0));
    assert!(r.held_bytes() <= 1000);
}

#[test]
fn tiny_fragments_past_the_fragment_cap_give_the_datagram_up() {
    let d = datagram_v4(9, 200);
    let mut r = Reassembler::new();
    let first = fragment_of_v4(&d, 0, 8, true);
    for frame in 1..=MAX_FRAGMENTS as u64 + 1 {
        assert_eq!(r.push(frame, None, &first), Outcome::Held);
    }
    assert_eq!(r.in_progress(), 0);
    assert_eq!(r.stats().incomplete_fragments, MAX_FRAGMENTS as u64 + 1);
}

/// tshark's reassembly of `fragments` (payload range, bytes) of a datagram
/// of `len` payload bytes: copied in offset order (stable: the first
/// received first), each past where the ones before reached; and whether
/// any two disagree where they overlap.
fn offset_order_copy(len: usize, fragments: &[(usize, usize, &[u8])]) -> (Vec<u8>, bool) {
    let mut sorted = fragments.to_vec();
    sorted.sort_by_key(|&(from, _, _)| from);
    let (mut out, mut reached) = (vec![0; len], 0);
    for &(from, to, bytes) in &sorted {
        if to > reached {
            let at = from.max(reached);
            out[at..to].copy_from_slice(&bytes[at..to]);
            reached = to;
        }
    }
    let conflict = (0..len).any(|i| {
        let mut held = fragments.iter().filter(|f| (f.0..f.1).contains(&i));
        let first = held.next().map(|f| f.2[i]);
        held.any(|f| Some(f.2[i]) != first)
    });
    (out, conflict)
}

#[test]
fn overlaps_of_every_shape_come_out_as_tsharks_offset_order_copy() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).unwrap()
    };
    for round in 0..2000u16 {
        let blocks = 2 + next(10);
        let len = blocks * 8;
        let d = datagram_v4(round, len - 8);
        // Three versions of the payload.
        let versions: Vec<Vec<u8>> = (0..3u8)
            .map(|v| d[20..].iter().map(|b| b ^ (v * 0x55)).collect())
            .collect();
        // Some random fragments, then chunks that cover the datagram, the
        // last one ending it, all in a random order.
        let mut ranges = Vec::new();
        for _ in 0..next(5) {
            let from = next(blocks);
            let to = from + 1 + next(blocks - from);
            ranges.push((from * 8, to * 8, next(3), true));
        }
        let mut from = 0;
        while from < blocks {
            // One fragment of all would be no fragment.
            let to = from + 1 + next(blocks - from - usize::from(from == 0));
            ranges.push((from * 8, to * 8, next(3), to < blocks));
            from = to;
        }
        for i in (1..ranges.len()).rev() {
            ranges.swap(i, next(i + 1));
        }
        let mut r = Reassembler::new();
        let mut pushed = Vec::new();
        let mut done = None;
        for (i, &(from, to, v, more)) in ranges.iter().enumerate() {
            let mut whole = d[..20].to_vec();
            whole.extend_from_slice(&versions[v]);
            pushed.push((from, to, versions[v].as_slice()));
            if let Outcome::Complete(c) =
                r.push(i as u64 + 1, None, &fragment_of_v4(&whole, from, to, more))
            {
                done = Some((c.packet[20..].to_vec(), c.problem));
                break;
            }
        }
        let (payload, problem) = done.expect("complete");
        let (expected, conflict) = offset_order_copy(len, &pushed);
        assert_eq!(payload, expected, "round {round}: {ranges:?}");
        assert_eq!(
            matches!(problem, Some(Problem::OverlapConflict { .. })),
            conflict,
            "round {round}: {ranges:?}"
        );
    }
}
