//! Reassembly of fragmented IPv4 and IPv6 datagrams carrying ICMP, as tshark
//! reassembles by default: a `ping -s 3000` is one ICMP message, complete
//! at its last fragment.
//!
//! [`Reassembler::push`] takes each IP packet of a capture in order. A
//! packet that is not a fragment (the common case) is answered
//! [`Outcome::Whole`] after reading a few header bytes, without allocating.
//! A fragment of an ICMP (IPv4 protocol 1) or ICMPv6 datagram is held
//! until every byte of the datagram has come, and the fragment that
//! completes it is answered
//! [`Outcome::Complete`]: the datagram as one unfragmented IP packet (the
//! first fragment's header, its length fields set to the whole, IPv4's
//! flags and offset cleared and header checksum recomputed; IPv6's Fragment
//! header removed) and the frames of all its fragments. Fragments of other
//! protocols, atomic fragments (RFC 6946), fragments cut short by the
//! capture's snapshot length and IPv4 packets of total length 0 are
//! [`Outcome::Whole`]: they are read as they are.
//!
//! An IPv6 Fragment header names the first header of the fragmentable
//! part: ICMPv6 (58), or an extension header (Destination Options, ...)
//! that ICMPv6 may follow. Only the first fragment's extension headers
//! (walked as [`icmpkit_wire::ipv6::walk_extensions_lax`] walks them,
//! bounded) tell, so such fragments are held too; a datagram they show
//! not to be ICMPv6 is dropped when complete (its last fragment is
//! [`Outcome::Whole`]) or given up, and counted in no [`Stats`].
//!
//! Datagrams are told apart by IP version, source, destination,
//! identification and protocol (tshark's key).
//!
//! # Bounds
//!
//! The state is bounded by [`Limits`]: at most [`Limits::max_datagrams`]
//! datagrams in progress (default 256) holding at most
//! [`Limits::max_bytes`] bytes in all (default 8 MiB, fragments' bookkeeping
//! included), at most [`MAX_FRAGMENTS`] fragments and [`MAX_PAYLOAD`] bytes
//! of payload each. When a new fragment would pass a cap, the oldest
//! datagrams in progress are given up. A datagram is given up as well when
//! [`Limits::timeout`] of capture time (default 60 seconds, Linux's
//! `ip6frag_time`) has passed since its first fragment; captures without
//! timestamps (hex dumps) time nothing out. Fragments of datagrams given up,
//! and of those still incomplete at [`Reassembler::finish`], are counted
//! ([`Stats::incomplete_fragments`]), never shown.
//!
//! # Inconsistent fragments
//!
//! Nothing here panics or fails on any input. Overlapping fragments whose
//! bytes agree are reassembled silently (tshark does the same). Where
//! fragments overlap, each byte is the one of the fragment with the lowest
//! offset that holds it, the first received of those at the same offset:
//! tshark copies the fragments into the datagram in offset order, each
//! only past where the ones before it reached. Fragments that overlap with
//! different bytes, that disagree on where the datagram ends, that reach past its end, or
//! that make it longer than an IP length field can say, still give a
//! datagram, with the first such [`Problem`] in [`Reassembled::problem`]
//! for the caller to report it malformed (tshark flags the first two as
//! expert errors too).

use std::fmt;

use icmpkit_wire::ipv6;

use crate::Timestamp;

#[cfg(test)]
mod tests;

/// The most payload bytes a datagram can have: what an IPv4 or IPv6 (not
/// jumbo) length field can say. Bytes past it are not kept.
pub const MAX_PAYLOAD: usize = 65_535;

/// The most fragments one datagram may have (every fragment but the last
/// carries at least 8 bytes: 65,535 / 8 rounded up, and some to spare for
/// duplicates); a datagram with more is given up.
pub const MAX_FRAGMENTS: usize = 8_400;

/// What a fragment costs in the byte count beyond its payload: its frame
/// number and the (at most two) [`Piece`]s it adds.
const FRAGMENT_OVERHEAD: usize = 64;

/// The IPv6 extension headers walked before a Fragment header.
const MAX_HEADERS_BEFORE_FRAGMENT: usize = 8;

