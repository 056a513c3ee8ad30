//! `icmpkit ping` on a hostile network (issue 16): spoofed errors and forged
//! replies from `lab/hostile.py`, a raw-socket injector run in the lab
//! chain's router (client - router - server of `lab/lib.sh`), beside iputils
//! ping where it is the reference.
//!
//! - A storm of Destination Unreachable quoting ICMP packets from the
//!   client, with the pinger on a busy core (pinned with `taskset` beside
//!   bounded busy loops) and the injector on the other: the run goes on to
//!   its statistics, single and several targets, IPv4 and IPv6, raw and
//!   ping sockets.
//! - Echo Replies without the nonce their probe carried (blind, for every
//!   identifier; on-path, just ahead of the real reply) are reported as
//!   unverified and never counted.
//! - Several targets: a reply carrying a target's probe from another
//!   address is annotated fping's way, `[<- ADDR]`.
//!
//! Every storm is bounded in packets and seconds, and every program run in
//! the lab is bounded in time.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Output};

use icmpkit_lab::icmpkit;
use icmpkit_lab::netns::{CLIENT4, CLIENT6, Lab, ROUTER4, ROUTER6, SERVER4, SERVER6};

/// The injector.
fn hostile() -> String {
    icmpkit_lab::repo()
        .join("lab/hostile.py")
        .to_string_lossy()
        .into_owned()
}

/// The core the pinger shares with busy loops, and the injector's.
const PINGER_CORE: &str = "0";

/// The injector's core: the other one, when there is one.
fn injector_core() -> &'static str {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if cores > 1 { "1" } else { "0" }
}

/// The most packets one storm sends (it stops earlier at its time bound).
const STORM_PACKETS: &str = "4000000";

/// How the pinger opens its socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Socket {
    /// As root: a raw socket.
    Raw,
    /// As an unprivileged user: a ping socket.
    Ping,
}

/// Starts a storm of Destination Unreachable from the router to the
/// client for `seconds`, quoting Echo Requests from the client to
/// `quoted`: made up for raw sockets, the client's own first request
/// (sniffed on the router's client side) for ping sockets, whose kernel
/// delivers only errors quoting their identifier.
fn storm(lab: &Lab, client: &str, quoted: &str, socket: Socket, seconds: u32) -> Injector {
    let script = hostile();
    let secs = seconds.to_string();
    let mut args = vec![
        "-c",
        injector_core(),
        "python3",
        &script,
        "unreachable",
        client,
        quoted,
        &secs,
        STORM_PACKETS,
    ];
    if socket == Socket::Ping {
        args.push("r0");
    }
    Injector::ready(lab.spawn_bounded("router", seconds + 5, "taskset", &args))
}

/// Two busy loops on the pinger's core, each bounded in iterations and
/// time.
fn load(lab: &Lab, seconds: u32) -> Vec<Child> {
    (0..2)
        .map(|_| {
            lab.spawn_bounded(
                "client",
                seconds,
                "taskset",
                &[
                    "-c",
                    PINGER_CORE,
                    "sh",
                    "-c",
                    "i=0; while [ $i -lt 5000000 ]; do i=$((i+1)); done",
                ],
            )
        })
        .collect()
}

/// Runs `program args` in the client on the loaded core, as root or as an
/// unprivileged user.
fn pinned(lab: &Lab, socket: Socket, program: &str, args: &[&str]) -> Output {
    let mut all = vec!["-c", PINGER_CORE, program];
    all.extend_from_slice(args);
    match socket {
        Socket::Raw => lab.run_bounded("client", 20, "taskset", &all),
        Socket::Ping => lab.run_unprivileged("client", 20, "taskset", &all),
    }
}

/// Sends SIGTERM to `child` (a `timeout` under `ip netns exec`, which
/// hands it on to the program it runs).
fn terminate(child: &Child) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

