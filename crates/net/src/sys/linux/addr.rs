//! Socket addresses in the C layout: written for the kernel
//! ([`RawAddr`]) and read back ([`read_sockaddr`]).

use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use libc::{c_int, socklen_t};

/// The size of `T` as a `socklen_t` (socket structures are small).
pub(super) fn socklen_of<T>() -> socklen_t {
    socklen_t::try_from(size_of::<T>()).unwrap_or(socklen_t::MAX)
}

/// A socket address in the C layout.
pub struct RawAddr {
    pub(super) storage: libc::sockaddr_storage,
    pub(super) len: socklen_t,
}

impl RawAddr {
    /// The C form of `addr` (IPv6 with `scope_id`).
    pub fn new(addr: SocketAddr) -> Self {
        // SAFETY: sockaddr_storage is plain old data; all zeroes is valid.
        let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = sockaddr_in(a);
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

    pub(super) fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }
}

/// The C form of an IPv4 socket address.
pub(super) fn sockaddr_in(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: sa_family(libc::AF_INET),
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(a.ip().octets()),
        },
        sin_zero: [0; 8],
    }
}

/// `AF_*` as the `sa_family_t` field type.
pub(super) fn sa_family(af: c_int) -> libc::sa_family_t {
    libc::sa_family_t::try_from(af).unwrap_or_default()
}

/// Reads a C socket address of `len` bytes at `ptr`, if it is IPv4 or IPv6.
///
/// # Safety
/// `ptr` must be valid for reads of `len` bytes.
pub(super) unsafe fn read_sockaddr(ptr: *const u8, len: usize) -> Option<SocketAddr> {
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
