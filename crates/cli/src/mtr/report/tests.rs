//! The report, CSV and JSON of paths built from probe results. The
//! expected text of the report follows mtr 0.95's `printf`s (checked with
//! a Python model of them and against `mtr -r` on loopback).

use std::net::IpAddr;
use std::time::{Duration, Instant, UNIX_EPOCH};

use icmpkit_net::Clocks;
use icmpkit_proto::mtr::{Path, PathEvent, ProbeResult};
use icmpkit_proto::trace::{Answer, Extension, Outcome, Rewrites};
use icmpkit_wire::IpVersion;
use icmpkit_wire::extension::{InterfaceRole, MplsLabel};
use serde_json::{Value, json};

use super::*;
use crate::mtr::columns::{self, Column};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

fn answer(from: &str, micros: u64, outcome: Outcome) -> Answer {
    Answer {
        from: ip(from),
        rtt: Duration::from_micros(micros),
        outcome,
        reply_ttl: Some(60),
        quoted_ttl: None,
        rewrites: Rewrites::default(),
        extensions: Vec::new(),
    }
}

/// Feeds `path` round after round from `first`: `rounds[r][i]` is the
/// answer to the probe of round `first + r` at TTL `i + 1` (`None`:
/// lost), each round sent 1 s after the one before.
fn feed(path: &mut Path, t0: Instant, first: u64, rounds: &[Vec<Option<Answer>>]) {
    for (round, answers) in (first..).zip(rounds) {
        for (ttl, answer) in (1u8..).zip(answers) {
            path.record(&ProbeResult {
                round,
                ttl,
                flow: 0,
                sent_at: t0 + Duration::from_secs(round) + Duration::from_millis(u64::from(ttl)),
                answer: answer.clone(),
                burst: None,
            });
        }
    }
}

fn hop(from: &str, micros: u64) -> Answer {
    answer(from, micros, Outcome::Hop)
}

fn reached(from: &str, micros: u64) -> Answer {
    answer(from, micros, Outcome::Reached)
}

/// 10.0.0.254, a silent hop, then 203.0.113.7 that misses one of four.
fn three_hops() -> Path {
    let mut path = Path::new(ip("203.0.113.7"), 1);
    let d = "203.0.113.7";
    let r = "10.0.0.254";
    feed(
        &mut path,
        Instant::now(),
        0,
        &[
            vec![Some(hop(r, 1000)), None, Some(reached(d, 5000))],
            vec![Some(hop(r, 1200)), None, None],
            vec![Some(hop(r, 800)), None, Some(reached(d, 5500))],
            vec![Some(hop(r, 1000)), None, Some(reached(d, 4500))],
        ],
    );
    path
}

/// Hop 1 answered by two routers (edge-a.example.net last), hop 2 the
/// destination with a long name.
fn two_routers() -> Path {
    let mut path = Path::new(ip("198.51.100.20"), 1);
    let d = "198.51.100.20";
    feed(
        &mut path,
        Instant::now(),
        0,
        &[
            vec![Some(hop("10.0.1.1", 1000)), Some(reached(d, 3000))],
            vec![Some(hop("10.0.2.1", 2000)), Some(reached(d, 3000))],
            vec![Some(hop("10.0.1.1", 1500)), Some(reached(d, 3000))],
        ],
    );
    path
}

/// An RFC 5837 object for the incoming interface `ifindex` of a router,
/// 198.51.100.7, MTU 1500.
fn incoming(ifindex: u32, name: Option<&str>) -> Extension {
    Extension::Interface {
        role: InterfaceRole::IncomingIpInterface,
        ifindex: Some(ifindex),
        address: Some(ip("198.51.100.7")),
        name: name.map(str::to_owned),
        mtu: Some(1500),
    }
}

fn names(address: IpAddr) -> Option<String> {
    match address.to_string().as_str() {
        "10.0.1.1" => Some("edge-a.example.net".into()),
        "198.51.100.20" => Some("a-rather-long-destination-name.example.org".into()),
        _ => None,
    }
}

fn header() -> Header {
    Header {
        local_host: "vm".into(),
        target: "example.net".into(),
        source: ip("10.0.0.1"),
        started: UNIX_EPOCH + Duration::from_secs(1_796_393_084),
        utc_offset: 3600,
    }
}

fn layout(wide: bool) -> Layout<'static> {
    Layout {
        columns: &columns::DEFAULT,
        wide,
        show_ips: false,
        mpls: false,
    }
}

