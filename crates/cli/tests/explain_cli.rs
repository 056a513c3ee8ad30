//! `icmpkit explain` as a user runs it: by number, by name, by what
//! traceroute and iputils ping print, across families, and `--list`. Each
//! case asserts the exact lines that say what was understood.

use std::process::Command;

use icmpkit_lab::icmpkit;

/// Runs `icmpkit explain args...`: exit code, stdout, stderr.
fn explain(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(icmpkit!())
        .arg("explain")
        .args(args)
        .output()
        .expect("icmpkit runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

/// The first `n` lines of a successful explanation.
fn head(args: &[&str], n: usize) -> Vec<String> {
    let (code, stdout, stderr) = explain(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert_eq!(stderr, "", "{args:?}");
    stdout.lines().take(n).map(str::to_owned).collect()
}

#[test]
fn a_type_whose_only_code_is_0() {
    for (args, first) in [
        (&["8", "0"][..], "ICMPv4 type 8 code 0: Echo"),
        (&["0", "0"][..], "ICMPv4 type 0 code 0: Echo Reply"),
        (&["14", "0"][..], "ICMPv4 type 14 code 0: Timestamp Reply"),
        (
            &["--v6", "128", "0"][..],
            "ICMPv6 type 128 code 0: Echo Request",
        ),
        (
            &["--v6", "2", "0"][..],
            "ICMPv6 type 2 code 0: Packet Too Big",
        ),
        (
            &["--v6", "135", "0"][..],
            "ICMPv6 type 135 code 0: Neighbor Solicitation",
        ),
    ] {
        assert_eq!(
            head(args, 2),
            [first, "  Code:       0, the only code of this type"],
            "{args:?}"
        );
    }
    assert_eq!(
        head(&["8", "3"], 2),
        [
            "ICMPv4 type 8 (Echo) code 3: not a code the IANA registry assigns for this type.",
            "  This type defines only code 0."
        ]
    );
}

#[test]
fn traceroute_annotations() {
    for (args, first, entry) in [
        (
            &["!H"][..],
            "!H is how traceroute reports ICMPv4 type 3 code 1; also codes 7, 12.",
            "ICMPv4 type 3 code 1: Host Unreachable",
        ),
        (
            &["!N"][..],
            "!N is how traceroute reports ICMPv4 type 3 code 0; also codes 6, 8, 11.",
            "ICMPv4 type 3 code 0: Net Unreachable",
        ),
        (
            &["!P"][..],
            "!P is how traceroute reports ICMPv4 type 3 code 2.",
            "ICMPv4 type 3 code 2: Protocol Unreachable",
        ),
        (
            &["!S"][..],
            "!S is how traceroute reports ICMPv4 type 3 code 5.",
            "ICMPv4 type 3 code 5: Source Route Failed",
        ),
        (
            &["!F-1280"][..],
            "!F-1280 is how traceroute reports ICMPv4 type 3 code 4, next-hop MTU 1280.",
            "ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set",
        ),
        (
            &["!F"][..],
            "!F is how traceroute reports ICMPv4 type 3 code 4.",
            "ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set",
        ),
        (
            &["!X"][..],
            "!X is how traceroute reports ICMPv4 type 3 code 13; also codes 9, 10.",
            "ICMPv4 type 3 code 13: Communication Administratively Prohibited",
        ),
        (
            &["!x"][..],
            "!x is how traceroute reports ICMPv4 type 3 code 13; also codes 9, 10.",
            "ICMPv4 type 3 code 13: Communication Administratively Prohibited",
        ),
        (
            &["!V"][..],
            "!V is how traceroute reports ICMPv4 type 3 code 14.",
            "ICMPv4 type 3 code 14: Host Precedence Violation",
        ),
        (
            &["!C"][..],
            "!C is how traceroute reports ICMPv4 type 3 code 15.",
            "ICMPv4 type 3 code 15: Precedence cutoff in effect",
        ),
        (
            &["!U"][..],
            "!U is how BSD traceroute reports ICMPv4 type 3 code 6.",
            "ICMPv4 type 3 code 6: Destination Network Unknown",
        ),
        (
            &["!W"][..],
            "!W is how BSD traceroute reports ICMPv4 type 3 code 7.",
            "ICMPv4 type 3 code 7: Destination Host Unknown",
        ),
        (
            &["!<13>"][..],
            "!<13> is how traceroute reports ICMPv4 type 3 code 13 (which it prints as !X).",
            "ICMPv4 type 3 code 13: Communication Administratively Prohibited",
        ),
        (
            &["!<16>"][..],
            "!<16> is how traceroute reports ICMPv4 type 3 code 16 (a code it has no letter for).",
            "ICMPv4 type 3 (Destination Unreachable) code 16: not a code the IANA registry assigns for this type.",
        ),
        (
            &["--v6", "!H"][..],
            "!H is how traceroute reports ICMPv6 type 1 code 3.",
            "ICMPv6 type 1 code 3: address unreachable",
        ),
        (
            &["--v6", "!X"][..],
            "!X is how traceroute reports ICMPv6 type 1 code 1; also codes 5, 6.",
            "ICMPv6 type 1 code 1: communication with destination administratively prohibited",
        ),
        (
            &["--v6", "!F-1280"][..],
            "!F-1280 is how traceroute reports ICMPv6 type 2, next-hop MTU 1280.",
            "ICMPv6 type 2: Packet Too Big",
        ),
    ] {
        assert_eq!(head(args, 3), [first, "", entry], "{args:?}");
    }
    let (_, stdout, _) = explain(&["!H"]);
    assert!(
        stdout.ends_with(
            "\nICMPv6 has type 1 code 3 (address unreachable) for the same string: \
             `icmpkit explain --v6 '!H'`.\n"
        ),
        "{stdout}"
    );
}

#[test]
fn iputils_ping_lines() {
    for (args, first, entry) in [
        (
            &["Destination Host Unreachable"][..],
            "\"Destination Host Unreachable\" is how ping (iputils) reports ICMPv4 type 3 code 1.",
            "ICMPv4 type 3 code 1: Host Unreachable",
        ),
        (
            &["destination net unreachable"][..],
            "\"destination net unreachable\" is how ping (iputils) reports ICMPv4 type 3 code 0.",
            "ICMPv4 type 3 code 0: Net Unreachable",
        ),
        (
            &["Destination Port Unreachable"][..],
            "\"Destination Port Unreachable\" is how ping (iputils) reports ICMPv4 type 3 code 3.",
            "ICMPv4 type 3 code 3: Port Unreachable",
        ),
        (
            &["Packet filtered"][..],
            "\"Packet filtered\" is how ping (iputils) reports ICMPv4 type 3 code 13.",
            "ICMPv4 type 3 code 13: Communication Administratively Prohibited",
        ),
        (
            &["Frag needed and DF set (mtu = 1280)"][..],
            "\"Frag needed and DF set (mtu = 1280)\" is how ping (iputils) reports ICMPv4 type 3 code 4, next-hop MTU 1280.",
            "ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set",
        ),
        (
            &["Frag needed and DF set"][..],
            "\"Frag needed and DF set\" is how ping (iputils) reports ICMPv4 type 3 code 4.",
            "ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set",
        ),
        (
            &["Time to live exceeded"][..],
            "\"Time to live exceeded\" is how ping (iputils) reports ICMPv4 type 11 code 0.",
            "ICMPv4 type 11 code 0: Time to Live exceeded in Transit",
        ),
        (
            &["From 10.0.0.1 icmp_seq=3 Destination Host Unreachable"][..],
            "\"From 10.0.0.1 icmp_seq=3 Destination Host Unreachable\" is how ping (iputils) reports ICMPv4 type 3 code 1.",
            "ICMPv4 type 3 code 1: Host Unreachable",
        ),
        (
            &["Destination unreachable: Address unreachable"][..],
            "\"Destination unreachable: Address unreachable\" is how ping (iputils) reports ICMPv6 type 1 code 3.",
            "ICMPv6 type 1 code 3: address unreachable",
        ),
        (
            &["Packet too big: mtu=1280"][..],
            "\"Packet too big: mtu=1280\" is how ping (iputils) reports ICMPv6 type 2, next-hop MTU 1280.",
            "ICMPv6 type 2: Packet Too Big",
        ),
        (
            &["Time exceeded: Hop limit"][..],
            "\"Time exceeded: Hop limit\" is how ping (iputils) reports ICMPv6 type 3 code 0.",
            "ICMPv6 type 3 code 0: hop limit exceeded in transit",
        ),
    ] {
        assert_eq!(head(args, 3), [first, "", entry], "{args:?}");
    }
}

#[test]
fn a_name_of_the_other_family_is_answered_with_its_counterpart() {
    for (args, first, entry) in [
        (
            &["--v6", "frag-needed"][..],
            "frag-needed is ICMPv4 type 3 code 4 (Fragmentation Needed and Don't Fragment was Set); in ICMPv6 that is type 2 (Packet Too Big).",
            "ICMPv6 type 2: Packet Too Big",
        ),
        (
            &["--v4", "packet-too-big"][..],
            "packet-too-big is ICMPv6 type 2 (Packet Too Big); in ICMPv4 that is type 3 code 4 (Fragmentation Needed and Don't Fragment was Set).",
            "ICMPv4 type 3 code 4: Fragmentation Needed and Don't Fragment was Set",
        ),
        (
            &["v6:frag-needed"][..],
            "frag-needed is ICMPv4 type 3 code 4 (Fragmentation Needed and Don't Fragment was Set); in ICMPv6 that is type 2 (Packet Too Big).",
            "ICMPv6 type 2: Packet Too Big",
        ),
        (
            &["--v6", "Destination Host Unreachable"][..],
            "\"Destination Host Unreachable\" is how ping (iputils) reports ICMPv4 type 3 code 1; in ICMPv6 that is type 1 code 3 (address unreachable).",
            "ICMPv6 type 1 code 3: address unreachable",
        ),
        (
            &["--v6", "Time to live exceeded"][..],
            "\"Time to live exceeded\" is how ping (iputils) reports ICMPv4 type 11 code 0; in ICMPv6 that is type 3 code 0 (hop limit exceeded in transit).",
            "ICMPv6 type 3 code 0: hop limit exceeded in transit",
        ),
    ] {
        assert_eq!(head(args, 3), [first, "", entry], "{args:?}");
    }
    // A name both families have needs no mapping.
    assert_eq!(
        head(&["--v6", "port-unreachable"], 1),
        ["ICMPv6 type 1 code 4: port unreachable"]
    );
}

#[test]
fn unknown_names_get_sensible_suggestions_or_none() {
    for (arg, message) in [
        (
            "pakcet-too-big",
            "icmpkit: no ICMP type or code is called 'pakcet-too-big': did you mean packet-too-big?\n",
        ),
        (
            "frag-neded",
            "icmpkit: no ICMP type or code is called 'frag-neded': did you mean frag-needed?\n",
        ),
        (
            "Destination Host Unreachabel",
            "icmpkit: no ICMP type or code is called 'Destination Host Unreachabel': did you mean 'Destination Host Unreachable'?\n",
        ),
        (
            "!Y",
            "icmpkit: traceroute prints no '!Y': its annotations are !N, !H, !P, !S, !F-MTU, !X, !V, !C and !<CODE> (Linux), and also !U, !W, !I, !A, !Z, !Q, !T (BSD)\n",
        ),
        (
            "qqq",
            "icmpkit: no ICMP type or code is called 'qqq': give a type number (`icmpkit explain 3 4`) or a name such as frag-needed, port-unreachable, packet-too-big, echo-request\n",
        ),
    ] {
        let (code, stdout, stderr) = explain(&[arg]);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (2, "", message),
            "{arg}"
        );
    }
}

#[test]
fn list_names_every_type_and_code() {
    let (code, both, _) = explain(&["--list"]);
    assert_eq!(code, 0);
    let (_, v4, _) = explain(&["--list", "--v4"]);
    let (_, v6, _) = explain(&["--list", "--v6"]);
    assert_eq!(both, format!("{v4}\n{v6}"));
    let lines: Vec<&str> = v4.lines().collect();
    assert_eq!(lines[0], "ICMPv4 types and codes (TYPE CODE NAME; also)");
    assert_eq!(
        lines[1],
        "      0      Echo Reply; Echo (ping) reply, echo-reply, pong, ping-reply"
    );
    assert!(v4.contains("\n      3    4 Fragmentation Needed and Don't Fragment was Set; Fragmentation needed, frag-needed, "), "{v4}");
    assert!(v4.contains("\n 44-252      Unassigned\n"), "{v4}");
    assert_eq!(
        v6.lines().next(),
        Some("ICMPv6 types and codes (TYPE CODE NAME; also)")
    );
    assert!(
        v6.contains("\n      2      Packet Too Big; packet-too-big, too-big, ptb\n"),
        "{v6}"
    );
    let (code, _, stderr) = explain(&["--list", "3"]);
    assert_eq!(code, 2, "{stderr}");
}
