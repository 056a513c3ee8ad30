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
    /// (count when last placed, slot) in binary min-heap order. A counter
    /// counted since is placed anew only when it reaches the root (a lazy
    /// heap): counting a tracked address is O(1), and the smallest counter,
    /// which a new address replaces, is found at the root in amortised
    /// O(log capacity).
    heap: Vec<(u64, usize)>,
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
            index: HashMap::default(),
        }
    }

    /// Counts one message of `bytes` bytes for `addr`.
    pub fn count(&mut self, addr: IpAddr, bytes: usize) {
        let bytes = bytes as u64;
        if let Some(&slot) = self.index.get(&addr) {
            let t = &mut self.talkers[slot];
            t.packets += 1;
            t.bytes += bytes;
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
            self.heap.push((1, slot));
            self.sift_up(self.heap.len() - 1);
            return;
        }
        // The root is the smallest once its count is current.
        loop {
            let (key, slot) = self.heap[0];
            let packets = self.talkers[slot].packets;
            if packets == key {
                break;
            }
            self.heap[0].0 = packets;
            self.sift_down(0);
        }
        let slot = self.heap[0].1;
        let min = self.talkers[slot];
        self.index.remove(&min.addr);
        self.index.insert(addr, slot);
        self.talkers[slot] = Talker {
            addr,
            packets: min.packets + 1,
            bytes,
            error: min.packets,
        };
        self.heap[0].0 = min.packets + 1;
        self.sift_down(0);
    }

    /// Moves the entry at heap place `i` down while a child is smaller.
    fn sift_down(&mut self, mut i: usize) {
        let len = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if l < len && self.heap[l].0 < self.heap[smallest].0 {
                smallest = l;
            }
            if r < len && self.heap[r].0 < self.heap[smallest].0 {
                smallest = r;
            }
            if smallest == i {
                return;
            }
            self.heap.swap(i, smallest);
            i = smallest;
        }
    }

    /// Moves the entry at heap place `i` up while its parent is larger.
    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].0 <= self.heap[i].0 {
                return;
            }
            self.heap.swap(i, parent);
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
