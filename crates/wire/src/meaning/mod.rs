//! The names and meanings of every ICMPv4 and ICMPv6 type and code.
//!
//! This module is the single place where icmpkit keeps what a type/code pair
//! is called and what it means: the IANA registry name, the short name
//! `tshark` prints on its summary line, the aliases firewalls and operators
//! use (`frag-needed`, `admin-prohibited`, `packet-too-big`...), and for the
//! messages an engineer actually meets, who sends them, why, and what to do.
//! `icmpkit decode` prints the short names; `icmpkit explain` prints the rest.
//!
//! Everything is static data: lookups borrow from the tables and never
//! allocate.
//!
//! ```
//! use icmpkit_wire::IpVersion;
//! use icmpkit_wire::meaning::{self, Kind};
//!
//! let unreachable = meaning::type_info(IpVersion::V4, 3).unwrap();
//! assert_eq!(unreachable.short, "Destination unreachable");
//! assert_eq!(unreachable.kind, Kind::Error);
//!
//! let found = meaning::find("frag-needed").unwrap();
//! assert_eq!((found.version, found.msg_type, found.code), (IpVersion::V4, 3, Some(4)));
//! assert_eq!(found.code_info().unwrap().short, "Fragmentation needed");
//! ```

use crate::ip::IpVersion;

mod counterpart;
mod extended_echo;
mod v4;
mod v6;

pub use counterpart::counterpart;

#[cfg(test)]
mod tests;

/// Whether a message reports a problem with another datagram or carries
/// information of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An error message: it quotes (the start of) the datagram that caused
    /// it, and no ICMP error may be sent in response to it (RFC 1122
    /// §3.2.2, RFC 4443 §2.4).
    Error,
    /// A query, reply or other informational message.
    Informational,
}

/// Where a type stands in the IANA registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Assigned and in use.
    Current,
    /// Formally deprecated (e.g. by RFC 6633 or RFC 6918); a host should
    /// neither send nor act on it.
    Deprecated,
    /// Assigned for experiments, private use, or by an Experimental RFC.
    Experimental,
    /// Reserved by the registry: not to be assigned as an ordinary message.
    Reserved,
    /// Not assigned to anything.
    Unassigned,
}

/// One ICMP message type: its names and what it means.
#[derive(Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// The type number.
    pub number: u8,
    /// The name in the IANA registry, e.g. `"Destination Unreachable"`.
    pub name: &'static str,
    /// The name on a summary line, in tshark's wording where tshark has one,
    /// e.g. `"Destination unreachable"`, `"Echo (ping) request"`.
    pub short: &'static str,
    /// Further names [`find`] accepts, e.g. `"echo-request"`, `"ping"`:
    /// mostly the keywords of iptables, nftables and ip6tables.
    pub aliases: &'static [&'static str],
    /// Error or informational.
    pub kind: Kind,
    /// Current, deprecated, experimental, reserved or unassigned.
    pub status: Status,
    /// The defining documents, e.g. `"RFC 792, RFC 1122 §3.2.2.6"`.
    pub reference: &'static str,
    /// What the message says, in one or two sentences.
    pub meaning: &'static str,
    /// Why one is usually seen, most common first (may be empty).
    pub causes: &'static [&'static str],
    /// What to check or do about it (may be empty).
    pub remedies: &'static [&'static str],
    /// The codes with a meaning of their own, in ascending order. Empty
    /// when the registry has only "No Code" (0).
    pub codes: &'static [CodeInfo],
}

/// One code of an ICMP message type: its names and what it means.
#[derive(Debug, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code number.
    pub code: u8,
    /// The name in the IANA registry, e.g. `"Port Unreachable"`.
    pub name: &'static str,
    /// The name on a summary line, in tshark's wording where tshark has one,
    /// e.g. `"Port unreachable"`, `"Fragmentation needed"`.
    pub short: &'static str,
    /// Further names [`find`] accepts, e.g. `"frag-needed"`,
    /// `"admin-prohibited"`.
    pub aliases: &'static [&'static str],
    /// The defining documents.
    pub reference: &'static str,
    /// What the code says, in one or two sentences, including who usually
    /// sends it.
    pub meaning: &'static str,
    /// Why one is usually seen, most common first.
    pub causes: &'static [&'static str],
    /// What to check or do about it.
    pub remedies: &'static [&'static str],
}

impl TypeInfo {
    /// The entry for `code`, if this type names it.
    pub fn code(&self, code: u8) -> Option<&'static CodeInfo> {
        let codes: &'static [CodeInfo] = self.codes;
        codes.iter().find(|c| c.code == code)
    }

    /// Whether this is an error message.
    pub fn is_error(&self) -> bool {
        self.kind == Kind::Error
    }
}

