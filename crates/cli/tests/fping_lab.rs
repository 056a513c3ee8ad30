//! `icmpkit fping` beside fping 5 (`/usr/bin/fping`) in the lab chain of
//! `lab/lib.sh`: the server answers 10.200.0.0/20, the router blackholes
//! 10.200.1.0/24 (a silent target) and rejects 10.200.2.5 (admin
//! prohibited), nobody has `2001:db8:2::99`; `nosuch.invalid` is a name
//! that does not resolve (the client's resolver is its own loopback,
//! where nothing listens: no query leaves the lab). Both run with the
//! same options in the same namespace and must print the same lines on
//! the same streams, times aside, and exit alike.

use std::collections::BTreeSet;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use icmpkit_lab::bin::RunnableCopy;
use icmpkit_lab::netns::{Lab, SERVER4, SERVER6};
use icmpkit_lab::{icmpkit, require, text};

const LIVE: &str = "10.200.0.1";
const LIVE2: &str = "10.200.0.77";
const SILENT: &str = "10.200.1.1";
const REJECTED: &str = "10.200.2.5";
const UNKNOWN: &str = "nosuch.invalid";
/// On the server's link, with no one there: the router's neighbour
/// discovery fails, and it answers Address Unreachable.
const ABSENT6: &str = "2001:db8:2::99";

/// The lab with its losses and a resolver that answers nothing; `None`
/// when labs or fping are not available (the skip is printed).
struct FpingLab {
    lab: Lab,
    /// `/etc/netns/<client>`, which `ip netns exec` mounts over `/etc`.
    etc: std::path::PathBuf,
}

impl Drop for FpingLab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.etc);
    }
}

fn lab(test: &str) -> Option<FpingLab> {
    if !require::root(test) || !require::program("fping") {
        return None;
    }
    let lab = Lab::answering(test, "10.200.0.0/20")?;
    lab.must(
        "router",
        &["ip", "route", "add", "blackhole", "10.200.1.0/24"],
    );
    lab.must(
        "router",
        &[
            "iptables",
            "-I",
            "FORWARD",
            "-d",
            REJECTED,
            "-j",
            "REJECT",
            "--reject-with",
            "icmp-admin-prohibited",
        ],
    );
    let etc = std::path::Path::new("/etc/netns").join(lab.ns("client"));
    std::fs::create_dir_all(&etc).expect("/etc/netns/<client>");
    std::fs::write(etc.join("resolv.conf"), "nameserver 127.0.0.1\n").expect("resolv.conf");
    Some(FpingLab { lab, etc })
}

