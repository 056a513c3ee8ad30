//! Extended echo (PROBE, RFC 8335): the header and codes, the same in
//! ICMPv4 (types 42, 43) and ICMPv6 (160, 161). `icmpv4` and `icmpv6`
//! re-export [`ExtendedEchoReply`] and [`ExtendedEchoState`].
//!
//! ```text
//! Request:
//! |     Type      |   Code = 0    |          Checksum             |
//! |          Identifier           |Sequence Number|  Reserved   |L|
//! Reply:
//! |     Type      |     Code      |          Checksum             |
//! |          Identifier           |Sequence Number|State|Res|A|4|6|
//! ```

use super::field::IDENT;
use super::number_enum;
use crate::field as f;

number_enum! {
    /// Extended Echo Reply codes (RFC 8335 §3).
    pub enum ExtendedEchoReply {
        /// 0: no error.
        NoError = 0,
        /// 1: malformed query.
        MalformedQuery = 1,
        /// 2: no such interface.
        NoSuchInterface = 2,
        /// 3: no such table entry.
        NoSuchTableEntry = 3,
        /// 4: multiple interfaces satisfy query (also reachable as
        /// [`ExtendedEchoReply::MultipleInterfaces`]).
        MultipleInterfacesSatisfyQuery = 4,
    }
}

impl ExtendedEchoReply {
    /// 4: multiple interfaces satisfy query; the short name ICMPv6 code
    /// used, the same value as
    /// [`ExtendedEchoReply::MultipleInterfacesSatisfyQuery`] (usable in
    /// patterns too).
    #[allow(
        non_upper_case_globals,
        reason = "stands in for the variant name icmpv6 callers already use"
    )]
    pub const MultipleInterfaces: Self = Self::MultipleInterfacesSatisfyQuery;
}

number_enum! {
    /// The 3-bit State of an Extended Echo Reply (RFC 8335 §3): the
    /// neighbor-cache state of a probed interface found in a table. Only
    /// the low 3 bits are ever written; 7 is `Unknown(7)`.
    pub enum ExtendedEchoState {
        /// 0: reserved (also sent when the state is not reported).
        Reserved = 0,
        /// 1: incomplete.
        Incomplete = 1,
        /// 2: reachable.
        Reachable = 2,
        /// 3: stale.
        Stale = 3,
        /// 4: delay.
        Delay = 4,
        /// 5: probe.
        Probe = 5,
        /// 6: failed.
        Failed = 6,
    }
}

/// The 8-bit sequence number.
pub(crate) const SEQ_NO: usize = 6;
/// The flags byte: L of a request; State, A, 4 and 6 of a reply.
pub(crate) const FLAGS: usize = 7;

/// Request: the probed interface is on the node that receives it.
const LOCAL: u8 = 0x01;
/// Reply: the interface is active.
const ACTIVE: u8 = 0x04;
/// Reply: the interface runs IPv4.
const IPV4: u8 = 0x02;
/// Reply: the interface runs IPv6.
const IPV6: u8 = 0x01;
/// Reply: where the 3-bit State starts.
const STATE_SHIFT: u8 = 5;

/// The bits of an Extended Echo Reply's flags byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplyFlags {
    /// The neighbor-cache state.
    pub state: ExtendedEchoState,
    /// A: the interface is active.
    pub active: bool,
    /// 4: the interface runs IPv4.
    pub ipv4: bool,
    /// 6: the interface runs IPv6.
    pub ipv6: bool,
}

impl ReplyFlags {
    /// Reads the flags byte of a reply.
    pub(crate) fn from_byte(flags: u8) -> Self {
        Self {
            state: ExtendedEchoState::from(flags >> STATE_SHIFT),
            active: flags & ACTIVE != 0,
            ipv4: flags & IPV4 != 0,
            ipv6: flags & IPV6 != 0,
        }
    }

    /// The flags byte: State (its low 3 bits), reserved bits zero, A, 4, 6.
    pub(crate) fn to_byte(self) -> u8 {
        ((u8::from(self.state) & 0x07) << STATE_SHIFT)
            | bit(self.active, ACTIVE)
            | bit(self.ipv4, IPV4)
            | bit(self.ipv6, IPV6)
    }
}

const fn bit(on: bool, value: u8) -> u8 {
    if on { value } else { 0 }
}

/// The L bit of a request's flags byte.
pub(crate) const fn is_local(flags: u8) -> bool {
    flags & LOCAL != 0
}

/// A request's flags byte: reserved bits zero, L as given.
pub(crate) const fn request_flags(local: bool) -> u8 {
    bit(local, LOCAL)
}

/// Writes bytes 4-7 of an extended echo message: identifier, 8-bit
/// sequence number and flags byte. `msg` holds at least the 8-byte header.
pub(crate) fn set_header(msg: &mut [u8], ident: u16, seq_no: u8, flags: u8) {
    f::set_u16(msg, IDENT.start, ident);
    msg[SEQ_NO] = seq_no;
    msg[FLAGS] = flags;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_round_trips() {
        for n in 0..=u8::MAX {
            assert_eq!(u8::from(ExtendedEchoReply::from(n)), n);
            assert_eq!(u8::from(ExtendedEchoState::from(n)), n);
        }
        assert_eq!(
            ExtendedEchoReply::MultipleInterfaces,
            ExtendedEchoReply::MultipleInterfacesSatisfyQuery
        );
        assert!(matches!(
            ExtendedEchoReply::from(4),
            ExtendedEchoReply::MultipleInterfaces
        ));
        assert_eq!(ExtendedEchoState::from(6), ExtendedEchoState::Failed);
        assert_eq!(ExtendedEchoState::from(7), ExtendedEchoState::Unknown(7));
    }

    #[test]
    fn flags_bytes() {
        let flags = ReplyFlags {
            state: ExtendedEchoState::Reachable,
            active: true,
            ipv4: false,
            ipv6: true,
        };
        assert_eq!(flags.to_byte(), 0x45);
        assert_eq!(ReplyFlags::from_byte(0x45), flags);
        // Only the low 3 bits of the state are written.
        let unknown = ReplyFlags {
            state: ExtendedEchoState::Unknown(0x0f),
            ..flags
        };
        assert_eq!(unknown.to_byte(), 0xe5);
        assert_eq!(request_flags(true), 0x01);
        assert_eq!(request_flags(false), 0x00);
        assert!(is_local(0xff) && !is_local(0xfe));
        let mut msg = [0xa5; 8];
        set_header(&mut msg, 0x1f2e, 5, 0x45);
        assert_eq!(msg, [0xa5, 0xa5, 0xa5, 0xa5, 0x1f, 0x2e, 5, 0x45]);
    }
}