/// The bounds on the state a [`Reassembler`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most datagrams in progress at once.
    pub max_datagrams: usize,
    /// The most bytes held in all (payload, headers and bookkeeping).
    pub max_bytes: usize,
    /// How long (capture time, from a datagram's first fragment) a datagram
    /// may take to complete; `None`: no timeout.
    pub timeout: Option<Timestamp>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_datagrams: 256,
            max_bytes: 8 << 20,
            timeout: Some(Timestamp {
                seconds: 60,
                nanoseconds: 0,
            }),
        }
    }
}

/// What is wrong with a reassembled datagram's fragments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// Two fragments overlap and their bytes differ from `offset` on (the
    /// payload offset); the bytes of the fragment with the lower offset
    /// (of the one received first, at the same offset) were kept, as
    /// tshark keeps them.
    OverlapConflict {
        /// The payload offset of the first differing byte's overlap.
        offset: usize,
    },
    /// Two last fragments (more-fragments flag clear) end the datagram at
    /// different lengths; the first one's is kept.
    EndsDiffer {
        /// The payload length the first last fragment gave.
        first: usize,
        /// The other.
        other: usize,
    },
    /// A fragment reaches past the end the last fragment gave; the bytes
    /// past it are dropped.
    PastEnd {
        /// The payload length the last fragment gave.
        end: usize,
        /// Where the fragment ends.
        reach: usize,
    },
    /// The payload is longer than [`MAX_PAYLOAD`] (or, with an IPv4 header,
    /// than 65,535 bytes in all): the packet is cut there.
    TooLong {
        /// The payload length the fragments give.
        len: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OverlapConflict { offset } => write!(
                f,
                "fragments overlap with different bytes at payload offset {offset} \
                 (the lowest fragment's are kept)"
            ),
            Self::EndsDiffer { first, other } => write!(
                f,
                "last fragments disagree on the datagram's length ({first} and {other} bytes)"
            ),
            Self::PastEnd { end, reach } => write!(
                f,
                "a fragment reaches byte {reach}, past the datagram's end at {end}"
            ),
            Self::TooLong { len } => write!(
                f,
                "reassembled payload of {len} bytes is longer than an IP length field allows"
            ),
        }
    }
}

/// A datagram made whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reassembled<'a> {
    /// The datagram as one unfragmented IP packet.
    pub packet: &'a [u8],
    /// The frame numbers of its fragments, in the order they came; the
    /// last is the frame that completed it.
    pub frames: &'a [u64],
    /// The first thing found wrong with its fragments, if any.
    pub problem: Option<Problem>,
}

/// What [`Reassembler::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Not a fragment this reassembles: read the packet as it is.
    Whole,
    /// A fragment, held until its datagram is complete: show nothing yet.
    Held,
    /// The fragment completed a datagram.
    Complete(Reassembled<'a>),
}

/// What a [`Reassembler`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams completed.
    pub datagrams: u64,
    /// Fragments of the completed datagrams, the completing ones included.
    pub fragments: u64,
    /// Datagrams given up (timed out, evicted for the caps, or incomplete at
    /// [`Reassembler::finish`]).
    pub incomplete_datagrams: u64,
    /// Their fragments.
    pub incomplete_fragments: u64,
}

/// The identity of a datagram: version, source, destination,
/// identification, protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    version: u8,
    src: [u8; 16],
    dst: [u8; 16],
    ident: u32,
    protocol: u8,
}

/// One fragment, read from its packet.
struct Fragment<'p> {
    key: Key,
    /// Payload offset in bytes.
    offset: usize,
    more: bool,
    /// The header to rebuild the datagram with: the bytes before the
    /// fragmentable part (IPv4 header; IPv6 header and extension headers
    /// before the Fragment header).
    header: &'p [u8],
    /// IPv6: where in `header` the next header byte naming the Fragment
    /// header is, and the protocol it must name instead.
    next_header_at: Option<(usize, u8)>,
    payload: &'p [u8],
    /// Whether the datagram carries ICMP, when this fragment tells.
    icmp: Option<bool>,
}

/// Payload bytes `start..end` of a datagram, from a fragment at offset
/// `from` (the lowest that brought them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    start: usize,
    end: usize,
    from: usize,
}

