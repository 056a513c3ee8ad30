//! The checks `icmpkit policy verify` makes with real traffic through a
//! ruleset, and how what it observed is judged.
//!
//! The lab is a path `client - r1 - ... - r4 - server` whose last link
//! has a smaller MTU (1280). "Inside" is the client's side, "outside" the
//! server's. The ruleset is loaded on the *protected machine*: the client
//! for a [`Role::Host`], r1 for a router or firewall (so that the Packet
//! Too Big from r4 must pass its forward hook to reach the client).
//!
//! [`checks`] lists, per IP version, what is tried ([`Probe`]), what a
//! pass proves and what a failure breaks or exposes; the front end runs
//! each probe and reports an [`Observation`]; [`judge`] turns the two into
//! an [`Outcome`]. Nothing here does I/O.
//!
//! The principles behind the judgements:
//!
//! - diagnostics work: echo at a normal pace (a few a second) is answered,
//!   every one, both ways; traceroute sees every hop of the path and the
//!   destination;
//! - fragmented ICMP passes: echo of 3000 bytes, which travels in
//!   fragments, is answered every time, to the protected machine and
//!   through it (a rule that matches the protocol but not the ICMP header
//!   drops non-first fragments where nothing reassembles them);
//! - path-MTU discovery works: a TCP transfer of megabytes across the
//!   small link completes within a bound (a dropped Fragmentation Needed or
//!   Packet Too Big makes it hang), and tracepath finds the path MTU;
//! - a flood is cut to a limit: of a fast flood of echo requests from one
//!   source, some are answered (echo is not simply dropped) and at most
//!   half (a limit worth the name lets through far less than a flood sends;
//!   an unlimited reflector answers nearly all);
//! - abused types are dropped: a crafted message sent from outside does not
//!   arrive at all (it is watched for where it would be delivered).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use icmpkit_wire::meaning;

use super::{IpVersion, Message, Role};

/// Where a probe from outside is aimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The protected machine itself (its input hook).
    Machine,
    /// Through the protected machine to the client behind it (its forward
    /// hook; routers and firewalls only).
    Transit,
}

/// A message attackers use, which a good ruleset drops: sent from outside
/// and watched for where it would arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbusedMessage {
    /// The short name in check names, e.g. `"redirect"`.
    pub name: &'static str,
    /// Type and code sent.
    pub message: Message,
    /// The hop limit (TTL) it is sent with.
    pub hop_limit: u8,
    /// What accepting it exposes.
    pub exposes: &'static str,
}

/// Every abused message verify sends, ICMPv4 first.
pub const ABUSED: [AbusedMessage; 7] = [
    AbusedMessage {
        name: "redirect",
        message: v4(5, 1),
        hop_limit: 64,
        exposes: "a forged redirect from anywhere can reroute the machine's traffic (RFC 1812 §4.3.3.2: only the first-hop router may send one)",
    },
    AbusedMessage {
        name: "timestamp",
        message: v4(13, 0),
        hop_limit: 64,
        exposes: "timestamp replies reveal the machine's clock to anyone who asks",
    },
    AbusedMessage {
        name: "address-mask",
        message: v4(17, 0),
        hop_limit: 64,
        exposes: "a deprecated type (RFC 6918) accepted: an old query scanners use (nmap -PM)",
    },
    AbusedMessage {
        name: "source-quench",
        message: v4(4, 0),
        hop_limit: 64,
        exposes: "a deprecated type (RFC 6633) accepted: a forged one was once a way to slow connections",
    },
    AbusedMessage {
        name: "information-request",
        message: v4(15, 0),
        hop_limit: 64,
        exposes: "a deprecated type (RFC 6918) accepted: nothing legitimate sends it",
    },
    AbusedMessage {
        name: "redirect",
        message: v6(137, 0),
        hop_limit: 64,
        exposes: "an off-link redirect accepted (RFC 4890 §4.4.1: neighbour discovery is link-local, hop limit 255 only)",
    },
    AbusedMessage {
        name: "router-advertisement",
        message: v6(134, 0),
        hop_limit: 64,
        exposes: "an off-link Router Advertisement (hop limit 64) accepted (RFC 4890 §4.4.1: neighbour discovery at hop limit 255 only)",
    },
];

const fn v4(msg_type: u8, code: u8) -> Message {
    Message {
        version: IpVersion::V4,
        msg_type,
        code,
    }
}

const fn v6(msg_type: u8, code: u8) -> Message {
    Message {
        version: IpVersion::V6,
        msg_type,
        code,
    }
}

