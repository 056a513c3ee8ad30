use super::*;
use crate::sweep::{Shard, SweepConfig, TargetSpace, TargetSpaceBuilder};
use crate::trace::testing::ip_datagram;
use icmpkit_wire::checksum;
use icmpkit_wire::ip::protocol;

const KEY: [u8; 16] = *b"sweep machine ok";
const EACCES: i32 = 13;
const ENETUNREACH: i32 = 101;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The space of these prefixes.
fn space(prefixes: &[(&str, u8)]) -> TargetSpace {
    let mut b = TargetSpaceBuilder::default();
    for &(addr, len) in prefixes {
        b.add_prefix(ip(addr), len).unwrap();
    }
    b.build().unwrap()
}

struct Run {
    machine: SweepMachine,
    t0: Instant,
    /// Every probe given, in order: (when, to, bytes).
    sent: Vec<(Instant, IpAddr, Vec<u8>)>,
}

impl Run {
    fn new(prefixes: &[(&str, u8)], rate: Rate, retries: u8, cooldown: Duration) -> Self {
        let t0 = Instant::now();
        let config = SweepConfig {
            rate,
            retries,
            payload_len: 16,
            key: KEY,
            seed: None,
            shard: Shard::WHOLE,
            cooldown,
        };
        let sweep = Sweep::new(space(prefixes), config, t0).unwrap();
        Self {
            machine: SweepMachine::new(sweep),
            t0,
            sent: Vec::new(),
        }
    }

    fn at(&self, after: Duration) -> Instant {
        self.t0 + after
    }

    /// One round of the driver at `t0 + after`: time passes, every due
    /// probe is taken; the refused ones (by destination) are reported.
    /// Returns how many probes went.
    fn round(&mut self, after: Duration, refuse: &[(&str, i32)]) -> usize {
        let now = self.at(after);
        self.machine.handle_timeout(now);
        let mut buf = Vec::new();
        let mut count = 0;
        while let Some(t) = self.machine.poll_transmit(now, &mut buf) {
            assert_eq!((t.channel, t.hop_limit), (Channel::Icmp, None));
            count += 1;
            if let Some(&(_, errno)) = refuse.iter().find(|r| ip(r.0) == t.dst) {
                self.machine.handle_send_failure(
                    now,
                    SendFailure {
                        tag: t.tag,
                        dst: t.dst,
                        errno,
                        explained: false,
                    },
                );
            } else {
                self.sent.push((now, t.dst, buf.clone()));
            }
        }
        count
    }

    fn probe_to(&self, dst: &str) -> Vec<u8> {
        let dst = ip(dst);
        self.sent
            .iter()
            .rev()
            .find(|s| s.1 == dst)
            .unwrap_or_else(|| panic!("no probe went to {dst}"))
            .2
            .clone()
    }

    fn deliver(&mut self, after: Duration, from: IpAddr, bytes: &[u8], hop_limit: Option<u8>) {
        let now = self.at(after);
        self.machine.handle_input(
            now,
            Input::Datagram(Datagram {
                channel: Channel::Icmp,
                from,
                hop_limit,
                read_at: now,
                kernel_at: None,
                bytes,
                ip_options: &[],
            }),
        );
    }

    /// The target answers its latest probe at `t0 + after`.
    fn reply(&mut self, after: Duration, target: &str) {
        let bytes = echo_reply(&self.probe_to(target));
        self.deliver(after, ip(target), &bytes, Some(63));
    }

    fn events(&mut self) -> Vec<SweepEvent> {
        std::iter::from_fn(|| self.machine.poll_event()).collect()
    }
}

/// The ICMPv4 Echo Reply to an Echo Request.
fn echo_reply(request: &[u8]) -> Vec<u8> {
    let mut reply = request.to_vec();
    reply[0] = 0;
    reply[2..4].fill(0);
    let sum = checksum::checksum(&reply);
    reply[2..4].copy_from_slice(&sum.to_be_bytes());
    reply
}

