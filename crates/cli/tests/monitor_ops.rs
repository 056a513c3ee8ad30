//! `icmpkit monitor` in operation, and given bad input: reloads (a bad
//! file refused by the file watcher, SIGHUP and `POST /-/reload`, the
//! running configuration kept; a good file taken in, edited in place or
//! replaced by rename), `--check-config`, the command line's mistakes, a
//! host name that does not resolve, a 10 MB target list, a full disk under
//! the history, and SIGTERM with the partial step written.
//!
//! The daemons ping loopback addresses (127.0.0.x), here or in a lab
//! namespace of their own; every wait is bounded. Tests that need root
//! (raw sockets, namespaces, a tmpfs) skip without it, and fail under
//! `CI=true`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use icmpkit_lab::http::{Endpoint, Listen};
use icmpkit_lab::icmpkit;
use icmpkit_lab::metrics::{Sample, parse_metrics, value};
use icmpkit_lab::netns::Lab;
use icmpkit_lab::server::{Scratch, Server, poll};
use serde_json::Value;

/// How long a reload may take to be seen: the watcher looks every 2 s and
/// takes a change in once it has settled (2 to 4 s after it), a
/// reload stops and starts the probers.
const RELOAD_WITHIN: Duration = Duration::from_secs(15);

/// A configuration of short steps (2 s, 10 pings) for `targets` (name,
/// host), history in `data`. Line 1 is `data_dir`, the first target's
/// `[[target]]` is line 7.
fn config(data: &Path, targets: &[(&str, &str)]) -> String {
    let mut text = format!(
        "data_dir = {:?}\n[defaults]\nstep = \"2s\"\npings = 10\ntimeout = \"500ms\"\n",
        data.display().to_string()
    );
    for (name, host) in targets {
        let _ = write!(text, "\n[[target]]\nname = {name:?}\nhost = {host:?}\n");
    }
    text
}

/// Starts `icmpkit monitor --config FILE` (FILE: `text` in a scratch
/// directory) at `endpoint`; ready when `/-/ready` answers.
fn start(endpoint: Endpoint, text: &str) -> (Server, PathBuf) {
    let scratch = Scratch::new("monitor-ops");
    let file = scratch.write("monitor.toml", text);
    let server = Server::monitor(scratch, endpoint, icmpkit!(), &file, "/-/ready");
    (server, file)
}

/// Replaces `file` as an editor that writes a new file and renames it
/// over the old one does.
fn replace_by_rename(file: &Path, text: &str) {
    let new = file.with_extension("toml.new");
    std::fs::write(&new, text).unwrap();
    std::fs::rename(&new, file).unwrap();
}

fn metrics(endpoint: &Endpoint) -> Vec<Sample> {
    parse_metrics(&endpoint.get_ok("/metrics")).unwrap()
}

/// A counter's or gauge's value, a whole number.
fn count(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<u64> {
    value(samples, name, labels).map(|v| {
        assert!(v >= 0.0 && v.fract() == 0.0, "{name} {labels:?}: {v}");
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a whole number, checked"
        )]
        let n = v as u64;
        n
    })
}

fn reloads(endpoint: &Endpoint, result: &str) -> u64 {
    count(
        &metrics(endpoint),
        "icmpkit_monitor_config_reloads_total",
        &[("result", result)],
    )
    .unwrap_or_else(|| panic!("no config_reloads_total{{result={result:?}}}"))
}

fn sent(samples: &[Sample], target: &str) -> Option<u64> {
    count(
        samples,
        "icmpkit_monitor_probes_sent_total",
        &[("target", target)],
    )
}

