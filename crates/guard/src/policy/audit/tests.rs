//! Parsers and evaluation on tricky input: sets, ranges, negation, named
//! sets, verdict maps, jumps, returns, limits, unknown expressions, errors.

use super::*;
use crate::policy::consequence::Severity;
use crate::policy::{Rate, RateKey, RateUnit, Role};

const TRICKY: &str = include_str!("../../../tests/fixtures/tricky.json");

fn v4(msg_type: u8, code: u8) -> Message {
    Message {
        version: IpVersion::V4,
        msg_type,
        code,
    }
}

fn v6(msg_type: u8, code: u8) -> Message {
    Message {
        version: IpVersion::V6,
        msg_type,
        code,
    }
}

/// `nft -j list ruleset` JSON of one `inet t` table: base chains
/// `(name, hook, policy)` (a hook of `""` makes a regular chain) and rules
/// `(chain, [statement...])`, handles numbered from 1 in order.
fn nft_json(chains: &[(&str, &str, &str)], rules: &[(&str, Vec<serde_json::Value>)]) -> String {
    use serde_json::json;
    let mut items = vec![json!({"metainfo": {"json_schema_version": 1}})];
    for &(name, hook, policy) in chains {
        let mut chain = json!({"family": "inet", "table": "t", "name": name});
        if !hook.is_empty() {
            chain["type"] = json!("filter");
            chain["hook"] = json!(hook);
            chain["prio"] = json!(0);
            chain["policy"] = json!(policy);
        }
        items.push(json!({ "chain": chain }));
    }
    for (handle, (chain, expr)) in rules.iter().enumerate() {
        items.push(json!({"rule": {
            "family": "inet", "table": "t", "chain": chain, "handle": handle + 1, "expr": expr
        }}));
    }
    json!({ "nftables": items }).to_string()
}

/// nft JSON statements, briefly.
mod nft {
    use serde_json::{Value, json};

    pub(super) fn matches(left: &Value, op: &str, right: &Value) -> Value {
        json!({"match": {"op": op, "left": left, "right": right}})
    }

    pub(super) fn icmp_type(protocol: &str, types: &[u64]) -> Value {
        matches(
            &json!({"payload": {"protocol": protocol, "field": "type"}}),
            "==",
            &json!({ "set": types }),
        )
    }

    pub(super) fn ct_state(states: &[&str]) -> Value {
        matches(&json!({"ct": {"key": "state"}}), "in", &json!(states))
    }

    pub(super) fn verdict(name: &str) -> Value {
        json!({ name: null })
    }
}

fn tricky() -> Audit {
    audit_nft_json(TRICKY).expect("tricky.json parses")
}

#[test]
fn conntrack_states_decide_errors_and_replies() {
    // `ct state established,related accept` comes first: errors are
    // accepted when related, and an unsolicited one (invalid) is dropped.
    let t = tricky().treatment(Hook::Input, v4(11, 0));
    assert_eq!(t.related, Fate::Accept);
    assert_eq!(t.unsolicited, Fate::Drop);
}

#[test]
fn extended_echo_is_never_established_or_related() {
    // Linux conntrack tracks only the request/reply pairs it can invert;
    // RFC 8335 extended echo (ICMPv4 42/43, ICMPv6 160/161) is `invalid`
    // whether or not a request went out first.
    let text = nft_json(
        &[("in", "input", "drop")],
        &[
            (
                "in",
                vec![
                    nft::ct_state(&["established", "related"]),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    nft::ct_state(&["new"]),
                    nft::icmp_type("icmp", &[8, 42]),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    nft::ct_state(&["new"]),
                    nft::icmp_type("icmpv6", &[128, 160]),
                    nft::verdict("accept"),
                ],
            ),
        ],
    );
    let audit = audit_nft_json(&text).expect("parses");
    let drop = Treatment::always(Fate::Drop);
    for message in [v4(42, 0), v4(43, 0), v6(160, 0), v6(161, 0)] {
        assert_eq!(audit.treatment(Hook::Input, message), drop, "{message:?}");
    }
    // Echo is tracked: new when unsolicited, established in a flow.
    assert_eq!(
        audit.treatment(Hook::Input, v4(8, 0)),
        Treatment::always(Fate::Accept)
    );
    let reply = audit.treatment(Hook::Input, v6(129, 0));
    assert_eq!(
        (reply.unsolicited, reply.related),
        (Fate::Drop, Fate::Accept)
    );
}

#[test]
fn ct_state_invalid_takes_extended_echo_in_every_situation() {
    let text = "*filter\n:INPUT ACCEPT [0:0]\n\
                -A INPUT -m state --state INVALID -j DROP\n\
                -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
                COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let drop = Treatment::always(Fate::Drop);
    assert_eq!(audit.treatment(Hook::Input, v4(42, 0)), drop);
    assert_eq!(audit.treatment(Hook::Input, v4(43, 0)), drop);
    // An echo request is new, not invalid: accepted by the policy.
    assert_eq!(
        audit.treatment(Hook::Input, v4(8, 0)),
        Treatment::always(Fate::Accept)
    );
}

