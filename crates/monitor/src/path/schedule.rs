//! [`Tracer`]: the task that traces every target with a `trace_every`
//! that often, the starts spread evenly over the period (never a burst of
//! every target at once), at most [`CONCURRENT_TRACES`] at a time, and
//! sends each [`PathRecord`] on a channel.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::{PathError, PathRecord, SocketOpener, TraceOptions, trace_with};
use crate::target::Targets;

/// The most traces run at once.
pub const CONCURRENT_TRACES: usize = 8;

/// One target to trace, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTarget {
    /// The target's name (the key of its history).
    pub name: String,
    /// The address traced.
    pub ip: IpAddr,
    /// The time between two traces.
    pub every: Duration,
    /// How it is traced.
    pub options: TraceOptions,
}

/// The targets of `targets` to trace: those whose group has a
/// `trace_every` and whose address is known.
pub fn path_targets(targets: &Targets) -> Vec<PathTarget> {
    targets
        .targets
        .iter()
        .filter_map(|target| {
            let probing = &targets.groups.get(target.group)?.probing;
            let every = probing.trace_every.filter(|e| !e.is_zero())?;
            Some(PathTarget {
                name: target.name.to_string(),
                ip: target.ip?,
                every,
                options: TraceOptions::for_probing(probing),
            })
        })
        .collect()
}

/// The task tracing the targets (see the module's documentation). Stop it
/// by sending `true` on the watch channel it was given (or dropping its
/// sender): traces under way are abandoned, their sockets closed.
#[derive(Debug)]
pub struct Tracer {
    targets: watch::Sender<Vec<PathTarget>>,
    task: JoinHandle<()>,
}

impl Tracer {
    /// Starts tracing the targets of `targets` that have a `trace_every`,
    /// opening sockets with `opener`; each trace's record goes to
    /// `records` with the target's name. A trace that fails sends
    /// nothing; its error is written to stderr (once, until it changes).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(
        targets: &Targets,
        opener: SocketOpener,
        records: mpsc::Sender<(String, PathRecord)>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Self::spawn_with_concurrency(targets, opener, records, stop, CONCURRENT_TRACES)
    }

    /// [`Tracer::spawn`], at most `concurrency` traces at once (at least
    /// one). A trace lasts about its wait (1 s) when a hop is silent, so
    /// N targets traced every P need about N × 1 s / P at once: 10,000
    /// every 10 minutes, 17; fewer make every turn come late.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn_with_concurrency(
        targets: &Targets,
        opener: SocketOpener,
        records: mpsc::Sender<(String, PathRecord)>,
        stop: watch::Receiver<bool>,
        concurrency: usize,
    ) -> Self {
        let trace = move |target: PathTarget| {
            let opener = opener.clone();
            async move { trace_with(&opener, target.ip, &target.options).await }
        };
        Self::spawn_with(path_targets(targets), concurrency, trace, records, stop)
    }

    /// [`Tracer::spawn`] over any `trace` function, `concurrency` at once.
    pub(super) fn spawn_with<F, Fut>(
        targets: Vec<PathTarget>,
        concurrency: usize,
        trace: F,
        records: mpsc::Sender<(String, PathRecord)>,
        stop: watch::Receiver<bool>,
    ) -> Self
    where
        F: Fn(PathTarget) -> Fut + Send + 'static,
        Fut: Future<Output = Result<PathRecord, PathError>> + Send + 'static,
    {
        let (sender, receiver) = watch::channel(targets);
        let task = tokio::spawn(run(receiver, concurrency.max(1), trace, records, stop));
        Self {
            targets: sender,
            task,
        }
    }

    /// Traces the targets of `targets` from now on: a target that stays
    /// as it was keeps its turn; a new or changed one gets one in the
    /// next period, spread with the others.
    pub fn reconfigure(&self, targets: &Targets) {
        self.targets.send_replace(path_targets(targets));
    }

    /// Waits for the task to end (after a stop, or when `records` closed).
    pub async fn finished(self) {
        // A panic in the task has nothing left to tell.
        let _ = self.task.await;
    }
}