fn target_names(endpoint: &Endpoint) -> Vec<String> {
    let targets: Value = serde_json::from_str(&endpoint.get_ok("/api/targets")).unwrap();
    targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

fn wait_for_log(server: &Server, what: &str) {
    poll(RELOAD_WITHIN, &format!("{what:?} in the log"), || {
        server.stderr().contains(what).then_some(())
    });
}

/// Waits until `target` has sent more than `than` probes; the count.
fn wait_sent_above(endpoint: &Endpoint, target: &str, than: u64) -> u64 {
    poll(
        RELOAD_WITHIN,
        &format!("{target} sending more than {than}"),
        || sent(&metrics(endpoint), target).filter(|&n| n > than),
    )
}

#[test]
fn a_bad_file_is_refused_by_the_watcher_sighup_and_post_and_the_running_one_stays() {
    if !icmpkit_lab::require::root("a_bad_file_is_refused") {
        return;
    }
    let data = Scratch::new("history");
    let good = config(data.path(), &[("a", "127.0.0.2")]);
    let (daemon, file) = start(Listen::loopback().free_endpoint(), &good);
    let endpoint = daemon.endpoint().clone();
    wait_sent_above(&endpoint, "a", 0);
    assert_eq!(reloads(&endpoint, "failure"), 0);

    // Line 10, column 9: the value of `group`.
    let bad = format!("{good}group = \"cor\"\n");
    let located = format!(
        "{}:10:9: target \"a\", key `group`: no group named \"cor\": add a [[group]] with name = \"cor\"",
        file.display()
    );
    let logged = format!("error reload refused, the running configuration stays: {located}");
    replace_by_rename(&file, &bad);
    // The watcher sees the new file first.
    poll(RELOAD_WITHIN, "the watcher's refused reload", || {
        (reloads(&endpoint, "failure") == 1).then_some(())
    });
    wait_for_log(&daemon, &logged);

    assert!(daemon.signal("-HUP"));
    poll(RELOAD_WITHIN, "SIGHUP's refused reload", || {
        (reloads(&endpoint, "failure") == 2).then_some(())
    });
    assert_eq!(daemon.stderr().matches(&logged).count(), 2);

    let response = endpoint.post("/-/reload", "text/plain", b"");
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.text(), format!("{located}\n"));
    assert_eq!(reloads(&endpoint, "failure"), 3);
    assert_eq!(reloads(&endpoint, "success"), 0);

    // The old configuration runs on: `a` is still probed.
    assert_eq!(target_names(&endpoint), ["a"]);
    let before = sent(&metrics(&endpoint), "a").unwrap();
    wait_sent_above(&endpoint, "a", before);
    assert!(!daemon.stderr().contains("reloaded"), "{}", daemon.stderr());
}

#[test]
fn a_good_file_edited_in_place_or_renamed_over_is_taken_in_and_counters_carry_on() {
    if !icmpkit_lab::require::root("a_good_file_edited") {
        return;
    }
    let data = Scratch::new("history");
    let one = config(data.path(), &[("a", "127.0.0.2")]);
    let two = config(data.path(), &[("a", "127.0.0.2"), ("b", "127.0.0.3")]);
    let (daemon, file) = start(Listen::loopback().free_endpoint(), &one);
    let endpoint = daemon.endpoint().clone();
    let a_before = wait_sent_above(&endpoint, "a", 5);

    // In place, as `echo >>` or an editor that rewrites the file does.
    std::fs::write(&file, &two).unwrap();
    poll(RELOAD_WITHIN, "b in /api/targets", || {
        (target_names(&endpoint) == ["a", "b"]).then_some(())
    });
    wait_for_log(
        &daemon,
        "info reloaded: 2 targets in 1 groups, 0 alert rules",
    );
    wait_sent_above(&endpoint, "b", 0);
    let samples = metrics(&endpoint);
    let a_after = sent(&samples, "a").unwrap();
    assert!(
        a_after >= a_before,
        "a's counter went back from {a_before} to {a_after}: reset by the reload"
    );
    assert_eq!(count(&samples, "icmpkit_monitor_targets", &[]), Some(2));
    assert_eq!(reloads(&endpoint, "success"), 1);

    // Replaced by rename, b removed.
    replace_by_rename(&file, &one);
    poll(RELOAD_WITHIN, "b gone from /api/targets", || {
        (target_names(&endpoint) == ["a"]).then_some(())
    });
    let samples = metrics(&endpoint);
    assert_eq!(sent(&samples, "b"), None, "b still in /metrics");
    assert!(
        !samples
            .iter()
            .any(|s| s.labels.get("target").map(String::as_str) == Some("b")),
        "b still in /metrics"
    );
    assert!(sent(&samples, "a").unwrap() >= a_after);
    assert_eq!(count(&samples, "icmpkit_monitor_targets", &[]), Some(1));
    assert_eq!(reloads(&endpoint, "success"), 2);
    assert_eq!(reloads(&endpoint, "failure"), 0);
}

