//! Echo request/reply pairing: a reply is matched to the request its
//! destination sent with the same identifier and sequence number (not by
//! the replier's address, so replies to a broadcast request, from many
//! hosts, find it too).

use core::net::IpAddr;

use icmpkit_wire::IpVersion;
use icmpkit_wire::dissect::Dissection;

use crate::bounded::{Recent, fingerprint};
use crate::observe::{Echo, EchoKind, EchoMatch, Nanos, echo_of, looks_broadcast};

/// How many requests are remembered awaiting replies: the slots of a
/// [`Recent`] table (about 56 bytes each, 3.5 MiB), touched by every echo,
/// so a fixed table rather than an LRU map; a request whose slot a newer
/// one took is forgotten (its reply counts as unmatched).
pub const REQUESTS_REMEMBERED: usize = 65_536;

/// Who asked: family, requester, identifier, sequence number.
type RequestKey = (IpVersion, IpAddr, u16, u16);

/// A request awaiting replies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    frame: u64,
    time: Nanos,
    target: IpAddr,
    data: u64,
    broadcast: bool,
    ttl: u8,
    replies: u32,
}

/// Requests seen and what their replies matched.
#[derive(Debug)]
pub struct EchoPairing {
    requests: Recent<Option<Request>>,
    /// Requests seen.
    pub requests_seen: u64,
    /// Replies that matched a request.
    pub replies_matched: u64,
    /// Replies that matched none (their request was not captured, was
    /// forgotten, or was never sent).
    pub replies_unmatched: u64,
}

impl EchoPairing {
    /// Remembers at most `capacity` requests.
    pub fn new(capacity: usize) -> Self {
        Self {
            requests: Recent::new(capacity),
            requests_seen: 0,
            replies_matched: 0,
            replies_unmatched: 0,
        }
    }

    /// The echo fields of `d`, if it is an echo; a request is remembered, a
    /// reply matched.
    pub fn observe<'a>(
        &mut self,
        frame: u64,
        now: Nanos,
        d: &Dissection<'a>,
        link_broadcast: bool,
    ) -> Option<Echo<'a>> {
        let (kind, ident, seq) = echo_of(d)?;
        let data = d.icmp.get(8..).unwrap_or_default();
        let mut echo = Echo {
            kind,
            ident,
            seq,
            data,
            matched: None,
        };
        match kind {
            EchoKind::Request => {
                self.requests_seen += 1;
                let request = Request {
                    frame,
                    time: now,
                    target: d.dst,
                    data: fingerprint(data),
                    broadcast: link_broadcast || looks_broadcast(d.dst) || d.dst.is_multicast(),
                    ttl: d.hop_limit,
                    replies: 0,
                };
                let key: RequestKey = (d.version, d.src, ident, seq);
                *self.requests.entry(&key) = Some(request);
            }
            EchoKind::Reply => {
                let key: RequestKey = (d.version, d.dst, ident, seq);
                if let Some(Some(request)) = self.requests.get_mut(&key) {
                    request.replies = request.replies.saturating_add(1);
                    self.replies_matched += 1;
                    echo.matched = Some(EchoMatch {
                        request_frame: request.frame,
                        delay: now.saturating_sub(request.time),
                        same_data: request.data == fingerprint(data),
                        from_target: request.target == d.src,
                        replies: request.replies,
                        request_broadcast: request.broadcast,
                        request_target: request.target,
                        request_ttl: request.ttl,
                    });
                } else {
                    self.replies_unmatched += 1;
                }
            }
        }
        Some(echo)
    }

    /// Requests remembered now.
    pub fn held(&self) -> usize {
        self.requests.len()
    }
}
