//! `icmpkit decode` reassembles fragmented datagrams as tshark does by
//! default: `tests/fixtures/kernel/fragmented.pcap` (a `ping -s 3000`, IPv4
//! and IPv6, recorded by `lab/capture-corpus.sh`; both the requests and the
//! replies come in three fragments) shows one message per datagram, at the
//! frame tshark shows it, with the same type, code, whole length, checksum
//! status and fragment frames; crafted fragments out of order, overlapping
//! and incomplete are shown, reported and counted as documented.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use icmpkit_lab::tshark;
use icmpkit_lab::{icmpkit, repo, require, text};
use serde_json::{Value, json};

/// What tshark is asked besides the verdict: the lengths and the
/// fragment frames.
const REASSEMBLY_FIELDS: [&str; 6] = [
    "ip.hdr_len",
    "ip.reassembled.length",
    "ipv6.reassembled.length",
    "ip.fragment",
    "ipv6.fragment",
    "ipv6.plen",
];

/// Every field tshark is asked for here: [`tshark::VERDICT_FIELDS`] and
/// [`REASSEMBLY_FIELDS`].
fn fields() -> Vec<&'static str> {
    [&tshark::VERDICT_FIELDS[..], &REASSEMBLY_FIELDS].concat()
}

/// Runs `icmpkit decode ARGS` with `stdin`; returns stdout's JSON lines
/// (when `--json`) or text, and stderr.
fn decode(args: &[&str], stdin: &[u8]) -> (String, String) {
    let mut child = Command::new(icmpkit!())
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("icmpkit runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// (frame, type, code, checksum status, length, fragment frames) per message.
type Row = (u64, u8, u8, u8, u64, Vec<u64>);

/// The [`Row`] of one of our JSON records.
fn our_row(p: &Value) -> Row {
    let (t, c, status) = tshark::verdict(p);
    let frames = p["fragments"].as_array().unwrap();
    (
        p["frame"].as_u64().unwrap(),
        t,
        c,
        status,
        p["length"].as_u64().unwrap(),
        frames.iter().map(|f| f.as_u64().unwrap()).collect(),
    )
}

/// The [`Row`] of one of tshark's rows (asked for [`fields`]).
fn their_row(row: &tshark::Row) -> Row {
    let (t, c, status) = row.verdict();
    let number = |field: &str| row.first(field).parse::<u64>().ok();
    // tshark's reassembled length is the payload's: add the header.
    let length = match number("ip.reassembled.length") {
        Some(payload) => payload + number("ip.hdr_len").unwrap(),
        None => number("ipv6.reassembled.length").unwrap() + 40,
    };
    let fragments = [row.all("ip.fragment"), row.all("ipv6.fragment")].concat();
    let fragments = fragments.iter().map(|f| f.parse().unwrap()).collect();
    (row.frame(), t, c, status, length, fragments)
}

/// Asserts the counts of a summary record: `[frames, icmp, malformed]`
/// and its `reassembly` object, `[datagrams, fragments,
/// incomplete_datagrams, incomplete_fragments]`.
fn assert_counts(summary: &Value, [frames, icmp, malformed]: [u64; 3], reassembly: [u64; 4]) {
    assert_eq!(summary["frames"], frames);
    assert_eq!(summary["icmp"], icmp);
    assert_eq!(summary["malformed"], malformed);
    let [
        datagrams,
        fragments,
        incomplete_datagrams,
        incomplete_fragments,
    ] = reassembly;
    assert_eq!(
        summary["reassembly"],
        json!({
            "datagrams": datagrams,
            "fragments": fragments,
            "incomplete_datagrams": incomplete_datagrams,
            "incomplete_fragments": incomplete_fragments,
        })
    );
}

/// `packets` written as pcap file `name` in the test directory.
fn write_pcap(name: &str, packets: &[Vec<u8>]) -> PathBuf {
    let records: Vec<(&[u8], u32)> = packets
        .iter()
        .map(|p| (p.as_slice(), u32::try_from(p.len()).unwrap()))
        .collect();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&file, icmpkit_lab::packets::pcap(&records)).unwrap();
    file
}

#[test]
fn a_fragmented_ping_is_one_message_at_its_last_fragment_as_tshark_shows_it() {
    let file = repo().join("tests/fixtures/kernel/fragmented.pcap");
    let (stdout, stderr) = decode(&["--json", file.to_str().unwrap()], b"");
    let values = json_lines(&stdout);
    let (summary, packets) = values.split_last().unwrap();
    let ours: Vec<Row> = packets.iter().map(our_row).collect();
    // What tshark showed when the fixture was recorded (the test below
    // asks tshark itself): requests and replies of 3008 ICMP bytes.
    assert_eq!(
        ours,
        [
            (3, 8, 0, 1, 3028, vec![1, 2, 3]),
            (6, 0, 0, 1, 3028, vec![4, 5, 6]),
            (9, 128, 0, 1, 3048, vec![7, 8, 9]),
            (12, 129, 0, 1, 3048, vec![10, 11, 12]),
        ]
    );
    assert_counts(summary, [12, 4, 0], [4, 12, 0, 0]);
    assert_eq!(stderr, "");

    if !require::program("tshark") {
        return;
    }
    let theirs: Vec<Row> = tshark::fields(&file, tshark::ICMP, &fields())
        .iter()
        .map(their_row)
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn the_text_line_names_the_fragments_and_the_summary_counts_them() {
    let file = repo().join("tests/fixtures/kernel/fragmented.pcap");
    let (stdout, stderr) = decode(&[file.to_str().unwrap()], b"");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].ends_with(
            " ICMP Echo (ping) request id=19808 seq=1 [reassembled from 3 fragments: #1 #2 #3; 3028 bytes]"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].trim_start().starts_with("3 "), "{}", lines[0]);
    assert_eq!(
        stderr,
        "4 ICMP packets in 12 frames (0 malformed, 0 with a bad checksum); \
         12 fragments reassembled into 4 messages\n"
    );
}

