use std::net::IpAddr;

use super::*;

fn v4(protocol: u8, src: u8, dst: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(20 + payload.len()).unwrap();
    let mut p = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, protocol, 0, 0];
    p[2..4].copy_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[192, 0, 2, src, 192, 0, 2, dst]);
    p.extend_from_slice(payload);
    p
}

fn v6(next: u8, src: u8, dst: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    p.extend_from_slice(&[next, 64]);
    for last in [src, dst] {
        p.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        p.extend_from_slice(&[0; 11]);
        p.push(last);
    }
    p.extend_from_slice(payload);
    p
}

const ECHO: [u8; 8] = [8, 0, 0xf7, 0xff, 0, 0, 0, 0];

fn echo4() -> Vec<u8> {
    v4(1, 10, 20, &ECHO)
}

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn gre(flags: u16, protocol: u16, fields: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut g = flags.to_be_bytes().to_vec();
    g.extend_from_slice(&protocol.to_be_bytes());
    for f in fields {
        g.extend_from_slice(&f.to_be_bytes());
    }
    g.extend_from_slice(payload);
    g
}

fn udp(dst_port: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0xc0, 0x00];
    u.extend_from_slice(&dst_port.to_be_bytes());
    u.extend_from_slice(&u16::try_from(8 + payload.len()).unwrap().to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::from(a)
}

fn outer4(src: u8, dst: u8) -> Layer {
    Layer::Ip {
        src: ip([192, 0, 2, src]),
        dst: ip([192, 0, 2, dst]),
    }
}

#[test]
fn plain_packets_have_an_empty_path() {
    let p = echo4();
    let u = from_ip(&p);
    assert_eq!(u.ip, Some(&p[..]));
    assert!(u.path.is_empty());
    assert_eq!(u.stop, None);
    let f = eth(0x0800, &p);
    assert_eq!(from_ethernet(&f).ip, Some(&p[..]));
    // ARP: no IP packet, no reason.
    let arp = eth(0x0806, &[0; 28]);
    assert_eq!(from_ethernet(&arp), Unwrapped::default());
    // Other link types go through `network_layer`.
    assert_eq!(innermost(LinkType::RawIp, &p).ip, Some(&p[..]));
    assert_eq!(innermost(LinkType::Other(147), &p), Unwrapped::default());
}

/// Link types other than Ethernet start the walk at what their header
/// names: an Ethernet type (Linux cooked v1 and v2, Cisco HDLC, IP over
/// InfiniBand) or PPP's MPLS protocols.
#[test]
fn other_link_types_start_at_their_ethertype() {
    let inner = echo4();
    let mut labelled = vec![0x00, 0x06, 0x41, 0x40]; // label 100, bottom
    labelled.extend_from_slice(&inner);
    let mut tagged = vec![0x20, 0x0a, 0x08, 0x00]; // PCP 1, VLAN 10, IPv4
    tagged.extend_from_slice(&inner);
    let sll = |ethertype: u16, payload: &[u8]| {
        let mut f = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        f.extend_from_slice(&ethertype.to_be_bytes());
        [&f[..], payload].concat()
    };
    let sll2 = |ethertype: u16, payload: &[u8]| {
        let mut f = ethertype.to_be_bytes().to_vec();
        f.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
        [&f[..], payload].concat()
    };
    let ipoib = |ethertype: u16, payload: &[u8]| {
        let mut f = vec![0; 40];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        [&f[..], payload].concat()
    };
    let mpls = vec![Layer::Mpls {
        labels: vec![100],
        omitted: 0,
    }];
    let vlan = vec![Layer::Vlan {
        tpid: 0x8100,
        id: 10,
        pcp: 1,
    }];
    let cases = [
        (LinkType::LinuxSll, sll(0x8847, &labelled), &mpls),
        (LinkType::LinuxSll, sll(0x8100, &tagged), &vlan),
        (LinkType::LinuxSll2, sll2(0x8847, &labelled), &mpls),
        (LinkType::LinuxSll2, sll2(0x8100, &tagged), &vlan),
        (
            LinkType::CiscoHdlc,
            [&[0x0f, 0, 0x88, 0x47][..], &labelled].concat(),
            &mpls,
        ),
        (LinkType::Ipoib, ipoib(0x8847, &labelled), &mpls),
        (
            LinkType::Ppp,
            [&[0xff, 0x03, 0x02, 0x81][..], &labelled].concat(),
            &mpls,
        ),
        (
            LinkType::PppHdlc,
            [&[0x02, 0x83][..], &labelled].concat(),
            &mpls,
        ),
    ];
    for (link, frame, path) in cases {
        let u = innermost(link, &frame);
        assert_eq!(
            (u.ip, &u.path, u.stop),
            (Some(&inner[..]), path, None),
            "{link}"
        );
    }
    // A plain packet on those links is still found, with an empty path.
    let plain = sll2(0x0800, &inner);
    let u = innermost(LinkType::LinuxSll2, &plain);
    assert_eq!((u.ip, u.path.len()), (Some(&inner[..]), 0));
    // ARP carries no IP packet.
    assert_eq!(
        innermost(LinkType::LinuxSll, &sll(0x0806, &[0; 28])),
        Unwrapped::default()
    );
}

