//! Spoofed and forged control messages and off-path attacks.
//!
//! (Being written: this detector raises nothing yet.)

use super::{Alerts, Detector};
use crate::observe::Seen;

/// The settings of [`Spoofing`].
#[derive(Debug, Clone, Default)]
pub struct Settings {}

/// The detector's state.
#[derive(Debug, Default)]
pub struct Spoofing {}

impl Spoofing {
    /// A detector with `settings`.
    pub fn new(_settings: &Settings) -> Self {
        Self::default()
    }
}

impl Detector for Spoofing {
    fn message(&mut self, _seen: &Seen<'_>, _alerts: &mut Alerts) {}
}
