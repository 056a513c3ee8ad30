use super::*;

use std::net::Ipv4Addr;

use icmpkit_wire::quote;
use icmpkit_wire::udp;

use crate::trace::testing::{ip_datagram, v4, v6};

const KEY: u16 = 0x4b1d;
const BASE: u16 = 33_000;
const DPORT: u16 = 33_434;
const TCP_DPORT: u16 = 80;

const METHODS: [Method; 3] = [Method::Icmp, Method::Udp, Method::Tcp];

fn addrs(v6_: bool) -> (IpAddr, IpAddr) {
    if v6_ {
        (v6(1), v6(0x99))
    } else {
        (v4(1), IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9)))
    }
}

fn config(method: Method, v6_: bool, paris: bool) -> ProberConfig {
    let (src, dst) = addrs(v6_);
    ProberConfig {
        method,
        src,
        dst,
        paris,
        key: KEY,
        src_port_base: BASE,
        dst_port: if method == Method::Tcp {
            TCP_DPORT
        } else {
            DPORT
        },
        transport_len: if method == Method::Tcp { 40 } else { 32 },
    }
}

fn prober(method: Method, v6_: bool, paris: bool) -> Prober {
    Prober::new(&config(method, v6_, paris)).expect("valid config")
}

/// Every method × version × Paris setting.
fn all_probers() -> Vec<Prober> {
    let mut out = Vec::new();
    for method in METHODS {
        for v6_ in [false, true] {
            for paris in [false, true] {
                out.push(prober(method, v6_, paris));
            }
        }
    }
    out
}

fn pair(p: &Prober) -> AddressPair {
    AddressPair::new(p.src(), p.dst()).expect("one version")
}

/// Builds probe `number` on `flow`, with the ICMPv6 checksum stored as the
/// kernel would (the bytes as they leave the host).
fn wire_probe(p: &Prober, number: u16, flow: u16) -> (Vec<u8>, Sent) {
    let mut buf = Vec::new();
    let sent = p.build(
        ProbeSpec {
            number,
            ttl: 5,
            flow,
        },
        &mut buf,
    );
    if p.method() == Method::Icmp && p.version() == IpVersion::V6 {
        assert_eq!(&buf[2..4], &[0, 0], "the kernel fills the ICMPv6 checksum");
        buf[2..4].copy_from_slice(&sent.checksum.to_be_bytes());
    }
    (buf, sent)
}

/// Where the transport checksum field lies.
fn checksum_at(method: Method) -> usize {
    match method {
        Method::Icmp => 2,
        Method::Udp => 6,
        Method::Tcp => 16,
    }
}

/// What the transport checksum field of `probe` holds.
fn checksum_field(method: Method, probe: &[u8]) -> u16 {
    let at = checksum_at(method);
    u16::from_be_bytes([probe[at], probe[at + 1]])
}

fn port_at(probe: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([probe[at], probe[at + 1]])
}