/// A frame that enters no tunnel and is cut short or mislabelled is just
/// not an IP packet: no stop reason, as before tunnels were followed.
#[test]
fn plain_frames_cut_or_mislabelled_have_no_stop() {
    let p = echo4();
    let frames = [
        eth(0x0800, &[]),                        // an empty payload
        eth(0x86dd, &p),                         // the wrong IP version
        eth(0x8100, &[0, 10]),                   // a cut VLAN tag
        eth(0x8100, &[0, 10, 0x08, 0x00]),       // a tag, then nothing
        eth(0x8100, &[0, 10, 0x86, 0xdd, 0x45]), // a tag, the wrong version
        p[..10].to_vec(),                        // a cut Ethernet header
    ];
    for f in &frames {
        assert_eq!(from_ethernet(f), Unwrapped::default(), "{f:02x?}");
        assert_eq!(innermost(LinkType::Ethernet, f), Unwrapped::default());
    }
    assert_eq!(from_ip(&[0x50; 20]), Unwrapped::default());
    assert_eq!(innermost(LinkType::RawIp, &[]), Unwrapped::default());
    // Inside a tunnel the same faults are a stop: a cut label stack, the
    // wrong version under MPLS or under a GRE header.
    let stop = |f: &[u8]| from_ethernet(f).stop;
    assert_eq!(
        stop(&eth(0x8847, &[0, 6])),
        Some(Stop::Malformed("MPLS label stack truncated"))
    );
    let version = Some(Stop::Malformed("not the IP version its framing announced"));
    assert_eq!(stop(&eth(0x8847, &[0, 0x06, 0x41, 0x40])), None);
    assert_eq!(stop(&eth(0x8847, &[0, 0, 0x01, 0x40, 0x60])), version);
    let gre_v6 = v4(47, 1, 2, &gre(0, 0x86dd, &[], &p));
    assert_eq!(stop(&eth(0x0800, &gre_v6)), version);
}

