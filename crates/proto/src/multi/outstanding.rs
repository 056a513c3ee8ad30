//! [`Outstanding`]: one target's probes not yet past their timeout, in
//! as little memory as a handful of probes needs.

use std::collections::VecDeque;
use std::time::Instant;

/// A probe sent and not yet past its timeout.
#[derive(Debug, Clone, Copy)]
pub(super) struct Probe {
    pub sent_at: Instant,
    pub attempt: u32,
    pub replies: u32,
    /// An ICMP error about it came.
    pub errored: bool,
}

/// A target's probes by number, in send order (numbers only grow). A
/// target has a few at a time (one per round within the timeout, plus
/// resends), so a sorted ring beats a map: 32 bytes a probe, nothing
/// allocated while none is out (tens of thousands of targets each kept a
/// map node of several hundred bytes before).
#[derive(Debug, Clone, Default)]
pub(super) struct Outstanding {
    probes: VecDeque<(u64, Probe)>,
}

impl Outstanding {
    fn find(&self, number: u64) -> Result<usize, usize> {
        self.probes.binary_search_by_key(&number, |&(n, _)| n)
    }

    /// Adds probe `number`, the newest.
    pub fn insert(&mut self, number: u64, probe: Probe) {
        match self.find(number) {
            Ok(i) => self.probes[i].1 = probe,
            Err(i) => {
                // Room for one to start with (most targets never have two
                // out); beyond, the ring doubles as usual.
                if self.probes.capacity() == 0 {
                    self.probes.reserve_exact(1);
                }
                self.probes.insert(i, (number, probe));
            }
        }
    }

    /// Probe `number`, if out.
    pub fn get_mut(&mut self, number: u64) -> Option<&mut Probe> {
        let i = self.find(number).ok()?;
        self.probes.get_mut(i).map(|(_, p)| p)
    }

    /// Whether probe `number` is out.
    #[cfg(test)]
    pub fn contains(&self, number: u64) -> bool {
        self.find(number).is_ok()
    }

    /// Takes probe `number` out; the memory goes once none is left.
    pub fn remove(&mut self, number: u64) -> Option<Probe> {
        let i = self.find(number).ok()?;
        let (_, probe) = self.probes.remove(i)?;
        if self.probes.is_empty() {
            self.probes = VecDeque::new();
        }
        Some(probe)
    }

    /// How many are out.
    pub fn len(&self) -> usize {
        self.probes.len()
    }

    /// Their numbers, newest first.
    pub fn numbers_newest_first(&self) -> impl Iterator<Item = u64> + '_ {
        self.probes.iter().rev().map(|&(n, _)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(t0: Instant) -> Probe {
        Probe {
            sent_at: t0,
            attempt: 0,
            replies: 0,
            errored: false,
        }
    }

    #[test]
    fn probes_come_and_go_by_number_and_the_memory_goes_with_the_last() {
        let t0 = Instant::now();
        let mut o = Outstanding::default();
        for n in 1..=1000 {
            o.insert(n, probe(t0));
        }
        assert_eq!(o.len(), 1000);
        assert!(o.contains(500) && !o.contains(1001));
        o.get_mut(7).unwrap().replies = 2;
        assert_eq!(o.remove(7).map(|p| p.replies), Some(2));
        assert!(o.remove(7).is_none());
        assert_eq!(
            o.numbers_newest_first().take(2).collect::<Vec<_>>(),
            [1000, 999]
        );
        for n in 1..=1000 {
            o.remove(n);
        }
        assert_eq!((o.len(), o.probes.capacity()), (0, 0));
        o.insert(1001, probe(t0));
        assert_eq!(o.probes.capacity(), 1);
    }
}
