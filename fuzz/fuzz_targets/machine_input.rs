//! Every protocol machine driven by fuzz bytes: the first byte picks a
//! machine (ping v4/v6, several-target ping, PROBE, sweep, classic trace
//! over ICMP/UDP/TCP, MDA, PMTU, mtr rounds) and a small configuration;
//! or the mtr path view fed made-up probe results; the rest is a
//! sequence of steps: datagrams and queued socket errors (made up, or built
//! from what the machine sent so they match), refused sends, time passing,
//! signals, and the driver's calls in between. Never a panic, whatever the
//! bytes and whatever state the machine is in.
#![no_main]

use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use icmpkit_proto::extended_echo::{ExtendedEcho, ExtendedEchoConfig, InterfaceQuery};
use icmpkit_proto::machine::{
    Channel, Datagram, ErrorSource, Input, Machine, SendFailure, Signal, SocketError, Transmit,
};
use icmpkit_proto::mtr::{Figure, Mtr, MtrConfig, Path, ProbeResult};
use icmpkit_proto::multi::{MultiConfig, MultiPing, MultiPingConfig};
use icmpkit_proto::ping::{Ping, PingConfig, PingOptions};
use icmpkit_proto::sweep::{
    Rate, Shard, Sweep, SweepConfig, SweepMachine, TargetSpace, TargetSpaceBuilder,
};
use icmpkit_proto::trace::{
    Answer, Confidence, Mda, MdaConfig, Method, Outcome, Pmtu, PmtuConfig, Prober, ProberConfig,
    Rewrites, Strategy, Trace, TraceConfig, Tracer, Wait,
};
use icmpkit_wire::checksum;
use libfuzzer_sys::fuzz_target;

const SRC4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 200);
const SRC6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x200);
const DST4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 9);
const DST6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 9);
const ROUTER4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
const ROUTER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);

/// Errno values the kernel gives (Linux numbering), and a few odd ones.
const ERRNOS: [i32; 10] = [90, 113, 101, 111, 13, 1, 105, 0, -1, i32::MAX];

/// The most datagrams kept to answer, and taken per driver step.
const KEEP: usize = 16;
const MAX_TRANSMITS: usize = 2048;

/// The fuzz bytes, read front to back; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    /// A length-prefixed run of bytes (up to 255).
    fn blob(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.take(n)
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[usize::from(self.u8()) % from.len()]
    }
    fn ms(&mut self, choices: &[u64]) -> Duration {
        Duration::from_millis(self.pick(choices))
    }
}

/// The run: made-up time, and what the machine sent, to answer it.
struct Run {
    now: Instant,
    /// Recent datagrams the machine gave: the transmit and its bytes.
    sent: Vec<(Transmit, Vec<u8>)>,
    buf: Vec<u8>,
    /// Sources of the probes, by version.
    src4: IpAddr,
    src6: IpAddr,
}

impl Run {
    fn new(t0: Instant) -> Self {
        Self {
            now: t0,
            sent: Vec::new(),
            buf: Vec::new(),
            src4: IpAddr::V4(SRC4),
            src6: IpAddr::V6(SRC6),
        }
    }

    fn src_for(&self, dst: IpAddr) -> IpAddr {
        match dst {
            IpAddr::V4(_) => self.src4,
            IpAddr::V6(_) => self.src6,
        }
    }

