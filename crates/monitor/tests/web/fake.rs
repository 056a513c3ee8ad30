//! A daemon's state without a daemon: a live view, a history that makes
//! up smokeping-like series on demand, an alert board, a reload.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use icmpkit_monitor::alert::{Alert, AlertState};
use icmpkit_monitor::live::{Live, Rare, RttHistogram, TargetStatus};
use icmpkit_monitor::path::PathRecord;
use icmpkit_monitor::step::{StepBrief, StepSummary};
use icmpkit_monitor::web::{AlertSource, HistorySource, Point, Series, WebState};

/// A fixed "now" for tests that pass `to=`: 2026-12-05 07:20 UTC.
pub const NOW: i64 = 1_796_454_000;

/// The targets: name, host, group, loss (per mille), base RTT (µs).
pub const TARGETS: [(&str, &str, &str, u32, u32); 5] = [
    ("gw", "10.0.0.1", "core", 0, 1_200),
    ("lossy", "10.0.0.2", "core", 100, 24_000),
    ("down", "10.0.0.3", "edge", 1000, 0),
    ("net/10.0.1.5", "10.0.1.0/24", "edge", 20, 48_000),
    ("<b>evil</b>", "evil.example", "x&y", 0, 3_000),
];

/// A deterministic pseudo-random number from `seed`.
fn noise(seed: u64) -> u32 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    u32::try_from(x >> 40).unwrap_or(0)
}

fn seed_of(name: &str) -> u64 {
    name.bytes().fold(1_469_598_103_934_665_603_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
    })
}

/// One made-up step of `pings` probes.
fn step(name: &str, start: i64, pings: u32) -> (u32, Vec<u32>) {
    let (_, _, _, loss, base) = TARGETS
        .iter()
        .find(|t| t.0 == name)
        .copied()
        .unwrap_or_default();
    let seed = seed_of(name) ^ u64::try_from(start).unwrap_or(0);
    // A daily bump and a rough patch, so graphs have something to show.
    let hour = start.rem_euclid(86_400) / 3600;
    let bump = if (14..18).contains(&hour) {
        base / 3
    } else {
        0
    };
    let mut rtts = Vec::new();
    let mut lost = 0;
    for i in 0..pings {
        let r = noise(seed.wrapping_add(u64::from(i)));
        if r % 1000 < loss {
            lost += 1;
            continue;
        }
        // Queueing: an exponential delay over the base, mostly small.
        let u =
            (f64::from(noise(seed.wrapping_add(1000 + u64::from(i))) % 10_000) + 0.5) / 10_000.0;
        let spread = f64::from(base / 12 + 40);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "µs"
        )]
        let queue = (-u.ln() * spread) as u32;
        rtts.push(base + bump + queue);
    }
    rtts.sort_unstable();
    (lost, rtts)
}

/// The history: points made up for any span, consolidated like the real
/// store (60 s raw, then 5 min, 1 h, 1 d) to fit `max_points`.
#[derive(Debug, Default)]
pub struct FakeHistory {
    /// Targets whose history fails.
    pub broken: Vec<String>,
}

impl HistorySource for FakeHistory {
    fn range(&self, target: &str, from: i64, to: i64, max_points: usize) -> Result<Series, String> {
        if self.broken.iter().any(|b| b == target) {
            return Err(format!("redb: table of {target} is corrupt"));
        }
        let span = to - from;
        let step = [60i64, 300, 3600, 86_400]
            .into_iter()
            .find(|s| span / s <= i64::try_from(max_points).unwrap_or(i64::MAX))
            .unwrap_or(86_400);
        let mut points = Vec::new();
        let mut start = from.div_euclid(step) * step;
        while start < to {
            // A hole of 20 minutes two hours ago: the daemon was down.
            if !(NOW - 7200..NOW - 6000).contains(&start) {
                // 20 pings a minute, summed when consolidated (at most 480).
                let pings = u32::try_from(step / 60 * 20).unwrap_or(480).clamp(20, 480);
                let (lost, rtts) = self::step(target, start, pings);
                let quantiles: Vec<u32> = if rtts.is_empty() {
                    Vec::new()
                } else {
                    (0..20).map(|q| rtts[q * (rtts.len() - 1) / 19]).collect()
                };
                let median_us = (!rtts.is_empty()).then(|| rtts[rtts.len() / 2]);
                points.push(Point {
                    start,
                    sent: pings,
                    lost,
                    median_us,
                    smoke_us: quantiles,
                });
            }
            start += step;
        }
        Ok(Series {
            step: u32::try_from(step).unwrap_or(u32::MAX),
            points,
        })
    }

