//! What the unit tests of every detector share: a guard fed crafted
//! packets at given times.

use super::{Config, Guard};
use crate::detect::Finding;
use crate::observe::{Captured, Direction, Nanos, SECOND, Timestamp};

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
