//! What to ping: addresses, names and CIDR prefixes, expanded to a list.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::args::AddrSpec;
use crate::input::resolve;

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
            prefix(spec, parsed.addr, len, &mut out)?;
        } else if let Ok(addr) = spec.parse::<IpAddr>() {
            check_family(spec, addr, family)?;
            out.push(Target {
                name: spec.clone(),
                addr,
            });
        } else {
            out.push(Target {
                name: spec.clone(),
                addr: resolve(spec, family)?,
            });
        }
        if out.len() as u64 > MAX_TARGETS {
            bail!("more than {MAX_TARGETS} targets: split the run into smaller prefixes");
        }
    }
    Ok(out)
}

fn check_family(spec: &str, addr: IpAddr, family: Option<IpVersion>) -> Result<()> {
    match (family, addr) {
        (Some(IpVersion::V4), IpAddr::V6(_)) => bail!("{spec}: an IPv6 address, but -4 was given"),
        (Some(IpVersion::V6), IpAddr::V4(_)) => bail!("{spec}: an IPv4 address, but -6 was given"),
        _ => Ok(()),
    }
}

fn prefix(spec: &str, addr: IpAddr, len: u8, out: &mut Vec<Target>) -> Result<()> {
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
