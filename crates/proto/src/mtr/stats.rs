//! mtr's per-hop figures, computed as mtr computes them (`ui/net.c`,
//! `net_process_ping` and the `net_*` getters).
//!
//! mtr keeps every figure as a C `int` of microseconds and updates it per
//! answer with integer (or double-then-truncated) arithmetic; the table
//! shows the value divided by 1000.0. [`HopStats`] keeps the same fields
//! with the same arithmetic, so its figures are the ones mtr would show
//! for the same RTTs, truncations included:
//!
//! - the first answer sets `Best`, `Wrst`, `Gmean` to its RTT and the
//!   jitter figures to 0 (no previous RTT to differ from);
//! - `Avg` is a running mean kept as an integer: `avg += (rtt - avg) / n`
//!   computed in double and truncated toward zero;
//! - `StDev` is `sqrt(ssd / (n - 1))`, truncated, where `ssd`, the running
//!   sum of squared differences (Welford), grows by
//!   `(rtt - old avg) * (rtt - new avg)`; 0 with one answer;
//! - `Gmean` is `gmean^((n-1)/n) * rtt^(1/n)`, truncated every step;
//! - `Jttr` is `|rtt - previous rtt|`, `Jmax` its largest value, `Javg`
//!   its running mean with C integer division (`javg += (jitter - javg) /
//!   n`, truncating toward zero);
//! - `Jint` is RFC 1889's interarrival jitter estimator as written in its
//!   appendix A.8, `jinta += jitter - ((jinta + 8) >> 4)`: the estimate
//!   scaled by 16, and mtr shows it so (it does not divide by 16).

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

impl Figure {
    /// Every figure, in the order declared.
    pub const ALL: [Self; 10] = [
        Self::Last,
        Self::Avg,
        Self::Best,
        Self::Worst,
        Self::StDev,
        Self::Gmean,
        Self::Jitter,
        Self::Javg,
        Self::Jmax,
        Self::Jint,
    ];
}

/// What the probes of one hop (or one flow of a hop) add up to.
///
/// The figures follow mtr's `struct nethost`, in microseconds; see the
/// module documentation for each formula.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HopStats {
    sent: u64,
    received: u64,
    last: i64,
    best: i64,
    worst: i64,
    avg: i64,
    /// Sum of squared differences from the running mean.
    ssd: i64,
    gmean: i64,
    jitter: i64,
    javg: i64,
    jworst: i64,
    jinta: i64,
}

/// The largest RTT mtr can hold: its `totusec` is a C `int` of
/// microseconds (about 35 minutes). Longer RTTs count as this.
const MAX_RTT_US: i64 = i32::MAX as i64;

impl HopStats {
    /// One resolved probe: answered after `rtt`, or lost (`None`).
    pub fn record(&mut self, rtt: Option<Duration>) {
        self.sent += 1;
        if let Some(rtt) = rtt {
            let us = i64::try_from(rtt.as_micros()).map_or(MAX_RTT_US, |us| us.min(MAX_RTT_US));
            self.answer(us);
        }
    }

    /// mtr's `net_process_ping` for one answer of `us` microseconds.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "mirrors mtr's int <-> double conversions (truncation toward zero)"
    )]
    fn answer(&mut self, us: i64) {
        self.jitter = (us - self.last).abs();
        self.last = us;
        if self.received == 0 {
            self.best = us;
            self.worst = us;
            self.gmean = us;
            self.avg = 0;
            self.ssd = 0;
            self.jitter = 0;
            self.jworst = 0;
            self.jinta = 0;
        }
        self.best = self.best.min(us);
        self.worst = self.worst.max(us);
        self.jworst = self.jworst.max(self.jitter);

        self.received += 1;
        let n = self.received as f64;
        let old_avg = self.avg;
        self.avg = (self.avg as f64 + (us - old_avg) as f64 / n) as i64;
        self.ssd = (self.ssd as f64 + (us - old_avg) as f64 * (us - self.avg) as f64) as i64;

        // C integer division truncates toward zero, as Rust's does.
        let returned = i64::try_from(self.received).unwrap_or(i64::MAX);
        self.javg += (self.jitter - self.javg) / returned;
        // RFC 1889 A.8: the estimate scaled by 16.
        self.jinta += self.jitter - ((self.jinta + 8) >> 4);

        if self.received > 1 {
            self.gmean =
                ((self.gmean as f64).powf((n - 1.0) / n) * (us as f64).powf(1.0 / n)) as i64;
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
    ///
    /// As mtr's `net_loss`: `1000 * (100 - 100.0 * returned / (xmit -
    /// transit))` truncated to an integer, then shown divided by 1000.0
    /// (so to a thousandth of a percent, truncated). mtr leaves out the
    /// probe still in flight (`transit`); every probe recorded here is
    /// resolved, so the divisor is [`HopStats::sent`].
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "mirrors mtr's double -> int -> double"
    )]
    pub fn loss_percent(&self) -> f64 {
        if self.sent == 0 {
            return 0.0;
        }
        let milli = (1000.0 * (100.0 - 100.0 * self.received as f64 / self.sent as f64)) as i64;
        milli as f64 / 1000.0
    }

    /// A figure in milliseconds; `None` before the first answer.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "mirrors mtr's net_stdev: double -> int"
    )]
    pub fn figure(&self, figure: Figure) -> Option<f64> {
        if self.received == 0 {
            return None;
        }
        let us = match figure {
            Figure::Last => self.last,
            Figure::Avg => self.avg,
            Figure::Best => self.best,
            Figure::Worst => self.worst,
            Figure::StDev if self.received > 1 => {
                (self.ssd as f64 / (self.received as f64 - 1.0)).sqrt() as i64
            }
            Figure::StDev => 0,
            Figure::Gmean => self.gmean,
            Figure::Jitter => self.jitter,
            Figure::Javg => self.javg,
            Figure::Jmax => self.jworst,
            Figure::Jint => self.jinta,
        };
        Some(us as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests;
