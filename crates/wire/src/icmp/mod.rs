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

pub mod echo;
pub mod extended_echo;

use crate::extension;

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

/// Implements on `$packet<T>` (a struct with one field, `buffer: T`) the
/// view methods every ICMP message has, the same in both families:
/// construction, type, code, checksum, identifier and sequence number,
/// bytes 4-7, the data after the header, their setters, and `AsRef` /
/// `AsMut`. The family writes `check_len`, the checksum and the rest.
macro_rules! header_view {
    ($packet:ident, $message:ty) => {
        impl<T: AsRef<[u8]>> $packet<T> {
            /// Wraps a buffer without checking it; getters may panic on a
            /// short one.
            pub const fn new_unchecked(buffer: T) -> Self {
                Self { buffer }
            }

            /// Wraps a buffer after [`Self::check_len`].
            pub fn new_checked(buffer: T) -> $crate::error::Result<Self> {
                let packet = Self::new_unchecked(buffer);
                packet.check_len()?;
                Ok(packet)
            }

            /// Returns the buffer.
            pub fn into_inner(self) -> T {
                self.buffer
            }

            /// The whole message.
            pub fn as_bytes(&self) -> &[u8] {
                self.buffer.as_ref()
            }

            /// The message type.
            pub fn msg_type(&self) -> $message {
                <$message>::from(self.buffer.as_ref()[$crate::icmp::field::TYPE])
            }

            /// The raw code byte, to be read with the code enum of its type.
            pub fn msg_code(&self) -> u8 {
                self.buffer.as_ref()[$crate::icmp::field::CODE]
            }

            /// The stored checksum.
            pub fn checksum(&self) -> u16 {
                $crate::field::u16_at(self.buffer.as_ref(), $crate::icmp::field::CHECKSUM.start)
            }

            /// Bytes 4-7 as found, whatever the type makes of them.
            pub fn rest_of_header(&self) -> [u8; 4] {
                let b = self.buffer.as_ref();
                [b[4], b[5], b[6], b[7]]
            }

            /// The identifier of an echo (and, in ICMPv4, timestamp,
            /// information and address mask) or extended echo message.
            pub fn echo_ident(&self) -> u16 {
                $crate::field::u16_at(self.buffer.as_ref(), $crate::icmp::field::IDENT.start)
            }

            /// The 16-bit sequence number of an echo (and, in ICMPv4,
            /// timestamp, information and address mask) message.
            pub fn echo_seq_no(&self) -> u16 {
                $crate::field::u16_at(self.buffer.as_ref(), $crate::icmp::field::SEQ_NO.start)
            }

            /// Everything after the 8-byte header.
            pub fn data(&self) -> &[u8] {
                &self.buffer.as_ref()[$crate::icmp::field::DATA..]
            }
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> $packet<T> {
            /// Sets the message type.
            pub fn set_msg_type(&mut self, value: $message) {
                self.buffer.as_mut()[$crate::icmp::field::TYPE] = value.into();
            }

            /// Sets the code byte.
            pub fn set_msg_code(&mut self, value: u8) {
                self.buffer.as_mut()[$crate::icmp::field::CODE] = value;
            }

            /// Sets the checksum field as given.
            pub fn set_checksum(&mut self, value: u16) {
                let at = $crate::icmp::field::CHECKSUM.start;
                $crate::field::set_u16(self.buffer.as_mut(), at, value);
            }

            /// Sets bytes 4-7.
            pub fn set_rest_of_header(&mut self, value: [u8; 4]) {
                self.buffer.as_mut()[$crate::icmp::field::REST_OF_HEADER].copy_from_slice(&value);
            }

            /// Sets the identifier.
            pub fn set_echo_ident(&mut self, value: u16) {
                let at = $crate::icmp::field::IDENT.start;
                $crate::field::set_u16(self.buffer.as_mut(), at, value);
            }

            /// Sets the 16-bit sequence number.
            pub fn set_echo_seq_no(&mut self, value: u16) {
                let at = $crate::icmp::field::SEQ_NO.start;
                $crate::field::set_u16(self.buffer.as_mut(), at, value);
            }

            /// Everything after the 8-byte header, to write into.
            pub fn data_mut(&mut self) -> &mut [u8] {
                &mut self.buffer.as_mut()[$crate::icmp::field::DATA..]
            }
        }

        impl<T: AsRef<[u8]>> AsRef<[u8]> for $packet<T> {
            fn as_ref(&self) -> &[u8] {
                self.buffer.as_ref()
            }
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> AsMut<[u8]> for $packet<T> {
            fn as_mut(&mut self) -> &mut [u8] {
                self.buffer.as_mut()
            }
        }
    };
}

pub(crate) use header_view;

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
