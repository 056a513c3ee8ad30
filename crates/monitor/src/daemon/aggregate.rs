//! The aggregation task's state: every report of the probers and
//! tracers goes through here, into steps, the live state, the history
//! and the alert board.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Source, load, log, resolve, unix_now, unix_now_ms};
use crate::alert::{Board, Deliverer, DeliveryHandle, DeliverySettings, Transition};
use crate::config::Config;
use crate::history::History;
use crate::live::{Live, SharedLive, TargetStatus};
use crate::path::{PathRecord, SocketOpener, Tracer};
use crate::prober::{Notice, Probers, Report};
use crate::step::{StepBrief, StepSummary, Steps, Tracked};
use crate::target::Targets;

/// Targets whose steps are closed and written at once: every target's
/// step ends at the same instant (steps are aligned on the epoch), and a
/// batch's summaries, history pages and encodings are held until its
/// write commits, so a boundary of 10,000 targets is written in ten.
const CLOSE_BATCH: usize = 1000;

/// How a send failure reads in a target's problem.
const SENDING_FAILS: &str = "sending fails: ";

/// How long after a prober failed all are started again.
const RETRY_PROBERS: Duration = Duration::from_secs(30);

/// How often targets whose names did not resolve are tried again.
const RESOLVE_AGAIN: Duration = Duration::from_mins(1);

/// The alert board, shared with the web server's `/api/alerts`.
pub type SharedBoard = Arc<Mutex<Board>>;

/// See the module documentation.
#[derive(Debug)]
pub struct Aggregator {
    config: Config,
    live: SharedLive,
    history: Arc<History>,
    steps: Steps,
    probers: Option<Probers>,
    reports_tx: mpsc::UnboundedSender<Report>,
    reports_rx: mpsc::UnboundedReceiver<Report>,
    paths_rx: mpsc::Receiver<(String, PathRecord)>,
    tracer: Option<Tracer>,
    stop_tracer: tokio::sync::watch::Sender<bool>,
    opener: SocketOpener,
    board: SharedBoard,
    delivery: DeliveryHandle,
    unresolved: bool,
    last_resolve: Instant,
    /// When to start the probers again after one failed.
    retry_at: Option<Instant>,
    /// The last history write failed.
    history_failing: AtomicBool,
    buf: Vec<Report>,
    tally: Tally,
}

/// Every probe's way through the daemon, logged at the stop: a probe
/// sent is settled (its sample made) unless in flight at the stop; a
/// sample is recorded in its step unless late; a step's samples are
/// written to the history with it.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Echo Requests the stopped probers sent.
    sent: u64,
    /// Of them, answered or timed out (a sample made).
    settled: u64,
    /// Samples counted in an open step.
    recorded: u64,
    /// Samples of the steps written to the history.
    written: u64,
}

/// The live state of `config`'s targets, carrying over the counters of
/// targets of the same name from `old`.
fn live_of(config: &Config, old: &Live, failures: &[(usize, String)]) -> Live {
    let by_name: HashMap<&str, &TargetStatus> = old.targets.iter().map(|t| (&*t.name, t)).collect();
    // A group's labels, shared by its targets that add none.
    let group_labels: Vec<Arc<BTreeMap<String, String>>> = config
        .targets
        .groups
        .iter()
        .map(|g| Arc::new(g.labels.clone()))
        .collect();
    let targets = config
        .targets
        .targets
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let group = config.targets.group_of(t);
            let labels = match &t.labels {
                None => Arc::clone(&group_labels[t.group]),
                Some(own) => {
                    let mut labels = group.labels.clone();
                    labels.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
                    Arc::new(labels)
                }
            };
            let mut status = by_name
                .get(&*t.name)
                .map_or_else(TargetStatus::default, |old| (*old).clone());
            status.name = Arc::clone(&t.name);
            status.host = Arc::clone(&t.host);
            status.ip = t.ip;
            status.group = Arc::clone(&group.name);
            status.labels = labels;
            status.pings = group.probing.pings;
            status.set_problem(
                failures
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, why)| why.as_str().into()),
            );
            status
        })
        .collect();
    Live {
        agent: config.agent.clone(),
        targets,
        reloads: old.reloads.clone(),
        ..old.clone_counters()
    }
}

