//! The probers: each set of targets probed alike (a [`Profile`]) is one
//! [`MultiPing`] machine, fping's scheduler in endless rounds, run by the
//! shared async driver over one ICMP socket per family. Every probe's
//! outcome becomes a [`Sample`] on the aggregation channel.
//!
//! Probes of a profile are spread evenly: `n` targets each probed every
//! `interval` is a pace of `n / interval` probes per second, plus a tenth
//! (the machine's global rate), so the first round goes out over 0.9
//! interval, and every later round of a target is due one interval after
//! the previous one was due (a fixed cadence: a send held back on a busy
//! host does not slow the target's later rounds, as it would with fping's
//! rule of counting from the send: 7,600 of 10,000 probes/s were sent so
//! on a loaded two-core host).
//!
//! A reply's sample is dated at its send time (receive time minus the
//! RTT), a timeout's at its send time (its wait before). Duplicates count
//! once. An ICMP error about a probe is not a sample of its own: the
//! probe times out, as fping counts it.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use icmpkit_driver::Signals;
use icmpkit_driver::real::{FamilyPlan, IcmpPlan, SocketOptions, SocketPlan};
use icmpkit_driver::tokio::{AsyncReal, drive_async};
use icmpkit_net::{PmtuMode, SocketChoice};
use icmpkit_proto::machine::Signal;
use icmpkit_proto::multi::{MultiConfig, MultiEvent, MultiPing, MultiPingConfig, SERIAL_GRACE};
use icmpkit_wire::IpVersion;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::path::SocketOpener;
use crate::step::Sample;
use crate::target::{Probing, Targets};

/// What decides whether targets share a machine and its sockets: the
/// socket options (TOS, DF) and the machine's schedule and payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Profile {
    /// Between two probes of a target.
    pub interval: Duration,
    /// How long a probe waits.
    pub timeout: Duration,
    /// Echo data bytes.
    pub size: usize,
    /// TOS / traffic class.
    pub tos: u8,
    /// Don't Fragment.
    pub df: bool,
}

impl Profile {
    /// The profile of a group's probing.
    pub fn of(probing: &Probing) -> Self {
        Self {
            interval: probing.interval(),
            timeout: probing.timeout,
            size: probing.size,
            tos: probing.tos,
            df: probing.df,
        }
    }
}

/// Something the probers tell the daemon besides samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Sends to a target fail with this OS error (reported once per
    /// prober run).
    SendFailed {
        /// The target's index.
        target: usize,
        /// The error.
        error: String,
    },
    /// A prober stopped: what its machine sent and settled (answered or
    /// timed out) since its start; `sent - settled` were in flight.
    Stopped {
        /// Echo Requests sent.
        sent: u64,
        /// Probes whose outcome was reported as a sample.
        settled: u64,
    },
    /// The kernel dropped datagrams for a full receive queue.
    KernelDrops {
        /// How many since the last notice.
        datagrams: u64,
    },
    /// A prober could not start or stopped on an error.
    Failed {
        /// The targets it had.
        targets: Vec<usize>,
        /// Why.
        error: String,
    },
}

/// What the probers send to the aggregation task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A probe's outcome.
    Sample(Sample),
    /// Something to log and show.
    Notice(Notice),
}

/// The running probers of one configuration.
#[derive(Debug)]
pub struct Probers {
    signals: Vec<Signals>,
    tasks: Vec<JoinHandle<()>>,
    /// The longest probe timeout of any prober.
    longest_wait: Duration,
}

/// The targets of `targets` with an address, grouped by profile:
/// (profile, [(target index, address)]).
pub fn plan(targets: &Targets) -> BTreeMap<Profile, Vec<(usize, IpAddr)>> {
    let mut plan: BTreeMap<Profile, Vec<(usize, IpAddr)>> = BTreeMap::new();
    for (index, target) in targets.targets.iter().enumerate() {
        if let Some(ip) = target.ip {
            let profile = Profile::of(&targets.group_of(target).probing);
            plan.entry(profile).or_default().push((index, ip));
        }
    }
    plan
}

impl Probers {
    /// Starts one prober per profile of `targets` on the current runtime.
    pub fn start(
        targets: &Targets,
        opener: &SocketOpener,
        reports: &UnboundedSender<Report>,
    ) -> Self {
        let mut probers = Self {
            signals: Vec::new(),
            tasks: Vec::new(),
            longest_wait: Duration::ZERO,
        };
        for (profile, members) in plan(targets) {
            probers.longest_wait = probers.longest_wait.max(profile.timeout);
            let signals = Signals::none();
            let task = tokio::spawn(run(
                profile,
                members,
                opener.clone(),
                signals.clone(),
                reports.clone(),
            ));
            probers.signals.push(signals);
            probers.tasks.push(task);
        }
        probers
    }

    /// Stops every prober and waits until each has ended (every sample it
    /// made is on the channel): sending stops first, and the probes in
    /// flight get their timeout (and the grace of a late answer) to be
    /// answered or time out, so that every probe sent has its sample.
    pub async fn stop(self) {
        for signals in &self.signals {
            signals.raise(Signal::Pause);
        }
        tokio::time::sleep(self.longest_wait + SERIAL_GRACE).await;
        for signals in &self.signals {
            signals.raise(Signal::Stop);
        }
        for task in self.tasks {
            // A prober that panicked has nothing more to send.
            let _ = task.await;
        }
    }
}

