//! Delivery: a task that takes [`Transition`]s and sends them to the
//! receivers, retrying for a while, never blocking the daemon. See the
//! [module documentation](super) for what each kind of receiver gets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::board::{Alert, AlertState, Transition, TransitionKind};
use super::payload::{self, Origin};
use super::rule::{Delivery, Receiver};

/// How delivery behaves; [`DeliverySettings::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// The `agent` label of every alert, and the daemon's external URL.
    pub origin: Origin,
    /// How often firing alerts are sent to Alertmanager again (default
    /// 60 s); each is sent valid for 4 times this (its `endsAt`), as
    /// Prometheus does.
    pub resend_every: Duration,
    /// The first wait before a retry (default 1 s); it doubles after each
    /// failed attempt, up to [`DeliverySettings::max_backoff`].
    pub first_backoff: Duration,
    /// The longest wait between attempts (default 30 s).
    pub max_backoff: Duration,
    /// Attempts per message before it is dropped (default 8: about 2.5
    /// minutes with the default backoff).
    pub max_attempts: u32,
    /// Messages waiting per receiver (and transitions waiting for the
    /// task); past this, new ones are dropped and counted (default 1024).
    pub queue: usize,
}

impl DeliverySettings {
    /// The defaults, for alerts of `agent`.
    pub fn new(agent: impl Into<String>) -> Self {
        Self {
            origin: Origin {
                agent: agent.into(),
                external_url: None,
            },
            resend_every: Duration::from_mins(1),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_attempts: 8,
            queue: 1024,
        }
    }
}

