//! [`Ping`] driven by hand with made-up time.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use icmpkit_wire::{IpVersion, icmpv4};

use super::*;
use crate::machine::{Datagram, SocketError};

const IDENT: u16 = 0x1234;
const NONCE: u64 = 0x0011_2233_4455_6677;
const TARGET: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const ROUTER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
const EMSGSIZE: i32 = 90;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config() -> PingConfig {
    PingConfig::new(IpVersion::V4, IDENT, NONCE)
}

/// A machine and the probes it sent, by number (from 1).
struct Bench {
    ping: Ping,
    t0: Instant,
    sent: Vec<Vec<u8>>,
}

impl Bench {
    fn new(config: PingConfig, options: PingOptions) -> Self {
        let t0 = Instant::now();
        Self {
            ping: Ping::new(config, TARGET, options, t0),
            t0,
            sent: Vec::new(),
        }
    }

    fn at(&self, millis: u64) -> Instant {
        self.t0 + ms(millis)
    }

    /// One driver step at `millis`: time, sends, events.
    fn step(&mut self, millis: u64) -> Vec<PingEvent> {
        let now = self.at(millis);
        self.ping.handle_timeout(now);
        let mut buf = Vec::new();
        while let Some(t) = self.ping.poll_transmit(now, &mut buf) {
            assert_eq!(
                (t.channel, t.dst, t.hop_limit),
                (Channel::Icmp, TARGET, None)
            );
            assert_eq!(t.tag, self.sent.len() as u64 + 1);
            self.sent.push(buf.clone());
        }
        self.events()
    }

    fn events(&mut self) -> Vec<PingEvent> {
        std::iter::from_fn(|| self.ping.poll_event()).collect()
    }

    /// The Echo Reply a peer sends back for probe `number`.
    fn reply_bytes(&self, number: usize) -> Vec<u8> {
        let request = &self.sent[number - 1];
        let (ident, seq_no, data) = echo_fields(IpVersion::V4, request, EchoKind::Request).unwrap();
        let repr = icmpv4::Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        let mut out = vec![0; repr.buffer_len()];
        repr.emit(&mut icmpv4::Packet::new_unchecked(&mut out[..]));
        out
    }

    /// Probe `number`'s reply read at `read` ms, the kernel's time `kernel`.
    fn reply(&mut self, number: usize, read: u64, kernel: Option<u64>) -> Vec<PingEvent> {
        let bytes = self.reply_bytes(number);
        self.datagram(&bytes, read, kernel)
    }

    fn datagram(&mut self, bytes: &[u8], read: u64, kernel: Option<u64>) -> Vec<PingEvent> {
        self.datagram_with_options(bytes, &[], read, kernel)
    }

    fn datagram_with_options(
        &mut self,
        bytes: &[u8],
        ip_options: &[u8],
        read: u64,
        kernel: Option<u64>,
    ) -> Vec<PingEvent> {
        let d = Datagram {
            channel: Channel::Icmp,
            from: TARGET,
            hop_limit: Some(64),
            read_at: self.at(read),
            kernel_at: kernel.map(|k| self.at(k)),
            bytes,
            ip_options,
        };
        self.ping.handle_input(self.at(read), Input::Datagram(d));
        self.events()
    }

    /// An ICMP error from [`ROUTER`] about probe `number`, read at `read`.
    fn icmp_error(&mut self, number: usize, icmp_type: u8, code: u8, read: u64) -> Vec<PingEvent> {
        let original = self.sent[number - 1].clone();
        let e = SocketError {
            channel: Channel::Icmp,
            source: ErrorSource::Icmp,
            errno: 113,
            icmp_type,
            icmp_code: code,
            info: 0,
            offender: Some(ROUTER),
            dst: Some(TARGET),
            port: None,
            hop_limit: None,
            read_at: self.at(read),
            kernel_at: None,
            original: &original,
        };
        self.ping.handle_input(self.at(read), Input::SocketError(e));
        self.events()
    }