/// A type that has names and a meaning but no codes, causes or remedies
/// (the registry's rarely met and historical entries).
const fn brief(
    number: u8,
    name: &'static str,
    short: &'static str,
    kind: Kind,
    status: Status,
    reference: &'static str,
    meaning: &'static str,
) -> TypeInfo {
    TypeInfo {
        number,
        name,
        short,
        aliases: &[],
        kind,
        status,
        reference,
        meaning,
        causes: &[],
        remedies: &[],
        codes: &[],
    }
}

/// A code that has names and a meaning but no aliases, causes or remedies.
const fn brief_code(
    code: u8,
    name: &'static str,
    short: &'static str,
    reference: &'static str,
    meaning: &'static str,
) -> CodeInfo {
    CodeInfo {
        code,
        name,
        short,
        aliases: &[],
        reference,
        meaning,
        causes: &[],
        remedies: &[],
    }
}

/// The outcome of a name lookup: which family, type and (optionally) code a
/// name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Found {
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The type number.
    pub msg_type: u8,
    /// The code, when the name is that of a code (e.g. `port-unreachable`)
    /// rather than of a whole type (e.g. `destination-unreachable`).
    pub code: Option<u8>,
}

impl Found {
    /// The type's entry.
    pub fn type_info(&self) -> &'static TypeInfo {
        // A `Found` is only made from a table entry, so the lookup succeeds;
        // fall back to the first entry rather than panic.
        type_info(self.version, self.msg_type).unwrap_or(&types(self.version)[0])
    }

    /// The code's entry, when the name was a code's.
    pub fn code_info(&self) -> Option<&'static CodeInfo> {
        self.code
            .and_then(|c| code_info(self.version, self.msg_type, c))
    }
}

/// A summary-line description of a type and code, in tshark's style:
/// `Destination unreachable (Port unreachable)`, `Echo (ping) request`,
/// `Destination unreachable (code 99)`, `Unknown ICMPv6 type 42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Summary {
    /// ICMPv4 or ICMPv6.
    pub version: IpVersion,
    /// The type number.
    pub msg_type: u8,
    /// The code number.
    pub code: u8,
}

/// The summary line for a type and code (see [`Summary`]).
pub const fn summary(version: IpVersion, msg_type: u8, code: u8) -> Summary {
    Summary {
        version,
        msg_type,
        code,
    }
}

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let Some(info) = type_info(self.version, self.msg_type) else {
            let family = match self.version {
                IpVersion::V4 => "ICMPv4",
                IpVersion::V6 => "ICMPv6",
            };
            return write!(f, "Unknown {family} type {}", self.msg_type);
        };
        match info.code(self.code) {
            Some(c) => write!(f, "{} ({})", info.short, c.short),
            None if self.code == 0 => f.write_str(info.short),
            None => write!(f, "{} (code {})", info.short, self.code),
        }
    }
}

/// Every type of a family that the IANA registry lists individually,
/// in ascending order. Types in unassigned ranges (ICMPv4 44–252, ICMPv6
/// 5–99, 102–126, 162–199, 202–254) have no entry.
pub fn types(version: IpVersion) -> &'static [TypeInfo] {
    match version {
        IpVersion::V4 => v4::TYPES,
        IpVersion::V6 => v6::TYPES,
    }
}

/// The entry for a type, if the registry lists it.
pub fn type_info(version: IpVersion, msg_type: u8) -> Option<&'static TypeInfo> {
    types(version).iter().find(|t| t.number == msg_type)
}

/// The entry for a code of a type, if the registry names it. Types whose
/// only code is "No Code" (0) have no code entries.
pub fn code_info(version: IpVersion, msg_type: u8, code: u8) -> Option<&'static CodeInfo> {
    type_info(version, msg_type)?.code(code)
}

/// Where a type number stands in the registry, including the unassigned
/// ranges that have no entry.
pub fn status(version: IpVersion, msg_type: u8) -> Status {
    type_info(version, msg_type).map_or(Status::Unassigned, |t| t.status)
}

/// Whether a type is an ICMP error message: for ICMPv4 the error classes of
/// RFC 1122 §3.2.2 (3 Destination Unreachable, 4 Source Quench, 5 Redirect,
/// 11 Time Exceeded, 12 Parameter Problem); for ICMPv6 every type below 128
/// (RFC 4443 §2.1).
///
/// An ICMP error is never sent in response to one of these. (ICMPv4 type 40,
/// Photuris, also quotes the offending datagram and its entry's
/// [`Kind`] is `Error`, but it is not one of RFC 1122's classes.)
pub const fn is_error(version: IpVersion, msg_type: u8) -> bool {
    match version {
        IpVersion::V4 => matches!(msg_type, 3 | 4 | 5 | 11 | 12),
        IpVersion::V6 => msg_type < 128,
    }
}

