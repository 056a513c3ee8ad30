//! The streaming reader: one capture file, one frame at a time, one buffer.

mod pcap;
mod pcapng;

pub use pcapng::MAX_INTERFACES;

use std::io::{self, Read};
use std::ops::Range;

use crate::error::{CaptureError, Position};
use crate::frame::{Frame, Timestamp};
use crate::link::LinkType;

/// The longest record or block the reader accepts: 256 MiB. Longer length
/// fields are rejected as [`CaptureError::TooLarge`] before any allocation.
pub const MAX_RECORD_LEN: u32 = 256 * 1024 * 1024;

/// Which kind of capture file a [`CaptureReader`] is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureFormat {
    /// Classic libpcap format.
    Pcap {
        /// Whether timestamps are in nanoseconds (magic `0xa1b23c4d`) rather
        /// than microseconds (`0xa1b2c3d4`).
        nanosecond: bool,
        /// Whether the file is big-endian.
        big_endian: bool,
    },
    /// pcapng (each section may have its own byte order).
    Pcapng,
}

/// Reads frames from a pcap or pcapng stream, reusing one buffer.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let file = std::io::BufReader::new(std::fs::File::open("trace.pcap")?);
/// let mut reader = icmpkit_capture::CaptureReader::new(file)?;
/// while let Some(frame) = reader.next_frame() {
///     let frame = frame?;
///     if let Some(ip) = frame.network_layer() {
///         println!("frame {}: {} IP bytes", frame.number, ip.len());
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// A source that is not buffered is read in small pieces: wrap files and
/// sockets in a [`std::io::BufReader`].
#[derive(Debug)]
pub struct CaptureReader<R> {
    input: Input<R>,
    format: Format,
    frames_read: u64,
    finished: bool,
}

#[derive(Debug)]
enum Format {
    Pcap(pcap::Header),
    Pcapng(pcapng::Section),
}

/// Where a frame's fields are, while its bytes sit in the reader's buffer.
struct FrameMeta {
    timestamp: Timestamp,
    time_digits: u8,
    link_type: LinkType,
    interface: u32,
    data: Range<usize>,
    original_len: u32,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header (pcap global header or pcapng Section Header
    /// Block) and prepares to read frames.
    pub fn new(source: R) -> Result<Self, CaptureError> {
        let mut input = Input {
            source,
            buf: Vec::new(),
        };
        let magic: [u8; 4] = input.exact(Position::FileHeader, "capture file header", 0)?;
        let format = if let Some((order, nanosecond)) = pcap::identify(magic) {
            Format::Pcap(pcap::read_header(&mut input, order, nanosecond)?)
        } else if u32::from_be_bytes(magic) == pcapng::SHB {
            let length: [u8; 4] = input.exact(Position::FileHeader, "Section Header Block", 4)?;
            let mut header = [0; 8];
            header[..4].copy_from_slice(&magic);
            header[4..].copy_from_slice(&length);
            let mut section = pcapng::Section::default();
            pcapng::read_section_header(&mut input, &mut section, Position::FileHeader, header)?;
            Format::Pcapng(section)
        } else {
            return Err(CaptureError::NotACapture { magic });
        };
        Ok(Self {
            input,
            format,
            frames_read: 0,
            finished: false,
        })
    }

    /// The next frame, `None` at the end of the file, or the error that
    /// stopped reading. After an error or the end, it returns `None`.
    ///
    /// A record cut short by the end of the file is reported as an error
    /// after every complete frame before it has been returned.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, CaptureError>> {
        if self.finished {
            return None;
        }
        let next = self.frames_read.saturating_add(1);
        let read = match &mut self.format {
            Format::Pcap(header) => pcap::next(&mut self.input, header, next),
            Format::Pcapng(section) => pcapng::next(&mut self.input, section, next),
        };
        match read {
            Ok(Some(meta)) => {
                self.frames_read = next;
                Some(Ok(Frame {
                    number: next,
                    timestamp: meta.timestamp,
                    time_digits: meta.time_digits,
                    link_type: meta.link_type,
                    interface: meta.interface,
                    captured: self.input.buf.get(meta.data).unwrap_or_default(),
                    original_len: meta.original_len,
                }))
            }
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }

    /// How many frames have been returned so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_read
    }

