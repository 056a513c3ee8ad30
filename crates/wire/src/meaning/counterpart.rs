//! The message of the other IP version that reports the same thing: the
//! ICMPv6 Packet Too Big for ICMPv4's Fragmentation Needed, ICMPv4's Host
//! Unreachable for ICMPv6's Address Unreachable, and so on.
//!
//! The pairs are chosen by meaning: two messages pair when a host or
//! router reports the same condition with them. They start from the SIIT
//! translation tables (RFC 7915 §4.2 and §5.2) but are not those tables:
//! a translator must write some code for every input, so its tables also
//! map conditions that differ, and where they do this table keeps the
//! meaning instead. The differences: ICMPv6 No Route (1/0) pairs with
//! Network Unreachable (3/0), not Host Unreachable; Administratively
//! Prohibited (1/1) with Communication Administratively Prohibited (3/13),
//! not Host Prohibited (3/10); Address Unreachable (1/3, a Neighbor
//! Discovery failure, RFC 4443 §3.1) with Host Unreachable (3/1, an ARP
//! failure); Source Route Failed (3/5) with Error in Source Routing Header
//! (1/7); and ICMPv4 codes the tables fold into unrelated ones (Source
//! Host Isolated 3/8, the TOS codes 3/11 and 3/12, Precedence Cutoff 3/15)
//! have no pair unless listed below. ICMPv4's four Redirect codes all pair
//! with ICMPv6's one Redirect. A code without a pair gets none: its type's
//! pair is not given for it.

use super::Found;
use crate::ip::IpVersion;

/// One pairing: an ICMPv4 (type, code) and the ICMPv6 (type, code) that
/// says the same thing; `None` as a code stands for the whole type.
type Pair = ((u8, Option<u8>), (u8, Option<u8>));

/// Pairs that read both ways.
const BOTH_WAYS: &[Pair] = &[
    ((0, None), (129, None)),
    ((3, None), (1, None)),
    ((3, Some(0)), (1, Some(0))),
    ((3, Some(1)), (1, Some(3))),
    ((3, Some(2)), (4, Some(1))),
    ((3, Some(3)), (1, Some(4))),
    ((3, Some(4)), (2, None)),
    ((3, Some(5)), (1, Some(7))),
    ((3, Some(13)), (1, Some(1))),
    ((5, None), (137, None)),
    ((8, None), (128, None)),
    ((9, None), (134, None)),
    ((10, None), (133, None)),
    ((11, None), (3, None)),
    ((11, Some(0)), (3, Some(0))),
    ((11, Some(1)), (3, Some(1))),
    ((12, None), (4, None)),
    ((12, Some(0)), (4, Some(0))),
    ((42, None), (160, None)),
    ((42, Some(0)), (160, Some(0))),
    ((43, None), (161, None)),
    ((43, Some(0)), (161, Some(0))),
    ((43, Some(1)), (161, Some(1))),
    ((43, Some(2)), (161, Some(2))),
    ((43, Some(3)), (161, Some(3))),
    ((43, Some(4)), (161, Some(4))),
];

/// ICMPv4 codes whose ICMPv6 counterpart is shared with another ICMPv4
/// code (listed above), read from ICMPv4 to ICMPv6 only.
const V4_ONLY: &[Pair] = &[
    ((3, Some(6)), (1, Some(0))),
    ((3, Some(7)), (1, Some(3))),
    ((3, Some(9)), (1, Some(1))),
    ((3, Some(10)), (1, Some(1))),
    ((3, Some(11)), (1, Some(0))),
    ((12, Some(2)), (4, Some(0))),
    ((5, Some(0)), (137, None)),
    ((5, Some(1)), (137, None)),
    ((5, Some(2)), (137, None)),
    ((5, Some(3)), (137, None)),
];

/// The message of the other IP version that says what `found` says, if
/// there is one.
///
/// ```
/// use icmpkit_wire::IpVersion;
/// use icmpkit_wire::meaning::{counterpart, find};
///
/// let ptb = counterpart(find("frag-needed").unwrap()).unwrap();
/// assert_eq!((ptb.version, ptb.msg_type, ptb.code), (IpVersion::V6, 2, None));
/// let back = counterpart(ptb).unwrap();
/// assert_eq!((back.version, back.msg_type, back.code), (IpVersion::V4, 3, Some(4)));
/// ```
pub fn counterpart(found: Found) -> Option<Found> {
    let key = (found.msg_type, found.code);
    let (version, (msg_type, code)) = match found.version {
        IpVersion::V4 => (
            IpVersion::V6,
            BOTH_WAYS
                .iter()
                .chain(V4_ONLY)
                .find(|(v4, _)| *v4 == key)
                .map(|(_, v6)| *v6)?,
        ),
        IpVersion::V6 => (
            IpVersion::V4,
            BOTH_WAYS
                .iter()
                .find(|(_, v6)| *v6 == key)
                .map(|(v4, _)| *v4)?,
        ),
    };
    Some(Found {
        version,
        msg_type,
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{code_info, type_info};
    use super::*;

    fn exists(f: Found) -> bool {
        match f.code {
            None => type_info(f.version, f.msg_type).is_some(),
            Some(c) => code_info(f.version, f.msg_type, c).is_some(),
        }
    }

    #[test]
    fn every_pair_names_entries_of_both_registries() {
        for &((t4, c4), (t6, c6)) in BOTH_WAYS.iter().chain(V4_ONLY) {
            let v4 = Found {
                version: IpVersion::V4,
                msg_type: t4,
                code: c4,
            };
            let v6 = Found {
                version: IpVersion::V6,
                msg_type: t6,
                code: c6,
            };
            assert!(exists(v4), "{v4:?}");
            assert!(exists(v6), "{v6:?}");
            assert_eq!(counterpart(v4), Some(v6));
        }
        for &(v4, v6) in BOTH_WAYS {
            let found = Found {
                version: IpVersion::V6,
                msg_type: v6.0,
                code: v6.1,
            };
            assert_eq!(counterpart(found).map(|f| (f.msg_type, f.code)), Some(v4));
        }
    }

    #[test]
    fn codes_without_a_counterpart_have_none() {
        let precedence = Found {
            version: IpVersion::V4,
            msg_type: 3,
            code: Some(14),
        };
        assert_eq!(counterpart(precedence), None);
        let scope = Found {
            version: IpVersion::V6,
            msg_type: 1,
            code: Some(2),
        };
        assert_eq!(counterpart(scope), None);
    }
}
