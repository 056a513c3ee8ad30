//! Spoofed and forged control messages and off-path attacks.
//!
//! | detection | rule |
//! |---|---|
//! | `redirect` | any ICMPv4 Redirect (5) or ICMPv6 Redirect (137) |
//! | `redirect-off-link` | the gateway (or the sender) cannot be on the receiver's link; an ICMPv6 Redirect that breaks RFC 4861 §8.1 |
//! | `rogue-router-advertisement` | an RA from a router not listed (or, with none listed, not the first seen); an RA with hop limit other than 255 or a source that is not link-local |
//! | `router-advertisement-flood` | many RAs in ten seconds, or many distinct prefixes in a minute |
//! | `source-quench` | any ICMPv4 Source Quench (4) |
//! | `small-mtu` | Fragmentation Needed with a next-hop MTU below 576 (0, "not said", apart and lower); Packet Too Big below 1280 |
//! | `error-for-unsent` | an error quoting a flow its source was never seen sending, though the capture saw that source send that protocol to that destination |
//! | `rdnss-even-length` | an RA whose RDNSS option has an even length (CVE-2020-16898) |
//! | `quoted-ip-options` | an ICMPv4 error quoting an IPv4 header with options (CVE-2022-23093) |
//!
//! Messages are about the host they are sent to: the findings take the
//! message's destination as their subject (the sources of forged messages
//! are themselves forged), so one attack on one host raises one finding
//! per hold time. The exceptions are the rogue router and a plain
//! redirect, which are about the router that sent them. A weaker variant
//! (an MTU of 0, a quoted Record Route, a redirect judged off-link only by
//! a guessed prefix) never holds back a stronger finding about the same
//! host: the alerts raise the more severe over it.
//!
//! The per-flow and per-pair state (module `flows`) lives in fixed
//! [`Recent`](crate::bounded::Recent) tables ([`Settings::flows`],
//! [`Settings::pairs`] slots); the RA state is a few counters for the whole link
//! (module `ndp`).

mod flows;
mod ndp;
mod redirect;

use core::net::IpAddr;

use icmpkit_wire::IpVersion;
use icmpkit_wire::quote::QuotedIp;

use super::{Alerts, Detection, Detector, Evidence, Finding, Severity};
use crate::observe::{IpPacket, Seen};

/// The settings of [`Spoofing`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// The legitimate IPv6 routers of the link (their link-local
    /// addresses): RAs from any other are rogue. Empty: the first router
    /// seen advertising is taken as the legitimate one.
    pub routers: Vec<IpAddr>,
    /// The on-link prefixes (address and length): an ICMPv4 Redirect's
    /// gateway must be in the prefix holding the redirected host. Empty (or
    /// no prefix holding the host): its /24 is assumed.
    pub links: Vec<(IpAddr, u8)>,
    /// Router advertisements within ten seconds that make a flood.
    pub ra_per_10s: u32,
    /// Distinct advertised prefixes within a minute that make a flood
    /// (at most 32, the most distinct prefixes counted).
    pub ra_prefixes_per_minute: usize,
    /// Flows remembered as seen leaving their source.
    pub flows: usize,
    /// (source, destination, protocol) triples remembered as seen: an
    /// error is judged only when its quote's triple was seen.
    pub pairs: usize,
    /// Whether every packet reaches the guard, so errors quoting UDP and
    /// TCP can be judged; `false` for a live capture with the kernel's
    /// ICMP filter (only ICMP flows are judged then).
    pub transport_flows: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            routers: Vec::new(),
            links: Vec::new(),
            ra_per_10s: 20,
            ra_prefixes_per_minute: 16,
            flows: 32_768,
            pairs: 16_384,
            transport_flows: true,
        }
    }
}

/// The detector's state.
#[derive(Debug)]
pub struct Spoofing {
    links: Vec<(IpAddr, u8)>,
    flows: flows::Flows,
    advertisements: ndp::Advertisements,
}

impl Spoofing {
    /// A detector with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            links: settings.links.clone(),
            flows: flows::Flows::new(settings.flows, settings.pairs, settings.transport_flows),
            advertisements: ndp::Advertisements::new(settings),
        }
    }
}

impl Detector for Spoofing {
    fn packet(&mut self, packet: &IpPacket<'_>) {
        self.flows.sent(packet.ip);
    }

