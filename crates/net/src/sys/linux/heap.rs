//! The C heap: handing memory freed by the program back to the kernel.

/// `malloc_trim(0)` (glibc): returns the free pages of every arena to the
/// kernel; true when some were. Elsewhere (musl) nothing to do: false.
#[cfg(target_env = "gnu")]
pub fn trim_heap() -> bool {
    // SAFETY: malloc_trim takes a size by value and only walks glibc's
    // own arenas, under their locks.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// `malloc_trim` is glibc's: nothing to do elsewhere.
#[cfg(not(target_env = "gnu"))]
pub fn trim_heap() -> bool {
    false
}
