//! What to ping: addresses, names and CIDR prefixes, expanded to a list.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::args::{AddrSpec, scoped};
use crate::input::{check_family, resolve_scoped};

use anyhow::{Result, bail};
use icmpkit_wire::IpVersion;

/// The most addresses one run expands prefixes to.
pub const MAX_TARGETS: u64 = 1 << 20;

/// One address to ping and the name the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name as given (a host name, or the address itself).
    pub name: String,
    /// The address probed.
    pub addr: IpAddr,
    /// The interface index of its scope (`fe80::1%eth0`); 0 for none.
    pub scope_id: u32,
}

impl Target {
    /// The address as iputils prints it (`fe80::1%eth0`).
    pub fn shown(&self) -> String {
        scoped(self.addr, self.scope_id)
    }
}

/// Expands `specs` (addresses, host names, `ADDR/LEN` prefixes) in order.
/// A prefix of an IPv4 network shorter than /31 leaves out its network and
/// broadcast addresses, as `fping -g` does. `family` restricts names to one
/// family (-4/-6) and refuses addresses of the other.
pub fn expand(specs: &[String], family: Option<IpVersion>) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for spec in specs {
        if AddrSpec::is_prefix(spec) {
            let parsed: AddrSpec = spec.parse()?;
            check_family(spec, parsed.addr, family)?;
            // A `/` always brings a length (or the parse failed).
            let len = parsed.len.unwrap_or(0);
            prefix(spec, parsed.addr, len, parsed.scope_id()?, &mut out)?;
        } else {
            let (addr, scope_id) = resolve_scoped(spec, family)?;
            out.push(Target {
                name: spec.clone(),
                addr,
                scope_id,
            });
        }
        if out.len() as u64 > MAX_TARGETS {
            bail!("more than {MAX_TARGETS} targets: split the run into smaller prefixes");
        }
    }
    Ok(out)
}

/// The one interface the link-local targets of a run are reached
/// through, when their addresses name one (the sockets take one); `None`
/// when none does (the kernel chooses by its routes).
pub fn link_scope(targets: &[Target]) -> Result<Option<u32>> {
    Ok(crate::args::prefix::link_scope(
        targets
            .iter()
            .map(|t| (t.name.as_str(), t.addr, t.scope_id)),
    )?)
}

fn prefix(spec: &str, addr: IpAddr, len: u8, scope_id: u32, out: &mut Vec<Target>) -> Result<()> {
    match addr {
        IpAddr::V4(a) => {
            let host_bits = 32 - u32::from(len);
            if 1u64 << host_bits > MAX_TARGETS {
                bail!("{spec}: /{len} holds more than {MAX_TARGETS} addresses: use /12 or longer");
            }
            let mask = if len == 0 { 0 } else { u32::MAX << host_bits };
            let first = a.to_bits() & mask;
            let last = first | !mask;
            let (first, last) = if len < 31 {
                (first + 1, last - 1)
            } else {
                (first, last)
            };
            for bits in first..=last {
                let addr = IpAddr::V4(Ipv4Addr::from_bits(bits));
                out.push(Target {
                    name: addr.to_string(),
                    addr,
                    scope_id,
                });
            }
        }
        IpAddr::V6(a) => {
            if len < 108 {
                bail!(
                    "{spec}: /{len} is too large to probe address by address: use /108 or longer"
                );
            }
            let host_bits = 128 - u32::from(len);
            let mask = if host_bits == 128 {
                0
            } else {
                u128::MAX << host_bits
            };
            let first = a.to_bits() & mask;
            for bits in first..=(first | !mask) {
                let addr = IpAddr::V6(Ipv6Addr::from_bits(bits));
                out.push(Target {
                    name: addr.to_string(),
                    addr,
                    scope_id,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(specs: &[&str]) -> Vec<String> {
        let specs: Vec<String> = specs.iter().map(|s| (*s).to_owned()).collect();
        expand(&specs, None)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect()
    }

    #[test]
    fn prefixes_expand_like_fping_g() {
        assert_eq!(names(&["10.0.0.0/30"]), ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(names(&["10.0.0.4/31"]), ["10.0.0.4", "10.0.0.5"]);
        assert_eq!(names(&["10.0.0.9/32"]), ["10.0.0.9"]);
        assert_eq!(names(&["10.0.0.7/29"]).len(), 6);
        assert_eq!(names(&["10.200.0.0/20"]).len(), 4094);
        assert_eq!(
            names(&["2001:db8::/126"]),
            ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"]
        );
        assert_eq!(names(&["127.0.0.1", "::1"]), ["127.0.0.1", "::1"]);
    }

    #[test]
    fn bad_targets_say_why() {
        let e = |s: &str, f| expand(&[s.to_owned()], f).unwrap_err().to_string();
        assert_eq!(
            e("10.0.0.0/33", None),
            "10.0.0.0/33: an IPv4 prefix length is at most 32"
        );
        assert_eq!(
            e("10.0.0.0/8", None),
            "10.0.0.0/8: /8 holds more than 1048576 addresses: use /12 or longer"
        );
        assert_eq!(
            e("2001:db8::/64", None),
            "2001:db8::/64: /64 is too large to probe address by address: use /108 or longer"
        );
        assert_eq!(
            e("::1", Some(IpVersion::V4)),
            "::1: an IPv6 address, but -4 was given"
        );
        assert_eq!(
            e("10.0.0.0/x", None),
            "10.0.0.0/x: the prefix length must be a number"
        );
    }

    #[test]
    fn localhost_resolves_from_hosts_file() {
        let t = expand(&["localhost".to_owned()], Some(IpVersion::V4)).unwrap();
        assert_eq!(t[0].addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(t[0].name, "localhost");
    }
}
