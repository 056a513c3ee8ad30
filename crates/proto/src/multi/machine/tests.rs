use std::net::Ipv6Addr;

use super::*;

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));
const C: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 3));
const ROUTER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(targets: &[IpAddr], count: u64) -> MultiPingConfig {
    MultiPingConfig {
        schedule: MultiConfig {
            rate: 100,
            count,
            period: ms(1000),
            timeout: ms(500),
            retries: 0,
            backoff_milli: 1000,
            anchored: false,
        },
        targets: targets.to_vec(),
        payload_len: 56,
        pattern: Vec::new(),
        nonce: 0x1122_3344_5566_7788,
        ident_v4: 0x4242,
        ident_v6: 0x6666,
        deadline: None,
        keep_rtts: false,
        report_every: None,
    }
}

/// Everything due at `now`: (destination, bytes) of each datagram.
fn sends(m: &mut MultiPing, now: Instant) -> Vec<(IpAddr, Vec<u8>)> {
    m.handle_timeout(now);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(t) = m.poll_transmit(now, &mut buf) {
        assert_eq!((t.channel, t.hop_limit), (Channel::Icmp, None));
        out.push((t.dst, buf.clone()));
    }
    out
}

fn events(m: &mut MultiPing) -> Vec<MultiEvent> {
    std::iter::from_fn(|| m.poll_event()).collect()
}

/// The Echo Reply to `request`: its bytes with the reply type.
fn reply_to(request: &[u8]) -> Vec<u8> {
    let mut reply = request.to_vec();
    reply[0] = if reply[0] == 8 { 0 } else { 129 };
    reply
}

fn datagram(from: IpAddr, bytes: &[u8], at: Instant) -> Input<'_> {
    Input::Datagram(Datagram {
        channel: Channel::Icmp,
        from,
        hop_limit: Some(64),
        read_at: at,
        kernel_at: None,
        bytes,
        ip_options: &[],
    })
}

fn icmp_error(dst: IpAddr, original: &[u8], at: Instant) -> Input<'_> {
    Input::SocketError(SocketError {
        channel: Channel::Icmp,
        source: ErrorSource::Icmp,
        errno: 113,
        icmp_type: 3,
        icmp_code: 13,
        info: 0,
        offender: Some(ROUTER),
        dst: Some(dst),
        port: None,
        hop_limit: None,
        read_at: at,
        kernel_at: None,
        original,
    })
}

fn tally(sent: u64, rtts_ns: &[u64], first: Instant, last: Instant) -> Tally {
    let mut t = Tally {
        sent,
        first_sent: Some(first),
        last_sent: Some(last),
        ..Tally::default()
    };
    for &r in rtts_ns {
        t.record(r);
    }
    t
}

/// `t` with `n` more probes timed out.
fn lost(mut t: Tally, n: u64) -> Tally {
    for _ in 0..n {
        t.timed_out();
    }
    t
}

