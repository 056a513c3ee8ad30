use std::time::{Duration, Instant};

use super::*;
use crate::machine::{
    Channel, Datagram, ErrorSource, Input, Machine, SendFailure, Signal, SocketError, Verdict,
};

const SERVER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 2));
const ROUTER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn queries_by_number_address_or_name() {
    let q = InterfaceQuery::from_argument;
    assert_eq!(q("7").unwrap(), InterfaceQuery::Index(7));
    assert_eq!(
        q("198.51.100.2").unwrap(),
        InterfaceQuery::Address("198.51.100.2".parse().unwrap())
    );
    assert_eq!(
        q("2001:db8::1").unwrap(),
        InterfaceQuery::Address("2001:db8::1".parse().unwrap())
    );
    assert_eq!(q("eth0").unwrap(), InterfaceQuery::Name("eth0".into()));
    assert_eq!(q("eth0").unwrap().kind(), "name");
    assert_eq!(q(""), Err(QueryError::Empty));
    assert_eq!(
        q("99999999999").unwrap_err().to_string(),
        "--probe-interface 99999999999: an ifIndex is at most 4294967295"
    );
    assert_eq!(
        q(&"x".repeat(256)).unwrap_err().to_string(),
        "--probe-interface: an interface name of 256 bytes is too long"
    );
}

#[test]
fn request_bytes_by_name() {
    let ext = InterfaceQuery::Name("eth0".into()).extension();
    let mut bytes = Vec::new();
    build_request(IpVersion::V4, 0x1234, 1, &ext, &mut bytes);
    // Header: type 42, code 0, checksum, ident, seq 1, L set.
    assert_eq!(&bytes[..2], &[42, 0]);
    assert_eq!(&bytes[4..8], &[0x12, 0x34, 1, 1]);
    // Extension: version 2, checksum; object length 8, class 3, c-type 1.
    assert_eq!(bytes[8], 0x20);
    assert_eq!(&bytes[12..20], &[0, 8, 3, 1, b'e', b't', b'h', b'0']);
    assert!(icmpkit_wire::checksum::is_valid(&bytes));
    assert!(icmpkit_wire::checksum::is_valid(&bytes[8..]));
    assert_eq!(quoted_request(IpVersion::V4, &bytes), Some((0x1234, 1)));
}

#[test]
fn request_bytes_by_index_and_address() {
    let ext = InterfaceQuery::Index(3).extension();
    assert_eq!(&ext[4..], &[0, 8, 3, 2, 0, 0, 0, 3]);
    let ext = InterfaceQuery::Address("198.51.100.2".parse().unwrap()).extension();
    assert_eq!(&ext[4..], &[0, 12, 3, 3, 0, 1, 4, 0, 198, 51, 100, 2]);
    let mut v6 = Vec::new();
    build_request(IpVersion::V6, 1, 2, &ext, &mut v6);
    assert_eq!(&v6[..2], &[160, 0]);
    assert_eq!(&v6[4..8], &[0, 1, 2, 1]);
}

/// An ICMPv4 Extended Echo Reply: code, ident, seq, and the state/flags
/// byte (state in bits 7-5, A 2, 4 1, 6 0).
fn reply_v4(code: u8, ident: u16, seq: u8, flags: u8) -> Vec<u8> {
    let [hi, lo] = ident.to_be_bytes();
    let mut v4 = vec![43, code, 0, 0, hi, lo, seq, flags];
    let sum = icmpkit_wire::checksum::checksum(&v4);
    v4[2..4].copy_from_slice(&sum.to_be_bytes());
    v4
}

#[test]
fn replies_parse_with_their_flags() {
    // State 2 (reachable), A, 4.
    let answer = parse_answer(IpVersion::V4, &reply_v4(0, 0x1234, 5, 0b0100_0110)).unwrap();
    assert_eq!(
        answer,
        ExtendedEchoAnswer {
            ident: 0x1234,
            seq: 5,
            code: ExtendedEchoReply::NoError,
            state: ExtendedEchoState::Reachable,
            active: true,
            ipv4: true,
            ipv6: false,
        }
    );
    assert!(answer.exists());
    let v6 = [161, 2, 0, 0, 0, 7, 9, 0];
    let answer = parse_answer(IpVersion::V6, &v6).unwrap();
    assert_eq!(answer.code, ExtendedEchoReply::NoSuchInterface);
    assert!(!answer.exists());
    assert_eq!((answer.ident, answer.seq), (7, 9));
    assert_eq!(parse_answer(IpVersion::V4, &[0, 0, 0, 0, 0, 1, 0, 1]), None);
}

