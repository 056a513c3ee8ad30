//! Tunnels and covert channels carried in echo messages.
//!
//! (Being written: this detector raises nothing yet.)

use super::{Alerts, Detector};
use crate::observe::Seen;

/// The settings of [`Tunnels`].
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// The detector's state.
#[derive(Debug, Default)]
pub struct Tunnels {}

impl Tunnels {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self::default()
    }
}

impl Detector for Tunnels {
    fn message(&mut self, _seen: &Seen<'_>, _alerts: &mut Alerts) {}
}
