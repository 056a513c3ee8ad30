//! A keyed pseudo-random bijection over `[0, n)`: the order in which a
//! sweep visits its targets.
//!
//! A balanced Feistel network with four SipHash-2-4 rounds permutes the
//! smallest even power of two `2^(2h) >= n`; cycle walking (apply the
//! network again while the result is `>= n`) turns it into a permutation of
//! `[0, n)`. The domain is less than `4n`, so a walk takes fewer than four
//! steps on average. Memory is O(1): position `i` of the order is computed
//! from `i` alone.

use super::siphash::siphash24;

/// Rounds of the Feistel network (four give a strong pseudo-random
/// permutation, Luby and Rackoff).
const ROUNDS: u8 = 4;

/// The largest domain: indices are `u64`, so `n <= 2^64`.
pub const MAX_LEN: u128 = 1 << 64;

/// A keyed pseudo-random permutation of `[0, n)`.
#[derive(Debug, Clone)]
pub struct Permutation {
    n: u128,
    half_bits: u32,
    key: [u8; 16],
}

impl Permutation {
    /// The permutation of `[0, n)` chosen by `key`.
    ///
    /// # Panics
    ///
    /// If `n` is 0 or above 2^64.
    pub fn new(n: u128, key: [u8; 16]) -> Self {
        assert!(
            (1..=MAX_LEN).contains(&n),
            "Permutation::new: n = {n} is outside 1..=2^64"
        );
        // Bits of the largest index, rounded up to an even number, at least 2.
        let bits = (128 - (n - 1).leading_zeros()).max(2);
        Self {
            n,
            half_bits: bits.div_ceil(2),
            key,
        }
    }

    /// How many indices it permutes.
    pub fn len(&self) -> u128 {
        self.n
    }

    /// Always false: a permutation has at least one index.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The index at `position` of the order.
    ///
    /// # Panics
    ///
    /// If `position >= n`.
    pub fn at(&self, position: u64) -> u64 {
        assert!(
            u128::from(position) < self.n,
            "Permutation::at: position {position} of {}",
            self.n
        );
        let mut x = position;
        loop {
            x = self.feistel(x);
            if u128::from(x) < self.n {
                return x;
            }
        }
    }

    /// The position of `index` in the order: the inverse of
    /// [`at`](Self::at) (the network run backwards, with the same cycle
    /// walk).
    ///
    /// # Panics
    ///
    /// If `index >= n`.
    pub fn position_of(&self, index: u64) -> u64 {
        assert!(
            u128::from(index) < self.n,
            "Permutation::position_of: index {index} of {}",
            self.n
        );
        let mut x = index;
        loop {
            x = self.feistel_inverse(x);
            if u128::from(x) < self.n {
                return x;
            }
        }
    }

    /// Every index of `[0, n)`, each once, in the keyed order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            permutation: self,
            next: 0,
        }
    }

    fn feistel(&self, x: u64) -> u64 {
        let half = self.half_bits;
        let mask = u64::MAX >> (64 - half);
        let (mut left, mut right) = ((x >> half) & mask, x & mask);
        for round in 0..ROUNDS {
            let mut input = [0u8; 9];
            input[0] = round;
            input[1..].copy_from_slice(&right.to_le_bytes());
            let f = siphash24(&self.key, &input) & mask;
            (left, right) = (right, left ^ f);
        }
        // For half = 32 the shift is 32 and left fits: no overflow.
        (left << half) | right
    }

    /// [`feistel`](Self::feistel) undone: the rounds in reverse order.
    fn feistel_inverse(&self, x: u64) -> u64 {
        let half = self.half_bits;
        let mask = u64::MAX >> (64 - half);
        let (mut left, mut right) = ((x >> half) & mask, x & mask);
        for round in (0..ROUNDS).rev() {
            let mut input = [0u8; 9];
            input[0] = round;
            input[1..].copy_from_slice(&left.to_le_bytes());
            let f = siphash24(&self.key, &input) & mask;
            (left, right) = (right ^ f, left);
        }
        (left << half) | right
    }
}

