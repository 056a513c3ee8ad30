//! `PingSession` driven with made-up time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use icmpkit_wire::{IpVersion, checksum, icmpv4, icmpv6};

use super::*;
use crate::payload;
use crate::stats::{RttSummary, format_ms};

const IDENT: u16 = 0x1234;
const NONCE: u64 = 0x0011_2233_4455_6677;
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

fn config() -> PingConfig {
    PingConfig::new(IpVersion::V4, IDENT, NONCE)
}

fn send(s: &mut PingSession, now: Instant) -> SentProbe {
    let mut buf = vec![0; s.config().echo_len()];
    s.build_echo(now, &mut buf).expect("a probe is due")
}

/// The data a well-behaved peer echoes for probe `number`.
fn echoed(s: &PingSession, number: u64) -> Vec<u8> {
    let mut data = vec![0; s.config().payload_len];
    payload::write(&mut data, NONCE, number, &s.config().pattern);
    data
}

fn seq_of(number: u64) -> u16 {
    (number & 0xffff) as u16
}

fn reply(s: &mut PingSession, now: Instant, number: u64) -> ReplyEvent {
    let data = echoed(s, number);
    match s.on_echo_reply(now, PEER, IDENT, seq_of(number), &data, Some(64), None) {
        ReplyOutcome::Reply(e) => e,
        other => panic!("probe {number}: {other:?}"),
    }
}

#[test]
fn echo_request_v4_bytes() {
    let mut c = config();
    c.payload_len = 20;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    let mut buf = [0xa5; 30];
    let sent = s.build_echo(t0, &mut buf).unwrap();
    assert_eq!(
        sent,
        SentProbe {
            seq: 1,
            number: 1,
            len: 28
        }
    );
    assert_eq!(buf[..2], [8, 0]);
    assert_eq!(
        buf[4..28],
        [
            0x12, 0x34, 0, 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0, 0, 0, 0, 0, 0, 0,
            1, 0x10, 0x11, 0x12, 0x13
        ]
    );
    assert!(checksum::is_valid(&buf[..28]));
    assert_eq!(buf[28..], [0xa5, 0xa5]);
    let parsed = icmpv4::Repr::parse_bytes(&buf[..28]).unwrap();
    assert!(matches!(
        parsed,
        icmpv4::Repr::EchoRequest {
            ident: IDENT,
            seq_no: 1,
            ..
        }
    ));
}

#[test]
fn echo_request_v6_checksum_over_unspecified_addresses() {
    let mut c = config();
    c.version = IpVersion::V6;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    let mut buf = [0; 64];
    assert_eq!(send(&mut s, t0).len, 64);
    let sent = s.build_echo(t0 + ms(1000), &mut buf).unwrap();
    assert_eq!((sent.seq, sent.number), (2, 2));
    assert_eq!(buf[..2], [128, 0]);
    assert_eq!(buf[4..8], [0x12, 0x34, 0, 2]);
    let packet = icmpv6::Packet::new_unchecked(&buf[..]);
    assert!(packet.verify_checksum(Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED));
}

#[test]
#[should_panic(expected = "build_echo: buffer of 10 bytes, need 64")]
fn short_buffer_panics() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    s.build_echo(t0, &mut [0; 10]);
}

#[test]
fn interval_paces_probes() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    assert_eq!(s.next_transmit_at(), Some(t0));
    send(&mut s, t0);
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(1000)));
    assert!(!s.poll_transmit(t0 + ms(999)));
    assert_eq!(s.build_echo(t0 + ms(999), &mut [0; 64]), None);
    // Sent 30 ms late: tokens are capped at interval * preload = 1 s, so
    // nothing carries over and the next is a full interval later.
    assert_eq!(send(&mut s, t0 + ms(1030)).number, 2);
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(2030)));
}

#[test]
fn preload_sends_back_to_back() {
    let mut c = config();
    c.preload = 3;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for n in 1..=3 {
        assert_eq!(send(&mut s, t0).number, n);
    }
    assert!(!s.poll_transmit(t0));
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(1000)));
    send(&mut s, t0 + ms(1000));
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(2000)));
    assert_eq!(s.in_flight(), 4);
}

