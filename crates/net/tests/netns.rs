//! Datagram ping sockets and the error queue, inside network namespaces
//! the tests create (and remove) themselves.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use icmpkit_lab::echo::{WAIT, await_reply, echo_fields, echo_request, nonce};
use icmpkit_lab::netns::{Lab, ROUTER4, ROUTER6};
use icmpkit_net::{ErrorOrigin, IcmpSocket, IpVersion, SocketChoice, SocketKind};

/// Opens a ping socket in `ns`, binds it so the kernel picks its
/// identifier, sends an echo with a different identifier to `dst`, and
/// checks the reply carries the kernel's identifier.
fn dgram_echo(ns: &Lab, version: IpVersion, dst: IpAddr) {
    let sock = ns.enter("host", || {
        IcmpSocket::open(version, SocketChoice::Dgram).unwrap()
    });
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
    let Some(ns) = Lab::host("ping_sockets_get_replies_with_the_kernels_identifier") else {
        return;
    };
    // Off by default in a new namespace, as the error says.
    let refused = ns.enter("host", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap_err()
    });
    let text = refused.to_string();
    assert!(
        text.starts_with("cannot open a datagram ICMPv4 socket: ")
            && text.ends_with(&format!(
                "; ping sockets are off for this process's groups: {}",
                icmpkit_net::SYSCTL_FIX
            )),
        "{text}"
    );
    ns.allow_ping_sockets("host");
    dgram_echo(&ns, IpVersion::V4, IpAddr::V4(Ipv4Addr::LOCALHOST));
    dgram_echo(&ns, IpVersion::V6, IpAddr::V6(Ipv6Addr::LOCALHOST));
}

/// The standard chain whose router has `unreachable` routes for
/// `203.0.113.0/24` and `2001:db8:99::/48`, so it answers the client's
/// packets for them with Destination Unreachable; ping sockets are on in
/// the client. `None` when `test` is skipped (not root).
fn unreachable_lab(test: &str) -> Option<Lab> {
    let lab = Lab::chain(test, 1280)?;
    lab.must(
        "router",
        &["ip", "route", "add", "unreachable", "203.0.113.0/24"],
    );
    lab.must(
        "router",
        &[
            "ip",
            "-6",
            "route",
            "add",
            "unreachable",
            "2001:db8:99::/48",
        ],
    );
    lab.allow_ping_sockets("client");
    Some(lab)
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
    let Some(lab) = unreachable_lab("error_queue_reports_destination_unreachable_and_the_router")
    else {
        return;
    };
    let v4 = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    let v6: IpAddr = "2001:db8:99::7".parse().unwrap();
    for kind in [SocketChoice::Dgram, SocketChoice::Raw] {
        let sock = lab.enter("client", || IcmpSocket::open(IpVersion::V4, kind).unwrap());
        let (err, _) = queued_error(&sock, 0x4242, v4);
        assert_eq!(err.origin, ErrorOrigin::Icmp, "{kind:?}");
        assert_eq!(
            (err.icmp_type, err.icmp_code),
            (3, 1),
            "{kind:?}: host unreachable"
        );
        assert_eq!(err.errno, libc::EHOSTUNREACH);
        assert_eq!(err.offender, Some(ROUTER4.parse().unwrap()));

        let sock = lab.enter("client", || IcmpSocket::open(IpVersion::V6, kind).unwrap());
        let (err, _) = queued_error(&sock, 0x4243, v6);
        assert_eq!(err.origin, ErrorOrigin::Icmp6, "{kind:?}");
        assert_eq!((err.icmp_type, err.icmp_code), (1, 0), "{kind:?}: no route");
        assert_eq!(err.errno, libc::ENETUNREACH);
        assert_eq!(err.offender, Some(ROUTER6.parse().unwrap()));
    }
    // The error queue is empty once read.
    let sock = lab.enter("client", || {
        IcmpSocket::open(IpVersion::V4, SocketChoice::Dgram).unwrap()
    });
    queued_error(&sock, 1, v4);
    assert_eq!(sock.recv_error(&mut [0; 64]).unwrap(), None);
}