/// `program args` in the client namespace, started with pipes (our
/// binary as `icmpkit fping`).
fn spawn(lab: &FpingLab, ours: bool, args: &[&str]) -> Child {
    let mut command = Command::new("ip");
    command.args(["netns", "exec", &lab.lab.ns("client")]);
    if ours {
        command.arg(icmpkit!()).arg("fping");
    } else {
        command.arg("fping");
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start in the lab")
}

/// Waits for `child`, killing it after `seconds`.
fn finish(mut child: Child, seconds: u64) -> Output {
    let until = Instant::now() + Duration::from_secs(seconds);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// fping and ours with `args`, side by side.
fn both(lab: &FpingLab, args: &[&str]) -> (Output, Output) {
    let theirs = spawn(lab, false, args);
    let ours = spawn(lab, true, args);
    (finish(theirs, 30), finish(ours, 30))
}

/// Times (a number with one dot: RTTs, `-D` stamps, elapsed seconds)
/// as `T`; addresses keep their three dots.
fn times_aside(text: &str) -> String {
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if token.matches('.').count() == 1 && token.chars().any(|c| c.is_ascii_digit()) {
            out.push('T');
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// The lines of `text`, times aside, each target's in their order but
/// targets one after the other: which of two targets' lines 10 ms apart
/// comes first is up to the scheduler of a busy machine.
fn per_target(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = times_aside(text).lines().map(str::to_owned).collect();
    lines.sort_by_key(|l| {
        let l = l.strip_prefix("[T] ").unwrap_or(l);
        l.split_whitespace().next().unwrap_or("").to_owned()
    });
    lines
}

/// Asserts both printed the same lines on each stream, times aside, and
/// exited alike.
fn same(args: &[&str], theirs: &Output, ours: &Output) {
    let show = |o: &Output| {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            o.status.code(),
            text(&o.stdout),
            text(&o.stderr)
        )
    };
    let context = format!(
        "fping {}\n=== fping\n{}=== icmpkit fping\n{}",
        args.join(" "),
        show(theirs),
        show(ours)
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "exit codes\n{context}"
    );
    assert_eq!(
        per_target(&text(&ours.stdout)),
        per_target(&text(&theirs.stdout)),
        "stdout\n{context}"
    );
    assert_eq!(
        times_aside(&text(&ours.stderr)),
        times_aside(&text(&theirs.stderr)),
        "stderr\n{context}"
    );
}

fn compare(lab: &FpingLab, args: &[&str]) -> (Output, Output) {
    let (theirs, ours) = both(lab, args);
    same(args, &theirs, &ours);
    (theirs, ours)
}

#[test]
fn alive_and_unreachable_lists_elapsed_times_and_stats_match_fping() {
    let Some(lab) = lab("fping_alive_lists") else {
        return;
    };
    let targets = [LIVE, SILENT, UNKNOWN, SERVER4];
    let runs: [&[&str]; 6] = [&[], &["-a"], &["-u"], &["-e"], &["-a", "-e"], &["-s"]];
    for options in runs {
        let mut args = options.to_vec();
        args.extend_from_slice(&targets);
        let (_, ours) = compare(&lab, &args);
        assert_eq!(ours.status.code(), Some(2), "a name not found exits 2");
    }
    // Without the unknown name: 1 for a silent target, 0 when all answer.
    let (_, ours) = compare(&lab, &["-a", "-e", LIVE, SILENT]);
    assert_eq!(text(&ours.stdout).lines().count(), 1);
    assert_eq!(ours.status.code(), Some(1));
    // Names: -A shows addresses; -n and -d names from reverse lookups
    // (the hosts file names 127.0.0.1, the client's loopback; the lab's
    // addresses have none and are shown as addresses).
    compare(&lab, &["-A", "-e", "localhost", LIVE]);
    let (_, ours) = compare(&lab, &["-n", "127.0.0.1", LIVE]);
    assert!(text(&ours.stdout).starts_with("localhost is alive\n"));
    compare(&lab, &["-A", "-d", "-c", "1", "localhost", LIVE]);
    compare(&lab, &["-m", "-A", "-c", "1", "localhost"]);
    compare(&lab, &["-R", "-c", "2", "-p", "100", "-b", "100", LIVE]);
    // -x: the verdict on stdout decides the exit.
    let (_, ours) = compare(&lab, &["-x", "2", "-t", "100", LIVE, SILENT, LIVE2]);
    assert_eq!(ours.status.code(), Some(0));
    let (_, ours) = compare(&lab, &["-x", "3", "-t", "100", LIVE, SILENT, LIVE2]);
    assert_eq!(ours.status.code(), Some(1));
    let (_, ours) = compare(&lab, &["-s", "-q", LIVE, LIVE2]);
    assert_eq!(ours.status.code(), Some(0));
    assert!(text(&ours.stderr).contains("       2 alive\n"));
    // fping's default waits, 500 ms times 1.5 per resend, 3 resends:
    // the silent target is given up after about 4.06 s.
    let (theirs, ours) = compare(&lab, &["-s", SILENT]);
    let elapsed = |o: &Output| -> f64 {
        text(&o.stderr)
            .lines()
            .find(|l| l.ends_with("sec (elapsed real time)"))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .expect("elapsed")
    };
    assert!((elapsed(&ours) - elapsed(&theirs)).abs() < 0.3);
    assert!(text(&ours.stderr).contains("       4 ICMP Echos sent\n"));
}

#[test]
fn count_vcount_timestamps_and_icmp_errors_match_fping() {
    let Some(lab) = lab("fping_count") else {
        return;
    };
    let runs: [&[&str]; 8] = [
        &["-c", "3", "-p", "100", LIVE, SILENT, SERVER4],
        // fping shows no ICMPv6 error (nor counts one in -s).
        &["-c", "2", "-p", "100", "-s", SERVER6, ABSENT6, LIVE],
        &["-c", "1", "-H", "1", "-s", SERVER6, LIVE],
        &["-C", "3", "-p", "100", LIVE, SILENT],
        &["-C", "3", "-q", "-p", "100", LIVE, SILENT, LIVE2],
        &["-D", "-c", "2", "-p", "100", LIVE, SILENT],
        &["-c", "2", "-p", "100", "-o", "-s", LIVE, REJECTED],
        &["-c", "2", "-p", "100", "-q", REJECTED, LIVE],
    ];
    for args in runs {
        compare(&lab, args);
    }
    let (_, ours) = compare(&lab, &["-C", "2", "-q", "-p", "100", LIVE, SILENT]);
    let stderr = text(&ours.stderr);
    assert!(stderr.contains(&format!("{SILENT} : - -\n")), "{stderr}");
    let (_, ours) = compare(&lab, &["-c", "2", "-p", "100", LIVE, REJECTED]);
    assert!(text(&ours.stderr).contains(
        "ICMP Unreachable (Communication Administratively Prohibited) from 192.0.2.254 \
         for ICMP Echo sent to 10.200.2.5\n"
    ));
    let (_, ours) = compare(&lab, &["-D", "-c", "1", LIVE]);
    let stdout = text(&ours.stdout);
    assert!(
        stdout.starts_with('[') && stdout[1..].split_once("] ").is_some(),
        "{stdout}"
    );
}

#[test]
fn generated_targets_and_refusals_match_fping() {
    let Some(lab) = lab("fping_generate") else {
        return;
    };
    compare(&lab, &["-g", "10.200.0.0/29"]);
    compare(&lab, &["-a", "-g", "10.200.0.253", "10.200.1.2"]);
    compare(&lab, &["-u", "-g", "10.200.0.254/31"]);
    // A file of targets: the first word of a line, `#` lines and blank
    // lines skipped.
    let list = std::env::temp_dir().join(format!("icmpkit-fping-list-{}", std::process::id()));
    std::fs::write(
        &list,
        format!("{LIVE} first word only\n# {LIVE2}\n\n   {SILENT}\n{UNKNOWN}\n"),
    )
    .expect("a target list");
    let path = list.to_string_lossy().into_owned();
    let (_, ours) = compare(&lab, &["-e", "-t", "100", "-f", &path]);
    std::fs::remove_file(&list).expect("remove the list");
    assert_eq!(ours.status.code(), Some(2));
    assert_eq!(text(&ours.stdout).lines().count(), 2);
    // Refusals fping words itself: the same line, exit 1.
    for args in [
        &["-g", "10.0.0.0/33"][..],
        &["-g", "10.0.0.0/0"],
        &["-g", "::1/120"],
        &["-g", "10.0.0.1", "10.2.0.0"],
        &["-g", "a", "b"],
        &["-a", "-u", LIVE],
        &["-c", "2", "-l", LIVE],
        &["-4", "-6", LIVE],
        &["-B", "9", LIVE],
        &["-H", "300", LIVE],
        &["-b", "70000", LIVE],
        &["-6", LIVE],
    ] {
        compare(&lab, args);
    }
    // A range upside down generates nothing: exit 1, silently.
    compare(&lab, &["-g", "10.200.0.5", "10.200.0.1"]);
    // Bad values: fping prints its usage, icmpkit names the fix; both exit 1.
    for args in [
        &["-c", "0", LIVE][..],
        &["-t", "-1", LIVE],
        &["-g", LIVE],
        &["-f", "/etc/hostname", LIVE],
    ] {
        let (theirs, ours) = both(&lab, args);
        assert_eq!(ours.status.code(), Some(1), "{}", text(&ours.stderr));
        assert_eq!(theirs.status.code(), Some(1));
        assert!(text(&ours.stderr).starts_with("fping: "));
    }
    // A file that cannot be opened: a failed system call, exit 4.
    let (theirs, ours) = both(&lab, &["-f", "/no/such/list"]);
    assert_eq!(
        (ours.status.code(), theirs.status.code()),
        (Some(4), Some(4))
    );
}

/// Sends `signal` to each child (ours, by process id: `ip netns exec`
/// became the program).
fn signal(children: &[&Child], signal: &str) {
    for child in children {
        let out = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .output()
            .expect("kill");
        assert!(out.status.success());
    }
}

/// Every number as `N` and spaces collapsed (numbers pad columns): loops
/// stopped by a signal differ in counts.
fn shapes(bytes: &[u8]) -> BTreeSet<String> {
    text(bytes)
        .lines()
        .map(|l| {
            let mut s = String::new();
            for c in times_aside(l).chars() {
                if c.is_ascii_digit() {
                    if !s.ends_with('N') {
                        s.push('N');
                    }
                } else if c == ' ' {
                    if !s.ends_with(' ') {
                        s.push(' ');
                    }
                } else {
                    s.push(c);
                }
            }
            s.trim().to_owned()
        })
        .collect()
}

#[test]
fn a_loop_prints_splits_on_sigquit_and_its_summary_on_sigint_like_fping() {
    let Some(lab) = lab("fping_loop") else {
        return;
    };
    for args in [
        &["-l", "-p", "300", LIVE, SILENT][..],
        &["-l", "-D", "-p", "300", "-s", LIVE],
        &["-l", "-Q", "1", "-p", "300", LIVE, SILENT],
    ] {
        let theirs = spawn(&lab, false, args);
        let ours = spawn(&lab, true, args);
        std::thread::sleep(Duration::from_millis(1500));
        signal(&[&theirs, &ours], "QUIT");
        std::thread::sleep(Duration::from_millis(1200));
        signal(&[&theirs, &ours], "INT");
        let (theirs, ours) = (finish(theirs, 10), finish(ours, 10));
        let context = format!(
            "fping {}\n=== fping\n{}{}=== icmpkit fping\n{}{}",
            args.join(" "),
            text(&theirs.stdout),
            text(&theirs.stderr),
            text(&ours.stdout),
            text(&ours.stderr)
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{context}");
        assert_eq!(shapes(&ours.stdout), shapes(&theirs.stdout), "{context}");
        assert_eq!(shapes(&ours.stderr), shapes(&theirs.stderr), "{context}");
        let err = text(&ours.stderr);
        assert!(
            err.lines()
                .any(|l| l.len() == 10 && l.starts_with('[') && l.ends_with(']')),
            "a split's clock: {context}"
        );
        if !args.contains(&"-Q") {
            assert!(
                text(&ours.stdout).lines().count() >= 8,
                "a line per probe: {context}"
            );
        }
    }
}

#[test]
fn without_privileges_on_ping_sockets_the_lines_are_fpings() {
    let Some(lab) = lab("fping_unprivileged") else {
        return;
    };
    lab.lab.allow_ping_sockets("client");
    let icmpkit = RunnableCopy::new(icmpkit!(), "fping-unprivileged");
    let binary = icmpkit.path().to_string_lossy().into_owned();
    for options in [
        &["-c", "2", "-p", "100", LIVE, SILENT, SERVER6][..],
        &["-a", "-e", "-t", "100", LIVE, SILENT],
        &["-C", "2", "-q", "-p", "100", LIVE, SILENT],
    ] {
        // fping as root (its own binary will not run without its file
        // capability), ours as a user without any.
        let theirs = finish(spawn(&lab, false, options), 30);
        let mut args = vec!["fping"];
        args.extend_from_slice(options);
        let ours = lab.lab.run_unprivileged("client", 30, &binary, &args);
        same(options, &theirs, &ours);
    }
}
