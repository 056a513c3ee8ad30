//! icmpkit run through links named `ping`, `ping6`, `fping`, `traceroute`,
//! `traceroute6`, `tracepath`, `tracepath6` and `mtr` (one binary, many
//! names), beside the installed tools: the same output for a ping of
//! loopback (the IPv6 header as current upstream iputils prints it), the
//! same messages and exit codes for a missing destination and a bad
//! option.
//!
//! Traffic goes only to loopback. Tests that send need root (raw sockets,
//! as the peers use them) and print "skipped: ..." otherwise (failing
//! under `CI=true`); a peer that is not installed skips its comparison the
//! same way.

use std::process::Output;

use icmpkit_lab::bin::Links;
use icmpkit_lab::peers::{self, normalize_ping_times};
use icmpkit_lab::{icmpkit, require, text};

/// The names icmpkit answers to.
const NAMES: [&str; 8] = [
    "fping",
    "ping",
    "ping6",
    "traceroute",
    "traceroute6",
    "tracepath",
    "tracepath6",
    "mtr",
];

/// Links to the binary under test, one per name, for `test`.
fn links(test: &str) -> Links {
    Links::new(icmpkit!(), &NAMES, test)
}

/// Runs an installed peer tool, bounded by 20 s.
fn peer(program: &str, args: &[&str]) -> Output {
    peers::run_bounded(20, program, args)
}

/// Whether `path` exists; skips (fails under CI) when not.
fn installed(path: &str) -> bool {
    let found = std::path::Path::new(path).exists();
    if !found {
        require::skip(&format!("{path} is not installed"));
    }
    found
}

fn first_line(bytes: &[u8]) -> String {
    text(bytes).lines().next().unwrap_or_default().to_owned()
}

/// `out`'s stderr with the program path it starts with (`argv[0]`, as
/// iputils, mtr and icmpkit print it) replaced by `NAME`.
fn stderr_named(out: &Output, program: impl AsRef<std::path::Path>) -> String {
    let program = program.as_ref().to_string_lossy().into_owned();
    text(&out.stderr).replace(&format!("{program}: "), "NAME: ")
}

#[test]
fn ping_of_loopback_matches_iputils() {
    if !require::root("ping_of_loopback_matches_iputils") || !installed("/usr/bin/ping") {
        return;
    }
    let links = links("ping4");
    let ours = links.run("ping", &["-c", "1", "127.0.0.1"]);
    let theirs = peer("/usr/bin/ping", &["-c", "1", "127.0.0.1"]);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    assert_eq!(ours.status.code(), theirs.status.code());
    assert_eq!(
        normalize_ping_times(&text(&ours.stdout)),
        normalize_ping_times(&text(&theirs.stdout))
    );
    assert_eq!(text(&ours.stderr), "");
}