#[test]
fn every_probe_has_a_valid_checksum_and_its_fields() {
    for p in all_probers() {
        let addrs = pair(&p);
        let v6_ = p.version() == IpVersion::V6;
        for number in [0, 1, 2, 77, 4095, 4096, 9999] {
            let what = format!("{} v6={v6_} paris={} #{number}", p.method(), p.paris());
            let flow = 3;
            let (buf, sent) = wire_probe(&p, number, flow);
            assert_eq!(buf.len(), p.transport_len(), "{what}");
            assert_eq!(usize::from(sent.len), buf.len(), "{what}");
            assert_eq!(sent.flow, flow, "{what}");
            assert_eq!(checksum_field(p.method(), &buf), sent.checksum, "{what}");
            match p.method() {
                Method::Icmp => {
                    assert_eq!(buf[0], if v6_ { 128 } else { 8 }, "{what}");
                    assert_eq!(port_at(&buf, 4), KEY, "{what}");
                    assert_eq!(port_at(&buf, 6), number, "{what}");
                    assert_eq!(sent.src_port, KEY, "{what}");
                    if v6_ {
                        assert!(
                            addrs.sum(protocol::ICMPV6, &buf).is_valid(),
                            "{what}: ICMPv6 checksum"
                        );
                    } else {
                        assert!(checksum::is_valid(&buf), "{what}: ICMPv4 checksum");
                    }
                }
                Method::Udp => {
                    let packet = udp::Packet::new_checked(&buf[..]).expect("a UDP header");
                    assert!(packet.verify_checksum(&addrs), "{what}: UDP checksum");
                    assert_ne!(packet.checksum(), 0, "{what}");
                    assert_eq!(usize::from(packet.len()), buf.len(), "{what}");
                    assert_eq!(packet.src_port(), sent.src_port, "{what}");
                    // '@', 'A', ... after the two steering bytes.
                    assert_eq!(&buf[10..13], b"JKL", "{what}");
                }
                Method::Tcp => {
                    let packet = tcp::Packet::new_checked(&buf[..]).expect("a TCP header");
                    assert!(packet.verify_checksum(&addrs), "{what}: TCP checksum");
                    assert_eq!(packet.flags(), tcp::flags::SYN, "{what}");
                    assert_eq!(packet.header_len(), 40, "{what}");
                    assert_eq!(packet.options()[..4], [2, 4, 0x05, 0xb4], "{what}");
                    assert_eq!(
                        packet.seq_number(),
                        u32::from(KEY) << 16 | u32::from(number),
                        "{what}"
                    );
                    assert_eq!(packet.dst_port(), TCP_DPORT, "{what}");
                    assert_eq!(packet.src_port(), sent.src_port, "{what}");
                }
            }
        }
    }
}

#[test]
fn bare_tcp_syn_and_minimum_lengths() {
    let mut cfg = config(Method::Tcp, false, true);
    cfg.transport_len = 20;
    let p = Prober::new(&cfg).unwrap();
    let mut buf = Vec::new();
    let spec = ProbeSpec {
        number: 9,
        ttl: 1,
        flow: 0,
    };
    p.build(spec, &mut buf);
    let packet = tcp::Packet::new_checked(&buf[..]).unwrap();
    assert_eq!(packet.header_len(), 20);
    assert!(packet.verify_checksum(&pair(&p)));

    // build_len raises a length below the minimum to it.
    let udp = prober(Method::Udp, false, true);
    let sent = udp.build_len(spec, 3, &mut buf);
    assert_eq!((buf.len(), sent.len), (10, 10));
    assert!(
        udp::Packet::new_checked(&buf[..])
            .unwrap()
            .verify_checksum(&pair(&udp))
    );
}

#[test]
fn paris_keeps_flow_fields_classic_does_not() {
    for v6_ in [false, true] {
        for method in METHODS {
            let paris = prober(method, v6_, true);
            let classic = prober(method, v6_, false);
            let flow = 7;
            let fields = |p: &Prober, number: u16, flow: u16| {
                let (buf, _) = wire_probe(p, number, flow);
                match method {
                    // ECMP routers hash the ICMP checksum.
                    Method::Icmp => (checksum_field(method, &buf), 0),
                    Method::Udp | Method::Tcp => (port_at(&buf, 0), port_at(&buf, 2)),
                }
            };
            let what = format!("{method} v6={v6_}");
            let first = fields(&paris, 0, flow);
            for number in 1..20 {
                assert_eq!(fields(&paris, number, flow), first, "{what} #{number}");
            }
            let expected = match method {
                Method::Icmp => (flow + 1, 0),
                Method::Udp => (BASE + flow, DPORT),
                Method::Tcp => (BASE + flow, TCP_DPORT),
            };
            assert_eq!(first, expected, "{what}");
            // Another flow, other fields.
            assert_ne!(fields(&paris, 0, flow + 1), first, "{what}");

            // Classic: the flow fields follow the probe number.
            let classic_fields: Vec<_> = (0..20).map(|n| fields(&classic, n, flow)).collect();
            for (n, f) in (0u16..).zip(&classic_fields) {
                match method {
                    Method::Icmp => {}
                    Method::Udp => assert_eq!(*f, (BASE, DPORT + n), "{what}"),
                    Method::Tcp => assert_eq!(*f, (BASE + n, TCP_DPORT), "{what}"),
                }
            }
            let distinct: std::collections::BTreeSet<_> = classic_fields.iter().collect();
            assert_eq!(distinct.len(), 20, "{what}: classic fields all differ");
        }
    }
}