/// The daemon's URL as people reach it, for the links in alerts: the
/// listen address, or the host's name when it listens on every address.
fn external_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!(
            "http://{}:{}",
            crate::config::default_agent(),
            listen.port()
        )
    } else {
        format!("http://{listen}")
    }
}

/// Traces at once: a trace takes about a second when a hop is silent, so
/// each target traced every P needs 1 s / P of a slot; twice that, at
/// least [`crate::path::CONCURRENT_TRACES`], at most 64.
fn concurrent_traces(targets: &Targets) -> usize {
    let need: f64 = targets
        .targets
        .iter()
        .filter_map(|t| targets.group_of(t).probing.trace_every)
        .map(|every| 2.0 / every.as_secs_f64().max(1.0))
        .sum();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small positive count"
    )]
    let need = need.ceil() as usize;
    need.clamp(crate::path::CONCURRENT_TRACES, 64)
}

fn tracked(config: &Config) -> Vec<Tracked> {
    config
        .targets
        .targets
        .iter()
        .map(|t| {
            let probing = &config.targets.group_of(t).probing;
            Tracked {
                name: Arc::clone(&t.name),
                step: probing.step,
                timeout: probing.timeout,
                pings: probing.pings,
            }
        })
        .collect()
}

impl Aggregator {
    /// Resolves `config`'s names, starts its probers, tracers and alert
    /// delivery.
    pub async fn start(
        mut config: Config,
        opener: SocketOpener,
        live: SharedLive,
        history: Arc<History>,
    ) -> Self {
        let failures = resolve::resolve(&mut config.targets).await;
        for (_, why) in &failures {
            log("warn", why);
        }
        {
            let mut l = live.write().unwrap_or_else(PoisonError::into_inner);
            *l = live_of(&config, &l, &failures);
        }
        let (reports_tx, reports_rx) = mpsc::unbounded_channel();
        let (paths_tx, paths_rx) = mpsc::channel(1024);
        let probers = Probers::start(&config.targets, &opener, &reports_tx);
        let (stop_tracer, stopped) = tokio::sync::watch::channel(false);
        let tracer = Tracer::spawn_with_concurrency(
            &config.targets,
            opener.clone(),
            paths_tx,
            stopped,
            concurrent_traces(&config.targets),
        );
        let mut settings = DeliverySettings::new(config.agent.clone());
        settings.origin.external_url = Some(external_url(config.listen));
        // Room for one transition per rule and target at once (an uplink
        // down is every target's `down` in one step): a dropped "fired"
        // would never reach a receiver.
        settings.queue = (config.targets.targets.len() * config.alerts.len().max(1) * 2)
            .clamp(settings.queue, 1 << 20);
        let delivery = Deliverer::spawn_with(config.receivers.clone(), settings);
        let mut board = Board::new(config.alerts.clone());
        for t in board.set_targets(&config.targets, unix_now()) {
            delivery.send(t);
        }
        log(
            "info",
            format_args!(
                "monitoring {} targets in {} groups",
                config.targets.targets.len(),
                config.targets.groups.len()
            ),
        );
        Self {
            steps: Steps::new(&tracked(&config), unix_now_ms()),
            board: Arc::new(Mutex::new(board)),
            config,
            live,
            history,
            probers: Some(probers),
            reports_tx,
            reports_rx,
            paths_rx,
            tracer: Some(tracer),
            stop_tracer,
            opener,
            delivery,
            unresolved: !failures.is_empty(),
            last_resolve: Instant::now(),
            retry_at: None,
            history_failing: AtomicBool::new(false),
            buf: Vec::with_capacity(4096),
            tally: Tally::default(),
        }
    }

    /// The alert board.
    pub fn alerts(&self) -> SharedBoard {
        Arc::clone(&self.board)
    }

