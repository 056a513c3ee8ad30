//! Counters and round-trip-time arithmetic, exactly as iputils `ping`
//! computes them (`gather_statistics()`, `finish()` and `status()` in
//! iputils' `ping_common.c`).
//!
//! Units are iputils' own: RTTs are whole microseconds (iputils subtracts
//! two `struct timeval`s), printed as milliseconds with three decimals by
//! [`format_ms`]. Like iputils, every timed reply feeds the RTT sums,
//! duplicates included, and the average and mean deviation divide by
//! `received + duplicates`.
//!
//! # Memory
//!
//! Nothing here grows with the number of replies: min/avg/max/mdev, the
//! EWMA and the jitter are running sums, exact; percentiles come from
//! [`RttHistogram`], at most [`RttHistogram::MAX_BUCKETS`] counters,
//! exact below 256 µs and within 1/128 of the true value above.

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

/// Nearest-rank percentiles of the timed replies, in microseconds, as
/// [`RttHistogram::percentile`] finds them.
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
    /// Timed replies recorded.
    timed: u64,
    /// The last RTT recorded, for the jitter.
    last_us: u64,
    /// Sum of the absolute differences of successive RTTs.
    jitter_sum_us: u64,
    histogram: RttHistogram,
    /// [`Statistics::without_histogram`]: RTTs go into no histogram.
    no_histogram: bool,
}

impl Statistics {
    /// Adds one timed reply (unique or duplicate) to the RTT sums, the
    /// minimum and maximum, the EWMA (`rtt += triptime - rtt / 8`), the
    /// jitter sum and the histogram; in constant memory.
    pub fn record_rtt(&mut self, rtt: Duration) {
        let us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.tsum_us = self.tsum_us.saturating_add(us);
        self.tsum2_us = self
            .tsum2_us
            .saturating_add(u128::from(us) * u128::from(us));
        if self.timed == 0 || us < self.tmin_us {
            self.tmin_us = us;
        }
        if self.timed > 0 {
            self.jitter_sum_us = self.jitter_sum_us.saturating_add(us.abs_diff(self.last_us));
        }
        self.tmax_us = self.tmax_us.max(us);
        self.ewma8_us = if self.ewma8_us == 0 {
            us.saturating_mul(8)
        } else {
            (self.ewma8_us.saturating_add(us)).saturating_sub(self.ewma8_us / 8)
        };
        self.last_us = us;
        self.timed += 1;
        if !self.no_histogram {
            self.histogram.record(us);
        }
    }

    /// Keeps no histogram from now on (what was counted goes): for a
    /// caller that never asks for [`Statistics::percentiles`] (`None`
    /// then), with many targets (a histogram is up to a few hundred bytes
    /// a target).
    pub fn without_histogram(&mut self) {
        self.no_histogram = true;
        self.histogram = RttHistogram::default();
    }

    /// How many timed replies were recorded (unique and duplicate).
    pub fn timed_replies(&self) -> u64 {
        self.timed
    }

    /// The histogram of the RTTs recorded.
    pub fn histogram(&self) -> &RttHistogram {
        &self.histogram
    }

    /// The largest RTT so far (iputils' `tmax`), zero before any.
    pub fn max_rtt(&self) -> Duration {
        Duration::from_micros(self.tmax_us)
    }