    /// An address: ours, a target's, a router's, or made up.
    fn addr(&self, b: &mut Bytes) -> IpAddr {
        match b.u8() % 8 {
            0 => IpAddr::V4(DST4),
            1 => IpAddr::V6(DST6),
            2 => IpAddr::V4(ROUTER4),
            3 => IpAddr::V6(ROUTER6),
            4 => IpAddr::V4(Ipv4Addr::from(b.u32())),
            5 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(&[b.take(16), &[0u8; 16][..]].concat()[..16]);
                IpAddr::V6(Ipv6Addr::from(o))
            }
            _ => match self.sent.last() {
                Some((t, _)) => t.dst,
                None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            },
        }
    }

    fn channel(b: &mut Bytes) -> Channel {
        b.pick(&[Channel::Icmp, Channel::Udp, Channel::Tcp])
    }

    /// A time around now (the kernel's receive stamp may be off).
    fn around_now(&self, b: &mut Bytes) -> Instant {
        let d = Duration::from_millis(u64::from(b.u8()));
        if b.bool() {
            self.now + d
        } else {
            self.now.checked_sub(d).unwrap_or(self.now)
        }
    }

    /// One of the recent datagrams the machine sent.
    fn recent(&self, b: &mut Bytes) -> Option<(Transmit, Vec<u8>)> {
        if self.sent.is_empty() {
            return None;
        }
        let i = usize::from(b.u8()) % self.sent.len();
        Some(self.sent[self.sent.len() - 1 - i].clone())
    }

    fn datagram<M: Machine<Event: Debug>>(
        &self,
        m: &mut M,
        b: &mut Bytes,
        channel: Channel,
        from: IpAddr,
        bytes: &[u8],
    ) {
        let hop_limit = if b.bool() { Some(b.u8()) } else { None };
        let kernel_at = if b.bool() {
            Some(self.around_now(b))
        } else {
            None
        };
        if debug() {
            eprintln!("  datagram {channel:?} from {from} {bytes:02x?}");
        }
        m.handle_input(
            self.now,
            Input::Datagram(Datagram {
                channel,
                from,
                hop_limit,
                read_at: self.now,
                kernel_at,
                bytes,
                ip_options: &[],
            }),
        );
    }

    /// The driver's steps 1 to 4 at the current time: time, sends (some
    /// refused as the fuzz bytes say), events, the next deadline.
    fn step<M: Machine<Event: Debug>>(
        &mut self,
        m: &mut M,
        b: &mut Bytes,
        refuse: u8,
    ) -> Option<Instant> {
        m.handle_timeout(self.now);
        let mut n = 0;
        while let Some(t) = m.poll_transmit(self.now, &mut self.buf) {
            if debug() {
                eprintln!("  transmit {t:?} {:02x?}", self.buf);
            }
            if refuse & (1 << (n % 8)) != 0 {
                let errno = b.pick(&ERRNOS);
                let explained = b.bool();
                if explained {
                    self.local_error(m, t, b);
                }
                m.handle_send_failure(
                    self.now,
                    SendFailure {
                        tag: t.tag,
                        dst: t.dst,
                        errno,
                        explained,
                    },
                );
            } else {
                if self.sent.len() == KEEP {
                    self.sent.remove(0);
                }
                self.sent.push((t, self.buf.clone()));
            }
            n += 1;
            if n == MAX_TRANSMITS {
                break;
            }
        }
        drain(m);
        m.poll_timeout(self.now)
    }

    /// The kernel queued a local error about `t` (a too-big send).
    fn local_error<M: Machine<Event: Debug>>(&self, m: &mut M, t: Transmit, b: &mut Bytes) {
        let info = b.pick(&[0, 68, 576, 1280, 1500, 9000, 65_535, u32::MAX]);
        m.handle_input(
            self.now,
            Input::SocketError(SocketError {
                channel: t.channel,
                source: ErrorSource::Local,
                errno: 90,
                icmp_type: 0,
                icmp_code: 0,
                info,
                offender: None,
                dst: Some(t.dst),
                port: None,
                hop_limit: None,
                read_at: self.now,
                kernel_at: None,
                original: &self.buf,
            }),
        );
    }

    /// What the target answers to `probe`: an echo reply (the request
    /// with the type flipped), a port unreachable, a SYN-ACK or RST; the
    /// fuzz bytes may patch a byte and cut it short.
    fn answer<M: Machine<Event: Debug>>(&self, m: &mut M, b: &mut Bytes) {
        let Some((t, probe)) = self.recent(b) else {
            return;
        };
        let v4 = t.dst.is_ipv4();
        let (channel, mut bytes) = match t.channel {
            Channel::Icmp if !probe.is_empty() => {
                let mut reply = probe.clone();
                reply[0] = match reply[0] {
                    8 => 0,
                    128 => 129,
                    42 => 43,
                    160 => 161,
                    other => other ^ 1,
                };
                if reply[0] == 43 || reply[0] == 161 {
                    // An Extended Echo Reply: the header, a state byte.
                    reply.truncate(8);
                    if reply.len() == 8 {
                        reply[7] = b.u8();
                        reply[1] = b.pick(&[0, 0, 0, 1, 2, 3, 4, 9]);
                    }
                }
                (Channel::Icmp, reply)
            }
            Channel::Udp | Channel::Icmp => {
                let (ty, code) = if v4 { (3, 3) } else { (1, 4) };
                let proto = if t.channel == Channel::Udp { 17 } else { 1 };
                let quote = ip_datagram(self.src_for(t.dst), t.dst, proto, 1, &probe);
                (Channel::Icmp, icmp_message(ty, code, [0; 4], &quote))
            }
            Channel::Tcp => (Channel::Tcp, tcp_answer(&probe, b.bool())),
        };
        self.patch(&mut bytes, b);
        if v4 && channel == Channel::Icmp {
            fix_checksum(&mut bytes);
        }
        self.datagram(m, b, channel, t.dst, &bytes);
    }

    /// An ICMP error from a router (or the target) quoting `probe`.
    fn icmp_error<M: Machine<Event: Debug>>(&self, m: &mut M, b: &mut Bytes) {
        let Some((t, probe)) = self.recent(b) else {
            return;
        };
        let v4 = t.dst.is_ipv4();
        let (ty, code) = if v4 {
            b.pick(&[
                (11, 0),
                (11, 1),
                (3, 0),
                (3, 1),
                (3, 3),
                (3, 4),
                (3, 13),
                (12, 0),
                (5, 0),
            ])
        } else {
            b.pick(&[
                (3, 0),
                (1, 0),
                (1, 1),
                (1, 3),
                (1, 4),
                (2, 0),
                (4, 0),
                (4, 1),
            ])
        };
        let any = b.u32();
        let mtu = b.pick(&[0u32, 68, 576, 1280, 1400, 1500, 65_535, any]);
        let rest = if v4 {
            let [_, _, hi, lo] = mtu.to_be_bytes();
            [0, 0, hi, lo]
        } else {
            mtu.to_be_bytes()
        };
        let proto = match t.channel {
            Channel::Icmp if v4 => 1,
            Channel::Icmp => 58,
            Channel::Udp => 17,
            Channel::Tcp => 6,
        };
        let ttl = b.u8();
        let quote = ip_datagram(self.src_for(t.dst), t.dst, proto, ttl, &probe);
        let cut = if b.bool() {
            usize::from(b.u8())
        } else {
            quote.len()
        };
        let mut bytes = icmp_message(ty, code, rest, &quote[..cut.min(quote.len())]);
        if b.bool() {
            // An RFC 4884 extension structure after the quote.
            bytes.extend_from_slice(b.blob());
        }
        self.patch(&mut bytes, b);
        if v4 {
            fix_checksum(&mut bytes);
        }
        let from = if b.bool() { t.dst } else { self.addr(b) };
        self.datagram(m, b, Channel::Icmp, from, &bytes);
    }

    /// A queued socket error about `probe`, as the kernel keeps it.
    fn socket_error_about<M: Machine<Event: Debug>>(&self, m: &mut M, b: &mut Bytes) {
        let Some((t, probe)) = self.recent(b) else {
            return;
        };
        let source = if b.bool() {
            ErrorSource::Icmp
        } else {
            ErrorSource::Local
        };
        let (icmp_type, icmp_code) = if t.dst.is_ipv4() {
            b.pick(&[
                (11, 0),
                (3, 0),
                (3, 1),
                (3, 3),
                (3, 4),
                (3, 13),
                (12, 0),
                (0, 0),
            ])
        } else {
            b.pick(&[(3, 0), (1, 0), (1, 3), (1, 4), (2, 0), (4, 0), (0, 0)])
        };
        let cut = if b.bool() {
            usize::from(b.u8())
        } else {
            probe.len()
        };
        let offender = if b.bool() { Some(self.addr(b)) } else { None };
        let dst = match b.u8() % 3 {
            0 => None,
            1 => Some(self.addr(b)),
            _ => Some(t.dst),
        };
        let channel = if b.bool() {
            t.channel
        } else {
            Self::channel(b)
        };
        // As an ordinary UDP socket queues it: the destination port, the
        // payload without the UDP header.
        let udp_socket = channel == Channel::Udp && probe.len() >= 8 && b.bool();
        let port = if udp_socket {
            Some(u16::from_be_bytes([probe[2], probe[3]]))
        } else if b.bool() {
            Some(b.u16())
        } else {
            None
        };
        let original = if udp_socket {
            &probe[8..cut.clamp(8, probe.len())]
        } else {
            &probe[..cut.min(probe.len())]
        };
        let hop_limit = if b.bool() { Some(b.u8()) } else { None };
        m.handle_input(
            self.now,
            Input::SocketError(SocketError {
                channel,
                source,
                errno: b.pick(&ERRNOS),
                icmp_type,
                icmp_code,
                info: b.pick(&[0u32, 68, 576, 1280, 1500, 65_535, u32::MAX]),
                offender,
                dst,
                port,
                hop_limit,
                read_at: self.now,
                kernel_at: None,
                original,
            }),
        );
    }

    /// Maybe sets one byte of `bytes` and maybe cuts it short.
    fn patch(&self, bytes: &mut Vec<u8>, b: &mut Bytes) {
        let how = b.u8();
        if how & 1 != 0 && !bytes.is_empty() {
            let at = usize::from(b.u8()) % bytes.len();
            bytes[at] = b.u8();
        }
        if how & 2 != 0 {
            let len = usize::from(b.u8());
            bytes.truncate(len);
        }
    }
}

