//! `icmpkit ping` against iputils ping in the same lab, line for line
//! (times aside), with the same exit code. The lab is the standard chain of
//! `lab/lib.sh` (client - router - server, MTU 1280 between router and
//! server), built and removed by the guard `icmpkit_lab::netns::Lab`.

use std::process::{Command, Output};

use icmpkit_lab::bin::{RunnableCopy, with_subcommand};
use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{self, Lab, ROUTER4, ROUTER6, SERVER4, SERVER6};
use icmpkit_lab::peers::normalize_ping_times;

/// Runs `program args` in the client namespace, bounded by 20 s.
fn in_client(chain: &Lab, program: &str, args: &[&str]) -> Output {
    chain.run_bounded("client", 20, program, args)
}

/// Forgets the path MTUs the client learned, so each run starts alike.
fn forget_path_mtus(chain: &Lab) {
    chain.must("client", &["ip", "route", "flush", "cache"]);
    chain.must("client", &["ip", "-6", "route", "flush", "cache"]);
}

/// Runs iputils ping and ours with `args`; asserts the same normalized
/// stdout and exit code, and returns ours.
fn same_as_iputils(chain: &Lab, args: &[&str]) -> Output {
    forget_path_mtus(chain);
    let theirs = in_client(chain, "ping", args);
    forget_path_mtus(chain);
    let our_args = with_subcommand("ping", args);
    let ours = in_client(chain, icmpkit!(), &our_args);
    assert_same_run(&ours, &theirs, &format!("{args:?}"), str::to_owned);
    ours
}

/// Asserts that our run of `what` printed what iputils' did (times aside,
/// and after `normalize` on both) and exited alike.
fn assert_same_run(ours: &Output, theirs: &Output, what: &str, normalize: impl Fn(&str) -> String) {
    let (t, o) = (
        String::from_utf8_lossy(&theirs.stdout),
        String::from_utf8_lossy(&ours.stdout),
    );
    assert_eq!(
        normalize_ping_times(&normalize(&o)),
        normalize_ping_times(&normalize(&t)),
        "ping {what}\n--- ours:\n{o}\n--- iputils:\n{t}\n--- our stderr: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "exit code of ping {what}"
    );
}

/// A destination the router sends back out of the link it came in on,
/// to a next hop on that link: Linux's router then sends a Redirect
/// (Redirect Host, new next hop [`NEXT_HOP`]) for every probe to it.
const REDIRECTED: &str = "203.0.113.9";

/// The next hop the router names: an address on the client's link that
/// no one has (its neighbour entry is pinned, so what the router forwards
/// there is dropped on the link).
const NEXT_HOP: &str = "192.0.2.3";

/// Makes the router of `chain` redirect the client's probes to
/// [`REDIRECTED`], and the client ignore Redirects (so every probe takes
/// the same path, and each run sees the same).
fn redirecting_router(chain: &Lab) {
    chain.must(
        "router",
        &[
            "ip",
            "route",
            "add",
            "203.0.113.0/24",
            "via",
            NEXT_HOP,
            "dev",
            "r0",
        ],
    );
    chain.must(
        "router",
        &[
            "ip",
            "neigh",
            "add",
            NEXT_HOP,
            "lladdr",
            "02:00:00:00:00:03",
            "dev",
            "r0",
            "nud",
            "permanent",
        ],
    );
    chain.sysctl("router", "net.ipv4.conf.all.send_redirects=1");
    chain.sysctl("router", "net.ipv4.conf.r0.send_redirects=1");
    chain.sysctl("client", "net.ipv4.conf.all.accept_redirects=0");
    chain.sysctl("client", "net.ipv4.conf.c0.accept_redirects=0");
}

