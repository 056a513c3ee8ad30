//! icmpkit run through links named `tracepath` and `tracepath6`, beside
//! iputils tracepath, in the traceroute lab of `lab/lib.sh` (`lab_trace`)
//! made one path (r2 sends everything through r3a) with two smaller
//! links: 1400 bytes between r1 and r2, 1280 between r4 and the server.
//! Both print the same lines, round trip times aside: the outgoing link's
//! MTU, the first hop twice, `pmtu 1400` from r1 at hop 2, `pmtu 1280`
//! from r4 at hop 5, `asymm` for a router whose answers start at another
//! TTL, `reached`, the `Resume` line; and the same exit code. Every lab is
//! built and removed by the guard `icmpkit_lab::netns::Lab`.

use icmpkit_lab::bin::{Links, RunnableCopy};
use icmpkit_lab::netns::{Branch, Lab, SERVER4, SERVER6};
use icmpkit_lab::peers::normalize_tracepath_times;
use icmpkit_lab::{icmpkit, require, text};

/// The bound on every program run here, in seconds.
const BOUND: u32 = 60;

/// `program args` from the client: stdout with round trips made fixed,
/// stderr, exit code. The route cache is flushed first: tracepath's
/// first probe would otherwise meet the path MTU the last run left.
fn run(lab: &Lab, program: &str, args: &[&str]) -> (String, String, Option<i32>) {
    for family in ["-4", "-6"] {
        lab.must("client", &["ip", family, "route", "flush", "cache"]);
    }
    let out = lab.run_bounded("client", BOUND, program, args);
    (
        normalize_tracepath_times(&text(&out.stdout)),
        text(&out.stderr),
        out.status.code(),
    )
}

