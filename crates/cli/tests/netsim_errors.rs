//! The errors `icmpkit netsim up` generates agree with tshark: probes
//! crafted onto the TUN device (`lab/netsim/craft.py`), the errors that
//! come back recorded by tcpdump on the device, and tshark's dissection
//! of each: type, code, checksum good, total length (the quote cut at 576
//! bytes for ICMPv4, 1280 for ICMPv6), the MTU of Fragmentation Needed
//! and Packet Too Big, the reject codes, and RFC 4884 extensions (the
//! length attribute, RFC 4950 MPLS label stacks, RFC 5837 interface
//! information) as the topology configures them; and each error's TTL
//! (64, less one per router on the way back).

use std::fmt::Write as _;

use icmpkit_lab::netns::Lab;
use icmpkit_lab::netsim::{Capture, Netsim, craft, example};
use icmpkit_lab::tshark::{self, Row};
use icmpkit_lab::{icmpkit, require};

const TUN_V4: &str = "198.51.100.1";
const TUN_V6: &str = "2001:db8:100::1";

/// The display filter of ICMP and ICMPv6 errors.
const ERRORS: &str = "icmp.type == 3 or icmp.type == 11 or icmpv6.type <= 3";

/// The fields every test here reads besides tshark's verdict fields.
const FIELDS: [&str; 4] = ["ip.src", "ipv6.src", "frame.len", "icmp.mtu"];

/// One error as tshark saw it: (from, type, code, checksum status,
/// length of the whole packet, MTU named in it or 0).
type Error = (String, u8, u8, u8, usize, u32);

fn error(row: &Row) -> Error {
    let (msg_type, code, checksum) = row.verdict();
    let from = [row.first("ip.src"), row.first("ipv6.src")].concat();
    let mtu = [row.first("icmp.mtu"), row.first("icmpv6.mtu")].concat();
    (
        from,
        msg_type,
        code,
        checksum,
        row.first("frame.len").parse().unwrap(),
        mtu.parse().unwrap_or(0),
    )
}

/// Runs `topology` behind the device, writes `specs` onto it and returns
/// the errors that came back (tshark's rows with `FIELDS` and `more`)
/// and the summary; `None` when the test is skipped.
fn run(
    test: &str,
    topology: &str,
    specs: &str,
    more: &[&str],
) -> Option<(Vec<Row>, serde_json::Value)> {
    for program in ["tcpdump", "python3", "tshark"] {
        if !require::program(program) {
            return None;
        }
    }
    let lab = Lab::host(test)?;
    let netsim = Netsim::start(&lab, "host", icmpkit!(), &["--json", &example(topology)]);
    let capture = Capture::start(&lab, "host", "netsim0", test);
    craft(&lab, "host", "netsim0", specs);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");
    let fields: Vec<&str> = tshark::VERDICT_FIELDS
        .iter()
        .chain(&FIELDS)
        .chain(more)
        .copied()
        .collect();
    let rows = tshark::fields(&file, ERRORS, &fields);
    let _ = std::fs::remove_file(&file);
    Some((rows, summary))
}

/// `errors` sorted, for comparison with what was expected in any order
/// (errors from nearer hops come back sooner).
fn sorted(mut errors: Vec<Error>) -> Vec<Error> {
    errors.sort();
    errors
}

fn e(from: &str, msg_type: u8, code: u8, len: usize, mtu: u32) -> Error {
    (from.to_owned(), msg_type, code, 1, len, mtu)
}

