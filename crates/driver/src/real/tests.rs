//! Real sockets on loopback (root only: skipped with a message otherwise,
//! failed under `CI=true`, which runs as root, by `icmpkit_lab::require`).
//! Nothing leaves the host: every datagram goes to `127.0.0.1`, `::1` or
//! `127.255.255.255` (`lo`). The burst tests open their sockets inside a
//! lab namespace of their own (`Lab::host` + `Lab::enter`), where no other
//! test's echoes fill their sockets and their bursts fill no one else's.
//!
//! [`RealTransport::open`] drops the capabilities of the thread that calls
//! it, so every test opens its transport on a thread of its own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use icmpkit_lab::echo::{WAIT, echo_fields, echo_request, ident, nonce, write_echo_request};
use icmpkit_lab::netns::Lab;
use icmpkit_lab::require;
use icmpkit_net::{PmtuMode, SocketChoice, SocketKind, privilege};
use icmpkit_proto::machine::{
    Channel, ErrorSource, Input, Machine, Overflow, SendFailure, Signal, Transmit, Verdict,
    version_of,
};
use icmpkit_wire::{IpVersion, tcp};

use super::{
    FamilyPlan, IcmpFilter, IcmpPlan, OpenError, RealTransport, SocketOptions, SocketPlan,
    ThreadedTransport,
};
use crate::{Delivery, Signals, Transport, TransportError, drive};

pub(crate) const V4_LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
pub(crate) const V6_LOOPBACK: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

/// Runs `f` on a thread of its own (opening drops that thread's
/// capabilities, not the test harness's).
pub(crate) fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("the test thread panicked"))
}

/// A reply [`ThreeEchoes`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) from: IpAddr,
    pub(crate) seq: u16,
    hop_limit: Option<u8>,
    /// The kernel's receive time was there, and not after the read.
    kernel_stamped: bool,
}

/// A tiny machine: three Echo Requests to each target at once, done when
/// every one is answered or after [`WAIT`].
pub(crate) struct ThreeEchoes {
    targets: Vec<IpAddr>,
    ident: u16,
    data: [u8; 16],
    sent: usize,
    deadline: Option<Instant>,
    replies: Vec<Reply>,
    events: Vec<Reply>,
    refused: Vec<SendFailure>,
}

impl ThreeEchoes {
    pub(crate) fn new(targets: Vec<IpAddr>) -> Self {
        Self {
            targets,
            ident: ident(),
            data: nonce(),
            sent: 0,
            deadline: None,
            replies: Vec::new(),
            events: Vec::new(),
            refused: Vec::new(),
        }
    }

    fn all_answered(&self) -> bool {
        self.replies.len() >= 3 * self.targets.len()
    }
}

impl Machine for ThreeEchoes {
    type Event = Reply;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let dst = *self.targets.get(self.sent / 3)?;
        let seq = u16::try_from(self.sent % 3 + 1).unwrap();
        write_echo_request(version_of(dst), self.ident, seq, &self.data, buf);
        self.deadline.get_or_insert(now + WAIT);
        self.sent += 1;
        Some(Transmit {
            channel: Channel::Icmp,
            dst,
            hop_limit: None,
            tag: self.sent as u64,
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        self.refused.push(failure);
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        let Input::Datagram(d) = input else { return };
        let Some((true, ident, seq, data)) = echo_fields(version_of(d.from), d.bytes) else {
            return;
        };
        if d.channel != Channel::Icmp || ident != self.ident || data != self.data {
            return;
        }
        let reply = Reply {
            from: d.from,
            seq,
            hop_limit: d.hop_limit,
            kernel_stamped: d.kernel_at.is_some_and(|k| k <= d.read_at),
        };
        self.replies.push(reply);
        self.events.push(reply);
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_signal(&mut self, _now: Instant, _signal: Signal) {}

    fn poll_event(&mut self) -> Option<Reply> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        let deadline = self.deadline.unwrap_or(now);
        (!self.all_answered() && now < deadline).then_some(deadline)
    }

    fn verdict(&self) -> Verdict {
        if self.all_answered() {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

/// A raw ICMP socket for each version, with the usual receiving options.
pub(crate) fn raw_icmp_plan(options: &SocketOptions) -> SocketPlan {
    let family = FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, options.clone()));
    SocketPlan::new()
        .with(IpVersion::V4, family.clone())
        .with(IpVersion::V6, family)
}

/// What a delivery said, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Datagram {
        channel: Channel,
        from: IpAddr,
        bytes: Vec<u8>,
    },
    Error {
        channel: Channel,
        source: ErrorSource,
        errno: i32,
        info: u32,
        dst: Option<IpAddr>,
        original_len: usize,
    },
    Refused(SendFailure),
    Overflow(Overflow),
}

fn seen(delivery: Delivery<'_>) -> Seen {
    match delivery {
        Delivery::Input(Input::Datagram(d)) => Seen::Datagram {
            channel: d.channel,
            from: d.from,
            bytes: d.bytes.to_vec(),
        },
        Delivery::Input(Input::SocketError(e)) => Seen::Error {
            channel: e.channel,
            source: e.source,
            errno: e.errno,
            info: e.info,
            dst: e.dst,
            original_len: e.original.len(),
        },
        Delivery::Refused(failure) => Seen::Refused(failure),
        Delivery::Overflow(overflow) => Seen::Overflow(overflow),
    }
}

/// What sending an ICMPv6 datagram too big for `lo` with Don't Fragment
/// delivers, error queue read: the local EMSGSIZE error, then the send
/// with `tag` refused and explained by it.
fn too_big_for_lo(tag: u64) -> [Seen; 2] {
    [
        Seen::Error {
            channel: Channel::Icmp,
            source: ErrorSource::Local,
            errno: libc::EMSGSIZE,
            info: 65_536,
            dst: Some(V6_LOOPBACK),
            original_len: 0,
        },
        Seen::Refused(SendFailure {
            tag,
            dst: V6_LOOPBACK,
            errno: libc::EMSGSIZE,
            explained: true,
        }),
    ]
}

/// A raw ICMPv4 receiver and a raw UDP or TCP sender bound to 127.0.0.1.
fn icmp_and_sender_on_loopback(sender: Channel) -> RealTransport {
    let options = SocketOptions {
        source: Some(V4_LOOPBACK),
        ..SocketOptions::receiving()
    };
    let mut family = FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, SocketOptions::receiving()));
    match sender {
        Channel::Udp => family.udp = Some(options),
        Channel::Tcp => family.tcp = Some(options),
        Channel::Icmp => {}
    }
    RealTransport::open(&SocketPlan::new().with(IpVersion::V4, family))
        .expect("open a raw ICMP socket and its sender")
}