#[test]
fn a_redirect_during_a_ping_is_printed_as_iputils_prints_it() {
    let Some(chain) = Lab::chain("a_redirect_during_a_ping", 1280) else {
        return;
    };
    if !icmpkit_lab::require::program("setpriv") {
        return;
    }
    redirecting_router(&chain);
    // Linux's router backs off from sending Redirects to one source host
    // (twice the wait after each, silent after nine): each run sends from
    // an address of its own, so each gets a Redirect for every probe.
    let sources = ["192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8"];
    for source in sources {
        chain.must(
            "client",
            &["ip", "addr", "add", &format!("{source}/24"), "dev", "c0"],
        );
    }
    let args = |source: &'static str| {
        [
            "-n", "-c", "3", "-i", "0.3", "-W", "1", "-I", source, REDIRECTED,
        ]
    };
    let same_source = |text: &str| {
        sources
            .iter()
            .fold(text.to_owned(), |t, s| t.replace(s, "SRC"))
    };

    // Raw sockets (root; ping sockets are not allowed in the namespace,
    // so iputils takes a raw one too): the Redirect is read as a datagram,
    // `From X: icmp_seq=N ...`, and not counted.
    let theirs = in_client(&chain, "ping", &args(sources[0]));
    let ours = in_client(
        &chain,
        icmpkit!(),
        &with_subcommand("ping", &args(sources[1])),
    );
    assert_same_run(&ours, &theirs, "(raw socket)", same_source);
    let text = String::from_utf8_lossy(&ours.stdout);
    let line = format!("From {ROUTER4}: icmp_seq=1 Redirect Host(New nexthop: {NEXT_HOP})");
    assert!(text.lines().any(|l| l == line), "{text}");
    assert!(
        text.contains("3 packets transmitted, 0 received, 100% packet loss"),
        "{text}"
    );

    // Ping sockets (no privilege at all): the Redirect comes from the
    // error queue, `From X icmp_seq=N ...`, and counts as an error.
    chain.allow_ping_sockets("client");
    let ping = RunnableCopy::new("/usr/bin/ping", "redirect");
    let icmpkit = RunnableCopy::new(icmpkit!(), "redirect");
    let (ping, icmpkit) = (ping.path(), icmpkit.path());
    let theirs = chain.run_unprivileged("client", 20, ping.to_str().unwrap(), &args(sources[2]));
    let ours = chain.run_unprivileged(
        "client",
        20,
        icmpkit.to_str().unwrap(),
        &with_subcommand("ping", &args(sources[3])),
    );
    assert_same_run(&ours, &theirs, "(ping socket)", same_source);
    let text = String::from_utf8_lossy(&ours.stdout);
    let line = format!("From {ROUTER4} icmp_seq=1 Redirect Host(New nexthop: {NEXT_HOP})");
    assert!(text.lines().any(|l| l == line), "{text}");
    assert!(text.contains("+3 errors"), "{text}");
}

#[test]
fn replies_v4_and_v6_match_iputils() {
    let Some(chain) = Lab::chain("replies_v4_and_v6_match_iputils", 1280) else {
        return;
    };
    same_as_iputils(&chain, &["-c", "3", "-i", "0.2", SERVER4]);
    same_as_iputils(&chain, &["-6", "-c", "3", "-i", "0.2", SERVER6]);
    same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-s", "8", SERVER4]);
    same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-q", SERVER4]);
    same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-I", "c0", SERVER4]);
    same_as_iputils(
        &chain,
        &["-c", "2", "-i", "0.2", "-I", netns::CLIENT4, SERVER4],
    );
    same_as_iputils(&chain, &["-6", "-c", "2", "-i", "0.2", "-I", "c0", SERVER6]);
}