#[test]
fn adaptive_follows_the_ewma_with_a_floor() {
    let mut c = config();
    c.adaptive = true;
    let t0 = Instant::now();
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(5), 1);
    assert_eq!(s.interval(), ms(5));
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(5)));
    send(&mut s, t0 + ms(5));
    // RTT 7 ms: ewma8 = 40000 + 7000 - 5000 = 42000 -> 5250 us -> 5 ms.
    reply(&mut s, t0 + ms(12), 2);
    assert_eq!(s.interval(), ms(5));
    assert_eq!(s.statistics().ewma_us(), Some(5250));

    // A 1 ms RTT is held at the 2 ms user floor; root (floor 0) is not.
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(1), 1);
    assert_eq!(s.interval(), ms(2));
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(2)));
    c.adaptive_floor = Duration::ZERO;
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(1), 1);
    assert_eq!(s.interval(), ms(1));
}

#[test]
fn flood_waits_10ms_only_while_unanswered() {
    let mut c = config();
    c.flood = true;
    c.interval = Duration::ZERO;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    assert_eq!(s.next_transmit_at(), Some(t0 + ms(10)));
    reply(&mut s, t0 + us(300), 1);
    // Answered: the next may go at once.
    assert_eq!(s.next_transmit_at(), Some(t0));
    assert!(s.poll_transmit(t0 + us(300)));
    send(&mut s, t0 + us(300));
    send(&mut s, t0 + us(10_300));
    assert_eq!(s.statistics().transmitted, 3);
    assert_eq!(s.ipg_us(), Some(5150));
}

#[test]
fn sequence_wraps_and_the_nonce_disambiguates() {
    let mut c = config();
    c.interval = ms(1);
    c.linger = Duration::from_secs(100);
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    let mut buf = vec![0; 64];
    let mut last = None;
    for i in 0..65_537u64 {
        last = s.build_echo(t0 + ms(i), &mut buf);
    }
    assert_eq!(
        last,
        Some(SentProbe {
            seq: 1,
            number: 65_537,
            len: 64
        })
    );
    let now = t0 + ms(65_600);
    // Carrying number 1 in the payload: probe 1, RTT 65.6 s (late).
    let e = reply(&mut s, now, 1);
    assert_eq!((e.number, e.seq, e.rtt, e.late), (1, 1, ms(65_600), false));
    // Seq 1 with no identification: it claims the most recent probe with
    // seq 1, but is no answer.
    let ReplyOutcome::Unverified(e) = s.on_echo_reply(now, PEER, IDENT, 1, &[], None, None) else {
        panic!("not unverified");
    };
    assert_eq!(e.number, 65_537);
    // Probe 65536 has seq 0.
    let e = reply(&mut s, now, 65_536);
    assert_eq!(e.seq, 0);
    assert_eq!(s.statistics().received, 2);
}

#[test]
fn a_reply_without_the_probes_nonce_is_unverified_and_not_counted() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    send(&mut s, t0);
    let data = echoed(&s, 1);
    // Empty, and one byte short of the nonce and number.
    for short in [&data[..0], &data[..15]] {
        assert_eq!(
            s.on_echo_reply(t0 + ms(1), PEER, IDENT, 1, short, Some(61), None),
            ReplyOutcome::Unverified(UnverifiedReply {
                seq: 1,
                number: 1,
                from: PEER,
                ttl: Some(61),
                bytes: 8 + short.len(),
            })
        );
    }
    // A sequence number no probe had: not even claimed.
    assert_eq!(
        s.on_echo_reply(t0 + ms(1), PEER, IDENT, 2, &[], None, None),
        ReplyOutcome::Unknown
    );
    let st = s.statistics();
    assert_eq!((st.received, st.duplicates, st.rtt()), (0, 0, None));
    assert_eq!(s.in_flight(), 1);
    assert_eq!(s.exit_code(), 1);
}