/// Sends one datagram (queues and flushes it, as [`drive`] does) and
/// returns what the send delivered.
fn send(transport: &mut RealTransport, transmit: Transmit, bytes: &[u8]) -> Vec<Seen> {
    let mut out = Vec::new();
    transport
        .send(&transmit, bytes, &mut |d| out.push(seen(d)))
        .expect("the send ends no run");
    transport
        .flush(&mut |d| out.push(seen(d)))
        .expect("the flush ends no run");
    out
}

/// Waits and receives until `found` picks something out, for [`WAIT`].
fn receive_until<T>(
    transport: &mut RealTransport,
    mut found: impl FnMut(&Seen) -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        transport.wait(deadline).unwrap();
        let mut got = None;
        transport
            .receive(&mut |d| {
                if got.is_none() {
                    got = found(&seen(d));
                }
            })
            .unwrap();
        if got.is_some() {
            return got;
        }
    }
    None
}

/// A local port nothing listens on now (the kernel gave it and it was
/// closed again).
fn closed_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn closed_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_empty_plan_is_refused_before_anything_is_opened() {
    let err = RealTransport::open(&SocketPlan::new()).unwrap_err();
    assert!(matches!(err, OpenError::EmptyPlan), "{err:?}");
    assert_eq!(err.to_string(), "the socket plan names no socket");
}

#[test]
fn three_echoes_to_each_loopback_address_are_all_answered_through_drive() {
    if !require::root("three_echoes_to_each_loopback_address_are_all_answered_through_drive") {
        return;
    }
    on_own_thread(|| {
        let mut transport = RealTransport::open(&raw_icmp_plan(&SocketOptions::receiving()))
            .expect("open raw ICMP sockets");
        // Opening dropped CAP_NET_RAW; the sockets keep working.
        assert!(!privilege::has_raw_capability().unwrap());
        for version in [IpVersion::V4, IpVersion::V6] {
            assert_eq!(transport.icmp_kind(version), Some(SocketKind::Raw));
            assert_eq!(transport.dgram_ident(version), None);
            assert!(transport.socket(version, Channel::Udp).is_none());
        }
        let mut machine = ThreeEchoes::new(vec![V4_LOOPBACK, V6_LOOPBACK]);
        let mut events = Vec::new();
        let verdict = drive(&mut machine, &mut transport, &Signals::none(), |_, e| {
            events.push(e);
            Ok(())
        })
        .expect("the run ends well");
        assert_eq!(verdict, Verdict::Answered, "replies: {:?}", machine.replies);
        assert!(machine.refused.is_empty(), "{:?}", machine.refused);
        assert_eq!(events, machine.replies);
        for target in [V4_LOOPBACK, V6_LOOPBACK] {
            let mut seqs: Vec<u16> = events
                .iter()
                .filter(|r| r.from == target)
                .map(|r| r.seq)
                .collect();
            seqs.sort_unstable();
            assert_eq!(seqs, [1, 2, 3], "{target}: {events:?}");
        }
        for reply in &events {
            // The kernel's replies leave with its default TTL / hop limit.
            assert_eq!(reply.hop_limit, Some(64), "{reply:?}");
            assert!(reply.kernel_stamped, "{reply:?}");
        }
    });
}

#[test]
fn a_send_to_the_loopback_broadcast_is_refused_unexplained_until_broadcast_is_allowed() {
    if !require::root(
        "a_send_to_the_loopback_broadcast_is_refused_unexplained_until_broadcast_is_allowed",
    ) {
        return;
    }
    let broadcast = IpAddr::V4(Ipv4Addr::new(127, 255, 255, 255));
    let transmit = Transmit {
        channel: Channel::Icmp,
        dst: broadcast,
        hop_limit: None,
        tag: 7,
    };
    let echo = echo_request(IpVersion::V4, 1, 1, b"broadcast");
    on_own_thread(|| {
        let mut transport = RealTransport::open(&raw_icmp_plan(&SocketOptions::receiving()))
            .expect("open raw ICMP sockets");
        assert_eq!(
            send(&mut transport, transmit, &echo),
            [Seen::Refused(SendFailure {
                tag: 7,
                dst: broadcast,
                errno: libc::EACCES,
                explained: false,
            })]
        );
    });
    on_own_thread(|| {
        let options = SocketOptions {
            broadcast: true,
            ..SocketOptions::receiving()
        };
        let mut transport =
            RealTransport::open(&raw_icmp_plan(&options)).expect("open raw ICMP sockets");
        assert_eq!(send(&mut transport, transmit, &echo), []);
    });
}

#[test]
fn an_ipv6_send_over_the_loopback_mtu_with_dont_fragment_is_refused_and_explained() {
    if !require::root(
        "an_ipv6_send_over_the_loopback_mtu_with_dont_fragment_is_refused_and_explained",
    ) {
        return;
    }
    // lo's MTU is 65536: 40 bytes of IPv6 header and 65508 of ICMPv6 are
    // too many for Don't Fragment.
    let echo = echo_request(IpVersion::V6, 1, 1, &vec![0; 65_500]);
    let transmit = Transmit {
        channel: Channel::Icmp,
        dst: V6_LOOPBACK,
        hop_limit: None,
        tag: 3,
    };
    let refused = |explained| {
        Seen::Refused(SendFailure {
            tag: 3,
            dst: V6_LOOPBACK,
            errno: libc::EMSGSIZE,
            explained,
        })
    };
    on_own_thread(|| {
        let options = SocketOptions {
            pmtu: Some(PmtuMode::Do),
            ..SocketOptions::receiving()
        };
        let mut transport =
            RealTransport::open(&raw_icmp_plan(&options)).expect("open raw ICMP sockets");
        assert_eq!(send(&mut transport, transmit, &echo), too_big_for_lo(3));
    });
    on_own_thread(|| {
        // Without the error queue nothing explains it.
        let options = SocketOptions {
            pmtu: Some(PmtuMode::Do),
            ..SocketOptions::default()
        };
        let mut transport =
            RealTransport::open(&raw_icmp_plan(&options)).expect("open raw ICMP sockets");
        assert_eq!(send(&mut transport, transmit, &echo), [refused(false)]);
    });
}