/// A running `lab/hostile.py`, its sockets open.
struct Injector {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Injector {
    /// Waits until `child` (`lab/hostile.py`) says `ready`: its sockets
    /// are open, and a pinger started now is seen from its first probe.
    fn ready(mut child: Child) -> Self {
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        if line.trim() != "ready" {
            let out = child.wait_with_output().expect("wait for the injector");
            panic!(
                "injector not ready: {line} {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Self { child, stdout }
    }

    /// Stops the injector (SIGTERM, which `timeout` hands on) and says how
    /// many packets it sent.
    fn stop(self) -> u64 {
        terminate(&self.child);
        self.sent()
    }

    /// Waits for the injector to end (it is bounded); how many packets it
    /// says it sent.
    fn sent(mut self) -> u64 {
        let mut text = String::new();
        let _ = self.stdout.read_to_string(&mut text);
        let _ = self.child.wait();
        text.trim()
            .strip_prefix("sent ")
            .and_then(|n| n.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("injector: {text}"))
    }
}

/// `program args` pinned to the loaded core while a storm runs; the
/// output, and how many errors the storm sent.
fn under_storm(
    lab: &Lab,
    socket: Socket,
    (client, quoted): (&str, &str),
    program: &str,
    args: &[&str],
) -> (Output, u64) {
    let injector = storm(lab, client, quoted, socket, 3);
    let busy = load(lab, 6);
    let out = pinned(lab, socket, program, args);
    for mut b in busy {
        terminate(&b);
        let _ = b.wait();
    }
    (out, injector.stop())
}

/// Asserts that a run survived: exit 0 or 1, its statistics printed, no
/// receive failure.
fn assert_survived(what: &str, out: &Output, summary: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{what}: exit {:?}\n{stdout}\n{stderr}",
        out.status.code()
    );
    assert!(
        stdout.contains(summary) || stderr.contains(summary),
        "{what}: no {summary:?}\n{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("receiv") && !stderr.contains("recvmsg"),
        "{what}: {stderr}"
    );
}

/// The chain with ping sockets open to every group in the client.
fn storm_lab(test: &str) -> Option<Lab> {
    let lab = Lab::chain(test, 1280)?;
    lab.sysctl("client", "net.ipv4.ping_group_range=0 2147483647");
    Some(lab)
}

/// The single-target and several-target runs of one family and socket
/// kind under a storm, beside iputils ping (as root) under the same.
fn survives_storms(lab: &Lab, socket: Socket, v6: bool) {
    let (client, server, router) = if v6 {
        (CLIENT6, SERVER6, ROUTER6)
    } else {
        (CLIENT4, SERVER4, ROUTER4)
    };
    let ends = (client, server);
    let single = ["ping", "-c", "10", "-i", "0.1", server];
    let (out, sent) = under_storm(lab, socket, ends, icmpkit!(), &single);
    let what = format!("ping {server} ({socket:?}), {sent} errors sent");
    assert!(sent > 0, "{what}");
    assert_survived(&what, &out, "packets transmitted");
    let multi = ["ping", "-c", "10", "-i", "0.1", server, router];
    let (out, sent) = under_storm(lab, socket, ends, icmpkit!(), &multi);
    let what = format!("ping {server} {router} ({socket:?}), {sent} errors sent");
    // The longest name: no padding after it.
    assert_survived(&what, &out, &format!("{server} : xmt/rcv/%loss = 10/"));
    if socket == Socket::Raw {
        let (out, sent) = under_storm(lab, socket, ends, "ping", &single[1..]);
        let what = format!("iputils ping {server}, {sent} errors sent");
        assert_survived(&what, &out, "packets transmitted");
    }
}

#[test]
fn a_storm_of_spoofed_unreachables_on_a_busy_core_kills_no_raw_socket_ping() {
    let Some(lab) = storm_lab("storm_raw") else {
        return;
    };
    survives_storms(&lab, Socket::Raw, false);
    survives_storms(&lab, Socket::Raw, true);
}

#[test]
fn a_storm_of_spoofed_unreachables_on_a_busy_core_kills_no_ping_socket_ping() {
    let Some(lab) = storm_lab("storm_dgram") else {
        return;
    };
    survives_storms(&lab, Socket::Ping, false);
    survives_storms(&lab, Socket::Ping, true);
}

/// A target nobody answers: the router blackholes it.
const DEAD4: &str = "198.51.100.99";
/// The same over IPv6.
const DEAD6: &str = "2001:db8:2::99";
/// An address that answers for a target in [`a_reply_from_another_address_is_annotated_like_fping`].
const OTHER4: &str = "198.51.100.7";
/// The same over IPv6.
const OTHER6: &str = "2001:db8:2::7";

/// The chain with [`DEAD4`] and [`DEAD6`] blackholed by the router, and
/// ping sockets open to every group in the client.
fn dead_lab(test: &str) -> Option<Lab> {
    let lab = storm_lab(test)?;
    lab.must("router", &["ip", "route", "add", "blackhole", DEAD4]);
    lab.must("router", &["ip", "-6", "route", "add", "blackhole", DEAD6]);
    Some(lab)
}

/// Starts `hostile.py args` in the router, bounded.
fn inject(lab: &Lab, args: &[&str]) -> Injector {
    let script = hostile();
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    Injector::ready(lab.spawn_bounded("router", 15, "python3", &all))
}

/// `icmpkit ping args` in the client while `injector` runs, as root or
/// not; its output and what the injector sent.
fn ping_beside(lab: &Lab, socket: Socket, injector: Injector, args: &[&str]) -> (Output, u64) {
    let mut all = vec!["ping"];
    all.extend_from_slice(args);
    let out = match socket {
        Socket::Raw => lab.run_bounded("client", 20, icmpkit!(), &all),
        Socket::Ping => lab.run_unprivileged("client", 20, icmpkit!(), &all),
    };
    (out, injector.stop())
}

/// The JSON records of `out` of type `kind`.
fn records(out: &Output, kind: &str) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == kind)
        .collect()
}

