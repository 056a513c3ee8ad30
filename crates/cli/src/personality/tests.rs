use std::ffi::OsString;

use super::*;

fn parse_str(tool: Tool, args: &[&str]) -> Outcome {
    parse(tool, tool.name(), args.iter().map(OsString::from))
}

fn stderr_of(tool: Tool, args: &[&str]) -> (String, u8) {
    match parse_str(tool, args) {
        Outcome::Done { stderr, code, .. } => (stderr, code),
        Outcome::Run(_) => panic!("{args:?} parsed"),
    }
}

#[test]
fn names_choose_tools() {
    for tool in [
        Tool::Ping,
        Tool::Ping6,
        Tool::Traceroute,
        Tool::Traceroute6,
        Tool::Tracepath,
        Tool::Tracepath6,
        Tool::Mtr,
    ] {
        assert_eq!(Tool::from_program(tool.name().as_ref()), Some(tool));
        let path = format!("/usr/local/bin/{}", tool.name());
        assert_eq!(Tool::from_program(path.as_ref()), Some(tool));
        // Every tool's definition is sound (clap checks it in debug builds).
        tool.command().debug_assert();
    }
    assert_eq!(Tool::from_program("icmpkit".as_ref()), None);
    assert_eq!(Tool::from_program("ping4".as_ref()), None);
}

#[test]
fn a_missing_destination_as_each_tool_says_it() {
    assert_eq!(
        stderr_of(Tool::Ping, &[]),
        (
            "ping: usage error: Destination address required\n".into(),
            2
        )
    );
    assert_eq!(
        stderr_of(Tool::Ping6, &["-c", "1"]),
        (
            "ping6: usage error: Destination address required\n".into(),
            2
        )
    );
    let (usage, code) = stderr_of(Tool::Traceroute, &[]);
    assert!(usage.contains("Usage: traceroute"), "{usage}");
    assert_eq!(code, 0);
    // With options but no host, traceroute says so and fails.
    assert_eq!(
        stderr_of(Tool::Traceroute, &["-n"]),
        ("Specify \"host\" missing argument.\n".into(), 2)
    );
    let (usage, code) = stderr_of(Tool::Tracepath, &["-n"]);
    assert!(usage.contains("Usage: tracepath"), "{usage}");
    assert_eq!(code, 255);
    // mtr traces localhost.
    let Outcome::Run(m) = parse_str(Tool::Mtr, &["-r"]) else {
        panic!("mtr without a host")
    };
    assert_eq!(m.get_one::<String>("host").unwrap(), "localhost");
}

#[test]
fn bad_options_as_each_tool_says_it() {
    let (text, code) = stderr_of(Tool::Ping, &["-Z", "127.0.0.1"]);
    assert!(text.starts_with("ping: invalid option -- 'Z'\n"), "{text}");
    assert_eq!(code, 2);
    let (text, _) = stderr_of(Tool::Ping, &["--foo", "127.0.0.1"]);
    assert!(text.starts_with("ping: invalid option -- '-'\n"), "{text}");
    let (text, code) = stderr_of(Tool::Ping, &["127.0.0.1", "-c"]);
    assert!(
        text.starts_with("ping: option requires an argument -- 'c'\n"),
        "{text}"
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr_of(Tool::Traceroute, &["-Z", "127.0.0.1"]),
        ("Bad option `-Z' (argc 1)\n".into(), 2)
    );
    assert_eq!(
        stderr_of(Tool::Traceroute, &["-n", "--foo", "127.0.0.1"]),
        ("Bad option `--foo' (argc 2)\n".into(), 2)
    );
    assert_eq!(
        stderr_of(Tool::Traceroute6, &["-nZ", "::1"]),
        ("Bad option `-Z' (argc 1)\n".into(), 2)
    );
    assert_eq!(
        stderr_of(Tool::Traceroute, &["127.0.0.1", "-m"]),
        (
            "Option `-m' (argc 2) requires an argument: `-m max_ttl'\n".into(),
            2
        )
    );
    let (text, code) = stderr_of(Tool::Tracepath, &["-c", "127.0.0.1"]);
    assert!(
        text.starts_with("tracepath: invalid option -- 'c'\n"),
        "{text}"
    );
    assert_eq!(code, 255);
    let (text, code) = stderr_of(Tool::Mtr, &["-X"]);
    assert!(text.starts_with("mtr: invalid option -- 'X'\n"), "{text}");
    assert_eq!(code, 1);
    let (text, _) = stderr_of(Tool::Mtr, &["--foo", "127.0.0.1"]);
    assert!(
        text.starts_with("mtr: unrecognized option '--foo'\n"),
        "{text}"
    );
}

#[test]
fn one_family_only() {
    assert_eq!(
        stderr_of(Tool::Ping, &["-4", "-6", "::1"]),
        (
            "ping: only one -4 or -6 option may be specified\n".into(),
            2
        )
    );
    assert_eq!(
        stderr_of(Tool::Ping6, &["-4", "::1"]),
        (
            "ping6: only one -4 or -6 option may be specified\n".into(),
            2
        )
    );
    for tool in [Tool::Tracepath, Tool::Tracepath6] {
        let (text, code) = stderr_of(tool, &["-4", "-6", "::1"]);
        let expected = format!(
            "{}: Only one -4 or -6 option may be specified\n",
            tool.name()
        );
        assert_eq!((text, code), (expected, 2));
    }
}

