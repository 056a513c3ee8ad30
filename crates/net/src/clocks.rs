//! Kernel receive timestamps (wall clock, `SO_TIMESTAMPNS`) on the
//! monotonic clock that protocol state machines keep time with.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime};

/// The local time zone's offset from UTC at `at`, in seconds east (what
/// `strftime`'s `%z` prints: mtr's `Start:` line is local time); 0 when
/// the C library cannot tell.
pub fn utc_offset(at: SystemTime) -> i32 {
    let seconds = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    crate::sys::utc_offset(seconds).unwrap_or(0)
}

/// The two clocks read together, right after a receive: the kernel's
/// receive time (wall clock) maps onto the monotonic clock by their gap.
///
/// Kept as the monotonic time `now` and a pair of readings of both clocks
/// taken together at or before it (at `now` itself when both were read,
/// [`Clocks::read`]; up to 1 ms earlier when the wall clock is derived,
/// [`Clocks::read_reusing_offset`]): a kernel time maps through that pair
/// with one subtraction, and the wall clock at `now` is worked out only
/// when asked for ([`Clocks::wall`]).
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    /// Monotonic now.
    pub now: Instant,
    /// The monotonic clock when `pair_wall` was read, at or before `now`.
    pair_now: Instant,
    /// The wall clock at `pair_now`.
    pair_wall: SystemTime,
}

/// The pair [`Clocks::read`] measured, and until when
/// [`Clocks::read_reusing_offset`] derives the wall clock from it.
#[derive(Debug, Clone, Copy)]
struct Measured {
    clocks: Clocks,
    reuse_until: Instant,
}

/// A wall-clock read bracketed by monotonic reads closer than this is
/// taken at once; each read is a vDSO call of some tens of nanoseconds.
const TIGHT: Duration = Duration::from_micros(1);

/// Attempts at a tight bracket before the tightest one seen is taken.
const ATTEMPTS: usize = 4;

/// How long [`Clocks::read_reusing_offset`] goes on deriving the wall clock
/// from the offset one [`Clocks::read`] measured.
const OFFSET_REUSE: Duration = Duration::from_millis(1);

thread_local! {
    /// The pair [`Clocks::read_reusing_offset`] last measured on this
    /// thread.
    static MEASURED: Cell<Option<Measured>> = const { Cell::new(None) };
}

impl Clocks {
    /// The clocks read together as `now` (monotonic) and `wall`.
    pub fn new(now: Instant, wall: SystemTime) -> Self {
        Self {
            now,
            pair_now: now,
            pair_wall: wall,
        }
    }

    /// The wall clock at `now`.
    pub fn wall(&self) -> SystemTime {
        let since = self.now.saturating_duration_since(self.pair_now);
        self.pair_wall.checked_add(since).unwrap_or(self.pair_wall)
    }

    /// Both clocks, now: the wall clock read between two monotonic reads,
    /// paired with their midpoint. Read one after the other, a preemption
    /// between the reads would shift every kernel time mapped by this pair
    /// by its length (tens of microseconds, more than a veth round trip);
    /// the bracket is retried until it is tight, so the pair is off by at
    /// most half the tightest bracket.
    pub fn read() -> Self {
        let mut best = Self::bracketed();
        for _ in 1..ATTEMPTS {
            if best.0 <= TIGHT {
                break;
            }
            let next = Self::bracketed();
            if next.0 < best.0 {
                best = next;
            }
        }
        best.1
    }

    /// Both clocks now, with one clock read where [`Clocks::read`] takes
    /// three (a flood reads them for every reply): the monotonic clock is
    /// read, and the wall clock derived from it by the offset between the
    /// two that a `read` on this thread measured less than 1 ms ago
    /// (older, a `read` measures it again). The two clocks run at one
    /// rate — NTP slews both, and only the wall clock is ever stepped — so
    /// the offset holds to the nanosecond until a step, which this sees at
    /// most 1 ms late.
    pub fn read_reusing_offset() -> Self {
        let now = Instant::now();
        // Two comparisons: the wall clock at `now` is only worked out if
        // asked for (`wall`), and a kernel time maps through the pair.
        if let Some(measured) = MEASURED.get()
            && measured.clocks.pair_now <= now
            && now < measured.reuse_until
        {
            return Self {
                now,
                ..measured.clocks
            };
        }
        let fresh = Self::read();
        if let Some(reuse_until) = fresh.now.checked_add(OFFSET_REUSE) {
            MEASURED.set(Some(Measured {
                clocks: fresh,
                reuse_until,
            }));
        }
        fresh
    }

    /// The wall clock between two monotonic reads: the bracket's length
    /// and the pair.
    fn bracketed() -> (Duration, Self) {
        let before = Instant::now();
        let wall = SystemTime::now();
        let bracket = before.elapsed();
        let now = before + bracket / 2;
        (bracket, Self::new(now, wall))
    }

    /// A kernel receive timestamp on the monotonic clock; `None` when there
    /// is none or it lies in the future (after `now`).
    pub fn kernel_instant(&self, kernel: Option<SystemTime>) -> Option<Instant> {
        match kernel?.duration_since(self.pair_wall) {
            Ok(after) => self
                .pair_now
                .checked_add(after)
                .filter(|&at| at <= self.now),
            Err(before) => self.pair_now.checked_sub(before.duration()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_offset_is_the_one_date_prints() {
        // date(1) reads the same zone (TZ, else /etc/localtime).
        let out = std::process::Command::new("date")
            .arg("+%z")
            .output()
            .expect("date runs");
        let z = String::from_utf8(out.stdout).expect("text");
        let z = z.trim();
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let hours: i32 = z[1..3].parse().expect("hours");
        let minutes: i32 = z[3..5].parse().expect("minutes");
        assert_eq!(
            super::utc_offset(std::time::SystemTime::now()),
            sign * (hours * 3600 + minutes * 60)
        );
    }

    use super::*;

    #[test]
    fn kernel_times_map_back_by_their_age() {
        let c = Clocks::read();
        let kernel = c.wall() - Duration::from_micros(250);
        assert_eq!(
            c.kernel_instant(Some(kernel)),
            c.now.checked_sub(Duration::from_micros(250))
        );
        assert_eq!(
            c.kernel_instant(Some(c.wall() + Duration::from_secs(1))),
            None
        );
        assert_eq!(c.kernel_instant(None), None);
    }

    #[test]
    fn a_pair_from_the_measured_offset_keeps_the_offset() {
        let first = Clocks::read_reusing_offset();
        let second = Clocks::read_reusing_offset();
        assert!(second.now >= first.now);
        if second.now.duration_since(first.now) < OFFSET_REUSE {
            // Derived: the same offset to the nanosecond.
            assert_eq!(
                second.wall().duration_since(first.wall()).ok(),
                Some(second.now.duration_since(first.now))
            );
        }
        std::thread::sleep(OFFSET_REUSE);
        // Measured again: within a few microseconds of the wall clock.
        let before = SystemTime::now();
        let third = Clocks::read_reusing_offset();
        let after = SystemTime::now();
        let slack = Duration::from_micros(50);
        assert!(before <= third.wall() + slack && third.wall() <= after + slack);
    }

    #[test]
    fn the_pair_is_read_between_two_outside_reads() {
        for _ in 0..1000 {
            let (before, wall_before) = (Instant::now(), SystemTime::now());
            let c = Clocks::read();
            let (wall_after, after) = (SystemTime::now(), Instant::now());
            assert!(before <= c.now && c.now <= after);
            assert!(wall_before <= c.wall() && c.wall() <= wall_after);
        }
    }
}
