//! The simulated network driven by `drive` with a scripted test machine.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use icmpkit_proto::machine::{
    Channel, ErrorSource, Input, Machine, SendFailure, Signal, Transmit, Verdict,
};
use icmpkit_wire::extension::{self, ExtensionStructure, MplsLabel, Object};
use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::quote::{self, QuotedTransport};
use icmpkit_wire::{IpVersion, checksum, tcp};

use super::*;
use crate::{Signals, drive};

mod extended_echo;
mod topology;

// ---- the test machine -------------------------------------------------

/// A datagram to send `at` after the start.
#[derive(Debug, Clone)]
struct Probe {
    at: Duration,
    channel: Channel,
    dst: IpAddr,
    hop_limit: Option<u8>,
    bytes: Vec<u8>,
}

/// What the machine saw, with times relative to the start.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Datagram {
        at: Duration,
        channel: Channel,
        from: IpAddr,
        hop_limit: Option<u8>,
        bytes: Vec<u8>,
    },
    Error {
        at: Duration,
        channel: Channel,
        source: ErrorSource,
        errno: i32,
        icmp_type: u8,
        icmp_code: u8,
        info: u32,
        offender: Option<IpAddr>,
        original: Vec<u8>,
    },
    Refused(SendFailure),
}

/// Sends its probes on time, reports everything that arrives, and ends
/// `end` after the start.
struct Script {
    start: Option<Instant>,
    probes: VecDeque<Probe>,
    end: Duration,
    seen: VecDeque<Seen>,
    tag: u64,
}

impl Script {
    fn new(mut probes: Vec<Probe>, end: Duration) -> Self {
        probes.sort_by_key(|p| p.at);
        Self {
            start: None,
            probes: probes.into(),
            end,
            seen: VecDeque::new(),
            tag: 0,
        }
    }

    fn since(&self, t: Instant) -> Duration {
        t - self.start.expect("started")
    }
}

impl Machine for Script {
    type Event = Seen;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let start = *self.start.get_or_insert(now);
        let due = self.probes.front()?.at <= now - start;
        if !due {
            return None;
        }
        let probe = self.probes.pop_front()?;
        buf.clear();
        buf.extend_from_slice(&probe.bytes);
        self.tag += 1;
        Some(Transmit {
            channel: probe.channel,
            dst: probe.dst,
            hop_limit: probe.hop_limit,
            tag: self.tag,
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        self.seen.push_back(Seen::Refused(failure));
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        let seen = match input {
            Input::Datagram(d) => Seen::Datagram {
                at: self.since(d.received_at()),
                channel: d.channel,
                from: d.from,
                hop_limit: d.hop_limit,
                bytes: d.bytes.to_vec(),
            },
            Input::SocketError(e) => Seen::Error {
                at: self.since(e.read_at),
                channel: e.channel,
                source: e.source,
                errno: e.errno,
                icmp_type: e.icmp_type,
                icmp_code: e.icmp_code,
                info: e.info,
                offender: e.offender,
                original: e.original.to_vec(),
            },
        };
        self.seen.push_back(seen);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.start.get_or_insert(now);
    }

    fn handle_signal(&mut self, _now: Instant, _signal: Signal) {}

    fn poll_event(&mut self) -> Option<Seen> {
        self.seen.pop_front()
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        let start = self.start?;
        match self.probes.front() {
            Some(p) => Some(start + p.at),
            None if now < start + self.end => Some(start + self.end),
            None => None,
        }
    }

    fn verdict(&self) -> Verdict {
        Verdict::Answered
    }
}

/// Runs `probes` over `network` for `end` and returns what was seen.
fn run(network: &mut Network, probes: Vec<Probe>, end: Duration) -> Vec<Seen> {
    let mut machine = Script::new(probes, end);
    let mut seen = Vec::new();
    drive(&mut machine, network, &Signals::none(), |_, s| {
        seen.push(s);
        Ok(())
    })
    .expect("the run");
    seen
}

// ---- probes -------------------------------------------------------------

const LOCAL4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const LOCAL6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
const R1: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const R2: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);
const R2B: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
const R3: Ipv4Addr = Ipv4Addr::new(10, 0, 3, 1);
const DST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// An ICMPv4 Echo Request with its checksum (an ICMPv6 one's is the
/// kernel's).
fn echo(v6: bool, ident: u16, seq: u16, data_len: usize) -> Vec<u8> {
    let mut m = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend((0..data_len).map(|i| u8::try_from(i % 256).unwrap()));
    if !v6 {
        let sum = checksum::checksum(&m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    m
}

fn ping(at: Duration, dst: impl Into<IpAddr>, hop_limit: Option<u8>, seq: u16) -> Probe {
    let dst = dst.into();
    Probe {
        at,
        channel: Channel::Icmp,
        dst,
        hop_limit,
        bytes: echo(dst.is_ipv6(), 0x1234, seq, 16),
    }
}

fn udp(at: Duration, dst: Ipv4Addr, ttl: u8, src_port: u16) -> Probe {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&src_port.to_be_bytes());
    bytes.extend_from_slice(&33434u16.to_be_bytes());
    bytes.extend_from_slice(&10u16.to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0xab, 0xcd]);
    let addrs = AddressPair::new(LOCAL4.into(), dst.into()).unwrap();
    let sum = addrs.sum(protocol::UDP, &bytes).checksum();
    bytes[6..8].copy_from_slice(&sum.to_be_bytes());
    Probe {
        at,
        channel: Channel::Udp,
        dst: dst.into(),
        hop_limit: Some(ttl),
        bytes,
    }
}

