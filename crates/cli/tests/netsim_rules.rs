//! The router's rules, proved through `icmpkit netsim up`'s TUN device
//! with the real kernel and tshark as peers: packets crafted and written
//! onto the device (`lab/netsim/craft.py`, `AF_PACKET`, so no kernel check
//! stands between them and the netsim), what comes back recorded by
//! tcpdump on the device, and the netsim's JSON summary.
//!
//! - Forbidden errors are never sent (RFC 1122 3.2.2, RFC 1812 4.3.2.7,
//!   RFC 4443 2.4 (e)): errors about errors, to broadcast and multicast,
//!   about non-initial fragments, to sources that are not one host; each
//!   refusal counted by its rule, while a control probe gets its error.
//! - The one exception (RFC 4443 2.4 (e.3)): Packet Too Big about a
//!   datagram to multicast (`examples/netsim/pmtu.toml`), where
//!   IPv4's Fragmentation Needed is refused.

use icmpkit_lab::netns::Lab;
use icmpkit_lab::netsim::{Capture, Netsim, craft, example};
use icmpkit_lab::tshark;
use icmpkit_lab::{icmpkit, require};

/// The chain's device addresses (`examples/netsim/chain.toml`).
const TUN_V4: &str = "198.51.100.1";
const TUN_V6: &str = "2001:db8:100::1";
/// The chain's destination.
const DST_V4: &str = "203.0.113.10";
const DST_V6: &str = "2001:db8:10::10";
/// r1, the first hop, where TTL 1 runs out.
const R1_V4: &str = "198.51.100.11";
const R1_V6: &str = "2001:db8:1::1";

/// A lab with one namespace and the programs a test here needs, or `None`
/// (the test is skipped, or fails under CI).
fn lab(test: &str, programs: &[&str]) -> Option<Lab> {
    for program in ["tcpdump", "python3"].iter().chain(programs) {
        if !require::program(program) {
            return None;
        }
    }
    Lab::host(test)
}

