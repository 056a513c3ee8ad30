//! The file as serde reads it: one struct per table, every key optional
//! but the names, unknown keys refused. Values that need a message of
//! their own (addresses, prefixes, durations, loss, MTU, rate limits) have
//! their own deserializers; [`super::build`] turns the result into a
//! [`crate::Topology`].

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use crate::topology::Prefix;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    pub routing: Option<RoutingName>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub attachment: Vec<Spanned<AttachmentSpec>>,
    #[serde(default)]
    pub router: Vec<Spanned<RouterSpec>>,
    #[serde(default)]
    pub host: Vec<Spanned<HostSpec>>,
    #[serde(default)]
    pub link: Vec<Spanned<LinkSpec>>,
    #[serde(default)]
    pub route: Vec<Spanned<RouteSpec>>,
}

/// `routing = "shortest-path" | "static"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RoutingName {
    ShortestPath,
    Static,
}

/// An `[[attachment]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttachmentSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
}

/// A router's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouterSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
    pub errors: Option<bool>,
    pub forwarding: Option<ForwardingSpec>,
    pub rate_limit: Option<RateLimitSpec>,
    pub ecmp: Option<EcmpName>,
    #[serde(default)]
    pub mpls: Vec<Spanned<MplsSpec>>,
    pub interface_info: Option<bool>,
    pub nat: Option<Spanned<NatSpec>>,
    pub answers: Option<AnswersSpec>,
}

/// A host's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HostSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
    #[serde(default)]
    pub any_ip: Vec<Spanned<String>>,
    pub rate_limit: Option<RateLimitSpec>,
    pub answers: Option<AnswersSpec>,
}

/// `forwarding = "forward" | "drop" | { reject = CODE }`.
#[derive(Debug, Clone, Copy)]
pub(super) enum ForwardingSpec {
    Forward,
    Drop,
    Reject(UnreachableName),
}

/// The table form of `forwarding`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectTable {
    reject: UnreachableName,
}

impl<'de> Deserialize<'de> for ForwardingSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ForwardingSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(FORWARDING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ForwardingSpec, E> {
                match v {
                    "forward" => Ok(ForwardingSpec::Forward),
                    "drop" => Ok(ForwardingSpec::Drop),
                    _ => Err(E::custom(format!(
                        "unknown forwarding {v:?}: write {FORWARDING}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ForwardingSpec, A::Error> {
                let table = RejectTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ForwardingSpec::Reject(table.reject))
            }
        }
        d.deserialize_any(V)
    }
}

const FORWARDING: &str = "\"forward\", \"drop\" or { reject = \"prohibited\" }";

/// A Destination Unreachable reason.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum UnreachableName {
    NetUnreachable,
    HostUnreachable,
    ProtocolUnreachable,
    PortUnreachable,
    Prohibited,
}

/// `ecmp = "per-flow" | "per-packet"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum EcmpName {
    PerFlow,
    PerPacket,
}

/// One MPLS label stack entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MplsSpec {
    pub label: Spanned<u32>,
    #[serde(default, alias = "exp")]
    pub tc: u8,
    pub s: Option<bool>,
    #[serde(default = "one")]
    pub ttl: u8,
}

const fn one() -> u8 {
    1
}

/// `nat = { outside = NAME, first_port = N }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NatSpec {
    pub outside: Spanned<String>,
    #[serde(default = "first_port")]
    pub first_port: u16,
}

/// The first port a NAT hands out unless told.
pub(super) const fn first_port() -> u16 {
    40_000
}

/// `answers = { ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnswersSpec {
    pub echo: Option<bool>,
    pub udp: Option<UdpName>,
    pub tcp: Option<TcpName>,
    pub initial_ttl: Option<u8>,
    pub extended_echo: Option<ExtendedEchoName>,
    pub interfaces: Option<Vec<InterfaceSpec>>,
}

/// `udp = "port-unreachable" | "silent"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum UdpName {
    PortUnreachable,
    Silent,
}

/// `tcp = "rst" | "syn-ack" | "silent"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum TcpName {
    Rst,
    SynAck,
    Silent,
}

/// `extended_echo = "off" | "linux" | "rfc8335"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum ExtendedEchoName {
    Off,
    Linux,
    Rfc8335,
}

/// One interface of a node's table, for extended echo.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InterfaceSpec {
    pub name: String,
    pub index: u32,
    #[serde(default)]
    pub addresses: Vec<Addr>,
    #[serde(default = "yes")]
    pub up: bool,
}

const fn yes() -> bool {
    true
}

/// A `[[link]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkSpec {
    pub between: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub delay: DurationValue,
    #[serde(default)]
    pub jitter: DurationValue,
    pub loss: Option<Spanned<Loss>>,
    pub mtu: Option<Spanned<Mtu>>,
}

/// A `[[route]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouteSpec {
    pub at: Spanned<String>,
    pub to: PrefixValue,
    pub via: Option<Spanned<Vec<Spanned<String>>>>,
    pub reject: Option<UnreachableName>,
    pub blackhole: Option<bool>,
}

/// An address, with a message saying how to write one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Addr(pub IpAddr);

impl Addr {
    /// Reads one, or says how to write one.
    pub fn parse(s: &str) -> Result<IpAddr, String> {
        s.parse().map_err(|_| {
            let hint = if s.contains('/') {
                " (a node's addresses are single addresses, without a prefix length)"
            } else {
                ""
            };
            format!("{s:?} is not an address: write 198.51.100.1 or 2001:db8::1{hint}")
        })
    }
}

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map(Self).map_err(de::Error::custom)
    }
}

