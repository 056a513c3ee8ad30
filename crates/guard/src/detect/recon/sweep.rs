//! `host-sweep`: one source sending requests to many distinct destinations.
//!
//! Per source (a [`Bounded`] map of [`Settings::sources`] entries) the
//! detector keeps the distinct destinations of its requests within a
//! tumbling window, exactly, in two fixed sets: up to
//! [`MAX_DESTINATIONS`] for every kind, and up to
//! [`MAX_RARE_DESTINATIONS`] for timestamp and address-mask requests, which
//! no ordinary tool sends (so fewer destinations make a sweep). 400 bytes
//! per source (key and value), about 6.5 MB at the default 16,384 sources. A monitor pinging a handful of hosts again and again
//! never reaches the threshold: repeats of a destination are not counted.

use core::net::IpAddr;

use super::Settings;
use crate::bounded::{Bounded, Distinct, fingerprint};
use crate::detect::{Alerts, Detection, Evidence, Finding};
use crate::observe::{Nanos, SECOND, Seen};

/// The most destinations counted per source and window (a threshold above
/// it is lowered to it).
pub const MAX_DESTINATIONS: usize = 32;

/// The most timestamp and address-mask destinations counted per source and
/// window.
pub const MAX_RARE_DESTINATIONS: usize = 8;

/// A kind of request a sweep is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Echo Request (ICMPv4 8, ICMPv6 128).
    Echo,
    /// Timestamp Request (ICMPv4 13).
    Timestamp,
    /// Address Mask Request (ICMPv4 17).
    Mask,
    /// RFC 8335 Extended Echo Request, PROBE (ICMPv4 42, ICMPv6 160).
    Probe,
}

impl Kind {
    /// Every kind, in the order they are named.
    pub const ALL: [Self; 4] = [Self::Echo, Self::Timestamp, Self::Mask, Self::Probe];

    /// The name in explanations and facts.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Echo => "echo",
            Self::Timestamp => "timestamp",
            Self::Mask => "address-mask",
            Self::Probe => "extended-echo (PROBE)",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Whether no ordinary tool sends it (so a few destinations are a
    /// sweep already).
    pub const fn is_rare(self) -> bool {
        matches!(self, Self::Timestamp | Self::Mask)
    }
}

/// The kinds in `bits`, named and joined with ", ".
pub fn kind_names(bits: u8) -> String {
    let names: Vec<_> = Kind::ALL
        .iter()
        .filter(|k| bits & k.bit() != 0)
        .map(|k| k.name())
        .collect();
    names.join(", ")
}

/// One source's requests within its window.
#[derive(Debug, Clone, Default)]
struct Source {
    epoch: Nanos,
    first_frame: u64,
    requests: u32,
    kinds: u8,
    destinations: Distinct<MAX_DESTINATIONS>,
    rare: Distinct<MAX_RARE_DESTINATIONS>,
}

/// The sweep detector's state.
#[derive(Debug)]
pub struct Sweeps {
    window: Nanos,
    threshold: usize,
    rare_threshold: usize,
    sources: Bounded<IpAddr, Source>,
}

impl Sweeps {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            window: settings.window,
            threshold: settings.sweep_destinations.clamp(1, MAX_DESTINATIONS),
            rare_threshold: settings
                .rare_sweep_destinations
                .clamp(1, MAX_RARE_DESTINATIONS),
            sources: Bounded::new(settings.sources),
        }
    }

    /// Sees a request of `kind`.
    pub fn request(&mut self, seen: &Seen<'_>, kind: Kind, alerts: &mut Alerts) {
        let now = seen.now;
        if alerts.is_active(Detection::HostSweep, seen.src(), now) {
            return;
        }
        let source = self.sources.entry(seen.src(), Source::default);
        if source.requests == 0 || now.saturating_sub(source.epoch) >= self.window {
            *source = Source {
                epoch: now,
                first_frame: seen.frame,
                ..Source::default()
            };
        }
        source.requests = source.requests.saturating_add(1);
        source.kinds |= kind.bit();
        let dst = fingerprint(&seen.dst());
        source.destinations.insert(dst);
        if kind.is_rare() {
            source.rare.insert(dst);
        }
        let (all, rare) = (source.destinations.len(), source.rare.len());
        if all < self.threshold && rare < self.rare_threshold {
            return;
        }
        let source = &*source;
        let by_rare = all < self.threshold;
        let (window, threshold, rare_threshold) =
            (self.window, self.threshold, self.rare_threshold);
        alerts.raise(Detection::HostSweep, seen.src(), now, || {
            let kinds = kind_names(source.kinds);
            let several = source.kinds.count_ones() > 1;
            let confidence =
                70 + if several { 10 } else { 0 } + if all >= MAX_DESTINATIONS { 10 } else { 0 };
            let elapsed = now.saturating_sub(source.epoch);
            let mut evidence = Evidence::packets(source.requests.into(), source.first_frame);
            if elapsed > 0 {
                evidence = evidence.over(elapsed);
            }
            let evidence = evidence
                .fact("destinations", all)
                .fact("kinds", kinds.as_str());
            let evidence = if rare > 0 {
                evidence.fact("timestamp_or_mask_destinations", rare)
            } else {
                evidence
            };
            let why = if by_rare {
                format!(
                    " ({rare} of them timestamp or address-mask requests, which no ordinary tool \
                     sends: {rare_threshold} such destinations make a sweep)"
                )
            } else {
                format!(
                    " (the threshold is {threshold} within {} s)",
                    window / SECOND
                )
            };
            Finding::about(
                seen,
                Detection::HostSweep,
                confidence,
                evidence,
                format!(
                    "{} sent {} {kinds} request{} to {all} distinct addresses in {:.1} s{why}, \
                     the latest to {}: a host sweep mapping which addresses are alive.",
                    seen.src(),
                    source.requests,
                    if source.requests == 1 { "" } else { "s" },
                    elapsed as f64 / 1e9,
                    seen.dst(),
                ),
            )
        });
    }

    /// Sources held.
    pub fn held(&self) -> usize {
        self.sources.len()
    }
}

/// The bytes of one entry (key and value).
#[cfg(test)]
pub(crate) const fn entry_size() -> usize {
    core::mem::size_of::<(IpAddr, Source)>()
}
