//! What the web server reads besides [`Live`](crate::live::Live): the
//! history and the alert board, seen through two small traits so the
//! server does not depend on how they are stored.

use crate::alert::Alert;
use crate::path::PathRecord;

pub use crate::history::{Point, Series};

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
