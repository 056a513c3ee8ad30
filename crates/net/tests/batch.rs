//! Batched sending and receiving (`sendmmsg`/`recvmmsg`) against the
//! kernel's echo replies on the loopback of a network namespace each test
//! creates (and removes), so other programs' ICMP traffic stays out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use icmpkit_lab::echo::{echo_request, ident, nonce};
use icmpkit_lab::netns::{Lab, proc_number};
use icmpkit_lab::require;
use icmpkit_net::{IcmpSocket, IpVersion, MAX_BATCH, Received, RecvBatch, SendBatch, SocketChoice};

/// The loopback address of `version`.
fn localhost(version: IpVersion) -> IpAddr {
    match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpVersion::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

/// A raw socket of `version` opened in `ns`, non-blocking, with received
/// TTL, destination and kernel timestamps on and a large receive buffer.
fn open_raw(ns: &Lab, version: IpVersion) -> IcmpSocket {
    let sock = ns.enter("host", || {
        IcmpSocket::open(version, SocketChoice::Raw).unwrap()
    });
    sock.set_nonblocking(true).unwrap();
    sock.set_timestamps(true).unwrap();
    sock.set_recv_ttl(true).unwrap();
    sock.set_recv_dst(true).unwrap();
    sock.set_recv_buffer_size(4 << 20).unwrap();
    sock
}

/// An echo message with our identifier and nonce: (is it a reply, its
/// sequence number). Anything else (other identifiers, other traffic) is
/// `None`.
fn classify(version: IpVersion, icmp: &[u8], id: u16, data: &[u8]) -> Option<(bool, u16)> {
    let (request, reply) = match version {
        IpVersion::V4 => (8, 0),
        IpVersion::V6 => (128, 129),
    };
    if icmp.len() != 8 + data.len() || icmp[4..6] != id.to_be_bytes() || &icmp[8..] != data {
        return None;
    }
    let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
    match icmp[0] {
        t if t == reply => Some((true, seq)),
        t if t == request => Some((false, seq)),
        _ => None,
    }
}

/// What [`echo_run`] saw.
struct Outcome {
    /// The reply to each sequence number.
    replies: Vec<Option<Received>>,
    /// How many of our own requests the socket saw.
    own_requests: usize,
    /// From the first send to the last reply.
    elapsed: Duration,
}

/// Sends `total` echo requests (sequence 0, 1, ...) to loopback, `batch`
/// at a time, reading everything queued after each batch, until every
/// reply is in or `limit` passes (which fails the test). With `batched`,
/// through `send_batch`/`recv_batch`, otherwise `send_to`/`try_recv`.
fn echo_run(
    sock: &IcmpSocket,
    total: usize,
    batch: usize,
    batched: bool,
    limit: Duration,
) -> Outcome {
    let version = sock.version();
    let dst = localhost(version);
    let (id, data) = (ident(), nonce());
    let packets: Vec<Vec<u8>> = (0..total)
        .map(|seq| echo_request(version, id, u16::try_from(seq).unwrap(), &data))
        .collect();
    let messages: Vec<(&[u8], IpAddr)> = packets.iter().map(|p| (&p[..], dst)).collect();

    let mut send = SendBatch::with_capacity(batch);
    let mut recv = RecvBatch::new(batch, 2048);
    let mut buf = vec![0; 2048];
    let mut replies: Vec<Option<Received>> = vec![None; total];
    let (mut sent, mut got, mut own_requests) = (0, 0, 0);

    // True for a new reply.
    let mut note = |received: Received, bytes: &[u8]| -> bool {
        match classify(version, received.icmp(bytes), id, &data) {
            Some((true, seq)) => {
                let slot = &mut replies[usize::from(seq)];
                assert!(slot.is_none(), "duplicate reply {seq}");
                *slot = Some(received);
                true
            }
            Some((false, _)) => {
                own_requests += 1;
                false
            }
            None => false,
        }
    };

    let start = Instant::now();
    let deadline = start + limit;
    while got < total {
        assert!(
            Instant::now() < deadline,
            "{got} of {total} replies within {limit:?} ({sent} sent)"
        );
        if sent < total {
            let end = (sent + batch).min(total);
            if batched {
                sent += sock.send_batch(&mut send, &messages[sent..end]).unwrap();
            } else {
                for &(message, to) in &messages[sent..end] {
                    sock.send_to(message, to).unwrap();
                }
                sent = end;
            }
        }
        let mut seen = 0;
        if batched {
            // Bounded: a round reads at most what fits in twice the total.
            for _ in 0..=(2 * total) / batch.max(1) + 1 {
                let n = sock.recv_batch(&mut recv).unwrap();
                assert_eq!(n, recv.len());
                for (received, bytes) in recv.iter() {
                    got += usize::from(note(received, bytes));
                }
                seen += n;
                if n == 0 {
                    break;
                }
            }
        } else {
            for _ in 0..=2 * total {
                let Some(received) = sock.try_recv(&mut buf).unwrap() else {
                    break;
                };
                got += usize::from(note(received, &buf));
                seen += 1;
            }
        }
        if seen == 0 && sent == total {
            sock.wait(Duration::from_millis(10)).unwrap();
        }
    }
    Outcome {
        replies,
        own_requests,
        elapsed: start.elapsed(),
    }
}

/// 1,000 echo requests to loopback in batches of 64, all replies read
/// with `recv_batch`, each with the fields `recv` would give.
fn thousand_echoes(version: IpVersion, test: &str) {
    let Some(ns) = Lab::host(test) else {
        return;
    };
    let sock = open_raw(&ns, version);
    let hop_limit_file = match version {
        IpVersion::V4 => "/proc/sys/net/ipv4/ip_default_ttl",
        IpVersion::V6 => "/proc/sys/net/ipv6/conf/lo/hop_limit",
    };
    let ttl = ns.enter("host", || proc_number(hop_limit_file));
    let before = std::time::SystemTime::now();
    let outcome = echo_run(&sock, 1000, 64, true, Duration::from_secs(5));
    // Unfiltered raw sockets see our own requests on loopback too.
    assert_eq!(outcome.own_requests, 1000);
    let (header, dst) = match version {
        IpVersion::V4 => (20, localhost(version)),
        IpVersion::V6 => (0, localhost(version)),
    };
    for (seq, reply) in outcome.replies.iter().enumerate() {
        let reply = reply.unwrap_or_else(|| panic!("no reply {seq}"));
        assert_eq!(reply.len, header + 8 + 16, "reply {seq}");
        assert_eq!(reply.icmp_offset, header);
        assert_eq!(reply.from, dst);
        assert_eq!(reply.dst, Some(dst));
        assert_eq!(reply.ttl, Some(ttl));
        assert!(!reply.truncated);
        let stamp = reply.kernel_time.expect("a kernel timestamp");
        assert!(stamp >= before && stamp <= std::time::SystemTime::now());
    }
}

#[test]
fn a_thousand_icmpv4_echoes_in_batches_of_64() {
    thousand_echoes(IpVersion::V4, "a_thousand_icmpv4_echoes_in_batches_of_64");
}

#[test]
fn a_thousand_icmpv6_echoes_in_batches_of_64() {
    thousand_echoes(IpVersion::V6, "a_thousand_icmpv6_echoes_in_batches_of_64");
}

/// `Icmp: OutEchos` of the calling thread's namespace.
fn out_echos() -> u64 {
    let snmp = std::fs::read_to_string("/proc/thread-self/net/snmp").unwrap();
    let mut lines = snmp.lines().filter(|l| l.starts_with("Icmp: "));
    let names = lines.next().unwrap().split_whitespace();
    let values = lines.next().unwrap().split_whitespace();
    names
        .zip(values)
        .find(|(n, _)| *n == "OutEchos")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap()
}

#[test]
fn batches_beyond_the_kernels_limit_send_what_it_takes() {
    let Some(ns) = Lab::host("batches_beyond_the_kernels_limit_send_what_it_takes") else {
        return;
    };
    assert_eq!(MAX_BATCH, 1024);
    assert_eq!(SendBatch::with_capacity(5000).capacity(), 1024);
    assert_eq!(RecvBatch::new(5000, 64).slots(), 1024);
    // Blocking, and reading nothing: the filter drops every type.
    let sock = ns.enter("host", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Raw).unwrap()
    });
    sock.set_type_filter(&[]).unwrap();
    let (id, data) = (ident(), nonce());
    let packets: Vec<Vec<u8>> = (0..1500)
        .map(|seq| echo_request(IpVersion::V4, id, seq, &data))
        .collect();
    let dst = localhost(IpVersion::V4);
    let messages: Vec<(&[u8], IpAddr)> = packets.iter().map(|p| (&p[..], dst)).collect();
    let mut batch = SendBatch::with_capacity(5000);
    let start = ns.enter("host", out_echos);
    assert_eq!(sock.send_batch(&mut batch, &messages).unwrap(), 1024);
    assert_eq!(sock.send_batch(&mut batch, &messages[1024..]).unwrap(), 476);
    assert_eq!(ns.enter("host", out_echos) - start, 1500);
}

