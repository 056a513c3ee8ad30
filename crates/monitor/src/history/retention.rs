//! How long history is kept, and at what resolution.

use std::time::Duration;

/// One consolidated level: steps merged into `step`-long points, kept for
/// `keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// The length of one point.
    pub step: Duration,
    /// How long points are kept.
    pub keep: Duration,
}

/// The retention of a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// How long raw steps (every RTT of every step) are kept.
    pub raw: Duration,
    /// Consolidated levels, finest first.
    pub levels: Vec<Level>,
}

impl Default for Retention {
    /// Raw steps for 3 days; 5-minute points for 10 days and 1-hour points
    /// for 400 days (smokeping's defaults, roughly).
    fn default() -> Self {
        const DAY: u64 = 86_400;
        Self {
            raw: Duration::from_secs(3 * DAY),
            levels: vec![
                Level {
                    step: Duration::from_mins(5),
                    keep: Duration::from_secs(10 * DAY),
                },
                Level {
                    step: Duration::from_hours(1),
                    keep: Duration::from_secs(400 * DAY),
                },
            ],
        }
    }
}
