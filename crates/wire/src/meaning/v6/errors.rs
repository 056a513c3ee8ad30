//! The codes of the ICMPv6 error messages: Destination Unreachable (1),
//! Time Exceeded (3) and Parameter Problem (4).

use super::super::{CodeInfo, brief_code};

/// Destination Unreachable's codes, 0 through 8.
pub(super) const UNREACHABLE: &[CodeInfo] = &[
    CodeInfo {
        code: 0,
        name: "no route to destination",
        short: "no route to destination",
        aliases: &["no-route"],
        reference: "RFC 4443 §3.1",
        meaning: "A router (or the sending host itself) has no route for the destination, not even a default route. \
                  The ICMP source is the router missing the route; traceroute shows `!N`.",
        causes: &[
            "No IPv6 default route: the host never received a Router Advertisement with a non-zero router lifetime, or a router with forwarding=1 ignores RAs (accept_ra must be 2).",
            "A provider or internal router lacking the prefix: BGP/OSPFv3 down, a tunnel broker link down, a missing static route for a delegated prefix.",
            "A Linux IPv6 `unreachable` route (`ip -6 route add unreachable <prefix>`), which sends this code.",
            "A firewall rule: ip6tables `--reject-with icmp6-no-route`, nftables `reject with icmpv6 type no-route`.",
        ],
        remedies: &[
            "`ip -6 route get <dst>` and `ip -6 route show default` on the sender (a default route learned from RAs shows `proto ra`).",
            "Check RAs arrive: `rdisc6 <ifname>` (ndisc6 package) or `tcpdump -ni <ifname> 'icmp6 and ip6[40] == 134'`; on routers `sysctl net.ipv6.conf.<if>.accept_ra=2` when forwarding.",
            "On the router at the ICMP source: `ip -6 route get <dst>`, `show ipv6 route <dst>`, routing-protocol sessions.",
        ],
    },
    CodeInfo {
        code: 1,
        name: "communication with destination administratively prohibited",
        short: "Administratively prohibited",
        aliases: &[
            "admin-prohibited",
            "adm-prohibited",
            "communication-prohibited",
        ],
        reference: "RFC 4443 §3.1",
        meaning: "A firewall or router filter forbids the packet and says so. The ICMP source is the filtering device; traceroute shows `!X`.",
        causes: &[
            "ip6tables `-j REJECT --reject-with icmp6-adm-prohibited` (firewalld's iptables backend rejects this way), nftables `reject with icmpv6 type admin-prohibited` or `reject with icmpx type admin-prohibited`.",
            "A Linux `prohibit` route (`ip -6 route add prohibit <prefix>`).",
            "A router ACL or cloud security policy deny.",
        ],
        remedies: &[
            "On the device at the ICMP source: `nft list ruleset`, `ip6tables -S`, `firewall-cmd --list-all`, `ip -6 route show type prohibit`, router ACLs.",
            "Remember IPv6 rules are separate from IPv4 ones: a port opened only in iptables is still closed in ip6tables.",
        ],
    },
    CodeInfo {
        code: 2,
        name: "beyond scope of source address",
        short: "Beyond scope of source address",
        aliases: &["beyond-scope", "not-neighbour", "not-neighbor"],
        reference: "RFC 4443 §3.1",
        meaning: "The destination is outside the scope of the source address, so the router may not forward it: typically a link-local (fe80::/10) source \
                  whose packet would have to leave its link.",
        causes: &[
            "An application or a misconfigured host using a link-local source address toward a global destination.",
            "A packet sourced from a site-scoped or otherwise restricted address crossing its boundary.",
        ],
        remedies: &[
            "Check the source the host picks: `ip -6 route get <dst>` shows `src`; make sure the interface has a global address (`ip -6 addr show scope global`).",
            "Fix applications that bind to an fe80:: address.",
        ],
    },
    CodeInfo {
        code: 3,
        name: "address unreachable",
        short: "Address unreachable",
        aliases: &["addr-unreachable", "address-unreachable", "addr-unreach"],
        reference: "RFC 4443 §3.1",
        meaning: "The last-hop router (or the sending host) could not resolve the destination's link-layer address: Neighbor Solicitations went unanswered. \
                  The IPv6 counterpart of ICMPv4 Host Unreachable; traceroute shows `!H`.",
        causes: &[
            "The host is down, moved, or its address changed (temporary/privacy addresses expire, SLAAC prefix renumbered).",
            "Neighbor Discovery blocked: a host firewall or ACL dropping ICMPv6 types 135/136, or MLD snooping without a querier dropping solicited-node multicast.",
            "Scans of a /64 make routers solicit thousands of non-existent addresses.",
            "ip6tables `--reject-with icmp6-addr-unreachable`.",
        ],
        remedies: &[
            "On the last-hop router: `ip -6 neigh show <dst>` (INCOMPLETE/FAILED means no NA came back) and `ndisc6 <dst> <ifname>`.",
            "On the destination: `ip -6 addr` (is the address present, not `dadfailed`?), and allow NDP (ICMPv6 133–137) and MLD in its firewall, per RFC 4890.",
        ],
    },
    CodeInfo {
        code: 4,
        name: "port unreachable",
        short: "Port unreachable",
        aliases: &["port-unreachable"],
        reference: "RFC 4443 §3.1",
        meaning: "The destination host got a UDP (or other non-TCP, port-based) packet for a port with no listener. \
                  Sent by the destination, or by a firewall rejecting on its behalf; a connected UDP socket gets ECONNREFUSED.",
        causes: &[
            "No service bound to the port, or bound to IPv4 only / to another address (`ss -lun` shows 0.0.0.0:port but not [::]:port).",
            "A firewall REJECT: ip6tables `-j REJECT` defaults to `icmp6-port-unreachable`, and nftables `reject` in the ip6 family sends it too.",
            "The normal end of a UDP traceroute to that destination.",
        ],
        remedies: &[
            "On the destination: `ss -lunp` (look for [::]:port or the exact address) and check `bindv6only`/IPV6_V6ONLY of the service.",
            "If the ICMP source differs from the destination, a middlebox is rejecting; otherwise check the host's `ip6tables -S` / `nft list ruleset`.",
        ],
    },
    CodeInfo {
        code: 5,
        name: "source address failed ingress/egress policy",
        short: "Source address failed ingress/egress policy",
        aliases: &["policy-fail", "failed-policy", "source-policy-failed"],
        reference: "RFC 4443 §3.1",
        meaning: "A router dropped the packet because its source address is not allowed where it entered or would leave (ingress filtering, BCP 38, uRPF).",
        causes: &[
            "Multihoming: a packet sourced from provider A's prefix sent out via provider B, who filters it.",
            "A host using a stale or foreign prefix (old SLAAC address after renumbering, a ULA leaking to the Internet).",
            "Spoofed sources.",
        ],
        remedies: &[
            "Check the chosen source: `ip -6 route get <dst>`; prefer the right prefix with source-specific/policy routing (`ip -6 rule add from <prefix> table <n>`) as in RFC 8678.",
            "Remove deprecated addresses (`ip -6 addr show deprecated`) and confirm the provider's filter lists your prefix.",
        ],
    },
    CodeInfo {
        code: 6,
        name: "reject route to destination",
        short: "Reject route to destination",
        aliases: &["reject-route"],
        reference: "RFC 4443 §3.1",
        meaning: "The router's route for the destination is an explicit reject route: an operator configured the prefix to be refused with an error.",
        causes: &[
            "An aggregate or discard route for unused space (e.g. a null route for a delegated /48 whose more-specific route is missing).",
            "Deliberate blocking of a prefix by routing policy.",
        ],
        remedies: &[
            "On the router at the ICMP source look for reject/discard routes covering the destination (`ip -6 route show type unreachable`, `show route <dst>`), and the more-specific route that should win.",
        ],
    },
    CodeInfo {
        code: 7,
        name: "Error in Source Routing Header",
        short: "Error in Source Routing Header",
        aliases: &["source-routing-header-error", "srh-error"],
        reference: "RFC 6554",
        meaning: "A node processing an RPL Source Routing Header (type 3) found an error, such as a loop (one of its own addresses later in the route) or an address it cannot reach.",
        causes: &["Inconsistent RPL non-storing-mode routes in a low-power (6LoWPAN) network."],
        remedies: &[
            "Check the RPL root's topology (DAO state) and the addresses in the source route.",
        ],
    },
    CodeInfo {
        code: 8,
        name: "Headers too long",
        short: "Headers too long",
        aliases: &["headers-too-long"],
        reference: "RFC 8883",
        meaning: "A node dropped the packet because its IPv6 header chain (extension headers) is longer than it can process.",
        causes: &[
            "Many or large extension headers (hop-by-hop, destination options, routing) hitting a router or middlebox limit.",
        ],
        remedies: &[
            "Reduce extension headers, or find the node that imposes the limit (the ICMP source).",
        ],
    },
];

