//! Router advertisements: rogue routers, RA floods and the RDNSS option of
//! CVE-2020-16898; and the quote an ICMPv6 Redirect carries.
//!
//! The options are walked here from the raw bytes, not through
//! [`icmpkit_wire::icmpv6::ndp::NdpOptions`]: the wire crate refuses an
//! RDNSS option of even length as malformed (rightly), and an attack
//! packet's framing may be broken too, yet the guard must still see the
//! option's type and claimed length. The walk stops at a zero length or at
//! the end of the message, so it is bounded by the message's length.

use core::net::IpAddr;

use icmpkit_wire::IpVersion;
use icmpkit_wire::icmpv6::ndp::{RA_FIXED_LEN, REDIRECT_FIXED_LEN, kind};
use icmpkit_wire::quote::{self, Quote};

use super::Settings;
use crate::bounded::{Distinct, Window, fingerprint};
use crate::detect::{Alerts, Detection, Evidence, Finding, Severity};
use crate::observe::{Nanos, SECOND, Seen};

/// The most distinct prefixes counted per minute (the flood threshold's
/// ceiling).
pub(super) const PREFIXES_TRACKED: usize = 32;

/// Distinct RA sources within the minute from which single rogue-router
/// findings stop and the flood finding speaks for them.
const MANY_SOURCES: usize = 4;

/// The hop limit every NDP message is sent with (RFC 4861): a lower one
/// means it crossed a router.
const NDP_HOP_LIMIT: u8 = 255;

/// One NDP option as the raw walk finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawOption<'a> {
    /// The option type.
    pub kind: u8,
    /// The length field, in units of 8 bytes.
    pub units: u8,
    /// The option's bytes from its type on (fewer than claimed when the
    /// message ends first).
    pub bytes: &'a [u8],
}

/// The options of an NDP message, walked from the raw bytes.
#[derive(Debug, Clone)]
pub(super) struct RawOptions<'a> {
    rest: &'a [u8],
}

impl<'a> RawOptions<'a> {
    /// The options of the ICMPv6 message `icmp`, after its fixed part of
    /// `fixed` bytes.
    pub(super) fn new(icmp: &'a [u8], fixed: usize) -> Self {
        Self {
            rest: icmp.get(fixed..).unwrap_or(&[]),
        }
    }
}

impl<'a> Iterator for RawOptions<'a> {
    type Item = RawOption<'a>;

    fn next(&mut self) -> Option<RawOption<'a>> {
        let [kind, units, ..] = *self.rest else {
            self.rest = &[];
            return None;
        };
        let len = usize::from(units) * 8;
        let (bytes, rest) = if units == 0 || len > self.rest.len() {
            // A zero length or an overrun ends the walk after this option.
            (self.rest, &[][..])
        } else {
            self.rest.split_at(len)
        };
        self.rest = rest;
        Some(RawOption { kind, units, bytes })
    }
}

/// The packet an ICMPv6 Redirect quotes in its Redirected Header option.
pub(super) fn redirected_header(icmp: &[u8]) -> Option<Quote<'_>> {
    let option =
        RawOptions::new(icmp, REDIRECT_FIXED_LEN).find(|o| o.kind == kind::REDIRECTED_HEADER)?;
    // Type, length and six reserved bytes, then the packet.
    quote::parse(option.bytes.get(8..)?, IpVersion::V6).ok()
}

/// The state of the link's router advertisements.
#[derive(Debug)]
pub(super) struct Advertisements {
    routers: Vec<IpAddr>,
    /// The first router seen advertising, when none are listed.
    learned: Option<IpAddr>,
    per_10s: u32,
    prefixes_per_minute: usize,
    /// RAs over ten seconds.
    window: Window,
    /// Distinct sources and prefixes since `epoch` (reset every minute).
    sources: Distinct<8>,
    prefixes: Distinct<PREFIXES_TRACKED>,
    epoch: Nanos,
    /// The first RA of the current run of RAs (for evidence).
    first_frame: u64,
}

impl Advertisements {
    /// With the routers and thresholds of `settings`.
    pub(super) fn new(settings: &Settings) -> Self {
        Self {
            routers: settings.routers.clone(),
            learned: None,
            per_10s: settings.ra_per_10s.max(1),
            prefixes_per_minute: settings.ra_prefixes_per_minute.clamp(1, PREFIXES_TRACKED),
            window: Window::new(10 * SECOND),
            sources: Distinct::default(),
            prefixes: Distinct::default(),
            epoch: 0,
            first_frame: 0,
        }
    }

    /// A Router Advertisement.
    pub(super) fn advertisement(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let now = seen.now;
        if now.saturating_sub(self.epoch) >= 60 * SECOND || now < self.epoch {
            self.sources.clear();
            self.prefixes.clear();
            self.epoch = now;
        }
        let count = self.window.add(now, 1);
        if count == 1 {
            self.first_frame = seen.frame;
        }
        self.sources.insert(fingerprint(&seen.src()));
        for option in RawOptions::new(seen.d.icmp, RA_FIXED_LEN) {
            match option.kind {
                kind::RDNSS if option.units > 0 && option.units % 2 == 0 => {
                    rdnss(seen, option, alerts);
                }
                // Prefix Information: length, flags, lifetimes, reserved, prefix.
                kind::PREFIX_INFORMATION => {
                    if let (Some(&len), Some(prefix)) =
                        (option.bytes.get(2), option.bytes.get(16..32))
                    {
                        self.prefixes.insert(fingerprint(&(len, prefix)));
                    }
                }
                _ => {}
            }
        }
        self.flood(seen, count, alerts);
        self.rogue(seen, alerts);
    }

