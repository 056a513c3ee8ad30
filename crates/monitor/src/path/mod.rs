//! The path to each target: a trace every few minutes (and, when asked, a
//! path-MTU walk), compared with the last to see it change.

use std::net::IpAddr;

/// One trace of a target's path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PathRecord {
    /// When the trace ended, Unix seconds.
    pub at: i64,
    /// The hops by TTL from 1: the address that answered, `None` for a
    /// silent hop.
    pub hops: Vec<Option<IpAddr>>,
    /// Whether the target itself answered.
    pub reached: bool,
    /// The path MTU found, when a walk was asked for and ended.
    pub pmtu: Option<u16>,
}

impl PathRecord {
    /// Whether `self` is a different path from `earlier`: another hop list
    /// (a silent hop matches any address: a lost answer is not a change).
    pub fn changed_from(&self, earlier: &PathRecord) -> bool {
        if self.hops.len() != earlier.hops.len() {
            return true;
        }
        self.hops
            .iter()
            .zip(&earlier.hops)
            .any(|(a, b)| matches!((a, b), (Some(a), Some(b)) if a != b))
    }
}
