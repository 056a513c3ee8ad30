//! `icmpkit policy audit`: exit codes, JSON lines and bad input on the
//! committed fixtures; as root, the fixtures loaded into a namespace's
//! kernel and audited live (`--live`, and iptables-save output), which
//! also proves the committed `nft -j list ruleset` JSON is current
//! (`ICMPKIT_BLESS=1` rewrites it).

use std::path::PathBuf;
use std::process::{Command, Output};

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::Lab;
use serde_json::Value;

fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../guard/tests/fixtures/bad")
        .join(name)
}

fn audit(args: &[&str]) -> Output {
    Command::new(icmpkit!())
        .args(["policy", "audit"])
        .args(args)
        .output()
        .expect("run icmpkit")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every known-bad fixture (nft) with a line its audit must print.
const NFT_FIXTURES: [(&str, &str); 5] = [
    (
        "drop-all-icmp",
        "breaks (high) at input: all ICMPv4 dropped: no Fragmentation Needed",
    ),
    (
        "drop-all-icmpv6",
        "breaks (critical) at input: all ICMPv6 dropped: no neighbour discovery (no IPv6 on the link)",
    ),
    (
        "drop-type-3",
        "breaks (high) at input: ICMPv4 3/4 (Fragmentation needed) dropped -> TCP over IPv4 hangs on large transfers (path-MTU black hole)",
    ),
    (
        "accept-all-icmp",
        "exposes (medium) at input: ICMPv4 8 (Echo), ICMPv6 128 (Echo Request) accepted -> echo without a rate limit: a flood target and reflector",
    ),
    (
        "drop-packet-too-big",
        "breaks (high) at input: ICMPv6 2 (Packet Too Big) dropped -> TCP over IPv6 hangs on large transfers (path-MTU black hole)",
    ),
];

const RFC_SLIP: &str = "dead rule (low): never decides anything: line 25 (table filter chain icmpv6-filter), earlier, has the same match";

#[test]
fn every_bad_fixture_fails_the_audit_with_its_reason() {
    for (name, line) in NFT_FIXTURES {
        let path = bad(&format!("{name}.json"));
        let out = audit(&[path.to_str().expect("utf-8 path")]);
        assert_eq!(out.status.code(), Some(1), "{name}: {out:?}");
        assert!(stdout(&out).contains(line), "{name}:\n{}", stdout(&out));
    }
    let path = bad("rfc4890-appendix-b.ip6tables");
    let out = audit(&["--role", "firewall", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(RFC_SLIP), "{}", stdout(&out));
}

#[test]
fn json_lines_carry_a_type_and_a_summary_last() {
    let path = bad("drop-packet-too-big.json");
    let out = audit(&["--json", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let records: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(
        records
            .iter()
            .all(|r| r["type"].is_string() && r["timestamp"].is_number())
    );
    let last = records.last().expect("records");
    assert_eq!(last["type"], "summary");
    assert_eq!(last["breaks"], 2);
    assert!(records.iter().any(|r| r["type"] == "finding"
        && r["rule"] == "table inet bad chain forward handle 4"));
}

#[test]
fn stdin_and_the_host_role_leave_forward_out() {
    let text = std::fs::read(bad("drop-packet-too-big.json")).expect("fixture");
    let mut child = Command::new(icmpkit!())
        .args(["policy", "audit", "--role", "host", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run icmpkit");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &text).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(!stdout(&out).contains("forward"), "{}", stdout(&out));
}

#[test]
fn bad_input_exits_2_naming_the_line_and_what_was_expected() {
    let dir = std::env::temp_dir().join(format!("icmpkit-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("broken.rules");
    std::fs::write(
        &file,
        "*filter\n:INPUT ACCEPT [0:0]\nflush everything\nCOMMIT\n",
    )
    .expect("write");
    let out = audit(&[file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3, column 1: expected `*TABLE`, `:CHAIN POLICY`, `-A CHAIN ...`, `-I CHAIN ...` or `COMMIT`, found `flush everything`"),
        "{stderr}"
    );
}

/// The parsed JSON without `metainfo` (nft's version).
fn without_metainfo(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).expect("nft JSON");
    if let Some(items) = value.get_mut("nftables").and_then(Value::as_array_mut) {
        items.retain(|item| item.get("metainfo").is_none());
    }
    value
}

#[test]
fn fixtures_loaded_in_a_namespace_list_as_committed_and_audit_live_alike() {
    if !icmpkit_lab::require::program("nft") {
        return;
    }
    for (name, line) in NFT_FIXTURES {
        // A fresh namespace each: handles start from the same numbers.
        let Some(lab) = Lab::host("policy_audit_live") else {
            return;
        };
        let ruleset = bad(&format!("{name}.nft"));
        let load = lab.run_bounded("host", 10, "nft", &["-f", ruleset.to_str().expect("utf-8")]);
        assert!(load.status.success(), "nft -f {name}: {load:?}");
        let listed = lab.run_bounded("host", 10, "nft", &["-j", "list", "ruleset"]);
        assert!(listed.status.success(), "{listed:?}");
        let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
        let committed_path = bad(&format!("{name}.json"));
        if std::env::var_os("ICMPKIT_BLESS").is_some() {
            let pretty = serde_json::to_string_pretty(
                &serde_json::from_str::<Value>(&listed).expect("JSON"),
            )
            .expect("print JSON");
            std::fs::write(&committed_path, pretty + "\n").expect("write the fixture");
        }
        let committed = std::fs::read_to_string(&committed_path).expect("committed JSON");
        assert_eq!(
            without_metainfo(&listed),
            without_metainfo(&committed),
            "{name}.json is stale: run this test as root with ICMPKIT_BLESS=1"
        );
        let live = lab.run_bounded("host", 20, icmpkit!(), &["policy", "audit", "--live"]);
        assert_eq!(live.status.code(), Some(1), "{name}: {live:?}");
        assert!(stdout(&live).contains(line), "{name}:\n{}", stdout(&live));
    }
}

#[test]
fn the_rfc_4890_script_loaded_by_ip6tables_restore_shows_its_slip_in_ip6tables_save() {
    if !icmpkit_lab::require::program("ip6tables-restore") {
        return;
    }
    let Some(lab) = Lab::host("policy_audit_rfc") else {
        return;
    };
    let script = bad("rfc4890-appendix-b.ip6tables");
    let load = lab.run_bounded(
        "host",
        10,
        "sh",
        &[
            "-c",
            "ip6tables-restore < \"$1\"",
            "sh",
            script.to_str().expect("utf-8"),
        ],
    );
    assert!(load.status.success(), "{load:?}");
    let saved = lab.run_bounded("host", 10, "ip6tables-save", &[]);
    assert!(saved.status.success(), "{saved:?}");
    let text = String::from_utf8_lossy(&saved.stdout).into_owned();
    let audit =
        icmpkit_guard::policy::audit::audit_iptables_save(&text).expect("ip6tables-save parses");
    let findings = audit.findings(Some(icmpkit_guard::policy::Role::Firewall));
    let dead: Vec<_> = findings
        .iter()
        .filter(|f| f.kind == icmpkit_guard::policy::audit::Kind::Dead)
        .collect();
    assert_eq!(dead.len(), 1, "{text}\n{dead:#?}");
    assert!(
        dead[0]
            .rule_text
            .as_deref()
            .is_some_and(|t| t.contains("--icmpv6-type 2") && t.contains("RELATED,ESTABLISHED")),
        "{dead:#?}"
    );
}

#[test]
fn live_with_the_iptables_format_reads_iptables_save_and_ip6tables_save() {
    if !icmpkit_lab::require::program("ip6tables-restore") {
        return;
    }
    let Some(lab) = Lab::host("policy_audit_live_iptables") else {
        return;
    };
    let v4 =
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p icmp -m icmp --icmp-type 3/4 -j DROP\nCOMMIT\n";
    let v6 = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j DROP\nCOMMIT\n";
    for (restore, rules) in [("iptables-restore", v4), ("ip6tables-restore", v6)] {
        let load = lab.run_bounded(
            "host",
            10,
            "sh",
            &[
                "-c",
                &format!("printf '%s' \"$1\" | {restore}"),
                "sh",
                rules,
            ],
        );
        assert!(load.status.success(), "{restore}: {load:?}");
    }
    let live = lab.run_bounded(
        "host",
        20,
        icmpkit!(),
        &["policy", "audit", "--live", "--format", "iptables"],
    );
    let text = stdout(&live);
    assert_eq!(live.status.code(), Some(1), "{live:?}");
    assert!(
        text.contains("ICMPv4 3/4 (Fragmentation needed) dropped -> TCP over IPv4 hangs"),
        "{text}"
    );
    assert!(
        text.contains("ICMPv6 2 (Packet Too Big) dropped -> TCP over IPv6 hangs"),
        "{text}"
    );
}

#[test]
fn nft_text_is_refused_with_a_hint_to_give_json() {
    let out = audit(&[bad("drop-type-3.nft").to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this is nft text: give `nft -j list ruleset` output"),
        "{stderr}"
    );
}
