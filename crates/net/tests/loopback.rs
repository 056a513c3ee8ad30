//! Raw ICMP sockets against the kernel's own echo replies on loopback, each
//! test in a network namespace of its own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use icmpkit_lab::echo::{await_reply, echo_request, ident, nonce};
use icmpkit_lab::netns::{Lab, proc_number};
use icmpkit_lab::require;
use icmpkit_net::{IcmpSocket, IpVersion, SocketChoice, SocketKind, V6_REPLIES_AND_ERRORS};

/// The kernel's receive stamp lies between our send and now.
fn assert_stamp_between(stamp: Option<SystemTime>, sent: SystemTime) {
    let stamp = stamp.expect("SO_TIMESTAMPNS gave no kernel time");
    assert!(
        stamp >= sent,
        "kernel time {stamp:?} before the send {sent:?}"
    );
    assert!(
        stamp <= SystemTime::now(),
        "kernel time {stamp:?} in the future"
    );
}

/// A socket opened in a namespace of `test`'s own, with the namespace
/// (`None` when `test` is skipped, not root): the host's loopback carries
/// the other tests' echoes, which a raw socket queues until its filter is
/// set.
fn open_isolated(
    test: &str,
    version: IpVersion,
    choice: SocketChoice,
) -> Option<(Lab, IcmpSocket)> {
    let ns = Lab::host(test)?;
    let sock = ns.enter("host", || IcmpSocket::open(version, choice).unwrap());
    Some((ns, sock))
}