#[test]
fn one_target_answers_and_one_times_out_then_the_summaries_end_the_run() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, B], 1), t0);
    let first = sends(&mut m, t0);
    assert_eq!(first.len(), 1, "one send per 10 ms slot");
    assert_eq!(first[0].0, A);
    let echo = &first[0].1;
    assert_eq!(echo.len(), 64);
    assert_eq!(&echo[..2], &[8, 0]);
    assert_eq!(&echo[4..8], &[0x42, 0x42, 0, 1]);
    assert!(icmpkit_wire::checksum::is_valid(echo));
    assert_eq!(
        payload::identify(&echo[8..]),
        Some((0x1122_3344_5566_7788, 1))
    );
    assert_eq!(m.poll_timeout(t0), Some(t0 + ms(10)));
    let second = sends(&mut m, t0 + ms(10));
    assert_eq!(second.iter().map(|s| s.0).collect::<Vec<_>>(), [B]);

    m.handle_input(t0 + ms(12), datagram(A, &reply_to(echo), t0 + ms(12)));
    let a_tally = tally(1, &[12_000_000], t0, t0);
    assert_eq!(
        events(&mut m),
        [MultiEvent::Reply(TargetReply {
            target: 0,
            number: 1,
            seq: 1,
            ident: 0x4242,
            from: A,
            bytes: 64,
            ttl: Some(64),
            rtt: ms(12),
            duplicate: false,
            tally: a_tally,
        })]
    );
    // B's timeout ends the run (A's answered probe is not waited out).
    assert_eq!(m.poll_timeout(t0 + ms(12)), Some(t0 + ms(500)));
    assert!(sends(&mut m, t0 + ms(510)).is_empty());
    let b_tally = lost(tally(1, &[], t0 + ms(10), t0 + ms(10)), 1);
    assert_eq!(
        events(&mut m),
        [
            MultiEvent::Timeout {
                target: 1,
                number: 1,
                will_retry: false,
                after_error: false,
                sent_at: t0 + ms(10),
                tally: b_tally,
            },
            MultiEvent::Summary {
                target: 0,
                tally: a_tally,
            },
            MultiEvent::Summary {
                target: 1,
                tally: b_tally,
            },
        ]
    );
    assert_eq!(m.poll_timeout(t0 + ms(510)), None);
    assert_eq!(m.verdict(), Verdict::Unanswered);
    assert_eq!((m.statistics(0).received, m.statistics(1).received), (1, 0));
}