#[test]
fn chain_errors_agree_with_tshark() {
    let test = "chain_errors_agree_with_tshark";
    let (d4, d6) = ("203.0.113.10", "2001:db8:10::10");
    let specs = format!(
        "# TTL 1: Time Exceeded from r1, small and big (the quote cut)\n\
         echo {TUN_V4} {d4} 1 7 1\n\
         echo {TUN_V6} {d6} 1 7 2\n\
         udp {TUN_V4} {d4} 1 40000 33434 size=1400\n\
         udp {TUN_V6} {d6} 1 40000 33434 size=1400\n\
         # too big for r4's 1280 link: Fragmentation Needed (DF), Packet Too Big\n\
         udp {TUN_V4} {d4} 64 40001 33434 size=1400 df\n\
         udp {TUN_V6} {d6} 64 40001 33434 size=1400\n\
         # to a closed port of dst: Port Unreachable\n\
         udp {TUN_V4} {d4} 64 40002 33434\n\
         udp {TUN_V6} {d6} 64 40002 33434\n"
    );
    let more = ["icmpv6.mtu", "ip.ttl", "ipv6.hlim"];
    let Some((rows, summary)) = run(test, "chain.toml", &specs, &more) else {
        return;
    };
    let got = sorted(rows.iter().map(error).collect());
    let want = sorted(vec![
        // 20 + 8 + the echo's 42 bytes; 40 + 8 + its 62 (110).
        e("198.51.100.11", 11, 0, 70, 0),
        e("2001:db8:1::1", 3, 0, 110, 0),
        // The 1400-byte datagrams quoted up to 576 and 1280 bytes in all.
        e("198.51.100.11", 11, 0, 576, 0),
        e("2001:db8:1::1", 3, 0, 1280, 0),
        e("198.51.100.14", 3, 4, 576, 1280),
        e("2001:db8:4::1", 2, 0, 1280, 1280),
        // 20 + 8 + the datagram's 35 bytes; 40 + 8 + its 55.
        e("203.0.113.10", 3, 3, 63, 0),
        e("2001:db8:10::10", 1, 4, 103, 0),
    ]);
    assert_eq!(got, want, "{rows:?}");
    // Each error left with TTL 64 and lost one per router on the way
    // back: r1 none, r4 three, dst four.
    let mut ttls: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let from = [r.first("ip.src"), r.first("ipv6.src")].concat();
            (from, [r.first("ip.ttl"), r.first("ipv6.hlim")].concat())
        })
        .collect();
    ttls.sort();
    ttls.dedup();
    let want: Vec<(String, String)> = [
        ("198.51.100.11", "64"),
        ("198.51.100.14", "61"),
        ("2001:db8:10::10", "60"),
        ("2001:db8:1::1", "64"),
        ("2001:db8:4::1", "61"),
        ("203.0.113.10", "60"),
    ]
    .iter()
    .map(|&(a, t)| (a.to_owned(), t.to_owned()))
    .collect();
    assert_eq!(ttls, want);
    assert_eq!(
        summary["errors"],
        serde_json::json!({"time-exceeded": 4, "too-big": 2, "unreachable": 2})
    );
}

#[test]
fn reject_codes_agree_with_tshark() {
    let test = "reject_codes_agree_with_tshark";
    let mut specs = String::new();
    for host in [20, 30, 40, 50] {
        let _ = writeln!(specs, "echo {TUN_V4} 203.0.113.{host} 64 7 {host}");
        let _ = writeln!(specs, "echo {TUN_V6} 2001:db8:10::{host} 64 7 {host}");
    }
    let Some((rows, summary)) = run(test, "reject.toml", &specs, &["icmpv6.mtu"]) else {
        return;
    };
    let got = sorted(rows.iter().map(error).collect());
    let want = sorted(vec![
        // r3's reject routes: host unreachable (!H), prohibited (!X).
        e("198.51.100.13", 3, 1, 70, 0),
        e("2001:db8:3::1", 1, 3, 110, 0),
        e("198.51.100.13", 3, 13, 70, 0),
        e("2001:db8:3::1", 1, 1, 110, 0),
        // fw rejects what it would forward: prohibited.
        e("198.51.100.50", 3, 13, 70, 0),
        e("2001:db8:50::1", 1, 1, 110, 0),
    ]);
    assert_eq!(got, want, "{rows:?}");
    // .30 is a black hole: no error, a drop counted.
    assert_eq!(summary["dropped"], serde_json::json!({"blackhole": 2}));
    assert_eq!(summary["errors"], serde_json::json!({"unreachable": 6}));
}

