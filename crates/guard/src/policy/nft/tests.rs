use super::*;
use crate::policy::Role;
use crate::policy::rules::{Options, decide};

/// The ruleset for `role` and `family` with the other options' defaults.
fn ruleset(role: Role, family: TableFamily) -> String {
    let mut options = Options::new(role);
    options.family = family;
    render(&decide(&options))
}

#[test]
fn every_role_and_family_renders_as_the_snapshot_says() {
    for role in Role::ALL {
        for family in TableFamily::ALL {
            let name = format!("{}_{}", role.name(), family.name());
            insta::assert_snapshot!(name, ruleset(role, family));
        }
    }
}

#[test]
fn ping_hosts_logging_and_hidden_topology_render_as_the_snapshot_says() {
    let options = crate::policy::rules::tests::every_option();
    insta::assert_snapshot!("firewall_all_options", render(&decide(&options)));
}

#[test]
fn a_firewall_pinged_at_one_address_from_outside_renders_as_the_snapshot_says() {
    let options = crate::policy::rules::tests::firewall_ping_host_outside();
    insta::assert_snapshot!("firewall_ping_host_outside", render(&decide(&options)));
}

#[test]
fn every_comment_fits_nft_and_has_no_quote() {
    for role in Role::ALL {
        let mut options = Options::new(role);
        options.ping_hosts = vec!["10.0.0.1".into(), "2001:db8::1".into()];
        options.log_drops = true;
        if role.forwards() {
            options.hide_topology = Some("eth0".into());
            options.outside = Some("eth0".into());
        }
        for decision in decide(&options).decisions {
            let comment = decision.comment();
            assert!(comment.len() <= 128, "{} bytes: {comment}", comment.len());
            assert!(!comment.contains('"'), "{comment}");
        }
    }
}

#[test]
fn keywords_name_the_types_the_registry_gives_them() {
    for version in [IpVersion::V4, IpVersion::V6] {
        for &(number, keyword) in keywords(version) {
            assert_eq!(type_keyword(version, number), Some(keyword));
            assert_eq!(keyword_type(version, keyword), Some(number));
            let prefixed = match version {
                IpVersion::V4 => format!("v4:{keyword}"),
                IpVersion::V6 => format!("v6:{keyword}"),
            };
            if let Some(found) = meaning::find(&prefixed) {
                assert_eq!(
                    (found.version, found.msg_type),
                    (version, number),
                    "{keyword}"
                );
            }
        }
    }
    assert_eq!(
        keyword_type(IpVersion::V6, "mld-listener-reduction"),
        Some(132)
    );
    assert_eq!(type_keyword(IpVersion::V6, 160), None);
}

#[test]
fn a_keyed_limit_declares_one_set_per_rule() {
    let text = ruleset(Role::Router, TableFamily::Inet);
    for set in [
        "input_echo_request_v4",
        "input_echo_request_v6",
        "forward_echo_request_v4",
        "forward_extended_echo_reply_v6",
    ] {
        assert_eq!(text.matches(&format!("set {set} {{")).count(), 1, "{set}");
        assert_eq!(text.matches(&format!("update @{set} ")).count(), 1, "{set}");
    }
    assert!(text.contains(
        "icmpv6 type echo-request update @input_echo_request_v6 { ip6 saddr & ffff:ffff:ffff:ffff:: limit rate 5/second burst 10 packets } accept"
    ));
    // In transit, one bucket per source and destination.
    assert!(text.contains("\tset forward_echo_request_v4 {\n\t\ttype ipv4_addr . ipv4_addr\n"));
    assert!(text.contains("\tset forward_echo_request_v6 {\n\t\ttype ipv6_addr . ipv6_addr\n"));
    assert!(text.contains(
        "icmp type echo-request update @forward_echo_request_v4 { ip saddr . ip daddr limit rate 5/second burst 10 packets } accept"
    ));
    assert!(text.contains(
        "icmpv6 type echo-request update @forward_echo_request_v6 { ip6 saddr & ffff:ffff:ffff:ffff:: . ip6 daddr limit rate 5/second burst 10 packets } accept"
    ));
    // Extended echo replies stay per source.
    assert!(text.contains("\tset forward_extended_echo_reply_v6 {\n\t\ttype ipv6_addr\n"));
}

#[test]
fn an_overall_limit_needs_no_set() {
    let mut options = Options::new(Role::Host);
    options.echo_rate.key = crate::policy::RateKey::Everyone;
    let text = render(&decide(&options));
    assert!(!text.contains("set "));
    assert!(text.contains("icmp type echo-request limit rate 5/second burst 10 packets accept"));
}

#[test]
fn a_routers_ruleset_loads_no_connection_tracking() {
    // One `ct` expression makes the kernel track every forwarded flow.
    let mut options = Options::new(Role::Router);
    options.hide_topology = Some("eth0".into());
    let text = render(&decide(&options));
    let rules = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(" comment ").next().unwrap_or(l));
    for rule in rules {
        assert!(!rule.split_whitespace().any(|w| w == "ct"), "{rule}");
    }
    for role in [Role::Host, Role::Firewall] {
        assert!(render(&decide(&Options::new(role))).contains(" ct state related "));
    }
}

#[test]
fn every_chain_first_lets_later_fragments_through() {
    // nft reads `icmp type` from a non-first fragment's data: without this
    // rule a router, which does not reassemble, drops large pings.
    for role in Role::ALL {
        for family in TableFamily::ALL {
            let text = ruleset(role, family);
            let chains = if role.forwards() { 2 } else { 1 };
            let lines: Vec<&str> = text.lines().collect();
            let first: Vec<&str> = lines
                .windows(2)
                .filter(|w| w[0].starts_with("\t\ttype filter hook "))
                .map(|w| w[1].trim())
                .collect();
            let expected = later_fragments(family.versions()[0]);
            assert_eq!(
                first,
                vec![expected.as_str(); chains],
                "{role} {}",
                family.name()
            );
            for &version in family.versions() {
                let rule = format!("\t\t{}", later_fragments(version));
                assert_eq!(lines.iter().filter(|l| **l == rule).count(), chains);
            }
        }
    }
    assert_eq!(
        later_fragments(IpVersion::V4),
        "meta l4proto icmp ip frag-off & 0x1fff != 0 accept comment \"a fragment after the first has no ICMP header: it shares the fate of the first (RFC 791 §3.2)\""
    );
    assert_eq!(
        later_fragments(IpVersion::V6),
        "meta l4proto ipv6-icmp frag frag-off != 0 accept comment \"a fragment after the first has no ICMPv6 header: it shares the fate of the first (RFC 8200 §4.5)\""
    );
}

#[test]
fn a_limits_set_forgets_a_bucket_10_seconds_after_its_last_packet() {
    // A full set drops echo from every new source: with 10 s, a sweeper
    // must create over 6,500 new sources a second to fill 65535.
    let text = ruleset(Role::Router, TableFamily::Inet);
    let declaration = "\tset forward_echo_request_v4 {\n\t\ttype ipv4_addr . ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 10s\n\t}\n";
    assert!(text.contains(declaration), "{text}");
    assert_eq!(
        text.matches("\t\ttimeout 10s\n").count(),
        text.matches("\tset ").count()
    );
    assert!(!text.contains("timeout 1m"));
    assert!(text.contains("over 6,500 new ones a second to fill a set"));
}
