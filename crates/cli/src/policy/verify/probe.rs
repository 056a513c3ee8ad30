//! The probes of `policy verify`, each bounded in time, each returning
//! what it saw as an [`Observation`] for `icmpkit_guard`'s judge. Sockets
//! are opened inside the lab's namespaces (`icmpkit_net::netns::run_in`)
//! and used from this process; the peer tools (traceroute, tracepath,
//! `icmpkit trace`) run under `ip netns exec ... timeout`.

use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use icmpkit_guard::policy::verify::{
    AbusedMessage, Check, LARGE_PING_BYTES, Observation, Probe, TRANSFER_BYTES, Target,
};
use icmpkit_guard::policy::{IpVersion, Message};
use icmpkit_net::{IcmpSocket, SocketChoice, netns};
use icmpkit_wire::echo;
use icmpkit_wire::icmpv4::Redirect;
use icmpkit_wire::icmpv6::ndp::{NdpOptions, Preference, RouterAdvertisement};
use icmpkit_wire::ip::{AddressPair, protocol};
use icmpkit_wire::{icmpv4, icmpv6, ipv4, udp};

use super::lab::{Addresses, Lab, SMALL_MTU};

/// Echo at a normal pace: this many requests...
pub const PING_COUNT: u32 = 5;
/// ... this far apart: 5 a second, the fastest iputils ping lets a user
/// go (`-i 0.2`), so a limit that cuts it cuts ordinary monitoring.
pub const PING_INTERVAL: Duration = Duration::from_millis(200);
/// A flood: this many requests...
pub const FLOOD_COUNT: u32 = 1000;
/// ... this far apart (1000 a second, for one second: any limit's rate
/// refills at least one answer, whatever went before).
pub const FLOOD_INTERVAL: Duration = Duration::from_millis(1);
/// How long answers are awaited after the last request or message.
const LINGER: Duration = Duration::from_millis(400);
/// How long a trace tool may run.
const TRACE_LIMIT: Duration = Duration::from_secs(10);
/// How long tracepath may run: it waits about 3 s at a silent hop, so a
/// path whose last hop is silent or whose Packet Too Big is lost still ends
/// (with a wrong path MTU) in time, and one silent all along is cut short.
const TRACEPATH_LIMIT: Duration = Duration::from_secs(5);
/// How long the TCP transfer may take.
pub const TRANSFER_LIMIT: Duration = Duration::from_secs(3);
/// The hops a trace tool may go: the lab's path is 5 long.
const MAX_HOPS: &str = "6";

/// A different identifier for each echo run of this process.
static NEXT_IDENT: AtomicU16 = AtomicU16::new(0);

fn failed(error: impl std::fmt::Display) -> Observation {
    Observation::Failed {
        error: error.to_string(),
    }
}

