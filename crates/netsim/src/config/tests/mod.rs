//! Topology files: every key mapped, every mistake located and explained;
//! the examples in `examples.rs`.

mod examples;

use std::net::IpAddr;
use std::time::Duration;

use icmpkit_wire::extension::MplsLabel;

use super::*;
use crate::Network;
use crate::extended_echo::{ExtendedEchoAnswers, Interface};
use crate::ratelimit::{Bucket, LinuxLimits, RateLimit};
use crate::topology::{
    Answers, Balance, Extensions, Forwarding, Host, Link, Nat, NodeKind, Prefix, RouteAction,
    Router, Routing, TcpAnswer, UdpAnswer, Unreachable,
};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Three nodes, 13 lines: what the mistakes below are added to.
const NODES: &str = r#"
[[attachment]]
name = "tun"
addresses = ["198.51.100.1"]

[[router]]
name = "r1"
addresses = ["198.51.100.11"]

[[router]]
name = "r2"
addresses = ["198.51.100.12"]
"#;

const R3: &str = "\n[[router]]\nname = \"r3\"\naddresses = [\"198.51.100.13\"]\n";

const LINK: &str = "\n[[link]]\nbetween = [\"tun\", \"r1\"]\n";

#[test]
fn every_mistake_is_located_and_says_the_fix() {
    let cases: &[(String, &str)] = &[
        (
            format!(
                "{NODES}{LINK}[[link]]\nbetween = [\"r1\", \"r2\"]\n[[link]]\nbetween = [\"r2\", \"r9\"]\n"
            ),
            r#"line 19, column 18: link 3, between: no node named "r9"; nodes are: tun, r1, r2"#,
        ),
        (
            format!("{NODES}{R3}bogus = 1\n"),
            "line 17, column 1: router 3, bogus: unknown key `bogus`: valid keys are `name`, \
             `addresses`, `errors`, `forwarding`, `rate_limit`, `ecmp`, `mpls`, `interface_info`, \
             `nat`, `answers`",
        ),
        (
            format!("bogus = 1\n{NODES}"),
            "line 1, column 1: bogus: unknown key `bogus`: valid keys are `routing`, `seed`, \
             `attachment`, `router`, `host`, `link`, `route`",
        ),
        (
            format!(
                "{NODES}\n[[attachment]]\nname = \"h\"\naddresses = [\"198.51.100.13\"]\nerrors = false\n"
            ),
            "line 17, column 1: attachment 2, errors: unknown key `errors`: valid keys are `name` \
             and `addresses`",
        ),
        (
            format!("{NODES}{R3}rate_limit = {{ linux = {{ ratelimit = \"1s\", mask = 3 }} }}\n"),
            "line 17, column 44: router 3, rate_limit.linux.mask: unknown key `mask`: valid keys are `ratelimit`, \
             `ratemask`, `msgs_per_sec`, `msgs_burst`",
        ),
        (
            format!("{NODES}\n[[router]]\naddresses = [\"198.51.100.13\"]\n"),
            "line 14, column 1: router 3, name: missing key `name`: add name = ... to the table",
        ),
        (
            format!("{NODES}\n[[router]\n"),
            "line 14, column 10: unclosed array table, expected `]`",
        ),
        (
            format!("{NODES}{LINK}mtu = 40\n"),
            "line 16, column 7: link 1, mtu: MTU 40 is out of range: give 68 to 65535 (IPv6 needs \
             1280 or more)",
        ),
        (
            format!("{NODES}{LINK}mtu = 70000\n"),
            "line 16, column 7: link 1, mtu: MTU 70000 is out of range: give 68 to 65535 (IPv6 \
             needs 1280 or more)",
        ),
        (
            format!("{NODES}{LINK}loss = \"150%\"\n"),
            r#"line 16, column 8: link 1, loss: the link between "tun" and "r1" has loss 1.5: give a probability from 0 to 1"#,
        ),
        (
            format!("{NODES}{LINK}loss = -0.5\n"),
            r#"line 16, column 8: link 1, loss: the link between "tun" and "r1" has loss -0.5: give a probability from 0 to 1"#,
        ),
        (
            format!("{NODES}{LINK}loss = \"abc\"\n"),
            r#"line 16, column 8: link 1, loss: loss "abc" is not a probability: write a number from 0 to 1 (0.01) or a percentage ("1%")"#,
        ),
        (
            format!("{NODES}{LINK}delay = \"5 parsecs\"\n"),
            r#"line 16, column 9: link 1, delay: "5 parsecs" is not a duration (unknown time unit "parsecs", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)): write "5ms", "250us" or "1s""#,
        ),
        (
            format!("{NODES}{LINK}delay = 5\n"),
            r#"line 16, column 9: link 1, delay: 5 has no unit: write "5ms", "5us" or "5s""#,
        ),
        (
            format!("{NODES}{LINK}jitter = \"2h\"\n"),
            r#"line 16, column 10: link 1, jitter: "2h" is longer than an hour: give at most "1h""#,
        ),
        (
            format!("{NODES}\n[[link]]\nbetween = [\"tun\"]\n"),
            r#"line 15, column 11: link 1, between: a link joins two nodes, not 1: write between = ["r1", "r2"]"#,
        ),
        (
            format!("{NODES}\n[[link]]\nbetween = [\"tun\", \"tun\"]\n"),
            r#"line 15, column 11: link 1, between: a link joins "tun" to itself: a link has two different ends"#,
        ),
        (
            format!("{NODES}\n[[router]]\nname = \"r1\"\naddresses = [\"198.51.100.13\"]\n"),
            r#"line 15, column 8: router 3, name: two nodes are named "r1": give each node its own name"#,
        ),
        (
            format!(
                "{NODES}\n[[host]]\nname = \"h\"\naddresses = [\"2001:db8::1\", \"198.51.100.12\"]\n"
            ),
            r#"line 16, column 29: host 1, addresses: nodes "r2" and "h" both have address 198.51.100.12: an address belongs to one node"#,
        ),
        (
            format!(
                "{NODES}\n[[host]]\nname = \"h\"\naddresses = [\"2001:db8::1\", \"2001:DB8::1\"]\n"
            ),
            "line 16, column 29: host 1, addresses: 2001:db8::1 is listed twice: list each address once",
        ),
        (
            format!("{NODES}\n[[router]]\nname = \"r3\"\n"),
            r#"line 15, column 8: router 3, addresses: node "r3" has no address: give it an IPv4 or IPv6 address (or both)"#,
        ),
        (
            format!("{NODES}\n[[router]]\nname = \"r3\"\naddresses = [\"198.51.100.300\"]\n"),
            r#"line 16, column 14: router 3, addresses: "198.51.100.300" is not an address: write 198.51.100.1 or 2001:db8::1"#,
        ),
        (
            format!("{NODES}\n[[host]]\nname = \"h\"\naddresses = [\"198.51.100.13/24\"]\n"),
            r#"line 16, column 14: host 1, addresses: "198.51.100.13/24" is not an address: write 198.51.100.1 or 2001:db8::1 (a node's addresses are single addresses, without a prefix length)"#,
        ),
        (
            format!(
                "{NODES}\n[[host]]\nname = \"h\"\naddresses = [\"198.51.100.13\"]\nany_ip = [\"x\"]\n"
            ),
            r#"line 17, column 11: host 1, any_ip: "x" is not an address or prefix: write 203.0.113.0/24, 2001:db8::/32 or one address"#,
        ),
        (
            format!("{NODES}\n[[route]]\nat = \"r1\"\nto = \"203.0.113.0/33\"\nvia = [\"r2\"]\n"),
            r#"line 16, column 6: route 1, to: "203.0.113.0/33" is not an address or prefix: write 203.0.113.0/24, 2001:db8::/32 or one address"#,
        ),
        (
            format!(
                "{NODES}{LINK}[[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\nvia = [\"tun\", \"r2\"]\n"
            ),
            r#"line 19, column 15: route 1, via: node "r1" routes 203.0.113.0/24 via "r2", which no link joins to it: link them or route via a neighbour"#,
        ),
        (
            format!("{NODES}\n[[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\nvia = []\n"),
            r#"line 17, column 7: route 1, via: node "r1" routes 203.0.113.0/24 via no neighbour: name at least one"#,
        ),
        (
            format!("{NODES}\n[[route]]\nat = \"r7\"\nto = \"203.0.113.0/24\"\nblackhole = true\n"),
            r#"line 15, column 6: route 1, at: no node named "r7"; nodes are: tun, r1, r2"#,
        ),
        (
            format!("{NODES}\n[[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\n"),
            r#"line 14, column 1: route 1: a route does one thing: give one of via = ["r2"], reject = "host-unreachable" or blackhole = true"#,
        ),
        (
            format!(
                "{NODES}\n[[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\nvia = [\"r2\"]\nblackhole = true\n"
            ),
            r#"line 14, column 1: route 1: a route does one thing: give one of via = ["r2"], reject = "host-unreachable" or blackhole = true"#,
        ),
        (
            format!("{NODES}\n[[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\nvia = \"r2\"\n"),
            r#"line 17, column 7: route 1, via: invalid type: string "r2": write a list, as ["r1", "r2"]"#,
        ),
        (
            format!("{NODES}{R3}forwarding = \"sideways\"\n"),
            r#"line 17, column 14: router 3, forwarding: unknown forwarding "sideways": write "forward", "drop" or { reject = "prohibited" }"#,
        ),
        (
            format!("{NODES}{R3}forwarding = {{ reject = \"nope\" }}\n"),
            "line 17, column 25: router 3, forwarding.reject: unknown value `nope`: write one of \
             `net-unreachable`, `host-unreachable`, `protocol-unreachable`, `port-unreachable`, \
             `prohibited`",
        ),
        (
            format!("{NODES}{R3}rate_limit = \"bsd\"\n"),
            r#"line 17, column 14: router 3, rate_limit: unknown rate limit "bsd": write "none", "linux", { linux = { ratelimit = "1s", ... } } or { burst = 10, per_second = 1 }"#,
        ),
        (
            format!("{NODES}{R3}rate_limit = {{ burst = 3 }}\n"),
            "line 17, column 14: router 3, rate_limit: a rate limit table is either { linux = { \
             ... } } or { burst = N, per_second = R } with both keys",
        ),
        (
            format!("{NODES}{R3}rate_limit = {{ burst = 3, per_second = -1 }}\n"),
            "line 17, column 14: router 3, rate_limit: per_second -1 is not a rate: give 0 or more \
             tokens per second",
        ),
        (
            format!("{NODES}{R3}mpls = [{{ label = 2000000 }}]\n"),
            "line 17, column 19: router 3, mpls.label: MPLS label 2000000 does not fit in 20 bits: \
             give 0 to 1048575",
        ),
        (
            format!("{NODES}{R3}mpls = [{{ label = 20, tc = 9 }}]\n"),
            "line 17, column 9: router 3, mpls.tc: traffic class 9 does not fit in 3 bits: give 0 \
             to 7",
        ),
        (
            format!("{NODES}{R3}nat = {{ outside = \"tun\" }}\n"),
            r#"line 17, column 19: router 3, nat.outside: router "r3" translates towards "tun", which no link joins to it"#,
        ),
        (
            format!("{NODES}{R3}nat = {{ outside = \"r8\" }}\n"),
            r#"line 17, column 19: router 3, nat.outside: no node named "r8"; nodes are: tun, r1, r2, r3"#,
        ),
        (
            format!("{NODES}{R3}[router.answers]\nudp = \"maybe\"\n"),
            "line 18, column 7: router 3, answers.udp: unknown value `maybe`: write \
             `port-unreachable` or `silent`",
        ),
        (
            format!("{NODES}{R3}answers = {{ echo = true, udpp = 1 }}\n"),
            "line 17, column 26: router 3, answers.udpp: unknown key `udpp`: valid keys are `echo`, \
             `udp`, `tcp`, `initial_ttl`, `extended_echo`, `interfaces`",
        ),
        (
            format!("{NODES}{R3}[router.answers]\ninterfaces = [{{ name = \"eth0\", nme = 1 }}]\n"),
            "line 18, column 32: router 3, answers.interfaces.nme: unknown key `nme`: valid keys \
             are `name`, `index`, `addresses`, `up`",
        ),
        (
            format!("routing = \"ospf\"\n{NODES}"),
            "line 1, column 11: routing: unknown value `ospf`: write `shortest-path` or `static`",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let got = parse(text).unwrap_err().to_string();
            (got != *want).then(|| format!("{text}\n  got:  {got}\n  want: {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("icmpkit-netsim-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, format!("{NODES}{LINK}mtu = 40\n")).unwrap();
    let e = load(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:16:7: link 1, mtu: MTU 40 is out of range: give 68 to 65535 (IPv6 needs 1280 or more)",
            path.display()
        )
    );
    let at = e.location().unwrap();
    assert_eq!((at.line, at.column), (16, 7));
    assert_eq!(
        (at.section.as_str(), at.key.as_deref()),
        ("link 1", Some("mtu"))
    );
    let missing = dir.join("missing.toml");
    let e = load(&missing).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert!(
        e.to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())),
        "{e}"
    );
}