    fn paths(&self, target: &str, from: i64, to: i64) -> Result<Vec<PathRecord>, String> {
        if self.broken.iter().any(|b| b == target) {
            return Err(format!("redb: table of {target} is corrupt"));
        }
        let mut out = Vec::new();
        let mut at = from.div_euclid(600) * 600 + 600;
        while at <= to {
            out.push(path_at(at));
            at += 3 * 3600;
        }
        Ok(out)
    }
}

/// The path at `at`: the third hop changes every day at noon.
pub fn path_at(at: i64) -> PathRecord {
    let third = if at.rem_euclid(86_400) < 43_200 { 9 } else { 3 };
    PathRecord {
        at,
        hops: vec![
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 254))),
            None,
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 2, third))),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 5))),
        ],
        reached: true,
        pmtu: Some(1500),
    }
}

/// The live state at [`NOW`].
/// An RTT histogram of `n` answers of 10 ms.
fn answered(n: u64) -> RttHistogram {
    let mut rtt = RttHistogram::default();
    for _ in 0..n {
        rtt.observe(10_000);
    }
    rtt
}

pub fn live() -> Live {
    let targets = TARGETS
        .iter()
        .enumerate()
        .map(|(i, &(name, host, group, _, _))| {
            let (lost, rtts_us) = step(name, NOW - 300, 20);
            let mut labels = BTreeMap::new();
            labels.insert("site".to_owned(), "fra1".to_owned());
            TargetStatus {
                name: name.into(),
                host: host.into(),
                ip: host.parse().ok().or_else(|| {
                    (name == "net/10.0.1.5").then(|| IpAddr::V4(Ipv4Addr::new(10, 0, 1, 5)))
                }),
                group: group.into(),
                labels: labels.into(),
                sent: 1000 + u64::try_from(i).unwrap_or(0),
                rtt: answered(1000 - u64::from(lost) * 50),
                last_step: Some(StepBrief::of(&StepSummary {
                    start: NOW - 300,
                    step: 300,
                    sent: 20,
                    jitter_us: (rtts_us.len() >= 2).then_some(150),
                    rtts_us,
                }))
                .filter(|_| name != "<b>evil</b>"),
                up: if name == "<b>evil</b>" {
                    None
                } else {
                    Some(lost < 20)
                },
                rare: (name == "net/10.0.1.5").then(|| {
                    Box::new(Rare {
                        path: Some(path_at(NOW - 600)),
                        path_changes: 3,
                        problem: None,
                    })
                }),
                pings: 20,
            }
        })
        .collect();
    Live {
        agent: "lab-a".to_owned(),
        targets,
        reloads: (0, 0, None),
        ..Live::default()
    }
}

/// An alert board with one firing and one resolved alert.
#[derive(Debug, Default)]
pub struct FakeAlerts;

impl AlertSource for FakeAlerts {
    fn alerts(&self) -> Vec<Alert> {
        let mut labels = BTreeMap::new();
        labels.insert("team".to_owned(), "net".to_owned());
        vec![
            Alert {
                rule: "HighLoss".to_owned(),
                kind: "loss",
                target: "lossy".to_owned(),
                host: None,
                group: "core".to_owned(),
                severity: "critical".to_owned(),
                labels: labels.clone(),
                state: AlertState::Firing,
                starts_at: NOW - 900,
                ends_at: None,
                value: Some(0.1),
                summary: "Loss above 5 %".to_owned(),
                description: String::new(),
                receivers: Vec::new(),
            },
            Alert {
                rule: "Down".to_owned(),
                kind: "down",
                target: "gw".to_owned(),
                host: None,
                group: "core".to_owned(),
                severity: "warning".to_owned(),
                labels,
                state: AlertState::Resolved,
                starts_at: NOW - 90_000,
                ends_at: Some(NOW - 86_400),
                value: None,
                summary: "gw did not answer".to_owned(),
                description: String::new(),
                receivers: Vec::new(),
            },
        ]
    }
}

/// The state of a fake daemon; reloads succeed when `reload_ok`, and are
/// counted in the returned counter.
pub fn state(reload_ok: bool, broken: &[&str]) -> (WebState, Arc<AtomicU32>) {
    let reloads = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&reloads);
    let state = WebState {
        live: Arc::new(RwLock::new(live())),
        history: Arc::new(FakeHistory {
            broken: broken.iter().map(|b| (*b).to_owned()).collect(),
        }),
        alerts: Arc::new(FakeAlerts),
        reload: Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            if reload_ok {
                Ok("reloaded: 5 targets, 1 added".to_owned())
            } else {
                Err("monitor.toml:12: key `pings`: expected a number, found \"x\"".to_owned())
            }
        }),
    };
    (state, reloads)
}
