//! The two sides of `icmpkit policy` held to each other through the real
//! kernel: every generated ruleset (each role and family, nftables and
//! iptables-restore), loaded into a namespace of the test's own and listed
//! back by the kernel's own tools (`nft -j list ruleset`, `iptables-save`,
//! `ip6tables-save`), is audited, and the audit must find exactly the
//! treatment the decisions asked for, for every type and code at every
//! hook — and nothing to report. Rulesets with conditions (`--ping-host`,
//! `--outside`, `--hide-topology`) are held to the decisions both for a
//! packet that meets none of them and for one that meets them.

use std::path::PathBuf;

use icmpkit_guard::policy::audit::{self, About, Audit};
use icmpkit_guard::policy::rules::{Condition, Options, Policy, decide};
use icmpkit_guard::policy::{Fate, Hook, IpVersion, Message, Role, TableFamily, Treatment};
use icmpkit_guard::policy::{iptables, nft};
use icmpkit_lab::netns::Lab;

/// The codes tried for every type: every code a registry names is below 17;
/// 255 stands for the rest.
const CODES: [u8; 18] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 255,
];

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("policy-cross-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The views compared: which generator conditions hold, and the audit's
/// conditions that say the same.
const VIEWS: [(&str, bool, bool, bool); 5] = [
    ("no condition holds", false, false, false),
    ("to a --ping-host address", true, false, false),
    ("out of the --hide-topology interface", false, true, false),
    ("in by the --outside interface", false, false, true),
    ("all", true, true, true),
];

/// Every (hook, message) where the audit and the decisions differ, as lines.
fn differences(policy: &Policy, audit: &Audit) -> Vec<String> {
    let mut out = Vec::new();
    for (view, to, out_of, arriving) in VIEWS {
        let decided = |c: &Condition| match c {
            Condition::To(_) => to,
            Condition::OutOf(_) => out_of,
            Condition::ArrivingOn(_) => arriving,
        };
        let audited = |c: &audit::Condition| match c.about {
            About::Destination => to,
            About::LeavingInterface => out_of,
            About::ArrivingInterface => arriving,
            _ => false,
        };
        for line in differences_when(policy, audit, decided, audited) {
            out.push(format!("{view}: {line}"));
        }
    }
    out
}

fn differences_when(
    policy: &Policy,
    audit: &Audit,
    decided: impl Fn(&Condition) -> bool + Copy,
    audited: impl Fn(&audit::Condition) -> bool + Copy,
) -> Vec<String> {
    let accept = Treatment::always(Fate::Accept);
    let mut out = Vec::new();
    for hook in Hook::ALL {
        for &version in policy.options.family.versions() {
            for msg_type in 0..=u8::MAX {
                for code in CODES {
                    let message = Message {
                        version,
                        msg_type,
                        code,
                    };
                    let wanted = policy
                        .treatment_when(hook, message, decided)
                        .unwrap_or(&accept);
                    let found = audit.treatment_when(hook, message, audited);
                    if *wanted != found {
                        out.push(format!(
                            "{} {version:?} {msg_type}/{code}: decided {wanted:?}, audited {found:?}",
                            hook.name()
                        ));
                    }
                }
            }
        }
    }
    out
}

fn must_agree(what: &str, policy: &Policy, audit: &Audit) {
    let diff = differences(policy, audit);
    assert!(
        diff.is_empty(),
        "{what}: {} differences, first: {:#?}",
        diff.len(),
        &diff[..diff.len().min(12)]
    );
    let findings = audit.findings(Some(policy.options.role));
    assert!(
        audit.is_clean(Some(policy.options.role)),
        "{what}: the audit finds fault with a generated ruleset: {findings:#?}"
    );
}

/// The IP version of a `--ping-host` entry.
fn version_of(host: &str) -> IpVersion {
    if host.contains(':') {
        IpVersion::V6
    } else {
        IpVersion::V4
    }
}

fn policies() -> Vec<Policy> {
    let mut all = Vec::new();
    for role in Role::ALL {
        for family in TableFamily::ALL {
            let mut options = Options::new(role);
            options.family = family;
            all.push(decide(&options.clone()));
            options.ping_hosts = vec!["10.0.0.1".into(), "2001:db8::/64".into()];
            if role.forwards() {
                options.hide_topology = Some("wan0".into());
            }
            all.push(decide(&options));
            if role.forwards() {
                options.ping_hosts = ["192.0.2.10", "2001:db8::/64"]
                    .into_iter()
                    .filter(|h| family.versions().contains(&version_of(h)))
                    .map(String::from)
                    .collect();
                options.outside = Some("eth0".into());
                options.hide_topology = Some("eth0".into());
                options.log_drops = true;
                all.push(decide(&options));
            }
        }
    }
    all
}

fn stdout(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

#[test]
fn the_audit_of_every_generated_nft_ruleset_finds_exactly_its_decisions() {
    let Some(lab) = Lab::host("the_audit_of_every_generated_nft_ruleset") else {
        return;
    };
    let dir = scratch("nft");
    for (i, policy) in policies().iter().enumerate() {
        let what = policy.options.arguments();
        let file = dir.join(format!("{i}.nft"));
        std::fs::write(&file, nft::render(policy)).expect("write");
        let path = file.to_str().expect("UTF-8 path");
        stdout(&lab.run_bounded("host", 20, "nft", &["-f", path]), "nft -f");
        let json = stdout(
            &lab.run_bounded("host", 20, "nft", &["-j", "list", "ruleset"]),
            "nft -j list ruleset",
        );
        stdout(
            &lab.run_bounded("host", 20, "nft", &["flush", "ruleset"]),
            "nft flush ruleset",
        );
        let audit = audit::audit_nft_json(&json).expect("the kernel's JSON parses");
        must_agree(&what, policy, &audit);
    }
}

#[test]
fn the_audit_of_every_generated_iptables_ruleset_finds_exactly_its_decisions() {
    let Some(lab) = Lab::host("the_audit_of_every_generated_iptables_ruleset") else {
        return;
    };
    let dir = scratch("iptables");
    for (i, policy) in policies().iter().enumerate() {
        let what = format!("{} (iptables)", policy.options.arguments());
        let mut saved = String::new();
        for restore in iptables::render(policy) {
            let (load, save) = match restore.version {
                IpVersion::V4 => ("iptables-restore", "iptables-save"),
                IpVersion::V6 => ("ip6tables-restore", "ip6tables-save"),
            };
            let file = dir.join(format!("{i}-{load}.rules"));
            std::fs::write(&file, &restore.text).expect("write");
            let path = file.to_str().expect("UTF-8 path");
            stdout(&lab.run_bounded("host", 20, load, &[path]), load);
            saved.push_str(&stdout(&lab.run_bounded("host", 20, save, &[]), save));
        }
        stdout(
            &lab.run_bounded("host", 20, "nft", &["flush", "ruleset"]),
            "nft flush ruleset",
        );
        let audit = audit::audit_iptables_save(&saved).expect("iptables-save parses");
        must_agree(&what, policy, &audit);
    }
}

#[test]
fn the_audit_of_every_generated_iptables_text_itself_finds_exactly_its_decisions() {
    // The files as generated, audited without loading them: they insert
    // jumps into INPUT, FORWARD and OUTPUT without declaring those chains
    // (for `iptables-restore --noflush`), whose policy is assumed ACCEPT.
    for policy in policies() {
        let what = format!("{} (iptables text)", policy.options.arguments());
        let texts = iptables::render(&policy);
        let text: String = texts.iter().map(|r| r.text.as_str()).collect();
        let audit = audit::audit_iptables_save(&text).expect("the text parses");
        must_agree(&what, &policy, &audit);
        let mut assumed: Vec<String> = audit
            .findings(Some(policy.options.role))
            .into_iter()
            .filter(|f| f.text.starts_with("the policy of chain "))
            .map(|f| f.text)
            .collect();
        assumed.sort();
        let mut expected = Vec::new();
        for _ in &texts {
            for hook in policy.hooks() {
                expected.push(format!(
                    "the policy of chain filter {} is not in the file (iptables-restore --noflush keeps the loaded one): assumed ACCEPT",
                    hook.name().to_uppercase()
                ));
            }
        }
        expected.sort();
        assert_eq!(assumed, expected, "{what}");
        let report = audit::text(&audit, Some(policy.options.role));
        assert!(
            report.contains("\n  unknown (info): the policy of chain filter INPUT is not in the file (iptables-restore --noflush keeps the loaded one): assumed ACCEPT\n    rule: policy of chain filter INPUT\n"),
            "{what}: {report}"
        );
    }
}