#[test]
fn the_real_reply_after_a_forged_short_one_counts_once_with_its_own_time() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    send(&mut s, t0);
    assert!(matches!(
        s.on_echo_reply(t0 + us(10), PEER, IDENT, 1, &[], None, None),
        ReplyOutcome::Unverified(_)
    ));
    let e = reply(&mut s, t0 + ms(2), 1);
    assert_eq!(
        (e.number, e.rtt, e.rtt_known, e.duplicate),
        (1, ms(2), true, false)
    );
    let st = s.statistics();
    assert_eq!((st.received, st.duplicates), (1, 0));
    let rtt = st.rtt().unwrap();
    assert_eq!((rtt.min_us, rtt.avg_us, rtt.max_us), (2000, 2000, 2000));
}

#[test]
fn duplicates_are_flagged_and_counted() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    send(&mut s, t0);
    let first = reply(&mut s, t0 + ms(3), 1);
    let second = reply(&mut s, t0 + ms(4), 1);
    assert!(!first.duplicate);
    assert!(second.duplicate);
    let st = s.statistics();
    assert_eq!((st.received, st.duplicates), (1, 1));
    // Both timed replies enter the sums, as in iputils: (3000+4000)/2.
    assert_eq!(st.rtt().unwrap().avg_us, 3500);
    assert_eq!(st.loss_text().as_deref(), Some("0%"));
}

#[test]
fn reordered_replies_map_to_their_probes() {
    let mut c = config();
    c.preload = 3;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for _ in 0..3 {
        send(&mut s, t0);
    }
    let got: Vec<_> = [(3, 10), (1, 20), (2, 30)]
        .into_iter()
        .map(|(n, t)| {
            let e = reply(&mut s, t0 + ms(t), n);
            (e.number, e.rtt, e.duplicate)
        })
        .collect();
    assert_eq!(
        got,
        [(3, ms(10), false), (1, ms(20), false), (2, ms(30), false)]
    );
    assert_eq!(s.statistics().pipesize, 3);
    assert_eq!(s.in_flight(), 0);
}

#[test]
fn late_replies_map_until_forgotten() {
    let mut c = config();
    c.linger = Duration::from_secs(2);
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    let e = reply(&mut s, t0 + ms(3000), 1);
    assert!(e.late);
    assert_eq!(e.rtt, ms(3000));
    // Remembered for 2 * linger = 4 s after the send, then forgotten.
    let data = echoed(&s, 1);
    assert_eq!(
        s.on_echo_reply(t0 + ms(4001), PEER, IDENT, 1, &data, None, None),
        ReplyOutcome::Unknown
    );
}

#[test]
fn foreign_replies_are_not_ours() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    send(&mut s, t0);
    let mut data = echoed(&s, 1);
    assert_eq!(
        s.on_echo_reply(t0, PEER, IDENT + 1, 1, &data, None, None),
        ReplyOutcome::NotOurs
    );
    data[0] ^= 1;
    assert_eq!(
        s.on_echo_reply(t0, PEER, IDENT, 1, &data, None, None),
        ReplyOutcome::NotOurs
    );
    // Our nonce, a number never sent; or a seq inconsistent with it.
    let never = echoed(&s, 7);
    assert_eq!(
        s.on_echo_reply(t0, PEER, IDENT, 7, &never, None, None),
        ReplyOutcome::Unknown
    );
    let one = echoed(&s, 1);
    assert_eq!(
        s.on_echo_reply(t0, PEER, IDENT, 2, &one, None, None),
        ReplyOutcome::Unknown
    );
    assert_eq!(s.statistics().received, 0);
}