#[test]
fn a_udp_probe_to_a_closed_port_is_answered_on_the_icmp_socket_with_its_ttl_quoted() {
    if !require::root(
        "a_udp_probe_to_a_closed_port_is_answered_on_the_icmp_socket_with_its_ttl_quoted",
    ) {
        return;
    }
    on_own_thread(|| {
        let mut transport = icmp_and_sender_on_loopback(Channel::Udp);
        assert_eq!(
            transport.local_addr(IpVersion::V4, Channel::Udp),
            Some(V4_LOOPBACK)
        );
        let dst_port = closed_udp_port();
        // TTL 7, then the socket's default again (64): each as asked.
        for (src_port, hop_limit, quoted_ttl) in [
            (dst_port ^ 0x5a5a, Some(7), 7),
            (dst_port ^ 0xa5a5, None, 64),
        ] {
            let mut probe = Vec::new();
            probe.extend_from_slice(&src_port.to_be_bytes());
            probe.extend_from_slice(&dst_port.to_be_bytes());
            probe.extend_from_slice(&16_u16.to_be_bytes());
            probe.extend_from_slice(&[0, 0]);
            probe.extend_from_slice(b"icmpkit!");
            let transmit = Transmit {
                channel: Channel::Udp,
                dst: V4_LOOPBACK,
                hop_limit,
                tag: 1,
            };
            assert_eq!(send(&mut transport, transmit, &probe), []);
            // Port Unreachable: 8 bytes of ICMP, the quoted IPv4 header (20
            // bytes, TTL at 8) and our UDP header.
            let quote = receive_until(&mut transport, |s| match s {
                Seen::Datagram {
                    channel: Channel::Icmp,
                    from,
                    bytes,
                } if *from == V4_LOOPBACK
                    && bytes.get(..2) == Some(&[3, 3])
                    && bytes.get(28..32) == probe.get(..4) =>
                {
                    Some(bytes.clone())
                }
                _ => None,
            })
            .expect("a Port Unreachable about the probe");
            assert_eq!(quote[8 + 8], quoted_ttl, "{hop_limit:?}");
        }
    });
}

#[test]
fn a_tcp_syn_to_a_closed_port_gets_its_reset_on_the_tcp_channel() {
    if !require::root("a_tcp_syn_to_a_closed_port_gets_its_reset_on_the_tcp_channel") {
        return;
    }
    on_own_thread(|| {
        let mut transport = icmp_and_sender_on_loopback(Channel::Tcp);
        let (dst_port, src_port) = (closed_tcp_port(), closed_tcp_port() ^ 0x4000);
        let seq = u32::from_be_bytes(nonce()[..4].try_into().unwrap());
        let mut syn = vec![0; tcp::HEADER_LEN];
        let mut segment = tcp::Packet::new_unchecked(&mut syn[..]);
        segment.set_src_port(src_port);
        segment.set_dst_port(dst_port);
        segment.set_seq_number(seq);
        segment.set_header_len(20);
        segment.set_flags(tcp::flags::SYN);
        segment.set_window_len(1024);
        segment.fill_checksum(&icmpkit_wire::ip::AddressPair::V4 {
            src: Ipv4Addr::LOCALHOST,
            dst: Ipv4Addr::LOCALHOST,
        });
        let transmit = Transmit {
            channel: Channel::Tcp,
            dst: V4_LOOPBACK,
            hop_limit: None,
            tag: 1,
        };
        assert_eq!(send(&mut transport, transmit, &syn), []);
        let (flags, ack) = receive_until(&mut transport, |s| match s {
            Seen::Datagram {
                channel: Channel::Tcp,
                from,
                bytes,
            } if *from == V4_LOOPBACK => {
                let reply = tcp::Packet::new_checked(&bytes[..]).ok()?;
                (reply.src_port() == dst_port && reply.dst_port() == src_port)
                    .then(|| (reply.flags(), reply.ack_number()))
            }
            _ => None,
        })
        .expect("the kernel's reset");
        assert_eq!(flags, tcp::flags::RST | tcp::flags::ACK);
        assert_eq!(ack, seq.wrapping_add(1));
    });
}

#[test]
fn a_channel_the_plan_lacks_ends_the_run_with_what_was_missing() {
    if !require::root("a_channel_the_plan_lacks_ends_the_run_with_what_was_missing") {
        return;
    }
    on_own_thread(|| {
        let plan = SocketPlan::new().with(
            IpVersion::V4,
            FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, SocketOptions::default())),
        );
        let mut transport = RealTransport::open(&plan).expect("open a raw ICMP socket");
        for (channel, dst) in [(Channel::Udp, V4_LOOPBACK), (Channel::Icmp, V6_LOOPBACK)] {
            let transmit = Transmit {
                channel,
                dst,
                hop_limit: None,
                tag: 1,
            };
            let err = transport.send(&transmit, &[0; 8], &mut |_| {}).unwrap_err();
            let expected = match channel {
                Channel::Udp => "no UDP socket for IPv4 in this run's socket plan",
                _ => "no ICMP socket for IPv6 in this run's socket plan",
            };
            assert!(matches!(err, TransportError::NoSocket { .. }));
            assert_eq!(err.to_string(), expected);
        }
    });
}

/// Our Echo Requests: one identifier and payload, a sequence number each.
struct Echoes<'a> {
    ident: u16,
    data: &'a [u8],
}

impl Echoes<'_> {
    /// Queues echo `seq` to `dst` with `hop_limit` and `tag` on
    /// `transport`, what it delivers (refusals) pushed to `delivered`.
    fn queue(
        &self,
        transport: &mut RealTransport,
        seq: u16,
        dst: IpAddr,
        hop_limit: Option<u8>,
        tag: u64,
        delivered: &mut Vec<Seen>,
    ) {
        let mut bytes = Vec::new();
        write_echo_request(version_of(dst), self.ident, seq, self.data, &mut bytes);
        let transmit = Transmit {
            channel: Channel::Icmp,
            dst,
            hop_limit,
            tag,
        };
        transport
            .send(&transmit, &bytes, &mut |d| delivered.push(seen(d)))
            .unwrap();
    }
}

/// A raw ICMP socket for IPv4 alone, with a receive buffer for a burst of
/// replies and the ICMP type filter `filter`.
fn burst_plan(filter: IcmpFilter) -> SocketPlan {
    let options = SocketOptions {
        recv_buffer: Some(4 << 20),
        ..SocketOptions::receiving()
    };
    let icmp = IcmpPlan {
        filter,
        ..IcmpPlan::new(SocketChoice::Raw, options)
    };
    SocketPlan::new().with(IpVersion::V4, FamilyPlan::icmp(icmp))
}

/// An Echo Request or Reply with our identifier and data: (is it a reply,
/// its sequence number).
fn our_echo(seen: &Seen, ident: u16, data: &[u8]) -> Option<(bool, u16)> {
    let Seen::Datagram { from, bytes, .. } = seen else {
        return None;
    };
    let (reply, ident_seen, seq, data_seen) = echo_fields(version_of(*from), bytes)?;
    (ident_seen == ident && data_seen == data).then_some((reply, seq))
}