#[test]
fn a_named_set_of_types_and_a_hop_limit_tell_nd_apart() {
    let audit = tricky();
    // nd-router-advert: only with hop limit 255 (rule 17); not in @v6types.
    let ra = audit.treatment(Hook::Input, v6(134, 0));
    assert_eq!(ra.unsolicited, Fate::Accept);
    assert_eq!(ra.below_hop_limit_255, Some(Fate::Drop));
    // nd-neighbor-solicit is also in @v6types: accepted at any hop limit.
    let ns = audit.treatment(Hook::Input, v6(135, 0));
    assert_eq!(ns.unsolicited, Fate::Accept);
    assert_eq!(ns.below_hop_limit_255, None);
}

#[test]
fn a_code_set_of_ranges_splits_a_type() {
    // `icmp type 3 icmp code { 0-3, 4 } accept`, then `icmp code != 0 drop`
    // in a chain that accepts by policy.
    let text = r#"{"nftables": [
      {"chain": {"family": "ip", "table": "t", "name": "in", "hook": "input", "prio": 0, "policy": "accept"}},
      {"rule": {"family": "ip", "table": "t", "chain": "in", "handle": 2, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "icmp", "field": "type"}}, "right": "destination-unreachable"}},
        {"match": {"op": "==", "left": {"payload": {"protocol": "icmp", "field": "code"}},
                   "right": {"set": [{"range": ["net-unreachable", "port-unreachable"]}, "frag-needed"]}}},
        {"accept": null}]}},
      {"rule": {"family": "ip", "table": "t", "chain": "in", "handle": 3, "expr": [
        {"match": {"op": "!=", "left": {"payload": {"protocol": "icmp", "field": "code"}}, "right": 0}},
        {"drop": null}]}}]}"#;
    let audit = audit_nft_json(text).expect("parses");
    let fate = |t, c| audit.treatment(Hook::Input, v4(t, c)).unsolicited;
    assert_eq!(fate(3, 4), Fate::Accept);
    assert_eq!(fate(3, 1), Fate::Accept);
    assert_eq!(fate(3, 5), Fate::Drop);
    assert_eq!(fate(3, 200), Fate::Drop);
    assert_eq!(fate(11, 0), Fate::Accept);
    assert_eq!(fate(11, 1), Fate::Drop);
    assert_eq!(audit.versions(Hook::Input), [IpVersion::V4]);
}

#[test]
fn a_type_range_of_names_drops_timestamps_and_masks() {
    let audit = tricky();
    for t in 13..=18 {
        assert_eq!(
            audit.treatment(Hook::Input, v4(t, 0)).unsolicited,
            Fate::Drop,
            "type {t}"
        );
    }
}

#[test]
fn a_negated_set_jumps_and_the_sub_chain_returns_or_limits() {
    let audit = tricky();
    // echo reply (129): `icmpv6 type != {1,2,3} jump sub`, `return` there,
    // then on to `goto sub2` (reject) unless accepted before.
    let reply = audit.treatment(Hook::Input, v6(129, 0));
    assert_eq!(reply.related, Fate::Accept);
    assert_eq!(reply.unsolicited, Fate::Drop);
    // echo request: in @v6types, accepted before the jump.
    assert_eq!(
        audit.treatment(Hook::Input, v6(128, 0)).unsolicited,
        Fate::Accept
    );
}

#[test]
fn a_meter_limits_per_source_and_notrack_is_unknown() {
    let audit = tricky();
    // Code 1: meter (5/s burst 10 per source) accepts, above it the
    // dynamic set limits again before the catch-all rejects.
    let t = audit.treatment(Hook::Input, v4(8, 1));
    assert!(
        matches!(
            t.unsolicited,
            Fate::Limit(Rate {
                key: RateKey::Source,
                ..
            })
        ),
        "{t:?}"
    );
    // Code 0 ends at `icmp type echo-request notrack`: not evaluated.
    let t = audit.treatment(Hook::Input, v4(8, 0));
    match t.unsolicited {
        Fate::Unknown(rule) => assert!(rule.contains("notrack"), "{rule}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_later_table_at_the_same_hook_can_still_drop() {
    // table ip6 x, forward priority 10: `icmpv6 type 200-255 drop`.
    let audit = tricky();
    assert_eq!(
        audit.treatment(Hook::Forward, v6(200, 0)),
        Treatment::always(Fate::Drop)
    );
    assert_eq!(
        audit.treatment(Hook::Forward, v6(199, 0)),
        Treatment::always(Fate::Accept)
    );
    // No IPv4 chain at forward (the nat chain is not one): IPv4 passes.
    assert!(audit.versions(Hook::Forward) == [IpVersion::V6]);
}

#[test]
fn an_empty_ruleset_accepts_everything() {
    let audit = audit_nft_json(r#"{"nftables": [{"metainfo": {}}]}"#).expect("parses");
    assert!(audit.hooks().is_empty());
    assert_eq!(
        audit.treatment(Hook::Input, v6(2, 0)),
        Treatment::always(Fate::Accept)
    );
    // Nothing filters: what accepting everything exposes is reported.
    let findings = audit.findings(None);
    assert!(!audit.is_clean(None), "{findings:#?}");
    let exposes = |hook: Hook, text: &str, message: Message| {
        findings.iter().any(|f| {
            f.kind == Kind::Exposes
                && f.hook == Some(hook)
                && f.text.starts_with(text)
                && f.messages.iter().any(|s| {
                    s.version == message.version
                        && s.msg_type == message.msg_type
                        && (s.codes.0..=s.codes.1).contains(&message.code)
                })
        })
    };
    for echo in [v4(8, 0), v6(128, 0)] {
        assert!(exposes(Hook::Input, "echo without a rate limit", echo));
    }
    for redirect in [v4(5, 0), v6(137, 0)] {
        assert!(exposes(Hook::Input, "redirects accepted", redirect));
    }
    assert!(exposes(
        Hook::Input,
        "timestamp requests answered",
        v4(13, 0)
    ));
    let notes: Vec<(&str, Severity)> = findings
        .iter()
        .filter(|f| f.hook.is_none())
        .map(|f| (f.text.as_str(), f.severity))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "nothing filters ICMPv4: no chain sees it, every message is accepted",
                Severity::Info
            ),
            (
                "nothing filters ICMPv6: no chain sees it, every message is accepted",
                Severity::Info
            )
        ]
    );
    // Forward only when the role forwards.
    assert!(findings.iter().all(|f| f.hook != Some(Hook::Forward)));
    assert!(
        audit
            .findings(Some(Role::Router))
            .iter()
            .any(|f| f.hook == Some(Hook::Forward))
    );
    // An empty iptables-save says the same.
    let empty = audit_iptables_save("").expect("parses");
    assert_eq!(empty.findings(None), findings);
}

