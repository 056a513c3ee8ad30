//! ICMPv6 message types (RFC 4443 and its successors) and the codes of the
//! messages that define them, each keeping values it does not know as
//! `Unknown(u8)`. Their names and explanations live in `crate::meaning`.

pub use crate::icmp::extended_echo::{ExtendedEchoReply, ExtendedEchoState};
use crate::icmp::number_enum;

number_enum! {
    /// The ICMPv6 message type (byte 0). Types below 128 are errors.
    pub enum Message {
        /// Destination Unreachable (RFC 4443).
        DestinationUnreachable = 1,
        /// Packet Too Big (RFC 4443).
        PacketTooBig = 2,
        /// Time Exceeded (RFC 4443).
        TimeExceeded = 3,
        /// Parameter Problem (RFC 4443).
        ParameterProblem = 4,
        /// Private experimentation, error range (RFC 4443).
        PrivateExperimentation100 = 100,
        /// Private experimentation, error range (RFC 4443).
        PrivateExperimentation101 = 101,
        /// Echo Request (RFC 4443).
        EchoRequest = 128,
        /// Echo Reply (RFC 4443).
        EchoReply = 129,
        /// Multicast Listener Query, MLD version 1 or MLDv2 (RFC 2710, RFC 3810).
        MulticastListenerQuery = 130,
        /// Multicast Listener Report, MLD version 1 (RFC 2710).
        MulticastListenerReport = 131,
        /// Multicast Listener Done, MLD version 1 (RFC 2710).
        MulticastListenerDone = 132,
        /// Router Solicitation (RFC 4861).
        RouterSolicitation = 133,
        /// Router Advertisement (RFC 4861).
        RouterAdvertisement = 134,
        /// Neighbor Solicitation (RFC 4861).
        NeighborSolicitation = 135,
        /// Neighbor Advertisement (RFC 4861).
        NeighborAdvertisement = 136,
        /// Redirect (RFC 4861).
        Redirect = 137,
        /// Router Renumbering (RFC 2894).
        RouterRenumbering = 138,
        /// Node Information Query (RFC 4620).
        NodeInformationQuery = 139,
        /// Node Information Response (RFC 4620).
        NodeInformationResponse = 140,
        /// Version 2 Multicast Listener Report (RFC 3810).
        MulticastListenerReportV2 = 143,
        /// Extended Echo Request (RFC 8335).
        ExtendedEchoRequest = 160,
        /// Extended Echo Reply (RFC 8335).
        ExtendedEchoReply = 161,
        /// Private experimentation, informational range (RFC 4443).
        PrivateExperimentation200 = 200,
        /// Private experimentation, informational range (RFC 4443).
        PrivateExperimentation201 = 201,
    }
}

impl Message {
    /// Whether this is an error message (type below 128, RFC 4443 §2.1).
    pub fn is_error(self) -> bool {
        u8::from(self) < 128
    }

    /// Whether this is one of the four private-experimentation types.
    pub fn is_private_experimentation(self) -> bool {
        matches!(
            self,
            Self::PrivateExperimentation100
                | Self::PrivateExperimentation101
                | Self::PrivateExperimentation200
                | Self::PrivateExperimentation201
        )
    }
}

number_enum! {
    /// Destination Unreachable codes (RFC 4443, RFC 7112, RFC 8883).
    pub enum DestinationUnreachable {
        /// 0: no route to destination.
        NoRoute = 0,
        /// 1: communication administratively prohibited.
        AdministrativelyProhibited = 1,
        /// 2: beyond scope of source address.
        BeyondScope = 2,
        /// 3: address unreachable.
        AddressUnreachable = 3,
        /// 4: port unreachable.
        PortUnreachable = 4,
        /// 5: source address failed ingress/egress policy.
        SourceAddressFailedPolicy = 5,
        /// 6: reject route to destination.
        RejectRoute = 6,
        /// 7: error in source routing header.
        SourceRoutingHeaderError = 7,
        /// 8: headers too long (RFC 8883).
        HeadersTooLong = 8,
    }
}

