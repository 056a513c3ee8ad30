//! What a packet of the ring becomes, and the errors' words.

use super::*;

fn ring_packet(pkttype: u8) -> RingPacket<'static> {
    RingPacket {
        data: &[0x45, 0],
        len: 84,
        sec: 1_700_000_000,
        nsec: 123,
        pkttype,
        hatype: 1,
        protocol: 0x0800,
        ifindex: 2,
    }
}

#[test]
fn the_packet_type_gives_direction_and_link_broadcast() {
    let seen = |t| {
        let p = CapturedPacket::from_ring(ring_packet(t));
        (p.direction, p.link_broadcast)
    };
    assert_eq!(seen(libc::PACKET_HOST), (Direction::Incoming, false));
    assert_eq!(seen(libc::PACKET_BROADCAST), (Direction::Incoming, true));
    assert_eq!(seen(libc::PACKET_MULTICAST), (Direction::Incoming, true));
    assert_eq!(seen(libc::PACKET_OUTGOING), (Direction::Outgoing, false));
    assert_eq!(seen(libc::PACKET_OTHERHOST), (Direction::Other, false));
    let p = CapturedPacket::from_ring(ring_packet(libc::PACKET_HOST));
    assert_eq!(p.ip, &[0x45, 0]);
    assert_eq!(p.original_len, 84);
    assert_eq!(p.time, (1_700_000_000, 123));
    assert_eq!((p.protocol, p.ifindex), (0x0800, 2));
}

#[test]
fn errors_name_the_fix() {
    let denied = CaptureError::Denied {
        exe: "/usr/bin/icmpkit".to_owned(),
    };
    assert_eq!(
        denied.to_string(),
        "cannot capture packets: packet sockets need CAP_NET_RAW (run as root or \
         `sudo setcap cap_net_raw+ep /usr/bin/icmpkit`)"
    );
    let missing = CaptureError::NoInterface {
        name: "eth9".to_owned(),
    };
    assert_eq!(
        missing.to_string(),
        "cannot capture on \"eth9\": no such interface (`ip link` lists them)"
    );
}

#[test]
fn the_default_ring_is_64_mib_of_4_mib_blocks() {
    let o = Options::default();
    assert_eq!((o.block_size, o.block_count), (4 << 20, 16));
    assert_eq!(
        (o.filter, o.snap_len, o.promiscuous),
        (CaptureFilter::Icmp, 65535, false)
    );
}
