//! `ADDR`, `ADDR%SCOPE` or `ADDR/LEN`: the one parser of address
//! specifications for ping, sweep and trace.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address, or a prefix when a length follows a `/`; an IPv6 address
/// may name its interface after a `%` (`fe80::1%eth0`, `fe80::1%2`), as
/// RFC 4007 writes a scope (zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrSpec {
    /// The address (of the prefix: host bits may be set).
    pub addr: IpAddr,
    /// The prefix length, when one was given (checked against the family).
    pub len: Option<u8>,
    /// The scope, when one was given (IPv6 only).
    pub scope: Option<Scope>,
}

/// The scope of an IPv6 address as given after its `%`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An interface name (`%eth0`): only for addresses that need a scope
    /// ([`icmpkit_net::needs_scope`]), as glibc's resolver allows.
    Name(String),
    /// An interface index (`%2`). For an address that needs no scope it
    /// is accepted and has no effect, as with iputils ping.
    Index(u32),
}

/// Why a specification is not an `ADDR`, `ADDR%SCOPE` or `ADDR/LEN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrSpecError {
    /// The part before `/` (and `%`) is no IPv4 or IPv6 address.
    #[error("{0}: not an IPv4 or IPv6 address or prefix (ADDRESS/LENGTH)")]
    NotAnAddress(String),
    /// The part after `/` is no number.
    #[error("{0}: the prefix length must be a number")]
    BadLength(String),
    /// The length is longer than the family's addresses.
    #[error("{spec}: an {family} prefix length is at most {max}")]
    TooLong {
        /// The specification as given.
        spec: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// 32 or 128.
        max: u8,
    },
    /// A `%` after an IPv4 address, or with nothing after it.
    #[error("{0}: a scope (%INTERFACE) follows IPv6 addresses only, and names an interface")]
    BadScope(String),
    /// A numeric scope too large for an interface index.
    #[error("{spec}: there is no network interface with index {index} (see `ip link`)")]
    ScopeIndex {
        /// The argument as given.
        spec: String,
        /// The index, as written.
        index: String,
    },
    /// An interface name after an address that needs no scope.
    #[error(
        "{spec}: {addr} is not link-local, so no interface scope applies: drop %{name} (the routes choose the interface; -I binds to one)"
    )]
    NotLinkLocal {
        /// The specification as given.
        spec: String,
        /// The address.
        addr: IpAddr,
        /// The interface named.
        name: String,
    },
    /// No interface has the name given.
    #[error("{spec}: there is no network interface named {name:?} (see `ip link`)")]
    NoSuchInterface {
        /// The specification as given.
        spec: String,
        /// The name.
        name: String,
    },
    /// No interface has the index given.
    #[error("{spec}: there is no network interface with index {index} (see `ip link`)")]
    NoSuchIndex {
        /// The specification as given.
        spec: String,
        /// The index.
        index: u32,
    },
}

impl AddrSpec {
    /// Whether `text` looks like a prefix (has a `/`), so that a name is
    /// never taken for one.
    pub fn is_prefix(text: &str) -> bool {
        text.contains('/')
    }

    /// The interface index of the scope (`sin6_scope_id`); 0 without one.
    /// A name is looked up; an index is checked to exist when the address
    /// needs a scope (for another address the kernel ignores it, and so
    /// does this, as iputils does).
    pub fn scope_id(&self) -> Result<u32, AddrSpecError> {
        let needs = matches!(self.addr, IpAddr::V6(a) if icmpkit_net::needs_scope(&a));
        match &self.scope {
            None => Ok(0),
            Some(Scope::Name(name)) => {
                icmpkit_net::interface_index(name).ok_or_else(|| AddrSpecError::NoSuchInterface {
                    spec: self.to_string(),
                    name: name.clone(),
                })
            }
            Some(Scope::Index(index)) => {
                let index = *index;
                if needs && icmpkit_net::interface_name(index).is_none() {
                    return Err(AddrSpecError::NoSuchIndex {
                        spec: self.to_string(),
                        index,
                    });
                }
                Ok(index)
            }
        }
    }
}

impl FromStr for AddrSpec {
    type Err = AddrSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (addr, len) = match spec.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (spec, None),
        };
        let (addr, scope) = match addr.trim().split_once('%') {
            Some((addr, scope)) => (addr, Some(scope)),
            None => (addr, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| AddrSpecError::NotAnAddress(spec.to_owned()))?;
        let len = len
            .map(|l| {
                l.trim()
                    .parse::<u8>()
                    .map_err(|_| AddrSpecError::BadLength(spec.to_owned()))
            })
            .transpose()?;
        let (family, max) = match addr {
            IpAddr::V4(_) => ("IPv4", 32),
            IpAddr::V6(_) => ("IPv6", 128),
        };
        if len.is_some_and(|l| l > max) {
            return Err(AddrSpecError::TooLong {
                spec: spec.to_owned(),
                family,
                max,
            });
        }
        let scope = scope
            .map(|scope| parse_scope(spec, addr, scope))
            .transpose()?;
        Ok(Self { addr, len, scope })
    }
}

