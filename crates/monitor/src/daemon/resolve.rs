//! Host names to addresses, with the system's resolver (`getaddrinfo`:
//! `/etc/hosts`, DNS, whatever nsswitch says), in the runtime's blocking
//! pool. A name that does not resolve leaves its target unprobed with the
//! reason shown; the rest run.

use crate::target::{Family, Targets};

/// Resolves every target of `targets` without an address; returns, per
/// target index, why it still has none.
pub async fn resolve(targets: &mut Targets) -> Vec<(usize, String)> {
    let mut failures = Vec::new();
    for index in 0..targets.targets.len() {
        if targets.targets[index].ip.is_some() {
            continue;
        }
        let family = targets.group_of(&targets.targets[index]).probing.family;
        let host = targets.targets[index].host.clone();
        match tokio::net::lookup_host((host.as_str(), 0)).await {
            Ok(addrs) => {
                let ip = addrs.map(|a| a.ip()).find(|ip| match family {
                    Family::Any => true,
                    Family::V4 => ip.is_ipv4(),
                    Family::V6 => ip.is_ipv6(),
                });
                match ip {
                    Some(ip) => targets.targets[index].ip = Some(ip),
                    None => failures.push((
                        index,
                        format!("{host} has no {} address", family_name(family)),
                    )),
                }
            }
            Err(e) => failures.push((
                index,
                format!("{host} does not resolve ({e}); tried again every minute"),
            )),
        }
    }
    failures
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::Any => "IP",
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}