#[test]
fn reply_details() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    send(&mut s, t0);
    let mut data = echoed(&s, 1);
    data[40] = 0;
    let ReplyOutcome::Reply(e) = s.on_echo_reply(
        t0 + ms(9),
        PEER,
        IDENT,
        1,
        &data[..50],
        Some(57),
        Some(t0 + ms(7)),
    ) else {
        panic!("no match");
    };
    assert_eq!(e.rtt, ms(7), "the kernel's receive time wins");
    assert_eq!((e.bytes, e.ttl, e.truncated), (58, Some(57), true));
    assert_eq!(
        e.wrong_byte,
        Some(payload::WrongByte {
            index: 40,
            expected: 40,
            found: 0
        })
    );
}

#[test]
fn small_payload_has_no_time() {
    let mut c = config();
    c.payload_len = 8;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    let mut buf = [0; 16];
    s.build_echo(t0, &mut buf).unwrap();
    assert_eq!(buf[8..], [0, 1, 2, 3, 4, 5, 6, 7]);
    let ReplyOutcome::Reply(e) = s.on_echo_reply(t0 + ms(2), PEER, IDENT, 1, &buf[8..], None, None)
    else {
        panic!("no match");
    };
    assert_eq!((e.rtt, e.rtt_known, e.bytes), (ms(2), false, 16));
    assert_eq!(s.statistics().received, 1);
    assert_eq!(s.statistics().rtt(), None);
}

fn error(
    s: &mut PingSession,
    icmp_type: u8,
    code: u8,
    seq: u16,
    data: &[u8],
) -> Option<ErrorEvent> {
    let router = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    let now = Instant::now();
    // Advice comes as a datagram (uncounted), the rest from the queue.
    let counted = !matches!(icmp_type, 4 | 5);
    s.on_error(now, router, icmp_type, code, 0, IDENT, seq, data, counted)
}

#[test]
fn errors_are_attributed_to_the_quoted_probe() {
    let mut c = config();
    c.preload = 3;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for _ in 0..3 {
        send(&mut s, t0);
    }
    let quote = echoed(&s, 2);
    let e = error(&mut s, 11, 0, 2, &quote).unwrap();
    assert_eq!((e.number, e.seq), (2, 2));
    assert_eq!(
        e.kind,
        ErrorKind::TimeExceededV4(icmpv4::TimeExceeded::TtlExceededInTransit)
    );
    // A router quoting only the 8-byte ICMP header: matched by seq.
    let e = error(&mut s, 3, 1, 3, &[]).unwrap();
    assert_eq!(e.number, 3);
    assert_eq!(s.statistics().errors, 2);
    assert_eq!(s.in_flight(), 0);
    // Redirect read as a datagram: reported, not counted.
    let e = error(&mut s, 5, 1, 1, &[]).unwrap();
    assert_eq!((e.number, e.counted), (1, false));
    assert_eq!(s.statistics().errors, 2);
    // The same Redirect from a ping socket's error queue counts.
    let e = s.on_error(t0, PEER, 5, 1, 0, IDENT, 1, &[], true).unwrap();
    assert_eq!((e.number, e.counted), (1, true));
    assert_eq!(s.statistics().errors, 3);
    // Another process's probe (nonce), another ident, not an error type.
    let mut foreign = echoed(&s, 1);
    foreign[7] ^= 0xff;
    assert_eq!(error(&mut s, 11, 0, 1, &foreign), None);
    assert_eq!(
        s.on_error(t0, PEER, 11, 0, 0, IDENT ^ 1, 1, &[], true),
        None
    );
    assert_eq!(error(&mut s, 0, 0, 1, &[]), None);
    assert_eq!(s.statistics().errors, 3);
}

#[test]
fn count_ends_when_all_answered() {
    let mut c = config();
    c.count = Some(3);
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for n in 0..3 {
        send(&mut s, t0 + ms(1000 * n));
        assert!(!s.is_finished(t0 + ms(1000 * n + 5)));
        reply(&mut s, t0 + ms(1000 * n + 5), n + 1);
    }
    assert!(s.is_finished(t0 + ms(2005)));
    assert_eq!(s.next_wakeup(t0 + ms(2005)), None);
    assert_eq!(s.exit_code(), 0);
    assert_eq!(s.summary_time_ms(), 2000);
    assert_eq!(s.ipg_us(), None);
}

