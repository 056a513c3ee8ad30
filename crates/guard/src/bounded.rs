//! Bounded state: every map the guard keeps per address or per flow is a
//! [`Bounded`] map with a fixed capacity that forgets the least recently
//! used entry, so a flood of new addresses at the capture's full rate
//! cannot grow memory; and [`Window`] counts events over a sliding span of
//! capture time in constant space.

use core::hash::Hash;

use lru::LruCache;

use crate::observe::Nanos;

/// The hasher of every bounded map: fast, and seeded per process, so that
/// crafted addresses cannot be chosen to collide.
type Hasher = foldhash::fast::RandomState;

/// A map of at most `capacity` entries; inserting into a full map forgets
/// the entry used least recently.
#[derive(Debug)]
pub struct Bounded<K: Hash + Eq, V> {
    /// Unbounded to the `lru` crate (so it grows with use, not allocated
    /// at its cap up front); the cap is kept here.
    map: LruCache<K, V, Hasher>,
    capacity: usize,
    evicted: u64,
}

impl<K: Hash + Eq, V> Bounded<K, V> {
    /// An empty map that holds at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            map: LruCache::unbounded_with_hasher(Hasher::default()),
            capacity: capacity.max(1),
            evicted: 0,
        }
    }

    /// The entry of `key`, made with `make` when there is none (forgetting
    /// the least recently used entry if the map is full), marked as used.
    pub fn entry(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if self.map.len() >= self.capacity && !self.map.contains(&key) {
            self.map.pop_lru();
            self.evicted += 1;
        }
        self.map.get_or_insert_mut(key, make)
    }

    /// The entry of `key`, if held, marked as used.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// The entry of `key`, if held, without marking it used.
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.map.peek(key)
    }

    /// Forgets `key`'s entry, returning it.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.map.pop(key)
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The most entries held at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many entries were forgotten to make room.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Every entry, most recently used first.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }
}

/// How many slices a [`Window`] divides its span into: its count is exact
/// to one slice (an eighth of the span).
const SLICES: usize = 8;

/// Events counted over a sliding span of capture time, in constant space:
/// the span is divided into eight slices, and [`Window::count`] is the sum
/// of the slices that end within the span (so it lags by at most an
/// eighth of it).
#[derive(Debug, Clone)]
pub struct Window {
    span: Nanos,
    /// Events per slice, a ring; `slices[head]` is the newest.
    slices: [u32; SLICES],
    head: usize,
    /// The slice number (time / slice length) of `slices[head]`.
    head_slice: u64,
}

impl Window {
    /// A window of `span` nanoseconds (at least 8), empty.
    pub fn new(span: Nanos) -> Self {
        Self {
            span: span.max(SLICES as u64),
            slices: [0; SLICES],
            head: 0,
            head_slice: 0,
        }
    }

    /// The span counted over.
    pub fn span(&self) -> Nanos {
        self.span
    }

    fn slice_len(&self) -> Nanos {
        self.span / SLICES as u64
    }

    /// Moves the window to `now`.
    fn advance(&mut self, now: Nanos) {
        let slice = now / self.slice_len();
        if slice <= self.head_slice {
            // Slightly out of order: counted in the newest slice. A clock
            // stepped back by a whole span or more: start over from there
            // (else every event would pile up in one slice until the old
            // time came again).
            if self.head_slice - slice >= SLICES as u64 {
                self.slices = [0; SLICES];
                self.head_slice = slice;
            }
            return;
        }
        let steps = slice - self.head_slice;
        if steps >= SLICES as u64 {
            self.slices = [0; SLICES];
        } else {
            for _ in 0..steps {
                self.head = (self.head + 1) % SLICES;
                self.slices[self.head] = 0;
            }
        }
        self.head_slice = slice;
    }

    /// Counts `n` events at `now` and returns the count over the span.
    pub fn add(&mut self, now: Nanos, n: u32) -> u32 {
        self.advance(now);
        self.slices[self.head] = self.slices[self.head].saturating_add(n);
        self.total()
    }

    /// The count over the span ending at `now`.
    pub fn count(&mut self, now: Nanos) -> u32 {
        self.advance(now);
        self.total()
    }

    fn total(&self) -> u32 {
        self.slices.iter().fold(0u32, |a, &b| a.saturating_add(b))
    }

    /// The rate over the span, in events per second.
    pub fn rate(&mut self, now: Nanos) -> f64 {
        f64::from(self.count(now)) * 1e9 / self.span as f64
    }
}

