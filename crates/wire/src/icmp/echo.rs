//! Echo Requests of either family, written as a socket sends them.
//!
//! ```
//! use icmpkit_wire::IpVersion;
//! use icmpkit_wire::echo;
//!
//! let mut buf = [0; echo::request_len(2)];
//! echo::write_request(IpVersion::V4, 7, 1, b"hi", &mut buf);
//! assert_eq!(buf[..2], [8, 0]);
//! assert_eq!(buf[4..], [0, 7, 0, 1, b'h', b'i']);
//! ```

use core::net::Ipv6Addr;

use crate::{IpVersion, icmpv4, icmpv6};

/// The length of an Echo Request carrying `data` bytes: the 8-byte header
/// and the data.
pub const fn request_len(data: usize) -> usize {
    8 + data
}

/// Writes an Echo Request of `version` into `out`, which is
/// [`request_len`]`(data.len())` bytes long. An ICMPv6 checksum is summed
/// over unspecified addresses: the kernel computes the real one on every
/// ICMPv6 socket.
pub fn write_request(version: IpVersion, ident: u16, seq_no: u16, data: &[u8], out: &mut [u8]) {
    match version {
        IpVersion::V4 => icmpv4::Repr::EchoRequest {
            ident,
            seq_no,
            data,
        }
        .emit(&mut icmpv4::Packet::new_unchecked(out)),
        IpVersion::V6 => icmpv6::Repr::EchoRequest {
            ident,
            seq_no,
            data,
        }
        .emit(
            &mut icmpv6::Packet::new_unchecked(out),
            Ipv6Addr::UNSPECIFIED,
            Ipv6Addr::UNSPECIFIED,
        ),
    }
}
