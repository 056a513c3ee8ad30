//! Kernel receive timestamps (wall clock, `SO_TIMESTAMPNS`) on the
//! monotonic clock that protocol state machines keep time with.

use std::time::{Instant, SystemTime};

/// The two clocks read together, right after a receive: the kernel's
/// receive time (wall clock) maps onto the monotonic clock by their gap.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    /// Monotonic now.
    pub now: Instant,
    /// Wall-clock now.
    pub wall: SystemTime,
}

impl Clocks {
    /// Both clocks, now.
    pub fn read() -> Self {
        Self {
            now: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// A kernel receive timestamp on the monotonic clock; `None` when there
    /// is none or it lies in the future.
    pub fn kernel_instant(&self, kernel: Option<SystemTime>) -> Option<Instant> {
        let age = self.wall.duration_since(kernel?).ok()?;
        self.now.checked_sub(age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn kernel_times_map_back_by_their_age() {
        let c = Clocks::read();
        let kernel = c.wall - Duration::from_micros(250);
        assert_eq!(
            c.kernel_instant(Some(kernel)),
            c.now.checked_sub(Duration::from_micros(250))
        );
        assert_eq!(
            c.kernel_instant(Some(c.wall + Duration::from_secs(1))),
            None
        );
        assert_eq!(c.kernel_instant(None), None);
    }
}
