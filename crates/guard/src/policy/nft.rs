//! The decisions as an nftables ruleset (`nft -f`).
//!
//! One table, `icmpkit` (family `inet`, `ip` or `ip6`), preceded by `add
//! table` and `delete table` so that loading the file again replaces it.
//! Base chains `input`, `forward` (routers and firewalls) and `output`
//! (only with `--hide-topology`), each `policy accept`: the table decides
//! ICMP and ICMPv6 only. Every decision becomes the rules that settle each
//! of its situations, in this order: hop limit below 255 (`ip6 hoplimit !=
//! 255`), a tracked flow (`ct state related` for errors, `ct state
//! established` for replies), then everything else; each rule carries the
//! decision's comment, `why (RFC ...)`. A limit is a dynamic set keyed
//! by source (`update @set { ip saddr limit rate ... } accept`, then a
//! drop), or in transit by source and destination (`ip saddr . ip
//! daddr`); IPv6 sources are bucketed by /64, the smallest block one
//! subscriber gets. A set holds 65535 buckets, each forgotten 10 s after
//! its last packet (it refills in 2 s). The trade-off: a full set drops
//! echo from every new source, and a sweeper fills it only by creating
//! more than about 6,500 new sources (in transit, source and destination
//! pairs) a second; a longer timeout would need fewer, a larger set more
//! memory. Each chain first lets through fragments after the
//! first ([`later_fragments`]): they have no ICMP header, and share the
//! fate of their first fragment, which meets the rules (without conntrack,
//! as on a router, nothing reassembles them first). An address condition is `ip daddr`, an interface
//! condition `iifname` (arriving) or `oifname` (leaving). With
//! `--log-drops` every drop is preceded by a log rule limited to 10
//! messages a minute.
//!
//! ```
//! use icmpkit_guard::policy::Role;
//! use icmpkit_guard::policy::nft;
//! use icmpkit_guard::policy::rules::{Options, decide};
//!
//! let text = nft::render(&decide(&Options::new(Role::Host)));
//! assert!(text.contains("table inet icmpkit {"));
//! assert!(text.contains("icmpv6 type packet-too-big accept"));
//! ```

use std::fmt::Write as _;

use icmpkit_wire::meaning;

use super::rules::{Codes, Condition, Decision, Policy, Tracked};
use super::{Fate, IpVersion, Rate, RateKey, Role, TableFamily};

/// The name of the generated table.
pub const TABLE: &str = "icmpkit";

/// The prefix of the log messages of `--log-drops`.
pub const LOG_PREFIX: &str = "icmpkit drop: ";

/// The most buckets a limit's set holds (`size`), and `--hashlimit-htable-max`.
pub const SET_SIZE: u32 = 65535;

/// How long a bucket lives after its last packet, in seconds (`timeout`,
/// and `--hashlimit-htable-expire` in milliseconds): a bucket refills in
/// burst / rate = 2 s, so 10 s forgets nothing worth keeping. A full set
/// makes `update @set` fail and echo is dropped for every new source:
/// to fill it a sweeper must create more than [`SET_SIZE`] / 10, about
/// 6,500, new sources (pairs in transit) a second.
pub const SET_TIMEOUT_SECS: u32 = 10;

/// The limit on log messages of `--log-drops`, per log rule: 10 a minute
/// after a burst of 5 (nft's default burst), enough to see what is dropped
/// and too few to fill a disk.
pub const LOG_RATE: &str = "limit rate 10/minute burst 5 packets";

/// The nftables keywords of ICMPv4 types (`nft describe icmp type`).
const V4_KEYWORDS: [(u8, &str); 15] = [
    (0, "echo-reply"),
    (3, "destination-unreachable"),
    (4, "source-quench"),
    (5, "redirect"),
    (8, "echo-request"),
    (9, "router-advertisement"),
    (10, "router-solicitation"),
    (11, "time-exceeded"),
    (12, "parameter-problem"),
    (13, "timestamp-request"),
    (14, "timestamp-reply"),
    (15, "info-request"),
    (16, "info-reply"),
    (17, "address-mask-request"),
    (18, "address-mask-reply"),
];