/// A datagram in progress.
#[derive(Debug)]
struct Pending {
    key: Key,
    first_seen: Option<Timestamp>,
    /// The header of the offset-0 fragment; empty until it comes.
    header: Vec<u8>,
    next_header_at: Option<(usize, u8)>,
    /// Payload bytes by offset (gaps zero until filled).
    data: Vec<u8>,
    /// Who the bytes received are from: sorted and disjoint, touching
    /// pieces from the same offset merged.
    pieces: Vec<Piece>,
    /// How many payload bytes the pieces hold.
    covered: usize,
    /// The payload length, once the last fragment came.
    end: Option<usize>,
    frames: Vec<u64>,
    problem: Option<Problem>,
    /// Whether it carries ICMP, once a fragment told.
    icmp: Option<bool>,
    /// What it counts for in [`Reassembler`]'s byte total.
    cost: usize,
}

/// Reassembles the fragmented ICMP datagrams of a capture; see the
/// [module documentation](self).
#[derive(Debug, Default)]
pub struct Reassembler {
    limits: Limits,
    /// Datagrams in progress, oldest first.
    pending: Vec<Pending>,
    held: usize,
    /// The last datagram completed.
    packet: Vec<u8>,
    frames: Vec<u64>,
    stats: Stats,
}

impl Reassembler {
    /// A reassembler with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A reassembler with other limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// What it has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How many bytes it holds now.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// How many datagrams are in progress.
    pub fn in_progress(&self) -> usize {
        self.pending.len()
    }

    /// Takes the IP packet `ip` of frame `frame`, captured at `time`.
    pub fn push(&mut self, frame: u64, time: Option<Timestamp>, ip: &[u8]) -> Outcome<'_> {
        let Some(fragment) = fragment(ip) else {
            return Outcome::Whole;
        };
        if let (Some(now), Some(timeout)) = (time, self.limits.timeout) {
            self.expire(now, timeout);
        }
        let found = self.pending.iter().position(|p| p.key == fragment.key);
        let index = found.unwrap_or_else(|| {
            self.pending.push(Pending::new(fragment.key, time));
            self.pending.len() - 1
        });
        let pending = &mut self.pending[index];
        let before = pending.cost;
        pending.take(frame, &fragment);
        let added = pending.cost - before;
        self.held += added;
        let too_many = pending.frames.len() > MAX_FRAGMENTS;
        let index = if too_many {
            self.give_up(index);
            None
        } else {
            self.make_room(index)
        };
        let Some(index) = index else {
            return Outcome::Held;
        };
        if !self.pending[index].is_complete() {
            return Outcome::Held;
        }
        let done = self.pending.remove(index);
        self.held -= done.cost;
        if !done.carries_icmp() {
            return Outcome::Whole;
        }
        self.stats.datagrams += 1;
        self.stats.fragments += done.frames.len() as u64;
        let problem = done.assemble(&mut self.packet);
        self.frames = done.frames;
        Outcome::Complete(Reassembled {
            packet: &self.packet,
            frames: &self.frames,
            problem,
        })
    }

    /// Gives up every datagram still in progress (the capture has ended)
    /// and returns the final [`Stats`].
    pub fn finish(&mut self) -> Stats {
        while !self.pending.is_empty() {
            self.give_up(0);
        }
        self.stats
    }

    /// Gives up the datagrams whose time is over at `now`.
    fn expire(&mut self, now: Timestamp, timeout: Timestamp) {
        let mut i = 0;
        while i < self.pending.len() {
            let expired = self.pending[i]
                .first_seen
                .is_some_and(|first| later_than(now, first, timeout));
            if expired {
                self.give_up(i);
            } else {
                i += 1;
            }
        }
    }

    /// Gives up the oldest datagrams other than the one at `keep` while the
    /// caps are passed; returns where `keep` is then, or `None` when it had
    /// to go as well (it alone passes the byte cap).
    fn make_room(&mut self, mut keep: usize) -> Option<usize> {
        while self.pending.len() > self.limits.max_datagrams.max(1)
            || self.held > self.limits.max_bytes
        {
            if self.pending.len() == 1 {
                self.give_up(0);
                return None;
            }
            let oldest = usize::from(keep == 0);
            self.give_up(oldest);
            if oldest < keep {
                keep -= 1;
            }
        }
        Some(keep)
    }

    fn give_up(&mut self, index: usize) {
        let gone = self.pending.remove(index);
        self.held -= gone.cost;
        if gone.icmp == Some(false) {
            return;
        }
        self.stats.incomplete_datagrams += 1;
        self.stats.incomplete_fragments += gone.frames.len() as u64;
    }
}

