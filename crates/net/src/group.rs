//! `net.ipv4.ping_group_range`: which groups may open datagram ICMP
//! ("ping") sockets, for IPv4 and IPv6 alike.

use std::fmt;

use crate::error::NetError;
use crate::sys;

/// Where Linux shows the range of the caller's network namespace.
pub const PING_GROUP_RANGE_PATH: &str = "/proc/sys/net/ipv4/ping_group_range";

/// The inclusive range of group ids allowed to open ping sockets. The
/// kernel's default, `1 0`, is empty: nobody may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PingGroupRange {
    /// The lowest allowed group id.
    pub low: u32,
    /// The highest allowed group id.
    pub high: u32,
}

impl PingGroupRange {
    /// The range that allows every group (what the usual fix writes).
    pub const EVERYONE: Self = Self {
        low: 0,
        high: 2_147_483_647,
    };

    /// Parses the sysctl's text: two group ids separated by white space.
    pub fn parse(text: &str) -> Result<Self, NetError> {
        let bad = || NetError::BadPingGroupRange {
            text: text.to_owned(),
        };
        let mut words = text.split_whitespace();
        let (Some(low), Some(high), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad());
        };
        Ok(Self {
            low: low.parse().map_err(|_| bad())?,
            high: high.parse().map_err(|_| bad())?,
        })
    }

    /// Reads the range of the caller's network namespace from
    /// [`PING_GROUP_RANGE_PATH`].
    pub fn read() -> Result<Self, NetError> {
        let text =
            std::fs::read_to_string(PING_GROUP_RANGE_PATH).map_err(|error| NetError::Read {
                path: PING_GROUP_RANGE_PATH,
                error,
            })?;
        Self::parse(&text)
    }

    /// Whether group `gid` lies in the range.
    pub fn contains(&self, gid: u32) -> bool {
        (self.low..=self.high).contains(&gid)
    }

    /// Whether the range is empty (ping sockets off for everyone).
    pub fn is_empty(&self) -> bool {
        self.low > self.high
    }
}

impl fmt::Display for PingGroupRange {
    /// `low high`, as `sysctl -w` takes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.low, self.high)
    }
}

/// Whether group `gid` may open ping sockets now, by the current range.
pub fn ping_sockets_allowed(gid: u32) -> Result<bool, NetError> {
    Ok(PingGroupRange::read()?.contains(gid))
}

/// Whether this process may open ping sockets: like the kernel, its
/// effective group or any supplementary group must be in the range.
pub fn ping_sockets_allowed_for_process() -> Result<bool, NetError> {
    let range = PingGroupRange::read()?;
    Ok(range.contains(sys::effective_gid())
        || sys::supplementary_groups()
            .into_iter()
            .any(|g| range.contains(g)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernel_default_with_its_tab() {
        let range = PingGroupRange::parse("1\t0\n").unwrap();
        assert_eq!(range, PingGroupRange { low: 1, high: 0 });
        assert!(range.is_empty());
        assert!(!range.contains(0));
        assert!(!range.contains(1));
        assert_eq!(range.to_string(), "1 0");
    }

    #[test]
    fn parses_the_open_range_and_bounds_are_inclusive() {
        let range = PingGroupRange::parse("0 2147483647").unwrap();
        assert_eq!(range, PingGroupRange::EVERYONE);
        assert!(range.contains(0));
        assert!(range.contains(2_147_483_647));
        assert!(!range.contains(2_147_483_648));
        let one = PingGroupRange::parse(" 1000  1000 ").unwrap();
        assert!(one.contains(1000));
        assert!(!one.contains(999));
        assert!(!one.contains(1001));
    }

    #[test]
    fn rejects_text_that_is_not_two_group_ids() {
        for text in ["", "1", "1 2 3", "a 1", "1 -1", "0 4294967296"] {
            let err = PingGroupRange::parse(text).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("net.ipv4.ping_group_range {text:?} is not two group ids (\"low high\")")
            );
        }
    }

    #[test]
    fn reads_this_machines_range() {
        let text = std::fs::read_to_string(PING_GROUP_RANGE_PATH).unwrap();
        assert_eq!(
            PingGroupRange::read().unwrap(),
            PingGroupRange::parse(&text).unwrap()
        );
    }
}
