//! [`Shard`]: one of N disjoint parts of a sweep, so that N machines (or
//! N jobs of a scheduler) sweep one target space together.
//!
//! zmap's `--shards`/`--shard`/`--seed` semantics: every shard walks the
//! same keyed order (the seed picks it) and shard `I` of `N` takes the
//! positions `p` of that order with `p % N == I`. Each position belongs to
//! exactly one shard whatever `N` and the space's size (a shard with
//! `I >= len` is empty), so the shards are disjoint and their union is the
//! whole space: their results merge by concatenation. Interleaving (rather
//! than N contiguous runs of the order) keeps every shard a pseudo-random
//! sample of the whole space, so shards of one space take about the same
//! time and spread their load over every network in it.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (`index < count`, numbered from 0 as zmap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u64,
    count: u64,
}

/// Why a shard is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardError {
    /// Not `I/N` with whole numbers.
    Malformed {
        /// The text given.
        text: String,
    },
    /// `N` is 0.
    NoShards,
    /// `I` is not below `N`.
    IndexTooLarge {
        /// The index given.
        index: u64,
        /// The number of shards.
        count: u64,
    },
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { text } => write!(
                f,
                "{text:?} is not I/N: give the shard's index I (from 0) and the number of \
                 shards N, e.g. 0/3"
            ),
            Self::NoShards => f.write_str("the number of shards must be at least 1"),
            Self::IndexTooLarge { index, count } => write!(
                f,
                "shard {index} is not one of {count}: the index is from 0 to {} \
                 (numbered from 0, as zmap's)",
                count - 1
            ),
        }
    }
}

impl std::error::Error for ShardError {}

impl Shard {
    /// The whole sweep: shard 0 of 1.
    pub const WHOLE: Self = Self { index: 0, count: 1 };

    /// Shard `index` of `count`.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::NoShards);
        }
        if index >= count {
            return Err(ShardError::IndexTooLarge { index, count });
        }
        Ok(Self { index, count })
    }

    /// Its index, from 0.
    pub fn index(self) -> u64 {
        self.index
    }

    /// How many shards there are.
    pub fn count(self) -> u64 {
        self.count
    }

    /// Whether it is the whole sweep (one shard).
    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// Whether position `position` of the order is this shard's.
    pub fn holds(self, position: u64) -> bool {
        position % self.count == self.index
    }

    /// The first position of an order of `len` that is this shard's.
    pub fn first(self, len: u64) -> Option<u64> {
        (self.index < len).then_some(self.index)
    }

    /// The position after `position` that is this shard's, in an order of
    /// `len`.
    pub fn next_after(self, position: u64, len: u64) -> Option<u64> {
        position.checked_add(self.count).filter(|&p| p < len)
    }

    /// How many positions of an order of `len` are this shard's:
    /// `ceil((len - I) / N)`, 0 when `I >= len`.
    pub fn len_of(self, len: u64) -> u64 {
        if self.index >= len {
            0
        } else {
            (len - self.index - 1) / self.count + 1
        }
    }
}

impl Default for Shard {
    fn default() -> Self {
        Self::WHOLE
    }
}

/// `I/N`.
impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Reads `I/N` (zmap's `--shard I --shards N` in one word).
impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, ShardError> {
        let malformed = || ShardError::Malformed {
            text: text.to_owned(),
        };
        let (index, count) = text.split_once('/').ok_or_else(malformed)?;
        let number = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| s.parse::<u64>().ok())
                .flatten()
                .ok_or_else(malformed)
        };
        Self::new(number(index)?, number(count)?)
    }
}

#[cfg(test)]
mod tests;