/// The nftables keywords of ICMPv6 types (`nft describe icmpv6 type`; 132
/// also has the alias `mld-listener-reduction`).
const V6_KEYWORDS: [(u8, &str); 18] = [
    (1, "destination-unreachable"),
    (2, "packet-too-big"),
    (3, "time-exceeded"),
    (4, "parameter-problem"),
    (128, "echo-request"),
    (129, "echo-reply"),
    (130, "mld-listener-query"),
    (131, "mld-listener-report"),
    (132, "mld-listener-done"),
    (133, "nd-router-solicit"),
    (134, "nd-router-advert"),
    (135, "nd-neighbor-solicit"),
    (136, "nd-neighbor-advert"),
    (137, "nd-redirect"),
    (138, "router-renumbering"),
    (141, "ind-neighbor-solicit"),
    (142, "ind-neighbor-advert"),
    (143, "mld2-listener-report"),
];

/// nft's keyword for a type, where it has one (`nft describe icmp type`,
/// `nft describe icmpv6 type`).
pub fn type_keyword(version: IpVersion, msg_type: u8) -> Option<&'static str> {
    keywords(version)
        .iter()
        .find(|(n, _)| *n == msg_type)
        .map(|(_, k)| *k)
}

/// The type an nft keyword names (`mld-listener-reduction` included).
pub fn keyword_type(version: IpVersion, keyword: &str) -> Option<u8> {
    if version == IpVersion::V6 && keyword == "mld-listener-reduction" {
        return Some(132);
    }
    keywords(version)
        .iter()
        .find(|(_, k)| *k == keyword)
        .map(|(n, _)| *n)
}

fn keywords(version: IpVersion) -> &'static [(u8, &'static str)] {
    match version {
        IpVersion::V4 => &V4_KEYWORDS,
        IpVersion::V6 => &V6_KEYWORDS,
    }
}

/// The ruleset for `policy`, as `nft -f` reads it.
pub fn render(policy: &Policy) -> String {
    let mut writer = Writer {
        policy,
        sets: Vec::new(),
    };
    let family = policy.options.family.name();
    let mut chains = String::new();
    for hook in policy.hooks() {
        let _ = writeln!(chains, "\n\tchain {} {{", hook.name());
        let _ = writeln!(
            chains,
            "\t\ttype filter hook {} priority filter; policy accept;",
            hook.name()
        );
        for &version in policy.options.family.versions() {
            let _ = writeln!(chains, "\t\t{}", later_fragments(version));
            for decision in policy.at(hook, version) {
                for rule in writer.rules(decision) {
                    let _ = writeln!(chains, "\t\t{rule}");
                }
            }
        }
        chains.push_str("\t}\n");
    }
    let mut out = header(policy);
    let _ = writeln!(out, "add table {family} {TABLE}");
    let _ = writeln!(out, "delete table {family} {TABLE}");
    let _ = writeln!(out, "\ntable {family} {TABLE} {{");
    for (i, set) in writer.sets.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "\tset {} {{", set.name);
        let _ = writeln!(out, "\t\ttype {}", set.key_type);
        let _ = writeln!(out, "\t\tsize {SET_SIZE}");
        out.push_str("\t\tflags dynamic,timeout\n");
        let _ = writeln!(out, "\t\ttimeout {SET_TIMEOUT_SECS}s\n\t}}");
    }
    out.push_str(&chains);
    out.push_str("}\n");
    out
}

