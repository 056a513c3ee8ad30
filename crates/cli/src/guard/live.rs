//! `icmpkit guard -i IFACE`: the guard on a live interface.
//!
//! The capture (`icmpkit_net::capture`: a `TPACKET_V3` ring with a kernel
//! filter for ICMP, ICMPv6 and fragments) is opened, `CAP_NET_RAW` is
//! dropped, and the ring is read in blocks until Ctrl-C, SIGTERM,
//! `--duration` or `--count`; findings are written (and flushed) after each
//! block, and with `--listen` a snapshot of the counts is published for
//! `/metrics` at most every 250 ms.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use icmpkit_capture::Timestamp;
use icmpkit_guard::Guard;
use icmpkit_guard::observe::{Captured, Direction};
use icmpkit_net::capture::{self, CaptureFilter, CaptureStats, Options, PacketCapture};

use super::metrics::{self, Shared, Snapshot};
use super::{Args, Renderer, drain};

/// How long one wait for a block lasts: the longest a stop waits.
const WAIT: Duration = Duration::from_millis(100);
/// The least time between two snapshots for `/metrics`.
const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// The guard's direction of a captured packet.
fn direction(d: capture::Direction) -> Direction {
    match d {
        capture::Direction::Incoming => Direction::Incoming,
        capture::Direction::Outgoing => Direction::Outgoing,
        capture::Direction::Other => Direction::Transit,
    }
}

/// Captures on `interface` into the guard until told to stop; returns
/// what the kernel captured and dropped.
pub(super) fn run(
    args: &Args,
    interface: &str,
    guard: &mut Guard,
    renderer: &mut dyn Renderer,
    out: &mut dyn Write,
) -> Result<CaptureStats> {
    let options = Options {
        filter: if args.all_traffic {
            CaptureFilter::All
        } else {
            CaptureFilter::Icmp
        },
        promiscuous: args.promiscuous,
        ..Options::default()
    };
    let on = (interface != "any").then_some(interface);
    let mut capture = PacketCapture::open(on, &options)?;
    icmpkit_net::privilege::drop_raw_capability()
        .context("cannot drop CAP_NET_RAW after opening the capture")?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the signal handlers")?;
    }
    let shared = match args.listen {
        Some(addr) => {
            let shared = Shared::default();
            metrics::serve(addr, Arc::clone(&shared))?;
            Some(shared)
        }
        None => None,
    };
    let started = Instant::now();
    let deadline = args.duration.and_then(|d| started.checked_add(d));
    let mut frame = 0u64;
    let mut published: Option<Instant> = None;
    let limit = args.count.unwrap_or(u64::MAX);
    while frame < limit
        && !stop.load(Ordering::Relaxed)
        && deadline.is_none_or(|d| Instant::now() < d)
    {
        let read = capture.for_each(WAIT, |packet| {
            if frame >= limit {
                return;
            }
            frame += 1;
            guard.observe(&Captured {
                frame,
                time: Timestamp {
                    seconds: packet.time.0,
                    nanoseconds: packet.time.1,
                },
                ip: packet.ip,
                direction: direction(packet.direction),
                link_broadcast: packet.link_broadcast,
            });
        });
        match read {
            Ok(_) => {}
            // A downed interface is reported once; the capture waits on.
            Err(e) if icmpkit_net::os_errno(&e) == Some(icmpkit_net::ENETDOWN) => {
                eprintln!("icmpkit guard: {e}");
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(anyhow::Error::new(e).context("capture failed")),
        }
        drain(guard, renderer, out)?;
        out.flush()?;
        if let Some(shared) = &shared
            && published.is_none_or(|at| at.elapsed() >= PUBLISH_EVERY)
        {
            let stats = capture.stats().ok().map(|s| (s.packets, s.drops));
            // Rates run to the wall clock (the kernel stamps packets with
            // it), not to the latest packet: after a flood they fall to
            // nothing while nothing comes.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
            let snapshot = Snapshot::of(guard, stats, now);
            *shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot);
            published = Some(Instant::now());
        }
    }
    capture
        .stats()
        .context("cannot read the capture's statistics")
}
