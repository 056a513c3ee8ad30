//! What dropping or accepting an ICMP message means for the network: what
//! a drop breaks, what an accept exposes, and how much it matters.
//!
//! [`audit`](super::audit) asks this module about every message at every
//! hook with the [`Treatment`] the ruleset gives it; the answers are the
//! audit's findings.

use std::fmt;

use icmpkit_wire::meaning::{self, Status};

use super::{Fate, Hook, IpVersion, Message, Role, Treatment};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; not a fault (does not fail an audit).
    Info,
    /// A small exposure or a convenience lost.
    Low,
    /// A real exposure, or diagnostics broken.
    Medium,
    /// Connections fail.
    High,
    /// A whole protocol stops working.
    Critical,
}

impl Severity {
    /// The name in reports: `info`, `low`, `medium`, `high`, `critical`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One consequence of a treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Consequence {
    /// How much it matters.
    pub severity: Severity,
    /// What happens, in one phrase (`"TCP over IPv6 hangs on large
    /// transfers (path-MTU black hole)"`).
    pub text: &'static str,
}

#[allow(clippy::unnecessary_wraps)] // every arm of a lookup returns it
const fn said(severity: Severity, text: &'static str) -> Option<Consequence> {
    Some(Consequence { severity, text })
}

/// Whether a fate lets (some of) the messages through.
fn passes(fate: &Fate) -> bool {
    matches!(fate, Fate::Accept | Fate::Limit(_))
}

/// The fate that counts for a message's own traffic: the related one for
/// errors and replies (they answer something this side sent), the
/// unsolicited one for requests and link-local messages.
fn own_fate(message: Message, treatment: &Treatment) -> &Fate {
    let error = meaning::is_error(message.version, message.msg_type);
    let reply = matches!(
        (message.version, message.msg_type),
        (IpVersion::V4, 0 | 14 | 16 | 18 | 43) | (IpVersion::V6, 129 | 140 | 161)
    );
    if error || reply {
        &treatment.related
    } else {
        &treatment.unsolicited
    }
}

/// Neighbour discovery (RS, RA, NS, NA) and MLD: link-local, untracked.
fn link_local(message: Message) -> bool {
    message.version == IpVersion::V6 && matches!(message.msg_type, 130..=136 | 143)
}

/// What dropping `message` at `hook` (as `treatment` does) breaks, if
/// anything. `role`: the machine's, when known (a router forwards errors
/// statelessly, so dropping unsolicited ones in transit breaks too).
pub fn when_dropped(
    hook: Hook,
    role: Option<Role>,
    message: Message,
    treatment: &Treatment,
) -> Option<Consequence> {
    use IpVersion::{V4, V6};
    let stateless_transit = hook == Hook::Forward && role == Some(Role::Router);
    let dropped = *own_fate(message, treatment) == Fate::Drop
        || (stateless_transit
            && meaning::is_error(message.version, message.msg_type)
            && treatment.unsolicited == Fate::Drop);
    if !dropped {
        return None;
    }
    match (message.version, message.msg_type, message.code) {
        (V4, 3, 4) => said(
            Severity::High,
            "TCP over IPv4 hangs on large transfers (path-MTU black hole)",
        ),
        (V6, 2, _) => said(
            Severity::High,
            "TCP over IPv6 hangs on large transfers (path-MTU black hole)",
        ),
        (V4, 3, _) | (V6, 1, _) => said(
            Severity::Medium,
            "connection attempts to unreachable hosts and ports hang until they time out instead of failing at once",
        ),
        (V4, 11, _) | (V6, 3, _) => said(Severity::Medium, "traceroute is blind (no hop answers)"),
        (V4, 12, _) | (V6, 4, _) => said(
            Severity::Low,
            "senders of malformed packets never learn why they fail",
        ),
        (V6, 135 | 136, _) if hook != Hook::Forward => said(
            Severity::Critical,
            "no neighbour discovery: no IPv6 on the link",
        ),
        (V6, 134, _) if hook != Hook::Forward => said(
            Severity::High,
            "no router discovery: no default route or autoconfigured address",
        ),
        // Router Solicitations are for routers: a host drops them (RFC
        // 4861 §6.2.6), and one that cannot send its own waits for the
        // next periodic advertisement.
        (V6, 133, _) if hook == Hook::Input => match role {
            Some(Role::Router | Role::Firewall) => said(
                Severity::Medium,
                "hosts on the link wait for the next periodic router advertisement (up to minutes) to configure",
            ),
            _ => said(
                Severity::Info,
                "router solicitations dropped: only routers answer them",
            ),
        },
        (V6, 133, _) if hook == Hook::Output => said(
            Severity::Low,
            "this host waits for the next periodic router advertisement (up to minutes) to configure",
        ),
        (V6, 130..=132 | 143, _) if hook != Hook::Forward => said(
            Severity::Medium,
            "multicast listener discovery fails (multicast, and neighbour discovery behind MLD-snooping switches)",
        ),
        (V4, 8, _) | (V6, 128, _) => said(
            Severity::Low,
            match hook {
                Hook::Input => "no ping: monitoring and diagnostics cannot reach this host",
                Hook::Forward => {
                    "no ping through this machine: monitoring of the hosts behind fails"
                }
                Hook::Output => "this host cannot ping",
            },
        ),
        (V4, 0, _) | (V6, 129, _) => said(
            Severity::Low,
            match hook {
                Hook::Input => "this host's pings get no answer",
                Hook::Forward => "pings through this machine get no answer",
                Hook::Output => "this host does not answer pings (no monitoring)",
            },
        ),
        _ => None,
    }
}