#[test]
fn every_target_answering_is_answered_and_ends_at_the_last_reply() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, C], 1), t0);
    let a = sends(&mut m, t0).remove(0);
    let c = sends(&mut m, t0 + ms(10)).remove(0);
    assert_eq!(c.0, C);
    assert_eq!(&c.1[..2], &[128, 0]);
    assert_eq!(&c.1[4..8], &[0x66, 0x66, 0, 1]);
    m.handle_input(t0 + ms(11), datagram(C, &reply_to(&c.1), t0 + ms(11)));
    m.handle_input(t0 + ms(12), datagram(A, &reply_to(&a.1), t0 + ms(12)));
    let kinds: Vec<_> = events(&mut m)
        .into_iter()
        .map(|e| match e {
            MultiEvent::Reply(r) => format!("reply {} {:?}", r.target, r.rtt),
            MultiEvent::Summary { target, .. } => format!("summary {target}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        ["reply 1 1ms", "reply 0 12ms", "summary 0", "summary 1"]
    );
    assert_eq!(m.poll_timeout(t0 + ms(12)), None);
    assert_eq!(m.verdict(), Verdict::Answered);
}

#[test]
fn duplicates_are_reported_and_other_runs_replies_are_ignored() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, B], 2), t0);
    let a = sends(&mut m, t0).remove(0);
    let reply = reply_to(&a.1);
    // Another process: another identifier, then another nonce.
    let mut other_ident = reply.clone();
    other_ident[4] = 0;
    let mut other_nonce = reply.clone();
    other_nonce[8] ^= 0xff;
    // Our request itself (a raw socket on loopback sees it) is no reply.
    for bytes in [&other_ident, &other_nonce, &a.1] {
        m.handle_input(t0 + ms(1), datagram(A, bytes, t0 + ms(1)));
    }
    assert_eq!(events(&mut m), []);
    assert_eq!(m.ignored(), 3);
    m.handle_input(t0 + ms(2), datagram(A, &reply, t0 + ms(2)));
    m.handle_input(t0 + ms(3), datagram(A, &reply, t0 + ms(3)));
    let replies: Vec<_> = events(&mut m)
        .into_iter()
        .map(|e| match e {
            MultiEvent::Reply(r) => (r.rtt, r.duplicate, r.tally.received),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(replies, [(ms(2), false, 1), (ms(3), true, 1)]);
    assert_eq!(m.statistics(0).duplicates, 1);
    // After its timeout and the grace, the probe's reply is not matched.
    sends(&mut m, t0 + ms(10));
    sends(&mut m, t0 + ms(610));
    events(&mut m);
    m.handle_input(t0 + ms(611), datagram(A, &reply, t0 + ms(611)));
    assert_eq!(m.ignored(), 4);
}

#[test]
fn an_icmp_error_is_reported_and_the_probe_still_times_out() {
    let t0 = Instant::now();
    let mut c = config(&[A], 2);
    c.schedule.period = ms(200);
    let mut m = MultiPing::new(c, t0);
    let first = sends(&mut m, t0).remove(0);
    m.handle_input(t0 + ms(1), icmp_error(A, &first.1, t0 + ms(1)));
    let error = TargetError {
        target: 0,
        number: 1,
        from: ROUTER,
        version: IpVersion::V4,
        icmp_type: 3,
        icmp_code: 13,
        info: 0,
    };
    assert_eq!(events(&mut m), [MultiEvent::Error(error)]);
    assert_eq!(m.statistics(0).errors, 1);
    let second = sends(&mut m, t0 + ms(200)).remove(0);
    // The second probe's error, quoting only 8 bytes: no serial, no match
    // (the payload is long enough to carry one).
    m.handle_input(t0 + ms(201), icmp_error(A, &second.1[..8], t0 + ms(201)));
    assert_eq!(events(&mut m), []);
    sends(&mut m, t0 + ms(500));
    sends(&mut m, t0 + ms(700));
    let t1 = tally(2, &[], t0, t0 + ms(200));
    assert_eq!(
        events(&mut m),
        [
            MultiEvent::Timeout {
                target: 0,
                number: 1,
                will_retry: false,
                after_error: true,
                sent_at: t0,
                tally: lost(t1, 1),
            },
            MultiEvent::Timeout {
                target: 0,
                number: 2,
                will_retry: false,
                after_error: false,
                sent_at: t0 + ms(200),
                tally: lost(t1, 2),
            },
            MultiEvent::Summary {
                target: 0,
                tally: lost(t1, 2),
            },
        ]
    );
}

#[test]
fn a_short_payload_is_matched_by_address_and_sequence() {
    let t0 = Instant::now();
    let mut short = config(&[A, B], 1);
    short.payload_len = 4;
    let mut m = MultiPing::new(short, t0);
    let a = sends(&mut m, t0).remove(0);
    assert_eq!(a.1.len(), 12);
    assert_eq!(&a.1[8..], &[0, 1, 2, 3]);
    let b = sends(&mut m, t0 + ms(10)).remove(0);
    // A reply to B's probe from A's address is A's probe 1.
    m.handle_input(t0 + ms(20), datagram(B, &reply_to(&b.1), t0 + ms(20)));
    m.handle_input(t0 + ms(21), icmp_error(A, &a.1, t0 + ms(21)));
    let got: Vec<_> = events(&mut m)
        .into_iter()
        .map(|e| match e {
            MultiEvent::Reply(r) => ("reply", r.target, r.number),
            MultiEvent::Error(e) => ("error", e.target, e.number),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, [("reply", 1, 1), ("error", 0, 1)]);
}

#[test]
fn retries_resend_an_unanswered_round() {
    let t0 = Instant::now();
    let mut c = config(&[A], 1);
    c.schedule.retries = 1;
    let mut m = MultiPing::new(c, t0);
    let first = sends(&mut m, t0);
    assert_eq!(first.len(), 1);
    let resent = sends(&mut m, t0 + ms(500));
    assert_eq!(resent.len(), 1);
    assert_eq!(&resent[0].1[4..8], &[0x42, 0x42, 0, 2]);
    assert_eq!(
        events(&mut m),
        [MultiEvent::Timeout {
            target: 0,
            number: 1,
            will_retry: true,
            after_error: false,
            sent_at: t0,
            tally: lost(tally(1, &[], t0, t0), 1),
        }]
    );
    m.handle_input(
        t0 + ms(501),
        datagram(A, &reply_to(&resent[0].1), t0 + ms(501)),
    );
    let got = events(&mut m);
    assert!(matches!(got[0], MultiEvent::Reply(r) if r.number == 2 && r.rtt == ms(1)));
    assert!(matches!(got[1], MultiEvent::Summary { target: 0, .. }));
    assert_eq!(m.verdict(), Verdict::Answered);
}

#[test]
fn stop_reports_the_summaries_and_status_the_running_tally() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, B], 3), t0);
    sends(&mut m, t0);
    m.handle_signal(t0 + ms(1), Signal::Status);
    assert_eq!(events(&mut m), [MultiEvent::Status]);
    assert_eq!(m.tally(0).sent, 1);
    m.handle_signal(t0 + ms(2), Signal::Stop);
    assert_eq!(
        events(&mut m),
        [
            MultiEvent::Summary {
                target: 0,
                tally: tally(1, &[], t0, t0),
            },
            MultiEvent::Summary {
                target: 1,
                tally: Tally::default(),
            },
        ]
    );
    assert_eq!(m.poll_timeout(t0 + ms(2)), None);
    assert!(sends(&mut m, t0 + ms(10)).is_empty());
    m.handle_signal(t0 + ms(3), Signal::Status);
    assert_eq!(events(&mut m), []);
}