    fn flood(&self, seen: &Seen<'_>, count: u32, alerts: &mut Alerts) {
        let prefixes = self.prefixes.len();
        // One router advertising one prefix however often (answering a
        // crowd's solicitations) fills no table: a flood is many RAs from
        // several routers or with many prefixes.
        let many = count >= self.per_10s && (self.sources.len() >= 2 || prefixes >= 2);
        if !many && prefixes < self.prefixes_per_minute {
            return;
        }
        let first = self.first_frame;
        let sources = self.sources.len();
        let more = |full: bool| if full { "at least " } else { "" };
        alerts.raise(Detection::RouterAdvertisementFlood, seen.dst(), seen.now, || {
            Finding::about(
                seen,
                Detection::RouterAdvertisementFlood,
                90,
                Evidence::packets(count.into(), first)
                    .over(10 * SECOND)
                    .fact("sources", sources)
                    .fact("prefixes", prefixes),
                format!(
                    "{count} router advertisements within ten seconds to {} (a router sends one \
                     every few minutes, at most one per 3 seconds), from {}{sources} sources, \
                     advertising {}{prefixes} prefixes within the minute, the latest from {}: a \
                     flood that fills hosts' address and route tables and burns their CPU.",
                    seen.dst(),
                    more(self.sources.is_full()),
                    more(self.prefixes.is_full()),
                    seen.src()
                ),
            )
        });
    }

    fn rogue(&mut self, seen: &Seen<'_>, alerts: &mut Alerts) {
        let src = seen.src();
        let hop_limit = seen.d.hop_limit;
        let link_local = matches!(src, IpAddr::V6(a) if a.is_unicast_link_local());
        let forged = hop_limit != NDP_HOP_LIMIT || !link_local;
        if !forged && self.routers.is_empty() && self.learned.is_none() {
            self.learned = Some(src);
            return;
        }
        let listed = if self.routers.is_empty() {
            self.learned == Some(src)
        } else {
            self.routers.contains(&src)
        };
        if !forged && listed {
            return;
        }
        // Many routers at once: a flood, which its own finding tells.
        if self.sources.len() >= MANY_SOURCES
            || alerts.is_active(Detection::RouterAdvertisementFlood, seen.dst(), seen.now)
        {
            return;
        }
        let configured = !self.routers.is_empty();
        let learned = self.learned;
        alerts.raise(Detection::RogueRouterAdvertisement, src, seen.now, || {
            let evidence = Evidence::one(seen.frame).fact("hop_limit", hop_limit);
            let (confidence, why) = if forged {
                let broken = match (hop_limit != NDP_HOP_LIMIT, link_local) {
                    (true, false) => {
                        format!("hop limit {hop_limit} and a source that is not link-local")
                    }
                    (true, true) => format!("hop limit {hop_limit}"),
                    _ => "a source that is not link-local".to_owned(),
                };
                (
                    95,
                    format!(
                        "with {broken}, where a real router sends hop limit 255 from its \
                         link-local address (RFC 4861 §6.1.2): it was forged or came from off \
                         the link"
                    ),
                )
            } else if configured {
                (
                    90,
                    format!(
                        "which is not one of the routers listed ({})",
                        list(&self.routers)
                    ),
                )
            } else {
                (
                    50,
                    format!(
                        "while the first router seen advertising was {}; if both are \
                         legitimate, list them with --router",
                        learned.map_or_else(String::new, |a| a.to_string())
                    ),
                )
            };
            Finding::about(
                seen,
                Detection::RogueRouterAdvertisement,
                confidence,
                evidence,
                format!(
                    "{src} sent a router advertisement to {} {why}. Hosts that accept it route \
                     their IPv6 traffic through it.",
                    seen.dst()
                ),
            )
            // Only learned, not listed: a second real router looks the same.
            .with_severity(if confidence <= 50 {
                Severity::Medium
            } else {
                Severity::High
            })
        });
    }
}

/// `addrs` joined with commas.
fn list(addrs: &[IpAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An RDNSS option of even length (RFC 8106 §5.1 wants 3, 5, 7, ...).
fn rdnss(seen: &Seen<'_>, option: RawOption<'_>, alerts: &mut Alerts) {
    alerts.raise(Detection::RdnssEvenLength, seen.dst(), seen.now, || {
        let units = option.units;
        Finding::about(
            seen,
            Detection::RdnssEvenLength,
            95,
            Evidence::one(seen.frame).fact("rdnss_length", units),
            format!(
                "{} sent {} a router advertisement whose RDNSS option has length {units} ({} \
                 bytes): an RDNSS option is 8 bytes plus 16 per server, an odd number of 8-byte \
                 units; an even one makes Windows' tcpip.sys read the next bytes as an option \
                 header and overflow (CVE-2020-16898, Bad Neighbor).",
                seen.src(),
                seen.dst(),
                usize::from(units) * 8
            ),
        )
    });
}