/// Whether `now` is more than `timeout` after `first`.
fn later_than(now: Timestamp, first: Timestamp, timeout: Timestamp) -> bool {
    let nanos = |t: Timestamp| u128::from(t.seconds) * 1_000_000_000 + u128::from(t.nanoseconds);
    nanos(now) > nanos(first) + nanos(timeout)
}

impl Pending {
    fn new(key: Key, first_seen: Option<Timestamp>) -> Self {
        Self {
            key,
            first_seen,
            header: Vec::new(),
            next_header_at: None,
            data: Vec::new(),
            pieces: Vec::new(),
            covered: 0,
            end: None,
            frames: Vec::new(),
            problem: None,
            icmp: None,
            cost: 0,
        }
    }

    /// Takes in one fragment.
    fn take(&mut self, frame: u64, f: &Fragment<'_>) {
        self.frames.push(frame);
        self.cost += FRAGMENT_OVERHEAD;
        if let Some(icmp) = f.icmp {
            self.icmp.get_or_insert(icmp);
        }
        if f.offset == 0 && self.header.is_empty() {
            self.header.extend_from_slice(f.header);
            self.next_header_at = f.next_header_at;
            self.cost += f.header.len();
        }
        let reach = f.offset + f.payload.len();
        if !f.more {
            match self.end {
                None => {
                    self.end = Some(reach);
                    if let Some(&Piece { end: last, .. }) = self.pieces.last()
                        && last > reach
                    {
                        // Bytes came past the end: drop them.
                        self.note(Problem::PastEnd {
                            end: reach,
                            reach: last,
                        });
                        self.pieces.retain(|p| p.start < reach);
                        if let Some(piece) = self.pieces.last_mut() {
                            piece.end = piece.end.min(reach);
                        }
                        self.covered = self.pieces.iter().map(|p| p.end - p.start).sum();
                        self.data.truncate(reach);
                    }
                }
                Some(end) if end != reach => self.note(Problem::EndsDiffer {
                    first: end,
                    other: reach,
                }),
                Some(_) => {}
            }
        }
        if reach > MAX_PAYLOAD {
            self.note(Problem::TooLong { len: reach });
        }
        let mut limit = MAX_PAYLOAD;
        if let Some(end) = self.end {
            if reach > end {
                self.note(Problem::PastEnd { end, reach });
            }
            limit = limit.min(end);
        }
        let stop = reach.min(limit);
        if f.offset < stop {
            self.insert(f.offset, &f.payload[..stop - f.offset]);
        }
    }

    /// Notes a problem unless one was noted before.
    fn note(&mut self, problem: Problem) {
        self.problem.get_or_insert(problem);
    }

