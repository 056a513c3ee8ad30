//! The real-time loop: one thread waits for the TUN device to hold a
//! packet or for the network's next event, whichever comes first; reads
//! every packet waiting (each injected with the time it was read), runs
//! the network up to now and writes every packet leaving it at once.
//!
//! Waits end on time: the thread's timer slack is 1 ns, `ppoll` takes
//! nanoseconds, and the last moments before an event are spent polling
//! the device without sleeping ([`Spin`]: a wake-up from a sleep is tens
//! of microseconds late on a busy machine, more on a loaded one). How late
//! each packet left (handed to the device − due) is measured in
//! microseconds.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use icmpkit_driver::{SIGNAL_CHECK, Signals};
use icmpkit_net::tun::TunDevice;
use icmpkit_netsim::{Network, NodeId, Stats};
use icmpkit_proto::machine::Signal;
use icmpkit_proto::stats::RttHistogram;

/// How long before an event the loop stops sleeping and polls: half as
/// long again as the latest sleeps overshot their end (the worst of them,
/// forgotten by 1/64 a sleep), within [`Spin::MIN`] and [`Spin::MAX`].
#[derive(Debug, Clone, Copy)]
struct Spin {
    margin: Duration,
}

impl Spin {
    /// The least margin.
    const MIN: Duration = Duration::from_micros(20);
    /// The most margin: beyond, spinning costs more than lateness.
    const MAX: Duration = Duration::from_millis(1);

    fn new() -> Self {
        Self {
            margin: Duration::from_micros(60),
        }
    }

    /// A sleep asked to end at `asked` ended, by its timeout, at `woke`.
    fn overshot(&mut self, asked: Instant, woke: Instant) {
        let over = woke.saturating_duration_since(asked);
        let decayed = self.margin.saturating_sub(self.margin / 64);
        self.margin = decayed.max(over * 3 / 2).clamp(Self::MIN, Self::MAX);
    }
}

/// The largest packet a TUN device hands over (and then some).
const BUFFER: usize = 65_536;

/// What a run did.
#[derive(Debug, Clone)]
pub struct Run {
    /// How long it ran.
    pub elapsed: Duration,
    /// Packets read from the device.
    pub read: u64,
    /// Packets written to it.
    pub written: u64,
    /// Writes the device refused.
    pub write_errors: u64,
    /// How late packets were written after they were due, in µs.
    pub lateness: RttHistogram,
    /// The latest a packet was written, in µs.
    pub lateness_max: u64,
    /// The network's counters.
    pub stats: Stats,
}

/// The `SCHED_FIFO` priority of `--realtime`: above ordinary threads,
/// below the kernel's own real-time ones (50) and anything that asks for
/// more.
pub const REALTIME_PRIORITY: u8 = 10;

/// Runs `network` behind `tun` (as `attachment`) until a stop signal or
/// `end`; at [`REALTIME_PRIORITY`] when `realtime`.
pub fn run(
    tun: &TunDevice,
    mut network: Network,
    attachment: NodeId,
    signals: &Signals,
    end: Option<Instant>,
    realtime: bool,
) -> Result<Run> {
    icmpkit_net::sched::set_timer_slack(Duration::from_nanos(1))
        .context("setting the timer slack")?;
    if realtime {
        icmpkit_net::sched::set_realtime(REALTIME_PRIORITY).context("--realtime")?;
    }
    let start = Instant::now();
    let mut run = Run {
        elapsed: Duration::ZERO,
        read: 0,
        written: 0,
        write_errors: 0,
        lateness: RttHistogram::default(),
        lateness_max: 0,
        stats: Stats::default(),
    };
    let mut buf = vec![0u8; BUFFER];
    let mut spin = Spin::new();
    loop {
        if signals.take() == Some(Signal::Stop) {
            break;
        }
        let now = Instant::now();
        if end.is_some_and(|end| now >= end) {
            break;
        }
        // The next thing to do: the network's next event, the end, or a
        // look at the signal flags.
        let mut wake = now + SIGNAL_CHECK;
        if let Some(due) = network.next_due() {
            wake = wake.min(due);
        }
        if let Some(end) = end {
            wake = wake.min(end);
        }
        // Only an event is worth spinning for.
        let event = network.next_due() == Some(wake);
        let margin = if event { spin.margin } else { Duration::ZERO };
        let sleep = wake.saturating_duration_since(now);
        if sleep > margin {
            let asked = sleep.saturating_sub(margin);
            let readable = tun.wait(asked).context("waiting for the TUN device")?;
            if !readable && event {
                spin.overshot(now + asked, Instant::now());
            }
        }
        // What is due leaves first; then what came in (and what of it is
        // due at once); near an event, keep polling until it is due.
        loop {
            let due = run_due(tun, &mut network, &mut run);
            read_all(tun, &mut network, attachment, &mut buf, &mut run)?;
            if run_due(tun, &mut network, &mut run) || due {
                break;
            }
            let now = Instant::now();
            if now >= wake || now + margin < wake {
                // Past it, or not yet near (a packet came): look again.
                break;
            }
            std::hint::spin_loop();
        }
    }
    run.elapsed = start.elapsed();
    run.stats = network.stats().clone();
    Ok(run)
}

/// The most packets read in one pass: a flood faster than the network
/// takes it in must not keep what is due from leaving, nor a signal from
/// being seen.
const READ_BATCH: usize = 256;

/// Reads the packets waiting (at most [`READ_BATCH`]) and injects each at
/// the time it was read.
fn read_all(
    tun: &TunDevice,
    network: &mut Network,
    attachment: NodeId,
    buf: &mut [u8],
    run: &mut Run,
) -> Result<()> {
    for _ in 0..READ_BATCH {
        let Some(n) = tun.read(buf).context("reading the TUN device")? else {
            break;
        };
        run.read += 1;
        network.inject(Instant::now(), attachment, buf[..n].to_vec());
    }
    Ok(())
}

/// Runs the network up to now and writes what leaves it; whether
/// anything was due.
fn run_due(tun: &TunDevice, network: &mut Network, run: &mut Run) -> bool {
    let due = network.next_due().is_some_and(|d| d <= Instant::now());
    if !due {
        return false;
    }
    network.advance(Instant::now(), &mut |egress| {
        // Late by when it is handed over (the kernel then takes it in on
        // this thread, which the next packet waits for).
        let late = Instant::now().saturating_duration_since(egress.at);
        match tun.write(&egress.packet) {
            Ok(()) => run.written += 1,
            Err(_) => run.write_errors += 1,
        }
        let us = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
        run.lateness.record(us);
        run.lateness_max = run.lateness_max.max(us);
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spin_margin_follows_overshoots_within_bounds() {
        let mut spin = Spin::new();
        let t = Instant::now();
        spin.overshot(t, t + Duration::from_micros(100));
        assert_eq!(spin.margin, Duration::from_micros(150));
        // On time: the margin decays by 1/64 a sleep, to the least.
        spin.overshot(t, t);
        assert_eq!(
            spin.margin,
            Duration::from_micros(150).saturating_sub(Duration::from_micros(150) / 64)
        );
        for _ in 0..1000 {
            spin.overshot(t, t);
        }
        assert_eq!(spin.margin, Spin::MIN);
        spin.overshot(t, t + Duration::from_secs(1));
        assert_eq!(spin.margin, Spin::MAX);
    }
}
