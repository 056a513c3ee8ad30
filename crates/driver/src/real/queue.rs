//! [`SendQueue`]: the datagrams one socket was given since its last
//! flush, kept in one buffer until one `sendmmsg(2)` sends them.

use std::net::IpAddr;

/// A queue holding this many bytes of datagrams is full, whatever their
/// number (a few large pings fill it sooner than many small probes).
pub(super) const QUEUE_BYTES: usize = 256 * 1024;

/// One queued datagram: where its bytes are, where it goes, whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Queued {
    /// Its first byte in [`SendQueue::bytes`].
    start: usize,
    /// Its length.
    len: usize,
    /// Where to.
    pub dst: IpAddr,
    /// The machine's tag.
    pub tag: u64,
}

/// The datagrams of one socket not sent yet, all with one TTL (a datagram
/// with another TTL flushes the queue first: the TTL is the socket's).
#[derive(Debug)]
pub(super) struct SendQueue {
    bytes: Vec<u8>,
    entries: Vec<Queued>,
    ttl: u8,
    capacity: usize,
}

impl SendQueue {
    /// A queue that is full at `capacity` datagrams (or [`QUEUE_BYTES`]).
    pub fn new(capacity: usize) -> Self {
        Self {
            bytes: Vec::new(),
            entries: Vec::new(),
            ttl: 0,
            capacity: capacity.max(1),
        }
    }

    /// How many datagrams wait.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The TTL of what waits; `None` when nothing does.
    pub fn ttl(&self) -> Option<u8> {
        (!self.is_empty()).then_some(self.ttl)
    }

    /// Whether the queue must be flushed before it takes more.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= self.capacity || self.bytes.len() >= QUEUE_BYTES
    }

    /// Queues a copy of `datagram` for `dst`, sent with `ttl`, which must
    /// be the queue's ([`SendQueue::ttl`]) unless it is empty.
    pub fn push(&mut self, datagram: &[u8], dst: IpAddr, tag: u64, ttl: u8) {
        debug_assert!(self.ttl().is_none_or(|t| t == ttl));
        self.ttl = ttl;
        let start = self.bytes.len();
        self.bytes.extend_from_slice(datagram);
        self.entries.push(Queued {
            start,
            len: datagram.len(),
            dst,
            tag,
        });
    }

    /// Datagram `i`.
    pub fn get(&self, i: usize) -> Option<&Queued> {
        self.entries.get(i)
    }

    /// The datagrams from `i` on, as `send_batch_iter` takes them.
    pub fn messages_from(&self, i: usize) -> impl Iterator<Item = (&[u8], IpAddr)> + '_ {
        self.entries.get(i..).unwrap_or(&[]).iter().map(|q| {
            (
                self.bytes.get(q.start..q.start + q.len).unwrap_or(&[]),
                q.dst,
            )
        })
    }

    /// Moves the datagrams from `from` on to the end of `to` (which takes
    /// this queue's TTL), in order; this queue keeps those before.
    pub fn move_tail(&mut self, from: usize, to: &mut SendQueue) {
        let Some(first) = self.entries.get(from) else {
            return;
        };
        let cut = first.start;
        to.ttl = self.ttl;
        let base = to.bytes.len();
        to.bytes
            .extend_from_slice(self.bytes.get(cut..).unwrap_or(&[]));
        to.entries
            .extend(self.entries.drain(from..).map(|q| Queued {
                start: q.start - cut + base,
                ..q
            }));
        self.bytes.truncate(cut);
    }

    /// Empties the queue, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn queued_datagrams_come_back_in_order_with_their_bytes_and_tags() {
        let mut queue = SendQueue::new(4);
        assert_eq!(queue.ttl(), None);
        queue.push(b"one", A, 1, 9);
        queue.push(b"", B, 2, 9);
        queue.push(b"three", A, 3, 9);
        assert_eq!(queue.ttl(), Some(9));
        assert_eq!(queue.len(), 3);
        let from_1: Vec<_> = queue.messages_from(1).collect();
        assert_eq!(from_1, [(&b""[..], B), (&b"three"[..], A)]);
        assert_eq!(queue.get(2).map(|q| q.tag), Some(3));
        assert_eq!(queue.messages_from(9).count(), 0);
        queue.clear();
        assert!(queue.is_empty());
        assert_eq!(queue.ttl(), None);
    }

    #[test]
    fn a_moved_tail_keeps_its_bytes_tags_and_ttl() {
        let mut queue = SendQueue::new(8);
        queue.push(b"one", A, 1, 7);
        queue.push(b"two", B, 2, 7);
        queue.push(b"three", A, 3, 7);
        let mut tail = SendQueue::new(8);
        tail.push(b"old", B, 9, 7);
        queue.move_tail(1, &mut tail);
        assert_eq!(
            queue.messages_from(0).collect::<Vec<_>>(),
            [(&b"one"[..], A)]
        );
        assert_eq!(
            tail.messages_from(0).collect::<Vec<_>>(),
            [(&b"old"[..], B), (&b"two"[..], B), (&b"three"[..], A)]
        );
        assert_eq!(tail.get(2).map(|q| q.tag), Some(3));
        assert_eq!(tail.ttl(), Some(7));
        // Past the end: nothing moves.
        queue.move_tail(5, &mut tail);
        assert_eq!((queue.len(), tail.len()), (1, 3));
    }

    #[test]
    fn a_queue_is_full_at_its_capacity_or_its_byte_limit() {
        let mut queue = SendQueue::new(2);
        queue.push(b"a", A, 1, 64);
        assert!(!queue.is_full());
        queue.push(b"b", A, 2, 64);
        assert!(queue.is_full());
        let mut queue = SendQueue::new(1000);
        queue.push(&vec![0; QUEUE_BYTES], A, 1, 64);
        assert!(queue.is_full());
    }
}