#[test]
fn an_nft_ruleset_of_one_family_notes_the_other_is_unfiltered() {
    let text = nft_json(&[("in", "input", "accept")], &[]).replace("\"inet\"", "\"ip\"");
    let audit = audit_nft_json(&text).expect("parses");
    let findings = audit.findings(None);
    let unfiltered: Vec<(&str, Severity)> = findings
        .iter()
        .filter(|f| f.hook.is_none())
        .map(|f| (f.text.as_str(), f.severity))
        .collect();
    assert_eq!(
        unfiltered,
        [(
            "nothing filters ICMPv6: no chain sees it, every message is accepted",
            Severity::Info
        )]
    );
    // Only the info note: IPv6 is taken to be someone else's business.
    assert!(
        findings
            .iter()
            .flat_map(|f| &f.messages)
            .all(|s| s.version == IpVersion::V4)
    );
}

#[test]
fn an_iptables_save_of_one_version_judges_only_that_one() {
    let text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p icmp --icmp-type 5 -j DROP\nCOMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let findings = audit.findings(None);
    // IPv6 is ip6tables-save's business: not judged.
    assert!(
        findings
            .iter()
            .flat_map(|f| &f.messages)
            .all(|s| s.version == IpVersion::V4),
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| !f.text.contains("ICMPv6")));
    // IPv4 at input has a chain, which accepts echo without a limit.
    assert!(
        findings
            .iter()
            .any(|f| f.text.starts_with("echo without a rate limit")
                && f.hook == Some(Hook::Input))
    );
}

const IPTABLES: &str = "\
# Generated by iptables-save v1.8.9
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ICMP - [0:0]
[12:345] -A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ICMP
-A ICMP -p icmp -m icmp --icmp-type 3/4 -j ACCEPT
-A ICMP -p icmp -m icmp ! --icmp-type 8 -j RETURN
-A ICMP -p icmp -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip --hashlimit-name ping -j ACCEPT
-A ICMP -p icmp -m limit --limit 1/sec -j LOG --log-prefix \"icmp \\\"x\\\" \"
-A ICMP -p icmp -m u32 --u32 \"0>>22&0x3C@0>>24=8\" -j ACCEPT
COMMIT
";

#[test]
fn iptables_save_with_negation_jump_return_and_hashlimit() {
    let audit = audit_iptables_save(IPTABLES).expect("parses");
    assert_eq!(audit.versions(Hook::Input), [IpVersion::V4]);
    // Frag Needed accepted always; other unreachables only when related.
    assert_eq!(
        audit.treatment(Hook::Input, v4(3, 4)),
        Treatment::always(Fate::Accept)
    );
    let t = audit.treatment(Hook::Input, v4(3, 3));
    assert_eq!((t.unsolicited, t.related), (Fate::Drop, Fate::Accept));
    // Echo: per-source limit, then an unknown match decides the rest.
    let t = audit.treatment(Hook::Input, v4(8, 0));
    match t.unsolicited {
        Fate::Unknown(rule) => assert!(rule.contains("-m u32"), "{rule}"),
        other => panic!("{other:?}"),
    }
    let findings = audit.findings(Some(Role::Host));
    let unknown = findings
        .iter()
        .find(|f| f.kind == Kind::Unknown)
        .expect("an unknown");
    assert_eq!(
        unknown.rule,
        Some(RuleRef::Line {
            line: 14,
            table: "filter".into(),
            chain: "ICMP".into()
        })
    );
}

#[test]
fn iptables_hashlimit_alone_is_a_limit_per_source() {
    let text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p icmp --icmp-type echo-request -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip --hashlimit-name p -j ACCEPT\nCOMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    assert_eq!(
        audit.treatment(Hook::Input, v4(8, 0)).unsolicited,
        Fate::Limit(Rate {
            per_second: 5,
            unit: RateUnit::Second,
            burst: 10,
            key: RateKey::Source
        })
    );
}