fn table(
    path: &Path,
    layout: &Layout<'_>,
    name: &mut dyn FnMut(IpAddr) -> Option<String>,
) -> String {
    let mut out = Vec::new();
    write_table(&mut out, &header(), path, layout, name).unwrap();
    String::from_utf8(out).unwrap()
}

fn numeric(_: IpAddr) -> Option<String> {
    None
}

#[test]
fn the_start_line_is_mtrs_in_local_time() {
    let mut out = Vec::new();
    write_start(&mut out, &header()).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Start: 2026-12-04T15:04:44+0100\n"
    );
}

#[test]
fn the_report_is_mtrs_table() {
    assert_eq!(
        table(&three_hops(), &layout(false), &mut numeric),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- 10.0.0.254                 0.0%     4    1.0   1.0   0.8   1.2   0.2
  2.|-- ???                       100.0     4    0.0   0.0   0.0   0.0   0.0
  3.|-- 203.0.113.7               25.0%     4    4.5   5.0   4.5   5.5   0.5
"
    );
}

#[test]
fn names_are_cut_at_the_first_column_and_other_addresses_listed_under_the_hop() {
    assert_eq!(
        table(&two_routers(), &layout(false), &mut names),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- edge-a.example.net         0.0%     3    1.5   1.5   1.0   2.0   0.5
        10.0.2.1                         
  2.|-- a-rather-long-destination  0.0%     3    3.0   3.0   3.0   3.0   0.0
"
    );
}

#[test]
fn the_wide_report_keeps_names_whole_with_mtrs_offset_titles() {
    assert_eq!(
        table(&two_routers(), &layout(true), &mut names),
        "\
HOST: vm                                         Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- edge-a.example.net                          0.0%     3    1.5   1.5   1.0   2.0   0.5
        10.0.2.1                                  
  2.|-- a-rather-long-destination-name.example.org  0.0%     3    3.0   3.0   3.0   3.0   0.0
"
    );
}

#[test]
fn show_ips_prints_name_and_address() {
    let layout = Layout {
        columns: &[Column::Received, Column::Drop],
        wide: true,
        show_ips: true,
        mpls: false,
    };
    assert_eq!(
        table(&two_routers(), &layout, &mut names),
        "\
HOST: vm                                                           Rcv Drop
  1.|-- edge-a.example.net (10.0.1.1)                                  3    0
        10.0.2.1                                                  
  2.|-- a-rather-long-destination-name.example.org (198.51.100.20)     3    0
"
    );
}

/// An MPLS label stack entry with traffic class 0 and TTL 1.
fn label(label: u32, bottom_of_stack: bool) -> MplsLabel {
    MplsLabel {
        label,
        tc: 0,
        bottom_of_stack,
        ttl: 1,
    }
}

/// Hop 1 a label switch router (a stack of two labels, its incoming
/// interface), hop 2 two routers of one LSP each (10.0.2.1 last), hop 3
/// the destination.
fn labelled() -> Path {
    let mut path = Path::new(ip("203.0.113.7"), 1);
    let with = |from: &str, micros, extensions: Vec<Extension>| Answer {
        extensions,
        ..hop(from, micros)
    };
    let lsr = || {
        let stack = vec![
            label(24_001, false),
            MplsLabel {
                tc: 5,
                ..label(16, true)
            },
        ];
        with(
            "10.0.0.254",
            1000,
            vec![Extension::Mpls(stack), incoming(2, Some("eth2"))],
        )
    };
    let branch = |from, l| with(from, 2000, vec![Extension::Mpls(vec![label(l, true)])]);
    let d = "203.0.113.7";
    feed(
        &mut path,
        Instant::now(),
        0,
        &[
            vec![
                Some(lsr()),
                Some(branch("10.0.1.1", 24_002)),
                Some(reached(d, 3000)),
            ],
            vec![
                Some(lsr()),
                Some(branch("10.0.2.1", 24_003)),
                Some(reached(d, 3000)),
            ],
        ],
    );
    path
}

