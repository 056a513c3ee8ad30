//! `icmpkit ping` from the outside, as a user meets it: refused input
//! (exit 2 and a message naming what is wrong), missing privileges, ping
//! sockets in a user namespace, and in the lab chain of `icmpkit_lab::netns`:
//! flood dots, Ctrl-C, duplicated replies; each compared with iputils ping
//! run the same way.
//!
//! Traffic goes only to loopback (in this or a new network namespace) and
//! to the lab's own namespaces. Tests needing root print "skipped: ..."
//! when not root and fail under `CI=true`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use icmpkit_lab::bin::with_subcommand;
use icmpkit_lab::netns::{Lab, SERVER4};
use icmpkit_lab::peers::{self, normalize_ping_times};
use icmpkit_lab::require;
use icmpkit_lab::{icmpkit, text};

/// Runs `program args`, bounded by 20 s.
fn run(program: &str, args: &[&str]) -> Output {
    peers::run_bounded(20, program, args)
}

/// `icmpkit ping args`.
fn ping(args: &[&str]) -> Output {
    let all = with_subcommand("ping", args);
    run(icmpkit!(), &all)
}

/// The message after the program's `name: ` prefix on stderr.
fn message(out: &Output, name: &str) -> String {
    let err = text(&out.stderr);
    err.strip_prefix(&format!("{name}: "))
        .unwrap_or_else(|| panic!("stderr does not start with {name:?}: {err:?}"))
        .trim_end()
        .to_owned()
}

