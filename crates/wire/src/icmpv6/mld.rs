//! Multicast Listener Discovery: MLD version 1 (RFC 2710) and MLDv2 (RFC 3810).
//!
//! ```text
//! MLD version 1 Query (130), Report (131), Done (132): 24 bytes
//! | type | code |        checksum        |
//! | maximum response delay | reserved    |
//! |      multicast address (16)          |
//!
//! MLDv2 Query (130, 28 bytes or more)
//! | 130 | code |          checksum        |
//! | maximum response code  |   reserved   |
//! |      multicast address (16)           |
//! | Resv |S| QRV | QQIC | number of sources (N) |
//! |      N source addresses (16 each)     |
//!
//! MLDv2 Report (143)
//! | 143 | code | checksum | reserved (16) | number of records (M) |
//! M records: | type | aux data len (32-bit words) | number of sources (N) |
//!            | multicast address (16) | N sources (16 each) | aux data |
//! ```
//!
//! A Query of 24 bytes is MLD version 1, of 28 or more MLDv2; RFC 3810 §8.1 has
//! other lengths ignored, so they are malformed here.

use core::net::Ipv6Addr;

use super::packet::{addr_at, flag, invalid, set_addr};
use super::{Ipv6Addresses, Packet};
use crate::error::{Malformed, Result};
use crate::field as f;
use crate::icmp::number_enum;

/// Byte offsets of the MLD fields.
mod field {
    pub const MAX_RESPONSE: usize = 4;
    pub const MULTICAST_ADDRESS: usize = 8;
    pub const S_QRV: usize = 24;
    pub const QQIC: usize = 25;
    pub const NUM_SOURCES: usize = 26;
    pub const SOURCES: usize = 28;
    pub const NUM_RECORDS: usize = 6;
    pub const RECORDS: usize = 8;
}

/// The length of every MLD version 1 message.
pub const V1_LEN: usize = 24;
/// The fixed part of an MLDv2 Query, before the sources.
pub const V2_QUERY_FIXED_LEN: usize = field::SOURCES;
/// The fixed part of an MLDv2 Report, before the records.
pub const V2_REPORT_FIXED_LEN: usize = field::RECORDS;
/// The fixed part of a multicast address record, before the sources.
pub const RECORD_FIXED_LEN: usize = 20;

/// The S flag: routers suppress their timer updates (RFC 3810 §5.1.7).
pub const SUPPRESS_ROUTER_PROCESSING: u8 = 0x08;

/// MLD accessors. Each reads a field of one message type and may panic on a
/// buffer shorter than that type's fixed part, which
/// [`Packet::new_checked`] rules out for packets of that type.
impl<T: AsRef<[u8]>> Packet<T> {
    /// MLD Query/Report/Done: the Maximum Response Delay (MLD version 1, ms) or
    /// Maximum Response Code (MLDv2, see [`max_response_delay_ms`]).
    pub fn max_response(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::MAX_RESPONSE)
    }

    /// MLD Query/Report/Done: the multicast address.
    pub fn multicast_addr(&self) -> Ipv6Addr {
        addr_at(self.as_bytes(), field::MULTICAST_ADDRESS)
    }

    /// MLDv2 Query: the byte holding the S flag and QRV.
    pub fn s_qrv(&self) -> u8 {
        self.as_bytes()[field::S_QRV]
    }

    /// MLDv2 Query: the Querier's Query Interval Code.
    pub fn qqic(&self) -> u8 {
        self.as_bytes()[field::QQIC]
    }

    /// MLDv2 Query: the number of sources.
    pub fn num_sources(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::NUM_SOURCES)
    }

    /// MLDv2 Report: the number of multicast address records.
    pub fn num_records(&self) -> u16 {
        f::u16_at(self.as_bytes(), field::NUM_RECORDS)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the maximum response delay or code and clears the reserved bytes.
    pub fn set_max_response(&mut self, value: u16) {
        let [a, b] = value.to_be_bytes();
        self.set_rest_of_header([a, b, 0, 0]);
    }

    /// Sets the multicast address.
    pub fn set_multicast_addr(&mut self, value: Ipv6Addr) {
        set_addr(self.tail_mut(0), field::MULTICAST_ADDRESS, value);
    }

    /// MLDv2 Query: sets the S/QRV byte.
    pub fn set_s_qrv(&mut self, value: u8) {
        self.tail_mut(0)[field::S_QRV] = value;
    }

    /// MLDv2 Query: sets the QQIC.
    pub fn set_qqic(&mut self, value: u8) {
        self.tail_mut(0)[field::QQIC] = value;
    }

    /// MLDv2 Query: sets the number of sources.
    pub fn set_num_sources(&mut self, value: u16) {
        f::set_u16(self.tail_mut(0), field::NUM_SOURCES, value);
    }

    /// MLDv2 Report: sets the number of records and clears the reserved bytes.
    pub fn set_num_records(&mut self, value: u16) {
        let [a, b] = value.to_be_bytes();
        self.set_rest_of_header([0, 0, a, b]);
    }
}

