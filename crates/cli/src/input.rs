//! What several subcommands read the same way: lists of targets from a
//! file, host names, and per-run randomness.

use std::io::{self, BufRead, Read as _};
use std::net::{IpAddr, ToSocketAddrs};

use anyhow::{Context, Result, bail};
use icmpkit_wire::IpVersion;

use crate::args::AddrSpec;
use crate::args::prefix::AddrSpecError;

/// The non-empty lines of FILE (`-`: standard input), each cut at a `#`
/// comment and trimmed.
pub fn read_list(path: &str) -> Result<Vec<String>> {
    let reader: Box<dyn BufRead> = if path == "-" {
        Box::new(io::BufReader::new(io::stdin()))
    } else {
        Box::new(io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?,
        ))
    };
    let mut out = Vec::new();
    for line in reader.lines() {
        let line = line.with_context(|| format!("cannot read {path}"))?;
        let line = line.split('#').next().unwrap_or("").trim();
        if !line.is_empty() {
            out.push(line.to_owned());
        }
    }
    Ok(out)
}

/// `N` random bytes from the kernel; should `/dev/urandom` be unreadable,
/// bytes from the clock and the process id, unique enough to tell runs
/// apart (they key no secret that matters beyond one run).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_err()
    {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let seed = (t.as_nanos() ^ u128::from(std::process::id())).to_le_bytes();
        for (b, s) in bytes.iter_mut().zip(seed.iter().cycle()) {
            *b = *s;
        }
    }
    bytes
}

/// Every address the system resolver (getaddrinfo) gives a host name,
/// in its order.
pub fn resolve_all(name: &str) -> Result<Vec<IpAddr>> {
    match (name, 0).to_socket_addrs() {
        Ok(addrs) => Ok(addrs.map(|a| a.ip()).collect()),
        Err(e) => bail!("{name}: {}", resolver_message(&e)),
    }
}

/// Resolves a host name with the system resolver (getaddrinfo): the
/// first address of the family -4/-6 asks for, else the first.
pub fn resolve(name: &str, family: Option<IpVersion>) -> Result<IpAddr> {
    resolve_preferring(name, family, None)
}

/// Resolves a host name with the system resolver (getaddrinfo): the first
/// address of the family -4/-6 asks for; without either, of `preferred`
/// when the name has one (traceroute takes IPv4), else the first,
/// whatever order the resolver gives them in.
fn resolve_preferring(
    name: &str,
    family: Option<IpVersion>,
    preferred: Option<IpVersion>,
) -> Result<IpAddr> {
    let addrs = resolve_all(name)?;
    let of = |version: IpVersion| move |a: &IpAddr| a.is_ipv4() == (version == IpVersion::V4);
    let wanted = match family.or(preferred) {
        Some(version) => addrs.iter().copied().find(of(version)),
        None => None,
    };
    let wanted = match (wanted, family) {
        (None, None) => addrs.first().copied(),
        (wanted, _) => wanted,
    };
    match wanted {
        Some(addr) => Ok(addr),
        None => bail!("{name}: Address family for hostname not supported"),
    }
}

/// An address as given (`ADDR`, `ADDR%SCOPE`: the shared parser of
/// `crate::args`) or a host name resolved, of the family -4/-6 asks for:
/// the address and the interface index of its scope (0 for none).
pub fn resolve_scoped(spec: &str, family: Option<IpVersion>) -> Result<(IpAddr, u32)> {
    resolve_scoped_preferring(spec, family, None)
}

/// [`resolve_scoped`], a name with addresses of both families and no
/// -4/-6 taken as one of `preferred` ([`resolve_preferring`]).
pub fn resolve_scoped_preferring(
    spec: &str,
    family: Option<IpVersion>,
    preferred: Option<IpVersion>,
) -> Result<(IpAddr, u32)> {
    match spec.parse::<AddrSpec>() {
        Ok(parsed) if parsed.len.is_none() => {
            check_family(spec, parsed.addr, family)?;
            Ok((parsed.addr, parsed.scope_id()?))
        }
        Ok(_) | Err(AddrSpecError::NotAnAddress(_)) => {
            Ok((resolve_preferring(spec, family, preferred)?, 0))
        }
        Err(e) => Err(e.into()),
    }
}

/// Refuses an address of the other family than -4/-6 asked for, and
/// warns about an IPv4-mapped IPv6 address (`::ffff:192.0.2.9`): it is
/// probed as the IPv6 address it is, as iputils probes it, which reaches
/// no IPv4 host.
pub fn check_family(spec: &str, addr: IpAddr, family: Option<IpVersion>) -> Result<()> {
    if let IpAddr::V6(a) = addr
        && let Some(v4) = a.to_ipv4_mapped()
    {
        if family == Some(IpVersion::V4) {
            bail!("{spec}: an IPv4-mapped IPv6 address, but -4 was given: use {v4}");
        }
        eprintln!(
            "{}: warning: {spec} is an IPv4-mapped IPv6 address: it is probed over IPv6, \
             as iputils does, and no IPv4 host answers it (for {v4} over IPv4, use {v4})",
            crate::program()
        );
    }
    match (family, addr) {
        (Some(IpVersion::V4), IpAddr::V6(_)) => bail!("{spec}: an IPv6 address, but -4 was given"),
        (Some(IpVersion::V6), IpAddr::V4(_)) => bail!("{spec}: an IPv4 address, but -6 was given"),
        _ => Ok(()),
    }
}

/// The resolver's message without Rust's decoration.
fn resolver_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    text.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text)
        .to_owned()
}

/// FILE for reading, or standard input for `-`.
pub fn open(path: &str) -> Result<Box<dyn io::Read>> {
    if path == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?;
    Ok(Box::new(file))
}

/// A pcap/pcapng reader over `input` (called `name` in messages), in 64
/// KiB reads. Bytes that are not a capture are refused with their magic
/// and `hint` (what to use instead, or empty).
pub fn capture_reader(
    input: Box<dyn io::Read>,
    name: &str,
    hint: &str,
) -> Result<icmpkit_capture::CaptureReader<io::BufReader<Box<dyn io::Read>>>> {
    use icmpkit_capture::{CaptureError, CaptureReader};
    match CaptureReader::new(io::BufReader::with_capacity(1 << 16, input)) {
        Ok(reader) => Ok(reader),
        Err(CaptureError::NotACapture { magic }) => bail!(
            "{name} is not a pcap or pcapng capture (it starts with 0x{:08x}){hint}",
            u32::from_be_bytes(magic)
        ),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot read {name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_drop_comments_and_blank_lines() {
        let path = std::env::temp_dir().join(format!("icmpkit-list-{}", std::process::id()));
        std::fs::write(&path, "10.0.0.1 # a\n\n  # only a comment\n::1\n").unwrap();
        let list = read_list(path.to_str().unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(list, ["10.0.0.1", "::1"]);
        assert!(
            read_list("/no/such/list")
                .unwrap_err()
                .to_string()
                .starts_with("cannot open /no/such/list")
        );
    }

    #[test]
    fn random_bytes_differ_between_calls() {
        assert_ne!(random_bytes::<16>(), random_bytes::<16>());
    }
}
