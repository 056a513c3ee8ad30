//! netsim against Linux in the lab's chain, captured on the wire:
//!
//! ```text
//! client 192.0.2.2 (MTU 1500) --- router --- (MTU 1280) server 198.51.100.2
//! ```
//!
//! - fragments: `ping -s 2972 -M dont`; the request's fragments at the
//!   server (1276 244 1276 244 40: each 1500 cut again, then the 40) and
//!   the reply's at the client (1276 1276 488: the server cuts its DF-clear
//!   reply), against the same path in netsim;
//! - IPv6 fragments: `ping -6 -s 1300` (1348 bytes); after the router's
//!   Packet Too Big the client cuts its request (1280 124) and the server
//!   its reply (1280 124): `fragment_v6` cuts the client's request as the
//!   client did, byte for byte, and netsim's server, given the client's
//!   fragments, answers with the fragments Linux's did (but for the
//!   identification and flow label, Linux's random);
//! - NAT: a UDP probe through a router that masquerades gets a Port
//!   Unreachable that conntrack translates back; netsim's NAT (which keeps
//!   addresses) gives the client the same ICMP message, byte for byte.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use icmpkit_capture::CaptureReader;

use icmpkit_lab::netns::{CLIENT4, CLIENT6, Lab, ROUTER4, ROUTER6, SERVER4, SERVER6};
use icmpkit_lab::{require, tshark};
use icmpkit_netsim::{Egress, Host, Link, Nat, Network, NodeId, NodeKind, Router, Topology};
use icmpkit_wire::{checksum, ipv4, ipv6};

/// (source, MF, offset in bytes, total length, TTL) of one IPv4 packet.
type Shape = (IpAddr, bool, u16, usize, u8);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The 3000-byte echo request of `ping -s 2972 -M dont` (TTL 64).
fn request() -> Vec<u8> {
    let mut icmp = vec![0u8; 8 + 2972];
    icmp[0] = 8;
    icmp[4..8].copy_from_slice(&[0x12, 0x34, 0, 1]);
    let sum = checksum::checksum(&icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    let repr = ipv4::Repr {
        src_addr: CLIENT4.parse().unwrap(),
        dst_addr: SERVER4.parse().unwrap(),
        protocol: 1,
        payload_len: icmp.len(),
        ttl: 64,
        dscp: 0,
        ecn: 0,
        ident: 1,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options: &[],
    };
    let mut out = vec![0; repr.buffer_len()];
    repr.emit(&mut ipv4::Packet::new_unchecked(&mut out[..]));
    out[20..].copy_from_slice(&icmp);
    out
}

/// The lab's chain in netsim; the server an attachment (to see what
/// reaches it) or a host (that answers).
fn chain(server_answers: bool) -> (Network, NodeId) {
    let mut t = Topology::new();
    let client = t.attachment("client", &[ip(CLIENT4)]);
    let router = t.router("router", &[ip(ROUTER4)], Router::default());
    let server = if server_answers {
        t.host("server", &[ip(SERVER4)], Host::default())
    } else {
        t.attachment("server", &[ip(SERVER4)])
    };
    t.link(client, router, Link::ms(1));
    t.link(router, server, Link::ms(1).mtu(1280));
    (Network::new(t, 1).unwrap(), client)
}

fn shapes(packets: &[Egress]) -> Vec<Shape> {
    packets
        .iter()
        .map(|e| {
            let v = ipv4::Packet::new_checked(&e.packet[..]).unwrap();
            (
                v.src_addr().into(),
                v.more_frags(),
                v.frag_offset(),
                e.packet.len(),
                v.ttl(),
            )
        })
        .collect()
}

fn netsim(server_answers: bool) -> Vec<Shape> {
    let (mut net, client) = chain(server_answers);
    let start = Instant::now();
    net.inject(start, client, request());
    let mut out = Vec::new();
    net.advance(start + Duration::from_secs(1), &mut |e| out.push(e));
    shapes(&out)
}

/// What tshark reads of the IPv4 packets in `file`.
fn captured(file: &Path) -> Vec<Shape> {
    let fields = [
        "ip.src",
        "ip.flags.mf",
        "ip.frag_offset",
        "ip.len",
        "ip.ttl",
    ];
    tshark::fields(file, "ip", &fields)
        .iter()
        .map(|row| {
            let offset: u16 = row.first("ip.frag_offset").parse().unwrap();
            // tshark gives the field as it is, in 8-byte units.
            (
                row.first("ip.src").parse().unwrap(),
                row.first("ip.flags.mf") == "1",
                offset * 8,
                row.first("ip.len").parse().unwrap(),
                row.first("ip.ttl").parse().unwrap(),
            )
        })
        .collect()
}

/// A capture file of this test process.
fn capture_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("icmpkit-netsim-{}-{name}.pcap", std::process::id()))
}

/// The IP packets captured in `file`.
fn packets(file: &Path) -> Vec<Vec<u8>> {
    let mut reader = CaptureReader::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(frame) = reader.next_frame() {
        out.extend(frame.unwrap().network_layer().map(<[u8]>::to_vec));
    }
    out
}

