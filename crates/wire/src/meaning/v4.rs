//! The ICMPv4 table: every type the IANA "ICMP Type Numbers" registry lists
//! individually (0–43, 253–255).

use super::{
    CodeInfo, Kind::Error, Kind::Informational, Status, TypeInfo, brief, brief_code, extended_echo,
};

mod unreachable;

const fn unassigned(number: u8) -> TypeInfo {
    brief(
        number,
        "Unassigned",
        "Unassigned",
        Informational,
        Status::Unassigned,
        "IANA ICMP Type Numbers",
        "Not assigned to any message; a packet with this type is malformed, a probe, or an undocumented experiment.",
    )
}

const fn robustness(number: u8) -> TypeInfo {
    brief(
        number,
        "Reserved (for Robustness Experiment)",
        "Reserved (for robustness experiment)",
        Informational,
        Status::Reserved,
        "IANA ICMP Type Numbers",
        "Reserved for a robustness experiment; never defined as a message.",
    )
}

/// RFC 6918 deprecated these together; nobody should send or act on them.
const fn deprecated(
    number: u8,
    name: &'static str,
    short: &'static str,
    reference: &'static str,
    meaning: &'static str,
) -> TypeInfo {
    brief(
        number,
        name,
        short,
        Informational,
        Status::Deprecated,
        reference,
        meaning,
    )
}