#[test]
fn gre_with_every_option() {
    let inner = echo4();
    let g = gre(0xb000, 0x0800, &[0x1234_0000, 5, 7], &inner);
    let p = v4(47, 1, 2, &g);
    let u = from_ip(&p);
    assert_eq!(u.ip, Some(&inner[..]));
    assert_eq!(
        u.path,
        vec![
            outer4(1, 2),
            Layer::Gre {
                version: 0,
                protocol: 0x0800,
                checksum: Some(0x1234),
                key: Some(5),
                sequence: Some(7),
                call_id: None,
            }
        ]
    );
    assert_eq!(u.path[1].to_string(), "GRE key 5 seq 7 csum");
    // Source routes: one entry, then the null entry.
    let g = gre(0x4000, 0x0800, &[0, 0x0800_0004, 0xc000_0201, 0], &inner);
    let u = from_ip(&v4(47, 1, 2, &g)).ip.map(<[u8]>::to_vec);
    assert_eq!(u, Some(inner.clone()));
    // Truncated key: the outer packet is the last reached.
    let p = v4(47, 1, 2, &gre(0x2000, 0x0800, &[], &[0, 0]));
    let u = from_ip(&p);
    assert_eq!(u.ip, Some(&p[..]));
    assert!(u.path.is_empty());
    assert_eq!(u.stop, Some(Stop::Malformed("GRE header truncated")));
    // Other GRE versions are not followed.
    let p = v4(47, 1, 2, &gre(0x2002, 0x880b, &[0, 0], &inner));
    assert_eq!(from_ip(&p).ip, Some(&p[..]));
}

/// PPTP's enhanced GRE (version 1): the key field (payload length, call
/// id), sequence and acknowledgment numbers as the flags say, then PPP
/// with or without address, control and a full protocol field.
#[test]
fn pptp_carries_ppp() {
    let inner = echo4();
    let len = u32::try_from(inner.len() + 4).unwrap() << 16;
    let ppp = [&[0xff, 0x03, 0x00, 0x21][..], &inner].concat();
    // Key, sequence 3, ack 2.
    let p = v4(47, 1, 2, &gre(0x3081, 0x880b, &[len | 7, 3, 2], &ppp));
    let u = from_ip(&p);
    assert_eq!((u.ip, u.stop), (Some(&inner[..]), None));
    assert_eq!(
        u.path[1],
        Layer::Gre {
            version: 1,
            protocol: 0x880b,
            checksum: None,
            key: None,
            sequence: Some(3),
            call_id: Some(7),
        }
    );
    assert_eq!(u.path[1].to_string(), "GRE v1 call 7 seq 3");
    // Ack only; PPP compressed to one protocol byte; IPv6.
    let i6 = v6(58, 10, 20, &ECHO);
    let compressed = [&[0x57][..], &i6].concat();
    let p = v4(47, 1, 2, &gre(0x2081, 0x880b, &[len | 7, 2], &compressed));
    assert_eq!(from_ip(&p).ip, Some(&i6[..]));
    // LCP, or compressed data, ends the walk at the outer packet.
    let lcp = [&[0xff, 0x03, 0xc0, 0x21][..], &inner].concat();
    let p = v4(47, 1, 2, &gre(0x2001, 0x880b, &[len | 7], &lcp));
    let u = from_ip(&p);
    assert_eq!((u.ip, u.stop), (Some(&p[..]), None));
    // Cut inside the key, or inside the sequence number.
    for cut in [6, 10] {
        let g = gre(0x3081, 0x880b, &[len | 7, 3, 2], &ppp);
        let p = v4(47, 1, 2, &g[..cut]);
        assert_eq!(
            from_ip(&p).stop,
            Some(Stop::Malformed("GRE header truncated"))
        );
    }
}