/// The scope `text` given after `addr` in `spec`.
fn parse_scope(spec: &str, addr: IpAddr, text: &str) -> Result<Scope, AddrSpecError> {
    let IpAddr::V6(v6) = addr else {
        return Err(AddrSpecError::BadScope(spec.to_owned()));
    };
    if text.is_empty() {
        return Err(AddrSpecError::BadScope(spec.to_owned()));
    }
    // glibc's reading: an interface name first (for an address that needs
    // a scope), then a decimal index.
    if icmpkit_net::needs_scope(&v6) && icmpkit_net::interface_index(text).is_some() {
        return Ok(Scope::Name(text.to_owned()));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Scope::Index)
            .map_err(|_| AddrSpecError::ScopeIndex {
                spec: spec.to_owned(),
                index: text.to_owned(),
            });
    }
    if icmpkit_net::needs_scope(&v6) {
        Ok(Scope::Name(text.to_owned()))
    } else {
        Err(AddrSpecError::NotLinkLocal {
            spec: spec.to_owned(),
            addr,
            name: text.to_owned(),
        })
    }
}

impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.addr)?;
        match &self.scope {
            Some(Scope::Name(name)) => write!(f, "%{name}")?,
            Some(Scope::Index(index)) => write!(f, "%{index}")?,
            None => {}
        }
        match self.len {
            Some(len) => write!(f, "/{len}"),
            None => Ok(()),
        }
    }
}

/// Link-local addresses of one run named with different interfaces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{first} and {other}: the link-local addresses of one run must be on one interface: run once per interface"
)]
pub struct ScopeConflict {
    /// The first address with a scope, as given.
    pub first: String,
    /// One with another scope, as given.
    pub other: String,
}

/// The one interface the scoped link-local addresses among `addresses`
/// (each as given, the address, its scope id) name: a run's sockets take
/// one (`icmpkit_driver::real::SocketOptions::link_scope`). `None` when
/// none names one (the kernel chooses by its routes); an index given with
/// an address that needs no scope is left out (it has no effect).
pub fn link_scope<'a>(
    addresses: impl IntoIterator<Item = (&'a str, IpAddr, u32)>,
) -> Result<Option<u32>, ScopeConflict> {
    let mut scoped = addresses.into_iter().filter(|&(_, addr, scope_id)| {
        scope_id != 0 && matches!(addr, IpAddr::V6(a) if icmpkit_net::needs_scope(&a))
    });
    let Some((first, _, scope)) = scoped.next() else {
        return Ok(None);
    };
    match scoped.find(|&(_, _, other)| other != scope) {
        Some((other, ..)) => Err(ScopeConflict {
            first: first.to_owned(),
            other: other.to_owned(),
        }),
        None => Ok(Some(scope)),
    }
}

