use super::*;

use std::net::Ipv4Addr;
use std::time::Duration;

use icmpkit_wire::IpVersion;
use icmpkit_wire::checksum;
use icmpkit_wire::ip::protocol;
use icmpkit_wire::tcp;

use crate::machine::{Datagram, SocketError};
use crate::trace::testing::{ip_datagram, v4};
use crate::trace::{
    Confidence, MdaConfig, PmtuConfig, PmtuEvent, PmtuStep, ProbeState, ProberConfig, TraceConfig,
    Wait,
};

const SRC: u8 = 1;
const KEY: u16 = 0x4b1d;
const BASE_PORT: u16 = 33_000;
const LINUX_ENETUNREACH: i32 = 101;

fn dst() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9))
}

/// Router `n` of the made-up path: `192.0.2.(100 + n)`.
fn router(n: u8) -> IpAddr {
    v4(100 + n)
}

fn prober(method: Method, ip_len: usize) -> Prober {
    Prober::new(&ProberConfig {
        method,
        src: v4(SRC),
        dst: dst(),
        paris: true,
        key: KEY,
        src_port_base: BASE_PORT,
        dst_port: if method == Method::Tcp { 80 } else { 33_434 },
        transport_len: ip_len - 20,
    })
    .unwrap()
}

/// An ICMPv4 message with a valid checksum.
fn icmpv4(msg_type: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type, code, 0, 0];
    out.extend_from_slice(&rest);
    out.extend_from_slice(body);
    let sum = checksum::checksum(&out);
    out[2..4].copy_from_slice(&sum.to_be_bytes());
    out
}

/// A made-up IPv4 path: routers hop by hop (a hop with several routers
/// balances on the probe's source port), then the destination.
#[derive(Default)]
struct Net {
    hops: Vec<Vec<IpAddr>>,
    /// The destination does not answer.
    silent_dst: bool,
    /// The outgoing link's MTU.
    local_mtu: Option<usize>,
    /// The MTU of the link into hop `.0` (1-based).
    narrow: Option<(u8, usize)>,
    /// Every send fails with this errno.
    refuse: Option<i32>,
    /// The hop whose Time Exceeded claims an RFC 4884 length of 255 words,
    /// past the end of the message.
    overrun: Option<u8>,
}

/// What the network does with a probe.
enum Fate {
    /// An answer on `channel` from `from` after `delay`.
    Answer {
        channel: Channel,
        from: IpAddr,
        delay: Duration,
        bytes: Vec<u8>,
    },
    /// Too big for the outgoing link.
    TooBigHere(usize),
    /// Refused with an errno.
    Refused(i32),
    /// Lost.
    Silence,
}

impl Net {
    fn path(hops: &[&[u8]]) -> Self {
        Self {
            hops: hops
                .iter()
                .map(|h| h.iter().map(|&n| router(n)).collect())
                .collect(),
            ..Self::default()
        }
    }

    fn fate(&self, t: &Transmit, probe: &[u8]) -> Fate {
        if let Some(errno) = self.refuse {
            return Fate::Refused(errno);
        }
        let size = probe.len() + 20;
        if let Some(mtu) = self.local_mtu.filter(|&m| size > m) {
            return Fate::TooBigHere(mtu);
        }
        let ttl = t.hop_limit.unwrap();
        let proto = match t.channel {
            Channel::Icmp => protocol::ICMP,
            Channel::Udp => protocol::UDP,
            Channel::Tcp => protocol::TCP,
        };
        let sport = u16::from_be_bytes([probe[0], probe[1]]);
        let at_hop = |hop: u8| {
            let routers = &self.hops[usize::from(hop - 1)];
            routers[usize::from(sport) % routers.len()]
        };
        let quote = |at: u8| ip_datagram(v4(SRC), dst(), proto, ttl - at + 1, probe);
        let ms = |hop: u8| Duration::from_millis(u64::from(hop));
        let dst_hop = u8::try_from(self.hops.len()).unwrap() + 1;
        if let Some((into, mtu)) = self.narrow
            && ttl >= into
            && size > mtu
        {
            let before = into - 1;
            let [hi, lo] = u16::try_from(mtu).unwrap().to_be_bytes();
            return Fate::Answer {
                channel: Channel::Icmp,
                from: at_hop(before),
                delay: ms(before),
                bytes: icmpv4(3, 4, [0, 0, hi, lo], &quote(before)),
            };
        }
        if ttl < dst_hop {
            let length = if self.overrun == Some(ttl) { 255 } else { 0 };
            return Fate::Answer {
                channel: Channel::Icmp,
                from: at_hop(ttl),
                delay: ms(ttl),
                bytes: icmpv4(11, 0, [0, length, 0, 0], &quote(ttl)),
            };
        }
        if self.silent_dst {
            return Fate::Silence;
        }
        let (channel, bytes) = match t.channel {
            Channel::Udp => (Channel::Icmp, icmpv4(3, 3, [0; 4], &quote(dst_hop))),
            Channel::Icmp => {
                let mut reply = probe.to_vec();
                reply[0] = 0;
                reply[2..4].fill(0);
                let sum = checksum::checksum(&reply);
                reply[2..4].copy_from_slice(&sum.to_be_bytes());
                (Channel::Icmp, reply)
            }
            Channel::Tcp => {
                let seq = u32::from_be_bytes([probe[4], probe[5], probe[6], probe[7]]);
                let mut buf = vec![0u8; 20];
                let mut segment = tcp::Packet::new_unchecked(&mut buf[..]);
                segment.set_src_port(u16::from_be_bytes([probe[2], probe[3]]));
                segment.set_dst_port(sport);
                segment.set_seq_number(0xdead_beef);
                segment.set_ack_number(seq.wrapping_add(1));
                segment.set_header_len(20);
                segment.set_flags(tcp::flags::SYN | tcp::flags::ACK);
                segment.set_window_len(65_535);
                (Channel::Tcp, buf)
            }
        };
        Fate::Answer {
            channel,
            from: dst(),
            delay: ms(dst_hop),
            bytes,
        }
    }
}

