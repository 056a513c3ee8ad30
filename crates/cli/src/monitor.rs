//! `icmpkit monitor`: the monitoring daemon (`icmpkit_monitor::daemon`),
//! from a configuration file or, for a quick start, from targets on the
//! command line; `--check-config` reads a file and says what it holds or
//! what is wrong, without starting anything.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use icmpkit_monitor::daemon::{self, Source};

/// Arguments of `icmpkit monitor`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Ping (and trace) many targets continuously: Prometheus metrics at /metrics, \
                  a history with smokeping's graphs on a web page, and alerts.\n\n\
                  With --config FILE, everything comes from the file (examples/monitor/monitor.toml \
                  shows every key); with targets on the command line, each is pinged once a \
                  second, as smokeping_prober does. SIGHUP, POST /-/reload or a change of the file \
                  reloads it (a bad file is refused and the running configuration stays); SIGTERM \
                  stops the daemon with every measured step written.",
    after_help = "Examples:\n  icmpkit monitor --listen 127.0.0.1:9470 db.example.net 2001:db8::7\n  \
                  icmpkit monitor --config /etc/icmpkit/monitor.toml\n  \
                  icmpkit monitor --check-config /etc/icmpkit/monitor.toml"
)]
pub struct Args {
    /// The configuration file (TOML).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the web pages, /metrics and /api are served (default
    /// 127.0.0.1:9470, or the file's `listen`).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Read the configuration file, print what it holds or what is wrong,
    /// and exit (0: good, 2: wrong).
    #[arg(long, value_name = "FILE")]
    check_config: Option<PathBuf>,
    /// Hosts to ping once a second each (no configuration file).
    #[arg(value_name = "TARGET", conflicts_with = "config")]
    targets: Vec<String>,
}

/// Runs `icmpkit monitor`.
pub fn run(args: &Args) -> Result<ExitCode> {
    if let Some(path) = &args.check_config {
        let config = icmpkit_monitor::config::load(path)?;
        println!(
            "{}: {} targets in {} groups, {} alert rules, {} receivers; listen {}, history in {}",
            path.display(),
            config.targets.targets.len(),
            config.targets.groups.len(),
            config.alerts.len(),
            config.receivers.len(),
            config.listen,
            config.data_dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let source = match (&args.config, args.targets.is_empty()) {
        (Some(path), _) => Source::File(path.clone()),
        (None, false) => Source::Fixed(Box::new(icmpkit_monitor::config::quick(
            &args.targets,
            args.listen,
        )?)),
        (None, true) => bail!(
            "nothing to monitor: give --config FILE, or targets on the command line \
             (icmpkit monitor --help)"
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(daemon::run(source, args.listen))?;
    Ok(ExitCode::SUCCESS)
}