/// ICMPv4 types in ascending order.
pub(super) const TYPES: &[TypeInfo] = &[
    TypeInfo {
        number: 0,
        name: "Echo Reply",
        short: "Echo (ping) reply",
        aliases: &["echo-reply", "pong", "ping-reply"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.6",
        meaning: "The answer to an Echo Request: the destination returns the request's identifier, sequence number and data unchanged, \
                  from the address the request was sent to. It proves two-way reachability at the IP layer and gives the round-trip time.",
        causes: &[
            "A reply to `ping`, `mtr`, `fping`, Windows `tracert` (which probes with echo) or a monitoring/health check.",
            "With unprivileged ICMP sockets (Linux net.ipv4.ping_group_range), the kernel rewrites the identifier to the socket's port, so tools match replies by it.",
            "An unsolicited reply is backscatter from someone else's spoofed pings, or a late reply after the pinger gave up.",
        ],
        remedies: &[
            "Compare identifier, sequence and data with the request; a reply from an unexpected address suggests NAT, anycast or a proxy answering.",
            "High or varying RTT on replies from routers is often their slow control plane, not the path: judge by the destination's replies.",
        ],
        codes: &[],
    },
    unassigned(1),
    unassigned(2),
    TypeInfo {
        number: 3,
        name: "Destination Unreachable",
        short: "Destination unreachable",
        aliases: &[
            "destination-unreachable",
            "dest-unreach",
            "unreachable",
            "unreach",
        ],
        kind: Error,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1; RFC 4884",
        meaning: "The datagram quoted in the message could not be delivered; the code says why. \
                  Routers send the routing-related codes (0, 1, 4, 5, 13), the destination host sends protocol (2) and port (3) unreachable, \
                  and firewalls may send any of them when they REJECT. Bytes 6–7 carry the next-hop MTU for code 4, and byte 5 the RFC 4884 length when extensions follow.",
        causes: &[
            "No route (codes 0, 6, 11), no ARP answer on the last hop (1), no listener (2, 3), a too-small MTU with DF set (4), or a filter (9, 10, 13).",
        ],
        remedies: &[
            "Look at who sent it (the ICMP source) and the quoted header (what was being sent): that pair says where and what to fix.",
            "`traceroute -n <dst>` marks these as !N (net), !H (host), !P (protocol), !F (fragmentation needed), !S (source route), !X (filtered).",
        ],
        codes: unreachable::CODES,
    },
    TypeInfo {
        number: 4,
        name: "Source Quench (Deprecated)",
        short: "Source quench (flow control)",
        aliases: &["source-quench", "quench"],
        kind: Error,
        status: Status::Deprecated,
        reference: "RFC 792; deprecated by RFC 6633",
        meaning: "Once a request from a congested router or host to slow down. It is deprecated (RFC 6633): \
                  routers must not send it, hosts must not send it and must silently ignore it (Linux does), because it is ineffective and usable to throttle connections blindly.",
        causes: &[
            "Very old equipment or a deliberate attack on TCP throughput (RFC 5927).",
            "Test or fuzzing tools.",
        ],
        remedies: &[
            "Ignore it; it is safe to drop at the firewall (`nft add rule inet filter input icmp type source-quench drop`).",
            "For real congestion rely on ECN and TCP congestion control, and find the old device sending it.",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 5,
        name: "Redirect",
        short: "Redirect",
        aliases: &["redirect"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.2; RFC 1812 §5.2.7.2",
        meaning: "A router tells a host on the same link that a different router (the Gateway Internet Address in bytes 4–7) is a better first hop for the quoted datagram's destination. \
                  The router still forwards that datagram; it sends a redirect only when the packet leaves by the interface it came in on and the source is on that link.",
        causes: &[
            "Two routers on one subnet and the host's default gateway is not the best one for some destinations.",
            "A static route on the host or router pointing at the wrong neighbour.",
            "Spoofed redirects used to divert traffic (a man-in-the-middle technique).",
        ],
        remedies: &[
            "Add the proper route on the host (`ip route add <prefix> via <better-gw>`) or fix the gateway's routing so traffic does not hairpin.",
            "See what the host learned: `ip route get <dst>` prints `redirected`/a cached exception; `ip route flush cache` clears it.",
            "Harden: on routers that must hairpin `sysctl -w net.ipv4.conf.all.send_redirects=0`; on hosts `sysctl -w net.ipv4.conf.all.accept_redirects=0` (Linux's secure_redirects only trusts current gateways).",
        ],
        codes: &[
            CodeInfo {
                code: 0,
                name: "Redirect Datagram for the Network (or subnet)",
                short: "Redirect for network",
                aliases: &["net-redirect", "network-redirect"],
                reference: "RFC 792; RFC 1812 §5.2.7.2",
                meaning: "Use the given gateway for the whole destination network. \
                          Without masks this is ambiguous, so RFC 1812 forbids routers to send it and hosts treat it as a host redirect (RFC 1122).",
                causes: &["An old router, or a spoofed message."],
                remedies: &[
                    "Treat it as a host redirect; fix routing so the redirect is unnecessary.",
                ],
            },
            CodeInfo {
                code: 1,
                name: "Redirect Datagram for the Host",
                short: "Redirect for host",
                aliases: &["host-redirect"],
                reference: "RFC 792; RFC 1812 §5.2.7.2",
                meaning: "Use the given gateway for this destination host: the usual redirect, which Linux routers send (send_redirects=1 by default) and Linux hosts honour (accept_redirects).",
                causes: &[
                    "The host's first hop is not the best router for this destination on a shared subnet.",
                ],
                remedies: &[
                    "Install a route to the destination via the suggested gateway, or disable redirects if the topology is intentional.",
                ],
            },
            brief_code(
                2,
                "Redirect Datagram for the Type of Service and Network",
                "Redirect for TOS and network",
                "RFC 792; RFC 1812 §5.2.7.2",
                "Use the given gateway for the destination network and this Type of Service. Obsolete with TOS routing; routers must not send it.",
            ),
            brief_code(
                3,
                "Redirect Datagram for the Type of Service and Host",
                "Redirect for TOS and host",
                "RFC 792; RFC 1812 §5.2.7.2",
                "Use the given gateway for the destination host and this Type of Service. Obsolete with TOS routing.",
            ),
        ],
    },
    TypeInfo {
        number: 6,
        name: "Alternate Host Address (Deprecated)",
        short: "Alternate host address",
        aliases: &["alternate-host-address"],
        kind: Informational,
        status: Status::Deprecated,
        reference: "IANA (J. Postel); deprecated by RFC 6918",
        meaning: "Registered but never specified; deprecated. Nothing sends it legitimately.",
        causes: &[],
        remedies: &[],
        codes: &[brief_code(
            0,
            "Alternate Address for Host",
            "Alternate address for host",
            "IANA; deprecated by RFC 6918",
            "The only registered code of the deprecated Alternate Host Address message.",
        )],
    },
    unassigned(7),
    TypeInfo {
        number: 8,
        name: "Echo",
        short: "Echo (ping) request",
        aliases: &["echo-request", "echo", "ping"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.6",
        meaning: "A request that the destination send back an Echo Reply with the same identifier, sequence number and data. \
                  Every host must answer (RFC 1122); it is the basic reachability and round-trip-time test.",
        causes: &[
            "`ping`, `mtr`, `fping`, Windows `tracert`, monitoring systems, load-balancer and cloud health checks.",
            "Host discovery scans (`nmap -sn`), sweeps across a subnet.",
        ],
        remedies: &[
            "No reply? Check the path and the target's filters: `tcpdump -ni any icmp` on the target shows whether requests arrive and replies leave.",
            "On Linux targets: `sysctl net.ipv4.icmp_echo_ignore_all` (1 = ignore all) and `net.ipv4.icmp_echo_ignore_broadcasts` (1 by default, against Smurf attacks).",
            "Firewalls: `nft list ruleset | grep -n icmp`, `iptables -S | grep icmp`; cloud security groups and Windows Defender Firewall block inbound echo by default.",
            "A missing reply is not proof the host is down: test the service port too (`nc -vz <host> <port>`).",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 9,
        name: "Router Advertisement",
        short: "Router advertisement",
        aliases: &["router-advertisement", "router-advert"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 1256; codes RFC 3344 (now RFC 5944)",
        meaning: "ICMP Router Discovery (IRDP): a router multicasts (224.0.0.1) or unicasts the list of its addresses with preference levels and a lifetime, so hosts can pick a default gateway. \
                  Mobile IPv4 agents reuse it, with extensions, as the Agent Advertisement.",
        causes: &[
            "IRDP enabled on a router (Cisco `ip irdp`) or an `rdisc`-style daemon; Mobile IPv4 home/foreign agents.",
            "A rogue advertisement trying to become the default gateway.",
        ],
        remedies: &[
            "Most networks use DHCP for gateways: disable IRDP where unused and filter advertisements from untrusted ports.",
            "Check which gateway hosts installed (`ip route show default`).",
        ],
        codes: &[
            brief_code(
                0,
                "Normal router advertisement",
                "Normal router advertisement",
                "RFC 3344",
                "A router advertisement from a router that forwards ordinary traffic (also a Mobile IPv4 agent that does).",
            ),
            brief_code(
                16,
                "Does not route common traffic",
                "Does not route common traffic",
                "RFC 3344",
                "A Mobile IPv4 agent advertisement from an agent that forwards only for mobile nodes, not ordinary traffic: hosts must not use it as a default router.",
            ),
        ],
    },
    TypeInfo {
        number: 10,
        name: "Router Solicitation",
        short: "Router solicitation",
        aliases: &["router-solicitation", "router-solicit"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 1256",
        meaning: "A host asks routers to send their Router Advertisements now (sent to 224.0.0.2, all routers), instead of waiting for the periodic ones.",
        causes: &[
            "A host with ICMP router discovery enabled booting or bringing up an interface; Mobile IPv4 nodes looking for an agent.",
        ],
        remedies: &[
            "Usually harmless; if nobody answers, the network does not use IRDP and the host needs a gateway from DHCP or static configuration.",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 11,
        name: "Time Exceeded",
        short: "Time-to-live exceeded",
        aliases: &["time-exceeded", "ttl-exceeded"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.4; RFC 1812 §5.3.1",
        meaning: "A datagram was discarded because its time ran out: a router decremented its TTL to zero (code 0), \
                  or the destination could not reassemble all its fragments in time (code 1).",
        causes: &[
            "traceroute and mtr deliberately send probes with TTL 1, 2, 3... to collect these from each hop.",
            "A routing loop: packets bounce between routers until TTL hits zero.",
            "Lost fragments on the way to the destination (code 1).",
        ],
        remedies: &[
            "Code 0 outside a traceroute: `mtr -n <dst>` or `traceroute -n <dst>`; hops that repeat (A, B, A, B...) are a loop.",
            "Code 1: see why fragments are lost, or avoid fragmentation.",
        ],
        codes: &[
            CodeInfo {
                code: 0,
                name: "Time to Live exceeded in Transit",
                short: "Time to live exceeded in transit",
                aliases: &[
                    "ttl-zero-during-transit",
                    "ttl-expired",
                    "ttl-exceeded-in-transit",
                ],
                reference: "RFC 792; RFC 1812 §5.3.1",
                meaning: "A router received the datagram with a TTL that reached 0 when decremented, discarded it, and reports from its own address \
                          (on Linux, by default, the address of the interface it sends the error out of). This is how traceroute discovers each hop.",
                causes: &[
                    "A traceroute/mtr probe reaching that hop (expected).",
                    "A routing loop: two routers pointing at each other for the destination, typically a default route meeting a static route, or a route flap during convergence.",
                    "The sender's initial TTL is too small for the path (e.g. an application or a tunnel setting TTL 1 or 2, or a VPN copying a low inner TTL).",
                ],
                remedies: &[
                    "Loop check: `mtr -n -c 10 <dst>` or `traceroute -n <dst>` and look for repeating hops; then `ip route get <dst>` / `show ip route <dst>` on the looping routers.",
                    "Check the sender's TTL: `sysctl net.ipv4.ip_default_ttl` (64 by default), socket options (IP_TTL, IP_MULTICAST_TTL), tunnel `ttl` settings (`ip -d link show`).",
                    "Verify it with a larger TTL: `ping -t 64 <dst>`.",
                ],
            },
            CodeInfo {
                code: 1,
                name: "Fragment Reassembly Time Exceeded",
                short: "Fragment reassembly time exceeded",
                aliases: &[
                    "ttl-zero-during-reassembly",
                    "reassembly-timeout",
                    "frag-reassembly-time-exceeded",
                ],
                reference: "RFC 792; RFC 1122 §3.3.2",
                meaning: "The destination host received some fragments of a datagram, including the first one, but not all of them before its reassembly timer expired \
                          (Linux: net.ipv4.ipfrag_time, 30 s), and discarded the rest. Sent by the destination, not by a router.",
                causes: &[
                    "A fragment lost on the path: firewalls or ACLs dropping non-first fragments (they carry no port numbers), ECMP or load balancers sending fragments of one datagram to different backends.",
                    "Large UDP datagrams fragmented by the sender: DNS with big EDNS responses, NFS/SMB over UDP, IPsec, GRE or VXLAN over a small MTU.",
                    "Reassembly memory exhausted on the receiver (net.ipv4.ipfrag_high_thresh) under load or a fragment flood.",
                ],
                remedies: &[
                    "Count failures on the receiver: `nstat -az IpReasmFails IpReasmTimeout` or `netstat -s | grep -i reassembl`.",
                    "Capture fragments on both ends: `tcpdump -ni any 'ip[6:2] & 0x3fff != 0'` to see which never arrive.",
                    "Avoid fragmentation: lower the application's datagram size (DNS EDNS buffer 1232, as recommended by DNS Flag Day 2020), use TCP, or fix the MTU of tunnels.",
                    "Let fragments through firewalls and load balancers (or reassemble there, e.g. conntrack defragmentation).",
                ],
            },
        ],
    },
    TypeInfo {
        number: 12,
        name: "Parameter Problem",
        short: "Parameter problem",
        aliases: &["parameter-problem", "param-problem", "paramprob"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.5; RFC 1812 §5.2.7.3",
        meaning: "A router or the destination found something wrong in the IP header (usually its options) that prevents processing, and discarded the datagram. \
                  For code 0, the pointer in byte 4 gives the offset of the bad octet within the quoted header.",
        causes: &[
            "Malformed or unsupported IP options (Record Route, Timestamp, security labels) written by a faulty stack or a middlebox.",
            "Crafted packets from scanners and fuzzers.",
        ],
        remedies: &[
            "Decode the quoted header and look at the octet the pointer names (e.g. pointer 20+ is in the options).",
            "Capture at the sender to see whether it or a middlebox produced the bad header (`tcpdump -vv -ni any 'ip[0] & 0xf > 5'` shows packets with options).",
        ],
        codes: &[
            // nft and iptables call codes 0 and 1 `ip-header-bad` and
            // `required-option-missing`.
            CodeInfo {
                aliases: &["ip-header-bad"],
                ..brief_code(
                    0,
                    "Pointer indicates the error",
                    "Pointer indicates the error",
                    "RFC 792",
                    "The pointer field (byte 4) holds the offset, from the start of the quoted IP header, of the octet in error.",
                )
            },
            CodeInfo {
                aliases: &["required-option-missing"],
                ..brief_code(
                    1,
                    "Missing a Required Option",
                    "Required option missing",
                    "RFC 1108; RFC 1122 §3.2.2.5",
                    "The network requires an option the datagram lacks, historically the IP security option (RFC 1108) on labelled, multilevel-secure networks. \
                     Seen where CIPSO/IPSO labelling is enforced.",
                )
            },
            brief_code(
                2,
                "Bad Length",
                "Bad length",
                "IANA ICMP Type Numbers",
                "A length in the IP header (header or total length, or an option length) is inconsistent.",
            ),
        ],
    },
    TypeInfo {
        number: 13,
        name: "Timestamp",
        short: "Timestamp request",
        aliases: &["timestamp-request", "timestamp"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.8",
        meaning: "A request for the destination's clock: the sender fills in the Originate timestamp (milliseconds since midnight UT) and the receiver answers with a Timestamp Reply.",
        causes: &[
            "Vulnerability scanners and OS fingerprinting (`nmap -PP`); the reply discloses the host's clock (CVE-1999-0524).",
            "Rare measurement tools; NTP has long replaced it for time.",
        ],
        remedies: &[
            "Linux answers it; to satisfy a security audit drop it: `nft add rule inet filter input icmp type timestamp-request drop` (or iptables `-p icmp --icmp-type timestamp-request -j DROP`).",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 14,
        name: "Timestamp Reply",
        short: "Timestamp reply",
        aliases: &["timestamp-reply"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 792; RFC 1122 §3.2.2.8",
        meaning: "The answer to a Timestamp request: the Originate time copied back, plus the Receive and Transmit times of the replier, \
                  in milliseconds since midnight UT (the high bit set if the clock is not in that form).",
        causes: &["A reply to a scanner's or tool's Timestamp request."],
        remedies: &[
            "Block outgoing replies (`icmp type timestamp-reply drop`) if clock disclosure matters.",
        ],
        codes: &[],
    },
    TypeInfo {
        aliases: &["info-request"],
        ..deprecated(
            15,
            "Information Request (Deprecated)",
            "Information request",
            "RFC 792; deprecated by RFC 6918",
            "Once let a host learn its network number by asking with source and destination network 0. Superseded by RARP, BOOTP and DHCP; deprecated.",
        )
    },
    TypeInfo {
        aliases: &["info-reply"],
        ..deprecated(
            16,
            "Information Reply (Deprecated)",
            "Information reply",
            "RFC 792; deprecated by RFC 6918",
            "The answer to an Information Request, carrying the network number. Deprecated.",
        )
    },
    deprecated(
        17,
        "Address Mask Request (Deprecated)",
        "Address mask request",
        "RFC 950; deprecated by RFC 6918",
        "Once let a host ask for its subnet mask. DHCP replaced it; deprecated, and Linux does not answer. Today it is seen from scanners (`nmap -PM`).",
    ),
    deprecated(
        18,
        "Address Mask Reply (Deprecated)",
        "Address mask reply",
        "RFC 950; deprecated by RFC 6918",
        "The answer to an Address Mask Request, carrying a subnet mask. Deprecated; a reply today reveals an old or embedded stack.",
    ),
    brief(
        19,
        "Reserved (for Security)",
        "Reserved (for security)",
        Informational,
        Status::Reserved,
        "IANA ICMP Type Numbers (Solo)",
        "Reserved for a security use that was never defined.",
    ),
    robustness(20),
    robustness(21),
    robustness(22),
    robustness(23),
    robustness(24),
    robustness(25),
    robustness(26),
    robustness(27),
    robustness(28),
    robustness(29),
    deprecated(
        30,
        "Traceroute (Deprecated)",
        "Traceroute",
        "RFC 1393; deprecated by RFC 6918",
        "An experimental traceroute that used an IP option to make each router report back with one message; never widely implemented. \
         Real traceroute uses TTL and Time Exceeded.",
    ),
    deprecated(
        31,
        "Datagram Conversion Error (Deprecated)",
        "Datagram Conversion Error",
        "RFC 1475; deprecated by RFC 6918",
        "From the experimental TP/IX proposal: a gateway could not convert a datagram between protocol versions.",
    ),
    deprecated(
        32,
        "Mobile Host Redirect (Deprecated)",
        "Mobile Host Redirect",
        "IANA (D. Johnson); deprecated by RFC 6918",
        "An early mobile-host proposal's redirect, before Mobile IP. Deprecated.",
    ),
    deprecated(
        33,
        "IPv6 Where-Are-You (Deprecated)",
        "IPv6 Where-Are-You",
        "IANA (B. Simpson); deprecated by RFC 6918",
        "From pre-IPv6 (SIPP-era) transition experiments; unrelated to today's IPv6. Deprecated.",
    ),
    deprecated(
        34,
        "IPv6 I-Am-Here (Deprecated)",
        "IPv6 I-Am-Here",
        "IANA (B. Simpson); deprecated by RFC 6918",
        "The answer to IPv6 Where-Are-You, from the same abandoned experiments. Deprecated.",
    ),
    deprecated(
        35,
        "Mobile Registration Request (Deprecated)",
        "Mobile Registration Request",
        "IANA (B. Simpson); deprecated by RFC 6918",
        "An early mobile-host registration proposal; Mobile IPv4 registration uses UDP port 434 instead. Deprecated.",
    ),
    deprecated(
        36,
        "Mobile Registration Reply (Deprecated)",
        "Mobile Registration Reply",
        "IANA (B. Simpson); deprecated by RFC 6918",
        "The answer to a Mobile Registration Request. Deprecated.",
    ),
    deprecated(
        37,
        "Domain Name Request (Deprecated)",
        "Domain Name Request",
        "RFC 1788; deprecated by RFC 6918",
        "An experiment (RFC 1788) to ask a host for its DNS name over ICMP. Deprecated; use reverse DNS.",
    ),
    deprecated(
        38,
        "Domain Name Reply (Deprecated)",
        "Domain Name Reply",
        "RFC 1788; deprecated by RFC 6918",
        "The answer to a Domain Name Request, carrying the host's names. Deprecated.",
    ),
    deprecated(
        39,
        "SKIP (Deprecated)",
        "SKIP",
        "IANA (T. Markson); deprecated by RFC 6918",
        "Used by SKIP (Simple Key-management for Internet Protocols), a pre-IKE IPsec key-management scheme. Deprecated.",
    ),
    TypeInfo {
        number: 40,
        name: "Photuris",
        short: "Photuris",
        aliases: &["photuris", "security-failures"],
        kind: Error,
        status: Status::Experimental,
        reference: "RFC 2521 (Experimental)",
        meaning: "ICMP Security Failures: a node reports that an IPsec-protected datagram (quoted in the message) failed its security processing. \
                  Defined for the Photuris key-management protocol; the SPI that failed identifies the security association.",
        causes: &[
            "A Photuris/IPsec implementation that sends these; rarely seen today (IKE does not).",
        ],
        remedies: &[
            "Check the security associations on both ends (`ip xfrm state`, `ip xfrm policy`, `swanctl --list-sas`).",
        ],
        codes: &[
            brief_code(
                0,
                "Bad SPI",
                "Bad SPI",
                "RFC 2521",
                "The Security Parameters Index is unknown or expired at the receiver.",
            ),
            brief_code(
                1,
                "Authentication Failed",
                "Authentication Failed",
                "RFC 2521",
                "The datagram failed its authentication check (wrong key or altered in transit).",
            ),
            brief_code(
                2,
                "Decompression Failed",
                "Decompression Failed",
                "RFC 2521",
                "The datagram's payload compression could not be undone.",
            ),
            brief_code(
                3,
                "Decryption Failed",
                "Decryption Failed",
                "RFC 2521",
                "The datagram's encrypted payload could not be decrypted.",
            ),
            brief_code(
                4,
                "Need Authentication",
                "Need Authentication",
                "RFC 2521",
                "The receiver requires authentication for this traffic and the datagram had none.",
            ),
            brief_code(
                5,
                "Need Authorization",
                "Need Authorization",
                "RFC 2521",
                "The datagram was authenticated but the sender is not authorized for this traffic.",
            ),
        ],
    },
    brief(
        41,
        "ICMP messages utilized by experimental mobility protocols such as Seamoby",
        "Experimental mobility protocols",
        Informational,
        Status::Experimental,
        "RFC 4065",
        "A single type shared by experimental mobility protocols (e.g. Seamoby's candidate access router discovery and context transfer), which use a subtype field.",
    ),
    TypeInfo {
        number: 42,
        name: "Extended Echo Request",
        short: "Extended Echo request",
        aliases: &["extended-echo-request", "probe", "probe-request"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 8335",
        meaning: "PROBE: asks the node it is sent to about the status of one of its interfaces (named by name, ifIndex or address) or of a neighbour's address, \
                  even when that interface has no reachable address of its own. The answer is an Extended Echo Reply.",
        causes: &[
            "Diagnosing an unnumbered interface, or an interface the prober cannot reach directly (RFC 8335's use case).",
            "A `probe` tool or `ping -e`-style option of newer utilities.",
        ],
        remedies: &[
            "Linux (5.13+) answers only with `sysctl -w net.ipv4.icmp_echo_enable_probe=1`; the same switch covers ICMPv6.",
            "Firewalls that only allow echo need a rule for type 42/43 too.",
        ],
        codes: extended_echo::REQUEST_CODES,
    },
    TypeInfo {
        number: 43,
        name: "Extended Echo Reply",
        short: "Extended Echo reply",
        aliases: &["extended-echo-reply", "probe-reply"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 8335",
        meaning: "The answer to a PROBE: with code 0 it reports the probed interface's state (Active, IPv4/IPv6 running) or, for a neighbour, the neighbour-cache state \
                  (Incomplete, Reachable, Stale, Delay, Probe, Failed); other codes say why the query could not be answered.",
        causes: &["A reply to an Extended Echo Request."],
        remedies: &[
            "For codes 1–4, check how the query identified the interface (name, ifIndex, address) against `ip -br link` on the probed node.",
        ],
        codes: extended_echo::REPLY_CODES,
    },
    brief(
        253,
        "RFC3692-style Experiment 1",
        "RFC3692-style Experiment 1",
        Informational,
        Status::Experimental,
        "RFC 4727",
        "Reserved for experiments and testing (RFC 3692); must not be shipped in products.",
    ),
    brief(
        254,
        "RFC3692-style Experiment 2",
        "RFC3692-style Experiment 2",
        Informational,
        Status::Experimental,
        "RFC 4727",
        "Reserved for experiments and testing (RFC 3692); must not be shipped in products.",
    ),
    brief(
        255,
        "Reserved",
        "Reserved",
        Informational,
        Status::Reserved,
        "IANA ICMP Type Numbers",
        "Reserved by the registry; no message uses it.",
    ),
];
