//! `icmpkit monitor` beside `smokeping_prober` and `blackbox_exporter` in
//! the monitoring lab, on the same targets (clean, lossy, dead; IPv4 and
//! IPv6), at the same pace (one echo request a second per target):
//!
//! - icmpkit in `agent`, `smokeping_prober` in `agent2`, `blackbox_exporter`
//!   in the router (one probe per request, driven by the test; one hop
//!   nearer the targets than the agents);
//! - the lossy target drops one echo request in ten at random, whoever sent
//!   it; the test gives each sender its own chain there (by source address,
//!   the same `numgen random mod 10 0` rule, counted), so each prober's loss
//!   is compared with the drops of its own packets;
//! - loss: clean none, dead all, lossy what the lab dropped of that
//!   prober's requests; the slack is the probes that may be unanswered and
//!   not yet timed out at the moment of reading (stated where asserted);
//! - RTT: the medians (icmpkit's and `smokeping_prober`'s histograms, which
//!   have the same buckets, interpolated as `histogram_quantile` does;
//!   `blackbox_exporter`'s probes' own) all under 5 ms and within 1 ms of
//!   each other. On veth the wire takes microseconds; what a prober adds is
//!   its own wake-up (tokio, Go's runtime) on a loaded host, well under a
//!   millisecond at the median, so 1 ms apart is a difference in method, not
//!   noise, and 5 ms is a prober that is not measuring the lab.

#![allow(clippy::float_cmp)] // counters, whole numbers: compared exactly

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_lab::http::Listen;
use icmpkit_lab::metrics::{Sample, matching, parse_metrics, sum};
use icmpkit_lab::netns::{AGENT2_4, AGENT2_6, AGENT4, AGENT6, Lab, MonitorTarget};
use icmpkit_lab::peers::blackbox::BlackboxExporter;
use icmpkit_lab::peers::smokeping::SmokepingProber;
use icmpkit_lab::server::{Scratch, Server};
use icmpkit_lab::{icmpkit, require, text};

/// The router's addresses toward the targets: `blackbox_exporter`'s
/// sources there.
const ROUTER_TARGETS4: &str = "198.51.100.1";
const ROUTER_TARGETS6: &str = "2001:db8:2::1";

const TARGETS: [MonitorTarget; 3] = [
    MonitorTarget::Clean,
    MonitorTarget::Lossy,
    MonitorTarget::Dead,
];

/// How long both daemons ping before the figures are read.
const RUN: Duration = Duration::from_secs(45);

/// The probes a prober pinging once a second with a 1 s timeout may have
/// sent and not yet resolved when its figures are read (the one in its
/// timeout, the next just sent), plus one sent between two readings.
const UNRESOLVED: f64 = 3.0;

/// Median RTTs may differ by this much (see the module's doc).
const RTT_BAND: f64 = 0.001;
/// And none may be above this.
const RTT_CEILING: f64 = 0.005;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn addr(self, target: MonitorTarget) -> &'static str {
        match self {
            Family::V4 => target.v4(),
            Family::V6 => target.v6(),
        }
    }

    /// icmpkit's name for the target in this family.
    fn name(self, target: MonitorTarget) -> String {
        match self {
            Family::V4 => target.name().to_owned(),
            Family::V6 => format!("{}6", target.name()),
        }
    }

    fn module(self) -> &'static str {
        match self {
            Family::V4 => "icmp",
            Family::V6 => "icmp6",
        }
    }
}

const FAMILIES: [Family; 2] = [Family::V4, Family::V6];

/// Each sender's own lossy chain in the targets' namespace: `lossy` sends
/// packets from `source` to chain `name` (counted, one in ten dropped at
/// random), before its own rules.
fn split_lossy_by_sender(lab: &Lab, senders: &[(&str, &str)]) {
    for (chain, source) in senders {
        let family = if source.contains(':') { "ip6" } else { "ip" };
        let rules = [
            format!("add chain inet lab {chain}"),
            format!("add rule inet lab {chain} counter"),
            format!("add rule inet lab {chain} numgen random mod 10 0 counter drop"),
            format!("insert rule inet lab lossy {family} saddr {source} goto {chain}"),
        ];
        for rule in rules {
            let mut args = vec!["nft"];
            args.extend(rule.split(' '));
            lab.must("targets", &args);
        }
    }
}