#[test]
fn ip_in_ip_every_way_and_behind_a_segment_routing_header() {
    let i4 = echo4();
    let pkt = v4(4, 1, 2, &i4);
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&i4[..]));
    assert_eq!(u.path[1], Layer::IpInIp { outer: 4, inner: 4 });
    assert_eq!(u.path[1].to_string(), "IPIP");
    let i6 = v6(58, 10, 20, &[128, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(from_ip(&v4(41, 1, 2, &i6)).path[1].proto(), "6in4");
    let pkt = v6(4, 1, 2, &i4);
    let u = from_ip(&pkt);
    assert_eq!((u.ip, u.path[1].proto()), (Some(&i4[..]), "4in6"));
    // 6in6 behind an SRH with two segments, one left.
    let mut srh = vec![41, 4, 4, 1, 1, 0, 0, 0];
    srh.extend_from_slice(&[0xfd; 32]);
    srh.extend_from_slice(&i6);
    let pkt = v6(43, 1, 2, &srh);
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&i6[..]));
    assert_eq!(
        u.path[1],
        Layer::SegmentRouting {
            segments_left: 1,
            segments: 2
        }
    );
    assert_eq!(u.path[2].to_string(), "6in6");
    // The inner version must be the one the protocol number says.
    let p = v4(41, 1, 2, &i4);
    let u = from_ip(&p);
    assert_eq!((u.ip, u.path.len()), (Some(&p[..]), 0));
    assert!(u.stop.is_some());
}

#[test]
fn erspan_types() {
    let frame = eth(0x0800, &echo4());
    // Type I: GRE without a sequence number, no ERSPAN header.
    let pkt = v4(47, 1, 2, &gre(0, 0x88be, &[], &frame));
    let u = from_ip(&pkt);
    assert_eq!(u.path[2].to_string(), "ERSPAN-I");
    assert_eq!(u.ip, Some(&echo4()[..]));
    // Type II, session 100, VLAN 10.
    let mut e = vec![0x10, 0x0a, 0x00, 100, 0, 0, 0, 0];
    e.extend_from_slice(&frame);
    let pkt = v4(47, 1, 2, &gre(0x1000, 0x88be, &[1], &e));
    let u = from_ip(&pkt);
    assert_eq!(
        u.path[2],
        Layer::Erspan {
            version: 2,
            session: Some(100),
            vlan: Some(10),
            platform: None
        }
    );
    assert_eq!(u.ip, Some(&echo4()[..]));
    // Type III with a platform sub-header (platform id 3).
    let mut e = vec![0x20, 0, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, 1];
    e.extend_from_slice(&[3 << 2, 0, 0, 0, 0, 0, 0, 0]);
    e.extend_from_slice(&frame);
    let pkt = v4(47, 1, 2, &gre(0x1000, 0x22eb, &[1], &e));
    let u = from_ip(&pkt);
    assert_eq!(u.path[2].to_string(), "ERSPAN-III session 7 platform 3");
    assert_eq!(u.ip, Some(&echo4()[..]));
    let pkt = v4(47, 1, 2, &gre(0x1000, 0x22eb, &[1], &e[..15]));
    let u = from_ip(&pkt);
    assert_eq!(u.stop, Some(Stop::Malformed("ERSPAN III header truncated")));
    // The version field decides the type, whichever protocol type GRE
    // names; versions other than 1 and 2 are unknown.
    let pkt = v4(47, 1, 2, &gre(0x1000, 0x88be, &[1], &e));
    assert_eq!(
        from_ip(&pkt).path[2].to_string(),
        "ERSPAN-III session 7 platform 3"
    );
    e[0] = 0x30;
    let pkt = v4(47, 1, 2, &gre(0x1000, 0x22eb, &[1], &e));
    let u = from_ip(&pkt);
    assert_eq!(
        (u.ip, u.stop),
        (
            Some(&pkt[..]),
            Some(Stop::Malformed("ERSPAN version unknown"))
        )
    );
}