/// The router rewrites the source of the server's Echo Replies to its
/// own client-side address (stateless, nftables `ip saddr set`: a `snat`
/// rule would never see the replies of a tracked flow), over both
/// families: iputils then marks each reply ` (DIFFERENT ADDRESS!)`.
#[test]
fn replies_from_another_address_are_marked_as_iputils_marks_them() {
    let Some(chain) = Lab::chain("replies_from_another_address", 1280) else {
        return;
    };
    chain.must("router", &["nft", "add", "table", "inet", "lab_saddr"]);
    chain.must(
        "router",
        &[
            "nft",
            "add",
            "chain",
            "inet",
            "lab_saddr",
            "forward",
            "{ type filter hook forward priority 0 ; }",
        ],
    );
    for rule in [
        format!("ip saddr {SERVER4} icmp type echo-reply ip saddr set {ROUTER4}"),
        format!("ip6 saddr {SERVER6} icmpv6 type echo-reply ip6 saddr set {ROUTER6}"),
    ] {
        let mut args = vec!["nft", "add", "rule", "inet", "lab_saddr", "forward"];
        args.extend(rule.split(' '));
        chain.must("router", &args);
    }
    for args in [
        &["-c", "2", "-i", "0.2", SERVER4][..],
        &["-6", "-c", "2", "-i", "0.2", SERVER6],
    ] {
        let ours = same_as_iputils(&chain, args);
        let stdout = String::from_utf8_lossy(&ours.stdout);
        let router = if args[0] == "-6" { ROUTER6 } else { ROUTER4 };
        assert!(
            stdout.contains(&format!("bytes from {router}: icmp_seq=1 ")),
            "{stdout}"
        );
        assert_eq!(
            stdout.matches(" (DIFFERENT ADDRESS!)\n").count(),
            2,
            "{stdout}"
        );
    }
}

#[test]
fn time_exceeded_with_ttl_1() {
    let Some(chain) = Lab::chain("time_exceeded_with_ttl_1", 1280) else {
        return;
    };
    let ours = same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-t", "1", SERVER4]);
    assert!(
        String::from_utf8_lossy(&ours.stdout)
            .contains(&format!("From {ROUTER4} icmp_seq=1 Time to live exceeded"))
    );
    let ours = same_as_iputils(&chain, &["-6", "-c", "2", "-i", "0.2", "-t", "1", SERVER6]);
    assert!(String::from_utf8_lossy(&ours.stdout).contains(&format!(
        "From {ROUTER6} icmp_seq=1 Time exceeded: Hop limit"
    )));
}

#[test]
fn iptables_and_ip6tables_rejects() {
    let Some(chain) = Lab::chain("iptables_and_ip6tables_rejects", 1280) else {
        return;
    };
    for (with, line) in [
        ("icmp-host-unreachable", "Destination Host Unreachable"),
        ("icmp-admin-prohibited", "Packet filtered"),
        ("icmp-net-unreachable", "Destination Net Unreachable"),
    ] {
        chain.must("router", &["iptables", "-F", "FORWARD"]);
        chain.must(
            "router",
            &[
                "iptables",
                "-A",
                "FORWARD",
                "-d",
                SERVER4,
                "-j",
                "REJECT",
                "--reject-with",
                with,
            ],
        );
        let ours = same_as_iputils(&chain, &["-c", "2", "-i", "0.2", SERVER4]);
        assert!(
            String::from_utf8_lossy(&ours.stdout).contains(line),
            "{with}"
        );
    }
    chain.must("router", &["iptables", "-F", "FORWARD"]);
    for (with, line) in [
        (
            "icmp6-adm-prohibited",
            "Destination unreachable: Administratively prohibited",
        ),
        ("icmp6-no-route", "Destination unreachable: No route"),
        (
            "icmp6-addr-unreachable",
            "Destination unreachable: Address unreachable",
        ),
    ] {
        chain.must("router", &["ip6tables", "-F", "FORWARD"]);
        chain.must(
            "router",
            &[
                "ip6tables",
                "-A",
                "FORWARD",
                "-d",
                SERVER6,
                "-j",
                "REJECT",
                "--reject-with",
                with,
            ],
        );
        let ours = same_as_iputils(&chain, &["-6", "-c", "2", "-i", "0.2", SERVER6]);
        assert!(
            String::from_utf8_lossy(&ours.stdout).contains(line),
            "{with}"
        );
    }
}

/// Errors from `unreachable` routes pass a second kernel rate limiter
/// (per source host, not tunable in a namespace) that a first run would
/// drain for the second: each ping gets a lab of its own.
#[test]
fn unreachable_route() {
    let run = |program: &str, args: &[&str]| {
        let chain = Lab::chain("unreachable_route", 1280)?;
        chain.must(
            "router",
            &["ip", "route", "add", "unreachable", "203.0.113.9/32"],
        );
        Some(in_client(&chain, program, args))
    };
    let Some(theirs) = run("ping", &["-c", "1", "203.0.113.9"]) else {
        return;
    };
    let ours = run(icmpkit!(), &["ping", "-c", "1", "203.0.113.9"]).expect("a second lab");
    let ours_text = String::from_utf8_lossy(&ours.stdout);
    assert_eq!(
        normalize_ping_times(&ours_text),
        normalize_ping_times(&String::from_utf8_lossy(&theirs.stdout))
    );
    assert!(
        ours_text.contains(&format!(
            "From {ROUTER4} icmp_seq=1 Destination Host Unreachable"
        )),
        "{ours_text}"
    );
    assert_eq!(ours.status.code(), Some(1));
}

