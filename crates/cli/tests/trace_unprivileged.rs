//! `icmpkit trace` without privileges, in the traceroute lab of
//! `lab/lib.sh` (`lab_trace`), beside Butskoy traceroute run the same
//! way: as an unprivileged user with no capability (`setpriv`, through
//! `Lab::run_unprivileged`), UDP probes on an ordinary UDP socket and ICMP
//! probes on a ping socket, routers' errors read from their error queue
//! (`IP_RECVERR`). Every lab is built and removed by the guard
//! `icmpkit_lab::netns::Lab`.

use std::process::Output;

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, R4_4, SERVER4, SERVER6};
use icmpkit_lab::text;
use icmpkit_lab::traceroute::{hop_lines, trace_lab_path};

/// The bound on every program run here, in seconds.
const BOUND: u32 = 60;

/// `icmpkit trace ARGS` from the client as an unprivileged user.
fn ours(lab: &Lab, args: &[&str]) -> Output {
    lab.run_unprivileged(
        "client",
        BOUND,
        icmpkit!(),
        &[&["trace"][..], args].concat(),
    )
}

/// `traceroute ARGS` from the client as an unprivileged user.
fn traceroute(lab: &Lab, args: &[&str]) -> Output {
    lab.run_unprivileged("client", BOUND, "traceroute", args)
}

/// The lab, with ping sockets allowed in the client (as distributions
/// set `net.ipv4.ping_group_range`).
fn lab(test: &str) -> Option<Lab> {
    let lab = Lab::trace(test, 1280)?;
    lab.allow_ping_sockets("client");
    Some(lab)
}

/// The line on stderr that says which sockets run.
fn sockets_line(method: &str) -> &'static str {
    if method == "-I" {
        "trace: icmp probes on a ping socket, errors from its error queue (IP_RECVERR)\n"
    } else {
        "trace: udp probes on a UDP socket, errors from its error queue (IP_RECVERR)\n"
    }
}

#[test]
fn unprivileged_hops_agree_with_unprivileged_traceroute() {
    let Some(lab) = lab("trace unprivileged hops") else {
        return;
    };
    for (v6, dst) in [(false, SERVER4), (true, SERVER6)] {
        for method in ["-U", "-I"] {
            let args = ["-n", method, dst];
            let out = ours(&lab, &args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stderr), sockets_line(method), "{args:?}");
            let ours = hop_lines(&text(&out.stdout));
            let theirs = hop_lines(&text(&traceroute(&lab, &args).stdout));
            let expected = trace_lab_path(v6);
            assert_eq!(ours.len(), expected.len(), "{args:?}: {ours:?}");
            assert_eq!(theirs.len(), ours.len(), "{args:?}: traceroute {theirs:?}");
            for ((hop, peer), allowed) in ours.iter().zip(&theirs).zip(&expected) {
                // Paris: every probe of a hop on one path, each answered.
                assert_eq!(hop.addrs.len(), 1, "{args:?}: {hop:?}");
                assert!(allowed.contains(&hop.addrs[0]), "{args:?}: {hop:?}");
                assert_eq!((hop.stars, &hop.annotations), (0, &Vec::new()), "{hop:?}");
                assert!(peer.addrs.iter().all(|a| allowed.contains(a)), "{peer:?}");
            }
        }
    }
}

#[test]
fn unprivileged_rejections_are_annotated_as_traceroute_does() {
    let Some(lab) = lab("trace unprivileged rejections") else {
        return;
    };
    for (tool, reject, dst, annotation) in [
        ("iptables", "icmp-admin-prohibited", SERVER4, "!X"),
        ("iptables", "icmp-host-unreachable", SERVER4, "!H"),
        ("ip6tables", "icmp6-adm-prohibited", SERVER6, "!X"),
    ] {
        for method in ["-U", "-I"] {
            let protocol = match (method, tool) {
                ("-U", _) => "udp",
                (_, "iptables") => "icmp",
                _ => "ipv6-icmp",
            };
            let rule = ["-p", protocol, "-j", "REJECT", "--reject-with", reject];
            lab.must("r4", &[&[tool, "-A", "FORWARD"][..], &rule].concat());
            let args = ["-n", method, dst];
            let out = ours(&lab, &args);
            let theirs = traceroute(&lab, &args);
            lab.must("r4", &[tool, "-F", "FORWARD"]);
            // Not reached: exit 1.
            assert_eq!(
                out.status.code(),
                Some(1),
                "{args:?}: {}",
                text(&out.stderr)
            );
            let ours = hop_lines(&text(&out.stdout));
            let last = ours.last().expect("hops");
            assert_eq!(ours.len(), 5, "{reject} {method}: {ours:?}");
            assert_eq!(last.annotations, vec![annotation; 3], "{reject}: {last:?}");
            assert!(
                last.addrs
                    .iter()
                    .all(|a| trace_lab_path(dst == SERVER6)[3].contains(a)),
                "{reject} {method}: {last:?}"
            );
            let theirs_text = text(&theirs.stdout);
            if tool == "ip6tables" && method == "-I" {
                // traceroute's next send on its ping socket fails with
                // the EACCES the first !X left pending there, and it
                // gives up (ours sends that probe again).
                assert_eq!(hop_lines(&theirs_text), vec![], "{theirs_text}");
                assert_eq!(text(&theirs.stderr).trim(), "send: Permission denied");
                continue;
            }
            let theirs = hop_lines(&theirs_text);
            let peer_last = theirs.last().expect("traceroute's hops");
            assert_eq!(peer_last.ttl, 5, "{reject} {method}: traceroute {theirs:?}");
            assert!(
                peer_last.annotations.iter().all(|a| a == annotation),
                "{reject} {method}: traceroute {theirs:?}"
            );
        }
    }
}