fn syn(dst: Ipv4Addr, port: u16) -> Probe {
    let repr = tcp::Repr {
        src_port: 40000,
        dst_port: port,
        seq_number: 1000,
        ack_number: 0,
        flags: tcp::flags::SYN,
        window_len: 1024,
        urgent_at: 0,
        options: &[],
        payload: &[],
    };
    let mut bytes = vec![0; repr.buffer_len()];
    let addrs = AddressPair::new(LOCAL4.into(), dst.into()).unwrap();
    repr.emit(&mut tcp::Packet::new_unchecked(&mut bytes[..]), &addrs);
    Probe {
        at: Duration::ZERO,
        channel: Channel::Tcp,
        dst: dst.into(),
        hop_limit: None,
        bytes,
    }
}

/// r1 (1 ms) - r2 (2 ms) - hosts (3 ms), DST answering.
fn chain() -> Builder {
    let mut b = Network::builder().local(LOCAL4).local(LOCAL6);
    let r1 = b.router(Router::new(R1).addr("fd00:1::1".parse::<Ipv6Addr>().unwrap()));
    let r2 = b.router(Router::new(R2).addr("fd00:2::1".parse::<Ipv6Addr>().unwrap()));
    b.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(2))
            .last_link(Link::ms(3))
            .host(DST, Host::answering()),
    );
    b.route(
        Route::to("2001:db8::".parse::<Ipv6Addr>().unwrap(), 64)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(2))
            .last_link(Link::ms(3))
            .every_host(Host::answering()),
    );
    b
}

fn datagram(seen: &Seen) -> (Duration, Channel, IpAddr, Option<u8>, &[u8]) {
    match seen {
        Seen::Datagram {
            at,
            channel,
            from,
            hop_limit,
            bytes,
        } => (*at, *channel, *from, *hop_limit, bytes),
        other => panic!("not a datagram: {other:?}"),
    }
}

// ---- tests --------------------------------------------------------------