/// The probe quoted by a router where its TTL ran out (TTL 1 in the quote).
fn quoted(p: &Prober, probe: &[u8]) -> Vec<u8> {
    ip_datagram(p.src(), p.dst(), p.method().protocol(p.version()), 1, probe)
}

fn identity(p: &Prober, datagram: &[u8]) -> ProbeIdentity {
    quote::parse(datagram, p.version())
        .expect("a readable quote")
        .probe_identity()
}

/// Sends probes `0..count` on `flow` and returns what each carried.
fn send_all(p: &Prober, count: u16, flow: u16) -> Vec<(Vec<u8>, Sent)> {
    (0..count).map(|n| wire_probe(p, n, flow)).collect()
}

fn lookup(sent: &[(Vec<u8>, Sent)]) -> impl Fn(u16) -> Option<Sent> + '_ {
    |n| sent.get(usize::from(n)).map(|(_, s)| *s)
}

#[test]
fn identify_finds_every_probe_in_full_and_short_quotes() {
    for p in all_probers() {
        let sent = send_all(&p, 40, 5);
        for number in [0u16, 1, 17, 39] {
            let what = format!(
                "{} {:?} paris={} #{number}",
                p.method(),
                p.version(),
                p.paris()
            );
            let datagram = quoted(&p, &sent[usize::from(number)].0);
            let id = identity(&p, &datagram);
            assert_eq!(id.hop_limit, 1, "{what}");
            assert_eq!(
                p.identify(&id, lookup(&sent)),
                Some(Identified {
                    number,
                    rewrites: Rewrites::default()
                }),
                "{what}"
            );
            // An RFC 792 quote: the IP header and 8 bytes.
            let ip_len = if p.version() == IpVersion::V4 { 20 } else { 40 };
            let short = identity(&p, &datagram[..ip_len + 8]);
            let found = p.identify(&short, lookup(&sent)).expect(&what);
            assert_eq!(found.number, number, "{what}");
            assert!(!found.rewrites.any(), "{what}");
        }
        // A number never sent.
        let (late, _) = wire_probe(&p, 45, 5);
        assert_eq!(
            p.identify(&identity(&p, &quoted(&p, &late)), lookup(&sent)),
            None
        );
    }
}

#[test]
fn identify_rejects_other_destinations_and_protocols() {
    for p in all_probers() {
        let sent = send_all(&p, 4, 0);
        let probe = &sent[2].0;
        let other_dst = match p.version() {
            IpVersion::V4 => v4(200),
            IpVersion::V6 => v6(200),
        };
        let proto = p.method().protocol(p.version());
        let elsewhere = ip_datagram(p.src(), other_dst, proto, 1, probe);
        assert_eq!(p.identify(&identity(&p, &elsewhere), lookup(&sent)), None);
        let other_proto = if proto == protocol::UDP {
            protocol::TCP
        } else {
            protocol::UDP
        };
        let mixed = ip_datagram(p.src(), p.dst(), other_proto, 1, probe);
        assert_eq!(p.identify(&identity(&p, &mixed), lookup(&sent)), None);
    }
}

/// What a NAT does to a quoted probe: a new source address and source port
/// (or ICMP identifier), the transport checksum updated word by word.
fn nat(p: &Prober, probe: &[u8], new_src: IpAddr, new_port: u16) -> Vec<u8> {
    let mut probe = probe.to_vec();
    let port_at_ = if p.method() == Method::Icmp { 4 } else { 0 };
    let mut c = checksum_field(p.method(), &probe);
    if !(p.method() == Method::Icmp && p.version() == IpVersion::V4) {
        for (old, new) in words(p.src()).zip(words(new_src)) {
            c = checksum::update(c, old, new);
        }
    }
    c = checksum::update(c, port_at(&probe, port_at_), new_port);
    probe[port_at_..port_at_ + 2].copy_from_slice(&new_port.to_be_bytes());
    let field = checksum_at(p.method());
    probe[field..field + 2].copy_from_slice(&c.to_be_bytes());
    ip_datagram(
        new_src,
        p.dst(),
        p.method().protocol(p.version()),
        1,
        &probe,
    )
}

