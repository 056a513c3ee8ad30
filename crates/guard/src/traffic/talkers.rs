//! The busiest addresses, in constant space: the Space-Saving algorithm
//! (Metwally, Agrawal and El Abbadi, 2005) over a fixed number of
//! counters. Every address sending more than 1/capacity of the traffic is
//! kept, with its count overestimated by at most the `error` it carries.

use core::net::IpAddr;
use std::collections::HashMap;

/// The counters kept for the top sources and top destinations each.
pub const TALKERS_TRACKED: usize = 256;

/// One address and what it sent or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Talker {
    /// The address.
    pub addr: IpAddr,
    /// Messages counted (may be over by up to `error`).
    pub packets: u64,
    /// Bytes counted (since it was tracked).
    pub bytes: u64,
    /// How much `packets` may be over: the count of the address it
    /// replaced.
    pub error: u64,
}

/// The heavy hitters of a stream of addresses.
#[derive(Debug, Clone)]
pub struct TopTalkers {
    capacity: usize,
    /// The counters, each in a slot of its own for its life.
    talkers: Vec<Talker>,
    /// Slots in binary min-heap order of their counts: the smallest, which
    /// a new address replaces, at the root.
    heap: Vec<usize>,
    /// Each slot's place in `heap`.
    place: Vec<usize>,
    /// Each tracked address's slot.
    index: HashMap<IpAddr, usize, foldhash::fast::RandomState>,
}

impl TopTalkers {
    /// At most `capacity` counters (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            talkers: Vec::new(),
            heap: Vec::new(),
            place: Vec::new(),
            index: HashMap::default(),
        }
    }

    /// Counts one message of `bytes` bytes for `addr`: O(log capacity), a
    /// map lookup, and for an address not tracked a map removal and
    /// insertion.
    pub fn count(&mut self, addr: IpAddr, bytes: usize) {
        let bytes = bytes as u64;
        if let Some(&slot) = self.index.get(&addr) {
            let t = &mut self.talkers[slot];
            t.packets += 1;
            t.bytes += bytes;
            self.sift_down(self.place[slot]);
            return;
        }
        if self.talkers.len() < self.capacity {
            let slot = self.talkers.len();
            self.index.insert(addr, slot);
            self.talkers.push(Talker {
                addr,
                packets: 1,
                bytes,
                error: 0,
            });
            self.heap.push(slot);
            self.place.push(slot);
            self.sift_up(slot);
            return;
        }
        // Replace the smallest counter, at the root.
        let slot = self.heap[0];
        let min = self.talkers[slot];
        self.index.remove(&min.addr);
        self.index.insert(addr, slot);
        self.talkers[slot] = Talker {
            addr,
            packets: min.packets + 1,
            bytes,
            error: min.packets,
        };
        self.sift_down(0);
    }

    fn count_at(&self, place: usize) -> u64 {
        self.talkers[self.heap[place]].packets
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.place[self.heap[a]] = a;
        self.place[self.heap[b]] = b;
    }

    /// Moves the counter at heap place `i` down while a child counts less.
    fn sift_down(&mut self, mut i: usize) {
        let len = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if l < len && self.count_at(l) < self.count_at(smallest) {
                smallest = l;
            }
            if r < len && self.count_at(r) < self.count_at(smallest) {
                smallest = r;
            }
            if smallest == i {
                return;
            }
            self.swap(i, smallest);
            i = smallest;
        }
    }

    /// Moves the counter at heap place `i` up while its parent counts more.
    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.count_at(parent) <= self.count_at(i) {
                return;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    /// The `n` busiest, busiest first (ties by address).
    pub fn top(&self, n: usize) -> Vec<Talker> {
        let mut all = self.talkers.clone();
        all.sort_by(|a, b| b.packets.cmp(&a.packets).then(a.addr.cmp(&b.addr)));
        all.truncate(n);
        all
    }
}
