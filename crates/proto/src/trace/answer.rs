//! What comes back for a probe: an ICMP message read into an [`Answer`]
//! ([`read_icmp`]), and the traceroute meaning of each kind ([`Outcome`]:
//! a hop, the destination, or a final error with its `!H`-style
//! annotation).

use std::net::IpAddr;
use std::time::Duration;

use icmpkit_wire::dissect::Message;
use icmpkit_wire::extension::{ExtensionStructure, InterfaceRole, MplsLabel, Object};
use icmpkit_wire::quote::{self, ProbeIdentity};
use icmpkit_wire::{IpVersion, icmpv4, icmpv6};

/// What an answer says about the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Time Exceeded: a router on the way (the hop).
    Hop,
    /// The destination answered: Echo Reply, Port Unreachable, or a TCP
    /// SYN-ACK or RST.
    Reached,
    /// Destination Unreachable other than the port, Packet Too Big or
    /// Parameter Problem: the trace ends here.
    Unreachable {
        /// ICMPv4 or ICMPv6.
        version: IpVersion,
        /// The message type.
        msg_type: u8,
        /// The code.
        code: u8,
        /// The next-hop MTU of a Fragmentation Needed or Packet Too Big.
        mtu: Option<u32>,
    },
}

impl Outcome {
    /// What an ICMP error of `version`, `msg_type` and `code` means for a
    /// trace (`mtu`: the next-hop MTU it carried, if any); `None` for
    /// Source Quench, Redirect and the like, which say nothing of the
    /// path.
    pub fn of_error(version: IpVersion, msg_type: u8, code: u8, mtu: Option<u32>) -> Option<Self> {
        Some(match (version, msg_type, code) {
            (IpVersion::V4, 11, _) | (IpVersion::V6, 3, _) => Self::Hop,
            (IpVersion::V4, 3, 3) | (IpVersion::V6, 1, 4) => Self::Reached,
            (IpVersion::V4, 3 | 12, _) | (IpVersion::V6, 1 | 2 | 4, _) => Self::Unreachable {
                version,
                msg_type,
                code,
                mtu,
            },
            _ => return None,
        })
    }

    /// Whether the trace goes no further than this answer's TTL.
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Hop)
    }

    /// traceroute's annotation: `!H`, `!N`, `!P`, `!F-1280`, `!X`, `!V`,
    /// `!C`, `!S`, `!<code>`; `None` for hops and the destination.
    pub fn annotation(&self) -> Option<String> {
        let Self::Unreachable {
            version,
            msg_type,
            code,
            mtu,
        } = *self
        else {
            return None;
        };
        let text = match (version, msg_type, code) {
            (IpVersion::V4, 3, 4) | (IpVersion::V6, 2, _) => {
                return Some(format!("!F-{}", mtu.unwrap_or(0)));
            }
            (IpVersion::V4, 3, 0 | 6 | 8 | 11) | (IpVersion::V6, 1, 0) => "!N",
            (IpVersion::V4, 3, 1 | 7 | 12) | (IpVersion::V6, 1, 3) => "!H",
            (IpVersion::V4, 3, 2) | (IpVersion::V6, 4, 1) => "!P",
            (IpVersion::V4, 3, 5) | (IpVersion::V6, 1, 2) => "!S",
            (IpVersion::V4, 3, 9 | 10 | 13) | (IpVersion::V6, 1, 1 | 5 | 6) => "!X",
            (IpVersion::V4, 3, 14) => "!V",
            (IpVersion::V4, 3, 15) => "!C",
            (_, _, code) => return Some(format!("!<{code}>")),
        };
        Some(text.to_owned())
    }

    /// The errno Linux puts in a UDP socket's error queue for this answer
    /// (`icmp_err_convert` and `icmpv6_err_convert`, as `udp_err` applies
    /// them; what tracepath reads its verdict from): `EHOSTUNREACH` for a
    /// Time Exceeded, `ECONNREFUSED` for a Port Unreachable, `EMSGSIZE`
    /// for a Fragmentation Needed or Packet Too Big, `EPROTO` for a
    /// Parameter Problem, and each Destination Unreachable code's own.
    pub fn linux_errno(&self) -> i32 {
        use crate::errno::{
            EACCES, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EMSGSIZE, ENETUNREACH, ENONET,
            ENOPROTOOPT, EOPNOTSUPP, EPROTO,
        };
        let Self::Unreachable {
            version,
            msg_type,
            code,
            ..
        } = *self
        else {
            return match self {
                Self::Hop => EHOSTUNREACH,
                _ => ECONNREFUSED,
            };
        };
        match (version, msg_type, code) {
            (IpVersion::V4, 3, 4) | (IpVersion::V6, 2, _) => EMSGSIZE,
            (IpVersion::V4, 3, 0 | 6 | 9 | 11) | (IpVersion::V6, 1, 0) => ENETUNREACH,
            (IpVersion::V4, 3, 2) => ENOPROTOOPT,
            (IpVersion::V4, 3, 3) | (IpVersion::V6, 1, 4) => ECONNREFUSED,
            (IpVersion::V4, 3, 5) => EOPNOTSUPP,
            (IpVersion::V4, 3, 7) => EHOSTDOWN,
            (IpVersion::V4, 3, 8) => ENONET,
            (IpVersion::V6, 1, 1 | 5 | 6) => EACCES,
            (IpVersion::V4, 3, _) | (IpVersion::V6, 1, 2 | 3) => EHOSTUNREACH,
            _ => EPROTO,
        }
    }
}

