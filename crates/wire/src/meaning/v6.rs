//! The ICMPv6 table: every type the IANA "ICMPv6 type numbers" registry
//! lists individually.

use super::{
    CodeInfo, Kind::Error, Kind::Informational, Status, TypeInfo, brief, brief_code, extended_echo,
};

mod discovery;
mod errors;

const fn private_experimentation(number: u8, kind: super::Kind) -> TypeInfo {
    brief(
        number,
        "Private experimentation",
        "Private experimentation",
        kind,
        Status::Experimental,
        "RFC 4443 §2.1",
        "Set aside for private experiments (100 and 101 in the error range, 200 and 201 in the informational range); not for deployed protocols.",
    )
}

/// Brief ICMPv6 informational types: current, with a name and meaning only.
const fn info(
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
        Status::Current,
        reference,
        meaning,
    )
}

/// ICMPv6 types in ascending order.
pub(super) const TYPES: &[TypeInfo] = &[
    brief(
        0,
        "Reserved",
        "Reserved",
        Error,
        Status::Reserved,
        "RFC 4443",
        "Reserved; no message uses type 0.",
    ),
    TypeInfo {
        number: 1,
        name: "Destination Unreachable",
        short: "Destination Unreachable",
        aliases: &[
            "destination-unreachable",
            "dest-unreach",
            "unreachable",
            "unreach",
        ],
        kind: Error,
        status: Status::Current,
        reference: "RFC 4443 §3.1",
        meaning: "The quoted packet could not be delivered for a reason other than congestion; the code says why. \
                  Routers send codes 0, 1, 2, 3, 5 and 6, the destination sends port unreachable (4), and firewalls send what their reject rule names. \
                  The message quotes as much of the packet as fits in 1280 bytes.",
        causes: &[
            "No route (0, 6), a filter (1, 5), a scope violation (2), no Neighbor Discovery answer (3), no listener (4).",
        ],
        remedies: &[
            "Look at the ICMP source (who) and the quoted packet (what); `traceroute -6 -n <dst>` marks these as !N, !X, !H.",
            "Do not filter ICMPv6 errors wholesale: RFC 4890 lists which must pass.",
        ],
        codes: errors::UNREACHABLE,
    },
    TypeInfo {
        number: 2,
        name: "Packet Too Big",
        short: "Packet Too Big",
        aliases: &["packet-too-big", "too-big", "ptb"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 4443 §3.2; RFC 8201; RFC 4890",
        meaning: "A router could not forward the packet because it is larger than the next link's MTU, given in the message's 32-bit MTU field. \
                  IPv6 routers never fragment, so every oversized packet produces one, and Path MTU Discovery (RFC 8201) depends on it entirely; \
                  it is sent even in response to multicast packets.",
        causes: &[
            "A smaller-MTU link: 6in4/6rd tunnels (1480), PPPoE (1492 or less), WireGuard (1420), IPsec, VXLAN, DS-Lite.",
            "When filtered on the way back, a PMTUD black hole: the TCP handshake works, then large transfers hang (TLS stalls after ClientHello, SSH after key exchange).",
            "Anycast or ECMP load balancing that delivers the message to a different server than the one that sent the big packet (RFC 7690).",
            "A spoofed message with a tiny MTU; nodes never go below the IPv6 minimum of 1280 (RFC 8201, RFC 8021).",
        ],
        remedies: &[
            "Never filter it: allow ICMPv6 type 2 everywhere (RFC 4890 §4.3.1), e.g. `nft add rule inet filter input icmpv6 type packet-too-big accept`, and in cloud security groups.",
            "Find the bottleneck: `tracepath -6 -n <dst>`; `ping -6 -M do -s 1452 <dst>` (1452 + 48 = 1500) and lower -s until it passes.",
            "See what the host learned: `ip -6 route get <dst>` shows a cached `mtu`.",
            "Clamp TCP MSS on the tunnel router (`ip6tables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`, or nftables `tcp option maxseg size set rt mtu`), set the tunnel MTU correctly, advertise it in RAs (MTU option), and enable `net.ipv4.tcp_mtu_probing=1` (it applies to IPv6 TCP too).",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 3,
        name: "Time Exceeded",
        short: "Time Exceeded",
        aliases: &["time-exceeded", "ttl-exceeded"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 4443 §3.3",
        meaning: "The packet was discarded because its time ran out: its Hop Limit reached zero at a router (code 0), or the destination timed out reassembling its fragments (code 1).",
        causes: &[
            "traceroute and mtr collecting hops (expected).",
            "Routing loops; lost fragments.",
        ],
        remedies: &["`mtr -6 -n <dst>` to spot loops; for code 1 see why fragments go missing."],
        codes: errors::TIME_EXCEEDED,
    },
    TypeInfo {
        number: 4,
        name: "Parameter Problem",
        short: "Parameter Problem",
        aliases: &["parameter-problem", "param-problem"],
        kind: Error,
        status: Status::Current,
        reference: "RFC 4443 §3.4; RFC 8200",
        meaning: "A node could not process a field of the IPv6 header or an extension header and discarded the packet. \
                  The 32-bit pointer gives the byte offset, within the quoted packet, where the problem lies.",
        causes: &[
            "An unknown Next Header (code 1, IPv6's protocol unreachable) or option (code 2).",
            "Malformed headers, incomplete header chains in fragments, or header-chain limits of routers (codes 3–10).",
        ],
        remedies: &[
            "Decode the quoted packet at the pointer's offset; the code names what is wrong there.",
        ],
        codes: errors::PARAMETER_PROBLEM,
    },
    private_experimentation(100, Error),
    private_experimentation(101, Error),
    brief(
        127,
        "Reserved for expansion of ICMPv6 error messages",
        "Reserved for expansion of ICMPv6 error messages",
        Error,
        Status::Reserved,
        "RFC 4443 §2.1",
        "Reserved so that the error range can be extended later.",
    ),
    TypeInfo {
        number: 128,
        name: "Echo Request",
        short: "Echo (ping) request",
        aliases: &["echo-request", "echo", "ping"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 4443 §4.1",
        meaning: "A request that the destination return an Echo Reply with the same identifier, sequence number and data. \
                  Every IPv6 node must answer (RFC 4443); requests to a multicast address such as ff02::1 are answered by every member.",
        causes: &[
            "`ping -6`, `mtr -6`, monitoring and health checks; `ping ff02::1%eth0` to discover neighbours.",
            "Address scans, though sweeping a /64 is impractical.",
        ],
        remedies: &[
            "No reply? `tcpdump -ni any icmp6` on the target; Linux switches: `sysctl net.ipv6.icmp.echo_ignore_all`, `echo_ignore_multicast`, `echo_ignore_anycast`.",
            "Check `ip6tables -S` / `nft list ruleset`: IPv6 firewalls are configured separately from IPv4 ones; RFC 4890 recommends allowing echo.",
        ],
        codes: &[],
    },
    TypeInfo {
        number: 129,
        name: "Echo Reply",
        short: "Echo (ping) reply",
        aliases: &["echo-reply", "pong"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 4443 §4.2",
        meaning: "The answer to an Echo Request, carrying its identifier, sequence number and data unchanged. \
                  A reply to a multicast request comes from a unicast address of each responder.",
        causes: &["A reply to ping, mtr or a health check."],
        remedies: &[
            "Compare identifier, sequence and data with the request; duplicates are normal after a multicast ping.",
        ],
        codes: &[],
    },
    discovery::MLD_QUERY,
    discovery::MLD_REPORT,
    discovery::MLD_DONE,
    discovery::ROUTER_SOLICITATION,
    discovery::ROUTER_ADVERTISEMENT,
    discovery::NEIGHBOR_SOLICITATION,
    discovery::NEIGHBOR_ADVERTISEMENT,
    discovery::REDIRECT,
    TypeInfo {
        number: 138,
        name: "Router Renumbering",
        short: "Router Renumbering",
        aliases: &["router-renumbering"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 2894",
        meaning: "Lets an operator push prefix changes to routers (commands and results). Practically unused; it must be authenticated, so unauthenticated ones from outside are suspect.",
        causes: &["Renumbering tools (rare), probes or attacks."],
        remedies: &["Drop at the network edge (RFC 4890 lists it as safe to drop in transit)."],
        codes: &[
            brief_code(
                0,
                "Router Renumbering Command",
                "Command",
                "RFC 2894",
                "A renumbering command to routers.",
            ),
            brief_code(
                1,
                "Router Renumbering Result",
                "Result",
                "RFC 2894",
                "A router's report of the command's outcome.",
            ),
            brief_code(
                255,
                "Sequence Number Reset",
                "Sequence number reset",
                "RFC 2894",
                "Resets the routers' record of the highest command sequence number seen.",
            ),
        ],
    },
    TypeInfo {
        number: 139,
        name: "ICMP Node Information Query",
        short: "Node Information Query",
        aliases: &["node-information-query", "ni-query"],
        kind: Informational,
        status: Status::Experimental,
        reference: "RFC 4620 (Experimental)",
        meaning: "Asks a node for its names or addresses (Qtype) about a subject given by address or name; iputils `ping -N` sends these.",
        causes: &["`ping -N name <addr>` and similar diagnostics."],
        remedies: &["Most stacks do not answer; drop at the edge if not used."],
        codes: &[
            brief_code(
                0,
                "The Data field contains an IPv6 address which is the Subject of this Query",
                "Query subject = IPv6 addresses",
                "RFC 4620",
                "The query's subject is an IPv6 address.",
            ),
            brief_code(
                1,
                "The Data field contains a name which is the Subject of this Query, or is empty, as in the case of a NOOP",
                "Query subject = DNS name or empty",
                "RFC 4620",
                "The query's subject is a DNS name, or there is none (NOOP).",
            ),
            brief_code(
                2,
                "The Data field contains an IPv4 address which is the Subject of this Query",
                "Query subject = IPv4 addresses",
                "RFC 4620",
                "The query's subject is an IPv4 address.",
            ),
        ],
    },
    TypeInfo {
        number: 140,
        name: "ICMP Node Information Response",
        short: "Node Information Reply",
        aliases: &[
            "node-information-reply",
            "node-information-response",
            "ni-reply",
        ],
        kind: Informational,
        status: Status::Experimental,
        reference: "RFC 4620 (Experimental)",
        meaning: "The answer to a Node Information Query.",
        causes: &["A reply to `ping -N`."],
        remedies: &[],
        codes: &[
            brief_code(
                0,
                "A successful reply",
                "Successful",
                "RFC 4620",
                "The reply data may or may not be empty.",
            ),
            brief_code(
                1,
                "The Responder refuses to supply the answer",
                "Refused",
                "RFC 4620",
                "The responder declines; the reply data is empty.",
            ),
            brief_code(
                2,
                "The Qtype of the Query is unknown to the Responder",
                "Unknown query type",
                "RFC 4620",
                "The responder does not know the query type; the reply data is empty.",
            ),
        ],
    },
    TypeInfo {
        aliases: &["ind-neighbor-solicit"],
        ..info(
            141,
            "Inverse Neighbor Discovery Solicitation Message",
            "Inverse Neighbor Discovery Solicitation",
            "RFC 3122",
            "Asks a neighbour with a known link-layer address for its IPv6 addresses (IPv6's Inverse ARP, used on Frame Relay).",
        )
    },
    TypeInfo {
        aliases: &["ind-neighbor-advert"],
        ..info(
            142,
            "Inverse Neighbor Discovery Advertisement Message",
            "Inverse Neighbor Discovery Advertisement",
            "RFC 3122",
            "The answer to an Inverse Neighbor Discovery Solicitation, listing the node's addresses.",
        )
    },
    discovery::MLD2_REPORT,
    info(
        144,
        "Home Agent Address Discovery Request Message",
        "Home Agent Address Discovery Request",
        "RFC 6275",
        "Mobile IPv6: a mobile node asks for the home agents on its home link (sent to the Mobile IPv6 home-agents anycast address).",
    ),
    info(
        145,
        "Home Agent Address Discovery Reply Message",
        "Home Agent Address Discovery Reply",
        "RFC 6275",
        "Mobile IPv6: the list of home agents, in order of preference.",
    ),
    info(
        146,
        "Mobile Prefix Solicitation",
        "Mobile Prefix Solicitation",
        "RFC 6275",
        "Mobile IPv6: a mobile node away from home asks its home agent for the home link's prefixes.",
    ),
    info(
        147,
        "Mobile Prefix Advertisement",
        "Mobile Prefix Advertisement",
        "RFC 6275",
        "Mobile IPv6: the home agent sends the home link's prefix information to a mobile node.",
    ),
    info(
        148,
        "Certification Path Solicitation Message",
        "Certification Path Solicitation",
        "RFC 3971",
        "SEND (Secure Neighbor Discovery): a host asks a router for the certificate chain that authorizes it to act as a router.",
    ),
    info(
        149,
        "Certification Path Advertisement Message",
        "Certification Path Advertisement",
        "RFC 3971",
        "SEND: a router sends certificates linking it to a trust anchor.",
    ),
    brief(
        150,
        "ICMP messages utilized by experimental mobility protocols such as Seamoby",
        "Experimental Mobility",
        Informational,
        Status::Experimental,
        "RFC 4065",
        "A single type shared by experimental mobility protocols (e.g. Seamoby's candidate access router discovery), which use a subtype field.",
    ),
    info(
        151,
        "Multicast Router Advertisement",
        "Multicast Router Advertisement",
        "RFC 4286",
        "Multicast Router Discovery: a multicast router announces itself (to ff02::6a) so MLD-snooping switches learn where routers are.",
    ),
    info(
        152,
        "Multicast Router Solicitation",
        "Multicast Router Solicitation",
        "RFC 4286",
        "Multicast Router Discovery: a switch or host asks multicast routers (ff02::2) to advertise now.",
    ),
    info(
        153,
        "Multicast Router Termination",
        "Multicast Router Termination",
        "RFC 4286",
        "Multicast Router Discovery: a multicast router announces it stops routing multicast on the link.",
    ),
    info(
        154,
        "FMIPv6 Messages",
        "FMIPv6",
        "RFC 5568",
        "Fast Handovers for Mobile IPv6: a subtype field selects the message (2 Router Solicitation for Proxy Advertisement, 3 Proxy Router Advertisement, \
         4/5 Handover Initiate/Acknowledge in the older RFC 4068).",
    ),
    TypeInfo {
        number: 155,
        name: "RPL Control Message",
        short: "RPL Control",
        aliases: &["rpl-control", "rpl"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 6550",
        meaning: "RPL, the routing protocol for low-power and lossy networks (6LoWPAN, Thread-like meshes): the code selects the control message that builds and maintains the DODAG.",
        causes: &["RPL routers and leaves in an IoT mesh."],
        remedies: &[
            "Inspect with a 6LoWPAN-aware sniffer; RPL is link-local/mesh-internal and should not cross the border router.",
        ],
        codes: &[
            CodeInfo {
                aliases: &["dis"],
                ..brief_code(
                    0x00,
                    "DODAG Information Solicitation",
                    "DODAG Information Solicitation",
                    "RFC 6550 §6.2",
                    "A node asks neighbours for DODAG Information Objects.",
                )
            },
            CodeInfo {
                aliases: &["dio"],
                ..brief_code(
                    0x01,
                    "DODAG Information Object",
                    "DODAG Information Object",
                    "RFC 6550 §6.3",
                    "A router advertises the DODAG (its rank, instance, configuration) so nodes can join.",
                )
            },
            CodeInfo {
                aliases: &["dao"],
                ..brief_code(
                    0x02,
                    "Destination Advertisement Object",
                    "Destination Advertisement Object",
                    "RFC 6550 §6.4",
                    "A node advertises reachable destinations upward, building downward routes.",
                )
            },
            CodeInfo {
                aliases: &["dao-ack"],
                ..brief_code(
                    0x03,
                    "Destination Advertisement Object Acknowledgment",
                    "Destination Advertisement Object Acknowledgment",
                    "RFC 6550 §6.5",
                    "Acknowledges a DAO: the parent or root accepted (or refused) the advertised route.",
                )
            },
            CodeInfo {
                aliases: &["p2p-dro"],
                ..brief_code(
                    0x04,
                    "Point-to-Point Discovery Reply Object",
                    "P2P Discovery Reply Object",
                    "RFC 6997",
                    "Replies to a P2P-RPL route discovery.",
                )
            },
            CodeInfo {
                aliases: &["p2p-dro-ack"],
                ..brief_code(
                    0x05,
                    "Point-to-Point Discovery Reply Object Acknowledgement",
                    "P2P Discovery Reply Object Acknowledgement",
                    "RFC 6997",
                    "Acknowledges a P2P Discovery Reply Object.",
                )
            },
            brief_code(
                0x06,
                "Measurement",
                "Measurement",
                "RFC 6998",
                "Measures the cost of a route between two nodes of the LLN.",
            ),
            CodeInfo {
                aliases: &["dco"],
                ..brief_code(
                    0x07,
                    "Destination Cleanup Object",
                    "Destination Cleanup Object",
                    "RFC 9009",
                    "Removes stale downward routes after a node moves.",
                )
            },
            CodeInfo {
                aliases: &["dco-ack"],
                ..brief_code(
                    0x08,
                    "Destination Cleanup Object Acknowledgement",
                    "Destination Cleanup Object Acknowledgement",
                    "RFC 9009",
                    "Acknowledges a Destination Cleanup Object.",
                )
            },
            brief_code(
                0x80,
                "Secure DODAG Information Solicitation",
                "Secure DODAG Information Solicitation",
                "RFC 6550 §6.2",
                "The secured form of a DIS.",
            ),
            brief_code(
                0x81,
                "Secure DODAG Information Object",
                "Secure DODAG Information Object",
                "RFC 6550 §6.3",
                "The secured form of a DIO.",
            ),
            brief_code(
                0x82,
                "Secure Destination Advertisement Object",
                "Secure Destination Advertisement Object",
                "RFC 6550 §6.4",
                "The secured form of a DAO.",
            ),
            brief_code(
                0x83,
                "Secure Destination Advertisement Object Acknowledgment",
                "Secure Destination Advertisement Object Acknowledgment",
                "RFC 6550 §6.5",
                "The secured form of a DAO-ACK.",
            ),
            brief_code(
                0x84,
                "Secure Point-to-Point Discovery Reply Object",
                "P2P Secure Discovery Reply Object",
                "RFC 6997",
                "The secured form of a P2P-DRO.",
            ),
            brief_code(
                0x85,
                "Secure Point-to-Point Discovery Reply Object Acknowledgement",
                "P2P Secure Discovery Reply Object Acknowledgement",
                "RFC 6997",
                "The secured form of a P2P-DRO-ACK.",
            ),
            brief_code(
                0x86,
                "Secure Measurement",
                "Secure Measurement",
                "RFC 6998",
                "The secured form of a Measurement message.",
            ),
            brief_code(
                0x87,
                "Secure Destination Cleanup Object",
                "Secure Destination Cleanup Object",
                "RFC 9009",
                "The secured form of a DCO.",
            ),
            brief_code(
                0x88,
                "Secure Destination Cleanup Object Acknowledgement",
                "Secure Destination Cleanup Object Acknowledgement",
                "RFC 9009",
                "The secured form of a DCO-ACK.",
            ),
            CodeInfo {
                aliases: &["consistency-check"],
                ..brief_code(
                    0x8A,
                    "Consistency Check",
                    "Consistency Check",
                    "RFC 6550 §6.6",
                    "Checks secure message counters and keys between RPL nodes.",
                )
            },
        ],
    },
    brief(
        156,
        "ILNPv6 Locator Update Message",
        "Locator Update",
        Informational,
        Status::Experimental,
        "RFC 6743 (Experimental)",
        "ILNPv6 (Identifier-Locator Network Protocol): a node tells correspondents its set of locators changed.",
    ),
    TypeInfo {
        aliases: &["duplicate-address-request", "dar"],
        ..info(
            157,
            "Duplicate Address Request",
            "Duplicate Address Request",
            "RFC 6775; RFC 8505",
            "6LoWPAN Neighbor Discovery: a 6LoWPAN router asks the border router whether an address a node registered is already in use (multihop DAD).",
        )
    },
    TypeInfo {
        aliases: &["duplicate-address-confirmation", "dac"],
        ..info(
            158,
            "Duplicate Address Confirmation",
            "Duplicate Address Confirmation",
            "RFC 6775; RFC 8505",
            "6LoWPAN Neighbor Discovery: the border router's answer to a Duplicate Address Request, with the registration status.",
        )
    },
    TypeInfo {
        aliases: &["mpl-control"],
        ..info(
            159,
            "MPL Control Message",
            "MPL Control Message",
            "RFC 7731",
            "Multicast Protocol for Low-Power and Lossy Networks: a node summarizes the multicast messages it holds so neighbours can request missing ones.",
        )
    },
    TypeInfo {
        number: 160,
        name: "Extended Echo Request",
        short: "Extended Echo request",
        aliases: &["extended-echo-request", "probe", "probe-request"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 8335",
        meaning: "PROBE: asks the node it is sent to about the status of one of its interfaces (by name, ifIndex or address) or of a neighbour, \
                  even when that interface has no address the prober can reach. The answer is an Extended Echo Reply.",
        causes: &["Diagnosing unnumbered or unreachable interfaces with a PROBE tool."],
        remedies: &[
            "Linux (5.13+) answers only with `sysctl -w net.ipv4.icmp_echo_enable_probe=1`, which also governs ICMPv6.",
            "Firewalls that allow only echo need a rule for types 160/161 too.",
        ],
        codes: extended_echo::REQUEST_CODES,
    },
    TypeInfo {
        number: 161,
        name: "Extended Echo Reply",
        short: "Extended Echo reply",
        aliases: &["extended-echo-reply", "probe-reply"],
        kind: Informational,
        status: Status::Current,
        reference: "RFC 8335",
        meaning: "The answer to a PROBE: with code 0 it reports the interface's state (Active, IPv4/IPv6 running) or a neighbour's cache state \
                  (Incomplete, Reachable, Stale, Delay, Probe, Failed); other codes say why the query could not be answered.",
        causes: &["A reply to an Extended Echo Request."],
        remedies: &[
            "For codes 1–4, check how the query named the interface against `ip -br link` on the probed node.",
        ],
        codes: extended_echo::REPLY_CODES,
    },
    private_experimentation(200, Informational),
    private_experimentation(201, Informational),
    brief(
        255,
        "Reserved for expansion of ICMPv6 informational messages",
        "Reserved for expansion of ICMPv6 informational messages",
        Informational,
        Status::Reserved,
        "RFC 4443 §2.1",
        "Reserved so that the informational range can be extended later.",
    ),
];
