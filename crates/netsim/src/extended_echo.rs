//! RFC 8335 extended echo (PROBE) as a simulated node answers it: Linux's
//! `icmp_build_probe` (net/ipv4/icmp.c, shared by ICMPv6), over the node's
//! [`Interface`] table.
//!
//! Linux answers only with its sysctl `icmp_echo_enable_probe` on (off by
//! default; [`ExtendedEchoAnswers::Off`] here), and only when Echo is
//! answered too (`icmp_echo_ignore_all` drops both). It answers only
//! requests with the L bit set, silently dropping the others; it reads the
//! first object of the extension structure, whatever its class-num, by its
//! c-type:
//!
//! - by name (c-type 1): a name of 16 bytes or more is a Malformed Query;
//! - by ifIndex (c-type 2): a payload other than 4 bytes is malformed;
//! - by address (c-type 3): AFI 1 with 4 bytes or AFI 2 with 16, else
//!   malformed; the interface holding the address (the first one).
//!
//! An object shorter than its header or longer than Linux's buffer (24
//! bytes), a missing object and any other c-type are malformed too. Found:
//! No Error with A (the interface is up), 4 (it has an IPv4 address) and 6
//! (it has an IPv6 address), State 0. Not found: No Such Interface.
//!
//! Linux never sends No Such Table Entry nor Multiple Interfaces Satisfy
//! Query; [`ExtendedEchoAnswers::Rfc8335`] is a node that does as RFC 8335
//! §4 says: a query by address that several interfaces hold gets Multiple
//! Interfaces, and a request with the L bit clear asks about a neighbour
//! (by address; by name or index it is malformed), which the node's empty
//! ARP / ND table never holds: No Such Table Entry.
//!
//! Two liberties: the extension header must be version 2 (Linux does not
//! look), as `icmpkit_wire` reads it; and the reply is the 8-byte header
//! alone (Linux copies the request's payload after it).

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use icmpkit_wire::dissect::Message;
use icmpkit_wire::extension::{ExtensionStructure, InterfaceAddress, InterfaceIdentification};
use icmpkit_wire::icmpv4::{ExtendedEchoReply, ExtendedEchoState};
use icmpkit_wire::{IpVersion, icmpv4, icmpv6};

/// Linux's `IFNAMSIZ`: a name, with its NUL, fits in 16 bytes.
const IFNAMSIZ: usize = 16;

/// The longest Interface Identification object Linux reads (its header and
/// the largest identifier, a c-type 3 IPv6 address: 4 + 4 + 16).
const MAX_OBJECT_LEN: usize = 24;

/// One interface of a simulated node, for extended echo to ask about (and
/// RFC 5837 interface information to describe).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interface {
    pub(crate) name: Cow<'static, str>,
    pub(crate) index: u32,
    pub(crate) v4: Cow<'static, [Ipv4Addr]>,
    pub(crate) v6: Cow<'static, [Ipv6Addr]>,
    pub(crate) up: bool,
}

impl Interface {
    /// Linux's loopback: `lo`, ifIndex 1, `127.0.0.1` and `::1`, up.
    pub const LOOPBACK: Self = Self::new("lo", 1)
        .v4(&[Ipv4Addr::LOCALHOST])
        .v6(&[Ipv6Addr::LOCALHOST]);

    /// An interface named `name` with ifIndex `index`, up, without
    /// addresses.
    pub const fn new(name: &'static str, index: u32) -> Self {
        Self {
            name: Cow::Borrowed(name),
            index,
            v4: Cow::Borrowed(&[]),
            v6: Cow::Borrowed(&[]),
            up: true,
        }
    }

    /// An interface built at run time (from a topology file).
    pub fn owned(name: String, index: u32, v4: Vec<Ipv4Addr>, v6: Vec<Ipv6Addr>) -> Self {
        Self {
            name: Cow::Owned(name),
            index,
            v4: Cow::Owned(v4),
            v6: Cow::Owned(v6),
            up: true,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its ifIndex.
    pub const fn index(&self) -> u32 {
        self.index
    }

    /// Its IPv4 addresses.
    #[must_use]
    pub const fn v4(mut self, addrs: &'static [Ipv4Addr]) -> Self {
        // Replaced without running a destructor (not allowed in a const
        // fn); the old value is a borrowed slice unless built by `owned`.
        std::mem::forget(std::mem::replace(&mut self.v4, Cow::Borrowed(addrs)));
        self
    }

    /// Its IPv6 addresses.
    #[must_use]
    pub const fn v6(mut self, addrs: &'static [Ipv6Addr]) -> Self {
        // Replaced without running a destructor (not allowed in a const
        // fn); the old value is a borrowed slice unless built by `owned`.
        std::mem::forget(std::mem::replace(&mut self.v6, Cow::Borrowed(addrs)));
        self
    }

    /// Administratively down (`ip link set dev NAME down`): found, but
    /// without the A bit.
    #[must_use]
    pub const fn down(mut self) -> Self {
        self.up = false;
        self
    }

    /// Whether `addr` is one of its addresses.
    fn holds(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self.v4.contains(&a),
            IpAddr::V6(a) => self.v6.contains(&a),
        }
    }
}

/// How a node answers Extended Echo Requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExtendedEchoAnswers {
    /// Not at all: requests are dropped silently (Linux's default,
    /// `net.ipv4.icmp_echo_enable_probe = 0`).
    #[default]
    Off,
    /// As Linux with `net.ipv4.icmp_echo_enable_probe = 1`.
    Linux,
    /// As RFC 8335 §4 says, where it says more than Linux does: Multiple
    /// Interfaces Satisfy Query and No Such Table Entry.
    Rfc8335,
}