#[test]
fn iptables_hashlimit_by_source_and_destination_is_a_limit_per_pair() {
    let text = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i eth0 -p icmp --icmp-type 8 -j DROP\n-A FORWARD -p icmp --icmp-type echo-request -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip,dstip --hashlimit-name p -j ACCEPT\nCOMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    assert_eq!(
        audit.treatment(Hook::Forward, v4(8, 0)).unsolicited,
        Fate::Limit(Rate {
            per_second: 5,
            unit: RateUnit::Second,
            burst: 10,
            key: RateKey::SourceAndDestination
        })
    );
}

#[test]
fn an_nft_set_keyed_by_source_and_destination_is_a_limit_per_pair() {
    let payload =
        |field: &str| format!(r#"{{"payload": {{"protocol": "ip6", "field": "{field}"}}}}"#);
    let json = format!(
        r#"{{"nftables": [
        {{"chain": {{"family": "ip6", "table": "t", "name": "forward", "hook": "forward", "prio": 0, "policy": "drop"}}}},
        {{"rule": {{"family": "ip6", "table": "t", "chain": "forward", "handle": 2, "expr": [
            {{"match": {{"op": "==", "left": {{"meta": {{"key": "iifname"}}}}, "right": "eth0"}}}},
            {{"match": {{"op": "==", "left": {{"payload": {{"protocol": "icmpv6", "field": "type"}}}}, "right": "echo-request"}}}},
            {{"drop": null}}]}}}},
        {{"rule": {{"family": "ip6", "table": "t", "chain": "forward", "handle": 3, "expr": [
            {{"match": {{"op": "==", "left": {{"payload": {{"protocol": "icmpv6", "field": "type"}}}}, "right": "echo-request"}}}},
            {{"set": {{"op": "update", "set": "@s", "elem": {{"concat": [
                {{"&": [{src}, "ffff:ffff:ffff:ffff::"]}}, {dst}]}},
              "stmt": [{{"limit": {{"rate": 5, "burst": 10, "per": "second"}}}}]}}}},
            {{"accept": null}}]}}}}
    ]}}"#,
        src = payload("saddr"),
        dst = payload("daddr"),
    );
    let audit = audit_nft_json(&json).expect("parses");
    assert_eq!(
        audit.treatment(Hook::Forward, v6(128, 0)).unsolicited,
        Fate::Limit(Rate {
            per_second: 5,
            unit: RateUnit::Second,
            burst: 10,
            key: RateKey::SourceAndDestination
        })
    );
    assert!(report::text(&audit, None).contains("limit 5/s burst 10 per source and destination"));
    let row = report::json_records(&audit, None)
        .into_iter()
        .find(|r| r["icmp_type"] == 128 && r["hook"] == "forward")
        .expect("a row for echo requests in transit");
    assert_eq!(row["unsolicited"]["per_source"], true);
    assert_eq!(row["unsolicited"]["per_destination"], true);
}