/// Counts of what delivery did since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryStats {
    /// Messages a receiver accepted (an HTTP 2xx, a command run).
    pub delivered: u64,
    /// Attempts that failed (each retry counts).
    pub failed_attempts: u64,
    /// Messages given up on after their last attempt, or refused for good
    /// (an HTTP 4xx, a command that could not start).
    pub given_up: u64,
    /// Transitions dropped because a queue was full or delivery had shut
    /// down.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    given_up: AtomicU64,
    dropped: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> DeliveryStats {
        DeliveryStats {
            delivered: self.delivered.load(Ordering::Relaxed),
            failed_attempts: self.failed_attempts.load(Ordering::Relaxed),
            given_up: self.given_up.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Why one delivery attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The receiver's URL does not parse.
    #[error("the URL {url:?} is not valid: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Only `http://` is spoken.
    #[error("the URL {url:?} is not http:// (put a TLS proxy in front for https)")]
    NotHttp {
        /// The URL.
        url: String,
    },
    /// No connection, or the request broke.
    #[error("POST {url} failed: {reason}")]
    Request {
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// The receiver answered with an error status.
    #[error("POST {url} answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// It took longer than the receiver's timeout.
    #[error("{what} took longer than {timeout:?}")]
    Timeout {
        /// The request or command.
        what: String,
        /// The receiver's timeout.
        timeout: Duration,
    },
    /// The command could not start, or its input could not be written.
    #[error("the command {program:?} could not run: {reason}")]
    Spawn {
        /// The program.
        program: String,
        /// The system's reason.
        reason: String,
    },
    /// The command exited with a failure.
    #[error("the command {program:?} exited with {status}")]
    Exit {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
    },
}

impl DeliveryError {
    /// Whether trying again may help: network trouble, timeouts and 5xx,
    /// 408 and 429 answers. A command is never run twice for one message.
    pub fn is_transient(&self) -> bool {
        match self {
            DeliveryError::Request { .. } => true,
            DeliveryError::Timeout { what, .. } => !what.starts_with("command"),
            DeliveryError::Status { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            _ => false,
        }
    }
}

/// What the handle tells the task besides transitions.
enum Control {
    Reconfigure(Vec<Receiver>),
    Shutdown {
        deadline: Duration,
        done: oneshot::Sender<()>,
    },
}

/// The delivery task's handle: how the daemon talks to it. Dropping it
/// stops the task once its queues are empty (without a deadline); call
/// [`DeliveryHandle::shutdown`] to flush with one.
#[derive(Debug)]
pub struct DeliveryHandle {
    transitions: mpsc::Sender<Transition>,
    control: mpsc::UnboundedSender<Control>,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Control::Reconfigure(r) => f.debug_tuple("Reconfigure").field(r).finish(),
            Control::Shutdown { deadline, .. } => f
                .debug_struct("Shutdown")
                .field("deadline", deadline)
                .finish_non_exhaustive(),
        }
    }
}

impl DeliveryHandle {
    /// Queues a transition for its receivers; never waits. When the queue
    /// is full (receivers far behind) it is dropped, logged and counted.
    pub fn send(&self, transition: Transition) {
        if let Err(e) = self.transitions.try_send(transition) {
            Counters::add(&self.counters.dropped);
            let t = match e {
                mpsc::error::TrySendError::Full(t) | mpsc::error::TrySendError::Closed(t) => t,
            };
            log(&format!(
                "{} {} for {} dropped: the delivery queue is full or closed",
                t.alert.rule,
                kind_word(t.kind),
                t.alert.target
            ));
        }
    }

    /// Takes a new receiver list (a reload). A receiver whose name and
    /// settings are unchanged keeps its queue; a new or changed
    /// Alertmanager receiver is sent every firing alert routed to it at
    /// once; a removed receiver finishes what it has queued.
    pub fn reconfigure(&self, receivers: Vec<Receiver>) {
        let _ = self.control.send(Control::Reconfigure(receivers));
    }

    /// What delivery did so far.
    pub fn stats(&self) -> DeliveryStats {
        self.counters.snapshot()
    }

    /// Stops delivery: the transitions already sent are delivered, with
    /// one attempt each once shutdown began (no more retries), for at most
    /// `deadline`; what is left then is dropped.
    pub async fn shutdown(self, deadline: Duration) {
        let (done, wait) = oneshot::channel();
        if self
            .control
            .send(Control::Shutdown { deadline, done })
            .is_ok()
        {
            let _ = wait.await;
        }
        let _ = self.task.await;
    }
}

/// The delivery task.
#[derive(Debug)]
pub struct Deliverer;

impl Deliverer {
    /// Starts delivery to `receivers` with the default settings, alerts
    /// labelled `agent`. Must be called inside a tokio runtime.
    pub fn spawn(receivers: Vec<Receiver>, agent: impl Into<String>) -> DeliveryHandle {
        Self::spawn_with(receivers, DeliverySettings::new(agent))
    }

    /// Starts delivery to `receivers` with `settings`. Must be called
    /// inside a tokio runtime.
    pub fn spawn_with(receivers: Vec<Receiver>, settings: DeliverySettings) -> DeliveryHandle {
        let (transitions, transitions_rx) = mpsc::channel(settings.queue.max(1));
        let (control, control_rx) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        let (closing, closing_rx) = watch::channel(false);
        let client = Client::builder(TokioExecutor::new()).build_http();
        let mut coordinator = Coordinator {
            settings: Arc::new(settings),
            counters: Arc::clone(&counters),
            client,
            closing,
            closing_rx,
            workers: BTreeMap::new(),
            retiring: Vec::new(),
            active: BTreeMap::new(),
        };
        coordinator.reconfigure(receivers);
        let task = tokio::spawn(coordinator.run(transitions_rx, control_rx));
        DeliveryHandle {
            transitions,
            control,
            counters,
            task,
        }
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A message for one receiver.
#[derive(Debug, Clone)]
enum Job {
    /// A transition, in order.
    Notify(Box<Transition>),
    /// Firing alerts sent again (Alertmanager only).
    Resend(Vec<Alert>),
}

struct Worker {
    receiver: Receiver,
    jobs: mpsc::Sender<Job>,
    task: JoinHandle<()>,
}

struct Coordinator {
    settings: Arc<DeliverySettings>,
    counters: Arc<Counters>,
    client: HttpClient,
    closing: watch::Sender<bool>,
    closing_rx: watch::Receiver<bool>,
    workers: BTreeMap<String, Worker>,
    /// Workers of receivers removed or changed, finishing their queues.
    retiring: Vec<JoinHandle<()>>,
    /// Firing alerts by (rule, target), for resending.
    active: BTreeMap<(String, String), Alert>,
}

impl Coordinator {
    async fn run(
        mut self,
        mut transitions: mpsc::Receiver<Transition>,
        mut control: mpsc::UnboundedReceiver<Control>,
    ) {
        let mut resend =
            tokio::time::interval(self.settings.resend_every.max(Duration::from_millis(10)));
        resend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        resend.tick().await;
        let mut shutdown = None;
        loop {
            tokio::select! {
                biased;
                c = control.recv() => match c {
                    Some(Control::Reconfigure(receivers)) => self.reconfigure(receivers),
                    Some(Control::Shutdown { deadline, done }) => {
                        shutdown = Some((deadline, Some(done)));
                        break;
                    }
                    None => break,
                },
                t = transitions.recv() => match t {
                    Some(t) => self.notify(&t),
                    None => break,
                },
                _ = resend.tick() => self.resend(),
            }
        }
        // Whatever was queued before the shutdown goes too.
        transitions.close();
        while let Ok(t) = transitions.try_recv() {
            self.notify(&t);
        }
        let deadline = shutdown.as_ref().map(|(d, _)| *d);
        if deadline.is_some() {
            let _ = self.closing.send(true);
        }
        let mut tasks: Vec<JoinHandle<()>> = std::mem::take(&mut self.retiring);
        // Dropping the senders lets each worker end after its queue.
        tasks.extend(
            std::mem::take(&mut self.workers)
                .into_values()
                .map(|w| w.task),
        );
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        let all = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        match deadline {
            Some(deadline) => {
                if tokio::time::timeout(deadline, all).await.is_err() {
                    log("shutdown deadline reached: undelivered alerts dropped");
                    for a in aborts {
                        a.abort();
                    }
                }
            }
            None => all.await,
        }
        if let Some((_, Some(done))) = shutdown {
            let _ = done.send(());
        }
    }

    fn reconfigure(&mut self, receivers: Vec<Receiver>) {
        let mut old = std::mem::take(&mut self.workers);
        for receiver in receivers {
            if let Some(worker) = old.remove(&receiver.name) {
                if worker.receiver == receiver {
                    self.workers.insert(receiver.name.clone(), worker);
                    continue;
                }
                self.retiring.push(worker.task);
            }
            let name = receiver.name.clone();
            let is_alertmanager = matches!(receiver.delivery, Delivery::Alertmanager { .. });
            let worker = self.start(receiver);
            if is_alertmanager {
                let alerts = self.routed(&name);
                if !alerts.is_empty() {
                    self.queue(&worker, Job::Resend(alerts));
                }
            }
            self.workers.insert(name, worker);
        }
        self.retiring
            .extend(old.into_values().map(|worker| worker.task));
        self.retiring.retain(|t| !t.is_finished());
    }

    fn start(&self, receiver: Receiver) -> Worker {
        let (jobs, rx) = mpsc::channel(self.settings.queue.max(1));
        let run = WorkerRun {
            receiver: receiver.clone(),
            settings: Arc::clone(&self.settings),
            counters: Arc::clone(&self.counters),
            client: self.client.clone(),
            closing: self.closing_rx.clone(),
        };
        Worker {
            receiver,
            jobs,
            task: tokio::spawn(run.run(rx)),
        }
    }

    /// Firing alerts routed to receiver `name`.
    fn routed(&self, name: &str) -> Vec<Alert> {
        self.active
            .values()
            .filter(|a| routes_to(a, name))
            .cloned()
            .collect()
    }

    fn queue(&self, worker: &Worker, job: Job) {
        if worker.jobs.try_send(job).is_err() {
            Counters::add(&self.counters.dropped);
            log(&format!(
                "receiver {}: queue full, a message dropped",
                worker.receiver.name
            ));
        }
    }

    fn notify(&mut self, transition: &Transition) {
        let key = (
            transition.alert.rule.clone(),
            transition.alert.target.clone(),
        );
        match transition.kind {
            TransitionKind::Fired => {
                self.active.insert(key, transition.alert.clone());
            }
            TransitionKind::Resolved => {
                self.active.remove(&key);
            }
        }
        for (name, worker) in &self.workers {
            if routes_to(&transition.alert, name) {
                self.queue(worker, Job::Notify(Box::new(transition.clone())));
            }
        }
    }

    fn resend(&self) {
        for (name, worker) in &self.workers {
            if !matches!(worker.receiver.delivery, Delivery::Alertmanager { .. }) {
                continue;
            }
            // A receiver still busy gets no resend this time: what it has
            // queued goes first, and the queue never fills with resends.
            if worker.jobs.capacity() < worker.jobs.max_capacity() {
                continue;
            }
            let alerts = self.routed(name);
            if !alerts.is_empty() {
                self.queue(worker, Job::Resend(alerts));
            }
        }
    }
}

fn routes_to(alert: &Alert, receiver: &str) -> bool {
    alert.receivers.is_empty() || alert.receivers.iter().any(|r| r == receiver)
}

/// The most messages one delivery carries.
const BATCH: usize = 64;

/// One receiver's delivery loop.
struct WorkerRun {
    receiver: Receiver,
    settings: Arc<DeliverySettings>,
    counters: Arc<Counters>,
    client: HttpClient,
    closing: watch::Receiver<bool>,
}

impl WorkerRun {
    async fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(job) = jobs.recv().await {
            let mut batch = vec![job];
            while batch.len() < BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.deliver(&batch).await;
        }
    }

    /// Delivers one batch, retrying transient failures.
    async fn deliver(&mut self, batch: &[Job]) {
        let mut backoff = self.settings.first_backoff;
        let mut attempt = 1;
        loop {
            let result = self.attempt(batch).await;
            let error = match result {
                Ok(()) => {
                    Counters::add(&self.counters.delivered);
                    return;
                }
                Err(e) => e,
            };
            Counters::add(&self.counters.failed_attempts);
            let closing = *self.closing.borrow();
            if !error.is_transient() || attempt >= self.settings.max_attempts || closing {
                Counters::add(&self.counters.given_up);
                log(&format!(
                    "receiver {}: {error}; gave up after {attempt} attempt(s), {} dropped",
                    self.receiver.name,
                    describe(batch)
                ));
                return;
            }
            log(&format!(
                "receiver {}: {error}; retrying in {backoff:?}",
                self.receiver.name
            ));
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = self.closing.wait_for(|c| *c) => {}
            }
            backoff = (backoff * 2).min(self.settings.max_backoff);
            attempt += 1;
        }
    }

    async fn attempt(&self, batch: &[Job]) -> Result<(), DeliveryError> {
        let origin = &self.settings.origin;
        match &self.receiver.delivery {
            Delivery::Alertmanager { url } => {
                let now = payload::unix_seconds(SystemTime::now());
                let valid = i64::try_from(self.settings.resend_every.as_secs().max(1) * 4)
                    .unwrap_or(i64::MAX);
                let alerts: Vec<_> = alerts_of(batch, true)
                    .iter()
                    .map(|a| payload::postable(a, origin, now.saturating_add(valid)))
                    .collect();
                let url = format!("{}/api/v2/alerts", url.trim_end_matches('/'));
                self.post(&url, &alerts).await
            }
            Delivery::Webhook { url } => {
                let message =
                    payload::webhook(&self.receiver.name, &alerts_of(batch, false), origin);
                self.post(url, &message).await
            }
            Delivery::Command { argv } => {
                let message =
                    payload::webhook(&self.receiver.name, &alerts_of(batch, false), origin);
                let body = serde_json::to_vec(&message).unwrap_or_default();
                run_command(argv, &body, self.receiver.timeout).await
            }
        }
    }

    async fn post(&self, url: &str, body: &impl serde::Serialize) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(body).map_err(|e| DeliveryError::Request {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        let uri: Uri =
            url.parse()
                .map_err(|e: hyper::http::uri::InvalidUri| DeliveryError::BadUrl {
                    url: url.to_owned(),
                    reason: e.to_string(),
                })?;
        if uri.scheme_str() != Some("http") {
            return Err(DeliveryError::NotHttp {
                url: url.to_owned(),
            });
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("icmpkit-monitor/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| DeliveryError::BadUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let exchange = async {
            let response =
                self.client
                    .request(request)
                    .await
                    .map_err(|e| DeliveryError::Request {
                        url: url.to_owned(),
                        reason: error_chain(&e),
                    })?;
            let status = response.status();
            // Read (a bounded part of) the answer so the connection can be
            // used again.
            let _ = Limited::new(response.into_body(), 64 * 1024)
                .collect()
                .await;
            if status.is_success() {
                Ok(())
            } else {
                Err(DeliveryError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                })
            }
        };
        tokio::time::timeout(self.receiver.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(DeliveryError::Timeout {
                    what: format!("POST {url}"),
                    timeout: self.receiver.timeout,
                })
            })
    }
}

/// The alerts a batch carries, in order. For Alertmanager (`latest`),
/// the firing alerts sent again too, and each alert once, in its latest
/// state (a resolution queued behind a resend of the same alert replaces
/// it). For a webhook or a command, every transition.
fn alerts_of(batch: &[Job], latest: bool) -> Vec<Alert> {
    let mut alerts: Vec<Alert> = Vec::new();
    let mut put = |alert: &Alert| {
        let same = |b: &&mut Alert| b.rule == alert.rule && b.target == alert.target;
        match alerts.iter_mut().find(same) {
            Some(earlier) if latest => *earlier = alert.clone(),
            _ => alerts.push(alert.clone()),
        }
    };
    for job in batch {
        match job {
            Job::Notify(t) => put(&t.alert),
            Job::Resend(list) if latest => list.iter().for_each(&mut put),
            Job::Resend(_) => {}
        }
    }
    alerts
}

/// Runs `argv` with `input` on its standard input, within `timeout`.
async fn run_command(
    argv: &[String],
    input: &[u8],
    timeout: Duration,
) -> Result<(), DeliveryError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(DeliveryError::Spawn {
            program: String::new(),
            reason: "no program given".into(),
        });
    };
    let spawn_error = |e: std::io::Error| DeliveryError::Spawn {
        program: program.clone(),
        reason: e.to_string(),
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_error)?;
    let mut stdin = child.stdin.take();
    let run = async {
        if let Some(stdin) = &mut stdin {
            // A program that does not read its input is not a failure.
            let _ = stdin.write_all(input).await;
            let _ = stdin.shutdown().await;
        }
        drop(stdin);
        child.wait().await
    };
    let outcome = tokio::time::timeout(timeout, run).await;
    match outcome {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(DeliveryError::Exit {
            program: program.clone(),
            status: status.to_string(),
        }),
        Ok(Err(e)) => Err(spawn_error(e)),
        Err(_) => {
            let _ = child.kill().await;
            Err(DeliveryError::Timeout {
                what: format!("command {program:?}"),
                timeout,
            })
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn kind_word(kind: TransitionKind) -> &'static str {
    match kind {
        TransitionKind::Fired => "firing",
        TransitionKind::Resolved => "resolved",
    }
}

fn describe(batch: &[Job]) -> String {
    let alerts = alerts_of(batch, true);
    let firing = alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    format!(
        "{} alert(s) ({firing} firing, {} resolved)",
        alerts.len(),
        alerts.len() - firing
    )
}

/// Delivery's log line, on standard error.
fn log(message: &str) {
    eprintln!("icmpkit monitor: alerts: {message}");
}

#[cfg(test)]
mod tests;
