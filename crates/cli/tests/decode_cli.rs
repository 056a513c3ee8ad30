//! The real `icmpkit` binary on bad input: malformed packets (given as hex
//! or in a pcap written here), damaged and non-capture files, bad arguments;
//! and its JSON on the kernel corpus. Every malformed case asserts the exact
//! reason the text line and the JSON object show, and that nothing panics.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use icmpkit_lab::packets::{
    MTU_1500, RDNSS_OF_LENGTH_2, echo_request_behind_destination_options, icmp,
    neighbor_solicitation_with_zero_length_option, object, pcap, quoted_udp_v4, quoted_udp_v6,
    record_route_options, router_advertisement, time_exceeded_with_objects, v4, v4_with_options,
    v6,
};
use icmpkit_lab::{icmpkit, repo, require};

// ------------------------------------------------------------ the binary

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `icmpkit args...` from the workspace root with `stdin`.
fn icmpkit(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(icmpkit!())
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("icmpkit runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("stdin written");
    let out = child.wait_with_output().expect("icmpkit ends");
    let run = Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "icmpkit {args:?} panicked: {}",
        run.stderr
    );
    run
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `icmpkit decode --hex -` on one packet: the single text line.
fn text_line(packet: &[u8]) -> String {
    let run = icmpkit(&["decode", "--hex", "-"], hex(packet).as_bytes());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {}", run.stdout);
    lines[0].to_owned()
}

/// `icmpkit decode --json --hex -` on one packet: the packet object and
/// the summary.
fn json_objects(packet: &[u8]) -> (Value, Value) {
    let run = icmpkit(&["decode", "--json", "--hex", "-"], hex(packet).as_bytes());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let values: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(values.len(), 2, "stdout: {}", run.stdout);
    (values[0].clone(), values[1].clone())
}

// ---------------------------------------------------------------- builders

const MPLS_OBJECT: [u8; 8] = [0, 8, 1, 1, 0x00, 0x3e, 0x81, 0x01]; // label 1000, S, TTL 1

/// The port unreachable every other case starts from.
fn port_unreachable() -> Vec<u8> {
    v4(icmp(3, 3, [0; 4], &quoted_udp_v4()))
}

const PORT_UNREACHABLE_LINE: &str = "    1 192.0.2.254 → 198.51.100.2 ICMP Destination unreachable \
     (Port unreachable) [UDP 198.51.100.2:33434 → 203.0.113.9:33435 ttl=1 ip_id=0xabcd]";

// ----------------------------------------------------- malformed: the cases

/// Asserts that the packet decodes with this message-level reason: the
/// text line ends with `[malformed: REASON]`, the JSON has it under
/// `malformed`, and the summary counts one malformed packet.
fn assert_message_malformed(packet: &[u8], reason: &str) -> (String, Value) {
    let line = text_line(packet);
    assert!(
        line.ends_with(&format!(" [malformed: {reason}]")),
        "line: {line}\nwanted reason: {reason}"
    );
    let (object, summary) = json_objects(packet);
    assert_eq!(object["malformed"], json!(reason), "{object}");
    assert_eq!(summary["malformed"], json!(1), "{summary}");
    (line, object)
}

#[test]
fn icmp_shorter_than_8_bytes_v4_and_v6() {
    let mut echo4 = icmp(8, 0, [0, 1, 0, 1], &[]);
    echo4.truncate(4);
    let (line, object) = assert_message_malformed(
        &v4(echo4),
        "ICMPv4 header truncated: needs 8 bytes, only 4 present",
    );
    assert_eq!(
        line,
        "    1 192.0.2.254 → 198.51.100.2 ICMP Echo (ping) request \
         [malformed: ICMPv4 header truncated: needs 8 bytes, only 4 present]"
    );
    assert_eq!(object["icmp_type"], json!(8));
    // The checksum covers bytes, not structure: checked all the same.
    assert_eq!(object["checksum_valid"], json!(true));

    let mut echo6 = icmp(128, 0, [0, 1, 0, 1], &[]);
    echo6.truncate(6);
    let (line, _) = assert_message_malformed(
        &v6(echo6),
        "ICMPv6 header truncated: needs 8 bytes, only 6 present",
    );
    assert!(
        line.starts_with("    1 2001:db8::1 → 2001:db8::2 ICMPv6 Echo (ping) request"),
        "{line}"
    );

    // A single byte: the type but no code.
    let (line, _) = assert_message_malformed(
        &v4(vec![8]),
        "ICMPv4 header truncated: needs 8 bytes, only 1 present",
    );
    assert!(line.contains(" ICMP type 8 [malformed: "), "{line}");
}

#[test]
fn ipv4_ihl_below_5() {
    let mut packet = v4(icmp(8, 0, [0, 1, 0, 1], b"data"));
    packet[0] = 0x43;
    let (line, object) =
        assert_message_malformed(&packet, "IPv4 header: IHL 3 is below the minimum of 5");
    assert_eq!(
        line,
        "    1 192.0.2.254 → 198.51.100.2 ICMP (no ICMP header) \
         [malformed: IPv4 header: IHL 3 is below the minimum of 5]"
    );
    assert_eq!(object["icmp_type"], Value::Null);
    assert_eq!(object["type_name"], Value::Null);
}

#[test]
fn ipv4_ihl_past_the_end() {
    let mut packet = v4(icmp(8, 0, [0, 1, 0, 1], &[]));
    packet[0] = 0x4f;
    assert_message_malformed(
        &packet,
        "IPv4 header: IHL claims 60 bytes but only 28 are present",
    );
}

#[test]
fn ipv4_header_with_40_bytes_of_options_decodes() {
    let packet = v4_with_options(
        &record_route_options(),
        icmp(8, 0, [0x03, 0xe3, 0, 1], b"0123456789abcdef"),
    );
    assert_eq!(
        text_line(&packet),
        "    1 192.0.2.254 → 198.51.100.2 ICMP Echo (ping) request id=995 seq=1"
    );
    let (object, summary) = json_objects(&packet);
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(object["checksum_valid"], json!(true));
    assert_eq!(object["length"], json!(84));
    assert_eq!(object["data_len"], json!(16));
    assert_eq!(summary["malformed"], json!(0));
}

/// Asserts the quote is malformed with `reason` while the message is fine.
fn assert_quote_malformed(packet: &[u8], reason: &str) {
    let line = text_line(packet);
    assert!(
        line.ends_with(&format!(" [quote malformed: {reason}]")),
        "line: {line}\nwanted: {reason}"
    );
    let (object, summary) = json_objects(packet);
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(object["checksum_valid"], json!(true));
    assert_eq!(object["quote"], json!({ "malformed": reason }));
    assert_eq!(summary["malformed"], json!(1));
}

#[test]
fn quoted_ipv4_header_with_ihl_15_but_20_bytes() {
    let mut quote = quoted_udp_v4()[..20].to_vec();
    quote[0] = 0x4f;
    assert_quote_malformed(
        &v4(icmp(3, 1, [0; 4], &quote)),
        "quoted IPv4 header: IHL claims 60 bytes but only 20 are present",
    );
}

#[test]
fn ipv6_header_quoted_inside_icmpv4() {
    assert_quote_malformed(
        &v4(icmp(3, 3, [0; 4], &quoted_udp_v6())),
        "quoted IPv4 header: version 6 is not 4: an IPv6 header quoted inside ICMPv4",
    );
}

#[test]
fn rfc4884_length_attribute_past_the_end() {
    let v4_reason =
        "RFC 4884 original datagram: length attribute claims 128 bytes but only 28 are present";
    for (msg_type, rest) in [
        (3u8, [0, 32, 0, 0]),
        (11, [0, 32, 0, 0]),
        (12, [0, 32, 0, 0]),
    ] {
        let (_, object) =
            assert_message_malformed(&v4(icmp(msg_type, 0, rest, &quoted_udp_v4())), v4_reason);
        assert_eq!(object["icmp_type"], json!(msg_type));
        assert_eq!(object["checksum_valid"], json!(true));
    }
    let v6_reason =
        "RFC 4884 original datagram: length attribute claims 128 bytes but only 48 are present";
    for msg_type in [1u8, 3] {
        assert_message_malformed(
            &v6(icmp(msg_type, 0, [16, 0, 0, 0], &quoted_udp_v6())),
            v6_reason,
        );
    }
}

/// The extension of a packet whose extension objects are bad: the text
/// line ends with `[extension malformed: REASON]` and the JSON has the
/// good objects before it under `extension.objects` and the reason under
/// `extension.malformed`.
fn assert_extension_malformed(objects: &[u8], reason: &str, good_before: usize) -> Value {
    let packet = time_exceeded_with_objects(objects);
    let line = text_line(&packet);
    assert!(
        line.ends_with(&format!(" [extension malformed: {reason}]")),
        "line: {line}\nwanted: {reason}"
    );
    let (object, _) = json_objects(&packet);
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(object["extension"]["malformed"], json!(reason), "{object}");
    assert_eq!(object["extension"]["checksum"], json!("valid"));
    assert_eq!(
        object["extension"]["objects"].as_array().map(Vec::len),
        Some(good_before),
        "{object}"
    );
    object
}

#[test]
fn extension_object_lengths_0_to_3_and_overrun() {
    for len in 0..4u8 {
        assert_extension_malformed(
            &[0, len, 1, 1],
            &format!("ICMP extension object: length {len} is below the 4-byte object header"),
            0,
        );
    }
    let mut after_mpls = MPLS_OBJECT.to_vec();
    after_mpls.extend_from_slice(&[0, 100, 2, 0, 0, 0, 0, 0]);
    let object = assert_extension_malformed(
        &after_mpls,
        "ICMP extension object: length claims 100 bytes but only 8 are present",
        1,
    );
    assert_eq!(
        object["mpls"],
        json!([{"label": 1000, "tc": 0, "s": 1, "ttl": 1}])
    );
}

#[test]
fn rfc5837_interface_name_sub_objects() {
    let name = |sub: &[u8]| object(2, 0x02, sub);
    assert_extension_malformed(
        &name(&[0, b'e', b't', b'h']),
        "RFC 5837 interface name sub-object: length 0 is not allowed: the length counts its own octet and is a multiple of 4",
        0,
    );
    assert_extension_malformed(
        &name(&[6, b'e', b't', b'h', b'0', b'.', 0, 0]),
        "RFC 5837 interface name sub-object: length 6 is not a multiple of 4",
        0,
    );
    let mut long = vec![68];
    long.extend_from_slice(&[b'x'; 64]);
    long.extend_from_slice(&[0; 3]);
    assert_extension_malformed(
        &name(&long),
        "RFC 5837 interface name sub-object: length 68 exceeds the maximum of 64",
        0,
    );
}

#[test]
fn mpls_object_payload_not_a_multiple_of_4() {
    assert_extension_malformed(
        &object(1, 1, &[0x00, 0x3e, 0x81, 0x01, 0x00, 0x00]),
        "MPLS label stack object: payload length 6 is not a multiple of the 4-byte label stack entry",
        0,
    );
}

/// Many labels: the text line shows the first 16 and counts the rest; the
/// JSON lists every one, per object and all together under `mpls`.
#[test]
fn long_label_stacks_are_counted_in_text_and_listed_in_json() {
    let stack = |first: u32, n: u32| -> Vec<u8> {
        let entries: Vec<u8> = (first..first + n)
            .flat_map(|label| {
                (label << 12 | u32::from(label == first + n - 1) << 8 | 7).to_be_bytes()
            })
            .collect();
        object(1, 1, &entries)
    };
    let packet = time_exceeded_with_objects(&[stack(100, 18), stack(200, 2)].concat());
    let line = text_line(&packet);
    let shown = (100..116).fold(String::new(), |mut s, l| {
        let _ = write!(s, " Lbl {l} TC 0 S 0 TTL 7");
        s
    });
    assert!(
        line.ends_with(&format!(" [MPLS:{shown} (+4 labels)]")),
        "{line}"
    );
    let (decoded, summary) = json_objects(&packet);
    let labels = |range: std::ops::Range<u32>, bottom: u32| -> Vec<Value> {
        range
            .map(|l| json!({"label": l, "tc": 0, "s": u32::from(l == bottom), "ttl": 7}))
            .collect()
    };
    assert_eq!(
        decoded["extension"],
        json!({"checksum": "valid", "objects": [
            {"object": "mpls", "labels": labels(100..118, 117)},
            {"object": "mpls", "labels": labels(200..202, 201)},
        ], "malformed": null})
    );
    let all: Vec<Value> = [labels(100..118, 117), labels(200..202, 201)].concat();
    assert_eq!(decoded["mpls"], json!(all));
    assert_eq!(summary["malformed"], json!(0));
    // An empty stack lists nothing, and adds nothing to `mpls`.
    let packet = time_exceeded_with_objects(&[object(1, 1, &[]), stack(5, 1)].concat());
    let (object, _) = json_objects(&packet);
    assert_eq!(object["mpls"], json!(labels(5..6, 5)));
    assert_eq!(
        object["extension"]["objects"][0],
        json!({"object": "mpls", "labels": []})
    );
}

/// A packet whose extension object is malformed counts as malformed in the
/// summary, as the text line and the `Counts::malformed` documentation say.
#[test]
fn malformed_extension_object_is_counted() {
    let packet = time_exceeded_with_objects(&[0, 2, 1, 1]);
    let (object, summary) = json_objects(&packet);
    assert!(object["extension"]["malformed"].is_string());
    assert_eq!(summary["malformed"], json!(1), "{summary}");
    let run = icmpkit(&["decode", "--hex", "-"], hex(&packet).as_bytes());
    assert_eq!(
        run.stderr,
        "1 ICMP packets in 1 frames (1 malformed, 0 with a bad checksum)\n"
    );
}

/// A Router Advertisement whose RDNSS option is malformed (shown as
/// `{"malformed": ...}` in `options`) counts as malformed in the summary.
#[test]
fn malformed_ndp_option_is_counted() {
    let (object, summary) = json_objects(&router_advertisement(&RDNSS_OF_LENGTH_2));
    assert!(object["options"][0]["malformed"].is_string(), "{object}");
    assert_eq!(summary["malformed"], json!(1), "{summary}");
}

#[test]
fn ndp_option_of_length_0_in_neighbour_solicitation() {
    let (_, object) = assert_message_malformed(
        &neighbor_solicitation_with_zero_length_option(),
        "NDP option: length 0 is not allowed: the packet must be discarded (RFC 4861 §4.6)",
    );
    assert_eq!(object["type_name"], json!("Neighbor Solicitation"));
    assert_eq!(object["checksum_valid"], json!(true));
}

#[test]
fn rdnss_option_of_even_length_in_router_advertisement() {
    let reason =
        "NDP option: length 2 is not odd and at least 3 as an RDNSS option needs (RFC 8106 §5.1)";
    let packet = router_advertisement(&[RDNSS_OF_LENGTH_2.as_slice(), &MTU_1500].concat());
    let line = text_line(&packet);
    assert!(
        line.contains(&format!(" options=[malformed={reason}, mtu mtu=1500]")),
        "{line}"
    );
    let (object, _) = json_objects(&packet);
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(object["router_lifetime"], json!(1800));
    assert_eq!(
        object["options"],
        json!([{ "malformed": reason }, { "option": "mtu", "mtu": 1500 }])
    );
}

#[test]
fn ipv6_chain_of_100_extension_headers() {
    let packet = echo_request_behind_destination_options(100);
    let (line, _) = assert_message_malformed(
        &packet,
        "more than 16 IPv6 extension headers: refusing to walk further",
    );
    assert!(
        line.starts_with("    1 2001:db8::1 → 2001:db8::2 ICMPv6 (no ICMP header)"),
        "{line}"
    );
}

#[test]
fn bad_icmp_checksum() {
    let mut packet = port_unreachable();
    packet[22] = 0xde;
    packet[23] = 0xad;
    assert_eq!(
        text_line(&packet),
        format!("{PORT_UNREACHABLE_LINE} [bad checksum 0xdead]")
    );
    let (object, summary) = json_objects(&packet);
    assert_eq!(object["checksum_valid"], json!(false));
    assert_eq!(object["checksum"], json!(0xdead));
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(summary["bad_checksum"], json!(1));
    assert_eq!(summary["malformed"], json!(0));
}

// ------------------------------------------------------------ pcap files

/// Writes `bytes` to a fresh file under the target directory.
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("decode_cli");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file written");
    path
}

