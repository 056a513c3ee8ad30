//! ICMP type and code names as nftables and iptables print them, read
//! through `icmpkit_wire::meaning`, which knows their keywords.

use icmpkit_wire::meaning;

use crate::policy::IpVersion;

/// The type (and code, for a code's name) a name or number stands for in
/// `version`: `echo-request`, `8`, `3/4`, `port-unreachable`.
pub(crate) fn type_code(version: IpVersion, name: &str) -> Option<(u8, Option<u8>)> {
    let name = name.trim();
    if let Some((t, c)) = name.split_once('/') {
        return Some((t.trim().parse().ok()?, Some(c.trim().parse().ok()?)));
    }
    if let Ok(number) = name.parse::<u8>() {
        return Some((number, None));
    }
    let prefix = match version {
        IpVersion::V4 => "v4:",
        IpVersion::V6 => "v6:",
    };
    meaning::find_all(&format!("{prefix}{name}"))
        .find(|found| found.version == version)
        .map(|found| (found.msg_type, found.code))
}

/// The type a name or number stands for (a code's name is no type).
pub(crate) fn msg_type(version: IpVersion, name: &str) -> Option<u8> {
    match type_code(version, name)? {
        (t, None) => Some(t),
        (_, Some(_)) => None,
    }
}

/// The code an nft `icmp code` / `icmpv6 code` keyword or number stands
/// for: the codes of Destination Unreachable (`port-unreachable`,
/// `frag-needed`, `admin-prohibited`, `no-route`...).
pub(crate) fn code(version: IpVersion, name: &str) -> Option<u8> {
    if let Ok(number) = name.trim().parse::<u8>() {
        return Some(number);
    }
    let unreachable = match version {
        IpVersion::V4 => 3,
        IpVersion::V6 => 1,
    };
    let info = meaning::type_info(version, unreachable)?;
    info.codes
        .iter()
        .find(|c| {
            meaning::same_name(name, c.name)
                || meaning::same_name(name, c.short)
                || c.aliases.iter().any(|a| meaning::same_name(name, a))
        })
        .map(|c| c.code)
}
