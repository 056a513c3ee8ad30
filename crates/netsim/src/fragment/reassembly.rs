//! Reassembly by a host: IPv4 fragments and IPv6 Fragment headers (RFC 791
//! §3.2, RFC 8200 §4.5) as Linux's `ip_defrag` and `ipv6_frag_rcv` do it.
//!
//! - Fragments belong together by family, source, destination,
//!   identification and (IPv4) protocol.
//! - A datagram is complete when its first fragment (offset 0), its last
//!   (More Fragments clear) and every byte between have come. It is
//!   returned as one unfragmented packet: the first fragment's IPv4 header
//!   with flags and offset cleared, total length and checksum refilled; or
//!   the first fragment's unfragmentable IPv6 headers, its Fragment header
//!   removed and the next header that named it set to the Fragment
//!   header's.
//! - A fragment that lies wholly inside bytes already held is a duplicate
//!   and is dropped alone; any other overlap drops the whole datagram (RFC
//!   5722; Linux does the same for IPv4 since 4.19). So do an empty
//!   fragment, a last fragment that ends before bytes held or somewhere
//!   else than an earlier last fragment, and bytes past the last one's end.
//!   A non-last IPv4 fragment's payload is cut to a multiple of 8 bytes; a
//!   non-last IPv6 one that is no multiple of 8 is dropped.
//! - A datagram in progress is given up [`TIMEOUT_V4`] (IPv4, Linux's
//!   `ipfrag_time`) or [`TIMEOUT_V6`] (Linux's `ip6frag_time`) after its
//!   first fragment came, by the clock of [`Reassembly::push`]'s caller;
//!   and the oldest is given up when more than [`MAX_DATAGRAMS`] are in
//!   progress or they hold more than [`MAX_BYTES`].
//! - An IPv6 atomic fragment (offset 0, M clear, RFC 6946) is returned at
//!   once without its Fragment header.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use icmpkit_wire::{ipv4, ipv6};

use super::read::{Fragment, Head, Key, Read, read};

/// How long an IPv4 datagram may take to come whole (Linux's
/// `net.ipv4.ipfrag_time`).
pub(crate) const TIMEOUT_V4: Duration = Duration::from_secs(30);
/// How long an IPv6 datagram may take to come whole (Linux's
/// `net.ipv6.ip6frag_time`).
pub(crate) const TIMEOUT_V6: Duration = Duration::from_mins(1);
/// The most datagrams in progress at once.
pub(crate) const MAX_DATAGRAMS: usize = 64;
/// The most bytes held in all (Linux's `ipfrag_high_thresh`); each
/// fragment counts its bytes and [`PIECE_OVERHEAD`].
pub(crate) const MAX_BYTES: usize = 4 << 20;
/// What one fragment held costs beyond its bytes, so that many tiny
/// fragments reach the bound too.
const PIECE_OVERHEAD: usize = 64;

/// What a node holds of fragmented datagrams addressed to it.
#[derive(Debug, Default)]
pub(crate) struct Reassembly {
    datagrams: BTreeMap<Key, Datagram>,
    /// The bytes all of them hold.
    held: usize,
}

/// What [`Reassembly::push`] made of a packet.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reassembled {
    /// Not a fragment: use it as it is.
    Whole,
    /// A fragment held until its datagram is complete.
    Held,
    /// The fragment completed this datagram (or was an IPv6 atomic
    /// fragment), returned unfragmented.
    Complete(Vec<u8>),
    /// The fragment was dropped, for this reason (a counter name); its
    /// datagram may have been given up with it.
    Dropped(&'static str),
}

/// One datagram in progress.
#[derive(Debug)]
struct Datagram {
    since: Instant,
    /// From the first fragment: what goes before the data.
    head: Option<Head>,
    /// The data's length, once the last fragment came.
    end: Option<usize>,
    /// The fragments' data by offset, never overlapping.
    pieces: BTreeMap<usize, Vec<u8>>,
    /// The bytes the pieces hold.
    data_len: usize,
    /// What it costs against [`MAX_BYTES`].
    cost: usize,
}

impl Reassembly {
    /// Takes a packet addressed to the node at `now`.
    pub(crate) fn push(&mut self, now: Instant, packet: &[u8]) -> Reassembled {
        self.expire(now);
        let fragment = match read(packet) {
            Read::Whole => return Reassembled::Whole,
            Read::Bad(why) => return Reassembled::Dropped(why),
            Read::Atomic(whole) => return Reassembled::Complete(whole),
            Read::Fragment(f) => f,
        };
        if fragment.data.is_empty() {
            self.give_up(&fragment.key);
            return Reassembled::Dropped("fragment-empty");
        }
        let key = fragment.key;
        if !self.datagrams.contains_key(&key) {
            while self.datagrams.len() >= MAX_DATAGRAMS {
                self.give_up_oldest(None);
            }
            self.datagrams.insert(
                key,
                Datagram {
                    since: now,
                    head: None,
                    end: None,
                    pieces: BTreeMap::new(),
                    data_len: 0,
                    cost: 0,
                },
            );
        }
        let datagram = self.datagrams.get_mut(&key).expect("just inserted");
        let cost = match datagram.add(fragment) {
            Ok(cost) => cost,
            Err(Refused::Duplicate) => return Reassembled::Dropped("fragment-duplicate"),
            Err(Refused::Corrupt(why)) => {
                self.give_up(&key);
                return Reassembled::Dropped(why);
            }
        };
        self.held += cost;
        while self.held > MAX_BYTES && self.give_up_oldest(Some(&key)) {}
        let Some(datagram) = self.datagrams.get(&key) else {
            return Reassembled::Held;
        };
        if !datagram.is_complete() {
            return Reassembled::Held;
        }
        let datagram = self.remove(&key).expect("present");
        match datagram.assemble() {
            Some(whole) => Reassembled::Complete(whole),
            None => Reassembled::Dropped("fragment-oversize"),
        }
    }

