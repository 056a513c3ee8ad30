//! `icmpkit policy verify` with real traffic in the trace lab it builds
//! itself: every ruleset `icmpkit policy generate` writes (each role and
//! family, nftables and iptables-restore, and a firewall with
//! `--ping-host` and `--outside`) passes every check of its role and
//! versions; each known-bad ruleset of
//! `crates/guard/tests/fixtures/bad` fails exactly the checks it should,
//! with the reason; a ruleset nft refuses is an error (exit 2); nothing is
//! left behind, after Ctrl-C either. Needs root (skipped otherwise, unless
//! CI=true). Each run takes 6 to 15 s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use icmpkit_guard::policy::{Role, TableFamily};
use icmpkit_lab::{icmpkit, repo, require};
use serde_json::Value;

/// Every check for a router or firewall.
const ROUTER_CHECKS: [&str; 32] = [
    "ping-out-v4",
    "ping-in-v4",
    "large-ping-v4",
    "large-ping-transit-v4",
    "traceroute-v4",
    "icmpkit-trace-v4",
    "pmtu-transfer-v4",
    "tracepath-v4",
    "redirect-v4",
    "timestamp-v4",
    "address-mask-v4",
    "source-quench-v4",
    "information-request-v4",
    "redirect-transit-v4",
    "timestamp-transit-v4",
    "address-mask-transit-v4",
    "source-quench-transit-v4",
    "information-request-transit-v4",
    "flood-v4",
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
];

/// The abused messages of a router's checks, IPv4.
const ABUSED_V4: [&str; 10] = [
    "redirect-v4",
    "timestamp-v4",
    "address-mask-v4",
    "source-quench-v4",
    "information-request-v4",
    "redirect-transit-v4",
    "timestamp-transit-v4",
    "address-mask-transit-v4",
    "source-quench-transit-v4",
    "information-request-transit-v4",
];

/// The abused messages of a router's checks, IPv6.
const ABUSED_V6: [&str; 4] = [
    "redirect-v6",
    "router-advertisement-v6",
    "redirect-transit-v6",
    "router-advertisement-transit-v6",
];

/// What one run printed: each check's result and reason, and its exit
/// status.
struct Verified {
    results: BTreeMap<String, (String, String)>,
    code: Option<i32>,
}

/// How a check's reason is compared in [`Verified::expect_reason`].
type Compare = fn(&str, &str) -> bool;
const STARTS_WITH: Compare = |reason, expected| reason.starts_with(expected);
const CONTAINS: Compare = |reason, expected| reason.contains(expected);

impl Verified {
    fn reason(&self, check: &str) -> &str {
        &self.results[check].1
    }

    /// Asserts that `check`'s reason compares with `expected` as `compare`
    /// says, showing the reason when it does not.
    fn expect_reason(&self, check: &str, compare: Compare, expected: &str) {
        let reason = self.reason(check);
        assert!(
            compare(reason, expected),
            "{check}: {reason:?} does not match {expected:?}"
        );
    }