#[test]
fn count_with_a_lost_last_probe_waits_max_of_twice_tmax_and_interval() {
    let mut c = config();
    c.count = Some(3);
    let t0 = Instant::now();
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(10), 1);
    send(&mut s, t0 + ms(1000));
    reply(&mut s, t0 + ms(1020), 2);
    send(&mut s, t0 + ms(2000));
    assert_eq!(s.next_transmit_at(), None);
    // max(2 * 20 ms, 1 s) after the third send.
    assert_eq!(s.next_wakeup(t0 + ms(2000)), Some(t0 + ms(3000)));
    assert!(!s.is_finished(t0 + ms(2999)));
    assert!(s.is_finished(t0 + ms(3000)));
    assert_eq!(s.exit_code(), 0);
    assert_eq!(s.statistics().loss_text().as_deref(), Some("33.3333%"));

    // 2 * tmax wins when it is larger than the interval.
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(700), 1);
    send(&mut s, t0 + ms(1000));
    send(&mut s, t0 + ms(2000));
    assert_eq!(s.next_wakeup(t0 + ms(2000)), Some(t0 + ms(3400)));
}

#[test]
fn count_with_no_reply_waits_the_linger() {
    let mut c = config();
    c.count = Some(1);
    let t0 = Instant::now();
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    assert_eq!(s.next_wakeup(t0), Some(t0 + Duration::from_secs(10)));
    assert!(!s.is_finished(t0 + ms(9999)));
    assert!(s.is_finished(t0 + ms(10_000)));
    assert_eq!(s.exit_code(), 1);
    c.linger = ms(2500);
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    assert!(s.is_finished(t0 + ms(2500)));
    assert_eq!(s.statistics().loss_text().as_deref(), Some("100%"));
}

#[test]
fn deadline_stops_sending_and_ends_the_run() {
    let mut c = config();
    c.deadline = Some(Duration::from_secs(3));
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for n in 0..3 {
        send(&mut s, t0 + ms(1000 * n));
    }
    // The probe due at 3 s is not sent: the deadline comes first.
    assert_eq!(s.next_transmit_at(), None);
    assert_eq!(s.next_wakeup(t0 + ms(2000)), Some(t0 + ms(3000)));
    assert!(!s.is_finished(t0 + ms(2999)));
    assert!(s.is_finished(t0 + ms(3000)));
    assert_eq!(s.exit_code(), 1);
}

#[test]
fn deadline_with_count_keeps_sending_past_count() {
    let mut c = config();
    c.count = Some(2);
    c.deadline = Some(Duration::from_secs(10));
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    send(&mut s, t0 + ms(1000));
    reply(&mut s, t0 + ms(1010), 2);
    // Only one reply: a third probe goes (iputils sends on with -w).
    assert_eq!(send(&mut s, t0 + ms(2000)).number, 3);
    assert!(!s.is_finished(t0 + ms(2500)));
    assert_eq!(s.exit_code(), 1, "with -w, fewer than -c replies fail");
    reply(&mut s, t0 + ms(2010), 3);
    assert!(s.is_finished(t0 + ms(2010)));
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn deadline_ends_at_the_first_error() {
    let mut c = config();
    c.deadline = Some(Duration::from_secs(10));
    let t0 = Instant::now();
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    error(&mut s, 3, 1, 1, &[]).unwrap();
    assert!(s.is_finished(t0 + ms(1)));
    // Without -w an error does not end the run.
    c.deadline = None;
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    error(&mut s, 3, 1, 1, &[]).unwrap();
    assert!(!s.is_finished(t0 + ms(1)));
    // -w 0 is no deadline.
    c.deadline = Some(Duration::ZERO);
    let s = PingSession::new(c, t0);
    assert!(!s.is_finished(t0 + Duration::from_secs(1000)));
}

#[test]
fn errors_count_towards_count() {
    let mut c = config();
    c.count = Some(2);
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    reply(&mut s, t0 + ms(1), 1);
    send(&mut s, t0 + ms(1000));
    error(&mut s, 3, 0, 2, &[]).unwrap();
    assert!(s.is_finished(t0 + ms(1001)));
}

#[test]
fn without_count_or_deadline_it_never_ends() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    for n in 0..5 {
        send(&mut s, t0 + ms(1000 * n));
    }
    let later = t0 + Duration::from_secs(100_000);
    assert!(!s.is_finished(later));
    assert_eq!(s.next_wakeup(later), Some(t0 + ms(5000)));
}