#[test]
fn an_option_given_twice_takes_the_last_as_getopt_does() {
    let Outcome::Run(m) = parse_str(Tool::Ping6, &["-6", "-c", "1", "-c", "2", "::1"]) else {
        panic!("ping6 -6 refused")
    };
    let args = ping::Args::from_arg_matches(&m).unwrap();
    assert!(args.family.ipv6);
    assert_eq!(args.count.as_deref(), Some("2"));
    let Outcome::Run(m) = parse_str(Tool::Traceroute, &["-6", "-6", "-q", "1", "-q", "2", "::1"])
    else {
        panic!("traceroute -6 -6 refused")
    };
    let args = trace::Args::from_arg_matches(&m).unwrap();
    assert_eq!(args.queries, "2");
}

#[test]
fn versions() {
    for (tool, args) in [
        (Tool::Ping, &["-V"][..]),
        (Tool::Ping, &["-V", "127.0.0.1"][..]),
        (Tool::Tracepath, &["-V"][..]),
        (Tool::Traceroute, &["--version"][..]),
        (Tool::Mtr, &["-v"][..]),
    ] {
        let Outcome::Done { stdout, code, .. } = parse_str(tool, args) else {
            panic!("{tool:?} {args:?} ran")
        };
        assert_eq!(code, 0);
        assert!(
            stdout.starts_with(&format!("{} from icmpkit ", tool.name())),
            "{stdout}"
        );
    }
    let Outcome::Done { stdout, .. } = parse_str(Tool::Ping, &["-V"]) else {
        panic!()
    };
    assert!(stdout.ends_with(
        "\nlibcap: no, IDN: no, NLS: no, error.h: no, getrandom(): no, __fpending(): no\n"
    ));
}

#[test]
fn names_imply_options_and_map_onto_subcommands() {
    let Outcome::Run(m) = parse_str(Tool::Ping6, &["-c", "1", "::1"]) else {
        panic!()
    };
    let args = ping::Args::from_arg_matches(&m).unwrap();
    assert!(args.family.ipv6);
    assert_eq!(args.count.as_deref(), Some("1"));

    let Outcome::Run(m) = parse_str(
        Tool::Traceroute,
        &[
            "--icmp",
            "--max-hops=5",
            "--queries",
            "1",
            "127.0.0.1",
            "100",
        ],
    ) else {
        panic!()
    };
    let args = trace::Args::from_arg_matches(&m).unwrap();
    assert!(args.icmp);
    assert_eq!((args.max_ttl.as_str(), args.queries.as_str()), ("5", "1"));
    assert_eq!(args.packet_len.as_deref(), Some("100"));

    let Outcome::Run(m) = parse_str(Tool::Tracepath6, &["-n", "-m", "4", "-l", "1300", "::1"])
    else {
        panic!()
    };
    assert_eq!(
        tracepath_to_trace(&m).unwrap(),
        [
            "trace",
            "--pmtu",
            "--format",
            "tracepath",
            "-6",
            "-n",
            "-m",
            "4",
            "-p",
            "44444",
            "::1",
            "1300"
        ]
    );
    // -b, a port of 0 (the default), the old HOST/PORT.
    let Outcome::Run(m) = parse_str(Tool::Tracepath, &["-b", "-p", "0", "192.0.2.11/5000"]) else {
        panic!()
    };
    assert_eq!(
        tracepath_to_trace(&m).unwrap()[4..],
        ["--both", "-p", "5000", "192.0.2.11"]
    );
    // Numbers in tracepath's words.
    for (args, error) in [
        (
            &["-m", "300", "::1"][..],
            "invalid argument: '300': out of range: 0 <= value <= 255",
        ),
        (&["-l", "abc", "::1"][..], "invalid argument: 'abc'"),
        (
            &["-p", "70000", "::1"][..],
            "invalid argument: '70000': out of range: 0 <= value <= 65535",
        ),
        (&["::1/x"][..], "invalid argument: 'x'"),
    ] {
        let Outcome::Run(m) = parse_str(Tool::Tracepath, args) else {
            panic!("{args:?}")
        };
        assert_eq!(tracepath_to_trace(&m).unwrap_err().to_string(), error);
    }
}

#[test]
fn options_of_the_real_tool_that_icmpkit_lacks_are_named() {
    assert_eq!(
        stderr_of(Tool::Ping, &["-j", "127.0.0.1"]),
        (
            "ping: -j (iputils' JSON: use --json, icmpkit's JSON lines) is a ping option \
             that icmpkit does not have\n"
                .into(),
            2
        )
    );
    assert_eq!(
        stderr_of(Tool::Traceroute, &["--gateway", "192.0.2.11", "127.0.0.1"]),
        (
            "traceroute: --gateway (loose source routing) is a traceroute option \
             that icmpkit does not have\n"
                .into(),
            2
        )
    );
    // traceroute's -e is accepted: icmpkit shows extensions anyway.
    assert!(matches!(
        parse_str(Tool::Traceroute, &["-e", "127.0.0.1"]),
        Outcome::Run(_)
    ));
}