#[test]
fn the_deadline_ends_the_run_before_its_timeouts() {
    let t0 = Instant::now();
    let mut c = config(&[A], 5);
    c.deadline = Some(ms(1500));
    let mut m = MultiPing::new(c, t0);
    sends(&mut m, t0);
    sends(&mut m, t0 + ms(1000));
    assert_eq!(m.poll_timeout(t0 + ms(1000)), Some(t0 + ms(1500)));
    sends(&mut m, t0 + ms(1500));
    let got = events(&mut m);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(matches!(got[0], MultiEvent::Timeout { number: 1, .. }));
    assert!(matches!(got[1], MultiEvent::Summary { target: 0, tally } if tally.sent == 2));
    assert_eq!(m.poll_timeout(t0 + ms(1500)), None);
}

#[test]
fn send_failures_are_reported_once_per_target_and_local_errors_name_it() {
    let t0 = Instant::now();
    let mut c = config(&[A], 2);
    c.schedule.period = ms(100);
    let mut m = MultiPing::new(c, t0);
    let mut buf = Vec::new();
    m.handle_timeout(t0);
    let t = m.poll_transmit(t0, &mut buf).unwrap();
    let failure = SendFailure {
        tag: t.tag,
        dst: A,
        errno: 101,
        explained: false,
    };
    m.handle_send_failure(t0, failure);
    m.handle_timeout(t0 + ms(100));
    let t = m.poll_transmit(t0 + ms(100), &mut buf).unwrap();
    m.handle_send_failure(
        t0 + ms(100),
        SendFailure {
            tag: t.tag,
            ..failure
        },
    );
    m.handle_input(
        t0 + ms(101),
        Input::SocketError(SocketError {
            channel: Channel::Icmp,
            source: ErrorSource::Local,
            errno: 90,
            icmp_type: 0,
            icmp_code: 0,
            info: 1400,
            offender: None,
            dst: Some(A),
            port: None,
            hop_limit: None,
            read_at: t0 + ms(101),
            kernel_at: None,
            original: &buf,
        }),
    );
    assert_eq!(
        events(&mut m),
        [
            MultiEvent::SendFailed {
                target: 0,
                errno: 101
            },
            MultiEvent::LocalError {
                target: Some(0),
                version: IpVersion::V4,
                errno: 90,
                info: 1400,
            },
        ]
    );
    assert_eq!(m.tally(0).sent, 2);
}