/// `MACHINE_INPUT_DEBUG=1` prints every step and event (to read a crash).
fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("MACHINE_INPUT_DEBUG").is_some())
}

fn drain<M: Machine<Event: Debug>>(m: &mut M) {
    let mut n = 0u32;
    while let Some(event) = m.poll_event() {
        if debug() {
            eprintln!("  event {event:?}");
        }
        n += 1;
        assert!(n < 1_000_000, "a machine gives events without end");
    }
}

/// An ICMP message (checksum left zero).
fn icmp_message(ty: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = vec![ty, code, 0, 0];
    out.extend_from_slice(&rest);
    out.extend_from_slice(body);
    out
}

fn fix_checksum(bytes: &mut [u8]) {
    if bytes.len() >= 4 {
        bytes[2..4].fill(0);
        let sum = checksum::checksum(bytes);
        bytes[2..4].copy_from_slice(&sum.to_be_bytes());
    }
}

/// The target's SYN-ACK (or RST) to a TCP SYN probe.
fn tcp_answer(probe: &[u8], rst: bool) -> Vec<u8> {
    let mut out = vec![0u8; 20];
    if probe.len() >= 8 {
        out[0..2].copy_from_slice(&probe[2..4]);
        out[2..4].copy_from_slice(&probe[0..2]);
        let seq = u32::from_be_bytes([probe[4], probe[5], probe[6], probe[7]]);
        out[4..8].copy_from_slice(&0xdead_beef_u32.to_be_bytes());
        out[8..12].copy_from_slice(&seq.wrapping_add(1).to_be_bytes());
    }
    out[12] = 5 << 4;
    out[13] = if rst { 0x14 } else { 0x12 };
    out[14..16].copy_from_slice(&65_535u16.to_be_bytes());
    out
}