/// Starts tcpdump on `dev` in `ns` for `count` packets that pass
/// `filter`, and waits until it listens.
fn tcpdump(
    lab: &Lab,
    (ns, dev): (&str, &str),
    filter: &str,
    count: u32,
    file: &Path,
) -> std::process::Child {
    let file = file.to_str().unwrap();
    let count = count.to_string();
    let args = ["-n", "-U", "-i", dev, "-c", &count, "-w", file, filter];
    let mut child = lab.spawn_bounded(ns, 10, "tcpdump", &args);
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let listening = lines.any(|l| l.is_ok_and(|l| l.contains("listening on")));
    assert!(listening, "tcpdump in {ns} did not start");
    // Read the rest (its count at exit), so that it never writes to a
    // closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

#[test]
fn a_3000_byte_ping_is_cut_as_linux_cuts_it() {
    let test = "a_3000_byte_ping_is_cut_as_linux_cuts_it";
    if !require::root(test)
        || !["tcpdump", "tshark", "ping"]
            .iter()
            .all(|p| require::program(p))
    {
        return;
    }
    let Some(lab) = Lab::chain(test, 1280) else {
        return;
    };
    let (server_file, client_file) = (capture_file("frag-server"), capture_file("frag-client"));
    // At the server: 5 request fragments, 3 reply fragments; at the
    // client: 3 and 3.
    let server = tcpdump(&lab, ("server", "s0"), "icmp", 8, &server_file);
    let client = tcpdump(&lab, ("client", "c0"), "icmp", 6, &client_file);
    let ping = lab.run_bounded(
        "client",
        5,
        "ping",
        &[
            "-n", "-c", "1", "-W", "2", "-s", "2972", "-M", "dont", SERVER4,
        ],
    );
    assert!(ping.status.success(), "{}", icmpkit_lab::text(&ping.stdout));
    let server = server.wait_with_output().unwrap();
    let client = client.wait_with_output().unwrap();
    assert!(server.status.success() && client.status.success());
    let (at_server, at_client) = (captured(&server_file), captured(&client_file));
    let _ = std::fs::remove_file(&server_file);
    let _ = std::fs::remove_file(&client_file);

    let request: Vec<Shape> = at_server
        .into_iter()
        .filter(|s| s.0 == ip(CLIENT4))
        .collect();
    let reply: Vec<Shape> = at_client
        .into_iter()
        .filter(|s| s.0 == ip(SERVER4))
        .collect();
    assert_eq!(request.len(), 5, "{request:?}");
    assert_eq!(reply.len(), 3, "{reply:?}");
    assert_eq!(netsim(false), request);
    assert_eq!(netsim(true), reply);
}

/// (offset, M, identification) of an IPv6 packet whose Fragment header
/// follows the fixed header; `None` for any other.
fn fragment_of(packet: &[u8]) -> Option<(u16, bool, u32)> {
    let v = ipv6::Packet::new_checked(packet).ok()?;
    if v.next_header() != 44 {
        return None;
    }
    let f = ipv6::walk_extensions(44, v.payload()).ok()?.fragment?;
    Some((f.offset, f.more, f.ident))
}

/// `packet` without what Linux picks at random: the flow label and, after
/// the fixed header, a Fragment header's identification.
fn masked(packet: &[u8]) -> Vec<u8> {
    let mut p = packet.to_vec();
    p[1] &= 0xf0;
    p[2..4].fill(0);
    p[44..48].fill(0);
    p
}

#[test]
fn an_ipv6_ping_over_1280_is_fragmented_as_linux_fragments_it() {
    let test = "an_ipv6_ping_over_1280_is_fragmented_as_linux_fragments_it";
    if !require::root(test) || !["tcpdump", "ping"].iter().all(|p| require::program(p)) {
        return;
    }
    let Some(lab) = Lab::chain(test, 1280) else {
        return;
    };
    let file = capture_file("frag6-client");
    // The second request's fragments and the reply's, at the client.
    let tcpdump = tcpdump(&lab, ("client", "c0"), "ip6 and ip6[6] == 44", 4, &file);
    // The first request (1348 bytes whole) gets the router's Packet Too
    // Big; the second goes in fragments.
    let ping = lab.run_bounded(
        "client",
        5,
        "ping",
        &[
            "-6", "-n", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1300", SERVER6,
        ],
    );
    let out = icmpkit_lab::text(&ping.stdout);
    assert!(out.contains("1 received"), "{out}");
    assert!(tcpdump.wait_with_output().unwrap().status.success());
    let captured = packets(&file);
    let _ = std::fs::remove_file(&file);
    let from = |src: &str| -> Vec<Vec<u8>> {
        let src: std::net::Ipv6Addr = src.parse().unwrap();
        captured
            .iter()
            .filter(|p| ipv6::Packet::new_checked(&p[..]).is_ok_and(|v| v.src_addr() == src))
            .cloned()
            .collect()
    };
    let (request, reply) = (from(CLIENT6), from(SERVER6));
    let shape = |packets: &[Vec<u8>]| -> Vec<(u16, bool, usize)> {
        packets
            .iter()
            .map(|p| {
                let (offset, more, _) = fragment_of(p).unwrap();
                (offset, more, p.len())
            })
            .collect()
    };
    assert_eq!(shape(&request), [(0, true, 1280), (1232, false, 124)]);
    assert_eq!(shape(&reply), [(0, true, 1280), (1232, false, 124)]);

    // netsim: the client an attachment, the server a host behind a 1280
    // link.
    let mut t = Topology::new();
    let client = t.attachment("client", &[ip(CLIENT6)]);
    let router = t.router(
        "router",
        &[ip(ROUTER6), ip("2001:db8:2::1")],
        Router::default(),
    );
    let server = t.host("server", &[ip(SERVER6)], Host::default());
    t.link(client, router, Link::ms(1));
    t.link(router, server, Link::ms(1).mtu(1280));
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    // The client's datagram, put together, cut again with its
    // identification: the client's fragments.
    let whole = request
        .iter()
        .find_map(|f| net.reassemble(start, client, f.clone()))
        .expect("the request put together");
    assert_eq!(whole.len(), 1348);
    let (_, _, ident) = fragment_of(&request[0]).unwrap();
    assert_eq!(icmpkit_netsim::fragment_v6(&whole, 1280, ident), request);
    // The server answers the client's fragments as Linux's did.
    for f in &request {
        net.inject(start, client, f.clone());
    }
    let mut out = Vec::new();
    net.advance(start + Duration::from_secs(1), &mut |e| out.push(e));
    let ours: Vec<Vec<u8>> = out.iter().map(|e| masked(&e.packet)).collect();
    let linux: Vec<Vec<u8>> = reply.iter().map(|p| masked(p)).collect();
    assert_eq!(ours, linux);
}

/// Sends one UDP datagram from port 40000 to the server's port 33434.
const PROBE: &str = "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.0.2.2', 40000))
s.sendto(b'probe data', ('198.51.100.2', 33434))";

#[test]
fn a_port_unreachable_through_the_nat_reads_as_through_linux_masquerade() {
    let test = "a_port_unreachable_through_the_nat_reads_as_through_linux_masquerade";
    if !require::root(test)
        || !["tcpdump", "python3", "nft"]
            .iter()
            .all(|p| require::program(p))
    {
        return;
    }
    let Some(lab) = Lab::chain(test, 1280) else {
        return;
    };
    // The client fills in its UDP checksums (no veth offload), as on a
    // wire, so the server quotes a real one.
    let prefix = lab.ns("client").strip_suffix("-client").unwrap().to_owned();
    let lib = icmpkit_lab::repo().join("lab/lib.sh");
    let script = format!(
        ". '{}'; LAB_PREFIX={prefix}; lab_tx_checksum_off client c0",
        lib.display()
    );
    let off = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(off.status.success(), "{}", icmpkit_lab::text(&off.stderr));
    lab.must("router", &["nft", "add", "table", "ip", "nat"]);
    lab.must(
        "router",
        &[
            "nft",
            "add",
            "chain",
            "ip",
            "nat",
            "post",
            "{ type nat hook postrouting priority 100; }",
        ],
    );
    lab.must(
        "router",
        &[
            "nft",
            "add",
            "rule",
            "ip",
            "nat",
            "post",
            "oifname",
            "r1",
            "meta",
            "l4proto",
            "udp",
            "masquerade",
        ],
    );
    let file = capture_file("nat-client");
    let tcpdump = tcpdump(&lab, ("client", "c0"), "udp or icmp", 2, &file);
    let sent = lab.run_bounded("client", 5, "python3", &["-c", PROBE]);
    assert!(sent.status.success(), "{}", icmpkit_lab::text(&sent.stderr));
    assert!(tcpdump.wait_with_output().unwrap().status.success());
    let captured = packets(&file);
    let _ = std::fs::remove_file(&file);
    let [probe, linux] = &captured[..] else {
        panic!("probe and error: {captured:?}");
    };
    assert_eq!((linux[9], linux[20], linux[21]), (1, 3, 3));

    let mut t = Topology::new();
    let client = t.attachment("client", &[ip(CLIENT4)]);
    let router = t.router(
        "router",
        &[ip(ROUTER4), ip("198.51.100.1")],
        Router::default(),
    );
    let server = t.host("server", &[ip(SERVER4)], Host::default());
    t.link(client, router, Link::ms(1));
    t.link(router, server, Link::ms(1).mtu(1280));
    if let NodeKind::Router(r) = &mut t.get_mut(router).kind {
        r.nat = Some(Nat {
            outside: server,
            first_port: 61_000,
        });
    }
    let mut net = Network::new(t, 1).unwrap();
    let start = Instant::now();
    net.inject(start, client, probe.clone());
    let mut out = Vec::new();
    net.advance(start + Duration::from_secs(1), &mut |e| out.push(e));
    assert_eq!(out.len(), 1);
    let ours = &out[0].packet;
    // Addresses, then the ICMP message: type, code, checksum, and the
    // quote with the original port and UDP checksum.
    assert_eq!(ours[12..20], linux[12..20]);
    assert_eq!(ours[20..], linux[20..]);
}