#[test]
fn raw_icmpv4_echo_to_loopback_gets_the_kernels_reply() {
    let Some((ns, sock)) = open_isolated(
        "raw_icmpv4_echo_to_loopback_gets_the_kernels_reply",
        IpVersion::V4,
        SocketChoice::Raw,
    ) else {
        return;
    };
    assert_eq!(sock.kind(), SocketKind::Raw);
    assert_eq!(sock.dgram_ident(), None);
    sock.set_timestamps(true).unwrap();
    sock.set_ttl(1).unwrap();
    assert_eq!(sock.ttl().unwrap(), 1);
    sock.set_tos(0x10).unwrap();
    assert_eq!(sock.tos().unwrap(), 0x10);

    let (id, data) = (ident(), nonce());
    let msg = echo_request(IpVersion::V4, id, 1, &data);
    let sent = sock.send_to(&msg, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    let seen = await_reply(&sock, id, 1, &data);

    // Raw sockets see our own request on loopback before the reply.
    assert!(seen.own_request, "types before: {:?}", seen.types_before);
    let reply = seen.reply;
    assert_eq!(reply.from, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(reply.dst, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(reply.icmp_offset, 20);
    assert_eq!(reply.len, 20 + 8 + 16);
    assert!(!reply.truncated);
    // The kernel answers with its default TTL, not ours.
    assert_eq!(
        reply.ttl,
        Some(ns.enter("host", || proc_number("/proc/sys/net/ipv4/ip_default_ttl")))
    );
    assert_stamp_between(reply.kernel_time, sent.wall);
}

#[test]
fn raw_icmpv6_echo_to_loopback_with_filter_hop_limit_and_destination() {
    let Some((ns, sock)) = open_isolated(
        "raw_icmpv6_echo_to_loopback_with_filter_hop_limit_and_destination",
        IpVersion::V6,
        SocketChoice::Auto,
    ) else {
        return;
    };
    assert_eq!(sock.kind(), SocketKind::Raw);
    sock.accept_only_replies_and_errors().unwrap();
    sock.set_recv_ttl(true).unwrap();
    sock.set_recv_dst(true).unwrap();
    sock.set_timestamps(true).unwrap();
    sock.set_ttl(1).unwrap();
    assert_eq!(sock.ttl().unwrap(), 1);

    let (id, data) = (ident(), nonce());
    let msg = echo_request(IpVersion::V6, id, 7, &data);
    let sent = sock.send_to(&msg, IpAddr::V6(Ipv6Addr::LOCALHOST)).unwrap();
    let seen = await_reply(&sock, id, 7, &data);

    // The filter keeps echo requests (ours included) out.
    assert!(!seen.own_request);
    for t in &seen.types_before {
        assert!(
            V6_REPLIES_AND_ERRORS.contains(t),
            "type {t} passed the filter"
        );
    }
    let reply = seen.reply;
    assert_eq!(reply.from, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(reply.dst, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(reply.icmp_offset, 0);
    assert_eq!(reply.len, 8 + 16);
    assert_eq!(
        reply.ttl,
        Some(ns.enter("host", || proc_number(
            "/proc/sys/net/ipv6/conf/lo/hop_limit"
        )))
    );
    assert_stamp_between(reply.kernel_time, sent.wall);
}

#[test]
fn raw_icmpv4_filter_drops_our_own_request() {
    let Some((_ns, sock)) = open_isolated(
        "raw_icmpv4_filter_drops_our_own_request",
        IpVersion::V4,
        SocketChoice::Raw,
    ) else {
        return;
    };
    sock.accept_only_replies_and_errors().unwrap();
    let (id, data) = (ident(), nonce());
    let msg = echo_request(IpVersion::V4, id, 2, &data);
    sock.send_to(&msg, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    let seen = await_reply(&sock, id, 2, &data);
    assert!(!seen.own_request);
    assert!(!seen.types_before.contains(&8), "{:?}", seen.types_before);
}

#[test]
fn binding_to_a_missing_interface_names_it() {
    if !require::root("binding_to_a_missing_interface_names_it") {
        return;
    }
    let sock = IcmpSocket::open(IpVersion::V4, SocketChoice::Raw).unwrap();
    let err = sock.bind_device("nosuch-ik0").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        "cannot bind the raw ICMPv4 socket to device \"nosuch-ik0\": there is no network \
         interface named \"nosuch-ik0\""
    );
    sock.bind_device("lo").unwrap();
    sock.bind_device("").unwrap();
}

#[test]
fn options_that_need_no_traffic() {
    let Some((_ns, sock)) = open_isolated(
        "options_that_need_no_traffic",
        IpVersion::V4,
        SocketChoice::Raw,
    ) else {
        return;
    };
    sock.set_recv_buffer_size(65_536).unwrap();
    // Linux caps the request at rmem_max and doubles it for bookkeeping.
    let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(sock.recv_buffer_size().unwrap(), 2 * rmem_max.min(65_536));
    sock.set_nonblocking(true).unwrap();
    let mut buf = [0; 64];
    // A filter accepting no type keeps the queue empty: a non-blocking
    // receive returns at once.
    sock.set_type_filter(&[]).unwrap();
    let err = sock.recv(&mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    // Neither our request (looped back) nor the kernel's reply gets in.
    let request = echo_request(IpVersion::V4, ident(), 1, &nonce());
    sock.send_to(&request, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .unwrap();
    assert!(!sock.wait_readable(Duration::from_millis(100)).unwrap());
    assert_eq!(sock.recv_error(&mut buf).unwrap(), None);
    sock.set_mark(7).unwrap();
    sock.set_broadcast(true).unwrap();
    for mode in [
        icmpkit_net::PmtuMode::Do,
        icmpkit_net::PmtuMode::Want,
        icmpkit_net::PmtuMode::Dont,
        icmpkit_net::PmtuMode::Probe,
    ] {
        sock.set_pmtu_mode(mode).unwrap();
    }
    sock.bind_source(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    assert_eq!(
        sock.local_addr().unwrap().map(|a| a.ip()),
        Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
    );
    let err = sock
        .send_to(&[8, 0, 0, 0, 0, 0, 0, 0], IpAddr::V6(Ipv6Addr::LOCALHOST))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "::1 is not an address for this raw ICMPv4 socket"
    );
}

#[test]
fn kernel_drops_are_read_for_raw_sockets_of_both_families() {
    if !require::root("kernel_drops_are_read_for_raw_sockets_of_both_families") {
        return;
    }
    for version in [IpVersion::V4, IpVersion::V6] {
        let sock = IcmpSocket::open(version, SocketChoice::Raw).unwrap();
        assert_eq!(sock.kernel_drops().unwrap(), 0, "{version:?}");
    }
}

/// An ICMP Destination Unreachable (port) quoting an Echo Request with
/// `ident`, as a router would send it about a probe from loopback.
fn unreachable_quoting(version: IpVersion, ident: u16) -> Vec<u8> {
    let request = echo_request(version, ident, 1, &nonce());
    let (kind, header) = match version {
        IpVersion::V4 => {
            let mut h = vec![0; 20];
            h[0] = 0x45;
            h[8] = 64;
            h[9] = 1;
            h[12..16].copy_from_slice(&[127, 0, 0, 1]);
            h[16..20].copy_from_slice(&[127, 0, 0, 1]);
            (3, h)
        }
        IpVersion::V6 => {
            let mut h = vec![0; 40];
            h[0] = 0x60;
            h[6] = 58;
            h[7] = 64;
            h[23] = 1;
            h[39] = 1;
            (1, h)
        }
    };
    let mut error = vec![kind, 3, 0, 0, 0, 0, 0, 0];
    error.extend_from_slice(&header);
    error.extend_from_slice(&request);
    // ICMPv6 checksums are the kernel's; ICMPv4 ones are ours.
    if version == IpVersion::V4 {
        let sum = icmpkit_wire::checksum::checksum(&error);
        error[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    error
}

/// A storm of other processes' replies and of errors about their
/// requests, then an error about ours and our echo: a socket filtered on
/// our identifier sees only the last two.
fn only_our_identifier_reaches_a_filtered_socket(test: &str, version: IpVersion) {
    let Some(ns) = Lab::host(test) else {
        return;
    };
    let (ours, other) = ns.enter("host", || {
        let ours = IcmpSocket::open(version, SocketChoice::Raw).unwrap();
        ours.accept_only_replies_and_errors().unwrap();
        let other = IcmpSocket::open(version, SocketChoice::Raw).unwrap();
        (ours, other)
    });
    let id = ident();
    let stranger = id ^ 0x5a5a;
    ours.filter_echo_ident(id).unwrap();
    let localhost = match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpVersion::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
    };
    for seq in 1..=200 {
        let request = echo_request(version, stranger, seq, &nonce());
        other.send_to(&request, localhost).unwrap();
        other
            .send_to(&unreachable_quoting(version, stranger), localhost)
            .unwrap();
    }
    other
        .send_to(&unreachable_quoting(version, id), localhost)
        .unwrap();
    let data = nonce();
    ours.send_to(&echo_request(version, id, 9, &data), localhost)
        .unwrap();
    let seen = await_reply(&ours, id, 9, &data);
    let error_type = match version {
        IpVersion::V4 => 3,
        IpVersion::V6 => 1,
    };
    assert_eq!(seen.types_before, [error_type], "{version:?}");
    // Nothing else was queued: the 400 strangers' messages never came.
    assert!(!ours.wait_readable(Duration::ZERO).unwrap());
}

#[test]
fn a_raw_icmpv4_socket_filtered_on_its_identifier_sees_no_strangers() {
    only_our_identifier_reaches_a_filtered_socket(
        "a_raw_icmpv4_socket_filtered_on_its_identifier_sees_no_strangers",
        IpVersion::V4,
    );
}

#[test]
fn a_raw_icmpv6_socket_filtered_on_its_identifier_sees_no_strangers() {
    only_our_identifier_reaches_a_filtered_socket(
        "a_raw_icmpv6_socket_filtered_on_its_identifier_sees_no_strangers",
        IpVersion::V6,
    );
}

#[test]
fn a_ping_socket_refuses_the_identifier_filter() {
    let Some(ns) = Lab::host("a_ping_socket_refuses_the_identifier_filter") else {
        return;
    };
    ns.allow_ping_sockets("host");
    let sock = ns.enter("host", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap()
    });
    let err = sock.filter_echo_ident(7).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
}
