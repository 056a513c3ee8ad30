//! Errors from a socket's error queue (`IP_RECVERR`, `IPV6_RECVERR`):
//! the extended error and the offender address after it. They are read
//! with [`super::recv_msg`] and `MSG_ERRQUEUE`.

use std::mem::size_of;
use std::net::IpAddr;

use super::addr::read_sockaddr;
use super::control::read_as;

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

/// Reads the extended error of an `IP_RECVERR` / `IPV6_RECVERR` control
/// message of `len` bytes at `data`, with the offender address after it
/// (`SO_EE_OFFENDER`).
///
/// # Safety
/// `data` must be valid for reads of `len` bytes.
pub(super) unsafe fn read_extended_error(data: *const u8, len: usize) -> Option<ExtendedError> {
    // SAFETY: `len` bytes at `data` are readable (caller).
    let ee = unsafe { read_as::<libc::sock_extended_err>(data, len) }?;
    let at = size_of::<libc::sock_extended_err>();
    // SAFETY: the offender address follows the structure inside
    // the same `len` bytes (SO_EE_OFFENDER).
    let offender = unsafe { read_sockaddr(data.add(at), len.saturating_sub(at)) }.map(|a| a.ip());
    Some(ExtendedError {
        errno: ee.ee_errno,
        origin: ee.ee_origin,
        icmp_type: ee.ee_type,
        icmp_code: ee.ee_code,
        info: ee.ee_info,
        offender,
    })
}