#[test]
fn parse_errors_say_where_and_what_was_expected() {
    let e = audit_nft_json("{\"nftables\": [").unwrap_err();
    assert_eq!(
        e.position,
        Position::Line {
            line: 1,
            column: 14
        }
    );
    let e = audit_nft_json("[1, 2]").unwrap_err();
    assert_eq!(
        e.to_string(),
        "at the top level: expected an object with an \"nftables\" array (the output of `nft -j list ruleset`), found [1,2]"
    );
    let e = audit_nft_json(r#"{"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "hook": "input", "prio": "later"}}]}"#).unwrap_err();
    assert_eq!(e.position, Position::Json("nftables[0].chain.prio".into()));
    let e = audit_iptables_save("*filter\n:INPUT ACCEPT [0:0]\n-X INPUT\nCOMMIT\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column 1: expected `*TABLE`, `:CHAIN POLICY`, `-A CHAIN ...`, `-I CHAIN ...` or `COMMIT`, found `-X INPUT`"
    );
    let e = audit_iptables_save("*filter\n:INPUT ACCEPT [0:0]\n").unwrap_err();
    assert_eq!(e.expected, "COMMIT at the end of table filter");
    let e =
        audit_iptables_save("*filter\n-A INPUT -m comment --comment \"open\nCOMMIT\n").unwrap_err();
    assert_eq!(e.expected, "a closing quote");
}

#[test]
fn format_is_detected_from_the_first_character() {
    assert_eq!(Format::detect("  {\"nftables\": []}"), Format::NftJson);
    assert_eq!(
        Format::detect("# Generated by iptables-save"),
        Format::Iptables
    );
}

#[test]
fn nft_keywords_of_types_and_codes_resolve() {
    use super::names::{code, msg_type};
    for (name, number) in [
        ("echo-reply", 0),
        ("destination-unreachable", 3),
        ("source-quench", 4),
        ("redirect", 5),
        ("echo-request", 8),
        ("router-advertisement", 9),
        ("router-solicitation", 10),
        ("time-exceeded", 11),
        ("parameter-problem", 12),
        ("timestamp-request", 13),
        ("timestamp-reply", 14),
        ("info-request", 15),
        ("info-reply", 16),
        ("address-mask-request", 17),
        ("address-mask-reply", 18),
    ] {
        assert_eq!(msg_type(IpVersion::V4, name), Some(number), "{name}");
    }
    for (name, number) in [
        ("destination-unreachable", 1),
        ("packet-too-big", 2),
        ("time-exceeded", 3),
        ("parameter-problem", 4),
        ("echo-request", 128),
        ("echo-reply", 129),
        ("mld-listener-query", 130),
        ("mld-listener-report", 131),
        ("mld-listener-done", 132),
        ("mld-listener-reduction", 132),
        ("nd-router-solicit", 133),
        ("nd-router-advert", 134),
        ("nd-neighbor-solicit", 135),
        ("nd-neighbor-advert", 136),
        ("nd-redirect", 137),
        ("router-renumbering", 138),
        ("ind-neighbor-solicit", 141),
        ("ind-neighbor-advert", 142),
        ("mld2-listener-report", 143),
    ] {
        assert_eq!(msg_type(IpVersion::V6, name), Some(number), "{name}");
    }
    for (name, number) in [
        ("net-unreachable", 0),
        ("host-unreachable", 1),
        ("prot-unreachable", 2),
        ("port-unreachable", 3),
        ("frag-needed", 4),
        ("net-prohibited", 9),
        ("host-prohibited", 10),
        ("admin-prohibited", 13),
    ] {
        assert_eq!(code(IpVersion::V4, name), Some(number), "{name}");
    }
    for (name, number) in [
        ("no-route", 0),
        ("admin-prohibited", 1),
        ("addr-unreachable", 3),
        ("port-unreachable", 4),
        ("policy-fail", 5),
        ("reject-route", 6),
    ] {
        assert_eq!(code(IpVersion::V6, name), Some(number), "{name}");
    }
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "",
        "{",
        "{}",
        "{\"nftables\": {}}",
        "{\"nftables\": [{\"rule\": {}}]}",
        "{\"nftables\": [{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"c\", \"hook\": \"input\", \"prio\": 0}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"icmp\", \"field\": \"type\"}}, \"right\": {\"range\": [300, -1]}}}, {\"jump\": {\"target\": \"c\"}}]}}]}",
        "*filter\n:INPUT ACCEPT\n-A INPUT ! ! -p\nCOMMIT\n",
        "*filter\n-A X -j X\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j X\nCOMMIT\n",
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p icmp --icmp-type 3/999 -m hl --hl-eq 300 -j ACCEPT\nCOMMIT\n",
    ];
    for text in samples {
        if let Ok(audit) = audit(text, None) {
            let _ = audit.findings(None);
            let _ = report::text(&audit, None);
        }
    }
}

#[test]
fn a_jump_loop_is_unknown_not_a_hang() {
    let text = "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n-A INPUT -j A\n-A A -j A\nCOMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    assert!(matches!(
        audit.treatment(Hook::Input, v4(8, 0)).unsolicited,
        Fate::Unknown(_)
    ));
}

#[test]
fn a_rule_no_icmp_message_can_match_leaves_no_trace() {
    // The address condition comes first, but the rule is for TCP: the
    // answer for ICMP does not depend on it and it is no dead rule.
    let audit = audit_iptables_save(
        "*filter\n:INPUT ACCEPT [0:0]\n\
         -A INPUT -s 10.0.0.1/32 -p tcp --dport 22 -j ACCEPT\n\
         -A INPUT -s 10.0.0.1/32 -p tcp --dport 22 -j ACCEPT\n\
         -A INPUT -s 10.0.0.9/32 -p icmp --icmp-type 13 -j ACCEPT\n\
         -A INPUT -p icmp --icmp-type 13 -j DROP\nCOMMIT\n",
    )
    .expect("parses");
    let entry = audit
        .entry(Hook::Input, v4(13, 0))
        .expect("input has chains");
    assert_eq!(entry.treatment, Treatment::always(Fate::Drop));
    assert_eq!(
        entry.depends.iter().collect::<Vec<_>>(),
        [&Condition::new(About::Source, "-s 10.0.0.9/32")]
    );
    assert!(
        audit.findings(None).iter().all(|f| f.kind != Kind::Dead),
        "{:#?}",
        audit.findings(None)
    );
}

#[test]
fn iptables_restore_insert_goes_before_the_chains_rules() {
    // A restore file's `-I INPUT 1` jump runs before the final reject of
    // the rules already there; `-I CHAIN N` lands before the N-th rule.
    let text = "*filter\n\
        :INPUT DROP [0:0]\n\
        -A INPUT -p icmp -j DROP\n\
        -A INPUT -p icmp --icmp-type 8 -j ACCEPT\n\
        -I INPUT 1 -p icmp --icmp-type 0 -j ACCEPT\n\
        -I INPUT 3 -p icmp --icmp-type 13 -j ACCEPT\n\
        COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let fate = |t| audit.treatment(Hook::Input, v4(t, 0)).unsolicited;
    assert_eq!(fate(0), Fate::Accept);
    assert_eq!(fate(8), Fate::Drop);
    assert_eq!(fate(13), Fate::Drop);
    let e = audit_iptables_save("*filter\n-I INPUT 0 -j DROP\nCOMMIT\n").unwrap_err();
    assert!(e.to_string().contains("a rule number from 1"), "{e}");
}

