use std::net::{IpAddr, Ipv4Addr};

use icmpkit_wire::{icmpv4, ipv4, udp};

use super::{hops, quoted_datagram, resume_pmtu};

fn addr(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn hop_lines_give_their_addresses_by_hop_number() {
    let text = "traceroute to 198.51.100.2 (198.51.100.2), 6 hops max, 60 byte packets
 1  192.0.2.254  0.204 ms
 2  203.0.113.2  0.166 ms
 3  203.0.113.10  0.149 ms 203.0.113.6  0.2 ms
 4  *
 5  198.51.100.2  0.069 ms !F-1280
";
    assert_eq!(
        hops(text),
        [
            vec![addr("192.0.2.254")],
            vec![addr("203.0.113.2")],
            vec![addr("203.0.113.10"), addr("203.0.113.6")],
            vec![],
            vec![addr("198.51.100.2")],
        ]
    );
    assert_eq!(hops("no hops here\n"), Vec::<Vec<IpAddr>>::new());
}

#[test]
fn tracepaths_resume_line_gives_the_pmtu() {
    let good = " 5:  198.51.100.2   0.012ms reached\n     Resume: pmtu 1280 hops 5 back 5 \n";
    assert_eq!(resume_pmtu(good), Some(1280));
    let lost = " 5:  no reply\n     Too many hops: pmtu 1500\n     Resume: pmtu 1500 \n";
    assert_eq!(resume_pmtu(lost), Some(1500));
    assert_eq!(resume_pmtu(" 1?: [LOCALHOST] pmtu 1500\n"), None);
}

#[test]
fn the_quoted_datagram_is_an_ipv4_header_and_a_udp_header() {
    let src = Ipv4Addr::new(192, 0, 2, 2);
    let dst = Ipv4Addr::new(198, 51, 100, 2);
    let bytes = quoted_datagram(src, dst);
    let ip = ipv4::Packet::new_checked(&bytes[..]).unwrap();
    assert!(ip.verify_checksum());
    let repr = ipv4::Repr::parse(&ip).unwrap();
    assert_eq!(
        (repr.src_addr, repr.dst_addr, repr.payload_len),
        (src, dst, 8)
    );
    let datagram = udp::Packet::new_checked(&bytes[ipv4::HEADER_LEN..]).unwrap();
    assert_eq!(datagram.dst_port(), 33434);
    // And it parses as the quote of an error.
    let redirect = icmpv4::Repr::SourceQuench { original: &bytes };
    let mut buf = vec![0; redirect.buffer_len()];
    redirect.emit(&mut icmpv4::Packet::new_unchecked(&mut buf[..]));
    assert_eq!(icmpv4::Repr::parse_bytes(&buf).unwrap(), redirect);
}
