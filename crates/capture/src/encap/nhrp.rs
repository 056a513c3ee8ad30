//! NHRP (RFC 2332), which GRE carries in DMVPN (protocol type 0x2001).
//!
//! Two NHRP packets carry another packet after their mandatory part, and
//! tshark dissects both: a Traffic Indication (Cisco's operation type 8)
//! carries the IP packet that caused it, of the protocol type the fixed
//! header names, and an Error Indication (type 7) the NHRP packet in error.
//! Those are followed; every other NHRP packet ends the walk.

use super::ethernet;
use super::{Layer, Next, Step, Stop, be16};

/// An Error Indication: its payload is the NHRP packet in error.
pub(super) const ERROR_INDICATION: u8 = 7;
/// Cisco's Traffic Indication: its payload is the packet that caused it.
pub(super) const TRAFFIC_INDICATION: u8 = 8;
/// The fixed header's length.
const FIXED_LEN: usize = 20;
/// The mandatory part's fields before its addresses: source and destination
/// protocol address lengths, then flags and request id (requests and
/// replies), or unused, error code and error offset (Error Indication).
const COMMON_LEN: usize = 8;
/// NLPIDs (ISO/IEC TR 9577) a short-form protocol type may be.
const NLPID_IPV4: u16 = 0xcc;
const NLPID_IPV6: u16 = 0x8e;
/// Protocol types from here on are ethertypes.
const FIRST_ETHERTYPE: u16 = 0x0600;

/// The length of an NHRP address from its type/length octet (`shtl`,
/// `sstl`): the low six bits.
fn address_len(type_len: u8) -> usize {
    usize::from(type_len & 0x3f)
}

/// An NHRP packet: its fixed header, then, for an Error or Traffic
/// Indication, the mandatory part up to the packet it carries.
pub(super) fn packet<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    const TRUNCATED: Stop = Stop::Malformed("NHRP mandatory part truncated");
    let (Some(fixed), Some(protocol)) = (data.get(..FIXED_LEN), be16(data, 2)) else {
        return Err(Stop::Malformed("NHRP fixed header truncated"));
    };
    let size = usize::from(u16::from_be_bytes([fixed[10], fixed[11]]));
    let ext_offset = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let (op_type, shtl, sstl) = (fixed[17], fixed[18], fixed[19]);
    if size < FIXED_LEN || (ext_offset != 0 && !(FIXED_LEN..=size).contains(&ext_offset)) {
        // tshark stops at such a header too.
        return Err(Stop::Malformed(
            "NHRP packet size or extension offset invalid",
        ));
    }
    let mandatory = &data[FIXED_LEN..];
    path.push(Layer::Nhrp {
        op_type,
        protocol,
        error: be16(mandatory, 4).filter(|_| op_type == ERROR_INDICATION),
    });
    // The mandatory part ends at the extensions, or with the packet; tshark
    // reads none when it is empty.
    let mandatory_len = if ext_offset == 0 { size } else { ext_offset } - FIXED_LEN;
    if !matches!(op_type, ERROR_INDICATION | TRAFFIC_INDICATION) || mandatory_len == 0 {
        return Ok(Next::End);
    }
    let (Some(&src_len), Some(&dst_len)) = (mandatory.first(), mandatory.get(1)) else {
        return Err(TRUNCATED);
    };
    let addresses =
        address_len(shtl) + address_len(sstl) + usize::from(src_len) + usize::from(dst_len);
    // What follows the addresses is the carried packet, to the end of the
    // data as tshark takes it (an IP packet is cut to its own length).
    let carried = mandatory.get(COMMON_LEN + addresses..).ok_or(TRUNCATED)?;
    if op_type == ERROR_INDICATION {
        return Ok(Next::Nhrp(carried));
    }
    match protocol {
        NLPID_IPV4 => Ok(Next::Ip(carried, Some(4))),
        NLPID_IPV6 => Ok(Next::Ip(carried, Some(6))),
        t if t >= FIRST_ETHERTYPE => ethernet::ethertype(t, carried, path),
        _ => Ok(Next::End),
    }
}