number_enum! {
    /// Time Exceeded codes (RFC 4443).
    pub enum TimeExceeded {
        /// 0: hop limit exceeded in transit.
        HopLimitExceeded = 0,
        /// 1: fragment reassembly time exceeded.
        FragmentReassemblyTimeExceeded = 1,
    }
}

number_enum! {
    /// Parameter Problem codes (RFC 4443, RFC 7112, RFC 8754, RFC 8883).
    pub enum ParameterProblem {
        /// 0: erroneous header field encountered.
        ErroneousHeaderField = 0,
        /// 1: unrecognized Next Header type encountered.
        UnrecognizedNextHeader = 1,
        /// 2: unrecognized IPv6 option encountered.
        UnrecognizedOption = 2,
        /// 3: IPv6 first fragment has incomplete IPv6 header chain (RFC 7112).
        IncompleteHeaderChain = 3,
        /// 4: SR upper-layer header error (RFC 8754).
        SrUpperLayerHeaderError = 4,
        /// 5: unrecognized Next Header type encountered by intermediate node (RFC 8883).
        UnrecognizedNextHeaderByIntermediateNode = 5,
        /// 6: extension header too big (RFC 8883).
        ExtensionHeaderTooBig = 6,
        /// 7: extension header chain too long (RFC 8883).
        ExtensionHeaderChainTooLong = 7,
        /// 8: too many extension headers (RFC 8883).
        TooManyExtensionHeaders = 8,
        /// 9: too many options in extension header (RFC 8883).
        TooManyOptions = 9,
        /// 10: option too big (RFC 8883).
        OptionTooBig = 10,
    }
}

number_enum! {
    /// Node Information Query codes (RFC 4620 §4): what the Data field holds.
    pub enum NodeInformationQuery {
        /// 0: the Data field holds the subject's IPv6 address.
        SubjectIpv6 = 0,
        /// 1: the Data field holds a DNS name (or nothing, for NOOP).
        SubjectName = 1,
        /// 2: the Data field holds the subject's IPv4 address.
        SubjectIpv4 = 2,
    }
}

number_enum! {
    /// Node Information Response codes (RFC 4620 §4).
    pub enum NodeInformationResponse {
        /// 0: successful reply; the Data field may hold the answer.
        Success = 0,
        /// 1: the responder refuses to supply the answer.
        Refused = 1,
        /// 2: the Qtype of the query is unknown to the responder.
        UnknownQtype = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(Message::from(v)), v);
            assert_eq!(u8::from(DestinationUnreachable::from(v)), v);
            assert_eq!(u8::from(TimeExceeded::from(v)), v);
            assert_eq!(u8::from(ParameterProblem::from(v)), v);
            assert_eq!(u8::from(NodeInformationQuery::from(v)), v);
            assert_eq!(u8::from(NodeInformationResponse::from(v)), v);
            assert_eq!(u8::from(ExtendedEchoReply::from(v)), v);
            assert_eq!(Message::from(v).is_error(), v < 128);
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(Message::from(143), Message::MulticastListenerReportV2);
        assert_eq!(Message::from(161), Message::ExtendedEchoReply);
        assert_eq!(Message::from(141), Message::Unknown(141));
        assert!(Message::from(201).is_private_experimentation());
        assert!(!Message::from(128).is_private_experimentation());
        assert_eq!(
            DestinationUnreachable::from(8),
            DestinationUnreachable::HeadersTooLong
        );
        assert_eq!(
            DestinationUnreachable::from(9),
            DestinationUnreachable::Unknown(9)
        );
        assert_eq!(ParameterProblem::from(10), ParameterProblem::OptionTooBig);
        assert_eq!(ParameterProblem::from(11), ParameterProblem::Unknown(11));
        assert_eq!(
            TimeExceeded::from(1),
            TimeExceeded::FragmentReassemblyTimeExceeded
        );
        assert_eq!(
            ExtendedEchoReply::from(4),
            ExtendedEchoReply::MultipleInterfaces
        );
        assert_eq!(
            NodeInformationResponse::from(2),
            NodeInformationResponse::UnknownQtype
        );
    }
}
