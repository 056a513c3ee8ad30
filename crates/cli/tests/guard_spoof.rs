//! `icmpkit guard` on the lab's captures (`tests/fixtures/guard`, recorded
//! by `lab/guard/record.sh`): each spoofing attack raises its detections
//! with the severity expected, and the benign look-alikes (ping, traceroute,
//! tracepath's real path-MTU discovery, mtr, monitoring, the real router's
//! advertisements) raise nothing of the spoofing family.

use icmpkit_lab::{guard, icmpkit};

/// The spoofing findings `icmpkit guard --json ARGS` raises on the capture
/// `name`, in order, as (detection, severity, confidence, explanation).
fn spoofing(name: &str, args: &[&str]) -> Vec<(String, String, f64, String)> {
    let alerts = guard::alerts(icmpkit!(), &guard::fixture(name), args);
    guard::of_family(alerts, "spoofing")
        .into_iter()
        .map(|v| {
            (
                v["detection"].as_str().unwrap().to_owned(),
                v["severity"].as_str().unwrap().to_owned(),
                v["confidence"].as_f64().unwrap(),
                v["explanation"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The (detection, severity) pairs of `name`'s spoofing findings.
fn raised(name: &str, args: &[&str]) -> Vec<(String, String)> {
    spoofing(name, args)
        .into_iter()
        .map(|(d, s, _, _)| (d, s))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|&(d, s)| (d.to_owned(), s.to_owned()))
        .collect()
}

/// A capture, the options given, and the (detection, severity) pairs
/// expected.
type Case = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

#[test]
fn each_spoofing_capture_raises_its_detections() {
    let cases: &[Case] = &[
        // Forged by h4 in the router's name: to the attacker outside (off
        // the link), then to h4 itself (on the link). They quote UDP the
        // victim never sent, but the capture holds no UDP of the victim's
        // (it only pinged the server), so that proves nothing.
        (
            "redirect",
            &[],
            &[("redirect", "medium"), ("redirect-off-link", "high")],
        ),
        // RFC 4861-valid redirects (link-local target, target = destination).
        ("redirect6", &[], &[("redirect", "medium")]),
        (
            "rogue-ra",
            &["--router", "fe80::1"],
            &[("rogue-router-advertisement", "high")],
        ),
        ("rdnss-even", &[], &[("rdnss-even-length", "high")]),
        ("source-quench", &[], &[("source-quench", "medium")]),
        // MTUs 68 and 296, about an echo identifier the victim never used
        // (its ping to the same server had another).
        (
            "frag-needed-low",
            &[],
            &[("small-mtu", "medium"), ("error-for-unsent", "medium")],
        ),
        (
            "ptb-low",
            &[],
            &[("small-mtu", "medium"), ("error-for-unsent", "medium")],
        ),
        ("quoted-ip-options", &[], &[("quoted-ip-options", "high")]),
    ];
    for &(name, args, expected) in cases {
        let found = raised(name, args);
        assert_eq!(found, pairs(expected), "{name}");
    }
}

#[test]
fn a_redirect_off_the_given_link_is_surer_than_off_the_guessed_one() {
    let guessed = spoofing("redirect", &[]);
    let given = spoofing("redirect", &["--link", "192.0.2.0/27"]);
    let (g, l) = (&guessed[1], &given[1]);
    assert_eq!((g.0.as_str(), g.2, l.2), ("redirect-off-link", 0.75, 0.9));
    assert!(
        g.3.contains("the new gateway 203.0.113.66 is not on 192.0.2.10's /24 (assumed"),
        "{}",
        g.3
    );
    assert!(
        l.3.contains("the new gateway 203.0.113.66 is not on the link 192.0.2.0/27 given"),
        "{}",
        l.3
    );
}

#[test]
fn a_rogue_router_alone_is_learned_unless_the_routers_are_listed() {
    // The capture holds only h4's advertisements: with no router listed,
    // the first one seen is taken as legitimate.
    {
        let found = raised("rogue-ra", &[]);
        assert_eq!(found, []);
    }
}

#[test]
fn an_ra_flood_is_one_flood_and_at_most_two_rogues() {
    let found = raised("ra-flood", &[]);
    let count = |d: &str| found.iter().filter(|f| f.0 == d).count();
    assert_eq!(count("router-advertisement-flood"), 1, "{found:?}");
    assert!(count("rogue-router-advertisement") <= 2, "{found:?}");
    // The flood is high; the first rogues, only learned, medium.
    assert!(
        found.iter().all(|f| f.1
            == if f.0 == "router-advertisement-flood" {
                "high"
            } else {
                "medium"
            }),
        "{found:?}"
    );
}

#[test]
fn benign_captures_raise_nothing_of_the_spoofing_family() {
    for name in [
        "benign-ping",
        "benign-ping-fragmented",
        "benign-traceroute-udp",
        "benign-traceroute-icmp",
        "benign-tracepath",
        "benign-mtr",
        "benign-monitor",
        "benign-broadcast-ping",
        "benign-ndp-ra",
        "benign-mld",
    ] {
        {
            let found = raised(name, &[]);
            assert_eq!(found, [], "{name}");
        }
    }
    // The real router, listed, is not rogue either.
    {
        let found = raised("benign-ndp-ra", &["--router", "fe80::1"]);
        assert_eq!(found, []);
    }
}

#[test]
fn the_decoders_captures_raise_nothing_high_of_the_spoofing_family() {
    // Real kernel errors in captures filtered to ICMP (the quoted UDP
    // probes are not in them) and through tunnels: nothing is forged.
    let root = icmpkit_lab::repo().join("tests/fixtures");
    let mut checked = 0;
    for dir in ["kernel", "links", "tunnels", "ipv6-details"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path
                .extension()
                .is_none_or(|e| e != "pcap" && e != "pcapng")
            {
                continue;
            }
            let alerts = guard::alerts(icmpkit!(), &path, &[]);
            for v in guard::of_family(alerts, "spoofing") {
                assert_ne!(v["severity"], "high", "{}: {v}", path.display());
                assert_ne!(
                    v["detection"],
                    "error-for-unsent",
                    "{}: {v}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} captures");
}

#[test]
fn bad_router_and_link_options_name_the_fix() {
    for (args, message) in [
        (
            ["--router", "192.0.2.30"],
            "router advertisements are IPv6: give the router's link-local address",
        ),
        (
            ["--link", "192.0.2.0"],
            "give the link's prefix with its length, e.g. 192.0.2.0/24",
        ),
        (
            ["--link", "192.0.2.0/40"],
            "an IPv4 prefix length is at most 32",
        ),
    ] {
        let out = std::process::Command::new(icmpkit!())
            .arg("guard")
            .args(args)
            .arg("/dev/null")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}
