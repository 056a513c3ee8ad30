use std::net::IpAddr;
use std::time::Duration;

use super::{
    Check, IpVersion, Observation, Probe, Role, RulesetFormat, Target, Verdict, checks, checks_for,
    judge,
};

fn names(role: Role) -> Vec<String> {
    checks(role).iter().map(Check::name).collect()
}

fn check(version: IpVersion, probe: Probe) -> Check {
    Check { version, probe }
}

fn addr(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn echoes(sent: u32, answered: u32, millis: u64) -> Observation {
    Observation::Echoes {
        sent,
        answered,
        sending: Duration::from_millis(millis),
    }
}

#[test]
fn a_host_is_checked_by_these_names_flood_last() {
    assert_eq!(
        names(Role::Host),
        [
            "ping-out-v4",
            "ping-in-v4",
            "large-ping-v4",
            "traceroute-v4",
            "icmpkit-trace-v4",
            "pmtu-transfer-v4",
            "tracepath-v4",
            "redirect-v4",
            "timestamp-v4",
            "address-mask-v4",
            "source-quench-v4",
            "information-request-v4",
            "flood-v4",
            "ping-out-v6",
            "ping-in-v6",
            "large-ping-v6",
            "traceroute-v6",
            "icmpkit-trace-v6",
            "pmtu-transfer-v6",
            "tracepath-v6",
            "redirect-v6",
            "router-advertisement-v6",
            "flood-v6",
        ]
    );
}

#[test]
fn a_router_and_a_firewall_are_also_checked_in_transit() {
    let v6: Vec<String> = checks_for(Role::Router, IpVersion::V6)
        .iter()
        .map(Check::name)
        .collect();
    assert_eq!(
        v6,
        [
            "ping-out-v6",
            "ping-in-v6",
            "large-ping-v6",
            "large-ping-transit-v6",
            "traceroute-v6",
            "icmpkit-trace-v6",
            "pmtu-transfer-v6",
            "tracepath-v6",
            "redirect-v6",
            "router-advertisement-v6",
            "redirect-transit-v6",
            "router-advertisement-transit-v6",
            "flood-v6",
        ]
    );
    assert_eq!(names(Role::Firewall), names(Role::Router));
    assert_eq!(names(Role::Router).len(), 14 + 5 + 13);
}

#[test]
fn every_check_says_what_it_proves_and_breaks() {
    for c in checks(Role::Router) {
        assert!(!c.proves().is_empty(), "{c}");
        assert!(!c.on_failure().is_empty(), "{c}");
    }
    let redirect = checks(Role::Router)
        .into_iter()
        .find(|c| c.name() == "redirect-transit-v4")
        .unwrap();
    assert_eq!(
        redirect.proves(),
        "an ICMPv4 Redirect (type 5) from outside, hop limit 64, does not reach the client through the protected machine"
    );
}

#[test]
fn a_large_ping_says_it_travels_in_fragments_and_passes_only_when_all_are_answered() {
    let transit = check(
        IpVersion::V4,
        Probe::LargePing {
            target: Target::Transit,
        },
    );
    assert_eq!(transit.name(), "large-ping-transit-v4");
    assert_eq!(
        transit.proves(),
        "echo of 3000 bytes from outside to the client through the protected machine, in fragments both ways, is answered"
    );
    assert_eq!(judge(&transit, &echoes(5, 5, 800)).verdict, Verdict::Pass);
    let failed = judge(&transit, &echoes(5, 0, 800));
    assert_eq!(failed.verdict, Verdict::Fail);
    assert_eq!(
        failed.reason,
        "0 of 5 answered at 5 a second: pings over the MTU fail: ICMP fragments, or the Packet Too Big that sizes the replies, are dropped"
    );
}

#[test]
fn pings_pass_only_when_every_one_is_answered() {
    let ping = check(IpVersion::V4, Probe::PingOut);
    let all = judge(&ping, &echoes(5, 5, 800));
    assert_eq!(all.verdict, Verdict::Pass);
    assert_eq!(all.reason, "5 of 5 answered (at 5 a second)");
    let some = judge(&ping, &echoes(5, 4, 800));
    assert_eq!(some.verdict, Verdict::Fail);
    assert_eq!(
        some.reason,
        "4 of 5 answered at 5 a second: ping and monitoring fail: the path looks down when it is not"
    );
    assert_eq!(judge(&ping, &echoes(0, 0, 0)).verdict, Verdict::Fail);
}

#[test]
fn a_flood_passes_when_cut_to_at_most_half_but_not_to_nothing() {
    let flood = check(IpVersion::V6, Probe::Flood);
    let cut = judge(&flood, &echoes(1000, 15, 1000));
    assert_eq!(cut.verdict, Verdict::Pass);
    assert_eq!(
        cut.reason,
        "15 of 1000 answered, sent at 1000 a second: cut to a limit"
    );
    assert_eq!(
        judge(&flood, &echoes(1000, 500, 1000)).verdict,
        Verdict::Pass
    );
    let open = judge(&flood, &echoes(1000, 501, 1000));
    assert_eq!(open.verdict, Verdict::Fail);
    assert!(
        open.reason
            .starts_with("501 of 1000 answered, sent at 1000 a second: not limited: ")
    );
    let dropped = judge(&flood, &echoes(1000, 0, 1000));
    assert_eq!(dropped.verdict, Verdict::Fail);
    assert!(dropped.reason.contains("echo is dropped, not limited"));
}

#[test]
fn a_trace_passes_when_every_hop_answers_from_the_path() {
    let trace = check(IpVersion::V4, Probe::Traceroute);
    let expected = vec![
        vec![addr("192.0.2.254")],
        vec![addr("203.0.113.6"), addr("203.0.113.10")],
        vec![addr("198.51.100.2")],
    ];
    let good = Observation::Hops {
        seen: vec![
            vec![addr("192.0.2.254")],
            vec![addr("203.0.113.10")],
            vec![addr("198.51.100.2")],
        ],
        expected: expected.clone(),
    };
    let outcome = judge(&trace, &good);
    assert_eq!(outcome.verdict, Verdict::Pass);
    assert_eq!(
        outcome.reason,
        "every hop answered: 192.0.2.254 203.0.113.10 198.51.100.2"
    );
    let last_silent = Observation::Hops {
        seen: vec![vec![addr("192.0.2.254")], vec![addr("203.0.113.6")], vec![]],
        expected: expected.clone(),
    };
    let outcome = judge(&trace, &last_silent);
    assert_eq!(outcome.verdict, Verdict::Fail);
    assert!(
        outcome
            .reason
            .starts_with("hop 3 (the destination) did not answer: "),
        "{}",
        outcome.reason
    );
    let stranger = Observation::Hops {
        seen: vec![vec![addr("192.0.2.254")], vec![addr("192.0.2.9")]],
        expected,
    };
    let outcome = judge(&trace, &stranger);
    assert!(
        outcome
            .reason
            .starts_with("hop 3 (the destination) did not answer; hop 2 answered from 192.0.2.9: "),
        "{}",
        outcome.reason
    );
}

#[test]
fn a_transfer_passes_when_every_byte_arrives_in_time() {
    let transfer = check(IpVersion::V6, Probe::Transfer);
    let done = Observation::Transfer {
        bytes: 100,
        received: 100,
        elapsed: Duration::from_millis(250),
        bound: Duration::from_secs(3),
    };
    assert_eq!(judge(&transfer, &done).reason, "100 bytes in 0.25 s");
    let hung = Observation::Transfer {
        bytes: 100,
        received: 40,
        elapsed: Duration::from_secs(3),
        bound: Duration::from_secs(3),
    };
    let outcome = judge(&transfer, &hung);
    assert_eq!(outcome.verdict, Verdict::Fail);
    assert!(
        outcome
            .reason
            .starts_with("40 of 100 bytes arrived in 3.0 s, the transfer hung: TCP hangs")
    );
}

#[test]
fn tracepath_passes_on_the_paths_mtu_only() {
    let tracepath = check(IpVersion::V4, Probe::Tracepath);
    let judge_found = |found| {
        judge(
            &tracepath,
            &Observation::PathMtu {
                found,
                expected: 1280,
            },
        )
    };
    assert_eq!(judge_found(Some(1280)).verdict, Verdict::Pass);
    assert!(
        judge_found(Some(1500))
            .reason
            .starts_with("tracepath found pmtu 1500, the path's is 1280: ")
    );
    assert!(
        judge_found(None)
            .reason
            .starts_with("tracepath found no pmtu, the path's is 1280: ")
    );
}

#[test]
fn an_abused_message_passes_when_none_arrives() {
    let redirect = checks(Role::Host)[7];
    assert_eq!(redirect.name(), "redirect-v4");
    let arrivals = |arrived| Observation::Arrivals {
        sent: 1,
        arrived,
        watched_at: "client".to_owned(),
    };
    let dropped = judge(&redirect, &arrivals(0));
    assert_eq!(dropped.verdict, Verdict::Pass);
    assert_eq!(dropped.reason, "dropped: 0 of 1 arrived at client");
    let delivered = judge(&redirect, &arrivals(1));
    assert_eq!(delivered.verdict, Verdict::Fail);
    assert!(
        delivered
            .reason
            .starts_with("delivered: 1 of 1 arrived at client: a forged redirect")
    );
}

#[test]
fn a_missing_tool_skips_and_a_broken_probe_fails() {
    let trace = check(IpVersion::V4, Probe::Traceroute);
    let missing = judge(
        &trace,
        &Observation::Missing {
            tool: "traceroute".to_owned(),
        },
    );
    assert_eq!(missing.verdict, Verdict::Skip);
    assert_eq!(missing.reason, "traceroute is not installed");
    let failed = judge(
        &trace,
        &Observation::Failed {
            error: "boom".to_owned(),
        },
    );
    assert_eq!(failed.verdict, Verdict::Fail);
    assert_eq!(failed.reason, "could not run: boom");
    let mismatched = judge(&trace, &echoes(1, 1, 0));
    assert_eq!(mismatched.verdict, Verdict::Fail);
}

#[test]
fn the_format_and_role_are_told_from_the_text() {
    let nft_router = "table inet t {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n";
    assert_eq!(RulesetFormat::detect(nft_router), RulesetFormat::Nft);
    assert_eq!(RulesetFormat::Nft.infer_role(nft_router), Role::Router);
    let nft_host =
        "table inet t {\n\tchain input { type filter hook input priority 0; }\n# hook forward\n}\n";
    assert_eq!(RulesetFormat::Nft.infer_role(nft_host), Role::Host);
    let v4 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -p icmp --icmp-type 5 -j DROP\nCOMMIT\n";
    assert_eq!(RulesetFormat::detect(v4), RulesetFormat::Iptables);
    assert_eq!(RulesetFormat::Iptables.infer_role(v4), Role::Host);
    let v6 = "*filter\n-A FORWARD -p ipv6-icmp --icmpv6-type 2 -j ACCEPT\nCOMMIT\n";
    assert_eq!(RulesetFormat::detect(v6), RulesetFormat::Ip6tables);
    assert_eq!(RulesetFormat::Ip6tables.infer_role(v6), Role::Router);
}

#[test]
fn the_versions_checked_are_those_the_ruleset_filters() {
    let nft = RulesetFormat::Nft;
    assert_eq!(
        nft.versions("add table inet icmpkit\ntable inet icmpkit {"),
        [IpVersion::V4, IpVersion::V6]
    );
    assert_eq!(nft.versions("table ip6 f {\n}"), [IpVersion::V6]);
    assert_eq!(nft.versions("table f { # table ip6 x\n}"), [IpVersion::V4]);
    assert_eq!(nft.versions("table bridge b {\n}"), []);
    assert_eq!(RulesetFormat::Iptables.versions("*filter"), [IpVersion::V4]);
    assert_eq!(
        RulesetFormat::Ip6tables.versions("*filter"),
        [IpVersion::V6]
    );
}