#[test]
fn an_explained_refusal_is_reported_once_by_the_error_that_explains_it() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A], 1), t0);
    let mut buf = Vec::new();
    m.handle_timeout(t0);
    let t = m.poll_transmit(t0, &mut buf).unwrap();
    m.handle_input(
        t0,
        Input::SocketError(SocketError {
            channel: Channel::Icmp,
            source: ErrorSource::Local,
            errno: 90,
            icmp_type: 0,
            icmp_code: 0,
            info: 1400,
            offender: None,
            dst: Some(A),
            port: None,
            hop_limit: None,
            read_at: t0,
            kernel_at: None,
            original: &buf,
        }),
    );
    m.handle_send_failure(
        t0,
        SendFailure {
            tag: t.tag,
            dst: A,
            errno: 90,
            explained: true,
        },
    );
    assert_eq!(
        events(&mut m),
        [MultiEvent::LocalError {
            target: Some(0),
            version: IpVersion::V4,
            errno: 90,
            info: 1400,
        }]
    );
}

#[test]
fn bytes_that_are_no_icmp_are_ignored() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A], 1), t0);
    sends(&mut m, t0);
    for bytes in [&[][..], &[0, 0, 0], &[0; 7], &[3, 1, 0, 0, 0, 0, 0, 0]] {
        m.handle_input(t0, datagram(A, bytes, t0));
        m.handle_input(t0, icmp_error(A, bytes, t0));
    }
    assert_eq!(events(&mut m), []);
    assert_eq!(m.ignored(), 8);
}

#[test]
fn a_reply_without_the_probes_nonce_is_unverified_and_the_real_one_still_counts() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, B], 1), t0);
    let a = sends(&mut m, t0).remove(0);
    let reply = reply_to(&a.1);
    // Its header alone, and one byte short of nonce and serial.
    for short in [&reply[..8], &reply[..23]] {
        m.handle_input(t0 + ms(1), datagram(A, short, t0 + ms(1)));
        assert_eq!(
            events(&mut m),
            [MultiEvent::Unverified(TargetUnverified {
                target: 0,
                number: 1,
                seq: 1,
                ident: 0x4242,
                from: A,
                bytes: short.len(),
                ttl: Some(64),
            })]
        );
    }
    // From no target, with another identifier, or a sequence number no
    // probe of A had: ignored.
    let mut other_ident = reply[..8].to_vec();
    other_ident[4] = 0;
    let mut other_seq = reply[..8].to_vec();
    other_seq[7] = 2;
    m.handle_input(t0 + ms(1), datagram(ROUTER, &reply[..8], t0 + ms(1)));
    m.handle_input(t0 + ms(1), datagram(A, &other_ident, t0 + ms(1)));
    m.handle_input(t0 + ms(1), datagram(A, &other_seq, t0 + ms(1)));
    assert_eq!(events(&mut m), []);
    assert_eq!((m.ignored(), m.unverified(0), m.unverified(1)), (3, 2, 0));
    assert_eq!(m.statistics(0).received, 0);
    m.handle_input(t0 + ms(4), datagram(A, &reply, t0 + ms(4)));
    let [MultiEvent::Reply(r)] = events(&mut m)[..] else {
        panic!("no reply");
    };
    assert_eq!((r.rtt, r.duplicate, r.tally.received), (ms(4), false, 1));
    let s = m.statistics(0);
    assert_eq!((s.received, s.duplicates), (1, 0));
    assert_eq!(s.rtt().map(|r| (r.min_us, r.max_us)), Some((4000, 4000)));
}

#[test]
fn a_reply_from_another_address_carrying_a_targets_probe_counts_and_names_its_sender() {
    let t0 = Instant::now();
    let mut m = MultiPing::new(config(&[A, B], 1), t0);
    let a = sends(&mut m, t0).remove(0);
    m.handle_input(t0 + ms(2), datagram(ROUTER, &reply_to(&a.1), t0 + ms(2)));
    let [MultiEvent::Reply(r)] = events(&mut m)[..] else {
        panic!("no reply");
    };
    assert_eq!((r.target, r.number, r.from), (0, 1, ROUTER));
    assert_eq!(m.statistics(0).received, 1);
}

/// Sends whatever is due at `at`, answering the probes of the targets
/// in `answer` 2 ms later.
fn step(m: &mut MultiPing, at: Instant, answer: &[IpAddr]) {
    for (dst, bytes) in sends(m, at) {
        if answer.contains(&dst) {
            m.handle_input(at + ms(2), datagram(dst, &reply_to(&bytes), at + ms(2)));
        }
    }
}