/// What accepting `message` at `hook` (as `treatment` does) exposes, if
/// anything.
pub fn when_accepted(
    hook: Hook,
    role: Option<Role>,
    message: Message,
    treatment: &Treatment,
) -> Option<Consequence> {
    use IpVersion::{V4, V6};
    let any = passes(&treatment.unsolicited) || passes(&treatment.related);
    let unsolicited = passes(&treatment.unsolicited);
    let incoming = hook != Hook::Output;
    let Message {
        version,
        msg_type,
        code,
    } = message;
    if link_local(message) || (version == V6 && msg_type == 137) {
        let below = treatment
            .below_hop_limit_255
            .as_ref()
            .unwrap_or(&treatment.unsolicited);
        if hook == Hook::Input && passes(below) && (133..=136).contains(&msg_type) {
            return said(
                Severity::Low,
                "neighbour discovery accepted below hop limit 255: spoofing from off the link (RFC 4861 §6.1, §7.1)",
            );
        }
    }
    match (version, msg_type) {
        (V4, 5) | (V6, 137) if incoming && any => said(
            if hook == Hook::Input {
                Severity::Medium
            } else {
                Severity::Low
            },
            "redirects accepted: traffic can be diverted",
        ),
        (V4, 13) if incoming && unsolicited => said(
            Severity::Low,
            "timestamp requests answered: the replies reveal the clock",
        ),
        (V4, 8) | (V6, 128) if incoming => match &treatment.unsolicited {
            Fate::Accept => said(
                Severity::Medium,
                "echo without a rate limit: a flood target and reflector",
            ),
            Fate::Limit(rate) if !rate.key.by_source() => said(
                Severity::Info,
                "one echo limit for every source: one flooder starves everyone's pings",
            ),
            _ => None,
        },
        (V4, 0) | (V6, 129) if hook == Hook::Input && unsolicited => said(
            // A router keeps no conntrack (it would track every forwarded
            // flow): accepting them is its policy's price, not a slip.
            if role == Some(Role::Router) {
                Severity::Info
            } else {
                Severity::Low
            },
            "unsolicited echo replies accepted: backscatter and ICMP tunnels reach the host",
        ),
        (V4, 3) if code == 4 => unsolicited_error(hook, role, unsolicited, true),
        (V6, 2) => unsolicited_error(hook, role, unsolicited, true),
        (V4, 3 | 11 | 12) | (V6, 1 | 3 | 4) => unsolicited_error(hook, role, unsolicited, false),
        _ if incoming && any => match meaning::status(version, msg_type) {
            Status::Deprecated => said(
                Severity::Low,
                "deprecated type accepted (RFC 6918, RFC 6633): nothing legitimate sends it",
            ),
            Status::Unassigned | Status::Reserved | Status::Experimental => said(
                Severity::Low,
                "unassigned or experimental type accepted: covert channels and fingerprinting (RFC 4890 §4.3.5)",
            ),
            Status::Current => None,
        },
        _ => None,
    }
}

fn unsolicited_error(
    hook: Hook,
    role: Option<Role>,
    unsolicited: bool,
    too_big: bool,
) -> Option<Consequence> {
    if !unsolicited || hook == Hook::Output {
        return None;
    }
    if too_big {
        return said(
            Severity::Info,
            "spoofed errors can lower the path MTU (RFC 5927 §7); accepted on purpose: path-MTU discovery needs them",
        );
    }
    // A router keeps no conntrack, so it cannot tell solicited errors from
    // others, in transit or to itself: Info there.
    let severity = match (hook, role) {
        (_, Some(Role::Router)) => Severity::Info,
        (Hook::Forward, Some(Role::Firewall)) | (Hook::Input, _) => Severity::Low,
        _ => Severity::Info,
    };
    said(
        severity,
        "unsolicited errors accepted: spoofed ones can reset connections blindly (RFC 5927)",
    )
}
