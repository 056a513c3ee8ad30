//! Node Information Query (139) and Response (140), RFC 4620.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |  Type (139/140)  |     Code      |          Checksum          |
//! |             Qtype               |            Flags            |
//! |                          Nonce (64 bits)                      |
//! |                                                               |
//! |                 Data (subject or reply) ...                   |
//! ```
//!
//! Qtypes: 0 NOOP, 2 Node Name, 3 Node Addresses, 4 IPv4 Addresses.

use crate::field as f;

use super::Packet;

/// Byte offsets of the Node Information fields.
mod field {
    pub const QTYPE: usize = 4;
    pub const FLAGS: usize = 6;
    pub const NONCE: core::ops::Range<usize> = 8..16;
}

/// The fixed part of a Node Information message, before the data.
pub const FIXED_LEN: usize = 16;

/// Qtype 0: NOOP.
pub const QTYPE_NOOP: u16 = 0;
/// Qtype 2: Node Name.
pub const QTYPE_NODE_NAME: u16 = 2;
/// Qtype 3: Node Addresses.
pub const QTYPE_NODE_ADDRESSES: u16 = 3;
/// Qtype 4: IPv4 Addresses.
pub const QTYPE_IPV4_ADDRESSES: u16 = 4;

/// Node Information accessors; they may panic on a buffer shorter than 16
/// bytes, which [`Packet::new_checked`] rules out for types 139 and 140.
impl<T: AsRef<[u8]>> Packet<T> {
    /// The Qtype.
    pub fn ni_qtype(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::QTYPE)
    }

    /// The Qtype-specific flags.
    pub fn ni_flags(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::FLAGS)
    }

    /// The 64-bit nonce.
    pub fn ni_nonce(&self) -> [u8; 8] {
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&self.as_bytes()[field::NONCE]);
        nonce
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the Qtype.
    pub fn set_ni_qtype(&mut self, value: u16) {
        f::set_u16(self.tail_mut(0), field::QTYPE, value);
    }

    /// Sets the flags.
    pub fn set_ni_flags(&mut self, value: u16) {
        f::set_u16(self.tail_mut(0), field::FLAGS, value);
    }

    /// Sets the nonce.
    pub fn set_ni_nonce(&mut self, value: [u8; 8]) {
        self.tail_mut(0)[field::NONCE].copy_from_slice(&value);
    }
}

mod data;

pub use data::{AddressReplies, NameReplies, NodeName, encode_name};

/// The ICMPv6 type of a query.
pub const QUERY: u8 = 139;
/// The ICMPv6 type of a response.
pub const RESPONSE: u8 = 140;

/// Subject code 0 of a query: the data is an IPv6 address.
pub const SUBJECT_IPV6: u8 = 0;
/// Subject code 1 of a query: the data is a DNS name (or nothing).
pub const SUBJECT_NAME: u8 = 1;
/// Subject code 2 of a query: the data is an IPv4 address.
pub const SUBJECT_IPV4: u8 = 2;

/// Response code 0: success.
pub const SUCCESS: u8 = 0;
/// Response code 1: the responder refuses.
pub const REFUSED: u8 = 1;
/// Response code 2: the Qtype is unknown to the responder.
pub const UNKNOWN_QTYPE: u8 = 2;

/// Node Addresses / IPv4 Addresses flag T: the answer was cut short.
pub const FLAG_TRUNCATE: u16 = 0x0001;
/// Flag A: every address of the node, not only those of the interface.
pub const FLAG_ALL: u16 = 0x0002;
/// Flag C: IPv4-compatible addresses too (Node Addresses).
pub const FLAG_COMPATIBLE: u16 = 0x0004;
/// Flag L: link-local addresses (Node Addresses).
pub const FLAG_LINK_LOCAL: u16 = 0x0008;
/// Flag S: site-local addresses (Node Addresses).
pub const FLAG_SITE_LOCAL: u16 = 0x0010;
/// Flag G: global addresses (Node Addresses).
pub const FLAG_GLOBAL: u16 = 0x0020;

#[cfg(test)]
mod tests;
