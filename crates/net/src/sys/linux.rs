//! Linux: every system call the crate makes, each behind a small safe
//! function. Nothing here knows about ICMP beyond socket constants.

use std::ffi::CString;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, SystemTime};

use libc::{c_int, c_void, socklen_t};

/// `SOL_RAW` option: the ICMPv4 type filter of a raw socket (linux/icmp.h).
pub const ICMP_FILTER: c_int = 1;
/// `IPPROTO_ICMPV6` option: the ICMPv6 type filter (linux/icmpv6.h).
pub const ICMP6_FILTER: c_int = 1;

/// The errno of the last failed call.
fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// Turns a `-1` return into the errno.
fn check(ret: c_int) -> io::Result<c_int> {
    if ret == -1 {
        Err(last_error())
    } else {
        Ok(ret)
    }
}

/// Turns a `-1` byte count into the errno.
fn check_len(ret: isize) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| last_error())
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

/// The size of `T` as a `socklen_t` (socket structures are small).
fn socklen_of<T>() -> socklen_t {
    socklen_t::try_from(size_of::<T>()).unwrap_or(socklen_t::MAX)
}

/// A socket address in the C layout.
pub struct RawAddr {
    storage: libc::sockaddr_storage,
    len: socklen_t,
}

impl RawAddr {
    /// The C form of `addr` (IPv6 with `scope_id`).
    pub fn new(addr: SocketAddr) -> Self {
        // SAFETY: sockaddr_storage is plain old data; all zeroes is valid.
        let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: sa_family(libc::AF_INET),
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for
                // sockaddr_in.
                unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
                socklen_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: sa_family(libc::AF_INET6),
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo().to_be(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for
                // sockaddr_in6.
                unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
                socklen_of::<libc::sockaddr_in6>()
            }
        };
        Self { storage, len }
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }
}

/// `AF_*` as the `sa_family_t` field type.
fn sa_family(af: c_int) -> libc::sa_family_t {
    libc::sa_family_t::try_from(af).unwrap_or_default()
}

