//! Packet builders for tests of the decoder (`crates/wire/tests/malformed.rs`,
//! `crates/cli/tests/decode_cli.rs`): valid IPv4/IPv6 + ICMP packets with
//! correct checksums, the datagrams ICMP errors quote and RFC 4884
//! extension objects, so that a test can break exactly one thing. Standard
//! library only, on purpose: they do not use `icmpkit-wire`, whose parsing
//! they check.

/// The outer IPv4 source address.
pub const SRC4: [u8; 4] = [192, 0, 2, 254];
/// The outer IPv4 destination address (also the source of the quoted probe).
pub const DST4: [u8; 4] = [198, 51, 100, 2];
/// The outer IPv6 source address, `2001:db8::1`.
pub const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
/// The outer IPv6 destination address, `2001:db8::2` (also the source of the
/// quoted probe).
pub const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// The Internet checksum (RFC 1071) of `chunks` taken as one byte string
/// (every chunk but the last has an even length).
pub fn inet_checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap()
}

/// `n` as a big-endian 16-bit field.
pub fn be16(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap().to_be_bytes()
}

/// An ICMP message: type, code, checksum 0 (filled by the IP wrapper), the
/// four rest-of-header bytes and the body.
pub fn icmp(msg_type: u8, code: u8, rest: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type, code, 0, 0];
    m.extend_from_slice(&rest);
    m.extend_from_slice(body);
    m
}

/// An IPv4 header (IHL 5 plus `options`, id 0x1234, DF, TTL 64, protocol
/// `proto`) with its header checksum, then `payload`.
pub fn ipv4_with_options(proto: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    assert!(options.len().is_multiple_of(4) && options.len() <= 40);
    let header_len = 20 + options.len();
    let ihl = u8::try_from(header_len / 4).unwrap();
    let mut p = vec![0x40 | ihl, 0];
    p.extend_from_slice(&be16(header_len + payload.len()));
    p.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, 64, proto, 0, 0]);
    p.extend_from_slice(&SRC4);
    p.extend_from_slice(&DST4);
    p.extend_from_slice(options);
    let sum = inet_checksum(&[&p]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// Fills the ICMPv4 checksum of `message` (when it has a checksum field).
pub fn fill_v4_checksum(message: &mut [u8]) {
    if message.len() >= 4 {
        message[2..4].fill(0);
        let sum = inet_checksum(&[message]);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
    }
}

/// An ICMPv4 message in an IPv4 packet, the ICMP checksum filled.
pub fn v4(message: Vec<u8>) -> Vec<u8> {
    v4_with_options(&[], message)
}

/// An ICMPv4 message in an IPv4 packet whose header carries `options`,
/// both checksums filled.
pub fn v4_with_options(options: &[u8], mut message: Vec<u8>) -> Vec<u8> {
    fill_v4_checksum(&mut message);
    ipv4_with_options(1, options, &message)
}

/// 40 bytes of IPv4 options, the most a header holds: Record Route (type 7,
/// length 39, pointer 4, nine empty slots) and End of Option List.
pub fn record_route_options() -> Vec<u8> {
    let mut options = vec![7, 39, 4];
    options.resize(39, 0);
    options.push(0);
    options
}

/// The fixed IPv6 header (hop limit 64) for `payload_len` bytes starting
/// with `next_header`.
pub fn ipv6_header(next_header: u8, payload_len: usize) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&be16(payload_len));
    p.extend_from_slice(&[next_header, 64]);
    p.extend_from_slice(&SRC6);
    p.extend_from_slice(&DST6);
    p
}

/// Fills the ICMPv6 checksum of `message` over the pseudo-header (RFC 8200
/// §8.1) and the message (when it has a checksum field).
pub fn fill_v6_checksum(message: &mut [u8]) {
    if message.len() >= 4 {
        message[2..4].fill(0);
        let len = u32::try_from(message.len()).unwrap().to_be_bytes();
        let sum = inet_checksum(&[&SRC6, &DST6, &len, &[0, 0, 0, 58], message]);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
    }
}

/// An ICMPv6 message in an IPv6 packet, the checksum filled.
pub fn v6(mut message: Vec<u8>) -> Vec<u8> {
    fill_v6_checksum(&mut message);
    let mut p = ipv6_header(58, message.len());
    p.extend_from_slice(&message);
    p
}

/// The datagram an ICMPv4 error quotes: an IPv4 header (TTL 1, id 0xabcd)
/// and 8 bytes of UDP (198.51.100.2:33434 → 203.0.113.9:33435, as
/// traceroute sends).
pub fn quoted_udp_v4() -> Vec<u8> {
    let mut q = vec![0x45, 0, 0, 28, 0xab, 0xcd, 0, 0, 1, 17, 0, 0];
    q.extend_from_slice(&DST4);
    q.extend_from_slice(&[203, 0, 113, 9]);
    let sum = inet_checksum(&[&q]);
    q[10..12].copy_from_slice(&sum.to_be_bytes());
    q.extend_from_slice(&[0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0]);
    q
}

/// The datagram an ICMPv6 error quotes: an IPv6 header and 8 bytes of UDP.
pub fn quoted_udp_v6() -> Vec<u8> {
    let mut q = vec![0x60, 0, 0, 0, 0, 8, 17, 1];
    q.extend_from_slice(&DST6);
    q.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    q.extend_from_slice(&[0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0]);
    q
}

/// An RFC 4884 extension structure: version-2 header with its checksum,
/// then `objects` (already framed).
pub fn extension_structure(objects: &[u8]) -> Vec<u8> {
    let mut e = vec![0x20, 0, 0, 0];
    e.extend_from_slice(objects);
    let sum = inet_checksum(&[&e]);
    e[2..4].copy_from_slice(&sum.to_be_bytes());
    e
}

