//! Classic libpcap files: a 24-byte global header, then records.
//!
//! ```text
//! global header               record header (then `captured length` bytes)
//! +--------------------+      +---------------------------------+
//! | magic          u32 |      | timestamp seconds           u32 |
//! | major u16|minor u16|      | timestamp micro/nanoseconds u32 |
//! | this zone      i32 |      | captured length             u32 |
//! | sigfigs        u32 |      | original length             u32 |
//! | snap length    u32 |      +---------------------------------+
//! | FCS bits|link type |
//! +--------------------+
//! ```

use std::io::Read;

use super::{ByteOrder, CaptureFormat, FrameMeta, Input, MAX_RECORD_LEN};
use crate::error::{CaptureError, Position};
use crate::frame::Timestamp;
use crate::link::LinkType;

const MAGIC_MICROSECOND: u32 = 0xa1b2_c3d4;
const MAGIC_NANOSECOND: u32 = 0xa1b2_3c4d;

/// What the global header says about every record.
#[derive(Debug)]
pub(super) struct Header {
    order: ByteOrder,
    nanosecond: bool,
    link_type: LinkType,
}

impl Header {
    pub(super) fn format(&self) -> CaptureFormat {
        CaptureFormat::Pcap {
            nanosecond: self.nanosecond,
            big_endian: self.order == ByteOrder::Big,
        }
    }
}

/// The byte order and timestamp resolution a pcap magic number stands for.
pub(super) fn identify(magic: [u8; 4]) -> Option<(ByteOrder, bool)> {
    [ByteOrder::Big, ByteOrder::Little]
        .into_iter()
        .find_map(|order| match order.u32(&magic, 0) {
            MAGIC_MICROSECOND => Some((order, false)),
            MAGIC_NANOSECOND => Some((order, true)),
            _ => None,
        })
}

/// Reads the rest of the global header, after its magic number.
pub(super) fn read_header<R: Read>(
    input: &mut Input<R>,
    order: ByteOrder,
    nanosecond: bool,
) -> Result<Header, CaptureError> {
    let rest: [u8; 20] = input.exact(Position::FileHeader, "pcap file header", 4)?;
    let (major, minor) = (order.u16(&rest, 0), order.u16(&rest, 2));
    if major != 2 {
        return Err(CaptureError::UnsupportedVersion {
            format: "pcap",
            major,
            minor,
        });
    }
    // The upper 16 bits hold FCS flags; the link type is the lower 16.
    let link_type = LinkType::from_code(order.u32(&rest, 16) & 0xffff);
    Ok(Header {
        order,
        nanosecond,
        link_type,
    })
}

/// Reads the record of frame `number`; `None` at a clean end of file.
pub(super) fn next<R: Read>(
    input: &mut Input<R>,
    header: &Header,
    number: u64,
) -> Result<Option<FrameMeta>, CaptureError> {
    let at = Position::Frame(number);
    let Some(record) = input.fixed::<16>(at, "pcap record header")? else {
        return Ok(None);
    };
    let order = header.order;
    let captured = order.u32(&record, 8);
    if captured > MAX_RECORD_LEN {
        return Err(CaptureError::TooLarge {
            at,
            what: "record",
            length: u64::from(captured),
        });
    }
    input.buf.clear();
    input.record(at, "record", u64::from(captured), 0)?;
    let (per_second, nanos_per_unit) = if header.nanosecond {
        (1_000_000_000, 1)
    } else {
        (1_000_000, 1_000)
    };
    let (seconds, fraction) = (order.u32(&record, 0), order.u32(&record, 4));
    Ok(Some(FrameMeta {
        timestamp: Timestamp {
            seconds: u64::from(seconds) + u64::from(fraction / per_second),
            nanoseconds: (fraction % per_second) * nanos_per_unit,
        },
        time_digits: if header.nanosecond { 9 } else { 6 },
        link_type: header.link_type,
        interface: 0,
        data: 0..input.buf.len(),
        original_len: order.u32(&record, 12),
    }))
}