/// A small set of distinct values (hashes of addresses, sizes, ...), exact
/// up to `N` members and saturating there: enough to tell "one", "a few"
/// and "many" apart in constant space.
#[derive(Debug, Clone)]
pub struct Distinct<const N: usize> {
    members: [u64; N],
    len: usize,
    /// Values offered after the set was full that were not members.
    overflow: u64,
}

impl<const N: usize> Default for Distinct<N> {
    fn default() -> Self {
        Self {
            members: [0; N],
            len: 0,
            overflow: 0,
        }
    }
}

impl<const N: usize> Distinct<N> {
    /// Adds `value`; returns whether it was new.
    pub fn insert(&mut self, value: u64) -> bool {
        if self.members[..self.len].contains(&value) {
            return false;
        }
        if self.len < N {
            self.members[self.len] = value;
            self.len += 1;
        } else {
            self.overflow += 1;
        }
        true
    }

    /// How many distinct values were seen, exact below `N` (at `N`, "at
    /// least N").
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the set is full (so [`Distinct::len`] is a lower bound).
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// Forgets every member.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = 0;
    }
}

/// Recently seen values in a fixed table, each with a small value of its
/// own: a value is kept as a 64-bit fingerprint (keyed per process, so
/// crafted values cannot be chosen to collide) in one of the two slots its
/// fingerprint picks, and a newer value finding both taken forgets one of
/// them (two ways: a few values never push each other out). Constant time and no allocation after creation, for state a
/// detector touches with every packet (an LRU map's bookkeeping costs
/// more there than the work itself); a value may be forgotten early, never
/// reported when it was not inserted (barring a 2^-64 fingerprint match).
#[derive(Debug)]
pub struct Recent<V> {
    /// Fingerprint (0: empty) and value, per slot.
    slots: Vec<(u64, V)>,
    hasher: Hasher,
    len: usize,
    forgotten: u64,
}

impl<V: Copy + Default> Recent<V> {
    /// A table of `capacity` slots (rounded up to a power of two, at least
    /// 2), empty.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![(0, V::default()); capacity.max(2).next_power_of_two()],
            hasher: Hasher::default(),
            len: 0,
            forgotten: 0,
        }
    }

    /// The pair of slots `value` may live in, and its fingerprint.
    fn place(&self, value: &(impl Hash + ?Sized)) -> (usize, u64) {
        use core::hash::BuildHasher;
        let fp = self.hasher.hash_one(value) | 1;
        // The high bits pick the pair of slots (the low bit is always set).
        let first = (fp >> 32) as usize & (self.slots.len() - 1) & !1;
        (first, fp)
    }

    /// Where `fp` is held among the two slots from `first`.
    fn find(&self, first: usize, fp: u64) -> Option<usize> {
        (first..first + 2).find(|&i| self.slots[i].0 == fp)
    }

    /// The value kept for `key`, made with `V::default()` when `key` is not
    /// held: in a free slot of its pair, else in place of one of the two
    /// (which is forgotten), chosen by the fingerprint.
    pub fn entry(&mut self, key: &(impl Hash + ?Sized)) -> &mut V {
        let (first, fp) = self.place(key);
        let slot = if let Some(slot) = self.find(first, fp) {
            slot
        } else {
            let slot = (first..first + 2)
                .find(|&i| self.slots[i].0 == 0)
                .unwrap_or(first + ((fp >> 1) & 1) as usize);
            if self.slots[slot].0 == 0 {
                self.len += 1;
            } else {
                self.forgotten += 1;
            }
            self.slots[slot] = (fp, V::default());
            slot
        };
        &mut self.slots[slot].1
    }

    /// The value kept for `key`, if held.
    pub fn get(&self, key: &(impl Hash + ?Sized)) -> Option<&V> {
        let (first, fp) = self.place(key);
        self.find(first, fp).map(|slot| &self.slots[slot].1)
    }

    /// The value kept for `key`, if held, to change.
    pub fn get_mut(&mut self, key: &(impl Hash + ?Sized)) -> Option<&mut V> {
        let (first, fp) = self.place(key);
        self.find(first, fp).map(|slot| &mut self.slots[slot].1)
    }

    /// Slots in use.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slots (the most values held at once).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many values were forgotten for a newer one.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }
}

/// A 64-bit hash of `value` with a fixed key: the same in every run, for
/// payload and address fingerprints that are compared, never used as map
/// keys (the maps' hasher is seeded).
pub fn fingerprint(value: &(impl Hash + ?Sized)) -> u64 {
    use core::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x1c3b_9e37_79b9_7f4a).hash_one(value)
}

#[cfg(test)]
mod tests;
