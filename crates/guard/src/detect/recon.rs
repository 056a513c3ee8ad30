//! Reconnaissance: sweeps, TTL walks and scanner probe shapes.
//!
//! (Being written: this detector raises nothing yet.)

use super::{Alerts, Detector};
use crate::observe::Seen;

/// The settings of [`Recon`].
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// The detector's state.
#[derive(Debug, Default)]
pub struct Recon {}

impl Recon {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self::default()
    }
}

impl Detector for Recon {
    fn message(&mut self, _seen: &Seen<'_>, _alerts: &mut Alerts) {}
}
