//! The control messages of a received datagram (`SCM_TIMESTAMPNS`,
//! `IP_TTL`, `IPV6_HOPLIMIT`, the packet info, the extended error,
//! `SO_RXQ_OVFL`, `IP_RETOPTS`).

use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use libc::c_int;

use super::errqueue::{ExtendedError, read_extended_error};

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
    /// `SO_RXQ_OVFL`: the socket's drop count when the datagram was
    /// queued (sent only once it is above 0).
    pub drops: Option<u32>,
    /// `IP_RETOPTS`: the IPv4 options of the datagram, as a reply to it
    /// would carry them.
    pub ip_options: crate::IpOptions,
}

/// Decodes the control messages of `msg`.
///
/// # Safety
/// `msg` must be a `msghdr` just filled in by `recvmsg` (or one entry of
/// `recvmmsg`) whose control buffer is still alive.
pub(super) unsafe fn parse_control(msg: &libc::msghdr) -> Ancillary {
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
pub(super) unsafe fn read_as<T>(data: *const u8, len: usize) -> Option<T> {
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
        (libc::SOL_SOCKET, libc::SO_RXQ_OVFL) => {
            // SAFETY: as above.
            out.drops = unsafe { read_as::<u32>(data, len) };
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
        (libc::IPPROTO_IP, libc::IP_RETOPTS) => {
            // SAFETY: `len` bytes at `data` are readable (caller).
            let bytes = unsafe { std::slice::from_raw_parts(data, len) };
            out.ip_options = crate::IpOptions::new(bytes);
        }
        (libc::IPPROTO_IP, libc::IP_RECVERR) | (libc::IPPROTO_IPV6, libc::IPV6_RECVERR) => {
            // SAFETY: as above.
            if let Some(error) = unsafe { read_extended_error(data, len) } {
                out.error = Some(error);
            }
        }
        _ => {}
    }
}
