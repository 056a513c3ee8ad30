//! ICMPv4 type and code numbers as enums.
//!
//! Every enum converts from and into `u8` without loss: a number this crate
//! does not name becomes `Unknown(n)` and converts back to `n`. Names and
//! explanations for people live in `crate::meaning`, not here.

pub use crate::icmp::extended_echo::{ExtendedEchoReply, ExtendedEchoState};
use crate::icmp::number_enum;

number_enum! {
    /// The ICMPv4 message type (byte 0), per the IANA "ICMP Type Numbers"
    /// registry. Deprecated and unassigned numbers are `Unknown`.
    pub enum Message {
        /// Echo Reply (RFC 792).
        EchoReply = 0,
        /// Destination Unreachable (RFC 792).
        DestinationUnreachable = 3,
        /// Source Quench (RFC 792; deprecated by RFC 6633 but still named).
        SourceQuench = 4,
        /// Redirect (RFC 792).
        Redirect = 5,
        /// Echo Request (RFC 792).
        EchoRequest = 8,
        /// Router Advertisement (RFC 1256).
        RouterAdvertisement = 9,
        /// Router Solicitation (RFC 1256).
        RouterSolicitation = 10,
        /// Time Exceeded (RFC 792).
        TimeExceeded = 11,
        /// Parameter Problem (RFC 792).
        ParameterProblem = 12,
        /// Timestamp request (RFC 792).
        Timestamp = 13,
        /// Timestamp Reply (RFC 792).
        TimestampReply = 14,
        /// Information Request (RFC 792; deprecated by RFC 6918).
        InformationRequest = 15,
        /// Information Reply (RFC 792; deprecated by RFC 6918).
        InformationReply = 16,
        /// Address Mask Request (RFC 950; deprecated by RFC 6918).
        AddressMaskRequest = 17,
        /// Address Mask Reply (RFC 950; deprecated by RFC 6918).
        AddressMaskReply = 18,
        /// Photuris security failure (RFC 2521).
        Photuris = 40,
        /// Extended Echo Request (RFC 8335, PROBE).
        ExtendedEchoRequest = 42,
        /// Extended Echo Reply (RFC 8335, PROBE).
        ExtendedEchoReply = 43,
    }
}

number_enum! {
    /// Destination Unreachable codes (RFC 792, RFC 1122, RFC 1812).
    pub enum DestinationUnreachable {
        /// 0: net unreachable.
        NetUnreachable = 0,
        /// 1: host unreachable.
        HostUnreachable = 1,
        /// 2: protocol unreachable.
        ProtocolUnreachable = 2,
        /// 3: port unreachable.
        PortUnreachable = 3,
        /// 4: fragmentation needed and DF set; bytes 6-7 carry the next-hop
        /// MTU (RFC 1191).
        FragmentationNeeded = 4,
        /// 5: source route failed.
        SourceRouteFailed = 5,
        /// 6: destination network unknown.
        DestinationNetworkUnknown = 6,
        /// 7: destination host unknown.
        DestinationHostUnknown = 7,
        /// 8: source host isolated.
        SourceHostIsolated = 8,
        /// 9: communication with destination network administratively
        /// prohibited.
        NetAdministrativelyProhibited = 9,
        /// 10: communication with destination host administratively
        /// prohibited.
        HostAdministrativelyProhibited = 10,
        /// 11: destination network unreachable for type of service.
        NetUnreachableForTos = 11,
        /// 12: destination host unreachable for type of service.
        HostUnreachableForTos = 12,
        /// 13: communication administratively prohibited (RFC 1812).
        CommunicationAdministrativelyProhibited = 13,
        /// 14: host precedence violation (RFC 1812).
        HostPrecedenceViolation = 14,
        /// 15: precedence cutoff in effect (RFC 1812).
        PrecedenceCutoffInEffect = 15,
    }
}

number_enum! {
    /// Redirect codes (RFC 792).
    pub enum Redirect {
        /// 0: redirect datagrams for the network (or subnet).
        ForNetwork = 0,
        /// 1: redirect datagrams for the host.
        ForHost = 1,
        /// 2: redirect datagrams for the type of service and network.
        ForTosAndNetwork = 2,
        /// 3: redirect datagrams for the type of service and host.
        ForTosAndHost = 3,
    }
}

number_enum! {
    /// Time Exceeded codes (RFC 792).
    pub enum TimeExceeded {
        /// 0: time to live exceeded in transit.
        TtlExceededInTransit = 0,
        /// 1: fragment reassembly time exceeded.
        FragmentReassemblyTimeExceeded = 1,
    }
}