#[test]
fn empty_batches_and_wrong_addresses() {
    let Some(ns) = Lab::host("empty_batches_and_wrong_addresses") else {
        return;
    };
    let sock = open_raw(&ns, IpVersion::V4);
    sock.set_type_filter(&[]).unwrap();
    let start = ns.enter("host", out_echos);
    let msg = echo_request(IpVersion::V4, ident(), 1, &nonce());
    let mut batch = SendBatch::with_capacity(8);
    assert_eq!(sock.send_batch(&mut batch, &[]).unwrap(), 0);
    let dst = localhost(IpVersion::V4);
    // No room: nothing sent.
    let mut none = SendBatch::with_capacity(0);
    assert_eq!(none.capacity(), 0);
    assert_eq!(sock.send_batch(&mut none, &[(&msg, dst)]).unwrap(), 0);
    // A wrong address anywhere stops the whole batch before it goes.
    let v6 = localhost(IpVersion::V6);
    let err = sock
        .send_batch(&mut batch, &[(&msg, dst), (&msg, v6)])
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "::1 is not an address for this raw ICMPv4 socket"
    );
    // One message without a batch: the same refusal, before it goes.
    let err = sock.send_one(&msg, v6).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(ns.enter("host", out_echos), start);
    assert!(sock.send_one(&msg, dst).unwrap());
    assert_eq!(ns.enter("host", out_echos), start + 1);
    // Nothing queued, and no slots: both 0, at once.
    let mut slots = RecvBatch::new(16, 2048);
    assert_eq!(sock.recv_batch(&mut slots).unwrap(), 0);
    assert!(slots.is_empty());
    assert!(slots.get(0).is_none());
    let mut empty = RecvBatch::new(0, 2048);
    assert_eq!(sock.recv_batch(&mut empty).unwrap(), 0);
    assert_eq!(empty.iter().len(), 0);
}