// ------------------------------------------------------------ crafted

/// An IPv4 echo request (id 1, seq 1) of 300 bytes of data from 192.0.2.2
/// to 198.51.100.2, IP id `ident`, with correct checksums.
fn echo_v4(ident: u16) -> Vec<u8> {
    let data: Vec<u8> = (0..300u16)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    let mut icmp = vec![8, 0, 0, 0, 0, 1, 0, 1];
    icmp.extend_from_slice(&data);
    let sum = icmpkit_lab::packets::inet_checksum(&[&icmp]);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&icmpkit_lab::packets::be16(20 + icmp.len()));
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&[0, 0, 64, 1, 0, 0, 192, 0, 2, 2, 198, 51, 100, 2]);
    p.extend_from_slice(&icmp);
    p
}

/// The fragment of `datagram` with ICMP bytes `from..to` (its IPv4 header
/// checksum not made again: neither tshark nor we check it).
fn fragment_bytes(datagram: &[u8], from: usize, to: usize, more: bool) -> Vec<u8> {
    let mut f = datagram[..20].to_vec();
    f.extend_from_slice(&datagram[20 + from..20 + to]);
    let len = icmpkit_lab::packets::be16(f.len());
    f[2..4].copy_from_slice(&len);
    let field = u16::try_from(from / 8).unwrap() | if more { 0x2000 } else { 0 };
    f[6..8].copy_from_slice(&field.to_be_bytes());
    f
}

/// The fragment of `datagram` with ICMP bytes `from..to`, as hex.
fn fragment(datagram: &[u8], from: usize, to: usize, more: bool) -> String {
    let mut hex = String::new();
    for b in fragment_bytes(datagram, from, to, more) {
        let _ = write!(hex, "{b:02x}");
    }
    hex + "\n\n"
}