fn config(count: u64) -> ExtendedEchoConfig {
    ExtendedEchoConfig {
        target: SERVER,
        query: InterfaceQuery::Name("s0".into()),
        ident: 0x1234,
        count,
        interval: ms(1000),
        timeout: ms(2000),
        deadline: None,
    }
}

/// Lets time pass to `now` and returns the requests sent.
fn step(m: &mut ExtendedEcho, now: Instant) -> Vec<Vec<u8>> {
    m.handle_timeout(now);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(t) = m.poll_transmit(now, &mut buf) {
        assert_eq!((t.channel, t.dst), (Channel::Icmp, SERVER));
        out.push(buf.clone());
    }
    out
}

fn events(m: &mut ExtendedEcho) -> Vec<ExtendedEchoEvent> {
    std::iter::from_fn(|| m.poll_event()).collect()
}

fn datagram(bytes: &[u8], at: Instant) -> Input<'_> {
    Input::Datagram(Datagram {
        channel: Channel::Icmp,
        from: SERVER,
        hop_limit: Some(64),
        read_at: at,
        kernel_at: None,
        bytes,
        ip_options: &[],
    })
}

#[test]
fn one_request_answered_exists_and_ends_the_run() {
    let t0 = Instant::now();
    let mut m = ExtendedEcho::new(config(1), t0);
    let sent = step(&mut m, t0);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        &sent[0][..8],
        &[42, 0, sent[0][2], sent[0][3], 0x12, 0x34, 1, 1]
    );
    assert_eq!(m.poll_timeout(t0), Some(t0 + ms(2000)));
    // Someone else's reply, then ours.
    m.handle_input(
        t0 + ms(1),
        datagram(&reply_v4(0, 0x9999, 1, 0b0000_0111), t0),
    );
    let reply = reply_v4(0, 0x1234, 1, 0b0000_0111);
    m.handle_input(t0 + ms(3), datagram(&reply, t0 + ms(3)));
    let answer = parse_answer(IpVersion::V4, &reply).unwrap();
    assert_eq!(
        events(&mut m),
        [
            ExtendedEchoEvent::Reply {
                seq: 1,
                from: SERVER,
                answer,
                rtt: ms(3),
            },
            ExtendedEchoEvent::Summary(ExtendedEchoSummary {
                transmitted: 1,
                answered: 1,
                exists: true,
            }),
        ]
    );
    assert_eq!(m.ignored(), 1);
    assert_eq!(m.poll_timeout(t0 + ms(3)), None);
    assert_eq!(m.verdict(), Verdict::Answered);
}

#[test]
fn requests_are_spaced_answered_refused_and_timed_out() {
    let t0 = Instant::now();
    let mut m = ExtendedEcho::new(config(3), t0);
    let first = step(&mut m, t0);
    assert_eq!(step(&mut m, t0 + ms(999)), Vec::<Vec<u8>>::new());
    let second = step(&mut m, t0 + ms(1000));
    assert_eq!(second[0][6], 2);
    // The first: no such interface; the second: an ICMP error.
    m.handle_input(
        t0 + ms(1001),
        datagram(&reply_v4(2, 0x1234, 1, 0), t0 + ms(1001)),
    );
    m.handle_input(
        t0 + ms(1002),
        Input::SocketError(SocketError {
            channel: Channel::Icmp,
            source: ErrorSource::Icmp,
            errno: 113,
            icmp_type: 3,
            icmp_code: 1,
            info: 0,
            offender: Some(ROUTER),
            dst: Some(SERVER),
            port: None,
            hop_limit: None,
            read_at: t0 + ms(1002),
            kernel_at: None,
            original: &second[0],
        }),
    );
    assert_eq!(first[0][6], 1);
    step(&mut m, t0 + ms(2000));
    assert_eq!(m.poll_timeout(t0 + ms(2000)), Some(t0 + ms(4000)));
    step(&mut m, t0 + ms(4000));
    let got = events(&mut m);
    assert!(matches!(
        got[0],
        ExtendedEchoEvent::Reply { seq: 1, answer, rtt, .. }
            if !answer.exists() && rtt == ms(1001)
    ));
    assert_eq!(
        got[1..],
        [
            ExtendedEchoEvent::Error {
                seq: 2,
                from: ROUTER,
                icmp_type: 3,
                icmp_code: 1,
                info: 0,
            },
            ExtendedEchoEvent::Timeout { seq: 3 },
            ExtendedEchoEvent::Summary(ExtendedEchoSummary {
                transmitted: 3,
                answered: 1,
                exists: false,
            }),
        ]
    );
    assert_eq!(m.verdict(), Verdict::Unanswered);
}