/// What a check does with real traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// Echo requests from the client to the server at a normal pace.
    PingOut,
    /// Echo requests from the server to the client at a normal pace.
    PingIn,
    /// Echo requests of [`LARGE_PING_BYTES`] of data (`ping -s 3000`),
    /// fragmented on the way, from the server to `target` at a normal
    /// pace: the replies come back fragmented too.
    LargePing {
        /// The protected machine, or the client through it.
        target: Target,
    },
    /// A fast flood of echo requests from the server to the protected
    /// machine.
    Flood,
    /// `traceroute -n` from the client to the server.
    Traceroute,
    /// `icmpkit trace -n` from the client to the server.
    IcmpkitTrace,
    /// A TCP transfer of [`TRANSFER_BYTES`] from the client to the server
    /// across the small-MTU link.
    Transfer,
    /// `tracepath -n` from the client to the server.
    Tracepath,
    /// An abused message from the server to `target`.
    Abused {
        /// What is sent.
        message: AbusedMessage,
        /// Where to.
        target: Target,
    },
}

/// The data bytes of a large echo request ([`Probe::LargePing`]), as
/// `ping -s 3000`: more than any link of the lab carries in one packet
/// (1500 at most), so requests and replies travel as fragments.
pub const LARGE_PING_BYTES: usize = 3000;

/// The bytes of the TCP transfer ([`Probe::Transfer`]): 4 MiB.
pub const TRANSFER_BYTES: u64 = 4 << 20;

/// One check: a probe over one IP version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Check {
    /// IPv4 or IPv6.
    pub version: IpVersion,
    /// What is tried.
    pub probe: Probe,
}

impl Check {
    /// The name, e.g. `ping-out-v4`, `redirect-transit-v6`: stable, for
    /// scripts and tests.
    pub fn name(&self) -> String {
        let stem = match self.probe {
            Probe::PingOut => "ping-out",
            Probe::PingIn => "ping-in",
            Probe::LargePing {
                target: Target::Machine,
            } => "large-ping",
            Probe::LargePing {
                target: Target::Transit,
            } => "large-ping-transit",
            Probe::Flood => "flood",
            Probe::Traceroute => "traceroute",
            Probe::IcmpkitTrace => "icmpkit-trace",
            Probe::Transfer => "pmtu-transfer",
            Probe::Tracepath => "tracepath",
            Probe::Abused {
                message,
                target: Target::Machine,
            } => message.name,
            Probe::Abused {
                message,
                target: Target::Transit,
            } => return format!("{}-transit-v{}", message.name, self.version.number()),
        };
        format!("{stem}-v{}", self.version.number())
    }

    /// What a pass proves, in one sentence.
    pub fn proves(&self) -> String {
        match self.probe {
            Probe::PingOut => "echo from inside to outside is answered at a normal pace".to_owned(),
            Probe::PingIn => "echo from outside to inside is answered at a normal pace".to_owned(),
            Probe::LargePing { target } => format!(
                "echo of {LARGE_PING_BYTES} bytes from outside to {}, in fragments both ways, is answered",
                match target {
                    Target::Machine => "the protected machine",
                    Target::Transit => "the client through the protected machine",
                }
            ),
            Probe::Flood => {
                "a fast echo flood from outside is cut to a limit, yet answered".to_owned()
            }
            Probe::Traceroute => {
                "traceroute from inside sees every hop and the destination".to_owned()
            }
            Probe::IcmpkitTrace => {
                "icmpkit trace from inside sees every hop and the destination".to_owned()
            }
            Probe::Transfer => format!(
                "a TCP transfer of {} MiB across the small-MTU link completes (path-MTU discovery works)",
                TRANSFER_BYTES >> 20
            ),
            Probe::Tracepath => "tracepath finds the path MTU".to_owned(),
            Probe::Abused { message, target } => {
                let m = message.message;
                let name = meaning::type_info(m.version, m.msg_type).map_or("?", |t| t.name);
                let to = match target {
                    Target::Machine => "the protected machine",
                    Target::Transit => "the client through the protected machine",
                };
                format!(
                    "an ICMPv{} {name} (type {}) from outside, hop limit {}, does not reach {to}",
                    m.version.number(),
                    m.msg_type,
                    message.hop_limit
                )
            }
        }
    }

