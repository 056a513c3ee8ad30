//! AS numbers of hop addresses by DNS TXT lookups, in the format of the
//! public IP-to-ASN services (Team Cymru's): the question to ask for an
//! address ([`origin_query`]), the answer read ([`Origin::parse`]), and
//! the label traceroute's `-A` prints ([`as_label`]). Sans-IO: the lookup
//! itself is the caller's.
//!
//! An IPv4 address's octets reversed under `origin.asn.cymru.com`
//! (`203.0.113.7` → `7.113.0.203.origin.asn.cymru.com`), an IPv6 address's 32
//! nibbles reversed under `origin6.asn.cymru.com`; each TXT record
//! answering is `"ASN [ASN ...] | PREFIX | CC | REGISTRY | DATE"`, one
//! per prefix holding the address, of which the longest counts.

use std::fmt::Write as _;
use std::net::IpAddr;

/// The zone IPv4 origins are asked under.
pub const ORIGIN_ZONE_V4: &str = "origin.asn.cymru.com";

/// The zone IPv6 origins are asked under.
pub const ORIGIN_ZONE_V6: &str = "origin6.asn.cymru.com";

/// The most AS numbers kept of one answer (a prefix announced by several
/// origins lists them all; a hostile answer could list thousands).
pub const MAX_ORIGINS: usize = 16;

/// The fully qualified name whose TXT records give `addr`'s origin AS.
pub fn origin_query(addr: IpAddr) -> String {
    let mut name = String::new();
    match addr {
        IpAddr::V4(a) => {
            for octet in a.octets().iter().rev() {
                let _ = write!(name, "{octet}.");
            }
            name.push_str(ORIGIN_ZONE_V4);
        }
        IpAddr::V6(a) => {
            for byte in a.octets().iter().rev() {
                let _ = write!(name, "{:x}.{:x}.", byte & 0xf, byte >> 4);
            }
            name.push_str(ORIGIN_ZONE_V6);
        }
    }
    name.push('.');
    name
}

/// One TXT answer: the origin AS numbers of the prefix holding the
/// address, and what the service says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The origin AS numbers (at most [`MAX_ORIGINS`]), as listed.
    pub asns: Vec<u32>,
    /// The prefix, as given (`1.1.1.0/24`).
    pub prefix: String,
    /// Its length, when the prefix reads as one.
    pub prefix_len: Option<u8>,
    /// The country code.
    pub country: String,
    /// The registry (`arin`, `ripencc`, ...).
    pub registry: String,
    /// The allocation date, as given.
    pub allocated: String,
}

impl Origin {
    /// Reads one TXT record's text; `None` when it does not start with AS
    /// numbers. Missing trailing fields are empty.
    pub fn parse(txt: &str) -> Option<Self> {
        let mut fields = txt.trim().trim_matches('"').split('|').map(str::trim);
        let asns: Vec<u32> = fields
            .next()?
            .split_whitespace()
            .map(|a| a.trim_start_matches("AS").parse().ok())
            .take(MAX_ORIGINS)
            .collect::<Option<_>>()?;
        if asns.is_empty() {
            return None;
        }
        let mut next = || fields.next().unwrap_or_default().to_owned();
        let prefix = next();
        let prefix_len = prefix.split_once('/').and_then(|(_, len)| len.parse().ok());
        Some(Self {
            asns,
            prefix_len,
            prefix,
            country: next(),
            registry: next(),
            allocated: next(),
        })
    }

    /// Of the records answering one address, the one of the longest
    /// prefix (the route the address follows), with the origins of other
    /// records of that length added (as traceroute joins the origins of
    /// equal routes); the other fields are the first's.
    pub fn most_specific(records: impl IntoIterator<Item = Self>) -> Option<Self> {
        records.into_iter().reduce(|mut best, o| {
            let (len, best_len) = (o.prefix_len.unwrap_or(0), best.prefix_len.unwrap_or(0));
            if len > best_len {
                return o;
            }
            if len == best_len {
                for asn in o.asns {
                    if !best.asns.contains(&asn) && best.asns.len() < MAX_ORIGINS {
                        best.asns.push(asn);
                    }
                }
            }
            best
        })
    }
}

/// What a lookup of one address found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The origin of its prefix.
    Known(&'a Origin),
    /// The service knows no prefix holding it.
    Unknown,
    /// The service could not be asked (no answer, an error).
    Failed,
}

/// What traceroute's `-A` prints after an address: `[AS13335]`, several
/// origins joined by `/` (`[AS64500/AS64501]`), `[*]` for none known,
/// `[!!]` when the lookup failed.
pub fn as_label(lookup: Lookup<'_>) -> String {
    match lookup {
        Lookup::Known(o) if !o.asns.is_empty() => {
            let all: Vec<String> = o.asns.iter().map(|a| format!("AS{a}")).collect();
            format!("[{}]", all.join("/"))
        }
        Lookup::Known(_) | Lookup::Unknown => "[*]".to_owned(),
        Lookup::Failed => "[!!]".to_owned(),
    }
}

#[cfg(test)]
mod tests;
