//! [`Seen`]: one bit per target index, for duplicate suppression.

/// A bitmap over target indices `[0, n)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    words: Vec<u64>,
    len: u64,
    count: u64,
}

impl Seen {
    /// An empty set over `[0, len)`: `len / 8` bytes, rounded up to whole
    /// 64-bit words.
    ///
    /// # Panics
    ///
    /// If the bitmap does not fit this machine's address space.
    pub fn new(len: u64) -> Self {
        let words = usize::try_from(len.div_ceil(64)).expect("Seen::new: bitmap too large");
        Self {
            words: vec![0; words],
            len,
            count: 0,
        }
    }

    /// Marks `index`; true when it was not marked before. An index outside
    /// `[0, len)` is never marked and gives false.
    pub fn insert(&mut self, index: u64) -> bool {
        if index >= self.len {
            return false;
        }
        let (word, bit) = Self::place(index);
        let mask = 1u64 << bit;
        let fresh = self.words[word] & mask == 0;
        self.words[word] |= mask;
        self.count += u64::from(fresh);
        fresh
    }

    /// Whether `index` is marked.
    pub fn contains(&self, index: u64) -> bool {
        let (word, bit) = Self::place(index);
        index < self.len && self.words[word] & (1 << bit) != 0
    }

    /// How many indices are marked.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The size of the index range, `n`.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the index range is empty (`n == 0`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[allow(
        clippy::cast_possible_truncation,
        reason = "the word exists: index < len"
    )]
    fn place(index: u64) -> (usize, u32) {
        ((index / 64) as usize, (index % 64) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_reports_new_once() {
        let mut seen = Seen::new(130);
        assert_eq!(seen.words.len(), 3);
        for index in [0, 63, 64, 129] {
            assert!(!seen.contains(index));
            assert!(seen.insert(index), "{index}");
            assert!(!seen.insert(index), "{index} again");
            assert!(seen.contains(index));
        }
        assert_eq!(seen.count(), 4);
        assert!(!seen.contains(1));
        assert!(!seen.contains(128));
        assert_eq!(seen.words, [1 | 1 << 63, 1, 1 << 1]);
    }

    #[test]
    fn out_of_range_is_refused() {
        let mut seen = Seen::new(130);
        assert!(!seen.insert(130));
        assert!(!seen.insert(u64::MAX));
        assert!(!seen.contains(130));
        assert_eq!(seen.count(), 0);
        assert_eq!(seen.len(), 130);
        assert!(Seen::new(0).is_empty());
    }
}