    fn message(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        match (seen.version(), seen.msg_type()) {
            (IpVersion::V4, 3) => {
                if seen.code() == 4 {
                    small_mtu_v4(seen, alerts);
                }
                quoted_options(seen, alerts);
                self.flows.error(seen, alerts);
            }
            (IpVersion::V4, 4) => {
                source_quench(seen, alerts);
                quoted_options(seen, alerts);
            }
            (IpVersion::V4, 5) => {
                redirect::v4(seen, &self.links, alerts);
                quoted_options(seen, alerts);
                self.flows.error(seen, alerts);
            }
            (IpVersion::V4, 11 | 12) => {
                quoted_options(seen, alerts);
                self.flows.error(seen, alerts);
            }
            (IpVersion::V6, 2) => {
                small_mtu_v6(seen, alerts);
                self.flows.error(seen, alerts);
            }
            (IpVersion::V6, 1 | 3 | 4) => self.flows.error(seen, alerts),
            (IpVersion::V6, 134) => self.advertisements.advertisement(seen, alerts),
            (IpVersion::V6, 137) => {
                redirect::v6(seen, alerts);
                if let Some(quote) = ndp::redirected_header(seen.d.icmp) {
                    self.flows.quoted(seen, &quote, alerts);
                }
            }
            _ => {}
        }
    }

    fn held(&self) -> usize {
        self.flows.held()
    }
}