/// The type or code a name stands for.
///
/// Matching ignores case, `-`, `_` and spaces, and accepts every alias, the
/// IANA name and the tshark short name. A name both families use
/// (`echo-request`, `port-unreachable`, `time-exceeded`...) means ICMPv4
/// unless it carries a family prefix: `v6:`, `icmpv6-`, `icmp6-`, `ipv6:`
/// (and `v4:`, `icmpv4-`... for ICMPv4). A name only one family has
/// (`packet-too-big`, `neighbor-solicitation`) means that family.
///
/// ```
/// use icmpkit_wire::IpVersion;
/// use icmpkit_wire::meaning::find;
///
/// let f = find("v6:port-unreachable").unwrap();
/// assert_eq!((f.version, f.msg_type, f.code), (IpVersion::V6, 1, Some(4)));
/// assert_eq!(find("Packet Too Big").unwrap().msg_type, 2);
/// assert!(find("no-such-thing").is_none());
/// ```
pub fn find(name: &str) -> Option<Found> {
    find_all(name).next()
}

/// Everything a name could stand for, best first: at most one match per
/// family, the preferred family (ICMPv4, or the one a prefix names) first.
/// `explain` uses the second to mention the other family's counterpart.
pub fn find_all(name: &str) -> impl Iterator<Item = Found> + use<> {
    let name = name.trim();
    let (preferred, rest) = split_family(name);
    let order = match preferred {
        Some(IpVersion::V6) => [IpVersion::V6, IpVersion::V4],
        _ => [IpVersion::V4, IpVersion::V6],
    };
    let mut found = order.map(|v| find_in(v, rest));
    if preferred.is_some() && found.iter().all(Option::is_none) {
        // Not a prefix after all: "IPv6 Where-Are-You" is an ICMPv4 name.
        found = [IpVersion::V4, IpVersion::V6].map(|v| find_in(v, name));
    }
    found.into_iter().flatten()
}

/// Splits a family prefix (`v6:`, `icmpv6-`, `ipv4 `...) off a name: the
/// family it names, if any, and the rest.
///
/// ```
/// use icmpkit_wire::IpVersion;
/// use icmpkit_wire::meaning::split_family;
///
/// assert_eq!(split_family("v6:frag-needed"), (Some(IpVersion::V6), "frag-needed"));
/// assert_eq!(split_family("frag-needed"), (None, "frag-needed"));
/// ```
pub fn split_family(name: &str) -> (Option<IpVersion>, &str) {
    const PREFIXES: [(&str, IpVersion); 10] = [
        ("icmpv6", IpVersion::V6),
        ("icmpv4", IpVersion::V4),
        ("icmp6", IpVersion::V6),
        ("icmp4", IpVersion::V4),
        ("ipv6", IpVersion::V6),
        ("ipv4", IpVersion::V4),
        ("ip6", IpVersion::V6),
        ("ip4", IpVersion::V4),
        ("v6", IpVersion::V6),
        ("v4", IpVersion::V4),
    ];
    for (prefix, version) in PREFIXES {
        let Some((head, tail)) = name.split_at_checked(prefix.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(prefix) {
            continue;
        }
        let mut chars = tail.chars();
        if matches!(chars.next(), Some(':' | '-' | '_' | ' ' | '/')) {
            return (Some(version), chars.as_str().trim_start());
        }
    }
    (None, name)
}

/// The first entry of one family a name matches: types before codes, in
/// table order.
fn find_in(version: IpVersion, name: &str) -> Option<Found> {
    if name.is_empty() {
        return None;
    }
    let found = |msg_type, code| Found {
        version,
        msg_type,
        code,
    };
    if let Some((msg_type, code)) = numeric(name) {
        let info = type_info(version, msg_type)?;
        return match code {
            None => Some(found(msg_type, None)),
            Some(0) if info.codes.is_empty() => Some(found(msg_type, None)),
            Some(c) => info.code(c).map(|_| found(msg_type, Some(c))),
        };
    }
    let table = types(version);
    if let Some(t) = table
        .iter()
        .find(|t| names_match(name, t.name, t.short, t.aliases))
    {
        return Some(found(t.number, None));
    }
    table.iter().find_map(|t| {
        t.codes
            .iter()
            .find(|c| names_match(name, c.name, c.short, c.aliases))
            .map(|c| found(t.number, Some(c.code)))
    })
}

/// Reads `"3"` or `"3/4"` (also `"3:4"`, `"3.4"`) as a type and code.
fn numeric(name: &str) -> Option<(u8, Option<u8>)> {
    match name.split_once(['/', ':', '.']) {
        Some((t, c)) => Some((t.trim().parse().ok()?, Some(c.trim().parse().ok()?))),
        None => Some((name.parse().ok()?, None)),
    }
}

fn names_match(query: &str, name: &str, short: &str, aliases: &[&str]) -> bool {
    same_name(query, name) || same_name(query, short) || aliases.iter().any(|a| same_name(query, a))
}

/// Whether two names are equal ignoring case, `-`, `_` and spaces.
pub fn same_name(a: &str, b: &str) -> bool {
    normalized(a).eq(normalized(b))
}

fn normalized(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
}