/// A prefix (`Prefix`'s own message when it is not one).
#[derive(Debug, Clone, Copy)]
pub(super) struct PrefixValue(pub Prefix);

impl<'de> Deserialize<'de> for PrefixValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Self).map_err(de::Error::custom)
    }
}

/// The longest duration a file may give (a clock far in the future helps
/// no test, and sums of durations stay far from overflowing).
const MAX_DURATION: Duration = Duration::from_hours(1);

/// A duration written as humantime reads it: `"5ms"`, `"1.5ms"` is not
/// one but `"1500us"` is, `"1s 200ms"`, `"0"`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DurationValue(pub Duration);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration: \"5ms\", \"250us\" or \"1s\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationValue, E> {
                Err(E::custom(format!(
                    "{v} has no unit: write \"{v}ms\", \"{v}us\" or \"{v}s\""
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationValue, E> {
                Err(E::custom(format!(
                    "{v} has no unit: write a whole number with one, as \"5ms\" or \"250us\""
                )))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DurationValue, E> {
                let d = humantime::parse_duration(s).map_err(|e| {
                    E::custom(format!(
                        "{s:?} is not a duration ({e}): write \"5ms\", \"250us\" or \"1s\""
                    ))
                })?;
                if d > MAX_DURATION {
                    return Err(E::custom(format!(
                        "{s:?} is longer than an hour: give at most \"1h\""
                    )));
                }
                Ok(DurationValue(d))
            }
        }
        d.deserialize_any(V)
    }
}

/// A loss probability: a number from 0 to 1 or a percentage string
/// (`"1%"`). The range is checked by `Topology::validate`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Loss(pub f64);

impl<'de> Deserialize<'de> for Loss {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Loss;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a probability from 0 to 1 (0.01) or a percentage (\"1%\")")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loss, E> {
                Ok(Loss(v))
            }
            // A TOML integer: 0 or 1 make sense, the others fail the range
            // check with their value.
            #[allow(clippy::cast_precision_loss)]
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loss, E> {
                Ok(Loss(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Loss, E> {
                let bad = || {
                    E::custom(format!(
                        "loss {v:?} is not a probability: write a number from 0 to 1 (0.01) or a percentage (\"1%\")"
                    ))
                };
                let number = |s: &str| s.trim().parse::<f64>().map_err(|_| bad());
                match v.trim().strip_suffix('%') {
                    Some(percent) => Ok(Loss(number(percent)? / 100.0)),
                    None => Ok(Loss(number(v)?)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A link MTU, from 68 (IPv4's minimum) to 65535.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mtu(pub u16);

impl<'de> Deserialize<'de> for Mtu {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        match u16::try_from(v) {
            Ok(mtu) if mtu >= 68 => Ok(Self(mtu)),
            _ => Err(de::Error::custom(format!(
                "MTU {v} is out of range: give 68 to 65535 (IPv6 needs 1280 or more)"
            ))),
        }
    }
}

/// `rate_limit = "none" | "linux" | { linux = { ... } } | { burst = N,
/// per_second = R }`.
#[derive(Debug, Clone, Copy)]
pub(super) enum RateLimitSpec {
    None,
    Linux(LinuxSpec),
    Bucket { burst: u32, per_second: f64 },
}

/// Linux's sysctls, each defaulting to Linux's value.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinuxSpec {
    pub ratelimit: Option<DurationValue>,
    pub ratemask: Option<u32>,
    pub msgs_per_sec: Option<u32>,
    pub msgs_burst: Option<u32>,
}

/// The table form of a rate limit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitTable {
    linux: Option<LinuxSpec>,
    burst: Option<u32>,
    per_second: Option<f64>,
}

impl<'de> Deserialize<'de> for RateLimitSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RateLimitSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "\"none\", \"linux\", { linux = { ratelimit = \"1s\", ... } } or { burst = 10, per_second = 1 }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RateLimitSpec, E> {
                match v {
                    "none" => Ok(RateLimitSpec::None),
                    "linux" => Ok(RateLimitSpec::Linux(LinuxSpec::default())),
                    _ => Err(E::custom(format!(
                        "unknown rate limit {v:?}: write \"none\", \"linux\", {{ linux = {{ ratelimit = \"1s\", ... }} }} or {{ burst = 10, per_second = 1 }}"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RateLimitSpec, A::Error> {
                let table =
                    RateLimitTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match table {
                    RateLimitTable {
                        linux: Some(linux),
                        burst: None,
                        per_second: None,
                    } => Ok(RateLimitSpec::Linux(linux)),
                    RateLimitTable {
                        linux: None,
                        burst: Some(burst),
                        per_second: Some(per_second),
                    } if per_second.is_finite() && per_second >= 0.0 => {
                        Ok(RateLimitSpec::Bucket { burst, per_second })
                    }
                    RateLimitTable {
                        linux: None,
                        burst: Some(_),
                        per_second: Some(per_second),
                    } => Err(de::Error::custom(format!(
                        "per_second {per_second} is not a rate: give 0 or more tokens per second"
                    ))),
                    _ => Err(de::Error::custom(
                        "a rate limit table is either { linux = { ... } } or { burst = N, per_second = R } with both keys",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}
