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

use std::process::{Child, Output};

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
fn storm(lab: &Lab, client: &str, quoted: &str, socket: Socket, seconds: u32) -> Child {
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
    lab.spawn_bounded("router", seconds + 5, "taskset", &args)
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

/// What the injector said it sent.
fn sent_by(injector: Child) -> u64 {
    let out = injector.wait_with_output().expect("wait for the injector");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("sent ")
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("injector: {text} {}", String::from_utf8_lossy(&out.stderr)))
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
    let injector = storm(lab, client, quoted, socket, 4);
    let busy = load(lab, 6);
    // The storm is on before the first probe (a ping socket's storm waits
    // for it).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = pinned(lab, socket, program, args);
    for mut b in busy {
        let _ = b.wait();
    }
    (out, sent_by(injector))
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