    /// What a failure breaks or exposes, in one sentence.
    pub fn on_failure(&self) -> &'static str {
        match self.probe {
            Probe::PingOut | Probe::PingIn => {
                "ping and monitoring fail: the path looks down when it is not"
            }
            Probe::LargePing { .. } => {
                "pings over the MTU fail: ICMP fragments, or the Packet Too Big that sizes the replies, are dropped"
            }
            Probe::Flood => {
                "echo without a limit makes the machine a flood reflector; echo dropped breaks monitoring"
            }
            Probe::Traceroute | Probe::IcmpkitTrace => {
                "traceroute shows stars: Time Exceeded or the destination's Port Unreachable is dropped"
            }
            Probe::Transfer => {
                "TCP hangs on large transfers: Fragmentation Needed / Packet Too Big is dropped (a path-MTU black hole)"
            }
            Probe::Tracepath => {
                "the path MTU cannot be found: Fragmentation Needed / Packet Too Big or the final Port Unreachable is dropped"
            }
            Probe::Abused { message, .. } => message.exposes,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Every check for `role`, IPv4 first, in the order they are best run:
/// the flood last (it empties the echo limit of its source).
pub fn checks(role: Role) -> Vec<Check> {
    let mut all = Vec::new();
    for version in [IpVersion::V4, IpVersion::V6] {
        all.extend(checks_for(role, version));
    }
    all
}

/// The checks for `role` over one IP version, in the order they are best
/// run (the flood last).
pub fn checks_for(role: Role, version: IpVersion) -> Vec<Check> {
    let targets: &[Target] = if role.forwards() {
        &[Target::Machine, Target::Transit]
    } else {
        &[Target::Machine]
    };
    let mut probes = vec![Probe::PingOut, Probe::PingIn];
    probes.extend(targets.iter().map(|&target| Probe::LargePing { target }));
    probes.extend([
        Probe::Traceroute,
        Probe::IcmpkitTrace,
        Probe::Transfer,
        Probe::Tracepath,
    ]);
    for &target in targets {
        for message in ABUSED.iter().filter(|m| m.message.version == version) {
            probes.push(Probe::Abused {
                message: *message,
                target,
            });
        }
    }
    probes.push(Probe::Flood);
    probes
        .into_iter()
        .map(|probe| Check { version, probe })
        .collect()
}

/// What the front end saw when it ran a check's probe.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// Echo requests sent and how many distinct ones were answered, over
    /// how long the sending took ([`Probe::PingOut`], [`Probe::PingIn`],
    /// [`Probe::Flood`]).
    Echoes {
        /// Requests sent.
        sent: u32,
        /// Requests answered.
        answered: u32,
        /// From the first send to the last.
        sending: Duration,
    },
    /// The addresses that answered at each hop of a trace (index 0: the
    /// first hop; empty: no answer), and the addresses the lab's path may
    /// answer from at each hop ([`Probe::Traceroute`],
    /// [`Probe::IcmpkitTrace`]).
    Hops {
        /// Seen, per hop.
        seen: Vec<Vec<IpAddr>>,
        /// Allowed, per hop; the last is the destination.
        expected: Vec<Vec<IpAddr>>,
    },
    /// A bulk TCP transfer ([`Probe::Transfer`]).
    Transfer {
        /// Bytes the client was to send.
        bytes: u64,
        /// Bytes the server received.
        received: u64,
        /// How long it took, or how long it was given when it did not end.
        elapsed: Duration,
        /// The time it was given.
        bound: Duration,
    },
    /// The path MTU a tool found, and the lab's ([`Probe::Tracepath`]).
    PathMtu {
        /// What the tool reported (`None`: nothing).
        found: Option<u32>,
        /// The MTU of the lab's small link.
        expected: u32,
    },
    /// Crafted messages sent and how many arrived where they were aimed
    /// ([`Probe::Abused`]).
    Arrivals {
        /// Messages sent.
        sent: u32,
        /// Messages seen arriving.
        arrived: u32,
        /// Where they were watched for (a namespace name, e.g. `client`).
        watched_at: String,
    },
    /// The probe could not run because a tool is missing (the check is
    /// skipped, not failed).
    Missing {
        /// The program.
        tool: String,
    },
    /// The probe itself failed (a socket error, a tool that crashed).
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// Pass, fail or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// What the check proves holds.
    Pass,
    /// It does not.
    Fail,
    /// Not run (a tool is missing).
    Skip,
}

impl Verdict {
    /// `pass`, `FAIL`, `skip`: as the table shows it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }

    /// `pass`, `fail`, `skip`: as JSON carries it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

/// The judgement of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Pass, fail or skipped.
    pub verdict: Verdict,
    /// Why, with the numbers seen; for a failure, what it breaks or
    /// exposes.
    pub reason: String,
}

impl Outcome {
    fn pass(reason: String) -> Outcome {
        Outcome {
            verdict: Verdict::Pass,
            reason,
        }
    }