#[test]
fn a_full_send_buffer_gives_zero() {
    let Some(ns) = Lab::host("a_full_send_buffer_gives_zero") else {
        return;
    };
    // 10.200.0.2 is on a veth link whose peer has no address: nobody
    // answers ARP, so sent packets wait in the neighbour queue, still
    // charged to the socket's send buffer.
    for args in [
        &[
            "ip", "link", "add", "ik-a", "type", "veth", "peer", "name", "ik-b",
        ][..],
        &["ip", "addr", "add", "10.200.0.1/24", "dev", "ik-a"],
        &["ip", "link", "set", "ik-a", "up"],
        &["ip", "link", "set", "ik-b", "up"],
    ] {
        ns.must("host", args);
    }
    let sock = ns.enter("host", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Raw).unwrap()
    });
    sock.set_nonblocking(true).unwrap();
    // SO_SNDBUFFORCE goes beyond net.core.wmem_max; the kernel doubles.
    let wmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    sock.set_send_buffer_size(2 * wmem_max).unwrap();
    assert_eq!(sock.send_buffer_size().unwrap(), 4 * wmem_max);
    // The smallest buffer the kernel allows holds a few packets.
    sock.set_send_buffer_size(0).unwrap();
    let small = sock.send_buffer_size().unwrap();
    assert!(small < 16 * 1024, "{small}");

    let (id, data) = (ident(), nonce());
    let packets: Vec<Vec<u8>> = (0..64)
        .map(|seq| echo_request(IpVersion::V4, id, seq, &data))
        .collect();
    let dst = IpAddr::V4(Ipv4Addr::new(10, 200, 0, 2));
    let messages: Vec<(&[u8], IpAddr)> = packets.iter().map(|p| (&p[..], dst)).collect();
    let mut batch = SendBatch::with_capacity(64);
    // A raw socket hears ENOBUFS, blocking or not.
    for nonblocking in [true, false] {
        sock.set_nonblocking(nonblocking).unwrap();
        let first = sock.send_batch(&mut batch, &messages).unwrap();
        // The first round fills the buffer; the second finds it full.
        assert!(
            first < 64 && (first > 0) == nonblocking,
            "sent {first} of 64"
        );
        assert_eq!(sock.send_batch(&mut batch, &messages[first..]).unwrap(), 0);
        assert!(!sock.send_one(messages[0].0, dst).unwrap());
        let err = sock.send_to(messages[0].0, dst).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("No buffer space available (os error 105)"),
            "{err}"
        );
    }

    // A non-blocking ping socket hears EAGAIN.
    ns.allow_ping_sockets("host");
    let ping = ns.enter("host", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap()
    });
    ping.set_nonblocking(true).unwrap();
    ping.set_send_buffer_size(0).unwrap();
    let first = ping.send_batch(&mut batch, &messages).unwrap();
    assert!(first > 0 && first < 64, "sent {first} of 64");
    assert_eq!(ping.send_batch(&mut batch, &messages[first..]).unwrap(), 0);
    assert!(!ping.send_one(messages[0].0, dst).unwrap());
    let err = ping.send_to(messages[0].0, dst).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
}

