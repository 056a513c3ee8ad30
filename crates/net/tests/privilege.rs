//! Dropping capabilities after opening a raw socket.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr};

use icmpkit_lab::echo::{await_reply, echo_request, ident, nonce};
use icmpkit_lab::require;
use icmpkit_net::privilege::{drop_raw_capability, has_raw_capability};
use icmpkit_net::{IcmpSocket, IpVersion, NetError, PingGroupRange, SocketChoice, SocketKind};

#[test]
fn an_open_raw_socket_outlives_the_dropped_capability() {
    if !require::root("an_open_raw_socket_outlives_the_dropped_capability") {
        return;
    }
    // Capabilities are per thread: drop them on a thread of our own so the
    // other tests keep theirs.
    std::thread::spawn(|| {
        let sock = IcmpSocket::open(IpVersion::V4, SocketChoice::Raw).unwrap();
        assert!(has_raw_capability().unwrap());
        assert!(drop_raw_capability().unwrap(), "root held capabilities");
        assert!(!has_raw_capability().unwrap());
        assert!(!drop_raw_capability().unwrap(), "nothing left to drop");

        let err = IcmpSocket::open(IpVersion::V4, SocketChoice::Raw).unwrap_err();
        let NetError::Open { error: source, .. } = &err else {
            panic!("expected NetError::Open, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::PermissionDenied);
        let exe = std::env::current_exe().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot open a raw ICMPv4 socket: {source}; raw sockets need CAP_NET_RAW (run \
                 as root or `sudo setcap cap_net_raw+ep {}`)",
                exe.display()
            )
        );

        // Auto falls back to a ping socket, or explains both fixes.
        let range = PingGroupRange::read().unwrap();
        match IcmpSocket::open(IpVersion::V4, SocketChoice::Auto) {
            Ok(dgram) => {
                assert!(
                    range.contains(0),
                    "a ping socket although {range} excludes group 0"
                );
                assert_eq!(dgram.kind(), SocketKind::Dgram);
            }
            Err(err) => assert_eq!(
                err.to_string(),
                format!(
                    "cannot open an ICMPv4 socket: raw sockets need CAP_NET_RAW (run as root \
                     or `sudo setcap cap_net_raw+ep {}`), and ping sockets are off for group \
                     0 (net.ipv4.ping_group_range is now \"{range}\"): `sudo sysctl -w \
                     net.ipv4.ping_group_range=\"0 2147483647\"`",
                    exe.display()
                )
            ),
        }

        // The socket opened before still sends and receives.
        let (id, data) = (ident(), nonce());
        let msg = echo_request(IpVersion::V4, id, 5, &data);
        sock.send_to(&msg, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
        await_reply(&sock, id, 5, &data);
    })
    .join()
    .unwrap();
}
