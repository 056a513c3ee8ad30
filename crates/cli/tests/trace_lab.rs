//! `icmpkit trace` in the traceroute lab of `lab/lib.sh` (`lab_trace`:
//! client - r1 - r2 - {r3a | r3b} - r4 - server, an ECMP fork at r2),
//! against Butskoy traceroute, tracepath and scamper (`trace`, `tracelb`)
//! run in the same lab.
//! Every lab is built and removed by the guard `icmpkit_lab::netns::Lab`.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::process::{Child, Command, Output, Stdio};

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{
    self, Lab, R1_4, R1_6, R2_4, R2_6, R3A_4, R3A_6, R3B_4, R3B_6, R4_4, R4_6, R4_R3B_6, SERVER4,
    SERVER6,
};
use icmpkit_lab::traceroute::{addr_set as set, hop_lines, trace_lab_path};
use serde_json::Value;

/// Runs `program args` in namespace `ns` of the lab (bounded by 60 s).
fn run(chain: &Lab, ns: &str, program: &str, args: &[&str]) -> Output {
    chain.run_bounded(ns, 60, program, args)
}

/// `icmpkit trace ARGS` from the client; asserts it reached the
/// destination (exit 0).
fn trace(chain: &Lab, args: &[&str]) -> String {
    trace_exiting(chain, args, 0)
}