/// The comment block at the top: what made it, what it does, how to use it.
fn header(policy: &Policy) -> String {
    let options = &policy.options;
    let family = options.family.name();
    let versions = match options.family {
        TableFamily::Inet => "ICMP and ICMPv6",
        TableFamily::Ip => "ICMP (IPv4)",
        TableFamily::Ip6 => "ICMPv6",
    };
    let mut out = String::from("#!/usr/sbin/nft -f\n");
    let _ = writeln!(
        out,
        "# {versions} policy for a {}, after RFC 4890, RFC 1122, RFC 1812, RFC 6918 and RFC 6633.",
        options.role
    );
    let _ = writeln!(
        out,
        "# Generated by: icmpkit policy generate --format nft {}",
        options.arguments()
    );
    out.push_str(
        "#\n\
         # The table decides ICMP only: every rule matches ICMP or ICMPv6, and every other\n\
         # packet passes it untouched (chain policy accept). Its accepts do not override\n\
         # another table's drops; its drops are final. Each rule's comment says why.\n",
    );
    out.push_str(if options.role == Role::Router {
        "# Errors and echo replies pass without connection tracking (a router that\n\
         # tracked them would track every forwarded flow), echo\n"
    } else {
        "# Errors pass when they concern a flow conntrack tracks (ct state related), echo\n"
    });
    out.push_str(if options.role.forwards() {
        "# is limited per source (in transit per source and destination), Fragmentation\n\
         # Needed and Packet Too Big always pass, neighbour discovery only from the link\n\
         # (hop limit 255), and the rest is dropped.\n"
    } else {
        "# is limited per source, Fragmentation Needed and Packet Too Big always pass,\n\
         # neighbour discovery only from the link (hop limit 255), and the rest is dropped.\n"
    });
    out.push_str(
        "# Echo limits keep one bucket per source (or pair) for 10 s after its last packet,\n\
         # at most 65535: a sweeper must create over 6,500 new ones a second to fill a set,\n\
         # and a full one drops echo from every new source.\n#\n",
    );
    let _ = writeln!(
        out,
        "# Load:   nft -f FILE   (again to update: the next two lines replace the table)"
    );
    let _ = writeln!(out, "# Check:  nft -c -f FILE");
    let _ = writeln!(out, "# Remove: nft delete table {family} {TABLE}");
    let _ = writeln!(
        out,
        "# Audit:  icmpkit policy audit --live --role {}",
        options.role
    );
    out
}

/// A dynamic set of rate-limit buckets.
struct Set {
    name: String,
    key_type: &'static str,
}

struct Writer<'a> {
    policy: &'a Policy,
    sets: Vec<Set>,
}

impl Writer<'_> {
    /// The rules of one decision, most specific situation first.
    fn rules(&mut self, decision: &Decision) -> Vec<String> {
        let base = matcher(decision);
        let treatment = &decision.treatment;
        let mut rules = Vec::new();
        if let Some(below) = &treatment.below_hop_limit_255
            && !(*below == treatment.unsolicited && *below == treatment.related)
        {
            let hop_limit = match decision.version {
                IpVersion::V4 => "ip ttl != 255",
                IpVersion::V6 => "ip6 hoplimit != 255",
            };
            rules.extend(self.fate(decision, &format!("{base} {hop_limit}"), below));
        }
        if treatment.related != treatment.unsolicited {
            let state = match decision.tracked() {
                Tracked::Related => "related",
                Tracked::Established => "established",
                Tracked::Either => "established,related",
            };
            rules.extend(self.fate(
                decision,
                &format!("{base} ct state {state}"),
                &treatment.related,
            ));
        }
        rules.extend(self.fate(decision, &base, &treatment.unsolicited));
        rules
    }

    /// The rules that give `fate` to what `matched` matches.
    fn fate(&mut self, decision: &Decision, matched: &str, fate: &Fate) -> Vec<String> {
        let comment = quoted(&decision.comment());
        match fate {
            Fate::Accept => vec![format!("{matched} accept comment {comment}")],
            Fate::Drop => self.drop(matched, &comment),
            Fate::Limit(rate) => {
                let limit = self.limit(decision, rate);
                let mut rules = vec![format!("{matched} {limit} accept comment {comment}")];
                rules.extend(self.drop(matched, &comment));
                rules
            }
            Fate::Unknown(text) => vec![format!("# not rendered: {}", text.replace('\n', " "))],
        }
    }

    /// A drop, after a rate-limited log rule with `--log-drops`.
    fn drop(&self, matched: &str, comment: &str) -> Vec<String> {
        let mut rules = Vec::new();
        if self.policy.options.log_drops {
            rules.push(format!(
                "{matched} {LOG_RATE} log prefix {} comment \"log what the next rule drops\"",
                quoted(LOG_PREFIX)
            ));
        }
        rules.push(format!("{matched} drop comment {comment}"));
        rules
    }

    /// The limit statement for `rate`; one keyed by address declares its
    /// set.
    fn limit(&mut self, decision: &Decision, rate: &Rate) -> String {
        let limit = format!(
            "limit rate {}/second burst {} packets",
            rate.per_second, rate.burst
        );
        let (key_type, key, suffix) = match (rate.key, decision.version) {
            (RateKey::Everyone, _) => return limit,
            (RateKey::Source, IpVersion::V4) => ("ipv4_addr", "ip saddr", "v4"),
            (RateKey::Source, IpVersion::V6) => {
                ("ipv6_addr", "ip6 saddr & ffff:ffff:ffff:ffff::", "v6")
            }
            (RateKey::SourceAndDestination, IpVersion::V4) => {
                ("ipv4_addr . ipv4_addr", "ip saddr . ip daddr", "v4")
            }
            (RateKey::SourceAndDestination, IpVersion::V6) => (
                "ipv6_addr . ipv6_addr",
                "ip6 saddr & ffff:ffff:ffff:ffff:: . ip6 daddr",
                "v6",
            ),
        };
        let stem = format!(
            "{}_{}_{suffix}",
            decision.hook.name(),
            type_name(decision).replace('-', "_")
        );
        let mut name = stem.clone();
        let mut n = 1;
        while self.sets.iter().any(|s| s.name == name) {
            n += 1;
            name = format!("{stem}_{n}");
        }
        self.sets.push(Set {
            name: name.clone(),
            key_type,
        });
        format!("update @{name} {{ {key} {limit} }}")
    }
}