#[test]
fn identify_through_a_nat_reports_the_rewrites() {
    for p in all_probers() {
        let (public, port) = match p.version() {
            IpVersion::V4 => (IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)), 61_000),
            IpVersion::V6 => (v6(0xbeef), 61_000),
        };
        let sent = send_all(&p, 30, 7);
        for number in [0u16, 3, 29] {
            let what = format!(
                "{} {:?} paris={} #{number}",
                p.method(),
                p.version(),
                p.paris()
            );
            let datagram = nat(&p, &sent[usize::from(number)].0, public, port);
            // The NAT kept the checksum valid for the new addresses.
            let natted_addrs = AddressPair::new(public, p.dst()).unwrap();
            let transport = &datagram[if p.version() == IpVersion::V4 { 20 } else { 40 }..];
            let valid = match (p.method(), p.version()) {
                (Method::Icmp, IpVersion::V4) => checksum::is_valid(transport),
                (m, v) => natted_addrs.sum(m.protocol(v), transport).is_valid(),
            };
            assert!(valid, "{what}: the NAT's checksum");
            let id = identity(&p, &datagram);
            assert_eq!(
                p.identify(&id, lookup(&sent)),
                Some(Identified {
                    number,
                    rewrites: Rewrites {
                        src_addr: Some(public),
                        src_port: Some(port),
                        checksum: None,
                    }
                }),
                "{what}"
            );
        }
    }
}

#[test]
fn a_probe_of_another_trace_is_not_ours() {
    for p in all_probers() {
        let sent = send_all(&p, 30, 7);
        // Another trace from the same host: another key and source ports.
        let mut other_cfg = config(p.method(), p.version() == IpVersion::V6, p.paris());
        other_cfg.key = KEY ^ 0x0101;
        other_cfg.src_port_base = 50_000;
        let other = Prober::new(&other_cfg).unwrap();
        for number in [0u16, 3, 29] {
            let what = format!(
                "{} {:?} paris={} #{number}",
                p.method(),
                p.version(),
                p.paris()
            );
            let (theirs, _) = wire_probe(&other, number, 7);
            let id = identity(&p, &quoted(&other, &theirs));
            assert_eq!(p.identify(&id, lookup(&sent)), None, "{what}");
        }
    }
}

#[test]
fn echo_replies_match_the_key_and_the_destination() {
    let icmp = prober(Method::Icmp, false, true);
    let dst = icmp.dst();
    assert_eq!(icmp.identify_echo_reply(dst, KEY, 5), Some(5));
    assert_eq!(icmp.identify_echo_reply(dst, KEY + 1, 5), None);
    // A reply to another ping on the host, with our identifier by chance.
    assert_eq!(icmp.identify_echo_reply(icmp.src(), KEY, 5), None);
    let v6 = prober(Method::Icmp, true, false);
    assert_eq!(v6.identify_echo_reply(v6.dst(), KEY, 0), Some(0));
    let udp = prober(Method::Udp, false, true);
    assert_eq!(udp.identify_echo_reply(udp.dst(), KEY, 5), None);
}

/// A TCP segment from the destination to `sent`'s port.
fn tcp_reply(flags: u16, ack: u32, src_port: u16, dst_port: u16) -> Vec<u8> {
    let mut buf = vec![0u8; 20];
    let mut packet = tcp::Packet::new_unchecked(&mut buf[..]);
    packet.set_src_port(src_port);
    packet.set_dst_port(dst_port);
    packet.set_seq_number(0xdead_beef);
    packet.set_ack_number(ack);
    packet.set_header_len(20);
    packet.set_flags(flags);
    packet.set_window_len(65_535);
    buf
}