/// A counter map of the summary (`refused`, `errors`, `rate_limited`)
/// as (name, count) pairs.
fn counts(summary: &serde_json::Value, key: &str) -> Vec<(String, u64)> {
    summary[key]
        .as_object()
        .unwrap_or_else(|| panic!("{key}: {summary}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

#[test]
fn forbidden_errors_are_never_sent() {
    let test = "forbidden_errors_are_never_sent";
    let Some(lab) = lab(test, &["tshark"]) else {
        return;
    };
    let netsim = Netsim::start(
        &lab,
        "host",
        icmpkit!(),
        &["--json", &example("chain.toml")],
    );
    let capture = Capture::start(&lab, "host", "netsim0", test);
    // Everything with TTL (hop limit) 1, so that r1 would owe an error.
    let forbidden = format!(
        "# errors about errors (RFC 1122 3.2.2, RFC 4443 2.4 (e.1))\n\
         error {TUN_V4} {DST_V4} 1 3 3\n\
         error {TUN_V4} {DST_V4} 1 11 0\n\
         error {TUN_V6} {DST_V6} 1 1 4\n\
         error {TUN_V6} {DST_V6} 1 3 0\n\
         # to multicast and broadcast (RFC 1812 4.3.2.7, RFC 4443 2.4 (e.3))\n\
         udp {TUN_V4} 224.0.0.1 1 40000 33434\n\
         udp {TUN_V4} 239.1.2.3 1 40000 33434\n\
         udp {TUN_V4} 255.255.255.255 1 40000 33434\n\
         udp {TUN_V6} ff02::1 1 40000 33434\n\
         udp {TUN_V6} ff05::2 1 40000 33434\n\
         # non-initial fragments (RFC 1812 4.3.2.7)\n\
         frag {TUN_V4} {DST_V4} 1\n\
         frag {TUN_V6} {DST_V6} 1\n\
         # sources that are not one host (RFC 1812 4.3.2.7, RFC 4443 2.4 (e.6))\n\
         udp 0.0.0.0 {DST_V4} 1 40000 33434\n\
         udp 127.0.0.1 {DST_V4} 1 40000 33434\n\
         udp 224.0.0.5 {DST_V4} 1 40000 33434\n\
         udp :: {DST_V6} 1 40000 33434\n\
         udp ::1 {DST_V6} 1 40000 33434\n\
         udp ff02::1 {DST_V6} 1 40000 33434\n"
    );
    // The controls: ordinary echoes, TTL 1.
    let control = format!(
        "echo {TUN_V4} {DST_V4} 1 4242 1\n\
         echo {TUN_V6} {DST_V6} 1 4242 2\n"
    );
    assert_eq!(craft(&lab, "host", "netsim0", &forbidden), 17);
    assert_eq!(craft(&lab, "host", "netsim0", &control), 2);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");

    // What r1 sent, as tshark reads it: the two Time Exceeded, each
    // quoting its control echo, and nothing else.
    let rows = tshark::fields(
        &file,
        &format!("ip.src == {R1_V4} or ipv6.src == {R1_V6}"),
        &[
            &tshark::VERDICT_FIELDS[..],
            &["ip.dst", "ipv6.dst", "icmp.ident", "icmpv6.echo.identifier"],
        ]
        .concat(),
    );
    // Nothing else came back: the 19 frames written onto the device and
    // those two.
    let frames = tshark::fields(&file, "frame", &["frame.number"]).len();
    let _ = std::fs::remove_file(&file);
    assert_eq!(frames, 21);
    let got: Vec<(tshark::Verdict, String)> = rows
        .iter()
        .map(|r| {
            let to = [r.first("ip.dst"), r.first("ipv6.dst")].concat();
            (r.verdict(), to)
        })
        .collect();
    assert_eq!(
        got,
        [
            ((11, 0, 1), TUN_V4.to_owned()),
            ((3, 0, 1), TUN_V6.to_owned())
        ],
        "{rows:?}"
    );
    for row in &rows {
        let ident = [row.all("icmp.ident"), row.all("icmpv6.echo.identifier")].concat();
        assert!(
            ident.iter().any(|i| i == "4242" || i == "0x1092"),
            "{row:?}"
        );
    }

    // The summary names each rule with its count.
    assert_eq!(summary["read"], 19, "{summary}");
    assert_eq!(summary["written"], 2, "{summary}");
    assert_eq!(
        counts(&summary, "refused"),
        pairs(&[
            ("error-about-error", 4),
            ("non-initial-fragment", 2),
            ("source-not-a-host", 6),
            ("to-broadcast-or-multicast", 5),
        ]),
        "{summary}"
    );
    assert_eq!(
        counts(&summary, "errors"),
        pairs(&[("time-exceeded", 2)]),
        "{summary}"
    );
    assert_eq!(summary["rate_limited"], serde_json::json!({}));
}

#[test]
fn packet_too_big_is_the_one_error_multicast_gets() {
    let test = "packet_too_big_is_the_one_error_multicast_gets";
    let Some(lab) = lab(test, &["tshark"]) else {
        return;
    };
    let netsim = Netsim::start(&lab, "host", icmpkit!(), &["--json", &example("pmtu.toml")]);
    let capture = Capture::start(&lab, "host", "netsim0", test);
    let specs = format!(
        "# too big for r1 -> r2 (1280): Packet Too Big, but no Fragmentation Needed\n\
         udp {TUN_V6} ff0e::1 64 40000 9 size=1400\n\
         udp {TUN_V4} 239.1.2.3 64 40000 9 size=1400 df\n\
         # small: forwarded to r2, which has no route (Network Unreachable)\n\
         udp {TUN_V6} ff0e::1 64 40000 9\n\
         udp {TUN_V4} 239.1.2.3 64 40000 9\n"
    );
    assert_eq!(craft(&lab, "host", "netsim0", &specs), 4);
    let file = capture.stop();
    let summary = netsim.interrupt();
    eprintln!("{summary}");
    let rows = tshark::fields(
        &file,
        "icmp or icmpv6",
        &[
            &tshark::VERDICT_FIELDS[..],
            &["ipv6.src", "icmpv6.mtu", "frame.len"],
        ]
        .concat(),
    );
    let _ = std::fs::remove_file(&file);
    let got: Vec<(tshark::Verdict, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.verdict(),
                r.first("ipv6.src"),
                r.first("icmpv6.mtu"),
                r.first("frame.len"),
            )
        })
        .collect();
    assert_eq!(got, [((2, 0, 1), R1_V6, "1280", "1280")], "{rows:?}");
    assert_eq!(summary["errors"], serde_json::json!({"too-big": 1}));
    assert_eq!(
        summary["refused"],
        serde_json::json!({"to-broadcast-or-multicast": 3}),
        "{summary}"
    );
}