/// The first rule of each chain for `version`: a fragment after the first
/// carries no ICMP header, so it passes, and shares the fate of its first
/// fragment (which carries the header and meets the rules).
///
/// nft reads `icmp type` at the start of a non-first fragment's payload
/// as if a header were there, so without this rule the rules would judge
/// arbitrary data and the last one (`meta l4proto icmp drop`) would drop
/// what no other matched. Where conntrack runs, the kernel reassembles
/// before the filter hooks and this rule never matches; a router without
/// it (so without reassembly) would drop every large ping.
pub fn later_fragments(version: IpVersion) -> String {
    let (matched, why) = match version {
        IpVersion::V4 => (
            "meta l4proto icmp ip frag-off & 0x1fff != 0",
            "a fragment after the first has no ICMP header: it shares the fate of the first (RFC 791 §3.2)",
        ),
        IpVersion::V6 => (
            "meta l4proto ipv6-icmp frag frag-off != 0",
            "a fragment after the first has no ICMPv6 header: it shares the fate of the first (RFC 8200 §4.5)",
        ),
    };
    format!("{matched} accept comment {}", quoted(why))
}

/// What a decision matches: condition, type(s), code(s).
fn matcher(decision: &Decision) -> String {
    let (ip, proto, l4) = match decision.version {
        IpVersion::V4 => ("ip", "icmp", "icmp"),
        IpVersion::V6 => ("ip6", "icmpv6", "ipv6-icmp"),
    };
    let mut parts = Vec::new();
    match &decision.condition {
        Some(Condition::To(hosts)) => parts.push(format!("{ip} daddr {}", one_or_set(hosts))),
        Some(Condition::OutOf(iface)) => parts.push(format!("oifname {}", quoted(iface))),
        Some(Condition::ArrivingOn(iface)) => parts.push(format!("iifname {}", quoted(iface))),
        None => {}
    }
    if decision.types.is_empty() {
        parts.push(format!("meta l4proto {l4}"));
    } else {
        let names: Vec<String> = decision
            .types
            .iter()
            .map(|&t| {
                type_keyword(decision.version, t).map_or_else(|| t.to_string(), str::to_owned)
            })
            .collect();
        parts.push(format!("{proto} type {}", one_or_set(&names)));
    }
    if let Codes::Only(codes) = &decision.codes {
        let codes: Vec<String> = codes.iter().map(u8::to_string).collect();
        parts.push(format!("{proto} code {}", one_or_set(&codes)));
    }
    parts.join(" ")
}

/// A name for a decision's first type, for set names: nft's keyword, the
/// registry's first alias, or `typeN`.
fn type_name(decision: &Decision) -> String {
    let Some(&first) = decision.types.first() else {
        return "icmp".to_owned();
    };
    type_keyword(decision.version, first)
        .or_else(|| {
            meaning::type_info(decision.version, first).and_then(|t| t.aliases.first().copied())
        })
        .map_or_else(|| format!("type{first}"), str::to_owned)
}

/// `x` alone, or `{ x, y }`.
fn one_or_set(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => format!("{{ {} }}", items.join(", ")),
    }
}

/// A string in double quotes (a `"` inside becomes `'`: nft strings have
/// no escape).
pub(super) fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "'"))
}

#[cfg(test)]
mod tests;