/// The registry name of `seen`'s type ("Destination Unreachable").
fn type_name(seen: &Seen<'_>) -> &'static str {
    icmpkit_wire::meaning::type_info(seen.version(), seen.msg_type())
        .map_or("ICMP error", |t| t.name)
}

/// Source Quench: deprecated (RFC 6633), so any one is forged.
fn source_quench(seen: &Seen<'_>, alerts: &mut Alerts) {
    alerts.raise(Detection::SourceQuench, seen.dst(), seen.now, || {
        Finding::about(
            seen,
            Detection::SourceQuench,
            90,
            Evidence::one(seen.frame),
            format!(
                "{} sent {} a Source Quench; routers stopped sending them long ago (RFC 1812, \
                 deprecated by RFC 6633), so this one was most likely forged to slow {}'s \
                 connections down.",
                seen.src(),
                seen.dst(),
                seen.dst()
            ),
        )
    });
}

/// The least MTU an IPv4 link may have (RFC 791): below it, no link.
const IPV4_LEAST_LINK_MTU: u16 = 68;
/// The datagram size every IPv4 host must accept (RFC 791, RFC 1122).
const IPV4_MIN_REASSEMBLY: u16 = 576;
/// The least MTU of an IPv6 link (RFC 8200 §5).
const IPV6_MIN_MTU: u32 = 1280;

/// Fragmentation Needed (type 3 code 4) with a next-hop MTU below 576.
fn small_mtu_v4(seen: &Seen<'_>, alerts: &mut Alerts) {
    let Some(mtu) = icmpkit_wire::field::get_u16(seen.d.icmp, 6) else {
        return;
    };
    if mtu >= IPV4_MIN_REASSEMBLY {
        return;
    }
    // MTU 0 (a weak finding) never holds back a real one about the host:
    // the alerts raise the more severe over it.
    alerts.raise(Detection::SmallMtu, seen.dst(), seen.now, || {
        let evidence = Evidence::one(seen.frame).fact("mtu", mtu);
        let (src, dst) = (seen.src(), seen.dst());
        if mtu == 0 {
            return Finding::about(
                seen,
                Detection::SmallMtu,
                30,
                evidence,
                format!(
                    "{src} told {dst} that a packet needed fragmenting without saying the next \
                     hop's MTU (0): routers older than RFC 1191 do that, and the host then \
                     guesses a smaller size; forged ones do it too. Alone it proves little."
                ),
            )
            .with_severity(Severity::Low);
        }
        let (confidence, why) = if mtu < IPV4_LEAST_LINK_MTU {
            (
                95,
                "below 68, the least MTU any IPv4 link may have (RFC 791)",
            )
        } else {
            (80, "below 576, the size every IPv4 host must accept")
        };
        Finding::about(
            seen,
            Detection::SmallMtu,
            confidence,
            evidence,
            format!(
                "{src} told {dst} that the next hop's MTU is {mtu} bytes, {why}: a forged \
                 Fragmentation Needed makes the host send tiny fragments (or, clamped, stalls \
                 its connections)."
            ),
        )
    });
}

/// Packet Too Big with an MTU below IPv6's minimum link MTU.
fn small_mtu_v6(seen: &Seen<'_>, alerts: &mut Alerts) {
    let Some(mtu) = icmpkit_wire::field::get_u32(seen.d.icmp, 4) else {
        return;
    };
    if mtu >= IPV6_MIN_MTU {
        return;
    }
    alerts.raise(Detection::SmallMtu, seen.dst(), seen.now, || {
        Finding::about(
            seen,
            Detection::SmallMtu,
            90,
            Evidence::one(seen.frame).fact("mtu", mtu),
            format!(
                "{} told {} that a link's MTU is {mtu} bytes, below 1280, the least any IPv6 link \
                 may have (RFC 8200 §5): no real link sends this Packet Too Big; it is forged \
                 to make the host fragment every packet.",
                seen.src(),
                seen.dst()
            ),
        )
    });
}

/// An ICMPv4 error quoting an IPv4 header with options (IHL above 5).
fn quoted_options(seen: &Seen<'_>, alerts: &mut Alerts) {
    // The quote starts after the 8-byte ICMP header in every ICMPv4 error.
    let Some(quoted) = seen.d.icmp.get(8..) else {
        return;
    };
    let Some(&first) = quoted.first() else {
        return;
    };
    let ihl = first & 0x0f;
    if first >> 4 != 4 || ihl <= 5 {
        return;
    }
    let header_len = usize::from(ihl) * 4;
    let whole = quoted.len() >= header_len;
    let options = quoted.get(20..header_len.min(quoted.len())).unwrap_or(&[]);
    let ordinary = if whole {
        ordinary_options(options)
    } else {
        None
    };
    // A Parameter Problem pointing into the options reports a bad option:
    // it quotes them by necessity.
    let pointer = usize::from(seen.d.icmp.get(4).copied().unwrap_or(0));
    let reported = seen.msg_type() == 12 && (20..header_len).contains(&pointer);
    // The weaker findings are about the message's sender (a router
    // answering ping -R), so that they never hold back a stronger one
    // about the host.
    let (severity, confidence, subject) = match (ordinary, reported) {
        (Some(_), _) => (Severity::Low, 40, seen.dst()),
        (None, true) => (Severity::Medium, 60, seen.dst()),
        (None, false) => (Severity::High, 90, seen.dst()),
    };
    alerts.raise(Detection::QuotedIpOptions, subject, seen.now, || {
        let evidence = Evidence::one(seen.frame)
            .fact("quoted_ihl", ihl)
            .fact("quoted_options_bytes", header_len - 20);
        let quoted_src = match seen.d.quote() {
            Some(Ok(q)) => match q.ip {
                QuotedIp::V4 { src, dst, .. } => format!(" (a packet from {src} to {dst})"),
                QuotedIp::V6 { .. } => String::new(),
            },
            _ => String::new(),
        };
        let (src, dst, name) = (seen.src(), seen.dst(), type_name(seen));
        let what = match ordinary {
            Some(kind) => format!(
                "a well-formed {kind}, which ping -R or -T sends legitimately; still, such a \
                 quote overflows unpatched FreeBSD ping"
            ),
            None if reported => format!(
                "options that are not a well-formed Record Route or Timestamp, and the error \
                 points at byte {pointer} among them (a router reporting a bad option quotes \
                 it); such a quote overflows unpatched FreeBSD ping"
            ),
            None => format!(
                "options that are not a well-formed Record Route or Timestamp{}: the shape \
                 built to overflow FreeBSD ping's buffer",
                if whole {
                    ""
                } else {
                    ", and the quote stops inside them"
                }
            ),
        };
        Finding::about(
            seen,
            Detection::QuotedIpOptions,
            confidence,
            evidence,
            format!(
                "{src} sent {dst} a {name} quoting an IPv4 header of {header_len} bytes (IHL \
                 {ihl}){quoted_src} with {what} (CVE-2022-23093)."
            ),
        )
        .with_severity(severity)
    });
}

/// Option types ping sends (RFC 791): End of Option List, No Operation,
/// Record Route, Timestamp.
const OPT_END: u8 = 0;
const OPT_NOP: u8 = 1;
const OPT_RECORD_ROUTE: u8 = 7;
const OPT_TIMESTAMP: u8 = 68;
/// Router Alert (RFC 2113): four bytes, value 0; RSVP carries it.
const OPT_ROUTER_ALERT: u8 = 148;

/// Whether IPv4 `options` are only a well-formed Record Route or
/// Timestamp (what `ping -R` and `ping -T` send) or Router Alert (RFC
/// 2113, what RSVP sends), padded: its name if so.
fn ordinary_options(options: &[u8]) -> Option<&'static str> {
    let mut found = None;
    let mut at = 0;
    while let Some(&kind) = options.get(at) {
        match kind {
            OPT_END => break,
            OPT_NOP => at += 1,
            OPT_ROUTER_ALERT => {
                if found.is_some() || options.get(at + 1) != Some(&4) || at + 4 > options.len() {
                    return None;
                }
                found = Some("Router Alert");
                at += 4;
            }
            OPT_RECORD_ROUTE | OPT_TIMESTAMP => {
                let len = usize::from(*options.get(at + 1)?);
                let pointer = usize::from(*options.get(at + 2)?);
                let (name, least_len, least_pointer, fits) = if kind == OPT_RECORD_ROUTE {
                    ("Record Route", 3, 4, (len.saturating_sub(3)) % 4 == 0)
                } else {
                    ("Timestamp", 4, 5, true)
                };
                if found.is_some()
                    || len < least_len
                    || at + len > options.len()
                    || pointer < least_pointer
                    || pointer > len + 1
                    || !fits
                {
                    return None;
                }
                found = Some(name);
                at += len;
            }
            _ => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests;