    /// The names of the checks that failed.
    fn failed(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|(_, (result, _))| result == "fail")
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

fn fixture(path: &str) -> PathBuf {
    repo().join(path)
}

/// Namespaces of the verify run of process `pid` still there.
fn leftovers(pid: u32) -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let prefix = format!("ikverify{pid}-");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// Runs `icmpkit policy verify --json ARGS`, killed after 60 s; its
/// output and process id (which names its lab).
fn verify_output(args: &[&str]) -> (Output, u32) {
    let mut child = Command::new(icmpkit!())
        .args(["policy", "verify", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run icmpkit policy verify");
    let pid = child.id();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_mins(1) {
            child.kill().unwrap();
            panic!("policy verify {args:?} ran over 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child.wait_with_output().unwrap(), pid)
}

fn verify(args: &[&str]) -> Verified {
    let started = Instant::now();
    let (out, pid) = verify_output(args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        leftovers(pid),
        Vec::<String>::new(),
        "namespaces left behind"
    );
    let mut results = BTreeMap::new();
    let mut summary = None;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        match record["type"].as_str() {
            Some("check") => {
                let name = record["name"].as_str().unwrap().to_owned();
                let result = record["result"].as_str().unwrap().to_owned();
                let reason = record["reason"].as_str().unwrap().to_owned();
                assert!(results.insert(name, (result, reason)).is_none(), "{line}");
            }
            Some("summary") => summary = Some(record),
            _ => panic!("unexpected record {line}"),
        }
    }
    let summary = summary.unwrap_or_else(|| {
        panic!(
            "no summary; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let failed = results.values().filter(|(r, _)| r == "fail").count();
    assert_eq!(summary["failed"], failed, "{summary}");
    eprintln!("verify {args:?}: {:.1} s", started.elapsed().as_secs_f64());
    Verified {
        results,
        code: out.status.code(),
    }
}

/// Asserts that exactly `failing` of `all` failed (the rest passed, none
/// skipped), and the exit status that goes with it.
fn assert_failing(run: &Verified, all: &[&str], failing: &[&str]) {
    let names: Vec<&str> = run.results.keys().map(String::as_str).collect();
    let mut expected_names = all.to_vec();
    expected_names.sort_unstable();
    assert_eq!(names, expected_names);
    let mut failing = failing.to_vec();
    failing.sort_unstable();
    assert_eq!(run.failed(), failing, "{:#?}", run.results);
    for (name, (result, reason)) in &run.results {
        if !failing.contains(&name.as_str()) {
            assert_eq!(result, "pass", "{name}: {reason}");
        }
    }
    let code = i32::from(!failing.is_empty());
    assert_eq!(run.code, Some(code));
}

/// The checks verify makes for `role` over the IP versions of `family`.
fn checks_of(role: Role, family: TableFamily) -> Vec<&'static str> {
    ROUTER_CHECKS
        .iter()
        .copied()
        .filter(|c| role.forwards() || !c.contains("-transit-"))
        .filter(|c| {
            family
                .versions()
                .iter()
                .any(|v| c.ends_with(&format!("-v{}", v.number())))
        })
        .collect()
}

/// Generates the ruleset of `role` and `family` in `format` (with the
/// options `extra`, named `name` in the file) into a scratch directory;
/// the files to give verify.
fn generated(
    role: Role,
    family: TableFamily,
    format: &str,
    name: &str,
    extra: &[&str],
) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("policy-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stem = dir.join(format!("{role}-{}-{format}{name}", family.name()));
    let out = Command::new(icmpkit!())
        .args(["policy", "generate", "--role", role.name()])
        .args(["--family", family.name(), "--format", format])
        .args(extra)
        .arg("-o")
        .arg(&stem)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if format == "nft" {
        return vec![stem];
    }
    family
        .versions()
        .iter()
        .map(|v| {
            let mut file = stem.clone().into_os_string();
            if family == TableFamily::Inet {
                file.push(format!(".v{}", v.number()));
            }
            PathBuf::from(file)
        })
        .collect()
}

/// Every generated ruleset of `format` (each role and family) passes every
/// check verify makes for its role and versions.
/// Verifies `files` (a ruleset of `role` and `family`): every check
/// passes and every flood is cut to the limit.
fn passes_every_check(role: Role, family: TableFamily, files: &[PathBuf]) -> Verified {
    let mut args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    args.extend(["--role", role.name()]);
    let run = verify(&args);
    assert_failing(&run, &checks_of(role, family), &[]);
    for version in family.versions() {
        let flood = run.reason(&format!("flood-v{}", version.number()));
        assert!(flood.ends_with(": cut to a limit"), "{flood}");
    }
    run
}

fn every_generated_ruleset_passes(format: &str) {
    for role in Role::ALL {
        for family in TableFamily::ALL {
            let files = generated(role, family, format, "", &[]);
            let run = passes_every_check(role, family, &files);
            for version in family.versions() {
                let n = version.number();
                assert_eq!(run.reason(&format!("tracepath-v{n}")), "pmtu 1280");
            }
        }
    }
}

#[test]
fn every_generated_nft_ruleset_passes_every_check() {
    if require::root("every_generated_nft_ruleset_passes_every_check") {
        every_generated_ruleset_passes("nft");
    }
}

#[test]
fn every_generated_iptables_ruleset_passes_every_check() {
    if require::root("every_generated_iptables_ruleset_passes_every_check") {
        every_generated_ruleset_passes("iptables");
    }
}

/// A firewall (r1) answering ping from outside (r1's interface `r2`)
/// only at the client and at its own outside address passes every check:
/// the client still pings out through it (inside to out, limited per
/// source and destination), the server pings the client, and the flood
/// to r1 is cut to the limit.
fn a_firewall_pinged_only_at_ping_hosts_from_outside_passes(format: &str) {
    let (role, family) = (Role::Firewall, TableFamily::Inet);
    let files = generated(
        role,
        family,
        format,
        "-ping-hosts",
        &[
            "--ping-host",
            "192.0.2.2",
            "--ping-host",
            "203.0.113.1",
            "--ping-host",
            "2001:db8:1::2",
            "--ping-host",
            "2001:db8:12::1",
            "--outside",
            "r2",
        ],
    );
    passes_every_check(role, family, &files);
}

#[test]
fn a_firewall_with_nft_ping_hosts_and_outside_passes_every_check() {
    if require::root("a_firewall_with_nft_ping_hosts_and_outside_passes_every_check") {
        a_firewall_pinged_only_at_ping_hosts_from_outside_passes("nft");
    }
}

#[test]
fn a_firewall_with_iptables_ping_hosts_and_outside_passes_every_check() {
    if require::root("a_firewall_with_iptables_ping_hosts_and_outside_passes_every_check") {
        a_firewall_pinged_only_at_ping_hosts_from_outside_passes("iptables");
    }
}

#[test]
fn without_root_it_says_what_it_needs_and_exits_2() {
    let file = fixture("crates/guard/tests/fixtures/bad/drop-all-icmp.nft");
    let file = file.to_str().unwrap();
    let args = ["policy", "verify", file];
    // As root, run it as nobody with no capability.
    let out = if require::is_root() {
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                icmpkit!(),
            ])
            .args(args)
            .output()
            .unwrap()
    } else {
        Command::new(icmpkit!()).args(args).output().unwrap()
    };
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "icmpkit: policy verify needs root: it builds network namespaces (CAP_SYS_ADMIN, \
         CAP_NET_ADMIN) and opens raw sockets (CAP_NET_RAW); run it with sudo\n"
    );
    assert_eq!(out.stdout, b"");
}

#[test]
fn dropping_all_icmp_breaks_ping_traceroute_and_path_mtu_discovery() {
    if !require::root("dropping_all_icmp_breaks_ping_traceroute_and_path_mtu_discovery") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/drop-all-icmp.nft");
    let run = verify(&[file.to_str().unwrap()]);
    let broken: Vec<&str> = ROUTER_CHECKS
        .iter()
        .copied()
        .filter(|c| !ABUSED_V4.contains(c) && !ABUSED_V6.contains(c))
        .collect();
    assert_failing(&run, &ROUTER_CHECKS, &broken);
    run.expect_reason("ping-out-v4", STARTS_WITH, "0 of 5 answered");
    run.expect_reason(
        "traceroute-v6",
        STARTS_WITH,
        "hops 2, 3, 4, 5 (the destination) did not answer: ",
    );
    run.expect_reason("pmtu-transfer-v4", CONTAINS, "the transfer hung");
    run.expect_reason("flood-v6", CONTAINS, "echo is dropped, not limited");
}

#[test]
fn dropping_all_icmpv6_breaks_everything_over_ipv6() {
    if !require::root("dropping_all_icmpv6_breaks_everything_over_ipv6") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/drop-all-icmpv6.nft");
    let run = verify(&[file.to_str().unwrap()]);
    let mut failing = ABUSED_V4.to_vec();
    failing.extend([
        "flood-v4",
        "ping-out-v6",
        "ping-in-v6",
        "large-ping-v6",
        "large-ping-transit-v6",
        "traceroute-v6",
        "icmpkit-trace-v6",
        "pmtu-transfer-v6",
        "tracepath-v6",
        "flood-v6",
    ]);
    assert_failing(&run, &ROUTER_CHECKS, &failing);
    run.expect_reason("ping-in-v6", STARTS_WITH, "0 of 5 answered");
}

#[test]
fn dropping_type_3_hangs_ipv4_transfers_and_hides_the_destination() {
    if !require::root("dropping_type_3_hangs_ipv4_transfers_and_hides_the_destination") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/drop-type-3.nft");
    // As a host: the ruleset on the client itself.
    let run = verify(&["--role", "host", file.to_str().unwrap()]);
    let host: Vec<&str> = ROUTER_CHECKS
        .iter()
        .copied()
        .filter(|c| !c.contains("-transit-"))
        .collect();
    let failing = [
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
        "redirect-v6",
        "router-advertisement-v6",
        "flood-v6",
    ];
    assert_failing(&run, &host, &failing);
    for trace in ["traceroute-v4", "icmpkit-trace-v4"] {
        run.expect_reason(
            trace,
            STARTS_WITH,
            "hop 5 (the destination) did not answer: ",
        );
    }
    run.expect_reason(
        "pmtu-transfer-v4",
        STARTS_WITH,
        "0 of 4194304 bytes arrived in 3.0 s, the transfer hung: ",
    );
    run.expect_reason(
        "tracepath-v4",
        STARTS_WITH,
        "tracepath found pmtu 1500, the path's is 1280: ",
    );
}

#[test]
fn accepting_all_icmp_leaves_the_flood_and_the_abused_types_open() {
    if !require::root("accepting_all_icmp_leaves_the_flood_and_the_abused_types_open") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/accept-all-icmp.nft");
    let run = verify(&[file.to_str().unwrap()]);
    let mut failing = ABUSED_V4.to_vec();
    failing.extend(ABUSED_V6);
    failing.extend(["flood-v4", "flood-v6"]);
    assert_failing(&run, &ROUTER_CHECKS, &failing);
    run.expect_reason("flood-v4", CONTAINS, ": not limited: ");
    run.expect_reason(
        "redirect-v4",
        STARTS_WITH,
        "delivered: 1 of 1 arrived at r1: ",
    );
    run.expect_reason(
        "timestamp-transit-v4",
        STARTS_WITH,
        "delivered: 1 of 1 arrived at client: ",
    );
}

#[test]
fn dropping_packet_too_big_hangs_ipv6_transfers_and_misleads_tracepath() {
    if !require::root("dropping_packet_too_big_hangs_ipv6_transfers_and_misleads_tracepath") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/drop-packet-too-big.nft");
    let run = verify(&[file.to_str().unwrap()]);
    let mut failing = ABUSED_V4.to_vec();
    failing.extend(ABUSED_V6);
    // Large pings over IPv6 too: their replies leave in 1500-byte
    // fragments, and the Packet Too Big of the 1280 link never arrives.
    failing.extend([
        "flood-v4",
        "flood-v6",
        "large-ping-v6",
        "large-ping-transit-v6",
        "pmtu-transfer-v6",
        "tracepath-v6",
    ]);
    assert_failing(&run, &ROUTER_CHECKS, &failing);
    run.expect_reason("pmtu-transfer-v6", CONTAINS, "the transfer hung");
    run.expect_reason(
        "tracepath-v6",
        STARTS_WITH,
        "tracepath found pmtu 1500, the path's is 1280: ",
    );
}

#[test]
fn a_ruleset_nft_refuses_is_an_error_with_nfts_message() {
    if !require::root("a_ruleset_nft_refuses_is_an_error_with_nfts_message") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("icmpkit-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.nft");
    std::fs::write(
        &file,
        "table inet broken {\n\tchain input {\n\t\tnonsense here\n\t}\n}\n",
    )
    .unwrap();
    let (out, pid) = verify_output(&[file.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("icmpkit: nft refused {}: ", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("nonsense"), "{stderr}");
    assert_eq!(out.stdout, b"");
    assert_eq!(leftovers(pid), Vec::<String>::new());
}

#[test]
fn ctrl_c_removes_the_lab() {
    if !require::root("ctrl_c_removes_the_lab") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/accept-all-icmp.nft");
    let child = Command::new(icmpkit!())
        .args(["policy", "verify", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait (bounded) until the lab is up, then interrupt.
    let started = Instant::now();
    while leftovers(pid).len() < 7 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(leftovers(pid).len(), 7, "the lab did not come up");
    let kill = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(leftovers(pid), Vec::<String>::new());
}

#[test]
fn the_rfc_4890_scripts_slip_blinds_traceroute_from_inside_but_not_path_mtu_discovery() {
    if !require::root("the_rfc_4890_scripts_slip_blinds_traceroute_from_inside") {
        return;
    }
    let file = fixture("crates/guard/tests/fixtures/bad/rfc4890-appendix-b.ip6tables");
    let run = verify(&[file.to_str().unwrap()]);
    let v6 = checks_of(Role::Router, TableFamily::Ip6);
    // Its Time Exceeded rule repeats Packet Too Big: the routers' Time
    // Exceeded is dropped on the way in, the destination's Port
    // Unreachable (a Destination Unreachable, related) passes. Its rules
    // are for transit only: r1 itself accepts everything.
    let failing = [
        "traceroute-v6",
        "icmpkit-trace-v6",
        "tracepath-v6",
        "redirect-v6",
        "router-advertisement-v6",
        "flood-v6",
    ];
    assert_failing(&run, &v6, &failing);
    for trace in ["traceroute-v6", "icmpkit-trace-v6"] {
        run.expect_reason(trace, STARTS_WITH, "hops 2, 3, 4 did not answer: ");
    }
}
