//! Batches: `sendmmsg(2)` and `recvmmsg(2)`, with reusable arrays.

use std::io;
use std::mem::zeroed;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::RawFd;

use libc::c_int;

use super::addr::RawAddr;
use super::check;
use super::transfer::{CONTROL_LEN, Control, Message, decode_received, receive_header};

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

/// `sendmmsg(2)`: the first messages of `messages` (at most the scratch's
/// capacity) in one call; returns how many the kernel took. An `Err` item
/// is returned before anything is sent.
pub fn send_mmsg<'a>(
    fd: RawFd,
    scratch: &mut SendScratch,
    messages: impl IntoIterator<Item = io::Result<(&'a [u8], SocketAddr)>>,
) -> io::Result<usize> {
    let SendScratch {
        headers,
        iovecs,
        addrs,
    } = scratch;
    let mut count = 0;
    for (item, (header, (iov, addr))) in messages.into_iter().zip(
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
    if count == 0 {
        return Ok(0);
    }
    let vlen = libc::c_uint::try_from(count).unwrap_or(libc::c_uint::MAX);
    // SAFETY: the first `count` headers point at live iovecs and addresses
    // of the scratch, whose iovecs point at the callers' buffers borrowed
    // for `'a`, which outlives this call.
    let sent = check(unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), vlen, 0) })?;
    Ok(usize::try_from(sent).unwrap_or(0))
}

/// Reusable arrays for [`recv_mmsg`]: per slot a header, an iovec, a
/// peer address, a control buffer and `slot_len` bytes of packet buffer.
pub struct RecvScratch {
    headers: Vec<libc::mmsghdr>,
    iovecs: Vec<libc::iovec>,
    names: Vec<libc::sockaddr_storage>,
    controls: Vec<Control>,
    buffers: Vec<u8>,
    slot_len: usize,
}

// SAFETY: as for `SendScratch`: the pointers in `headers` and `iovecs` are
// rewritten at the start of every `recv_mmsg` call and dereferenced only
// by the kernel during it; `&self` reads only the owned packet buffers.
unsafe impl Send for RecvScratch {}
// SAFETY: as above.
unsafe impl Sync for RecvScratch {}

impl RecvScratch {
    /// `slots` slots (at most [`UIO_MAXIOV`]) of `slot_len` bytes each.
    pub fn new(slots: usize, slot_len: usize) -> Self {
        let slots = slots.min(UIO_MAXIOV);
        Self {
            headers: zeroed_vec(slots),
            iovecs: zeroed_vec(slots),
            names: zeroed_vec(slots),
            controls: (0..slots).map(|_| Control([0; CONTROL_LEN])).collect(),
            buffers: vec![0; slots * slot_len],
            slot_len,
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
}

/// `recvmmsg(2)` with `flags` into the scratch's slots; calls `each` with
/// the decoded [`Message`] and the slot's buffer of every datagram
/// received, in order, and returns how many there were.
pub fn recv_mmsg(
    fd: RawFd,
    scratch: &mut RecvScratch,
    flags: c_int,
    mut each: impl FnMut(&Message, &[u8]),
) -> io::Result<usize> {
    let slot_len = scratch.slot_len;
    let RecvScratch {
        headers,
        iovecs,
        names,
        controls,
        buffers,
        ..
    } = scratch;
    if headers.is_empty() {
        return Ok(0);
    }
    let slots = headers.iter_mut().zip(
        iovecs
            .iter_mut()
            .zip(names.iter_mut().zip(controls.iter_mut())),
    );
    // `chunks_mut` panics on 0; a zero-length slot gets an empty buffer.
    let mut empty: [u8; 0] = [];
    let mut chunks = buffers.chunks_mut(slot_len.max(1));
    for (header, (iov, (name, control))) in slots {
        let buf = if slot_len == 0 {
            &mut empty[..]
        } else {
            chunks.next().unwrap_or(&mut empty[..])
        };
        *iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        *header = libc::mmsghdr {
            msg_hdr: receive_header(name, iov, control),
            msg_len: 0,
        };
    }
    let vlen = libc::c_uint::try_from(headers.len()).unwrap_or(libc::c_uint::MAX);
    // SAFETY: every header points at a live iovec, name and control buffer
    // of the scratch, and every iovec at its slot of `buffers` (or an empty
    // buffer of length 0), all alive and unmoved for the call; no timeout.
    let got = check(unsafe {
        libc::recvmmsg(fd, headers.as_mut_ptr(), vlen, flags, std::ptr::null_mut())
    })?;
    let got = usize::try_from(got).unwrap_or(0).min(headers.len());
    let mut slot_bufs = buffers.chunks(slot_len.max(1));
    for header in headers.iter().take(got) {
        let len = usize::try_from(header.msg_len).unwrap_or(usize::MAX);
        // SAFETY: recvmmsg just filled in this header; its name and control
        // buffers are the scratch's, still alive.
        let msg = unsafe { decode_received(&header.msg_hdr, len, slot_len) };
        let buf = if slot_len == 0 {
            &[][..]
        } else {
            slot_bufs.next().unwrap_or(&[])
        };
        each(&msg, buf);
    }
    Ok(got)
}
