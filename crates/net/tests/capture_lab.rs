//! Live capture ([`PacketCapture`]) inside network namespaces the tests
//! create (and remove) themselves: what crosses the client's link of the
//! standard chain, as iputils ping (IPv4 and IPv6, small, fragmented and
//! broadcast) and a UDP socket send it, and on every interface of the
//! router.
//!
//! ```text
//! client 192.0.2.2 / 2001:db8:1::2 (c0) --- (r0) 192.0.2.254 / 2001:db8:1::1 router (r1) --- server
//! ```

use std::net::{Ipv4Addr, Ipv6Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use icmpkit_lab::netns::{CLIENT4, CLIENT6, Lab, ROUTER4, ROUTER6};
use icmpkit_net::capture::{
    CaptureError, CaptureFilter, CaptureStats, CapturedPacket, Direction, Options, PacketCapture,
};

/// A captured packet, owned.
#[derive(Clone, Debug)]
struct Seen {
    ip: Vec<u8>,
    original_len: u32,
    time: (u64, u32),
    direction: Direction,
    link_broadcast: bool,
    protocol: u16,
    ifindex: u32,
}

impl Seen {
    fn new(p: &CapturedPacket<'_>) -> Self {
        Seen {
            ip: p.ip.to_vec(),
            original_len: p.original_len,
            time: p.time,
            direction: p.direction,
            link_broadcast: p.link_broadcast,
            protocol: p.protocol,
            ifindex: p.ifindex,
        }
    }

    fn v4(&self) -> bool {
        self.protocol == 0x0800 && self.ip.len() >= 20
    }

    fn src(&self) -> Ipv4Addr {
        Ipv4Addr::from(<[u8; 4]>::try_from(&self.ip[12..16]).unwrap())
    }

    fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::from(<[u8; 4]>::try_from(&self.ip[16..20]).unwrap())
    }

    fn ip_protocol(&self) -> u8 {
        self.ip[9]
    }

    /// More Fragments and the fragment offset (in 8-byte units).
    fn fragment(&self) -> (bool, u16) {
        let word = u16::from_be_bytes([self.ip[6], self.ip[7]]);
        (word & 0x2000 != 0, word & 0x1fff)
    }

    /// The ICMP type of an unfragmented ICMP packet.
    fn icmp_type(&self) -> Option<u8> {
        let ihl = usize::from(self.ip[0] & 0xf) * 4;
        (self.ip_protocol() == 1 && self.fragment() == (false, 0))
            .then(|| self.ip.get(ihl).copied())
            .flatten()
    }

    /// An IPv6 packet's first next header, source and destination.
    fn v6(&self) -> Option<(u8, Ipv6Addr, Ipv6Addr)> {
        let addr = |at: usize| Ipv6Addr::from(<[u8; 16]>::try_from(&self.ip[at..at + 16]).unwrap());
        (self.protocol == 0x86dd && self.ip.len() >= 40).then(|| (self.ip[6], addr(8), addr(24)))
    }

    /// Whether this is an ICMP echo of `kind` from `src` to `dst`.
    fn echo(&self, kind: u8, src: &str, dst: &str) -> bool {
        self.v4()
            && self.icmp_type() == Some(kind)
            && self.src().to_string() == src
            && self.dst().to_string() == dst
    }
}

/// A small ring that hands blocks over quickly: a test's few packets.
fn test_options(filter: CaptureFilter) -> Options {
    Options {
        filter,
        block_size: 1 << 20,
        block_count: 4,
        block_timeout: Duration::from_millis(10),
        ..Options::default()
    }
}

/// Reads every packet until none came for 300 ms (at most 10 s).
fn drain(capture: &mut PacketCapture) -> Vec<Seen> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let n = capture
            .for_each(Duration::from_millis(300), |p| seen.push(Seen::new(p)))
            .unwrap();
        if n == 0 {
            break;
        }
    }
    seen
}

/// What a capture read while traffic ran.
struct Reading {
    /// The packets, until none came for 300 ms.
    seen: Vec<Seen>,
    /// The kernel's counts right after.
    stats: CaptureStats,
    /// Packets read after those counts (a stray one, as an MLD report, may
    /// come in between).
    late: usize,
}

impl Reading {
    /// The kernel counted what was read (and dropped nothing).
    fn counted(&self) {
        let read = self.seen.len() as u64;
        assert_eq!(self.stats.drops, 0);
        assert!(
            (read..=read + self.late as u64).contains(&self.stats.packets),
            "{} read, {} late, {:?}",
            read,
            self.late,
            self.stats
        );
    }
}

