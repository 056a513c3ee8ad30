//! RFC 4884 multipart ICMP messages: the extension structure that may follow
//! the quoted "original datagram" of Destination Unreachable, Time Exceeded
//! and Parameter Problem (and the body of RFC 8335 extended echo).
//!
//! ```text
//!  ICMP header (8 bytes; a length attribute counts the original datagram
//!               in 32-bit words at byte 5 for ICMPv4, 64-bit words at byte 4
//!               for ICMPv6)
//!  original datagram, zero-padded to at least 128 bytes
//!  extension header:   | version (4) = 2 | reserved (12) | checksum (16) |
//!  extension objects:  | length (16) | class-num (8) | c-type (8) | data ... |
//! ```
//!
//! [`split`] divides an error's body into the quote and the extension
//! structure. A body whose length attribute is zero may still carry an
//! extension at the fixed offset 128 (the layout of RFC 4950 implementations
//! that predate RFC 4884); it is taken as one only when the bytes there are a
//! well-formed version-2 header with a valid (or absent) checksum, so a quote
//! is never misread as an extension.
//!
//! [`ExtensionStructure`] reads the structure that [`split`] finds: its
//! header, checksum and [`Object`]s (RFC 4950 MPLS label stacks, RFC 5837
//! interface information, RFC 8335 interface identification, and any other
//! object kept raw). [`emit_structure`] writes one from [`ObjectRepr`]s.

pub mod interface_id;
pub mod interface_info;
pub mod mpls;
mod structure;

pub use interface_id::{InterfaceAddress, InterfaceIdentification};
pub use interface_info::{InterfaceInformation, InterfaceRole};
pub use mpls::{MplsLabel, MplsLabelStack, MplsLabels};
pub use structure::{
    ChecksumStatus, ExtensionStructure, MAX_OBJECT_PAYLOAD, OBJECT_HEADER_LEN, Object, ObjectRepr,
    Objects, RawObject, RawObjects, emit_structure, structure_len,
};

use crate::checksum;
use crate::error::{Malformed, Result};

/// The size of the original-datagram field in the pre-RFC 4884 layout, and
/// the least an RFC 4884 sender pads the original datagram to.
pub const COMPAT_ORIGINAL_LEN: usize = 128;

/// The extension structure's version number (RFC 4884 §7).
pub const VERSION: u8 = 2;

/// The length of the extension header.
pub const HEADER_LEN: usize = 4;

/// How the body of an ICMP error carries (or does not carry) extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// No extension structure: the whole body is the original datagram.
    Plain,
    /// A non-zero RFC 4884 length attribute delimits the original datagram.
    Rfc4884,
    /// Length attribute zero, extension found at the fixed offset 128.
    Compat128,
}

/// An ICMP error's body divided into the quote and the extension structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Multipart<'a> {
    /// The quoted original datagram (with any RFC 4884 zero padding).
    pub original: &'a [u8],
    /// The raw extension structure (header and objects), when present. It
    /// has not been validated beyond what [`Layout::Compat128`] requires.
    pub extension: Option<&'a [u8]>,
    /// Which layout the body used.
    pub layout: Layout,
}

/// Divides an error's `body` (the bytes after the 8-byte ICMP header) using
/// its RFC 4884 `length_attr`, counted in units of `word_size` bytes (4 for
/// ICMPv4, 8 for ICMPv6).
///
/// Fails when the length attribute points past the end of the body, or
/// delimits fewer than 128 bytes while more bytes follow.
pub fn split(body: &[u8], length_attr: u8, word_size: usize) -> Result<Multipart<'_>> {
    if length_attr != 0 {
        let len = usize::from(length_attr) * word_size;
        if len > body.len() {
            return Err(Malformed::Overrun {
                what: "RFC 4884 original datagram",
                field: "length attribute",
                claimed: len,
                available: body.len(),
            });
        }
        let (original, rest) = body.split_at(len);
        if !rest.is_empty() && len < COMPAT_ORIGINAL_LEN {
            // RFC 4884 §4.1: with extensions the original datagram field is
            // at least 128 bytes; Linux ignores a shorter one as invalid.
            return Err(Malformed::Invalid {
                what: "RFC 4884 original datagram",
                field: "length",
                value: u32::try_from(len).unwrap_or(u32::MAX),
                rule: "bytes is below the 128-byte minimum for a message with extensions",
            });
        }
        return Ok(Multipart {
            original,
            extension: (!rest.is_empty()).then_some(rest),
            layout: Layout::Rfc4884,
        });
    }
    if body.len() >= COMPAT_ORIGINAL_LEN + HEADER_LEN {
        let (original, rest) = body.split_at(COMPAT_ORIGINAL_LEN);
        if looks_like_extension(rest) {
            return Ok(Multipart {
                original,
                extension: Some(rest),
                layout: Layout::Compat128,
            });
        }
    }
    Ok(Multipart {
        original: body,
        extension: None,
        layout: Layout::Plain,
    })
}

