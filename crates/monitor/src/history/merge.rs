//! Merging distributions: the RTTs of raw steps, or the smoke of points,
//! into one point's counts, median and smoke.

use super::SMOKE_QUANTILES;
use super::codec::StoredPoint;
use crate::step::StepSummary;

/// A distribution being merged: counts and weighted RTTs. A raw step's RTT
/// weighs 1; a point's smoke value weighs its replies over its smoke count,
/// so a point of 300 replies counts 15 times one of 20.
#[derive(Debug, Default)]
pub struct Merger {
    sent: u64,
    lost: u64,
    values: Vec<(u32, f64)>,
}

impl Merger {
    /// Adds a raw step.
    pub fn add_step(&mut self, s: &StepSummary) {
        self.sent += u64::from(s.sent);
        self.lost += u64::from(s.lost());
        self.values.extend(s.rtts_us.iter().map(|&v| (v, 1.0)));
    }

    /// Adds a consolidated point.
    pub fn add_point(&mut self, p: &StoredPoint) {
        self.sent += u64::from(p.sent);
        self.lost += u64::from(p.lost);
        let received = p.sent.saturating_sub(p.lost);
        if received == 0 || p.smoke_us.is_empty() {
            return;
        }
        #[allow(
            clippy::cast_precision_loss,
            reason = "a smoke count, at most a few dozen"
        )]
        let weight = f64::from(received) / p.smoke_us.len() as f64;
        self.values.extend(p.smoke_us.iter().map(|&v| (v, weight)));
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.sent == 0 && self.values.is_empty()
    }

    /// The merged point: counts, the median of the merged distribution (the
    /// mean of the two middle values when the middle falls between them, as
    /// [`StepSummary::median_us`]) and `min(replies, SMOKE_QUANTILES)`
    /// quantiles at ranks `(k + ½) / m` (nearest rank, as
    /// [`StepSummary::quantile_us`]): with 20 replies or fewer, every RTT.
    pub fn finish(mut self) -> StoredPoint {
        self.values.sort_unstable_by_key(|&(v, _)| v);
        let total: f64 = self.values.iter().map(|&(_, w)| w).sum();
        let sent = u32::try_from(self.sent).unwrap_or(u32::MAX);
        let lost = u32::try_from(self.lost).unwrap_or(u32::MAX);
        if self.values.is_empty() || total <= 0.0 {
            return StoredPoint {
                sent,
                lost,
                median_us: None,
                smoke_us: Vec::new(),
            };
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a positive count rounded, capped by SMOKE_QUANTILES"
        )]
        let m = (total.round() as usize).clamp(1, SMOKE_QUANTILES);
        let smoke_us = (0..m)
            .map(|k| {
                #[allow(clippy::cast_precision_loss, reason = "small integers")]
                let q = (k as f64 + 0.5) / m as f64;
                self.at_weight(q * total)
            })
            .collect();
        StoredPoint {
            sent,
            lost,
            median_us: Some(self.median(total)),
            smoke_us,
        }
    }

    /// The smallest value whose cumulative weight reaches `target`.
    fn at_weight(&self, target: f64) -> u32 {
        let mut cum = 0.0;
        for &(v, w) in &self.values {
            cum += w;
            if cum >= target - 1e-9 {
                return v;
            }
        }
        self.values.last().map_or(0, |&(v, _)| v)
    }

    fn median(&self, total: f64) -> u32 {
        let half = total / 2.0;
        let mut cum = 0.0;
        for (i, &(v, w)) in self.values.iter().enumerate() {
            cum += w;
            if (cum - half).abs() < 1e-9 {
                // The middle falls between this value and the next.
                let next = self.values.get(i + 1).map_or(v, |&(n, _)| n);
                return u32::try_from(u64::midpoint(u64::from(v), u64::from(next)))
                    .unwrap_or(u32::MAX);
            }
            if cum > half {
                return v;
            }
        }
        self.values.last().map_or(0, |&(v, _)| v)
    }
}