#[test]
fn an_unexplained_refused_send_ends_the_run_without_a_summary() {
    let t0 = Instant::now();
    let mut m = ExtendedEcho::new(config(2), t0);
    let mut buf = Vec::new();
    m.handle_timeout(t0);
    let t = m.poll_transmit(t0, &mut buf).unwrap();
    let failure = SendFailure {
        tag: t.tag,
        dst: SERVER,
        errno: 101,
        explained: true,
    };
    // Explained: the request is not counted and the run goes on.
    m.handle_send_failure(t0, failure);
    assert_eq!(events(&mut m), []);
    m.handle_timeout(t0 + ms(1000));
    let t = m.poll_transmit(t0 + ms(1000), &mut buf).unwrap();
    m.handle_send_failure(
        t0 + ms(1000),
        SendFailure {
            tag: t.tag,
            explained: false,
            ..failure
        },
    );
    assert_eq!(
        events(&mut m),
        [ExtendedEchoEvent::SendFailed { errno: 101 }]
    );
    assert_eq!(m.poll_timeout(t0 + ms(1000)), None);
}

#[test]
fn stop_and_the_deadline_end_with_the_summary_only() {
    let t0 = Instant::now();
    let mut m = ExtendedEcho::new(config(5), t0);
    step(&mut m, t0);
    m.handle_signal(t0 + ms(5), Signal::Status);
    m.handle_signal(t0 + ms(10), Signal::Stop);
    let summary = ExtendedEchoEvent::Summary(ExtendedEchoSummary {
        transmitted: 1,
        answered: 0,
        exists: false,
    });
    assert_eq!(events(&mut m), [summary]);
    assert_eq!(m.poll_timeout(t0 + ms(10)), None);

    let mut c = config(5);
    c.deadline = Some(ms(1500));
    let mut m = ExtendedEcho::new(c, t0);
    step(&mut m, t0);
    step(&mut m, t0 + ms(1000));
    assert_eq!(m.poll_timeout(t0 + ms(1000)), Some(t0 + ms(1500)));
    step(&mut m, t0 + ms(1500));
    assert_eq!(
        events(&mut m),
        [ExtendedEchoEvent::Summary(ExtendedEchoSummary {
            transmitted: 2,
            answered: 0,
            exists: false,
        })]
    );
}

#[test]
fn the_sequence_wraps_after_255() {
    let t0 = Instant::now();
    let mut c = config(300);
    c.interval = Duration::ZERO;
    let mut m = ExtendedEcho::new(c, t0);
    let seqs: Vec<u8> = step(&mut m, t0).iter().map(|r| r[6]).collect();
    assert_eq!(seqs.len(), 300);
    assert_eq!(&seqs[253..258], &[254, 255, 0, 1, 2]);
}

#[test]
fn garbage_is_ignored() {
    let t0 = Instant::now();
    let mut m = ExtendedEcho::new(config(1), t0);
    step(&mut m, t0);
    for bytes in [&[][..], &[43], &[43, 0, 0, 0, 0, 0, 0], &[0; 8]] {
        m.handle_input(t0, datagram(bytes, t0));
    }
    assert_eq!(events(&mut m), []);
    assert_eq!(m.ignored(), 4);
}