#[test]
fn an_echo_round_trip_takes_the_sum_of_the_delays_both_ways() {
    let mut net = chain().build().unwrap();
    let seen = run(&mut net, vec![ping(ms(0), DST, None, 1)], ms(100));
    assert_eq!(seen.len(), 1);
    let (at, channel, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!(at, ms(12));
    assert_eq!(channel, Channel::Icmp);
    assert_eq!(from, IpAddr::V4(DST));
    // 64 less the two routers on the way back.
    assert_eq!(hop_limit, Some(62));
    let mut expected = echo(false, 0x1234, 1, 16);
    expected[0] = 0;
    expected[2..4].fill(0);
    let sum = checksum::checksum(&expected);
    expected[2..4].copy_from_slice(&sum.to_be_bytes());
    assert_eq!(bytes, &expected[..]);
    assert_eq!(
        net.counters(),
        Counters {
            sent: 1,
            delivered: 1,
            ..Counters::default()
        }
    );
    assert_eq!(net.elapsed(), ms(100));
}

#[test]
fn an_icmpv6_echo_gets_its_checksum_from_the_kernel_and_a_reply() {
    let mut net = chain().build().unwrap();
    let dst: Ipv6Addr = "2001:db8::42".parse().unwrap();
    let seen = run(&mut net, vec![ping(ms(0), dst, None, 9)], ms(50));
    let (at, _, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!((at, from, hop_limit), (ms(12), IpAddr::V6(dst), Some(62)));
    assert_eq!(bytes[0], 129);
    let addrs = AddressPair::new(dst.into(), LOCAL6.into()).unwrap();
    assert!(addrs.sum(protocol::ICMPV6, bytes).is_valid());
    assert_eq!(&bytes[4..], &echo(true, 0x1234, 9, 16)[4..]);
}

#[test]
fn a_ttl_running_out_gives_time_exceeded_from_that_hop_quoting_the_probe() {
    let mut net = chain().build().unwrap();
    let seen = run(&mut net, vec![ping(ms(0), DST, Some(2), 5)], ms(100));
    assert_eq!(seen.len(), 1);
    let (at, channel, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!((at, channel, from), (ms(6), Channel::Icmp, IpAddr::V4(R2)));
    assert_eq!(hop_limit, Some(63));
    assert_eq!((bytes[0], bytes[1]), (11, 0));
    let quote = quote::parse(&bytes[8..], IpVersion::V4).unwrap();
    let id = quote.probe_identity();
    assert_eq!(id.src, IpAddr::V4(LOCAL4));
    assert_eq!(id.dst, IpAddr::V4(DST));
    assert_eq!(id.protocol, protocol::ICMP);
    assert_eq!(id.hop_limit, 1);
    assert_eq!((id.icmp_ident, id.icmp_seq), (Some(0x1234), Some(5)));
    assert!(!quote.truncated);
    assert_eq!(quote.payload, &echo(false, 0x1234, 5, 16)[..]);
}

#[test]
fn the_same_seed_loses_the_same_packets_and_another_seed_others() {
    let lossy = |seed| {
        let mut b = Network::builder().local(LOCAL4).seed(seed);
        let r1 = b.router(Router::new(R1));
        b.route(
            Route::to(DST, 32)
                .hop(r1, Link::ms(5).loss(0.3).jitter(ms(4)))
                .last_link(Link::ms(1))
                .every_host(Host::answering()),
        );
        let mut net = b.build().unwrap();
        let probes = (0..50)
            .map(|i| ping(ms(10 * u64::from(i)), DST, None, i))
            .collect();
        let seen = run(&mut net, probes, ms(1000));
        (seen, net.counters())
    };
    let (first, counters) = lossy(42);
    assert_eq!(lossy(42), (first.clone(), counters));
    assert_ne!(lossy(43).0, first);
    assert_eq!(counters.sent, 50);
    assert_eq!(counters.delivered + counters.lost, 50);
    assert!(counters.lost > 5 && counters.lost < 40, "{counters:?}");
    for s in &first {
        let (at, ..) = datagram(s);
        let sent = ms(10 * u64::from(u16::from_be_bytes([datagram(s).4[6], datagram(s).4[7]])));
        let rtt = at.checked_sub(sent).unwrap();
        assert!(rtt >= ms(12) && rtt <= ms(20), "{rtt:?}");
    }
}

/// r1 - {a, b} - r3 - DST, the middle hop balanced by `balance`.
fn diamond(balance: Balance) -> Network {
    let mut b = Network::builder().local(LOCAL4).seed(1);
    let r1 = b.router(Router::new(R1));
    let a = b.router(Router::new(R2));
    let c = b.router(Router::new(R2B));
    let r3 = b.router(Router::new(R3));
    b.route(
        Route::to(DST, 32)
            .hop(r1, Link::ms(1))
            .ecmp(&[a, c], balance, Link::ms(1))
            .hop(r3, Link::ms(1))
            .last_link(Link::ms(1))
            .every_host(Host::answering()),
    );
    b.build().unwrap()
}

fn senders(seen: &[Seen]) -> Vec<IpAddr> {
    seen.iter().map(|s| datagram(s).2).collect()
}

#[test]
fn per_flow_ecmp_keeps_a_flow_on_one_branch_and_spreads_many_flows() {
    let mut net = diamond(Balance::PerFlow);
    let one_flow = (0..20).map(|i| udp(ms(i), DST, 2, 40000)).collect();
    let from = senders(&run(&mut net, one_flow, ms(100)));
    assert_eq!(from.len(), 20);
    assert!(from.iter().all(|f| *f == from[0]), "{from:?}");

    let mut net = diamond(Balance::PerFlow);
    let flows = (0..32)
        .map(|i| udp(ms(u64::from(i)), DST, 2, 40000 + i))
        .collect();
    let from = senders(&run(&mut net, flows, ms(100)));
    let a = from.iter().filter(|f| **f == IpAddr::V4(R2)).count();
    let b = from.iter().filter(|f| **f == IpAddr::V4(R2B)).count();
    assert_eq!(a + b, 32);
    assert!(a >= 6 && b >= 6, "{a} via a, {b} via b");

    // The same flows take the same branches on a second run.
    let mut net = diamond(Balance::PerFlow);
    let flows = (0..32)
        .map(|i| udp(ms(u64::from(i)), DST, 2, 40000 + i))
        .collect();
    assert_eq!(senders(&run(&mut net, flows, ms(100))), from);
}

#[test]
fn icmp_flows_are_told_apart_by_checksum_and_identifier() {
    // Paris ICMP: the same checksum and identifier, one branch.
    let mut net = diamond(Balance::PerFlow);
    let same = (0..10)
        .map(|i| Probe {
            at: ms(i),
            channel: Channel::Icmp,
            dst: DST.into(),
            hop_limit: Some(2),
            bytes: echo(false, 7, 1, 8),
        })
        .collect();
    let from = senders(&run(&mut net, same, ms(100)));
    assert_eq!(from.len(), 10);
    assert!(from.iter().all(|f| *f == from[0]));
    // Classic ICMP: the checksum follows the sequence number.
    let mut net = diamond(Balance::PerFlow);
    let varied = (0..32)
        .map(|i| ping(ms(u64::from(i)), DST, Some(2), i))
        .collect();
    let from = senders(&run(&mut net, varied, ms(100)));
    assert!(from.contains(&IpAddr::V4(R2)) && from.contains(&IpAddr::V4(R2B)));
}

#[test]
fn per_packet_ecmp_spreads_one_flow() {
    let mut net = diamond(Balance::PerPacket);
    let one_flow = (0..20).map(|i| udp(ms(i), DST, 2, 40000)).collect();
    let from = senders(&run(&mut net, one_flow, ms(100)));
    assert!(from.contains(&IpAddr::V4(R2)) && from.contains(&IpAddr::V4(R2B)));
}

/// DST behind r1, the link after r1 with MTU 1400, the first `first_mtu`.
fn narrow(first_mtu: u16, fragmentation: Fragmentation) -> Network {
    let mut b = Network::builder()
        .local(LOCAL4)
        .fragmentation(fragmentation);
    let r1 = b.router(Router::new(R1));
    b.route(
        Route::to(DST, 32)
            .hop(r1, Link::ms(1).mtu(first_mtu))
            .last_link(Link::ms(1).mtu(1400))
            .every_host(Host::answering()),
    );
    b.build().unwrap()
}

#[test]
fn a_datagram_over_a_links_mtu_with_dont_fragment_gets_frag_needed() {
    let mut net = narrow(1500, Fragmentation::DontFragment);
    let big = Probe {
        bytes: echo(false, 1, 1, 1500 - 28),
        ..ping(ms(0), DST, None, 1)
    };
    let seen = run(&mut net, vec![big.clone()], ms(50));
    let (at, _, from, _, bytes) = datagram(&seen[0]);
    assert_eq!((at, from), (ms(2), IpAddr::V4(R1)));
    assert_eq!((bytes[0], bytes[1]), (3, 4));
    assert_eq!(u16::from_be_bytes([bytes[6], bytes[7]]), 1400);
    // The quote is cut to fit 576 bytes.
    assert_eq!(bytes.len(), 576 - 20);

    // Without Don't Fragment, it goes through (fragmented, unseen).
    let mut net = narrow(1500, Fragmentation::Allowed);
    let seen = run(&mut net, vec![big], ms(50));
    let (at, _, from, _, bytes) = datagram(&seen[0]);
    assert_eq!((at, from, bytes.len()), (ms(4), IpAddr::V4(DST), 1480));
}

#[test]
fn a_send_over_the_first_links_mtu_is_refused_with_emsgsize_explained() {
    let mut net = narrow(1280, Fragmentation::DontFragment);
    let big = Probe {
        bytes: echo(false, 1, 1, 1300),
        ..ping(ms(0), DST, None, 1)
    };
    let seen = run(&mut net, vec![big.clone()], ms(50));
    assert_eq!(seen.len(), 2);
    match &seen[0] {
        Seen::Error {
            at,
            channel,
            source,
            errno,
            info,
            original,
            ..
        } => {
            assert_eq!(
                (*at, *channel, *source),
                (ms(0), Channel::Icmp, ErrorSource::Local)
            );
            assert_eq!((*errno, *info), (errno::EMSGSIZE, 1280));
            assert_eq!(original, &big.bytes);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        seen[1],
        Seen::Refused(SendFailure {
            tag: 1,
            dst: DST.into(),
            errno: errno::EMSGSIZE,
            explained: true,
        })
    );
    assert_eq!(net.counters().sent, 0);
    assert_eq!(net.counters().refused, 1);
}

/// The local host (`fd00::1`) — r1 — the host `2001:db8::7`, both links
/// with MTU 1280.
fn narrow_v6(fragmentation: Fragmentation) -> (Network, Ipv6Addr) {
    let dst: Ipv6Addr = "2001:db8::7".parse().unwrap();
    let mut b = Network::builder()
        .local(LOCAL6)
        .fragmentation(fragmentation);
    let r1 = b.router(Router::new("fd00:1::1".parse::<Ipv6Addr>().unwrap()));
    b.route(
        Route::to(dst, 128)
            .hop(r1, Link::ms(1).mtu(1280))
            .last_link(Link::ms(1).mtu(1280))
            .every_host(Host::answering()),
    );
    (b.build().unwrap(), dst)
}

#[test]
fn an_ipv6_send_over_the_first_links_mtu_is_fragmented_unless_probing() {
    // ping -6 -s 1300: 1348 bytes on a 1280 link.
    let big = |dst: Ipv6Addr| Probe {
        bytes: echo(true, 0x1234, 1, 1300),
        ..ping(ms(0), dst, None, 1)
    };
    // IPV6_PMTUDISC_WANT: the local host cuts it (1280 + 124), the host
    // puts it together and answers 1348 bytes, cut by it the same way
    // and put together here.
    let (mut net, dst) = narrow_v6(Fragmentation::Allowed);
    let seen = run(&mut net, vec![big(dst)], ms(50));
    assert_eq!(seen.len(), 1);
    let (at, _, from, _, bytes) = datagram(&seen[0]);
    assert_eq!((at, from, bytes.len()), (ms(4), IpAddr::V6(dst), 1308));
    assert_eq!(bytes[0], 129);
    assert_eq!(&bytes[4..], &echo(true, 0x1234, 1, 1300)[4..]);
    let addrs = AddressPair::new(dst.into(), LOCAL6.into()).unwrap();
    assert!(addrs.sum(protocol::ICMPV6, bytes).is_valid());
    assert_eq!(net.stats().reassembled, 2);
    assert_eq!(net.stats().fragments_made, 2);
    assert_eq!((net.counters().sent, net.counters().refused), (1, 0));

    // IPV6_PMTUDISC_PROBE: EMSGSIZE with the link's MTU, as before.
    let (mut net, dst) = narrow_v6(Fragmentation::DontFragment);
    let seen = run(&mut net, vec![big(dst)], ms(50));
    assert_eq!(seen.len(), 2);
    assert!(
        matches!(seen[0], Seen::Error { errno, info: 1280, .. } if errno == errno::EMSGSIZE),
        "{:?}",
        seen[0]
    );
    assert!(matches!(seen[1], Seen::Refused(_)));
    assert_eq!((net.counters().sent, net.counters().refused), (0, 1));
}

#[test]
fn a_rate_limited_router_answers_six_at_once_then_one_a_second() {
    let mut b = Network::builder().local(LOCAL4);
    let r1 = b.router(Router::new(R1).rate_limited());
    b.route(
        Route::to(DST, 32)
            .hop(r1, Link::ms(1))
            .every_host(Host::answering()),
    );
    let mut net = b.build().unwrap();
    let mut probes: Vec<_> = (0..10).map(|i| ping(ms(0), DST, Some(1), i)).collect();
    // Three more at 1.5 s: one and a half tokens came back.
    probes.extend((10..13).map(|i| ping(ms(1500), DST, Some(1), i)));
    // Three more at 3.5 s: two tokens (and the half).
    probes.extend((13..16).map(|i| ping(ms(3500), DST, Some(1), i)));
    let seen = run(&mut net, probes, ms(4000));
    let at: Vec<_> = seen.iter().map(|s| datagram(s).0).collect();
    assert_eq!(
        at,
        [vec![ms(2); 6], vec![ms(1502)], vec![ms(3502); 2]].concat()
    );
    assert_eq!(net.counters().rate_limited, 16 - 9);
}

#[test]
fn queued_errors_come_on_the_sending_channel_with_linux_errnos() {
    let mut net = chain().errors(ErrorDelivery::Queued).build().unwrap();
    let seen = run(&mut net, vec![udp(ms(0), DST, 1, 40000)], ms(50));
    assert_eq!(seen.len(), 1);
    let probe = udp(ms(0), DST, 1, 40000);
    assert_eq!(
        seen[0],
        Seen::Error {
            at: ms(2),
            channel: Channel::Udp,
            source: ErrorSource::Icmp,
            errno: errno::EHOSTUNREACH,
            icmp_type: 11,
            icmp_code: 0,
            info: 0,
            offender: Some(R1.into()),
            original: probe.bytes,
        }
    );

    // Both: the raw socket's copy first, then the queued one.
    let mut net = chain().errors(ErrorDelivery::Both).build().unwrap();
    let seen = run(&mut net, vec![udp(ms(0), DST, 9, 40000)], ms(50));
    assert_eq!(seen.len(), 2);
    let (at, channel, from, _, bytes) = datagram(&seen[0]);
    assert_eq!(
        (at, channel, from),
        (ms(12), Channel::Icmp, IpAddr::V4(DST))
    );
    assert_eq!((bytes[0], bytes[1]), (3, 3));
    assert!(matches!(
        seen[1],
        Seen::Error {
            errno: errno::ECONNREFUSED,
            icmp_type: 3,
            icmp_code: 3,
            ..
        }
    ));
}

#[test]
fn a_udp_probe_reaching_the_destination_gets_port_unreachable() {
    let mut net = chain().build().unwrap();
    let seen = run(&mut net, vec![udp(ms(0), DST, 30, 40000)], ms(50));
    let (at, channel, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!(
        (at, channel, from, hop_limit),
        (ms(12), Channel::Icmp, DST.into(), Some(62))
    );
    assert_eq!((bytes[0], bytes[1]), (3, 3));
    let quote = quote::parse(&bytes[8..], IpVersion::V4).unwrap();
    // The probe reached the host with 30 less the two routers.
    assert_eq!(quote.ip.hop_limit(), 28);
    assert!(matches!(
        quote.transport,
        Some(QuotedTransport::Udp {
            src_port: 40000,
            dst_port: 33434,
            ..
        })
    ));
}

#[test]
fn a_tcp_syn_gets_a_syn_ack_from_an_open_port_and_a_rst_from_a_closed_one() {
    let mut b = Network::builder().local(LOCAL4);
    let r1 = b.router(Router::new(R1));
    let closed = Ipv4Addr::new(192, 0, 2, 8);
    b.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r1, Link::ms(1))
            .last_link(Link::ms(1))
            .host(DST, Host::answering().tcp(TcpAnswer::SynAck))
            .host(closed, Host::answering()),
    );
    let mut net = b.build().unwrap();
    let mut rst = syn(closed, 80);
    rst.at = ms(10);
    let seen = run(&mut net, vec![syn(DST, 443), rst], ms(50));
    let (at, channel, from, _, bytes) = datagram(&seen[0]);
    assert_eq!((at, channel, from), (ms(4), Channel::Tcp, DST.into()));
    let segment = tcp::Packet::new_checked(bytes).unwrap();
    assert_eq!((segment.src_port(), segment.dst_port()), (443, 40000));
    assert_eq!(segment.flags(), tcp::flags::SYN | tcp::flags::ACK);
    assert_eq!(segment.ack_number(), 1001);
    assert!(segment.verify_checksum(&AddressPair::new(DST.into(), LOCAL4.into()).unwrap()));
    let (at, channel, from, _, bytes) = datagram(&seen[1]);
    assert_eq!((at, channel, from), (ms(14), Channel::Tcp, closed.into()));
    let segment = tcp::Packet::new_checked(bytes).unwrap();
    assert_eq!(segment.flags(), tcp::flags::RST | tcp::flags::ACK);
    assert_eq!((segment.seq_number(), segment.ack_number()), (0, 1001));
}

#[test]
fn rejecting_silent_and_missing_give_what_linux_routers_give() {
    let mut b = Network::builder().local(LOCAL4);
    let r1 = b.router(Router::new(R1).silent());
    let r2 = b.router(Router::new(R2).rejecting(Unreachable::PROHIBITED));
    let r3 = b.router(Router::new(R3));
    let filtered = Ipv4Addr::new(198, 51, 100, 1);
    b.route(
        Route::to(filtered, 32)
            .hop(r1, Link::ms(1))
            .hop(r2, Link::ms(1))
            .every_host(Host::answering()),
    );
    b.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 24)
            .hop(r3, Link::ms(1))
            .absent(Absent::Unreachable(Unreachable::HOST))
            .host(DST, Host::silent()),
    );
    let mut net = b.build().unwrap();
    let nowhere = Ipv4Addr::new(203, 0, 113, 1);
    let seen = run(
        &mut net,
        vec![
            ping(ms(0), filtered, Some(1), 1),
            ping(ms(0), filtered, Some(2), 2),
            ping(ms(0), filtered, None, 3),
            ping(ms(0), Ipv4Addr::new(192, 0, 2, 99), None, 4),
            ping(ms(0), DST, None, 5),
            ping(ms(0), nowhere, None, 6),
        ],
        ms(50),
    );
    assert_eq!(seen.len(), 4, "{seen:#?}");
    assert_eq!(
        seen[0],
        Seen::Refused(SendFailure {
            tag: 6,
            dst: nowhere.into(),
            errno: errno::ENETUNREACH,
            explained: false,
        })
    );
    // The TTL runs out at the rejecting router: Time Exceeded first.
    let (at, _, from, _, bytes) = datagram(&seen[1]);
    assert_eq!((at, from, bytes[0], bytes[1]), (ms(2), R3.into(), 3, 1));
    let (at, _, from, _, bytes) = datagram(&seen[2]);
    assert_eq!((at, from, bytes[0], bytes[1]), (ms(4), R2.into(), 11, 0));
    let (at, _, from, _, bytes) = datagram(&seen[3]);
    assert_eq!((at, from, bytes[0], bytes[1]), (ms(4), R2.into(), 3, 13));
}

#[test]
fn a_router_answers_for_its_own_address() {
    let mut net = chain().build().unwrap();
    let seen = run(
        &mut net,
        vec![ping(ms(0), R2, None, 1), udp(ms(0), R1, 64, 1)],
        ms(50),
    );
    let (at, _, from, hop_limit, bytes) = datagram(&seen[0]);
    assert_eq!(
        (at, from, hop_limit, bytes[0]),
        (ms(2), R1.into(), Some(64), 3)
    );
    let (at, _, from, hop_limit, bytes) = datagram(&seen[1]);
    assert_eq!(
        (at, from, hop_limit, bytes[0]),
        (ms(6), R2.into(), Some(63), 0)
    );
}

#[test]
fn a_whole_prefix_answers_a_sweep_except_its_silent_hosts() {
    let mut b = Network::builder().local(LOCAL4);
    let r1 = b.router(Router::new(R1));
    let silent = Ipv4Addr::new(192, 0, 2, 5);
    b.route(
        Route::to(Ipv4Addr::new(192, 0, 2, 0), 29)
            .hop(r1, Link::ms(1))
            .host(silent, Host::silent())
            .every_host(Host::answering()),
    );
    let mut net = b.build().unwrap();
    let probes = (0..8)
        .map(|i| ping(ms(0), Ipv4Addr::new(192, 0, 2, i), None, u16::from(i)))
        .collect();
    let seen = run(&mut net, probes, ms(50));
    let from: Vec<_> = senders(&seen);
    let expected: Vec<IpAddr> = [0, 1, 2, 3, 4, 6, 7]
        .into_iter()
        .map(|i| Ipv4Addr::new(192, 0, 2, i).into())
        .collect();
    assert_eq!(from, expected);
}

#[test]
fn time_exceeded_can_carry_an_mpls_label_stack() {
    let label = MplsLabel {
        label: 16_004,
        tc: 0,
        bottom_of_stack: true,
        ttl: 1,
    };
    let mut b = Network::builder().local(LOCAL4);
    let r1 = b.router(Router::new(R1).mpls(&[label]));
    b.route(
        Route::to(DST, 32)
            .hop(r1, Link::ms(1))
            .every_host(Host::answering()),
    );
    let mut net = b.build().unwrap();
    let seen = run(&mut net, vec![ping(ms(0), DST, Some(1), 1)], ms(50));
    let (_, _, _, _, bytes) = datagram(&seen[0]);
    let parts = extension::split(&bytes[8..], bytes[5], 4).unwrap();
    let structure = ExtensionStructure::new_checked(parts.extension.unwrap()).unwrap();
    let objects: Vec<_> = structure.objects().collect::<Result<_, _>>().unwrap();
    match &objects[..] {
        [Object::Mpls(stack)] => assert_eq!(stack.labels().collect::<Vec<_>>(), [label]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_clock_moves_only_when_the_driver_waits() {
    let mut net = chain().build().unwrap();
    let t0 = crate::Transport::now(&mut net);
    assert_eq!(t0, net.start());
    assert_eq!(crate::Transport::now(&mut net), t0);
    crate::Transport::wait(&mut net, t0 + ms(30)).unwrap();
    assert_eq!(crate::Transport::now(&mut net), t0 + ms(30));
    // A deadline in the past does not move it back.
    crate::Transport::wait(&mut net, t0).unwrap();
    assert_eq!(net.elapsed(), ms(30));
}

#[test]
fn a_ping_socket_rewrites_the_identifier_and_fills_the_checksum() {
    let mut net = chain().ping_socket(0x4242).build().unwrap();
    let mut probe = ping(ms(0), DST, None, 3);
    probe.bytes[2..4].fill(0);
    let seen = run(&mut net, vec![probe], ms(50));
    let (at, _, _, _, bytes) = datagram(&seen[0]);
    assert_eq!(at, ms(12));
    assert_eq!(u16::from_be_bytes([bytes[4], bytes[5]]), 0x4242);
    assert_eq!(u16::from_be_bytes([bytes[6], bytes[7]]), 3);
    assert!(checksum::is_valid(bytes));
}