#[test]
fn ping6_of_loopback_has_the_upstream_header() {
    if !require::root("ping6_of_loopback_has_the_upstream_header") || !installed("/usr/bin/ping") {
        return;
    }
    let links = links("ping6");
    let theirs = peer("/usr/bin/ping", &["-6", "-c", "1", "::1"]);
    // iputils 20221126 (installed) prints `PING ::1(::1)`; upstream now
    // spaces it as for IPv4.
    let theirs = normalize_ping_times(&text(&theirs.stdout)).replacen(
        "PING ::1(::1) ",
        "PING ::1 (::1) ",
        1,
    );
    for (name, args) in [
        ("ping6", &["-c", "1", "::1"][..]),
        ("ping", &["-c", "1", "::1"]),
    ] {
        let ours = links.run(name, args);
        assert_eq!(
            ours.status.code(),
            Some(0),
            "{name}: {}",
            text(&ours.stderr)
        );
        let ours = normalize_ping_times(&text(&ours.stdout));
        assert!(ours.starts_with("PING ::1 (::1) 56 data bytes\n"), "{ours}");
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn ping_without_a_destination_as_iputils() {
    if !installed("/usr/bin/ping") {
        return;
    }
    let links = links("ping-missing");
    let ours = links.run("ping", &[]);
    let theirs = peer("/usr/bin/ping", &[]);
    assert_eq!(
        stderr_named(&ours, links.path("ping")),
        "NAME: usage error: Destination address required\n"
    );
    assert_eq!(
        stderr_named(&ours, links.path("ping")),
        stderr_named(&theirs, "/usr/bin/ping")
    );
    assert_eq!(text(&ours.stdout), "");
    // Exit 2 as upstream iputils (and its test suite); 20221126 exits 1.
    assert_eq!(ours.status.code(), Some(2));
    let ours = links.run("ping6", &["-c", "1"]);
    assert_eq!(
        (stderr_named(&ours, links.path("ping6")), ours.status.code()),
        (
            "NAME: usage error: Destination address required\n".into(),
            Some(2)
        )
    );
}

/// Current upstream iputils ping's getopt string (`ping/ping.c`): the
/// installed 20221126 has all of these but `-3`, `-H` and `-j`.
const UPSTREAM_PING_OPTIONS: &str = "h?4bRT:6F:N:3aABc:CdDe:fHi:I:jl:Lm:M:nOp:qQ:rs:S:t:UvVw:W:";

/// What `ping -X` alone (no destination, so nothing is sent) says of the
/// letter: it takes a value, it is a flag, or it is unknown.
fn ping_letter(out: &Output) -> &'static str {
    let stderr = text(&out.stderr);
    if stderr.contains("option requires an argument") {
        "value"
    } else if stderr.contains("invalid option") {
        "unknown"
    } else if stderr.contains("icmpkit does not have") {
        "lacking"
    } else {
        "flag"
    }
}

#[test]
fn every_iputils_ping_letter_is_parsed_or_named_lacking() {
    let links = links("ping-letters");
    let installed_ping = std::path::Path::new("/usr/bin/ping").exists();
    for letter in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
        let flag = format!("-{letter}");
        let upstream = UPSTREAM_PING_OPTIONS
            .find(letter)
            .map(|at| UPSTREAM_PING_OPTIONS[at + 1..].starts_with(':'));
        let ours = links.run("ping", &[&flag]);
        let said = ping_letter(&ours);
        // The installed ping knows the letter too: it must not be unknown
        // here either, and it takes a value exactly when ours does.
        let theirs = installed_ping.then(|| peer("/usr/bin/ping", &[&flag]));
        let theirs_said = theirs.as_ref().map(ping_letter);
        match (upstream, said) {
            (None, "unknown") => {
                assert!(matches!(theirs_said, None | Some("unknown")), "{flag}");
            }
            (None, _) => panic!("{flag}: not an iputils option, yet {said}"),
            (Some(_), "unknown") => panic!("{flag}: iputils has it, icmpkit calls it unknown"),
            (Some(_), "lacking") => {
                assert_eq!(ours.status.code(), Some(2), "{flag}");
                assert!(
                    text(&ours.stderr).contains(&format!("{flag} (")),
                    "{flag}: {}",
                    text(&ours.stderr)
                );
            }
            (Some(takes_value), _) => {
                assert_eq!(said == "value", takes_value, "{flag}: {said}");
                if let Some(theirs_said) = theirs_said.filter(|s| *s != "unknown") {
                    assert_eq!(said, theirs_said, "{flag}");
                }
            }
        }
    }
}

