//! From the file's names for things ([`super::model`]) to the
//! topology's values.

use std::net::IpAddr;

use super::model::{
    AnswersSpec, EcmpName, ExtendedEchoName, ForwardingSpec, LinuxSpec, RateLimitSpec, RoutingName,
    TcpName, UdpName, UnreachableName,
};
use crate::extended_echo::{ExtendedEchoAnswers, Interface};
use crate::ratelimit::{Bucket, LinuxLimits, RateLimit};
use crate::topology::{Answers, Balance, Forwarding, Routing, TcpAnswer, UdpAnswer, Unreachable};

impl From<RoutingName> for Routing {
    fn from(name: RoutingName) -> Self {
        match name {
            RoutingName::ShortestPath => Self::ShortestPath,
            RoutingName::Static => Self::Static,
        }
    }
}

impl From<EcmpName> for Balance {
    fn from(name: EcmpName) -> Self {
        match name {
            EcmpName::PerFlow => Self::PerFlow,
            EcmpName::PerPacket => Self::PerPacket,
        }
    }
}

impl From<ForwardingSpec> for Forwarding {
    fn from(spec: ForwardingSpec) -> Self {
        match spec {
            ForwardingSpec::Forward => Self::Forward,
            ForwardingSpec::Drop => Self::Drop,
            ForwardingSpec::Reject(code) => Self::Reject(code.into()),
        }
    }
}

impl From<UnreachableName> for Unreachable {
    fn from(code: UnreachableName) -> Self {
        match code {
            UnreachableName::NetUnreachable => Unreachable::NET,
            UnreachableName::HostUnreachable => Unreachable::HOST,
            UnreachableName::ProtocolUnreachable => Unreachable::PROTOCOL,
            UnreachableName::PortUnreachable => Unreachable::PORT,
            UnreachableName::Prohibited => Unreachable::PROHIBITED,
        }
    }
}

impl From<RateLimitSpec> for RateLimit {
    fn from(spec: RateLimitSpec) -> Self {
        match spec {
            RateLimitSpec::None => RateLimit::None,
            RateLimitSpec::Linux(LinuxSpec {
                ratelimit,
                ratemask,
                msgs_per_sec,
                msgs_burst,
            }) => {
                let d = LinuxLimits::default();
                RateLimit::Linux(LinuxLimits {
                    ratelimit: ratelimit.map_or(d.ratelimit, |r| r.0),
                    ratemask: ratemask.unwrap_or(d.ratemask),
                    msgs_per_sec: msgs_per_sec.unwrap_or(d.msgs_per_sec),
                    msgs_burst: msgs_burst.unwrap_or(d.msgs_burst),
                })
            }
            RateLimitSpec::Bucket { burst, per_second } => {
                RateLimit::Bucket(Bucket { burst, per_second })
            }
        }
    }
}

/// A node's answers: Linux's, changed where `spec` says.
pub(super) fn answers(spec: Option<&AnswersSpec>) -> Answers {
    let mut a = Answers::linux();
    let Some(spec) = spec else {
        return a;
    };
    if let Some(echo) = spec.echo {
        a.echo = echo;
    }
    if let Some(udp) = spec.udp {
        a.udp = match udp {
            UdpName::PortUnreachable => UdpAnswer::PortUnreachable,
            UdpName::Silent => UdpAnswer::Silent,
        };
    }
    if let Some(tcp) = spec.tcp {
        a.tcp = match tcp {
            TcpName::Rst => TcpAnswer::Rst,
            TcpName::SynAck => TcpAnswer::SynAck,
            TcpName::Silent => TcpAnswer::Silent,
        };
    }
    if let Some(ttl) = spec.initial_ttl {
        a.initial_ttl = ttl;
    }
    if let Some(e) = spec.extended_echo {
        a.extended_echo = match e {
            ExtendedEchoName::Off => ExtendedEchoAnswers::Off,
            ExtendedEchoName::Linux => ExtendedEchoAnswers::Linux,
            ExtendedEchoName::Rfc8335 => ExtendedEchoAnswers::Rfc8335,
        };
    }
    a.interfaces = spec.interfaces.as_ref().map(|list| {
        list.iter()
            .map(|i| {
                let v4 = i
                    .addresses
                    .iter()
                    .filter_map(|a| match a.0 {
                        IpAddr::V4(v4) => Some(v4),
                        IpAddr::V6(_) => None,
                    })
                    .collect();
                let v6 = i
                    .addresses
                    .iter()
                    .filter_map(|a| match a.0 {
                        IpAddr::V6(v6) => Some(v6),
                        IpAddr::V4(_) => None,
                    })
                    .collect();
                let interface = Interface::owned(i.name.clone(), i.index, v4, v6);
                if i.up { interface } else { interface.down() }
            })
            .collect()
    });
    a
}