#[test]
fn kept_rtts_list_every_settled_probe_like_fping_c_upper() {
    let t0 = Instant::now();
    let mut c = config(&[A, B], 3);
    c.keep_rtts = true;
    c.schedule.period = ms(100);
    c.schedule.timeout = ms(100);
    let mut m = MultiPing::new(c, t0);
    step(&mut m, t0, &[A]);
    step(&mut m, t0 + ms(10), &[]);
    step(&mut m, t0 + ms(100), &[]);
    assert_eq!(m.rtts(0), [Some(ms(2))]);
    assert_eq!(m.rtts(1), [], "B's first probe is still in flight");
    step(&mut m, t0 + ms(110), &[B]);
    assert_eq!(m.rtts(1), [None, Some(ms(2))]);
    step(&mut m, t0 + ms(200), &[A]);
    step(&mut m, t0 + ms(210), &[]);
    step(&mut m, t0 + ms(310), &[]);
    assert_eq!(m.rtts(0), [Some(ms(2)), None, Some(ms(2))]);
    assert_eq!(m.rtts(1), [None, Some(ms(2)), None]);
    assert_eq!(m.rtts(2), []);
    let without = MultiPing::new(config(&[A], 1), t0);
    assert_eq!(without.rtts(0), []);
}

#[test]
fn a_status_closes_an_interval_and_report_every_raises_one() {
    let t0 = Instant::now();
    let mut c = config(&[A], u64::MAX);
    c.schedule.period = ms(100);
    c.schedule.timeout = ms(100);
    c.report_every = Some(ms(250));
    let mut m = MultiPing::new(c, t0);
    let mut statuses = Vec::new();
    for k in 0..6u64 {
        let at = t0 + ms(100 * k);
        // Every other probe answered.
        step(&mut m, at, if k % 2 == 0 { &[A] } else { &[] });
        for e in events(&mut m) {
            if e == MultiEvent::Status {
                statuses.push((k, *m.split(0)));
            }
        }
        assert!(m.poll_timeout(at + ms(3)).unwrap() <= at + ms(100));
    }
    // At 300 ms (the first due at 250), before that round's send: probes
    // 1 and 3 answered, 2 lost; at 500 ms: 4 lost, 5 answered.
    let counts: Vec<_> = statuses
        .iter()
        .map(|(k, t)| (*k, t.sent, t.settled, t.received))
        .collect();
    assert_eq!(counts, [(3, 3, 3, 2), (5, 2, 2, 1)]);
    assert_eq!((m.tally(0).settled, m.tally(0).received), (5, 3));
    m.handle_signal(t0 + ms(510), Signal::Status);
    assert_eq!(events(&mut m), [MultiEvent::Status]);
    assert_eq!(m.split(0).settled, 0, "nothing settled since the last");
}

#[test]
fn a_first_status_splits_the_whole_run_so_far_and_none_before_is_all_zero() {
    let t0 = Instant::now();
    let mut c = config(&[A, B], u64::MAX);
    c.schedule.period = ms(100);
    c.schedule.timeout = ms(100);
    let mut m = MultiPing::new(c, t0);
    for k in 0..4u64 {
        // A then B, 10 ms apart (the rate); round 2 lost.
        for at in [t0 + ms(100 * k), t0 + ms(100 * k + 10)] {
            step(&mut m, at, if k == 1 { &[] } else { &[A, B] });
        }
        events(&mut m);
    }
    assert_eq!(*m.split(0), Tally::default(), "no status yet");
    m.handle_signal(t0 + ms(350), Signal::Status);
    assert_eq!(events(&mut m), [MultiEvent::Status]);
    assert_eq!(m.split(0), m.tally(0));
    assert_eq!(m.split(1), m.tally(1));
    assert!(m.tally(0).settled > m.tally(0).received && m.tally(0).received > 0);
    let first = [*m.tally(0), *m.tally(1)];
    for at in [400, 410, 500, 510] {
        step(&mut m, t0 + ms(at), &[A]);
    }
    events(&mut m);
    m.handle_signal(t0 + ms(550), Signal::Status);
    assert_eq!(events(&mut m), [MultiEvent::Status]);
    for (t, before) in first.iter().enumerate() {
        let (split, tally) = (m.split(t), m.tally(t));
        assert_eq!(
            (split.sent, split.settled, split.received),
            (
                tally.sent - before.sent,
                tally.settled - before.settled,
                tally.received - before.received
            ),
            "target {t}: the interval since the first status"
        );
    }
    assert_eq!(m.split(0).received, 2);
    assert_eq!(m.split(1).received, 0);
}