/// `addr` as iputils prints it (glibc's `getnameinfo`): with `%NAME` when
/// it needs a scope and has one (`%INDEX` when that interface has no
/// name), with `%INDEX` for any other address given one, else bare.
pub fn scoped(addr: IpAddr, scope_id: u32) -> String {
    match addr {
        IpAddr::V6(a) if scope_id != 0 => {
            let name = icmpkit_net::needs_scope(&a)
                .then(|| icmpkit_net::interface_name(scope_id))
                .flatten();
            match name {
                Some(name) => format!("{a}%{name}"),
                None => format!("{a}%{scope_id}"),
            }
        }
        _ => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_a_prefix_and_every_bad_form_parse_as_documented() {
        let spec: AddrSpec = "10.0.0.0/24".parse().unwrap();
        assert_eq!(spec.addr, "10.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(spec.len, Some(24));
        assert_eq!(spec.to_string(), "10.0.0.0/24");
        let spec: AddrSpec = " ::1 ".parse().unwrap();
        assert_eq!(spec.len, None);
        assert_eq!(
            "host/24".parse::<AddrSpec>().unwrap_err().to_string(),
            "host/24: not an IPv4 or IPv6 address or prefix (ADDRESS/LENGTH)"
        );
        assert_eq!(
            "10.0.0.0/x".parse::<AddrSpec>().unwrap_err().to_string(),
            "10.0.0.0/x: the prefix length must be a number"
        );
        assert_eq!(
            "10.0.0.0/33".parse::<AddrSpec>().unwrap_err().to_string(),
            "10.0.0.0/33: an IPv4 prefix length is at most 32"
        );
        assert_eq!(
            "::/129".parse::<AddrSpec>().unwrap_err().to_string(),
            "::/129: an IPv6 prefix length is at most 128"
        );
        assert!("2001:db8::/128".parse::<AddrSpec>().is_ok());
        assert!(AddrSpec::is_prefix("a/b") && !AddrSpec::is_prefix("host"));
    }

    fn error(spec: &str) -> String {
        match spec.parse::<AddrSpec>() {
            Ok(parsed) => parsed.scope_id().unwrap_err().to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn scopes_are_names_or_indices_of_interfaces_that_exist() {
        let lo = icmpkit_net::interface_index("lo").expect("lo exists");
        let spec: AddrSpec = "fe80::1%lo".parse().unwrap();
        assert_eq!(spec.scope, Some(Scope::Name("lo".to_owned())));
        assert_eq!(spec.scope_id(), Ok(lo));
        assert_eq!(spec.to_string(), "fe80::1%lo");
        let spec: AddrSpec = format!("fe80::1%{lo}").parse().unwrap();
        assert_eq!(spec.scope, Some(Scope::Index(lo)));
        assert_eq!(spec.scope_id(), Ok(lo));
        let spec: AddrSpec = "fe80::%lo/126".parse().unwrap();
        assert_eq!((spec.len, spec.scope_id()), (Some(126), Ok(lo)));
        assert_eq!(spec.to_string(), "fe80::%lo/126");
        assert_eq!("ff02::1%lo".parse::<AddrSpec>().unwrap().scope_id(), Ok(lo));
        // An index on an address that needs no scope: accepted, unchecked.
        let spec: AddrSpec = "2001:db8::2%999999".parse().unwrap();
        assert_eq!(spec.scope_id(), Ok(999_999));
        assert_eq!("::1".parse::<AddrSpec>().unwrap().scope_id(), Ok(0));
    }

    #[test]
    fn every_bad_scope_says_what_is_wrong() {
        assert_eq!(
            error("fe80::1%999999"),
            "fe80::1%999999: there is no network interface with index 999999 (see `ip link`)"
        );
        assert_eq!(
            error("fe80::1%nosuch0"),
            "fe80::1%nosuch0: there is no network interface named \"nosuch0\" (see `ip link`)"
        );
        assert_eq!(
            error("2001:db8::2%lo"),
            "2001:db8::2%lo: 2001:db8::2 is not link-local, so no interface scope applies: \
             drop %lo (the routes choose the interface; -I binds to one)"
        );
        let bad = |s: &str| {
            assert_eq!(
                error(s),
                format!(
                    "{s}: a scope (%INTERFACE) follows IPv6 addresses only, and names an interface"
                )
            );
        };
        bad("192.0.2.9%lo");
        bad("fe80::1%");
        assert_eq!(
            error("fe80::1%99999999999"),
            "fe80::1%99999999999: there is no network interface with index 99999999999 (see `ip link`)"
        );
        assert_eq!(
            error("fe80::1%lo%lo"),
            "fe80::1%lo%lo: there is no network interface named \"lo%lo\" (see `ip link`)"
        );
    }

    #[test]
    fn a_run_has_one_link_scope() {
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        let (ll, ll2, global) = (a("fe80::1"), a("fe80::2"), a("2001:db8::1"));
        assert_eq!(link_scope([("g", global, 0)]), Ok(None));
        assert_eq!(
            link_scope([
                ("x", ll, 2),
                ("y", ll2, 2),
                ("g%3", global, 3),
                ("z", ll, 0)
            ]),
            Ok(Some(2))
        );
        assert_eq!(
            link_scope([("fe80::1%2", ll, 2), ("fe80::2%3", ll2, 3)])
                .unwrap_err()
                .to_string(),
            "fe80::1%2 and fe80::2%3: the link-local addresses of one run must be on one \
             interface: run once per interface"
        );
    }

    #[test]
    fn scoped_addresses_print_as_iputils_prints_them() {
        let lo = icmpkit_net::interface_index("lo").expect("lo exists");
        let addr = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(scoped(addr("fe80::1"), lo), "fe80::1%lo");
        assert_eq!(scoped(addr("fe80::1"), 0), "fe80::1");
        assert_eq!(scoped(addr("2001:db8::2"), 2), "2001:db8::2%2");
        assert_eq!(scoped(addr("192.0.2.9"), 2), "192.0.2.9");
    }
}