/// The length of the original-datagram field as a sender lays it out: the
/// quote itself without extensions, or, with extensions, the quote padded
/// with zeros to a whole number of `word_size` words and at least 128 bytes
/// (RFC 4884 §4.1). A quote longer than the length attribute can count
/// (255 words) is cut to fit.
pub fn original_field_len(original_len: usize, with_extension: bool, word_size: usize) -> usize {
    if !with_extension {
        return original_len;
    }
    let max = 255 * word_size;
    original_len
        .min(max)
        .next_multiple_of(word_size)
        .clamp(COMPAT_ORIGINAL_LEN, max)
}

/// Writes an error's body into `out` (the bytes after the 8-byte ICMP
/// header): the original datagram, and with an extension structure the zero
/// padding and the structure itself. Returns the RFC 4884 length attribute to
/// store in the header (zero without extension) and the bytes written.
///
/// `out` must hold `original_field_len(..) + extension.len()` bytes; this is
/// what a `Repr::buffer_len` computes, so emit never sees a shorter buffer.
pub fn emit_body(
    out: &mut [u8],
    original: &[u8],
    extension: Option<&[u8]>,
    word_size: usize,
) -> (u8, usize) {
    let field = original_field_len(original.len(), extension.is_some(), word_size);
    let quoted = original.len().min(field);
    out[..quoted].copy_from_slice(&original[..quoted]);
    out[quoted..field].fill(0);
    match extension {
        None => (0, field),
        Some(ext) => {
            out[field..field + ext.len()].copy_from_slice(ext);
            // field <= 255 * word_size by construction.
            let words = u8::try_from(field / word_size).unwrap_or(u8::MAX);
            (words, field + ext.len())
        }
    }
}

