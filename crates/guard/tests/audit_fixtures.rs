//! `policy::audit` on the known-bad rulesets of `tests/fixtures/bad`: each
//! must fail with its reason named, and the rule responsible.

use icmpkit_guard::policy::audit::{self, Audit, Finding, Kind, RuleRef, Span};
use icmpkit_guard::policy::consequence::Severity;
use icmpkit_guard::policy::{Fate, Hook, IpVersion, Message, Role, Treatment};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/bad/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn nft(name: &str) -> Audit {
    audit::audit_nft_json(&fixture(name)).expect("the fixture parses")
}

fn rule(chain: &str, handle: u64) -> RuleRef {
    RuleRef::Nft {
        family: "inet".into(),
        table: "bad".into(),
        chain: chain.into(),
        handle,
    }
}

fn whole(version: IpVersion, msg_type: u8) -> Span {
    Span {
        version,
        msg_type,
        codes: (0, 255),
    }
}

fn find<'a>(findings: &'a [Finding], kind: Kind, hook: Hook, text: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.kind == kind && f.hook == Some(hook) && f.text.starts_with(text))
        .unwrap_or_else(|| panic!("no {kind:?} at {hook:?} starting {text:?} in {findings:#?}"))
}

#[test]
fn dropping_packet_too_big_is_a_path_mtu_black_hole_named_by_its_rule() {
    let audit = nft("drop-packet-too-big.json");
    let findings = audit.findings(None);
    let f = find(&findings, Kind::Breaks, Hook::Input, "TCP over IPv6 hangs");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.messages, vec![whole(IpVersion::V6, 2)]);
    assert_eq!(f.rule.as_ref(), Some(&rule("input", 3)));
    assert_eq!(
        f.rule_text.as_deref(),
        Some("icmpv6 type packet-too-big drop")
    );
    let f = find(
        &findings,
        Kind::Breaks,
        Hook::Forward,
        "TCP over IPv6 hangs",
    );
    assert_eq!(f.rule.as_ref(), Some(&rule("forward", 4)));
    assert!(!audit.is_clean(None));
}

#[test]
fn dropping_type_3_loses_frag_needed_and_unreachables() {
    let audit = nft("drop-type-3.json");
    let findings = audit.findings(Some(Role::Router));
    let f = find(&findings, Kind::Breaks, Hook::Input, "TCP over IPv4 hangs");
    assert_eq!(
        f.messages,
        vec![Span {
            version: IpVersion::V4,
            msg_type: 3,
            codes: (4, 4)
        }]
    );
    assert_eq!(f.rule.as_ref(), Some(&rule("input", 3)));
    let f = find(&findings, Kind::Breaks, Hook::Input, "connection attempts");
    assert_eq!(
        f.messages,
        vec![
            Span {
                version: IpVersion::V4,
                msg_type: 3,
                codes: (0, 3)
            },
            Span {
                version: IpVersion::V4,
                msg_type: 3,
                codes: (5, 255)
            },
        ]
    );
    assert_eq!(
        audit.treatment(
            Hook::Forward,
            Message {
                version: IpVersion::V4,
                msg_type: 3,
                code: 4
            }
        ),
        Treatment::always(Fate::Drop)
    );
}

#[test]
fn dropping_all_icmpv6_is_no_neighbour_discovery() {
    let audit = nft("drop-all-icmpv6.json");
    let findings = audit.findings(None);
    let f = find(
        &findings,
        Kind::Breaks,
        Hook::Input,
        "all ICMPv6 dropped: no neighbour discovery",
    );
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.rule.as_ref(), Some(&rule("input", 3)));
    // IPv4 is untouched: its echo passes without a limit.
    let f = find(
        &findings,
        Kind::Exposes,
        Hook::Input,
        "echo without a rate limit",
    );
    assert_eq!(f.messages, vec![whole(IpVersion::V4, 8)]);
}