/// Receives until `done` says `state` is complete or [`WAIT`] passes,
/// handing every delivery to `each`.
fn receive_all<S>(
    transport: &mut RealTransport,
    state: &mut S,
    mut each: impl FnMut(&mut S, Delivery<'_>),
    done: impl Fn(&S) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    while !done(state) && Instant::now() < deadline {
        transport.wait(deadline).unwrap();
        transport.receive(&mut |d| each(state, d)).unwrap();
    }
}

/// How many echoes the burst tests send.
const COUNT: u16 = 200;

#[test]
fn two_hundred_queued_echoes_go_in_one_flush_and_are_all_answered() {
    let Some(lab) = Lab::host("two_hundred_queued_echoes_go_in_one_flush_and_are_all_answered")
    else {
        return;
    };
    lab.enter("host", || {
        let mut transport =
            RealTransport::open(&burst_plan(IcmpFilter::RepliesAndErrors)).expect("open");
        let (ident, data) = (ident(), nonce());
        let echoes = Echoes { ident, data: &data };
        let mut delivered = Vec::new();
        for seq in 0..COUNT {
            echoes.queue(
                &mut transport,
                seq,
                V4_LOOPBACK,
                None,
                u64::from(seq) + 1000,
                &mut delivered,
            );
        }
        // Queued, not sent: nothing of ours can have come back.
        transport.receive(&mut |d| delivered.push(seen(d))).unwrap();
        assert!(
            delivered
                .iter()
                .all(|s| our_echo(s, ident, &data).is_none()),
            "{delivered:?}"
        );
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        assert!(
            !delivered.iter().any(|s| matches!(s, Seen::Refused(_))),
            "{delivered:?}"
        );
        let mut answered = vec![0_u32; usize::from(COUNT)];
        receive_all(
            &mut transport,
            &mut answered,
            |answered, d| {
                if let Some((true, seq)) = our_echo(&seen(d), ident, &data) {
                    answered[usize::from(seq)] += 1;
                }
            },
            |answered| answered.iter().all(|&n| n > 0),
        );
        assert!(answered.iter().all(|&n| n == 1), "{answered:?}");
    });
}

#[test]
fn queued_echoes_leave_with_the_ttl_each_asked_for() {
    let Some(lab) = Lab::host("queued_echoes_leave_with_the_ttl_each_asked_for") else {
        return;
    };
    // The raw socket sees every ICMP message on loopback, our own
    // requests among them, with the TTL they left with.
    let ttls = [
        None,
        Some(5),
        Some(5),
        Some(9),
        None,
        Some(9),
        Some(1),
        None,
    ];
    lab.enter("host", || {
        let mut transport = RealTransport::open(&burst_plan(IcmpFilter::All)).expect("open");
        let (ident, data) = (ident(), nonce());
        let echoes = Echoes { ident, data: &data };
        let mut refused = Vec::new();
        for (seq, &hop_limit) in (0..).zip(&ttls) {
            echoes.queue(
                &mut transport,
                seq,
                V4_LOOPBACK,
                hop_limit,
                u64::from(seq),
                &mut refused,
            );
        }
        transport.flush(&mut |d| refused.push(seen(d))).unwrap();
        assert_eq!(refused, []);
        let mut left_with = vec![None; ttls.len()];
        receive_all(
            &mut transport,
            &mut left_with,
            |left_with, d| {
                let Delivery::Input(Input::Datagram(datagram)) = d else {
                    return;
                };
                if let Some((false, seq)) = our_echo(&seen(d), ident, &data) {
                    left_with[usize::from(seq)] = datagram.hop_limit;
                }
            },
            |left_with| left_with.iter().all(Option::is_some),
        );
        let expected: Vec<_> = ttls.iter().map(|t| Some(t.unwrap_or(64))).collect();
        assert_eq!(left_with, expected);
    });
}

#[test]
fn a_refused_datagram_in_the_middle_of_a_batch_is_reported_with_its_tag_and_the_others_go() {
    let Some(lab) = Lab::host(
        "a_refused_datagram_in_the_middle_of_a_batch_is_reported_with_its_tag_and_the_others_go",
    ) else {
        return;
    };
    let broadcast = IpAddr::V4(Ipv4Addr::new(127, 255, 255, 255));
    lab.enter("host", || {
        let mut transport =
            RealTransport::open(&burst_plan(IcmpFilter::RepliesAndErrors)).expect("open");
        let (ident, data) = (ident(), nonce());
        let echoes = Echoes { ident, data: &data };
        let mut delivered = Vec::new();
        for seq in 0..6_u16 {
            // Seq 3 goes to the broadcast address, without SO_BROADCAST.
            let dst = if seq == 3 { broadcast } else { V4_LOOPBACK };
            echoes.queue(
                &mut transport,
                seq,
                dst,
                None,
                100 + u64::from(seq),
                &mut delivered,
            );
        }
        assert_eq!(delivered, []);
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        assert_eq!(
            delivered,
            [Seen::Refused(SendFailure {
                tag: 103,
                dst: broadcast,
                errno: libc::EACCES,
                explained: false,
            })]
        );
        let mut answered = Vec::new();
        receive_all(
            &mut transport,
            &mut answered,
            |answered, d| {
                if let Some((true, seq)) = our_echo(&seen(d), ident, &data) {
                    answered.push(seq);
                }
            },
            |answered| answered.len() >= 5,
        );
        answered.sort_unstable();
        assert_eq!(answered, [0, 1, 2, 4, 5]);
    });
}

#[test]
fn an_oversized_datagram_in_the_middle_of_a_batch_is_refused_once_after_its_one_error() {
    let Some(lab) = Lab::host(
        "an_oversized_datagram_in_the_middle_of_a_batch_is_refused_once_after_its_one_error",
    ) else {
        return;
    };
    lab.enter("host", || {
        let options = SocketOptions {
            pmtu: Some(PmtuMode::Do),
            ..SocketOptions::receiving()
        };
        let mut transport =
            RealTransport::open(&raw_icmp_plan(&options)).expect("open raw ICMP sockets");
        let (ident, data) = (ident(), nonce());
        let mut delivered = Vec::new();
        let mut echo = Vec::new();
        for seq in 0..4_u16 {
            // Seq 2 is too big for lo with Don't Fragment (see above).
            let big;
            let payload = if seq == 2 {
                big = vec![0; 65_500];
                &big[..]
            } else {
                &data[..]
            };
            write_echo_request(IpVersion::V6, ident, seq, payload, &mut echo);
            let transmit = Transmit {
                channel: Channel::Icmp,
                dst: V6_LOOPBACK,
                hop_limit: None,
                tag: u64::from(seq),
            };
            transport
                .send(&transmit, &echo, &mut |d| delivered.push(seen(d)))
                .unwrap();
        }
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        assert_eq!(delivered, too_big_for_lo(2));
        let mut answered = Vec::new();
        receive_all(
            &mut transport,
            &mut answered,
            |answered, d| {
                if let Seen::Datagram { bytes, .. } = seen(d)
                    && let Some((true, ident_seen, seq, payload)) =
                        echo_fields(IpVersion::V6, &bytes)
                    && ident_seen == ident
                    && payload == data
                {
                    answered.push(seq);
                }
            },
            |answered| answered.len() >= 3,
        );
        answered.sort_unstable();
        assert_eq!(answered, [0, 1, 3]);
    });
}

/// A machine that sends `count` Echo Requests to one target at once
/// (sequence numbers 0, 1, ...), done when every one is answered or after
/// [`WAIT`]; its events are the sequence numbers answered.
struct ManyEchoes {
    target: IpAddr,
    count: u16,
    ident: u16,
    data: [u8; 16],
    next: u16,
    deadline: Option<Instant>,
    answered: Vec<u16>,
    events: std::collections::VecDeque<u16>,
    refused: Vec<SendFailure>,
}

impl ManyEchoes {
    fn new(target: IpAddr, count: u16) -> Self {
        Self {
            target,
            count,
            ident: ident(),
            data: nonce(),
            next: 0,
            deadline: None,
            answered: Vec::new(),
            events: std::collections::VecDeque::new(),
            refused: Vec::new(),
        }
    }
}

impl Machine for ManyEchoes {
    type Event = u16;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.next >= self.count {
            return None;
        }
        let seq = self.next;
        self.next += 1;
        write_echo_request(version_of(self.target), self.ident, seq, &self.data, buf);
        self.deadline.get_or_insert(now + WAIT);
        Some(Transmit {
            channel: Channel::Icmp,
            dst: self.target,
            hop_limit: None,
            tag: u64::from(seq),
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, failure: SendFailure) {
        self.refused.push(failure);
    }

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        let Input::Datagram(d) = input else { return };
        if let Some((true, ident, seq, data)) = echo_fields(version_of(d.from), d.bytes)
            && ident == self.ident
            && data == self.data
        {
            self.answered.push(seq);
            self.events.push_back(seq);
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_signal(&mut self, _now: Instant, _signal: Signal) {}

    fn poll_event(&mut self) -> Option<u16> {
        self.events.pop_front()
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        let deadline = self.deadline.unwrap_or(now);
        let done = self.answered.len() >= usize::from(self.count);
        (!done && now < deadline).then_some(deadline)
    }

    fn verdict(&self) -> Verdict {
        if self.answered.len() >= usize::from(self.count) {
            Verdict::Answered
        } else {
            Verdict::Unanswered
        }
    }
}

/// Runs [`ManyEchoes`] to `target` over `transport`: the verdict, the
/// sequence numbers answered (sorted), the refusals.
fn many_echoes<T: Transport>(
    transport: &mut T,
    target: IpAddr,
    count: u16,
) -> (Verdict, Vec<u16>, Vec<SendFailure>) {
    let mut machine = ManyEchoes::new(target, count);
    let mut events = Vec::new();
    let verdict = drive(&mut machine, transport, &Signals::none(), |_, seq| {
        events.push(seq);
        Ok(())
    })
    .expect("the run ends well");
    assert_eq!(events, machine.answered);
    events.sort_unstable();
    (verdict, events, machine.refused)
}

#[test]
fn a_thousand_echoes_get_the_same_answers_threaded_as_plain() {
    let Some(lab) = Lab::host("a_thousand_echoes_get_the_same_answers_threaded_as_plain") else {
        return;
    };
    let expected = (Verdict::Answered, (0..1000).collect::<Vec<u16>>(), vec![]);
    for target in [V4_LOOPBACK, V6_LOOPBACK] {
        let plan = || {
            let options = SocketOptions {
                recv_buffer: Some(4 << 20),
                ..SocketOptions::receiving()
            };
            raw_icmp_plan(&options)
        };
        let plain = lab.enter("host", || {
            let mut transport = RealTransport::open(&plan()).expect("open");
            many_echoes(&mut transport, target, 1000)
        });
        let threaded = lab.enter("host", || {
            let mut transport = ThreadedTransport::open(&plan()).expect("open");
            many_echoes(&mut transport, target, 1000)
        });
        assert_eq!(plain, expected, "{target}");
        assert_eq!(threaded, expected, "{target}");
    }
}

/// [`raw_icmp_plan`] with room for bursts and `senders` send threads.
fn send_thread_plan(senders: usize) -> SocketPlan {
    let options = SocketOptions {
        recv_buffer: Some(4 << 20),
        ..SocketOptions::receiving()
    };
    let family = FamilyPlan::icmp(IcmpPlan {
        senders,
        ..IcmpPlan::new(SocketChoice::Raw, options)
    });
    SocketPlan::new()
        .with(IpVersion::V4, family.clone())
        .with(IpVersion::V6, family)
}

#[test]
fn a_thousand_echoes_get_the_same_answers_from_send_threads_as_from_one() {
    let Some(lab) =
        Lab::host("a_thousand_echoes_get_the_same_answers_from_send_threads_as_from_one")
    else {
        return;
    };
    let expected = (Verdict::Answered, (0..1000).collect::<Vec<u16>>(), vec![]);
    for target in [V4_LOOPBACK, V6_LOOPBACK] {
        for senders in [0, 1, 3] {
            let got = lab.enter("host", || {
                let mut transport = RealTransport::open(&send_thread_plan(senders)).expect("open");
                many_echoes(&mut transport, target, 1000)
            });
            assert_eq!(got, expected, "{target}, {senders} send threads");
        }
    }
}

/// The effective capabilities (`CapEff`, hexadecimal) of every thread of
/// this process named `name`.
fn capabilities_of_threads_named(name: &str) -> Vec<u64> {
    let mut found = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let dir = task.expect("a task").path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let status = std::fs::read_to_string(dir.join("status")).expect("status");
        let cap_eff = status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .expect("a CapEff line");
        found.push(u64::from_str_radix(cap_eff.trim(), 16).expect("hexadecimal"));
    }
    found
}

#[test]
fn send_threads_run_without_the_capabilities_the_transport_dropped() {
    let Some(lab) = Lab::host("send_threads_run_without_the_capabilities_the_transport_dropped")
    else {
        return;
    };
    lab.enter("host", || {
        let mut transport = RealTransport::open(&send_thread_plan(2)).expect("open");
        let (verdict, answered, refused) = many_echoes(&mut transport, V4_LOOPBACK, 300);
        assert_eq!(
            (verdict, answered.len(), refused),
            (Verdict::Answered, 300, vec![])
        );
        // Both threads took a share, and hold no capability at all.
        for name in ["icmpkit-send-1", "icmpkit-send-2"] {
            assert_eq!(capabilities_of_threads_named(name), [0], "{name}");
        }
    });
}

/// A machine that gives 300 Echo Requests to the loopback broadcast
/// address (each refused) at once, never waits, and on a stop notes how
/// many refusals it had been told of.
struct RefusedThenStopped {
    given: u16,
    refused: usize,
    refused_at_stop: Option<usize>,
}

impl Machine for RefusedThenStopped {
    type Event = ();

    fn poll_transmit(&mut self, _now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.given == 300 {
            return None;
        }
        write_echo_request(IpVersion::V4, 7, self.given, b"stop", buf);
        self.given += 1;
        Some(Transmit {
            channel: Channel::Icmp,
            dst: IpAddr::V4(Ipv4Addr::new(127, 255, 255, 255)),
            hop_limit: None,
            tag: u64::from(self.given),
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, _failure: SendFailure) {
        self.refused += 1;
    }

    fn handle_input(&mut self, _now: Instant, _input: Input<'_>) {}

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_signal(&mut self, _now: Instant, signal: Signal) {
        if signal == Signal::Stop {
            self.refused_at_stop = Some(self.refused);
        }
    }

    fn poll_event(&mut self) -> Option<()> {
        None
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        // Never a wait that would sleep (which settles the send threads):
        // only the stop does.
        self.refused_at_stop.is_none().then_some(now)
    }

    fn verdict(&self) -> Verdict {
        Verdict::Unanswered
    }
}

#[test]
fn a_stop_comes_after_every_refusal_of_the_send_threads() {
    let Some(lab) = Lab::host("a_stop_comes_after_every_refusal_of_the_send_threads") else {
        return;
    };
    lab.enter("host", || {
        let mut transport = RealTransport::open(&send_thread_plan(2)).expect("open");
        let mut machine = RefusedThenStopped {
            given: 0,
            refused: 0,
            refused_at_stop: None,
        };
        let signals = Signals::none();
        signals.raise(Signal::Stop);
        drive(&mut machine, &mut transport, &signals, |_, ()| Ok(())).expect("the run ends");
        assert_eq!(machine.refused_at_stop, Some(300));
    });
}

#[test]
fn refusals_from_send_threads_come_in_the_order_of_the_queue() {
    let Some(lab) = Lab::host("refusals_from_send_threads_come_in_the_order_of_the_queue") else {
        return;
    };
    let broadcast = IpAddr::V4(Ipv4Addr::new(127, 255, 255, 255));
    // Two threads take 150 datagrams each: refusals in both shares.
    let refused_seqs = [7_u16, 149, 150, 299];
    lab.enter("host", || {
        let mut transport = RealTransport::open(&send_thread_plan(2)).expect("open");
        let (ident, data) = (ident(), nonce());
        let echoes = Echoes { ident, data: &data };
        let mut delivered = Vec::new();
        for seq in 0..300_u16 {
            let dst = if refused_seqs.contains(&seq) {
                broadcast
            } else {
                V4_LOOPBACK
            };
            echoes.queue(
                &mut transport,
                seq,
                dst,
                None,
                u64::from(seq),
                &mut delivered,
            );
        }
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        // The threads send while the caller goes on; a wait that would
        // sleep settles them first, and the next receive says what they
        // refused, in the queue's order.
        let mut answered = 0;
        receive_all(
            &mut transport,
            &mut (&mut delivered, &mut answered),
            |(delivered, answered), d| match seen(d) {
                refused @ Seen::Refused(_) => delivered.push(refused),
                other => {
                    if let Some((true, _)) = our_echo(&other, ident, &data) {
                        **answered += 1;
                    }
                }
            },
            |(_, answered)| **answered >= 296,
        );
        let refusals: Vec<(u64, IpAddr, i32)> = delivered
            .iter()
            .filter_map(|s| match s {
                Seen::Refused(f) => Some((f.tag, f.dst, f.errno)),
                _ => None,
            })
            .collect();
        let expected: Vec<(u64, IpAddr, i32)> = refused_seqs
            .iter()
            .map(|&seq| (u64::from(seq), broadcast, libc::EACCES))
            .collect();
        assert_eq!(refusals, expected);
        assert_eq!(answered, 296);
    });
}

#[test]
fn replies_dropped_for_a_full_receive_queue_are_reported_as_they_happen() {
    let Some(lab) =
        Lab::host("replies_dropped_for_a_full_receive_queue_are_reported_as_they_happen")
    else {
        return;
    };
    lab.enter("host", || {
        let options = SocketOptions {
            // The kernel's smallest buffer: a few replies fit.
            recv_buffer: Some(1),
            report_drops: true,
            ..SocketOptions::receiving()
        };
        let plan = SocketPlan::new().with(
            IpVersion::V4,
            FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, options)),
        );
        let mut transport = RealTransport::open(&plan).expect("open");
        let (ident, data) = (ident(), nonce());
        let echoes = Echoes { ident, data: &data };
        let mut delivered = Vec::new();
        for seq in 0..COUNT {
            echoes.queue(
                &mut transport,
                seq,
                V4_LOOPBACK,
                None,
                u64::from(seq),
                &mut delivered,
            );
        }
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        // Nothing read while the replies came: most were dropped. Read
        // what is queued, then send one more echo, whose reply carries
        // the final count.
        let read = |transport: &mut RealTransport, delivered: &mut Vec<Seen>| {
            transport.receive(&mut |d| delivered.push(seen(d))).unwrap();
        };
        read(&mut transport, &mut delivered);
        let tag = u64::from(COUNT);
        echoes.queue(
            &mut transport,
            COUNT,
            V4_LOOPBACK,
            None,
            tag,
            &mut delivered,
        );
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline
            && !delivered
                .iter()
                .any(|s| our_echo(s, ident, &data) == Some((true, COUNT)))
        {
            transport.wait(deadline).unwrap();
            read(&mut transport, &mut delivered);
        }
        let kernel = transport
            .socket(IpVersion::V4, Channel::Icmp)
            .unwrap()
            .kernel_drops()
            .unwrap();
        let reported: u64 = delivered
            .iter()
            .filter_map(|s| match s {
                Seen::Overflow(o) => Some(o.dropped),
                _ => None,
            })
            .sum();
        let replies = delivered
            .iter()
            .filter(|s| matches!(our_echo(s, ident, &data), Some((true, _))))
            .count();
        assert!(kernel > 0, "the queue never overflowed");
        assert_eq!(reported, kernel);
        // Every reply was either read or dropped (the raw socket also
        // holds our own requests, which count among the drops).
        // (COUNT + 1 replies.)
        assert!(replies as u64 + reported > u64::from(COUNT));
    });
}

/// A machine that sends `count` Echo Requests at once and waits in short
/// steps (as a flood does, so that the transport waits in the receive)
/// until the error queue has told of an error about each, or [`WAIT`].
struct QueuedErrors {
    target: IpAddr,
    count: u16,
    given: u16,
    deadline: Option<Instant>,
    queued: std::collections::BTreeSet<u16>,
}

impl Machine for QueuedErrors {
    type Event = ();

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if self.given == self.count {
            return None;
        }
        write_echo_request(IpVersion::V4, 77, self.given, b"queued errors", buf);
        self.given += 1;
        self.deadline.get_or_insert(now + WAIT);
        Some(Transmit {
            channel: Channel::Icmp,
            dst: self.target,
            hop_limit: None,
            tag: u64::from(self.given),
        })
    }

    fn handle_send_failure(&mut self, _now: Instant, _failure: SendFailure) {}

    fn handle_input(&mut self, _now: Instant, input: Input<'_>) {
        if let Input::SocketError(e) = input
            && e.source == ErrorSource::Icmp
            && let Some((false, 77, seq, _)) = echo_fields(IpVersion::V4, e.original)
        {
            self.queued.insert(seq);
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_signal(&mut self, _now: Instant, _signal: Signal) {}

    fn poll_event(&mut self) -> Option<()> {
        None
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        let done = self.queued.len() == usize::from(self.count);
        let deadline = self.deadline.unwrap_or(now);
        (!done && now < deadline).then(|| (now + Duration::from_millis(10)).min(deadline))
    }

    fn verdict(&self) -> Verdict {
        Verdict::Unanswered
    }
}

/// One drain reads at most 256 queued errors, and the read that reports
/// the socket's pending error clears it; what keeps the rest from being
/// forgotten (a wait in the receive sees no `POLLERR`) is the kernel:
/// taking an error off the queue raises the pending error again while an
/// ICMP error is left (`sock_dequeue_err_skb`), so the next read reports
/// it and the next receive drains again.
#[test]
fn more_queued_errors_than_one_drain_reads_are_all_read() {
    let Some(lab) = Lab::host("more_queued_errors_than_one_drain_reads_are_all_read") else {
        return;
    };
    // Every Echo Request to 127.0.0.2 is rejected on arrival, with no
    // limit on the errors: 300 of them queue during the one flush.
    for setting in [
        "net.ipv4.icmp_ratelimit=0",
        "net.ipv4.icmp_msgs_per_sec=100000",
        "net.ipv4.icmp_msgs_burst=100000",
    ] {
        lab.sysctl("host", setting);
    }
    lab.must(
        "host",
        &[
            "iptables",
            "-A",
            "INPUT",
            "-d",
            "127.0.0.2",
            "-p",
            "icmp",
            "--icmp-type",
            "echo-request",
            "-j",
            "REJECT",
            "--reject-with",
            "icmp-host-unreachable",
        ],
    );
    lab.enter("host", || {
        let options = SocketOptions {
            recv_buffer: Some(4 << 20),
            ..SocketOptions::receiving()
        };
        let plan = SocketPlan::new().with(
            IpVersion::V4,
            FamilyPlan::icmp(IcmpPlan::new(SocketChoice::Raw, options)),
        );
        let mut transport = RealTransport::open(&plan).expect("open");
        let mut machine = QueuedErrors {
            target: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
            count: 300,
            given: 0,
            deadline: None,
            queued: std::collections::BTreeSet::new(),
        };
        drive(&mut machine, &mut transport, &Signals::none(), |_, ()| {
            Ok(())
        })
        .expect("the run ends");
        assert_eq!(machine.queued.len(), 300, "{:?}", machine.queued.last());
    });
}

#[test]
fn a_threaded_transport_still_explains_a_refused_send_with_its_queued_error() {
    let Some(lab) =
        Lab::host("a_threaded_transport_still_explains_a_refused_send_with_its_queued_error")
    else {
        return;
    };
    let echo = echo_request(IpVersion::V6, 1, 1, &vec![0; 65_500]);
    let transmit = Transmit {
        channel: Channel::Icmp,
        dst: V6_LOOPBACK,
        hop_limit: None,
        tag: 3,
    };
    lab.enter("host", || {
        let options = SocketOptions {
            pmtu: Some(PmtuMode::Do),
            ..SocketOptions::receiving()
        };
        let mut transport =
            ThreadedTransport::open(&raw_icmp_plan(&options)).expect("open raw ICMP sockets");
        assert_eq!(
            transport.real().icmp_kind(IpVersion::V6),
            Some(SocketKind::Raw)
        );
        // Many times: the receive thread, woken by the queued error, must
        // never take it first.
        for _ in 0..50 {
            let mut out = Vec::new();
            transport
                .send(&transmit, &echo, &mut |d| out.push(seen(d)))
                .unwrap();
            transport.flush(&mut |d| out.push(seen(d))).unwrap();
            assert_eq!(out, too_big_for_lo(3));
        }
        // And it hands over nothing about them later.
        transport
            .wait(Instant::now() + Duration::from_millis(50))
            .unwrap();
        let mut later = Vec::new();
        transport.receive(&mut |d| later.push(seen(d))).unwrap();
        assert!(
            !later.iter().any(|s| matches!(s, Seen::Error { .. })),
            "{later:?}"
        );
    });
}

/// A machine that keeps `window` Echo Requests unanswered until `total`
/// were sent, done when all are answered or nothing came for [`WAIT`].
struct Windowed {
    echoes: ManyEchoes,
    window: usize,
    last_progress: Instant,
}

impl Machine for Windowed {
    type Event = u16;

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let outstanding = usize::from(self.echoes.next) - self.echoes.answered.len();
        (outstanding < self.window)
            .then(|| self.echoes.poll_transmit(now, buf))
            .flatten()
    }

    fn handle_send_failure(&mut self, now: Instant, failure: SendFailure) {
        self.echoes.handle_send_failure(now, failure);
    }

    fn handle_input(&mut self, now: Instant, input: Input<'_>) {
        self.echoes.handle_input(now, input);
        self.last_progress = now;
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_signal(&mut self, _now: Instant, _signal: Signal) {}

    fn poll_event(&mut self) -> Option<u16> {
        self.echoes.events.clear();
        None
    }

    fn poll_timeout(&self, now: Instant) -> Option<Instant> {
        let done = self.echoes.answered.len() >= usize::from(self.echoes.count);
        let deadline = self.last_progress + WAIT;
        (!done && now < deadline).then_some(deadline)
    }

    fn verdict(&self) -> Verdict {
        self.echoes.verdict()
    }
}

/// A transport that flushes after every send: one `sendmmsg` per datagram,
/// as a transport without batching would send.
struct Unbatched<T>(T);

impl<T: Transport> Transport for Unbatched<T> {
    fn now(&mut self) -> Instant {
        self.0.now()
    }

    fn send(
        &mut self,
        transmit: &Transmit,
        bytes: &[u8],
        sink: &mut dyn FnMut(Delivery<'_>),
    ) -> Result<(), TransportError> {
        self.0.send(transmit, bytes, sink)?;
        self.0.flush(sink)
    }

    fn wait(&mut self, deadline: Instant) -> Result<(), TransportError> {
        self.0.wait(deadline)
    }

    fn receive(&mut self, sink: &mut dyn FnMut(Delivery<'_>)) -> Result<(), TransportError> {
        self.0.receive(sink)
    }
}

/// Echoes answered per second over `transport`: 60 000 echoes to
/// 127.0.0.1, 1000 outstanding at most.
fn echo_rate<T: Transport>(transport: &mut T) -> f64 {
    let mut machine = Windowed {
        echoes: ManyEchoes::new(V4_LOOPBACK, 60_000),
        window: 1000,
        last_progress: Instant::now(),
    };
    let start = Instant::now();
    drive(&mut machine, transport, &Signals::none(), |_, _| Ok(())).unwrap();
    let answered = machine.echoes.answered.len();
    assert_eq!(answered, 60_000, "{:?}", machine.echoes.refused.first());
    #[allow(clippy::cast_precision_loss)]
    let rate = answered as f64 / start.elapsed().as_secs_f64();
    rate
}

/// Measures, not tests: `cargo test -p icmpkit-driver --release --lib
/// echo_rates -- --ignored --nocapture` (root).
#[test]
#[ignore = "a measurement"]
fn echo_rates_on_loopback_unbatched_batched_and_threaded() {
    let Some(lab) = Lab::host("echo_rates_on_loopback_unbatched_batched_and_threaded") else {
        return;
    };
    let plan = burst_plan(IcmpFilter::RepliesAndErrors);
    for round in 0..3 {
        let unbatched = lab.enter("host", || {
            echo_rate(&mut Unbatched(RealTransport::open(&plan).unwrap()))
        });
        let batched = lab.enter("host", || {
            echo_rate(&mut RealTransport::open(&plan).unwrap())
        });
        let threaded = lab.enter("host", || {
            echo_rate(&mut ThreadedTransport::open(&plan).unwrap())
        });
        println!(
            "round {round}: echoes/s unbatched {unbatched:.0}, batched {batched:.0}, threaded {threaded:.0}"
        );
    }
}

#[test]
fn a_plan_with_an_echo_identifier_hands_over_no_strangers_replies() {
    let Some(lab) = Lab::host("a_plan_with_an_echo_identifier_hands_over_no_strangers_replies")
    else {
        return;
    };
    lab.enter("host", || {
        let (ident, data) = (ident(), nonce());
        let stranger = ident ^ 0x0ff0;
        let mut plan = burst_plan(IcmpFilter::RepliesAndErrors);
        if let Some(icmp) = plan.v4.as_mut().and_then(|f| f.icmp.as_mut()) {
            icmp.echo_ident = Some(ident);
        }
        let mut transport = RealTransport::open(&plan).expect("open");
        let mut echo = Vec::new();
        let mut delivered = Vec::new();
        // A stranger's echoes first, then ours, in one flush.
        for (who, seq) in (0..COUNT)
            .map(|seq| (stranger, seq))
            .chain((0..COUNT).map(|seq| (ident, seq)))
        {
            write_echo_request(IpVersion::V4, who, seq, &data, &mut echo);
            let transmit = Transmit {
                channel: Channel::Icmp,
                dst: V4_LOOPBACK,
                hop_limit: None,
                tag: u64::from(seq),
            };
            transport
                .send(&transmit, &echo, &mut |d| delivered.push(seen(d)))
                .unwrap();
        }
        transport.flush(&mut |d| delivered.push(seen(d))).unwrap();
        let mut answered = vec![0_u32; usize::from(COUNT)];
        let mut strangers = 0;
        receive_all(
            &mut transport,
            &mut (&mut answered, &mut strangers),
            |(answered, strangers), d| {
                let d = seen(d);
                if let Some((true, seq)) = our_echo(&d, ident, &data) {
                    answered[usize::from(seq)] += 1;
                }
                if our_echo(&d, stranger, &data).is_some() {
                    **strangers += 1;
                }
            },
            |(answered, _)| answered.iter().all(|&n| n > 0),
        );
        assert!(answered.iter().all(|&n| n == 1), "{answered:?}");
        // Their replies came first, and the kernel kept every one of them.
        assert_eq!(strangers, 0);
    });
}

#[test]
fn the_leads_of_a_grant_decide_a_wait_as_its_timeout_would() {
    use super::transport::{Leads, READING_AGE, fits, reaches};
    let reading = Instant::now();
    for ms in [1, 2, 4, 8, 16, 32, 64, 128] {
        let granted = Duration::from_millis(ms) + Duration::from_nanos(ms * 7);
        let leads = Leads::of(granted);
        let near = |lead: Duration| lead.as_nanos() - 5..lead.as_nanos() + 5;
        let spans = near(leads.fits)
            .chain(near(leads.quarter))
            .chain((0..600_000_000).step_by(999_983));
        for ns in spans {
            let deadline = reading + Duration::from_nanos(u64::try_from(ns).unwrap());
            let timeout = deadline
                .saturating_duration_since(reading)
                .saturating_sub(READING_AGE);
            for busy in [false, true] {
                let by_timeout = fits(granted, timeout) && !(busy && granted < timeout / 4);
                let by_leads = reaches(reading, leads.fits, deadline)
                    && !(busy && reaches(reading, leads.quarter, deadline));
                assert_eq!(by_timeout, by_leads, "{granted:?} {ns} ns {busy}");
            }
        }
    }
}

#[test]
fn a_receive_timeout_ends_before_the_deadline_even_an_eighth_late() {
    use super::transport::{fits, receive_timeout_for};
    // A flood's wait, 10 ms after its probe, less a little: 8 ms.
    assert_eq!(
        receive_timeout_for(Duration::from_micros(9_990)),
        Some(Duration::from_millis(8))
    );
    // The driver's longest wait: 128 ms.
    assert_eq!(
        receive_timeout_for(crate::SIGNAL_CHECK),
        Some(Duration::from_millis(128))
    );
    // Too short for a tick-counted timeout: a poll.
    assert_eq!(receive_timeout_for(Duration::from_millis(1)), None);
    for us in (0..300_000).step_by(997) {
        let timeout = Duration::from_micros(us);
        if let Some(t) = receive_timeout_for(timeout) {
            assert!(fits(t, timeout) && t + t / 8 <= timeout, "{timeout:?}");
        }
    }
}