#[test]
fn truncated_pcap_record() {
    let good = port_unreachable();
    let mut file = pcap(&[(&good, 56)]);
    // Frame 2: the header claims 84 bytes, 10 follow.
    file.extend_from_slice(&1_700_000_001u32.to_le_bytes());
    file.extend_from_slice(&0u32.to_le_bytes());
    file.extend_from_slice(&84u32.to_le_bytes());
    file.extend_from_slice(&84u32.to_le_bytes());
    file.extend_from_slice(&good[..10]);
    let path = temp_file("truncated.pcap", &file);
    let path = path.to_str().unwrap();

    let run = icmpkit(&["decode", path], b"");
    assert_eq!(run.code, 2);
    // A capture has times: the time column, relative to the first frame.
    let line = PORT_UNREACHABLE_LINE.replacen("    1 ", "    1   0.000000 ", 1);
    assert_eq!(run.stdout, format!("{line}\n"));
    let damage = "frame 2: record truncated: header says 84 bytes, file ends after 10";
    assert_eq!(
        run.stderr,
        format!(
            "1 ICMP packets in 1 frames (0 malformed, 0 with a bad checksum); \
             stopped early: {damage}\n\
             icmpkit: {path}: capture is damaged: {damage}\n"
        )
    );

    let run = icmpkit(&["decode", "--json", path], b"");
    assert_eq!(run.code, 2);
    let values: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["frame"], json!(1));
    assert_eq!(values[1]["type"], json!("summary"));
    assert_eq!(values[1]["error"], json!(damage));
    assert_eq!(
        run.stderr,
        format!("icmpkit: {path}: capture is damaged: {damage}\n")
    );
}