#[test]
fn the_path_mtu_walk_runs_unprivileged() {
    let Some(lab) = lab("trace unprivileged pmtu") else {
        return;
    };
    for (dst, family) in [(SERVER4, "-4"), (SERVER6, "-6")] {
        for method in ["-U", "-I"] {
            lab.must("client", &["ip", family, "route", "flush", "cache"]);
            let out = ours(&lab, &["-n", method, "--pmtu", dst]);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{dst} {method}: {stdout}");
            assert!(
                stdout.ends_with("path MTU 1280 (set before hop 5), 5 hops, destination reached\n"),
                "{dst} {method}: {stdout}"
            );
        }
    }
}

#[test]
fn without_raw_sockets_tcp_names_the_fix_and_multipath_discovery_runs() {
    let Some(lab) = lab("trace unprivileged refusals") else {
        return;
    };
    let out = ours(&lab, &["-n", "-T", SERVER4]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("icmpkit: TCP probes need raw sockets (CAP_NET_RAW): "),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // Multipath discovery: UDP flows in the destination port of one UDP
    // socket, ICMP flows in the checksum on a ping socket. The UDP flows
    // find both branches of the fork at hop 3, as raw sockets do (ECMP
    // there hashes ports; ICMP has none, so its flows take one branch).
    for (method, branches) in [("-U", 2), ("-I", 1)] {
        for (dst, v6) in [(SERVER4, false), (SERVER6, true)] {
            let out = ours(&lab, &["-n", "--mda", "--json", method, dst]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{method} {dst}: {}",
                text(&out.stderr)
            );
            let graph: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
            assert_eq!(graph["reached"], true);
            assert_eq!(graph["socket"], if method == "-U" { "udp" } else { "ping" });
            let hop3: Vec<std::net::IpAddr> = graph["hops"][2]["interfaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["from"].as_str().unwrap().parse().unwrap())
                .collect();
            assert_eq!(hop3.len(), branches, "{method} {dst}: {hop3:?}");
            assert!(
                hop3.iter().all(|a| trace_lab_path(v6)[2].contains(a)),
                "{method} {dst}: {hop3:?}"
            );
        }
    }
}

#[test]
fn root_chooses_raw_sockets_and_dgram_asks_for_the_unprivileged_ones() {
    let Some(lab) = lab("trace socket choice") else {
        return;
    };
    let run = |args: &[&str]| {
        lab.run_bounded(
            "client",
            BOUND,
            icmpkit!(),
            &[&["trace"][..], args].concat(),
        )
    };
    let raw = run(&["-n", "-q", "1", SERVER4]);
    assert_eq!(text(&raw.stderr), "trace: udp probes on raw sockets\n");
    for method in ["-U", "-I"] {
        let out = run(&["-n", "-q", "1", "--socket", "dgram", method, SERVER4]);
        assert_eq!(text(&out.stderr), sockets_line(method));
        let hops = hop_lines(&text(&out.stdout));
        assert_eq!(
            hops.last().map(|h| h.addrs.clone()),
            Some(vec![SERVER4.parse::<std::net::IpAddr>().unwrap()])
        );
    }
    // Hop 4 answers the unprivileged probes of one path as the raw ones.
    let dgram = run(&["-n", "-q", "1", "--socket", "dgram", SERVER4]);
    assert_eq!(
        hop_lines(&text(&dgram.stdout))[3].addrs,
        vec![R4_4.parse::<std::net::IpAddr>().unwrap()]
    );
    let out = run(&["-n", "--socket", "dgram", "-T", SERVER4]);
    assert_eq!(
        text(&out.stderr),
        "icmpkit: --socket dgram: TCP probes need raw sockets (CAP_NET_RAW)\n"
    );
    let out = run(&["-n", "--socket", "bogus", SERVER4]);
    assert_eq!(
        text(&out.stderr),
        "icmpkit: --socket bogus: expected raw, dgram or auto\n"
    );
}