    fn local_error(&mut self, errno: i32, info: u32, read: u64) {
        let original = self.sent.last().cloned().unwrap_or_default();
        let e = SocketError {
            channel: Channel::Icmp,
            source: ErrorSource::Local,
            errno,
            icmp_type: 0,
            icmp_code: 0,
            info,
            offender: None,
            dst: Some(TARGET),
            port: None,
            hop_limit: None,
            read_at: self.at(read),
            kernel_at: None,
            original: &original,
        };
        self.ping.handle_input(self.at(read), Input::SocketError(e));
    }

    fn timeout(&self, millis: u64) -> Option<Duration> {
        self.ping
            .poll_timeout(self.at(millis))
            .map(|t| t.duration_since(self.t0))
    }
}

fn sent(number: u64) -> PingEvent {
    PingEvent::Sent(SentProbe {
        seq: u16::try_from(number).unwrap(),
        number,
        len: 64,
    })
}

fn reply_event(number: u64, rtt: Duration, duplicate: bool) -> PingEvent {
    PingEvent::Reply(ReplyEvent {
        seq: u16::try_from(number).unwrap(),
        number,
        from: TARGET,
        rtt,
        rtt_known: true,
        ttl: Some(64),
        bytes: 64,
        duplicate,
        late: false,
        truncated: false,
        wrong_byte: None,
        ip_options: icmpkit_wire::ipv4::option::OptionArea::default(),
    })
}

fn end_of(events: &[PingEvent]) -> &PingSummary {
    match events.last() {
        Some(PingEvent::End(summary)) => summary,
        other => panic!("no End last: {other:?}"),
    }
}

#[test]
fn a_reply_is_timed_by_the_kernel_clock() {
    let mut b = Bench::new(config(), PingOptions::default());
    assert_eq!(b.step(0), [sent(1)]);
    assert_eq!(b.sent[0].len(), 64);
    assert_eq!(
        b.sent[0][..8],
        [8, 0, b.sent[0][2], b.sent[0][3], 0x12, 0x34, 0, 1]
    );
    assert_eq!(b.reply(1, 5, Some(3)), [reply_event(1, ms(3), false)]);
    assert_eq!(b.timeout(5), Some(ms(1000)));
    assert_eq!(b.step(1000), [sent(2)]);
}

#[test]
fn a_reply_carries_the_ip_options_it_came_with() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    let bytes = b.reply_bytes(1);
    let options = [7, 11, 12, 192, 0, 2, 254, 198, 51, 100, 2, 0];
    let events = b.datagram_with_options(&bytes, &options, 5, Some(3));
    let [PingEvent::Reply(reply)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(reply.ip_options.as_bytes(), &options);
}

/// A Node Information response answering `query` (its nonce copied).
fn node_info_response(query: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = query[..16].to_vec();
    out[0] = 140;
    out[1] = 0;
    out.extend_from_slice(data);
    out
}

#[test]
fn node_info_queries_are_sent_and_their_responses_counted_by_nonce() {
    let mut config = PingConfig::new(IpVersion::V6, IDENT, NONCE);
    config.payload_len = 0;
    config.count = Some(2);
    config.node_info = Some(crate::ping::NodeInfoQuery {
        qtype: icmpkit_wire::icmpv6::node_info::QTYPE_NODE_NAME,
        flags: 0,
        subject_code: icmpkit_wire::icmpv6::node_info::SUBJECT_IPV6,
        subject: vec![0; 16],
    });
    let mut b = Bench::new(config, PingOptions::default());
    b.step(0);
    let query = b.sent[0].clone();
    assert_eq!((query[0], query.len()), (139, 32));
    let response = node_info_response(&query, b"\0\0\0\0\x04host\0\0");
    let events = b.datagram(&response, 5, None);
    let [PingEvent::NodeInfo(answer)] = &events[..] else {
        panic!("{events:?}")
    };
    let (reply, bytes) = &**answer;
    assert_eq!((reply.seq, reply.bytes, reply.duplicate), (1, 27, false));
    assert!(!reply.rtt_known);
    assert_eq!(bytes, &response);
    // Another run's nonce is not ours; the same response again a duplicate.
    let mut stranger = response.clone();
    stranger[10] ^= 1;
    assert_eq!(b.datagram(&stranger, 6, None), []);
    let again = b.datagram(&response, 7, None);
    assert!(matches!(&again[..], [PingEvent::NodeInfo(answer)] if answer.0.duplicate));
}

