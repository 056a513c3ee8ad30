//! Reverse lookups (`getnameinfo(3)`).

use std::net::{IpAddr, SocketAddr};

use libc::socklen_t;

use super::addr::RawAddr;

/// `getnameinfo(addr, NI_NAMEREQD)`: the host name the resolver (hosts
/// file, then DNS as configured) gives an address; `None` when none.
pub fn name_of(addr: IpAddr) -> Option<String> {
    let raw = RawAddr::new(SocketAddr::new(addr, 0));
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: raw holds a valid sockaddr of raw.len bytes; host is a
    // writable buffer of the length passed; no service buffer is asked for.
    let ret = unsafe {
        libc::getnameinfo(
            raw.as_ptr(),
            raw.len,
            host.as_mut_ptr(),
            socklen_t::try_from(host.len()).unwrap_or(0),
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if ret != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated string into host.
    let name = unsafe { std::ffi::CStr::from_ptr(host.as_ptr()) };
    name.to_str().ok().map(str::to_owned)
}

/// `gethostname`: this machine's name (mtr's `HOST:` line); `None` if it
/// cannot be read.
pub fn host_name() -> Option<String> {
    let mut name = [0 as libc::c_char; 256];
    // SAFETY: name is a writable buffer of the length passed (one byte
    // kept for the NUL a truncated name may lack).
    let ret = unsafe { libc::gethostname(name.as_mut_ptr(), name.len() - 1) };
    if ret != 0 {
        return None;
    }
    // SAFETY: the last byte is still 0, so the string is NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    name.to_str().ok().map(str::to_owned)
}

/// `localtime_r`'s `tm_gmtoff`: the local time zone's offset from UTC at
/// `unix_seconds`, in seconds east; `None` if the C library cannot tell.
pub fn utc_offset(unix_seconds: i64) -> Option<i32> {
    let t: libc::time_t = unix_seconds;
    // SAFETY: an all-zero tm is a valid value for localtime_r to overwrite.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to valid, live values of the right types.
    let ret = unsafe { libc::localtime_r(&raw const t, &raw mut tm) };
    if ret.is_null() {
        return None;
    }
    i32::try_from(tm.tm_gmtoff).ok()
}