/// An IP datagram from `src` to `dst` as a router quotes it.
fn ip_datagram(src: IpAddr, dst: IpAddr, protocol: u8, ttl: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = u16::try_from(20 + payload.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&[0x12, 0x34, 0x40, 0, ttl, protocol, 0, 0]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let sum = checksum::checksum(&out);
            out[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        (s, d) => {
            let v6 = |a: IpAddr| match a {
                IpAddr::V6(a) => a,
                IpAddr::V4(a) => a.to_ipv6_mapped(),
            };
            let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&[protocol, ttl]);
            out.extend_from_slice(&v6(s).octets());
            out.extend_from_slice(&v6(d).octets());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// Runs `m` through the steps the fuzz bytes give, then to its end.
fn drive<M: Machine<Event: Debug>>(mut m: M, t0: Instant, b: &mut Bytes) {
    let mut run = Run::new(t0);
    let mut deadline = run.step(&mut m, b, 0);
    let mut steps = 0;
    while !b.is_empty() && steps < 512 {
        steps += 1;
        let op = b.u8() % 12;
        if debug() {
            eprintln!("step {steps}: op {op} at {:?}", run.now - t0);
        }
        match op {
            // Time passes: a little, or to the deadline asked for.
            0 => {
                let ms = b.u8();
                run.now = match deadline {
                    Some(d) if ms >= 200 => d.max(run.now),
                    _ => run.now + Duration::from_millis(u64::from(ms) * u64::from(ms) / 16),
                };
                m.handle_timeout(run.now);
            }
            // A driver step.
            1 => {
                let refuse = if b.bool() { b.u8() } else { 0 };
                deadline = run.step(&mut m, b, refuse);
            }
            2 => drain(&mut m),
            3 => deadline = m.poll_timeout(run.now),
            // Any bytes on any channel from anyone.
            4 => {
                let channel = Run::channel(b);
                let from = run.addr(b);
                let bytes = b.blob();
                run.datagram(&mut m, b, channel, from, bytes);
            }
            // Any queued error.
            5 => {
                let channel = Run::channel(b);
                let source = if b.bool() {
                    ErrorSource::Icmp
                } else {
                    ErrorSource::Local
                };
                let errno = if b.bool() {
                    b.pick(&ERRNOS)
                } else {
                    b.u32() as i32
                };
                let icmp_type = b.u8();
                let icmp_code = b.u8();
                let info = b.u32();
                let offender = if b.bool() { Some(run.addr(b)) } else { None };
                let dst = if b.bool() { Some(run.addr(b)) } else { None };
                let port = if b.bool() {
                    Some(b.u16())
                } else {
                    None
                };
                let hop_limit = if b.bool() { Some(b.u8()) } else { None };
                let original = b.blob();
                m.handle_input(
                    run.now,
                    Input::SocketError(SocketError {
                        channel,
                        source,
                        errno,
                        icmp_type,
                        icmp_code,
                        info,
                        offender,
                        dst,
                        port,
                        hop_limit,
                        read_at: run.now,
                        kernel_at: None,
                        original,
                    }),
                );
            }
            // A refused send: of something sent, or made up.
            6 => {
                let (tag, dst) = match run.recent(b) {
                    Some((t, _)) if b.bool() => (t.tag, t.dst),
                    _ => (u64::from(b.u16()), run.addr(b)),
                };
                let errno = b.pick(&ERRNOS);
                let explained = b.bool();
                m.handle_send_failure(
                    run.now,
                    SendFailure {
                        tag,
                        dst,
                        errno,
                        explained,
                    },
                );
            }
            7 | 8 => run.answer(&mut m, b),
            9 => run.icmp_error(&mut m, b),
            10 => run.socket_error_about(&mut m, b),
            _ => {
                let signal = b.pick(&[
                    Signal::Stop,
                    Signal::Status,
                    Signal::Pause,
                    Signal::Resume,
                    Signal::Burst,
                ]);
                m.handle_signal(run.now, signal);
            }
        }
    }
    // Then as the driver would, to the end (every machine here ends).
    for _ in 0..64 {
        let Some(next) = run.step(&mut m, b, 0) else {
            break;
        };
        run.now = next.max(run.now + Duration::from_millis(1));
    }
    drain(&mut m);
    let _ = m.verdict();
}

fn target(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(DST6)
    } else {
        IpAddr::V4(DST4)
    }
}

fn ping(v6: bool, b: &mut Bytes, t0: Instant) -> Ping {
    let version = if v6 {
        icmpkit_wire::IpVersion::V6
    } else {
        icmpkit_wire::IpVersion::V4
    };
    let mut config = PingConfig::new(version, b.u16(), 0x0011_2233_4455_6677);
    config.count = Some(u64::from(b.u8() % 4) + 1);
    config.payload_len = b.pick(&[0, 1, 8, 16, 24, 56]);
    if b.bool() {
        let n = usize::from(b.u8() % 4);
        config.pattern = b.take(n).to_vec();
    }
    config.interval = b.ms(&[0, 1, 10, 200, 1000]);
    config.linger = b.ms(&[1, 20, 500]);
    config.deadline = if b.bool() {
        Some(b.ms(&[0, 5, 50, 2000]))
    } else {
        None
    };
    config.preload = b.pick(&[1, 1, 2, 3]);
    config.adaptive = b.bool();
    config.flood = b.bool();
    if config.validate(true).is_err() {
        config = PingConfig::new(version, 0x1234, 1);
        config.count = Some(2);
    }
    let options = PingOptions {
        report_outstanding: b.bool(),
        user_latency: b.bool(),
        hop_limit: if b.bool() { Some(b.u8()) } else { None },
    };
    Ping::new(config, target(v6), options, t0)
}

fn multi(b: &mut Bytes, t0: Instant) -> MultiPing {
    let all = [
        IpAddr::V4(DST4),
        IpAddr::V6(DST6),
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10)),
        IpAddr::V4(DST4),
    ];
    let n = usize::from(b.u8() % 4) + 1;
    let config = MultiPingConfig {
        schedule: MultiConfig {
            rate: b.pick(&[1, 100, 10_000]),
            count: u64::from(b.u8() % 3) + 1,
            period: b.ms(&[0, 10, 1000]),
            timeout: b.ms(&[1, 20, 500]),
            retries: u32::from(b.u8() % 3),
            backoff_milli: b.pick(&[1000, 1500, 5000]),
            anchored: b.bool(),
        },
        targets: all[..n].to_vec(),
        payload_len: b.pick(&[0, 8, 16, 56]),
        pattern: {
            let n = usize::from(b.u8() % 3);
            b.take(n).to_vec()
        },
        nonce: 0x1122_3344_5566_7788,
        ident_v4: b.u16(),
        ident_v6: b.u16(),
        deadline: if b.bool() {
            Some(b.ms(&[0, 30, 1000]))
        } else {
            None
        },
        keep_rtts: b.bool(),
        report_every: b.bool().then(|| b.ms(&[0, 15, 1000])),
    };
    // A daemon's lean run too: the same inputs, nothing per target.
    if b.bool() {
        MultiPing::lean(config, t0)
    } else {
        MultiPing::new(config, t0)
    }
}

