//! pcapng files: sections of blocks, each framed the same way.
//!
//! ```text
//! every block                      Enhanced Packet Block body
//! +----------------------------+   +-----------------------------------+
//! | block type             u32 |   | interface id                  u32 |
//! | block total length     u32 |   | timestamp (high 32 bits)      u32 |
//! | body ... (padded to 4)     |   | timestamp (low 32 bits)       u32 |
//! | block total length     u32 |   | captured length               u32 |
//! +----------------------------+   | original length               u32 |
//!                                  | packet data ... (padded to 4)     |
//! Section Header Block body        | options ...                       |
//! +----------------------------+   +-----------------------------------+
//! | byte-order magic 1A2B3C4D  |
//! | major u16 | minor u16      |   Interface Description Block body
//! | section length         i64 |   +-----------------------------------+
//! | options ...                |   | link type u16 | reserved u16      |
//! +----------------------------+   | snap length                   u32 |
//!                                  | options (if_tsresol, if_tsoffset) |
//! Simple Packet Block body         +-----------------------------------+
//! +----------------------------+
//! | original length        u32 |   The obsolete Packet Block is an
//! | packet data ...            |   Enhanced Packet Block whose interface
//! +----------------------------+   id is u16 followed by a u16 drop count.
//! ```

use std::io::Read;

use super::{ByteOrder, FrameMeta, Input, MAX_RECORD_LEN};
use crate::error::{CaptureError, Position};
use crate::frame::Timestamp;
use crate::link::LinkType;

/// The Section Header Block's type, the same in either byte order.
pub(super) const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const PACKET_BLOCK: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const OPT_END: u16 = 0;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;
/// The smallest Section Header Block: header, magic, versions, section length, trailer.
const MIN_SHB_LEN: u32 = 28;
const TOO_SHORT: &str = "is too short for the block's fixed fields";

fn block_name(block_type: u32) -> &'static str {
    match block_type {
        SHB => "Section Header Block",
        IDB => "Interface Description Block",
        PACKET_BLOCK => "Packet Block",
        SPB => "Simple Packet Block",
        4 => "Name Resolution Block",
        5 => "Interface Statistics Block",
        EPB => "Enhanced Packet Block",
        _ => "pcapng block",
    }
}

/// The most interfaces one section may describe: each costs memory for the
/// rest of the section, so a file of nothing but Interface Description
/// Blocks would otherwise grow without bound (a capture of every interface
/// of a large router has hundreds).
pub const MAX_INTERFACES: usize = 65_536;

/// One interface described in the current section.
#[derive(Debug)]
struct Interface {
    link_type: LinkType,
    snap_len: u32,
    /// Timestamp units per second (from `if_tsresol`; 10^6 by default).
    units_per_second: u128,
    /// Seconds to add to every timestamp (`if_tsoffset`).
    offset_seconds: i64,
}

impl Interface {
    /// The decimal digits its resolution shows: 6 for microseconds, 9 for
    /// nanoseconds (at most 9; 7 for 2^-20 seconds).
    fn time_digits(&self) -> u8 {
        let mut digits = 0;
        let mut n = self.units_per_second.saturating_sub(1);
        while n > 0 && digits < 9 {
            n /= 10;
            digits += 1;
        }
        digits
    }

    fn timestamp(&self, units: u64) -> Timestamp {
        let units = u128::from(units);
        let whole = u64::try_from(units / self.units_per_second).unwrap_or(u64::MAX);
        let nanos = units % self.units_per_second * 1_000_000_000 / self.units_per_second;
        let seconds = whole
            .checked_add_signed(self.offset_seconds)
            .unwrap_or(if self.offset_seconds < 0 { 0 } else { u64::MAX });
        Timestamp {
            seconds,
            nanoseconds: u32::try_from(nanos).unwrap_or(0),
        }
    }
}

/// The state of the section being read.
#[derive(Debug, Default)]
pub(super) struct Section {
    order: ByteOrder,
    interfaces: Vec<Interface>,
}

/// Checks a block's total length before anything is read for it.
fn check_total(at: Position, what: &'static str, total: u32, min: u32) -> Result<(), CaptureError> {
    let invalid = |rule| CaptureError::Invalid {
        at,
        what,
        field: "block total length",
        value: u64::from(total),
        rule,
    };
    if total > MAX_RECORD_LEN {
        Err(CaptureError::TooLarge {
            at,
            what,
            length: u64::from(total),
        })
    } else if total < min {
        Err(invalid(TOO_SHORT))
    } else if !total.is_multiple_of(4) {
        Err(invalid("is not a multiple of 4"))
    } else {
        Ok(())
    }
}