#[test]
fn totals_add_up_every_target_for_fping_s() {
    let t0 = Instant::now();
    let mut c = config(&[A, B], 1);
    c.schedule.retries = 1;
    let mut m = MultiPing::new(c, t0);
    step(&mut m, t0, &[A]);
    step(&mut m, t0 + ms(10), &[]);
    step(&mut m, t0 + ms(510), &[]);
    step(&mut m, t0 + ms(1010), &[]);
    let _ = events(&mut m);
    let totals = m.totals();
    assert_eq!(
        (totals.sent, totals.replies, totals.timeouts, totals.errors),
        (3, 1, 2, 0)
    );
    assert_eq!(
        (totals.rtt.received, totals.rtt.min_ns, totals.rtt.max_ns),
        (1, 2_000_000, 2_000_000)
    );
}

/// A run of three targets over two rounds with one retry: A answers
/// (twice to its first probe), B's first probe draws an ICMP error, C's a
/// reply without its nonce and then its reply; then nothing answers.
/// Returns every event.
fn eventful_run(m: &mut MultiPing, t0: Instant) -> Vec<MultiEvent> {
    let a = sends(m, t0).remove(0);
    let b = sends(m, t0 + ms(10)).remove(0);
    let c = sends(m, t0 + ms(20)).remove(0);
    m.handle_input(t0 + ms(21), datagram(A, &reply_to(&a.1), t0 + ms(21)));
    m.handle_input(t0 + ms(22), datagram(A, &reply_to(&a.1), t0 + ms(22)));
    m.handle_input(t0 + ms(23), icmp_error(B, &b.1, t0 + ms(23)));
    let c_reply = reply_to(&c.1);
    m.handle_input(t0 + ms(24), datagram(C, &c_reply[..8], t0 + ms(24)));
    m.handle_input(t0 + ms(27), datagram(C, &c_reply, t0 + ms(27)));
    let mut all = events(m);
    for k in 3..300 {
        step(m, t0 + ms(10 * k), &[]);
        all.extend(events(m));
    }
    all
}

/// `event` as a lean run reports it: no tally.
fn without_tally(event: MultiEvent) -> MultiEvent {
    match event {
        MultiEvent::Reply(r) => MultiEvent::Reply(TargetReply {
            tally: Tally::default(),
            ..r
        }),
        MultiEvent::Timeout {
            target,
            number,
            will_retry,
            after_error,
            sent_at,
            ..
        } => MultiEvent::Timeout {
            target,
            number,
            will_retry,
            after_error,
            sent_at,
            tally: Tally::default(),
        },
        other => other,
    }
}

