//! The process: configuration in, probers and tracers started, their
//! reports gathered into steps by one aggregation task (the only writer
//! of the live state, the history and the alert board), the HTTP server
//! beside it; reload on SIGHUP, `POST /-/reload` or a change of the file,
//! validated first; SIGTERM or SIGINT stop it with every measured step
//! written.
//!
//! Logs go to standard error, one line each: time (RFC 3339, UTC), level,
//! message.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

use crate::config::Config;

mod aggregate;
mod http;
mod resolve;
mod watch;

pub use aggregate::Aggregator;

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file, read again on reload.
    File(PathBuf),
    /// Built from the command line (`icmpkit monitor TARGET...`); a reload
    /// keeps it.
    Fixed(Box<Config>),
}

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The configuration is wrong.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    /// The history store could not be opened.
    #[error("{0}")]
    History(#[from] crate::history::HistoryError),
    /// The HTTP port could not be taken.
    #[error(
        "listening on {addr}: {source}; choose another address with --listen or `listen` in the file"
    )]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// Signal handlers could not be installed.
    #[error("installing signal handlers: {0}")]
    Signals(std::io::Error),
}

/// Logs one line to standard error.
pub fn log(level: &str, message: impl std::fmt::Display) {
    eprintln!(
        "{} {level} {message}",
        humantime::format_rfc3339_seconds(SystemTime::now())
    );
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Unix milliseconds now.
pub(crate) fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Reads the configuration of `source`.
pub fn load(source: &Source) -> Result<Config, crate::config::ConfigError> {
    match source {
        Source::File(path) => crate::config::load(path),
        Source::Fixed(config) => Ok((**config).clone()),
    }
}

/// A request to read the configuration again, answered with what
/// happened.
pub(crate) type ReloadRequest = oneshot::Sender<Result<String, String>>;

/// Runs the daemon until SIGTERM or SIGINT. `listen` overrides the
/// configuration's address.
pub async fn run(source: Source, listen: Option<SocketAddr>) -> Result<(), DaemonError> {
    // First, so that a SIGHUP or SIGTERM during a slow start is taken as
    // a request, not the signal's default action (the end).
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(DaemonError::Signals)?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(DaemonError::Signals)?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(DaemonError::Signals)?;
    // Before any socket is opened on this thread (which drops its
    // CAP_NET_RAW): every socket is opened from here.
    let opener = crate::path::SocketOpener::start().map_err(DaemonError::Signals)?;
    let mut config = load(&source)?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    let history = Arc::new(crate::history::History::open(
        &config.data_dir,
        config.retention.clone(),
    )?);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| DaemonError::Listen {
            addr: config.listen,
            source,
        })?;
    let live = Arc::new(RwLock::new(crate::live::Live::default()));
    let (reload_tx, reload_rx) = mpsc::channel::<ReloadRequest>(4);

    let mut aggregator =
        Aggregator::start(config, opener, Arc::clone(&live), Arc::clone(&history)).await;
    let server = tokio::spawn(http::serve(
        listener,
        Arc::clone(&live),
        Arc::clone(&history),
        aggregator.alerts(),
        reload_tx.clone(),
    ));
    log(
        "info",
        format_args!("listening on http://{}", aggregator.listen()),
    );

    let watcher = match &source {
        Source::File(path) => Some(watch::spawn(path.clone(), reload_tx.clone())),
        Source::Fixed(_) => None,
    };
    let mut reload_rx = reload_rx;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // In this order: a stop first, then reloads, then the clock, then
        // reports (closing steps drains the reports first).
        tokio::select! {
            biased;
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                let outcome = aggregator.reload(&source, listen).await;
                log_reload(&outcome);
            }
            Some(request) = reload_rx.recv() => {
                let outcome = aggregator.reload(&source, listen).await;
                log_reload(&outcome);
                let _ = request.send(outcome);
            }
            _ = tick.tick() => aggregator.close_due().await,
            () = aggregator.gather() => {}
        }
    }
    log("info", "stopping: writing the steps measured so far");
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    aggregator.shutdown().await;
    server.abort();
    log("info", "stopped");
    Ok(())
}

fn log_reload(outcome: &Result<String, String>) {
    match outcome {
        Ok(message) => log("info", format_args!("reloaded: {message}")),
        Err(message) => log(
            "error",
            format_args!("reload refused, the running configuration stays: {message}"),
        ),
    }
}