/// An ICMPv4 error of `msg_type`/`code` quoting `probe` sent from
/// 10.0.0.1 to `target`, the whole of it or its first `quoted` bytes.
fn icmp_error(msg_type: u8, code: u8, target: &str, probe: &[u8], quoted: usize) -> Vec<u8> {
    let datagram = ip_datagram(ip("10.0.0.1"), ip(target), protocol::ICMP, 63, probe);
    let mut out = vec![msg_type, code, 0, 0, 0, 0, 0, 0];
    out.extend_from_slice(&datagram[..(20 + quoted).min(datagram.len())]);
    let sum = checksum::checksum(&out);
    out[2..4].copy_from_slice(&sum.to_be_bytes());
    out
}

fn found(run: &Run, target: &str, attempt: u8, rtt: Duration) -> SweepEvent {
    let addr = ip(target);
    SweepEvent::Found(Responder {
        index: run.machine.sweep().space().index_of(addr).unwrap(),
        addr,
        attempt,
        rtt: Some(rtt),
        ttl: Some(63),
    })
}

fn counts(progress: Progress, refused: u64, elapsed: Duration) -> SweepCounts {
    SweepCounts {
        progress,
        refused,
        elapsed,
    }
}

#[test]
fn each_probe_carries_the_time_of_its_own_call_and_the_cooldown_follows_the_last() {
    let mut run = Run::new(&[("198.51.100.0", 30)], Rate::PerSecond(1000), 0, ms(500));
    // One token at the start, then one a millisecond.
    assert_eq!(run.round(ms(0), &[]), 1);
    assert_eq!(run.machine.poll_timeout(run.at(ms(0))), Some(run.at(ms(1))));
    assert_eq!(run.round(ms(1), &[]), 1);
    assert_eq!(run.round(ms(2), &[]), 1);
    assert_eq!(run.round(ms(3), &[]), 1);
    assert_eq!(run.round(ms(4), &[]), 0);
    let targets: Vec<IpAddr> = run.sent.iter().map(|s| s.1).collect();
    let [first, .., last] = targets[..] else {
        panic!("{targets:?}")
    };
    // The cooldown counts from the last probe (3 ms), not the first.
    assert_eq!(
        run.machine.poll_timeout(run.at(ms(4))),
        Some(run.at(ms(503)))
    );
    // Both answer at 10 ms: the RTTs tell the probes' own send times.
    run.reply(ms(10), &first.to_string());
    run.reply(ms(10), &last.to_string());
    let events = run.events();
    assert_eq!(
        events,
        [
            found(&run, &first.to_string(), 0, ms(10)),
            found(&run, &last.to_string(), 0, ms(7)),
        ]
    );
    assert_eq!(run.round(ms(502), &[]), 0);
    assert_eq!(run.events(), []);
    assert_eq!(run.round(ms(503), &[]), 0);
    assert_eq!(
        run.events(),
        [SweepEvent::Summary(SweepSummary {
            counts: counts(
                Progress {
                    sent: 4,
                    total: 4,
                    replies: 2,
                    unique: 2,
                    ..Progress::default()
                },
                0,
                ms(503)
            ),
            refused_by_errno: vec![],
            sending: ms(3),
            stopped: false,
            backoff: None,
            shard: Shard::WHOLE,
            seed: None,
            space_targets: 4,
        })]
    );
    assert_eq!(run.machine.poll_timeout(run.at(ms(503))), None);
    assert_eq!(run.machine.verdict(), Verdict::Answered);
}