#[test]
fn capture_cut_by_snaplen_leaves_the_checksum_unverified() {
    let full = v4(icmp(8, 0, [0x03, 0xe3, 0, 1], &[0x5a; 56]));
    assert_eq!(full.len(), 84);
    let path = temp_file("snaplen.pcap", &pcap(&[(&full[..40], 84)]));
    let path = path.to_str().unwrap();

    let run = icmpkit(&["decode", path], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "    1   0.000000 192.0.2.254 → 198.51.100.2 ICMP Echo (ping) request id=995 seq=1 \
         [truncated]\n"
    );

    let run = icmpkit(&["decode", "--json", path], b"");
    assert_eq!(run.code, 0);
    let object: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(object["checksum_valid"], Value::Null);
    assert_eq!(object["truncated"], json!(true));
    assert_eq!(object["malformed"], Value::Null);
    assert_eq!(object["length"], json!(40));
    assert_eq!(object["data_len"], json!(12));
}

// ---------------------------------------------------- strings off the wire

/// What a hostile router names its interface: set the window title, clear
/// the screen, forge a line, a C1 CSI (as UTF-8), a right-to-left override,
/// a backslash and DEL. 38 bytes: it fits a name sub-object.
const HOSTILE_NAME: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\r\nfake\u{9b}1m\u{202e}ab\\\u{7f}";
const HOSTILE_NAME_ESCAPED: &str =
    "\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0afake\\u{9b}1m\\u{202e}ab\\\\\\x7f";

