//! Messages that break the protocol's rules.
//!
//! (Being written: this detector raises nothing yet.)

use super::{Alerts, Detector};
use crate::observe::Seen;

/// The settings of [`Anomalies`].
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// The detector's state.
#[derive(Debug, Default)]
pub struct Anomalies {}

impl Anomalies {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self::default()
    }
}

impl Detector for Anomalies {
    fn message(&mut self, _seen: &Seen<'_>, _alerts: &mut Alerts) {}
}
