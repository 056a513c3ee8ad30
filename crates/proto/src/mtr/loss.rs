//! Honest loss: which part of a hop's unanswered probes is loss on the
//! path, and which is the router declining to answer.
//!
//! OWNED BY HELPER mtr-stats: replace the bodies below.

use std::time::Instant;

/// One resolved probe of a hop, as the fit sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// When the probe left.
    pub sent_at: Instant,
    /// Whether it was answered.
    pub answered: bool,
}

/// A token bucket: `burst` answers at once, then `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    /// The answers a rested bucket allows back to back.
    pub burst: u32,
    /// The answers it allows per second after that.
    pub per_second: f64,
    /// The share of observations the bucket predicts right, 0 to 1.
    pub agreement: f64,
}

/// The bucket that best explains which probes of a hop were answered, if
/// one explains them well; `None` when the answers do not look limited.
pub fn fit_token_bucket(_observations: &[Observation]) -> Option<TokenBucket> {
    todo!("helper mtr-stats")
}

/// The loss that persists to the end of the path: for each hop (index =
/// TTL - first), the least loss percentage of it and every later hop that
/// answers at all (`None`: a hop with no probes resolved, or silent).
pub fn persistent_loss(_loss_by_hop: &[Option<f64>]) -> Vec<Option<f64>> {
    todo!("helper mtr-stats")
}

/// What a hop's unanswered probes mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HopVerdict {
    /// Too few probes to say.
    Unknown,
    /// Every probe answered, or the little loss there is persists.
    Clean,
    /// The hop never answers, while later hops do: it forwards but does
    /// not send Time Exceeded.
    Silent,
    /// The hop limits its answers; the loss it shows does not persist.
    RateLimited {
        /// The fitted bucket.
        bucket: TokenBucket,
        /// The loss that persists past it, percent.
        real_loss: f64,
    },
    /// Loss that persists to the destination starts here.
    ForwardLoss {
        /// Percent.
        real_loss: f64,
    },
}

impl HopVerdict {
    /// The plain line a live view prints under the hop, if any.
    pub fn line(&self) -> Option<String> {
        todo!("helper mtr-stats")
    }
}

/// One hop as [`assess`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct HopLoss<'a> {
    /// Probes resolved.
    pub sent: u64,
    /// Probes answered.
    pub received: u64,
    /// The hop's recent probes, oldest first, for the bucket fit.
    pub observations: &'a [Observation],
}

/// The verdict of every hop of a path (index = TTL - first TTL; the last
/// entry is the destination's hop when it was reached).
pub fn assess(_hops: &[HopLoss<'_>]) -> Vec<HopVerdict> {
    todo!("helper mtr-stats")
}