#[test]
fn every_key_is_mapped() {
    let text = r#"
routing = "static"
seed = 42

[[attachment]]
name = "tun"
addresses = ["198.51.100.1", "2001:db8:100::1"]

[[router]]
name = "r1"
addresses = ["198.51.100.11"]
errors = false
forwarding = { reject = "prohibited" }
rate_limit = { linux = { ratelimit = "250ms", ratemask = 0x0808, msgs_per_sec = 100, msgs_burst = 5 } }
ecmp = "per-packet"
mpls = [{ label = 16005, exp = 5, ttl = 1 }, { label = 3, tc = 0, ttl = 255 }]
interface_info = true
nat = { outside = "h" }
answers = { echo = false, udp = "silent", tcp = "syn-ack", initial_ttl = 255, extended_echo = "rfc8335", interfaces = [{ name = "eth7", index = 9, addresses = ["198.51.100.11", "2001:db8:1::1"], up = false }] }

[[host]]
name = "h"
addresses = ["203.0.113.10"]
any_ip = ["203.0.113.0/24"]
rate_limit = { burst = 10, per_second = 1.5 }

[host.answers]
extended_echo = "linux"
tcp = "silent"

[[router]]
name = "r2"
addresses = ["2001:db8:2::1"]
forwarding = "drop"
rate_limit = "linux"
mpls = [{ label = 7, s = false, ttl = 9 }]

[[link]]
between = ["tun", "r1"]
delay = "5ms"
jitter = "250us"
loss = "2.5%"
mtu = 1400

[[link]]
between = ["r1", "h"]
loss = 0.5

[[link]]
between = ["h", "r2"]

[[route]]
at = "r1"
to = "203.0.113.0/24"
via = ["h"]

[[route]]
at = "r1"
to = "2001:db8::/32"
reject = "host-unreachable"

[[route]]
at = "r2"
to = "0.0.0.0/0"
blackhole = true
"#;
    let got = parse(text).unwrap();
    let mut want = Topology::new();
    want.set_routing(Routing::Static).set_seed(Some(42));
    let tun = want.attachment("tun", &[ip("198.51.100.1"), ip("2001:db8:100::1")]);
    let r1 = want.router("r1", &[ip("198.51.100.11")], Router::default());
    let h = want.host(
        "h",
        &[ip("203.0.113.10")],
        Host {
            answers: Answers {
                extended_echo: ExtendedEchoAnswers::Linux,
                tcp: TcpAnswer::Silent,
                ..Answers::linux()
            },
            rate_limit: RateLimit::Bucket(Bucket {
                burst: 10,
                per_second: 1.5,
            }),
            any_ip: vec!["203.0.113.0/24".parse().unwrap()],
        },
    );
    let r2 = want.router(
        "r2",
        &[ip("2001:db8:2::1")],
        Router {
            forwarding: Forwarding::Drop,
            rate_limit: RateLimit::Linux(LinuxLimits::default()),
            extensions: Extensions {
                mpls: vec![MplsLabel {
                    label: 7,
                    tc: 0,
                    bottom_of_stack: false,
                    ttl: 9,
                }],
                interface_info: false,
            },
            ..Router::default()
        },
    );
    want.get_mut(r1).kind = NodeKind::Router(Router {
        errors: false,
        forwarding: Forwarding::Reject(Unreachable::PROHIBITED),
        rate_limit: RateLimit::Linux(LinuxLimits {
            ratelimit: Duration::from_millis(250),
            ratemask: 0x0808,
            msgs_per_sec: 100,
            msgs_burst: 5,
        }),
        extensions: Extensions {
            mpls: vec![
                MplsLabel {
                    label: 16005,
                    tc: 5,
                    bottom_of_stack: false,
                    ttl: 1,
                },
                MplsLabel {
                    label: 3,
                    tc: 0,
                    bottom_of_stack: true,
                    ttl: 255,
                },
            ],
            interface_info: true,
        },
        balance: Balance::PerPacket,
        nat: Some(Nat {
            outside: h,
            first_port: 40_000,
        }),
        answers: Answers {
            echo: false,
            udp: UdpAnswer::Silent,
            tcp: TcpAnswer::SynAck,
            initial_ttl: 255,
            extended_echo: ExtendedEchoAnswers::Rfc8335,
            interfaces: Some(vec![
                Interface::owned(
                    "eth7".into(),
                    9,
                    vec!["198.51.100.11".parse().unwrap()],
                    vec!["2001:db8:1::1".parse().unwrap()],
                )
                .down(),
            ]),
        },
    });
    want.link(
        tun,
        r1,
        Link::ms(5)
            .jitter(Duration::from_micros(250))
            .loss(0.025)
            .mtu(1400),
    );
    want.link(r1, h, Link::default().loss(0.5));
    want.link(h, r2, Link::default());
    want.route(
        r1,
        "203.0.113.0/24".parse().unwrap(),
        RouteAction::Via(vec![h]),
    );
    want.route(
        r1,
        "2001:db8::/32".parse().unwrap(),
        RouteAction::Reject(Unreachable::HOST),
    );
    want.route(
        r2,
        Prefix::new(ip("0.0.0.0"), 0).unwrap(),
        RouteAction::Blackhole,
    );
    assert_eq!(got, want);
}

