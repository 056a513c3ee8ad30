//! SIGINT, SIGTERM and SIGQUIT, installed once for every tool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use icmpkit_proto::machine::Signal;

/// The longest a real transport waits before the driver looks at the
/// signal flags again (a signal that lands just before a wait does not
/// interrupt it).
pub const SIGNAL_CHECK: Duration = Duration::from_millis(200);

/// Flags set by the process's signal handlers.
#[derive(Debug, Clone)]
pub struct Signals {
    stop: Arc<AtomicBool>,
    status: Arc<AtomicBool>,
    /// A pause, resume or burst check asked for by a live view, not yet
    /// taken (the latest wins).
    pause: Arc<AtomicU8>,
}

/// What `Signals::pause` holds.
const NO_PAUSE: u8 = 0;
const PAUSE: u8 = 1;
const RESUME: u8 = 2;
const BURST: u8 = 3;

impl Signals {
    /// Installs handlers: SIGINT and SIGTERM ask to stop, SIGQUIT for a
    /// status line.
    pub fn install() -> std::io::Result<Self> {
        let signals = Self::none();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&signals.stop))?;
        }
        signal_hook::flag::register(signal_hook::consts::SIGQUIT, Arc::clone(&signals.status))?;
        Ok(signals)
    }

    /// Flags no handler sets (a simulated run, a test); [`Signals::raise`]
    /// sets them.
    pub fn none() -> Self {
        Self {
            stop: Arc::new(AtomicBool::new(false)),
            status: Arc::new(AtomicBool::new(false)),
            pause: Arc::new(AtomicU8::new(NO_PAUSE)),
        }
    }

    /// Sets a flag as the handler would (a daemon stopping one run, a
    /// test).
    pub fn raise(&self, signal: Signal) {
        match signal {
            Signal::Stop => self.stop.store(true, Ordering::Relaxed),
            Signal::Status => self.status.store(true, Ordering::Relaxed),
            Signal::Pause => self.pause.store(PAUSE, Ordering::Relaxed),
            Signal::Resume => self.pause.store(RESUME, Ordering::Relaxed),
            Signal::Burst => self.pause.store(BURST, Ordering::Relaxed),
        }
    }

    /// The signal that came since the last call, stop first, then status,
    /// then the latest pause, resume or burst check. A stop stays raised; the others
    /// are taken.
    pub fn take(&self) -> Option<Signal> {
        if self.stop.load(Ordering::Relaxed) {
            Some(Signal::Stop)
        } else if self.status.load(Ordering::Relaxed) && self.status.swap(false, Ordering::Relaxed)
        {
            // (Loaded first: the driver asks after every wait, and a plain
            // load costs less than a swap, which locks the cache line.)
            Some(Signal::Status)
        } else if self.pause.load(Ordering::Relaxed) == NO_PAUSE {
            None
        } else {
            match self.pause.swap(NO_PAUSE, Ordering::Relaxed) {
                PAUSE => Some(Signal::Pause),
                RESUME => Some(Signal::Resume),
                BURST => Some(Signal::Burst),
                _ => None,
            }
        }
    }
}