fn probe(b: &mut Bytes, t0: Instant) -> ExtendedEcho {
    let query = match b.u8() % 3 {
        0 => InterfaceQuery::Name("eth0".into()),
        1 => InterfaceQuery::Index(u32::from(b.u8())),
        _ => InterfaceQuery::Address(target(b.bool())),
    };
    ExtendedEcho::new(
        ExtendedEchoConfig {
            target: target(b.bool()),
            query,
            ident: b.u16(),
            count: u64::from(b.u8() % 3) + 1,
            interval: b.ms(&[0, 10, 1000]),
            timeout: b.ms(&[1, 20, 2000]),
            deadline: if b.bool() {
                Some(b.ms(&[0, 30, 1000]))
            } else {
                None
            },
        },
        t0,
    )
}

fn space(v6: bool) -> TargetSpace {
    let mut builder = TargetSpaceBuilder::default();
    let ok = if v6 {
        builder.add_prefix(IpAddr::V6(DST6), 125)
    } else {
        builder.add_prefix(IpAddr::V4(DST4), 29)
    };
    ok.expect("a small prefix");
    builder.build().expect("a small space")
}

fn sweep(b: &mut Bytes, t0: Instant) -> Option<SweepMachine> {
    let config = SweepConfig {
        rate: b.pick(&[Rate::Max, Rate::PerSecond(1), Rate::PerSecond(1000)]),
        retries: b.u8() % 3,
        payload_len: b.pick(&[16, 24, 64]),
        key: *b"fuzz sweep key!!",
        seed: b.bool().then(|| u64::from(b.u8())),
        // The whole space, a share, and an empty shard (more shards than
        // targets).
        shard: Shard::new(u64::from(b.u8() % 4), b.pick(&[1, 3, 4, 300])).unwrap_or_default(),
        cooldown: b.ms(&[0, 10, 200]),
    };
    let sweep = Sweep::new(space(b.bool()), config, t0).ok()?;
    Some(SweepMachine::new(sweep))
}

