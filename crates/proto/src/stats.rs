//! Counters and round-trip-time arithmetic, exactly as iputils `ping`
//! computes them (`gather_statistics()`, `finish()` and `status()` in
//! iputils' `ping_common.c`).
//!
//! Units are iputils' own: RTTs are whole microseconds (iputils subtracts
//! two `struct timeval`s), printed as milliseconds with three decimals by
//! [`format_ms`]. Like iputils, every timed reply feeds the RTT sums,
//! duplicates included, and the average and mean deviation divide by
//! `received + duplicates`.

use std::time::Duration;

/// The four numbers of iputils' `rtt min/avg/max/mdev = ...` line, in
/// microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RttSummary {
    /// Smallest RTT.
    pub min_us: u64,
    /// `tsum / (received + duplicates)`, integer division.
    pub avg_us: u64,
    /// Largest RTT.
    pub max_us: u64,
    /// Integer square root of `(tsum2 - tsum * tsum / total) / total`
    /// (iputils' `llsqrt`; the other formula when `tsum >= INT_MAX`).
    pub mdev_us: u64,
}

/// Nearest-rank percentiles of the timed replies, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
}

/// What a ping run (or one target of a multi-target run) has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Probes sent (iputils' `ntransmitted`).
    pub transmitted: u64,
    /// Probes answered at least once (`nreceived`).
    pub received: u64,
    /// Second and later replies to a probe (`nrepeats`).
    pub duplicates: u64,
    /// ICMP errors quoting our probes (`nerrors`): Destination Unreachable,
    /// Time Exceeded, Parameter Problem, Packet Too Big; not Redirect or
    /// Source Quench, which iputils only prints.
    pub errors: u64,
    /// The most probes that were in flight when one was answered (iputils'
    /// `pipesize`, printed as `pipe N` when above 1).
    pub pipesize: u64,
    tsum_us: u64,
    tsum2_us: u128,
    tmin_us: u64,
    tmax_us: u64,
    /// iputils' `rtt`: eight times the EWMA of the RTT, in microseconds.
    ewma8_us: u64,
    samples_us: Vec<u64>,
}

impl Statistics {
    /// Adds one timed reply (unique or duplicate) to the RTT sums, the
    /// minimum and maximum, the EWMA (`rtt += triptime - rtt / 8`) and the
    /// samples kept for percentiles and jitter.
    pub fn record_rtt(&mut self, rtt: Duration) {
        let us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.tsum_us = self.tsum_us.saturating_add(us);
        self.tsum2_us += u128::from(us) * u128::from(us);
        if self.samples_us.is_empty() || us < self.tmin_us {
            self.tmin_us = us;
        }
        self.tmax_us = self.tmax_us.max(us);
        self.ewma8_us = if self.ewma8_us == 0 {
            us.saturating_mul(8)
        } else {
            (self.ewma8_us + us).saturating_sub(self.ewma8_us / 8)
        };
        self.samples_us.push(us);
    }

    /// The RTTs recorded, in microseconds, in the order they arrived.
    pub fn samples_us(&self) -> &[u64] {
        &self.samples_us
    }

    /// The largest RTT so far (iputils' `tmax`), zero before any.
    pub fn max_rtt(&self) -> Duration {
        Duration::from_micros(self.tmax_us)
    }

    /// min/avg/max/mdev, or `None` when iputils prints no `rtt` line (no
    /// timed reply).
    pub fn rtt(&self) -> Option<RttSummary> {
        if self.samples_us.is_empty() {
            return None;
        }
        let total = i128::from(self.received + self.duplicates).max(1);
        let tsum = i128::from(self.tsum_us);
        let tsum2 = i128::try_from(self.tsum2_us).unwrap_or(i128::MAX);
        let avg = tsum / total;
        let var = if tsum < i128::from(i32::MAX) {
            (tsum2 - tsum * tsum / total) / total
        } else {
            tsum2 / total - avg * avg
        };
        Some(RttSummary {
            min_us: self.tmin_us,
            avg_us: u64::try_from(avg).unwrap_or(0),
            max_us: self.tmax_us,
            mdev_us: u64::try_from(integer_sqrt(var)).unwrap_or(0),
        })
    }

