//! Big-endian field access on byte slices, and the byte-range type used by
//! every `mod field` table in this crate.
//!
//! The getters panic on a slice that is too short, so views call them only
//! after their `check_len` has succeeded; the `get_*` forms return `None`
//! instead and are for lax parsing of truncated data.

/// A byte range inside a header, as used in each module's `mod field`.
pub type Field = core::ops::Range<usize>;

/// Reads a big-endian `u16` at `at`. Panics if fewer than 2 bytes remain.
#[inline]
pub fn u16_at(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}

/// Reads a big-endian `u32` at `at`. Panics if fewer than 4 bytes remain.
#[inline]
pub fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// Writes a big-endian `u16` at `at`. Panics if fewer than 2 bytes remain.
#[inline]
pub fn set_u16(buf: &mut [u8], at: usize, value: u16) {
    buf[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Writes a big-endian `u32` at `at`. Panics if fewer than 4 bytes remain.
#[inline]
pub fn set_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// Reads a big-endian `u16` at `at`, or `None` if the slice is too short.
#[inline]
pub fn get_u16(buf: &[u8], at: usize) -> Option<u16> {
    let b = buf.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Reads a big-endian `u32` at `at`, or `None` if the slice is too short.
#[inline]
pub fn get_u32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads an IPv4 address at `at`, or `None` if the slice is too short.
#[inline]
pub fn get_ipv4(buf: &[u8], at: usize) -> Option<core::net::Ipv4Addr> {
    get_u32(buf, at).map(core::net::Ipv4Addr::from)
}

/// Reads an IPv6 address at `at`, or `None` if the slice is too short.
#[inline]
pub fn get_ipv6(buf: &[u8], at: usize) -> Option<core::net::Ipv6Addr> {
    let b: [u8; 16] = buf.get(at..at.checked_add(16)?)?.try_into().ok()?;
    Some(core::net::Ipv6Addr::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_big_endian() {
        let mut b = [0u8; 8];
        set_u16(&mut b, 0, 0x1234);
        set_u32(&mut b, 2, 0xdead_beef);
        assert_eq!(u16_at(&b, 0), 0x1234);
        assert_eq!(u32_at(&b, 2), 0xdead_beef);
        assert_eq!(get_u16(&b, 7), None);
        assert_eq!(get_u32(&b, usize::MAX), None);
        assert_eq!(
            get_ipv4(&b, 2),
            Some(core::net::Ipv4Addr::new(0xde, 0xad, 0xbe, 0xef))
        );
        assert_eq!(get_ipv6(&b, 0), None);
    }
}
