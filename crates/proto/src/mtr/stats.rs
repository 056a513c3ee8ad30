//! mtr's per-hop figures, computed as mtr computes them (`net.c`).
//!
//! OWNED BY HELPER mtr-stats: replace the bodies below.

use std::time::Duration;

/// A figure of a hop's table row, all in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// The newest RTT (mtr `Last`, key `N`).
    Last,
    /// The mean RTT (`Avg`, `A`).
    Avg,
    /// The smallest RTT (`Best`, `B`).
    Best,
    /// The largest RTT (`Wrst`, `W`).
    Worst,
    /// The standard deviation (`StDev`, `V`).
    StDev,
    /// The geometric mean (`Gmean`, `G`).
    Gmean,
    /// The current jitter, |last - previous| (`Jttr`, `J`).
    Jitter,
    /// The mean jitter (`Javg`, `M`).
    Javg,
    /// The worst jitter (`Jmax`, `X`).
    Jmax,
    /// The interarrival jitter, RFC 1889 (`Jint`, `I`).
    Jint,
}

/// What the probes of one hop (or one flow of a hop) add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HopStats {
    sent: u64,
    received: u64,
}

impl HopStats {
    /// One resolved probe: answered after `rtt`, or lost (`None`).
    pub fn record(&mut self, rtt: Option<Duration>) {
        self.sent += 1;
        if rtt.is_some() {
            self.received += 1;
        }
    }

    /// Probes resolved (mtr `Snt`).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Probes answered (`Rcv`).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Probes not answered (`Drop`).
    pub fn dropped(&self) -> u64 {
        self.sent - self.received
    }

    /// `Loss%`: unanswered over resolved, 0 to 100 (0 when none sent).
    pub fn loss_percent(&self) -> f64 {
        todo!("helper mtr-stats")
    }

    /// A figure in milliseconds; `None` before the first answer.
    pub fn figure(&self, _figure: Figure) -> Option<f64> {
        todo!("helper mtr-stats")
    }
}