#[test]
fn replies_errors_duplicates_and_strangers_are_told_apart() {
    let mut run = Run::new(&[("198.51.100.0", 30)], Rate::Max, 0, ms(1000));
    assert_eq!(run.round(ms(0), &[]), 4);
    run.reply(ms(2), "198.51.100.0");
    run.reply(ms(3), "198.51.100.1");
    // A second reply from .1, and a reply with another run's payload.
    run.reply(ms(4), "198.51.100.1");
    let mut forged = echo_reply(&run.probe_to("198.51.100.3"));
    forged[9] ^= 1;
    forged[2..4].fill(0);
    let sum = checksum::checksum(&forged);
    forged[2..4].copy_from_slice(&sum.to_be_bytes());
    run.deliver(ms(4), ip("198.51.100.3"), &forged, Some(63));
    // The router says .2 is administratively prohibited (the whole probe
    // quoted), then host unreachable (RFC 792: 8 bytes of it).
    let router = ip("198.51.100.254");
    let probe = run.probe_to("198.51.100.2");
    let whole = icmp_error(3, 13, "198.51.100.2", &probe, probe.len());
    run.deliver(ms(5), router, &whole, Some(64));
    let short = icmp_error(3, 1, "198.51.100.2", &probe, 8);
    run.deliver(ms(6), router, &short, Some(64));
    // Bytes no one can read, an Echo Request, and a reply on the UDP
    // channel: nothing breaks.
    run.deliver(ms(7), router, &[], None);
    run.deliver(ms(7), router, &[3, 1], None);
    run.deliver(ms(7), router, &probe, None);
    let index = run
        .machine
        .sweep()
        .space()
        .index_of(ip("198.51.100.2"))
        .unwrap();
    let error = |code, attempt, rtt| {
        SweepEvent::Error(ErrorVerdict {
            index,
            target: ip("198.51.100.2"),
            from: router,
            icmp_type: 3,
            code,
            attempt,
            rtt,
        })
    };
    assert_eq!(
        run.events(),
        [
            found(&run, "198.51.100.0", 0, ms(2)),
            found(&run, "198.51.100.1", 0, ms(3)),
            error(13, Some(0), Some(ms(5))),
            error(1, None, None),
        ]
    );
    assert_eq!(run.round(ms(1000), &[]), 0);
    let Some(SweepEvent::Summary(summary)) = run.events().pop() else {
        panic!("no summary")
    };
    assert_eq!(
        summary.counts.progress,
        Progress {
            sent: 4,
            total: 4,
            replies: 3,
            unique: 2,
            errors: 2,
            duplicates: 1,
            // The forged reply, the empty and the cut-off message.
            invalid: 3,
            pass: 0,
        }
    );
    assert_eq!(run.machine.verdict(), Verdict::Answered);
}

#[test]
fn a_refused_send_is_counted_by_errno_and_the_sweep_goes_on() {
    let mut run = Run::new(&[("198.51.100.0", 30)], Rate::Max, 0, ms(100));
    let refuse = [("198.51.100.3", EACCES), ("198.51.100.1", ENETUNREACH)];
    assert_eq!(run.round(ms(0), &refuse), 4);
    let mut refused = run.events();
    refused.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(
        refused,
        [
            SweepEvent::Refused(RefusedProbe {
                target: ip("198.51.100.1"),
                attempt: 0,
                errno: ENETUNREACH,
            }),
            SweepEvent::Refused(RefusedProbe {
                target: ip("198.51.100.3"),
                attempt: 0,
                errno: EACCES,
            }),
        ]
    );
    run.reply(ms(1), "198.51.100.2");
    assert_eq!(run.events(), [found(&run, "198.51.100.2", 0, ms(1))]);
    assert_eq!(run.round(ms(100), &[]), 0);
    let Some(SweepEvent::Summary(summary)) = run.events().pop() else {
        panic!("no summary")
    };
    assert_eq!(summary.counts.progress.sent, 2);
    assert_eq!(summary.counts.refused, 2);
    assert_eq!(summary.refused_by_errno, [(EACCES, 1), (ENETUNREACH, 1)]);
    assert_eq!(run.machine.verdict(), Verdict::Answered);
}

