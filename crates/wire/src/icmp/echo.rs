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
///
/// ICMPv4 is written field by field (every probe of a flood comes here):
/// the same bytes as [`icmpv4::Repr::emit`] of the Echo Request writes
/// (the tests compare the two), without its dispatch over every message.
pub fn write_request(version: IpVersion, ident: u16, seq_no: u16, data: &[u8], out: &mut [u8]) {
    match version {
        IpVersion::V4 => {
            let [i0, i1] = ident.to_be_bytes();
            let [s0, s1] = seq_no.to_be_bytes();
            let echo_request = u8::from(icmpv4::Message::EchoRequest);
            out[..8].copy_from_slice(&[echo_request, 0, 0, 0, i0, i1, s0, s1]);
            out[8..8 + data.len()].copy_from_slice(data);
            let sum = crate::checksum::checksum(out);
            out[2..4].copy_from_slice(&sum.to_be_bytes());
        }
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

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn an_icmpv4_request_is_what_the_repr_emits() {
        for len in [0, 1, 7, 16, 56, 1472] {
            let data: std::vec::Vec<u8> = (0..len)
                .map(|i: usize| (i * 7 + 3).to_le_bytes()[0])
                .collect();
            for (ident, seq_no) in [(0, 0), (0x1234, 1), (0xffff, 0xfffe)] {
                let mut ours = std::vec![0xa5; request_len(len)];
                let mut emitted = ours.clone();
                write_request(IpVersion::V4, ident, seq_no, &data, &mut ours);
                icmpv4::Repr::EchoRequest {
                    ident,
                    seq_no,
                    data: &data,
                }
                .emit(&mut icmpv4::Packet::new_unchecked(&mut emitted[..]));
                assert_eq!(ours, emitted, "{len} {ident} {seq_no}");
            }
        }
    }
}
