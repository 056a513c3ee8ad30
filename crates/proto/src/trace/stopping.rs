//! The MDA stopping rule: how many flows must cross a node before the
//! hypothesis "it has one more next hop than seen" is rejected.
//!
//! The values are the published stopping points of Veitch, Augustin,
//! Friedman and Teixeira, "Failure control in multipath route tracing"
//! (INFOCOM 2009), as Paris traceroute's MDA and Diamond-Miner use them:
//! `n_k` flows rule out a (k+1)-th next hop of a node seen with k, under
//! uniform load balancing, at 95% or 99% confidence. Past the tables the
//! bound `(k+1)·(k/(k+1))^n ≤ α` (which agrees with the tables' first
//! entries) continues them.

/// The confidence of an MDA run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Confidence {
    /// 95% (`--confidence 95`, the default).
    #[default]
    P95,
    /// 99% (`--confidence 99`).
    P99,
}

impl Confidence {
    /// The failure probability α one test allows.
    pub const fn alpha(self) -> f64 {
        match self {
            Self::P95 => 0.05,
            Self::P99 => 0.01,
        }
    }

    /// The percentage (95 or 99).
    pub const fn percent(self) -> u8 {
        match self {
            Self::P95 => 95,
            Self::P99 => 99,
        }
    }
}

/// `n_k` for k = 1, 2, ... at 95%.
const N95: [u16; 55] = [
    6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96, 103, 110, 117, 124, 131, 138,
    145, 152, 159, 167, 174, 181, 189, 196, 203, 211, 218, 226, 233, 241, 248, 256, 264, 271, 279,
    287, 294, 302, 310, 318, 326, 333, 341, 349, 357, 365, 373, 381, 389,
];

/// `n_k` for k = 1, 2, ... at 99%.
const N99: [u16; 55] = [
    8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115, 123, 132, 140, 149, 157, 166, 175,
    183, 192, 201, 210, 219, 228, 237, 246, 255, 264, 273, 282, 291, 300, 309, 319, 328, 337, 347,
    356, 365, 375, 384, 393, 403, 412, 422, 431, 441, 450, 460, 470, 479,
];

/// `n_k`: the flows through a node seen with `k` next hops (at least 1)
/// that rule out a (k+1)-th at `confidence`.
pub fn flows_needed(k: usize, confidence: Confidence) -> usize {
    let k = k.max(1);
    let table: &[u16] = match confidence {
        Confidence::P95 => &N95,
        Confidence::P99 => &N99,
    };
    if let Some(&n) = table.get(k - 1) {
        return usize::from(n);
    }
    // The least n with (k+1)·(k/(k+1))^n ≤ α, by multiplying (no libm).
    #[allow(clippy::cast_precision_loss)] // k is far below 2^52
    let (kf, alpha) = (k as f64, confidence.alpha());
    let (ratio, mut bound, mut n) = (kf / (kf + 1.0), kf + 1.0, 0);
    while bound > alpha {
        bound *= ratio;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_table_95() {
        let first: Vec<usize> = (1..=16).map(|k| flows_needed(k, Confidence::P95)).collect();
        assert_eq!(
            first,
            [
                6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96
            ]
        );
        assert_eq!(flows_needed(0, Confidence::P95), 6);
    }

    #[test]
    fn published_table_99() {
        let first: Vec<usize> = (1..=8).map(|k| flows_needed(k, Confidence::P99)).collect();
        assert_eq!(first, [8, 15, 21, 28, 36, 43, 51, 58]);
    }

    #[test]
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_possible_wrap,
        reason = "k and n are small counts"
    )]
    fn bound_continues_the_tables() {
        // The bound reproduces the first entries exactly ...
        for k in 1..=5_u8 {
            let alpha = 0.05_f64;
            let n = i32::try_from(flows_needed(k.into(), Confidence::P95)).unwrap();
            let kf = f64::from(k);
            let p = |n: i32| (kf + 1.0) * (kf / (kf + 1.0)).powi(n);
            assert!(p(n) <= alpha && p(n - 1) > alpha, "k={k}");
        }
        // ... and grows past the table's end.
        let last = flows_needed(55, Confidence::P95);
        assert_eq!(last, 389);
        assert!(flows_needed(56, Confidence::P95) > last);
        assert!(flows_needed(56, Confidence::P99) > flows_needed(55, Confidence::P99));
    }
}
