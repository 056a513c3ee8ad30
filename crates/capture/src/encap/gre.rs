//! GRE (RFC 2784, RFC 2890, and RFC 1701's source routes) and ERSPAN, which
//! GRE carries (as it does NHRP: see `nhrp`).

use super::ethernet;
use super::{Layer, Next, Step, Stop, be16, be32};
use crate::link;

const CHECKSUM: u16 = 0x8000;
const ROUTING: u16 = 0x4000;
const KEY: u16 = 0x2000;
const SEQUENCE: u16 = 0x1000;
const VERSION: u16 = 0x0007;
/// Enhanced GRE's acknowledgment number present bit.
const ACK: u16 = 0x0080;
/// PPP, which PPTP's enhanced GRE carries.
const PROTO_PPP: u16 = 0x880b;
const TRUNCATED: Stop = Stop::Malformed("GRE header truncated");
/// ERSPAN types I (no sequence number) and II.
const PROTO_ERSPAN: u16 = 0x88be;
/// ERSPAN type III.
const PROTO_ERSPAN3: u16 = 0x22eb;
/// NHRP (RFC 2332), as DMVPN carries it.
const PROTO_NHRP: u16 = 0x2001;
/// Most source route entries walked.
const MAX_SOURCE_ROUTES: usize = 16;

/// A GRE header, then its payload by protocol type. Version 1 is PPTP's
/// enhanced GRE (see [`pptp`]); other versions end the walk.
pub(super) fn header<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let (Some(flags), Some(protocol)) = (be16(data, 0), be16(data, 2)) else {
        return Err(TRUNCATED);
    };
    match flags & VERSION {
        0 => {}
        1 => return pptp(data, flags, protocol, path),
        _ => return Ok(Next::End),
    }
    let mut at = 4;
    let mut field = |present: bool| -> Result<Option<u32>, Stop> {
        if !present {
            return Ok(None);
        }
        let value = be32(data, at).ok_or(TRUNCATED)?;
        at += 4;
        Ok(Some(value))
    };
    let checksum = field(flags & (CHECKSUM | ROUTING) != 0)?
        .filter(|_| flags & CHECKSUM != 0)
        .map(|v| u16::try_from(v >> 16).unwrap_or_default());
    let key = field(flags & KEY != 0)?;
    let sequence = field(flags & SEQUENCE != 0)?;
    if flags & ROUTING != 0 {
        at = source_routes(data, at).ok_or(TRUNCATED)?;
    }
    path.push(Layer::Gre {
        version: 0,
        protocol,
        checksum,
        key,
        sequence,
        call_id: None,
    });
    let payload = data.get(at..).ok_or(TRUNCATED)?;
    match protocol {
        PROTO_ERSPAN if sequence.is_none() => {
            path.push(Layer::Erspan {
                version: 1,
                session: None,
                vlan: None,
                platform: None,
            });
            Ok(Next::Ethernet(payload))
        }
        PROTO_ERSPAN | PROTO_ERSPAN3 => erspan(payload, path),
        PROTO_NHRP => Ok(Next::Nhrp(payload)),
        other => ethernet::ethertype(other, payload, path),
    }
}

/// PPTP's enhanced GRE (RFC 2637 §4.1), version 1: the key field is always
/// there (payload length, call id), then a sequence number (S bit) and an
/// acknowledgment number (A bit), then a PPP frame, followed to its IPv4,
/// IPv6 or MPLS payload as a PPP link's is (other PPP protocols, such as
/// compressed or encrypted data, end the walk).
fn pptp<'a>(data: &'a [u8], flags: u16, protocol: u16, path: &mut Vec<Layer>) -> Step<'a> {
    let call_id = be16(data, 6).ok_or(TRUNCATED)?;
    let mut at = 8;
    let sequence = if flags & SEQUENCE == 0 {
        None
    } else {
        at += 4;
        Some(be32(data, 8).ok_or(TRUNCATED)?)
    };
    if flags & ACK != 0 {
        at += 4;
    }
    let payload = data.get(at..).ok_or(TRUNCATED)?;
    path.push(Layer::Gre {
        version: 1,
        protocol,
        checksum: None,
        key: None,
        sequence,
        call_id: Some(call_id),
    });
    if protocol != PROTO_PPP {
        return Ok(Next::End);
    }
    Ok(link::ppp(payload).map_or(Next::End, super::start))
}

/// Where the source route entries starting at `at` end (after the null
/// entry).
fn source_routes(data: &[u8], mut at: usize) -> Option<usize> {
    for _ in 0..MAX_SOURCE_ROUTES {
        let family = be16(data, at)?;
        let len = usize::from(*data.get(at + 3)?);
        at += 4 + len;
        if family == 0 && len == 0 {
            return Some(at);
        }
    }
    None
}

/// The VLAN and session id that start ERSPAN II and III headers.
fn vlan_session(data: &[u8]) -> Option<(u16, u16)> {
    Some((be16(data, 0)? & 0x0fff, be16(data, 2)? & 0x03ff))
}

/// An ERSPAN header with a version field (types II and III, under GRE
/// with a sequence number): the field says which, 1 for type II, 2 for
/// type III, as tshark reads it whichever of the two protocol types GRE
/// names.
fn erspan<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    match data.first().map(|b| b >> 4) {
        None => Err(Stop::Malformed("ERSPAN header truncated")),
        Some(1) => erspan2(data, path),
        Some(2) => erspan3(data, path),
        Some(_) => Err(Stop::Malformed("ERSPAN version unknown")),
    }
}

/// ERSPAN type II: an 8-byte header, then the mirrored Ethernet frame.
fn erspan2<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    let (Some((vlan, session)), Some(frame)) = (vlan_session(data), data.get(8..)) else {
        return Err(Stop::Malformed("ERSPAN header truncated"));
    };
    path.push(Layer::Erspan {
        version: 2,
        session: Some(session),
        vlan: Some(vlan),
        platform: None,
    });
    Ok(Next::Ethernet(frame))
}

/// ERSPAN type III: a 12-byte header, an 8-byte platform-specific
/// sub-header when its O bit is set, then the mirrored frame: Ethernet
/// (frame type 0) or IP (frame type 2).
fn erspan3<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    const TRUNCATED: Stop = Stop::Malformed("ERSPAN III header truncated");
    let (Some((vlan, session)), Some(word)) = (vlan_session(data), be16(data, 10)) else {
        return Err(TRUNCATED);
    };
    let (platform, at) = if word & 1 == 0 {
        (None, 12)
    } else {
        (Some(data.get(12).ok_or(TRUNCATED)? >> 2), 20)
    };
    let frame = data.get(at..).ok_or(TRUNCATED)?;
    path.push(Layer::Erspan {
        version: 3,
        session: Some(session),
        vlan: Some(vlan),
        platform,
    });
    Ok(match (word >> 10) & 0x1f {
        0 => Next::Ethernet(frame),
        2 => Next::Ip(frame, None),
        _ => Next::End,
    })
}