type Event<S> = TracerEvent<<S as Strategy>::Progress, <S as Strategy>::Summary>;

/// The local "message too long" the kernel queues for a datagram to
/// `dst` bigger than the link's `mtu`, read at `read_at`.
fn local_too_big(
    channel: Channel,
    mtu: u32,
    dst: IpAddr,
    read_at: Instant,
    original: &[u8],
) -> SocketError<'_> {
    SocketError {
        channel,
        source: ErrorSource::Local,
        errno: EMSGSIZE,
        icmp_type: 0,
        icmp_code: 0,
        info: mtu,
        offender: None,
        dst: Some(dst),
        port: None,
        hop_limit: None,
        read_at,
        kernel_at: None,
        original,
    }
}

/// Runs `tracer` over `net` on made-up time from `t0`, as the driver
/// would, and returns every event.
fn run<S: Strategy>(tracer: &mut Tracer<S>, net: &Net, t0: Instant) -> Vec<Event<S>> {
    let mut now = t0;
    let mut buf = Vec::new();
    let mut pending: Vec<(Instant, Channel, IpAddr, Vec<u8>)> = Vec::new();
    let mut events = Vec::new();
    for _ in 0..100_000 {
        tracer.handle_timeout(now);
        while let Some(t) = tracer.poll_transmit(now, &mut buf) {
            let failure = |errno, explained| SendFailure {
                tag: t.tag,
                dst: t.dst,
                errno,
                explained,
            };
            match net.fate(&t, &buf) {
                Fate::Answer {
                    channel,
                    from,
                    delay,
                    bytes,
                } => pending.push((now + delay, channel, from, bytes)),
                Fate::TooBigHere(mtu) => {
                    let mtu = u32::try_from(mtu).unwrap();
                    let error = local_too_big(t.channel, mtu, t.dst, now, &[]);
                    tracer.handle_input(now, Input::SocketError(error));
                    tracer.handle_send_failure(now, failure(EMSGSIZE, true));
                }
                Fate::Refused(errno) => tracer.handle_send_failure(now, failure(errno, false)),
                Fate::Silence => {}
            }
        }
        while let Some(event) = tracer.poll_event() {
            events.push(event);
        }
        let Some(wake) = tracer.poll_timeout(now) else {
            return events;
        };
        let first = pending.iter().map(|p| p.0).min();
        now = first.map_or(wake, |f| f.min(wake)).max(now);
        let (due, later) = pending.into_iter().partition(|p| p.0 <= now);
        pending = later;
        for (at, channel, from, bytes) in due {
            let datagram = Datagram {
                channel,
                from,
                hop_limit: Some(64),
                read_at: at,
                kernel_at: None,
                bytes: &bytes,
                ip_options: &[],
            };
            tracer.handle_input(now, Input::Datagram(datagram));
        }
    }
    panic!("the run did not end: {} events", events.len());
}

