//! IPv6 scope ids (`fe80::1%eth0`, `fe80::1%2`) in `ping`, `trace` and
//! `sweep`: a scoped link-local target is probed through the interface it
//! names, printed as iputils and traceroute print it, and a scope that
//! names no interface, or a name on an address that takes none, fails
//! with a message that says so. Link-local addresses only inside lab
//! namespaces: the router of the standard chain answers `fe80::1` on its
//! client-side link (`r0`); the client reaches it through `c0` only.

use std::process::Output;

use icmpkit_lab::bin::{RunnableCopy, with_subcommand};
use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{Lab, SERVER6};
use icmpkit_lab::peers::normalize_ping_times;
use icmpkit_lab::require;

/// The router's link-local address on the client's link.
const ROUTER_LINK_LOCAL: &str = "fe80::1";

/// The chain, with [`ROUTER_LINK_LOCAL`] on the router's `r0`.
fn chain(test: &str) -> Option<Lab> {
    let chain = Lab::chain(test, 1280)?;
    chain.must(
        "router",
        &[
            "ip",
            "-6",
            "addr",
            "add",
            &format!("{ROUTER_LINK_LOCAL}/64"),
            "dev",
            "r0",
            "nodad",
        ],
    );
    Some(chain)
}

/// The index of interface `name` in namespace `ns` of `lab`.
fn index_of(lab: &Lab, ns: &str, name: &str) -> String {
    let out = lab.exec(ns, &["cat", &format!("/sys/class/net/{name}/ifindex")]);
    assert!(out.status.success(), "no {name} in {ns}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `icmpkit SUBCOMMAND ARGS` in namespace `ns`, bounded by 20 s.
fn ours(lab: &Lab, ns: &str, subcommand: &str, args: &[&str]) -> Output {
    lab.run_bounded(ns, 20, icmpkit!(), &with_subcommand(subcommand, args))
}

/// Runs iputils ping and ours with `args` in `ns`; asserts the same
/// stdout (times aside) and exit code; returns ours.
fn ping_as_iputils(lab: &Lab, ns: &str, args: &[&str]) -> Output {
    let theirs = lab.run_bounded(ns, 20, "ping", args);
    let ours = ours(lab, ns, "ping", args);
    let (t, o) = (text(&theirs.stdout), text(&ours.stdout));
    assert_eq!(
        normalize_ping_times(&o),
        normalize_ping_times(&t),
        "ping {args:?}\n--- ours:\n{o}\n--- iputils:\n{t}\n--- our stderr: {}",
        text(&ours.stderr)
    );
    assert_eq!(ours.status.code(), theirs.status.code(), "ping {args:?}");
    ours
}

#[test]
fn a_scoped_link_local_target_is_pinged_through_its_interface_as_iputils_pings_it() {
    let Some(chain) = chain("scoped ping") else {
        return;
    };
    let c0 = index_of(&chain, "client", "c0");
    let by_name = format!("{ROUTER_LINK_LOCAL}%c0");
    let by_index = format!("{ROUTER_LINK_LOCAL}%{c0}");
    let out = ping_as_iputils(&chain, "client", &["-c", "2", "-i", "0.2", &by_name]);
    let o = text(&out.stdout);
    assert!(
        o.starts_with("PING fe80::1%c0(fe80::1%c0) 56 data bytes\n64 bytes from fe80::1%c0: icmp_seq=1 ttl=64 time="),
        "{o}"
    );
    let out = ping_as_iputils(&chain, "client", &["-c", "1", &by_index]);
    let header = format!("PING {by_index}(fe80::1%c0) 56 data bytes\n");
    assert!(
        text(&out.stdout).starts_with(&header),
        "{}",
        text(&out.stdout)
    );

    // Through loopback no one has fe80::1: the probe must not leave by c0
    // (it did, and the router answered, while the scope was dropped).
    let out = ping_as_iputils(&chain, "client", &["-c", "1", "-W", "1", "fe80::1%lo"]);
    assert!(
        text(&out.stdout).contains("1 packets transmitted, 0 received"),
        "{}",
        text(&out.stdout)
    );

    // No scope but -I: replies print with that interface, and the header
    // names iputils' `::` source.
    let out = ping_as_iputils(
        &chain,
        "client",
        &["-c", "1", "-I", "c0", ROUTER_LINK_LOCAL],
    );
    let o = text(&out.stdout);
    assert!(
        o.starts_with("PING fe80::1(fe80::1) from :: c0: 56 data bytes\n64 bytes from fe80::1%c0:"),
        "{o}"
    );

    // An index with a global address changes nothing, as with iputils.
    let global = format!("{SERVER6}%{c0}");
    ping_as_iputils(&chain, "client", &["-c", "1", &global]);
}

#[test]
fn a_ping_socket_needs_the_scope_and_says_so_without_it() {
    let Some(chain) = chain("scoped ping socket") else {
        return;
    };
    if !require::program("setpriv") {
        return;
    }
    chain.allow_ping_sockets("client");
    let icmpkit = RunnableCopy::new(icmpkit!(), "scope");
    let program = icmpkit.path();
    let program = program.to_str().expect("a UTF-8 temporary directory");
    let run = |target: &str| {
        chain.run_unprivileged(
            "client",
            20,
            program,
            &with_subcommand("ping", &["-c", "1", "-W", "1", target]),
        )
    };
    let out = run("fe80::1%c0");
    assert!(
        text(&out.stdout).contains("64 bytes from fe80::1%c0: icmp_seq=1"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = run(ROUTER_LINK_LOCAL);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(
            "icmpkit: warning: fe80::1 is link-local: a ping socket cannot send to it without \
             its interface: use fe80::1%INTERFACE (or -I INTERFACE)\n"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn loopback_is_a_scope_in_a_namespace_of_its_own() {
    let Some(lab) = Lab::host("scoped ping on lo") else {
        return;
    };
    lab.must(
        "host",
        &[
            "ip",
            "-6",
            "addr",
            "add",
            "fe80::1/64",
            "dev",
            "lo",
            "nodad",
        ],
    );
    let out = ping_as_iputils(&lab, "host", &["-c", "1", "fe80::1%lo"]);
    let o = text(&out.stdout);
    assert!(
        o.starts_with(
            "PING fe80::1%lo(fe80::1%lo) 56 data bytes\n64 bytes from fe80::1%lo: icmp_seq=1"
        ),
        "{o}"
    );
}

/// Asserts that `icmpkit SUBCOMMAND ARGS` fails with exit status 2,
/// printing nothing on stdout and `message` on stderr.
fn fails_with(lab: &Lab, subcommand: &str, args: &[&str], message: &str) {
    let out = ours(lab, "client", subcommand, args);
    assert_eq!(out.status.code(), Some(2), "{subcommand} {args:?}");
    assert_eq!(text(&out.stdout), "", "{subcommand} {args:?}");
    assert_eq!(
        text(&out.stderr),
        format!("icmpkit: {message}\n"),
        "{args:?}"
    );
}

#[test]
fn a_scope_that_names_no_interface_or_does_not_apply_fails_clearly() {
    let Some(chain) = chain("bad scopes") else {
        return;
    };
    for subcommand in ["ping", "trace", "sweep"] {
        fails_with(
            &chain,
            subcommand,
            &["fe80::1%999999"],
            "fe80::1%999999: there is no network interface with index 999999 (see `ip link`)",
        );
        fails_with(
            &chain,
            subcommand,
            &["fe80::1%nosuch0"],
            "fe80::1%nosuch0: there is no network interface named \"nosuch0\" (see `ip link`)",
        );
        fails_with(
            &chain,
            subcommand,
            &[&format!("{SERVER6}%c0")],
            &format!(
                "{SERVER6}%c0: {SERVER6} is not link-local, so no interface scope applies: \
                 drop %c0 (the routes choose the interface; -I binds to one)"
            ),
        );
        fails_with(
            &chain,
            subcommand,
            &["198.51.100.2%c0"],
            "198.51.100.2%c0: a scope (%INTERFACE) follows IPv6 addresses only, and names an \
             interface",
        );
    }
    for subcommand in ["ping", "sweep"] {
        fails_with(
            &chain,
            subcommand,
            &["fe80::1%c0", "fe80::2%lo"],
            "fe80::1%c0 and fe80::2%lo: the link-local addresses of one run must be on one \
             interface: run once per interface",
        );
    }
    fails_with(
        &chain,
        "ping",
        &["-4", "::ffff:198.51.100.2"],
        "::ffff:198.51.100.2: an IPv4-mapped IPv6 address, but -4 was given: use 198.51.100.2",
    );
}

#[test]
fn an_ipv4_mapped_address_is_pinged_over_ipv6_as_iputils_does_with_a_warning() {
    let Some(chain) = chain("mapped") else {
        return;
    };
    let out = ping_as_iputils(&chain, "client", &["-c", "1", "::ffff:198.51.100.2"]);
    assert_eq!(
        text(&out.stderr),
        "icmpkit: warning: ::ffff:198.51.100.2 is an IPv4-mapped IPv6 address: it is probed \
         over IPv6, as iputils does, and no IPv4 host answers it (for 198.51.100.2 over IPv4, \
         use 198.51.100.2)\n"
    );
}

#[test]
fn trace_and_sweep_probe_through_the_scope_given() {
    let Some(chain) = chain("scoped trace and sweep") else {
        return;
    };
    if require::program("traceroute") {
        let args = ["-n", "-q", "1", "-w", "1", "fe80::1%c0"];
        let theirs = chain.run_bounded("client", 20, "traceroute", &args);
        let ours = ours(&chain, "client", "trace", &args);
        let without_times = |o: &Output| {
            text(&o.stdout)
                .lines()
                .map(|l| l.split("  ").take(2).collect::<Vec<_>>().join("  "))
                .collect::<Vec<_>>()
        };
        assert_eq!(without_times(&ours), without_times(&theirs));
        assert_eq!(
            without_times(&ours),
            [
                "traceroute to fe80::1%c0 (fe80::1%c0), 30 hops max, 80 byte packets",
                " 1  fe80::1%c0"
            ]
        );
    }
    let out = ours(
        &chain,
        "client",
        "sweep",
        &["--cooldown", "0.5", "fe80::%c0/126"],
    );
    assert_eq!(text(&out.stdout), "fe80::1\n", "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
    // Through loopback, fe80::1 is not there: the kernel refuses the send.
    let out = ours(
        &chain,
        "client",
        "sweep",
        &["--cooldown", "0.5", "fe80::1%lo"],
    );
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("sent 0, replies 0"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
}
