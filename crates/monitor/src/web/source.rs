//! What the web server reads besides [`Live`](crate::live::Live): the
//! history and the alert board, seen through two small traits so the
//! server does not depend on how they are stored.

use crate::alert::Alert;
use crate::path::PathRecord;

/// One target's history over a time range, as the graphs draw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Series {
    /// The length of each point, seconds (a raw step or a consolidation).
    pub step: u32,
    /// The points, oldest first; a step without a point is a gap.
    pub points: Vec<Point>,
}

/// One point of a [`Series`]: a step, or several consolidated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Point {
    /// Its start, Unix seconds.
    pub start: i64,
    /// Probes sent.
    pub sent: u32,
    /// Probes lost.
    pub lost: u32,
    /// The median RTT, microseconds; `None` when every probe was lost.
    pub median_us: Option<u32>,
    /// The smoke: RTT quantiles, ascending, microseconds; empty when every
    /// probe was lost.
    pub smoke_us: Vec<u32>,
}

/// The history as the web server reads it.
pub trait HistorySource: Send + Sync {
    /// `target`'s points from `from` to `to` (Unix seconds), at most
    /// `max_points` of them (the store picks the level that fits).
    fn range(&self, target: &str, from: i64, to: i64, max_points: usize) -> Result<Series, String>;

    /// `target`'s traces from `from` to `to`, oldest first.
    fn paths(&self, target: &str, from: i64, to: i64) -> Result<Vec<PathRecord>, String>;
}

/// The alert board as the web server reads it.
pub trait AlertSource: Send + Sync {
    /// Every alert firing now, and those resolved recently.
    fn alerts(&self) -> Vec<Alert>;
}
