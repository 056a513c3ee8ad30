//! What `icmpkit trace` makes of its target, beside Butskoy traceroute in
//! the traceroute lab of `lab/lib.sh` (`lab_trace`): a name with IPv4 and
//! IPv6 addresses (from a hosts file of the lab's own, `Lab::etc_file`),
//! IPv6 link-local addresses with a zone (`fe80::1%c0`), as root and
//! without privileges, and destinations behind the host's own prohibit,
//! blackhole and unreachable routes. Every lab is built and removed by
//! the guard `icmpkit_lab::netns::Lab`.

use std::process::Output;

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, SERVER4, SERVER6};
use icmpkit_lab::peers::normalize_traceroute_times;
use icmpkit_lab::text;
use icmpkit_lab::traceroute::hop_lines;

/// The bound on every program run here, in seconds.
const BOUND: u32 = 30;

/// `icmpkit trace ARGS` from the client, as root or not.
fn ours(lab: &Lab, unprivileged: bool, args: &[&str]) -> Output {
    let all = [&["trace"][..], args].concat();
    if unprivileged {
        lab.run_unprivileged("client", BOUND, icmpkit!(), &all)
    } else {
        lab.run_bounded("client", BOUND, icmpkit!(), &all)
    }
}

/// `traceroute ARGS` from the client, as root or not.
fn traceroute(lab: &Lab, unprivileged: bool, args: &[&str]) -> Output {
    if unprivileged {
        lab.run_unprivileged("client", BOUND, "traceroute", args)
    } else {
        lab.run_bounded("client", BOUND, "traceroute", args)
    }
}

#[test]
fn a_dual_stack_name_is_traced_over_ipv4_as_traceroute_does() {
    let Some(lab) = Lab::trace("trace dual-stack name", 1280) else {
        return;
    };
    // The IPv6 address first: the resolver gives it first, as it would
    // for a host with IPv6 connectivity.
    lab.etc_file(
        "client",
        "hosts",
        &format!("{SERVER6} dual.lab\n{SERVER4} dual.lab\n"),
    );
    let listed = text(&lab.exec("client", &["getent", "ahosts", "dual.lab"]).stdout);
    assert!(listed.starts_with(SERVER6), "{listed}");
    for (family, header) in [
        (
            None,
            format!("traceroute to dual.lab ({SERVER4}), 30 hops max, 60 byte packets"),
        ),
        (
            Some("-4"),
            format!("traceroute to dual.lab ({SERVER4}), 30 hops max, 60 byte packets"),
        ),
        (
            Some("-6"),
            format!("traceroute to dual.lab ({SERVER6}), 30 hops max, 80 byte packets"),
        ),
    ] {
        let args: Vec<&str> = family
            .into_iter()
            .chain(["-n", "-q", "1", "dual.lab"])
            .collect();
        let out = ours(&lab, false, &args);
        let theirs = traceroute(&lab, false, &args);
        let (ours, theirs) = (text(&out.stdout), text(&theirs.stdout));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(ours.lines().next(), Some(header.as_str()), "{args:?}");
        assert_eq!(theirs.lines().next(), Some(header.as_str()), "{args:?}");
        let last = |t: &str| hop_lines(t).last().map(|h| h.addrs.clone());
        assert_eq!(last(&ours), last(&theirs), "{args:?}\n{ours}\n{theirs}");
    }
}

#[test]
fn link_local_targets_with_a_zone_print_as_traceroute_prints_them() {
    let Some(lab) = Lab::trace("trace link-local", 1280) else {
        return;
    };
    lab.allow_ping_sockets("client");
    let shown = text(
        &lab.exec(
            "r1",
            &[
                "ip", "-6", "-o", "addr", "show", "dev", "client", "scope", "link",
            ],
        )
        .stdout,
    );
    let r1 = shown
        .split_whitespace()
        .skip_while(|w| *w != "inet6")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .expect("r1's link-local address")
        .to_owned();
    let dst = format!("{r1}%c0");
    for unprivileged in [false, true] {
        for method in ["-U", "-I"] {
            let args = ["-n", method, dst.as_str()];
            let out = ours(&lab, unprivileged, &args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                text(&out.stderr)
            );
            let theirs = traceroute(&lab, unprivileged, &args);
            let ours = normalize_traceroute_times(&text(&out.stdout));
            assert_eq!(
                ours,
                format!(
                    "traceroute to {dst} ({dst}), 30 hops max, 80 byte packets\n \
                     1  {dst}  T ms  T ms  T ms\n"
                ),
                "unprivileged {unprivileged} {method}"
            );
            assert_eq!(
                normalize_traceroute_times(&text(&theirs.stdout)),
                ours,
                "unprivileged {unprivileged} {method}"
            );
        }
    }
}

#[test]
fn routes_of_this_host_that_refuse_a_destination_are_named() {
    let Some(lab) = Lab::trace("trace local routes", 1280) else {
        return;
    };
    lab.allow_ping_sockets("client");
    for (kind, errno, peer) in [
        (
            "prohibit",
            "Permission denied (os error 13)",
            "connect: Permission denied",
        ),
        (
            "blackhole",
            "Invalid argument (os error 22)",
            "connect: Invalid argument",
        ),
        (
            "unreachable",
            "No route to host (os error 113)",
            "connect: No route to host",
        ),
    ] {
        lab.must("client", &["ip", "route", "add", kind, "198.51.100.0/25"]);
        lab.must(
            "client",
            &["ip", "-6", "route", "add", kind, "2001:db8:2::/80"],
        );
        for dst in [SERVER4, SERVER6] {
            for (unprivileged, method) in [(false, "-U"), (false, "-I"), (true, "-U"), (true, "-I")]
            {
                let args = ["-n", method, dst];
                let out = ours(&lab, unprivileged, &args);
                let article = if kind == "unreachable" { "an" } else { "a" };
                assert_eq!(
                    text(&out.stderr),
                    format!(
                        "icmpkit: {dst} is behind {article} {kind} route on this host: {errno}\n"
                    ),
                    "{args:?} unprivileged {unprivileged}"
                );
                assert_eq!(out.status.code(), Some(2));
                assert!(out.stdout.is_empty());
                let theirs = traceroute(&lab, unprivileged, &args);
                assert_eq!(text(&theirs.stderr).trim(), peer, "traceroute {args:?}");
            }
        }
        lab.must("client", &["ip", "route", "del", kind, "198.51.100.0/25"]);
        lab.must(
            "client",
            &["ip", "-6", "route", "del", kind, "2001:db8:2::/80"],
        );
    }
}