#[test]
fn loss_through_a_blackhole() {
    let Some(chain) = Lab::chain("loss_through_a_blackhole", 1280) else {
        return;
    };
    chain.must(
        "router",
        &["ip", "route", "add", "blackhole", "203.0.113.5/32"],
    );
    let ours = same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-W", "1", "203.0.113.5"]);
    assert_eq!(ours.status.code(), Some(1));
    same_as_iputils(&chain, &["-c", "2", "-i", "0.2", "-w", "1", "203.0.113.5"]);
}

#[test]
fn frag_needed_and_packet_too_big() {
    let Some(chain) = Lab::chain("frag_needed_and_packet_too_big", 1280) else {
        return;
    };
    let ours = same_as_iputils(
        &chain,
        &["-c", "2", "-i", "0.2", "-M", "do", "-s", "1400", SERVER4],
    );
    assert!(String::from_utf8_lossy(&ours.stdout).contains("Frag needed and DF set (mtu = 1280)"));
    let ours = same_as_iputils(
        &chain,
        &[
            "-6", "-c", "2", "-i", "0.2", "-M", "do", "-s", "1400", SERVER6,
        ],
    );
    assert!(String::from_utf8_lossy(&ours.stdout).contains("Packet too big: mtu=1280"));
}

#[test]
fn json_lines_have_typed_fields() {
    let Some(chain) = Lab::chain("json_lines_have_typed_fields", 1280) else {
        return;
    };
    let out = in_client(
        &chain,
        icmpkit!(),
        &["ping", "--json", "-c", "2", "-i", "0.2", SERVER4],
    );
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for reply in &lines[..2] {
        assert_eq!(reply["type"], "reply");
        assert_eq!(reply["from"], SERVER4);
        assert_eq!(reply["ttl"], 63);
        assert_eq!(reply["bytes"], 64);
        assert!(
            reply["rtt_ms"]
                .as_f64()
                .is_some_and(|r| r > 0.0 && r < 1000.0)
        );
    }
    assert_eq!(lines[0]["seq"], 1);
    let summary = &lines[2];
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (
            summary["transmitted"].as_u64(),
            summary["received"].as_u64()
        ),
        (Some(2), Some(2))
    );
    assert_eq!(summary["loss_percent"].as_f64(), Some(0.0));
    let out = in_client(
        &chain,
        icmpkit!(),
        &["ping", "--json", "-c", "1", "-t", "1", SERVER4],
    );
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        (
            first["type"].as_str(),
            first["icmp_type"].as_u64(),
            first["from"].as_str()
        ),
        (Some("error"), Some(11), Some(ROUTER4))
    );
}

#[test]
fn two_pings_at_once_keep_their_replies_apart() {
    let Some(chain) = Lab::chain("two_pings_at_once_keep_their_replies_apart", 1280) else {
        return;
    };
    let ns = chain.ns("client");
    let spawn = |program: &str, extra: &[&str]| {
        Command::new("ip")
            .args(["netns", "exec", &ns, "timeout", "20", program])
            .args(extra)
            .args(["-c", "20", "-i", "0.05", SERVER4])
            .output()
    };
    let a = std::thread::scope(|s| {
        let ours = s.spawn(|| spawn(icmpkit!(), &["ping"]));
        let theirs = s.spawn(|| spawn("ping", &[]));
        let ours = ours.join().unwrap().unwrap();
        theirs.join().unwrap().unwrap();
        ours
    });
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(
        text.contains("20 packets transmitted, 20 received, 0% packet loss"),
        "{text}"
    );
    assert!(!text.contains("DUP"), "{text}");
}