/// The delay in milliseconds an MLDv2 Maximum Response Code stands for
/// (RFC 3810 §5.1.3: values from 32768 on are a floating-point encoding).
pub const fn max_response_delay_ms(code: u16) -> u32 {
    if code < 0x8000 {
        code as u32
    } else {
        let mant = (code & 0x0fff) as u32;
        let exp = ((code >> 12) & 0x7) as u32;
        (mant | 0x1000) << (exp + 3)
    }
}

/// An MLDv2 Query (RFC 3810 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct V2Query<'a> {
    /// Maximum Response Code (see [`max_response_delay_ms`]).
    pub max_response_code: u16,
    /// The group queried (unspecified for a general query).
    pub multicast_address: Ipv6Addr,
    /// S: suppress router-side processing.
    pub suppress_router_processing: bool,
    /// QRV: the querier's robustness variable (3 bits).
    pub robustness: u8,
    /// QQIC: the querier's query interval code.
    pub qqic: u8,
    /// The sources queried.
    pub sources: Ipv6Addresses<'a>,
}

impl<'a> V2Query<'a> {
    /// Parses an MLDv2 Query from a whole message (28 bytes or more).
    pub(crate) fn parse(msg: &'a [u8]) -> Result<Self> {
        let fixed = msg.get(..V2_QUERY_FIXED_LEN).ok_or(Malformed::Truncated {
            what: "ICMPv6 MLDv2 Query",
            needed: V2_QUERY_FIXED_LEN,
            available: msg.len(),
        })?;
        let n = usize::from(f::u16_at(fixed, field::NUM_SOURCES));
        let sources = msg[V2_QUERY_FIXED_LEN..]
            .get(..n * 16)
            .ok_or(Malformed::Overrun {
                what: "ICMPv6 MLDv2 Query",
                field: "number of sources",
                claimed: n * 16,
                available: msg.len() - V2_QUERY_FIXED_LEN,
            })?;
        Ok(Self {
            max_response_code: f::u16_at(fixed, field::MAX_RESPONSE),
            multicast_address: addr_at(fixed, field::MULTICAST_ADDRESS),
            suppress_router_processing: fixed[field::S_QRV] & SUPPRESS_ROUTER_PROCESSING != 0,
            robustness: fixed[field::S_QRV] & 0x07,
            qqic: fixed[field::QQIC],
            sources: Ipv6Addresses::new(sources),
        })
    }

    /// The message length.
    pub(crate) const fn buffer_len(&self) -> usize {
        V2_QUERY_FIXED_LEN + self.sources.len() * 16
    }

    /// Writes the fields after the type/code/checksum; `packet` is
    /// [`V2Query::buffer_len`] bytes long.
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_max_response(self.max_response_code);
        packet.set_multicast_addr(self.multicast_address);
        packet.set_s_qrv(
            flag(self.suppress_router_processing, SUPPRESS_ROUTER_PROCESSING)
                | (self.robustness & 0x07),
        );
        packet.set_qqic(self.qqic);
        let n = self.sources.len();
        packet.set_num_sources(u16::try_from(n).unwrap_or(u16::MAX));
        packet
            .tail_mut(V2_QUERY_FIXED_LEN)
            .copy_from_slice(&self.sources.as_bytes()[..n * 16]);
    }
}

/// An MLDv2 Report (RFC 3810 §5.2): its multicast address records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct V2Report<'a> {
    /// The records.
    pub records: Records<'a>,
}

impl<'a> V2Report<'a> {
    /// Parses an MLDv2 Report from a whole message.
    pub(crate) fn parse(msg: &'a [u8]) -> Result<Self> {
        let count = f::get_u16(msg, field::NUM_RECORDS).ok_or(Malformed::Truncated {
            what: "ICMPv6 MLDv2 Report",
            needed: V2_REPORT_FIXED_LEN,
            available: msg.len(),
        })?;
        let records = Records::new(msg.get(field::RECORDS..).unwrap_or(&[]), count)?;
        Ok(Self { records })
    }
}

number_enum! {
    /// The type of a multicast address record (RFC 3810 §5.2.12).
    pub enum RecordType {
        /// 1: `MODE_IS_INCLUDE`, current state.
        ModeIsInclude = 1,
        /// 2: `MODE_IS_EXCLUDE`, current state.
        ModeIsExclude = 2,
        /// 3: `CHANGE_TO_INCLUDE_MODE`, filter mode change.
        ChangeToInclude = 3,
        /// 4: `CHANGE_TO_EXCLUDE_MODE`, filter mode change.
        ChangeToExclude = 4,
        /// 5: `ALLOW_NEW_SOURCES`, source list change.
        AllowNewSources = 5,
        /// 6: `BLOCK_OLD_SOURCES`, source list change.
        BlockOldSources = 6,
    }
}