#[test]
fn dropping_all_icmp_breaks_both_versions_once_each() {
    let findings = nft("drop-all-icmp.json").findings(Some(Role::Host));
    let breaks: Vec<&str> = findings
        .iter()
        .filter(|f| f.kind == Kind::Breaks)
        .map(|f| f.text.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(breaks, ["all ICMPv6 dropped", "all ICMPv4 dropped"]);
    assert!(findings.iter().all(|f| f.hook == Some(Hook::Input)));
}

#[test]
fn accepting_all_icmp_exposes_echo_floods_redirects_and_timestamps() {
    let audit = nft("accept-all-icmp.json");
    let findings = audit.findings(None);
    let f = find(
        &findings,
        Kind::Exposes,
        Hook::Input,
        "echo without a rate limit",
    );
    assert_eq!(
        f.messages,
        vec![whole(IpVersion::V4, 8), whole(IpVersion::V6, 128)]
    );
    assert_eq!(f.rule.as_ref(), Some(&rule("input", 4)));
    find(&findings, Kind::Exposes, Hook::Input, "redirects accepted");
    find(
        &findings,
        Kind::Exposes,
        Hook::Input,
        "timestamp requests answered",
    );
    find(
        &findings,
        Kind::Exposes,
        Hook::Input,
        "neighbour discovery accepted below hop limit 255",
    );
    assert!(findings.iter().all(|f| f.kind != Kind::Breaks));
}

#[test]
fn the_rfc_4890_script_repeats_its_packet_too_big_rule_where_time_exceeded_was_meant() {
    let text = fixture("rfc4890-appendix-b.ip6tables");
    let audit = audit::audit(&text, None).expect("the fixture parses");
    let findings = audit.findings(Some(Role::Firewall));
    let dead: Vec<&Finding> = findings.iter().filter(|f| f.kind == Kind::Dead).collect();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    let slip = "-A icmpv6-filter -m state -p icmpv6 -d 2001:db8:1::/64 --state ESTABLISHED,RELATED --icmpv6-type packet-too-big -j ACCEPT";
    assert_eq!(
        dead[0].rule,
        Some(RuleRef::Line {
            line: 28,
            table: "filter".into(),
            chain: "icmpv6-filter".into()
        })
    );
    assert_eq!(dead[0].rule_text.as_deref(), Some(slip));
    assert_eq!(
        dead[0].text,
        format!(
            "never decides anything: line 25 (table filter chain icmpv6-filter), earlier, has the same match (`{slip}`) (a copy-paste slip?)"
        )
    );
    // Time Exceeded in transit is dropped by the final catch-all except
    // where the script's prefixes accept it, and the slip shows: code 0
    // (hop limit exceeded) is accepted from the network (`-s`) but not
    // towards it (`-d`, the rule that was meant). Every other route loses
    // it: the finding keeps its severity and names the exceptions.
    let source = audit::Condition::new(audit::About::Source, "-s 2001:db8:1::/64");
    let destination = audit::Condition::new(audit::About::Destination, "-d 2001:db8:1::/64");
    let blind: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.hook == Some(Hook::Forward) && f.text.starts_with("traceroute is blind"))
        .collect();
    let code = |c: u8| Span {
        version: IpVersion::V6,
        msg_type: 3,
        codes: (c, c),
    };
    let of = |span: Span| {
        *blind
            .iter()
            .find(|f| f.messages.contains(&span))
            .unwrap_or_else(|| panic!("no finding for {span:?} in {blind:#?}"))
    };
    let hop_limit = of(code(0));
    assert_eq!(hop_limit.messages, [code(0)]);
    assert_eq!(hop_limit.severity, Severity::Medium);
    assert_eq!(
        hop_limit.depends.iter().collect::<Vec<_>>(),
        [&source],
        "{hop_limit:#?}"
    );
    let reassembly = of(code(1));
    assert_eq!(reassembly.severity, Severity::Medium);
    assert_eq!(
        reassembly.depends.iter().collect::<Vec<_>>(),
        [&source, &destination]
    );
    // The codes no rule accepts are dropped for every packet.
    let rest = of(Span {
        version: IpVersion::V6,
        msg_type: 3,
        codes: (2, 255),
    });
    assert_eq!(rest.severity, Severity::Medium);
    assert!(rest.depends.is_empty(), "{rest:#?}");
    // Only IPv6 is judged: the file has no IPv4 tables.
    assert_eq!(audit.versions(Hook::Input), [IpVersion::V6]);
}

#[test]
fn the_text_report_of_drop_type_3() {
    let audit = nft("drop-type-3.json");
    insta::assert_snapshot!(audit::text(&audit, Some(Role::Router)));
}

#[test]
fn json_records_all_have_a_type_and_end_in_a_summary() {
    let audit = nft("drop-packet-too-big.json");
    let records = audit::json_records(&audit, None);
    assert!(records.iter().all(|r| r["type"].is_string()));
    let summary = records.last().expect("records");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["clean"], false);
    assert_eq!(summary["hooks"], serde_json::json!(["input", "forward"]));
    let finding = records
        .iter()
        .find(|r| {
            r["type"] == "finding"
                && r["consequence"]
                    .as_str()
                    .is_some_and(|c| c.contains("IPv6 hangs"))
        })
        .expect("the PTB finding");
    assert_eq!(finding["rule"], "table inet bad chain input handle 3");
    assert_eq!(
        finding["messages"],
        serde_json::json!([{"version": 6, "icmp_type": 2, "codes": [0, 255]}])
    );
}