/// Unix milliseconds of `at`.
fn unix_ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The sockets of a profile: one ICMP socket per family in use, raw when
/// `CAP_NET_RAW` allows (filtered on `raw_ident` in the kernel), else a
/// ping socket.
fn socket_plan(profile: &Profile, versions: &[IpVersion], raw_ident: u16) -> SocketPlan {
    let options = SocketOptions {
        tos: (profile.tos != 0).then_some(profile.tos),
        pmtu: profile.df.then_some(PmtuMode::Do),
        // Room for every answer of a second of probes at 10,000 targets
        // (above net.core.rmem_max only with CAP_NET_ADMIN; drops are
        // reported either way).
        recv_buffer: Some(4 << 20),
        report_drops: true,
        ..SocketOptions::receiving()
    };
    versions.iter().fold(SocketPlan::new(), |plan, &version| {
        plan.with(
            version,
            FamilyPlan::icmp(IcmpPlan {
                echo_ident: Some(raw_ident),
                ..IcmpPlan::new(SocketChoice::Auto, options.clone())
            }),
        )
    })
}

/// The pace's margin over `n / interval`: the rounds keep a fixed
/// cadence (`MultiConfig::anchored`), so the pace only bounds
/// bursts; at exactly `n / interval` a stall (a busy host, the first
/// round's start) would leave a backlog that never drains, every later
/// probe that much late.
const PACE_HEADROOM: f64 = 1.1;

/// The schedule of `n` targets probed every `profile.interval`.
fn schedule(profile: &Profile, n: usize) -> MultiConfig {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a positive rate far below u32::MAX"
    )]
    let rate = ((n as f64 * PACE_HEADROOM / profile.interval.as_secs_f64().max(1e-3)).ceil()
        as u32)
        .max(1);
    MultiConfig {
        rate,
        count: u64::MAX,
        period: profile.interval,
        timeout: profile.timeout,
        retries: 0,
        backoff_milli: 1000,
        // Exactly `pings` probes a step: lateness does not add up.
        anchored: true,
    }
}

/// One prober: opens its sockets (through `opener`: opening drops the
/// opening thread's `CAP_NET_RAW`), runs its machine until stopped.
async fn run(
    profile: Profile,
    members: Vec<(usize, IpAddr)>,
    opener: SocketOpener,
    signals: Signals,
    reports: UnboundedSender<Report>,
) {
    let indices: Vec<usize> = members.iter().map(|(i, _)| *i).collect();
    let fail = |error: String| {
        let _ = reports.send(Report::Notice(Notice::Failed {
            targets: indices.clone(),
            error,
        }));
    };
    let versions: Vec<IpVersion> = [IpVersion::V4, IpVersion::V6]
        .into_iter()
        .filter(|&v| {
            members.iter().any(|(_, a)| {
                matches!(
                    (v, a),
                    (IpVersion::V4, IpAddr::V4(_)) | (IpVersion::V6, IpAddr::V6(_))
                )
            })
        })
        .collect();
    let nonce = RandomState::new().hash_one(std::process::id());
    let raw_ident = u16::try_from(nonce >> 48).unwrap_or(0);
    let transport = match opener
        .open_transport(socket_plan(&profile, &versions, raw_ident))
        .await
    {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let ident_v4 = transport.dgram_ident(IpVersion::V4).unwrap_or(raw_ident);
    let ident_v6 = transport.dgram_ident(IpVersion::V6).unwrap_or(raw_ident);
    let config = MultiPingConfig {
        schedule: schedule(&profile, members.len()),
        targets: members.iter().map(|(_, a)| *a).collect(),
        payload_len: profile.size,
        pattern: Vec::new(),
        nonce,
        ident_v4,
        ident_v6,
        deadline: None,
        keep_rtts: false,
        report_every: None,
    };
    // The machine has the addresses, `indices` the targets.
    drop(members);
    let mut transport = match AsyncReal::new(transport) {
        Ok(t) => t,
        Err(e) => return fail(format!("registering the sockets with the runtime: {e}")),
    };
    // Its own statistics are in the live state: none per target here.
    let mut machine = MultiPing::lean(config, Instant::now());
    let mut samples = 0u64;
    let mut drops_told = 0u64;
    let result = drive_async(&mut machine, &mut transport, &signals, |m, event| {
        if m.kernel_drops() > drops_told {
            let _ = reports.send(Report::Notice(Notice::KernelDrops {
                datagrams: m.kernel_drops() - drops_told,
            }));
            drops_told = m.kernel_drops();
        }
        let (now, clock) = (SystemTime::now(), Instant::now());
        let report = match event {
            MultiEvent::Reply(r) if !r.duplicate => Report::Sample(Sample {
                target: indices[r.target],
                sent_ms: unix_ms(now - r.rtt),
                rtt_us: Some(micros(r.rtt)),
            }),
            MultiEvent::Timeout {
                target, sent_at, ..
            } => Report::Sample(Sample {
                target: indices[target],
                // Dated at its send, not at the (later) wake-up that saw it.
                sent_ms: unix_ms(now - clock.saturating_duration_since(sent_at)),
                rtt_us: None,
            }),
            MultiEvent::SendFailed { target, errno } => Report::Notice(Notice::SendFailed {
                target: indices[target],
                error: std::io::Error::from_raw_os_error(errno).to_string(),
            }),
            _ => return Ok(()),
        };
        if let Report::Sample(_) = report {
            samples += 1;
        }
        // The aggregation task outlives every prober; a send to it fails
        // only while the daemon is going down.
        let _ = reports.send(report);
        Ok(())
    })
    .await;
    let _ = reports.send(Report::Notice(Notice::Stopped {
        sent: machine.totals().sent,
        settled: samples,
    }));
    if let Err(e) = result {
        fail(e.to_string());
    }
}
