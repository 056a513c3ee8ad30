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
