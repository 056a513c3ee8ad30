//! `icmpkit policy generate` against the real tools: every ruleset it
//! writes (each role, family and format, one with every option, and a
//! firewall pinged at one address from outside) is
//! accepted by `nft -c -f`, `iptables-restore --test` and
//! `ip6tables-restore --test` inside a namespace of the test's own; each
//! nft ruleset loads (twice: the file replaces its table) and lists back
//! as JSON with its table, chains, sets and rule comments. The keywords
//! the renderer uses are the ones `nft describe` lists.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use icmpkit_guard::policy::nft::type_keyword;
use icmpkit_guard::policy::{IpVersion, Role, TableFamily};
use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::Lab;

/// Runs `icmpkit policy generate args...` (no network: outside any lab)
/// and returns its stdout.
fn generate(args: &[&str]) -> String {
    let out = Command::new(icmpkit!())
        .args(["policy", "generate"])
        .args(args)
        .output()
        .expect("icmpkit runs");
    assert!(
        out.status.success(),
        "generate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 ruleset")
}

/// A scratch directory of this test binary's own.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("policy-generate-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The argument lists of every ruleset checked: each role and family, and
/// every option at once for the roles that take them all.
fn variants() -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for role in Role::ALL {
        for family in TableFamily::ALL {
            all.push(vec![
                "--role".into(),
                role.name().into(),
                "--family".into(),
                family.name().into(),
            ]);
        }
    }
    for role in ["router", "firewall"] {
        all.push(
            [
                "--role",
                role,
                "--ping-host",
                "10.0.0.0/24",
                "--ping-host",
                "10.9.9.9",
                "--ping-host",
                "2001:db8::/64",
                "--echo-rate",
                "20/s",
                "--echo-burst",
                "40",
                "--outside",
                "wan0",
                "--log-drops",
                "--hide-topology",
                "wan0",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    all.push(
        [
            "--role",
            "firewall",
            "--ping-host",
            "192.0.2.10",
            "--outside",
            "eth0",
        ]
        .map(String::from)
        .to_vec(),
    );
    all
}

fn borrowed(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn succeeded(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_generated_ruleset_passes_the_tools_own_checks() {
    let Some(lab) = Lab::host("every_generated_ruleset_passes_the_tools_own_checks") else {
        return;
    };
    let dir = scratch("check");
    for (i, args) in variants().iter().enumerate() {
        let args = borrowed(args);
        let nft_file = dir.join(format!("{i}.nft"));
        std::fs::write(
            &nft_file,
            generate(&[&args[..], &["--format", "nft"]].concat()),
        )
        .expect("write");
        let path = nft_file.to_str().expect("UTF-8 path");
        succeeded(
            &lab.run_bounded("host", 20, "nft", &["-c", "-f", path]),
            &format!("nft -c -f ({args:?})"),
        );

        let stem = dir.join(format!("{i}.rules"));
        let stem = stem.to_str().expect("UTF-8 path");
        let out = Command::new(icmpkit!())
            .args(["policy", "generate", "--format", "iptables", "-o", stem])
            .args(&args)
            .output()
            .expect("icmpkit runs");
        succeeded(&out, "generate --format iptables -o");
        let family = args
            .iter()
            .position(|a| *a == "--family")
            .map_or("inet", |at| args[at + 1]);
        let files: Vec<(String, &str)> = match family {
            "inet" => vec![
                (format!("{stem}.v4"), "iptables-restore"),
                (format!("{stem}.v6"), "ip6tables-restore"),
            ],
            "ip" => vec![(stem.to_owned(), "iptables-restore")],
            _ => vec![(stem.to_owned(), "ip6tables-restore")],
        };
        for (file, command) in files {
            succeeded(
                &lab.run_bounded("host", 20, command, &["--test", &file]),
                &format!("{command} --test ({args:?})"),
            );
        }
    }
    std::fs::remove_dir_all(&dir).expect("remove scratch");
}

#[test]
fn every_nft_ruleset_loads_and_lists_back_its_chains_sets_and_comments() {
    let Some(lab) =
        Lab::host("every_nft_ruleset_loads_and_lists_back_its_chains_sets_and_comments")
    else {
        return;
    };
    let dir = scratch("load");
    for (i, args) in variants().iter().enumerate() {
        let args = borrowed(args);
        let text = generate(&args);
        let file = dir.join(format!("{i}.nft"));
        std::fs::write(&file, &text).expect("write");
        let path = file.to_str().expect("UTF-8 path");
        for _ in 0..2 {
            succeeded(
                &lab.run_bounded("host", 20, "nft", &["-f", path]),
                &format!("nft -f ({args:?})"),
            );
        }
        let listed = lab.run_bounded("host", 20, "nft", &["-j", "list", "ruleset"]);
        succeeded(&listed, "nft -j list ruleset");
        let json: Value = serde_json::from_slice(&listed.stdout).expect("nft lists JSON");
        let items = json["nftables"].as_array().expect("an nftables array");

        let tables: Vec<&Value> = items.iter().filter_map(|i| i.get("table")).collect();
        assert_eq!(tables.len(), 1, "one table after two loads ({args:?})");
        assert_eq!(tables[0]["name"], "icmpkit");

        let mut chains: Vec<(&str, &str, &str)> = items
            .iter()
            .filter_map(|i| i.get("chain"))
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or(""),
                    c["hook"].as_str().unwrap_or(""),
                    c["policy"].as_str().unwrap_or(""),
                )
            })
            .collect();
        chains.sort_unstable();
        let role = args[1];
        let mut expected = vec![("input", "input", "accept")];
        if role != "host" {
            expected.push(("forward", "forward", "accept"));
        }
        if args.contains(&"--hide-topology") {
            expected.push(("output", "output", "accept"));
        }
        expected.sort_unstable();
        assert_eq!(chains, expected, "{args:?}");

        let sets = items.iter().filter(|i| i.get("set").is_some()).count();
        assert_eq!(sets, text.matches("\n\tset ").count(), "{args:?}");

        let comments: Vec<&str> = items
            .iter()
            .filter_map(|i| i.get("rule"))
            .map(|r| r["comment"].as_str().unwrap_or(""))
            .collect();
        let written: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("\t\t") && !l.contains("type filter hook"))
            .filter_map(|l| l.split(" comment \"").nth(1))
            .map(|c| c.trim_end_matches('"').to_owned())
            .collect();
        assert!(!written.is_empty());
        assert_eq!(
            comments, written,
            "every rule lists back, in order ({args:?})"
        );
        lab.must("host", &["nft", "flush", "ruleset"]);
    }
    std::fs::remove_dir_all(&dir).expect("remove scratch");
}

