//! Batches: `sendmmsg(2)` and `recvmmsg(2)`, with reusable arrays.

use std::io;
use std::mem::zeroed;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::RawFd;

use libc::c_int;

use super::addr::{RawAddr, socklen_of};
use super::transfer::{CONTROL_LEN, Control, Message, decode_received, receive_header, send_to};
use super::{check, check_len};

/// The most messages one `sendmmsg` or `recvmmsg` call handles
/// (`UIO_MAXIOV`); the kernel silently shortens longer vectors.
pub const UIO_MAXIOV: usize = 1024;

/// `n` zeroed values of a C structure.
fn zeroed_vec<T>(n: usize) -> Vec<T> {
    // SAFETY: only used for C structures (mmsghdr, iovec, sockaddr_storage)
    // for which all zeroes is a valid value (null pointers, zero lengths).
    (0..n).map(|_| unsafe { zeroed() }).collect()
}

/// Reusable arrays for [`send_mmsg`]: one header, iovec and address per
/// message, at most [`UIO_MAXIOV`]. The pointers inside are written at the
/// start of every call and used only by the kernel during it.
pub struct SendScratch {
    headers: Vec<libc::mmsghdr>,
    iovecs: Vec<libc::iovec>,
    addrs: Vec<RawAddr>,
}

// SAFETY: the raw pointers in `headers` and `iovecs` are rewritten at the
// start of every `send_mmsg` call and dereferenced only by the kernel
// during it (which holds `&mut self`); between calls nothing reads them, so
// moving or sharing the scratch between threads is harmless.
unsafe impl Send for SendScratch {}
// SAFETY: as above; `&self` exposes only the capacity.
unsafe impl Sync for SendScratch {}

impl SendScratch {
    /// Room for `n` messages, at most [`UIO_MAXIOV`].
    pub fn with_capacity(n: usize) -> Self {
        let n = n.min(UIO_MAXIOV);
        let unspecified = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
        Self {
            headers: zeroed_vec(n),
            iovecs: zeroed_vec(n),
            addrs: (0..n).map(|_| RawAddr::new(unspecified)).collect(),
        }
    }

    /// How many messages one call can send.
    pub fn capacity(&self) -> usize {
        self.headers.len()
    }

    /// Grows the room to `n` messages (at most [`UIO_MAXIOV`]); never
    /// shrinks. Between calls nothing points into the arrays, so they may
    /// move.
    pub fn reserve(&mut self, n: usize) {
        let n = n.min(UIO_MAXIOV);
        if n <= self.headers.len() {
            return;
        }
        let more = n - self.headers.len();
        let unspecified = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
        self.headers.extend(zeroed_vec::<libc::mmsghdr>(more));
        self.iovecs.extend(zeroed_vec::<libc::iovec>(more));
        self.addrs
            .extend((0..more).map(|_| RawAddr::new(unspecified)));
    }
}