#[test]
fn tcp_replies_acknowledge_the_syn() {
    use tcp::flags::{ACK, RST, SYN};
    for paris in [false, true] {
        let p = prober(Method::Tcp, false, paris);
        let sent = send_all(&p, 20, 4);
        let number = 12u16;
        let port = sent[usize::from(number)].1.src_port;
        let seq = u32::from(KEY) << 16 | u32::from(number);
        let reply = |flags, ack, sport| tcp_reply(flags, ack, sport, port);
        let id = |segment: Vec<u8>| p.identify_tcp_reply(&segment, lookup(&sent));
        assert_eq!(id(reply(SYN | ACK, seq + 1, TCP_DPORT)), Some(number));
        assert_eq!(id(reply(RST | ACK, seq + 1, TCP_DPORT)), Some(number));
        // An acknowledgment of another trace's SYN (another key), of a
        // probe never sent, no ACK, another port, a bare ACK.
        assert_eq!(
            id(reply(SYN | ACK, (seq ^ 0x0100_0000) + 1, TCP_DPORT)),
            None
        );
        assert_eq!(id(reply(SYN | ACK, seq + 30, TCP_DPORT)), None);
        assert_eq!(id(reply(RST, seq + 1, TCP_DPORT)), None);
        assert_eq!(id(reply(SYN | ACK, seq + 1, 443)), None);
        assert_eq!(id(reply(ACK, seq + 1, TCP_DPORT)), None);
        assert_eq!(
            p.identify_tcp_reply(
                &tcp_reply(SYN | ACK, seq + 1, TCP_DPORT, port + 100),
                lookup(&sent)
            ),
            None
        );
        // Truncated segment.
        assert_eq!(
            id(reply(SYN | ACK, seq + 1, TCP_DPORT)[..19].to_vec()),
            None
        );
    }
    // A probe with 100 bytes of payload (a path MTU probe).
    let p = prober(Method::Tcp, true, true);
    let mut buf = Vec::new();
    let spec = ProbeSpec {
        number: 3,
        ttl: 9,
        flow: 2,
    };
    let big = p.build_len(spec, 140, &mut buf);
    assert_eq!(big.len, 140);
    // Probe 43 went from the same port without payload.
    let small = p.build_len(ProbeSpec { number: 43, ..spec }, 40, &mut buf);
    let lookup_big = |n: u16| match n {
        3 => Some(big),
        43 => Some(small),
        _ => None,
    };
    let seq = u32::from(KEY) << 16 | 3;
    let reply = |flags, ack| tcp_reply(flags, ack, TCP_DPORT, BASE + 2);
    // An RST counts the SYN's data; a SYN-ACK does not (no Fast Open).
    assert_eq!(
        p.identify_tcp_reply(&reply(RST | ACK, seq + 101), lookup_big),
        Some(3)
    );
    assert_eq!(
        p.identify_tcp_reply(&reply(SYN | ACK, seq + 1), lookup_big),
        Some(3)
    );
    // seq + 101 acknowledged by a SYN-ACK is nobody's (not probe 43's
    // RST either, whose number it does not carry).
    assert_eq!(
        p.identify_tcp_reply(&reply(SYN | ACK, seq + 101), lookup_big),
        None
    );
    assert_eq!(
        p.identify_tcp_reply(&reply(RST | ACK, seq + 1), lookup_big),
        None
    );
    // Not a TCP prober.
    assert_eq!(
        prober(Method::Udp, false, true)
            .identify_tcp_reply(&reply(RST | ACK, seq + 101), lookup_big),
        None
    );
}

#[test]
fn prober_errors() {
    let mut cfg = config(Method::Udp, false, true);
    cfg.dst = v6(9);
    assert_eq!(Prober::new(&cfg).unwrap_err(), ProberError::MixedVersions);

    let mut cfg = config(Method::Udp, false, true);
    cfg.transport_len = 9;
    assert_eq!(
        Prober::new(&cfg).unwrap_err(),
        ProberError::Length { len: 9, min: 10 }
    );
    cfg.transport_len = 65_536;
    assert_eq!(
        Prober::new(&cfg).unwrap_err(),
        ProberError::Length {
            len: 65_536,
            min: 10
        }
    );
    cfg.transport_len = 65_535;
    assert!(Prober::new(&cfg).is_ok());

    let mut cfg = config(Method::Tcp, true, true);
    cfg.transport_len = 19;
    let err = Prober::new(&cfg).unwrap_err();
    assert_eq!(err, ProberError::Length { len: 19, min: 20 });
    assert_eq!(
        err.to_string(),
        "a probe's transport part of 19 bytes is out of range 20..=65535"
    );

    for method in [Method::Udp, Method::Tcp] {
        let mut cfg = config(method, false, false);
        cfg.src_port_base = 0;
        assert_eq!(Prober::new(&cfg).unwrap_err(), ProberError::SourcePort(0));
        cfg.src_port_base = u16::MAX - MAX_FLOWS + 1;
        let err = Prober::new(&cfg).unwrap_err();
        assert_eq!(err, ProberError::SourcePort(61_440));
        assert_eq!(
            err.to_string(),
            "source port 61440 leaves no room for 4096 flows below 65536 (use 1..=61439)"
        );
        cfg.src_port_base = u16::MAX - MAX_FLOWS;
        assert!(Prober::new(&cfg).is_ok());
    }
    // ICMP has no ports.
    let mut cfg = config(Method::Icmp, false, true);
    cfg.src_port_base = 0;
    assert!(Prober::new(&cfg).is_ok());
}

