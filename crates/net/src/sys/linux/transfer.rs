//! One datagram at a time: `sendto(2)` and `recvmsg(2)`, with the
//! control messages and peer address of what is received.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::RawFd;

use libc::c_int;

use super::addr::{RawAddr, read_sockaddr, sockaddr_in, socklen_of};
use super::check_len;
use super::control::{Ancillary, parse_control};

/// `sendto(2)` of `buf` to `dst` with `flags`.
pub fn send_to(fd: RawFd, buf: &[u8], dst: SocketAddr, flags: c_int) -> io::Result<usize> {
    if let SocketAddr::V4(a) = dst {
        // The 16-byte form alone, not a zeroed sockaddr_storage (a flood
        // sends one datagram per call).
        let sin = sockaddr_in(a);
        // SAFETY: `buf` and `sin` are valid for the lengths passed.
        return check_len(unsafe {
            libc::sendto(
                fd,
                buf.as_ptr().cast(),
                buf.len(),
                flags,
                (&raw const sin).cast(),
                socklen_of::<libc::sockaddr_in>(),
            )
        });
    }
    let raw = RawAddr::new(dst);
    // SAFETY: `buf` and `raw` are valid for the lengths passed.
    check_len(unsafe {
        libc::sendto(
            fd,
            buf.as_ptr().cast(),
            buf.len(),
            flags,
            raw.as_ptr(),
            raw.len,
        )
    })
}

/// One datagram read by [`recv_msg`].
#[derive(Debug, Clone, Copy)]
pub struct Message {
    /// Bytes written into the buffer.
    pub len: usize,
    /// `MSG_TRUNC`: the datagram was longer than the buffer.
    pub truncated: bool,
    /// The peer address (`msg_name`).
    pub from: Option<SocketAddr>,
    /// The control messages.
    pub ancillary: Ancillary,
}

/// Room for the control messages this crate asks for.
pub(super) const CONTROL_LEN: usize = 512;

/// An aligned control-message buffer.
#[repr(C, align(8))]
pub(super) struct Control(pub(super) [u8; CONTROL_LEN]);

/// A `msghdr` for one receive into `iov`, with room for the peer address
/// in `name` and control messages in `control`.
pub(super) fn receive_header(
    name: &mut libc::sockaddr_storage,
    iov: &mut libc::iovec,
    control: &mut Control,
) -> libc::msghdr {
    // SAFETY: all zeroes is a valid msghdr (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&raw mut *name).cast();
    msg.msg_namelen = socklen_of::<libc::sockaddr_storage>();
    msg.msg_iov = &raw mut *iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = CONTROL_LEN as _;
    msg
}

/// Decodes what the kernel wrote for one received datagram of `len` bytes
/// into a buffer of `buf_len` bytes: the peer address, the flags and the
/// control messages. [`recv_msg`] and [`recv_mmsg`] share it.
///
/// # Safety
/// `msg` must be a `msghdr` just filled in by `recvmsg` or `recvmmsg`
/// whose name and control buffers are still alive.
pub(super) unsafe fn decode_received(msg: &libc::msghdr, len: usize, buf_len: usize) -> Message {
    let name_len = usize::try_from(msg.msg_namelen)
        .unwrap_or(0)
        .min(size_of::<libc::sockaddr_storage>());
    // SAFETY: the kernel wrote `name_len` bytes of address at `msg_name`
    // (caller: still alive), at most the storage's size.
    let from = unsafe { read_sockaddr(msg.msg_name.cast_const().cast(), name_len) };
    // SAFETY: `msg` describes the control bytes the kernel wrote into a
    // buffer that is still alive (caller).
    let ancillary = unsafe { parse_control(msg) };
    Message {
        len: len.min(buf_len),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        from,
        ancillary,
    }
}

/// `recvmsg(2)` into `buf` with `flags`, decoding the control messages.
pub fn recv_msg(fd: RawFd, buf: &mut [u8], flags: c_int) -> io::Result<Message> {
    // SAFETY: all zeroes is a valid sockaddr_storage.
    let mut name: libc::sockaddr_storage = unsafe { zeroed() };
    let mut control = Control([0; CONTROL_LEN]);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut msg = receive_header(&mut name, &mut iov, &mut control);
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated
    // length for the duration of the call.
    let len = check_len(unsafe { libc::recvmsg(fd, &raw mut msg, flags) })?;
    // SAFETY: `msg` was just filled in by recvmsg; `name` and `control`
    // are alive.
    Ok(unsafe { decode_received(&msg, len, buf.len()) })
}