#[test]
fn udp_tunnels() {
    let frame = eth(0x0800, &echo4());
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
    vx.extend_from_slice(&frame);
    let pkt = v4(17, 1, 2, &udp(4789, &vx));
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(u.path[2], Layer::Vxlan { vni: 42 });
    // Geneve with two options (4 and 8 bytes of data) and an Ethernet payload.
    let mut gn = vec![0x05, 0, 0x65, 0x58, 0, 0, 43, 0];
    gn.extend_from_slice(&[0, 1, 1, 1, 0, 0, 0, 0]);
    gn.extend_from_slice(&[0, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    gn.extend_from_slice(&frame);
    let pkt = v4(17, 1, 2, &udp(6081, &gn));
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(u.path[2].to_string(), "Geneve 43 options 2");
    // An option claiming more than the options hold: counted, and the
    // payload still read where the fixed header puts it (as tshark does).
    gn[19] = 3;
    let pkt = v4(17, 1, 2, &udp(6081, &gn));
    let u = from_ip(&pkt);
    assert_eq!((u.ip, u.stop), (Some(&echo4()[..]), None));
    assert_eq!(u.path[2].to_string(), "Geneve 43 options 2");
    // Options cut by the end of the data are a stop.
    let pkt = v4(17, 1, 2, &udp(6081, &gn[..20]));
    assert_eq!(
        from_ip(&pkt).stop,
        Some(Stop::Malformed("Geneve header truncated"))
    );
    // MPLS over UDP: two labels.
    let mut m = vec![0x00, 0x06, 0x40, 0x40, 0x00, 0x06, 0x51, 0x40];
    m.extend_from_slice(&echo4());
    let pkt = v4(17, 1, 2, &udp(6635, &m));
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(u.path[2].to_string(), "MPLS 100,101");
    // Another port is not a tunnel.
    let p = v4(17, 1, 2, &udp(53, &vx));
    assert_eq!(from_ip(&p).ip, Some(&p[..]));
    // The source port counts too, the lower port first (as tshark picks).
    let mut from_vxlan = udp(50000, &vx);
    from_vxlan[..2].copy_from_slice(&4789u16.to_be_bytes());
    let pkt = v4(17, 1, 2, &from_vxlan);
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(u.path[1].to_string(), "UDP 4789");
    assert_eq!(u.path[2], Layer::Vxlan { vni: 42 });
}

#[test]
fn ethernet_stacks_mpls_and_macsec() {
    let mut tagged = vec![0x00, 0x14, 0x81, 0x00, 0x20, 0x0a, 0x88, 0x47];
    tagged.extend_from_slice(&[0x00, 0x06, 0x41, 0x40]);
    tagged.extend_from_slice(&echo4());
    let pkt = eth(0x88a8, &tagged);
    let u = from_ethernet(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    let names: Vec<String> = u.path.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["S-VLAN 20", "VLAN 10", "MPLS 100"]);
    // MACsec integrity only, with an SCI: followed, the ICV dropped.
    let mut sec = vec![0x20, 0, 0, 0, 0, 9];
    sec.extend_from_slice(&[1, 2, 3, 4, 5, 6, 0, 1]);
    sec.extend_from_slice(&[0x08, 0x00]);
    sec.extend_from_slice(&echo4());
    sec.extend_from_slice(&[0xee; 16]);
    let pkt = eth(0x88e5, &sec);
    let u = from_ethernet(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(
        u.path,
        vec![Layer::Macsec {
            an: 0,
            pn: 9,
            sci: Some(0x0102_0304_0506_0001)
        }]
    );
    sec[0] |= 0x0c; // encrypted
    let pkt = eth(0x88e5, &sec);
    let u = from_ethernet(&pkt);
    assert_eq!((u.ip, u.stop), (None, Some(Stop::Encrypted)));
    assert_eq!(Stop::Encrypted.to_string(), "MACsec encrypted");
}

/// A stack deeper than 16 labels is read to its bottom (tshark reads it
/// all); the layer keeps 16 labels and counts the rest.
#[test]
fn deep_mpls_stacks_are_followed() {
    let label = |n: u32, bottom: bool| (n << 12 | u32::from(bottom) << 8 | 64).to_be_bytes();
    let mut stack: Vec<u8> = (0..20).flat_map(|n| label(100 + n, n == 19)).collect();
    stack.extend_from_slice(&echo4());
    let frame = eth(0x8847, &stack);
    let u = from_ethernet(&frame);
    assert_eq!((u.ip, u.stop), (Some(&echo4()[..]), None));
    let labels: Vec<u32> = (100..116).collect();
    assert_eq!(u.path, [Layer::Mpls { labels, omitted: 4 }]);
    assert!(u.path[0].to_string().ends_with(",115 +4 more"));
    // No bottom of stack before the data ends.
    let cut = eth(0x8847, &stack[..78]);
    assert_eq!(
        from_ethernet(&cut).stop,
        Some(Stop::Malformed("MPLS label stack truncated"))
    );
}

#[test]
fn pim_register() {
    let mut pim = vec![0x21, 0, 0, 0, 0, 0, 0, 0];
    pim.extend_from_slice(&echo4());
    let pkt = v4(103, 1, 2, &pim);
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&echo4()[..]));
    assert_eq!(u.path[1], Layer::PimRegister { null: false });
    let p = v4(103, 1, 2, &pim[..6]);
    assert_eq!(
        from_ip(&p).stop,
        Some(Stop::Malformed("PIM Register truncated"))
    );
}

/// An NHRP packet with an IPv4 NBMA address and IPv4 protocol addresses:
/// the fixed header, the mandatory part (`six`: its bytes after the two
/// address lengths) and `payload`.
fn nhrp(op_type: u8, protocol: u16, six: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let size = u16::try_from(20 + 8 + 12 + payload.len()).unwrap();
    let mut n = vec![0, 1];
    n.extend_from_slice(&protocol.to_be_bytes());
    n.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
    n.extend_from_slice(&size.to_be_bytes());
    n.extend_from_slice(&[0, 0, 0, 0, 1, op_type, 4, 0]);
    n.extend_from_slice(&[4, 4]);
    n.extend_from_slice(&six);
    n.extend_from_slice(&[192, 0, 2, 1, 172, 16, 0, 1, 172, 16, 0, 2]);
    n.extend_from_slice(payload);
    n
}

fn traffic_indication(protocol: u16, payload: &[u8]) -> Vec<u8> {
    nhrp(8, protocol, [0; 6], payload)
}

#[test]
fn nhrp_indications_carry_packets() {
    let inner = echo4();
    let ti = traffic_indication(0x0800, &inner);
    let pkt = v4(47, 1, 2, &gre(0, 0x2001, &[], &ti));
    let u = from_ip(&pkt);
    assert_eq!((u.ip, u.stop), (Some(&inner[..]), None));
    let nhrp_ti = Layer::Nhrp {
        op_type: 8,
        protocol: 0x0800,
        error: None,
    };
    assert_eq!(u.path[2], nhrp_ti);
    assert_eq!(u.path[2].to_string(), "NHRP traffic indication");
    // The NLPID for IPv4.
    let pkt = v4(
        47,
        1,
        2,
        &gre(0, 0x2001, &[], &traffic_indication(0xcc, &inner)),
    );
    assert_eq!(from_ip(&pkt).ip, Some(&inner[..]));
    // An Error Indication (code 6) about a Traffic Indication.
    let ei = nhrp(7, 0x0800, [0, 0, 0, 6, 0, 0], &ti);
    let pkt = v4(47, 1, 2, &gre(0, 0x2001, &[], &ei));
    let u = from_ip(&pkt);
    assert_eq!(u.ip, Some(&inner[..]));
    let nhrp_ei = Layer::Nhrp {
        op_type: 7,
        protocol: 0x0800,
        error: Some(6),
    };
    assert_eq!(u.path[2..], [nhrp_ei.clone(), nhrp_ti]);
    assert_eq!(nhrp_ei.to_string(), "NHRP error indication code 6");
    assert_eq!(nhrp_ei.proto(), "nhrp");
}

#[test]
fn nhrp_packets_carrying_nothing_end_the_walk() {
    // A Resolution Request ends the walk at the outer packet, no reason.
    let pkt = v4(
        47,
        1,
        2,
        &gre(0, 0x2001, &[], &nhrp(1, 0x0800, [0; 6], &[])),
    );
    let u = from_ip(&pkt);
    assert_eq!((u.ip, u.path.len(), u.stop), (Some(&pkt[..]), 0, None));
    // So does a Traffic Indication of a protocol type not followed (an
    // ATM Forum one) or whose mandatory part is empty (extension offset 20).
    let ti = traffic_indication(0x0400, &echo4());
    let pkt = v4(47, 1, 2, &gre(0, 0x2001, &[], &ti));
    assert_eq!(from_ip(&pkt).ip, Some(&pkt[..]));
    let mut ti = traffic_indication(0x0800, &echo4());
    ti[15] = 20;
    let pkt = v4(47, 1, 2, &gre(0, 0x2001, &[], &ti));
    assert_eq!(from_ip(&pkt).ip, Some(&pkt[..]));
}

#[test]
fn truncated_nhrp_is_malformed() {
    let ti = traffic_indication(0x0800, &echo4());
    let stop = |nhrp: &[u8]| from_ip(&v4(47, 1, 2, &gre(0, 0x2001, &[], nhrp))).stop;
    let fixed = Some(Stop::Malformed("NHRP fixed header truncated"));
    let mandatory = Some(Stop::Malformed("NHRP mandatory part truncated"));
    for n in 0..20 {
        assert_eq!(stop(&ti[..n]), fixed, "{n}");
    }
    // The two lengths, six bytes, 4 + 4 + 4 bytes of addresses.
    for n in 20..40 {
        assert_eq!(stop(&ti[..n]), mandatory, "{n}");
    }
    // An NBMA address longer than what is left.
    let mut long = ti.clone();
    long[18] = 63;
    assert_eq!(stop(&long), mandatory);
    // Nothing carried: the inner version check stops it.
    assert_eq!(
        stop(&ti[..40]),
        Some(Stop::Malformed("not the IP version its framing announced"))
    );
    // A packet size below the fixed header's, an extension offset past it.
    for (at, value) in [(11, 19), (15, 0xff)] {
        let mut bad = ti.clone();
        bad[at] = value;
        assert_eq!(
            stop(&bad),
            Some(Stop::Malformed(
                "NHRP packet size or extension offset invalid"
            ))
        );
    }
    // A truncated packet in error inside an Error Indication.
    let ei = nhrp(7, 0x0800, [0, 0, 0, 6, 0, 0], &ti[..10]);
    assert_eq!(stop(&ei), fixed);
}

#[test]
fn depth_is_bounded() {
    let mut p = echo4();
    for _ in 0..20 {
        p = v4(4, 1, 2, &p);
    }
    let u = from_ip(&p);
    assert_eq!(u.stop, Some(Stop::TooDeep));
    assert_eq!(
        u.stop.unwrap().to_string(),
        "more than 16 encapsulation layers"
    );
    assert!(u.path.len() <= MAX_LAYERS + 1);
}

#[test]
fn every_prefix_of_a_deep_stack_is_safe() {
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
    vx.extend_from_slice(&eth(0x8100, &[0, 10, 0x08, 0x00]));
    vx.extend_from_slice(&v4(
        47,
        3,
        4,
        &gre(0x3000, 0x86dd, &[1, 2], &v6(58, 5, 6, &ECHO)),
    ));
    let f = eth(0x0800, &v4(17, 1, 2, &udp(4789, &vx)));
    for n in 0..=f.len() {
        let u = from_ethernet(&f[..n]);
        if let Some(ip) = u.ip {
            assert!(f[..n].as_ptr_range().contains(&ip.as_ptr()) || ip.is_empty());
        }
    }
    let names: Vec<&str> = from_ethernet(&f).path.iter().map(Layer::proto).collect();
    assert_eq!(names, ["ipv4", "udp", "vxlan", "vlan", "ipv4", "gre"]);
}