/// The iptables-save of a Docker host (filter table, trimmed): forwarding
/// only to and from the bridge, by interface.
const DOCKER: &str = "\
# Generated by iptables-save v1.8.9
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
";

#[test]
fn a_docker_host_forwards_icmp_depending_on_the_interfaces() {
    let audit = audit_iptables_save(DOCKER).expect("parses");
    // A packet between two other interfaces is dropped...
    assert_eq!(
        audit.treatment(Hook::Forward, v4(3, 4)),
        Treatment::always(Fate::Drop)
    );
    // ... one from the bridge out of another interface is accepted, and
    // one to the bridge when it is related.
    let from_bridge = |c: &Condition| c.text == "-i docker0" || c.text == "! -o docker0";
    assert_eq!(
        audit.treatment_when(Hook::Forward, v4(8, 0), from_bridge),
        Treatment::always(Fate::Accept)
    );
    let to_bridge = audit.treatment_when(Hook::Forward, v4(11, 0), |c| c.text == "-o docker0");
    assert_eq!(
        (to_bridge.unsolicited, to_bridge.related),
        (Fate::Drop, Fate::Accept)
    );
    let entry = audit.entry(Hook::Forward, v4(8, 0)).expect("forward");
    assert!(
        entry.conditional.iter().any(|a| {
            a.treatment == Treatment::always(Fate::Accept)
                && a.when.iter().all(|c| {
                    c.about == About::ArrivingInterface || c.about == About::LeavingInterface
                })
        }),
        "{entry:#?}"
    );
    // So "all ICMPv4 dropped" holds where no interface condition does:
    // every route but those to and from docker0 loses forwarded ICMP, a
    // fault at its full severity, with the exceptions said.
    let findings = audit.findings(Some(Role::Router));
    let all = findings
        .iter()
        .find(|f| f.text.starts_with("all ICMPv4 dropped"))
        .expect("the all-dropped finding");
    assert_eq!(all.severity, Severity::High);
    let names: Vec<&str> = all.depends.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(names, ["-i docker0", "! -o docker0", "-o docker0"]);
    assert!(
        findings
            .iter()
            .filter(|f| f.hook == Some(Hook::Forward) && f.kind == Kind::Breaks)
            .all(|f| f.severity != Severity::Info),
        "{findings:#?}"
    );
    assert!(!audit.is_clean(Some(Role::Router)));
    let text = report::text(&audit, Some(Role::Router));
    assert!(
        text.contains("drop (or accept)"),
        "the table shows the fate depends: {text}"
    );
    assert!(
        text.contains("accept if -i docker0 and ! -o docker0"),
        "{text}"
    );
}

#[test]
fn accepting_loopback_does_not_excuse_dropping_all_icmpv6() {
    let text = "\
# Generated by ip6tables-save v1.8.9
*filter
:INPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p ipv6-icmp -j DROP
COMMIT
";
    let audit = audit_iptables_save(text).expect("parses");
    let findings = audit.findings(Some(Role::Host));
    let all = findings
        .iter()
        .find(|f| f.text.starts_with("all ICMPv6 dropped"))
        .expect("the all-dropped finding");
    assert_eq!(all.severity, Severity::Critical);
    assert_eq!(
        all.depends.iter().collect::<Vec<_>>(),
        [&Condition::new(About::ArrivingInterface, "-i lo")]
    );
    assert!(!audit.is_clean(Some(Role::Host)));
}

#[test]
fn only_link_local_messages_from_link_local_sources_are_spared_to_info() {
    // The same accepts for a link-local message from a global prefix, and
    // for echo (not a link-local message) from fe80::/64: faults.
    let text = "\
# Generated by ip6tables-save v1.8.9
*filter
:INPUT DROP [0:0]
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT
-A INPUT -s fe80::/64 -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT
-A INPUT -s 2001:db8::/32 -p ipv6-icmp -m icmp6 --icmpv6-type 130 -j ACCEPT
-A INPUT -s fe80::/64 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT
COMMIT
";
    let audit = audit_iptables_save(text).expect("parses");
    let findings = audit.findings(Some(Role::Host));
    let severity = |t: u8| -> Vec<Severity> {
        findings
            .iter()
            .filter(|f| f.kind == Kind::Breaks && f.messages.iter().any(|s| s.msg_type == t))
            .map(|f| f.severity)
            .collect()
    };
    assert_eq!(severity(135), [Severity::Info]);
    assert!(
        severity(130).iter().all(|&s| s > Severity::Info),
        "{findings:#?}"
    );
    assert!(!severity(130).is_empty());
    assert!(
        severity(128).iter().all(|&s| s > Severity::Info),
        "{findings:#?}"
    );
    assert!(!severity(128).is_empty());
}

#[test]
fn ping_answered_only_at_some_addresses_is_a_choice_but_only_on_some_interfaces_a_fault() {
    let severity = |condition: &str| -> Vec<Severity> {
        let text = format!(
            "# Generated by iptables-save v1.8.9\n*filter\n:INPUT ACCEPT [0:0]\n\
             -A INPUT {condition} -p icmp -m icmp --icmp-type 8 -j ACCEPT\n\
             -A INPUT -p icmp -m icmp --icmp-type 8 -j DROP\nCOMMIT\n"
        );
        let audit = audit_iptables_save(&text).expect("parses");
        audit
            .findings(Some(Role::Host))
            .into_iter()
            .filter(|f| f.kind == Kind::Breaks)
            .map(|f| f.severity)
            .collect()
    };
    assert_eq!(severity("-d 10.0.0.1/32"), [Severity::Info]);
    assert_eq!(severity("-i eth1"), [Severity::Low]);
    assert_eq!(severity("! -d 10.0.0.1/32"), [Severity::Low]);
}

