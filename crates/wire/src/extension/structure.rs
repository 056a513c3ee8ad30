//! The RFC 4884 extension structure: a version-2 header, then objects.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|      (Reserved)       |           Checksum            |  header
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |             Length            |   Class-Num   |    C-Type     |  object
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //        object payload (Length - 4 bytes)                    //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //        more objects, to the end of the ICMP message         //
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The checksum covers the whole structure (header and objects) and is
//! zero when the sender did not compute it. An object's length counts its
//! own 4-byte header.

use core::fmt;

use crate::checksum;
use crate::error::{Malformed, Result, need};
use crate::extension::interface_id::{self, InterfaceIdentification};
use crate::extension::interface_info::{self, InterfaceInformation};
use crate::extension::mpls::{self, MplsLabel, MplsLabelStack};
use crate::extension::{HEADER_LEN, VERSION};
use crate::field;

/// Byte ranges of the extension header and of an object header.
mod field_at {
    use crate::field::Field;
    /// Version (high nibble) and reserved bits.
    pub const VERSION: usize = 0;
    /// The structure's checksum.
    pub const CHECKSUM: Field = 2..4;
    /// The object's length, counting its header.
    pub const OBJECT_LENGTH: Field = 0..2;
    /// The object's class-num.
    pub const CLASS_NUM: usize = 2;
    /// The object's c-type.
    pub const C_TYPE: usize = 3;
}

/// The length of an object header.
pub const OBJECT_HEADER_LEN: usize = 4;

/// The largest object payload: the 16-bit length counts the header too.
pub const MAX_OBJECT_PAYLOAD: usize = u16::MAX as usize - OBJECT_HEADER_LEN;

/// What the extension header's checksum says about the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumStatus {
    /// The checksum field is zero: the sender did not compute it.
    NotComputed,
    /// The checksum verifies over the whole structure.
    Valid,
    /// The checksum does not verify.
    Invalid,
}

/// A checked view of an extension structure: what
/// [`split`](super::split) returns as `extension`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionStructure<'a> {
    bytes: &'a [u8],
}

impl<'a> ExtensionStructure<'a> {
    /// Checks that `bytes` start with a version-2 extension header. The
    /// objects are checked one by one as [`ExtensionStructure::objects`]
    /// reaches them.
    pub fn new_checked(bytes: &'a [u8]) -> Result<Self> {
        need("ICMP extension header", bytes, HEADER_LEN)?;
        let version = bytes[field_at::VERSION] >> 4;
        if version != VERSION {
            return Err(Malformed::Invalid {
                what: "ICMP extension header",
                field: "version",
                value: u32::from(version),
                rule: "is not 2",
            });
        }
        Ok(Self { bytes })
    }

    /// The version number (always 2 once checked).
    pub const fn version(&self) -> u8 {
        self.bytes[field_at::VERSION] >> 4
    }

    /// The stored checksum.
    pub fn checksum(&self) -> u16 {
        field::u16_at(self.bytes, field_at::CHECKSUM.start)
    }

    /// Whether the checksum was computed and, if so, verifies.
    pub fn checksum_status(&self) -> ChecksumStatus {
        if self.checksum() == 0 {
            ChecksumStatus::NotComputed
        } else if checksum::is_valid(self.bytes) {
            ChecksumStatus::Valid
        } else {
            ChecksumStatus::Invalid
        }
    }

    /// The objects, read as they are reached. A malformed object yields
    /// one `Err` and ends the iteration.
    pub fn objects(&self) -> Objects<'a> {
        Objects {
            raw: self.raw_objects(),
        }
    }

    /// The objects' headers and payloads without reading the payloads, for
    /// a caller that wants to go on past an object it cannot read. A
    /// framing error yields one `Err` and ends the iteration.
    pub fn raw_objects(&self) -> RawObjects<'a> {
        RawObjects {
            rest: &self.bytes[HEADER_LEN..],
        }
    }

    /// The whole structure's bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// An object's header fields and its payload, not yet read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawObject<'a> {
    /// The object class.
    pub class_num: u8,
    /// The object sub-type within its class.
    pub c_type: u8,
    /// The payload (after the 4-byte object header).
    pub data: &'a [u8],
}