/// Splits the buffer (body then trailing length) into the body, checking the
/// trailing length matches the leading one.
fn body<'b>(
    buf: &'b [u8],
    order: ByteOrder,
    at: Position,
    what: &'static str,
    total: u32,
) -> Result<&'b [u8], CaptureError> {
    let (body, trailer) = buf
        .split_at_checked(buf.len().saturating_sub(4))
        .unwrap_or_default();
    let trailing = order.u32(trailer, 0);
    if trailing == total {
        Ok(body)
    } else {
        Err(CaptureError::Invalid {
            at,
            what,
            field: "trailing block total length",
            value: u64::from(trailing),
            rule: "differs from the leading one",
        })
    }
}

/// Reads a Section Header Block whose first 8 bytes are `header`, and starts
/// a new section.
pub(super) fn read_section_header<R: Read>(
    input: &mut Input<R>,
    section: &mut Section,
    at: Position,
    header: [u8; 8],
) -> Result<(), CaptureError> {
    let what = block_name(SHB);
    let magic: [u8; 4] = input.exact(at, what, 8)?;
    let order = if u32::from_be_bytes(magic) == BYTE_ORDER_MAGIC {
        ByteOrder::Big
    } else if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC {
        ByteOrder::Little
    } else {
        return Err(CaptureError::Invalid {
            at,
            what,
            field: "byte-order magic",
            value: u64::from(u32::from_be_bytes(magic)),
            rule: "is neither 0x1a2b3c4d nor 0x4d3c2b1a",
        });
    };
    let total = order.u32(&header, 4);
    check_total(at, what, total, MIN_SHB_LEN)?;
    input.buf.clear();
    input.record(at, what, u64::from(total) - 12, 12)?;
    let body = body(&input.buf, order, at, what, total)?;
    let (major, minor) = (order.u16(body, 0), order.u16(body, 2));
    if major != 1 {
        return Err(CaptureError::UnsupportedVersion {
            format: "pcapng",
            major,
            minor,
        });
    }
    section.order = order;
    section.interfaces.clear();
    Ok(())
}

/// Reads blocks until the one holding frame `number`; `None` at a clean end
/// of file.
pub(super) fn next<R: Read>(
    input: &mut Input<R>,
    section: &mut Section,
    number: u64,
) -> Result<Option<FrameMeta>, CaptureError> {
    let before = Position::BeforeFrame(number);
    // Each pass consumes at least 12 bytes of the source, so this ends.
    loop {
        let Some(header) = input.fixed::<8>(before, "pcapng block header")? else {
            return Ok(None);
        };
        let block_type = section.order.u32(&header, 0);
        if block_type == SHB {
            read_section_header(input, section, before, header)?;
            continue;
        }
        let what = block_name(block_type);
        let total = section.order.u32(&header, 4);
        let at = match block_type {
            PACKET_BLOCK | SPB | EPB => Position::Frame(number),
            _ => before,
        };
        check_total(at, what, total, 12)?;
        if !matches!(block_type, IDB | PACKET_BLOCK | SPB | EPB) {
            input.skip(at, what, u64::from(total) - 8, 8)?;
            continue;
        }
        input.buf.clear();
        input.record(at, what, u64::from(total) - 8, 8)?;
        let body = body(&input.buf, section.order, at, what, total)?;
        let block = Block {
            at,
            what,
            total,
            order: section.order,
        };
        match block_type {
            IDB if section.interfaces.len() >= MAX_INTERFACES => {
                // The rule below is a static text: it says the number.
                const _: () = assert!(MAX_INTERFACES == 65_536);
                return Err(block.invalid(
                    "interface id",
                    u64::try_from(section.interfaces.len()).unwrap_or(u64::MAX),
                    "exceeds the limit of 65536 interfaces a section may describe",
                ));
            }
            IDB => section.interfaces.push(block.interface_description(body)?),
            SPB => return block.simple_packet(body, &section.interfaces).map(Some),
            _ => {
                return block
                    .packet(body, &section.interfaces, block_type == EPB)
                    .map(Some);
            }
        }
    }
}

/// The block being parsed, for its fields and error messages.
struct Block {
    at: Position,
    what: &'static str,
    total: u32,
    order: ByteOrder,
}

impl Block {
    fn invalid(&self, field: &'static str, value: u64, rule: &'static str) -> CaptureError {
        CaptureError::Invalid {
            at: self.at,
            what: self.what,
            field,
            value,
            rule,
        }
    }