#[test]
fn crafted_fragments_out_of_order_overlapping_and_incomplete() {
    let a = echo_v4(0x0a);
    let b = echo_v4(0x0b);
    let c = echo_v4(0x0c);
    let mut conflicting = c.clone();
    conflicting[20 + 100] ^= 0xff;
    let input = [
        fragment(&a, 160, 308, false),         // 1: a, last part first
        fragment(&b, 0, 160, true),            // 2: b, never completed
        fragment(&a, 0, 160, true),            // 3: a complete here
        fragment(&c, 0, 160, true),            // 4
        fragment(&conflicting, 80, 240, true), // 5: c's, other bytes at 100
        fragment(&c, 240, 308, false),         // 6: c complete, malformed
    ]
    .concat();
    let (stdout, stderr) = decode(&["--hex", "--json", "-"], input.as_bytes());
    let values = json_lines(&stdout);
    let (summary, packets) = values.split_last().unwrap();
    assert_eq!(packets.len(), 2, "{stdout}");
    assert_eq!(packets[0]["frame"], 3);
    assert_eq!(packets[0]["fragments"], json!([1, 3]));
    assert_eq!(packets[0]["length"], 328);
    assert_eq!(packets[0]["checksum_valid"], true);
    assert_eq!(packets[0]["notes"], json!([]));
    assert_eq!(packets[1]["frame"], 6);
    assert_eq!(packets[1]["fragments"], json!([4, 5, 6]));
    // The lowest fragment's bytes are kept: the checksum still verifies.
    assert_eq!(packets[1]["checksum_valid"], true);
    assert_eq!(
        packets[1]["notes"],
        json!([
            "malformed, fragments overlap with different bytes at payload offset 80 \
                (the lowest fragment's are kept)"
        ])
    );
    assert_counts(summary, [6, 2, 1], [2, 5, 1, 1]);
    assert_eq!(stderr, "");

    let (stdout, stderr) = decode(&["--hex", "-"], input.as_bytes());
    assert!(
        stdout.lines().nth(1).unwrap().ends_with(
            " [reassembled from 3 fragments: #4 #5 #6; 328 bytes] [malformed, fragments overlap \
             with different bytes at payload offset 80 (the lowest fragment's are kept)]"
        ),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "2 ICMP packets in 6 frames (1 malformed, 0 with a bad checksum); 5 fragments \
         reassembled into 2 messages; 1 fragment of 1 incomplete datagram not shown\n"
    );
}

/// `datagram` with `change` applied to its ICMP bytes and its ICMP
/// checksum made again.
fn with_icmp(datagram: &[u8], change: impl Fn(&mut [u8])) -> Vec<u8> {
    let mut d = datagram.to_vec();
    change(&mut d[20..]);
    d[22..24].copy_from_slice(&[0, 0]);
    let sum = icmpkit_lab::packets::inet_checksum(&[&d[20..]]);
    d[22..24].copy_from_slice(&sum.to_be_bytes());
    d
}

#[test]
fn overlapping_fragments_keep_the_lowest_offsets_bytes_as_tshark() {
    // [8, 24) first, then [0, 16) with other bytes at 8..16: tshark copies
    // in offset order, so the later [0, 16)'s bytes are the datagram's.
    let d = echo_v4(0x0d);
    let other = with_icmp(&d, |icmp| icmp[8..16].fill(b'Z'));
    let mut packets = Vec::new();
    for (first, second) in [(&d, &other), (&other, &d)] {
        packets.push(fragment_bytes(first, 8, 24, true));
        packets.push(fragment_bytes(second, 0, 16, true));
        packets.push(fragment_bytes(first, 24, 308, false));
    }
    // The second datagram: the same again with another IP id.
    for p in &mut packets[3..] {
        p[4..6].copy_from_slice(&[0, 0x0e]);
    }
    let file = write_pcap("overlap-lowest.pcap", &packets);
    let records = tshark::decode_json(icmpkit!(), &file);
    let ours: Vec<(u64, tshark::Verdict)> = records[..records.len() - 1]
        .iter()
        .map(|p| (p["frame"].as_u64().unwrap(), tshark::verdict(p)))
        .collect();
    // The datagrams are `other` and `d` whole: [0, 16) brings the checksum
    // made for its own bytes at 8..16. Had the first bytes received been
    // kept, neither checksum would verify.
    assert_eq!(ours, [(3, (8, 0, 1)), (6, (8, 0, 1))]);
    if !require::program("tshark") {
        return;
    }
    let theirs: Vec<(u64, tshark::Verdict)> =
        tshark::fields(&file, tshark::ICMP, &tshark::VERDICT_FIELDS)
            .iter()
            .map(|row| (row.frame(), row.verdict()))
            .collect();
    assert_eq!(ours, theirs);
}

