//! Request/reply pairing, as tshark's "response to" (`icmp.resp_to`) and
//! "response in" (`icmp.resp_in`): an Echo Reply (or RFC 8335 Extended
//! Echo Reply; tshark pairs only echo) is paired with the last request of
//! the same family, identifier and sequence number sent from its
//! destination to its source, seen before it, unless that request already
//! has a reply: as tshark, only the first reply to a request is paired, a
//! duplicate is paired with nothing.
//!
//! Read once, as tshark reads by default, a capture tells each reply its
//! request. A request learns its reply only from a second pass (tshark's
//! `-2`, `decode --two-pass`): the first records, for each request
//! answered, the frame of its first reply; a request without one is then
//! said to have none (tshark's "no response found!"). A request the
//! [`MAX_ANSWERED`] bound left out is said to have none too.
//!
//! Memory is bounded: at most [`MAX_REQUESTS`] requests are remembered for
//! replies to find (when full, the older half is forgotten), and at most
//! [`MAX_ANSWERED`] answered requests for a second pass.

use std::collections::HashMap;

// foldhash rather than SipHash: a lookup for every echo of a capture
// (5 % of decode's time with SipHash), keyed from process randomness.
use foldhash::fast::RandomState;
use std::net::IpAddr;

use icmpkit_wire::dissect::{Dissection, Message};
use icmpkit_wire::{icmpv4, icmpv6};

/// The most requests remembered for their replies to find.
pub const MAX_REQUESTS: usize = 65_536;

/// The most requests whose reply a first pass records.
pub const MAX_ANSWERED: usize = 1 << 20;

/// What pairs a request and its reply: the family and kind (echo or
/// extended echo), the requester, the responder, identifier and sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    extended: bool,
    requester: IpAddr,
    responder: IpAddr,
    ident: u16,
    seq: u16,
}

/// Which side of an exchange a message is.
enum Side {
    Request(Key),
    Reply(Key),
}

/// The exchange a dissected message is part of, if it is an echo or
/// extended echo request or reply.
fn side(d: &Dissection<'_>) -> Option<Side> {
    use icmpv4::Repr as V4;
    use icmpv6::Repr as V6;
    let key = |extended, requester, responder, ident, seq| Key {
        extended,
        requester,
        responder,
        ident,
        seq,
    };
    let (src, dst) = (d.src, d.dst);
    Some(match d.message.as_ref().ok()? {
        Message::V4(V4::EchoRequest { ident, seq_no, .. })
        | Message::V6(V6::EchoRequest { ident, seq_no, .. }) => {
            Side::Request(key(false, src, dst, *ident, *seq_no))
        }
        Message::V4(V4::EchoReply { ident, seq_no, .. })
        | Message::V6(V6::EchoReply { ident, seq_no, .. }) => {
            Side::Reply(key(false, dst, src, *ident, *seq_no))
        }
        Message::V4(V4::ExtendedEchoRequest { ident, seq_no, .. })
        | Message::V6(V6::ExtendedEchoRequest { ident, seq_no, .. }) => {
            Side::Request(key(true, src, dst, *ident, u16::from(*seq_no)))
        }
        Message::V4(V4::ExtendedEchoReply { ident, seq_no, .. })
        | Message::V6(V6::ExtendedEchoReply { ident, seq_no, .. }) => {
            Side::Reply(key(true, dst, src, *ident, u16::from(*seq_no)))
        }
        _ => return None,
    })
}

/// How a shown message is paired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Link {
    /// For a reply: the frame of its request.
    pub response_to: Option<u64>,
    /// For a request: the frame of its first reply (second pass only).
    pub response_in: Option<u64>,
    /// A request no reply answers in the whole capture (second pass only:
    /// tshark `-2`'s "no response found!").
    pub no_response: bool,
}

/// The pairing state of one pass over a capture.
#[derive(Debug, Default)]
pub struct Pairing {
    /// The last request seen of each key: its frame, and whether a reply
    /// was paired with it.
    requests: HashMap<Key, (u64, bool), RandomState>,
    /// The frame of the oldest request remembered (about).
    oldest: u64,
    /// From a first pass: request frame to its first reply's frame.
    answered: HashMap<u64, u64, RandomState>,
    /// Whether this is a second pass (`answered` is all there is).
    second: bool,
}

impl Pairing {
    /// Takes the message shown at `frame`; returns how it is paired.
    pub fn link(&mut self, frame: u64, d: &Dissection<'_>) -> Link {
        match side(d) {
            None => Link::default(),
            Some(Side::Request(key)) => {
                while self.requests.len() >= MAX_REQUESTS && !self.requests.contains_key(&key) {
                    // Forget the older half of the frames since the oldest,
                    // in one sweep (at the latest, everything before this
                    // frame goes).
                    let keep_from =
                        (self.oldest + (frame - self.oldest.min(frame)).div_ceil(2)).min(frame);
                    self.requests.retain(|_, &mut (f, _)| f >= keep_from);
                    self.oldest = keep_from;
                }
                if self.requests.is_empty() {
                    self.oldest = frame;
                }
                self.requests.insert(key, (frame, false));
                let response_in = self.answered.get(&frame).copied();
                Link {
                    response_to: None,
                    response_in,
                    no_response: self.second && response_in.is_none(),
                }
            }
            Some(Side::Reply(key)) => {
                let response_to = match self.requests.get_mut(&key) {
                    Some((request, answered @ false)) => {
                        *answered = true;
                        Some(*request)
                    }
                    _ => None,
                };
                Link {
                    response_to,
                    ..Link::default()
                }
            }
        }
    }
}

/// Records, in a first pass, each answered request's first reply.
#[derive(Debug, Default)]
pub struct FirstPass {
    /// Request frame to its first reply's frame, at most [`MAX_ANSWERED`].
    answered: HashMap<u64, u64, RandomState>,
}

impl FirstPass {
    /// Takes the link of the message shown at `frame`.
    pub fn observe(&mut self, frame: u64, link: Link) {
        if let Some(request) = link.response_to
            && self.answered.len() < MAX_ANSWERED
        {
            self.answered.entry(request).or_insert(frame);
        }
    }

    /// The pairing state for the second pass.
    pub fn finish(self) -> Pairing {
        Pairing {
            answered: self.answered,
            second: true,
            ..Pairing::default()
        }
    }
}

#[cfg(test)]
mod tests;