#[test]
fn mld_accepted_from_link_local_sources_is_no_break() {
    // RFC 4890 §4.4.1 style: MLD only from link-local sources.
    let text = "\
# Generated by ip6tables-save v1.8.9
*filter
:INPUT DROP [0:0]
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j ACCEPT
-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 130 -j ACCEPT
-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 131 -j ACCEPT
-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 132 -j ACCEPT
-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 143 -j ACCEPT
COMMIT
";
    let audit = audit_iptables_save(text).expect("parses");
    let link_local = |c: &Condition| c.text == "-s fe80::/10";
    for t in [130, 131, 132, 143] {
        assert_eq!(
            audit.treatment(Hook::Input, v6(t, 0)),
            Treatment::always(Fate::Drop)
        );
        assert_eq!(
            audit.treatment_when(Hook::Input, v6(t, 0), link_local),
            Treatment::always(Fate::Accept),
            "type {t}"
        );
    }
    let findings = audit.findings(Some(Role::Host));
    let mld = findings
        .iter()
        .find(|f| f.text.starts_with("multicast listener discovery fails"))
        .expect("an MLD finding");
    assert_eq!(mld.severity, Severity::Info);
    assert_eq!(
        mld.depends.iter().collect::<Vec<_>>(),
        [&Condition::new(About::Source, "-s fe80::/10")]
    );
    assert!(
        report::text(&audit, Some(Role::Host))
            .contains("dropped (except where -s fe80::/10) -> multicast listener discovery fails")
    );
}

#[test]
fn nft_address_and_interface_conditions_say_what_they_are_about() {
    use serde_json::json;
    let left = |l: serde_json::Value| nft::matches(&l, "==", &json!("x"));
    let text = nft_json(
        &[("in", "input", "drop")],
        &[
            (
                "in",
                vec![
                    left(json!({"payload": {"protocol": "ip", "field": "daddr"}})),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    left(json!({"meta": {"key": "iifname"}})),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    left(json!({"meta": {"key": "oifname"}})),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    left(json!({"payload": {"protocol": "ip6", "field": "saddr"}})),
                    nft::verdict("accept"),
                ],
            ),
        ],
    );
    let audit = audit_nft_json(&text).expect("parses");
    let entry = audit.entry(Hook::Input, v4(8, 0)).expect("input");
    let abouts: Vec<(About, &str)> = entry
        .depends
        .iter()
        .map(|c| (c.about, c.text.as_str()))
        .collect();
    assert_eq!(
        abouts,
        [
            (About::Source, "ip6 saddr == x"),
            (About::Destination, "ip daddr == x"),
            (About::ArrivingInterface, "meta iifname == x"),
            (About::LeavingInterface, "meta oifname == x"),
        ]
    );
}

#[test]
fn slow_rates_keep_their_unit_as_written() {
    use serde_json::json;
    let limit = |rate: u64, per: &str| json!({"limit": {"rate": rate, "per": per, "burst": 5}});
    let text = nft_json(
        &[("in", "input", "drop")],
        &[
            (
                "in",
                vec![
                    nft::icmp_type("icmp", &[8]),
                    limit(10, "minute"),
                    nft::verdict("accept"),
                ],
            ),
            (
                "in",
                vec![
                    nft::icmp_type("icmp", &[13]),
                    limit(3, "hour"),
                    nft::verdict("accept"),
                ],
            ),
        ],
    );
    let audit = audit_nft_json(&text).expect("parses");
    let rate = |count, unit| {
        Fate::Limit(Rate {
            per_second: count,
            unit,
            burst: 5,
            key: RateKey::Everyone,
        })
    };
    assert_eq!(
        audit.treatment(Hook::Input, v4(8, 0)).unsolicited,
        rate(10, RateUnit::Minute)
    );
    assert_eq!(
        audit.treatment(Hook::Input, v4(13, 0)).unsolicited,
        rate(3, RateUnit::Hour)
    );
    let shown = report::text(&audit, None);
    assert!(shown.contains("limit 10/minute burst 5"), "{shown}");
    assert!(shown.contains("limit 3/hour burst 5"), "{shown}");
    let records = report::json_records(&audit, None);
    let echo = records
        .iter()
        .find(|r| r["type"] == "treatment" && r["icmp_type"] == 8)
        .expect("an echo row");
    assert_eq!(echo["unsolicited"]["count"], 10);
    assert_eq!(echo["unsolicited"]["per"], "minute");
    assert_eq!(echo["unsolicited"]["per_second"], 10.0 / 60.0);

    let text = "*filter\n:INPUT DROP [0:0]\n\
                -A INPUT -p icmp --icmp-type 8 -m limit --limit 10/min -j ACCEPT\n\
                -A INPUT -p icmp --icmp-type 13 -m hashlimit --hashlimit-upto 3/hour --hashlimit-name t -j ACCEPT\n\
                -A INPUT -p icmp --icmp-type 17 -m limit --limit 2/d -j ACCEPT\n\
                COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let unsolicited = |t| audit.treatment(Hook::Input, v4(t, 0)).unsolicited;
    assert_eq!(unsolicited(8), rate(10, RateUnit::Minute));
    assert_eq!(unsolicited(13), rate(3, RateUnit::Hour));
    assert_eq!(unsolicited(17), rate(2, RateUnit::Day));
}