impl<'a> RawObject<'a> {
    /// Reads the payload according to the class and c-type.
    pub fn parse(&self) -> Result<Object<'a>> {
        let Self {
            class_num,
            c_type,
            data,
        } = *self;
        Ok(match (class_num, c_type) {
            (mpls::CLASS_NUM, mpls::C_TYPE) => Object::Mpls(MplsLabelStack::parse(data)?),
            (interface_info::CLASS_NUM, _) => {
                Object::InterfaceInformation(InterfaceInformation::parse(c_type, data)?)
            }
            (interface_id::CLASS_NUM, _) => match InterfaceIdentification::parse(c_type, data) {
                Some(id) => Object::InterfaceIdentification(id?),
                None => Object::Unknown(*self),
            },
            _ => Object::Unknown(*self),
        })
    }
}

/// An iterator over the [`RawObject`]s of an extension structure.
#[derive(Debug, Clone)]
pub struct RawObjects<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RawObjects<'a> {
    type Item = Result<RawObject<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let item = read_object(self.rest);
        self.rest = match item {
            Ok((_, tail)) => tail,
            Err(_) => &[],
        };
        Some(item.map(|(object, _)| object))
    }
}

impl core::iter::FusedIterator for RawObjects<'_> {}

/// Reads the object at the front of `bytes`; returns it and what follows.
fn read_object(bytes: &[u8]) -> Result<(RawObject<'_>, &[u8])> {
    need("ICMP extension object header", bytes, OBJECT_HEADER_LEN)?;
    let length = field::u16_at(bytes, field_at::OBJECT_LENGTH.start);
    let len = usize::from(length);
    if len < OBJECT_HEADER_LEN {
        return Err(Malformed::Invalid {
            what: "ICMP extension object",
            field: "length",
            value: u32::from(length),
            rule: "is below the 4-byte object header",
        });
    }
    let (object, tail) = bytes.split_at_checked(len).ok_or(Malformed::Overrun {
        what: "ICMP extension object",
        field: "length",
        claimed: len,
        available: bytes.len(),
    })?;
    let raw = RawObject {
        class_num: object[field_at::CLASS_NUM],
        c_type: object[field_at::C_TYPE],
        data: &object[OBJECT_HEADER_LEN..],
    };
    Ok((raw, tail))
}

/// An iterator over the [`Object`]s of an extension structure.
#[derive(Debug, Clone)]
pub struct Objects<'a> {
    raw: RawObjects<'a>,
}

impl<'a> Iterator for Objects<'a> {
    type Item = Result<Object<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.raw.next()?.and_then(|raw| raw.parse());
        if item.is_err() {
            self.raw.rest = &[];
        }
        Some(item)
    }
}

impl core::iter::FusedIterator for Objects<'_> {}