/// Reads the same packets with `recv` on one socket and `recv_batch` on
/// another and compares every field and byte.
fn same_as_recv(ns: &Lab, version: IpVersion, slot_len: usize) {
    let (single, batched) = (open_raw(ns, version), open_raw(ns, version));
    let (id, data) = (ident(), nonce());
    let dst = localhost(version);
    for seq in 0..20 {
        single
            .send_to(&echo_request(version, id, seq, &data), dst)
            .unwrap();
    }
    // Each socket sees 20 requests and 20 replies.
    let mut by_recv = Vec::new();
    let mut buf = vec![0; slot_len];
    let deadline = Instant::now() + Duration::from_secs(2);
    while by_recv.len() < 40 && Instant::now() < deadline {
        match single.try_recv(&mut buf).unwrap() {
            Some(r) => by_recv.push((r, buf[..r.len].to_vec())),
            None => {
                single.wait(Duration::from_millis(10)).unwrap();
            }
        }
    }
    let mut by_batch = Vec::new();
    let mut slots = RecvBatch::new(7, slot_len);
    while by_batch.len() < 40 && Instant::now() < deadline {
        if batched.recv_batch(&mut slots).unwrap() == 0 {
            batched.wait(Duration::from_millis(10)).unwrap();
        }
        by_batch.extend(slots.iter().map(|(r, b)| (r, b.to_vec())));
    }
    assert_eq!(by_recv.len(), 40);
    assert_eq!(by_batch.len(), 40);
    for (a, b) in by_recv.iter().zip(&by_batch) {
        assert_eq!(a, b);
        assert!(a.0.kernel_time.is_some() && a.0.ttl.is_some());
        assert_eq!(a.0.truncated, slot_len < 24 + a.0.icmp_offset);
    }
}

#[test]
fn recv_batch_gives_what_recv_gives() {
    let Some(ns) = Lab::host("recv_batch_gives_what_recv_gives") else {
        return;
    };
    same_as_recv(&ns, IpVersion::V4, 2048);
    same_as_recv(&ns, IpVersion::V6, 2048);
    // Cut packets: the same length, bytes and truncation flag.
    same_as_recv(&ns, IpVersion::V4, 30);
    same_as_recv(&ns, IpVersion::V6, 20);
}

/// Not a check: prints packets per second, batched and one by one, for
/// the record (`cargo test -p icmpkit-net --test batch -- --nocapture`).
#[test]
fn loopback_rate_batched_and_single() {
    if !require::root("loopback_rate_batched_and_single") {
        return;
    }
    let total = 20_000;
    for batched in [true, false] {
        let ns = Lab::host("loopback_rate_batched_and_single").expect("root was checked above");
        let sock = open_raw(&ns, IpVersion::V4);
        sock.accept_only_replies_and_errors().unwrap();
        let outcome = echo_run(&sock, total, 64, batched, Duration::from_secs(20));
        assert!(outcome.replies.iter().all(Option::is_some));
        let how = if batched {
            "send_batch+recv_batch (64)"
        } else {
            "send_to+try_recv"
        };
        #[allow(clippy::cast_precision_loss)]
        let rate = total as f64 / outcome.elapsed.as_secs_f64();
        println!(
            "loopback ICMPv4 echo, {how}: {total} replies in {:.3} s = {rate:.0} packets/s",
            outcome.elapsed.as_secs_f64()
        );
    }
}