/// Runs `traffic` while every capture of `captures` is read on a thread of
/// its own (a block is handed over every block timeout, and the ring must
/// not fill up meanwhile); returns what each read, in order.
fn capture_during(captures: &mut [&mut PacketCapture], traffic: impl FnOnce()) -> Vec<Reading> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = captures
            .iter_mut()
            .map(|capture| {
                let stop = &stop;
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                        capture
                            .for_each(Duration::from_millis(20), |p| seen.push(Seen::new(p)))
                            .unwrap();
                    }
                    seen.extend(drain(capture));
                    let stats = capture.stats().unwrap();
                    let late = drain(capture).len();
                    Reading { seen, stats, late }
                })
            })
            .collect();
        traffic();
        stop.store(true, Ordering::Relaxed);
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn captures_pings_both_ways_fragments_and_broadcasts_on_one_link() {
    let Some(lab) = Lab::chain(
        "captures_pings_both_ways_fragments_and_broadcasts_on_one_link",
        1280,
    ) else {
        return;
    };
    let (mut icmp, mut all, c0) = lab.enter("client", || {
        let icmp = PacketCapture::open(Some("c0"), &test_options(CaptureFilter::Icmp)).unwrap();
        let all = PacketCapture::open(Some("c0"), &test_options(CaptureFilter::All)).unwrap();
        (icmp, all, icmpkit_net::interface_index("c0").unwrap())
    });
    assert_eq!(icmp.interface(), Some("c0"));
    let router: Ipv4Addr = ROUTER4.parse().unwrap();
    let start = now_secs();

    let mut udp = 0;
    let mut sent = 0;
    let mut readings = capture_during(&mut [&mut icmp, &mut all], || {
        lab.must("client", &["ping", "-n", "-c", "3", "-i", "0.1", ROUTER4]);
        udp = lab.enter("client", || {
            let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
            socket.send_to(b"not icmp", (ROUTER4, 9)).unwrap();
            socket.local_addr().unwrap().port()
        });
        lab.must(
            "client",
            &["ping", "-6", "-n", "-c", "2", "-i", "0.1", ROUTER6],
        );
        // 3028 bytes of IP over c0's MTU of 1500: three fragments each way,
        // and as many over IPv6 (3008 bytes of ICMPv6: 1448, 1448, 112).
        lab.must(
            "client",
            &["ping", "-n", "-c", "1", "-s", "3000", "-W", "2", ROUTER4],
        );
        lab.must(
            "client",
            &[
                "ping", "-6", "-n", "-c", "1", "-s", "3000", "-W", "2", ROUTER6,
            ],
        );
        // The router's limited broadcast from its address toward c0: a
        // link broadcast at c0 (which does not answer it,
        // icmp_echo_ignore_broadcasts).
        let out = lab.run_bounded(
            "router",
            10,
            "ping",
            &[
                "-n",
                "-b",
                "-c",
                "2",
                "-i",
                "0.1",
                "-w",
                "1",
                "-I",
                ROUTER4,
                "255.255.255.255",
            ],
        );
        // Unanswered, ping sends until its deadline: count what it says.
        let stdout = String::from_utf8_lossy(&out.stdout);
        sent = stdout
            .lines()
            .find_map(|l| l.split_once(" packets transmitted"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(sent >= 2, "{stdout}");
    });
    let all_reading = readings.pop().unwrap();
    let icmp_reading = readings.pop().unwrap();
    let (seen, everything) = (&icmp_reading.seen, &all_reading.seen);

    // Exactly three requests out and three replies in.
    let count = |list: &[Seen], kind, src, dst, direction| {
        list.iter()
            .filter(|p| p.echo(kind, src, dst) && p.direction == direction && !p.link_broadcast)
            .count()
    };
    assert_eq!(count(seen, 8, CLIENT4, ROUTER4, Direction::Outgoing), 3);
    assert_eq!(count(seen, 0, ROUTER4, CLIENT4, Direction::Incoming), 3);
    assert_eq!(count(seen, 8, CLIENT4, ROUTER4, Direction::Incoming), 0);
    // Every packet on c0, its interface; times of this test.
    assert!(seen.iter().all(|p| p.ifindex == c0), "{seen:?}");
    assert!(
        seen.iter()
            .all(|p| p.time.0 >= start && p.time.0 <= now_secs() && p.time.1 < 1_000_000_000)
    );
    // Whole packets (the snap length is 65,535).
    assert!(seen.iter().all(|p| p.ip.len() == p.original_len as usize));

    // The UDP datagram: filtered out, but seen with CaptureFilter::All.
    let is_udp = |p: &Seen| {
        p.v4()
            && p.ip_protocol() == 17
            && p.fragment() == (false, 0)
            && p.dst().to_string() == ROUTER4
            && u16::from_be_bytes([p.ip[20], p.ip[21]]) == udp
    };
    assert_eq!(seen.iter().filter(|p| is_udp(p)).count(), 0);
    let udp_seen: Vec<_> = everything.iter().filter(|p| is_udp(p)).collect();
    assert_eq!(udp_seen.len(), 1, "{everything:?}");
    assert_eq!(udp_seen[0].direction, Direction::Outgoing);
    assert_eq!(&udp_seen[0].ip[28..], b"not icmp");

    // The big ping's fragments, both ways: offsets 0, 1480 and 2960 bytes.
    for (src, dst, direction) in [
        (CLIENT4, ROUTER4, Direction::Outgoing),
        (ROUTER4, CLIENT4, Direction::Incoming),
    ] {
        let fragments: Vec<_> = seen
            .iter()
            .filter(|p| {
                p.v4()
                    && p.src().to_string() == src
                    && p.dst().to_string() == dst
                    && p.fragment() != (false, 0)
                    && p.direction == direction
            })
            .map(|p| (p.fragment(), p.ip.len()))
            .collect();
        assert_eq!(
            fragments,
            [
                ((true, 0), 1500),
                ((true, 185), 1500),
                ((false, 370), 20 + 48)
            ],
            "{src} -> {dst}"
        );
    }

    // IPv6: echoes (next header 58) and fragments (44), both ways.
    let (client6, router6): (Ipv6Addr, Ipv6Addr) =
        (CLIENT6.parse().unwrap(), ROUTER6.parse().unwrap());
    let v6 = |next, icmp_type: Option<u8>, src, dst, direction| {
        seen.iter()
            .filter(|p| {
                p.v6() == Some((next, src, dst))
                    && p.direction == direction
                    && icmp_type.is_none_or(|t| p.ip[40] == t)
            })
            .count()
    };
    assert_eq!(v6(58, Some(128), client6, router6, Direction::Outgoing), 2);
    assert_eq!(v6(58, Some(129), router6, client6, Direction::Incoming), 2);
    assert_eq!(v6(44, None, client6, router6, Direction::Outgoing), 3);
    assert_eq!(v6(44, None, router6, client6, Direction::Incoming), 3);

    // The broadcasts: every request ping sent came in, as a link
    // broadcast.
    let broadcasts: Vec<_> = seen
        .iter()
        .filter(|p| p.v4() && p.icmp_type() == Some(8) && p.dst() == Ipv4Addr::BROADCAST)
        .map(|p| (p.src(), p.direction, p.link_broadcast))
        .collect();
    assert_eq!(broadcasts, vec![(router, Direction::Incoming, true); sent]);

    // The kernel counted what was read, and dropped nothing.
    icmp_reading.counted();
    all_reading.counted();
    // Totals run on across reads.
    let again = icmp.stats().unwrap();
    assert!(again.packets >= icmp_reading.stats.packets && again.drops == 0);
}

#[test]
fn a_missing_interface_and_a_missing_capability_are_named() {
    let Some(lab) = Lab::host("a_missing_interface_and_a_missing_capability_are_named") else {
        return;
    };
    let missing = lab.enter("host", || {
        PacketCapture::open(Some("nosuch0"), &Options::default()).unwrap_err()
    });
    assert!(matches!(missing, CaptureError::NoInterface { ref name } if name == "nosuch0"));
    assert_eq!(
        missing.to_string(),
        "cannot capture on \"nosuch0\": no such interface (`ip link` lists them)"
    );
    // Capabilities are per thread: this thread drops them all.
    let denied = lab.enter("host", || {
        assert!(icmpkit_net::privilege::drop_raw_capability().unwrap());
        PacketCapture::open(Some("lo"), &Options::default()).unwrap_err()
    });
    let text = denied.to_string();
    assert!(matches!(denied, CaptureError::Denied { .. }), "{text}");
    assert!(
        text.starts_with(
            "cannot capture packets: packet sockets need CAP_NET_RAW (run as root or \
             `sudo setcap cap_net_raw+ep "
        ),
        "{text}"
    );
    let promiscuous = Options {
        promiscuous: true,
        ..Options::default()
    };
    let everywhere = lab.enter("host", || {
        PacketCapture::open(None, &promiscuous).unwrap_err()
    });
    assert!(matches!(
        everywhere,
        CaptureError::PromiscuousNeedsInterface
    ));
    let odd_blocks = Options {
        block_size: 1000,
        ..Options::default()
    };
    let odd = lab.enter("host", || {
        PacketCapture::open(Some("lo"), &odd_blocks).unwrap_err()
    });
    let text = odd.to_string();
    assert!(
        text.starts_with(
            "cannot capture packets on lo: making the receive ring of 16 blocks of 1000 bytes: \
             the block size must be a multiple of the page size, "
        ),
        "{text}"
    );
    let nothing = Options {
        snap_len: 0,
        ..Options::default()
    };
    let zero = lab.enter("host", || {
        PacketCapture::open(Some("lo"), &nothing).unwrap_err()
    });
    assert!(matches!(zero, CaptureError::ZeroSnapLength));
}

/// How many users hold interface `dev` of namespace `ns` promiscuous
/// (`ip -d link show`: packet sockets count there, not in the PROMISC
/// flag, which is the administrator's alone).
fn promiscuity(lab: &Lab, ns: &str, dev: &str) -> u32 {
    let out = lab.exec(ns, &["ip", "-d", "link", "show", dev]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let (_, after) = text
        .split_once("promiscuity ")
        .expect("ip -d link shows promiscuity");
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn promiscuous_mode_every_interface_and_no_capability_after_open() {
    let Some(lab) = Lab::chain(
        "promiscuous_mode_every_interface_and_no_capability_after_open",
        1280,
    ) else {
        return;
    };
    assert_eq!(promiscuity(&lab, "router", "r0"), 0);
    let options = Options {
        promiscuous: true,
        ..test_options(CaptureFilter::Icmp)
    };
    let capture = lab.enter("router", || {
        PacketCapture::open(Some("r0"), &options).unwrap()
    });
    assert_eq!(promiscuity(&lab, "router", "r0"), 1);
    drop(capture);
    assert_eq!(promiscuity(&lab, "router", "r0"), 0);

    // Every interface of the router: the client's ping is forwarded, so
    // it is seen on r0 (in) and r1 (out), and its reply the other way.
    let (mut every, r0, r1) = lab.enter("router", || {
        let c = PacketCapture::open(None, &test_options(CaptureFilter::Icmp)).unwrap();
        let index = |name| icmpkit_net::interface_index(name).unwrap();
        (c, index("r0"), index("r1"))
    });
    assert_eq!(every.interface(), None);
    lab.must(
        "client",
        &["ping", "-n", "-c", "1", icmpkit_lab::netns::SERVER4],
    );
    let seen = drain(&mut every);
    let request: Vec<_> = seen
        .iter()
        .filter(|p| p.echo(8, CLIENT4, icmpkit_lab::netns::SERVER4))
        .map(|p| (p.ifindex, p.direction))
        .collect();
    assert_eq!(
        request,
        [(r0, Direction::Incoming), (r1, Direction::Outgoing)]
    );
    let reply: Vec<_> = seen
        .iter()
        .filter(|p| p.echo(0, icmpkit_lab::netns::SERVER4, CLIENT4))
        .map(|p| (p.ifindex, p.direction))
        .collect();
    assert_eq!(
        reply,
        [(r1, Direction::Incoming), (r0, Direction::Outgoing)]
    );

    // Once open, a capture reads on without any capability: its thread
    // drops them all, then sees the reply to a ping sent meanwhile.
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let replies = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            lab.enter("router", move || {
                let mut c =
                    PacketCapture::open(Some("r0"), &test_options(CaptureFilter::Icmp)).unwrap();
                assert!(icmpkit_net::privilege::drop_raw_capability().unwrap());
                assert!(!icmpkit_net::privilege::has_raw_capability().unwrap());
                ready_tx.send(()).unwrap();
                let mut replies = 0;
                let deadline = Instant::now() + Duration::from_secs(10);
                while replies == 0 && Instant::now() < deadline {
                    c.for_each(Duration::from_millis(100), |p| {
                        replies += usize::from(Seen::new(p).echo(0, ROUTER4, CLIENT4));
                    })
                    .unwrap();
                }
                replies
            })
        });
        ready.recv().unwrap();
        lab.must("client", &["ping", "-n", "-c", "1", ROUTER4]);
        reader.join().unwrap()
    });
    assert_eq!(replies, 1);

    // The interface goes down: the capture says so once, then waits as
    // before.
    let mut capture = lab.enter("router", || {
        PacketCapture::open(Some("r0"), &test_options(CaptureFilter::Icmp)).unwrap()
    });
    lab.must("router", &["ip", "link", "set", "r0", "down"]);
    let down = capture
        .for_each(Duration::from_secs(2), |_| ())
        .unwrap_err();
    assert_eq!(icmpkit_net::os_errno(&down), Some(libc::ENETDOWN));
    assert!(
        down.to_string()
            .starts_with("cannot capture packets on r0: "),
        "{down}"
    );
    let started = Instant::now();
    assert_eq!(
        capture
            .for_each(Duration::from_millis(200), |_| ())
            .unwrap(),
        0
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
}