    /// Which kind of capture file this is.
    pub fn format(&self) -> CaptureFormat {
        match &self.format {
            Format::Pcap(header) => header.format(),
            Format::Pcapng(_) => CaptureFormat::Pcapng,
        }
    }

    /// Gives back the underlying source.
    pub fn into_inner(self) -> R {
        self.input.source
    }
}

/// The byte order of a pcap file or pcapng section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ByteOrder {
    #[default]
    Little,
    Big,
}

impl ByteOrder {
    fn bytes<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
        at.checked_add(N)
            .and_then(|end| data.get(at..end))
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; N])
    }

    /// The `u16` at `at`; 0 when `data` is too short (callers check lengths first).
    fn u16(self, data: &[u8], at: usize) -> u16 {
        let b = Self::bytes(data, at);
        match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        }
    }

    /// The `u32` at `at`; 0 when `data` is too short (callers check lengths first).
    fn u32(self, data: &[u8], at: usize) -> u32 {
        let b = Self::bytes(data, at);
        match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        }
    }

    /// The `i64` at `at`; 0 when `data` is too short (callers check lengths first).
    fn i64(self, data: &[u8], at: usize) -> i64 {
        let b = Self::bytes(data, at);
        match self {
            Self::Little => i64::from_le_bytes(b),
            Self::Big => i64::from_be_bytes(b),
        }
    }
}

fn truncated<const N: usize>(
    at: Position,
    what: &'static str,
    offset: u64,
    filled: usize,
) -> CaptureError {
    CaptureError::Truncated {
        at,
        what,
        needed: offset + N as u64,
        available: offset + filled as u64,
    }
}

/// The source and the one buffer that holds the current record.
#[derive(Debug)]
struct Input<R> {
    source: R,
    buf: Vec<u8>,
}

impl<R: Read> Input<R> {
    /// Reads up to `N` bytes, stopping early only at the end of the source.
    fn read_array<const N: usize>(
        &mut self,
        at: Position,
    ) -> Result<([u8; N], usize), CaptureError> {
        let mut out = [0; N];
        let mut filled = 0;
        while filled < N {
            match self.source.read(&mut out[filled..]) {
                Ok(0) => break,
                Ok(n) => filled = filled.saturating_add(n).min(N),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => return Err(CaptureError::Io { at, source }),
            }
        }
        Ok((out, filled))
    }

    /// Reads `N` bytes; `None` if the source is already at its end.
    fn fixed<const N: usize>(
        &mut self,
        at: Position,
        what: &'static str,
    ) -> Result<Option<[u8; N]>, CaptureError> {
        match self.read_array::<N>(at)? {
            (_, 0) => Ok(None),
            (out, filled) if filled == N => Ok(Some(out)),
            (_, filled) => Err(truncated::<N>(at, what, 0, filled)),
        }
    }

    /// Reads `N` bytes that must be there; `offset` is how many bytes of the
    /// structure were read before (for the error's counts).
    fn exact<const N: usize>(
        &mut self,
        at: Position,
        what: &'static str,
        offset: u64,
    ) -> Result<[u8; N], CaptureError> {
        match self.read_array::<N>(at)? {
            (out, filled) if filled == N => Ok(out),
            (_, filled) => Err(truncated::<N>(at, what, offset, filled)),
        }
    }

    /// Appends `len` bytes to the buffer; `offset` bytes of the record were
    /// read before them.
    fn record(
        &mut self,
        at: Position,
        what: &'static str,
        len: u64,
        offset: u64,
    ) -> Result<(), CaptureError> {
        let got = (&mut self.source)
            .take(len)
            .read_to_end(&mut self.buf)
            .map_err(|source| CaptureError::Io { at, source })? as u64;
        if got < len {
            return Err(CaptureError::RecordTruncated {
                at,
                what,
                claimed: offset + len,
                available: offset + got,
            });
        }
        Ok(())
    }

    /// Reads and drops `len` bytes; `offset` bytes of the record were read
    /// before them.
    fn skip(
        &mut self,
        at: Position,
        what: &'static str,
        len: u64,
        offset: u64,
    ) -> Result<(), CaptureError> {
        let got = io::copy(&mut (&mut self.source).take(len), &mut io::sink())
            .map_err(|source| CaptureError::Io { at, source })?;
        if got < len {
            return Err(CaptureError::RecordTruncated {
                at,
                what,
                claimed: offset + len,
                available: offset + got,
            });
        }
        Ok(())
    }
}
