//! Malformed input through `dissect`: every case builds a valid IPv4/IPv6 +
//! ICMP packet with correct checksums, breaks one thing, and asserts the
//! exact reason a person reads (the `Display` text of `Malformed`), never a
//! panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_wire::Malformed;
use icmpkit_wire::dissect::{ChecksumStatus, Dissection, Message, dissect};
use icmpkit_wire::extension::Object;
use icmpkit_wire::icmpv4;
use icmpkit_wire::icmpv6::{self, ndp::NdpOption};
use icmpkit_wire::ip::IpVersion;

use icmpkit_lab::packets::{
    DST4, MTU_1500, RDNSS_OF_LENGTH_2, SRC4, SRC6, echo_request_behind_destination_options, icmp,
    neighbor_solicitation_with_zero_length_option, object, quoted_udp_v4, quoted_udp_v6,
    record_route_options, router_advertisement, time_exceeded_with_objects, v4, v4_with_options,
    v6,
};

// ---------------------------------------------------------------- helpers

fn dissected(packet: &[u8]) -> Dissection<'_> {
    dissect(packet).expect("the packet carries ICMP")
}

fn reason(m: &Malformed) -> String {
    m.to_string()
}

/// The message-level reason of a packet that must not parse.
fn message_reason(packet: &[u8]) -> String {
    match dissected(packet).message {
        Ok(m) => panic!("parsed, but should be malformed: {m:?}"),
        Err(e) => reason(&e),
    }
}

/// The reason of the quote, which must be malformed while the message is fine.
fn quote_reason(packet: &[u8]) -> String {
    let d = dissected(packet);
    assert!(d.message.is_ok(), "message: {:?}", d.message);
    match d.quote() {
        Some(Err(e)) => reason(&e),
        other => panic!("quote should be malformed: {other:?}"),
    }
}

/// The objects of a packet's extension structure (which must be present
/// and have a good header), each as `Ok(class-num)` or `Err(reason)`.
fn objects(packet: &[u8]) -> Vec<Result<u8, String>> {
    let d = dissected(packet);
    assert!(d.message.is_ok(), "message: {:?}", d.message);
    assert!(matches!(d.quote(), Some(Ok(_))), "quote: {:?}", d.quote());
    let ext = d.extension().expect("an extension").expect("a good header");
    ext.objects()
        .map(|o| o.map(|o| o.class_num()).map_err(|e| reason(&e)))
        .collect()
}

// ------------------------------------------------------------- the builder

