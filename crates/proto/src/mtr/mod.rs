//! The continuous path view of `icmpkit mtr`, sans-IO.
//!
//! - [`Mtr`]: the [`crate::trace::Strategy`] that probes every TTL round
//!   after round (ICMP, UDP or TCP over the trace [`crate::trace::Prober`]),
//!   paced so that no hop gets more than one probe per round, and reports
//!   every probe once: answered, or lost when its wait ends
//!   ([`ProbeResult`]). It runs in a [`crate::trace::Tracer`] like every
//!   trace strategy.
//! - [`Path`]: what the results add up to, hop by hop: mtr's figures
//!   ([`HopStats`]), every address seen with its count, MPLS labels and
//!   RFC 5837 interfaces, the last rounds, and the events a live view
//!   shows ([`PathEvent`]).
//! - [`stats`]: mtr's arithmetic (`Loss% Snt Last Avg Best Wrst StDev`,
//!   geometric mean, the four jitter figures), as mtr computes it.
//! - [`loss`]: honest loss: the loss that persists to the destination
//!   ([`loss::persistent_loss`]), a token bucket fitted to a hop's answer
//!   times ([`loss::fit_token_bucket`]), and a plain verdict per hop
//!   ([`loss::HopVerdict`]).
//!
//! Time comes in as arguments, as in the rest of the crate.

pub mod loss;
mod path;
mod schedule;
pub mod stats;

use std::time::Instant;

use crate::trace::Answer;

pub use path::{BurstCheck, EXTENSIONS_KEPT, HISTORY, Hop, Path, PathEvent, Seen, Slot};
pub use schedule::{BURST_GAP, BURST_PROBES, Mtr, MtrConfig, MtrProgress, MtrSummary};
pub use stats::{Figure, HopStats};

/// One probe, resolved: answered, or given up when its wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// The round it belongs to, from 0.
    pub round: u64,
    /// Its TTL or hop limit.
    pub ttl: u8,
    /// Its flow (0 with one flow).
    pub flow: u16,
    /// When it left.
    pub sent_at: Instant,
    /// The answer (its `rtt` filled in), or `None`: lost.
    pub answer: Option<Answer>,
    /// The burst check it belongs to (numbered from 1); `None` for a
    /// round's probe.
    pub burst: Option<u32>,
}

impl ProbeResult {
    /// When the answer came, if one did.
    pub fn received_at(&self) -> Option<Instant> {
        self.answer.as_ref().map(|a| self.sent_at + a.rtt)
    }
}
