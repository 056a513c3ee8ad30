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
    talkers: Vec<Talker>,
    index: HashMap<IpAddr, usize, foldhash::fast::RandomState>,
}

impl TopTalkers {
    /// At most `capacity` counters (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            talkers: Vec::new(),
            index: HashMap::default(),
        }
    }

    /// Counts one message of `bytes` bytes for `addr`.
    pub fn count(&mut self, addr: IpAddr, bytes: usize) {
        let bytes = bytes as u64;
        if let Some(&i) = self.index.get(&addr) {
            let t = &mut self.talkers[i];
            t.packets += 1;
            t.bytes += bytes;
            return;
        }
        if self.talkers.len() < self.capacity {
            self.index.insert(addr, self.talkers.len());
            self.talkers.push(Talker {
                addr,
                packets: 1,
                bytes,
                error: 0,
            });
            return;
        }
        // Replace the smallest counter.
        let Some((i, &min)) = self
            .talkers
            .iter()
            .enumerate()
            .min_by_key(|(_, t)| t.packets)
        else {
            return;
        };
        self.index.remove(&min.addr);
        self.index.insert(addr, i);
        self.talkers[i] = Talker {
            addr,
            packets: min.packets + 1,
            bytes,
            error: min.packets,
        };
    }

    /// The `n` busiest, busiest first (ties by address).
    pub fn top(&self, n: usize) -> Vec<Talker> {
        let mut all = self.talkers.clone();
        all.sort_by(|a, b| b.packets.cmp(&a.packets).then(a.addr.cmp(&b.addr)));
        all.truncate(n);
        all
    }
}