fn answer(from: IpAddr, rtt_ms: u64, outcome: Outcome, quoted_ttl: Option<u8>) -> Answer {
    Answer {
        from,
        rtt: Duration::from_millis(rtt_ms),
        outcome,
        reply_ttl: Some(64),
        quoted_ttl,
        rewrites: Rewrites::default(),
        extensions: Vec::new(),
    }
}

/// A hop of one answered probe.
fn hop(ttl: u8, answer: Answer) -> TracerEvent<Hop, TraceSummary> {
    TracerEvent::Progress(Hop {
        ttl,
        probes: vec![ProbeState::Answered(answer)],
        possibly_rate_limited: false,
    })
}

fn port_unreachable() -> Outcome {
    Outcome::Reached
}

fn classic(max_ttl: u8) -> Trace {
    Trace::new(TraceConfig {
        max_ttl,
        probes_per_hop: 1,
        wait: Wait {
            max: Duration::from_secs(1),
            ..Wait::default()
        },
        ..TraceConfig::default()
    })
}

#[test]
fn a_classic_udp_trace_reports_each_hop_then_the_summary() {
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(5));
    let events = run(&mut tracer, &Net::path(&[&[1], &[2]]), Instant::now());
    let hop_ = |n: u8| answer(router(n), u64::from(n), Outcome::Hop, Some(1));
    assert_eq!(
        events,
        vec![
            hop(1, hop_(1)),
            hop(2, hop_(2)),
            hop(3, answer(dst(), 3, port_unreachable(), Some(1))),
            TracerEvent::Finished(TraceEnd {
                summary: TraceSummary {
                    // Hops 4 and 5 were sent at once and answered by the
                    // destination too: late, past the end of the path.
                    counters: Counters {
                        sent: 5,
                        answered: 3,
                        duplicates: 0,
                        late: 2,
                    },
                    final_ttl: Some(3),
                    hops: 3,
                },
                reached: true,
                ignored: 0,
                stopped: false,
            }),
        ]
    );
    assert_eq!(tracer.verdict(), Verdict::Answered);
    assert_eq!(tracer.poll_timeout(Instant::now()), None);
}

/// A Time Exceeded whose RFC 4884 length runs past the end is still the
/// hop's answer (as ping reports it), not a `*`.
#[test]
fn a_time_exceeded_with_an_rfc_4884_length_past_the_end_is_the_hop() {
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(3));
    let net = Net {
        overrun: Some(1),
        ..Net::path(&[&[1]])
    };
    let events = run(&mut tracer, &net, Instant::now());
    assert_eq!(
        events[..2],
        [
            hop(1, answer(router(1), 1, Outcome::Hop, Some(1))),
            hop(2, answer(dst(), 2, port_unreachable(), Some(1))),
        ]
    );
    assert!(
        matches!(&events[2], TracerEvent::Finished(end) if end.reached && end.ignored == 0),
        "{events:?}"
    );
}

#[test]
fn icmp_and_tcp_traces_match_echo_replies_and_syn_acks() {
    for method in [Method::Icmp, Method::Tcp] {
        let mut tracer = Tracer::new(prober(method, 60), classic(2));
        let events = run(&mut tracer, &Net::path(&[&[1]]), Instant::now());
        assert_eq!(
            events[..2],
            [
                hop(1, answer(router(1), 1, Outcome::Hop, Some(1))),
                hop(2, answer(dst(), 2, Outcome::Reached, None)),
            ],
            "{method}"
        );
        assert!(
            matches!(&events[2], TracerEvent::Finished(end) if end.reached),
            "{method}: {events:?}"
        );
        assert_eq!(tracer.verdict(), Verdict::Answered, "{method}");
    }
}

#[test]
fn a_trace_that_never_reaches_the_destination_is_unanswered() {
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(3));
    let net = Net {
        silent_dst: true,
        ..Net::path(&[&[1], &[2]])
    };
    let events = run(&mut tracer, &net, Instant::now());
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(
        events[2],
        TracerEvent::Progress(Hop {
            ttl: 3,
            probes: vec![ProbeState::Lost],
            possibly_rate_limited: false,
        })
    );
    assert_eq!(
        events[3],
        TracerEvent::Finished(TraceEnd {
            summary: TraceSummary {
                counters: Counters {
                    sent: 3,
                    answered: 2,
                    duplicates: 0,
                    late: 0,
                },
                final_ttl: None,
                hops: 3,
            },
            reached: false,
            ignored: 0,
            stopped: false,
        })
    );
    assert_eq!(tracer.verdict(), Verdict::Unanswered);
}

