//! Host names to addresses, with the system's resolver (`getaddrinfo`:
//! `/etc/hosts`, DNS, whatever nsswitch says), in the runtime's blocking
//! pool. A name that does not resolve leaves its target unprobed with the
//! reason shown; the rest run.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::target::{Family, Targets};

/// How long one name may take to resolve.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Names resolved at once.
const LOOKUPS_AT_ONCE: usize = 64;

/// Resolves every target of `targets` without an address, many at once,
/// each within [`LOOKUP_TIMEOUT`]; returns, per target index, why it still
/// has none.
pub async fn resolve(targets: &mut Targets) -> Vec<(usize, String)> {
    let wanted: Vec<(usize, Arc<str>, Family)> = targets
        .targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.ip.is_none())
        .map(|(i, t)| (i, t.host.clone(), targets.group_of(t).probing.family))
        .collect();
    let mut failures = Vec::new();
    let mut pending = wanted.into_iter();
    let mut lookups = JoinSet::new();
    loop {
        while lookups.len() < LOOKUPS_AT_ONCE {
            let Some((index, host, family)) = pending.next() else {
                break;
            };
            lookups.spawn(async move { (index, lookup(&host, family).await) });
        }
        let Some(done) = lookups.join_next().await else {
            break;
        };
        match done {
            Ok((index, Ok(ip))) => targets.targets[index].ip = Some(ip),
            Ok((index, Err(why))) => failures.push((index, why)),
            // A lookup task cannot panic short of a bug; its target stays
            // unresolved and unprobed.
            Err(_) => {}
        }
    }
    failures.sort_by_key(|(i, _)| *i);
    failures
}

/// The first address of `host` in `family`, or why there is none.
async fn lookup(host: &str, family: Family) -> Result<IpAddr, String> {
    match tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((host, 0))).await {
        Err(_) => Err(format!(
            "{host} did not resolve within {} s; tried again every minute",
            LOOKUP_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!(
            "{host} does not resolve ({e}); tried again every minute"
        )),
        Ok(Ok(addrs)) => addrs
            .map(|a| a.ip())
            .find(|ip| match family {
                Family::Any => true,
                Family::V4 => ip.is_ipv4(),
                Family::V6 => ip.is_ipv6(),
            })
            .ok_or_else(|| format!("{host} has no {} address", family_name(family))),
    }
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::Any => "IP",
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}
