//! A keyed pseudo-random bijection over `[0, n)`: the order in which a
//! sweep visits its targets.
//!
//! A Feistel network with four SipHash-2-4 rounds permutes the smallest
//! power of two `2^b >= n` (at least 4), split into a left half of
//! `ceil(b/2)` bits and a right one of `floor(b/2)`: the rounds alternate,
//! each one an exclusive or of one half with the keyed hash of the other
//! (each is a classic Feistel round without the swap of the halves, so four
//! of them are Luby and Rackoff's four rounds, and odd `b` needs no
//! padding bit). Cycle
//! walking (apply the network again while the result is `>= n`) turns it
//! into a permutation of `[0, n)`. The domain is less than `2n`, so a walk
//! takes fewer than two steps on average (a balanced network of `2^(2h)`
//! took up to four, and the order's hashing was a sweep's largest
//! user-space cost). Memory is O(1): position `i` of the order is computed
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
    /// Bits of the left half: `ceil(b/2)`.
    left_bits: u32,
    /// Bits of the right half: `floor(b/2)`.
    right_bits: u32,
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
        // Bits of the largest index, at least 2 (one per half).
        let bits = (128 - (n - 1).leading_zeros()).max(2);
        Self {
            n,
            left_bits: bits.div_ceil(2),
            right_bits: bits / 2,
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
        self.cycle_walk(position, || 0..ROUNDS)
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
        self.cycle_walk(index, || (0..ROUNDS).rev())
    }

    /// Runs the network on `x`, its rounds in the order `rounds` gives,
    /// again and again until the result is below `n`.
    fn cycle_walk<R: Iterator<Item = u8>>(&self, mut x: u64, rounds: impl Fn() -> R) -> u64 {
        loop {
            x = self.network(x, rounds());
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

    /// Round `round`'s keyed hash of `half`.
    fn round_hash(&self, round: u8, half: u64) -> u64 {
        let mut input = [0u8; 9];
        input[0] = round;
        input[1..].copy_from_slice(&half.to_le_bytes());
        siphash24(&self.key, &input)
    }

    /// One round: an even one XORs the left half with the hash of the
    /// right, an odd one the right with the hash of the left. Its own
    /// inverse.
    fn round(&self, round: u8, left: &mut u64, right: &mut u64) {
        // Each half has 1 to 32 bits.
        let left_mask = u64::MAX >> (64 - self.left_bits);
        let right_mask = u64::MAX >> (64 - self.right_bits);
        if round.is_multiple_of(2) {
            *left ^= self.round_hash(round, *right) & left_mask;
        } else {
            *right ^= self.round_hash(round, *left) & right_mask;
        }
    }

    /// The network on `x`, rounds in `order`.
    fn network(&self, x: u64, order: impl Iterator<Item = u8>) -> u64 {
        let right_mask = u64::MAX >> (64 - self.right_bits);
        let (mut left, mut right) = (x >> self.right_bits, x & right_mask);
        for round in order {
            self.round(round, &mut left, &mut right);
        }
        // left has left_bits bits: the sum is at most 64.
        (left << self.right_bits) | right
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
    fn the_domain_is_the_smallest_power_of_two_that_holds_every_index() {
        for (n, bits) in [
            (1, 2),
            (4, 2),
            (5, 3),
            (393_216, 19),
            (1 << 20, 20),
            (MAX_LEN, 64),
        ] {
            let p = Permutation::new(n, KEY_A);
            assert_eq!(p.left_bits + p.right_bits, bits, "n = {n}");
            assert!(p.left_bits - p.right_bits <= 1, "n = {n}");
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