/// iputils exits 1 for a number its `strtol_or_err` refuses and 2 for
/// its other usage errors; the link does the same, in the same words.
/// Every case fails before a packet is sent.
#[test]
fn bad_numbers_exit_as_iputils() {
    if !installed("/usr/bin/ping") {
        return;
    }
    let links = links("ping-numbers");
    for args in [
        &["-c", "x"][..],
        &["-c", "0"],
        &["-s", "x"],
        &["-t", "x"],
        &["-t", "256"],
        &["-t", "-1"],
        &["-t", "0"],
        &["-w", "x"],
        &["-w", "-1"],
        &["-w", "1.5"],
        &["-l", "x"],
        &["-l", "70000"],
        &["-e", "x"],
        &["-e", "-1"],
        &["-e", "70000"],
        &["-S", "x"],
        &["-S", "0"],
        &["-m", "x"],
        &["-m", "-1"],
        // Usage errors of other kinds exit 2.
        &["-Q", "x"],
        &["-Q", "300"],
        &["-F", "x"],
        &["-p", "zz"],
        &["-T", "x"],
        &["-W", "-1"],
    ] {
        let mut args = args.to_vec();
        args.push("127.0.0.1");
        let ours = links.run("ping", &args);
        let theirs = peer("/usr/bin/ping", &args);
        assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
        assert!(matches!(ours.status.code(), Some(1 | 2)), "{args:?}");
        assert_eq!(text(&ours.stdout), "", "{args:?}");
        if args[0] != "-W" {
            assert_eq!(
                stderr_named(&ours, links.path("ping")),
                stderr_named(&theirs, "/usr/bin/ping"),
                "{args:?}"
            );
        }
    }
    // `icmpkit ping` keeps its one exit code for usage errors.
    let own = std::process::Command::new(icmpkit!())
        .args(["ping", "-c", "x", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(2));
    assert_eq!(text(&own.stderr), "icmpkit: invalid argument: 'x'\n");
}

#[test]
fn bad_options_are_refused_in_each_tools_words() {
    let links = links("bad-options");
    for (name, peer_path, args) in [
        ("ping", "/usr/bin/ping", &["-Z", "127.0.0.1"][..]),
        ("ping", "/usr/bin/ping", &["127.0.0.1", "-c"]),
        ("ping", "/usr/bin/ping", &["--foo", "127.0.0.1"]),
        ("ping", "/usr/bin/ping", &["-4", "-6", "127.0.0.1"]),
        ("tracepath", "/usr/bin/tracepath", &["-Z", "127.0.0.1"]),
        ("mtr", "/usr/bin/mtr", &["-X", "127.0.0.1"]),
        ("mtr", "/usr/bin/mtr", &["--foo", "127.0.0.1"]),
        ("fping", "/usr/bin/fping", &["-Z", "127.0.0.1"]),
        ("fping", "/usr/bin/fping", &["127.0.0.1", "-c"]),
        ("fping", "/usr/bin/fping", &["--foo", "127.0.0.1"]),
    ] {
        if !installed(peer_path) {
            continue;
        }
        let ours = links.run(name, args);
        let theirs = peer(peer_path, args);
        let ours_first = stderr_named(&ours, links.path(name));
        let theirs_first = stderr_named(&theirs, peer_path);
        assert_eq!(
            first_line(ours_first.as_bytes()),
            first_line(theirs_first.as_bytes()),
            "{name} {args:?}"
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{name} {args:?}");
        assert_eq!(text(&ours.stdout), "", "{name} {args:?}");
    }
    // traceroute's whole message is one line, and the same.
    for (name, peer_path, args) in [
        (
            "traceroute",
            "/usr/bin/traceroute",
            &["-Z", "127.0.0.1"][..],
        ),
        (
            "traceroute",
            "/usr/bin/traceroute",
            &["-n", "--foo", "127.0.0.1"],
        ),
        ("traceroute", "/usr/bin/traceroute", &["127.0.0.1", "-m"]),
        ("traceroute6", "/usr/bin/traceroute6", &["-nZ", "::1"]),
        // Options but no host.
        ("traceroute", "/usr/bin/traceroute", &["-n"]),
    ] {
        if !installed(peer_path) {
            continue;
        }
        let ours = links.run(name, args);
        let theirs = peer(peer_path, args);
        assert_eq!(text(&ours.stderr), text(&theirs.stderr), "{name} {args:?}");
        assert_eq!(ours.status.code(), theirs.status.code(), "{name} {args:?}");
    }
}

#[test]
fn traceroute_and_tracepath_without_a_destination() {
    let links = links("trace-missing");
    for (name, peer_path) in [
        ("traceroute", "/usr/bin/traceroute"),
        ("tracepath", "/usr/bin/tracepath"),
    ] {
        if !installed(peer_path) {
            continue;
        }
        let ours = links.run(name, &[]);
        let theirs = peer(peer_path, &[]);
        // Both print their usage on stderr, nothing on stdout; traceroute
        // exits 0, tracepath 255.
        assert_eq!(ours.status.code(), theirs.status.code(), "{name}");
        assert_eq!(text(&ours.stdout), "", "{name}");
        assert!(
            text(&ours.stderr).contains(&format!("Usage: {name}")),
            "{name}: {}",
            text(&ours.stderr)
        );
    }
}

/// Hop lines with their times made fixed (`0.052 ms` → `T ms`).
fn normalize_hops(output: &str) -> String {
    output
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if words.get(i + 1) == Some(&"ms") && w.parse::<f64>().is_ok() {
                        "T"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn traceroute_of_loopback_matches_traceroute() {
    if !require::root("traceroute_of_loopback_matches_traceroute") {
        return;
    }
    let links = links("traceroute");
    for (name, peer_path, args) in [
        (
            "traceroute",
            "/usr/bin/traceroute",
            &["-n", "-q", "1", "127.0.0.1"][..],
        ),
        (
            "traceroute",
            "/usr/bin/traceroute",
            &["-n", "-I", "--queries=2", "127.0.0.1"],
        ),
        (
            "traceroute6",
            "/usr/bin/traceroute6",
            &["-n", "-q", "1", "::1"],
        ),
    ] {
        if !installed(peer_path) {
            continue;
        }
        let ours = links.run(name, args);
        let theirs = peer(peer_path, args);
        assert_eq!(
            ours.status.code(),
            Some(0),
            "{name}: {}",
            text(&ours.stderr)
        );
        assert_eq!(
            normalize_hops(&text(&ours.stdout)),
            normalize_hops(&text(&theirs.stdout)),
            "{name} {args:?}"
        );
        // traceroute prints nothing on stderr, and says nothing of its
        // sockets: neither does the link.
        assert_eq!(text(&theirs.stderr), "", "{name} {args:?}");
        assert_eq!(text(&ours.stderr), "", "{name} {args:?}");
    }
    // `icmpkit trace` itself names its sockets.
    let own = peer(icmpkit!(), &["trace", "-n", "-q", "1", "127.0.0.1"]);
    assert_eq!(text(&own.stderr), "trace: udp probes on raw sockets\n");
}

/// tracepath, run through the link `name` (ours) or installed (theirs,
/// `tracepath6` as `tracepath -6`): stdout with round trips made fixed,
/// stderr with the program's path made `NAME`, and the exit code.
fn tracepath_run(links: &Links, name: &str, args: &[&str]) -> [(String, String, Option<i32>); 2] {
    let ours = links.run(name, args);
    let mut peer_args = if name == "tracepath6" {
        vec!["-6"]
    } else {
        vec![]
    };
    peer_args.extend_from_slice(args);
    let theirs = peer("/usr/bin/tracepath", &peer_args);
    [
        (ours, links.path(name)),
        (theirs, "/usr/bin/tracepath".into()),
    ]
    .map(|(out, program)| {
        (
            peers::normalize_tracepath_times(&text(&out.stdout)),
            stderr_named(&out, program),
            out.status.code(),
        )
    })
}

#[test]
fn tracepath_of_loopback_matches_tracepath() {
    if !require::root("tracepath_of_loopback_matches_tracepath") || !installed("/usr/bin/tracepath")
    {
        return;
    }
    let links = links("tracepath");
    // IPv4: the largest packet passes loopback (pmtu 65535); IPv6: the
    // local refusal names loopback's MTU, 65536, and the first hop shows
    // twice. Then a first size, and tracepath's refusals.
    for (name, args) in [
        ("tracepath", &["-n", "127.0.0.1"][..]),
        ("tracepath", &["-n", "::1"]),
        ("tracepath6", &["-n", "::1"]),
        ("tracepath", &["-n", "-l", "2000", "127.0.0.1"]),
        ("tracepath", &["-n", "-l", "1400", "::1"]),
        // Below the family's minimum MTU: walked from there all the same.
        ("tracepath", &["-n", "-l", "1000", "::1"]),
        ("tracepath", &["-n", "-l", "60", "127.0.0.1"]),
        ("tracepath", &["-n", "-m", "1", "127.0.0.1"]),
        ("tracepath", &["-n", "-l", "20", "127.0.0.1"]),
        ("tracepath", &["-n", "-m", "300", "127.0.0.1"]),
        ("tracepath", &["-n", "-l", "abc", "127.0.0.1"]),
        ("tracepath6", &["-4", "::1"]),
    ] {
        let [ours, theirs] = tracepath_run(&links, name, args);
        assert_eq!(ours, theirs, "{name} {args:?}");
    }
}

#[test]
fn mtr_runs_its_subcommand() {
    if !require::root("mtr_runs_its_subcommand") {
        return;
    }
    let links = links("mtr");
    let out = links.run("mtr", &["-r", "-c", "1", "-n", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = text(&out.stdout);
    assert!(out.contains("  1.|-- 127.0.0.1 "), "{out}");
}

#[test]
fn versions_name_icmpkit() {
    let links = links("versions");
    let out = links.run("ping", &["-V"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!(
            "ping from icmpkit {}\nlibcap: no, IDN: no, NLS: no, error.h: no, \
             getrandom(): no, __fpending(): no\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let out = links.run("traceroute", &["-V"]);
    assert_eq!(
        text(&out.stdout),
        format!("traceroute from icmpkit {}\n", env!("CARGO_PKG_VERSION"))
    );
}
