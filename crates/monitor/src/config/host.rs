//! A target's `host`: an address, a host name or a prefix (CIDR), and the
//! addresses a prefix expands to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The most addresses one prefix may expand to (an IPv4 /16, an IPv6
/// /112).
pub const MAX_PREFIX_ADDRESSES: u128 = 65_536;

/// The most targets a configuration may have, prefixes expanded.
pub const MAX_TARGETS: usize = 1_000_000;

/// What a `host` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Host {
    /// An address literal.
    Address(IpAddr),
    /// A host name, resolved by the daemon.
    Name,
    /// A prefix: its first address (host bits clear) and length.
    Prefix(IpAddr, u8),
}

/// How to write a host, for messages.
const HOST_HINT: &str = "write an address (10.0.0.1, 2001:db8::1), a host name (gw.example.net) \
    or a prefix (10.0.0.0/24)";

impl Host {
    /// Reads one, or says what is wrong and how to write one.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err(format!("the host is empty: {HOST_HINT}"));
        }
        if s.contains('%') {
            return Err(format!(
                "{s:?} has a scope (%interface): scoped link-local addresses are not supported, \
                 since a target's address alone must say where it is; give a global or \
                 unique-local address"
            ));
        }
        let host = if let Some((addr, len)) = s.split_once('/') {
            Self::prefix(s, addr, len)?
        } else if let Ok(ip) = s.parse::<IpAddr>() {
            Self::Address(ip)
        } else if is_host_name(s) {
            return Ok(Self::Name);
        } else {
            return Err(format!(
                "{s:?} is not an address, a host name or a prefix: {HOST_HINT}"
            ));
        };
        // In fe80::/10 (a prefix long enough to expand lies in it or not).
        if let Self::Address(IpAddr::V6(v6)) | Self::Prefix(IpAddr::V6(v6), _) = host
            && v6.segments()[0] & 0xffc0 == 0xfe80
        {
            return Err(format!(
                "{s:?} is link-local: such an address is reached through one interface, \
                 which a target does not name; give a global or unique-local address"
            ));
        }
        Ok(host)
    }

    fn prefix(s: &str, addr: &str, len: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{s:?} is not a prefix: write an address, a slash and a length, as 10.0.0.0/24 or \
                    2001:db8::/120"
            )
        };
        let ip: IpAddr = addr.parse().map_err(|_| bad())?;
        let len: u8 = len.parse().map_err(|_| bad())?;
        let bits = bits(ip);
        if len > bits {
            let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
            return Err(format!(
                "{s:?}: prefix length {len} is out of range: an {family} prefix is 0 to {bits} \
                    long"
            ));
        }
        let network = mask(ip, len);
        if network != ip {
            return Err(format!(
                "{s:?} has host bits set: write {network}/{len} (or the single address {ip})"
            ));
        }
        let count = prefix_count(ip, len);
        if count > MAX_PREFIX_ADDRESSES {
            let (smallest, family) = if ip.is_ipv4() {
                ("/16", "IPv4")
            } else {
                ("/112", "IPv6")
            };
            return Err(format!(
                "{s:?} has {count} addresses, more than the {MAX_PREFIX_ADDRESSES} one entry may \
                 expand to: split it into {family} prefixes of {smallest} or longer"
            ));
        }
        Ok(Self::Prefix(ip, len))
    }
}

fn bits(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn to_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_bits(like: IpAddr, value: u128) -> IpAddr {
    match like {
        // The value came from an IPv4 address and a count below 2^32.
        #[allow(clippy::cast_possible_truncation)]
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(value as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

/// `ip` with the bits after the first `len` cleared.
fn mask(ip: IpAddr, len: u8) -> IpAddr {
    let host_bits = u32::from(bits(ip) - len);
    let value = to_bits(ip);
    let value = value
        .checked_shr(host_bits)
        .and_then(|v| v.checked_shl(host_bits))
        .unwrap_or(0);
    from_bits(ip, value)
}

/// How many targets the prefix `network/len` expands to: for IPv4 up to
/// /30, its hosts (not the network and broadcast addresses, as `fping -g`
/// does); every address otherwise.
fn prefix_count(network: IpAddr, len: u8) -> u128 {
    let size = 1u128
        .checked_shl(u32::from(bits(network) - len))
        .unwrap_or(u128::MAX);
    if network.is_ipv4() && len <= 30 {
        size - 2
    } else {
        size
    }
}

/// The addresses of the prefix `network/len`, in order (see
/// [`prefix_count`]).
pub(super) fn prefix_addresses(network: IpAddr, len: u8) -> impl Iterator<Item = IpAddr> {
    let first = to_bits(network) + u128::from(network.is_ipv4() && len <= 30);
    (0..prefix_count(network, len)).map(move |i| from_bits(network, first + i))
}

/// Whether `s` is a host name: dot-separated labels of letters, digits,
/// `-` and `_`, none empty (but a final dot) or over 63 characters, 253 in
/// all, the last not all digits (`10.0.0.300` is a mistyped address).
fn is_host_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        && labels
            .last()
            .is_some_and(|l| !l.chars().all(|c| c.is_ascii_digit()))
}