    fn too_short(&self) -> CaptureError {
        self.invalid("block total length", u64::from(self.total), TOO_SHORT)
    }

    fn interface<'s>(
        &self,
        id: u32,
        interfaces: &'s [Interface],
    ) -> Result<&'s Interface, CaptureError> {
        usize::try_from(id)
            .ok()
            .and_then(|i| interfaces.get(i))
            .ok_or_else(|| {
                self.invalid(
                    "interface id",
                    u64::from(id),
                    "has no Interface Description Block in this section",
                )
            })
    }

    /// Parses an Interface Description Block body.
    fn interface_description(&self, body: &[u8]) -> Result<Interface, CaptureError> {
        if body.len() < 8 {
            return Err(self.too_short());
        }
        let mut interface = Interface {
            link_type: LinkType::from_code(u32::from(self.order.u16(body, 0))),
            snap_len: self.order.u32(body, 4),
            units_per_second: 1_000_000,
            offset_seconds: 0,
        };
        // Options are walked leniently: a malformed one ends the walk.
        let mut options = body.get(8..).unwrap_or_default();
        while options.len() >= 4 {
            let code = self.order.u16(options, 0);
            let len = usize::from(self.order.u16(options, 2));
            let Some(value) = options.get(4..4 + len) else {
                break;
            };
            match (code, value) {
                (OPT_END, _) => break,
                (IF_TSRESOL, &[resolution]) => {
                    interface.units_per_second = units_per_second(resolution).ok_or_else(|| {
                        self.invalid(
                            "if_tsresol",
                            u64::from(resolution),
                            "is finer than this reader can represent",
                        )
                    })?;
                }
                (IF_TSOFFSET, [_, _, _, _, _, _, _, _]) => {
                    interface.offset_seconds = self.order.i64(value, 0);
                }
                _ => {}
            }
            options = options
                .get(4 + len.next_multiple_of(4)..)
                .unwrap_or_default();
        }
        Ok(interface)
    }

    /// Parses an Enhanced Packet Block (or obsolete Packet Block) body.
    fn packet(
        &self,
        body: &[u8],
        interfaces: &[Interface],
        enhanced: bool,
    ) -> Result<FrameMeta, CaptureError> {
        const DATA: usize = 20;
        if body.len() < DATA {
            return Err(self.too_short());
        }
        let id = if enhanced {
            self.order.u32(body, 0)
        } else {
            u32::from(self.order.u16(body, 0))
        };
        let interface = self.interface(id, interfaces)?;
        let units = u64::from(self.order.u32(body, 4)) << 32 | u64::from(self.order.u32(body, 8));
        let captured = self.order.u32(body, 12);
        let end = usize::try_from(captured)
            .ok()
            .and_then(|len| DATA.checked_add(len))
            .filter(|&end| end <= body.len())
            .ok_or_else(|| {
                self.invalid(
                    "captured length",
                    u64::from(captured),
                    "runs past the end of the block",
                )
            })?;
        Ok(FrameMeta {
            timestamp: interface.timestamp(units),
            time_digits: interface.time_digits(),
            link_type: interface.link_type,
            interface: id,
            data: DATA..end,
            original_len: self.order.u32(body, 16),
        })
    }

    /// Parses a Simple Packet Block body (interface 0, no timestamp).
    fn simple_packet(
        &self,
        body: &[u8],
        interfaces: &[Interface],
    ) -> Result<FrameMeta, CaptureError> {
        const DATA: usize = 4;
        if body.len() < DATA {
            return Err(self.too_short());
        }
        let interface = self.interface(0, interfaces)?;
        let original_len = self.order.u32(body, 0);
        let mut captured =
            (body.len() - DATA).min(usize::try_from(original_len).unwrap_or(usize::MAX));
        if let Ok(snap_len @ 1..) = usize::try_from(interface.snap_len) {
            captured = captured.min(snap_len);
        }
        Ok(FrameMeta {
            timestamp: Timestamp::default(),
            time_digits: interface.time_digits(),
            link_type: interface.link_type,
            interface: 0,
            data: DATA..DATA + captured,
            original_len,
        })
    }
}

/// Timestamp units per second for an `if_tsresol` value: 10^-n seconds, or
/// 2^-n when the top bit is set; `None` when that does not fit in a `u128`.
fn units_per_second(resolution: u8) -> Option<u128> {
    let exponent = u32::from(resolution & 0x7f);
    if resolution & 0x80 == 0 {
        10u128.checked_pow(exponent)
    } else {
        1u128.checked_shl(exponent)
    }
}