    /// The EWMA iputils shows on SIGQUIT and in `ipg/ewma` (`rtt / 8`), in
    /// microseconds; `None` before the first timed reply.
    pub fn ewma_us(&self) -> Option<u64> {
        (!self.samples_us.is_empty()).then_some(self.ewma8_us / 8)
    }

    /// Eight times the EWMA, iputils' raw `rtt` (used by adaptive mode).
    pub(crate) fn ewma8_us(&self) -> u64 {
        self.ewma8_us
    }

    /// Nearest-rank p50/p90/p99 of the timed replies.
    pub fn percentiles(&self) -> Option<Percentiles> {
        if self.samples_us.is_empty() {
            return None;
        }
        let mut sorted = self.samples_us.clone();
        sorted.sort_unstable();
        let rank = |p: usize| sorted[(p * sorted.len()).div_ceil(100).max(1) - 1];
        Some(Percentiles {
            p50_us: rank(50),
            p90_us: rank(90),
            p99_us: rank(99),
        })
    }

    /// Mean absolute difference of successive RTTs (in arrival order), in
    /// microseconds, integer division; `None` with fewer than two.
    pub fn jitter_us(&self) -> Option<u64> {
        let pairs = self.samples_us.len().checked_sub(1).filter(|&n| n > 0)?;
        let sum: u64 = self
            .samples_us
            .windows(2)
            .map(|w| w[0].abs_diff(w[1]))
            .sum();
        Some(sum / pairs as u64)
    }

    /// The packet loss iputils prints: `(float)((transmitted - received) *
    /// 100.0 / transmitted)`, widened back to `f64`; `None` before any send.
    pub fn loss_percent(&self) -> Option<f64> {
        if self.transmitted == 0 {
            return None;
        }
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            reason = "mirrors iputils' long long -> double -> float"
        )]
        let loss = ((self.transmitted as f64 - self.received as f64) * 100.0
            / self.transmitted as f64) as f32;
        Some(f64::from(loss))
    }

    /// The loss as iputils prints it with `%g%%`: `"0%"`, `"33.3333%"`,
    /// `"100%"`; `None` before any send (iputils then prints no loss).
    pub fn loss_text(&self) -> Option<String> {
        self.loss_percent()
            .map(|loss| format!("{}%", format_g(loss)))
    }

    /// The integer loss of iputils' SIGQUIT status line
    /// (`(transmitted - received) * 100 / transmitted`).
    pub fn status_loss_percent(&self) -> u64 {
        (self.transmitted.saturating_sub(self.received) * 100)
            .checked_div(self.transmitted)
            .unwrap_or(0)
    }
}

/// Microseconds as iputils prints milliseconds: `"%ld.%03ld"`.
pub fn format_ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// iputils' `llsqrt`: Newton's method on integers; negative input is
/// returned unchanged, as there.
fn integer_sqrt(a: i128) -> i128 {
    let mut prev = i128::MAX;
    let mut x = a;
    if x > 0 {
        while x < prev {
            prev = x;
            x = i128::midpoint(x, a / x);
        }
    }
    x
}