/// `sendmmsg(2)` with `MSG_DONTWAIT`: the first messages of `messages`
/// (at most the scratch's capacity) in one call; returns how many the
/// kernel took. A lone message goes with `sendto(2)` instead, which spares
/// the kernel copying in a message header (the results are the same: 1,
/// or the error). An `Err` item is returned before anything is sent.
pub fn send_mmsg<'a>(
    fd: RawFd,
    scratch: &mut SendScratch,
    messages: impl IntoIterator<Item = io::Result<(&'a [u8], SocketAddr)>>,
) -> io::Result<usize> {
    let mut messages = messages.into_iter().take(scratch.capacity());
    let Some(first) = messages.next() else {
        return Ok(0);
    };
    let first = first?;
    let Some(second) = messages.next() else {
        send_to(fd, first.0, first.1, libc::MSG_DONTWAIT)?;
        return Ok(1);
    };
    let second = second?;
    let SendScratch {
        headers,
        iovecs,
        addrs,
    } = scratch;
    let mut count = 0;
    let items = [Ok(first), Ok(second)].into_iter().chain(messages);
    for (item, (header, (iov, addr))) in items.zip(
        headers
            .iter_mut()
            .zip(iovecs.iter_mut().zip(addrs.iter_mut())),
    ) {
        let (buf, dst) = item?;
        *addr = RawAddr::new(dst);
        // The kernel only reads from a sent iovec.
        *iov = libc::iovec {
            iov_base: buf.as_ptr().cast_mut().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: all zeroes is a valid msghdr (null pointers, zero lengths).
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&raw mut addr.storage).cast();
        msg.msg_namelen = addr.len;
        msg.msg_iov = &raw mut *iov;
        msg.msg_iovlen = 1;
        *header = libc::mmsghdr {
            msg_hdr: msg,
            msg_len: 0,
        };
        count += 1;
    }
    let vlen = libc::c_uint::try_from(count).unwrap_or(libc::c_uint::MAX);
    // SAFETY: the first `count` headers point at live iovecs and addresses
    // of the scratch, whose iovecs point at the callers' buffers borrowed
    // for `'a`, which outlives this call.
    let sent =
        check(unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), vlen, libc::MSG_DONTWAIT) })?;
    Ok(usize::try_from(sent).unwrap_or(0))
}

/// Reusable arrays for [`recv_mmsg`]: per slot a header, an iovec, a
/// peer address, a control buffer and `slot_len` bytes of packet buffer.
///
/// The headers are built once, pointing into the other arrays' heap
/// memory, which never moves or grows after [`RecvScratch::new`]; a call
/// only resets the lengths and flags the kernel wrote into the headers of
/// the call before (a flood reads one datagram per call out of 64 slots).
pub struct RecvScratch {
    headers: Vec<libc::mmsghdr>,
    // The rest is only ever written by the kernel, through the pointers in
    // `headers`, and read after a call.
    _iovecs: Vec<libc::iovec>,
    _names: Vec<libc::sockaddr_storage>,
    _controls: Vec<Control>,
    buffers: Vec<u8>,
    slot_len: usize,
    /// How many headers, from the first, the kernel may have written to
    /// since they were built or reset.
    dirty: usize,
}

// SAFETY: the raw pointers in `headers` and `_iovecs` point into the
// scratch's own heap arrays, which are never reallocated; they are
// dereferenced only by the kernel during a `recv_mmsg` call, which holds
// `&mut self`. Moving the scratch moves no heap memory, and `&self`
// reads only the packet buffers.
unsafe impl Send for RecvScratch {}
// SAFETY: as above.
unsafe impl Sync for RecvScratch {}

impl RecvScratch {
    /// `slots` slots (at most [`UIO_MAXIOV`]) of `slot_len` bytes each.
    pub fn new(slots: usize, slot_len: usize) -> Self {
        let slots = slots.min(UIO_MAXIOV);
        let mut iovecs: Vec<libc::iovec> = zeroed_vec(slots);
        let mut names: Vec<libc::sockaddr_storage> = zeroed_vec(slots);
        let mut controls: Vec<Control> = (0..slots).map(|_| Control([0; CONTROL_LEN])).collect();
        let mut buffers = vec![0; slots * slot_len];
        let base = buffers.as_mut_ptr();
        let headers = iovecs
            .iter_mut()
            .zip(names.iter_mut().zip(controls.iter_mut()))
            .enumerate()
            .map(|(i, (iov, (name, control)))| {
                *iov = libc::iovec {
                    // Slot `i` of `buffers` (its end when a slot is empty).
                    iov_base: base.wrapping_add(i * slot_len).cast(),
                    iov_len: slot_len,
                };
                libc::mmsghdr {
                    msg_hdr: receive_header(name, iov, control),
                    msg_len: 0,
                }
            })
            .collect();
        Self {
            headers,
            _iovecs: iovecs,
            _names: names,
            _controls: controls,
            buffers,
            slot_len,
            dirty: 0,
        }
    }