fn prober(method: Method, b: &mut Bytes) -> Option<Prober> {
    let v6 = b.bool();
    let (src, dst) = if v6 {
        (IpAddr::V6(SRC6), IpAddr::V6(DST6))
    } else {
        (IpAddr::V4(SRC4), IpAddr::V4(DST4))
    };
    Prober::new(&ProberConfig {
        method,
        src,
        dst,
        paris: b.bool(),
        key: b.u16(),
        src_port_base: b.pick(&[33_000, 40_000, 65_000]),
        dst_port: b.pick(&[33_434, 80, 65_535]),
        transport_len: b.pick(&[8, 20, 40, 1480]),
    })
    .ok()
}

fn wait(b: &mut Bytes) -> Wait {
    Wait {
        max: b.ms(&[1, 20, 1000]),
        here: b.pick(&[0.0, 3.0]),
        near: b.pick(&[0.0, 10.0]),
    }
}

fn trace(method: Method, b: &mut Bytes) -> Option<Tracer<Trace>> {
    let prober = prober(method, b)?;
    let strategy = Trace::new(TraceConfig {
        first_ttl: b.pick(&[1, 1, 2]),
        max_ttl: b.pick(&[1, 3, 5]),
        probes_per_hop: b.pick(&[1, 2, 3]),
        in_flight: b.pick(&[1, 4, 16]),
        wait: wait(b),
        send_interval: b.ms(&[0, 5]),
        hop_burst: b.pick(&[1, 6]),
        hop_interval: b.ms(&[0, 20]),
        flow: b.u16() % 4,
    });
    Some(queued_or_not(Tracer::new(prober, strategy), b))
}

