//! The MPLS Label Stack object (RFC 4950): class-num 1, c-type 1.
//!
//! A label switching router that drops a labelled packet appends the label
//! stack it received, so that traceroute can show the labels of each hop.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |      Length = 4 + 4n          | Class-Num = 1 |  C-Type = 1   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                 Label                 |  TC |S|      TTL      |  entry 1 (top)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! //                          ...                                //  entries 2..n
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! TC (traffic class) is the field RFC 4950 still calls EXP; S marks the
//! bottom of the stack.

use crate::error::{Malformed, Result};

/// The class-num of the MPLS Label Stack object.
pub const CLASS_NUM: u8 = 1;
/// The c-type of the "incoming MPLS label stack" object.
pub const C_TYPE: u8 = 1;
/// The length of one label stack entry.
pub const ENTRY_LEN: usize = 4;

/// One MPLS label stack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MplsLabel {
    /// The 20-bit label value.
    pub label: u32,
    /// The 3-bit traffic class (formerly EXP).
    pub tc: u8,
    /// The S bit: this entry is the bottom of the stack.
    pub bottom_of_stack: bool,
    /// The entry's time to live.
    pub ttl: u8,
}

impl MplsLabel {
    /// Reads an entry from its four bytes.
    pub const fn from_bytes(bytes: [u8; 4]) -> Self {
        let word = u32::from_be_bytes(bytes);
        Self {
            label: word >> 12,
            // Masked to 3 bits: the cast cannot truncate.
            #[allow(clippy::cast_possible_truncation)]
            tc: ((word >> 9) & 0x7) as u8,
            bottom_of_stack: word & 0x100 != 0,
            ttl: bytes[3],
        }
    }

    /// The entry's four bytes. Bits of `label` above the 20th and of `tc`
    /// above the 3rd are dropped.
    pub const fn to_bytes(self) -> [u8; 4] {
        let word = (self.label & 0xf_ffff) << 12
            | ((self.tc & 0x7) as u32) << 9
            | (self.bottom_of_stack as u32) << 8
            | self.ttl as u32;
        word.to_be_bytes()
    }
}

/// The payload of an MPLS Label Stack object: a checked view of whole
/// 4-byte entries, top of the stack first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MplsLabelStack<'a> {
    data: &'a [u8],
}

impl<'a> MplsLabelStack<'a> {
    /// Checks that the object payload `data` is a whole number of entries.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        if !data.len().is_multiple_of(ENTRY_LEN) {
            return Err(Malformed::Invalid {
                what: "MPLS label stack object",
                field: "payload length",
                value: u32::try_from(data.len()).unwrap_or(u32::MAX),
                rule: "is not a multiple of the 4-byte label stack entry",
            });
        }
        Ok(Self { data })
    }

    /// The number of entries.
    pub const fn len(&self) -> usize {
        self.data.len() / ENTRY_LEN
    }

    /// Whether the stack has no entries (RFC 4950 expects at least one).
    pub const fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The entries, top of the stack first.
    pub fn labels(&self) -> MplsLabels<'a> {
        MplsLabels {
            entries: self.data.chunks_exact(ENTRY_LEN),
        }
    }

    /// The raw payload bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl<'a> IntoIterator for MplsLabelStack<'a> {
    type Item = MplsLabel;
    type IntoIter = MplsLabels<'a>;

    fn into_iter(self) -> MplsLabels<'a> {
        self.labels()
    }
}

/// An iterator over the entries of an [`MplsLabelStack`].
#[derive(Debug, Clone)]
pub struct MplsLabels<'a> {
    entries: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for MplsLabels<'_> {
    type Item = MplsLabel;

    fn next(&mut self) -> Option<MplsLabel> {
        let entry = self.entries.next()?;
        entry.try_into().ok().map(MplsLabel::from_bytes)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for MplsLabels<'_> {}

/// The most entries one object can carry (its length field is 16 bits).
pub const MAX_ENTRIES: usize = (u16::MAX as usize - 4) / ENTRY_LEN;

/// The payload length of an object carrying `labels` (at most
/// [`MAX_ENTRIES`] of them are emitted).
pub(crate) fn payload_len(labels: &[MplsLabel]) -> usize {
    labels.len().min(MAX_ENTRIES) * ENTRY_LEN
}

/// Writes the entries into `out`, which holds at least
/// [`payload_len`] bytes.
pub(crate) fn emit_payload(labels: &[MplsLabel], out: &mut [u8]) {
    for (entry, label) in out
        .chunks_exact_mut(ENTRY_LEN)
        .zip(&labels[..labels.len().min(MAX_ENTRIES)])
    {
        entry.copy_from_slice(&label.to_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_bit_layout() {
        // Label 0xabcde, TC 5, S, TTL 0x42:
        // abcde << 12 | 5 << 9 | 1 << 8 | 0x42 = 0xabcd_eb42.
        let l = MplsLabel::from_bytes([0xab, 0xcd, 0xeb, 0x42]);
        assert_eq!(
            l,
            MplsLabel {
                label: 0xabcde,
                tc: 5,
                bottom_of_stack: true,
                ttl: 0x42
            }
        );
        assert_eq!(l.to_bytes(), [0xab, 0xcd, 0xeb, 0x42]);
        let wide = MplsLabel {
            label: 0xfff_ffff,
            tc: 0xff,
            bottom_of_stack: false,
            ttl: 0,
        };
        assert_eq!(wide.to_bytes(), [0xff, 0xff, 0xfe, 0x00]);
    }

    #[test]
    fn stack_of_two() {
        // Label 16 TC 0 TTL 1 over label 299_776 (0x49300) TC 0 S TTL 1.
        let data = [0x00, 0x01, 0x00, 0x01, 0x49, 0x30, 0x01, 0x01];
        let s = MplsLabelStack::parse(&data).unwrap();
        assert_eq!(s.len(), 2);
        let mut it = s.labels();
        assert_eq!(it.len(), 2);
        assert_eq!(
            it.next(),
            Some(MplsLabel {
                label: 16,
                tc: 0,
                bottom_of_stack: false,
                ttl: 1
            })
        );
        assert_eq!(
            it.next(),
            Some(MplsLabel {
                label: 299_776,
                tc: 0,
                bottom_of_stack: true,
                ttl: 1
            })
        );
        assert_eq!(it.next(), None);
    }

    #[test]
    fn partial_entry_is_invalid() {
        for n in [1, 2, 3, 6, 7] {
            let e = MplsLabelStack::parse(&[0u8; 7][..n]).unwrap_err();
            assert_eq!(
                e,
                Malformed::Invalid {
                    what: "MPLS label stack object",
                    field: "payload length",
                    value: u32::try_from(n).unwrap(),
                    rule: "is not a multiple of the 4-byte label stack entry",
                }
            );
        }
        assert!(MplsLabelStack::parse(&[]).unwrap().is_empty());
    }
}