/// A capture of three packets carrying `HOSTILE_NAME` (or a DNS label of
/// it) off the wire: an RFC 5837 interface name in a Time Exceeded, an RFC
/// 8335 interface name in an Extended Echo Request, and an NDP DNSSL
/// domain in a Router Advertisement.
fn capture_with_hostile_names() -> Vec<u8> {
    let name = HOSTILE_NAME.as_bytes();
    let mut sub = vec![u8::try_from(name.len() + 1).unwrap()];
    sub.extend_from_slice(name);
    sub.resize(sub.len().next_multiple_of(4), 0);
    sub[0] = u8::try_from(sub.len()).unwrap();
    let rfc5837 = time_exceeded_with_objects(&object(2, 0x02, &sub));
    let mut by_name = name.to_vec();
    by_name.resize(name.len().next_multiple_of(4), 0);
    let request = icmpkit_lab::packets::extension_structure(&object(3, 1, &by_name));
    let rfc8335 = v4(icmp(42, 0, [0x12, 0x34, 1, 0], &request));
    // DNSSL (type 31): one domain of one label, the name, padded to 8.
    let mut dnssl = vec![31, 0, 0, 0, 0, 0, 0x0e, 0x10];
    dnssl.push(u8::try_from(name.len()).unwrap());
    dnssl.extend_from_slice(name);
    dnssl.push(0);
    dnssl.resize(dnssl.len().next_multiple_of(8), 0);
    dnssl[1] = u8::try_from(dnssl.len() / 8).unwrap();
    let ndp = router_advertisement(&dnssl);
    pcap(&[
        (&rfc5837, u32::try_from(rfc5837.len()).unwrap()),
        (&rfc8335, u32::try_from(rfc8335.len()).unwrap()),
        (&ndp, u32::try_from(ndp.len()).unwrap()),
    ])
}

