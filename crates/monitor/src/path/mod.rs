//! The path to each target: a trace every few minutes (and, when asked, a
//! path-MTU walk), compared with the last to see it change.
//!
//! - [`trace`], [`trace_with`]: one trace of a target ([`TraceOptions`]),
//!   on the project's trace machines (`icmpkit_proto::trace`: the classic
//!   trace with Paris ICMP Echo probes, the path MTU walk) over the
//!   asynchronous driver (`icmpkit_driver::tokio`), on raw sockets when
//!   `CAP_NET_RAW` allows and else the unprivileged ones, as `icmpkit
//!   trace --socket auto` opens them; a [`PathRecord`] or a
//!   [`PathError`] that names the fix.
//! - [`SocketOpener`]: where sockets are opened (capabilities are per
//!   thread, and opening drops them).
//! - [`Tracer`]: the task that traces every target with a `trace_every`,
//!   spread over the period, a few at a time, and sends the records on a
//!   channel.

mod opener;
mod run;
mod schedule;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

pub use opener::SocketOpener;
pub use run::{PathError, TraceOptions, trace, trace_with};
pub use schedule::{CONCURRENT_TRACES, PathTarget, Tracer, path_targets};

/// One trace of a target's path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PathRecord {
    /// When the trace ended, Unix seconds.
    pub at: i64,
    /// The hops by TTL from 1: the address that answered, `None` for a
    /// silent hop. It ends with the last hop that answered (the target,
    /// when reached): the silence past it is not kept.
    pub hops: Vec<Option<IpAddr>>,
    /// Whether the target itself answered.
    pub reached: bool,
    /// The path MTU found, when a walk was asked for and ended.
    pub pmtu: Option<u16>,
}

impl PathRecord {
    /// Whether `self` is a different path from `earlier`: two different
    /// addresses at one TTL, or a trace that reached the target at TTL `d`
    /// beside one where another address answers past `d` (the target
    /// moved further away). A silent hop matches any address, and what
    /// lies past the end of a trace that did not reach the target is
    /// unknown: a lost answer is not a change (nor is the target answering
    /// after silent hops where the other trace found it earlier: those
    /// may be its own lost answers).
    pub fn changed_from(&self, earlier: &PathRecord) -> bool {
        let differs = self
            .hops
            .iter()
            .zip(&earlier.hops)
            .any(|pair| matches!(pair, (Some(a), Some(b)) if a != b));
        differs || self.goes_past(earlier) || earlier.goes_past(self)
    }

    /// The number of hops to the target, when it was reached.
    pub fn hop_count(&self) -> Option<usize> {
        self.reached.then_some(self.hops.len())
    }

    /// Whether an address other than `other`'s target answers in `self`
    /// past the TTL at which `other` reached it.
    fn goes_past(&self, other: &PathRecord) -> bool {
        let Some(Some(target)) = other.hops.last().filter(|_| other.reached) else {
            return false;
        };
        self.hops
            .iter()
            .skip(other.hops.len())
            .any(|hop| hop.is_some_and(|a| a != *target))
    }
}