#[test]
fn a_silent_sweep_retries_then_ends_unanswered() {
    let mut run = Run::new(&[("198.51.100.0", 31)], Rate::Max, 1, ms(200));
    assert_eq!(run.round(ms(0), &[]), 2);
    // The retry pass waits a cooldown after the first pass's last probe.
    assert_eq!(
        run.machine.poll_timeout(run.at(ms(0))),
        Some(run.at(ms(200)))
    );
    assert_eq!(run.round(ms(199), &[]), 0);
    assert_eq!(run.round(ms(200), &[]), 2);
    assert_eq!(
        run.machine.poll_timeout(run.at(ms(200))),
        Some(run.at(ms(400)))
    );
    assert_eq!(run.round(ms(400), &[]), 0);
    assert_eq!(
        run.events(),
        [SweepEvent::Summary(SweepSummary {
            counts: counts(
                Progress {
                    sent: 4,
                    total: 2,
                    pass: 1,
                    ..Progress::default()
                },
                0,
                ms(400)
            ),
            refused_by_errno: vec![],
            sending: ms(200),
            stopped: false,
            backoff: None,
            shard: Shard::WHOLE,
            seed: None,
            space_targets: 2,
        })]
    );
    assert_eq!(run.machine.poll_timeout(run.at(ms(400))), None);
    assert_eq!(run.machine.verdict(), Verdict::Unanswered);
}

#[test]
fn the_sweep_ends_with_the_last_target_found() {
    let mut run = Run::new(&[("198.51.100.0", 31)], Rate::Max, 3, ms(5000));
    run.round(ms(0), &[]);
    run.reply(ms(1), "198.51.100.0");
    run.reply(ms(2), "198.51.100.1");
    let events = run.events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(&events[2], SweepEvent::Summary(s) if s.counts.elapsed == ms(2)));
    assert_eq!(run.machine.poll_timeout(run.at(ms(2))), None);
}

#[test]
fn stop_ends_at_once_and_status_reports_the_counts() {
    let mut run = Run::new(&[("198.51.100.0", 24)], Rate::PerSecond(100), 0, ms(1000));
    assert_eq!(run.round(ms(0), &[]), 1);
    run.machine.handle_signal(run.at(ms(5)), Signal::Status);
    let progress = Progress {
        sent: 1,
        total: 256,
        ..Progress::default()
    };
    assert_eq!(
        run.events(),
        [SweepEvent::Progress(counts(progress, 0, ms(5)))]
    );
    run.machine.handle_signal(run.at(ms(6)), Signal::Stop);
    assert_eq!(
        run.events(),
        [SweepEvent::Summary(SweepSummary {
            counts: counts(progress, 0, ms(6)),
            refused_by_errno: vec![],
            sending: ms(0),
            stopped: true,
            backoff: None,
            shard: Shard::WHOLE,
            seed: None,
            space_targets: 256,
        })]
    );
    assert_eq!(run.machine.poll_timeout(run.at(ms(6))), None);
    assert_eq!(run.round(ms(20), &[]), 0);
    assert_eq!(run.machine.verdict(), Verdict::Unanswered);
}

#[test]
fn progress_comes_every_interval() {
    let t0 = Instant::now();
    let config = SweepConfig {
        rate: Rate::PerSecond(10),
        retries: 0,
        payload_len: 16,
        key: KEY,
        seed: None,
        shard: Shard::WHOLE,
        cooldown: ms(100),
    };
    let sweep = Sweep::new(space(&[("198.51.100.0", 29)]), config, t0).unwrap();
    let mut machine = SweepMachine::new(sweep).with_progress_every(ms(250));
    let mut buf = Vec::new();
    let mut progress_at = Vec::new();
    let mut now = t0;
    while let Some(wake) = machine.poll_timeout(now) {
        now = wake;
        machine.handle_timeout(now);
        while machine.poll_transmit(now, &mut buf).is_some() {}
        while let Some(event) = machine.poll_event() {
            if let SweepEvent::Progress(c) = event {
                progress_at.push((c.elapsed, c.progress.sent));
            }
        }
    }
    // Probes at 0, 100, ..., 700 ms; the end at 800 ms.
    assert_eq!(progress_at, [(ms(250), 3), (ms(500), 5), (ms(750), 8)]);
    assert_eq!(now, t0 + ms(800));
}

