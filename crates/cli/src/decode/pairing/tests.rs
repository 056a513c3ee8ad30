use icmpkit_lab::packets::{icmp, v4, v6};
use icmpkit_wire::dissect::dissect;

use super::*;

/// Swaps the addresses of an IPv4 or IPv6 packet built by `v4`/`v6`.
fn reversed(mut p: Vec<u8>) -> Vec<u8> {
    let (src, len) = if p[0] >> 4 == 4 { (12, 4) } else { (8, 16) };
    let (a, b) = p[src..src + 2 * len].split_at_mut(len);
    a.swap_with_slice(b);
    p
}

fn links(packets: &[Vec<u8>]) -> Vec<Link> {
    let mut pairing = Pairing::default();
    packets
        .iter()
        .enumerate()
        .map(|(i, p)| pairing.link(i as u64 + 1, &dissect(p).unwrap()))
        .collect()
}

fn to(frame: u64) -> Link {
    Link {
        response_to: Some(frame),
        ..Link::default()
    }
}

#[test]
fn replies_find_their_request_by_id_seq_and_addresses() {
    let request = v4(icmp(8, 0, [0, 7, 0, 1], b"x"));
    let reply = reversed(v4(icmp(0, 0, [0, 7, 0, 1], b"x")));
    let other_seq = reversed(v4(icmp(0, 0, [0, 7, 0, 2], b"x")));
    let same_direction = v4(icmp(0, 0, [0, 7, 0, 1], b"x"));
    let request6 = v6(icmp(128, 0, [0, 7, 0, 1], b"x"));
    let reply6 = reversed(v6(icmp(129, 0, [0, 7, 0, 1], b"x")));
    assert_eq!(
        links(&[
            request.clone(),
            reply.clone(),
            other_seq,
            same_direction,
            request6,
            reply6,
        ]),
        [
            Link::default(),
            to(1),
            Link::default(),
            Link::default(),
            Link::default(),
            to(5),
        ]
    );
}

#[test]
fn extended_echo_pairs_too_but_not_with_echo() {
    let request = v4(icmp(42, 0, [0, 7, 1, 0], &[]));
    let reply = reversed(v4(icmp(43, 0, [0, 7, 1, 0], &[])));
    let echo_reply = reversed(v4(icmp(0, 0, [0, 7, 1, 0], &[])));
    let l = links(&[request, reply, echo_reply]);
    assert_eq!(l[1], to(1));
    assert_eq!(l[2], Link::default());
}

#[test]
fn a_second_pass_knows_each_requests_first_reply() {
    let request = v4(icmp(8, 0, [0, 7, 0, 1], b"x"));
    let reply = reversed(v4(icmp(0, 0, [0, 7, 0, 1], b"x")));
    let unanswered = v4(icmp(8, 0, [0, 7, 0, 9], b"x"));
    let packets = [request, reply.clone(), reply, unanswered];
    let mut first = FirstPass::default();
    for (link, frame) in links(&packets).into_iter().zip(1..) {
        first.observe(frame, link);
    }
    let mut pairing = first.finish();
    let second: Vec<Link> = packets
        .iter()
        .zip(1..)
        .map(|(p, frame)| pairing.link(frame, &dissect(p).unwrap()))
        .collect();
    assert_eq!(
        second,
        [
            Link {
                response_in: Some(2),
                ..Link::default()
            },
            to(1),
            Link::default(),
            Link {
                no_response: true,
                ..Link::default()
            },
        ]
    );
}

#[test]
fn requests_remembered_are_bounded() {
    let mut pairing = Pairing::default();
    let total = MAX_REQUESTS as u64 * 3;
    for frame in 1..=total {
        let seq = u16::try_from(frame % 65_536).unwrap().to_be_bytes();
        let ident = u16::try_from(frame / 65_536).unwrap().to_be_bytes();
        let request = v4(icmp(8, 0, [ident[0], ident[1], seq[0], seq[1]], &[]));
        pairing.link(frame, &dissect(&request).unwrap());
        assert!(pairing.requests.len() <= MAX_REQUESTS);
    }
    // The latest are remembered.
    let seq = u16::try_from(total % 65_536).unwrap().to_be_bytes();
    let ident = u16::try_from(total / 65_536).unwrap().to_be_bytes();
    let reply = reversed(v4(icmp(0, 0, [ident[0], ident[1], seq[0], seq[1]], &[])));
    assert_eq!(
        pairing.link(total + 1, &dissect(&reply).unwrap()),
        to(total)
    );
}

#[test]
fn only_the_first_reply_to_a_request_is_paired() {
    // As tshark: a duplicate reply is paired with nothing; a request sent
    // again (same key) takes the next reply.
    let request = v4(icmp(8, 0, [0, 7, 0, 1], b"x"));
    let reply = reversed(v4(icmp(0, 0, [0, 7, 0, 1], b"x")));
    assert_eq!(
        links(&[
            request.clone(),
            request.clone(),
            reply.clone(),
            reply.clone(),
            request,
            reply.clone(),
            reply
        ]),
        [
            Link::default(),
            Link::default(),
            to(2),
            Link::default(),
            Link::default(),
            to(5),
            Link::default()
        ]
    );
}