#[test]
fn ping_hosts_in_transit_without_the_outside_interface_are_refused_with_the_fix() {
    for (args, said) in [
        (
            ["--role", "firewall", "--ping-host", "192.0.2.10"].as_slice(),
            "icmpkit: --ping-host on a router or firewall needs --outside IFACE (the interface \
             facing the untrusted side), so that clients inside can still ping out\n",
        ),
        (
            ["--role", "host", "--outside", "eth0"].as_slice(),
            "icmpkit: --outside: a host forwards nothing, so it has no outside to tell from an \
             inside; use it with --role router or --role firewall\n",
        ),
    ] {
        let out = Command::new(icmpkit!())
            .args(["policy", "generate"])
            .args(args)
            .output()
            .expect("icmpkit runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), said, "{args:?}");
    }
}

#[test]
fn the_type_keywords_are_the_ones_nft_knows() {
    let Some(lab) = Lab::host("the_type_keywords_are_the_ones_nft_knows") else {
        return;
    };
    for (version, what) in [(IpVersion::V4, "icmp type"), (IpVersion::V6, "icmpv6 type")] {
        let out = lab.run_bounded("host", 10, "nft", &["describe", what]);
        succeeded(&out, "nft describe");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut described = 0;
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [keyword, number] = words[..] else {
                continue;
            };
            let Ok(number) = number.parse::<u8>() else {
                continue;
            };
            described += 1;
            if keyword != "mld-listener-reduction" {
                assert_eq!(
                    type_keyword(version, number),
                    Some(keyword),
                    "{what} {number}"
                );
            }
        }
        let ours = (0..=255)
            .filter(|&t| type_keyword(version, t).is_some())
            .count();
        let aliases = usize::from(version == IpVersion::V6);
        assert_eq!(
            ours + aliases,
            described,
            "{what}: as many keywords as nft has"
        );
    }
}