/// No byte below 0x20 but the newline, no DEL, no C1 control and no
/// bidirectional override.
fn assert_terminal_safe(stdout: &str) {
    for (at, b) in stdout.bytes().enumerate() {
        assert!(
            b == b'\n' || (b >= 0x20 && b != 0x7f),
            "byte 0x{b:02x} at {at}: {stdout}"
        );
    }
    assert!(
        !stdout
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{stdout}"
    );
}

#[test]
fn escape_sequences_in_names_off_the_wire_never_reach_the_terminal() {
    let path = temp_file("hostile-names.pcap", &capture_with_hostile_names());
    let path = path.to_str().unwrap();
    let run = icmpkit(&["decode", path], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_terminal_safe(&run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].contains(&format!(
            " [interface_information role=IncomingIpInterface name={HOSTILE_NAME_ESCAPED}]"
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(&format!(
            " [interface_identification name={HOSTILE_NAME_ESCAPED}]"
        )),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(&format!(" domains=[{HOSTILE_NAME_ESCAPED}]")),
        "{}",
        lines[2]
    );

    let run = icmpkit(&["decode", "--json", path], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_terminal_safe(&run.stdout);
    let values: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(values.len(), 4, "{}", run.stdout);
    // JSON keeps the value: a reader gets the name as it was sent.
    assert_eq!(
        values[0]["extension"]["objects"][0]["name"],
        json!(HOSTILE_NAME)
    );
    assert_eq!(
        values[1]["extension"]["objects"][0]["name"],
        json!(HOSTILE_NAME)
    );
    assert_eq!(values[2]["options"][0]["domains"], json!([HOSTILE_NAME]));
    assert_eq!(values[3]["malformed"], json!(0), "{}", values[3]);
}

// ------------------------------------------------------------- hex input

#[test]
fn hex_port_unreachable_on_stdin() {
    let packet = port_unreachable();
    // tcpdump -x style: an offset, then groups of 4 digits, across lines.
    let digits = hex(&packet);
    let mut text = String::new();
    for (i, line) in digits.as_bytes().chunks(32).enumerate() {
        let _ = write!(text, "\t0x{:04x}:  ", i * 16);
        for group in line.chunks(4) {
            text.push_str(std::str::from_utf8(group).unwrap());
            text.push(' ');
        }
        text.push('\n');
    }
    let run = icmpkit(&["decode", "--hex", "-"], text.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{PORT_UNREACHABLE_LINE}\n"));
    assert_eq!(
        run.stderr,
        "1 ICMP packets in 1 frames (0 malformed, 0 with a bad checksum)\n"
    );
}

/// `decode --hex` reads as the text arrives: the first packet's line is out
/// while the pipe it reads stays open, before the second packet is written.
#[test]
fn hex_input_is_decoded_as_it_arrives() {
    use std::io::BufRead as _;
    let mut child = Command::new(icmpkit!())
        .args(["decode", "--hex", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("icmpkit runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let packet = format!("{}\n\n", hex(&port_unreachable()));
    stdin
        .write_all(packet.as_bytes())
        .expect("first packet written");
    stdin.flush().expect("flushed");
    // Read on a thread, so that a decoder that waits for the end of input
    // fails the test (after a minute: a guard against hanging, not a
    // measure of speed) instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    let reading = std::thread::spawn(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        tx.send(line).expect("sent");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).expect("the rest");
        rest
    });
    let first = rx.recv_timeout(std::time::Duration::from_mins(1));
    stdin
        .write_all(packet.as_bytes())
        .expect("second packet written");
    drop(stdin);
    let status = child.wait().expect("icmpkit ends");
    let rest = reading.join().expect("reader thread");
    assert_eq!(
        first.expect("the first line before the end of input"),
        format!("{PORT_UNREACHABLE_LINE}\n")
    );
    assert_eq!(
        rest,
        format!(
            "{}\n",
            PORT_UNREACHABLE_LINE.replacen("    1 ", "    2 ", 1)
        )
    );
    assert!(status.success());
}

#[test]
fn hex_with_a_bad_digit() {
    let run = icmpkit(&["decode", "--hex", "-"], b"45 00 00 1c\n00 00 4x 00\n");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "icmpkit: in -: hex input line 2: 'x' is not a hex digit\n"
    );
}

#[test]
fn non_capture_file_without_hex() {
    let path = temp_file("packet.txt", hex(&port_unreachable()).as_bytes());
    let path = path.to_str().unwrap();
    let run = icmpkit(&["decode", path], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "icmpkit: {path} is not a pcap or pcapng capture (it starts with 0x34353030); \
             for hex dumps of IP packets use --hex\n"
        )
    );
}

#[test]
fn missing_file() {
    let run = icmpkit(&["decode", "no/such/capture.pcap"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("icmpkit: cannot open no/such/capture.pcap: "),
        "{}",
        run.stderr
    );
}

// --------------------------------------------------------------- explain

#[test]
fn explain_frag_needed() {
    let run = icmpkit(&["explain", "3", "4"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().next(),
        Some("ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set")
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn explain_type_out_of_range() {
    let run = icmpkit(&["explain", "300"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "icmpkit: TYPE must be from 0 to 255, not 300\n");
}

#[test]
fn explain_unknown_name() {
    let run = icmpkit(&["explain", "nonsense-name"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "icmpkit: no ICMP type or code is called 'nonsense-name': give a type number \
         (`icmpkit explain 3 4`) or a name such as frag-needed, port-unreachable, \
         packet-too-big, echo-request\n"
    );
}

// --------------------------------------------------- the kernel fixtures

#[test]
fn too_big_fixture() {
    let run = icmpkit(&["decode", "tests/fixtures/kernel/too-big.pcap"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[1].contains("mtu=1280"), "{}", lines[1]);
    assert!(
        lines[1].contains(" ICMP Destination unreachable (Fragmentation needed) "),
        "{}",
        lines[1]
    );
    assert!(
        lines[3].contains(" ICMPv6 Packet Too Big mtu=1280 "),
        "{}",
        lines[3]
    );
}

fn kernel_fixtures() -> Vec<String> {
    let dir = repo().join("tests/fixtures/kernel");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng")
        })
        .map(|n| format!("tests/fixtures/kernel/{n}"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "kernel corpus missing: {files:?}");
    files
}

/// Whether `v` has the JSON type named.
fn is(v: &Value, kind: &str) -> bool {
    match kind {
        "u64" => v.is_u64(),
        "u8" => v.as_u64().is_some_and(|n| n <= 255),
        "string" => v.is_string(),
        "string|null" => v.is_string() || v.is_null(),
        "bool|null" => v.is_boolean() || v.is_null(),
        "ip" => v
            .as_str()
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        _ => unreachable!("{kind}"),
    }
}

#[test]
fn json_on_the_kernel_fixtures_has_the_documented_keys() {
    for file in kernel_fixtures() {
        let run = icmpkit(&["decode", "--json", &file], b"");
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{file}");
        let values: Vec<Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}: {l}")))
            .collect();
        let (summary, packets) = values.split_last().expect("a summary");
        assert_eq!(summary["type"], json!("summary"), "{file}");
        for key in ["frames", "icmp", "malformed", "bad_checksum"] {
            assert!(summary[key].is_u64(), "{file}: summary {key}: {summary}");
        }
        assert_eq!(summary["error"], Value::Null, "{file}");
        assert_eq!(
            summary["icmp"].as_u64(),
            Some(packets.len() as u64),
            "{file}"
        );
        assert!(!packets.is_empty(), "{file}");
        let mut last_frame = 0;
        for p in packets {
            assert_eq!(p["type"], json!("packet"), "{file}: {p}");
            for (key, kind) in [
                ("frame", "u64"),
                ("src", "ip"),
                ("dst", "ip"),
                ("icmp_type", "u8"),
                ("icmp_code", "u8"),
                ("type_name", "string"),
                ("code_name", "string|null"),
                ("checksum_valid", "bool|null"),
                ("malformed", "string|null"),
            ] {
                let v = p
                    .get(key)
                    .unwrap_or_else(|| panic!("{file}: no {key}: {p}"));
                assert!(is(v, kind), "{file}: {key} is not {kind}: {p}");
            }
            assert!(
                p["version"] == json!(4) || p["version"] == json!(6),
                "{file}: {p}"
            );
            let frame = p["frame"].as_u64().unwrap();
            assert!(frame > last_frame, "{file}: frames out of order");
            last_frame = frame;
            // The kernel sends well-formed ICMP with good checksums.
            assert_eq!(p["malformed"], Value::Null, "{file}: {p}");
        }
    }
}

/// `tcpdump -n -x` output piped into `decode --hex -` decodes to the same
/// lines as the capture itself, for every kernel fixture with a link layer
/// tcpdump strips (all of them); so does `-X` (hex and ASCII) and, link
/// layer included, `-xx` and `-XX` (Ethernet, Linux SLL and SLL2), and
/// fragments are reassembled from hex as from the capture.
#[test]
fn tcpdump_hex_output_decodes_like_the_capture() {
    if !require::program("tcpdump") {
        return;
    }
    let dir = repo().join("tests/fixtures/kernel");
    let mut compared = 0;
    let files = [
        "reject-v4.pcap",
        "reject-v6.pcap",
        "too-big.pcap",
        "probe.pcap",
        "fragmented.pcap",
        "echo-any-sll2.pcap",
        "reject-v4-any-sll.pcap",
    ];
    for (name, format) in files
        .into_iter()
        .flat_map(|name| ["-x", "-X", "-xx", "-XX"].map(|format| (name, format)))
    {
        let file = dir.join(name);
        let out = Command::new("tcpdump")
            .args(["-n", format, "-r"])
            .arg(&file)
            .output()
            .expect("run tcpdump");
        assert!(
            out.status.success(),
            "tcpdump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dump = out.stdout;
        let from_hex = icmpkit(&["decode", "--hex", "-"], &dump);
        // tcpdump's hex has no times to show: no time column either side.
        let from_pcap = icmpkit(
            &["decode", "-t", "none", file.to_str().expect("UTF-8 path")],
            b"",
        );
        assert_eq!((from_hex.code, from_pcap.code), (0, 0), "{name} {format}");
        assert_eq!(from_hex.stdout, from_pcap.stdout, "{name} {format}");
        compared += from_pcap.stdout.lines().count();
    }
    assert!(compared > 200, "only {compared} lines compared");
}

/// A frame whose tunnels cannot be followed to the end (a truncated GRE
/// header, encrypted MACsec) is counted by reason in the summary, never
/// passed over in silence.
#[test]
fn frames_stopped_inside_a_tunnel_are_counted_by_reason() {
    // An IPv4 packet announcing GRE with two bytes of its header.
    let mut truncated_gre = vec![
        0x45, 0, 0, 22, 0, 0, 0, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0, 0,
    ];
    let run = icmpkit(&["decode", "--hex", "-"], hex(&truncated_gre).as_bytes());
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "0 ICMP packets in 1 frames (0 malformed, 0 with a bad checksum); \
         1 frames not followed to the end of their tunnels (1 GRE header truncated)\n"
    );
    truncated_gre.truncate(21);
    truncated_gre[3] = 21;
    let run = icmpkit(
        &["decode", "--json", "--hex", "-"],
        hex(&truncated_gre).as_bytes(),
    );
    let summary: Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    assert_eq!(summary["tunnel_stops"], json!({"GRE header truncated": 1}));

    let encrypted = repo().join("tests/fixtures/tunnels/macsec-encrypted.pcap");
    let run = icmpkit(
        &["decode", "--json", encrypted.to_str().expect("UTF-8 path")],
        b"",
    );
    let summary: Value =
        serde_json::from_str(run.stdout.lines().last().expect("a summary")).expect("JSON");
    assert_eq!(summary["icmp"], json!(0));
    assert_eq!(summary["tunnel_stops"], json!({"MACsec encrypted": 2}));
}

/// Frames that enter no tunnel are never tunnel stops: an Ethernet frame
/// announcing IPv4 with an empty payload (cut by the snap length), one
/// announcing IPv6 that holds IPv4, and a hex dump that is no IP packet are
/// just not IP packets.
#[test]
fn plain_frames_that_are_no_ip_packet_are_not_tunnel_stops() {
    let eth = |ethertype: [u8; 2], payload: &[u8]| {
        let mut f = vec![
            2,
            0,
            0,
            0,
            0,
            1,
            2,
            0,
            0,
            0,
            0,
            2,
            ethertype[0],
            ethertype[1],
        ];
        f.extend_from_slice(payload);
        f
    };
    let empty = eth([0x08, 0x00], &[]);
    let mislabelled = eth([0x86, 0xdd], &port_unreachable());
    let mut capture = pcap(&[(&empty, 74), (&mislabelled, 80)]);
    capture[20..24].copy_from_slice(&1u32.to_le_bytes()); // Ethernet
    let file = temp_file("plain-not-ip.pcap", &capture);
    let run = icmpkit(&["decode", file.to_str().expect("UTF-8 path")], b"");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "",
            "0 ICMP packets in 2 frames (0 malformed, 0 with a bad checksum)\n"
        )
    );
    let run = icmpkit(&["decode", "--json", "--hex", "-"], b"50000014\n");
    let summary: Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    assert_eq!(summary["tunnel_stops"], json!({}));
}

/// At a terminal with no file given, `decode` says that it reads standard
/// input, and how to end it (`script` gives it a terminal; Ctrl-D ends
/// it). From a pipe it says nothing (the other tests).
#[test]
fn at_a_terminal_it_says_that_it_reads_standard_input() {
    if !require::program("script") {
        return;
    }
    for (args, what) in [("decode", "a capture"), ("decode --hex", "hex dumps")] {
        let mut child = icmpkit_lab::peers::bounded(10, "script")
            .args(["-q", "-c", &format!("{} {args}", icmpkit!()), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run script");
        child.stdin.take().unwrap().write_all(b"\x04").unwrap();
        let out = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.starts_with(&format!(
                "icmpkit decode: reading {what} from standard input (Ctrl-D to end)\r\n"
            )),
            "{shown:?}"
        );
    }
}

/// `--two-pass` reads a file twice: standard input and hex dumps are
/// refused with the reason, and a request then names its reply.
#[test]
fn two_passes_need_a_capture_file() {
    for args in [&["decode", "-2"][..], &["decode", "-2", "--hex", "x.txt"]] {
        let run = icmpkit(args, b"");
        assert_eq!(run.code, 2);
        assert_eq!(
            run.stderr,
            "icmpkit: --two-pass reads a capture file twice: give a pcap or pcapng file, \
             not standard input or hex dumps\n"
        );
    }
    let file = repo().join("tests/fixtures/kernel/echo.pcap");
    let run = icmpkit(&["decode", "-2", "-t", "none", file.to_str().unwrap()], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().take(2).collect::<Vec<_>>(),
        [
            "    1 192.0.2.2 → 198.51.100.2 ICMP Echo (ping) request id=32666 seq=1 (reply in 2)",
            "    2 198.51.100.2 → 192.0.2.2 ICMP Echo (ping) reply id=32666 seq=1 (request in 1)"
        ]
    );
}