/// The task: starts traces as they fall due, reports their records.
async fn run<F, Fut>(
    mut targets: watch::Receiver<Vec<PathTarget>>,
    concurrency: usize,
    trace: F,
    records: mpsc::Sender<(String, PathRecord)>,
    mut stop: watch::Receiver<bool>,
) where
    F: Fn(PathTarget) -> Fut + Send + 'static,
    Fut: Future<Output = Result<PathRecord, PathError>> + Send + 'static,
{
    let mut schedule = Schedule::default();
    schedule.reconfigure(targets.borrow_and_update().clone(), Instant::now());
    let mut running = JoinSet::new();
    let mut names = HashMap::new();
    while !*stop.borrow_and_update() {
        let now = Instant::now();
        while running.len() < concurrency {
            let Some(target) = schedule.take_due(now) else {
                break;
            };
            let name = target.name.clone();
            let traced = trace(target);
            let handle = running.spawn(traced);
            names.insert(handle.id(), name);
        }
        let wake = (running.len() < concurrency)
            .then(|| schedule.next_due())
            .flatten();
        let sleep = tokio::time::sleep_until(wake.unwrap_or(now).into());
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            changed = targets.changed() => {
                if changed.is_err() {
                    // The handle is gone: nobody can stop or change us.
                    break;
                }
                schedule.reconfigure(targets.borrow_and_update().clone(), Instant::now());
            }
            Some(joined) = running.join_next_with_id(), if !running.is_empty() => {
                let (id, result) = match joined {
                    Ok((id, result)) => (id, Some(result)),
                    Err(error) => (error.id(), None),
                };
                let Some(name) = names.remove(&id) else {
                    continue;
                };
                schedule.finished(&name);
                match result {
                    Some(Ok(record)) => {
                        schedule.note_error(&name, None);
                        // A full channel waits, but not past a stop.
                        tokio::select! {
                            sent = records.send((name, record)) => {
                                if sent.is_err() {
                                    break;
                                }
                            }
                            changed = stop.changed() => {
                                if changed.is_err() || *stop.borrow() {
                                    break;
                                }
                            }
                        }
                    }
                    Some(Err(error)) => {
                        if schedule.note_error(&name, Some(error.to_string())) {
                            eprintln!("icmpkit monitor: path of {name}: {error}");
                        }
                    }
                    None => eprintln!("icmpkit monitor: path of {name}: the trace task failed"),
                }
            }
            () = sleep, if wake.is_some() => {}
        }
    }
    running.shutdown().await;
}

/// Each target's turn.
#[derive(Debug)]
struct Slot {
    target: PathTarget,
    /// When its next trace is due.
    due: Instant,
    /// A trace of it is under way.
    running: bool,
    /// The last trace's error, while it keeps failing so.
    error: Option<String>,
}

/// The turns of every target, by name.
#[derive(Debug, Default)]
pub(super) struct Schedule {
    slots: BTreeMap<String, Slot>,
}

/// Where target `rank` of `count` sharing a period of `every` starts
/// within it: `every × rank / count`, evenly spread.
pub(super) fn spread(rank: usize, count: usize, every: Duration) -> Duration {
    let (rank, count) = (rank as u128, count.max(1) as u128);
    let nanos = every.as_nanos() * rank / count;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

impl Schedule {
    /// The targets from now on (`now`): one unchanged keeps its turn; a
    /// new or changed one is due at its share of its period from `now`
    /// (targets of one period spread by name).
    pub(super) fn reconfigure(&mut self, targets: Vec<PathTarget>, now: Instant) {
        let mut periods: BTreeMap<Duration, Vec<&str>> = BTreeMap::new();
        for target in &targets {
            periods.entry(target.every).or_default().push(&target.name);
        }
        let mut phase = HashMap::new();
        for names in periods.values_mut() {
            names.sort_unstable();
            names.dedup();
            for (rank, name) in names.iter().enumerate() {
                phase.insert((*name).to_owned(), (rank, names.len()));
            }
        }
        let mut old = std::mem::take(&mut self.slots);
        for target in targets {
            let slot = match old.remove(&target.name) {
                Some(slot) if slot.target == target => slot,
                previous => {
                    let (rank, count) = phase.get(&target.name).copied().unwrap_or((0, 1));
                    Slot {
                        due: now + spread(rank, count, target.every),
                        // A trace of the old one may still be under way.
                        running: previous.is_some_and(|p| p.running),
                        error: None,
                        target,
                    }
                }
            };
            self.slots.insert(slot.target.name.clone(), slot);
        }
    }

    /// The earliest turn of a target not being traced.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter(|s| !s.running)
            .map(|s| s.due)
            .min()
    }

    /// The target whose turn came first by `now`, if any, marked under
    /// way; its next turn is a period later (or a period from `now`, when
    /// it fell more than a period behind: no catching up in a burst).
    pub(super) fn take_due(&mut self, now: Instant) -> Option<PathTarget> {
        let slot = self
            .slots
            .values_mut()
            .filter(|s| !s.running && s.due <= now)
            .min_by_key(|s| s.due)?;
        slot.running = true;
        let next = slot.due + slot.target.every;
        slot.due = if next <= now {
            now + slot.target.every
        } else {
            next
        };
        Some(slot.target.clone())
    }

    /// The trace of `name` ended.
    pub(super) fn finished(&mut self, name: &str) {
        if let Some(slot) = self.slots.get_mut(name) {
            slot.running = false;
        }
    }

    /// Keeps the error of `name`'s last trace (`None`: it succeeded);
    /// true when it is new (worth a line in the log).
    pub(super) fn note_error(&mut self, name: &str, error: Option<String>) -> bool {
        let Some(slot) = self.slots.get_mut(name) else {
            return false;
        };
        let new = error.is_some() && slot.error != error;
        slot.error = error;
        new
    }
}
