use super::*;
use crate::policy::rules::{Options, decide};
use crate::policy::{Role, TableFamily};

/// The texts for `options`, each under a line naming its command.
fn joined(options: &Options) -> String {
    render(&decide(options))
        .iter()
        .map(|r| format!("### {}\n{}", r.command(), r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_role_and_family_renders_as_the_snapshot_says() {
    for role in Role::ALL {
        for family in TableFamily::ALL {
            let mut options = Options::new(role);
            options.family = family;
            insta::assert_snapshot!(
                format!("{}_{}", role.name(), family.name()),
                joined(&options)
            );
        }
    }
}

#[test]
fn ping_hosts_logging_and_hidden_topology_render_as_the_snapshot_says() {
    let options = crate::policy::rules::tests::every_option();
    insta::assert_snapshot!("firewall_all_options", joined(&options));
}

#[test]
fn a_firewall_pinged_at_one_address_from_outside_renders_as_the_snapshot_says() {
    let options = crate::policy::rules::tests::firewall_ping_host_outside();
    insta::assert_snapshot!("firewall_ping_host_outside", joined(&options));
}

#[test]
fn one_text_per_version_of_the_family() {
    for (family, versions) in [
        (TableFamily::Inet, vec![IpVersion::V4, IpVersion::V6]),
        (TableFamily::Ip, vec![IpVersion::V4]),
        (TableFamily::Ip6, vec![IpVersion::V6]),
    ] {
        let mut options = Options::new(Role::Host);
        options.family = family;
        let texts = render(&decide(&options));
        assert_eq!(
            texts.iter().map(|t| t.version).collect::<Vec<_>>(),
            versions
        );
        for text in texts {
            assert!(text.text.contains("*filter\n:icmpkit-input - [0:0]\n"));
            assert!(
                !text.text.contains("ACCEPT [0:0]"),
                "no built-in policy is set"
            );
            assert!(text.text.ends_with("COMMIT\n"));
        }
    }
}

#[test]
fn echo_in_transit_is_limited_per_source_and_destination() {
    let texts = render(&decide(&Options::new(Role::Firewall)));
    assert!(texts[0].text.contains(
        "-A icmpkit-forward -p icmp -m icmp --icmp-type 8 -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip,dstip --hashlimit-name icmpkit-fwd-8 "
    ));
    assert!(texts[0].text.contains(
        "-A icmpkit-input -p icmp -m icmp --icmp-type 8 -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip --hashlimit-name icmpkit-in-8 "
    ));
    assert!(texts[1].text.contains(
        "-A icmpkit-forward -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip,dstip --hashlimit-srcmask 64 --hashlimit-name icmpkit-fwd-128 "
    ));
}

#[test]
fn hashlimit_names_are_unique_and_short_enough() {
    let mut options = Options::new(Role::Router);
    options.hide_topology = Some("eth0".into());
    for restore in render(&decide(&options)) {
        let mut all: Vec<&str> = restore
            .text
            .lines()
            .filter_map(|l| l.split("--hashlimit-name ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .collect();
        assert!(!all.is_empty());
        assert!(all.iter().all(|n| n.len() <= 15), "{all:?}");
        all.sort_unstable();
        let count = all.len();
        all.dedup();
        assert_eq!(all.len(), count, "a name used twice");
    }
}

#[test]
fn a_routers_texts_use_no_connection_tracking() {
    let mut options = Options::new(Role::Router);
    options.hide_topology = Some("eth0".into());
    for restore in render(&decide(&options)) {
        assert!(!restore.text.contains("-m conntrack"), "{}", restore.text);
    }
}

#[test]
fn the_rules_for_every_type_need_the_icmp_header() {
    // A bare `-p icmp` also matches a non-first fragment, which has no ICMP
    // header: a router, which does not reassemble, would drop large pings.
    let texts = render(&decide(&Options::new(Role::Router)));
    let catch_all = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("-A icmpkit-input ") && l.contains("every other type"))
            .map(|l| {
                let (matched, _) = l.split_once(" -m comment ").unwrap_or((l, ""));
                let target = l.rsplit(' ').next().unwrap_or("");
                format!("{matched} -j {target}")
            })
            .collect()
    };
    assert_eq!(
        catch_all(&texts[0].text),
        ["-A icmpkit-input -p icmp -m icmp --icmp-type any -j DROP"]
    );
    assert_eq!(
        catch_all(&texts[1].text),
        [
            "-A icmpkit-input -p ipv6-icmp -m icmp6 ! --icmpv6-type 255 -j DROP",
            "-A icmpkit-input -p ipv6-icmp -m icmp6 --icmpv6-type 255 -j DROP",
        ]
    );
}

#[test]
fn a_hashlimit_holds_as_many_entries_as_long_as_nfts_sets() {
    let texts = render(&decide(&Options::new(Role::Router)));
    for restore in &texts {
        let limits: Vec<&str> = restore
            .text
            .lines()
            .filter(|l| l.contains("-m hashlimit "))
            .collect();
        assert!(!limits.is_empty());
        for line in limits {
            assert!(
                line.contains(" --hashlimit-htable-max 65535 --hashlimit-htable-expire 10000 "),
                "{line}"
            );
        }
    }
}