/// One RFC 4884 extension object an answer carried, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extension {
    /// An RFC 4950 MPLS label stack, top first.
    Mpls(Vec<MplsLabel>),
    /// RFC 5837 interface information.
    Interface {
        /// Which interface.
        role: InterfaceRole,
        /// Its ifIndex.
        ifindex: Option<u32>,
        /// An address of it.
        address: Option<IpAddr>,
        /// Its name (lossy UTF-8).
        name: Option<String>,
        /// Its MTU.
        mtu: Option<u32>,
    },
    /// Another object, by class and c-type.
    Other {
        /// Class-num.
        class: u8,
        /// C-type.
        c_type: u8,
    },
    /// The structure or an object could not be read: why.
    Malformed(String),
}

/// An answer to one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Who sent it.
    pub from: IpAddr,
    /// The round-trip time.
    pub rtt: Duration,
    /// What it means.
    pub outcome: Outcome,
    /// The TTL the answer arrived with, when known.
    pub reply_ttl: Option<u8>,
    /// The TTL or hop limit the probe had when it reached the sender, as
    /// quoted (ICMP errors only).
    pub quoted_ttl: Option<u8>,
    /// What a middlebox rewrote in the probe, as the quote shows.
    pub rewrites: crate::trace::Rewrites,
    /// The RFC 4884 extension objects.
    pub extensions: Vec<Extension>,
}

impl Answer {
    /// Whether this answer is the destination `dst` answering the probe
    /// itself (Echo Reply, Port Unreachable, SYN-ACK or RST from `dst`):
    /// what every trace mode and summary calls "reached". An error from
    /// the destination (a filter's `!X`) ends a trace without reaching
    /// it, as does a Port Unreachable from another node.
    pub fn reaches(&self, dst: IpAddr) -> bool {
        self.outcome == Outcome::Reached && self.from == dst
    }

    /// How many hops this answer came back over, from the TTL it arrived
    /// with ([`return_hops`]); `None` when the socket did not say.
    pub fn back(&self) -> Option<u8> {
        self.reply_ttl.map(return_hops)
    }
}

/// The hops a packet that arrived with `ttl` came over, as tracepath
/// reckons them (its `back N` and `asymm N`): the sender started at 64,
/// 128 or 255, the first of them at or above `ttl`, and a packet from a
/// neighbour (no router between) counts one hop.
pub fn return_hops(ttl: u8) -> u8 {
    match ttl {
        0..=64 => 65 - ttl,
        65..=128 => 129 - ttl,
        _ => 255 - ttl + 1,
    }
}