#[test]
fn every_probe_carries_the_hop_limit_asked_for() {
    let options = PingOptions {
        hop_limit: Some(3),
        ..PingOptions::default()
    };
    let mut b = Bench::new(config(), options);
    let mut buf = Vec::new();
    let t = b.ping.poll_transmit(b.at(0), &mut buf).unwrap();
    assert_eq!(t.hop_limit, Some(3));
}

#[test]
fn with_user_latency_a_reply_is_timed_when_read() {
    let options = PingOptions {
        user_latency: true,
        ..PingOptions::default()
    };
    let mut b = Bench::new(config(), options);
    b.step(0);
    assert_eq!(b.reply(1, 5, Some(3)), [reply_event(1, ms(5), false)]);
}

#[test]
fn a_second_reply_is_a_duplicate() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    b.reply(1, 2, None);
    assert_eq!(b.reply(1, 4, None), [reply_event(1, ms(4), true)]);
    let s = b.ping.session().statistics();
    assert_eq!((s.received, s.duplicates), (1, 1));
}

#[test]
fn an_icmp_error_quoting_a_probe_is_an_error_event() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    let events = b.icmp_error(1, 11, 0, 7);
    assert_eq!(
        events,
        [PingEvent::Error(ErrorEvent {
            seq: 1,
            number: 1,
            from: ROUTER,
            kind: super::super::ErrorKind::TimeExceededV4(
                icmpv4::TimeExceeded::TtlExceededInTransit
            ),
            icmp_type: 11,
            icmp_code: 0,
            info: 0,
            counted: true,
        })]
    );
    assert_eq!(b.ping.session().statistics().errors, 1);
}

/// An ICMPv4 message of `repr` as bytes.
fn emitted(repr: &icmpv4::Repr<'_>) -> Vec<u8> {
    let mut out = vec![0; repr.buffer_len()];
    repr.emit(&mut icmpv4::Packet::new_unchecked(&mut out[..]));
    out
}

/// Probe `number` as a router quotes it: an IPv4 header to `dst`, then
/// the Echo Request.
fn quoted(b: &Bench, number: usize, dst: Ipv4Addr) -> Vec<u8> {
    let request = &b.sent[number - 1];
    let total = u16::try_from(20 + request.len()).unwrap();
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 63, 1, 0, 0, 192, 0, 2, 2];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&dst.octets());
    ip.extend_from_slice(request);
    ip
}

#[test]
fn a_redirect_read_as_a_datagram_is_reported_and_not_counted() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    let IpAddr::V4(target) = TARGET else {
        unreachable!("the bench target is IPv4")
    };
    let gateway = Ipv4Addr::new(192, 0, 2, 3);
    let original = quoted(&b, 1, target);
    let redirect = emitted(&icmpv4::Repr::Redirect {
        code: icmpv4::Redirect::ForHost,
        gateway,
        original: &original,
    });
    let events = b.datagram(&redirect, 1, None);
    let [PingEvent::Error(e)] = events.as_slice() else {
        panic!("one error event, not {events:?}")
    };
    assert_eq!((e.seq, e.number, e.counted), (1, 1, false));
    assert_eq!((e.icmp_type, e.icmp_code), (5, 1));
    assert_eq!(e.info, u32::from(gateway));
    assert_eq!(b.ping.session().statistics().errors, 0);
    // The reply still answers the probe.
    assert_eq!(b.reply(1, 2, None), [reply_event(1, ms(2), false)]);
    // A Redirect quoting a probe to another address is not ours.
    let elsewhere = quoted(&b, 1, Ipv4Addr::new(203, 0, 113, 9));
    let other = emitted(&icmpv4::Repr::Redirect {
        code: icmpv4::Redirect::ForHost,
        gateway,
        original: &elsewhere,
    });
    assert_eq!(b.datagram(&other, 3, None), []);
    assert_eq!(b.ping.ignored(), 1);
}