/// The iterator of [`Permutation::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    permutation: &'a Permutation,
    next: u128,
}

impl Iterator for Iter<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.next >= self.permutation.n {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, reason = "next < n <= 2^64")]
        let position = self.next as u64;
        self.next += 1;
        Some(self.permutation.at(position))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.permutation.n - self.next;
        let low = usize::try_from(left).unwrap_or(usize::MAX);
        (low, usize::try_from(left).ok())
    }
}

impl<'a> IntoIterator for &'a Permutation {
    type Item = u64;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: [u8; 16] = *b"sweep key number";
    const KEY_B: [u8; 16] = *b"another sweepkey";

    fn assert_bijective(n: u64, key: [u8; 16]) {
        let mut seen = vec![false; usize::try_from(n).unwrap()];
        let mut count = 0u64;
        for index in &Permutation::new(n.into(), key) {
            let slot = &mut seen[usize::try_from(index).unwrap()];
            assert!(!*slot, "n = {n}: {index} came twice");
            *slot = true;
            count += 1;
        }
        assert_eq!(count, n, "n = {n}");
    }

    #[test]
    fn bijective_for_many_sizes_and_keys() {
        // 48_271 and 131_071 and 9_973 stand for "a few random ones".
        let sizes = [
            1, 2, 3, 7, 255, 256, 257, 1000, 9_973, 48_271, 65_536, 100_003, 131_071,
        ];
        for n in sizes {
            for key in [KEY_A, KEY_B, [0; 16]] {
                assert_bijective(n, key);
            }
        }
    }

    #[test]
    fn keys_give_different_orders() {
        let a: Vec<u64> = Permutation::new(1000, KEY_A).iter().collect();
        let b: Vec<u64> = Permutation::new(1000, KEY_B).iter().collect();
        let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
        // A random pair of permutations agrees in about one place.
        assert!(same < 10, "{same} positions agree");
        let again: Vec<u64> = Permutation::new(1000, KEY_A).iter().collect();
        assert_eq!(a, again);
    }

    #[test]
    fn neighbours_are_not_back_to_back() {
        let order: Vec<u64> = Permutation::new(65_536, KEY_A).iter().collect();
        let adjacent = order
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) == 1)
            .count();
        assert!(
            adjacent < 655,
            "{adjacent} consecutive outputs are neighbours"
        );
        // The identity would put them all back to back.
        assert_ne!(order[..4], [0, 1, 2, 3]);
    }

    #[test]
    fn huge_domains_stay_in_range() {
        for n in [MAX_LEN, MAX_LEN - 1, (1 << 63) + 5, 1 << 32] {
            let p = Permutation::new(n, KEY_A);
            for position in [0, 1, 2, 1 << 31, u64::try_from(n - 1).unwrap()] {
                assert!(u128::from(p.at(position)) < n);
            }
            let first: Vec<u64> = p.iter().take(3).collect();
            assert_eq!(first.len(), 3);
            assert_ne!(first[0], first[1]);
        }
    }

    #[test]
    fn position_of_undoes_at() {
        for n in [1u64, 2, 3, 7, 255, 256, 257, 9_973] {
            let p = Permutation::new(n.into(), KEY_A);
            for position in 0..n {
                assert_eq!(p.position_of(p.at(position)), position, "n = {n}");
            }
        }
        for n in [MAX_LEN, (1 << 63) + 5, 1 << 33] {
            let p = Permutation::new(n, KEY_B);
            for position in [0, 1, 2, 1 << 31, u64::try_from(n - 1).unwrap()] {
                assert_eq!(p.position_of(p.at(position)), position);
            }
        }
    }

    #[test]
    fn size_hint_counts_down() {
        let p = Permutation::new(5, KEY_A);
        let mut it = p.iter();
        assert_eq!(it.size_hint(), (5, Some(5)));
        it.next();
        assert_eq!(it.size_hint(), (4, Some(4)));
    }

    #[test]
    #[should_panic(expected = "outside 1..=2^64")]
    fn zero_is_refused() {
        let _ = Permutation::new(0, KEY_A);
    }
}