    /// How many datagrams one call can receive.
    pub fn slots(&self) -> usize {
        self.headers.len()
    }

    /// The packet buffer size of each slot.
    pub fn slot_len(&self) -> usize {
        self.slot_len
    }

    /// The first `len` bytes of slot `i`'s buffer, if it has them.
    pub fn bytes(&self, i: usize, len: usize) -> Option<&[u8]> {
        let start = i.checked_mul(self.slot_len)?;
        let len = len.min(self.slot_len);
        self.buffers.get(start..start.checked_add(len)?)
    }

    /// Gives the headers the kernel wrote to their full lengths back.
    fn reset(&mut self) {
        for header in self.headers.iter_mut().take(self.dirty) {
            header.msg_hdr.msg_namelen = socklen_of::<libc::sockaddr_storage>();
            header.msg_hdr.msg_controllen = CONTROL_LEN as _;
            header.msg_hdr.msg_flags = 0;
            header.msg_len = 0;
        }
        self.dirty = 0;
    }
}

/// `recvmmsg(2)` with `flags` into the scratch's first `limit` slots (or
/// all; `recvmsg(2)` for one); calls `each` with
/// the decoded [`Message`] and the slot's buffer of every datagram
/// received, in order, and returns how many there were.
pub fn recv_mmsg(
    fd: RawFd,
    scratch: &mut RecvScratch,
    flags: c_int,
    limit: usize,
    mut each: impl FnMut(&Message, &[u8]),
) -> io::Result<usize> {
    let slots = scratch.headers.len().min(limit);
    if slots == 0 {
        return Ok(0);
    }
    scratch.reset();
    let vlen = libc::c_uint::try_from(slots).unwrap_or(libc::c_uint::MAX);
    // Whatever happens, the kernel may have written to every header.
    scratch.dirty = scratch.headers.len();
    let got = if slots == 1 {
        // One datagram: recvmsg(2), which spares the kernel the vector's
        // bookkeeping (MSG_WAITFORONE means nothing to it: it waits for
        // the one datagram unless told not to).
        let header = &mut scratch.headers[0];
        // SAFETY: the header points at a live iovec, name and control
        // buffer of the scratch, and its iovec at slot 0 of `buffers`, all
        // alive and unmoved for the call.
        let len = check_len(unsafe {
            libc::recvmsg(fd, &raw mut header.msg_hdr, flags & !libc::MSG_WAITFORONE)
        })?;
        header.msg_len = libc::c_uint::try_from(len).unwrap_or(libc::c_uint::MAX);
        1
    } else {
        // SAFETY: every header points at a live iovec, name and control
        // buffer of the scratch, and every iovec at its slot of `buffers`
        // (or, for empty slots, at no byte), all alive and unmoved for the
        // call; no timeout.
        check(unsafe {
            libc::recvmmsg(
                fd,
                scratch.headers.as_mut_ptr(),
                vlen,
                flags,
                std::ptr::null_mut(),
            )
        })?
    };
    let got = usize::try_from(got).unwrap_or(0).min(scratch.headers.len());
    // The kernel writes the header of each datagram it returns (and, to
    // be safe, the next one counts as written too).
    scratch.dirty = (got + 1).min(scratch.headers.len());
    let slot_len = scratch.slot_len;
    for (i, header) in scratch.headers.iter().take(got).enumerate() {
        let len = usize::try_from(header.msg_len).unwrap_or(usize::MAX);
        // SAFETY: recvmmsg just filled in this header; its name and control
        // buffers are the scratch's, still alive.
        let msg = unsafe { decode_received(&header.msg_hdr, len, slot_len) };
        let start = i * slot_len;
        let buf = scratch.buffers.get(start..start + slot_len).unwrap_or(&[]);
        each(&msg, buf);
    }
    Ok(got)
}