#[test]
fn a_fast_sweep_sends_in_batches_and_yields_to_the_reader_each_round() {
    // 100,000 per second: it wakes for a millisecond's 100 probes.
    let mut run = Run::new(&[("198.51.100.0", 20)], Rate::PerSecond(100_000), 0, ms(10));
    assert_eq!(run.round(ms(0), &[]), 1);
    assert_eq!(run.machine.poll_timeout(run.at(ms(0))), Some(run.at(ms(1))));
    assert_eq!(run.round(ms(1), &[]), 100);
    // At full speed a round holds ROUND_PROBES, then the driver is asked
    // back at once (to read replies in between).
    let mut run = Run::new(&[("198.51.100.0", 20)], Rate::Max, 0, ms(10));
    assert_eq!(run.round(ms(0), &[]), ROUND_PROBES);
    assert_eq!(run.machine.poll_timeout(run.at(ms(0))), Some(run.at(ms(0))));
    for _ in 1..4 {
        assert_eq!(run.round(ms(0), &[]), ROUND_PROBES);
    }
    assert_eq!(run.round(ms(0), &[]), 0);
    assert_eq!(
        run.machine.poll_timeout(run.at(ms(0))),
        Some(run.at(ms(10)))
    );
}

#[test]
fn ipv6_replies_and_errors_are_read_too() {
    let mut run = Run::new(&[("2001:db8::", 127)], Rate::Max, 0, ms(100));
    assert_eq!(run.round(ms(0), &[]), 2);
    // The kernel checks ICMPv6 checksums before delivery.
    let mut reply = run.probe_to("2001:db8::");
    reply[0] = 129;
    run.deliver(ms(3), ip("2001:db8::"), &reply, Some(63));
    let probe = run.probe_to("2001:db8::1");
    let datagram = ip_datagram(ip("2001:db8:f::1"), ip("2001:db8::1"), 58, 63, &probe);
    let mut error = vec![1, 3, 0, 0, 0, 0, 0, 0];
    error.extend_from_slice(&datagram);
    let router = ip("2001:db8:ff::1");
    run.deliver(ms(4), router, &error, Some(64));
    let index = run
        .machine
        .sweep()
        .space()
        .index_of(ip("2001:db8::1"))
        .unwrap();
    assert_eq!(
        run.events(),
        [
            found(&run, "2001:db8::", 0, ms(3)),
            SweepEvent::Error(ErrorVerdict {
                index,
                target: ip("2001:db8::1"),
                from: router,
                icmp_type: 1,
                code: 3,
                attempt: Some(0),
                rtt: Some(ms(4)),
            }),
        ]
    );
}

#[test]
fn a_max_rate_sweep_slows_down_when_answers_are_dropped_and_says_so() {
    // A /12: more than a second of probes at the rates below.
    let mut run = Run::new(&[("10.0.0.0", 12)], Rate::Max, 0, ms(500));
    // Unlimited: every round gives a full batch, 100 rounds over 100 ms.
    for i in 0..100 {
        assert_eq!(run.round(ms(i), &[]), ROUND_PROBES, "round {i}");
    }
    // 1,024 probes a millisecond; the kernel drops answers.
    let dropped = Overflow {
        channel: Channel::Icmp,
        dropped: 40,
        queued_at: None,
    };
    run.machine.handle_overflow(run.at(ms(100)), dropped);
    // Held to half the rate it sent at: about 512 a millisecond.
    let sent: usize = (100..200).map(|i| run.round(ms(i), &[])).sum();
    assert!((49_000..=53_000).contains(&sent), "{sent} in 100 ms");
    // A quiet interval later, an eighth more.
    let sent: usize = (200..300).map(|i| run.round(ms(i), &[])).sum();
    assert!((55_500..=60_000).contains(&sent), "{sent} in 100 ms");
    // An overflow on another channel is not the sweep's.
    run.machine.handle_overflow(
        run.at(ms(300)),
        Overflow {
            channel: Channel::Tcp,
            dropped: 1,
            queued_at: None,
        },
    );
    run.machine.handle_signal(run.at(ms(300)), Signal::Stop);
    let summary = run
        .events()
        .into_iter()
        .find_map(|e| match e {
            SweepEvent::Summary(s) => Some(s),
            _ => None,
        })
        .expect("a summary");
    let backoff = summary.backoff.expect("the summary tells the backoff");
    assert_eq!((backoff.dropped, backoff.cuts), (40, 1));
    assert!((500_000..=530_000).contains(&backoff.lowest), "{backoff:?}");
    assert_eq!(backoff.last, backoff.lowest + backoff.lowest / 8);
}