    /// Writes the bytes of the fragment at payload offset `start` where
    /// nothing was received or where what was came from a fragment at a
    /// higher offset, compares them with what was received, and records
    /// who each byte is from.
    fn insert(&mut self, start: usize, bytes: &[u8]) {
        let end = start + bytes.len();
        if self.data.len() < end {
            self.cost += end - self.data.len();
            self.data.resize(end, 0);
        }
        // The pieces that touch or overlap [start, end).
        let first = self.pieces.partition_point(|p| p.end < start);
        let last = first + self.pieces[first..].partition_point(|p| p.start <= end);
        let mut rebuilt: Vec<Piece> = Vec::with_capacity(last - first + 2);
        let mut pos = start;
        let mut conflict = None;
        for i in first..last {
            let p = self.pieces[i];
            if p.start < start {
                push_piece(&mut rebuilt, p.start, p.end.min(start), p.from);
            }
            if p.start > pos {
                self.data[pos..p.start].copy_from_slice(&bytes[pos - start..p.start - start]);
                self.covered += p.start - pos;
                push_piece(&mut rebuilt, pos, p.start, start);
            }
            let (from, to) = (p.start.max(start), p.end.min(end));
            if from < to {
                let theirs = &bytes[from - start..to - start];
                if conflict.is_none() && self.data[from..to] != *theirs {
                    conflict = Some(from);
                }
                if start < p.from {
                    self.data[from..to].copy_from_slice(theirs);
                    push_piece(&mut rebuilt, from, to, start);
                } else {
                    push_piece(&mut rebuilt, from, to, p.from);
                }
            }
            pos = pos.max(to);
            if p.end > end {
                push_piece(&mut rebuilt, p.start.max(end), p.end, p.from);
            }
        }
        if pos < end {
            self.data[pos..end].copy_from_slice(&bytes[pos - start..]);
            self.covered += end - pos;
            push_piece(&mut rebuilt, pos, end, start);
        }
        if let Some(offset) = conflict {
            self.note(Problem::OverlapConflict { offset });
        }
        self.pieces.splice(first..last, rebuilt);
    }

    /// Whether the complete datagram carries ICMP: what its fragments
    /// told, or else what the extension headers of the whole fragmentable
    /// part say (the first fragment's ended inside them).
    fn carries_icmp(&self) -> bool {
        match (self.icmp, self.next_header_at) {
            (Some(icmp), _) => icmp,
            (None, Some((_, next))) => leads_to_icmpv6(next, &self.data) == Some(true),
            (None, None) => true,
        }
    }

    fn is_complete(&self) -> bool {
        !self.header.is_empty()
            && self.end.is_some_and(|end| {
                // The pieces are all below the end (or MAX_PAYLOAD).
                self.covered == end.min(MAX_PAYLOAD)
            })
    }

    /// Writes the whole datagram into `out`; returns the problem found.
    fn assemble(&self, out: &mut Vec<u8>) -> Option<Problem> {
        let mut problem = self.problem;
        let end = self.end.unwrap_or_default().min(self.data.len());
        // Both length fields count at most 65,535: IPv4's the header too.
        let room = match self.next_header_at {
            None => MAX_PAYLOAD.saturating_sub(self.header.len()),
            Some(_) => MAX_PAYLOAD.saturating_sub(self.header.len() - IPV6_HEADER_LEN),
        };
        let end = if end > room {
            problem.get_or_insert(Problem::TooLong { len: end });
            room
        } else {
            end
        };
        out.clear();
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.data[..end]);
        match self.next_header_at {
            None => {
                let total = u16::try_from(out.len()).unwrap_or(u16::MAX);
                out[2..4].copy_from_slice(&total.to_be_bytes());
                // Keep DF; clear MF and the offset.
                out[6] &= 0x40;
                out[7] = 0;
                out[10..12].copy_from_slice(&[0, 0]);
                let sum = ipv4_header_checksum(&out[..self.header.len()]);
                out[10..12].copy_from_slice(&sum.to_be_bytes());
            }
            Some((at, protocol)) => {
                let payload = u16::try_from(out.len() - IPV6_HEADER_LEN).unwrap_or(u16::MAX);
                out[4..6].copy_from_slice(&payload.to_be_bytes());
                out[at] = protocol;
            }
        }
        problem
    }
}

/// Appends bytes `start..end` from the fragment at `from` to `pieces`,
/// merged into the last piece when it is from there too and touches.
fn push_piece(pieces: &mut Vec<Piece>, start: usize, end: usize, from: usize) {
    match pieces.last_mut() {
        Some(last) if last.end == start && last.from == from => last.end = end,
        _ => pieces.push(Piece { start, end, from }),
    }
}

const IPV6_HEADER_LEN: usize = 40;
const PROTOCOL_ICMP: u8 = 1;
const PROTOCOL_ICMPV6: u8 = 58;
const PROTOCOL_FRAGMENT: u8 = 44;

/// The RFC 1071 checksum of an IPv4 header whose checksum field is zero.
fn ipv4_header_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    #[allow(clippy::cast_possible_truncation)] // folded to 16 bits above
    !(sum as u16)
}