#[test]
fn cut_or_garbled_files_never_panic() {
    let text = format!(
        "{NODES}{R3}rate_limit = {{ linux = {{ ratelimit = \"1s\" }} }}\nmpls = [{{ label = 3 }}]\n\
         nat = {{ outside = \"r2\" }}\n[router.answers]\nudp = \"silent\"\n{LINK}loss = \"1%\"\n\
         [[route]]\nat = \"r1\"\nto = \"203.0.113.0/24\"\nvia = [\"tun\"]\n"
    );
    let mut outcomes = (0, 0);
    for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        for garble in [
            "",
            "\"",
            "[",
            "]]",
            "=",
            "\n[[x]]\n",
            "é",
            "\n[router.answers]\n",
        ] {
            let t = format!(
                "{}{garble}{}",
                &text[..cut],
                &text[cut..][..text[cut..].len().min(7)]
            );
            match parse(&t) {
                Ok(_) => outcomes.0 += 1,
                Err(_) => outcomes.1 += 1,
            }
        }
    }
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn the_module_docs_example_is_a_topology() {
    let docs = include_str!("../mod.rs");
    let start = docs.find("//! ```toml\n").unwrap() + "//! ```toml\n".len();
    let end = start + docs[start..].find("//! ```\n").unwrap();
    let lines: Vec<&str> = docs[start..end]
        .lines()
        .map(|l| l.strip_prefix("//!").unwrap().trim_start_matches(' '))
        .collect();
    let text = lines.join("\n");
    let t = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let names: Vec<&str> = t.nodes().iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["tun", "r1", "r2", "dst"]);
    assert_eq!(t.seed(), Some(7));
    Network::new(t, 7).unwrap();
}