#[test]
fn iputils_rtt_line_for_known_rtts() {
    let mut c = config();
    c.preload = 3;
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    for _ in 0..3 {
        send(&mut s, t0);
    }
    for (n, rtt) in [(1, 45), (2, 51), (3, 62)] {
        reply(&mut s, t0 + us(rtt), n);
    }
    let r = s.statistics().rtt().unwrap();
    assert_eq!(
        r,
        RttSummary {
            min_us: 45,
            avg_us: 52,
            max_us: 62,
            mdev_us: 7
        }
    );
    assert_eq!(format_ms(r.mdev_us), "0.007");
}

#[test]
fn local_errors_count_and_end_a_deadline_run() {
    let t0 = Instant::now();
    let mut c = config();
    c.count = Some(2);
    let mut s = PingSession::new(c.clone(), t0);
    send(&mut s, t0);
    s.on_local_error();
    assert_eq!(s.statistics().errors, 1);
    assert!(!s.is_finished(t0));
    s.on_local_error();
    assert!(
        s.is_finished(t0),
        "-c 2: received + errors reached the count"
    );
    c.count = None;
    c.deadline = Some(Duration::from_secs(5));
    let mut s = PingSession::new(c, t0);
    send(&mut s, t0);
    s.on_local_error();
    assert!(s.is_finished(t0), "-w: the first error ends the run");
    assert_eq!(s.exit_code(), 1);
}

#[test]
fn a_kernel_time_before_the_send_is_not_used() {
    let t0 = Instant::now();
    let mut s = PingSession::new(config(), t0);
    let probe = send(&mut s, t0 + ms(10));
    let data = echoed(&s, probe.number);
    let early = Some(t0 + ms(5));
    match s.on_echo_reply(t0 + ms(11), PEER, IDENT, probe.seq, &data, None, early) {
        ReplyOutcome::Reply(r) => assert_eq!(r.rtt, ms(1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_flood_with_a_long_deadline_remembers_a_bounded_number_of_probes() {
    // `ping -f -w 3600`: the deadline alone would keep every probe for an
    // hour; the window keeps the newest PROBES_REMEMBERED.
    let mut c = config();
    c.flood = true;
    c.interval = Duration::ZERO;
    c.preload = 1;
    c.deadline = Some(Duration::from_hours(1));
    let t0 = Instant::now();
    let mut s = PingSession::new(c, t0);
    let total = 3 * PROBES_REMEMBERED as u64;
    for n in 1..=total {
        let now = t0 + us(5 * n);
        let sent = send(&mut s, now);
        assert_eq!(sent.number, n);
        // Every probe answered at once, as on a fast link.
        let e = reply(&mut s, now + us(3), n);
        assert_eq!((e.number, e.duplicate), (n, false));
        assert!(s.remembered_probes() <= PROBES_REMEMBERED);
    }
    assert_eq!(s.remembered_probes(), PROBES_REMEMBERED);
    let st = s.statistics();
    assert_eq!((st.transmitted, st.received), (total, total));
    assert_eq!(st.rtt().map(|r| (r.min_us, r.max_us)), Some((3, 3)));
    // The newest probes still match (a duplicate now), the forgotten not.
    assert!(reply(&mut s, t0 + us(5 * total + 9), total).duplicate);
    let old = echoed(&s, 1);
    let now = t0 + us(5 * total + 9);
    assert_eq!(
        s.on_echo_reply(now, PEER, IDENT, 1, &old, None, None),
        ReplyOutcome::Unknown
    );
}
