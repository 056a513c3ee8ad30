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
//! - NAT: a UDP probe through a router that masquerades gets a Port
//!   Unreachable that conntrack translates back; netsim's NAT (which keeps
//!   addresses) gives the client the same ICMP message, byte for byte.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use icmpkit_capture::CaptureReader;

use icmpkit_lab::netns::{CLIENT4, Lab, ROUTER4, SERVER4};
use icmpkit_lab::{require, tshark};
use icmpkit_netsim::{Egress, Host, Link, Nat, Network, NodeId, NodeKind, Router, Topology};
use icmpkit_wire::{checksum, ipv4};

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