/// The fragment `ip` is, if it is one this reassembles.
fn fragment(ip: &[u8]) -> Option<Fragment<'_>> {
    match ip.first()? >> 4 {
        4 => fragment_v4(ip),
        6 => fragment_v6(ip),
        _ => None,
    }
}

fn fragment_v4(ip: &[u8]) -> Option<Fragment<'_>> {
    let flags_offset = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]);
    let more = flags_offset & 0x2000 != 0;
    let offset = usize::from(flags_offset & 0x1fff) * 8;
    if !more && offset == 0 {
        return None;
    }
    let header_len = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    if ip.len() < 20 || ip[9] != PROTOCOL_ICMP || header_len < 20 || total < header_len {
        return None;
    }
    // A fragment cut short by the capture cannot complete a datagram.
    let packet = ip.get(..total)?;
    let mut key = Key {
        version: 4,
        src: [0; 16],
        dst: [0; 16],
        ident: u32::from(u16::from_be_bytes([ip[4], ip[5]])),
        protocol: PROTOCOL_ICMP,
    };
    key.src[..4].copy_from_slice(&ip[12..16]);
    key.dst[..4].copy_from_slice(&ip[16..20]);
    Some(Fragment {
        key,
        offset,
        more,
        header: &packet[..header_len],
        next_header_at: None,
        payload: &packet[header_len..],
        icmp: Some(true),
    })
}

fn fragment_v6(ip: &[u8]) -> Option<Fragment<'_>> {
    let mut next = *ip.get(6)?;
    if next == PROTOCOL_ICMPV6 || ip.len() < IPV6_HEADER_LEN {
        return None;
    }
    let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    // Payload length 0 is a jumbogram, which cannot be fragmented.
    let packet = ip
        .get(..IPV6_HEADER_LEN + payload_len)
        .filter(|_| payload_len > 0)?;
    let (mut at, mut next_at) = (IPV6_HEADER_LEN, 6);
    for _ in 0..MAX_HEADERS_BEFORE_FRAGMENT {
        match next {
            PROTOCOL_FRAGMENT => break,
            // Hop-by-Hop, Routing, Destination Options: (length + 1) * 8.
            0 | 43 | 60 => {
                let len = (usize::from(*packet.get(at + 1)?) + 1) * 8;
                next = packet[at];
                next_at = at;
                at += len;
            }
            _ => return None,
        }
    }
    let header = packet
        .get(at..at + 8)
        .filter(|_| next == PROTOCOL_FRAGMENT)?;
    let field = u16::from_be_bytes([header[2], header[3]]);
    let (offset, more) = (usize::from(field & 0xfff8), field & 1 != 0);
    let first = header[0];
    let payload = &packet[at + 8..];
    let icmp = if first == PROTOCOL_ICMPV6 {
        Some(true)
    } else if ipv6::is_extension_header(first) && first != PROTOCOL_FRAGMENT {
        // The first fragment's extension headers may say; others cannot.
        if offset == 0 {
            leads_to_icmpv6(first, payload)
        } else {
            None
        }
    } else {
        return None;
    };
    if offset == 0 && !more {
        return None;
    }
    let mut key = Key {
        version: 6,
        src: [0; 16],
        dst: [0; 16],
        ident: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
        protocol: PROTOCOL_ICMPV6,
    };
    key.src.copy_from_slice(&ip[8..24]);
    key.dst.copy_from_slice(&ip[24..40]);
    Some(Fragment {
        key,
        offset,
        more,
        header: &packet[..at],
        next_header_at: Some((next_at, first)),
        payload,
        icmp,
    })
}

/// Whether the fragmentable part `bytes` of an IPv6 datagram, whose first
/// header is `next` (from the Fragment header), is ICMPv6 after its
/// extension headers; `None` when they run past the end of `bytes` (the
/// first fragment ends inside them).
fn leads_to_icmpv6(next: u8, bytes: &[u8]) -> Option<bool> {
    match ipv6::walk_extensions_lax(next, bytes) {
        Ok(upper) if upper.complete => Some(upper.protocol == PROTOCOL_ICMPV6),
        Ok(_) => None,
        Err(_) => Some(false),
    }
}