#[test]
fn walks_print_what_tracepath_prints() {
    let test = "walks_print_what_tracepath_prints";
    if !require::program("tracepath") {
        return;
    }
    let Some(lab) = Lab::trace(test, 1280) else {
        return;
    };
    lab.route_through(Branch::R3a);
    for (ns, interface) in [("r1", "r2"), ("r2", "r1")] {
        lab.must(ns, &["ip", "link", "set", interface, "mtu", "1400"]);
    }
    // r3a's answers start at 100: they come back over 31 hops by
    // tracepath's reckoning, not 3 (`asymm 31`).
    lab.sysctl("r3a", "net.ipv4.ip_default_ttl=100");
    lab.sysctl("r3a", "net.ipv6.conf.all.hop_limit=100");
    for interface in ["r2", "r4"] {
        lab.sysctl("r3a", &format!("net.ipv6.conf.{interface}.hop_limit=100"));
    }
    let links = Links::new(icmpkit!(), &["tracepath", "tracepath6"], "tracepath-lab");
    let ours = links.path("tracepath");
    let ours6 = links.path("tracepath6");
    let ours = ours.to_str().unwrap();
    let ours6 = ours6.to_str().unwrap();
    for (program, args) in [
        (ours, &["-n", SERVER4][..]),
        (ours, &["-n", SERVER6]),
        (ours6, &["-n", SERVER6]),
        (ours, &["-n", "-m", "3", SERVER4]),
        (ours, &["-n", "-l", "1300", SERVER6]),
    ] {
        let mut peer_args = if program == ours6 { vec!["-6"] } else { vec![] };
        peer_args.extend_from_slice(args);
        let theirs = run(&lab, "tracepath", &peer_args);
        let we = run(&lab, program, args);
        assert_eq!(
            we.0, theirs.0,
            "{args:?}\nours:\n{}\ntheirs:\n{}",
            we.0, theirs.0
        );
        assert_eq!((we.2, theirs.2), (Some(0), Some(0)), "{args:?}: {}", we.1);
        assert_eq!(we.1, "", "{args:?}");
    }
    // Without privileges: UDP probes on an ordinary UDP socket, errors
    // from its error queue, as tracepath's own.
    let copy = RunnableCopy::new(icmpkit!(), "tracepath-lab");
    let unprivileged = Links::new(
        copy.path().to_str().unwrap(),
        &["tracepath"],
        "tracepath-lab-unprivileged",
    );
    let link = unprivileged.path("tracepath");
    for dst in [SERVER4, SERVER6] {
        let as_user = |program: &str| {
            for family in ["-4", "-6"] {
                lab.must("client", &["ip", family, "route", "flush", "cache"]);
            }
            let out = lab.run_unprivileged("client", BOUND, program, &["-n", dst]);
            (
                normalize_tracepath_times(&text(&out.stdout)),
                out.status.code(),
            )
        };
        let theirs = as_user("tracepath");
        let we = as_user(link.to_str().unwrap());
        assert_eq!(
            we, theirs,
            "{dst} unprivileged\nours:\n{}\ntheirs:\n{}",
            we.0, theirs.0
        );
    }
    // A silent hop: r2 sends no Time Exceeded.
    lab.drop_time_exceeded("r2", false, &[]);
    let theirs = run(&lab, "tracepath", &["-n", SERVER4]);
    let we = run(&lab, ours, &["-n", SERVER4]);
    assert_eq!(we, theirs, "ours:\n{}\ntheirs:\n{}", we.0, theirs.0);
    assert!(we.0.contains("\n 2:  no reply\n"), "{}", we.0);
    // Ctrl-C at the silent hop: what was printed so far, nothing more,
    // and the status a shell reports for tracepath, which SIGINT kills
    // (130). tracepath itself is not interrupted here: a harness that
    // ignores SIGINT passes that on to it.
    let wait = std::time::Duration::from_millis(1500);
    let we = lab.interrupt("client", wait, ours, &["-n", SERVER4]);
    assert_eq!(we.status.code(), Some(130), "{}", text(&we.stderr));
    let printed = normalize_tracepath_times(&text(&we.stdout));
    assert!(
        !printed.is_empty() && theirs.0.starts_with(&printed) && !printed.contains("Resume"),
        "ours:\n{printed}\ntheirs:\n{}",
        theirs.0
    );
    lab.must("r2", &["iptables", "-F", "OUTPUT"]);
    // r4 refuses to forward: each refusal as tracepath reads the errno it
    // queues (ICMPv4's admin prohibited is a host unreachable to it,
    // ICMPv6's a permission error), and its NET ERROR on stderr.
    for (tables, reject, dst) in [
        ("iptables", "icmp-host-unreachable", SERVER4),
        ("iptables", "icmp-net-unreachable", SERVER4),
        ("iptables", "icmp-admin-prohibited", SERVER4),
        ("iptables", "icmp-proto-unreachable", SERVER4),
        ("ip6tables", "icmp6-adm-prohibited", SERVER6),
        ("ip6tables", "icmp6-no-route", SERVER6),
        ("ip6tables", "icmp6-addr-unreachable", SERVER6),
    ] {
        lab.reject("r4", tables, "FORWARD", "udp", reject);
        let theirs = run(&lab, "tracepath", &["-n", dst]);
        let we = run(&lab, ours, &["-n", dst]);
        let theirs = (theirs.0, theirs.1.replace("tracepath:", "NAME:"), theirs.2);
        let we = (we.0, we.1.replace(&format!("{ours}:"), "NAME:"), we.2);
        assert_eq!(
            we, theirs,
            "{reject}\nours:\n{}\ntheirs:\n{}",
            we.0, theirs.0
        );
        lab.must("r4", &[tables, "-F", "FORWARD"]);
    }
    // The walk itself, as tracepath printed it.
    let (theirs, _, _) = run(&lab, "tracepath", &["-n", SERVER4]);
    let lines: Vec<&str> = theirs.lines().collect();
    assert_eq!(lines[0], " 1?: [LOCALHOST]                      pmtu 1500");
    assert!(lines[3].ends_with("pmtu 1400"), "{theirs}");
    assert!(lines.iter().any(|l| l.ends_with("asymm 31 ")), "{theirs}");
    assert!(lines.iter().any(|l| l.ends_with("pmtu 1280")), "{theirs}");
    assert_eq!(
        lines.last(),
        Some(&"     Resume: pmtu 1280 hops 5 back 5 "),
        "{theirs}"
    );
}