/// `icmpkit trace ARGS` from the client; asserts it exited with `code`
/// (0: the destination was reached, 1: it was not).
fn trace_exiting(chain: &Lab, args: &[&str], code: i32) -> String {
    let out = run(
        chain,
        "client",
        icmpkit!(),
        &[&["trace"][..], args].concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "icmpkit trace {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A peer tool's stdout from the client.
fn peer(chain: &Lab, program: &str, args: &[&str]) -> String {
    String::from_utf8(run(chain, "client", program, args).stdout).unwrap()
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn hops_agree_with_traceroute_for_every_method_and_family() {
    let Some(chain) = Lab::trace("trace hops", 1280) else {
        return;
    };
    for (v6, dst) in [(false, SERVER4), (true, SERVER6)] {
        for method in ["-U", "-I", "-T"] {
            let family = if v6 { "-6" } else { "-4" };
            let ours = trace(&chain, &["-n", family, method, dst]);
            let theirs = peer(&chain, "traceroute", &["-n", family, method, dst]);
            let (ours, theirs) = (hop_lines(&ours), hop_lines(&theirs));
            let expected = trace_lab_path(v6);
            assert_eq!(ours.len(), expected.len(), "{method} {dst}: {ours:?}");
            assert_eq!(theirs.len(), ours.len(), "{method} {dst}: {theirs:?}");
            for ((hop, peer_hop), allowed) in ours.iter().zip(&theirs).zip(&expected) {
                // Paris: one address per hop, every probe on one path.
                assert_eq!(hop.addrs.len(), 1, "{method} {dst}: {hop:?}");
                assert!(allowed.contains(&hop.addrs[0]), "{method} {dst}: {hop:?}");
                assert!(
                    peer_hop.addrs.iter().all(|a| allowed.contains(a)),
                    "{peer_hop:?}"
                );
                assert_eq!((hop.stars, &hop.annotations), (0, &Vec::new()), "{hop:?}");
            }
            // scamper's Paris traces (one probe per hop) agree as well.
            let scamper_method = match method {
                "-U" => "trace -P udp-paris",
                "-I" => "trace -P icmp-paris",
                _ => "trace -P tcp",
            };
            let scamper = hop_lines(&peer(&chain, "scamper", &["-c", scamper_method, "-i", dst]));
            assert_eq!(
                scamper.len(),
                expected.len(),
                "scamper {scamper_method}: {scamper:?}"
            );
            for (hop, allowed) in scamper.iter().zip(&expected) {
                assert_eq!(hop.addrs.len(), 1, "scamper {scamper_method}: {hop:?}");
                assert!(
                    allowed.contains(&hop.addrs[0]),
                    "scamper {scamper_method}: {hop:?}"
                );
            }
            if v6 {
                // The branch taken at hop 3 is the one hop 4 answers from.
                let via_a = ours[2].addrs[0] == addr(R3A_6);
                assert_eq!(ours[3].addrs[0], addr(if via_a { R4_6 } else { R4_R3B_6 }));
            }
        }
    }
}

#[test]
fn a_silent_hop_is_starred_like_traceroute_does() {
    let Some(chain) = Lab::trace("trace silent hop", 1280) else {
        return;
    };
    chain.drop_time_exceeded("r2", false, &[]);
    let ours = hop_lines(&trace(&chain, &["-n", SERVER4]));
    let theirs = hop_lines(&peer(&chain, "traceroute", &["-n", SERVER4]));
    assert_eq!(ours.len(), 5);
    assert_eq!((ours[1].stars, ours[1].addrs.len()), (3, 0));
    assert_eq!((theirs[1].stars, theirs[1].addrs.len()), (3, 0));
    for i in [0, 3, 4] {
        assert_eq!(ours[i].addrs, theirs[i].addrs, "hop {}", i + 1);
    }
}

#[test]
fn rejections_are_annotated_as_traceroute_annotates_them() {
    let Some(chain) = Lab::trace("trace rejections", 1280) else {
        return;
    };
    let cases: [(&str, &str, &str, &str); 7] = [
        ("iptables", "icmp-admin-prohibited", SERVER4, "!X"),
        ("iptables", "icmp-host-prohibited", SERVER4, "!X"),
        ("iptables", "icmp-net-unreachable", SERVER4, "!N"),
        ("iptables", "icmp-host-unreachable", SERVER4, "!H"),
        ("ip6tables", "icmp6-adm-prohibited", SERVER6, "!X"),
        ("ip6tables", "icmp6-no-route", SERVER6, "!N"),
        ("ip6tables", "icmp6-addr-unreachable", SERVER6, "!H"),
    ];
    for (tool, reject, dst, annotation) in cases {
        chain.reject("r4", tool, "FORWARD", "udp", reject);
        // r4's rejection ends the trace: not reached, exit 1.
        let ours = hop_lines(&trace_exiting(&chain, &["-n", dst], 1));
        let theirs = hop_lines(&peer(&chain, "traceroute", &["-n", dst]));
        chain.must("r4", &[tool, "-F", "FORWARD"]);
        // r4 rejects what it would forward: the trace ends at hop 5, from
        // r4 (over IPv6 the address of the branch the probe came by).
        let last = ours.last().unwrap();
        let r4 = trace_lab_path(dst == SERVER6)[3].clone();
        assert_eq!(ours.len(), 5, "{reject}: {ours:?}");
        assert_eq!(last.annotations, vec![annotation; 3], "{reject}: {last:?}");
        assert!(
            last.addrs.iter().all(|a| r4.contains(a)),
            "{reject}: {last:?}"
        );
        let peer_last = theirs.last().unwrap();
        assert_eq!(peer_last.ttl, 5, "{reject}: traceroute says {theirs:?}");
        assert_eq!(
            peer_last.annotations, last.annotations,
            "{reject}: traceroute says {theirs:?}"
        );
    }
}

#[test]
fn unreachable_prohibit_and_blackhole_routes() {
    let Some(chain) = Lab::trace("trace routes", 1280) else {
        return;
    };
    for (kind, prefix, annotation) in [
        ("unreachable", "198.51.100.128/26", Some("!H")),
        ("prohibit", "198.51.100.192/27", Some("!X")),
        ("blackhole", "198.51.100.224/27", None),
    ] {
        chain.must("r4", &["ip", "route", "add", kind, prefix]);
        let dst = prefix
            .replace(".128/26", ".130")
            .replace(".192/27", ".200")
            .replace(".224/27", ".230");
        // Not reached: exit 1.
        let args = ["-n", "-q", "1", "-m", "6", "-w", "0.5", &dst];
        let text = trace_exiting(&chain, &args, 1);
        let ours = hop_lines(&text);
        if let Some(a) = annotation {
            // The route errors pass the kernel's own limiter: the one
            // probe per hop is answered.
            assert_eq!(ours.len(), 4, "{kind}: {ours:?}");
            assert_eq!(ours[3].addrs, vec![addr(R4_4)], "{kind}: {text}");
            assert_eq!(ours[3].annotations, vec![a], "{kind}: {text}");
        } else {
            // The route is looked up before the TTL: r4 drops the probes of
            // every TTL from 4 on without a word.
            assert_eq!(ours.len(), 6, "{kind}: {text}");
            assert_eq!(ours[2].stars, 0, "{kind}: {text}");
            assert_eq!(
                (ours[3].stars, ours[4].stars, ours[5].stars),
                (1, 1, 1),
                "{kind}: {text}"
            );
        }
        chain.must("r4", &["ip", "route", "del", kind, prefix]);
    }
}

/// The JSON lines of a `--json` run.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn path_mtu_of_the_1280_link_as_tracepath_finds_it() {
    let Some(chain) = Lab::trace("trace pmtu", 1280) else {
        return;
    };
    for (dst, family) in [(SERVER4, "-4"), (SERVER6, "-6")] {
        chain.must("client", &["ip", family, "route", "flush", "cache"]);
        let lines = json_lines(&trace(&chain, &["-n", "--pmtu", "--json", dst]));
        let summary = lines.last().unwrap();
        assert_eq!(summary["pmtu"], 1280, "{dst}: {lines:?}");
        assert_eq!(summary["falls_before_ttl"], 5, "{dst}: {summary}");
        assert_eq!(summary["reached"], true, "{dst}: {summary}");
        let too_big: Vec<&Value> = lines.iter().filter(|l| l["cause"] == "too_big").collect();
        assert_eq!(too_big.len(), 1, "{lines:?}");
        let r4 = if dst == SERVER4 {
            R4_4
        } else {
            netns::R4_SERVER6
        };
        assert!(
            too_big[0]["from"] == r4
                || (dst == SERVER6 && too_big[0]["from"] == R4_R3B_6)
                || too_big[0]["from"] == R4_6,
            "{too_big:?}"
        );
        chain.must("client", &["ip", family, "route", "flush", "cache"]);
        let tracepath = peer(&chain, "tracepath", &["-n", dst]);
        assert!(
            tracepath.contains("Resume: pmtu 1280 hops 5"),
            "{tracepath}"
        );
    }
}

#[test]
fn a_black_hole_is_found_and_sized() {
    let Some(chain) = Lab::trace("trace black hole", 1500) else {
        return;
    };
    for router in ["r3a", "r3b"] {
        chain.must(
            router,
            &[
                "iptables",
                "-A",
                "FORWARD",
                "-m",
                "length",
                "--length",
                "1281:65535",
                "-j",
                "DROP",
            ],
        );
    }
    let lines = json_lines(&trace(
        &chain,
        &["-n", "--pmtu", "--json", "-w", "0.3", SERVER4],
    ));
    let summary = lines.last().unwrap();
    assert_eq!(summary["pmtu"], 1280, "{lines:?}");
    assert_eq!(summary["reached"], true, "{lines:?}");
    let holes: Vec<&Value> = lines
        .iter()
        .filter(|l| l["cause"] == "black_hole")
        .collect();
    assert_eq!(holes.len(), 1, "{lines:?}");
    // r3x forwards the big probes of TTL 4 and up into the drop.
    assert_eq!(holes[0]["ttl"], 4, "{holes:?}");
    assert_eq!(holes[0]["mtu"], 1280, "{holes:?}");
}

#[test]
fn mda_finds_the_whole_diamond_and_scamper_agrees() {
    let Some(chain) = Lab::trace("trace mda", 1280) else {
        return;
    };
    chain.fix_hash_seed();
    for (v6, dst) in [(false, SERVER4), (true, SERVER6)] {
        let out = trace(&chain, &["-n", "--mda", "--json", "--sport", "40000", dst]);
        let graph: Value = serde_json::from_str(&out).unwrap();
        let hops: Vec<BTreeSet<IpAddr>> = graph["hops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                h["interfaces"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| addr(i["from"].as_str().unwrap()))
                    .collect()
            })
            .collect();
        let mut expected = trace_lab_path(v6);
        if !v6 {
            expected[3] = set(&[R4_4]);
        }
        assert_eq!(hops, expected, "{dst}: {graph}");
        let links: BTreeSet<(String, String)> = graph["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["from"].as_str().unwrap().to_owned(),
                    l["to"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: BTreeSet<(String, String)> = if v6 {
            [
                (R1_6, R2_6),
                (R2_6, R3A_6),
                (R2_6, R3B_6),
                (R3A_6, R4_6),
                (R3B_6, R4_R3B_6),
                (R4_6, SERVER6),
                (R4_R3B_6, SERVER6),
            ]
        } else {
            [
                (R1_4, R2_4),
                (R2_4, R3A_4),
                (R2_4, R3B_4),
                (R3A_4, R4_4),
                (R3B_4, R4_4),
                (R4_4, SERVER4),
                (R4_4, SERVER4),
            ]
        }
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(links, want, "{dst}: {graph}");
        // Every interface scamper's tracelb finds, we found. (Its flows are
        // its own random ports: at 95 % it now and then misses a branch,
        // so it is not asked to find all ours.)
        let scamper = peer(&chain, "scamper", &["-c", "tracelb", "-i", dst]);
        let theirs: BTreeSet<IpAddr> = scamper
            .split_whitespace()
            .filter_map(|w| w.trim_end_matches(',').parse().ok())
            .collect();
        let client: IpAddr = addr(if v6 { netns::CLIENT6 } else { netns::CLIENT4 });
        let ours: BTreeSet<IpAddr> = hops.iter().flatten().copied().chain([client]).collect();
        assert!(theirs.len() >= 5, "{scamper}");
        assert!(theirs.is_subset(&ours), "{scamper}\nours: {ours:?}");
    }
}

#[test]
fn a_paris_trace_stays_on_one_branch_and_flows_cover_both() {
    let Some(chain) = Lab::trace("trace paris", 1280) else {
        return;
    };
    chain.fix_hash_seed();
    let mut branches = BTreeSet::new();
    for flow in 0..12 {
        let flow = flow.to_string();
        let hops = hop_lines(&trace(
            &chain,
            &[
                "-n", "-q", "6", "--sport", "40000", "--flow", &flow, SERVER4,
            ],
        ));
        assert_eq!(hops[2].addrs.len(), 1, "flow {flow}: {hops:?}");
        branches.insert(hops[2].addrs[0]);
    }
    assert_eq!(branches, set(&[R3A_4, R3B_4]));
    // Classic probes (a new port each) take both branches within one hop.
    let classic = hop_lines(&trace(
        &chain,
        &["-n", "-q", "10", "--sport", "40000", "--no-paris", SERVER4],
    ));
    assert_eq!(
        classic[2].addrs.iter().copied().collect::<BTreeSet<_>>(),
        set(&[R3A_4, R3B_4])
    );
}

/// A background process killed when dropped.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mpls_and_interface_extensions_are_shown_under_their_hop() {
    let Some(chain) = Lab::trace("trace extensions", 1280) else {
        return;
    };
    // r1's own Time Exceeded is dropped; the responder's (marked) pass.
    chain.drop_time_exceeded("r1", false, &["-m", "mark", "!", "--mark", "0x5837"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lab/hop-extensions.py");
    let mut child = Command::new("ip")
        .args([
            "netns",
            "exec",
            &chain.ns("r1"),
            "python3",
            script,
            "client",
            "6",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the responder");
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    let _responder = Background(child);
    assert_eq!(ready.trim(), "ready");
    // One hop only: the destination is not reached, exit 1.
    let out = trace_exiting(&chain, &["-n", "-m", "1", SERVER4], 1);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].starts_with(" 1  192.0.2.254  "), "{out}");
    let index = run(&chain, "r1", "cat", &["/sys/class/net/client/ifindex"]);
    let index = String::from_utf8(index.stdout).unwrap();
    assert_eq!(
        &lines[2..],
        [
            "     [MPLS: Lbl 24001 TC 0 S 1 TTL 1]".to_owned(),
            format!(
                "     [Incoming interface: index {}, 192.0.2.254, name \"client\", MTU 1500]",
                index.trim()
            ),
        ],
        "{out}"
    );
    // traceroute -e reads the same label stack.
    let theirs = peer(&chain, "traceroute", &["-n", "-e", "-m", "1", SERVER4]);
    assert!(theirs.contains("MPLS:L=24001,E=0,S=1,T=1"), "{theirs}");
}

#[test]
fn a_rate_limiting_router_is_told_from_loss() {
    let Some(chain) = Lab::trace("trace rate limit", 1280) else {
        return;
    };
    // Linux's defaults: a burst of 6 errors, then one a second per source.
    chain.icmp_default_limits("r2");
    let out = trace(&chain, &["-n", "-q", "10", SERVER4]);
    let hops = hop_lines(&out);
    assert_eq!(hops.len(), 5, "{out}");
    assert!(hops[1].stars > 0 && !hops[1].addrs.is_empty(), "{out}");
    assert!(out.contains("ICMP rate limiting?"), "{out}");
    assert_eq!(hops[4].stars, 0, "{out}");
}

#[test]
fn bad_input_says_what_and_exits_2() {
    let Some(chain) = Lab::trace("trace bad input", 1280) else {
        return;
    };
    for (args, message) in [
        (&["nosuch.invalid"][..], "nosuch.invalid: "),
        (
            &["-m", "0", SERVER4][..],
            "-m 0: out of range, use 1 to 255",
        ),
        (
            &["-m", "256", SERVER4][..],
            "-m 256: out of range, use 1 to 255",
        ),
        (&["-f", "10", "-m", "5", SERVER4][..], "-f 10 is above -m 5"),
        (
            &["-T", "-p", "0", SERVER4][..],
            "-p 0: out of range, use 1 to 65535",
        ),
        (
            &["-q", "11", SERVER4][..],
            "-q 11: out of range, use 1 to 10",
        ),
        (
            &["-w", "0", SERVER4][..],
            "-w 0: the wait must be above 0 seconds",
        ),
    ] {
        let out = run(
            &chain,
            "client",
            icmpkit!(),
            &[&["trace"][..], args].concat(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_nat_that_leaves_quotes_alone_is_reported() {
    let Some(chain) = Lab::trace("trace nat", 1280) else {
        return;
    };
    // r1 rewrites the client's source on the way out and the destination
    // of what comes back, statelessly, as a NAT that does not translate
    // the packets quoted inside ICMP errors (nft fixes the IP and UDP
    // checksums of what it rewrites, as a NAT does).
    let (client, outside) = (netns::CLIENT4, netns::R1_R2_4);
    for command in [
        "add table ip nat_test".to_owned(),
        "add chain ip nat_test out { type filter hook postrouting priority 0; }".to_owned(),
        format!("add rule ip nat_test out ip saddr {client} oifname r2 ip saddr set {outside}"),
        "add chain ip nat_test back { type filter hook prerouting priority -300; }".to_owned(),
        format!(
            "add rule ip nat_test back ip daddr {outside} iifname r2 ip protocol icmp ip daddr set {client}"
        ),
    ] {
        let words: Vec<&str> = command.split(' ').collect();
        chain.must("r1", &[&["nft"][..], &words].concat());
    }
    let out = trace(&chain, &["-n", SERVER4]);
    let hops = hop_lines(&out);
    assert_eq!(hops.len(), 5, "{out}");
    let note = format!(
        "     [NAT: the quoted probe was rewritten: source {} -> {}]",
        netns::CLIENT4,
        netns::R1_R2_4
    );
    // r1 quotes the probe before rewriting it; every hop after sees it
    // rewritten (the destination answers with a Port Unreachable quoting it).
    let lines: Vec<&str> = out.lines().collect();
    assert!(!lines[2].starts_with("     ["), "{out}");
    assert_eq!(lines.iter().filter(|l| **l == note).count(), 4, "{out}");
    let json = json_lines(&trace(&chain, &["-n", "--json", "-q", "1", SERVER4]));
    assert_eq!(
        json[1]["probes"][0]["rewritten"]["src_addr"],
        netns::R1_R2_4,
        "{json:?}"
    );
    assert_eq!(json[1]["probes"][0]["quoted_ttl"], 1, "{json:?}");
    assert_eq!(json[0]["probes"][0]["rewritten"], Value::Null, "{json:?}");
}

#[test]
fn big_probes_fragment_unless_dont_fragment_is_asked_as_in_traceroute() {
    let Some(chain) = Lab::trace("trace dont fragment", 1280) else {
        return;
    };
    for df in [false, true] {
        let mut args = vec!["-n", "-q", "1"];
        if df {
            args.push("-F");
        }
        args.extend([SERVER4, "1400"]);
        // With -F the trace ends at r4's Frag Needed: not reached, exit 1.
        let ours = hop_lines(&trace_exiting(&chain, &args, i32::from(df)));
        let theirs = hop_lines(&peer(&chain, "traceroute", &args));
        let last = ours.last().unwrap();
        assert_eq!(ours.len(), 5, "-F {df}: {ours:?}");
        if df {
            // r4 may not fragment onto the 1280 link: it says so.
            assert_eq!(last.addrs, vec![addr(R4_4)], "{ours:?}");
            assert_eq!(last.annotations, vec!["!F-1280"], "{ours:?}");
        } else {
            assert_eq!(last.addrs, vec![addr(SERVER4)], "{ours:?}");
        }
        assert_eq!(
            theirs.last().unwrap().annotations,
            last.annotations,
            "{theirs:?}"
        );
    }
    let out = run(
        &chain,
        "client",
        icmpkit!(),
        &["trace", "-n", "-F", SERVER4, "1600"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("do not fit the outgoing link's MTU of 1500 bytes"),
        "{out:?}"
    );
}
