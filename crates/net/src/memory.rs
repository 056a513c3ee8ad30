//! The process's memory: [`release_free_heap`], for a long-running daemon
//! whose big transient allocations (a database write of a few tens of
//! megabytes once a minute) would otherwise stay mapped after they are
//! freed (glibc keeps freed pages in its arenas, one arena per thread that
//! allocated, and gives back only what sits at an arena's top).

use crate::sys;

/// Gives the heap's free pages back to the kernel (glibc's
/// `malloc_trim(0)`, over every arena); true when some were. Costs a walk
/// over the heap (milliseconds for tens of megabytes): for after a big
/// transient allocation, not in a hot loop. Does nothing (false) with
/// another C library.
pub fn release_free_heap() -> bool {
    sys::trim_heap()
}