/// Time Exceeded's codes.
pub(super) const TIME_EXCEEDED: &[CodeInfo] = &[
    CodeInfo {
        code: 0,
        name: "hop limit exceeded in transit",
        short: "hop limit exceeded in transit",
        aliases: &[
            "hop-limit-exceeded",
            "ttl-zero-during-transit",
            "hop-limit-exceeded-in-transit",
        ],
        reference: "RFC 4443 §3.3",
        meaning: "A router received the packet with a Hop Limit of 1 or 0 (it would reach 0 when decremented), discarded it, and reports from its own address. \
                  This is how traceroute discovers each hop.",
        causes: &[
            "A traceroute or mtr probe reaching that hop (expected).",
            "A routing loop: for example a router's default route and a customer's route for a delegated prefix pointing at each other.",
            "A sender using a small hop limit (net.ipv6.conf.*.hop_limit, IPV6_UNICAST_HOPS) or a tunnel with a low hop limit.",
        ],
        remedies: &[
            "`mtr -6 -n <dst>` or `traceroute -6 -n <dst>`; repeating hops mean a loop, then `ip -6 route get <dst>` on those routers.",
            "Check `sysctl net.ipv6.conf.all.hop_limit` (64 by default) and the application's hop-limit options.",
        ],
    },
    CodeInfo {
        code: 1,
        name: "fragment reassembly time exceeded",
        short: "fragment reassembly time exceeded",
        aliases: &["ttl-zero-during-reassembly", "reassembly-timeout"],
        reference: "RFC 4443 §3.3; RFC 8200 §4.5",
        meaning: "The destination received the first fragment of a packet but not all fragments within 60 seconds (RFC 8200; Linux net.ipv6.ip6frag_time) and discarded it. \
                  Sent by the destination; IPv6 routers never fragment, only the source does.",
        causes: &[
            "Fragments dropped on the path: many networks drop IPv6 packets with extension headers, including the Fragment header (RFC 7872).",
            "Large UDP (DNS with big EDNS answers, tunnels) fragmented by the source.",
            "Load balancers or ECMP sending fragments of one packet different ways.",
        ],
        remedies: &[
            "Count on the receiver: `nstat -az Ip6ReasmFails Ip6ReasmTimeout`.",
            "Avoid fragmentation: EDNS buffer size 1232, TCP for large transfers, correct tunnel MTUs; capture with `tcpdump -ni any 'ip6[6] == 44'` to see fragments.",
        ],
    },
];

