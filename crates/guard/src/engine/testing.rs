//! What the unit tests of every detector share: a guard fed crafted
//! packets at given times.

use super::{Config, Guard};
use crate::detect::Finding;
use icmpkit_wire::dissect::Dissection;

use crate::observe::{Captured, Direction, Echo, Nanos, SECOND, Seen, Timestamp, echo_of};

/// A capture time `nanos` after 2023-11-14 22:13:20 UTC.
pub(crate) fn at(nanos: Nanos) -> Timestamp {
    Timestamp {
        seconds: 1_700_000_000 + nanos / SECOND,
        nanoseconds: u32::try_from(nanos % SECOND).unwrap(),
    }
}

/// Feeds `packets` (time in nanoseconds, IP bytes; frames numbered from 1)
/// to a guard with `config`, ends the input, and returns the guard and
/// every finding, in the order raised.
pub(crate) fn run(config: &Config, packets: &[(Nanos, Vec<u8>)]) -> (Guard, Vec<Finding>) {
    let mut guard = Guard::new(config);
    for (i, (time, ip)) in packets.iter().enumerate() {
        guard.observe(&Captured {
            frame: i as u64 + 1,
            time: at(*time),
            ip,
            direction: Direction::Unknown,
            link_broadcast: false,
        });
    }
    guard.finish();
    let findings = std::iter::from_fn(|| guard.poll_finding()).collect();
    (guard, findings)
}

/// What a detector sees of the message `d` (of the packet `ip`), frame
/// `frame` at `now`, arriving whole, with its echo fields when it is one
/// (not matched to a request).
pub(crate) fn seen<'a>(frame: u64, now: Nanos, ip: &'a [u8], d: &'a Dissection<'a>) -> Seen<'a> {
    let echo = echo_of(d).map(|(kind, ident, seq)| Echo {
        kind,
        ident,
        seq,
        data: d.icmp.get(8..).unwrap_or_default(),
        matched: None,
    });
    Seen {
        frame,
        time: at(now),
        now,
        ip,
        d,
        direction: Direction::Unknown,
        link_broadcast: false,
        fragments: 0,
        reassembly: None,
        echo,
    }
}
