//! What ICMPv4 and ICMPv6 share: the `number_enum!` macro behind every type
//! and code enum, the fixed 8-byte header, the RFC 4884 error body and
//! extended echo (RFC 8335). `icmpv4` and `icmpv6` wrap these in their own
//! typed `Packet` and `Repr`; what differs between the families (the
//! checksum, where the length attribute sits and the word it counts in) is
//! a parameter here.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     Type      |     Code      |          Checksum             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  rest of header: Identifier / Sequence Number, or per type    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     data ...
//! ```

pub mod extended_echo;

use crate::extension;
use crate::field::{self as f, Field};

/// Declares a `u8`-valued enum with an `Unknown(u8)` catch-all and lossless
/// `From<u8>` / `Into<u8>` conversions.
macro_rules! number_enum {
    (
        $(#[$attr:meta])*
        pub enum $name:ident {
            $( $(#[$vattr:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vattr])* $variant, )*
            /// A number this crate does not name, kept as found.
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(value: u8) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> u8 {
                match value {
                    $( $name::$variant => $value, )*
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

pub(crate) use number_enum;

/// Byte positions of the header fields every ICMP message of either family
/// has, and of the identifier and sequence number of echo messages.
pub(crate) mod field {
    use crate::field::Field;

    /// Message type.
    pub const TYPE: usize = 0;
    /// Message code.
    pub const CODE: usize = 1;
    /// Internet checksum.
    pub const CHECKSUM: Field = 2..4;
    /// Bytes 4-7, whose meaning depends on the type.
    pub const REST_OF_HEADER: Field = 4..8;
    /// Echo (and timestamp, information, address mask, extended echo):
    /// identifier.
    pub const IDENT: Field = 4..6;
    /// Echo (and timestamp, information, address mask): sequence number.
    pub const SEQ_NO: Field = 6..8;
    /// Where the data after the fixed header begins.
    pub const DATA: usize = 8;
}

/// The fixed header of every ICMP message.
pub(crate) const HEADER_LEN: usize = field::DATA;

/// The type byte. `buf` holds at least [`HEADER_LEN`] bytes.
pub(crate) fn msg_type(buf: &[u8]) -> u8 {
    buf[field::TYPE]
}

/// The code byte.
pub(crate) fn msg_code(buf: &[u8]) -> u8 {
    buf[field::CODE]
}

/// The stored checksum.
pub(crate) fn checksum(buf: &[u8]) -> u16 {
    f::u16_at(buf, field::CHECKSUM.start)
}

/// The 16-bit field at `at` (identifier, sequence number, ...).
pub(crate) fn u16_field(buf: &[u8], at: Field) -> u16 {
    f::u16_at(buf, at.start)
}

/// Bytes 4-7 as found.
pub(crate) fn rest_of_header(buf: &[u8]) -> [u8; 4] {
    [buf[4], buf[5], buf[6], buf[7]]
}

/// Everything after the fixed header.
pub(crate) fn data(buf: &[u8]) -> &[u8] {
    &buf[field::DATA..]
}

/// Sets bytes 4-7.
pub(crate) fn set_rest_of_header(buf: &mut [u8], value: [u8; 4]) {
    buf[field::REST_OF_HEADER].copy_from_slice(&value);
}

/// Copies `src` to the start of `out`.
///
/// # Panics
///
/// If `out` is shorter than `src`.
pub(crate) fn copy_into(out: &mut [u8], src: &[u8]) {
    out[..src.len()].copy_from_slice(src);
}

/// The length of an RFC 4884 error body: the original datagram field
/// (padded when an extension follows) and the extension structure. `word`
/// is 4 in ICMPv4, 8 in ICMPv6.
pub(crate) fn error_body_len(original: &[u8], extension: Option<&[u8]>, word: usize) -> usize {
    extension::original_field_len(original.len(), extension.is_some(), word)
        + extension.map_or(0, <[u8]>::len)
}

/// Writes an RFC 4884 error body after the header of `msg` and its length
/// attribute into byte `length_at` (5 in ICMPv4, 4 in ICMPv6), counted in
/// `word`-byte words.
///
/// # Panics
///
/// If `msg` is shorter than [`HEADER_LEN`] plus [`error_body_len`].
pub(crate) fn emit_error_body(
    msg: &mut [u8],
    length_at: usize,
    word: usize,
    original: &[u8],
    extension: Option<&[u8]>,
) {
    let (length_attr, _) = extension::emit_body(&mut msg[field::DATA..], original, extension, word);
    msg[length_at] = length_attr;
}