/// Opens a raw ICMP socket of `version` in namespace `ns` of `lab`.
fn raw_socket(lab: &Lab, ns: &str, version: IpVersion) -> Result<IcmpSocket, String> {
    netns::run_in(&lab.ns(ns), || IcmpSocket::open(version, SocketChoice::Raw))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Sends `count` echo requests from namespace `from` to `dst`, `interval`
/// apart, and counts the distinct ones answered.
pub fn echoes(
    lab: &Lab,
    from: &str,
    version: IpVersion,
    dst: IpAddr,
    count: u32,
    interval: Duration,
) -> Observation {
    let data = *b"icmpkit verify\0\0";
    match echo_run(lab, from, version, dst, (count, interval), &data) {
        Ok(observation) => observation,
        Err(error) => failed(error),
    }
}

/// As [`echoes`], [`PING_COUNT`] requests of [`LARGE_PING_BYTES`] of data
/// at [`PING_INTERVAL`] (`ping -s 3000`): more than the lab's links carry
/// in one packet (1500 bytes at most), so the kernel sends each request in
/// fragments, and the replies come back so. One request goes first, not
/// counted (see the body).
pub fn large_echoes(lab: &Lab, from: &str, version: IpVersion, dst: IpAddr) -> Observation {
    // Counting bytes, as ping fills its data: a fragment's first bytes are
    // not zero, which a rule reading them as an ICMP type would take for
    // an echo reply.
    let mut data = b"icmpkit verify".to_vec();
    data.extend((data.len()..LARGE_PING_BYTES).map(|i| i.to_le_bytes()[0]));
    // One request first, not counted: over IPv6 the first reply, sent in
    // 1500-byte fragments, meets the 1280 link, where routers do not
    // fragment; its Packet Too Big teaches the answerer the path MTU.
    let _ = echo_run(lab, from, version, dst, (1, PING_INTERVAL), &data);
    match echo_run(lab, from, version, dst, (PING_COUNT, PING_INTERVAL), &data) {
        Ok(observation) => observation,
        Err(error) => failed(error),
    }
}

/// The echo run of [`echoes`]: `pace` is the count and the interval.
fn echo_run(
    lab: &Lab,
    from: &str,
    version: IpVersion,
    dst: IpAddr,
    pace: (u32, Duration),
    data: &[u8],
) -> Result<Observation, String> {
    let (count, interval) = pace;
    let sock = raw_socket(lab, from, version)?;
    let reply_type = match version {
        IpVersion::V4 => 0,
        IpVersion::V6 => 129,
    };
    let setup = || -> io::Result<()> {
        sock.set_type_filter(&[reply_type])?;
        sock.set_recv_buffer_size(1 << 22)?;
        sock.set_nonblocking(true)
    };
    setup().map_err(|e| e.to_string())?;
    let ident = u16::try_from(std::process::id() & 0xff)
        .unwrap_or(0)
        .wrapping_shl(8)
        | NEXT_IDENT.fetch_add(1, Ordering::Relaxed) & 0xff;
    let sent_all: OnceLock<Instant> = OnceLock::new();
    let started = Instant::now();
    let (sent, answered) = std::thread::scope(|scope| {
        let receiver = scope.spawn(|| count_replies(&sock, version, dst, ident, count, &sent_all));
        let mut sent = 0u32;
        let mut message = Vec::new();
        let mut error = None;
        for seq in 0..count {
            let due = started + interval * seq;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let seq_no = u16::try_from(seq).unwrap_or(u16::MAX);
            message.clear();
            message.resize(echo::request_len(data.len()), 0);
            echo::write_request(version, ident, seq_no, data, &mut message);
            match sock.send_to(&message, dst) {
                Ok(_) => sent += 1,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        let _ = sent_all.set(Instant::now());
        let answered = receiver.join().unwrap_or(Ok(0));
        match (error, answered) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(answered)) => Ok((sent, answered)),
        }
    })?;
    let sending = sent_all.get().map_or(Duration::ZERO, |end| *end - started);
    Ok(Observation::Echoes {
        sent,
        answered,
        sending,
    })
}

/// Reads echo replies from `dst` with `ident` until [`LINGER`] after the
/// sender set `sent_all`; the number of distinct sequence numbers below
/// `count`.
fn count_replies(
    sock: &IcmpSocket,
    version: IpVersion,
    dst: IpAddr,
    ident: u16,
    count: u32,
    sent_all: &OnceLock<Instant>,
) -> Result<u32, String> {
    let mut seen = vec![false; usize::try_from(count).unwrap_or(0)];
    let mut buf = vec![0u8; 8192];
    loop {
        if sent_all.get().is_some_and(|end| end.elapsed() > LINGER) {
            break;
        }
        sock.wait_readable(Duration::from_millis(20))
            .map_err(|e| e.to_string())?;
        while let Some(got) = sock.try_recv(&mut buf).map_err(|e| e.to_string())? {
            if got.from != dst {
                continue;
            }
            if let Some((reply_ident, seq)) = echo_reply(version, got.icmp(&buf))
                && reply_ident == ident
                && let Some(slot) = seen.get_mut(usize::from(seq))
            {
                *slot = true;
            }
        }
    }
    Ok(u32::try_from(seen.iter().filter(|&&s| s).count()).unwrap_or(u32::MAX))
}

/// The identifier and sequence number of an echo reply.
fn echo_reply(version: IpVersion, icmp: &[u8]) -> Option<(u16, u16)> {
    match version {
        IpVersion::V4 => match icmpv4::Repr::parse_bytes(icmp).ok()? {
            icmpv4::Repr::EchoReply { ident, seq_no, .. } => Some((ident, seq_no)),
            _ => None,
        },
        IpVersion::V6 => {
            let packet = icmpv6::Packet::new_checked(icmp).ok()?;
            match icmpv6::Repr::parse(&packet).ok()? {
                icmpv6::Repr::EchoReply { ident, seq_no, .. } => Some((ident, seq_no)),
                _ => None,
            }
        }
    }
}

/// Whether `program` is an executable file in `PATH`.
pub fn installed(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// A trace tool: `traceroute` or this binary's `trace`.
#[derive(Debug, Clone, Copy)]
pub enum TraceTool<'a> {
    /// `traceroute -n` (UDP probes).
    Traceroute,
    /// `icmpkit trace -n` (UDP probes), this binary.
    Icmpkit(&'a Path),
}

/// Traces from the client to the server with `tool`, one probe per hop.
pub fn trace(lab: &Lab, version: IpVersion, tool: TraceTool<'_>) -> Observation {
    let addrs = Addresses::of(version);
    let dst = addrs.server.to_string();
    let family = match version {
        IpVersion::V4 => "-4",
        IpVersion::V6 => "-6",
    };
    let args = ["-n", family, "-q", "1", "-w", "1", "-m", MAX_HOPS, &dst];
    let out = match tool {
        TraceTool::Traceroute => {
            if !installed("traceroute") {
                return Observation::Missing {
                    tool: "traceroute".to_owned(),
                };
            }
            lab.run("client", TRACE_LIMIT, "traceroute", &args)
        }
        TraceTool::Icmpkit(exe) => {
            let mut all = vec!["trace"];
            all.extend(args);
            lab.run("client", TRACE_LIMIT, &exe.to_string_lossy(), &all)
        }
    };
    match out {
        Ok(out) if out.status.code() == Some(124) => {
            failed(format!("did not end within {} s", TRACE_LIMIT.as_secs()))
        }
        Ok(out) => Observation::Hops {
            seen: hops(&String::from_utf8_lossy(&out.stdout)),
            expected: addrs.hops,
        },
        Err(e) => failed(e),
    }
}

/// The addresses on each hop line (`N  ADDR  RTT ms ...`) of traceroute's
/// output (and `icmpkit trace`'s, which follows it), by hop number.
pub fn hops(text: &str) -> Vec<Vec<IpAddr>> {
    let mut all: Vec<Vec<IpAddr>> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(hop) = words.next().and_then(|w| w.parse::<usize>().ok()) else {
            continue;
        };
        if hop == 0 || hop > 255 {
            continue;
        }
        if all.len() < hop {
            all.resize(hop, Vec::new());
        }
        for addr in words.filter_map(|w| w.parse::<IpAddr>().ok()) {
            if !all[hop - 1].contains(&addr) {
                all[hop - 1].push(addr);
            }
        }
    }
    all
}

/// `tracepath -n` from the client to the server: the path MTU it reports.
pub fn tracepath(lab: &Lab, version: IpVersion) -> Observation {
    if !installed("tracepath") {
        return Observation::Missing {
            tool: "tracepath".to_owned(),
        };
    }
    let dst = Addresses::of(version).server.to_string();
    let family = match version {
        IpVersion::V4 => "-4",
        IpVersion::V6 => "-6",
    };
    // The path is 5 hops: a tracepath whose last hop stays silent gives up
    // at the 5th instead of waiting at more.
    match lab.run(
        "client",
        TRACEPATH_LIMIT,
        "tracepath",
        &[family, "-n", "-m", "5", &dst],
    ) {
        Ok(out) => Observation::PathMtu {
            found: resume_pmtu(&String::from_utf8_lossy(&out.stdout)),
            expected: SMALL_MTU,
        },
        Err(e) => failed(e),
    }
}

/// The path MTU on tracepath's `Resume: pmtu N ...` line.
pub fn resume_pmtu(text: &str) -> Option<u32> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Resume:"))?;
    let mut words = line.split_whitespace();
    words.find(|&w| w == "pmtu")?;
    words.next()?.parse().ok()
}