#[test]
fn a_lean_run_reports_the_same_events_totals_and_verdict_without_tallies_or_summaries() {
    let t0 = Instant::now();
    let mut c = config(&[A, B, C], 2);
    c.schedule.period = ms(200);
    c.schedule.retries = 1;
    let mut full = MultiPing::new(c.clone(), t0);
    let mut lean = MultiPing::lean(c, t0);
    assert!(lean.is_lean() && !full.is_lean());
    let full_events = eventful_run(&mut full, t0);
    let lean_events = eventful_run(&mut lean, t0);
    assert!(
        full_events
            .iter()
            .any(|e| matches!(e, MultiEvent::Summary { .. }))
    );
    let expected: Vec<_> = full_events
        .into_iter()
        .filter(|e| !matches!(e, MultiEvent::Summary { .. }))
        .map(without_tally)
        .collect();
    assert_eq!(lean_events, expected, "no summaries, tallies all zero");
    assert_eq!(lean.totals(), full.totals());
    let totals = lean.totals();
    assert_eq!(
        (totals.sent, totals.replies, totals.timeouts, totals.errors),
        (10, 3, 8, 1)
    );
    assert_eq!(
        (totals.rtt.received, totals.rtt.min_ns, totals.rtt.max_ns),
        (2, 7_000_000, 21_000_000)
    );
    assert_eq!(
        (lean.unverified(2), lean.unverified(0), lean.unverified(9)),
        (1, 0, 0)
    );
    assert_eq!(
        (lean.verdict(), full.verdict()),
        (Verdict::Unanswered, Verdict::Unanswered)
    );
    assert_eq!(lean.poll_timeout(t0 + ms(3000)), None, "ended");
}

#[test]
fn a_lean_run_that_every_target_answers_is_answered() {
    let t0 = Instant::now();
    let mut m = MultiPing::lean(config(&[A, C], 1), t0);
    step(&mut m, t0, &[A]);
    step(&mut m, t0 + ms(10), &[C]);
    assert_eq!(m.verdict(), Verdict::Answered);
    assert_eq!(m.rtts(0), [], "a lean run keeps no RTT list");
}

#[test]
fn a_lean_run_still_raises_statuses_and_keeps_no_split() {
    let t0 = Instant::now();
    let mut c = config(&[A], u64::MAX);
    c.keep_rtts = true;
    let mut m = MultiPing::lean(c, t0);
    step(&mut m, t0, &[A]);
    m.handle_signal(t0 + ms(5), Signal::Status);
    assert!(events(&mut m).contains(&MultiEvent::Status));
    assert_eq!(m.rtts(0), [], "keep_rtts is ignored");
}

#[test]
#[should_panic(expected = "a lean run (MultiPing::lean) keeps no statistics per target")]
fn a_lean_runs_statistics_panic_rather_than_lie() {
    let _ = MultiPing::lean(config(&[A], 1), Instant::now()).statistics(0);
}

#[test]
#[should_panic(expected = "a lean run (MultiPing::lean) keeps no tally per target")]
fn a_lean_runs_tally_panics_rather_than_lie() {
    let _ = MultiPing::lean(config(&[A], 1), Instant::now()).tally(0);
}

#[test]
#[should_panic(expected = "a lean run (MultiPing::lean) keeps no split per target")]
fn a_lean_runs_split_panics_rather_than_lie() {
    let _ = MultiPing::lean(config(&[A], 1), Instant::now()).split(0);
}

#[test]
fn the_first_target_of_a_repeated_address_is_the_one_matched_by_address() {
    let t0 = Instant::now();
    let mut short = config(&[B, A, C, A], 1);
    short.payload_len = 4;
    let mut m = MultiPing::lean(short, t0);
    let to_b = sends(&mut m, t0).remove(0);
    let to_a = sends(&mut m, t0 + ms(10)).remove(0);
    assert_eq!(
        (m.target_of(A), m.target_of(B), m.target_of(C)),
        (Some(1), Some(0), Some(2))
    );
    assert_eq!(m.target_of(ROUTER), None);
    m.handle_input(t0 + ms(11), datagram(A, &reply_to(&to_a.1), t0 + ms(11)));
    m.handle_input(t0 + ms(12), datagram(B, &reply_to(&to_b.1), t0 + ms(12)));
    let targets: Vec<_> = events(&mut m)
        .into_iter()
        .filter_map(|e| match e {
            MultiEvent::Reply(r) => Some((r.target, r.rtt)),
            _ => None,
        })
        .collect();
    assert_eq!(targets, [(1, ms(1)), (0, ms(12))]);
}