fn check_config(text: &str) -> (PathBuf, std::process::Output, Scratch) {
    let scratch = Scratch::new("check-config");
    let file = scratch.write("monitor.toml", text);
    let out = Command::new(icmpkit!())
        .args(["monitor", "--check-config"])
        .arg(&file)
        .output()
        .unwrap();
    (file, out, scratch)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_config_prints_the_summary_of_a_good_file_and_exits_0() {
    let (file, out, _scratch) = check_config(
        "listen = \"127.0.0.1:9999\"\ndata_dir = \"/var/tmp/h\"\n\
         [[group]]\nname = \"core\"\n\
         [[target]]\nhost = \"192.0.2.7\"\ngroup = \"core\"\n\
         [[target]]\nname = \"lan\"\nhost = \"10.0.0.0/29\"\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}: 7 targets in 2 groups, 0 alert rules, 0 receivers; listen 127.0.0.1:9999, history in /var/tmp/h\n",
            file.display()
        )
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn check_config_prints_the_located_error_of_a_bad_file_and_exits_2() {
    let cases = [
        (
            "[[target]]\nname = \"gw\"\nhost = \"10.0.0.1\"\ngroup = \"cor\"\n[[group]]\nname = \"core\"\n",
            "4:9: target \"gw\", key `group`: no group named \"cor\": did you mean \"core\"?",
        ),
        (
            "[defaults]\nstep = \"2.5s\"\n",
            "2:8: defaults, key `step`: 2s 500ms is not a whole number of seconds, at least one: \
             steps and history are counted in seconds; give \"2s\"",
        ),
        (
            "[[target]]\nname = \"a\"\nhost = \"127.0.0.1\"\nbogus = 3\n",
            "4:1: target \"a\", key `bogus`: unknown key `bogus`: valid keys are `name`, `host`, `group` and `labels`",
        ),
        (
            "[[target]\nhost = \"x\"\n",
            "1:10: unclosed array table, expected `]`",
        ),
    ];
    for (config, message) in cases {
        let (file, out, _scratch) = check_config(config);
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert_eq!(text(&out.stdout), "", "{config}");
        assert_eq!(
            text(&out.stderr),
            format!("icmpkit: {}:{message}\n", file.display()),
            "{config}"
        );
    }
}

#[test]
fn monitor_without_config_or_targets_says_what_to_give_and_exits_2() {
    let out = Command::new(icmpkit!()).arg("monitor").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "icmpkit: nothing to monitor: give --config FILE, or targets on the command line \
         (icmpkit monitor --help)\n"
    );
}

#[test]
fn monitor_with_config_and_targets_is_refused_by_clap() {
    let out = Command::new(icmpkit!())
        .args(["monitor", "--config", "x.toml", "127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: the argument '--config <FILE>' cannot be used with '[TARGET]...'\n\n\
         Usage: icmpkit monitor --config <FILE> [TARGET]...\n\n\
         For more information, try '--help'.\n"
    );
}

#[test]
fn a_host_name_that_does_not_resolve_is_shown_and_the_other_targets_run() {
    let Some(lab) = Lab::host("unresolved_host_name") else {
        return;
    };
    // Nothing leaves the namespace (loopback only); its resolver asks
    // 127.0.0.1, where no server listens, and its hosts file knows
    // only localhost.
    lab.etc_file(
        "host",
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    lab.etc_file("host", "hosts", "127.0.0.1 localhost\n");
    let data = Scratch::new("history");
    let text = config(
        data.path(),
        &[("ghost", "no-such-host.invalid"), ("a", "127.0.0.2")],
    );
    let (daemon, _file) = start(Listen::netns(lab.ns("host")).free_endpoint(), &text);
    let endpoint = daemon.endpoint().clone();
    wait_sent_above(&endpoint, "a", 0);

    let targets: Value = serde_json::from_str(&endpoint.get_ok("/api/targets")).unwrap();
    let ghost = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ghost")
        .expect("ghost in /api/targets")
        .clone();
    eprintln!("ghost: {ghost}");
    let problem = ghost["problem"].as_str().expect("ghost has a problem");
    assert!(
        problem.starts_with("no-such-host.invalid does not resolve (")
            && problem.ends_with("); tried again every minute"),
        "{problem}"
    );
    assert_eq!(ghost["status"], "problem");
    assert_eq!(ghost["ip"], Value::Null);
    assert_eq!(ghost["sent"], 0);
    let a = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "a")
        .unwrap();
    assert_eq!(a["problem"], Value::Null);

    let overview = endpoint.get_ok("/");
    let row = overview
        .split("<tr data-target=\"ghost\">")
        .nth(1)
        .expect("ghost's row on the overview")
        .split("</tr>")
        .next()
        .unwrap();
    eprintln!("ghost's row: {row}");
    assert!(
        row.contains("no-such-host.invalid does not resolve"),
        "{row}"
    );
    let page = endpoint.get_ok("/target/ghost");
    assert!(
        page.contains("no-such-host.invalid does not resolve"),
        "{page}"
    );
    let log = daemon.stderr();
    assert!(
        log.lines()
            .any(|l| l.contains(" warn no-such-host.invalid does not resolve (")),
        "{log}"
    );
}

/// `/proc/PID/status`'s `VmRSS` in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The targets of the 10 MB list.
const TARGETS: u32 = 100_000;

#[test]
fn a_10_mb_target_list_loads_and_is_served() {
    let Some(lab) = Lab::host("ten_megabyte_targets") else {
        return;
    };
    let data = Scratch::new("history");
    // One probe a target an hour: 28 a second over 127.1.0.0/15 in the
    // namespace's loopback.
    let mut text = format!(
        "data_dir = {:?}\n[defaults]\nstep = \"3600s\"\npings = 1\ntimeout = \"1s\"\n",
        data.path().display().to_string()
    );
    let padding = "x".repeat(40);
    for i in 0..TARGETS {
        let ip = format!("127.{}.{}.{}", 1 + i / 65_536, (i / 256) % 256, i % 256);
        let _ = write!(
            text,
            "\n[[target]]\nname = \"t{i:06}\"\nhost = \"{ip}\"\nlabels = {{ note = \"{padding}\" }}\n"
        );
    }
    assert!(text.len() >= 10_000_000, "{} bytes", text.len());
    eprintln!("config: {} bytes, {TARGETS} targets", text.len());

    let (_file, out, _scratch) = check_config(&text);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(": 100000 targets in 1 groups,"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let started = Instant::now();
    let (daemon, _file) = start(Listen::netns(lab.ns("host")).free_endpoint(), &text);
    eprintln!("ready after {:?}", started.elapsed());
    let endpoint = daemon.endpoint().clone();
    let targets: Value = serde_json::from_str(&endpoint.get_ok("/api/targets")).unwrap();
    let targets = targets.as_array().unwrap();
    assert_eq!(targets.len(), TARGETS as usize);
    assert_eq!(targets[0]["name"], "t000000");
    assert_eq!(targets[99_999]["ip"], "127.2.134.159");
    let one: Value = serde_json::from_str(&endpoint.get_ok("/api/targets/t054321")).unwrap();
    eprintln!("t054321: {one}");
    // Not /metrics: 49 lines a target (two histograms), 890 MB here,
    // more than a request's bound in a debug build.
    let pid = daemon.pid().unwrap();
    let rss = rss_kib(pid);
    eprintln!(
        "RSS with {TARGETS} targets: {rss} KiB ({} bytes a target)",
        rss * 1024 / u64::from(TARGETS)
    );
    // Sane: under 8 KiB a target. The aim, 1 KiB, is the bench's (no
    // labels); here each target's one label is a BTreeMap node of 544
    // bytes in each of three copies (configuration, alert board, live
    // state): about 4.7 KiB a target in all, 2 KiB without the labels.
    assert!(rss < 8 * u64::from(TARGETS), "{rss} KiB");
    assert!(
        daemon
            .stderr()
            .contains("info monitoring 100000 targets in 1 groups")
    );
}

/// Unix seconds now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// The raw steps of `target` in the history from `from` to now.
fn history(endpoint: &Endpoint, target: &str, from: i64) -> Vec<Value> {
    let body = endpoint.get_ok(&format!(
        "/api/targets/{target}/history?from={from}&to={}",
        now() + 1
    ));
    let v: Value = serde_json::from_str(&body).unwrap();
    v["points"].as_array().unwrap().clone()
}

#[test]
fn sigterm_stops_at_once_with_the_partial_step_written() {
    if !icmpkit_lab::require::root("sigterm_stops") {
        return;
    }
    let data = Scratch::new("history");
    // One step a minute, a ping a second: stopped a few seconds in, the
    // step is partial.
    let text = format!(
        "data_dir = {:?}\n[defaults]\nstep = \"60s\"\npings = 60\ntimeout = \"500ms\"\n\
         [[target]]\nname = \"a\"\nhost = \"127.0.0.2\"\n",
        data.path().display().to_string()
    );
    // Not in the last seconds of a minute: the step must stay open.
    while now() % 60 > 45 {
        std::thread::sleep(Duration::from_millis(500));
    }
    let from = now() - 60;
    let (mut daemon, _file) = start(Listen::loopback().free_endpoint(), &text);
    let endpoint = daemon.endpoint().clone();
    let seen = wait_sent_above(&endpoint, "a", 3);
    assert!(daemon.signal("-TERM"));
    let asked = Instant::now();
    let status = poll(Duration::from_secs(10), "the daemon's exit", || {
        daemon.exited()
    });
    eprintln!("exited {status} after {:?}", asked.elapsed());
    assert_eq!(status.code(), Some(0));
    let log = daemon.stderr();
    assert!(
        log.contains(" info stopping: writing the steps measured so far\n"),
        "{log}"
    );
    assert!(log.ends_with(" info stopped\n"), "{log}");
    assert!(!log.contains(" error "), "{log}");
    drop(daemon);

    let (daemon, _file) = start(Listen::loopback().free_endpoint(), &text);
    let points = history(daemon.endpoint(), "a", from);
    eprintln!("history after the restart: {points:?}");
    let partial: Vec<&Value> = points
        .iter()
        .filter(|p| p["sent"].as_u64().unwrap() < 60)
        .collect();
    assert_eq!(partial.len(), 1, "{points:?}");
    let sent = partial[0]["sent"].as_u64().unwrap();
    assert!(
        sent >= seen,
        "{sent} written, {seen} seen in /metrics before"
    );
    assert_eq!(partial[0]["lost"], 0);
}

/// A tmpfs mounted on a directory; unmounted when dropped.
struct Tmpfs {
    dir: Scratch,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = Scratch::new("tmpfs");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount tmpfs");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Fills the file system of `dir` with `dir/filler`.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0xa5u8; 64 * 1024];
    loop {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    // The last partial blocks too.
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    path
}

#[test]
fn a_full_disk_keeps_the_daemon_serving_and_the_held_steps_are_written_later() {
    if !icmpkit_lab::require::root("a_full_disk") {
        return;
    }
    let disk = Tmpfs::mount("8m");
    let data = disk.path().join("history");
    let text = config(&data, &[("a", "127.0.0.2")]);
    let (mut daemon, _file) = start(Listen::loopback().free_endpoint(), &text);
    let endpoint = daemon.endpoint().clone();
    let from = now() - 2;
    poll(RELOAD_WITHIN, "a first step in the history", || {
        (!history(&endpoint, "a", from).is_empty()).then_some(())
    });

    let filler = fill(disk.path());
    let full_from = now();
    let full = format!(
        "history: the disk holding the history {} is full",
        data.join("history.redb").display()
    );
    poll(
        Duration::from_secs(30),
        "the disk-full error in the log",
        || daemon.stderr().contains(&full).then_some(()),
    );
    // Still probing and serving.
    let during = sent(&metrics(&endpoint), "a").unwrap();
    wait_sent_above(&endpoint, "a", during);
    assert_eq!(daemon.exited(), None);
    // Some steps are held: a few more step periods on the full disk.
    std::thread::sleep(Duration::from_secs(6));
    let full_to = now();

    std::fs::remove_file(filler).unwrap();
    // Written with the next step; the history then covers the full spell.
    let points = poll(Duration::from_secs(20), "the held steps written", || {
        let points = history(&endpoint, "a", full_from);
        let starts: Vec<i64> = points
            .iter()
            .map(|p| p["start"].as_i64().unwrap())
            .collect();
        let covered = (full_from / 2 * 2 + 2..full_to - 2)
            .step_by(2)
            .all(|s| starts.contains(&s));
        covered.then_some(points)
    });
    eprintln!("{} steps since the disk filled", points.len());
    eprintln!("{}", daemon.stderr());
    assert_eq!(daemon.exited(), None);
}