    fn fail(check: &Check, what: &str) -> Outcome {
        Outcome {
            verdict: Verdict::Fail,
            reason: format!("{what}: {}", check.on_failure()),
        }
    }
}

/// Judges what was observed for `check`. An observation of the wrong
/// kind for the check is a failure that says so.
pub fn judge(check: &Check, observation: &Observation) -> Outcome {
    match (check.probe, observation) {
        (_, Observation::Missing { tool }) => Outcome {
            verdict: Verdict::Skip,
            reason: format!("{tool} is not installed"),
        },
        (_, Observation::Failed { error }) => Outcome {
            verdict: Verdict::Fail,
            reason: format!("could not run: {error}"),
        },
        (
            Probe::PingOut | Probe::PingIn | Probe::LargePing { .. },
            &Observation::Echoes {
                sent,
                answered,
                sending,
            },
        ) => judge_ping(check, sent, answered, sending),
        (
            Probe::Flood,
            &Observation::Echoes {
                sent,
                answered,
                sending,
            },
        ) => judge_flood(check, sent, answered, sending),
        (Probe::Traceroute | Probe::IcmpkitTrace, Observation::Hops { seen, expected }) => {
            judge_hops(check, seen, expected)
        }
        (
            Probe::Transfer,
            &Observation::Transfer {
                bytes,
                received,
                elapsed,
                bound,
            },
        ) => {
            if bytes > 0 && received == bytes && elapsed <= bound {
                Outcome::pass(format!("{} bytes in {:.2} s", bytes, elapsed.as_secs_f64()))
            } else {
                Outcome::fail(
                    check,
                    &format!(
                        "{received} of {bytes} bytes arrived in {:.1} s, the transfer hung",
                        elapsed.as_secs_f64()
                    ),
                )
            }
        }
        (Probe::Tracepath, &Observation::PathMtu { found, expected }) => match found {
            Some(mtu) if mtu == expected => Outcome::pass(format!("pmtu {mtu}")),
            Some(mtu) => Outcome::fail(
                check,
                &format!("tracepath found pmtu {mtu}, the path's is {expected}"),
            ),
            None => Outcome::fail(
                check,
                &format!("tracepath found no pmtu, the path's is {expected}"),
            ),
        },
        (
            Probe::Abused { .. },
            Observation::Arrivals {
                sent,
                arrived,
                watched_at,
            },
        ) => {
            if *sent == 0 {
                Outcome::fail(check, "nothing was sent")
            } else if *arrived == 0 {
                Outcome::pass(format!("dropped: 0 of {sent} arrived at {watched_at}"))
            } else {
                Outcome::fail(
                    check,
                    &format!("delivered: {arrived} of {sent} arrived at {watched_at}"),
                )
            }
        }
        (_, other) => Outcome {
            verdict: Verdict::Fail,
            reason: format!("no judgement of {other:?} for {check}"),
        },
    }
}

fn judge_ping(check: &Check, sent: u32, answered: u32, sending: Duration) -> Outcome {
    let pace = per_second(sent.saturating_sub(1), sending);
    if sent > 0 && answered == sent {
        Outcome::pass(format!(
            "{answered} of {sent} answered (at {pace:.0} a second)"
        ))
    } else {
        Outcome::fail(
            check,
            &format!("{answered} of {sent} answered at {pace:.0} a second"),
        )
    }
}

fn judge_flood(check: &Check, sent: u32, answered: u32, sending: Duration) -> Outcome {
    let rate = per_second(sent, sending);
    let seen = format!("{answered} of {sent} answered, sent at {rate:.0} a second");
    if sent == 0 {
        Outcome::fail(check, "nothing was sent")
    } else if answered == 0 {
        Outcome::fail(check, &format!("{seen}: echo is dropped, not limited"))
    } else if u64::from(answered) * 2 > u64::from(sent) {
        Outcome::fail(check, &format!("{seen}: not limited"))
    } else {
        Outcome::pass(format!("{seen}: cut to a limit"))
    }
}

/// `count` events spread over `over`, per second (0 when no time passed).
fn per_second(count: u32, over: Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 {
        f64::from(count) / secs
    } else {
        0.0
    }
}

fn judge_hops(check: &Check, seen: &[Vec<IpAddr>], expected: &[Vec<IpAddr>]) -> Outcome {
    let mut silent = Vec::new();
    let mut wrong = Vec::new();
    for (i, allowed) in expected.iter().enumerate() {
        let hop = i + 1;
        match seen.get(i) {
            None => silent.push(hop),
            Some(addrs) if addrs.is_empty() => silent.push(hop),
            Some(addrs) => {
                for addr in addrs.iter().filter(|a| !allowed.contains(a)) {
                    wrong.push(format!("hop {hop} answered from {addr}"));
                }
            }
        }
    }
    if silent.is_empty() && wrong.is_empty() {
        let path: Vec<String> = seen
            .iter()
            .take(expected.len())
            .map(|addrs| join(addrs, "|"))
            .collect();
        return Outcome::pass(format!("every hop answered: {}", path.join(" ")));
    }
    let mut what = Vec::new();
    if !silent.is_empty() {
        let last = expected.len();
        let hops: Vec<String> = silent
            .iter()
            .map(|&h| {
                if h == last {
                    format!("{h} (the destination)")
                } else {
                    h.to_string()
                }
            })
            .collect();
        let noun = if silent.len() == 1 { "hop" } else { "hops" };
        what.push(format!("{noun} {} did not answer", hops.join(", ")));
    }
    what.extend(wrong);
    Outcome::fail(check, &what.join("; "))
}

fn join(addrs: &[IpAddr], sep: &str) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// How a ruleset's text is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RulesetFormat {
    /// nftables (`nft -f`).
    Nft,
    /// `iptables-restore` text for IPv4.
    Iptables,
    /// `ip6tables-restore` text for IPv6.
    Ip6tables,
}

