//! `icmpkit mtr` in the traceroute lab of `lab/lib.sh` (`lab_trace`:
//! client - r1 - r2 - {r3a | r3b} - r4 - server), beside the real mtr
//! (`mtr -r`, Debian's mtr-tiny) run in the same lab at the same probe
//! rate. Every test prints both outputs, so a failure shows what each tool
//! saw. Every lab is built and removed by the guard
//! `icmpkit_lab::netns::Lab`.
//!
//! The lab's routers start without ICMP rate limits; a test gives a router
//! Linux's defaults back where it needs them. Most tests send r2's traffic
//! for the server through r3a alone ([`Lab::route_through`]), which makes
//! the lab the chain
//!
//! ```text
//! hop     1        2            3            4             5
//! client - r1 ----- r2 -------- r3a -------- r4 ---------- server
//!          192.0.2.254  203.0.113.2  203.0.113.6  203.0.113.14  198.51.100.2
//! ```
//!
//! - A, rate limiting: only r2 has Linux's default limits (1 Time Exceeded
//!   a second per source after a burst of 6) and mtr probes 5 rounds a
//!   second: mtr shows about 70 % loss at hop 2 where nothing is lost.
//! - B, real loss: r3a drops one in ten of the packets it forwards, both
//!   ways (nftables `numgen random`): hops 1 to 3 lose nothing, hop 4 and
//!   the server about 19 % (1 - 0.9², a probe or its answer).
//! - C, path changes mid-run (atomic route changes, so nothing is lost):
//!   r2 moves to r3b; the destination moves one hop further or nearer.
//! - D, the ECMP fork at r2 left as it is: `--flows 8` over UDP sees both
//!   branches at hop 3.
//! - E, no privilege: as a user without `CAP_NET_RAW` (and with no real mtr
//!   beside it), icmpkit probes with ICMP through a ping socket where
//!   `net.ipv4.ping_group_range` allows one, and says what is missing
//!   where nothing is allowed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::process::{Child, Command, Output};
use std::thread;
use std::time::Duration;

use icmpkit_lab::bin::{RunnableCopy, with_subcommand};
use icmpkit_lab::netns::{
    Branch, Lab, R1_4, R1_6, R2_4, R2_6, R3A_4, R3A_6, R3B_4, R4_4, R4_6, SERVER4, SERVER6,
    UNPRIVILEGED_ID,
};
use icmpkit_lab::{icmpkit, require, text};
use serde_json::Value;

/// Seconds after which any one run is killed.
const BOUND: u32 = 90;

/// A program started in the lab's client namespace, and how it was called;
/// stopped if dropped before [`Started::finish`] (a test that failed on
/// another run).
struct Started {
    command: String,
    child: Option<Child>,
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM, which `timeout` passes on to the program it runs.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

/// Starts `program args` in the client namespace.
fn start(lab: &Lab, program: &str, args: &[&str]) -> Started {
    Started {
        command: format!("{program} {}", args.join(" ")),
        child: Some(lab.spawn_bounded("client", BOUND, program, args)),
    }
}

/// Starts `icmpkit mtr ARGS` in the client namespace.
fn start_icmpkit(lab: &Lab, args: &[&str]) -> Started {
    let mut started = start(lab, icmpkit!(), &with_subcommand("mtr", args));
    started.command = format!("icmpkit mtr {}", args.join(" "));
    started
}

/// Starts the real `mtr ARGS` in the client namespace.
fn start_mtr(lab: &Lab, args: &[&str]) -> Started {
    start(lab, "mtr", args)
}

/// Starts `icmpkit mtr ARGS` in the client namespace as a user without
/// any privilege, from `icmpkit`, a copy that user may run.
fn start_unprivileged_icmpkit(lab: &Lab, icmpkit: &RunnableCopy, args: &[&str]) -> Started {
    let program = icmpkit.path();
    let program = program.to_str().expect("a UTF-8 temporary directory");
    Started {
        command: format!("icmpkit mtr {} (unprivileged)", args.join(" ")),
        child: Some(lab.spawn_unprivileged(
            "client",
            BOUND,
            program,
            &with_subcommand("mtr", args),
        )),
    }
}

/// Prints what `command` wrote.
fn print_output(command: &str, out: &Output) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    println!("--- {command} ({})\n{stdout}", out.status);
    if !stderr.is_empty() {
        println!("--- stderr of {command}\n{stderr}");
    }
}