    /// The address the server listens on.
    pub fn listen(&self) -> SocketAddr {
        self.config.listen
    }

    /// Waits for reports and takes them in (cancel-safe: a `select!` may
    /// drop it between reports).
    pub async fn gather(&mut self) {
        tokio::select! {
            n = self.reports_rx.recv_many(&mut self.buf, 4096) => {
                if n > 0 {
                    let reports = std::mem::take(&mut self.buf);
                    self.apply(&reports);
                    self.buf = reports;
                    self.buf.clear();
                }
            }
            Some((name, record)) = self.paths_rx.recv() => self.apply_path(&name, record),
        }
    }

    fn apply(&mut self, reports: &[Report]) {
        let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
        for report in reports {
            match report {
                Report::Sample(sample) => {
                    if self.steps.record(*sample) {
                        self.tally.recorded += 1;
                    }
                    if let Some(t) = live.targets.get_mut(sample.target) {
                        t.sent += 1;
                        if let Some(rtt) = sample.rtt_us {
                            t.rtt.observe(rtt);
                            // An answer ends a sending problem.
                            if t.problem().is_some_and(|p| p.starts_with(SENDING_FAILS)) {
                                t.set_problem(None);
                            }
                        }
                    }
                }
                Report::Notice(Notice::SendFailed { target, error }) => {
                    if let Some(t) = live.targets.get_mut(*target) {
                        log("warn", format_args!("{}: {SENDING_FAILS}{error}", t.name));
                        t.set_problem(Some(format!("{SENDING_FAILS}{error}").into()));
                    }
                }
                Report::Notice(Notice::Stopped { sent, settled }) => {
                    self.tally.sent += sent;
                    self.tally.settled += settled;
                    live.probes_abandoned += sent.saturating_sub(*settled);
                }
                Report::Notice(Notice::Failed { targets, error }) => {
                    log(
                        "error",
                        format_args!("a prober of {} targets stopped: {error}", targets.len()),
                    );
                    for &i in targets {
                        if let Some(t) = live.targets.get_mut(i) {
                            t.set_problem(Some(format!("{error}; probing again in 30 s").into()));
                            t.up = None;
                        }
                    }
                    self.retry_at.get_or_insert(Instant::now() + RETRY_PROBERS);
                }
                Report::Notice(Notice::KernelDrops { datagrams }) => {
                    live.kernel_drops += datagrams;
                }
            }
        }
        live.late_samples = self.steps.late();
    }

    fn apply_path(&mut self, name: &str, record: PathRecord) {
        let Some((index, target)) = self.config.targets.find(name) else {
            return;
        };
        let group = self.config.targets.group_of(target).name.clone();
        let earlier = {
            let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
            let Some(status) = live.targets.get_mut(index) else {
                return;
            };
            status.set_path(record.clone())
        };
        let transitions = self
            .board
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .on_path(name, &group, earlier.as_ref(), &record);
        for t in transitions {
            self.delivery.send(t);
        }
        let history = Arc::clone(&self.history);
        let name = name.to_owned();
        // Off the runtime (the write waits for the disk); its error is
        // only logged: the next trace is written again.
        tokio::task::spawn_blocking(move || {
            if let Err(e) = history.write_path(&name, &record) {
                log("error", format_args!("history: {e}"));
            }
        });
    }

    /// Closes the steps that are due: live state, alerts, history.
    pub async fn close_due(&mut self) {
        // Samples already on the channel belong in the steps about to close.
        self.drain();
        let now_ms = unix_now_ms();
        loop {
            let closed = self.steps.close_due_of(now_ms, CLOSE_BATCH);
            if closed.is_empty() {
                break;
            }
            self.take_closed(closed, now_ms).await;
        }
        if self.retry_at.is_some_and(|at| at <= Instant::now()) {
            self.retry_at = None;
            log("info", "starting the probers again");
            let config = self.config.clone();
            let failures = self.problems_of_names();
            self.restart(config, &failures).await;
        }
        if self.unresolved && self.last_resolve.elapsed() >= RESOLVE_AGAIN {
            self.last_resolve = Instant::now();
            let mut again = self.config.clone();
            let failures = resolve::resolve(&mut again.targets).await;
            let resolved_now = again
                .targets
                .targets
                .iter()
                .zip(&self.config.targets.targets)
                .any(|(a, b)| a.ip.is_some() && b.ip.is_none());
            if resolved_now {
                log("info", "a host name resolves now; its target is probed");
                self.restart(again, &failures).await;
            }
        }
    }