impl RulesetFormat {
    /// Tells the format from the text: `iptables-restore` text has a table
    /// line (`*filter`) and `COMMIT`; it is for IPv6 when it names ICMPv6
    /// (`ipv6-icmp`, `icmpv6`) or an IPv6 address. Anything else is taken
    /// as nftables.
    pub fn detect(text: &str) -> RulesetFormat {
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        let restore = lines().any(|l| l.starts_with('*')) && lines().any(|l| l == "COMMIT");
        if !restore {
            return RulesetFormat::Nft;
        }
        let v6 = lines().any(|l| {
            l.starts_with('-')
                && (l.contains("ipv6-icmp")
                    || l.contains("icmpv6")
                    || l.contains("icmp6")
                    || l.split_whitespace().any(|w| w.contains("::")))
        });
        if v6 {
            RulesetFormat::Ip6tables
        } else {
            RulesetFormat::Iptables
        }
    }

    /// The IP versions a ruleset of this format filters: an iptables file
    /// its one; nftables the families of its tables (`inet` both, `ip`
    /// IPv4, `ip6` IPv6, no family named: `ip`, as nft takes it; `arp`,
    /// `bridge` and `netdev` neither), IPv4 first.
    pub fn versions(self, text: &str) -> Vec<IpVersion> {
        match self {
            RulesetFormat::Iptables => vec![IpVersion::V4],
            RulesetFormat::Ip6tables => vec![IpVersion::V6],
            RulesetFormat::Nft => {
                let (mut v4, mut v6) = (false, false);
                for line in text.lines().map(|l| l.split('#').next().unwrap_or("")) {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    for pair in words.windows(2).filter(|w| w[0] == "table") {
                        match pair[1] {
                            "inet" => (v4, v6) = (true, true),
                            "ip6" => v6 = true,
                            "arp" | "bridge" | "netdev" => {}
                            _ => v4 = true,
                        }
                    }
                }
                [(v4, IpVersion::V4), (v6, IpVersion::V6)]
                    .into_iter()
                    .filter_map(|(covered, version)| covered.then_some(version))
                    .collect()
            }
        }
    }

    /// The role a ruleset of this format was most likely written for: a
    /// router when it has a forward hook (nft `hook forward`, iptables
    /// rules in `FORWARD`), else a host.
    pub fn infer_role(self, text: &str) -> Role {
        let forwards =
            text.lines()
                .map(|l| l.split('#').next().unwrap_or(""))
                .any(|l| match self {
                    RulesetFormat::Nft => {
                        let words: Vec<&str> = l.split_whitespace().collect();
                        words
                            .windows(2)
                            .any(|w| w[0] == "hook" && w[1].trim_end_matches(';') == "forward")
                    }
                    RulesetFormat::Iptables | RulesetFormat::Ip6tables => {
                        let mut words = l.split_whitespace();
                        matches!(words.next(), Some("-A" | "-I")) && words.next() == Some("FORWARD")
                    }
                });
        if forwards { Role::Router } else { Role::Host }
    }
}

#[cfg(test)]
mod tests;
