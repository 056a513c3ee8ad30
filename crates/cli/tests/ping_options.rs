//! iputils ping's options of issue 18 in `icmpkit ping`, each beside
//! `/usr/bin/ping` run the same way: `-a`, `-e`, `-S`, `-B`, `-L`, `-F`,
//! the `PATTERN:` line of `-p`, `-b` (a LAN of hosts answering broadcast
//! pings), `-R` and `-T` (over the chain's router, raw and ping sockets).
//!
//! Traffic goes only to the lab's own namespaces (`icmpkit_lab::netns`,
//! removed on drop; the broadcast LAN's extra namespaces carry the lab's
//! prefix, so they go with it). Tests needing root print "skipped: ..."
//! when not root and fail under `CI=true`.

use std::process::Output;

use icmpkit_lab::bin::{RunnableCopy, with_subcommand};
use icmpkit_lab::netns::{CLIENT4, Lab, ROUTER4, SERVER4};
use icmpkit_lab::peers::{self, normalize_ping_times};
use icmpkit_lab::{icmpkit, text};

/// `icmpkit ping args` here, bounded by 20 s.
fn ping(args: &[&str]) -> Output {
    peers::run_bounded(20, icmpkit!(), &with_subcommand("ping", args))
}

/// The message after `name: ` on stderr (its first line).
fn message(out: &Output, name: &str) -> String {
    let err = text(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    first
        .strip_prefix(&format!("{name}: "))
        .unwrap_or_else(|| panic!("stderr does not start with {name:?}: {err:?}"))
        .to_owned()
}

/// Runs iputils and ours with `args` in namespace `ns` of `lab`; returns
/// (ours, theirs).
fn both(lab: &Lab, ns: &str, args: &[&str]) -> (Output, Output) {
    let theirs = lab.run_bounded(ns, 20, "ping", args);
    let ours = lab.run_bounded(ns, 20, icmpkit!(), &with_subcommand("ping", args));
    (ours, theirs)
}

/// Asserts the same stdout (after `normalize`, times aside) and exit code.
fn assert_same(ours: &Output, theirs: &Output, what: &str, normalize: impl Fn(&str) -> String) {
    let (o, t) = (text(&ours.stdout), text(&theirs.stdout));
    assert_eq!(
        normalize(&normalize_ping_times(&without_debug(&o))),
        normalize(&normalize_ping_times(&without_debug(&t))),
        "ping {what}\n--- ours:\n{o}\n--- iputils:\n{t}\n--- our stderr: {}",
        text(&ours.stderr)
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "exit of ping {what}"
    );
}

/// Runs both in `ns` and asserts [`assert_same`] with nothing normalized
/// beyond times; returns ours.
fn same_as_iputils(lab: &Lab, ns: &str, args: &[&str]) -> Output {
    let (ours, theirs) = both(lab, ns, args);
    assert_same(&ours, &theirs, &format!("{args:?}"), str::to_owned);
    ours
}

/// The milliseconds of `TS:` lines made fixed (times of day, and their
/// differences, which cross a millisecond now and then).
fn fixed_timestamps(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            line.split('\t')
                .map(|field| {
                    let (number, rest) = field.split_once(' ').unwrap_or((field, ""));
                    if number.parse::<i64>().is_ok() {
                        format!("N{}{rest}", if rest.is_empty() { "" } else { " " })
                    } else {
                        field.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// iputils' stdout without what its -v adds for debugging (the
/// `ai->ai_family` line of its resolver).
fn without_debug(output: &str) -> String {
    output
        .lines()
        .filter(|line| !line.starts_with("ai->"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifier of `ident=N` made fixed (a raw socket's is random).
fn fixed_ident(output: &str) -> String {
    output
        .split(' ')
        .map(|word| {
            if word.starts_with("ident=") {
                "ident=I"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- input

#[test]
fn bad_values_of_the_new_options_are_refused_in_iputils_words() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["-e", "70000"],
            "invalid argument: '70000': out of range: 0 <= value <= 65535",
        ),
        (&["-e", "x"], "invalid argument: 'x'"),
        (
            &["-S", "0"],
            "invalid argument: '0': out of range: 1 <= value <= 2147483647",
        ),
        (
            &["-F", "0x100000"],
            "flow value is greater than 20 bits: 0x100000",
        ),
        (&["-F", "12x"], "bad value for flowinfo: 12x"),
        (
            &["-p", "12zz"],
            "patterns must be specified as hex digits: zz",
        ),
        (&["-T", "foo"], "invalid timestamp type: foo"),
        (&["-R", "-T", "tsonly"], "only one of -T or -R may be used"),
    ];
    let iputils = icmpkit_lab::require::program("ping");
    for (options, expected) in cases {
        let mut args = options.to_vec();
        args.extend(["-c", "1", "127.0.0.1"]);
        let ours = ping(&args);
        assert_eq!(
            ours.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&ours.stderr)
        );
        assert_eq!(text(&ours.stdout), "", "{args:?}");
        assert_eq!(message(&ours, "icmpkit"), *expected, "{args:?}");
        if iputils {
            // iputils says the same (it exits 1 for the numbers it
            // reads with strtol_or_err, 2 for the rest; we always 2).
            let theirs = peers::run_bounded(20, "ping", &args);
            assert_eq!(message(&theirs, "ping"), *expected, "iputils {args:?}");
        }
    }
}

// ---------------------------------------------------------------- loopback

#[test]
fn bell_pattern_source_ident_buffers_and_loop_print_as_iputils_prints_them() {
    let Some(lab) = Lab::host("bell_pattern_source_ident") else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    for args in [
        &["-c", "2", "-i", "0.2", "-a", "127.0.0.1"][..],
        &["-c", "1", "-p", "abc", "-s", "2", "127.0.0.1"],
        &["-c", "1", "-p", "ff00", "127.0.0.1"],
        &["-c", "1", "-q", "-p", "ff00", "127.0.0.1"],
        &["-c", "1", "-B", "127.0.0.1"],
        &["-c", "1", "-v", "-e", "4242", "127.0.0.1"],
        &["-c", "1", "-S", "2000", "-L", "127.0.0.1"],
        &["-6", "-c", "1", "-a", "-B", "::1"],
    ] {
        same_as_iputils(&lab, "host", args);
    }
    let ours = same_as_iputils(&lab, "host", &["-c", "1", "-a", "127.0.0.1"]);
    assert!(
        text(&ours.stdout).contains(" ms\x07\n"),
        "the bell ends the reply line: {:?}",
        text(&ours.stdout)
    );
}

#[test]
fn on_ping_sockets_the_identifier_is_bound_as_iputils_binds_it() {
    let Some(lab) = Lab::host("identifier_on_ping_sockets") else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    // iputils prefers a ping socket where the namespace allows it.
    lab.allow_ping_sockets("host");
    let args = ["-c", "1", "-v", "-e", "777", "127.0.0.1"];
    let theirs = lab.run_bounded("host", 20, "ping", &args);
    let mut our_args = vec!["--socket", "dgram"];
    our_args.extend(args);
    let ours = lab.run_bounded("host", 20, icmpkit!(), &with_subcommand("ping", &our_args));
    assert_same(&ours, &theirs, "-e 777 (ping socket)", str::to_owned);
    assert!(
        text(&ours.stdout).contains(" ident=777 "),
        "{}",
        text(&ours.stdout)
    );
    // Without -e the kernel picks it, and iputils does not know it.
    let args = ["-c", "1", "-v", "127.0.0.1"];
    let theirs = lab.run_bounded("host", 20, "ping", &args);
    let mut our_args = vec!["--socket", "dgram"];
    our_args.extend(args);
    let ours = lab.run_bounded("host", 20, icmpkit!(), &with_subcommand("ping", &our_args));
    assert_same(&ours, &theirs, "-v (ping socket)", str::to_owned);
}

#[test]
fn a_flow_label_is_granted_and_shown_as_iputils_shows_it() {
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    // Flow labels are per namespace and linger after their socket: one
    // namespace each.
    let (Some(mine), Some(theirs_lab)) = (
        Lab::host("flow_label_ours"),
        Lab::host("flow_label_iputils"),
    ) else {
        return;
    };
    let args = ["-6", "-c", "1", "-F", "0x12345", "::1"];
    let theirs = theirs_lab.run_bounded("host", 20, "ping", &args);
    let ours = mine.run_bounded("host", 20, icmpkit!(), &with_subcommand("ping", &args));
    assert_same(&ours, &theirs, "-F 0x12345", str::to_owned);
    assert!(text(&ours.stdout).starts_with("PING ::1(::1) , flow 0x12345, 56 data bytes\n"));
    // 0: the kernel picks one, printed alike (its value aside).
    let args = ["-6", "-c", "1", "-F", "0", "::1"];
    let theirs = theirs_lab.run_bounded("host", 20, "ping", &args);
    let ours = mine.run_bounded("host", 20, icmpkit!(), &with_subcommand("ping", &args));
    let label = |s: &str| {
        s.split_once(", flow 0x").map_or_else(
            || s.to_owned(),
            |(a, b)| format!("{a}, flow 0xLABEL{}", &b[5..]),
        )
    };
    assert_same(&ours, &theirs, "-F 0", label);
    // The label is on the wire, from a raw and from a ping socket.
    if !icmpkit_lab::require::program("tcpdump") {
        return;
    }
    mine.allow_ping_sockets("host");
    for (socket, flow) in [("raw", "0x23456"), ("dgram", "0x34567")] {
        let capture = mine.spawn_bounded(
            "host",
            10,
            "tcpdump",
            &[
                "-i",
                "lo",
                "-nn",
                "-v",
                "-c",
                "1",
                "icmp6 and ip6[40] == 128",
            ],
        );
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let args = ["--socket", socket, "-6", "-c", "1", "-F", flow, "::1"];
        let ours = mine.run_bounded("host", 20, icmpkit!(), &with_subcommand("ping", &args));
        assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
        let seen = text(&capture.wait_with_output().expect("tcpdump").stdout);
        assert!(
            seen.contains(&format!("flowlabel {flow},")),
            "{socket}: {seen}"
        );
    }
}

// ---------------------------------------------------------------- broadcast

/// The LAN of the broadcast test: a bridge in the lab's `host` namespace,
/// and namespaces `pinger`, `h1`, `h2`, `h3` on it (192.0.2.11 to .14/24),
/// the hosts answering broadcast pings.
fn broadcast_lan(lab: &Lab) {
    let switch = lab.ns("host");
    lab.must("host", &["ip", "link", "add", "br0", "type", "bridge"]);
    lab.must("host", &["ip", "link", "set", "br0", "up"]);
    for (i, name) in ["pinger", "h1", "h2", "h3"].iter().enumerate() {
        let ns = lab.ns(name);
        let port = format!("p{i}");
        let addr = format!("192.0.2.{}/24", i + 11);
        icmpkit_lab::peers::run_bounded(10, "ip", &["netns", "add", &ns]);
        lab.must(name, &["ip", "link", "set", "lo", "up"]);
        let made = icmpkit_lab::peers::run_bounded(
            10,
            "ip",
            &[
                "link", "add", &port, "netns", &switch, "type", "veth", "peer", "name", "e0",
                "netns", &ns,
            ],
        );
        assert!(made.status.success(), "veth: {}", text(&made.stderr));
        lab.must("host", &["ip", "link", "set", &port, "master", "br0", "up"]);
        lab.must(name, &["ip", "addr", "add", &addr, "dev", "e0"]);
        lab.must(name, &["ip", "link", "set", "e0", "up"]);
        if *name != "pinger" {
            lab.sysctl(name, "net.ipv4.icmp_echo_ignore_broadcasts=0");
        }
    }
}

/// Lines sorted: three hosts answer each probe in no fixed order.
fn sorted_lines(output: &str) -> String {
    let mut lines: Vec<&str> = output.lines().collect();
    lines.sort_unstable();
    lines.join("\n")
}

#[test]
fn broadcast_pings_are_refused_without_b_and_answered_by_every_host_with_it() {
    let Some(lab) = Lab::host("broadcast_pings") else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    broadcast_lan(&lab);
    // Without -b: iputils' refusal, exit 2.
    let (ours, theirs) = both(&lab, "pinger", &["-c", "1", "192.0.2.255"]);
    assert_eq!(ours.status.code(), Some(2));
    assert_eq!(theirs.status.code(), Some(2));
    assert_eq!(message(&ours, "icmpkit"), message(&theirs, "ping"));
    assert_eq!(
        message(&ours, "icmpkit"),
        "Do you want to ping broadcast? Then -b. If not, check your local firewall rules"
    );
    // With -b: the warning, and three replies a probe; duplicates are
    // counted, and marked (DUP!) only with -v.
    for args in [
        &["-b", "-w", "3", "192.0.2.255"][..],
        &["-b", "-v", "-w", "3", "192.0.2.255"],
    ] {
        let (ours, theirs) = both(&lab, "pinger", args);
        assert_same(&ours, &theirs, &format!("{args:?}"), |s| {
            sorted_lines(&fixed_ident(s))
        });
        assert_eq!(
            text(&ours.stderr).lines().next(),
            Some("WARNING: pinging broadcast address"),
            "{}",
            text(&ours.stderr)
        );
        let out = text(&ours.stdout);
        assert!(out.contains(", +6 duplicates,"), "{out}");
        assert_eq!(
            out.matches("(DUP!)").count(),
            if args.contains(&"-v") { 6 } else { 0 },
            "{out}"
        );
    }
    // A user may broadcast once a second at most, and never fragment.
    if !icmpkit_lab::require::program("setpriv") {
        return;
    }
    lab.allow_ping_sockets("pinger");
    let ping = RunnableCopy::new("/usr/bin/ping", "broadcast_user");
    let ours = RunnableCopy::new(icmpkit!(), "broadcast_user");
    let (ping, ours) = (ping.path(), ours.path());
    for (args, expected) in [
        (
            &["-b", "-c", "1", "-i", "0.5", "192.0.2.255"][..],
            "broadcast ping with too short interval: 500",
        ),
        (
            &["-b", "-c", "1", "-M", "dont", "192.0.2.255"],
            "broadcast ping does not fragment",
        ),
    ] {
        let theirs = lab.run_unprivileged("pinger", 20, ping.to_str().unwrap(), args);
        let mine = lab.run_unprivileged(
            "pinger",
            20,
            ours.to_str().unwrap(),
            &with_subcommand("ping", args),
        );
        let last = |out: &Output| {
            text(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned()
        };
        // iputils names itself by the path it was run as.
        assert!(
            last(&theirs).ends_with(&format!("ping: {expected}")),
            "iputils {args:?}: {}",
            last(&theirs)
        );
        assert_eq!(last(&mine), format!("icmpkit: {expected}"), "{args:?}");
        assert_eq!(mine.status.code(), Some(2));
        assert_eq!(theirs.status.code(), Some(2));
    }
}

#[test]
fn a_multicast_ping_loops_back_unless_l_and_marks_no_duplicates() {
    let Some(lab) = Lab::host("multicast_loop") else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    broadcast_lan(&lab);
    // The pinger answers too, so its own loopback copy shows.
    lab.sysctl("pinger", "net.ipv4.icmp_echo_ignore_broadcasts=0");
    lab.must(
        "pinger",
        &["ip", "route", "add", "224.0.0.0/4", "dev", "e0"],
    );
    for (args, senders) in [
        (&["-w", "2", "224.0.0.1"][..], 4),
        (&["-L", "-w", "2", "224.0.0.1"], 3),
    ] {
        let (ours, theirs) = both(&lab, "pinger", args);
        assert_same(&ours, &theirs, &format!("{args:?}"), sorted_lines);
        let out = text(&ours.stdout);
        let looped = out.contains("bytes from 192.0.2.11:");
        assert_eq!(looped, senders == 4, "{args:?}: {out}");
        assert!(!out.contains("(DUP!)"), "{out}");
        assert!(
            out.contains(&format!(", +{} duplicates,", 2 * (senders - 1))),
            "{out}"
        );
    }
    // -t sets the multicast TTL too (the kernel's default is 1).
    if !icmpkit_lab::require::program("tcpdump") {
        return;
    }
    for program in ["ping", icmpkit!()] {
        let capture = lab.spawn_bounded(
            "pinger",
            10,
            "tcpdump",
            &["-i", "e0", "-nn", "-v", "-c", "1", "icmp[0] == 8"],
        );
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let args = ["-c", "1", "-t", "5", "224.0.0.1"];
        let args = if program == "ping" {
            args.to_vec()
        } else {
            with_subcommand("ping", &args)
        };
        lab.run_bounded("pinger", 20, program, &args);
        let seen = text(&capture.wait_with_output().expect("tcpdump").stdout);
        assert!(seen.contains("ttl 5,"), "{program}: {seen}");
    }
}

// ---------------------------------------------------------------- IP options

#[test]
fn record_route_and_timestamps_print_as_iputils_prints_them() {
    let Some(chain) = Lab::chain("record_route_and_timestamps", 1280) else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    let rr = same_as_iputils(&chain, "client", &["-c", "2", "-i", "0.2", "-R", SERVER4]);
    let out = text(&rr.stdout);
    assert!(
        out.contains(&format!(
            "RR: \t{CLIENT4}\n\t198.51.100.1\n\t{SERVER4}\n\t{SERVER4}\n\t{ROUTER4}\n\t{CLIENT4}\n"
        )),
        "{out}"
    );
    assert!(out.contains(" ms\t(same route)\n"), "{out}");
    for args in [
        &["-c", "2", "-i", "0.2", "-T", "tsonly", SERVER4][..],
        &["-c", "1", "-T", "tsandaddr", SERVER4],
        &["-c", "1", "-T", "tsprespec", ROUTER4, SERVER4, SERVER4],
        // No address: the bare 4-byte option, as iputils sends it.
        &["-c", "1", "-T", "tsprespec", SERVER4],
        &["-c", "1", "-a", "-R", SERVER4],
    ] {
        let (ours, theirs) = both(&chain, "client", args);
        assert_same(&ours, &theirs, &format!("{args:?}"), fixed_timestamps);
        assert!(text(&ours.stdout).contains("56(124) bytes"));
    }
}

#[test]
fn over_ping_sockets_the_options_come_back_as_over_raw_ones() {
    let Some(chain) = Lab::chain("options_over_ping_sockets", 1280) else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    chain.allow_ping_sockets("client");
    for args in [
        &["-c", "2", "-i", "0.2", "-R", SERVER4][..],
        &["-c", "1", "-T", "tsonly", SERVER4],
        &["-c", "1", "-T", "tsandaddr", SERVER4],
    ] {
        let theirs = chain.run_bounded("client", 20, "ping", args);
        let mut our_args = vec!["--socket", "dgram"];
        our_args.extend(args);
        let ours = chain.run_bounded(
            "client",
            20,
            icmpkit!(),
            &with_subcommand("ping", &our_args),
        );
        assert_same(&ours, &theirs, &format!("{args:?}"), fixed_timestamps);
        assert!(text(&ours.stdout).contains("\nRR: ") || text(&ours.stdout).contains("\nTS: "));
    }
}

// ---------------------------------------------------------------- node information

/// Starts `lab/node-info-responder.py` in `ns` for at most 15 s and waits
/// until it listens; stopped (SIGTERM, through `timeout`) by the guard.
struct Responder(std::process::Child);

impl Responder {
    fn start(lab: &Lab, ns: &str) -> Self {
        use std::io::BufRead;
        let script = icmpkit_lab::repo().join("lab/node-info-responder.py");
        let script = script.to_string_lossy().into_owned();
        let mut child = lab.spawn_bounded(ns, 20, "python3", &[&script, "15"]);
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the responder");
        assert_eq!(line.trim(), "ready", "the responder did not start");
        Self(child)
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let _ = self.0.wait();
    }
}

#[test]
fn node_information_answers_print_as_iputils_prints_them() {
    let Some(lab) = Lab::host("node_information") else {
        return;
    };
    if !icmpkit_lab::require::program("ping") || !icmpkit_lab::require::program("python3") {
        return;
    }
    let _responder = Responder::start(&lab, "host");
    for query in [
        &["-N", "name"][..],
        &["-N", "fqdn", "-a"],
        &["-N", "ipv6"],
        &["-N", "ipv6-all"],
        &["-N", "ipv6-global", "-N", "ipv6-linklocal"],
        &["-N", "ipv4"],
        &["-N", "ipv4-all", "-N", "subject-ipv4=192.0.2.7"],
        &["-N", "name", "-N", "subject-name=mini"],
        &["-N", "name", "-N", "subject-fqdn=host.example"],
        &["-N", "ipv6", "-N", "subject-ipv6=2001:db8::5"],
        &["-N", "subject-ipv6=::1"],
    ] {
        let mut args = vec!["-c", "2", "-i", "0.2"];
        args.extend(query);
        args.push("::1");
        same_as_iputils(&lab, "host", &args);
    }
    let ours = same_as_iputils(&lab, "host", &["-c", "1", "-N", "name", "::1"]);
    assert!(
        text(&ours.stdout).contains("\n41 bytes from ::1: host.example., mini; seq=1; ttl=64\n"),
        "{}",
        text(&ours.stdout)
    );
    let ours = same_as_iputils(&lab, "host", &["-c", "1", "-N", "ipv6-all", "::1"]);
    assert!(
        text(&ours.stdout).contains(": ::1, 2001:db8::5 (truncated); seq=1;"),
        "{}",
        text(&ours.stdout)
    );
}

#[test]
fn node_information_help_and_refusals_are_iputils() {
    let help = ping(&["-N", "help", "::1"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).starts_with("ping -6 -N <nodeinfo opt>\nHelp:\n"));
    assert!(text(&help.stdout).ends_with("  subject-fqdn=name\n"));
    for bad in [&["-N", "nonsense"][..], &["-N", "name", "-N", "ipv4"]] {
        let mut args = bad.to_vec();
        args.push("::1");
        let out = ping(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains("ping -6 -N <nodeinfo opt>\nHelp:\n"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    if icmpkit_lab::require::program("ping") {
        let theirs = peers::run_bounded(20, "ping", &["-N", "help", "::1"]);
        assert_eq!(text(&theirs.stdout), text(&help.stdout));
    }
}

#[test]
fn a_route_longer_than_nine_slots_and_timestamps_over_four_routers() {
    let Some(lab) = Lab::trace("long_record_route", 1280) else {
        return;
    };
    if !icmpkit_lab::require::program("ping") {
        return;
    }
    // One path (the fork pinned), so both runs record the same route.
    lab.route_through(icmpkit_lab::netns::Branch::R3a);
    let rr = same_as_iputils(&lab, "client", &["-c", "2", "-i", "0.2", "-R", SERVER4]);
    let out = text(&rr.stdout);
    // Nine slots: the way out and the start of the way back.
    let route = out
        .split("RR: ")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    assert_eq!(route.lines().count(), 9, "{out}");
    assert!(route.starts_with(&format!("\t{CLIENT4}\n")), "{out}");
    for args in [
        &["-c", "1", "-T", "tsandaddr", SERVER4][..],
        &["-c", "1", "-T", "tsonly", SERVER4],
        &[
            "-c",
            "1",
            "-T",
            "tsprespec",
            icmpkit_lab::netns::R1_4,
            icmpkit_lab::netns::R4_4,
            SERVER4,
            SERVER4,
        ],
    ] {
        let (ours, theirs) = both(&lab, "client", args);
        assert_same(&ours, &theirs, &format!("{args:?}"), fixed_timestamps);
    }
}