impl Started {
    /// Waits for the program, prints what it wrote, asserts that it
    /// succeeded and returns its stdout.
    fn finish(mut self) -> String {
        let child = self.child.take().expect("started");
        let out = child.wait_with_output().expect("wait for the run");
        print_output(&self.command, &out);
        assert!(out.status.success(), "{}: {}", self.command, out.status);
        text(&out.stdout)
    }
}

/// Runs `icmpkit mtr ARGS` to its end.
fn icmpkit_mtr(lab: &Lab, args: &[&str]) -> String {
    start_icmpkit(lab, args).finish()
}

/// Runs the real `mtr ARGS` to its end.
fn real_mtr(lab: &Lab, args: &[&str]) -> String {
    start_mtr(lab, args).finish()
}

/// The lab for a test, and mtr; `None` when they are not here (the test
/// then passes, except under `CI=true`, where it fails).
fn lab(test: &str) -> Option<Lab> {
    let lab = Lab::trace(test, 1280)?;
    require::program("mtr").then_some(lab)
}

/// One hop of an mtr report.
#[derive(Debug, Clone, PartialEq)]
struct ReportHop {
    ttl: u8,
    /// The address on the hop's row and those on the lines under it.
    addresses: BTreeSet<IpAddr>,
    /// The `Loss%` column, in tenths of a percent (`71.7%`: 717).
    loss: u32,
    /// The width of the hop's row, in characters.
    width: usize,
}

/// An mtr report: the `Start:` line with its digits made 0, the header,
/// the hops, and the lines after the table (icmpkit's verdicts).
#[derive(Debug)]
struct Report {
    start: String,
    header: String,
    hops: Vec<ReportHop>,
    notes: Vec<String>,
}

/// Reads a report (`mtr -r`, `icmpkit mtr -r`).
fn report(output: &str) -> Report {
    let mut lines = output.lines();
    let start = lines
        .next()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    let header = lines.next().unwrap_or_default().to_owned();
    let mut hops: Vec<ReportHop> = Vec::new();
    let mut notes = Vec::new();
    let mut table = true;
    for line in lines {
        if line.is_empty() {
            table = false;
        } else if !table {
            notes.push(line.to_owned());
        } else if let Some((ttl, row)) = line.split_once(".|-- ") {
            let mut words = row.split_whitespace();
            let address: IpAddr = words.next().unwrap().parse().unwrap();
            let loss = words.next().unwrap().trim_end_matches('%').replace('.', "");
            hops.push(ReportHop {
                ttl: ttl.trim().parse().unwrap(),
                addresses: BTreeSet::from([address]),
                loss: loss.parse().unwrap(),
                width: line.chars().count(),
            });
        } else if let Ok(address) = line.trim().parse::<IpAddr>() {
            // Another address of the hop above: `        203.0.113.6`.
            assert!(line.starts_with("        "), "{line:?} in\n{output}");
            hops.last_mut().unwrap().addresses.insert(address);
        }
    }
    Report {
        start,
        header,
        hops,
        notes,
    }
}