#[test]
fn a_local_error_is_reported_and_counted() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    b.local_error(EMSGSIZE, 1400, 0);
    assert_eq!(
        b.events(),
        [PingEvent::LocalError {
            errno: EMSGSIZE,
            info: 1400
        }]
    );
    assert_eq!(b.ping.session().statistics().errors, 1);
}

#[test]
fn input_that_is_not_ours_is_counted_and_ignored() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    assert_eq!(b.datagram(&[0, 0, 1], 1, None), []);
    let mut foreign = b.reply_bytes(1);
    foreign[4] ^= 1; // another identifier (checksum no longer right)
    assert_eq!(b.datagram(&foreign, 1, None), []);
    let request = b.sent[0].clone();
    assert_eq!(b.datagram(&request, 1, None), []);
    assert_eq!(b.ping.ignored(), 3);
}

#[test]
fn an_unanswered_count_ends_after_the_linger() {
    let mut c = config();
    c.count = Some(1);
    let mut b = Bench::new(c, PingOptions::default());
    assert_eq!(b.step(0), [sent(1)]);
    assert_eq!(b.timeout(0), Some(ms(10_000)));
    assert_eq!(b.step(9_999), []);
    let events = b.step(10_000);
    assert_eq!(events.len(), 1);
    let end = end_of(&events);
    assert_eq!(end.verdict, Verdict::Unanswered);
    assert_eq!(
        (end.statistics.transmitted, end.statistics.received),
        (1, 0)
    );
    assert_eq!((end.time_ms, end.ipg_us), (0, None));
    assert_eq!(b.timeout(10_000), None);
    assert_eq!(b.ping.verdict(), Verdict::Unanswered);
}

#[test]
fn an_answered_count_ends_at_the_last_reply_and_reads_no_more() {
    let mut c = config();
    c.count = Some(2);
    let mut b = Bench::new(c, PingOptions::default());
    b.step(0);
    b.reply(1, 10, None);
    assert_eq!(b.step(1000), [sent(2)]);
    assert_eq!(b.reply(2, 1020, None), [reply_event(2, ms(20), false)]);
    // Finished: a duplicate still queued is not read.
    assert_eq!(b.reply(2, 1021, None), []);
    assert_eq!(b.timeout(1021), Some(ms(1021)));
    let events = b.step(1021);
    let end = end_of(&events);
    assert_eq!(end.verdict, Verdict::Answered);
    assert_eq!(
        (
            end.statistics.transmitted,
            end.statistics.received,
            end.statistics.duplicates
        ),
        (2, 2, 0)
    );
    assert_eq!(end.time_ms, 1000);
    assert_eq!(b.timeout(1021), None);
}

#[test]
fn a_lost_last_probe_waits_twice_the_longest_rtt_or_the_interval() {
    let mut c = config();
    c.count = Some(2);
    let mut b = Bench::new(c, PingOptions::default());
    b.step(0);
    b.reply(1, 10, None);
    b.step(1000);
    // max(2 * 10 ms, 1 s) after the last send.
    assert_eq!(b.timeout(1000), Some(ms(2000)));
    let events = b.step(2000);
    let end = end_of(&events);
    assert_eq!(end.verdict, Verdict::Answered);
    assert_eq!(end.statistics.loss_text().as_deref(), Some("50%"));
}