/// One extension object, read according to its class-num and c-type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object<'a> {
    /// RFC 4950 MPLS label stack (class 1, c-type 1).
    Mpls(MplsLabelStack<'a>),
    /// RFC 5837 interface information (class 2).
    InterfaceInformation(InterfaceInformation<'a>),
    /// RFC 8335 interface identification (class 3, c-types 1 to 3).
    InterfaceIdentification(InterfaceIdentification<'a>),
    /// Any other class or c-type, kept raw.
    Unknown(RawObject<'a>),
}

impl Object<'_> {
    /// The object's class-num.
    pub const fn class_num(&self) -> u8 {
        match self {
            Self::Mpls(_) => mpls::CLASS_NUM,
            Self::InterfaceInformation(_) => interface_info::CLASS_NUM,
            Self::InterfaceIdentification(_) => interface_id::CLASS_NUM,
            Self::Unknown(raw) => raw.class_num,
        }
    }
}

/// An extension object to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectRepr<'a> {
    /// An RFC 4950 MPLS label stack, top first. At most
    /// [`mpls::MAX_ENTRIES`] entries are written.
    Mpls(&'a [MplsLabel]),
    /// RFC 5837 interface information.
    InterfaceInformation(InterfaceInformation<'a>),
    /// RFC 8335 interface identification.
    InterfaceIdentification(InterfaceIdentification<'a>),
    /// Any object, written as given; at most [`MAX_OBJECT_PAYLOAD`] bytes
    /// of `data` are written.
    Unknown(RawObject<'a>),
}

impl ObjectRepr<'_> {
    /// The class-num and c-type written in the header.
    pub const fn class_and_c_type(&self) -> (u8, u8) {
        match self {
            Self::Mpls(_) => (mpls::CLASS_NUM, mpls::C_TYPE),
            Self::InterfaceInformation(i) => (interface_info::CLASS_NUM, i.c_type()),
            Self::InterfaceIdentification(i) => (interface_id::CLASS_NUM, i.c_type()),
            Self::Unknown(raw) => (raw.class_num, raw.c_type),
        }
    }

    fn payload_len(&self) -> usize {
        match self {
            Self::Mpls(labels) => mpls::payload_len(labels),
            Self::InterfaceInformation(i) => i.payload_len(),
            Self::InterfaceIdentification(i) => i.payload_len(),
            Self::Unknown(raw) => raw.data.len().min(MAX_OBJECT_PAYLOAD),
        }
    }

    /// The length of the emitted object, header included (at most 65535).
    pub fn buffer_len(&self) -> usize {
        OBJECT_HEADER_LEN + self.payload_len()
    }

    /// Writes the object into `out` and returns its length.
    ///
    /// # Panics
    /// If `out` is shorter than [`ObjectRepr::buffer_len`].
    pub fn emit(&self, out: &mut [u8]) -> usize {
        let len = self.buffer_len();
        let (class_num, c_type) = self.class_and_c_type();
        let (header, payload) = out[..len].split_at_mut(OBJECT_HEADER_LEN);
        // buffer_len never exceeds u16::MAX by construction.
        field::set_u16(header, 0, u16::try_from(len).unwrap_or(u16::MAX));
        header[field_at::CLASS_NUM] = class_num;
        header[field_at::C_TYPE] = c_type;
        match self {
            Self::Mpls(labels) => mpls::emit_payload(labels, payload),
            Self::InterfaceInformation(i) => i.emit_payload(payload),
            Self::InterfaceIdentification(i) => i.emit_payload(payload),
            Self::Unknown(raw) => payload.copy_from_slice(&raw.data[..payload.len()]),
        }
        len
    }
}

/// Whether a parsed object carries what a repr would emit.
impl PartialEq<ObjectRepr<'_>> for Object<'_> {
    fn eq(&self, repr: &ObjectRepr<'_>) -> bool {
        match (self, repr) {
            (Self::Mpls(stack), ObjectRepr::Mpls(labels)) => {
                stack.labels().eq(labels.iter().copied())
            }
            (Self::InterfaceInformation(a), ObjectRepr::InterfaceInformation(b)) => a == b,
            (Self::InterfaceIdentification(a), ObjectRepr::InterfaceIdentification(b)) => a == b,
            (Self::Unknown(a), ObjectRepr::Unknown(b)) => a == b,
            _ => false,
        }
    }
}

/// The length of the structure [`emit_structure`] writes for `objects`.
pub fn structure_len(objects: &[ObjectRepr<'_>]) -> usize {
    HEADER_LEN + objects.iter().map(ObjectRepr::buffer_len).sum::<usize>()
}

/// Writes a version-2 extension structure holding `objects` into `out` and
/// returns its length. With `compute_checksum` the checksum over the whole
/// structure is filled in (a computed zero is stored as `0xffff`, its
/// one's-complement equal, so that it does not read as "not computed");
/// without, it is left zero.
///
/// # Panics
/// If `out` is shorter than [`structure_len`].
pub fn emit_structure(objects: &[ObjectRepr<'_>], out: &mut [u8], compute_checksum: bool) -> usize {
    let len = structure_len(objects);
    let out = &mut out[..len];
    out[..HEADER_LEN].copy_from_slice(&[VERSION << 4, 0, 0, 0]);
    let mut at = HEADER_LEN;
    for object in objects {
        at += object.emit(&mut out[at..]);
    }
    if compute_checksum {
        let sum = match checksum::checksum(out) {
            0 => 0xffff,
            c => c,
        };
        field::set_u16(out, field_at::CHECKSUM.start, sum);
    }
    len
}

impl fmt::Display for ChecksumStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotComputed => "not computed",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
        })
    }
}

#[cfg(test)]
mod tests;