/// Asserts that icmpkit's report has mtr's layout and hops: the same
/// `Start:` line (numbers aside), the same header, the same hops with the
/// same addresses, every row as wide as mtr's.
fn assert_same_hops(ours: &Report, theirs: &Report) {
    assert_eq!(ours.start, theirs.start);
    assert_eq!(ours.header, theirs.header);
    let addresses = |r: &Report| -> Vec<(u8, BTreeSet<IpAddr>)> {
        r.hops
            .iter()
            .map(|h| (h.ttl, h.addresses.clone()))
            .collect()
    };
    assert_eq!(addresses(ours), addresses(theirs));
    let widths = |r: &Report| -> Vec<usize> { r.hops.iter().map(|h| h.width).collect() };
    assert_eq!(widths(ours), widths(theirs));
}

/// The addresses of the chain through r3a, hop by hop.
fn chain(v6: bool) -> Vec<BTreeSet<IpAddr>> {
    let hops = if v6 {
        [R1_6, R2_6, R3A_6, R4_6, SERVER6]
    } else {
        [R1_4, R2_4, R3A_4, R4_4, SERVER4]
    };
    hops.iter().map(|a| BTreeSet::from([addr(a)])).collect()
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The hops (TTL and addresses) of a report.
fn report_path(r: &Report) -> Vec<BTreeSet<IpAddr>> {
    r.hops.iter().map(|h| h.addresses.clone()).collect()
}

/// The document of `icmpkit mtr --json`.
fn document(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|e| panic!("{e}: {output}"))
}

/// Hop `ttl` of a JSON document.
fn hop(doc: &Value, ttl: u8) -> &Value {
    doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["ttl"] == ttl)
        .unwrap_or_else(|| panic!("no hop {ttl} in {doc}"))
}

/// Every hop of a JSON document.
fn hops(doc: &Value) -> &Vec<Value> {
    doc["hops"].as_array().unwrap()
}