#[test]
fn a_deadline_ends_the_run_and_its_count_decides_the_verdict() {
    let mut c = config();
    c.deadline = Some(Duration::from_secs(3));
    c.count = Some(5);
    let mut b = Bench::new(c, PingOptions::default());
    for (i, t) in [0, 1000, 2000].into_iter().enumerate() {
        assert_eq!(b.step(t), [sent(i as u64 + 1)]);
        b.reply(i + 1, t + 1, None);
    }
    assert_eq!(b.timeout(2001), Some(ms(3000)));
    let events = b.step(3000);
    assert_eq!(events.len(), 1);
    // -w with -c 5 and 3 replies: iputils exits 1.
    assert_eq!(end_of(&events).verdict, Verdict::Unanswered);
}

#[test]
fn a_deadline_without_count_is_answered_by_any_reply() {
    let mut c = config();
    c.deadline = Some(Duration::from_secs(2));
    let mut b = Bench::new(c, PingOptions::default());
    b.step(0);
    b.reply(1, 1, None);
    b.step(1000);
    assert_eq!(end_of(&b.step(2000)).verdict, Verdict::Answered);
}

#[test]
fn a_deadline_run_ends_at_the_first_error() {
    let mut c = config();
    c.deadline = Some(Duration::from_secs(10));
    let mut b = Bench::new(c, PingOptions::default());
    b.step(0);
    b.icmp_error(1, 3, 1, 5);
    assert_eq!(b.timeout(5), Some(ms(5)));
    let events = b.step(5);
    let end = end_of(&events);
    assert_eq!(
        (end.statistics.errors, end.verdict),
        (1, Verdict::Unanswered)
    );
}

#[test]
fn stop_ends_the_run_with_the_summary_and_nothing_more_goes() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    b.reply(1, 1, None);
    b.ping.handle_signal(b.at(500), Signal::Stop);
    let events = b.events();
    assert_eq!(end_of(&events).verdict, Verdict::Answered);
    assert_eq!(events.len(), 1);
    assert_eq!(b.timeout(500), None);
    assert_eq!(b.step(1000), []);
    assert_eq!(b.reply(1, 1001, None), []);
    b.ping.handle_signal(b.at(1001), Signal::Stop);
    assert_eq!(b.events(), []);
}

#[test]
fn status_reports_the_running_statistics_and_goes_on() {
    let mut b = Bench::new(config(), PingOptions::default());
    b.step(0);
    b.reply(1, 1, None);
    b.ping.handle_signal(b.at(2), Signal::Status);
    let events = b.events();
    let [PingEvent::Status(stats)] = &events[..] else {
        panic!("{events:?}");
    };
    assert_eq!((stats.transmitted, stats.received), (1, 1));
    assert_eq!(b.step(1000), [sent(2)]);
}

#[test]
fn report_outstanding_names_the_unanswered_probe_before_the_next() {
    let options = PingOptions {
        report_outstanding: true,
        ..PingOptions::default()
    };
    let mut b = Bench::new(config(), options);
    assert_eq!(b.step(0), [sent(1)]);
    assert_eq!(b.step(1000), [PingEvent::NoAnswerYet { seq: 1 }, sent(2)]);
    b.reply(2, 1001, None);
    assert_eq!(b.step(2000), [sent(3)]);
    b.icmp_error(3, 11, 0, 2001);
    assert_eq!(b.step(3000), [sent(4)]);
}

#[test]
fn a_refused_send_takes_its_sent_back_and_reports_only_if_unexplained() {
    let mut b = Bench::new(config(), PingOptions::default());
    let now = b.at(0);
    let mut buf = Vec::new();
    let t = b.ping.poll_transmit(now, &mut buf).unwrap();
    b.ping.handle_send_failure(
        now,
        SendFailure {
            tag: t.tag,
            dst: TARGET,
            errno: 101,
            explained: false,
        },
    );
    assert_eq!(b.events(), [PingEvent::SendFailed { seq: 1, errno: 101 }]);
    let now = b.at(1000);
    let t = b.ping.poll_transmit(now, &mut buf).unwrap();
    b.local_error(EMSGSIZE, 1280, 1000);
    b.ping.handle_send_failure(
        now,
        SendFailure {
            tag: t.tag,
            dst: TARGET,
            errno: EMSGSIZE,
            explained: true,
        },
    );
    assert_eq!(
        b.events(),
        [PingEvent::LocalError {
            errno: EMSGSIZE,
            info: 1280
        }]
    );
    // Both still count as transmitted, as in iputils.
    assert_eq!(b.ping.session().statistics().transmitted, 2);
}