#[test]
fn limits_of_different_units_add_up_and_compare_exactly() {
    use serde_json::json;
    // Under 1/second accepted, above it 30/minute more: 90/minute.
    let text = "*filter\n:INPUT DROP [0:0]\n\
                -A INPUT -p icmp -m limit --limit 1/sec --limit-burst 2 -j ACCEPT\n\
                -A INPUT -p icmp -m limit --limit 30/minute --limit-burst 3 -j ACCEPT\n\
                COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    assert_eq!(
        audit.treatment(Hook::Input, v4(8, 0)).unsolicited,
        Fate::Limit(Rate {
            per_second: 90,
            unit: RateUnit::Minute,
            burst: 5,
            key: RateKey::Everyone,
        })
    );
    // Two limits in one rule: the stricter one, 59/minute, under 1/second.
    let text = nft_json(
        &[("in", "input", "drop")],
        &[(
            "in",
            vec![
                json!({"limit": {"rate": 1, "per": "second"}}),
                json!({"limit": {"rate": 59, "per": "minute"}}),
                nft::verdict("accept"),
            ],
        )],
    );
    let audit = audit_nft_json(&text).expect("parses");
    let t = audit.treatment(Hook::Input, v4(8, 0)).unsolicited;
    assert!(
        matches!(
            t,
            Fate::Limit(Rate {
                per_second: 59,
                unit: RateUnit::Minute,
                ..
            })
        ),
        "{t:?}"
    );
}

#[test]
fn dropping_router_solicitations_matters_only_to_routers() {
    // Neighbour discovery accepted at hop limit 255 (RS left out), the
    // rest of ICMPv6 accepted, everything dropped below hop limit 255.
    let text = "# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT ACCEPT [0:0]\n\
                -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 133 -j DROP\n\
                -A INPUT -p ipv6-icmp -m hl ! --hl-eq 255 -m icmp6 --icmpv6-type 134 -j DROP\n\
                -A INPUT -p ipv6-icmp -m hl ! --hl-eq 255 -m icmp6 --icmpv6-type 135 -j DROP\n\
                -A INPUT -p ipv6-icmp -m hl ! --hl-eq 255 -m icmp6 --icmpv6-type 136 -j DROP\n\
                COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let nd = audit.treatment(Hook::Input, v6(135, 0));
    assert_eq!(
        (nd.unsolicited, nd.below_hop_limit_255),
        (Fate::Accept, Some(Fate::Drop))
    );
    let about = |role: Role, t: u8| -> Vec<(Severity, String)> {
        audit
            .findings(Some(role))
            .into_iter()
            .filter(|f| f.messages.iter().any(|s| s.msg_type == t))
            .map(|f| (f.severity, f.text))
            .collect()
    };
    assert_eq!(
        about(Role::Host, 133),
        [(
            Severity::Info,
            "router solicitations dropped: only routers answer them".to_owned()
        )]
    );
    assert_eq!(
        about(Role::Router, 133),
        [(
            Severity::Medium,
            "hosts on the link wait for the next periodic router advertisement (up to minutes) to configure"
                .to_owned()
        )]
    );
    // Neighbour discovery dropped below hop limit 255 is what RFC 4861
    // asks: nothing to report.
    for t in [134, 135, 136] {
        assert_eq!(about(Role::Host, t), [], "type {t}");
    }
}

#[test]
fn nft_text_is_told_apart_from_iptables_save() {
    for text in [
        "table inet filter {\n\tchain input {\n\t}\n}\n",
        "# comment\nflush ruleset\ntable ip t {\n}\n",
    ] {
        let e = audit(text, None).unwrap_err();
        assert!(e.expected.contains("this is nft text"), "{e}");
    }
    let e = audit("table inet filter {\n}\n", Some(Format::NftJson)).unwrap_err();
    assert!(e.expected.contains("this is nft text"), "{e}");
    assert!(audit("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", None).is_ok());
}

#[test]
fn an_unknown_rule_names_each_code_run_once() {
    // The same run is found unknown unsolicited and related: after the
    // runs are merged, the second finding of a run must not reopen it.
    let text = "*filter\n:INPUT DROP [0:0]\n\
                -A INPUT -s 10.0.0.1 -p icmp --icmp-type 3/5 -j DROP\n\
                -A INPUT -p icmp --icmp-type 3 -m mark --mark 1 -j ACCEPT\n\
                COMMIT\n";
    let audit = audit_iptables_save(text).expect("parses");
    let unknown: Vec<Vec<(u8, u8)>> = audit
        .findings(None)
        .iter()
        .filter(|f| f.kind == Kind::Unknown)
        .map(|f| f.messages.iter().map(|m| m.codes).collect())
        .collect();
    assert_eq!(unknown, [vec![(0, 255)]]);
}