/// What chain `chain` saw and dropped so far.
fn chain_counts(lab: &Lab, chain: &str) -> (f64, f64) {
    let out = lab.exec("targets", &["nft", "list", "chain", "inet", "lab", chain]);
    assert!(out.status.success(), "nft list chain {chain}");
    let counts: Vec<f64> = text(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (_, after) = line.split_once("counter packets ")?;
            after.split_whitespace().next()?.parse().ok()
        })
        .collect();
    assert_eq!(counts.len(), 2, "{}", text(&out.stdout));
    (counts[0], counts[1])
}

/// The monitor's configuration: the three targets in both families, one
/// echo request a second (step 10 s, 10 pings), timeout 1 s.
fn monitor_config(data_dir: &std::path::Path) -> String {
    let mut toml = format!(
        "agent = \"lab-a\"\ndata_dir = {:?}\n\n[defaults]\nstep = \"10s\"\npings = 10\n\
         timeout = \"1s\"\n",
        data_dir.display().to_string()
    );
    for family in FAMILIES {
        for target in TARGETS {
            let _ = write!(
                toml,
                "\n[[target]]\nname = {:?}\nhost = {:?}\n",
                family.name(target),
                family.addr(target)
            );
        }
    }
    toml
}

/// The median of a cumulative histogram (`<name>_bucket` samples with
/// `le`), interpolated within its bucket as `histogram_quantile` does.
fn histogram_median(samples: &[Sample], bucket: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut buckets: Vec<(f64, f64)> = matching(samples, bucket, labels)
        .map(|s| {
            let le = s.labels["le"].parse::<f64>().expect("le");
            (le, s.value)
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last()?.1;
    if total == 0.0 {
        return None;
    }
    let rank = total / 2.0;
    let mut below = (0.0, 0.0);
    for (le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                return Some(below.0);
            }
            let (lower, seen) = below;
            return Some(lower + (le - lower) * (rank - seen) / (count - seen));
        }
        below = (le, count);
    }
    None
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            values[n / 2]
        } else {
            f64::midpoint(values[n / 2 - 1], values[n / 2])
        }
    })
}

/// `blackbox_exporter`'s probes of one target: (successes, RTTs).
struct Probed {
    tries: u32,
    rtts: Vec<f64>,
}