/// An IPv6 packet whose Destination Options header (8 bytes, `PadN`) leads
/// to `upper`: an ICMPv6 Echo Request (id 1, seq 1, 48 bytes of data) when
/// 58, otherwise as many bytes of that protocol.
fn behind_options_v6(upper: u8) -> Vec<u8> {
    use icmpkit_lab::packets::{fill_v6_checksum, icmp, ipv6_header};
    let data: Vec<u8> = (0..48).collect();
    let mut message = icmp(128, 0, [0, 1, 0, 1], &data);
    fill_v6_checksum(&mut message);
    let mut p = ipv6_header(60, 8 + message.len());
    p.extend_from_slice(&[upper, 0, 1, 4, 0, 0, 0, 0]);
    p.extend_from_slice(&message);
    p
}

/// The fragment of IPv6 `datagram` (ident `ident`) with the bytes
/// `from..to` of its payload, all of it the fragmentable part.
fn fragment_v6(datagram: &[u8], ident: u32, from: usize, to: usize, more: bool) -> Vec<u8> {
    let mut f = datagram[..40].to_vec();
    f[6] = 44;
    let field = u16::try_from(from).unwrap() | u16::from(more);
    f.extend_from_slice(&[datagram[6], 0]);
    f.extend_from_slice(&field.to_be_bytes());
    f.extend_from_slice(&ident.to_be_bytes());
    f.extend_from_slice(&datagram[40 + from..40 + to]);
    let payload = icmpkit_lab::packets::be16(f.len() - 40);
    f[4..6].copy_from_slice(&payload);
    f
}

#[test]
fn icmpv6_behind_options_after_the_fragment_header_as_tshark() {
    // Fragment -> Destination Options -> ICMPv6: the last fragment first,
    // then the first, which holds just the options; then the same with
    // UDP after the options, which is no ICMP message.
    let echo = behind_options_v6(58);
    let udp = behind_options_v6(17);
    let packets = [
        fragment_v6(&echo, 7, 8, 64, false),
        fragment_v6(&echo, 7, 0, 8, true),
        fragment_v6(&udp, 8, 0, 32, true),
        fragment_v6(&udp, 8, 32, 64, false),
    ];
    let file = write_pcap("fragment-options.pcap", &packets);
    let records = tshark::decode_json(icmpkit!(), &file);
    let (summary, packets) = records.split_last().unwrap();
    let ours: Vec<Row> = packets.iter().map(our_row).collect();
    assert_eq!(ours, [(2, 128, 0, 1, 104, vec![1, 2])]);
    assert_eq!(
        summary["reassembly"],
        json!({"datagrams": 1, "fragments": 2, "incomplete_datagrams": 0, "incomplete_fragments": 0})
    );
    assert_eq!(summary["malformed"], 0);
    if !require::program("tshark") {
        return;
    }
    let theirs: Vec<Row> = tshark::fields(&file, tshark::ICMP, &fields())
        .iter()
        .map(|row| {
            // tshark lists the fragments in offset order, we in the order
            // they came.
            let (frame, t, c, status, length, mut fragments) = their_row(row);
            fragments.sort_unstable();
            (frame, t, c, status, length, fragments)
        })
        .collect();
    assert_eq!(ours, theirs);
}
