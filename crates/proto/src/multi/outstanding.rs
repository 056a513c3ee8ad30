//! [`Outstanding`]: one target's probes not yet past their timeout, in
//! as little memory as a handful of probes needs.

use std::cmp::Ordering;

use super::Nanos;

/// A probe sent and not yet past its timeout.
#[derive(Debug, Clone, Copy)]
pub(super) struct Probe {
    /// When it was sent, since the run's start.
    pub sent_at: Nanos,
    pub attempt: u32,
    /// Replies to it, saturating (only "any" and "more than one" matter).
    pub replies: u16,
    /// An ICMP error about it came.
    pub errored: bool,
}

/// A probe and its number: 24 bytes.
type Entry = (u64, Probe);

/// A target's probes by number, in send order (numbers only grow). A
/// target has a few at a time (one per round within the timeout, plus
/// resends), so a sorted sequence beats a map. The oldest is kept inline:
/// most targets never have two out, and they allocate nothing (tens of
/// thousands of targets each kept a ring of its own before); the others
/// go in a boxed vector made when a second is out and freed when it
/// empties. 32 bytes while at most one probe is out.
#[derive(Debug, Clone, Default)]
pub(super) struct Outstanding {
    /// The probe of the smallest number out, if any.
    oldest: Option<Entry>,
    /// The others, by number; `None` while empty. Never `Some` while
    /// `oldest` is `None`.
    #[allow(
        clippy::box_collection,
        reason = "8 bytes in every target where a Vec takes 24; allocated by few"
    )]
    newer: Option<Box<Vec<Entry>>>,
}

impl Outstanding {
    /// Adds probe `number`, normally the newest (an older number is put
    /// in its place; a number already out is replaced).
    pub fn insert(&mut self, number: u64, probe: Probe) {
        let Some(oldest) = &mut self.oldest else {
            self.oldest = Some((number, probe));
            return;
        };
        let entry = match number.cmp(&oldest.0) {
            Ordering::Equal => {
                oldest.1 = probe;
                return;
            }
            Ordering::Less => std::mem::replace(oldest, (number, probe)),
            Ordering::Greater => (number, probe),
        };
        let newer = self
            .newer
            .get_or_insert_with(|| Box::new(Vec::with_capacity(1)));
        match newer.binary_search_by_key(&entry.0, |&(n, _)| n) {
            Ok(i) => newer[i] = entry,
            Err(i) => newer.insert(i, entry),
        }
    }

    /// Probe `number`, if out.
    pub fn get_mut(&mut self, number: u64) -> Option<&mut Probe> {
        match &mut self.oldest {
            Some((n, p)) if *n == number => Some(p),
            _ => {
                let newer = self.newer.as_mut()?;
                let i = newer.binary_search_by_key(&number, |&(n, _)| n).ok()?;
                Some(&mut newer[i].1)
            }
        }
    }

    /// Whether probe `number` is out.
    #[cfg(test)]
    pub fn contains(&self, number: u64) -> bool {
        self.numbers_newest_first().any(|n| n == number)
    }

    /// Takes probe `number` out; the memory goes once at most one is left.
    pub fn remove(&mut self, number: u64) -> Option<Probe> {
        let (oldest, probe) = self.oldest?;
        if oldest == number {
            self.oldest = self.newer.as_mut().map(|newer| newer.remove(0));
            self.drop_empty();
            return Some(probe);
        }
        let newer = self.newer.as_mut()?;
        let i = newer.binary_search_by_key(&number, |&(n, _)| n).ok()?;
        let (_, probe) = newer.remove(i);
        self.drop_empty();
        Some(probe)
    }

    fn drop_empty(&mut self) {
        if self.newer.as_ref().is_some_and(|n| n.is_empty()) {
            self.newer = None;
        }
    }

    /// How many are out.
    pub fn len(&self) -> usize {
        usize::from(self.oldest.is_some()) + self.newer.as_ref().map_or(0, |n| n.len())
    }

    /// Their numbers, newest first.
    pub fn numbers_newest_first(&self) -> impl Iterator<Item = u64> + '_ {
        let newer = self.newer.iter().flat_map(|n| n.iter().rev());
        newer.chain(self.oldest.iter()).map(|&(n, _)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> Probe {
        Probe {
            sent_at: 0,
            attempt: 0,
            replies: 0,
            errored: false,
        }
    }

    #[test]
    fn probes_come_and_go_by_number_and_the_memory_goes_with_the_second() {
        let mut o = Outstanding::default();
        for n in 1..=1000 {
            o.insert(n, probe());
        }
        assert_eq!(o.len(), 1000);
        assert!(o.contains(500) && o.contains(1) && !o.contains(1001));
        o.get_mut(7).unwrap().replies = 2;
        assert_eq!(o.remove(7).map(|p| p.replies), Some(2));
        assert!(o.remove(7).is_none());
        o.get_mut(1).unwrap().attempt = 3;
        assert_eq!(o.remove(1).map(|p| p.attempt), Some(3));
        assert_eq!(
            o.numbers_newest_first().take(2).collect::<Vec<_>>(),
            [1000, 999]
        );
        assert_eq!(o.numbers_newest_first().last(), Some(2));
        for n in 1..1000 {
            o.remove(n);
        }
        assert!(o.newer.is_none(), "one left: nothing allocated");
        assert_eq!(o.numbers_newest_first().collect::<Vec<_>>(), [1000]);
        assert!(o.remove(1000).is_some());
        assert_eq!(
            (o.len(), o.oldest.is_none(), o.newer.is_none()),
            (0, true, true)
        );
        o.insert(1001, probe());
        assert!(o.newer.is_none());
    }

    #[test]
    fn an_older_number_takes_the_inline_place_and_a_known_one_is_replaced() {
        let mut o = Outstanding::default();
        o.insert(5, probe());
        o.insert(3, probe());
        o.insert(4, probe());
        o.insert(
            4,
            Probe {
                attempt: 9,
                ..probe()
            },
        );
        assert_eq!(o.numbers_newest_first().collect::<Vec<_>>(), [5, 4, 3]);
        assert_eq!(o.get_mut(4).map(|p| p.attempt), Some(9));
        assert!(o.get_mut(6).is_none());
    }

    #[test]
    fn a_target_with_one_probe_out_keeps_32_bytes_and_a_probe_24() {
        assert_eq!(size_of::<Entry>(), 24);
        assert_eq!(size_of::<Outstanding>(), 32);
    }
}