/// Asserts exit 2, nothing on stdout and `icmpkit: {expected}` on stderr.
fn assert_refused(args: &[&str], expected: &str) {
    let out = ping(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "ping {args:?}: {}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "", "ping {args:?}");
    assert_eq!(message(&out, "icmpkit"), expected, "ping {args:?}");
}

// ---------------------------------------------------------------- input

#[test]
fn numbers_out_of_range_use_iputils_words() {
    assert_refused(
        &["-c", "-1", "127.0.0.1"],
        "invalid argument: '-1': out of range: 1 <= value <= 9223372036854775807",
    );
    assert_refused(
        &["-c", "0", "127.0.0.1"],
        "invalid argument: '0': out of range: 1 <= value <= 9223372036854775807",
    );
    assert_refused(
        &["-s", "70000", "127.0.0.1"],
        "invalid argument: '70000': out of range: 0 <= value <= 65507",
    );
    assert_refused(
        &["-6", "-s", "70000", "::1"],
        "invalid argument: '70000': out of range: 0 <= value <= 65527",
    );
    // iputils takes TTL 0, which IP_TTL refuses; a hop limit of 0 is
    // refused here.
    assert_refused(
        &["-t", "0", "127.0.0.1"],
        "cannot set unicast time-to-live: Invalid argument",
    );
    assert_refused(
        &["-6", "-t", "0", "::1"],
        "invalid argument: '0': out of range: 1 <= value <= 255",
    );
    assert_refused(
        &["-t", "256", "127.0.0.1"],
        "invalid argument: '256': out of range: 0 <= value <= 255",
    );
    assert_refused(&["-c", "x", "127.0.0.1"], "invalid argument: 'x'");
}

#[test]
fn bad_option_values_are_named() {
    assert_refused(
        &["-M", "sideways", "127.0.0.1"],
        "invalid -M argument: sideways: use do, want, dont or probe",
    );
    assert_refused(
        &["-Q", "300", "127.0.0.1"],
        "the decimal value of TOS bits must be in range 0-255: 300",
    );
    assert_refused(
        &["-p", "zz", "127.0.0.1"],
        "patterns must be specified as hex digits: zz",
    );
    assert_refused(
        &["--socket", "foo", "127.0.0.1"],
        "--socket foo: expected raw, dgram or auto",
    );
    assert_refused(
        &["-i", "-1", "127.0.0.1"],
        "bad -i value: '-1': must be zero or more seconds",
    );
}

#[test]
fn no_targets_is_a_usage_error() {
    for args in [&[][..], &["-c", "1"][..]] {
        let out = ping(args);
        assert_eq!(out.status.code(), Some(2), "ping {args:?}");
        assert_eq!(text(&out.stdout), "");
        let err = text(&out.stderr);
        assert!(
            err.contains("the following required arguments were not provided")
                && err.contains("<HOST>"),
            "{err}"
        );
    }
}

/// Two targets are refused today (several at once are not implemented),
/// with exit 2 and a message; whatever the rate.
#[test]
fn rate_zero_with_two_targets_is_refused() {
    let out = ping(&["--rate", "0", "127.0.0.1", "127.0.0.2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert!(!message(&out, "icmpkit").is_empty());
}

#[test]
fn rate_and_retries_are_validated() {
    let out = ping(&["--rate", "0", "127.0.0.1", "127.0.0.2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(message(&out, "icmpkit").contains("--rate"), "{out:?}");
    for args in [
        &["--rate", "abc", "-c", "1", "127.0.0.1"][..],
        &["--rate", "0", "-c", "1", "127.0.0.1"][..],
        &["--retries", "xyz", "-c", "1", "127.0.0.1"][..],
    ] {
        let out = ping(args);
        assert_eq!(out.status.code(), Some(2), "ping {args:?}: {out:?}");
        assert_eq!(text(&out.stdout), "", "ping {args:?}");
    }
}

#[test]
fn a_missing_interface_is_named() {
    if !require::root("a_missing_interface_is_named") {
        return;
    }
    let args = ["-c", "1", "-I", "nosuchif0", "127.0.0.1"];
    let ours = ping(&args);
    let theirs = run("ping", &args);
    assert_eq!(ours.status.code(), Some(2));
    assert_eq!(text(&ours.stdout), "");
    let ours = message(&ours, "icmpkit");
    // iputils: "SO_BINDTODEVICE nosuchif0: No such device".
    assert!(message(&theirs, "ping").starts_with("SO_BINDTODEVICE nosuchif0: "));
    assert!(
        ours.starts_with("SO_BINDTODEVICE nosuchif0: ")
            && ours.contains("no network interface named \"nosuchif0\""),
        "{ours}"
    );
}

/// Name resolution fails at once in a network namespace with no interface
/// up: nothing leaves the machine.
#[test]
fn an_unknown_host_is_named() {
    if !require::root("an_unknown_host_is_named") {
        return;
    }
    let in_empty_netns = |program: &str, args: &[&str]| {
        Command::new("unshare")
            .args(["-n", "timeout", "20", program])
            .args(args)
            .output()
            .expect("run unshare -n")
    };
    let ours = in_empty_netns(icmpkit!(), &["ping", "-c", "1", "nosuchhost.invalid"]);
    let theirs = in_empty_netns("ping", &["-c", "1", "nosuchhost.invalid"]);
    assert_eq!(ours.status.code(), Some(2));
    assert_eq!(theirs.status.code(), Some(2));
    assert_eq!(text(&ours.stdout), "");
    let ours = message(&ours, "icmpkit");
    assert!(ours.starts_with("nosuchhost.invalid: "), "{ours}");
    // iputils: "nosuchhost.invalid: Temporary failure in name resolution".
    assert_eq!(ours, message(&theirs, "ping"));
}

// ----------------------------------------------------------- privileges

/// Runs `program args` as uid 65534 (nobody) in a new user and network
/// namespace where uid/gid 0 and 65534 are mapped to themselves, ping
/// sockets are allowed for gids 0-65534 and loopback is up: an ordinary
/// user with working ping sockets, without touching the host's sysctl.
/// (The namespace's `ping_group_range` can only name mapped gids, so
/// "0 2147483647" is refused there.)
fn as_nobody_with_ping_sockets(program: &str, args: &[&str]) -> Output {
    const SCRIPT: &str = r#"
dir=$(mktemp -d) || exit 90
fifo=$dir/go
mkfifo "$fifo" || exit 90
unshare --user --net sh -c '
    read _ < "$0"
    sysctl -qw net.ipv4.ping_group_range="0 65534" || exit 91
    ip link set lo up || exit 91
    exec setpriv --reuid=65534 --regid=65534 --clear-groups timeout 20 "$@"' "$fifo" "$@" &
pid=$!
i=0
while [ "$(readlink /proc/$pid/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ $i -lt 500 ]; do
    sleep 0.01; i=$((i + 1))
done
if printf '0 0 1\n65534 65534 1\n' > /proc/$pid/uid_map &&
   printf '0 0 1\n65534 65534 1\n' > /proc/$pid/gid_map; then
    echo go > "$fifo"
else
    kill $pid
fi
rc=0
wait $pid || rc=$?
rm -rf "$dir"
exit $rc
"#;
    Command::new("sh")
        .args(["-c", SCRIPT, "sh", program])
        .args(args)
        .output()
        .expect("run sh")
}

const USER_FLOOD: &str = "cannot flood; minimal interval allowed for user is 2ms";

/// The same refusal in current upstream iputils' words, as the `ping`
/// link says it.
const UPSTREAM_USER_FLOOD: &str =
    "cannot flood, minimal interval for user must be >= 2 ms, use -i 0.002 (or higher)";

/// iputils refuses a user's short interval in `setup()`, after the
/// header: the one line on stdout.
const LOOPBACK_HEADER: &str = "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n";

#[test]
fn a_user_gets_no_interval_below_2_ms() {
    if !require::root("a_user_gets_no_interval_below_2_ms") {
        return;
    }
    // The setup works: 2 ms is allowed, over a ping socket.
    let ours =
        as_nobody_with_ping_sockets(icmpkit!(), &["ping", "-c", "2", "-i", "0.002", "127.0.0.1"]);
    assert_eq!(ours.status.code(), Some(0), "{ours:?}");
    assert!(text(&ours.stdout).contains("2 packets transmitted, 2 received"));
    for args in [
        &["-c", "2", "-i", "0.001", "127.0.0.1"][..],
        &["-c", "2", "-f", "127.0.0.1"][..],
    ] {
        let our_args = with_subcommand("ping", args);
        let ours = as_nobody_with_ping_sockets(icmpkit!(), &our_args);
        let theirs = as_nobody_with_ping_sockets("ping", args);
        assert_eq!(ours.status.code(), Some(2), "{args:?}: {ours:?}");
        assert_eq!(theirs.status.code(), Some(2), "{args:?}: {theirs:?}");
        assert_eq!(message(&ours, "icmpkit"), USER_FLOOD, "{args:?}");
        assert_eq!(message(&theirs, "ping"), USER_FLOOD, "{args:?}");
        assert_eq!(text(&theirs.stdout), LOOPBACK_HEADER, "{args:?}");
        assert_eq!(text(&ours.stdout), LOOPBACK_HEADER, "{args:?}");
    }
}

/// iputils ping is installed with `cap_net_raw+ep` and still refuses
/// intervals below 2 ms to anyone but root (its test is `getuid()`), after
/// its header; so do icmpkit and its `ping` link (in upstream's words).
/// A broadcast ping (-b) gets at most one probe a second, alike.
/// The message icmpkit prints itself recommends `setcap cap_net_raw+ep`.
#[test]
fn a_user_of_a_setcap_binary_gets_no_interval_below_2_ms() {
    if !require::root("a_user_of_a_setcap_binary_gets_no_interval_below_2_ms") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("icmpkit-setcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("icmpkit");
    std::fs::copy(icmpkit!(), &copy).unwrap();
    let as_nobody = |program: &str, args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .args(["timeout", "20", program])
            .args(args)
            .output()
            .expect("run setpriv")
    };
    let copy_text = copy.to_str().unwrap().to_owned();
    let link = dir.join("ping");
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    let link_text = link.to_str().unwrap().to_owned();
    let setcap = Command::new("setcap")
        .args(["cap_net_raw+ep", &copy_text])
        .status();
    // Each case: iputils 20221126's refusal (icmpkit's), upstream's (the
    // link's), and what comes before it on stdout.
    let cases: [(&[&str], &str, &str, &str); 3] = [
        (
            &["-c", "2", "-i", "0.001", "127.0.0.1"],
            USER_FLOOD,
            UPSTREAM_USER_FLOOD,
            LOOPBACK_HEADER,
        ),
        (
            &["-c", "2", "-f", "127.0.0.1"],
            USER_FLOOD,
            UPSTREAM_USER_FLOOD,
            LOOPBACK_HEADER,
        ),
        // -b makes any target a broadcast one: at most a probe a second,
        // refused before the header.
        (
            &["-b", "-c", "1", "-i", "0.5", "127.0.0.1"],
            "broadcast ping with too short interval: 500",
            "minimal interval for broadcast ping for user must be >= 1000 ms, use -i 1 (or higher)",
            "",
        ),
    ];
    let results: Vec<(Output, Output, Output)> = cases
        .iter()
        .map(|(args, ..)| {
            let our_args = with_subcommand("ping", args);
            (
                as_nobody(&copy_text, &our_args),
                as_nobody(&link_text, args),
                as_nobody("ping", args),
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(setcap.is_ok_and(|s| s.success()), "setcap failed");
    for ((ours, link, theirs), (args, words, upstream, stdout)) in results.iter().zip(cases) {
        assert_eq!(message(theirs, "ping"), words, "{args:?}");
        assert_eq!(text(&theirs.stdout), stdout, "{args:?}");
        assert_eq!(theirs.status.code(), Some(2), "{args:?}");
        assert_eq!(ours.status.code(), Some(2), "{}", text(&ours.stdout));
        assert_eq!(message(ours, "icmpkit"), words, "{args:?}");
        assert_eq!(text(&ours.stdout), stdout, "{args:?}");
        assert_eq!(link.status.code(), Some(2), "{args:?}");
        assert_eq!(message(link, &link_text), upstream, "{args:?}");
        assert_eq!(text(&link.stdout), stdout, "{args:?}");
    }
}

/// The host's `net.ipv4.ping_group_range` (read, never changed).
fn host_ping_group_range() -> (u64, u64) {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap();
    let mut numbers = range.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

#[test]
fn without_privileges_the_message_names_both_ways_out() {
    if !require::root("without_privileges_the_message_names_both_ways_out") {
        return;
    }
    let (low, high) = host_ping_group_range();
    if (low..=high).contains(&65534) {
        eprintln!(
            "skipped: the host's ping_group_range ({low} {high}) lets nobody use ping sockets"
        );
        return;
    }
    for args in [&["-c", "1", "127.0.0.1"][..], &["-6", "-c", "1", "::1"][..]] {
        let out = Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .args(["timeout", "20", icmpkit!(), "ping"])
            .args(args)
            .output()
            .expect("run setpriv");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_eq!(text(&out.stdout), "");
        let message = message(&out, "icmpkit");
        for needle in [
            "CAP_NET_RAW",
            "setcap cap_net_raw+ep",
            "net.ipv4.ping_group_range",
            &format!("is now \"{low} {high}\""),
        ] {
            assert!(
                message.contains(needle),
                "{needle:?} missing from {message:?}"
            );
        }
    }
}

/// Runs `program args` as root of a new user and network namespace with
/// loopback up and, when `ping_sockets`, `ping_group_range` "0 0" (the only
/// gid mapped there: "0 2147483647" is refused as it names unmapped gids).
fn in_user_netns(ping_sockets: bool, program: &str, args: &[&str]) -> Output {
    // A new network namespace starts with ping sockets off ("1 0").
    let sysctl = if ping_sockets {
        "sysctl -qw net.ipv4.ping_group_range='0 0' && "
    } else {
        ""
    };
    let script = format!("{sysctl}ip link set lo up && exec timeout 20 \"$@\"");
    Command::new("unshare")
        .args(["-rn", "sh", "-c", &script, "sh", program])
        .args(args)
        .output()
        .expect("run unshare -rn")
}

#[test]
fn ping_sockets_in_a_user_namespace_match_iputils() {
    let probe = in_user_netns(true, "true", &[]);
    if !probe.status.success() {
        require::skip(&format!(
            "no user namespaces here (unshare -rn: {})",
            text(&probe.stderr).trim_end()
        ));
        return;
    }
    for (ours, theirs) in [
        (
            &[
                "ping",
                "--socket",
                "dgram",
                "-c",
                "2",
                "-i",
                "0.2",
                "127.0.0.1",
            ][..],
            &["-c", "2", "-i", "0.2", "127.0.0.1"][..],
        ),
        (
            &[
                "ping", "--socket", "dgram", "-6", "-c", "2", "-i", "0.2", "::1",
            ][..],
            &["-6", "-c", "2", "-i", "0.2", "::1"][..],
        ),
    ] {
        let o = in_user_netns(true, icmpkit!(), ours);
        let t = in_user_netns(true, "ping", theirs);
        assert_eq!(o.status.code(), Some(0), "{ours:?}: {o:?}");
        assert_eq!(t.status.code(), Some(0), "{theirs:?}: {t:?}");
        let (o, t) = (text(&o.stdout), text(&t.stdout));
        assert_eq!(
            normalize_ping_times(&o),
            normalize_ping_times(&t),
            "--- ours:\n{o}--- iputils:\n{t}"
        );
        assert!(
            o.contains("2 packets transmitted, 2 received, 0% packet loss"),
            "{o}"
        );
    }
    // The control: with ping sockets off, --socket dgram really is refused
    // (so the runs above did use ping sockets, not raw ones).
    let off = in_user_netns(
        false,
        icmpkit!(),
        &["ping", "--socket", "dgram", "-c", "1", "127.0.0.1"],
    );
    assert_eq!(off.status.code(), Some(2), "{off:?}");
    let message = message(&off, "icmpkit");
    assert!(
        message.contains("datagram") && message.contains("ping_group_range"),
        "{message}"
    );
}

// ------------------------------------------------------------------- lab

/// Runs `program args` in the lab's client namespace, bounded by 20 s.
fn in_client(chain: &Lab, program: &str, args: &[&str]) -> Output {
    chain.run_bounded("client", 20, program, args)
}

fn ours_in_client(chain: &Lab, args: &[&str]) -> Output {
    let all = with_subcommand("ping", args);
    in_client(chain, icmpkit!(), &all)
}

/// `(transmitted, received)` from a summary.
fn counts(output: &str) -> (u64, u64) {
    let line = output
        .lines()
        .find(|l| l.contains(" packets transmitted, "))
        .unwrap_or_else(|| panic!("no summary in {output:?}"));
    let words: Vec<&str> = line.split(' ').collect();
    (words[0].parse().unwrap(), words[3].parse().unwrap())
}

/// A flood's output: the header line, the dots line, the rest.
fn flood_parts(output: &str) -> (&str, &str, &str) {
    let (header, rest) = output.split_once('\n').expect("a header line");
    let (dots, rest) = rest.split_once('\n').expect("a dots line");
    (header, dots, rest)
}

/// Dots left on screen by a line of sends (`.`) and replies (`\b \b`).
fn visible_dots(line: &str) -> usize {
    let erased = line.matches("\x08 \x08").count();
    let rest = line.replace("\x08 \x08", "");
    assert!(
        rest.chars().all(|c| c == '.' || c == 'E'),
        "unexpected bytes on the dots line: {rest:?}"
    );
    let drawn = line.matches('.').count();
    drawn.saturating_sub(erased)
}

#[test]
fn flood_draws_a_dot_per_unanswered_probe() {
    let Some(chain) = Lab::chain("flood_draws_a_dot_per_unanswered_probe", 1280) else {
        return;
    };
    let ours = ours_in_client(&chain, &["-f", "-c", "500", SERVER4]);
    let theirs = in_client(&chain, "ping", &["-f", "-c", "500", SERVER4]);
    assert_eq!(ours.status.code(), Some(0), "{ours:?}");
    assert_eq!(theirs.status.code(), Some(0));
    let (o, t) = (text(&ours.stdout), text(&theirs.stdout));
    let (header, dots, rest) = flood_parts(&o);
    assert_eq!(
        header,
        format!("PING {SERVER4} ({SERVER4}) 56(84) bytes of data.")
    );
    assert_eq!(header, flood_parts(&t).0);
    let (transmitted, received) = counts(rest);
    assert_eq!((transmitted, received), counts(&t));
    assert_eq!((transmitted, received), (500, 500));
    let visible = visible_dots(dots);
    assert!(visible <= 2, "{visible} dots left with no loss");
    // One dot drawn per probe sent, one erased per reply.
    assert_eq!(dots.matches('.').count(), 500);
    assert_eq!(dots.matches("\x08 \x08").count(), 500);
    assert!(rest.contains(&format!("--- {SERVER4} ping statistics ---\n")));
    assert!(rest.contains("500 packets transmitted, 500 received, 0% packet loss"));
    let rtt = rest
        .lines()
        .find(|l| l.starts_with("rtt "))
        .expect("an rtt line");
    assert!(
        rtt.starts_with("rtt min/avg/max/mdev = ") && rtt.contains(" ms, ipg/ewma "),
        "{rtt}"
    );
}

#[test]
fn flood_summary_follows_the_dots_as_in_iputils() {
    let Some(chain) = Lab::chain("flood_summary_follows_the_dots_as_in_iputils", 1280) else {
        return;
    };
    let ours = ours_in_client(&chain, &["-f", "-c", "50", SERVER4]);
    let theirs = in_client(&chain, "ping", &["-f", "-c", "50", SERVER4]);
    let theirs_rest = text(&theirs.stdout);
    let theirs_rest = flood_parts(&theirs_rest).2;
    assert!(theirs_rest.starts_with("--- "), "iputils: {theirs_rest:?}");
    let o = text(&ours.stdout);
    let rest = flood_parts(&o).2;
    assert!(
        rest.starts_with(&format!("--- {SERVER4} ping statistics ---\n")),
        "{rest:?}"
    );
}

/// Each reply's RTT is the kernel receive time (real-time clock) mapped
/// onto the monotonic clock of the send; a reply is never faster than 0.
#[test]
fn flood_rtts_are_never_zero() {
    let Some(chain) = Lab::chain("flood_rtts_are_never_zero", 1280) else {
        return;
    };
    let mut zero = Vec::new();
    for _ in 0..3 {
        let out = ours_in_client(&chain, &["--json", "-f", "-c", "3000", SERVER4]);
        assert_eq!(out.status.code(), Some(0));
        for line in text(&out.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["type"] == "reply" && v["rtt_ms"].as_f64() == Some(0.0) {
                zero.push(v["seq"].as_u64());
            }
        }
    }
    assert!(zero.is_empty(), "replies with RTT 0: seq {zero:?}");
}

/// Starts `program args` in the client namespace, sends SIGINT after
/// `after`, and returns its output (killed if it outlives 10 s more).
fn interrupt(chain: &Lab, program: &str, args: &[&str], after: Duration) -> Output {
    // `ip netns exec` execs the program: the pid is the program's.
    let child = Command::new("ip")
        .args(["netns", "exec", &chain.ns("client"), program])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn in the lab");
    std::thread::sleep(after);
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    let waiter = std::thread::spawn(move || child.wait_with_output());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !waiter.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !waiter.is_finished() {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT {pid}");
    waiter.join().unwrap().expect("wait")
}

#[test]
fn sigint_prints_the_summary() {
    let Some(chain) = Lab::chain("sigint_prints_the_summary", 1280) else {
        return;
    };
    let args = ["-i", "0.2", "-w", "15", SERVER4];
    let ours = interrupt(
        &chain,
        icmpkit!(),
        &["ping", "-i", "0.2", "-w", "15", SERVER4],
        Duration::from_millis(1100),
    );
    let theirs = interrupt(&chain, "ping", &args, Duration::from_millis(1100));
    for (who, out) in [("ours", &ours), ("iputils", &theirs)] {
        let o = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{who}: {out:?}");
        let (transmitted, received) = counts(&o);
        assert!((4..=8).contains(&transmitted), "{who}: {o}");
        assert_eq!(received, transmitted, "{who}: {o}");
        let summary = o
            .split_once(&format!("\n--- {SERVER4} ping statistics ---\n"))
            .unwrap_or_else(|| panic!("{who}: no summary block: {o}"))
            .1;
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(lines.len(), 2, "{who}: {summary}");
        assert!(
            lines[0].starts_with(&format!(
                "{transmitted} packets transmitted, {received} received, 0% packet loss, time "
            )),
            "{who}: {}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("rtt min/avg/max/mdev = "),
            "{who}: {}",
            lines[1]
        );
    }
}

/// The router copies each echo request to the server (nftables `dup`), so
/// the server answers every probe twice.
fn duplicate_requests(chain: &Lab) {
    chain.must("router", &["nft", "add", "table", "ip", "labdup"]);
    chain.must(
        "router",
        &[
            "nft",
            "add chain ip labdup pre { type filter hook prerouting priority 0; }",
        ],
    );
    chain.must(
        "router",
        &[
            "nft",
            "add",
            "rule",
            "ip",
            "labdup",
            "pre",
            "ip",
            "daddr",
            SERVER4,
            "icmp",
            "type",
            "echo-request",
            "dup",
            "to",
            SERVER4,
            "device",
            "r1",
        ],
    );
}

#[test]
fn duplicates_are_marked_and_counted() {
    let Some(chain) = Lab::chain("duplicates_are_marked_and_counted", 1280) else {
        return;
    };
    duplicate_requests(&chain);
    let args = ["-c", "3", "-i", "0.2", SERVER4];
    let ours = ours_in_client(&chain, &args);
    let theirs = in_client(&chain, "ping", &args);
    assert_eq!(ours.status.code(), Some(0), "{ours:?}");
    assert_eq!(theirs.status.code(), Some(0));
    let (o, t) = (text(&ours.stdout), text(&theirs.stdout));
    // The first two probes and their copies, line for line.
    let replies = |s: &str| {
        normalize_ping_times(s)
            .lines()
            .skip(1)
            .take(4)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(replies(&o), replies(&t), "--- ours:\n{o}--- iputils:\n{t}");
    for seq in [1, 2] {
        assert_eq!(
            replies(&o)[2 * (seq - 1) + 1],
            format!("64 bytes from {SERVER4}: icmp_seq={seq} ttl=63 time=T ms (DUP!)")
        );
    }
    let dups = o.lines().filter(|l| l.ends_with(" (DUP!)")).count();
    assert!(dups >= 2, "{o}");
    assert!(
        o.contains(&format!(
            "3 packets transmitted, 3 received, +{dups} duplicates, 0% packet loss"
        )),
        "{o}"
    );
}

#[test]
fn duplicates_match_iputils_line_for_line() {
    let Some(chain) = Lab::chain("duplicates_match_iputils_line_for_line", 1280) else {
        return;
    };
    duplicate_requests(&chain);
    let args = ["-c", "3", "-i", "0.2", SERVER4];
    let ours = ours_in_client(&chain, &args);
    let theirs = in_client(&chain, "ping", &args);
    let (o, t) = (text(&ours.stdout), text(&theirs.stdout));
    assert_eq!(
        normalize_ping_times(&o),
        normalize_ping_times(&t),
        "--- ours:\n{o}--- iputils:\n{t}"
    );
}