#[test]
fn builder_makes_valid_packets() {
    let packet = v4(icmp(8, 0, [0x12, 0x34, 0, 1], b"abcdefgh"));
    let d = dissected(&packet);
    assert_eq!(d.version, IpVersion::V4);
    assert_eq!(d.src, IpAddr::V4(Ipv4Addr::from(SRC4)));
    assert_eq!(d.dst, IpAddr::V4(Ipv4Addr::from(DST4)));
    assert_eq!(d.hop_limit, 64);
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert!(!d.truncated);
    assert_eq!(
        d.message,
        Ok(Message::V4(icmpv4::Repr::EchoRequest {
            ident: 0x1234,
            seq_no: 1,
            data: b"abcdefgh"
        }))
    );

    let packet = v6(icmp(128, 0, [0x12, 0x34, 0, 1], b"abcdefgh"));
    let d = dissected(&packet);
    assert_eq!(d.version, IpVersion::V6);
    assert_eq!(d.src, IpAddr::V6(Ipv6Addr::from(SRC6)));
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert!(matches!(
        d.message,
        Ok(Message::V6(icmpv6::Repr::EchoRequest {
            ident: 0x1234,
            seq_no: 1,
            ..
        }))
    ));

    // A port unreachable quoting the UDP probe: quote read, no extension.
    let packet = v4(icmp(3, 3, [0; 4], &quoted_udp_v4()));
    let d = dissected(&packet);
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    let q = d.quote().unwrap().unwrap();
    assert_eq!(q.ip.dst(), IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
    assert!(d.extension().is_none());

    // A Time Exceeded with one good MPLS object.
    let mpls = object(1, 1, &[0x00, 0x01, 0x01, 0x01]);
    let packet = time_exceeded_with_objects(&mpls);
    assert_eq!(objects(&packet), vec![Ok(1)]);
    assert_eq!(dissected(&packet).checksum_status, ChecksumStatus::Valid);
}

// ----------------------------------------------------- ICMP header too short

#[test]
fn icmpv4_shorter_than_8_bytes() {
    for len in 0..8 {
        let message = icmp(8, 0, [0x12, 0x34, 0, 1], &[])[..len].to_vec();
        let packet = v4(message);
        let d = dissected(&packet);
        assert_eq!(
            reason(&d.message.unwrap_err()),
            format!("ICMPv4 header truncated: needs 8 bytes, only {len} present")
        );
        assert_eq!(d.msg_type(), (len >= 1).then_some(8));
        // The checksum covers bytes: checked as soon as its field is there.
        let status = if len >= 4 {
            ChecksumStatus::Valid
        } else {
            ChecksumStatus::Unverified
        };
        assert_eq!(d.checksum_status, status);
        assert!(d.quote().is_none() && d.extension().is_none());
    }
}

#[test]
fn icmpv6_shorter_than_8_bytes() {
    for len in 0..8 {
        let message = icmp(128, 0, [0x12, 0x34, 0, 1], &[])[..len].to_vec();
        let packet = v6(message);
        let d = dissected(&packet);
        assert_eq!(
            reason(&d.message.unwrap_err()),
            format!("ICMPv6 header truncated: needs 8 bytes, only {len} present")
        );
        assert_eq!(d.msg_type(), (len >= 1).then_some(128));
        let status = if len >= 4 {
            ChecksumStatus::Valid
        } else {
            ChecksumStatus::Unverified
        };
        assert_eq!(d.checksum_status, status);
    }
}

// ------------------------------------------------------- outer IPv4 header

#[test]
fn ipv4_ihl_below_5() {
    for ihl in 0..5u8 {
        let mut packet = v4(icmp(8, 0, [0, 1, 0, 1], b"data"));
        packet[0] = 0x40 | ihl;
        let d = dissected(&packet);
        assert_eq!(
            reason(&d.message.unwrap_err()),
            format!("IPv4 header: IHL {ihl} is below the minimum of 5")
        );
        // The addresses are still shown; nothing of ICMP is claimed.
        assert_eq!(d.src, IpAddr::V4(Ipv4Addr::from(SRC4)));
        assert_eq!(d.msg_type(), None);
    }
}

#[test]
fn ipv4_ihl_past_the_end_of_the_packet() {
    // 20-byte header + 8-byte echo = 28 bytes; IHL 15 claims 60.
    let mut packet = v4(icmp(8, 0, [0, 1, 0, 1], &[]));
    assert_eq!(packet.len(), 28);
    packet[0] = 0x4f;
    assert_eq!(
        message_reason(&packet),
        "IPv4 header: IHL claims 60 bytes but only 28 are present"
    );
    // IHL 8 (32 bytes) with the total length saying 28.
    packet[0] = 0x48;
    assert_eq!(
        message_reason(&packet),
        "IPv4 header: IHL claims 32 bytes but only 28 are present"
    );
}

#[test]
fn ipv4_header_with_40_bytes_of_options_decodes() {
    let packet = v4_with_options(
        &record_route_options(),
        icmp(8, 0, [0xbe, 0xef, 0, 7], b"0123456789abcdef"),
    );
    assert_eq!(packet[0], 0x4f);
    assert_eq!(packet.len(), 60 + 24);
    let d = dissected(&packet);
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert!(!d.truncated);
    assert_eq!(d.icmp.len(), 24);
    assert_eq!(
        d.message,
        Ok(Message::V4(icmpv4::Repr::EchoRequest {
            ident: 0xbeef,
            seq_no: 7,
            data: b"0123456789abcdef"
        }))
    );
}

// ------------------------------------------------------------ the quote

#[test]
fn quoted_ipv4_header_with_ihl_15_but_20_bytes_quoted() {
    let mut quote = quoted_udp_v4()[..20].to_vec();
    quote[0] = 0x4f;
    let packet = v4(icmp(3, 1, [0; 4], &quote));
    assert_eq!(
        quote_reason(&packet),
        "quoted IPv4 header: IHL claims 60 bytes but only 20 are present"
    );
}

#[test]
fn ipv6_header_quoted_inside_icmpv4() {
    let packet = v4(icmp(3, 3, [0; 4], &quoted_udp_v6()));
    assert_eq!(
        quote_reason(&packet),
        "quoted IPv4 header: version 6 is not 4: an IPv6 header quoted inside ICMPv4"
    );
}

// ------------------------------------------------- RFC 4884 length attribute

#[test]
fn rfc4884_length_attribute_past_the_end_v4() {
    // Byte 5 of Destination Unreachable, Time Exceeded and Parameter
    // Problem: 32 words = 128 bytes, but only the 28-byte quote follows.
    for (msg_type, code, rest) in [
        (3u8, 3u8, [0, 32, 0, 0]),
        (11, 0, [0, 32, 0, 0]),
        (12, 0, [20, 32, 0, 0]),
    ] {
        let packet = v4(icmp(msg_type, code, rest, &quoted_udp_v4()));
        let d = dissected(&packet);
        assert_eq!(d.checksum_status, ChecksumStatus::Valid, "type {msg_type}");
        assert_eq!(
            reason(&d.message.unwrap_err()),
            "RFC 4884 original datagram: length attribute claims 128 bytes but only 28 are present",
            "type {msg_type}"
        );
    }
}

#[test]
fn rfc4884_length_attribute_past_the_end_v6() {
    // Byte 4 of ICMPv6 Destination Unreachable and Time Exceeded: 16
    // 64-bit words = 128 bytes, but only the 48-byte quote follows.
    for msg_type in [1u8, 3] {
        let packet = v6(icmp(msg_type, 0, [16, 0, 0, 0], &quoted_udp_v6()));
        let d = dissected(&packet);
        assert_eq!(d.checksum_status, ChecksumStatus::Valid, "type {msg_type}");
        assert_eq!(
            reason(&d.message.unwrap_err()),
            "RFC 4884 original datagram: length attribute claims 128 bytes but only 48 are present",
            "type {msg_type}"
        );
    }
}

// ------------------------------------------------------- extension objects

#[test]
fn extension_object_lengths_below_the_header() {
    for len in 0..4u8 {
        let packet = time_exceeded_with_objects(&[0, len, 1, 1]);
        assert_eq!(
            objects(&packet),
            vec![Err(format!(
                "ICMP extension object: length {len} is below the 4-byte object header"
            ))]
        );
    }
    // After a good object, the bad one is still reported.
    let mut two = object(1, 1, &[0x00, 0x01, 0x01, 0x01]);
    two.extend_from_slice(&[0, 2, 1, 1]);
    assert_eq!(
        objects(&time_exceeded_with_objects(&two)),
        vec![
            Ok(1),
            Err("ICMP extension object: length 2 is below the 4-byte object header".to_owned())
        ]
    );
}

#[test]
fn extension_object_length_overruns() {
    // Claims 100 bytes; the object header and 4 bytes are all there is.
    let packet = time_exceeded_with_objects(&[0, 100, 1, 1, 0x00, 0x01, 0x01, 0x01]);
    assert_eq!(
        objects(&packet),
        vec![Err(
            "ICMP extension object: length claims 100 bytes but only 8 are present".to_owned()
        )]
    );
}

/// An RFC 5837 Interface Information object (incoming interface) with only
/// the name sub-object (c-type bit 6).
fn interface_name_object(sub_object: &[u8]) -> Vec<u8> {
    object(2, 0x02, sub_object)
}

#[test]
fn rfc5837_name_sub_object_of_length_0() {
    let packet = time_exceeded_with_objects(&interface_name_object(&[0, b'e', b't', b'h']));
    assert_eq!(
        objects(&packet),
        vec![Err(
            "RFC 5837 interface name sub-object: length 0 is not allowed: \
             the length counts its own octet and is a multiple of 4"
                .to_owned()
        )]
    );
}

#[test]
fn rfc5837_name_sub_object_length_not_a_multiple_of_4() {
    let packet = time_exceeded_with_objects(&interface_name_object(&[
        5, b'e', b't', b'h', b'0', 0, 0, 0,
    ]));
    assert_eq!(
        objects(&packet),
        vec![Err(
            "RFC 5837 interface name sub-object: length 5 is not a multiple of 4".to_owned()
        )]
    );
}

#[test]
fn rfc5837_name_sub_object_over_64() {
    // A 64-byte name: length octet 68 (a multiple of 4, all present).
    let mut sub = vec![68];
    sub.extend_from_slice(&[b'x'; 64]);
    sub.extend_from_slice(&[0; 3]);
    let packet = time_exceeded_with_objects(&interface_name_object(&sub));
    assert_eq!(
        objects(&packet),
        vec![Err(
            "RFC 5837 interface name sub-object: length 68 exceeds the maximum of 64".to_owned()
        )]
    );
    // The largest allowed: 63 bytes of name in 64.
    let mut sub = vec![64];
    sub.extend_from_slice(&[b'x'; 63]);
    let d_packet = time_exceeded_with_objects(&interface_name_object(&sub));
    let d = dissected(&d_packet);
    let ext = d.extension().unwrap().unwrap();
    match ext.objects().next() {
        Some(Ok(Object::InterfaceInformation(info))) => {
            assert_eq!(info.name, Some(&[b'x'; 63][..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mpls_object_payload_not_a_multiple_of_4() {
    for payload_len in [1usize, 2, 3, 5, 6, 7] {
        let payload = vec![0x11; payload_len];
        let packet = time_exceeded_with_objects(&object(1, 1, &payload));
        assert_eq!(
            objects(&packet),
            vec![Err(format!(
                "MPLS label stack object: payload length {payload_len} \
                 is not a multiple of the 4-byte label stack entry"
            ))]
        );
    }
}

// --------------------------------------------------------------- NDP options

#[test]
fn ndp_option_of_length_0_in_neighbour_solicitation() {
    // Target fe80::1, then a Source Link-Layer Address option whose length
    // is 0: RFC 4861 §4.6 says discard the packet.
    let packet = neighbor_solicitation_with_zero_length_option();
    let d = dissected(&packet);
    assert_eq!(d.checksum_status, ChecksumStatus::Valid);
    assert_eq!(
        reason(&d.message.unwrap_err()),
        "NDP option: length 0 is not allowed: the packet must be discarded (RFC 4861 §4.6)"
    );
}

#[test]
fn rdnss_option_of_even_length_in_router_advertisement() {
    // Hop limit 64, no flags, lifetime 1800, reachable/retrans 0; then an
    // RDNSS option of length 2 (16 bytes: even, so no whole address), then
    // a good MTU option.
    let packet = router_advertisement(&[RDNSS_OF_LENGTH_2.as_slice(), &MTU_1500].concat());
    let d = dissected(&packet);
    let Ok(Message::V6(icmpv6::Repr::RouterAdvertisement(ra))) = d.message else {
        panic!("{:?}", d.message);
    };
    let options: Vec<_> = ra
        .options
        .into_iter()
        .map(|o| o.map_err(|e| reason(&e)))
        .collect();
    assert_eq!(
        options,
        vec![
            Err("NDP option: length 2 is not odd and at least 3 \
                 as an RDNSS option needs (RFC 8106 §5.1)"
                .to_owned()),
            Ok(NdpOption::Mtu(1500)),
        ]
    );
}

// ------------------------------------------------ IPv6 extension-header chain

#[test]
fn ipv6_chain_of_100_extension_headers() {
    // 100 Destination Options headers (8 bytes each, a PadN option), the
    // last one leading to a valid ICMPv6 echo request.
    let packet = echo_request_behind_destination_options(100);
    let d = dissected(&packet);
    assert_eq!(d.version, IpVersion::V6);
    assert_eq!(d.msg_type(), None);
    assert_eq!(
        reason(&d.message.unwrap_err()),
        "more than 16 IPv6 extension headers: refusing to walk further"
    );
}

// ------------------------------------------------------ checksum and capture

#[test]
fn bad_icmp_checksum_is_decoded_and_reported() {
    let mut packet = v4(icmp(8, 0, [0x12, 0x34, 0, 1], b"abcdefgh"));
    packet[22] ^= 0xff;
    let d = dissected(&packet);
    assert_eq!(d.checksum_status, ChecksumStatus::Invalid);
    assert!(matches!(
        d.message,
        Ok(Message::V4(icmpv4::Repr::EchoRequest { ident: 0x1234, .. }))
    ));

    let mut packet = v6(icmp(129, 0, [0x12, 0x34, 0, 1], b"abcdefgh"));
    packet[43] ^= 0x01;
    let d = dissected(&packet);
    assert_eq!(d.checksum_status, ChecksumStatus::Invalid);
    assert!(d.message.is_ok());
}

#[test]
fn capture_cut_by_snaplen_leaves_the_checksum_unverified() {
    let full = v4(icmp(8, 0, [0x12, 0x34, 0, 1], &[0x5a; 56]));
    let cut = &full[..40];
    let d = dissected(cut);
    assert!(d.truncated);
    assert_eq!(d.checksum_status, ChecksumStatus::Unverified);
    assert_eq!(d.icmp.len(), 20);
    assert!(matches!(
        d.message,
        Ok(Message::V4(icmpv4::Repr::EchoRequest { data, .. })) if data.len() == 12
    ));

    let full = v6(icmp(128, 0, [0x12, 0x34, 0, 1], &[0x5a; 56]));
    let d = dissected(&full[..60]);
    assert!(d.truncated);
    assert_eq!(d.checksum_status, ChecksumStatus::Unverified);
    assert!(d.message.is_ok());
}

// ---------------------------------------------------------- never a panic

/// Every prefix of every packet above, and every single-byte corruption of
/// a few, is dissected without a panic.
#[test]
fn no_panic_on_prefixes_and_corruptions() {
    let mut name = vec![68];
    name.extend_from_slice(&[b'x'; 67]);
    let packets = [
        v4(icmp(8, 0, [0x12, 0x34, 0, 1], b"abcdefgh")),
        v4(icmp(3, 3, [0, 32, 0, 0], &quoted_udp_v4())),
        v4(icmp(3, 3, [0; 4], &quoted_udp_v6())),
        time_exceeded_with_objects(&object(1, 1, &[0, 1, 1, 1])),
        time_exceeded_with_objects(&interface_name_object(&name)),
        time_exceeded_with_objects(&object(2, 0x0f, &[0; 12])),
        time_exceeded_with_objects(&object(3, 2, &[0, 1, 4, 0, 10, 0, 0, 1])),
        v6(icmp(1, 4, [16, 0, 0, 0], &quoted_udp_v6())),
        v6(icmp(135, 0, [0; 4], &[0; 24])),
        v6(icmp(
            134,
            0,
            [64, 0, 0, 0],
            &[0, 0, 0, 0, 0, 0, 0, 0, 25, 3],
        )),
    ];
    for packet in &packets {
        for len in 0..=packet.len() {
            let _ = dissect(&packet[..len]).map(|d| exercise(&d));
        }
        for at in 0..packet.len() {
            for value in [0x00, 0x01, 0x04, 0x0f, 0x45, 0x60, 0x80, 0xff] {
                let mut bad = packet.clone();
                bad[at] = value;
                let _ = dissect(&bad).map(|d| exercise(&d));
            }
        }
        // Random multi-byte corruptions (xorshift, fixed seed).
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state >> 32).unwrap()
        };
        for _ in 0..2000 {
            let mut bad = packet.clone();
            for _ in 0..=(next() % 4) {
                let at = next() % bad.len();
                bad[at] = u8::try_from(next() & 0xff).unwrap();
            }
            bad.truncate(next() % (bad.len() + 1));
            let _ = dissect(&bad).map(|d| exercise(&d));
        }
    }
}

/// Walks everything a dissection offers, formatting every reason.
fn exercise(d: &Dissection<'_>) {
    if let Err(e) = &d.message {
        let _ = e.to_string();
    }
    if let Some(Err(e)) = &d.quote() {
        let _ = e.to_string();
    }
    if let Some(Ok(ext)) = &d.extension() {
        for o in ext.objects() {
            let _ = format!("{o:?}");
        }
    }
    if let Ok(Message::V6(
        icmpv6::Repr::RouterAdvertisement(icmpv6::ndp::RouterAdvertisement { options, .. })
        | icmpv6::Repr::NeighborSolicitation { options, .. },
    )) = d.message
    {
        for o in options {
            let _ = format!("{o:?}");
        }
    }
}