/// An extension object: header (length counting it, class-num, c-type) and
/// payload.
pub fn object(class_num: u8, c_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut o = be16(4 + payload.len()).to_vec();
    o.extend_from_slice(&[class_num, c_type]);
    o.extend_from_slice(payload);
    o
}

/// An ICMPv4 Time Exceeded (TTL) quoting a UDP probe padded to 128 bytes
/// (length attribute 32 words) and carrying `objects` after the extension
/// header.
pub fn time_exceeded_with_objects(objects: &[u8]) -> Vec<u8> {
    let mut body = quoted_udp_v4();
    body.resize(128, 0);
    body.extend_from_slice(&extension_structure(objects));
    v4(icmp(11, 0, [0, 32, 0, 0], &body))
}

/// An ICMPv6 Neighbor Solicitation for `fe80::1` whose Source Link-Layer
/// Address option has length 0: RFC 4861 §4.6 says discard the packet.
pub fn neighbor_solicitation_with_zero_length_option() -> Vec<u8> {
    let mut body = vec![0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    body.extend_from_slice(&[1, 0, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01]);
    v6(icmp(135, 0, [0; 4], &body))
}

/// An RDNSS option (lifetime 3600) of length 2: 16 bytes, even, so no whole
/// address (RFC 8106 §5.1 wants an odd length of at least 3).
pub const RDNSS_OF_LENGTH_2: [u8; 16] = [
    25, 2, 0, 0, 0, 0, 0x0e, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
];

/// A good MTU option: 1500.
pub const MTU_1500: [u8; 8] = [5, 1, 0, 0, 0, 0, 0x05, 0xdc];

/// An ICMPv6 Router Advertisement (hop limit 64, no flags, lifetime 1800,
/// reachable time and retransmission timer 0) carrying `options`.
pub fn router_advertisement(options: &[u8]) -> Vec<u8> {
    let mut body = vec![0, 0, 0, 0, 0, 0, 0, 0];
    body.extend_from_slice(options);
    v6(icmp(134, 0, [64, 0, 0x07, 0x08], &body))
}

/// An IPv6 packet whose `count` Destination Options headers (8 bytes each,
/// a `PadN` option) lead to a valid ICMPv6 Echo Request.
pub fn echo_request_behind_destination_options(count: usize) -> Vec<u8> {
    let mut echo = icmp(128, 0, [0, 1, 0, 1], b"ping");
    fill_v6_checksum(&mut echo);
    let mut payload = Vec::new();
    for i in 0..count {
        let next = if i + 1 == count { 58 } else { 60 };
        payload.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    }
    payload.extend_from_slice(&echo);
    let mut packet = ipv6_header(if count == 0 { 58 } else { 60 }, payload.len());
    packet.extend_from_slice(&payload);
    packet
}

/// A little-endian microsecond pcap of raw IP (link type 101), snap length
/// 65535, with `records` as (included bytes, original length) pairs, one a
/// second from 1,700,000,000.25.
pub fn pcap(records: &[(&[u8], u32)]) -> Vec<u8> {
    let mut f = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&101u32.to_le_bytes());
    for (i, (data, orig_len)) in records.iter().enumerate() {
        f.extend_from_slice(&(1_700_000_000 + u32::try_from(i).unwrap()).to_le_bytes());
        f.extend_from_slice(&250_000u32.to_le_bytes());
        f.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        f.extend_from_slice(&orig_len.to_le_bytes());
        f.extend_from_slice(data);
    }
    f
}

/// An ICMPv4 message from `src` to `dst` in an IPv4 packet (TTL 64, DF),
/// both checksums filled.
pub fn v4_between(src: [u8; 4], dst: [u8; 4], mut message: Vec<u8>) -> Vec<u8> {
    fill_v4_checksum(&mut message);
    let mut p = ipv4_with_options(1, &[], &message);
    p[12..16].copy_from_slice(&src);
    p[16..20].copy_from_slice(&dst);
    p[10..12].fill(0);
    let sum = inet_checksum(&[&p[..20]]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p
}

/// An ICMPv6 message from `src` to `dst` in an IPv6 packet with hop limit
/// `hop_limit`, the checksum filled.
pub fn v6_between(src: [u8; 16], dst: [u8; 16], hop_limit: u8, mut message: Vec<u8>) -> Vec<u8> {
    if message.len() >= 4 {
        message[2..4].fill(0);
        let len = u32::try_from(message.len()).unwrap().to_be_bytes();
        let sum = inet_checksum(&[&src, &dst, &len, &[0, 0, 0, 58], &message]);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    let mut p = ipv6_header(58, message.len());
    p[7] = hop_limit;
    p[8..24].copy_from_slice(&src);
    p[24..40].copy_from_slice(&dst);
    p.extend_from_slice(&message);
    p
}

/// An echo request (ICMPv4 type 8) or reply (type 0) message with
/// identifier `ident`, sequence number `seq` and `data`.
pub fn echo_v4(reply: bool, ident: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let [i0, i1] = ident.to_be_bytes();
    let [s0, s1] = seq.to_be_bytes();
    icmp(if reply { 0 } else { 8 }, 0, [i0, i1, s0, s1], data)
}

/// `packet` (IPv4) with its header changed by `edit` (TTL, TOS, flags,
/// protocol...) and the header checksum filled again.
pub fn v4_edited(mut packet: Vec<u8>, edit: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let header_len = usize::from(packet[0] & 0x0f) * 4;
    edit(&mut packet[..header_len]);
    packet[10..12].fill(0);
    let sum = inet_checksum(&[&packet[..header_len]]);
    packet[10..12].copy_from_slice(&sum.to_be_bytes());
    packet
}
