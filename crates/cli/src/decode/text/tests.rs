use super::*;

use icmpkit_lab::packets;
use icmpkit_wire::dissect;

/// Renders `ips` one after the other with one `Text`, as `decode` does.
fn render(ips: &[Vec<u8>]) -> String {
    let mut text = Text::default();
    let mut out = Vec::new();
    for (i, ip) in ips.iter().enumerate() {
        let d = dissect::dissect(ip).expect("an ICMP packet");
        let packet = Packet {
            frame: i as u64 + 1,
            time: None,
            ip,
            encap: &[],
            fragments: &[],
            reassembly: None,
            time_column: "",
            link: super::super::pairing::Link::default(),
        };
        text.packet(&mut out, &packet, &d).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn echo_request() -> Vec<u8> {
    packets::v4(packets::icmp(8, 0, [0x12, 0x34, 0, 7], b"icmpkit!"))
}

fn time_exceeded_with_labels() -> Vec<u8> {
    let label = (16_u32 << 12 | 1 << 8 | 1).to_be_bytes();
    packets::time_exceeded_with_objects(&packets::object(1, 1, &label))
}

#[test]
fn a_line_after_a_longer_one_holds_nothing_of_it() {
    let lines = render(&[time_exceeded_with_labels(), echo_request()]);
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        "    1 192.0.2.254 → 198.51.100.2 ICMP Time-to-live exceeded (Time to live exceeded in transit) \
         [UDP 198.51.100.2:33434 → 203.0.113.9:33435 ttl=1 ip_id=0xabcd] [MPLS: Lbl 16 TC 0 S 1 TTL 1]"
    );
    assert_eq!(
        lines[1],
        "    2 192.0.2.254 → 198.51.100.2 ICMP Echo (ping) request id=4660 seq=7"
    );
}

#[test]
fn a_quoted_ipv6_datagram_has_its_endpoints_in_brackets() {
    let unreachable = packets::v6(packets::icmp(1, 4, [0; 4], &packets::quoted_udp_v6()));
    assert_eq!(
        render(&[unreachable]),
        "    1 2001:db8::1 → 2001:db8::2 ICMPv6 Destination Unreachable (Port unreachable) \
         [UDP [2001:db8::2]:33434 → [2001:db8::9]:33435 ttl=1]\n"
    );
}

#[test]
fn values_are_written_as_compact_text() {
    let mut s = String::new();
    push_value(
        &mut s,
        &serde_json::json!([null, true, 1500, "eth\u{1b}0", {"object": "mtu", "mtu": 1280, "name": null}]),
    );
    assert_eq!(s, "[-, true, 1500, eth\\x1b0, mtu mtu=1280]");
}