number_enum! {
    /// Parameter Problem codes (RFC 792, RFC 1108).
    pub enum ParameterProblem {
        /// 0: the pointer indicates the error.
        PointerIndicatesError = 0,
        /// 1: missing a required option.
        MissingRequiredOption = 1,
        /// 2: bad length.
        BadLength = 2,
    }
}

number_enum! {
    /// Router Advertisement codes (RFC 1256, RFC 2002).
    pub enum RouterAdvertisement {
        /// 0: normal router advertisement.
        Normal = 0,
        /// 16: the router does not route common traffic (mobile IP).
        DoesNotRouteCommonTraffic = 16,
    }
}

number_enum! {
    /// Photuris security failure codes (RFC 2521).
    pub enum Photuris {
        /// 0: bad SPI.
        BadSpi = 0,
        /// 1: authentication failed.
        AuthenticationFailed = 1,
        /// 2: decompression failed.
        DecompressionFailed = 2,
        /// 3: decryption failed.
        DecryptionFailed = 3,
        /// 4: need authentication.
        NeedAuthentication = 4,
        /// 5: need authorization.
        NeedAuthorization = 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_round_trips() {
        for n in 0..=u8::MAX {
            assert_eq!(u8::from(Message::from(n)), n);
            assert_eq!(u8::from(DestinationUnreachable::from(n)), n);
            assert_eq!(u8::from(Redirect::from(n)), n);
            assert_eq!(u8::from(TimeExceeded::from(n)), n);
            assert_eq!(u8::from(ParameterProblem::from(n)), n);
            assert_eq!(u8::from(RouterAdvertisement::from(n)), n);
            assert_eq!(u8::from(Photuris::from(n)), n);
            assert_eq!(u8::from(ExtendedEchoReply::from(n)), n);
            assert_eq!(u8::from(ExtendedEchoState::from(n)), n);
        }
    }

    #[test]
    fn registry_numbers() {
        let named: [(u8, Message); 18] = [
            (0, Message::EchoReply),
            (3, Message::DestinationUnreachable),
            (4, Message::SourceQuench),
            (5, Message::Redirect),
            (8, Message::EchoRequest),
            (9, Message::RouterAdvertisement),
            (10, Message::RouterSolicitation),
            (11, Message::TimeExceeded),
            (12, Message::ParameterProblem),
            (13, Message::Timestamp),
            (14, Message::TimestampReply),
            (15, Message::InformationRequest),
            (16, Message::InformationReply),
            (17, Message::AddressMaskRequest),
            (18, Message::AddressMaskReply),
            (40, Message::Photuris),
            (42, Message::ExtendedEchoRequest),
            (43, Message::ExtendedEchoReply),
        ];
        for (n, m) in named {
            assert_eq!(Message::from(n), m);
        }
        let unknown = (0..=u8::MAX)
            .filter(|n| matches!(Message::from(*n), Message::Unknown(_)))
            .count();
        assert_eq!(unknown, 256 - 18);
        for n in [1, 2, 6, 7, 19, 30, 37, 39, 41, 44, 253, 255] {
            assert_eq!(Message::from(n), Message::Unknown(n));
        }
        assert_eq!(
            DestinationUnreachable::from(3),
            DestinationUnreachable::PortUnreachable
        );
        assert_eq!(
            DestinationUnreachable::from(15),
            DestinationUnreachable::PrecedenceCutoffInEffect
        );
        assert_eq!(
            DestinationUnreachable::from(16),
            DestinationUnreachable::Unknown(16)
        );
        assert_eq!(Redirect::from(3), Redirect::ForTosAndHost);
        assert_eq!(Redirect::from(4), Redirect::Unknown(4));
        assert_eq!(
            RouterAdvertisement::from(16),
            RouterAdvertisement::DoesNotRouteCommonTraffic
        );
        assert_eq!(
            RouterAdvertisement::from(1),
            RouterAdvertisement::Unknown(1)
        );
        assert_eq!(Photuris::from(5), Photuris::NeedAuthorization);
        assert_eq!(
            ExtendedEchoReply::from(4),
            ExtendedEchoReply::MultipleInterfacesSatisfyQuery
        );
        assert_eq!(ExtendedEchoState::from(6), ExtendedEchoState::Failed);
        assert_eq!(ExtendedEchoState::from(7), ExtendedEchoState::Unknown(7));
    }
}
