//! `icmpkit netsim up TOPOLOGY`: the network of a topology file, run in
//! real time behind a TUN device, so that any tool (ping, traceroute,
//! tracepath, mtr, scamper) runs through it.
//!
//! The work is `icmpkit_netsim::Network`'s; this module reads the topology
//! (`icmpkit_netsim::config`), creates the device (`icmpkit_net::tun`) with
//! the attachment's addresses and a route to every other address of the
//! topology (`attach`), runs the real-time loop (`realtime`) until Ctrl-C,
//! SIGTERM or `--duration`, then prints what the network did (`summary`).

mod attach;
mod realtime;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use icmpkit_netsim::Network;

/// Arguments of `icmpkit netsim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: NetsimCommand,
}

#[derive(Debug, clap::Subcommand)]
enum NetsimCommand {
    /// Run a topology behind a TUN device until Ctrl-C (needs `CAP_NET_ADMIN`).
    Up(UpArgs),
}

/// Arguments of `icmpkit netsim up`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Run a topology behind a TUN device until Ctrl-C or SIGTERM.\n\n\
                  The device gets the attachment's addresses and a route to every other \
                  address of the topology, so any tool reaches the routers and hosts \
                  through it: they answer, forward, delay, lose and send ICMP errors as \
                  the topology says. At the end, a summary of what the network did and \
                  how late the packets left (the real-time loop's lateness). Creating \
                  the device needs CAP_NET_ADMIN; it is removed at exit.",
    after_help = "Examples:\n  icmpkit netsim up examples/netsim/chain.toml\n  \
                  icmpkit netsim up --dev sim1 --duration 60 --json chain.toml\n  \
                  (then, elsewhere: traceroute -n 203.0.113.10; tracepath -n 2001:db8:10::10)"
)]
pub struct UpArgs {
    /// The TUN device's name.
    #[arg(long, value_name = "NAME", default_value = "netsim0")]
    dev: String,
    /// The attachment the device is (its name in the topology); needed
    /// only when the topology has several.
    #[arg(long, value_name = "NAME")]
    attachment: Option<String>,
    /// The seed of the network's randomness (loss, jitter, rate limits,
    /// per-packet balancing): the same seed, the same choices. Default: the
    /// file's `seed`, else 1.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Stop after this many seconds (default: at Ctrl-C or SIGTERM).
    #[arg(long, value_name = "SECONDS", value_parser = crate::guard::parse_duration)]
    duration: Option<Duration>,
    /// Run the loop at real-time priority (`SCHED_FIFO` 10): packets
    /// leave on time even when other programs keep the CPUs busy. Needs
    /// `CAP_SYS_NICE`.
    #[arg(long)]
    realtime: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write the summary as JSON into FILE.
    #[arg(long, value_name = "FILE")]
    stats_json: Option<PathBuf>,
    /// The topology file (TOML; `examples/netsim/README.md` has the
    /// format).
    #[arg(value_name = "TOPOLOGY")]
    topology: PathBuf,
}

/// Runs `icmpkit netsim`.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.command {
        NetsimCommand::Up(up) => run_up(up),
    }
}

/// Runs `icmpkit netsim up`.
fn run_up(args: &UpArgs) -> Result<ExitCode> {
    // Its errors name the file, the line and the key.
    let topology = icmpkit_netsim::config::load(&args.topology)?;
    let attachment = attach::choose(&topology, args.attachment.as_deref())?;
    let setup = attach::setup(&topology, attachment);
    let seed = args.seed.or(topology.seed()).unwrap_or(1);
    let network = Network::new(topology, seed).context("the topology is not valid")?;
    let signals = icmpkit_driver::Signals::install().context("installing signal handlers")?;
    let tun = icmpkit_net::tun::TunDevice::create(&args.dev)?;
    tun.configure(&setup)?;
    eprintln!("{}", summary::ready_line(&tun, &setup));
    let end = args.duration.map(|d| std::time::Instant::now() + d);
    let run = realtime::run(&tun, network, attachment, &signals, end, args.realtime)?;
    drop(tun);
    let summary = summary::Summary::new(&args.dev, seed, &run);
    if let Some(path) = &args.stats_json {
        std::fs::write(path, format!("{}\n", summary.json()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{}", summary.json());
    } else {
        print!("{}", summary.text());
    }
    Ok(ExitCode::SUCCESS)
}