#[test]
fn blind_empty_replies_for_every_identifier_do_not_make_a_dead_host_answer() {
    let Some(lab) = dead_lab("blind_replies") else {
        return;
    };
    for (client, dead) in [(CLIENT4, DEAD4), (CLIENT6, DEAD6)] {
        for socket in [Socket::Raw, Socket::Ping] {
            let blind = ["empty-replies", client, dead, "3", "3000000", "3"];
            let args = ["-c", "3", "-i", "0.5", "-W", "1", dead];
            if socket == Socket::Raw {
                // Text: no reply line, nothing received.
                let (out, sent) = ping_beside(&lab, socket, inject(&lab, &blind), &args);
                let text = String::from_utf8_lossy(&out.stdout);
                let what = format!("ping {dead} ({socket:?}), {sent} replies sent:\n{text}");
                assert!(sent > 65_536, "{what}");
                assert!(!text.contains("bytes from"), "{what}");
                assert!(
                    text.contains("3 packets transmitted, 0 received, 100% packet loss"),
                    "{what}"
                );
                assert_eq!(out.status.code(), Some(1), "{what}");
            }
            // JSON: the forged replies are reported as unverified only.
            let mut json = vec!["--json"];
            json.extend_from_slice(&args);
            let (out, sent) = ping_beside(&lab, socket, inject(&lab, &blind), &json);
            let what = format!(
                "ping --json {dead} ({socket:?}), {sent} replies sent:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
            let unverified = records(&out, "unverified");
            let summary = &records(&out, "summary")[0];
            assert_eq!(
                records(&out, "reply"),
                [] as [serde_json::Value; 0],
                "{what}"
            );
            assert_eq!(summary["received"], 0, "{what}");
            assert_eq!(summary["unverified"], unverified.len(), "{what}");
            for u in &unverified {
                assert_eq!(
                    (&u["from"], &u["bytes"]),
                    (&dead.into(), &8.into()),
                    "{what}"
                );
            }
            if socket == Socket::Ping {
                // Its kernel hands it only replies with its identifier:
                // every round of the storm reaches it.
                assert!(!unverified.is_empty(), "{what}");
            }
            if socket == Socket::Raw {
                continue;
            }
            // Several targets: the dead one stays dead, the live one
            // answers.
            let server = if dead == DEAD4 { SERVER4 } else { SERVER6 };
            let args = ["-c", "3", "-i", "0.5", "-W", "1", dead, server];
            let (out, sent) = ping_beside(&lab, socket, inject(&lab, &blind), &args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!(
                "ping {dead} {server} ({socket:?}), {sent} replies sent:\n{stdout}{stderr}"
            );
            assert!(
                stderr.contains(&format!("{dead} : xmt/rcv/%loss = 3/0/100%")),
                "{what}"
            );
            assert!(stderr.contains(" : xmt/rcv/%loss = 3/3/0%"), "{what}");
            let dead_lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with(dead)).collect();
            assert_eq!(dead_lines.len(), 3, "{what}");
            assert!(dead_lines.iter().all(|l| l.contains("timed out")), "{what}");
            assert_eq!(out.status.code(), Some(1), "{what}");
        }
    }
}

#[test]
fn a_short_reply_ahead_of_the_real_one_is_unverified_and_the_real_one_counts() {
    let Some(lab) = dead_lab("short_first") else {
        return;
    };
    for (client, dead, server) in [(CLIENT4, DEAD4, SERVER4), (CLIENT6, DEAD6, SERVER6)] {
        // On-path: each probe to the dead target is answered twice, first
        // without data, then with the probe's own.
        let on_path = ["short-first", client, dead, "r0", "8", "6"];
        let args = ["-c", "3", "-i", "0.2", dead];
        let (out, sent) = ping_beside(&lab, Socket::Raw, inject(&lab, &on_path), &args);
        let text = String::from_utf8_lossy(&out.stdout);
        let what = format!("ping {dead}, {sent} replies sent:\n{text}");
        let lines: Vec<&str> = text.lines().collect();
        for seq in 1..=3 {
            let unverified = format!(
                "unverified reply from {dead}: icmp_seq={seq} ttl=64, 8 bytes without the probe's nonce"
            );
            let at = lines.iter().position(|l| *l == unverified);
            let real = format!("64 bytes from {dead}: icmp_seq={seq} ttl=64 time=");
            let real_at = lines.iter().position(|l| l.starts_with(&real));
            assert!(
                at.is_some() && real_at.is_some() && at < real_at,
                "seq {seq}: {what}"
            );
            let reply = lines[real_at.unwrap_or_default()];
            assert!(
                !reply.contains("DUP") && !reply.contains("truncated"),
                "{what}"
            );
        }
        assert!(
            text.contains("3 packets transmitted, 3 received, 0% packet loss"),
            "{what}"
        );
        // The statistics are the real replies' alone: min <= avg <= max.
        let rtt = text
            .lines()
            .find_map(|l| l.strip_prefix("rtt min/avg/max/mdev = "))
            .and_then(|r| r.strip_suffix(" ms"))
            .unwrap_or_else(|| panic!("no rtt line: {what}"));
        let v: Vec<f64> = rtt.split('/').map(|x| x.parse().unwrap()).collect();
        assert!(v[0] <= v[1] && v[1] <= v[2], "{what}");
        assert_eq!(out.status.code(), Some(0), "{what}");
        // Several targets, JSON.
        let args = ["--json", "-c", "3", "-i", "0.2", dead, server];
        let (out, sent) = ping_beside(&lab, Socket::Raw, inject(&lab, &on_path), &args);
        let what = format!(
            "ping {dead} {server}, {sent} replies sent:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let of_dead = |kind: &str| -> Vec<serde_json::Value> {
            records(&out, kind)
                .into_iter()
                .filter(|r| r["target"] == dead)
                .collect()
        };
        let seqs = |rs: &[serde_json::Value]| -> Vec<u64> {
            rs.iter().filter_map(|r| r["seq"].as_u64()).collect()
        };
        assert_eq!(seqs(&of_dead("unverified")), [1, 2, 3], "{what}");
        let replies = of_dead("reply");
        assert_eq!(seqs(&replies), [1, 2, 3], "{what}");
        assert!(
            replies
                .iter()
                .all(|r| r["duplicate"] == false && r["bytes"] == 64),
            "{what}"
        );
        let summary = &of_dead("summary")[0];
        assert_eq!(
            (&summary["received"], &summary["duplicates"]),
            (&3.into(), &0.into()),
            "{what}"
        );
        assert_eq!(summary["unverified"], 3, "{what}");
        assert_eq!(out.status.code(), Some(0), "{what}");
    }
}

#[test]
fn a_reply_from_another_address_is_annotated_like_fping() {
    let Some(lab) = dead_lab("from_other") else {
        return;
    };
    if !icmpkit_lab::require::program("fping") {
        return;
    }
    for (client, dead, server, other) in [
        (CLIENT4, DEAD4, SERVER4, OTHER4),
        (CLIENT6, DEAD6, SERVER6, OTHER6),
    ] {
        // Every probe to the dead target is answered, whole, by `other`.
        let spoof = ["from-other", client, dead, other, "r0", "8", "2"];
        let args = ["-c", "2", "-i", "0.2", dead, server];
        // fping: counted, and ` [<- OTHER]` on stderr.
        let fping = inject(&lab, &spoof);
        let theirs = lab.run_bounded(
            "client",
            20,
            "fping",
            &["-c", "2", "-p", "200", dead, server],
        );
        fping.stop();
        let their_err = String::from_utf8_lossy(&theirs.stderr);
        assert_eq!(
            their_err.matches(&format!(" [<- {other}]")).count(),
            2,
            "{their_err}"
        );
        assert!(
            their_err.contains(&format!("{dead} : xmt/rcv/%loss = 2/2/0%")),
            "{their_err}"
        );
        // Ours: the same counts, the annotation on the reply's own line.
        let (out, sent) = ping_beside(&lab, Socket::Raw, inject(&lab, &spoof), &args);
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = format!("ping {dead} {server}, {sent} replies sent:\n{text}{stderr}");
        for index in 0..2 {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{dead} : [{index}], 64 bytes, ")))
                .unwrap_or_else(|| panic!("[{index}]: {what}"));
            assert!(line.ends_with(&format!("% loss) [<- {other}]")), "{what}");
        }
        assert!(
            text.lines()
                .filter(|l| l.starts_with(server))
                .all(|l| !l.contains("[<-")),
            "{what}"
        );
        assert!(
            stderr.contains(&format!("{dead} : xmt/rcv/%loss = 2/2/0%")),
            "{what}"
        );
        assert_eq!(out.status.code(), Some(0), "{what}");
        // JSON: other_sender on the dead target's replies only.
        let mut json = vec!["--json"];
        json.extend_from_slice(&args);
        let (out, sent) = ping_beside(&lab, Socket::Raw, inject(&lab, &spoof), &json);
        let what = format!(
            "ping --json, {sent} replies sent:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let replies = records(&out, "reply");
        assert_eq!(replies.len(), 4, "{what}");
        for r in &replies {
            let spoofed = r["target"] == dead;
            assert_eq!(r["other_sender"], spoofed, "{what}");
            let from = if spoofed { other } else { server };
            assert_eq!(r["from"], from, "{what}");
        }
    }
}