/// An ICMP message read for a tracer, borrowing the received bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpAnswer<'a> {
    /// An Echo Reply.
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
    },
    /// An error quoting a datagram.
    Error {
        /// What it means for a trace (for a Port Unreachable: reached).
        outcome: Outcome,
        /// The quoted probe.
        quoted: ProbeIdentity,
        /// The raw extension structure, if any.
        extension: Option<&'a [u8]>,
    },
}

/// Reads an ICMP message (no IP header) of `version`: an Echo Reply or an
/// error whose quote can be read; `None` for anything else (other types,
/// malformed messages, unreadable quotes), which a tracer counts and skips.
///
/// An error whose RFC 4884 length attribute cannot be right (it runs past
/// the end, or delimits under 128 bytes with more after them) still
/// answers the probe it quotes: it is read as Linux reads it, the whole
/// body as the quote and no extension.
pub fn read_icmp(version: IpVersion, icmp: &[u8]) -> Option<IcmpAnswer<'_>> {
    let Ok(message) = Message::parse(version, icmp) else {
        return read_ignoring_length_attr(version, icmp);
    };
    match message {
        Message::V4(icmpv4::Repr::EchoReply { ident, seq_no, .. })
        | Message::V6(icmpv6::Repr::EchoReply { ident, seq_no, .. }) => {
            return Some(IcmpAnswer::EchoReply { ident, seq: seq_no });
        }
        _ => {}
    }
    let (original, extension) = message.error_body()?;
    let quoted = quote::parse(original, version).ok()?.probe_identity();
    let (msg_type, code) = (icmp[0], icmp[1]);
    let mtu = match message {
        Message::V4(icmpv4::Repr::DestinationUnreachable { next_hop_mtu, .. }) if code == 4 => {
            Some(u32::from(next_hop_mtu))
        }
        Message::V6(icmpv6::Repr::PacketTooBig { mtu, .. }) => Some(mtu),
        _ => None,
    };
    let outcome = Outcome::of_error(version, msg_type, code, mtu)?;
    Some(IcmpAnswer::Error {
        outcome,
        quoted,
        extension,
    })
}

/// [`read_icmp`] of an error with its RFC 4884 length attribute taken as
/// zero; `None` when it was zero already or the type has none.
fn read_ignoring_length_attr(version: IpVersion, icmp: &[u8]) -> Option<IcmpAnswer<'static>> {
    let at = match (version, icmp.first()?) {
        (IpVersion::V4, 3 | 11 | 12) => 5,
        (IpVersion::V6, 1 | 3) => 4,
        _ => return None,
    };
    if *icmp.get(at)? == 0 {
        return None;
    }
    let mut plain = icmp.to_vec();
    plain[at] = 0;
    match read_icmp(version, &plain)? {
        IcmpAnswer::Error {
            outcome, quoted, ..
        } => Some(IcmpAnswer::Error {
            outcome,
            quoted,
            extension: None,
        }),
        IcmpAnswer::EchoReply { .. } => None,
    }
}

/// The extension objects of a raw structure, owned; a malformed structure
/// or object ends the list with [`Extension::Malformed`].
pub fn read_extensions(bytes: &[u8]) -> Vec<Extension> {
    let structure = match ExtensionStructure::new_checked(bytes) {
        Ok(s) => s,
        Err(e) => return vec![Extension::Malformed(e.to_string())],
    };
    let mut out = Vec::new();
    for object in structure.objects() {
        out.push(match object {
            Ok(Object::Mpls(stack)) => Extension::Mpls(stack.labels().collect()),
            Ok(Object::InterfaceInformation(info)) => Extension::Interface {
                role: info.role,
                ifindex: info.ifindex,
                address: info.address,
                name: info.name.map(|n| String::from_utf8_lossy(n).into_owned()),
                mtu: info.mtu,
            },
            Ok(other) => Extension::Other {
                class: other.class_num(),
                c_type: match other {
                    Object::Unknown(raw) => raw.c_type,
                    Object::InterfaceIdentification(i) => i.c_type(),
                    _ => 0,
                },
            },
            Err(e) => Extension::Malformed(e.to_string()),
        });
    }
    out
}

#[cfg(test)]
mod tests;