/// The multicast address records of an MLDv2 Report: `count` records whose
/// lengths were checked against the bytes by [`Records::new`]. Bytes after
/// the last record are kept in [`Records::as_bytes`] but not iterated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Records<'a> {
    bytes: &'a [u8],
    count: u16,
}

impl<'a> Records<'a> {
    /// Checks that `count` records fit in `bytes`, each with its sources and
    /// auxiliary data.
    pub fn new(bytes: &'a [u8], count: u16) -> Result<Self> {
        let mut rest = bytes;
        for _ in 0..count {
            let (_, tail) = split_record(rest)?;
            rest = tail;
        }
        Ok(Self { bytes, count })
    }

    /// The raw bytes after the report's header.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The number of records.
    pub const fn count(&self) -> u16 {
        self.count
    }

    /// The records in order.
    pub fn iter(&self) -> impl Iterator<Item = Record<'a>> + 'a {
        let mut rest = self.bytes;
        (0..self.count).map_while(move |_| {
            let (record, tail) = split_record(rest).ok()?;
            rest = tail;
            Some(record)
        })
    }
}

/// Divides the first record from the rest, checking its lengths.
fn split_record(bytes: &[u8]) -> Result<(Record<'_>, &[u8])> {
    const WHAT: &str = "MLDv2 multicast address record";
    let fixed = bytes.get(..RECORD_FIXED_LEN).ok_or(Malformed::Truncated {
        what: WHAT,
        needed: RECORD_FIXED_LEN,
        available: bytes.len(),
    })?;
    let aux_len = usize::from(fixed[1]) * 4;
    let sources_len = usize::from(f::u16_at(fixed, 2)) * 16;
    let body = &bytes[RECORD_FIXED_LEN..];
    if sources_len + aux_len > body.len() {
        return Err(Malformed::Overrun {
            what: WHAT,
            field: if sources_len > body.len() {
                "number of sources"
            } else {
                "aux data len"
            },
            claimed: sources_len + aux_len,
            available: body.len(),
        });
    }
    let (sources, body) = body.split_at(sources_len);
    let (aux_data, rest) = body.split_at(aux_len);
    let record = Record {
        record_type: RecordType::from(fixed[0]),
        multicast_address: addr_at(fixed, 4),
        sources: Ipv6Addresses::new(sources),
        aux_data,
    };
    Ok((record, rest))
}

/// One multicast address record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Record<'a> {
    /// The record type.
    pub record_type: RecordType,
    /// The multicast address the record is about.
    pub multicast_address: Ipv6Addr,
    /// The source addresses.
    pub sources: Ipv6Addresses<'a>,
    /// Auxiliary data (a whole number of 32-bit words).
    pub aux_data: &'a [u8],
}

impl Record<'_> {
    /// The bytes [`Record::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        RECORD_FIXED_LEN + self.sources.len() * 16 + self.aux_data.len() / 4 * 4
    }

    /// Writes the record into the start of `out`, which must hold
    /// [`Record::buffer_len`] bytes, and returns the bytes written. Auxiliary
    /// data is cut to whole 32-bit words.
    pub fn emit(&self, out: &mut [u8]) -> usize {
        let aux = &self.aux_data[..self.aux_data.len() / 4 * 4];
        let sources = &self.sources.as_bytes()[..self.sources.len() * 16];
        out[0] = self.record_type.into();
        out[1] = u8::try_from(aux.len() / 4).unwrap_or(u8::MAX);
        f::set_u16(
            out,
            2,
            u16::try_from(self.sources.len()).unwrap_or(u16::MAX),
        );
        set_addr(out, 4, self.multicast_address);
        let at = RECORD_FIXED_LEN;
        out[at..at + sources.len()].copy_from_slice(sources);
        let at = at + sources.len();
        out[at..at + aux.len()].copy_from_slice(aux);
        at + aux.len()
    }
}

/// Writes `records` back to back into `out` (the bytes after an MLDv2
/// Report's header) and returns the bytes written.
pub fn emit_records(records: &[Record<'_>], out: &mut [u8]) -> usize {
    records
        .iter()
        .fold(0, |at, record| at + record.emit(&mut out[at..]))
}

/// Checks the length of an MLD Query: 24 (MLD version 1) or at least 28 (MLDv2).
pub(crate) fn check_query_len(len: usize) -> Result<()> {
    if len == V1_LEN || len >= V2_QUERY_FIXED_LEN {
        Ok(())
    } else {
        Err(invalid(
            "ICMPv6 Multicast Listener Query",
            "length",
            u32::try_from(len).unwrap_or(u32::MAX),
            "is neither 24 (MLDv1) nor at least 28 (MLDv2) (RFC 3810 §8.1)",
        ))
    }
}