    /// min/avg/max/mdev, or `None` when iputils prints no `rtt` line (no
    /// timed reply).
    pub fn rtt(&self) -> Option<RttSummary> {
        if self.timed == 0 {
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
        (self.timed > 0).then_some(self.ewma8_us / 8)
    }

    /// Eight times the EWMA, iputils' raw `rtt` (used by adaptive mode).
    pub(crate) fn ewma8_us(&self) -> u64 {
        self.ewma8_us
    }

    /// Nearest-rank p50/p90/p99 of the timed replies, from the histogram
    /// (exact below 256 µs, within 1/128 above; never outside min..max).
    pub fn percentiles(&self) -> Option<Percentiles> {
        let rank = |p| {
            self.histogram
                .percentile(p)
                .map(|us| us.clamp(self.tmin_us, self.tmax_us))
        };
        Some(Percentiles {
            p50_us: rank(50)?,
            p90_us: rank(90)?,
            p99_us: rank(99)?,
        })
    }

    /// Mean absolute difference of successive RTTs (in arrival order), in
    /// microseconds, integer division; `None` with fewer than two.
    pub fn jitter_us(&self) -> Option<u64> {
        let pairs = self.timed.checked_sub(1).filter(|&n| n > 0)?;
        Some(self.jitter_sum_us / pairs)
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

/// A histogram of RTTs in bounded memory (log-linear, as HDR histograms
/// are): one counter per microsecond below 256 µs, then 128 counters per
/// power of two, so a bucket is never wider than 1/128 of its values.
/// Counters exist only for buckets that were hit, at most
/// [`RttHistogram::MAX_BUCKETS`] whatever the number of RTTs recorded,
/// 8 bytes each (a few dozen for a typical target: nothing before its
/// first reply, which matters with tens of thousands of targets).
#[derive(Debug, Clone, Default)]
pub struct RttHistogram {
    /// `bucket << 48 | count` per bucket hit, in bucket order.
    counts: Vec<u64>,
    total: u64,
    /// Where the last RTT was counted: the next one, from the same path,
    /// is often in the same bucket (a flood's are), and then needs no
    /// search, whose branches go either way at random.
    last: usize,
}

/// Histograms are equal when they counted the same RTTs.
impl PartialEq for RttHistogram {
    fn eq(&self, other: &Self) -> bool {
        self.counts == other.counts && self.total == other.total
    }
}

impl Eq for RttHistogram {}

impl RttHistogram {
    /// Bits of a value kept below its leading one.
    const SUB_BITS: u32 = 7;
    /// Values below this have a bucket each.
    const EXACT_BELOW: u64 = 2 << Self::SUB_BITS;
    /// The most buckets a histogram can hold (every `u64` value covered).
    #[allow(clippy::cast_possible_truncation, reason = "a small constant")]
    pub const MAX_BUCKETS: usize =
        (Self::EXACT_BELOW + (64 - Self::SUB_BITS as u64 - 1) * (1 << Self::SUB_BITS)) as usize;

    /// The bucket of `us`.
    #[allow(clippy::cast_possible_truncation, reason = "below MAX_BUCKETS")]
    fn bucket(us: u64) -> u16 {
        if us < Self::EXACT_BELOW {
            return us as u16;
        }
        let exp = us.ilog2(); // >= SUB_BITS + 1
        let shift = exp - Self::SUB_BITS;
        let sub = (us >> shift) & ((1 << Self::SUB_BITS) - 1);
        (Self::EXACT_BELOW + u64::from(shift - 1) * (1 << Self::SUB_BITS) + sub) as u16
    }

    /// The smallest value of `bucket`.
    fn lowest(bucket: u16) -> u64 {
        let b = u64::from(bucket);
        if b < Self::EXACT_BELOW {
            return b;
        }
        let above = b - Self::EXACT_BELOW;
        let shift = (above >> Self::SUB_BITS) + 1;
        let sub = above & ((1 << Self::SUB_BITS) - 1);
        ((1 << Self::SUB_BITS) | sub) << shift
    }

    /// Bits of an entry that hold its count.
    const COUNT_BITS: u32 = 48;

    /// Counts one RTT of `us` microseconds.
    pub fn record(&mut self, us: u64) {
        let bucket = u64::from(Self::bucket(us));
        let count_mask = (1 << Self::COUNT_BITS) - 1;
        let found = match self.counts.get(self.last) {
            Some(&e) if e >> Self::COUNT_BITS == bucket => Ok(self.last),
            _ => self
                .counts
                .binary_search_by_key(&bucket, |e| e >> Self::COUNT_BITS),
        };
        match found {
            // A count saturates at 2^48 - 1 replies.
            Ok(i) => {
                if self.counts[i] & count_mask < count_mask {
                    self.counts[i] += 1;
                }
                self.last = i;
            }
            Err(i) => {
                self.counts.insert(i, bucket << Self::COUNT_BITS | 1);
                self.last = i;
            }
        }
        self.total = self.total.saturating_add(1);
    }

    /// RTTs counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Buckets holding a count (never above [`RttHistogram::MAX_BUCKETS`]).
    pub fn buckets(&self) -> usize {
        self.counts.len()
    }

    /// The nearest-rank `p`th percentile (`p` in 1..=100): the smallest
    /// value of the bucket holding the `ceil(p * total / 100)`th RTT in
    /// order; `None` when nothing was counted.
    pub fn percentile(&self, p: u64) -> Option<u64> {
        let rank = (u128::from(p.min(100)) * u128::from(self.total))
            .div_ceil(100)
            .max(1);
        let mut seen = 0u128;
        self.counts.iter().find_map(|&entry| {
            seen += u128::from(entry & ((1 << Self::COUNT_BITS) - 1));
            let bucket = u16::try_from(entry >> Self::COUNT_BITS).unwrap_or(u16::MAX);
            (seen >= rank).then(|| Self::lowest(bucket))
        })
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
    fn every_value_falls_in_a_bucket_whose_lowest_value_is_within_1_128() {
        for us in [
            0,
            1,
            255,
            256,
            257,
            511,
            512,
            1_000,
            65_535,
            1 << 40,
            u64::MAX,
        ] {
            let bucket = RttHistogram::bucket(us);
            assert!(usize::from(bucket) < RttHistogram::MAX_BUCKETS, "{us}");
            let low = RttHistogram::lowest(bucket);
            assert!(low <= us && us - low <= us / 128, "{us} -> {low}");
            assert_eq!(RttHistogram::bucket(low), bucket, "{us}");
        }
        assert_eq!(RttHistogram::lowest(255), 255);
        assert_eq!(RttHistogram::bucket(256), 256);
        assert_eq!(
            usize::from(RttHistogram::bucket(u64::MAX)),
            RttHistogram::MAX_BUCKETS - 1
        );
    }

    #[test]
    fn statistics_without_a_histogram_keep_everything_but_the_percentiles() {
        let (mut with, mut without) = (Statistics::default(), Statistics::default());
        without.without_histogram();
        for us in [300, 100, 200, 900] {
            with.record_rtt(Duration::from_micros(us));
            without.record_rtt(Duration::from_micros(us));
        }
        assert_eq!(without.histogram().total(), 0);
        assert_eq!(without.percentiles(), None);
        assert!(with.percentiles().is_some());
        assert_eq!(without.rtt(), with.rtt());
        assert_eq!(without.jitter_us(), with.jitter_us());
        assert_eq!(without.timed_replies(), 4);
    }

    #[test]
    fn a_million_rtts_keep_a_bounded_histogram_and_near_percentiles() {
        let mut s = Statistics::default();
        for i in 0..1_000_000u64 {
            // 1 µs .. 10 s, spread over every octave.
            s.record_rtt(Duration::from_micros(1 + (i * 7_919) % 10_000_000));
        }
        assert_eq!(s.timed_replies(), 1_000_000);
        assert_eq!(s.histogram().total(), 1_000_000);
        assert!(s.histogram().buckets() <= RttHistogram::MAX_BUCKETS);
        // 10 s spans 24 octaves: 256 exact buckets and 128 per octave above.
        assert!(s.histogram().buckets() <= 256 + 16 * 128);
        let p = s.percentiles().unwrap();
        for (got, want) in [
            (p.p50_us, 5_000_000),
            (p.p90_us, 9_000_000),
            (p.p99_us, 9_900_000),
        ] {
            assert!(got.abs_diff(want) <= want / 128 + 10, "{got} vs {want}");
        }
    }

    #[test]
    fn streaming_figures_equal_those_of_the_kept_samples() {
        let rtts: Vec<u64> = (0..5_000u64).map(|i| (i * 37 + 11) % 240).collect();
        let s = with_rtts(&rtts);
        let mut sorted = rtts.clone();
        sorted.sort_unstable();
        let rank = |p: usize| sorted[(p * sorted.len()).div_ceil(100) - 1];
        assert_eq!(
            s.percentiles(),
            Some(Percentiles {
                p50_us: rank(50),
                p90_us: rank(90),
                p99_us: rank(99)
            })
        );
        let jitter = rtts.windows(2).map(|w| w[0].abs_diff(w[1])).sum::<u64>() / 4_999;
        assert_eq!(s.jitter_us(), Some(jitter));
        let r = s.rtt().unwrap();
        assert_eq!(
            (r.min_us, r.max_us),
            (*sorted.first().unwrap(), *sorted.last().unwrap())
        );
        assert_eq!(r.avg_us, rtts.iter().sum::<u64>() / 5_000);
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