/// Reads a C socket address of `len` bytes at `ptr`, if it is IPv4 or IPv6.
///
/// # Safety
/// `ptr` must be valid for reads of `len` bytes.
unsafe fn read_sockaddr(ptr: *const u8, len: usize) -> Option<SocketAddr> {
    if len < size_of::<libc::sa_family_t>() {
        return None;
    }
    // SAFETY: the caller vouches for `len` readable bytes, and the family
    // field comes first in every sockaddr.
    let family = unsafe { ptr.cast::<libc::sa_family_t>().read_unaligned() };
    match c_int::from(family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: checked that a whole sockaddr_in is readable.
            let sin = unsafe { ptr.cast::<libc::sockaddr_in>().read_unaligned() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: checked that a whole sockaddr_in6 is readable.
            let sin6 = unsafe { ptr.cast::<libc::sockaddr_in6>().read_unaligned() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                u32::from_be(sin6.sin6_flowinfo),
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
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

/// `sendto(2)` of `buf` to `dst`.
pub fn send_to(fd: RawFd, buf: &[u8], dst: SocketAddr) -> io::Result<usize> {
    let raw = RawAddr::new(dst);
    // SAFETY: `buf` and `raw` are valid for the lengths passed.
    check_len(unsafe { libc::sendto(fd, buf.as_ptr().cast(), buf.len(), 0, raw.as_ptr(), raw.len) })
}

/// An extended error from the error queue (`struct sock_extended_err` and
/// the offender address after it).
#[derive(Debug, Clone, Copy)]
pub struct ExtendedError {
    /// `ee_errno`.
    pub errno: u32,
    /// `ee_origin`.
    pub origin: u8,
    /// `ee_type`.
    pub icmp_type: u8,
    /// `ee_code`.
    pub icmp_code: u8,
    /// `ee_info`.
    pub info: u32,
    /// `SO_EE_OFFENDER`.
    pub offender: Option<IpAddr>,
}

/// What the control messages of one `recvmsg` said.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ancillary {
    /// `IP_TTL` or `IPV6_HOPLIMIT`.
    pub ttl: Option<u8>,
    /// `SCM_TIMESTAMPNS`.
    pub timestamp: Option<SystemTime>,
    /// The destination address from `IP_PKTINFO` or `IPV6_PKTINFO`.
    pub dst: Option<IpAddr>,
    /// `IP_RECVERR` or `IPV6_RECVERR`.
    pub error: Option<ExtendedError>,
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
const CONTROL_LEN: usize = 512;

/// An aligned control-message buffer.
#[repr(C, align(8))]
struct Control([u8; CONTROL_LEN]);

/// A `msghdr` for one receive into `iov`, with room for the peer address
/// in `name` and control messages in `control`.
fn receive_header(
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
unsafe fn decode_received(msg: &libc::msghdr, len: usize, buf_len: usize) -> Message {
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

/// Decodes the control messages of `msg`.
///
/// # Safety
/// `msg` must be a `msghdr` just filled in by `recvmsg` (or one entry of
/// `recvmmsg`) whose control buffer is still alive.
unsafe fn parse_control(msg: &libc::msghdr) -> Ancillary {
    let mut out = Ancillary::default();
    // SAFETY: `msg` is valid (caller); CMSG_FIRSTHDR checks the length.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !cmsg.is_null() {
        // SAFETY: CMSG_FIRSTHDR/NXTHDR return headers inside the buffer.
        let header = unsafe { cmsg.read_unaligned() };
        // SAFETY: CMSG_DATA points just past a header inside the buffer.
        let data = unsafe { libc::CMSG_DATA(cmsg) };
        // SAFETY: CMSG_LEN(0) is arithmetic only.
        let data_len =
            (header.cmsg_len as usize).saturating_sub(unsafe { libc::CMSG_LEN(0) } as usize);
        // SAFETY: the kernel wrote `cmsg_len` bytes for this message, so
        // `data_len` bytes at `data` are readable.
        unsafe {
            decode_one(
                &mut out,
                header.cmsg_level,
                header.cmsg_type,
                data,
                data_len,
            );
        }
        // SAFETY: `cmsg` is a header of `msg`'s buffer.
        cmsg = unsafe { libc::CMSG_NXTHDR(msg, cmsg) };
    }
    out
}

/// Reads a `T` from `data` when `len` bytes hold one.
///
/// # Safety
/// `data` must be valid for reads of `len` bytes.
unsafe fn read_as<T>(data: *const u8, len: usize) -> Option<T> {
    // SAFETY: at least size_of::<T>() bytes are readable (caller + check).
    (len >= size_of::<T>()).then(|| unsafe { data.cast::<T>().read_unaligned() })
}

/// Decodes one control message into `out`.
///
/// # Safety
/// `data` must be valid for reads of `len` bytes.
unsafe fn decode_one(out: &mut Ancillary, level: c_int, kind: c_int, data: *const u8, len: usize) {
    match (level, kind) {
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
            // SAFETY: `len` bytes at `data` are readable (caller).
            if let Some(ts) = unsafe { read_as::<libc::timespec>(data, len) } {
                let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
                let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
                out.timestamp = Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
            }
        }
        (libc::IPPROTO_IP, libc::IP_TTL) | (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
            // SAFETY: as above.
            if let Some(ttl) = unsafe { read_as::<c_int>(data, len) } {
                out.ttl = u8::try_from(ttl).ok();
            }
        }
        (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
            // SAFETY: as above.
            if let Some(info) = unsafe { read_as::<libc::in_pktinfo>(data, len) } {
                out.dst = Some(IpAddr::V4(Ipv4Addr::from(
                    info.ipi_addr.s_addr.to_ne_bytes(),
                )));
            }
        }
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
            // SAFETY: as above.
            if let Some(info) = unsafe { read_as::<libc::in6_pktinfo>(data, len) } {
                out.dst = Some(IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr)));
            }
        }
        (libc::IPPROTO_IP, libc::IP_RECVERR) | (libc::IPPROTO_IPV6, libc::IPV6_RECVERR) => {
            // SAFETY: as above.
            if let Some(ee) = unsafe { read_as::<libc::sock_extended_err>(data, len) } {
                let at = size_of::<libc::sock_extended_err>();
                // SAFETY: the offender address follows the structure inside
                // the same `len` bytes (SO_EE_OFFENDER).
                let offender =
                    unsafe { read_sockaddr(data.add(at), len.saturating_sub(at)) }.map(|a| a.ip());
                out.error = Some(ExtendedError {
                    errno: ee.ee_errno,
                    origin: ee.ee_origin,
                    icmp_type: ee.ee_type,
                    icmp_code: ee.ee_code,
                    info: ee.ee_info,
                    offender,
                });
            }
        }
        _ => {}
    }
}

/// What `poll(2)` saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollResult {
    /// `POLLIN`.
    pub readable: bool,
    /// `POLLERR`: the error queue holds something.
    pub error: bool,
}

/// `poll(2)` on one descriptor for input, waiting at most `timeout`.
pub fn poll_in(fd: RawFd, timeout: Duration) -> io::Result<PollResult> {
    Ok(poll_many(&[fd], timeout)?[0])
}