#[test]
fn extensions_agree_with_tshark() {
    let test = "extensions_agree_with_tshark";
    let d4 = "203.0.113.10";
    let d6 = "2001:db8:10::10";
    let specs = format!(
        "echo {TUN_V4} {d4} 1 7 1\n\
         echo {TUN_V6} {d6} 1 7 2\n\
         echo {TUN_V4} {d4} 2 7 3\n\
         echo {TUN_V4} {d4} 3 7 4\n\
         echo {TUN_V6} {d6} 3 7 5\n\
         udp {TUN_V4} {d4} 1 40000 33434 size=1400\n\
         udp {TUN_V6} {d6} 1 40000 33434 size=1400\n"
    );
    let more = [
        "icmpv6.mtu",
        "icmp.length",
        "icmpv6.length",
        "icmp.ext.checksum.status",
        "icmp.ext.class",
        "icmp.mpls.label",
        "icmp.mpls.exp",
        "icmp.mpls.s",
        "icmp.mpls.ttl",
        "icmp.int_info.role",
        "icmp.int_info.index",
        "icmp.int_info.name",
        "icmp.int_info.mtu",
        "icmp.int_info.ipv4",
        "icmp.int_info.ipv6",
    ];
    let Some((rows, summary)) = run(test, "extensions.toml", &specs, &more) else {
        return;
    };
    // Per error: its length, the RFC 4884 length attribute (32-bit words
    // for ICMPv4, 64-bit for ICMPv6), the extension checksum's status
    // and classes, then each object's fields.
    let mut got: Vec<(Error, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let error = error(r);
            // tshark 4.0 looks for the extension only after a 128-byte
            // quote: after the longer quotes of big probes it finds none
            // (ICMPv4) or reads the quote as one with a bad checksum
            // (ICMPv6); there only the length attribute is compared.
            let big = matches!(error.4, 576 | 1280);
            let attrs = more[1..]
                .iter()
                .filter(|f| !big || f.contains("length"))
                .filter(|f| !r.all(f).is_empty())
                .map(|f| format!("{f}={}", r.all(f).join(",")))
                .collect();
            (error, attrs)
        })
        .collect();
    got.sort();
    let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut want = vec![
        // r1: a two-label stack (RFC 4950) after the quote padded to 128
        // bytes (32 words; 16 for ICMPv6).
        (
            e("198.51.100.11", 11, 0, 20 + 8 + 128 + 16, 0),
            strings(&[
                "icmp.length=32",
                "icmp.ext.checksum.status=1",
                "icmp.ext.class=1",
                "icmp.mpls.label=16005,24001",
                "icmp.mpls.exp=0,0",
                "icmp.mpls.s=0,1",
                "icmp.mpls.ttl=1,1",
            ]),
        ),
        (
            e("2001:db8:1::1", 3, 0, 40 + 8 + 128 + 16, 0),
            strings(&[
                "icmpv6.length=16",
                "icmp.ext.checksum.status=1",
                "icmp.ext.class=1",
                "icmp.mpls.label=16005,24001",
                "icmp.mpls.exp=0,0",
                "icmp.mpls.s=0,1",
                "icmp.mpls.ttl=1,1",
            ]),
        ),
        // r2: one label, traffic class 5.
        (
            e("198.51.100.12", 11, 0, 20 + 8 + 128 + 12, 0),
            strings(&[
                "icmp.length=32",
                "icmp.ext.checksum.status=1",
                "icmp.ext.class=1",
                "icmp.mpls.label=24001",
                "icmp.mpls.exp=5",
                "icmp.mpls.s=1",
                "icmp.mpls.ttl=1",
            ]),
        ),
        // r3: RFC 5837, the incoming interface (role 0): ifIndex 2 (lo
        // is 1), its address, name eth0 and MTU 1500.
        (
            e("198.51.100.13", 11, 0, 188, 0),
            strings(&[
                "icmp.length=32",
                "icmp.ext.checksum.status=1",
                "icmp.ext.class=2",
                "icmp.int_info.role=0",
                "icmp.int_info.index=2",
                "icmp.int_info.name=eth0",
                "icmp.int_info.mtu=1500",
                "icmp.int_info.ipv4=198.51.100.13",
            ]),
        ),
        (
            e("2001:db8:3::1", 3, 0, 220, 0),
            strings(&[
                "icmpv6.length=16",
                "icmp.ext.checksum.status=1",
                "icmp.ext.class=2",
                "icmp.int_info.role=0",
                "icmp.int_info.index=2",
                "icmp.int_info.name=eth0",
                "icmp.int_info.mtu=1500",
                "icmp.int_info.ipv6=2001:db8:3::1",
            ]),
        ),
        // A 1400-byte probe: the quote takes what 576 (1280) bytes leave
        // beside the 16 bytes of extension, 532 (1216) bytes, as RFC
        // 4884 5.1 allows (at least 128, padded to the word).
        (
            e("198.51.100.11", 11, 0, 576, 0),
            strings(&["icmp.length=133"]),
        ),
        (
            e("2001:db8:1::1", 3, 0, 1280, 0),
            strings(&["icmpv6.length=152"]),
        ),
    ];
    want.sort();
    assert_eq!(got, want, "{rows:?}");
    assert_eq!(summary["errors"], serde_json::json!({"time-exceeded": 7}));
}
