//! [`Bits`]: one flag per target in one bit.

/// A fixed number of flags, all clear at first, 64 to a word.
#[derive(Debug, Clone, Default)]
pub(super) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// `len` flags, all clear.
    pub fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Sets flag `i`; whether it was set before. Out of range: nothing,
    /// and `true`.
    pub fn set(&mut self, i: usize) -> bool {
        let Some(word) = self.words.get_mut(i / 64) else {
            return true;
        };
        let bit = 1 << (i % 64);
        let was = *word & bit != 0;
        *word |= bit;
        was
    }

    /// Whether flag `i` is set (`false` out of range).
    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_set_once_and_read_back_and_out_of_range_is_inert() {
        let mut b = Bits::new(130);
        assert!(!b.get(0) && !b.get(129));
        assert!(!b.set(129));
        assert!(b.set(129));
        assert!(b.get(129) && !b.get(128) && !b.get(65));
        assert!(b.set(200) && !b.get(200), "past the last word");
        assert_eq!(b.words.len(), 3);
    }
}
