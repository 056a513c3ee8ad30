//! [`ErrorKind`]: which ICMP error came back for a probe.

use std::net::Ipv4Addr;

use icmpkit_wire::{IpVersion, icmpv4, icmpv6};

/// An ICMP error (or Redirect / Source Quench) quoting one of our probes.
/// Names and explanations for people live in `icmpkit_wire::meaning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// ICMPv4 Destination Unreachable, any code but 4.
    UnreachableV4(icmpv4::DestinationUnreachable),
    /// ICMPv4 Destination Unreachable code 4, with the next-hop MTU
    /// (RFC 1191; 0 from routers that predate it).
    FragmentationNeeded {
        /// Next-hop MTU.
        mtu: u32,
    },
    /// ICMPv6 Destination Unreachable.
    UnreachableV6(icmpv6::DestinationUnreachable),
    /// ICMPv6 Packet Too Big.
    PacketTooBig {
        /// The MTU of the next-hop link.
        mtu: u32,
    },
    /// ICMPv4 Time Exceeded (TTL, reassembly).
    TimeExceededV4(icmpv4::TimeExceeded),
    /// ICMPv6 Time Exceeded (hop limit, reassembly).
    TimeExceededV6(icmpv6::TimeExceeded),
    /// ICMPv4 Parameter Problem.
    ParameterProblemV4 {
        /// The code.
        code: icmpv4::ParameterProblem,
        /// The pointer (byte 4).
        pointer: u8,
    },
    /// ICMPv6 Parameter Problem.
    ParameterProblemV6 {
        /// The code.
        code: icmpv6::ParameterProblem,
        /// The pointer (bytes 4-7).
        pointer: u32,
    },
    /// ICMPv4 Redirect (advice: see [`ErrorKind::is_advice`]).
    Redirect {
        /// The code.
        code: icmpv4::Redirect,
        /// The gateway to use.
        gateway: Ipv4Addr,
    },
    /// ICMPv4 Source Quench (advice: see [`ErrorKind::is_advice`]).
    SourceQuench,
}

impl ErrorKind {
    /// Classifies an ICMP message of `version` by type and code. `info` is
    /// the 32-bit word at bytes 4-7 of the ICMP header as Linux reports it
    /// in `sock_extended_err.ee_info`: the MTU for Fragmentation Needed and
    /// Packet Too Big, the pointer for Parameter Problem (for ICMPv4 the
    /// pointer byte alone, 0..=255), the gateway for Redirect. `None` for
    /// a type that is not an error about a datagram we sent.
    pub fn classify(version: IpVersion, icmp_type: u8, code: u8, info: u32) -> Option<Self> {
        Some(match version {
            IpVersion::V4 => match icmpv4::Message::from(icmp_type) {
                icmpv4::Message::DestinationUnreachable => {
                    match icmpv4::DestinationUnreachable::from(code) {
                        icmpv4::DestinationUnreachable::FragmentationNeeded => {
                            Self::FragmentationNeeded { mtu: info }
                        }
                        other => Self::UnreachableV4(other),
                    }
                }
                icmpv4::Message::TimeExceeded => Self::TimeExceededV4(code.into()),
                icmpv4::Message::ParameterProblem => Self::ParameterProblemV4 {
                    code: code.into(),
                    pointer: u8::try_from(info).unwrap_or(u8::MAX),
                },
                icmpv4::Message::Redirect => Self::Redirect {
                    code: code.into(),
                    gateway: Ipv4Addr::from(info),
                },
                icmpv4::Message::SourceQuench => Self::SourceQuench,
                _ => return None,
            },
            IpVersion::V6 => match icmpv6::Message::from(icmp_type) {
                icmpv6::Message::DestinationUnreachable => Self::UnreachableV6(code.into()),
                icmpv6::Message::PacketTooBig => Self::PacketTooBig { mtu: info },
                icmpv6::Message::TimeExceeded => Self::TimeExceededV6(code.into()),
                icmpv6::Message::ParameterProblem => Self::ParameterProblemV6 {
                    code: code.into(),
                    pointer: info,
                },
                _ => return None,
            },
        })
    }

    /// Whether it is advice about the route (Redirect, Source Quench)
    /// rather than a probe's failure. A raw socket reads advice only as a
    /// datagram (Linux queues none of it on the error queue), and iputils
    /// reports it from there without counting it; a ping socket finds it on
    /// the error queue, where iputils counts it as every other error.
    pub fn is_advice(&self) -> bool {
        matches!(self, Self::Redirect { .. } | Self::SourceQuench)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_classification() {
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 3, 4, 1400),
            Some(ErrorKind::FragmentationNeeded { mtu: 1400 })
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 3, 13, 0),
            Some(ErrorKind::UnreachableV4(
                icmpv4::DestinationUnreachable::CommunicationAdministrativelyProhibited
            ))
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 11, 0, 0),
            Some(ErrorKind::TimeExceededV4(
                icmpv4::TimeExceeded::TtlExceededInTransit
            ))
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 12, 0, 20),
            Some(ErrorKind::ParameterProblemV4 {
                code: icmpv4::ParameterProblem::PointerIndicatesError,
                pointer: 20
            })
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 5, 1, 0x0a00_0001),
            Some(ErrorKind::Redirect {
                code: icmpv4::Redirect::ForHost,
                gateway: Ipv4Addr::new(10, 0, 0, 1)
            })
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V4, 4, 0, 0),
            Some(ErrorKind::SourceQuench)
        );
        assert_eq!(ErrorKind::classify(IpVersion::V4, 0, 0, 0), None);
    }

    #[test]
    fn v6_classification() {
        assert_eq!(
            ErrorKind::classify(IpVersion::V6, 2, 0, 1280),
            Some(ErrorKind::PacketTooBig { mtu: 1280 })
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V6, 1, 4, 0),
            Some(ErrorKind::UnreachableV6(
                icmpv6::DestinationUnreachable::PortUnreachable
            ))
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V6, 3, 0, 0),
            Some(ErrorKind::TimeExceededV6(
                icmpv6::TimeExceeded::HopLimitExceeded
            ))
        );
        assert_eq!(
            ErrorKind::classify(IpVersion::V6, 4, 1, 40),
            Some(ErrorKind::ParameterProblemV6 {
                code: icmpv6::ParameterProblem::UnrecognizedNextHeader,
                pointer: 40
            })
        );
        // Type 5 is no error in ICMPv6; type 129 is Echo Reply.
        assert_eq!(ErrorKind::classify(IpVersion::V6, 5, 0, 0), None);
        assert_eq!(ErrorKind::classify(IpVersion::V6, 129, 0, 0), None);
    }

    #[test]
    fn redirect_and_quench_are_advice() {
        assert!(ErrorKind::SourceQuench.is_advice());
        assert!(
            ErrorKind::classify(IpVersion::V4, 5, 1, 0)
                .unwrap()
                .is_advice()
        );
        assert!(!ErrorKind::PacketTooBig { mtu: 1 }.is_advice());
    }
}
