//! Links: one-way delay, jitter, loss and MTU, the same in both
//! directions.

use std::time::Duration;

use super::rng::SplitMix64;

/// The MTU of an Ethernet link, the default.
pub const ETHERNET_MTU: u16 = 1500;

/// A link between two neighbours on a path (the sender and the first hop,
/// two hops, the last hop and the destination). Both directions have the
/// same properties, drawn independently per packet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The one-way delay every packet has.
    pub delay: Duration,
    /// At most this much is added to the delay, uniformly drawn per packet
    /// (in whole nanoseconds).
    pub jitter: Duration,
    /// The probability (0 to 1) that a packet is lost, per crossing.
    pub loss: f64,
    /// The largest IP packet the link carries, header included.
    pub mtu: u16,
}

impl Default for Link {
    fn default() -> Self {
        Self::new(Duration::ZERO)
    }
}

impl Link {
    /// A link with this one-way delay, no jitter, no loss and an Ethernet
    /// MTU.
    pub const fn new(delay: Duration) -> Self {
        Self {
            delay,
            jitter: Duration::ZERO,
            loss: 0.0,
            mtu: ETHERNET_MTU,
        }
    }

    /// A link with a one-way delay of `ms` milliseconds.
    pub const fn ms(ms: u64) -> Self {
        Self::new(Duration::from_millis(ms))
    }

    /// Adds up to `jitter` to each crossing's delay.
    #[must_use]
    pub const fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Loses each crossing with probability `loss` (0 to 1).
    #[must_use]
    pub const fn loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Sets the MTU.
    #[must_use]
    pub const fn mtu(mut self, mtu: u16) -> Self {
        self.mtu = mtu;
        self
    }

    /// One crossing: how long it takes, or `None` when the packet is lost.
    /// Loss is drawn before jitter, and jitter only when there is some, so
    /// a link without either draws nothing.
    pub(crate) fn cross(&self, rng: &mut SplitMix64) -> Option<Duration> {
        if self.loss > 0.0 && rng.chance(self.loss) {
            return None;
        }
        let jitter_ns = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        let extra = if jitter_ns == 0 {
            0
        } else {
            rng.up_to(jitter_ns)
        };
        Some(self.delay + Duration::from_nanos(extra))
    }
}
