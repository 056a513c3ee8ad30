//! Redirects: every one is worth knowing (`redirect`); one whose gateway
//! cannot be on the receiver's link, or that breaks ICMPv6's validity
//! rules, is forged (`redirect-off-link`).
//!
//! IPv4 (RFC 1122 §3.2.2.2): the new gateway must be on the receiving
//! host's network, and so must the router that sends the redirect. The
//! network is the configured prefix holding the host ([`Settings::links`](super::Settings::links)),
//! else its /24 is assumed, and a finding that rests on that guess says so
//! and is surer the farther away the address is.
//!
//! IPv6 (RFC 4861 §8.1): the source must be link-local, the hop limit 255,
//! the code 0, the target link-local unless it is the destination itself,
//! and the destination not multicast.

use core::net::{IpAddr, Ipv4Addr};

use icmpkit_wire::field::{get_ipv4, get_ipv6};

use crate::detect::{Alerts, Detection, Evidence, Finding, Severity};
use crate::observe::Seen;

/// The prefix length assumed for an IPv4 link when none is configured.
const GUESSED_LINK: u8 = 24;
/// Beyond this prefix around the host, an address is off-link for any
/// usual IPv4 network, guessed or not.
const SURELY_OFF_LINK: u8 = 16;

/// Whether `addr` is in `prefix`/`len` (families must match).
pub(super) fn in_prefix(prefix: IpAddr, len: u8, addr: IpAddr) -> bool {
    match (prefix, addr) {
        (IpAddr::V4(p), IpAddr::V4(a)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            u32::from(p) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(p), IpAddr::V6(a)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            u128::from(p) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// The `redirect` finding for any redirect: `gateway` for `destination`.
fn seen_redirect(
    seen: &Seen<'_>,
    gateway: IpAddr,
    destination: Option<IpAddr>,
    alerts: &mut Alerts,
) {
    // About the router that sent it: one finding per router (a router
    // redirects many hosts), the repeats counted.
    alerts.raise(Detection::Redirect, seen.src(), seen.now, || {
        let about = destination.map_or_else(|| "some destination".to_owned(), |d| d.to_string());
        let mut evidence = Evidence::one(seen.frame).fact("gateway", gateway);
        if let Some(d) = destination {
            evidence = evidence.fact("redirected", d);
        }
        Finding::about(
            seen,
            Detection::Redirect,
            90,
            evidence,
            format!(
                "{} told {} to send its traffic for {about} through {gateway}: legitimate when a \
                 host uses the wrong router, and the classic way to steer a host's traffic \
                 through an attacker when forged.",
                seen.src(),
                seen.dst()
            ),
        )
    });
}

/// An ICMPv4 Redirect (type 5).
pub(super) fn v4(seen: &Seen<'_>, links: &[(IpAddr, u8)], alerts: &mut Alerts) {
    let (IpAddr::V4(host), IpAddr::V4(sender)) = (seen.dst(), seen.src()) else {
        return;
    };
    let Some(gateway) = get_ipv4(seen.d.icmp, 4) else {
        return;
    };
    let destination = match seen.d.quote() {
        Some(Ok(q)) => Some(q.ip.dst()),
        _ => None,
    };
    seen_redirect(seen, IpAddr::V4(gateway), destination, alerts);

    let configured = links
        .iter()
        .copied()
        .filter(|&(p, len)| in_prefix(p, len, IpAddr::V4(host)))
        .max_by_key(|&(_, len)| len);
    let (prefix, len) = configured.unwrap_or((IpAddr::V4(host), GUESSED_LINK));
    let on_link = |a: Ipv4Addr| in_prefix(prefix, len, IpAddr::V4(a));
    let impossible = gateway.is_unspecified()
        || gateway.is_loopback()
        || gateway.is_multicast()
        || gateway.is_broadcast();
    let (culprit, what) = if impossible || !on_link(gateway) {
        (gateway, "the new gateway")
    } else if !on_link(sender) {
        (sender, "the router sending it")
    } else {
        return;
    };
    let near = in_prefix(IpAddr::V4(host), SURELY_OFF_LINK, IpAddr::V4(culprit));
    let (severity, confidence) = match (impossible, configured.is_some(), near) {
        (true, _, _) => (Severity::High, 95),
        (false, true, _) => (Severity::High, 90),
        (false, false, false) => (Severity::High, 75),
        (false, false, true) => (Severity::Medium, 45),
    };
    // About the host (a weaker finding never holds back a sure one: the
    // alerts raise the more severe over it).
    alerts.raise(Detection::RedirectOffLink, seen.dst(), seen.now, || {
        let link = match configured {
            Some((p, l)) => format!("the link {p}/{l} given"),
            None => format!(
                "{host}'s /{GUESSED_LINK} (assumed: give the link's prefix with --link to be sure)"
            ),
        };
        let why = if impossible {
            format!("{what} {culprit} is no address a router can have")
        } else {
            format!("{what} {culprit} is not on {link}")
        };
        Finding::about(
            seen,
            Detection::RedirectOffLink,
            confidence,
            Evidence::one(seen.frame)
                .fact("gateway", IpAddr::V4(gateway))
                .fact("off_link", IpAddr::V4(culprit)),
            format!(
                "{sender} told {host} to route through {gateway}, but {why}: a real router only \
                 redirects to a gateway on the host's own link, from that link (RFC 1122 \
                 §3.2.2.2), so {}",
                if severity == Severity::High {
                    format!("this redirect is forged to steer {host}'s traffic.")
                } else {
                    format!(
                        "if the link is no wider than assumed, this redirect is forged to steer \
                         {host}'s traffic."
                    )
                }
            ),
        )
        .with_severity(severity)
    });
}

/// An ICMPv6 Redirect (type 137).
pub(super) fn v6(seen: &Seen<'_>, alerts: &mut Alerts) {
    let icmp = seen.d.icmp;
    let (Some(target), Some(destination)) = (get_ipv6(icmp, 8), get_ipv6(icmp, 24)) else {
        return;
    };
    seen_redirect(
        seen,
        IpAddr::V6(target),
        Some(IpAddr::V6(destination)),
        alerts,
    );
    let hop_limit = seen.d.hop_limit;
    let source_link_local = matches!(seen.src(), IpAddr::V6(a) if a.is_unicast_link_local());
    let code = seen.code();
    let rules = [
        !source_link_local,
        hop_limit != 255,
        code != 0,
        !target.is_unicast_link_local() && target != destination,
        destination.is_multicast(),
    ];
    if !rules.contains(&true) {
        return;
    }
    alerts.raise(Detection::RedirectOffLink, seen.dst(), seen.now, || {
        let src = seen.src();
        let reasons = [
            format!("its source {src} is not link-local"),
            format!("its hop limit is {hop_limit}, not 255"),
            format!("its code is {code}, not 0"),
            format!("its target {target} is neither link-local nor the destination {destination}"),
            format!("its destination {destination} is multicast"),
        ];
        let broken: Vec<&str> = rules
            .iter()
            .zip(&reasons)
            .filter(|(broken, _)| **broken)
            .map(|(_, why)| why.as_str())
            .collect();
        Finding::about(
            seen,
            Detection::RedirectOffLink,
            90,
            Evidence::one(seen.frame)
                .fact("target", IpAddr::V6(target))
                .fact("redirected", IpAddr::V6(destination))
                .fact("hop_limit", hop_limit),
            format!(
                "{} told {} to reach {destination} through {target}, but {}: hosts must \
                 discard such a redirect (RFC 4861 §8.1); it was forged, or sent from off the \
                 link, to steer traffic.",
                seen.src(),
                seen.dst(),
                broken.join(", and ")
            ),
        )
    });
}
