//! ICMPv6 (RFC 4443) and the protocols carried in it: Neighbor Discovery
//! (RFC 4861 and its options), Multicast Listener Discovery (MLD version 1, RFC 2710;
//! MLDv2, RFC 3810), Node Information (RFC 4620) and extended echo
//! (RFC 8335).
//!
//! - [`Packet`] is a zero-copy view with getters and setters for every field
//!   and the pseudo-header checksum ([`Packet::verify_checksum`],
//!   [`Packet::fill_checksum`]).
//! - [`Repr`] is the parsed message: [`Repr::parse`], [`Repr::buffer_len`],
//!   [`Repr::emit`]. Parsing does not check the checksum; the decoder reports
//!   that separately.
//! - Error messages keep the quoted datagram as bytes (`crate::quote` reads
//!   it), and Destination Unreachable and Time Exceeded split off RFC 4884
//!   extensions (length attribute in 64-bit words at byte 4).
//! - [`ndp`] holds the NDP messages and options; [`mld`] the MLD messages.

mod codes;
pub mod mld;
pub mod ndp;
pub mod node_info;
mod packet;
mod repr;

#[cfg(test)]
mod tests;

use core::net::Ipv6Addr;

pub use codes::{
    DestinationUnreachable, ExtendedEchoReply, ExtendedEchoState, Message, NodeInformationQuery,
    NodeInformationResponse, ParameterProblem, TimeExceeded,
};
pub use packet::{HEADER_LEN, Packet};
pub use repr::Repr;

/// The RFC 4884 length attribute counts the original datagram in 64-bit
/// words in ICMPv6.
pub const EXTENSION_WORD: usize = 8;

/// A run of IPv6 addresses stored back to back (MLDv2 sources, RDNSS
/// servers). Iterating yields each address; a trailing partial address is
/// never yielded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ipv6Addresses<'a> {
    bytes: &'a [u8],
}

impl<'a> Ipv6Addresses<'a> {
    /// Wraps the raw bytes of a list of addresses.
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many whole addresses there are.
    pub const fn len(&self) -> usize {
        self.bytes.len() / 16
    }

    /// Whether there is no address.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The addresses in order.
    pub fn iter(&self) -> <Self as IntoIterator>::IntoIter {
        (*self).into_iter()
    }
}

impl<'a> IntoIterator for Ipv6Addresses<'a> {
    type Item = Ipv6Addr;
    type IntoIter = core::iter::Map<core::slice::ChunksExact<'a, u8>, fn(&[u8]) -> Ipv6Addr>;

    fn into_iter(self) -> Self::IntoIter {
        fn addr(c: &[u8]) -> Ipv6Addr {
            let mut a = [0u8; 16];
            a.copy_from_slice(c);
            Ipv6Addr::from(a)
        }
        self.bytes
            .chunks_exact(16)
            .map(addr as fn(&[u8]) -> Ipv6Addr)
    }
}