#[test]
fn icmpkit_smokeping_prober_and_blackbox_exporter_agree_on_loss_and_rtt() {
    let test = "monitor_peers";
    if !require::root(test)
        || !require::program(icmpkit_lab::peers::smokeping::PROGRAM)
        || !require::program(icmpkit_lab::peers::blackbox::PROGRAM)
    {
        return;
    }
    let Some(lab) = Lab::monitor(test) else {
        return;
    };
    split_lossy_by_sender(
        &lab,
        &[
            ("icmpkit4", AGENT4),
            ("icmpkit6", AGENT6),
            ("smokeping4", AGENT2_4),
            ("smokeping6", AGENT2_6),
            ("blackbox4", ROUTER_TARGETS4),
            ("blackbox6", ROUTER_TARGETS6),
        ],
    );

    let data = Scratch::new("history");
    let scratch = Scratch::new("icmpkit-monitor");
    let config = scratch.write("monitor.toml", &monitor_config(data.path()));
    let endpoint = Listen::at(lab.ns("agent"), AGENT4.parse::<IpAddr>().unwrap()).free_endpoint();
    let daemon = Server::monitor(scratch, endpoint, icmpkit!(), &config, "/metrics");

    let hosts: Vec<&str> = FAMILIES
        .iter()
        .flat_map(|f| TARGETS.iter().map(|t| f.addr(*t)))
        .collect();
    let Some(smokeping) = SmokepingProber::start(
        &Listen::netns(lab.ns("agent2")),
        &hosts,
        Duration::from_secs(1),
    ) else {
        return;
    };
    let Some(blackbox) = BlackboxExporter::start(&Listen::netns(lab.ns("router"))) else {
        return;
    };

    // blackbox_exporter meanwhile, one probe after another: 20 of each
    // answering target and family, 2 of the dead one (2 s timeout each).
    let started = Instant::now();
    let mut probed = Vec::new();
    for family in FAMILIES {
        for target in TARGETS {
            let tries = if target == MonitorTarget::Dead { 2 } else { 20 };
            let rtts = (0..tries)
                .filter_map(|_| blackbox.rtt(family.module(), family.addr(target)))
                .map(|d| d.as_secs_f64())
                .collect();
            probed.push((family, target, Probed { tries, rtts }));
        }
    }
    let blackbox_took = started.elapsed();
    if let Some(rest) = RUN.checked_sub(started.elapsed()) {
        std::thread::sleep(rest);
    }

    // The figures: each prober's first, then the lab's counters.
    let ours = parse_metrics(&daemon.endpoint().get_ok("/metrics")).expect("icmpkit /metrics");
    let theirs = smokeping.metrics();
    let lab_counts: Vec<(String, (f64, f64))> = [
        "icmpkit4",
        "icmpkit6",
        "smokeping4",
        "smokeping6",
        "blackbox4",
        "blackbox6",
    ]
    .iter()
    .map(|c| ((*c).to_owned(), chain_counts(&lab, c)))
    .collect();
    let lab_of = |chain: String| {
        lab_counts
            .iter()
            .find(|(c, _)| *c == chain)
            .map(|(_, counts)| *counts)
            .expect("chain")
    };
    eprintln!("blackbox_exporter's probes took {blackbox_took:?}");

    let mut rtt_medians = Vec::new();
    for (family, target, probe) in &probed {
        let (family, target) = (*family, *target);
        let name = family.name(target);
        let addr = family.addr(target);
        let sent = sum(
            &ours,
            "icmpkit_monitor_probes_sent_total",
            &[("target", &name)],
        );
        let received = sum(
            &ours,
            "icmpkit_monitor_probes_received_total",
            &[("target", &name)],
        );
        let requests = sum(&theirs, "smokeping_requests_total", &[("host", addr)]);
        let responses = sum(
            &theirs,
            "smokeping_response_duration_seconds_count",
            &[("host", addr)],
        );
        let answered = u32::try_from(probe.rtts.len()).expect("a few probes");
        eprintln!(
            "{name} ({addr}): icmpkit {received}/{sent} answered ({:.1} % lost), \
             smokeping_prober {responses}/{requests} ({:.1} %), blackbox_exporter {answered}/{}",
            100.0 * (sent - received) / sent,
            100.0 * (requests - responses) / requests,
            probe.tries
        );
        assert!(sent >= 30.0 && requests >= 30.0, "{name}: too few probes");
        match target {
            MonitorTarget::Clean => {
                assert_eq!(received, sent, "icmpkit lost echoes of {name}");
                // smokeping_prober counts a request as it sends it: one
                // or two ahead of the replies at 1 s (measured: 2 for the
                // first host, 1 for the others).
                assert!(
                    (0.0..=UNRESOLVED).contains(&(requests - responses)),
                    "smokeping_prober lost echoes of {name}: {responses}/{requests}"
                );
                assert_eq!(answered, probe.tries, "blackbox_exporter lost {name}");
            }
            MonitorTarget::Dead => {
                assert_eq!(received, 0.0, "icmpkit: replies from {name}");
                assert_eq!(responses, 0.0, "smokeping_prober: replies from {name}");
                assert_eq!(answered, 0, "blackbox_exporter: replies from {name}");
            }
            MonitorTarget::Lossy => {
                let suffix = if family == Family::V4 { "4" } else { "6" };
                let (seen, dropped) = lab_of(format!("icmpkit{suffix}"));
                let lost = sent - received;
                eprintln!(
                    "  lab: icmpkit's {dropped}/{seen} dropped ({:.1} %), lost as icmpkit \
                     counts {lost}",
                    100.0 * dropped / seen
                );
                // Read before the lab's counters: every loss icmpkit
                // counted was a drop; drops not yet counted are probes
                // still in their timeout.
                assert!(
                    sent <= seen && seen - sent <= UNRESOLVED,
                    "icmpkit sent {sent}, the lab saw {seen}"
                );
                assert!(
                    lost <= dropped && dropped - lost <= UNRESOLVED,
                    "icmpkit lost {lost}, the lab dropped {dropped} of its {seen}"
                );
                let (seen, dropped) = lab_of(format!("smokeping{suffix}"));
                let missing = requests - responses;
                eprintln!(
                    "  lab: smokeping_prober's {dropped}/{seen} dropped ({:.1} %), \
                     requests - responses {missing}",
                    100.0 * dropped / seen
                );
                assert!(
                    (requests - seen).abs() <= UNRESOLVED,
                    "smokeping_prober sent {requests}, the lab saw {seen}"
                );
                assert!(
                    (missing - dropped).abs() <= UNRESOLVED,
                    "smokeping_prober misses {missing} replies, the lab dropped {dropped}"
                );
                // One echo request per probe, each awaited: nothing in
                // flight, the count is exact.
                let (seen, dropped) = lab_of(format!("blackbox{suffix}"));
                eprintln!(
                    "  lab: blackbox_exporter's {dropped}/{seen} dropped, {} probes failed",
                    probe.tries - answered
                );
                assert_eq!(seen, f64::from(probe.tries), "blackbox_exporter's requests");
                assert_eq!(
                    dropped,
                    f64::from(probe.tries - answered),
                    "blackbox_exporter's failed probes"
                );
            }
            MonitorTarget::Moving => unreachable!(),
        }
        if target != MonitorTarget::Dead {
            let icmpkit_median = histogram_median(
                &ours,
                "smokeping_response_duration_seconds_bucket",
                &[("target", &name)],
            )
            .expect("icmpkit RTTs");
            let smokeping_median = histogram_median(
                &theirs,
                "smokeping_response_duration_seconds_bucket",
                &[("host", addr)],
            )
            .expect("smokeping_prober RTTs");
            let blackbox_median = median(probe.rtts.clone()).expect("blackbox_exporter RTTs");
            let step_median = sum(
                &ours,
                "icmpkit_monitor_step_rtt_median_seconds",
                &[("target", &name)],
            );
            eprintln!(
                "  median RTT: icmpkit {:.0} µs (last step {:.0} µs), smokeping_prober {:.0} µs, \
                 blackbox_exporter {:.0} µs",
                icmpkit_median * 1e6,
                step_median * 1e6,
                smokeping_median * 1e6,
                blackbox_median * 1e6
            );
            rtt_medians.push((name, icmpkit_median, smokeping_median, blackbox_median));
        }
    }
    // smokeping_prober's dashboards read icmpkit's series alike: the same
    // names, the same `host` and `ip` labels, the same buckets.
    for (family, target, _) in &probed {
        let addr = family.addr(*target);
        let les = |samples: &[Sample]| {
            let mut les: Vec<f64> = matching(
                samples,
                "smokeping_response_duration_seconds_bucket",
                &[("host", addr), ("ip", addr)],
            )
            .map(|s| s.labels["le"].parse::<f64>().expect("le"))
            .collect();
            les.sort_by(f64::total_cmp);
            les
        };
        let (a, b) = (les(&ours), les(&theirs));
        assert!(!a.is_empty(), "icmpkit: no buckets for host {addr}");
        assert_eq!(a, b, "{addr}: the buckets of icmpkit, smokeping_prober");
        for name in [
            "smokeping_requests_total",
            "smokeping_response_duration_seconds_count",
            "smokeping_response_duration_seconds_sum",
        ] {
            let labels = [("host", addr), ("ip", addr)];
            assert_eq!(
                matching(&ours, name, &labels).count(),
                1,
                "icmpkit {name} {addr}"
            );
            assert_eq!(
                matching(&theirs, name, &labels).count(),
                1,
                "smokeping_prober {name} {addr}"
            );
        }
    }
    let log = daemon.stderr();
    assert!(
        !log.contains(" warn ") && !log.contains(" error "),
        "icmpkit monitor complained:\n{log}"
    );
    for (name, a, b, c) in rtt_medians {
        for (who, m) in [
            ("icmpkit", a),
            ("smokeping_prober", b),
            ("blackbox_exporter", c),
        ] {
            assert!(
                m > 0.0 && m < RTT_CEILING,
                "{name}: {who}'s median RTT {m} s"
            );
        }
        assert!(
            (a - b).abs() <= RTT_BAND && (a - c).abs() <= RTT_BAND,
            "{name}: median RTTs icmpkit {a}, smokeping_prober {b}, blackbox_exporter {c}"
        );
    }
}
