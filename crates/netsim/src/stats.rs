//! What a network did: packets in and out, forwarded, answered, errors
//! sent, lost, dropped and refused, each with its reason.

use std::collections::BTreeMap;

/// Counters of a [`Network`](crate::Network), for tests and for the
/// summary of `icmpkit netsim up`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets the attachments put in.
    pub injected: u64,
    /// Packets that left the network to an attachment.
    pub egress: u64,
    /// Packets a router forwarded (each hop counted).
    pub forwarded: u64,
    /// Answers nodes sent (echo replies, TCP segments, extended echo).
    pub answered: u64,
    /// ICMP errors sent, by kind (`time-exceeded`, `unreachable`,
    /// `too-big`).
    pub errors: BTreeMap<&'static str, u64>,
    /// Packets lost on links.
    pub lost: u64,
    /// Packets dropped, by reason.
    pub dropped: BTreeMap<&'static str, u64>,
    /// Errors a rate limit held back, by bucket (`per-destination`,
    /// `global`, `bucket`).
    pub rate_limited: BTreeMap<&'static str, u64>,
    /// Errors not sent because a rule of RFC 1122 / 1812 / 4443 forbids
    /// them, by rule.
    pub refused: BTreeMap<&'static str, u64>,
    /// Fragments made of datagrams too long for a link (by routers
    /// forwarding them, and by hosts and attachments sending them).
    pub fragments_made: u64,
    /// Datagrams a node reassembled from fragments.
    pub reassembled: u64,
}

impl Stats {
    /// Adds one to `map[key]`.
    pub(crate) fn bump(map: &mut BTreeMap<&'static str, u64>, key: &'static str) {
        *map.entry(key).or_default() += 1;
    }

    /// All errors sent.
    pub fn errors_sent(&self) -> u64 {
        self.errors.values().sum()
    }

    /// All errors held back by rate limits.
    pub fn rate_limited_total(&self) -> u64 {
        self.rate_limited.values().sum()
    }

    /// All errors refused by a rule.
    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }
}