#[test]
fn a_paced_sweep_keeps_its_rate_when_answers_are_dropped() {
    let mut run = Run::new(&[("10.0.0.0", 16)], Rate::PerSecond(100_000), 0, ms(500));
    let before: usize = (0..50).map(|i| run.round(ms(i), &[])).sum();
    run.machine.handle_overflow(
        run.at(ms(50)),
        Overflow {
            channel: Channel::Icmp,
            dropped: 10,
            queued_at: None,
        },
    );
    let after: usize = (50..100).map(|i| run.round(ms(i), &[])).sum();
    assert!(before.abs_diff(after) <= 100, "{before} then {after}");
    run.machine.handle_signal(run.at(ms(100)), Signal::Stop);
    let summary = run.events().into_iter().find_map(|e| match e {
        SweepEvent::Summary(s) => Some(s),
        _ => None,
    });
    assert_eq!(summary.expect("a summary").backoff, None);
}

#[test]
fn a_shard_reports_its_part_and_an_empty_one_ends_answered() {
    let t0 = Instant::now();
    let machine = |shard| {
        let config = SweepConfig {
            rate: Rate::PerSecond(1000),
            retries: 0,
            payload_len: 16,
            key: KEY,
            seed: Some(42),
            shard,
            cooldown: ms(10),
        };
        SweepMachine::new(Sweep::new(space(&[("198.51.100.0", 30)]), config, t0).unwrap())
    };
    // Four targets in six shards: shard 5 has none, and nothing to find.
    let mut empty = machine(Shard::new(5, 6).unwrap());
    let mut buf = Vec::new();
    assert_eq!(empty.poll_transmit(t0, &mut buf), None);
    assert_eq!(empty.poll_timeout(t0), Some(t0));
    empty.handle_timeout(t0);
    assert_eq!(
        empty.poll_event(),
        Some(SweepEvent::Summary(SweepSummary {
            counts: counts(Progress::default(), 0, ms(0)),
            refused_by_errno: vec![],
            sending: ms(0),
            stopped: false,
            backoff: None,
            shard: Shard::new(5, 6).unwrap(),
            seed: Some(42),
            space_targets: 4,
        }))
    );
    assert_eq!(empty.verdict(), Verdict::Answered);
    // Shard 1 of 3 of four targets: position 1 of the order only (4 is
    // past the end): one target, probed once, silent.
    let mut one = machine(Shard::new(1, 3).unwrap());
    assert!(one.poll_transmit(t0, &mut buf).is_some());
    assert_eq!(one.poll_transmit(t0 + ms(1), &mut buf), None);
    one.handle_timeout(t0 + ms(20));
    let Some(SweepEvent::Summary(summary)) = one.poll_event() else {
        panic!("no summary");
    };
    assert_eq!(
        (summary.counts.progress.total, summary.counts.progress.sent),
        (1, 1)
    );
    assert_eq!(one.verdict(), Verdict::Unanswered);
}