/// What a lookup found.
enum Outcome<'t> {
    Found(&'t Interface),
    Code(ExtendedEchoReply),
}

/// The Extended Echo Reply (an ICMP message, checksum filled) a node with
/// `table` answering as `answers` sends to `message`, an Extended Echo
/// Request from `src` to `dst` (the node); `None` when it sends nothing.
pub(crate) fn reply(
    answers: ExtendedEchoAnswers,
    table: &[Interface],
    message: &[u8],
    src: IpAddr,
    dst: IpAddr,
) -> Option<Vec<u8>> {
    if answers == ExtendedEchoAnswers::Off {
        return None;
    }
    let version = match dst {
        IpAddr::V4(_) => IpVersion::V4,
        IpAddr::V6(_) => IpVersion::V6,
    };
    let (Message::V4(icmpv4::Repr::ExtendedEchoRequest {
        ident,
        seq_no,
        local,
        request,
    })
    | Message::V6(icmpv6::Repr::ExtendedEchoRequest {
        ident,
        seq_no,
        local,
        request,
    })) = Message::parse(version, message).ok()?
    else {
        return None;
    };
    let rfc = answers == ExtendedEchoAnswers::Rfc8335;
    if !local && !rfc {
        return None;
    }
    let outcome = match query(request) {
        None => Outcome::Code(ExtendedEchoReply::MalformedQuery),
        Some(InterfaceIdentification::Address(InterfaceAddress::Ip(_))) if !local => {
            Outcome::Code(ExtendedEchoReply::NoSuchTableEntry)
        }
        Some(_) if !local => Outcome::Code(ExtendedEchoReply::MalformedQuery),
        Some(id) => find(table, id, rfc),
    };
    let (code, found) = match outcome {
        Outcome::Found(interface) => (ExtendedEchoReply::NoError, Some(interface)),
        Outcome::Code(code) => (code, None),
    };
    let state = ExtendedEchoState::Reserved;
    let active = found.is_some_and(|i| i.up);
    let ipv4 = found.is_some_and(|i| !i.v4.is_empty());
    let ipv6 = found.is_some_and(|i| !i.v6.is_empty());
    match (dst, src) {
        (IpAddr::V4(_), IpAddr::V4(_)) => {
            let repr = icmpv4::Repr::ExtendedEchoReply {
                code,
                ident,
                seq_no,
                state,
                active,
                ipv4,
                ipv6,
            };
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut icmpv4::Packet::new_unchecked(&mut out[..]));
            Some(out)
        }
        (IpAddr::V6(from), IpAddr::V6(to)) => {
            let repr = icmpv6::Repr::ExtendedEchoReply {
                code,
                ident,
                seq_no,
                state,
                active,
                ipv4,
                ipv6,
            };
            let mut out = vec![0; repr.buffer_len()];
            repr.emit(&mut icmpv6::Packet::new_unchecked(&mut out[..]), from, to);
            Some(out)
        }
        _ => None,
    }
}

/// The interface identification of the request's extension structure as
/// Linux reads it; `None` for a Malformed Query.
fn query(request: &[u8]) -> Option<InterfaceIdentification<'_>> {
    let structure = ExtensionStructure::new_checked(request).ok()?;
    let object = structure.raw_objects().next()?.ok()?;
    // An empty object is malformed, and so is one longer than Linux's
    // buffer.
    if object.data.is_empty() || object.data.len() + 4 > MAX_OBJECT_LEN {
        return None;
    }
    let id = InterfaceIdentification::parse(object.c_type, object.data)?.ok()?;
    match id {
        InterfaceIdentification::Name(name) if name.len() >= IFNAMSIZ => None,
        InterfaceIdentification::Address(InterfaceAddress::Unknown { .. }) => None,
        id => Some(id),
    }
}

/// The interface `id` names in `table`; with `rfc`, an address that several
/// interfaces hold is Multiple Interfaces Satisfy Query.
fn find<'t>(table: &'t [Interface], id: InterfaceIdentification<'_>, rfc: bool) -> Outcome<'t> {
    let mut matching = table.iter().filter(|i| match id {
        // Linux copies the name into a NUL-filled buffer and compares it
        // as a C string: the name ends at its first NUL.
        InterfaceIdentification::Name(name) => {
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            i.name.as_bytes() == &name[..end]
        }
        InterfaceIdentification::Index(index) => i.index == index,
        InterfaceIdentification::Address(InterfaceAddress::Ip(addr)) => i.holds(addr),
        InterfaceIdentification::Address(InterfaceAddress::Unknown { .. }) => false,
    });
    match (matching.next(), matching.next()) {
        (None, _) => Outcome::Code(ExtendedEchoReply::NoSuchInterface),
        (Some(_), Some(_)) if rfc => {
            Outcome::Code(ExtendedEchoReply::MultipleInterfacesSatisfyQuery)
        }
        (Some(interface), _) => Outcome::Found(interface),
    }
}