/// A TCP transfer of [`TRANSFER_BYTES`] from the client to the server,
/// given [`TRANSFER_LIMIT`].
pub fn transfer(lab: &Lab, version: IpVersion) -> Observation {
    match transfer_run(lab, version) {
        Ok(observation) => observation,
        Err(error) => failed(error),
    }
}

fn transfer_run(lab: &Lab, version: IpVersion) -> Result<Observation, String> {
    let server = Addresses::of(version).server;
    let listener = netns::run_in(&lab.ns("server"), || {
        TcpListener::bind(SocketAddr::new(server, 0))
    })
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot listen on {server}: {e}"))?;
    let at = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let deadline = started + TRANSFER_LIMIT;
    let stream = netns::run_in(&lab.ns("client"), || {
        TcpStream::connect_timeout(&at, TRANSFER_LIMIT)
    })
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot connect to {at}: {e}"))?;
    let (received, done_at) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| receive_all(&listener, deadline));
        send_all(stream, deadline);
        reader.join().unwrap_or(Ok((0, None)))
    })?;
    let elapsed = done_at.map_or(TRANSFER_LIMIT, |at| at - started);
    Ok(Observation::Transfer {
        bytes: TRANSFER_BYTES,
        received,
        elapsed,
        bound: TRANSFER_LIMIT,
    })
}