    /// How many datagrams are in progress.
    #[cfg(test)]
    pub(crate) fn in_progress(&self) -> usize {
        self.datagrams.len()
    }

    /// The bytes held, as counted against [`MAX_BYTES`].
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.held
    }

    /// Whether the datagram `fragment` belongs to is in progress.
    #[cfg(test)]
    pub(crate) fn datagrams_hold(&self, fragment: &[u8]) -> bool {
        match read(fragment) {
            Read::Fragment(f) => self.datagrams.contains_key(&f.key),
            _ => false,
        }
    }

    /// Gives up the datagrams whose time ran out.
    fn expire(&mut self, now: Instant) {
        let late: Vec<Key> = self
            .datagrams
            .iter()
            .filter(|(k, d)| now.saturating_duration_since(d.since) >= timeout_of(k))
            .map(|(k, _)| *k)
            .collect();
        for key in late {
            self.give_up(&key);
        }
    }

    /// Gives up the datagram that came first (not `keep`); false when
    /// there is none.
    fn give_up_oldest(&mut self, keep: Option<&Key>) -> bool {
        let oldest = self
            .datagrams
            .iter()
            .filter(|(k, _)| Some(*k) != keep)
            .min_by_key(|(_, d)| d.since)
            .map(|(k, _)| *k);
        match oldest {
            Some(key) => {
                self.give_up(&key);
                true
            }
            None => false,
        }
    }

    fn give_up(&mut self, key: &Key) {
        self.remove(key);
    }

    fn remove(&mut self, key: &Key) -> Option<Datagram> {
        let datagram = self.datagrams.remove(key)?;
        self.held -= datagram.cost;
        Some(datagram)
    }
}

/// Why a fragment was not added.
enum Refused {
    /// It lies inside bytes already held: drop it alone.
    Duplicate,
    /// It contradicts what is held: give up the datagram.
    Corrupt(&'static str),
}

impl Datagram {
    /// Adds a fragment; what it costs against [`MAX_BYTES`].
    fn add(&mut self, fragment: Fragment<'_>) -> Result<usize, Refused> {
        let start = fragment.offset;
        let end = start + fragment.data.len();
        let held_end = self
            .pieces
            .last_key_value()
            .map_or(0, |(at, d)| at + d.len());
        if fragment.more {
            if self.end.is_some_and(|e| end > e) {
                return Err(Refused::Corrupt("fragment-past-end"));
            }
        } else if end < held_end || self.end.is_some_and(|e| e != end) {
            return Err(Refused::Corrupt("fragment-inconsistent-end"));
        }
        if let Some(covered) = self.overlap(start, end) {
            return Err(if covered {
                Refused::Duplicate
            } else {
                Refused::Corrupt("fragment-overlap")
            });
        }
        if !fragment.more {
            self.end = Some(end);
        }
        let mut cost = fragment.data.len() + PIECE_OVERHEAD;
        if start == 0 {
            cost += fragment.head.bytes.len();
            self.head = Some(fragment.head);
        }
        self.pieces.insert(start, fragment.data.to_vec());
        self.data_len += fragment.data.len();
        self.cost += cost;
        Ok(cost)
    }

    /// Whether `start..end` overlaps the bytes held: `Some(true)` when it
    /// lies wholly inside one contiguous run of them, `Some(false)` for any
    /// other overlap.
    fn overlap(&self, start: usize, end: usize) -> Option<bool> {
        let before = self.pieces.range(..end).next_back();
        let (&at, data) = before?;
        if at + data.len() <= start {
            return None;
        }
        // The next piece starts at `end` or later, so only the run that
        // ends with this piece can hold the fragment: walk back over it.
        let mut run_start = at;
        for (&a, d) in self.pieces.range(..at).rev() {
            if a + d.len() != run_start {
                break;
            }
            run_start = a;
        }
        Some(run_start <= start && end <= at + data.len())
    }

    fn is_complete(&self) -> bool {
        self.head.is_some() && self.end == Some(self.data_len)
    }

    /// The unfragmented datagram; `None` when it is too long for its
    /// length fields.
    fn assemble(self) -> Option<Vec<u8>> {
        let head = self.head?;
        let mut out = head.bytes;
        let header_len = out.len();
        out.reserve(self.data_len);
        for data in self.pieces.values() {
            out.extend_from_slice(data);
        }
        match head.next_header {
            None => {
                let total = u16::try_from(out.len()).ok()?;
                let mut view = ipv4::Packet::new_unchecked(&mut out[..]);
                view.set_total_len(total);
                view.clear_flags();
                view.fill_checksum();
            }
            Some((at, next_header)) => {
                let payload = u16::try_from(out.len() - ipv6::HEADER_LEN).ok()?;
                out[at] = next_header;
                ipv6::Packet::new_unchecked(&mut out[..]).set_payload_len(payload);
            }
        }
        debug_assert!(header_len <= out.len());
        Some(out)
    }
}

/// The time a datagram with `key` may take.
fn timeout_of(key: &Key) -> Duration {
    match key.src {
        IpAddr::V4(_) => TIMEOUT_V4,
        IpAddr::V6(_) => TIMEOUT_V6,
    }
}
