//! Why a capture file could not be read.

use std::{error, fmt, io};

/// Where in a capture file a failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    /// In the file header (the pcap global header or the first pcapng
    /// Section Header Block).
    FileHeader,
    /// In the record of the frame with this number (1-based, as tshark counts).
    Frame(u64),
    /// In a block that is not a packet (a Section Header, Interface
    /// Description or other block), read before the frame with this number.
    BeforeFrame(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::FileHeader => f.write_str("file header"),
            Self::Frame(n) => write!(f, "frame {n}"),
            Self::BeforeFrame(n) => write!(f, "block before frame {n}"),
        }
    }
}

/// The reason a capture file could not be read, naming the offending value.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file starts with neither a pcap magic number nor a pcapng Section
    /// Header Block.
    NotACapture {
        /// The first four bytes of the file, in file order.
        magic: [u8; 4],
    },
    /// The file format is known but its version is not.
    UnsupportedVersion {
        /// `"pcap"` or `"pcapng"`.
        format: &'static str,
        /// The major version found.
        major: u16,
        /// The minor version found.
        minor: u16,
    },
    /// The file ends inside a fixed-size header.
    Truncated {
        /// Where the header is.
        at: Position,
        /// The header, e.g. `"pcap record header"`.
        what: &'static str,
        /// How many bytes the header needs.
        needed: u64,
        /// How many bytes the file still had.
        available: u64,
    },
    /// The file ends before the end of a record whose length its header gave.
    RecordTruncated {
        /// Where the record is.
        at: Position,
        /// The record, e.g. `"record"` or `"Enhanced Packet Block"`.
        what: &'static str,
        /// How many bytes the header says the record has.
        claimed: u64,
        /// How many of them the file holds.
        available: u64,
    },
    /// A length field claims more than [`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN)
    /// bytes; it is rejected before anything is allocated.
    TooLarge {
        /// Where the record is.
        at: Position,
        /// The record, e.g. `"record"`.
        what: &'static str,
        /// The length claimed.
        length: u64,
    },
    /// A field holds a value the format forbids.
    Invalid {
        /// Where the field is.
        at: Position,
        /// The structure holding it, e.g. `"Enhanced Packet Block"`.
        what: &'static str,
        /// The field, e.g. `"interface id"`.
        field: &'static str,
        /// The value found.
        value: u64,
        /// The rule it breaks, completing "`<field> <value> <rule>`".
        rule: &'static str,
    },
    /// Reading from the underlying source failed.
    Io {
        /// Where the read happened.
        at: Position,
        /// The error the source returned.
        source: io::Error,
    },
}

impl CaptureError {
    /// Where in the file the failure happened, if it has a position.
    pub fn position(&self) -> Option<Position> {
        match *self {
            Self::NotACapture { .. } | Self::UnsupportedVersion { .. } => None,
            Self::Truncated { at, .. }
            | Self::RecordTruncated { at, .. }
            | Self::TooLarge { at, .. }
            | Self::Invalid { at, .. }
            | Self::Io { at, .. } => Some(at),
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at @ (Position::Frame(_) | Position::BeforeFrame(_))) = self.position() {
            write!(f, "{at}: ")?;
        }
        match self {
            Self::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng capture: file starts with 0x{:08x}",
                u32::from_be_bytes(*magic)
            ),
            Self::UnsupportedVersion {
                format,
                major,
                minor,
            } => {
                let expected = if *format == "pcap" { 2 } else { 1 };
                write!(
                    f,
                    "{format} version {major}.{minor} is not supported (expected {expected}.x)"
                )
            }
            Self::Truncated {
                what,
                needed,
                available,
                ..
            } => write!(
                f,
                "{what} truncated: needs {needed} bytes, file ends after {available}"
            ),
            Self::RecordTruncated {
                what,
                claimed,
                available,
                ..
            } => write!(
                f,
                "{what} truncated: header says {claimed} bytes, file ends after {available}"
            ),
            Self::TooLarge { what, length, .. } => write!(
                f,
                "{what} length {length} exceeds the limit of {} bytes",
                crate::MAX_RECORD_LEN
            ),
            Self::Invalid {
                what,
                field,
                value,
                rule,
                ..
            } => write!(f, "{what}: {field} {value} {rule}"),
            Self::Io { source, .. } => write!(f, "read failed: {source}"),
        }
    }
}

impl error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