/// Parameter Problem's codes, 0 through 10.
pub(super) const PARAMETER_PROBLEM: &[CodeInfo] = &[
    CodeInfo {
        code: 0,
        name: "erroneous header field encountered",
        short: "erroneous header field encountered",
        aliases: &["bad-header", "erroneous-header-field"],
        reference: "RFC 4443 §3.4",
        meaning: "A field in the IPv6 header or an extension header is invalid; the 32-bit pointer gives the byte offset of the field within the quoted packet.",
        causes: &[
            "A malformed packet: wrong payload length, Hop-by-Hop Options not directly after the IPv6 header, a bad option length.",
            "Fuzzers and scanners; buggy stacks or middleboxes rewriting headers.",
        ],
        remedies: &[
            "Decode the quoted packet and look at the byte the pointer names; capture at the sender to see who produced it.",
        ],
    },
    CodeInfo {
        code: 1,
        name: "unrecognized Next Header type encountered",
        short: "unrecognized Next Header type encountered",
        aliases: &[
            "unknown-header-type",
            "unrecognized-next-header",
            "unknown-next-header",
        ],
        reference: "RFC 4443 §3.4; RFC 8200 §4",
        meaning: "The destination does not know the Next Header value the pointer indicates. \
                  IPv6 has no Protocol Unreachable: this is how a host says it does not speak a protocol (e.g. SCTP, GRE) or an extension header.",
        causes: &[
            "A tunnel or transport the destination has not configured or loaded (GRE, IPIP/4in6, SCTP).",
            "A new or experimental extension header the destination does not implement.",
        ],
        remedies: &[
            "Read the Next Header value at the pointer; on the destination check modules and tunnels (`lsmod`, `ip -6 tunnel show`).",
        ],
    },
    CodeInfo {
        code: 2,
        name: "unrecognized IPv6 option encountered",
        short: "unrecognized IPv6 option encountered",
        aliases: &["unknown-option", "unrecognized-option"],
        reference: "RFC 4443 §3.4; RFC 8200 §4.2",
        meaning: "A Hop-by-Hop or Destination option is unknown and its type's top two bits (10 or 11) ask for an error to be sent; the pointer indicates the option.",
        causes: &[
            "An option the node does not implement, e.g. a new Hop-by-Hop option, sent by a newer or experimental stack.",
        ],
        remedies: &[
            "Check which option type the pointer names and whether the sender should use it on this path.",
        ],
    },
    brief_code(
        3,
        "IPv6 First Fragment has incomplete IPv6 Header Chain",
        "IPv6 First Fragment has incomplete IPv6 Header Chain",
        "RFC 7112",
        "The first fragment did not contain the whole header chain up to the upper-layer header, so the receiver (or a firewall) cannot classify it and dropped it. \
         Caused by many or large extension headers before fragmentation.",
    ),
    brief_code(
        4,
        "SR Upper-layer Header Error",
        "SR Upper-layer Header Error",
        "RFC 8754",
        "A Segment Routing (SRv6) endpoint received a packet whose Segments Left is 0 with an upper-layer header it cannot process.",
    ),
    brief_code(
        5,
        "Unrecognized Next Header type encountered by intermediate node",
        "Unrecognized Next Header type encountered by intermediate node",
        "RFC 8883",
        "A router or middlebox that inspects the header chain met a Next Header value it does not know and dropped the packet.",
    ),
    brief_code(
        6,
        "Extension header too big",
        "Extension header too big",
        "RFC 8883",
        "An extension header exceeds the size this node is willing to process.",
    ),
    brief_code(
        7,
        "Extension header chain too long",
        "Extension header chain too long",
        "RFC 8883",
        "The chain of extension headers is longer than this node processes.",
    ),
    brief_code(
        8,
        "Too many extension headers",
        "Too many extension headers",
        "RFC 8883",
        "The packet has more extension headers than this node accepts.",
    ),
    brief_code(
        9,
        "Too many options in extension header",
        "Too many options in extension header",
        "RFC 8883",
        "An extension header holds more options than this node accepts.",
    ),
    brief_code(
        10,
        "Option too big",
        "Option too big",
        "RFC 8883",
        "An option in an extension header is larger than this node accepts.",
    ),
];