#[test]
fn a_reply_without_the_nonce_is_an_unverified_event_and_only_the_summary_counts_it() {
    let mut c = config();
    c.count = Some(1);
    let mut b = Bench::new(c, PingOptions::default());
    assert_eq!(b.step(0), [sent(1)]);
    // The probe's header echoed without its data.
    let short = b.reply_bytes(1)[..8].to_vec();
    assert_eq!(
        b.datagram(&short, 1, None),
        [PingEvent::Unverified(UnverifiedReply {
            seq: 1,
            number: 1,
            from: TARGET,
            ttl: Some(64),
            bytes: 8,
        })]
    );
    // Not an answer: the run still waits, then ends unanswered.
    assert_eq!(b.timeout(1), Some(ms(10_000)));
    let events = b.step(10_000);
    let end = end_of(&events);
    assert_eq!((end.statistics.received, end.unverified), (0, 1));
    assert_eq!(end.verdict, Verdict::Unanswered);
    assert_eq!(b.ping.ignored(), 0);
}

fn timed_out(seq: u16) -> PingEvent {
    PingEvent::Timeout { seq }
}

#[test]
fn with_timeouts_every_unanswered_probe_times_out_once_the_last_at_the_end() {
    let mut c = config();
    c.count = Some(4);
    c.linger = ms(1500);
    let mut b = Bench::new(c, PingOptions::default());
    b.ping = b.ping.with_timeouts();
    assert_eq!(b.step(0), [sent(1)]);
    // Probe 1's wait ends 1.5 s after its send, before probe 3 goes.
    assert_eq!(b.step(1000), [sent(2)]);
    b.reply(2, 1010, None);
    assert_eq!(b.timeout(1010), Some(ms(1500)));
    assert_eq!(b.step(1500), [timed_out(1)]);
    assert_eq!(b.step(2000), [sent(3)]);
    // An error about probe 3 is its answer: no timeout for it.
    assert_eq!(b.icmp_error(3, 3, 1, 2100).len(), 1);
    assert_eq!(b.step(3000), [sent(4)]);
    // The run ends (twice the longest RTT or the interval after the last
    // send) before probe 4's wait: it times out with the end.
    let events = b.step(4000);
    assert_eq!(events[0], timed_out(4));
    let end = end_of(&events);
    assert_eq!(
        (
            end.statistics.transmitted,
            end.statistics.received,
            end.statistics.errors
        ),
        (4, 1, 1)
    );
}

#[test]
fn with_timeouts_an_error_after_the_timeout_is_counted_not_reported() {
    let mut c = config();
    c.linger = ms(500);
    let mut b = Bench::new(c, PingOptions::default());
    b.ping = b.ping.with_timeouts();
    assert_eq!(b.step(0), [sent(1)]);
    assert_eq!(b.step(500), [timed_out(1)]);
    // Host Unreachable after the neighbour lookup gave up: too late.
    assert_eq!(b.icmp_error(1, 3, 1, 900), []);
    assert_eq!(b.ping.session().statistics().errors, 1);
    // A late reply still counts and is reported, flagged late.
    assert_eq!(b.step(1000), [sent(2)]);
    let late = b.reply(2, 1600, None);
    assert!(
        matches!(&late[..], [PingEvent::Reply(r)] if r.late),
        "{late:?}"
    );
}

#[test]
fn without_timeouts_there_are_none() {
    let mut c = config();
    c.count = Some(1);
    let mut b = Bench::new(c, PingOptions::default());
    b.step(0);
    let events = b.step(10_000);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, PingEvent::Timeout { .. }))
    );
}