/// A hop's addresses with their counts.
fn addresses(hop: &Value) -> BTreeMap<IpAddr, u64> {
    hop["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                addr(a["address"].as_str().unwrap()),
                a["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A number of a JSON object.
/// Hop `ttl` of `doc` answered from exactly `want`, each address at least
/// once, their counts adding up to the hop's answers.
fn assert_hop_addresses(doc: &Value, ttl: u8, want: &BTreeSet<IpAddr>) {
    let h = hop(doc, ttl);
    let seen = addresses(h);
    assert_eq!(&seen.keys().copied().collect::<BTreeSet<_>>(), want, "{h}");
    assert!(seen.values().all(|&count| count > 0), "{h}");
    assert_eq!(seen.values().sum::<u64>(), h["received"], "{h}");
}

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {value}"))
}

/// Asserts that no hop of `doc` lost anything, by either figure, and that
/// none has a verdict of loss.
fn assert_nothing_lost(doc: &Value) {
    for hop in hops(doc) {
        assert_eq!(hop["loss_percent"], 0.0, "{hop}");
        assert_eq!(hop["real_loss_percent"], 0.0, "{hop}");
        assert_eq!(hop["received"], hop["sent"], "{hop}");
        assert_ne!(hop["verdict"]["kind"], "forward_loss", "{hop}");
        assert_ne!(hop["verdict"]["kind"], "rate_limited", "{hop}");
    }
}

/// Whether `doc` has an event with every field of `wanted`.
fn has_event(doc: &Value, wanted: &Value) -> bool {
    doc["events"].as_array().is_some_and(|events| {
        events.iter().any(|e| {
            wanted
                .as_object()
                .unwrap()
                .iter()
                .all(|(key, value)| &e[key] == value)
        })
    })
}

/// Scenario A, one family: the JSON run first, while r2's bucket for the
/// client is full; then icmpkit's report and mtr's, one after the other
/// (all three draw on the same bucket).
fn rate_limited_hop(lab: &Lab, v6: bool) {
    let (family, dst, r2) = if v6 {
        ("-6", SERVER6, R2_6)
    } else {
        ("-4", SERVER4, R2_4)
    };
    let args = ["-n", family, "-c", "60", "-i", "0.2"];
    let doc = document(&icmpkit_mtr(lab, &[&args[..], &["-j", dst]].concat()));
    let ours = report(&icmpkit_mtr(lab, &[&args[..], &["-r", dst]].concat()));
    let theirs = report(&real_mtr(lab, &[&args[..], &["-r", dst]].concat()));

    // mtr: loss at hop 2 only, though nothing is lost.
    assert_eq!(report_path(&theirs), chain(v6), "{theirs:?}");
    let mtr_loss: Vec<u32> = theirs.hops.iter().map(|h| h.loss).collect();
    assert!(mtr_loss[1] > 0, "{theirs:?}");
    assert_eq!(
        [mtr_loss[0], mtr_loss[2], mtr_loss[3], mtr_loss[4]],
        [0; 4],
        "{theirs:?}"
    );
    assert_same_hops(&ours, &theirs);

    // icmpkit: hop 2 limits its answers, nothing is lost past it.
    let limited = hop(&doc, 2);
    let verdict = &limited["verdict"];
    assert_eq!(verdict["kind"], "rate_limited", "{limited}");
    assert_eq!(limited["real_loss_percent"], 0.0, "{limited}");
    // Linux's bucket per source: 6 tokens, one back a second. At 5 probes
    // a second a full bucket answers 6 probes, and a 7th from the token
    // that came back meanwhile: a fit says a burst of 6 or 7, then 1/s.
    let burst = verdict["burst"].as_u64().unwrap();
    assert!((6..=7).contains(&burst), "{verdict}");
    assert!(
        (number(verdict, "per_second") - 1.0).abs() <= 0.25,
        "{verdict}"
    );
    for ttl in [1, 3, 4, 5] {
        let h = hop(&doc, ttl);
        assert_eq!(h["loss_percent"], 0.0, "{h}");
        assert_eq!(h["real_loss_percent"], 0.0, "{h}");
    }
    // The report says it under the table, for hop 2 alone.
    assert_eq!(ours.notes.len(), 1, "{:?}", ours.notes);
    let note = &ours.notes[0];
    let head = format!("  2. {r2}: rate-limited: about 1 answer/s after a burst of ");
    assert!(note.starts_with(&head), "{note}");
    assert!(note.ends_with("; nothing lost beyond this hop"), "{note}");
}

#[test]
fn a_rate_limited_hop_is_named_where_mtr_shows_loss() {
    let Some(lab) = lab("mtr rate limit") else {
        return;
    };
    lab.route_through(Branch::R3a);
    lab.icmp_default_limits("r2");
    // Each family has its own bucket at r2: both run at once.
    thread::scope(|s| {
        s.spawn(|| rate_limited_hop(&lab, true));
        rate_limited_hop(&lab, false);
    });
}

/// The band a loss percentage measured over `n` probes falls in when each
/// probe is lost with probability `p`: p ± 4 standard deviations of the
/// binomial proportion, in percent. By chance a measure falls outside
/// about 6 times in 100 000.
fn binomial_band(p: f64, n: u64) -> (f64, f64) {
    #[allow(clippy::cast_precision_loss)] // n is a few hundred
    let sigma = (p * (1.0 - p) / n as f64).sqrt();
    (100.0 * (p - 4.0 * sigma), 100.0 * (p + 4.0 * sigma))
}

#[test]
fn loss_past_r3_is_forward_loss_within_the_binomial_band() {
    let Some(lab) = lab("mtr forward loss") else {
        return;
    };
    if !require::program("nft") {
        return;
    }
    lab.route_through(Branch::R3a);
    lab.drop_forwarded("r3a", 10);
    // 400 rounds, 20 a second. A probe past r3a is lost when r3a drops it
    // or its answer: p = 1 - 0.9² = 0.19, and over 400 probes 4 standard
    // deviations are 7.8 points: 11.2 % to 26.8 %, which leaves out both
    // 0 and the 10 % of one way.
    let p = 1.0 - 0.9 * 0.9;
    let args = ["-n", "-c", "400", "-i", "0.05"];
    let json = start_icmpkit(&lab, &[&args[..], &["-j", SERVER4]].concat());
    let ours = start_icmpkit(&lab, &[&args[..], &["-r", SERVER4]].concat());
    let theirs = start_mtr(&lab, &[&args[..], &["-r", SERVER4]].concat());
    let (doc, ours, theirs) = (
        document(&json.finish()),
        report(&ours.finish()),
        report(&theirs.finish()),
    );
    let drops = lab.forward_drops("r3a");
    println!(
        "r3a dropped {} of the {} packets it was to forward",
        drops.dropped, drops.seen
    );

    // mtr sees the real loss too: none up to r3a, then about 19 %.
    assert_eq!(report_path(&theirs), chain(false), "{theirs:?}");
    assert_same_hops(&ours, &theirs);
    let (low, high) = binomial_band(p, 400);
    for (hop, mtr_hop) in hops(&doc).iter().zip(&theirs.hops) {
        let ttl = mtr_hop.ttl;
        assert_eq!(hop["ttl"], ttl, "{doc}");
        assert_eq!(hop["sent"], 400, "{hop}");
        if ttl <= 3 {
            assert_eq!(hop["loss_percent"], 0.0, "{hop}");
            assert_eq!(hop["real_loss_percent"], 0.0, "{hop}");
            assert_eq!(mtr_hop.loss, 0, "{mtr_hop:?}");
        } else {
            let loss = number(hop, "loss_percent");
            let real = number(hop, "real_loss_percent");
            let mtr_loss = f64::from(mtr_hop.loss) / 10.0;
            for figure in [loss, real, mtr_loss] {
                assert!((low..=high).contains(&figure), "{hop} {mtr_hop:?}");
            }
        }
        // The loss starts at hop 4, and only there.
        let kind = &hop["verdict"]["kind"];
        assert_eq!(kind == "forward_loss", ttl == 4, "{hop}");
        assert_ne!(kind, "rate_limited", "{hop}");
    }
    assert_eq!(hops(&doc).len(), 5, "{doc}");
    assert_eq!(ours.notes.len(), 1, "{:?}", ours.notes);
    let head = format!("  4. {R4_4}: loss starts here");
    assert!(ours.notes[0].starts_with(&head), "{:?}", ours.notes);
}

/// Starts icmpkit (JSON and report) and mtr side by side with `args` and
/// `dst`, makes `change` half way through their 12 seconds, and returns
/// icmpkit's document and both reports.
fn across_a_change(
    lab: &Lab,
    args: &[&str],
    dst: &str,
    change: impl FnOnce(),
) -> (Value, Report, Report) {
    let json = start_icmpkit(lab, &[args, &["-j", dst]].concat());
    let ours = start_icmpkit(lab, &[args, &["-r", dst]].concat());
    let theirs = start_mtr(lab, &[args, &["-r", dst]].concat());
    thread::sleep(Duration::from_secs(6));
    change();
    (
        document(&json.finish()),
        report(&ours.finish()),
        report(&theirs.finish()),
    )
}

#[test]
fn a_route_moved_to_the_other_branch_is_an_event_not_loss() {
    let Some(lab) = lab("mtr route moved") else {
        return;
    };
    lab.route_through(Branch::R3a);
    let args = ["-n", "-c", "60", "-i", "0.2"];
    let (doc, ours, theirs) = across_a_change(&lab, &args, SERVER4, || {
        lab.route_through(Branch::R3b);
    });

    let mut path = chain(false);
    path[2].insert(addr(R3B_4));
    assert_eq!(report_path(&theirs), path, "{theirs:?}");
    assert!(theirs.hops.iter().all(|h| h.loss == 0), "{theirs:?}");
    assert_same_hops(&ours, &theirs);
    assert!(ours.notes.is_empty(), "{:?}", ours.notes);

    assert_nothing_lost(&doc);
    assert_hop_addresses(&doc, 3, &path[2]);
    let moved = serde_json::json!({"kind": "new_address", "ttl": 3, "address": R3B_4});
    assert!(has_event(&doc, &moved), "{}", doc["events"]);
}

/// An address the server answers for, and r4 too while it holds it.
const MOVING: &str = "198.51.100.77";

/// Has r4 answer for [`MOVING`] itself (`true`: the destination is hop 4)
/// or forward it to the server (`false`: hop 5).
fn moving_on_r4(lab: &Lab, held: bool) {
    let host = format!("{MOVING}/32");
    let verb = if held { "add" } else { "del" };
    lab.must(
        "r4",
        &[
            "ip", "route", verb, "local", &host, "dev", "lo", "table", "local",
        ],
    );
}

#[test]
fn a_destination_one_hop_further_or_nearer_is_an_event_not_loss() {
    let Some(lab) = lab("mtr destination moved") else {
        return;
    };
    lab.route_through(Branch::R3a);
    let host = format!("{MOVING}/32");
    lab.must(
        "server",
        &["ip", "route", "add", "local", &host, "dev", "lo"],
    );
    lab.must("r4", &["ip", "route", "add", &host, "via", SERVER4]);
    let args = ["-n", "-c", "60", "-i", "0.2"];
    // r4 holds it first: one hop further (r4 lets go of it mid-run), then
    // one hop nearer (r4 takes it back).
    moving_on_r4(&lab, true);
    for (further, from, to) in [(true, 4, 5), (false, 5, 4)] {
        let (doc, ours, theirs) = across_a_change(&lab, &args, MOVING, || {
            moving_on_r4(&lab, !further);
        });

        // Hop 4 answered as r4 and as the destination; mtr shows a hop 5
        // only while the destination is there at the end.
        let mut path = chain(false);
        path[3].insert(addr(MOVING));
        path[4] = BTreeSet::from([addr(MOVING)]);
        if !further {
            path.truncate(4);
        }
        assert_eq!(report_path(&theirs), path, "{theirs:?}");
        assert!(theirs.hops.iter().all(|h| h.loss == 0), "{theirs:?}");
        assert_same_hops(&ours, &theirs);
        assert!(ours.notes.is_empty(), "{:?}", ours.notes);

        assert_nothing_lost(&doc);
        let fourth = addresses(hop(&doc, 4));
        assert_eq!(
            fourth.keys().copied().collect::<BTreeSet<_>>(),
            path[3],
            "{doc}"
        );
        let moved = serde_json::json!({"kind": "destination_moved", "from": from, "to": to});
        assert!(has_event(&doc, &moved), "{}", doc["events"]);
    }
}

#[test]
fn an_ecmp_fork_shows_both_branches_with_counts() {
    let Some(lab) = lab("mtr ecmp") else {
        return;
    };
    // r2's multipath route of the lab, hashed on the 5-tuple: UDP flows
    // with other ports may take the other branch (ICMP has no ports, one
    // branch for all). With this seed, of the source ports 40000 to 40007
    // (to port 33434) 40003, 40004 and 40006 go through r3b, the others
    // through r3a (measured with one UDP datagram of TTL 3 from each).
    lab.fix_hash_seed();
    let ours_args = [
        "-n", "-u", "-L", "40000", "--flows", "8", "-c", "30", "-i", "0.1",
    ];
    // mtr's UDP probes change ports probe by probe: both branches too.
    // It runs beside icmpkit's first run; icmpkit's two runs, from the
    // same ports, one after the other.
    let theirs = start_mtr(&lab, &["-n", "-u", "-c", "30", "-i", "0.1", "-r", SERVER4]);
    let doc = document(&icmpkit_mtr(
        &lab,
        &[&ours_args[..], &["-j", SERVER4]].concat(),
    ));
    let theirs = report(&theirs.finish());
    let ours = report(&icmpkit_mtr(
        &lab,
        &[&ours_args[..], &["-r", SERVER4]].concat(),
    ));

    let mut path = chain(false);
    path[2].insert(addr(R3B_4));
    assert_eq!(report_path(&theirs), path, "{theirs:?}");
    assert_same_hops(&ours, &theirs);

    assert_nothing_lost(&doc);
    assert_hop_addresses(&doc, 3, &path[2]);
}

/// The trace lab for a test run without privilege (no real mtr needed,
/// `setpriv` is); `None` when it is not here.
fn unprivileged_lab(test: &str) -> Option<Lab> {
    let lab = Lab::trace(test, 1280)?;
    require::program("setpriv").then_some(lab)
}

#[test]
fn an_unprivileged_mtr_sees_every_hop_through_a_ping_socket() {
    let Some(lab) = unprivileged_lab("mtr unprivileged") else {
        return;
    };
    lab.route_through(Branch::R3a);
    // Every group may open ping sockets in the client's namespace (the
    // setting is per namespace; the host's stays as it is).
    lab.allow_ping_sockets("client");
    let icmpkit = RunnableCopy::new(icmpkit!(), "ping-socket");

    // What runs as the unprivileged user holds no capability at all, so
    // no raw socket: hops 1 to 4 can only answer through the ping
    // socket's error queue.
    let status = lab.run_unprivileged(
        "client",
        BOUND,
        "grep",
        &[
            "-E",
            "^(Uid|Gid|Groups|CapPrm|CapEff|CapAmb):",
            "/proc/self/status",
        ],
    );
    let id = UNPRIVILEGED_ID;
    assert_eq!(
        text(&status.stdout),
        format!(
            "Uid:\t{id}\t{id}\t{id}\t{id}\nGid:\t{id}\t{id}\t{id}\t{id}\nGroups:\t \n\
             CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n"
        ),
        "{}",
        text(&status.stderr)
    );

    // Both families at once: the one sysctl opens ICMPv6 ping sockets too.
    // A router's Time Exceeded also leaves the ping socket a pending error
    // (`sk_err`), which a send made before the error queue is read fails
    // with: 100 rounds, 50 a second, so that a probe lost that way shows.
    let args = ["-n", "-j", "-c", "100", "-i", "0.02"];
    let v4 = start_unprivileged_icmpkit(&lab, &icmpkit, &[&args[..], &[SERVER4]].concat());
    let v6 = start_unprivileged_icmpkit(&lab, &icmpkit, &[&args[..], &[SERVER6]].concat());
    for (v6, run) in [(false, v4), (true, v6)] {
        let doc = document(&run.finish());
        let chain = chain(v6);
        assert_eq!(hops(&doc).len(), chain.len(), "{doc}");
        for (hop, expected) in hops(&doc).iter().zip(&chain) {
            assert_eq!(hop["sent"], 100, "{hop}");
            assert_eq!(hop["received"], 100, "{hop}");
            let every_one: BTreeMap<IpAddr, u64> = expected.iter().map(|&a| (a, 100)).collect();
            assert_eq!(addresses(hop), every_one, "{hop}");
        }
        assert_nothing_lost(&doc);
    }
}

/// Runs `icmpkit mtr ARGS` in the client namespace as a user without any
/// privilege, prints what it wrote and asserts that it failed with exit
/// status 2, printing nothing but its error; returns that error.
fn unprivileged_error(lab: &Lab, icmpkit: &RunnableCopy, args: &[&str]) -> String {
    let program = icmpkit.path();
    let program = program.to_str().expect("a UTF-8 temporary directory");
    let out = lab.run_unprivileged("client", BOUND, program, &with_subcommand("mtr", args));
    let command = format!("icmpkit mtr {} (unprivileged)", args.join(" "));
    print_output(&command, &out);
    assert_eq!(out.status.code(), Some(2), "{command}: {}", out.status);
    assert_eq!(text(&out.stdout), "", "{command}");
    text(&out.stderr)
}

#[test]
fn without_any_permission_mtr_names_the_fix() {
    let Some(lab) = unprivileged_lab("mtr no permission") else {
        return;
    };
    // No group may open ping sockets (a new namespace's default, set
    // here so that the test does not rest on it).
    lab.sysctl("client", "net.ipv4.ping_group_range=1 0");
    let icmpkit = RunnableCopy::new(icmpkit!(), "no-permission");
    let exe = icmpkit.path();
    let exe = exe.display();
    let raw = |family: &str| {
        format!(
            "cannot open a raw {family} socket: Operation not permitted (os error 1); raw \
             sockets need CAP_NET_RAW (run as root or `sudo setcap cap_net_raw+ep {exe}`)"
        )
    };

    // ICMP probes: neither socket, and both fixes named.
    for (family, dst) in [("ICMPv4", SERVER4), ("ICMPv6", SERVER6)] {
        let error = unprivileged_error(&lab, &icmpkit, &["-n", "-j", "-c", "1", dst]);
        assert_eq!(
            error,
            format!(
                "icmpkit: no raw socket ({}) and no ping socket (cannot open a datagram \
                 {family} socket: Permission denied (os error 13); ping sockets are off for \
                 this process's groups: `sudo sysctl -w \
                 net.ipv4.ping_group_range=\"0 2147483647\"`)\n",
                raw(family)
            )
        );
    }
    // UDP and TCP probes: raw sockets only, even where every group may
    // open ping sockets.
    lab.allow_ping_sockets("client");
    for method in ["-u", "-T"] {
        let error = unprivileged_error(&lab, &icmpkit, &["-n", method, "-j", "-c", "1", SERVER4]);
        assert_eq!(
            error,
            format!(
                "icmpkit: UDP and TCP probes need raw sockets (CAP_NET_RAW): {}\n",
                raw("ICMPv4")
            )
        );
    }
}

/// A tmux server of this test's own, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self {
            socket: format!("icmpkit-mtr-lab-{}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// The pane as text, once `ready` holds of it (at most 15 s).
    fn capture_when(&self, ready: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        for _ in 0..75 {
            screen = text(&self.run(&["capture-pane", "-p", "-t", "mtr"]).stdout);
            if ready(&screen) {
                break;
            }
            thread::sleep(Duration::from_millis(200));
        }
        screen
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn the_live_view_draws_the_lab_path_in_a_real_terminal() {
    let Some(lab) = lab("mtr live view") else {
        return;
    };
    if !require::program("tmux") {
        return;
    }
    lab.route_through(Branch::R3a);
    let tmux = Tmux::new();
    let command = format!(
        "ip netns exec {} timeout {BOUND} {} mtr -n -i 0.2 {SERVER4}",
        lab.ns("client"),
        icmpkit!()
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "mtr",
        "-x",
        "100",
        "-y",
        "20",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    let rows = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let (n, rest) = l.split_once(". ")?;
                n.parse::<u8>().ok()?;
                Some(format!("{n}. {}", rest.split_whitespace().next()?))
            })
            .collect()
    };
    let want: Vec<String> = chain(false)
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{}. {}", i + 1, a.first().expect("an address")))
        .collect();
    let table = tmux.capture_when(|s| rows(s) == want && s.contains("Real%"));
    println!("{table}");
    assert_eq!(rows(&table), want, "{table}");
    assert!(table.contains("My traceroute [icmpkit]"), "{table}");
    // d: the strip of rounds; q: the view ends and the pane with it.
    tmux.run(&["send-keys", "-t", "mtr", "d"]);
    let strip = tmux.capture_when(|s| s.contains("rounds"));
    println!("{strip}");
    assert!(strip.contains("rounds"), "{strip}");
    tmux.run(&["send-keys", "-t", "mtr", "q"]);
    let mut gone = false;
    for _ in 0..50 {
        if !tmux.run(&["has-session", "-t", "mtr"]).status.success() {
            gone = true;
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    assert!(gone, "q did not end the live view");
}
