//! Datagram ping sockets and the error queue, inside network namespaces
//! the tests create (and remove) themselves.

#[allow(unsafe_code)]
mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use icmpkit_net::{ErrorOrigin, IcmpSocket, IpVersion, SocketChoice, SocketKind};
use support::{Netns, WAIT, await_reply, echo_fields, echo_request, nonce, require_root};

/// Opens a ping socket in `ns`, binds it so the kernel picks its
/// identifier, sends an echo with a different identifier to `dst`, and
/// checks the reply carries the kernel's identifier.
fn dgram_echo(ns: &Netns, version: IpVersion, dst: IpAddr) {
    let sock = ns.enter(|| IcmpSocket::open(version, SocketChoice::Dgram).unwrap());
    assert_eq!(sock.kind(), SocketKind::Dgram);
    sock.set_recv_ttl(true).unwrap();
    sock.set_timestamps(true).unwrap();
    assert_eq!(
        sock.dgram_ident(),
        None,
        "no identifier before bind or send"
    );
    let any = match version {
        IpVersion::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpVersion::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    sock.bind_source(any).unwrap();
    let kernel_ident = sock.dgram_ident().expect("bind gives an identifier");

    let data = nonce();
    let ours = kernel_ident.wrapping_add(1);
    let msg = echo_request(version, ours, 3, &data);
    sock.send_to(&msg, dst).unwrap();
    assert_eq!(sock.dgram_ident(), Some(kernel_ident));
    let seen = await_reply(&sock, kernel_ident, 3, &data);
    // A ping socket gets only its own replies: nothing came before.
    assert_eq!(seen.types_before, Vec::<u8>::new());
    let reply = seen.reply;
    assert_eq!(reply.from, dst);
    assert_eq!(reply.icmp_offset, 0);
    assert_eq!(reply.len, 8 + 16);
    assert_eq!(reply.ttl, Some(64));
    assert!(reply.kernel_time.is_some());
}

#[test]
fn ping_sockets_get_replies_with_the_kernels_identifier() {
    if !require_root("ping_sockets_get_replies_with_the_kernels_identifier") {
        return;
    }
    let ns = Netns::new();
    // Off by default in a new namespace, as the error says.
    let refused = ns.enter(|| IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap_err());
    let text = refused.to_string();
    assert!(
        text.starts_with("cannot open a datagram ICMPv4 socket: ")
            && text.ends_with(&format!(
                "; ping sockets are off for this process's groups: {}",
                icmpkit_net::SYSCTL_FIX
            )),
        "{text}"
    );
    ns.allow_ping_sockets();
    dgram_echo(&ns, IpVersion::V4, IpAddr::V4(Ipv4Addr::LOCALHOST));
    dgram_echo(&ns, IpVersion::V6, IpAddr::V6(Ipv6Addr::LOCALHOST));
}

/// Two namespaces on a veth link; the far one forwards, but has
/// `unreachable` routes for `198.51.100.0/24` and `2001:db8:99::/48`, so it
/// answers packets for them with Destination Unreachable.
struct Unreachable {
    near: Netns,
    _far: Netns,
}

impl Unreachable {
    fn new() -> Self {
        let near = Netns::new();
        let far = Netns::new();
        near.ip(&[
            "link", "add", "ik-near", "type", "veth", "peer", "name", "ik-far", "netns", &far.name,
        ]);
        near.ip(&["addr", "add", "192.0.2.254/24", "dev", "ik-near"]);
        near.ip(&["addr", "add", "2001:db8:1::1/64", "dev", "ik-near", "nodad"]);
        near.ip(&["link", "set", "ik-near", "up"]);
        far.ip(&["addr", "add", "192.0.2.2/24", "dev", "ik-far"]);
        far.ip(&["addr", "add", "2001:db8:1::2/64", "dev", "ik-far", "nodad"]);
        far.ip(&["link", "set", "ik-far", "up"]);
        near.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.2"]);
        near.ip(&[
            "-6",
            "route",
            "add",
            "2001:db8:99::/48",
            "via",
            "2001:db8:1::2",
        ]);
        far.sysctl("net.ipv4.ip_forward=1");
        far.sysctl("net.ipv6.conf.all.forwarding=1");
        far.ip(&["route", "add", "unreachable", "198.51.100.0/24"]);
        far.ip(&["-6", "route", "add", "unreachable", "2001:db8:99::/48"]);
        near.allow_ping_sockets();
        Self { near, _far: far }
    }
}

/// Sends an echo to `dst` and reads the error the far namespace answers
/// with from the error queue; returns it with the original message.
fn queued_error(sock: &IcmpSocket, ident: u16, dst: IpAddr) -> (icmpkit_net::QueuedError, Vec<u8>) {
    sock.set_recv_errors(true).unwrap();
    let data = nonce();
    let msg = echo_request(sock.version(), ident, 9, &data);
    sock.send_to(&msg, dst).unwrap();
    let ident = sock.dgram_ident().unwrap_or(ident);
    let deadline = Instant::now() + WAIT;
    let mut buf = [0; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no queued error within {WAIT:?}");
        let ready = sock.wait(left).unwrap();
        if ready.error {
            break;
        }
        if ready.readable {
            // A raw socket also receives the error as a packet; drain it.
            sock.recv(&mut buf).unwrap();
        }
    }
    let err = sock
        .recv_error(&mut buf)
        .unwrap()
        .expect("POLLERR but no error");
    let original = err.original(&buf).to_vec();
    assert_eq!(
        echo_fields(sock.version(), &original),
        Some((false, ident, 9, data.to_vec())),
        "the error returns our request"
    );
    assert_eq!(err.dst, Some(dst));
    (err, original)
}

#[test]
fn error_queue_reports_destination_unreachable_and_the_router() {
    if !require_root("error_queue_reports_destination_unreachable_and_the_router") {
        return;
    }
    let net = Unreachable::new();
    let v4 = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
    let v6: IpAddr = "2001:db8:99::7".parse().unwrap();
    for kind in [SocketChoice::Dgram, SocketChoice::Raw] {
        let sock = net
            .near
            .enter(|| IcmpSocket::open(IpVersion::V4, kind).unwrap());
        let (err, _) = queued_error(&sock, 0x4242, v4);
        assert_eq!(err.origin, ErrorOrigin::Icmp, "{kind:?}");
        assert_eq!(
            (err.icmp_type, err.icmp_code),
            (3, 1),
            "{kind:?}: host unreachable"
        );
        assert_eq!(err.errno, libc::EHOSTUNREACH);
        assert_eq!(err.offender, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))));

        let sock = net
            .near
            .enter(|| IcmpSocket::open(IpVersion::V6, kind).unwrap());
        let (err, _) = queued_error(&sock, 0x4243, v6);
        assert_eq!(err.origin, ErrorOrigin::Icmp6, "{kind:?}");
        assert_eq!((err.icmp_type, err.icmp_code), (1, 0), "{kind:?}: no route");
        assert_eq!(err.errno, libc::ENETUNREACH);
        assert_eq!(err.offender, Some("2001:db8:1::2".parse().unwrap()));
    }
    // The error queue is empty once read.
    let sock = net
        .near
        .enter(|| IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap());
    queued_error(&sock, 1, v4);
    assert_eq!(sock.recv_error(&mut [0; 64]).unwrap(), None);
}