/// `poll(2)` on several descriptors for input, waiting at most `timeout`
/// for any of them; one result per descriptor, in order.
pub fn poll_many(fds: &[RawFd], timeout: Duration) -> io::Result<Vec<PollResult>> {
    let mut set = PollSet::new(fds.iter().copied());
    set.poll(timeout)?;
    Ok((0..set.len()).filter_map(|i| set.result(i)).collect())
}

/// Descriptors to `poll(2)` for input again and again: the `pollfd`
/// array is made once, so a wait allocates nothing.
#[derive(Debug, Clone)]
pub struct PollSet {
    pfds: Vec<libc::pollfd>,
}

impl PollSet {
    /// A set of `fds`, in order.
    pub fn new(fds: impl IntoIterator<Item = RawFd>) -> Self {
        Self {
            pfds: fds
                .into_iter()
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect(),
        }
    }

    /// How many descriptors the set has.
    pub fn len(&self) -> usize {
        self.pfds.len()
    }

    /// Waits at most `timeout` for input (or a queued error) on any
    /// descriptor, through signals; returns how many are ready.
    pub fn poll(&mut self, timeout: Duration) -> io::Result<usize> {
        let count = libc::nfds_t::try_from(self.pfds.len()).unwrap_or(libc::nfds_t::MAX);
        let deadline = std::time::Instant::now() + timeout;
        loop {
            // ppoll takes nanoseconds: a wait ends when it should, not at
            // the next whole millisecond.
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let spec = libc::timespec {
                tv_sec: libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(left.subsec_nanos()),
            };
            // SAFETY: `pfds` holds `count` valid pollfds, `spec` is a valid
            // timespec, and a null signal mask leaves the mask alone.
            match check(unsafe {
                libc::ppoll(
                    self.pfds.as_mut_ptr(),
                    count,
                    &raw const spec,
                    std::ptr::null(),
                )
            }) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return Ok(usize::try_from(other?).unwrap_or(0)),
            }
        }
    }

    /// What the last [`PollSet::poll`] saw on descriptor `i`.
    pub fn result(&self, i: usize) -> Option<PollResult> {
        let p = self.pfds.get(i)?;
        Some(PollResult {
            readable: p.revents & libc::POLLIN != 0,
            error: p.revents & libc::POLLERR != 0,
        })
    }
}

/// `geteuid(2)`: the effective user id of the process.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid(2) cannot fail.
    unsafe { libc::geteuid() }
}

/// `getegid(2)`: the effective group id of the process.
pub fn effective_gid() -> u32 {
    // SAFETY: getegid(2) cannot fail.
    unsafe { libc::getegid() }
}

/// The supplementary groups of the process.
pub fn supplementary_groups() -> Vec<u32> {
    // SAFETY: a zero-length query writes nothing.
    let count = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    let Ok(len) = usize::try_from(count) else {
        return Vec::new();
    };
    let mut groups: Vec<libc::gid_t> = vec![0; len];
    // SAFETY: `groups` has room for `count` entries.
    let got = unsafe { libc::getgroups(count, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(got).unwrap_or(0));
    groups
}

/// `_LINUX_CAPABILITY_VERSION_3`.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: c_int,
}

/// `struct __user_cap_data_struct`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The calling thread's (effective, permitted, inheritable) capability
/// sets, 64 bits each.
pub fn capabilities() -> io::Result<[u64; 3]> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes two CapData for version 3; both point to live
    // memory of the right layout.
    check_long(unsafe { libc::syscall(libc::SYS_capget, &raw mut header, data.as_mut_ptr()) })?;
    let join = |f: fn(&CapData) -> u32| u64::from(f(&data[0])) | (u64::from(f(&data[1])) << 32);
    Ok([
        join(|d| d.effective),
        join(|d| d.permitted),
        join(|d| d.inheritable),
    ])
}

/// Empties the calling thread's effective, permitted and inheritable sets.
pub fn clear_capabilities() -> io::Result<()> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData::default(); 2];
    // SAFETY: capset reads two CapData for version 3 from live memory.
    check_long(unsafe { libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()) })?;
    Ok(())
}

/// Clears the ambient set and drops capabilities `0..=last` from the
/// bounding set (which needs `CAP_SETPCAP`; failures there are ignored).
pub fn clear_ambient_and_bounding(last: u32) {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
    }
    for cap in 0..=last {
        // SAFETY: prctl with integer arguments only.
        unsafe {
            libc::prctl(libc::PR_CAPBSET_DROP, libc::c_ulong::from(cap), 0, 0, 0);
        }
    }
}

/// `syscall(2)` returns a long.
fn check_long(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(last_error())
    } else {
        Ok(ret)
    }
}

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