fn mda(b: &mut Bytes) -> Option<Tracer<Mda>> {
    let method = b.pick(&[Method::Icmp, Method::Udp, Method::Tcp]);
    let prober = prober(method, b)?;
    let strategy = Mda::new(MdaConfig {
        first_ttl: b.pick(&[1, 1, 2]),
        max_ttl: b.pick(&[1, 3, 4]),
        confidence: Confidence::P95,
        wait: wait(b),
        hop_burst: b.pick(&[1, 16]),
        hop_interval: b.ms(&[0, 1]),
        window: b.pick(&[1, 4]),
        gap_limit: b.pick(&[1, 5]),
        max_probes: b.pick(&[1, 16, 64]),
    });
    Some(queued_or_not(Tracer::new(prober, strategy), b))
}

fn pmtu(b: &mut Bytes) -> Option<Tracer<Pmtu>> {
    let method = b.pick(&[Method::Icmp, Method::Udp, Method::Tcp]);
    let prober = prober(method, b)?;
    let strategy = Pmtu::new(PmtuConfig {
        first_ttl: b.pick(&[1, 1, 2]),
        max_ttl: b.pick(&[1, 3, 5]),
        initial_size: b.pick(&[68, 1500, 9000, 65_000]),
        small_size: b.pick(&[0, 28, 68, 1280]),
        wait: b.ms(&[1, 20, 1000]),
        tries: b.pick(&[1, 2]),
        flow: b.u16() % 4,
    });
    Some(queued_or_not(Tracer::new(prober, strategy), b))
}

/// `tracer`, reading routers' errors from the error queue (the
/// unprivileged sockets: a ping socket, an ordinary UDP socket) or not.
fn queued_or_not<S: Strategy>(tracer: Tracer<S>, b: &mut Bytes) -> Tracer<S> {
    if b.bool() {
        tracer.with_queued_errors()
    } else {
        tracer
    }
}