/// Whether `bytes` are a plausible extension structure at the fixed offset
/// 128 of the pre-RFC 4884 layout: a version-2 header whose checksum is
/// zero (not computed) or verifies, followed by at least one object, the
/// objects' lengths (each at least 4) filling the rest exactly. Anything less
/// is taken as more of the quote.
fn looks_like_extension(bytes: &[u8]) -> bool {
    if bytes.len() < HEADER_LEN || bytes[0] >> 4 != VERSION {
        return false;
    }
    let stored = u16::from_be_bytes([bytes[2], bytes[3]]);
    if stored != 0 && !checksum::is_valid(bytes) {
        return false;
    }
    let mut rest = &bytes[HEADER_LEN..];
    if rest.is_empty() {
        return false;
    }
    while let Some(len) = crate::field::get_u16(rest, 0) {
        let len = usize::from(len);
        if len < 4 || len > rest.len() {
            return false;
        }
        rest = &rest[len..];
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext_with_checksum(objects: &[u8]) -> [u8; 12] {
        let mut e = [0u8; 12];
        e[0] = 0x20;
        e[4..4 + objects.len()].copy_from_slice(objects);
        let c = checksum::checksum(&e);
        e[2..4].copy_from_slice(&c.to_be_bytes());
        e
    }

    #[test]
    fn length_attribute_delimits_quote() {
        let mut body = [0u8; 140];
        body[128..].copy_from_slice(&ext_with_checksum(&[0, 8, 1, 1, 0, 0, 0x11, 1]));
        let m = split(&body, 32, 4).unwrap();
        assert_eq!(m.layout, Layout::Rfc4884);
        assert_eq!(m.original.len(), 128);
        assert_eq!(m.extension.unwrap().len(), 12);
        let m = split(&body, 16, 8).unwrap();
        assert_eq!(m.original.len(), 128);
        assert_eq!(split(&body, 35, 4).unwrap().extension, None);
    }

    #[test]
    fn length_past_end_is_malformed() {
        let body = [0u8; 100];
        let e = split(&body, 32, 4).unwrap_err();
        assert_eq!(
            e,
            Malformed::Overrun {
                what: "RFC 4884 original datagram",
                field: "length attribute",
                claimed: 128,
                available: 100
            }
        );
    }

    #[test]
    fn short_original_with_extension_is_malformed() {
        extern crate std;
        use std::string::ToString;
        let body = [0u8; 140];
        let e = split(&body, 1, 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "RFC 4884 original datagram: length 4 bytes is below the 128-byte minimum for a message with extensions"
        );
        // A short quote that the length attribute covers exactly is fine.
        let m = split(&body[..28], 7, 4).unwrap();
        assert_eq!((m.original.len(), m.extension), (28, None));
    }

    #[test]
    fn compat_layout_needs_valid_header() {
        let mut body = [0u8; 140];
        body[128..].copy_from_slice(&ext_with_checksum(&[0, 8, 1, 1, 0, 0, 0x11, 1]));
        let m = split(&body, 0, 4).unwrap();
        assert_eq!(m.layout, Layout::Compat128);
        assert_eq!(m.original.len(), 128);
        // Corrupt the checksum: now it is just a long quote.
        body[131] ^= 0xff;
        let m = split(&body, 0, 4).unwrap();
        assert_eq!(m.layout, Layout::Plain);
        assert_eq!(m.original.len(), 140);
        assert_eq!(m.extension, None);
        // A zero (not computed) checksum is accepted only when the objects
        // fill the rest exactly.
        let mut body = [0u8; 140];
        body[128] = 0x20;
        body[129..].copy_from_slice(&[0, 0, 0, 0, 8, 1, 1, 0, 0, 0x11, 1]);
        assert_eq!(split(&body, 0, 4).unwrap().layout, Layout::Compat128);
        body[133] = 9;
        assert_eq!(split(&body, 0, 4).unwrap().layout, Layout::Plain);
        body[133] = 0;
        assert_eq!(split(&body, 0, 4).unwrap().layout, Layout::Plain);
        // Wrong version is never an extension.
        let mut body = [0u8; 140];
        body[128] = 0x10;
        assert_eq!(split(&body, 0, 4).unwrap().layout, Layout::Plain);
    }

    #[test]
    fn emit_body_pads_and_round_trips() {
        let ext = ext_with_checksum(&[0, 8, 1, 1, 0, 0, 0x11, 1]);
        let quote = [0x45u8; 28];
        for word in [4, 8] {
            let mut out = [0xa5u8; 300];
            let (attr, n) = emit_body(&mut out, &quote, Some(&ext), word);
            assert_eq!(n, 128 + 12);
            assert_eq!(usize::from(attr) * word, 128);
            assert!(out[28..128].iter().all(|b| *b == 0));
            let m = split(&out[..n], attr, word).unwrap();
            assert_eq!(&m.original[..28], &quote);
            assert_eq!(m.extension, Some(&ext[..]));
            let (attr, n) = emit_body(&mut out, &quote, None, word);
            assert_eq!((attr, n), (0, 28));
        }
        assert_eq!(original_field_len(130, true, 8), 136);
        assert_eq!(original_field_len(5000, true, 4), 1020);
        assert_eq!(original_field_len(5000, false, 4), 5000);
    }

    #[test]
    fn short_bodies_are_plain() {
        for n in 0..133 {
            let body = [0u8; 133];
            let m = split(&body[..n], 0, 4).unwrap();
            assert_eq!(m.layout, Layout::Plain);
            assert_eq!(m.original.len(), n);
        }
    }
}