    /// The targets whose names do not resolve, with why (kept across a
    /// restart of the probers).
    fn problems_of_names(&self) -> Vec<(usize, String)> {
        let live = self.live.read().unwrap_or_else(PoisonError::into_inner);
        self.config
            .targets
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.ip.is_none())
            .filter_map(|(i, _)| Some((i, live.targets.get(i)?.problem()?.to_owned())))
            .collect()
    }

    /// Takes in steps closed at `closed_at_ms`: live state, alerts (whole
    /// steps only), history.
    async fn take_closed(&mut self, closed: Vec<(usize, StepSummary)>, closed_at_ms: i64) {
        if closed.is_empty() {
            return;
        }
        let mut batch = Vec::with_capacity(closed.len());
        {
            let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
            let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
            for (index, step) in closed {
                let Some(target) = self.config.targets.targets.get(index) else {
                    continue;
                };
                let group = &self.config.targets.group_of(target).name;
                // A partial step (the first after a start, the last at a
                // stop) is no evidence: one lost probe of two is not 50 %.
                if self.steps.is_whole(index, &step, closed_at_ms) {
                    for t in board.on_step(&target.name, group, &step) {
                        self.delivery.send(t);
                    }
                }
                if let Some(status) = live.targets.get_mut(index) {
                    if step.sent > 0 {
                        status.up = Some(step.received() > 0);
                    }
                    status.last_step = Some(StepBrief::of(&step));
                }
                batch.push((Arc::clone(&target.name), step));
            }
        }
        // Every history call blocks on the disk: off the runtime. A
        // failed write keeps its steps in the store's own bounded queue,
        // written first by the next call.
        self.write_history(batch).await;
    }

    /// Writes `batch` to the history off the runtime; the store's backlog
    /// (steps held after a failed write) and losses go to the live state.
    async fn write_history(&mut self, batch: Vec<(Arc<str>, StepSummary)>) {
        let samples: u64 = batch.iter().map(|(_, s)| u64::from(s.sent)).sum();
        let history = Arc::clone(&self.history);
        let result = tokio::task::spawn_blocking(move || {
            let result = history.write(unix_now(), &batch);
            // A step's write dirties a page per target (tens of megabytes
            // at 10,000 targets), freed at the commit. Under glibc's malloc
            // its arena keeps them unless trimmed; the icmpkit binary's
            // jemalloc gives them back by itself (a second's decay), and
            // the trim is then a cheap no-op.
            drop(batch);
            icmpkit_net::memory::release_free_heap();
            (result, history.pending(), history.dropped())
        })
        .await;
        match result {
            Ok((result, pending, dropped)) => {
                // Said once when writing starts to fail and once when it
                // works again, not at every step in between.
                if result.is_ok() {
                    self.tally.written += samples;
                }
                match result {
                    Err(e) if !self.history_failing.swap(true, Ordering::Relaxed) => {
                        log("error", format_args!("history: {e}"));
                    }
                    Ok(()) if self.history_failing.swap(false, Ordering::Relaxed) => {
                        log(
                            "info",
                            "history: writing again; the steps held meanwhile are written",
                        );
                    }
                    _ => {}
                }
                let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
                live.history_pending = pending as u64;
                live.history_dropped = dropped;
            }
            Err(e) => log("error", format_args!("history writer: {e}")),
        }
    }

    /// Reads the configuration again; on success, runs it.
    pub async fn reload(
        &mut self,
        source: &Source,
        listen: Option<SocketAddr>,
    ) -> Result<String, String> {
        let loaded = load(source).map(|mut config| {
            if let Some(addr) = listen {
                config.listen = addr;
            }
            config
        });
        let mut config = match loaded {
            Ok(c) => c,
            Err(e) => {
                let message = e.to_string();
                let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
                live.reloads.1 += 1;
                live.reloads.2 = Some(message.clone());
                return Err(message);
            }
        };
        let mut notes = Vec::new();
        if config.listen != self.config.listen {
            notes.push(format!(
                "the new listen address {} takes effect at restart",
                config.listen
            ));
            config.listen = self.config.listen;
        }
        if config.data_dir != self.config.data_dir || config.retention != self.config.retention {
            notes.push("history settings take effect at restart".to_owned());
        }
        let failures = resolve::resolve(&mut config.targets).await;
        for (_, why) in &failures {
            log("warn", why);
        }
        let summary = format!(
            "{} targets in {} groups, {} alert rules",
            config.targets.targets.len(),
            config.targets.groups.len(),
            config.alerts.len()
        );
        self.restart(config, &failures).await;
        self.live
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .reloads
            .0 += 1;
        notes.insert(0, summary);
        Ok(notes.join("; "))
    }

    /// Stops the probers (their samples all taken in), then runs `config`.
    async fn restart(&mut self, config: Config, failures: &[(usize, String)]) {
        if let Some(probers) = self.probers.take() {
            probers.stop().await;
        }
        self.drain();
        // Open steps of targets removed or re-stepped close now, partial,
        // into the history under their names.
        let dropped =
            self.steps
                .reconfigure(&tracked(&self.config), &tracked(&config), unix_now_ms());
        if !dropped.is_empty() {
            self.write_history(dropped).await;
        }
        {
            let mut live = self.live.write().unwrap_or_else(PoisonError::into_inner);
            *live = live_of(&config, &live, failures);
        }
        let transitions: Vec<Transition> = {
            let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
            let mut t = board.reconfigure(config.alerts.clone(), unix_now());
            t.extend(board.set_targets(&config.targets, unix_now()));
            t
        };
        self.delivery.reconfigure(config.receivers.clone());
        for t in transitions {
            self.delivery.send(t);
        }
        if let Some(tracer) = &self.tracer {
            tracer.reconfigure(&config.targets);
        }
        self.probers = Some(Probers::start(
            &config.targets,
            &self.opener,
            &self.reports_tx,
        ));
        self.unresolved = !failures.is_empty();
        self.config = config;
    }

    /// Takes in every report already on the channel.
    fn drain(&mut self) {
        let mut reports = Vec::new();
        while let Ok(r) = self.reports_rx.try_recv() {
            reports.push(r);
        }
        self.apply(&reports);
    }

    /// Stops probing and writes every step measured, partial ones too.
    pub async fn shutdown(mut self) {
        if let Some(probers) = self.probers.take() {
            probers.stop().await;
        }
        self.drain();
        let _ = self.stop_tracer.send(true);
        if let Some(tracer) = self.tracer.take() {
            tracer.finished().await;
        }
        let closed = self.steps.close_all();
        self.take_closed(closed, unix_now_ms()).await;
        let history = Arc::clone(&self.history);
        match tokio::task::spawn_blocking(move || {
            history.flush(unix_now()).map(|()| history.pending())
        })
        .await
        {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => log(
                "error",
                format_args!("{n} steps could not be written to the history"),
            ),
            Ok(Err(e)) => log(
                "error",
                format_args!("history: {e}; the steps it held are lost"),
            ),
            Err(e) => log("error", format_args!("history writer: {e}")),
        }
        let t = self.tally;
        log(
            "info",
            format_args!(
                "probes: {} sent, {} settled ({} in flight at the stop), {} recorded in steps, \
                 {} written to the history ({} late)",
                t.sent,
                t.settled,
                t.sent.saturating_sub(t.settled),
                t.recorded,
                t.written,
                self.steps.late()
            ),
        );
        self.delivery.shutdown(Duration::from_secs(5)).await;
    }
}