#[test]
fn what_is_not_an_answer_is_counted_as_ignored() {
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(3));
    let now = Instant::now();
    let mut buf = Vec::new();
    assert!(tracer.poll_transmit(now, &mut buf).is_some());
    let datagram = |channel, bytes| {
        Input::Datagram(Datagram {
            channel,
            from: router(1),
            hop_limit: None,
            read_at: now,
            kernel_at: None,
            bytes,
            ip_options: &[],
        })
    };
    // Garbage, and a Time Exceeded about a probe never sent.
    tracer.handle_input(now, datagram(Channel::Icmp, &[11, 0, 1]));
    let other = ip_datagram(v4(SRC), dst(), protocol::UDP, 1, &[0; 40]);
    let not_ours = icmpv4(11, 0, [0; 4], &other);
    tracer.handle_input(now, datagram(Channel::Icmp, &not_ours));
    // What a raw UDP socket receives is never read as an answer.
    tracer.handle_input(now, datagram(Channel::Udp, &[0; 40]));
    assert_eq!(tracer.ignored(), 2);
}

#[test]
fn a_path_mtu_walk_steps_down_at_the_local_link_and_at_a_router() {
    let pmtu = Pmtu::new(PmtuConfig {
        first_ttl: 1,
        max_ttl: 5,
        initial_size: 65_000,
        small_size: 68,
        wait: Duration::from_secs(1),
        tries: 2,
        flow: 0,
    });
    let mut tracer = Tracer::new(prober(Method::Udp, 60), pmtu);
    let net = Net {
        local_mtu: Some(1500),
        narrow: Some((2, 1280)),
        ..Net::path(&[&[1], &[2]])
    };
    let events = run(&mut tracer, &net, Instant::now());
    let step = |ttl, size, answer| {
        TracerEvent::Progress(PmtuProgress::Step(PmtuStep {
            ttl,
            answer: Some(answer),
            size,
        }))
    };
    let mtu = |event| TracerEvent::Progress(PmtuProgress::Mtu(event));
    assert_eq!(
        events,
        vec![
            mtu(PmtuEvent::Local {
                ttl: 1,
                mtu: 1500,
                after: Duration::ZERO,
            }),
            step(1, 1500, answer(router(1), 1, Outcome::Hop, Some(1))),
            mtu(PmtuEvent::TooBig {
                ttl: 2,
                from: router(1),
                mtu: 1280,
                rtt: Duration::from_millis(1),
            }),
            step(2, 1280, answer(router(2), 2, Outcome::Hop, Some(1))),
            step(3, 1280, answer(dst(), 3, port_unreachable(), Some(1))),
            TracerEvent::Finished(TraceEnd {
                summary: PmtuSummary {
                    pmtu: 1280,
                    falls_before_ttl: Some(2),
                    hops: 3,
                    probes_sent: 5,
                },
                reached: true,
                ignored: 0,
                stopped: false,
            }),
        ]
    );
    assert_eq!(tracer.verdict(), Verdict::Answered);
}

#[test]
fn fixed_size_probes_too_big_for_the_outgoing_link_fail_the_run() {
    let mut tracer = Tracer::new(prober(Method::Udp, 1600), classic(5));
    let net = Net {
        local_mtu: Some(1500),
        ..Net::path(&[&[1]])
    };
    let events = run(&mut tracer, &net, Instant::now());
    let failure = TraceFailure::DoesNotFit { mtu: 1500 };
    assert_eq!(events, vec![TracerEvent::Failed(failure)]);
    assert_eq!(
        failure.to_string(),
        "the probes do not fit the outgoing link's MTU of 1500 bytes with Don't Fragment set \
         (-F): give a packet length of at most 1500"
    );
    assert_eq!(tracer.verdict(), Verdict::Unanswered);
}

#[test]
fn a_refused_send_fails_the_run_with_its_ttl_and_errno() {
    let mut tracer = Tracer::new(prober(Method::Icmp, 60), classic(5));
    let net = Net {
        refuse: Some(LINUX_ENETUNREACH),
        ..Net::path(&[&[1]])
    };
    let events = run(&mut tracer, &net, Instant::now());
    assert_eq!(
        events,
        vec![TracerEvent::Failed(TraceFailure::Send {
            ttl: Some(1),
            errno: LINUX_ENETUNREACH,
        })]
    );
}