fn mtr(b: &mut Bytes) -> Option<Tracer<Mtr>> {
    let method = b.pick(&[Method::Icmp, Method::Udp, Method::Tcp]);
    let prober = prober(method, b)?;
    let strategy = Mtr::new(MtrConfig {
        first_ttl: b.pick(&[0, 1, 2]),
        max_ttl: b.pick(&[1, 3, 5]),
        interval: b.ms(&[0, 1, 200, 1000]),
        timeout: b.ms(&[0, 20, 2000]),
        flows: b.pick(&[0, 1, 3]),
        first_flow: b.u16() % 4,
        rounds: Some(u64::from(b.u8() % 3) + 1),
        burst_at_end: b.bool(),
    });
    let tracer = Tracer::new(prober, strategy);
    Some(if b.bool() {
        tracer.with_queued_errors()
    } else {
        tracer
    })
}

/// Any results, in any order, added up in a [`Path`] and assessed.
fn path(b: &mut Bytes, t0: Instant) {
    let mut path = Path::new(target(b.bool()), b.pick(&[0, 1, 2]));
    let hops = [
        IpAddr::V4(SRC4),
        IpAddr::V4(DST4),
        IpAddr::V6(DST6),
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10)),
    ];
    let mut steps = 0;
    while !b.is_empty() && steps < 2048 {
        steps += 1;
        let kind = b.u8() % 8;
        let answer = (kind < 6).then(|| Answer {
            from: b.pick(&hops),
            rtt: Duration::from_micros(u64::from(b.u32())),
            outcome: match kind {
                0 => Outcome::Reached,
                1 => Outcome::Unreachable {
                    version: icmpkit_wire::IpVersion::V4,
                    msg_type: 3,
                    code: b.u8() % 16,
                    mtu: None,
                },
                _ => Outcome::Hop,
            },
            reply_ttl: None,
            quoted_ttl: None,
            rewrites: Rewrites::default(),
            extensions: Vec::new(),
        });
        let result = ProbeResult {
            round: u64::from(b.u16()),
            ttl: b.u8() % 8,
            flow: b.u16() % 4,
            sent_at: t0 + Duration::from_millis(u64::from(b.u16())),
            answer,
            burst: (b.u8() % 4 == 0).then(|| u32::from(b.u8() % 3)),
        };
        let _ = path.record(&result);
        if b.u8() % 16 == 0 {
            path.assess();
        }
        if b.u8() % 64 == 0 {
            path.reset();
        }
    }
    path.assess();
    for hop in path.hops() {
        let _ = (hop.verdict.line(), hop.stats.loss_percent());
        for f in Figure::ALL {
            let _ = hop.stats.figure(f);
        }
    }
}

fn tracer<S: Strategy<Progress: Debug, Summary: Debug>>(
    m: Option<Tracer<S>>,
    t0: Instant,
    b: &mut Bytes,
) {
    if let Some(m) = m {
        drive(m, t0, b);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let t0 = Instant::now();
    match b.u8() % 12 {
        0 => drive(ping(false, &mut b, t0), t0, &mut b),
        1 => drive(ping(true, &mut b, t0), t0, &mut b),
        2 => drive(multi(&mut b, t0), t0, &mut b),
        3 => drive(probe(&mut b, t0), t0, &mut b),
        4 => {
            if let Some(m) = sweep(&mut b, t0) {
                drive(m, t0, &mut b);
            }
        }
        5 => tracer(trace(Method::Icmp, &mut b), t0, &mut b),
        6 => tracer(trace(Method::Udp, &mut b), t0, &mut b),
        7 => tracer(trace(Method::Tcp, &mut b), t0, &mut b),
        8 => tracer(mda(&mut b), t0, &mut b),
        9 => tracer(pmtu(&mut b), t0, &mut b),
        10 => tracer(mtr(&mut b), t0, &mut b),
        _ => path(&mut b, t0),
    }
});