/// What an ordinary UDP socket's error queue gives of `probe`: its
/// destination port and its payload, cut to `quoted` bytes.
fn queued(probe: &[u8], quoted: usize) -> (u16, Vec<u8>) {
    let port = u16::from_be_bytes([probe[2], probe[3]]);
    let payload = &probe[8..];
    (port, payload[..quoted.min(payload.len())].to_vec())
}

#[test]
fn udp_probes_are_found_from_the_port_and_payload_alone() {
    for v6_ in [false, true] {
        for (paris, in_dst_port) in [(false, false), (true, false), (true, true)] {
            let p = prober(Method::Udp, v6_, paris);
            let p = if in_dst_port {
                p.with_flows_in_dst_port().unwrap()
            } else {
                p
            };
            let mut sent = std::collections::HashMap::new();
            let mut shapes = Vec::new();
            let mut buf = Vec::new();
            // Two lengths (a path MTU walk's), two flows, many numbers.
            for (number, len, flow) in [(0, 32, 0), (7, 1400, 0), (300, 32, 5), (0xfff0, 90, 0)] {
                let spec = ProbeSpec {
                    number,
                    ttl: 3,
                    flow,
                };
                let s = p.build_len(spec, len, &mut buf);
                sent.insert(number, (s, buf.clone()));
                if !shapes.contains(&(s.src_port, s.len)) {
                    shapes.push((s.src_port, s.len));
                }
            }
            let lookup = |n: u16| sent.get(&n).map(|(s, _)| *s);
            for (&number, (_, probe)) in &sent {
                // A quote of a few payload bytes is enough.
                for quoted in [2, 10, 2000] {
                    let (port, payload) = queued(probe, quoted);
                    assert_eq!(
                        p.identify_udp_payload(port, &payload, &shapes, lookup),
                        Some(number),
                        "v6 {v6_} paris {paris} number {number} quoted {quoted}"
                    );
                }
            }
            // A probe never sent, or a payload not ours, is no answer.
            let (port, mut payload) = queued(&sent[&7].1, 10);
            payload[0] ^= 0x55;
            let found = p.identify_udp_payload(port, &payload, &shapes, lookup);
            assert!(found.is_none() || !paris, "{found:?}");
            let (port, payload) = queued(&sent[&7].1, 10);
            assert_eq!(port, DPORT + if paris { 0 } else { 7 });
            // Another flow's port (or another probe's, classic) is not it.
            assert_ne!(
                p.identify_udp_payload(port + 1, &payload, &shapes, lookup),
                Some(7)
            );
            assert_eq!(
                p.identify_udp_payload(DPORT, &[], &shapes, lookup)
                    .filter(|_| paris),
                None
            );
        }
    }
}

#[test]
fn flows_in_the_destination_port_keep_one_source_port() {
    let p = prober(Method::Udp, false, true)
        .with_flows_in_dst_port()
        .unwrap();
    let mut buf = Vec::new();
    for flow in [0, 1, 300] {
        let spec = ProbeSpec {
            number: 9,
            ttl: 4,
            flow,
        };
        let s = p.build(spec, &mut buf);
        let udp = udp::Packet::new_checked(&buf[..]).unwrap();
        assert_eq!((udp.src_port(), udp.dst_port()), (BASE, DPORT + flow));
        assert_eq!((s.src_port, s.flow), (BASE, flow));
    }
    // Room for every flow below port 65536.
    let mut c = config(Method::Udp, false, true);
    c.dst_port = u16::MAX - MAX_FLOWS + 1;
    assert_eq!(
        Prober::new(&c)
            .unwrap()
            .with_flows_in_dst_port()
            .unwrap_err(),
        ProberError::DestinationPort(u16::MAX - MAX_FLOWS + 1)
    );
}