#[test]
fn a_local_mtu_explains_only_an_explained_emsgsize_refusal() {
    let t0 = Instant::now();
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(5));
    let mut buf = Vec::new();
    tracer.handle_timeout(t0);
    let t = tracer.poll_transmit(t0, &mut buf).unwrap();
    // A local "too big" queued for some earlier datagram...
    tracer.handle_input(
        t0,
        Input::SocketError(local_too_big(Channel::Udp, 1500, dst(), t0, &buf)),
    );
    // ...does not explain a refusal for another reason.
    tracer.handle_send_failure(
        t0,
        SendFailure {
            tag: t.tag,
            dst: dst(),
            errno: LINUX_ENETUNREACH,
            explained: false,
        },
    );
    let mut events = Vec::new();
    while let Some(e) = tracer.poll_event() {
        events.push(e);
    }
    assert_eq!(
        events,
        vec![TracerEvent::Failed(TraceFailure::Send {
            ttl: Some(1),
            errno: LINUX_ENETUNREACH,
        })]
    );
}

#[test]
fn a_local_mtu_is_timed_from_the_send_to_its_reading() {
    let t0 = Instant::now();
    let pmtu = Pmtu::new(PmtuConfig::for_version(
        IpVersion::V6,
        1,
        5,
        50,
        Duration::from_secs(1),
        0,
    ));
    let mut tracer = Tracer::new(prober(Method::Udp, 60), pmtu);
    let mut buf = Vec::new();
    let t = tracer.poll_transmit(t0, &mut buf).unwrap();
    let read_at = t0 + Duration::from_micros(22);
    tracer.handle_input(
        read_at,
        Input::SocketError(local_too_big(Channel::Udp, 1500, dst(), read_at, &buf)),
    );
    tracer.handle_send_failure(
        read_at,
        SendFailure {
            tag: t.tag,
            dst: dst(),
            errno: EMSGSIZE,
            explained: true,
        },
    );
    assert_eq!(
        tracer.poll_event(),
        Some(TracerEvent::Progress(PmtuProgress::Mtu(PmtuEvent::Local {
            ttl: 1,
            mtu: 1500,
            after: Duration::from_micros(22),
        })))
    );
}

#[test]
fn a_stop_ends_the_run_with_what_is_known() {
    let mut tracer = Tracer::new(prober(Method::Udp, 60), classic(5));
    let now = Instant::now();
    let mut buf = Vec::new();
    while tracer.poll_transmit(now, &mut buf).is_some() {}
    assert_eq!(tracer.poll_event(), None);
    tracer.handle_signal(now, Signal::Status);
    assert_eq!(tracer.poll_event(), None, "no status line for a trace");
    tracer.handle_signal(now, Signal::Stop);
    assert_eq!(tracer.poll_transmit(now, &mut buf), None);
    let Some(TracerEvent::Finished(end)) = tracer.poll_event() else {
        panic!("no end");
    };
    assert!(end.stopped && !end.reached);
    assert_eq!(end.summary.hops, 0);
    assert_eq!(tracer.poll_event(), None);
    assert_eq!(tracer.poll_timeout(now), None);
    assert_eq!(tracer.verdict(), Verdict::Unanswered);
}

#[test]
fn mda_finds_both_branches_of_a_diamond_in_one_final_graph() {
    let mda = Mda::new(MdaConfig {
        max_ttl: 8,
        confidence: Confidence::P95,
        ..MdaConfig::default()
    });
    let mut tracer = Tracer::new(prober(Method::Udp, 60), mda);
    let events = run(
        &mut tracer,
        &Net::path(&[&[1], &[2, 3], &[4]]),
        Instant::now(),
    );
    let [TracerEvent::Finished(end)] = &events[..] else {
        panic!("{events:?}");
    };
    assert!(end.reached);
    let hops: Vec<(u8, Vec<IpAddr>)> = end
        .summary
        .hops
        .iter()
        .map(|h| (h.ttl, h.interfaces.iter().map(|i| i.addr).collect()))
        .collect();
    assert_eq!(
        hops,
        vec![
            (1, vec![router(1)]),
            (2, vec![router(2), router(3)]),
            (3, vec![router(4)]),
            (4, vec![dst()]),
        ]
    );
    let link = |ttl, from, to| MdaLink {
        ttl,
        from: Some(from),
        to: Some(to),
    };
    assert_eq!(
        end.summary.links,
        vec![
            link(1, router(1), router(2)),
            link(1, router(1), router(3)),
            link(2, router(2), router(4)),
            link(2, router(3), router(4)),
            link(3, router(4), dst()),
        ]
    );
    assert!(!end.summary.budget_exhausted);
    assert_eq!(tracer.verdict(), Verdict::Answered);
}