#[test]
fn with_e_the_report_prints_mtrs_mpls_lines_then_the_interfaces_under_a_hop() {
    let with_e = Layout {
        mpls: true,
        ..layout(false)
    };
    assert_eq!(
        table(&labelled(), &with_e, &mut numeric),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- 10.0.0.254                 0.0%     2    1.0   1.0   1.0   1.0   0.0
       [MPLS: Lbl 24001 TC 0 S 0 TTL 1]
       [MPLS: Lbl 16 TC 5 S 1 TTL 1]
       [Incoming interface: index 2, 198.51.100.7, name \"eth2\", MTU 1500]
  2.|-- 10.0.2.1                   0.0%     2    2.0   2.0   2.0   2.0   0.0
       [MPLS: Lbl 24002 TC 0 S 1 TTL 1]
       [MPLS: Lbl 24003 TC 0 S 1 TTL 1]
        10.0.1.1                         
  3.|-- 203.0.113.7                0.0%     2    3.0   3.0   3.0   3.0   0.0
"
    );
}

#[test]
fn without_e_the_report_has_no_extension_lines() {
    assert_eq!(
        table(&labelled(), &layout(false), &mut numeric),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- 10.0.0.254                 0.0%     2    1.0   1.0   1.0   1.0   0.0
  2.|-- 10.0.2.1                   0.0%     2    2.0   2.0   2.0   2.0   0.0
        10.0.1.1                         
  3.|-- 203.0.113.7                0.0%     2    3.0   3.0   3.0   3.0   0.0
"
    );
}

fn csv(path: &Path, wide: bool) -> String {
    let mut out = Vec::new();
    write_csv(&mut out, &header(), path, &layout(wide), &mut names).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_csv_is_mtrs() {
    let v = env!("CARGO_PKG_VERSION");
    assert_eq!(
        csv(&three_hops(), false),
        format!(
            "\
Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,Last,Avg,Best,Wrst,StDev,
icmpkit.{v},1796393084,OK,example.net,1,10.0.0.254,0.00,4,0,1.00,1.00,0.80,1.20,0.16
icmpkit.{v},1796393084,OK,example.net,2,???,100.00,4,4,0.00,0.00,0.00,0.00,0.00
icmpkit.{v},1796393084,OK,example.net,3,203.0.113.7,25.00,4,1,4.50,5.00,4.50,5.50,0.50
"
        )
    );
}

#[test]
fn the_wide_csv_has_a_row_per_address_of_a_hop() {
    let v = env!("CARGO_PKG_VERSION");
    let hops = format!(
        "\
icmpkit.{v},1796393084,OK,example.net,1,edge-a.example.net,0.00,3,0,1.50,1.50,1.00,2.00,0.50
icmpkit.{v},1796393084,OK,example.net,1,10.0.2.1,0.00,3,0,1.50,1.50,1.00,2.00,0.50
icmpkit.{v},1796393084,OK,example.net,2,a-rather-long-destination-name.example.org,\
0.00,3,0,3.00,3.00,3.00,3.00,0.00
"
    );
    let csv = csv(&two_routers(), true);
    let (titles, rows) = csv.split_once('\n').unwrap();
    assert!(titles.starts_with("Mtr_Version,"));
    assert_eq!(rows, hops);
}

#[test]
fn nothing_is_printed_for_a_path_without_hops() {
    let path = Path::new(ip("203.0.113.7"), 1);
    assert_eq!(csv(&path, false), "");
    assert_eq!(
        table(&path, &layout(false), &mut numeric),
        "HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev\n"
    );
}

#[test]
fn the_json_report_has_typed_figures_and_null_before_any_answer() {
    let mut path = three_hops();
    let mpls = vec![MplsLabel {
        label: 24_001,
        tc: 0,
        bottom_of_stack: true,
        ttl: 1,
    }];
    let mut with_labels = answer("10.0.0.254", 1000, Outcome::Hop);
    with_labels.extensions.push(Extension::Mpls(mpls));
    with_labels.extensions.push(incoming(2, Some("eth2")));
    let unreachable = Outcome::Unreachable {
        version: IpVersion::V4,
        msg_type: 3,
        code: 1,
        mtu: None,
    };
    feed(
        &mut path,
        Instant::now(),
        4,
        &[vec![
            Some(with_labels),
            None,
            Some(answer("203.0.113.7", 5000, unreachable)),
        ]],
    );
    let events = [
        PathEvent::DestinationMoved {
            from: None,
            to: 3,
            round: 0,
        },
        PathEvent::NewAddress {
            ttl: 3,
            address: ip("198.51.100.3"),
            round: 2,
        },
    ];
    let report = report_json(&header(), &path, &events, &mut numeric);
    let silent = json!({
        "ttl": 2, "addresses": [], "sent": 5, "received": 0,
        "loss_percent": 100.0, "real_loss_percent": null,
        "last_ms": null, "avg_ms": null, "best_ms": null, "worst_ms": null,
        "stdev_ms": null, "gmean_ms": null, "jitter_ms": null, "javg_ms": null,
        "jmax_ms": null, "jint_ms": null,
        "mpls": [], "interfaces": [], "verdict": null, "annotation": null, "burst": null,
    });
    let expected = json!({
        "schema": 1,
        "target": "example.net",
        "address": "203.0.113.7",
        "source": "10.0.0.1",
        "local_host": "vm",
        "started": "2026-12-04T15:04:44+01:00",
        "rounds": 5,
        "destination_ttl": 3,
        "hops": [
            {
                "ttl": 1,
                "addresses": [{"address": "10.0.0.254", "name": null, "count": 5}],
                "sent": 5, "received": 5,
                "loss_percent": 0.0, "real_loss_percent": null,
                "last_ms": 1.0, "avg_ms": 1.0, "best_ms": 0.8, "worst_ms": 1.2,
                "stdev_ms": 0.141, "gmean_ms": 0.991, "jitter_ms": 0.0, "javg_ms": 0.16,
                "jmax_ms": 0.4, "jint_ms": 0.703,
                "mpls": [[{"label": 24_001, "tc": 0, "s": true, "ttl": 1}]],
                "interfaces": [{
                    "type": "interface", "role": "Incoming interface", "ifindex": 2,
                    "address": "198.51.100.7", "name": "eth2", "mtu": 1500,
                }],
                "verdict": null,
                "annotation": null,
                "burst": null,
            },
            silent,
            {
                "ttl": 3,
                "addresses": [{"address": "203.0.113.7", "name": null, "count": 4}],
                "sent": 5, "received": 4,
                "loss_percent": 20.0, "real_loss_percent": null,
                "last_ms": 5.0, "avg_ms": 5.0, "best_ms": 4.5, "worst_ms": 5.5,
                "stdev_ms": 0.408, "gmean_ms": 4.987, "jitter_ms": 0.5, "javg_ms": 0.5,
                "jmax_ms": 1.0, "jint_ms": 1.877,
                "mpls": [],
                "interfaces": [],
                "verdict": null,
                "annotation": "!H",
                "burst": null,
            },
        ],
        "events": [
            {"kind": "destination_moved", "from": null, "to": 3, "round": 0},
            {"kind": "new_address", "ttl": 3, "address": "198.51.100.3", "round": 2},
        ],
    });
    assert_eq!(report.to_string(), with_one_flow(expected).to_string());
}

/// `report` with each hop's `flows`: one flow, 0, whose counts and
/// figures are the hop's (every probe of the tests goes on flow 0), after
/// the hop's last figure.
fn with_one_flow(mut report: Value) -> Value {
    const FLOW_KEYS: [&str; 13] = [
        "sent",
        "received",
        "loss_percent",
        "last_ms",
        "avg_ms",
        "best_ms",
        "worst_ms",
        "stdev_ms",
        "gmean_ms",
        "jitter_ms",
        "javg_ms",
        "jmax_ms",
        "jint_ms",
    ];
    for hop in report["hops"].as_array_mut().unwrap() {
        let fields = hop.as_object().unwrap().clone();
        let mut flow = serde_json::Map::new();
        flow.insert("flow".into(), 0.into());
        for key in FLOW_KEYS {
            flow.insert(key.into(), fields[key].clone());
        }
        let mut rebuilt = serde_json::Map::new();
        for (key, value) in fields {
            let last = key == "jint_ms";
            rebuilt.insert(key, value);
            if last {
                rebuilt.insert(
                    "flows".into(),
                    Value::Array(vec![Value::Object(flow.clone())]),
                );
            }
        }
        *hop = Value::Object(rebuilt);
    }
    report
}

#[test]
fn a_probe_record_has_its_wall_time_and_answer() {
    let t0 = Instant::now();
    let clocks = Clocks::new(
        t0 + Duration::from_secs(2),
        UNIX_EPOCH + Duration::from_secs(1_796_393_084),
    );
    let answered = ProbeResult {
        round: 3,
        ttl: 2,
        flow: 0,
        sent_at: t0 + Duration::from_micros(500_250),
        answer: Some(answer("10.0.0.254", 1_234_567, Outcome::Hop)),
        burst: None,
    };
    assert_eq!(
        probe_json(&answered, &clocks).to_string(),
        json!({
            "round": 3, "ttl": 2, "flow": 0, "sent_at": 1_796_393_082.500_25,
            "rtt_ms": 1234.567, "from": "10.0.0.254", "outcome": "hop", "annotation": null,
        })
        .to_string()
    );
    let lost = ProbeResult {
        answer: None,
        sent_at: clocks.now + Duration::from_secs(1),
        ..answered
    };
    assert_eq!(
        probe_json(&lost, &clocks).to_string(),
        json!({
            "round": 3, "ttl": 2, "flow": 0, "sent_at": 1_796_393_085.0,
            "rtt_ms": null, "from": null, "outcome": null, "annotation": null,
        })
        .to_string()
    );
}

/// One hop, `localhost` (or `::1`), answering after each of `micros`.
fn loopback(address: &str, micros: &[u64]) -> Path {
    let mut path = Path::new(ip(address), 1);
    let rounds: Vec<_> = micros
        .iter()
        .map(|&us| vec![Some(reached(address, us))])
        .collect();
    feed(&mut path, Instant::now(), 0, &rounds);
    path
}

fn localhost(address: IpAddr) -> Option<String> {
    (address == ip("127.0.0.1")).then(|| "localhost".to_owned())
}

/// The lines of `mtr -r -c 2`, `mtr -w -c 2` and `mtr -C -c 2` (0.95) to
/// 127.0.0.1 and `::1` on a host named `vm`, after their `Start:` line,
/// with RTTs that give the figures mtr showed.
#[test]
fn tables_match_mtr_on_loopback() {
    assert_eq!(
        table(
            &loopback("127.0.0.1", &[600, 100]),
            &layout(false),
            &mut localhost
        ),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- localhost                  0.0%     2    0.1   0.3   0.1   0.6   0.4
"
    );
    assert_eq!(
        table(
            &loopback("::1", &[500, 100]),
            &layout(false),
            &mut localhost
        ),
        "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- ::1                        0.0%     2    0.1   0.3   0.1   0.5   0.3
"
    );
    assert_eq!(
        table(
            &loopback("127.0.0.1", &[40, 60]),
            &layout(true),
            &mut localhost
        ),
        "\
HOST: vm        Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- localhost  0.0%     2    0.1   0.1   0.0   0.1   0.0
"
    );
    let every = Layout {
        columns: &Column::parse_order("LDRSNBAWVGJMXI").unwrap(),
        wide: false,
        show_ips: false,
        mpls: false,
    };
    let mut out = Vec::new();
    let path = loopback("127.0.0.1", &[100, 100]);
    write_table(&mut out, &header(), &path, &every, &mut numeric).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\
HOST: vm                          Loss% Drop   Rcv   Snt  Last  Best   Avg  Wrst StDev Gmean Jttr Javg Jmax Jint
  1.|-- 127.0.0.1                  0.0%    0     2     2   0.1   0.1   0.1   0.1   0.0   0.1  0.0  0.0  0.0  0.0
"
    );
}

#[test]
fn the_csv_matches_mtr_on_loopback() {
    let mut out = Vec::new();
    let header = Header {
        target: "127.0.0.1".into(),
        started: UNIX_EPOCH + Duration::from_secs(1_796_393_106),
        ..header()
    };
    let path = loopback("127.0.0.1", &[48, 60]);
    write_csv(&mut out, &header, &path, &layout(false), &mut localhost).unwrap();
    let mtr = "\
Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,Last,Avg,Best,Wrst,StDev,
MTR.0.95,1796393106,OK,127.0.0.1,1,localhost,0.00,2,0,0.06,0.05,0.05,0.06,0.01
";
    assert_eq!(
        String::from_utf8(out).unwrap(),
        mtr.replace("MTR.0.95", concat!("icmpkit.", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn verdicts_follow_the_table_after_a_blank_line() {
    let mut path = Path::new(ip("203.0.113.7"), 1);
    let round = vec![
        Some(hop("10.0.0.254", 1000)),
        None,
        Some(reached("203.0.113.7", 5000)),
    ];
    feed(&mut path, Instant::now(), 0, &vec![round; 10]);
    path.assess();
    let silent = path.hops()[1].verdict.line().expect("a silent hop's line");
    assert_eq!(
        table(&path, &layout(false), &mut numeric),
        format!(
            "\
HOST: vm                          Loss%   Snt   Last   Avg  Best  Wrst StDev
  1.|-- 10.0.0.254                 0.0%    10    1.0   1.0   1.0   1.0   0.0
  2.|-- ???                       100.0    10    0.0   0.0   0.0   0.0   0.0
  3.|-- 203.0.113.7                0.0%    10    5.0   5.0   5.0   5.0   0.0

  2. ???: {silent}
"
        )
    );
}
