//! Neighbor Discovery (RFC 4861) and Multicast Listener Discovery (RFC 2710,
//! RFC 3810): the ICMPv6 messages every IPv6 link depends on.

use super::super::{Kind::Informational, Status, TypeInfo};

const NDP_HOP_LIMIT: &str = "Neighbor Discovery messages must arrive with Hop Limit 255 (RFC 4861), so they cannot come from off-link: a check for it fails when anything forwards or rewrites them.";

/// Multicast Listener Query (130).
pub(super) const MLD_QUERY: TypeInfo = TypeInfo {
    number: 130,
    name: "Multicast Listener Query",
    short: "Multicast Listener Query",
    aliases: &["mld-listener-query", "mld-query"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 2710; RFC 3810",
    meaning: "A multicast router (the querier) asks which multicast groups have listeners on the link: a General Query to ff02::1 or a group-specific query. \
              MLD messages are link-local, with Hop Limit 1 and a Router Alert option.",
    causes: &[
        "A router or an MLD-snooping switch acting as querier, periodically (125 s by default).",
    ],
    remedies: &[
        "With MLD snooping enabled on switches, make sure a querier exists (a multicast router or the switch's own querier), or snooping may prune solicited-node groups and break Neighbor Discovery.",
        "Inspect memberships: `ip -6 maddr show`, `bridge mdb show`.",
    ],
    codes: &[],
};

/// Version 1 Multicast Listener Report (131).
pub(super) const MLD_REPORT: TypeInfo = TypeInfo {
    number: 131,
    name: "Multicast Listener Report",
    short: "Multicast Listener Report",
    aliases: &["mld-listener-report", "mld-report", "mld1-listener-report"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 2710",
    meaning: "MLDv1: a node announces it listens to a multicast group, unsolicited on joining or in answer to a Query. \
              Every IPv6 node joins the solicited-node group of each of its addresses, which Neighbor Discovery needs.",
    causes: &[
        "Hosts joining groups (solicited-node ff02::1:ffXX:XXXX, mDNS ff02::fb...) in MLDv1 mode, e.g. with `force_mld_version=1`.",
    ],
    remedies: &[
        "Allow MLD on the link (RFC 4890); `cat /proc/net/igmp6` lists a Linux host's groups.",
    ],
    codes: &[],
};

/// Version 1 Multicast Listener Done (132).
pub(super) const MLD_DONE: TypeInfo = TypeInfo {
    number: 132,
    name: "Multicast Listener Done",
    short: "Multicast Listener Done",
    aliases: &["mld-listener-done", "mld-listener-reduction", "mld-done"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 2710",
    meaning: "MLDv1: a node leaving a multicast group tells the routers (to ff02::2), which then check whether other listeners remain.",
    causes: &["An application or address leaving a group (e.g. an address removed)."],
    remedies: &[
        "Normal; nothing to do unless multicast streams stop for remaining listeners (check the querier's last-listener queries).",
    ],
    codes: &[],
};

/// Router Solicitation (133).
pub(super) const ROUTER_SOLICITATION: TypeInfo = TypeInfo {
    number: 133,
    name: "Router Solicitation",
    short: "Router Solicitation",
    aliases: &["router-solicitation", "nd-router-solicit", "rs"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 4861 §4.1",
    meaning: "A host asks routers on the link (ff02::2) to send a Router Advertisement now, rather than waiting for the periodic one; sent when an interface comes up.",
    causes: &[
        "An interface coming up or a host (re)starting SLAAC; a few are sent, then the host waits for periodic RAs.",
    ],
    remedies: &[
        "If no RA answers: is a router advertising (`radvd`, router `ipv6 nd` config)? Is RS/RA filtered? Try `rdisc6 <ifname>`.",
        NDP_HOP_LIMIT,
    ],
    codes: &[],
};

/// Router Advertisement (134).
pub(super) const ROUTER_ADVERTISEMENT: TypeInfo = TypeInfo {
    number: 134,
    name: "Router Advertisement",
    short: "Router Advertisement",
    aliases: &["router-advertisement", "nd-router-advert", "ra"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 4861 §4.2; RFC 4862; RFC 8106",
    meaning: "A router announces itself (periodically to ff02::1, or in answer to a solicitation) from its link-local address: router lifetime (0 = not a default router), \
              M/O flags for DHCPv6, prefixes for SLAAC and on-link determination, MTU, and options such as RDNSS DNS servers.",
    causes: &[
        "A router running radvd, systemd-networkd, or vendor `ipv6 nd` config (expected).",
        "A rogue RA: Windows Internet Connection Sharing, a VM or container host, a misconfigured CPE; clients then take a wrong default route or prefix.",
    ],
    remedies: &[
        "See what arrives: `rdisc6 <ifname>`, `radvdump`, `tcpdump -vni <ifname> 'icmp6 and ip6[40] == 134'`; on the host `ip -6 route show default` (proto ra) and `ip -6 addr` (dynamic addresses).",
        "Linux ignores RAs when forwarding unless `net.ipv6.conf.<if>.accept_ra=2`.",
        "Against rogue RAs: RA Guard on switches (RFC 6105), or filter type 134 from untrusted ports.",
        NDP_HOP_LIMIT,
    ],
    codes: &[],
};

/// Neighbor Solicitation (135).
pub(super) const NEIGHBOR_SOLICITATION: TypeInfo = TypeInfo {
    number: 135,
    name: "Neighbor Solicitation",
    short: "Neighbor Solicitation",
    aliases: &[
        "neighbor-solicitation",
        "neighbour-solicitation",
        "nd-neighbor-solicit",
        "ns",
    ],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 4861 §4.3; RFC 4862 §5.4",
    meaning: "Neighbor Discovery's question, IPv6's ARP: sent to the target's solicited-node multicast address to learn its link-layer address, \
              unicast to confirm it is still reachable (NUD), or from :: to check nobody already uses an address (Duplicate Address Detection).",
    causes: &[
        "Any traffic to an on-link address whose neighbour entry is missing or stale.",
        "DAD when an address is configured; many from :: at boot or with privacy addresses.",
        "Routers resolving scanned non-existent addresses in a /64 (neighbour-cache exhaustion).",
    ],
    remedies: &[
        "`ip -6 neigh show` (INCOMPLETE/FAILED entries have no answer), `ndisc6 <addr> <ifname>`.",
        "Never block types 135/136 on a link; with MLD snooping ensure a querier so solicited-node multicast is delivered.",
        "On routers exposed to scans: limit the neighbour cache (`net.ipv6.neigh.default.gc_thresh3`) and use smaller on-link prefixes where possible (RFC 6583).",
        NDP_HOP_LIMIT,
    ],
    codes: &[],
};

/// Neighbor Advertisement (136).
pub(super) const NEIGHBOR_ADVERTISEMENT: TypeInfo = TypeInfo {
    number: 136,
    name: "Neighbor Advertisement",
    short: "Neighbor Advertisement",
    aliases: &[
        "neighbor-advertisement",
        "neighbour-advertisement",
        "nd-neighbor-advert",
        "na",
    ],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 4861 §4.4",
    meaning: "Neighbor Discovery's answer: the target's link-layer address, with flags R (sender is a router), S (solicited) and O (override the cache). \
              Also sent unsolicited to ff02::1 when a link-layer address changes (failover, VRRP) or to defend an address during DAD.",
    causes: &[
        "A reply to a Neighbor Solicitation; unsolicited announcements after failover or address changes.",
    ],
    remedies: &[
        "An NA answering a DAD probe means a duplicate: `ip -6 addr` shows `dadfailed`; find the other owner by its MAC.",
        "Spoofed NAs are IPv6's ARP spoofing: use SEND or switch features (ND inspection).",
        NDP_HOP_LIMIT,
    ],
    codes: &[],
};

/// Redirect (137).
pub(super) const REDIRECT: TypeInfo = TypeInfo {
    number: 137,
    name: "Redirect Message",
    short: "Redirect",
    aliases: &["redirect", "nd-redirect"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 4861 §4.5, §8",
    meaning: "A router tells a host that a better first hop exists for a destination (Target Address), or, when Target equals Destination, that the destination is on-link. \
              Sent from the router's link-local address with Hop Limit 255.",
    causes: &[
        "Several routers on the link and the host's default router is not the best one for this destination.",
        "Hosts on the same link using addresses from a prefix not marked on-link.",
    ],
    remedies: &[
        "Add the proper route on the host or fix routing; `ip -6 route get <dst>` shows a learned redirect.",
        "Disable where unwanted: `sysctl -w net.ipv6.conf.all.accept_redirects=0` on hosts; routers stop sending with `no ipv6 redirects` or by Linux forwarding setup.",
    ],
    codes: &[],
};

/// MLDv2 Multicast Listener Report (143).
pub(super) const MLD2_REPORT: TypeInfo = TypeInfo {
    number: 143,
    name: "Version 2 Multicast Listener Report",
    short: "Multicast Listener Report Message v2",
    aliases: &["mld2-listener-report", "mldv2-report", "mld2-report"],
    kind: Informational,
    status: Status::Current,
    reference: "RFC 3810",
    meaning: "MLDv2: a node reports its multicast memberships with source filters (include/exclude lists), to ff02::16 (all MLDv2-capable routers). \
              The default on modern hosts, sent on joins, leaves and in answer to Queries.",
    causes: &[
        "Every IPv6 host joining its solicited-node groups at address configuration, and applications joining groups.",
    ],
    remedies: &[
        "Allow MLD on the link; MLD-snooping switches need these (and a querier) to forward solicited-node multicast, without which Neighbor Discovery fails.",
        "`ip -6 maddr show`, `bridge mdb show`; force a version with `net.ipv6.conf.<if>.force_mld_version`.",
    ],
    codes: &[],
};