/// Writes [`TRANSFER_BYTES`] until `deadline`, then closes.
fn send_all(mut stream: TcpStream, deadline: Instant) {
    let chunk = vec![0x5a_u8; 64 << 10];
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let mut left = TRANSFER_BYTES;
    while left > 0 && Instant::now() < deadline {
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
        match stream.write(&chunk[..n]) {
            Ok(written) => left -= written as u64,
            Err(e) if retryable(&e) => {}
            Err(_) => break,
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// Accepts one connection and reads it to its end or `deadline`: the
/// bytes and, when it ended in time, when.
fn receive_all(
    listener: &TcpListener,
    deadline: Instant,
) -> Result<(u64, Option<Instant>), String> {
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Ok((0, None));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("cannot accept: {e}")),
        }
    };
    stream.set_nonblocking(false).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 << 10];
    let mut received = 0u64;
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return Ok((received, Some(Instant::now()))),
            Ok(n) => received += n as u64,
            Err(e) if retryable(&e) => {}
            Err(_) => break,
        }
    }
    Ok((received, None))
}

/// Sends the message of every one of `checks` ([`Probe::Abused`], of one
/// IP version) from the server, and watches for each where it would be
/// delivered: the protected machine `machine` (at `machine_addr`) or, in
/// transit, the client. One observation per check, in order.
pub fn abused(
    lab: &Lab,
    version: IpVersion,
    machine: &str,
    machine_addr: IpAddr,
    checks: &[Check],
) -> Vec<Observation> {
    let abuses: Vec<(AbusedMessage, Target)> = checks
        .iter()
        .filter_map(|c| match c.probe {
            Probe::Abused { message, target } => Some((message, target)),
            _ => None,
        })
        .collect();
    if abuses.len() != checks.len() {
        return checks
            .iter()
            .map(|c| failed(format!("{c} sends no abused message")))
            .collect();
    }
    match abused_run(lab, version, machine, machine_addr, &abuses) {
        Ok(observations) => observations,
        Err(error) => checks.iter().map(|_| failed(&error)).collect(),
    }
}

fn abused_run(
    lab: &Lab,
    version: IpVersion,
    machine: &str,
    machine_addr: IpAddr,
    abuses: &[(AbusedMessage, Target)],
) -> Result<Vec<Observation>, String> {
    let addrs = Addresses::of(version);
    let place = |target| match target {
        Target::Machine => (machine, machine_addr),
        Target::Transit => ("client", addrs.client),
    };
    // The watchers first, one per namespace, seeing only the types sent.
    let mut watchers: Vec<(&str, IcmpSocket)> = Vec::new();
    let types: Vec<u8> = abuses.iter().map(|(m, _)| m.message.msg_type).collect();
    for &(_, target) in abuses {
        let (ns, _) = place(target);
        if watchers.iter().any(|(n, _)| *n == ns) {
            continue;
        }
        let sock = raw_socket(lab, ns, version)?;
        sock.set_type_filter(&types).map_err(|e| e.to_string())?;
        sock.set_nonblocking(true).map_err(|e| e.to_string())?;
        watchers.push((ns, sock));
    }
    let sender = raw_socket(lab, "server", version)?;
    let mut sent = vec![0u32; abuses.len()];
    for (&(message, target), count) in abuses.iter().zip(&mut sent) {
        let (_, dst) = place(target);
        let bytes = craft(message.message, addrs.server, dst, addrs.client)?;
        sender
            .set_ttl(message.hop_limit)
            .map_err(|e| e.to_string())?;
        sender.send_to(&bytes, dst).map_err(|e| e.to_string())?;
        *count += 1;
    }
    // Everything arrives within well under a second in the lab.
    std::thread::sleep(LINGER);
    let mut arrived = vec![0u32; abuses.len()];
    let mut buf = vec![0u8; 4096];
    for (ns, sock) in &watchers {
        while let Some(got) = sock.try_recv(&mut buf).map_err(|e| e.to_string())? {
            if got.from != addrs.server {
                continue;
            }
            let icmp = got.icmp(&buf);
            let (Some(&msg_type), Some(&code)) = (icmp.first(), icmp.get(1)) else {
                continue;
            };
            let to = got.dst;
            for (&(message, target), count) in abuses.iter().zip(&mut arrived) {
                let (watched_ns, dst) = place(target);
                let m = message.message;
                // A raw IPv6 socket does not report the destination; each
                // namespace is the destination of one target only.
                if watched_ns == *ns
                    && m.msg_type == msg_type
                    && m.code == code
                    && to.is_none_or(|to| to == dst)
                {
                    *count += 1;
                }
            }
        }
    }
    Ok(abuses
        .iter()
        .zip(sent.iter().zip(&arrived))
        .map(|(&(_, target), (&sent, &arrived))| Observation::Arrivals {
            sent,
            arrived,
            watched_at: place(target).0.to_owned(),
        })
        .collect())
}