/// C's `printf("%g", v)`: six significant digits, trailing zeros removed,
/// exponent form below 1e-4 or from 1e6.
pub fn format_g(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    // Rounding to six significant digits decides the exponent.
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim_zeros(&format!("{v:.decimals$}")).to_owned()
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.abs())
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_rtts(us: &[u64]) -> Statistics {
        let mut s = Statistics {
            transmitted: us.len() as u64,
            received: us.len() as u64,
            ..Statistics::default()
        };
        for &u in us {
            s.record_rtt(Duration::from_micros(u));
        }
        s
    }

    #[test]
    fn iputils_min_avg_max_mdev_for_a_known_set() {
        // tsum = 158, tsum2 = 8470; 158*158/3 = 8321; (8470-8321)/3 = 49;
        // llsqrt(49) = 7; avg = 158/3 = 52.
        let s = with_rtts(&[45, 51, 62]);
        let r = s.rtt().unwrap();
        assert_eq!(
            r,
            RttSummary {
                min_us: 45,
                avg_us: 52,
                max_us: 62,
                mdev_us: 7
            }
        );
        let line = [r.min_us, r.avg_us, r.max_us, r.mdev_us].map(format_ms);
        assert_eq!(line.join("/"), "0.045/0.052/0.062/0.007");
    }

    #[test]
    fn large_rtts_use_the_other_variance_formula() {
        // tsum = 3_000_000_000 >= INT_MAX: var = tsum2/n - avg^2.
        let s = with_rtts(&[1_000_000_000, 2_000_000_000]);
        let r = s.rtt().unwrap();
        assert_eq!(r.avg_us, 1_500_000_000);
        assert_eq!(r.mdev_us, 500_000_000);
    }

    #[test]
    fn duplicates_count_in_the_average_as_in_iputils() {
        let mut s = with_rtts(&[100, 300]);
        s.received = 1;
        s.duplicates = 1;
        assert_eq!(s.rtt().unwrap().avg_us, 200);
    }

    #[test]
    fn ewma_follows_iputils_fixed_point() {
        // rtt = 8*1000 = 8000; then 8000 + 2000 - 1000 = 9000; /8 = 1125.
        let s = with_rtts(&[1000, 2000]);
        assert_eq!(s.ewma_us(), Some(1125));
        assert_eq!(Statistics::default().ewma_us(), None);
    }

    #[test]
    fn percentiles_and_jitter() {
        let s = with_rtts(&(1..=100).rev().collect::<Vec<_>>());
        assert_eq!(
            s.percentiles(),
            Some(Percentiles {
                p50_us: 50,
                p90_us: 90,
                p99_us: 99
            })
        );
        assert_eq!(s.jitter_us(), Some(1));
        let s = with_rtts(&[10, 30, 15]);
        // |30-10| + |15-30| = 35, over 2 pairs.
        assert_eq!(s.jitter_us(), Some(17));
        assert_eq!(
            s.percentiles().map(|p| (p.p50_us, p.p90_us, p.p99_us)),
            Some((15, 30, 30))
        );
        assert_eq!(with_rtts(&[5]).jitter_us(), None);
    }

    #[test]
    fn loss_text_matches_printf_g() {
        let loss = |tx, rx| {
            Statistics {
                transmitted: tx,
                received: rx,
                ..Statistics::default()
            }
            .loss_text()
        };
        assert_eq!(loss(3, 3).as_deref(), Some("0%"));
        assert_eq!(loss(3, 2).as_deref(), Some("33.3333%"));
        assert_eq!(loss(3, 1).as_deref(), Some("66.6667%"));
        assert_eq!(loss(4, 0).as_deref(), Some("100%"));
        assert_eq!(loss(8, 7).as_deref(), Some("12.5%"));
        assert_eq!(loss(10_000_000, 9_999_999).as_deref(), Some("1e-05%"));
        assert_eq!(loss(0, 0), None);
    }

    #[test]
    fn format_g_edges() {
        assert_eq!(format_g(123_456.7), "123457");
        assert_eq!(format_g(1_234_567.0), "1.23457e+06");
        assert_eq!(format_g(0.000_123_4), "0.0001234");
        assert_eq!(format_g(99.999_999), "100");
    }

    #[test]
    fn status_loss_is_an_integer() {
        let s = Statistics {
            transmitted: 3,
            received: 2,
            ..Statistics::default()
        };
        assert_eq!(s.status_loss_percent(), 33);
    }

    #[test]
    fn no_rtt_line_without_timed_replies() {
        let s = Statistics {
            transmitted: 2,
            received: 2,
            ..Statistics::default()
        };
        assert_eq!(s.rtt(), None);
        assert_eq!(s.percentiles(), None);
    }
}
