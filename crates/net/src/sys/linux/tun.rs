//! TUN devices (`/dev/net/tun`, `TUNSETIFF`): a layer-3 device whose
//! packets this process reads and writes, whole IP packets without the
//! packet-information header (`IFF_NO_PI`). The device lives as long as
//! the descriptor (it is not made persistent).

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use libc::{c_short, c_ulong};

use super::{check, check_len};

/// `TUNSETIFF`: `_IOW('T', 202, int)`.
const TUNSETIFF: c_ulong = 0x4004_54ca;

/// The path of the TUN clone device.
const CLONE_DEVICE: &CStr = c"/dev/net/tun";

/// Opens `/dev/net/tun` and makes it the TUN device `name` (`IFF_TUN |
/// IFF_NO_PI`), non-blocking and closed on exec. `name` must be at most
/// 15 bytes, without NUL. Needs `CAP_NET_ADMIN` (`EPERM` otherwise);
/// `EBUSY` or `EINVAL` when a device of that name exists.
pub fn tun_open(name: &str) -> io::Result<OwnedFd> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    // SAFETY: a NUL-terminated path and plain flags.
    let fd = check(unsafe {
        libc::open(
            CLONE_DEVICE.as_ptr(),
            libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: all zeroes is a valid ifreq.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (slot, &b) in ifr.ifr_name.iter_mut().zip(bytes) {
        *slot = b.cast_signed();
    }
    // IFF_TUN (1) | IFF_NO_PI (0x1000) fit a short.
    #[allow(clippy::cast_possible_truncation)]
    let flags = (libc::IFF_TUN | libc::IFF_NO_PI) as c_short;
    ifr.ifr_ifru.ifru_flags = flags;
    // SAFETY: `ifr` is a valid ifreq that outlives the call; TUNSETIFF
    // reads and writes only that struct.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF, &raw mut ifr) })?;
    Ok(fd)
}

/// `read(2)`: one packet into `buf`.
pub fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes of writing.
    check_len(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// `write(2)`: one packet from `buf`.
pub fn write_fd(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes of reading.
    check_len(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}