/// The bytes of `message` from `src` to `dst`, as an attacker outside
/// would send it; an error quotes a datagram from `inside` to `src`.
fn craft(message: Message, src: IpAddr, dst: IpAddr, inside: IpAddr) -> Result<Vec<u8>, String> {
    let ident = 0x1c4d;
    let seq_no = 1;
    match (src, dst, inside) {
        (IpAddr::V4(src), IpAddr::V4(_), IpAddr::V4(inside)) => {
            let quoted = quoted_datagram(inside, src);
            let repr = match message.msg_type {
                4 => icmpv4::Repr::SourceQuench { original: &quoted },
                5 => icmpv4::Repr::Redirect {
                    code: Redirect::from(message.code),
                    gateway: src,
                    original: &quoted,
                },
                13 => icmpv4::Repr::Timestamp {
                    ident,
                    seq_no,
                    originate: 0,
                    receive: 0,
                    transmit: 0,
                },
                15 => icmpv4::Repr::InformationRequest { ident, seq_no },
                17 => icmpv4::Repr::AddressMaskRequest {
                    ident,
                    seq_no,
                    mask: Ipv4Addr::UNSPECIFIED,
                },
                other => return Err(format!("no ICMPv4 type {other} to craft")),
            };
            let mut buf = vec![0; repr.buffer_len()];
            repr.emit(&mut icmpv4::Packet::new_unchecked(&mut buf[..]));
            Ok(buf)
        }
        (IpAddr::V6(src), IpAddr::V6(dst), IpAddr::V6(inside)) => {
            let none = NdpOptions::new(&[]).map_err(|e| e.to_string())?;
            let repr = match message.msg_type {
                134 => icmpv6::Repr::RouterAdvertisement(RouterAdvertisement {
                    hop_limit: 64,
                    managed: false,
                    other_config: false,
                    home_agent: false,
                    preference: Preference::High,
                    proxy: false,
                    router_lifetime: 1800,
                    reachable_time: 0,
                    retrans_timer: 0,
                    options: none,
                }),
                137 => icmpv6::Repr::Redirect {
                    target: src,
                    destination: inside,
                    options: none,
                },
                other => return Err(format!("no ICMPv6 type {other} to craft")),
            };
            let mut buf = vec![0; repr.buffer_len()];
            repr.emit(&mut icmpv6::Packet::new_unchecked(&mut buf[..]), src, dst);
            Ok(buf)
        }
        _ => Err("addresses of two IP versions".to_owned()),
    }
}

/// The datagram an ICMPv4 error quotes: an IPv4 header and a UDP header
/// (a traceroute-like probe from `src` to `dst`).
fn quoted_datagram(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let datagram = udp::Repr {
        src_port: 40000,
        dst_port: 33434,
        payload: &[],
    };
    let ip = ipv4::Repr {
        src_addr: src,
        dst_addr: dst,
        protocol: protocol::UDP,
        payload_len: datagram.buffer_len(),
        ttl: 1,
        dscp: 0,
        ecn: 0,
        ident: 0x4b1d,
        dont_frag: true,
        more_frags: false,
        frag_offset: 0,
        options: &[],
    };
    let mut buf = vec![0; ip.buffer_len()];
    ip.emit(&mut ipv4::Packet::new_unchecked(&mut buf[..]));
    let pair = AddressPair::V4 { src, dst };
    datagram.emit(
        &mut udp::Packet::new_unchecked(&mut buf[ipv4::HEADER_LEN..]),
        &pair,
    );
    buf
}

#[cfg(test)]
mod tests;

/// Whether a socket read or write that failed with `e` is worth trying
/// again before the deadline (a timeout or a signal, not a broken stream).
fn retryable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
