//! Opening a socket, its options, binding and connecting.

use std::ffi::CString;
use std::io;
use std::mem::zeroed;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use libc::{c_int, c_void, socklen_t};

use super::addr::{RawAddr, read_sockaddr, socklen_of};
use super::check;

/// `SOL_RAW` option: the ICMPv4 type filter of a raw socket (linux/icmp.h).
pub const ICMP_FILTER: c_int = 1;
/// `IPPROTO_ICMPV6` option: the ICMPv6 type filter (linux/icmpv6.h).
pub const ICMP6_FILTER: c_int = 1;

/// `IPV6_FL_A_GET`: the flow label manager's "get (or create)" action.
pub const IPV6_FL_A_GET: u8 = 0;
/// `IPV6_FL_S_EXCL`: a flow label for this socket alone.
pub const IPV6_FL_S_EXCL: u8 = 1;
/// `IPV6_FL_F_CREATE`: create the label when it does not exist.
pub const IPV6_FL_F_CREATE: u16 = 1;

/// `SOL_SOCKET` option: attach a classic BPF program (its number differs
/// between architectures: 26 in asm-generic, 0x401a on parisc).
pub const SO_ATTACH_FILTER: c_int = libc::SO_ATTACH_FILTER;

/// One classic BPF instruction, as `struct sock_filter` lays it out.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    /// Operation.
    pub code: u16,
    /// Jump offset when true.
    pub jt: u8,
    /// Jump offset when false.
    pub jf: u8,
    /// The constant operand.
    pub k: u32,
}

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// Attaches `program` to the socket (`SO_ATTACH_FILTER`): the kernel
/// checks it, then runs it on every datagram before it is queued.
pub fn attach_filter(fd: RawFd, program: &[SockFilter]) -> io::Result<()> {
    let len = u16::try_from(program.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "BPF program too long"))?;
    let prog = SockFprog {
        len,
        filter: program.as_ptr(),
    };
    // SAFETY: `prog` points at `len` instructions of `program`, laid out as
    // the kernel's `struct sock_filter`, and both outlive the call (the
    // kernel copies the program).
    check(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            SO_ATTACH_FILTER,
            (&raw const prog).cast::<c_void>(),
            socklen_of::<SockFprog>(),
        )
    })?;
    Ok(())
}

/// `socket(domain, kind | SOCK_CLOEXEC, protocol)`.
pub fn socket(domain: c_int, kind: c_int, protocol: c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes only integers; a non-negative result is a
    // fresh descriptor that nothing else owns.
    let fd = check(unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, protocol) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt` with the bytes of `value`.
pub fn set_option_bytes(fd: RawFd, level: c_int, name: c_int, value: &[u8]) -> io::Result<()> {
    let len = socklen_t::try_from(value.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "option value too long"))?;
    // SAFETY: the pointer and length describe `value`, which outlives the call.
    check(unsafe { libc::setsockopt(fd, level, name, value.as_ptr().cast::<c_void>(), len) })?;
    Ok(())
}

/// `setsockopt` with the bytes of `value`, which the kernel may write
/// back into (`IPV6_FLOWLABEL_MGR` returns the label it chose there).
pub fn set_option_bytes_mut(
    fd: RawFd,
    level: c_int,
    name: c_int,
    value: &mut [u8],
) -> io::Result<()> {
    let len = socklen_t::try_from(value.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "option value too long"))?;
    // SAFETY: the pointer and length describe `value`, writable and alive
    // for the call.
    check(unsafe { libc::setsockopt(fd, level, name, value.as_mut_ptr().cast::<c_void>(), len) })?;
    Ok(())
}

/// `setsockopt` with an `int`.
pub fn set_option_int(fd: RawFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    set_option_bytes(fd, level, name, &value.to_ne_bytes())
}

/// `getsockopt` of an `int`.
pub fn get_option_int(fd: RawFd, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = socklen_of::<c_int>();
    // SAFETY: `value` and `len` are valid for writes and `len` is its size.
    check(unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            (&raw mut value).cast::<c_void>(),
            &raw mut len,
        )
    })?;
    Ok(value)
}

/// Sets `SO_RCVTIMEO` to `timeout` (microseconds; zero means "wait
/// forever", the kernel's convention) and returns the timeout the kernel
/// granted: it counts in scheduler ticks, so it reads back rounded up to
/// one.
pub fn set_recv_timeout(
    fd: RawFd,
    timeout: std::time::Duration,
) -> io::Result<std::time::Duration> {
    let tv = libc::timeval {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: libc::suseconds_t::from(timeout.subsec_micros()),
    };
    // SAFETY: `tv` is a plain C structure of the size passed.
    let bytes = unsafe {
        std::slice::from_raw_parts((&raw const tv).cast::<u8>(), size_of::<libc::timeval>())
    };
    set_option_bytes(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, bytes)?;
    // SAFETY: all zeroes is a valid timeval.
    let mut granted: libc::timeval = unsafe { zeroed() };
    let mut len = socklen_of::<libc::timeval>();
    // SAFETY: `granted` and `len` are valid for writes and `len` is its size.
    check(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&raw mut granted).cast::<c_void>(),
            &raw mut len,
        )
    })?;
    let secs = u64::try_from(granted.tv_sec).unwrap_or(0);
    let micros = u64::try_from(granted.tv_usec).unwrap_or(0);
    Ok(std::time::Duration::from_secs(secs) + std::time::Duration::from_micros(micros))
}

/// Sets or clears `O_NONBLOCK`.
pub fn set_nonblocking(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: F_GETFL takes no pointer.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: F_SETFL takes an integer.
    check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags) })?;
    Ok(())
}

/// The index of the interface `name`, or `None` when there is none.
pub fn interface_index(name: &str) -> Option<u32> {
    let name = CString::new(name).ok()?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    (index != 0).then_some(index)
}

/// The name of the interface with index `index`, or `None` when there
/// is none.
pub fn interface_name(index: u32) -> Option<String> {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `name` has room for IF_NAMESIZE bytes, as if_indextoname
    // requires, and outlives the call.
    let found = unsafe { libc::if_indextoname(index, name.as_mut_ptr()) };
    if found.is_null() {
        return None;
    }
    // SAFETY: on success if_indextoname wrote a NUL-terminated name into
    // `name`.
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// `bind(2)`.
pub fn bind(fd: RawFd, addr: SocketAddr) -> io::Result<()> {
    let raw = RawAddr::new(addr);
    // SAFETY: `raw` holds a valid address of `raw.len` bytes.
    check(unsafe { libc::bind(fd, raw.as_ptr(), raw.len) })?;
    Ok(())
}

/// `connect(2)`.
pub fn connect(fd: RawFd, addr: SocketAddr) -> io::Result<()> {
    let raw = RawAddr::new(addr);
    // SAFETY: `raw` holds a valid address of `raw.len` bytes.
    check(unsafe { libc::connect(fd, raw.as_ptr(), raw.len) })?;
    Ok(())
}

/// `getsockname(2)`.
pub fn local_addr(fd: RawFd) -> io::Result<Option<SocketAddr>> {
    // SAFETY: all zeroes is a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let mut len = socklen_of::<libc::sockaddr_storage>();
    // SAFETY: `storage` and `len` are valid for writes of `len` bytes.
    check(unsafe { libc::getsockname(fd, (&raw mut storage).cast(), &raw mut len) })?;
    let len = usize::try_from(len)
        .unwrap_or(0)
        .min(size_of::<libc::sockaddr_storage>());
    // SAFETY: `storage` holds `len` initialised bytes.
    Ok(unsafe { read_sockaddr((&raw const storage).cast(), len) })
}
