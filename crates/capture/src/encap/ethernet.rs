//! Ethernet frames and what an ethertype announces: IP, VLAN tags, MPLS,
//! MACsec, and bridged Ethernet.

use super::{Layer, Next, Step, Stop, be16, be32};

use crate::ethertypes::{IPV4 as ETHERTYPE_IPV4, IPV6 as ETHERTYPE_IPV6, VLAN as ETHERTYPE_VLAN};

const ETHERTYPE_MPLS: [u16; 2] = [0x8847, 0x8848];
const ETHERTYPE_MACSEC: u16 = 0x88e5;
/// Transparent Ethernet bridging: an Ethernet frame (in GRE and Geneve).
const ETHERTYPE_BRIDGED: u16 = 0x6558;
/// The length of a MACsec integrity check value (the default cipher suites').
const MACSEC_ICV_LEN: usize = 16;

/// Whether `ethertype` names framing rather than a tunnel: IP itself, or a
/// VLAN tag.
pub(super) fn is_framing(ethertype: u16) -> bool {
    ethertype == ETHERTYPE_IPV4
        || ethertype == ETHERTYPE_IPV6
        || ETHERTYPE_VLAN.contains(&ethertype)
}

/// An Ethernet II frame: its ethertype and payload.
pub(super) fn frame(data: &[u8]) -> Step<'_> {
    match (be16(data, 12), data.get(14..)) {
        (Some(ethertype), Some(payload)) => Ok(Next::Ethertype(ethertype, payload)),
        _ => Err(Stop::Malformed("Ethernet header truncated")),
    }
}

/// A payload of type `ethertype`: followed when it is IP or a known
/// encapsulation, the end of the walk otherwise.
pub(super) fn ethertype<'a>(ethertype: u16, data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    match ethertype {
        ETHERTYPE_IPV4 => Ok(Next::Ip(data, Some(4))),
        ETHERTYPE_IPV6 => Ok(Next::Ip(data, Some(6))),
        ETHERTYPE_BRIDGED => Ok(Next::Ethernet(data)),
        ETHERTYPE_MACSEC => macsec(data, path),
        t if ETHERTYPE_MPLS.contains(&t) => Ok(Next::Mpls(data)),
        t if ETHERTYPE_VLAN.contains(&t) => {
            let (Some(tci), Some(inner), Some(payload)) =
                (be16(data, 0), be16(data, 2), data.get(4..))
            else {
                return Err(Stop::Malformed("VLAN tag truncated"));
            };
            path.push(Layer::Vlan {
                tpid: t,
                id: tci & 0x0fff,
                pcp: u8::try_from(tci >> 13).unwrap_or(0),
            });
            Ok(Next::Ethertype(inner, payload))
        }
        _ => Ok(Next::End),
    }
}

/// A MACsec `SecTAG`: TCI/AN, short length, packet number, and the secure
/// channel identifier when the SC bit is set. An integrity-only frame's
/// payload (its ethertype and data, then the ICV) is followed; an encrypted
/// one ends the walk.
fn macsec<'a>(data: &'a [u8], path: &mut Vec<Layer>) -> Step<'a> {
    const SC: u8 = 0x20;
    const ENCRYPTED: u8 = 0x08;
    const CHANGED: u8 = 0x04;
    let Some(&tci) = data.first() else {
        return Err(Stop::Malformed("MACsec SecTAG truncated"));
    };
    let tag_len = if tci & SC == 0 { 6 } else { 14 };
    let (Some(pn), Some(payload)) = (be32(data, 2), data.get(tag_len..)) else {
        return Err(Stop::Malformed("MACsec SecTAG truncated"));
    };
    let sci = if tci & SC == 0 {
        None
    } else {
        data.get(6..14)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    };
    path.push(Layer::Macsec {
        an: tci & 0x03,
        pn,
        sci,
    });
    if tci & (ENCRYPTED | CHANGED) != 0 {
        return Err(Stop::Encrypted);
    }
    let protected = payload
        .len()
        .checked_sub(MACSEC_ICV_LEN)
        .and_then(|end| payload.get(..end));
    match protected.and_then(|p| Some((be16(p, 0)?, p.get(2..)?))) {
        Some((inner, rest)) => Ok(Next::Ethertype(inner, rest)),
        None => Err(Stop::Malformed("MACsec frame truncated")),
    }
}
